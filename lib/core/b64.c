/* Streaming base64 (RFC 4648 section 4, RFC 2045 section 6.8). */
#include <string.h>

#include "mw_int.h"

#define B64_LINE 76u

/* Decode classes beyond the 0..63 sextet values. */
enum { DEC_PAD = 64, DEC_SPACE = 65, DEC_BAD = 66 };

#define B__ DEC_BAD
#define S__ DEC_SPACE
static const uint8_t b64_decode_table[256] = {
    B__, B__, B__, B__, B__, B__, B__, B__, B__, S__, S__, B__, B__, S__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, S__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, 62,  B__,
    B__, B__, 63,  52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  B__, B__,
    B__, 64,  B__, B__, B__, 0,   1,   2,   3,   4,   5,   6,   7,   8,   9,
    10,  11,  12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,
    25,  B__, B__, B__, B__, B__, B__, 26,  27,  28,  29,  30,  31,  32,  33,
    34,  35,  36,  37,  38,  39,  40,  41,  42,  43,  44,  45,  46,  47,  48,
    49,  50,  51,  B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__, B__,
    B__};
#undef B__
#undef S__

/* ---- encoder ---------------------------------------------------------- */

void mw_b64_encoder_init(mw_b64_encoder *enc, uint32_t flags)
{
    memset(enc, 0, sizeof(*enc));
    enc->flags = flags & MW_B64_WRAP76;
}

/* CRLFs written when \p nchars more characters follow column \p col: one
 * before every character that would land past column 76. */
static size_t wrap_breaks(uint32_t col, size_t nchars)
{
    if (nchars == 0)
        return 0;
    return ((size_t)col + nchars - 1) / B64_LINE;
}

/* Two output characters per 12 input bits: half the lookups of a plain
 * alphabet table, for 8 KiB of constant data. Built by the preprocessor
 * so that nothing is initialised at run time. */
#define B64_CHAR(x)                                                            \
    ((char)((x) < 26    ? 'A' + (x)                                            \
            : (x) < 52  ? 'a' + (x)-26                                         \
            : (x) < 62  ? '0' + (x)-52                                         \
            : (x) == 62 ? '+'                                                  \
                        : '/'))
#define B64_P1(i) {B64_CHAR((i) >> 6), B64_CHAR((i)&63)},
#define B64_P4(i)                                                              \
    B64_P1(4 * (i)) B64_P1(4 * (i) + 1) B64_P1(4 * (i) + 2) B64_P1(4 * (i) + 3)
#define B64_P16(i)                                                             \
    B64_P4(4 * (i)) B64_P4(4 * (i) + 1) B64_P4(4 * (i) + 2) B64_P4(4 * (i) + 3)
#define B64_P64(i)                                                             \
    B64_P16(4 * (i))                                                           \
    B64_P16(4 * (i) + 1) B64_P16(4 * (i) + 2) B64_P16(4 * (i) + 3)
#define B64_P256(i)                                                            \
    B64_P64(4 * (i))                                                           \
    B64_P64(4 * (i) + 1) B64_P64(4 * (i) + 2) B64_P64(4 * (i) + 3)
#define B64_P1024(i)                                                           \
    B64_P256(4 * (i))                                                          \
    B64_P256(4 * (i) + 1) B64_P256(4 * (i) + 2) B64_P256(4 * (i) + 3)
static const char b64_pairs[4096][2] = {B64_P1024(0) B64_P1024(1) B64_P1024(2)
                                            B64_P1024(3)};

static char *encode_group(char *dst, const uint8_t *src)
{
    uint32_t v = ((uint32_t)src[0] << 16) | ((uint32_t)src[1] << 8) | src[2];
    memcpy(dst, b64_pairs[v >> 12], 2);
    memcpy(dst + 2, b64_pairs[v & 4095u], 2);
    return dst + 4;
}

/* Eight bytes as a big-endian number; one load and a byte swap where the
 * compiler offers them. */
static uint64_t load_be64(const uint8_t *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
#else
    return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) |
           ((uint64_t)p[2] << 40) | ((uint64_t)p[3] << 32) |
           ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
           ((uint64_t)p[6] << 8) | p[7];
#endif
}

/* The hot loop: two groups per step from one 8-byte big-endian load
 * (compilers turn the shifts into a load and a byte swap), so it needs
 * a third group's bytes to be readable. */
