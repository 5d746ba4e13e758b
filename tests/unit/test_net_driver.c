/* The poll() driver running a toy line-echo session defined here, over a
 * socketpair (input written up front, so one process suffices) and over a
 * callback transport that only moves a few bytes per call. */
#define _POSIX_C_SOURCE 200809L

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mwtest.h"

#include "mailwire/net.h"

/* ------------------------------------------------------------------ */
/* The toy session: greets, echoes lines, QUIT closes, STARTTLS asks   */
/* for TLS, BAD is a feed error, BIG queues 100000 bytes.              */
/* ------------------------------------------------------------------ */

typedef struct toy {
    mw_buf out;
    char line[128];
    size_t line_len;
    int closing;
    int want_tls;
    int tls_calls;
    int tls_ok;
    char seen[256]; /* lines handled, '|'-separated */
    size_t seen_len;
    int timeout_calls;
    int32_t timeout;
    int start_tls_calls;
    size_t backpressure; /* refuse input while this much output waits */
    int stall;           /* consume nothing at all */
    int pushed_back;     /* times the feed pushed back */
} toy;

static void toy_init(toy *s)
{
    memset(s, 0, sizeof(*s));
    mw_buf_init_growable(&s->out, NULL, 0);
    assert_int_equal(mw_buf_append_str(&s->out, "HELLO\r\n"), MW_OK);
    s->timeout = 10000;
}

static void note_line(toy *s, const char *line, size_t len)
{
    assert_true(s->seen_len + len + 1 < sizeof(s->seen));
    memcpy(s->seen + s->seen_len, line, len);
    s->seen_len += len;
    s->seen[s->seen_len++] = '|';
    s->seen[s->seen_len] = '\0';
}

static mw_status toy_line(toy *s, const char *line, size_t len)
{
    note_line(s, line, len);
    if (len == 4 && memcmp(line, "QUIT", 4) == 0) {
        s->closing = 1;
        return mw_buf_append_str(&s->out, "BYE\r\n");
    }
    if (len == 8 && memcmp(line, "STARTTLS", 8) == 0) {
        s->want_tls = 1;
        return mw_buf_append_str(&s->out, "GO\r\n");
    }
    if (len == 3 && memcmp(line, "BAD", 3) == 0)
        return MW_E_SYNTAX;
    if (len == 3 && memcmp(line, "BIG", 3) == 0) {
        for (int i = 0; i < 10000; i++)
            if (mw_buf_append(&s->out, "0123456789", 10) != MW_OK)
                return MW_E_NOMEM;
        return MW_OK;
    }
    mw_status st = mw_buf_append_str(&s->out, "ECHO ");
    if (st == MW_OK)
        st = mw_buf_append(&s->out, line, len);
    if (st == MW_OK)
        st = mw_buf_append_str(&s->out, "\r\n");
    return st;
}

/* The application's feed: hands bytes to the session and handles its
 * "events" (here: whole lines) until the session stops reading. */
static mw_status toy_feed(void *ud, const char *data, size_t len,
                          size_t *consumed)
{
    toy *s = ud;
    size_t i = 0;
    if (s->stall) {
        *consumed = 0;
        return MW_NEED_MORE;
    }
    for (; i < len && !s->want_tls && !s->closing; i++) {
        if (s->backpressure && s->out.len >= s->backpressure) {
            s->pushed_back++;
            *consumed = i;
            return MW_E_WOULDBLOCK;
        }
        if (data[i] == '\n') {
            size_t n = s->line_len;
            if (n > 0 && s->line[n - 1] == '\r')
                n--;
            s->line_len = 0;
            mw_status st = toy_line(s, s->line, n);
            if (st != MW_OK) {
                *consumed = i + 1;
                return st;
            }
        } else if (s->line_len < sizeof(s->line)) {
            s->line[s->line_len++] = data[i];
        }
    }
    *consumed = i;
    return MW_NEED_MORE;
}

static const char *toy_output(void *session, size_t *len)
{
    toy *s = session;
    *len = s->out.len;
    return s->out.data;
}

static void toy_output_done(void *session, size_t n)
{
    mw_buf_consume(&((toy *)session)->out, n);
}

static unsigned toy_wants(void *session)
{
    toy *s = session;
    unsigned w = s->out.len ? MW_WANT_WRITE : 0;
    if (s->closing)
        return w | MW_WANT_CLOSE;
    if (s->want_tls)
        return w | MW_WANT_TLS;
    return w | MW_WANT_READ;
}

static mw_status toy_tls_done(void *session, int ok)
{
    toy *s = session;
    s->tls_calls++;
    s->tls_ok = ok;
    s->want_tls = 0;
    return ok ? MW_OK : MW_E_TLS;
}

