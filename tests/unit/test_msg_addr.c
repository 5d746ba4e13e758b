/* Address lists: RFC 5322 appendix A, obsolete forms, broken input seen in
 * real mail, limits, the serializer and its injection refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#include "mailwire/msg.h"

#define CAP 16

typedef struct parsed {
    mw_buf storage;
    mw_address a[CAP];
    size_t n;
    mw_status st;
} parsed;

static void parse_cfg(parsed *p, const char *in, size_t len,
                      const mw_addr_config *cfg)
{
    mw_buf_init_growable(&p->storage, NULL, 0);
    p->st = mw_addr_list_parse(in, len, cfg, &p->storage, p->a, CAP, &p->n);
}

static void parse(parsed *p, const char *in)
{
    parse_cfg(p, in, strlen(in), NULL);
    assert_int_equal(p->st, MW_OK);
}

static void done(parsed *p)
{
    mw_buf_free(&p->storage);
}

static void span_is(const char *what, mw_span s, const char *want)
{
    mwt_assert_bytes(what, s.ptr, s.len, want, strlen(want));
}

/* Check entry i: display name, addr-spec, group name and required flags. */
static void check(const parsed *p, size_t i, const char *name, const char *spec,
                  const char *group, uint32_t flags)
{
    assert_true(i < p->n);
    span_is("display name", p->a[i].display_name, name);
    span_is("addr-spec", p->a[i].addr_spec, spec);
    span_is("group", p->a[i].group, group);
    if ((p->a[i].flags & flags) != flags)
        fail_msg("entry %zu flags 0x%x lack 0x%x", i, p->a[i].flags, flags);
}

/* RFC 5322 A.1.1 */
static void test_rfc5322_a11(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "John Doe <jdoe@machine.example>");
    assert_int_equal(p.n, 1);
    check(&p, 0, "John Doe", "jdoe@machine.example", "", 0);
    assert_int_equal(p.a[0].flags, 0);
    done(&p);
    parse(&p, "Mary Smith <mary@example.net>");
    check(&p, 0, "Mary Smith", "mary@example.net", "", 0);
    done(&p);
}

/* RFC 5322 A.1.2 */
static void test_rfc5322_a12(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "\"Joe Q. Public\" <john.q.public@example.com>");
    assert_int_equal(p.n, 1);
    check(&p, 0, "Joe Q. Public", "john.q.public@example.com", "", 0);
    done(&p);
    parse(&p, "Mary Smith <mary@x.test>, jdoe@example.org, Who? "
              "<one@y.test>");
    assert_int_equal(p.n, 3);
    check(&p, 0, "Mary Smith", "mary@x.test", "", 0);
    check(&p, 1, "", "jdoe@example.org", "", 0);
    check(&p, 2, "Who?", "one@y.test", "", 0);
    done(&p);
    parse(&p, "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
              "<sysservices@example.net>");
    assert_int_equal(p.n, 2);
    check(&p, 0, "", "boss@nil.test", "", 0);
    check(&p, 1, "Giant; \"Big\" Box", "sysservices@example.net", "", 0);
    done(&p);
}

/* RFC 5322 A.1.3: groups, flattened with the group reported. */
static void test_rfc5322_a13_groups(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "A Group:Ed Jones <c@a.test>,joe@where.test,John "
              "<jdoe@one.test>;");
    assert_int_equal(p.n, 3);
    check(&p, 0, "Ed Jones", "c@a.test", "A Group", MW_ADDR_IN_GROUP);
    check(&p, 1, "", "joe@where.test", "A Group", MW_ADDR_IN_GROUP);
    check(&p, 2, "John", "jdoe@one.test", "A Group", MW_ADDR_IN_GROUP);
    assert_int_equal(p.a[2].group_index, 1);
    done(&p);
    parse(&p, "Undisclosed recipients:;");
    assert_int_equal(p.n, 1);
    check(&p, 0, "", "", "Undisclosed recipients",
          MW_ADDR_IN_GROUP | MW_ADDR_EMPTY_GROUP);
    done(&p);
}

