/* Typed IMAP commands: decode / write / equality round trips.
 *
 * Input: [config] [bytes...]. Config bit 0 picks the mode, bit 1 UTF8=
 * ACCEPT (parse and decode with MW_IMAP_PARSE_UTF8, write with
 * MW_IMAP_WRITE_UTF8), bit 2 LITERAL+ on write, bits 4..7 a chunk
 * selector.
 *  - Mode 0: the bytes are a client command stream. Every command that
 *    validates and decodes is written back; when the writer accepts it,
 *    the output parses alone to one command that decodes to an equal one.
 *  - Mode 1: the bytes drive a generator of typed commands (random type
 *    and fields within the grammar, and some outside it). When the writer
 *    accepts one, parsing and decoding the output gives an equal command;
 *    a refusal must leave the output buffer untouched. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/imap.h"
#include "mailwire/imap_cmd.h"

/* Parse \p len bytes that must hold exactly one command; decode it and
 * check it equals \p want. */
static void check_reparse(const mw_imap_cmd *want, const char *in, size_t len,
                          uint32_t pflags)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS | pflags;
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t used = 0, pos = 0;
    mw_imap_event ev;
    mw_status st = MW_NEED_MORE;
    /* Streamed literals (beyond the inline maximum) come as events
     * before the unit; the writer never emits data that large here. */
    while (pos < len) {
        st = mw_imap_parser_feed(p, in + pos, len - pos, &used, &ev);
        pos += used;
        if (st != MW_OK || ev.type == MW_IMAP_EV_UNIT)
            break;
    }
    FUZZ_CHECK(st == MW_OK && ev.type == MW_IMAP_EV_UNIT && pos == len);
    FUZZ_CHECK(ev.unit.kind == MW_IMAP_UNIT_COMMAND);
    mw_imap_cmd *back = NULL;
    FUZZ_CHECK(mw_imap_cmd_decode(&ev.command, pflags, NULL, &back, NULL) ==
               MW_OK);
    FUZZ_CHECK(mw_imap_cmd_equal(want, back));
    FUZZ_CHECK(mw_imap_cmd_equal(back, want));
    mw_imap_cmd_free(back);
    mw_imap_parser_free(p);
}

static void check_write(const mw_imap_cmd *cmd, uint32_t pflags,
                        uint32_t wflags)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_buf_append(&out, "x", 1) == MW_OK);
    mw_status st = mw_imap_cmd_write(cmd, wflags, &out);
    if (st == MW_OK)
        check_reparse(cmd, out.data + 1, out.len - 1, pflags);
    else
        FUZZ_CHECK((st == MW_E_ARG || st == MW_E_LIMIT) && out.len == 1);
    mw_buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* Mode 0: command streams                                             */
/* ------------------------------------------------------------------ */

static void run_stream(const char *in, size_t n, uint8_t config)
{
    uint32_t pflags = (config & 2) ? MW_IMAP_PARSE_UTF8 : 0;
    uint32_t wflags = ((config & 2) ? MW_IMAP_WRITE_UTF8 : 0) |
                      ((config & 4) ? MW_IMAP_WRITE_LITERAL_PLUS : 0);
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS | pflags;
    cfg.line_max = 1 << 16;
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t pos = 0, feeds = 0;
    uint8_t selector = (uint8_t)(config >> 4);
    while (pos < n) {
        size_t want = fuzz_chunk_len(selector, feeds++);
        size_t len = n - pos < want ? n - pos : want;
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + pos, len, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            continue;
        if (st != MW_OK)
            break;
        if (ev.type != MW_IMAP_EV_UNIT || ev.unit.kind != MW_IMAP_UNIT_COMMAND)
            continue;
        mw_imap_cmd *cmd = NULL;
        mw_imap_error err;
        st = mw_imap_cmd_decode(&ev.command, pflags, NULL, &cmd, &err);
        if (st != MW_OK) {
            FUZZ_CHECK(cmd == NULL);
            FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
            continue;
        }
        FUZZ_CHECK(mw_imap_cmd_equal(cmd, cmd));
        check_write(cmd, pflags, wflags);
        mw_imap_cmd_free(cmd);
    }
    mw_imap_parser_free(p);
}

