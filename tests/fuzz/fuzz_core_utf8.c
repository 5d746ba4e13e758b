/* UTF-8 validator: whole input vs chunked (first byte selects the split)
 * vs one-shot vs a reference that decodes first and checks the value
 * afterwards, the opposite of the library's byte-range approach. */
#include "mailwire/mailwire.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns 1 when valid; otherwise 0 with *bad at the sequence start. */
static int reference_valid(const uint8_t *p, size_t len, size_t *bad)
{
    static const uint32_t min_value[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t i = 0;
    while (i < len) {
        uint8_t b = p[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xC0 && b < 0xE0) {
            n = 2;
            cp = b & 0x1Fu;
        } else if (b >= 0xE0 && b < 0xF0) {
            n = 3;
            cp = b & 0x0Fu;
        } else if (b >= 0xF0 && b < 0xF8) {
            n = 4;
            cp = b & 0x07u;
        } else {
            *bad = i;
            return 0;
        }
        for (size_t k = 1; k < n; k++) {
            if (i + k >= len || (p[i + k] & 0xC0) != 0x80) {
                *bad = i;
                return 0;
            }
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if (cp < min_value[n] || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

/* Feed in chunks chosen by the selector; returns the final status. */
static mw_status run_chunked(mw_utf8_validator *v, uint8_t selector,
                             const uint8_t *p, size_t len)
{
    mw_utf8_validator_init(v);
    size_t at = 0;
    for (size_t i = 0; at < len; i++) {
        size_t n = fuzz_chunk_len(selector, i);
        if (n > len - at)
            n = len - at;
        mw_status st = mw_utf8_validate_update(v, p + at, n);
        if (st != MW_OK)
            return st;
        at += n;
    }
    return mw_utf8_validate_final(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t selector = data[0];
    const uint8_t *p = data + 1;
    size_t len = size - 1;

    size_t ref_bad = 0;
    int ref_ok = reference_valid(p, len, &ref_bad);

    mw_utf8_validator whole, chunked;
    mw_status st_whole = run_chunked(&whole, 0, p, len);
    mw_status st_chunked = run_chunked(&chunked, selector, p, len);
    FUZZ_CHECK(st_whole == (ref_ok ? MW_OK : MW_E_ENCODING));
    FUZZ_CHECK(st_chunked == st_whole);

    size_t one_shot_bad = (size_t)-1;
    FUZZ_CHECK(mw_utf8_is_valid(p, len, &one_shot_bad) == ref_ok);
    if (!ref_ok) {
        FUZZ_CHECK(mw_utf8_validator_error_offset(&whole) == ref_bad);
        FUZZ_CHECK(mw_utf8_validator_error_offset(&chunked) == ref_bad);
        FUZZ_CHECK(one_shot_bad == ref_bad);
        /* Sticky: more valid input does not clear the error. */
        FUZZ_CHECK(mw_utf8_validate_update(&whole, "a", 1) == MW_E_ENCODING);
        FUZZ_CHECK(mw_utf8_validate_final(&whole) == MW_E_ENCODING);
    }
    return 0;
}
