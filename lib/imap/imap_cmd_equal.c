/* Typed IMAP commands: value equality. Compares what a command means, not
 * how it was spelled: the syntax a string was sent in, names of known
 * items and forms the writer normalises (a flag list present but empty,
 * patterns in parentheses) do not count. */
#include <string.h>

#include "imap_cmd_int.h"
#include "imap_int.h"
#include "imap_search_int.h"
#include "mailwire/imap_cmd.h"

static int bytes_eq(mw_span a, mw_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int is_inbox(mw_span s)
{
    return s.ptr && mwi_imap_span_is(s.ptr, s.len, "INBOX");
}

static int mailbox_eq(const mw_imap_mailbox *a, const mw_imap_mailbox *b)
{
    if (a->raw.ptr && b->raw.ptr)
        return bytes_eq(a->raw, b->raw) ||
               (is_inbox(a->raw) && is_inbox(b->raw));
    return bytes_eq(a->utf8, b->utf8) ||
           (is_inbox(a->utf8) && is_inbox(b->utf8));
}

static int mailboxes_eq(const mw_imap_mailbox *a, const mw_imap_mailbox *b,
                        uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!mailbox_eq(&a[i], &b[i]))
            return 0;
    return 1;
}

static int words_eq(const mw_span *a, uint32_t na, const mw_span *b,
                    uint32_t nb)
{
    if (na != nb)
        return 0;
    for (uint32_t i = 0; i < na; i++)
        if (!mwi_imap_span_caseeq(a[i], b[i]))
            return 0;
    return 1;
}

static int nodes_eq(const mw_imap_nodes *a, const mw_imap_nodes *b)
{
    if (a->n != b->n)
        return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (!mw_imap_value_equal(a->v[i], b->v[i]))
            return 0;
    return 1;
}

static int opt_value_eq(const mw_imap_value *a, const mw_imap_value *b)
{
    if (!a || !b)
        return a == b;
    return mw_imap_value_equal(a, b);
}

/* A known item compares by its id, an unknown one by its name. */
static int item_eq(uint32_t ia, mw_span na, uint32_t ib, mw_span nb)
{
    return ia == ib && (ia != 0 || mwi_imap_span_caseeq(na, nb));
}

static int status_items_eq(const mw_imap_status_item *a, uint32_t na,
                           const mw_imap_status_item *b, uint32_t nb)
{
    if (na != nb)
        return 0;
    for (uint32_t i = 0; i < na; i++)
        if (!item_eq(a[i].item, a[i].name, b[i].item, b[i].name))
            return 0;
    return 1;
}

static int returns_eq(const mw_imap_returns *a, const mw_imap_returns *b)
{
    if ((a->has_return || a->n_opts) != (b->has_return || b->n_opts) ||
        a->n_opts != b->n_opts)
        return 0;
    for (uint32_t i = 0; i < a->n_opts; i++)
        if (!item_eq(a->opts[i].opt, a->opts[i].name, b->opts[i].opt,
                     b->opts[i].name))
            return 0;
    return 1;
}

static int options_eq(const mw_imap_list_option *a,
                      const mw_imap_list_option *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!mwi_imap_span_caseeq(a[i].name, b[i].name) ||
            !opt_value_eq(a[i].value, b[i].value))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Per command                                                         */
/* ------------------------------------------------------------------ */

static int select_eq(const mw_imap_cmd_select *a, const mw_imap_cmd_select *b)
{
    if (!mailbox_eq(&a->mailbox, &b->mailbox) || a->condstore != b->condstore ||
        a->qresync != b->qresync || !nodes_eq(&a->params, &b->params))
        return 0;
    if (!a->qresync)
        return 1;
    if (a->uidvalidity != b->uidvalidity || a->modseq != b->modseq ||
        !mwi_imap_seqset_equal(&a->known_uids, &b->known_uids) ||
        a->has_seq_match != b->has_seq_match)
        return 0;
    return !a->has_seq_match ||
           (mwi_imap_seqset_equal(&a->seq_match_seqs, &b->seq_match_seqs) &&
            mwi_imap_seqset_equal(&a->seq_match_uids, &b->seq_match_uids));
}

static int create_eq(const mw_imap_cmd_create *a, const mw_imap_cmd_create *b)
{
    return mailbox_eq(&a->mailbox, &b->mailbox) &&
           (a->has_use || a->n_use) == (b->has_use || b->n_use) &&
           words_eq(a->use, a->n_use, b->use, b->n_use) &&
           nodes_eq(&a->params, &b->params);
}

static int list_eq(const mw_imap_cmd_list *a, const mw_imap_cmd_list *b)
{
    int pa = a->patterns_parenthesized || a->n_patterns > 1;
    int pb = b->patterns_parenthesized || b->n_patterns > 1;
    int ra = a->has_return || a->n_return || a->has_status || a->n_status;
    int rb = b->has_return || b->n_return || b->has_status || b->n_status;
    return (a->has_select || a->n_select) == (b->has_select || b->n_select) &&
           a->n_select == b->n_select &&
           options_eq(a->select, b->select, a->n_select) &&
           mailbox_eq(&a->reference, &b->reference) &&
           a->n_patterns == b->n_patterns && pa == pb &&
           mailboxes_eq(a->patterns, b->patterns, a->n_patterns) && ra == rb &&
           a->n_return == b->n_return &&
           options_eq(a->ret, b->ret, a->n_return) &&
           (a->has_status || a->n_status) == (b->has_status || b->n_status) &&
           status_items_eq(a->status, a->n_status, b->status, b->n_status);
}

