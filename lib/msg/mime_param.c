/* Content-Type / Content-Disposition lexing (RFC 2045 section 5.1, RFC
 * 2183) for the streaming MIME parser, and the public parameter iterator. */
#include <string.h>

#include "mime_int.h"

/* Character classes of the lexer, one table look-up per byte instead of a
 * chain of comparisons (values are short but there is one per entity). */
#define C_TOKEN 0x1u  /* RFC 2045 token character */
#define C_WS 0x2u     /* SP, HT, CR, LF */
#define C_SEMI 0x4u   /* ';' '"' '(': where next_semicolon looks closer */
#define C_QUOTED 0x8u /* '"' '\\' CR LF: where a quoted string looks closer */
#define C_UNQ 0x10u   /* ';' '(' CR LF: where an unquoted value looks closer */

/* clang-format off */
static const unsigned char char_class[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  2, 26,  0,  0, 26,  0,  0, /* 0x00 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0x10 */
     2,  1, 12,  1,  1,  1,  1,  1, 20,  0,  1,  1,  0,  1,  1,  0, /* 0x20 */
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0, 20,  0,  0,  0,  0, /* 0x30 */
     0,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1, /* 0x40 */
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0,  8,  0,  1,  1, /* 0x50 */
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1, /* 0x60 */
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0, /* 0x70 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0x80 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0x90 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0xa0 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0xb0 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0xc0 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0xd0 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0xe0 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, /* 0xf0 */
};
/* clang-format on */

static unsigned cls(char c)
{
    return char_class[(unsigned char)c];
}

static int is_wsp_or_eol(unsigned char c)
{
    return (char_class[c] & C_WS) != 0;
}

