/* Streaming UTF-8 validation (RFC 3629): Markus Kuhn-style boundary,
 * overlong, surrogate and truncation cases, every one checked under every
 * chunking, plus sticky failure and the one-shot form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Stream adapter: logs "ok" after a clean final, "err@N" with the error
 * offset before the harness appends "!MW_E_ENCODING". */
static void *v_create(const void *cfg)
{
    (void)cfg;
    mw_utf8_validator *v = malloc(sizeof(*v));
    if (v)
        mw_utf8_validator_init(v);
    return v;
}

static void log_error_offset(const mw_utf8_validator *v, mw_buf *log)
{
    char text[32];
    snprintf(text, sizeof(text), "err@%llu",
             (unsigned long long)mw_utf8_validator_error_offset(v));
    mwt_log(log, text);
}

static mw_status v_update(void *state, const char *in, size_t len, mw_buf *log)
{
    mw_status st = mw_utf8_validate_update(state, in, len);
    if (st == MW_E_ENCODING)
        log_error_offset(state, log);
    return st;
}

static mw_status v_finish(void *state, mw_buf *log)
{
    mw_status st = mw_utf8_validate_final(state);
    if (st == MW_E_ENCODING)
        log_error_offset(state, log);
    else if (st == MW_OK)
        mwt_log(log, "ok");
    return st;
}

static void v_destroy(void *state)
{
    free(state);
}

static const mwt_stream_ops validator_ops = {v_create, v_update, v_finish,
                                             v_destroy};

typedef struct vector {
    const char *name;
    const char *bytes;
    size_t len;
    long error_at; /* -1 when valid */
} vector;

#define V(name, lit, at)                                                       \
    {                                                                          \
        name, lit, sizeof(lit) - 1, at                                         \
    }

static const vector vectors[] = {
    V("empty", "", -1),
    V("ascii", "INBOX/Drafts", -1),
    V("U+0000 is valid", "a\0b", -1),
    /* Boundaries of each sequence length. */
    V("U+007F", "\x7F", -1),
    V("U+0080", "\xC2\x80", -1),
    V("U+07FF", "\xDF\xBF", -1),
    V("U+0800", "\xE0\xA0\x80", -1),
    V("U+D7FF", "\xED\x9F\xBF", -1),
    V("U+E000", "\xEE\x80\x80", -1),
    V("U+FFFD", "\xEF\xBF\xBD", -1),
    V("U+FFFF", "\xEF\xBF\xBF", -1),
    V("U+10000", "\xF0\x90\x80\x80", -1),
    V("U+10FFFF", "\xF4\x8F\xBF\xBF", -1),
    V("mixed",
      "Entw\xC3\xBC"
      "rfe \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80!",
      -1),
    /* Overlong forms of "/" and the largest overlongs. */
    V("overlong / (2)", "ab\xC0\xAF", 2),
    V("overlong / (3)", "ab\xE0\x80\xAF", 2),
    V("overlong / (4)", "ab\xF0\x80\x80\xAF", 2),
    V("overlong U+007F", "\xC1\xBF", 0),
    V("overlong U+07FF", "x\xE0\x9F\xBF", 1),
    V("overlong U+FFFF", "x\xF0\x8F\xBF\xBF", 1),
    V("overlong NUL", "\xC0\x80", 0),
    /* Surrogates, encoded directly (CESU-8 style). */
    V("U+D800", "ok\xED\xA0\x80", 2),
    V("U+DBFF", "\xED\xAF\xBF", 0),
    V("U+DC00", "\xED\xB0\x80", 0),
    V("U+DFFF", "\xED\xBF\xBF", 0),
    V("surrogate pair", "\xED\xA0\xBD\xED\xB8\x80", 0),
    /* Beyond U+10FFFF and bytes that never occur. */
    V("U+110000", "\xF4\x90\x80\x80", 0),
    V("F5 lead", "abc\xF5\x80\x80\x80", 3),
    V("F8 lead", "\xF8\x88\x80\x80\x80", 0),
    V("FE", "a\xFE", 1),
    V("FF", "\xFF", 0),
    /* Stray continuation bytes. */
    V("lone 80", "\x80", 0),
    V("lone BF after ascii", "abc\xBF", 3),
    V("extra continuation", "\xC3\xA9\xA9", 2),
    /* Sequences cut short, by another byte or by the end. */
    V("C3 then ascii",
      "x\xC3"
      "A",
      1),
    V("E6 97 then ascii",
      "\xE6\x97"
      "A",
      0),
    V("F0 9F 98 then new lead", "\xF0\x9F\x98\xC3\xA9", 0),
    V("truncated 2 at end", "abc\xC3", 3),
    V("truncated 3 at end", "abc\xE6\x97", 3),
    V("truncated 4 at end", "ab\xF0\x9F\x98", 2),
    V("error after valid multibyte", "\xE2\x82\xAC\xE2\x82", 3),
};

