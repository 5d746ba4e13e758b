/* POP3 server session: every command and its error replies; the
 * application answers login, SASL, message content and UPDATE events
 * (RFC 1939, RFC 2449, RFC 2595, RFC 3206, RFC 5034, RFC 6856). */
#include <string.h>

#include "mw_int.h"
#include "pop3/pop3_int.h"

#define SERVER_SASL_LINE_DEFAULT 8192u
#define SERVER_OUTPUT_DEFAULT (1024u * 1024u)
#define SERVER_MESSAGES_DEFAULT 65536u
/* Room kept free before a command is read: the longest reply the session
 * writes in one piece (status line, CAPA list) fits in it. */
#define REPLY_MARGIN 2048u
#define USER_MAX 255u
#define TEXT_MAX 255u

enum owed { OWE_NONE, OWE_LOGIN, OWE_AUTH, OWE_SASL, OWE_DATA, OWE_UPDATE };

/* A copied configuration text. */
typedef struct text {
    char *ptr;
    size_t len;
} text;

struct mw_pop3_server {
    const mw_allocator *allocator;
    size_t alloc_size; /* 0 when placed in caller storage */
    mw_line_reader lines;
    mw_buf out;
    mw_buf sasl_in;
    mw_buf sasl_out;
    uint32_t flags;
    uint32_t state;
    uint32_t line_max;
    uint32_t messages_max;
    uint32_t login_delay;
    text timestamp, name, mechs, implementation, expire;
    /* AUTHORIZATION */
    char user[USER_MAX + 1];
    size_t user_len;
    int have_user;
    char digest[MW_POP3_ARG_MAX + 1];
    size_t digest_len;
    mw_sasl *sasl;
    int sasl_reading; /* the next line is a SASL response */
    int has_ir;
    uint32_t owed;
    uint32_t login_method;
    mw_pop3_server_event queued; /* raised on the next feed */
    int has_queued;
    /* TRANSACTION */
    uint32_t count;
    const uint64_t *sizes;
    const mw_span *uids;
    uint8_t *marks;
    size_t marks_size; /* allocated bytes; 0 for caller storage */
    uint8_t *marks_fixed;
    uint32_t n_deleted;
    /* RETR / TOP streaming */
    mw_dot_writer dw;
    uint32_t cur_msg;
    int is_top;
    int data_started;
    uint32_t top_lines;
    uint32_t body_lines;
    int in_body;
    int line_empty;
    int top_full;
    /* STLS */
    int tls_active;
    int want_tls;
    uint64_t discarded;
    uint64_t discard_window;
    int discard_report;
    int closing;
};

typedef struct layout {
    size_t storage, texts, fixed, out, sasl, marks, total;
    uint32_t sasl_line_max, out_max, messages_max, sasl_buf;
} layout;

static const mw_span *cfg_texts(const mw_pop3_server_config *cfg, size_t i)
{
    const mw_span *all[] = {&cfg->timestamp, &cfg->name, &cfg->sasl_mechs,
                            &cfg->implementation, &cfg->expire};
    return all[i];
}

static void resolve(const mw_pop3_server_config *cfg, layout *l)
{
    l->sasl_line_max = SERVER_SASL_LINE_DEFAULT;
    l->out_max = SERVER_OUTPUT_DEFAULT;
    l->messages_max = SERVER_MESSAGES_DEFAULT;
    size_t texts = 0;
    if (cfg) {
        if (cfg->sasl_line_max)
            l->sasl_line_max = cfg->sasl_line_max;
        if (cfg->output_max)
            l->out_max = cfg->output_max < 2 * REPLY_MARGIN ? 2 * REPLY_MARGIN
                                                            : cfg->output_max;
        if (cfg->messages_max)
            l->messages_max = cfg->messages_max;
        for (size_t i = 0; i < 5; i++)
            texts += cfg_texts(cfg, i)->len;
    }
    if (l->sasl_line_max < MW_POP3_CMD_LINE_MAX)
        l->sasl_line_max = MW_POP3_CMD_LINE_MAX;
    l->sasl_buf = l->sasl_line_max;
    l->storage = mwi_pop3_align(sizeof(struct mw_pop3_server));
    l->texts = l->storage + mwi_pop3_align(l->sasl_line_max);
    l->fixed = l->texts + mwi_pop3_align(texts + 1);
    l->out = l->fixed;
    l->sasl = l->out + mwi_pop3_align(l->out_max);
    l->marks = l->sasl + 2 * mwi_pop3_align(l->sasl_buf);
    l->total = l->marks + mwi_pop3_align((l->messages_max + 7u) / 8u);
}

size_t mw_pop3_server_sizeof(const mw_pop3_server_config *cfg)
{
    layout l;
    resolve(cfg, &l);
    return l.total;
}

