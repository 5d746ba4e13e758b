/* EHLO capabilities: hand-written Postfix-, Exchange- and Gmail-like
 * replies, every known keyword, AUTH in both forms, bounds, and the
 * server-side writer with round trips. */
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/smtp.h"

typedef struct fixture {
    mw_smtp_reply_parser *p;
    mw_smtp_reply reply;
    mw_smtp_caps caps;
} fixture;

/* Parse CRLF-separated reply lines in \p text into f->caps. */
static mw_status load(fixture *f, const char *text)
{
    if (!f->p)
        assert_int_equal(mw_smtp_reply_parser_new(NULL, NULL, &f->p), MW_OK);
    const char *s = text;
    mw_status st = MW_NEED_MORE;
    while (*s) {
        const char *e = strstr(s, "\r\n");
        assert_non_null(e);
        st = mw_smtp_reply_parser_feed(f->p, s, (size_t)(e - s),
                                       MW_SMTP_LINE_CRLF, NULL);
        assert_true(st == MW_OK || st == MW_NEED_MORE);
        s = e + 2;
    }
    assert_int_equal(st, MW_OK);
    assert_int_equal(mw_smtp_reply_parser_get(f->p, &f->reply), MW_OK);
    return mw_smtp_caps_parse(&f->reply, &f->caps);
}

static void span_is(mw_span sp, const char *want)
{
    mwt_assert_bytes("span", sp.ptr, sp.len, want, strlen(want));
}

static int teardown(void **state)
{
    fixture *f = *state;
    mw_smtp_reply_parser_free(f->p);
    free(f);
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    *state = f;
    return 0;
}

static const char postfix[] = "250-mail.example.com\r\n"
                              "250-PIPELINING\r\n"
                              "250-SIZE 10240000\r\n"
                              "250-VRFY\r\n"
                              "250-ETRN\r\n"
                              "250-STARTTLS\r\n"
                              "250-AUTH PLAIN LOGIN\r\n"
                              "250-AUTH=PLAIN LOGIN\r\n"
                              "250-ENHANCEDSTATUSCODES\r\n"
                              "250-8BITMIME\r\n"
                              "250-DSN\r\n"
                              "250-SMTPUTF8\r\n"
                              "250 CHUNKING\r\n";

static const char exchange[] = "250-EXCH01.contoso.com Hello [192.0.2.10]\r\n"
                               "250-SIZE 37748736\r\n"
                               "250-PIPELINING\r\n"
                               "250-DSN\r\n"
                               "250-ENHANCEDSTATUSCODES\r\n"
                               "250-STARTTLS\r\n"
                               "250-X-ANONYMOUSTLS\r\n"
                               "250-AUTH NTLM LOGIN\r\n"
                               "250-X-EXPS GSSAPI NTLM\r\n"
                               "250-8BITMIME\r\n"
                               "250-BINARYMIME\r\n"
                               "250-CHUNKING\r\n"
                               "250-XRDST\r\n"
                               "250 SMTPUTF8\r\n";

static const char gmail[] =
    "250-smtp.gmail.com at your service, [203.0.113.5]\r\n"
    "250-SIZE 35882577\r\n"
    "250-8BITMIME\r\n"
    "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-PIPELINING\r\n"
    "250-CHUNKING\r\n"
    "250 SMTPUTF8\r\n";

static void test_postfix_like(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, postfix), MW_OK);
    const mw_smtp_caps *c = &f->caps;
    span_is(c->domain, "mail.example.com");
    span_is(c->greeting, "");
    assert_int_equal(c->flags, MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_SIZE |
                                   MW_SMTP_CAP_STARTTLS | MW_SMTP_CAP_AUTH |
                                   MW_SMTP_CAP_AUTH_LEGACY |
                                   MW_SMTP_CAP_ENHANCEDSTATUSCODES |
                                   MW_SMTP_CAP_8BITMIME | MW_SMTP_CAP_DSN |
                                   MW_SMTP_CAP_SMTPUTF8 | MW_SMTP_CAP_CHUNKING);
    assert_true(c->size_max == 10240000);
    assert_int_equal(c->auth, MW_SMTP_AUTH_PLAIN | MW_SMTP_AUTH_LOGIN);
    /* The two AUTH lines give one list without duplicates. */
    assert_int_equal(c->n_mechs, 2);
    span_is(c->mechs[0], "PLAIN");
    span_is(c->mechs[1], "LOGIN");
    assert_int_equal(c->n_ext, 2);
    span_is(c->ext[0].keyword, "VRFY");
    span_is(c->ext[1].keyword, "ETRN");
    assert_int_equal(c->n_dropped, 0);
}