static void test_vectors_under_every_chunking(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(vectors); i++) {
        const vector *t = &vectors[i];
        char want[64];
        if (t->error_at < 0)
            snprintf(want, sizeof(want), "ok");
        else
            snprintf(want, sizeof(want), "err@%ld!MW_E_ENCODING", t->error_at);
        mw_buf log;
        mw_buf_init_growable(&log, NULL, 0);
        mwt_check_chunking(&validator_ops, NULL, t->bytes, t->len, &log);
        mwt_assert_bytes(t->name, log.data, log.len, want, strlen(want));
        mw_buf_free(&log);
    }
}

static void test_one_shot_agrees_with_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(vectors); i++) {
        const vector *t = &vectors[i];
        size_t at = 9999;
        int valid = mw_utf8_is_valid(t->bytes, t->len, &at);
        if (t->error_at < 0) {
            assert_int_equal(valid, 1);
            assert_int_equal(at, 9999); /* untouched on success */
        } else {
            assert_int_equal(valid, 0);
            assert_int_equal(at, (size_t)t->error_at);
        }
    }
    assert_int_equal(mw_utf8_is_valid("\x80", 1, NULL), 0);
    assert_int_equal(mw_utf8_is_valid(NULL, 0, NULL), 1);
}

/* Every scalar value is valid; every surrogate is not. */
static size_t encode_utf8(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_every_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x110000; cp++) {
        unsigned char seq[4];
        size_t n = encode_utf8(cp, seq);
        int want = !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
        size_t at = 77;
        if (mw_utf8_is_valid(seq, n, &at) != want)
            fail_msg("U+%04lX: expected valid=%d", (unsigned long)cp, want);
        if (!want)
            assert_int_equal(at, 0);
    }
}

static void test_failure_is_sticky(void **state)
{
    (void)state;
    mw_utf8_validator v;
    mw_utf8_validator_init(&v);
    assert_int_equal(mw_utf8_validate_update(&v, "abc", 3), MW_OK);
    assert_int_equal(mw_utf8_validator_error_offset(&v), 0);
    assert_int_equal(mw_utf8_validate_update(&v, "d\xC3", 2), MW_OK);
    assert_int_equal(mw_utf8_validate_update(&v, "(", 1), MW_E_ENCODING);
    assert_int_equal(mw_utf8_validator_error_offset(&v), 4);
    /* Valid input afterwards changes nothing. */
    assert_int_equal(mw_utf8_validate_update(&v, "ok", 2), MW_E_ENCODING);
    assert_int_equal(mw_utf8_validate_final(&v), MW_E_ENCODING);
    assert_int_equal(mw_utf8_validator_error_offset(&v), 4);

    mw_utf8_validator_init(&v);
    assert_int_equal(mw_utf8_validate_update(&v, "\xE2\x82", 2), MW_OK);
    assert_int_equal(mw_utf8_validate_final(&v), MW_E_ENCODING);
    assert_int_equal(mw_utf8_validator_error_offset(&v), 0);
    assert_int_equal(mw_utf8_validate_final(&v), MW_E_ENCODING);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    mw_utf8_validator v;
    mw_utf8_validator_init(&v);
    assert_int_equal(mw_utf8_validate_update(NULL, "a", 1), MW_E_ARG);
    assert_int_equal(mw_utf8_validate_update(&v, NULL, 1), MW_E_ARG);
    assert_int_equal(mw_utf8_validate_update(&v, NULL, 0), MW_OK);
    assert_int_equal(mw_utf8_validate_final(NULL), MW_E_ARG);
    assert_int_equal(mw_utf8_validate_final(&v), MW_OK);
    size_t at = 5;
    assert_int_equal(mw_utf8_is_valid(NULL, 3, &at), 0);
    assert_int_equal(at, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_under_every_chunking),
        cmocka_unit_test(test_one_shot_agrees_with_vectors),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_failure_is_sticky),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
