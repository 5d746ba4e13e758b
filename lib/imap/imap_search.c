/* Typed IMAP search programs and sequence sets: decoding from the generic
 * value tree (mirroring the search-key validator of imap_cmd.c rule for
 * rule), canonical writers and value equality. */
#include <string.h>

#include "imap_int.h"
#include "imap_search_int.h"
#include "mw_int.h"

/* ------------------------------------------------------------------ */
/* Shared helpers of the typed writers                                 */
/* ------------------------------------------------------------------ */

mw_status mwi_imap_typed_string(mw_span s, int astring, uint32_t wflags,
                                mw_buf *out)
{
    if (!s.ptr && s.len)
        return MW_E_ARG;
    uint32_t f = MW_IMAP_STR_BINARY;
    if (astring)
        f |= MW_IMAP_STR_ASTRING;
    if (wflags & MW_IMAP_WRITE_UTF8)
        f |= MW_IMAP_STR_UTF8;
    if (wflags & MW_IMAP_WRITE_LITERAL_PLUS)
        f |= MW_IMAP_STR_LITERAL_PLUS;
    return mw_imap_string_write(s.ptr ? s.ptr : "", s.len, f, out);
}

int mwi_imap_typed_atom_ok(const char *s, size_t len)
{
    if (!s || !len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!mwi_imap_atom_char(c))
            return 0;
        /* The lexer turns "BODY[" and friends into a section. */
        if (c == '[' && mwi_imap_is_section_name(s, i))
            return 0;
    }
    return 1;
}

int mwi_imap_typed_is_number(const char *s, size_t len)
{
    /* The lexer only looks at atoms of up to 20 bytes; longer runs of
     * digits (leading zeros) stay plain atoms. */
    if (!s || !len || len > 20)
        return 0;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (n > (UINT64_MAX - d) / 10)
            return 0;
        n = n * 10 + d;
    }
    return 1;
}

int mwi_imap_typed_span_eq(mw_span a, mw_span b)
{
    if (a.len != b.len)
        return 0;
    return a.len == 0 || (a.ptr && b.ptr && memcmp(a.ptr, b.ptr, a.len) == 0);
}

