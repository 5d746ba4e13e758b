/* A client session and a server session in memory, driven by a script
 * made from the fuzzer's bytes: pipelining on or off, CHUNKING and
 * BINARYMIME, LMTP, STARTTLS, the piece size of every transfer, the size
 * of the wire, the server's accept/reject decisions and the messages
 * (envelope and body bytes).
 *
 * Checks: the pump always settles and the conversation ends with QUIT or
 * a 421; every recipient the client saw accepted is one the server's
 * application accepted, in order, and the other way round; every message
 * the client saw accepted is one the server's application accepted, with
 * exactly the bytes the client sent (after the DATA normalisation of bare
 * CR and LF to CRLF, or unchanged with BDAT); no crash, no leak, and the
 * wire never holds more than its bound.
 *
 * Input: [flags] [piece] [wire] [n_msgs] then per message [n_rcpts]
 * [decisions] [len_hi] [len_lo] [body bytes...].
 * flags bit 0 no pipelining (client), 1 CHUNKING, 2 PIPELINING not
 * offered, 3 LMTP, 4 BINARYMIME, 5 end the body with body_last, 6
 * STARTTLS first, 7 small SIZE limit with the size announced. decisions
 * bit 0 refuses MAIL, bits 1-4 refuse recipient 0-3, bit 5 refuses the
 * message (LMTP: for recipient 0), bit 6 shuts the server down at the
 * last recipient, bit 7 gives the message a SIZE= of its length. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/sasl.h"
#include "mailwire/smtp.h"
#include "mailwire/smtp_client.h"
#include "mailwire/smtp_server.h"

#define MAX_MSGS 4
#define MAX_RCPTS 4
#define BODY_MAX 4096

static const char *const rcpt_names[MAX_RCPTS] = {"r0", "r1", "r2", "r3"};

typedef struct msg {
    uint8_t n_rcpts;
    uint8_t decisions;
    const char *body;
    size_t body_len;
} msg;

typedef struct fuzz_pair {
    uint8_t flags;
    size_t piece, wire_cap;
    msg msgs[MAX_MSGS];
    size_t n_msgs, next_msg;
    int started_tls, quit_sent, busy;
    mw_smtp_client *c;
    mw_smtp_server *s;
    mw_buf c2s, s2c;
    /* What each side believes happened; must be equal at the end. */
    mw_buf client_view, server_view;
    /* client application */
    const msg *cur;
    mw_smtp_envelope env;
    mw_smtp_rcpt rcpts[MAX_RCPTS];
    size_t body_pos;
    int body_on, body_started;
    mw_buf expected; /* the current message as the server should see it */
    /* server application */
    const msg *srv_cur; /* the message the server is receiving */
    size_t srv_msg_index;
    mw_buf body;
    uint32_t srv_rcpt_ids[MAX_RCPTS]; /* accepted recipients, by number */
    size_t srv_n_rcpts;
} fuzz_pair;

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void view_add(mw_buf *view, char tag, const void *data, size_t len)
{
    FUZZ_CHECK(mw_buf_append_byte(view, (uint8_t)tag) == MW_OK);
    FUZZ_CHECK(mw_buf_append(view, data, len) == MW_OK);
    FUZZ_CHECK(mw_buf_append_byte(view, '\n') == MW_OK);
}

static int chunking(const fuzz_pair *p)
{
    return (p->flags & 0x02) != 0;
}

/* The body as the server must deliver it: with DATA every CR LF, bare CR
 * and bare LF is one CRLF and a non-empty body ends with CRLF; with BDAT
 * the bytes are unchanged. */
static void expected_body(const fuzz_pair *p, const msg *m, mw_buf *out)
{
    mw_buf_clear(out);
    if (chunking(p)) {
        FUZZ_CHECK(mw_buf_append(out, m->body, m->body_len) == MW_OK);
        return;
    }
    for (size_t i = 0; i < m->body_len; i++) {
        char ch = m->body[i];
        if (ch == '\r') {
            if (i + 1 < m->body_len && m->body[i + 1] == '\n')
                i++;
            FUZZ_CHECK(mw_buf_append(out, "\r\n", 2) == MW_OK);
        } else if (ch == '\n') {
            FUZZ_CHECK(mw_buf_append(out, "\r\n", 2) == MW_OK);
        } else {
            FUZZ_CHECK(mw_buf_append_byte(out, (uint8_t)ch) == MW_OK);
        }
    }
    if (out->len && (out->len < 2 || out->data[out->len - 2] != '\r' ||
                     out->data[out->len - 1] != '\n'))
        FUZZ_CHECK(mw_buf_append(out, "\r\n", 2) == MW_OK);
}

