/* mw_send_message() against a scripted in-memory SMTP server plugged in
 * through mw_transport_new_callbacks(): the whole conversation, without a
 * socket. The real-server test is tests/interop/postfix/. */
#define _POSIX_C_SOURCE 200809L
#include "mwtest.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailwire/net_send.h"

#if MW_HAVE_SMTP

#define GREETING_OK "220 fake.test ESMTP\r\n"
#define EHLO_BASIC "250-fake.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

typedef struct fake {
    const char *greeting;
    const char *ehlo;
    const char *mail_reply;  /* NULL: 250 */
    const char *final_reply; /* NULL: 250 queued */
    const char *auth_reply;  /* reply after the last AUTH step */
    int close_after_mail;    /* vanish instead of answering MAIL */
    mw_buf in;               /* bytes not yet processed */
    mw_buf transcript;       /* everything the client sent */
    mw_buf out;              /* replies waiting for the client */
    int data_mode;
    int accepted;
    int auth_rounds; /* 334 challenges still to send */
    int closed;
    int quit_seen;
    long idle;
    unsigned n_auth_lines;
    int pipelined; /* MAIL to DATA arrived in one write */
} fake;

static int contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

static void reply(fake *f, const char *text)
{
    assert_int_equal(mw_buf_append(&f->out, text, strlen(text)), MW_OK);
}

static int starts(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncmp(line, prefix, n) == 0;
}

static void start_auth(fake *f, const char *line, size_t len)
{
    const char *mech = line + 5;
    size_t mlen = strcspn(mech, " \r");
    int has_ir = mech[mlen] == ' ';
    f->n_auth_lines = 0;
    f->auth_rounds = 0;
    if (mlen == 8 && strncmp(mech, "CRAM-MD5", 8) == 0) {
        f->auth_rounds = 1;
        reply(f, "334 PDEyMzQ1QGZha2UudGVzdD4=\r\n");
    } else if (mlen == 5 && strncmp(mech, "LOGIN", 5) == 0) {
        f->auth_rounds = has_ir ? 1 : 2;
        reply(f, has_ir ? "334 UGFzc3dvcmQ6\r\n" : "334 VXNlcm5hbWU6\r\n");
    } else if (!has_ir) {
        f->auth_rounds = 1;
        reply(f, "334 \r\n");
    } else {
        reply(f, f->auth_reply);
    }
    (void)len;
}

static void auth_step(fake *f)
{
    f->n_auth_lines++;
    f->auth_rounds--;
    if (f->auth_rounds > 0)
        reply(f, "334 UGFzc3dvcmQ6\r\n");
    else
        reply(f, f->auth_reply);
}

static void command(fake *f, const char *line, size_t len)
{
    if (f->auth_rounds > 0) {
        auth_step(f);
    } else if (starts(line, len, "EHLO") || starts(line, len, "HELO")) {
        reply(f, f->ehlo);
    } else if (starts(line, len, "STARTTLS")) {
        reply(f, "220 2.0.0 go ahead\r\n");
    } else if (starts(line, len, "AUTH ")) {
        start_auth(f, line, len);
    } else if (starts(line, len, "MAIL FROM:")) {
        f->accepted = 0;
        if (f->close_after_mail)
            f->closed = 1;
        else
            reply(f, f->mail_reply ? f->mail_reply : "250 2.1.0 ok\r\n");
    } else if (starts(line, len, "RCPT TO:")) {
        int bad = contains(line, len, "<bad");
        reply(f, bad ? "550 5.1.1 no such user\r\n" : "250 2.1.5 ok\r\n");
        f->accepted += !bad;
    } else if (starts(line, len, "DATA")) {
        if (f->accepted) {
            f->data_mode = 1;
            reply(f, "354 go on\r\n");
        } else {
            reply(f, "554 5.5.1 no valid recipients\r\n");
        }
    } else if (starts(line, len, "RSET")) {
        reply(f, "250 2.0.0 ok\r\n");
    } else if (starts(line, len, "QUIT")) {
        reply(f, "221 2.0.0 bye\r\n");
        f->quit_seen = 1;
        f->closed = 1;
    } else {
        reply(f, "500 5.5.2 what?\r\n");
    }
}

static void process(fake *f)
{
    for (;;) {
        const char *p = f->in.data;
        const char *nl = f->in.len ? memchr(p, '\n', f->in.len) : NULL;
        if (!nl)
            return;
        size_t len = (size_t)(nl - p) + 1;
        if (f->data_mode) {
            if (len == 3 && p[0] == '.')
                reply(f, f->final_reply ? f->final_reply
                                        : "250 2.0.0 queued as F1\r\n");
            f->data_mode = !(len == 3 && p[0] == '.');
        } else {
            command(f, p, len - 2);
        }
        mw_buf_consume(&f->in, len);
    }
}

