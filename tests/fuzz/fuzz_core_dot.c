/* Dot-stuffing and dot-unstuffing.
 *
 * 1. The reader on arbitrary bytes: body, end position and defects must not
 *    depend on the chunking, and the end is only ever a real end marker.
 * 2. Round trip: stuffing the input (any chunking) never emits a bare CR or
 *    LF, and unstuffing it gives the CRLF-normalised input with MW_DONE
 *    exactly at the end of the stuffed bytes.
 *
 * Input: [chunk selector] [mode: bit 0 MW_DOT_LF_ENDS] [bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/stream.h"

typedef struct dot_result {
    int done;
    uint64_t done_at;
    uint32_t defects;
    uint64_t defect_offset;
} dot_result;

static size_t chunk(uint8_t selector, size_t i, size_t left)
{
    size_t k = fuzz_chunk_len(selector, i);
    return k > left ? left : k;
}

static void read_dot(const char *in, size_t n, uint8_t selector, uint32_t flags,
                     mw_buf *body, dot_result *res)
{
    mw_dot_reader r;
    mw_dot_reader_init(&r, flags);
    memset(res, 0, sizeof(*res));
    size_t start = 0;
    for (size_t i = 0; (start < n || i == 0) && !res->done; i++) {
        size_t k = chunk(selector, i, n - start);
        const char *p = in + start;
        size_t pos = 0;
        for (;;) {
            size_t used = 0;
            mw_span data;
            mw_status st =
                mw_dot_reader_next(&r, p + pos, k - pos, &used, &data);
            FUZZ_CHECK(used <= k - pos);
            pos += used;
            if (st == MW_OK) {
                FUZZ_CHECK(data.len > 0);
                int inside = data.ptr >= p && data.ptr + data.len <= p + k;
                FUZZ_CHECK(inside || (data.len == 1 && data.ptr[0] == '\r'));
                FUZZ_CHECK(mw_buf_append(body, data.ptr, data.len) == MW_OK);
                continue;
            }
            if (st == MW_NEED_MORE) {
                FUZZ_CHECK(pos == k && data.len == 0);
                break;
            }
            FUZZ_CHECK(st == MW_DONE);
            res->done = 1;
            res->done_at = start + pos;
            FUZZ_CHECK(mw_dot_reader_offset(&r) == res->done_at);
            break;
        }
        start += k;
    }
    res->defects = mw_dot_reader_defects(&r);
    res->defect_offset = res->defects ? mw_dot_reader_defect_offset(&r) : 0;
}

static int same(const mw_buf *a, const mw_buf *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int ends_with(const char *p, size_t n, const char *tail, size_t k)
{
    return n >= k && memcmp(p + n - k, tail, k) == 0;
}

static int has_bare_line_end(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
            return 1;
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            return 1;
    }
    return 0;
}

static void check_reader(const char *in, size_t n, uint8_t selector,
                         uint32_t flags)
{
    mw_buf whole, chunked;
    mw_buf_init_growable(&whole, NULL, 0);
    mw_buf_init_growable(&chunked, NULL, 0);
    dot_result a, b;
    read_dot(in, n, 0, flags, &whole, &a);
    read_dot(in, n, selector ? selector : 1, flags, &chunked, &b);
    FUZZ_CHECK(same(&whole, &chunked));
    FUZZ_CHECK(a.done == b.done && a.done_at == b.done_at);
    FUZZ_CHECK(a.defects == b.defects && a.defect_offset == b.defect_offset);
    FUZZ_CHECK(whole.len <= n);
    if (a.done) {
        size_t at = (size_t)a.done_at;
        FUZZ_CHECK(at <= n);
        if (flags & MW_DOT_LF_ENDS) {
            FUZZ_CHECK(ends_with(in, at, ".\r\n", 3) ||
                       ends_with(in, at, ".\n", 2));
        } else {
            /* Strict: only CRLF "." CRLF, or ".\r\n" as the whole body. */
            FUZZ_CHECK(ends_with(in, at, "\r\n.\r\n", 5) ||
                       (at == 3 && memcmp(in, ".\r\n", 3) == 0));
        }
    }
    if (!(flags & MW_DOT_LF_ENDS) && a.defects == 0)
        FUZZ_CHECK(!has_bare_line_end(whole.data, whole.len) ||
                   !a.done); /* an unfinished body may end in a CR */
    mw_buf_free(&whole);
    mw_buf_free(&chunked);
}

static void stuff(const char *in, size_t n, uint8_t selector, mw_buf *out)
{
    mw_dot_writer w;
    mw_dot_writer_init(&w);
    size_t start = 0;
    for (size_t i = 0; start < n; i++) {
        size_t k = chunk(selector, i, n - start);
        FUZZ_CHECK(mw_dot_writer_update(&w, in + start, k, out) == MW_OK);
        start += k;
    }
    FUZZ_CHECK(mw_dot_writer_final(&w, out) == MW_OK);
}

static void normalise_crlf(const char *in, size_t n, mw_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
            i++;
        if (in[i] == '\r' || in[i] == '\n')
            FUZZ_CHECK(mw_buf_append(out, "\r\n", 2) == MW_OK);
        else
            FUZZ_CHECK(mw_buf_append(out, in + i, 1) == MW_OK);
    }
    if (out->len > 0 && out->data[out->len - 1] != '\n')
        FUZZ_CHECK(mw_buf_append(out, "\r\n", 2) == MW_OK);
}

static void check_round_trip(const char *in, size_t n, uint8_t selector)
{
    mw_buf whole, chunked, want, body;
    mw_buf_init_growable(&whole, NULL, 0);
    mw_buf_init_growable(&chunked, NULL, 0);
    mw_buf_init_growable(&want, NULL, 0);
    mw_buf_init_growable(&body, NULL, 0);
    stuff(in, n, 0, &whole);
    stuff(in, n, selector ? selector : 1, &chunked);
    FUZZ_CHECK(same(&whole, &chunked));
    FUZZ_CHECK(whole.len <= mw_dot_writer_bound(n));
    FUZZ_CHECK(!has_bare_line_end(whole.data, whole.len));

    dot_result res;
    read_dot(whole.data, whole.len, selector, 0, &body, &res);
    normalise_crlf(in, n, &want);
    FUZZ_CHECK(same(&body, &want));
    FUZZ_CHECK(res.done && res.done_at == whole.len);
    FUZZ_CHECK(res.defects == 0);
    mw_buf_free(&whole);
    mw_buf_free(&chunked);
    mw_buf_free(&want);
    mw_buf_free(&body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t selector = data[0];
    uint32_t flags = (data[1] & 1) ? MW_DOT_LF_ENDS : 0;
    const char *in = (const char *)data + 2;
    size_t n = size - 2;
    check_reader(in, n, selector, flags);
    check_round_trip(in, n, selector);
    return 0;
}
