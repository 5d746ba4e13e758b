/* The fast paths of the MIME parser (whole header lines found with memchr,
 * known fields by length, delimiter candidates found from '-') and of the
 * base64 and quoted-printable decoders (groups of four, runs of plain
 * text) must give exactly what the byte-at-a-time paths give: these inputs
 * sit on the edges of each fast path and are checked whole, byte by byte
 * and split everywhere, and against known answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/codec.h"
#include "mailwire/mime.h"

/* ---- MIME event log (body data coalesced, everything else exact) ---- */

typedef struct pstate {
    mw_mime_parser *p;
    uint32_t data_type;
    mw_buf data;
} pstate;

static void log_bytes(mw_buf *log, const char *s, size_t n)
{
    char tmp[8];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r')
            mwt_log(log, "\\r");
        else if (c == '\n')
            mwt_log(log, "\\n");
        else if (c < 0x20 || c >= 0x7f || c == '\\') {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            mwt_log(log, tmp);
        } else {
            assert_int_equal(mw_buf_append_byte(log, c), MW_OK);
        }
    }
}

/* prefix, then v in decimal (or hex) */
static void log_num(mw_buf *log, const char *prefix, unsigned long long v,
                    int hex)
{
    char tmp[32];
    if (hex)
        snprintf(tmp, sizeof(tmp), "%llx", v);
    else
        snprintf(tmp, sizeof(tmp), "%llu", v);
    mwt_log(log, prefix);
    mwt_log(log, tmp);
}

static void flush_data(pstate *t, mw_buf *log)
{
    if (!t->data_type)
        return;
    log_num(log, "D", t->data_type, 0);
    mwt_log(log, "[");
    log_bytes(log, t->data.data, t->data.len);
    mwt_log(log, "]\n");
    t->data_type = 0;
    mw_buf_clear(&t->data);
}

static void log_event(pstate *t, const mw_mime_event *ev, mw_buf *log)
{
    if (ev->type == MW_MIME_EV_BODY || ev->type == MW_MIME_EV_PREAMBLE ||
        ev->type == MW_MIME_EV_EPILOGUE) {
        if (t->data_type != ev->type)
            flush_data(t, log);
        t->data_type = ev->type;
        assert_int_equal(mw_buf_append(&t->data, ev->data.ptr, ev->data.len),
                         MW_OK);
        return;
    }
    flush_data(t, log);
    log_num(log, "E", ev->type, 0);
    log_num(log, " d", ev->depth, 0);
    log_num(log, " @", ev->offset, 0);
    mwt_log(log, " ");
    log_bytes(log, ev->part.ptr, ev->part.len);
    if (ev->type == MW_MIME_EV_HEADER) {
        mwt_log(log, " <");
        log_bytes(log, ev->name.ptr, ev->name.len);
        mwt_log(log, "|");
        log_bytes(log, ev->value.ptr, ev->value.len);
        mwt_log(log, ">");
    } else if (ev->type == MW_MIME_EV_HEADERS_END) {
        mwt_log(log, " ");
        log_bytes(log, ev->info.content_type.ptr, ev->info.content_type.len);
        log_num(log, " enc", ev->info.encoding, 0);
        log_num(log, " hd", ev->info.defects, 1);
    } else if (ev->type == MW_MIME_EV_ENTITY_END) {
        log_num(log, " x", ev->defects, 1);
    }
    mwt_log(log, "\n");
}

static void *p_create(const void *cfg)
{
    pstate *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    assert_int_equal(mw_mime_parser_new(cfg, NULL, &t->p), MW_OK);
    mw_buf_init_growable(&t->data, NULL, 0);
    return t;
}

static mw_status p_update(void *state, const char *in, size_t len, mw_buf *log)
{
    pstate *t = state;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(t->p, in + off, len - off, &used, &ev);
        off += used;
        if (st == MW_NEED_MORE) {
            assert_int_equal(off, len);
            return MW_OK;
        }
        if (st != MW_OK)
            return st;
        log_event(t, &ev, log);
    }
}

