/* IMAP modified UTF-7 (RFC 3501 section 5.1.3) <-> UTF-8: known answers
 * from the RFC and hand-computed UTF-16, strictness with error offsets,
 * every vector under every chunking, all-or-nothing output and seeded
 * round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- stream adapters: output goes to the log, errors add "@offset" ---- */

static void log_offset(uint64_t offset, mw_buf *log)
{
    char text[32];
    snprintf(text, sizeof(text), "@%llu", (unsigned long long)offset);
    mwt_log(log, text);
}

static void *dec_create(const void *cfg)
{
    (void)cfg;
    mw_utf7_decoder *d = malloc(sizeof(*d));
    if (d)
        mw_utf7_decoder_init(d);
    return d;
}

static mw_status dec_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    mw_status st = mw_utf7_decode_update(state, in, len, log);
    if (st == MW_E_ENCODING)
        log_offset(mw_utf7_decoder_error_offset(state), log);
    return st;
}

static mw_status dec_finish(void *state, mw_buf *log)
{
    mw_status st = mw_utf7_decode_final(state, log);
    if (st == MW_E_ENCODING)
        log_offset(mw_utf7_decoder_error_offset(state), log);
    return st;
}

static void *enc_create(const void *cfg)
{
    (void)cfg;
    mw_utf7_encoder *e = malloc(sizeof(*e));
    if (e)
        mw_utf7_encoder_init(e);
    return e;
}

static mw_status enc_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    mw_status st = mw_utf7_encode_update(state, in, len, log);
    if (st == MW_E_ENCODING)
        log_offset(mw_utf7_encoder_error_offset(state), log);
    return st;
}

static mw_status enc_finish(void *state, mw_buf *log)
{
    mw_status st = mw_utf7_encode_final(state, log);
    if (st == MW_E_ENCODING)
        log_offset(mw_utf7_encoder_error_offset(state), log);
    return st;
}

static void free_state(void *state)
{
    free(state);
}

static const mwt_stream_ops decoder_ops = {dec_create, dec_update, dec_finish,
                                           free_state};
static const mwt_stream_ops encoder_ops = {enc_create, enc_update, enc_finish,
                                           free_state};

static void check_stream(const mwt_stream_ops *ops, const char *name,
                         const char *in, size_t len, const char *want)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(ops, NULL, in, len, &log);
    mwt_assert_bytes(name, log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

/* ---- known answers ------------------------------------------------------ */

typedef struct pair {
    const char *utf7;
    const char *utf8;
    size_t utf8_len;
} pair;

#define P(u7, u8)                                                              \
    {                                                                          \
        u7, u8, sizeof(u8) - 1                                                 \
    }

/* Valid in both directions. Run contents were computed by hand from the
 * UTF-16BE bytes, e.g. U+1F600 = D83D DE00 -> 110110 000011 110111 100000
 * 000000 00(0000) = "2D3eAA"; U+00FC = 00FC -> "APw". */
static const pair pairs[] = {
    P("", ""),
    P("INBOX", "INBOX"),
    P("~peter/mail/&U,BTFw-/&ZeVnLIqe-",
      "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/"
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
    P("&-", "&"),
    P("a&-b&-&-", "a&b&&"),
    P("Entw&APw-rfe", "Entw\xC3\xBCrfe"),
    P("&2D3eAA-", "\xF0\x9F\x98\x80"),
    P("&2ADcAA-", "\xF0\x90\x80\x80"),     /* U+10000 */
    P("&2,,f,w-", "\xF4\x8F\xBF\xBF"),     /* U+10FFFF: DBFF DFFF */
    P("&,,8-", "\xEF\xBF\xBF"),            /* U+FFFF */
    P("&AOQ-&-", "\xC3\xA4&"),             /* run closed by "&-" */
    P("&AOQA5A-", "\xC3\xA4\xC3\xA4"),     /* one run, two units */
    P("&AOQ-x&AOQ-", "\xC3\xA4x\xC3\xA4"), /* runs split by ASCII */
    P("&-&AOQ-", "&\xC3\xA4"),             /* "&-" is not a run */
    P("a&2D3eAADk-", "a\xF0\x9F\x98\x80\xC3\xA4"),
    P("&AOnYPd4AAAE-&-x", "\xC3\xA9\xF0\x9F\x98\x80\x01&x"),
    P("&AAk-", "\t"),     /* controls are shifted */
    P("&AH8-", "\x7F"),   /* so is DEL */
    P("a&AAA-b", "a\0b"), /* and U+0000 */
    P(" !\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
      " !\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"),
};

static void test_decode_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(pairs); i++) {
        const pair *p = &pairs[i];
        /* The log is the output itself: no status suffix on success. */
        mw_buf log;
        mw_buf_init_growable(&log, NULL, 0);
        mwt_check_chunking(&decoder_ops, NULL, p->utf7, strlen(p->utf7), &log);
        mwt_assert_bytes(p->utf7, log.data, log.len, p->utf8, p->utf8_len);
        mw_buf_free(&log);
    }
}

