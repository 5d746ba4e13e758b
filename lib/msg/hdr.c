/* Header unfolding and trimming, msg-id lists, and the output-buffer
 * helpers the header code shares. */
#include <string.h>

#include "msg_int.h"

mw_status mwi_out_fail(mw_buf *out, size_t start, mw_status st, size_t bound)
{
    mwi_out_truncate(out, start);
    if (st == MW_E_NOSPACE) {
        size_t want = bound > SIZE_MAX - start ? SIZE_MAX : start + bound;
        if (out->needed < want)
            out->needed = want;
    }
    return st;
}

void mwi_out_move_tail(mw_buf *out, size_t to, size_t from)
{
    size_t n = out->len - from;
    if (n)
        memmove(out->data + to, out->data + from, n);
    out->len = to + n;
}

void mwi_out_truncate(mw_buf *out, size_t len)
{
    if (len < out->len)
        out->len = len;
}

size_t mwi_decode_bound(size_t len)
{
    /* Output of up to 3 UTF-8 bytes per input byte, plus the scratch of
     * one word: its raw bytes and the conversion room reserved for them. */
    return len > SIZE_MAX / 16 ? SIZE_MAX : 8 * len + 64;
}

/* Length of the line break at s[i], if it is folding (followed by WSP). */
static size_t fold_len(const char *s, size_t len, size_t i)
{
    size_t n = 0;
    if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
        n = 2;
    else if (s[i] == '\r' || s[i] == '\n')
        n = 1; /* bare CR or LF folding: tolerated like mail readers do */
    if (n && i + n < len && mwi_is_wsp((unsigned char)s[i + n]))
        return n;
    return 0;
}

static size_t unfolded_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t f = fold_len(s, len, i);
        if (f) {
            i += f;
            continue;
        }
        n++;
        i++;
    }
    return n;
}

void mw_header_trim(const char *raw, size_t len, mw_span *value_out)
{
    size_t a = 0, b = len;
    if (!value_out)
        return;
    if (!raw)
        b = 0;
    while (a < b && mwi_is_fws((unsigned char)raw[a]))
        a++;
    while (b > a && mwi_is_fws((unsigned char)raw[b - 1]))
        b--;
    value_out->ptr = raw ? raw + a : raw;
    value_out->len = b - a;
}

mw_status mw_header_unfold(const char *raw, size_t len, uint32_t flags,
                           mw_buf *out)
{
    if (!out || (!raw && len))
        return MW_E_ARG;
    if (flags & MW_UNFOLD_TRIM) {
        mw_span t;
        mw_header_trim(raw, len, &t);
        raw = t.ptr;
        len = t.len;
    }
    size_t n = unfolded_len(raw, len);
    if (n == 0)
        return MW_OK;
    mw_status st = mw_buf_reserve(out, n);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    for (size_t i = 0; i < len;) {
        size_t f = fold_len(raw, len, i);
        if (f) {
            i += f;
            continue;
        }
        *w++ = raw[i++];
    }
    out->len = (size_t)(w - out->data);
    return MW_OK;
}

/* ---- msg-id lists ---- */

void mw_msgid_iter_init(mw_msgid_iter *it, const char *value, size_t len)
{
    if (!it)
        return;
    it->s = value;
    it->len = value ? len : 0;
    it->pos = 0;
}

/* Skip a comment (nesting counted, no recursion) or a quoted string that
 * starts at *pos; an unclosed one runs to the end. */
static void skip_delimited(const char *s, size_t len, size_t *pos)
{
    char open = s[*pos];
    size_t depth = 0;
    for (size_t i = *pos; i < len; i++) {
        char c = s[i];
        if (c == '\\') {
            i++;
        } else if (open == '(' && c == '(') {
            depth++;
        } else if (open == '(' && c == ')') {
            if (--depth == 0) {
                *pos = i + 1;
                return;
            }
        } else if (open == '"' && c == '"' && i > *pos) {
            *pos = i + 1;
            return;
        }
    }
    *pos = len;
}

static int is_word_end(char c)
{
    return mwi_is_fws((unsigned char)c) || c == '(' || c == '"' || c == '<' ||
           c == ',';
}

