/* POP3 client and server sessions: the RFC 1939 transcripts (sections 4-7
 * and the section 10 example) and the RFC 2449 CAPA example from both
 * sides, fed whole, byte by byte and split at every offset with identical
 * logs; an in-memory client<->server pump with a maildrop of messages with
 * dot lines and a 1 MB message; deletion only at QUIT, never on a dropped
 * connection; STLS plaintext injection in both directions; SASL PLAIN and
 * SCRAM-SHA-256; pipelining; allocation-failure sweeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/pop3.h"
#include "mailwire/sasl.h"

#define S(lit) lit, sizeof(lit) - 1
#define TS "<1896.697170952@dbc.mtview.ca.us>"
#define SECRET "tanstaaf"

#define logf_(log, fmt, a, b)                                                  \
    do {                                                                       \
        char t_[128];                                                          \
        snprintf(t_, sizeof(t_), fmt, (unsigned long long)(a),                 \
                 (unsigned long long)(b));                                     \
        mwt_log(log, t_);                                                      \
    } while (0)
#define logf1(log, fmt, a)                                                     \
    do {                                                                       \
        char t_[128];                                                          \
        snprintf(t_, sizeof(t_), fmt, (unsigned long long)(a));                \
        mwt_log(log, t_);                                                      \
    } while (0)

/* Whether \p needle occurs in the n bytes at \p p. */
static int contains(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return 1;
    return 0;
}

static void log_span(mw_buf *log, mw_span s)
{
    assert_int_equal(mw_buf_append(log, s.ptr, s.len), MW_OK);
}

/* ------------------------------------------------------------------ */
/* The maildrop application behind the server                          */
/* ------------------------------------------------------------------ */

#define MAX_MSGS 8

typedef struct maildrop {
    uint32_t count;
    uint64_t sizes[MAX_MSGS];
    mw_span uids[MAX_MSGS];
    const char *body[MAX_MSGS];
    size_t len[MAX_MSGS];
} maildrop;

typedef struct app {
    mw_pop3_server *s;
    const maildrop *md;
    const mw_allocator *allocator;
    mw_buf *log;   /* event log, or NULL */
    size_t chunk;  /* send_data piece size */
    int streaming; /* a RETR/TOP answer is in progress */
    uint32_t msg;
    size_t off;
    int updates;
    uint32_t deleted[MAX_MSGS];
    uint32_t n_deleted;
    mw_status error; /* first unexpected answer status */
} app;

static void app_note(app *ap, mw_status st)
{
    if (st != MW_OK && ap->error == MW_OK)
        ap->error = st;
}

static void make_maildrop(maildrop *m, mw_pop3_maildrop *out)
{
    memset(out, 0, sizeof(*out));
    out->count = m->count;
    out->sizes = m->sizes;
    out->uids = m->uids;
}

static void app_login(app *ap, const mw_pop3_server_event *ev)
{
    int good = 0;
    if (ev->user.len == 6 && memcmp(ev->user.ptr, "locked", 6) == 0) {
        app_note(ap, mw_pop3_server_login_fail(ap->s, MW_POP3_CODE_IN_USE));
        return;
    }
    int mrose = ev->user.len == 5 && memcmp(ev->user.ptr, "mrose", 5) == 0;
    if (ev->method == MW_POP3_LOGIN_PASS)
        good = mrose && ev->secret.len == strlen(SECRET) &&
               memcmp(ev->secret.ptr, SECRET, ev->secret.len) == 0;
    else if (ev->method == MW_POP3_LOGIN_APOP)
        good = mrose && mw_pop3_server_apop_verify(ap->s, S(SECRET));
    else
        good = mrose;
    if (!good) {
        app_note(ap, mw_pop3_server_login_fail(ap->s, MW_POP3_CODE_AUTH));
        return;
    }
    mw_pop3_maildrop md;
    make_maildrop((maildrop *)ap->md, &md);
    app_note(ap, mw_pop3_server_login_ok(ap->s, &md));
}

static void app_auth(app *ap, const mw_pop3_server_event *ev)
{
    mw_sasl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = mw_sasl_mech_from_name(ev->mech.ptr, ev->mech.len);
    cfg.flags = MW_SASL_NONCE_VERBATIM;
    cfg.random.ptr = "3rfcNHYJY1ZVvWVs7j";
    cfg.random.len = 18;
    mw_sasl *sasl = NULL;
    mw_status st = mw_sasl_server_new(&cfg, ap->allocator, &sasl);
    if (st != MW_OK) {
        app_note(ap, mw_pop3_server_login_fail(ap->s, MW_POP3_CODE_SYS_TEMP));
        return;
    }
    st = mw_pop3_server_auth_start(ap->s, sasl);
    if (st != MW_OK) {
        mw_sasl_free(sasl);
        app_note(ap, mw_pop3_server_login_fail(ap->s, MW_POP3_CODE_SYS_TEMP));
    }
}

static void app_sasl_need(app *ap)
{
    mw_sasl *sasl = mw_pop3_server_sasl(ap->s);
    mw_status st;
    if (mw_sasl_mechanism(sasl) == MW_SASL_SCRAM_SHA_256) {
        uint8_t stored[32], server[32];
        mw_scram_derive_keys(MW_HASH_SHA256, S(SECRET), S("salt-of-mrose"),
                             4096, stored, server, 32);
        st = mw_sasl_server_set_scram(sasl, S("salt-of-mrose"), 4096, stored,
                                      server, 32);
    } else {
        st = mw_sasl_server_set_password(sasl, S(SECRET));
    }
    if (st == MW_OK)
        st = mw_pop3_server_auth_continue(ap->s);
    if (st != MW_OK)
        app_note(ap, mw_pop3_server_login_fail(ap->s, MW_POP3_CODE_SYS_TEMP));
}

/* Send as much of the message as the output takes. */
static void app_stream(app *ap)
{
    while (ap->streaming) {
        /* Like a real driver, keep only a little output waiting. */
        size_t waiting;
        mw_pop3_server_output(ap->s, &waiting);
        if (waiting > 16384)
            return;
        size_t total = ap->md->len[ap->msg - 1];
        if (ap->off == total || mw_pop3_server_top_full(ap->s)) {
            mw_status st = mw_pop3_server_send_end(ap->s);
            if (st == MW_E_NOSPACE)
                return;
            app_note(ap, st);
            ap->streaming = 0;
            return;
        }
        size_t n = total - ap->off;
        if (n > ap->chunk)
            n = ap->chunk;
        mw_status st = mw_pop3_server_send_data(
            ap->s, ap->md->body[ap->msg - 1] + ap->off, n);
        if (st == MW_E_NOSPACE)
            return;
        app_note(ap, st);
        if (st != MW_OK) {
            ap->streaming = 0;
            return;
        }
        ap->off += n;
    }
}

static void app_event(app *ap, const mw_pop3_server_event *ev)
{
    mw_buf *log = ap->log;
    switch (ev->type) {
    case MW_POP3_SEV_LOGIN:
        if (log) {
            logf1(log, "* LOGIN method %llu user ", ev->method);
            log_span(log, ev->user);
            mwt_log(log, "\n");
        }
        app_login(ap, ev);
        break;
    case MW_POP3_SEV_AUTH:
        if (log) {
            mwt_log(log, "* AUTH ");
            log_span(log, ev->mech);
            mwt_log(log, "\n");
        }
        app_auth(ap, ev);
        break;
    case MW_POP3_SEV_SASL_NEED:
        if (log) {
            mwt_log(log, "* SASL_NEED ");
            log_span(log, ev->user);
            mwt_log(log, "\n");
        }
        app_sasl_need(ap);
        break;
    case MW_POP3_SEV_RETR:
    case MW_POP3_SEV_TOP:
        if (log) {
            if (ev->type == MW_POP3_SEV_RETR)
                logf1(log, "* RETR %llu\n", ev->msg);
            else
                logf_(log, "* TOP %llu %llu\n", ev->msg, ev->lines);
        }
        ap->streaming = 1;
        ap->msg = ev->msg;
        ap->off = 0;
        app_stream(ap);
        break;
    case MW_POP3_SEV_UPDATE:
        ap->updates++;
        ap->n_deleted = 0;
        for (uint32_t m = 1; m <= ap->md->count; m++)
            if (mw_pop3_server_is_deleted(ap->s, m))
                ap->deleted[ap->n_deleted++] = m;
        assert_int_equal(ap->n_deleted, ev->count);
        if (log) {
            logf1(log, "* UPDATE %llu:", ev->count);
            for (uint32_t i = 0; i < ap->n_deleted; i++)
                logf1(log, " %llu", ap->deleted[i]);
            mwt_log(log, "\n");
        }
        app_note(ap, mw_pop3_server_update_done(ap->s, 1));
        break;
    case MW_POP3_SEV_DISCARDED:
        if (log)
            logf1(log, "* DISCARDED %llu\n", ev->count);
        break;
    default:
        if (log)
            logf1(log, "* EVENT %llu\n", ev->type);
    }
}

/* The two messages of RFC 1939's examples: 120 and 200 octets with CRLF
 * line ends, with lines starting with dots. */
static char msg1[121], msg2[201];

