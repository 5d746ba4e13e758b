/* Hosted helpers: the current time with its zone, randomness, the RFC 5321
 * timeout table. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwtest.h"

#include "mailwire/net.h"

static void set_tz(const char *tz)
{
    assert_int_equal(setenv("TZ", tz, 1), 0);
    tzset();
}

/* The zone offset follows TZ: POSIX TZ strings give known answers. */
static void test_zone_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *tz;
        int16_t minutes;
    } cases[] = {
        {"UTC0", 0},           {"JST-9", 540}, {"<-0330>3:30", -210},
        {"<+0545>-5:45", 345}, {"EST5", -300},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_tz(cases[i].tz);
        int64_t t = 0;
        int16_t zone = 1;
        assert_int_equal(mw_net_now_unix(&t, &zone), MW_OK);
        if (zone != cases[i].minutes)
            fail_msg("TZ=%s: zone %d, want %d", cases[i].tz, zone,
                     cases[i].minutes);
        assert_true(t > 1600000000); /* after September 2020 */
    }
    assert_int_equal(mw_net_now_unix(NULL, NULL), MW_OK);
}

#if MW_HAVE_MSG
/* mw_net_now() is the same instant as the Unix clock, broken down in the
 * local zone, and formats as a Date header. */
static void test_now_datetime(void **state)
{
    (void)state;
    set_tz("<+0545>-5:45");
    int64_t before = 0, after = 0;
    assert_int_equal(mw_net_now_unix(&before, NULL), MW_OK);
    mw_datetime dt;
    assert_int_equal(mw_net_now(&dt), MW_OK);
    assert_int_equal(mw_net_now_unix(&after, NULL), MW_OK);
    assert_int_equal(dt.zone_minutes, 345);
    assert_int_equal(dt.flags, 0);
    assert_true(dt.weekday <= 6);
    int64_t t = 0;
    assert_int_equal(mw_datetime_to_unix(&dt, &t), MW_OK);
    assert_true(t >= before && t <= after);
    /* The weekday agrees with what msg computes for the same instant. */
    mw_datetime again;
    assert_int_equal(mw_datetime_from_unix(t, 345, &again), MW_OK);
    assert_int_equal(again.weekday, dt.weekday);
    assert_int_equal(again.hour, dt.hour);
    assert_int_equal(again.minute, dt.minute);

    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_datetime_format_rfc5322(&dt, &out), MW_OK);
    assert_int_equal(out.len, 31); /* "Sun, 09 Apr 2023 10:00:00 +0545" */
    mwt_assert_bytes("zone", out.data + 26, 5, "+0545", 5);
    assert_int_equal(mw_net_now(NULL), MW_E_ARG);
}
#endif

static void test_random(void **state)
{
    (void)state;
    unsigned char a[32], b[32];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(mw_net_random(a, sizeof(a)), MW_OK);
    assert_int_equal(mw_net_random(b, sizeof(b)), MW_OK);
    /* 256 random bits twice alike, or all zero, would be a broken source. */
    assert_memory_not_equal(a, b, sizeof(a));
    static const unsigned char zero[32];
    assert_memory_not_equal(a, zero, sizeof(a));
    /* A large request is filled completely: count byte values present. */
    enum { BIG = 1 << 16 };
    static unsigned char big[BIG];
    memset(big, 0, sizeof(big));
    assert_int_equal(mw_net_random(big, sizeof(big)), MW_OK);
    size_t zeros_tail = 0;
    for (size_t i = BIG - 64; i < BIG; i++)
        zeros_tail += big[i] == 0;
    assert_true(zeros_tail < 16);
    assert_int_equal(mw_net_random(NULL, 0), MW_OK);
    assert_int_equal(mw_net_random(NULL, 1), MW_E_ARG);
}

static void test_monotonic(void **state)
{
    (void)state;
    uint64_t a = mw_net_monotonic_ms();
    uint64_t b = mw_net_monotonic_ms();
    assert_true(b >= a);
}

/* RFC 5321 4.5.3.2: 5, 5, 5, 2, 3 and 10 minutes; server 5 minutes. */
static void test_smtp_timeouts(void **state)
{
    (void)state;
    mw_net_smtp_timeouts t;
    memset(&t, 0, sizeof(t));
    mw_net_smtp_timeouts_default(&t);
    assert_int_equal(t.initial, 300000);
    assert_int_equal(t.mail, 300000);
    assert_int_equal(t.rcpt, 300000);
    assert_int_equal(t.data_init, 120000);
    assert_int_equal(t.data_block, 180000);
    assert_int_equal(t.data_term, 600000);
    assert_int_equal(t.server, 300000);
    assert_int_equal(t.other, 300000);
    mw_net_smtp_timeouts_default(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_offsets),
#if MW_HAVE_MSG
        cmocka_unit_test(test_now_datetime),
#endif
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_monotonic),
        cmocka_unit_test(test_smtp_timeouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
