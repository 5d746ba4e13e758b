/* MIME parameters: RFC 2231 sections 3, 4, 4.1 examples, RFC 2045
 * comments, Outlook's RFC 2047 file names, broken forms. */
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#include "mailwire/msg.h"

static uint32_t get_is(const char *value, const char *name,
                       const mw_charset_hook *hook, const char *want)
{
    mw_buf out;
    uint32_t flags = 0;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st =
        mw_mime_param_get(value, strlen(value), name, hook, &out, &flags);
    if (st != MW_OK)
        fail_msg("%s in '%s': %s", name, value, mw_status_name(st));
    mwt_assert_bytes(name, out.data, out.len, want, strlen(want));
    mw_buf_free(&out);
    return flags;
}

static void get_absent(const char *value, const char *name)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(
        mw_mime_param_get(value, strlen(value), name, NULL, &out, NULL),
        MW_DONE);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
}

/* RFC 2231 section 3: continuations. */
static void test_rfc2231_section3(void **state)
{
    (void)state;
    const char *v = "message/external-body; access-type=URL;\r\n"
                    " URL*0=\"ftp://\";\r\n"
                    " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/"
                    "bulk-mailer.tar\"";
    uint32_t fl = get_is(v, "url", NULL,
                         "ftp://cs.utk.edu/pub/moore/bulk-mailer/"
                         "bulk-mailer.tar");
    assert_true(fl & MW_PARAM_RFC2231);
    get_is(v, "access-type", NULL, "URL");
}

/* RFC 2231 section 4: charset, language, percent-encoding. */
static void test_rfc2231_section4(void **state)
{
    (void)state;
    get_is("application/x-stuff;\r\n"
           " title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
           "title", NULL, "This is ***fun***");
}

/* RFC 2231 section 4.1: both combined; the RFC's own example leaves out
 * the semicolons, which is tolerated. */
static void test_rfc2231_section41(void **state)
{
    (void)state;
    get_is("application/x-stuff\r\n"
           " title*0*=us-ascii'en'This%20is%20even%20more%20\r\n"
           " title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n"
           " title*2=\"isn't it!\"",
           "title", NULL, "This is even more ***fun*** isn't it!");
    get_is("application/x-stuff;\r\n"
           " title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
           " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
           " title*2=\"isn't it!\"",
           "title", NULL, "This is even more ***fun*** isn't it!");
}

static void test_continuation_order_and_gaps(void **state)
{
    (void)state;
    get_is("a/b; name*1=\"b\"; name*0=\"a\"; name*2=\"c\"", "name", NULL,
           "abc");
    uint32_t fl = get_is("a/b; name*0=\"a\"; name*2=\"c\"", "name", NULL, "a");
    assert_true(fl & MW_PARAM_GAP);
    fl = get_is("a/b; name*0=a; name*500=z", "name", NULL, "a");
    assert_true(fl & MW_PARAM_GAP);
    /* Sections in UTF-8 split inside a character join correctly. */
    get_is("a/b; f*0*=utf-8''%E2%82; f*1*=%AC", "f", NULL, "\xE2\x82\xAC");
    /* Without section 0 the plain value is used. */
    get_is("a/b; name*1=\"x\"; name=plain", "name", NULL, "plain");
}

static void test_precedence_and_case(void **state)
{
    (void)state;
    get_is("attachment; filename=\"fallback.txt\"; "
           "filename*=utf-8''%E2%82%AC%20rates.txt",
           "filename", NULL, "\xE2\x82\xAC rates.txt");
    get_is("attachment; FileName=\"x.txt\"", "filename", NULL, "x.txt");
    get_is("attachment; filename=a.txt; filename=b.txt", "filename", NULL,
           "a.txt");
    get_absent("attachment; filename=a.txt", "name");
    get_absent("attachment", "filename");
    get_absent("", "filename");
    /* "filename2" is not "filename". */
    get_absent("attachment; filename2=a", "filename");
}

