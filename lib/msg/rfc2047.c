/* RFC 2047 encoded words: recognising, decoding (B and Q, built-in
 * charsets or the caller's hook) and encoding UTF-8 text for headers. */
#include <string.h>

#include "msg_int.h"

/* Charset names are bounded so a stray "=?" cannot make every later byte
 * part of a candidate charset; real names are far shorter. */
#define EW_CHARSET_MAX 64

static int ew_special(uint8_t c)
{
    return c == '?' || mwi_is_fws(c) || c < 0x20 || c == 0x7F;
}

static void ew_split_language(mwi_ew *ew)
{
    const char *star = memchr(ew->charset, '*', ew->charset_len);
    if (star) {
        /* RFC 2231 section 5: =?charset*language?...; language ignored. */
        ew->charset_len = (size_t)(star - ew->charset);
        ew->has_language = 1;
    }
}

int mwi_ew_match(const char *s, size_t len, mwi_ew *ew)
{
    size_t i = 2;
    if (len < 8 || s[0] != '=' || s[1] != '?')
        return 0;
    memset(ew, 0, sizeof(*ew));
    ew->charset = s + 2;
    while (i < len && i < 2 + EW_CHARSET_MAX && !ew_special((uint8_t)s[i]))
        i++;
    if (i + 2 >= len || s[i] != '?' || i == 2 || s[i + 2] != '?')
        return 0;
    ew->charset_len = i - 2;
    ew->enc = mwi_lower((unsigned char)s[i + 1]);
    ew->enc = ew->enc == 'b' ? 'B' : ew->enc == 'q' ? 'Q' : 0;
    ew->text = s + i + 3;
    for (i += 3; i < len && !ew_special((uint8_t)s[i]); i++)
        ;
    if (i + 1 >= len || s[i] != '?' || s[i + 1] != '=')
        return 0;
    ew->text_len = (size_t)(s + i - ew->text);
    ew->len = i + 2;
    ew_split_language(ew);
    return ew->charset_len > 0;
}

mw_status mwi_q_decode(const char *s, size_t len, mw_buf *out, int *damaged)
{
    if (len == 0)
        return MW_OK;
    mw_status st = mw_buf_reserve(out, len);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '_') {
            *w++ = ' ';
        } else if (s[i] == '=' && i + 2 < len &&
                   (hi = mwi_hex_value((unsigned char)s[i + 1])) >= 0 &&
                   (lo = mwi_hex_value((unsigned char)s[i + 2])) >= 0) {
            *w++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            /* A malformed escape is kept literally, as mail readers do. */
            if (s[i] == '=')
                *damaged = 1;
            *w++ = s[i];
        }
    }
    out->len = (size_t)(w - out->data);
    return MW_OK;
}

static mw_status b_decode(const char *s, size_t len, mw_buf *out, int *damaged)
{
    mw_b64_decoder dec;
    mw_b64_decoder_init(&dec, 0);
    mw_status st = mw_b64_decode_update(&dec, s, len, out);
    if (st == MW_OK)
        st = mw_b64_decode_final(&dec, out);
    /* Tolerant base64: garbage skipped and truncated groups decoded. */
    if (mw_b64_decoder_defects(&dec) &
        (MW_DEFECT_GARBAGE | MW_DEFECT_TRUNCATED))
        *damaged = 1;
    return st;
}

/*
 * Convert out[start..len) from charset to UTF-8 in place. The conversion
 * writes into a fixed view of the spare capacity, so the source bytes
 * never move under the converter; a hook that wants more room is retried
 * with what it asked for.
 */
mw_status mwi_convert_tail(mw_buf *out, size_t start, const char *cs,
                           size_t cs_len, const mw_charset_hook *hook)
{
    size_t mid = out->len, n = mid - start, room = 3 * n + 16;
    for (int tries = 0; tries < 4; tries++) {
        mw_status st = mw_buf_reserve(out, room);
        if (st != MW_OK)
            return st;
        mw_buf view;
        mw_buf_init_fixed(&view, out->data + mid, out->cap - mid);
        st = mw_charset_to_utf8(cs, cs_len, out->data + start, n, hook, &view);
        if (st == MW_OK) {
            out->len = mid + view.len;
            mwi_out_move_tail(out, start, mid);
            return MW_OK;
        }
        if (st != MW_E_NOSPACE || view.needed <= room)
            return st;
        room = view.needed + 16;
    }
    return MW_E_NOSPACE;
}

