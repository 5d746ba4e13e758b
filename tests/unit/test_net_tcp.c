/* TCP on loopback with port 0: connect, listen, accept, refusal, and the
 * HOST:PORT splitter. No fixed ports, no sleeps, no timing assertions. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mwtest.h"

#include "mailwire/net.h"

static void port_text(uint16_t port, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u", (unsigned)port);
}

/* Read exactly \p len bytes from \p t, waiting as the transport says. */
static void read_exact(mw_transport *t, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        size_t n = 0;
        mw_status st = mw_transport_read(t, buf + got, len - got, &n);
        if (st == MW_E_WOULDBLOCK) {
            assert_int_equal(
                mw_net_wait(mw_transport_fd(t), mw_transport_wants(t), 10000),
                MW_OK);
            continue;
        }
        assert_int_equal(st, MW_OK);
        got += n;
    }
}

static void write_all(mw_transport *t, const char *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        size_t n = 0;
        mw_status st = mw_transport_write(t, buf + sent, len - sent, &n);
        if (st == MW_E_WOULDBLOCK) {
            assert_int_equal(
                mw_net_wait(mw_transport_fd(t), mw_transport_wants(t), 10000),
                MW_OK);
            continue;
        }
        assert_int_equal(st, MW_OK);
        sent += n;
    }
}

static mw_transport *accept_one(int lfd, char *peer, size_t cap)
{
    mw_transport *t = NULL;
    mw_status st;
    while ((st = mw_net_accept(lfd, NULL, &t, peer, cap, NULL)) ==
           MW_E_WOULDBLOCK)
        assert_int_equal(mw_net_wait(lfd, MW_WANT_READ, 10000), MW_OK);
    assert_int_equal(st, MW_OK);
    return t;
}

/* Listen on \p addr, connect to it, exchange a line each way. */
static void loopback_exchange(const char *addr, int family,
                              const char *want_peer)
{
    int lfd = -1;
    uint16_t port = 0;
    mw_net_error err;
    assert_int_equal(mw_net_listen(addr, "0", 0, &lfd, &port, &err), MW_OK);
    assert_true(port > 0);
    char ptext[8];
    port_text(port, ptext, sizeof(ptext));

    /* Nobody has connected yet. */
    mw_transport *s = NULL;
    assert_int_equal(mw_net_accept(lfd, NULL, &s, NULL, 0, NULL),
                     MW_E_WOULDBLOCK);

    mw_net_connect_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.family = family;
    o.flags = MW_NET_NUMERIC_HOST;
    o.timeout_ms = 10000;
    mw_transport *c = NULL;
    assert_int_equal(mw_net_connect(addr, ptext, &o, NULL, &c, &err), MW_OK);
    char peer[64];
    s = accept_one(lfd, peer, sizeof(peer));
    assert_string_equal(peer, want_peer);

    write_all(c, "EHLO client\r\n", 13);
    char buf[32];
    read_exact(s, buf, 13);
    mwt_assert_bytes("server got", buf, 13, "EHLO client\r\n", 13);
    write_all(s, "250 ok\r\n", 8);
    read_exact(c, buf, 8);
    mwt_assert_bytes("client got", buf, 8, "250 ok\r\n", 8);

    mw_transport_close(c);
    size_t n = 0;
    mw_status st;
    while ((st = mw_transport_read(s, buf, sizeof(buf), &n)) == MW_E_WOULDBLOCK)
        assert_int_equal(mw_net_wait(mw_transport_fd(s), MW_WANT_READ, 10000),
                         MW_OK);
    assert_int_equal(st, MW_E_CLOSED);
    mw_transport_close(s);
    mw_net_close_fd(lfd);
}

static void test_ipv4_loopback(void **state)
{
    (void)state;
    loopback_exchange("127.0.0.1", MW_NET_FAMILY_IPV4, "127.0.0.1");
}

static void test_ipv6_loopback(void **state)
{
    (void)state;
    int lfd = -1;
    mw_net_error err;
    if (mw_net_listen("::1", "0", 0, &lfd, NULL, &err) != MW_OK) {
        char text[128];
        printf("SKIP: no IPv6 loopback here (%s)\n",
               mw_net_error_text(&err, text, sizeof(text)));
        skip();
    }
    mw_net_close_fd(lfd);
    loopback_exchange("::1", MW_NET_FAMILY_IPV6, "::1");
}

