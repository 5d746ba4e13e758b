/* mw-journey: steps 2 and 3, SMTP submission and relay. */
#define _POSIX_C_SOURCE 200809L

#include "journey.h"

#include <mailwire/msg.h>
#include <mailwire/net.h>
#include <mailwire/sasl.h>
#include <mailwire/smtp_client.h>
#include <mailwire/smtp_server.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* ---- client side: Alice's user agent and Alice's server relaying ---- */

typedef struct smtp_cl {
    mw_smtp_client *c;
    mw_sasl *sasl; /* NULL: no AUTH (the relay). */
    const jr_bytes *msg;
    mw_smtp_envelope env;
    mw_smtp_rcpt rcpt;
    size_t sent;
    int in_body;
    int delivered; /* The final reply to the message was 2xx. */
} smtp_cl;

static mw_span span_of(const char *s, size_t len)
{
    mw_span sp = {s, len};
    return sp;
}

/* "local@domain" as a path; the string must outlive the transaction. */
static mw_smtp_path path_of(const char *addr)
{
    mw_smtp_path p;
    memset(&p, 0, sizeof p);
    const char *at = strrchr(addr, '@');
    size_t local = at ? (size_t)(at - addr) : strlen(addr);
    p.local = span_of(addr, local);
    if (at)
        p.domain = span_of(at + 1, strlen(at + 1));
    return p;
}

static int push_body(smtp_cl *cl)
{
    if (!cl->in_body)
        return 0;
    size_t took = 0;
    if (mw_smtp_client_body_last(cl->c, cl->msg->data + cl->sent,
                                 cl->msg->len - cl->sent, &took) != MW_OK)
        return -1;
    cl->sent += took;
    if (cl->sent == cl->msg->len)
        cl->in_body = 0;
    return 0;
}

static int cl_event(jr_end *e, smtp_cl *cl, const mw_smtp_client_event *ev)
{
    int positive = ev->has_reply && ev->reply.code < 400;
    if (ev->flags & MW_SMTP_CEVF_BODY) {
        jr_transcript_body(&e->tr, 0);
        cl->in_body = 1;
        return push_body(cl);
    }
    switch (ev->type) {
    case MW_SMTP_CEV_HELLO:
        if (!positive)
            return mw_smtp_client_quit(cl->c) == MW_OK ? 0 : -1;
        if (cl->sasl)
            return mw_smtp_client_auth(cl->c, cl->sasl) == MW_OK ? 0 : -1;
        return mw_smtp_client_send(cl->c, &cl->env) == MW_OK ? 0 : -1;
    case MW_SMTP_CEV_AUTH:
        if (ev->status != MW_OK)
            return mw_smtp_client_quit(cl->c) == MW_OK ? 0 : -1;
        return mw_smtp_client_send(cl->c, &cl->env) == MW_OK ? 0 : -1;
    case MW_SMTP_CEV_MESSAGE:
        cl->delivered = positive;
        return mw_smtp_client_quit(cl->c) == MW_OK ? 0 : -1;
    case MW_SMTP_CEV_CLOSED:
    case MW_SMTP_CEV_QUIT:
        return 0;
    default:
        /* A refused transaction ends idle: give up politely. */
        if ((ev->flags & MW_SMTP_CEVF_TXN_END) &&
            (ev->flags & MW_SMTP_CEVF_FAILED))
            return mw_smtp_client_quit(cl->c) == MW_OK ? 0 : -1;
        return 0;
    }
}

static int cl_input(jr_end *e, const char *data, size_t len)
{
    smtp_cl *cl = e->ctx;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_smtp_client_event ev;
        mw_status st =
            mw_smtp_client_feed(cl->c, data + off, len - off, &used, &ev);
        off += used;
        if (st == MW_NEED_MORE)
            return 0;
        if (st != MW_OK || cl_event(e, cl, &ev) != 0)
            return -1;
    }
}

static const char *cl_output(jr_end *e, size_t *len)
{
    smtp_cl *cl = e->ctx;
    const char *p = mw_smtp_client_output(cl->c, len);
    return p;
}

static void cl_output_done(jr_end *e, size_t n)
{
    smtp_cl *cl = e->ctx;
    if (mw_smtp_client_output_done(cl->c, n) != MW_OK || push_body(cl) != 0)
        e->failed = 1;
}