static void test_charsets_in_2231(void **state)
{
    (void)state;
    get_is("a/b; f*=iso-8859-1''caf%E9", "f", NULL, "caf\xC3\xA9");
    get_is("a/b; f*=''caf%C3%A9", "f", NULL, "caf\xC3\xA9");
    uint32_t fl = get_is("a/b; f*=koi8-r''%C1b", "f", NULL,
                         "\xEF\xBF\xBD"
                         "b");
    assert_true(fl & MW_PARAM_UNDECODED);
    fl = get_is("a/b; f*=utf-8''a%ZZ", "f", NULL, "a%ZZ");
    assert_true(fl & MW_PARAM_REPAIRED);
    fl = get_is("a/b; f*=no-quotes-here", "f", NULL, "no-quotes-here");
    assert_true(fl & MW_PARAM_REPAIRED);
}

/* Outlook writes RFC 2047 in quoted parameter values. */
static void test_rfc2047_in_parameter(void **state)
{
    (void)state;
    uint32_t fl = get_is("attachment; filename=\"=?utf-8?B?w6lsw6hu?=.pdf\"",
                         "filename", NULL, "\xC3\xA9l\xC3\xA8n.pdf");
    assert_true(fl & MW_PARAM_RFC2047);
    get_is("attachment; filename=\"=?ISO-8859-1?Q?caf=E9?= "
           "=?ISO-8859-1?Q?_au_lait.txt?=\"",
           "filename", NULL, "caf\xC3\xA9 au lait.txt");
}

static void test_broken_values(void **state)
{
    (void)state;
    /* RFC 2045 5.1 example: a comment after the value. */
    get_is("text/plain; charset=us-ascii (Plain text)", "charset", NULL,
           "us-ascii");
    get_is("text/plain; charset=\"us-ascii\"", "charset", NULL, "us-ascii");
    get_is("text/plain;charset = utf-8 ;format=flowed", "format", NULL,
           "flowed");
    uint32_t fl = get_is("attachment; filename=my file.txt", "filename", NULL,
                         "my file.txt");
    assert_true(fl & MW_PARAM_JUNK);
    get_is("attachment; filename=\"a\\\"b\\\\c\"", "filename", NULL, "a\"b\\c");
    fl =
        get_is("attachment; filename=\"unclosed", "filename", NULL, "unclosed");
    assert_true(fl & MW_PARAM_UNCLOSED);
    get_is("attachment;; ;filename=x;", "filename", NULL, "x");
    get_is("attachment; =junk; \"q;x\"; filename=x", "filename", NULL, "x");
    get_is("attachment; filename=\"caf\xC3\xA9.txt\"", "filename", NULL,
           "caf\xC3\xA9.txt");
    fl = get_is("attachment; filename=\"caf\xE9.txt\"", "filename", NULL,
                "caf\xEF\xBF\xBD.txt");
    assert_true(fl & MW_PARAM_REPAIRED);
    get_is("multipart/mixed; boundary=\"----=_Part_0_1.2\"", "boundary", NULL,
           "----=_Part_0_1.2");
}

static void test_content_type_parse(void **state)
{
    (void)state;
    mw_span t, s;
    const char *v = " (comment) multipart / mixed ; boundary=x";
    assert_int_equal(mw_content_type_parse(v, strlen(v), &t, &s), MW_OK);
    mwt_assert_bytes("type", t.ptr, t.len, "multipart", 9);
    mwt_assert_bytes("subtype", s.ptr, s.len, "mixed", 5);
    v = "Text/HTML";
    assert_int_equal(mw_content_type_parse(v, strlen(v), &t, &s), MW_OK);
    mwt_assert_bytes("subtype", s.ptr, s.len, "HTML", 4);
    assert_int_equal(mw_content_type_parse("text", 4, &t, &s), MW_E_SYNTAX);
    assert_int_equal(mw_content_type_parse("/plain", 6, &t, &s), MW_E_SYNTAX);
    assert_int_equal(mw_content_type_parse("text/", 5, &t, &s), MW_E_SYNTAX);
    assert_int_equal(mw_content_type_parse("", 0, &t, &s), MW_E_SYNTAX);
    assert_int_equal(mw_content_type_parse(NULL, 1, &t, &s), MW_E_ARG);
}