static void fill_message(char *dst, size_t size, const char *head)
{
    size_t n = strlen(head);
    memcpy(dst, head, n);
    while (n < size) {
        const char *line = (n % 3) ? "..dots\r\n" : ".\r\nbody line\r\n";
        size_t k = strlen(line);
        if (n + k > size - 2)
            line = "x", k = 1;
        if (n + k > size - 2) {
            memcpy(dst + n, "\r\n", 2);
            n += 2;
            continue;
        }
        memcpy(dst + n, line, k);
        n += k;
    }
    dst[size] = '\0';
}

static void rfc_maildrop(maildrop *m)
{
    fill_message(msg1, 120, "Subject: one\r\n\r\n");
    fill_message(msg2, 200, "Subject: two\r\nFrom: a@b\r\n\r\n");
    memset(m, 0, sizeof(*m));
    m->count = 2;
    m->body[0] = msg1;
    m->len[0] = 120;
    m->body[1] = msg2;
    m->len[1] = 200;
    m->sizes[0] = 120;
    m->sizes[1] = 200;
    m->uids[0].ptr = "whqtswO00WBw418f9t5JxYwZ";
    m->uids[0].len = 24;
    m->uids[1].ptr = "QhdPYR:00WBw1Ph7x7";
    m->uids[1].len = 18;
}

/* Dot-stuffed wire form of a CRLF message plus the end marker. */
static void stuffed(mw_buf *out, const char *body, size_t len)
{
    mw_dot_writer w;
    mw_dot_writer_init(&w);
    assert_int_equal(mw_dot_writer_update(&w, body, len, out), MW_OK);
    assert_int_equal(mw_dot_writer_final(&w, out), MW_OK);
}

/* ------------------------------------------------------------------ */
/* Server as a stream: client bytes in, server bytes and events out     */
/* ------------------------------------------------------------------ */

typedef struct srv_cfg {
    mw_pop3_server_config cfg;
    const maildrop *md;
} srv_cfg;

typedef struct srun {
    mw_pop3_server *s;
    app ap;
    mw_buf *log;
} srun;

static void srv_drain(srun *r, mw_buf *log)
{
    size_t n;
    const char *p = mw_pop3_server_output(r->s, &n);
    if (n)
        assert_int_equal(mw_buf_append(log, p, n), MW_OK);
    mw_pop3_server_output_done(r->s, n);
    app_stream(&r->ap);
    p = mw_pop3_server_output(r->s, &n);
    if (n)
        assert_int_equal(mw_buf_append(log, p, n), MW_OK);
    mw_pop3_server_output_done(r->s, n);
}

static void *srv_create(const void *cfgv)
{
    const srv_cfg *c = cfgv;
    srun *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(mw_pop3_server_new(&c->cfg, NULL, &r->s), MW_OK);
    r->ap.s = r->s;
    r->ap.md = c->md;
    r->ap.chunk = 37;
    return r;
}

static void srv_destroy(void *state)
{
    srun *r = state;
    mw_pop3_server_free(r->s);
    free(r);
}

static mw_status srv_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    srun *r = state;
    r->ap.log = log;
    size_t pos = 0;
    for (;;) {
        srv_drain(r, log);
        size_t used = 0;
        mw_pop3_server_event ev;
        mw_status st = mw_pop3_server_feed(r->s, in ? in + pos : in, len - pos,
                                           &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            break;
        if (st != MW_OK)
            return st;
        srv_drain(r, log);
        app_event(&r->ap, &ev);
        if (r->ap.error != MW_OK)
            return r->ap.error;
    }
    srv_drain(r, log);
    return MW_OK;
}

static mw_status srv_finish(void *state, mw_buf *log)
{
    srun *r = state;
    srv_drain(r, log);
    logf_(log, "* END state %llu wants %llu\n", mw_pop3_server_state(r->s),
          mw_pop3_server_wants(r->s));
    return MW_OK;
}

static const mwt_stream_ops srv_ops = {srv_create, srv_update, srv_finish,
                                       srv_destroy};

static void server_cfg(srv_cfg *c, const maildrop *md)
{
    memset(c, 0, sizeof(*c));
    c->cfg.size = sizeof(c->cfg);
    c->cfg.flags = MW_POP3_SERVER_USER | MW_POP3_SERVER_APOP;
    c->cfg.timestamp.ptr = TS;
    c->cfg.timestamp.len = strlen(TS);
    c->cfg.name.ptr = "dewey";
    c->cfg.name.len = 5;
    c->md = md;
}

/* On a mismatch, leave both logs in files for diff(1). */
static void dump_logs(const mw_buf *got, const char *want)
{
    if (got->len == strlen(want) && memcmp(got->data, want, got->len) == 0)
        return;
    static int seq;
    char name[64];
    seq++;
    snprintf(name, sizeof(name), "pop3_got%d.log", seq);
    FILE *f = fopen(name, "wb");
    if (f) {
        fwrite(got->data, 1, got->len, f);
        fclose(f);
    }
    snprintf(name, sizeof(name), "pop3_want%d.log", seq);
    f = fopen(name, "wb");
    if (f) {
        fwrite(want, 1, strlen(want), f);
        fclose(f);
    }
}

static void check_server(const srv_cfg *c, const char *in, const char *want)
{
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&srv_ops, c, in, strlen(in), &whole);
    dump_logs(&whole, want);
    mwt_assert_bytes("server transcript", whole.data, whole.len, want,
                     strlen(want));
    mw_buf_free(&whole);
}

static void test_server_rfc1939_section10(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    srv_cfg c;
    server_cfg(&c, &md);
    const char *in = "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"
                     "STAT\r\n"
                     "LIST\r\n"
                     "RETR 1\r\n"
                     "DELE 1\r\n"
                     "RETR 2\r\n"
                     "DELE 2\r\n"
                     "QUIT\r\n";
    mw_buf want;
    mw_buf_init_growable(&want, NULL, 0);
    mwt_log(&want, "+OK POP3 server ready " TS "\r\n"
                   "* LOGIN method 2 user mrose\n"
                   "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
                   "+OK 2 320\r\n"
                   "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"
                   "* RETR 1\n"
                   "+OK 120 octets\r\n");
    stuffed(&want, msg1, 120);
    mwt_log(&want, "+OK message 1 deleted\r\n"
                   "* RETR 2\n"
                   "+OK 200 octets\r\n");
    stuffed(&want, msg2, 200);
    mwt_log(&want, "+OK message 2 deleted\r\n"
                   "* UPDATE 2: 1 2\n"
                   "+OK dewey POP3 server signing off (maildrop empty)\r\n"
                   "* END state 4 wants 8\n");
    mw_buf_append_byte(&want, 0);
    check_server(&c, in, want.data);
    mw_buf_free(&want);
}

static void test_server_rfc1939_sections_4_to_7(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    srv_cfg c;
    server_cfg(&c, &md);
    const char *in = "STAT\r\n"
                     "USER frated\r\n"
                     "PASS wrong\r\n"
                     "PASS again\r\n"
                     "USER locked\r\n"
                     "PASS secret\r\n"
                     "APOP mrose 00000000000000000000000000000000\r\n"
                     "USER mrose\r\n"
                     "PASS " SECRET "\r\n"
                     "USER mrose\r\n"
                     "LIST 2\r\n"
                     "LIST 3\r\n"
                     "TOP 1 1\r\n"
                     "TOP 100 3\r\n"
                     "UIDL\r\n"
                     "UIDL 2\r\n"
                     "UIDL 3\r\n"
                     "NOOP\r\n"
                     "DELE 1\r\n"
                     "DELE 1\r\n"
                     "RETR 1\r\n"
                     "LIST\r\n"
                     "STAT\r\n"
                     "RSET\r\n"
                     "DELE 2\r\n"
                     "XTND\r\n"
                     "RETR\r\n"
                     "QUIT\r\n"
                     "NOOP\r\n";
    const char *want =
        "+OK POP3 server ready " TS "\r\n"
        "-ERR command not valid in this state\r\n"
        "+OK send PASS\r\n"
        "* LOGIN method 1 user frated\n"
        "-ERR [AUTH] authentication failed\r\n"
        "-ERR USER first\r\n"
        "+OK send PASS\r\n"
        "* LOGIN method 1 user locked\n"
        "-ERR [IN-USE] maildrop already locked\r\n"
        "* LOGIN method 2 user mrose\n"
        "-ERR [AUTH] authentication failed\r\n"
        "+OK send PASS\r\n"
        "* LOGIN method 1 user mrose\n"
        "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
        "-ERR command not valid in this state\r\n"
        "+OK 2 200\r\n"
        "-ERR no such message, only 2 messages in maildrop\r\n"
        "* TOP 1 1\n"
        "+OK\r\nSubject: one\r\n\r\n...dots\r\n.\r\n"
        "-ERR no such message, only 2 messages in maildrop\r\n"
        "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"
        "+OK 2 QhdPYR:00WBw1Ph7x7\r\n"
        "-ERR no such message, only 2 messages in maildrop\r\n"
        "+OK\r\n"
        "+OK message 1 deleted\r\n"
        "-ERR message 1 already deleted\r\n"
        "-ERR message 1 already deleted\r\n"
        "+OK 1 message (200 octets)\r\n2 200\r\n.\r\n"
        "+OK 1 200\r\n"
        "+OK maildrop has 2 messages (320 octets)\r\n"
        "+OK message 2 deleted\r\n"
        "-ERR unknown command\r\n"
        "-ERR missing argument\r\n"
        "* UPDATE 1: 2\n"
        "+OK dewey POP3 server signing off (1 message left)\r\n"
        "* END state 4 wants 8\n";
    check_server(&c, in, want);
}