static mw_status p_finish(void *state, mw_buf *log)
{
    pstate *t = state;
    assert_int_equal(mw_mime_finish(t->p), MW_OK);
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(t->p, NULL, 0, &used, &ev);
        if (st == MW_DONE) {
            flush_data(t, log);
            return MW_OK;
        }
        if (st != MW_OK)
            return st;
        log_event(t, &ev, log);
    }
}

static void p_destroy(void *state)
{
    pstate *t = state;
    mw_mime_parser_free(t->p);
    mw_buf_free(&t->data);
    free(t);
}

static const mwt_stream_ops mime_ops = {p_create, p_update, p_finish,
                                        p_destroy};

static void check_mime(const mw_mime_config *cfg, const char *msg,
                       const char *want)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&mime_ops, cfg, msg, strlen(msg), &log);
    mwt_assert_bytes("event log", log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

/* Whole header lines: obs-field WSP before the colon, folded values, bare
 * LF on a continuation line only, 8-bit and NUL bytes at word offsets,
 * known names in other cases and same-length names that are not known. */
static void test_header_fast_path(void **state)
{
    (void)state;
    static const char msg[] = "Subject \t: hi\r\n"
                              "X-Long-Name-Abc: folded\r\n"
                              " once\n"
                              "\ttwice\r\n"
                              "CONTENT-TYPE: Text/Plain; charset=x\r\n"
                              "Content-Typf: not it\r\n"
                              "mime-VERSION: 1.0\r\n"
                              "Content-Id:  <a@b> \r\n"
                              "X-8: 0123456789abcde\xe9\r\n"
                              "X-N: 0123456\x00z\r\n"
                              "Empty:\r\n"
                              "\r\n"
                              "body\r\n";
    /* sizeof - 1: the NUL inside the message is part of it. */
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&mime_ops, NULL, msg, sizeof(msg) - 1, &log);
    const char *want =
        "E1 d0 @0 \n"
        "E2 d0 @0  <Subject| hi>\n"
        "E2 d0 @15  <X-Long-Name-Abc| folded\\r\\n once\\n\\x09twice>\n"
        "E2 d0 @54  <CONTENT-TYPE| Text/Plain; charset=x>\n"
        "E2 d0 @91  <Content-Typf| not it>\n"
        "E2 d0 @113  <mime-VERSION| 1.0>\n"
        "E2 d0 @132  <Content-Id|  <a@b> >\n"
        "E2 d0 @153  <X-8| 0123456789abcde\\xe9>\n"
        "E2 d0 @176  <X-N| 0123456\\x00z>\n"
        "E2 d0 @192  <Empty|>\n"
        "E3 d0 @202  text/plain enc0 hd411\n"
        "D4[body\\r\\n]\n"
        "E7 d0 @208  x411\n"
        "E8 d0 @208 \n";
    mwt_assert_bytes("event log", log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

/* A field longer than header_line_max must take the truncating path, and a
 * line that is no field must be replayed to the body whole. */
static void test_header_limits_and_non_fields(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.header_line_max = 64;
    mw_mime_config cfg = {sizeof(cfg), 0, &lim};
    check_mime(&cfg,
               "X-A: 0123456789012345678901234567890123456789"
               "0123456789012345678901234567890123456789\r\n"
               "X-B: fits\r\n"
               "\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @0  <X-A| 0123456789012345678901234567890123456789"
               "0123456789012345678>\n"
               "E2 d0 @87  <X-B| fits>\n"
               "E3 d0 @100  text/plain enc0 hd1008\n"
               "E7 d0 @100  x1008\n"
               "E8 d0 @100 \n");
    check_mime(NULL,
               "From me Mon\r\n"
               "A: 1\r\n"
               "no colon here\r\n"
               "B: 2\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @13  <A| 1>\n"
               "E3 d0 @19  text/plain enc0 hd108\n"
               "D4[no colon here\\r\\nB: 2\\r\\n]\n"
               "E7 d0 @40  x108\n"
               "E8 d0 @40 \n");
}

/* Delimiter candidates: '-' inside lines, "\n-" lines that are not
 * delimiters, a delimiter right after a bare LF, hyphen-only lines. */
static void test_boundary_candidates(void **state)
{
    (void)state;
    check_mime(NULL,
               "Content-Type: multipart/mixed; boundary=b-1\r\n"
               "\r\n"
               "pre-amble - with -- dashes\r\n"
               "--b-1\r\n"
               "\r\n"
               "a-b-c\r\n"
               "-\r\n"
               "--\r\n"
               "--b-\r\n"
               "-----\n"
               "--b-1\r\n"
               "\r\n"
               "x-\n"
               "--b-1--\r\n"
               "epi-logue\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @0  <Content-Type| multipart/mixed; boundary=b-1>\n"
               "E3 d0 @47  multipart/mixed enc0 hd8\n"
               "D5[pre-amble - with -- dashes]\n"
               "E1 d1 @82 1\n"
               "E3 d1 @84 1 text/plain enc0 hd0\n"
               "D4[a-b-c\\r\\n-\\r\\n--\\r\\n--b-\\r\\n-----]\n"
               "E7 d1 @109 1 x0\n"
               "E1 d1 @117 2\n"
               "E3 d1 @119 2 text/plain enc0 hd0\n"
               "D4[x-]\n"
               "E7 d1 @121 2 x0\n"
               "D6[epi-logue\\r\\n]\n"
               "E7 d0 @142  x8\n"
               "E8 d0 @142 \n");
}

/* Decoded leaves through the parser: base64 with CRLF every 76 columns and
 * a stray character, quoted-printable with soft breaks and padding. */
static void test_decoding_through_parser(void **state)
{
    (void)state;
    check_mime(NULL,
               "Content-Type: multipart/mixed; boundary=z\r\n"
               "MIME-Version: 1.0\r\n"
               "\r\n"
               "--z\r\n"
               "Content-Transfer-Encoding: base64\r\n"
               "\r\n"
               "SGVsbG8sIHdvcmxkIQ==\r\n"
               "--z\r\n"
               "Content-Transfer-Encoding: BASE64\r\n"
               "\r\n"
               "YWJj\r\nZGVm\r\n Z2hp*amts\r\n"
               "--z\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "caf=C3=A9 au lait  \r\n"
               "soft=\r\n"
               "break=3d\r\n"
               "--z--\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @0  <Content-Type| multipart/mixed; boundary=z>\n"
               "E2 d0 @43  <MIME-Version| 1.0>\n"
               "E3 d0 @64  multipart/mixed enc0 hd0\n"
               "E1 d1 @69 1\n"
               "E2 d1 @69 1 <Content-Transfer-Encoding| base64>\n"
               "E3 d1 @106 1 text/plain enc1 hd0\n"
               "D4[Hello, world!]\n"
               "E7 d1 @126 1 x0\n"
               "E1 d1 @133 2\n"
               "E2 d1 @133 2 <Content-Transfer-Encoding| BASE64>\n"
               "E3 d1 @170 2 text/plain enc1 hd0\n"
               "D4[abcdefghijkl]\n"
               "E7 d1 @192 2 x20\n"
               "E1 d1 @199 3\n"
               "E2 d1 @199 3 <Content-Transfer-Encoding| quoted-printable>\n"
               "E3 d1 @246 3 text/plain enc2 hd0\n"
               "D4[caf\\xc3\\xa9 au lait\\r\\nsoftbreak=]\n"
               "E7 d1 @282 3 x0\n"
               "E7 d0 @291  x0\n"
               "E8 d0 @291 \n");
}

/* ---- decoders: whole input against one byte per call ---- */

typedef struct dec_result {
    mw_status st;
    uint32_t defects;
    uint64_t defect_offset;
    mw_buf out;
} dec_result;

static void b64_run(const char *in, size_t len, uint32_t flags, size_t step,
                    dec_result *r)
{
    mw_b64_decoder d;
    mw_b64_decoder_init(&d, flags);
    mw_buf_init_growable(&r->out, NULL, 0);
    r->st = MW_OK;
    for (size_t i = 0; i < len && r->st == MW_OK; i += step) {
        size_t n = len - i < step ? len - i : step;
        r->st = mw_b64_decode_update(&d, in + i, n, &r->out);
    }
    if (r->st == MW_OK)
        r->st = mw_b64_decode_final(&d, &r->out);
    r->defects = mw_b64_decoder_defects(&d);
    r->defect_offset = mw_b64_decoder_defect_offset(&d);
}

static void qp_run(const char *in, size_t len, size_t step, dec_result *r)
{
    mw_qp_decoder d;
    mw_qp_decoder_init(&d, 0);
    mw_buf_init_growable(&r->out, NULL, 0);
    r->st = MW_OK;
    for (size_t i = 0; i < len && r->st == MW_OK; i += step) {
        size_t n = len - i < step ? len - i : step;
        r->st = mw_qp_decode_update(&d, in + i, n, &r->out);
    }
    if (r->st == MW_OK)
        r->st = mw_qp_decode_final(&d, &r->out);
    r->defects = mw_qp_decoder_defects(&d);
    r->defect_offset = mw_qp_decoder_defect_offset(&d);
}

static void assert_same(const dec_result *a, const dec_result *b)
{
    assert_int_equal(a->st, b->st);
    assert_int_equal(a->defects, b->defects);
    assert_int_equal(a->defect_offset, b->defect_offset);
    mwt_assert_bytes("decoded", a->out.data, a->out.len, b->out.data,
                     b->out.len);
}

/* Deterministic pseudo-random bytes (xorshift), no global state. */
static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void fill(char *buf, size_t n, const char *alphabet, uint32_t *seed)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        buf[i] = alphabet[next_rand(seed) % k];
}

static void test_b64_known_answers(void **state)
{
    (void)state;
    dec_result r;
    /* RFC 4648 section 10, wrapped and with a stray byte mid-group. */
    b64_run("Zm9v\r\nYmFy\r\nZm9vYg==", 20, 0, 20, &r);
    assert_int_equal(r.st, MW_OK);
    mwt_assert_bytes("out", r.out.data, r.out.len, "foobarfoob", 10);
    assert_int_equal(r.defects, 0);
    mw_buf_free(&r.out);
    b64_run("Zm9vYmFyZm9v*YmFy", 17, 0, 17, &r);
    assert_int_equal(r.st, MW_OK);
    mwt_assert_bytes("out", r.out.data, r.out.len, "foobarfoobar", 12);
    assert_int_equal(r.defects, MW_DEFECT_GARBAGE);
    assert_int_equal(r.defect_offset, 12);
    mw_buf_free(&r.out);
    /* Strict: the same stray byte is the error, after the groups before. */
    b64_run("Zm9vYmFyZm9v*YmFy", 17, MW_B64_STRICT, 17, &r);
    assert_int_equal(r.st, MW_E_ENCODING);
    assert_int_equal(r.defect_offset, 12);
    mw_buf_free(&r.out);
    /* Strict refuses line breaks too. */
    b64_run("Zm9vYmFy\r\nZm9v", 14, MW_B64_STRICT, 14, &r);
    assert_int_equal(r.st, MW_E_ENCODING);
    assert_int_equal(r.defect_offset, 8);
    mw_buf_free(&r.out);
}

/* A fixed buffer that holds exactly the output (the 8-byte store of two
 * groups must not need room past it) and one that is one byte short. */
static void test_b64_exact_room(void **state)
{
    (void)state;
    char mem[9];
    mw_buf out;
    mw_b64_decoder d;
    mw_b64_decoder_init(&d, 0);
    mw_buf_init_fixed(&out, mem, 9);
    assert_int_equal(mw_b64_decode_update(&d, "YWJjZGVmZ2hp", 12, &out), MW_OK);
    mwt_assert_bytes("out", out.data, out.len, "abcdefghi", 9);
    mw_b64_decoder_init(&d, 0);
    mw_buf_init_fixed(&out, mem, 8);
    assert_int_equal(mw_b64_decode_update(&d, "YWJjZGVmZ2hp", 12, &out),
                     MW_E_NOSPACE);
    assert_int_equal(out.len, 0);
    assert_int_equal(out.needed, 9);
}

static void test_b64_whole_equals_bytewise(void **state)
{
    (void)state;
    static const char *const alphabets[] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\r\n",
        "QUJD\r\n=",
        "AZaz09+/= \t\r\n*-.",
    };
    uint32_t seed = 12345;
    char buf[600];
    for (int round = 0; round < 400; round++) {
        size_t n = next_rand(&seed) % sizeof(buf);
        fill(buf, n, alphabets[round % 4], &seed);
        for (uint32_t flags = 0; flags <= MW_B64_STRICT;
             flags += MW_B64_STRICT) {
            dec_result whole, bytes, odd;
            b64_run(buf, n, flags, n ? n : 1, &whole);
            b64_run(buf, n, flags, 1, &bytes);
            b64_run(buf, n, flags, 7, &odd);
            assert_same(&whole, &bytes);
            assert_same(&whole, &odd);
            mw_buf_free(&whole.out);
            mw_buf_free(&bytes.out);
            mw_buf_free(&odd.out);
        }
    }
}

