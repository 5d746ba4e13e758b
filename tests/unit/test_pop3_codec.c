/* POP3 codec: command lines (every verb, RFC 2449 limits, errors with
 * offsets, injection-safe writer, round trips), status lines with RFC 2449
 * and RFC 3206 response codes, scan listings, unique ids, the RFC 2449 CAPA
 * example, the RFC 1939 APOP example digest, and the response reader fed
 * whole and in every split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/pop3.h"

#define S(lit) lit, sizeof(lit) - 1

static void span_is(mw_span got, const char *want)
{
    mwt_assert_bytes("span", got.ptr, got.len, want, strlen(want));
}

static mw_pop3_command parse_ok(const char *line)
{
    mw_pop3_command c;
    mw_pop3_parse_error err;
    mw_status st = mw_pop3_command_parse(line, strlen(line), NULL, &c, &err);
    if (st != MW_OK)
        fail_msg("'%s': %s (%s at %u)", line, mw_status_name(st),
                 mw_pop3_error_text(err.reason), err.offset);
    return c;
}

static void parse_err(const char *line, mw_status want, uint32_t reason,
                      uint32_t offset)
{
    mw_pop3_command c;
    mw_pop3_parse_error err;
    mw_status st = mw_pop3_command_parse(line, strlen(line), NULL, &c, &err);
    if (st != want || err.reason != reason || err.offset != offset)
        fail_msg("'%s': %s reason %u offset %u", line, mw_status_name(st),
                 err.reason, err.offset);
}

/* Write \p c, compare with \p want, parse back and compare. */
static void write_is(const mw_pop3_command *c, const char *want)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_pop3_command_write(c, NULL, &out), MW_OK);
    mwt_assert_bytes("command", out.data, out.len, want, strlen(want));
    mw_pop3_command back;
    assert_true(out.len >= 2);
    assert_int_equal(
        mw_pop3_command_parse(out.data, out.len - 2, NULL, &back, NULL), MW_OK);
    assert_true(mw_pop3_command_equal(c, &back));
    mw_buf_free(&out);
}

