/* The TLS transport: client and server in one process over a socketpair,
 * stepped without blocking; verification outcomes; STARTTLS in place; the
 * poll driver upgrading a session (peer in a child process). */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "mwtest.h"

#include "mailwire/net.h"
#include "mailwire/tls.h"
#include "tls_testcert.h"

typedef struct certs {
    tls_testcert good;  /* CN=localhost, SAN localhost and 127.0.0.1 */
    tls_testcert other; /* an unrelated self-signed certificate */
} certs;

static int setup(void **state)
{
    certs *c = calloc(1, sizeof(*c));
    if (!c ||
        tls_testcert_make("localhost", "DNS:localhost,IP:127.0.0.1",
                          &c->good) != 0 ||
        tls_testcert_make("other", "DNS:other.example", &c->other) != 0)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    certs *c = *state;
    tls_testcert_free(&c->good);
    tls_testcert_free(&c->other);
    free(c);
    return 0;
}

static mw_tls_context *server_ctx(const certs *c)
{
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_SERVER;
    cfg.cert_pem = c->good.cert_pem;
    cfg.key_pem = c->good.key_pem;
    mw_tls_context *ctx = NULL;
    char err[256];
    if (mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)) != MW_OK)
        fail_msg("server context: %s", err);
    return ctx;
}

static mw_tls_context *client_ctx(const char *ca_pem, uint32_t flags)
{
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_pem = ca_pem;
    cfg.flags = flags;
    mw_tls_context *ctx = NULL;
    char err[256];
    if (mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)) != MW_OK)
        fail_msg("client context: %s", err);
    return ctx;
}

typedef struct pair {
    mw_transport *c, *s;
} pair;

static void pair_open(pair *p)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(
        mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &p->c), MW_OK);
    assert_int_equal(
        mw_transport_new_fd(sv[1], MW_TRANSPORT_OWN_FD, NULL, &p->s), MW_OK);
}

static void pair_close(pair *p)
{
    mw_transport_close(p->c);
    mw_transport_close(p->s);
}

/* Step both handshakes, never blocking, until neither would block. */
static void handshake_pair(pair *p, mw_status *cst, mw_status *sst)
{
    *cst = *sst = MW_E_WOULDBLOCK;
    for (int i = 0; i < 100; i++) {
        if (*cst == MW_E_WOULDBLOCK) {
            *cst = mw_transport_handshake(p->c);
            if (*cst == MW_E_WOULDBLOCK)
                assert_true(mw_transport_wants(p->c) != 0);
        }
        if (*sst == MW_E_WOULDBLOCK)
            *sst = mw_transport_handshake(p->s);
        if (*cst != MW_E_WOULDBLOCK && *sst != MW_E_WOULDBLOCK)
            return;
    }
}

/* Send \p msg from \p a, read it on \p b, stepping without blocking. */
static void exchange(mw_transport *a, mw_transport *b, const char *msg)
{
    size_t len = strlen(msg), sent = 0, got = 0;
    char buf[256];
    for (int i = 0; i < 100 && got < len; i++) {
        size_t n = 0;
        if (sent < len) {
            mw_status st = mw_transport_write(a, msg + sent, len - sent, &n);
            if (st != MW_E_WOULDBLOCK)
                assert_int_equal(st, MW_OK);
            sent += n;
        }
        mw_status st = mw_transport_read(b, buf + got, sizeof(buf) - got, &n);
        if (st != MW_E_WOULDBLOCK)
            assert_int_equal(st, MW_OK);
        got += n;
    }
    mwt_assert_bytes("tls data", buf, got, msg, len);
}

/* Upgrade both ends of a fresh pair and run the handshakes. */
static void run_case(const certs *c, const char *ca_pem, uint32_t flags,
                     const char *peer_name, mw_status *cst, mw_status *sst,
                     pair *p)
{
    mw_tls_context *sctx = server_ctx(c);
    mw_tls_context *cctx = client_ctx(ca_pem, flags);
    pair_open(p);
    assert_int_equal(mw_tls_upgrade(p->s, sctx, NULL), MW_OK);
    assert_int_equal(mw_tls_upgrade(p->c, cctx, peer_name), MW_OK);
    /* Connections keep their own reference to the context. */
    mw_tls_context_free(sctx);
    mw_tls_context_free(cctx);
    handshake_pair(p, cst, sst);
}