static char *encode_plain(char *restrict dst, const uint8_t *restrict src,
                          size_t ngroups)
{
    size_t i = 0;
    for (; i + 5 <= ngroups; i += 4, src += 12, dst += 16) {
        uint64_t v = load_be64(src);
        uint64_t w = load_be64(src + 6);
        char quad[16];
        memcpy(quad, b64_pairs[v >> 52], 2);
        memcpy(quad + 2, b64_pairs[(v >> 40) & 4095u], 2);
        memcpy(quad + 4, b64_pairs[(v >> 28) & 4095u], 2);
        memcpy(quad + 6, b64_pairs[(v >> 16) & 4095u], 2);
        memcpy(quad + 8, b64_pairs[w >> 52], 2);
        memcpy(quad + 10, b64_pairs[(w >> 40) & 4095u], 2);
        memcpy(quad + 12, b64_pairs[(w >> 28) & 4095u], 2);
        memcpy(quad + 14, b64_pairs[(w >> 16) & 4095u], 2);
        memcpy(dst, quad, 16);
    }
    for (; i + 3 <= ngroups; i += 2, src += 6, dst += 8) {
        uint64_t v = load_be64(src);
        char quad[8]; /* assembled first: one 8-byte store */
        memcpy(quad, b64_pairs[v >> 52], 2);
        memcpy(quad + 2, b64_pairs[(v >> 40) & 4095u], 2);
        memcpy(quad + 4, b64_pairs[(v >> 28) & 4095u], 2);
        memcpy(quad + 6, b64_pairs[(v >> 16) & 4095u], 2);
        memcpy(dst, quad, 8);
    }
    for (; i < ngroups; i++, src += 3)
        dst = encode_group(dst, src);
    return dst;
}

/* Encodes \p ngroups whole groups with line breaks; returns the end. */
static char *encode_groups(mw_b64_encoder *enc, char *dst, const uint8_t *src,
                           size_t ngroups)
{
    if (!(enc->flags & MW_B64_WRAP76))
        return encode_plain(dst, src, ngroups);
    while (ngroups > 0) {
        if (enc->col >= B64_LINE) {
            *dst++ = '\r';
            *dst++ = '\n';
            enc->col = 0;
        }
        /* 76 is a multiple of 4, so groups never straddle a line end. */
        size_t run = (B64_LINE - enc->col) / 4;
        if (run > ngroups)
            run = ngroups;
        dst = encode_plain(dst, src, run);
        src += run * 3;
        enc->col += (uint32_t)(run * 4);
        ngroups -= run;
    }
    return dst;
}

/* Output size of \p ngroups more groups from the current column. */
static size_t encoded_size(const mw_b64_encoder *enc, size_t ngroups)
{
    size_t chars = ngroups * 4;
    if (enc->flags & MW_B64_WRAP76)
        chars += 2 * wrap_breaks(enc->col, chars);
    return chars;
}

mw_status mw_b64_encode_update(mw_b64_encoder *enc, const void *in, size_t len,
                               mw_buf *out)
{
    if (!enc || !out || (!in && len > 0))
        return MW_E_ARG;
    const uint8_t *src = (const uint8_t *)in;
    size_t fill = enc->npend ? 3u - enc->npend : 0;
    if (len < 3u - enc->npend) {
        /* Not enough for a group: only the pending bytes change. */
        if (len > 0)
            memcpy(enc->pend + enc->npend, src, len);
        enc->npend = (uint8_t)(enc->npend + len);
        return MW_OK;
    }
    size_t ngroups = (enc->npend ? 1 : 0) + (len - fill) / 3;
    if (ngroups > (SIZE_MAX - 2) / 6) {
        out->needed = SIZE_MAX;
        return MW_E_NOSPACE;
    }
    mw_status st = mw_buf_reserve(out, encoded_size(enc, ngroups));
    if (st != MW_OK)
        return st;

    char *dst = out->data + out->len;
    if (enc->npend) {
        memcpy(enc->pend + enc->npend, src, fill);
        dst = encode_groups(enc, dst, enc->pend, 1);
        src += fill;
        len -= fill;
        ngroups--;
    }
    dst = encode_groups(enc, dst, src, ngroups);
    src += ngroups * 3;
    len -= ngroups * 3;
    if (len > 0)
        memcpy(enc->pend, src, len);
    enc->npend = (uint8_t)len;
    out->len = (size_t)(dst - out->data);
    return MW_OK;
}

