/* TLS transport on OpenSSL (libmailwire-tls). It only uses the public API
 * of libmailwire: the private mwi_ helpers are not exported from the
 * shared library. */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mailwire/tls.h"

struct mw_tls_context {
    SSL_CTX *ssl_ctx;
    int role;
    uint32_t flags;
    const mw_allocator *allocator;
};

/* One TLS connection: the OpenSSL state and the transport underneath. */
typedef struct tls_conn {
    SSL *ssl;
    BIO_METHOD *biom;
    mw_transport inner;
    mw_status inner_error; /* the inner transport's last hard error */
    unsigned want;
    int handshake_done;
    char error[192];
    const mw_allocator *allocator;
} tls_conn;

static void *tls_alloc(const mw_allocator *a, size_t size)
{
    a = a ? a : mw_allocator_default();
    void *p = a->alloc(a->ud, size);
    if (p)
        memset(p, 0, size);
    return p;
}

static void tls_free(const mw_allocator *a, void *p, size_t size)
{
    a = a ? a : mw_allocator_default();
    a->free(a->ud, p, size);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    if (!dst || cap == 0)
        return;
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* OpenSSL's oldest queued error as text (the queue is then cleared). */
static void openssl_error_text(char *dst, size_t cap, const char *fallback)
{
    unsigned long e = ERR_get_error();
    if (e != 0 && dst && cap > 0)
        ERR_error_string_n(e, dst, cap);
    else
        copy_text(dst, cap, fallback);
    ERR_clear_error();
}

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

static BIO *pem_bio(const char *pem)
{
    return BIO_new_mem_buf(pem, -1);
}

static int load_ca_pem(SSL_CTX *c, const char *pem)
{
    BIO *b = pem_bio(pem);
    if (!b)
        return 0;
    X509_STORE *store = SSL_CTX_get_cert_store(c);
    int count = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        int ok = X509_STORE_add_cert(store, x);
        X509_free(x);
        if (!ok) {
            BIO_free(b);
            return 0;
        }
        count++;
    }
    BIO_free(b);
    /* The loop ends with a "no start line" error at the end of input. */
    ERR_clear_error();
    return count > 0;
}

static int load_cert_pem(SSL_CTX *c, const char *pem)
{
    BIO *b = pem_bio(pem);
    if (!b)
        return 0;
    X509 *leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
    int ok = leaf && SSL_CTX_use_certificate(c, leaf) == 1;
    X509_free(leaf);
    X509 *extra;
    while (ok && (extra = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        ok = SSL_CTX_add0_chain_cert(c, extra) == 1;
        if (!ok)
            X509_free(extra);
    }
    BIO_free(b);
    if (ok)
        ERR_clear_error();
    return ok;
}

static int load_key_pem(SSL_CTX *c, const char *pem)
{
    BIO *b = pem_bio(pem);
    if (!b)
        return 0;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    int ok = key && SSL_CTX_use_PrivateKey(c, key) == 1;
    EVP_PKEY_free(key);
    BIO_free(b);
    return ok;
}

static int load_identity(SSL_CTX *c, const mw_tls_config *cfg)
{
    if (cfg->cert_file &&
        SSL_CTX_use_certificate_chain_file(c, cfg->cert_file) != 1)
        return 0;
    if (cfg->cert_pem && !load_cert_pem(c, cfg->cert_pem))
        return 0;
    if (cfg->key_file &&
        SSL_CTX_use_PrivateKey_file(c, cfg->key_file, SSL_FILETYPE_PEM) != 1)
        return 0;
    if (cfg->key_pem && !load_key_pem(c, cfg->key_pem))
        return 0;
    if (cfg->cert_file || cfg->cert_pem)
        return SSL_CTX_check_private_key(c) == 1;
    return 1;
}

static int load_trust(SSL_CTX *c, const mw_tls_config *cfg)
{
    if (cfg->ca_file || cfg->ca_dir) {
        if (SSL_CTX_load_verify_locations(c, cfg->ca_file, cfg->ca_dir) != 1)
            return 0;
    }
    if (cfg->ca_pem && !load_ca_pem(c, cfg->ca_pem))
        return 0;
    if (!cfg->ca_file && !cfg->ca_dir && !cfg->ca_pem)
        return SSL_CTX_set_default_verify_paths(c) == 1;
    return 1;
}

static int configure_ctx(SSL_CTX *c, const mw_tls_config *cfg)
{
    if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1)
        return 0;
    /* Partial writes and a moving buffer: the driver retries a short write
     * with whatever the session's output view is at that moment. */
    SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* Mail servers commonly close after QUIT's reply without close_notify;
     * the protocols frame their own ends, so treat it as end of stream. */
    SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (!load_identity(c, cfg))
        return 0;
    if (cfg->role == MW_TLS_CLIENT) {
        int insecure = (cfg->flags & MW_TLS_INSECURE) != 0;
        SSL_CTX_set_verify(c, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                           NULL);
        if (!insecure && !load_trust(c, cfg))
            return 0;
    } else if (cfg->flags & MW_TLS_REQUIRE_CLIENT_CERT) {
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                           NULL);
        if (!load_trust(c, cfg))
            return 0;
    }
    return 1;
}

