/* IMAP serializers: strings (atom / quoted / literal chosen by content),
 * value trees and whole units. Everything is checked against what the
 * parser in imap_parser.c would read back; output is built in a scratch
 * buffer and appended whole. */
#include <string.h>

#include "imap_int.h"
#include "mw_int.h"

/* Nesting the tree writer follows before giving up (MW_E_LIMIT). */
#define WRITE_DEPTH_MAX 256

static mw_status put(mw_buf *o, const char *s, size_t n)
{
    return mw_buf_append(o, s, n);
}

/* Characters written bare in an astring: ATOM-CHAR without the brackets,
 * which the lexer treats specially in sections and response codes. */
static int safe_atom_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return 0;
    return !strchr("(){%*\"\\[]", c);
}

static mw_status literal_header(mw_buf *o, uint64_t len, int lit8, int plus)
{
    mw_status st = lit8 ? put(o, "~{", 2) : put(o, "{", 1);
    if (st == MW_OK)
        st = mwi_imap_put_u64(o, len);
    if (st == MW_OK && plus)
        st = put(o, "+", 1);
    if (st == MW_OK)
        st = put(o, "}\r\n", 3);
    return st;
}

static mw_status string_to(const char *s, size_t len, uint32_t flags, mw_buf *o)
{
    if (!s)
        return len ? MW_E_ARG : put(o, "NIL", 3);
    int nul = 0, crlf = 0, high = 0, atom = len > 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        nul |= c == 0;
        crlf |= c == '\r' || c == '\n';
        high |= c >= 0x80;
        atom &= safe_atom_char(c);
    }
    int plus = (flags & MW_IMAP_STR_LITERAL_PLUS) != 0;
    mw_status st;
    if (nul) {
        if (!(flags & MW_IMAP_STR_BINARY))
            return MW_E_ARG;
        st = literal_header(o, len, 1, 0);
        return st == MW_OK ? put(o, s, len) : st;
    }
    if (!(flags & MW_IMAP_STR_FORCE_LITERAL)) {
        if ((flags & MW_IMAP_STR_ASTRING) && atom &&
            !mwi_imap_span_is(s, len, "NIL"))
            return put(o, s, len);
        if (!crlf && (!high || (flags & MW_IMAP_STR_UTF8)) &&
            len <= MW_IMAP_QUOTED_MAX) {
            st = put(o, "\"", 1);
            for (size_t i = 0; st == MW_OK && i < len; i++) {
                if (s[i] == '"' || s[i] == '\\')
                    st = put(o, "\\", 1);
                if (st == MW_OK)
                    st = put(o, s + i, 1);
            }
            return st == MW_OK ? put(o, "\"", 1) : st;
        }
    }
    st = literal_header(o, len, 0, plus);
    return st == MW_OK ? put(o, s, len) : st;
}

typedef struct string_arg {
    const char *s;
    size_t len;
} string_arg;

static mw_status write_string(const void *value, uint32_t flags, mw_buf *out)
{
    const string_arg *arg = value;
    return string_to(arg->s, arg->len, flags, out);
}

mw_status mw_imap_string_write(const char *s, size_t len, uint32_t flags,
                               mw_buf *out)
{
    if (!out)
        return MW_E_ARG;
    string_arg arg = {s, len};
    return mwi_imap_write_whole(write_string, &arg, flags, out);
}

/* ------------------------------------------------------------------ */
/* Trees                                                               */
/* ------------------------------------------------------------------ */

static mw_status atom_to(const mw_imap_value *v, int bracket, mw_buf *o)
{
    const char *s = v->str.ptr;
    if (v->str.len == 0 || !s)
        return MW_E_ARG;
    for (size_t i = 0; i < v->str.len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!mwi_imap_atom_char(c) || (bracket && c == ']'))
            return MW_E_ARG;
        if (c == '[' && mwi_imap_is_section_name(s, i))
            return MW_E_ARG;
    }
    return put(o, s, v->str.len);
}

static mw_status value_to(const mw_imap_value *v, uint32_t flags, int bracket,
                          int depth, mw_buf *o);

static mw_status children_to(const mw_imap_value *v, uint32_t flags,
                             int bracket, int depth, mw_buf *o)
{
    const mw_imap_value *c = v + 1;
    const mw_imap_value *end = v + v->subtree;
    mw_status st = MW_OK;
    for (uint32_t i = 0; st == MW_OK && i < v->count; i++) {
        if (c >= end || c->subtree == 0 || c + c->subtree > end)
            return MW_E_ARG;
        if (i)
            st = put(o, " ", 1);
        if (st == MW_OK)
            st = value_to(c, flags, bracket, depth + 1, o);
        c += c->subtree;
    }
    if (st == MW_OK && c != end)
        return MW_E_ARG;
    return st;
}

