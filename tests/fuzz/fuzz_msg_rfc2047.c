/* RFC 2047 decoding (no crash, valid UTF-8 out, all-or-nothing on a
 * small fixed buffer), encode -> decode round trip of what was decoded,
 * plus the RFC 2231 parameter getter and the msg-id iterator on the
 * same bytes. */
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/msg.h"

static int has_line_break(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return 1;
    return 0;
}

static void check_round_trip(const mw_buf *dec, uint32_t flags)
{
    mw_buf enc, back;
    if (has_line_break(dec->data, dec->len))
        return;
    mw_buf_init_growable(&enc, NULL, 0);
    mw_buf_init_growable(&back, NULL, 0);
    FUZZ_CHECK(mw_rfc2047_encode(dec->data, dec->len, flags, 0, &enc) == MW_OK);
    FUZZ_CHECK(mw_rfc2047_decode(enc.data, enc.len, NULL, &back, NULL) ==
               MW_OK);
    FUZZ_CHECK(back.len == dec->len);
    FUZZ_CHECK(dec->len == 0 || memcmp(back.data, dec->data, dec->len) == 0);
    mw_buf_free(&enc);
    mw_buf_free(&back);
}

static void check_small_buffer(const char *in, size_t size, const mw_buf *dec)
{
    char mem[32];
    mw_buf small;
    mw_buf_init_fixed(&small, mem, sizeof(mem));
    mw_status st = mw_rfc2047_decode(in, size, NULL, &small, NULL);
    if (st == MW_OK) {
        FUZZ_CHECK(small.len == dec->len);
        FUZZ_CHECK(dec->len == 0 ||
                   memcmp(small.data, dec->data, dec->len) == 0);
    } else {
        FUZZ_CHECK(st == MW_E_NOSPACE && small.len == 0);
        FUZZ_CHECK(small.needed >= dec->len);
    }
}

static void check_params(const char *in, size_t size)
{
    mw_buf out;
    uint32_t fl;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_mime_param_get(in, size, "filename", NULL, &out, &fl);
    FUZZ_CHECK(st == MW_OK || st == MW_DONE);
    FUZZ_CHECK(mw_utf8_is_valid(out.data, out.len, NULL));
    mw_buf_free(&out);
    mw_param_iter it;
    mw_span n, v;
    mw_param_iter_init(&it, in, size);
    while (mw_param_next(&it, &n, &v, &fl) == MW_OK)
        FUZZ_CHECK(n.len > 0 && n.ptr >= in && v.ptr + v.len <= in + size);
    mw_msgid_iter mi;
    mw_msgid_iter_init(&mi, in, size);
    while (mw_msgid_next(&mi, &v, &fl) == MW_OK)
        FUZZ_CHECK(v.ptr >= in && v.ptr + v.len <= in + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    uint32_t flags = 0;
    mw_buf dec;
    mw_buf_init_growable(&dec, NULL, 0);
    FUZZ_CHECK(mw_rfc2047_decode(in, size, NULL, &dec, &flags) == MW_OK);
    FUZZ_CHECK(mw_utf8_is_valid(dec.data, dec.len, NULL));
    check_small_buffer(in, size, &dec);
    check_round_trip(&dec, size ? (uint32_t)(data[0] & 3u) : 0u);
    mw_buf_free(&dec);
    check_params(in, size);
    return 0;
}