static int config_is_valid(const mw_tls_config *cfg)
{
    if (cfg->role != MW_TLS_CLIENT && cfg->role != MW_TLS_SERVER)
        return 0;
    int has_cert = cfg->cert_file || cfg->cert_pem;
    int has_key = cfg->key_file || cfg->key_pem;
    if (has_cert != has_key)
        return 0;
    int has_ca = cfg->ca_file || cfg->ca_dir || cfg->ca_pem;
    if (cfg->role == MW_TLS_SERVER &&
        (cfg->flags & MW_TLS_REQUIRE_CLIENT_CERT) && !has_ca)
        return 0;
    return cfg->role == MW_TLS_CLIENT || has_cert;
}

mw_status mw_tls_context_new(const mw_tls_config *cfg,
                             const mw_allocator *allocator,
                             mw_tls_context **out, char *errbuf, size_t errcap)
{
    copy_text(errbuf, errcap, "");
    if (out)
        *out = NULL;
    if (!cfg || !out) {
        copy_text(errbuf, errcap, "missing argument");
        return MW_E_ARG;
    }
    if (!config_is_valid(cfg)) {
        copy_text(errbuf, errcap,
                  "bad role, or certificate and key not given together");
        return MW_E_ARG;
    }
    mw_tls_context *ctx = tls_alloc(allocator, sizeof(*ctx));
    if (!ctx)
        return MW_E_NOMEM;
    ERR_clear_error();
    ctx->ssl_ctx = SSL_CTX_new(
        cfg->role == MW_TLS_SERVER ? TLS_server_method() : TLS_client_method());
    if (!ctx->ssl_ctx || !configure_ctx(ctx->ssl_ctx, cfg)) {
        openssl_error_text(errbuf, errcap, "TLS context setup failed");
        SSL_CTX_free(ctx->ssl_ctx);
        tls_free(allocator, ctx, sizeof(*ctx));
        return MW_E_TLS;
    }
    ctx->role = cfg->role;
    ctx->flags = cfg->flags;
    ctx->allocator = allocator;
    *out = ctx;
    return MW_OK;
}

void mw_tls_context_free(mw_tls_context *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    tls_free(ctx->allocator, ctx, sizeof(*ctx));
}

/* ------------------------------------------------------------------ */
/* BIO over the inner transport                                        */
/* ------------------------------------------------------------------ */

static int bio_write(BIO *b, const char *data, int len)
{
    tls_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    size_t n = 0;
    mw_status st = mw_transport_write(&c->inner, data, (size_t)len, &n);
    if (st == MW_OK)
        return (int)n;
    if (st == MW_E_WOULDBLOCK) {
        BIO_set_retry_write(b);
        return -1;
    }
    c->inner_error = st;
    return -1;
}

static int bio_read(BIO *b, char *data, int len)
{
    tls_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    size_t n = 0;
    mw_status st = mw_transport_read(&c->inner, data, (size_t)len, &n);
    if (st == MW_OK)
        return (int)n;
    if (st == MW_E_WOULDBLOCK) {
        BIO_set_retry_read(b);
        return -1;
    }
    if (st == MW_E_CLOSED)
        return 0;
    c->inner_error = st;
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    /* Writes go straight to the transport: there is nothing to flush. */
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *make_bio_method(void)
{
    BIO_METHOD *m =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mailwire");
    if (!m)
        return NULL;
    if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) ||
        !BIO_meth_set_create(m, bio_create)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* ------------------------------------------------------------------ */
/* The TLS transport                                                   */
/* ------------------------------------------------------------------ */

static void record_failure(tls_conn *c)
{
    long vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK) {
        char text[160];
        copy_text(text, sizeof(text), X509_verify_cert_error_string(vr));
        copy_text(c->error, sizeof(c->error), "certificate verify failed: ");
        size_t used = strlen(c->error);
        copy_text(c->error + used, sizeof(c->error) - used, text);
        ERR_clear_error();
        return;
    }
    openssl_error_text(c->error, sizeof(c->error), "TLS failure");
}

