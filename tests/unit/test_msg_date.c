/* Date-time: RFC 5322 appendix A dates, obsolete forms (4.3), range
 * checks, formatting, Unix time conversions. */
#include <string.h>

#include "mwtest.h"

#include "mailwire/msg.h"

static mw_datetime parse_ok(const char *s)
{
    mw_datetime dt;
    mw_status st = mw_datetime_parse(s, strlen(s), &dt);
    if (st != MW_OK)
        fail_msg("'%s' gave %s", s, mw_status_name(st));
    return dt;
}

static void parse_bad(const char *s)
{
    mw_datetime dt;
    mw_status st = mw_datetime_parse(s, strlen(s), &dt);
    if (st != MW_E_SYNTAX)
        fail_msg("'%s' gave %s, want MW_E_SYNTAX", s, mw_status_name(st));
}

static void iso_is(const mw_datetime *dt, const char *want)
{
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_datetime_format_iso8601(dt, &out), MW_OK);
    mwt_assert_bytes("iso8601", out.data, out.len, want, strlen(want));
}

static void rfc_is(const mw_datetime *dt, const char *want)
{
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_datetime_format_rfc5322(dt, &out), MW_OK);
    mwt_assert_bytes("rfc5322", out.data, out.len, want, strlen(want));
}

static void has_flags(const mw_datetime *dt, uint32_t want)
{
    if ((dt->flags & want) != want)
        fail_msg("flags 0x%x lack 0x%x", dt->flags, want);
}

/* A.1.1, A.2, A.3, A.4 */
static void test_rfc5322_appendix_a_dates(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("Fri, 21 Nov 1997 09:55:06 -0600");
    assert_int_equal(dt.year, 1997);
    assert_int_equal(dt.month, 11);
    assert_int_equal(dt.day, 21);
    assert_int_equal(dt.hour, 9);
    assert_int_equal(dt.minute, 55);
    assert_int_equal(dt.second, 6);
    assert_int_equal(dt.zone_minutes, -360);
    assert_int_equal(dt.weekday, 5);
    assert_int_equal(dt.flags, 0);
    iso_is(&dt, "1997-11-21T09:55:06-06:00");
    rfc_is(&dt, "Fri, 21 Nov 1997 09:55:06 -0600");
    dt = parse_ok("Mon, 24 Nov 1997 14:22:01 -0800");
    iso_is(&dt, "1997-11-24T14:22:01-08:00");
    /* A.4: the date of a Received field has no day name. */
    dt = parse_ok("21 Nov 1997 10:01:22 -0600");
    assert_int_equal(dt.weekday, MW_DT_WEEKDAY_NONE);
    has_flags(&dt, MW_DT_NO_WEEKDAY);
    rfc_is(&dt, "21 Nov 1997 10:01:22 -0600");
}

/* A.5: folding whitespace and comments everywhere, no seconds. */
static void test_rfc5322_a5_whitespace(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("Thu,\r\n      13\r\n        Feb\r\n          "
                              "1969\r\n      23:32\r\n               -0330 "
                              "(Newfoundland Time)");
    assert_int_equal(dt.zone_minutes, -210);
    has_flags(&dt, MW_DT_NO_SECONDS);
    iso_is(&dt, "1969-02-13T23:32:00-03:30");
    int64_t t;
    assert_int_equal(mw_datetime_to_unix(&dt, &t), MW_OK);
    assert_int_equal(t, -27723480);
}

/* A.6.2 and A.6.3: obsolete year, zone and comments inside the time. */
static void test_rfc5322_a6_obsolete_dates(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("21 Nov 97 09:55:06 GMT");
    assert_int_equal(dt.year, 1997);
    has_flags(&dt, MW_DT_OBS_YEAR | MW_DT_OBS_ZONE);
    iso_is(&dt, "1997-11-21T09:55:06+00:00");
    dt = parse_ok("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600");
    iso_is(&dt, "1997-11-21T09:55:06-06:00");
}

static void test_years(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1 Jan 00 00:00 +0000").year, 2000);
    assert_int_equal(parse_ok("1 Jan 49 00:00 +0000").year, 2049);
    assert_int_equal(parse_ok("1 Jan 50 00:00 +0000").year, 1950);
    assert_int_equal(parse_ok("1 Jan 99 00:00 +0000").year, 1999);
    assert_int_equal(parse_ok("1 Jan 103 00:00 +0000").year, 2003);
    assert_int_equal(parse_ok("1 Jan 2003 00:00 +0000").year, 2003);
    parse_bad("1 Jan 5 00:00 +0000");
    parse_bad("1 Jan 20231 00:00 +0000");
}

