/* Content-Type / Content-Disposition lexing (RFC 2045 section 5.1, RFC
 * 2183) for the streaming MIME parser, and the public parameter iterator. */
#include <string.h>

#include "mime_int.h"

static int is_wsp_or_eol(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_tspecial(unsigned char c)
{
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
        return 1;
    default:
        return 0;
    }
}

/* RFC 2045 token character. */
static int is_token(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !is_tspecial(c);
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
        if (v[i] == '"') {
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
                        mw_span *type, mw_span *subtype)
{
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
    for (size_t j = i; j < n && v[j] != ';' && v[j] != '('; j++) {
        if (v[j] == '\r' || v[j] == '\n')
            *escaped = 1;
        if (!is_wsp_or_eol((unsigned char)v[j]))
            end = j + 1;
    }
    return end;
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