static void test_rfc1939_commands(void **state)
{
    (void)state;
    mw_pop3_command c = parse_ok("APOP mrose c4c9334bac560ecc979e58001b3e22fb");
    assert_int_equal(c.verb, MW_POP3_APOP);
    span_is(c.arg, "mrose");
    span_is(c.arg2, "c4c9334bac560ecc979e58001b3e22fb");
    write_is(&c, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");

    c = parse_ok("USER mrose");
    assert_int_equal(c.verb, MW_POP3_USER);
    span_is(c.arg, "mrose");
    c = parse_ok("PASS secret with spaces ");
    assert_int_equal(c.verb, MW_POP3_PASS);
    span_is(c.arg, "secret with spaces ");
    write_is(&c, "PASS secret with spaces \r\n");

    c = parse_ok("stat");
    assert_int_equal(c.verb, MW_POP3_STAT);
    write_is(&c, "STAT\r\n");
    c = parse_ok("LIST");
    assert_int_equal(c.verb, MW_POP3_LIST);
    assert_int_equal(c.flags, 0);
    c = parse_ok("LIST 2");
    assert_int_equal(c.flags, MW_POP3_CMD_HAS_MSG);
    assert_int_equal(c.msg, 2);
    write_is(&c, "LIST 2\r\n");
    c = parse_ok("RETR 1");
    assert_int_equal(c.verb, MW_POP3_RETR);
    assert_int_equal(c.msg, 1);
    c = parse_ok("DELE 1");
    assert_int_equal(c.verb, MW_POP3_DELE);
    c = parse_ok("TOP 1 10");
    assert_int_equal(c.verb, MW_POP3_TOP);
    assert_int_equal(c.msg, 1);
    assert_int_equal(c.lines, 10);
    write_is(&c, "TOP 1 10\r\n");
    c = parse_ok("UIDL");
    assert_int_equal(c.verb, MW_POP3_UIDL);
    c = parse_ok("UIDL 2");
    assert_int_equal(c.msg, 2);
    assert_int_equal(parse_ok("NOOP").verb, MW_POP3_NOOP);
    assert_int_equal(parse_ok("RSET").verb, MW_POP3_RSET);
    assert_int_equal(parse_ok("QUIT").verb, MW_POP3_QUIT);
    assert_int_equal(parse_ok("CAPA").verb, MW_POP3_CAPA);
    assert_int_equal(parse_ok("STLS").verb, MW_POP3_STLS);
    assert_int_equal(parse_ok("utf8").verb, MW_POP3_UTF8);
    /* A well-formed unknown keyword is not an error. */
    c = parse_ok("XTND xmit now");
    assert_int_equal(c.verb, MW_POP3_UNKNOWN);
    span_is(c.arg, "XTND");
    span_is(c.arg2, "xmit now");
}

static void test_auth_commands(void **state)
{
    (void)state;
    mw_pop3_command c = parse_ok("AUTH PLAIN");
    assert_int_equal(c.verb, MW_POP3_AUTH);
    assert_int_equal(c.flags, 0);
    span_is(c.arg, "PLAIN");
    c = parse_ok("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=");
    assert_int_equal(c.flags, MW_POP3_CMD_HAS_IR);
    span_is(c.arg2, "dGVzdAB0ZXN0AHRlc3Q=");
    write_is(&c, "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n");
    c = parse_ok("AUTH EXTERNAL =");
    span_is(c.arg2, "=");
    /* The initial response is not bound by the 40-character limit. */
    char line[250] = "AUTH PLAIN ";
    memset(line + 11, 'A', 200);
    line[211] = '\0';
    c = parse_ok(line);
    assert_int_equal(c.arg2.len, 200);
}

static void test_command_errors(void **state)
{
    (void)state;
    parse_err("", MW_E_SYNTAX, MW_POP3_ERR_EMPTY, 0);
    parse_err("RETR", MW_E_SYNTAX, MW_POP3_ERR_MISSING_ARG, 4);
    parse_err("RETR x", MW_E_SYNTAX, MW_POP3_ERR_BAD_NUMBER, 5);
    parse_err("RETR 4294967296", MW_E_SYNTAX, MW_POP3_ERR_BAD_NUMBER, 5);
    parse_err("RETR -1", MW_E_SYNTAX, MW_POP3_ERR_BAD_NUMBER, 5);
    parse_err("STAT 1", MW_E_SYNTAX, MW_POP3_ERR_EXTRA_ARG, 4);
    parse_err("TOP 1 2 3", MW_E_SYNTAX, MW_POP3_ERR_EXTRA_ARG, 7);
    parse_err("LIST  1", MW_E_SYNTAX, MW_POP3_ERR_BAD_SPACE, 5);
    parse_err("LIST 1 ", MW_E_SYNTAX, MW_POP3_ERR_BAD_SPACE, 7);
    parse_err("QUIT\tx", MW_E_SYNTAX, MW_POP3_ERR_CTL, 4);
    parse_err("RE", MW_E_SYNTAX, MW_POP3_ERR_BAD_KEYWORD, 0);
    parse_err("RETRIEVE 1", MW_E_SYNTAX, MW_POP3_ERR_BAD_KEYWORD, 0);
    parse_err("R_TR 1", MW_E_SYNTAX, MW_POP3_ERR_BAD_KEYWORD, 1);
    parse_err("PASS", MW_E_SYNTAX, MW_POP3_ERR_MISSING_ARG, 4);
    parse_err("PASS ", MW_E_SYNTAX, MW_POP3_ERR_MISSING_ARG, 5);
    /* RFC 2449 section 4: 40-character arguments, 255-octet lines. */
    parse_err("USER 12345678901234567890123456789012345678901", MW_E_LIMIT,
              MW_POP3_ERR_ARG_TOO_LONG, 45);
    parse_ok("USER 1234567890123456789012345678901234567890");
    char line[300];
    memset(line, 'x', sizeof(line));
    memcpy(line, "PASS ", 5);
    line[253] = '\0'; /* 253 + CRLF = 255: fits */
    parse_ok(line);
    line[253] = 'x';
    line[254] = '\0';
    parse_err(line, MW_E_LIMIT, MW_POP3_ERR_LINE_TOO_LONG, 253);
    /* A NUL inside the line. */
    mw_pop3_command c;
    mw_pop3_parse_error err;
    assert_int_equal(mw_pop3_command_parse(S("USER a\0b"), NULL, &c, &err),
                     MW_E_SYNTAX);
    assert_int_equal(err.reason, MW_POP3_ERR_CTL);
    assert_int_equal(err.offset, 6);
    assert_int_equal(mw_pop3_command_parse(NULL, 1, NULL, &c, &err), MW_E_ARG);
}

static void test_writer_refuses_injection(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_pop3_command c;
    memset(&c, 0, sizeof(c));
    c.verb = MW_POP3_USER;
    c.arg.ptr = "bob\r\nDELE 1";
    c.arg.len = strlen(c.arg.ptr);
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_CRLF);
    c.verb = MW_POP3_PASS;
    c.arg.ptr = "pw\nQUIT";
    c.arg.len = 7;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_CRLF);
    c.arg.ptr = "p\0w";
    c.arg.len = 3;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_CRLF);
    c.verb = MW_POP3_APOP;
    c.arg.ptr = "bob";
    c.arg.len = 3;
    c.arg2.ptr = "digest\r";
    c.arg2.len = 7;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_CRLF);
    /* A space in a one-word argument would change the command. */
    c.verb = MW_POP3_USER;
    c.arg.ptr = "bob smith";
    c.arg.len = 9;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_ARG);
    c.arg.len = 0;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_ARG);
    c.arg.ptr = "1234567890123456789012345678901234567890x";
    c.arg.len = 41;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_LIMIT);
    c.verb = MW_POP3_UNKNOWN;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &out), MW_E_ARG);
    assert_int_equal(out.len, 0);
    /* A fixed buffer that is too small: nothing written, needed set. */
    char small[4];
    mw_buf fixed;
    mw_buf_init_fixed(&fixed, small, sizeof(small));
    memset(&c, 0, sizeof(c));
    c.verb = MW_POP3_STAT;
    assert_int_equal(mw_pop3_command_write(&c, NULL, &fixed), MW_E_NOSPACE);
    assert_int_equal(fixed.len, 0);
    assert_int_equal(fixed.needed, 6);
    mw_buf_free(&out);
}