static int append_msg_eq(const mw_imap_append_msg *a,
                         const mw_imap_append_msg *b)
{
    if ((a->has_flags || a->n_flags) != (b->has_flags || b->n_flags) ||
        !words_eq(a->flags, a->n_flags, b->flags, b->n_flags) ||
        a->has_date != b->has_date || (!a->catenate) != (!b->catenate))
        return 0;
    if (a->has_date && memcmp(&a->date, &b->date, sizeof(a->date)) != 0)
        return 0;
    if (a->catenate)
        return mw_imap_value_equal(a->catenate, b->catenate);
    if (a->utf8 != b->utf8 || (a->binary || a->utf8) != (b->binary || b->utf8))
        return 0;
    if (a->streamed || b->streamed)
        return a->streamed == b->streamed && a->length == b->length;
    return bytes_eq(a->data, b->data);
}

static int append_eq(const mw_imap_cmd_append *a, const mw_imap_cmd_append *b)
{
    if (!mailbox_eq(&a->mailbox, &b->mailbox) || a->n_messages != b->n_messages)
        return 0;
    for (uint32_t i = 0; i < a->n_messages; i++)
        if (!append_msg_eq(&a->messages[i], &b->messages[i]))
            return 0;
    return 1;
}

static int fetch_eq(const mw_imap_cmd_fetch *a, const mw_imap_cmd_fetch *b)
{
    return mwi_imap_seqset_equal(&a->set, &b->set) &&
           mw_imap_fetch_atts_equal(&a->atts, &b->atts) &&
           a->has_changedsince == b->has_changedsince &&
           (!a->has_changedsince || a->changedsince == b->changedsince) &&
           a->vanished == b->vanished && nodes_eq(&a->modifiers, &b->modifiers);
}

static int store_eq(const mw_imap_cmd_store *a, const mw_imap_cmd_store *b)
{
    return mwi_imap_seqset_equal(&a->set, &b->set) &&
           a->has_unchangedsince == b->has_unchangedsince &&
           (!a->has_unchangedsince || a->unchangedsince == b->unchangedsince) &&
           a->mode == b->mode && a->silent == b->silent &&
           words_eq(a->flags, a->n_flags, b->flags, b->n_flags) &&
           nodes_eq(&a->modifiers, &b->modifiers);
}

static int id_eq(const mw_imap_cmd_id *a, const mw_imap_cmd_id *b)
{
    int na = a->nil || !a->n_fields, nb = b->nil || !b->n_fields;
    if (na || nb)
        return na == nb;
    if (a->n_fields != b->n_fields)
        return 0;
    for (uint32_t i = 0; i < a->n_fields; i++) {
        const mw_imap_id_field *x = &a->fields[i], *y = &b->fields[i];
        if (!bytes_eq(x->name, y->name) || x->value_nil != y->value_nil ||
            (!x->value_nil && !bytes_eq(x->value, y->value)))
            return 0;
    }
    return 1;
}

static int setquota_eq(const mw_imap_cmd_setquota *a,
                       const mw_imap_cmd_setquota *b)
{
    if (!bytes_eq(a->root, b->root) || a->n_limits != b->n_limits)
        return 0;
    for (uint32_t i = 0; i < a->n_limits; i++)
        if (!mwi_imap_span_caseeq(a->limits[i].name, b->limits[i].name) ||
            a->limits[i].limit != b->limits[i].limit)
            return 0;
    return 1;
}

static int sort_eq(const mw_imap_cmd_sort *a, const mw_imap_cmd_sort *b)
{
    if (!returns_eq(&a->ret, &b->ret) || a->n_crit != b->n_crit ||
        !bytes_eq(a->charset, b->charset) ||
        !mw_imap_search_equal(&a->search, &b->search))
        return 0;
    for (uint32_t i = 0; i < a->n_crit; i++)
        if (a->crit[i].reverse != b->crit[i].reverse ||
            !item_eq(a->crit[i].key, a->crit[i].name, b->crit[i].key,
                     b->crit[i].name))
            return 0;
    return 1;
}

static int unknown_eq(const mw_imap_cmd_unknown *a,
                      const mw_imap_cmd_unknown *b)
{
    if (a->n_args != b->n_args)
        return 0;
    const mw_imap_value *x = a->args, *y = b->args;
    for (uint32_t i = 0; i < a->n_args; i++) {
        if (!mw_imap_value_equal(x, y))
            return 0;
        x += x->subtree;
        y += y->subtree;
    }
    return 1;
}