mw_status mw_b64_encode_final(mw_b64_encoder *enc, mw_buf *out)
{
    if (!enc || !out)
        return MW_E_ARG;
    if (enc->npend == 0) {
        mw_b64_encoder_init(enc, enc->flags);
        return MW_OK;
    }
    mw_status st = mw_buf_reserve(out, encoded_size(enc, 1));
    if (st != MW_OK)
        return st;
    uint8_t last[3] = {0, 0, 0};
    memcpy(last, enc->pend, enc->npend);
    char *dst = out->data + out->len;
    char *end = encode_groups(enc, dst, last, 1);
    /* One pending byte leaves two pad characters, two leave one. */
    end[-1] = '=';
    if (enc->npend == 1)
        end[-2] = '=';
    out->len = (size_t)(end - out->data);
    mw_b64_encoder_init(enc, enc->flags);
    return MW_OK;
}

size_t mw_b64_encode_bound(size_t len, uint32_t flags)
{
    size_t groups = len / 3 + (len % 3 != 0);
    if (groups > SIZE_MAX / 4)
        return SIZE_MAX;
    size_t chars = groups * 4;
    if ((flags & MW_B64_WRAP76) && chars > 0) {
        size_t breaks = (chars - 1) / B64_LINE;
        if (chars > SIZE_MAX - 2 * breaks)
            return SIZE_MAX;
        chars += 2 * breaks;
    }
    return chars;
}

/* ---- decoder ---------------------------------------------------------- */

/* Bounded writer: counts every byte, stores only what fits, so a call can
 * run to the end on a copy of the state and learn the exact size needed. */
typedef struct b64_sink {
    char *dst;
    size_t room;
    size_t n;
} b64_sink;

static void sink_put(b64_sink *s, const uint8_t *bytes, size_t k)
{
    if (k <= s->room && s->n <= s->room - k)
        memcpy(s->dst + s->n, bytes, k);
    s->n += k;
}

void mw_b64_decoder_init(mw_b64_decoder *dec, uint32_t flags)
{
    memset(dec, 0, sizeof(*dec));
    dec->flags = flags & MW_B64_STRICT;
}

/* Records a defect; in strict mode every defect is the (sticky) error. */
static mw_status note_defect(mw_b64_decoder *d, uint32_t defect,
                             uint64_t offset)
{
    if (d->defects == 0)
        d->defect_offset = offset;
    d->defects |= defect;
    if (d->flags & MW_B64_STRICT) {
        d->failed = 1;
        return MW_E_ENCODING;
    }
    return MW_OK;
}

