/* SMTP command codec: RFC 5321 appendix D lines, every verb, paths and
 * address literals, ESMTP parameters, the section 4.5.3.1 limits, syntax
 * errors with their offsets, the writer (byte-exact output, injection
 * refusals, all-or-nothing) and round trips. */
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/smtp.h"

static mw_status parse_cfg(const char *line, const mw_smtp_codec_config *cfg,
                           mw_smtp_cmd *cmd, mw_smtp_parse_error *err)
{
    return mw_smtp_cmd_parse(line, strlen(line), MW_SMTP_LINE_CRLF, cfg, cmd,
                             err);
}

static void parse_ok(const char *line, mw_smtp_cmd *cmd)
{
    mw_smtp_parse_error err;
    mw_status st = parse_cfg(line, NULL, cmd, &err);
    if (st != MW_OK)
        fail_msg("'%s': %s (%s at %llu)", line, mw_status_name(st), err.text,
                 (unsigned long long)err.offset);
}

static void span_is(mw_span sp, const char *want)
{
    mwt_assert_bytes("span", sp.ptr, sp.len, want, strlen(want));
}

static void expect_err_cfg(const char *line, const mw_smtp_codec_config *cfg,
                           mw_status want, uint32_t reason, uint64_t offset)
{
    mw_smtp_cmd cmd;
    mw_smtp_parse_error err;
    mw_status st = parse_cfg(line, cfg, &cmd, &err);
    if (st != want || err.reason != reason || err.offset != offset)
        fail_msg("'%.80s': got %s reason %u (%s) offset %llu; want %s reason "
                 "%u offset %llu",
                 line, mw_status_name(st), err.reason, err.text,
                 (unsigned long long)err.offset, mw_status_name(want), reason,
                 (unsigned long long)offset);
}

static void expect_err(const char *line, mw_status want, uint32_t reason,
                       uint64_t offset)
{
    expect_err_cfg(line, NULL, want, reason, offset);
}

static void expect_syntax(const char *line, uint32_t reason, uint64_t offset)
{
    expect_err(line, MW_E_SYNTAX, reason, offset);
}

static mw_smtp_codec_config cfg_with(uint32_t flags)
{
    mw_smtp_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags;
    return cfg;
}

static mw_span sp(const char *s)
{
    mw_span v = {s, strlen(s)};
    return v;
}

/* Write \p cmd with \p cfg and compare to \p want (NULL: expect error
 * \p want_st and an untouched buffer). */
static void write_is(const mw_smtp_cmd *cmd, const mw_smtp_codec_config *cfg,
                     mw_status want_st, const char *want)
{
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_buf_append_str(&b, "prefix"), MW_OK);
    mw_status st = mw_smtp_cmd_write(cmd, cfg, &b);
    if (st != want_st)
        fail_msg("write: got %s want %s", mw_status_name(st),
                 mw_status_name(want_st));
    if (want)
        mwt_assert_bytes("written", b.data + 6, b.len - 6, want, strlen(want));
    else
        assert_int_equal(b.len, 6);
    mw_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* RFC 5321 appendix D                                                 */
/* ------------------------------------------------------------------ */

static void test_appendix_d1_transaction(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("EHLO bar.com", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_EHLO);
    span_is(c.arg, "bar.com");
    parse_ok("MAIL FROM:<Smith@bar.com>", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_MAIL);
    span_is(c.path.local, "Smith");
    span_is(c.path.domain, "bar.com");
    assert_int_equal(c.path.flags, 0);
    assert_int_equal(c.pflags, 0);
    assert_int_equal(c.n_params, 0);
    const char *rcpts[] = {"Jones", "Green", "Brown"};
    for (int i = 0; i < 3; i++) {
        char line[64];
        strcpy(line, "RCPT TO:<");
        strcat(line, rcpts[i]);
        strcat(line, "@foo.com>");
        parse_ok(line, &c);
        assert_int_equal(c.verb, MW_SMTP_VERB_RCPT);
        span_is(c.path.local, rcpts[i]);
        span_is(c.path.domain, "foo.com");
    }
    parse_ok("DATA", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_DATA);
    parse_ok("QUIT", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_QUIT);
    assert_int_equal(c.flags, 0);
}

/* D.2 (relay with source route) and D.3 / D.4 (VRFY, EXPN, RSET). */
static void test_appendix_d_other_scenarios(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("EHLO foo.com", &c);
    parse_ok("MAIL FROM:<JQP@bar.com>", &c);
    parse_ok("RCPT TO:<Jones@XYZ.COM>", &c);
    span_is(c.path.domain, "XYZ.COM");
    parse_ok("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_ROUTE);
    span_is(c.path.route, "@hosta.int,@jkl.org");
    span_is(c.path.local, "userc");
    span_is(c.path.domain, "d.bar.org");
    parse_ok("VRFY Crispin", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_VRFY);
    span_is(c.arg, "Crispin");
    parse_ok("EXPN Example-People", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_EXPN);
    span_is(c.arg, "Example-People");
    parse_ok("RSET", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_RSET);
}

/* ------------------------------------------------------------------ */
/* Verbs                                                               */
/* ------------------------------------------------------------------ */

static void test_every_verb(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        uint32_t verb;
        const char *arg;
    } cases[] = {
        {"HELO relay.example.org", MW_SMTP_VERB_HELO, "relay.example.org"},
        {"EHLO [192.0.2.1]", MW_SMTP_VERB_EHLO, "[192.0.2.1]"},
        {"LHLO lmtp.example", MW_SMTP_VERB_LHLO, "lmtp.example"},
        {"DATA", MW_SMTP_VERB_DATA, ""},
        {"RSET", MW_SMTP_VERB_RSET, ""},
        {"VRFY <postmaster@example.com>", MW_SMTP_VERB_VRFY,
         "<postmaster@example.com>"},
        {"EXPN staff", MW_SMTP_VERB_EXPN, "staff"},
        {"HELP", MW_SMTP_VERB_HELP, ""},
        {"HELP MAIL", MW_SMTP_VERB_HELP, "MAIL"},
        {"NOOP", MW_SMTP_VERB_NOOP, ""},
        {"NOOP are you there", MW_SMTP_VERB_NOOP, "are you there"},
        {"QUIT", MW_SMTP_VERB_QUIT, ""},
        {"STARTTLS", MW_SMTP_VERB_STARTTLS, ""},
        {"AUTH LOGIN", MW_SMTP_VERB_AUTH, "LOGIN"},
        {"XCLIENT ADDR=192.0.2.7 NAME=x", MW_SMTP_VERB_UNKNOWN,
         "ADDR=192.0.2.7 NAME=x"},
        {"ETRN", MW_SMTP_VERB_UNKNOWN, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mw_smtp_cmd c;
        parse_ok(cases[i].line, &c);
        assert_int_equal(c.verb, cases[i].verb);
        span_is(c.arg, cases[i].arg);
    }
    mw_smtp_cmd c;
    parse_ok("XCLIENT ADDR=1", &c);
    span_is(c.verb_text, "XCLIENT");
    parse_ok("EHLO [192.0.2.1]", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_LITERAL);
    assert_string_equal(mw_smtp_verb_name(MW_SMTP_VERB_STARTTLS), "STARTTLS");
    assert_string_equal(mw_smtp_verb_name(99), "");
}

static void test_case_insensitive_verbs_and_keywords(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("mail from:<a@b.example>", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_MAIL);
    span_is(c.verb_text, "mail");
    parse_ok("Rcpt To:<x@y.example> notify=never", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_RCPT);
    assert_int_equal(c.notify, MW_SMTP_NOTIFY_NEVER);
    parse_ok("qUiT", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_QUIT);
    parse_ok("bdat 5 last", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_LAST);
}

static void test_tolerances_are_flagged(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("MAIL FROM: <a@b.example>", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_SPACE_AFTER_COLON);
    span_is(c.path.local, "a");
    parse_ok("RCPT TO:  <a@b.example>", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_SPACE_AFTER_COLON);
    parse_ok("MAIL FROM:<a@b.example>  SIZE=10 ", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_EXTRA_SPACE);
    assert_int_equal(c.size, 10);
    parse_ok("QUIT ", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_EXTRA_SPACE);
    parse_ok("VRFY  x  ", &c);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_EXTRA_SPACE);
    span_is(c.arg, "x");
    parse_ok("EHLO DESKTOP_7QK2", &c); /* Windows host names */
    span_is(c.arg, "DESKTOP_7QK2");
    /* A line that ended in a bare LF is accepted and flagged ... */
    assert_int_equal(mw_smtp_cmd_parse("NOOP", 4, 0, NULL, &c, NULL), MW_OK);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_BARE_LF);
    /* ... unless the config is strict. */
    mw_smtp_codec_config cfg = cfg_with(MW_SMTP_CODEC_STRICT_CRLF);
    mw_smtp_parse_error err;
    assert_int_equal(mw_smtp_cmd_parse("NOOP", 4, 0, &cfg, &c, &err),
                     MW_E_SYNTAX);
    assert_int_equal(err.reason, MW_SMTP_ERR_NO_CRLF);
    assert_int_equal(err.offset, 4);
}

