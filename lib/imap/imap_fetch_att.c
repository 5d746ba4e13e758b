/* Typed FETCH attribute lists: decoding from the generic value tree
 * (mirroring fetch_att() and section_ok() of imap_cmd.c), the canonical
 * writer and value equality. */
#include <string.h>

#include "imap_int.h"
#include "imap_search_int.h"
#include "mw_int.h"

typedef struct att_name {
    const char *name;
    uint32_t type;
} att_name;

/* Attributes written as a bare atom. */
static const att_name plain_atts[] = {
    {"FLAGS", MW_IMAP_FETCH_ATT_FLAGS},
    {"INTERNALDATE", MW_IMAP_FETCH_ATT_INTERNALDATE},
    {"RFC822", MW_IMAP_FETCH_ATT_RFC822},
    {"RFC822.HEADER", MW_IMAP_FETCH_ATT_RFC822_HEADER},
    {"RFC822.SIZE", MW_IMAP_FETCH_ATT_RFC822_SIZE},
    {"RFC822.TEXT", MW_IMAP_FETCH_ATT_RFC822_TEXT},
    {"ENVELOPE", MW_IMAP_FETCH_ATT_ENVELOPE},
    {"BODY", MW_IMAP_FETCH_ATT_BODY},
    {"BODYSTRUCTURE", MW_IMAP_FETCH_ATT_BODYSTRUCTURE},
    {"UID", MW_IMAP_FETCH_ATT_UID},
    {"MODSEQ", MW_IMAP_FETCH_ATT_MODSEQ},
    {"EMAILID", MW_IMAP_FETCH_ATT_EMAILID},
    {"THREADID", MW_IMAP_FETCH_ATT_THREADID},
    {"SAVEDATE", MW_IMAP_FETCH_ATT_SAVEDATE},
};

/* Attributes written as NAME[section]. */
static const att_name section_atts[] = {
    {"BODY", MW_IMAP_FETCH_ATT_BODY_SECTION},
    {"BODY.PEEK", MW_IMAP_FETCH_ATT_BODY_PEEK},
    {"BINARY", MW_IMAP_FETCH_ATT_BINARY},
    {"BINARY.PEEK", MW_IMAP_FETCH_ATT_BINARY_PEEK},
    {"BINARY.SIZE", MW_IMAP_FETCH_ATT_BINARY_SIZE},
};

static const char *const macro_names[] = {NULL, "ALL", "FAST", "FULL"};

/* Section texts by MW_IMAP_SECTION_* value. */
static const char *const spec_names[] = {
    NULL, "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME",
};

static uint32_t lookup(const att_name *t, size_t n, mw_span s, uint32_t none)
{
    for (size_t i = 0; i < n; i++)
        if (mwi_imap_span_is(s.ptr, s.len, t[i].name))
            return t[i].type;
    return none;
}

static const char *name_of(const att_name *t, size_t n, uint32_t type)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].type == type)
            return t[i].name;
    return NULL;
}

static uint32_t macro_of(mw_span s)
{
    for (uint32_t m = 1; m < MWI_ARRAY_LEN(macro_names); m++)
        if (mwi_imap_span_is(s.ptr, s.len, macro_names[m]))
            return m;
    return MW_IMAP_FETCH_MACRO_NONE;
}

static int is_section_type(uint32_t type)
{
    return type >= MW_IMAP_FETCH_ATT_BODY_SECTION &&
           type <= MW_IMAP_FETCH_ATT_BINARY_SIZE;
}

