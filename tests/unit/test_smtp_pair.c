/* A client session and a server session talking to each other in memory.
 *
 * The pump moves the output of one side into the feed of the other, in
 * pieces of N bytes (N from a list that includes 1, and "all at once"),
 * through transport buffers of bounded size so that both sides see
 * backpressure. The client application follows a script (STARTTLS, AUTH,
 * transactions, QUIT); the server application decides by a fixed policy
 * keyed on the addresses. Each side keeps a log of its events; the server
 * also keeps every message it accepted (envelope and body bytes). The
 * tests compare both logs and the delivered messages exactly, and every
 * piece size must give the same result. */
#include "mwtest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwire/sasl.h"
#include "mailwire/smtp.h"
#include "mailwire/smtp_client.h"
#include "mailwire/smtp_server.h"

/* ------------------------------------------------------------------ */
/* Scripts                                                             */
/* ------------------------------------------------------------------ */

#define MAX_RCPTS 8
#define MAX_ACTIONS 12

typedef struct msg_spec {
    const char *from;             /* "" is the null path */
    const char *rcpts[MAX_RCPTS]; /* NULL-terminated */
    const char *body;             /* NULL: use pair::big_body */
    size_t body_len;              /* 0 with body: strlen(body) */
    uint32_t body_type;           /* MW_SMTP_BODY_* or 0 */
    uint64_t message_size;        /* SIZE= (0: none) */
} msg_spec;

enum action_kind { A_END = 0, A_STARTTLS, A_AUTH, A_SEND, A_RSET, A_QUIT };

typedef struct action {
    int kind;
    const msg_spec *msg;  /* A_SEND */
    uint32_t mech;        /* A_AUTH */
    const char *user;     /* A_AUTH */
    const char *password; /* A_AUTH */
} action;

typedef struct scenario {
    uint32_t server_flags;
    uint32_t server_caps;
    uint32_t auth_mechs;
    uint64_t size_max;
    uint32_t client_flags;
    uint64_t client_output_max; /* 0: default */
    size_t transport_cap;       /* 0: 1 MiB */
    size_t body_step;           /* body bytes offered per call; 0: 4096 */
    int use_body_last;
    int inject;           /* plaintext after STARTTLS, both ways */
    const char *big_body; /* body of a msg_spec whose body is NULL */
    size_t big_len;
    action actions[MAX_ACTIONS];
} scenario;

/* ------------------------------------------------------------------ */
/* The pair                                                            */
/* ------------------------------------------------------------------ */

typedef struct pair {
    const scenario *sc;
    size_t piece; /* SIZE_MAX: all at once */
    mw_smtp_client *c;
    mw_smtp_server *s;
    mw_buf c2s, s2c;   /* bytes on the wire */
    mw_buf clog, slog; /* event logs */
    mw_buf delivered;  /* accepted messages: envelope line + body */
    /* server application: the open transaction */
    char from[300];
    char rcpts[MAX_RCPTS][300];
    size_t n_rcpts;
    mw_buf body;
    /* client application */
    size_t next_action;
    int busy; /* a request is under way */
    mw_smtp_envelope env;
    mw_smtp_rcpt env_rcpts[MAX_RCPTS];
    const char *out_body;
    size_t out_len, out_pos;
    int body_on, body_ended;
    mw_sasl *sasl;
    int injected, client_kick;
    uint64_t discarded; /* by the server, over all its events */
    size_t body_short;  /* body calls that took less than offered */
    uint32_t bdat_events;
} pair;

