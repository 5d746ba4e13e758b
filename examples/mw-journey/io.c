/* mw-journey: buffers, transcript and the poll() loop. */
#define _POSIX_C_SOURCE 200809L

#include "journey.h"

#include <mailwire/net.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Every step is a handful of round trips on loopback: a stall this long
 * means a bug, not a slow peer. */
#define JR_POLL_TIMEOUT_MS 5000

int jr_fail(const char *what)
{
    fprintf(stderr, "mw-journey: %s\n", what);
    return 1;
}

int jr_bytes_append(jr_bytes *b, const void *data, size_t len)
{
    if (len > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < len)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static void print_line(const jr_transcript *t, const char *line)
{
    printf("%s %s\n", t->prefix, line);
}

static void flush_body(jr_transcript *t)
{
    size_t head = t->nbody < 2 ? t->nbody : 2;
    size_t tail = t->nbody > 2 ? t->nbody - 2 : 0;
    if (tail > 2)
        tail = 2;
    for (size_t i = 0; i < head; i++)
        print_line(t, t->head[i]);
    if (t->nbody > 4)
        printf("%s ... %zu lines ...\n", t->prefix, t->nbody - 4);
    for (size_t i = 2 - tail; i < 2; i++)
        print_line(t, t->tail[i]);
}

static void body_line(jr_transcript *t, const char *line)
{
    if (strcmp(line, ".") == 0) {
        flush_body(t);
        print_line(t, line);
        t->body = 0;
        return;
    }
    if (t->nbody < 2)
        memcpy(t->head[t->nbody], line, strlen(line) + 1);
    memcpy(t->tail[0], t->tail[1], sizeof t->tail[0]);
    memcpy(t->tail[1], line, strlen(line) + 1);
    t->nbody++;
}

static void complete_line(jr_transcript *t)
{
    t->line[t->len] = '\0';
    if (t->body && t->skip == 0)
        body_line(t, t->line);
    else {
        print_line(t, t->line);
        if (t->skip > 0)
            t->skip--;
    }
    t->len = 0;
}

void jr_transcript_bytes(jr_transcript *t, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            if (t->len > 0 && t->line[t->len - 1] == '\r')
                t->len--;
            complete_line(t);
        } else if (t->len < JR_LINE_MAX - 1) {
            t->line[t->len++] = c;
        }
    }
}

void jr_transcript_body(jr_transcript *t, int skip)
{
    t->body = 1;
    t->skip = skip;
    t->nbody = 0;
}

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

int jr_connect_pair(int *client_fd, int *server_fd, uint16_t *port)
{
    int lfd = -1;
    if (mw_net_listen("127.0.0.1", "0", 1, &lfd, port, NULL) != MW_OK)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(*port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int cfd = socket(AF_INET, SOCK_STREAM, 0);
    /* A loopback connect completes in the kernel's backlog before
     * accept(), so a blocking connect cannot wait on this thread. */
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (cfd >= 0)
            close(cfd);
        mw_net_close_fd(lfd);
        return -1;
    }
    struct pollfd p = {.fd = lfd, .events = POLLIN, .revents = 0};
    int sfd = -1;
    if (poll(&p, 1, JR_POLL_TIMEOUT_MS) == 1)
        sfd = accept(lfd, NULL, NULL);
    mw_net_close_fd(lfd);
    if (sfd < 0 || set_nonblocking(sfd) != 0 || set_nonblocking(cfd) != 0) {
        close(cfd);
        if (sfd >= 0)
            close(sfd);
        return -1;
    }
    *client_fd = cfd;
    *server_fd = sfd;
    return 0;
}

static void close_end(jr_end *e)
{
    if (!e->closed) {
        close(e->fd);
        e->closed = 1;
    }
}

/* Send what the session has; 0, or -1 on a socket error. */
static int flush_output(jr_end *e)
{
    for (;;) {
        size_t len = 0;
        const char *p = e->output(e, &len);
        if (len == 0)
            return 0;
        ssize_t n = send(e->fd, p, len, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        jr_transcript_bytes(&e->tr, p, (size_t)n);
        e->output_done(e, (size_t)n);
    }
}

static int has_output(jr_end *e)
{
    size_t len = 0;
    (void)e->output(e, &len);
    return len > 0;
}

/* Write, then close the end when its session is over. */
static int service_output(jr_end *e)
{
    if (e->closed)
        return 0;
    if (flush_output(e) != 0) {
        e->failed = 1;
        close_end(e);
        return -1;
    }
    if ((e->wants(e) & MW_WANT_CLOSE) && !has_output(e))
        close_end(e);
    return 0;
}

static int service_input(jr_end *e)
{
    char buf[16384];
    ssize_t n = recv(e->fd, buf, sizeof buf, 0);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    if (n == 0) {
        e->eof(e);
        close_end(e);
        return 0;
    }
    if (e->input(e, buf, (size_t)n) != 0) {
        e->failed = 1;
        return -1;
    }
    return 0;
}

static short events_of(jr_end *e)
{
    return (short)(POLLIN | (has_output(e) ? POLLOUT : 0));
}

int jr_run(jr_end *client, jr_end *server)
{
    jr_end *ends[2] = {client, server};
    while (!client->closed || !server->closed) {
        struct pollfd p[2];
        jr_end *which[2];
        nfds_t n = 0;
        for (size_t i = 0; i < 2; i++) {
            if (service_output(ends[i]) != 0)
                return -1;
            if (ends[i]->closed)
                continue;
            p[n].fd = ends[i]->fd;
            p[n].events = events_of(ends[i]);
            p[n].revents = 0;
            which[n++] = ends[i];
        }
        if (n == 0)
            break;
        int r = poll(p, n, JR_POLL_TIMEOUT_MS);
        if (r <= 0)
            return -1;
        for (nfds_t i = 0; i < n; i++) {
            if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                service_input(which[i]) != 0)
                return -1;
        }
    }
    return client->failed || server->failed ? -1 : 0;
}
