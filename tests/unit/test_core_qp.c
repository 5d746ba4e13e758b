/* Quoted-printable encoder and decoder: RFC 2045 6.7 rules on hand-computed
 * vectors (76-column soft breaks, trailing blanks, "=3D", 8-bit bytes, CRLF
 * versus LF input, binary mode, "." and "From " at line starts), tolerant
 * decoding of malformed input with defect flags and offsets, chunking
 * independence, all-or-nothing output, allocation failures and round trips. */
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
    mw_qp_encoder *e = malloc(sizeof(*e));
    assert_non_null(e);
    mw_qp_encoder_init(e, *(const uint32_t *)cfg);
    return e;
}

static mw_status enc_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    return mw_qp_encode_update(state, in, len, log);
}

static mw_status enc_finish(void *state, mw_buf *log)
{
    return mw_qp_encode_final(state, log);
}

static void *dec_create(const void *cfg)
{
    mw_qp_decoder *d = malloc(sizeof(*d));
    assert_non_null(d);
    mw_qp_decoder_init(d, *(const uint32_t *)cfg);
    return d;
}

static mw_status dec_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    return mw_qp_decode_update(state, in, len, log);
}

/* The log ends in "{defects@offset}" so chunkings agree on them too. */
static mw_status dec_finish(void *state, mw_buf *log)
{
    mw_status st = mw_qp_decode_final(state, log);
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "{%x@%llu}",
             (unsigned)mw_qp_decoder_defects(state),
             (unsigned long long)mw_qp_decoder_defect_offset(state));
    mwt_log(log, tmp);
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

/* Every encoded line (between CRLFs) is at most 76 characters. */
static void assert_line_lengths(const char *p, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
            col = 0;
            i++;
            continue;
        }
        assert_true(p[i] != '\r' && p[i] != '\n');
        col++;
        if (col > MW_QP_LINE_MAX)
            fail_msg("encoded line longer than 76 at %zu", i);
    }
}

static void check_stream(const mwt_stream_ops *ops, uint32_t flags,
                         const char *in, size_t len, const char *want,
                         size_t want_len)
{
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(ops, &flags, in, len, &whole);
    mwt_assert_bytes("output", whole.data, whole.len, want, want_len);
    if (ops == &enc_ops)
        assert_line_lengths(whole.data, whole.len);
    mw_buf_free(&whole);
}

static void check_encode(uint32_t flags, const char *in, size_t len,
                         const char *want, size_t want_len)
{
    check_stream(&enc_ops, flags, in, len, want, want_len);
}

/* \p want is the decoded bytes followed by "{defects@offset}". */
static void check_decode(const char *in, size_t len, const char *want,
                         size_t want_len)
{
    check_stream(&dec_ops, 0, in, len, want, want_len);
}

/* "a" repeated \p n times, then \p tail. */
static const char *a_run(char *buf, size_t n, const char *tail)
{
    memset(buf, 'a', n);
    strcpy(buf + n, tail);
    return buf;
}

#define TEXT 0u
#define BIN MW_QP_BINARY

/* ------------------------------------------------------------------ */
/* Encoder                                                             */
/* ------------------------------------------------------------------ */

static void test_encode_basic(void **st)
{
    (void)st;
    check_encode(TEXT, S(""), S(""));
    check_encode(TEXT, S("Hello, World!"), S("Hello, World!"));
    check_encode(TEXT, S("a=b"), S("a=3Db"));
    check_encode(TEXT, S("caf\xe9 \xff"), S("caf=E9 =FF"));
    check_encode(TEXT, S("\x01\x7f\x80\x00"), S("=01=7F=80=00"));
    check_encode(TEXT, S("a\tb c~!"), S("a\tb c~!"));
    check_encode(BIN, S("a=b"), S("a=3Db"));
}