mw_status mwi_ew_decode(const mwi_ew *ew, const mw_charset_hook *hook,
                        mw_buf *out, uint32_t *flags)
{
    size_t start = out->len;
    int damaged = 0;
    mw_status st;
    if (ew->enc == 0)
        return MW_E_UNSUPPORTED;
    if (ew->enc == 'B')
        st = b_decode(ew->text, ew->text_len, out, &damaged);
    else
        st = mwi_q_decode(ew->text, ew->text_len, out, &damaged);
    if (st == MW_OK &&
        mwi_charset_replaces(ew->charset, ew->charset_len, mwi_at(out, start),
                             out->len - start))
        *flags |= MW_2047_REPLACED;
    if (st == MW_OK)
        st = mwi_convert_tail(out, start, ew->charset, ew->charset_len, hook);
    if (st != MW_OK) {
        mwi_out_truncate(out, start);
        return st;
    }
    *flags |= MW_2047_DECODED | (damaged ? MW_2047_DAMAGED : 0u) |
              (ew->has_language ? MW_2047_LANGUAGE : 0u);
    return MW_OK;
}

/* Decoding state of one header value. */
typedef struct dec_state {
    const char *s;
    size_t len;
    const mw_charset_hook *hook;
    mw_buf *out;
    uint32_t flags;
    size_t ws_start, ws_len; /* whitespace held after an encoded word */
    int last_was_ew;
    /* Adjacent encoded words in one built-in charset: their decoded bytes
     * are joined in out[run_start..) and converted together. */
    int run;
    size_t run_start;
    const char *run_cs;
    size_t run_cs_len;
} dec_state;

/*
 * RFC 2047 5 wants every encoded word to hold whole characters, but
 * mailers split UTF-8 characters between words; the bytes of adjacent
 * words in the same charset are joined before conversion (section 5
 * permits it; Python and Thunderbird do the same). Only built-in charsets
 * are joined: their conversion cannot fail, so no word has to be put back
 * undecoded after others were joined to it.
 */
static mw_status finish_run(dec_state *d)
{
    if (!d->run)
        return MW_OK;
    d->run = 0;
    mw_buf *out = d->out;
    if (mwi_charset_replaces(d->run_cs, d->run_cs_len,
                             mwi_at(out, d->run_start),
                             out->len - d->run_start))
        d->flags |= MW_2047_REPLACED;
    return mwi_convert_tail(out, d->run_start, d->run_cs, d->run_cs_len, NULL);
}

static int builtin_charset(const char *cs, size_t cs_len)
{
    mw_buf none;
    mw_buf_init_fixed(&none, NULL, 0);
    return mw_charset_to_utf8(cs, cs_len, NULL, 0, NULL, &none) == MW_OK;
}

static int same_charset(const dec_state *d, const mwi_ew *ew)
{
    if (d->run_cs_len != ew->charset_len)
        return 0;
    for (size_t i = 0; i < ew->charset_len; i++)
        if (mwi_lower((unsigned char)d->run_cs[i]) !=
            mwi_lower((unsigned char)ew->charset[i]))
            return 0;
    return 1;
}

/* Append the decoded bytes of a word in a built-in charset to the run. */
static mw_status join_word(dec_state *d, const mwi_ew *ew)
{
    int damaged = 0;
    if (d->run && !same_charset(d, ew)) {
        mw_status st = finish_run(d);
        if (st != MW_OK)
            return st;
    }
    if (!d->run) {
        d->run = 1;
        d->run_start = d->out->len;
        d->run_cs = ew->charset;
        d->run_cs_len = ew->charset_len;
    }
    mw_status st = ew->enc == 'B'
                       ? b_decode(ew->text, ew->text_len, d->out, &damaged)
                       : mwi_q_decode(ew->text, ew->text_len, d->out, &damaged);
    if (st != MW_OK)
        return st;
    d->flags |= MW_2047_DECODED | (damaged ? MW_2047_DAMAGED : 0u) |
                (ew->has_language ? MW_2047_LANGUAGE : 0u);
    return MW_OK;
}

static mw_status copy_text(dec_state *d, const char *p, size_t n)
{
    size_t replaced = 0;
    mw_status st = finish_run(d);
    if (st != MW_OK)
        return st;
    st = mw_utf8_sanitize(p, n, d->out, &replaced);
    if (replaced)
        d->flags |= MW_2047_REPLACED;
    return st;
}

/* Emit the held whitespace unless it separates two encoded words. */
static mw_status flush_ws(dec_state *d, int next_is_ew)
{
    mw_status st = MW_OK;
    if (d->ws_len && !(next_is_ew && d->last_was_ew))
        st = copy_text(d, d->s + d->ws_start, d->ws_len);
    d->ws_len = 0;
    return st;
}

/* Decode one encoded word at p, or return MW_E_UNSUPPORTED with the
 * output and the held whitespace as they were. */
