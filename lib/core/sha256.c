/* SHA-256 (FIPS 180-4 section 6.2). It hashes whole MIME bodies in the
 * tools, so the compression function works on runs of blocks straight
 * from the caller's buffer, rounds are unrolled in eights with the working
 * variables renamed instead of shuffled, and the message schedule lives
 * in a rolling 16-word window. Words and the length field are
 * big-endian by definition and are loaded and stored byte by byte. */
#include <string.h>

#include "mailwire/hash.h"
#include "mw_int.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64
 * primes (FIPS 180-4 section 4.2.2). */
static const uint32_t sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
    0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u,
    0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u,
    0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u,
    0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
    0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u, 0x1e376c08u,
    0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu,
    0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

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

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define BSIG0(x) (ROTR((x), 2) ^ ROTR((x), 13) ^ ROTR((x), 22))
#define BSIG1(x) (ROTR((x), 6) ^ ROTR((x), 11) ^ ROTR((x), 25))
#define SSIG0(x) (ROTR((x), 7) ^ ROTR((x), 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR((x), 17) ^ ROTR((x), 19) ^ ((x) >> 10))

/* Schedule word i >= 16 in a rolling window of 16 words. */
#define W_NEXT(i)                                                              \
    (w[(i)&15] +=                                                              \
     SSIG1(w[((i) + 14) & 15]) + w[((i) + 9) & 15] + SSIG0(w[((i) + 1) & 15]))
#define W_LOAD(i) (w[(i)] = load_be32(p + 4 * (i)))

/* One round; the caller rotates the roles of a..h between calls. */
#define ROUND(a, b, c, d, e, f, g, h, i, wt)                                   \
    do {                                                                       \
        uint32_t t1 =                                                          \
            (h) + BSIG1(e) + CH((e), (f), (g)) + sha256_k[(i)] + (wt);         \
        uint32_t t2 = BSIG0(a) + MAJ((a), (b), (c));                           \
        (d) += t1;                                                             \
        (h) = t1 + t2;                                                         \
    } while (0)

#define EIGHT(i, wexpr)                                                        \
    do {                                                                       \
        ROUND(a, b, c, d, e, f, g, h, (i), wexpr(i));                          \
        ROUND(h, a, b, c, d, e, f, g, (i) + 1, wexpr((i) + 1));                \
        ROUND(g, h, a, b, c, d, e, f, (i) + 2, wexpr((i) + 2));                \
        ROUND(f, g, h, a, b, c, d, e, (i) + 3, wexpr((i) + 3));                \
        ROUND(e, f, g, h, a, b, c, d, (i) + 4, wexpr((i) + 4));                \
        ROUND(d, e, f, g, h, a, b, c, (i) + 5, wexpr((i) + 5));                \
        ROUND(c, d, e, f, g, h, a, b, (i) + 6, wexpr((i) + 6));                \
        ROUND(b, c, d, e, f, g, h, a, (i) + 7, wexpr((i) + 7));                \
    } while (0)

/* Compress n consecutive 64-byte blocks at p into state. */
static void sha256_blocks(uint32_t state[8], const uint8_t *p, size_t n)
{
    uint32_t w[16];
    for (; n > 0; n--, p += MW_HASH_BLOCK_LEN) {
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        EIGHT(0, W_LOAD);
        EIGHT(8, W_LOAD);
        for (int i = 16; i < 64; i += 16) {
            EIGHT(i, W_NEXT);
            EIGHT(i + 8, W_NEXT);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
    /* Once per call rather than per block: the words are message data. */
    mwi_wipe(w, sizeof(w));
}

void mw_sha256_init(mw_sha256 *c)
{
    /* First 32 bits of the fractional parts of the square roots of the
     * first 8 primes (FIPS 180-4 section 5.3.3). */
    c->state[0] = 0x6a09e667u;
    c->state[1] = 0xbb67ae85u;
    c->state[2] = 0x3c6ef372u;
    c->state[3] = 0xa54ff53au;
    c->state[4] = 0x510e527fu;
    c->state[5] = 0x9b05688cu;
    c->state[6] = 0x1f83d9abu;
    c->state[7] = 0x5be0cd19u;
    c->count = 0;
}

void mw_sha256_update(mw_sha256 *c, const void *data, size_t len)
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
        sha256_blocks(c->state, c->buf, 1);
    }
    size_t whole = len / MW_HASH_BLOCK_LEN;
    if (whole > 0) {
        sha256_blocks(c->state, p, whole);
        p += whole * MW_HASH_BLOCK_LEN;
        len -= whole * MW_HASH_BLOCK_LEN;
    }
    if (len > 0)
        memcpy(c->buf, p, len);
}

void mw_sha256_final(mw_sha256 *c, uint8_t out[MW_SHA256_LEN])
{
    size_t used = (size_t)(c->count % MW_HASH_BLOCK_LEN);
    uint64_t bits = c->count << 3;
    c->buf[used++] = 0x80;
    if (used > MW_HASH_BLOCK_LEN - 8) {
        memset(c->buf + used, 0, MW_HASH_BLOCK_LEN - used);
        sha256_blocks(c->state, c->buf, 1);
        used = 0;
    }
    memset(c->buf + used, 0, MW_HASH_BLOCK_LEN - 8 - used);
    store_be32(c->buf + 56, (uint32_t)(bits >> 32));
    store_be32(c->buf + 60, (uint32_t)bits);
    sha256_blocks(c->state, c->buf, 1);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->state[i]);
    mwi_wipe(c, sizeof(*c));
}