/* Map the outcome of an SSL_* call. */
static mw_status ssl_status(tls_conn *c, int ret)
{
    switch (SSL_get_error(c->ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        c->want = MW_WANT_READ;
        return MW_E_WOULDBLOCK;
    case SSL_ERROR_WANT_WRITE:
        c->want = MW_WANT_WRITE;
        return MW_E_WOULDBLOCK;
    case SSL_ERROR_ZERO_RETURN:
        return MW_E_CLOSED;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        if (c->inner_error != MW_OK)
            return c->inner_error;
        copy_text(c->error, sizeof(c->error), "connection closed");
        return MW_E_CLOSED;
    default:
        record_failure(c);
        return MW_E_TLS;
    }
}

static mw_status tls_read(void *ctx, void *buf, size_t cap, size_t *n_out)
{
    tls_conn *c = ctx;
    ERR_clear_error();
    c->inner_error = MW_OK;
    c->error[0] = '\0';
    int ret = SSL_read_ex(c->ssl, buf, cap, n_out);
    return ret == 1 ? MW_OK : ssl_status(c, ret);
}

static mw_status tls_write(void *ctx, const void *buf, size_t len,
                           size_t *n_out)
{
    tls_conn *c = ctx;
    ERR_clear_error();
    c->inner_error = MW_OK;
    c->error[0] = '\0';
    int ret = SSL_write_ex(c->ssl, buf, len, n_out);
    return ret == 1 ? MW_OK : ssl_status(c, ret);
}

static mw_status tls_handshake(void *ctx)
{
    tls_conn *c = ctx;
    if (c->handshake_done)
        return MW_OK;
    ERR_clear_error();
    c->inner_error = MW_OK;
    c->error[0] = '\0';
    int ret = SSL_do_handshake(c->ssl);
    if (ret == 1) {
        c->handshake_done = 1;
        return MW_OK;
    }
    return ssl_status(c, ret);
}

static unsigned tls_wants(void *ctx)
{
    return ((tls_conn *)ctx)->want;
}

static int tls_fd(void *ctx)
{
    return mw_transport_fd(&((tls_conn *)ctx)->inner);
}

static void free_conn(tls_conn *c)
{
    SSL_free(c->ssl); /* frees the BIO too */
    BIO_meth_free(c->biom);
    tls_free(c->allocator, c, sizeof(*c));
}

static void tls_close(void *ctx)
{
    tls_conn *c = ctx;
    if (SSL_is_init_finished(c->ssl)) {
        /* One non-blocking attempt at close_notify; the peer may be gone. */
        ERR_clear_error();
        (void)SSL_shutdown(c->ssl);
        ERR_clear_error();
    }
    if (c->inner.vt->close)
        c->inner.vt->close(c->inner.ctx);
    free_conn(c);
}

static const mw_transport_vtable tls_vtable = {
    tls_read, tls_write, tls_handshake, tls_wants, tls_fd, tls_close};

static int is_ip_literal(const char *name)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name);
    if (!ip)
        return 0;
    ASN1_OCTET_STRING_free(ip);
    return 1;
}

static int set_peer_name(SSL *ssl, const char *name, int verify)
{
    int ip = is_ip_literal(name);
    ERR_clear_error();
    /* SNI carries host names only (RFC 6066 section 3). */
    if (!ip && SSL_set_tlsext_host_name(ssl, name) != 1)
        return 0;
    if (!verify)
        return 1;
    if (ip)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
    return SSL_set1_host(ssl, name) == 1;
}

static mw_status setup_ssl(tls_conn *c, mw_tls_context *ctx,
                           const char *peer_name)
{
    c->ssl = SSL_new(ctx->ssl_ctx);
    c->biom = make_bio_method();
    BIO *bio = c->biom ? BIO_new(c->biom) : NULL;
    if (!c->ssl || !bio) {
        BIO_free(bio);
        return MW_E_NOMEM;
    }
    BIO_set_data(bio, c);
    SSL_set_bio(c->ssl, bio, bio);
    if (ctx->role == MW_TLS_SERVER) {
        SSL_set_accept_state(c->ssl);
        return MW_OK;
    }
    SSL_set_connect_state(c->ssl);
    int verify = (ctx->flags & MW_TLS_INSECURE) == 0;
    if (peer_name && !set_peer_name(c->ssl, peer_name, verify))
        return MW_E_TLS;
    return MW_OK;
}

mw_status mw_tls_upgrade(mw_transport *t, mw_tls_context *ctx,
                         const char *peer_name)
{
    if (!t || !ctx || mw_tls_is_tls(t))
        return MW_E_ARG;
    if (ctx->role == MW_TLS_CLIENT && !(ctx->flags & MW_TLS_INSECURE) &&
        (!peer_name || !*peer_name))
        return MW_E_ARG;
    if (ctx->role == MW_TLS_SERVER)
        peer_name = NULL;
    tls_conn *c = tls_alloc(t->allocator, sizeof(*c));
    if (!c)
        return MW_E_NOMEM;
    c->allocator = t->allocator;
    c->inner = *t;
    mw_status st = setup_ssl(c, ctx, peer_name);
    if (st != MW_OK) {
        ERR_clear_error();
        free_conn(c);
        return st;
    }
    t->vt = &tls_vtable;
    t->ctx = c;
    t->last_want = 0;
    return MW_OK;
}

int mw_tls_is_tls(const mw_transport *t)
{
    return t && t->vt == &tls_vtable;
}

static const tls_conn *conn_of(const mw_transport *t)
{
    return mw_tls_is_tls(t) ? t->ctx : NULL;
}

const char *mw_tls_version(const mw_transport *t)
{
    const tls_conn *c = conn_of(t);
    if (!c || !SSL_is_init_finished(c->ssl))
        return NULL;
    return SSL_get_version(c->ssl);
}

const char *mw_tls_cipher(const mw_transport *t)
{
    const tls_conn *c = conn_of(t);
    if (!c || !SSL_is_init_finished(c->ssl))
        return NULL;
    return SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl));
}

const char *mw_tls_error(const mw_transport *t)
{
    const tls_conn *c = conn_of(t);
    return c ? c->error : "";
}
