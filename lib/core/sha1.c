/* SHA-1 (FIPS 180-4 section 6.1). Kept only for SCRAM-SHA-1; words and
 * the length field are big-endian by definition, so both are loaded and
 * stored byte by byte. */
#include <string.h>

#include "mailwire/hash.h"
#include "mw_int.h"

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* Schedule word t >= 16, kept as a rolling window of 16 words (FIPS
 * 180-4 section 6.1.3) instead of all 80. */
#define W_NEXT(t)                                                              \
    (w[(t)&15] = ROTL(w[((t) + 13) & 15] ^ w[((t) + 8) & 15] ^                 \
                          w[((t) + 2) & 15] ^ w[(t)&15],                       \
                      1))

/* One round; the caller rotates the roles of a..e between calls. */
#define ROUND(a, b, c, d, e, f, k, wt)                                         \
    do {                                                                       \
        (e) += ROTL((a), 5) + (f) + (k) + (wt);                                \
        (b) = ROTL((b), 30);                                                   \
    } while (0)

#define F_CH(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define F_PARITY(b, c, d) ((b) ^ (c) ^ (d))
#define F_MAJ(b, c, d) (((b) & (c)) | ((d) & ((b) | (c))))

/* Five rounds of one stage, so the roles come back to a..e. */
#define FIVE(f, k, t, wexpr)                                                   \
    do {                                                                       \
        ROUND(a, b, c, d, e, f(b, c, d), k, wexpr(t));                         \
        ROUND(e, a, b, c, d, f(a, b, c), k, wexpr((t) + 1));                   \
        ROUND(d, e, a, b, c, f(e, a, b), k, wexpr((t) + 2));                   \
        ROUND(c, d, e, a, b, f(d, e, a), k, wexpr((t) + 3));                   \
        ROUND(b, c, d, e, a, f(c, d, e), k, wexpr((t) + 4));                   \
    } while (0)

#define W_LOAD(t) (w[(t)] = load_be32(p + 4 * (t)))

/* Compress n consecutive 64-byte blocks at p into state. */
static void sha1_blocks(uint32_t state[5], const uint8_t *p, size_t n)
{
    uint32_t w[16];
    for (; n > 0; n--, p += MW_HASH_BLOCK_LEN) {
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3],
                 e = state[4];
        int t = 0;
        for (; t < 15; t += 5)
            FIVE(F_CH, 0x5a827999u, t, W_LOAD);
        /* Round 15 loads the last word, rounds 16..19 expand. */
        ROUND(a, b, c, d, e, F_CH(b, c, d), 0x5a827999u, W_LOAD(15));
        ROUND(e, a, b, c, d, F_CH(a, b, c), 0x5a827999u, W_NEXT(16));
        ROUND(d, e, a, b, c, F_CH(e, a, b), 0x5a827999u, W_NEXT(17));
        ROUND(c, d, e, a, b, F_CH(d, e, a), 0x5a827999u, W_NEXT(18));
        ROUND(b, c, d, e, a, F_CH(c, d, e), 0x5a827999u, W_NEXT(19));
        for (t = 20; t < 40; t += 5)
            FIVE(F_PARITY, 0x6ed9eba1u, t, W_NEXT);
        for (; t < 60; t += 5)
            FIVE(F_MAJ, 0x8f1bbcdcu, t, W_NEXT);
        for (; t < 80; t += 5)
            FIVE(F_PARITY, 0xca62c1d6u, t, W_NEXT);
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
    }
    /* Once per call rather than per block: the words are message data. */
    mwi_wipe(w, sizeof(w));
}

void mw_sha1_init(mw_sha1 *c)
{
    c->state[0] = 0x67452301u;
    c->state[1] = 0xefcdab89u;
    c->state[2] = 0x98badcfeu;
    c->state[3] = 0x10325476u;
    c->state[4] = 0xc3d2e1f0u;
    c->count = 0;
}

void mw_sha1_update(mw_sha1 *c, const void *data, size_t len)
{
    if (len == 0)
        return;
    const uint8_t *p = data;
    size_t used = (size_t)(c->count % MW_HASH_BLOCK_LEN);
    c->count += len;
    if (used > 0) {
        size_t take = MW_HASH_BLOCK_LEN - used;
        if (take > len)
            take = len;
        memcpy(c->buf + used, p, take);
        p += take;
        len -= take;
        if (used + take < MW_HASH_BLOCK_LEN)
            return;
        sha1_blocks(c->state, c->buf, 1);
    }
    size_t whole = len / MW_HASH_BLOCK_LEN;
    if (whole > 0) {
        sha1_blocks(c->state, p, whole);
        p += whole * MW_HASH_BLOCK_LEN;
        len -= whole * MW_HASH_BLOCK_LEN;
    }
    if (len > 0)
        memcpy(c->buf, p, len);
}

void mw_sha1_final(mw_sha1 *c, uint8_t out[MW_SHA1_LEN])
{
    size_t used = (size_t)(c->count % MW_HASH_BLOCK_LEN);
    uint64_t bits = c->count << 3;
    c->buf[used++] = 0x80;
    if (used > MW_HASH_BLOCK_LEN - 8) {
        memset(c->buf + used, 0, MW_HASH_BLOCK_LEN - used);
        sha1_blocks(c->state, c->buf, 1);
        used = 0;
    }
    memset(c->buf + used, 0, MW_HASH_BLOCK_LEN - 8 - used);
    store_be32(c->buf + 56, (uint32_t)(bits >> 32));
    store_be32(c->buf + 60, (uint32_t)bits);
    sha1_blocks(c->state, c->buf, 1);
    for (int i = 0; i < 5; i++)
        store_be32(out + 4 * i, c->state[i]);
    mwi_wipe(c, sizeof(*c));
}
