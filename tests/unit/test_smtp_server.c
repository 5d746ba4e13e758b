/* SMTP / LMTP server session: RFC 5321 appendix D from the server side,
 * sequencing, pipelining, BDAT, STARTTLS, AUTH, limits and LMTP. Every
 * transcript test runs whole, byte by byte and split at every offset with
 * identical logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#include "mailwire/smtp_server.h"

#define S(lit) lit, sizeof(lit) - 1

/* ------------------------------------------------------------------ */
/* Harness                                                             */
/* ------------------------------------------------------------------ */

typedef mw_status (*decider)(mw_smtp_server *s, const mw_smtp_server_event *ev);

typedef struct setup {
    mw_smtp_server_config cfg;
    mw_limits limits;
    decider decide;
    const mw_allocator *allocator;
} setup;

typedef struct run {
    mw_smtp_server *s;
    const setup *su;
    mw_buf body;
    int closed_logged;
} run;

static const char host[] = "foo.com";

static void base_setup(setup *su)
{
    memset(su, 0, sizeof(*su));
    su->cfg.size = sizeof(su->cfg);
    su->cfg.hostname.ptr = host;
    su->cfg.hostname.len = strlen(host);
    su->cfg.greeting.ptr = "Simple Mail Transfer Service Ready";
    su->cfg.greeting.len = strlen(su->cfg.greeting.ptr);
    mw_limits_default(&su->limits);
    su->cfg.limits = &su->limits;
}

static void logf_(mw_buf *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void logf_(mw_buf *log, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    assert_int_equal(mw_buf_append(log, tmp, (size_t)n), MW_OK);
}

static void flush_body(run *r, mw_buf *log)
{
    if (r->body.len == 0)
        return;
    logf_(log, "{BODY ");
    assert_int_equal(mw_buf_append(log, r->body.data, r->body.len), MW_OK);
    logf_(log, "}\n");
    mw_buf_clear(&r->body);
}

static void drain(run *r, mw_buf *log)
{
    size_t n = 0;
    const char *out = mw_smtp_server_output(r->s, &n);
    if (n == 0)
        return;
    assert_int_equal(mw_buf_append(log, out, n), MW_OK);
    mw_smtp_server_output_done(r->s, n);
}

static void log_path(mw_buf *log, const mw_smtp_path *p)
{
    if (p->flags & MW_SMTP_PATH_NULL) {
        logf_(log, "<>");
        return;
    }
    logf_(log, "<%.*s%s%.*s>", (int)p->local.len, p->local.ptr,
          p->domain.len ? "@" : "", (int)p->domain.len, p->domain.ptr);
}

static void log_event(run *r, const mw_smtp_server_event *ev, mw_buf *log)
{
    if (ev->type == MW_SMTP_SEV_BODY) {
        assert_true(ev->data.len > 0);
        assert_int_equal(mw_buf_append(&r->body, ev->data.ptr, ev->data.len),
                         MW_OK);
        return;
    }
    if (ev->type == MW_SMTP_SEV_MESSAGE_REJECTED) {
        /* The application drops what it buffered; how much it saw before
         * the refusal depends on the chunking. */
        mw_buf_clear(&r->body);
        logf_(log, "{REJECTED %x %u %llu}\n", ev->reason, ev->rcpt_count,
              (unsigned long long)ev->count);
        return;
    }
    /* The body is logged with the end of its message, so that how it
     * was cut into events does not show. */
    if (ev->type == MW_SMTP_SEV_MESSAGE)
        flush_body(r, log);
    const mw_smtp_cmd *c = &ev->cmd;
    switch (ev->type) {
    case MW_SMTP_SEV_HELO:
        logf_(log, "{HELO %s %.*s}\n", mw_smtp_verb_name(c->verb),
              (int)c->arg.len, c->arg.ptr);
        break;
    case MW_SMTP_SEV_MAIL:
        logf_(log, "{MAIL ");
        log_path(log, &c->path);
        if (c->pflags & MW_SMTP_P_SIZE)
            logf_(log, " SIZE=%llu", (unsigned long long)c->size);
        if (c->pflags & MW_SMTP_P_BODY)
            logf_(log, " BODY=%u", c->body);
        logf_(log, "}\n");
        break;
    case MW_SMTP_SEV_RCPT:
        logf_(log, "{RCPT ");
        log_path(log, &c->path);
        logf_(log, " %u}\n", ev->rcpt_index);
        break;
    case MW_SMTP_SEV_DATA:
        logf_(log, "{DATA%s}\n",
              (ev->flags & MW_SMTP_SEV_F_BDAT) ? " BDAT" : "");
        break;
    case MW_SMTP_SEV_MESSAGE:
        logf_(log, "{MESSAGE %u/%u %llu%s}\n", ev->rcpt_index, ev->rcpt_count,
              (unsigned long long)ev->count,
              (ev->flags & MW_SMTP_SEV_F_NORMALIZED) ? " NORM" : "");
        break;
    case MW_SMTP_SEV_RESET:
        logf_(log, "{RESET}\n");
        break;
    case MW_SMTP_SEV_VRFY:
    case MW_SMTP_SEV_EXPN:
        logf_(log, "{%s %.*s}\n",
              ev->type == MW_SMTP_SEV_VRFY ? "VRFY" : "EXPN", (int)c->arg.len,
              c->arg.ptr);
        break;
    case MW_SMTP_SEV_AUTH:
        logf_(log, "{AUTH %s}\n", mw_sasl_mech_name((mw_sasl_mech)ev->mech));
        break;
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        logf_(log, "{CRED %.*s|%.*s}\n", (int)ev->authcid.len, ev->authcid.ptr,
              (int)ev->authzid.len, ev->authzid.ptr);
        break;
    case MW_SMTP_SEV_AUTH_RESULT:
        logf_(log, "{AUTHRESULT %s %.*s}\n", mw_status_name(ev->status),
              (int)ev->authcid.len, ev->authcid.ptr);
        break;
    case MW_SMTP_SEV_PLAINTEXT_DISCARDED:
        logf_(log, "{DISCARDED %llu}\n", (unsigned long long)ev->count);
        break;
    default:
        fail_msg("unexpected event %u", ev->type);
    }
}

static const uint8_t nonce_bytes[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                        9, 10, 11, 12, 13, 14, 15, 16};

static mw_status give_credentials(mw_smtp_server *s,
                                  const mw_smtp_server_event *ev)
{
    mw_sasl *sasl = mw_smtp_server_sasl(s);
    assert_non_null(sasl);
    int known = ev->authcid.len == 4 && memcmp(ev->authcid.ptr, "user", 4) == 0;
    mw_status st;
    if (ev->mech == MW_SASL_SCRAM_SHA_256 || ev->mech == MW_SASL_SCRAM_SHA_1) {
        mw_hash_alg alg =
            ev->mech == MW_SASL_SCRAM_SHA_1 ? MW_HASH_SHA1 : MW_HASH_SHA256;
        size_t kl = ev->mech == MW_SASL_SCRAM_SHA_1 ? 20 : 32;
        uint8_t sk[32], svk[32];
        /* Unknown users get made-up credentials and fail at the proof. */
        const char *pw = known ? "pencil" : "not-the-password";
        assert_int_equal(mw_scram_derive_keys(alg, pw, strlen(pw), "NaCl", 4,
                                              64, sk, svk, kl),
                         MW_OK);
        st = mw_sasl_server_set_scram(sasl, "NaCl", 4, 64, sk, svk, kl);
    } else if (ev->mech == MW_SASL_XOAUTH2 || ev->mech == MW_SASL_OAUTHBEARER) {
        mw_span token;
        assert_int_equal(mw_sasl_server_secret(sasl, &token), MW_OK);
        st = mw_sasl_server_set_verdict(
            sasl, token.len == 6 && memcmp(token.ptr, "pencil", 6) == 0);
    } else if (known) {
        st = mw_sasl_server_set_password(sasl, "pencil", 6);
    } else {
        st = mw_sasl_server_set_verdict(sasl, 0);
    }
    if (st != MW_OK)
        return st;
    return mw_smtp_server_accept(s);
}

/* Accept everything but recipients called Green or bad*, and VRFY Crispin
 * gets the answer of RFC 5321 D.4. */
static mw_status default_decide(mw_smtp_server *s,
                                const mw_smtp_server_event *ev)
{
    const mw_smtp_cmd *c = &ev->cmd;
    switch (ev->type) {
    case MW_SMTP_SEV_RCPT:
        if ((c->path.local.len == 5 &&
             memcmp(c->path.local.ptr, "Green", 5) == 0) ||
            (c->path.local.len >= 3 &&
             memcmp(c->path.local.ptr, "bad", 3) == 0))
            return mw_smtp_server_reply(s, 550, "5.1.1", "No such user here");
        break;
    case MW_SMTP_SEV_VRFY:
        if (c->arg.len == 7 && memcmp(c->arg.ptr, "Crispin", 7) == 0)
            return mw_smtp_server_reply(s, 250, NULL,
                                        "Mark Crispin <Admin.MRC@foo.com>");
        break;
    case MW_SMTP_SEV_AUTH:
        assert_int_equal(
            mw_smtp_server_auth_random(s, nonce_bytes, sizeof(nonce_bytes)),
            MW_OK);
        break;
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        return give_credentials(s, ev);
    default:
        break;
    }
    return mw_smtp_server_accept(s);
}

static void *run_create(const void *cfg)
{
    const setup *su = cfg;
    run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->su = su;
    mw_buf_init_growable(&r->body, NULL, 0);
    assert_int_equal(mw_smtp_server_new(&su->cfg, su->allocator, &r->s), MW_OK);
    return r;
}

static mw_status run_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    run *r = state;
    decider decide = r->su->decide ? r->su->decide : default_decide;
    size_t pos = 0;
    drain(r, log);
    for (;;) {
        mw_smtp_server_event ev;
        size_t used = 0;
        mw_status st =
            mw_smtp_server_feed(r->s, in + pos, len - pos, &used, &ev);
        assert_true(used <= len - pos);
        pos += used;
        drain(r, log);
        if (st == MW_OK) {
            log_event(r, &ev, log);
            if (ev.decide) {
                mw_status d = decide(r->s, &ev);
                if (d != MW_OK)
                    return d;
                drain(r, log);
            }
            continue;
        }
        if (st == MW_E_WOULDBLOCK)
            continue;
        if (st == MW_NEED_MORE) {
            assert_int_equal(pos, len);
            return MW_OK;
        }
        if (st == MW_E_CLOSED) {
            if (!r->closed_logged)
                logf_(log, "{CLOSED}\n");
            r->closed_logged = 1;
            return MW_OK;
        }
        return st;
    }
}

