/* The shared CRLF line assembler (mw_line_reader): line ends, bare CR/LF,
 * chunking independence, zero-copy views, the length limit and recovery
 * from an over-long line. */
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/stream.h"

#define S(lit) lit, sizeof(lit) - 1

/* ------------------------------------------------------------------ */
/* Stream wrapper: every line logged as text{FLAGS}                     */
/* ------------------------------------------------------------------ */

typedef struct line_cfg {
    size_t cap;
    uint32_t flags;
    int recover; /* call mw_line_reader_skip_line() after MW_E_LIMIT */
} line_cfg;

typedef struct line_run {
    mw_line_reader r;
    char *mem;
    line_cfg cfg;
} line_run;

static void *line_create(const void *cfg)
{
    line_run *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->cfg = *(const line_cfg *)cfg;
    s->mem = s->cfg.cap ? malloc(s->cfg.cap) : NULL;
    mw_line_reader_init(&s->r, s->mem, s->cfg.cap, s->cfg.flags);
    return s;
}

static void line_destroy(void *state)
{
    line_run *s = state;
    free(s->mem);
    free(s);
}

static void log_u64(mw_buf *log, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        assert_int_equal(mw_buf_append_byte(log, (uint8_t)tmp[--n]), MW_OK);
}

static void log_flags(mw_buf *log, uint32_t f, const mw_line_reader *r)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{MW_LINE_OVERLONG, "OVERLONG"},
                 {MW_LINE_CRLF, "CRLF"},
                 {MW_LINE_LF, "LF"},
                 {MW_LINE_BARE_LF, "BARE_LF"},
                 {MW_LINE_BARE_CR, "BARE_CR"},
                 {MW_LINE_NUL, "NUL"}};
    mwt_log(log, "{");
    int first = 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(f & names[i].bit))
            continue;
        if (!first)
            mwt_log(log, ",");
        first = 0;
        mwt_log(log, names[i].name);
        if (names[i].bit == MW_LINE_OVERLONG) {
            mwt_log(log, "@");
            log_u64(log, mw_line_reader_error_offset(r));
        }
    }
    mwt_log(log, "}");
}

static int points_into(const char *p, const void *base, size_t n)
{
    const char *b = base;
    return p >= b && p <= b + n;
}

static mw_status line_update(void *state, const char *in, size_t len,
                             mw_buf *log)
{
    line_run *s = state;
    size_t pos = 0;
    for (;;) {
        size_t used = 99;
        mw_span line;
        uint32_t fl = 0;
        mw_status st =
            mw_line_reader_next(&s->r, in + pos, len - pos, &used, &line, &fl);
        assert_true(used <= len - pos);
        pos += used;
        if (st == MW_OK) {
            /* The line is a view into this chunk or into the storage. */
            assert_true(line.len == 0 || points_into(line.ptr, in, len) ||
                        points_into(line.ptr, s->mem, s->cfg.cap));
            assert_true(line.len + 1 <= s->cfg.cap || s->cfg.cap == 0);
            assert_int_equal(mw_buf_append(log, line.ptr, line.len), MW_OK);
            log_flags(log, fl, &s->r);
            continue;
        }
        if (st == MW_NEED_MORE) {
            assert_int_equal(pos, len);
            return MW_OK;
        }
        if (st == MW_E_LIMIT) {
            mwt_log(log, "{LIMIT@");
            log_u64(log, mw_line_reader_error_offset(&s->r));
            mwt_log(log, "}");
            if (s->cfg.recover) {
                assert_int_equal(mw_line_reader_skip_line(&s->r), MW_OK);
                continue;
            }
        }
        return st;
    }
}

static mw_status line_finish(void *state, mw_buf *log)
{
    line_run *s = state;
    mwt_log(log, "{pending=");
    log_u64(log, mw_line_reader_pending(&s->r));
    mwt_log(log, ",offset=");
    log_u64(log, mw_line_reader_offset(&s->r));
    mwt_log(log, "}");
    return MW_OK;
}

static const mwt_stream_ops line_ops = {line_create, line_update, line_finish,
                                        line_destroy};

/* Runs the reader on every chunking and checks the whole-input log. */
static void expect_lines(size_t cap, uint32_t flags, int recover,
                         const char *in, size_t len, const char *want,
                         size_t want_len)
{
    line_cfg cfg = {cap, flags, recover};
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&line_ops, &cfg, in, len, &log);
    mwt_assert_bytes("line log", log.data, log.len, want, want_len);
    mw_buf_free(&log);
}

/* ------------------------------------------------------------------ */
/* Line ends                                                            */
/* ------------------------------------------------------------------ */