static void test_encode_trailing_blanks(void **st)
{
    (void)st;
    /* Only the last blank before a line break or the end is encoded. */
    check_encode(TEXT, S("trailing \r\nnext"), S("trailing=20\r\nnext"));
    check_encode(TEXT, S("two  \r\n"), S("two =20\r\n"));
    check_encode(TEXT, S("tab\t\nx"), S("tab=09\r\nx"));
    check_encode(TEXT, S("end "), S("end=20"));
    check_encode(TEXT, S("end\t"), S("end=09"));
    check_encode(TEXT, S(" "), S("=20"));
    check_encode(TEXT, S(" \n \r\n"), S("=20\r\n=20\r\n"));
    /* A blank before a lone CR is followed by "=0D": it stays. */
    check_encode(TEXT, S("a \rb"), S("a =0Db"));
    check_encode(TEXT, S("a \r"), S("a =0D"));
    /* Binary mode: CR and LF are data, so only the end matters. */
    check_encode(BIN, S("a \r\nb "), S("a =0D=0Ab=20"));
}

static void test_encode_line_breaks(void **st)
{
    (void)st;
    /* Text mode: LF and CRLF are both hard breaks written as CRLF. */
    check_encode(TEXT, S("a\nb"), S("a\r\nb"));
    check_encode(TEXT, S("a\r\nb"), S("a\r\nb"));
    check_encode(TEXT, S("\n\n"), S("\r\n\r\n"));
    check_encode(TEXT, S("a\r\n"), S("a\r\n"));
    /* A CR without LF is data. */
    check_encode(TEXT, S("a\rb"), S("a=0Db"));
    check_encode(TEXT, S("a\r"), S("a=0D"));
    check_encode(TEXT, S("a\r\r\nb"), S("a=0D\r\nb"));
    check_encode(TEXT, S("\r\r"), S("=0D=0D"));
    /* Binary mode: no hard breaks at all. */
    check_encode(BIN, S("a\r\nb\nc\r"), S("a=0D=0Ab=0Ac=0D"));
}

static void test_encode_line_starts(void **st)
{
    (void)st;
    check_encode(TEXT, S(".line\r\n.x"), S("=2Eline\r\n=2Ex"));
    check_encode(TEXT, S("a.b\n."), S("a.b\r\n=2E"));
    check_encode(TEXT, S("From here\nFrom\nFromage\nFrom"),
                 S("=46rom here\r\nFrom\r\nFromage\r\nFrom"));
    check_encode(TEXT, S("From "), S("=46rom=20"));
    check_encode(TEXT, S("From\t"), S("From=09"));
    check_encode(TEXT, S("x From y"), S("x From y"));
    check_encode(TEXT, S("Fr"), S("Fr"));
    check_encode(BIN, S("From x"), S("=46rom x"));
    check_encode(BIN, S(".\n."), S("=2E=0A."));
}