static mw_status run_finish(void *state, mw_buf *log)
{
    run *r = state;
    drain(r, log);
    flush_body(r, log);
    return MW_OK;
}

static void run_destroy(void *state)
{
    run *r = state;
    mw_smtp_server_free(r->s);
    mw_buf_free(&r->body);
    free(r);
}

static const mwt_stream_ops server_ops = {run_create, run_update, run_finish,
                                          run_destroy};

static void expect_transcript(const setup *su, const char *in, size_t len,
                              const char *want, size_t want_len)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&server_ops, su, in, len, &log);
    mwt_assert_bytes("server log", log.data, log.len, want, want_len);
    mw_buf_free(&log);
}

/* Runs once, whole, returning the session for further checks. */
static run *start(const setup *su)
{
    return run_create(su);
}

static void feed_expect(run *r, const char *in, size_t len, const char *want,
                        size_t want_len)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    assert_int_equal(run_update(r, in, len, &log), MW_OK);
    mwt_assert_bytes("server log", log.data, log.len, want, want_len);
    mw_buf_free(&log);
}

#define GREETING "220 foo.com Simple Mail Transfer Service Ready\r\n"
#define EHLO_D                                                                 \
    "{HELO EHLO bar.com}\n250-foo.com greets bar.com\r\n250-SIZE\r\n"          \
    "250-8BITMIME\r\n250 DSN\r\n"

static void d_setup(setup *su)
{
    base_setup(su);
    su->cfg.caps = MW_SMTP_CAP_8BITMIME | MW_SMTP_CAP_SIZE | MW_SMTP_CAP_DSN;
}

/* ------------------------------------------------------------------ */
/* RFC 5321 appendix D                                                 */
/* ------------------------------------------------------------------ */

static void test_rfc5321_d1_typical_transaction(void **state)
{
    (void)state;
    setup su;
    d_setup(&su);
    /* D.1, with our keyword order and no HELP keyword. The client's
     * "...etc." line loses its first dot (RFC 5321 4.5.2). */
    expect_transcript(&su,
                      S("EHLO bar.com\r\n"
                        "MAIL FROM:<Smith@bar.com>\r\n"
                        "RCPT TO:<Jones@foo.com>\r\n"
                        "RCPT TO:<Green@foo.com>\r\n"
                        "RCPT TO:<Brown@foo.com>\r\n"
                        "DATA\r\n"
                        "Blah blah blah...\r\n"
                        "...etc. etc. etc.\r\n"
                        ".\r\n"
                        "QUIT\r\n"),
                      S(GREETING EHLO_D "{MAIL <Smith@bar.com>}\n250 OK\r\n"
                                        "{RCPT <Jones@foo.com> 0}\n250 OK\r\n"
                                        "{RCPT <Green@foo.com> 1}\n"
                                        "550 No such user here\r\n"
                                        "{RCPT <Brown@foo.com> 1}\n250 OK\r\n"
                                        "354 Start mail input; end with "
                                        "<CRLF>.<CRLF>\r\n{DATA}\n"
                                        "{BODY Blah blah blah...\r\n"
                                        "..etc. etc. etc.\r\n}\n"
                                        "{MESSAGE 0/2 37}\n250 OK\r\n"
                                        "221 foo.com Service closing "
                                        "transmission channel\r\n{CLOSED}\n"));
}

static void test_rfc5321_d2_aborted_transaction(void **state)
{
    (void)state;
    setup su;
    d_setup(&su);
    expect_transcript(&su,
                      S("EHLO bar.com\r\n"
                        "MAIL FROM:<Smith@bar.com>\r\n"
                        "RCPT TO:<Jones@foo.com>\r\n"
                        "RCPT TO:<Green@foo.com>\r\n"
                        "RSET\r\n"
                        "QUIT\r\n"),
                      S(GREETING EHLO_D
                        "{MAIL <Smith@bar.com>}\n250 OK\r\n"
                        "{RCPT <Jones@foo.com> 0}\n250 OK\r\n"
                        "{RCPT <Green@foo.com> 1}\n550 No such user here\r\n"
                        "250 OK\r\n{RESET}\n"
                        "221 foo.com Service closing transmission "
                        "channel\r\n{CLOSED}\n"));
}

static void test_rfc5321_d3_relayed_mail(void **state)
{
    (void)state;
    setup su;
    d_setup(&su);
    expect_transcript(
        &su,
        S("EHLO bar.com\r\n"
          "MAIL FROM:<JQP@bar.com>\r\n"
          "RCPT TO:<Jones@XYZ.COM>\r\n"
          "DATA\r\n"
          "Date: Thu, 21 May 1998 05:33:29 -0700\r\n"
          "From: John Q. Public <JQP@bar.com>\r\n"
          "Subject: The Next Meeting of the Board\r\n"
          "To: Jones@xyz.com\r\n"
          "\r\n"
          "Bill:\r\n"
          "The next meeting of the board of directors will be\r\n"
          "on Tuesday.\r\n"
          "John.\r\n"
          ".\r\n"
          "QUIT\r\n"),
        S(GREETING EHLO_D
          "{MAIL <JQP@bar.com>}\n250 OK\r\n"
          "{RCPT <Jones@XYZ.COM> 0}\n250 OK\r\n"
          "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"
          "{BODY Date: Thu, 21 May 1998 05:33:29 -0700\r\n"
          "From: John Q. Public <JQP@bar.com>\r\n"
          "Subject: The Next Meeting of the Board\r\n"
          "To: Jones@xyz.com\r\n"
          "\r\n"
          "Bill:\r\n"
          "The next meeting of the board of directors will be\r\n"
          "on Tuesday.\r\n"
          "John.\r\n}\n"
          "{MESSAGE 0/1 215}\n250 OK\r\n"
          "221 foo.com Service closing transmission channel\r\n{CLOSED}\n"));
}

static void test_rfc5321_d4_verify_and_send(void **state)
{
    (void)state;
    setup su;
    d_setup(&su);
    expect_transcript(&su,
                      S("EHLO bar.com\r\n"
                        "VRFY Crispin\r\n"
                        "MAIL FROM:<EAK@bar.com>\r\n"
                        "RCPT TO:<Admin.MRC@foo.com>\r\n"
                        "DATA\r\n"
                        "Blah blah blah...\r\n"
                        "...etc. etc. etc.\r\n"
                        ".\r\n"
                        "QUIT\r\n"),
                      S(GREETING EHLO_D
                        "{VRFY Crispin}\n250 Mark Crispin "
                        "<Admin.MRC@foo.com>\r\n"
                        "{MAIL <EAK@bar.com>}\n250 OK\r\n"
                        "{RCPT <Admin.MRC@foo.com> 0}\n250 OK\r\n"
                        "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
                        "{DATA}\n{BODY Blah blah blah...\r\n"
                        "..etc. etc. etc.\r\n}\n"
                        "{MESSAGE 0/1 37}\n250 OK\r\n"
                        "221 foo.com Service closing transmission "
                        "channel\r\n{CLOSED}\n"));
}

/* ------------------------------------------------------------------ */
/* Greeting, sequencing, errors                                        */
/* ------------------------------------------------------------------ */

/* output_done has the shape of every session's (core.h): a status, with
 * MW_E_ARG for more bytes than are pending (which still empties). */
static void test_output_done_status(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
    size_t n = 0;
    const char *out = mw_smtp_server_output(s, &n);
    assert_non_null(out);
    assert_true(n > 4);
    assert_int_equal(mw_smtp_server_output_done(s, 4), MW_OK);
    size_t left = 0;
    (void)mw_smtp_server_output(s, &left);
    assert_int_equal(left, n - 4);
    assert_int_equal(mw_smtp_server_output_done(s, left + 1), MW_E_ARG);
    (void)mw_smtp_server_output(s, &left);
    assert_int_equal(left, 0);
    assert_int_equal(mw_smtp_server_output_done(s, 0), MW_OK);
    assert_int_equal(mw_smtp_server_output_done(NULL, 0), MW_E_ARG);
    mw_smtp_server_free(s);
}