mw_status mwi_imap_typed_take_string(const mw_imap_value *v, mw_span *out,
                                     mw_imap_error *err)
{
    /* A streamed literal's bytes went out as chunk events; the typed value
     * cannot hold them. */
    if (v->flags & MW_IMAP_VF_STREAMED) {
        if (err) {
            err->offset = v->offset;
            err->expected = "literal kept inline";
        }
        return MW_E_LIMIT;
    }
    *out = v->str;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Sequence sets                                                       */
/* ------------------------------------------------------------------ */

static mw_status seqset_bad(const mw_imap_value *v, mw_imap_error *err)
{
    if (err) {
        err->offset = v->offset;
        err->expected = "sequence set";
    }
    return MW_E_SYNTAX;
}

mw_status mwi_imap_seqset_decode(const mw_imap_value *v, mwi_imap_arena *a,
                                 mw_imap_seqset *out, mw_imap_error *err)
{
    if (!v || !a || !out)
        return MW_E_ARG;
    memset(out, 0, sizeof(*out));
    size_t n = 0;
    int dollar = 0;
    if (v->type != MW_IMAP_V_ATOM ||
        mw_imap_seqset_parse(v->str.ptr, v->str.len, NULL, 0, &n, &dollar) !=
            MW_OK)
        return seqset_bad(v, err);
    if (dollar) {
        out->dollar = 1;
        return MW_OK;
    }
    if (n > UINT32_MAX)
        return seqset_bad(v, err);
    mw_imap_range *r = mwi_imap_arena_array(a, n, sizeof(*r));
    if (!r)
        return MW_E_NOMEM;
    size_t got = 0;
    if (mw_imap_seqset_parse(v->str.ptr, v->str.len, r, n, &got, NULL) != MW_OK)
        return seqset_bad(v, err);
    out->ranges = r;
    out->n = (uint32_t)got;
    return MW_OK;
}

static int seqset_valid(const mw_imap_seqset *s)
{
    if (s->dollar)
        return s->dollar == 1 && s->n == 0;
    return s->n > 0 && s->ranges != NULL;
}

static mw_status seqset_to(const mw_imap_seqset *s, mw_buf *o)
{
    if (!seqset_valid(s))
        return MW_E_ARG;
    if (s->dollar)
        return mw_buf_append_byte(o, '$');
    return mw_imap_seqset_write(s->ranges, s->n, o);
}

static mw_status seqset_write(const void *value, uint32_t flags, mw_buf *out)
{
    (void)flags;
    return seqset_to(value, out);
}

mw_status mw_imap_seqset_write_typed(const mw_imap_seqset *s, mw_buf *out)
{
    if (!s || !out)
        return MW_E_ARG;
    return mwi_imap_write_whole(seqset_write, s, 0, out);
}

int mwi_imap_seqset_equal(const mw_imap_seqset *a, const mw_imap_seqset *b)
{
    if (a->dollar != b->dollar || a->n != b->n)
        return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (a->ranges[i].lo != b->ranges[i].lo ||
            a->ranges[i].hi != b->ranges[i].hi)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Key table                                                           */
/* ------------------------------------------------------------------ */

/* Argument shapes, as in the validator: 0 none, 'a' astring, 'd' date,
 * 'n' number, 'f' flag atom, 's' sequence set, 'h' two astrings, 'k' one
 * key, 'o' two keys, 'm' MODSEQ, 'q' bare sequence set, 'l' list. */
typedef struct key_info {
    const char *name;
    char args;
} key_info;

/* Indexed by mw_imap_search_key_type. */
static const key_info key_infos[] = {
    [MW_IMAP_SK_INVALID] = {NULL, 0},
    [MW_IMAP_SK_SEQSET] = {NULL, 'q'},
    [MW_IMAP_SK_AND] = {NULL, 'l'},
    [MW_IMAP_SK_ALL] = {"ALL", 0},
    [MW_IMAP_SK_ANSWERED] = {"ANSWERED", 0},
    [MW_IMAP_SK_BCC] = {"BCC", 'a'},
    [MW_IMAP_SK_BEFORE] = {"BEFORE", 'd'},
    [MW_IMAP_SK_BODY] = {"BODY", 'a'},
    [MW_IMAP_SK_CC] = {"CC", 'a'},
    [MW_IMAP_SK_DELETED] = {"DELETED", 0},
    [MW_IMAP_SK_DRAFT] = {"DRAFT", 0},
    [MW_IMAP_SK_FLAGGED] = {"FLAGGED", 0},
    [MW_IMAP_SK_FROM] = {"FROM", 'a'},
    [MW_IMAP_SK_HEADER] = {"HEADER", 'h'},
    [MW_IMAP_SK_KEYWORD] = {"KEYWORD", 'f'},
    [MW_IMAP_SK_LARGER] = {"LARGER", 'n'},
    [MW_IMAP_SK_NEW] = {"NEW", 0},
    [MW_IMAP_SK_NOT] = {"NOT", 'k'},
    [MW_IMAP_SK_OLD] = {"OLD", 0},
    [MW_IMAP_SK_ON] = {"ON", 'd'},
    [MW_IMAP_SK_OR] = {"OR", 'o'},
    [MW_IMAP_SK_RECENT] = {"RECENT", 0},
    [MW_IMAP_SK_SEEN] = {"SEEN", 0},
    [MW_IMAP_SK_SENTBEFORE] = {"SENTBEFORE", 'd'},
    [MW_IMAP_SK_SENTON] = {"SENTON", 'd'},
    [MW_IMAP_SK_SENTSINCE] = {"SENTSINCE", 'd'},
    [MW_IMAP_SK_SINCE] = {"SINCE", 'd'},
    [MW_IMAP_SK_SMALLER] = {"SMALLER", 'n'},
    [MW_IMAP_SK_SUBJECT] = {"SUBJECT", 'a'},
    [MW_IMAP_SK_TEXT] = {"TEXT", 'a'},
    [MW_IMAP_SK_TO] = {"TO", 'a'},
    [MW_IMAP_SK_UID] = {"UID", 's'},
    [MW_IMAP_SK_UNANSWERED] = {"UNANSWERED", 0},
    [MW_IMAP_SK_UNDELETED] = {"UNDELETED", 0},
    [MW_IMAP_SK_UNDRAFT] = {"UNDRAFT", 0},
    [MW_IMAP_SK_UNFLAGGED] = {"UNFLAGGED", 0},
    [MW_IMAP_SK_UNKEYWORD] = {"UNKEYWORD", 'f'},
    [MW_IMAP_SK_UNSEEN] = {"UNSEEN", 0},
    [MW_IMAP_SK_MODSEQ] = {"MODSEQ", 'm'},
    [MW_IMAP_SK_OLDER] = {"OLDER", 'n'},
    [MW_IMAP_SK_YOUNGER] = {"YOUNGER", 'n'},
    [MW_IMAP_SK_EMAILID] = {"EMAILID", 'a'},
    [MW_IMAP_SK_THREADID] = {"THREADID", 'a'},
    [MW_IMAP_SK_FUZZY] = {"FUZZY", 'k'},
};

static const char *const entry_names[] = {NULL, "priv", "shared", "all"};

static char key_args(uint32_t type)
{
    return type < MWI_ARRAY_LEN(key_infos) ? key_infos[type].args : 0;
}

static uint32_t key_children(char args)
{
    return args == 'k' ? 1u : args == 'o' ? 2u : 0u;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */
/* ------------------------------------------------------------------ */

typedef struct cursor {
    const mw_imap_value *v; /* current node */
    uint32_t left;          /* nodes left at this level, v included */
} cursor;

typedef struct decoder {
    mw_imap_search_key *keys;
    uint32_t n;   /* keys used */
    uint32_t cap; /* keys allocated */
    mwi_imap_arena *arena;
    mw_imap_error *err;
    const mw_imap_value *owner; /* key whose argument is being read */
} decoder;

/* A missing argument is reported at the key that wanted it: the decoder
 * does not know where the command line ends. */
static mw_status bad_at(decoder *d, const cursor *c, const char *expected)
{
    if (d->err) {
        const mw_imap_value *at = c->left ? c->v : d->owner;
        d->err->offset = at ? at->offset : 0;
        d->err->expected = expected;
    }
    return MW_E_SYNTAX;
}

static const mw_imap_value *take(cursor *c)
{
    if (!c->left)
        return NULL;
    const mw_imap_value *v = c->v;
    c->left--;
    c->v = v + v->subtree;
    return v;
}

static const mw_imap_value *peek(const cursor *c)
{
    return c->left ? c->v : NULL;
}

static int is_atom(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_ATOM;
}

static int is_astring(const mw_imap_value *v)
{
    return is_atom(v) || mw_imap_value_is_string(v);
}

static int is_seqset_atom(const mw_imap_value *v)
{
    size_t n;
    return is_atom(v) && mw_imap_seqset_parse(v->str.ptr, v->str.len, NULL, 0,
                                              &n, NULL) == MW_OK;
}

static mw_status key_decode(decoder *d, cursor *c, uint32_t depth);

static mw_status arg_astring(decoder *d, cursor *c, const char *expected,
                             mw_span *out)
{
    const mw_imap_value *v = peek(c);
    if (!is_astring(v))
        return bad_at(d, c, expected);
    take(c);
    return mwi_imap_typed_take_string(v, out, d->err);
}

static mw_status arg_date(decoder *d, cursor *c, mw_imap_search_key *k)
{
    const mw_imap_value *v = peek(c);
    if (!is_astring(v) ||
        mw_imap_date_parse(v->str.ptr, v->str.len, &k->date) != MW_OK)
        return bad_at(d, c, "date");
    take(c);
    return MW_OK;
}

static mw_status arg_number(decoder *d, cursor *c, const char *expected,
                            uint64_t *out)
{
    const mw_imap_value *v = peek(c);
    if (!is_atom(v) || !(v->flags & MW_IMAP_VF_NUMBER))
        return bad_at(d, c, expected);
    take(c);
    *out = v->num;
    return MW_OK;
}

static mw_status arg_seqset(decoder *d, cursor *c, mw_imap_seqset *out)
{
    const mw_imap_value *v = peek(c);
    if (!is_seqset_atom(v))
        return bad_at(d, c, "sequence set");
    take(c);
    return mwi_imap_seqset_decode(v, d->arena, out, d->err);
}

static uint32_t entry_type_of(const mw_imap_value *t)
{
    for (uint32_t i = 1; i < MWI_ARRAY_LEN(entry_names); i++)
        if (mw_imap_value_is_atom(t, entry_names[i]))
            return i;
    return MW_IMAP_SK_ENTRY_NONE;
}

/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162): an
 * entry name is only looked for when three arguments remain, as in the
 * validator. */
static mw_status arg_modseq(decoder *d, cursor *c, mw_imap_search_key *k)
{
    if (c->left >= 3 && mw_imap_value_is_string(c->v)) {
        mw_status st = mwi_imap_typed_take_string(c->v, &k->str, d->err);
        if (st != MW_OK)
            return st;
        take(c);
        k->entry_type = entry_type_of(c->v);
        if (k->entry_type == MW_IMAP_SK_ENTRY_NONE)
            return bad_at(d, c, "entry type");
        take(c);
    }
    return arg_number(d, c, "mod-sequence", &k->number);
}

static mw_status key_args_decode(decoder *d, cursor *c, uint32_t idx,
                                 const mw_imap_value *name, uint32_t depth)
{
    mw_imap_search_key *k = &d->keys[idx];
    char args = key_infos[k->type].args;
    d->owner = name;
    mw_status st;
    switch (args) {
    case 'a':
        return arg_astring(d, c, "astring", &k->str);
    case 'f': {
        const mw_imap_value *v = peek(c);
        if (!is_atom(v))
            return bad_at(d, c, "flag keyword");
        take(c);
        k->str = v->str;
        return MW_OK;
    }
    case 'd':
        return arg_date(d, c, k);
    case 'n':
        return arg_number(d, c, "number", &k->number);
    case 's':
        return arg_seqset(d, c, &k->set);
    case 'h':
        if ((st = arg_astring(d, c, "header name", &k->str)) != MW_OK)
            return st;
        return arg_astring(d, c, "astring", &k->str2);
    case 'm':
        return arg_modseq(d, c, k);
    case 'k':
    case 'o':
        for (uint32_t i = 0; i < key_children(args); i++) {
            d->owner = name;
            if ((st = key_decode(d, c, depth + 1)) != MW_OK)
                return st;
        }
        d->keys[idx].count = key_children(args);
        return MW_OK;
    default:
        return MW_OK;
    }
}

static mw_status list_decode(decoder *d, const mw_imap_value *v, uint32_t idx,
                             uint32_t depth)
{
    cursor in = {v + 1, v->count};
    uint32_t count = 0;
    while (in.left) {
        mw_status st = key_decode(d, &in, depth + 1);
        if (st != MW_OK)
            return st;
        count++;
    }
    d->keys[idx].count = count;
    return MW_OK;
}

static uint32_t key_type_of(const mw_imap_value *v)
{
    for (uint32_t t = MW_IMAP_SK_ALL; t < MWI_ARRAY_LEN(key_infos); t++)
        if (mwi_imap_span_is(v->str.ptr, v->str.len, key_infos[t].name))
            return t;
    return MW_IMAP_SK_INVALID;
}

static mw_status key_decode(decoder *d, cursor *c, uint32_t depth)
{
    if (depth > MW_IMAP_SEARCH_DEPTH_MAX)
        return bad_at(d, c, "shallower search key");
    const mw_imap_value *v = peek(c);
    if (!v || (v->type != MW_IMAP_V_LIST && !is_atom(v)) ||
        (v->type == MW_IMAP_V_LIST && v->count == 0))
        return bad_at(d, c, "search key");
    uint32_t type = MW_IMAP_SK_AND;
    if (is_atom(v))
        type = is_seqset_atom(v) ? MW_IMAP_SK_SEQSET : key_type_of(v);
    if (type == MW_IMAP_SK_INVALID)
        return bad_at(d, c, "search key");
    /* Each key takes at least one node, so the array sized by the node
     * count never runs out; the check guards against a broken tree. */
    if (d->n >= d->cap)
        return MW_E_ARG;
    uint32_t idx = d->n++;
    d->keys[idx].type = type;
    take(c);
    mw_status st;
    if (type == MW_IMAP_SK_AND)
        st = list_decode(d, v, idx, depth);
    else if (type == MW_IMAP_SK_SEQSET)
        st = mwi_imap_seqset_decode(v, d->arena, &d->keys[idx].set, d->err);
    else
        st = key_args_decode(d, c, idx, v, depth);
    if (st == MW_OK)
        d->keys[idx].subtree = d->n - idx;
    return st;
}

mw_status mwi_imap_search_decode(const mw_imap_value *first, uint32_t n_top,
                                 uint32_t flags, mwi_imap_arena *a,
                                 mw_imap_search *out, mw_imap_error *err)
{
    (void)flags; /* UTF8=ACCEPT changes nothing in the key grammar. */
    if (!a || !out || (n_top && !first))
        return MW_E_ARG;
    memset(out, 0, sizeof(*out));
    decoder d = {NULL, 0, 0, a, err, NULL};
    cursor c = {first, n_top};
    if (!n_top) {
        if (err) {
            err->offset = 0;
            err->expected = "search key";
        }
        return MW_E_SYNTAX;
    }
    size_t nodes = 0;
    const mw_imap_value *v = first;
    for (uint32_t i = 0; i < n_top; i++, v += v->subtree)
        nodes += v->subtree;
    if (nodes > UINT32_MAX)
        return MW_E_LIMIT;
    d.cap = (uint32_t)nodes;
    d.keys = mwi_imap_arena_array(a, nodes, sizeof(*d.keys));
    if (!d.keys)
        return MW_E_NOMEM;
    uint32_t top = 0;
    while (c.left) {
        mw_status st = key_decode(&d, &c, 0);
        if (st != MW_OK)
            return st;
        top++;
    }
    out->keys = d.keys;
    out->n_keys = d.n;
    out->n_top = top;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

typedef struct writer {
    const mw_imap_search_key *keys;
    uint32_t n_keys;
    uint32_t flags;
    mw_buf *o;
} writer;

static mw_status put(mw_buf *o, const char *s)
{
    return mw_buf_append(o, s, strlen(s));
}

static mw_status date_to(const mw_imap_datetime *dt, mw_buf *o)
{
    if (dt->has_time)
        return MW_E_ARG;
    mw_imap_datetime day = {0};
    day.year = dt->year;
    day.month = dt->month;
    day.day = dt->day;
    return mw_imap_datetime_write(&day, o);
}

static mw_status modseq_to(const mw_imap_search_key *k, uint32_t flags,
                           mw_buf *o)
{
    mw_status st = MW_OK;
    if (k->entry_type >= MWI_ARRAY_LEN(entry_names))
        return MW_E_ARG;
    if (k->entry_type != MW_IMAP_SK_ENTRY_NONE) {
        /* entry-name is a quoted string or literal, never an atom. */
        st = mwi_imap_typed_string(k->str, 0, flags, o);
        if (st == MW_OK)
            st = mw_buf_append_byte(o, ' ');
        if (st == MW_OK)
            st = put(o, entry_names[k->entry_type]);
        if (st == MW_OK)
            st = mw_buf_append_byte(o, ' ');
    }
    return st == MW_OK ? mwi_imap_put_u64(o, k->number) : st;
}

static mw_status leaf_args_to(const mw_imap_search_key *k, char args,
                              uint32_t flags, mw_buf *o)
{
    mw_status st;
    switch (args) {
    case 'a':
        return mwi_imap_typed_string(k->str, 1, flags, o);
    case 'f':
        if (!mwi_imap_typed_atom_ok(k->str.ptr, k->str.len))
            return MW_E_ARG;
        return mw_buf_append(o, k->str.ptr, k->str.len);
    case 'd':
        return date_to(&k->date, o);
    case 'n':
        return mwi_imap_put_u64(o, k->number);
    case 's':
        return seqset_to(&k->set, o);
    case 'h':
        st = mwi_imap_typed_string(k->str, 1, flags, o);
        if (st == MW_OK)
            st = mw_buf_append_byte(o, ' ');
        return st == MW_OK ? mwi_imap_typed_string(k->str2, 1, flags, o) : st;
    case 'm':
        return modseq_to(k, flags, o);
    default:
        return MW_E_ARG;
    }
}

static mw_status key_to(const writer *w, uint32_t i, uint32_t limit,
                        uint32_t depth, uint32_t *next);

/* The child keys of key \p i, separated by single spaces; they must fill
 * its subtree exactly. */
static mw_status children_to(const writer *w, uint32_t i, uint32_t depth)
{
    const mw_imap_search_key *k = &w->keys[i];
    uint32_t limit = i + k->subtree;
    uint32_t j = i + 1;
    for (uint32_t n = 0; n < k->count; n++) {
        mw_status st = MW_OK;
        if (n)
            st = mw_buf_append_byte(w->o, ' ');
        if (st == MW_OK)
            st = key_to(w, j, limit, depth + 1, &j);
        if (st != MW_OK)
            return st;
    }
    return j == limit ? MW_OK : MW_E_ARG;
}

static int shape_ok(const mw_imap_search_key *k, char args)
{
    if (args == 'l')
        return k->count >= 1;
    return k->count == key_children(args) && (k->count || k->subtree == 1);
}

static mw_status key_to(const writer *w, uint32_t i, uint32_t limit,
                        uint32_t depth, uint32_t *next)
{
    if (depth > MW_IMAP_SEARCH_DEPTH_MAX)
        return MW_E_LIMIT;
    if (i >= limit)
        return MW_E_ARG;
    const mw_imap_search_key *k = &w->keys[i];
    if (k->type == MW_IMAP_SK_INVALID || k->type >= MWI_ARRAY_LEN(key_infos) ||
        k->subtree == 0 || k->subtree > limit - i)
        return MW_E_ARG;
    char args = key_args(k->type);
    if (!shape_ok(k, args))
        return MW_E_ARG;
    *next = i + k->subtree;
    mw_buf *o = w->o;
    mw_status st;
    switch (args) {
    case 'q':
        return seqset_to(&k->set, o);
    case 'l':
        st = mw_buf_append_byte(o, '(');
        if (st == MW_OK)
            st = children_to(w, i, depth);
        return st == MW_OK ? mw_buf_append_byte(o, ')') : st;
    default:
        break;
    }
    st = put(o, key_infos[k->type].name);
    if (st != MW_OK || args == 0)
        return st;
    st = mw_buf_append_byte(o, ' ');
    if (st != MW_OK)
        return st;
    if (args == 'k' || args == 'o')
        return children_to(w, i, depth);
    return leaf_args_to(k, args, w->flags, o);
}

static mw_status search_to(const void *value, uint32_t flags, mw_buf *out)
{
    const mw_imap_search *s = value;
    writer w = {s->keys, s->n_keys, flags, out};
    mw_status st = MW_OK;
    uint32_t i = 0;
    for (uint32_t t = 0; st == MW_OK && t < s->n_top; t++) {
        if (t)
            st = mw_buf_append_byte(out, ' ');
        if (st == MW_OK)
            st = key_to(&w, i, s->n_keys, 0, &i);
    }
    if (st == MW_OK && i != s->n_keys)
        st = MW_E_ARG;
    return st;
}

mw_status mw_imap_search_write(const mw_imap_search *s, uint32_t flags,
                               mw_buf *out)
{
    if (!s || !out || !s->keys || !s->n_top || !s->n_keys)
        return MW_E_ARG;
    return mwi_imap_write_whole(search_to, s, flags, out);
}

/* ------------------------------------------------------------------ */
/* Equality                                                            */
/* ------------------------------------------------------------------ */

static int date_equal(const mw_imap_datetime *a, const mw_imap_datetime *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day &&
           a->has_time == b->has_time;
}

static int key_equal(const mw_imap_search_key *a, const mw_imap_search_key *b)
{
    if (a->type != b->type || a->count != b->count || a->subtree != b->subtree)
        return 0;
    switch (key_args(a->type)) {
    case 'a':
    case 'f':
        return mwi_imap_typed_span_eq(a->str, b->str);
    case 'h':
        return mwi_imap_typed_span_eq(a->str, b->str) &&
               mwi_imap_typed_span_eq(a->str2, b->str2);
    case 'd':
        return date_equal(&a->date, &b->date);
    case 'n':
        return a->number == b->number;
    case 's':
    case 'q':
        return mwi_imap_seqset_equal(&a->set, &b->set);
    case 'm':
        return a->number == b->number && a->entry_type == b->entry_type &&
               (a->entry_type == MW_IMAP_SK_ENTRY_NONE ||
                mwi_imap_typed_span_eq(a->str, b->str));
    default:
        return 1;
    }
}

int mw_imap_search_equal(const mw_imap_search *a, const mw_imap_search *b)
{
    if (!a || !b)
        return a == b;
    if (a->n_keys != b->n_keys || a->n_top != b->n_top)
        return 0;
    if (a->n_keys && (!a->keys || !b->keys))
        return 0;
    for (uint32_t i = 0; i < a->n_keys; i++)
        if (!key_equal(&a->keys[i], &b->keys[i]))
            return 0;
    return 1;
}
