/* Quoted-printable: decode(encode(x)) == x in binary mode, and in text
 * mode after writing every bare LF of x as CRLF; encoded lines stay within
 * 76 characters, never end in a blank and never start with "." or "From ";
 * whole, chunked (first byte selects the split) and small-fixed-buffer runs
 * agree for both encoders and for decoding arbitrary input; a refused call
 * leaves the state unchanged. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/mailwire.h"

typedef union codec_state {
    mw_qp_encoder enc;
    mw_qp_decoder dec;
} codec_state;

typedef struct codec {
    int decoder;
    uint32_t flags;
} codec;

static void codec_init(const codec *c, codec_state *s)
{
    memset(s, 0, sizeof(*s));
    if (c->decoder)
        mw_qp_decoder_init(&s->dec, c->flags);
    else
        mw_qp_encoder_init(&s->enc, c->flags);
}

static mw_status codec_update(const codec *c, codec_state *s, const uint8_t *in,
                              size_t len, mw_buf *out)
{
    return c->decoder ? mw_qp_decode_update(&s->dec, in, len, out)
                      : mw_qp_encode_update(&s->enc, in, len, out);
}

static mw_status codec_final(const codec *c, codec_state *s, mw_buf *out)
{
    return c->decoder ? mw_qp_decode_final(&s->dec, out)
                      : mw_qp_encode_final(&s->enc, out);
}

typedef struct result {
    mw_buf out;
    mw_status st;
    uint32_t defects;
    uint64_t defect_offset;
} result;

static void result_done(const codec *c, const codec_state *s, result *r)
{
    if (c->decoder) {
        r->defects = mw_qp_decoder_defects(&s->dec);
        r->defect_offset = mw_qp_decoder_defect_offset(&s->dec);
    }
}

/* Feeds \p in in chunks chosen by \p sel (0: whole) into a growable buffer. */
static void run_chunked(const codec *c, const uint8_t *in, size_t len,
                        uint8_t sel, result *r)
{
    codec_state s;
    codec_init(c, &s);
    memset(r, 0, sizeof(*r));
    mw_buf_init_growable(&r->out, NULL, 0);
    mw_status st = MW_OK;
    size_t at = 0;
    for (size_t i = 0; at < len && st == MW_OK; i++) {
        size_t n = fuzz_chunk_len(sel, i);
        if (n > len - at)
            n = len - at;
        st = codec_update(c, &s, in + at, n, &r->out);
        at += n;
    }
    if (st == MW_OK)
        st = codec_final(c, &s, &r->out);
    r->st = st;
    result_done(c, &s, r);
}

/* One call into a small fixed buffer: on MW_E_NOSPACE the state must be
 * unchanged; the buffer is drained into \p acc and the call retried. */
static mw_status call_fixed(const codec *c, codec_state *s, const uint8_t *in,
                            size_t len, int final, mw_buf *fixed, mw_buf *acc)
{
    for (;;) {
        codec_state before = *s;
        size_t had = fixed->len;
        mw_status st = final ? codec_final(c, s, fixed)
                             : codec_update(c, s, in, len, fixed);
        if (st != MW_E_NOSPACE)
            return st;
        FUZZ_CHECK(memcmp(&before, s, sizeof(before)) == 0);
        FUZZ_CHECK(fixed->len == had && fixed->needed > fixed->cap);
        FUZZ_CHECK(had > 0); /* chunks are small enough for an empty one */
        FUZZ_CHECK(mw_buf_append(acc, fixed->data, fixed->len) == MW_OK);
        mw_buf_clear(fixed);
    }
}

static void run_fixed(const codec *c, const uint8_t *in, size_t len,
                      uint8_t sel, result *r)
{
    char mem[128];
    mw_buf fixed;
    mw_buf_init_fixed(&fixed, mem, 112 + sel % 16);
    codec_state s;
    codec_init(c, &s);
    memset(r, 0, sizeof(*r));
    mw_buf_init_growable(&r->out, NULL, 0);
    mw_status st = MW_OK;
    size_t at = 0;
    for (size_t i = 0; at < len && st == MW_OK; i++) {
        size_t n = 1 + fuzz_chunk_len(sel, i) % 8;
        if (n > len - at)
            n = len - at;
        st = call_fixed(c, &s, in + at, n, 0, &fixed, &r->out);
        at += n;
    }
    if (st == MW_OK)
        st = call_fixed(c, &s, NULL, 0, 1, &fixed, &r->out);
    FUZZ_CHECK(mw_buf_append(&r->out, fixed.data, fixed.len) == MW_OK);
    r->st = st;
    result_done(c, &s, r);
}