static void test_exchange_like(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, exchange), MW_OK);
    const mw_smtp_caps *c = &f->caps;
    span_is(c->domain, "EXCH01.contoso.com");
    span_is(c->greeting, "Hello [192.0.2.10]");
    assert_true(c->size_max == 37748736);
    assert_true(c->flags & MW_SMTP_CAP_BINARYMIME);
    assert_false(c->flags & MW_SMTP_CAP_AUTH_LEGACY);
    assert_int_equal(c->auth, MW_SMTP_AUTH_NTLM | MW_SMTP_AUTH_LOGIN);
    assert_int_equal(c->n_ext, 3);
    span_is(c->ext[0].keyword, "X-ANONYMOUSTLS");
    span_is(c->ext[0].params, "");
    span_is(c->ext[1].keyword, "X-EXPS");
    span_is(c->ext[1].params, "GSSAPI NTLM");
    span_is(c->ext[2].keyword, "XRDST");
}

static void test_gmail_like_mechanisms(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, gmail), MW_OK);
    const mw_smtp_caps *c = &f->caps;
    span_is(c->greeting, "at your service, [203.0.113.5]");
    assert_int_equal(c->auth, MW_SMTP_AUTH_LOGIN | MW_SMTP_AUTH_PLAIN |
                                  MW_SMTP_AUTH_XOAUTH2 |
                                  MW_SMTP_AUTH_OAUTHBEARER);
    assert_int_equal(c->n_mechs, 6);
    span_is(c->mechs[3], "PLAIN-CLIENTTOKEN");
    span_is(c->mechs[5], "XOAUTH");
    assert_false(c->flags & MW_SMTP_CAP_STARTTLS);
}

static void test_keyword_details(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "250-x.example hi\r\n"
                             "250-size\r\n"
                             "250-requiretls\r\n"
                             "250-Auth  cram-md5   SCRAM-SHA-256 bad!mech "
                             "EXTERNAL\r\n"
                             "250-AUTH=CRAM-MD5 SCRAM-SHA-1-PLUS\r\n"
                             "250-FOO=bar\r\n"
                             "250--bad\r\n"
                             "250 X-ONE a  b\r\n"),
                     MW_OK);
    const mw_smtp_caps *c = &f->caps;
    assert_true(c->flags & MW_SMTP_CAP_SIZE);
    assert_true(c->size_max == 0); /* SIZE without a number: no limit */
    assert_true(c->flags & MW_SMTP_CAP_REQUIRETLS);
    assert_int_equal(c->auth,
                     MW_SMTP_AUTH_CRAM_MD5 | MW_SMTP_AUTH_SCRAM_SHA_256 |
                         MW_SMTP_AUTH_EXTERNAL | MW_SMTP_AUTH_SCRAM_SHA_1_PLUS);
    assert_int_equal(c->n_mechs, 4);
    span_is(c->mechs[0], "cram-md5");
    /* bad!mech, "FOO=bar" and "-bad" were not kept. */
    assert_int_equal(c->n_dropped, 3);
    assert_int_equal(c->n_ext, 1);
    span_is(c->ext[0].params, "a  b");

    assert_int_equal(load(f, "250-x\r\n250 SIZE abc\r\n"), MW_OK);
    assert_true(f->caps.size_max == 0);
    assert_int_equal(load(f, "250-x\r\n250 SIZE 18446744073709551615\r\n"),
                     MW_OK);
    assert_true(f->caps.size_max == UINT64_MAX);
    assert_int_equal(load(f, "250 only.example\r\n"), MW_OK);
    assert_int_equal(f->caps.flags, 0);
    span_is(f->caps.domain, "only.example");
    assert_int_equal(load(f, "550 no\r\n"), MW_E_ARG);
    assert_int_equal(mw_smtp_caps_parse(NULL, &f->caps), MW_E_ARG);
}

