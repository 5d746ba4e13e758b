/* SMTP reply codec: the multi-line assembler fed line by line (RFC 5321
 * appendix D replies, enhanced codes of RFC 3463, errors with offsets,
 * limits), chunking independence through a tiny CRLF line splitter, caller
 * storage and allocation failures, and the reply writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/smtp.h"

static mw_smtp_reply_parser *new_parser(const mw_smtp_codec_config *cfg)
{
    mw_smtp_reply_parser *p = NULL;
    assert_int_equal(mw_smtp_reply_parser_new(cfg, NULL, &p), MW_OK);
    return p;
}

static mw_status feed(mw_smtp_reply_parser *p, const char *line,
                      mw_smtp_parse_error *err)
{
    return mw_smtp_reply_parser_feed(p, line, strlen(line), MW_SMTP_LINE_CRLF,
                                     err);
}

static void line_is(const mw_smtp_reply *r, uint32_t i, const char *want)
{
    assert_true(i < r->n_lines);
    mwt_assert_bytes("line", r->lines[i].ptr, r->lines[i].len, want,
                     strlen(want));
}

/* Feed \p lines; all but the last must ask for more. */
static void feed_reply(mw_smtp_reply_parser *p, const char *const *lines,
                       size_t n, mw_smtp_reply *r)
{
    for (size_t i = 0; i < n; i++) {
        mw_smtp_parse_error err;
        mw_status st = feed(p, lines[i], &err);
        if (st != (i + 1 == n ? MW_OK : MW_NEED_MORE))
            fail_msg("line '%s': %s (%s)", lines[i], mw_status_name(st),
                     err.text);
    }
    assert_int_equal(mw_smtp_reply_parser_get(p, r), MW_OK);
}

static void expect_err(mw_smtp_reply_parser *p, const char *line,
                       mw_status want, uint32_t reason, uint64_t offset)
{
    mw_smtp_parse_error err;
    mw_status st = feed(p, line, &err);
    if (st != want || err.reason != reason || err.offset != offset)
        fail_msg("'%.60s': %s reason %u offset %llu", line, mw_status_name(st),
                 err.reason, (unsigned long long)err.offset);
}

static void test_appendix_d1_replies(void **state)
{
    (void)state;
    mw_smtp_reply_parser *p = new_parser(NULL);
    mw_smtp_reply r;
    const char *greet[] = {"220 foo.com Simple Mail Transfer Service Ready"};
    feed_reply(p, greet, 1, &r);
    assert_int_equal(r.code, 220);
    assert_int_equal(r.n_lines, 1);
    assert_int_equal(r.has_enhanced, 0);
    line_is(&r, 0, "foo.com Simple Mail Transfer Service Ready");
    const char *ehlo[] = {"250-foo.com greets bar.com", "250-8BITMIME",
                          "250-SIZE", "250-DSN", "250 HELP"};
    feed_reply(p, ehlo, 5, &r);
    assert_int_equal(r.code, 250);
    assert_int_equal(r.n_lines, 5);
    line_is(&r, 0, "foo.com greets bar.com");
    line_is(&r, 2, "SIZE");
    line_is(&r, 4, "HELP");
    const char *ok[] = {"250 OK"};
    feed_reply(p, ok, 1, &r);
    line_is(&r, 0, "OK");
    const char *nouser[] = {"550 No such user here"};
    feed_reply(p, nouser, 1, &r);
    assert_int_equal(r.code, 550);
    const char *data[] = {"354 Start mail input; end with <CRLF>.<CRLF>"};
    feed_reply(p, data, 1, &r);
    assert_int_equal(r.code, 354);
    line_is(&r, 0, "Start mail input; end with <CRLF>.<CRLF>");
    const char *bye[] = {"221 foo.com Service closing transmission channel"};
    feed_reply(p, bye, 1, &r);
    assert_int_equal(r.code, 221);
    mw_smtp_reply_parser_free(p);
}