/* ------------------------------------------------------------------ */
/* MAIL / RCPT parameters                                              */
/* ------------------------------------------------------------------ */

static void test_mail_parameters(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("MAIL FROM:<a@b.example> SIZE=12345 BODY=8BITMIME SMTPUTF8 "
             "RET=HDRS ENVID=QQ314159+2B1 AUTH=<> REQUIRETLS",
             &c);
    assert_int_equal(c.pflags, MW_SMTP_P_SIZE | MW_SMTP_P_BODY |
                                   MW_SMTP_P_SMTPUTF8 | MW_SMTP_P_RET |
                                   MW_SMTP_P_ENVID | MW_SMTP_P_AUTH |
                                   MW_SMTP_P_REQUIRETLS);
    assert_int_equal(c.size, 12345);
    assert_int_equal(c.body, MW_SMTP_BODY_8BITMIME);
    assert_int_equal(c.ret, MW_SMTP_RET_HDRS);
    span_is(c.envid, "QQ314159+2B1");
    span_is(c.auth, "<>");
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_xtext_decode(c.envid.ptr, c.envid.len, &b), MW_OK);
    mwt_assert_bytes("envid", b.data, b.len, "QQ314159+1", 10);
    mw_buf_free(&b);

    parse_ok("MAIL FROM:<a@b.example> BODY=binarymime RET=full "
             "AUTH=e+2Bmc@example.com SIZE=18446744073709551615",
             &c);
    assert_int_equal(c.body, MW_SMTP_BODY_BINARYMIME);
    assert_int_equal(c.ret, MW_SMTP_RET_FULL);
    assert_true(c.size == UINT64_MAX);
    span_is(c.auth, "e+2Bmc@example.com");
    parse_ok("MAIL FROM:<> BODY=7BIT", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_NULL);
    assert_int_equal(c.body, MW_SMTP_BODY_7BIT);
}

static void test_rcpt_parameters(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE,DELAY "
             "ORCPT=rfc822;Bob+40Example.COM",
             &c);
    assert_int_equal(c.pflags, MW_SMTP_P_NOTIFY | MW_SMTP_P_ORCPT);
    assert_int_equal(c.notify, MW_SMTP_NOTIFY_SUCCESS | MW_SMTP_NOTIFY_FAILURE |
                                   MW_SMTP_NOTIFY_DELAY);
    span_is(c.orcpt_type, "rfc822");
    span_is(c.orcpt_addr, "Bob+40Example.COM");
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(
        mw_smtp_xtext_decode(c.orcpt_addr.ptr, c.orcpt_addr.len, &b), MW_OK);
    mwt_assert_bytes("orcpt", b.data, b.len, "Bob@Example.COM", 15);
    mw_buf_free(&b);
    parse_ok("RCPT TO:<bob@example.com> NOTIFY=DELAY,FAILURE", &c);
    assert_int_equal(c.notify, MW_SMTP_NOTIFY_DELAY | MW_SMTP_NOTIFY_FAILURE);
    /* SIZE is a MAIL parameter: on RCPT it is kept as unknown. */
    parse_ok("RCPT TO:<bob@example.com> SIZE=5 X-FOO XTRA=1", &c);
    assert_int_equal(c.pflags, 0);
    assert_int_equal(c.n_params, 3);
    span_is(c.params[0].name, "SIZE");
    span_is(c.params[0].value, "5");
    span_is(c.params[1].name, "X-FOO");
    span_is(c.params[1].value, "");
    span_is(c.params[2].value, "1");
}

static void test_parameter_errors(void **state)
{
    (void)state;
    expect_syntax("MAIL FROM:<a@b> SIZE=abc", MW_SMTP_ERR_BAD_NUMBER, 21);
    expect_syntax("MAIL FROM:<a@b> SIZE=18446744073709551616",
                  MW_SMTP_ERR_BAD_NUMBER, 21);
    expect_syntax("MAIL FROM:<a@b> SIZE", MW_SMTP_ERR_BAD_PARAM_VALUE, 20);
    expect_syntax("RCPT TO:<a@b> NO ORCPT", MW_SMTP_ERR_BAD_PARAM_VALUE, 22);
    expect_syntax("MAIL FROM:<a@b> BODY=9BIT", MW_SMTP_ERR_BAD_PARAM_VALUE, 21);
    expect_syntax("MAIL FROM:<a@b> SMTPUTF8=yes", MW_SMTP_ERR_BAD_PARAM_VALUE,
                  24);
    expect_syntax("MAIL FROM:<a@b> RET=ALL", MW_SMTP_ERR_BAD_PARAM_VALUE, 20);
    expect_syntax("MAIL FROM:<a@b> ENVID=a+4", MW_SMTP_ERR_BAD_XTEXT, 22);
    expect_syntax("MAIL FROM:<a@b> SIZE=1 size=2", MW_SMTP_ERR_DUP_PARAM, 23);
    expect_syntax("MAIL FROM:<a@b> =x", MW_SMTP_ERR_BAD_PARAM, 16);
    expect_syntax("MAIL FROM:<a@b> X=", MW_SMTP_ERR_BAD_PARAM, 18);
    expect_syntax("MAIL FROM:<a@b> X=a=b", MW_SMTP_ERR_BAD_PARAM, 19);
    expect_syntax("MAIL FROM:<a@b>SIZE=1", MW_SMTP_ERR_SPACE_EXPECTED, 15);
    expect_syntax("RCPT TO:<a@b> NOTIFY=NEVER,SUCCESS",
                  MW_SMTP_ERR_BAD_PARAM_VALUE, 21);
    expect_syntax("RCPT TO:<a@b> NOTIFY=SUCCESS,SUCCESS",
                  MW_SMTP_ERR_BAD_PARAM_VALUE, 29);
    expect_syntax("RCPT TO:<a@b> NOTIFY=SUCCESS,", MW_SMTP_ERR_BAD_PARAM_VALUE,
                  29);
    expect_syntax("RCPT TO:<a@b> ORCPT=rfc822", MW_SMTP_ERR_BAD_PARAM_VALUE,
                  26);
    expect_syntax("RCPT TO:<a@b> ORCPT=rfc822;", MW_SMTP_ERR_BAD_XTEXT, 27);
    /* Nine unknown parameters: the ninth is over MW_SMTP_PARAMS_MAX. */
    expect_err("MAIL FROM:<a@b> A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9",
               MW_E_LIMIT, MW_SMTP_ERR_TOO_MANY_PARAMS, 48);
}

