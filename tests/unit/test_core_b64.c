/* Base64 encoder and decoder: RFC 4648 section 10 vectors, MIME wrapping,
 * strict rejections with offsets, tolerant defects, chunking independence,
 * all-or-nothing output on a full buffer, allocation failures and seeded
 * round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#define S(lit) lit, sizeof(lit) - 1

/* ------------------------------------------------------------------ */
/* Stream wrappers for mwt_check_chunking()                           */
/* ------------------------------------------------------------------ */

static void *enc_create(const void *cfg)
{
    mw_b64_encoder *e = malloc(sizeof(*e));
    assert_non_null(e);
    mw_b64_encoder_init(e, *(const uint32_t *)cfg);
    return e;
}

static mw_status enc_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    return mw_b64_encode_update(state, in, len, log);
}

static mw_status enc_finish(void *state, mw_buf *log)
{
    return mw_b64_encode_final(state, log);
}

static void *dec_create(const void *cfg)
{
    mw_b64_decoder *d = malloc(sizeof(*d));
    assert_non_null(d);
    mw_b64_decoder_init(d, *(const uint32_t *)cfg);
    return d;
}

/* Defects and their offset go into the log so chunkings must agree on
 * them too: "{flags@offset}". */
static void log_defects(mw_buf *log, const mw_b64_decoder *d)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "{%x@%llu}", (unsigned)mw_b64_decoder_defects(d),
             (unsigned long long)mw_b64_decoder_defect_offset(d));
    mwt_log(log, tmp);
}

static mw_status dec_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    mw_status st = mw_b64_decode_update(state, in, len, log);
    if (st == MW_E_ENCODING)
        log_defects(log, state);
    return st;
}

static mw_status dec_finish(void *state, mw_buf *log)
{
    mw_status st = mw_b64_decode_final(state, log);
    log_defects(log, state);
    return st;
}

static void free_state(void *state)
{
    free(state);
}

static const mwt_stream_ops enc_ops = {enc_create, enc_update, enc_finish,
                                       free_state};
static const mwt_stream_ops dec_ops = {dec_create, dec_update, dec_finish,
                                       free_state};

/* Runs \p ops on \p in with every chunking and compares with \p want. */
static void check_stream(const mwt_stream_ops *ops, uint32_t flags,
                         const char *in, size_t len, const char *want,
                         size_t want_len)
{
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(ops, &flags, in, len, &whole);
    mwt_assert_bytes("output", whole.data, whole.len, want, want_len);
    mw_buf_free(&whole);
}

static void check_encode(uint32_t flags, const char *in, size_t len,
                         const char *want)
{
    check_stream(&enc_ops, flags, in, len, want, strlen(want));
}

/* \p want is the decoded bytes followed by "{defects@offset}" or, for a
 * strict failure, "{defects@offset}!MW_E_ENCODING". */
static void check_decode(uint32_t flags, const char *in, size_t len,
                         const char *want, size_t want_len)
{
    check_stream(&dec_ops, flags, in, len, want, want_len);
}

/* ------------------------------------------------------------------ */
/* Known answers                                                      */
/* ------------------------------------------------------------------ */

static const struct {
    const char *plain;
    const char *encoded;
} rfc4648[] = {{"", ""},
               {"f", "Zg=="},
               {"fo", "Zm8="},
               {"foo", "Zm9v"},
               {"foob", "Zm9vYg=="},
               {"fooba", "Zm9vYmE="},
               {"foobar", "Zm9vYmFy"}};

static void test_rfc4648_encode(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const char *p = rfc4648[i].plain;
        check_encode(0, p, strlen(p), rfc4648[i].encoded);
        check_encode(MW_B64_WRAP76, p, strlen(p), rfc4648[i].encoded);
    }
}

static void test_rfc4648_decode(void **st)
{
    (void)st;
    char want[64];
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const char *e = rfc4648[i].encoded;
        int n = snprintf(want, sizeof(want), "%s{0@0}", rfc4648[i].plain);
        check_decode(0, e, strlen(e), want, (size_t)n);
        check_decode(MW_B64_STRICT, e, strlen(e), want, (size_t)n);
    }
}