static void test_verified_handshake(void **state)
{
    certs *c = *state;
    pair p;
    mw_status cst, sst;
    run_case(c, c->good.cert_pem, 0, "localhost", &cst, &sst, &p);
    assert_int_equal(cst, MW_OK);
    assert_int_equal(sst, MW_OK);
    assert_true(mw_tls_is_tls(p.c));
    const char *v = mw_tls_version(p.c);
    assert_non_null(v);
    assert_true(strcmp(v, "TLSv1.2") == 0 || strcmp(v, "TLSv1.3") == 0);
    assert_non_null(mw_tls_cipher(p.s));
    assert_string_equal(mw_tls_error(p.c), "");
    exchange(p.c, p.s, "EHLO client.example\r\n");
    exchange(p.s, p.c, "250 server.example\r\n");
    /* An orderly TLS close reads as end of stream. */
    mw_transport_close(p.c);
    char buf[16];
    size_t n = 0;
    mw_status st = MW_E_WOULDBLOCK;
    for (int i = 0; i < 10 && st == MW_E_WOULDBLOCK; i++)
        st = mw_transport_read(p.s, buf, sizeof(buf), &n);
    assert_int_equal(st, MW_E_CLOSED);
    mw_transport_close(p.s);
}

static void test_verified_ip_address(void **state)
{
    certs *c = *state;
    pair p;
    mw_status cst, sst;
    run_case(c, c->good.cert_pem, 0, "127.0.0.1", &cst, &sst, &p);
    assert_int_equal(cst, MW_OK);
    assert_int_equal(sst, MW_OK);
    pair_close(&p);
    run_case(c, c->good.cert_pem, 0, "127.0.0.2", &cst, &sst, &p);
    assert_int_equal(cst, MW_E_TLS);
    assert_non_null(strstr(mw_tls_error(p.c), "IP address mismatch"));
    pair_close(&p);
}

static void test_unknown_ca_fails(void **state)
{
    certs *c = *state;
    pair p;
    mw_status cst, sst;
    run_case(c, c->other.cert_pem, 0, "localhost", &cst, &sst, &p);
    assert_int_equal(cst, MW_E_TLS);
    assert_int_not_equal(sst, MW_OK);
    const char *why = mw_tls_error(p.c);
    if (!strstr(why, "certificate verify failed"))
        fail_msg("unexpected reason: %s", why);
    assert_null(mw_tls_version(p.c));
    /* The failed connection stays failed. */
    char buf[8];
    size_t n;
    assert_int_not_equal(mw_transport_read(p.c, buf, sizeof(buf), &n), MW_OK);
    pair_close(&p);
}

static void test_system_store_does_not_trust_test_cert(void **state)
{
    certs *c = *state;
    pair p;
    mw_status cst, sst;
    run_case(c, NULL, 0, "localhost", &cst, &sst, &p);
    assert_int_equal(cst, MW_E_TLS);
    assert_non_null(strstr(mw_tls_error(p.c), "certificate verify failed"));
    pair_close(&p);
}

static void test_hostname_mismatch_fails(void **state)
{
    certs *c = *state;
    pair p;
    mw_status cst, sst;
    run_case(c, c->good.cert_pem, 0, "mail.example.org", &cst, &sst, &p);
    assert_int_equal(cst, MW_E_TLS);
    const char *why = mw_tls_error(p.c);
    if (!strstr(why, "hostname mismatch"))
        fail_msg("unexpected reason: %s", why);
    pair_close(&p);
}

static void test_insecure_succeeds(void **state)
{
    certs *c = *state;
    pair p;
    mw_status cst, sst;
    /* Wrong CA and wrong name: only the explicit opt-out lets it through. */
    run_case(c, c->other.cert_pem, MW_TLS_INSECURE, "mail.example.org", &cst,
             &sst, &p);
    assert_int_equal(cst, MW_OK);
    assert_int_equal(sst, MW_OK);
    exchange(p.c, p.s, "NOOP\r\n");
    pair_close(&p);
    run_case(c, NULL, MW_TLS_INSECURE, NULL, &cst, &sst, &p);
    assert_int_equal(cst, MW_OK);
    pair_close(&p);
}