/* ------------------------------------------------------------------ */
/* Paths, local parts, domains, address literals                       */
/* ------------------------------------------------------------------ */

static void test_paths(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("MAIL FROM:<>", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_NULL);
    assert_int_equal(c.path.local.len, 0);
    expect_syntax("RCPT TO:<>", MW_SMTP_ERR_NULL_PATH, 9);
    parse_ok("RCPT TO:<Postmaster>", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_POSTMASTER);
    span_is(c.path.local, "Postmaster");
    assert_int_equal(c.path.domain.len, 0);
    parse_ok("RCPT TO:<postmaster>", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_POSTMASTER);
    /* Postmaster without a domain is only for RCPT. */
    expect_syntax("MAIL FROM:<Postmaster>", MW_SMTP_ERR_AT_EXPECTED, 21);
    parse_ok("MAIL FROM:<\"john doe\"@example.com>", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_QUOTED);
    span_is(c.path.local, "\"john doe\"");
    parse_ok("MAIL FROM:<\"a\\\"b\\\\c\"@example.com>", &c);
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(
        mw_smtp_local_decode(c.path.local.ptr, c.path.local.len, &b), MW_OK);
    mwt_assert_bytes("decoded", b.data, b.len, "a\"b\\c", 5);
    mw_buf_free(&b);
    parse_ok("MAIL FROM:<\"\"@example.com>", &c);
    span_is(c.path.local, "\"\"");
    parse_ok("RCPT TO:<!#$%&'*+-/=?^_`{|}~.x@example.com>", &c);
    parse_ok("RCPT TO:<@a.example:u@b.example>", &c);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_ROUTE);
    span_is(c.path.route, "@a.example");
}

static void test_path_errors(void **state)
{
    (void)state;
    expect_syntax("MAIL <a@b>", MW_SMTP_ERR_FROM_EXPECTED, 5);
    expect_syntax("MAIL FROM", MW_SMTP_ERR_FROM_EXPECTED, 5);
    expect_syntax("MAIL", MW_SMTP_ERR_FROM_EXPECTED, 4);
    expect_syntax("RCPT FROM:<a@b>", MW_SMTP_ERR_TO_EXPECTED, 5);
    expect_syntax("MAIL FROM:a@b", MW_SMTP_ERR_PATH_EXPECTED, 10);
    expect_syntax("MAIL FROM:<a@b", MW_SMTP_ERR_PATH_END_EXPECTED, 14);
    expect_syntax("MAIL FROM:<a>", MW_SMTP_ERR_AT_EXPECTED, 12);
    expect_syntax("MAIL FROM:<a b@c>", MW_SMTP_ERR_AT_EXPECTED, 12);
    expect_syntax("MAIL FROM:<a..b@c>", MW_SMTP_ERR_BAD_LOCAL, 13);
    expect_syntax("MAIL FROM:<.a@c>", MW_SMTP_ERR_BAD_LOCAL, 11);
    expect_syntax("MAIL FROM:<a.@c>", MW_SMTP_ERR_BAD_LOCAL, 13);
    expect_syntax("MAIL FROM:<\"abc@d>", MW_SMTP_ERR_BAD_LOCAL, 18);
    expect_syntax("MAIL FROM:<\"a\tb\"@d>", MW_SMTP_ERR_BAD_LOCAL, 13);
    expect_syntax("MAIL FROM:<a@-b.com>", MW_SMTP_ERR_BAD_DOMAIN, 13);
    expect_syntax("MAIL FROM:<a@b-.com>", MW_SMTP_ERR_BAD_DOMAIN, 14);
    expect_syntax("MAIL FROM:<a@b..c>", MW_SMTP_ERR_BAD_DOMAIN, 15);
    expect_syntax("MAIL FROM:<a@b.>", MW_SMTP_ERR_BAD_DOMAIN, 15);
    expect_syntax("MAIL FROM:<a@>", MW_SMTP_ERR_BAD_DOMAIN, 13);
    expect_syntax("MAIL FROM:<a@b_c.d>", MW_SMTP_ERR_PATH_END_EXPECTED, 14);
    expect_syntax("RCPT TO:<@a,b:c@d>", MW_SMTP_ERR_BAD_ROUTE, 12);
    expect_syntax("RCPT TO:<@a;c@d>", MW_SMTP_ERR_BAD_ROUTE, 11);
    char line[128];
    strcpy(line, "MAIL FROM:<a@");
    memset(line + 13, 'x', 64);
    strcpy(line + 77, ".com>");
    expect_syntax(line, MW_SMTP_ERR_BAD_DOMAIN, 13 + 63);
}

static void test_address_literals(void **state)
{
    (void)state;
    static const struct {
        const char *lit;
        uint32_t flag;
    } good[] = {
        {"[1.2.3.4]", MW_SMTP_PATH_IPV4},
        {"[255.255.255.255]", MW_SMTP_PATH_IPV4},
        {"[0.0.0.0]", MW_SMTP_PATH_IPV4},
        {"[IPv6:::1]", MW_SMTP_PATH_IPV6},
        {"[IPv6:::]", MW_SMTP_PATH_IPV6},
        {"[ipv6:1::]", MW_SMTP_PATH_IPV6},
        {"[IPv6:1:2:3:4:5:6:7:8]", MW_SMTP_PATH_IPV6},
        {"[IPv6:2001:db8::1]", MW_SMTP_PATH_IPV6},
        {"[IPv6:2001:DB8:0:0:0:0:0:FFFF]", MW_SMTP_PATH_IPV6},
        {"[IPv6:1:2:3::6:7:8]", MW_SMTP_PATH_IPV6},
        {"[IPv6:::ffff:192.0.2.1]", MW_SMTP_PATH_IPV6},
        {"[IPv6:::192.0.2.1]", MW_SMTP_PATH_IPV6},
        {"[IPv6:1:2:3:4:5:6:192.0.2.1]", MW_SMTP_PATH_IPV6},
        {"[IPv6:1:2:3:4::192.0.2.1]", MW_SMTP_PATH_IPV6},
        {"[x-tag:any!content]", MW_SMTP_PATH_GENERAL},
        {"[-tag:x]", MW_SMTP_PATH_GENERAL}, /* Ldh-str may start with - */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char line[96];
        strcpy(line, "MAIL FROM:<a@");
        strcat(line, good[i].lit);
        strcat(line, ">");
        mw_smtp_cmd c;
        parse_ok(line, &c);
        assert_int_equal(c.path.flags, good[i].flag);
        span_is(c.path.domain, good[i].lit);
        strcpy(line, "HELO ");
        strcat(line, good[i].lit);
        parse_ok(line, &c);
        assert_int_equal(c.flags, MW_SMTP_CMD_F_LITERAL);
    }
    /* "MAIL FROM:<a@[" is 14 bytes: offsets are counted from the line. */
    static const struct {
        const char *lit;
        uint64_t offset;
    } bad[] = {
        {"[256.1.1.1]", 14},
        {"[1.256.1.1]", 16},
        {"[1.2.3]", 19},
        {"[1.2.3.4.5]", 21},
        {"[1.2.3.4", 22},
        {"[1..2.3]", 16},
        {"[1234.1.1.1]", 17},
        {"[IPv6:1:2:3:4:5:6:7]", 32},
        {"[IPv6:1:2:3:4:5:6:7:8:9]", 36},
        {"[IPv6:1::2::3]", 24},
        {"[IPv6:12345::]", 23},
        {"[IPv6:1:2:3:4:5:6:7::]", 34},
        {"[IPv6:1:2:3:4:5::1.2.3.4]", 37},
        {"[IPv6::1]", 19},
        {"[IPv6:1:]", 21},
        {"[IPv6:g::1]", 19},
        {"[IPv6:::256.1.1.1]", 21},
        {"[IPv6:1.2.3.4]", 26},
        {"[tag:]", 18},
        {"[:x]", 14},
        {"[]", 14},
        {"[tag:a b]", 19},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char line[96];
        strcpy(line, "MAIL FROM:<a@");
        strcat(line, bad[i].lit);
        strcat(line, ">");
        expect_syntax(line, MW_SMTP_ERR_BAD_LITERAL, bad[i].offset);
    }
}

