/* Dot-stuffing (mw_dot_writer) and dot-unstuffing with end-of-data
 * detection (mw_dot_reader): RFC 5321 section 4.5.2 transparency, the SMTP
 * smuggling variants, pipelining, chunking and round trips. */
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/stream.h"

#define S(lit) lit, sizeof(lit) - 1

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

/* ------------------------------------------------------------------ */
/* Reader as a stream: body bytes, then <DONE@offset>, then the bytes    */
/* left for the next command, then the defects.                          */
/* ------------------------------------------------------------------ */

typedef struct dot_run {
    mw_dot_reader r;
    int done;
} dot_run;

static void *reader_create(const void *cfg)
{
    dot_run *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    mw_dot_reader_init(&s->r, *(const uint32_t *)cfg);
    return s;
}

static void reader_destroy(void *state)
{
    free(state);
}

static mw_status reader_update(void *state, const char *in, size_t len,
                               mw_buf *log)
{
    dot_run *s = state;
    if (s->done) /* pipelined bytes: not the reader's business */
        return mw_buf_append(log, in, len);
    size_t pos = 0;
    for (;;) {
        size_t used = 99;
        mw_span data;
        mw_status st =
            mw_dot_reader_next(&s->r, in + pos, len - pos, &used, &data);
        assert_true(used <= len - pos);
        pos += used;
        if (st == MW_OK) {
            assert_true(data.len > 0);
            /* A view into the chunk, or the held-back CR. */
            int inside = data.ptr >= in && data.ptr + data.len <= in + len;
            assert_true(inside || (data.len == 1 && data.ptr[0] == '\r'));
            assert_int_equal(mw_buf_append(log, data.ptr, data.len), MW_OK);
            continue;
        }
        if (st == MW_NEED_MORE) {
            assert_int_equal(pos, len);
            assert_int_equal(data.len, 0);
            return MW_OK;
        }
        if (st != MW_DONE)
            return st;
        s->done = 1;
        mwt_log(log, "<DONE@");
        log_u64(log, mw_dot_reader_offset(&s->r));
        mwt_log(log, ">");
        /* Done is sticky and consumes nothing more. */
        assert_int_equal(
            mw_dot_reader_next(&s->r, in + pos, len - pos, &used, &data),
            MW_DONE);
        assert_int_equal(used, 0);
        return mw_buf_append(log, in + pos, len - pos);
    }
}

static mw_status reader_finish(void *state, mw_buf *log)
{
    dot_run *s = state;
    if (!s->done)
        mwt_log(log, "<NOT DONE>");
    uint32_t d = mw_dot_reader_defects(&s->r);
    if (d == 0) {
        mwt_log(log, "<clean>");
        return MW_OK;
    }
    mwt_log(log, "<");
    if (d & MW_DOT_BARE_LF)
        mwt_log(log, (d & MW_DOT_BARE_CR) ? "BARE_LF," : "BARE_LF");
    if (d & MW_DOT_BARE_CR)
        mwt_log(log, "BARE_CR");
    mwt_log(log, "@");
    log_u64(log, mw_dot_reader_defect_offset(&s->r));
    mwt_log(log, ">");
    return MW_OK;
}

static const mwt_stream_ops reader_ops = {reader_create, reader_update,
                                          reader_finish, reader_destroy};

static void expect_read(uint32_t flags, const char *in, size_t len,
                        const char *want, size_t want_len)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&reader_ops, &flags, in, len, &log);
    mwt_assert_bytes("dot reader log", log.data, log.len, want, want_len);
    mw_buf_free(&log);
}

/* ------------------------------------------------------------------ */
/* Writer as a stream: its output is the log.                            */
/* ------------------------------------------------------------------ */

static void *writer_create(const void *cfg)
{
    (void)cfg;
    mw_dot_writer *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    mw_dot_writer_init(w);
    return w;
}

static mw_status writer_update(void *state, const char *in, size_t len,
                               mw_buf *log)
{
    return mw_dot_writer_update(state, in, len, log);
}

static mw_status writer_finish(void *state, mw_buf *log)
{
    return mw_dot_writer_final(state, log);
}

