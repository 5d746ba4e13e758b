/* Transports: descriptor transport over a socketpair, callback transport
 * over an in-memory pipe, argument checks, allocation failures. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mwtest.h"

#include "mailwire/net.h"

static void make_pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static int fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static void test_fd_roundtrip(void **state)
{
    (void)state;
    int sv[2];
    make_pair(sv);
    mw_transport *a = NULL, *b = NULL;
    assert_int_equal(mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &a),
                     MW_OK);
    assert_int_equal(mw_transport_new_fd(sv[1], MW_TRANSPORT_OWN_FD, NULL, &b),
                     MW_OK);
    assert_int_equal(mw_transport_fd(a), sv[0]);
    assert_true(fcntl(sv[0], F_GETFL) & O_NONBLOCK);

    char buf[64];
    size_t n = 99;
    /* Nothing sent yet: the read would block and says it waits to read. */
    assert_int_equal(mw_transport_read(b, buf, sizeof(buf), &n),
                     MW_E_WOULDBLOCK);
    assert_int_equal(n, 0);
    assert_int_equal(mw_transport_wants(b), MW_WANT_READ);

    assert_int_equal(mw_transport_write(a, "EHLO x\r\n", 8, &n), MW_OK);
    assert_int_equal(n, 8);
    assert_int_equal(mw_transport_read(b, buf, sizeof(buf), &n), MW_OK);
    mwt_assert_bytes("read", buf, n, "EHLO x\r\n", 8);
    /* A descriptor transport has no handshake. */
    assert_int_equal(mw_transport_handshake(a), MW_OK);

    mw_transport_close(a);
    assert_false(fd_is_open(sv[0]));
    /* The peer's orderly close is end of stream, not an error. */
    assert_int_equal(mw_transport_read(b, buf, sizeof(buf), &n), MW_E_CLOSED);
    /* Writing to a vanished peer is a status, not a SIGPIPE. */
    assert_int_equal(mw_transport_write(b, "x", 1, &n), MW_E_CLOSED);
    mw_transport_close(b);
}

static void test_fd_not_owned(void **state)
{
    (void)state;
    int sv[2];
    make_pair(sv);
    mw_transport *a = NULL;
    assert_int_equal(mw_transport_new_fd(sv[0], 0, NULL, &a), MW_OK);
    mw_transport_close(a);
    assert_true(fd_is_open(sv[0]));
    close(sv[0]);
    close(sv[1]);
}

/* Fill the socket until a write is short or would block, then drain the
 * peer and check every byte arrived once, in order. */
