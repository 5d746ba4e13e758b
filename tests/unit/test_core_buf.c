/* mw_buf: fixed and growable output buffers, and the allocator hook. */
#include <string.h>

#include "mwtest.h"

static void test_fixed_buffer_refuses_whole_unit_with_size_needed(void **state)
{
    (void)state;
    char mem[8];
    mw_buf b;
    mw_buf_init_fixed(&b, mem, sizeof(mem));
    assert_int_equal(mw_buf_append(&b, "hello", 5), MW_OK);
    assert_int_equal(mw_buf_append(&b, "world", 5), MW_E_NOSPACE);
    assert_int_equal(b.needed, 10);
    assert_int_equal(b.len, 5); /* nothing of the refused unit written */
    mwt_assert_bytes("contents", b.data, b.len, "hello", 5);
    mw_buf_consume(&b, 5);
    assert_int_equal(mw_buf_append(&b, "world", 5), MW_OK);
    mwt_assert_bytes("after drain", b.data, b.len, "world", 5);
    mw_buf_free(&b); /* no-op on fixed storage */
    assert_ptr_equal(b.data, mem);
}

static void test_growable_buffer_grows_up_to_its_cap(void **state)
{
    (void)state;
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 100);
    char chunk[30];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 3; i++)
        assert_int_equal(mw_buf_append(&b, chunk, sizeof(chunk)), MW_OK);
    assert_int_equal(mw_buf_append(&b, chunk, sizeof(chunk)), MW_E_NOSPACE);
    assert_int_equal(b.needed, 120);
    assert_int_equal(b.len, 90);
    assert_int_equal(mw_buf_append(&b, chunk, 10), MW_OK);
    assert_int_equal(b.len, 100);
    mw_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_consume_keeps_the_unsent_tail(void **state)
{
    (void)state;
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_buf_append_str(&b, "EHLO x\r\nMAIL"), MW_OK);
    mw_buf_consume(&b, 8);
    mwt_assert_bytes("tail", b.data, b.len, "MAIL", 4);
    mw_buf_consume(&b, 100);
    assert_int_equal(b.len, 0);
    assert_int_equal(mw_buf_append_byte(&b, 'Z'), MW_OK);
    mwt_assert_bytes("byte", b.data, b.len, "Z", 1);
    mw_buf_clear(&b);
    assert_int_equal(b.len, 0);
    mw_buf_free(&b);
}

static void test_truncate_rolls_back_a_partial_unit(void **state)
{
    (void)state;
    char mem[16];
    mw_buf b;
    mw_buf_init_fixed(&b, mem, sizeof(mem));
    assert_int_equal(mw_buf_append_str(&b, "a1 OK\r\n"), MW_OK);
    size_t mark = b.len;
    assert_int_equal(mw_buf_append_str(&b, "a2 LOG"), MW_OK);
    mw_buf_truncate(&b, mark);
    mwt_assert_bytes("rolled back", b.data, b.len, "a1 OK\r\n", 7);
    mw_buf_truncate(&b, 100); /* beyond the length: nothing changes */
    assert_int_equal(b.len, 7);
    assert_int_equal(b.cap, sizeof(mem));
    mw_buf_truncate(&b, 0);
    assert_int_equal(b.len, 0);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    mw_buf b;
    mw_buf_init_growable(&b, NULL, 0);
    assert_int_equal(mw_buf_append(&b, NULL, 3), MW_E_ARG);
    assert_int_equal(mw_buf_append(&b, NULL, 0), MW_OK);
    assert_int_equal(mw_buf_append_str(&b, NULL), MW_E_ARG);
    assert_int_equal(mw_buf_reserve(&b, SIZE_MAX), MW_E_NOSPACE);
    mw_buf_free(&b);
    mw_buf_free(&b); /* twice is safe */
}

static int grow_a_lot(const mw_allocator *a, void *ud)
{
    (void)ud;
    mw_buf b;
    mw_buf_init_growable(&b, a, 0);
    char chunk[100];
    memset(chunk, 'y', sizeof(chunk));
    for (int i = 0; i < 200; i++) {
        mw_status st = mw_buf_append(&b, chunk, sizeof(chunk));
        if (st == MW_E_NOMEM) {
            /* What was accepted before the failure is still there. */
            if (b.len != (size_t)i * sizeof(chunk))
                return 1;
            break;
        }
        if (st != MW_OK)
            return 1;
    }
    mw_buf_free(&b);
    return 0;
}

static void test_allocation_failures_do_not_leak(void **state)
{
    (void)state;
    mwt_failalloc_sweep(grow_a_lot, NULL);
}

static void test_custom_allocator_is_used(void **state)
{
    (void)state;
    mwt_failalloc f;
    mwt_failalloc_init(&f, -1);
    mw_buf b;
    mw_buf_init_growable(&b, &f.allocator, 0);
    assert_int_equal(mw_buf_append_str(&b, "abc"), MW_OK);
    assert_int_equal(f.live, 1);
    assert_true(f.count >= 1);
    mw_buf_free(&b);
    assert_int_equal(f.live, 0);
    const mw_allocator *d = mw_allocator_default();
    assert_non_null(d->alloc);
    void *p = d->alloc(d->ud, 16);
    assert_non_null(p);
    d->free(d->ud, p, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_buffer_refuses_whole_unit_with_size_needed),
        cmocka_unit_test(test_growable_buffer_grows_up_to_its_cap),
        cmocka_unit_test(test_consume_keeps_the_unsent_tail),
        cmocka_unit_test(test_truncate_rolls_back_a_partial_unit),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_allocation_failures_do_not_leak),
        cmocka_unit_test(test_custom_allocator_is_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