static int32_t toy_timeout(void *ud)
{
    toy *s = ud;
    s->timeout_calls++;
    return s->timeout;
}

static void toy_ops(toy *s, mw_net_session_ops *ops)
{
    memset(ops, 0, sizeof(*ops));
    ops->session = s;
    ops->ud = s;
    ops->feed = toy_feed;
    ops->output = toy_output;
    ops->output_done = toy_output_done;
    ops->wants = toy_wants;
    ops->tls_done = toy_tls_done;
    ops->timeout_ms = toy_timeout;
}

/* ------------------------------------------------------------------ */

typedef struct fixture {
    int peer; /* the test's end of the socketpair */
    mw_transport *t;
    toy s;
    mw_net_session_ops ops;
} fixture;

static void fixture_open(fixture *f, const char *input)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    f->peer = sv[1];
    assert_int_equal(
        mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &f->t), MW_OK);
    size_t len = strlen(input);
    assert_int_equal(write(f->peer, input, len), (ssize_t)len);
    toy_init(&f->s);
    toy_ops(&f->s, &f->ops);
}

/* Everything the driver sent to the peer. */
static size_t fixture_drain(fixture *f, char *buf, size_t cap)
{
    mw_transport_close(f->t);
    f->t = NULL;
    size_t got = 0;
    ssize_t n;
    while (got < cap && (n = read(f->peer, buf + got, cap - got)) > 0)
        got += (size_t)n;
    return got;
}

static void fixture_close(fixture *f)
{
    mw_transport_close(f->t);
    close(f->peer);
    mw_buf_free(&f->s.out);
}

static void test_echo_transcript(void **state)
{
    (void)state;
    fixture f;
    static const char input[] = "hello\r\nworld\r\nQUIT\r\nignored\r\n";
    fixture_open(&f, input);
    mw_net_run_stats stats;
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, &stats), MW_OK);
    char out[256];
    size_t n = fixture_drain(&f, out, sizeof(out));
    static const char want[] = "HELLO\r\nECHO hello\r\nECHO world\r\nBYE\r\n";
    mwt_assert_bytes("transcript", out, n, want, sizeof(want) - 1);
    assert_string_equal(f.s.seen, "hello|world|QUIT|");
    assert_int_equal(stats.bytes_out, sizeof(want) - 1);
    assert_int_equal(stats.bytes_in, sizeof(input) - 1);
    assert_int_equal(stats.plaintext_dropped, 0);
    fixture_close(&f);
}

static void test_peer_closes(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "a\r\nb");
    assert_int_equal(shutdown(f.peer, SHUT_WR), 0);
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, NULL), MW_E_CLOSED);
    char out[64];
    size_t n = fixture_drain(&f, out, sizeof(out));
    mwt_assert_bytes("transcript", out, n, "HELLO\r\nECHO a\r\n", 15);
    fixture_close(&f);
}

static void test_timeout(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "x\r\n");
    /* A zero timeout expires at the first wait without sleeping. */
    f.s.timeout = 0;
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, NULL), MW_E_TIMEOUT);
    assert_true(f.s.timeout_calls >= 1);
    assert_string_equal(f.s.seen, "x|");
    fixture_close(&f);
}

static void test_default_timeout_option(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "");
    f.ops.timeout_ms = NULL;
    mw_net_run_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.default_timeout_ms = 1; /* expires; the test asserts no duration */
    assert_int_equal(mw_net_run(f.t, &f.ops, &o, NULL), MW_E_TIMEOUT);
    fixture_close(&f);
}

static void test_feed_error_stops(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "one\r\nBAD\r\ntwo\r\n");
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, NULL), MW_E_SYNTAX);
    assert_string_equal(f.s.seen, "one|BAD|");
    fixture_close(&f);
}

/* STARTTLS without a start_tls hook: the reply still goes out in
 * plaintext, the bytes pipelined after the command are dropped and
 * counted, and the session hears that TLS failed. */
static void test_starttls_unsupported(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "STARTTLS\r\nINJECTED\r\n");
    mw_net_run_stats stats;
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, &stats), MW_E_UNSUPPORTED);
    assert_int_equal(stats.plaintext_dropped, 10);
    assert_int_equal(f.s.tls_calls, 1);
    assert_int_equal(f.s.tls_ok, 0);
    char out[64];
    size_t n = fixture_drain(&f, out, sizeof(out));
    mwt_assert_bytes("transcript", out, n, "HELLO\r\nGO\r\n", 11);
    fixture_close(&f);
}

/* ------------------------------------------------------------------ */
/* A fake in-place upgrade: wraps the transport, its handshake blocks  */
/* once, then "the peer" sends QUIT (written to the socketpair by the  */
/* handshake itself, as bytes that arrive after the upgrade).          */
/* ------------------------------------------------------------------ */

