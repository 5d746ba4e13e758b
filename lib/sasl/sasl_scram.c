/* SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), client and server,
 * without channel binding. */
#include <string.h>

#include "sasl_int.h"

#define B64_LEN(n) (4 * (((n) + 2) / 3))

static const char client_key_label[] = "Client Key";
static const char server_key_label[] = "Server Key";

static mw_span lit(const char *text, size_t len)
{
    mw_span sp;
    sp.ptr = text;
    sp.len = len;
    return sp;
}

static mw_span sub(const uint8_t *p, size_t len)
{
    return lit((const char *)p, len);
}

/* ---- key derivation ----------------------------------------------------- */

static mw_status hmac_label(mw_hash_alg alg, const uint8_t *key, size_t len,
                            const char *label, uint8_t *out)
{
    return mw_hmac_oneshot(alg, key, len, label, strlen(label), out, len);
}

/* ClientKey, StoredKey and ServerKey from SaltedPassword. */
static mw_status keys_from_salted(mw_hash_alg alg, const uint8_t *salted,
                                  size_t len, uint8_t *client_key,
                                  uint8_t *stored_key, uint8_t *server_key)
{
    mw_status st = hmac_label(alg, salted, len, client_key_label, client_key);
    if (st == MW_OK)
        st = mw_hash(alg, client_key, len, stored_key, len);
    if (st == MW_OK)
        st = hmac_label(alg, salted, len, server_key_label, server_key);
    return st;
}

mw_status mw_scram_derive_keys(mw_hash_alg alg, const void *password,
                               size_t password_len, const void *salt,
                               size_t salt_len, uint32_t iterations,
                               uint8_t *stored_key, uint8_t *server_key,
                               size_t key_len)
{
    if ((alg != MW_HASH_SHA1 && alg != MW_HASH_SHA256) ||
        key_len != mw_hash_len(alg) || iterations == 0 || !stored_key ||
        !server_key || (!password && password_len > 0) ||
        (!salt && salt_len > 0))
        return MW_E_ARG;
    uint8_t salted[MW_HASH_MAX_LEN], client_key[MW_HASH_MAX_LEN];
    mw_status st = mw_pbkdf2_hmac(alg, password, password_len, salt, salt_len,
                                  iterations, salted, key_len);
    if (st == MW_OK)
        st = keys_from_salted(alg, salted, key_len, client_key, stored_key,
                              server_key);
    mwi_wipe(salted, sizeof(salted));
    mwi_wipe(client_key, sizeof(client_key));
    return st;
}

/* HMAC(key, AuthMessage), AuthMessage = client-first-message-bare + "," +
 * server-first-message + "," + client-final-message-without-proof; the
 * last part comes in pieces so the client need not assemble it. */
static mw_status auth_hmac(mw_hash_alg alg, const uint8_t *key, size_t len,
                           mw_span bare, mw_span server_first,
                           const mw_span *final, size_t n_final, uint8_t *out)
{
    mw_hmac h;
    mw_status st = mw_hmac_init(&h, alg, key, len);
    if (st != MW_OK)
        return st;
    mw_hmac_update(&h, bare.ptr, bare.len);
    mw_hmac_update(&h, ",", 1);
    mw_hmac_update(&h, server_first.ptr, server_first.len);
    mw_hmac_update(&h, ",", 1);
    for (size_t i = 0; i < n_final; i++)
        mw_hmac_update(&h, final[i].ptr, final[i].len);
    return mw_hmac_final(&h, out, len);
}

/* ---- attribute parsing -------------------------------------------------- */

typedef struct cursor {
    const uint8_t *p;
    size_t len;
    size_t pos;
} cursor;

enum { ATTR_END = 0, ATTR_OK = 1, ATTR_BAD = -1 };

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* attr-val = ALPHA "=" value, separated by ","; a trailing "," is bad. */
static int next_attr(cursor *c, uint8_t *name, mw_span *value, size_t *start)
{
    if (c->pos >= c->len)
        return ATTR_END;
    if (c->pos + 1 >= c->len || !is_alpha(c->p[c->pos]) ||
        c->p[c->pos + 1] != '=')
        return ATTR_BAD;
    *name = c->p[c->pos];
    *start = c->pos;
    size_t from = c->pos + 2, end = mwi_sasl_find(c->p, c->len, from, ',');
    *value = sub(c->p + from, end - from);
    if (end == c->len) {
        c->pos = c->len;
    } else {
        c->pos = end + 1;
        if (c->pos == c->len)
            return ATTR_BAD;
    }
    return ATTR_OK;
}