/* ------------------------------------------------------------------ */
/* Server application                                                  */
/* ------------------------------------------------------------------ */

static uint32_t rcpt_number(const mw_smtp_path *path)
{
    FUZZ_CHECK(path->local.len == 2 && path->local.ptr[0] == 'r');
    uint32_t n = (uint32_t)(path->local.ptr[1] - '0');
    FUZZ_CHECK(n < MAX_RCPTS);
    return n;
}

static void server_decide(fuzz_pair *p, const mw_smtp_server_event *ev)
{
    mw_smtp_server *s = p->s;
    const msg *m = p->srv_cur;
    switch (ev->type) {
    case MW_SMTP_SEV_MAIL: {
        /* The sender's local part is the message number. */
        FUZZ_CHECK(ev->cmd.path.local.len == 2 &&
                   ev->cmd.path.local.ptr[0] == 'm');
        size_t i = (size_t)(ev->cmd.path.local.ptr[1] - '0');
        FUZZ_CHECK(i < p->n_msgs);
        p->srv_cur = m = &p->msgs[i];
        p->srv_msg_index = i;
        p->srv_n_rcpts = 0;
        mw_buf_clear(&p->body);
        if (m->decisions & 0x01) {
            FUZZ_CHECK(mw_smtp_server_reply(s, 550, "5.7.1", NULL) == MW_OK);
            return;
        }
        break;
    }
    case MW_SMTP_SEV_RCPT: {
        FUZZ_CHECK(m != NULL);
        uint32_t n = rcpt_number(&ev->cmd.path);
        FUZZ_CHECK(ev->rcpt_index == p->srv_n_rcpts);
        if ((m->decisions & 0x40) && n + 1u == m->n_rcpts) {
            FUZZ_CHECK(mw_smtp_server_shutdown(s) == MW_OK);
            return;
        }
        if (m->decisions & (0x02u << n)) {
            FUZZ_CHECK(mw_smtp_server_reply(s, n & 1 ? 450 : 550,
                                            n & 1 ? "4.2.1" : "5.1.1",
                                            NULL) == MW_OK);
            return;
        }
        p->srv_rcpt_ids[p->srv_n_rcpts++] = n;
        view_add(&p->server_view, 'R', rcpt_names[n], 2);
        break;
    }
    case MW_SMTP_SEV_MESSAGE: {
        FUZZ_CHECK(m != NULL);
        FUZZ_CHECK(ev->count == p->body.len);
        FUZZ_CHECK(ev->rcpt_count == p->srv_n_rcpts);
        FUZZ_CHECK(ev->rcpt_index < p->srv_n_rcpts);
        int refuse = (m->decisions & 0x20) != 0;
        if (p->flags & 0x08)
            refuse = refuse && ev->rcpt_index == 0;
        if (refuse) {
            FUZZ_CHECK(mw_smtp_server_reply(s, 554, "5.7.1", NULL) == MW_OK);
            return;
        }
        /* LMTP: whose copy; SMTP: the one message. */
        view_add(&p->server_view, 'M',
                 (p->flags & 0x08) ? rcpt_names[p->srv_rcpt_ids[ev->rcpt_index]]
                                   : "--",
                 2);
        view_add(&p->server_view, 'B', p->body.data, p->body.len);
        break;
    }
    case MW_SMTP_SEV_AUTH:
        /* Not offered, so never asked. */
        FUZZ_CHECK(0);
        break;
    default:
        break;
    }
    FUZZ_CHECK(mw_smtp_server_accept(s) == MW_OK);
}