static void test_upgrade_args(void **state)
{
    certs *c = *state;
    mw_tls_context *cctx = client_ctx(c->good.cert_pem, 0);
    pair p;
    pair_open(&p);
    const mw_transport_vtable *before = p.c->vt;
    /* A verifying client must be told whom it is talking to. */
    assert_int_equal(mw_tls_upgrade(p.c, cctx, NULL), MW_E_ARG);
    assert_int_equal(mw_tls_upgrade(p.c, cctx, ""), MW_E_ARG);
    assert_ptr_equal(p.c->vt, before);
    assert_false(mw_tls_is_tls(p.c));
    assert_null(mw_tls_version(p.c));
    assert_string_equal(mw_tls_error(p.c), "");
    assert_int_equal(mw_tls_upgrade(p.c, cctx, "localhost"), MW_OK);
    /* Twice is a mistake, not a nested TLS. */
    assert_int_equal(mw_tls_upgrade(p.c, cctx, "localhost"), MW_E_ARG);
    assert_int_equal(mw_tls_upgrade(NULL, cctx, "localhost"), MW_E_ARG);
    pair_close(&p);
    mw_tls_context_free(cctx);
}

static void test_context_errors(void **state)
{
    certs *c = *state;
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    mw_tls_context *ctx = NULL;
    char err[256];
    cfg.role = MW_TLS_SERVER; /* without certificate */
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)),
                     MW_E_ARG);
    assert_null(ctx);
    assert_true(strlen(err) > 0);
    cfg.role = 7;
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, NULL, 0), MW_E_ARG);
    cfg.role = MW_TLS_SERVER;
    cfg.cert_pem = c->good.cert_pem;
    cfg.key_pem = c->other.key_pem; /* does not match */
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)),
                     MW_E_TLS);
    assert_true(strlen(err) > 0);
    cfg.key_pem = "-----BEGIN PRIVATE KEY-----\nnonsense\n";
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)),
                     MW_E_TLS);
    cfg.cert_pem = NULL;
    cfg.key_pem = NULL;
    cfg.cert_file = "/nonexistent/mailwire-test.pem";
    cfg.key_file = "/nonexistent/mailwire-test.key";
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)),
                     MW_E_TLS);
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)),
                     MW_E_TLS);
    cfg.ca_file = NULL;
    cfg.ca_pem = "no certificates here";
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, err, sizeof(err)),
                     MW_E_TLS);
    assert_int_equal(mw_tls_context_new(NULL, NULL, &ctx, NULL, 0), MW_E_ARG);
    mw_tls_context_free(NULL);
}

/* Files instead of PEM text: the certificate as CA file and as the
 * server's chain file, the key file. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void test_files(void **state)
{
    certs *c = *state;
    char dir[] = "/tmp/mwtlsXXXXXX";
    assert_non_null(mkdtemp(dir));
    char cert[64], key[64];
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    write_file(cert, c->good.cert_pem);
    write_file(key, c->good.key_pem);
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_SERVER;
    cfg.cert_file = cert;
    cfg.key_file = key;
    mw_tls_context *sctx = NULL, *cctx = NULL;
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &sctx, NULL, 0), MW_OK);
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_file = cert;
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &cctx, NULL, 0), MW_OK);
    unlink(cert);
    unlink(key);
    rmdir(dir);
    pair p;
    pair_open(&p);
    assert_int_equal(mw_tls_upgrade(p.s, sctx, NULL), MW_OK);
    assert_int_equal(mw_tls_upgrade(p.c, cctx, "localhost"), MW_OK);
    mw_status cst, sst;
    handshake_pair(&p, &cst, &sst);
    assert_int_equal(cst, MW_OK);
    assert_int_equal(sst, MW_OK);
    pair_close(&p);
    mw_tls_context_free(sctx);
    mw_tls_context_free(cctx);
}

/* A client limited to TLS 1.1 (OpenSSL directly, security level 0 so only
 * our minimum can refuse it) gets no handshake from the server. */