/* RFC 5322 A.2 (reply) and A.4 (resent) addresses. */
static void test_rfc5322_a2_a4(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "\"Mary Smith: Personal Account\" <smith@home.example>");
    check(&p, 0, "Mary Smith: Personal Account", "smith@home.example", "", 0);
    done(&p);
    parse(&p, "Mary Smith <mary@example.net>, \"Joe Q. Public\" "
              "<john.q.public@example.com>");
    assert_int_equal(p.n, 2);
    check(&p, 1, "Joe Q. Public", "john.q.public@example.com", "", 0);
    done(&p);
}

/* RFC 5322 A.5: white space, comments, and other oddities. */
static void test_rfc5322_a5_comments(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "Pete(A nice \\) chap) <pete(his account)@silly.test(his "
              "host)>");
    assert_int_equal(p.n, 1);
    check(&p, 0, "Pete", "pete@silly.test", "", 0);
    done(&p);
    parse(&p, "A Group(Some people)\r\n     :Chris Jones "
              "<c@(Chris's host.)public.example>,\r\n         "
              "joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); "
              "(the end of the group)");
    assert_int_equal(p.n, 3);
    check(&p, 0, "Chris Jones", "c@public.example", "A Group",
          MW_ADDR_IN_GROUP);
    check(&p, 1, "", "joe@example.org", "A Group", MW_ADDR_IN_GROUP);
    check(&p, 2, "John", "jdoe@one.test", "A Group", MW_ADDR_IN_GROUP);
    done(&p);
}

/* RFC 5322 A.6.1-A.6.3: obsolete forms. */
static void test_rfc5322_a6_obsolete(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "Joe Q. Public <john.q.public@example.com>");
    check(&p, 0, "Joe Q. Public", "john.q.public@example.com", "",
          MW_ADDR_OBS_PHRASE);
    done(&p);
    parse(&p, "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . "
              "example");
    assert_int_equal(p.n, 2);
    check(&p, 0, "Mary Smith", "mary@example.net", "", MW_ADDR_ROUTE);
    check(&p, 1, "", "jdoe@test.example", "", 0);
    done(&p);
    parse(&p, "John Doe <jdoe@machine(comment).  example>");
    check(&p, 0, "John Doe", "jdoe@machine.example", "", 0);
    done(&p);
    parse(&p, "Mary Smith\r\n  \r\n\t<mary@example.net>");
    check(&p, 0, "Mary Smith", "mary@example.net", "", 0);
    done(&p);
    parse(&p, "<@a.test,@b.test:user@c.test>");
    check(&p, 0, "", "user@c.test", "", MW_ADDR_ROUTE);
    done(&p);
}

static void test_quoted_local_and_literal(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "\"john smith\"@example.com, \"a\\\"b\"@x, "
              "\"plain\"@example.com, user@[192.0.2.1], "
              "\"a\".b@x");
    assert_int_equal(p.n, 5);
    check(&p, 0, "", "\"john smith\"@example.com", "", 0);
    check(&p, 1, "", "\"a\\\"b\"@x", "", 0);
    /* Quotes only where needed: "plain" is a dot-atom. */
    check(&p, 2, "", "plain@example.com", "", 0);
    check(&p, 3, "", "user@[192.0.2.1]", "", MW_ADDR_DOMAIN_LITERAL);
    check(&p, 4, "", "a.b@x", "", 0);
    done(&p);
}

