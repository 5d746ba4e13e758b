/* SASL dispatcher: object life cycle, the state machine shared by every
 * mechanism, mechanism names and selection, server credential hand-over. */
#include <string.h>

#include "sasl_int.h"

/* ---- owned bytes -------------------------------------------------------- */

mw_status mwi_bytes_set(mw_sasl *s, mwi_bytes *dst, const void *src, size_t len)
{
    uint8_t *copy = NULL;
    if (len > 0) {
        copy = (uint8_t *)mwi_alloc(s->a, len);
        if (!copy)
            return MW_E_NOMEM;
        memcpy(copy, src, len);
    }
    mwi_bytes_clear(s, dst);
    dst->ptr = copy;
    dst->len = len;
    return MW_OK;
}

void mwi_sasl_release(mw_sasl *s, void *p, size_t len)
{
    if (p) {
        mwi_wipe(p, len);
        mwi_free(s->a, p, len);
    }
}

void mwi_bytes_clear(mw_sasl *s, mwi_bytes *b)
{
    mwi_sasl_release(s, b->ptr, b->len);
    b->ptr = NULL;
    b->len = 0;
}

mw_span mwi_bytes_span(const mwi_bytes *b)
{
    mw_span sp;
    sp.ptr = (const char *)b->ptr;
    sp.len = b->len;
    return sp;
}

void mwi_sasl_wipe_secrets(mw_sasl *s)
{
    mwi_bytes_clear(s, &s->password);
    mwi_bytes_clear(s, &s->token);
    mwi_bytes_clear(s, &s->peer_secret);
    mwi_bytes_clear(s, &s->salt);
    mwi_wipe(s->key1, sizeof(s->key1));
    mwi_wipe(s->key2, sizeof(s->key2));
}

/* ---- small helpers ------------------------------------------------------ */

int mwi_sasl_has_byte(const void *p, size_t len, uint8_t byte)
{
    return len > 0 && memchr(p, byte, len) != NULL;
}

size_t mwi_sasl_find(const uint8_t *p, size_t len, size_t from, uint8_t byte)
{
    while (from < len && p[from] != byte)
        from++;
    return from;
}

mw_status mwi_sasl_emit(mw_buf *out, const mw_span *pieces, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += pieces[i].len;
    mw_status st = mw_buf_reserve(out, total);
    if (st != MW_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (pieces[i].len > 0)
            (void)mw_buf_append(out, pieces[i].ptr, pieces[i].len);
    return MW_OK;
}

size_t mwi_sasl_b64(const uint8_t *in, size_t len, char *dst)
{
    mw_b64_encoder enc;
    mw_buf b;
    mw_b64_encoder_init(&enc, 0);
    mw_buf_init_fixed(&b, dst, 4 * ((len + 2) / 3));
    /* The room is exactly the encoded length, so neither call can fail. */
    (void)mw_b64_encode_update(&enc, in, len, &b);
    (void)mw_b64_encode_final(&enc, &b);
    return b.len;
}

mw_status mwi_sasl_unb64(const uint8_t *in, size_t len, uint8_t *dst,
                         size_t dst_cap, size_t *dst_len)
{
    mw_b64_decoder dec;
    mw_buf b;
    mw_b64_decoder_init(&dec, MW_B64_STRICT);
    mw_buf_init_fixed(&b, dst, dst_cap);
    if (mw_b64_decode_update(&dec, in, len, &b) != MW_OK ||
        mw_b64_decode_final(&dec, &b) != MW_OK) {
        mwi_wipe(dst, dst_cap);
        return MW_E_SYNTAX;
    }
    *dst_len = b.len;
    return MW_OK;
}

static size_t escaped_len(mw_span name)
{
    size_t n = name.len;
    for (size_t i = 0; i < name.len; i++)
        if (name.ptr[i] == ',' || name.ptr[i] == '=')
            n += 2;
    return n;
}

mw_status mwi_sasl_set_escaped(mw_sasl *s, mwi_bytes *dst, mw_span name)
{
    size_t n = escaped_len(name);
    uint8_t *p = NULL;
    if (n > 0) {
        p = (uint8_t *)mwi_alloc(s->a, n);
        if (!p)
            return MW_E_NOMEM;
    }
    size_t j = 0;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (c == ',' || c == '=') {
            p[j++] = '=';
            p[j++] = c == ',' ? '2' : '3';
            p[j++] = c == ',' ? 'C' : 'D';
        } else {
            p[j++] = (uint8_t)c;
        }
    }
    mwi_bytes_clear(s, dst);
    dst->ptr = p;
    dst->len = n;
    return MW_OK;
}