static void logf_(mw_buf *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(mw_buf *log, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    assert_int_equal(mw_buf_append(log, line, (size_t)n), MW_OK);
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void path_text(const mw_smtp_path *p, char *out, size_t cap)
{
    if (p->flags & MW_SMTP_PATH_NULL) {
        snprintf(out, cap, "<>");
        return;
    }
    snprintf(out, cap, "<%.*s@%.*s>", (int)p->local.len, p->local.ptr,
             (int)p->domain.len, p->domain.ptr);
}

static mw_smtp_path make_path(const char *addr)
{
    mw_smtp_path p;
    memset(&p, 0, sizeof(p));
    const char *at = strrchr(addr, '@');
    if (!*addr || !at) {
        p.flags = MW_SMTP_PATH_NULL;
        return p;
    }
    p.local.ptr = addr;
    p.local.len = (size_t)(at - addr);
    p.domain.ptr = at + 1;
    p.domain.len = strlen(at + 1);
    return p;
}

static int local_starts(const mw_smtp_path *p, const char *prefix)
{
    size_t n = strlen(prefix);
    return p->local.len >= n && memcmp(p->local.ptr, prefix, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Server application                                                  */
/* ------------------------------------------------------------------ */

static const uint8_t server_random[16] = {0x53, 1, 2,  3,  4,  5,  6,  7,
                                          8,    9, 10, 11, 12, 13, 14, 15};
static const uint8_t client_random[16] = {0x43, 9, 8, 7, 6, 5, 4, 3,
                                          2,    1, 0, 1, 2, 3, 4, 5};

static mw_status give_credentials(pair *p, const mw_smtp_server_event *ev)
{
    mw_sasl *sasl = mw_smtp_server_sasl(p->s);
    assert_non_null(sasl);
    int known = ev->authcid.len == 4 && memcmp(ev->authcid.ptr, "user", 4) == 0;
    if (ev->mech == MW_SASL_SCRAM_SHA_1 || ev->mech == MW_SASL_SCRAM_SHA_256) {
        mw_hash_alg alg =
            ev->mech == MW_SASL_SCRAM_SHA_1 ? MW_HASH_SHA1 : MW_HASH_SHA256;
        size_t kl = ev->mech == MW_SASL_SCRAM_SHA_1 ? 20 : 32;
        uint8_t sk[32], svk[32];
        const char *pw = known ? "pencil" : "not-the-password";
        assert_int_equal(mw_scram_derive_keys(alg, pw, strlen(pw), "NaCl", 4,
                                              64, sk, svk, kl),
                         MW_OK);
        assert_int_equal(
            mw_sasl_server_set_scram(sasl, "NaCl", 4, 64, sk, svk, kl), MW_OK);
    } else if (known) {
        assert_int_equal(mw_sasl_server_set_password(sasl, "pencil", 6), MW_OK);
    } else if (ev->authcid.len == 4 &&
               memcmp(ev->authcid.ptr, "long", 4) == 0) {
        /* The application checks the long password itself. */
        mw_span secret;
        assert_int_equal(mw_sasl_server_secret(sasl, &secret), MW_OK);
        assert_int_equal(secret.len, 8000);
        assert_int_equal(mw_sasl_server_set_verdict(sasl, 1), MW_OK);
    } else {
        assert_int_equal(mw_sasl_server_set_verdict(sasl, 0), MW_OK);
    }
    return mw_smtp_server_accept(p->s);
}

static void record_delivery(pair *p)
{
    logf_(&p->delivered, "FROM %s TO", p->from);
    for (size_t i = 0; i < p->n_rcpts; i++)
        logf_(&p->delivered, " %s", p->rcpts[i]);
    logf_(&p->delivered, " LEN %zu\n", p->body.len);
    assert_int_equal(mw_buf_append(&p->delivered, p->body.data, p->body.len),
                     MW_OK);
    logf_(&p->delivered, "\n");
}

/* Policy: MAIL from "refused@" gets 550; RCPT to "bad*" 550, "busy*"
 * 450, "shutdown*" a 421 shutdown; the message is refused with 554 when
 * its first recipient starts with "spam"; in LMTP a recipient "full*"
 * gets 452 for the message. Everything else is accepted. */
static void server_decide(pair *p, const mw_smtp_server_event *ev)
{
    char addr[300];
    mw_smtp_server *s = p->s;
    switch (ev->type) {
    case MW_SMTP_SEV_HELO:
        logf_(&p->slog, "HELO %s %.*s\n", mw_smtp_verb_name(ev->cmd.verb),
              (int)ev->cmd.arg.len, ev->cmd.arg.ptr);
        assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        return;
    case MW_SMTP_SEV_MAIL:
        path_text(&ev->cmd.path, addr, sizeof(addr));
        p->n_rcpts = 0;
        mw_buf_clear(&p->body);
        if (local_starts(&ev->cmd.path, "refused")) {
            logf_(&p->slog, "MAIL %s 550\n", addr);
            assert_int_equal(
                mw_smtp_server_reply(s, 550, "5.7.1", "Sender refused"), MW_OK);
            return;
        }
        logf_(&p->slog, "MAIL %s", addr);
        if (ev->cmd.pflags & MW_SMTP_P_SIZE)
            logf_(&p->slog, " SIZE=%llu", (unsigned long long)ev->cmd.size);
        if (ev->cmd.pflags & MW_SMTP_P_BODY)
            logf_(&p->slog, " BODY=%u", ev->cmd.body);
        logf_(&p->slog, "\n");
        snprintf(p->from, sizeof(p->from), "%s", addr);
        assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        return;
    case MW_SMTP_SEV_RCPT:
        path_text(&ev->cmd.path, addr, sizeof(addr));
        assert_int_equal(ev->rcpt_index, p->n_rcpts);
        if (local_starts(&ev->cmd.path, "shutdown")) {
            logf_(&p->slog, "RCPT %s SHUTDOWN\n", addr);
            assert_int_equal(mw_smtp_server_shutdown(s), MW_OK);
            return;
        }
        if (local_starts(&ev->cmd.path, "bad")) {
            logf_(&p->slog, "RCPT %s 550\n", addr);
            assert_int_equal(
                mw_smtp_server_reply(s, 550, "5.1.1", "No such user"), MW_OK);
            return;
        }
        if (local_starts(&ev->cmd.path, "busy")) {
            logf_(&p->slog, "RCPT %s 450\n", addr);
            assert_int_equal(mw_smtp_server_reply(s, 450, "4.2.1", "Try later"),
                             MW_OK);
            return;
        }
        logf_(&p->slog, "RCPT %s 250\n", addr);
        assert_true(p->n_rcpts < MAX_RCPTS);
        snprintf(p->rcpts[p->n_rcpts++], sizeof(p->rcpts[0]), "%s", addr);
        assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        return;
    case MW_SMTP_SEV_MESSAGE:
        assert_int_equal(ev->count, p->body.len);
        assert_int_equal(ev->rcpt_count, p->n_rcpts);
        if (p->sc->server_flags & MW_SMTP_SERVER_LMTP) {
            assert_true(ev->rcpt_index < p->n_rcpts);
            const char *r = p->rcpts[ev->rcpt_index];
            if (strncmp(r, "<full", 5) == 0) {
                logf_(&p->slog, "MESSAGE %u/%u 452\n", ev->rcpt_index,
                      ev->rcpt_count);
                assert_int_equal(
                    mw_smtp_server_reply(s, 452, "4.2.2", "Mailbox full"),
                    MW_OK);
                return;
            }
            logf_(&p->slog, "MESSAGE %u/%u 250\n", ev->rcpt_index,
                  ev->rcpt_count);
            if (ev->rcpt_index == 0)
                record_delivery(p);
            assert_int_equal(mw_smtp_server_accept(s), MW_OK);
            return;
        }
        if (p->n_rcpts && strncmp(p->rcpts[0], "<spam", 5) == 0) {
            logf_(&p->slog, "MESSAGE %llu 554\n",
                  (unsigned long long)ev->count);
            assert_int_equal(
                mw_smtp_server_reply(s, 554, "5.7.1", "Looks like spam"),
                MW_OK);
            return;
        }
        logf_(&p->slog, "MESSAGE %llu%s 250\n", (unsigned long long)ev->count,
              (ev->flags & MW_SMTP_SEV_F_BDAT) ? " BDAT" : "");
        record_delivery(p);
        assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        return;
    case MW_SMTP_SEV_AUTH:
        logf_(&p->slog, "AUTH %s\n", mw_sasl_mech_name((mw_sasl_mech)ev->mech));
        assert_int_equal(
            mw_smtp_server_auth_random(s, server_random, sizeof(server_random)),
            MW_OK);
        assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        return;
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        logf_(&p->slog, "CREDENTIALS %.*s\n", (int)ev->authcid.len,
              ev->authcid.ptr);
        assert_int_equal(give_credentials(p, ev), MW_OK);
        return;
    default:
        assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        return;
    }
}

static void server_event(pair *p, const mw_smtp_server_event *ev)
{
    if (ev->decide) {
        server_decide(p, ev);
        return;
    }
    switch (ev->type) {
    case MW_SMTP_SEV_DATA:
        logf_(&p->slog, "DATA%s\n",
              (ev->flags & MW_SMTP_SEV_F_BDAT) ? " BDAT" : "");
        mw_buf_clear(&p->body);
        break;
    case MW_SMTP_SEV_BODY:
        assert_int_equal(mw_buf_append(&p->body, ev->data.ptr, ev->data.len),
                         MW_OK);
        break;
    case MW_SMTP_SEV_MESSAGE_REJECTED:
        logf_(&p->slog, "REJECTED reason=%u\n", ev->reason);
        break;
    case MW_SMTP_SEV_RESET:
        logf_(&p->slog, "RESET\n");
        break;
    case MW_SMTP_SEV_AUTH_RESULT:
        logf_(&p->slog, "AUTH_RESULT %s %.*s\n", mw_status_name(ev->status),
              (int)ev->authcid.len, ev->authcid.ptr);
        break;
    case MW_SMTP_SEV_PLAINTEXT_DISCARDED:
        /* One event per feed: how many depends on the pieces. */
        if (!p->discarded)
            logf_(&p->slog, "DISCARDED\n");
        p->discarded += ev->count;
        break;
    default:
        fail_msg("unexpected server event %u", ev->type);
    }
}

/* ------------------------------------------------------------------ */
/* Client application                                                  */
/* ------------------------------------------------------------------ */

static const char *cev_name(uint32_t t)
{
    static const char *const names[] = {
        "?",        "GREETING",      "HELLO",
        "STARTTLS", "TLS_DISCARDED", "AUTH_CHALLENGE",
        "AUTH",     "MAIL",          "RCPT",
        "DATA",     "BDAT",          "MESSAGE",
        "RSET",     "NOOP",          "QUIT",
        "CLOSED",   "VRFY"};
    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void client_event(pair *p, const mw_smtp_client_event *ev)
{
    if (ev->type == MW_SMTP_CEV_TLS_DISCARDED) {
        logf_(&p->clog, "TLS_DISCARDED %llu\n",
              (unsigned long long)ev->discarded);
        return;
    }
    assert_true(ev->has_reply);
    if (ev->type == MW_SMTP_CEV_BDAT) {
        /* How many chunks depends on how the output drains: counted,
         * not logged. */
        assert_int_equal(ev->index, p->bdat_events);
        assert_int_equal(ev->reply.code, 250);
        p->bdat_events++;
        return;
    }
    if (ev->type == MW_SMTP_CEV_AUTH_CHALLENGE)
        return; /* the number of rounds is the mechanism's business */
    logf_(&p->clog, "%s", cev_name(ev->type));
    if (ev->type == MW_SMTP_CEV_RCPT ||
        (ev->type == MW_SMTP_CEV_MESSAGE &&
         (p->sc->client_flags & MW_SMTP_CLIENT_LMTP)))
        logf_(&p->clog, "#%u", ev->index);
    logf_(&p->clog, " %u", ev->reply.code);
    if (ev->reply.has_enhanced)
        logf_(&p->clog, " %u.%u.%u", ev->reply.enhanced.cls,
              ev->reply.enhanced.subject, ev->reply.enhanced.detail);
    if (ev->type == MW_SMTP_CEV_AUTH)
        logf_(&p->clog, " %s", mw_status_name(ev->status));
    static const struct {
        uint32_t bit;
        char c;
    } flags[] = {{MW_SMTP_CEVF_BODY, 'B'},     {MW_SMTP_CEVF_TXN_END, 'E'},
                 {MW_SMTP_CEVF_FAILED, 'F'},   {MW_SMTP_CEVF_IDLE, 'I'},
                 {MW_SMTP_CEVF_FALLBACK, 'H'}, {MW_SMTP_CEVF_EMPTY_BODY, '0'}};
    int any = 0;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (ev->flags & flags[i].bit) {
            logf_(&p->clog, "%s%c", any ? "" : " ", flags[i].c);
            any = 1;
        }
    }
    logf_(&p->clog, "\n");
    if (ev->flags & MW_SMTP_CEVF_BODY) {
        p->body_on = 1;
        p->body_ended = 0;
        p->out_pos = 0;
    }
    if (ev->type == MW_SMTP_CEV_AUTH) {
        mw_sasl_free(p->sasl);
        p->sasl = NULL;
    }
    if (ev->flags & MW_SMTP_CEVF_IDLE)
        p->busy = 0;
}

static void start_send(pair *p, const msg_spec *m)
{
    memset(&p->env, 0, sizeof(p->env));
    memset(p->env_rcpts, 0, sizeof(p->env_rcpts));
    p->env.from = make_path(m->from);
    size_t n = 0;
    while (n < MAX_RCPTS && m->rcpts[n]) {
        p->env_rcpts[n].path = make_path(m->rcpts[n]);
        n++;
    }
    p->env.rcpts = p->env_rcpts;
    p->env.n_rcpts = n;
    p->env.body = m->body_type;
    p->env.message_size = m->message_size;
    p->out_body = m->body ? m->body : p->sc->big_body;
    p->out_len = m->body ? (m->body_len ? m->body_len : strlen(m->body))
                         : p->sc->big_len;
    size_t before = 0;
    (void)mw_smtp_client_output(p->c, &before);
    mw_status st = mw_smtp_client_send(p->c, &p->env);
    if (st != MW_OK) {
        /* Refused before any byte: nothing may have been queued. */
        size_t after = 0;
        (void)mw_smtp_client_output(p->c, &after);
        assert_int_equal(after, before);
        logf_(&p->clog, "send %s\n", mw_status_name(st));
        return;
    }
    p->busy = 1;
}

static void start_auth(pair *p, const action *a)
{
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = a->mech;
    cfg.authcid.ptr = a->user;
    cfg.authcid.len = strlen(a->user);
    cfg.password.ptr = a->password;
    cfg.password.len = strlen(a->password);
    cfg.random.ptr = (const char *)client_random;
    cfg.random.len = sizeof(client_random);
    assert_int_equal(mw_sasl_client_new(&cfg, NULL, &p->sasl), MW_OK);
    mw_status st = mw_smtp_client_auth(p->c, p->sasl);
    assert_int_equal(st, MW_OK);
    p->busy = 1;
}

static int client_next_action(pair *p)
{
    if (p->busy || !mw_smtp_client_idle(p->c))
        return 0;
    const action *a = &p->sc->actions[p->next_action];
    if (a->kind == A_END)
        return 0;
    p->next_action++;
    switch (a->kind) {
    case A_STARTTLS:
        assert_int_equal(mw_smtp_client_starttls(p->c), MW_OK);
        p->busy = 1;
        break;
    case A_AUTH:
        start_auth(p, a);
        break;
    case A_SEND:
        start_send(p, a->msg);
        break;
    case A_RSET:
        assert_int_equal(mw_smtp_client_rset(p->c), MW_OK);
        p->busy = 1;
        break;
    case A_QUIT:
        assert_int_equal(mw_smtp_client_quit(p->c), MW_OK);
        p->busy = 1;
        break;
    default:
        fail_msg("bad action");
    }
    return 1;
}

static int client_send_body(pair *p)
{
    if (!p->body_on || p->body_ended)
        return 0;
    size_t step = p->sc->body_step ? p->sc->body_step : 4096;
    size_t rest = p->out_len - p->out_pos;
    size_t acc = 0;
    mw_status st;
    if (rest && rest <= step && p->sc->use_body_last) {
        st = mw_smtp_client_body_last(p->c, p->out_body + p->out_pos, rest,
                                      &acc);
        assert_true(st == MW_OK || st == MW_E_PEER);
        p->out_pos += acc;
        if (st == MW_OK && acc == rest) {
            p->body_ended = 1;
            p->body_on = 0;
            return 1;
        }
        if (st == MW_OK)
            return acc != 0;
    } else if (rest) {
        st = mw_smtp_client_body(p->c, p->out_body + p->out_pos,
                                 min_sz(rest, step), &acc);
        assert_true(st == MW_OK || st == MW_E_PEER);
        p->body_short += acc < min_sz(rest, step);
        p->out_pos += acc;
        if (st == MW_OK)
            return acc != 0;
    }
    /* All sent, or a BDAT chunk was refused: end the body. */
    st = mw_smtp_client_body_end(p->c);
    if (st == MW_E_NOSPACE || st == MW_E_WOULDBLOCK)
        return 0;
    assert_int_equal(st, MW_OK);
    p->body_ended = 1;
    p->body_on = 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Pump                                                                */
/* ------------------------------------------------------------------ */

static size_t transport_room(const pair *p, const mw_buf *b)
{
    size_t cap = p->sc->transport_cap ? p->sc->transport_cap : (1u << 20);
    return b->len >= cap ? 0 : cap - b->len;
}

static int move_client_output(pair *p)
{
    size_t n = 0;
    const char *out = mw_smtp_client_output(p->c, &n);
    n = min_sz(min_sz(n, p->piece), transport_room(p, &p->c2s));
    if (n == 0)
        return 0;
    assert_int_equal(mw_buf_append(&p->c2s, out, n), MW_OK);
    assert_int_equal(mw_smtp_client_output_done(p->c, n), MW_OK);
    return 1;
}

static int move_server_output(pair *p)
{
    size_t n = 0;
    const char *out = mw_smtp_server_output(p->s, &n);
    n = min_sz(min_sz(n, p->piece), transport_room(p, &p->s2c));
    if (n == 0)
        return 0;
    assert_int_equal(mw_buf_append(&p->s2c, out, n), MW_OK);
    assert_int_equal(mw_smtp_server_output_done(p->s, n), MW_OK);
    return 1;
}

static int deliver_to_server(pair *p)
{
    int progress = 0;
    for (int rounds = 0; rounds < 64; rounds++) {
        size_t n = min_sz(p->c2s.len, p->piece), used = 0;
        mw_smtp_server_event ev;
        memset(&ev, 0, sizeof(ev));
        mw_status st = mw_smtp_server_feed(p->s, p->c2s.data, n, &used, &ev);
        assert_true(used <= n);
        if (st == MW_OK)
            server_event(p, &ev); /* its views point into c2s */
        mw_buf_consume(&p->c2s, used);
        progress |= used != 0 || st == MW_OK;
        if (st == MW_OK)
            continue;
        if (st == MW_NEED_MORE) {
            assert_int_equal(used, n);
            if (p->c2s.len == 0)
                break;
            continue;
        }
        if (st == MW_E_WOULDBLOCK || st == MW_E_CLOSED)
            break;
        fail_msg("server feed: %s", mw_status_name(st));
    }
    return progress;
}

static int deliver_to_client(pair *p)
{
    int progress = 0;
    if (mw_smtp_client_wants(p->c) & MW_WANT_CLOSE)
        return 0;
    for (int rounds = 0; rounds < 64; rounds++) {
        if (p->s2c.len == 0 && !p->client_kick)
            break;
        p->client_kick = 0;
        size_t n = min_sz(p->s2c.len, p->piece), used = 0;
        mw_smtp_client_event ev;
        memset(&ev, 0, sizeof(ev));
        mw_status st = mw_smtp_client_feed(p->c, p->s2c.data, n, &used, &ev);
        assert_true(used <= n);
        if (st == MW_OK)
            client_event(p, &ev);
        mw_buf_consume(&p->s2c, used);
        progress |= used != 0 || st == MW_OK;
        if (st == MW_OK) {
            p->client_kick = 1; /* more events may follow */
            if (mw_smtp_client_wants(p->c) & MW_WANT_CLOSE)
                break;
            continue;
        }
        if (st == MW_NEED_MORE)
            continue;
        fail_msg("client feed: %s", mw_status_name(st));
    }
    p->client_kick = 0;
    return progress;
}

/* The TLS step: both sides only report the handshake. With \c inject,
 * plaintext goes both ways once the server has sent its 220: as if the
 * client had pipelined commands after STARTTLS, and as if a man in the
 * middle had appended a reply after the 220. Both must be dropped. */
static int tls_step(pair *p)
{
    unsigned sw = mw_smtp_server_wants(p->s);
    unsigned cw = mw_smtp_client_wants(p->c);
    if ((sw & MW_WANT_TLS) && p->sc->inject && !p->injected) {
        p->injected = 1;
        static const char to_server[] = "MAIL FROM:<evil@example.net>\r\n";
        static const char to_client[] = "250 2.0.0 injected\r\n";
        assert_int_equal(
            mw_buf_append(&p->c2s, to_server, sizeof(to_server) - 1), MW_OK);
        assert_int_equal(
            mw_buf_append(&p->s2c, to_client, sizeof(to_client) - 1), MW_OK);
        return 1;
    }
    if ((sw & MW_WANT_TLS) && (cw & MW_WANT_TLS) && p->c2s.len == 0 &&
        p->s2c.len == 0) {
        assert_int_equal(mw_smtp_server_tls_done(p->s, 1), MW_OK);
        assert_int_equal(mw_smtp_client_tls_done(p->c, 1), MW_OK);
        logf_(&p->clog, "-- tls --\n");
        p->client_kick = 1;
        return 1;
    }
    return 0;
}

static void pump(pair *p)
{
    for (long i = 0; i < 50000000L; i++) {
        int progress = 0;
        progress |= client_next_action(p);
        progress |= client_send_body(p);
        progress |= move_client_output(p);
        progress |= deliver_to_server(p);
        progress |= move_server_output(p);
        progress |= deliver_to_client(p);
        progress |= tls_step(p);
        if (!progress)
            return;
    }
    fail_msg("pump does not settle");
}

static void pair_init(pair *p, const scenario *sc, size_t piece)
{
    memset(p, 0, sizeof(*p));
    p->sc = sc;
    p->piece = piece;
    mw_buf_init_growable(&p->c2s, NULL, 0);
    mw_buf_init_growable(&p->s2c, NULL, 0);
    mw_buf_init_growable(&p->clog, NULL, 0);
    mw_buf_init_growable(&p->slog, NULL, 0);
    mw_buf_init_growable(&p->delivered, NULL, 0);
    mw_buf_init_growable(&p->body, NULL, 0);

    mw_smtp_server_config scfg;
    memset(&scfg, 0, sizeof(scfg));
    scfg.size = sizeof(scfg);
    scfg.flags = sc->server_flags;
    scfg.hostname.ptr = "mx.example.org";
    scfg.hostname.len = strlen(scfg.hostname.ptr);
    scfg.caps = sc->server_caps;
    scfg.auth_mechs = sc->auth_mechs;
    scfg.size_max = sc->size_max;
    assert_int_equal(mw_smtp_server_new(&scfg, NULL, &p->s), MW_OK);

    mw_limits lim;
    mw_limits_default(&lim);
    if (sc->client_output_max)
        lim.output_max = sc->client_output_max;
    mw_smtp_client_config ccfg;
    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.size = sizeof(ccfg);
    ccfg.flags = sc->client_flags;
    ccfg.helo.ptr = "client.example.com";
    ccfg.helo.len = strlen(ccfg.helo.ptr);
    ccfg.limits = &lim;
    assert_int_equal(mw_smtp_client_new(&ccfg, NULL, &p->c), MW_OK);
}

static void pair_free(pair *p)
{
    mw_smtp_client_free(p->c);
    mw_smtp_server_free(p->s);
    mw_sasl_free(p->sasl);
    mw_buf_free(&p->c2s);
    mw_buf_free(&p->s2c);
    mw_buf_free(&p->clog);
    mw_buf_free(&p->slog);
    mw_buf_free(&p->delivered);
    mw_buf_free(&p->body);
}

/* Expected results; \c delivered NULL means "nothing delivered". */
typedef struct expect {
    const char *clog;
    const char *slog;
    const char *delivered;
    size_t delivered_len; /* 0: strlen */
    int closed;           /* both sessions over at the end */
    uint64_t discarded;   /* plaintext the server dropped after STARTTLS */
} expect;

static const size_t pieces_all[] = {SIZE_MAX, 1, 2, 3, 7, 64, 509};

/* Returns the body_short count of the last run. */
static size_t run_pieces(const scenario *sc, const expect *want,
                         const size_t *pieces, size_t n_pieces)
{
    size_t body_short = 0;
    for (size_t i = 0; i < n_pieces; i++) {
        pair p;
        pair_init(&p, sc, pieces[i]);
        pump(&p);
        if (getenv("PAIR_PRINT")) {
            /* Developer aid: show what the pair did. */
            printf("--- client\n%.*s--- server\n%.*s--- delivered\n%.*s---\n",
                   (int)p.clog.len, p.clog.data, (int)p.slog.len, p.slog.data,
                   (int)min_sz(p.delivered.len, 2000), p.delivered.data);
            pair_free(&p);
            return 0;
        }
        char what[64];
        snprintf(what, sizeof(what), "client log (piece %zu)", pieces[i]);
        mwt_assert_bytes(what, p.clog.data, p.clog.len, want->clog,
                         strlen(want->clog));
        snprintf(what, sizeof(what), "server log (piece %zu)", pieces[i]);
        mwt_assert_bytes(what, p.slog.data, p.slog.len, want->slog,
                         strlen(want->slog));
        snprintf(what, sizeof(what), "delivered (piece %zu)", pieces[i]);
        const char *d = want->delivered ? want->delivered : "";
        size_t dl = want->delivered_len ? want->delivered_len : strlen(d);
        mwt_assert_bytes(what, p.delivered.data, p.delivered.len, d, dl);
        if (want->closed) {
            assert_true(mw_smtp_client_wants(p.c) & MW_WANT_CLOSE);
            assert_true(mw_smtp_server_wants(p.s) & MW_WANT_CLOSE);
        }
        assert_int_equal(p.discarded, want->discarded);
        /* After a 421 the client's pipelined commands stay unread. */
        if (!(mw_smtp_server_state(p.s) & MW_SMTP_SERVER_S_CLOSED))
            assert_int_equal(p.c2s.len, 0);
        assert_int_equal(p.s2c.len, 0);
        body_short = p.body_short;
        pair_free(&p);
    }
    return body_short;
}

static void run(const scenario *sc, const expect *want)
{
    run_pieces(sc, want, pieces_all,
               sizeof(pieces_all) / sizeof(pieces_all[0]));
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

#define CAPS_ALL                                                               \
    (MW_SMTP_CAP_SIZE | MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_8BITMIME |        \
     MW_SMTP_CAP_ENHANCEDSTATUSCODES)

static const msg_spec msg_plain = {"alice@example.com",
                                   {"bob@example.org", NULL},
                                   "Subject: hi\r\n\r\nHello Bob.\r\n",
                                   0,
                                   0,
                                   0};

static void test_plain_transaction(void **state)
{
    (void)state;
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = MW_SMTP_CAP_ENHANCEDSTATUSCODES | MW_SMTP_CAP_8BITMIME;
    sc.actions[0] = (action){A_SEND, &msg_plain, 0, NULL, NULL};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   "FROM <alice@example.com> TO <bob@example.org> LEN 27\n"
                   "Subject: hi\r\n\r\nHello Bob.\r\n\n",
                   0,
                   1,
                   0};
    run(&sc, &want);
}

static const msg_spec msg_partial = {"alice@example.com",
                                     {"carol@example.org", "bad1@example.org",
                                      "dave@example.org", "busy@example.org",
                                      NULL},
                                     "Subject: two of four\r\n\r\nBody.\r\n",
                                     0,
                                     0,
                                     0};

static const msg_spec msg_null_sender = {"",
                                         {"postmaster@example.org", NULL},
                                         "Subject: bounce\r\n\r\nDSN\r\n",
                                         0,
                                         0,
                                         0};

static const msg_spec msg_all_refused = {
    "alice@example.com",
    {"bad1@example.org", "busy2@example.org", NULL},
    "never sent\r\n",
    0,
    0,
    0};

static const msg_spec msg_refused_sender = {"refused@example.com",
                                            {"bob@example.org", NULL},
                                            "never sent\r\n",
                                            0,
                                            0,
                                            0};

static const msg_spec msg_spam = {
    "alice@example.com", {"spam@example.org", NULL}, "Buy now\r\n", 0, 0, 0};

static const msg_spec msg_shutdown = {
    "alice@example.com",
    {"bob@example.org", "shutdown@example.org", NULL},
    "never sent\r\n",
    0,
    0,
    0};

static void multi_txn(uint32_t client_flags, const expect *want)
{
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.client_flags = client_flags;
    sc.actions[0] = (action){A_SEND, &msg_plain, 0, NULL, NULL};
    sc.actions[1] = (action){A_SEND, &msg_partial, 0, NULL, NULL};
    sc.actions[2] = (action){A_SEND, &msg_null_sender, 0, NULL, NULL};
    sc.actions[3] = (action){A_QUIT, NULL, 0, NULL, NULL};
    run(&sc, want);
}

#define DELIVERED_MULTI                                                        \
    "FROM <alice@example.com> TO <bob@example.org> LEN 27\n"                   \
    "Subject: hi\r\n\r\nHello Bob.\r\n\n"                                      \
    "FROM <alice@example.com> TO <carol@example.org> <dave@example.org> "      \
    "LEN 31\n"                                                                 \
    "Subject: two of four\r\n\r\nBody.\r\n\n"                                  \
    "FROM <> TO <postmaster@example.org> LEN 24\n"                             \
    "Subject: bounce\r\n\r\nDSN\r\n\n"

#define MULTI_CLOG                                                             \
    "GREETING 220\n"                                                           \
    "HELLO 250 I\n"                                                            \
    "MAIL 250 2.1.0\n"                                                         \
    "RCPT#0 250 2.1.5\n"                                                       \
    "DATA 354 B\n"                                                             \
    "MESSAGE 250 2.0.0 EI\n"                                                   \
    "MAIL 250 2.1.0\n"                                                         \
    "RCPT#0 250 2.1.5\n"                                                       \
    "RCPT#1 550 5.1.1\n"                                                       \
    "RCPT#2 250 2.1.5\n"                                                       \
    "RCPT#3 450 4.2.1\n"                                                       \
    "DATA 354 B\n"                                                             \
    "MESSAGE 250 2.0.0 EI\n"                                                   \
    "MAIL 250 2.1.0\n"                                                         \
    "RCPT#0 250 2.1.5\n"                                                       \
    "DATA 354 B\n"                                                             \
    "MESSAGE 250 2.0.0 EI\n"                                                   \
    "QUIT 221 2.0.0\n"

#define MULTI_SLOG                                                             \
    "HELO EHLO client.example.com\n"                                           \
    "MAIL <alice@example.com>\n"                                               \
    "RCPT <bob@example.org> 250\n"                                             \
    "DATA\n"                                                                   \
    "MESSAGE 27 250\n"                                                         \
    "MAIL <alice@example.com>\n"                                               \
    "RCPT <carol@example.org> 250\n"                                           \
    "RCPT <bad1@example.org> 550\n"                                            \
    "RCPT <dave@example.org> 250\n"                                            \
    "RCPT <busy@example.org> 450\n"                                            \
    "DATA\n"                                                                   \
    "MESSAGE 31 250\n"                                                         \
    "MAIL <>\n"                                                                \
    "RCPT <postmaster@example.org> 250\n"                                      \
    "DATA\n"                                                                   \
    "MESSAGE 24 250\n"

static void test_multi_txn_pipelining(void **state)
{
    (void)state;
    expect want = {MULTI_CLOG, MULTI_SLOG, DELIVERED_MULTI, 0, 1, 0};
    multi_txn(0, &want);
}

static void test_multi_txn_no_pipelining(void **state)
{
    (void)state;
    expect want = {MULTI_CLOG, MULTI_SLOG, DELIVERED_MULTI, 0, 1, 0};
    multi_txn(MW_SMTP_CLIENT_NO_PIPELINING, &want);
}

static const char chunk_body[] = "Subject: chunks\r\n\r\n"
                                 "caf\xc3\xa9 line one\r\n"
                                 ".leading dot stays one dot with BDAT\r\n"
                                 "line three\r\n";

static const msg_spec msg_chunks = {"alice@example.com",
                                    {"bob@example.org", NULL},
                                    chunk_body,
                                    0,
                                    MW_SMTP_BODY_8BITMIME,
                                    0};

static void chunking(uint32_t client_flags, int last, const expect *want)
{
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL | MW_SMTP_CAP_CHUNKING;
    sc.client_flags = MW_SMTP_CLIENT_CHUNKING | client_flags;
    sc.body_step = 16;
    sc.use_body_last = last;
    sc.actions[0] = (action){A_SEND, &msg_chunks, 0, NULL, NULL};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    run(&sc, want);
}

#define DELIVERED_CHUNKS                                                       \
    "FROM <alice@example.com> TO <bob@example.org> LEN 85\n"                   \
    "Subject: chunks\r\n\r\n"                                                  \
    "caf\xc3\xa9 line one\r\n"                                                 \
    ".leading dot stays one dot with BDAT\r\n"                                 \
    "line three\r\n\n"

#define CHUNK_CLOG                                                             \
    "GREETING 220\n"                                                           \
    "HELLO 250 I\n"                                                            \
    "MAIL 250 2.1.0\n"                                                         \
    "RCPT#0 250 2.1.5 B\n"                                                     \
    "MESSAGE 250 2.0.0 EI\n"                                                   \
    "QUIT 221 2.0.0\n"

static void test_chunking_pipelining(void **state)
{
    (void)state;
    expect want = {CHUNK_CLOG,
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com> BODY=2\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA BDAT\n"
                   "MESSAGE 85 BDAT 250\n",
                   DELIVERED_CHUNKS,
                   0,
                   1,
                   0};
    chunking(0, 0, &want);
    chunking(0, 1, &want);
}

static void test_chunking_no_pipelining(void **state)
{
    (void)state;
    expect want = {CHUNK_CLOG,
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com> BODY=2\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA BDAT\n"
                   "MESSAGE 85 BDAT 250\n",
                   DELIVERED_CHUNKS,
                   0,
                   1,
                   0};
    chunking(MW_SMTP_CLIENT_NO_PIPELINING, 0, &want);
    chunking(MW_SMTP_CLIENT_NO_PIPELINING, 1, &want);
}

/* BINARYMIME: NUL, bare CR, bare LF and CRLF.CRLF are body bytes. */
static const char binary_body[] = "\x00\x01\n.\n\r.\r\r\n.\r\n\xff\xfe end";

static void test_chunking_binarymime(void **state)
{
    (void)state;
    static const msg_spec m = {
        "alice@example.com",     {"bob@example.org", NULL}, binary_body,
        sizeof(binary_body) - 1, MW_SMTP_BODY_BINARYMIME,   0};
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL | MW_SMTP_CAP_CHUNKING | MW_SMTP_CAP_BINARYMIME;
    sc.client_flags = MW_SMTP_CLIENT_CHUNKING;
    sc.body_step = 5;
    sc.actions[0] = (action){A_SEND, &m, 0, NULL, NULL};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    static const char deliv[] =
        "FROM <alice@example.com> TO <bob@example.org> LEN 19\n"
        "\x00\x01\n.\n\r.\r\r\n.\r\n\xff\xfe end\n";
    expect want = {CHUNK_CLOG,
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com> BODY=3\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA BDAT\n"
                   "MESSAGE 19 BDAT 250\n",
                   deliv,
                   sizeof(deliv) - 1,
                   1,
                   0};
    run(&sc, &want);
}

static void test_starttls_injection_discarded(void **state)
{
    (void)state;
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL | MW_SMTP_CAP_STARTTLS;
    sc.inject = 1;
    sc.actions[0] = (action){A_STARTTLS, NULL, 0, NULL, NULL};
    sc.actions[1] = (action){A_SEND, &msg_plain, 0, NULL, NULL};
    sc.actions[2] = (action){A_QUIT, NULL, 0, NULL, NULL};
    /* 20 bytes of fake reply and the 30-byte MAIL command were dropped;
     * the conversation goes on with a new EHLO. */
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "STARTTLS 220 2.0.0\n"
                   "-- tls --\n"
                   "TLS_DISCARDED 20\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "DISCARDED\n"
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   "FROM <alice@example.com> TO <bob@example.org> LEN 27\n"
                   "Subject: hi\r\n\r\nHello Bob.\r\n\n",
                   0,
                   1,
                   30};
    run(&sc, &want);
}

#define DELIVERED_PLAIN                                                        \
    "FROM <alice@example.com> TO <bob@example.org> LEN 27\n"                   \
    "Subject: hi\r\n\r\nHello Bob.\r\n\n"

static void auth_run(uint32_t mech, const char *password, const expect *want)
{
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.server_flags =
        MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH | MW_SMTP_SERVER_REQUIRE_AUTH;
    sc.auth_mechs = MW_SASL_MASK_PASSWORD;
    sc.actions[0] = (action){A_AUTH, NULL, mech, "user", password};
    sc.actions[1] = (action){A_SEND, &msg_plain, 0, NULL, NULL};
    sc.actions[2] = (action){A_QUIT, NULL, 0, NULL, NULL};
    run(&sc, want);
}

static void test_auth_each_mechanism(void **state)
{
    (void)state;
    static const uint32_t mechs[] = {MW_SASL_PLAIN, MW_SASL_LOGIN,
                                     MW_SASL_CRAM_MD5, MW_SASL_SCRAM_SHA_1,
                                     MW_SASL_SCRAM_SHA_256};
    for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
        char slog[512];
        snprintf(slog, sizeof(slog),
                 "HELO EHLO client.example.com\n"
                 "AUTH %s\n"
                 "CREDENTIALS user\n"
                 "AUTH_RESULT MW_OK user\n"
                 "MAIL <alice@example.com>\n"
                 "RCPT <bob@example.org> 250\n"
                 "DATA\n"
                 "MESSAGE 27 250\n",
                 mw_sasl_mech_name((mw_sasl_mech)mechs[i]));
        expect want = {"GREETING 220\n"
                       "HELLO 250 I\n"
                       "AUTH 235 2.7.0 MW_OK I\n"
                       "MAIL 250 2.1.0\n"
                       "RCPT#0 250 2.1.5\n"
                       "DATA 354 B\n"
                       "MESSAGE 250 2.0.0 EI\n"
                       "QUIT 221 2.0.0\n",
                       slog,
                       DELIVERED_PLAIN,
                       0,
                       1,
                       0};
        auth_run(mechs[i], "pencil", &want);
    }
}

static void test_auth_wrong_password(void **state)
{
    (void)state;
    static const uint32_t mechs[] = {MW_SASL_PLAIN, MW_SASL_LOGIN,
                                     MW_SASL_CRAM_MD5, MW_SASL_SCRAM_SHA_1,
                                     MW_SASL_SCRAM_SHA_256};
    for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
        char slog[512];
        snprintf(slog, sizeof(slog),
                 "HELO EHLO client.example.com\n"
                 "AUTH %s\n"
                 "CREDENTIALS user\n"
                 "AUTH_RESULT MW_E_AUTH \n",
                 mw_sasl_mech_name((mw_sasl_mech)mechs[i]));
        /* The server requires AUTH: the pipelined MAIL gets 530 and the
         * RCPT and DATA after it 503. */
        expect want = {"GREETING 220\n"
                       "HELLO 250 I\n"
                       "AUTH 535 5.7.8 MW_E_AUTH I\n"
                       "MAIL 530 5.7.0\n"
                       "RCPT#0 503 5.5.1\n"
                       "DATA 503 5.5.1 F\n"
                       "RSET 250 2.0.0 EI\n"
                       "QUIT 221 2.0.0\n",
                       slog,
                       NULL,
                       0,
                       1,
                       0};
        auth_run(mechs[i], "wrong", &want);
    }
}

static void rejection_run(const msg_spec *m, const expect *want,
                          const expect *want_no_pipelining)
{
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.actions[0] = (action){A_SEND, m, 0, NULL, NULL};
    sc.actions[1] = (action){A_SEND, &msg_plain, 0, NULL, NULL};
    sc.actions[2] = (action){A_QUIT, NULL, 0, NULL, NULL};
    run(&sc, want);
    sc.client_flags = MW_SMTP_CLIENT_NO_PIPELINING;
    run(&sc, want_no_pipelining ? want_no_pipelining : want);
}

static void test_reject_mail(void **state)
{
    (void)state;
    /* Pipelined: RCPT and DATA were already sent and get 503; the
     * client then resets. */
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 550 5.7.1\n"
                   "RCPT#0 503 5.5.1\n"
                   "DATA 503 5.5.1 F\n"
                   "RSET 250 2.0.0 EI\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <refused@example.com> 550\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   DELIVERED_PLAIN,
                   0,
                   1,
                   0};
    expect want_np = {"GREETING 220\n"
                      "HELLO 250 I\n"
                      "MAIL 550 5.7.1 EI\n"
                      "MAIL 250 2.1.0\n"
                      "RCPT#0 250 2.1.5\n"
                      "DATA 354 B\n"
                      "MESSAGE 250 2.0.0 EI\n"
                      "QUIT 221 2.0.0\n",
                      want.slog,
                      DELIVERED_PLAIN,
                      0,
                      1,
                      0};
    rejection_run(&msg_refused_sender, &want, &want_np);
}

static void test_reject_all_rcpts(void **state)
{
    (void)state;
    /* Pipelined: DATA is refused for want of recipients. */
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 550 5.1.1\n"
                   "RCPT#1 450 4.2.1\n"
                   "DATA 554 5.5.1 F\n"
                   "RSET 250 2.0.0 EI\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bad1@example.org> 550\n"
                   "RCPT <busy2@example.org> 450\n"
                   "RESET\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   DELIVERED_PLAIN,
                   0,
                   1,
                   0};
    expect want_np = {"GREETING 220\n"
                      "HELLO 250 I\n"
                      "MAIL 250 2.1.0\n"
                      "RCPT#0 550 5.1.1\n"
                      "RCPT#1 450 4.2.1 F\n"
                      "RSET 250 2.0.0 EI\n"
                      "MAIL 250 2.1.0\n"
                      "RCPT#0 250 2.1.5\n"
                      "DATA 354 B\n"
                      "MESSAGE 250 2.0.0 EI\n"
                      "QUIT 221 2.0.0\n",
                      want.slog,
                      DELIVERED_PLAIN,
                      0,
                      1,
                      0};
    rejection_run(&msg_all_refused, &want, &want_np);
}

