/* RFC 2047 encoded words: section 8 examples, tolerance, built-in
 * charsets, the charset hook, encoding limits and random round trips. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mwtest.h"

#include "mailwire/msg.h"

/* A test hook: "iso-8859-2" for its ASCII subset, "x-bad" returns
 * invalid UTF-8, "x-big" writes 40 bytes per input byte (forcing a retry
 * with more room), anything else is refused. */
static mw_status test_hook(void *ud, const char *cs, size_t cs_len,
                           const char *bytes, size_t len, mw_buf *out)
{
    int *calls = ud;
    (*calls)++;
    if (cs_len == 10 && strncasecmp(cs, "iso-8859-2", 10) == 0) {
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)bytes[i] >= 0x80)
                return MW_E_UNSUPPORTED;
        return mw_buf_append(out, bytes, len);
    }
    if (cs_len == 5 && strncmp(cs, "x-bad", 5) == 0)
        return mw_buf_append(out, "a\xFF", 2);
    if (cs_len == 5 && strncmp(cs, "x-big", 5) == 0) {
        for (size_t i = 0; i < len * 40; i++) {
            mw_status st = mw_buf_append_byte(out, 'z');
            if (st != MW_OK)
                return st;
        }
        return MW_OK;
    }
    return MW_E_UNSUPPORTED;
}

static uint32_t decode_is(const char *in, const mw_charset_hook *hook,
                          const char *want)
{
    mw_buf out;
    uint32_t flags = 0xdeadbeef;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_rfc2047_decode(in, strlen(in), hook, &out, &flags),
                     MW_OK);
    mwt_assert_bytes(in, out.data, out.len, want, strlen(want));
    mw_buf_free(&out);
    return flags;
}

/* RFC 2047 section 8, the comment examples (their content). */
static void test_rfc2047_section8_whitespace(void **state)
{
    (void)state;
    int calls = 0;
    mw_charset_hook hook = {test_hook, &calls};
    decode_is("=?ISO-8859-1?Q?a?=", NULL, "a");
    decode_is("=?ISO-8859-1?Q?a?= b", NULL, "a b");
    decode_is("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", NULL, "ab");
    decode_is("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", NULL, "ab");
    decode_is("=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=", NULL, "ab");
    decode_is("=?ISO-8859-1?Q?a_b?=", NULL, "a b");
    decode_is("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", &hook, "a b");
    assert_int_equal(calls, 1);
    /* Without a hook ISO-8859-2 stays as it was, with its space. */
    uint32_t fl = decode_is("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", NULL,
                            "a =?ISO-8859-2?Q?_b?=");
    assert_true(fl & MW_2047_UNDECODED);
    assert_true(fl & MW_2047_DECODED);
}

/* RFC 2047 section 8, the header examples. */
static void test_rfc2047_section8_headers(void **state)
{
    (void)state;
    int calls = 0;
    mw_charset_hook hook = {test_hook, &calls};
    decode_is("=?US-ASCII?Q?Keith_Moore?=", NULL, "Keith Moore");
    decode_is("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", NULL,
              "Keld J\xC3\xB8rn Simonsen");
    decode_is("=?ISO-8859-1?Q?Andr=E9?= Pirard", NULL, "Andr\xC3\xA9 Pirard");
    decode_is("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    "
              "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
              &hook, "If you can read this you understand the example.");
    decode_is("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    "
              "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
              NULL,
              "If you can read this yo\r\n    "
              "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=");
    decode_is("=?ISO-8859-1?Q?Olle_J=E4rnefors?=", NULL,
              "Olle J\xC3\xA4rnefors");
    /* iso-8859-8 is not built in and the hook refuses non-ASCII. */
    uint32_t fl = decode_is("(=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)", &hook,
                            "(=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)");
    assert_int_equal(fl, 0); /* not at a word start: not even a candidate */
    fl = decode_is("=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=", &hook,
                   "=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=");
    assert_true(fl & MW_2047_UNDECODED);
    decode_is("Test of new header generator", NULL,
              "Test of new header generator");
    decode_is("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=", NULL,
              "Patrik F\xC3\xA4ltstr\xC3\xB6m");
}

/* RFC 2231 section 5: a language suffix on the charset. */
static void test_rfc2231_language_suffix(void **state)
{
    (void)state;
    uint32_t fl =
        decode_is("=?US-ASCII*EN?Q?Keith_Moore?=", NULL, "Keith Moore");
    assert_true(fl & MW_2047_LANGUAGE);
    decode_is("=?utf-8*en-us?B?w6k=?=", NULL, "\xC3\xA9");
}

