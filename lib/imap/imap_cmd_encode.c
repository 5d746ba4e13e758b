/* Typed IMAP commands: the writer. Every value is checked against what
 * the parser, the validator (imap_cmd.c) and the decoder
 * (imap_cmd_decode.c) would read back, so parse(write(cmd)) decodes to a
 * command equal to cmd. The command is built in a scratch buffer and
 * appended whole: core.h has no way to take back a partial append. */
#include <string.h>

#include "imap_cmd_int.h"
#include "imap_int.h"
#include "mailwire/imap_cmd.h"
#include "mw_int.h"

const char *const mwi_imap_status_names[MWI_IMAP_STATUS_COUNT] = {
    "",     "MESSAGES", "UIDNEXT",       "UIDVALIDITY", "UNSEEN",   "DELETED",
    "SIZE", "RECENT",   "HIGHESTMODSEQ", "APPENDLIMIT", "MAILBOXID"};

const char *const mwi_imap_return_names[MWI_IMAP_RETURN_COUNT] = {
    "", "MIN", "MAX", "ALL", "COUNT", "SAVE"};

const char *const mwi_imap_sort_names[MWI_IMAP_SORT_COUNT] = {
    "",     "ARRIVAL", "CC", "DATE",        "FROM",
    "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"};

/* Indexed by mw_imap_cmdtype; UNKNOWN writes the caller's name. */
static const char *const cmd_names[] = {
    "",         "CAPABILITY",   "NOOP",        "LOGOUT",
    "STARTTLS", "AUTHENTICATE", "LOGIN",       "ENABLE",
    "SELECT",   "EXAMINE",      "CREATE",      "DELETE",
    "RENAME",   "SUBSCRIBE",    "UNSUBSCRIBE", "LIST",
    "LSUB",     "NAMESPACE",    "STATUS",      "APPEND",
    "IDLE",     "CHECK",        "CLOSE",       "UNSELECT",
    "EXPUNGE",  "SEARCH",       "FETCH",       "STORE",
    "COPY",     "MOVE",         "ID",          "COMPRESS",
    "GETQUOTA", "GETQUOTAROOT", "SETQUOTA",    "SORT",
    "THREAD"};

int mwi_imap_cmd_uid_allowed(uint32_t t)
{
    return t == MW_IMAP_CMD_COPY || t == MW_IMAP_CMD_MOVE ||
           t == MW_IMAP_CMD_FETCH || t == MW_IMAP_CMD_SEARCH ||
           t == MW_IMAP_CMD_STORE || t == MW_IMAP_CMD_EXPUNGE ||
           t == MW_IMAP_CMD_SORT || t == MW_IMAP_CMD_THREAD;
}

typedef struct enc {
    mw_buf *o;
    uint32_t flags;  /* MW_IMAP_WRITE_* */
    uint32_t sflags; /* MW_IMAP_STR_* derived from flags */
} enc;

static mw_status put(enc *e, const char *s, size_t n)
{
    return mw_buf_append(e->o, s, n);
}

static mw_status put_str(enc *e, const char *s)
{
    return mw_buf_append_str(e->o, s);
}

static mw_status sp(enc *e)
{
    return put(e, " ", 1);
}

static mw_status put_u64(enc *e, uint64_t v)
{
    return mwi_imap_put_u64(e->o, v);
}

static const char *ptr_of(mw_span s)
{
    return s.ptr ? s.ptr : "";
}

/* What the lexer reads back as this one atom: atom characters only, and
 * no '[' right after a fetch-section name (that would open a section). */
static int atom_ok(mw_span s)
{
    if (s.len == 0 || !s.ptr)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (!mwi_imap_atom_char(c))
            return 0;
        if (c == '[' && mwi_imap_is_section_name(s.ptr, i))
            return 0;
    }
    return 1;
}

static int span_is(mw_span s, const char *word)
{
    return s.ptr && mwi_imap_span_is(s.ptr, s.len, word);
}

static mw_status put_atom(enc *e, mw_span s)
{
    return atom_ok(s) ? put(e, s.ptr, s.len) : MW_E_ARG;
}

static mw_status put_astring(enc *e, mw_span s)
{
    return mw_imap_string_write(ptr_of(s), s.len,
                                e->sflags | MW_IMAP_STR_ASTRING, e->o);
}