/* RFC 4954 section 4: an AUTH line of up to 12288 octets with its
 * initial response is a command, not a line too long; a longer one is
 * answered 500. */
static void test_auth_line_12288(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.flags = MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH;
    su.cfg.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN);
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
    size_t n = 0;
    (void)mw_smtp_server_output(s, &n);
    (void)mw_smtp_server_output_done(s, n);
    static char line[12300];
    /* Base64 in whole quanta: lines of 12285 and 12289 octets. */
    static const size_t ir_len[2] = {12272, 12276};
    for (int round = 0; round < 2; round++) {
        size_t ir = ir_len[round];
        memcpy(line, "EHLO x\r\nAUTH PLAIN ", 19);
        memset(line + 19, 'A', ir);
        memcpy(line + 19 + ir, "\r\n", 2);
        size_t total = 19 + ir + 2;
        size_t pos = 0, auth = 0;
        while (pos < total) {
            mw_smtp_server_event ev;
            size_t used = 0;
            mw_status st =
                mw_smtp_server_feed(s, line + pos, total - pos, &used, &ev);
            pos += used;
            if (st == MW_OK) {
                if (ev.type == MW_SMTP_SEV_AUTH) {
                    auth++;
                    assert_int_equal(ev.cmd.arg2.len, ir);
                }
                if (ev.decide)
                    assert_int_equal(
                        ev.type == MW_SMTP_SEV_AUTH
                            ? mw_smtp_server_reply(s, 535, "5.7.8", NULL)
                            : mw_smtp_server_accept(s),
                        MW_OK);
                continue;
            }
            assert_int_equal(st, MW_NEED_MORE);
        }
        const char *out = mw_smtp_server_output(s, &n);
        /* ENHANCEDSTATUSCODES is not offered: bare reply codes. */
        const char *want = round == 0 ? "\r\n535 " : "\r\n500 ";
        int found = 0;
        for (size_t i = 0; i + 6 <= n; i++)
            found |= memcmp(out + i, want, 6) == 0;
        assert_true(found);
        assert_int_equal(auth, round == 0 ? 1 : 0);
        (void)mw_smtp_server_output_done(s, n);
    }
    mw_smtp_server_free(s);
}

static void test_greeting_default_and_554(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.greeting.len = 0;
    expect_transcript(&su, S(""), S("220 foo.com ESMTP ready\r\n"));
    su.cfg.greeting_code = 554;
    /* RFC 5321 3.1: after a 554 greeting, 503 to everything but QUIT. */
    expect_transcript(&su, S("EHLO x.org\r\nFOO\r\nQUIT\r\n"),
                      S("554 foo.com ESMTP ready\r\n"
                        "503 No SMTP service here\r\n"
                        "503 No SMTP service here\r\n"
                        "221 foo.com Service closing transmission channel\r\n"
                        "{CLOSED}\n"));
    su.cfg.greeting_code = 421;
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_E_ARG);
    assert_null(s);
}

static void test_out_of_sequence_commands(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    su.cfg.errors_max = 100;
    expect_transcript(&su,
                      S("MAIL FROM:<a@b.c>\r\n"
                        "RCPT TO:<a@b.c>\r\n"
                        "DATA\r\n"
                        "EHLO client.example\r\n"
                        "RCPT TO:<a@b.c>\r\n"
                        "DATA\r\n"
                        "MAIL FROM:<a@b.c>\r\n"
                        "DATA\r\n"
                        "MAIL FROM:<x@b.c>\r\n"
                        "RCPT TO:<bad@b.c>\r\n"
                        "DATA\r\n"
                        "LHLO x\r\n"
                        "XYZZY\r\n"
                        "MAIL FROM:a@b.c\r\n"
                        "HELO\r\n"
                        "NOOP\r\n"),
                      S(GREETING
                        "503 Send HELO/EHLO first\r\n"
                        "503 Need MAIL before RCPT\r\n"
                        "503 Need MAIL command\r\n"
                        "{HELO EHLO client.example}\n"
                        "250-foo.com greets client.example\r\n"
                        "250 ENHANCEDSTATUSCODES\r\n"
                        "503 5.5.1 Need MAIL before RCPT\r\n"
                        "503 5.5.1 Need MAIL command\r\n"
                        "{MAIL <a@b.c>}\n250 2.1.0 OK\r\n"
                        "554 5.5.1 No valid recipients\r\n"
                        "503 5.5.1 Nested MAIL command\r\n"
                        "{RCPT <bad@b.c> 0}\n550 5.1.1 No such user here\r\n"
                        "554 5.5.1 No valid recipients\r\n"
                        "500 5.5.1 Command unrecognized\r\n"
                        "500 5.5.2 Command unrecognized\r\n"
                        "501 5.1.3 Syntax error: '<' expected\r\n"
                        "501 5.5.4 Syntax error: argument expected\r\n"
                        "250 2.0.0 OK\r\n"));
}

static void test_too_many_errors_close_with_421(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.errors_max = 3;
    expect_transcript(&su, S("A\r\nB\r\nC\r\nNOOP\r\n"),
                      S(GREETING "500 Command unrecognized\r\n"
                                 "500 Command unrecognized\r\n"
                                 "500 Command unrecognized\r\n"
                                 "421 foo.com Too many errors, closing "
                                 "transmission channel\r\n{CLOSED}\n"));
}

static void test_long_line_is_500_and_session_goes_on(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    char in[2400];
    memset(in, 'A', 2000);
    memcpy(in + 2000, "\r\nNOOP\r\n", 8);
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    run *r = start(&su);
    assert_int_equal(run_update(r, in, 2008, &log), MW_OK);
    mwt_assert_bytes("log", log.data, log.len,
                     S(GREETING "500 Line too long\r\n250 OK\r\n"));
    run_destroy(r);
    mw_buf_free(&log);
    /* A NOOP line over 512 bytes but within the reader: the codec's
     * limit. */
    memcpy(in, "NOOP ", 5);
    memset(in + 5, 'x', 600);
    memcpy(in + 605, "\r\n", 2);
    expect_transcript(&su, in, 607, S(GREETING "500 Line too long\r\n"));
}

static void test_bare_lf_is_not_a_command_end(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    /* The strict line reader keeps "NOOP\nQUIT" as one line: a bare LF
     * inside a command is an error, never a second command. */
    expect_transcript(&su, S("NOOP\nQUIT\r\nNOOP\r\n"),
                      S(GREETING "500 Syntax error: CR, LF or NUL in line\r\n"
                                 "250 OK\r\n"));
}

static void test_mail_parameters_checked_against_offer(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_SIZE;
    su.cfg.size_max = 1000;
    expect_transcript(
        &su,
        S("EHLO c.org\r\n"
          "MAIL FROM:<a@b.c> BODY=8BITMIME\r\n"
          "MAIL FROM:<a@b.c> SMTPUTF8\r\n"
          "MAIL FROM:<a@b.c> RET=HDRS\r\n"
          "MAIL FROM:<a@b.c> X-FOO=1\r\n"
          "MAIL FROM:<a@b.c> SIZE=1001\r\n"
          "MAIL FROM:<a@b.c> SIZE=1000 BODY=7BIT\r\n"
          "RCPT TO:<b@b.c> NOTIFY=NEVER\r\n"),
        S(GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250 SIZE 1000\r\n"
                   "555 BODY type not supported\r\n"
                   "555 SMTPUTF8 not supported\r\n"
                   "555 DSN not supported\r\n"
                   "555 Unsupported parameter\r\n"
                   "552 Message size exceeds fixed maximum message size\r\n"
                   "{MAIL <a@b.c> SIZE=1000 BODY=1}\n250 OK\r\n"
                   "555 DSN not supported\r\n"));
}

static void test_helo_session_refuses_parameters(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    /* RFC 2034: no enhanced codes after HELO. */
    expect_transcript(&su,
                      S("HELO c.org\r\nMAIL FROM:<a@b.c> SIZE=10\r\n"
                        "MAIL FROM:<>\r\n"),
                      S(GREETING "{HELO HELO c.org}\n250 foo.com\r\n"
                                 "555 Parameters need EHLO\r\n"
                                 "{MAIL <>}\n250 OK\r\n"));
}

static void test_smtputf8_addresses(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_SMTPUTF8 | MW_SMTP_CAP_8BITMIME;
    expect_transcript(&su,
                      S("EHLO c.org\r\n"
                        "MAIL FROM:<j\xc3\xb6rg@b.c>\r\n"
                        "MAIL FROM:<j\xc3\xb6rg@b.c> SMTPUTF8 BODY=8BITMIME\r\n"
                        "RCPT TO:<\xc3\xa5@b.c>\r\n"),
                      S(GREETING
                        "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                        "250-8BITMIME\r\n250 SMTPUTF8\r\n"
                        "553 Non-ASCII address needs SMTPUTF8\r\n"
                        "{MAIL <j\xc3\xb6rg@b.c> BODY=2}\n250 OK\r\n"
                        "{RCPT <\xc3\xa5@b.c> 0}\n250 OK\r\n"));
}

