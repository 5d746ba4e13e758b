/* Streaming quoted-printable (RFC 2045 section 6.7). */
#include <string.h>

#include "mw_int.h"

static const char qp_hex[16] = "0123456789ABCDEF";

/* Bounded writer: counts every byte, stores only what fits, so a call can
 * run to the end on a copy of the state and learn the exact size needed. */
typedef struct qp_sink {
    char *dst;
    size_t room;
    size_t n;
} qp_sink;

static void sink_put(qp_sink *s, const char *bytes, size_t k)
{
    if (s->n <= s->room && k <= s->room - s->n)
        memcpy(s->dst + s->n, bytes, k);
    s->n += k;
}

static void sink_byte(qp_sink *s, uint8_t c)
{
    if (s->n < s->room)
        s->dst[s->n] = (char)c;
    s->n++;
}

static qp_sink sink_over(const mw_buf *out)
{
    qp_sink s = {out->data ? out->data + out->len : NULL, out->cap - out->len,
                 0};
    return s;
}

static int is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* ---- encoder ---------------------------------------------------------- */

/* Encoder input: the held bytes of the previous call, then the new ones. */
typedef struct qp_enc_run {
    const uint8_t *held;
    size_t nheld;
    const uint8_t *in;
    size_t n; /* held and new bytes together */
    int final;
    int binary;
} qp_enc_run;

static uint8_t run_at(const qp_enc_run *r, size_t i)
{
    return i < r->nheld ? r->held[i] : r->in[i - r->nheld];
}

/* Answers that may need bytes not seen yet. */
enum { ANS_NO, ANS_YES, ANS_LATER };

/* Does a hard line break (or the end of input) start at \p p? */
static int line_ends_at(const qp_enc_run *r, size_t p)
{
    if (p >= r->n)
        return r->final ? ANS_YES : ANS_LATER;
    uint8_t c = run_at(r, p);
    if (r->binary || (c != '\n' && c != '\r'))
        return ANS_NO;
    if (c == '\n')
        return ANS_YES;
    if (p + 1 >= r->n)
        return r->final ? ANS_NO : ANS_LATER;
    return run_at(r, p + 1) == '\n' ? ANS_YES : ANS_NO;
}

/* Does "rom " follow the 'F' at \p p? */
static int from_follows(const qp_enc_run *r, size_t p)
{
    static const char rest[4] = {'r', 'o', 'm', ' '};
    for (size_t k = 0; k < sizeof(rest); k++) {
        if (p + 1 + k >= r->n)
            return r->final ? ANS_NO : ANS_LATER;
        if (run_at(r, p + 1 + k) != (uint8_t)rest[k])
            return ANS_NO;
    }
    return ANS_YES;
}

enum { TOK_LATER, TOK_HARD, TOK_LIT, TOK_ESC };

typedef struct qp_token {
    int kind;
    size_t consumed;
} qp_token;

static qp_token token(int kind, size_t consumed)
{
    qp_token t = {kind, consumed};
    return t;
}

static qp_token classify_cr(const qp_enc_run *r, size_t p)
{
    if (p + 1 >= r->n)
        return r->final ? token(TOK_ESC, 1) : token(TOK_LATER, 0);
    /* A CR without its LF is data, not a line break. */
    return run_at(r, p + 1) == '\n' ? token(TOK_HARD, 2) : token(TOK_ESC, 1);
}

/* Whitespace must not end an encoded line (RFC 2045 rule 3). */
static qp_token classify_blank(const qp_enc_run *r, size_t p)
{
    int ends = line_ends_at(r, p + 1);
    if (ends == ANS_LATER)
        return token(TOK_LATER, 0);
    return token(ends == ANS_YES ? TOK_ESC : TOK_LIT, 1);
}

/* A line starting with "." or "From " is escaped so that SMTP dot-stuffing
 * and mbox "From " quoting never alter it. */