static mw_status put_string(enc *e, mw_span s)
{
    return mw_imap_string_write(ptr_of(s), s.len, e->sflags, e->o);
}

static mw_status put_mailbox(enc *e, const mw_imap_mailbox *m)
{
    if (m->raw.ptr)
        return put_astring(e, m->raw);
    if (e->flags & MW_IMAP_WRITE_UTF8) {
        if (!mw_utf8_is_valid(m->utf8.ptr, m->utf8.len, NULL))
            return MW_E_ARG;
        return put_astring(e, m->utf8);
    }
    mw_buf tmp;
    mw_buf_init_growable(&tmp, e->o->allocator, 0);
    mw_status st = mw_utf7_encode(m->utf8.ptr, m->utf8.len, &tmp, NULL);
    if (st == MW_OK) {
        mw_span s = {tmp.data, tmp.len};
        st = put_astring(e, s);
    } else if (st == MW_E_ENCODING) {
        st = MW_E_ARG;
    }
    mw_buf_free(&tmp);
    return st;
}

static mw_status put_seqset(enc *e, const mw_imap_seqset *s)
{
    return mw_imap_seqset_write_typed(s, e->o);
}

static mw_status put_atoms(enc *e, const mw_span *a, uint32_t n)
{
    if (n && !a)
        return MW_E_ARG;
    mw_status st = put(e, "(", 1);
    for (uint32_t i = 0; st == MW_OK && i < n; i++) {
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_atom(e, a[i]);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

/* Generic nodes go out through the tree writer; they must hold only what
 * a command can contain (no response codes or text) and NIL atoms must
 * carry the NIL flag the parser will give them. */
static int node_ok(const mw_imap_value *v)
{
    if (!v || v->subtree == 0)
        return 0;
    for (uint32_t i = 0; i < v->subtree; i++) {
        const mw_imap_value *n = v + i;
        if (n->type == MW_IMAP_V_CODE || n->type == MW_IMAP_V_TEXT)
            return 0;
        if (n->type == MW_IMAP_V_ATOM &&
            span_is(n->str, "NIL") != ((n->flags & MW_IMAP_VF_NIL) != 0))
            return 0;
    }
    return 1;
}

static mw_status put_node(enc *e, const mw_imap_value *v)
{
    if (!node_ok(v))
        return MW_E_ARG;
    return mw_imap_value_write(v, e->flags & MW_IMAP_WRITE_UTF8, e->o);
}

/* Generic parameters after typed ones; none may be an atom one of the
 * typed names would claim when the command is decoded again. */
static mw_status put_nodes(enc *e, const mw_imap_nodes *p, int first,
                           const char *const *claimed)
{
    if (p->n && !p->v)
        return MW_E_ARG;
    mw_status st = MW_OK;
    for (uint32_t i = 0; st == MW_OK && i < p->n; i++) {
        const mw_imap_value *v = p->v[i];
        for (const char *const *w = claimed; v && *w; w++)
            if (v->type == MW_IMAP_V_ATOM && span_is(v->str, *w))
                return MW_E_ARG;
        if (!first || i)
            st = sp(e);
        if (st == MW_OK)
            st = put_node(e, v);
    }
    return st;
}

/* An item of a keyword table: the canonical name, or the caller's name
 * for UNKNOWN when it spells no known item. */
static mw_status put_item(enc *e, uint32_t id, mw_span name,
                          const char *const *names, uint32_t count,
                          uint32_t (*of)(mw_span))
{
    if (id >= count)
        return MW_E_ARG;
    if (id)
        return put_str(e, names[id]);
    if (!atom_ok(name) || of(name) != 0)
        return MW_E_ARG;
    return put(e, name.ptr, name.len);
}

static mw_status put_status_items(enc *e, const mw_imap_status_item *it,
                                  uint32_t n)
{
    if (!n || !it)
        return MW_E_ARG;
    mw_status st = put(e, "(", 1);
    for (uint32_t i = 0; st == MW_OK && i < n; i++) {
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_item(e, it[i].item, it[i].name, mwi_imap_status_names,
                          MWI_IMAP_STATUS_COUNT, mwi_imap_status_att_of);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_returns(enc *e, const mw_imap_returns *r)
{
    if (!r->has_return && !r->n_opts)
        return MW_OK;
    if (r->n_opts && !r->opts)
        return MW_E_ARG;
    mw_status st = put_str(e, " RETURN (");
    for (uint32_t i = 0; st == MW_OK && i < r->n_opts; i++) {
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_item(e, r->opts[i].opt, r->opts[i].name,
                          mwi_imap_return_names, MWI_IMAP_RETURN_COUNT,
                          mwi_imap_return_att_of);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static mw_status put_authenticate(enc *e, const mw_imap_cmd_authenticate *a)
{
    mw_status st = put_atom(e, a->mechanism);
    if (st != MW_OK || !a->has_initial)
        return st;
    if ((st = sp(e)) != MW_OK)
        return st;
    if (a->initial.len == 0)
        return put(e, "=", 1);
    /* A lone "=" would read back as the empty response. */
    if (a->initial.len == 1 && a->initial.ptr[0] == '=')
        return MW_E_ARG;
    return put_atom(e, a->initial);
}

static mw_status put_enable(enc *e, const mw_imap_cmd_enable *en)
{
    if (!en->n_caps || !en->caps)
        return MW_E_ARG;
    mw_status st = MW_OK;
    for (uint32_t i = 0; st == MW_OK && i < en->n_caps; i++) {
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_atom(e, en->caps[i]);
    }
    return st;
}

static mw_status put_qresync(enc *e, const mw_imap_cmd_select *s)
{
    mw_status st = put_str(e, "QRESYNC (");
    if (st == MW_OK)
        st = put_u64(e, s->uidvalidity);
    if (st == MW_OK)
        st = sp(e);
    if (st == MW_OK)
        st = put_u64(e, s->modseq);
    if (st == MW_OK && (s->known_uids.n || s->known_uids.dollar)) {
        st = sp(e);
        if (st == MW_OK)
            st = put_seqset(e, &s->known_uids);
    }
    if (st == MW_OK && s->has_seq_match) {
        st = put(e, " (", 2);
        if (st == MW_OK)
            st = put_seqset(e, &s->seq_match_seqs);
        if (st == MW_OK)
            st = sp(e);
        if (st == MW_OK)
            st = put_seqset(e, &s->seq_match_uids);
        if (st == MW_OK)
            st = put(e, ")", 1);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_select(enc *e, const mw_imap_cmd_select *s)
{
    static const char *const claimed[] = {"CONDSTORE", "QRESYNC", NULL};
    mw_status st = put_mailbox(e, &s->mailbox);
    if (st != MW_OK || !(s->condstore || s->qresync || s->params.n))
        return st;
    st = put(e, " (", 2);
    int first = 1;
    if (st == MW_OK && s->condstore) {
        st = put_str(e, "CONDSTORE");
        first = 0;
    }
    if (st == MW_OK && s->qresync) {
        if (!first)
            st = sp(e);
        if (st == MW_OK)
            st = put_qresync(e, s);
        first = 0;
    }
    if (st == MW_OK)
        st = put_nodes(e, &s->params, first, claimed);
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_create(enc *e, const mw_imap_cmd_create *c)
{
    static const char *const claimed[] = {"USE", NULL};
    mw_status st = put_mailbox(e, &c->mailbox);
    int use = c->has_use || c->n_use;
    if (st != MW_OK || !(use || c->params.n))
        return st;
    st = put(e, " (", 2);
    if (st == MW_OK && use) {
        st = put_str(e, "USE ");
        if (st == MW_OK)
            st = put_atoms(e, c->use, c->n_use);
    }
    if (st == MW_OK)
        st = put_nodes(e, &c->params, !use, claimed);
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_rename(enc *e, const mw_imap_cmd_rename *r)
{
    static const char *const none[] = {NULL};
    mw_status st = put_mailbox(e, &r->from);
    if (st == MW_OK)
        st = sp(e);
    if (st == MW_OK)
        st = put_mailbox(e, &r->to);
    if (st != MW_OK || !r->params.n)
        return st;
    st = put(e, " (", 2);
    if (st == MW_OK)
        st = put_nodes(e, &r->params, 1, none);
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_list_options(enc *e, const mw_imap_list_option *o,
                                  uint32_t n, int values)
{
    if (n && !o)
        return MW_E_ARG;
    mw_status st = MW_OK;
    for (uint32_t i = 0; st == MW_OK && i < n; i++) {
        /* STATUS has its own typed fields; a value is always a list
         * (anything else would read back as the next option). */
        if (span_is(o[i].name, "STATUS") || (o[i].value && !values) ||
            (o[i].value && o[i].value->type != MW_IMAP_V_LIST))
            return MW_E_ARG;
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_atom(e, o[i].name);
        if (st == MW_OK && o[i].value) {
            st = sp(e);
            if (st == MW_OK)
                st = put_node(e, o[i].value);
        }
    }
    return st;
}

static mw_status put_list(enc *e, const mw_imap_cmd_list *l)
{
    mw_status st = MW_OK;
    if (l->has_select || l->n_select) {
        st = put(e, "(", 1);
        if (st == MW_OK)
            st = put_list_options(e, l->select, l->n_select, 0);
        if (st == MW_OK)
            st = put(e, ") ", 2);
    }
    if (st == MW_OK)
        st = put_mailbox(e, &l->reference);
    if (st != MW_OK)
        return st;
    if (!l->n_patterns || !l->patterns)
        return MW_E_ARG;
    int paren = l->patterns_parenthesized || l->n_patterns > 1;
    st = put(e, paren ? " (" : " ", paren ? 2 : 1);
    for (uint32_t i = 0; st == MW_OK && i < l->n_patterns; i++) {
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_mailbox(e, &l->patterns[i]);
    }
    if (st == MW_OK && paren)
        st = put(e, ")", 1);
    int status = l->has_status || l->n_status;
    if (st != MW_OK || !(l->has_return || l->n_return || status))
        return st;
    st = put_str(e, " RETURN (");
    if (st == MW_OK)
        st = put_list_options(e, l->ret, l->n_return, 1);
    if (st == MW_OK && status) {
        if (l->n_return)
            st = sp(e);
        if (st == MW_OK)
            st = put_str(e, "STATUS ");
        if (st == MW_OK)
            st = put_status_items(e, l->status, l->n_status);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_status(enc *e, const mw_imap_cmd_status *s)
{
    mw_status st = put_mailbox(e, &s->mailbox);
    if (st == MW_OK)
        st = sp(e);
    return st == MW_OK ? put_status_items(e, s->items, s->n_items) : st;
}

static mw_status put_literal8(enc *e, mw_span data)
{
    mw_status st = put(e, "~{", 2);
    if (st == MW_OK)
        st = put_u64(e, data.len);
    if (st == MW_OK)
        st = put(e, "}\r\n", 3);
    return st == MW_OK ? put(e, ptr_of(data), data.len) : st;
}

static mw_status put_append_data(enc *e, const mw_imap_append_msg *m)
{
    if (m->catenate) {
        if (m->catenate->type != MW_IMAP_V_LIST)
            return MW_E_ARG;
        mw_status st = put_str(e, "CATENATE ");
        return st == MW_OK ? put_node(e, m->catenate) : st;
    }
    if (m->streamed || (m->data.len && !m->data.ptr))
        return MW_E_ARG;
    if (m->utf8) {
        mw_status st = put_str(e, "UTF8 (");
        if (st == MW_OK)
            st = put_literal8(e, m->data);
        return st == MW_OK ? put(e, ")", 1) : st;
    }
    if (m->binary)
        return put_literal8(e, m->data);
    return mw_imap_string_write(ptr_of(m->data), m->data.len,
                                e->sflags | MW_IMAP_STR_FORCE_LITERAL, e->o);
}

static mw_status put_append_msg(enc *e, const mw_imap_append_msg *m)
{
    mw_status st = MW_OK;
    if (m->has_flags || m->n_flags) {
        st = put_atoms(e, m->flags, m->n_flags);
        if (st == MW_OK)
            st = sp(e);
    }
    if (st == MW_OK && m->has_date) {
        if (!m->date.has_time)
            return MW_E_ARG;
        st = mw_imap_datetime_write(&m->date, e->o);
        if (st == MW_OK)
            st = sp(e);
    }
    return st == MW_OK ? put_append_data(e, m) : st;
}

static mw_status put_append(enc *e, const mw_imap_cmd_append *a)
{
    if (!a->n_messages || !a->messages)
        return MW_E_ARG;
    mw_status st = put_mailbox(e, &a->mailbox);
    for (uint32_t i = 0; st == MW_OK && i < a->n_messages; i++) {
        st = sp(e);
        if (st == MW_OK)
            st = put_append_msg(e, &a->messages[i]);
    }
    return st;
}

static mw_status put_search(enc *e, const mw_imap_cmd_search *s)
{
    mw_status st = put_returns(e, &s->ret);
    if (st == MW_OK && s->has_charset) {
        st = put_str(e, " CHARSET ");
        if (st == MW_OK)
            st = put_astring(e, s->charset);
    }
    if (st == MW_OK)
        st = sp(e);
    return st == MW_OK ? mw_imap_search_write(&s->search, e->flags, e->o) : st;
}

static mw_status put_fetch(enc *e, const mw_imap_cmd_fetch *f)
{
    static const char *const claimed[] = {"CHANGEDSINCE", "VANISHED", NULL};
    mw_status st = put_seqset(e, &f->set);
    if (st == MW_OK)
        st = sp(e);
    if (st == MW_OK)
        st = mw_imap_fetch_atts_write(&f->atts, e->flags, e->o);
    if (st != MW_OK || !(f->has_changedsince || f->vanished || f->modifiers.n))
        return st;
    st = put(e, " (", 2);
    int first = 1;
    if (st == MW_OK && f->has_changedsince) {
        st = put_str(e, "CHANGEDSINCE ");
        if (st == MW_OK)
            st = put_u64(e, f->changedsince);
        first = 0;
    }
    if (st == MW_OK && f->vanished) {
        st = put_str(e, first ? "VANISHED" : " VANISHED");
        first = 0;
    }
    if (st == MW_OK)
        st = put_nodes(e, &f->modifiers, first, claimed);
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_store(enc *e, const mw_imap_cmd_store *s)
{
    static const char *const claimed[] = {"UNCHANGEDSINCE", NULL};
    if (s->mode > MW_IMAP_STORE_REMOVE)
        return MW_E_ARG;
    mw_status st = put_seqset(e, &s->set);
    if (st == MW_OK && (s->has_unchangedsince || s->modifiers.n)) {
        st = put(e, " (", 2);
        if (st == MW_OK && s->has_unchangedsince) {
            st = put_str(e, "UNCHANGEDSINCE ");
            if (st == MW_OK)
                st = put_u64(e, s->unchangedsince);
        }
        if (st == MW_OK)
            st = put_nodes(e, &s->modifiers, !s->has_unchangedsince, claimed);
        if (st == MW_OK)
            st = put(e, ")", 1);
    }
    static const char *const items[] = {" FLAGS", " +FLAGS", " -FLAGS"};
    if (st == MW_OK)
        st = put_str(e, items[s->mode]);
    if (st == MW_OK && s->silent)
        st = put_str(e, ".SILENT");
    if (st == MW_OK)
        st = sp(e);
    return st == MW_OK ? put_atoms(e, s->flags, s->n_flags) : st;
}

static mw_status put_copy(enc *e, const mw_imap_cmd_copy *c)
{
    mw_status st = put_seqset(e, &c->set);
    if (st == MW_OK)
        st = sp(e);
    return st == MW_OK ? put_mailbox(e, &c->mailbox) : st;
}

static mw_status put_id(enc *e, const mw_imap_cmd_id *id)
{
    if (id->nil || !id->n_fields)
        return put(e, "NIL", 3);
    if (!id->fields)
        return MW_E_ARG;
    mw_status st = put(e, "(", 1);
    for (uint32_t i = 0; st == MW_OK && i < id->n_fields; i++) {
        const mw_imap_id_field *f = &id->fields[i];
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_string(e, f->name);
        if (st == MW_OK)
            st = sp(e);
        if (st == MW_OK)
            st = f->value_nil ? put(e, "NIL", 3) : put_string(e, f->value);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_setquota(enc *e, const mw_imap_cmd_setquota *q)
{
    if (q->n_limits && !q->limits)
        return MW_E_ARG;
    mw_status st = put_astring(e, q->root);
    if (st == MW_OK)
        st = put(e, " (", 2);
    for (uint32_t i = 0; st == MW_OK && i < q->n_limits; i++) {
        if (i)
            st = sp(e);
        if (st == MW_OK)
            st = put_atom(e, q->limits[i].name);
        if (st == MW_OK)
            st = sp(e);
        if (st == MW_OK)
            st = put_u64(e, q->limits[i].limit);
    }
    return st == MW_OK ? put(e, ")", 1) : st;
}

static mw_status put_sort(enc *e, const mw_imap_cmd_sort *s)
{
    if (!s->n_crit || !s->crit)
        return MW_E_ARG;
    mw_status st = put_returns(e, &s->ret);
    if (st == MW_OK)
        st = put(e, " (", 2);
    for (uint32_t i = 0; st == MW_OK && i < s->n_crit; i++) {
        const mw_imap_sort_crit *k = &s->crit[i];
        if (i)
            st = sp(e);
        if (st == MW_OK && k->reverse)
            st = put_str(e, "REVERSE ");
        if (st == MW_OK && !k->key && span_is(k->name, "REVERSE"))
            return MW_E_ARG;
        if (st == MW_OK)
            st = put_item(e, k->key, k->name, mwi_imap_sort_names,
                          MWI_IMAP_SORT_COUNT, mwi_imap_sort_att_of);
    }
    if (st == MW_OK)
        st = put(e, ") ", 2);
    if (st == MW_OK)
        st = put_astring(e, s->charset);
    if (st == MW_OK)
        st = sp(e);
    return st == MW_OK ? mw_imap_search_write(&s->search, e->flags, e->o) : st;
}

static mw_status put_thread(enc *e, const mw_imap_cmd_thread *t)
{
    mw_status st = put_atom(e, t->algorithm);
    if (st == MW_OK)
        st = sp(e);
    if (st == MW_OK)
        st = put_astring(e, t->charset);
    if (st == MW_OK)
        st = sp(e);
    return st == MW_OK ? mw_imap_search_write(&t->search, e->flags, e->o) : st;
}

static mw_status put_unknown(enc *e, const mw_imap_cmd_unknown *u)
{
    if (u->n_args && !u->args)
        return MW_E_ARG;
    const mw_imap_value *v = u->args;
    mw_status st = MW_OK;
    for (uint32_t i = 0; st == MW_OK && i < u->n_args; i++) {
        st = put_node(e, v);
        if (st == MW_OK && i + 1 < u->n_args)
            st = sp(e);
        v += v->subtree;
    }
    return st;
}

static mw_status put_args(enc *e, const mw_imap_cmd *c)
{
    switch (c->type) {
    case MW_IMAP_CMD_AUTHENTICATE:
        return put_authenticate(e, &c->u.authenticate);
    case MW_IMAP_CMD_LOGIN: {
        mw_status st = put_astring(e, c->u.login.user);
        if (st == MW_OK)
            st = sp(e);
        return st == MW_OK ? put_astring(e, c->u.login.password) : st;
    }
    case MW_IMAP_CMD_ENABLE:
        return put_enable(e, &c->u.enable);
    case MW_IMAP_CMD_SELECT:
    case MW_IMAP_CMD_EXAMINE:
        return put_select(e, &c->u.select);
    case MW_IMAP_CMD_CREATE:
        return put_create(e, &c->u.create);
    case MW_IMAP_CMD_DELETE:
    case MW_IMAP_CMD_SUBSCRIBE:
    case MW_IMAP_CMD_UNSUBSCRIBE:
    case MW_IMAP_CMD_GETQUOTAROOT:
        return put_mailbox(e, &c->u.mailbox.mailbox);
    case MW_IMAP_CMD_RENAME:
        return put_rename(e, &c->u.rename);
    case MW_IMAP_CMD_LIST:
        return put_list(e, &c->u.list);
    case MW_IMAP_CMD_LSUB: {
        mw_status st = put_mailbox(e, &c->u.lsub.reference);
        if (st == MW_OK)
            st = sp(e);
        return st == MW_OK ? put_mailbox(e, &c->u.lsub.pattern) : st;
    }
    case MW_IMAP_CMD_STATUS:
        return put_status(e, &c->u.status);
    case MW_IMAP_CMD_APPEND:
        return put_append(e, &c->u.append);
    case MW_IMAP_CMD_EXPUNGE:
        return put_seqset(e, &c->u.expunge.uids);
    case MW_IMAP_CMD_FETCH:
        return put_fetch(e, &c->u.fetch);
    case MW_IMAP_CMD_STORE:
        return put_store(e, &c->u.store);
    case MW_IMAP_CMD_COPY:
    case MW_IMAP_CMD_MOVE:
        return put_copy(e, &c->u.copy);
    case MW_IMAP_CMD_ID:
        return put_id(e, &c->u.id);
    case MW_IMAP_CMD_COMPRESS:
        return put_atom(e, c->u.compress.mechanism);
    case MW_IMAP_CMD_GETQUOTA:
        return put_astring(e, c->u.getquota.root);
    case MW_IMAP_CMD_SETQUOTA:
        return put_setquota(e, &c->u.setquota);
    case MW_IMAP_CMD_SEARCH:
        return put_search(e, &c->u.search);
    case MW_IMAP_CMD_SORT:
        return put_sort(e, &c->u.sort);
    case MW_IMAP_CMD_THREAD:
        return put_thread(e, &c->u.thread);
    case MW_IMAP_CMD_UNKNOWN:
        return put_unknown(e, &c->u.unknown);
    default:
        return MW_E_ARG;
    }
}

/* Commands whose arguments start without a separating space (their
 * writers begin with " RETURN" or nothing at all). */
static int no_space_before_args(const mw_imap_cmd *c)
{
    if (mwi_imap_cmd_no_args(c->type))
        return 1;
    switch (c->type) {
    case MW_IMAP_CMD_SEARCH:
    case MW_IMAP_CMD_SORT:
        return 1;
    case MW_IMAP_CMD_EXPUNGE:
        return !c->uid;
    case MW_IMAP_CMD_UNKNOWN:
        return c->u.unknown.n_args == 0;
    default:
        return 0;
    }
}

static int has_args(const mw_imap_cmd *c)
{
    if (mwi_imap_cmd_no_args(c->type))
        return 0;
    return c->type != MW_IMAP_CMD_EXPUNGE || c->uid != 0;
}

/* An unknown command's name must not read back as a known one. */
static int unknown_name_ok(mw_span name)
{
    if (!atom_ok(name) || span_is(name, "UID"))
        return 0;
    for (size_t i = 1; i < MWI_ARRAY_LEN(cmd_names); i++)
        if (span_is(name, cmd_names[i]))
            return 0;
    return 1;
}

static mw_status put_command(enc *e, const mw_imap_cmd *c)
{
    if (!mwi_imap_tag_ok(c->tag) || c->type >= MWI_ARRAY_LEN(cmd_names) ||
        (c->uid && !mwi_imap_cmd_uid_allowed(c->type)) ||
        (c->type == MW_IMAP_CMD_UNKNOWN && !unknown_name_ok(c->name)))
        return MW_E_ARG;
    mw_status st = put(e, c->tag.ptr, c->tag.len);
    if (st == MW_OK && c->uid)
        st = put_str(e, " UID");
    if (st == MW_OK)
        st = sp(e);
    if (st == MW_OK)
        st = c->type == MW_IMAP_CMD_UNKNOWN ? put(e, c->name.ptr, c->name.len)
                                            : put_str(e, cmd_names[c->type]);
    if (st == MW_OK && has_args(c)) {
        if (!no_space_before_args(c))
            st = sp(e);
        if (st == MW_OK)
            st = put_args(e, c);
    }
    return st == MW_OK ? put(e, "\r\n", 2) : st;
}

static mw_status write_command(const void *value, uint32_t flags, mw_buf *out)
{
    enc e = {out, flags, 0};
    if (flags & MW_IMAP_WRITE_UTF8)
        e.sflags |= MW_IMAP_STR_UTF8;
    if (flags & MW_IMAP_WRITE_LITERAL_PLUS)
        e.sflags |= MW_IMAP_STR_LITERAL_PLUS;
    return put_command(&e, value);
}

mw_status mw_imap_cmd_write(const mw_imap_cmd *cmd, uint32_t flags, mw_buf *out)
{
    if (!cmd || !out)
        return MW_E_ARG;
    return mwi_imap_write_whole(write_command, cmd, flags, out);
}