static mw_status section_to(const mw_imap_value *v, uint32_t flags, int depth,
                            mw_buf *o)
{
    if (!v->str.ptr || !mwi_imap_is_section_name(v->str.ptr, v->str.len))
        return MW_E_ARG;
    mw_status st = put(o, v->str.ptr, v->str.len);
    if (st == MW_OK)
        st = put(o, "[", 1);
    if (st == MW_OK)
        st = children_to(v, flags, 1, depth, o);
    if (st == MW_OK)
        st = put(o, "]", 1);
    if (st == MW_OK && (v->flags & MW_IMAP_VF_PARTIAL)) {
        st = put(o, "<", 1);
        if (st == MW_OK)
            st = mwi_imap_put_u64(o, v->num);
        if (st == MW_OK && (v->flags & MW_IMAP_VF_PARTIAL_LEN)) {
            st = put(o, ".", 1);
            if (st == MW_OK)
                st = mwi_imap_put_u64(o, v->num2);
        }
        if (st == MW_OK)
            st = put(o, ">", 1);
    }
    return st;
}

static mw_status code_to(const mw_imap_value *v, uint32_t flags, int depth,
                         mw_buf *o)
{
    if (v->str.len == 0 || !v->str.ptr)
        return MW_E_ARG;
    for (size_t i = 0; i < v->str.len; i++) {
        unsigned char c = (unsigned char)v->str.ptr[i];
        if (!mwi_imap_atom_char(c) || c == '[' || c == ']')
            return MW_E_ARG;
    }
    mw_status st = put(o, "[", 1);
    if (st == MW_OK)
        st = put(o, v->str.ptr, v->str.len);
    if (st == MW_OK && v->count)
        st = put(o, " ", 1);
    if (st == MW_OK)
        st = children_to(v, flags, 1, depth, o);
    return st == MW_OK ? put(o, "]", 1) : st;
}

static mw_status text_to(const mw_imap_value *v, mw_buf *o)
{
    for (size_t i = 0; i < v->str.len; i++) {
        char c = v->str.ptr[i];
        if (c == '\r' || c == '\n' || c == 0)
            return MW_E_ARG;
    }
    return put(o, v->str.ptr, v->str.len);
}

static mw_status value_to(const mw_imap_value *v, uint32_t flags, int bracket,
                          int depth, mw_buf *o)
{
    if (depth > WRITE_DEPTH_MAX)
        return MW_E_LIMIT;
    if (v->subtree == 0 || (v->str.len && !v->str.ptr))
        return MW_E_ARG;
    uint32_t sflags = (flags & MW_IMAP_WRITE_UTF8) ? MW_IMAP_STR_UTF8 : 0;
    switch (v->type) {
    case MW_IMAP_V_ATOM:
        return v->count ? MW_E_ARG : atom_to(v, bracket, o);
    case MW_IMAP_V_QUOTED:
    case MW_IMAP_V_LITERAL:
        if (v->count || (v->flags & MW_IMAP_VF_STREAMED))
            return MW_E_ARG;
        if (v->flags & MW_IMAP_VF_LIT8) {
            mw_status st = literal_header(o, v->str.len, 1, 0);
            return st == MW_OK ? put(o, v->str.ptr, v->str.len) : st;
        }
        /* A literal stays a literal (message data keeps its form); a
         * quoted string stays quoted unless its content forbids it. */
        if (v->type == MW_IMAP_V_LITERAL)
            sflags |= MW_IMAP_STR_FORCE_LITERAL;
        return string_to(v->str.ptr ? v->str.ptr : "", v->str.len, sflags, o);
    case MW_IMAP_V_LIST: {
        mw_status st = put(o, "(", 1);
        if (st == MW_OK)
            st = children_to(v, flags, 0, depth, o);
        return st == MW_OK ? put(o, ")", 1) : st;
    }
    case MW_IMAP_V_SECTION:
        return section_to(v, flags, depth, o);
    case MW_IMAP_V_CODE:
        return code_to(v, flags, depth, o);
    case MW_IMAP_V_TEXT:
        return v->count ? MW_E_ARG : text_to(v, o);
    default:
        return MW_E_ARG;
    }
}

static mw_status write_value(const void *value, uint32_t flags, mw_buf *out)
{
    return value_to(value, flags, 0, 0, out);
}

mw_status mw_imap_value_write(const mw_imap_value *v, uint32_t flags,
                              mw_buf *out)
{
    if (!v || !out)
        return MW_E_ARG;
    return mwi_imap_write_whole(write_value, v, flags, out);
}

