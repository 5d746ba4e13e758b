/* SMTP / LMTP client session: the RFC 5321 appendix D transcripts from the
 * client's side (exact bytes written, events), fed whole, byte by byte and
 * split at every offset; PIPELINING groups (RFC 2920), CHUNKING (RFC
 * 3030), LMTP per-recipient replies (RFC 2033), STARTTLS with injected
 * plaintext (CVE-2020-15953), every SASL mechanism the session can drive
 * with the published exchanges, SIZE / 8BITMIME / SMTPUTF8 refusals
 * before any byte, body normalisation (no smuggling sequence ever
 * written), bounded output, state errors, 421, caller storage and
 * allocation failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/smtp_client.h"

#define S(lit) lit, sizeof(lit) - 1

static mw_span cstr(const char *p)
{
    mw_span sp = {p, strlen(p)};
    return sp;
}

static mw_smtp_path path(const char *local, const char *domain)
{
    mw_smtp_path p;
    memset(&p, 0, sizeof(p));
    p.local = cstr(local);
    p.domain = cstr(domain);
    return p;
}

/* ------------------------------------------------------------------ */
/* Event log                                                           */
/* ------------------------------------------------------------------ */

static const char *event_name(uint32_t type)
{
    static const char *const names[] = {
        "?",        "GREETING",      "HELLO",
        "STARTTLS", "TLS_DISCARDED", "AUTH_CHALLENGE",
        "AUTH",     "MAIL",          "RCPT",
        "DATA",     "BDAT",          "MESSAGE",
        "RSET",     "NOOP",          "QUIT",
        "CLOSED",   "VRFY"};
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* "E RCPT 550 5.1.1 i1 +IT st=MW_E_AUTH" */
static void log_event(mw_buf *log, const mw_smtp_client_event *ev)
{
    char tmp[160];
    int n = snprintf(tmp, sizeof(tmp), "E %s", event_name(ev->type));
    if (ev->has_reply)
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, " %u",
                      (unsigned)ev->reply.code);
    if (ev->has_reply && ev->reply.has_enhanced)
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, " %u.%u.%u",
                      (unsigned)ev->reply.enhanced.cls,
                      (unsigned)ev->reply.enhanced.subject,
                      (unsigned)ev->reply.enhanced.detail);
    if (ev->type == MW_SMTP_CEV_RCPT || ev->type == MW_SMTP_CEV_BDAT ||
        (ev->type == MW_SMTP_CEV_MESSAGE && ev->index))
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, " i%u",
                      (unsigned)ev->index);
    if (ev->type == MW_SMTP_CEV_TLS_DISCARDED)
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, " %llu",
                      (unsigned long long)ev->discarded);
    if (ev->flags) {
        static const char letters[] = "IBTFHZ";
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, " +");
        for (unsigned b = 0; b < 6; b++)
            if (ev->flags & (1u << b))
                tmp[n++] = letters[b];
        tmp[n] = 0;
    }
    if (ev->status != MW_OK && ev->status != MW_E_PEER)
        n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, " st=%s",
                      mw_status_name(ev->status));
    snprintf(tmp + n, sizeof(tmp) - (size_t)n, "\n");
    mwt_log(log, tmp);
}

/* ------------------------------------------------------------------ */
/* A scripted client: reacts to events, logs events and written bytes   */
/* ------------------------------------------------------------------ */

typedef struct script {
    mw_smtp_client_config cfg;
    const mw_smtp_envelope *env;
    int txns;         /* transactions to send */
    const char *vrfy; /* VRFY argument before the transaction */
    const char *body; /* message body */
    size_t body_len;
    size_t body_step; /* bytes per body() call; 0: all */
    int no_quit;      /* do not QUIT at the end */
    int use_last;     /* end with mw_smtp_client_body_last() */
    int starttls;     /* STARTTLS when offered (handshake at once) */
    int auth_plain;   /* AUTH PLAIN user/pencil when offered */
    const mw_allocator *a;
    int init_in; /* place the session in caller storage */
} script;

typedef struct drv {
    const script *s;
    mw_smtp_client *c;
    void *mem;
    mw_buf *log;
    int txns_left;
    int vrfy_done;
    int quit_sent;
    int in_body;
    size_t body_pos;
    int ended;
    int tls_tried;
    mw_sasl *sasl;
    int auth_done;
} drv;

static mw_status drain(drv *d)
{
    size_t n = 0;
    const char *p = mw_smtp_client_output(d->c, &n);
    if (n == 0)
        return MW_OK;
    mw_status st = mw_buf_append_str(d->log, "C ");
    if (st == MW_OK)
        st = mw_buf_append(d->log, p, n);
    if (st != MW_OK)
        return st;
    return mw_smtp_client_output_done(d->c, n);
}

static mw_status continue_body(drv *d)
{
    while (d->in_body && d->body_pos < d->s->body_len) {
        size_t want = d->s->body_len - d->body_pos;
        if (d->s->body_step && want > d->s->body_step)
            want = d->s->body_step;
        int last = d->s->use_last && d->body_pos + want == d->s->body_len;
        size_t acc = 0;
        const char *p = d->s->body + d->body_pos;
        mw_status st = last ? mw_smtp_client_body_last(d->c, p, want, &acc)
                            : mw_smtp_client_body(d->c, p, want, &acc);
        if (st != MW_OK)
            return st;
        d->body_pos += acc;
        if (last && acc == want) {
            d->ended = 1;
            d->in_body = 0;
        }
        size_t pending = 0;
        (void)mw_smtp_client_output(d->c, &pending);
        if (acc == 0 && pending == 0)
            return MW_OK; /* a BDAT chunk awaits its reply */
        st = drain(d);
        if (st != MW_OK)
            return st;
    }
    if (d->in_body && !d->ended) {
        mw_status st = mw_smtp_client_body_end(d->c);
        if (st == MW_E_WOULDBLOCK)
            return MW_OK;
        if (st != MW_OK)
            return st;
        d->ended = 1;
        d->in_body = 0;
    }
    return drain(d);
}

static mw_status next_request(drv *d)
{
    const mw_smtp_caps *caps = mw_smtp_client_caps(d->c);
    if (d->s->starttls && !d->tls_tried && caps &&
        (caps->flags & MW_SMTP_CAP_STARTTLS)) {
        d->tls_tried = 1;
        return mw_smtp_client_starttls(d->c);
    }
    if (d->sasl && !d->auth_done && caps && (caps->flags & MW_SMTP_CAP_AUTH)) {
        d->auth_done = 1;
        return mw_smtp_client_auth(d->c, d->sasl);
    }
    if (d->s->vrfy && !d->vrfy_done) {
        d->vrfy_done = 1;
        return mw_smtp_client_vrfy(d->c, d->s->vrfy, strlen(d->s->vrfy));
    }
    if (d->txns_left > 0) {
        d->txns_left--;
        d->body_pos = 0;
        d->ended = 0;
        return mw_smtp_client_send(d->c, d->s->env);
    }
    if (!d->quit_sent && !d->s->no_quit) {
        d->quit_sent = 1;
        return mw_smtp_client_quit(d->c);
    }
    return MW_OK;
}

static mw_status react(drv *d, const mw_smtp_client_event *ev)
{
    mw_status st = MW_OK;
    if (ev->flags & MW_SMTP_CEVF_BODY) {
        d->in_body = 1;
    }
    if (ev->flags & MW_SMTP_CEVF_TXN_END)
        d->in_body = 0;
    if (d->in_body)
        return continue_body(d);
    if (mw_smtp_client_wants(d->c) & MW_WANT_TLS)
        st = mw_smtp_client_tls_done(d->c, 1); /* the handshake, at once */
    else if (ev->flags & MW_SMTP_CEVF_IDLE)
        st = next_request(d);
    if (st != MW_OK)
        return st;
    return drain(d);
}

static drv *drv_new(const script *s, mw_status *st_out)
{
    drv *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    d->s = s;
    d->txns_left = s->txns;
    mw_status st;
    if (s->init_in) {
        size_t n = mw_smtp_client_sizeof(&s->cfg);
        assert_true(n > 0);
        d->mem = malloc(n);
        assert_non_null(d->mem);
        st = mw_smtp_client_init_in(d->mem, n, &s->cfg, &d->c);
    } else {
        st = mw_smtp_client_new(&s->cfg, s->a, &d->c);
    }
    if (st == MW_OK && s->auth_plain) {
        mw_sasl_client_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.size = sizeof(sc);
        sc.mech = MW_SASL_PLAIN;
        sc.authcid = cstr("user");
        sc.password = cstr("pencil");
        st = mw_sasl_client_new(&sc, s->a, &d->sasl);
        if (st != MW_OK)
            mw_smtp_client_free(d->c);
    }
    if (st_out)
        *st_out = st;
    if (st != MW_OK) {
        free(d->mem);
        free(d);
        return NULL;
    }
    return d;
}

static void drv_free(drv *d)
{
    if (!d)
        return;
    mw_smtp_client_free(d->c);
    mw_sasl_free(d->sasl);
    free(d->mem);
    free(d);
}