static void test_all_byte_values(void **st)
{
    (void)st;
    /* The 64 sextets in order: 00 10 83 10 51 87 ... spell the alphabet. */
    static const uint8_t in[48] = {
        0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f,
        0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f,
        0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7, 0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf,
        0xc3, 0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
    const char *alpha =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    check_encode(0, (const char *)in, sizeof(in), alpha);
    char want[64];
    memcpy(want, in, sizeof(in));
    memcpy(want + sizeof(in), "{0@0}", 5);
    check_decode(MW_B64_STRICT, alpha, 64, want, sizeof(in) + 5);
}

/* "YWFh" is "aaa"; \p groups of them wrapped as MIME wants. */
static void test_wrap76(void **st)
{
    (void)st;
    char in[300], want[512];
    memset(in, 'a', sizeof(in));
    /* 57 bytes are exactly one 76-character line: no CRLF at all. */
    char line[77] = "";
    for (int i = 0; i < 19; i++)
        strcat(line, "YWFh");
    check_encode(MW_B64_WRAP76, in, 57, line);
    /* 114 bytes: two full lines, one CRLF between, none at the end. */
    snprintf(want, sizeof(want), "%s\r\n%s", line, line);
    check_encode(MW_B64_WRAP76, in, 114, want);
    /* 58 bytes: the 77th character starts a new line. */
    snprintf(want, sizeof(want), "%s\r\nYQ==", line);
    check_encode(MW_B64_WRAP76, in, 58, want);
    /* 300 bytes = 400 characters: 5 full lines and 20 characters. */
    want[0] = '\0';
    for (int i = 0; i < 5; i++) {
        strcat(want, line);
        strcat(want, "\r\n");
    }
    strcat(want, "YWFhYWFhYWFhYWFhYWFh");
    check_encode(MW_B64_WRAP76, in, 300, want);
    /* Without the flag nothing is wrapped. */
    check_encode(0, in, 60,
                 "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
                 "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh");
}

/* A long wrapped output equals the unwrapped one with CRLF every 76. */
static void test_wrap76_long(void **st)
{
    (void)st;
    size_t n = 5000;
    char *in = malloc(n);
    assert_non_null(in);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)(i * 131 + 7);
    mw_buf plain, wrapped, want;
    mw_buf_init_growable(&plain, NULL, 0);
    mw_buf_init_growable(&wrapped, NULL, 0);
    mw_buf_init_growable(&want, NULL, 0);
    uint32_t flags = 0;
    mwt_check_chunking(&enc_ops, &flags, in, n, &plain);
    flags = MW_B64_WRAP76;
    mwt_check_chunking(&enc_ops, &flags, in, n, &wrapped);
    for (size_t i = 0; i < plain.len; i += 76) {
        if (i > 0)
            assert_int_equal(mw_buf_append(&want, "\r\n", 2), MW_OK);
        size_t k = plain.len - i < 76 ? plain.len - i : 76;
        assert_int_equal(mw_buf_append(&want, plain.data + i, k), MW_OK);
    }
    mwt_assert_bytes("wrapped", wrapped.data, wrapped.len, want.data, want.len);
    assert_int_equal(wrapped.len, mw_b64_encode_bound(n, MW_B64_WRAP76));
    mw_buf_free(&plain);
    mw_buf_free(&wrapped);
    mw_buf_free(&want);
    free(in);
}

static void test_encode_bound(void **st)
{
    (void)st;
    assert_int_equal(mw_b64_encode_bound(0, 0), 0);
    assert_int_equal(mw_b64_encode_bound(1, 0), 4);
    assert_int_equal(mw_b64_encode_bound(3, 0), 4);
    assert_int_equal(mw_b64_encode_bound(4, 0), 8);
    assert_int_equal(mw_b64_encode_bound(57, MW_B64_WRAP76), 76);
    assert_int_equal(mw_b64_encode_bound(58, MW_B64_WRAP76), 82);
    assert_int_equal(mw_b64_encode_bound(114, MW_B64_WRAP76), 154);
    assert_int_equal(mw_b64_encode_bound(SIZE_MAX, 0), SIZE_MAX);
}

/* ------------------------------------------------------------------ */
/* Strict and tolerant decoding                                        */
/* ------------------------------------------------------------------ */

#define GARB "1"
#define TRUNC "2"
#define AFTER "4"