/* Next attribute, which must be \p want: MW_OK or a status to return. */
static mw_status expect_attr(cursor *c, uint8_t want, mw_span *value)
{
    uint8_t name = 0;
    size_t start;
    int r = next_attr(c, &name, value, &start);
    if (r == ATTR_OK && name == want)
        return MW_OK;
    /* "m=" announces a mandatory extension, which we do not know. */
    if (r == ATTR_OK && name == 'm')
        return MW_E_UNSUPPORTED;
    return MW_E_SYNTAX;
}

/* Skip extensions to the end; MW_OK or MW_E_SYNTAX. */
static mw_status skip_extensions(cursor *c)
{
    uint8_t name;
    mw_span value;
    size_t start;
    int r;
    while ((r = next_attr(c, &name, &value, &start)) == ATTR_OK)
        ;
    return r == ATTR_END ? MW_OK : MW_E_SYNTAX;
}

/* printable = %x21-2B / %x2D-7E */
static int nonce_ok(mw_span v)
{
    if (v.len == 0)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        uint8_t ch = (uint8_t)v.ptr[i];
        if (ch < 0x21 || ch > 0x7e || ch == ',')
            return 0;
    }
    return 1;
}

/* posit-number = %x31-39 *DIGIT; beyond 32 bits is over any limit. */
static mw_status parse_iterations(mw_span v, uint32_t *out)
{
    if (v.len == 0 || v.ptr[0] < '1' || v.ptr[0] > '9')
        return MW_E_SYNTAX;
    uint64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return MW_E_SYNTAX;
        n = n * 10 + (uint64_t)(v.ptr[i] - '0');
        if (n > UINT32_MAX)
            return MW_E_LIMIT;
    }
    *out = (uint32_t)n;
    return MW_OK;
}

static size_t format_u32(uint32_t v, char *dst)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

/* Decode a base64 proof or signature of exactly \p want bytes. */
static mw_status decode_mac(mw_span v, uint8_t *dst, size_t want)
{
    uint8_t buf[MW_HASH_MAX_LEN + 4];
    size_t n = 0;
    if (v.len > B64_LEN(MW_HASH_MAX_LEN) ||
        mwi_sasl_unb64((const uint8_t *)v.ptr, v.len, buf, sizeof(buf), &n) !=
            MW_OK)
        return MW_E_SYNTAX;
    if (n != want)
        return MW_E_SYNTAX;
    memcpy(dst, buf, want);
    mwi_wipe(buf, sizeof(buf));
    return MW_OK;
}

/* ---- client ------------------------------------------------------------- */

mw_status mwi_sasl_scram_client_init(mw_sasl *s, const mw_sasl_client_config *c)
{
    /* saslname cannot carry NUL (RFC 5802 section 5.1). */
    if (c->authcid.len == 0 || c->password.len == 0 ||
        mwi_sasl_has_byte(c->authcid.ptr, c->authcid.len, 0) ||
        mwi_sasl_has_byte(c->authzid.ptr, c->authzid.len, 0))
        return MW_E_ARG;
    s->max_iterations =
        c->max_iterations ? c->max_iterations : MW_SASL_SCRAM_ITERATIONS_MAX;
    mw_status st = mwi_sasl_make_nonce(s, c->random);
    if (st == MW_OK)
        st = mwi_sasl_set_escaped(s, &s->authcid, c->authcid);
    if (st == MW_OK)
        st = mwi_sasl_set_escaped(s, &s->authzid, c->authzid);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->password, c->password.ptr, c->password.len);
    return st;
}

/* Concatenate \p n pieces at \p dst; returns the length written. */
static size_t join(uint8_t *dst, const mw_span *pieces, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (pieces[i].len > 0)
            memcpy(dst + j, pieces[i].ptr, pieces[i].len);
        j += pieces[i].len;
    }
    return j;
}

/* Replace *dst by the block \p p of \p len bytes, which it now owns. */
static void adopt(mw_sasl *s, mwi_bytes *dst, uint8_t *p, size_t len)
{
    mwi_bytes_clear(s, dst);
    dst->ptr = p;
    dst->len = len;
}

/* Send gs2-header + client-first-message-bare; remember the bare part for
 * AuthMessage and base64(gs2-header) for "c=". Everything that can fail
 * happens before the message goes out. */