static int args_eq(const mw_imap_cmd *a, const mw_imap_cmd *b)
{
    const mw_imap_cmd_search *sa = &a->u.search, *sb = &b->u.search;
    switch (a->type) {
    case MW_IMAP_CMD_AUTHENTICATE:
        return mwi_imap_span_caseeq(a->u.authenticate.mechanism,
                                    b->u.authenticate.mechanism) &&
               a->u.authenticate.has_initial == b->u.authenticate.has_initial &&
               (!a->u.authenticate.has_initial ||
                bytes_eq(a->u.authenticate.initial, b->u.authenticate.initial));
    case MW_IMAP_CMD_LOGIN:
        return bytes_eq(a->u.login.user, b->u.login.user) &&
               bytes_eq(a->u.login.password, b->u.login.password);
    case MW_IMAP_CMD_ENABLE:
        return words_eq(a->u.enable.caps, a->u.enable.n_caps, b->u.enable.caps,
                        b->u.enable.n_caps);
    case MW_IMAP_CMD_SELECT:
    case MW_IMAP_CMD_EXAMINE:
        return select_eq(&a->u.select, &b->u.select);
    case MW_IMAP_CMD_CREATE:
        return create_eq(&a->u.create, &b->u.create);
    case MW_IMAP_CMD_DELETE:
    case MW_IMAP_CMD_SUBSCRIBE:
    case MW_IMAP_CMD_UNSUBSCRIBE:
    case MW_IMAP_CMD_GETQUOTAROOT:
        return mailbox_eq(&a->u.mailbox.mailbox, &b->u.mailbox.mailbox);
    case MW_IMAP_CMD_RENAME:
        return mailbox_eq(&a->u.rename.from, &b->u.rename.from) &&
               mailbox_eq(&a->u.rename.to, &b->u.rename.to) &&
               nodes_eq(&a->u.rename.params, &b->u.rename.params);
    case MW_IMAP_CMD_LIST:
        return list_eq(&a->u.list, &b->u.list);
    case MW_IMAP_CMD_LSUB:
        return mailbox_eq(&a->u.lsub.reference, &b->u.lsub.reference) &&
               mailbox_eq(&a->u.lsub.pattern, &b->u.lsub.pattern);
    case MW_IMAP_CMD_STATUS:
        return mailbox_eq(&a->u.status.mailbox, &b->u.status.mailbox) &&
               status_items_eq(a->u.status.items, a->u.status.n_items,
                               b->u.status.items, b->u.status.n_items);
    case MW_IMAP_CMD_APPEND:
        return append_eq(&a->u.append, &b->u.append);
    case MW_IMAP_CMD_EXPUNGE:
        return !a->uid ||
               mwi_imap_seqset_equal(&a->u.expunge.uids, &b->u.expunge.uids);
    case MW_IMAP_CMD_SEARCH:
        return returns_eq(&sa->ret, &sb->ret) &&
               sa->has_charset == sb->has_charset &&
               (!sa->has_charset || bytes_eq(sa->charset, sb->charset)) &&
               mw_imap_search_equal(&sa->search, &sb->search);
    case MW_IMAP_CMD_FETCH:
        return fetch_eq(&a->u.fetch, &b->u.fetch);
    case MW_IMAP_CMD_STORE:
        return store_eq(&a->u.store, &b->u.store);
    case MW_IMAP_CMD_COPY:
    case MW_IMAP_CMD_MOVE:
        return mwi_imap_seqset_equal(&a->u.copy.set, &b->u.copy.set) &&
               mailbox_eq(&a->u.copy.mailbox, &b->u.copy.mailbox);
    case MW_IMAP_CMD_ID:
        return id_eq(&a->u.id, &b->u.id);
    case MW_IMAP_CMD_COMPRESS:
        return mwi_imap_span_caseeq(a->u.compress.mechanism,
                                    b->u.compress.mechanism);
    case MW_IMAP_CMD_GETQUOTA:
        return bytes_eq(a->u.getquota.root, b->u.getquota.root);
    case MW_IMAP_CMD_SETQUOTA:
        return setquota_eq(&a->u.setquota, &b->u.setquota);
    case MW_IMAP_CMD_SORT:
        return sort_eq(&a->u.sort, &b->u.sort);
    case MW_IMAP_CMD_THREAD:
        return mwi_imap_span_caseeq(a->u.thread.algorithm,
                                    b->u.thread.algorithm) &&
               bytes_eq(a->u.thread.charset, b->u.thread.charset) &&
               mw_imap_search_equal(&a->u.thread.search, &b->u.thread.search);
    case MW_IMAP_CMD_UNKNOWN:
        return mwi_imap_span_caseeq(a->name, b->name) &&
               unknown_eq(&a->u.unknown, &b->u.unknown);
    default:
        return 1; /* no arguments */
    }
}

int mw_imap_cmd_equal(const mw_imap_cmd *a, const mw_imap_cmd *b)
{
    if (!a || !b)
        return 0;
    return a->type == b->type && a->uid == b->uid && bytes_eq(a->tag, b->tag) &&
           args_eq(a, b);
}