static mw_status fake_send(void *ud, const void *buf, size_t len, size_t *n_out)
{
    fake *f = ud;
    if (f->closed)
        return MW_E_CLOSED;
    assert_int_equal(mw_buf_append(&f->transcript, buf, len), MW_OK);
    if (contains(buf, len, "MAIL FROM:") && contains(buf, len, "DATA\r\n"))
        f->pipelined = 1;
    assert_int_equal(mw_buf_append(&f->in, buf, len), MW_OK);
    process(f);
    *n_out = len;
    f->idle = 0;
    return MW_OK;
}

static mw_status fake_recv(void *ud, void *buf, size_t cap, size_t *n_out)
{
    fake *f = ud;
    if (f->out.len > 0) {
        size_t n = f->out.len < cap ? f->out.len : cap;
        memcpy(buf, f->out.data, n);
        mw_buf_consume(&f->out, n);
        *n_out = n;
        f->idle = 0;
        return MW_OK;
    }
    if (f->closed)
        return MW_E_CLOSED;
    /* The driver retries a descriptor-less transport at once: a client
     * waiting for a reply that never comes would spin forever. */
    if (++f->idle > 100000)
        return MW_E_IO;
    return MW_E_WOULDBLOCK;
}

static void fake_init(fake *f)
{
    memset(f, 0, sizeof(*f));
    f->greeting = GREETING_OK;
    f->ehlo = EHLO_BASIC;
    f->auth_reply = "235 2.7.0 ok\r\n";
    mw_buf_init_growable(&f->in, NULL, 0);
    mw_buf_init_growable(&f->transcript, NULL, 0);
    mw_buf_init_growable(&f->out, NULL, 0);
}

static void fake_free(fake *f)
{
    mw_buf_free(&f->in);
    mw_buf_free(&f->transcript);
    mw_buf_free(&f->out);
}

static mw_transport *fake_transport(fake *f, const mw_allocator *a)
{
    mw_transport_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.ud = f;
    cb.send = fake_send;
    cb.recv = fake_recv;
    cb.fd = -1;
    reply(f, f->greeting);
    mw_transport *t = NULL;
    if (mw_transport_new_callbacks(&cb, a, &t) != MW_OK)
        return NULL;
    return t;
}

static int has(const fake *f, const char *needle)
{
    return contains(f->transcript.data, f->transcript.len, needle);
}

#define SPAN(s)                                                                \
    {                                                                          \
        s, sizeof(s) - 1                                                       \
    }

static const mw_smtp_rcpt two_rcpts[] = {
    {.path = {.local = SPAN("bob"), .domain = SPAN("example.org")}},
    {.path = {.local = SPAN("carol"), .domain = SPAN("example.org")}},
};
static const mw_smtp_rcpt one_bad[] = {
    {.path = {.local = SPAN("bob"), .domain = SPAN("example.org")}},
    {.path = {.local = SPAN("bad"), .domain = SPAN("example.org")}},
};
static const mw_smtp_rcpt all_bad[] = {
    {.path = {.local = SPAN("bad1"), .domain = SPAN("example.org")}},
    {.path = {.local = SPAN("bad2"), .domain = SPAN("example.org")}},
};

static mw_smtp_envelope envelope_of(const mw_smtp_rcpt *r, size_t n)
{
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from.local = (mw_span)SPAN("alice");
    env.from.domain = (mw_span)SPAN("example.org");
    env.rcpts = r;
    env.n_rcpts = n;
    return env;
}

static const char body[] = "Subject: hi\n\nline\n.dot line\nend";

typedef struct call {
    mw_send_opts o;
    mw_send_result r;
    mw_send_reply rcpts[2];
    mw_send_span_source src;
    mw_status st;
} call;

static void call_init(call *c, mw_transport *t)
{
    memset(c, 0, sizeof(*c));
    c->o.size = sizeof(c->o);
    c->o.transport = t;
    c->r.size = sizeof(c->r);
    c->r.rcpts = c->rcpts;
    c->src.data = body;
    c->src.len = sizeof(body) - 1;
}

static void run(call *c, const mw_smtp_rcpt *r, size_t n)
{
    mw_smtp_envelope env = envelope_of(r, n);
    c->st = mw_send_message(&c->o, &env, mw_send_span_read, &c->src, &c->r);
}