static void test_server_rfc2449_capa(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    srv_cfg c;
    server_cfg(&c, &md);
    c.cfg.flags = MW_POP3_SERVER_USER;
    c.cfg.sasl_mechs.ptr = "CRAM-MD5 KERBEROS_V4";
    c.cfg.sasl_mechs.len = 20;
    c.cfg.login_delay = 900;
    c.cfg.expire.ptr = "60";
    c.cfg.expire.len = 2;
    c.cfg.implementation.ptr = "Shlemazle-Plotz-v302";
    c.cfg.implementation.len = 20;
    /* RFC 2449 section 5's list, in its order, plus AUTH-RESP-CODE. */
    const char *want = "+OK POP3 server ready\r\n"
                       "+OK Capability list follows\r\n"
                       "TOP\r\n"
                       "USER\r\n"
                       "SASL CRAM-MD5 KERBEROS_V4\r\n"
                       "RESP-CODES\r\n"
                       "LOGIN-DELAY 900\r\n"
                       "PIPELINING\r\n"
                       "EXPIRE 60\r\n"
                       "UIDL\r\n"
                       "IMPLEMENTATION Shlemazle-Plotz-v302\r\n"
                       "AUTH-RESP-CODE\r\n"
                       ".\r\n"
                       "-ERR unrecognized authentication type\r\n"
                       "+OK dewey POP3 server signing off\r\n"
                       "* END state 4 wants 8\n";
    check_server(&c, "CAPA\r\nAUTH PLAIN\r\nQUIT\r\n", want);
}

static void test_server_limits_and_errors(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    srv_cfg c;
    server_cfg(&c, &md);
    char in[700];
    memset(in, 'x', sizeof(in));
    memcpy(in, "USER ", 5);
    strcpy(in + 300, "\r\nUSER 12345678901234567890123456789012345678901\r\n"
                     "USER\tx\r\nSTLS\r\nUTF8\r\nQUIT\r\n");
    const char *want = "+OK POP3 server ready " TS "\r\n"
                       "-ERR line too long\r\n"
                       "-ERR argument too long\r\n"
                       "-ERR control character\r\n"
                       "-ERR STLS not available\r\n"
                       "-ERR UTF8 not available\r\n"
                       "+OK dewey POP3 server signing off\r\n"
                       "* END state 4 wants 8\n";
    check_server(&c, in, want);
    /* Bare LF is no line end for the server (strict CRLF). */
    check_server(&c, "NOOP\nQUIT\r\n",
                 "+OK POP3 server ready " TS "\r\n"
                 "-ERR control character\r\n* END state 1 wants 1\n");
}

static void test_server_sasl_plain(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    srv_cfg c;
    server_cfg(&c, &md);
    c.cfg.sasl_mechs.ptr = "PLAIN SCRAM-SHA-256";
    c.cfg.sasl_mechs.len = 19;
    /* "\0mrose\0tanstaaf", with an initial response and without; a
     * cancelled exchange; a wrong password. */
    const char *in = "AUTH PLAIN AG1yb3NlAHdyb25n\r\n"
                     "AUTH PLAIN\r\n"
                     "*\r\n"
                     "AUTH PLAIN !!!\r\n"
                     "AUTH plain\r\n"
                     "AG1yb3NlAHRhbnN0YWFm\r\n"
                     "STAT\r\n"
                     "QUIT\r\n";
    const char *want = "+OK POP3 server ready " TS "\r\n"
                       "* AUTH PLAIN\n"
                       "* SASL_NEED mrose\n"
                       "-ERR [AUTH] authentication failed\r\n"
                       "* AUTH PLAIN\n"
                       "+ \r\n"
                       "-ERR authentication cancelled\r\n"
                       "-ERR invalid base64 initial response\r\n"
                       "* AUTH plain\n"
                       "+ \r\n"
                       "* SASL_NEED mrose\n"
                       "* LOGIN method 3 user mrose\n"
                       "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
                       "+OK 2 320\r\n"
                       "* UPDATE 0:\n"
                       "+OK dewey POP3 server signing off (2 messages left)"
                       "\r\n"
                       "* END state 4 wants 8\n";
    check_server(&c, in, want);
}

/* ------------------------------------------------------------------ */
/* Client as a stream: server bytes in, client bytes and events out     */
/* ------------------------------------------------------------------ */

typedef struct step {
    uint32_t verb;
    uint32_t msg;
    uint32_t lines;
    const char *a; /* USER name, PASS password, APOP name, AUTH mech */
    const char *b; /* APOP secret */
} step;

typedef struct cli_cfg {
    const step *steps;
    size_t n;
} cli_cfg;

typedef struct crun {
    mw_pop3_client *c;
    const cli_cfg *cfg;
    size_t next;
    int in_data;
    mw_sasl *sasl;
} crun;

static mw_status issue(crun *r, const step *st)
{
    mw_pop3_client *c = r->c;
    switch (st->verb) {
    case MW_POP3_USER:
        return mw_pop3_client_user(c, st->a, strlen(st->a));
    case MW_POP3_PASS:
        return mw_pop3_client_pass(c, st->a, strlen(st->a));
    case MW_POP3_APOP:
        return mw_pop3_client_apop(c, st->a, strlen(st->a), st->b,
                                   strlen(st->b));
    case MW_POP3_AUTH: {
        mw_sasl_client_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.size = sizeof(sc);
        sc.mech = mw_sasl_mech_from_name(st->a, strlen(st->a));
        sc.authcid.ptr = "mrose";
        sc.authcid.len = 5;
        sc.password.ptr = st->b;
        sc.password.len = strlen(st->b);
        sc.flags = MW_SASL_NONCE_VERBATIM;
        sc.random.ptr = "rOprNGfwEbeRWgbNEkqO";
        sc.random.len = 20;
        mw_sasl_free(r->sasl);
        r->sasl = NULL;
        mw_status s = mw_sasl_client_new(&sc, NULL, &r->sasl);
        return s == MW_OK ? mw_pop3_client_auth(c, r->sasl) : s;
    }
    case MW_POP3_STAT:
        return mw_pop3_client_stat(c);
    case MW_POP3_LIST:
        return mw_pop3_client_list(c, st->msg);
    case MW_POP3_UIDL:
        return mw_pop3_client_uidl(c, st->msg);
    case MW_POP3_RETR:
        return mw_pop3_client_retr(c, st->msg);
    case MW_POP3_TOP:
        return mw_pop3_client_top(c, st->msg, st->lines);
    case MW_POP3_DELE:
        return mw_pop3_client_dele(c, st->msg);
    case MW_POP3_NOOP:
        return mw_pop3_client_noop(c);
    case MW_POP3_RSET:
        return mw_pop3_client_rset(c);
    case MW_POP3_CAPA:
        return mw_pop3_client_capa(c);
    case MW_POP3_STLS:
        return mw_pop3_client_stls(c);
    default:
        return mw_pop3_client_quit(c);
    }
}

static void cli_drain(crun *r, mw_buf *log)
{
    size_t n;
    const char *p = mw_pop3_client_output(r->c, &n);
    if (n)
        assert_int_equal(mw_buf_append(log, p, n), MW_OK);
    mw_pop3_client_output_done(r->c, n);
}

/* Issue the next scripted requests while the client waits for nothing. */
static mw_status cli_issue(crun *r, mw_buf *log)
{
    while (r->next < r->cfg->n &&
           !(mw_pop3_client_wants(r->c) & (MW_WANT_READ | MW_WANT_CLOSE))) {
        mw_status st = issue(r, &r->cfg->steps[r->next++]);
        if (st != MW_OK) {
            logf1(log, "* REQUEST %llu refused ",
                  r->cfg->steps[r->next - 1].verb);
            mwt_log(log, mw_status_name(st));
            mwt_log(log, "\n");
        }
    }
    cli_drain(r, log);
    return MW_OK;
}

static void *cli_create(const void *cfgv)
{
    crun *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(mw_pop3_client_new(NULL, NULL, &r->c), MW_OK);
    r->cfg = cfgv;
    return r;
}

static void cli_destroy(void *state)
{
    crun *r = state;
    mw_pop3_client_free(r->c);
    mw_sasl_free(r->sasl);
    free(r);
}

static void log_event(crun *r, const mw_pop3_client_event *ev, mw_buf *log)
{
    if (ev->type != MW_POP3_CEV_DATA && r->in_data) {
        mwt_log(log, "]\n");
        r->in_data = 0;
    }
    char tmp[200];
    switch (ev->type) {
    case MW_POP3_CEV_GREETING:
    case MW_POP3_CEV_REPLY:
        snprintf(tmp, sizeof(tmp),
                 "* %s %s kind %u code %u count %u size "
                 "%llu msg %u <",
                 ev->type == MW_POP3_CEV_GREETING ? "GREETING" : "REPLY",
                 mw_pop3_verb_name(ev->verb), ev->resp.kind, ev->resp.code,
                 ev->count, (unsigned long long)ev->size, ev->msg);
        mwt_log(log, tmp);
        log_span(log, ev->resp.text);
        mwt_log(log, "> uid <");
        log_span(log, ev->uid);
        mwt_log(log, ">\n");
        break;
    case MW_POP3_CEV_CAPA:
        mwt_log(log, "* CAPA ");
        log_span(log, ev->data);
        mwt_log(log, "\n");
        break;
    case MW_POP3_CEV_LIST:
        logf_(log, "* LIST %llu %llu\n", ev->msg, ev->size);
        break;
    case MW_POP3_CEV_UIDL:
        logf1(log, "* UIDL %llu ", ev->msg);
        log_span(log, ev->uid);
        mwt_log(log, "\n");
        break;
    case MW_POP3_CEV_DATA:
        if (!r->in_data)
            mwt_log(log, "* DATA [");
        r->in_data = 1;
        log_span(log, ev->data);
        break;
    case MW_POP3_CEV_END:
        mwt_log(log, "* END ");
        mwt_log(log, mw_pop3_verb_name(ev->verb));
        mwt_log(log, "\n");
        break;
    default:
        logf1(log, "* DISCARDED %llu\n", ev->size);
    }
}