static void test_zones(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int minutes;
    } named[] = {{"UT", 0},     {"GMT", 0},    {"EST", -300}, {"EDT", -240},
                 {"CST", -360}, {"CDT", -300}, {"MST", -420}, {"MDT", -360},
                 {"PST", -480}, {"PDT", -420}, {"pdt", -420}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        char s[64];
        strcpy(s, "1 Jan 2020 12:00:00 ");
        strcat(s, named[i].name);
        mw_datetime dt = parse_ok(s);
        assert_int_equal(dt.zone_minutes, named[i].minutes);
        has_flags(&dt, MW_DT_OBS_ZONE);
        assert_int_equal(dt.flags & MW_DT_ZONE_UNKNOWN, 0);
    }
    /* Military zones: -0000 with a flag (RFC 5322 4.3). */
    mw_datetime dt = parse_ok("1 Jan 2020 12:00:00 Z");
    assert_int_equal(dt.zone_minutes, 0);
    has_flags(&dt, MW_DT_MILITARY_ZONE | MW_DT_ZONE_UNKNOWN);
    dt = parse_ok("1 Jan 2020 12:00:00 a");
    has_flags(&dt, MW_DT_MILITARY_ZONE);
    rfc_is(&dt, "01 Jan 2020 12:00:00 -0000");
    iso_is(&dt, "2020-01-01T12:00:00+00:00");
    /* -0000 is unknown; +0000 is UTC. */
    dt = parse_ok("1 Jan 2020 12:00:00 -0000");
    has_flags(&dt, MW_DT_ZONE_UNKNOWN);
    dt = parse_ok("1 Jan 2020 12:00:00 +0000");
    assert_int_equal(dt.flags & MW_DT_ZONE_UNKNOWN, 0);
    rfc_is(&dt, "01 Jan 2020 12:00:00 +0000");
    /* Unknown names, no zone, "+09:00". */
    dt = parse_ok("1 Jan 2020 12:00:00 CEST");
    has_flags(&dt, MW_DT_ZONE_UNKNOWN);
    dt = parse_ok("1 Jan 2020 12:00:00");
    has_flags(&dt, MW_DT_NO_ZONE | MW_DT_ZONE_UNKNOWN);
    dt = parse_ok("1 Jan 2020 12:00:00 +09:30");
    assert_int_equal(dt.zone_minutes, 570);
    has_flags(&dt, MW_DT_IRREGULAR);
    dt = parse_ok("Sun, 09 Apr 2023 10:00:00 +0900 (JST) trailing");
    has_flags(&dt, MW_DT_IRREGULAR);
    assert_int_equal(dt.zone_minutes, 540);
    parse_bad("1 Jan 2020 12:00:00 +0960");
    parse_bad("1 Jan 2020 12:00:00 +");
}

static void test_names_and_spacing(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("fri, 21 NOV 1997 09:55:06 -0600");
    assert_int_equal(dt.month, 11);
    dt = parse_ok("Friday, 21 November 1997 09:55:06 -0600");
    assert_int_equal(dt.weekday, 5);
    dt = parse_ok("  Fri 21   Nov   1997   9:55:06   -0600  ");
    iso_is(&dt, "1997-11-21T09:55:06-06:00");
    dt = parse_ok("Sat, 21 Nov 1997 09:55:06 -0600");
    has_flags(&dt, MW_DT_WEEKDAY_MISMATCH);
    parse_bad("Fry, 21 Nov 1997 09:55:06 -0600");
    parse_bad("21 Noe 1997 09:55:06 -0600");
    parse_bad("");
    parse_bad("garbage");
    parse_bad("21 Nov 1997");
    parse_bad("21 Nov 1997 09");
}

static void test_ranges(void **state)
{
    (void)state;
    parse_ok("29 Feb 2024 00:00:00 +0000");
    parse_ok("29 Feb 2000 00:00:00 +0000");
    parse_bad("29 Feb 2023 00:00:00 +0000");
    parse_bad("29 Feb 1900 00:00:00 +0000");
    parse_bad("31 Apr 2023 00:00:00 +0000");
    parse_bad("0 Apr 2023 00:00:00 +0000");
    parse_bad("32 Jan 2023 00:00:00 +0000");
    parse_bad("1 Jan 2023 24:00:00 +0000");
    parse_bad("1 Jan 2023 23:60:00 +0000");
    parse_bad("1 Jan 2023 23:59:61 +0000");
    mw_datetime dt = parse_ok("31 Dec 2016 23:59:60 +0000");
    assert_int_equal(dt.second, 60);
    int64_t t;
    assert_int_equal(mw_datetime_to_unix(&dt, &t), MW_OK);
    assert_int_equal(t, 1483228800); /* counted as the next minute's 0 */
}