/* Length of the decoded saslname, or SIZE_MAX when it is malformed; with
 * \p dst also writes the decoded bytes. */
static size_t unescape(const uint8_t *p, size_t len, uint8_t *dst)
{
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == '=') {
            if (i + 2 >= len || !((p[i + 1] == '2' && p[i + 2] == 'C') ||
                                  (p[i + 1] == '3' && p[i + 2] == 'D')))
                return SIZE_MAX;
            c = p[i + 1] == '2' ? ',' : '=';
            i += 2;
        } else if (c == ',' || c == 0) {
            return SIZE_MAX;
        }
        if (dst)
            dst[j] = c;
        j++;
    }
    return j;
}

mw_status mwi_sasl_set_unescaped(mw_sasl *s, mwi_bytes *dst, const uint8_t *p,
                                 size_t len)
{
    size_t n = unescape(p, len, NULL);
    if (n == SIZE_MAX)
        return MW_E_SYNTAX;
    uint8_t *q = NULL;
    if (n > 0) {
        q = (uint8_t *)mwi_alloc(s->a, n);
        if (!q)
            return MW_E_NOMEM;
        (void)unescape(p, len, q);
    }
    mwi_bytes_clear(s, dst);
    dst->ptr = q;
    dst->len = n;
    return MW_OK;
}

int mwi_sasl_secret_eq(const mwi_bytes *a, const mwi_bytes *b)
{
    if (a->len != b->len || a->len == 0)
        return 0;
    return mw_memeq_consttime(a->ptr, b->ptr, a->len);
}

static int nonce_char_ok(uint8_t c)
{
    return c >= 0x21 && c <= 0x7e && c != ',' && c != '<' && c != '>' &&
           c != '@';
}

mw_status mwi_sasl_make_nonce(mw_sasl *s, mw_span random)
{
    if (s->flags & MW_SASL_NONCE_VERBATIM) {
        if (random.len < MW_SASL_NONCE_TEXT_MIN || random.len > 256)
            return MW_E_ARG;
        for (size_t i = 0; i < random.len; i++)
            if (!nonce_char_ok((uint8_t)random.ptr[i]))
                return MW_E_ARG;
        return mwi_bytes_set(s, &s->nonce, random.ptr, random.len);
    }
    if (random.len < MW_SASL_RANDOM_MIN)
        return MW_E_ARG;
    size_t use =
        random.len < MW_SASL_RANDOM_MAX ? random.len : MW_SASL_RANDOM_MAX;
    char text[4 * ((MW_SASL_RANDOM_MAX + 2) / 3)];
    size_t n = mwi_sasl_b64((const uint8_t *)random.ptr, use, text);
    mw_status st = mwi_bytes_set(s, &s->nonce, text, n);
    mwi_wipe(text, sizeof(text));
    return st;
}

mw_hash_alg mwi_sasl_scram_alg(uint8_t mech)
{
    if (mech == MW_SASL_SCRAM_SHA_1)
        return MW_HASH_SHA1;
    if (mech == MW_SASL_SCRAM_SHA_256)
        return MW_HASH_SHA256;
    return (mw_hash_alg)0;
}

/* ---- names and selection ------------------------------------------------ */

static const char *const mech_names[] = {
    NULL,          "PLAIN",    "LOGIN",       "CRAM-MD5",     "XOAUTH2",
    "OAUTHBEARER", "EXTERNAL", "SCRAM-SHA-1", "SCRAM-SHA-256"};

/* Strongest first; see mw_sasl_choose(). */
static const uint8_t mech_preference[] = {
    MW_SASL_EXTERNAL,    MW_SASL_SCRAM_SHA_256, MW_SASL_SCRAM_SHA_1,
    MW_SASL_OAUTHBEARER, MW_SASL_XOAUTH2,       MW_SASL_CRAM_MD5,
    MW_SASL_PLAIN,       MW_SASL_LOGIN};

static int mech_valid(uint32_t mech)
{
    return mech >= MW_SASL_PLAIN && mech <= MW_SASL_SCRAM_SHA_256;
}