static void resp_is(const char *line, uint32_t kind, uint32_t code,
                    const char *code_text, const char *text)
{
    mw_pop3_response r;
    assert_int_equal(mw_pop3_response_parse(line, strlen(line), &r, NULL),
                     MW_OK);
    assert_int_equal(r.kind, kind);
    assert_int_equal(r.code, code);
    span_is(r.code_text, code_text);
    span_is(r.text, text);
    /* Written back and re-parsed: the same. */
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_pop3_response_write(kind, r.code_text.ptr,
                                            r.code_text.len, r.text.ptr,
                                            r.text.len, &out),
                     MW_OK);
    mw_pop3_response back;
    assert_int_equal(mw_pop3_response_parse(out.data, out.len - 2, &back, NULL),
                     MW_OK);
    assert_int_equal(back.kind, kind);
    assert_int_equal(back.code, code);
    span_is(back.code_text, code_text);
    span_is(back.text, text);
    mw_buf_free(&out);
}

static void test_responses_and_codes(void **state)
{
    (void)state;
    resp_is("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
            MW_POP3_OK, 0, "",
            "POP3 server ready <1896.697170952@dbc.mtview.ca.us>");
    resp_is("+OK", MW_POP3_OK, 0, "", "");
    resp_is("-ERR no such message, only 2 messages in maildrop", MW_POP3_ERR, 0,
            "", "no such message, only 2 messages in maildrop");
    /* RFC 2449 section 8 and RFC 3206. */
    resp_is("-ERR [IN-USE] Do you have another POP session running?",
            MW_POP3_ERR, MW_POP3_CODE_IN_USE, "IN-USE",
            "Do you have another POP session running?");
    resp_is("-ERR [LOGIN-DELAY] wait", MW_POP3_ERR, MW_POP3_CODE_LOGIN_DELAY,
            "LOGIN-DELAY", "wait");
    resp_is("-ERR [SYS/TEMP] try later", MW_POP3_ERR, MW_POP3_CODE_SYS_TEMP,
            "SYS/TEMP", "try later");
    resp_is("-ERR [SYS/PERM] gone", MW_POP3_ERR, MW_POP3_CODE_SYS_PERM,
            "SYS/PERM", "gone");
    resp_is("-ERR [AUTH] Invalid password", MW_POP3_ERR, MW_POP3_CODE_AUTH,
            "AUTH", "Invalid password");
    resp_is("-ERR [UTF8] need UTF8", MW_POP3_ERR, MW_POP3_CODE_UTF8, "UTF8",
            "need UTF8");
    resp_is("-ERR [X-FOO/BAR]", MW_POP3_ERR, MW_POP3_CODE_OTHER, "X-FOO/BAR",
            "");
    /* Not a code: kept as text. */
    resp_is("-ERR [not a code] x", MW_POP3_ERR, 0, "", "[not a code] x");
    resp_is("-ERR [/x] y", MW_POP3_ERR, 0, "", "[/x] y");
    /* SASL continuations (RFC 5034). */
    resp_is("+ ", MW_POP3_CONT, 0, "", "");
    resp_is("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+",
            MW_POP3_CONT, 0, "",
            "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+");
    mw_pop3_response r;
    mw_pop3_parse_error err;
    assert_int_equal(mw_pop3_response_parse(S("+OKAY"), &r, &err), MW_E_SYNTAX);
    assert_int_equal(err.reason, MW_POP3_ERR_BAD_STATUS);
    assert_int_equal(err.offset, 3);
    assert_int_equal(mw_pop3_response_parse(S("OK"), &r, &err), MW_E_SYNTAX);
    assert_int_equal(err.offset, 0);
    assert_int_equal(mw_pop3_response_parse(S("+OK a\0b"), &r, &err),
                     MW_E_SYNTAX);
    assert_int_equal(err.reason, MW_POP3_ERR_CTL);
    assert_int_equal(err.offset, 5);
    /* The writer refuses injection and ambiguity. */
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(
        mw_pop3_response_write(MW_POP3_OK, NULL, 0, S("a\r\n.\r\n"), &out),
        MW_E_CRLF);
    assert_int_equal(
        mw_pop3_response_write(MW_POP3_ERR, S("IN USE"), S("x"), &out),
        MW_E_ARG);
    assert_int_equal(
        mw_pop3_response_write(MW_POP3_ERR, NULL, 0, S("[AUTH] x"), &out),
        MW_E_ARG);
    assert_int_equal(
        mw_pop3_response_write(MW_POP3_CONT, S("AUTH"), NULL, 0, &out),
        MW_E_ARG);
    char big[600];
    memset(big, 'a', sizeof(big));
    assert_int_equal(
        mw_pop3_response_write(MW_POP3_OK, NULL, 0, big, 507, &out),
        MW_E_LIMIT);
    assert_int_equal(out.len, 0);
    assert_int_equal(
        mw_pop3_response_write(MW_POP3_OK, NULL, 0, big, 506, &out), MW_OK);
    assert_int_equal(out.len, 512);
    mw_buf_free(&out);
    assert_string_equal(mw_pop3_code_text(MW_POP3_CODE_SYS_TEMP), "SYS/TEMP");
    assert_int_equal(mw_pop3_code_from_text(S("sys/temp")),
                     MW_POP3_CODE_SYS_TEMP);
}