static qp_token classify_line_start(const qp_enc_run *r, size_t p, uint8_t c)
{
    if (c == '.')
        return token(TOK_ESC, 1);
    int from = from_follows(r, p);
    if (from == ANS_LATER)
        return token(TOK_LATER, 0);
    return token(from == ANS_YES ? TOK_ESC : TOK_LIT, 1);
}

static qp_token classify(const qp_enc_run *r, size_t p, uint32_t col)
{
    uint8_t c = run_at(r, p);
    if (!r->binary && c == '\n')
        return token(TOK_HARD, 1);
    if (!r->binary && c == '\r')
        return classify_cr(r, p);
    if (is_blank(c))
        return classify_blank(r, p);
    if (c == '=' || c < 32 || c > 126)
        return token(TOK_ESC, 1);
    if (col == 0 && (c == '.' || c == 'F'))
        return classify_line_start(r, p, c);
    return token(TOK_LIT, 1);
}

static void put_escape(qp_sink *s, uint8_t c)
{
    char e[3] = {'=', qp_hex[c >> 4], qp_hex[c & 15u]};
    sink_put(s, e, 3);
}

/* Encodes as far as the input decides; returns where it stopped. */
static size_t encode_run(const qp_enc_run *r, uint32_t *col, qp_sink *s)
{
    size_t p = 0;
    while (p < r->n) {
        qp_token t = classify(r, p, *col);
        if (t.kind == TOK_LATER)
            break;
        if (t.kind == TOK_HARD) {
            sink_put(s, "\r\n", 2);
            *col = 0;
            p += t.consumed;
            continue;
        }
        uint32_t width = t.kind == TOK_ESC ? 3u : 1u;
        if (*col + width > MW_QP_LINE_MAX - 1) {
            /* Only the last token before a hard break or the end of input
             * may reach column 76; any other needs room for the '='. */
            int ends = *col + width <= MW_QP_LINE_MAX
                           ? line_ends_at(r, p + t.consumed)
                           : ANS_NO;
            if (ends == ANS_LATER)
                break;
            if (ends == ANS_NO) {
                sink_put(s, "=\r\n", 3);
                *col = 0;
                continue; /* reclassify: the token now starts a line */
            }
        }
        uint8_t c = run_at(r, p);
        if (t.kind == TOK_ESC)
            put_escape(s, c);
        else
            sink_byte(s, c);
        *col += width;
        p += t.consumed;
    }
    return p;
}

void mw_qp_encoder_init(mw_qp_encoder *enc, uint32_t flags)
{
    memset(enc, 0, sizeof(*enc));
    enc->flags = flags & MW_QP_BINARY;
}

/* Runs held + new bytes on a copy of the state into the free space of
 * \p out; commits only if everything fit. */
static mw_status encode_try(mw_qp_encoder *enc, const uint8_t *in, size_t len,
                            int final, mw_buf *out, size_t *needed)
{
    mw_qp_encoder work = *enc;
    qp_enc_run r = {enc->held, enc->held_len,
                    in,        enc->held_len + len,
                    final,     (enc->flags & MW_QP_BINARY) != 0};
    qp_sink s = sink_over(out);
    size_t p = encode_run(&r, &work.col, &s);
    size_t rest = r.n - p;
    if (rest > sizeof(work.held))
        return MW_E_INTERNAL; /* lookahead never needs that much */
    for (size_t i = 0; i < rest; i++)
        work.held[i] = run_at(&r, p + i);
    work.held_len = (uint32_t)rest;
    *needed = s.n;
    if (s.n > s.room)
        return MW_E_NOSPACE;
    out->len += s.n;
    *enc = work;
    return MW_OK;
}

/* Worst case: every byte "=XX", plus a soft break per 73 characters. */
static size_t encode_bound(size_t n)
{
    if (n > SIZE_MAX / 4 - 8)
        return SIZE_MAX;
    return 3 * n + n / 8 + 8;
}