static void test_enhanced_codes(void **state)
{
    (void)state;
    mw_smtp_reply_parser *p = new_parser(NULL);
    mw_smtp_reply r;
    const char *one[] = {"250 2.1.0 Sender <a@b> OK"};
    feed_reply(p, one, 1, &r);
    assert_int_equal(r.has_enhanced, 1);
    assert_int_equal(r.enhanced.cls, 2);
    assert_int_equal(r.enhanced.subject, 1);
    assert_int_equal(r.enhanced.detail, 0);
    line_is(&r, 0, "Sender <a@b> OK");
    /* Gmail-style: the code on every line, removed from each. */
    const char *multi[] = {
        "550-5.7.26 This mail has been blocked because the sender is",
        "550-5.7.26 unauthenticated. Gmail requires all senders to",
        "550 5.7.26 authenticate with either SPF or DKIM."};
    feed_reply(p, multi, 3, &r);
    assert_int_equal(r.enhanced.subject, 7);
    assert_int_equal(r.enhanced.detail, 26);
    line_is(&r, 1, "unauthenticated. Gmail requires all senders to");
    line_is(&r, 2, "authenticate with either SPF or DKIM.");
    const char *bare[] = {"451 4.7.1"};
    feed_reply(p, bare, 1, &r);
    assert_int_equal(r.has_enhanced, 1);
    assert_int_equal(r.enhanced.cls, 4);
    line_is(&r, 0, "");
    const char *big[] = {"554 5.999.999 x"};
    feed_reply(p, big, 1, &r);
    assert_int_equal(r.enhanced.subject, 999);
    /* Not enhanced codes: class differs from the reply, too many digits,
     * not followed by a space. */
    static const char *const not_enh[] = {
        "250 5.0.0 x", "250 2.1000.0 x", "250 2.0.0x",  "250 2.0. x",
        "250 2..0 x",  "354 3.0.0 go",   "250 20.0.0 x"};
    for (size_t i = 0; i < sizeof(not_enh) / sizeof(not_enh[0]); i++) {
        feed_reply(p, &not_enh[i], 1, &r);
        assert_int_equal(r.has_enhanced, 0);
        line_is(&r, 0, not_enh[i] + 4);
    }
    /* A later line with a different code keeps it in its text. */
    const char *mixed[] = {"250-2.0.0 first", "250 2.1.5 second"};
    feed_reply(p, mixed, 2, &r);
    line_is(&r, 1, "2.1.5 second");
    mw_smtp_reply_parser_free(p);
}

static void test_no_text_and_empty_continuations(void **state)
{
    (void)state;
    mw_smtp_reply_parser *p = new_parser(NULL);
    mw_smtp_reply r;
    const char *a[] = {"250"};
    feed_reply(p, a, 1, &r);
    assert_int_equal(r.code, 250);
    assert_int_equal(r.n_lines, 1);
    line_is(&r, 0, "");
    const char *b[] = {"250-", "250-x", "250 "};
    feed_reply(p, b, 3, &r);
    assert_int_equal(r.n_lines, 3);
    line_is(&r, 0, "");
    line_is(&r, 2, "");
    /* A bare-LF line end is tolerated unless strict. */
    assert_int_equal(mw_smtp_reply_parser_feed(p, "250 ok", 6, 0, NULL), MW_OK);
    mw_smtp_reply_parser_free(p);
    mw_smtp_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_SMTP_CODEC_STRICT_CRLF;
    p = new_parser(&cfg);
    mw_smtp_parse_error err;
    assert_int_equal(mw_smtp_reply_parser_feed(p, "250 ok", 6, 0, &err),
                     MW_E_SYNTAX);
    assert_int_equal(err.reason, MW_SMTP_ERR_NO_CRLF);
    assert_int_equal(err.offset, 6);
    mw_smtp_reply_parser_free(p);
}