static void test_scan_and_uidl_lines(void **state)
{
    (void)state;
    uint32_t msg;
    uint64_t size;
    mw_span uid;
    assert_int_equal(mw_pop3_scan_parse(S("2 320"), &msg, &size), MW_OK);
    assert_int_equal(msg, 2);
    assert_int_equal(size, 320);
    assert_int_equal(mw_pop3_scan_parse(S("2 200 extra info"), &msg, &size),
                     MW_OK);
    assert_int_equal(size, 200);
    assert_int_equal(
        mw_pop3_scan_parse(S("1 18446744073709551615"), &msg, &size), MW_OK);
    assert_true(size == UINT64_MAX);
    assert_int_equal(
        mw_pop3_scan_parse(S("1 18446744073709551616"), &msg, &size),
        MW_E_SYNTAX);
    assert_int_equal(mw_pop3_scan_parse(S("2"), &msg, &size), MW_E_SYNTAX);
    assert_int_equal(mw_pop3_scan_parse(S("x 2"), &msg, &size), MW_E_SYNTAX);
    assert_int_equal(mw_pop3_scan_parse(S("2 3x"), &msg, &size), MW_E_SYNTAX);
    assert_int_equal(
        mw_pop3_uidl_parse(S("1 whqtswO00WBw418f9t5JxYwZ"), &msg, &uid), MW_OK);
    assert_int_equal(msg, 1);
    span_is(uid, "whqtswO00WBw418f9t5JxYwZ");
    assert_int_equal(mw_pop3_uidl_parse(S("2 QhdPYR:00WBw1Ph7x7"), &msg, &uid),
                     MW_OK);
    span_is(uid, "QhdPYR:00WBw1Ph7x7");
    assert_int_equal(mw_pop3_uidl_parse(S("2 "), &msg, &uid), MW_E_SYNTAX);
    char line[80];
    memset(line, 'u', sizeof(line));
    line[0] = '1';
    line[1] = ' ';
    assert_int_equal(mw_pop3_uidl_parse(line, 72, &msg, &uid), MW_OK);
    assert_int_equal(mw_pop3_uidl_parse(line, 73, &msg, &uid), MW_E_SYNTAX);
}