const char *mw_sasl_mech_name(mw_sasl_mech mech)
{
    return mech_valid((uint32_t)mech) ? mech_names[mech] : NULL;
}

static uint8_t ascii_upper(uint8_t c)
{
    return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
}

static int name_equals(const char *name, size_t len, const char *upper)
{
    size_t n = strlen(upper);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_upper((uint8_t)name[i]) != (uint8_t)upper[i])
            return 0;
    return 1;
}

mw_sasl_mech mw_sasl_mech_from_name(const char *name, size_t len)
{
    if (!name)
        return MW_SASL_NONE;
    for (uint32_t m = MW_SASL_PLAIN; m <= MW_SASL_SCRAM_SHA_256; m++)
        if (name_equals(name, len, mech_names[m]))
            return (mw_sasl_mech)m;
    return MW_SASL_NONE;
}

static int is_list_separator(char c)
{
    return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n';
}

static uint32_t offered_mask(const char *p, size_t len)
{
    uint32_t mask = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && is_list_separator(p[i]))
            i++;
        size_t start = i;
        while (i < len && !is_list_separator(p[i]))
            i++;
        const char *tok = p + start;
        size_t tok_len = i - start;
        /* IMAP lists mechanisms as capabilities "AUTH=PLAIN"; taking
         * those as they are saves the caller a rewrite. */
        if (tok_len > 5 && name_equals(tok, 5, "AUTH=")) {
            tok += 5;
            tok_len -= 5;
        }
        mw_sasl_mech m = mw_sasl_mech_from_name(tok, tok_len);
        if (m != MW_SASL_NONE)
            mask |= MW_SASL_BIT(m);
    }
    return mask;
}

mw_sasl_mech mw_sasl_choose(const char *offered, size_t offered_len,
                            uint32_t allowed_mask)
{
    if (!offered)
        return MW_SASL_NONE;
    if (allowed_mask == 0)
        allowed_mask = MW_SASL_MASK_PASSWORD;
    uint32_t both = offered_mask(offered, offered_len) & allowed_mask;
    for (size_t i = 0; i < MWI_ARRAY_LEN(mech_preference); i++)
        if (both & MW_SASL_BIT(mech_preference[i]))
            return (mw_sasl_mech)mech_preference[i];
    return MW_SASL_NONE;
}

static int span_ok(mw_span sp)
{
    return sp.ptr != NULL || sp.len == 0;
}

static int client_config_ok(const mw_sasl_client_config *c)
{
    return c && c->size >= sizeof(mw_sasl_client_config) &&
           span_ok(c->authcid) && span_ok(c->authzid) && span_ok(c->password) &&
           span_ok(c->token) && span_ok(c->host) && span_ok(c->random);
}

static int random_enough(const mw_sasl_client_config *c)
{
    if (c->flags & MW_SASL_NONCE_VERBATIM)
        return c->random.len >= MW_SASL_NONCE_TEXT_MIN;
    return c->random.len >= MW_SASL_RANDOM_MIN;
}

uint32_t mw_sasl_client_mechs(const mw_sasl_client_config *cfg)
{
    if (!client_config_ok(cfg))
        return 0;
    uint32_t mask = 0;
    if (cfg->authcid.len > 0 && cfg->password.len > 0) {
        mask |= MW_SASL_BIT(MW_SASL_PLAIN) | MW_SASL_BIT(MW_SASL_LOGIN) |
                MW_SASL_BIT(MW_SASL_CRAM_MD5);
        if (random_enough(cfg))
            mask |= MW_SASL_BIT(MW_SASL_SCRAM_SHA_1) |
                    MW_SASL_BIT(MW_SASL_SCRAM_SHA_256);
    }
    if (cfg->token.len > 0) {
        mask |= MW_SASL_BIT(MW_SASL_OAUTHBEARER);
        if (cfg->authcid.len > 0)
            mask |= MW_SASL_BIT(MW_SASL_XOAUTH2);
    }
    if (cfg->flags & MW_SASL_ALLOW_EXTERNAL)
        mask |= MW_SASL_BIT(MW_SASL_EXTERNAL);
    return mask;
}

/* ---- construction ------------------------------------------------------- */