static void test_server_refuses_tls11(void **state)
{
    certs *c = *state;
    mw_tls_context *sctx = server_ctx(c);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    mw_transport *s = NULL;
    assert_int_equal(mw_transport_new_fd(sv[1], MW_TRANSPORT_OWN_FD, NULL, &s),
                     MW_OK);
    assert_int_equal(mw_tls_upgrade(s, sctx, NULL), MW_OK);
    SSL_CTX *old = SSL_CTX_new(TLS_client_method());
    assert_non_null(old);
    SSL_CTX_set_security_level(old, 0);
    assert_int_equal(SSL_CTX_set_min_proto_version(old, TLS1_VERSION), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(old, TLS1_1_VERSION), 1);
    int fl = fcntl(sv[0], F_GETFL);
    assert_int_equal(fcntl(sv[0], F_SETFL, fl | O_NONBLOCK), 0);
    SSL *ssl = SSL_new(old);
    assert_non_null(ssl);
    assert_int_equal(SSL_set_fd(ssl, sv[0]), 1);
    SSL_set_connect_state(ssl);
    mw_status sst = MW_E_WOULDBLOCK;
    int cret = -1;
    for (int i = 0; i < 50 && sst == MW_E_WOULDBLOCK; i++) {
        cret = SSL_do_handshake(ssl);
        sst = mw_transport_handshake(s);
    }
    assert_int_equal(sst, MW_E_TLS);
    assert_int_not_equal(cret, 1);
    if (!strstr(mw_tls_error(s), "unsupported protocol"))
        fail_msg("unexpected reason: %s", mw_tls_error(s));
    SSL_free(ssl);
    SSL_CTX_free(old);
    close(sv[0]);
    mw_transport_close(s);
    mw_tls_context_free(sctx);
}

/* A server that requires a client certificate: the client presents the
 * "other" certificate, which the server trusts; without it, refused. */
static void client_cert_case(const certs *c, int present, mw_status *cst,
                             mw_status *sst)
{
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_SERVER;
    cfg.flags = MW_TLS_REQUIRE_CLIENT_CERT;
    cfg.cert_pem = c->good.cert_pem;
    cfg.key_pem = c->good.key_pem;
    cfg.ca_pem = c->other.cert_pem;
    mw_tls_context *sctx = NULL, *cctx = NULL;
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &sctx, NULL, 0), MW_OK);
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_pem = c->good.cert_pem;
    if (present) {
        cfg.cert_pem = c->other.cert_pem;
        cfg.key_pem = c->other.key_pem;
    }
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &cctx, NULL, 0), MW_OK);
    pair p;
    pair_open(&p);
    assert_int_equal(mw_tls_upgrade(p.s, sctx, NULL), MW_OK);
    assert_int_equal(mw_tls_upgrade(p.c, cctx, "localhost"), MW_OK);
    handshake_pair(&p, cst, sst);
    if (*cst == MW_OK && *sst == MW_OK)
        exchange(p.c, p.s, "EHLO with-cert\r\n");
    pair_close(&p);
    mw_tls_context_free(sctx);
    mw_tls_context_free(cctx);
}

static void test_client_certificate(void **state)
{
    certs *c = *state;
    mw_status cst, sst;
    client_cert_case(c, 1, &cst, &sst);
    assert_int_equal(cst, MW_OK);
    assert_int_equal(sst, MW_OK);
    client_cert_case(c, 0, &cst, &sst);
    /* In TLS 1.3 the client finishes before the server checks. */
    assert_int_equal(sst, MW_E_TLS);
    /* Requiring client certificates without a CA to check them is an
     * argument error. */
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_SERVER;
    cfg.flags = MW_TLS_REQUIRE_CLIENT_CERT;
    cfg.cert_pem = c->good.cert_pem;
    cfg.key_pem = c->good.key_pem;
    mw_tls_context *ctx = NULL;
    assert_int_equal(mw_tls_context_new(&cfg, NULL, &ctx, NULL, 0), MW_E_ARG);
}

/* mailwire's own structures (context, connection) come from the caller's
 * allocator and are all released, whichever allocation fails. */
static int alloc_scenario(const mw_allocator *a, void *ud)
{
    const certs *c = ud;
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_pem = c->good.cert_pem;
    mw_tls_context *ctx = NULL;
    mw_status st = mw_tls_context_new(&cfg, a, &ctx, NULL, 0);
    if (st != MW_OK)
        return st == MW_E_NOMEM ? 0 : 1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    mw_transport *t = NULL;
    st = mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, a, &t);
    if (st == MW_OK) {
        st = mw_tls_upgrade(t, ctx, "localhost");
        if (st != MW_OK && st != MW_E_NOMEM)
            return 1;
        /* Upgraded or not, the transport is whole and closes cleanly. */
        if (mw_tls_is_tls(t) != (st == MW_OK))
            return 1;
        mw_transport_close(t);
    } else {
        close(sv[0]);
    }
    close(sv[1]);
    mw_tls_context_free(ctx);
    return 0;
}