static void test_reject_message(void **state)
{
    (void)state;
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 554 5.7.1 EI\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <spam@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 9 554\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   DELIVERED_PLAIN,
                   0,
                   1,
                   0};
    rejection_run(&msg_spam, &want, NULL);
}

static void test_shutdown_mid_transaction(void **state)
{
    (void)state;
    /* The 421 ends both sessions; the second message is never sent. */
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "CLOSED 421 4.3.2 EF\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "RCPT <shutdown@example.org> SHUTDOWN\n",
                   NULL,
                   0,
                   1,
                   0};
    rejection_run(&msg_shutdown, &want, NULL);
}

static void test_size_refused_before_any_byte(void **state)
{
    (void)state;
    static const msg_spec big = {
        "alice@example.com", {"bob@example.org", NULL}, "x\r\n", 0, 0, 5000};
    static const msg_spec fits = {"alice@example.com",
                                  {"bob@example.org", NULL},
                                  "Subject: hi\r\n\r\nHello Bob.\r\n",
                                  0,
                                  0,
                                  27};
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.size_max = 1000;
    sc.actions[0] = (action){A_SEND, &big, 0, NULL, NULL};
    sc.actions[1] = (action){A_SEND, &fits, 0, NULL, NULL};
    sc.actions[2] = (action){A_QUIT, NULL, 0, NULL, NULL};
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "send MW_E_LIMIT\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com> SIZE=27\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   DELIVERED_PLAIN,
                   0,
                   1,
                   0};
    run(&sc, &want);
}