/* Writes the bytes of a group of nacc sextets (2..4) and resets it. */
static void flush_group(mw_b64_decoder *d, b64_sink *s)
{
    uint32_t v = d->acc << (6 * (4 - d->nacc));
    uint8_t bytes[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    sink_put(s, bytes, d->nacc - 1u);
    d->acc = 0;
    d->nacc = 0;
    d->npad = 0;
}

/* Data after '=': strict refuses it; tolerant mode finishes the padded
 * group and starts a new one, as if the padding had been a separator
 * (concatenated base64 pieces are common in broken mailers). */
static mw_status data_after_pad(mw_b64_decoder *d, b64_sink *s, uint64_t offset)
{
    mw_status st = note_defect(d, MW_DEFECT_AFTER_PAD, offset);
    if (st != MW_OK)
        return st;
    if (d->npad > 0)
        flush_group(d, s);
    d->padded = 0;
    return MW_OK;
}

static int pad_bits_nonzero(const mw_b64_decoder *d)
{
    uint32_t mask = d->nacc == 2 ? 0xFu : 0x3u;
    return (d->acc & mask) != 0;
}

static mw_status decode_pad(mw_b64_decoder *d, b64_sink *s, uint64_t offset)
{
    if (d->nacc < 2 || d->padded)
        return note_defect(
            d, d->padded ? MW_DEFECT_AFTER_PAD : MW_DEFECT_GARBAGE, offset);
    /* RFC 4648 3.5 lets decoders refuse non-zero pad bits; strict does,
     * tolerant mode drops them. The culprit is the character just before. */
    if (d->npad == 0 && (d->flags & MW_B64_STRICT) && pad_bits_nonzero(d))
        return note_defect(d, MW_DEFECT_GARBAGE, offset - 1);
    d->npad++;
    if (d->nacc + d->npad == 4) {
        flush_group(d, s);
        d->padded = 1;
    }
    return MW_OK;
}

static mw_status decode_other(mw_b64_decoder *d, uint8_t cls, uint64_t offset)
{
    /* Tolerant mode skips line breaks and blanks silently (MIME wraps
     * lines) and any other stray byte with a defect. decode_bytes() skips
     * the blanks itself before calling here. */
    if (cls == DEC_SPACE && !(d->flags & MW_B64_STRICT))
        return MW_OK;
    return note_defect(d, MW_DEFECT_GARBAGE, offset);
}

static mw_status decode_sextet(mw_b64_decoder *d, b64_sink *s, uint8_t v,
                               uint64_t offset)
{
    if (d->npad > 0 || d->padded) {
        mw_status st = data_after_pad(d, s, offset);
        if (st != MW_OK)
            return st;
    }
    d->acc = (d->acc << 6) | v;
    if (++d->nacc == 4)
        flush_group(d, s);
    return MW_OK;
}

/* Sextet value of an alphabet character, -1 for any other byte. */
#define B64_VAL(c)                                                             \
    ((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                    \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                               \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                               \
     : (c) == '+'               ? 62                                           \
     : (c) == '/'               ? 63                                           \
                                : -1)
/* The value already shifted to its place in a group of four; any other
 * byte sets bit 24, so one test after OR-ing four lookups finds it. */
#define B64_SH(c, sh)                                                          \
    (B64_VAL(c) < 0 ? 0x1000000u : (uint32_t)B64_VAL(c) << (sh))
#define B64_S4(i, sh)                                                          \
    B64_SH(4 * (i), sh), B64_SH(4 * (i) + 1, sh), B64_SH(4 * (i) + 2, sh),     \
        B64_SH(4 * (i) + 3, sh)
#define B64_S16(i, sh)                                                         \
    B64_S4(4 * (i), sh), B64_S4(4 * (i) + 1, sh), B64_S4(4 * (i) + 2, sh),     \
        B64_S4(4 * (i) + 3, sh)
#define B64_S64(i, sh)                                                         \
    B64_S16(4 * (i), sh), B64_S16(4 * (i) + 1, sh), B64_S16(4 * (i) + 2, sh),  \
        B64_S16(4 * (i) + 3, sh)
#define B64_S256(sh)                                                           \
    {                                                                          \
        B64_S64(0, sh), B64_S64(1, sh), B64_S64(2, sh), B64_S64(3, sh)         \
    }
static const uint32_t b64_shifted[4][256] = {B64_S256(18), B64_S256(12),
                                             B64_S256(6), B64_S256(0)};

/* Three bytes of a group of four alphabet characters, or bit 24 set. */
static uint32_t quad_value(const uint8_t *q)
{
    return b64_shifted[0][q[0]] | b64_shifted[1][q[1]] | b64_shifted[2][q[2]] |
           b64_shifted[3][q[3]];
}

/* Eight bytes big-endian; one byte swap and store where available. */
static void store_be64(char *dst, uint64_t v)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
    memcpy(dst, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        dst[i] = (char)(uint8_t)(v >> (56 - 8 * i));
#endif
}

static void put3(char *dst, uint32_t v)
{
    dst[0] = (char)(uint8_t)(v >> 16);
    dst[1] = (char)(uint8_t)(v >> 8);
    dst[2] = (char)(uint8_t)v;
}

/* Four alphabet characters at once while the group is empty: the common
 * case, kept free of per-byte state changes. Two groups per round while
 * they and two more bytes fit (one 8-byte store; the next round or the
 * byte-wise path overwrites the extra two), then single groups; in
 * tolerant mode the line breaks and blanks between groups are skipped
 * here too. Stops before the first group holding any other byte. */
static size_t decode_quads(b64_sink *s, const uint8_t *src, size_t len,
                           int tolerant)
{
    if (s->n > s->room)
        return 0;
    size_t i = 0, n = s->n;
    const size_t room = s->room; /* locals: dst may alias the sink */
    char *dst = s->dst;
    for (;;) {
        size_t pairs = (len - i) / 8;
        size_t fit = room - n >= 8 ? (room - n - 2) / 6 : 0;
        if (pairs > fit)
            pairs = fit;
        size_t k = 0;
        if (pairs) { /* so that a NULL dst never takes an offset */
            const uint8_t *in = src + i;
            char *w8 = dst + n;
            for (; k < pairs; k++, in += 8, w8 += 6) {
                uint32_t v = quad_value(in);
                uint32_t w = quad_value(in + 4);
                if ((v | w) >> 24)
                    break;
                store_be64(w8, ((uint64_t)v << 40) | ((uint64_t)w << 16));
            }
        }
        i += 8 * k;
        n += 6 * k;
        while (len - i >= 4 && room - n >= 3) {
            uint32_t v = quad_value(src + i);
            if (v >> 24)
                break;
            put3(dst + n, v);
            n += 3;
            i += 4;
        }
        size_t j = i;
        while (tolerant && j < len && b64_decode_table[src[j]] == DEC_SPACE)
            j++;
        if (j == i)
            break;
        i = j;
    }
    s->n = n;
    return i;
}

static mw_status decode_bytes(mw_b64_decoder *d, b64_sink *s,
                              const uint8_t *src, size_t len)
{
    size_t i = 0;
    int tolerant = !(d->flags & MW_B64_STRICT);
    while (i < len) {
        if (d->nacc == 0 && d->npad == 0 && !d->padded) {
            size_t done = decode_quads(s, src + i, len - i, tolerant);
            i += done;
            d->offset += done;
            if (i == len)
                break;
        }
        uint8_t cls = b64_decode_table[src[i]];
        mw_status st = MW_OK;
        if (cls < 64)
            st = decode_sextet(d, s, cls, d->offset);
        else if (cls == DEC_PAD)
            st = decode_pad(d, s, d->offset);
        else if (cls != DEC_SPACE || !tolerant) /* line breaks: see below */
            st = decode_other(d, cls, d->offset);
        if (st != MW_OK)
            return st;
        i++;
        d->offset++;
    }
    return MW_OK;
}

/* End of input inside a group. Tolerant mode keeps the whole bytes it
 * carries (unpadded base64 is common); a lone sextet holds none. */
static mw_status decode_final_group(mw_b64_decoder *d, b64_sink *s)
{
    if (d->nacc == 0 && d->npad == 0)
        return MW_OK;
    mw_status st = note_defect(d, MW_DEFECT_TRUNCATED, d->offset);
    if (st != MW_OK)
        return st;
    if (d->nacc >= 2)
        flush_group(d, s);
    d->acc = 0;
    d->nacc = 0;
    d->npad = 0;
    return MW_OK;
}

/* Runs \p len bytes (possibly none, then \p final) through a copy of the
 * state into the buffer's free space, committing only if everything fit. */
static mw_status decode_try(mw_b64_decoder *dec, const uint8_t *src, size_t len,
                            int final, mw_buf *out, size_t *needed)
{
    b64_sink sink = {out->data ? out->data + out->len : NULL,
                     out->cap - out->len, 0};
    mw_b64_decoder work = *dec;
    mw_status st = decode_bytes(&work, &sink, src, len);
    if (st == MW_OK && final)
        st = decode_final_group(&work, &sink);
    *needed = sink.n;
    if (sink.n > sink.room)
        return MW_E_NOSPACE;
    out->len += sink.n;
    *dec = work;
    return st;
}

static mw_status decode_call(mw_b64_decoder *dec, const uint8_t *src,
                             size_t len, int final, mw_buf *out)
{
    if (dec->failed)
        return MW_E_ENCODING;
    mw_status st = mw_buf_reserve(out, len / 4 * 3 + 6);
    if (st == MW_E_NOMEM)
        return st;
    size_t needed = 0;
    st = decode_try(dec, src, len, final, out, &needed);
    if (st != MW_E_NOSPACE)
        return st;
    /* The bound did not fit (fixed buffer, growth cap); the exact size
     * may. Output before a strict-mode error must fit too, so that the
     * error comes with the same bytes however the input was split. */
    st = mw_buf_reserve(out, needed);
    if (st != MW_OK)
        return st;
    return decode_try(dec, src, len, final, out, &needed);
}

mw_status mw_b64_decode_update(mw_b64_decoder *dec, const void *in, size_t len,
                               mw_buf *out)
{
    if (!dec || !out || (!in && len > 0))
        return MW_E_ARG;
    return decode_call(dec, (const uint8_t *)in, len, 0, out);
}

mw_status mw_b64_decode_final(mw_b64_decoder *dec, mw_buf *out)
{
    if (!dec || !out)
        return MW_E_ARG;
    mw_status st = decode_call(dec, NULL, 0, 1, out);
    if (st == MW_OK)
        dec->padded = 0;
    return st;
}

uint32_t mw_b64_decoder_defects(const mw_b64_decoder *dec)
{
    return dec ? dec->defects : 0;
}

uint64_t mw_b64_decoder_defect_offset(const mw_b64_decoder *dec)
{
    return dec ? dec->defect_offset : 0;
}