static void test_format_known(void **state)
{
    (void)state;
    mw_datetime dt = parse_ok("Sun, 09 Apr 2023 10:00:00 +0900");
    rfc_is(&dt, "Sun, 09 Apr 2023 10:00:00 +0900");
    iso_is(&dt, "2023-04-09T10:00:00+09:00");
    int64_t t;
    assert_int_equal(mw_datetime_to_unix(&dt, &t), MW_OK);
    assert_int_equal(t, 1681002000);
    /* Bad fields are refused. */
    dt.month = 13;
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_datetime_format_rfc5322(&dt, &out), MW_E_ARG);
    assert_int_equal(mw_datetime_format_iso8601(&dt, &out), MW_E_ARG);
    assert_int_equal(mw_datetime_to_unix(&dt, &t), MW_E_ARG);
    /* A full buffer: nothing written, needed set. */
    dt.month = 4;
    mw_buf_init_fixed(&out, mem, 10);
    assert_int_equal(mw_datetime_format_rfc5322(&dt, &out), MW_E_NOSPACE);
    assert_int_equal(out.len, 0);
    assert_int_equal(out.needed, 31);
}

static void test_unix_known_values(void **state)
{
    (void)state;
    mw_datetime dt;
    assert_int_equal(mw_datetime_from_unix(0, 0, &dt), MW_OK);
    iso_is(&dt, "1970-01-01T00:00:00+00:00");
    assert_int_equal(dt.weekday, 4);
    assert_int_equal(mw_datetime_from_unix(1681002000, 540, &dt), MW_OK);
    rfc_is(&dt, "Sun, 09 Apr 2023 10:00:00 +0900");
    assert_int_equal(mw_datetime_from_unix(951825600, 0, &dt), MW_OK);
    iso_is(&dt, "2000-02-29T12:00:00+00:00");
    assert_int_equal(mw_datetime_from_unix(-27723480, -210, &dt), MW_OK);
    rfc_is(&dt, "Thu, 13 Feb 1969 23:32:00 -0330");
    assert_int_equal(mw_datetime_from_unix(-62135596800LL, 0, &dt), MW_OK);
    iso_is(&dt, "0001-01-01T00:00:00+00:00");
    assert_int_equal(mw_datetime_from_unix(-1, 0, &dt), MW_OK);
    iso_is(&dt, "1969-12-31T23:59:59+00:00");
    assert_int_equal(mw_datetime_from_unix(253402300799LL, 0, &dt), MW_E_ARG);
    assert_int_equal(mw_datetime_from_unix(0, 6000, &dt), MW_E_ARG);
}

/* Every day from 1600 to 2400: from_unix and to_unix agree, days are
 * consecutive and weekdays cycle. */
static void test_unix_round_trip_sweep(void **state)
{
    (void)state;
    int64_t start = -11676096000LL; /* 1600-01-01 */
    mw_datetime prev, dt;
    assert_int_equal(mw_datetime_from_unix(start, 0, &prev), MW_OK);
    assert_int_equal(prev.year, 1600);
    assert_int_equal(prev.weekday, 6); /* a Saturday */
    for (int64_t d = 1; d < 292200; d++) {
        int64_t t = start + d * 86400 + (d % 86400), back;
        int16_t zone = (int16_t)((d % 199) * 30 - 2970);
        assert_int_equal(mw_datetime_from_unix(t, zone, &dt), MW_OK);
        assert_int_equal(mw_datetime_to_unix(&dt, &back), MW_OK);
        if (back != t)
            fail_msg("day %lld: %lld != %lld", (long long)d, (long long)back,
                     (long long)t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5322_appendix_a_dates),
        cmocka_unit_test(test_rfc5322_a5_whitespace),
        cmocka_unit_test(test_rfc5322_a6_obsolete_dates),
        cmocka_unit_test(test_years),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_names_and_spacing),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_format_known),
        cmocka_unit_test(test_unix_known_values),
        cmocka_unit_test(test_unix_round_trip_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