static void test_rfc2449_capa_example(void **state)
{
    (void)state;
    const char *lines[] = {"TOP",
                           "USER",
                           "SASL CRAM-MD5 KERBEROS_V4",
                           "RESP-CODES",
                           "LOGIN-DELAY 900",
                           "PIPELINING",
                           "EXPIRE 60",
                           "UIDL",
                           "IMPLEMENTATION Shlemazle-Plotz-v302"};
    mw_pop3_caps caps;
    memset(&caps, 0, sizeof(caps));
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        assert_int_equal(
            mw_pop3_caps_add_line(&caps, lines[i], strlen(lines[i])), MW_OK);
    assert_int_equal(caps.flags,
                     MW_POP3_CAP_TOP | MW_POP3_CAP_USER | MW_POP3_CAP_SASL |
                         MW_POP3_CAP_RESP_CODES | MW_POP3_CAP_LOGIN_DELAY |
                         MW_POP3_CAP_PIPELINING | MW_POP3_CAP_EXPIRE |
                         MW_POP3_CAP_UIDL | MW_POP3_CAP_IMPLEMENTATION);
    assert_int_equal(caps.sasl_mask, MW_SASL_BIT(MW_SASL_CRAM_MD5));
    assert_int_equal(caps.login_delay, 900);
    assert_int_equal(mw_pop3_caps_add_line(&caps, S("stls")), MW_OK);
    assert_int_equal(mw_pop3_caps_add_line(&caps, S("X-UNKNOWN a b")), MW_OK);
    assert_true(caps.flags & MW_POP3_CAP_STLS);
}