static mw_status client_first(mw_sasl *s, mw_buf *out)
{
    int has_authzid = s->authzid.len > 0;
    mw_span parts[7] = {has_authzid ? lit("n,a=", 4) : lit("n,", 2),
                        mwi_bytes_span(&s->authzid),
                        lit(",", 1),
                        lit("n=", 2),
                        mwi_bytes_span(&s->authcid),
                        lit(",r=", 3),
                        mwi_bytes_span(&s->nonce)};
    size_t gs2_len = parts[0].len + parts[1].len + 1;
    size_t bare_len = 5 + s->authcid.len + s->nonce.len;
    size_t b64_len = B64_LEN(gs2_len);
    uint8_t *gs2 = (uint8_t *)mwi_alloc(s->a, gs2_len);
    uint8_t *b64 = (uint8_t *)mwi_alloc(s->a, b64_len);
    uint8_t *bare = (uint8_t *)mwi_alloc(s->a, bare_len);
    mw_status st = (gs2 && b64 && bare) ? MW_OK : MW_E_NOMEM;
    if (st == MW_OK) {
        (void)join(gs2, parts, 3);
        (void)join(bare, parts + 3, 4);
        (void)mwi_sasl_b64(gs2, gs2_len, (char *)b64);
        st = mwi_sasl_emit(out, parts, 7);
    }
    if (gs2)
        mwi_sasl_release(s, gs2, gs2_len);
    if (st != MW_OK) {
        if (b64)
            mwi_sasl_release(s, b64, b64_len);
        if (bare)
            mwi_sasl_release(s, bare, bare_len);
        return st;
    }
    adopt(s, &s->gs2_header, b64, b64_len);
    adopt(s, &s->first_bare, bare, bare_len);
    s->phase = 1;
    return MW_OK;
}

typedef struct server_first_msg {
    mw_span nonce;
    mw_span salt_b64;
    uint32_t iterations;
} server_first_msg;

static mw_status parse_server_first(mw_sasl *s, const uint8_t *in, size_t len,
                                    server_first_msg *m)
{
    cursor c = {in, len, 0};
    mw_status st = expect_attr(&c, 'r', &m->nonce);
    if (st == MW_OK)
        st = expect_attr(&c, 's', &m->salt_b64);
    mw_span iter;
    if (st == MW_OK)
        st = expect_attr(&c, 'i', &iter);
    if (st == MW_OK)
        st = skip_extensions(&c);
    if (st == MW_OK && (!nonce_ok(m->nonce) || m->salt_b64.len == 0))
        st = MW_E_SYNTAX;
    if (st == MW_OK)
        st = parse_iterations(iter, &m->iterations);
    if (st == MW_OK && m->iterations > s->max_iterations)
        st = MW_E_LIMIT;
    if (st != MW_OK)
        return st;
    /* The server must extend our nonce: anything else is a replay or a
     * confused server. */
    if (m->nonce.len <= s->nonce.len ||
        memcmp(m->nonce.ptr, s->nonce.ptr, s->nonce.len) != 0)
        return MW_E_AUTH;
    return MW_OK;
}

/* SaltedPassword and the keys; the client key goes to \p client_key, the
 * server key to \p server_key, StoredKey to \p stored_key. */
static mw_status client_keys(mw_sasl *s, mw_hash_alg alg,
                             const server_first_msg *m, uint8_t *client_key,
                             uint8_t *stored_key, uint8_t *server_key)
{
    size_t hlen = mw_hash_len(alg), cap = m->salt_b64.len, salt_len = 0;
    uint8_t *salt = (uint8_t *)mwi_alloc(s->a, cap);
    if (!salt)
        return MW_E_NOMEM;
    mw_status st = mwi_sasl_unb64((const uint8_t *)m->salt_b64.ptr, cap, salt,
                                  cap, &salt_len);
    if (st == MW_OK && salt_len == 0)
        st = MW_E_SYNTAX;
    if (st == MW_OK && salt_len > MWI_SASL_SALT_MAX)
        st = MW_E_LIMIT;
    uint8_t salted[MW_HASH_MAX_LEN];
    if (st == MW_OK)
        st = mw_pbkdf2_hmac(alg, s->password.ptr, s->password.len, salt,
                            salt_len, m->iterations, salted, hlen);
    if (st == MW_OK)
        st = keys_from_salted(alg, salted, hlen, client_key, stored_key,
                              server_key);
    mwi_wipe(salted, sizeof(salted));
    mwi_sasl_release(s, salt, cap);
    return st;
}