static void test_encode_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(pairs); i++) {
        const pair *p = &pairs[i];
        check_stream(&encoder_ops, p->utf7, p->utf8, p->utf8_len, p->utf7);
    }
}

static void test_one_shot_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(pairs); i++) {
        const pair *p = &pairs[i];
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(mw_utf7_decode(p->utf7, strlen(p->utf7), &out, NULL),
                         MW_OK);
        mwt_assert_bytes(p->utf7, out.data, out.len, p->utf8, p->utf8_len);
        mw_buf_clear(&out);
        assert_int_equal(mw_utf7_encode(p->utf8, p->utf8_len, &out, NULL),
                         MW_OK);
        mwt_assert_bytes(p->utf7, out.data, out.len, p->utf7, strlen(p->utf7));
        mw_buf_free(&out);
    }
}

/* ---- decoder strictness ------------------------------------------------- */

typedef struct bad {
    const char *why;
    const char *in;
    size_t len;
    const char *log; /* output before the error, "@offset", status */
} bad;

#define B(why, in, log)                                                        \
    {                                                                          \
        why, in, sizeof(in) - 1, log                                           \
    }
#define ENC "!MW_E_ENCODING"

static const bad bad_utf7[] = {
    B("lone & at end", "&", "@0" ENC),
    B("unterminated run", "ab&AOQ", "ab\xC3\xA4@2" ENC),
    B("unterminated after &", "abc&", "abc@3" ENC),
    B("printable a in a run", "x&AGE-", "x@1" ENC),
    B("& in a run", "&ACY-", "@0" ENC),
    B("ASCII after a real char", "&AOQAYQ-", "\xC3\xA4@0" ENC),
    B("nonzero leftover bits", "&AOR-", "\xC3\xA4@0" ENC),
    B("odd UTF-16 byte count", "&AOQA-", "\xC3\xA4@0" ENC),
    B("too many spare sextets", "&AOQAA-", "\xC3\xA4@0" ENC),
    B("high surrogate then end", "&2D0-", "@0" ENC),
    B("high surrogate twice", "&2D3YPQ-", "@0" ENC),
    B("high surrogate then BMP", "&2D0A5A-", "@0" ENC),
    B("lone low surrogate", "ok&3gA-", "ok@2" ENC),
    B("adjacent runs", "&AOQ-&AOQ-", "\xC3\xA4@5" ENC),
    B("control outside a run",
      "a\x01"
      "b",
      "a@1" ENC),
    B("tab outside a run", "a\tb", "a@1" ENC),
    B("DEL outside a run", "\x7F", "@0" ENC),
    B("8-bit outside a run", "caf\xC3\xA9", "caf@3" ENC),
    B("standard base64 slash", "&U/BTFw-", "@2" ENC),
    B("padding", "&U,BTFw=-", "\xE5\x8F\xB0\xE5\x8C\x97@7" ENC),
    B("& directly followed by junk", "&.", "@1" ENC),
    B("& inside a run", "&AOQ&-", "\xC3\xA4@4" ENC),
    B("space inside a run", "&AO Q-", "@3" ENC),
    B("8-bit inside a run", "&AO\xC3\xA4-", "@3" ENC),
};