/* ------------------------------------------------------------------ */
/* Pipelining, DATA, BDAT                                              */
/* ------------------------------------------------------------------ */

static void test_pipelining_batch_replies_in_order(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    /* RFC 2920 section 3.1 style: the whole group in one write. */
    expect_transcript(
        &su,
        S("EHLO c.org\r\n"
          "MAIL FROM:<a@c.org>\r\nRCPT TO:<x@foo.com>\r\n"
          "RCPT TO:<bad@foo.com>\r\nRCPT TO:<y@foo.com>\r\nDATA\r\n"
          "Subject: hi\r\n\r\n..dot\r\n.\r\n"
          "MAIL FROM:<>\r\nRCPT TO:<bad2@foo.com>\r\nDATA\r\nRSET\r\n"
          "QUIT\r\n"),
        S(GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
                   "{MAIL <a@c.org>}\n250 2.1.0 OK\r\n"
                   "{RCPT <x@foo.com> 0}\n250 2.1.5 OK\r\n"
                   "{RCPT <bad@foo.com> 1}\n550 5.1.1 No such user here\r\n"
                   "{RCPT <y@foo.com> 1}\n250 2.1.5 OK\r\n"
                   "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"
                   "{BODY Subject: hi\r\n\r\n.dot\r\n}\n"
                   "{MESSAGE 0/2 21}\n250 2.0.0 OK\r\n"
                   "{MAIL <>}\n250 2.1.0 OK\r\n"
                   "{RCPT <bad2@foo.com> 0}\n550 5.1.1 No such user here\r\n"
                   "554 5.5.1 No valid recipients\r\n"
                   "250 2.0.0 OK\r\n{RESET}\n"
                   "221 2.0.0 foo.com Service closing transmission "
                   "channel\r\n{CLOSED}\n"));
}

static void test_empty_body_and_message_rejected_by_app(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    expect_transcript(&su,
                      S("EHLO c.org\r\nMAIL FROM:<>\r\nRCPT TO:<x@y.z>\r\n"
                        "DATA\r\n.\r\nNOOP\r\n"),
                      S(GREETING "{HELO EHLO c.org}\n"
                                 "250 foo.com greets c.org\r\n"
                                 "{MAIL <>}\n250 OK\r\n{RCPT <x@y.z> 0}\n"
                                 "250 OK\r\n354 Start mail input; end with "
                                 "<CRLF>.<CRLF>\r\n{DATA}\n"
                                 "{MESSAGE 0/1 0}\n250 OK\r\n250 OK\r\n"));
}

static void test_bdat_chunks(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps =
        MW_SMTP_CAP_CHUNKING | MW_SMTP_CAP_BINARYMIME | MW_SMTP_CAP_PIPELINING;
    /* Chunk bytes are counted exactly, binary included (NUL, bare LF,
     * "\r\n.\r\n" are just data); RFC 3030 section 4.2 example shape. */
    expect_transcript(
        &su,
        S("EHLO c.org\r\nMAIL FROM:<a@c.org> BODY=BINARYMIME\r\n"
          "RCPT TO:<x@foo.com>\r\nBDAT 7\r\nab\0\ncd\nBDAT 5\r\n\r\n.\r\n"
          "DATA\r\nBDAT 0 LAST\r\n"
          "BDAT 3 LAST\r\nxyzNOOP\r\n"),
        S(GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250-PIPELINING\r\n250-CHUNKING\r\n250 BINARYMIME\r\n"
                   "{MAIL <a@c.org> BODY=3}\n250 OK\r\n"
                   "{RCPT <x@foo.com> 0}\n250 OK\r\n"
                   "{DATA BDAT}\n250 7 octets received\r\n"
                   "250 5 octets received\r\n"
                   "503 DATA not allowed here, use BDAT\r\n"
                   "{BODY ab\0\ncd\n\r\n.\r\n}\n"
                   "{MESSAGE 0/1 12}\n250 OK\r\n"
                   "503 Need MAIL command\r\n250 OK\r\n"));
}

static void test_bdat_not_offered_still_skips_the_chunk(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    expect_transcript(&su, S("EHLO c.org\r\nBDAT 6\r\nQUIT\r\nNOOP\r\n"),
                      S(GREETING "{HELO EHLO c.org}\n"
                                 "250 foo.com greets c.org\r\n"
                                 "502 Command not implemented\r\n"
                                 "250 OK\r\n"));
}

static void test_data_refused_with_binarymime(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_CHUNKING | MW_SMTP_CAP_BINARYMIME;
    expect_transcript(&su,
                      S("EHLO c.org\r\nMAIL FROM:<> BODY=BINARYMIME\r\n"
                        "RCPT TO:<x@y.z>\r\nDATA\r\n"),
                      S(GREETING "{HELO EHLO c.org}\n"
                                 "250-foo.com greets c.org\r\n"
                                 "250-CHUNKING\r\n250 BINARYMIME\r\n"
                                 "{MAIL <> BODY=3}\n250 OK\r\n"
                                 "{RCPT <x@y.z> 0}\n250 OK\r\n"
                                 "503 DATA not allowed here, use BDAT\r\n"));
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

static void test_recipients_limit_452(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.limits.recipients_max = 2;
    su.cfg.caps = MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    /* Refused recipients do not count against the limit. */
    expect_transcript(
        &su,
        S("EHLO c.org\r\nMAIL FROM:<>\r\nRCPT TO:<a@x.y>\r\n"
          "RCPT TO:<bad@x.y>\r\nRCPT TO:<b@x.y>\r\nRCPT TO:<c@x.y>\r\n"),
        S(GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250 ENHANCEDSTATUSCODES\r\n"
                   "{MAIL <>}\n250 2.1.0 OK\r\n"
                   "{RCPT <a@x.y> 0}\n250 2.1.5 OK\r\n"
                   "{RCPT <bad@x.y> 1}\n550 5.1.1 No such user here\r\n"
                   "{RCPT <b@x.y> 1}\n250 2.1.5 OK\r\n"
                   "452 4.5.3 Too many recipients\r\n"));
}

static void test_size_exceeded_while_streaming_552(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_ENHANCEDSTATUSCODES |
                  MW_SMTP_CAP_CHUNKING;
    su.cfg.size_max = 10;
    expect_transcript(
        &su,
        S("EHLO c.org\r\nMAIL FROM:<>\r\nRCPT TO:<a@x.y>\r\nDATA\r\n"
          "0123456789\r\n.\r\n"
          "MAIL FROM:<>\r\nRCPT TO:<a@x.y>\r\nDATA\r\n01234567\r\n.\r\n"
          "MAIL FROM:<>\r\nRCPT TO:<a@x.y>\r\nBDAT 6\r\n012345BDAT 6 LAST\r\n"
          "012345RSET\r\n"),
        S(GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250-SIZE 10\r\n250-CHUNKING\r\n250 ENHANCEDSTATUSCODES\r\n"
                   "{MAIL <>}\n250 2.1.0 OK\r\n{RCPT <a@x.y> 0}\n"
                   "250 2.1.5 OK\r\n354 Start mail input; end with "
                   "<CRLF>.<CRLF>\r\n{DATA}\n"
                   "552 5.3.4 Message size exceeds fixed maximum message "
                   "size\r\n{REJECTED 8 1 12}\n"
                   "{MAIL <>}\n250 2.1.0 OK\r\n{RCPT <a@x.y> 0}\n"
                   "250 2.1.5 OK\r\n354 Start mail input; end with "
                   "<CRLF>.<CRLF>\r\n{DATA}\n{BODY 01234567\r\n}\n"
                   "{MESSAGE 0/1 10}\n250 2.0.0 OK\r\n"
                   "{MAIL <>}\n250 2.1.0 OK\r\n{RCPT <a@x.y> 0}\n"
                   "250 2.1.5 OK\r\n{DATA BDAT}\n"
                   "250 2.0.0 6 octets received\r\n"
                   "552 5.3.4 Message size exceeds fixed maximum message "
                   "size\r\n{REJECTED 8 1 12}\n"
                   "250 2.0.0 OK\r\n"));
}

/* ------------------------------------------------------------------ */
/* LMTP                                                                */
/* ------------------------------------------------------------------ */

static mw_status lmtp_decide(mw_smtp_server *s, const mw_smtp_server_event *ev)
{
    if (ev->type == MW_SMTP_SEV_MESSAGE && ev->rcpt_index == 1)
        return mw_smtp_server_reply(s, 452, "4.2.2", "Mailbox full");
    return default_decide(s, ev);
}

static void test_lmtp_one_reply_per_recipient(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.flags = MW_SMTP_SERVER_LMTP;
    su.cfg.caps = MW_SMTP_CAP_ENHANCEDSTATUSCODES | MW_SMTP_CAP_PIPELINING;
    su.cfg.greeting.len = 0;
    su.decide = lmtp_decide;
    /* RFC 2033 section 4.2: one reply per accepted recipient, in RCPT
     * order; refused recipients get none. */
    expect_transcript(
        &su,
        S("EHLO c.org\r\nLHLO c.org\r\nMAIL FROM:<a@c.org>\r\n"
          "RCPT TO:<x@foo.com>\r\nRCPT TO:<bad@foo.com>\r\n"
          "RCPT TO:<y@foo.com>\r\nRCPT TO:<z@foo.com>\r\nDATA\r\n"
          "Hi\r\n.\r\nQUIT\r\n"),
        S("220 foo.com LMTP ready\r\n"
          "500 This is LMTP: use LHLO\r\n"
          "{HELO LHLO c.org}\n250-foo.com greets c.org\r\n"
          "250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
          "{MAIL <a@c.org>}\n250 2.1.0 OK\r\n"
          "{RCPT <x@foo.com> 0}\n250 2.1.5 OK\r\n"
          "{RCPT <bad@foo.com> 1}\n550 5.1.1 No such user here\r\n"
          "{RCPT <y@foo.com> 1}\n250 2.1.5 OK\r\n"
          "{RCPT <z@foo.com> 2}\n250 2.1.5 OK\r\n"
          "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"
          "{BODY Hi\r\n}\n"
          "{MESSAGE 0/3 4}\n250 2.0.0 OK\r\n"
          "{MESSAGE 1/3 4}\n452 4.2.2 Mailbox full\r\n"
          "{MESSAGE 2/3 4}\n250 2.0.0 OK\r\n"
          "221 2.0.0 foo.com Service closing transmission channel\r\n"
          "{CLOSED}\n"));
}

static void test_lmtp_refused_message_replies_per_recipient(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.flags = MW_SMTP_SERVER_LMTP;
    expect_transcript(&su,
                      S("LHLO c.org\r\nMAIL FROM:<>\r\nRCPT TO:<x@foo.com>\r\n"
                        "RCPT TO:<y@foo.com>\r\nDATA\r\nbare\nlf\r\n.\r\n"),
                      S(GREETING "{HELO LHLO c.org}\n"
                                 "250 foo.com greets c.org\r\n"
                                 "{MAIL <>}\n250 OK\r\n"
                                 "{RCPT <x@foo.com> 0}\n250 OK\r\n"
                                 "{RCPT <y@foo.com> 1}\n250 OK\r\n"
                                 "354 Start mail input; end with "
                                 "<CRLF>.<CRLF>\r\n{DATA}\n"
                                 "550 Message refused: bare CR or LF in data "
                                 "(RFC 5321 section 2.3.8)\r\n"
                                 "550 Message refused: bare CR or LF in data "
                                 "(RFC 5321 section 2.3.8)\r\n"
                                 "{REJECTED 1 2 9}\n"));
}

/* ------------------------------------------------------------------ */
/* STARTTLS                                                            */
/* ------------------------------------------------------------------ */

static void starttls_setup(setup *su)
{
    base_setup(su);
    su->cfg.caps = MW_SMTP_CAP_STARTTLS | MW_SMTP_CAP_PIPELINING;
    su->cfg.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN);
}