static const mwt_stream_ops writer_ops = {writer_create, writer_update,
                                          writer_finish, reader_destroy};

static void expect_stuffed(const char *in, size_t len, const char *want,
                           size_t want_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mwt_check_chunking(&writer_ops, NULL, in, len, &out);
    mwt_assert_bytes("stuffed", out.data, out.len, want, want_len);
    assert_true(out.len <= mw_dot_writer_bound(len));
    mw_buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* Writer                                                               */
/* ------------------------------------------------------------------ */

static void test_writer_rfc5321_4_5_2_doubles_leading_dots(void **state)
{
    (void)state;
    /* "If it is a period, one additional period is inserted at the
     * beginning of the line." Dots elsewhere are untouched. */
    expect_stuffed(S(".\r\n..\r\n.x\r\na.b.\r\n \r\n."),
                   S("..\r\n...\r\n..x\r\na.b.\r\n \r\n..\r\n.\r\n"));
}

static void test_writer_empty_body_is_just_the_marker(void **state)
{
    (void)state;
    expect_stuffed(S(""), S(".\r\n"));
    expect_stuffed(S("\r\n"), S("\r\n.\r\n"));
}

static void test_writer_adds_missing_final_crlf(void **state)
{
    (void)state;
    expect_stuffed(S("Subject: x\r\n\r\nbody"),
                   S("Subject: x\r\n\r\nbody\r\n.\r\n"));
    expect_stuffed(S("body\r"), S("body\r\n.\r\n"));
}

static void test_writer_normalises_bare_cr_and_lf(void **state)
{
    (void)state;
    /* No smuggling sequence can leave mailwire: "\n.\n" becomes a stuffed
     * line, "\r.\r" too. */
    expect_stuffed(S("a\n.\nb\r.\rc\r\r\n\n\r"),
                   S("a\r\n..\r\nb\r\n..\r\nc\r\n\r\n\r\n\r\n.\r\n"));
}

static void test_writer_holds_cr_at_chunk_end(void **state)
{
    (void)state;
    mw_dot_writer w;
    mw_dot_writer_init(&w);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_dot_writer_update(&w, S("ab\r"), &out), MW_OK);
    mwt_assert_bytes("CR held", out.data, out.len, "ab", 2);
    assert_int_equal(mw_dot_writer_update(&w, S("\n."), &out), MW_OK);
    mwt_assert_bytes("CRLF then dot", out.data, out.len, "ab\r\n..", 6);
    assert_int_equal(mw_dot_writer_final(&w, &out), MW_OK);
    mwt_assert_bytes("final", out.data, out.len, "ab\r\n..\r\n.\r\n", 11);
    assert_int_equal(mw_dot_writer_update(&w, S("x"), &out), MW_E_STATE);
    assert_int_equal(mw_dot_writer_final(&w, &out), MW_E_STATE);
    mw_dot_writer_init(&w);
    mw_buf_clear(&out);
    assert_int_equal(mw_dot_writer_final(&w, &out), MW_OK);
    mwt_assert_bytes("reused", out.data, out.len, ".\r\n", 3);
    mw_buf_free(&out);
}

