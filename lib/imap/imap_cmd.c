/* Typed view of client commands: classification and the argument grammar
 * of RFC 9051 section 9 (with RFC 3501, CONDSTORE / QRESYNC, LIST-EXTENDED,
 * ESEARCH, MULTIAPPEND, MOVE, ID, COMPRESS, QUOTA, SORT / THREAD). The
 * serializer is the generic unit writer. */
#include <string.h>

#include "imap_int.h"
#include "mw_int.h"

/* Nesting of search keys the validator follows (the parser's list depth
 * limit normally stops far earlier). */
#define SEARCH_DEPTH_MAX 64

typedef struct cursor {
    const mw_imap_value *v; /* current argument */
    uint32_t left;          /* arguments left, v included */
    uint64_t end;           /* offset reported when arguments run out */
    mw_imap_error *err;
} cursor;

static mw_status bad(cursor *c, const char *expected)
{
    if (c->err) {
        c->err->offset = c->left ? c->v->offset : c->end;
        c->err->expected = expected;
    }
    return MW_E_SYNTAX;
}

static const mw_imap_value *take(cursor *c)
{
    if (!c->left)
        return NULL;
    const mw_imap_value *v = c->v;
    c->left--;
    /* An exhausted cursor points nowhere, so "is the next argument X"
     * tests made before the count check never read past the array. */
    c->v = c->left ? v + v->subtree : NULL;
    return v;
}

static int is_atom(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_ATOM;
}

static int is_number(const mw_imap_value *v)
{
    return is_atom(v) && (v->flags & MW_IMAP_VF_NUMBER);
}

static int is_astring(const mw_imap_value *v)
{
    return is_atom(v) || mw_imap_value_is_string(v);
}

static int is_list(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_LIST;
}

static int is_seqset(const mw_imap_value *v)
{
    size_t n;
    return is_atom(v) && mw_imap_seqset_parse(v->str.ptr, v->str.len, NULL, 0,
                                              &n, NULL) == MW_OK;
}

static mw_status need(cursor *c, int ok, const char *expected)
{
    if (!c->left || !ok)
        return bad(c, expected);
    take(c);
    return MW_OK;
}

static mw_status astring(cursor *c, const char *expected)
{
    return need(c, c->left && is_astring(c->v), expected);
}

static mw_status end(cursor *c)
{
    return c->left ? bad(c, "CRLF") : MW_OK;
}

static int all_atoms(const mw_imap_value *list)
{
    const mw_imap_value *v = list + 1;
    for (uint32_t i = 0; i < list->count; i++, v += v->subtree)
        if (!is_atom(v))
            return 0;
    return 1;
}

/* An optional trailing parenthesised parameter list. */
static mw_status opt_params(cursor *c)
{
    if (c->left && is_list(c->v))
        take(c);
    return end(c);
}

/* ------------------------------------------------------------------ */
/* Search keys                                                         */
/* ------------------------------------------------------------------ */

typedef struct key_arity {
    const char *name;
    char args; /* 0 none, 'a' astring, 'd' date, 'n' number, 'f' flag
                  keyword, 's' sequence set, 'h' two astrings, 'k' one key,
                  'o' two keys */
} key_arity;

static const key_arity search_keys[] = {
    {"ALL", 0},         {"ANSWERED", 0},     {"DELETED", 0},
    {"DRAFT", 0},       {"FLAGGED", 0},      {"NEW", 0},
    {"OLD", 0},         {"RECENT", 0},       {"SEEN", 0},
    {"UNANSWERED", 0},  {"UNDELETED", 0},    {"UNDRAFT", 0},
    {"UNFLAGGED", 0},   {"UNSEEN", 0},       {"BCC", 'a'},
    {"BODY", 'a'},      {"CC", 'a'},         {"FROM", 'a'},
    {"SUBJECT", 'a'},   {"TEXT", 'a'},       {"TO", 'a'},
    {"EMAILID", 'a'},   {"THREADID", 'a'},   {"KEYWORD", 'f'},
    {"UNKEYWORD", 'f'}, {"BEFORE", 'd'},     {"ON", 'd'},
    {"SINCE", 'd'},     {"SENTBEFORE", 'd'}, {"SENTON", 'd'},
    {"SENTSINCE", 'd'}, {"LARGER", 'n'},     {"SMALLER", 'n'},
    {"OLDER", 'n'},     {"YOUNGER", 'n'},    {"UID", 's'},
    {"HEADER", 'h'},    {"NOT", 'k'},        {"FUZZY", 'k'},
    {"OR", 'o'},
};

