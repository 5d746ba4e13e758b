/* Typed IMAP commands: decoding a classified command (imap_cmd.c) into the
 * structs of mailwire/imap_cmd.h. Every array lives in one arena that also
 * holds the command itself; anything that does not fit the grammar is
 * MW_E_SYNTAX with the offending node's offset, since callers may decode
 * units the validator never saw. */
#include <stddef.h>
#include <string.h>

#include "imap_arena.h"
#include "imap_cmd_int.h"
#include "imap_int.h"
#include "imap_search_int.h"
#include "mailwire/imap_cmd.h"
#include "mw_int.h"

/* The arena header sits next to the command so that mw_imap_cmd_free()
 * needs nothing but the command pointer. */
typedef struct holder {
    mwi_imap_arena arena;
    mw_imap_cmd cmd;
} holder;

typedef struct dec {
    mwi_imap_arena *a;
    uint32_t flags;
    mw_imap_error *err;
} dec;

/* A run of sibling nodes: top-level arguments or a list's children. */
typedef struct cur {
    const mw_imap_value *v; /* current node */
    uint32_t left;          /* nodes left, v included */
    uint64_t end;           /* offset reported when nodes run out */
} cur;

static mw_status bad_at(dec *d, uint64_t offset, const char *expected)
{
    if (d->err) {
        d->err->offset = offset;
        d->err->expected = expected;
    }
    return MW_E_SYNTAX;
}

static mw_status bad(dec *d, const cur *c, const char *expected)
{
    return bad_at(d, c->left ? c->v->offset : c->end, expected);
}

static const mw_imap_value *take(cur *c)
{
    if (!c->left)
        return NULL;
    const mw_imap_value *v = c->v;
    c->left--;
    c->v = v + (v->subtree ? v->subtree : 1);
    return v;
}

/* Missing items inside a list are reported at its last child (the
 * offset of its closing parenthesis is not in the tree). */
static cur children(const mw_imap_value *list)
{
    cur c = {list + 1, list->count, list->offset};
    const mw_imap_value *v = list + 1;
    for (uint32_t i = 0; i < list->count; i++) {
        c.end = v->offset;
        v += v->subtree ? v->subtree : 1;
    }
    if (!list->count)
        c.v = NULL;
    return c;
}

static const mw_imap_value *peek(const cur *c)
{
    return c->left ? c->v : NULL;
}

static int is_atom(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_ATOM && v->str.len > 0;
}

static int is_number(const mw_imap_value *v)
{
    return is_atom(v) && (v->flags & MW_IMAP_VF_NUMBER);
}

static int is_list(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_LIST;
}

static int is_string(const mw_imap_value *v)
{
    return v && (v->type == MW_IMAP_V_QUOTED || v->type == MW_IMAP_V_LITERAL);
}

static int is_word(const mw_imap_value *v, const char *word)
{
    return is_atom(v) && mwi_imap_span_is(v->str.ptr, v->str.len, word);
}

static mw_status end(dec *d, const cur *c)
{
    return c->left ? bad(d, c, "CRLF") : MW_OK;
}

static void *array(dec *d, size_t n, size_t size)
{
    return mwi_imap_arena_array(d->a, n ? n : 1, size);
}

/* ------------------------------------------------------------------ */
/* Scalars                                                             */
/* ------------------------------------------------------------------ */

static mw_status atom(dec *d, cur *c, mw_span *out, const char *expected)
{
    const mw_imap_value *v = peek(c);
    if (!is_atom(v))
        return bad(d, c, expected);
    *out = take(c)->str;
    return MW_OK;
}

/* A string whose bytes were streamed as chunk events is not in the tree:
 * the typed value cannot hold it (MW_E_LIMIT, as the search decoder). */
static mw_status string_span(dec *d, cur *c, int astring, mw_span *out,
                             const char *expected)
{
    const mw_imap_value *v = peek(c);
    if (!(is_string(v) || (astring && is_atom(v))))
        return bad(d, c, expected);
    if (v->flags & MW_IMAP_VF_STREAMED) {
        bad(d, c, "shorter literal");
        return MW_E_LIMIT;
    }
    *out = take(c)->str;
    return MW_OK;
}

static mw_status astring(dec *d, cur *c, mw_span *out, const char *expected)
{
    return string_span(d, c, 1, out, expected);
}