static void test_bounds(void **state)
{
    fixture *f = *state;
    mw_buf text;
    mw_buf_init_growable(&text, NULL, 0);
    assert_int_equal(mw_buf_append_str(&text, "250-x\r\n"), MW_OK);
    for (int i = 0; i < 20; i++) {
        char line[32];
        line[0] = 0;
        strcat(line, "250-X-EXT");
        size_t n = strlen(line);
        line[n] = (char)('A' + i);
        line[n + 1] = 0;
        strcat(line, "\r\n");
        assert_int_equal(mw_buf_append_str(&text, line), MW_OK);
    }
    assert_int_equal(mw_buf_append_str(&text, "250 AUTH"), MW_OK);
    for (int i = 0; i < 30; i++) {
        char mech[8] = {' ', 'M', (char)('A' + i % 26), (char)('0' + i / 26),
                        0};
        assert_int_equal(mw_buf_append_str(&text, mech), MW_OK);
    }
    assert_int_equal(mw_buf_append_str(&text, "\r\n"), MW_OK);
    assert_int_equal(mw_buf_append_byte(&text, 0), MW_OK);
    assert_int_equal(load(f, text.data), MW_OK);
    assert_int_equal(f->caps.n_ext, MW_SMTP_CAPS_EXT_MAX);
    assert_int_equal(f->caps.n_mechs, MW_SMTP_CAPS_MECHS_MAX);
    assert_int_equal(f->caps.n_dropped, (20 - 16) + (30 - 24));
    mw_buf_free(&text);
}

static void test_mech_bits(void **state)
{
    (void)state;
    assert_int_equal(mw_smtp_auth_mech_bit("plain", 5), MW_SMTP_AUTH_PLAIN);
    assert_int_equal(mw_smtp_auth_mech_bit("SCRAM-SHA-256-PLUS", 18),
                     MW_SMTP_AUTH_SCRAM_SHA_256_PLUS);
    assert_int_equal(mw_smtp_auth_mech_bit("ANONYMOUS", 9),
                     MW_SMTP_AUTH_ANONYMOUS);
    assert_int_equal(mw_smtp_auth_mech_bit("PLAINX", 6), 0);
    assert_int_equal(mw_smtp_auth_mech_bit(NULL, 0), 0);
}

static mw_span sp(const char *s)
{
    mw_span v = {s, strlen(s)};
    return v;
}

static void test_writer_byte_exact(void **state)
{
    (void)state;
    mw_smtp_caps c;
    memset(&c, 0, sizeof(c));
    c.domain = sp("mx.example.org");
    c.greeting = sp("Hello client.example [192.0.2.7]");
    c.flags = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_AUTH |
              MW_SMTP_CAP_STARTTLS | MW_SMTP_CAP_ENHANCEDSTATUSCODES |
              MW_SMTP_CAP_8BITMIME | MW_SMTP_CAP_CHUNKING |
              MW_SMTP_CAP_AUTH_LEGACY;
    c.size_max = 52428800;
    c.auth = MW_SMTP_AUTH_PLAIN | MW_SMTP_AUTH_LOGIN;
    c.n_ext = 1;
    c.ext[0].keyword = sp("ETRN");
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_OK);
    static const char want[] =
        "250-mx.example.org Hello client.example [192.0.2.7]\r\n"
        "250-SIZE 52428800\r\n"
        "250-PIPELINING\r\n"
        "250-8BITMIME\r\n"
        "250-STARTTLS\r\n"
        "250-AUTH PLAIN LOGIN\r\n"
        "250-CHUNKING\r\n"
        "250-ENHANCEDSTATUSCODES\r\n"
        "250-AUTH=PLAIN LOGIN\r\n"
        "250 ETRN\r\n";
    mwt_assert_bytes("caps", b.data, b.len, want, sizeof(want) - 1);
    mw_buf_clear(&b);
    /* SIZE 0 is "SIZE" alone; explicit mechanism names win over bits. */
    c.flags = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_AUTH;
    c.size_max = 0;
    c.n_mechs = 1;
    c.mechs[0] = sp("XOAUTH2");
    c.n_ext = 0;
    c.greeting = sp("");
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_OK);
    static const char want2[] = "250-mx.example.org\r\n"
                                "250-SIZE\r\n"
                                "250 AUTH XOAUTH2\r\n";
    mwt_assert_bytes("caps2", b.data, b.len, want2, sizeof(want2) - 1);
    mw_buf_free(&b);
}