/* Bare LF, bare CR, leading dots and the smuggling sequences in the body
 * the application hands over: the server receives CRLF lines, unstuffed,
 * and the message ends where the client ends it. */
static void test_body_normalised_and_unstuffed(void **state)
{
    (void)state;
    static const msg_spec m = {"alice@example.com",
                               {"bob@example.org", NULL},
                               "line1\nline2\r.dot\r\n..two\n.\nthree\r.\r\n."
                               "\rmail from:<x@y>\r\nlast",
                               0,
                               0,
                               0};
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.body_step = 3;
    sc.actions[0] = (action){A_SEND, &m, 0, NULL, NULL};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 66 250\n",
                   "FROM <alice@example.com> TO <bob@example.org> LEN 66\n"
                   "line1\r\nline2\r\n.dot\r\n..two\r\n.\r\nthree\r\n.\r\n"
                   ".\r\nmail from:<x@y>\r\nlast\r\n\n",
                   0,
                   1,
                   0};
    run(&sc, &want);
}

static void test_lmtp_per_recipient(void **state)
{
    (void)state;
    static const msg_spec m = {"alice@example.com",
                               {"a@example.org", "full@example.org",
                                "bad@example.org", "b@example.org", NULL},
                               "Subject: lmtp\r\n\r\nbody\r\n",
                               0,
                               0,
                               0};
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.server_flags = MW_SMTP_SERVER_LMTP;
    sc.client_flags = MW_SMTP_CLIENT_LMTP;
    sc.actions[0] = (action){A_SEND, &m, 0, NULL, NULL};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    /* One reply per accepted recipient, in order, with the client's
     * envelope index; the server counts accepted recipients only. */
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "RCPT#1 250 2.1.5\n"
                   "RCPT#2 550 5.1.1\n"
                   "RCPT#3 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE#0 250 2.0.0\n"
                   "MESSAGE#1 452 4.2.2\n"
                   "MESSAGE#3 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO LHLO client.example.com\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <a@example.org> 250\n"
                   "RCPT <full@example.org> 250\n"
                   "RCPT <bad@example.org> 550\n"
                   "RCPT <b@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 0/3 250\n"
                   "MESSAGE 1/3 452\n"
                   "MESSAGE 2/3 250\n",
                   "FROM <alice@example.com> TO <a@example.org> "
                   "<full@example.org> <b@example.org> LEN 23\n"
                   "Subject: lmtp\r\n\r\nbody\r\n\n",
                   0,
                   1,
                   0};
    run(&sc, &want);
}