/* ------------------------------------------------------------------ */
/* Mode 1: generated commands                                          */
/* ------------------------------------------------------------------ */

typedef struct gen {
    const uint8_t *in;
    size_t len, pos;
    /* Storage for generated arrays; everything is freed at the end. */
    void *blocks[256];
    size_t n_blocks;
} gen;

static uint8_t byte(gen *g)
{
    return g->pos < g->len ? g->in[g->pos++] : 0;
}

static uint32_t below(gen *g, uint32_t n)
{
    return n ? byte(g) % n : 0;
}

static void *mem(gen *g, size_t count, size_t size)
{
    if (g->n_blocks == sizeof(g->blocks) / sizeof(g->blocks[0]))
        return NULL;
    void *p = calloc(count ? count : 1, size);
    FUZZ_CHECK(p != NULL);
    g->blocks[g->n_blocks++] = p;
    return p;
}

static const char *const strings[] = {
    "",
    "INBOX",
    "inbox",
    "a b",
    "NIL",
    "x\"y\\z",
    "\xc3\xa9t\xc3\xa9",
    "%",
    "*",
    "&",
    "a\r\nb",
    "[Gmail]/x",
    "BODY[",
    "\\Seen",
    "~{1}",
    "12",
    "$",
    "{3}",
    "&Jjo!",
    "a)b",
    "Entw&APw-rfe",
    "\xff",
    "-",
    "+FLAGS",
    "RETURN",
    "CHARSET",
    "UTF-8",
    "x]",
    "a\x01",
    "=",
    "dGVzdA==",
    "CONDSTORE",
    "USE",
    "STATUS",
    "REVERSE",
};

static mw_span str(gen *g)
{
    uint32_t pick = below(g, 40);
    if (pick < sizeof(strings) / sizeof(strings[0])) {
        mw_span s = {strings[pick], strlen(strings[pick])};
        return s;
    }
    /* A slice of the input itself. */
    size_t n = below(g, 12);
    if (n > g->len - g->pos)
        n = g->len - g->pos;
    mw_span s = {(const char *)g->in + g->pos, n};
    g->pos += n;
    return s;
}

static mw_imap_seqset seqset(gen *g)
{
    mw_imap_seqset s;
    memset(&s, 0, sizeof(s));
    uint32_t n = below(g, 4);
    if (n == 0) {
        s.dollar = byte(g) & 1;
        return s;
    }
    mw_imap_range *r = mem(g, n, sizeof(*r));
    if (!r)
        return s;
    for (uint32_t i = 0; i < n; i++) {
        r[i].lo = below(g, 5) == 0 ? 0 : 1u + byte(g);
        r[i].hi = below(g, 3) == 0 ? r[i].lo : (uint32_t)byte(g) * 1000u;
    }
    s.ranges = r;
    s.n = n;
    return s;
}

static mw_imap_mailbox mailbox(gen *g)
{
    mw_imap_mailbox m;
    memset(&m, 0, sizeof(m));
    if (byte(g) & 1)
        m.raw = str(g);
    else
        m.utf8 = str(g);
    return m;
}

static const mw_span *spans(gen *g, uint32_t *n_out)
{
    uint32_t n = below(g, 4);
    mw_span *a = mem(g, n, sizeof(*a));
    if (!a)
        n = 0;
    for (uint32_t i = 0; i < n; i++)
        a[i] = str(g);
    *n_out = n;
    return a;
}