static void test_crlf_lines_and_partial_tail(void **state)
{
    (void)state;
    expect_lines(64, 0, 0, S("EHLO a\r\n\r\nMAIL FROM:<>\r\nRCPT"),
                 S("EHLO a{CRLF}{CRLF}MAIL FROM:<>{CRLF}"
                   "{pending=4,offset=28}"));
}

static void test_bare_lf_and_cr_are_data_in_strict_mode(void **state)
{
    (void)state;
    expect_lines(64, 0, 0, S("a\nb\r\nc\rd\r\ne\r\r\n\n\r\n"),
                 S("a\nb{CRLF,BARE_LF}c\rd{CRLF,BARE_CR}e\r{CRLF,BARE_CR}"
                   "\n{CRLF,BARE_LF}{pending=0,offset=17}"));
}

static void test_nul_byte_is_flagged(void **state)
{
    (void)state;
    expect_lines(16, 0, 0, S("a\0b\r\nok\r\n"),
                 S("a\0b{CRLF,NUL}ok{CRLF}{pending=0,offset=9}"));
}

static void test_lenient_mode_ends_lines_at_bare_lf(void **state)
{
    (void)state;
    expect_lines(64, MW_LINE_LF_ENDS, 0, S("+OK\nx\r\ny\rz\n\n.\r\n"),
                 S("+OK{LF}x{CRLF}y\rz{LF,BARE_CR}{LF}.{CRLF}"
                   "{pending=0,offset=15}"));
}

static void test_trailing_cr_is_carried_as_first_half_of_crlf(void **state)
{
    (void)state;
    char storage[16];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, sizeof(storage), 0);
    size_t used;
    mw_span line;
    uint32_t fl;
    assert_int_equal(mw_line_reader_next(&r, S("QUIT\r"), &used, &line, &fl),
                     MW_NEED_MORE);
    assert_int_equal(used, 5);
    assert_int_equal(mw_line_reader_pending(&r), 5);
    assert_int_equal(
        mw_line_reader_next(&r, S("\nNOOP\r\n"), &used, &line, &fl), MW_OK);
    assert_int_equal(used, 1);
    assert_int_equal(fl, MW_LINE_CRLF); /* not BARE_CR */
    mwt_assert_bytes("line", line.ptr, line.len, "QUIT", 4);
    assert_ptr_equal(line.ptr, storage);
    assert_int_equal(mw_line_reader_offset(&r), 6);
    assert_int_equal(mw_line_reader_pending(&r), 0);
}

static void test_trailing_cr_then_other_byte_is_bare_cr(void **state)
{
    (void)state;
    expect_lines(16, 0, 0, S("ab\rc\r\n"),
                 S("ab\rc{CRLF,BARE_CR}"
                   "{pending=0,offset=6}"));
}

static void test_whole_line_in_chunk_is_zero_copy(void **state)
{
    (void)state;
    char storage[32];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, sizeof(storage), 0);
    static const char in[] = "HELO x\r\nNOOP\r\nQU";
    size_t used;
    mw_span line;
    uint32_t fl;
    assert_int_equal(
        mw_line_reader_next(&r, in, sizeof(in) - 1, &used, &line, &fl), MW_OK);
    assert_ptr_equal(line.ptr, in);
    assert_int_equal(line.len, 6);
    assert_int_equal(used, 8);
    assert_int_equal(
        mw_line_reader_next(&r, in + 8, sizeof(in) - 1 - 8, &used, &line, &fl),
        MW_OK);
    assert_ptr_equal(line.ptr, in + 8);
    mwt_assert_bytes("second", line.ptr, line.len, "NOOP", 4);
    assert_int_equal(mw_line_reader_next(&r, in + 14, 2, &used, &line, &fl),
                     MW_NEED_MORE);
    assert_int_equal(used, 2);
    assert_null(line.ptr);
    assert_int_equal(line.len, 0);
    assert_int_equal(fl, 0);
    /* The straddling line is assembled in the storage. */
    assert_int_equal(mw_line_reader_next(&r, S("IT\r\n"), &used, &line, &fl),
                     MW_OK);
    assert_ptr_equal(line.ptr, storage);
    mwt_assert_bytes("straddling", line.ptr, line.len, "QUIT", 4);
    assert_int_equal(mw_line_reader_offset(&r), 20);
}

static void test_empty_input_needs_more(void **state)
{
    (void)state;
    char storage[8];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, sizeof(storage), 0);
    size_t used = 7;
    mw_span line;
    assert_int_equal(mw_line_reader_next(&r, NULL, 0, &used, &line, NULL),
                     MW_NEED_MORE);
    assert_int_equal(used, 0);
    expect_lines(8, 0, 0, S(""), S("{pending=0,offset=0}"));
}

