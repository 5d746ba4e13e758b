/* Streaming UTF-8 validation (RFC 3629).
 *
 * Instead of decoding and then checking the value, each lead byte narrows
 * the range its first continuation byte may take (the table in RFC 3629
 * section 4). That rejects overlong forms, surrogates and values above
 * U+10FFFF at the second byte, needs no code point accumulator, and makes
 * the error offset the lead byte in every case. */
#include <string.h>

#include "mw_int.h"

/* Set up the expectations of the sequence led by \p b; 0 when \p b cannot
 * lead one (continuation bytes, the overlong leads C0/C1, F5..FF). */
static int start_sequence(mw_utf8_validator *v, uint8_t b)
{
    v->lo = 0x80;
    v->hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        v->need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        v->need = 2;
        if (b == 0xE0)
            v->lo = 0xA0; /* below is overlong */
        else if (b == 0xED)
            v->hi = 0x9F; /* above is a surrogate */
    } else if (b >= 0xF0 && b <= 0xF4) {
        v->need = 3;
        if (b == 0xF0)
            v->lo = 0x90; /* below is overlong */
        else if (b == 0xF4)
            v->hi = 0x8F; /* above is beyond U+10FFFF */
    } else {
        return 0;
    }
    v->seq_start = v->offset;
    return 1;
}

static mw_status fail_at(mw_utf8_validator *v, uint64_t offset)
{
    v->failed = 1;
    v->error_offset = offset;
    return MW_E_ENCODING;
}

static mw_status validate_byte(mw_utf8_validator *v, uint8_t b)
{
    if (v->need == 0) {
        if (b < 0x80 || start_sequence(v, b))
            return MW_OK;
        return fail_at(v, v->offset);
    }
    if (b < v->lo || b > v->hi)
        return fail_at(v, v->seq_start);
    v->need--;
    v->lo = 0x80;
    v->hi = 0xBF;
    return MW_OK;
}

void mw_utf8_validator_init(mw_utf8_validator *v)
{
    memset(v, 0, sizeof(*v));
}

mw_status mw_utf8_validate_update(mw_utf8_validator *v, const void *in,
                                  size_t len)
{
    if (!v || (!in && len > 0))
        return MW_E_ARG;
    if (v->failed)
        return MW_E_ENCODING;
    const uint8_t *p = (const uint8_t *)in;
    for (size_t i = 0; i < len; i++) {
        mw_status st = validate_byte(v, p[i]);
        if (st != MW_OK)
            return st;
        v->offset++;
    }
    return MW_OK;
}

mw_status mw_utf8_validate_final(mw_utf8_validator *v)
{
    if (!v)
        return MW_E_ARG;
    if (v->failed)
        return MW_E_ENCODING;
    if (v->need > 0)
        return fail_at(v, v->seq_start);
    return MW_OK;
}

uint64_t mw_utf8_validator_error_offset(const mw_utf8_validator *v)
{
    return v && v->failed ? v->error_offset : 0;
}

int mw_utf8_is_valid(const void *in, size_t len, size_t *error_offset_out)
{
    mw_utf8_validator v;
    mw_utf8_validator_init(&v);
    mw_status st = mw_utf8_validate_update(&v, in, len);
    if (st == MW_OK)
        st = mw_utf8_validate_final(&v);
    if (st == MW_OK)
        return 1;
    if (error_offset_out)
        *error_offset_out = (size_t)mw_utf8_validator_error_offset(&v);
    return 0;
}