/* Generic nodes: atoms, numbers, strings and one-level lists. */
static const mw_imap_value *node(gen *g)
{
    uint32_t kind = below(g, 4);
    uint32_t kids = kind == 3 ? below(g, 3) : 0;
    mw_imap_value *v = mem(g, 1u + kids, sizeof(*v));
    if (!v)
        return NULL;
    for (uint32_t i = 0; i <= kids; i++) {
        mw_imap_value *n = &v[i];
        n->subtree = 1;
        n->type = MW_IMAP_V_ATOM;
        n->str = str(g);
        if (kind == 1 || i > 0) {
            n->str.ptr = "42";
            n->str.len = 2;
            n->num = 42;
            n->flags = MW_IMAP_VF_NUMBER;
        } else if (kind == 2) {
            n->type = MW_IMAP_V_QUOTED;
        }
        if (n->type == MW_IMAP_V_ATOM && n->str.len == 3 &&
            memcmp(n->str.ptr, "NIL", 3) == 0)
            n->flags = MW_IMAP_VF_NIL;
    }
    if (kind == 3) {
        v[0].type = MW_IMAP_V_LIST;
        v[0].str.ptr = NULL;
        v[0].str.len = 0;
        v[0].flags = 0;
        v[0].count = kids;
        v[0].subtree = 1 + kids;
    }
    return v;
}

static mw_imap_nodes nodes(gen *g)
{
    mw_imap_nodes p;
    memset(&p, 0, sizeof(p));
    uint32_t n = below(g, 3);
    const mw_imap_value **a = mem(g, n, sizeof(*a));
    if (!a)
        return p;
    for (uint32_t i = 0; i < n; i++)
        if (!(a[i] = node(g)))
            return p;
    p.v = a;
    p.n = n;
    return p;
}

static mw_imap_datetime datetime(gen *g)
{
    mw_imap_datetime d;
    memset(&d, 0, sizeof(d));
    d.year = (uint16_t)(1990 + below(g, 40));
    d.month = (uint8_t)(1 + below(g, 12));
    d.day = (uint8_t)(1 + below(g, 28));
    d.hour = (uint8_t)below(g, 24);
    d.minute = (uint8_t)below(g, 60);
    d.second = (uint8_t)below(g, 60);
    d.has_time = 1;
    d.zone = (int16_t)((int)below(g, 49) * 30 - 720);
    return d;
}

static mw_imap_search search(gen *g)
{
    mw_imap_search s;
    memset(&s, 0, sizeof(s));
    uint32_t n = 1 + below(g, 3);
    mw_imap_search_key *k = mem(g, 2 * n, sizeof(*k));
    if (!k)
        return s;
    uint32_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        int neg = byte(g) & 1;
        if (neg) {
            k[used].type = MW_IMAP_SK_NOT;
            k[used].count = 1;
            k[used].subtree = 2;
            used++;
        }
        mw_imap_search_key *x = &k[used++];
        x->subtree = 1;
        switch (below(g, 6)) {
        case 0:
            x->type = MW_IMAP_SK_SEEN;
            break;
        case 1:
            x->type = MW_IMAP_SK_FROM;
            x->str = str(g);
            break;
        case 2:
            x->type = MW_IMAP_SK_LARGER;
            x->number = byte(g);
            break;
        case 3:
            x->type = MW_IMAP_SK_UID;
            x->set = seqset(g);
            break;
        case 4:
            x->type = MW_IMAP_SK_SINCE;
            x->date = datetime(g);
            x->date.has_time = 0;
            x->date.hour = x->date.minute = x->date.second = 0;
            x->date.zone = 0;
            break;
        default:
            x->type = MW_IMAP_SK_HEADER;
            x->str = str(g);
            x->str2 = str(g);
            break;
        }
    }
    s.keys = k;
    s.n_keys = used;
    s.n_top = n;
    return s;
}