static mw_status new_object(const mw_allocator *a, uint32_t mech,
                            uint8_t server, mw_sasl **out)
{
    mw_sasl *s = (mw_sasl *)mwi_calloc(a, sizeof(*s));
    if (!s)
        return MW_E_NOMEM;
    s->a = a;
    s->mech = (uint8_t)mech;
    s->server = server;
    s->state = MWI_ST_INIT;
    *out = s;
    return MW_OK;
}

static mw_status copy_identity(mw_sasl *s, const mw_sasl_client_config *c)
{
    mw_status st =
        mwi_bytes_set(s, &s->authcid, c->authcid.ptr, c->authcid.len);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->authzid, c->authzid.ptr, c->authzid.len);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->password, c->password.ptr, c->password.len);
    return st;
}

static mw_status client_plain_init(mw_sasl *s, const mw_sasl_client_config *c)
{
    /* NUL is PLAIN's field separator: inside a field it would shift them. */
    if (c->authcid.len == 0 || c->password.len == 0 ||
        mwi_sasl_has_byte(c->authcid.ptr, c->authcid.len, 0) ||
        mwi_sasl_has_byte(c->authzid.ptr, c->authzid.len, 0) ||
        mwi_sasl_has_byte(c->password.ptr, c->password.len, 0))
        return MW_E_ARG;
    return copy_identity(s, c);
}

static mw_status client_password_init(mw_sasl *s,
                                      const mw_sasl_client_config *c)
{
    if (c->authcid.len == 0 || c->password.len == 0)
        return MW_E_ARG;
    mw_status st =
        mwi_bytes_set(s, &s->authcid, c->authcid.ptr, c->authcid.len);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->password, c->password.ptr, c->password.len);
    return st;
}

static mw_status client_oauth_init(mw_sasl *s, const mw_sasl_client_config *c)
{
    /* \x01 separates the key/value pairs of both OAuth formats. */
    if (c->token.len == 0 || mwi_sasl_has_byte(c->token.ptr, c->token.len, 1) ||
        mwi_sasl_has_byte(c->host.ptr, c->host.len, 1) ||
        mwi_sasl_has_byte(c->authcid.ptr, c->authcid.len, 1) ||
        mwi_sasl_has_byte(c->authzid.ptr, c->authzid.len, 1))
        return MW_E_ARG;
    mw_span user = c->authcid;
    if (s->mech == MW_SASL_XOAUTH2) {
        if (user.len == 0)
            return MW_E_ARG;
    } else if (c->authzid.len > 0) {
        user = c->authzid;
    }
    s->port = c->port;
    /* OAUTHBEARER carries the user as a gs2 saslname: escape it once. */
    mw_status st = s->mech == MW_SASL_XOAUTH2
                       ? mwi_bytes_set(s, &s->authcid, user.ptr, user.len)
                       : mwi_sasl_set_escaped(s, &s->authcid, user);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->token, c->token.ptr, c->token.len);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->host, c->host.ptr, c->host.len);
    return st;
}

static mw_status client_init(mw_sasl *s, const mw_sasl_client_config *c)
{
    s->flags = c->flags;
    switch (s->mech) {
    case MW_SASL_PLAIN:
        return client_plain_init(s, c);
    case MW_SASL_LOGIN:
    case MW_SASL_CRAM_MD5:
        return client_password_init(s, c);
    case MW_SASL_XOAUTH2:
    case MW_SASL_OAUTHBEARER:
        return client_oauth_init(s, c);
    case MW_SASL_EXTERNAL:
        /* The server refuses a NUL in the authzid (RFC 4422 appendix A). */
        if (mwi_sasl_has_byte(c->authzid.ptr, c->authzid.len, 0))
            return MW_E_ARG;
        return mwi_bytes_set(s, &s->authzid, c->authzid.ptr, c->authzid.len);
    default:
        return mwi_sasl_scram_client_init(s, c);
    }
}

mw_status mw_sasl_client_new(const mw_sasl_client_config *cfg,
                             const mw_allocator *allocator, mw_sasl **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!client_config_ok(cfg) || !mech_valid(cfg->mech))
        return MW_E_ARG;
    mw_sasl *s;
    mw_status st = new_object(allocator, cfg->mech, 0, &s);
    if (st != MW_OK)
        return st;
    st = client_init(s, cfg);
    if (st != MW_OK) {
        mw_sasl_free(s);
        return st;
    }
    *out = s;
    return MW_OK;
}