static mw_status encode_call(mw_qp_encoder *enc, const uint8_t *in, size_t len,
                             int final, mw_buf *out)
{
    if (len > SIZE_MAX - sizeof(enc->held))
        return MW_E_ARG;
    mw_status st = mw_buf_reserve(out, encode_bound(enc->held_len + len));
    if (st == MW_E_NOMEM)
        return st;
    size_t needed = 0;
    st = encode_try(enc, in, len, final, out, &needed);
    if (st != MW_E_NOSPACE)
        return st;
    /* The bound did not fit; the exact size may. */
    st = mw_buf_reserve(out, needed);
    if (st != MW_OK)
        return st;
    return encode_try(enc, in, len, final, out, &needed);
}

mw_status mw_qp_encode_update(mw_qp_encoder *enc, const void *in, size_t len,
                              mw_buf *out)
{
    if (!enc || !out || (!in && len > 0))
        return MW_E_ARG;
    return encode_call(enc, (const uint8_t *)in, len, 0, out);
}

mw_status mw_qp_encode_final(mw_qp_encoder *enc, mw_buf *out)
{
    if (!enc || !out)
        return MW_E_ARG;
    mw_status st = encode_call(enc, NULL, 0, 1, out);
    if (st == MW_OK)
        mw_qp_encoder_init(enc, enc->flags);
    return st;
}

/* ---- decoder ---------------------------------------------------------- */

enum {
    DEC_TEXT,   /* held[]: a run of blanks that may be transport padding */
    DEC_CR,     /* a CR, waiting for its LF */
    DEC_EQ,     /* an '=' */
    DEC_EQ_HEX, /* '=' and one hex digit (in held[0]) */
    DEC_EQ_WS,  /* '=' and blanks (in held[]): a soft break if a line end
                   follows */
    DEC_EQ_CR   /* '=', maybe blanks, CR: a soft break */
};

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    /* RFC 2045 6.7 (1): a robust decoder accepts lowercase hex too; it
     * is decoded silently. */
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Defects are noticed out of order (a bad escape only once the blanks
 * after its '=' end), so the earliest offset is kept. */
static void dec_defect(mw_qp_decoder *d, uint32_t defect, uint64_t offset)
{
    if (d->defects == 0 || offset < d->defect_offset)
        d->defect_offset = offset;
    d->defects |= defect;
}

/* One more character on the current encoded line at \p offset. */
static void dec_column(mw_qp_decoder *d, uint64_t offset)
{
    if (++d->col == MW_QP_LINE_MAX + 1)
        dec_defect(d, MW_DEFECT_LONG_LINE, offset);
}

static void dec_flush_held(mw_qp_decoder *d, qp_sink *s)
{
    sink_put(s, d->held, d->held_len);
    d->held_len = 0;
}

/* A line ended (hard or soft): blanks before it are transport padding. */
static void dec_line_end(mw_qp_decoder *d)
{
    d->held_len = 0;
    d->col = 0;
    d->state = DEC_TEXT;
}

static void dec_text(mw_qp_decoder *d, qp_sink *s, uint8_t c, uint64_t off)
{
    if (is_blank(c)) {
        dec_column(d, off);
        /* A blank run longer than held[] cannot all be padding we strip:
         * the older part is written as data. */
        if (d->held_len == sizeof(d->held))
            dec_flush_held(d, s);
        d->held[d->held_len++] = (char)c;
        return;
    }
    if (c == '\r') {
        dec_line_end(d);
        d->state = DEC_CR;
        return;
    }
    if (c == '\n') {
        /* A bare LF is taken as the line end it was meant to be. */
        dec_defect(d, MW_DEFECT_BARE_EOL, off);
        dec_line_end(d);
        sink_byte(s, '\n');
        return;
    }
    dec_column(d, off);
    dec_flush_held(d, s);
    if (c == '=') {
        d->state = DEC_EQ;
        return;
    }
    /* Raw controls and 8-bit bytes are passed through, with a defect. */
    if ((c < 32 && c != '\t') || c > 126)
        dec_defect(d, MW_DEFECT_RAW_BYTE, off);
    sink_byte(s, c);
}