static void test_invalid_words_left_alone(void **state)
{
    (void)state;
    uint32_t fl = decode_is("=?utf-8?X?abc?=", NULL, "=?utf-8?X?abc?=");
    assert_true(fl & MW_2047_UNDECODED);
    assert_int_equal(decode_is("=?utf-8?q?abc", NULL, "=?utf-8?q?abc"), 0);
    decode_is("=??q?abc?=", NULL, "=??q?abc?=");
    decode_is("=?utf-8?q?a b?=", NULL, "=?utf-8?q?a b?=");
    /* Inside a word an encoded word is not recognised (RFC 2047 5). */
    decode_is("x=?utf-8?q?a?=", NULL, "x=?utf-8?q?a?=");
    /* Tolerated: text right after a word, and words without a space. */
    decode_is("=?utf-8?q?a?=b", NULL, "ab");
    decode_is("=?utf-8?q?a?==?utf-8?q?b?=", NULL, "ab");
    decode_is("=?utf-8?q?a?=  b", NULL, "a  b");
    decode_is("b  =?utf-8?q?a?=", NULL, "b  a");
    decode_is("  lead and trail  ", NULL, "  lead and trail  ");
    decode_is("=?utf-8?q?"
              "?=",
              NULL, "");
    decode_is("", NULL, "");
    fl = decode_is("=?utf-8?q?a=ZZ?=", NULL, "a=ZZ");
    assert_true(fl & MW_2047_DAMAGED);
    fl = decode_is("=?utf-8?b?SGVsbG8?=", NULL, "Hello");
    assert_true(fl & MW_2047_DAMAGED);
    decode_is("=?utf-8?Q?=e2=82=ac?=", NULL, "\xE2\x82\xAC");
}

static void test_builtin_charsets(void **state)
{
    (void)state;
    decode_is("=?windows-1252?q?=80=81=8D=9F=A4?=", NULL,
              "\xE2\x82\xAC\xC2\x81\xC2\x8D\xC5\xB8\xC2\xA4");
    decode_is("=?cp1252?q?=93quoted=94?=", NULL,
              "\xE2\x80\x9Cquoted\xE2\x80\x9D");
    decode_is("=?iso-8859-15?q?=A4=A6=BE?=", NULL,
              "\xE2\x82\xAC\xC5\xA0\xC5\xB8");
    decode_is("=?latin1?q?=A4=FF?=", NULL, "\xC2\xA4\xC3\xBF");
    uint32_t fl = decode_is("=?us-ascii?q?a=E9?=", NULL, "a\xEF\xBF\xBD");
    assert_true(fl & MW_2047_REPLACED);
    /* Invalid UTF-8: one U+FFFD per bad byte. */
    fl = decode_is("=?utf-8?q?a=E2=82b=FF?=", NULL,
                   "a\xEF\xBF\xBD\xEF\xBF\xBD"
                   "b\xEF\xBF\xBD");
    assert_true(fl & MW_2047_REPLACED);
    /* Raw 8-bit text outside words is repaired too. */
    fl = decode_is("caf\xE9 =?utf-8?q?ok?=", NULL, "caf\xEF\xBF\xBD ok");
    assert_true(fl & MW_2047_REPLACED);
    /* Surrogates and overlongs are invalid UTF-8. */
    decode_is("=?utf-8?q?=ED=A0=80=C0=AF?=", NULL,
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_hook_behaviour(void **state)
{
    (void)state;
    int calls = 0;
    mw_charset_hook hook = {test_hook, &calls};
    /* The hook's invalid UTF-8 is repaired. */
    decode_is("=?x-bad?q?q?=", &hook, "a\xEF\xBF\xBD");
    /* A hook needing more room than first offered is retried. */
    decode_is("=?x-big?q?ab?=", &hook,
              "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
              "zzzzzzzzzzzzzzzzzz");
    /* Built-in charsets never reach the hook. */
    calls = 0;
    decode_is("=?UTF-8?q?x?= =?Latin1?q?y?=", &hook, "xy");
    assert_int_equal(calls, 0);
    /* The direct converter API. */
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_charset_to_utf8("koi8-r", 6, "\xC1", 1, NULL, &out),
                     MW_E_UNSUPPORTED);
    assert_int_equal(out.len, 0);
    assert_int_equal(
        mw_charset_to_utf8("ISO_8859-1", 10, "\xE9", 1, NULL, &out), MW_OK);
    mwt_assert_bytes("latin1", out.data, out.len, "\xC3\xA9", 2);
    mw_buf_free(&out);
}

static void test_decode_nospace(void **state)
{
    (void)state;
    const char *in = "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= and more text";
    const char *want = "Keld J\xC3\xB8rn Simonsen and more text";
    char mem[8];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_rfc2047_decode(in, strlen(in), NULL, &out, NULL),
                     MW_E_NOSPACE);
    assert_int_equal(out.len, 0);
    assert_true(out.needed > strlen(want));
    char *big = malloc(out.needed);
    mw_buf_init_fixed(&out, big, out.needed);
    assert_int_equal(mw_rfc2047_decode(in, strlen(in), NULL, &out, NULL),
                     MW_OK);
    mwt_assert_bytes("retry", out.data, out.len, want, strlen(want));
    free(big);
    assert_int_equal(mw_rfc2047_decode(NULL, 1, NULL, &out, NULL), MW_E_ARG);
}