/* Feed server bytes, logging and reacting to every event. */
static mw_status drv_feed(drv *d, const char *in, size_t len, mw_buf *log)
{
    d->log = log;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_smtp_client_event ev;
        mw_status st = mw_smtp_client_feed(d->c, in ? in + off : in, len - off,
                                           &used, &ev);
        off += used;
        if (st == MW_NEED_MORE)
            return MW_OK;
        if (st != MW_OK)
            return st;
        log_event(log, &ev);
        st = react(d, &ev);
        if (st != MW_OK)
            return st;
    }
}

/* mwt_stream_ops over the scripted client. */
static void *ops_create(const void *cfg)
{
    return drv_new(cfg, NULL);
}

static mw_status ops_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    return drv_feed(state, in, len, log);
}

static mw_status ops_finish(void *state, mw_buf *log)
{
    drv *d = state;
    char tmp[64];
    unsigned wants = mw_smtp_client_wants(d->c);
    snprintf(tmp, sizeof(tmp), "W %x EOF %s\n", wants,
             mw_status_name(mw_smtp_client_eof(d->c)));
    mwt_log(log, tmp);
    return MW_OK;
}

static void ops_destroy(void *state)
{
    drv_free(state);
}

static const mwt_stream_ops client_ops = {ops_create, ops_update, ops_finish,
                                          ops_destroy};

/* Run \p server through the script whole, byte by byte and split at every
 * offset, and compare the log with \p want. */