static void test_encode_soft_breaks(void **st)
{
    (void)st;
    char in[300], want[400];
    /* 76 characters exactly: no soft break before a hard break or end. */
    a_run(in, 76, "\r\nx");
    check_encode(TEXT, in, strlen(in), in, strlen(in));
    a_run(in, 76, "");
    check_encode(TEXT, in, 76, in, 76);
    a_run(in, 76, "\n");
    a_run(want, 76, "\r\n");
    check_encode(TEXT, in, 77, want, 78);
    /* 77 characters: 75 plus "=" on the first line. */
    a_run(in, 77, "");
    a_run(want, 75, "=\r\naa");
    check_encode(TEXT, in, 77, want, strlen(want));
    /* An escape may end at column 76 only before a line end. */
    a_run(in, 73, "=");
    a_run(want, 73, "=3D");
    check_encode(TEXT, in, 74, want, 76);
    a_run(in, 73, "=b");
    a_run(want, 73, "=\r\n=3Db");
    check_encode(TEXT, in, 75, want, strlen(want));
    a_run(in, 74, "=");
    a_run(want, 74, "=\r\n=3D");
    check_encode(TEXT, in, 75, want, strlen(want));
    a_run(in, 73, "=\r\n");
    a_run(want, 73, "=3D\r\n");
    check_encode(TEXT, in, 76, want, strlen(want));
    /* Trailing blanks at the edge. */
    a_run(in, 73, " \r\n");
    a_run(want, 73, "=20\r\n");
    check_encode(TEXT, in, 76, want, strlen(want));
    a_run(in, 75, " ");
    a_run(want, 75, "=\r\n=20");
    check_encode(TEXT, in, 76, want, strlen(want));
    a_run(in, 74, " b");
    check_encode(TEXT, in, 76, in, 76);
    a_run(in, 74, " bc");
    a_run(want, 74, " =\r\nbc");
    check_encode(TEXT, in, 77, want, strlen(want));
    /* A soft break starts a line too: "." and "From " get escaped. */
    a_run(in, 75, ".b");
    a_run(want, 75, "=\r\n=2Eb");
    check_encode(TEXT, in, 77, want, strlen(want));
    a_run(in, 75, "From x");
    a_run(want, 75, "=\r\n=46rom x");
    check_encode(TEXT, in, 81, want, strlen(want));
    /* Binary: 25 escapes fill 75 columns, then "=". */
    memset(in, 0xff, 100);
    want[0] = '\0';
    for (int line = 0; line < 4; line++) {
        for (int i = 0; i < 25; i++)
            strcat(want, "=FF");
        if (line < 3)
            strcat(want, "=\r\n");
    }
    check_encode(BIN, in, 100, want, strlen(want));
}

