/* Modified UTF-7: the first byte selects a chunking, the rest is used both
 * as UTF-8 to encode and as modified UTF-7 to decode.
 *  - encode fails exactly when the UTF-8 validator does, at its offset;
 *    otherwise the output is printable ASCII and decodes back exactly;
 *  - decode never crashes; on success its output is valid UTF-8 and
 *    re-encodes to the very same bytes (the decoder only accepts the one
 *    minimal spelling);
 *  - chunked streaming gives the same bytes, status and offset as whole. */
#include <stdlib.h>

#include "mailwire/mailwire.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct result {
    mw_status status;
    uint64_t error_offset;
    mw_buf out;
} result;

static void feed_encoder(uint8_t selector, const uint8_t *p, size_t len,
                         result *r)
{
    mw_utf7_encoder enc;
    mw_utf7_encoder_init(&enc);
    mw_buf_init_growable(&r->out, NULL, 0);
    r->status = MW_OK;
    size_t at = 0;
    for (size_t i = 0; at < len && r->status == MW_OK; i++) {
        size_t n = fuzz_chunk_len(selector, i);
        if (n > len - at)
            n = len - at;
        r->status = mw_utf7_encode_update(&enc, p + at, n, &r->out);
        at += n;
    }
    if (r->status == MW_OK)
        r->status = mw_utf7_encode_final(&enc, &r->out);
    r->error_offset = mw_utf7_encoder_error_offset(&enc);
}

static void feed_decoder(uint8_t selector, const uint8_t *p, size_t len,
                         result *r)
{
    mw_utf7_decoder dec;
    mw_utf7_decoder_init(&dec);
    mw_buf_init_growable(&r->out, NULL, 0);
    r->status = MW_OK;
    size_t at = 0;
    for (size_t i = 0; at < len && r->status == MW_OK; i++) {
        size_t n = fuzz_chunk_len(selector, i);
        if (n > len - at)
            n = len - at;
        r->status = mw_utf7_decode_update(&dec, p + at, n, &r->out);
        at += n;
    }
    if (r->status == MW_OK)
        r->status = mw_utf7_decode_final(&dec, &r->out);
    r->error_offset = mw_utf7_decoder_error_offset(&dec);
}

static int same_bytes(const mw_buf *a, const void *b, size_t len)
{
    return a->len == len && (len == 0 || memcmp(a->data, b, len) == 0);
}

static void check_same(const result *a, const result *b)
{
    FUZZ_CHECK(a->status == b->status);
    FUZZ_CHECK(a->error_offset == b->error_offset);
    FUZZ_CHECK(same_bytes(&a->out, b->out.data, b->out.len));
}

static void check_encode(uint8_t selector, const uint8_t *p, size_t len)
{
    size_t bad = 0;
    int valid = mw_utf8_is_valid(p, len, &bad);
    result whole, chunked;
    feed_encoder(0, p, len, &whole);
    feed_encoder(selector, p, len, &chunked);
    check_same(&whole, &chunked);
    FUZZ_CHECK(whole.status == (valid ? MW_OK : MW_E_ENCODING));
    if (!valid)
        FUZZ_CHECK(whole.error_offset == bad);
    for (size_t i = 0; i < whole.out.len; i++)
        FUZZ_CHECK(whole.out.data[i] >= 0x20 && whole.out.data[i] <= 0x7E);

    mw_buf one_shot;
    mw_buf_init_growable(&one_shot, NULL, 0);
    size_t one_shot_bad = (size_t)-1;
    mw_status st = mw_utf7_encode(p, len, &one_shot, &one_shot_bad);
    FUZZ_CHECK(st == whole.status);
    if (valid) {
        FUZZ_CHECK(same_bytes(&one_shot, whole.out.data, whole.out.len));
        mw_buf back;
        mw_buf_init_growable(&back, NULL, 0);
        FUZZ_CHECK(mw_utf7_decode(whole.out.data, whole.out.len, &back, NULL) ==
                   MW_OK);
        FUZZ_CHECK(same_bytes(&back, p, len));
        mw_buf_free(&back);
    } else {
        FUZZ_CHECK(one_shot.len == 0);
        FUZZ_CHECK(one_shot_bad == bad);
    }
    mw_buf_free(&one_shot);
    mw_buf_free(&whole.out);
    mw_buf_free(&chunked.out);
}

static void check_decode(uint8_t selector, const uint8_t *p, size_t len)
{
    result whole, chunked;
    feed_decoder(0, p, len, &whole);
    feed_decoder(selector, p, len, &chunked);
    check_same(&whole, &chunked);
    FUZZ_CHECK(whole.status == MW_OK || whole.status == MW_E_ENCODING);
    /* Every error names a byte of the input: the bad one or the '&'. */
    if (whole.status == MW_E_ENCODING)
        FUZZ_CHECK(whole.error_offset < len);

    mw_buf one_shot;
    mw_buf_init_growable(&one_shot, NULL, 0);
    size_t one_shot_bad = (size_t)-1;
    FUZZ_CHECK(mw_utf7_decode(p, len, &one_shot, &one_shot_bad) ==
               whole.status);
    if (whole.status == MW_OK) {
        FUZZ_CHECK(same_bytes(&one_shot, whole.out.data, whole.out.len));
        FUZZ_CHECK(mw_utf8_is_valid(whole.out.data, whole.out.len, NULL));
        mw_buf again;
        mw_buf_init_growable(&again, NULL, 0);
        FUZZ_CHECK(mw_utf7_encode(whole.out.data, whole.out.len, &again,
                                  NULL) == MW_OK);
        FUZZ_CHECK(same_bytes(&again, p, len));
        mw_buf_free(&again);
    } else {
        FUZZ_CHECK(one_shot.len == 0);
        FUZZ_CHECK(one_shot_bad == whole.error_offset);
    }
    mw_buf_free(&one_shot);
    mw_buf_free(&whole.out);
    mw_buf_free(&chunked.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    check_encode(data[0], data + 1, size - 1);
    check_decode(data[0], data + 1, size - 1);
    return 0;
}