/* RFC 2045 token character. */
static int is_token(unsigned char c)
{
    return (char_class[c] & C_TOKEN) != 0;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Skip whitespace, line breaks and (nested) comments. An unterminated
 * comment runs to the end of the value (tolerated). */
static size_t skip_cfws(const char *v, size_t n, size_t i)
{
    while (i < n) {
        unsigned char c = (unsigned char)v[i];
        if (is_wsp_or_eol(c)) {
            i++;
            continue;
        }
        if (c != '(')
            break;
        unsigned depth = 0;
        for (; i < n; i++) {
            if (v[i] == '\\' && i + 1 < n) {
                i++;
            } else if (v[i] == '(') {
                depth++;
            } else if (v[i] == ')' && --depth == 0) {
                i++;
                break;
            }
        }
    }
    return i;
}

static size_t skip_token(const char *v, size_t n, size_t i)
{
    while (i < n && is_token((unsigned char)v[i]))
        i++;
    return i;
}

/* End of a quoted string whose opening quote is at i - 1; an unterminated
 * one runs to the end of the value (tolerated). Sets *escaped when it holds
 * a quoted-pair or a line break. */
static size_t quoted_end(const char *v, size_t n, size_t i, int *escaped)
{
    for (; i < n; i++) {
        if (!(cls(v[i]) & C_QUOTED))
            continue;
        if (v[i] == '\\' && i + 1 < n) {
            *escaped = 1;
            i++;
        } else if (v[i] == '\r' || v[i] == '\n') {
            *escaped = 1;
        } else if (v[i] == '"') {
            break;
        }
    }
    return i;
}

/* Index of the next ';' at or after i outside quoted strings and comments,
 * or n. */
static size_t next_semicolon(const char *v, size_t n, size_t i)
{
    int dummy = 0;
    while (i < n && v[i] != ';') {
        if (!(cls(v[i]) & C_SEMI)) {
            i++;
        } else if (v[i] == '"') {
            i = quoted_end(v, n, i + 1, &dummy);
            if (i < n)
                i++;
        } else if (v[i] == '(') {
            size_t j = skip_cfws(v, n, i);
            i = j > i ? j : i + 1;
        } else {
            i++;
        }
    }
    return i;
}

int mwi_mime_parse_head(const char *v, size_t n, int want_subtype,
                        mw_span *type, mw_span *subtype, size_t *end)
{
    *end = 0;
    size_t i = skip_cfws(v, n, 0);
    size_t t0 = i;
    i = skip_token(v, n, i);
    type->ptr = v + t0;
    type->len = i - t0;
    subtype->ptr = NULL;
    subtype->len = 0;
    if (type->len == 0)
        return 0;
    i = skip_cfws(v, n, i);
    if (want_subtype) {
        if (i >= n || v[i] != '/')
            return 0;
        i = skip_cfws(v, n, i + 1);
        size_t s0 = i;
        i = skip_token(v, n, i);
        subtype->ptr = v + s0;
        subtype->len = i - s0;
        if (subtype->len == 0)
            return 0;
        i = skip_cfws(v, n, i);
    }
    *end = i;
    /* Junk between the head and the first ';' is ignored, as most readers
     * do; only a missing or empty type/subtype makes the value invalid. */
    return 1;
}

/* Unquoted value: everything up to ';' or a comment, trailing whitespace
 * removed. RFC 2045 wants a token, but unquoted values with spaces (e.g.
 * file names) are common and every reader takes them whole. */
static size_t unquoted_end(const char *v, size_t n, size_t i, int *escaped)
{
    size_t end = i;
    for (size_t j = i; j < n; j++) {
        unsigned k = cls(v[j]);
        if (k & C_UNQ) {
            if (v[j] == ';' || v[j] == '(')
                break;
            *escaped = 1; /* a line break */
        }
        if (!(k & C_WS))
            end = j + 1;
    }
    return end;
}

static size_t skip_ws(const char *v, size_t n, size_t i)
{
    while (i < n && (cls(v[i]) & C_WS))
        i++;
    return i;
}

/* One "name=value" of the plain shape at v[i] (just after ';' and its
 * whitespace); returns the index after it, or 0 for any other shape. */
static size_t plain_param(const char *v, size_t n, size_t i,
                          mwi_mime_param *prm)
{
    size_t n0 = i;
    i = skip_token(v, n, i);
    if (i == n0 || i >= n || v[i] != '=')
        return 0;
    prm->name = mwi_mime_span(v + n0, i - n0);
    prm->needs_unescape = 0;
    i++;
    if (i < n && v[i] == '"') {
        size_t q0 = ++i;
        while (i < n && !(cls(v[i]) & C_QUOTED))
            i++;
        if (i >= n || v[i] != '"')
            return 0; /* escapes, line breaks or no closing quote */
        prm->value = mwi_mime_span(v + q0, i - q0);
        return i + 1;
    }
    size_t u0 = i;
    i = skip_token(v, n, i);
    if (i == u0)
        return 0;
    prm->value = mwi_mime_span(v + u0, i - u0);
    /* A line break before the next ';' would make the general path
     * unescape the value: only blanks may follow here. */
    while (i < n && mwi_mime_is_wsp(v[i]))
        i++;
    return i < n && v[i] != ';' ? 0 : i;
}

int mwi_mime_plain_params(const char *v, size_t n, mw_span *type,
                          mw_span *subtype, mwi_mime_param *params, int max)
{
    size_t i = skip_ws(v, n, 0);
    size_t t0 = i;
    i = skip_token(v, n, i);
    if (i == t0 || i >= n || v[i] != '/')
        return -1;
    *type = mwi_mime_span(v + t0, i - t0);
    size_t s0 = ++i;
    i = skip_token(v, n, i);
    if (i == s0)
        return -1;
    *subtype = mwi_mime_span(v + s0, i - s0);
    int count = 0;
    for (;;) {
        i = skip_ws(v, n, i);
        if (i == n)
            return count;
        if (v[i] != ';')
            return -1;
        i = skip_ws(v, n, i + 1);
        if (i == n)
            return count; /* a trailing ';' is no parameter */
        if (count == max)
            return -1;
        i = plain_param(v, n, i, &params[count]);
        if (i == 0)
            return -1;
        count++;
    }
}

size_t mwi_mime_params_after(const char *v, size_t n, size_t head_end)
{
    /* The head holds no quote and no ';', and comments end where
     * next_semicolon would end them: scanning from 0 stops at the same
     * place. */
    if (head_end == 0)
        return 0;
    return next_semicolon(v, n, head_end);
}

int mwi_mime_next_param(const char *v, size_t n, size_t *pos,
                        mwi_mime_param *param)
{
    size_t i = *pos;
    if (i == 0)
        i = next_semicolon(v, n, 0);
    while (i < n) {
        /* v[i] is ';' here. */
        i = skip_cfws(v, n, i + 1);
        size_t n0 = i;
        while (i < n && is_token((unsigned char)v[i]))
            i++;
        size_t n1 = i;
        i = skip_cfws(v, n, i);
        if (n1 == n0 || i >= n || v[i] != '=') {
            /* Malformed parameter (no name or no '='): skipped. */
            i = next_semicolon(v, n, i);
            continue;
        }
        i = skip_cfws(v, n, i + 1);
        int escaped = 0;
        size_t v0, v1;
        if (i < n && v[i] == '"') {
            v0 = i + 1;
            v1 = quoted_end(v, n, v0, &escaped);
        } else {
            v0 = i;
            v1 = unquoted_end(v, n, i, &escaped);
        }
        param->name.ptr = v + n0;
        param->name.len = n1 - n0;
        param->value.ptr = v + v0;
        param->value.len = v1 - v0;
        param->needs_unescape = escaped;
        /* Anything after the value up to the next ';' is ignored. */
        *pos = next_semicolon(v, n, v1 < n && v[v1] == '"' ? v1 + 1 : v1);
        if (*pos == 0)
            *pos = n; /* never hand back the "start" position */
        return 1;
    }
    *pos = n;
    return 0;
}

size_t mwi_mime_unescape(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n)
            c = s[++i];
        else if (c == '\r' || c == '\n')
            continue; /* folding inside a value is removed */
        out[k++] = c;
    }
    return k;
}