static mw_status client_final(mw_sasl *s, const uint8_t *in, size_t len,
                              mw_buf *out)
{
    mw_hash_alg alg = mwi_sasl_scram_alg(s->mech);
    size_t hlen = mw_hash_len(alg);
    server_first_msg m;
    mw_status st = parse_server_first(s, in, len, &m);
    if (st != MW_OK)
        return st;
    uint8_t client_key[MW_HASH_MAX_LEN], stored_key[MW_HASH_MAX_LEN],
        server_key[MW_HASH_MAX_LEN], sig[MW_HASH_MAX_LEN],
        server_sig[MW_HASH_MAX_LEN];
    char proof_b64[B64_LEN(MW_HASH_MAX_LEN)];
    st = client_keys(s, alg, &m, client_key, stored_key, server_key);
    mw_span final[4] = {lit("c=", 2), mwi_bytes_span(&s->gs2_header),
                        lit(",r=", 3), m.nonce};
    mw_span server_first = sub(in, len);
    if (st == MW_OK)
        st = auth_hmac(alg, stored_key, hlen, mwi_bytes_span(&s->first_bare),
                       server_first, final, 4, sig);
    if (st == MW_OK)
        st = auth_hmac(alg, server_key, hlen, mwi_bytes_span(&s->first_bare),
                       server_first, final, 4, server_sig);
    if (st == MW_OK) {
        for (size_t i = 0; i < hlen; i++)
            client_key[i] ^= sig[i];
        size_t n = mwi_sasl_b64(client_key, hlen, proof_b64);
        mw_span pieces[6] = {final[0], final[1],      final[2],
                             final[3], lit(",p=", 3), lit(proof_b64, n)};
        st = mwi_sasl_emit(out, pieces, 6);
    }
    if (st == MW_OK) {
        memcpy(s->key1, server_sig, hlen);
        mwi_bytes_clear(s, &s->password);
        s->phase = 2;
    }
    mwi_wipe(client_key, sizeof(client_key));
    mwi_wipe(stored_key, sizeof(stored_key));
    mwi_wipe(server_key, sizeof(server_key));
    mwi_wipe(sig, sizeof(sig));
    mwi_wipe(server_sig, sizeof(server_sig));
    mwi_wipe(proof_b64, sizeof(proof_b64));
    if (st == MW_E_ARG)
        st = MW_E_INTERNAL;
    return st;
}

/* server-final-message = (server-error / verifier) ["," extensions] */
mw_status mwi_sasl_scram_client_final(mw_sasl *s, const uint8_t *in, size_t len)
{
    if (s->phase != 2 || len == 0)
        return MW_E_AUTH;
    cursor c = {in, len, 0};
    uint8_t name = 0;
    mw_span value;
    size_t start;
    if (next_attr(&c, &name, &value, &start) != ATTR_OK ||
        (name != 'e' && name != 'v') || skip_extensions(&c) != MW_OK)
        return MW_E_SYNTAX;
    if (name == 'e') {
        mw_status st = mwi_bytes_set(s, &s->error, value.ptr, value.len);
        return st == MW_OK ? MW_E_AUTH : st;
    }
    size_t hlen = mw_hash_len(mwi_sasl_scram_alg(s->mech));
    uint8_t got[MW_HASH_MAX_LEN];
    if (decode_mac(value, got, hlen) != MW_OK)
        return MW_E_SYNTAX;
    int ok = mw_memeq_consttime(got, s->key1, hlen);
    mwi_wipe(got, sizeof(got));
    return ok ? MW_DONE : MW_E_AUTH;
}

mw_status mwi_sasl_scram_client(mw_sasl *s, const uint8_t *in, size_t len,
                                mw_buf *out)
{
    switch (s->phase) {
    case 0:
        return len == 0 ? client_first(s, out) : MW_E_SYNTAX;
    case 1:
        return client_final(s, in, len, out);
    default:
        /* Verified: the empty response to the server-final challenge. */
        return mwi_sasl_scram_client_final(s, in, len);
    }
}

/* ---- server ------------------------------------------------------------- */