static int server_config_ok(const mw_sasl_server_config *c)
{
    return c && c->size >= sizeof(mw_sasl_server_config) && c->reserved == 0 &&
           mech_valid(c->mech) && span_ok(c->random) && span_ok(c->hostname) &&
           span_ok(c->oauth_error);
}

static int hostname_ok(mw_span h)
{
    for (size_t i = 0; i < h.len; i++) {
        uint8_t c = (uint8_t)h.ptr[i];
        if (!nonce_char_ok(c) && c != '@')
            return 0;
    }
    return h.len <= 255;
}

static mw_status server_init(mw_sasl *s, const mw_sasl_server_config *c)
{
    s->flags = c->flags;
    mw_status st = MW_OK;
    if (s->mech == MW_SASL_CRAM_MD5 || mwi_sasl_scram_alg(s->mech) != 0)
        st = mwi_sasl_make_nonce(s, c->random);
    if (st == MW_OK && s->mech == MW_SASL_CRAM_MD5) {
        if (!hostname_ok(c->hostname))
            return MW_E_ARG;
        mw_span h = c->hostname;
        if (h.len == 0) {
            h.ptr = "localhost";
            h.len = 9;
        }
        st = mwi_bytes_set(s, &s->hostname, h.ptr, h.len);
    }
    if (st == MW_OK &&
        (s->mech == MW_SASL_XOAUTH2 || s->mech == MW_SASL_OAUTHBEARER)) {
        mw_span e = c->oauth_error;
        if (e.len == 0) {
            e.ptr = "{\"status\":\"invalid_token\",\"schemes\":\"bearer\"}";
            e.len = strlen(e.ptr);
        }
        st = mwi_bytes_set(s, &s->oauth_error, e.ptr, e.len);
    }
    return st;
}

mw_status mw_sasl_server_new(const mw_sasl_server_config *cfg,
                             const mw_allocator *allocator, mw_sasl **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!server_config_ok(cfg))
        return MW_E_ARG;
    mw_sasl *s;
    mw_status st = new_object(allocator, cfg->mech, 1, &s);
    if (st != MW_OK)
        return st;
    st = server_init(s, cfg);
    if (st != MW_OK) {
        mw_sasl_free(s);
        return st;
    }
    *out = s;
    return MW_OK;
}

void mw_sasl_free(mw_sasl *s)
{
    if (!s)
        return;
    mwi_bytes *all[] = {
        &s->authcid,      &s->authzid,     &s->password,   &s->token,
        &s->host,         &s->peer_secret, &s->nonce,      &s->hostname,
        &s->oauth_error,  &s->error,       &s->challenge,  &s->first_bare,
        &s->server_first, &s->gs2_header,  &s->full_nonce, &s->salt};
    for (size_t i = 0; i < MWI_ARRAY_LEN(all); i++)
        mwi_bytes_clear(s, all[i]);
    const mw_allocator *a = s->a;
    mwi_wipe(s, sizeof(*s));
    mwi_free(a, s, sizeof(*s));
}

mw_sasl_mech mw_sasl_mechanism(const mw_sasl *s)
{
    return s ? (mw_sasl_mech)s->mech : MW_SASL_NONE;
}

/* ---- the shared state machine ------------------------------------------ */

/* Apply a mechanism's result to the life-cycle state. Out-of-room results
 * leave everything as it was so the same call can be retried. */
static mw_status settle(mw_sasl *s, mw_status st)
{
    switch (st) {
    case MW_OK:
        s->state = MWI_ST_RUN;
        break;
    case MW_NEED_MORE:
        s->state = MWI_ST_NEED;
        s->cred = MWI_CRED_NONE;
        break;
    case MW_DONE:
        s->state = MWI_ST_DONE;
        mwi_sasl_wipe_secrets(s);
        break;
    case MW_E_NOSPACE:
    case MW_E_NOMEM:
        break;
    default:
        s->state = MWI_ST_FAILED;
        mwi_sasl_wipe_secrets(s);
        break;
    }
    return st;
}

