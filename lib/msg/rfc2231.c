/* MIME parameters: Content-Type splitting, the ;name=value iterator, and
 * parameter values decoded per RFC 2231 (continuations, charset and
 * language, percent-encoding) or, tolerated, per RFC 2047. */
#include <string.h>

#include "msg_int.h"

/* RFC 2045 token character: CHAR except SPACE, CTLs and tspecials. */
static int is_token_char(uint8_t c)
{
    return c > 0x20 && c < 0x7F && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Skip whitespace and comments (nesting is a counter; unclosed comments
 * run to the end). */
static size_t skip_cfws(const char *s, size_t len, size_t pos)
{
    size_t depth = 0;
    for (; pos < len; pos++) {
        char c = s[pos];
        if (depth == 0 && !mwi_is_fws((unsigned char)c) && c != '(')
            return pos;
        if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        else if (c == '\\' && depth > 0 && pos + 1 < len)
            pos++;
    }
    return len;
}

/* End of the quoted string whose opening quote is at pos: the index after
 * the closing quote, or len when unclosed. */
static size_t skip_quoted(const char *s, size_t len, size_t pos, int *closed)
{
    for (pos++; pos < len; pos++) {
        if (s[pos] == '\\' && pos + 1 < len) {
            pos++;
        } else if (s[pos] == '"') {
            *closed = 1;
            return pos + 1;
        }
    }
    *closed = 0;
    return len;
}

/* Index of the next ';' outside quotes and comments, or len. */
static size_t next_semicolon(const char *s, size_t len, size_t pos)
{
    int closed;
    while (pos < len && s[pos] != ';') {
        if (s[pos] == '"')
            pos = skip_quoted(s, len, pos, &closed);
        else if (s[pos] == '(')
            pos = skip_cfws(s, len, pos);
        else
            pos++;
    }
    return pos;
}

static size_t token_end(const char *s, size_t len, size_t pos)
{
    while (pos < len && is_token_char((uint8_t)s[pos]))
        pos++;
    return pos;
}

mw_status mw_content_type_parse(const char *value, size_t len,
                                mw_span *type_out, mw_span *subtype_out)
{
    if (!type_out || !subtype_out || (!value && len))
        return MW_E_ARG;
    size_t a = skip_cfws(value, len, 0), b = token_end(value, len, a);
    size_t c = skip_cfws(value, len, b);
    if (b == a || c >= len || value[c] != '/')
        return MW_E_SYNTAX;
    size_t d = skip_cfws(value, len, c + 1), e = token_end(value, len, d);
    if (e == d)
        return MW_E_SYNTAX;
    type_out->ptr = value + a;
    type_out->len = b - a;
    subtype_out->ptr = value + d;
    subtype_out->len = e - d;
    return MW_OK;
}

/* Whether a parameter (token followed by '=') starts at pos. */
static int param_starts(const char *s, size_t len, size_t pos)
{
    size_t e = token_end(s, len, pos);
    size_t eq = skip_cfws(s, len, e);
    return e > pos && eq < len && s[eq] == '=';
}

void mw_param_iter_init(mw_param_iter *it, const char *value, size_t len)
{
    if (!it)
        return;
    it->s = value;
    it->len = value ? len : 0;
    size_t p = token_end(it->s, it->len, skip_cfws(it->s, it->len, 0));
    p = skip_cfws(it->s, it->len, p);
    if (p < it->len && it->s[p] == '/')
        p = skip_cfws(
            it->s, it->len,
            token_end(it->s, it->len, skip_cfws(it->s, it->len, p + 1)));
    /* The RFC 2231 4.1 example itself has no ';' before its parameters. */
    it->pos =
        param_starts(it->s, it->len, p) ? p : next_semicolon(it->s, it->len, p);
}

/* A token value runs to ';' or a comment; broken mailers write unquoted
 * names with spaces, so inner whitespace is kept (and flagged). A new
 * `name=` after whitespace ends the value: mailers (and the examples of
 * RFC 2231 section 4.1) leave out the ';'. */
static void read_token_value(mw_param_iter *it, mw_span *v, uint32_t *fl)
{
    size_t a = it->pos, b = a;
    while (b < it->len && it->s[b] != ';' && it->s[b] != '(' &&
           it->s[b] != '"') {
        if (!mwi_is_fws((unsigned char)it->s[b])) {
            b++;
            continue;
        }
        size_t e = b;
        while (e < it->len && mwi_is_fws((unsigned char)it->s[e]))
            e++;
        if (param_starts(it->s, it->len, e))
            break;
        b = e;
    }
    it->pos = b;
    while (b > a && mwi_is_fws((unsigned char)it->s[b - 1]))
        b--;
    for (size_t i = a; i < b; i++)
        if (!is_token_char((uint8_t)it->s[i]))
            *fl |= MW_PARAM_JUNK;
    v->ptr = it->s + a;
    v->len = b - a;
}

static void read_quoted_value(mw_param_iter *it, mw_span *v, uint32_t *fl)
{
    int closed = 0;
    size_t a = it->pos + 1;
    it->pos = skip_quoted(it->s, it->len, it->pos, &closed);
    *fl |= MW_PARAM_QUOTED | (closed ? 0u : MW_PARAM_UNCLOSED);
    v->ptr = it->s + a;
    v->len = it->pos - a - (closed ? 1u : 0u);
}

/* Anything between a value and the next ';' other than CFWS is junk;
 * a missing ';' before the next `name=` is tolerated (and flagged). */
static void skip_to_next(mw_param_iter *it, uint32_t *fl)
{
    size_t p = skip_cfws(it->s, it->len, it->pos);
    if (p < it->len && it->s[p] != ';')
        *fl |= MW_PARAM_JUNK;
    if (p < it->len && param_starts(it->s, it->len, p))
        it->pos = p;
    else
        it->pos = next_semicolon(it->s, it->len, p);
}

mw_status mw_param_next(mw_param_iter *it, mw_span *name_out,
                        mw_span *value_out, uint32_t *flags_out)
{
    uint32_t fl = 0;
    if (!it || !name_out || !value_out)
        return MW_E_ARG;
    for (;;) {
        it->pos = skip_cfws(it->s, it->len, it->pos);
        while (it->pos < it->len && it->s[it->pos] == ';')
            it->pos = skip_cfws(it->s, it->len, it->pos + 1);
        if (it->pos >= it->len)
            return MW_DONE;
        size_t a = it->pos, b = token_end(it->s, it->len, a);
        if (b > a) {
            name_out->ptr = it->s + a;
            name_out->len = b - a;
            it->pos = skip_cfws(it->s, it->len, b);
            break;
        }
        /* No name where one belongs: skip to the next parameter. */
        it->pos = next_semicolon(it->s, it->len, a);
    }
    value_out->ptr = it->s + it->pos;
    value_out->len = 0;
    if (it->pos < it->len && it->s[it->pos] == '=') {
        it->pos = skip_cfws(it->s, it->len, it->pos + 1);
        if (it->pos < it->len && it->s[it->pos] == '"')
            read_quoted_value(it, value_out, &fl);
        else
            read_token_value(it, value_out, &fl);
    } else {
        fl |= MW_PARAM_NO_VALUE;
    }
    skip_to_next(it, &fl);
    if (flags_out)
        *flags_out = fl;
    return MW_OK;
}

mw_status mw_param_unquote(const char *raw, size_t len, mw_buf *out)
{
    if (!out || (!raw && len))
        return MW_E_ARG;
    return mwi_unquote(raw, len, 0, out);
}

/* ---- getting one decoded parameter ---- */

typedef struct param_part {
    mw_span value;
    uint32_t flags;
    uint8_t present;
    uint8_t extended; /* name ended in '*': charset'lang'percent form */
} param_part;

typedef struct param_set {
    param_part plain;  /* name=value */
    param_part single; /* name*=charset'lang'value */
    param_part sections[MW_PARAM_SECTIONS_MAX];
    uint32_t flags;
} param_set;

static void keep_first(param_part *p, const mw_span *v, uint32_t fl, int ext)
{
    if (p->present)
        return; /* the first occurrence wins, as in most mail readers */
    p->value = *v;
    p->flags = fl;
    p->present = 1;
    p->extended = (uint8_t)ext;
}

/* Sort a parameter into the set when its name is name, name* or name*N
 * or name*N*. */
static void classify(param_set *set, const mw_span *pn, const mw_span *v,
                     uint32_t fl, const char *name, size_t nlen)
{
    if (pn->len < nlen || !mwi_ieq(pn->ptr, nlen, name))
        return;
    const char *r = pn->ptr + nlen;
    size_t rl = pn->len - nlen, num = 0, i = 1;
    if (rl == 0) {
        keep_first(&set->plain, v, fl, 0);
        return;
    }
    if (r[0] != '*')
        return;
    if (rl == 1) {
        keep_first(&set->single, v, fl, 1);
        return;
    }
    for (; i < rl && mwi_is_digit((unsigned char)r[i]) && num < 100000; i++)
        num = num * 10 + (size_t)(r[i] - '0');
    if (i == 1 || !(i == rl || (i + 1 == rl && r[i] == '*')))
        return;
    if (num >= MW_PARAM_SECTIONS_MAX) {
        set->flags |= MW_PARAM_GAP; /* beyond the bound: ignored */
        return;
    }
    keep_first(&set->sections[num], v, fl, i + 1 == rl);
}

static void collect(param_set *set, const char *value, size_t len,
                    const char *name)
{
    mw_param_iter it;
    mw_span pn, pv;
    uint32_t fl;
    size_t nlen = strlen(name);
    mw_param_iter_init(&it, value, len);
    while (mw_param_next(&it, &pn, &pv, &fl) == MW_OK)
        classify(set, &pn, &pv, fl, name, nlen);
}

/* Percent-decode an RFC 2231 value; a bad escape is kept literally. */
static mw_status percent_decode(const mw_span *v, mw_buf *out, uint32_t *fl)
{
    if (v->len == 0)
        return MW_OK;
    mw_status st = mw_buf_reserve(out, v->len);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    for (size_t i = 0; i < v->len; i++) {
        int hi = -1, lo = -1;
        if (v->ptr[i] == '%' && i + 2 < v->len) {
            hi = mwi_hex_value((unsigned char)v->ptr[i + 1]);
            lo = mwi_hex_value((unsigned char)v->ptr[i + 2]);
        }
        if (hi >= 0 && lo >= 0) {
            *w++ = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        if (v->ptr[i] == '%')
            *fl |= MW_PARAM_REPAIRED;
        *w++ = v->ptr[i];
    }
    out->len = (size_t)(w - out->data);
    return MW_OK;
}

/* Append the raw bytes of one part: percent-decoded when extended,
 * unescaped when quoted, as is otherwise. */
static mw_status append_part(const param_part *p, const mw_span *v, mw_buf *out,
                             uint32_t *fl)
{
    if (p->extended)
        return percent_decode(v, out, fl);
    if (p->flags & MW_PARAM_QUOTED)
        return mw_param_unquote(v->ptr, v->len, out);
    return mw_buf_append(out, v->ptr, v->len);
}

/* Split charset'language'data; without the two quotes the whole value is
 * data in an unknown (taken as UTF-8) charset. */
static void split_extended(const mw_span *v, mw_span *cs, mw_span *data,
                           uint32_t *fl)
{
    const char *q1 = v->len ? memchr(v->ptr, '\'', v->len) : NULL;
    const char *q2 = NULL;
    if (q1)
        q2 = memchr(q1 + 1, '\'', (size_t)(v->ptr + v->len - q1 - 1));
    cs->ptr = v->ptr;
    cs->len = 0;
    *data = *v;
    if (!q2) {
        *fl |= MW_PARAM_REPAIRED;
        return;
    }
    cs->len = (size_t)(q1 - v->ptr);
    data->ptr = q2 + 1;
    data->len = (size_t)(v->ptr + v->len - data->ptr);
}

/* Convert the raw bytes at out[start..) from charset cs; a charset that
 * cannot be converted falls back to the bytes shown as UTF-8, with U+FFFD
 * for what is not UTF-8, so the value is never lost. */
static mw_status convert_or_show(mw_buf *out, size_t start, const mw_span *cs,
                                 const mw_charset_hook *hook, uint32_t *fl)
{
    /* An empty charset (`''`) says nothing: UTF-8 is the likely truth. */
    const char *name = cs->len ? cs->ptr : "utf-8";
    size_t nlen = cs->len ? cs->len : 5;
    int utf8 = mwi_ieq(name, nlen, "utf-8") || mwi_ieq(name, nlen, "utf8");
    if (utf8 && !mw_utf8_is_valid(mwi_at(out, start), out->len - start, NULL))
        *fl |= MW_PARAM_REPAIRED;
    mw_status st = mwi_convert_tail(out, start, name, nlen, hook);
    if (st == MW_E_UNSUPPORTED) {
        *fl |= MW_PARAM_UNDECODED;
        st = mwi_convert_tail(out, start, "utf-8", 5, NULL);
    }
    return st;
}

static mw_status decode_sections(const param_set *set, mw_buf *out,
                                 const mw_charset_hook *hook, uint32_t *fl)
{
    size_t start = out->len, n = 0;
    mw_span cs = {NULL, 0}, data;
    mw_status st = MW_OK;
    for (; n < MW_PARAM_SECTIONS_MAX && set->sections[n].present; n++) {
        const param_part *p = &set->sections[n];
        data = p->value;
        if (n == 0 && p->extended)
            split_extended(&p->value, &cs, &data, fl);
        st = append_part(p, &data, out, fl);
        if (st != MW_OK)
            return st;
    }
    for (size_t m = n; m < MW_PARAM_SECTIONS_MAX; m++)
        if (set->sections[m].present)
            *fl |= MW_PARAM_GAP; /* joined up to the first missing one */
    return convert_or_show(out, start, &cs, hook, fl);
}

static mw_status decode_single(const param_part *p, mw_buf *out,
                               const mw_charset_hook *hook, uint32_t *fl)
{
    size_t start = out->len;
    mw_span cs, data;
    split_extended(&p->value, &cs, &data, fl);
    mw_status st = percent_decode(&data, out, fl);
    return st == MW_OK ? convert_or_show(out, start, &cs, hook, fl) : st;
}

static int has_encoded_word(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '=' && s[i + 1] == '?')
            return 1;
    return 0;
}

static mw_status decode_plain(const param_part *p, mw_buf *out,
                              const mw_charset_hook *hook, uint32_t *fl)
{
    size_t start = out->len;
    mw_span none = {NULL, 0};
    mw_status st = append_part(p, &p->value, out, fl);
    if (st != MW_OK)
        return st;
    /* Outlook writes filename="=?utf-8?B?...?=": not RFC 2231, but every
     * mail reader decodes it. */
    if (has_encoded_word(mwi_at(out, start), out->len - start)) {
        *fl |= MW_PARAM_RFC2047;
        return mwi_decode_2047_tail(out, start, hook, NULL);
    }
    return convert_or_show(out, start, &none, hook, fl);
}

mw_status mw_mime_param_get(const char *value, size_t len, const char *name,
                            const mw_charset_hook *hook, mw_buf *out,
                            uint32_t *flags_out)
{
    param_set set;
    if (!out || !name || (!value && len))
        return MW_E_ARG;
    memset(&set, 0, sizeof(set));
    collect(&set, value, len, name);
    uint32_t fl = set.flags;
    size_t start = out->len;
    mw_status st;
    if (set.sections[0].present) {
        fl |= MW_PARAM_RFC2231;
        st = decode_sections(&set, out, hook, &fl);
    } else if (set.single.present) {
        fl |= MW_PARAM_RFC2231;
        st = decode_single(&set.single, out, hook, &fl);
    } else if (set.plain.present) {
        fl |= set.plain.flags;
        st = decode_plain(&set.plain, out, hook, &fl);
    } else {
        return MW_DONE;
    }
    if (st != MW_OK)
        return mwi_out_fail(out, start, st, mwi_decode_bound(len));
    if (flags_out)
        *flags_out = fl;
    return MW_OK;
}