static mw_status try_word(dec_state *d, const char *p, size_t n, size_t *used)
{
    mwi_ew ew;
    if (!mwi_ew_match(p, n, &ew))
        return MW_E_UNSUPPORTED;
    size_t ws_start = d->ws_start, ws_len = d->ws_len;
    size_t mark = d->out->len;
    int had_run = d->run; /* then the whitespace was dropped, not written */
    mw_status st = flush_ws(d, 1);
    *used = ew.len;
    if (st != MW_OK)
        return st;
    if (ew.enc != 0 && builtin_charset(ew.charset, ew.charset_len))
        return join_word(d, &ew);
    st = finish_run(d);
    if (had_run)
        mark = d->out->len;
    if (st == MW_OK)
        st = mwi_ew_decode(&ew, d->hook, d->out, &d->flags);
    if (st == MW_E_UNSUPPORTED) {
        d->flags |= MW_2047_UNDECODED; /* left as it was, never dropped */
        mwi_out_truncate(d->out, mark);
        d->ws_start = ws_start;
        d->ws_len = ws_len;
    }
    return st;
}

/* A run of non-whitespace: encoded words at its start (and, tolerating
 * mailers that leave out the space, right after one another), then text
 * copied as it is. */
static mw_status decode_word(dec_state *d, size_t a, size_t e)
{
    while (a < e) {
        size_t used = 0;
        mw_status st = try_word(d, d->s + a, e - a, &used);
        if (st == MW_OK) {
            d->last_was_ew = 1;
            a += used;
            continue;
        }
        if (st != MW_E_UNSUPPORTED)
            return st;
        st = flush_ws(d, 0);
        if (st == MW_OK)
            st = copy_text(d, d->s + a, e - a);
        d->last_was_ew = 0;
        return st;
    }
    return MW_OK;
}

static mw_status decode_all(dec_state *d)
{
    size_t i = 0;
    while (i < d->len) {
        size_t j = i;
        if (mwi_is_fws((unsigned char)d->s[i])) {
            while (j < d->len && mwi_is_fws((unsigned char)d->s[j]))
                j++;
            d->ws_start = i;
            d->ws_len = j - i;
            i = j;
            continue;
        }
        while (j < d->len && !mwi_is_fws((unsigned char)d->s[j]))
            j++;
        mw_status st = decode_word(d, i, j);
        if (st != MW_OK)
            return st;
        i = j;
    }
    d->last_was_ew = 0;
    mw_status st = flush_ws(d, 0);
    if (st == MW_OK)
        st = finish_run(d);
    return st;
}

mw_status mw_rfc2047_decode(const char *text, size_t len,
                            const mw_charset_hook *hook, mw_buf *out,
                            uint32_t *flags_out)
{
    if (!out || (!text && len))
        return MW_E_ARG;
    dec_state d;
    memset(&d, 0, sizeof(d));
    d.s = text;
    d.len = len;
    d.hook = hook;
    d.out = out;
    size_t start = out->len;
    mw_status st = decode_all(&d);
    if (st != MW_OK)
        return mwi_out_fail(out, start, st, mwi_decode_bound(len));
    if (flags_out)
        *flags_out = d.flags;
    return MW_OK;
}

/* RFC 2047-decode out[start..) in place through a fixed view of the spare
 * capacity (the source must not move while it is read). */
mw_status mwi_decode_2047_tail(mw_buf *out, size_t start,
                               const mw_charset_hook *hook, uint32_t *flags)
{
    size_t mid = out->len, n = mid - start, room = mwi_decode_bound(n);
    mw_status st = mw_buf_reserve(out, room);
    if (st != MW_OK)
        return st;
    mw_buf view;
    mw_buf_init_fixed(&view, out->data + mid, out->cap - mid);
    st = mw_rfc2047_decode(out->data + start, n, hook, &view, flags);
    if (st != MW_OK)
        return st;
    out->len = mid + view.len;
    mwi_out_move_tail(out, start, mid);
    return MW_OK;
}

/* ---- encoding ---- */

/* Overhead of "=?UTF-8?Q?" and "?=". */
#define EW_OVERHEAD 12
/* Below this many free columns the first word starts on a new line: room
 * for the overhead and one 4-byte character in Q form, with slack. */
#define EW_FIRST_MIN 26
#define LINE_SOFT_MAX 78

typedef struct enc_ctx {
    const uint8_t *s;
    size_t len;
    uint32_t flags;
    int enc; /* 'Q' or 'B' */
    mw_buf *out;
    size_t count; /* bytes produced (measuring and writing) */
    int write;
} enc_ctx;

