/* POP3 client session: greeting, CAPA, STLS, USER/PASS, APOP, AUTH,
 * transaction requests with typed events, pipelining (RFC 1939, RFC 2449,
 * RFC 2595, RFC 5034). */
#include <string.h>

#include "mw_int.h"
#include "pop3/pop3_int.h"

#define CLIENT_INFLIGHT_DEFAULT 32u
#define CLIENT_OUTPUT_DEFAULT (64u * 1024u)
#define CLIENT_SASL_DEFAULT 8192u
#define TIMESTAMP_MAX 256u

/* A command waiting for its response. */
typedef struct pending {
    uint32_t verb;
    uint32_t expect;   /* MW_POP3_EXPECT_* */
    uint32_t msg;      /* the message number asked for (0: none) */
    uint32_t released; /* its bytes may be sent */
    size_t len;        /* bytes of its command line in the output */
} pending;

struct mw_pop3_client {
    const mw_allocator *allocator;
    size_t alloc_size; /* 0 when placed in caller storage */
    mw_pop3_reader *reader;
    pending *queue;
    uint32_t q_cap, q_head, q_count;
    uint32_t state;
    mw_status fatal;
    mw_buf out;
    size_t released; /* leading bytes of out that may be sent */
    mw_buf sasl_in;  /* decoded challenge, or encoded response */
    mw_buf sasl_out; /* raw response of the mechanism */
    mw_sasl *sasl;
    int ir_held; /* the initial response waits for an empty "+ " */
    int in_body; /* inside a multi-line response */
    int tls_active;
    int want_tls;
    int caps_valid;
    int closing; /* QUIT answered or -ERR greeting */
    int quit_queued;
    mw_pop3_caps caps;
    mw_pop3_caps caps_building;
    char ts[TIMESTAMP_MAX];
    size_t ts_len;
    uint64_t discarded;      /* total */
    uint64_t discard_window; /* since the +OK to the last STLS */
    int discard_report;
};

typedef struct layout {
    size_t reader, queue, fixed, out, sasl, total;
    uint32_t line_max, q_cap, out_max, sasl_max, sasl_buf;
} layout;

static void resolve(const mw_pop3_client_config *cfg, layout *l,
                    uint32_t *flags)
{
    l->line_max = MW_POP3_RESP_LINE_MAX;
    l->q_cap = CLIENT_INFLIGHT_DEFAULT;
    l->out_max = CLIENT_OUTPUT_DEFAULT;
    l->sasl_max = CLIENT_SASL_DEFAULT;
    *flags = 0;
    if (cfg) {
        *flags = cfg->flags;
        if (cfg->line_max)
            l->line_max = cfg->line_max;
        if (cfg->inflight_max)
            l->q_cap = cfg->inflight_max;
        if (cfg->output_max)
            l->out_max = cfg->output_max < 512 ? 512 : cfg->output_max;
        if (cfg->sasl_max)
            l->sasl_max = cfg->sasl_max;
    }
    /* Room for the base64 form of a message plus its line end. */
    l->sasl_buf = l->sasl_max / 3 * 4 + 8;
    l->reader = mwi_pop3_align(sizeof(struct mw_pop3_client));
    l->queue = l->reader + mwi_pop3_align(mw_pop3_reader_sizeof(l->line_max));
    l->fixed = l->queue + mwi_pop3_align(sizeof(pending) * l->q_cap);
    l->out = l->fixed;
    l->sasl = l->out + mwi_pop3_align(l->out_max);
    l->total = l->sasl + 2 * mwi_pop3_align(l->sasl_buf);
}

static int cfg_ok(const mw_pop3_client_config *cfg)
{
    return !cfg || cfg->size >= sizeof(mw_pop3_client_config);
}

size_t mw_pop3_client_sizeof(const mw_pop3_client_config *cfg)
{
    layout l;
    uint32_t flags;
    resolve(cfg, &l, &flags);
    return l.total;
}

static void place(mw_pop3_client *s, const layout *l, uint32_t flags)
{
    char *base = (char *)s;
    memset(s, 0, sizeof(*s));
    mw_pop3_reader_init_in(base + l->reader, mw_pop3_reader_sizeof(l->line_max),
                           l->line_max, &s->reader);
    s->queue = (pending *)(void *)(base + l->queue);
    s->q_cap = l->q_cap;
    s->state = MW_POP3_STATE_GREETING;
    s->tls_active = (flags & MW_POP3_CLIENT_TLS_ACTIVE) != 0;
}

