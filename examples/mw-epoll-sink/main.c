/* mw-epoll-sink: an SMTP sink on epoll. Every connection is one sans-IO
 * server session; the loop below moves bytes between sessions and
 * non-blocking transports itself (no mw_net_run()), which is all a
 * foreign event loop (epoll, libuv, a game engine's poller) has to do:
 *   output()/output_done() -> write when the socket is writable,
 *   feed() -> handle events -> accept or reply,
 *   wants() -> which readiness to wait for next. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cli.h"
#include "mailwire/mailwire.h"
#include "mailwire/net.h"
#include "mailwire/smtp_server.h"

#define TOOL "mw-epoll-sink"
#define IDLE_MS (5 * 60 * 1000) /* RFC 5321 4.5.3.2.7: server timeout */

static const char usage[] =
    "usage: mw-epoll-sink --listen ADDR:PORT [--hostname NAME]\n"
    "An SMTP server that accepts every message and discards it, on Linux\n"
    "epoll, driving mailwire's server sessions without the poll driver.\n"
    "Prints the bound port first on stdout (use port 0 for any), and the\n"
    "counts when stopped with SIGTERM or SIGINT.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct conn {
    mw_transport *t;
    mw_smtp_server *s;
    char in[16384];
    size_t in_len;
    uint32_t interest; /* epoll events registered */
    uint64_t last_ms;
    struct conn *prev, *next;
} conn;

typedef struct sink {
    int ep;
    int lfd;
    conn *conns;
    mw_smtp_server_config cfg;
    uint64_t messages, bytes, connections;
} sink;