/* ------------------------------------------------------------------ */
/* Limit and recovery                                                   */
/* ------------------------------------------------------------------ */

static void test_line_of_exactly_cap_bytes_fits(void **state)
{
    (void)state;
    /* cap counts the line end: "abc\r\n" is 5 bytes. */
    expect_lines(5, 0, 0, S("abc\r\n\r\n"),
                 S("abc{CRLF}{CRLF}{pending=0,offset=7}"));
    expect_lines(4, MW_LINE_LF_ENDS, 0, S("abc\n"),
                 S("abc{LF}{pending=0,offset=4}"));
}

static void test_line_one_byte_over_cap_fails_with_its_offset(void **state)
{
    (void)state;
    expect_lines(5, 0, 0, S("ok\r\nabcd\r\nnext\r\n"),
                 S("ok{CRLF}{LIMIT@4}!MW_E_LIMIT"));
    expect_lines(4, MW_LINE_LF_ENDS, 0, S("abcd\n"), S("{LIMIT@0}!MW_E_LIMIT"));
}

static void test_limit_is_sticky_until_skip_or_reset(void **state)
{
    (void)state;
    char storage[6];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, sizeof(storage), 0);
    size_t used;
    mw_span line;
    uint32_t fl;
    assert_int_equal(mw_line_reader_skip_line(&r), MW_E_STATE);
    assert_int_equal(mw_line_reader_next(&r, S("12\r\n0123456789\r\nX\r\n"),
                                         &used, &line, &fl),
                     MW_OK);
    assert_int_equal(used, 4);
    assert_int_equal(
        mw_line_reader_next(&r, S("0123456789\r\nX\r\n"), &used, &line, &fl),
        MW_E_LIMIT);
    assert_int_equal(used, 6); /* the cap bytes that made it too long */
    assert_int_equal(mw_line_reader_error_offset(&r), 4);
    assert_int_equal(mw_line_reader_offset(&r), 10);
    assert_int_equal(
        mw_line_reader_next(&r, S("6789\r\nX\r\n"), &used, &line, &fl),
        MW_E_LIMIT);
    assert_int_equal(used, 0);
    mw_line_reader_reset(&r);
    assert_int_equal(mw_line_reader_offset(&r), 0);
    assert_int_equal(mw_line_reader_next(&r, S("X\r\n"), &used, &line, &fl),
                     MW_OK);
    mwt_assert_bytes("after reset", line.ptr, line.len, "X", 1);
}

static void test_skip_line_recovers_after_limit(void **state)
{
    (void)state;
    /* SMTP: answer 500 "line too long" for the discarded line, go on. */
    expect_lines(8, 0, 1,
                 S("NOOP\r\nMAIL FROM:<very-long>\r\nRSET\r\n"
                   "0123456789\n\r\nQUIT\r\n"),
                 S("NOOP{CRLF}{LIMIT@6}{OVERLONG@6,CRLF}RSET{CRLF}"
                   "{LIMIT@35}{OVERLONG@35,CRLF}QUIT{CRLF}"
                   "{pending=0,offset=54}"));
}

static void test_skip_sees_crlf_split_at_the_cap(void **state)
{
    (void)state;
    /* The cap-th byte is the CR; the LF right after ends the long line. */
    expect_lines(5, 0, 1, S("abcd\r\nok\r\n"),
                 S("{LIMIT@0}{OVERLONG@0,CRLF}ok{CRLF}{pending=0,offset=10}"));
    /* A bare LF while skipping does not end the line in strict mode. */
    expect_lines(4, 0, 1, S("abcde\nf\r\ng\r\n"),
                 S("{LIMIT@0}{OVERLONG@0,CRLF}g{CRLF}{pending=0,offset=12}"));
    expect_lines(4, MW_LINE_LF_ENDS, 1, S("abcde\nf\r\n"),
                 S("{LIMIT@0}{OVERLONG@0,LF}f{CRLF}{pending=0,offset=9}"));
}

static void test_skip_long_flag_reports_overlong_lines(void **state)
{
    (void)state;
    expect_lines(6, MW_LINE_SKIP_LONG, 0,
                 S("a\r\n0123456789abcdef\r\nb\r\nxxxxxx"),
                 S("a{CRLF}{OVERLONG@3,CRLF}b{CRLF}{pending=0,offset=30}"));
    char storage[4];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, sizeof(storage), MW_LINE_SKIP_LONG);
    size_t used;
    mw_span line;
    uint32_t fl;
    assert_int_equal(mw_line_reader_next(&r, S("0123456"), &used, &line, &fl),
                     MW_NEED_MORE);
    assert_int_equal(used, 7);
    assert_int_equal(
        mw_line_reader_next(&r, S("\r\nhi\r\n"), &used, &line, &fl), MW_OK);
    assert_int_equal(used, 2);
    assert_int_equal(fl, MW_LINE_OVERLONG | MW_LINE_CRLF);
    assert_int_equal(line.len, 0);
    assert_non_null(line.ptr);
    assert_int_equal(mw_line_reader_error_offset(&r), 0);
    assert_int_equal(mw_line_reader_skip_line(&r), MW_E_STATE);
}