mw_status mw_pop3_client_new(const mw_pop3_client_config *cfg,
                             const mw_allocator *allocator,
                             mw_pop3_client **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!cfg_ok(cfg))
        return MW_E_ARG;
    layout l;
    uint32_t flags;
    resolve(cfg, &l, &flags);
    mw_pop3_client *s = mwi_alloc(allocator, l.fixed);
    if (!s)
        return MW_E_NOMEM;
    place(s, &l, flags);
    s->allocator = allocator;
    s->alloc_size = l.fixed;
    mw_buf_init_growable(&s->out, allocator, l.out_max);
    mw_buf_init_growable(&s->sasl_in, allocator, l.sasl_buf);
    mw_buf_init_growable(&s->sasl_out, allocator, l.sasl_buf);
    *out = s;
    return MW_OK;
}

mw_status mw_pop3_client_init_in(void *mem, size_t len,
                                 const mw_pop3_client_config *cfg,
                                 mw_pop3_client **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!cfg_ok(cfg))
        return MW_E_ARG;
    layout l;
    uint32_t flags;
    resolve(cfg, &l, &flags);
    if (!mem || len < l.total || !mwi_is_aligned(mem))
        return MW_E_ARG;
    mw_pop3_client *s = mem;
    place(s, &l, flags);
    char *base = mem;
    size_t sasl_step = mwi_pop3_align(l.sasl_buf);
    mw_buf_init_fixed(&s->out, base + l.out, l.out_max);
    mw_buf_init_fixed(&s->sasl_in, base + l.sasl, l.sasl_buf);
    mw_buf_init_fixed(&s->sasl_out, base + l.sasl + sasl_step, l.sasl_buf);
    *out = s;
    return MW_OK;
}

static void wipe_buf(mw_buf *b)
{
    if (b->data)
        mwi_wipe(b->data, b->cap);
    b->len = 0;
}

void mw_pop3_client_free(mw_pop3_client *s)
{
    if (!s)
        return;
    wipe_buf(&s->out);
    wipe_buf(&s->sasl_in);
    wipe_buf(&s->sasl_out);
    mw_buf_free(&s->out);
    mw_buf_free(&s->sasl_in);
    mw_buf_free(&s->sasl_out);
    if (s->alloc_size)
        mwi_free(s->allocator, s, s->alloc_size);
}

/* ------------------------------------------------------------------ */
/* Queue                                                               */
/* ------------------------------------------------------------------ */

static pending *head(mw_pop3_client *s)
{
    return s->q_count ? &s->queue[s->q_head] : NULL;
}

static pending *entry(mw_pop3_client *s, uint32_t i)
{
    return &s->queue[(s->q_head + i) % s->q_cap];
}

static int pipelining(const mw_pop3_client *s)
{
    return s->caps_valid && (s->caps.flags & MW_POP3_CAP_PIPELINING);
}

/* Release what the server may see now: everything with PIPELINING (RFC
 * 2449 section 6.6), otherwise only the command at the head. */
static void release(mw_pop3_client *s)
{
    for (uint32_t i = 0; i < s->q_count; i++) {
        pending *p = entry(s, i);
        if (!p->released && (i == 0 || pipelining(s))) {
            p->released = 1;
            s->released += p->len;
        }
        if (!p->released)
            break;
    }
}

static void pop(mw_pop3_client *s)
{
    s->q_head = (s->q_head + 1) % s->q_cap;
    s->q_count--;
    release(s);
}

static int exclusive(uint32_t verb)
{
    return verb == MW_POP3_AUTH || verb == MW_POP3_STLS;
}

static mw_status can_queue(const mw_pop3_client *s, uint32_t verb)
{
    if (s->fatal || s->closing || s->want_tls || s->quit_queued ||
        s->state == MW_POP3_STATE_GREETING || s->state == MW_POP3_STATE_CLOSED)
        return MW_E_STATE;
    for (uint32_t i = 0; i < s->q_count; i++)
        if (exclusive(s->queue[(s->q_head + i) % s->q_cap].verb))
            return MW_E_STATE;
    if (exclusive(verb) && s->q_count)
        return MW_E_STATE;
    if (s->q_count == s->q_cap)
        return MW_E_LIMIT;
    return MW_OK;
}