static void test_encoded_display_names(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>, "
              "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>");
    assert_int_equal(p.n, 2);
    check(&p, 0, "Keld J\xC3\xB8rn Simonsen", "keld@dkuug.dk", "",
          MW_ADDR_ENCODED_NAME);
    check(&p, 1, "Keith Moore", "moore@cs.utk.edu", "", MW_ADDR_ENCODED_NAME);
    done(&p);
    /* Adjacent encoded words join; plain words keep their space. */
    parse(&p, "=?utf-8?q?Andr=C3=A9?= =?utf-8?q?_Pirard?= Jr <a@b>");
    check(&p, 0, "Andr\xC3\xA9 Pirard Jr", "a@b", "", 0);
    done(&p);
    /* A UTF-8 character split between two words (mailers do this)
     * survives: "J\xC3" + "\xB6rg" decode together, not as two U+FFFD. */
    parse(&p, "=?utf-8?B?SsM=?= =?UTF-8?B?tnJn?= <j@x>");
    check(&p, 0, "J\xC3\xB6rg", "j@x", "", MW_ADDR_ENCODED_NAME);
    done(&p);
    /* Different charsets next to each other still lose the space. */
    parse(&p, "=?iso-8859-1?q?J=F6rg?=\r\n =?utf-8?q?_M=C3=BCller?= <m@x>");
    check(&p, 0, "J\xC3\xB6rg M\xC3\xBCller", "m@x", "", MW_ADDR_ENCODED_NAME);
    done(&p);
    /* Tolerated: an encoded word in a quoted string (Outlook, others). */
    parse(&p, "\"=?utf-8?B?w6lsw6hu?=\" <e@x>");
    check(&p, 0, "\xC3\xA9l\xC3\xA8n", "e@x", "", MW_ADDR_QUOTED_ENCODED);
    done(&p);
    /* Unknown charset without a hook: left as it was, flagged. */
    parse(&p, "=?x-unknown?q?abc?= <u@x>");
    check(&p, 0, "=?x-unknown?q?abc?=", "u@x", "", MW_ADDR_UNDECODED_NAME);
    done(&p);
    /* A Q word with an unencoded '.' stays one word. */
    parse(&p, "=?utf-8?q?J.?= Doe <j@x>");
    check(&p, 0, "J. Doe", "j@x", "", MW_ADDR_ENCODED_NAME);
    done(&p);
}

static void test_utf8_rfc6532(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "J\xC3\xB6rg <j\xC3\xB6rg@b\xC3\xBC"
              "cher.example>");
    check(&p, 0, "J\xC3\xB6rg",
          "j\xC3\xB6rg@b\xC3\xBC"
          "cher.example",
          "", MW_ADDR_UTF8);
    done(&p);
    /* Latin-1 bytes in a display name become U+FFFD. */
    parse(&p, "J\xF6rg <j@x>");
    check(&p, 0, "J\xEF\xBF\xBDrg", "j@x", "", MW_ADDR_REPLACED);
    done(&p);
}

static void test_broken_real_world(void **state)
{
    (void)state;
    parsed p;
    /* Missing closing '>'. */
    parse(&p, "John <john@example.com, jane@example.com");
    assert_int_equal(p.n, 2);
    check(&p, 0, "John", "john@example.com", "", MW_ADDR_UNCLOSED);
    check(&p, 1, "", "jane@example.com", "", 0);
    done(&p);
    /* Unquoted address as display name. */
    parse(&p, "john@example.com <john@example.com>");
    check(&p, 0, "john@example.com", "john@example.com", "",
          MW_ADDR_OBS_PHRASE);
    done(&p);
    /* Trailing and doubled commas, empty elements. */
    parse(&p, ",, a@b ,,, c@d,");
    assert_int_equal(p.n, 2);
    check(&p, 0, "", "a@b", "", 0);
    check(&p, 1, "", "c@d", "", 0);
    done(&p);
    /* Bare local part without domain. */
    parse(&p, "root, <postmaster>");
    assert_int_equal(p.n, 2);
    check(&p, 0, "", "root", "", MW_ADDR_NO_DOMAIN);
    check(&p, 1, "", "postmaster", "", MW_ADDR_NO_DOMAIN);
    done(&p);
    /* A name without address. */
    parse(&p, "John Smith");
    check(&p, 0, "John Smith", "", "", MW_ADDR_NO_DOMAIN);
    done(&p);
    /* Junk after '>'. */
    parse(&p, "A <a@x> junk, b@y");
    assert_int_equal(p.n, 2);
    check(&p, 0, "A", "a@x", "", MW_ADDR_JUNK);
    done(&p);
    /* Unclosed group, unclosed quote. */
    parse(&p, "G: a@x, b@y");
    assert_int_equal(p.n, 2);
    check(&p, 1, "", "b@y", "G", MW_ADDR_UNCLOSED_GROUP);
    done(&p);
    parse(&p, "\"Unclosed <u@x>");
    assert_int_equal(p.n, 1);
    /* A lone quoted string is a local part, even an unclosed one. */
    check(&p, 0, "", "\"Unclosed <u@x>\"", "",
          MW_ADDR_UNTERMINATED | MW_ADDR_NO_DOMAIN);
    done(&p);
    /* Empty input. */
    parse(&p, "   ");
    assert_int_equal(p.n, 0);
    done(&p);
}