static int text_ok(const mw_span *t, size_t max)
{
    if (t->len && !t->ptr)
        return 0;
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->ptr[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return t->len <= max;
}

static int cfg_ok(const mw_pop3_server_config *cfg)
{
    if (!cfg)
        return 1;
    if (cfg->size < sizeof(mw_pop3_server_config))
        return 0;
    for (size_t i = 0; i < 5; i++)
        if (!text_ok(cfg_texts(cfg, i), TEXT_MAX))
            return 0;
    if (cfg->flags & MW_POP3_SERVER_APOP) {
        mw_span ts;
        if (mw_pop3_greeting_timestamp(cfg->timestamp.ptr, cfg->timestamp.len,
                                       &ts) != MW_OK ||
            ts.len != cfg->timestamp.len)
            return 0;
    }
    return 1;
}

static mw_status put_str(mw_buf *out, const char *s)
{
    return mw_buf_append_str(out, s);
}

static mw_status reply(mw_pop3_server *s, uint32_t kind, uint32_t code,
                       const char *txt)
{
    const char *c = mw_pop3_code_text(code);
    return mw_pop3_response_write(kind, c, strlen(c), txt, strlen(txt),
                                  &s->out);
}

static mw_status greet(mw_pop3_server *s)
{
    mw_status st = put_str(&s->out, "+OK POP3 server ready");
    if (st == MW_OK && (s->flags & MW_POP3_SERVER_APOP)) {
        st = mw_buf_append_byte(&s->out, ' ');
        if (st == MW_OK)
            st = mw_buf_append(&s->out, s->timestamp.ptr, s->timestamp.len);
    }
    return st == MW_OK ? mw_buf_append(&s->out, "\r\n", 2) : st;
}

static void place(mw_pop3_server *s, const layout *l,
                  const mw_pop3_server_config *cfg)
{
    char *base = (char *)s;
    memset(s, 0, sizeof(*s));
    mw_line_reader_init(&s->lines, base + l->storage, l->sasl_line_max,
                        MW_LINE_SKIP_LONG);
    s->line_max = MW_POP3_CMD_LINE_MAX;
    s->messages_max = l->messages_max;
    s->state = MW_POP3_STATE_AUTHORIZATION;
    char *t = base + l->texts;
    text *dst[] = {&s->timestamp, &s->name, &s->mechs, &s->implementation,
                   &s->expire};
    for (size_t i = 0; i < 5; i++) {
        dst[i]->ptr = t;
        dst[i]->len = 0;
        if (!cfg)
            continue;
        const mw_span *src = cfg_texts(cfg, i);
        if (src->len)
            memcpy(t, src->ptr, src->len);
        dst[i]->len = src->len;
        t += src->len;
    }
    if (cfg) {
        s->flags = cfg->flags;
        s->login_delay = cfg->login_delay;
        if (cfg->line_max)
            s->line_max = cfg->line_max < 16 ? 16 : cfg->line_max;
    }
    s->tls_active = (s->flags & MW_POP3_SERVER_TLS_ACTIVE) != 0;
}

mw_status mw_pop3_server_new(const mw_pop3_server_config *cfg,
                             const mw_allocator *allocator,
                             mw_pop3_server **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!cfg_ok(cfg))
        return MW_E_ARG;
    layout l;
    resolve(cfg, &l);
    mw_pop3_server *s = mwi_alloc(allocator, l.fixed);
    if (!s)
        return MW_E_NOMEM;
    place(s, &l, cfg);
    s->allocator = allocator;
    s->alloc_size = l.fixed;
    mw_buf_init_growable(&s->out, allocator, l.out_max);
    mw_buf_init_growable(&s->sasl_in, allocator, l.sasl_buf);
    mw_buf_init_growable(&s->sasl_out, allocator, l.sasl_buf);
    if (greet(s) != MW_OK) {
        mw_pop3_server_free(s);
        return MW_E_NOMEM;
    }
    *out = s;
    return MW_OK;
}

mw_status mw_pop3_server_init_in(void *mem, size_t len,
                                 const mw_pop3_server_config *cfg,
                                 mw_pop3_server **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!cfg_ok(cfg))
        return MW_E_ARG;
    layout l;
    resolve(cfg, &l);
    if (!mem || len < l.total || !mwi_is_aligned(mem))
        return MW_E_ARG;
    mw_pop3_server *s = mem;
    place(s, &l, cfg);
    char *base = mem;
    mw_buf_init_fixed(&s->out, base + l.out, l.out_max);
    mw_buf_init_fixed(&s->sasl_in, base + l.sasl, l.sasl_buf);
    mw_buf_init_fixed(&s->sasl_out, base + l.sasl + mwi_pop3_align(l.sasl_buf),
                      l.sasl_buf);
    s->marks_fixed = (uint8_t *)(base + l.marks);
    greet(s);
    *out = s;
    return MW_OK;
}

static void wipe_buf(mw_buf *b)
{
    if (b->data)
        mwi_wipe(b->data, b->cap);
    b->len = 0;
}

static void drop_sasl(mw_pop3_server *s)
{
    mw_sasl_free(s->sasl);
    s->sasl = NULL;
    s->sasl_reading = 0;
    wipe_buf(&s->sasl_in);
    wipe_buf(&s->sasl_out);
}

static void free_marks(mw_pop3_server *s)
{
    if (s->marks_size)
        mwi_free(s->allocator, s->marks, s->marks_size);
    s->marks = NULL;
    s->marks_size = 0;
}

void mw_pop3_server_free(mw_pop3_server *s)
{
    if (!s)
        return;
    drop_sasl(s);
    free_marks(s);
    mwi_wipe(s->user, sizeof(s->user));
    /* The line storage held passwords and SASL responses. */
    if (s->lines.storage)
        mwi_wipe(s->lines.storage, s->lines.cap);
    mwi_wipe(&s->lines, sizeof(s->lines));
    wipe_buf(&s->out);
    mw_buf_free(&s->out);
    mw_buf_free(&s->sasl_in);
    mw_buf_free(&s->sasl_out);
    if (s->alloc_size)
        mwi_free(s->allocator, s, s->alloc_size);
}

/* ------------------------------------------------------------------ */
/* Maildrop                                                            */
/* ------------------------------------------------------------------ */

static int valid_msg(const mw_pop3_server *s, uint32_t msg)
{
    return msg >= 1 && msg <= s->count;
}

int mw_pop3_server_is_deleted(const mw_pop3_server *s, uint32_t msg)
{
    if (!s || !s->marks || !valid_msg(s, msg))
        return 0;
    return (s->marks[(msg - 1) / 8] >> ((msg - 1) % 8)) & 1;
}

static void mark(mw_pop3_server *s, uint32_t msg)
{
    s->marks[(msg - 1) / 8] |= (uint8_t)(1u << ((msg - 1) % 8));
    s->n_deleted++;
}