static void test_alloc_failures(void **state)
{
    mwt_failalloc_sweep(alloc_scenario, *state);
}

/* Plaintext first, then both ends upgrade in place (STARTTLS). */
static void test_starttls_in_place(void **state)
{
    certs *c = *state;
    pair p;
    pair_open(&p);
    mw_transport *client_before = p.c;
    exchange(p.s, p.c, "220 server ESMTP\r\n");
    exchange(p.c, p.s, "STARTTLS\r\n");
    exchange(p.s, p.c, "220 Ready to start TLS\r\n");
    mw_tls_context *sctx = server_ctx(c);
    mw_tls_context *cctx = client_ctx(c->good.cert_pem, 0);
    assert_int_equal(mw_tls_upgrade(p.s, sctx, NULL), MW_OK);
    assert_int_equal(mw_tls_upgrade(p.c, cctx, "localhost"), MW_OK);
    assert_ptr_equal(p.c, client_before); /* same handle, now TLS */
    mw_status cst, sst;
    handshake_pair(&p, &cst, &sst);
    assert_int_equal(cst, MW_OK);
    assert_int_equal(sst, MW_OK);
    exchange(p.c, p.s, "EHLO client.example\r\n");
    exchange(p.s, p.c, "250 server.example\r\n");
    pair_close(&p);
    mw_tls_context_free(sctx);
    mw_tls_context_free(cctx);
}

/* ------------------------------------------------------------------ */
/* mw_net_run() upgrading a toy session with mw_tls_upgrade(); the     */
/* client runs in a child process with blocking-style waits.          */
/* ------------------------------------------------------------------ */

typedef struct echo {
    mw_buf out;
    char line[64];
    size_t line_len;
    int closing, want_tls, tls_ok;
    mw_tls_context *tls;
    char seen[128];
} echo;

/* Append "line|" to \p seen, truncating the line so the bar always fits. */
static void append_seen(char *seen, size_t cap, const char *line)
{
    size_t used = strlen(seen);
    size_t room = cap - used - 2;
    size_t n = strlen(line);
    if (n > room)
        n = room;
    memcpy(seen + used, line, n);
    seen[used + n] = '|';
    seen[used + n + 1] = '\0';
}

static mw_status echo_feed(void *ud, const char *data, size_t len,
                           size_t *consumed)
{
    echo *e = ud;
    size_t i = 0;
    for (; i < len && !e->want_tls && !e->closing; i++) {
        if (data[i] != '\n') {
            if (e->line_len < sizeof(e->line) - 1)
                e->line[e->line_len++] = data[i];
            continue;
        }
        e->line[e->line_len ? e->line_len - 1 : 0] = '\0'; /* drop CR */
        e->line_len = 0;
        append_seen(e->seen, sizeof(e->seen), e->line);
        const char *reply = "ECHO\r\n";
        if (strcmp(e->line, "STARTTLS") == 0) {
            e->want_tls = 1;
            reply = "GO\r\n";
        } else if (strcmp(e->line, "QUIT") == 0) {
            e->closing = 1;
            reply = "BYE\r\n";
        }
        if (mw_buf_append_str(&e->out, reply) != MW_OK)
            return MW_E_NOMEM;
    }
    *consumed = i;
    return MW_NEED_MORE;
}

static const char *echo_output(void *s, size_t *len)
{
    *len = ((echo *)s)->out.len;
    return ((echo *)s)->out.data;
}

static void echo_output_done(void *s, size_t n)
{
    mw_buf_consume(&((echo *)s)->out, n);
}

static unsigned echo_wants(void *s)
{
    echo *e = s;
    unsigned w = e->out.len ? MW_WANT_WRITE : 0;
    if (e->closing)
        return w | MW_WANT_CLOSE;
    return w | (e->want_tls ? MW_WANT_TLS : MW_WANT_READ);
}

static mw_status echo_tls_done(void *s, int ok)
{
    echo *e = s;
    e->want_tls = 0;
    e->tls_ok = ok;
    return MW_OK;
}

static mw_status echo_start_tls(void *ud, mw_transport *t)
{
    return mw_tls_upgrade(t, ((echo *)ud)->tls, NULL);
}