static void test_two_groups_same_name(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "g: a@x; g: b@y;, c@z");
    assert_int_equal(p.n, 3);
    assert_int_equal(p.a[0].group_index, 1);
    assert_int_equal(p.a[1].group_index, 2);
    check(&p, 2, "", "c@z", "", 0);
    assert_int_equal(p.a[2].group_index, 0);
    assert_int_equal(p.a[2].flags & MW_ADDR_IN_GROUP, 0);
    done(&p);
}

/* GMime #15: a group address of 99,999 colons overflowed the stack of a
 * recursive parser. Here groups do not nest and nothing recurses. */
static void test_gmime_15_colon_bomb(void **state)
{
    (void)state;
    size_t n = 99999;
    char *in = malloc(n + 16);
    assert_non_null(in);
    memcpy(in, "a", 1);
    memset(in + 1, ':', n);
    memcpy(in + 1 + n, " b@c;", 5);
    parsed p;
    parse_cfg(&p, in, n + 6, NULL);
    assert_int_equal(p.st, MW_OK);
    /* The junk colons are skipped; the member survives. */
    assert_int_equal(p.n, 1);
    check(&p, 0, "", "b@c", "a", MW_ADDR_IN_GROUP | MW_ADDR_JUNK);
    done(&p);
    /* Colons only, and '<' and '(' bombs. */
    memset(in, ':', n);
    parse_cfg(&p, in, n, NULL);
    assert_int_equal(p.st, MW_OK);
    assert_int_equal(p.n, 1); /* one empty unclosed group */
    done(&p);
    memset(in, '<', n);
    parse_cfg(&p, in, n, NULL);
    assert_int_equal(p.st, MW_OK);
    assert_int_equal(p.n, 0);
    done(&p);
    free(in);
}

static void test_comment_depth_limit(void **state)
{
    (void)state;
    char in[256];
    size_t depth = 40;
    memset(in, '(', depth);
    memset(in + depth, ')', depth);
    memcpy(in + 2 * depth, " a@b", 4);
    parsed p;
    parse_cfg(&p, in, 2 * depth + 4, NULL);
    assert_int_equal(p.st, MW_E_LIMIT);
    assert_int_equal(p.storage.len, 0);
    done(&p);
    mw_addr_config cfg = {NULL, 64, 0};
    parse_cfg(&p, in, 2 * depth + 4, &cfg);
    assert_int_equal(p.st, MW_OK);
    check(&p, 0, "", "a@b", "", 0);
    done(&p);
    /* A deep but unclosed comment is still bounded. */
    memset(in, '(', 200);
    parse_cfg(&p, in, 200, NULL);
    assert_int_equal(p.st, MW_E_LIMIT);
    done(&p);
}

static void test_capacity_and_storage(void **state)
{
    (void)state;
    mw_address a[2];
    size_t n = 99;
    char mem[64];
    mw_buf fixed;
    mw_buf_init_fixed(&fixed, mem, sizeof(mem));
    const char *in = "a@x, b@y, c@z";
    assert_int_equal(mw_addr_list_parse(in, strlen(in), NULL, &fixed, a, 2, &n),
                     MW_E_NOSPACE);
    assert_int_equal(n, 3);
    assert_int_equal(fixed.len, 0);
    /* Count only. */
    assert_int_equal(
        mw_addr_list_parse(in, strlen(in), NULL, &fixed, NULL, 0, &n),
        MW_E_NOSPACE);
    assert_int_equal(n, 3);
    /* Storage too small: all or nothing, needed set. */
    char tiny[4];
    mw_buf small;
    mw_buf_init_fixed(&small, tiny, sizeof(tiny));
    mw_address b[4];
    assert_int_equal(mw_addr_list_parse(in, strlen(in), NULL, &small, b, 4, &n),
                     MW_E_NOSPACE);
    assert_int_equal(small.len, 0);
    assert_true(small.needed >= 9);
    /* Retry with what was asked for. */
    char *big = malloc(small.needed);
    mw_buf ok;
    mw_buf_init_fixed(&ok, big, small.needed);
    assert_int_equal(mw_addr_list_parse(in, strlen(in), NULL, &ok, b, 4, &n),
                     MW_OK);
    assert_int_equal(n, 3);
    span_is("c", b[2].addr_spec, "c@z");
    free(big);
    assert_int_equal(mw_addr_list_parse(NULL, 3, NULL, &ok, b, 4, &n),
                     MW_E_ARG);
}