static void test_connect_by_name(void **state)
{
    (void)state;
    int lfd = -1;
    uint16_t port = 0;
    assert_int_equal(mw_net_listen("127.0.0.1", "0", 4, &lfd, &port, NULL),
                     MW_OK);
    char ptext[8];
    port_text(port, ptext, sizeof(ptext));
    mw_net_connect_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.family = MW_NET_FAMILY_IPV4;
    mw_transport *c = NULL;
    mw_net_error err;
    /* "localhost" comes from /etc/hosts: resolution without a network. */
    mw_status st = mw_net_connect("localhost", ptext, &o, NULL, &c, &err);
    char text[128];
    if (st != MW_OK)
        fail_msg("connect to localhost: %s (%s)", mw_status_name(st),
                 mw_net_error_text(&err, text, sizeof(text)));
    mw_transport *s = accept_one(lfd, NULL, 0);
    mw_transport_close(c);
    mw_transport_close(s);
    mw_net_close_fd(lfd);
}

static void test_connect_refused(void **state)
{
    (void)state;
    /* A port that was just free: bind it, note it, close it. */
    int lfd = -1;
    uint16_t port = 0;
    assert_int_equal(mw_net_listen("127.0.0.1", "0", 0, &lfd, &port, NULL),
                     MW_OK);
    mw_net_close_fd(lfd);
    char ptext[8];
    port_text(port, ptext, sizeof(ptext));
    mw_transport *c = (mw_transport *)&c;
    mw_net_error err;
    assert_int_equal(mw_net_connect("127.0.0.1", ptext, NULL, NULL, &c, &err),
                     MW_E_IO);
    assert_null(c);
    assert_int_equal(err.sys_errno, ECONNREFUSED);
    assert_int_equal(err.gai_error, 0);
    assert_string_equal(err.step, "connect");
    char text[128];
    const char *msg = mw_net_error_text(&err, text, sizeof(text));
    assert_ptr_equal(msg, text);
    assert_true(strncmp(text, "connect: ", 9) == 0);
    assert_true(strlen(text) > 9);
}