typedef struct fake_tls {
    mw_transport inner;
    int steps;
    int peer;
    toy *s;
} fake_tls;

static mw_status fake_read(void *ctx, void *buf, size_t cap, size_t *n)
{
    return mw_transport_read(&((fake_tls *)ctx)->inner, buf, cap, n);
}

static mw_status fake_write(void *ctx, const void *buf, size_t len, size_t *n)
{
    return mw_transport_write(&((fake_tls *)ctx)->inner, buf, len, n);
}

static mw_status fake_handshake(void *ctx)
{
    fake_tls *f = ctx;
    if (f->steps++ == 0)
        return MW_E_WOULDBLOCK;
    assert_int_equal(write(f->peer, "after\r\nQUIT\r\n", 13), 13);
    return MW_OK;
}

static unsigned fake_wants(void *ctx)
{
    (void)ctx;
    return MW_WANT_WRITE; /* a handshake may wait to write */
}

static int fake_fd(void *ctx)
{
    return mw_transport_fd(&((fake_tls *)ctx)->inner);
}

static void fake_close(void *ctx)
{
    fake_tls *f = ctx;
    f->inner.vt->close(f->inner.ctx);
}

static const mw_transport_vtable fake_vt = {
    fake_read, fake_write, fake_handshake, fake_wants, fake_fd, fake_close};

static fake_tls the_fake;

static mw_status fake_start_tls(void *ud, mw_transport *t)
{
    toy *s = ud;
    s->start_tls_calls++;
    the_fake.inner = *t;
    the_fake.steps = 0;
    t->vt = &fake_vt;
    t->ctx = &the_fake;
    return MW_OK;
}

static void test_starttls_in_place(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "STARTTLS\r\nINJECTED\r\n");
    the_fake.peer = f.peer;
    f.ops.start_tls = fake_start_tls;
    mw_net_run_stats stats;
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, &stats), MW_OK);
    assert_int_equal(f.s.start_tls_calls, 1);
    assert_int_equal(f.s.tls_calls, 1);
    assert_int_equal(f.s.tls_ok, 1);
    assert_int_equal(the_fake.steps, 2);
    assert_ptr_equal(f.t->vt, &fake_vt);
    assert_int_equal(stats.plaintext_dropped, 10);
    /* The injected line never reached the session. */
    assert_string_equal(f.s.seen, "STARTTLS|after|QUIT|");
    char out[64];
    size_t n = fixture_drain(&f, out, sizeof(out));
    static const char want[] = "HELLO\r\nGO\r\nECHO after\r\nBYE\r\n";
    mwt_assert_bytes("transcript", out, n, want, sizeof(want) - 1);
    fixture_close(&f);
}

/* ------------------------------------------------------------------ */
/* A callback transport without descriptor: input arrives one byte per */
/* call, every other call would block, sends take 7 bytes at most.     */
/* ------------------------------------------------------------------ */

typedef struct trickle {
    const char *in;
    size_t in_len, in_pos;
    mw_buf sent;
    unsigned send_calls, recv_calls;
} trickle;

static mw_status trickle_send(void *ud, const void *buf, size_t len,
                              size_t *n_out)
{
    trickle *p = ud;
    if (p->send_calls++ % 2)
        return MW_E_WOULDBLOCK;
    size_t n = len < 7 ? len : 7;
    if (mw_buf_append(&p->sent, buf, n) != MW_OK)
        return MW_E_IO;
    *n_out = n;
    return MW_OK;
}

static mw_status trickle_recv(void *ud, void *buf, size_t cap, size_t *n_out)
{
    trickle *p = ud;
    (void)cap;
    if (p->recv_calls++ % 2)
        return MW_E_WOULDBLOCK;
    if (p->in_pos == p->in_len)
        return MW_E_CLOSED;
    ((char *)buf)[0] = p->in[p->in_pos++];
    *n_out = 1;
    return MW_OK;
}

