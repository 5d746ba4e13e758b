/* Status codes, version and limits of lib/core. */
#include <string.h>

#include "mwtest.h"

static void test_every_status_has_distinct_name_and_text(void **state)
{
    (void)state;
    static const int codes[] = {
#define MW_STATUS_CODE_(name, value, text) value,
        MW_STATUS_MAP(MW_STATUS_CODE_)
#undef MW_STATUS_CODE_
    };
    size_t n = sizeof(codes) / sizeof(codes[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(mw_status_name(codes[i]), "MW_UNKNOWN");
        assert_string_not_equal(mw_strerror(codes[i]), "unknown status");
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(mw_status_name(codes[i]),
                                    mw_status_name(codes[j]));
        }
    }
}

static void test_status_values_are_stable_abi(void **state)
{
    (void)state;
    /* Bindings hard-code these numbers: they must never change. */
    assert_int_equal(MW_OK, 0);
    assert_int_equal(MW_NEED_MORE, 1);
    assert_int_equal(MW_DONE, 2);
    assert_int_equal(MW_E_SYNTAX, -1);
    assert_int_equal(MW_E_LIMIT, -2);
    assert_int_equal(MW_E_NOMEM, -3);
    assert_int_equal(MW_E_NOSPACE, -4);
    assert_int_equal(MW_E_CRLF, -15);
    assert_string_equal(mw_status_name(MW_E_LIMIT), "MW_E_LIMIT");
    assert_string_equal(mw_strerror(MW_E_NOSPACE), "output buffer is full");
}

static void test_unknown_status_is_named_unknown(void **state)
{
    (void)state;
    assert_string_equal(mw_status_name(12345), "MW_UNKNOWN");
    assert_string_equal(mw_strerror(-9999), "unknown status");
    assert_int_equal(mw_status_is_fatal(12345), 0);
}

static void test_fatal_statuses(void **state)
{
    (void)state;
    assert_int_equal(mw_status_is_fatal(MW_E_SYNTAX), 1);
    assert_int_equal(mw_status_is_fatal(MW_E_NOMEM), 1);
    assert_int_equal(mw_status_is_fatal(MW_E_NOSPACE), 0);
    assert_int_equal(mw_status_is_fatal(MW_NEED_MORE), 0);
    assert_int_equal(mw_status_is_fatal(MW_E_PEER), 0);
}

static void test_version_matches_macros(void **state)
{
    (void)state;
    assert_string_equal(mw_version(), MW_VERSION_STRING);
    assert_int_equal(mw_version_number(), MW_VERSION_NUMBER);
    assert_int_equal(mw_version_number() >> 16, MW_VERSION_MAJOR);
}

static void test_limits_defaults_are_set(void **state)
{
    (void)state;
    mw_limits l;
    mw_limits_default(&l);
    assert_int_equal(l.size, sizeof(mw_limits));
    assert_true(l.line_max >= 1000);
    assert_true(l.mime_depth_max > 0 && l.mime_depth_max <= 100);
    assert_true(l.header_count_max > 0);
    assert_true(l.literal_max > 0);
}

static void test_limits_resolve_keeps_overrides_and_fills_zeros(void **state)
{
    (void)state;
    mw_limits in, out, def;
    memset(&in, 0, sizeof(in));
    in.size = sizeof(in);
    in.mime_depth_max = 7;
    in.literal_max = 123;
    mw_limits_resolve(&in, &out);
    mw_limits_default(&def);
    assert_int_equal(out.mime_depth_max, 7);
    assert_int_equal(out.literal_max, 123);
    assert_int_equal(out.line_max, def.line_max);
    assert_int_equal(out.recipients_max, def.recipients_max);
}

static void test_limits_resolve_reads_only_the_callers_size(void **state)
{
    (void)state;
    /* An older caller whose struct ended after header_line_max: fields
     * past its size must not be read, so they take their defaults. */
    mw_limits in, out, def;
    memset(&in, 0xff, sizeof(in));
    in.size = (uint32_t)(offsetof(mw_limits, header_line_max) + 4);
    in.line_max = 5000;
    in.header_line_max = 777;
    mw_limits_resolve(&in, &out);
    mw_limits_default(&def);
    assert_int_equal(out.line_max, 5000);
    assert_int_equal(out.header_line_max, 777);
    assert_int_equal(out.header_count_max, def.header_count_max);
    assert_int_equal(out.literal_max, def.literal_max);
    mw_limits_resolve(NULL, &out);
    assert_int_equal(out.line_max, def.line_max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status_has_distinct_name_and_text),
        cmocka_unit_test(test_status_values_are_stable_abi),
        cmocka_unit_test(test_unknown_status_is_named_unknown),
        cmocka_unit_test(test_fatal_statuses),
        cmocka_unit_test(test_version_matches_macros),
        cmocka_unit_test(test_limits_defaults_are_set),
        cmocka_unit_test(test_limits_resolve_keeps_overrides_and_fills_zeros),
        cmocka_unit_test(test_limits_resolve_reads_only_the_callers_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