/* gs2-header = gs2-cbind-flag "," [ authzid ] "," ; returns its length. */
static mw_status parse_gs2_header(mw_sasl *s, const uint8_t *in, size_t len,
                                  size_t *hdr_len)
{
    if (len >= 1 && in[0] == 'p')
        return MW_E_UNSUPPORTED;
    /* "y": the client could bind but thinks we cannot, which is right: we
     * never advertise a -PLUS mechanism (RFC 5802 section 6). */
    if (len < 3 || (in[0] != 'n' && in[0] != 'y') || in[1] != ',')
        return MW_E_SYNTAX;
    size_t end = 2;
    if (in[2] == 'a') {
        if (len < 4 || in[3] != '=')
            return MW_E_SYNTAX;
        end = mwi_sasl_find(in, len, 4, ',');
        if (end == len || end == 4)
            return MW_E_SYNTAX;
        mw_status st = mwi_sasl_set_unescaped(s, &s->authzid, in + 4, end - 4);
        if (st != MW_OK)
            return st;
    } else if (in[2] != ',') {
        return MW_E_SYNTAX;
    }
    *hdr_len = end + 1;
    return MW_OK;
}

static mw_status parse_client_first(mw_sasl *s, const uint8_t *in, size_t len)
{
    size_t hdr = 0;
    mw_status st = parse_gs2_header(s, in, len, &hdr);
    if (st != MW_OK)
        return st;
    cursor c = {in, len, hdr};
    mw_span user, nonce;
    st = expect_attr(&c, 'n', &user);
    if (st == MW_OK)
        st = expect_attr(&c, 'r', &nonce);
    if (st == MW_OK)
        st = skip_extensions(&c);
    if (st == MW_OK && (user.len == 0 || !nonce_ok(nonce)))
        st = MW_E_SYNTAX;
    if (st == MW_OK)
        st = mwi_sasl_set_unescaped(s, &s->authcid, (const uint8_t *)user.ptr,
                                    user.len);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->gs2_header, in, hdr);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->first_bare, in + hdr, len - hdr);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->full_nonce, nonce.ptr, nonce.len);
    if (st != MW_OK)
        return st;
    s->identified = 1;
    return MW_NEED_MORE;
}

/* server-first-message = "r=" c-nonce s-nonce ",s=" salt ",i=" count */
static mw_status server_first(mw_sasl *s, mw_buf *out)
{
    char iter[10];
    size_t iter_len = format_u32(s->iterations, iter);
    size_t nonce_len = s->full_nonce.len + s->nonce.len;
    size_t n = 2 + nonce_len + 3 + B64_LEN(s->salt.len) + 3 + iter_len;
    uint8_t *msg = (uint8_t *)mwi_alloc(s->a, n);
    uint8_t *nonce = (uint8_t *)mwi_alloc(s->a, nonce_len);
    if (!msg || !nonce) {
        mwi_sasl_release(s, msg, n);
        mwi_sasl_release(s, nonce, nonce_len);
        return MW_E_NOMEM;
    }
    mw_span head[4] = {lit("r=", 2), mwi_bytes_span(&s->full_nonce),
                       mwi_bytes_span(&s->nonce), lit(",s=", 3)};
    size_t j = join(msg, head, 4);
    j += mwi_sasl_b64(s->salt.ptr, s->salt.len, (char *)msg + j);
    mw_span tail[2] = {lit(",i=", 3), lit(iter, iter_len)};
    (void)join(msg + j, tail, 2);
    mw_span whole = sub(msg, n);
    mw_status st = mwi_sasl_emit(out, &whole, 1);
    if (st != MW_OK) {
        mwi_sasl_release(s, msg, n);
        mwi_sasl_release(s, nonce, nonce_len);
        return st;
    }
    memcpy(nonce, msg + 2, nonce_len);
    adopt(s, &s->full_nonce, nonce, nonce_len);
    adopt(s, &s->server_first, msg, n);
    mwi_bytes_clear(s, &s->salt);
    s->phase = 2;
    return MW_OK;
}

typedef struct client_final_msg {
    mw_span channel;
    mw_span nonce;
    mw_span proof;
    size_t without_proof_len;
} client_final_msg;

/* client-final-message = "c=" b64 ",r=" nonce ["," extensions] ",p=" proof */
static mw_status parse_client_final(const uint8_t *in, size_t len,
                                    client_final_msg *m)
{
    cursor c = {in, len, 0};
    mw_status st = expect_attr(&c, 'c', &m->channel);
    if (st == MW_OK)
        st = expect_attr(&c, 'r', &m->nonce);
    if (st != MW_OK)
        return st;
    for (;;) {
        uint8_t name = 0;
        size_t start = 0;
        int r = next_attr(&c, &name, &m->proof, &start);
        if (r != ATTR_OK)
            return MW_E_SYNTAX; /* the proof is missing or malformed */
        if (name == 'p') {
            m->without_proof_len = start - 1;
            return c.pos == len ? MW_OK : MW_E_SYNTAX;
        }
    }
}