/* Tolerated: 0 where the grammar says nz-number (a UIDVALIDITY) and
 * values above 2^63 where it says mod-sequence-value; both round-trip
 * unchanged and the server that gets them decides what they mean. */
static mw_status number(dec *d, cur *c, uint64_t max, uint64_t *out,
                        const char *expected)
{
    const mw_imap_value *v = peek(c);
    if (!is_number(v) || v->num > max)
        return bad(d, c, expected);
    *out = take(c)->num;
    return MW_OK;
}

static mw_status seqset(dec *d, cur *c, mw_imap_seqset *out)
{
    if (!is_atom(peek(c)))
        return bad(d, c, "sequence set");
    mw_status st = mwi_imap_seqset_decode(c->v, d->a, out, d->err);
    if (st == MW_OK)
        take(c);
    return st;
}

/* Decoded names go into the arena; a name that does not decode is kept
 * with valid = 0 because the server must answer it, not fail. */
static mw_status mailbox(dec *d, cur *c, mw_imap_mailbox *out)
{
    mw_span raw;
    mw_status st = astring(d, c, &raw, "mailbox");
    if (st != MW_OK)
        return st;
    memset(out, 0, sizeof(*out));
    out->raw = raw;
    /* Modified UTF-7 never expands a name by more than a fifth; twice
     * the length plus "INBOX" is a safe bound. */
    if (raw.len > (SIZE_MAX - 8) / 2)
        return MW_E_NOMEM;
    size_t cap = raw.len * 2 + 8;
    char *mem = mwi_imap_arena_alloc(d->a, cap);
    if (!mem)
        return MW_E_NOMEM;
    mw_buf b;
    mw_buf_init_fixed(&b, mem, cap);
    int utf8 = (d->flags & MW_IMAP_PARSE_UTF8) != 0;
    if (mw_imap_mailbox_decode(raw.ptr, raw.len, utf8, &b) == MW_OK) {
        out->utf8.ptr = b.data;
        out->utf8.len = b.len;
        out->valid = 1;
    }
    return MW_OK;
}