static void run_transcript(const script *s, const char *server,
                           const char *want)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&client_ops, s, server, strlen(server), &log);
    mwt_assert_bytes("transcript log", log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

static void script_init(script *s, const char *helo)
{
    memset(s, 0, sizeof(*s));
    s->cfg.size = sizeof(s->cfg);
    s->cfg.helo = cstr(helo);
}

/* ------------------------------------------------------------------ */
/* RFC 5321 appendix D                                                 */
/* ------------------------------------------------------------------ */

static const char d1_server[] =
    "220 foo.com Simple Mail Transfer Service Ready\r\n"
    "250-foo.com greets bar.com\r\n"
    "250-8BITMIME\r\n"
    "250-SIZE\r\n"
    "250-DSN\r\n"
    "250 HELP\r\n"
    "250 OK\r\n"
    "250 OK\r\n"
    "550 No such user here\r\n"
    "250 OK\r\n"
    "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
    "250 OK\r\n"
    "221 foo.com Service closing transmission channel\r\n";

static void test_rfc5321_d1_typical(void **state)
{
    (void)state;
    mw_smtp_rcpt r[3];
    memset(r, 0, sizeof(r));
    r[0].path = path("Jones", "foo.com");
    r[1].path = path("Green", "foo.com");
    r[2].path = path("Brown", "foo.com");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("Smith", "bar.com");
    env.rcpts = r;
    env.n_rcpts = 3;
    script s;
    script_init(&s, "bar.com");
    s.env = &env;
    s.txns = 1;
    /* The RFC shows the wire: its "...etc." line is "..etc." stuffed. */
    s.body = "Blah blah blah...\r\n..etc. etc. etc.\r\n";
    s.body_len = strlen(s.body);
    run_transcript(&s, d1_server,
                   "E GREETING 220\n"
                   "C EHLO bar.com\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<Smith@bar.com>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<Jones@foo.com>\r\n"
                   "E RCPT 250 i0\n"
                   "C RCPT TO:<Green@foo.com>\r\n"
                   "E RCPT 550 i1\n"
                   "C RCPT TO:<Brown@foo.com>\r\n"
                   "E RCPT 250 i2\n"
                   "C DATA\r\n"
                   "E DATA 354 +B\n"
                   "C Blah blah blah...\r\n...etc. etc. etc.\r\n"
                   "C .\r\n"
                   "E MESSAGE 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_rfc5321_d1_caps_and_reply_text(void **state)
{
    (void)state;
    mw_smtp_client *c = NULL;
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.helo = cstr("bar.com");
    assert_int_equal(mw_smtp_client_new(&cfg, NULL, &c), MW_OK);
    assert_null(mw_smtp_client_caps(c));
    assert_int_equal(mw_smtp_client_wants(c), MW_WANT_READ);
    size_t used;
    mw_smtp_client_event ev;
    const char *in = d1_server;
    assert_int_equal(mw_smtp_client_feed(c, in, strlen(in), &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_SMTP_CEV_GREETING);
    assert_int_equal(used, strlen("220 foo.com Simple Mail Transfer Service "
                                  "Ready\r\n"));
    mwt_assert_bytes("greeting", ev.reply.lines[0].ptr, ev.reply.lines[0].len,
                     S("foo.com Simple Mail Transfer Service Ready"));
    assert_int_equal(mw_smtp_client_wants(c), MW_WANT_READ | MW_WANT_WRITE);
    in += used;
    assert_int_equal(mw_smtp_client_feed(c, in, strlen(in), &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_SMTP_CEV_HELLO);
    assert_int_equal(ev.verb, MW_SMTP_VERB_EHLO);
    assert_int_equal(ev.reply.n_lines, 5);
    mwt_assert_bytes("line 4", ev.reply.lines[4].ptr, ev.reply.lines[4].len,
                     S("HELP"));
    const mw_smtp_caps *caps = mw_smtp_client_caps(c);
    assert_non_null(caps);
    assert_int_equal(caps->flags,
                     MW_SMTP_CAP_8BITMIME | MW_SMTP_CAP_SIZE | MW_SMTP_CAP_DSN);
    mwt_assert_bytes("domain", caps->domain.ptr, caps->domain.len,
                     S("foo.com"));
    /* A NOOP's reply replaces the parser's storage; the caps survive. */
    assert_int_equal(mw_smtp_client_noop(c), MW_OK);
    assert_int_equal(mw_smtp_client_feed(c, S("250 2.0.0 Ok\r\n"), &used, &ev),
                     MW_OK);
    assert_int_equal(ev.type, MW_SMTP_CEV_NOOP);
    assert_int_equal(ev.reply.has_enhanced, 1);
    assert_int_equal(ev.reply.enhanced.subject, 0);
    mwt_assert_bytes("noop text", ev.reply.lines[0].ptr, ev.reply.lines[0].len,
                     S("Ok"));
    caps = mw_smtp_client_caps(c);
    mwt_assert_bytes("domain again", caps->domain.ptr, caps->domain.len,
                     S("foo.com"));
    mw_smtp_client_free(c);
}

static void test_rfc5321_d2_aborted(void **state)
{
    (void)state;
    mw_smtp_rcpt r[2];
    memset(r, 0, sizeof(r));
    r[0].path = path("Jones", "foo.com");
    r[1].path = path("Green", "foo.com");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("Smith", "bar.com");
    env.rcpts = r;
    env.n_rcpts = 2;
    /* The client of D.2 gives up when one recipient is refused. */
    env.flags = MW_SMTP_ENV_ALL_RCPTS;
    script s;
    script_init(&s, "bar.com");
    s.env = &env;
    s.txns = 1;
    run_transcript(&s,
                   "220 foo.com Simple Mail Transfer Service Ready\r\n"
                   "250 foo.com greets bar.com\r\n"
                   "250 OK\r\n"
                   "250 OK\r\n"
                   "550 No such user here\r\n"
                   "250 OK\r\n"
                   "221 foo.com Service closing transmission channel\r\n",
                   "E GREETING 220\n"
                   "C EHLO bar.com\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<Smith@bar.com>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<Jones@foo.com>\r\n"
                   "E RCPT 250 i0\n"
                   "C RCPT TO:<Green@foo.com>\r\n"
                   "E RCPT 550 i1 +F\n"
                   "C RSET\r\n"
                   "E RSET 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_rfc5321_d3_relayed(void **state)
{
    (void)state;
    mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("Jones", "XYZ.COM");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("JQP", "bar.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    script s;
    script_init(&s, "bar.com");
    s.env = &env;
    s.txns = 1;
    s.body = "Date: Thu, 21 May 1998 05:33:29 -0700\r\n"
             "From: John Q. Public <JQP@bar.com>\r\n"
             "Subject: The Next Meeting of the Board\r\n"
             "To: Jones@xyz.com\r\n"
             "\r\n"
             "Bill:\r\n"
             "The next meeting of the board of directors will be\r\n"
             "on Tuesday.\r\n"
             "John.\r\n";
    s.body_len = strlen(s.body);
    mw_buf want;
    mw_buf_init_growable(&want, NULL, 0);
    mwt_log(&want, "E GREETING 220\n"
                   "C EHLO bar.com\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<JQP@bar.com>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<Jones@XYZ.COM>\r\n"
                   "E RCPT 250 i0\n"
                   "C DATA\r\n"
                   "E DATA 354 +B\n"
                   "C ");
    mwt_log(&want, s.body);
    mwt_log(&want, "C .\r\n"
                   "E MESSAGE 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
    assert_int_equal(mw_buf_append_byte(&want, 0), MW_OK);
    run_transcript(&s,
                   "220 foo.com Simple Mail Transfer Service Ready\r\n"
                   "250-foo.com greets bar.com\r\n"
                   "250-8BITMIME\r\n"
                   "250-SIZE\r\n"
                   "250-DSN\r\n"
                   "250 HELP\r\n"
                   "250 OK\r\n"
                   "250 OK\r\n"
                   "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
                   "250 OK\r\n"
                   "221 foo.com Service closing transmission channel\r\n",
                   want.data);
    mw_buf_free(&want);
}

static void test_rfc5321_d4_verifying(void **state)
{
    (void)state;
    mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("Admin.MRC", "foo.com");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("EAK", "bar.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    script s;
    script_init(&s, "bar.com");
    s.env = &env;
    s.txns = 1;
    s.vrfy = "Crispin";
    /* The RFC shows the wire: its "...etc." line is "..etc." stuffed. */
    s.body = "Blah blah blah...\r\n..etc. etc. etc.\r\n";
    s.body_len = strlen(s.body);
    /* The RFC's client uses the obsolete SEND; mailwire sends MAIL. */
    run_transcript(&s,
                   "220 foo.com Simple Mail Transfer Service Ready\r\n"
                   "250-foo.com greets bar.com\r\n"
                   "250-8BITMIME\r\n"
                   "250-SIZE\r\n"
                   "250-DSN\r\n"
                   "250-VRFY\r\n"
                   "250 HELP\r\n"
                   "250 Mark Crispin <Admin.MRC@foo.com>\r\n"
                   "250 OK\r\n"
                   "250 OK\r\n"
                   "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
                   "250 OK\r\n"
                   "221 foo.com Service closing transmission channel\r\n",
                   "E GREETING 220\n"
                   "C EHLO bar.com\r\n"
                   "E HELLO 250 +I\n"
                   "C VRFY Crispin\r\n"
                   "E VRFY 250 +I\n"
                   "C MAIL FROM:<EAK@bar.com>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<Admin.MRC@foo.com>\r\n"
                   "E RCPT 250 i0\n"
                   "C DATA\r\n"
                   "E DATA 354 +B\n"
                   "C Blah blah blah...\r\n...etc. etc. etc.\r\n"
                   "C .\r\n"
                   "E MESSAGE 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

/* ------------------------------------------------------------------ */
/* Pipelining, chunking, LMTP                                          */
/* ------------------------------------------------------------------ */

static mw_smtp_rcpt two_rcpts[2];
static mw_smtp_envelope two_env;

static const mw_smtp_envelope *make_two(void)
{
    memset(two_rcpts, 0, sizeof(two_rcpts));
    two_rcpts[0].path = path("a", "example.org");
    two_rcpts[1].path = path("b", "example.org");
    memset(&two_env, 0, sizeof(two_env));
    two_env.from = path("s", "example.com");
    two_env.rcpts = two_rcpts;
    two_env.n_rcpts = 2;
    return &two_env;
}

static void test_pipelining_group(void **state)
{
    (void)state;
    script s;
    script_init(&s, "client.example");
    s.env = make_two();
    s.txns = 1;
    s.body = "Subject: x\r\n\r\nhi\r\n";
    s.body_len = strlen(s.body);
    /* RFC 2920 3.1: MAIL, the RCPTs and DATA go as one group; the
     * replies are matched in order, even all in one read. */
    run_transcript(&s,
                   "220 mx ESMTP\r\n"
                   "250-mx\r\n250 PIPELINING\r\n"
                   "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n"
                   "354 Go ahead\r\n"
                   "250 2.0.0 Queued\r\n"
                   "221 2.0.0 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO client.example\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "RCPT TO:<a@example.org>\r\n"
                   "RCPT TO:<b@example.org>\r\n"
                   "DATA\r\n"
                   "E MAIL 250 2.1.0\n"
                   "E RCPT 250 2.1.5 i0\n"
                   "E RCPT 550 5.1.1 i1\n"
                   "E DATA 354 +B\n"
                   "C Subject: x\r\n\r\nhi\r\n"
                   "C .\r\n"
                   "E MESSAGE 250 2.0.0 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221 2.0.0\n"
                   "W 8 EOF MW_OK\n");
}

static void test_pipelining_no_recipient_data_refused(void **state)
{
    (void)state;
    script s;
    script_init(&s, "client.example");
    s.env = make_two();
    s.txns = 1;
    s.body = "x\r\n";
    s.body_len = 3;
    /* All RCPTs refused: DATA gets 554 (RFC 2920 3.1), the session sends
     * RSET and the transaction ends with its reply. */
    run_transcript(&s,
                   "220 mx ESMTP\r\n"
                   "250-mx\r\n250 PIPELINING\r\n"
                   "250 Ok\r\n550 no\r\n550 no\r\n554 No valid recipients\r\n"
                   "250 Flushed\r\n221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO client.example\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "RCPT TO:<a@example.org>\r\n"
                   "RCPT TO:<b@example.org>\r\n"
                   "DATA\r\n"
                   "E MAIL 250\n"
                   "E RCPT 550 i0\n"
                   "E RCPT 550 i1\n"
                   "E DATA 554 +F\n"
                   "C RSET\r\n"
                   "E RSET 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
    /* A server that answers 503 to DATA is handled the same way, and one
     * that answers 354 anyway gets an empty message, never the body. */
    run_transcript(&s,
                   "220 mx ESMTP\r\n"
                   "250-mx\r\n250 PIPELINING\r\n"
                   "250 Ok\r\n550 no\r\n550 no\r\n354 go\r\n"
                   "554 no valid recipients\r\n221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO client.example\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "RCPT TO:<a@example.org>\r\n"
                   "RCPT TO:<b@example.org>\r\n"
                   "DATA\r\n"
                   "E MAIL 250\n"
                   "E RCPT 550 i0\n"
                   "E RCPT 550 i1\n"
                   "E DATA 354 +FZ\n"
                   "C .\r\n"
                   "E MESSAGE 554 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_no_recipient_without_pipelining(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    s.env = make_two();
    s.txns = 1;
    run_transcript(&s,
                   "220 mx\r\n250 mx\r\n250 Ok\r\n550 no\r\n551 no\r\n"
                   "250 Ok\r\n221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<a@example.org>\r\n"
                   "E RCPT 550 i0\n"
                   "C RCPT TO:<b@example.org>\r\n"
                   "E RCPT 551 i1 +F\n"
                   "C RSET\r\n"
                   "E RSET 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
    /* MAIL refused: nothing else is sent, no RSET needed. */
    run_transcript(&s,
                   "220 mx\r\n250 mx\r\n550 5.7.1 Sender refused\r\n"
                   "221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "E MAIL 550 5.7.1 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_chunking_bdat(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    s.cfg.flags = MW_SMTP_CLIENT_CHUNKING;
    s.env = make_two();
    s.txns = 1;
    /* BDAT sends the bytes as they are: no stuffing. */
    s.body = ".a\r\nb\r\n";
    s.body_len = strlen(s.body);
    s.body_step = 4;
    run_transcript(&s,
                   "220 mx\r\n250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n"
                   "250 Ok\r\n250 Ok\r\n250 Ok\r\n"
                   "250 2.0.0 4 octets\r\n250 2.0.0 3 octets\r\n"
                   "250 2.0.0 Message accepted\r\n221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "RCPT TO:<a@example.org>\r\n"
                   "RCPT TO:<b@example.org>\r\n"
                   "E MAIL 250\n"
                   "E RCPT 250 i0\n"
                   "E RCPT 250 i1 +B\n"
                   "C BDAT 4\r\n.a\r\n"
                   "C BDAT 3\r\nb\r\n"
                   "C BDAT 0 LAST\r\n"
                   "E BDAT 250 2.0.0 i0\n"
                   "E BDAT 250 2.0.0 i1\n"
                   "E MESSAGE 250 2.0.0 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_chunking_without_pipelining_waits(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    s.cfg.flags = MW_SMTP_CLIENT_CHUNKING;
    static mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("a", "example.org");
    static mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("s", "example.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    env.body = MW_SMTP_BODY_BINARYMIME;
    s.env = &env;
    s.txns = 1;
    s.body = "ab\rc\n"; /* binary: a bare CR goes as it is */
    s.body_len = 5;
    s.body_step = 3;
    /* RFC 3030 4.2: without PIPELINING each chunk waits for its reply. */
    run_transcript(&s,
                   "220 mx\r\n250-mx\r\n250-CHUNKING\r\n250-8BITMIME\r\n"
                   "250 BINARYMIME\r\n250 Ok\r\n250 Ok\r\n"
                   "250 3 octets\r\n250 2 octets\r\n250 accepted\r\n"
                   "221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com> BODY=BINARYMIME\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<a@example.org>\r\n"
                   "E RCPT 250 i0 +B\n"
                   "C BDAT 3\r\nab\r"
                   "E BDAT 250 i0 +B\n"
                   "C BDAT 2\r\nc\n"
                   "E BDAT 250 i1 +B\n"
                   "C BDAT 0 LAST\r\n"
                   "E MESSAGE 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_lmtp_per_recipient_replies(void **state)
{
    (void)state;
    static mw_smtp_rcpt r[3];
    memset(r, 0, sizeof(r));
    r[0].path = path("a", "example.org");
    r[1].path = path("b", "example.org");
    r[2].path = path("c", "example.org");
    static mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("s", "example.com");
    env.rcpts = r;
    env.n_rcpts = 3;
    script s;
    script_init(&s, "lmtp.example");
    s.cfg.flags = MW_SMTP_CLIENT_LMTP;
    s.env = &env;
    s.txns = 1;
    s.body = "x\r\n";
    s.body_len = 3;
    /* RFC 2033 4.2: one reply per accepted recipient, in order: here
     * recipients 0 and 2 (1 was refused). */
    run_transcript(
        &s,
        "220 dovecot LMTP ready\r\n"
        "250-dovecot\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
        "250 2.1.0 OK\r\n250 2.1.5 OK\r\n550 5.1.1 unknown\r\n"
        "250 2.1.5 OK\r\n354 OK\r\n"
        "250 2.0.0 <a@example.org> Saved\r\n"
        "452 4.2.2 <c@example.org> Mailbox full\r\n"
        "221 2.0.0 Bye\r\n",
        "E GREETING 220\n"
        "C LHLO lmtp.example\r\n"
        "E HELLO 250 +I\n"
        "C MAIL FROM:<s@example.com>\r\n"
        "RCPT TO:<a@example.org>\r\n"
        "RCPT TO:<b@example.org>\r\n"
        "RCPT TO:<c@example.org>\r\n"
        "DATA\r\n"
        "E MAIL 250 2.1.0\n"
        "E RCPT 250 2.1.5 i0\n"
        "E RCPT 550 5.1.1 i1\n"
        "E RCPT 250 2.1.5 i2\n"
        "E DATA 354 +B\n"
        "C x\r\n"
        "C .\r\n"
        "E MESSAGE 250 2.0.0\n"
        "E MESSAGE 452 4.2.2 i2 +IT\n"
        "C QUIT\r\n"
        "E QUIT 221 2.0.0\n"
        "W 8 EOF MW_OK\n");
}

static void test_two_transactions(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    static mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("a", "example.org");
    static mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from.flags = MW_SMTP_PATH_NULL;
    env.rcpts = &r;
    env.n_rcpts = 1;
    s.env = &env;
    s.txns = 2;
    s.body = "y";
    s.body_len = 1;
    run_transcript(&s,
                   "220 mx\r\n250 mx\r\n250 Ok\r\n250 Ok\r\n354 go\r\n"
                   "250 one\r\n250 Ok\r\n250 Ok\r\n354 go\r\n250 two\r\n"
                   "221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<a@example.org>\r\n"
                   "E RCPT 250 i0\n"
                   "C DATA\r\n"
                   "E DATA 354 +B\n"
                   "C y"
                   "C \r\n.\r\n"
                   "E MESSAGE 250 +IT\n"
                   "C MAIL FROM:<>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<a@example.org>\r\n"
                   "E RCPT 250 i0\n"
                   "C DATA\r\n"
                   "E DATA 354 +B\n"
                   "C y"
                   "C \r\n.\r\n"
                   "E MESSAGE 250 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

/* ------------------------------------------------------------------ */
/* Greeting, hello, 421                                                */
/* ------------------------------------------------------------------ */

static void test_greeting_554_sends_quit(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    run_transcript(&s, "554 5.7.1 No SMTP service here\r\n221 Bye\r\n",
                   "E GREETING 554 5.7.1 +F\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_ehlo_fallback_to_helo(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c.example");
    s.env = make_two();
    s.txns = 0;
    run_transcript(&s,
                   "220 old\r\n502 Command not implemented\r\n250 old\r\n"
                   "221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c.example\r\n"
                   "E HELLO 502 +H\n"
                   "C HELO c.example\r\n"
                   "E HELLO 250 +I\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
    /* HELO refused too: only QUIT is left. */
    run_transcript(&s, "220 old\r\n500 what\r\n550 no\r\n221 Bye\r\n",
                   "E GREETING 220\n"
                   "C EHLO c.example\r\n"
                   "E HELLO 500 +H\n"
                   "C HELO c.example\r\n"
                   "E HELLO 550 +I\n"
                   "C QUIT\r\n"
                   "E QUIT 221\n"
                   "W 8 EOF MW_OK\n");
}

static void test_421_closes_anywhere(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    s.env = make_two();
    s.txns = 1;
    run_transcript(&s,
                   "220 mx\r\n250 mx\r\n250 Ok\r\n"
                   "421 4.4.2 mx Error: timeout exceeded\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "E MAIL 250\n"
                   "C RCPT TO:<a@example.org>\r\n"
                   "E CLOSED 421 4.4.2 +TF\n"
                   "W 8 EOF MW_OK\n");
    run_transcript(&s, "421 busy\r\n", "E CLOSED 421 +F\nW 8 EOF MW_OK\n");
}

static void test_eof_unexpected(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    s.no_quit = 1;
    run_transcript(&s, "220 mx\r\n250 mx\r\n",
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "W 1 EOF MW_E_CLOSED\n");
}

static void test_malformed_and_unsolicited_replies(void **state)
{
    (void)state;
    script s;
    script_init(&s, "c");
    s.no_quit = 1;
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    drv *d = drv_new(&s, NULL);
    assert_int_equal(drv_feed(d, S("220 mx\r\n250 mx\r\n"), &log), MW_OK);
    /* Nothing was asked: a reply now is a protocol violation. */
    assert_int_equal(drv_feed(d, S("250 surprise\r\n"), &log), MW_E_SYNTAX);
    assert_int_equal(mw_smtp_client_wants(d->c), MW_WANT_CLOSE);
    assert_int_equal(mw_smtp_client_noop(d->c), MW_E_STATE);
    drv_free(d);
    mw_buf_clear(&log);
    d = drv_new(&s, NULL);
    assert_int_equal(drv_feed(d, S("22x mx\r\n"), &log), MW_E_SYNTAX);
    drv_free(d);
    d = drv_new(&s, NULL);
    /* A bare LF does not end a reply line: it is a syntax error. */
    assert_int_equal(drv_feed(d, S("220 mx\n250 x\r\n"), &log), MW_E_SYNTAX);
    drv_free(d);
    mw_buf_free(&log);
}

/* ------------------------------------------------------------------ */
/* Step-by-step helpers                                                */
/* ------------------------------------------------------------------ */

static mw_smtp_client *new_client(uint32_t flags)
{
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags;
    cfg.helo = cstr("c.example");
    mw_smtp_client *c = NULL;
    assert_int_equal(mw_smtp_client_new(&cfg, NULL, &c), MW_OK);
    return c;
}

/* Feed \p text, which must hold exactly one reply, and return its event. */
static mw_smtp_client_event one(mw_smtp_client *c, const char *text)
{
    mw_smtp_client_event ev;
    size_t used = 0, len = strlen(text);
    mw_status st = mw_smtp_client_feed(c, text, len, &used, &ev);
    if (st != MW_OK || used != len)
        fail_msg("feeding '%s': %s, used %zu of %zu", text, mw_status_name(st),
                 used, len);
    return ev;
}

/* Take all pending output and compare it with \p want. */
static void wrote(mw_smtp_client *c, const char *want)
{
    size_t n = 0;
    const char *p = mw_smtp_client_output(c, &n);
    mwt_assert_bytes("client output", p, n, want, strlen(want));
    assert_int_equal(mw_smtp_client_output_done(c, n), MW_OK);
}

static void nothing_written(mw_smtp_client *c)
{
    size_t n = 9;
    assert_null(mw_smtp_client_output(c, &n));
    assert_int_equal(n, 0);
}

/* Greeting and EHLO with the given capability lines. */
static mw_smtp_client *ready_client(uint32_t flags, const char *ehlo_reply)
{
    mw_smtp_client *c = new_client(flags);
    one(c, "220 mx ESMTP\r\n");
    wrote(c, (flags & MW_SMTP_CLIENT_LMTP) ? "LHLO c.example\r\n"
                                           : "EHLO c.example\r\n");
    mw_smtp_client_event ev = one(c, ehlo_reply);
    assert_int_equal(ev.type, MW_SMTP_CEV_HELLO);
    assert_true(ev.flags & MW_SMTP_CEVF_IDLE);
    return c;
}

static void b64(const char *in, size_t len, char *out, size_t cap)
{
    mw_buf b;
    mw_buf_init_fixed(&b, out, cap - 1);
    mw_b64_encoder e;
    mw_b64_encoder_init(&e, 0);
    assert_int_equal(mw_b64_encode_update(&e, in, len, &b), MW_OK);
    assert_int_equal(mw_b64_encode_final(&e, &b), MW_OK);
    out[b.len] = 0;
}

/* ------------------------------------------------------------------ */
/* STARTTLS                                                            */
/* ------------------------------------------------------------------ */

/* PEERS.md section 3 item 2: libetpan accepted a response the server had
 * pipelined before the TLS handshake as if it came over TLS
 * (CVE-2020-15953, dinhvh/libetpan #386). Everything after the 220 and
 * before the handshake must be dropped and reported. */
static void test_cve_2020_15953_starttls_injection(void **state)
{
    (void)state;
    mw_smtp_client *c =
        ready_client(0, "250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
    assert_int_equal(mw_smtp_client_starttls(c), MW_OK);
    wrote(c, "STARTTLS\r\n");
    static const char in[] = "220 2.0.0 Ready to start TLS\r\n"
                             "250-evil\r\n250 AUTH PLAIN LOGIN\r\n";
    size_t used = 0;
    mw_smtp_client_event ev;
    assert_int_equal(mw_smtp_client_feed(c, S(in), &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_SMTP_CEV_STARTTLS);
    assert_int_equal(ev.reply.code, 220);
    assert_int_equal(used, strlen("220 2.0.0 Ready to start TLS\r\n"));
    assert_int_equal(mw_smtp_client_wants(c), MW_WANT_TLS);
    /* No request during the handshake. */
    assert_int_equal(mw_smtp_client_noop(c), MW_E_STATE);
    /* The transport feeds what it already read: dropped, fed in pieces. */
    size_t rest = sizeof(in) - 1 - used, used2 = 0;
    assert_int_equal(mw_smtp_client_feed(c, in + used, 5, &used2, &ev),
                     MW_NEED_MORE);
    assert_int_equal(used2, 5);
    assert_int_equal(
        mw_smtp_client_feed(c, in + used + 5, rest - 5, &used2, &ev),
        MW_NEED_MORE);
    assert_int_equal(mw_smtp_client_tls_done(c, 1), MW_OK);
    assert_true(mw_smtp_client_is_tls(c));
    assert_null(mw_smtp_client_caps(c)); /* the plaintext caps are gone */
    wrote(c, "EHLO c.example\r\n");
    /* The report comes first, then the real EHLO reply over TLS. */
    static const char tls_in[] = "250-mx\r\n250 AUTH PLAIN\r\n";
    assert_int_equal(mw_smtp_client_feed(c, S(tls_in), &used, &ev), MW_OK);
    assert_int_equal(used, 0);
    assert_int_equal(ev.type, MW_SMTP_CEV_TLS_DISCARDED);
    assert_int_equal(ev.discarded, rest);
    assert_int_equal(ev.has_reply, 0);
    ev = one(c, tls_in);
    assert_int_equal(ev.type, MW_SMTP_CEV_HELLO);
    const mw_smtp_caps *caps = mw_smtp_client_caps(c);
    assert_non_null(caps);
    assert_int_equal(caps->auth, MW_SMTP_AUTH_PLAIN);
    assert_int_equal(caps->flags & MW_SMTP_CAP_STARTTLS, 0);
    assert_int_equal(mw_smtp_client_starttls(c), MW_E_STATE);
    mw_smtp_client_free(c);
}

static void test_starttls_refused_and_failed(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250 mx\r\n");
    assert_int_equal(mw_smtp_client_starttls(c), MW_E_UNSUPPORTED);
    nothing_written(c);
    assert_int_equal(mw_smtp_client_tls_done(c, 1), MW_E_STATE);
    mw_smtp_client_free(c);

    c = ready_client(0, "250-mx\r\n250 STARTTLS\r\n");
    assert_int_equal(mw_smtp_client_starttls(c), MW_OK);
    wrote(c, "STARTTLS\r\n");
    mw_smtp_client_event ev = one(c, "454 4.7.0 TLS not available\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_STARTTLS);
    assert_int_equal(ev.status, MW_E_PEER);
    assert_true(ev.flags & MW_SMTP_CEVF_IDLE);
    assert_false(mw_smtp_client_is_tls(c));
    assert_int_equal(mw_smtp_client_starttls(c), MW_OK);
    wrote(c, "STARTTLS\r\n");
    one(c, "220 go\r\n");
    /* No injected bytes: no report. */
    assert_int_equal(mw_smtp_client_tls_done(c, 0), MW_OK);
    assert_int_equal(mw_smtp_client_wants(c), MW_WANT_CLOSE);
    mw_smtp_client_free(c);
}

/* ------------------------------------------------------------------ */
/* AUTH                                                                */
/* ------------------------------------------------------------------ */

static mw_sasl *sasl_client(uint32_t mech, const char *user, const char *pass,
                            const char *nonce)
{
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = mech;
    cfg.authcid = cstr(user);
    cfg.password = cstr(pass);
    if (nonce) {
        cfg.flags = MW_SASL_NONCE_VERBATIM;
        cfg.random = cstr(nonce);
    }
    mw_sasl *s = NULL;
    assert_int_equal(mw_sasl_client_new(&cfg, NULL, &s), MW_OK);
    return s;
}

static void test_auth_plain_initial_response(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 AUTH LOGIN PLAIN\r\n");
    mw_sasl *s = sasl_client(MW_SASL_PLAIN, "tim", "tanstaaftanstaaf", NULL);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    assert_false(mw_smtp_client_idle(c));
    /* RFC 4616: "\0tim\0tanstaaftanstaaf". */
    wrote(c, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    mw_smtp_client_event ev = one(c, "235 2.7.0 Authentication successful\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH);
    assert_int_equal(ev.status, MW_OK);
    assert_true(ev.flags & MW_SMTP_CEVF_IDLE);
    mw_sasl_free(s);
    /* A mechanism the server does not offer. */
    s = sasl_client(MW_SASL_CRAM_MD5, "tim", "x", NULL);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_E_UNSUPPORTED);
    nothing_written(c);
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

static void test_auth_login_challenges_and_535(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 AUTH LOGIN\r\n");
    mw_sasl *s = sasl_client(MW_SASL_LOGIN, "tim", "secret", NULL);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    wrote(c, "AUTH LOGIN\r\n");
    mw_smtp_client_event ev = one(c, "334 VXNlcm5hbWU6\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH_CHALLENGE);
    wrote(c, "dGlt\r\n");
    ev = one(c, "334 UGFzc3dvcmQ6\r\n");
    wrote(c, "c2VjcmV0\r\n");
    ev = one(c, "535 5.7.8 Authentication credentials invalid\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH);
    assert_int_equal(ev.status, MW_E_AUTH);
    assert_int_equal(ev.reply.enhanced.detail, 8);
    assert_true(ev.flags & MW_SMTP_CEVF_IDLE);
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

static void test_auth_cram_md5_rfc2195(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 AUTH CRAM-MD5\r\n");
    mw_sasl *s = sasl_client(MW_SASL_CRAM_MD5, "tim", "tanstaaftanstaaf", NULL);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    wrote(c, "AUTH CRAM-MD5\r\n");
    char chal[128], resp[128], want[140];
    b64(S("<1896.697170952@postoffice.reston.mci.net>"), chal, sizeof(chal));
    char line[160];
    snprintf(line, sizeof(line), "334 %s\r\n", chal);
    one(c, line);
    b64(S("tim b913a602c7eda7a495b4e6e7334d3890"), resp, sizeof(resp));
    snprintf(want, sizeof(want), "%s\r\n", resp);
    wrote(c, want);
    mw_smtp_client_event ev = one(c, "235 Authentication successful\r\n");
    assert_int_equal(ev.status, MW_OK);
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

#define R7677_NONCE "rOprNGfwEbeRWgbNEkqO"
#define R7677_SERVER_FIRST                                                     \
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"                    \
    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define R7677_CLIENT_FINAL                                                     \
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"             \
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define R7677_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* The RFC 7677 section 3 exchange up to the client-final message. */
static mw_smtp_client *scram_to_final(mw_sasl **s_out)
{
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 AUTH SCRAM-SHA-256\r\n");
    mw_sasl *s =
        sasl_client(MW_SASL_SCRAM_SHA_256, "user", "pencil", R7677_NONCE);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    char enc[256], line[300];
    b64(S("n,,n=user,r=" R7677_NONCE), enc, sizeof(enc));
    snprintf(line, sizeof(line), "AUTH SCRAM-SHA-256 %s\r\n", enc);
    wrote(c, line);
    b64(S(R7677_SERVER_FIRST), enc, sizeof(enc));
    snprintf(line, sizeof(line), "334 %s\r\n", enc);
    one(c, line);
    b64(S(R7677_CLIENT_FINAL), enc, sizeof(enc));
    snprintf(line, sizeof(line), "%s\r\n", enc);
    wrote(c, line);
    *s_out = s;
    return c;
}

static void test_auth_scram_sha256_rfc7677(void **state)
{
    (void)state;
    mw_sasl *s;
    mw_smtp_client *c = scram_to_final(&s);
    char enc[256], line[300];
    b64(S(R7677_SERVER_FINAL), enc, sizeof(enc));
    snprintf(line, sizeof(line), "334 %s\r\n", enc);
    one(c, line);
    wrote(c, "\r\n"); /* the empty response to the server-final message */
    mw_smtp_client_event ev = one(c, "235 2.7.0 Authentication successful\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH);
    assert_int_equal(ev.status, MW_OK);
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

static void test_auth_scram_bad_server_signature(void **state)
{
    (void)state;
    mw_sasl *s;
    mw_smtp_client *c = scram_to_final(&s);
    char enc[256], line[300];
    b64(S("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), enc, sizeof(enc));
    snprintf(line, sizeof(line), "334 %s\r\n", enc);
    mw_smtp_client_event ev = one(c, line);
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH_CHALLENGE);
    assert_int_equal(ev.status, MW_E_AUTH);
    assert_true(ev.flags & MW_SMTP_CEVF_FAILED);
    wrote(c, "*\r\n"); /* RFC 4954: cancel */
    ev = one(c, "501 5.7.0 Authentication cancelled\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH);
    assert_int_equal(ev.status, MW_E_AUTH);
    mw_sasl_free(s);
    mw_smtp_client_free(c);

    /* A server that says 235 without proving it knows the password is
     * not believed: the session leaves. */
    c = scram_to_final(&s);
    ev = one(c, "235 2.7.0 Authentication successful\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_AUTH);
    assert_int_equal(ev.status, MW_E_AUTH);
    assert_true(ev.flags & MW_SMTP_CEVF_FAILED);
    wrote(c, "QUIT\r\n");
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

static void test_auth_bad_challenge_cancels(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 AUTH LOGIN\r\n");
    mw_sasl *s = sasl_client(MW_SASL_LOGIN, "tim", "secret", NULL);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    wrote(c, "AUTH LOGIN\r\n");
    mw_smtp_client_event ev = one(c, "334 not*base64\r\n");
    assert_int_equal(ev.status, MW_E_SYNTAX);
    wrote(c, "*\r\n");
    ev = one(c, "501 cancelled\r\n");
    assert_int_equal(ev.status, MW_E_SYNTAX);
    assert_true(ev.flags & MW_SMTP_CEVF_IDLE);
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

static void test_auth_xoauth2_error_and_external(void **state)
{
    (void)state;
    mw_smtp_client *c =
        ready_client(0, "250-mx\r\n250 AUTH XOAUTH2 EXTERNAL\r\n");
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = MW_SASL_XOAUTH2;
    cfg.authcid = cstr("someuser@example.com");
    cfg.token = cstr("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    mw_sasl *s = NULL;
    assert_int_equal(mw_sasl_client_new(&cfg, NULL, &s), MW_OK);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    char enc[256], line[300];
    b64(S("user=someuser@example.com\001auth=Bearer "
          "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001"),
        enc, sizeof(enc));
    snprintf(line, sizeof(line), "AUTH XOAUTH2 %s\r\n", enc);
    wrote(c, line);
    /* Google's error challenge is answered with an empty response. */
    b64(S("{\"status\":\"401\",\"schemes\":\"bearer\"}"), enc, sizeof(enc));
    snprintf(line, sizeof(line), "334 %s\r\n", enc);
    one(c, line);
    wrote(c, "\r\n");
    mw_smtp_client_event ev = one(c, "535 5.7.8 Username and Password not "
                                     "accepted\r\n");
    assert_int_equal(ev.status, MW_E_AUTH);
    mw_sasl_free(s);

    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = MW_SASL_EXTERNAL;
    cfg.flags = MW_SASL_ALLOW_EXTERNAL;
    assert_int_equal(mw_sasl_client_new(&cfg, NULL, &s), MW_OK);
    assert_int_equal(mw_smtp_client_auth(c, s), MW_OK);
    wrote(c, "AUTH EXTERNAL =\r\n"); /* RFC 4954: "=" is an empty IR */
    ev = one(c, "235 2.7.0 ok\r\n");
    assert_int_equal(ev.status, MW_OK);
    mw_sasl_free(s);
    mw_smtp_client_free(c);
}

static void test_bdat_chunk_refused(void **state)
{
    (void)state;
    mw_smtp_client *c =
        ready_client(MW_SMTP_CLIENT_CHUNKING,
                     "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
    static mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("a", "example.org");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("s", "example.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com>\r\nRCPT TO:<a@example.org>\r\n");
    one(c, "250 ok\r\n");
    mw_smtp_client_event ev = one(c, "250 ok\r\n");
    assert_true(ev.flags & MW_SMTP_CEVF_BODY);
    size_t acc = 0;
    assert_int_equal(mw_smtp_client_body(c, S("abc"), &acc), MW_OK);
    assert_int_equal(acc, 3);
    wrote(c, "BDAT 3\r\nabc");
    ev = one(c, "552 5.3.4 Message too big\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_BDAT);
    assert_true(ev.flags & MW_SMTP_CEVF_FAILED);
    assert_int_equal(mw_smtp_client_body(c, S("def"), &acc), MW_E_PEER);
    nothing_written(c);
    /* Ending the body now abandons the transaction. */
    assert_int_equal(mw_smtp_client_body_end(c), MW_OK);
    wrote(c, "RSET\r\n");
    ev = one(c, "250 ok\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_RSET);
    assert_int_equal(ev.flags, MW_SMTP_CEVF_IDLE | MW_SMTP_CEVF_TXN_END);
    mw_smtp_client_free(c);
}

/* With fewer replies allowed in flight than the group has commands, the
 * rest follows as replies come back. */
static void test_pipelining_window(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.inflight_max = 2;
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.limits = &lim;
    cfg.helo = cstr("c");
    mw_smtp_client *c = NULL;
    assert_int_equal(mw_smtp_client_new(&cfg, NULL, &c), MW_OK);
    one(c, "220 mx\r\n");
    wrote(c, "EHLO c\r\n");
    one(c, "250-mx\r\n250 PIPELINING\r\n");
    assert_int_equal(mw_smtp_client_send(c, make_two()), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com>\r\nRCPT TO:<a@example.org>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "RCPT TO:<b@example.org>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "DATA\r\n");
    one(c, "250 ok\r\n");
    nothing_written(c);
    mw_smtp_client_event ev = one(c, "354 go\r\n");
    assert_true(ev.flags & MW_SMTP_CEVF_BODY);
    mw_smtp_client_free(c);
}

/* ------------------------------------------------------------------ */
/* Extensions checked before any byte                                  */
/* ------------------------------------------------------------------ */

static void test_size_refused_before_any_byte(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 SIZE 1000000\r\n");
    mw_smtp_envelope env = *make_two();
    env.message_size = 1000001;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_LIMIT);
    nothing_written(c);
    assert_true(mw_smtp_client_idle(c));
    env.message_size = 1000000;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com> SIZE=1000000\r\n");
    mw_smtp_client_free(c);
    /* No SIZE offered: no SIZE= sent (RFC 1870 would make it a 555). */
    c = ready_client(0, "250 mx\r\n");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com>\r\n");
    mw_smtp_client_free(c);
}

static void test_8bitmime_refused_before_any_byte(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 SIZE\r\n");
    mw_smtp_envelope env = *make_two();
    env.body = MW_SMTP_BODY_8BITMIME;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_UNSUPPORTED);
    nothing_written(c);
    env.body = MW_SMTP_BODY_BINARYMIME;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_UNSUPPORTED);
    nothing_written(c);
    mw_smtp_client_free(c);
    c = ready_client(0, "250-mx\r\n250 8BITMIME\r\n");
    env.body = MW_SMTP_BODY_8BITMIME;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com> BODY=8BITMIME\r\n");
    mw_smtp_client_free(c);
}

static void test_smtputf8_refused_before_any_byte(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 8BITMIME\r\n");
    mw_smtp_envelope env = *make_two();
    env.from = path("j\xc3\xb6rg", "example.com");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_UNSUPPORTED);
    env.from = path("s", "example.com");
    env.flags = MW_SMTP_ENV_SMTPUTF8;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_UNSUPPORTED);
    nothing_written(c);
    mw_smtp_client_free(c);
    /* Offered: the parameter is added for an 8-bit path. */
    c = ready_client(0, "250-mx\r\n250 SMTPUTF8\r\n");
    env.flags = 0;
    env.from = path("j\xc3\xb6rg", "example.com");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<j\xc3\xb6rg@example.com> SMTPUTF8\r\n");
    mw_smtp_client_free(c);
}

static void test_dsn_params_only_when_offered(void **state)
{
    (void)state;
    static mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("a", "example.org");
    r.notify = MW_SMTP_NOTIFY_SUCCESS | MW_SMTP_NOTIFY_FAILURE;
    r.orcpt_type = cstr("rfc822");
    r.orcpt_addr = cstr("a@example.org");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("s", "example.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    env.ret = MW_SMTP_RET_HDRS;
    env.envid = cstr("QQ314159");
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 DSN\r\n");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com> RET=HDRS ENVID=QQ314159\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "RCPT TO:<a@example.org> NOTIFY=SUCCESS,FAILURE "
             "ORCPT=rfc822;a@example.org\r\n");
    mw_smtp_client_free(c);
    c = ready_client(0, "250 mx\r\n");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "RCPT TO:<a@example.org>\r\n");
    mw_smtp_client_free(c);
}

static void test_requiretls_needs_tls(void **state)
{
    (void)state;
    mw_smtp_envelope env = *make_two();
    env.flags = MW_SMTP_ENV_REQUIRETLS;
    /* RFC 8689: REQUIRETLS only over TLS and only when offered. */
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 REQUIRETLS\r\n");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_UNSUPPORTED);
    nothing_written(c);
    mw_smtp_client_free(c);
    c = ready_client(MW_SMTP_CLIENT_TLS_ACTIVE, "250 mx\r\n");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_UNSUPPORTED);
    mw_smtp_client_free(c);
    c = ready_client(MW_SMTP_CLIENT_TLS_ACTIVE,
                     "250-mx\r\n250-STARTTLS\r\n250 REQUIRETLS\r\n");
    assert_int_equal(mw_smtp_client_starttls(c), MW_E_STATE);
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com> REQUIRETLS\r\n");
    mw_smtp_client_free(c);
}

/* python/cpython #87290, curl PR #22119: CR/LF in an address must never
 * reach the wire. */
static void test_injection_refused_nothing_queued(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250-mx\r\n250 PIPELINING\r\n");
    mw_smtp_envelope env = *make_two();
    mw_smtp_rcpt r[2];
    memcpy(r, two_rcpts, sizeof(r));
    r[1].path = path("b>\r\nRCPT TO:<evil", "example.org");
    env.rcpts = r;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_CRLF);
    nothing_written(c);
    r[1].path = path("b b", "example.org");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_ARG);
    r[1].path = path("b", "example.org");
    env.n_rcpts = 0;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_ARG);
    nothing_written(c);
    assert_int_equal(mw_smtp_client_vrfy(c, S("x\r\nDATA")), MW_E_CRLF);
    nothing_written(c);
    assert_true(mw_smtp_client_idle(c));
    mw_smtp_client_free(c);

    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.helo = cstr("x\r\nMAIL FROM:<a@b>");
    assert_int_equal(mw_smtp_client_new(&cfg, NULL, &c), MW_E_CRLF);
    assert_null(c);
    cfg.helo = cstr("bad domain");
    assert_int_equal(mw_smtp_client_new(&cfg, NULL, &c), MW_E_ARG);
}

/* ------------------------------------------------------------------ */
/* Body                                                                */
/* ------------------------------------------------------------------ */

static int has_smuggling_eol(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' && (i + 1 >= n || p[i + 1] != '\n'))
            return 1;
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            return 1;
    }
    return 0;
}

static mw_smtp_client *at_body(uint32_t flags)
{
    mw_smtp_client *c = ready_client(flags, "250 mx\r\n");
    static mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("a", "example.org");
    static mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("s", "example.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "RCPT TO:<a@example.org>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "DATA\r\n");
    mw_smtp_client_event ev = one(c, "354 go\r\n");
    assert_true(ev.flags & MW_SMTP_CEVF_BODY);
    return c;
}

/* CVE-2023-51764 and friends: whatever the body holds, the client writes
 * only CRLF line ends and stuffs every leading dot, so none of the
 * published smuggling sequences can leave mailwire. */
static void test_body_normalised_and_stuffed(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "a\n.\nb",       "a\n.\r\nb", "a\r.\rb",   "a\r\n.\nb",    "a\r\n.\rb",
        "a\r\n.\r\r\nb", "a\n.\rb",   "a\r.\r\nb", "a\r\n\0.\r\nb"};
    static const size_t lens[] = {5, 6, 5, 6, 6, 8, 5, 6, 8};
    static const char *const want[] = {
        "a\r\n..\r\nb\r\n.\r\n", "a\r\n..\r\nb\r\n.\r\n",
        "a\r\n..\r\nb\r\n.\r\n", "a\r\n..\r\nb\r\n.\r\n",
        "a\r\n..\r\nb\r\n.\r\n", "a\r\n..\r\n\r\nb\r\n.\r\n",
        "a\r\n..\r\nb\r\n.\r\n", "a\r\n..\r\nb\r\n.\r\n",
        "a\r\n\0.\r\nb\r\n.\r\n"};
    for (size_t v = 0; v < sizeof(lens) / sizeof(lens[0]); v++) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            mw_smtp_client *c = at_body(0);
            mw_buf w;
            mw_buf_init_growable(&w, NULL, 0);
            for (size_t i = 0; i < lens[v];) {
                size_t acc = 0, n = bytewise ? 1 : lens[v] - i;
                assert_int_equal(
                    mw_smtp_client_body(c, variants[v] + i, n, &acc), MW_OK);
                assert_int_equal(acc, n);
                i += acc;
                size_t on = 0;
                const char *o = mw_smtp_client_output(c, &on);
                if (on)
                    assert_int_equal(mw_buf_append(&w, o, on), MW_OK);
                mw_smtp_client_output_done(c, on);
            }
            assert_int_equal(mw_smtp_client_body_end(c), MW_OK);
            size_t on = 0;
            const char *o = mw_smtp_client_output(c, &on);
            assert_int_equal(mw_buf_append(&w, o, on), MW_OK);
            /* The last one holds a NUL: 13 bytes. */
            size_t wl = v == 8 ? 13 : strlen(want[v]);
            mwt_assert_bytes("stuffed body", w.data, w.len, want[v], wl);
            assert_false(has_smuggling_eol(w.data, w.len));
            mw_buf_free(&w);
            mw_smtp_client_free(c);
        }
    }
}

static void test_body_leading_dots(void **state)
{
    (void)state;
    mw_smtp_client *c = at_body(0);
    size_t acc;
    assert_int_equal(
        mw_smtp_client_body(c, S(".hidden\r\n..two\r\n.\r\nx"), &acc), MW_OK);
    assert_int_equal(mw_smtp_client_body_end(c), MW_OK);
    wrote(c, "..hidden\r\n...two\r\n..\r\nx\r\n.\r\n");
    mw_smtp_client_event ev = one(c, "250 ok\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_MESSAGE);
    assert_true(ev.flags & MW_SMTP_CEVF_TXN_END);
    /* The body calls are refused outside a body. */
    assert_int_equal(mw_smtp_client_body(c, S("x"), &acc), MW_E_STATE);
    assert_int_equal(acc, 0);
    assert_int_equal(mw_smtp_client_body_end(c), MW_E_STATE);
    mw_smtp_client_free(c);
}

static void test_output_bounded(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.output_max = 1; /* raised to the minimum */
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.limits = &lim;
    cfg.sasl_max = 512;
    mw_smtp_client *c = NULL;
    assert_int_equal(mw_smtp_client_new(&cfg, NULL, &c), MW_OK);
    one(c, "220 mx\r\n");
    wrote(c, "EHLO localhost\r\n");
    one(c, "250 mx\r\n");
    static mw_smtp_rcpt r;
    memset(&r, 0, sizeof(r));
    r.path = path("a", "example.org");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("s", "example.com");
    env.rcpts = &r;
    env.n_rcpts = 1;
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    wrote(c, "MAIL FROM:<s@example.com>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "RCPT TO:<a@example.org>\r\n");
    one(c, "250 ok\r\n");
    wrote(c, "DATA\r\n");
    one(c, "354 go\r\n");
    char *big = malloc(100000);
    assert_non_null(big);
    memset(big, 'x', 100000);
    size_t total = 0, rounds = 0, sent = 0;
    while (total < 100000) {
        size_t acc = 0;
        assert_int_equal(
            mw_smtp_client_body(c, big + total, 100000 - total, &acc), MW_OK);
        size_t on = 0;
        mw_smtp_client_output(c, &on);
        /* Never more pending than the limit. */
        assert_true(on <= 4096 + 1024);
        if (acc == 0)
            assert_true(on > 0);
        total += acc;
        sent += on;
        mw_smtp_client_output_done(c, on);
        rounds++;
    }
    assert_true(rounds > 10);
    assert_int_equal(sent, 100000);
    assert_int_equal(mw_smtp_client_body_end(c), MW_OK);
    wrote(c, "\r\n.\r\n");
    free(big);
    mw_smtp_client_free(c);
}

static const char tls_auth_server[] =
    "220 mx ESMTP\r\n"
    "250-mx\r\n250-STARTTLS\r\n250 PIPELINING\r\n"
    "220 2.0.0 Ready to start TLS\r\n"
    "250-mx\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n"
    "235 2.7.0 Authentication successful\r\n"
    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
    "250 2.0.0 Ok: queued\r\n"
    "221 2.0.0 Bye\r\n";

static void tls_auth_script(script *s)
{
    script_init(s, "c");
    s->cfg.flags = MW_SMTP_CLIENT_CHUNKING;
    s->env = make_two();
    s->txns = 1;
    s->starttls = 1;
    s->auth_plain = 1;
    s->use_last = 1;
    s->body = "Subject: x\r\n\r\nhi\r\n";
    s->body_len = strlen(s->body);
}

/* The whole conversation of a submission client: STARTTLS (handshake
 * simulated), EHLO again, AUTH PLAIN with an initial response, a
 * pipelined envelope and the body as one "BDAT n LAST" chunk. */
static void test_starttls_auth_chunking_transcript(void **state)
{
    (void)state;
    script s;
    tls_auth_script(&s);
    run_transcript(&s, tls_auth_server,
                   "E GREETING 220\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C STARTTLS\r\n"
                   "E STARTTLS 220 2.0.0\n"
                   "C EHLO c\r\n"
                   "E HELLO 250 +I\n"
                   "C AUTH PLAIN AHVzZXIAcGVuY2ls\r\n"
                   "E AUTH 235 2.7.0 +I\n"
                   "C MAIL FROM:<s@example.com>\r\n"
                   "RCPT TO:<a@example.org>\r\n"
                   "RCPT TO:<b@example.org>\r\n"
                   "E MAIL 250 2.1.0\n"
                   "E RCPT 250 2.1.5 i0\n"
                   "E RCPT 250 2.1.5 i1 +B\n"
                   "C BDAT 18 LAST\r\nSubject: x\r\n\r\nhi\r\n"
                   "E MESSAGE 250 2.0.0 +IT\n"
                   "C QUIT\r\n"
                   "E QUIT 221 2.0.0\n"
                   "W 8 EOF MW_OK\n");
}

static void test_body_last_data(void **state)
{
    (void)state;
    mw_smtp_client *c = at_body(0);
    size_t acc = 0;
    assert_int_equal(mw_smtp_client_body_last(c, S(".end"), &acc), MW_OK);
    assert_int_equal(acc, 4);
    wrote(c, "..end\r\n.\r\n");
    assert_int_equal(mw_smtp_client_body_end(c), MW_E_STATE);
    mw_smtp_client_event ev = one(c, "250 ok\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_MESSAGE);
    mw_smtp_client_free(c);
}

/* ------------------------------------------------------------------ */
/* State rules                                                         */
/* ------------------------------------------------------------------ */

static void test_requests_in_wrong_state(void **state)
{
    (void)state;
    mw_smtp_client *c = new_client(0);
    mw_smtp_envelope env = *make_two();
    /* Before the greeting nothing may be requested. */
    assert_false(mw_smtp_client_idle(c));
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_STATE);
    assert_int_equal(mw_smtp_client_noop(c), MW_E_STATE);
    assert_int_equal(mw_smtp_client_rset(c), MW_E_STATE);
    assert_int_equal(mw_smtp_client_quit(c), MW_E_STATE);
    assert_int_equal(mw_smtp_client_starttls(c), MW_E_STATE);
    nothing_written(c);
    one(c, "220 mx\r\n");
    /* While EHLO is in flight. */
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_STATE);
    wrote(c, "EHLO c.example\r\n");
    one(c, "250-mx\r\n250 PIPELINING\r\n");
    assert_int_equal(mw_smtp_client_send(c, &env), MW_OK);
    size_t n = 0;
    mw_smtp_client_output(c, &n);
    /* A transaction is running. */
    assert_int_equal(mw_smtp_client_send(c, &env), MW_E_STATE);
    assert_int_equal(mw_smtp_client_rset(c), MW_E_STATE);
    assert_int_equal(mw_smtp_client_quit(c), MW_E_STATE);
    size_t acc = 7;
    assert_int_equal(mw_smtp_client_body(c, S("x"), &acc), MW_E_STATE);
    assert_int_equal(acc, 0);
    size_t n2 = 0;
    mw_smtp_client_output(c, &n2);
    assert_int_equal(n, n2); /* nothing queued by the refusals */
    assert_int_equal(mw_smtp_client_feed(c, NULL, 1, &acc, NULL), MW_E_ARG);
    mw_smtp_client_free(c);
    mw_smtp_client_free(NULL);
}

static void test_rset_noop(void **state)
{
    (void)state;
    mw_smtp_client *c = ready_client(0, "250 mx\r\n");
    assert_int_equal(mw_smtp_client_rset(c), MW_OK);
    wrote(c, "RSET\r\n");
    assert_int_equal(mw_smtp_client_noop(c), MW_E_STATE);
    mw_smtp_client_event ev = one(c, "250 2.0.0 Ok\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_RSET);
    assert_int_equal(ev.verb, MW_SMTP_VERB_RSET);
    assert_int_equal(ev.flags, MW_SMTP_CEVF_IDLE);
    assert_int_equal(mw_smtp_client_noop(c), MW_OK);
    wrote(c, "NOOP\r\n");
    ev = one(c, "250 Ok\r\n");
    assert_int_equal(ev.type, MW_SMTP_CEV_NOOP);
    assert_int_equal(mw_smtp_client_quit(c), MW_OK);
    wrote(c, "QUIT\r\n");
    /* EOF right after QUIT is what QUIT asks for. */
    assert_int_equal(mw_smtp_client_eof(c), MW_OK);
    assert_int_equal(mw_smtp_client_wants(c), MW_WANT_CLOSE);
    mw_smtp_client_free(c);
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

static void test_init_in_caller_storage(void **state)
{
    (void)state;
    mw_smtp_rcpt r[3];
    memset(r, 0, sizeof(r));
    r[0].path = path("Jones", "foo.com");
    r[1].path = path("Green", "foo.com");
    r[2].path = path("Brown", "foo.com");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("Smith", "bar.com");
    env.rcpts = r;
    env.n_rcpts = 3;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.output_max = 2048;
    script s;
    script_init(&s, "bar.com");
    s.cfg.limits = &lim;
    s.cfg.sasl_max = 256;
    s.env = &env;
    s.txns = 1;
    s.init_in = 1;
    /* The RFC shows the wire: its "...etc." line is "..etc." stuffed. */
    s.body = "Blah blah blah...\r\n..etc. etc. etc.\r\n";
    s.body_len = strlen(s.body);
    size_t n = mw_smtp_client_sizeof(&s.cfg);
    assert_true(n > 0 && n < 64 * 1024);
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    drv *d = drv_new(&s, NULL);
    assert_ptr_equal(d->c, d->mem);
    assert_int_equal(drv_feed(d, S(d1_server), &log), MW_OK);
    static const char tail[] = "E QUIT 221\n";
    assert_true(log.len > sizeof(tail));
    mwt_assert_bytes("ends with QUIT", log.data + log.len - strlen(tail),
                     strlen(tail), S(tail));
    drv_free(d);
    mw_buf_free(&log);

    mw_smtp_client *c = NULL;
    char small[64];
    assert_int_equal(mw_smtp_client_init_in(small, sizeof(small), NULL, &c),
                     MW_E_ARG);
    assert_null(c);
    mw_smtp_client_config bad;
    memset(&bad, 0, sizeof(bad));
    bad.size = 4;
    assert_int_equal(mw_smtp_client_sizeof(&bad), 0);
}

static int failalloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    mw_smtp_rcpt r[3];
    memset(r, 0, sizeof(r));
    r[0].path = path("Jones", "foo.com");
    r[1].path = path("Green", "foo.com");
    r[2].path = path("Brown", "foo.com");
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from = path("Smith", "bar.com");
    env.rcpts = r;
    env.n_rcpts = 3;
    script s;
    script_init(&s, "bar.com");
    s.a = a;
    s.env = &env;
    s.txns = 1;
    /* The RFC shows the wire: its "...etc." line is "..etc." stuffed. */
    s.body = "Blah blah blah...\r\n..etc. etc. etc.\r\n";
    s.body_len = strlen(s.body);
    mw_status st;
    drv *d = drv_new(&s, &st);
    if (!d)
        return st == MW_E_NOMEM ? 0 : 1;
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    st = drv_feed(d, S(d1_server), &log);
    drv_free(d);
    mw_buf_free(&log);
    return st == MW_OK || st == MW_E_NOMEM ? 0 : 1;
}

static int failalloc_tls_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    script s;
    tls_auth_script(&s);
    s.a = a;
    mw_status st;
    drv *d = drv_new(&s, &st);
    if (!d)
        return st == MW_E_NOMEM ? 0 : 1;
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    st = drv_feed(d, S(tls_auth_server), &log);
    drv_free(d);
    mw_buf_free(&log);
    return st == MW_OK || st == MW_E_NOMEM ? 0 : 1;
}

static void test_failalloc_whole_transaction(void **state)
{
    (void)state;
    mwt_failalloc_sweep(failalloc_scenario, NULL);
    mwt_failalloc_sweep(failalloc_tls_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5321_d1_typical),
        cmocka_unit_test(test_rfc5321_d1_caps_and_reply_text),
        cmocka_unit_test(test_rfc5321_d2_aborted),
        cmocka_unit_test(test_rfc5321_d3_relayed),
        cmocka_unit_test(test_rfc5321_d4_verifying),
        cmocka_unit_test(test_pipelining_group),
        cmocka_unit_test(test_pipelining_no_recipient_data_refused),
        cmocka_unit_test(test_no_recipient_without_pipelining),
        cmocka_unit_test(test_chunking_bdat),
        cmocka_unit_test(test_chunking_without_pipelining_waits),
        cmocka_unit_test(test_lmtp_per_recipient_replies),
        cmocka_unit_test(test_two_transactions),
        cmocka_unit_test(test_greeting_554_sends_quit),
        cmocka_unit_test(test_ehlo_fallback_to_helo),
        cmocka_unit_test(test_421_closes_anywhere),
        cmocka_unit_test(test_eof_unexpected),
        cmocka_unit_test(test_malformed_and_unsolicited_replies),
        cmocka_unit_test(test_cve_2020_15953_starttls_injection),
        cmocka_unit_test(test_starttls_refused_and_failed),
        cmocka_unit_test(test_auth_plain_initial_response),
        cmocka_unit_test(test_auth_login_challenges_and_535),
        cmocka_unit_test(test_auth_cram_md5_rfc2195),
        cmocka_unit_test(test_auth_scram_sha256_rfc7677),
        cmocka_unit_test(test_auth_scram_bad_server_signature),
        cmocka_unit_test(test_auth_bad_challenge_cancels),
        cmocka_unit_test(test_auth_xoauth2_error_and_external),
        cmocka_unit_test(test_bdat_chunk_refused),
        cmocka_unit_test(test_pipelining_window),
        cmocka_unit_test(test_size_refused_before_any_byte),
        cmocka_unit_test(test_8bitmime_refused_before_any_byte),
        cmocka_unit_test(test_smtputf8_refused_before_any_byte),
        cmocka_unit_test(test_dsn_params_only_when_offered),
        cmocka_unit_test(test_requiretls_needs_tls),
        cmocka_unit_test(test_injection_refused_nothing_queued),
        cmocka_unit_test(test_body_normalised_and_stuffed),
        cmocka_unit_test(test_body_leading_dots),
        cmocka_unit_test(test_output_bounded),
        cmocka_unit_test(test_starttls_auth_chunking_transcript),
        cmocka_unit_test(test_body_last_data),
        cmocka_unit_test(test_requests_in_wrong_state),
        cmocka_unit_test(test_rset_noop),
        cmocka_unit_test(test_init_in_caller_storage),
        cmocka_unit_test(test_failalloc_whole_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