/* aio-libs/aiosmtpd #380, the CVE-2011-0411 class (PEERS.md section 3
 * item 2): commands pipelined after STARTTLS in the plaintext phase must
 * be dropped, not run after the handshake. */
static void test_aiosmtpd_380_starttls_injection_discarded(void **state)
{
    (void)state;
    setup su;
    starttls_setup(&su);
    run *r = start(&su);
    feed_expect(r,
                S("EHLO c.org\r\nSTARTTLS\r\nMAIL FROM:<evil@x.y>\r\n"
                  "RCPT TO:<victim@foo.com>\r\n"),
                S(GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                           "250-PIPELINING\r\n250 STARTTLS\r\n"
                           "220 Ready to start TLS\r\n{DISCARDED 48}\n"));
    assert_int_equal(mw_smtp_server_wants(r->s), MW_WANT_TLS);
    /* More plaintext before the handshake is dropped too. */
    feed_expect(r, S("QUIT\r\n"), S("{DISCARDED 6}\n"));
    assert_int_equal(mw_smtp_server_tls_done(r->s, 1), MW_OK);
    assert_int_equal(mw_smtp_server_tls_done(r->s, 1), MW_E_STATE);
    assert_int_equal(mw_smtp_server_state(r->s), MW_SMTP_SERVER_S_TLS);
    /* Back before EHLO: MAIL is out of sequence; STARTTLS gone and AUTH
     * PLAIN now offered. */
    feed_expect(r, S("MAIL FROM:<a@b.c>\r\nEHLO c.org\r\nSTARTTLS\r\n"),
                S("503 Send HELO/EHLO first\r\n"
                  "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                  "250-PIPELINING\r\n250 AUTH PLAIN\r\n"
                  "503 TLS already active\r\n"));
    run_destroy(r);
}

static void test_starttls_pending_reply_before_handshake(void **state)
{
    (void)state;
    setup su;
    starttls_setup(&su);
    run *r = start(&su);
    mw_smtp_server_event ev;
    size_t used;
    static const char in[] = "EHLO c.org\r\nSTARTTLS\r\n";
    assert_int_equal(mw_smtp_server_feed(r->s, in, sizeof(in) - 1, &used, &ev),
                     MW_OK);
    assert_int_equal(mw_smtp_server_accept(r->s), MW_OK);
    size_t pos = used;
    assert_int_equal(
        mw_smtp_server_feed(r->s, in + pos, sizeof(in) - 1 - pos, &used, &ev),
        MW_NEED_MORE);
    /* The 220 must go out before the handshake starts. */
    assert_int_equal(mw_smtp_server_wants(r->s), MW_WANT_WRITE);
    size_t n;
    mw_smtp_server_output(r->s, &n);
    mw_smtp_server_output_done(r->s, n);
    assert_int_equal(mw_smtp_server_wants(r->s), MW_WANT_TLS);
    assert_int_equal(mw_smtp_server_tls_done(r->s, 0), MW_OK);
    assert_int_equal(mw_smtp_server_wants(r->s), MW_WANT_CLOSE);
    assert_int_equal(mw_smtp_server_eof(r->s), MW_OK);
    run_destroy(r);
}

static void test_require_tls(void **state)
{
    (void)state;
    setup su;
    starttls_setup(&su);
    su.cfg.flags = MW_SMTP_SERVER_REQUIRE_TLS;
    expect_transcript(&su, S("EHLO c.org\r\nMAIL FROM:<>\r\nNOOP\r\n"),
                      S(GREETING "{HELO EHLO c.org}\n"
                                 "250-foo.com greets c.org\r\n"
                                 "250-PIPELINING\r\n250 STARTTLS\r\n"
                                 "530 Must issue a STARTTLS command first\r\n"
                                 "250 OK\r\n"));
}

/* ------------------------------------------------------------------ */
/* AUTH                                                                */
/* ------------------------------------------------------------------ */

static void auth_setup(setup *su)
{
    base_setup(su);
    su->cfg.flags = MW_SMTP_SERVER_TLS_ACTIVE;
    su->cfg.caps = MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    su->cfg.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN) |
                         MW_SASL_BIT(MW_SASL_LOGIN) |
                         MW_SASL_BIT(MW_SASL_SCRAM_SHA_256);
}

#define AUTH_EHLO                                                              \
    GREETING "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"                 \
             "250-AUTH SCRAM-SHA-256 PLAIN LOGIN\r\n"                          \
             "250 ENHANCEDSTATUSCODES\r\n"

static void test_auth_plain(void **state)
{
    (void)state;
    setup su;
    auth_setup(&su);
    /* "\0user\0pencil" and "\0user\0wrong". */
    expect_transcript(&su,
                      S("EHLO c.org\r\nAUTH PLAIN AHVzZXIAd3Jvbmc=\r\n"
                        "AUTH PLAIN\r\nAHVzZXIAcGVuY2ls\r\nAUTH PLAIN\r\n"
                        "MAIL FROM:<user@c.org>\r\n"),
                      S(AUTH_EHLO
                        "{AUTH PLAIN}\n{CRED user|}\n"
                        "535 5.7.8 Authentication credentials invalid\r\n"
                        "{AUTHRESULT MW_E_AUTH }\n"
                        "{AUTH PLAIN}\n334 \r\n{CRED user|}\n"
                        "235 2.7.0 Authentication successful\r\n"
                        "{AUTHRESULT MW_OK user}\n"
                        "503 5.5.1 Already authenticated\r\n"
                        "{MAIL <user@c.org>}\n250 2.1.0 OK\r\n"));
}

static void test_auth_login_and_cancel(void **state)
{
    (void)state;
    setup su;
    auth_setup(&su);
    expect_transcript(
        &su,
        S("EHLO c.org\r\nAUTH LOGIN\r\n*\r\nAUTH LOGIN dXNlcg==\r\n"
          "cGVuY2ls\r\n"),
        S(AUTH_EHLO "{AUTH LOGIN}\n334 VXNlcm5hbWU6\r\n"
                    "501 5.7.0 Authentication cancelled\r\n"
                    "{AUTHRESULT MW_E_PEER }\n"
                    "{AUTH LOGIN}\n334 UGFzc3dvcmQ6\r\n{CRED user|}\n"
                    "235 2.7.0 Authentication successful\r\n"
                    "{AUTHRESULT MW_OK user}\n"));
}

