/* Algorithm dispatch over the three hashes, HMAC (RFC 2104), PBKDF2
 * (RFC 8018 section 5.2) and the small helpers that go with digests (hex,
 * constant-time comparison). All three hashes share the 64-byte block. */
#include <string.h>

#include "mailwire/hash.h"
#include "mw_int.h"

size_t mw_hash_len(mw_hash_alg alg)
{
    switch (alg) {
    case MW_HASH_MD5:
        return MW_MD5_LEN;
    case MW_HASH_SHA1:
        return MW_SHA1_LEN;
    case MW_HASH_SHA256:
        return MW_SHA256_LEN;
    }
    return 0;
}

/* Only called with an algorithm mw_hash_len() accepted. */
static void ctx_init(mw_hash_ctx *c, mw_hash_alg alg)
{
    if (alg == MW_HASH_MD5)
        mw_md5_init(&c->md5);
    else if (alg == MW_HASH_SHA1)
        mw_sha1_init(&c->sha1);
    else
        mw_sha256_init(&c->sha256);
}

static void ctx_update(mw_hash_ctx *c, mw_hash_alg alg, const void *data,
                       size_t len)
{
    if (alg == MW_HASH_MD5)
        mw_md5_update(&c->md5, data, len);
    else if (alg == MW_HASH_SHA1)
        mw_sha1_update(&c->sha1, data, len);
    else
        mw_sha256_update(&c->sha256, data, len);
}

/* Writes mw_hash_len(alg) bytes and wipes c. */
static void ctx_final(mw_hash_ctx *c, mw_hash_alg alg, uint8_t *out)
{
    if (alg == MW_HASH_MD5)
        mw_md5_final(&c->md5, out);
    else if (alg == MW_HASH_SHA1)
        mw_sha1_final(&c->sha1, out);
    else
        mw_sha256_final(&c->sha256, out);
}

static int bad_span(const void *p, size_t len)
{
    return p == NULL && len > 0;
}

mw_status mw_hash(mw_hash_alg alg, const void *data, size_t len, uint8_t *out,
                  size_t out_len)
{
    size_t dlen = mw_hash_len(alg);
    if (dlen == 0 || out == NULL || out_len < dlen || bad_span(data, len))
        return MW_E_ARG;
    mw_hash_ctx c;
    ctx_init(&c, alg);
    ctx_update(&c, alg, data, len);
    ctx_final(&c, alg, out);
    return MW_OK;
}

/* RFC 2104 section 2: K0 is the key hashed if longer than a block, then
 * zero-padded to a block. */
static void hmac_block_key(mw_hash_alg alg, const void *key, size_t key_len,
                           uint8_t k0[MW_HASH_BLOCK_LEN])
{
    memset(k0, 0, MW_HASH_BLOCK_LEN);
    if (key_len > MW_HASH_BLOCK_LEN) {
        mw_hash_ctx c;
        ctx_init(&c, alg);
        ctx_update(&c, alg, key, key_len);
        ctx_final(&c, alg, k0);
    } else if (key_len > 0) {
        memcpy(k0, key, key_len);
    }
}

mw_status mw_hmac_init(mw_hmac *h, mw_hash_alg alg, const void *key,
                       size_t key_len)
{
    if (h == NULL)
        return MW_E_ARG;
    if (mw_hash_len(alg) == 0 || bad_span(key, key_len)) {
        mwi_wipe(h, sizeof(*h));
        return MW_E_ARG;
    }
    uint8_t k0[MW_HASH_BLOCK_LEN];
    uint8_t ipad[MW_HASH_BLOCK_LEN];
    hmac_block_key(alg, key, key_len, k0);
    for (size_t i = 0; i < MW_HASH_BLOCK_LEN; i++) {
        ipad[i] = (uint8_t)(k0[i] ^ 0x36u);
        h->opad[i] = (uint8_t)(k0[i] ^ 0x5cu);
    }
    h->alg = (uint32_t)alg;
    ctx_init(&h->inner, alg);
    ctx_update(&h->inner, alg, ipad, sizeof(ipad));
    mwi_wipe(k0, sizeof(k0));
    mwi_wipe(ipad, sizeof(ipad));
    return MW_OK;
}

void mw_hmac_update(mw_hmac *h, const void *data, size_t len)
{
    /* A failed init left alg 0: ignore the data, final will report it. */
    if (h == NULL || mw_hash_len((mw_hash_alg)h->alg) == 0)
        return;
    ctx_update(&h->inner, (mw_hash_alg)h->alg, data, len);
}

mw_status mw_hmac_final(mw_hmac *h, uint8_t *out, size_t out_len)
{
    if (h == NULL)
        return MW_E_ARG;
    mw_hash_alg alg = (mw_hash_alg)h->alg;
    size_t dlen = mw_hash_len(alg);
    if (dlen == 0 || out == NULL || out_len < dlen) {
        mwi_wipe(h, sizeof(*h));
        return MW_E_ARG;
    }
    uint8_t inner[MW_HASH_MAX_LEN];
    ctx_final(&h->inner, alg, inner);
    mw_hash_ctx outer;
    ctx_init(&outer, alg);
    ctx_update(&outer, alg, h->opad, sizeof(h->opad));
    ctx_update(&outer, alg, inner, dlen);
    ctx_final(&outer, alg, out);
    mwi_wipe(inner, sizeof(inner));
    mwi_wipe(h, sizeof(*h));
    return MW_OK;
}