static void test_decoder_rejects_with_offsets(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(bad_utf7); i++) {
        const bad *b = &bad_utf7[i];
        check_stream(&decoder_ops, b->why, b->in, b->len, b->log);
    }
}

static void test_one_shot_decode_failure_appends_nothing(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_buf_append_str(&out, "kept"), MW_OK);
    size_t at = 99;
    assert_int_equal(mw_utf7_decode("&AOQ-&AOQ-", 10, &out, &at),
                     MW_E_ENCODING);
    assert_int_equal(at, 5);
    mwt_assert_bytes("untouched", out.data, out.len, "kept", 4);
    assert_int_equal(mw_utf7_decode("x&AOQ", 5, &out, &at), MW_E_ENCODING);
    assert_int_equal(at, 1);
    mwt_assert_bytes("untouched", out.data, out.len, "kept", 4);
    mw_buf_free(&out);
}

static void test_decoder_failure_is_sticky(void **state)
{
    (void)state;
    mw_utf7_decoder d;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_utf7_decoder_init(&d);
    assert_int_equal(mw_utf7_decoder_error_offset(&d), 0);
    assert_int_equal(mw_utf7_decode_update(&d, "ab\x80", 3, &out),
                     MW_E_ENCODING);
    assert_int_equal(mw_utf7_decoder_error_offset(&d), 2);
    assert_int_equal(mw_utf7_decode_update(&d, "cd", 2, &out), MW_E_ENCODING);
    assert_int_equal(mw_utf7_decode_final(&d, &out), MW_E_ENCODING);
    assert_int_equal(mw_utf7_decoder_error_offset(&d), 2);
    mwt_assert_bytes("output before the error", out.data, out.len, "ab", 2);
    mw_buf_free(&out);
}

/* ---- encoder errors ------------------------------------------------------ */

static const bad bad_utf8[] = {
    B("truncated at end", "ab\xC3", "ab@2" ENC),
    B("truncated inside a run", "\xC3\xA4\xE6\x97", "&AO@2" ENC),
    B("bad byte after an open run", "\xC3\xA4\xFF", "&AO@2" ENC),
    B("surrogate", "x\xED\xA0\x80", "x@1" ENC),
    B("overlong slash", "a/\xC0\xAF", "a/@2" ENC),
    B("above U+10FFFF", "\xF4\x90\x80\x80", "@0" ENC),
    B("stray continuation", "&\x80", "&-@1" ENC),
};

static void test_encoder_rejects_invalid_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(bad_utf8); i++) {
        const bad *b = &bad_utf8[i];
        check_stream(&encoder_ops, b->why, b->in, b->len, b->log);
        /* The one-shot form reports the validator's offset and appends
         * nothing. */
        size_t want_at = 0, at = 12345;
        assert_int_equal(mw_utf8_is_valid(b->in, b->len, &want_at), 0);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(mw_utf7_encode(b->in, b->len, &out, &at),
                         MW_E_ENCODING);
        assert_int_equal(at, want_at);
        assert_int_equal(out.len, 0);
        mw_buf_free(&out);
    }
}

/* ---- all or nothing ------------------------------------------------------ */

