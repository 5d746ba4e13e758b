/* Fixes in the message layer: two-digit numeric zones in dates, and UTF-8
 * characters split across adjacent RFC 2047 encoded words. */
#include <string.h>

#include "mwtest.h"
#include "mailwire/msg.h"

static mw_datetime parse_ok(const char *s)
{
    mw_datetime dt;
    assert_int_equal(mw_datetime_parse(s, strlen(s), &dt), MW_OK);
    return dt;
}

static void iso_is(const mw_datetime *dt, const char *want)
{
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_datetime_format_iso8601(dt, &out), MW_OK);
    mwt_assert_bytes("iso", out.data, out.len, want, strlen(want));
}

static void rfc_is(const mw_datetime *dt, const char *want)
{
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_datetime_format_rfc5322(dt, &out), MW_OK);
    mwt_assert_bytes("rfc", out.data, out.len, want, strlen(want));
}

/* RFC 5322 3.3: a zone is four digits. "+99" was read as 99 hours
 * ("+99:00"); it is a zone whose meaning is not known, -0000 (4.3). */
static void test_zone_two_digits_is_unknown(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("Mon, 1 Feb 2021 10:20:30 +99");
    assert_int_equal(dt.zone_minutes, 0);
    assert_true(dt.flags & MW_DT_ZONE_UNKNOWN);
    assert_true(dt.flags & MW_DT_IRREGULAR);
    assert_int_equal(dt.hour, 10);
    assert_int_equal(dt.minute, 20);
    iso_is(&dt, "2021-02-01T10:20:30+00:00");
    rfc_is(&dt, "Mon, 01 Feb 2021 10:20:30 -0000");

    dt = parse_ok("1 Feb 2021 10:20 -5");
    assert_int_equal(dt.zone_minutes, 0);
    assert_true(dt.flags & MW_DT_ZONE_UNKNOWN);

    dt = parse_ok("1 Feb 2021 10:20 +09 (JST)");
    assert_int_equal(dt.zone_minutes, 0);
    assert_true(dt.flags & MW_DT_ZONE_UNKNOWN);
}

/* The forms around it are unchanged. */
static void test_zone_other_forms_unchanged(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("1 Feb 2021 10:20 +09:30");
    assert_int_equal(dt.zone_minutes, 570);
    assert_false(dt.flags & MW_DT_ZONE_UNKNOWN);
    dt = parse_ok("1 Feb 2021 10:20 -0130");
    assert_int_equal(dt.zone_minutes, -90);
    dt = parse_ok("1 Feb 2021 10:20 +9959"); /* 4DIGIT: in range */
    assert_int_equal(dt.zone_minutes, 99 * 60 + 59);
    mw_datetime bad;
    assert_int_equal(mw_datetime_parse("1 Feb 2021 10:20 +123", 21, &bad),
                     MW_E_SYNTAX);
    assert_int_equal(mw_datetime_parse("1 Feb 2021 10:20 +0960", 22, &bad),
                     MW_E_SYNTAX);
}

static void decode_is(const char *in, const char *want, uint32_t want_flags)
{
    char mem[256];
    mw_buf out;
    uint32_t flags = 0;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_rfc2047_decode(in, strlen(in), NULL, &out, &flags),
                     MW_OK);
    mwt_assert_bytes("decoded", out.data, out.len, want, strlen(want));
    assert_int_equal(flags, want_flags);
}

/* U+2713 (E2 9C 93) split over two words: joined before conversion, as
 * RFC 2047 section 5 permits and Python does. */
static void test_2047_split_utf8_joined(void **state)
{
    (void)state;
    decode_is("=?utf-8?q?=E2=9C?= =?utf-8?q?=93?=", "\xe2\x9c\x93",
              MW_2047_DECODED);
    /* B words, charset names differing in case, glued words. */
    decode_is("=?UTF-8?B?4p8=?=\r\n =?utf-8?b?kw==?=", "\xe2\x9f\x93",
              MW_2047_DECODED);
    decode_is("a =?utf-8?q?=C3?==?utf-8?q?=A9?= b", "a \xc3\xa9 b",
              MW_2047_DECODED);
    /* Three words for one four-byte character. */
    decode_is("=?utf-8?q?=F0=9F?= =?utf-8?q?=98?= =?utf-8?q?=80?=",
              "\xf0\x9f\x98\x80", MW_2047_DECODED);
}

/* What must stay apart: other charsets, text between the words, and a
 * word that cannot be decoded. */
static void test_2047_not_joined(void **state)
{
    (void)state;
    decode_is("=?utf-8?q?=C3?= =?iso-8859-1?q?=A9?=", "\xef\xbf\xbd\xc2\xa9",
              MW_2047_DECODED | MW_2047_REPLACED);
    decode_is(
        "=?utf-8?q?=C3?= x =?utf-8?q?=A9?=", "\xef\xbf\xbd x \xef\xbf\xbd",
        MW_2047_DECODED | MW_2047_REPLACED);
    decode_is("=?utf-8?q?=C3?= =?x-unknown?q?=A9?= =?utf-8?q?=A9?=",
              "\xef\xbf\xbd =?x-unknown?q?=A9?= \xef\xbf\xbd",
              MW_2047_DECODED | MW_2047_REPLACED | MW_2047_UNDECODED);
    /* Single-byte charsets join trivially: same text as word by word. */
    decode_is("=?iso-8859-1?q?caf?= =?ISO-8859-1?q?=E9?=", "caf\xc3\xa9",
              MW_2047_DECODED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_two_digits_is_unknown),
        cmocka_unit_test(test_zone_other_forms_unchanged),
        cmocka_unit_test(test_2047_split_utf8_joined),
        cmocka_unit_test(test_2047_not_joined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