static void test_utf8_only_with_smtputf8(void **state)
{
    (void)state;
    const char *line = "MAIL FROM:<j\xc3\xb6rg@b\xc3\xbc"
                       "cher.example> SMTPUTF8";
    expect_syntax(line, MW_SMTP_ERR_8BIT, 12);
    mw_smtp_codec_config cfg = cfg_with(MW_SMTP_CODEC_UTF8);
    mw_smtp_cmd c;
    assert_int_equal(parse_cfg(line, &cfg, &c, NULL), MW_OK);
    assert_int_equal(c.path.flags, MW_SMTP_PATH_UTF8);
    span_is(c.path.domain, "b\xc3\xbc"
                           "cher.example");
    assert_int_equal(c.pflags, MW_SMTP_P_SMTPUTF8);
    /* Invalid UTF-8 is refused even under SMTPUTF8. */
    expect_err_cfg("MAIL FROM:<a\xc3(@b>", &cfg, MW_E_SYNTAX,
                   MW_SMTP_ERR_BAD_UTF8, 12);
    expect_err_cfg("RCPT TO:<\xff@b>", &cfg, MW_E_SYNTAX, MW_SMTP_ERR_BAD_UTF8,
                   9);
    expect_syntax("NOOP caf\xc3\xa9", MW_SMTP_ERR_8BIT, 8);
}

/* ------------------------------------------------------------------ */
/* Other verbs' syntax errors                                          */
/* ------------------------------------------------------------------ */

static void test_syntax_errors_with_offsets(void **state)
{
    (void)state;
    expect_syntax("", MW_SMTP_ERR_EMPTY, 0);
    expect_syntax(" NOOP", MW_SMTP_ERR_BAD_VERB, 0);
    expect_syntax("NO@P", MW_SMTP_ERR_BAD_VERB, 2);
    expect_syntax("NOOP\tx", MW_SMTP_ERR_BAD_VERB, 4);
    expect_syntax("NOOP a\rb", MW_SMTP_ERR_CTL, 6);
    expect_syntax("RCPT TO:<a@b>\nDATA", MW_SMTP_ERR_CTL, 13);
    mw_smtp_cmd c;
    mw_smtp_parse_error err;
    assert_int_equal(
        mw_smtp_cmd_parse("NOOP\0x", 6, MW_SMTP_LINE_CRLF, NULL, &c, &err),
        MW_E_SYNTAX);
    assert_int_equal(err.reason, MW_SMTP_ERR_CTL);
    assert_int_equal(err.offset, 4);
    expect_syntax("DATA now", MW_SMTP_ERR_UNEXPECTED_ARG, 5);
    expect_syntax("QUIT  x", MW_SMTP_ERR_UNEXPECTED_ARG, 6);
    expect_syntax("STARTTLS x", MW_SMTP_ERR_UNEXPECTED_ARG, 9);
    expect_syntax("EHLO", MW_SMTP_ERR_MISSING_ARG, 4);
    expect_syntax("EHLO ", MW_SMTP_ERR_MISSING_ARG, 5);
    expect_syntax("EHLO a b", MW_SMTP_ERR_TRAILING, 7);
    expect_syntax("EHLO a..b", MW_SMTP_ERR_BAD_DOMAIN, 7);
    expect_syntax("HELO a/b", MW_SMTP_ERR_SPACE_EXPECTED, 6);
    expect_syntax("VRFY", MW_SMTP_ERR_MISSING_ARG, 4);
    expect_syntax("EXPN  ", MW_SMTP_ERR_MISSING_ARG, 6);
    expect_syntax("BDAT", MW_SMTP_ERR_MISSING_ARG, 4);
    expect_syntax("BDAT x", MW_SMTP_ERR_BAD_NUMBER, 5);
    expect_syntax("BDAT 18446744073709551616", MW_SMTP_ERR_BAD_NUMBER, 5);
    expect_syntax("BDAT 10 LASTX", MW_SMTP_ERR_TRAILING, 8);
    expect_syntax("BDAT 10 LAST x", MW_SMTP_ERR_TRAILING, 13);
    expect_syntax("AUTH", MW_SMTP_ERR_MISSING_ARG, 4);
    expect_syntax("AUTH BAD!MECH", MW_SMTP_ERR_BAD_MECHANISM, 5);
    expect_syntax("AUTH ABCDEFGHIJKLMNOPQRSTU", MW_SMTP_ERR_BAD_MECHANISM, 5);
    expect_syntax("AUTH PLAIN abc$", MW_SMTP_ERR_BAD_RESPONSE, 11);
    expect_syntax("AUTH PLAIN a=b", MW_SMTP_ERR_BAD_RESPONSE, 11);
    expect_syntax("AUTH PLAIN x y", MW_SMTP_ERR_TRAILING, 13);

    /* The error carries what a server needs for its reply. */
    assert_int_equal(parse_cfg("MAIL FROM:<a@b", NULL, &c, &err), MW_E_SYNTAX);
    assert_int_equal(err.reply_code, 501);
    assert_string_equal(err.text, "'>' expected");
    assert_string_equal(err.enhanced, "5.1.3");
    assert_string_equal(mw_smtp_error_text(MW_SMTP_ERR_LINE_TOO_LONG),
                        "line too long");
    assert_string_equal(mw_smtp_error_text(9999), "unknown error");
}

static void test_bdat_and_auth(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    parse_ok("BDAT 1000", &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_BDAT);
    assert_int_equal(c.number, 1000);
    assert_int_equal(c.flags, 0);
    parse_ok("BDAT 0 LAST", &c);
    assert_int_equal(c.number, 0);
    assert_int_equal(c.flags, MW_SMTP_CMD_F_LAST);
    parse_ok("BDAT 18446744073709551615", &c);
    assert_true(c.number == UINT64_MAX);
    parse_ok("AUTH PLAIN AGpvZQBzZWNyZXQ=", &c);
    span_is(c.arg, "PLAIN");
    span_is(c.arg2, "AGpvZQBzZWNyZXQ=");
    parse_ok("AUTH EXTERNAL =", &c);
    span_is(c.arg2, "=");
    parse_ok("auth login", &c);
    span_is(c.arg, "login");
    assert_int_equal(c.arg2.len, 0);
}

/* ------------------------------------------------------------------ */
/* RFC 5321 4.5.3.1 limits                                             */
/* ------------------------------------------------------------------ */

static char *repeat_line(const char *head, char fill, size_t n,
                         const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, fill, n);
    memcpy(s + h + n, tail, t + 1);
    return s;
}