static mw_status enqueue(mw_pop3_client *s, const mw_pop3_command *cmd,
                         uint32_t expect)
{
    mw_status st = can_queue(s, cmd->verb);
    if (st != MW_OK)
        return st;
    size_t before = s->out.len;
    st = mw_pop3_command_write(cmd, NULL, &s->out);
    if (st != MW_OK)
        return st;
    pending *p = entry(s, s->q_count);
    p->verb = cmd->verb;
    p->expect = expect;
    p->msg = (cmd->flags & MW_POP3_CMD_HAS_MSG) ? cmd->msg : 0;
    p->released = 0;
    p->len = s->out.len - before;
    s->q_count++;
    if (cmd->verb == MW_POP3_QUIT)
        s->quit_queued = 1;
    release(s);
    return MW_OK;
}

/* Append a line that goes out at once (SASL responses: AUTH is alone). */
static mw_status send_now(mw_pop3_client *s, const char *p, size_t n)
{
    mw_status st = mw_buf_reserve(&s->out, n + 2);
    if (st != MW_OK)
        return st;
    mw_buf_append(&s->out, p, n);
    mw_buf_append(&s->out, "\r\n", 2);
    s->released += n + 2;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static mw_status simple(mw_pop3_client *s, uint32_t verb, uint32_t state,
                        uint32_t expect)
{
    if (!s)
        return MW_E_ARG;
    if (s->state != state)
        return MW_E_STATE;
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = verb;
    return enqueue(s, &cmd, expect);
}

static mw_status with_msg(mw_pop3_client *s, uint32_t verb, uint32_t msg,
                          int optional, uint32_t expect_all,
                          uint32_t expect_one)
{
    if (!s || (!optional && msg == 0))
        return MW_E_ARG;
    if (s->state != MW_POP3_STATE_TRANSACTION)
        return MW_E_STATE;
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = verb;
    cmd.msg = msg;
    if (msg)
        cmd.flags = MW_POP3_CMD_HAS_MSG;
    return enqueue(s, &cmd, msg ? expect_one : expect_all);
}

mw_status mw_pop3_client_capa(mw_pop3_client *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->state != MW_POP3_STATE_AUTHORIZATION &&
        s->state != MW_POP3_STATE_TRANSACTION)
        return MW_E_STATE;
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_POP3_CAPA;
    return enqueue(s, &cmd, MW_POP3_EXPECT_LINES);
}

mw_status mw_pop3_client_stls(mw_pop3_client *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->tls_active)
        return MW_E_STATE;
    if (s->state == MW_POP3_STATE_AUTHORIZATION && s->caps_valid &&
        !(s->caps.flags & MW_POP3_CAP_STLS))
        return MW_E_UNSUPPORTED;
    return simple(s, MW_POP3_STLS, MW_POP3_STATE_AUTHORIZATION,
                  MW_POP3_EXPECT_SINGLE);
}