static mw_status search_key(cursor *c, int depth);

static mw_status search_date(cursor *c)
{
    const mw_imap_value *v = c->left ? c->v : NULL;
    mw_imap_datetime dt;
    if (!v || !(is_atom(v) || mw_imap_value_is_string(v)) ||
        mw_imap_date_parse(v->str.ptr, v->str.len, &dt) != MW_OK)
        return bad(c, "date");
    take(c);
    return MW_OK;
}

static mw_status search_modseq(cursor *c)
{
    /* MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162). */
    if (c->left >= 3 && mw_imap_value_is_string(c->v)) {
        take(c);
        const mw_imap_value *t = take(c);
        if (!(mw_imap_value_is_atom(t, "priv") ||
              mw_imap_value_is_atom(t, "shared") ||
              mw_imap_value_is_atom(t, "all"))) {
            c->v = t;
            c->left++;
            return bad(c, "entry type");
        }
    }
    return need(c, is_number(c->v), "mod-sequence");
}

static mw_status search_args(cursor *c, char kind, int depth)
{
    mw_status st;
    switch (kind) {
    case 0:
        return MW_OK;
    case 'a':
        return astring(c, "astring");
    case 'f':
        return need(c, is_atom(c->v), "flag keyword");
    case 'd':
        return search_date(c);
    case 'n':
        return need(c, is_number(c->v), "number");
    case 's':
        return need(c, is_seqset(c->v), "sequence set");
    case 'h':
        if ((st = astring(c, "header name")) != MW_OK)
            return st;
        return astring(c, "astring");
    case 'k':
        return search_key(c, depth + 1);
    default:
        if ((st = search_key(c, depth + 1)) != MW_OK)
            return st;
        return search_key(c, depth + 1);
    }
}

static mw_status search_key(cursor *c, int depth)
{
    if (depth > SEARCH_DEPTH_MAX)
        return bad(c, "shallower search key");
    if (!c->left)
        return bad(c, "search key");
    const mw_imap_value *v = c->v;
    if (is_list(v)) {
        if (v->count == 0)
            return bad(c, "search key");
        take(c);
        cursor in = {v + 1, v->count, v->offset, c->err};
        while (in.left) {
            mw_status st = search_key(&in, depth + 1);
            if (st != MW_OK)
                return st;
        }
        return MW_OK;
    }
    if (!is_atom(v))
        return bad(c, "search key");
    if (is_seqset(v)) {
        take(c);
        return MW_OK;
    }
    take(c);
    if (mw_imap_value_is_atom(v, "MODSEQ"))
        return search_modseq(c);
    for (size_t i = 0; i < MWI_ARRAY_LEN(search_keys); i++)
        if (mw_imap_value_is_atom(v, search_keys[i].name))
            return search_args(c, search_keys[i].args, depth);
    c->v = v;
    c->left++;
    return bad(c, "search key");
}

static mw_status search_keys_all(cursor *c)
{
    if (!c->left)
        return bad(c, "search key");
    while (c->left) {
        mw_status st = search_key(c, 0);
        if (st != MW_OK)
            return st;
    }
    return MW_OK;
}

static mw_status cmd_search(cursor *c)
{
    if (mw_imap_value_is_atom(c->v, "RETURN")) {
        take(c);
        if (!c->left || !is_list(c->v) || !all_atoms(c->v))
            return bad(c, "search return options");
        take(c);
    }
    if (mw_imap_value_is_atom(c->v, "CHARSET")) {
        take(c);
        mw_status st = astring(c, "charset");
        if (st != MW_OK)
            return st;
    }
    return search_keys_all(c);
}

/* ------------------------------------------------------------------ */
/* FETCH and STORE                                                     */
/* ------------------------------------------------------------------ */