static void test_qp_known_answers(void **state)
{
    (void)state;
    dec_result r;
    /* 80 plain characters: the 77th is reported as a long line. */
    char line[81];
    memset(line, 'a', 80);
    line[80] = '\0';
    qp_run(line, 80, 80, &r);
    assert_int_equal(r.defects, MW_DEFECT_LONG_LINE);
    assert_int_equal(r.defect_offset, 76);
    assert_int_equal(r.out.len, 80);
    mw_buf_free(&r.out);
    /* Blanks inside a run are data; before a line end they are padding;
     * before a soft-break '=' they are data again. */
    const char *in = "a b\tc  \r\nx=41 \t=\r\ny";
    qp_run(in, strlen(in), strlen(in), &r);
    mwt_assert_bytes("out", r.out.data, r.out.len, "a b\tc\r\nxA \ty", 12);
    assert_int_equal(r.defects, 0);
    mw_buf_free(&r.out);
    /* Raw 8-bit byte after a run of text. */
    qp_run("abc\xff", 4, 4, &r);
    assert_int_equal(r.defects, MW_DEFECT_RAW_BYTE);
    assert_int_equal(r.defect_offset, 3);
    mw_buf_free(&r.out);
}

static void test_qp_whole_equals_bytewise(void **state)
{
    (void)state;
    static const char *const alphabets[] = {
        "abcdefghij ",
        "ab =\t\r\n",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=\r\n \t",
        "xyz=3D=3d=G1\r\n \t\x80\x01",
    };
    uint32_t seed = 777;
    char buf[700];
    for (int round = 0; round < 400; round++) {
        size_t n = next_rand(&seed) % sizeof(buf);
        fill(buf, n, alphabets[round % 4], &seed);
        dec_result whole, bytes, odd;
        qp_run(buf, n, n ? n : 1, &whole);
        qp_run(buf, n, 1, &bytes);
        qp_run(buf, n, 13, &odd);
        assert_same(&whole, &bytes);
        assert_same(&whole, &odd);
        mw_buf_free(&whole.out);
        mw_buf_free(&bytes.out);
        mw_buf_free(&odd.out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_fast_path),
        cmocka_unit_test(test_header_limits_and_non_fields),
        cmocka_unit_test(test_boundary_candidates),
        cmocka_unit_test(test_decoding_through_parser),
        cmocka_unit_test(test_b64_known_answers),
        cmocka_unit_test(test_b64_exact_room),
        cmocka_unit_test(test_b64_whole_equals_bytewise),
        cmocka_unit_test(test_qp_known_answers),
        cmocka_unit_test(test_qp_whole_equals_bytewise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