mw_status mw_hmac_oneshot(mw_hash_alg alg, const void *key, size_t key_len,
                          const void *data, size_t len, uint8_t *out,
                          size_t out_len)
{
    size_t dlen = mw_hash_len(alg);
    if (dlen == 0 || out == NULL || out_len < dlen || bad_span(data, len) ||
        bad_span(key, key_len))
        return MW_E_ARG;
    mw_hmac h;
    mw_status st = mw_hmac_init(&h, alg, key, key_len);
    if (st != MW_OK)
        return st;
    mw_hmac_update(&h, data, len);
    return mw_hmac_final(&h, out, out_len);
}

/* HMAC with both pads already absorbed, so each PBKDF2 iteration costs
 * two compressions instead of four. */
typedef struct pbkdf2_prf {
    mw_hash_alg alg;
    size_t dlen;
    mw_hash_ctx inner; /* after K0 ^ ipad */
    mw_hash_ctx outer; /* after K0 ^ opad */
} pbkdf2_prf;

static void prf_init(pbkdf2_prf *prf, mw_hash_alg alg, const void *key,
                     size_t key_len)
{
    mw_hmac h;
    (void)mw_hmac_init(&h, alg, key, key_len); /* arguments checked */
    prf->alg = alg;
    prf->dlen = mw_hash_len(alg);
    prf->inner = h.inner;
    ctx_init(&prf->outer, alg);
    ctx_update(&prf->outer, alg, h.opad, sizeof(h.opad));
    mwi_wipe(&h, sizeof(h));
}

/* out = HMAC(msg1 || msg2); out may alias msg1 since both are consumed
 * before out is written. */
static void prf_run(const pbkdf2_prf *prf, const void *msg1, size_t len1,
                    const void *msg2, size_t len2, uint8_t *out)
{
    mw_hash_ctx c = prf->inner;
    ctx_update(&c, prf->alg, msg1, len1);
    ctx_update(&c, prf->alg, msg2, len2);
    ctx_final(&c, prf->alg, out);
    c = prf->outer;
    ctx_update(&c, prf->alg, out, prf->dlen);
    ctx_final(&c, prf->alg, out);
}

/* T_i = U_1 ^ ... ^ U_c with U_1 = PRF(S || INT(i)), U_j = PRF(U_{j-1}). */
static void pbkdf2_block(const pbkdf2_prf *prf, const void *salt,
                         size_t salt_len, uint32_t iterations, uint32_t index,
                         uint8_t t[MW_HASH_MAX_LEN])
{
    uint8_t u[MW_HASH_MAX_LEN];
    uint8_t be_index[4] = {(uint8_t)(index >> 24), (uint8_t)(index >> 16),
                           (uint8_t)(index >> 8), (uint8_t)index};
    prf_run(prf, salt, salt_len, be_index, sizeof(be_index), u);
    memcpy(t, u, prf->dlen);
    for (uint32_t j = 1; j < iterations; j++) {
        prf_run(prf, u, prf->dlen, NULL, 0, u);
        for (size_t k = 0; k < prf->dlen; k++)
            t[k] ^= u[k];
    }
    mwi_wipe(u, sizeof(u));
}

mw_status mw_pbkdf2_hmac(mw_hash_alg alg, const void *password,
                         size_t password_len, const void *salt, size_t salt_len,
                         uint32_t iterations, uint8_t *out, size_t out_len)
{
    size_t dlen = mw_hash_len(alg);
    if (dlen == 0 || iterations == 0 || out == NULL || out_len == 0 ||
        bad_span(password, password_len) || bad_span(salt, salt_len))
        return MW_E_ARG;
    /* RFC 8018 step 1: the block index is 32 bits. */
    if ((out_len - 1) / dlen >= (uint64_t)UINT32_MAX)
        return MW_E_ARG;
    pbkdf2_prf prf;
    prf_init(&prf, alg, password, password_len);
    uint8_t t[MW_HASH_MAX_LEN];
    uint32_t index = 1;
    for (size_t done = 0; done < out_len; done += dlen, index++) {
        pbkdf2_block(&prf, salt, salt_len, iterations, index, t);
        size_t n = out_len - done < dlen ? out_len - done : dlen;
        memcpy(out + done, t, n);
    }
    mwi_wipe(t, sizeof(t));
    mwi_wipe(&prf, sizeof(prf));
    return MW_OK;
}

void mw_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15u];
    }
}

int mw_memeq_consttime(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    unsigned diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (unsigned)(x[i] ^ y[i]);
    /* Branch-free: diff - 1 wraps to all ones only when diff is 0. */
    return (int)(((diff - 1u) >> 8) & 1u);
}
