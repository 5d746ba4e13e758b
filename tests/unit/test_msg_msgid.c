/* msg-id lists (Message-ID, In-Reply-To, References) and header
 * unfolding. */
#include <string.h>

#include "mwtest.h"

#include "mailwire/msg.h"

typedef struct ids {
    mw_span id[8];
    uint32_t flags[8];
    size_t n;
} ids;

static void collect(const char *v, ids *out)
{
    mw_msgid_iter it;
    mw_msgid_iter_init(&it, v, strlen(v));
    out->n = 0;
    mw_status st;
    while ((st = mw_msgid_next(&it, &out->id[out->n], &out->flags[out->n])) ==
           MW_OK) {
        assert_true(out->n < 7);
        out->n++;
    }
    assert_int_equal(st, MW_DONE);
}

static void id_is(const ids *v, size_t i, const char *want, uint32_t flags)
{
    assert_true(i < v->n);
    mwt_assert_bytes("msg-id", v->id[i].ptr, v->id[i].len, want, strlen(want));
    if (v->flags[i] != flags)
        fail_msg("id %zu: flags 0x%x, want 0x%x", i, v->flags[i], flags);
}

/* RFC 5322 A.2 and A.5 msg-ids. */
static void test_rfc5322_examples(void **state)
{
    (void)state;
    ids v;
    collect("<1234@local.machine.example>", &v);
    assert_int_equal(v.n, 1);
    id_is(&v, 0, "1234@local.machine.example", 0);
    collect("<1234@local.machine.example> <3456@example.net>", &v);
    assert_int_equal(v.n, 2);
    id_is(&v, 1, "3456@example.net", 0);
    collect("\r\n <1234@local.machine.example>\r\n <3456@example.net>", &v);
    assert_int_equal(v.n, 2);
    /* A.6.3-style comments between ids. */
    collect("<a@b> (comment <not@an.id>) <c@d>", &v);
    assert_int_equal(v.n, 2);
    id_is(&v, 1, "c@d", 0);
    collect("", &v);
    assert_int_equal(v.n, 0);
    collect("   (only a comment)  ", &v);
    assert_int_equal(v.n, 0);
}

/* In-Reply-To as old mailers write it (RFC 5322 4.5.4 obs-phrase). */
static void test_in_reply_to_junk(void **state)
{
    (void)state;
    ids v;
    collect("Your message of \"Mon, 1 Jan 2001 10:00:00\" <x@y.example>", &v);
    assert_int_equal(v.n, 1);
    id_is(&v, 0, "x@y.example", MW_MSGID_JUNK_BEFORE);
    collect("<a@b>, bare@id.example junk", &v);
    assert_int_equal(v.n, 2);
    id_is(&v, 1, "bare@id.example", MW_MSGID_NO_ANGLE);
    collect("<no-at-sign>", &v);
    id_is(&v, 0, "no-at-sign", MW_MSGID_NO_AT);
    collect("<unclosed@x", &v);
    id_is(&v, 0, "unclosed@x", MW_MSGID_UNCLOSED);
    collect("< spaced @ x >", &v);
    id_is(&v, 0, "spaced @ x", MW_MSGID_INNER_SPACE);
    collect("> stray <a@b>", &v);
    id_is(&v, 0, "a@b", MW_MSGID_JUNK_BEFORE);
}

static void fmt_is(const char *id, mw_status want_st, const char *want)
{
    char mem[128];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_msgid_format(id, strlen(id), &out), want_st);
    if (want_st == MW_OK)
        mwt_assert_bytes("formatted", out.data, out.len, want, strlen(want));
    else
        assert_int_equal(out.len, 0);
}

static void test_format(void **state)
{
    (void)state;
    fmt_is("1234@local.machine.example", MW_OK, "<1234@local.machine.example>");
    fmt_is("a.b@[127.0.0.1]", MW_OK, "<a.b@[127.0.0.1]>");
    fmt_is("a@b\r\nBcc: x@y", MW_E_CRLF, NULL);
    fmt_is("a b@c", MW_E_SYNTAX, NULL);
    fmt_is("<a@b>", MW_E_SYNTAX, NULL);
    fmt_is("ab", MW_E_SYNTAX, NULL);
    fmt_is("a..b@c", MW_E_SYNTAX, NULL);
    fmt_is(".a@c", MW_E_SYNTAX, NULL);
    fmt_is("a@c.", MW_E_SYNTAX, NULL);
    fmt_is("a@b@c", MW_E_SYNTAX, NULL);
    fmt_is("a@[b\\]", MW_E_SYNTAX, NULL);
    fmt_is("@c", MW_E_SYNTAX, NULL);
    fmt_is("\xC3\xA9@c", MW_E_SYNTAX, NULL);
    /* Every formatted id reads back as itself. */
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_msgid_format("x.y+z@host.example", 18, &out), MW_OK);
    ids v;
    char copy[64];
    memcpy(copy, out.data, out.len);
    copy[out.len] = 0;
    collect(copy, &v);
    id_is(&v, 0, "x.y+z@host.example", 0);
}

static void unfold_is(const char *in, uint32_t flags, const char *want)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_header_unfold(in, strlen(in), flags, &out), MW_OK);
    mwt_assert_bytes(in, out.data, out.len, want, strlen(want));
    mw_buf_free(&out);
}

static void test_unfold(void **state)
{
    (void)state;
    unfold_is("a\r\n b", 0, "a b");
    unfold_is("a\r\n\tb", 0, "a\tb");
    unfold_is("a\n b", 0, "a b");
    unfold_is("a\r b", 0, "a b");
    unfold_is("a\r\n\r\n b", 0, "a\r\n b");
    unfold_is("a\r\nb", 0, "a\r\nb"); /* not folding: kept */
    unfold_is(" Subject text \r\n", 0, " Subject text \r\n");
    unfold_is(" Subject text \r\n", MW_UNFOLD_TRIM, "Subject text");
    unfold_is(" \r\n  folded\r\n   twice  ", MW_UNFOLD_TRIM, "folded   twice");
    unfold_is("", MW_UNFOLD_TRIM, "");
    unfold_is("   ", MW_UNFOLD_TRIM, "");
    char mem[3];
    mw_buf small;
    mw_buf_init_fixed(&small, mem, sizeof(mem));
    assert_int_equal(mw_header_unfold("abc\r\n d", 7, 0, &small), MW_E_NOSPACE);
    assert_int_equal(small.len, 0);
    assert_int_equal(small.needed, 5);
    assert_int_equal(mw_header_unfold(NULL, 1, 0, &small), MW_E_ARG);
}

static void test_trim(void **state)
{
    (void)state;
    mw_span s;
    const char *v = " \t value here \r\n";
    mw_header_trim(v, strlen(v), &s);
    mwt_assert_bytes("trim", s.ptr, s.len, "value here", 10);
    mw_header_trim(v, 3, &s);
    assert_int_equal(s.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5322_examples),
        cmocka_unit_test(test_in_reply_to_junk),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_unfold),
        cmocka_unit_test(test_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