static mw_imap_fetch_atts fetch_atts(gen *g)
{
    mw_imap_fetch_atts f;
    memset(&f, 0, sizeof(f));
    uint32_t pick = below(g, 5);
    if (pick < 3) {
        f.macro = pick + 1;
        return f;
    }
    uint32_t n = 1 + below(g, 3);
    mw_imap_fetch_att *a = mem(g, n, sizeof(*a));
    if (!a)
        return f;
    for (uint32_t i = 0; i < n; i++) {
        static const uint32_t types[] = {
            MW_IMAP_FETCH_ATT_FLAGS, MW_IMAP_FETCH_ATT_UID,
            MW_IMAP_FETCH_ATT_ENVELOPE, MW_IMAP_FETCH_ATT_BODY_PEEK,
            MW_IMAP_FETCH_ATT_OTHER};
        a[i].type = types[below(g, 5)];
        if (a[i].type == MW_IMAP_FETCH_ATT_OTHER)
            a[i].name = str(g);
        if (a[i].type == MW_IMAP_FETCH_ATT_BODY_PEEK) {
            a[i].section.spec = below(g, 2) ? MW_IMAP_SECTION_TEXT : 0;
            a[i].has_partial = byte(g) & 1;
            a[i].origin = byte(g);
            a[i].length = 1u + byte(g);
        }
    }
    f.atts = a;
    f.n_atts = n;
    f.parenthesized = n > 1 || (byte(g) & 1);
    return f;
}

static mw_imap_returns returns(gen *g)
{
    mw_imap_returns r;
    memset(&r, 0, sizeof(r));
    r.has_return = byte(g) & 1;
    if (!r.has_return)
        return r;
    uint32_t n = below(g, 3);
    mw_imap_return_opt *o = mem(g, n, sizeof(*o));
    if (!o)
        return r;
    for (uint32_t i = 0; i < n; i++) {
        o[i].opt = below(g, 7); /* 6 is out of range */
        if (!o[i].opt)
            o[i].name = str(g);
    }
    r.opts = o;
    r.n_opts = n;
    return r;
}

static void gen_list(gen *g, mw_imap_cmd_list *l)
{
    l->has_select = byte(g) & 1;
    uint32_t n = 0;
    const mw_span *sel = spans(g, &n);
    mw_imap_list_option *o = mem(g, n, sizeof(*o));
    if (o) {
        for (uint32_t i = 0; i < n; i++)
            o[i].name = sel[i];
        l->select = o;
        l->n_select = n;
    }
    l->reference = mailbox(g);
    l->n_patterns = below(g, 3);
    mw_imap_mailbox *pats = mem(g, l->n_patterns, sizeof(*pats));
    if (!pats)
        l->n_patterns = 0;
    for (uint32_t i = 0; i < l->n_patterns; i++)
        pats[i] = mailbox(g);
    l->patterns = pats;
    l->patterns_parenthesized = byte(g) & 1;
    l->has_return = byte(g) & 1;
    if (l->has_return) {
        mw_imap_list_option *r = mem(g, 1, sizeof(*r));
        if (r) {
            r->name = str(g);
            r->value = (byte(g) & 1) ? node(g) : NULL;
            l->ret = r;
            l->n_return = byte(g) & 1;
        }
        l->has_status = byte(g) & 1;
        mw_imap_status_item *it = mem(g, 2, sizeof(*it));
        if (it && l->has_status) {
            it[0].item = below(g, 12);
            it[0].name = str(g);
            it[1].item = MW_IMAP_STATUS_MESSAGES;
            l->status = it;
            l->n_status = 1 + below(g, 2);
        }
    }
}

static void gen_append(gen *g, mw_imap_cmd_append *a)
{
    a->mailbox = mailbox(g);
    uint32_t n = 1 + below(g, 3);
    mw_imap_append_msg *m = mem(g, n, sizeof(*m));
    if (!m)
        return;
    for (uint32_t i = 0; i < n; i++) {
        m[i].has_flags = byte(g) & 1;
        m[i].flags = spans(g, &m[i].n_flags);
        m[i].has_date = byte(g) & 1;
        if (m[i].has_date)
            m[i].date = datetime(g);
        uint8_t form = byte(g);
        m[i].binary = form & 1;
        m[i].utf8 = (form & 6) == 6;
        m[i].data = str(g);
        if ((form & 0x18) == 0x18)
            m[i].catenate = node(g);
    }
    a->messages = m;
    a->n_messages = n;
}