/* RFC 4954 section 4: an AUTH line with an initial response may be 12288
 * octets; a 10 KB PLAIN initial response goes in the AUTH line itself. */
static void test_auth_long_initial_response(void **state)
{
    (void)state;
    char *pw = malloc(8001);
    assert_non_null(pw);
    memset(pw, 'p', 8000);
    pw[8000] = '\0';
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL;
    sc.server_flags = MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH;
    sc.auth_mechs = MW_SASL_MASK_PASSWORD;
    sc.actions[0] = (action){A_AUTH, NULL, MW_SASL_PLAIN, "long", pw};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "AUTH 235 2.7.0 MW_OK I\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "AUTH PLAIN\n"
                   "CREDENTIALS long\n"
                   "AUTH_RESULT MW_OK long\n",
                   NULL,
                   0,
                   1,
                   0};
    static const size_t pieces[] = {SIZE_MAX, 1, 1000};
    run_pieces(&sc, &want, pieces, 3);
    free(pw);
}

/* 5 MB through small buffers: the client's output is at its minimum and
 * the wire holds 4 KB each way, so both sides wait for each other. */
static char *make_big_body(size_t *len_out, size_t *lines_out)
{
    size_t cap = 5u * 1024u * 1024u + 200;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t n = 0, lines = 0;
    while (n < 5u * 1024u * 1024u) {
        /* Every seventh line starts with a dot, every 13th is "." alone. */
        int k;
        if (lines % 13 == 12)
            k = snprintf(b + n, cap - n, ".\r\n");
        else
            k = snprintf(b + n, cap - n, "%sline %zu of the big body %zu\r\n",
                         lines % 7 == 0 ? "." : "", lines, lines * 31u);
        assert_true(k > 0);
        n += (size_t)k;
        lines++;
    }
    *len_out = n;
    *lines_out = lines;
    return b;
}