static void totals(const mw_pop3_server *s, uint32_t *n, uint64_t *size)
{
    *n = 0;
    *size = 0;
    for (uint32_t m = 1; m <= s->count; m++) {
        if (mw_pop3_server_is_deleted(s, m))
            continue;
        (*n)++;
        *size += s->sizes[m - 1];
    }
}

/* ------------------------------------------------------------------ */
/* Reply helpers                                                       */
/* ------------------------------------------------------------------ */

/* Append pieces to one line atomically: on failure nothing stays. */
typedef struct line_builder {
    mw_buf *out;
    size_t start;
    mw_status st;
} line_builder;

static void lb_start(line_builder *lb, mw_buf *out)
{
    lb->out = out;
    lb->start = out->len;
    lb->st = MW_OK;
}

static void lb_str(line_builder *lb, const char *p, size_t n)
{
    if (lb->st == MW_OK)
        lb->st = mw_buf_append(lb->out, p, n);
}

static void lb_cstr(line_builder *lb, const char *p)
{
    lb_str(lb, p, strlen(p));
}

static void lb_num(line_builder *lb, uint64_t v)
{
    if (lb->st == MW_OK)
        lb->st = mwi_pop3_put_u64(lb->out, v);
}

static mw_status lb_end(line_builder *lb)
{
    lb_str(lb, "\r\n", 2);
    if (lb->st != MW_OK)
        lb->out->len = lb->start;
    return lb->st;
}

/* "N messages (S octets)" */
static void lb_summary(line_builder *lb, const mw_pop3_server *s)
{
    uint32_t n;
    uint64_t size;
    totals(s, &n, &size);
    lb_num(lb, n);
    lb_cstr(lb, n == 1 ? " message (" : " messages (");
    lb_num(lb, size);
    lb_cstr(lb, " octets)");
}

static mw_status err_no_such(mw_pop3_server *s, uint32_t msg)
{
    line_builder lb;
    lb_start(&lb, &s->out);
    if (valid_msg(s, msg)) {
        lb_cstr(&lb, "-ERR message ");
        lb_num(&lb, msg);
        lb_cstr(&lb, " already deleted");
    } else {
        lb_cstr(&lb, "-ERR no such message, only ");
        lb_num(&lb, s->count);
        lb_cstr(&lb, s->count == 1 ? " message in maildrop"
                                   : " messages in maildrop");
    }
    return lb_end(&lb);
}

static int usable(const mw_pop3_server *s, uint32_t msg)
{
    return valid_msg(s, msg) && !mw_pop3_server_is_deleted(s, msg);
}

static int auth_allowed(const mw_pop3_server *s)
{
    return s->tls_active || !(s->flags & MW_POP3_SERVER_TLS_REQUIRED);
}

static mw_status write_capa(mw_pop3_server *s)
{
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK Capability list follows\r\nTOP\r\n");
    if ((s->flags & MW_POP3_SERVER_USER) && auth_allowed(s))
        lb_cstr(&lb, "USER\r\n");
    if (s->mechs.len && auth_allowed(s)) {
        lb_cstr(&lb, "SASL ");
        lb_str(&lb, s->mechs.ptr, s->mechs.len);
        lb_cstr(&lb, "\r\n");
    }
    lb_cstr(&lb, "RESP-CODES\r\n");
    if (s->login_delay) {
        lb_cstr(&lb, "LOGIN-DELAY ");
        lb_num(&lb, s->login_delay);
        lb_cstr(&lb, "\r\n");
    }
    lb_cstr(&lb, "PIPELINING\r\n");
    if (s->expire.len) {
        lb_cstr(&lb, "EXPIRE ");
        lb_str(&lb, s->expire.ptr, s->expire.len);
        lb_cstr(&lb, "\r\n");
    }
    lb_cstr(&lb, "UIDL\r\n");
    if (s->implementation.len) {
        lb_cstr(&lb, "IMPLEMENTATION ");
        lb_str(&lb, s->implementation.ptr, s->implementation.len);
        lb_cstr(&lb, "\r\n");
    }
    if ((s->flags & MW_POP3_SERVER_STLS) && !s->tls_active &&
        s->state == MW_POP3_STATE_AUTHORIZATION)
        lb_cstr(&lb, "STLS\r\n");
    if (s->flags & MW_POP3_SERVER_UTF8)
        lb_cstr(&lb, "UTF8\r\n");
    lb_cstr(&lb, "AUTH-RESP-CODE\r\n.");
    return lb_end(&lb);
}

static mw_status write_listing(mw_pop3_server *s, uint32_t verb)
{
    line_builder lb;
    lb_start(&lb, &s->out);
    if (verb == MW_POP3_LIST) {
        lb_cstr(&lb, "+OK ");
        lb_summary(&lb, s);
    } else {
        lb_cstr(&lb, "+OK");
    }
    lb_cstr(&lb, "\r\n");
    for (uint32_t m = 1; m <= s->count && lb.st == MW_OK; m++) {
        if (mw_pop3_server_is_deleted(s, m))
            continue;
        lb_num(&lb, m);
        lb_cstr(&lb, " ");
        if (verb == MW_POP3_LIST)
            lb_num(&lb, s->sizes[m - 1]);
        else
            lb_str(&lb, s->uids[m - 1].ptr, s->uids[m - 1].len);
        lb_cstr(&lb, "\r\n");
    }
    lb_cstr(&lb, ".");
    return lb_end(&lb);
}

/* A listing that cannot fit the output limit is refused rather than
 * lost. */
static mw_status listing(mw_pop3_server *s, uint32_t verb)
{
    mw_status st = write_listing(s, verb);
    if (st == MW_E_NOSPACE)
        st = reply(s, MW_POP3_ERR, MW_POP3_CODE_SYS_TEMP, "listing too large");
    return st;
}