static void put(enc_ctx *c, const char *p, size_t n)
{
    if (c->write) {
        memcpy(c->out->data + c->out->len, p, n);
        c->out->len += n;
    }
    c->count += n;
}

static int q_raw(uint8_t ch, uint32_t flags)
{
    if (flags & MW_2047_PHRASE)
        return mwi_is_alpha(ch) || mwi_is_digit(ch) ||
               (ch != 0 && strchr("!*+-/", ch) != NULL);
    return ch > 0x20 && ch < 0x7F && ch != '=' && ch != '?' && ch != '_';
}

static size_t q_cost(uint8_t ch, uint32_t flags)
{
    return (ch == ' ' || q_raw(ch, flags)) ? 1 : 3;
}

static size_t b_cost(size_t nbytes)
{
    return 4 * ((nbytes + 2) / 3);
}

static size_t utf8_char_len(uint8_t lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/* Whole characters from pos whose encoded form fits in cap columns; at
 * least one character, so the loop always advances. */
static size_t fill_word(const enc_ctx *c, size_t pos, size_t cap)
{
    size_t end = pos, qlen = 0;
    while (end < c->len) {
        size_t n = utf8_char_len(c->s[end]), add = 0;
        if (end + n > c->len)
            n = c->len - end;
        for (size_t i = 0; i < n; i++)
            add += q_cost(c->s[end + i], c->flags);
        size_t cost = c->enc == 'Q' ? qlen + add : b_cost(end + n - pos);
        if (cost > cap && end > pos)
            break;
        qlen += add;
        end += n;
    }
    return end;
}

static void put_q(enc_ctx *c, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        char e[3] = {'=', hex[p[i] >> 4], hex[p[i] & 15]};
        if (p[i] == ' ')
            put(c, "_", 1);
        else if (q_raw(p[i], c->flags))
            put(c, (const char *)p + i, 1);
        else
            put(c, e, 3);
    }
}

static void put_b(enc_ctx *c, const uint8_t *p, size_t n)
{
    static const char al[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {al[v >> 18], al[(v >> 12) & 63],
                     i + 1 < n ? al[(v >> 6) & 63] : '=',
                     i + 2 < n ? al[v & 63] : '='};
        put(c, q, 4);
    }
}

static void put_word(enc_ctx *c, size_t a, size_t b)
{
    put(c, c->enc == 'Q' ? "=?UTF-8?Q?" : "=?UTF-8?B?", 10);
    if (c->enc == 'Q')
        put_q(c, c->s + a, b - a);
    else
        put_b(c, c->s + a, b - a);
    put(c, "?=", 2);
}

static void encode_words(enc_ctx *c, size_t first_line_used)
{
    int fold = !(c->flags & MW_2047_NO_FOLD);
    size_t avail =
        first_line_used >= LINE_SOFT_MAX ? 0 : LINE_SOFT_MAX - first_line_used;
    size_t pos = 0, wmax = MW_2047_WORD_MAX;
    if (fold && first_line_used > 0 && avail < EW_FIRST_MIN)
        put(c, "\r\n ", 3);
    else if (fold && avail < wmax)
        wmax = avail;
    while (pos < c->len) {
        if (pos > 0) {
            put(c, fold ? "\r\n " : " ", fold ? 3 : 1);
            wmax = MW_2047_WORD_MAX;
        }
        size_t end = fill_word(c, pos, wmax - EW_OVERHEAD);
        put_word(c, pos, end);
        pos = end;
    }
}

static mw_status check_encodable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return MW_E_CRLF;
    return mw_utf8_is_valid(s, len, NULL) ? MW_OK : MW_E_ENCODING;
}

mw_status mw_rfc2047_encode(const char *utf8_text, size_t len, uint32_t flags,
                            size_t first_line_used, mw_buf *out)
{
    if (!out || (!utf8_text && len))
        return MW_E_ARG;
    mw_status st = check_encodable(utf8_text, len);
    if (st != MW_OK || len == 0)
        return st;
    enc_ctx c;
    memset(&c, 0, sizeof(c));
    c.s = (const uint8_t *)utf8_text;
    c.len = len;
    c.flags = flags;
    c.out = out;
    size_t qlen = 0;
    for (size_t i = 0; i < len; i++)
        qlen += q_cost(c.s[i], flags);
    c.enc = qlen <= b_cost(len) ? 'Q' : 'B';
    encode_words(&c, first_line_used); /* measure */
    st = mw_buf_reserve(out, c.count);
    if (st != MW_OK)
        return st;
    c.write = 1;
    c.count = 0;
    encode_words(&c, first_line_used);
    return MW_OK;
}
