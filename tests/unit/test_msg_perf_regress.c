/* The fast paths of the MIME parser (whole header fields in one step and
 * one sixteen-byte scan, known fields by length, Content-Type values of the
 * plain shape in one pass, delimiter candidates found from '-') and of the
 * base64 and quoted-printable decoders (groups of four, runs of plain
 * text) must give exactly what the byte-at-a-time paths give: these inputs
 * sit on the edges of each fast path and are checked whole, byte by byte
 * and split everywhere, and against known answers (the expected logs were
 * taken from the code before each fast path and checked by hand). Built
 * with -DMWI_MIME_NO_SIMD the same tests cover the portable scans. */
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

/* prefix and the span, only when the span is present (non-NULL) */
static void log_present(mw_buf *log, const char *prefix, mw_span s)
{
    if (!s.ptr)
        return;
    mwt_log(log, prefix);
    log_bytes(log, s.ptr, s.len);
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
        log_present(log, " cs=", ev->info.charset);
        log_present(log, " b=", ev->info.boundary);
        log_present(log, " fn=", ev->info.filename);
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

static void check_mime_n(const mw_mime_config *cfg, const char *msg, size_t len,
                         const char *want)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&mime_ops, cfg, msg, len, &log);
    mwt_assert_bytes("event log", log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

static void check_mime(const mw_mime_config *cfg, const char *msg,
                       const char *want)
{
    check_mime_n(cfg, msg, strlen(msg), want);
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
        "E3 d0 @202  text/plain enc0 hd411 cs=x\n"
        "D4[body\\r\\n]\n"
        "E7 d0 @208  x411\n"
        "E8 d0 @208 \n";
    mwt_assert_bytes("event log", log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

/* The sixteen-byte scans of names and values: names shorter than, equal
 * to and longer than a block (and two), line breaks at either end of a
 * block, continuation lines in the same block as the line before (one with
 * an 8-bit byte, one after a bare LF), a value over three blocks. */
static void test_header_block_edges(void **state)
{
    (void)state;
    check_mime(NULL,
               "A: 0123456789abc\r\n"
               "Bb: 0123456789abcd\r\n"
               "ABCDEFGHIJKLMNOP: sixteen\r\n"
               "X-Name-Longer-Than-16-Bytes-And-32-Too: v\r\n"
               "C: fold 1\r\n"
               "\tfold 2 \xc3\xa9\r\n"
               " fold 3\r\n"
               "D: bare\n"
               " lf cont\r\n"
               "E: a value that runs over two blocks of 16\r\n"
               "\r\n"
               "body\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @0  <A| 0123456789abc>\n"
               "E2 d0 @18  <Bb| 0123456789abcd>\n"
               "E2 d0 @38  <ABCDEFGHIJKLMNOP| sixteen>\n"
               "E2 d0 @65  <X-Name-Longer-Than-16-Bytes-And-32-Too| v>\n"
               "E2 d0 @108  <C| fold 1\\r\\n\\x09fold 2 \\xc3\\xa9\\r\\n fold "
               "3>\n"
               "E2 d0 @140  <D| bare\\n lf cont>\n"
               "E2 d0 @158  <E| a value that runs over two blocks of 16>\n"
               "E3 d0 @204  text/plain enc0 hd19\n"
               "D4[body\\r\\n]\n"
               "E7 d0 @210  x19\n"
               "E8 d0 @210 \n");
    /* The 8-bit byte and the NUL share a block with the last field's line
     * end but belong to the body: no header defect. */
    static const char body8[] = "A: x\r\n"
                                "\r\n"
                                "\xe9\x00"
                                "body0123456789abcdef\r\n";
    check_mime_n(NULL, body8, sizeof(body8) - 1,
                 "E1 d0 @0 \n"
                 "E2 d0 @0  <A| x>\n"
                 "E3 d0 @8  text/plain enc0 hd8\n"
                 "D4[\\xe9\\x00body0123456789abcdef\\r\\n]\n"
                 "E7 d0 @32  x8\n"
                 "E8 d0 @32 \n");
}

/* Fields past header_count_max and header_bytes_max are dropped by the
 * one-step path too, and a dropped Content-Type is not interpreted. */
static void test_header_drop_limits(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.header_count_max = 2;
    mw_mime_config cfg = {sizeof(cfg), 0, &lim};
    check_mime(&cfg,
               "A: 1\r\n"
               "B: 2\r\n"
               "Content-Type: text/html\r\n"
               "D: 4\r\n"
               "\r\n"
               "body\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @0  <A| 1>\n"
               "E2 d0 @6  <B| 2>\n"
               "E3 d0 @45  text/plain enc0 hd2008\n"
               "D4[body\\r\\n]\n"
               "E7 d0 @51  x2008\n"
               "E8 d0 @51 \n");
    mw_limits_default(&lim);
    lim.header_bytes_max = 12; /* "A: 1\r\n" fits, "B: 22\r\n" does not */
    check_mime(&cfg,
               "A: 1\r\n"
               "B: 22\r\n"
               "Content-Type: text/html\r\n"
               "\r\n"
               "body\r\n",
               "E1 d0 @0 \n"
               "E2 d0 @0  <A| 1>\n"
               "E3 d0 @40  text/plain enc0 hd2008\n"
               "D4[body\\r\\n]\n"
               "E7 d0 @46  x2008\n"
               "E8 d0 @46 \n");
}

/* Content-Type values of the plain shape take the one-pass lexer, the
 * others the general one; both must give the same parameters (RFC 2045
 * section 5.1, with the usual tolerances): no blank after ';', blanks
 * around '=' (general), a quoted-pair, an unquoted value with a space, a
 * folded line after an unquoted value, more than eight parameters, an
 * empty quoted value, a comment, a trailing ';', blanks around '/', junk
 * after a value, and case folding next to the letters ('^' '_' '`' '{'
 * '|' '}' '~' stay as they are). */
static void test_content_type_shapes(void **state)
{
    (void)state;
    check_mime(
        NULL,
        "Content-Type: Multipart/Mixed; BOUNDARY=\"=_b\"; charset=us-ascii\r\n"
        "MIME-Version: 1.0\r\n"
        "\r\n"
        "--=_b\r\n"
        "Content-Type: TEXT/Plain;Charset=UTF-8\r\n"
        "\r\n"
        "1\r\n"
        "--=_b\r\n"
        "Content-Type: text/html ; charset = \"x\"\r\n"
        "\r\n"
        "2\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=\"a\\\"b\"\r\n"
        "\r\n"
        "3\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=x y; name=n.txt\r\n"
        "\r\n"
        "4\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=x\r\n"
        " ; name=\"f.txt\"\r\n"
        "\r\n"
        "5\r\n"
        "--=_b\r\n"
        "Content-Type: application/octet-stream; a=1; b=2; c=3; d=4; e=5; "
        "f=6; g=7; h=8; name=nine\r\n"
        "\r\n"
        "6\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=\"\"\r\n"
        "\r\n"
        "7\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; (comment) charset=y\r\n"
        "\r\n"
        "8\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=z;\r\n"
        "\r\n"
        "9\r\n"
        "--=_b\r\n"
        "Content-Type: text / plain; charset=w\r\n"
        "\r\n"
        "10\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=v\"\r\n"
        "\r\n"
        "11\r\n"
        "--=_b\r\n"
        "Content-Type: Text/X-AZ^_`{|}~az09-Long\r\n"
        "\r\n"
        "12\r\n"
        "--=_b--\r\n",
        "E1 d0 @0 \n"
        "E2 d0 @0  <Content-Type| Multipart/Mixed; BOUNDARY=\"=_b\"; "
        "charset=us-ascii>\n"
        "E2 d0 @65  <MIME-Version| 1.0>\n"
        "E3 d0 @86  multipart/mixed enc0 hd0 cs=us-ascii b==_b\n"
        "E1 d1 @93 1\n"
        "E2 d1 @93 1 <Content-Type| TEXT/Plain;Charset=UTF-8>\n"
        "E3 d1 @135 1 text/plain enc0 hd0 cs=UTF-8\n"
        "D4[1]\n"
        "E7 d1 @136 1 x0\n"
        "E1 d1 @145 2\n"
        "E2 d1 @145 2 <Content-Type| text/html ; charset = \"x\">\n"
        "E3 d1 @188 2 text/html enc0 hd0 cs=x\n"
        "D4[2]\n"
        "E7 d1 @189 2 x0\n"
        "E1 d1 @198 3\n"
        "E2 d1 @198 3 <Content-Type| text/plain; charset=\"a\\x5c\"b\">\n"
        "E3 d1 @242 3 text/plain enc0 hd0 cs=a\"b\n"
        "D4[3]\n"
        "E7 d1 @243 3 x0\n"
        "E1 d1 @252 4\n"
        "E2 d1 @252 4 <Content-Type| text/plain; charset=x y; name=n.txt>\n"
        "E3 d1 @305 4 text/plain enc0 hd0 cs=x y fn=n.txt\n"
        "D4[4]\n"
        "E7 d1 @306 4 x0\n"
        "E1 d1 @315 5\n"
        "E2 d1 @315 5 <Content-Type| text/plain; charset=x\\r\\n ; "
        "name=\"f.txt\">\n"
        "E3 d1 @371 5 text/plain enc0 hd0 cs=x fn=f.txt\n"
        "D4[5]\n"
        "E7 d1 @372 5 x0\n"
        "E1 d1 @381 6\n"
        "E2 d1 @381 6 <Content-Type| application/octet-stream; a=1; b=2; "
        "c=3; d=4; e=5; f=6; g=7; h=8; name=nine>\n"
        "E3 d1 @474 6 application/octet-stream enc0 hd0 fn=nine\n"
        "D4[6]\n"
        "E7 d1 @475 6 x0\n"
        "E1 d1 @484 7\n"
        "E2 d1 @484 7 <Content-Type| text/plain; charset=\"\">\n"
        "E3 d1 @524 7 text/plain enc0 hd0 cs=\n"
        "D4[7]\n"
        "E7 d1 @525 7 x0\n"
        "E1 d1 @534 8\n"
        "E2 d1 @534 8 <Content-Type| text/plain; (comment) charset=y>\n"
        "E3 d1 @583 8 text/plain enc0 hd0 cs=y\n"
        "D4[8]\n"
        "E7 d1 @584 8 x0\n"
        "E1 d1 @593 9\n"
        "E2 d1 @593 9 <Content-Type| text/plain; charset=z;>\n"
        "E3 d1 @633 9 text/plain enc0 hd0 cs=z\n"
        "D4[9]\n"
        "E7 d1 @634 9 x0\n"
        "E1 d1 @643 10\n"
        "E2 d1 @643 10 <Content-Type| text / plain; charset=w>\n"
        "E3 d1 @684 10 text/plain enc0 hd0 cs=w\n"
        "D4[10]\n"
        "E7 d1 @686 10 x0\n"
        "E1 d1 @695 11\n"
        "E2 d1 @695 11 <Content-Type| text/plain; charset=v\">\n"
        "E3 d1 @735 11 text/plain enc0 hd0 cs=v\"\n"
        "D4[11]\n"
        "E7 d1 @737 11 x0\n"
        "E1 d1 @746 12\n"
        "E2 d1 @746 12 <Content-Type| Text/X-AZ^_`{|}~az09-Long>\n"
        "E3 d1 @789 12 text/x-az^_`{|}~az09-long enc0 hd0\n"
        "D4[12]\n"
        "E7 d1 @791 12 x0\n"
        "E7 d0 @802  x0\n"
        "E8 d0 @802 \n");
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
               "E3 d0 @47  multipart/mixed enc0 hd8 b=b-1\n"
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
               "E3 d0 @64  multipart/mixed enc0 hd0 b=z\n"
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
        cmocka_unit_test(test_header_block_edges),
        cmocka_unit_test(test_header_drop_limits),
        cmocka_unit_test(test_content_type_shapes),
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
