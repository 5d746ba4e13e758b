/* Sessions placed at an address aligned only as malloc guarantees
 * (_Alignof(max_align_t), 16 on x86-64, while sizeof(max_align_t) is 32)
 * must work: mw-fetch once failed its first reply with MW_E_ARG when the
 * heap put its client at 16 mod 32. */
#include <string.h>

#include "mailwire/pop3.h"
#include "mwtest.h"

/* Storage with room to pick an address that is 16 mod 32. */
static _Alignas(64) unsigned char arena[1 << 23];

static void *malloc_aligned_only(size_t need)
{
    size_t a = _Alignof(max_align_t);
    assert_true(a + need <= sizeof(arena));
    return arena + a; /* aligned to a, not to 2a */
}

static void test_client_at_malloc_alignment(void **state)
{
    (void)state;
    size_t need = mw_pop3_client_sizeof(NULL);
    mw_pop3_client *c = NULL;
    assert_int_equal(
        mw_pop3_client_init_in(malloc_aligned_only(need), need, NULL, &c),
        MW_OK);
    static const char greeting[] =
        "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n";
    size_t used = 0;
    mw_pop3_client_event ev;
    assert_int_equal(
        mw_pop3_client_feed(c, greeting, sizeof(greeting) - 1, &used, &ev),
        MW_OK);
    assert_int_equal(ev.type, MW_POP3_CEV_GREETING);
    mw_pop3_client_free(c);
}

static void test_server_at_malloc_alignment(void **state)
{
    (void)state;
    mw_pop3_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_POP3_SERVER_USER;
    size_t need = mw_pop3_server_sizeof(&cfg);
    assert_true(need > 0);
    mw_pop3_server *s = NULL;
    assert_int_equal(
        mw_pop3_server_init_in(malloc_aligned_only(need), need, &cfg, &s),
        MW_OK);
    size_t len = 0;
    const char *out = mw_pop3_server_output(s, &len);
    assert_true(len > 4);
    assert_memory_equal(out, "+OK", 3);
    mw_pop3_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_at_malloc_alignment),
        cmocka_unit_test(test_server_at_malloc_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
