#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

void mwt_log(mw_buf *log, const char *text)
{
    assert_int_equal(mw_buf_append_str(log, text), MW_OK);
}

void mwt_run_split(const mwt_stream_ops *ops, const void *cfg, const char *in,
                   size_t len, const size_t *cuts, size_t n_cuts, mw_buf *log)
{
    void *state = ops->create(cfg);
    assert_non_null(state);
    size_t start = 0;
    mw_status st = MW_OK;
    for (size_t i = 0; i <= n_cuts && st == MW_OK; i++) {
        size_t end = i < n_cuts ? cuts[i] : len;
        if (end < start)
            end = start;
        /* Never form in + start from a NULL input (UB even when 0). */
        st = ops->update(state, in ? in + start : in, end - start, log);
        start = end;
    }
    if (st == MW_OK)
        st = ops->finish(state, log);
    if (st != MW_OK) {
        mwt_log(log, "!");
        mwt_log(log, mw_status_name(st));
    }
    ops->destroy(state);
}

void mwt_assert_bytes(const char *what, const void *got, size_t got_len,
                      const void *want, size_t want_len)
{
    if (got_len == want_len &&
        (got_len == 0 || memcmp(got, want, got_len) == 0))
        return;
    fail_msg("%s differs:\n got  (%zu): %.*s\n want (%zu): %.*s", what, got_len,
             (int)(got_len > 2000 ? 2000 : got_len), (const char *)got,
             want_len, (int)(want_len > 2000 ? 2000 : want_len),
             (const char *)want);
}

static void check_against(const mwt_stream_ops *ops, const void *cfg,
                          const char *in, size_t len, const size_t *cuts,
                          size_t n_cuts, const mw_buf *whole, const char *how)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_run_split(ops, cfg, in, len, cuts, n_cuts, &log);
    mwt_assert_bytes(how, log.data, log.len, whole->data, whole->len);
    mw_buf_free(&log);
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void mwt_check_chunking(const mwt_stream_ops *ops, const void *cfg,
                        const char *in, size_t len, mw_buf *whole_out)
{
    mwt_run_split(ops, cfg, in, len, NULL, 0, whole_out);

    size_t *cuts = malloc((len + 1) * sizeof(size_t));
    assert_non_null(cuts);
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    check_against(ops, cfg, in, len, cuts, len, whole_out, "byte by byte");

    if (len <= 4096) {
        for (size_t at = 1; at < len; at++)
            check_against(ops, cfg, in, len, &at, 1, whole_out,
                          "split at one offset");
    } else {
        uint64_t seed = 0x5eed0000u ^ len;
        for (int round = 0; round < 64; round++) {
            size_t n = 1 + (size_t)(xorshift(&seed) % 32);
            for (size_t i = 0; i < n; i++)
                cuts[i] = (size_t)(xorshift(&seed) % (len + 1));
            qsort(cuts, n, sizeof(size_t), compare_size);
            check_against(ops, cfg, in, len, cuts, n, whole_out,
                          "seeded random split");
        }
    }
    free(cuts);
}