static int is_binary_type(uint32_t type)
{
    return type >= MW_IMAP_FETCH_ATT_BINARY &&
           type <= MW_IMAP_FETCH_ATT_BINARY_SIZE;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */
/* ------------------------------------------------------------------ */

static mw_status bad(const mw_imap_value *v, mw_imap_error *err)
{
    if (err) {
        err->offset = v->offset;
        err->expected = "fetch attribute";
    }
    return MW_E_SYNTAX;
}

/* Length of the leading "nz-number *('.' nz-number)" of \p s, as
 * section_part() in the validator; 0 when there is none. */
static size_t part_prefix(const char *s, size_t len)
{
    size_t i = 0, last = 0;
    while (i < len && s[i] >= '1' && s[i] <= '9') {
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        last = i;
        if (i < len && s[i] == '.')
            i++;
        else
            break;
    }
    return last;
}

static mw_status parts_decode(const mw_imap_value *at, const char *s,
                              size_t len, mwi_imap_arena *a,
                              mw_imap_fetch_section *sec, mw_imap_error *err)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '.';
    uint32_t *parts = mwi_imap_arena_array(a, n, sizeof(*parts));
    if (!parts)
        return MW_E_NOMEM;
    size_t k = 0;
    uint64_t v = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            parts[k++] = (uint32_t)v;
            v = 0;
            continue;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
        /* The grammar's nz-number has no bound; typed parts are 32-bit. */
        if (v > UINT32_MAX) {
            if (err) {
                err->offset = at->offset;
                err->expected = "smaller part number";
            }
            return MW_E_LIMIT;
        }
    }
    sec->parts = parts;
    sec->n_parts = (uint32_t)n;
    return MW_OK;
}

static mw_status fields_decode(const mw_imap_value *list, mwi_imap_arena *a,
                               mw_imap_fetch_section *sec, mw_imap_error *err)
{
    mw_span *f = mwi_imap_arena_array(a, list->count, sizeof(*f));
    if (!f)
        return MW_E_NOMEM;
    const mw_imap_value *h = list + 1;
    for (uint32_t i = 0; i < list->count; i++, h += h->subtree) {
        mw_status st = mwi_imap_typed_take_string(h, &f[i], err);
        if (st != MW_OK)
            return st;
    }
    sec->fields = f;
    sec->n_fields = list->count;
    return MW_OK;
}

static int header_list_ok(const mw_imap_value *v)
{
    if (v->type != MW_IMAP_V_LIST || v->count == 0)
        return 0;
    const mw_imap_value *h = v + 1;
    for (uint32_t i = 0; i < v->count; i++, h += h->subtree)
        if (h->type != MW_IMAP_V_ATOM && !mw_imap_value_is_string(h))
            return 0;
    return 1;
}

static uint32_t spec_of(const char *t, size_t tl)
{
    for (uint32_t i = 1; i < MWI_ARRAY_LEN(spec_names); i++)
        if (mwi_imap_span_is(t, tl, spec_names[i]))
            return i;
    return MW_IMAP_SECTION_NONE;
}

/* Whether section text \p spec may follow \p part numbers with \p count
 * tokens inside the brackets, per section_ok() of the validator. */
static int spec_fits(uint32_t spec, size_t part, uint32_t count,
                     const mw_imap_value *list)
{
    switch (spec) {
    case MW_IMAP_SECTION_HEADER_FIELDS:
    case MW_IMAP_SECTION_HEADER_FIELDS_NOT:
        return count == 2 && header_list_ok(list);
    case MW_IMAP_SECTION_HEADER:
    case MW_IMAP_SECTION_TEXT:
        return count == 1;
    case MW_IMAP_SECTION_MIME:
        return count == 1 && part;
    default:
        return 0;
    }
}