static void check_same(const result *a, const result *b)
{
    FUZZ_CHECK(a->st == b->st);
    FUZZ_CHECK(a->out.len == b->out.len);
    FUZZ_CHECK(a->out.len == 0 ||
               memcmp(a->out.data, b->out.data, a->out.len) == 0);
    FUZZ_CHECK(a->defects == b->defects);
    FUZZ_CHECK(a->defect_offset == b->defect_offset);
}

/* Runs \p c whole, chunked and through a fixed buffer; the whole result
 * is left in \p whole for the caller to inspect and free. */
static void run_all_ways(const codec *c, const uint8_t *in, size_t len,
                         uint8_t sel, result *whole)
{
    result other;
    run_chunked(c, in, len, 0, whole);
    run_chunked(c, in, len, sel, &other);
    check_same(whole, &other);
    mw_buf_free(&other.out);
    run_fixed(c, in, len, sel, &other);
    check_same(whole, &other);
    mw_buf_free(&other.out);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The RFC 2045 rules the encoder promises, checked on its output. */
static void check_encoded(const mw_buf *b, int binary)
{
    const char *p = b->data;
    size_t n = b->len, col = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\r') {
            FUZZ_CHECK(i + 1 < n && p[i + 1] == '\n');
            FUZZ_CHECK(col == 0 || !is_blank(p[i - 1]));
            /* Binary data has no hard line breaks, only soft ones. */
            if (binary)
                FUZZ_CHECK(col > 0 && p[i - 1] == '=');
            col = 0;
            i++;
            continue;
        }
        FUZZ_CHECK(is_blank(c) || (c >= 33 && c <= 126));
        if (col == 0) {
            FUZZ_CHECK(c != '.');
            FUZZ_CHECK(n - i < 5 || memcmp(p + i, "From ", 5) != 0);
        }
        col++;
        FUZZ_CHECK(col <= MW_QP_LINE_MAX);
    }
    FUZZ_CHECK(n == 0 || !is_blank(p[n - 1]));
}

/* Text mode turns every line break into CRLF: so must the expectation. */
static void crlf_normalise(const uint8_t *in, size_t len, mw_buf *out)
{
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
            FUZZ_CHECK(mw_buf_append_byte(out, '\r') == MW_OK);
        FUZZ_CHECK(mw_buf_append_byte(out, in[i]) == MW_OK);
    }
}

static void roundtrip(const uint8_t *in, size_t len, uint8_t sel, int binary)
{
    codec enc = {0, binary ? MW_QP_BINARY : 0};
    result e;
    run_all_ways(&enc, in, len, sel, &e);
    FUZZ_CHECK(e.st == MW_OK);
    check_encoded(&e.out, binary);
    mw_buf want;
    mw_buf_init_growable(&want, NULL, 0);
    if (binary)
        FUZZ_CHECK(mw_buf_append(&want, in, len) == MW_OK);
    else
        crlf_normalise(in, len, &want);
    codec dec = {1, 0};
    result d;
    run_all_ways(&dec, (const uint8_t *)e.out.data, e.out.len, sel, &d);
    FUZZ_CHECK(d.st == MW_OK && d.defects == 0);
    FUZZ_CHECK(d.out.len == want.len);
    FUZZ_CHECK(want.len == 0 || memcmp(d.out.data, want.data, want.len) == 0);
    mw_buf_free(&want);
    mw_buf_free(&e.out);
    mw_buf_free(&d.out);
}

static void decode_arbitrary(const uint8_t *in, size_t len, uint8_t sel)
{
    codec dec = {1, 0};
    result d;
    run_all_ways(&dec, in, len, sel, &d);
    FUZZ_CHECK(d.st == MW_OK);
    /* Decoding only ever shrinks: escapes, soft breaks, padding. */
    FUZZ_CHECK(d.out.len <= len);
    if (d.defects)
        FUZZ_CHECK(d.defect_offset < len);
    mw_buf_free(&d.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    roundtrip(in, len, sel, 0);
    roundtrip(in, len, sel, 1);
    decode_arbitrary(in, len, sel);
    return 0;
}