static void server_event(fuzz_pair *p, const mw_smtp_server_event *ev)
{
    if (ev->decide) {
        server_decide(p, ev);
        return;
    }
    switch (ev->type) {
    case MW_SMTP_SEV_DATA:
        mw_buf_clear(&p->body);
        break;
    case MW_SMTP_SEV_BODY:
        /* Bodies are bounded by the script, so this is too. */
        FUZZ_CHECK(p->body.len + ev->data.len <= 2u * BODY_MAX + 2);
        FUZZ_CHECK(mw_buf_append(&p->body, ev->data.ptr, ev->data.len) ==
                   MW_OK);
        break;
    case MW_SMTP_SEV_PLAINTEXT_DISCARDED:
        /* The client never sends plaintext after STARTTLS. */
        FUZZ_CHECK(0);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Client application                                                  */
/* ------------------------------------------------------------------ */

static void client_event(fuzz_pair *p, const mw_smtp_client_event *ev)
{
    /* The server never sends plaintext after its 220 to STARTTLS. */
    FUZZ_CHECK(ev->type != MW_SMTP_CEV_TLS_DISCARDED);
    FUZZ_CHECK(ev->has_reply);
    int ok = ev->reply.code >= 200 && ev->reply.code < 300;
    if (ev->type == MW_SMTP_CEV_RCPT && ok) {
        FUZZ_CHECK(p->cur && ev->index < p->cur->n_rcpts);
        view_add(&p->client_view, 'R', rcpt_names[ev->index], 2);
    }
    if (ev->type == MW_SMTP_CEV_MESSAGE && ok) {
        FUZZ_CHECK(p->cur && ev->index < p->cur->n_rcpts);
        view_add(&p->client_view, 'M',
                 (p->flags & 0x08) ? rcpt_names[ev->index] : "--", 2);
        view_add(&p->client_view, 'B', p->expected.data, p->expected.len);
    }
    /* BDAT chunk replies also say the body may go on: only the first
     * event starts it. */
    if ((ev->flags & MW_SMTP_CEVF_BODY) && !p->body_started) {
        FUZZ_CHECK(p->cur != NULL);
        p->body_started = 1;
        p->body_on = 1;
        p->body_pos = 0;
    }
    if (ev->flags & MW_SMTP_CEVF_IDLE)
        p->busy = 0;
}

static void start_message(fuzz_pair *p)
{
    const msg *m = &p->msgs[p->next_msg];
    static const char *const senders[MAX_MSGS] = {"m0", "m1", "m2", "m3"};
    memset(&p->env, 0, sizeof(p->env));
    memset(p->rcpts, 0, sizeof(p->rcpts));
    p->env.from.local.ptr = senders[p->next_msg];
    p->env.from.local.len = 2;
    p->env.from.domain.ptr = "example.com";
    p->env.from.domain.len = 11;
    for (size_t i = 0; i < m->n_rcpts; i++) {
        p->rcpts[i].path.local.ptr = rcpt_names[i];
        p->rcpts[i].path.local.len = 2;
        p->rcpts[i].path.domain.ptr = "example.org";
        p->rcpts[i].path.domain.len = 11;
    }
    p->env.rcpts = p->rcpts;
    p->env.n_rcpts = m->n_rcpts;
    if (p->flags & 0x10)
        p->env.body = MW_SMTP_BODY_BINARYMIME;
    if (m->decisions & 0x80)
        p->env.message_size = m->body_len;
    p->next_msg++;
    expected_body(p, m, &p->expected);
    mw_status st = mw_smtp_client_send(p->c, &p->env);
    if (st == MW_OK) {
        p->cur = m;
        p->busy = 1;
        p->body_started = 0;
        return;
    }
    /* Refused before any byte (SIZE, BINARYMIME not offered). */
    FUZZ_CHECK(st == MW_E_LIMIT || st == MW_E_UNSUPPORTED);
}

static int client_next(fuzz_pair *p)
{
    if (p->busy || !mw_smtp_client_idle(p->c))
        return 0;
    if ((p->flags & 0x40) && !p->started_tls) {
        p->started_tls = 1;
        FUZZ_CHECK(mw_smtp_client_starttls(p->c) == MW_OK);
        p->busy = 1;
        return 1;
    }
    if (p->next_msg < p->n_msgs) {
        start_message(p);
        return 1;
    }
    if (!p->quit_sent) {
        p->quit_sent = 1;
        FUZZ_CHECK(mw_smtp_client_quit(p->c) == MW_OK);
        p->busy = 1;
        return 1;
    }
    return 0;
}

static int client_body(fuzz_pair *p)
{
    if (!p->body_on)
        return 0;
    const msg *m = p->cur;
    size_t rest = m->body_len - p->body_pos;
    size_t step = 1 + (p->piece == SIZE_MAX ? 4096 : p->piece * 13);
    size_t acc = 0;
    mw_status st = MW_OK;
    if (rest && (p->flags & 0x20) && rest <= step) {
        st = mw_smtp_client_body_last(p->c, m->body + p->body_pos, rest, &acc);
        FUZZ_CHECK(st == MW_OK || st == MW_E_PEER || st == MW_E_NOSPACE ||
                   st == MW_E_WOULDBLOCK);
        p->body_pos += acc;
        if (st == MW_OK && acc == rest) {
            p->body_on = 0;
            return 1;
        }
        if (st != MW_E_PEER)
            return acc != 0;
    } else if (rest) {
        st = mw_smtp_client_body(p->c, m->body + p->body_pos,
                                 min_sz(rest, step), &acc);
        FUZZ_CHECK(st == MW_OK || st == MW_E_PEER);
        p->body_pos += acc;
        if (st == MW_OK)
            return acc != 0;
    }
    st = mw_smtp_client_body_end(p->c);
    if (st == MW_E_NOSPACE || st == MW_E_WOULDBLOCK)
        return 0;
    FUZZ_CHECK(st == MW_OK);
    p->body_on = 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Pump                                                                */
/* ------------------------------------------------------------------ */

static int move_bytes(fuzz_pair *p, mw_buf *wire, const char *out, size_t n)
{
    n = min_sz(n, p->piece);
    n = min_sz(n, wire->len >= p->wire_cap ? 0 : p->wire_cap - wire->len);
    if (n)
        FUZZ_CHECK(mw_buf_append(wire, out, n) == MW_OK);
    FUZZ_CHECK(wire->len <= p->wire_cap);
    return (int)n;
}

static int to_server(fuzz_pair *p)
{
    int progress = 0;
    size_t n = 0;
    const char *out = mw_smtp_client_output(p->c, &n);
    int moved = move_bytes(p, &p->c2s, out, n);
    if (moved) {
        FUZZ_CHECK(mw_smtp_client_output_done(p->c, (size_t)moved) == MW_OK);
        progress = 1;
    }
    for (int rounds = 0; rounds < 64; rounds++) {
        size_t len = min_sz(p->c2s.len, p->piece), used = 0;
        mw_smtp_server_event ev;
        memset(&ev, 0, sizeof(ev));
        mw_status st = mw_smtp_server_feed(p->s, p->c2s.data, len, &used, &ev);
        FUZZ_CHECK(used <= len);
        if (st == MW_OK)
            server_event(p, &ev);
        mw_buf_consume(&p->c2s, used);
        progress |= used != 0 || st == MW_OK;
        if (st == MW_OK)
            continue;
        if (st == MW_NEED_MORE && p->c2s.len)
            continue;
        FUZZ_CHECK(st == MW_NEED_MORE || st == MW_E_WOULDBLOCK ||
                   st == MW_E_CLOSED);
        break;
    }
    return progress;
}

static int to_client(fuzz_pair *p)
{
    int progress = 0;
    size_t n = 0;
    const char *out = mw_smtp_server_output(p->s, &n);
    int moved = move_bytes(p, &p->s2c, out, n);
    if (moved) {
        FUZZ_CHECK(mw_smtp_server_output_done(p->s, (size_t)moved) == MW_OK);
        progress = 1;
    }
    for (int rounds = 0; rounds < 64 && p->s2c.len; rounds++) {
        if (mw_smtp_client_wants(p->c) & MW_WANT_CLOSE)
            break;
        size_t len = min_sz(p->s2c.len, p->piece), used = 0;
        mw_smtp_client_event ev;
        memset(&ev, 0, sizeof(ev));
        mw_status st = mw_smtp_client_feed(p->c, p->s2c.data, len, &used, &ev);
        FUZZ_CHECK(used <= len);
        if (st == MW_OK)
            client_event(p, &ev);
        mw_buf_consume(&p->s2c, used);
        progress |= used != 0 || st == MW_OK;
        FUZZ_CHECK(st == MW_OK || st == MW_NEED_MORE);
    }
    return progress;
}

static int tls_step(fuzz_pair *p)
{
    if ((mw_smtp_server_wants(p->s) & MW_WANT_TLS) &&
        (mw_smtp_client_wants(p->c) & MW_WANT_TLS) && p->c2s.len == 0 &&
        p->s2c.len == 0) {
        FUZZ_CHECK(mw_smtp_server_tls_done(p->s, 1) == MW_OK);
        FUZZ_CHECK(mw_smtp_client_tls_done(p->c, 1) == MW_OK);
        return 1;
    }
    return 0;
}

static void pump(fuzz_pair *p)
{
    for (long i = 0;; i++) {
        /* Each round moves at least one byte or makes one event; the
         * script is small, so this bound means a stuck loop. */
        FUZZ_CHECK(i < 2000000L);
        int progress = client_next(p);
        progress |= client_body(p);
        progress |= to_server(p);
        progress |= to_client(p);
        progress |= tls_step(p);
        if (!progress)
            return;
    }
}

/* ------------------------------------------------------------------ */
/* Script                                                              */
/* ------------------------------------------------------------------ */

static size_t parse_script(fuzz_pair *p, const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    p->flags = data[0];
    p->piece = data[1] == 0 ? SIZE_MAX : (size_t)data[1];
    /* A wire of 1 byte to 16 KiB, or roomy. */
    p->wire_cap = data[2] == 0 ? ((size_t)1 << 20) : (size_t)data[2] * 64u;
    p->n_msgs = 1u + data[3] % MAX_MSGS;
    size_t pos = 4;
    for (size_t i = 0; i < p->n_msgs; i++) {
        msg *m = &p->msgs[i];
        uint8_t nr = pos < size ? data[pos++] : 0;
        m->n_rcpts = (uint8_t)(1u + nr % MAX_RCPTS);
        m->decisions = pos < size ? data[pos++] : 0;
        size_t len = 0;
        if (pos + 2 <= size) {
            len = ((size_t)data[pos] << 8 | data[pos + 1]) % (BODY_MAX + 1);
            pos += 2;
        }
        len = min_sz(len, size - pos);
        m->body = (const char *)data + pos;
        m->body_len = len;
        pos += len;
    }
    return 1;
}

static void setup(fuzz_pair *p)
{
    mw_buf_init_growable(&p->c2s, NULL, 0);
    mw_buf_init_growable(&p->s2c, NULL, 0);
    mw_buf_init_growable(&p->client_view, NULL, 0);
    mw_buf_init_growable(&p->server_view, NULL, 0);
    mw_buf_init_growable(&p->expected, NULL, 0);
    mw_buf_init_growable(&p->body, NULL, 0);

    mw_smtp_server_config scfg;
    memset(&scfg, 0, sizeof(scfg));
    scfg.size = sizeof(scfg);
    scfg.hostname.ptr = "mx.example.org";
    scfg.hostname.len = 14;
    scfg.caps = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_8BITMIME |
                MW_SMTP_CAP_ENHANCEDSTATUSCODES | MW_SMTP_CAP_STARTTLS;
    if (!(p->flags & 0x04))
        scfg.caps |= MW_SMTP_CAP_PIPELINING;
    if (p->flags & 0x02)
        scfg.caps |= MW_SMTP_CAP_CHUNKING | MW_SMTP_CAP_BINARYMIME;
    if (p->flags & 0x08)
        scfg.flags |= MW_SMTP_SERVER_LMTP;
    if (p->flags & 0x80)
        scfg.size_max = 1000;
    /* Never more errors than a script can make. */
    scfg.errors_max = 1000;
    FUZZ_CHECK(mw_smtp_server_new(&scfg, NULL, &p->s) == MW_OK);

    mw_limits lim;
    mw_limits_default(&lim);
    lim.output_max = 1024; /* raised to the session's minimum */
    mw_smtp_client_config ccfg;
    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.size = sizeof(ccfg);
    ccfg.limits = &lim;
    if (p->flags & 0x01)
        ccfg.flags |= MW_SMTP_CLIENT_NO_PIPELINING;
    if (p->flags & 0x02)
        ccfg.flags |= MW_SMTP_CLIENT_CHUNKING;
    if (p->flags & 0x08)
        ccfg.flags |= MW_SMTP_CLIENT_LMTP;
    FUZZ_CHECK(mw_smtp_client_new(&ccfg, NULL, &p->c) == MW_OK);
}

static void teardown(fuzz_pair *p)
{
    mw_smtp_client_free(p->c);
    mw_smtp_server_free(p->s);
    mw_buf_free(&p->c2s);
    mw_buf_free(&p->s2c);
    mw_buf_free(&p->client_view);
    mw_buf_free(&p->server_view);
    mw_buf_free(&p->expected);
    mw_buf_free(&p->body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_pair *p = calloc(1, sizeof(*p));
    if (!p)
        return 0;
    if (!parse_script(p, data, size)) {
        free(p);
        return 0;
    }
    setup(p);
    pump(p);
    /* The conversation is over: QUIT answered, or a 421. */
    FUZZ_CHECK(mw_smtp_client_wants(p->c) & MW_WANT_CLOSE);
    FUZZ_CHECK(mw_smtp_server_state(p->s) & MW_SMTP_SERVER_S_CLOSED);
    /* Both sides agree on every accepted recipient and message. */
    FUZZ_CHECK(p->client_view.len == p->server_view.len);
    FUZZ_CHECK(p->client_view.len == 0 ||
               memcmp(p->client_view.data, p->server_view.data,
                      p->client_view.len) == 0);
    teardown(p);
    free(p);
    return 0;
}