/* c= must repeat our gs2 header exactly: no channel binding data. */
static mw_status check_channel(mw_sasl *s, mw_span channel)
{
    uint8_t *buf = (uint8_t *)mwi_alloc(s->a, channel.len + 1);
    if (!buf)
        return MW_E_NOMEM;
    size_t n = 0;
    mw_status st = mwi_sasl_unb64((const uint8_t *)channel.ptr, channel.len,
                                  buf, channel.len + 1, &n);
    if (st == MW_OK &&
        (n != s->gs2_header.len || memcmp(buf, s->gs2_header.ptr, n) != 0))
        st = MW_E_AUTH;
    mwi_sasl_release(s, buf, channel.len + 1);
    return st;
}

/* ClientKey = ClientProof XOR ClientSignature; valid when H(ClientKey) is
 * StoredKey. */
static mw_status verify_proof(mw_sasl *s, mw_hash_alg alg, mw_span proof_b64,
                              mw_span auth_final)
{
    size_t hlen = mw_hash_len(alg);
    uint8_t proof[MW_HASH_MAX_LEN], sig[MW_HASH_MAX_LEN],
        stored[MW_HASH_MAX_LEN];
    mw_status st = decode_mac(proof_b64, proof, hlen);
    if (st == MW_OK)
        st = auth_hmac(alg, s->key1, hlen, mwi_bytes_span(&s->first_bare),
                       mwi_bytes_span(&s->server_first), &auth_final, 1, sig);
    if (st == MW_OK) {
        for (size_t i = 0; i < hlen; i++)
            proof[i] ^= sig[i];
        st = mw_hash(alg, proof, hlen, stored, hlen);
    }
    if (st == MW_OK && !mw_memeq_consttime(stored, s->key1, hlen))
        st = MW_E_AUTH;
    mwi_wipe(proof, sizeof(proof));
    mwi_wipe(sig, sizeof(sig));
    mwi_wipe(stored, sizeof(stored));
    return st;
}

static mw_status server_final(mw_sasl *s, const uint8_t *in, size_t len,
                              mw_buf *out)
{
    mw_hash_alg alg = mwi_sasl_scram_alg(s->mech);
    size_t hlen = mw_hash_len(alg);
    client_final_msg m;
    mw_status st = parse_client_final(in, len, &m);
    if (st == MW_OK)
        st = check_channel(s, m.channel);
    if (st == MW_OK &&
        (m.nonce.len != s->full_nonce.len ||
         memcmp(m.nonce.ptr, s->full_nonce.ptr, m.nonce.len) != 0))
        st = MW_E_AUTH;
    mw_span auth_final = sub(in, m.without_proof_len);
    if (st == MW_OK)
        st = verify_proof(s, alg, m.proof, auth_final);
    uint8_t sig[MW_HASH_MAX_LEN];
    char sig_b64[B64_LEN(MW_HASH_MAX_LEN)];
    if (st == MW_OK)
        st = auth_hmac(alg, s->key2, hlen, mwi_bytes_span(&s->first_bare),
                       mwi_bytes_span(&s->server_first), &auth_final, 1, sig);
    if (st == MW_OK) {
        size_t n = mwi_sasl_b64(sig, hlen, sig_b64);
        mw_span pieces[2] = {lit("v=", 2), lit(sig_b64, n)};
        st = mwi_sasl_emit(out, pieces, 2);
        mwi_wipe(sig, sizeof(sig));
        mwi_wipe(sig_b64, sizeof(sig_b64));
    }
    if (st == MW_OK)
        s->phase = 3;
    return st;
}

mw_status mwi_sasl_scram_server(mw_sasl *s, const uint8_t *in, size_t len,
                                int has_in, mw_buf *out)
{
    if (s->state == MWI_ST_NEED)
        return server_first(s, out);
    switch (s->phase) {
    case 0:
        if (!has_in) {
            s->phase = 1;
            return MW_OK;
        }
        return parse_client_first(s, in, len);
    case 1:
        return parse_client_first(s, in, len);
    case 2:
        return server_final(s, in, len, out);
    default:
        /* The client's empty answer to our server-final challenge. */
        return len == 0 ? MW_DONE : MW_E_SYNTAX;
    }
}