/* Child: the client side. Returns the exit status. */
static int client_child(int fd, const char *ca_pem)
{
    mw_transport *t = NULL;
    if (mw_transport_new_fd(fd, MW_TRANSPORT_OWN_FD, NULL, &t) != MW_OK)
        return 10;
    char buf[256];
    size_t got = 0;
    /* Plaintext: greeting, then STARTTLS plus an injection attempt. */
    static const char plain[] = "STARTTLS\r\nINJECTED\r\n";
    size_t n = 0;
    if (mw_transport_write(t, plain, sizeof(plain) - 1, &n) != MW_OK ||
        n != sizeof(plain) - 1)
        return 11;
    while (got < 11) { /* "HELLO\r\nGO\r\n" */
        mw_status st = mw_transport_read(t, buf + got, 11 - got, &n);
        if (st == MW_E_WOULDBLOCK)
            st = mw_net_wait(mw_transport_fd(t), MW_WANT_READ, 10000);
        else
            got += n;
        if (st != MW_OK)
            return 12;
    }
    if (memcmp(buf, "HELLO\r\nGO\r\n", 11) != 0)
        return 13;
    mw_tls_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_pem = ca_pem;
    mw_tls_context *ctx = NULL;
    if (mw_tls_context_new(&cfg, NULL, &ctx, NULL, 0) != MW_OK ||
        mw_tls_upgrade(t, ctx, "localhost") != MW_OK)
        return 14;
    mw_status st;
    while ((st = mw_transport_handshake(t)) == MW_E_WOULDBLOCK)
        if (mw_net_wait(mw_transport_fd(t), mw_transport_wants(t), 10000) !=
            MW_OK)
            return 15;
    if (st != MW_OK)
        return 16;
    static const char tail[] = "hi\r\nQUIT\r\n";
    if (mw_transport_write(t, tail, sizeof(tail) - 1, &n) != MW_OK ||
        n != sizeof(tail) - 1)
        return 17;
    got = 0;
    for (;;) {
        st = mw_transport_read(t, buf + got, sizeof(buf) - got, &n);
        if (st == MW_E_WOULDBLOCK) {
            if (mw_net_wait(mw_transport_fd(t), mw_transport_wants(t), 10000) !=
                MW_OK)
                return 18;
            continue;
        }
        if (st != MW_OK)
            break;
        got += n;
    }
    mw_transport_close(t);
    mw_tls_context_free(ctx);
    return got == 11 && memcmp(buf, "ECHO\r\nBYE\r\n", 11) == 0 ? 0 : 19;
}

static void test_driver_starttls(void **state)
{
    certs *c = *state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(sv[1]);
        _exit(client_child(sv[0], c->good.cert_pem));
    }
    close(sv[0]);
    mw_transport *t = NULL;
    assert_int_equal(mw_transport_new_fd(sv[1], MW_TRANSPORT_OWN_FD, NULL, &t),
                     MW_OK);
    echo e;
    memset(&e, 0, sizeof(e));
    mw_buf_init_growable(&e.out, NULL, 0);
    assert_int_equal(mw_buf_append_str(&e.out, "HELLO\r\n"), MW_OK);
    e.tls = server_ctx(c);
    mw_net_session_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.session = &e;
    ops.ud = &e;
    ops.feed = echo_feed;
    ops.output = echo_output;
    ops.output_done = echo_output_done;
    ops.wants = echo_wants;
    ops.tls_done = echo_tls_done;
    ops.start_tls = echo_start_tls;
    mw_net_run_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.default_timeout_ms = 20000;
    mw_net_run_stats stats;
    mw_status st = mw_net_run(t, &ops, &o, &stats);
    mw_transport_close(t);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(st, MW_OK);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(e.tls_ok, 1);
    /* The child wrote STARTTLS and the injected line in one write: the
     * driver dropped the line and it never reached the session. */
    assert_int_equal(stats.plaintext_dropped, 10);
    assert_string_equal(e.seen, "STARTTLS|hi|QUIT|");
    mw_buf_free(&e.out);
    mw_tls_context_free(e.tls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verified_handshake),
        cmocka_unit_test(test_verified_ip_address),
        cmocka_unit_test(test_unknown_ca_fails),
        cmocka_unit_test(test_system_store_does_not_trust_test_cert),
        cmocka_unit_test(test_hostname_mismatch_fails),
        cmocka_unit_test(test_insecure_succeeds),
        cmocka_unit_test(test_upgrade_args),
        cmocka_unit_test(test_context_errors),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_server_refuses_tls11),
        cmocka_unit_test(test_client_certificate),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_starttls_in_place),
        cmocka_unit_test(test_driver_starttls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