static void test_limits_line(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    /* 510 bytes + CRLF = 512: accepted; one more is over. */
    char *line = repeat_line("NOOP ", 'x', 505, "");
    parse_ok(line, &c);
    free(line);
    line = repeat_line("NOOP ", 'x', 506, "");
    expect_err(line, MW_E_LIMIT, MW_SMTP_ERR_LINE_TOO_LONG, 510);
    /* Raised by configuration. */
    mw_smtp_codec_config cfg = cfg_with(0);
    cfg.line_max = 1000;
    assert_int_equal(parse_cfg(line, &cfg, &c, NULL), MW_OK);
    free(line);
    /* A value below the RFC minimum still means the minimum. */
    cfg.line_max = 100;
    line = repeat_line("NOOP ", 'x', 505, "");
    assert_int_equal(parse_cfg(line, &cfg, &c, NULL), MW_OK);
    free(line);
    /* MAIL gets the RFC 3461 / RFC 4954 allowance on top. */
    line = repeat_line("MAIL FROM:<a@b> ENVID=", 'x',
                       512 + MW_SMTP_MAIL_LINE_EXTRA - 2 - 22, "");
    parse_ok(line, &c);
    free(line);
    line = repeat_line("MAIL FROM:<a@b> ENVID=", 'x',
                       512 + MW_SMTP_MAIL_LINE_EXTRA - 2 - 21, "");
    expect_err(line, MW_E_LIMIT, MW_SMTP_ERR_LINE_TOO_LONG,
               512 + MW_SMTP_MAIL_LINE_EXTRA - 2);
    free(line);
    line = repeat_line("RCPT TO:<a@b> ORCPT=rfc822;", 'x',
                       512 + MW_SMTP_RCPT_LINE_EXTRA - 2 - 27, "");
    parse_ok(line, &c);
    free(line);
}

/* RFC 4954 section 4: an AUTH line with its initial response may be 12288
 * octets, CRLF included; the codec both reads and writes it. */
static void test_limits_auth_line(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    char *line = repeat_line("AUTH PLAIN ", 'A', 12286 - 11, "");
    parse_ok(line, &c);
    assert_int_equal(c.verb, MW_SMTP_VERB_AUTH);
    assert_int_equal(c.arg2.len, 12286 - 11);
    free(line);
    line = repeat_line("AUTH PLAIN ", 'A', 12287 - 11, "");
    mw_smtp_parse_error err;
    assert_int_equal(parse_cfg(line, NULL, &c, &err), MW_E_LIMIT);
    assert_int_equal(err.reason, MW_SMTP_ERR_LINE_TOO_LONG);
    assert_int_equal(err.offset, 12286);
    assert_int_equal(err.reply_code, 500);
    assert_string_equal(err.enhanced, "5.5.6");
    free(line);
    /* The allowance is AUTH's only: NOOP keeps 512. */
    line = repeat_line("NOOP ", 'x', 1000, "");
    expect_err(line, MW_E_LIMIT, MW_SMTP_ERR_LINE_TOO_LONG, 510);
    free(line);

    /* The writer accepts the same 12288-octet line and no longer one. */
    char *ir = malloc(12287);
    assert_non_null(ir);
    memset(ir, 'A', 12287);
    mw_smtp_cmd w;
    memset(&w, 0, sizeof(w));
    w.verb = MW_SMTP_VERB_AUTH;
    w.arg.ptr = "PLAIN";
    w.arg.len = 5;
    w.arg2.ptr = ir;
    w.arg2.len = 12286 - 11;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_smtp_cmd_write(&w, NULL, &out), MW_OK);
    assert_int_equal(out.len, 12288);
    w.arg2.len++;
    assert_int_equal(mw_smtp_cmd_write(&w, NULL, &out), MW_E_LIMIT);
    assert_int_equal(out.len, 12288);
    mw_buf_free(&out);
    free(ir);
}

static void test_limits_path_parts(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    /* Local part: 64 accepted, 65 over. */
    char *line = repeat_line("MAIL FROM:<", 'l', 64, "@b.example>");
    parse_ok(line, &c);
    assert_int_equal(c.path.local.len, 64);
    free(line);
    line = repeat_line("MAIL FROM:<", 'l', 65, "@b.example>");
    expect_err(line, MW_E_LIMIT, MW_SMTP_ERR_LOCAL_TOO_LONG, 11 + 64);
    mw_smtp_codec_config cfg = cfg_with(0);
    cfg.local_max = 128;
    assert_int_equal(parse_cfg(line, &cfg, &c, NULL), MW_OK);
    free(line);
    /* Domain: four 63-byte labels and three dots = 255; then 257. */
    char dom[300];
    memset(dom, 'd', sizeof(dom));
    dom[63] = dom[127] = dom[191] = '.';
    dom[255] = 0;
    char buf[400];
    strcpy(buf, "EHLO ");
    strcat(buf, dom);
    parse_ok(buf, &c);
    assert_int_equal(c.arg.len, 255);
    strcat(buf, ".d");
    expect_err(buf, MW_E_LIMIT, MW_SMTP_ERR_DOMAIN_TOO_LONG, 5 + 255);
    /* Path: 256 with brackets accepted, 257 over, though the local part
     * (64) and domain (189, 190) are within theirs. */
    dom[189] = 0;
    strcpy(buf, "RCPT TO:<");
    memset(buf + 9, 'l', 64);
    buf[73] = '@';
    strcpy(buf + 74, dom);
    strcat(buf, ">");
    parse_ok(buf, &c);
    dom[189] = 'd';
    dom[190] = 0;
    strcpy(buf + 74, dom);
    strcat(buf, ">");
    expect_err(buf, MW_E_LIMIT, MW_SMTP_ERR_PATH_TOO_LONG, 8 + 256);
    cfg.path_max = 300;
    assert_int_equal(parse_cfg(buf, &cfg, &c, NULL), MW_OK);
    mw_smtp_parse_error err;
    assert_int_equal(parse_cfg(buf, NULL, &c, &err), MW_E_LIMIT);
    assert_int_equal(err.reply_code, 501);
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

static mw_smtp_cmd mail_cmd(const char *local, const char *domain)
{
    mw_smtp_cmd c;
    memset(&c, 0, sizeof(c));
    c.verb = MW_SMTP_VERB_MAIL;
    c.path.local = sp(local);
    c.path.domain = sp(domain);
    return c;
}

static void test_writer_byte_exact_table(void **state)
{
    (void)state;
    mw_smtp_cmd c;
    memset(&c, 0, sizeof(c));
    c.verb = MW_SMTP_VERB_EHLO;
    c.arg = sp("client.example");
    write_is(&c, NULL, MW_OK, "EHLO client.example\r\n");
    c.verb = MW_SMTP_VERB_HELO;
    write_is(&c, NULL, MW_OK, "HELO client.example\r\n");
    c.verb = MW_SMTP_VERB_LHLO;
    c.arg = sp("[IPv6:::1]");
    write_is(&c, NULL, MW_OK, "LHLO [IPv6:::1]\r\n");

    c = mail_cmd("Smith", "bar.com");
    write_is(&c, NULL, MW_OK, "MAIL FROM:<Smith@bar.com>\r\n");
    c.pflags = MW_SMTP_P_REQUIRETLS | MW_SMTP_P_AUTH | MW_SMTP_P_ENVID |
               MW_SMTP_P_RET | MW_SMTP_P_SMTPUTF8 | MW_SMTP_P_BODY |
               MW_SMTP_P_SIZE;
    c.size = 1000;
    c.body = MW_SMTP_BODY_8BITMIME;
    c.ret = MW_SMTP_RET_HDRS;
    c.envid = sp("QQ314159");
    c.auth = sp("<>");
    c.n_params = 1;
    c.params[0].name = sp("XTRA");
    c.params[0].value = sp("1");
    write_is(&c, NULL, MW_OK,
             "MAIL FROM:<Smith@bar.com> SIZE=1000 BODY=8BITMIME SMTPUTF8 "
             "RET=HDRS ENVID=QQ314159 AUTH=<> REQUIRETLS XTRA=1\r\n");
    c = mail_cmd("", "");
    c.path.flags = MW_SMTP_PATH_NULL;
    write_is(&c, NULL, MW_OK, "MAIL FROM:<>\r\n");

    c = mail_cmd("Jones", "foo.com");
    c.verb = MW_SMTP_VERB_RCPT;
    c.pflags = MW_SMTP_P_NOTIFY | MW_SMTP_P_ORCPT;
    c.notify = MW_SMTP_NOTIFY_DELAY | MW_SMTP_NOTIFY_SUCCESS;
    c.orcpt_type = sp("rfc822");
    c.orcpt_addr = sp("Jones+40foo.com");
    write_is(&c, NULL, MW_OK,
             "RCPT TO:<Jones@foo.com> NOTIFY=SUCCESS,DELAY "
             "ORCPT=rfc822;Jones+40foo.com\r\n");
    c = mail_cmd("Postmaster", "");
    c.verb = MW_SMTP_VERB_RCPT;
    c.path.flags = MW_SMTP_PATH_POSTMASTER;
    write_is(&c, NULL, MW_OK, "RCPT TO:<Postmaster>\r\n");

    static const struct {
        uint32_t verb;
        const char *arg, *arg2;
        const char *want;
    } simple[] = {
        {MW_SMTP_VERB_DATA, "", "", "DATA\r\n"},
        {MW_SMTP_VERB_RSET, "", "", "RSET\r\n"},
        {MW_SMTP_VERB_QUIT, "", "", "QUIT\r\n"},
        {MW_SMTP_VERB_STARTTLS, "", "", "STARTTLS\r\n"},
        {MW_SMTP_VERB_NOOP, "", "", "NOOP\r\n"},
        {MW_SMTP_VERB_NOOP, "ping", "", "NOOP ping\r\n"},
        {MW_SMTP_VERB_HELP, "", "", "HELP\r\n"},
        {MW_SMTP_VERB_HELP, "RCPT", "", "HELP RCPT\r\n"},
        {MW_SMTP_VERB_VRFY, "Crispin", "", "VRFY Crispin\r\n"},
        {MW_SMTP_VERB_EXPN, "Example-People", "", "EXPN Example-People\r\n"},
        {MW_SMTP_VERB_AUTH, "PLAIN", "", "AUTH PLAIN\r\n"},
        {MW_SMTP_VERB_AUTH, "PLAIN", "=", "AUTH PLAIN =\r\n"},
        {MW_SMTP_VERB_AUTH, "PLAIN", "AGEAYg==", "AUTH PLAIN AGEAYg==\r\n"},
    };
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        memset(&c, 0, sizeof(c));
        c.verb = simple[i].verb;
        c.arg = sp(simple[i].arg);
        c.arg2 = sp(simple[i].arg2);
        write_is(&c, NULL, MW_OK, simple[i].want);
    }
    memset(&c, 0, sizeof(c));
    c.verb = MW_SMTP_VERB_BDAT;
    c.number = 86;
    write_is(&c, NULL, MW_OK, "BDAT 86\r\n");
    c.flags = MW_SMTP_CMD_F_LAST;
    c.number = 0;
    write_is(&c, NULL, MW_OK, "BDAT 0 LAST\r\n");
    memset(&c, 0, sizeof(c));
    c.verb = MW_SMTP_VERB_UNKNOWN;
    c.verb_text = sp("XCLIENT");
    c.arg = sp("ADDR=192.0.2.1");
    write_is(&c, NULL, MW_OK, "XCLIENT ADDR=192.0.2.1\r\n");
}