static void test_param_iterator(void **state)
{
    (void)state;
    const char *v = "text/plain; charset=\"utf-8\" ; format=flowed;"
                    " delsp ; name*0*=utf-8''a%20b";
    mw_param_iter it;
    mw_span n, val;
    uint32_t fl;
    mw_param_iter_init(&it, v, strlen(v));
    assert_int_equal(mw_param_next(&it, &n, &val, &fl), MW_OK);
    mwt_assert_bytes("n1", n.ptr, n.len, "charset", 7);
    mwt_assert_bytes("v1", val.ptr, val.len, "utf-8", 5);
    assert_int_equal(fl, MW_PARAM_QUOTED);
    assert_int_equal(mw_param_next(&it, &n, &val, &fl), MW_OK);
    mwt_assert_bytes("n2", n.ptr, n.len, "format", 6);
    mwt_assert_bytes("v2", val.ptr, val.len, "flowed", 6);
    assert_int_equal(fl, 0);
    assert_int_equal(mw_param_next(&it, &n, &val, &fl), MW_OK);
    mwt_assert_bytes("n3", n.ptr, n.len, "delsp", 5);
    assert_int_equal(val.len, 0);
    assert_int_equal(fl, MW_PARAM_NO_VALUE);
    assert_int_equal(mw_param_next(&it, &n, &val, &fl), MW_OK);
    mwt_assert_bytes("n4", n.ptr, n.len, "name*0*", 7);
    mwt_assert_bytes("v4", val.ptr, val.len, "utf-8''a%20b", 12);
    assert_int_equal(mw_param_next(&it, &n, &val, &fl), MW_DONE);
    assert_int_equal(mw_param_next(&it, &n, &val, &fl), MW_DONE);
}

static void test_param_get_nospace(void **state)
{
    (void)state;
    const char *v = "a/b; f*=iso-8859-1''%E9%E9%E9%E9%E9%E9%E9%E9";
    char mem[4];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_mime_param_get(v, strlen(v), "f", NULL, &out, NULL),
                     MW_E_NOSPACE);
    assert_int_equal(out.len, 0);
    char *big = malloc(out.needed);
    mw_buf_init_fixed(&out, big, out.needed);
    assert_int_equal(mw_mime_param_get(v, strlen(v), "f", NULL, &out, NULL),
                     MW_OK);
    assert_int_equal(out.len, 16);
    free(big);
}

static int param_scenario(const mw_allocator *a, void *ud)
{
    const char *in = ud;
    static const char *const names[] = {"title", "filename", "name"};
    int bad = 0;
    for (size_t i = 0; i < 3; i++) {
        mw_buf out;
        mw_buf_init_growable(&out, a, 0);
        mw_status st =
            mw_mime_param_get(in, strlen(in), names[i], NULL, &out, NULL);
        bad |= st != MW_OK && (st != MW_E_NOMEM || out.len != 0);
        mw_buf_free(&out);
    }
    return bad;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    char in[] = "a/b; title*0*=iso-8859-1''caf%E9%20; title*1=\"au lait\"; "
                "filename=\"=?utf-8?B?w6lsw6hu?=.pdf\"; name*=''x%C3%A9";
    mwt_failalloc_sweep(param_scenario, in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2231_section3),
        cmocka_unit_test(test_rfc2231_section4),
        cmocka_unit_test(test_rfc2231_section41),
        cmocka_unit_test(test_continuation_order_and_gaps),
        cmocka_unit_test(test_precedence_and_case),
        cmocka_unit_test(test_charsets_in_2231),
        cmocka_unit_test(test_rfc2047_in_parameter),
        cmocka_unit_test(test_broken_values),
        cmocka_unit_test(test_content_type_parse),
        cmocka_unit_test(test_param_iterator),
        cmocka_unit_test(test_param_get_nospace),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