static mw_status atoms_of(dec *d, const mw_imap_value *list,
                          const mw_span **out, uint32_t *n_out,
                          const char *expected)
{
    mw_span *arr = array(d, list->count, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    cur in = children(list);
    for (uint32_t i = 0; in.left; i++) {
        mw_status st = atom(d, &in, &arr[i], expected);
        if (st != MW_OK)
            return st;
    }
    *out = arr;
    *n_out = list->count;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Keyword tables                                                      */
/* ------------------------------------------------------------------ */

static uint32_t lookup(const char *const *names, uint32_t n, mw_span s)
{
    for (uint32_t i = 1; i < n; i++)
        if (mwi_imap_span_is(s.ptr, s.len, names[i]))
            return i;
    return 0;
}

uint32_t mwi_imap_status_att_of(mw_span s)
{
    return lookup(mwi_imap_status_names, MWI_IMAP_STATUS_COUNT, s);
}

uint32_t mwi_imap_return_att_of(mw_span s)
{
    return lookup(mwi_imap_return_names, MWI_IMAP_RETURN_COUNT, s);
}

uint32_t mwi_imap_sort_att_of(mw_span s)
{
    return lookup(mwi_imap_sort_names, MWI_IMAP_SORT_COUNT, s);
}

static mw_status status_items(dec *d, const mw_imap_value *list,
                              const mw_imap_status_item **out, uint32_t *n_out)
{
    if (!is_list(list) || list->count == 0)
        return bad_at(d, list->offset, "status attributes");
    mw_imap_status_item *arr = array(d, list->count, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    cur in = children(list);
    for (uint32_t i = 0; in.left; i++) {
        mw_status st = atom(d, &in, &arr[i].name, "status attribute");
        if (st != MW_OK)
            return st;
        arr[i].item = mwi_imap_status_att_of(arr[i].name);
    }
    *out = arr;
    *n_out = list->count;
    return MW_OK;
}

static mw_status returns(dec *d, cur *c, mw_imap_returns *r)
{
    if (!is_word(peek(c), "RETURN"))
        return MW_OK;
    take(c);
    const mw_imap_value *list = peek(c);
    if (!is_list(list))
        return bad(d, c, "return options");
    take(c);
    mw_imap_return_opt *arr = array(d, list->count, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    cur in = children(list);
    for (uint32_t i = 0; in.left; i++) {
        mw_status st = atom(d, &in, &arr[i].name, "return option");
        if (st != MW_OK)
            return st;
        arr[i].opt = mwi_imap_return_att_of(arr[i].name);
    }
    r->has_return = 1;
    r->opts = arr;
    r->n_opts = list->count;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Parameter lists                                                     */
/* ------------------------------------------------------------------ */

/* Room for every child of a parameter list; decoders keep the ones they
 * do not type. */
static mw_status nodes_room(dec *d, const mw_imap_value *list,
                            const mw_imap_value ***out)
{
    *out = array(d, list->count, sizeof(**out));
    return *out ? MW_OK : MW_E_NOMEM;
}

static mw_status qresync(dec *d, const mw_imap_value *list,
                         mw_imap_cmd_select *s)
{
    if (!is_list(list))
        return bad_at(d, list->offset, "QRESYNC parameters");
    cur in = children(list);
    uint64_t n;
    mw_status st = number(d, &in, UINT32_MAX, &n, "uidvalidity");
    if (st != MW_OK)
        return st;
    s->uidvalidity = (uint32_t)n;
    if ((st = number(d, &in, UINT64_MAX, &s->modseq, "mod-sequence")) != MW_OK)
        return st;
    if (is_atom(peek(&in)) && (st = seqset(d, &in, &s->known_uids)) != MW_OK)
        return st;
    if (is_list(peek(&in))) {
        const mw_imap_value *m = take(&in);
        cur mm = children(m);
        if ((st = seqset(d, &mm, &s->seq_match_seqs)) != MW_OK ||
            (st = seqset(d, &mm, &s->seq_match_uids)) != MW_OK ||
            (st = end(d, &mm)) != MW_OK)
            return st;
        s->has_seq_match = 1;
    }
    s->qresync = 1;
    return end(d, &in);
}

static mw_status select_params(dec *d, cur *c, mw_imap_cmd_select *s)
{
    if (!c->left)
        return MW_OK;
    const mw_imap_value *list = take(c);
    if (!is_list(list))
        return bad_at(d, list->offset, "select parameters");
    const mw_imap_value **keep;
    mw_status st = nodes_room(d, list, &keep);
    cur in = children(list);
    while (st == MW_OK && in.left) {
        const mw_imap_value *v = take(&in);
        /* A repeated CONDSTORE or QRESYNC has no meaning (RFC 7162); it
         * is refused rather than kept so typed values stay unique. */
        if (is_word(v, "CONDSTORE")) {
            if (s->condstore)
                return bad_at(d, v->offset, "one CONDSTORE");
            s->condstore = 1;
        } else if (is_word(v, "QRESYNC")) {
            if (s->qresync || !in.left)
                return bad_at(d, v->offset, "one QRESYNC (...)");
            st = qresync(d, take(&in), s);
        } else {
            keep[s->params.n++] = v;
        }
    }
    s->params.v = keep;
    return st == MW_OK ? end(d, c) : st;
}

static mw_status create_params(dec *d, cur *c, mw_imap_cmd_create *cr)
{
    if (!c->left)
        return MW_OK;
    const mw_imap_value *list = take(c);
    if (!is_list(list))
        return bad_at(d, list->offset, "create parameters");
    const mw_imap_value **keep;
    mw_status st = nodes_room(d, list, &keep);
    cur in = children(list);
    while (st == MW_OK && in.left) {
        const mw_imap_value *v = take(&in);
        if (is_word(v, "USE")) {
            const mw_imap_value *u = peek(&in);
            if (cr->has_use || !is_list(u))
                return bad_at(d, v->offset, "one USE (attributes)");
            take(&in);
            st = atoms_of(d, u, &cr->use, &cr->n_use, "special-use flag");
            cr->has_use = 1;
        } else {
            keep[cr->params.n++] = v;
        }
    }
    cr->params.v = keep;
    return st == MW_OK ? end(d, c) : st;
}

static mw_status generic_params(dec *d, cur *c, mw_imap_nodes *out)
{
    if (!c->left)
        return MW_OK;
    const mw_imap_value *list = take(c);
    if (!is_list(list))
        return bad_at(d, list->offset, "parameters");
    const mw_imap_value **keep;
    mw_status st = nodes_room(d, list, &keep);
    cur in = children(list);
    while (st == MW_OK && in.left)
        keep[out->n++] = take(&in);
    out->v = keep;
    return st == MW_OK ? end(d, c) : st;
}

static mw_status fetch_modifiers(dec *d, cur *c, mw_imap_cmd_fetch *f)
{
    if (!c->left)
        return MW_OK;
    const mw_imap_value *list = take(c);
    if (!is_list(list))
        return bad_at(d, list->offset, "fetch modifiers");
    const mw_imap_value **keep;
    mw_status st = nodes_room(d, list, &keep);
    cur in = children(list);
    while (st == MW_OK && in.left) {
        const mw_imap_value *v = take(&in);
        if (is_word(v, "CHANGEDSINCE")) {
            if (f->has_changedsince)
                return bad_at(d, v->offset, "one CHANGEDSINCE");
            st = number(d, &in, UINT64_MAX, &f->changedsince, "mod-sequence");
            f->has_changedsince = 1;
        } else if (is_word(v, "VANISHED")) {
            if (f->vanished)
                return bad_at(d, v->offset, "one VANISHED");
            f->vanished = 1;
        } else {
            keep[f->modifiers.n++] = v;
        }
    }
    f->modifiers.v = keep;
    return st == MW_OK ? end(d, c) : st;
}

static mw_status store_modifiers(dec *d, const mw_imap_value *list,
                                 mw_imap_cmd_store *s)
{
    const mw_imap_value **keep;
    mw_status st = nodes_room(d, list, &keep);
    cur in = children(list);
    while (st == MW_OK && in.left) {
        const mw_imap_value *v = take(&in);
        if (is_word(v, "UNCHANGEDSINCE")) {
            if (s->has_unchangedsince)
                return bad_at(d, v->offset, "one UNCHANGEDSINCE");
            st = number(d, &in, UINT64_MAX, &s->unchangedsince, "mod-sequence");
            s->has_unchangedsince = 1;
        } else {
            keep[s->modifiers.n++] = v;
        }
    }
    s->modifiers.v = keep;
    return st;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static mw_status dec_authenticate(dec *d, cur *c, mw_imap_cmd_authenticate *a)
{
    mw_status st = atom(d, c, &a->mechanism, "SASL mechanism");
    if (st != MW_OK || !c->left)
        return st;
    if ((st = atom(d, c, &a->initial, "initial response")) != MW_OK)
        return st;
    a->has_initial = 1;
    /* "=" stands for an empty initial response (RFC 4959). */
    if (a->initial.len == 1 && a->initial.ptr[0] == '=')
        a->initial.len = 0;
    return end(d, c);
}

static mw_status dec_enable(dec *d, cur *c, mw_imap_cmd_enable *e)
{
    if (!c->left)
        return bad(d, c, "capability");
    mw_span *arr = array(d, c->left, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    while (c->left) {
        mw_status st = atom(d, c, &arr[e->n_caps], "capability");
        if (st != MW_OK)
            return st;
        e->n_caps++;
    }
    e->caps = arr;
    return MW_OK;
}

static mw_status dec_list(dec *d, cur *c, mw_imap_cmd_list *l)
{
    mw_status st;
    if (is_list(peek(c))) {
        const mw_imap_value *sel = take(c);
        mw_imap_list_option *arr = array(d, sel->count, sizeof(*arr));
        if (!arr)
            return MW_E_NOMEM;
        cur in = children(sel);
        for (uint32_t i = 0; in.left; i++)
            if ((st = atom(d, &in, &arr[i].name, "selection option")) != MW_OK)
                return st;
        l->has_select = 1;
        l->select = arr;
        l->n_select = sel->count;
    }
    if ((st = mailbox(d, c, &l->reference)) != MW_OK)
        return st;
    cur pats = *c;
    uint32_t n = 1;
    if (is_list(peek(c))) {
        const mw_imap_value *pl = take(c);
        if (pl->count == 0)
            return bad_at(d, pl->offset, "mailbox pattern");
        pats = children(pl);
        n = pl->count;
        l->patterns_parenthesized = 1;
    } else if (!c->left) {
        return bad(d, c, "mailbox pattern");
    } else {
        take(c);
    }
    mw_imap_mailbox *arr = array(d, n, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        if ((st = mailbox(d, &pats, &arr[i])) != MW_OK)
            return st;
    l->patterns = arr;
    l->n_patterns = n;
    if (is_word(peek(c), "RETURN")) {
        take(c);
        const mw_imap_value *rl = peek(c);
        if (!is_list(rl))
            return bad(d, c, "return options");
        take(c);
        mw_imap_list_option *opts = array(d, rl->count, sizeof(*opts));
        if (!opts)
            return MW_E_NOMEM;
        cur in = children(rl);
        while (in.left) {
            const mw_imap_value *name = peek(&in);
            mw_span word;
            if ((st = atom(d, &in, &word, "return option")) != MW_OK)
                return st;
            if (mwi_imap_span_is(word.ptr, word.len, "STATUS")) {
                if (l->has_status || !in.left)
                    return bad_at(d, name->offset, "one STATUS (...)");
                if ((st = status_items(d, take(&in), &l->status,
                                       &l->n_status)) != MW_OK)
                    return st;
                l->has_status = 1;
                continue;
            }
            mw_imap_list_option *o = &opts[l->n_return++];
            o->name = word;
            if (is_list(peek(&in)))
                o->value = take(&in);
        }
        l->has_return = 1;
        l->ret = opts;
    }
    return end(d, c);
}

static mw_status dec_status(dec *d, cur *c, mw_imap_cmd_status *s)
{
    mw_status st = mailbox(d, c, &s->mailbox);
    if (st != MW_OK)
        return st;
    if (!c->left)
        return bad(d, c, "status attributes");
    if ((st = status_items(d, take(c), &s->items, &s->n_items)) != MW_OK)
        return st;
    return end(d, c);
}

static mw_status append_data(dec *d, cur *c, mw_imap_append_msg *m)
{
    const mw_imap_value *v = peek(c);
    if (c->left >= 2 && is_word(v, "CATENATE") && is_list(v + v->subtree)) {
        take(c);
        m->catenate = take(c);
        return MW_OK;
    }
    if (c->left >= 2 && is_word(v, "UTF8") && is_list(v + v->subtree)) {
        take(c);
        const mw_imap_value *list = take(c);
        if (list->count != 1 || list[1].type != MW_IMAP_V_LITERAL)
            return bad_at(d, list->offset, "(literal8)");
        /* RFC 6855 asks for a literal8 here; a plain literal is taken too
         * (its bytes are the same) and written back as literal8. */
        v = list + 1;
        m->utf8 = 1;
        m->binary = 1;
    } else if (v && v->type == MW_IMAP_V_LITERAL) {
        take(c);
        m->binary = (v->flags & MW_IMAP_VF_LIT8) != 0;
    } else {
        return bad(d, c, "literal");
    }
    m->length = v->num;
    m->streamed = (v->flags & MW_IMAP_VF_STREAMED) != 0;
    if (!m->streamed) {
        m->data = v->str;
        m->length = v->str.len;
    }
    return MW_OK;
}

static mw_status dec_append(dec *d, cur *c, mw_imap_cmd_append *ap)
{
    mw_status st = mailbox(d, c, &ap->mailbox);
    if (st != MW_OK)
        return st;
    if (!c->left)
        return bad(d, c, "literal");
    mw_imap_append_msg *arr = array(d, c->left, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    while (c->left) {
        mw_imap_append_msg *m = &arr[ap->n_messages++];
        if (is_list(peek(c))) {
            if ((st = atoms_of(d, take(c), &m->flags, &m->n_flags, "flag")) !=
                MW_OK)
                return st;
            m->has_flags = 1;
        }
        const mw_imap_value *v = peek(c);
        if (v && v->type == MW_IMAP_V_QUOTED) {
            if (mw_imap_datetime_parse(v->str.ptr, v->str.len, &m->date) !=
                    MW_OK ||
                !m->date.has_time)
                return bad(d, c, "date-time");
            take(c);
            m->has_date = 1;
        }
        if ((st = append_data(d, c, m)) != MW_OK)
            return st;
    }
    ap->messages = arr;
    return MW_OK;
}

static mw_status search_rest(dec *d, cur *c, mw_imap_search *s)
{
    if (!c->left)
        return bad(d, c, "search key");
    return mwi_imap_search_decode(c->v, c->left, d->flags, d->a, s, d->err);
}

static mw_status dec_search(dec *d, cur *c, mw_imap_cmd_search *s)
{
    mw_status st = returns(d, c, &s->ret);
    if (st != MW_OK)
        return st;
    if (is_word(peek(c), "CHARSET")) {
        take(c);
        if ((st = astring(d, c, &s->charset, "charset")) != MW_OK)
            return st;
        s->has_charset = 1;
    }
    return search_rest(d, c, &s->search);
}

static mw_status dec_fetch(dec *d, cur *c, mw_imap_cmd_fetch *f)
{
    mw_status st = seqset(d, c, &f->set);
    if (st != MW_OK)
        return st;
    if (!c->left)
        return bad(d, c, "fetch attributes");
    if ((st = mwi_imap_fetch_atts_decode(c->v, d->a, &f->atts, d->err)) !=
        MW_OK)
        return st;
    take(c);
    return fetch_modifiers(d, c, f);
}

/* [+-]FLAGS[.SILENT]; returns 0 when the word is none of them. */
static int store_item(mw_span w, mw_imap_cmd_store *s)
{
    if (w.ptr[0] == '+' || w.ptr[0] == '-') {
        s->mode = w.ptr[0] == '+' ? MW_IMAP_STORE_ADD : MW_IMAP_STORE_REMOVE;
        w.ptr++;
        w.len--;
    }
    if (mwi_imap_span_is(w.ptr, w.len, "FLAGS.SILENT"))
        s->silent = 1;
    else if (!mwi_imap_span_is(w.ptr, w.len, "FLAGS"))
        return 0;
    return 1;
}

static mw_status dec_store(dec *d, cur *c, mw_imap_cmd_store *s)
{
    mw_status st = seqset(d, c, &s->set);
    if (st != MW_OK)
        return st;
    if (is_list(peek(c)) && (st = store_modifiers(d, take(c), s)) != MW_OK)
        return st;
    const mw_imap_value *item = peek(c);
    if (!is_atom(item) || !store_item(item->str, s))
        return bad(d, c, "FLAGS, +FLAGS or -FLAGS");
    take(c);
    if (c->left == 1 && is_list(c->v))
        return atoms_of(d, take(c), &s->flags, &s->n_flags, "flag");
    if (!c->left)
        return bad(d, c, "flags");
    mw_span *arr = array(d, c->left, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    while (c->left)
        if ((st = atom(d, c, &arr[s->n_flags++], "flag")) != MW_OK)
            return st;
    s->flags = arr;
    return MW_OK;
}

static mw_status dec_copy(dec *d, cur *c, mw_imap_cmd_copy *cp)
{
    mw_status st = seqset(d, c, &cp->set);
    if (st == MW_OK)
        st = mailbox(d, c, &cp->mailbox);
    return st == MW_OK ? end(d, c) : st;
}

static mw_status dec_id(dec *d, cur *c, mw_imap_cmd_id *id)
{
    const mw_imap_value *v = peek(c);
    if (v && mw_imap_value_is_nil(v)) {
        take(c);
        id->nil = 1;
        return end(d, c);
    }
    if (!is_list(v) || v->count % 2)
        return bad(d, c, "ID parameters");
    take(c);
    mw_imap_id_field *arr = array(d, v->count / 2, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    cur in = children(v);
    mw_status st = MW_OK;
    for (uint32_t i = 0; st == MW_OK && in.left; i++) {
        st = string_span(d, &in, 0, &arr[i].name, "string");
        if (st != MW_OK)
            break;
        if (mw_imap_value_is_nil(peek(&in))) {
            take(&in);
            arr[i].value_nil = 1;
        } else {
            st = string_span(d, &in, 0, &arr[i].value, "string or NIL");
        }
    }
    id->fields = arr;
    id->n_fields = v->count / 2;
    return st == MW_OK ? end(d, c) : st;
}

static mw_status dec_setquota(dec *d, cur *c, mw_imap_cmd_setquota *q)
{
    mw_status st = astring(d, c, &q->root, "quota root");
    if (st != MW_OK)
        return st;
    const mw_imap_value *list = peek(c);
    if (!is_list(list) || list->count % 2)
        return bad(d, c, "resource limits");
    take(c);
    mw_imap_quota_limit *arr = array(d, list->count / 2, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    cur in = children(list);
    for (uint32_t i = 0; in.left; i++)
        if ((st = atom(d, &in, &arr[i].name, "resource name")) != MW_OK ||
            (st = number(d, &in, UINT64_MAX, &arr[i].limit, "number")) != MW_OK)
            return st;
    q->limits = arr;
    q->n_limits = list->count / 2;
    return end(d, c);
}

static mw_status sort_criteria(dec *d, cur *c, mw_imap_cmd_sort *s)
{
    const mw_imap_value *list = peek(c);
    if (!is_list(list) || list->count == 0)
        return bad(d, c, "sort criteria");
    take(c);
    mw_imap_sort_crit *arr = array(d, list->count, sizeof(*arr));
    if (!arr)
        return MW_E_NOMEM;
    cur in = children(list);
    while (in.left) {
        mw_imap_sort_crit *k = &arr[s->n_crit];
        mw_span w;
        mw_status st = atom(d, &in, &w, "sort key");
        if (st != MW_OK)
            return st;
        if (mwi_imap_span_is(w.ptr, w.len, "REVERSE")) {
            k->reverse = 1;
            if ((st = atom(d, &in, &w, "sort key")) != MW_OK)
                return st;
            if (mwi_imap_span_is(w.ptr, w.len, "REVERSE"))
                return bad_at(d, in.v[-1].offset, "sort key");
        }
        k->name = w;
        k->key = mwi_imap_sort_att_of(w);
        s->n_crit++;
    }
    s->crit = arr;
    return MW_OK;
}

static mw_status dec_sort(dec *d, cur *c, mw_imap_cmd_sort *s)
{
    mw_status st = returns(d, c, &s->ret);
    if (st == MW_OK)
        st = sort_criteria(d, c, s);
    if (st == MW_OK)
        st = astring(d, c, &s->charset, "charset");
    return st == MW_OK ? search_rest(d, c, &s->search) : st;
}

static mw_status dec_thread(dec *d, cur *c, mw_imap_cmd_thread *t)
{
    mw_status st = atom(d, c, &t->algorithm, "thread algorithm");
    if (st == MW_OK)
        st = astring(d, c, &t->charset, "charset");
    return st == MW_OK ? search_rest(d, c, &t->search) : st;
}

static mw_status two_astrings(dec *d, cur *c, mw_span *a, mw_span *b)
{
    mw_status st = astring(d, c, a, "astring");
    if (st == MW_OK)
        st = astring(d, c, b, "astring");
    return st == MW_OK ? end(d, c) : st;
}

static mw_status one_mailbox(dec *d, cur *c, mw_imap_mailbox *m)
{
    mw_status st = mailbox(d, c, m);
    return st == MW_OK ? end(d, c) : st;
}

static mw_status dec_args(dec *d, cur *c, mw_imap_cmd *cmd)
{
    mw_status st;
    if (mwi_imap_cmd_no_args(cmd->type))
        return end(d, c);
    switch (cmd->type) {
    case MW_IMAP_CMD_EXPUNGE:
        if (cmd->uid && (st = seqset(d, c, &cmd->u.expunge.uids)) != MW_OK)
            return st;
        return end(d, c);
    case MW_IMAP_CMD_AUTHENTICATE:
        return dec_authenticate(d, c, &cmd->u.authenticate);
    case MW_IMAP_CMD_LOGIN:
        return two_astrings(d, c, &cmd->u.login.user, &cmd->u.login.password);
    case MW_IMAP_CMD_ENABLE:
        return dec_enable(d, c, &cmd->u.enable);
    case MW_IMAP_CMD_SELECT:
    case MW_IMAP_CMD_EXAMINE:
        if ((st = mailbox(d, c, &cmd->u.select.mailbox)) != MW_OK)
            return st;
        return select_params(d, c, &cmd->u.select);
    case MW_IMAP_CMD_CREATE:
        if ((st = mailbox(d, c, &cmd->u.create.mailbox)) != MW_OK)
            return st;
        return create_params(d, c, &cmd->u.create);
    case MW_IMAP_CMD_DELETE:
    case MW_IMAP_CMD_SUBSCRIBE:
    case MW_IMAP_CMD_UNSUBSCRIBE:
    case MW_IMAP_CMD_GETQUOTAROOT:
        return one_mailbox(d, c, &cmd->u.mailbox.mailbox);
    case MW_IMAP_CMD_RENAME:
        if ((st = mailbox(d, c, &cmd->u.rename.from)) != MW_OK ||
            (st = mailbox(d, c, &cmd->u.rename.to)) != MW_OK)
            return st;
        return generic_params(d, c, &cmd->u.rename.params);
    case MW_IMAP_CMD_LIST:
        return dec_list(d, c, &cmd->u.list);
    case MW_IMAP_CMD_LSUB:
        if ((st = mailbox(d, c, &cmd->u.lsub.reference)) != MW_OK)
            return st;
        return one_mailbox(d, c, &cmd->u.lsub.pattern);
    case MW_IMAP_CMD_STATUS:
        return dec_status(d, c, &cmd->u.status);
    case MW_IMAP_CMD_APPEND:
        return dec_append(d, c, &cmd->u.append);
    case MW_IMAP_CMD_SEARCH:
        return dec_search(d, c, &cmd->u.search);
    case MW_IMAP_CMD_FETCH:
        return dec_fetch(d, c, &cmd->u.fetch);
    case MW_IMAP_CMD_STORE:
        return dec_store(d, c, &cmd->u.store);
    case MW_IMAP_CMD_COPY:
    case MW_IMAP_CMD_MOVE:
        return dec_copy(d, c, &cmd->u.copy);
    case MW_IMAP_CMD_ID:
        return dec_id(d, c, &cmd->u.id);
    case MW_IMAP_CMD_COMPRESS:
        if ((st = atom(d, c, &cmd->u.compress.mechanism, "mechanism")) != MW_OK)
            return st;
        return end(d, c);
    case MW_IMAP_CMD_GETQUOTA:
        if ((st = astring(d, c, &cmd->u.getquota.root, "quota root")) != MW_OK)
            return st;
        return end(d, c);
    case MW_IMAP_CMD_SETQUOTA:
        return dec_setquota(d, c, &cmd->u.setquota);
    case MW_IMAP_CMD_SORT:
        return dec_sort(d, c, &cmd->u.sort);
    case MW_IMAP_CMD_THREAD:
        return dec_thread(d, c, &cmd->u.thread);
    default:
        cmd->type = MW_IMAP_CMD_UNKNOWN;
        cmd->u.unknown.args = c->left ? c->v : NULL;
        cmd->u.unknown.n_args = c->left;
        return MW_OK;
    }
}

/* Where a missing argument is reported: the last argument's offset (the
 * command does not carry its line end). */
static uint64_t last_offset(const mw_imap_command *c)
{
    uint64_t off = 0;
    const mw_imap_value *v = c->args;
    for (uint32_t i = 0; v && i < c->n_args; i++) {
        off = v->offset;
        v += v->subtree ? v->subtree : 1;
    }
    return off;
}

mw_status mw_imap_cmd_decode(const mw_imap_command *c, uint32_t flags,
                             const mw_allocator *alloc, mw_imap_cmd **out,
                             mw_imap_error *err)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!c || (c->n_args && !c->args))
        return MW_E_ARG;
    mwi_imap_arena arena;
    mwi_imap_arena_init(&arena, alloc);
    holder *h = mwi_imap_arena_alloc(&arena, sizeof(*h));
    if (!h)
        return MW_E_NOMEM;
    mw_imap_cmd *cmd = &h->cmd;
    cmd->type = c->type;
    cmd->uid = c->uid;
    cmd->tag = c->tag;
    cmd->name = c->name;
    dec d = {&arena, flags, err};
    cur args = {c->args, c->n_args, last_offset(c)};
    mw_status st;
    if (cmd->uid && !mwi_imap_cmd_uid_allowed(cmd->type))
        st = bad_at(&d, args.left ? args.v->offset : args.end,
                    "COPY, MOVE, FETCH, SEARCH, STORE or EXPUNGE");
    else
        st = dec_args(&d, &args, cmd);
    if (st != MW_OK) {
        mwi_imap_arena_free(&arena);
        return st;
    }
    h->arena = arena;
    *out = cmd;
    return MW_OK;
}

void mw_imap_cmd_free(mw_imap_cmd *cmd)
{
    if (!cmd)
        return;
    holder *h = (holder *)(void *)((char *)cmd - offsetof(holder, cmd));
    /* The arena header lives in its own first block: copy it out before
     * the blocks go. */
    mwi_imap_arena arena = h->arena;
    mwi_imap_arena_free(&arena);
}