static mw_status write_one(mw_pop3_server *s, uint32_t verb, uint32_t msg)
{
    if (!usable(s, msg))
        return err_no_such(s, msg);
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK ");
    lb_num(&lb, msg);
    lb_cstr(&lb, " ");
    if (verb == MW_POP3_LIST)
        lb_num(&lb, s->sizes[msg - 1]);
    else
        lb_str(&lb, s->uids[msg - 1].ptr, s->uids[msg - 1].len);
    return lb_end(&lb);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static mw_status not_here(mw_pop3_server *s)
{
    return reply(s, MW_POP3_ERR, 0, "command not valid in this state");
}

static mw_status cmd_quit(mw_pop3_server *s, mw_pop3_server_event *ev)
{
    if (s->state == MW_POP3_STATE_TRANSACTION) {
        /* RFC 1939 section 6: only QUIT from TRANSACTION enters UPDATE. */
        s->state = MW_POP3_STATE_UPDATE;
        s->owed = OWE_UPDATE;
        ev->type = MW_POP3_SEV_UPDATE;
        ev->count = s->n_deleted;
        return MW_OK;
    }
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK ");
    if (s->name.len) {
        lb_str(&lb, s->name.ptr, s->name.len);
        lb_cstr(&lb, " ");
    }
    lb_cstr(&lb, "POP3 server signing off");
    mw_status st = lb_end(&lb);
    if (st == MW_OK) {
        s->closing = 1;
        s->state = MW_POP3_STATE_CLOSED;
    }
    return st == MW_OK ? MW_NEED_MORE : st;
}

static void set_user(mw_pop3_server *s, const char *p, size_t n)
{
    if (n > USER_MAX)
        n = USER_MAX;
    memcpy(s->user, p, n);
    s->user_len = n;
}

static mw_status cmd_user(mw_pop3_server *s, const mw_pop3_command *c)
{
    if (!(s->flags & MW_POP3_SERVER_USER) || !auth_allowed(s))
        return reply(s, MW_POP3_ERR, 0, "USER not available");
    set_user(s, c->arg.ptr, c->arg.len);
    s->have_user = 1;
    return reply(s, MW_POP3_OK, 0, "send PASS");
}

static void raise_login(mw_pop3_server *s, uint32_t method, mw_span secret,
                        mw_pop3_server_event *ev)
{
    s->owed = OWE_LOGIN;
    s->login_method = method;
    ev->type = MW_POP3_SEV_LOGIN;
    ev->method = method;
    ev->user.ptr = s->user;
    ev->user.len = s->user_len;
    ev->secret = secret;
}

static mw_status cmd_pass(mw_pop3_server *s, const mw_pop3_command *c,
                          mw_pop3_server_event *ev)
{
    if (!s->have_user)
        return reply(s, MW_POP3_ERR, 0, "USER first");
    s->have_user = 0;
    raise_login(s, MW_POP3_LOGIN_PASS, c->arg, ev);
    return MW_OK;
}

static mw_status cmd_apop(mw_pop3_server *s, const mw_pop3_command *c,
                          mw_pop3_server_event *ev)
{
    if (!(s->flags & MW_POP3_SERVER_APOP) || !auth_allowed(s))
        return reply(s, MW_POP3_ERR, 0, "APOP not available");
    s->have_user = 0;
    set_user(s, c->arg.ptr, c->arg.len);
    memcpy(s->digest, c->arg2.ptr, c->arg2.len);
    s->digest_len = c->arg2.len;
    raise_login(s, MW_POP3_LOGIN_APOP, c->arg2, ev);
    return MW_OK;
}

/* Whether \p mech is one of the configured mechanisms. */
static int mech_offered(const mw_pop3_server *s, mw_span mech)
{
    size_t i = 0;
    while (i < s->mechs.len) {
        while (i < s->mechs.len && s->mechs.ptr[i] == ' ')
            i++;
        size_t st = i;
        while (i < s->mechs.len && s->mechs.ptr[i] != ' ')
            i++;
        if (i == st || i - st != mech.len)
            continue;
        size_t k = 0;
        while (k < mech.len) {
            char a = s->mechs.ptr[st + k], b = mech.ptr[k];
            if (a >= 'a' && a <= 'z')
                a = (char)(a - 32);
            if (b >= 'a' && b <= 'z')
                b = (char)(b - 32);
            if (a != b)
                break;
            k++;
        }
        if (k == mech.len)
            return 1;
    }
    return 0;
}

static mw_status cmd_auth(mw_pop3_server *s, const mw_pop3_command *c,
                          mw_pop3_server_event *ev)
{
    if (!auth_allowed(s) || !mech_offered(s, c->arg))
        return reply(s, MW_POP3_ERR, 0, "unrecognized authentication type");
    s->have_user = 0;
    mw_buf_clear(&s->sasl_in);
    s->has_ir = (c->flags & MW_POP3_CMD_HAS_IR) != 0;
    /* "=" is the empty initial response (RFC 5034 section 4). */
    if (s->has_ir && !(c->arg2.len == 1 && c->arg2.ptr[0] == '=') &&
        mwi_pop3_b64_decode(c->arg2.ptr, c->arg2.len, &s->sasl_in) != MW_OK)
        return reply(s, MW_POP3_ERR, 0, "invalid base64 initial response");
    s->owed = OWE_AUTH;
    ev->type = MW_POP3_SEV_AUTH;
    ev->mech = c->arg;
    return MW_OK;
}

static mw_status cmd_stls(mw_pop3_server *s)
{
    if (!(s->flags & MW_POP3_SERVER_STLS) || s->tls_active)
        return reply(s, MW_POP3_ERR, 0, "STLS not available");
    mw_status st = reply(s, MW_POP3_OK, 0, "Begin TLS negotiation");
    if (st == MW_OK) {
        s->want_tls = 1;
        s->discard_window = 0;
    }
    return st;
}

static mw_status cmd_utf8(mw_pop3_server *s, mw_pop3_server_event *ev)
{
    if (!(s->flags & MW_POP3_SERVER_UTF8))
        return reply(s, MW_POP3_ERR, 0, "UTF8 not available");
    mw_status st = reply(s, MW_POP3_OK, 0, "UTF8 enabled");
    if (st == MW_OK) {
        ev->type = MW_POP3_SEV_UTF8;
        return MW_OK;
    }
    return st;
}

static mw_status authorization(mw_pop3_server *s, const mw_pop3_command *c,
                               mw_pop3_server_event *ev)
{
    switch (c->verb) {
    case MW_POP3_USER:
        return cmd_user(s, c);
    case MW_POP3_PASS:
        return cmd_pass(s, c, ev);
    case MW_POP3_APOP:
        return cmd_apop(s, c, ev);
    case MW_POP3_AUTH:
        return cmd_auth(s, c, ev);
    case MW_POP3_STLS:
        return cmd_stls(s);
    case MW_POP3_UTF8:
        return cmd_utf8(s, ev);
    default:
        return not_here(s);
    }
}

static mw_status cmd_dele(mw_pop3_server *s, uint32_t msg)
{
    if (!usable(s, msg))
        return err_no_such(s, msg);
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK message ");
    lb_num(&lb, msg);
    lb_cstr(&lb, " deleted");
    mw_status st = lb_end(&lb);
    if (st == MW_OK)
        mark(s, msg);
    return st;
}

static mw_status cmd_rset(mw_pop3_server *s)
{
    if (s->marks)
        memset(s->marks, 0, (s->count + 7u) / 8u);
    s->n_deleted = 0;
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK maildrop has ");
    lb_summary(&lb, s);
    return lb_end(&lb);
}

static mw_status cmd_stat(mw_pop3_server *s)
{
    uint32_t n;
    uint64_t size;
    totals(s, &n, &size);
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK ");
    lb_num(&lb, n);
    lb_cstr(&lb, " ");
    lb_num(&lb, size);
    return lb_end(&lb);
}

static mw_status cmd_retr(mw_pop3_server *s, const mw_pop3_command *c,
                          mw_pop3_server_event *ev)
{
    if (!usable(s, c->msg))
        return err_no_such(s, c->msg);
    s->owed = OWE_DATA;
    s->cur_msg = c->msg;
    s->is_top = c->verb == MW_POP3_TOP;
    s->top_lines = c->lines;
    s->data_started = 0;
    s->body_lines = 0;
    s->in_body = 0;
    s->line_empty = 1;
    s->top_full = 0;
    mw_dot_writer_init(&s->dw);
    ev->type = s->is_top ? MW_POP3_SEV_TOP : MW_POP3_SEV_RETR;
    ev->msg = c->msg;
    ev->lines = c->lines;
    return MW_OK;
}

static mw_status transaction(mw_pop3_server *s, const mw_pop3_command *c,
                             mw_pop3_server_event *ev)
{
    switch (c->verb) {
    case MW_POP3_STAT:
        return cmd_stat(s);
    case MW_POP3_LIST:
    case MW_POP3_UIDL:
        if (c->verb == MW_POP3_UIDL && !s->uids)
            return reply(s, MW_POP3_ERR, 0, "UIDL not available");
        if (c->flags & MW_POP3_CMD_HAS_MSG)
            return write_one(s, c->verb, c->msg);
        return listing(s, c->verb);
    case MW_POP3_RETR:
    case MW_POP3_TOP:
        return cmd_retr(s, c, ev);
    case MW_POP3_DELE:
        return cmd_dele(s, c->msg);
    case MW_POP3_NOOP:
        return reply(s, MW_POP3_OK, 0, "");
    case MW_POP3_RSET:
        return cmd_rset(s);
    default:
        return not_here(s);
    }
}

static mw_status command(mw_pop3_server *s, mw_span line,
                         mw_pop3_server_event *ev)
{
    mw_pop3_codec_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.size = sizeof(cc);
    cc.line_max = s->line_max;
    mw_pop3_command c;
    mw_pop3_parse_error err;
    mw_status st = mw_pop3_command_parse(line.ptr, line.len, &cc, &c, &err);
    if (st != MW_OK)
        return reply(s, MW_POP3_ERR, 0, mw_pop3_error_text(err.reason));
    if (c.verb == MW_POP3_UNKNOWN)
        return reply(s, MW_POP3_ERR, 0, "unknown command");
    if (c.verb == MW_POP3_QUIT)
        return cmd_quit(s, ev);
    if (c.verb == MW_POP3_CAPA)
        return write_capa(s);
    if (s->state == MW_POP3_STATE_AUTHORIZATION)
        return authorization(s, &c, ev);
    return transaction(s, &c, ev);
}

/* ------------------------------------------------------------------ */
/* SASL                                                                */
/* ------------------------------------------------------------------ */

static void queue_event(mw_pop3_server *s, uint32_t type)
{
    memset(&s->queued, 0, sizeof(s->queued));
    s->queued.type = type;
    s->has_queued = 1;
}

/* Act on what the mechanism said; writes the reply or queues an event. */
static mw_status sasl_result(mw_pop3_server *s, mw_status r)
{
    mw_span authcid = {NULL, 0};
    switch (r) {
    case MW_OK: {
        mw_buf_clear(&s->sasl_in);
        mw_status st =
            mwi_pop3_b64_encode(s->sasl_out.data, s->sasl_out.len, &s->sasl_in);
        if (st == MW_OK)
            st = mw_pop3_response_write(MW_POP3_CONT, NULL, 0, s->sasl_in.data,
                                        s->sasl_in.len, &s->out);
        wipe_buf(&s->sasl_in);
        wipe_buf(&s->sasl_out);
        if (st != MW_OK)
            break;
        s->sasl_reading = 1;
        s->owed = OWE_NONE;
        return MW_OK;
    }
    case MW_NEED_MORE:
        s->owed = OWE_SASL;
        queue_event(s, MW_POP3_SEV_SASL_NEED);
        mw_sasl_server_identity(s->sasl, &authcid, NULL);
        s->queued.user = authcid;
        return MW_OK;
    case MW_DONE:
        mw_sasl_server_identity(s->sasl, &authcid, NULL);
        set_user(s, authcid.ptr ? authcid.ptr : "", authcid.len);
        raise_login(s, MW_POP3_LOGIN_SASL, authcid, &s->queued);
        s->queued.secret.len = 0;
        s->has_queued = 1;
        return MW_OK;
    default:
        break;
    }
    drop_sasl(s);
    s->owed = OWE_NONE;
    return reply(s, MW_POP3_ERR, MW_POP3_CODE_AUTH, "authentication failed");
}

static mw_status sasl_line(mw_pop3_server *s, mw_span line)
{
    s->sasl_reading = 0;
    if (line.len == 1 && line.ptr[0] == '*') {
        drop_sasl(s);
        return reply(s, MW_POP3_ERR, 0, "authentication cancelled");
    }
    mw_buf_clear(&s->sasl_in);
    mw_buf_clear(&s->sasl_out);
    mw_status st = mwi_pop3_b64_decode(line.ptr, line.len, &s->sasl_in);
    if (st != MW_OK) {
        drop_sasl(s);
        return reply(s, MW_POP3_ERR, 0, "invalid base64 response");
    }
    st = mw_sasl_step(s->sasl, s->sasl_in.data, s->sasl_in.len, &s->sasl_out);
    wipe_buf(&s->sasl_in);
    return sasl_result(s, st);
}

mw_status mw_pop3_server_auth_start(mw_pop3_server *s, mw_sasl *sasl)
{
    if (!s || !sasl)
        return MW_E_ARG;
    if (s->owed != OWE_AUTH)
        return MW_E_STATE;
    s->sasl = sasl;
    mw_buf_clear(&s->sasl_out);
    mw_status st = mw_sasl_server_start(sasl, s->sasl_in.data, s->sasl_in.len,
                                        s->has_ir, &s->sasl_out);
    wipe_buf(&s->sasl_in);
    return sasl_result(s, st);
}

mw_status mw_pop3_server_auth_continue(mw_pop3_server *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->owed != OWE_SASL || s->has_queued)
        return MW_E_STATE;
    mw_buf_clear(&s->sasl_out);
    return sasl_result(s, mw_sasl_step(s->sasl, NULL, 0, &s->sasl_out));
}