/* A long mixed text: every line within 76, and every chunking agrees. */
static void test_encode_long_text(void **st)
{
    (void)st;
    static const char piece[] = "From the \xe9t\xe9 = caf\xe9. \t\r\n.dot  "
                                "x\ry\nlong-words-without-any-space ";
    char in[5000];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = piece[(i * 7) % (sizeof(piece) - 1)];
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    uint32_t flags = TEXT;
    mwt_check_chunking(&enc_ops, &flags, in, sizeof(in), &out);
    assert_line_lengths(out.data, out.len);
    mw_buf_clear(&out);
    flags = BIN;
    mwt_check_chunking(&enc_ops, &flags, in, sizeof(in), &out);
    assert_line_lengths(out.data, out.len);
    mw_buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* Decoder                                                             */
/* ------------------------------------------------------------------ */

#define BAD "8"
#define BARE "10"
#define LONG "20"
#define RAW "40"

static void test_decode_basic(void **st)
{
    (void)st;
    check_decode(S(""), S("{0@0}"));
    check_decode(S("a=3Db"), S("a=b{0@0}"));
    check_decode(S("caf=E9"), S("caf\xe9{0@0}"));
    /* Lowercase hex is accepted silently (RFC 2045 6.7 (1) robustness). */
    check_decode(S("caf=e9=3d"), S("caf\xe9={0@0}"));
    check_decode(S("=0D=0A"), S("\r\n{0@0}"));
    check_decode(S("a\r\nb\r\n"), S("a\r\nb\r\n{0@0}"));
    check_decode(S("a\tb c"), S("a\tb c{0@0}"));
}

static void test_decode_soft_breaks(void **st)
{
    (void)st;
    check_decode(S("soft=\r\nbreak"), S("softbreak{0@0}"));
    check_decode(S("soft=  \r\nbreak"), S("softbreak{0@0}"));
    check_decode(S("a =\r\nb"), S("a b{0@0}"));
    check_decode(S("soft=\nbreak"), S("softbreak{" BARE "@5}"));
    check_decode(S("soft= \t\nx"), S("softx{" BARE "@7}"));
    check_decode(S("a=\rb"), S("ab{" BARE "@2}"));
    check_decode(S("a=\r"), S("a{" BARE "@2}"));
    check_decode(S("=\r\n=\r\n"), S("{0@0}"));
}

static void test_decode_trailing_blanks(void **st)
{
    (void)st;
    check_decode(S("trail  \r\nx"), S("trail\r\nx{0@0}"));
    check_decode(S("trail \t\nx"), S("trail\nx{" BARE "@7}"));
    check_decode(S("end  "), S("end{0@0}"));
    check_decode(S("in  side"), S("in  side{0@0}"));
    check_decode(S("a=20 \r\n"), S("a \r\n{0@0}"));
    /* A blank run longer than the held[] array (80): the older part is
     * written as data, only the last part is stripped. */
    char in[200], want[200];
    memset(in, ' ', 100);
    memcpy(in + 100, "\r\nx", 3);
    memset(want, ' ', 80);
    int n = snprintf(want + 80, 100, "\r\nx{" LONG "@76}");
    check_decode(in, 103, want, 80 + (size_t)n);
}

static void test_decode_bad_escapes(void **st)
{
    (void)st;
    check_decode(S("a=G1"), S("a=G1{" BAD "@1}"));
    check_decode(S("a=4G"), S("a=4G{" BAD "@1}"));
    check_decode(S("a=4"), S("a=4{" BAD "@1}"));
    /* A final '=' is a soft break whose line end was cut off (the CRLF
     * before a MIME boundary): decoded as nothing, no defect. */
    check_decode(S("a="), S("a{0@0}"));
    check_decode(S("x=3Dy="), S("x=y{0@0}"));
    check_decode(S("a= x"), S("a= x{" BAD "@1}"));
    check_decode(S("a=  "), S("a{0@0}"));
    check_decode(S("==41"), S("=A{" BAD "@0}"));
    check_decode(S("x=4\r\n"), S("x=4\r\n{" BAD "@1}"));
    /* '=' and more blanks than held[] can keep: not a soft break. */
    char in[200], want[200];
    in[0] = '=';
    memset(in + 1, ' ', 91);
    memcpy(in + 92, "\r\nx", 3);
    want[0] = '=';
    memset(want + 1, ' ', 80);
    int n = snprintf(want + 81, 100, "\r\nx{%x@0}",
                     MW_DEFECT_BAD_ESCAPE | MW_DEFECT_LONG_LINE);
    check_decode(in, 95, want, 81 + (size_t)n);
}

static void test_decode_other_defects(void **st)
{
    (void)st;
    char in[200], want[300];
    /* 76 characters are fine, the 77th (offset 76) is reported. */
    a_run(in, 76, "\r\n");
    snprintf(want, sizeof(want), "%s{0@0}", in);
    check_decode(in, 78, want, strlen(want));
    a_run(in, 77, "\r\n");
    snprintf(want, sizeof(want), "%s{" LONG "@76}", in);
    check_decode(in, 79, want, strlen(want));
    /* A soft-broken 76-character line is fine. */
    a_run(in, 75, "=\r\nb");
    a_run(want, 75, "b{0@0}");
    check_decode(in, strlen(in), want, strlen(want));
    /* Raw 8-bit and control bytes pass through. */
    check_decode(S("a\xe9\x01"), S("a\xe9\x01{" RAW "@1}"));
    /* Bare line ends are kept as they came. */
    check_decode(S("a\nb"), S("a\nb{" BARE "@1}"));
    check_decode(S("a\rb"), S("a\rb{" BARE "@1}"));
    check_decode(S("a \r"), S("a\r{" BARE "@2}"));
    /* All flags, offset of the first. */
    check_decode(S("\xff\n=x"), S("\xff\n=x{58@0}"));
}

/* ------------------------------------------------------------------ */
/* Full fixed buffer, allocation failures                              */
/* ------------------------------------------------------------------ */

static void test_encode_nospace(void **st)
{
    (void)st;
    char mem[8];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_qp_encoder e, saved;
    mw_qp_encoder_init(&e, TEXT);
    /* The trailing blank is held back until its fate is known. */
    assert_int_equal(mw_qp_encode_update(&e, S("ab= "), &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "ab=3D", 5);
    saved = e;
    assert_int_equal(mw_qp_encode_update(&e, S("\xe9\n"), &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 5 + 6);
    assert_int_equal(out.len, 5);
    assert_memory_equal(&e, &saved, sizeof(e));
    mw_buf_consume(&out, 5);
    assert_int_equal(mw_qp_encode_update(&e, S("\xe9\n"), &out), MW_OK);
    mwt_assert_bytes("retry", out.data, out.len, " =E9\r\n", 6);
    mw_buf_clear(&out);
    assert_int_equal(mw_qp_encode_update(&e, S("abcdef "), &out), MW_OK);
    saved = e;
    assert_int_equal(mw_qp_encode_final(&e, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 9);
    assert_memory_equal(&e, &saved, sizeof(e));
    mw_buf_consume(&out, 6);
    assert_int_equal(mw_qp_encode_final(&e, &out), MW_OK);
    mwt_assert_bytes("final", out.data, out.len, "=20", 3);
}

static void test_decode_nospace(void **st)
{
    (void)st;
    char mem[4];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_qp_decoder d, saved;
    mw_qp_decoder_init(&d, 0);
    assert_int_equal(mw_qp_decode_update(&d, S("ab  "), &out), MW_OK);
    mwt_assert_bytes("first", out.data, out.len, "ab", 2);
    saved = d;
    /* The held blanks and "=E9x" need 4 more bytes; 2 are free. */
    assert_int_equal(mw_qp_decode_update(&d, S("=E9\xff"), &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    assert_memory_equal(&d, &saved, sizeof(d));
    assert_int_equal(mw_qp_decoder_defects(&d), 0);
    mw_buf_consume(&out, 2);
    assert_int_equal(mw_qp_decode_update(&d, S("=E9\xff"), &out), MW_OK);
    mwt_assert_bytes("retry", out.data, out.len, "  \xe9\xff", 4);
    assert_int_equal(mw_qp_decoder_defects(&d), MW_DEFECT_RAW_BYTE);
    assert_int_equal(mw_qp_decoder_defect_offset(&d), 7);
    /* The final flush of a dangling "=4" needs 2 bytes. */
    assert_int_equal(mw_qp_decode_update(&d, S("=4"), &out), MW_OK);
    assert_int_equal(mw_qp_decode_final(&d, &out), MW_E_NOSPACE);
    assert_int_equal(out.needed, 6);
    mw_buf_clear(&out);
    assert_int_equal(mw_qp_decode_final(&d, &out), MW_OK);
    mwt_assert_bytes("final", out.data, out.len, "=4", 2);
}

static void test_bad_arguments(void **st)
{
    (void)st;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_qp_encoder e;
    mw_qp_decoder d;
    mw_qp_encoder_init(&e, 0);
    mw_qp_decoder_init(&d, 0);
    assert_int_equal(mw_qp_encode_update(&e, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_qp_encode_update(&e, NULL, 0, &out), MW_OK);
    assert_int_equal(mw_qp_decode_update(&d, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_qp_decode_update(&d, "x", 1, NULL), MW_E_ARG);
    assert_int_equal(mw_qp_encode_final(NULL, &out), MW_E_ARG);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
}

static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Text-like bytes with the characters QP cares about, CRLF line breaks. */
static size_t fill_text(char *p, size_t n, uint64_t *seed)
{
    static const char alphabet[] = "aZ09 \t=.F!~\xe9\x80\x01";
    size_t i = 0;
    while (i < n) {
        uint64_t r = next_random(seed);
        if (r % 23 == 0 && i + 2 <= n) {
            p[i++] = '\r';
            p[i++] = '\n';
        } else if (r % 29 == 0 && i + 5 <= n) {
            memcpy(p + i, "From ", 5);
            i += 5;
        } else {
            p[i++] = alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
        }
    }
    return n;
}

static int roundtrip_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    char in[2000];
    uint64_t seed = 99;
    fill_text(in, sizeof(in), &seed);
    mw_buf enc, dec;
    mw_buf_init_growable(&enc, a, 0);
    mw_buf_init_growable(&dec, a, 0);
    mw_qp_encoder e;
    mw_qp_decoder d;
    mw_qp_encoder_init(&e, TEXT);
    mw_qp_decoder_init(&d, 0);
    int bad = 0;
    mw_status st = MW_OK;
    for (size_t at = 0; at < sizeof(in) && st == MW_OK; at += 300) {
        size_t n = sizeof(in) - at < 300 ? sizeof(in) - at : 300;
        st = mw_qp_encode_update(&e, in + at, n, &enc);
    }
    if (st == MW_OK)
        st = mw_qp_encode_final(&e, &enc);
    if (st == MW_OK)
        st = mw_qp_decode_update(&d, enc.data, enc.len, &dec);
    if (st == MW_OK)
        st = mw_qp_decode_final(&d, &dec);
    if (st == MW_OK)
        bad = dec.len != sizeof(in) || memcmp(dec.data, in, sizeof(in)) != 0 ||
              mw_qp_decoder_defects(&d) != 0;
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

/* ------------------------------------------------------------------ */
/* Round trips                                                         */
/* ------------------------------------------------------------------ */

static void roundtrip_once(const char *in, size_t n, uint32_t flags)
{
    mw_buf enc, dec;
    mw_buf_init_growable(&enc, NULL, 0);
    mw_buf_init_growable(&dec, NULL, 0);
    mwt_check_chunking(&enc_ops, &flags, in, n, &enc);
    assert_line_lengths(enc.data, enc.len);
    uint32_t none = 0;
    mwt_check_chunking(&dec_ops, &none, enc.data ? enc.data : "", enc.len,
                       &dec);
    assert_int_equal(dec.len, n + 5);
    mwt_assert_bytes("round trip", dec.data, n, in, n);
    mwt_assert_bytes("defects", dec.data + n, 5, "{0@0}", 5);
    mw_buf_free(&enc);
    mw_buf_free(&dec);
}

static void test_roundtrip_random(void **st)
{
    (void)st;
    uint64_t seed = 0x51ed270b27ull;
    char buf[400];
    for (int round = 0; round < 40; round++) {
        size_t n = (size_t)(next_random(&seed) % sizeof(buf));
        fill_text(buf, n, &seed);
        roundtrip_once(buf, n, TEXT);
        roundtrip_once(buf, n, BIN);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(next_random(&seed) >> 32);
        roundtrip_once(buf, n, BIN);
    }
}

static void test_roundtrip_large(void **st)
{
    (void)st;
    size_t n = 12000;
    char *in = malloc(n);
    assert_non_null(in);
    uint64_t seed = 3;
    fill_text(in, n, &seed);
    roundtrip_once(in, n, TEXT);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)(next_random(&seed) >> 32);
    roundtrip_once(in, n, BIN);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_basic),
        cmocka_unit_test(test_encode_trailing_blanks),
        cmocka_unit_test(test_encode_line_breaks),
        cmocka_unit_test(test_encode_line_starts),
        cmocka_unit_test(test_encode_soft_breaks),
        cmocka_unit_test(test_encode_long_text),
        cmocka_unit_test(test_decode_basic),
        cmocka_unit_test(test_decode_soft_breaks),
        cmocka_unit_test(test_decode_trailing_blanks),
        cmocka_unit_test(test_decode_bad_escapes),
        cmocka_unit_test(test_decode_other_defects),
        cmocka_unit_test(test_encode_nospace),
        cmocka_unit_test(test_decode_nospace),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_failalloc),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_roundtrip_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