/* section-part: nz-number *("." nz-number), then optionally "." and a
 * section text; returns the length of the numeric prefix or 0. */
static size_t section_part(const char *s, size_t len)
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

static int header_list(const mw_imap_value *v)
{
    if (!is_list(v) || v->count == 0)
        return 0;
    const mw_imap_value *h = v + 1;
    for (uint32_t i = 0; i < v->count; i++, h += h->subtree)
        if (!is_astring(h))
            return 0;
    return 1;
}

static int section_ok(const mw_imap_value *s)
{
    if (s->count == 0)
        return 1;
    const mw_imap_value *a = s + 1;
    if (!is_atom(a) || s->count > 2)
        return 0;
    size_t part = section_part(a->str.ptr, a->str.len);
    const char *t = a->str.ptr + part;
    size_t tl = a->str.len - part;
    int binary = !mwi_imap_span_is(s->str.ptr, 4, "BODY");
    if (part && tl) {
        if (t[0] != '.' || tl == 1)
            return 0;
        t++;
        tl--;
    }
    if (binary)
        return part && tl == 0 && s->count == 1;
    if (tl == 0)
        return part && s->count == 1;
    if (mwi_imap_span_is(t, tl, "HEADER.FIELDS") ||
        mwi_imap_span_is(t, tl, "HEADER.FIELDS.NOT"))
        return s->count == 2 && header_list(a + 1);
    if (s->count != 1)
        return 0;
    return mwi_imap_span_is(t, tl, "HEADER") ||
           mwi_imap_span_is(t, tl, "TEXT") ||
           (part && mwi_imap_span_is(t, tl, "MIME"));
}

static int fetch_att(const mw_imap_value *v)
{
    if (v->type == MW_IMAP_V_SECTION)
        return section_ok(v) &&
               (!(v->flags & MW_IMAP_VF_PARTIAL) ||
                (v->flags & MW_IMAP_VF_PARTIAL_LEN)) &&
               !(mwi_imap_span_is(v->str.ptr, v->str.len, "BINARY.SIZE") &&
                 (v->flags & MW_IMAP_VF_PARTIAL));
    /* Any other atom is taken as an attribute: servers add their own
     * (X-GM-MSGID, EMAILID, PREVIEW...) and the grammar is extensible. */
    return is_atom(v) && !(v->flags & (MW_IMAP_VF_NIL | MW_IMAP_VF_NUMBER));
}

static mw_status cmd_fetch(cursor *c)
{
    mw_status st = need(c, is_seqset(c->v), "sequence set");
    if (st != MW_OK)
        return st;
    if (!c->left)
        return bad(c, "fetch attributes");
    const mw_imap_value *v = c->v;
    if (is_list(v)) {
        if (v->count == 0)
            return bad(c, "fetch attribute");
        const mw_imap_value *a = v + 1;
        for (uint32_t i = 0; i < v->count; i++, a += a->subtree)
            if (!fetch_att(a)) {
                cursor at = {a, 1, a->offset, c->err};
                return bad(&at, "fetch attribute");
            }
    } else if (!fetch_att(v)) {
        return bad(c, "fetch attribute");
    }
    take(c);
    /* fetch-modifiers: (CHANGEDSINCE n [VANISHED]) and friends. */
    return opt_params(c);
}

static int store_item(const mw_imap_value *v)
{
    if (!is_atom(v))
        return 0;
    const char *s = v->str.ptr;
    size_t n = v->str.len;
    if (n && (s[0] == '+' || s[0] == '-')) {
        s++;
        n--;
    }
    return mwi_imap_span_is(s, n, "FLAGS") ||
           mwi_imap_span_is(s, n, "FLAGS.SILENT");
}