static void big_run(uint32_t caps, uint32_t client_flags, const size_t *pieces,
                    size_t n_pieces)
{
    static const msg_spec m = {
        "alice@example.com", {"bob@example.org", NULL}, NULL, 0, 0, 0};
    size_t len = 0, lines = 0;
    char *body = make_big_body(&len, &lines);
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = caps;
    sc.client_flags = client_flags;
    sc.client_output_max = 1024; /* raised to the session's minimum */
    sc.transport_cap = 4096;
    sc.body_step = 65536;
    sc.big_body = body;
    sc.big_len = len;
    sc.actions[0] = (action){A_SEND, &m, 0, NULL, NULL};
    sc.actions[1] = (action){A_QUIT, NULL, 0, NULL, NULL};
    char head[128];
    int hn = snprintf(head, sizeof(head),
                      "FROM <alice@example.com> TO <bob@example.org> LEN %zu\n",
                      len);
    assert_true(hn > 0);
    char *deliv = malloc((size_t)hn + len + 2);
    assert_non_null(deliv);
    memcpy(deliv, head, (size_t)hn);
    memcpy(deliv + hn, body, len);
    deliv[(size_t)hn + len] = '\n';
    deliv[(size_t)hn + len + 1] = '\0';
    char slog[512];
    int chunked = (client_flags & MW_SMTP_CLIENT_CHUNKING) != 0;
    snprintf(slog, sizeof(slog),
             "HELO EHLO client.example.com\n"
             "MAIL <alice@example.com>\n"
             "RCPT <bob@example.org> 250\n"
             "DATA%s\n"
             "MESSAGE %zu%s 250\n",
             chunked ? " BDAT" : "", len, chunked ? " BDAT" : "");
    expect want = {chunked ? "GREETING 220\n"
                             "HELLO 250 I\n"
                             "MAIL 250 2.1.0\n"
                             "RCPT#0 250 2.1.5 B\n"
                             "MESSAGE 250 2.0.0 EI\n"
                             "QUIT 221 2.0.0\n"
                           : "GREETING 220\n"
                             "HELLO 250 I\n"
                             "MAIL 250 2.1.0\n"
                             "RCPT#0 250 2.1.5\n"
                             "DATA 354 B\n"
                             "MESSAGE 250 2.0.0 EI\n"
                             "QUIT 221 2.0.0\n",
                   slog,
                   deliv,
                   (size_t)hn + len + 1,
                   1,
                   0};
    /* The client had to wait for the wire to drain. */
    if (!getenv("PAIR_PRINT"))
        assert_true(run_pieces(&sc, &want, pieces, n_pieces) > 100);
    free(deliv);
    free(body);
}