static mw_status cli_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    crun *r = state;
    size_t pos = 0;
    for (;;) {
        size_t used = 0;
        mw_pop3_client_event ev;
        mw_status st = mw_pop3_client_feed(r->c, in ? in + pos : in, len - pos,
                                           &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            break;
        if (st != MW_OK)
            return st;
        cli_drain(r, log);
        log_event(r, &ev, log);
        cli_issue(r, log);
    }
    cli_drain(r, log);
    return MW_OK;
}

static mw_status cli_finish(void *state, mw_buf *log)
{
    crun *r = state;
    if (r->in_data)
        mwt_log(log, "]\n");
    logf_(log, "* STATE %llu wants %llu\n", mw_pop3_client_state(r->c),
          mw_pop3_client_wants(r->c));
    return MW_OK;
}

static const mwt_stream_ops cli_ops = {cli_create, cli_update, cli_finish,
                                       cli_destroy};

static void check_client(const step *steps, size_t n, const char *in,
                         const char *want)
{
    cli_cfg c = {steps, n};
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&cli_ops, &c, in, strlen(in), &whole);
    dump_logs(&whole, want);
    mwt_assert_bytes("client transcript", whole.data, whole.len, want,
                     strlen(want));
    mw_buf_free(&whole);
}

static void rep(mw_buf *b, const char *what, const char *verb, unsigned kind,
                unsigned code, unsigned count, unsigned long long size,
                unsigned msg, const char *text, const char *uid)
{
    char tmp[600];
    snprintf(tmp, sizeof(tmp),
             "* %s %s kind %u code %u count %u size %llu msg %u <%s> uid "
             "<%s>\n",
             what, verb, kind, code, count, size, msg, text, uid);
    mwt_log(b, tmp);
}