static void test_reply_errors_with_offsets(void **state)
{
    (void)state;
    mw_smtp_reply_parser *p = new_parser(NULL);
    expect_err(p, "", MW_E_SYNTAX, MW_SMTP_ERR_BAD_CODE, 0);
    expect_err(p, "25", MW_E_SYNTAX, MW_SMTP_ERR_BAD_CODE, 2);
    expect_err(p, "2x0 ok", MW_E_SYNTAX, MW_SMTP_ERR_BAD_CODE, 1);
    expect_err(p, "650 ok", MW_E_SYNTAX, MW_SMTP_ERR_BAD_CODE, 0);
    expect_err(p, "150 ok", MW_E_SYNTAX, MW_SMTP_ERR_BAD_CODE, 0);
    expect_err(p, "250x", MW_E_SYNTAX, MW_SMTP_ERR_BAD_SEPARATOR, 3);
    expect_err(p, "250_ok", MW_E_SYNTAX, MW_SMTP_ERR_BAD_SEPARATOR, 3);
    expect_err(p, "250 a\rb", MW_E_SYNTAX, MW_SMTP_ERR_CTL, 5);
    /* Mixed codes in one reply: refused, the partial reply dropped, and
     * the next reply parses fresh. */
    assert_int_equal(feed(p, "250-one", NULL), MW_NEED_MORE);
    expect_err(p, "251 two", MW_E_SYNTAX, MW_SMTP_ERR_CODE_MISMATCH, 0);
    mw_smtp_reply r;
    assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_E_STATE);
    assert_int_equal(feed(p, "221 bye", NULL), MW_OK);
    assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_OK);
    assert_int_equal(r.n_lines, 1);
    assert_int_equal(r.code, 221);
    /* Not complete yet: no reply to read. */
    assert_int_equal(feed(p, "250-a", NULL), MW_NEED_MORE);
    assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_E_STATE);
    mw_smtp_reply_parser_reset(p);
    assert_int_equal(feed(p, "500 x", NULL), MW_OK);
    assert_int_equal(mw_smtp_reply_parser_feed(NULL, "x", 1, 0, NULL),
                     MW_E_ARG);
    mw_smtp_reply_parser_free(p);
}

static void test_reply_limits(void **state)
{
    (void)state;
    mw_smtp_reply_parser *p = new_parser(NULL);
    char line[1100];
    memcpy(line, "250 ", 4);
    memset(line + 4, 'x', 506);
    line[510] = 0; /* 510 + CRLF = 512 */
    assert_int_equal(feed(p, line, NULL), MW_OK);
    line[510] = 'x';
    line[511] = 0;
    expect_err(p, line, MW_E_LIMIT, MW_SMTP_ERR_REPLY_LINE_TOO_LONG, 510);
    mw_smtp_reply_parser_free(p);

    mw_smtp_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.reply_line_max = 1024;
    cfg.reply_lines_max = 3;
    cfg.reply_text_max = 10;
    p = new_parser(&cfg);
    assert_int_equal(feed(p, line, NULL), MW_E_LIMIT); /* text > 10 */
    assert_int_equal(feed(p, "250-abc", NULL), MW_NEED_MORE);
    assert_int_equal(feed(p, "250-def", NULL), MW_NEED_MORE);
    expect_err(p, "250-ghijk", MW_E_LIMIT, MW_SMTP_ERR_REPLY_TOO_LONG, 8);
    assert_int_equal(feed(p, "250-a", NULL), MW_NEED_MORE);
    assert_int_equal(feed(p, "250-b", NULL), MW_NEED_MORE);
    assert_int_equal(feed(p, "250-c", NULL), MW_NEED_MORE);
    expect_err(p, "250 d", MW_E_LIMIT, MW_SMTP_ERR_REPLY_TOO_MANY_LINES, 0);
    mw_smtp_reply_parser_free(p);
}

static void test_parser_in_caller_storage(void **state)
{
    (void)state;
    size_t need = mw_smtp_reply_parser_sizeof(NULL);
    assert_true(need > 8192);
    void *mem = malloc(need);
    assert_non_null(mem);
    mw_smtp_reply_parser *p = NULL;
    assert_int_equal(mw_smtp_reply_parser_init_in(mem, need - 1, NULL, &p),
                     MW_E_ARG);
    assert_int_equal(
        mw_smtp_reply_parser_init_in((char *)mem + 1, need - 1, NULL, &p),
        MW_E_ARG);
    assert_int_equal(mw_smtp_reply_parser_init_in(mem, need, NULL, &p), MW_OK);
    assert_int_equal(feed(p, "250-a", NULL), MW_NEED_MORE);
    assert_int_equal(feed(p, "250 b", NULL), MW_OK);
    mw_smtp_reply r;
    assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_OK);
    line_is(&r, 1, "b");
    mw_smtp_reply_parser_free(p); /* no-op on caller storage */
    free(mem);
}