mw_sasl *mw_pop3_server_sasl(mw_pop3_server *s)
{
    return s ? s->sasl : NULL;
}

/* ------------------------------------------------------------------ */
/* Login answers                                                       */
/* ------------------------------------------------------------------ */

static int uid_ok(mw_span u)
{
    if (u.len < 1 || u.len > 70 || !u.ptr)
        return 0;
    for (size_t i = 0; i < u.len; i++)
        if (u.ptr[i] < 0x21 || u.ptr[i] > 0x7e)
            return 0;
    return 1;
}

static mw_status check_maildrop(const mw_pop3_server *s,
                                const mw_pop3_maildrop *md)
{
    if (!md || (md->count && !md->sizes))
        return MW_E_ARG;
    if (md->uids)
        for (uint32_t i = 0; i < md->count; i++)
            if (!uid_ok(md->uids[i]))
                return MW_E_ARG;
    if (!s->alloc_size && md->count > s->messages_max)
        return MW_E_LIMIT;
    return MW_OK;
}

static int printable(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return 0;
    return 1;
}

mw_status mw_pop3_server_login_ok(mw_pop3_server *s, const mw_pop3_maildrop *md)
{
    if (!s)
        return MW_E_ARG;
    if (s->owed != OWE_LOGIN || s->has_queued)
        return MW_E_STATE;
    mw_status st = check_maildrop(s, md);
    if (st != MW_OK)
        return st;
    size_t need = (md->count + 7u) / 8u;
    uint8_t *marks = s->marks_fixed;
    if (s->alloc_size && need) {
        marks = mwi_calloc(s->allocator, need);
        if (!marks)
            return MW_E_NOMEM;
    } else if (marks && need) {
        memset(marks, 0, need);
    }
    s->count = md->count;
    s->sizes = md->sizes;
    s->uids = md->uids;
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK ");
    if (s->user_len && printable(s->user, s->user_len)) {
        lb_str(&lb, s->user, s->user_len);
        lb_cstr(&lb, "'s ");
    }
    lb_cstr(&lb, "maildrop has ");
    s->marks = marks; /* lb_summary reads the (clear) marks */
    lb_summary(&lb, s);
    st = lb_end(&lb);
    if (st != MW_OK) {
        if (s->alloc_size && need)
            mwi_free(s->allocator, marks, need);
        s->marks = NULL;
        s->count = 0;
        return st;
    }
    s->marks_size = s->alloc_size ? need : 0;
    s->n_deleted = 0;
    s->owed = OWE_NONE;
    s->state = MW_POP3_STATE_TRANSACTION;
    drop_sasl(s);
    mwi_wipe(s->digest, sizeof(s->digest));
    return MW_OK;
}