static void test_send_plain_pipelined(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    c.o.helo = (mw_span)SPAN("client.example.org");
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_OK);
    assert_int_equal(c.r.final.code, 250);
    assert_int_equal(c.r.final.has_enhanced, 1);
    assert_string_equal(c.r.final.text, "queued as F1");
    assert_int_equal(c.r.n_accepted, 2);
    assert_int_equal(c.r.rcpts[0].code, 250);
    assert_int_equal(c.r.rcpts[1].code, 250);
    assert_int_equal(c.r.stage, MW_SEND_STAGE_FINAL);
    assert_int_equal(c.r.tls, 0);
    assert_true(has(&f, "EHLO client.example.org\r\n"
                        "MAIL FROM:<alice@example.org>"));
    assert_true(has(&f, "\r\nRCPT TO:<bob@example.org>\r\n"
                        "RCPT TO:<carol@example.org>\r\nDATA\r\n"
                        "Subject: hi\r\n\r\nline\r\n..dot line\r\n"
                        "end\r\n.\r\nQUIT\r\n"));
    assert_true(f.pipelined);
    assert_true(f.quit_seen);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_rejected_recipient(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    run(&c, one_bad, 2);
    assert_int_equal(c.st, MW_OK);
    assert_int_equal(c.r.n_accepted, 1);
    assert_int_equal(c.r.rcpts[0].code, 250);
    assert_int_equal(c.r.rcpts[1].code, 550);
    assert_int_equal(c.r.rcpts[1].enhanced.cls, 5);
    assert_int_equal(c.r.rcpts[1].enhanced.detail, 1);
    assert_string_equal(c.r.rcpts[1].text, "no such user");
    assert_true(has(&f, "\r\n.\r\n"));
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_all_rejected(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    run(&c, all_bad, 2);
    assert_int_equal(c.st, MW_E_PEER);
    assert_int_equal(c.r.n_accepted, 0);
    assert_int_equal(c.r.final.code / 100, 5);
    assert_int_equal(c.r.stage, MW_SEND_STAGE_MAIL);
    assert_false(has(&f, "Subject: hi")); /* no body was ever sent */
    assert_true(f.quit_seen);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_greeting_refused(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.greeting = "554 5.3.2 go away\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_PEER);
    assert_int_equal(c.r.final.code, 554);
    assert_string_equal(c.r.final.text, "go away");
    assert_int_equal(c.r.stage, MW_SEND_STAGE_GREETING);
    assert_false(has(&f, "MAIL"));
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_mail_temporary_failure(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.ehlo = "250 fake.test\r\n"; /* no PIPELINING: MAIL waits alone */
    f.mail_reply = "451 4.3.0 try later\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_PEER);
    assert_int_equal(c.r.final.code, 451);
    assert_string_equal(c.r.final.text, "try later");
    assert_false(has(&f, "RCPT"));
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_message_refused(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.final_reply = "554 5.7.1 spam\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_PEER);
    assert_int_equal(c.r.final.code, 554);
    assert_int_equal(c.r.stage, MW_SEND_STAGE_FINAL);
    assert_int_equal(c.r.n_accepted, 2);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_server_vanishes(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.close_after_mail = 1;
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    run(&c, two_rcpts, 2);
    assert_true(c.st == MW_E_CLOSED || c.st == MW_E_IO);
    assert_int_equal(c.r.final.code, 0);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_auth_plain_wipes_password(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.ehlo = "250-fake.test\r\n250 AUTH LOGIN PLAIN\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    char pw[] = "secret";
    c.o.user = (mw_span)SPAN("user");
    c.o.password = pw;
    c.o.password_len = 6;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_OK);
    assert_int_equal(c.r.auth_mech, MW_SASL_PLAIN);
    /* base64("\0user\0secret") */
    assert_true(has(&f, "AUTH PLAIN AHVzZXIAc2VjcmV0\r\nMAIL FROM:"));
    static const char zero[6] = {0};
    assert_memory_equal(pw, zero, 6);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_auth_prefers_cram_and_reports_refusal(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.ehlo = "250-fake.test\r\n250 AUTH LOGIN PLAIN CRAM-MD5\r\n";
    f.auth_reply = "535 5.7.8 bad credentials\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    char pw[] = "secret";
    c.o.user = (mw_span)SPAN("user");
    c.o.password = pw;
    c.o.password_len = 6;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_AUTH);
    assert_int_equal(c.r.auth_mech, MW_SASL_CRAM_MD5);
    assert_true(has(&f, "AUTH CRAM-MD5\r\n"));
    assert_int_equal(f.n_auth_lines, 1);
    assert_int_equal(c.r.final.code, 535);
    assert_string_equal(c.r.final.text, "bad credentials");
    assert_int_equal(c.r.stage, MW_SEND_STAGE_AUTH);
    assert_false(has(&f, "MAIL"));
    assert_true(f.quit_seen);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_auth_named_login(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.ehlo = "250-fake.test\r\n250 AUTH LOGIN PLAIN CRAM-MD5\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    char pw[] = "secret";
    c.o.user = (mw_span)SPAN("user");
    c.o.password = pw;
    c.o.password_len = 6;
    c.o.auth_mech = MW_SASL_LOGIN;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_OK);
    assert_int_equal(c.r.auth_mech, MW_SASL_LOGIN);
    assert_true(has(&f, "AUTH LOGIN"));
    assert_true(has(&f, "c2VjcmV0\r\n")); /* base64("secret") */
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_auth_not_offered(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    char pw[] = "secret";
    c.o.user = (mw_span)SPAN("user");
    c.o.password = pw;
    c.o.password_len = 6;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_AUTH);
    assert_int_equal(c.r.final.code, 0);
    assert_false(has(&f, "AUTH"));
    assert_false(has(&f, "MAIL"));
    assert_int_equal(pw[0], 0);
    mw_transport_close(t);
    fake_free(&f);
}

/* "TLS" that leaves the bytes as they are: the conversation goes on. */
static mw_status identity_upgrade(mw_transport *t, struct mw_tls_context *ctx,
                                  const char *peer)
{
    (void)t;
    assert_ptr_equal(ctx, (struct mw_tls_context *)(void *)&identity_upgrade);
    assert_string_equal(peer, "mx.example.org");
    return MW_OK;
}

static mw_status failing_upgrade(mw_transport *t, struct mw_tls_context *ctx,
                                 const char *peer)
{
    (void)t;
    (void)ctx;
    (void)peer;
    return MW_E_TLS;
}

static const char *fake_tls_error(const mw_transport *t)
{
    (void)t;
    return "certificate verify failed: self-signed certificate";
}

static void test_send_starttls(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.ehlo = "250-fake.test\r\n250 STARTTLS\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    c.o.flags = MW_SEND_STARTTLS;
    c.o.tls_upgrade = identity_upgrade;
    c.o.tls_ctx = (struct mw_tls_context *)(void *)&identity_upgrade;
    c.o.tls_peer_name = "mx.example.org";
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_OK);
    assert_int_equal(c.r.tls, 1);
    assert_true(has(&f, "EHLO localhost\r\nSTARTTLS\r\nEHLO localhost\r\n"
                        "MAIL FROM:"));
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_starttls_failure_reason(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.ehlo = "250-fake.test\r\n250 STARTTLS\r\n";
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    c.o.flags = MW_SEND_STARTTLS;
    c.o.tls_upgrade = failing_upgrade;
    c.o.tls_error = fake_tls_error;
    c.o.host = "mx.example.org";
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_TLS);
    assert_string_equal(c.r.tls_error,
                        "certificate verify failed: self-signed certificate");
    assert_false(has(&f, "MAIL"));
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_starttls_not_offered(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    c.o.flags = MW_SEND_STARTTLS;
    c.o.tls_upgrade = identity_upgrade;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_UNSUPPORTED);
    assert_int_equal(c.r.stage, MW_SEND_STAGE_STARTTLS);
    assert_false(has(&f, "MAIL"));
    assert_true(f.quit_seen);
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_tls_without_hook(void **state)
{
    (void)state;
    call c;
    call_init(&c, NULL);
    char pw[] = "secret";
    c.o.host = "mx.example.org";
    c.o.flags = MW_SEND_TLS;
    c.o.user = (mw_span)SPAN("user");
    c.o.password = pw;
    c.o.password_len = 6;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_UNSUPPORTED);
    assert_int_equal(pw[0], 0); /* wiped on every path */
    c.o.flags = MW_SEND_TLS | MW_SEND_STARTTLS;
    c.o.tls_upgrade = identity_upgrade;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_ARG);
    c.o.flags = 0;
    c.o.host = NULL;
    run(&c, two_rcpts, 2);
    assert_int_equal(c.st, MW_E_ARG);
}

static mw_status failing_body(void *ud, char *buf, size_t cap, size_t *n_out)
{
    int *calls = ud;
    if ((*calls)++ > 0)
        return MW_E_IO;
    const char part[] = "Subject: cut\r\n\r\nfirst half";
    assert_true(cap >= sizeof(part) - 1);
    memcpy(buf, part, sizeof(part) - 1);
    *n_out = sizeof(part) - 1;
    return MW_OK;
}

static void test_send_body_error_never_ends_data(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    mw_transport *t = fake_transport(&f, NULL);
    call c;
    call_init(&c, t);
    int calls = 0;
    mw_smtp_envelope env = envelope_of(two_rcpts, 2);
    c.st = mw_send_message(&c.o, &env, failing_body, &calls, &c.r);
    assert_int_equal(c.st, MW_E_IO);
    assert_int_equal(c.r.stage, MW_SEND_STAGE_BODY);
    /* The server must not receive an end of data for a truncated body. */
    assert_false(has(&f, "\r\n.\r\n"));
    assert_false(has(&f, "QUIT"));
    mw_transport_close(t);
    fake_free(&f);
}

static void test_send_span_read(void **state)
{
    (void)state;
    mw_send_span_source src = {"abcdef", 6, 0};
    char buf[4];
    size_t n = 0;
    assert_int_equal(mw_send_span_read(&src, buf, 4, &n), MW_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "abcd", 4);
    assert_int_equal(mw_send_span_read(&src, buf, 4, &n), MW_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(buf, "ef", 2);
    assert_int_equal(mw_send_span_read(&src, buf, 4, &n), MW_DONE);
    src.off = 7;
    assert_int_equal(mw_send_span_read(&src, buf, 4, &n), MW_E_ARG);
    assert_int_equal(mw_send_span_read(NULL, buf, 4, &n), MW_E_ARG);
}

/* A real descriptor (socketpair) whose peer falls silent: every wait is
 * bounded by the timeout of the state (RFC 5321 4.5.3.2, shortened). */
static mw_status silent_peer(const char *said, uint32_t *stage)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    if (said)
        assert_true(write(sv[1], said, strlen(said)) == (ssize_t)strlen(said));
    mw_transport *t = NULL;
    assert_int_equal(mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &t),
                     MW_OK);
    mw_net_smtp_timeouts to = {100, 100, 100, 100, 100, 100, 100, 100};
    call c;
    call_init(&c, t);
    c.o.timeouts = &to;
    uint64_t start = mw_net_monotonic_ms();
    run(&c, two_rcpts, 2);
    uint64_t spent = mw_net_monotonic_ms() - start;
    assert_true(spent >= 90 && spent < 5000);
    *stage = c.r.stage;
    mw_transport_close(t);
    close(sv[1]);
    return c.st;
}

static void test_send_timeouts(void **state)
{
    (void)state;
    uint32_t stage = 99;
    assert_int_equal(silent_peer(NULL, &stage), MW_E_TIMEOUT);
    assert_int_equal(stage, MW_SEND_STAGE_GREETING);
    assert_int_equal(silent_peer("220 hi\r\n", &stage), MW_E_TIMEOUT);
    assert_int_equal(stage, MW_SEND_STAGE_HELLO);
}

static int failalloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    fake f;
    fake_init(&f);
    f.ehlo = "250-fake.test\r\n250-PIPELINING\r\n250 AUTH SCRAM-SHA-256\r\n";
    f.auth_reply = "535 5.7.8 no\r\n";
    mw_transport *t = fake_transport(&f, a);
    if (t) {
        call c;
        call_init(&c, t);
        char pw[] = "pw";
        c.o.user = (mw_span)SPAN("u");
        c.o.password = pw;
        c.o.password_len = 2;
        c.o.allocator = a;
        run(&c, one_bad, 2);
        mw_transport_close(t);
    }
    fake_free(&f);
    return 0;
}

static void test_send_failalloc(void **state)
{
    (void)state;
    mwt_failalloc_sweep(failalloc_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_plain_pipelined),
        cmocka_unit_test(test_send_rejected_recipient),
        cmocka_unit_test(test_send_all_rejected),
        cmocka_unit_test(test_send_greeting_refused),
        cmocka_unit_test(test_send_mail_temporary_failure),
        cmocka_unit_test(test_send_message_refused),
        cmocka_unit_test(test_send_server_vanishes),
        cmocka_unit_test(test_send_auth_plain_wipes_password),
        cmocka_unit_test(test_send_auth_prefers_cram_and_reports_refusal),
        cmocka_unit_test(test_send_auth_named_login),
        cmocka_unit_test(test_send_auth_not_offered),
        cmocka_unit_test(test_send_starttls),
        cmocka_unit_test(test_send_starttls_failure_reason),
        cmocka_unit_test(test_send_starttls_not_offered),
        cmocka_unit_test(test_send_tls_without_hook),
        cmocka_unit_test(test_send_body_error_never_ends_data),
        cmocka_unit_test(test_send_span_read),
        cmocka_unit_test(test_send_timeouts),
        cmocka_unit_test(test_send_failalloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
/* Built without SMTP: mw_send_message() does not exist. */
int main(void)
{
    return 0;
}
#endif