static int alloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    mw_smtp_reply_parser *p = NULL;
    mw_status st = mw_smtp_reply_parser_new(NULL, a, &p);
    if (st == MW_E_NOMEM)
        return p == NULL ? 0 : 1;
    if (st != MW_OK)
        return 1;
    int bad = mw_smtp_reply_parser_feed(p, "250 ok", 6, 1, NULL) != MW_OK;
    mw_smtp_reply_parser_free(p);
    return bad;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    mwt_failalloc_sweep(alloc_scenario, NULL);
}

/* ------------------------------------------------------------------ */
/* Chunking: a tiny CRLF splitter in front of the reply parser          */
/* ------------------------------------------------------------------ */

typedef struct split_run {
    mw_smtp_reply_parser *p;
    char line[2048];
    size_t len;
} split_run;

static void *split_create(const void *cfg)
{
    (void)cfg;
    split_run *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->p = new_parser(NULL);
    return s;
}

static void split_destroy(void *state)
{
    split_run *s = state;
    mw_smtp_reply_parser_free(s->p);
    free(s);
}

static void log_reply(mw_smtp_reply_parser *p, mw_buf *log)
{
    mw_smtp_reply r;
    assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_OK);
    char head[64];
    snprintf(head, sizeof(head), "[%u %u.%u.%u %u]", r.code,
             r.has_enhanced ? r.enhanced.cls : 0u, r.enhanced.subject,
             r.enhanced.detail, r.n_lines);
    mwt_log(log, head);
    for (uint32_t i = 0; i < r.n_lines; i++) {
        assert_int_equal(mw_buf_append(log, r.lines[i].ptr, r.lines[i].len),
                         MW_OK);
        mwt_log(log, "|");
    }
    mwt_log(log, "\n");
}

static mw_status split_update(void *state, const char *in, size_t len,
                              mw_buf *log)
{
    split_run *s = state;
    for (size_t i = 0; i < len; i++) {
        assert_true(s->len < sizeof(s->line));
        s->line[s->len++] = in[i];
        if (s->len < 2 || s->line[s->len - 2] != '\r' ||
            s->line[s->len - 1] != '\n')
            continue;
        mw_smtp_parse_error err;
        mw_status st = mw_smtp_reply_parser_feed(s->p, s->line, s->len - 2,
                                                 MW_SMTP_LINE_CRLF, &err);
        s->len = 0;
        if (st == MW_OK)
            log_reply(s->p, log);
        else if (st != MW_NEED_MORE)
            return st;
    }
    return MW_OK;
}

static mw_status split_finish(void *state, mw_buf *log)
{
    split_run *s = state;
    (void)log;
    return s->len == 0 ? MW_OK : MW_E_SYNTAX;
}

static void test_chunking_line_splitter(void **state)
{
    (void)state;
    static const mwt_stream_ops ops = {split_create, split_update, split_finish,
                                       split_destroy};
    static const char transcript[] =
        "220 mx.example.net ESMTP Postfix\r\n"
        "250-mx.example.net\r\n"
        "250-PIPELINING\r\n"
        "250-SIZE 10240000\r\n"
        "250-ENHANCEDSTATUSCODES\r\n"
        "250 CHUNKING\r\n"
        "250 2.1.0 Ok\r\n"
        "550-5.1.1 <nobody@example.net>: Recipient address rejected:\r\n"
        "550 5.1.1 User unknown in local recipient table\r\n"
        "354 End data with <CR><LF>.<CR><LF>\r\n"
        "250 2.0.0 Ok: queued as 4XyZ1\r\n"
        "221 2.0.0 Bye\r\n";
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&ops, NULL, transcript, sizeof(transcript) - 1, &whole);
    static const char want[] =
        "[220 0.0.0 1]mx.example.net ESMTP Postfix|\n"
        "[250 0.0.0 5]mx.example.net|PIPELINING|SIZE 10240000|"
        "ENHANCEDSTATUSCODES|CHUNKING|\n"
        "[250 2.1.0 1]Ok|\n"
        "[550 5.1.1 2]<nobody@example.net>: Recipient address rejected:|"
        "User unknown in local recipient table|\n"
        "[354 0.0.0 1]End data with <CR><LF>.<CR><LF>|\n"
        "[250 2.0.0 1]Ok: queued as 4XyZ1|\n"
        "[221 2.0.0 1]Bye|\n";
    mwt_assert_bytes("log", whole.data, whole.len, want, sizeof(want) - 1);
    mw_buf_free(&whole);
    /* An error must also be the same however the input is cut. */
    static const char broken[] = "250-a\r\n251 b\r\n";
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&ops, NULL, broken, sizeof(broken) - 1, &whole);
    mwt_assert_bytes("err", whole.data, whole.len, "!MW_E_SYNTAX", 12);
    mw_buf_free(&whole);
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