static void test_big_body_backpressure(void **state)
{
    (void)state;
    static const size_t pieces[] = {SIZE_MAX, 1459};
    big_run(CAPS_ALL, 0, pieces, 2);
    big_run(CAPS_ALL | MW_SMTP_CAP_CHUNKING, MW_SMTP_CLIENT_CHUNKING, pieces,
            1);
    big_run(CAPS_ALL | MW_SMTP_CAP_CHUNKING,
            MW_SMTP_CLIENT_CHUNKING | MW_SMTP_CLIENT_NO_PIPELINING, pieces, 1);
}

/* Submission: TLS required, PLAIN offered only over TLS. Before STARTTLS
 * the client cannot even ask for PLAIN; after it, AUTH and the message go
 * through. */
static void test_starttls_then_auth_plain(void **state)
{
    (void)state;
    scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.server_caps = CAPS_ALL | MW_SMTP_CAP_STARTTLS;
    sc.server_flags = MW_SMTP_SERVER_REQUIRE_TLS | MW_SMTP_SERVER_REQUIRE_AUTH;
    sc.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN);
    sc.actions[0] = (action){A_STARTTLS, NULL, 0, NULL, NULL};
    sc.actions[1] = (action){A_AUTH, NULL, MW_SASL_PLAIN, "user", "pencil"};
    sc.actions[2] = (action){A_SEND, &msg_plain, 0, NULL, NULL};
    sc.actions[3] = (action){A_QUIT, NULL, 0, NULL, NULL};
    expect want = {"GREETING 220\n"
                   "HELLO 250 I\n"
                   "STARTTLS 220 2.0.0\n"
                   "-- tls --\n"
                   "HELLO 250 I\n"
                   "AUTH 235 2.7.0 MW_OK I\n"
                   "MAIL 250 2.1.0\n"
                   "RCPT#0 250 2.1.5\n"
                   "DATA 354 B\n"
                   "MESSAGE 250 2.0.0 EI\n"
                   "QUIT 221 2.0.0\n",
                   "HELO EHLO client.example.com\n"
                   "HELO EHLO client.example.com\n"
                   "AUTH PLAIN\n"
                   "CREDENTIALS user\n"
                   "AUTH_RESULT MW_OK user\n"
                   "MAIL <alice@example.com>\n"
                   "RCPT <bob@example.org> 250\n"
                   "DATA\n"
                   "MESSAGE 27 250\n",
                   DELIVERED_PLAIN,
                   0,
                   1,
                   0};
    run(&sc, &want);

    /* Without TLS the client refuses to start PLAIN: it is not offered. */
    pair p;
    pair_init(&p, &sc, SIZE_MAX);
    for (int i = 0; i < 4; i++) {
        (void)move_client_output(&p);
        (void)deliver_to_server(&p);
        (void)move_server_output(&p);
        (void)deliver_to_client(&p);
    }
    assert_true(mw_smtp_client_idle(p.c));
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = MW_SASL_PLAIN;
    cfg.authcid.ptr = "user";
    cfg.authcid.len = 4;
    cfg.password.ptr = "pencil";
    cfg.password.len = 6;
    assert_int_equal(mw_sasl_client_new(&cfg, NULL, &p.sasl), MW_OK);
    assert_int_equal(mw_smtp_client_auth(p.c, p.sasl), MW_E_UNSUPPORTED);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_transaction),
        cmocka_unit_test(test_multi_txn_pipelining),
        cmocka_unit_test(test_multi_txn_no_pipelining),
        cmocka_unit_test(test_chunking_pipelining),
        cmocka_unit_test(test_chunking_no_pipelining),
        cmocka_unit_test(test_chunking_binarymime),
        cmocka_unit_test(test_starttls_injection_discarded),
        cmocka_unit_test(test_auth_each_mechanism),
        cmocka_unit_test(test_auth_wrong_password),
        cmocka_unit_test(test_reject_mail),
        cmocka_unit_test(test_reject_all_rcpts),
        cmocka_unit_test(test_reject_message),
        cmocka_unit_test(test_shutdown_mid_transaction),
        cmocka_unit_test(test_size_refused_before_any_byte),
        cmocka_unit_test(test_body_normalised_and_unstuffed),
        cmocka_unit_test(test_lmtp_per_recipient),
        cmocka_unit_test(test_auth_long_initial_response),
        cmocka_unit_test(test_big_body_backpressure),
        cmocka_unit_test(test_starttls_then_auth_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