static void test_auth_refusals(void **state)
{
    (void)state;
    setup su;
    auth_setup(&su);
    su.cfg.flags = 0; /* no TLS: PLAIN and LOGIN are not offered */
    su.cfg.errors_max = 100;
    expect_transcript(
        &su,
        S("AUTH PLAIN\r\nEHLO c.org\r\nAUTH PLAIN\r\nAUTH CRAM-MD5\r\n"
          "AUTH SCRAM-SHA-256 !!!\r\nMAIL FROM:<>\r\nAUTH SCRAM-SHA-256\r\n"),
        S(GREETING "503 Send EHLO first\r\n"
                   "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250-AUTH SCRAM-SHA-256\r\n250 ENHANCEDSTATUSCODES\r\n"
                   "538 5.7.11 Encryption required for requested "
                   "authentication mechanism\r\n"
                   "504 5.5.4 Unrecognized authentication type\r\n"
                   "501 5.5.2 Syntax error: bad initial response\r\n"
                   "{MAIL <>}\n250 2.1.0 OK\r\n"
                   "503 5.5.1 AUTH not allowed during a mail transaction\r\n"));
}

static void b64_line(mw_buf *line, const mw_buf *msg)
{
    mw_b64_encoder e;
    mw_b64_encoder_init(&e, 0);
    assert_int_equal(mw_b64_encode_update(&e, msg->data, msg->len, line),
                     MW_OK);
    assert_int_equal(mw_b64_encode_final(&e, line), MW_OK);
}

/* The challenge of the last "334 " line in \p log, decoded. */
static int last_challenge(const mw_buf *log, mw_buf *out)
{
    const char *end = log->data + log->len;
    const char *c = NULL;
    for (const char *q = log->data; q && q + 4 <= end; q++)
        if (memcmp(q, "334 ", 4) == 0)
            c = q + 4;
    if (!c)
        return 0;
    const char *eol = memchr(c, '\r', (size_t)(end - c));
    assert_non_null(eol);
    mw_b64_decoder d;
    mw_b64_decoder_init(&d, MW_B64_STRICT);
    assert_int_equal(mw_b64_decode_update(&d, c, (size_t)(eol - c), out),
                     MW_OK);
    assert_int_equal(mw_b64_decode_final(&d, out), MW_OK);
    return 1;
}

/* A live exchange with mailwire's own SASL client through the session,
 * then the recorded client side replayed through every chunking; the
 * log must show the expected result. */
static void live_auth(mw_sasl_mech mech, const char *password,
                      const char *want_result)
{
    setup su;
    auth_setup(&su);
    su.cfg.auth_mechs = MW_SASL_MASK_PASSWORD | MW_SASL_MASK_TOKEN;
    run *r = start(&su);
    mw_buf script, log, msg, line;
    mw_buf_init_growable(&script, NULL, 0);
    mw_buf_init_growable(&log, NULL, 0);
    mw_buf_init_growable(&msg, NULL, 0);
    mw_buf_init_growable(&line, NULL, 0);
    mw_sasl_client_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.size = sizeof(cc);
    cc.mech = mech;
    cc.authcid.ptr = "user";
    cc.authcid.len = 4;
    cc.password.ptr = password;
    cc.password.len = strlen(password);
    cc.token = cc.password;
    cc.random.ptr = "0123456789abcdef";
    cc.random.len = 16;
    mw_sasl *client = NULL;
    assert_int_equal(mw_sasl_client_new(&cc, NULL, &client), MW_OK);
    int has_ir = 0;
    assert_int_equal(mw_sasl_client_start(client, &msg, &has_ir), MW_OK);
    mw_buf_append_str(&line, "EHLO c.org\r\nAUTH ");
    mw_buf_append_str(&line, mw_sasl_mech_name(mech));
    if (has_ir) {
        mw_buf_append_str(&line, " ");
        if (msg.len == 0)
            mw_buf_append_str(&line, "=");
        b64_line(&line, &msg);
    }
    mw_buf_append_str(&line, "\r\n");
    for (int round = 0; round < 6 && line.len; round++) {
        mw_buf_append(&script, line.data, line.len);
        mw_buf_clear(&log);
        assert_int_equal(run_update(r, line.data, line.len, &log), MW_OK);
        mw_buf_clear(&line);
        mw_buf dec;
        mw_buf_init_growable(&dec, NULL, 0);
        if (last_challenge(&log, &dec)) {
            mw_buf_clear(&msg);
            mw_status st = mw_sasl_step(client, dec.data, dec.len, &msg);
            assert_true(st == MW_OK || st == MW_DONE);
            b64_line(&line, &msg);
            mw_buf_append_str(&line, "\r\n");
        }
        mw_buf_free(&dec);
    }
    run_destroy(r);
    mw_sasl_free(client);
    mw_buf_clear(&log);
    mwt_check_chunking(&server_ops, &su, script.data, script.len, &log);
    mw_buf_append_byte(&log, 0);
    if (!strstr(log.data, want_result))
        fail_msg("%s: no \"%s\" in\n%s", mw_sasl_mech_name(mech), want_result,
                 log.data);
    mw_buf_free(&log);
    mw_buf_free(&script);
    mw_buf_free(&msg);
    mw_buf_free(&line);
}

static void test_auth_scram_sha_256(void **state)
{
    (void)state;
    live_auth(MW_SASL_SCRAM_SHA_256, "pencil",
              "\n235 2.7.0 Authentication successful\r\n"
              "{AUTHRESULT MW_OK user}\n");
    live_auth(MW_SASL_SCRAM_SHA_256, "wrong",
              "535 5.7.8 Authentication credentials invalid\r\n"
              "{AUTHRESULT MW_E_AUTH }\n");
}

static void test_auth_every_mechanism_live(void **state)
{
    (void)state;
    static const mw_sasl_mech mechs[] = {
        MW_SASL_PLAIN,       MW_SASL_LOGIN,         MW_SASL_CRAM_MD5,
        MW_SASL_SCRAM_SHA_1, MW_SASL_SCRAM_SHA_256, MW_SASL_XOAUTH2,
        MW_SASL_OAUTHBEARER};
    for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
        live_auth(mechs[i], "pencil",
                  "235 2.7.0 Authentication successful\r\n{AUTHRESULT MW_OK ");
        live_auth(mechs[i], "wrong", "{AUTHRESULT MW_E_AUTH ");
    }
}