/* ---- encoding ---- */

static void encode_is(const char *in, uint32_t flags, size_t used,
                      const char *want)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_rfc2047_encode(in, strlen(in), flags, used, &out),
                     MW_OK);
    mwt_assert_bytes(in, out.data, out.len, want, strlen(want));
    mw_buf_free(&out);
}

static void test_encode_known(void **state)
{
    (void)state;
    encode_is("Hello", 0, 0, "=?UTF-8?Q?Hello?=");
    encode_is("a b", 0, 0, "=?UTF-8?Q?a_b?=");
    encode_is("a=b c d e f", 0, 0, "=?UTF-8?Q?a=3Db_c_d_e_f?=");
    encode_is("a b_c=d?", 0, 0, "=?UTF-8?B?YSBiX2M9ZD8=?="); /* B shorter */
    encode_is("caf\xC3\xA9", 0, 0, "=?UTF-8?B?Y2Fmw6k=?=");
    encode_is("John.Smith", MW_2047_PHRASE, 0, "=?UTF-8?Q?John=2ESmith?=");
    encode_is("John.Smith", 0, 0, "=?UTF-8?Q?John.Smith?=");
    encode_is("", 0, 0, "");
    /* Too little room on the first line: start on a new one. */
    encode_is("Hello", 0, 60, "\r\n =?UTF-8?Q?Hello?=");
    encode_is("Hello", 0, 40, "=?UTF-8?Q?Hello?=");
}

static void test_encode_refusals(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_rfc2047_encode("a\r\nBcc: x", 10, 0, 0, &out),
                     MW_E_CRLF);
    assert_int_equal(mw_rfc2047_encode("a\0b", 3, 0, 0, &out), MW_E_CRLF);
    assert_int_equal(mw_rfc2047_encode("a\xFF", 2, 0, 0, &out), MW_E_ENCODING);
    assert_int_equal(mw_rfc2047_encode("\xE2\x82", 2, 0, 0, &out),
                     MW_E_ENCODING);
    assert_int_equal(out.len, 0);
    char mem[10];
    mw_buf small;
    mw_buf_init_fixed(&small, mem, sizeof(mem));
    assert_int_equal(mw_rfc2047_encode("Hello", 5, 0, 0, &small), MW_E_NOSPACE);
    assert_int_equal(small.len, 0);
    assert_int_equal(small.needed, 17);
    mw_buf_free(&out);
}

/* Every word at most 75 characters, every line at most 78, and each word
 * decodes on its own to valid UTF-8 (no character split across words). */