static mw_status section_decode(const mw_imap_value *s, int binary,
                                mwi_imap_arena *a, mw_imap_fetch_section *sec,
                                mw_imap_error *err)
{
    if (s->count == 0)
        return MW_OK;
    const mw_imap_value *tok = s + 1;
    if (tok->type != MW_IMAP_V_ATOM || s->count > 2)
        return bad(s, err);
    const char *txt = tok->str.ptr;
    size_t part = part_prefix(txt, tok->str.len);
    const char *t = txt + part;
    size_t tl = tok->str.len - part;
    if (part && tl) {
        if (t[0] != '.' || tl == 1)
            return bad(s, err);
        t++;
        tl--;
    }
    if (tl == 0) {
        if (!part || s->count != 1)
            return bad(s, err);
    } else {
        if (binary)
            return bad(s, err);
        sec->spec = spec_of(t, tl);
        if (!spec_fits(sec->spec, part, s->count, tok + 1))
            return bad(s, err);
    }
    mw_status st = MW_OK;
    if (part)
        st = parts_decode(s, txt, part, a, sec, err);
    if (st == MW_OK && s->count == 2)
        st = fields_decode(tok + 1, a, sec, err);
    return st;
}

static mw_status att_decode(const mw_imap_value *v, mwi_imap_arena *a,
                            mw_imap_fetch_att *att, mw_imap_error *err)
{
    if (v->type == MW_IMAP_V_SECTION) {
        att->type = lookup(section_atts, MWI_ARRAY_LEN(section_atts), v->str,
                           MW_IMAP_FETCH_ATT_OTHER);
        int partial = (v->flags & MW_IMAP_VF_PARTIAL) != 0;
        /* Commands carry partials with a length (RFC 9051 `partial`);
         * BINARY.SIZE takes none. */
        if (att->type == MW_IMAP_FETCH_ATT_OTHER ||
            (partial && !(v->flags & MW_IMAP_VF_PARTIAL_LEN)) ||
            (partial && att->type == MW_IMAP_FETCH_ATT_BINARY_SIZE))
            return bad(v, err);
        if (partial) {
            att->has_partial = 1;
            att->origin = v->num;
            att->length = v->num2;
        }
        return section_decode(v, is_binary_type(att->type), a, &att->section,
                              err);
    }
    if (v->type != MW_IMAP_V_ATOM ||
        (v->flags & (MW_IMAP_VF_NIL | MW_IMAP_VF_NUMBER)))
        return bad(v, err);
    /* Any other atom is kept: servers add their own attributes and the
     * grammar is extensible, as the validator allows. */
    att->type = lookup(plain_atts, MWI_ARRAY_LEN(plain_atts), v->str,
                       MW_IMAP_FETCH_ATT_OTHER);
    if (att->type == MW_IMAP_FETCH_ATT_OTHER)
        att->name = v->str;
    return MW_OK;
}

