/* IMAP modified UTF-7 (RFC 3501 section 5.1.3) to and from UTF-8.
 *
 * Both directions run every call twice over a copy of the state: a first
 * pass only counts the output bytes, then the exact amount is reserved and
 * a second pass writes them. So a call appends all of its output or none,
 * and the state is committed only once the output is in place. */
#include <string.h>

#include "mw_int.h"

enum { DEC_DIRECT = 0, DEC_AFTER_AMP = 1, DEC_IN_RUN = 2 };

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Output of one pass: counts only while dst is NULL. */
typedef struct sink {
    uint8_t *dst;
    size_t len;
} sink;

typedef mw_status (*pass_fn)(void *state, const uint8_t *in, size_t len,
                             int final, sink *s);

static void put(sink *s, uint8_t b)
{
    if (s->dst)
        s->dst[s->len] = b;
    s->len++;
}

static void put_utf8(sink *s, uint32_t cp)
{
    if (cp < 0x80) {
        put(s, (uint8_t)cp);
    } else if (cp < 0x800) {
        put(s, (uint8_t)(0xC0 | (cp >> 6)));
        put(s, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        put(s, (uint8_t)(0xE0 | (cp >> 12)));
        put(s, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        put(s, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        put(s, (uint8_t)(0xF0 | (cp >> 18)));
        put(s, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
        put(s, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        put(s, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

static int is_printable_ascii(uint32_t c)
{
    return c >= 0x20 && c <= 0x7E;
}

static int is_high_surrogate(uint32_t u)
{
    return u >= 0xD800 && u <= 0xDBFF;
}

static int is_low_surrogate(uint32_t u)
{
    return u >= 0xDC00 && u <= 0xDFFF;
}

/* Value of a modified base64 character, or -1. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == ',')
        return 63;
    return -1;
}

/* Count, reserve, write, commit: see the top of the file. With
 * discard_on_error (one-shot calls) a failing input appends nothing. */
static mw_status run_pass(pass_fn fn, void *state, void *trial, size_t size,
                          const uint8_t *in, size_t len, int final, mw_buf *out,
                          int discard_on_error)
{
    sink count = {NULL, 0};
    memcpy(trial, state, size);
    mw_status st = fn(trial, in, len, final, &count);
    if (count.len > 0 && (st == MW_OK || !discard_on_error)) {
        mw_status reserved = mw_buf_reserve(out, count.len);
        if (reserved != MW_OK)
            return reserved;
        sink write = {(uint8_t *)out->data + out->len, 0};
        memcpy(trial, state, size);
        st = fn(trial, in, len, final, &write);
        out->len += write.len;
    }
    memcpy(state, trial, size);
    return st;
}

/* ---- decoder ---------------------------------------------------------- */

static mw_status dec_fail(mw_utf7_decoder *d, uint64_t offset)
{
    d->failed = 1;
    d->error_offset = offset;
    return MW_E_ENCODING;
}

static mw_status dec_unit(mw_utf7_decoder *d, uint32_t unit, sink *s)
{
    if (d->high) {
        if (!is_low_surrogate(unit))
            return dec_fail(d, d->shift_offset);
        put_utf8(s, 0x10000 + ((d->high - 0xD800) << 10) + (unit - 0xDC00));
        d->high = 0;
        return MW_OK;
    }
    if (is_high_surrogate(unit)) {
        d->high = unit;
        return MW_OK;
    }
    /* Printable ASCII in a run is a second spelling of the name, which
     * RFC 3501 forbids; refusing it keeps decoding one-to-one. */
    if (is_low_surrogate(unit) || is_printable_ascii(unit))
        return dec_fail(d, d->shift_offset);
    put_utf8(s, unit);
    return MW_OK;
}

static mw_status dec_b64(mw_utf7_decoder *d, int value, sink *s)
{
    d->bits = (d->bits << 6) | (uint32_t)value;
    d->nbits += 6;
    if (d->nbits < 16)
        return MW_OK;
    d->nbits -= 16;
    uint32_t unit = d->bits >> d->nbits;
    d->bits &= (1u << d->nbits) - 1;
    return dec_unit(d, unit, s);
}

/* A canonical run ends with fewer than 6 spare bits, all zero. */
static mw_status dec_close_run(mw_utf7_decoder *d)
{
    if (d->nbits >= 6 || d->bits != 0 || d->high != 0)
        return dec_fail(d, d->shift_offset);
    d->mode = DEC_DIRECT;
    d->after_run = 1;
    return MW_OK;
}

static mw_status dec_direct(mw_utf7_decoder *d, uint8_t c, sink *s)
{
    if (c == '&') {
        d->mode = DEC_AFTER_AMP;
        d->shift_offset = d->offset;
        return MW_OK;
    }
    if (!is_printable_ascii(c))
        return dec_fail(d, d->offset);
    d->after_run = 0;
    put(s, c);
    return MW_OK;
}

static mw_status dec_after_amp(mw_utf7_decoder *d, uint8_t c, sink *s)
{
    if (c == '-') {
        put(s, '&');
        d->mode = DEC_DIRECT;
        d->after_run = 0;
        return MW_OK;
    }
    int value = b64_value(c);
    if (value < 0)
        return dec_fail(d, d->offset);
    /* Two adjacent runs spell what one run would; like printable ASCII in
     * a run, this second form is refused. */
    if (d->after_run)
        return dec_fail(d, d->shift_offset);
    d->mode = DEC_IN_RUN;
    d->bits = 0;
    d->nbits = 0;
    return dec_b64(d, value, s);
}

static mw_status dec_in_run(mw_utf7_decoder *d, uint8_t c, sink *s)
{
    if (c == '-')
        return dec_close_run(d);
    int value = b64_value(c);
    if (value < 0)
        return dec_fail(d, d->offset);
    return dec_b64(d, value, s);
}

static mw_status dec_byte(mw_utf7_decoder *d, uint8_t c, sink *s)
{
    switch (d->mode) {
    case DEC_DIRECT:
        return dec_direct(d, c, s);
    case DEC_AFTER_AMP:
        return dec_after_amp(d, c, s);
    default:
        return dec_in_run(d, c, s);
    }
}

static mw_status dec_pass(void *state, const uint8_t *in, size_t len, int final,
                          sink *s)
{
    mw_utf7_decoder *d = (mw_utf7_decoder *)state;
    for (size_t i = 0; i < len; i++) {
        mw_status st = dec_byte(d, in[i], s);
        if (st != MW_OK)
            return st;
        d->offset++;
    }
    if (final && d->mode != DEC_DIRECT)
        return dec_fail(d, d->shift_offset);
    return MW_OK;
}

static mw_status dec_call(mw_utf7_decoder *dec, const void *in, size_t len,
                          int final, mw_buf *out)
{
    if (!dec || !out || (!in && len > 0))
        return MW_E_ARG;
    if (dec->failed)
        return MW_E_ENCODING;
    mw_utf7_decoder trial;
    return run_pass(dec_pass, dec, &trial, sizeof(trial), (const uint8_t *)in,
                    len, final, out, 0);
}

void mw_utf7_decoder_init(mw_utf7_decoder *dec)
{
    memset(dec, 0, sizeof(*dec));
}

mw_status mw_utf7_decode_update(mw_utf7_decoder *dec, const void *in,
                                size_t len, mw_buf *out)
{
    return dec_call(dec, in, len, 0, out);
}

mw_status mw_utf7_decode_final(mw_utf7_decoder *dec, mw_buf *out)
{
    return dec_call(dec, NULL, 0, 1, out);
}

uint64_t mw_utf7_decoder_error_offset(const mw_utf7_decoder *dec)
{
    return dec && dec->failed ? dec->error_offset : 0;
}

mw_status mw_utf7_decode(const void *in, size_t len, mw_buf *out,
                         size_t *error_offset_out)
{
    if (!out || (!in && len > 0))
        return MW_E_ARG;
    mw_utf7_decoder dec, trial;
    mw_utf7_decoder_init(&dec);
    mw_status st = run_pass(dec_pass, &dec, &trial, sizeof(trial),
                            (const uint8_t *)in, len, 1, out, 1);
    if (st == MW_E_ENCODING && error_offset_out)
        *error_offset_out = (size_t)dec.error_offset;
    return st;
}

/* ---- encoder ---------------------------------------------------------- */

static void enc_flush_sextets(mw_utf7_encoder *e, sink *s)
{
    while (e->nbits >= 6) {
        e->nbits -= 6;
        put(s, (uint8_t)b64_alphabet[(e->bits >> e->nbits) & 0x3F]);
    }
    e->bits &= (1u << e->nbits) - 1;
}

static void enc_unit(mw_utf7_encoder *e, uint32_t unit, sink *s)
{
    e->bits = (e->bits << 16) | unit;
    e->nbits += 16;
    enc_flush_sextets(e, s);
}

static void enc_open_run(mw_utf7_encoder *e, sink *s)
{
    if (e->in_b64)
        return;
    put(s, '&');
    e->in_b64 = 1;
    e->bits = 0;
    e->nbits = 0;
}

/* The last sextet is zero-padded, which the decoder insists on. */
static void enc_close_run(mw_utf7_encoder *e, sink *s)
{
    if (!e->in_b64)
        return;
    if (e->nbits > 0)
        put(s, (uint8_t)b64_alphabet[(e->bits << (6 - e->nbits)) & 0x3F]);
    put(s, '-');
    e->in_b64 = 0;
    e->bits = 0;
    e->nbits = 0;
}

static void enc_code_point(mw_utf7_encoder *e, uint32_t cp, sink *s)
{
    if (is_printable_ascii(cp)) {
        enc_close_run(e, s);
        put(s, (uint8_t)cp);
        if (cp == '&')
            put(s, '-');
        return;
    }
    enc_open_run(e, s);
    if (cp < 0x10000) {
        enc_unit(e, cp, s);
        return;
    }
    cp -= 0x10000;
    enc_unit(e, 0xD800 | (cp >> 10), s);
    enc_unit(e, 0xDC00 | (cp & 0x3FF), s);
}

/* Payload bits of a UTF-8 lead byte the validator has accepted. */
static uint32_t lead_bits(uint8_t b)
{
    if (b < 0x80)
        return b;
    if (b < 0xE0)
        return b & 0x1Fu;
    if (b < 0xF0)
        return b & 0x0Fu;
    return b & 0x07u;
}

static mw_status enc_byte(mw_utf7_encoder *e, uint8_t b, sink *s)
{
    int starts = e->utf8.need == 0;
    mw_status st = mw_utf8_validate_update(&e->utf8, &b, 1);
    if (st != MW_OK)
        return st;
    e->cp = starts ? lead_bits(b) : (e->cp << 6) | (b & 0x3Fu);
    if (e->utf8.need == 0)
        enc_code_point(e, e->cp, s);
    return MW_OK;
}

static mw_status enc_pass(void *state, const uint8_t *in, size_t len, int final,
                          sink *s)
{
    mw_utf7_encoder *e = (mw_utf7_encoder *)state;
    for (size_t i = 0; i < len; i++) {
        mw_status st = enc_byte(e, in[i], s);
        if (st != MW_OK)
            return st;
    }
    if (final) {
        mw_status st = mw_utf8_validate_final(&e->utf8);
        if (st != MW_OK)
            return st;
        enc_close_run(e, s);
    }
    return MW_OK;
}

static mw_status enc_call(mw_utf7_encoder *enc, const void *in, size_t len,
                          int final, mw_buf *out)
{
    if (!enc || !out || (!in && len > 0))
        return MW_E_ARG;
    if (enc->utf8.failed)
        return MW_E_ENCODING;
    mw_utf7_encoder trial;
    return run_pass(enc_pass, enc, &trial, sizeof(trial), (const uint8_t *)in,
                    len, final, out, 0);
}

void mw_utf7_encoder_init(mw_utf7_encoder *enc)
{
    memset(enc, 0, sizeof(*enc));
    mw_utf8_validator_init(&enc->utf8);
}

mw_status mw_utf7_encode_update(mw_utf7_encoder *enc, const void *in,
                                size_t len, mw_buf *out)
{
    return enc_call(enc, in, len, 0, out);
}

mw_status mw_utf7_encode_final(mw_utf7_encoder *enc, mw_buf *out)
{
    return enc_call(enc, NULL, 0, 1, out);
}

uint64_t mw_utf7_encoder_error_offset(const mw_utf7_encoder *enc)
{
    return enc ? mw_utf8_validator_error_offset(&enc->utf8) : 0;
}

mw_status mw_utf7_encode(const void *in, size_t len, mw_buf *out,
                         size_t *error_offset_out)
{
    if (!out || (!in && len > 0))
        return MW_E_ARG;
    mw_utf7_encoder enc, trial;
    mw_utf7_encoder_init(&enc);
    mw_status st = run_pass(enc_pass, &enc, &trial, sizeof(trial),
                            (const uint8_t *)in, len, 1, out, 1);
    if (st == MW_E_ENCODING && error_offset_out)
        *error_offset_out = (size_t)mw_utf7_encoder_error_offset(&enc);
    return st;
}