static mw_status client_dispatch(mw_sasl *s, const uint8_t *in, size_t len,
                                 mw_buf *out)
{
    switch (s->mech) {
    case MW_SASL_PLAIN:
    case MW_SASL_LOGIN:
    case MW_SASL_EXTERNAL:
        return mwi_sasl_simple_client(s, in, len, out);
    case MW_SASL_CRAM_MD5:
        return mwi_sasl_cram_client(s, in, len, out);
    case MW_SASL_XOAUTH2:
    case MW_SASL_OAUTHBEARER:
        return mwi_sasl_oauth_client(s, in, len, out);
    default:
        return mwi_sasl_scram_client(s, in, len, out);
    }
}

static mw_status server_dispatch(mw_sasl *s, const uint8_t *in, size_t len,
                                 int has_in, mw_buf *out)
{
    switch (s->mech) {
    case MW_SASL_PLAIN:
    case MW_SASL_LOGIN:
    case MW_SASL_EXTERNAL:
        return mwi_sasl_simple_server(s, in, len, has_in, out);
    case MW_SASL_CRAM_MD5:
        return mwi_sasl_cram_server(s, in, len, has_in, out);
    case MW_SASL_XOAUTH2:
    case MW_SASL_OAUTHBEARER:
        return mwi_sasl_oauth_server(s, in, len, has_in, out);
    default:
        return mwi_sasl_scram_server(s, in, len, has_in, out);
    }
}

static int finished(const mw_sasl *s)
{
    return s->state == MWI_ST_DONE || s->state == MWI_ST_FAILED;
}

mw_status mw_sasl_step(mw_sasl *s, const void *in, size_t in_len, mw_buf *out)
{
    if (!s || !out || (!in && in_len > 0))
        return MW_E_ARG;
    if (finished(s))
        return MW_E_STATE;
    if (s->server) {
        if (s->state == MWI_ST_INIT)
            return MW_E_STATE;
        if (s->state == MWI_ST_NEED && (in_len > 0 || s->cred == MWI_CRED_NONE))
            return MW_E_STATE;
    }
    if (in_len > MWI_SASL_INPUT_MAX)
        return settle(s, MW_E_LIMIT);
    /* A refused user fails at once, except with OAuth, whose RFC 7628
     * error challenge the mechanism still has to send. */
    if (s->state == MWI_ST_NEED && s->cred == MWI_CRED_REJECT &&
        s->mech != MW_SASL_XOAUTH2 && s->mech != MW_SASL_OAUTHBEARER)
        return settle(s, MW_E_AUTH);
    const uint8_t *p = (const uint8_t *)in;
    if (s->server)
        return settle(s, server_dispatch(s, p, in_len, 1, out));
    return settle(s, client_dispatch(s, p, in_len, out));
}

mw_status mw_sasl_client_start(mw_sasl *s, mw_buf *out, int *has_ir)
{
    if (!s || !out || !has_ir)
        return MW_E_ARG;
    *has_ir = 0;
    if (s->server || s->state != MWI_ST_INIT)
        return MW_E_STATE;
    if (s->mech == MW_SASL_LOGIN || s->mech == MW_SASL_CRAM_MD5)
        return MW_OK;
    mw_status st = settle(s, client_dispatch(s, NULL, 0, out));
    if (st == MW_OK)
        *has_ir = 1;
    return st;
}

mw_status mw_sasl_server_start(mw_sasl *s, const void *ir, size_t ir_len,
                               int has_ir, mw_buf *out)
{
    if (!s || !out || (!ir && ir_len > 0) || (has_ir != 0 && has_ir != 1) ||
        (!has_ir && ir_len > 0))
        return MW_E_ARG;
    if (!s->server || s->state != MWI_ST_INIT)
        return MW_E_STATE;
    if (ir_len > MWI_SASL_INPUT_MAX)
        return settle(s, MW_E_LIMIT);
    return settle(s,
                  server_dispatch(s, (const uint8_t *)ir, ir_len, has_ir, out));
}

/* The OAuth error challenge may be empty, so its phase counts too. */
static int server_sent_error(const mw_sasl *s)
{
    int oauth = s->mech == MW_SASL_XOAUTH2 || s->mech == MW_SASL_OAUTHBEARER;
    return s->error.ptr != NULL || (oauth && s->phase == 2);
}