/* A CR not followed by LF: kept, as a line end, with a defect. */
static void dec_bare_cr(mw_qp_decoder *d, qp_sink *s, uint64_t cr_off, int soft)
{
    dec_defect(d, MW_DEFECT_BARE_EOL, cr_off);
    if (!soft)
        sink_byte(s, '\r');
    dec_line_end(d);
}

/* '=' that starts no escape and no soft break: kept literally. */
static void dec_bad_escape(mw_qp_decoder *d, qp_sink *s, uint64_t eq_off)
{
    dec_defect(d, MW_DEFECT_BAD_ESCAPE, eq_off);
    sink_byte(s, '=');
    d->state = DEC_TEXT;
}

/* Handles \p c in the current state; returns 0 when \p c must be looked
 * at again in the (new) state. */
static int dec_step(mw_qp_decoder *d, qp_sink *s, uint8_t c, uint64_t off)
{
    switch (d->state) {
    case DEC_TEXT:
        dec_text(d, s, c, off);
        return 1;
    case DEC_CR:
        if (c == '\n') {
            sink_put(s, "\r\n", 2);
            d->state = DEC_TEXT;
            return 1;
        }
        dec_bare_cr(d, s, off - 1, 0);
        return 0;
    case DEC_EQ:
        if (hex_value(c) >= 0) {
            dec_column(d, off);
            d->held[0] = (char)c;
            d->state = DEC_EQ_HEX;
            return 1;
        }
        if (is_blank(c) || c == '\r' || c == '\n') {
            d->held_len = 0;
            d->state = DEC_EQ_WS;
            return 0;
        }
        dec_bad_escape(d, s, off - 1);
        return 0;
    case DEC_EQ_HEX:
        if (hex_value(c) >= 0) {
            dec_column(d, off);
            sink_byte(s, (uint8_t)(hex_value((uint8_t)d->held[0]) * 16 +
                                   hex_value(c)));
            d->state = DEC_TEXT;
            return 1;
        }
        dec_bad_escape(d, s, off - 2);
        sink_byte(s, (uint8_t)d->held[0]);
        return 0;
    case DEC_EQ_WS:
        /* RFC 2045 6.7 (3): blanks after a soft-break '=' are padding. */
        if (is_blank(c) && d->held_len < sizeof(d->held)) {
            dec_column(d, off);
            d->held[d->held_len++] = (char)c;
            return 1;
        }
        if (c == '\r') {
            d->state = DEC_EQ_CR;
            return 1;
        }
        if (c == '\n') {
            /* "=\n": a soft break with a bare LF. */
            dec_defect(d, MW_DEFECT_BARE_EOL, off);
            dec_line_end(d);
            return 1;
        }
        /* Not a soft break after all (or too many blanks to hold): the
         * '=' is literal and the blanks stay pending as ordinary text. */
        dec_bad_escape(d, s, off - 1 - d->held_len);
        return 0;
    default: /* DEC_EQ_CR */
        if (c == '\n') {
            dec_line_end(d);
            return 1;
        }
        dec_bare_cr(d, s, off - 1, 1);
        return 0;
    }
}

/* End of input in each state; the offset is the stream length. */
static void dec_finish(mw_qp_decoder *d, qp_sink *s)
{
    uint64_t end = d->offset;
    switch (d->state) {
    case DEC_CR:
        dec_bare_cr(d, s, end - 1, 0);
        break;
    case DEC_EQ:
    case DEC_EQ_WS:
        /* A '=' (plus padding) at the very end is a soft break whose line
         * end was taken away: a MIME body loses the CRLF before its
         * boundary, so "text=" there means "no final line break", as
         * Python's email and the major readers decode it. */
        break;
    case DEC_EQ_HEX:
        dec_bad_escape(d, s, end - 2);
        sink_byte(s, (uint8_t)d->held[0]);
        break;
    case DEC_EQ_CR:
        dec_bare_cr(d, s, end - 1, 1);
        break;
    default:
        break;
    }
    /* Blanks at the very end are padding like blanks before a line end. */
    dec_line_end(d);
}