static mw_status one_arg(mw_pop3_client *s, uint32_t verb, const char *p,
                         size_t n)
{
    if (!s || !p || n == 0)
        return MW_E_ARG;
    if (s->state != MW_POP3_STATE_AUTHORIZATION)
        return MW_E_STATE;
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = verb;
    cmd.arg.ptr = p;
    cmd.arg.len = n;
    return enqueue(s, &cmd, MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_user(mw_pop3_client *s, const char *name, size_t len)
{
    if (s && s->state == MW_POP3_STATE_AUTHORIZATION && s->caps_valid &&
        !(s->caps.flags & MW_POP3_CAP_USER))
        return MW_E_UNSUPPORTED;
    return one_arg(s, MW_POP3_USER, name, len);
}

mw_status mw_pop3_client_pass(mw_pop3_client *s, const char *password,
                              size_t len)
{
    return one_arg(s, MW_POP3_PASS, password, len);
}

mw_status mw_pop3_client_apop(mw_pop3_client *s, const char *name,
                              size_t name_len, const char *secret,
                              size_t secret_len)
{
    if (!s || !name || !name_len || (!secret && secret_len))
        return MW_E_ARG;
    if (s->state != MW_POP3_STATE_AUTHORIZATION || s->ts_len == 0)
        return MW_E_STATE;
    char digest[33];
    mw_pop3_apop_digest(s->ts, s->ts_len, secret, secret_len, digest);
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_POP3_APOP;
    cmd.arg.ptr = name;
    cmd.arg.len = name_len;
    cmd.arg2.ptr = digest;
    cmd.arg2.len = 32;
    mw_status st = enqueue(s, &cmd, MW_POP3_EXPECT_SINGLE);
    mwi_wipe(digest, sizeof(digest));
    return st;
}

static mw_status auth_allowed(const mw_pop3_client *s, mw_sasl_mech mech)
{
    if (s->state != MW_POP3_STATE_AUTHORIZATION)
        return MW_E_STATE;
    if (s->caps_valid && !(s->caps.sasl_mask & MW_SASL_BIT(mech)))
        return MW_E_UNSUPPORTED;
    return MW_OK;
}

/* Queue "AUTH mech [ir]"; the initial response is left out when the line
 * would pass 255 octets (RFC 5034 section 4) and held for the empty
 * challenge that follows. */
static mw_status queue_auth(mw_pop3_client *s, const char *name, int has_ir)
{
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_POP3_AUTH;
    cmd.arg.ptr = name;
    cmd.arg.len = strlen(name);
    mw_buf_clear(&s->sasl_in);
    if (has_ir) {
        mw_status st = s->sasl_out.len
                           ? mwi_pop3_b64_encode(s->sasl_out.data,
                                                 s->sasl_out.len, &s->sasl_in)
                           : mw_buf_append_byte(&s->sasl_in, '=');
        if (st != MW_OK)
            return st;
        cmd.flags = MW_POP3_CMD_HAS_IR;
        cmd.arg2.ptr = s->sasl_in.data;
        cmd.arg2.len = s->sasl_in.len;
        if (5 + cmd.arg.len + 1 + cmd.arg2.len + 2 > MW_POP3_CMD_LINE_MAX) {
            cmd.flags = 0;
            s->ir_held = 1;
        }
    }
    mw_status st = enqueue(s, &cmd, MW_POP3_EXPECT_SASL);
    wipe_buf(&s->sasl_in);
    if (!s->ir_held)
        wipe_buf(&s->sasl_out);
    return st;
}

mw_status mw_pop3_client_auth(mw_pop3_client *s, mw_sasl *sasl)
{
    if (!s || !sasl)
        return MW_E_ARG;
    mw_sasl_mech mech = mw_sasl_mechanism(sasl);
    const char *name = mw_sasl_mech_name(mech);
    if (!name)
        return MW_E_ARG;
    mw_status st = auth_allowed(s, mech);
    if (st == MW_OK)
        st = can_queue(s, MW_POP3_AUTH);
    if (st != MW_OK)
        return st;
    mw_buf_clear(&s->sasl_out);
    int has_ir = 0;
    st = mw_sasl_client_start(sasl, &s->sasl_out, &has_ir);
    if (st != MW_OK)
        return st;
    s->ir_held = 0;
    st = queue_auth(s, name, has_ir);
    if (st != MW_OK) {
        /* The mechanism has stepped; it cannot be restarted. */
        s->ir_held = 0;
        wipe_buf(&s->sasl_out);
        return st;
    }
    s->sasl = sasl;
    return MW_OK;
}

mw_status mw_pop3_client_utf8(mw_pop3_client *s)
{
    return simple(s, MW_POP3_UTF8, MW_POP3_STATE_AUTHORIZATION,
                  MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_stat(mw_pop3_client *s)
{
    return simple(s, MW_POP3_STAT, MW_POP3_STATE_TRANSACTION,
                  MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_list(mw_pop3_client *s, uint32_t msg)
{
    return with_msg(s, MW_POP3_LIST, msg, 1, MW_POP3_EXPECT_LINES,
                    MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_uidl(mw_pop3_client *s, uint32_t msg)
{
    return with_msg(s, MW_POP3_UIDL, msg, 1, MW_POP3_EXPECT_LINES,
                    MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_retr(mw_pop3_client *s, uint32_t msg)
{
    return with_msg(s, MW_POP3_RETR, msg, 0, MW_POP3_EXPECT_DATA,
                    MW_POP3_EXPECT_DATA);
}

mw_status mw_pop3_client_top(mw_pop3_client *s, uint32_t msg, uint32_t lines)
{
    if (!s || msg == 0)
        return MW_E_ARG;
    if (s->state != MW_POP3_STATE_TRANSACTION)
        return MW_E_STATE;
    mw_pop3_command cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_POP3_TOP;
    cmd.flags = MW_POP3_CMD_HAS_MSG;
    cmd.msg = msg;
    cmd.lines = lines;
    return enqueue(s, &cmd, MW_POP3_EXPECT_DATA);
}

mw_status mw_pop3_client_dele(mw_pop3_client *s, uint32_t msg)
{
    return with_msg(s, MW_POP3_DELE, msg, 0, MW_POP3_EXPECT_SINGLE,
                    MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_noop(mw_pop3_client *s)
{
    return simple(s, MW_POP3_NOOP, MW_POP3_STATE_TRANSACTION,
                  MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_rset(mw_pop3_client *s)
{
    return simple(s, MW_POP3_RSET, MW_POP3_STATE_TRANSACTION,
                  MW_POP3_EXPECT_SINGLE);
}

mw_status mw_pop3_client_quit(mw_pop3_client *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->state != MW_POP3_STATE_AUTHORIZATION &&
        s->state != MW_POP3_STATE_TRANSACTION)
        return MW_E_STATE;
    return simple(s, MW_POP3_QUIT, s->state, MW_POP3_EXPECT_SINGLE);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

static mw_status set_fatal(mw_pop3_client *s, mw_status st)
{
    s->fatal = st;
    s->state = MW_POP3_STATE_CLOSED;
    if (s->sasl)
        s->sasl = NULL;
    wipe_buf(&s->sasl_in);
    wipe_buf(&s->sasl_out);
    return st;
}

static mw_status on_greeting(mw_pop3_client *s, const mw_pop3_item *it,
                             mw_pop3_client_event *ev)
{
    ev->type = MW_POP3_CEV_GREETING;
    ev->resp = it->resp;
    if (it->resp.kind != MW_POP3_OK) {
        s->state = MW_POP3_STATE_CLOSED;
        s->closing = 1;
        return MW_OK;
    }
    s->state = MW_POP3_STATE_AUTHORIZATION;
    mw_span ts;
    if (mw_pop3_greeting_timestamp(it->resp.text.ptr, it->resp.text.len, &ts) ==
        MW_OK) {
        memcpy(s->ts, ts.ptr, ts.len);
        s->ts_len = ts.len;
    }
    return MW_OK;
}

/* Answer a "+ " challenge: the held initial response, or the mechanism's
 * next step; anything the mechanism rejects is cancelled with "*". */
static mw_status on_challenge(mw_pop3_client *s, const mw_pop3_item *it)
{
    mw_status st;
    if (s->ir_held) {
        s->ir_held = 0;
        if (it->resp.text.len != 0)
            return send_now(s, "*", 1);
    } else {
        mw_buf_clear(&s->sasl_in);
        mw_buf_clear(&s->sasl_out);
        st = mwi_pop3_b64_decode(it->resp.text.ptr, it->resp.text.len,
                                 &s->sasl_in);
        if (st == MW_OK)
            st = mw_sasl_step(s->sasl, s->sasl_in.data, s->sasl_in.len,
                              &s->sasl_out);
        if (st == MW_E_NOMEM || st == MW_E_NOSPACE)
            return st;
        if (st != MW_OK && st != MW_DONE)
            return send_now(s, "*", 1);
    }
    mw_buf_clear(&s->sasl_in);
    st = mwi_pop3_b64_encode(s->sasl_out.data, s->sasl_out.len, &s->sasl_in);
    if (st == MW_OK)
        st = send_now(s, s->sasl_in.data, s->sasl_in.len);
    wipe_buf(&s->sasl_in);
    wipe_buf(&s->sasl_out);
    return st;
}

static void fill_single(const pending *p, const mw_pop3_response *r,
                        mw_pop3_client_event *ev)
{
    if (r->kind != MW_POP3_OK)
        return;
    uint32_t m;
    uint64_t size;
    mw_span uid;
    if (p->verb == MW_POP3_STAT &&
        mw_pop3_scan_parse(r->text.ptr, r->text.len, &m, &size) == MW_OK) {
        ev->count = m;
        ev->size = size;
    } else if (p->verb == MW_POP3_LIST && p->msg &&
               mw_pop3_scan_parse(r->text.ptr, r->text.len, &m, &size) ==
                   MW_OK) {
        ev->msg = m;
        ev->size = size;
    } else if (p->verb == MW_POP3_UIDL && p->msg &&
               mw_pop3_uidl_parse(r->text.ptr, r->text.len, &m, &uid) ==
                   MW_OK) {
        ev->msg = m;
        ev->uid = uid;
    }
}

static void after_ok(mw_pop3_client *s, uint32_t verb)
{
    switch (verb) {
    case MW_POP3_PASS:
    case MW_POP3_APOP:
    case MW_POP3_AUTH:
        s->state = MW_POP3_STATE_TRANSACTION;
        break;
    case MW_POP3_STLS:
        s->want_tls = 1;
        s->discard_window = 0;
        break;
    default:
        break;
    }
}

static mw_status on_status(mw_pop3_client *s, const mw_pop3_item *it,
                           mw_pop3_client_event *ev)
{
    pending *p = head(s);
    if (!p || !p->released)
        return MW_E_SYNTAX; /* a response to nothing sent */
    if (it->resp.kind == MW_POP3_CONT) {
        mw_status st = on_challenge(s, it);
        return st == MW_OK ? MW_NEED_MORE : st;
    }
    ev->type = MW_POP3_CEV_REPLY;
    ev->verb = p->verb;
    ev->resp = it->resp;
    uint32_t ok = it->resp.kind == MW_POP3_OK;
    if (p->verb == MW_POP3_AUTH) {
        mw_sasl *sasl = s->sasl;
        s->sasl = NULL;
        s->ir_held = 0;
        wipe_buf(&s->sasl_out);
        /* A server that says +OK without proving itself (SCRAM) is not
         * believed. */
        if (ok && mw_sasl_client_success(sasl, NULL, 0) != MW_OK)
            return MW_E_AUTH;
    }
    if (p->verb == MW_POP3_CAPA && ok)
        memset(&s->caps_building, 0, sizeof(s->caps_building));
    fill_single(p, &it->resp, ev);
    if (ok)
        after_ok(s, p->verb);
    if (p->verb == MW_POP3_QUIT) {
        s->closing = 1;
        s->state = MW_POP3_STATE_CLOSED;
    }
    if (ok && p->expect != MW_POP3_EXPECT_SINGLE &&
        p->expect != MW_POP3_EXPECT_SASL)
        s->in_body = 1;
    else
        pop(s);
    return MW_OK;
}

static mw_status on_line(mw_pop3_client *s, const mw_pop3_item *it,
                         mw_pop3_client_event *ev)
{
    pending *p = head(s);
    ev->verb = p->verb;
    if (p->verb == MW_POP3_CAPA) {
        mw_pop3_caps_add_line(&s->caps_building, it->data.ptr, it->data.len);
        ev->type = MW_POP3_CEV_CAPA;
        ev->data = it->data;
        return MW_OK;
    }
    if (p->verb == MW_POP3_LIST) {
        ev->type = MW_POP3_CEV_LIST;
        return mw_pop3_scan_parse(it->data.ptr, it->data.len, &ev->msg,
                                  &ev->size);
    }
    ev->type = MW_POP3_CEV_UIDL;
    return mw_pop3_uidl_parse(it->data.ptr, it->data.len, &ev->msg, &ev->uid);
}

static mw_status on_item(mw_pop3_client *s, const mw_pop3_item *it,
                         mw_pop3_client_event *ev)
{
    if (s->state == MW_POP3_STATE_GREETING)
        return on_greeting(s, it, ev);
    switch (it->type) {
    case MW_POP3_ITEM_STATUS:
        return on_status(s, it, ev);
    case MW_POP3_ITEM_LINE:
        return on_line(s, it, ev);
    case MW_POP3_ITEM_DATA:
        ev->type = MW_POP3_CEV_DATA;
        ev->verb = head(s)->verb;
        ev->data = it->data;
        return MW_OK;
    default:
        ev->type = MW_POP3_CEV_END;
        ev->verb = head(s)->verb;
        if (ev->verb == MW_POP3_CAPA) {
            s->caps = s->caps_building;
            s->caps_valid = 1;
        }
        s->in_body = 0;
        pop(s);
        return MW_OK;
    }
}

static uint32_t next_expect(mw_pop3_client *s)
{
    pending *p = head(s);
    return p ? p->expect : MW_POP3_EXPECT_SINGLE;
}

mw_status mw_pop3_client_feed(mw_pop3_client *s, const void *data, size_t len,
                              size_t *consumed, mw_pop3_client_event *event)
{
    if (!s || !consumed || !event || (!data && len))
        return MW_E_ARG;
    *consumed = 0;
    memset(event, 0, sizeof(*event));
    if (s->fatal)
        return s->fatal;
    if (s->discard_report) {
        s->discard_report = 0;
        event->type = MW_POP3_CEV_DISCARDED;
        event->size = s->discard_window;
        return MW_OK;
    }
    if (s->want_tls) {
        /* Plaintext after +OK to STLS is never parsed (CVE-2020-15953). */
        s->discarded += len;
        s->discard_window += len;
        *consumed = len;
        return MW_NEED_MORE;
    }
    if (s->state == MW_POP3_STATE_CLOSED) {
        /* Nothing after the end of the conversation is read. */
        *consumed = len;
        return MW_NEED_MORE;
    }
    const char *in = data;
    for (;;) {
        if (!s->in_body)
            mw_pop3_reader_expect(s->reader, next_expect(s));
        size_t used = 0;
        mw_pop3_item it;
        mw_status st = mw_pop3_reader_feed(s->reader, in ? in + *consumed : in,
                                           len - *consumed, &used, &it);
        *consumed += used;
        if (st == MW_NEED_MORE)
            return st;
        if (st != MW_OK)
            return set_fatal(s, st);
        st = on_item(s, &it, event);
        if (st == MW_OK)
            return st;
        if (st != MW_NEED_MORE)
            return set_fatal(s, st);
    }
}

const char *mw_pop3_client_output(const mw_pop3_client *s, size_t *len)
{
    if (!s || !len) {
        if (len)
            *len = 0;
        return NULL;
    }
    *len = s->released;
    return s->released ? s->out.data : NULL;
}

void mw_pop3_client_output_done(mw_pop3_client *s, size_t n)
{
    if (!s)
        return;
    if (n > s->released)
        n = s->released;
    mw_buf_consume(&s->out, n);
    s->released -= n;
}

uint32_t mw_pop3_client_wants(const mw_pop3_client *s)
{
    if (!s)
        return MW_WANT_CLOSE;
    uint32_t w = s->released ? MW_WANT_WRITE : 0;
    if (s->fatal || s->state == MW_POP3_STATE_CLOSED)
        return w | MW_WANT_CLOSE;
    if (s->want_tls)
        return MW_WANT_TLS;
    if (s->state == MW_POP3_STATE_GREETING || s->q_count)
        w |= MW_WANT_READ;
    return w;
}

mw_status mw_pop3_client_tls_done(mw_pop3_client *s, int ok)
{
    if (!s)
        return MW_E_ARG;
    if (!s->want_tls)
        return MW_E_STATE;
    s->want_tls = 0;
    if (!ok) {
        set_fatal(s, MW_E_TLS);
        return MW_E_TLS;
    }
    s->tls_active = 1;
    s->caps_valid = 0;
    memset(&s->caps, 0, sizeof(s->caps));
    mw_pop3_reader_reset(s->reader);
    s->discard_report = s->discard_window != 0;
    /* RFC 2595 section 4: forget what was learnt in plaintext, ask again. */
    return mw_pop3_client_capa(s);
}

mw_status mw_pop3_client_eof(mw_pop3_client *s)
{
    if (!s)
        return MW_E_ARG;
    int expected = s->closing && !s->fatal;
    s->state = MW_POP3_STATE_CLOSED;
    s->closing = 1;
    s->want_tls = 0;
    s->sasl = NULL;
    wipe_buf(&s->sasl_in);
    wipe_buf(&s->sasl_out);
    return expected ? MW_OK : MW_E_CLOSED;
}

uint32_t mw_pop3_client_state(const mw_pop3_client *s)
{
    return s ? s->state : MW_POP3_STATE_CLOSED;
}

mw_status mw_pop3_client_caps(const mw_pop3_client *s, mw_pop3_caps *caps)
{
    if (!s || !caps)
        return MW_E_ARG;
    if (!s->caps_valid)
        return MW_E_STATE;
    *caps = s->caps;
    return MW_OK;
}

mw_status mw_pop3_client_timestamp(const mw_pop3_client *s, mw_span *ts)
{
    if (!s || !ts)
        return MW_E_ARG;
    if (!s->ts_len)
        return MW_E_STATE;
    ts->ptr = s->ts;
    ts->len = s->ts_len;
    return MW_OK;
}

uint64_t mw_pop3_client_discarded(const mw_pop3_client *s)
{
    return s ? s->discarded : 0;
}