static void test_strict_rejects(void **st)
{
    (void)st;
    const uint32_t f = MW_B64_STRICT;
    /* Whitespace is not part of the alphabet: "foo" before it survives. */
    check_decode(f, S("Zm9v Zg=="), S("foo{" GARB "@4}!MW_E_ENCODING"));
    check_decode(f, S("Zm9v\r\nZg=="), S("foo{" GARB "@4}!MW_E_ENCODING"));
    check_decode(f, S("Zm9v!g=="), S("foo{" GARB "@4}!MW_E_ENCODING"));
    check_decode(f, S("Zm-v"), S("{" GARB "@2}!MW_E_ENCODING"));
    /* Padding in the wrong place. */
    check_decode(f, S("=Zg="), S("{" GARB "@0}!MW_E_ENCODING"));
    check_decode(f, S("Zm9vZ==="), S("foo{" GARB "@5}!MW_E_ENCODING"));
    check_decode(f, S("Zg==="), S("f{" AFTER "@4}!MW_E_ENCODING"));
    check_decode(f, S("Zg==Zg=="), S("f{" AFTER "@4}!MW_E_ENCODING"));
    check_decode(f, S("Zg=Zg=="), S("{" AFTER "@3}!MW_E_ENCODING"));
    /* Missing padding or a cut group: the offset is the end of input. */
    check_decode(f, S("Zg"), S("{" TRUNC "@2}!MW_E_ENCODING"));
    check_decode(f, S("Zg="), S("{" TRUNC "@3}!MW_E_ENCODING"));
    check_decode(f, S("Zm9vY"), S("foo{" TRUNC "@5}!MW_E_ENCODING"));
    /* Non-zero pad bits (RFC 4648 3.5): blamed on the last data char. */
    check_decode(f, S("Zh=="), S("{" GARB "@1}!MW_E_ENCODING"));
    check_decode(f, S("Zm9=Zm8="), S("{" GARB "@2}!MW_E_ENCODING"));
    /* An 8-bit byte far into the stream: a 64-bit offset counts it. */
    check_decode(f, S("Zm9vYmFyZm9v\xff"),
                 S("foobarfoo{" GARB "@12}"
                   "!MW_E_ENCODING"));
}

static void test_strict_is_sticky(void **st)
{
    (void)st;
    mw_b64_decoder d;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_b64_decoder_init(&d, MW_B64_STRICT);
    assert_int_equal(mw_b64_decode_update(&d, S("Zm9v*"), &out), MW_E_ENCODING);
    assert_int_equal(mw_b64_decode_update(&d, S("Zm9v"), &out), MW_E_ENCODING);
    assert_int_equal(mw_b64_decode_final(&d, &out), MW_E_ENCODING);
    mwt_assert_bytes("out", out.data, out.len, "foo", 3);
    assert_int_equal(mw_b64_decoder_defects(&d), MW_DEFECT_GARBAGE);
    assert_int_equal(mw_b64_decoder_defect_offset(&d), 4);
    mw_buf_free(&out);
}

static void test_tolerant(void **st)
{
    (void)st;
    /* MIME-wrapped input: line breaks and blanks vanish without defects. */
    check_decode(0, S("Zm9v\r\nYmFy\r\n"), S("foobar{0@0}"));
    check_decode(0, S(" Zm 9v\tYm\nFy "), S("foobar{0@0}"));
    check_decode(0, S("Zg = =\r\n"), S("f{0@0}"));
    /* Garbage is skipped and reported at its first offset. */
    check_decode(0, S("Zm9v!YmFy"), S("foobar{" GARB "@4}"));
    check_decode(0, S("Zm9v\x80YmFy*"), S("foobar{" GARB "@4}"));
    check_decode(0, S("=Zg=="), S("f{" GARB "@0}"));
    /* Truncated final groups keep their whole bytes. */
    check_decode(0, S("Zm9vYg"), S("foob{" TRUNC "@6}"));
    check_decode(0, S("Zm9vYmE"), S("fooba{" TRUNC "@7}"));
    check_decode(0, S("Zm9vY"), S("foo{" TRUNC "@5}"));
    check_decode(0, S("Zg="), S("f{" TRUNC "@3}"));
    /* Data after padding is decoded as a new group. */
    check_decode(0, S("Zg==Zm9v"), S("ffoo{" AFTER "@4}"));
    check_decode(0, S("Zg=Zm9v"), S("ffoo{" AFTER "@3}"));
    check_decode(0, S("Zg==="), S("f{" AFTER "@4}"));
    /* Non-zero pad bits are dropped silently. */
    check_decode(0, S("Zh=="), S("f{0@0}"));
    /* Several defects: all flags, the offset of the first. */
    check_decode(0, S("Zg==!Zm9vY"), S("ffoo{7@4}"));
}