/* Bytes a plain text run may hold: printable ASCII but '=', and blanks. */
static int plain_or_blank(uint8_t c)
{
    return (c >= 32 && c <= 126 && c != '=') || c == '\t';
}

/*
 * The fast path of the text state with no blanks held: a run of printable
 * bytes and blanks, up to its last non-blank, decodes to itself. That is
 * what dec_text() does byte by byte (a blank is held, then written before
 * the next printable), including the column count and its defect. Returns
 * the bytes taken.
 */
static size_t dec_plain_run(mw_qp_decoder *d, qp_sink *s, const uint8_t *in,
                            size_t len)
{
    size_t k = 0, last = 0;
    while (k < len && plain_or_blank(in[k])) {
        k++;
        if (!is_blank(in[k - 1]))
            last = k;
    }
    if (last == 0)
        return 0;
    /* dec_column() reports the byte that makes the column 77. */
    uint32_t to_long = (uint32_t)(MW_QP_LINE_MAX - d->col);
    if (to_long < last)
        dec_defect(d, MW_DEFECT_LONG_LINE, d->offset + to_long);
    d->col += (uint32_t)last;
    sink_put(s, (const char *)in, last);
    d->offset += last;
    return last;
}

static void decode_run(mw_qp_decoder *d, qp_sink *s, const uint8_t *in,
                       size_t len)
{
    for (size_t i = 0; i < len;) {
        if (d->state == DEC_TEXT && d->held_len == 0) {
            i += dec_plain_run(d, s, in + i, len - i);
            if (i == len)
                break;
        }
        if (dec_step(d, s, in[i], d->offset)) {
            i++;
            d->offset++;
        }
    }
}

void mw_qp_decoder_init(mw_qp_decoder *dec, uint32_t flags)
{
    memset(dec, 0, sizeof(*dec));
    dec->flags = flags;
}

static mw_status decode_try(mw_qp_decoder *dec, const uint8_t *in, size_t len,
                            int final, mw_buf *out, size_t *needed)
{
    mw_qp_decoder work = *dec;
    qp_sink s = sink_over(out);
    decode_run(&work, &s, in, len);
    if (final)
        dec_finish(&work, &s);
    *needed = s.n;
    if (s.n > s.room)
        return MW_E_NOSPACE;
    out->len += s.n;
    *dec = work;
    return MW_OK;
}

static mw_status decode_call(mw_qp_decoder *dec, const uint8_t *in, size_t len,
                             int final, mw_buf *out)
{
    /* Each input byte yields at most one output byte, plus what is held. */
    size_t bound = len > SIZE_MAX - sizeof(dec->held) - 4
                       ? SIZE_MAX
                       : len + sizeof(dec->held) + 4;
    mw_status st = mw_buf_reserve(out, bound);
    if (st == MW_E_NOMEM)
        return st;
    size_t needed = 0;
    st = decode_try(dec, in, len, final, out, &needed);
    if (st != MW_E_NOSPACE)
        return st;
    st = mw_buf_reserve(out, needed);
    if (st != MW_OK)
        return st;
    return decode_try(dec, in, len, final, out, &needed);
}

mw_status mw_qp_decode_update(mw_qp_decoder *dec, const void *in, size_t len,
                              mw_buf *out)
{
    if (!dec || !out || (!in && len > 0))
        return MW_E_ARG;
    return decode_call(dec, (const uint8_t *)in, len, 0, out);
}

mw_status mw_qp_decode_final(mw_qp_decoder *dec, mw_buf *out)
{
    if (!dec || !out)
        return MW_E_ARG;
    return decode_call(dec, NULL, 0, 1, out);
}

uint32_t mw_qp_decoder_defects(const mw_qp_decoder *dec)
{
    return dec ? dec->defects : 0;
}

uint64_t mw_qp_decoder_defect_offset(const mw_qp_decoder *dec)
{
    return dec ? dec->defect_offset : 0;
}