static unsigned cl_wants(jr_end *e)
{
    smtp_cl *cl = e->ctx;
    return mw_smtp_client_wants(cl->c);
}

static void cl_eof(jr_end *e)
{
    smtp_cl *cl = e->ctx;
    (void)mw_smtp_client_eof(cl->c);
}

static void cl_end_init(jr_end *e, smtp_cl *cl, int fd, const char *prefix)
{
    memset(e, 0, sizeof *e);
    e->fd = fd;
    e->tr.prefix = prefix;
    e->ctx = cl;
    e->input = cl_input;
    e->output = cl_output;
    e->output_done = cl_output_done;
    e->wants = cl_wants;
    e->eof = cl_eof;
}

/* ---- server side: Alice's and Bob's mail servers ---- */

typedef struct smtp_sv {
    mw_smtp_server *s;
    jr_world *w;
    int submission; /* Alice's server: AUTH, queue. Else Bob's: deliver. */
    jr_bytes body;
    char from[256];
    char to[256];
    char helo[256];
    int accepted;
} smtp_sv;

static void path_text(const mw_smtp_path *p, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s@%.*s", (int)p->local.len, p->local.ptr,
             (int)p->domain.len, p->domain.ptr);
}

static int span_is(mw_span s, const char *text)
{
    return s.len == strlen(text) && strncasecmp(s.ptr, text, s.len) == 0;
}

/* Store one message in Bob's Maildir the Maildir way: write it under
 * tmp/, then rename into new/, so a reader never sees half a file. Line
 * ends become LF, the local convention. */