/* ------------------------------------------------------------------ */
/* Full fixed buffer: all or nothing, state unchanged, exact needed    */
/* ------------------------------------------------------------------ */

static void test_encode_nospace(void **st)
{
    (void)st;
    char mem[6];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_b64_encoder e, saved;
    mw_b64_encoder_init(&e, 0);
    assert_int_equal(mw_b64_encode_update(&e, S("foob"), &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "Zm9v", 4);
    saved = e;
    assert_int_equal(mw_b64_encode_update(&e, S("ar"), &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 8);
    assert_int_equal(out.len, 4);
    assert_memory_equal(&e, &saved, sizeof(e));
    mw_buf_consume(&out, 4);
    assert_int_equal(mw_b64_encode_update(&e, S("ar"), &out), MW_OK);
    mwt_assert_bytes("retry", out.data, out.len, "YmFy", 4);
    /* The final group refused too, then retried. */
    assert_int_equal(mw_b64_encode_update(&e, S("x"), &out), MW_OK);
    saved = e;
    assert_int_equal(mw_b64_encode_final(&e, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 8);
    assert_memory_equal(&e, &saved, sizeof(e));
    mw_buf_clear(&out);
    assert_int_equal(mw_b64_encode_final(&e, &out), MW_OK);
    mwt_assert_bytes("final", out.data, out.len, "eA==", 4);
}

static void test_decode_nospace(void **st)
{
    (void)st;
    char mem[4];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_b64_decoder d, saved;
    mw_b64_decoder_init(&d, 0);
    assert_int_equal(mw_b64_decode_update(&d, S("Zm9vY"), &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "foo", 3);
    saved = d;
    /* "mFy*" completes "bar" (3 bytes, 1 free) and adds a defect. */
    assert_int_equal(mw_b64_decode_update(&d, S("mFy*"), &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    assert_int_equal(out.len, 3);
    assert_memory_equal(&d, &saved, sizeof(d));
    assert_int_equal(mw_b64_decoder_defects(&d), 0);
    mw_buf_consume(&out, 3);
    assert_int_equal(mw_b64_decode_update(&d, S("mFy*"), &out), MW_OK);
    mwt_assert_bytes("retry", out.data, out.len, "bar", 3);
    assert_int_equal(mw_b64_decoder_defects(&d), MW_DEFECT_GARBAGE);
    assert_int_equal(mw_b64_decoder_defect_offset(&d), 8);
    /* Exactly enough room is enough: no over-estimate. */
    mw_buf_clear(&out);
    mw_b64_decoder_init(&d, MW_B64_STRICT);
    assert_int_equal(mw_b64_decode_update(&d, S("Zm8="), &out), MW_OK);
    assert_int_equal(mw_b64_decode_final(&d, &out), MW_OK);
    mwt_assert_bytes("fo", out.data, out.len, "fo", 2);
    char one[1];
    mw_buf_init_fixed(&out, one, 0);
    mw_b64_decoder_init(&d, 0);
    assert_int_equal(mw_b64_decode_update(&d, S("Zg"), &out), MW_OK);
    assert_int_equal(mw_b64_decode_final(&d, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 1);
}

static void test_bad_arguments(void **st)
{
    (void)st;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_b64_encoder e;
    mw_b64_decoder d;
    mw_b64_encoder_init(&e, 0);
    mw_b64_decoder_init(&d, 0);
    assert_int_equal(mw_b64_encode_update(&e, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_b64_encode_update(&e, NULL, 0, &out), MW_OK);
    assert_int_equal(mw_b64_encode_update(&e, "x", 1, NULL), MW_E_ARG);
    assert_int_equal(mw_b64_decode_update(&d, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_b64_decode_final(NULL, &out), MW_E_ARG);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* Allocation failures and round trips                                 */
/* ------------------------------------------------------------------ */

static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void fill_random(char *p, size_t n, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)(next_random(seed) >> 24);
}

/* Encode 3000 bytes in uneven chunks into a growable buffer, decode them
 * back; NOMEM anywhere is a clean stop. */
static int roundtrip_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    char in[3000];
    uint64_t seed = 42;
    fill_random(in, sizeof(in), &seed);
    mw_buf enc, dec;
    mw_buf_init_growable(&enc, a, 0);
    mw_buf_init_growable(&dec, a, 0);
    mw_b64_encoder e;
    mw_b64_decoder d;
    mw_b64_encoder_init(&e, MW_B64_WRAP76);
    mw_b64_decoder_init(&d, 0);
    int bad = 0;
    mw_status st = MW_OK;
    for (size_t at = 0; at < sizeof(in) && st == MW_OK; at += 700) {
        size_t n = sizeof(in) - at < 700 ? sizeof(in) - at : 700;
        st = mw_b64_encode_update(&e, in + at, n, &enc);
    }
    if (st == MW_OK)
        st = mw_b64_encode_final(&e, &enc);
    if (st == MW_OK)
        st = mw_b64_decode_update(&d, enc.data, enc.len, &dec);
    if (st == MW_OK)
        st = mw_b64_decode_final(&d, &dec);
    if (st == MW_OK)
        bad = dec.len != sizeof(in) || memcmp(dec.data, in, sizeof(in)) != 0 ||
              mw_b64_decoder_defects(&d) != 0;
    else
        bad = st != MW_E_NOMEM;
    mw_buf_free(&enc);
    mw_buf_free(&dec);
    return bad;
}

static void test_failalloc(void **st)
{
    (void)st;
    mwt_failalloc_sweep(roundtrip_scenario, NULL);
}

static void test_nomem_leaves_state(void **st)
{
    (void)st;
    mwt_failalloc fa;
    mwt_failalloc_init(&fa, 0);
    mw_buf out;
    mw_buf_init_growable(&out, &fa.allocator, 0);
    mw_b64_encoder e, saved;
    mw_b64_encoder_init(&e, 0);
    assert_int_equal(mw_b64_encode_update(&e, S("f"), &out), MW_OK);
    saved = e;
    assert_int_equal(mw_b64_encode_update(&e, S("oobar"), &out), MW_E_NOMEM);
    assert_memory_equal(&e, &saved, sizeof(e));
    fa.fail_at = -1;
    assert_int_equal(mw_b64_encode_update(&e, S("oobar"), &out), MW_OK);
    mwt_assert_bytes("after nomem", out.data, out.len, "Zm9vYmFy", 8);
    mw_buf_free(&out);
    assert_int_equal(fa.live, 0);
}

static void roundtrip_once(const char *in, size_t n, uint32_t eflags,
                           uint32_t dflags)
{
    mw_buf enc, dec;
    mw_buf_init_growable(&enc, NULL, 0);
    mw_buf_init_growable(&dec, NULL, 0);
    mwt_check_chunking(&enc_ops, &eflags, in, n, &enc);
    assert_true(enc.len <= mw_b64_encode_bound(n, eflags));
    mwt_check_chunking(&dec_ops, &dflags, enc.data ? enc.data : "", enc.len,
                       &dec);
    /* The decoder log ends in "{0@0}": no defects. */
    assert_int_equal(dec.len, n + 5);
    mwt_assert_bytes("round trip", dec.data, n, in, n);
    mwt_assert_bytes("defects", dec.data + n, 5, "{0@0}", 5);
    mw_buf_free(&enc);
    mw_buf_free(&dec);
}

static void test_roundtrip_random(void **st)
{
    (void)st;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    char buf[600];
    for (int round = 0; round < 60; round++) {
        size_t n = (size_t)(next_random(&seed) % sizeof(buf));
        if (round < 8)
            n = (size_t)round;
        fill_random(buf, n, &seed);
        roundtrip_once(buf, n, 0, MW_B64_STRICT);
        roundtrip_once(buf, n, MW_B64_WRAP76, 0);
    }
}

/* Large input through the seeded-random-split path of the helper. */
static void test_roundtrip_large(void **st)
{
    (void)st;
    size_t n = 20000;
    char *in = malloc(n);
    assert_non_null(in);
    uint64_t seed = 7;
    fill_random(in, n, &seed);
    roundtrip_once(in, n, MW_B64_WRAP76, 0);
    roundtrip_once(in, n, 0, MW_B64_STRICT);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_encode),
        cmocka_unit_test(test_rfc4648_decode),
        cmocka_unit_test(test_all_byte_values),
        cmocka_unit_test(test_wrap76),
        cmocka_unit_test(test_wrap76_long),
        cmocka_unit_test(test_encode_bound),
        cmocka_unit_test(test_strict_rejects),
        cmocka_unit_test(test_strict_is_sticky),
        cmocka_unit_test(test_tolerant),
        cmocka_unit_test(test_encode_nospace),
        cmocka_unit_test(test_decode_nospace),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_failalloc),
        cmocka_unit_test(test_nomem_leaves_state),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_roundtrip_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
