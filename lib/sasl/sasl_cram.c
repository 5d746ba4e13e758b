/* CRAM-MD5 (RFC 2195): the server sends a unique challenge, the client
 * answers "user SP hex(HMAC-MD5(password, challenge))". */
#include <string.h>

#include "sasl_int.h"

#define CRAM_HEX_LEN (2 * MW_MD5_LEN)

static mw_status cram_digest(const mwi_bytes *password, const uint8_t *chal,
                             size_t chal_len, uint8_t digest[MW_MD5_LEN])
{
    mw_status st = mw_hmac_oneshot(MW_HASH_MD5, password->ptr, password->len,
                                   chal, chal_len, digest, MW_MD5_LEN);
    return st == MW_OK ? MW_OK : MW_E_INTERNAL;
}

mw_status mwi_sasl_cram_client(mw_sasl *s, const uint8_t *in, size_t len,
                               mw_buf *out)
{
    if (s->phase != 0 || len == 0)
        return MW_E_SYNTAX;
    uint8_t digest[MW_MD5_LEN];
    char hex[CRAM_HEX_LEN];
    mw_status st = cram_digest(&s->password, in, len, digest);
    if (st != MW_OK)
        return st;
    mw_hex_encode(digest, sizeof(digest), hex);
    mw_span pieces[3] = {
        mwi_bytes_span(&s->authcid), {" ", 1}, {hex, sizeof(hex)}};
    st = mwi_sasl_emit(out, pieces, 3);
    mwi_wipe(digest, sizeof(digest));
    mwi_wipe(hex, sizeof(hex));
    if (st == MW_OK) {
        mwi_bytes_clear(s, &s->password);
        s->phase = 1;
    }
    return st;
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    /* RFC 2195 says lowercase; accepting uppercase costs nothing. */
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex_decode(const uint8_t *hex, uint8_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        dst[i] = (uint8_t)((hi << 4) | lo);
    }
    return 1;
}

static mw_status cram_challenge(mw_sasl *s, mw_buf *out)
{
    mw_span pieces[5] = {{"<", 1},
                         mwi_bytes_span(&s->nonce),
                         {"@", 1},
                         mwi_bytes_span(&s->hostname),
                         {">", 1}};
    size_t n = 3 + s->nonce.len + s->hostname.len;
    uint8_t *text = (uint8_t *)mwi_alloc(s->a, n);
    if (!text)
        return MW_E_NOMEM;
    size_t j = 0;
    for (size_t i = 0; i < 5; i++) {
        memcpy(text + j, pieces[i].ptr, pieces[i].len);
        j += pieces[i].len;
    }
    mw_span whole = {(const char *)text, n};
    mw_status st = mwi_sasl_emit(out, &whole, 1);
    if (st != MW_OK) {
        mwi_sasl_release(s, text, n);
        return st;
    }
    mwi_bytes_clear(s, &s->challenge);
    s->challenge.ptr = text;
    s->challenge.len = n;
    s->phase = 1;
    return MW_OK;
}

/* response = user SP 32 hex digits; the user name may itself contain
 * spaces, so the digest starts after the last one. */
static mw_status cram_parse(mw_sasl *s, const uint8_t *in, size_t len)
{
    if (len < CRAM_HEX_LEN + 2 || in[len - CRAM_HEX_LEN - 1] != ' ' ||
        mwi_sasl_has_byte(in, len, 0))
        return MW_E_SYNTAX;
    uint8_t digest[MW_MD5_LEN];
    if (!hex_decode(in + len - CRAM_HEX_LEN, digest, MW_MD5_LEN))
        return MW_E_SYNTAX;
    mw_status st = mwi_bytes_set(s, &s->authcid, in, len - CRAM_HEX_LEN - 1);
    if (st != MW_OK)
        return st;
    memcpy(s->key1, digest, MW_MD5_LEN);
    s->identified = 1;
    return MW_NEED_MORE;
}

static mw_status cram_resume(mw_sasl *s)
{
    if (s->cred != MWI_CRED_PASSWORD)
        return MW_E_AUTH;
    uint8_t want[MW_MD5_LEN];
    mw_status st =
        cram_digest(&s->password, s->challenge.ptr, s->challenge.len, want);
    if (st != MW_OK)
        return st;
    int ok = mw_memeq_consttime(want, s->key1, MW_MD5_LEN);
    mwi_wipe(want, sizeof(want));
    return ok ? MW_DONE : MW_E_AUTH;
}

mw_status mwi_sasl_cram_server(mw_sasl *s, const uint8_t *in, size_t len,
                               int has_in, mw_buf *out)
{
    if (s->state == MWI_ST_NEED)
        return cram_resume(s);
    if (s->phase == 0) {
        /* CRAM-MD5 is server-first: an initial response cannot exist. */
        if (has_in)
            return MW_E_SYNTAX;
        return cram_challenge(s, out);
    }
    return cram_parse(s, in, len);
}