static mw_span sp(const char *s)
{
    mw_span v = {s, strlen(s)};
    return v;
}

static void reply_is(uint32_t code, const mw_smtp_enhanced *e,
                     const mw_span *lines, size_t n, mw_status want_st,
                     const char *want)
{
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_buf_append_str(&b, "x"), MW_OK);
    mw_status st = mw_smtp_reply_write(code, e, lines, n, &b);
    assert_int_equal(st, want_st);
    if (want)
        mwt_assert_bytes("reply", b.data + 1, b.len - 1, want, strlen(want));
    else
        assert_int_equal(b.len, 1);
    mw_buf_free(&b);
}

static void test_writer_byte_exact(void **state)
{
    (void)state;
    mw_span one = sp("OK");
    reply_is(250, NULL, &one, 1, MW_OK, "250 OK\r\n");
    mw_smtp_enhanced e = {2, 1, 0};
    reply_is(250, &e, &one, 1, MW_OK, "250 2.1.0 OK\r\n");
    mw_span ehlo[] = {sp("foo.com greets bar.com"), sp("8BITMIME"), sp("SIZE"),
                      sp("DSN"), sp("HELP")};
    reply_is(250, NULL, ehlo, 5, MW_OK,
             "250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n"
             "250-DSN\r\n250 HELP\r\n");
    mw_smtp_enhanced e5 = {5, 7, 26};
    mw_span two[] = {sp("blocked"), sp("see the docs")};
    reply_is(550, &e5, two, 2, MW_OK,
             "550-5.7.26 blocked\r\n550 5.7.26 see the docs\r\n");
    reply_is(354, NULL, NULL, 0, MW_OK, "354\r\n");
    mw_span empty[] = {sp(""), sp("")};
    reply_is(250, NULL, empty, 2, MW_OK, "250-\r\n250\r\n");
    reply_is(421, &(mw_smtp_enhanced){4, 4, 2}, NULL, 0, MW_OK,
             "421 4.4.2\r\n");
}

static void test_writer_refusals(void **state)
{
    (void)state;
    mw_span bad = sp("ok\r\n250 injected");
    reply_is(250, NULL, &bad, 1, MW_E_CRLF, NULL);
    mw_span lf[] = {sp("a"), sp("b\nc")};
    reply_is(250, NULL, lf, 2, MW_E_CRLF, NULL);
    mw_span ok = sp("ok");
    reply_is(199, NULL, &ok, 1, MW_E_ARG, NULL);
    reply_is(600, NULL, &ok, 1, MW_E_ARG, NULL);
    mw_smtp_enhanced wrong = {5, 0, 0};
    reply_is(250, &wrong, &ok, 1, MW_E_ARG, NULL);
    mw_smtp_enhanced big = {2, 1000, 0};
    reply_is(250, &big, &ok, 1, MW_E_ARG, NULL);
    reply_is(250, NULL, NULL, 2, MW_E_ARG, NULL);
    char mem[8];
    mw_buf b;
    mw_buf_init_fixed(&b, mem, 7);
    assert_int_equal(mw_smtp_reply_write(250, NULL, &ok, 1, &b), MW_E_NOSPACE);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.needed, 8);
    mw_buf_init_fixed(&b, mem, sizeof(mem));
    assert_int_equal(mw_smtp_reply_write(250, NULL, &ok, 1, &b), MW_OK);
}