static void test_fd_partial_writes(void **state)
{
    (void)state;
    int sv[2];
    make_pair(sv);
    int small = 4096;
    (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    (void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    mw_transport *a = NULL, *b = NULL;
    assert_int_equal(mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &a),
                     MW_OK);
    assert_int_equal(mw_transport_new_fd(sv[1], MW_TRANSPORT_OWN_FD, NULL, &b),
                     MW_OK);
    enum { TOTAL = 1 << 20 };
    static char src[TOTAL], dst[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        src[i] = (char)(i * 7 + i / 251);
    size_t sent = 0, got = 0;
    int short_writes = 0, blocked = 0;
    while (got < TOTAL) {
        if (sent < TOTAL) {
            size_t n = 0;
            mw_status st = mw_transport_write(a, src + sent, TOTAL - sent, &n);
            if (st == MW_E_WOULDBLOCK) {
                blocked++;
                assert_int_equal(mw_transport_wants(a), MW_WANT_WRITE);
            } else {
                assert_int_equal(st, MW_OK);
                if (n < TOTAL - sent)
                    short_writes++;
                sent += n;
            }
        }
        size_t n = 0;
        mw_status st = mw_transport_read(b, dst + got, TOTAL - got, &n);
        if (st == MW_OK)
            got += n;
        else
            assert_int_equal(st, MW_E_WOULDBLOCK);
    }
    assert_true(short_writes > 0);
    assert_true(blocked > 0 || short_writes > 1);
    assert_int_equal(sent, TOTAL);
    assert_memory_equal(src, dst, TOTAL);
    mw_transport_close(a);
    mw_transport_close(b);
}

static void test_fd_args(void **state)
{
    (void)state;
    mw_transport *t = (mw_transport *)&t;
    assert_int_equal(mw_transport_new_fd(-1, 0, NULL, &t), MW_E_ARG);
    assert_null(t);
    assert_int_equal(mw_transport_new_fd(0, 0, NULL, NULL), MW_E_ARG);
    int sv[2];
    make_pair(sv);
    assert_int_equal(mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, NULL, &t),
                     MW_OK);
    char c;
    size_t n;
    assert_int_equal(mw_transport_read(t, &c, 0, &n), MW_E_ARG);
    assert_int_equal(mw_transport_read(t, NULL, 1, &n), MW_E_ARG);
    assert_int_equal(mw_transport_write(t, "x", 0, &n), MW_E_ARG);
    assert_int_equal(mw_transport_write(t, "x", 1, NULL), MW_E_ARG);
    assert_int_equal(mw_transport_read(NULL, &c, 1, &n), MW_E_ARG);
    assert_int_equal(mw_transport_fd(NULL), -1);
    assert_int_equal(mw_transport_wants(NULL), 0);
    mw_transport_close(t);
    mw_transport_close(NULL);
    close(sv[1]);
    /* A descriptor that is not open cannot be made non-blocking. */
    assert_int_equal(mw_transport_new_fd(sv[1], 0, NULL, &t), MW_E_IO);
}

/* ------------------------------------------------------------------ */
/* Callback transport over an in-memory pipe                           */
/* ------------------------------------------------------------------ */

typedef struct mem_pipe {
    char data[256];
    size_t len;
    size_t send_max; /* at most this many bytes per send call */
    int closed;
    int close_calls;
    int report_zero; /* recv claims MW_OK with 0 bytes */
} mem_pipe;

static mw_status pipe_send(void *ud, const void *buf, size_t len, size_t *n_out)
{
    mem_pipe *p = ud;
    if (p->closed)
        return MW_E_CLOSED;
    size_t room = sizeof(p->data) - p->len;
    size_t n = len < p->send_max ? len : p->send_max;
    if (n > room)
        n = room;
    if (n == 0)
        return MW_E_WOULDBLOCK;
    memcpy(p->data + p->len, buf, n);
    p->len += n;
    *n_out = n;
    return MW_OK;
}

static mw_status pipe_recv(void *ud, void *buf, size_t cap, size_t *n_out)
{
    mem_pipe *p = ud;
    if (p->report_zero) {
        *n_out = 0;
        return MW_OK;
    }
    if (p->len == 0)
        return p->closed ? MW_E_CLOSED : MW_E_WOULDBLOCK;
    size_t n = cap < p->len ? cap : p->len;
    memcpy(buf, p->data, n);
    memmove(p->data, p->data + n, p->len - n);
    p->len -= n;
    *n_out = n;
    return MW_OK;
}

static void pipe_close(void *ud)
{
    ((mem_pipe *)ud)->close_calls++;
}

static void test_callbacks(void **state)
{
    (void)state;
    mem_pipe p;
    memset(&p, 0, sizeof(p));
    p.send_max = 3;
    mw_transport_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.ud = &p;
    cb.send = pipe_send;
    cb.recv = pipe_recv;
    cb.close = pipe_close;
    cb.fd = -1;
    mw_transport *t = NULL;
    assert_int_equal(mw_transport_new_callbacks(&cb, NULL, &t), MW_OK);
    memset(&cb, 0xA5, sizeof(cb)); /* the transport kept its own copy */
    assert_int_equal(mw_transport_fd(t), -1);

    size_t n = 0;
    assert_int_equal(mw_transport_write(t, "QUIT\r\n", 6, &n), MW_OK);
    assert_int_equal(n, 3); /* short write passed through */
    assert_int_equal(mw_transport_write(t, "T\r\n", 3, &n), MW_OK);
    char buf[16];
    assert_int_equal(mw_transport_read(t, buf, sizeof(buf), &n), MW_OK);
    mwt_assert_bytes("pipe", buf, n, "QUIT\r\n", 6);
    assert_int_equal(mw_transport_read(t, buf, sizeof(buf), &n),
                     MW_E_WOULDBLOCK);
    assert_int_equal(mw_transport_wants(t), MW_WANT_READ);
    /* MW_OK with no bytes would make a loop spin: it means "not now". */
    p.report_zero = 1;
    assert_int_equal(mw_transport_read(t, buf, sizeof(buf), &n),
                     MW_E_WOULDBLOCK);
    p.report_zero = 0;
    p.closed = 1;
    assert_int_equal(mw_transport_read(t, buf, sizeof(buf), &n), MW_E_CLOSED);
    assert_int_equal(mw_transport_write(t, "x", 1, &n), MW_E_CLOSED);
    mw_transport_close(t);
    assert_int_equal(p.close_calls, 1);
}

static void test_callbacks_args(void **state)
{
    (void)state;
    mw_transport_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    mw_transport *t = NULL;
    cb.send = pipe_send;
    assert_int_equal(mw_transport_new_callbacks(&cb, NULL, &t), MW_E_ARG);
    assert_int_equal(mw_transport_new_callbacks(NULL, NULL, &t), MW_E_ARG);
    mw_transport_vtable vt;
    memset(&vt, 0, sizeof(vt));
    assert_int_equal(mw_transport_new(&vt, NULL, NULL, &t), MW_E_ARG);
    assert_null(t);
}

static int alloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    mw_transport *t = NULL;
    mw_status st = mw_transport_new_fd(sv[0], MW_TRANSPORT_OWN_FD, a, &t);
    if (st == MW_OK)
        mw_transport_close(t);
    else
        close(sv[0]);
    close(sv[1]);
    mem_pipe p;
    memset(&p, 0, sizeof(p));
    mw_transport_callbacks cb = {&p, pipe_send, pipe_recv, pipe_close, -1};
    st = mw_transport_new_callbacks(&cb, a, &t);
    if (st == MW_OK)
        mw_transport_close(t);
    else if (st != MW_E_NOMEM || p.close_calls != 0)
        return 1;
    return 0;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    mwt_failalloc_sweep(alloc_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fd_roundtrip),
        cmocka_unit_test(test_fd_not_owned),
        cmocka_unit_test(test_fd_partial_writes),
        cmocka_unit_test(test_fd_args),
        cmocka_unit_test(test_callbacks),
        cmocka_unit_test(test_callbacks_args),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