static int deliver(const char *maildir, const jr_bytes *body)
{
    char name[128], tmp[512], cur[512];
    snprintf(name, sizeof name, "%lld.P%ld.bob-mx", (long long)time(NULL),
             (long)getpid());
    snprintf(tmp, sizeof tmp, "%s/tmp/%s", maildir, name);
    snprintf(cur, sizeof cur, "%s/new/%s", maildir, name);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < body->len && rc == 0; i++) {
        char c = body->data[i];
        if (c == '\r' && i + 1 < body->len && body->data[i + 1] == '\n')
            continue;
        rc = fputc(c, f) == EOF ? -1 : 0;
    }
    if (fclose(f) != 0 || rc != 0 || rename(tmp, cur) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Every server that takes the message prepends its trace field
 * (RFC 5321 4.4); "ESMTPA": the client authenticated (RFC 3848). */
static int add_received(const smtp_sv *sv, jr_bytes *out)
{
    char date[64], line[1024];
    mw_datetime now;
    mw_buf b;
    mw_buf_init_fixed(&b, date, sizeof date - 1);
    if (mw_net_now(&now) != MW_OK ||
        mw_datetime_format_rfc5322(&now, &b) != MW_OK)
        return -1;
    int n = snprintf(
        line, sizeof line,
        "Received: from %s (localhost [127.0.0.1])\r\n"
        "\tby %s with %s id 1\r\n\tfor <%s>; %.*s\r\n",
        sv->helo, sv->submission ? "mx.alice.example" : "mx.bob.example",
        sv->submission ? "ESMTPA" : "ESMTP", sv->to, (int)b.len, b.data);
    if (n < 0 || (size_t)n >= sizeof line)
        return -1;
    return jr_bytes_append(out, line, (size_t)n);
}

static mw_status sv_message(smtp_sv *sv)
{
    jr_bytes traced = {0};
    if (add_received(sv, &traced) != 0 ||
        jr_bytes_append(&traced, sv->body.data, sv->body.len) != 0) {
        free(traced.data);
        return mw_smtp_server_reply(sv->s, 451, "4.3.0", "out of memory");
    }
    free(sv->body.data);
    sv->body = traced;
    if (sv->submission) {
        sv->w->queued.len = 0;
        if (jr_bytes_append(&sv->w->queued, sv->body.data, sv->body.len) != 0)
            return mw_smtp_server_reply(sv->s, 451, "4.3.0", "out of memory");
        memcpy(sv->w->queued_from, sv->from, sizeof sv->from);
        memcpy(sv->w->queued_to, sv->to, sizeof sv->to);
        sv->accepted = 1;
        return mw_smtp_server_reply(sv->s, 250, "2.0.0", "queued as 1");
    }
    if (deliver(sv->w->maildir, &sv->body) != 0)
        return mw_smtp_server_reply(sv->s, 451, "4.3.0", "cannot store");
    sv->accepted = 1;
    return mw_smtp_server_reply(sv->s, 250, "2.0.0",
                                "delivered to bob's Maildir");
}

static mw_status sv_credentials(smtp_sv *sv, const mw_smtp_server_event *ev)
{
    static const char password[] = "wonderland";
    if (!span_is(ev->authcid, "alice"))
        return mw_smtp_server_reply(sv->s, 535, "5.7.8",
                                    "authentication failed");
    mw_status st = mw_sasl_server_set_password(mw_smtp_server_sasl(sv->s),
                                               password, sizeof password - 1);
    return st == MW_OK ? mw_smtp_server_accept(sv->s) : st;
}

static mw_status sv_rcpt(smtp_sv *sv, const mw_smtp_server_event *ev)
{
    /* Bob's server is no open relay: only its own domain. */
    if (!sv->submission && !span_is(ev->cmd.path.domain, "bob.example"))
        return mw_smtp_server_reply(sv->s, 550, "5.7.1", "relay denied");
    path_text(&ev->cmd.path, sv->to, sizeof sv->to);
    return mw_smtp_server_accept(sv->s);
}

static mw_status sv_event(smtp_sv *sv, const mw_smtp_server_event *ev)
{
    switch (ev->type) {
    case MW_SMTP_SEV_HELO:
        snprintf(sv->helo, sizeof sv->helo, "%.*s", (int)ev->cmd.arg.len,
                 ev->cmd.arg.ptr);
        return mw_smtp_server_accept(sv->s);
    case MW_SMTP_SEV_MAIL:
        path_text(&ev->cmd.path, sv->from, sizeof sv->from);
        return mw_smtp_server_accept(sv->s);
    case MW_SMTP_SEV_RCPT:
        return sv_rcpt(sv, ev);
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        return sv_credentials(sv, ev);
    case MW_SMTP_SEV_DATA:
        sv->body.len = 0;
        return MW_OK;
    case MW_SMTP_SEV_BODY:
        return jr_bytes_append(&sv->body, ev->data.ptr, ev->data.len) == 0
                   ? MW_OK
                   : MW_E_NOMEM;
    case MW_SMTP_SEV_MESSAGE:
        return sv_message(sv);
    default:
        return ev->decide ? mw_smtp_server_accept(sv->s) : MW_OK;
    }
}

static int sv_input(jr_end *e, const char *data, size_t len)
{
    smtp_sv *sv = e->ctx;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_smtp_server_event ev;
        mw_status st =
            mw_smtp_server_feed(sv->s, data + off, len - off, &used, &ev);
        off += used;
        if (st == MW_NEED_MORE || st == MW_E_CLOSED)
            return 0;
        /* One client pipelines at most a few commands, so the replies
         * never near the output limit: MW_E_WOULDBLOCK would be a bug. */
        if (st != MW_OK || sv_event(sv, &ev) != MW_OK)
            return -1;
    }
}

static const char *sv_output(jr_end *e, size_t *len)
{
    smtp_sv *sv = e->ctx;
    return mw_smtp_server_output(sv->s, len);
}

static void sv_output_done(jr_end *e, size_t n)
{
    smtp_sv *sv = e->ctx;
    (void)mw_smtp_server_output_done(sv->s, n);
}

static unsigned sv_wants(jr_end *e)
{
    smtp_sv *sv = e->ctx;
    return mw_smtp_server_wants(sv->s);
}

static void sv_eof(jr_end *e)
{
    smtp_sv *sv = e->ctx;
    (void)mw_smtp_server_eof(sv->s);
}

