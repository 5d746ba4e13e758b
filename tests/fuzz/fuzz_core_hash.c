/* For arbitrary data: each hash's one-shot digest equals the digest of the
 * same bytes fed in chunks chosen by the first byte; the same for HMAC,
 * keyed with the first up to 70 bytes (so keys both under and over the
 * 64-byte block occur); and one PBKDF2 iteration equals the HMAC of
 * salt || INT(1) (RFC 8018 section 5.2). */
#include "mailwire/hash.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void hash_chunked(mw_hash_alg alg, const uint8_t *data, size_t size,
                         uint8_t selector, uint8_t *out)
{
    mw_hash_ctx c;
    if (alg == MW_HASH_MD5)
        mw_md5_init(&c.md5);
    else if (alg == MW_HASH_SHA1)
        mw_sha1_init(&c.sha1);
    else
        mw_sha256_init(&c.sha256);
    size_t off = 0;
    for (size_t i = 0; off < size; i++) {
        size_t n = fuzz_chunk_len(selector, i);
        if (n > size - off)
            n = size - off;
        if (alg == MW_HASH_MD5)
            mw_md5_update(&c.md5, data + off, n);
        else if (alg == MW_HASH_SHA1)
            mw_sha1_update(&c.sha1, data + off, n);
        else
            mw_sha256_update(&c.sha256, data + off, n);
        off += n;
    }
    if (alg == MW_HASH_MD5)
        mw_md5_final(&c.md5, out);
    else if (alg == MW_HASH_SHA1)
        mw_sha1_final(&c.sha1, out);
    else
        mw_sha256_final(&c.sha256, out);
}

static void hmac_chunked(mw_hash_alg alg, const uint8_t *key, size_t key_len,
                         const uint8_t *data, size_t size, uint8_t selector,
                         uint8_t *out)
{
    mw_hmac h;
    FUZZ_CHECK(mw_hmac_init(&h, alg, key, key_len) == MW_OK);
    size_t off = 0;
    for (size_t i = 0; off < size; i++) {
        size_t n = fuzz_chunk_len(selector, i);
        if (n > size - off)
            n = size - off;
        mw_hmac_update(&h, data + off, n);
        off += n;
    }
    FUZZ_CHECK(mw_hmac_final(&h, out, MW_HASH_MAX_LEN) == MW_OK);
}

/* PBKDF2 with c = 1 is a single HMAC over salt || 00 00 00 01. */
static void check_pbkdf2_one_round(mw_hash_alg alg, const uint8_t *key,
                                   size_t key_len, const uint8_t *salt,
                                   size_t salt_len)
{
    static const uint8_t index1[4] = {0, 0, 0, 1};
    size_t dlen = mw_hash_len(alg);
    uint8_t want[MW_HASH_MAX_LEN];
    uint8_t got[MW_HASH_MAX_LEN];
    mw_hmac h;
    FUZZ_CHECK(mw_hmac_init(&h, alg, key, key_len) == MW_OK);
    mw_hmac_update(&h, salt, salt_len);
    mw_hmac_update(&h, index1, sizeof(index1));
    FUZZ_CHECK(mw_hmac_final(&h, want, sizeof(want)) == MW_OK);
    FUZZ_CHECK(mw_pbkdf2_hmac(alg, key, key_len, salt, salt_len, 1, got,
                              dlen) == MW_OK);
    FUZZ_CHECK(memcmp(got, want, dlen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mw_hash_alg algs[] = {MW_HASH_MD5, MW_HASH_SHA1,
                                       MW_HASH_SHA256};
    uint8_t selector = size > 0 ? data[0] : 0;
    size_t key_len = size < 70 ? size : 70;
    for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
        mw_hash_alg alg = algs[a];
        size_t dlen = mw_hash_len(alg);
        uint8_t one[MW_HASH_MAX_LEN];
        uint8_t many[MW_HASH_MAX_LEN];

        FUZZ_CHECK(mw_hash(alg, data, size, one, sizeof(one)) == MW_OK);
        hash_chunked(alg, data, size, selector, many);
        FUZZ_CHECK(memcmp(one, many, dlen) == 0);

        FUZZ_CHECK(mw_hmac_oneshot(alg, data, key_len, data, size, one,
                                   sizeof(one)) == MW_OK);
        hmac_chunked(alg, data, key_len, data, size, selector, many);
        FUZZ_CHECK(memcmp(one, many, dlen) == 0);
        FUZZ_CHECK(mw_memeq_consttime(one, many, dlen) == 1);

        check_pbkdf2_one_round(alg, data, key_len, data + key_len,
                               size - key_len);
    }
    return 0;
}