/* The event-loop connect: start, wait for writability, finish. */
static void test_connect_start_finish(void **state)
{
    (void)state;
    int lfd = -1;
    uint16_t port = 0;
    assert_int_equal(mw_net_listen("127.0.0.1", "0", 0, &lfd, &port, NULL),
                     MW_OK);
    char ptext[8];
    port_text(port, ptext, sizeof(ptext));
    mw_transport *c = NULL;
    mw_net_error err;
    mw_status st = mw_net_connect_start("127.0.0.1", ptext, NULL, &c, &err);
    assert_true(st == MW_OK || st == MW_E_WOULDBLOCK);
    assert_non_null(c);
    if (st == MW_E_WOULDBLOCK) {
        assert_int_equal(mw_transport_wants(c), MW_WANT_WRITE);
        assert_int_equal(mw_net_wait(mw_transport_fd(c), MW_WANT_WRITE, 10000),
                         MW_OK);
    }
    assert_int_equal(mw_net_connect_finish(c, &err), MW_OK);
    mw_transport *s = accept_one(lfd, NULL, 0);
    write_all(c, "QUIT\r\n", 6);
    char buf[8];
    read_exact(s, buf, 6);
    mwt_assert_bytes("server got", buf, 6, "QUIT\r\n", 6);
    mw_transport_close(c);
    mw_transport_close(s);

    /* Refused: at once, or when finishing. */
    mw_net_close_fd(lfd);
    st = mw_net_connect_start("127.0.0.1", ptext, NULL, &c, &err);
    if (st == MW_E_WOULDBLOCK) {
        assert_int_equal(mw_net_wait(mw_transport_fd(c), MW_WANT_WRITE, 10000),
                         MW_OK);
        st = mw_net_connect_finish(c, &err);
        mw_transport_close(c);
    }
    assert_int_equal(st, MW_E_IO);
    assert_int_equal(err.sys_errno, ECONNREFUSED);
    /* Names are not resolved here. */
    assert_int_equal(mw_net_connect_start("localhost", "25", NULL, &c, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_net_connect_finish(NULL, NULL), MW_E_ARG);
}

static void test_numeric_only_does_not_resolve(void **state)
{
    (void)state;
    mw_net_connect_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.flags = MW_NET_NUMERIC_HOST;
    mw_transport *c = NULL;
    mw_net_error err;
    assert_int_equal(
        mw_net_connect("mail.example.invalid", "25", &o, NULL, &c, &err),
        MW_E_IO);
    assert_string_equal(err.step, "resolve");
    assert_int_not_equal(err.gai_error, 0);
    char text[8];
    /* Truncated to fit, always terminated. */
    assert_int_equal(strlen(mw_net_error_text(&err, text, sizeof(text))), 7);
    assert_string_equal(text, "resolve");
}

static void test_args(void **state)
{
    (void)state;
    mw_transport *c = NULL;
    int fd = 7;
    assert_int_equal(mw_net_connect(NULL, "25", NULL, NULL, &c, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_net_connect("h", "", NULL, NULL, &c, NULL), MW_E_ARG);
    assert_int_equal(mw_net_listen("localhost", "0", 0, &fd, NULL, NULL),
                     MW_E_ARG);
    assert_int_equal(fd, -1);
    assert_int_equal(mw_net_listen("127.0.0.1", "http", 0, &fd, NULL, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_net_listen("127.0.0.1", "65536", 0, &fd, NULL, NULL),
                     MW_E_ARG);
    assert_int_equal(mw_net_accept(-1, NULL, &c, NULL, 0, NULL), MW_E_ARG);
    assert_int_equal(mw_net_wait(-1, MW_WANT_READ, 0), MW_E_ARG);
    char buf[4];
    assert_string_equal(mw_net_error_text(NULL, buf, sizeof(buf)), "");
    assert_string_equal(mw_net_error_text(NULL, NULL, 0), "");
}

static void test_wait_timeout_zero(void **state)
{
    (void)state;
    int lfd = -1;
    assert_int_equal(mw_net_listen("127.0.0.1", "0", 0, &lfd, NULL, NULL),
                     MW_OK);
    /* A zero timeout polls once: no connection is pending. */
    assert_int_equal(mw_net_wait(lfd, MW_WANT_READ, 0), MW_E_TIMEOUT);
    mw_net_close_fd(lfd);
}

typedef struct split_case {
    const char *text;
    const char *def;
    mw_status want;
    const char *host;
    const char *port;
} split_case;

static void test_split_hostport(void **state)
{
    (void)state;
    static const split_case cases[] = {
        {"mail.example.org", "25", MW_OK, "mail.example.org", "25"},
        {"mail.example.org:587", "25", MW_OK, "mail.example.org", "587"},
        {"192.0.2.1:2525", NULL, MW_OK, "192.0.2.1", "2525"},
        {"[2001:db8::1]:465", "25", MW_OK, "2001:db8::1", "465"},
        {"[::1]", "25", MW_OK, "::1", "25"},
        {"2001:db8::1", "25", MW_OK, "2001:db8::1", "25"},
        {"host:0", NULL, MW_OK, "host", "0"},
        {"host", NULL, MW_E_SYNTAX, NULL, NULL},
        {"", "25", MW_E_SYNTAX, NULL, NULL},
        {":25", NULL, MW_E_SYNTAX, NULL, NULL},
        {"host:", "25", MW_E_SYNTAX, NULL, NULL},
        {"host:smtp", NULL, MW_E_SYNTAX, NULL, NULL},
        {"host:65536", NULL, MW_E_SYNTAX, NULL, NULL},
        {"[::1", "25", MW_E_SYNTAX, NULL, NULL},
        {"[::1]x", "25", MW_E_SYNTAX, NULL, NULL},
        {"[]:25", NULL, MW_E_SYNTAX, NULL, NULL},
        {"a]:25", NULL, MW_E_SYNTAX, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char host[64], port[8];
        mw_status st = mw_net_split_hostport(cases[i].text, cases[i].def, host,
                                             sizeof(host), port, sizeof(port));
        if (st != cases[i].want)
            fail_msg("case %zu \"%s\": %s", i, cases[i].text,
                     mw_status_name(st));
        if (st == MW_OK) {
            assert_string_equal(host, cases[i].host);
            assert_string_equal(port, cases[i].port);
        }
    }
    char small[4], port[8];
    assert_int_equal(mw_net_split_hostport("abcd:25", NULL, small,
                                           sizeof(small), port, sizeof(port)),
                     MW_E_NOSPACE);
    assert_int_equal(mw_net_split_hostport("abc:25", NULL, small, sizeof(small),
                                           port, sizeof(port)),
                     MW_OK);
    assert_int_equal(mw_net_split_hostport(NULL, NULL, small, sizeof(small),
                                           port, sizeof(port)),
                     MW_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_loopback),
        cmocka_unit_test(test_ipv6_loopback),
        cmocka_unit_test(test_connect_by_name),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_start_finish),
        cmocka_unit_test(test_numeric_only_does_not_resolve),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_wait_timeout_zero),
        cmocka_unit_test(test_split_hostport),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