mw_status mwi_imap_fetch_atts_decode(const mw_imap_value *v, mwi_imap_arena *a,
                                     mw_imap_fetch_atts *out,
                                     mw_imap_error *err)
{
    if (!v || !a || !out)
        return MW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (v->type == MW_IMAP_V_ATOM) {
        out->macro = macro_of(v->str);
        if (out->macro != MW_IMAP_FETCH_MACRO_NONE)
            return MW_OK;
    }
    if (v->type != MW_IMAP_V_LIST) {
        mw_imap_fetch_att *att = mwi_imap_arena_alloc(a, sizeof(*att));
        if (!att)
            return MW_E_NOMEM;
        mw_status st = att_decode(v, a, att, err);
        if (st != MW_OK)
            return st;
        out->atts = att;
        out->n_atts = 1;
        return MW_OK;
    }
    if (v->count == 0)
        return bad(v, err);
    mw_imap_fetch_att *atts = mwi_imap_arena_array(a, v->count, sizeof(*atts));
    if (!atts)
        return MW_E_NOMEM;
    const mw_imap_value *c = v + 1;
    for (uint32_t i = 0; i < v->count; i++, c += c->subtree) {
        mw_status st = att_decode(c, a, &atts[i], err);
        if (st != MW_OK)
            return st;
    }
    out->atts = atts;
    out->n_atts = v->count;
    out->parenthesized = 1;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static mw_status put(mw_buf *o, const char *s)
{
    return mw_buf_append(o, s, strlen(s));
}

/* An OTHER name must read back as the same OTHER attribute: one plain
 * atom, not NIL or a number (the validator refuses those), not a known
 * attribute, and not a macro where a macro would be read. */
static int other_name_ok(mw_span n, int parenthesized)
{
    if (!mwi_imap_typed_atom_ok(n.ptr, n.len) ||
        mwi_imap_span_is(n.ptr, n.len, "NIL") ||
        mwi_imap_typed_is_number(n.ptr, n.len))
        return 0;
    if (lookup(plain_atts, MWI_ARRAY_LEN(plain_atts), n,
               MW_IMAP_FETCH_ATT_OTHER) != MW_IMAP_FETCH_ATT_OTHER)
        return 0;
    return parenthesized || macro_of(n) == MW_IMAP_FETCH_MACRO_NONE;
}

static int section_valid(uint32_t type, const mw_imap_fetch_section *s)
{
    if (s->spec >= MWI_ARRAY_LEN(spec_names) || (s->n_parts && !s->parts))
        return 0;
    for (uint32_t i = 0; i < s->n_parts; i++)
        if (s->parts[i] == 0)
            return 0;
    int fields = s->spec == MW_IMAP_SECTION_HEADER_FIELDS ||
                 s->spec == MW_IMAP_SECTION_HEADER_FIELDS_NOT;
    if (fields ? (s->n_fields == 0 || !s->fields) : s->n_fields != 0)
        return 0;
    if (is_binary_type(type) && s->spec != MW_IMAP_SECTION_NONE)
        return 0;
    return s->spec != MW_IMAP_SECTION_MIME || s->n_parts > 0;
}

static mw_status section_to(const mw_imap_fetch_section *s, uint32_t flags,
                            mw_buf *o)
{
    mw_status st = mw_buf_append_byte(o, '[');
    for (uint32_t i = 0; st == MW_OK && i < s->n_parts; i++) {
        if (i)
            st = mw_buf_append_byte(o, '.');
        if (st == MW_OK)
            st = mwi_imap_put_u64(o, s->parts[i]);
    }
    if (st == MW_OK && s->spec != MW_IMAP_SECTION_NONE) {
        if (s->n_parts)
            st = mw_buf_append_byte(o, '.');
        if (st == MW_OK)
            st = put(o, spec_names[s->spec]);
    }
    if (st == MW_OK && s->n_fields)
        st = put(o, " (");
    for (uint32_t i = 0; st == MW_OK && i < s->n_fields; i++) {
        if (i)
            st = mw_buf_append_byte(o, ' ');
        if (st == MW_OK)
            st = mwi_imap_typed_string(s->fields[i], 1, flags, o);
    }
    if (st == MW_OK && s->n_fields)
        st = mw_buf_append_byte(o, ')');
    return st == MW_OK ? mw_buf_append_byte(o, ']') : st;
}

static mw_status partial_to(const mw_imap_fetch_att *att, mw_buf *o)
{
    mw_status st = mw_buf_append_byte(o, '<');
    if (st == MW_OK)
        st = mwi_imap_put_u64(o, att->origin);
    if (st == MW_OK)
        st = mw_buf_append_byte(o, '.');
    if (st == MW_OK)
        st = mwi_imap_put_u64(o, att->length);
    return st == MW_OK ? mw_buf_append_byte(o, '>') : st;
}

static int section_empty(const mw_imap_fetch_section *s)
{
    return s->n_parts == 0 && s->spec == MW_IMAP_SECTION_NONE &&
           s->n_fields == 0;
}

static mw_status att_to(const mw_imap_fetch_att *att, int parenthesized,
                        uint32_t flags, mw_buf *o)
{
    if (att->has_partial > 1)
        return MW_E_ARG;
    if (!is_section_type(att->type)) {
        if (att->has_partial || !section_empty(&att->section))
            return MW_E_ARG;
        if (att->type == MW_IMAP_FETCH_ATT_OTHER)
            return other_name_ok(att->name, parenthesized)
                       ? mw_buf_append(o, att->name.ptr, att->name.len)
                       : MW_E_ARG;
        const char *name =
            name_of(plain_atts, MWI_ARRAY_LEN(plain_atts), att->type);
        return name ? put(o, name) : MW_E_ARG;
    }
    if (!section_valid(att->type, &att->section) ||
        (att->has_partial && att->type == MW_IMAP_FETCH_ATT_BINARY_SIZE))
        return MW_E_ARG;
    mw_status st =
        put(o, name_of(section_atts, MWI_ARRAY_LEN(section_atts), att->type));
    if (st == MW_OK)
        st = section_to(&att->section, flags, o);
    if (st == MW_OK && att->has_partial)
        st = partial_to(att, o);
    return st;
}

static mw_status atts_to(const mw_imap_fetch_atts *f, uint32_t flags, mw_buf *o)
{
    if (f->macro >= MWI_ARRAY_LEN(macro_names) || f->parenthesized > 1)
        return MW_E_ARG;
    if (f->macro != MW_IMAP_FETCH_MACRO_NONE)
        return f->n_atts || f->parenthesized ? MW_E_ARG
                                             : put(o, macro_names[f->macro]);
    if (!f->n_atts || !f->atts || (f->n_atts > 1 && !f->parenthesized))
        return MW_E_ARG;
    mw_status st = MW_OK;
    if (f->parenthesized)
        st = mw_buf_append_byte(o, '(');
    for (uint32_t i = 0; st == MW_OK && i < f->n_atts; i++) {
        if (i)
            st = mw_buf_append_byte(o, ' ');
        if (st == MW_OK)
            st = att_to(&f->atts[i], f->parenthesized != 0, flags, o);
    }
    if (st == MW_OK && f->parenthesized)
        st = mw_buf_append_byte(o, ')');
    return st;
}

static mw_status atts_write(const void *value, uint32_t flags, mw_buf *out)
{
    return atts_to(value, flags, out);
}

mw_status mw_imap_fetch_atts_write(const mw_imap_fetch_atts *f, uint32_t flags,
                                   mw_buf *out)
{
    if (!f || !out)
        return MW_E_ARG;
    return mwi_imap_write_whole(atts_write, f, flags, out);
}

/* ------------------------------------------------------------------ */
/* Equality                                                            */
/* ------------------------------------------------------------------ */

static int section_equal(const mw_imap_fetch_section *a,
                         const mw_imap_fetch_section *b)
{
    if (a->n_parts != b->n_parts || a->spec != b->spec ||
        a->n_fields != b->n_fields)
        return 0;
    for (uint32_t i = 0; i < a->n_parts; i++)
        if (a->parts[i] != b->parts[i])
            return 0;
    for (uint32_t i = 0; i < a->n_fields; i++)
        if (!mwi_imap_typed_span_eq(a->fields[i], b->fields[i]))
            return 0;
    return 1;
}

static int att_equal(const mw_imap_fetch_att *a, const mw_imap_fetch_att *b)
{
    if (a->type != b->type)
        return 0;
    if (a->type == MW_IMAP_FETCH_ATT_OTHER)
        return mwi_imap_span_caseeq(a->name, b->name);
    if (!is_section_type(a->type))
        return 1;
    if (a->has_partial != b->has_partial ||
        (a->has_partial && (a->origin != b->origin || a->length != b->length)))
        return 0;
    return section_equal(&a->section, &b->section);
}

int mw_imap_fetch_atts_equal(const mw_imap_fetch_atts *a,
                             const mw_imap_fetch_atts *b)
{
    if (!a || !b)
        return a == b;
    if (a->macro != b->macro || a->n_atts != b->n_atts ||
        !a->parenthesized != !b->parenthesized)
        return 0;
    if (a->n_atts && (!a->atts || !b->atts))
        return 0;
    for (uint32_t i = 0; i < a->n_atts; i++)
        if (!att_equal(&a->atts[i], &b->atts[i]))
            return 0;
    return 1;
}