static void test_auth_scram_needs_random(void **state)
{
    (void)state;
    setup su;
    auth_setup(&su);
    run *r = start(&su);
    mw_smtp_server_event ev;
    size_t used;
    static const char in[] = "EHLO c.org\r\nAUTH SCRAM-SHA-256\r\n";
    assert_int_equal(mw_smtp_server_feed(r->s, in, sizeof(in) - 1, &used, &ev),
                     MW_OK);
    assert_int_equal(mw_smtp_server_accept(r->s), MW_OK);
    size_t pos = used;
    assert_int_equal(
        mw_smtp_server_feed(r->s, in + pos, sizeof(in) - 1 - pos, &used, &ev),
        MW_OK);
    assert_int_equal(ev.type, MW_SMTP_SEV_AUTH);
    assert_null(mw_smtp_server_sasl(r->s));
    assert_int_equal(mw_smtp_server_auth_random(r->s, "short", 5), MW_E_ARG);
    assert_int_equal(mw_smtp_server_reply(r->s, 235, NULL, "no"), MW_E_ARG);
    assert_int_equal(mw_smtp_server_accept(r->s), MW_OK);
    assert_int_equal(mw_smtp_server_feed(r->s, NULL, 0, &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_SMTP_SEV_AUTH_RESULT);
    assert_int_equal(ev.status, MW_E_INTERNAL);
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    drain(r, &log);
    mwt_assert_bytes("reply", log.data, log.len,
                     S(GREETING "250-foo.com greets c.org\r\n"
                                "250-AUTH SCRAM-SHA-256 PLAIN LOGIN\r\n"
                                "250 ENHANCEDSTATUSCODES\r\n"
                                "454 4.7.0 Temporary authentication "
                                "failure\r\n"));
    run_destroy(r);
    mw_buf_free(&log);
}

static mw_status policy_decide(mw_smtp_server *s,
                               const mw_smtp_server_event *ev)
{
    if (ev->type == MW_SMTP_SEV_HELO && ev->cmd.arg.len == 15 &&
        memcmp(ev->cmd.arg.ptr, "spammer.example", 15) == 0)
        return mw_smtp_server_reply(s, 550, "5.7.1", "Go away");
    if (ev->type == MW_SMTP_SEV_AUTH && ev->mech == MW_SASL_LOGIN)
        return mw_smtp_server_reply(s, 454, "4.7.0", "Try later");
    if (ev->type == MW_SMTP_SEV_AUTH_CREDENTIALS)
        return mw_smtp_server_reply(s, 535, "5.7.8", "Account locked");
    return default_decide(s, ev);
}

static void test_policy_refusals_and_defaults(void **state)
{
    (void)state;
    setup su;
    auth_setup(&su);
    su.cfg.flags |= MW_SMTP_SERVER_REQUIRE_AUTH;
    su.decide = policy_decide;
    /* A refused EHLO leaves the session without a greeting; VRFY and
     * EXPN get their defaults; MAIL needs AUTH; the application can
     * refuse an exchange before or inside it. */
    expect_transcript(
        &su,
        S("EHLO spammer.example\r\nMAIL FROM:<>\r\nEHLO c.org\r\n"
          "VRFY someone\r\nEXPN list\r\nMAIL FROM:<>\r\nAUTH LOGIN\r\n"
          "AUTH PLAIN AHVzZXIAcGVuY2ls\r\nHELP\r\n"),
        S(GREETING "{HELO EHLO spammer.example}\n550 Go away\r\n"
                   "503 Send HELO/EHLO first\r\n"
                   "{HELO EHLO c.org}\n250-foo.com greets c.org\r\n"
                   "250-AUTH SCRAM-SHA-256 PLAIN LOGIN\r\n"
                   "250 ENHANCEDSTATUSCODES\r\n"
                   "{VRFY someone}\n252 2.5.0 Cannot VRFY user, but will "
                   "accept message and attempt delivery\r\n"
                   "{EXPN list}\n502 5.5.1 EXPN not available\r\n"
                   "530 5.7.0 Authentication required\r\n"
                   "{AUTH LOGIN}\n454 4.7.0 Try later\r\n"
                   "{AUTH PLAIN}\n{CRED user|}\n535 5.7.8 Account locked\r\n"
                   "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET "
                   "NOOP QUIT VRFY HELP\r\n"));
}

static void test_requiretls_parameter_only_over_tls(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_REQUIRETLS | MW_SMTP_CAP_STARTTLS;
    /* RFC 8689: REQUIRETLS is announced and accepted only over TLS. */
    expect_transcript(&su, S("EHLO c.org\r\nMAIL FROM:<> REQUIRETLS\r\n"),
                      S(GREETING "{HELO EHLO c.org}\n"
                                 "250-foo.com greets c.org\r\n"
                                 "250 STARTTLS\r\n"
                                 "555 REQUIRETLS not supported\r\n"));
    su.cfg.flags = MW_SMTP_SERVER_TLS_ACTIVE;
    expect_transcript(&su, S("EHLO c.org\r\nMAIL FROM:<> REQUIRETLS\r\n"),
                      S(GREETING "{HELO EHLO c.org}\n"
                                 "250-foo.com greets c.org\r\n"
                                 "250 REQUIRETLS\r\n{MAIL <>}\n250 OK\r\n"));
}

static void test_lmtp_many_recipients_with_backpressure(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.flags = MW_SMTP_SERVER_LMTP;
    enum { N = 700 };
    mw_buf in, want;
    mw_buf_init_growable(&in, NULL, 0);
    mw_buf_init_growable(&want, NULL, 0);
    mw_buf_append_str(&in, "LHLO c.org\r\nMAIL FROM:<>\r\n");
    mw_buf_append_str(&want, GREETING "{HELO LHLO c.org}\n"
                                      "250 foo.com greets c.org\r\n"
                                      "{MAIL <>}\n250 OK\r\n");
    char tmp[64];
    for (int i = 0; i < N; i++) {
        snprintf(tmp, sizeof(tmp), "RCPT TO:<u%d@foo.com>\r\n", i);
        mw_buf_append_str(&in, tmp);
        snprintf(tmp, sizeof(tmp), "{RCPT <u%d@foo.com> %d}\n250 OK\r\n", i, i);
        mw_buf_append_str(&want, tmp);
    }
    mw_buf_append_str(&in, "DATA\r\nx\r\n.\r\n");
    mw_buf_append_str(&want, "354 Start mail input; end with "
                             "<CRLF>.<CRLF>\r\n{DATA}\n");
    for (int i = 0; i < N; i++) {
        snprintf(tmp, sizeof(tmp), "%s{MESSAGE %d/%d 3}\n250 OK\r\n",
                 i == 0 ? "{BODY x\r\n}\n" : "", i, N);
        mw_buf_append_str(&want, tmp);
    }
    /* More replies than the output buffer holds: the session pauses
     * with MW_E_WOULDBLOCK and the harness drains it. */
    assert_true(want.len > 2 * MW_SMTP_SERVER_OUTPUT_SIZE);
    expect_transcript(&su, in.data, in.len, want.data, want.len);
    mw_buf_free(&in);
    mw_buf_free(&want);
}

/* ------------------------------------------------------------------ */
/* API                                                                 */
/* ------------------------------------------------------------------ */

static void test_decision_rules(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.caps = MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
    assert_int_equal(mw_smtp_server_wants(s), MW_WANT_READ | MW_WANT_WRITE);
    assert_int_equal(mw_smtp_server_accept(s), MW_E_STATE);
    mw_smtp_server_event ev;
    size_t used;
    static const char in[] = "EHLO c.org\r\nNOOP\r\n";
    assert_int_equal(mw_smtp_server_feed(s, in, sizeof(in) - 1, &used, &ev),
                     MW_OK);
    assert_int_equal(used, 12);
    assert_int_equal(ev.type, MW_SMTP_SEV_HELO);
    assert_int_equal(ev.decide, 1);
    /* Feeding while the decision is pending. */
    assert_int_equal(mw_smtp_server_feed(s, in + used, 6, &used, &ev),
                     MW_E_STATE);
    assert_int_equal(used, 0);
    assert_int_equal(mw_smtp_server_reply(s, 199, NULL, "x"), MW_E_ARG);
    assert_int_equal(mw_smtp_server_reply(s, 354, NULL, "x"), MW_E_ARG);
    assert_int_equal(mw_smtp_server_reply(s, 250, "5.0.0", "x"), MW_E_ARG);
    assert_int_equal(mw_smtp_server_reply(s, 250, "2.0", "x"), MW_E_ARG);
    assert_int_equal(mw_smtp_server_reply(s, 250, NULL, "a\r\nb"), MW_E_CRLF);
    assert_int_equal(mw_smtp_server_reply(s, 250, NULL, "hello there"), MW_OK);
    assert_int_equal(mw_smtp_server_reply(s, 250, NULL, "again"), MW_E_STATE);
    assert_int_equal(mw_smtp_server_feed(s, in + 12, 6, &used, &ev),
                     MW_NEED_MORE);
    size_t n;
    const char *out = mw_smtp_server_output(s, &n);
    mwt_assert_bytes("out", out, n,
                     S(GREETING "250-foo.com hello there\r\n"
                                "250 ENHANCEDSTATUSCODES\r\n"
                                "250 2.0.0 OK\r\n"));
    mw_smtp_server_output_done(s, 10);
    out = mw_smtp_server_output(s, &n);
    assert_int_equal(n, sizeof(GREETING) - 1 + 24 + 26 + 14 - 10);
    assert_int_equal(mw_smtp_server_eof(s), MW_E_CLOSED);
    assert_int_equal(mw_smtp_server_wants(s), MW_WANT_WRITE | MW_WANT_CLOSE);
    assert_int_equal(mw_smtp_server_feed(s, in, 4, &used, &ev), MW_E_CLOSED);
    mw_smtp_server_free(s);
    mw_smtp_server_free(NULL);
}

static void test_shutdown_and_bad_configs(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
    assert_int_equal(mw_smtp_server_shutdown(s), MW_OK);
    assert_int_equal(mw_smtp_server_shutdown(s), MW_E_STATE);
    size_t n;
    const char *out = mw_smtp_server_output(s, &n);
    mwt_assert_bytes("out", out, n,
                     S(GREETING "421 foo.com Service shutting down\r\n"));
    assert_int_equal(mw_smtp_server_eof(s), MW_OK);
    mw_smtp_server_free(s);

    /* Shutting down while a decision is pending answers it with 421. */
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
    mw_smtp_server_event ev;
    size_t used;
    assert_int_equal(
        mw_smtp_server_feed(s, "EHLO c.org\r\nNOOP\r\n", 18, &used, &ev),
        MW_OK);
    assert_int_equal(ev.type, MW_SMTP_SEV_HELO);
    assert_int_equal(mw_smtp_server_shutdown(s), MW_OK);
    assert_int_equal(mw_smtp_server_accept(s), MW_E_STATE);
    assert_int_equal(mw_smtp_server_feed(s, "NOOP\r\n", 6, &used, &ev),
                     MW_E_CLOSED);
    out = mw_smtp_server_output(s, &n);
    mwt_assert_bytes("out", out, n,
                     S(GREETING "421 foo.com Service shutting down\r\n"));
    mw_smtp_server_free(s);

    su.cfg.hostname.len = 0;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_E_ARG);
    assert_int_equal(mw_smtp_server_sizeof(&su.cfg), 0);
    su.cfg.hostname.ptr = "a b";
    su.cfg.hostname.len = 3;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_E_ARG);
    su.cfg.hostname.ptr = host;
    su.cfg.hostname.len = strlen(host);
    su.cfg.greeting.ptr = "x\r\n250 fake";
    su.cfg.greeting.len = 11;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_E_ARG);
    su.cfg.greeting.len = 0;
    su.cfg.size = 4;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_E_ARG);
    assert_int_equal(mw_smtp_server_new(NULL, NULL, &s), MW_E_ARG);
}