static void test_rfc1939_apop_digest(void **state)
{
    (void)state;
    const char *greet = "POP3 server ready <1896.697170952@dbc.mtview.ca.us>";
    mw_span ts;
    assert_int_equal(mw_pop3_greeting_timestamp(greet, strlen(greet), &ts),
                     MW_OK);
    span_is(ts, "<1896.697170952@dbc.mtview.ca.us>");
    char digest[33];
    assert_int_equal(mw_pop3_apop_digest(ts.ptr, ts.len, S("tanstaaf"), digest),
                     MW_OK);
    assert_string_equal(digest, "c4c9334bac560ecc979e58001b3e22fb");
    /* No '@', 8-bit bytes, spaces: no timestamp (APOP attack defence). */
    assert_int_equal(mw_pop3_greeting_timestamp(S("ready <abc>"), &ts),
                     MW_E_SYNTAX);
    assert_int_equal(mw_pop3_greeting_timestamp(S("<a\x80@b>"), &ts),
                     MW_E_SYNTAX);
    assert_int_equal(mw_pop3_greeting_timestamp(S("<a b@c>"), &ts),
                     MW_E_SYNTAX);
    assert_int_equal(mw_pop3_greeting_timestamp(S("x <y <a@b> z"), &ts), MW_OK);
    span_is(ts, "<a@b>");
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

typedef struct reader_run {
    mw_pop3_reader *r;
    const uint32_t *expects; /* expectation of each response, 99 ends */
    size_t next;
    int in_data;
} reader_run;

static void *reader_create(const void *cfg)
{
    reader_run *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    assert_int_equal(mw_pop3_reader_new(0, NULL, &s->r), MW_OK);
    s->expects = cfg;
    return s;
}

static void reader_destroy(void *state)
{
    reader_run *s = state;
    mw_pop3_reader_free(s->r);
    free(s);
}

static mw_status reader_update(void *state, const char *in, size_t len,
                               mw_buf *log)
{
    reader_run *s = state;
    size_t pos = 0;
    for (;;) {
        if (mw_pop3_reader_idle(s->r) && s->expects[s->next] != 99)
            mw_pop3_reader_expect(s->r, s->expects[s->next]);
        size_t used;
        mw_pop3_item it;
        mw_status st = mw_pop3_reader_feed(s->r, in ? in + pos : in, len - pos,
                                           &used, &it);
        pos += used;
        if (st != MW_OK)
            return st == MW_NEED_MORE ? MW_OK : st;
        char tmp[64];
        switch (it.type) {
        case MW_POP3_ITEM_STATUS:
            if (s->in_data) {
                mwt_log(log, "]\n");
                s->in_data = 0;
            }
            snprintf(tmp, sizeof(tmp), "STATUS %u code %u <", it.resp.kind,
                     it.resp.code);
            mwt_log(log, tmp);
            mw_buf_append(log, it.resp.text.ptr, it.resp.text.len);
            mwt_log(log, ">\n");
            if (it.resp.kind != MW_POP3_CONT)
                s->next++;
            break;
        case MW_POP3_ITEM_LINE:
            mwt_log(log, "LINE <");
            mw_buf_append(log, it.data.ptr, it.data.len);
            mwt_log(log, ">\n");
            break;
        case MW_POP3_ITEM_DATA:
            /* Chunks are merged so that every split logs the same. */
            if (!s->in_data)
                mwt_log(log, "DATA [");
            s->in_data = 1;
            mw_buf_append(log, it.data.ptr, it.data.len);
            break;
        default:
            if (s->in_data)
                mwt_log(log, "]\n");
            s->in_data = 0;
            mwt_log(log, "END\n");
        }
    }
}

static mw_status reader_finish(void *state, mw_buf *log)
{
    (void)state;
    (void)log;
    return MW_OK;
}

static const mwt_stream_ops reader_ops = {reader_create, reader_update,
                                          reader_finish, reader_destroy};

static void test_reader_rfc_transcript(void **state)
{
    (void)state;
    static const char in[] =
        "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
        "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
        "+OK 2 messages (320 octets)\r\n"
        "1 120\r\n"
        "2 200\r\n"
        ".\r\n"
        "+OK 120 octets\r\n"
        "Subject: hi\r\n"
        "\r\n"
        "..leading dot\r\n"
        ".\r\n"
        "-ERR no such message\r\n"
        "+OK\r\n"
        "..x\r\n"
        ".\r\n"
        "+ \r\n"
        "+OK done\r\n";
    static const uint32_t expects[] = {
        MW_POP3_EXPECT_SINGLE, MW_POP3_EXPECT_SINGLE,
        MW_POP3_EXPECT_LINES,  MW_POP3_EXPECT_DATA,
        MW_POP3_EXPECT_DATA,   MW_POP3_EXPECT_LINES,
        MW_POP3_EXPECT_SASL,   99};
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&reader_ops, expects, in, sizeof(in) - 1, &whole);
    const char *want =
        "STATUS 1 code 0 <POP3 server ready "
        "<1896.697170952@dbc.mtview.ca.us>>\n"
        "STATUS 1 code 0 <mrose's maildrop has 2 messages (320 octets)>\n"
        "STATUS 1 code 0 <2 messages (320 octets)>\n"
        "LINE <1 120>\nLINE <2 200>\nEND\n"
        "STATUS 1 code 0 <120 octets>\n"
        "DATA [Subject: hi\r\n\r\n.leading dot\r\n]\nEND\n"
        "STATUS 0 code 0 <no such message>\n"
        "STATUS 1 code 0 <>\nLINE <.x>\nEND\n"
        "STATUS 2 code 0 <>\n"
        "STATUS 1 code 0 <done>\n";
    mwt_assert_bytes("log", whole.data, whole.len, want, strlen(want));
    mw_buf_free(&whole);
}