static void test_encoder_nospace_leaves_state_unchanged(void **state)
{
    (void)state;
    char mem[3];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_utf7_encoder e;
    mw_utf7_encoder_init(&e);
    /* U+53F0 -> "&U," with four bits held back for the next unit. */
    assert_int_equal(mw_utf7_encode_update(&e, "\xE5\x8F\xB0", 3, &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "&U,", 3);
    mw_utf7_encoder saved = e;
    assert_int_equal(mw_utf7_encode_update(&e, "\xE5\x8C\x97", 3, &out),
                     MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    assert_int_equal(out.len, 3);
    assert_memory_equal(&saved, &e, sizeof(e));
    mw_buf_consume(&out, 3);
    assert_int_equal(mw_utf7_encode_update(&e, "\xE5\x8C\x97", 3, &out), MW_OK);
    mwt_assert_bytes("second", out.data, out.len, "BTF", 3);
    mw_buf_consume(&out, 1); /* "TF" left: no room for "w-" */
    saved = e;
    assert_int_equal(mw_utf7_encode_final(&e, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 4);
    mwt_assert_bytes("unchanged", out.data, out.len, "TF", 2);
    assert_memory_equal(&saved, &e, sizeof(e));
    mw_buf_consume(&out, 2);
    assert_int_equal(mw_utf7_encode_final(&e, &out), MW_OK);
    mwt_assert_bytes("close", out.data, out.len, "w-", 2);
}

static void test_decoder_nospace_leaves_state_unchanged(void **state)
{
    (void)state;
    char mem[4];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_utf7_decoder d;
    mw_utf7_decoder_init(&d);
    mw_utf7_decoder saved = d;
    assert_int_equal(mw_utf7_decode_update(&d, "&U,BTFw-", 8, &out),
                     MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    assert_int_equal(out.len, 0);
    assert_memory_equal(&saved, &d, sizeof(d));
    /* Half the input fits: one character. */
    assert_int_equal(mw_utf7_decode_update(&d, "&U,B", 4, &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "\xE5\x8F\xB0", 3);
    saved = d;
    assert_int_equal(mw_utf7_decode_update(&d, "TFw-", 4, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    assert_memory_equal(&saved, &d, sizeof(d));
    mw_buf_clear(&out);
    assert_int_equal(mw_utf7_decode_update(&d, "TFw-", 4, &out), MW_OK);
    assert_int_equal(mw_utf7_decode_final(&d, &out), MW_OK);
    mwt_assert_bytes("second", out.data, out.len, "\xE5\x8C\x97", 3);
}

static void test_one_shot_nospace_reports_whole_size(void **state)
{
    (void)state;
    char mem[5];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_utf7_encode("\xE5\x8F\xB0\xE5\x8C\x97", 6, &out, NULL),
                     MW_E_NOSPACE);
    assert_int_equal(out.needed, 8); /* "&U,BTFw-" */
    assert_int_equal(out.len, 0);
    assert_int_equal(mw_utf7_decode("&U,BTFw-", 8, &out, NULL), MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    assert_int_equal(out.len, 0);
    /* An input error wins over lack of room: the output would be dropped. */
    size_t at = 0;
    assert_int_equal(mw_utf7_decode("&U,BTFw", 7, &out, &at), MW_E_ENCODING);
    assert_int_equal(at, 0);
}

static void test_nomem_leaves_state_unchanged(void **state)
{
    (void)state;
    mwt_failalloc fa;
    mwt_failalloc_init(&fa, 0);
    mw_buf out;
    mw_buf_init_growable(&out, &fa.allocator, 0);
    mw_utf7_encoder e;
    mw_utf7_encoder_init(&e);
    mw_utf7_encoder saved = e;
    assert_int_equal(mw_utf7_encode_update(&e, "\xC3\xA4", 2, &out),
                     MW_E_NOMEM);
    assert_memory_equal(&saved, &e, sizeof(e));
    fa.fail_at = -1;
    assert_int_equal(mw_utf7_encode_update(&e, "\xC3\xA4", 2, &out), MW_OK);
    assert_int_equal(mw_utf7_encode_final(&e, &out), MW_OK);
    mwt_assert_bytes("after retry", out.data, out.len, "&AOQ-", 5);
    mw_buf_free(&out);
    assert_int_equal(fa.live, 0);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_utf7_decoder d;
    mw_utf7_encoder e;
    mw_utf7_decoder_init(&d);
    mw_utf7_encoder_init(&e);
    assert_int_equal(mw_utf7_decode_update(NULL, "a", 1, &out), MW_E_ARG);
    assert_int_equal(mw_utf7_decode_update(&d, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_utf7_decode_update(&d, "a", 1, NULL), MW_E_ARG);
    assert_int_equal(mw_utf7_decode_final(&d, NULL), MW_E_ARG);
    assert_int_equal(mw_utf7_encode_update(NULL, "a", 1, &out), MW_E_ARG);
    assert_int_equal(mw_utf7_encode_update(&e, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_utf7_encode_final(&e, NULL), MW_E_ARG);
    assert_int_equal(mw_utf7_decode(NULL, 1, &out, NULL), MW_E_ARG);
    assert_int_equal(mw_utf7_encode("a", 1, NULL, NULL), MW_E_ARG);
    assert_int_equal(mw_utf7_decode(NULL, 0, &out, NULL), MW_OK);
    assert_int_equal(mw_utf7_encode(NULL, 0, &out, NULL), MW_OK);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
}

/* ---- seeded round trips ---------------------------------------------------
 */

static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* A code point from one of the classes the encoder treats differently. */
static uint32_t random_code_point(uint64_t *seed)
{
    uint64_t r = next_random(seed);
    switch (r % 6) {
    case 0:
    case 1:
        return (uint32_t)(0x20 + (r >> 8) % 95); /* printable, '&' too */
    case 2:
        return (r >> 8) % 4 == 0 ? 0x7F : (uint32_t)((r >> 10) % 0x20);
    case 3:
        return (uint32_t)(0x80 + (r >> 8) % 0x780);
    case 4: {
        uint32_t cp = (uint32_t)(0x800 + (r >> 8) % 0xF800);
        return cp >= 0xD800 && cp <= 0xDFFF ? cp + 0x800 : cp;
    }
    default:
        return (uint32_t)(0x10000 + (r >> 8) % 0x100000);
    }
}

static size_t put_utf8(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_random_round_trips(void **state)
{
    (void)state;
    uint64_t seed = 0x75746637u;
    char text[40 * 4];
    mw_buf enc, dec, log;
    mw_buf_init_growable(&enc, NULL, 0);
    mw_buf_init_growable(&dec, NULL, 0);
    for (int round = 0; round < 2000; round++) {
        size_t n = 0, count = (size_t)(next_random(&seed) % 40);
        for (size_t i = 0; i < count; i++)
            n += put_utf8(random_code_point(&seed), text + n);
        mw_buf_clear(&enc);
        mw_buf_clear(&dec);
        assert_int_equal(mw_utf7_encode(text, n, &enc, NULL), MW_OK);
        for (size_t i = 0; i < enc.len; i++)
            assert_true(enc.data[i] >= 0x20 && enc.data[i] <= 0x7E);
        assert_int_equal(mw_utf7_decode(enc.data, enc.len, &dec, NULL), MW_OK);
        mwt_assert_bytes("round trip", dec.data, dec.len, text, n);
        if (round < 100) {
            mw_buf_init_growable(&log, NULL, 0);
            mwt_check_chunking(&encoder_ops, NULL, text, n, &log);
            mwt_assert_bytes("chunked encode", log.data, log.len, enc.data,
                             enc.len);
            mw_buf_free(&log);
            mw_buf_init_growable(&log, NULL, 0);
            mwt_check_chunking(&decoder_ops, NULL, enc.data, enc.len, &log);
            mwt_assert_bytes("chunked decode", log.data, log.len, text, n);
            mw_buf_free(&log);
        }
    }
    mw_buf_free(&enc);
    mw_buf_free(&dec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_known_answers),
        cmocka_unit_test(test_encode_known_answers),
        cmocka_unit_test(test_one_shot_known_answers),
        cmocka_unit_test(test_decoder_rejects_with_offsets),
        cmocka_unit_test(test_one_shot_decode_failure_appends_nothing),
        cmocka_unit_test(test_decoder_failure_is_sticky),
        cmocka_unit_test(test_encoder_rejects_invalid_utf8),
        cmocka_unit_test(test_encoder_nospace_leaves_state_unchanged),
        cmocka_unit_test(test_decoder_nospace_leaves_state_unchanged),
        cmocka_unit_test(test_one_shot_nospace_reports_whole_size),
        cmocka_unit_test(test_nomem_leaves_state_unchanged),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_random_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