/* Spans stay right although the growable storage reallocates. */
static void test_storage_growth(void **state)
{
    (void)state;
    char in[4000];
    size_t len = 0;
    for (int i = 0; i < 12; i++)
        len += (size_t)snprintf(in + len, sizeof(in) - len,
                                "\"Person Number %d with a long name\" "
                                "<person%d@example.com>, ",
                                i, i);
    parsed p;
    parse(&p, in);
    assert_int_equal(p.n, 12);
    check(&p, 11, "Person Number 11 with a long name", "person11@example.com",
          "", 0);
    check(&p, 0, "Person Number 0 with a long name", "person0@example.com", "",
          0);
    done(&p);
}

/* ---- serializer ---- */

static void fmt_is(const char *name, const char *spec, uint32_t flags,
                   const char *want)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(
        mw_addr_format(name, strlen(name), spec, strlen(spec), flags, &out),
        MW_OK);
    mwt_assert_bytes("formatted", out.data, out.len, want, strlen(want));
    mw_buf_free(&out);
}

static void test_format(void **state)
{
    (void)state;
    fmt_is("", "a@b.example", 0, "a@b.example");
    fmt_is("John Doe", "jdoe@machine.example", 0,
           "John Doe <jdoe@machine.example>");
    fmt_is("Joe Q. Public", "j@x", 0, "\"Joe Q. Public\" <j@x>");
    fmt_is("Giant; \"Big\" Box", "s@x", 0, "\"Giant; \\\"Big\\\" Box\" <s@x>");
    fmt_is(" spaced  out ", "s@x", 0, "\" spaced  out \" <s@x>");
    /* B is shorter here than Q, so B is chosen. */
    fmt_is("J\xC3\xB6rg", "j@x", 0, "=?UTF-8?B?SsO2cmc=?= <j@x>");
    fmt_is("Andr\xC3\xA9 Pirard", "a@x", 0,
           "=?UTF-8?Q?Andr=C3=A9_Pirard?= <a@x>");
    fmt_is("J\xC3\xB6rg", "j\xC3\xB6rg@x", MW_ADDR_FMT_UTF8,
           "J\xC3\xB6rg <j\xC3\xB6rg@x>");
    fmt_is("=?not?q?encoded?=", "a@x", 0,
           "=?UTF-8?B?PT9ub3Q/cT9lbmNvZGVkPz0=?= <a@x>");
    fmt_is("", "\"john smith\"@x", 0, "\"john smith\"@x");
    fmt_is("", "u@[192.0.2.1]", 0, "u@[192.0.2.1]");
    fmt_is("", "root", MW_ADDR_FMT_NO_DOMAIN, "root");
}

static mw_status fmt_status(const char *name, const char *spec, uint32_t flags)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st =
        mw_addr_format(name, strlen(name), spec, strlen(spec), flags, &out);
    if (st != MW_OK)
        assert_int_equal(out.len, 0);
    mw_buf_free(&out);
    return st;
}

/* python/cpython #76787 (bpo-32606 family): CR/LF in an address or name
 * given to the email package ended up as new header lines. */
static void test_cpython_76787_crlf_injection(void **state)
{
    (void)state;
    assert_int_equal(fmt_status("Eve\r\nBcc: victim@x", "e@x", 0), MW_E_CRLF);
    assert_int_equal(fmt_status("Eve", "e@x\r\nBcc: victim@x", 0), MW_E_CRLF);
    assert_int_equal(fmt_status("Eve\n", "e@x", 0), MW_E_CRLF);
    assert_int_equal(fmt_status("Eve\r", "e@x", MW_ADDR_FMT_UTF8), MW_E_CRLF);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_addr_format("a\0b", 3, "e@x", 3, 0, &out), MW_E_CRLF);
    mw_buf_free(&out);
}

/* MimeKit GHSA-g7hc-96xr-gvvx: addresses with specials smuggled extra
 * recipients into the serialized header. The addr-spec must be one
 * canonical mailbox. */