size_t mwi_mime_cte_token(const char *v, size_t n, char *out, size_t cap)
{
    size_t i = skip_cfws(v, n, 0);
    size_t t0 = i;
    i = skip_token(v, n, i);
    size_t len = i - t0;
    for (size_t k = 0; k < len && k < cap; k++)
        out[k] = (char)lower((unsigned char)v[t0 + k]);
    return len;
}

mw_status mw_mime_param_next(const char *value, size_t value_len, size_t *pos,
                             mw_span *param_name, mw_span *param_value,
                             mw_buf *scratch)
{
    if (!pos || !param_name || !param_value || (!value && value_len))
        return MW_E_ARG;
    if (*pos > value_len)
        return MW_E_ARG;
    size_t next = *pos;
    mwi_mime_param prm;
    if (!mwi_mime_next_param(value, value_len, &next, &prm)) {
        *pos = next;
        return MW_DONE;
    }
    *param_name = prm.name;
    *param_value = prm.value;
    if (prm.needs_unescape && scratch) {
        size_t start = scratch->len;
        mw_status st = mw_buf_reserve(scratch, prm.value.len);
        if (st != MW_OK)
            return st;
        size_t k = mwi_mime_unescape(prm.value.ptr, prm.value.len,
                                     scratch->data + start);
        scratch->len = start + k;
        param_value->ptr = scratch->data + start;
        param_value->len = k;
    }
    *pos = next;
    return MW_OK;
}

const char *mw_mime_defect_name(uint32_t flag)
{
    static const char *const names[] = {"bare-lf",
                                        "no-final-boundary",
                                        "boundary-junk",
                                        "no-mime-version",
                                        "8bit-header",
                                        "bad-base64",
                                        "bad-qp",
                                        "no-boundary",
                                        "no-separator",
                                        "bad-header",
                                        "nul",
                                        "empty",
                                        "long-header",
                                        "too-many-headers",
                                        "too-deep",
                                        "too-many-parts",
                                        "unknown-cte",
                                        "bad-content-type",
                                        "no-start-boundary"};
    for (size_t i = 0; i < MWI_ARRAY_LEN(names); i++) {
        if (flag == (1u << i))
            return names[i];
    }
    return NULL;
}