static void test_client_rfc1939_section10(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    static const step steps[] = {{MW_POP3_APOP, 0, 0, "mrose", SECRET},
                                 {MW_POP3_STAT, 0, 0, 0, 0},
                                 {MW_POP3_LIST, 0, 0, 0, 0},
                                 {MW_POP3_RETR, 1, 0, 0, 0},
                                 {MW_POP3_DELE, 1, 0, 0, 0},
                                 {MW_POP3_RETR, 2, 0, 0, 0},
                                 {MW_POP3_DELE, 2, 0, 0, 0},
                                 {MW_POP3_QUIT, 0, 0, 0, 0}};
    mw_buf in, want;
    mw_buf_init_growable(&in, NULL, 0);
    mw_buf_init_growable(&want, NULL, 0);
    mwt_log(&in, "+OK POP3 server ready " TS "\r\n"
                 "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
                 "+OK 2 320\r\n"
                 "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"
                 "+OK 120 octets\r\n");
    stuffed(&in, msg1, 120);
    mwt_log(&in, "+OK message 1 deleted\r\n+OK 200 octets\r\n");
    stuffed(&in, msg2, 200);
    mwt_log(&in, "+OK message 2 deleted\r\n"
                 "+OK dewey POP3 server signing off (maildrop empty)\r\n");
    mw_buf_append_byte(&in, 0);

    rep(&want, "GREETING", "", 1, 0, 0, 0, 0, "POP3 server ready " TS, "");
    mwt_log(&want, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
    rep(&want, "REPLY", "APOP", 1, 0, 0, 0, 0,
        "mrose's maildrop has 2 messages (320 octets)", "");
    mwt_log(&want, "STAT\r\n");
    rep(&want, "REPLY", "STAT", 1, 0, 2, 320, 0, "2 320", "");
    mwt_log(&want, "LIST\r\n");
    rep(&want, "REPLY", "LIST", 1, 0, 0, 0, 0, "2 messages (320 octets)", "");
    mwt_log(&want, "* LIST 1 120\n* LIST 2 200\n* END LIST\nRETR 1\r\n");
    rep(&want, "REPLY", "RETR", 1, 0, 0, 0, 0, "120 octets", "");
    mwt_log(&want, "* DATA [");
    mw_buf_append(&want, msg1, 120);
    mwt_log(&want, "]\n* END RETR\nDELE 1\r\n");
    rep(&want, "REPLY", "DELE", 1, 0, 0, 0, 0, "message 1 deleted", "");
    mwt_log(&want, "RETR 2\r\n");
    rep(&want, "REPLY", "RETR", 1, 0, 0, 0, 0, "200 octets", "");
    mwt_log(&want, "* DATA [");
    mw_buf_append(&want, msg2, 200);
    mwt_log(&want, "]\n* END RETR\nDELE 2\r\n");
    rep(&want, "REPLY", "DELE", 1, 0, 0, 0, 0, "message 2 deleted", "");
    mwt_log(&want, "QUIT\r\n");
    rep(&want, "REPLY", "QUIT", 1, 0, 0, 0, 0,
        "dewey POP3 server signing off (maildrop empty)", "");
    mwt_log(&want, "* STATE 4 wants 8\n");
    mw_buf_append_byte(&want, 0);
    check_client(steps, sizeof(steps) / sizeof(steps[0]), in.data, want.data);
    mw_buf_free(&in);
    mw_buf_free(&want);
}

static void test_client_rfc1939_sections_4_to_7(void **state)
{
    (void)state;
    static const step steps[] = {
        {MW_POP3_USER, 0, 0, "frated", 0}, {MW_POP3_USER, 0, 0, "mrose", 0},
        {MW_POP3_PASS, 0, 0, "secret", 0}, {MW_POP3_USER, 0, 0, "mrose", 0},
        {MW_POP3_PASS, 0, 0, "secret", 0}, {MW_POP3_LIST, 2, 0, 0, 0},
        {MW_POP3_LIST, 3, 0, 0, 0},        {MW_POP3_TOP, 1, 10, 0, 0},
        {MW_POP3_TOP, 100, 3, 0, 0},       {MW_POP3_UIDL, 0, 0, 0, 0},
        {MW_POP3_UIDL, 2, 0, 0, 0},        {MW_POP3_UIDL, 3, 0, 0, 0},
        {MW_POP3_NOOP, 0, 0, 0, 0},        {MW_POP3_DELE, 1, 0, 0, 0},
        {MW_POP3_DELE, 1, 0, 0, 0},        {MW_POP3_RSET, 0, 0, 0, 0},
        {MW_POP3_QUIT, 0, 0, 0, 0}};
    const char *in =
        "+OK POP3 server ready\r\n"
        "-ERR sorry, no mailbox for frated here\r\n"
        "+OK mrose is a real hoopy frood\r\n"
        "-ERR [IN-USE] maildrop already locked\r\n"
        "+OK mrose is a real hoopy frood\r\n"
        "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
        "+OK 2 200\r\n"
        "-ERR no such message, only 2 messages in maildrop\r\n"
        "+OK\r\nSubject: x\r\n\r\n..body\r\n.\r\n"
        "-ERR no such message\r\n"
        "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"
        "+OK 2 QhdPYR:00WBw1Ph7x7\r\n"
        "-ERR no such message, only 2 messages in maildrop\r\n"
        "+OK\r\n"
        "+OK message 1 deleted\r\n"
        "-ERR message 1 already deleted\r\n"
        "+OK maildrop has 2 messages (320 octets)\r\n"
        "+OK dewey POP3 server signing off (2 messages left)\r\n";
    mw_buf want;
    mw_buf_init_growable(&want, NULL, 0);
    rep(&want, "GREETING", "", 1, 0, 0, 0, 0, "POP3 server ready", "");
    mwt_log(&want, "USER frated\r\n");
    rep(&want, "REPLY", "USER", 0, 0, 0, 0, 0,
        "sorry, no mailbox for frated here", "");
    mwt_log(&want, "USER mrose\r\n");
    rep(&want, "REPLY", "USER", 1, 0, 0, 0, 0, "mrose is a real hoopy frood",
        "");
    mwt_log(&want, "PASS secret\r\n");
    rep(&want, "REPLY", "PASS", 0, MW_POP3_CODE_IN_USE, 0, 0, 0,
        "maildrop already locked", "");
    mwt_log(&want, "USER mrose\r\n");
    rep(&want, "REPLY", "USER", 1, 0, 0, 0, 0, "mrose is a real hoopy frood",
        "");
    mwt_log(&want, "PASS secret\r\n");
    rep(&want, "REPLY", "PASS", 1, 0, 0, 0, 0,
        "mrose's maildrop has 2 messages (320 octets)", "");
    mwt_log(&want, "LIST 2\r\n");
    rep(&want, "REPLY", "LIST", 1, 0, 0, 200, 2, "2 200", "");
    mwt_log(&want, "LIST 3\r\n");
    rep(&want, "REPLY", "LIST", 0, 0, 0, 0, 0,
        "no such message, only 2 messages in maildrop", "");
    mwt_log(&want, "TOP 1 10\r\n");
    rep(&want, "REPLY", "TOP", 1, 0, 0, 0, 0, "", "");
    mwt_log(&want, "* DATA [Subject: x\r\n\r\n.body\r\n]\n* END TOP\n"
                   "TOP 100 3\r\n");
    rep(&want, "REPLY", "TOP", 0, 0, 0, 0, 0, "no such message", "");
    mwt_log(&want, "UIDL\r\n");
    rep(&want, "REPLY", "UIDL", 1, 0, 0, 0, 0, "", "");
    mwt_log(&want, "* UIDL 1 whqtswO00WBw418f9t5JxYwZ\n"
                   "* UIDL 2 QhdPYR:00WBw1Ph7x7\n* END UIDL\nUIDL 2\r\n");
    rep(&want, "REPLY", "UIDL", 1, 0, 0, 0, 2, "2 QhdPYR:00WBw1Ph7x7",
        "QhdPYR:00WBw1Ph7x7");
    mwt_log(&want, "UIDL 3\r\n");
    rep(&want, "REPLY", "UIDL", 0, 0, 0, 0, 0,
        "no such message, only 2 messages in maildrop", "");
    mwt_log(&want, "NOOP\r\n");
    rep(&want, "REPLY", "NOOP", 1, 0, 0, 0, 0, "", "");
    mwt_log(&want, "DELE 1\r\n");
    rep(&want, "REPLY", "DELE", 1, 0, 0, 0, 0, "message 1 deleted", "");
    mwt_log(&want, "DELE 1\r\n");
    rep(&want, "REPLY", "DELE", 0, 0, 0, 0, 0, "message 1 already deleted", "");
    mwt_log(&want, "RSET\r\n");
    rep(&want, "REPLY", "RSET", 1, 0, 0, 0, 0,
        "maildrop has 2 messages (320 octets)", "");
    mwt_log(&want, "QUIT\r\n");
    rep(&want, "REPLY", "QUIT", 1, 0, 0, 0, 0,
        "dewey POP3 server signing off (2 messages left)", "");
    mwt_log(&want, "* STATE 4 wants 8\n");
    mw_buf_append_byte(&want, 0);
    check_client(steps, sizeof(steps) / sizeof(steps[0]), in, want.data);
    mw_buf_free(&want);
}

static void test_client_rfc2449_capa(void **state)
{
    (void)state;
    static const step steps[] = {{MW_POP3_CAPA, 0, 0, 0, 0},
                                 {MW_POP3_QUIT, 0, 0, 0, 0}};
    const char *in = "+OK POP3 server ready\r\n"
                     "+OK Capability list follows\r\n"
                     "TOP\r\n"
                     "USER\r\n"
                     "SASL CRAM-MD5 KERBEROS_V4\r\n"
                     "RESP-CODES\r\n"
                     "LOGIN-DELAY 900\r\n"
                     "PIPELINING\r\n"
                     "EXPIRE 60\r\n"
                     "UIDL\r\n"
                     "IMPLEMENTATION Shlemazle-Plotz-v302\r\n"
                     ".\r\n"
                     "+OK bye\r\n";
    mw_buf want;
    mw_buf_init_growable(&want, NULL, 0);
    rep(&want, "GREETING", "", 1, 0, 0, 0, 0, "POP3 server ready", "");
    mwt_log(&want, "CAPA\r\n");
    rep(&want, "REPLY", "CAPA", 1, 0, 0, 0, 0, "Capability list follows", "");
    mwt_log(&want, "* CAPA TOP\n* CAPA USER\n* CAPA SASL CRAM-MD5 KERBEROS_V4\n"
                   "* CAPA RESP-CODES\n* CAPA LOGIN-DELAY 900\n"
                   "* CAPA PIPELINING\n* CAPA EXPIRE 60\n* CAPA UIDL\n"
                   "* CAPA IMPLEMENTATION Shlemazle-Plotz-v302\n* END CAPA\n"
                   "QUIT\r\n");
    rep(&want, "REPLY", "QUIT", 1, 0, 0, 0, 0, "bye", "");
    mwt_log(&want, "* STATE 4 wants 8\n");
    mw_buf_append_byte(&want, 0);
    check_client(steps, 2, in, want.data);
    mw_buf_free(&want);
}

static void test_client_protocol_errors(void **state)
{
    (void)state;
    static const step none[] = {{MW_POP3_QUIT, 0, 0, 0, 0}};
    /* A response nobody asked for. */
    mw_buf want;
    mw_buf_init_growable(&want, NULL, 0);
    rep(&want, "GREETING", "", 1, 0, 0, 0, 0, "hi", "");
    mwt_log(&want, "!MW_E_SYNTAX");
    mw_buf_append_byte(&want, 0);
    check_client(none, 0, "+OK hi\r\n+OK unsolicited\r\n", want.data);
    mw_buf_clear(&want);
    /* A continuation outside AUTH; a malformed status. */
    rep(&want, "GREETING", "", 1, 0, 0, 0, 0, "hi", "");
    mwt_log(&want, "QUIT\r\n!MW_E_SYNTAX");
    mw_buf_append_byte(&want, 0);
    check_client(none, 1, "+OK hi\r\n+ abc\r\n", want.data);
    check_client(none, 1, "+OK hi\r\nOK\r\n", want.data);
    mw_buf_clear(&want);
    /* An -ERR greeting ends the session. */
    rep(&want, "GREETING", "", 0, 0, 0, 0, 0, "go away", "");
    mwt_log(&want, "* STATE 4 wants 8\n");
    mw_buf_append_byte(&want, 0);
    check_client(none, 1, "-ERR go away\r\n", want.data);
    mw_buf_free(&want);
}

/* ------------------------------------------------------------------ */
/* In-memory pump between the two sessions                             */
/* ------------------------------------------------------------------ */

typedef struct pump {
    mw_pop3_client *c;
    mw_pop3_server *s;
    app ap;
    size_t chunk; /* bytes moved per feed */
    mw_buf data;  /* DATA of the last RETR/TOP */
    mw_pop3_client_event last;
    uint32_t n_list, n_uidl, n_capa, ends;
    uint64_t discarded;
    mw_status cerr, serr;
} pump;

static void pump_client_event(pump *p, const mw_pop3_client_event *ev)
{
    switch (ev->type) {
    case MW_POP3_CEV_REPLY:
    case MW_POP3_CEV_GREETING:
        p->last = *ev;
        if (ev->verb == MW_POP3_RETR || ev->verb == MW_POP3_TOP)
            mw_buf_clear(&p->data);
        break;
    case MW_POP3_CEV_DATA:
        assert_int_equal(mw_buf_append(&p->data, ev->data.ptr, ev->data.len),
                         MW_OK);
        break;
    case MW_POP3_CEV_LIST:
        p->n_list++;
        break;
    case MW_POP3_CEV_UIDL:
        p->n_uidl++;
        break;
    case MW_POP3_CEV_CAPA:
        p->n_capa++;
        break;
    case MW_POP3_CEV_END:
        p->ends++;
        break;
    default:
        p->discarded += ev->size;
    }
}

/* Move bytes both ways until neither side has anything to say. */
static void pump_run(pump *p)
{
    for (int progress = 1; progress;) {
        progress = 0;
        size_t n;
        const char *out = mw_pop3_client_output(p->c, &n);
        if (n && p->serr == MW_OK) {
            size_t take = n < p->chunk ? n : p->chunk, used;
            mw_pop3_server_event ev;
            mw_status st = mw_pop3_server_feed(p->s, out, take, &used, &ev);
            if (st == MW_OK) {
                app_event(&p->ap, &ev);
            } else if (st != MW_NEED_MORE && st != MW_E_STATE &&
                       st != MW_E_NOSPACE) {
                p->serr = st;
            }
            mw_pop3_client_output_done(p->c, used);
            progress |= used > 0 || st == MW_OK;
        }
        out = mw_pop3_server_output(p->s, &n);
        if (n && p->cerr == MW_OK) {
            size_t take = n < p->chunk ? n : p->chunk, used;
            mw_pop3_client_event ev;
            mw_status st = mw_pop3_client_feed(p->c, out, take, &used, &ev);
            if (st == MW_OK)
                pump_client_event(p, &ev);
            else if (st != MW_NEED_MORE)
                p->cerr = st;
            mw_pop3_server_output_done(p->s, used);
            progress |= used > 0 || st == MW_OK;
        }
        if (p->ap.streaming) {
            size_t before;
            mw_pop3_server_output(p->s, &before);
            app_stream(&p->ap);
            mw_pop3_server_output(p->s, &n);
            progress |= n != before;
        }
        if (!progress && p->serr == MW_OK) {
            /* Events raised by answer calls (SASL) come on an empty feed. */
            size_t used;
            mw_pop3_server_event ev;
            if (mw_pop3_server_feed(p->s, NULL, 0, &used, &ev) == MW_OK) {
                app_event(&p->ap, &ev);
                progress = 1;
            }
        }
        if (!progress && p->cerr == MW_OK) {
            size_t used;
            mw_pop3_client_event ev;
            if (mw_pop3_client_feed(p->c, NULL, 0, &used, &ev) == MW_OK) {
                pump_client_event(p, &ev);
                progress = 1;
            }
        }
    }
}

static void pump_init(pump *p, const mw_pop3_server_config *scfg,
                      const maildrop *md, size_t chunk, const mw_allocator *a)
{
    memset(p, 0, sizeof(*p));
    p->chunk = chunk;
    assert_int_equal(mw_pop3_client_new(NULL, a, &p->c), MW_OK);
    assert_int_equal(mw_pop3_server_new(scfg, a, &p->s), MW_OK);
    p->ap.s = p->s;
    p->ap.md = md;
    p->ap.chunk = 4096;
    p->ap.allocator = a;
    mw_buf_init_growable(&p->data, NULL, 0);
    pump_run(p);
    assert_int_equal(p->last.type, MW_POP3_CEV_GREETING);
}

static void pump_free(pump *p)
{
    mw_pop3_client_free(p->c);
    mw_pop3_server_free(p->s);
    mw_buf_free(&p->data);
}

static void base_server_cfg(mw_pop3_server_config *c)
{
    memset(c, 0, sizeof(*c));
    c->size = sizeof(*c);
    c->flags = MW_POP3_SERVER_USER | MW_POP3_SERVER_APOP;
    c->timestamp.ptr = TS;
    c->timestamp.len = strlen(TS);
    c->sasl_mechs.ptr = "PLAIN SCRAM-SHA-256";
    c->sasl_mechs.len = 19;
}

static void expect_reply(pump *p, uint32_t verb, uint32_t kind)
{
    assert_int_equal(p->cerr, MW_OK);
    assert_int_equal(p->serr, MW_OK);
    assert_int_equal(p->last.type, MW_POP3_CEV_REPLY);
    assert_int_equal(p->last.verb, verb);
    assert_int_equal(p->last.resp.kind, kind);
}

static void login(pump *p)
{
    assert_int_equal(mw_pop3_client_user(p->c, S("mrose")), MW_OK);
    pump_run(p);
    expect_reply(p, MW_POP3_USER, MW_POP3_OK);
    assert_int_equal(mw_pop3_client_pass(p->c, S(SECRET)), MW_OK);
    pump_run(p);
    expect_reply(p, MW_POP3_PASS, MW_POP3_OK);
    assert_int_equal(mw_pop3_client_state(p->c), MW_POP3_STATE_TRANSACTION);
}

/* Messages with every dot-stuffing edge, a 1 MB one, and one without a
 * final line end. */
static char *big;
static const size_t big_len = 1024 * 1024;

static void edge_maildrop(maildrop *m)
{
    static const char m1[] = ".\r\n..\r\n.x\r\n\r\n.\r\n. \r\nlast\r\n";
    static const char m3[] = "Subject: t\r\n\r\nno final line end";
    if (!big) {
        big = malloc(big_len);
        assert_non_null(big);
        size_t n = 0, line = 0;
        while (n < big_len) {
            big[n++] = (line % 5 == 0) ? '.' : (char)('a' + line % 26);
            if (n % 61 == 0 && n + 2 <= big_len) {
                big[n++] = '\r';
                big[n++] = '\n';
                line++;
            }
        }
        memcpy(big + big_len - 2, "\r\n", 2);
    }
    memset(m, 0, sizeof(*m));
    m->count = 3;
    m->body[0] = m1;
    m->len[0] = sizeof(m1) - 1;
    m->body[1] = big;
    m->len[1] = big_len;
    m->body[2] = m3;
    m->len[2] = sizeof(m3) - 1;
    for (uint32_t i = 0; i < 3; i++) {
        m->sizes[i] = m->len[i];
        static const char *uids[] = {"uid-one", "uid-two", "uid-three"};
        m->uids[i].ptr = uids[i];
        m->uids[i].len = strlen(uids[i]);
    }
}

static void retr_equal(pump *p, uint32_t msg, const char *want, size_t len)
{
    assert_int_equal(mw_pop3_client_retr(p->c, msg), MW_OK);
    pump_run(p);
    assert_int_equal(p->cerr, MW_OK);
    assert_int_equal(p->last.verb, MW_POP3_RETR);
    assert_int_equal(p->last.resp.kind, MW_POP3_OK);
    mwt_assert_bytes("RETR", p->data.data, p->data.len, want, len);
}

static void run_maildrop_session(size_t chunk)
{
    maildrop md;
    edge_maildrop(&md);
    mw_pop3_server_config cfg;
    base_server_cfg(&cfg);
    pump p;
    pump_init(&p, &cfg, &md, chunk, NULL);
    /* CAPA announces PIPELINING: USER and PASS go out together. */
    assert_int_equal(mw_pop3_client_capa(p.c), MW_OK);
    pump_run(&p);
    mw_pop3_caps caps;
    assert_int_equal(mw_pop3_client_caps(p.c, &caps), MW_OK);
    assert_true(caps.flags & MW_POP3_CAP_PIPELINING);
    assert_int_equal(mw_pop3_client_user(p.c, S("mrose")), MW_OK);
    assert_int_equal(mw_pop3_client_pass(p.c, S(SECRET)), MW_OK);
    size_t n;
    const char *out = mw_pop3_client_output(p.c, &n);
    mwt_assert_bytes("pipelined", out, n,
                     S("USER mrose\r\nPASS " SECRET "\r\n"));
    pump_run(&p);
    expect_reply(&p, MW_POP3_PASS, MW_POP3_OK);
    assert_int_equal(mw_pop3_client_stat(p.c), MW_OK);
    assert_int_equal(mw_pop3_client_list(p.c, 0), MW_OK);
    assert_int_equal(mw_pop3_client_uidl(p.c, 0), MW_OK);
    pump_run(&p);
    assert_int_equal(p.n_list, 3);
    assert_int_equal(p.n_uidl, 3);
    retr_equal(&p, 1, md.body[0], md.len[0]);
    retr_equal(&p, 2, big, big_len);
    /* The session ends a message without a line end with CRLF. */
    retr_equal(&p, 3, S("Subject: t\r\n\r\nno final line end\r\n"));
    assert_int_equal(mw_pop3_client_top(p.c, 3, 0), MW_OK);
    pump_run(&p);
    mwt_assert_bytes("TOP 0", p.data.data, p.data.len, S("Subject: t\r\n\r\n"));
    assert_int_equal(mw_pop3_client_top(p.c, 1, 2), MW_OK);
    pump_run(&p);
    /* Message 1 has no header/body blank line before its fourth line. */
    mwt_assert_bytes("TOP 2", p.data.data, p.data.len,
                     S(".\r\n..\r\n.x\r\n\r\n.\r\n. \r\n"));
    assert_int_equal(mw_pop3_client_dele(p.c, 1), MW_OK);
    assert_int_equal(mw_pop3_client_rset(p.c), MW_OK);
    assert_int_equal(mw_pop3_client_dele(p.c, 2), MW_OK);
    assert_int_equal(mw_pop3_client_dele(p.c, 3), MW_OK);
    assert_int_equal(mw_pop3_client_retr(p.c, 2), MW_OK);
    pump_run(&p);
    expect_reply(&p, MW_POP3_RETR, MW_POP3_ERR);
    assert_int_equal(p.ap.updates, 0);
    assert_int_equal(mw_pop3_client_quit(p.c), MW_OK);
    pump_run(&p);
    expect_reply(&p, MW_POP3_QUIT, MW_POP3_OK);
    assert_int_equal(p.ap.updates, 1);
    assert_int_equal(p.ap.n_deleted, 2);
    assert_int_equal(p.ap.deleted[0], 2);
    assert_int_equal(p.ap.deleted[1], 3);
    assert_true(mw_pop3_client_wants(p.c) & MW_WANT_CLOSE);
    assert_true(mw_pop3_server_wants(p.s) & MW_WANT_CLOSE);
    assert_int_equal(mw_pop3_client_eof(p.c), MW_OK);
    pump_free(&p);
}

static void test_pump_maildrop_whole(void **state)
{
    (void)state;
    run_maildrop_session(SIZE_MAX);
}

static void test_pump_maildrop_small_chunks(void **state)
{
    (void)state;
    run_maildrop_session(7);
}

static void test_dropped_connection_deletes_nothing(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    mw_pop3_server_config cfg;
    base_server_cfg(&cfg);
    pump p;
    pump_init(&p, &cfg, &md, SIZE_MAX, NULL);
    login(&p);
    assert_int_equal(mw_pop3_client_dele(p.c, 1), MW_OK);
    assert_int_equal(mw_pop3_client_dele(p.c, 2), MW_OK);
    pump_run(&p);
    expect_reply(&p, MW_POP3_DELE, MW_POP3_OK);
    assert_true(mw_pop3_server_is_deleted(p.s, 1));
    /* The connection drops: no UPDATE, ever. */
    assert_int_equal(mw_pop3_server_eof(p.s), MW_OK);
    assert_int_equal(mw_pop3_server_state(p.s), MW_POP3_STATE_CLOSED);
    size_t used;
    mw_pop3_server_event ev;
    assert_int_equal(mw_pop3_server_feed(p.s, S("QUIT\r\n"), &used, &ev),
                     MW_NEED_MORE);
    assert_int_equal(used, 6);
    assert_int_equal(p.ap.updates, 0);
    assert_int_equal(mw_pop3_client_eof(p.c), MW_E_CLOSED);
    pump_free(&p);
    /* QUIT in AUTHORIZATION never enters UPDATE either. */
    pump_init(&p, &cfg, &md, SIZE_MAX, NULL);
    assert_int_equal(mw_pop3_client_quit(p.c), MW_OK);
    pump_run(&p);
    expect_reply(&p, MW_POP3_QUIT, MW_POP3_OK);
    assert_int_equal(p.ap.updates, 0);
    pump_free(&p);
}

static void test_pump_apop_and_sasl(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    mw_pop3_server_config cfg;
    base_server_cfg(&cfg);
    static const struct {
        mw_sasl_mech mech;
        const char *password;
        uint32_t kind;
    } cases[] = {{MW_SASL_PLAIN, SECRET, MW_POP3_OK},
                 {MW_SASL_PLAIN, "wrong", MW_POP3_ERR},
                 {MW_SASL_SCRAM_SHA_256, SECRET, MW_POP3_OK},
                 {MW_SASL_SCRAM_SHA_256, "wrong", MW_POP3_ERR}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pump p;
        pump_init(&p, &cfg, &md, 5, NULL);
        assert_int_equal(mw_pop3_client_capa(p.c), MW_OK);
        pump_run(&p);
        mw_sasl_client_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.size = sizeof(sc);
        sc.mech = cases[i].mech;
        sc.authcid.ptr = "mrose";
        sc.authcid.len = 5;
        sc.password.ptr = cases[i].password;
        sc.password.len = strlen(cases[i].password);
        sc.random.ptr = "0123456789abcdefghij";
        sc.random.len = 20;
        mw_sasl *sasl;
        assert_int_equal(mw_sasl_client_new(&sc, NULL, &sasl), MW_OK);
        assert_int_equal(mw_pop3_client_auth(p.c, sasl), MW_OK);
        /* Nothing may be queued while AUTH runs. */
        assert_int_equal(mw_pop3_client_noop(p.c), MW_E_STATE);
        pump_run(&p);
        expect_reply(&p, MW_POP3_AUTH, cases[i].kind);
        if (cases[i].kind == MW_POP3_ERR)
            assert_int_equal(p.last.resp.code, MW_POP3_CODE_AUTH);
        else
            assert_int_equal(mw_pop3_client_state(p.c),
                             MW_POP3_STATE_TRANSACTION);
        mw_sasl_free(sasl);
        pump_free(&p);
    }
    /* An initial response that would pass 255 octets is held back and
     * sent after the empty "+ " (RFC 5034 section 4). */
    {
        pump p;
        pump_init(&p, &cfg, &md, SIZE_MAX, NULL);
        char pw[200];
        memset(pw, 'p', sizeof(pw));
        mw_sasl_client_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.size = sizeof(sc);
        sc.mech = MW_SASL_PLAIN;
        sc.authcid.ptr = "mrose";
        sc.authcid.len = 5;
        sc.password.ptr = pw;
        sc.password.len = sizeof(pw);
        mw_sasl *sasl;
        assert_int_equal(mw_sasl_client_new(&sc, NULL, &sasl), MW_OK);
        assert_int_equal(mw_pop3_client_auth(p.c, sasl), MW_OK);
        size_t n;
        const char *o = mw_pop3_client_output(p.c, &n);
        mwt_assert_bytes("AUTH without IR", o, n, S("AUTH PLAIN\r\n"));
        pump_run(&p);
        expect_reply(&p, MW_POP3_AUTH, MW_POP3_ERR);
        assert_int_equal(p.last.resp.code, MW_POP3_CODE_AUTH);
        assert_int_equal(p.ap.error, MW_OK);
        mw_sasl_free(sasl);
        pump_free(&p);
    }
    /* APOP with the greeting's timestamp, right and wrong. */
    for (int good = 0; good < 2; good++) {
        pump p;
        pump_init(&p, &cfg, &md, SIZE_MAX, NULL);
        mw_span ts;
        assert_int_equal(mw_pop3_client_timestamp(p.c, &ts), MW_OK);
        assert_int_equal(ts.len, strlen(TS));
        const char *pw = good ? SECRET : "nope";
        assert_int_equal(mw_pop3_client_apop(p.c, S("mrose"), pw, strlen(pw)),
                         MW_OK);
        pump_run(&p);
        expect_reply(&p, MW_POP3_APOP, good ? MW_POP3_OK : MW_POP3_ERR);
        pump_free(&p);
    }
}

/* CVE-2020-15953 (libetpan #386, PEERS.md section 3 item 2): bytes the
 * server sends after "+OK" to STLS and before the handshake must never be
 * read as responses after it. */
static void test_cve_2020_15953_stls_response_injection(void **state)
{
    (void)state;
    for (int split = 0; split < 2; split++) {
        mw_pop3_client *c;
        assert_int_equal(mw_pop3_client_new(NULL, NULL, &c), MW_OK);
        mw_pop3_client_event ev;
        size_t used;
        const char *greet = "+OK hi\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n";
        assert_int_equal(
            mw_pop3_client_feed(c, greet, strlen(greet), &used, &ev), MW_OK);
        assert_int_equal(mw_pop3_client_capa(c), MW_OK);
        size_t pos = used;
        while (mw_pop3_client_feed(c, greet + pos, strlen(greet) - pos, &used,
                                   &ev) == MW_OK)
            pos += used;
        assert_int_equal(mw_pop3_client_stls(c), MW_OK);
        size_t n;
        mw_pop3_client_output(c, &n);
        mw_pop3_client_output_done(c, n);
        const char *evil = "+OK begin\r\n-ERR [AUTH] injected\r\n+OK\r\n";
        size_t first = split ? 11 : strlen(evil);
        assert_int_equal(mw_pop3_client_feed(c, evil, first, &used, &ev),
                         MW_OK);
        assert_int_equal(ev.verb, MW_POP3_STLS);
        assert_int_equal(used, 11);
        assert_int_equal(mw_pop3_client_wants(c), MW_WANT_TLS);
        /* The rest of the plaintext, however it arrives, is discarded. */
        assert_int_equal(
            mw_pop3_client_feed(c, evil + 11, strlen(evil) - 11, &used, &ev),
            MW_NEED_MORE);
        assert_int_equal(used, strlen(evil) - 11);
        assert_int_equal(mw_pop3_client_tls_done(c, 1), MW_OK);
        assert_int_equal(mw_pop3_client_feed(c, NULL, 0, &used, &ev), MW_OK);
        assert_int_equal(ev.type, MW_POP3_CEV_DISCARDED);
        assert_int_equal(ev.size, strlen(evil) - 11);
        assert_int_equal(mw_pop3_client_discarded(c), strlen(evil) - 11);
        /* Capabilities are forgotten and asked for again. */
        mw_pop3_caps caps;
        assert_int_equal(mw_pop3_client_caps(c, &caps), MW_E_STATE);
        const char *o = mw_pop3_client_output(c, &n);
        mwt_assert_bytes("after TLS", o, n, S("CAPA\r\n"));
        mw_pop3_client_output_done(c, n);
        const char *tls = "+OK\r\nUSER\r\n.\r\n";
        assert_int_equal(mw_pop3_client_feed(c, tls, strlen(tls), &used, &ev),
                         MW_OK);
        assert_int_equal(ev.type, MW_POP3_CEV_REPLY);
        assert_int_equal(ev.verb, MW_POP3_CAPA);
        assert_int_equal(ev.resp.kind, MW_POP3_OK);
        assert_int_equal(mw_pop3_client_stls(c), MW_E_STATE);
        mw_pop3_client_free(c);
    }
}

/* The server side of the same hole (CVE-2011-0411 class; aiosmtpd #380):
 * commands pipelined behind STLS are never executed. */
static void test_stls_command_injection_discarded(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    mw_pop3_server_config cfg;
    base_server_cfg(&cfg);
    cfg.flags |= MW_POP3_SERVER_STLS | MW_POP3_SERVER_TLS_REQUIRED;
    mw_pop3_server *s;
    assert_int_equal(mw_pop3_server_new(&cfg, NULL, &s), MW_OK);
    size_t n, used;
    mw_pop3_server_output(s, &n);
    mw_pop3_server_output_done(s, n);
    mw_pop3_server_event ev;
    /* Before TLS, USER is refused and not announced. */
    assert_int_equal(
        mw_pop3_server_feed(s, S("USER mrose\r\nCAPA\r\n"), &used, &ev),
        MW_NEED_MORE);
    const char *o = mw_pop3_server_output(s, &n);
    assert_true(contains(o, n, "-ERR USER not available\r\n"));
    assert_true(contains(o, n, "STLS\r\n"));
    assert_false(contains(o, n, "\nUSER\r\n"));
    mw_pop3_server_output_done(s, n);
    const char *in = "STLS\r\nUSER mrose\r\nPASS " SECRET "\r\n";
    assert_int_equal(mw_pop3_server_feed(s, in, strlen(in), &used, &ev),
                     MW_NEED_MORE);
    assert_int_equal(used, strlen(in));
    o = mw_pop3_server_output(s, &n);
    mwt_assert_bytes("STLS reply", o, n, S("+OK Begin TLS negotiation\r\n"));
    assert_int_equal(mw_pop3_server_wants(s), MW_WANT_WRITE);
    mw_pop3_server_output_done(s, n);
    assert_int_equal(mw_pop3_server_wants(s), MW_WANT_TLS);
    assert_int_equal(mw_pop3_server_feed(s, S("NOOP\r\n"), &used, &ev),
                     MW_NEED_MORE);
    assert_int_equal(mw_pop3_server_tls_done(s, 1), MW_OK);
    assert_int_equal(mw_pop3_server_feed(s, NULL, 0, &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_POP3_SEV_DISCARDED);
    assert_int_equal(ev.count, strlen(in) - 6 + 6);
    assert_int_equal(mw_pop3_server_discarded(s), strlen(in));
    /* Nothing of the plaintext was executed: PASS needs USER again. */
    assert_int_equal(
        mw_pop3_server_feed(s, S("PASS x\r\nSTLS\r\nCAPA\r\n"), &used, &ev),
        MW_NEED_MORE);
    o = mw_pop3_server_output(s, &n);
    assert_true(n > 40);
    assert_int_equal(memcmp(o, S("-ERR USER first\r\n-ERR STLS not available"
                                 "\r\n")),
                     0);
    assert_true(contains(o, n, "\nUSER\r\n"));
    mw_pop3_server_free(s);
}

static void test_client_request_rules(void **state)
{
    (void)state;
    mw_pop3_client *c;
    assert_int_equal(mw_pop3_client_new(NULL, NULL, &c), MW_OK);
    assert_int_equal(mw_pop3_client_capa(c), MW_E_STATE); /* no greeting */
    mw_pop3_client_event ev;
    size_t used;
    assert_int_equal(mw_pop3_client_feed(c, S("+OK hi\r\n"), &used, &ev),
                     MW_OK);
    assert_int_equal(mw_pop3_client_wants(c), 0);
    assert_int_equal(mw_pop3_client_stat(c), MW_E_STATE);
    assert_int_equal(mw_pop3_client_retr(c, 1), MW_E_STATE);
    assert_int_equal(mw_pop3_client_apop(c, S("a"), S("b")), MW_E_STATE);
    assert_int_equal(mw_pop3_client_user(c, S("bob\r\nDELE 1")), MW_E_CRLF);
    assert_int_equal(mw_pop3_client_pass(c, S("pw\nQUIT")), MW_E_CRLF);
    assert_int_equal(mw_pop3_client_user(c, NULL, 0), MW_E_ARG);
    /* Without PIPELINING only the first command is released. */
    assert_int_equal(mw_pop3_client_user(c, S("bob")), MW_OK);
    assert_int_equal(mw_pop3_client_pass(c, S("pw")), MW_OK);
    size_t n;
    const char *o = mw_pop3_client_output(c, &n);
    mwt_assert_bytes("held", o, n, S("USER bob\r\n"));
    mw_pop3_client_output_done(c, 4);
    o = mw_pop3_client_output(c, &n);
    mwt_assert_bytes("partial write", o, n, S(" bob\r\n"));
    mw_pop3_client_output_done(c, n);
    assert_int_equal(mw_pop3_client_stls(c), MW_E_STATE); /* not alone */
    assert_int_equal(mw_pop3_client_feed(c, S("+OK\r\n"), &used, &ev), MW_OK);
    o = mw_pop3_client_output(c, &n);
    mwt_assert_bytes("released", o, n, S("PASS pw\r\n"));
    mw_pop3_client_output_done(c, n);
    assert_int_equal(mw_pop3_client_feed(c, S("+OK in\r\n"), &used, &ev),
                     MW_OK);
    assert_int_equal(mw_pop3_client_state(c), MW_POP3_STATE_TRANSACTION);
    assert_int_equal(mw_pop3_client_user(c, S("x")), MW_E_STATE);
    assert_int_equal(mw_pop3_client_retr(c, 0), MW_E_ARG);
    assert_int_equal(mw_pop3_client_quit(c), MW_OK);
    assert_int_equal(mw_pop3_client_noop(c), MW_E_STATE);
    assert_int_equal(mw_pop3_client_eof(c), MW_E_CLOSED);
    mw_pop3_client_free(c);
    /* Queue limit. */
    mw_pop3_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.inflight_max = 2;
    assert_int_equal(mw_pop3_client_new(&cfg, NULL, &c), MW_OK);
    assert_int_equal(mw_pop3_client_feed(c, S("+OK hi\r\n"), &used, &ev),
                     MW_OK);
    assert_int_equal(mw_pop3_client_user(c, S("a")), MW_OK);
    assert_int_equal(mw_pop3_client_pass(c, S("b")), MW_OK);
    assert_int_equal(mw_pop3_client_capa(c), MW_E_LIMIT);
    mw_pop3_client_free(c);
}

static void test_sessions_in_caller_storage(void **state)
{
    (void)state;
    maildrop md;
    rfc_maildrop(&md);
    mw_pop3_server_config scfg;
    base_server_cfg(&scfg);
    scfg.output_max = 8192;
    scfg.messages_max = 16;
    mw_pop3_client_config ccfg;
    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.size = sizeof(ccfg);
    ccfg.output_max = 1024;
    size_t cn = mw_pop3_client_sizeof(&ccfg);
    size_t sn = mw_pop3_server_sizeof(&scfg);
    void *cm = malloc(cn), *sm = malloc(sn);
    pump p;
    memset(&p, 0, sizeof(p));
    p.chunk = 100;
    assert_int_equal(mw_pop3_client_init_in(cm, cn - 1, &ccfg, &p.c), MW_E_ARG);
    assert_int_equal(mw_pop3_client_init_in(cm, cn, &ccfg, &p.c), MW_OK);
    assert_int_equal(mw_pop3_server_init_in(sm, sn, &scfg, &p.s), MW_OK);
    p.ap.s = p.s;
    p.ap.md = &md;
    p.ap.chunk = 64;
    mw_buf_init_growable(&p.data, NULL, 0);
    pump_run(&p);
    login(&p);
    retr_equal(&p, 2, msg2, 200);
    assert_int_equal(mw_pop3_client_dele(p.c, 1), MW_OK);
    assert_int_equal(mw_pop3_client_quit(p.c), MW_OK);
    pump_run(&p);
    assert_int_equal(p.ap.n_deleted, 1);
    mw_pop3_client_free(p.c);
    mw_pop3_server_free(p.s);
    mw_buf_free(&p.data);
    free(cm);
    free(sm);
}

/* A whole session under allocation failure: every failure is reported
 * cleanly and nothing leaks. */
static int session_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    maildrop md;
    rfc_maildrop(&md);
    mw_pop3_server_config cfg;
    base_server_cfg(&cfg);
    pump p;
    memset(&p, 0, sizeof(p));
    p.chunk = SIZE_MAX;
    if (mw_pop3_client_new(NULL, a, &p.c) != MW_OK)
        return 0;
    if (mw_pop3_server_new(&cfg, a, &p.s) != MW_OK) {
        mw_pop3_client_free(p.c);
        return 0;
    }
    p.ap.s = p.s;
    p.ap.md = &md;
    p.ap.chunk = 50;
    p.ap.allocator = a;
    mw_buf_init_growable(&p.data, NULL, 0);
    pump_run(&p);
    mw_sasl_client_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.size = sizeof(sc);
    sc.mech = MW_SASL_SCRAM_SHA_256;
    sc.authcid.ptr = "mrose";
    sc.authcid.len = 5;
    sc.password.ptr = SECRET;
    sc.password.len = strlen(SECRET);
    sc.random.ptr = "0123456789abcdefghij";
    sc.random.len = 20;
    mw_sasl *sasl = NULL;
    if (mw_sasl_client_new(&sc, a, &sasl) == MW_OK &&
        mw_pop3_client_auth(p.c, sasl) == MW_OK) {
        pump_run(&p);
        mw_pop3_client_retr(p.c, 1);
        mw_pop3_client_dele(p.c, 1);
        mw_pop3_client_quit(p.c);
        pump_run(&p);
    }
    mw_sasl_free(sasl);
    pump_free(&p);
    return 0;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    mwt_failalloc_sweep(session_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_rfc1939_section10),
        cmocka_unit_test(test_server_rfc1939_sections_4_to_7),
        cmocka_unit_test(test_server_rfc2449_capa),
        cmocka_unit_test(test_server_limits_and_errors),
        cmocka_unit_test(test_server_sasl_plain),
        cmocka_unit_test(test_client_rfc1939_section10),
        cmocka_unit_test(test_client_rfc1939_sections_4_to_7),
        cmocka_unit_test(test_client_rfc2449_capa),
        cmocka_unit_test(test_client_protocol_errors),
        cmocka_unit_test(test_pump_maildrop_whole),
        cmocka_unit_test(test_pump_maildrop_small_chunks),
        cmocka_unit_test(test_dropped_connection_deletes_nothing),
        cmocka_unit_test(test_pump_apop_and_sasl),
        cmocka_unit_test(test_cve_2020_15953_stls_response_injection),
        cmocka_unit_test(test_stls_command_injection_discarded),
        cmocka_unit_test(test_client_request_rules),
        cmocka_unit_test(test_sessions_in_caller_storage),
        cmocka_unit_test(test_allocation_failures),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(big);
    return rc;
}