/* ------------------------------------------------------------------ */
/* Units                                                               */
/* ------------------------------------------------------------------ */

static int is_status(const mw_imap_unit *u)
{
    const mw_imap_value *v = u->values;
    if (u->n_top == 0)
        return 0;
    if (mw_imap_value_is_atom(v, "OK") || mw_imap_value_is_atom(v, "NO") ||
        mw_imap_value_is_atom(v, "BAD"))
        return 1;
    return u->kind == MW_IMAP_UNIT_UNTAGGED &&
           (mw_imap_value_is_atom(v, "PREAUTH") ||
            mw_imap_value_is_atom(v, "BYE"));
}

/* Check that the CODE / TEXT nodes sit where the lexer would put them:
 * right after a status word (or "+"), code first, text last. */
static mw_status check_layout(const mw_imap_unit *u)
{
    uint32_t rtext_from = UINT32_MAX;
    if (u->kind == MW_IMAP_UNIT_CONTINUATION)
        rtext_from = 0;
    else if ((u->kind == MW_IMAP_UNIT_TAGGED ||
              u->kind == MW_IMAP_UNIT_UNTAGGED) &&
             is_status(u))
        rtext_from = 1;
    const mw_imap_value *v = u->values;
    for (uint32_t i = 0; i < u->n_top; i++, v += v->subtree) {
        if (v->subtree == 0 ||
            (size_t)(v - u->values) + v->subtree > u->n_values)
            return MW_E_ARG;
        if (i < rtext_from) {
            if (v->type == MW_IMAP_V_CODE || v->type == MW_IMAP_V_TEXT)
                return MW_E_ARG;
            continue;
        }
        if (v->type == MW_IMAP_V_CODE && i == rtext_from)
            continue;
        if (v->type != MW_IMAP_V_TEXT || i + 1 != u->n_top || v->str.len == 0)
            return MW_E_ARG;
        /* Text right after the status word must not look like a code. */
        if (i == rtext_from && v->str.ptr[0] == '[')
            return MW_E_ARG;
    }
    if ((size_t)(v - u->values) != u->n_values)
        return MW_E_ARG;
    return MW_OK;
}

static mw_status sasl_to(const mw_imap_unit *u, mw_buf *o)
{
    if (u->n_top != 1 || u->n_values != 1 ||
        u->values[0].type != MW_IMAP_V_TEXT)
        return MW_E_ARG;
    const mw_imap_value *v = u->values;
    for (size_t i = 0; i < v->str.len; i++) {
        unsigned char c = (unsigned char)v->str.ptr[i];
        if (c <= ' ' || c == 0x7f)
            return MW_E_ARG;
    }
    mw_status st = text_to(v, o);
    return st == MW_OK ? put(o, "\r\n", 2) : st;
}

static mw_status unit_to(const mw_imap_unit *u, uint32_t flags, mw_buf *o)
{
    mw_status st;
    switch (u->kind) {
    case MW_IMAP_UNIT_SASL:
        return sasl_to(u, o);
    case MW_IMAP_UNIT_DONE:
        return u->n_top ? MW_E_ARG : put(o, "DONE\r\n", 6);
    case MW_IMAP_UNIT_TAGGED:
    case MW_IMAP_UNIT_COMMAND:
        if (!mwi_imap_tag_ok(u->tag) || u->n_top == 0)
            return MW_E_ARG;
        st = put(o, u->tag.ptr, u->tag.len);
        break;
    case MW_IMAP_UNIT_UNTAGGED:
        if (u->n_top == 0)
            return MW_E_ARG;
        st = put(o, "*", 1);
        break;
    case MW_IMAP_UNIT_CONTINUATION:
        st = put(o, "+", 1);
        if (st == MW_OK && u->n_top == 0)
            st = put(o, " ", 1);
        break;
    default:
        return MW_E_ARG;
    }
    if (st == MW_OK)
        st = check_layout(u);
    const mw_imap_value *v = u->values;
    for (uint32_t i = 0; st == MW_OK && i < u->n_top; i++) {
        st = put(o, " ", 1);
        if (st == MW_OK)
            st = value_to(v, flags, 0, 0, o);
        v += v->subtree;
    }
    return st == MW_OK ? put(o, "\r\n", 2) : st;
}

static mw_status write_unit(const void *value, uint32_t flags, mw_buf *out)
{
    return unit_to(value, flags, out);
}

mw_status mw_imap_unit_write(const mw_imap_unit *u, uint32_t flags, mw_buf *out)
{
    if (!u || !out || (u->n_values && !u->values))
        return MW_E_ARG;
    return mwi_imap_write_whole(write_unit, u, flags, out);
}