static void conn_close(sink *k, conn *c)
{
    (void)epoll_ctl(k->ep, EPOLL_CTL_DEL, mw_transport_fd(c->t), NULL);
    mw_transport_close(c->t);
    mw_smtp_server_free(c->s);
    if (c->prev)
        c->prev->next = c->next;
    else
        k->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

/* Answer an event: accept every decision, count finished messages. */
static void handle_event(sink *k, conn *c, const mw_smtp_server_event *ev)
{
    if (ev->type == MW_SMTP_SEV_MESSAGE) {
        k->messages++;
        k->bytes += ev->count;
    }
    if (ev->decide)
        (void)mw_smtp_server_accept(c->s);
}

/* Write pending output; returns 1 when the socket would block. */
static int flush(conn *c, int *dead)
{
    size_t len = 0;
    const char *out;
    while ((out = mw_smtp_server_output(c->s, &len)) != NULL && len > 0) {
        size_t n = 0;
        mw_status st = mw_transport_write(c->t, out, len, &n);
        if (st == MW_E_WOULDBLOCK)
            return 1;
        if (st != MW_OK) {
            *dead = 1;
            return 0;
        }
        mw_smtp_server_output_done(c->s, n);
    }
    return 0;
}

/* Feed buffered input until the session needs more or pushes back. */
static void feed(sink *k, conn *c)
{
    size_t off = 0;
    while (off < c->in_len) {
        size_t used = 0;
        mw_smtp_server_event ev;
        mw_status st =
            mw_smtp_server_feed(c->s, c->in + off, c->in_len - off, &used, &ev);
        off += used;
        if (st == MW_OK) {
            handle_event(k, c, &ev);
            continue;
        }
        break; /* NEED_MORE, WOULDBLOCK (send first), CLOSED */
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
}

static void set_interest(sink *k, conn *c, uint32_t events)
{
    if (events == c->interest)
        return;
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = c;
    (void)epoll_ctl(k->ep, EPOLL_CTL_MOD, mw_transport_fd(c->t), &ev);
    c->interest = events;
}

/* Make all the progress possible, then register what to wait for. */
static void service(sink *k, conn *c)
{
    c->last_ms = mw_net_monotonic_ms();
    for (;;) {
        int dead = 0;
        int write_blocked = flush(c, &dead);
        unsigned wants = mw_smtp_server_wants(c->s);
        size_t pending = 0;
        (void)mw_smtp_server_output(c->s, &pending);
        if (dead || ((wants & MW_WANT_CLOSE) && pending == 0)) {
            conn_close(k, c);
            return;
        }
        size_t before = c->in_len;
        feed(k, c);
        int fed = c->in_len != before;
        int read_blocked = 0;
        if ((wants & MW_WANT_READ) && c->in_len < sizeof(c->in)) {
            size_t n = 0;
            mw_status st = mw_transport_read(c->t, c->in + c->in_len,
                                             sizeof(c->in) - c->in_len, &n);
            if (st == MW_E_WOULDBLOCK) {
                read_blocked = 1;
            } else if (st != MW_OK) {
                (void)mw_smtp_server_eof(c->s);
                conn_close(k, c);
                return;
            }
            c->in_len += n;
            if (n > 0)
                continue;
        }
        (void)mw_smtp_server_output(c->s, &pending);
        if (fed || (pending > 0 && !write_blocked))
            continue;
        set_interest(k, c,
                     (read_blocked ? (uint32_t)EPOLLIN : 0u) |
                         (write_blocked ? (uint32_t)EPOLLOUT : 0u));
        return;
    }
}

static void accept_all(sink *k)
{
    for (;;) {
        mw_transport *t = NULL;
        mw_status st = mw_net_accept(k->lfd, NULL, &t, NULL, 0, NULL);
        if (st != MW_OK)
            return; /* WOULDBLOCK: done; errors (EMFILE...): retry later */
        conn *c = calloc(1, sizeof(*c));
        if (!c || mw_smtp_server_new(&k->cfg, NULL, &c->s) != MW_OK) {
            free(c);
            mw_transport_close(t);
            continue;
        }
        c->t = t;
        struct epoll_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLOUT;
        ev.data.ptr = c;
        c->interest = EPOLLOUT;
        if (epoll_ctl(k->ep, EPOLL_CTL_ADD, mw_transport_fd(t), &ev) != 0) {
            mw_smtp_server_free(c->s);
            mw_transport_close(t);
            free(c);
            continue;
        }
        c->next = k->conns;
        if (k->conns)
            k->conns->prev = c;
        k->conns = c;
        k->connections++;
        service(k, c); /* the greeting goes out at once */
    }
}

/* Idle clients get a 421 and are closed once it is sent (or dropped when
 * they do not even read it). */
static void sweep_idle(sink *k)
{
    uint64_t now = mw_net_monotonic_ms();
    conn *c = k->conns;
    while (c) {
        conn *next = c->next;
        if (now - c->last_ms > IDLE_MS) {
            if (mw_smtp_server_shutdown(c->s) == MW_OK)
                service(k, c);
            else
                conn_close(k, c);
        }
        c = next;
    }
}

static int parse_args(int argc, char **argv, const char **listen,
                      const char **hostname)
{
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--listen") == 0)
            *listen = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--hostname") == 0)
            *hostname = argv[++i];
        else
            return mwcli_fail(TOOL, EX_USAGE, "unknown option (see --help)");
    }
    if (!*listen)
        return mwcli_fail(TOOL, EX_USAGE, "--listen ADDR:PORT is required");
    return 0;
}

static int open_listener(sink *k, const char *listen_on)
{
    char host[256], port[8];
    if (mw_net_split_hostport(listen_on, NULL, host, sizeof(host), port,
                              sizeof(port)) != MW_OK)
        return mwcli_fail(TOOL, EX_USAGE, "--listen wants ADDR:PORT");
    uint16_t bound = 0;
    mw_net_error err;
    char text[160];
    if (mw_net_listen(host, port, 0, &k->lfd, &bound, &err) != MW_OK)
        return mwcli_fail(TOOL, EX_OSERR,
                          mw_net_error_text(&err, text, sizeof(text)));
    printf("%u\n", (unsigned)bound);
    fflush(stdout);
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->lfd, &ev) != 0)
        return mwcli_fail(TOOL, EX_OSERR, "epoll_ctl failed");
    return 0;
}

static void run(sink *k)
{
    struct epoll_event evs[64];
    while (!stop_requested) {
        int n = epoll_wait(k->ep, evs, 64, 1000);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL)
                accept_all(k);
            else
                service(k, evs[i].data.ptr);
        }
        sweep_idle(k);
    }
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &rc))
        return rc;
    const char *listen_on = NULL, *hostname = "localhost";
    rc = parse_args(argc, argv, &listen_on, &hostname);
    if (rc)
        return rc;
    static sink k;
    k.lfd = -1;
    memset(&k.cfg, 0, sizeof(k.cfg));
    k.cfg.size = sizeof(k.cfg);
    k.cfg.hostname.ptr = hostname;
    k.cfg.hostname.len = strlen(hostname);
    k.cfg.caps = MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_8BITMIME |
                 MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    k.ep = epoll_create1(0);
    if (k.ep < 0)
        return mwcli_fail(TOOL, EX_OSERR, "epoll_create1 failed");
    rc = open_listener(&k, listen_on);
    if (rc == 0)
        run(&k);
    while (k.conns)
        conn_close(&k, k.conns);
    mw_net_close_fd(k.lfd);
    close(k.ep);
    if (rc == 0)
        printf("connections %llu messages %llu bytes %llu\n",
               (unsigned long long)k.connections,
               (unsigned long long)k.messages, (unsigned long long)k.bytes);
    return rc;
}