static void test_writer_nospace_leaves_state_unchanged(void **state)
{
    (void)state;
    char mem[6];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_dot_writer w;
    mw_dot_writer_init(&w);
    assert_int_equal(mw_dot_writer_update(&w, S("..\n"), &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "...\r\n", 5);
    /* "..x" needs 3 more bytes: refused whole, needed = 8. */
    assert_int_equal(mw_dot_writer_update(&w, S(".x\r"), &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 8);
    assert_int_equal(out.len, 5);
    mw_buf_consume(&out, 5);
    /* Retrying the same bytes gives what an unrefused call would. */
    assert_int_equal(mw_dot_writer_update(&w, S(".x\r"), &out), MW_OK);
    mwt_assert_bytes("retry", out.data, out.len, "..x", 3);
    /* A refused final does not finish the writer. */
    assert_int_equal(mw_dot_writer_final(&w, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 8);
    mw_buf_consume(&out, 3);
    assert_int_equal(mw_dot_writer_final(&w, &out), MW_OK);
    mwt_assert_bytes("final", out.data, out.len, "\r\n.\r\n", 5);
}

static void test_writer_bound_holds_for_worst_cases(void **state)
{
    (void)state;
    assert_int_equal(mw_dot_writer_bound(0), 5);
    assert_int_equal(mw_dot_writer_bound(10), 25);
    assert_int_equal(mw_dot_writer_bound(SIZE_MAX / 2), SIZE_MAX);
    static const char *worst[] = {"\r\r\r\r", "\n\n\n\n", ".\n.\n",
                                  "\r.\r.",   "x",        "."};
    for (size_t i = 0; i < sizeof(worst) / sizeof(worst[0]); i++) {
        size_t n = strlen(worst[i]);
        mw_dot_writer w;
        mw_dot_writer_init(&w);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(mw_dot_writer_update(&w, worst[i], n, &out), MW_OK);
        assert_int_equal(mw_dot_writer_final(&w, &out), MW_OK);
        assert_true(out.len <= mw_dot_writer_bound(n));
        mw_buf_free(&out);
    }
    /* "." alone is the tightest case: 2n + 5 exactly. */
    expect_stuffed(S("."), S("..\r\n.\r\n"));
}

static void test_writer_invalid_arguments(void **state)
{
    (void)state;
    mw_dot_writer w;
    mw_dot_writer_init(&w);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_dot_writer_update(NULL, "a", 1, &out), MW_E_ARG);
    assert_int_equal(mw_dot_writer_update(&w, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_dot_writer_update(&w, "a", 1, NULL), MW_E_ARG);
    assert_int_equal(mw_dot_writer_update(&w, NULL, 0, &out), MW_OK);
    assert_int_equal(mw_dot_writer_final(&w, NULL), MW_E_ARG);
    assert_int_equal(out.len, 0);
}

/* ------------------------------------------------------------------ */
/* Reader                                                               */
/* ------------------------------------------------------------------ */

static void test_reader_ends_at_crlf_dot_crlf(void **state)
{
    (void)state;
    expect_read(0, S("Subject: hi\r\n\r\nHello\r\n.\r\n"),
                S("Subject: hi\r\n\r\nHello\r\n<DONE@25><clean>"));
}

static void test_reader_empty_body(void **state)
{
    (void)state;
    expect_read(0, S(".\r\n"), S("<DONE@3><clean>"));
    expect_read(0, S("\r\n.\r\n"), S("\r\n<DONE@5><clean>"));
}

static void test_reader_rfc5321_4_5_2_removes_first_dot(void **state)
{
    (void)state;
    /* "If the first character is a period and there are other characters
     * on the line, the first character is deleted." */
    expect_read(0, S("..\r\n...\r\n.x\r\na.\r\n. \r\n.\r\n"),
                S(".\r\n..\r\nx\r\na.\r\n \r\n<DONE@24><clean>"));
}

static void test_reader_dot_line_with_text_is_not_the_end(void **state)
{
    (void)state;
    expect_read(0, S(".\r\n"), S("<DONE@3><clean>"));
    expect_read(0, S("a\r\n.a\r\n..\r\n.\r\r\n.\r\n"),
                S("a\r\na\r\n.\r\n\r\r\n<DONE@18><BARE_CR@12>"));
    expect_read(0, S("a\r\n. .\r\n"), S("a\r\n .\r\n<NOT DONE><clean>"));
}

static void test_reader_leaves_pipelined_bytes_unconsumed(void **state)
{
    (void)state;
    expect_read(0, S("body\r\n.\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"),
                S("body\r\n<DONE@9>MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
                  "<clean>"));
    mw_dot_reader r;
    mw_dot_reader_init(&r, 0);
    static const char in[] = "x\r\n.\r\nQUIT\r\n";
    size_t used;
    mw_span data;
    assert_int_equal(mw_dot_reader_next(&r, in, sizeof(in) - 1, &used, &data),
                     MW_OK);
    assert_ptr_equal(data.ptr, in); /* zero-copy */
    assert_int_equal(data.len, 3);
    assert_int_equal(used, 3);
    assert_int_equal(
        mw_dot_reader_next(&r, in + 3, sizeof(in) - 4, &used, &data), MW_DONE);
    assert_int_equal(used, 3);
    assert_int_equal(data.len, 0);
    assert_int_equal(mw_dot_reader_offset(&r), 6);
}

static void test_reader_held_cr_comes_from_static_storage(void **state)
{
    (void)state;
    mw_dot_reader r;
    mw_dot_reader_init(&r, 0);
    size_t used;
    mw_span data;
    static const char a[] = "ok\r\n.\r";
    static const char b[] = "x\r\n.\r\n";
    assert_int_equal(mw_dot_reader_next(&r, a, 6, &used, &data), MW_OK);
    mwt_assert_bytes("first", data.ptr, data.len, "ok\r\n", 4);
    assert_int_equal(mw_dot_reader_next(&r, a + used, 6 - used, &used, &data),
                     MW_NEED_MORE);
    assert_int_equal(used, 2);
    assert_int_equal(mw_dot_reader_next(&r, b, 6, &used, &data), MW_OK);
    assert_int_equal(used, 0);
    assert_int_equal(data.len, 1);
    assert_int_equal(data.ptr[0], '\r');
    assert_true(data.ptr < b || data.ptr >= b + 6);
    assert_int_equal(mw_dot_reader_defects(&r), MW_DOT_BARE_CR);
    assert_int_equal(mw_dot_reader_defect_offset(&r), 5);
    assert_int_equal(mw_dot_reader_next(&r, b, 6, &used, &data), MW_OK);
    mwt_assert_bytes("rest", data.ptr, data.len, "x\r\n", 3);
    assert_int_equal(mw_dot_reader_next(&r, b + 3, 3, &used, &data), MW_DONE);
    assert_int_equal(mw_dot_reader_offset(&r), 12);
}

/* The classic attack: a first message, a smuggling "end of data", then
 * commands that an outbound server passes along as body text. */
#define SMUGGLE(seq)                                                           \
    "Subject: a\r\n\r\nhello" seq "MAIL FROM:<evil@x>\r\n\r\n.\r\n"

static void test_smuggling_lf_dot_lf_cve_2023_51764(void **state)
{
    (void)state;
    expect_read(0, S(SMUGGLE("\n.\n")),
                S("Subject: a\r\n\r\nhello\n.\nMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@47><BARE_LF@19>"));
}

static void test_smuggling_lf_dot_crlf_cve_2023_51765(void **state)
{
    (void)state;
    /* "<LF>.<CR><LF>", the sequence that fooled Sendmail and Postfix. */
    expect_read(0, S(SMUGGLE("\n.\r\n")),
                S("Subject: a\r\n\r\nhello\n.\r\nMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@48><BARE_LF@19>"));
}

static void test_smuggling_lf_dot_crlf_cve_2023_51766(void **state)
{
    (void)state;
    /* Exim: the same "<LF>.<CR><LF>" split over two chunks right after
     * the LF; the reader must not re-synchronise on the split. */
    static const char in[] = SMUGGLE("\n.\r\n");
    size_t cut = 20;
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    uint32_t flags = 0;
    mwt_run_split(&reader_ops, &flags, in, sizeof(in) - 1, &cut, 1, &log);
    mwt_assert_bytes("split", log.data, log.len,
                     S("Subject: a\r\n\r\nhello\n.\r\nMAIL FROM:<evil@x>\r\n"
                       "\r\n<DONE@48><BARE_LF@19>"));
    mw_buf_free(&log);
}

static void test_smuggling_crlf_dot_lf(void **state)
{
    (void)state;
    /* The line is "." LF "MAIL...": a dot line with other text, so its
     * dot goes, and the bare LF stays data. */
    expect_read(0, S(SMUGGLE("\r\n.\n")),
                S("Subject: a\r\n\r\nhello\r\n\nMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@48><BARE_LF@22>"));
}

static void test_smuggling_cr_dot_cr(void **state)
{
    (void)state;
    expect_read(0, S(SMUGGLE("\r.\r")),
                S("Subject: a\r\n\r\nhello\r.\rMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@47><BARE_CR@19>"));
}

static void test_smuggling_cr_dot_crlf(void **state)
{
    (void)state;
    expect_read(0, S(SMUGGLE("\r.\r\n")),
                S("Subject: a\r\n\r\nhello\r.\r\nMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@48><BARE_CR@19>"));
}

static void test_smuggling_lf_dot_cr(void **state)
{
    (void)state;
    expect_read(0, S(SMUGGLE("\n.\r")),
                S("Subject: a\r\n\r\nhello\n.\rMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@47><BARE_LF,BARE_CR@19>"));
}

static void test_smuggling_crlf_dot_cr(void **state)
{
    (void)state;
    /* "." CR then text: the held CR is data, the dot goes. */
    expect_read(0, S(SMUGGLE("\r\n.\r")),
                S("Subject: a\r\n\r\nhello\r\n\rMAIL FROM:<evil@x>\r\n\r\n"
                  "<DONE@48><BARE_CR@22>"));
}

static void test_smuggling_at_stream_start(void **state)
{
    (void)state;
    /* The stream starts at a line start: ".\n" and ".\r" there are not
     * the end either. */
    expect_read(0, S(".\nx\r\n.\r\n"), S("\nx\r\n<DONE@8><BARE_LF@1>"));
    expect_read(0, S(".\rx\r\n.\r\n"), S("\rx\r\n<DONE@8><BARE_CR@1>"));
}

static void test_lenient_mode_ends_at_lf_dot_lf(void **state)
{
    (void)state;
    /* Documented risk: this is what MW_DOT_LF_ENDS is for, and why it is
     * never used by an SMTP server. */
    expect_read(MW_DOT_LF_ENDS, S(SMUGGLE("\n.\n")),
                S("Subject: a\r\n\r\nhello\n<DONE@22>MAIL FROM:<evil@x>\r\n"
                  "\r\n.\r\n<BARE_LF@19>"));
    expect_read(MW_DOT_LF_ENDS, S(SMUGGLE("\n.\r\n")),
                S("Subject: a\r\n\r\nhello\n<DONE@23>MAIL FROM:<evil@x>\r\n"
                  "\r\n.\r\n<BARE_LF@19>"));
    expect_read(MW_DOT_LF_ENDS, S("+OK\r\n..x\n.\n"),
                S("+OK\r\n.x\n<DONE@11><BARE_LF@8>"));
    /* A bare CR is still no line end. */
    expect_read(MW_DOT_LF_ENDS, S("a\r.\r\n.\r\n"),
                S("a\r.\r\n<DONE@8><BARE_CR@1>"));
}

static void test_reader_needs_more_until_the_marker(void **state)
{
    (void)state;
    expect_read(0, S("abc\r\n.\r"), S("abc\r\n<NOT DONE><clean>"));
    expect_read(0, S(""), S("<NOT DONE><clean>"));
    mw_dot_reader r;
    mw_dot_reader_init(&r, 0);
    size_t used = 5;
    mw_span data;
    assert_int_equal(mw_dot_reader_next(&r, NULL, 0, &used, &data),
                     MW_NEED_MORE);
    assert_int_equal(used, 0);
    assert_int_equal(mw_dot_reader_next(NULL, "a", 1, &used, &data), MW_E_ARG);
    assert_int_equal(mw_dot_reader_next(&r, NULL, 1, &used, &data), MW_E_ARG);
    assert_int_equal(mw_dot_reader_next(&r, "a", 1, NULL, &data), MW_E_ARG);
    assert_int_equal(mw_dot_reader_next(&r, "a", 1, &used, NULL), MW_E_ARG);
    assert_int_equal(mw_dot_reader_defects(NULL), 0);
}

/* ------------------------------------------------------------------ */
/* Round trip                                                            */
/* ------------------------------------------------------------------ */

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The reference: CRLF stays, a bare CR or bare LF becomes CRLF. */
static void normalise_crlf(const char *in, size_t n, mw_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
            i++;
        if (in[i] == '\r' || in[i] == '\n')
            assert_int_equal(mw_buf_append(out, "\r\n", 2), MW_OK);
        else
            assert_int_equal(mw_buf_append(out, in + i, 1), MW_OK);
    }
    if (out->len > 0 && out->data[out->len - 1] != '\n')
        assert_int_equal(mw_buf_append(out, "\r\n", 2), MW_OK);
}

static void assert_no_bare_line_ends(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r')
            assert_true(i + 1 < n && p[i + 1] == '\n');
        if (p[i] == '\n')
            assert_true(i > 0 && p[i - 1] == '\r');
    }
}

static void test_round_trip_unstuff_of_stuff_is_normalised_input(void **state)
{
    (void)state;
    uint64_t seed = 0xd07d07;
    for (int round = 0; round < 60; round++) {
        char x[200];
        size_t n = (size_t)(next_random(&seed) % sizeof(x));
        for (size_t i = 0; i < n; i++)
            x[i] = "..\r\n\r\n.ab "[next_random(&seed) % 10];

        /* Stuff in random chunks. */
        mw_dot_writer w;
        mw_dot_writer_init(&w);
        mw_buf stuffed;
        mw_buf_init_growable(&stuffed, NULL, 0);
        size_t pos = 0;
        while (pos < n) {
            size_t k = 1 + (size_t)(next_random(&seed) % 7);
            if (k > n - pos)
                k = n - pos;
            assert_int_equal(mw_dot_writer_update(&w, x + pos, k, &stuffed),
                             MW_OK);
            pos += k;
        }
        assert_int_equal(mw_dot_writer_final(&w, &stuffed), MW_OK);
        assert_true(stuffed.len <= mw_dot_writer_bound(n));
        assert_no_bare_line_ends(stuffed.data, stuffed.len);
        size_t stuffed_len = stuffed.len;
        /* A pipelined command after the body must be left alone. */
        mwt_log(&stuffed, "QUIT\r\n");

        mw_buf want;
        mw_buf_init_growable(&want, NULL, 0);
        normalise_crlf(x, n, &want);
        mwt_log(&want, "<DONE@");
        log_u64(&want, stuffed_len);
        mwt_log(&want, ">QUIT\r\n<clean>");
        expect_read(0, stuffed.data, stuffed.len, want.data, want.len);
        mw_buf_free(&want);
        mw_buf_free(&stuffed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_rfc5321_4_5_2_doubles_leading_dots),
        cmocka_unit_test(test_writer_empty_body_is_just_the_marker),
        cmocka_unit_test(test_writer_adds_missing_final_crlf),
        cmocka_unit_test(test_writer_normalises_bare_cr_and_lf),
        cmocka_unit_test(test_writer_holds_cr_at_chunk_end),
        cmocka_unit_test(test_writer_nospace_leaves_state_unchanged),
        cmocka_unit_test(test_writer_bound_holds_for_worst_cases),
        cmocka_unit_test(test_writer_invalid_arguments),
        cmocka_unit_test(test_reader_ends_at_crlf_dot_crlf),
        cmocka_unit_test(test_reader_empty_body),
        cmocka_unit_test(test_reader_rfc5321_4_5_2_removes_first_dot),
        cmocka_unit_test(test_reader_dot_line_with_text_is_not_the_end),
        cmocka_unit_test(test_reader_leaves_pipelined_bytes_unconsumed),
        cmocka_unit_test(test_reader_held_cr_comes_from_static_storage),
        cmocka_unit_test(test_smuggling_lf_dot_lf_cve_2023_51764),
        cmocka_unit_test(test_smuggling_lf_dot_crlf_cve_2023_51765),
        cmocka_unit_test(test_smuggling_lf_dot_crlf_cve_2023_51766),
        cmocka_unit_test(test_smuggling_crlf_dot_lf),
        cmocka_unit_test(test_smuggling_cr_dot_cr),
        cmocka_unit_test(test_smuggling_cr_dot_crlf),
        cmocka_unit_test(test_smuggling_lf_dot_cr),
        cmocka_unit_test(test_smuggling_crlf_dot_cr),
        cmocka_unit_test(test_smuggling_at_stream_start),
        cmocka_unit_test(test_lenient_mode_ends_at_lf_dot_lf),
        cmocka_unit_test(test_reader_needs_more_until_the_marker),
        cmocka_unit_test(test_round_trip_unstuff_of_stuff_is_normalised_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