/* A bracketed id: runs to '>' (or the end: unclosed). */
static void read_bracketed(mw_msgid_iter *it, mw_span *id, uint32_t *fl)
{
    size_t a = ++it->pos, b;
    while (it->pos < it->len && it->s[it->pos] != '>')
        it->pos++;
    b = it->pos;
    if (it->pos < it->len)
        it->pos++;
    else
        *fl |= MW_MSGID_UNCLOSED;
    while (a < b && mwi_is_fws((unsigned char)it->s[a]))
        a++;
    while (b > a && mwi_is_fws((unsigned char)it->s[b - 1]))
        b--;
    for (size_t i = a; i < b; i++)
        if (mwi_is_fws((unsigned char)it->s[i]) || it->s[i] == '(')
            *fl |= MW_MSGID_INNER_SPACE;
    id->ptr = it->s + a;
    id->len = b - a;
}

static int span_has_at(const char *s, size_t len)
{
    return memchr(s, '@', len) != NULL;
}

/* One step over the list: returns 1 when an id was found. */
static int msgid_step(mw_msgid_iter *it, mw_span *id, uint32_t *fl)
{
    char c = it->s[it->pos];
    if (mwi_is_fws((unsigned char)c) || c == ',') {
        it->pos++;
        return 0;
    }
    if (c == '(' || c == '"') {
        /* In-Reply-To phrases ("Your message of ...") are junk here. */
        if (c == '"')
            *fl |= MW_MSGID_JUNK_BEFORE;
        skip_delimited(it->s, it->len, &it->pos);
        return 0;
    }
    if (c == '<') {
        read_bracketed(it, id, fl);
        return 1;
    }
    size_t a = it->pos;
    while (it->pos < it->len && !is_word_end(it->s[it->pos]))
        it->pos++;
    if (it->pos == a)
        it->pos++; /* a lone '>' or similar stray byte */
    /* Tolerance: a bare word with '@' is an id without brackets; any other
     * word is phrase junk (RFC 5322 4.5.4). */
    if (span_has_at(it->s + a, it->pos - a)) {
        *fl |= MW_MSGID_NO_ANGLE;
        id->ptr = it->s + a;
        id->len = it->pos - a;
        return 1;
    }
    *fl |= MW_MSGID_JUNK_BEFORE;
    return 0;
}

mw_status mw_msgid_next(mw_msgid_iter *it, mw_span *id_out, uint32_t *flags_out)
{
    uint32_t fl = 0;
    if (!it || !id_out)
        return MW_E_ARG;
    while (it->pos < it->len) {
        if (!msgid_step(it, id_out, &fl))
            continue;
        if (!span_has_at(id_out->ptr, id_out->len))
            fl |= MW_MSGID_NO_AT;
        if (flags_out)
            *flags_out = fl;
        return MW_OK;
    }
    return MW_DONE;
}

/* dot-atom-text: atext runs separated by single dots (ASCII only). */
static int is_dot_atom_text(const char *s, size_t len)
{
    if (len == 0 || s[0] == '.' || s[len - 1] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '.' ? s[i + 1] == '.' : (c >= 0x80 || !mwi_is_atext(c)))
            return 0;
    }
    return 1;
}

static int is_no_fold_literal(const char *s, size_t len)
{
    if (len < 2 || s[0] != '[' || s[len - 1] != ']')
        return 0;
    for (size_t i = 1; i + 1 < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\')
            return 0;
    }
    return 1;
}

mw_status mw_msgid_format(const char *id, size_t len, mw_buf *out)
{
    if (!out || (!id && len))
        return MW_E_ARG;
    for (size_t i = 0; i < len; i++)
        if (id[i] == '\r' || id[i] == '\n' || id[i] == '\0')
            return MW_E_CRLF;
    const char *at = len ? memchr(id, '@', len) : NULL;
    if (!at)
        return MW_E_SYNTAX;
    size_t left = (size_t)(at - id), right = len - left - 1;
    if (!is_dot_atom_text(id, left) ||
        !(is_dot_atom_text(at + 1, right) || is_no_fold_literal(at + 1, right)))
        return MW_E_SYNTAX;
    mw_status st = mw_buf_reserve(out, len + 2);
    if (st != MW_OK)
        return st;
    out->data[out->len++] = '<';
    memcpy(out->data + out->len, id, len);
    out->len += len;
    out->data[out->len++] = '>';
    return MW_OK;
}

mw_status mwi_unquote(const char *raw, size_t len, int drop_line_breaks,
                      mw_buf *out)
{
    if (len == 0)
        return MW_OK;
    mw_status st = mw_buf_reserve(out, len);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        if (raw[i] == '\\' && i + 1 < len)
            i++;
        if (!drop_line_breaks || (raw[i] != '\r' && raw[i] != '\n'))
            *w++ = raw[i];
    }
    out->len = (size_t)(w - out->data);
    return MW_OK;
}