static mw_status cmd_store(cursor *c)
{
    mw_status st = need(c, is_seqset(c->v), "sequence set");
    if (st != MW_OK)
        return st;
    if (c->left && is_list(c->v))
        take(c); /* (UNCHANGEDSINCE n) */
    if ((st = need(c, store_item(c->v), "FLAGS, +FLAGS or -FLAGS")) != MW_OK)
        return st;
    if (c->left == 1 && is_list(c->v)) {
        if (!all_atoms(c->v))
            return bad(c, "flag list");
        take(c);
        return MW_OK;
    }
    if (!c->left)
        return bad(c, "flags");
    while (c->left)
        if ((st = need(c, is_atom(c->v), "flag")) != MW_OK)
            return st;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Other commands                                                      */
/* ------------------------------------------------------------------ */

static mw_status cmd_list(cursor *c)
{
    if (c->left && is_list(c->v)) {
        if (!all_atoms(c->v))
            return bad(c, "selection options");
        take(c);
    }
    mw_status st = astring(c, "reference");
    if (st != MW_OK)
        return st;
    if (c->left && is_list(c->v)) {
        const mw_imap_value *p = c->v + 1;
        for (uint32_t i = 0; i < c->v->count; i++, p += p->subtree)
            if (!is_astring(p))
                return bad(c, "mailbox pattern");
        take(c);
    } else if ((st = astring(c, "mailbox pattern")) != MW_OK) {
        return st;
    }
    if (mw_imap_value_is_atom(c->v, "RETURN")) {
        take(c);
        if ((st = need(c, is_list(c->v), "return options")) != MW_OK)
            return st;
    }
    return end(c);
}

static mw_status cmd_append(cursor *c)
{
    mw_status st = astring(c, "mailbox");
    if (st != MW_OK)
        return st;
    int messages = 0;
    while (c->left) {
        if (is_list(c->v)) {
            if (!all_atoms(c->v))
                return bad(c, "flag list");
            take(c);
        }
        if (c->left && c->v->type == MW_IMAP_V_QUOTED) {
            mw_imap_datetime dt;
            if (mw_imap_datetime_parse(c->v->str.ptr, c->v->str.len, &dt) !=
                MW_OK)
                return bad(c, "date-time");
            take(c);
        }
        /* RFC 6855 "UTF8 (~{n}...)" and RFC 4469 "CATENATE (...)". */
        if (c->left >= 2 && (mw_imap_value_is_atom(c->v, "UTF8") ||
                             mw_imap_value_is_atom(c->v, "CATENATE"))) {
            take(c);
            if ((st = need(c, is_list(c->v), "(literal8)")) != MW_OK)
                return st;
        } else if ((st = need(c, c->left && c->v->type == MW_IMAP_V_LITERAL,
                              "literal")) != MW_OK) {
            return st;
        }
        messages++;
    }
    return messages ? MW_OK : bad(c, "literal");
}

static mw_status cmd_status(cursor *c)
{
    mw_status st = astring(c, "mailbox");
    if (st != MW_OK)
        return st;
    if ((st = need(c, is_list(c->v) && c->v->count && all_atoms(c->v),
                   "status attributes")) != MW_OK)
        return st;
    return end(c);
}

static mw_status cmd_id(cursor *c)
{
    const mw_imap_value *v = c->v;
    if (c->left && mw_imap_value_is_nil(v)) {
        take(c);
        return end(c);
    }
    if (!c->left || !is_list(v) || v->count % 2)
        return bad(c, "ID parameters");
    const mw_imap_value *f = v + 1;
    for (uint32_t i = 0; i < v->count; i++, f += f->subtree)
        if (!mw_imap_value_is_string(f) &&
            !(i % 2 && mw_imap_value_is_nil(f))) {
            cursor at = {f, 1, f->offset, c->err};
            return bad(&at, "string");
        }
    take(c);
    return end(c);
}

static mw_status cmd_sort_thread(cursor *c, int sort)
{
    mw_status st;
    if (sort) {
        if (mw_imap_value_is_atom(c->v, "RETURN")) {
            take(c);
            if ((st = need(c, is_list(c->v), "return options")) != MW_OK)
                return st;
        }
        st = need(c, is_list(c->v) && c->v->count && all_atoms(c->v),
                  "sort criteria");
    } else {
        st = need(c, is_atom(c->v), "thread algorithm");
    }
    if (st != MW_OK)
        return st;
    if ((st = astring(c, "charset")) != MW_OK)
        return st;
    return search_keys_all(c);
}

static mw_status count_args(cursor *c, uint32_t lo, uint32_t hi, int kind)
{
    if (c->left < lo) {
        while (c->left)
            take(c);
        return bad(c, kind ? "atom" : "astring");
    }
    if (c->left > hi) {
        for (uint32_t i = 0; i < hi; i++)
            take(c);
        return bad(c, "CRLF");
    }
    while (c->left)
        if (!(kind ? is_atom(c->v) : is_astring(c->v)))
            return bad(c, kind ? "atom" : "astring");
        else
            take(c);
    return MW_OK;
}

typedef struct cmd_name {
    const char *name;
    uint32_t type;
} cmd_name;

static const cmd_name cmd_names[] = {
    {"CAPABILITY", MW_IMAP_CMD_CAPABILITY},
    {"NOOP", MW_IMAP_CMD_NOOP},
    {"LOGOUT", MW_IMAP_CMD_LOGOUT},
    {"STARTTLS", MW_IMAP_CMD_STARTTLS},
    {"AUTHENTICATE", MW_IMAP_CMD_AUTHENTICATE},
    {"LOGIN", MW_IMAP_CMD_LOGIN},
    {"ENABLE", MW_IMAP_CMD_ENABLE},
    {"SELECT", MW_IMAP_CMD_SELECT},
    {"EXAMINE", MW_IMAP_CMD_EXAMINE},
    {"CREATE", MW_IMAP_CMD_CREATE},
    {"DELETE", MW_IMAP_CMD_DELETE},
    {"RENAME", MW_IMAP_CMD_RENAME},
    {"SUBSCRIBE", MW_IMAP_CMD_SUBSCRIBE},
    {"UNSUBSCRIBE", MW_IMAP_CMD_UNSUBSCRIBE},
    {"LIST", MW_IMAP_CMD_LIST},
    {"LSUB", MW_IMAP_CMD_LSUB},
    {"NAMESPACE", MW_IMAP_CMD_NAMESPACE},
    {"STATUS", MW_IMAP_CMD_STATUS},
    {"APPEND", MW_IMAP_CMD_APPEND},
    {"IDLE", MW_IMAP_CMD_IDLE},
    {"CHECK", MW_IMAP_CMD_CHECK},
    {"CLOSE", MW_IMAP_CMD_CLOSE},
    {"UNSELECT", MW_IMAP_CMD_UNSELECT},
    {"EXPUNGE", MW_IMAP_CMD_EXPUNGE},
    {"SEARCH", MW_IMAP_CMD_SEARCH},
    {"FETCH", MW_IMAP_CMD_FETCH},
    {"STORE", MW_IMAP_CMD_STORE},
    {"COPY", MW_IMAP_CMD_COPY},
    {"MOVE", MW_IMAP_CMD_MOVE},
    {"ID", MW_IMAP_CMD_ID},
    {"COMPRESS", MW_IMAP_CMD_COMPRESS},
    {"GETQUOTA", MW_IMAP_CMD_GETQUOTA},
    {"GETQUOTAROOT", MW_IMAP_CMD_GETQUOTAROOT},
    {"SETQUOTA", MW_IMAP_CMD_SETQUOTA},
    {"SORT", MW_IMAP_CMD_SORT},
    {"THREAD", MW_IMAP_CMD_THREAD},
};

/* Commands that may follow UID (RFC 9051 6.4.9, RFC 5256, RFC 6851). */
static int uid_allowed(uint32_t t)
{
    return t == MW_IMAP_CMD_COPY || t == MW_IMAP_CMD_MOVE ||
           t == MW_IMAP_CMD_FETCH || t == MW_IMAP_CMD_SEARCH ||
           t == MW_IMAP_CMD_STORE || t == MW_IMAP_CMD_EXPUNGE ||
           t == MW_IMAP_CMD_SORT || t == MW_IMAP_CMD_THREAD;
}

static mw_status check_args(const mw_imap_command *cmd, cursor *c)
{
    mw_status st;
    if (mwi_imap_cmd_no_args(cmd->type))
        return end(c);
    switch (cmd->type) {
    case MW_IMAP_CMD_EXPUNGE:
        if (cmd->uid &&
            (st = need(c, is_seqset(c->v), "sequence set")) != MW_OK)
            return st;
        return end(c);
    case MW_IMAP_CMD_AUTHENTICATE:
    case MW_IMAP_CMD_COMPRESS:
        return count_args(c, 1, cmd->type == MW_IMAP_CMD_COMPRESS ? 1 : 2, 1);
    case MW_IMAP_CMD_ENABLE:
        return count_args(c, 1, UINT32_MAX, 1);
    case MW_IMAP_CMD_LOGIN:
    case MW_IMAP_CMD_LSUB:
        return count_args(c, 2, 2, 0);
    case MW_IMAP_CMD_DELETE:
    case MW_IMAP_CMD_SUBSCRIBE:
    case MW_IMAP_CMD_UNSUBSCRIBE:
    case MW_IMAP_CMD_GETQUOTA:
    case MW_IMAP_CMD_GETQUOTAROOT:
        return count_args(c, 1, 1, 0);
    case MW_IMAP_CMD_SELECT:
    case MW_IMAP_CMD_EXAMINE:
    case MW_IMAP_CMD_CREATE:
        if ((st = astring(c, "mailbox")) != MW_OK)
            return st;
        return opt_params(c);
    case MW_IMAP_CMD_RENAME:
        if ((st = astring(c, "mailbox")) != MW_OK ||
            (st = astring(c, "mailbox")) != MW_OK)
            return st;
        return opt_params(c);
    case MW_IMAP_CMD_SETQUOTA:
        if ((st = astring(c, "quota root")) != MW_OK)
            return st;
        if ((st = need(c, is_list(c->v), "resource limits")) != MW_OK)
            return st;
        return end(c);
    case MW_IMAP_CMD_LIST:
        return cmd_list(c);
    case MW_IMAP_CMD_STATUS:
        return cmd_status(c);
    case MW_IMAP_CMD_APPEND:
        return cmd_append(c);
    case MW_IMAP_CMD_SEARCH:
        return cmd_search(c);
    case MW_IMAP_CMD_FETCH:
        return cmd_fetch(c);
    case MW_IMAP_CMD_STORE:
        return cmd_store(c);
    case MW_IMAP_CMD_COPY:
    case MW_IMAP_CMD_MOVE:
        if ((st = need(c, is_seqset(c->v), "sequence set")) != MW_OK ||
            (st = astring(c, "mailbox")) != MW_OK)
            return st;
        return end(c);
    case MW_IMAP_CMD_ID:
        return cmd_id(c);
    case MW_IMAP_CMD_SORT:
        return cmd_sort_thread(c, 1);
    case MW_IMAP_CMD_THREAD:
        return cmd_sort_thread(c, 0);
    default:
        /* Unknown commands are kept as a generic tagged list. */
        return MW_OK;
    }
}

mw_status mw_imap_command_get(const mw_imap_unit *u, uint32_t flags,
                              mw_imap_command *cmd, mw_imap_error *err)
{
    (void)flags;
    if (!u || !cmd || u->kind != MW_IMAP_UNIT_COMMAND || !u->n_top ||
        !u->values)
        return MW_E_ARG;
    memset(cmd, 0, sizeof(*cmd));
    cmd->tag = u->tag;
    cursor c = {u->values, u->n_top, u->end, err};
    const mw_imap_value *name = c.v;
    if (!is_atom(name))
        return bad(&c, "command name");
    take(&c);
    if (mw_imap_value_is_atom(name, "UID")) {
        cmd->uid = 1;
        name = c.left ? c.v : NULL;
        if (!is_atom(name))
            return bad(&c, "command name");
        take(&c);
    }
    cmd->name = name->str;
    for (size_t i = 0; i < MWI_ARRAY_LEN(cmd_names); i++)
        if (mwi_imap_span_is(name->str.ptr, name->str.len, cmd_names[i].name))
            cmd->type = cmd_names[i].type;
    if (cmd->uid && !uid_allowed(cmd->type)) {
        c.v = name;
        c.left++;
        return bad(&c, "COPY, MOVE, FETCH, SEARCH, STORE or EXPUNGE");
    }
    cmd->args = c.left ? c.v : NULL;
    cmd->n_args = c.left;
    return check_args(cmd, &c);
}