static const char *fail_text(uint32_t code)
{
    switch (code) {
    case MW_POP3_CODE_IN_USE:
        return "maildrop already locked";
    case MW_POP3_CODE_LOGIN_DELAY:
        return "logged in too recently";
    case MW_POP3_CODE_SYS_TEMP:
        return "temporary failure, try again later";
    case MW_POP3_CODE_SYS_PERM:
        return "permanent failure";
    default:
        return "authentication failed";
    }
}

static int fail_code_ok(uint32_t code)
{
    return code == MW_POP3_CODE_NONE || code == MW_POP3_CODE_AUTH ||
           code == MW_POP3_CODE_IN_USE || code == MW_POP3_CODE_LOGIN_DELAY ||
           code == MW_POP3_CODE_SYS_TEMP || code == MW_POP3_CODE_SYS_PERM;
}

mw_status mw_pop3_server_login_fail(mw_pop3_server *s, uint32_t code)
{
    if (!s)
        return MW_E_ARG;
    if ((s->owed != OWE_LOGIN && s->owed != OWE_AUTH && s->owed != OWE_SASL) ||
        s->has_queued)
        return MW_E_STATE;
    if (!fail_code_ok(code))
        return MW_E_ARG;
    mw_status st = reply(s, MW_POP3_ERR, code, fail_text(code));
    if (st != MW_OK)
        return st;
    s->owed = OWE_NONE;
    s->user_len = 0;
    drop_sasl(s);
    mwi_wipe(s->digest, sizeof(s->digest));
    return MW_OK;
}