static void gen_args(gen *g, mw_imap_cmd *c)
{
    switch (c->type) {
    case MW_IMAP_CMD_AUTHENTICATE:
        c->u.authenticate.mechanism = str(g);
        c->u.authenticate.has_initial = byte(g) & 1;
        c->u.authenticate.initial = str(g);
        break;
    case MW_IMAP_CMD_LOGIN:
        c->u.login.user = str(g);
        c->u.login.password = str(g);
        break;
    case MW_IMAP_CMD_ENABLE:
        c->u.enable.caps = spans(g, &c->u.enable.n_caps);
        break;
    case MW_IMAP_CMD_SELECT:
    case MW_IMAP_CMD_EXAMINE: {
        mw_imap_cmd_select *s = &c->u.select;
        s->mailbox = mailbox(g);
        s->condstore = byte(g) & 1;
        s->qresync = byte(g) & 1;
        s->uidvalidity = byte(g);
        s->modseq = (uint64_t)byte(g) << 40;
        if (byte(g) & 1)
            s->known_uids = seqset(g);
        s->has_seq_match = byte(g) & 1;
        s->seq_match_seqs = seqset(g);
        s->seq_match_uids = seqset(g);
        s->params = nodes(g);
        break;
    }
    case MW_IMAP_CMD_CREATE:
        c->u.create.mailbox = mailbox(g);
        c->u.create.has_use = byte(g) & 1;
        c->u.create.use = spans(g, &c->u.create.n_use);
        c->u.create.params = nodes(g);
        break;
    case MW_IMAP_CMD_DELETE:
    case MW_IMAP_CMD_SUBSCRIBE:
    case MW_IMAP_CMD_UNSUBSCRIBE:
    case MW_IMAP_CMD_GETQUOTAROOT:
        c->u.mailbox.mailbox = mailbox(g);
        break;
    case MW_IMAP_CMD_RENAME:
        c->u.rename.from = mailbox(g);
        c->u.rename.to = mailbox(g);
        c->u.rename.params = nodes(g);
        break;
    case MW_IMAP_CMD_LIST:
        gen_list(g, &c->u.list);
        break;
    case MW_IMAP_CMD_LSUB:
        c->u.lsub.reference = mailbox(g);
        c->u.lsub.pattern = mailbox(g);
        break;
    case MW_IMAP_CMD_STATUS: {
        uint32_t n = below(g, 3);
        mw_imap_status_item *it = mem(g, n, sizeof(*it));
        if (!it)
            break;
        for (uint32_t i = 0; i < n; i++) {
            it[i].item = below(g, 12);
            it[i].name = str(g);
        }
        c->u.status.mailbox = mailbox(g);
        c->u.status.items = it;
        c->u.status.n_items = n;
        break;
    }
    case MW_IMAP_CMD_APPEND:
        gen_append(g, &c->u.append);
        break;
    case MW_IMAP_CMD_EXPUNGE:
        c->u.expunge.uids = seqset(g);
        break;
    case MW_IMAP_CMD_SEARCH:
        c->u.search.ret = returns(g);
        c->u.search.has_charset = byte(g) & 1;
        c->u.search.charset = str(g);
        c->u.search.search = search(g);
        break;
    case MW_IMAP_CMD_FETCH:
        c->u.fetch.set = seqset(g);
        c->u.fetch.atts = fetch_atts(g);
        c->u.fetch.has_changedsince = byte(g) & 1;
        c->u.fetch.changedsince = byte(g);
        c->u.fetch.vanished = byte(g) & 1;
        c->u.fetch.modifiers = nodes(g);
        break;
    case MW_IMAP_CMD_STORE:
        c->u.store.set = seqset(g);
        c->u.store.has_unchangedsince = byte(g) & 1;
        c->u.store.unchangedsince = byte(g);
        c->u.store.mode = below(g, 4);
        c->u.store.silent = byte(g) & 1;
        c->u.store.flags = spans(g, &c->u.store.n_flags);
        c->u.store.modifiers = nodes(g);
        break;
    case MW_IMAP_CMD_COPY:
    case MW_IMAP_CMD_MOVE:
        c->u.copy.set = seqset(g);
        c->u.copy.mailbox = mailbox(g);
        break;
    case MW_IMAP_CMD_ID: {
        uint32_t n = below(g, 3);
        mw_imap_id_field *f = mem(g, n, sizeof(*f));
        if (!f)
            break;
        for (uint32_t i = 0; i < n; i++) {
            f[i].name = str(g);
            f[i].value = str(g);
            f[i].value_nil = byte(g) & 1;
        }
        c->u.id.nil = byte(g) & 1;
        c->u.id.fields = f;
        c->u.id.n_fields = n;
        break;
    }
    case MW_IMAP_CMD_COMPRESS:
        c->u.compress.mechanism = str(g);
        break;
    case MW_IMAP_CMD_GETQUOTA:
        c->u.getquota.root = str(g);
        break;
    case MW_IMAP_CMD_SETQUOTA: {
        uint32_t n = below(g, 3);
        mw_imap_quota_limit *q = mem(g, n, sizeof(*q));
        if (!q)
            break;
        for (uint32_t i = 0; i < n; i++) {
            q[i].name = str(g);
            q[i].limit = byte(g);
        }
        c->u.setquota.root = str(g);
        c->u.setquota.limits = q;
        c->u.setquota.n_limits = n;
        break;
    }
    case MW_IMAP_CMD_SORT: {
        uint32_t n = below(g, 3);
        mw_imap_sort_crit *k = mem(g, n, sizeof(*k));
        if (!k)
            break;
        for (uint32_t i = 0; i < n; i++) {
            k[i].key = below(g, 11);
            k[i].reverse = byte(g) & 1;
            k[i].name = str(g);
        }
        c->u.sort.ret = returns(g);
        c->u.sort.crit = k;
        c->u.sort.n_crit = n;
        c->u.sort.charset = str(g);
        c->u.sort.search = search(g);
        break;
    }
    case MW_IMAP_CMD_THREAD:
        c->u.thread.algorithm = str(g);
        c->u.thread.charset = str(g);
        c->u.thread.search = search(g);
        break;
    case MW_IMAP_CMD_UNKNOWN: {
        c->name = str(g);
        const mw_imap_value *v = (byte(g) & 1) ? node(g) : NULL;
        c->u.unknown.args = v;
        c->u.unknown.n_args = v ? 1 : 0;
        break;
    }
    default:
        break;
    }
}

static void run_generated(const uint8_t *in, size_t n, uint8_t config)
{
    uint32_t pflags = (config & 2) ? MW_IMAP_PARSE_UTF8 : 0;
    uint32_t wflags = ((config & 2) ? MW_IMAP_WRITE_UTF8 : 0) |
                      ((config & 4) ? MW_IMAP_WRITE_LITERAL_PLUS : 0);
    gen g;
    memset(&g, 0, sizeof(g));
    g.in = in;
    g.len = n;
    while (g.pos < g.len) {
        mw_imap_cmd c;
        memset(&c, 0, sizeof(c));
        c.type = below(&g, MW_IMAP_CMD_THREAD + 2);
        c.uid = below(&g, 4) == 0;
        c.tag.ptr = (byte(&g) & 7) ? "A1" : "a b";
        c.tag.len = strlen(c.tag.ptr);
        gen_args(&g, &c);
        check_write(&c, pflags, wflags);
        for (size_t i = 0; i < g.n_blocks; i++)
            free(g.blocks[i]);
        g.n_blocks = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        run_generated(data + 1, size - 1, data[0]);
    else
        run_stream((const char *)data + 1, size - 1, data[0]);
    return 0;
}