static void test_writer_refusals(void **state)
{
    (void)state;
    mw_smtp_caps c;
    memset(&c, 0, sizeof(c));
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_ARG); /* no domain */
    c.domain = sp("a b");
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_ARG);
    c.domain = sp("2.0.0"); /* would read back as an enhanced code */
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_ARG);
    c.domain = sp("mx.example");
    c.greeting = sp("hi\r\n250-AUTH PLAIN");
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_CRLF);
    c.greeting = sp("");
    c.n_ext = 1;
    c.ext[0].keyword = sp("BAD KEY");
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_ARG);
    c.ext[0].keyword = sp("PIPELINING"); /* known: use the flag */
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_ARG);
    c.ext[0].keyword = sp("X-OK");
    c.ext[0].params = sp("a\nb");
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_CRLF);
    c.n_ext = 0;
    c.flags = MW_SMTP_CAP_AUTH;
    c.n_mechs = 1;
    c.mechs[0] = sp("NOT A MECH");
    assert_int_equal(mw_smtp_caps_write(&c, &b), MW_E_ARG);
    assert_int_equal(b.len, 0);
    mw_buf_free(&b);
}

static void round_trip(const char *text)
{
    fixture a = {0}, b = {0};
    assert_int_equal(load(&a, text), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_smtp_caps_write(&a.caps, &out), MW_OK);
    assert_int_equal(mw_buf_append_byte(&out, 0), MW_OK);
    assert_int_equal(load(&b, out.data), MW_OK);
    assert_int_equal(a.caps.flags, b.caps.flags);
    assert_int_equal(a.caps.auth, b.caps.auth);
    assert_true(a.caps.size_max == b.caps.size_max);
    assert_int_equal(a.caps.n_mechs, b.caps.n_mechs);
    assert_int_equal(a.caps.n_ext, b.caps.n_ext);
    for (uint32_t i = 0; i < a.caps.n_mechs; i++)
        mwt_assert_bytes("mech", a.caps.mechs[i].ptr, a.caps.mechs[i].len,
                         b.caps.mechs[i].ptr, b.caps.mechs[i].len);
    for (uint32_t i = 0; i < a.caps.n_ext; i++)
        mwt_assert_bytes("ext", a.caps.ext[i].params.ptr,
                         a.caps.ext[i].params.len, b.caps.ext[i].params.ptr,
                         b.caps.ext[i].params.len);
    mwt_assert_bytes("greeting", a.caps.greeting.ptr, a.caps.greeting.len,
                     b.caps.greeting.ptr, b.caps.greeting.len);
    mw_buf_free(&out);
    mw_smtp_reply_parser_free(a.p);
    mw_smtp_reply_parser_free(b.p);
}

static void test_round_trips(void **state)
{
    (void)state;
    round_trip(postfix);
    round_trip(exchange);
    round_trip(gmail);
    round_trip("250 lmtp.example\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_postfix_like, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange_like, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gmail_like_mechanisms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keyword_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
        cmocka_unit_test(test_mech_bits),
        cmocka_unit_test(test_writer_byte_exact),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