static void test_mimekit_ghsa_g7hc_96xr_gvvx_injection(void **state)
{
    (void)state;
    assert_int_equal(fmt_status("", "a@x>, evil@y", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "a@x, evil@y", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("N", "<a@x>", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "a b@x", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "\"a\"b\"@x", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "a@[1.2\\]", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "root", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "", 0), MW_E_SYNTAX);
    assert_int_equal(fmt_status("", "j\xC3\xB6rg@x", 0), MW_E_ENCODING);
    assert_int_equal(fmt_status("\xFF", "j@x", 0), MW_E_ENCODING);
}

/* xorshift, seeded: reproducible random strings. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t random_name(uint64_t *seed, char *buf)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         " ",
                                         "  ",
                                         ".",
                                         "\"",
                                         "\\",
                                         ",",
                                         ";",
                                         "<",
                                         ">",
                                         "@",
                                         "(",
                                         ")",
                                         "=?",
                                         "?=",
                                         "_",
                                         "\t",
                                         "\xC3\xA9",
                                         "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80",
                                         "x",
                                         "Q",
                                         ":",
                                         "[",
                                         "]",
                                         "\x01"};
    size_t len = 0, n = 1 + rnd(seed) % 12;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rnd(seed) % (sizeof(pieces) / sizeof(*pieces))];
        memcpy(buf + len, p, strlen(p));
        len += strlen(p);
    }
    return len;
}

/* parse(format(x)) == x for seeded random display names, both with
 * encoded words and with raw UTF-8. */
static void test_round_trip_random(void **state)
{
    (void)state;
    uint64_t seed = 0x5eed1234abcdull;
    static const char *const specs[] = {"a@b.example", "\"x y\"@z",
                                        "u@[10.0.0.1]", "first.last@x"};
    for (int i = 0; i < 3000; i++) {
        char name[128];
        size_t nlen = random_name(&seed, name);
        const char *spec = specs[i % 4];
        uint32_t flags = (i & 1) ? MW_ADDR_FMT_UTF8 : 0;
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(
            mw_addr_format(name, nlen, spec, strlen(spec), flags, &out), MW_OK);
        parsed p;
        parse_cfg(&p, out.data, out.len, NULL);
        assert_int_equal(p.st, MW_OK);
        if (p.n != 1)
            fail_msg("%d: '%.*s' gave %zu addresses", i, (int)out.len, out.data,
                     p.n);
        mwt_assert_bytes("name", p.a[0].display_name.ptr,
                         p.a[0].display_name.len, name, nlen);
        span_is("spec", p.a[0].addr_spec, spec);
        done(&p);
        mw_buf_free(&out);
    }
}

static int addr_scenario(const mw_allocator *a, void *ud)
{
    const char *in = ud;
    mw_buf storage;
    mw_address out[8];
    size_t n = 0;
    mw_buf_init_growable(&storage, a, 0);
    mw_status st =
        mw_addr_list_parse(in, strlen(in), NULL, &storage, out, 8, &n);
    int bad = st != MW_OK && (st != MW_E_NOMEM || storage.len != 0);
    if (st == MW_OK)
        bad |= n != 4 || out[3].addr_spec.len != 6;
    mw_buf_free(&storage);
    return bad;
}

/* Every allocation of the storage failing in turn: MW_E_NOMEM, storage
 * restored, nothing leaked. */
static void test_allocation_failures(void **state)
{
    (void)state;
    char in[] = "=?iso-8859-1?q?J=F6rg?= <a@x>, \"quoted name\" <b@y>, "
                "G: \"odd local\"@z; last@a";
    mwt_failalloc_sweep(addr_scenario, in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5322_a11),
        cmocka_unit_test(test_rfc5322_a12),
        cmocka_unit_test(test_rfc5322_a13_groups),
        cmocka_unit_test(test_rfc5322_a2_a4),
        cmocka_unit_test(test_rfc5322_a5_comments),
        cmocka_unit_test(test_rfc5322_a6_obsolete),
        cmocka_unit_test(test_quoted_local_and_literal),
        cmocka_unit_test(test_encoded_display_names),
        cmocka_unit_test(test_utf8_rfc6532),
        cmocka_unit_test(test_broken_real_world),
        cmocka_unit_test(test_two_groups_same_name),
        cmocka_unit_test(test_gmime_15_colon_bomb),
        cmocka_unit_test(test_comment_depth_limit),
        cmocka_unit_test(test_capacity_and_storage),
        cmocka_unit_test(test_storage_growth),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cpython_76787_crlf_injection),
        cmocka_unit_test(test_mimekit_ghsa_g7hc_96xr_gvvx_injection),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