static void test_writer_quotes_raw_local_parts(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *want;
    } cases[] = {
        {"john.doe", "MAIL FROM:<john.doe@example.com>\r\n"},
        {"john doe", "MAIL FROM:<\"john doe\"@example.com>\r\n"},
        {"a\"b\\c", "MAIL FROM:<\"a\\\"b\\\\c\"@example.com>\r\n"},
        {".john", "MAIL FROM:<\".john\"@example.com>\r\n"},
        {"a..b", "MAIL FROM:<\"a..b\"@example.com>\r\n"},
        {"", "MAIL FROM:<\"\"@example.com>\r\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mw_smtp_cmd c = mail_cmd(cases[i].raw, "example.com");
        c.path.flags = MW_SMTP_PATH_LOCAL_RAW;
        write_is(&c, NULL, MW_OK, cases[i].want);
    }
    /* A tab cannot be a quoted-pair in SMTP: refused, not mangled. */
    mw_smtp_cmd c = mail_cmd("a\tb", "example.com");
    c.path.flags = MW_SMTP_PATH_LOCAL_RAW;
    write_is(&c, NULL, MW_E_ARG, NULL);
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_local_encode("john doe", 8, 0, &b), MW_OK);
    mwt_assert_bytes("enc", b.data, b.len, "\"john doe\"", 10);
    mw_buf_clear(&b);
    assert_int_equal(mw_smtp_local_encode("j\xc3\xb6rg", 5, 0, &b), MW_E_ARG);
    assert_int_equal(mw_smtp_local_encode("j\xc3\xb6rg", 5, 1, &b), MW_OK);
    mwt_assert_bytes("enc", b.data, b.len, "j\xc3\xb6rg", 5);
    mw_buf_free(&b);
}

/* python/cpython #87290 (bpo-43124): smtplib put CR/LF from the caller's
 * address into MAIL FROM, so one API call sent two commands. */
static void test_mail_from_crlf_injection_cpython_87290(void **state)
{
    (void)state;
    mw_smtp_cmd c =
        mail_cmd("alice", "example.com>\r\nRCPT TO:<evil@example.org");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c = mail_cmd("alice\r\nRSET", "example.com");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c = mail_cmd("alice", "example.com");
    c.pflags = MW_SMTP_P_ENVID;
    c.envid = sp("x\r\nDATA");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c.pflags = MW_SMTP_P_AUTH;
    c.auth = sp("<>\nQUIT");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c.pflags = 0;
    c.n_params = 1;
    c.params[0].name = sp("X");
    c.params[0].value = sp("1\rRSET");
    write_is(&c, NULL, MW_E_CRLF, NULL);
}

/* curl/curl PR #22119: --mail-from / --mail-rcpt values with CR/LF were
 * sent as they were, injecting SMTP commands. */
static void test_rcpt_crlf_injection_curl_pr_22119(void **state)
{
    (void)state;
    static const char *const evil[] = {"bob\r\nDATA", "bob\nDATA", "bob\rDATA"};
    for (size_t i = 0; i < 3; i++) {
        mw_smtp_cmd c = mail_cmd(evil[i], "example.com");
        c.verb = MW_SMTP_VERB_RCPT;
        write_is(&c, NULL, MW_E_CRLF, NULL);
        c.path.flags = MW_SMTP_PATH_LOCAL_RAW;
        write_is(&c, NULL, MW_E_CRLF, NULL);
    }
    mw_smtp_cmd c = mail_cmd("bob", "example.com");
    c.verb = MW_SMTP_VERB_RCPT;
    char nul_local[] = {'b', 0, 'o'};
    c.path.local.ptr = nul_local;
    c.path.local.len = 3;
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c = mail_cmd("bob", "example.com");
    c.verb = MW_SMTP_VERB_RCPT;
    c.pflags = MW_SMTP_P_ORCPT;
    c.orcpt_type = sp("rfc822");
    c.orcpt_addr = sp("bob\r\nQUIT");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    /* Every other argument is guarded the same way. */
    memset(&c, 0, sizeof(c));
    c.verb = MW_SMTP_VERB_EHLO;
    c.arg = sp("a\r\nMAIL FROM:<x@y>");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c.verb = MW_SMTP_VERB_VRFY;
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c.verb = MW_SMTP_VERB_AUTH;
    c.arg = sp("PLAIN");
    c.arg2 = sp("AGE=\r\nQUIT");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c.verb = MW_SMTP_VERB_UNKNOWN;
    c.verb_text = sp("X\r\nQUIT");
    c.arg = sp("");
    write_is(&c, NULL, MW_E_CRLF, NULL);
}