int mw_pop3_server_apop_verify(const mw_pop3_server *s, const char *secret,
                               size_t secret_len)
{
    if (!s || s->owed != OWE_LOGIN || s->login_method != MW_POP3_LOGIN_APOP ||
        s->digest_len != 32 || (!secret && secret_len))
        return 0;
    char want[33];
    mw_pop3_apop_digest(s->timestamp.ptr, s->timestamp.len, secret, secret_len,
                        want);
    char got[32];
    for (size_t i = 0; i < 32; i++) {
        char c = s->digest[i];
        got[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    int ok = mw_memeq_consttime(got, want, 32);
    mwi_wipe(want, sizeof(want));
    return ok;
}

/* ------------------------------------------------------------------ */
/* RETR / TOP content                                                  */
/* ------------------------------------------------------------------ */

/* How many bytes of \p p the TOP cut lets through; updates the line
 * tracking. Lines end at LF (a CRLF's CR belongs to its line). */
static size_t top_cut(mw_pop3_server *s, const char *p, size_t n)
{
    if (s->top_full)
        return 0;
    if (s->in_body && s->top_lines == 0) {
        s->top_full = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n') {
            if (p[i] != '\r')
                s->line_empty = 0;
            continue;
        }
        if (s->in_body) {
            s->body_lines++;
        } else if (s->line_empty) {
            s->in_body = 1;
        }
        s->line_empty = 1;
        if (s->in_body && s->body_lines >= s->top_lines) {
            s->top_full = 1;
            return i + 1;
        }
    }
    return n;
}

static mw_status start_data(mw_pop3_server *s)
{
    if (s->data_started)
        return MW_OK;
    line_builder lb;
    lb_start(&lb, &s->out);
    lb_cstr(&lb, "+OK");
    if (!s->is_top) {
        lb_cstr(&lb, " ");
        lb_num(&lb, s->sizes[s->cur_msg - 1]);
        lb_cstr(&lb, " octets");
    }
    return lb_end(&lb);
}

mw_status mw_pop3_server_send_data(mw_pop3_server *s, const void *data,
                                   size_t len)
{
    if (!s || (!data && len))
        return MW_E_ARG;
    if (s->owed != OWE_DATA)
        return MW_E_STATE;
    size_t before = s->out.len;
    mw_status st = start_data(s);
    if (st != MW_OK)
        return st;
    /* Keep the line tracking so that a refusal changes nothing. */
    int full = s->top_full, in_body = s->in_body, empty = s->line_empty;
    uint32_t body_lines = s->body_lines;
    size_t n = s->is_top ? top_cut(s, data, len) : len;
    st = n ? mw_dot_writer_update(&s->dw, data, n, &s->out) : MW_OK;
    if (st != MW_OK) {
        s->out.len = before;
        s->top_full = full;
        s->in_body = in_body;
        s->body_lines = body_lines;
        s->line_empty = empty;
        return st;
    }
    s->data_started = 1;
    return MW_OK;
}

mw_status mw_pop3_server_send_end(mw_pop3_server *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->owed != OWE_DATA)
        return MW_E_STATE;
    size_t before = s->out.len;
    mw_status st = start_data(s);
    if (st == MW_OK)
        st = mw_dot_writer_final(&s->dw, &s->out);
    if (st != MW_OK) {
        s->out.len = before;
        return st;
    }
    s->owed = OWE_NONE;
    return MW_OK;
}

mw_status mw_pop3_server_send_error(mw_pop3_server *s, uint32_t code)
{
    if (!s)
        return MW_E_ARG;
    if (s->owed != OWE_DATA || s->data_started)
        return MW_E_STATE;
    if (!fail_code_ok(code))
        return MW_E_ARG;
    mw_status st = reply(s, MW_POP3_ERR, code, "message not available");
    if (st == MW_OK)
        s->owed = OWE_NONE;
    return st;
}

int mw_pop3_server_top_full(const mw_pop3_server *s)
{
    return s && s->owed == OWE_DATA && s->is_top && s->top_full;
}

/* ------------------------------------------------------------------ */
/* UPDATE                                                              */
/* ------------------------------------------------------------------ */