static void test_reader_errors(void **state)
{
    (void)state;
    static const uint32_t single[] = {MW_POP3_EXPECT_SINGLE, 99};
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    static const char cont[] = "+OK hi\r\n+ abc\r\n";
    static const uint32_t two[] = {MW_POP3_EXPECT_SINGLE, MW_POP3_EXPECT_SINGLE,
                                   99};
    mwt_check_chunking(&reader_ops, two, cont, sizeof(cont) - 1, &whole);
    const char *want = "STATUS 1 code 0 <hi>\n!MW_E_SYNTAX";
    mwt_assert_bytes("log", whole.data, whole.len, want, strlen(want));
    mw_buf_clear(&whole);
    /* A 512-octet line fits, 513 does not. */
    char line[600];
    memset(line, 'a', sizeof(line));
    memcpy(line, "+OK ", 4);
    memcpy(line + 510, "\r\n", 2);
    mwt_check_chunking(&reader_ops, single, line, 512, &whole);
    mw_buf_clear(&whole);
    memcpy(line + 510, "a\r\n", 3);
    mwt_check_chunking(&reader_ops, single, line, 513, &whole);
    want = "!MW_E_LIMIT";
    mwt_assert_bytes("log", whole.data, whole.len, want, strlen(want));
    mw_buf_free(&whole);
    mw_pop3_reader *r;
    assert_int_equal(mw_pop3_reader_new(0, NULL, &r), MW_OK);
    size_t used;
    mw_pop3_item it;
    assert_int_equal(mw_pop3_reader_feed(r, S("+OK\r\nbogus\r\n"), &used, &it),
                     MW_OK);
    assert_int_equal(used, 5);
    assert_int_equal(mw_pop3_reader_feed(r, S("bogus\r\n"), &used, &it),
                     MW_E_SYNTAX);
    uint32_t reason;
    uint64_t off;
    assert_int_equal(mw_pop3_reader_error(r, &reason, &off), MW_OK);
    assert_int_equal(reason, MW_POP3_ERR_BAD_STATUS);
    assert_int_equal(off, 5);
    /* Sticky. */
    assert_int_equal(mw_pop3_reader_feed(r, S("+OK\r\n"), &used, &it),
                     MW_E_SYNTAX);
    mw_pop3_reader_free(r);
}

static void test_reader_in_caller_storage(void **state)
{
    (void)state;
    size_t n = mw_pop3_reader_sizeof(64);
    void *mem = malloc(n);
    mw_pop3_reader *r;
    assert_int_equal(mw_pop3_reader_init_in(mem, n - 1, 64, &r), MW_E_ARG);
    assert_int_equal(mw_pop3_reader_init_in(mem, n, 64, &r), MW_OK);
    assert_int_equal(mw_pop3_reader_expect(r, MW_POP3_EXPECT_DATA), MW_OK);
    size_t used;
    mw_pop3_item it;
    assert_int_equal(mw_pop3_reader_feed(r, S("+OK\r\n"), &used, &it), MW_OK);
    assert_int_equal(mw_pop3_reader_expect(r, MW_POP3_EXPECT_SINGLE),
                     MW_E_STATE);
    assert_int_equal(mw_pop3_reader_feed(r, S(".\r\n"), &used, &it), MW_OK);
    assert_int_equal(it.type, MW_POP3_ITEM_END);
    mw_pop3_reader_free(r); /* no-op */
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1939_commands),
        cmocka_unit_test(test_auth_commands),
        cmocka_unit_test(test_command_errors),
        cmocka_unit_test(test_writer_refuses_injection),
        cmocka_unit_test(test_responses_and_codes),
        cmocka_unit_test(test_scan_and_uidl_lines),
        cmocka_unit_test(test_rfc2449_capa_example),
        cmocka_unit_test(test_rfc1939_apop_digest),
        cmocka_unit_test(test_reader_rfc_transcript),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_in_caller_storage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