static void test_long_names_keep_ehlo_lines_within_512(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    char name[256], line[300], text[2049];
    memset(name, 'h', 255);
    name[255] = 0;
    su.cfg.hostname.ptr = name;
    su.cfg.hostname.len = 255;
    su.cfg.caps = MW_SMTP_CAP_PIPELINING;
    /* A 255-byte client domain of four labels. */
    memset(line, 'c', sizeof(line));
    memcpy(line, "EHLO ", 5);
    line[5 + 63] = line[5 + 127] = line[5 + 191] = '.';
    memcpy(line + 5 + 255, "\r\nEHLO x\r\n", 10);
    memset(text, 't', 2048);
    text[2048] = 0;
    for (int custom = 0; custom < 2; custom++) {
        mw_smtp_server *s = NULL;
        assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
        mw_smtp_server_event ev;
        size_t used;
        assert_int_equal(mw_smtp_server_feed(s, line, 270, &used, &ev), MW_OK);
        assert_int_equal(ev.cmd.arg.len, 255);
        if (custom)
            assert_int_equal(mw_smtp_server_reply(s, 250, NULL, text), MW_OK);
        else
            assert_int_equal(mw_smtp_server_accept(s), MW_OK);
        size_t n;
        const char *out = mw_smtp_server_output(s, &n);
        const char *first = memchr(out, '\n', n) + 1; /* after the 220 */
        const char *eol = memchr(first, '\n', n - (size_t)(first - out));
        assert_non_null(eol);
        assert_int_equal((size_t)(eol - first) + 1, 512);
        assert_memory_equal(eol + 1, "250 PIPELINING\r\n", 16);
        mw_smtp_server_free(s);
    }
}

static void test_init_in_caller_storage(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN);
    su.cfg.flags = MW_SMTP_SERVER_TLS_ACTIVE;
    size_t need = mw_smtp_server_sizeof(&su.cfg);
    assert_true(need > MW_SMTP_SERVER_OUTPUT_SIZE);
    void *mem = malloc(need);
    assert_non_null(mem);
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_init_in(mem, need - 1, &su.cfg, &s),
                     MW_E_ARG);
    assert_int_equal(mw_smtp_server_init_in((char *)mem + 1, need, &su.cfg, &s),
                     MW_E_ARG);
    assert_int_equal(mw_smtp_server_init_in(mem, need, &su.cfg, &s), MW_OK);
    assert_ptr_equal(s, mem);
    mw_smtp_server_event ev;
    size_t used;
    static const char in[] = "EHLO c.org\r\nAUTH PLAIN\r\n";
    assert_int_equal(mw_smtp_server_feed(s, in, sizeof(in) - 1, &used, &ev),
                     MW_OK);
    assert_int_equal(mw_smtp_server_accept(s), MW_OK);
    assert_int_equal(
        mw_smtp_server_feed(s, in + used, sizeof(in) - 1 - used, &used, &ev),
        MW_NEED_MORE);
    size_t n;
    const char *out = mw_smtp_server_output(s, &n);
    /* No heap, no AUTH. */
    mwt_assert_bytes("out", out, n,
                     S(GREETING "250 foo.com greets c.org\r\n"
                                "502 Command not implemented\r\n"));
    mw_smtp_server_free(s);
    free(mem);
}

static void test_output_backpressure(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    mw_smtp_server *s = NULL;
    assert_int_equal(mw_smtp_server_new(&su.cfg, NULL, &s), MW_OK);
    char in[8 * 1024];
    for (size_t i = 0; i < sizeof(in); i += 8)
        memcpy(in + i, "NOOP  \r\n", 8);
    /* "NOOP  " has trailing spaces (tolerated): 8 bytes in, 8 out. */
    mw_smtp_server_event ev;
    size_t used;
    mw_status st = mw_smtp_server_feed(s, in, sizeof(in), &used, &ev);
    assert_int_equal(st, MW_E_WOULDBLOCK);
    assert_true(used < sizeof(in));
    size_t n;
    mw_smtp_server_output(s, &n);
    assert_true(n <= MW_SMTP_SERVER_OUTPUT_SIZE);
    mw_smtp_server_output_done(s, n);
    size_t pos = used;
    st = mw_smtp_server_feed(s, in + pos, sizeof(in) - pos, &used, &ev);
    assert_int_equal(st, MW_NEED_MORE);
    mw_smtp_server_free(s);
}

static void test_normalize_option(void **state)
{
    (void)state;
    setup su;
    base_setup(&su);
    su.cfg.flags = MW_SMTP_SERVER_NORMALIZE_BARE;
    /* Bare LF and CR become CRLF but never end the data: "\n.\n" stays a
     * line holding a dot. */
    expect_transcript(
        &su,
        S("EHLO c.org\r\nMAIL FROM:<>\r\nRCPT TO:<x@y.z>\r\nDATA\r\n"
          "a\nb\rc\r\n.\r\r\n\n.\nd\r\n.\r\nNOOP\r\n"),
        S(GREETING "{HELO EHLO c.org}\n250 foo.com greets c.org\r\n"
                   "{MAIL <>}\n250 OK\r\n{RCPT <x@y.z> 0}\n250 OK\r\n"
                   "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"
                   "{BODY a\r\nb\r\nc\r\n\r\n\r\n\r\n.\r\nd\r\n}\n"
                   "{MESSAGE 0/1 21 NORM}\n250 OK\r\n250 OK\r\n"));
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                 */
/* ------------------------------------------------------------------ */

static const char sweep_in[] =
    "EHLO c.org\r\nAUTH PLAIN AHVzZXIAcGVuY2ls\r\nMAIL FROM:<a@c.org>\r\n"
    "RCPT TO:<b@foo.com>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n";

static int sweep_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    setup su;
    auth_setup(&su);
    mw_smtp_server *s = NULL;
    mw_status st = mw_smtp_server_new(&su.cfg, a, &s);
    if (st != MW_OK)
        return st == MW_E_NOMEM ? 0 : 1;
    size_t pos = 0, len = sizeof(sweep_in) - 1;
    int guard = 0;
    while (guard++ < 100) {
        mw_smtp_server_event ev;
        size_t used = 0;
        st = mw_smtp_server_feed(s, sweep_in + pos, len - pos, &used, &ev);
        pos += used;
        size_t n;
        mw_smtp_server_output(s, &n);
        mw_smtp_server_output_done(s, n);
        if (st == MW_OK) {
            if (ev.decide && default_decide(s, &ev) != MW_OK &&
                mw_smtp_server_reply(s, 454, "4.7.0", "no memory") != MW_OK)
                break;
            continue;
        }
        break;
    }
    mw_smtp_server_free(s);
    return 0;
}

static void test_failalloc_sweep(void **state)
{
    (void)state;
    mwt_failalloc_sweep(sweep_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5321_d1_typical_transaction),
        cmocka_unit_test(test_rfc5321_d2_aborted_transaction),
        cmocka_unit_test(test_rfc5321_d3_relayed_mail),
        cmocka_unit_test(test_rfc5321_d4_verify_and_send),
        cmocka_unit_test(test_greeting_default_and_554),
        cmocka_unit_test(test_output_done_status),
        cmocka_unit_test(test_auth_line_12288),
        cmocka_unit_test(test_out_of_sequence_commands),
        cmocka_unit_test(test_too_many_errors_close_with_421),
        cmocka_unit_test(test_long_line_is_500_and_session_goes_on),
        cmocka_unit_test(test_bare_lf_is_not_a_command_end),
        cmocka_unit_test(test_mail_parameters_checked_against_offer),
        cmocka_unit_test(test_helo_session_refuses_parameters),
        cmocka_unit_test(test_smtputf8_addresses),
        cmocka_unit_test(test_pipelining_batch_replies_in_order),
        cmocka_unit_test(test_empty_body_and_message_rejected_by_app),
        cmocka_unit_test(test_bdat_chunks),
        cmocka_unit_test(test_bdat_not_offered_still_skips_the_chunk),
        cmocka_unit_test(test_data_refused_with_binarymime),
        cmocka_unit_test(test_recipients_limit_452),
        cmocka_unit_test(test_size_exceeded_while_streaming_552),
        cmocka_unit_test(test_lmtp_one_reply_per_recipient),
        cmocka_unit_test(test_lmtp_refused_message_replies_per_recipient),
        cmocka_unit_test(test_aiosmtpd_380_starttls_injection_discarded),
        cmocka_unit_test(test_starttls_pending_reply_before_handshake),
        cmocka_unit_test(test_require_tls),
        cmocka_unit_test(test_auth_plain),
        cmocka_unit_test(test_auth_login_and_cancel),
        cmocka_unit_test(test_auth_refusals),
        cmocka_unit_test(test_auth_scram_sha_256),
        cmocka_unit_test(test_auth_every_mechanism_live),
        cmocka_unit_test(test_auth_scram_needs_random),
        cmocka_unit_test(test_policy_refusals_and_defaults),
        cmocka_unit_test(test_requiretls_parameter_only_over_tls),
        cmocka_unit_test(test_lmtp_many_recipients_with_backpressure),
        cmocka_unit_test(test_decision_rules),
        cmocka_unit_test(test_shutdown_and_bad_configs),
        cmocka_unit_test(test_long_names_keep_ehlo_lines_within_512),
        cmocka_unit_test(test_init_in_caller_storage),
        cmocka_unit_test(test_output_backpressure),
        cmocka_unit_test(test_normalize_option),
        cmocka_unit_test(test_failalloc_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