static void test_writer_wraps_long_lines(void **state)
{
    (void)state;
    /* 600 bytes of words: wrapped at a space so no line exceeds 512. */
    char text[700];
    size_t n = 0;
    while (n < 600) {
        memcpy(text + n, "word ", 5);
        n += 5;
    }
    text[n - 1] = 'X';
    mw_span in = {text, n};
    mw_smtp_enhanced e = {2, 0, 0};
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_reply_write(250, &e, &in, 1, &b), MW_OK);
    /* Every line within 512 bytes, and the text comes back. */
    mw_smtp_reply_parser *p = new_parser(NULL);
    size_t start = 0, lines = 0;
    mw_status st = MW_NEED_MORE;
    for (size_t i = 0; i + 1 < b.len; i++) {
        if (b.data[i] != '\r' || b.data[i + 1] != '\n')
            continue;
        assert_true(i + 2 - start <= 512);
        st = mw_smtp_reply_parser_feed(p, b.data + start, i - start,
                                       MW_SMTP_LINE_CRLF, NULL);
        start = i + 2;
        lines++;
    }
    assert_int_equal(st, MW_OK);
    assert_int_equal(lines, 2);
    mw_smtp_reply r;
    assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_OK);
    /* room = 512 - 6 - 6 = 500: the last space within it is at 499. */
    assert_int_equal(r.lines[0].len, 499);
    assert_int_equal(r.lines[0].len + 1 + r.lines[1].len, n);
    assert_int_equal(r.lines[1].ptr[r.lines[1].len - 1], 'X');
    mw_buf_free(&b);

    /* No space at all: a hard cut that never splits a UTF-8 character
     * (2-byte characters, room 506 is even: cut at 506 exactly; with
     * one ASCII byte in front the cut moves back by one). */
    char u[1200];
    u[0] = 'a';
    for (size_t i = 0; i < 550; i++) {
        u[1 + 2 * i] = (char)0xc3;
        u[2 + 2 * i] = (char)0xa9;
    }
    mw_span us = {u, 1101};
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_reply_write(250, NULL, &us, 1, &b), MW_OK);
    assert_true(b.len > 512);
    assert_int_equal(memcmp(b.data + 4 + 505, "\r\n250-", 6), 0);
    assert_int_equal((unsigned char)b.data[4 + 504], 0xa9);
    mw_buf_free(&b);
    mw_smtp_reply_parser_free(p);
}

static void test_writer_round_trip(void **state)
{
    (void)state;
    mw_smtp_reply_parser *p = new_parser(NULL);
    static const char *const replies[][4] = {
        {"250-mail.example.com", "250-PIPELINING", "250 8BITMIME", NULL},
        {"550-5.1.1 first", "550-5.1.1", "550 5.1.1 last", NULL},
        {"220 ready", NULL, NULL, NULL},
        {"250", NULL, NULL, NULL},
        {"452 4.5.3 Too many recipients", NULL, NULL, NULL},
    };
    for (size_t k = 0; k < sizeof(replies) / sizeof(replies[0]); k++) {
        mw_buf in;
        mw_buf_init_growable(&in, NULL, 0);
        size_t n = 0;
        mw_smtp_reply r;
        while (n < 4 && replies[k][n]) {
            assert_true(feed(p, replies[k][n], NULL) >= 0);
            assert_int_equal(mw_buf_append_str(&in, replies[k][n]), MW_OK);
            assert_int_equal(mw_buf_append_str(&in, "\r\n"), MW_OK);
            n++;
        }
        assert_int_equal(mw_smtp_reply_parser_get(p, &r), MW_OK);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(
            mw_smtp_reply_write(r.code, r.has_enhanced ? &r.enhanced : NULL,
                                r.lines, r.n_lines, &out),
            MW_OK);
        /* These inputs are already canonical: byte-identical output. */
        mwt_assert_bytes("round trip", out.data, out.len, in.data, in.len);
        mw_buf_free(&out);
        mw_buf_free(&in);
    }
    mw_smtp_reply_parser_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_d1_replies),
        cmocka_unit_test(test_enhanced_codes),
        cmocka_unit_test(test_no_text_and_empty_continuations),
        cmocka_unit_test(test_reply_errors_with_offsets),
        cmocka_unit_test(test_reply_limits),
        cmocka_unit_test(test_parser_in_caller_storage),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_chunking_line_splitter),
        cmocka_unit_test(test_writer_byte_exact),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_writer_wraps_long_lines),
        cmocka_unit_test(test_writer_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
