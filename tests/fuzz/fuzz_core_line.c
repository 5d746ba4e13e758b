/* Line reader on arbitrary bytes: the lines, flags, limit events and final
 * state must not depend on how the input is chunked, and without an
 * over-long line the lines with their line ends plus the pending tail must
 * give back the input.
 *
 * Input: [chunk selector] [config: bit 0 LF_ENDS, bit 1 SKIP_LONG,
 * bits 2..7 capacity 0..63] [stream bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/stream.h"

static void put(mw_buf *log, const void *p, size_t n)
{
    FUZZ_CHECK(mw_buf_append(log, p, n) == MW_OK);
}

static void put_u64(mw_buf *log, uint64_t v)
{
    put(log, &v, sizeof(v));
}

static int has_crlf(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n')
            return 1;
    return 0;
}

/* Logs the events in \p log and the lines with their line ends in
 * \p again; returns 1 when a line was too long (and so dropped). */
static int run(const char *in, size_t n, uint8_t selector, uint8_t config,
               mw_buf *log, mw_buf *again)
{
    size_t cap = (size_t)(config >> 2);
    uint32_t flags = 0;
    if (config & 1)
        flags |= MW_LINE_LF_ENDS;
    if (config & 2)
        flags |= MW_LINE_SKIP_LONG;
    char *mem = cap ? malloc(cap) : NULL;
    FUZZ_CHECK(cap == 0 || mem != NULL);
    mw_line_reader r;
    mw_line_reader_init(&r, mem, cap, flags);
    int dropped = 0;

    size_t start = 0;
    for (size_t i = 0; start < n || i == 0; i++) {
        size_t k = fuzz_chunk_len(selector, i);
        if (k > n - start)
            k = n - start;
        size_t pos = 0;
        for (;;) {
            size_t used = 0;
            mw_span line;
            uint32_t fl = 0;
            mw_status st = mw_line_reader_next(&r, in + start + pos, k - pos,
                                               &used, &line, &fl);
            FUZZ_CHECK(used <= k - pos);
            pos += used;
            if (st == MW_NEED_MORE) {
                FUZZ_CHECK(pos == k);
                break;
            }
            if (st == MW_E_LIMIT) {
                FUZZ_CHECK(!(flags & MW_LINE_SKIP_LONG));
                dropped = 1;
                put(log, "L", 1);
                put_u64(log, mw_line_reader_error_offset(&r));
                FUZZ_CHECK(mw_line_reader_skip_line(&r) == MW_OK);
                continue;
            }
            FUZZ_CHECK(st == MW_OK);
            size_t end_len = (fl & MW_LINE_CRLF) ? 2 : 1;
            FUZZ_CHECK(((fl & MW_LINE_CRLF) != 0) + ((fl & MW_LINE_LF) != 0) ==
                       1);
            FUZZ_CHECK(line.len + end_len <= cap || (fl & MW_LINE_OVERLONG));
            FUZZ_CHECK(!has_crlf(line.ptr, line.len));
            if (flags & MW_LINE_LF_ENDS)
                FUZZ_CHECK(memchr(line.ptr, '\n', line.len) == NULL);
            else
                FUZZ_CHECK(!(fl & MW_LINE_LF));
            FUZZ_CHECK(((fl & MW_LINE_BARE_LF) != 0) ==
                       (memchr(line.ptr, '\n', line.len) != NULL));
            FUZZ_CHECK(((fl & MW_LINE_BARE_CR) != 0) ==
                       (memchr(line.ptr, '\r', line.len) != NULL));
            FUZZ_CHECK(((fl & MW_LINE_NUL) != 0) ==
                       (memchr(line.ptr, 0, line.len) != NULL));
            put(log, "O", 1);
            put(log, &fl, sizeof(fl));
            put_u64(log, line.len);
            put(log, line.ptr, line.len);
            if (fl & MW_LINE_OVERLONG) {
                dropped = 1;
                put_u64(log, mw_line_reader_error_offset(&r));
                continue;
            }
            put(again, line.ptr, line.len);
            put(again, (fl & MW_LINE_CRLF) ? "\r\n" : "\n", end_len);
        }
        start += k;
    }
    FUZZ_CHECK(mw_line_reader_offset(&r) == n);
    size_t pending = mw_line_reader_pending(&r);
    FUZZ_CHECK(pending <= n);
    put_u64(log, pending);
    put(again, in + n - pending, pending);
    free(mem);
    return dropped;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t selector = data[0];
    uint8_t config = data[1];
    const char *in = (const char *)data + 2;
    size_t n = size - 2;

    mw_buf whole, chunked, again, ignored;
    mw_buf_init_growable(&whole, NULL, 0);
    mw_buf_init_growable(&chunked, NULL, 0);
    mw_buf_init_growable(&again, NULL, 0);
    mw_buf_init_growable(&ignored, NULL, 0);
    int dropped = run(in, n, 0, config, &whole, &again);
    (void)run(in, n, selector ? selector : 1, config, &chunked, &ignored);
    FUZZ_CHECK(whole.len == chunked.len);
    FUZZ_CHECK(whole.len == 0 ||
               memcmp(whole.data, chunked.data, whole.len) == 0);
    /* Nothing was dropped: the lines give back the input exactly, except
     * for a long last line being skipped silently (MW_LINE_SKIP_LONG). */
    if (!dropped) {
        FUZZ_CHECK(again.len <= n);
        FUZZ_CHECK(again.len == 0 || memcmp(again.data, in, again.len) == 0);
        if (again.len != n)
            FUZZ_CHECK((config & 2) && n - again.len >= (size_t)(config >> 2));
    }
    mw_buf_free(&whole);
    mw_buf_free(&chunked);
    mw_buf_free(&again);
    mw_buf_free(&ignored);
    return 0;
}
