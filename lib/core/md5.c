/* MD5 (RFC 1321). Kept only for CRAM-MD5 and legacy digests; the byte
 * order of words and of the length field is little-endian by definition,
 * so both are loaded and stored byte by byte. */
#include <string.h>

#include "mailwire/hash.h"
#include "mw_int.h"

/* T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t md5_t[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu,
    0x4787c62au, 0xa8304613u, 0xfd469501u, 0x698098d8u, 0x8b44f7afu,
    0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u, 0xa679438eu,
    0x49b40821u, 0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
    0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u, 0x21e1cde6u,
    0xc33707d6u, 0xf4d50d87u, 0x455a14edu, 0xa9e3e905u, 0xfcefa3f8u,
    0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u,
    0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u, 0xd9d4d039u,
    0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u, 0xf4292244u, 0x432aff97u,
    0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du,
    0x85845dd1u, 0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u};

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))
#define STEP(f, a, b, c, d, k, s, i)                                           \
    do {                                                                       \
        (a) += f((b), (c), (d)) + x[(k)] + md5_t[(i)];                         \
        (a) = ROTL((a), (s)) + (b);                                            \
    } while (0)

/* Compress n consecutive 64-byte blocks at p into state. */
static void md5_blocks(uint32_t state[4], const uint8_t *p, size_t n)
{
    uint32_t x[16];
    for (; n > 0; n--, p += MW_HASH_BLOCK_LEN) {
        for (int i = 0; i < 16; i++)
            x[i] = load_le32(p + 4 * i);
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        for (int i = 0; i < 16; i += 4) {
            STEP(F, a, b, c, d, i, 7, i);
            STEP(F, d, a, b, c, i + 1, 12, i + 1);
            STEP(F, c, d, a, b, i + 2, 17, i + 2);
            STEP(F, b, c, d, a, i + 3, 22, i + 3);
        }
        for (int i = 16; i < 32; i += 4) {
            STEP(G, a, b, c, d, (5 * i + 1) & 15, 5, i);
            STEP(G, d, a, b, c, (5 * i + 6) & 15, 9, i + 1);
            STEP(G, c, d, a, b, (5 * i + 11) & 15, 14, i + 2);
            STEP(G, b, c, d, a, (5 * i + 16) & 15, 20, i + 3);
        }
        for (int i = 32; i < 48; i += 4) {
            STEP(H, a, b, c, d, (3 * i + 5) & 15, 4, i);
            STEP(H, d, a, b, c, (3 * i + 8) & 15, 11, i + 1);
            STEP(H, c, d, a, b, (3 * i + 11) & 15, 16, i + 2);
            STEP(H, b, c, d, a, (3 * i + 14) & 15, 23, i + 3);
        }
        for (int i = 48; i < 64; i += 4) {
            STEP(I, a, b, c, d, (7 * i) & 15, 6, i);
            STEP(I, d, a, b, c, (7 * i + 7) & 15, 10, i + 1);
            STEP(I, c, d, a, b, (7 * i + 14) & 15, 15, i + 2);
            STEP(I, b, c, d, a, (7 * i + 21) & 15, 21, i + 3);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
    }
    /* Once per call rather than per block: the words are message data. */
    mwi_wipe(x, sizeof(x));
}

void mw_md5_init(mw_md5 *c)
{
    c->state[0] = 0x67452301u;
    c->state[1] = 0xefcdab89u;
    c->state[2] = 0x98badcfeu;
    c->state[3] = 0x10325476u;
    c->count = 0;
}

void mw_md5_update(mw_md5 *c, const void *data, size_t len)
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
        md5_blocks(c->state, c->buf, 1);
    }
    size_t whole = len / MW_HASH_BLOCK_LEN;
    if (whole > 0) {
        md5_blocks(c->state, p, whole);
        p += whole * MW_HASH_BLOCK_LEN;
        len -= whole * MW_HASH_BLOCK_LEN;
    }
    if (len > 0)
        memcpy(c->buf, p, len);
}

void mw_md5_final(mw_md5 *c, uint8_t out[MW_MD5_LEN])
{
    size_t used = (size_t)(c->count % MW_HASH_BLOCK_LEN);
    uint64_t bits = c->count << 3;
    c->buf[used++] = 0x80;
    if (used > MW_HASH_BLOCK_LEN - 8) {
        memset(c->buf + used, 0, MW_HASH_BLOCK_LEN - used);
        md5_blocks(c->state, c->buf, 1);
        used = 0;
    }
    memset(c->buf + used, 0, MW_HASH_BLOCK_LEN - 8 - used);
    store_le32(c->buf + 56, (uint32_t)bits);
    store_le32(c->buf + 60, (uint32_t)(bits >> 32));
    md5_blocks(c->state, c->buf, 1);
    for (int i = 0; i < 4; i++)
        store_le32(out + 4 * i, c->state[i]);
    mwi_wipe(c, sizeof(*c));
}