mw_status mw_pop3_server_update_done(mw_pop3_server *s, int ok)
{
    if (!s)
        return MW_E_ARG;
    if (s->owed != OWE_UPDATE)
        return MW_E_STATE;
    line_builder lb;
    lb_start(&lb, &s->out);
    if (!ok) {
        lb_cstr(&lb, "-ERR [SYS/TEMP] some deleted messages not removed");
    } else {
        lb_cstr(&lb, "+OK ");
        if (s->name.len) {
            lb_str(&lb, s->name.ptr, s->name.len);
            lb_cstr(&lb, " ");
        }
        lb_cstr(&lb, "POP3 server signing off (");
        uint32_t left = s->count - s->n_deleted;
        if (left == 0) {
            lb_cstr(&lb, "maildrop empty)");
        } else {
            lb_num(&lb, left);
            lb_cstr(&lb, left == 1 ? " message left)" : " messages left)");
        }
    }
    mw_status st = lb_end(&lb);
    if (st != MW_OK)
        return st;
    s->owed = OWE_NONE;
    s->closing = 1;
    s->state = MW_POP3_STATE_CLOSED;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* I/O contract                                                        */
/* ------------------------------------------------------------------ */

static size_t room(const mw_pop3_server *s)
{
    size_t cap = (s->out.flags & MW_BUF_FIXED) ? s->out.cap : s->out.max;
    return cap > s->out.len ? cap - s->out.len : 0;
}

static mw_status one_line(mw_pop3_server *s, mw_span line, uint32_t lflags,
                          mw_pop3_server_event *ev)
{
    if (lflags & MW_LINE_OVERLONG) {
        if (s->sasl_reading) {
            drop_sasl(s);
            return reply(s, MW_POP3_ERR, 0, "response too long");
        }
        return reply(s, MW_POP3_ERR, 0, "line too long");
    }
    if (s->sasl_reading)
        return sasl_line(s, line);
    return command(s, line, ev);
}

static mw_status emit_queued(mw_pop3_server *s, mw_pop3_server_event *ev)
{
    *ev = s->queued;
    s->has_queued = 0;
    return MW_OK;
}

mw_status mw_pop3_server_feed(mw_pop3_server *s, const void *data, size_t len,
                              size_t *consumed, mw_pop3_server_event *event)
{
    if (!s || !consumed || !event || (!data && len))
        return MW_E_ARG;
    *consumed = 0;
    memset(event, 0, sizeof(*event));
    if (s->has_queued)
        return emit_queued(s, event);
    if (s->discard_report) {
        s->discard_report = 0;
        event->type = MW_POP3_SEV_DISCARDED;
        event->count = s->discard_window;
        return MW_OK;
    }
    if (s->owed != OWE_NONE)
        return MW_E_STATE;
    if (s->state == MW_POP3_STATE_CLOSED) {
        /* Nothing after the end is read. */
        *consumed = len;
        return MW_NEED_MORE;
    }
    const char *in = data;
    for (;;) {
        if (s->want_tls) {
            /* Commands pipelined behind STLS are never executed: they
             * were sent in plaintext (CVE-2011-0411 class). */
            s->discarded += len - *consumed;
            s->discard_window += len - *consumed;
            *consumed = len;
            return MW_NEED_MORE;
        }
        if (room(s) < REPLY_MARGIN)
            return MW_E_NOSPACE;
        size_t used = 0;
        mw_span line;
        uint32_t lflags = 0;
        mw_status st =
            mw_line_reader_next(&s->lines, in ? in + *consumed : in,
                                len - *consumed, &used, &line, &lflags);
        *consumed += used;
        if (st != MW_OK)
            return st;
        st = one_line(s, line, lflags, event);
        if (st == MW_OK && event->type)
            return MW_OK;
        if (st == MW_OK && s->has_queued)
            return emit_queued(s, event);
        if (st != MW_OK && st != MW_NEED_MORE)
            return st;
        if (s->state == MW_POP3_STATE_CLOSED) {
            /* Nothing after QUIT is read. */
            *consumed = len;
            return MW_NEED_MORE;
        }
    }
}

const char *mw_pop3_server_output(const mw_pop3_server *s, size_t *len)
{
    if (!s || !len) {
        if (len)
            *len = 0;
        return NULL;
    }
    *len = s->out.len;
    return s->out.len ? s->out.data : NULL;
}

void mw_pop3_server_output_done(mw_pop3_server *s, size_t n)
{
    if (s)
        mw_buf_consume(&s->out, n);
}

uint32_t mw_pop3_server_wants(const mw_pop3_server *s)
{
    if (!s)
        return MW_WANT_CLOSE;
    uint32_t w = s->out.len ? MW_WANT_WRITE : 0;
    if (s->state == MW_POP3_STATE_CLOSED)
        return w | MW_WANT_CLOSE;
    if (s->want_tls)
        return w ? w : MW_WANT_TLS;
    if (s->owed == OWE_NONE && !s->has_queued)
        w |= MW_WANT_READ;
    return w;
}

mw_status mw_pop3_server_tls_done(mw_pop3_server *s, int ok)
{
    if (!s)
        return MW_E_ARG;
    if (!s->want_tls)
        return MW_E_STATE;
    s->want_tls = 0;
    if (!ok) {
        s->state = MW_POP3_STATE_CLOSED;
        return MW_E_TLS;
    }
    s->tls_active = 1;
    s->have_user = 0;
    s->user_len = 0;
    mw_line_reader_reset(&s->lines);
    s->discard_report = s->discard_window != 0;
    return MW_OK;
}

mw_status mw_pop3_server_eof(mw_pop3_server *s)
{
    if (!s)
        return MW_E_ARG;
    /* RFC 1939 section 6: a session that ends without QUIT never enters
     * UPDATE, so no marked message is deleted. */
    s->state = MW_POP3_STATE_CLOSED;
    s->owed = OWE_NONE;
    s->has_queued = 0;
    s->want_tls = 0;
    drop_sasl(s);
    return MW_OK;
}

uint32_t mw_pop3_server_state(const mw_pop3_server *s)
{
    return s ? s->state : MW_POP3_STATE_CLOSED;
}

uint64_t mw_pop3_server_discarded(const mw_pop3_server *s)
{
    return s ? s->discarded : 0;
}