static void test_trickle_callbacks(void **state)
{
    (void)state;
    trickle p;
    memset(&p, 0, sizeof(p));
    p.in = "one\r\nBIG\r\ntwo\r\nQUIT\r\n";
    p.in_len = strlen(p.in);
    mw_buf_init_growable(&p.sent, NULL, 0);
    mw_transport_callbacks cb = {&p, trickle_send, trickle_recv, NULL, -1};
    mw_transport *t = NULL;
    assert_int_equal(mw_transport_new_callbacks(&cb, NULL, &t), MW_OK);
    toy s;
    toy_init(&s);
    mw_net_session_ops ops;
    toy_ops(&s, &ops);
    mw_net_run_stats stats;
    assert_int_equal(mw_net_run(t, &ops, NULL, &stats), MW_OK);
    assert_string_equal(s.seen, "one|BIG|two|QUIT|");
    static const char head[] = "HELLO\r\nECHO one\r\n";
    static const char tail[] = "ECHO two\r\nBYE\r\n";
    size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
    assert_int_equal(p.sent.len, hl + 100000 + tl);
    mwt_assert_bytes("head", p.sent.data, hl, head, hl);
    for (size_t i = 0; i < 100000; i++)
        if (p.sent.data[hl + i] != (char)('0' + i % 10))
            fail_msg("BIG byte %zu", i);
    mwt_assert_bytes("tail", p.sent.data + hl + 100000, tl, tail, tl);
    assert_int_equal(stats.bytes_out, p.sent.len);
    assert_int_equal(stats.bytes_in, p.in_len);
    mw_transport_close(t);
    mw_buf_free(&p.sent);
    mw_buf_free(&s.out);
}

/* A session that refuses input while its output is full: the driver
 * sends, then feeds the rest; nothing is lost or reordered. */
static void test_backpressure(void **state)
{
    (void)state;
    trickle p;
    memset(&p, 0, sizeof(p));
    p.in = "a\r\nb\r\nc\r\nd\r\ne\r\nf\r\nQUIT\r\n";
    p.in_len = strlen(p.in);
    mw_buf_init_growable(&p.sent, NULL, 0);
    mw_transport_callbacks cb = {&p, trickle_send, trickle_recv, NULL, -1};
    mw_transport *t = NULL;
    assert_int_equal(mw_transport_new_callbacks(&cb, NULL, &t), MW_OK);
    toy s;
    toy_init(&s);
    s.backpressure = 1; /* no input while any output waits */
    mw_net_session_ops ops;
    toy_ops(&s, &ops);
    assert_int_equal(mw_net_run(t, &ops, NULL, NULL), MW_OK);
    assert_true(s.pushed_back > 0);
    static const char want[] = "HELLO\r\nECHO a\r\nECHO b\r\nECHO c\r\n"
                               "ECHO d\r\nECHO e\r\nECHO f\r\nBYE\r\n";
    mwt_assert_bytes("transcript", p.sent.data, p.sent.len, want,
                     sizeof(want) - 1);
    mw_transport_close(t);
    mw_buf_free(&p.sent);
    mw_buf_free(&s.out);
}

/* A feed that takes nothing while the input buffer is full would spin
 * forever; the driver gives up with MW_E_LIMIT instead. */
static void test_stalled_feed_limit(void **state)
{
    (void)state;
    fixture f;
    static char input[20000];
    memset(input, 'x', sizeof(input) - 1);
    fixture_open(&f, input);
    f.s.stall = 1;
    assert_int_equal(mw_net_run(f.t, &f.ops, NULL, NULL), MW_E_LIMIT);
    fixture_close(&f);
}

static void test_args(void **state)
{
    (void)state;
    toy s;
    toy_init(&s);
    mw_net_session_ops ops;
    toy_ops(&s, &ops);
    mw_net_run_stats stats;
    stats.bytes_in = 5;
    assert_int_equal(mw_net_run(NULL, &ops, NULL, &stats), MW_E_ARG);
    assert_int_equal(stats.bytes_in, 0);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    mw_transport *t = NULL;
    assert_int_equal(mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &t),
                     MW_OK);
    assert_int_equal(mw_net_run(t, NULL, NULL, NULL), MW_E_ARG);
    ops.wants = NULL;
    assert_int_equal(mw_net_run(t, &ops, NULL, NULL), MW_E_ARG);
    mw_transport_close(t);
    close(sv[1]);
    mw_buf_free(&s.out);
}

static int run_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    if (write(sv[1], "QUIT\r\n", 6) != 6)
        return 1;
    mw_transport *t = NULL;
    if (mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &t) != MW_OK)
        return 1;
    toy s;
    toy_init(&s);
    mw_net_session_ops ops;
    toy_ops(&s, &ops);
    mw_net_run_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.allocator = a;
    mw_status st = mw_net_run(t, &ops, &o, NULL);
    mw_transport_close(t);
    close(sv[1]);
    mw_buf_free(&s.out);
    return st == MW_OK || st == MW_E_NOMEM ? 0 : 1;
}

/* The driver's state comes from the caller's allocator. */
static void test_alloc_failures(void **state)
{
    (void)state;
    mwt_failalloc_sweep(run_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_transcript),
        cmocka_unit_test(test_peer_closes),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_default_timeout_option),
        cmocka_unit_test(test_feed_error_stops),
        cmocka_unit_test(test_starttls_unsupported),
        cmocka_unit_test(test_starttls_in_place),
        cmocka_unit_test(test_trickle_callbacks),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_stalled_feed_limit),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