static void check_encoded_shape(const char *enc, size_t len, size_t used,
                                int fold)
{
    size_t line = used, word = 0;
    for (size_t i = 0; i < len; i++) {
        if (enc[i] == '\r') {
            assert_true(fold);
            /* A first line already full when we started is folded at once. */
            assert_true(line <= 78 || (i == 0 && line == used));
            line = 0;
            i++;
            continue;
        }
        line++;
        if (enc[i] == ' ') {
            size_t wl = word;
            assert_true(wl <= 75);
            word = 0;
            continue;
        }
        word++;
    }
    assert_true(word <= 75);
    if (fold)
        assert_true(line <= 78 || len == 0);
    for (size_t a = 0; a < len;) {
        while (a < len && (enc[a] == ' ' || enc[a] == '\r' || enc[a] == '\n'))
            a++;
        size_t b = a;
        while (b < len && enc[b] != ' ' && enc[b] != '\r')
            b++;
        if (b == a)
            break;
        mw_buf one;
        uint32_t fl = 0;
        mw_buf_init_growable(&one, NULL, 0);
        assert_int_equal(mw_rfc2047_decode(enc + a, b - a, NULL, &one, &fl),
                         MW_OK);
        assert_int_equal(fl & (MW_2047_REPLACED | MW_2047_UNDECODED), 0);
        assert_true(mw_utf8_is_valid(one.data, one.len, NULL));
        mw_buf_free(&one);
        a = b;
    }
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random valid UTF-8 without CR, LF, NUL: 1- to 4-byte characters. */
static size_t random_utf8(uint64_t *seed, char *buf, size_t max_chars)
{
    static const char *const chars[] = {"a",
                                        "Z",
                                        " ",
                                        "_",
                                        "=",
                                        "?",
                                        ".",
                                        "\t",
                                        "\"",
                                        "\xC3\xA9",
                                        "(",
                                        "\xE2\x82\xAC",
                                        "\xE4\xB8\xAD",
                                        "\xF0\x9F\x98\x80",
                                        "\xC2\x80",
                                        "~",
                                        "\x7F",
                                        "\x01"};
    size_t len = 0, n = rnd(seed) % (max_chars + 1);
    for (size_t i = 0; i < n; i++) {
        const char *c = chars[rnd(seed) % (sizeof(chars) / sizeof(*chars))];
        memcpy(buf + len, c, strlen(c));
        len += strlen(c);
    }
    return len;
}

static void test_encode_decode_round_trip_random(void **state)
{
    (void)state;
    uint64_t seed = 0x2047204720472047ull;
    char text[1024];
    for (int i = 0; i < 4000; i++) {
        size_t len = random_utf8(&seed, text, i % 7 == 0 ? 200 : 30);
        uint32_t flags = (uint32_t)(i & 3);
        size_t used = (size_t)(rnd(&seed) % 80);
        mw_buf enc, dec;
        mw_buf_init_growable(&enc, NULL, 0);
        mw_buf_init_growable(&dec, NULL, 0);
        assert_int_equal(mw_rfc2047_encode(text, len, flags, used, &enc),
                         MW_OK);
        check_encoded_shape(enc.data, enc.len, used,
                            !(flags & MW_2047_NO_FOLD));
        /* A fold before the first word belongs to the header, which the
         * reader unfolds and trims. */
        size_t skip = enc.len >= 3 && enc.data[0] == '\r' ? 3 : 0;
        const char *from = enc.data ? enc.data + skip : NULL;
        assert_int_equal(
            mw_rfc2047_decode(from, enc.len - skip, NULL, &dec, NULL), MW_OK);
        mwt_assert_bytes("round trip", dec.data, dec.len, text, len);
        mw_buf_free(&enc);
        mw_buf_free(&dec);
    }
}

static int decode_scenario(const mw_allocator *a, void *ud)
{
    const char *in = ud;
    mw_buf out;
    int calls = 0;
    mw_charset_hook hook = {test_hook, &calls};
    mw_buf_init_growable(&out, a, 0);
    mw_status st = mw_rfc2047_decode(in, strlen(in), &hook, &out, NULL);
    int bad = st != MW_OK && (st != MW_E_NOMEM || out.len != 0);
    mw_buf_free(&out);
    mw_buf_init_growable(&out, a, 0);
    st = mw_rfc2047_encode(in, strlen(in), 0, 10, &out);
    bad |= st != MW_OK && (st != MW_E_NOMEM || out.len != 0);
    mw_buf_free(&out);
    return bad;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    char in[] = "=?iso-8859-1?q?J=F6rg?= =?x-big?q?abc?= =?x-bad?b?YQ==?= "
                "plain text with some length to it, =?utf-8?b?w6k=?=";
    mwt_failalloc_sweep(decode_scenario, in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2047_section8_whitespace),
        cmocka_unit_test(test_rfc2047_section8_headers),
        cmocka_unit_test(test_rfc2231_language_suffix),
        cmocka_unit_test(test_invalid_words_left_alone),
        cmocka_unit_test(test_builtin_charsets),
        cmocka_unit_test(test_hook_behaviour),
        cmocka_unit_test(test_decode_nospace),
        cmocka_unit_test(test_encode_known),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_encode_decode_round_trip_random),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