/* MimeKit GHSA-g7hc-96xr-gvvx: a quoted local part kept CR/LF inside the
 * quotes, and the quoting made it look safe. */
static void test_quoted_local_part_crlf_mimekit_ghsa_g7hc(void **state)
{
    (void)state;
    mw_smtp_cmd c =
        mail_cmd("\"x\r\nRCPT TO:<y@example.org>\r\n\"", "example.com");
    write_is(&c, NULL, MW_E_CRLF, NULL);
    c = mail_cmd("x\r\nRCPT TO:<y@example.org>", "example.com");
    c.path.flags = MW_SMTP_PATH_LOCAL_RAW;
    write_is(&c, NULL, MW_E_CRLF, NULL);
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_local_encode("a\r\nb", 4, 1, &b), MW_E_CRLF);
    assert_int_equal(b.len, 0);
    mw_buf_free(&b);
    /* And the parser never reads one in. */
    expect_syntax("MAIL FROM:<\"x\rRCPT\"@example.com>", MW_SMTP_ERR_CTL, 13);
}

static void test_writer_refuses_what_would_not_reparse(void **state)
{
    (void)state;
    mw_smtp_cmd c = mail_cmd("a b", "example.com");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c = mail_cmd("a", "exa mple.com");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c = mail_cmd("a", "example.com>");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c = mail_cmd("a", "");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c = mail_cmd("j\xc3\xb6rg", "example.com");
    write_is(&c, NULL, MW_E_ARG, NULL);
    mw_smtp_codec_config cfg = cfg_with(MW_SMTP_CODEC_UTF8);
    write_is(&c, &cfg, MW_OK, "MAIL FROM:<j\xc3\xb6rg@example.com>\r\n");
    c = mail_cmd("a", "example.com");
    c.n_params = 1;
    c.params[0].name = sp("SIZE"); /* would be read back as known */
    c.params[0].value = sp("1");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.params[0].name = sp("BAD NAME");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.n_params = 0;
    c.pflags = MW_SMTP_P_BODY; /* body left 0 */
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.pflags = MW_SMTP_P_ENVID;
    c.envid = sp("a b");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c = mail_cmd("", "");
    c.verb = MW_SMTP_VERB_RCPT;
    c.path.flags = MW_SMTP_PATH_NULL;
    write_is(&c, NULL, MW_E_ARG, NULL);
    char local[70];
    memset(local, 'l', 65);
    local[65] = 0;
    c = mail_cmd(local, "example.com");
    write_is(&c, NULL, MW_E_LIMIT, NULL);

    memset(&c, 0, sizeof(c));
    c.verb = MW_SMTP_VERB_VRFY;
    write_is(&c, NULL, MW_E_ARG, NULL); /* VRFY needs an argument */
    c.arg = sp(" x");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.arg = sp("x ");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.verb = MW_SMTP_VERB_EHLO;
    c.arg = sp("");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.verb = MW_SMTP_VERB_AUTH;
    c.arg = sp("PLAIN");
    c.arg2 = sp("not base64!");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.verb = MW_SMTP_VERB_UNKNOWN;
    c.verb_text = sp("mail"); /* reads back as MAIL */
    c.arg2 = sp("");
    write_is(&c, NULL, MW_E_ARG, NULL);
    c.verb = 77;
    write_is(&c, NULL, MW_E_ARG, NULL);
    assert_int_equal(mw_smtp_cmd_write(NULL, NULL, NULL), MW_E_ARG);
}

static void test_writer_all_or_nothing(void **state)
{
    (void)state;
    mw_smtp_cmd c = mail_cmd("Smith", "bar.com");
    char mem[16];
    mw_buf b;
    mw_buf_init_fixed(&b, mem, sizeof(mem));
    assert_int_equal(mw_buf_append_str(&b, "abc"), MW_OK);
    assert_int_equal(mw_smtp_cmd_write(&c, NULL, &b), MW_E_NOSPACE);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.needed, 3 + strlen("MAIL FROM:<Smith@bar.com>\r\n"));
    char big[64];
    mw_buf_init_fixed(&b, big, sizeof(big));
    assert_int_equal(mw_smtp_cmd_write(&c, NULL, &b), MW_OK);
    mwt_assert_bytes("fits", b.data, b.len, "MAIL FROM:<Smith@bar.com>\r\n",
                     27);
}

/* ------------------------------------------------------------------ */
/* Round trips                                                         */
/* ------------------------------------------------------------------ */

static void round_trip(const char *line, const mw_smtp_codec_config *cfg,
                       const char *canonical)
{
    mw_smtp_cmd a, b;
    mw_smtp_parse_error err;
    mw_status st = parse_cfg(line, cfg, &a, &err);
    if (st != MW_OK)
        fail_msg("'%s': %s", line, err.text);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_smtp_cmd_write(&a, cfg, &out), MW_OK);
    if (canonical)
        mwt_assert_bytes(line, out.data, out.len, canonical, strlen(canonical));
    assert_int_equal(mw_smtp_cmd_parse(out.data, out.len - 2, MW_SMTP_LINE_CRLF,
                                       cfg, &b, NULL),
                     MW_OK);
    assert_true(mw_smtp_cmd_equal(&a, &b));
    mw_buf_free(&out);
}

static void test_round_trip_every_kind(void **state)
{
    (void)state;
    static const char *const same[] = {
        "HELO relay.example.org",
        "EHLO [IPv6:2001:db8::1]",
        "LHLO lmtp.example",
        "MAIL FROM:<Smith@bar.com>",
        "MAIL FROM:<> SIZE=0 BODY=BINARYMIME RET=FULL ENVID=a+2Bb AUTH=<>",
        "MAIL FROM:<\"john doe\"@[192.0.2.1]> SMTPUTF8 REQUIRETLS X-Y Z=1",
        "RCPT TO:<Postmaster>",
        "RCPT TO:<a@[tag:x]> NOTIFY=NEVER ORCPT=rfc822;a+40b",
        "RCPT TO:<a@b.example> NOTIFY=SUCCESS,FAILURE,DELAY",
        "DATA",
        "BDAT 0",
        "BDAT 18446744073709551615 LAST",
        "RSET",
        "VRFY John Smith",
        "EXPN list",
        "HELP",
        "HELP DATA",
        "NOOP",
        "NOOP x y z",
        "QUIT",
        "STARTTLS",
        "AUTH CRAM-MD5",
        "AUTH PLAIN =",
        "AUTH XOAUTH2 dXNlcj1h",
        "XCLIENT NAME=spike.porcupine.org",
        "ETRN",
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        char want[600];
        strcpy(want, same[i]);
        strcat(want, "\r\n");
        round_trip(same[i], NULL, want);
    }
    /* Tolerated forms come back in canonical form. */
    round_trip("mail from: <a@b.example>  body=8bitmime ", NULL,
               "MAIL FROM:<a@b.example> BODY=8BITMIME\r\n");
    round_trip("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org> "
               "notify=delay,success",
               NULL, "RCPT TO:<userc@d.bar.org> NOTIFY=SUCCESS,DELAY\r\n");
    round_trip("bdat 007 last", NULL, "BDAT 7 LAST\r\n");
    mw_smtp_codec_config cfg = cfg_with(MW_SMTP_CODEC_UTF8);
    round_trip("RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90."
               "example>",
               &cfg, NULL);
}