mw_status mw_sasl_client_success(mw_sasl *s, const void *extra,
                                 size_t extra_len)
{
    if (!s || (!extra && extra_len > 0))
        return MW_E_ARG;
    if (s->server || s->state == MWI_ST_INIT || s->state == MWI_ST_FAILED)
        return MW_E_STATE;
    if (s->state == MWI_ST_DONE)
        return MW_OK;
    mw_status st = MW_DONE;
    if (mwi_sasl_scram_alg(s->mech) != 0)
        st = mwi_sasl_scram_client_final(s, (const uint8_t *)extra, extra_len);
    else if (server_sent_error(s))
        /* An OAuth client that was sent an error challenge cannot have
         * succeeded: a server saying so is confused or lying. */
        st = MW_E_AUTH;
    st = settle(s, st);
    return st == MW_DONE ? MW_OK : st;
}

mw_status mw_sasl_client_error(const mw_sasl *s, mw_span *error)
{
    if (!s || !error)
        return MW_E_ARG;
    if (s->server || !server_sent_error(s))
        return MW_E_STATE;
    *error = mwi_bytes_span(&s->error);
    return MW_OK;
}

/* ---- server credential hand-over ---------------------------------------- */

mw_status mw_sasl_server_identity(const mw_sasl *s, mw_span *authcid,
                                  mw_span *authzid)
{
    if (!s)
        return MW_E_ARG;
    if (!s->server || !s->identified || s->state == MWI_ST_FAILED)
        return MW_E_STATE;
    if (authcid)
        *authcid = mwi_bytes_span(&s->authcid);
    if (authzid)
        *authzid = mwi_bytes_span(&s->authzid);
    return MW_OK;
}

mw_status mw_sasl_server_secret(const mw_sasl *s, mw_span *secret)
{
    if (!s || !secret)
        return MW_E_ARG;
    if (!s->server || s->state != MWI_ST_NEED || s->mech == MW_SASL_CRAM_MD5 ||
        s->mech == MW_SASL_EXTERNAL || mwi_sasl_scram_alg(s->mech) != 0)
        return MW_E_STATE;
    *secret = mwi_bytes_span(&s->peer_secret);
    return MW_OK;
}

static int awaiting_credential(const mw_sasl *s)
{
    return s->server && s->state == MWI_ST_NEED;
}

mw_status mw_sasl_server_set_password(mw_sasl *s, const void *password,
                                      size_t password_len)
{
    if (!s || (!password && password_len > 0))
        return MW_E_ARG;
    if (!awaiting_credential(s) ||
        (s->mech != MW_SASL_PLAIN && s->mech != MW_SASL_LOGIN &&
         s->mech != MW_SASL_CRAM_MD5))
        return MW_E_STATE;
    mw_status st = mwi_bytes_set(s, &s->password, password, password_len);
    if (st == MW_OK)
        s->cred = MWI_CRED_PASSWORD;
    return st;
}

mw_status mw_sasl_server_set_scram(mw_sasl *s, const void *salt,
                                   size_t salt_len, uint32_t iterations,
                                   const uint8_t *stored_key,
                                   const uint8_t *server_key, size_t key_len)
{
    if (!s || !salt || !stored_key || !server_key)
        return MW_E_ARG;
    mw_hash_alg alg = mwi_sasl_scram_alg(s->mech);
    if (!awaiting_credential(s) || alg == 0)
        return MW_E_STATE;
    if (salt_len == 0 || salt_len > MWI_SASL_SALT_MAX || iterations == 0 ||
        key_len != mw_hash_len(alg))
        return MW_E_ARG;
    mw_status st = mwi_bytes_set(s, &s->salt, salt, salt_len);
    if (st != MW_OK)
        return st;
    memcpy(s->key1, stored_key, key_len);
    memcpy(s->key2, server_key, key_len);
    s->iterations = iterations;
    s->cred = MWI_CRED_SCRAM;
    return MW_OK;
}

mw_status mw_sasl_server_set_verdict(mw_sasl *s, int accepted)
{
    if (!s || (accepted != 0 && accepted != 1))
        return MW_E_ARG;
    if (!awaiting_credential(s))
        return MW_E_STATE;
    if (accepted &&
        (s->mech == MW_SASL_CRAM_MD5 || mwi_sasl_scram_alg(s->mech) != 0))
        return MW_E_ARG;
    s->cred = accepted ? MWI_CRED_ACCEPT : MWI_CRED_REJECT;
    return MW_OK;
}