static void test_zero_capacity_refuses_every_line(void **state)
{
    (void)state;
    expect_lines(0, MW_LINE_LF_ENDS, 1, S("\nx\n"),
                 S("{LIMIT@0}{OVERLONG@0,LF}{LIMIT@1}{OVERLONG@1,LF}"
                   "{pending=0,offset=3}"));
    char storage[1];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, 0, 0);
    size_t used;
    mw_span line;
    assert_int_equal(mw_line_reader_next(&r, S("\r\n"), &used, &line, NULL),
                     MW_E_LIMIT);
}

static void test_seeded_random_lines_match_a_reference_split(void **state)
{
    (void)state;
    /* Random bytes heavy in CR, LF and NUL, checked against a simple
     * whole-buffer reference splitter and across chunkings. */
    uint64_t seed = 0x11e5eed;
    for (int round = 0; round < 40; round++) {
        char in[300];
        size_t n = 0;
        for (; n < sizeof(in); n++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            in[n] = "ab\r\n\r\n\0.x"[seed % 9];
        }
        mw_buf want;
        mw_buf_init_growable(&want, NULL, 0);
        size_t start = 0;
        for (size_t i = 0; i + 1 < n; i++) {
            if (in[i] != '\r' || in[i + 1] != '\n')
                continue;
            uint32_t fl = MW_LINE_CRLF;
            for (size_t k = start; k < i; k++) {
                if (in[k] == '\n')
                    fl |= MW_LINE_BARE_LF;
                if (in[k] == '\r')
                    fl |= MW_LINE_BARE_CR;
                if (in[k] == 0)
                    fl |= MW_LINE_NUL;
            }
            assert_int_equal(mw_buf_append(&want, in + start, i - start),
                             MW_OK);
            log_flags(&want, fl, NULL);
            start = i + 2;
            i++;
        }
        mwt_log(&want, "{pending=");
        log_u64(&want, n - start);
        mwt_log(&want, ",offset=");
        log_u64(&want, n);
        mwt_log(&want, "}");
        expect_lines(sizeof(in) + 2, 0, 0, in, n, want.data, want.len);
        mw_buf_free(&want);
    }
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    char storage[8];
    mw_line_reader r;
    mw_line_reader_init(&r, storage, sizeof(storage), 0);
    size_t used;
    mw_span line;
    assert_int_equal(mw_line_reader_next(NULL, "a", 1, &used, &line, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_line_reader_next(&r, NULL, 1, &used, &line, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_line_reader_next(&r, "a", 1, NULL, &line, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_line_reader_next(&r, "a", 1, &used, NULL, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_line_reader_skip_line(NULL), MW_E_ARG);
    assert_int_equal(mw_line_reader_pending(NULL), 0);
    assert_int_equal(mw_line_reader_offset(&r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crlf_lines_and_partial_tail),
        cmocka_unit_test(test_bare_lf_and_cr_are_data_in_strict_mode),
        cmocka_unit_test(test_nul_byte_is_flagged),
        cmocka_unit_test(test_lenient_mode_ends_lines_at_bare_lf),
        cmocka_unit_test(test_trailing_cr_is_carried_as_first_half_of_crlf),
        cmocka_unit_test(test_trailing_cr_then_other_byte_is_bare_cr),
        cmocka_unit_test(test_whole_line_in_chunk_is_zero_copy),
        cmocka_unit_test(test_empty_input_needs_more),
        cmocka_unit_test(test_line_of_exactly_cap_bytes_fits),
        cmocka_unit_test(test_line_one_byte_over_cap_fails_with_its_offset),
        cmocka_unit_test(test_limit_is_sticky_until_skip_or_reset),
        cmocka_unit_test(test_skip_line_recovers_after_limit),
        cmocka_unit_test(test_skip_sees_crlf_split_at_the_cap),
        cmocka_unit_test(test_skip_long_flag_reports_overlong_lines),
        cmocka_unit_test(test_zero_capacity_refuses_every_line),
        cmocka_unit_test(test_seeded_random_lines_match_a_reference_split),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