static void test_equal_is_semantic(void **state)
{
    (void)state;
    mw_smtp_cmd a, b;
    parse_ok("MAIL FROM:<\"abc\"@x.example>", &a);
    parse_ok("MAIL FROM:<abc@x.example>", &b);
    assert_true(mw_smtp_cmd_equal(&a, &b));
    parse_ok("MAIL FROM:<abd@x.example>", &b);
    assert_false(mw_smtp_cmd_equal(&a, &b));
    parse_ok("MAIL FROM:<abc@x.example> SIZE=1", &b);
    assert_false(mw_smtp_cmd_equal(&a, &b));
    parse_ok("BDAT 1 LAST", &a);
    parse_ok("BDAT 1", &b);
    assert_false(mw_smtp_cmd_equal(&a, &b));
    parse_ok("xclient a", &a);
    parse_ok("XCLIENT a", &b);
    assert_true(mw_smtp_cmd_equal(&a, &b));
}

/* Seeded random commands built from good and bad pieces: whenever the
 * writer accepts one, it must parse back equal. */
static uint32_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static mw_span pick(uint64_t *s, const char *const *set, size_t n)
{
    return sp(set[rng_next(s) % n]);
}

static void test_round_trip_seeded_random(void **state)
{
    (void)state;
    static const char *const locals[] = {
        "a",          "john.doe", "\"john doe\"", "x+tag", "",     "a b",
        "\"q\\\"x\"", "john doe", "o'hara",       "..",    "\"\"", "UPPER"};
    static const char *const domains[] = {
        "example.com", "[192.0.2.1]", "[IPv6:::1]", "a-b.c",  "-bad", "",
        "[tag:v]",     "x",           "a..b",       "[1.2.3]"};
    static const char *const words[] = {"",    "x",        "QQ+2B1", "<>",
                                        "a=b", "rfc822",   "a b",    "PLAIN",
                                        "=",   "dGVzdA==", "LOGIN"};
    uint64_t seed = 0x5eed5eedull;
    int written = 0;
    for (int iter = 0; iter < 20000; iter++) {
        mw_smtp_cmd c;
        memset(&c, 0, sizeof(c));
        c.verb = rng_next(&seed) % 17;
        c.path.local = pick(&seed, locals, 12);
        c.path.domain = pick(&seed, domains, 10);
        uint32_t r = rng_next(&seed);
        c.path.flags = (r & 1 ? MW_SMTP_PATH_LOCAL_RAW : 0u) |
                       ((r & 6) == 6 ? MW_SMTP_PATH_NULL : 0u);
        c.arg = pick(&seed, words, 11);
        if (c.verb == MW_SMTP_VERB_HELO || c.verb == MW_SMTP_VERB_EHLO)
            c.arg = pick(&seed, domains, 10);
        c.arg2 = pick(&seed, words, 11);
        c.verb_text = pick(&seed, words, 11);
        c.pflags = rng_next(&seed) & 0x1ff;
        c.size = rng_next(&seed);
        c.body = rng_next(&seed) % 4;
        c.ret = rng_next(&seed) % 3;
        c.notify = rng_next(&seed) % 16;
        c.envid = pick(&seed, words, 11);
        c.auth = pick(&seed, words, 11);
        c.orcpt_type = pick(&seed, words, 11);
        c.orcpt_addr = pick(&seed, words, 11);
        c.number = rng_next(&seed);
        c.flags = rng_next(&seed) & MW_SMTP_CMD_F_LAST;
        c.n_params = rng_next(&seed) % 3;
        for (uint32_t i = 0; i < c.n_params; i++) {
            c.params[i].name = pick(&seed, words, 11);
            c.params[i].value = pick(&seed, words, 11);
        }
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        mw_status st = mw_smtp_cmd_write(&c, NULL, &out);
        if (st == MW_OK) {
            written++;
            mw_smtp_cmd back;
            assert_true(out.len >= 2);
            assert_int_equal(mw_smtp_cmd_parse(out.data, out.len - 2,
                                               MW_SMTP_LINE_CRLF, NULL, &back,
                                               NULL),
                             MW_OK);
            assert_true(mw_smtp_cmd_equal(&c, &back));
            assert_null(memchr(out.data, '\n', out.len - 1));
        } else {
            assert_true(st == MW_E_ARG || st == MW_E_LIMIT);
            assert_int_equal(out.len, 0);
        }
        mw_buf_free(&out);
    }
    /* The generator must reach the interesting cases, not only errors. */
    assert_true(written > 2000);
}

static void test_xtext_helpers(void **state)
{
    (void)state;
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_xtext_encode("a+b=c d\x01", 8, &b), MW_OK);
    mwt_assert_bytes("enc", b.data, b.len, "a+2Bb+3Dc+20d+01", 16);
    mw_buf_clear(&b);
    assert_int_equal(mw_smtp_xtext_decode("a+2bb+3D", 8, &b), MW_OK);
    mwt_assert_bytes("dec", b.data, b.len, "a+b=", 4);
    mw_buf_clear(&b);
    assert_int_equal(mw_smtp_xtext_decode("a+2", 3, &b), MW_E_SYNTAX);
    assert_int_equal(mw_smtp_xtext_decode("a=b", 3, &b), MW_E_SYNTAX);
    assert_int_equal(mw_smtp_xtext_decode("a b", 3, &b), MW_E_SYNTAX);
    assert_int_equal(b.len, 0);
    assert_int_equal(mw_smtp_local_decode("\"a", 2, &b), MW_E_SYNTAX);
    assert_int_equal(mw_smtp_local_decode("\"a\\\"", 4, &b), MW_E_SYNTAX);
    assert_int_equal(mw_smtp_local_decode("plain", 5, &b), MW_OK);
    mwt_assert_bytes("plain", b.data, b.len, "plain", 5);
    mw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_d1_transaction),
        cmocka_unit_test(test_appendix_d_other_scenarios),
        cmocka_unit_test(test_every_verb),
        cmocka_unit_test(test_case_insensitive_verbs_and_keywords),
        cmocka_unit_test(test_tolerances_are_flagged),
        cmocka_unit_test(test_mail_parameters),
        cmocka_unit_test(test_rcpt_parameters),
        cmocka_unit_test(test_parameter_errors),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_path_errors),
        cmocka_unit_test(test_address_literals),
        cmocka_unit_test(test_utf8_only_with_smtputf8),
        cmocka_unit_test(test_syntax_errors_with_offsets),
        cmocka_unit_test(test_bdat_and_auth),
        cmocka_unit_test(test_limits_line),
        cmocka_unit_test(test_limits_auth_line),
        cmocka_unit_test(test_limits_path_parts),
        cmocka_unit_test(test_writer_byte_exact_table),
        cmocka_unit_test(test_writer_quotes_raw_local_parts),
        cmocka_unit_test(test_mail_from_crlf_injection_cpython_87290),
        cmocka_unit_test(test_rcpt_crlf_injection_curl_pr_22119),
        cmocka_unit_test(test_quoted_local_part_crlf_mimekit_ghsa_g7hc),
        cmocka_unit_test(test_writer_refuses_what_would_not_reparse),
        cmocka_unit_test(test_writer_all_or_nothing),
        cmocka_unit_test(test_round_trip_every_kind),
        cmocka_unit_test(test_equal_is_semantic),
        cmocka_unit_test(test_round_trip_seeded_random),
        cmocka_unit_test(test_xtext_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