static int sv_new(smtp_sv *sv, jr_world *w, int submission)
{
    static const char alice[] = "mx.alice.example";
    static const char bob[] = "mx.bob.example";
    mw_smtp_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.hostname = submission ? span_of(alice, sizeof alice - 1)
                              : span_of(bob, sizeof bob - 1);
    cfg.caps = MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_8BITMIME |
               MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    if (submission) {
        cfg.flags =
            MW_SMTP_SERVER_REQUIRE_AUTH | MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH;
        cfg.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN);
    }
    memset(sv, 0, sizeof *sv);
    sv->w = w;
    sv->submission = submission;
    return mw_smtp_server_new(&cfg, NULL, &sv->s) == MW_OK ? 0 : -1;
}

static void sv_end_init(jr_end *e, smtp_sv *sv, int fd, const char *prefix)
{
    memset(e, 0, sizeof *e);
    e->fd = fd;
    e->tr.prefix = prefix;
    e->ctx = sv;
    e->input = sv_input;
    e->output = sv_output;
    e->output_done = sv_output_done;
    e->wants = sv_wants;
    e->eof = sv_eof;
}

static int cl_new(smtp_cl *cl, const char *helo, const jr_bytes *msg,
                  const char *from, const char *to)
{
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.helo = span_of(helo, strlen(helo));
    memset(cl, 0, sizeof *cl);
    cl->msg = msg;
    cl->rcpt.path = path_of(to);
    cl->env.from = path_of(from);
    cl->env.rcpts = &cl->rcpt;
    cl->env.n_rcpts = 1;
    cl->env.message_size = msg->len;
    return mw_smtp_client_new(&cfg, NULL, &cl->c) == MW_OK ? 0 : -1;
}

/* Run one SMTP conversation between a fresh client and server. */
static int converse(smtp_cl *cl, smtp_sv *sv, const char *cprefix,
                    const char *sprefix)
{
    int cfd, sfd;
    uint16_t port;
    if (jr_connect_pair(&cfd, &sfd, &port) != 0)
        return -1;
    printf("==   %s listens on 127.0.0.1:%u\n",
           sv->submission ? "alice-mx" : "bob-mx", port);
    jr_end ce, se;
    cl_end_init(&ce, cl, cfd, cprefix);
    sv_end_init(&se, sv, sfd, sprefix);
    int rc = jr_run(&ce, &se);
    return rc == 0 && cl->delivered && sv->accepted ? 0 : -1;
}

static void cleanup(smtp_cl *cl, smtp_sv *sv)
{
    mw_smtp_client_free(cl->c);
    mw_sasl_free(cl->sasl);
    mw_smtp_server_free(sv->s);
    free(sv->body.data);
}

int jr_submit(jr_world *w)
{
    static const char user[] = "alice";
    static const char password[] = "wonderland";
    smtp_cl cl;
    smtp_sv sv;
    memset(&sv, 0, sizeof sv);
    int rc = cl_new(&cl, "alice-laptop.alice.example", &w->composed,
                    "alice@alice.example", "bob@bob.example");
    mw_sasl_client_config scfg;
    memset(&scfg, 0, sizeof scfg);
    scfg.size = sizeof scfg;
    scfg.mech = MW_SASL_PLAIN;
    scfg.authcid = span_of(user, sizeof user - 1);
    scfg.password = span_of(password, sizeof password - 1);
    if (rc == 0 && mw_sasl_client_new(&scfg, NULL, &cl.sasl) != MW_OK)
        rc = -1;
    if (rc == 0)
        rc = sv_new(&sv, w, 1);
    if (rc == 0)
        rc = converse(&cl, &sv, "C: [alice-ua \xE2\x86\x92 alice-mx]",
                      "S: [alice-mx]");
    cleanup(&cl, &sv);
    return rc;
}

int jr_relay(jr_world *w)
{
    smtp_cl cl;
    smtp_sv sv;
    memset(&sv, 0, sizeof sv);
    printf("==   queue: 1 message, %zu bytes, from <%s> to <%s>\n",
           w->queued.len, w->queued_from, w->queued_to);
    int rc = cl_new(&cl, "mx.alice.example", &w->queued, w->queued_from,
                    w->queued_to);
    if (rc == 0)
        rc = sv_new(&sv, w, 0);
    if (rc == 0)
        rc = converse(&cl, &sv, "C: [alice-mx \xE2\x86\x92 bob-mx]",
                      "S: [bob-mx]");
    cleanup(&cl, &sv);
    return rc;
}
