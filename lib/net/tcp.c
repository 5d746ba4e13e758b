/* TCP: connect with a timeout, listen, accept, HOST:PORT splitting. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mw_int.h"
#include "net/net_int.h"

#define CONNECT_TIMEOUT_DEFAULT_MS 30000
#define LISTEN_BACKLOG_DEFAULT 128

void mwi_net_set_error(mw_net_error *err, const char *step, int sys_errno,
                       int gai_error)
{
    if (!err)
        return;
    err->step = step;
    err->sys_errno = sys_errno;
    err->gai_error = gai_error;
}

static void append_text(char *buf, size_t cap, size_t *pos, const char *s)
{
    while (*s && *pos + 1 < cap)
        buf[(*pos)++] = *s++;
    buf[*pos] = '\0';
}

const char *mw_net_error_text(const mw_net_error *err, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return "";
    size_t pos = 0;
    buf[0] = '\0';
    if (!err)
        return buf;
    append_text(buf, cap, &pos, err->step ? err->step : "");
    const char *detail = NULL;
    if (err->gai_error != 0)
        detail = gai_strerror(err->gai_error);
    else if (err->sys_errno != 0)
        detail = strerror(err->sys_errno);
    if (detail) {
        append_text(buf, cap, &pos, ": ");
        append_text(buf, cap, &pos, detail);
    }
    return buf;
}

mw_status mw_net_wait(int fd, unsigned want, int32_t timeout_ms)
{
    if (fd < 0 || (want & (MW_WANT_READ | MW_WANT_WRITE)) == 0)
        return MW_E_ARG;
    struct pollfd p;
    p.fd = fd;
    p.events = 0;
    p.revents = 0;
    if (want & MW_WANT_READ)
        p.events |= POLLIN;
    if (want & MW_WANT_WRITE)
        p.events |= POLLOUT;
    int timeout = timeout_ms < 0 ? -1 : (int)timeout_ms;
    for (;;) {
        int n = poll(&p, 1, timeout);
        if (n > 0)
            return MW_OK;
        if (n == 0)
            return MW_E_TIMEOUT;
        if (errno != EINTR)
            return MW_E_IO;
    }
}

/* ------------------------------------------------------------------ */
/* connect                                                             */
/* ------------------------------------------------------------------ */

static int family_of(int family)
{
    if (family == MW_NET_FAMILY_IPV4)
        return AF_INET;
    if (family == MW_NET_FAMILY_IPV6)
        return AF_INET6;
    return AF_UNSPEC;
}

/* Wait for a non-blocking connect to finish; 0 on success, else an errno
 * value (ETIMEDOUT for our own timeout). */
static int finish_connect(int fd, int32_t timeout_ms)
{
    mw_status st = mw_net_wait(fd, MW_WANT_WRITE, timeout_ms);
    if (st == MW_E_TIMEOUT)
        return ETIMEDOUT;
    if (st != MW_OK)
        return errno;
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        return errno;
    return soerr;
}

/* One address: a connected, non-blocking socket, or -1 with *errno_out. */
static int connect_one(const struct addrinfo *ai, int32_t timeout_ms,
                       const char **step, int *errno_out)
{
    *step = "socket";
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        *errno_out = errno;
        return -1;
    }
    if (mwi_net_prepare_fd(fd) < 0) {
        *errno_out = errno;
        close(fd);
        return -1;
    }
    *step = "connect";
    int e = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        e = errno;
        if (e == EINPROGRESS || e == EINTR)
            e = finish_connect(fd, timeout_ms);
    }
    if (e != 0) {
        *errno_out = e;
        close(fd);
        return -1;
    }
    return fd;
}

static int32_t resolve_timeout(const mw_net_connect_opts *opts)
{
    if (!opts || opts->timeout_ms == 0)
        return CONNECT_TIMEOUT_DEFAULT_MS;
    return opts->timeout_ms < 0 ? -1 : opts->timeout_ms;
}

mw_status mw_net_connect(const char *host, const char *port,
                         const mw_net_connect_opts *opts,
                         const mw_allocator *allocator, mw_transport **out,
                         mw_net_error *err)
{
    mwi_net_set_error(err, "", 0, 0);
    if (out)
        *out = NULL;
    if (!host || !port || !out || !*host || !*port)
        return MW_E_ARG;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family_of(opts ? opts->family : 0);
    hints.ai_socktype = SOCK_STREAM;
    /* No AI_ADDRCONFIG: glibc ignores loopback addresses for it, so a host
     * with only loopback could not reach "localhost". Unusable families
     * simply fail and the next address is tried. */
    if (opts && (opts->flags & MW_NET_NUMERIC_HOST))
        hints.ai_flags = AI_NUMERICHOST;
    struct addrinfo *list = NULL;
    int gai = getaddrinfo(host, port, &hints, &list);
    if (gai != 0) {
        mwi_net_set_error(err, "resolve", gai == EAI_SYSTEM ? errno : 0,
                          gai == EAI_SYSTEM ? 0 : gai);
        return MW_E_IO;
    }
    int32_t timeout = resolve_timeout(opts);
    int fd = -1, last_errno = 0;
    const char *step = "connect";
    for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next)
        fd = connect_one(ai, timeout, &step, &last_errno);
    freeaddrinfo(list);
    if (fd < 0) {
        mwi_net_set_error(err, step, last_errno, 0);
        return last_errno == ETIMEDOUT ? MW_E_TIMEOUT : MW_E_IO;
    }
    mw_status st = mw_transport_new_fd(fd, MW_TRANSPORT_OWN_FD, allocator, out);
    if (st != MW_OK)
        close(fd);
    return st;
}

/* ------------------------------------------------------------------ */
/* listen and accept                                                   */
/* ------------------------------------------------------------------ */

/* Parse a numeric address and port into \p ss; 0 or -1. */
static int numeric_sockaddr(const char *addr, uint16_t port,
                            struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (!addr) {
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_any;
        v6->sin6_port = htons(port);
        *len = sizeof(*v6);
        return 0;
    }
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof(*v4);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof(*v6);
        return 0;
    }
    return -1;
}

static int parse_port(const char *s, uint16_t *port)
{
    unsigned long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int open_listener(const struct sockaddr_storage *ss, socklen_t len,
                         int wildcard, int backlog, mw_net_error *err)
{
    int fd = socket(ss->ss_family, SOCK_STREAM, 0);
    if (fd < 0) {
        mwi_net_set_error(err, "socket", errno, 0);
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss->ss_family == AF_INET6) {
        /* A named IPv6 address listens on IPv6 only; the wildcard serves
         * IPv4 too where the system allows dual-stack. */
        int v6only = wildcard ? 0 : 1;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
                         sizeof(v6only));
    }
    const char *step = "bind";
    if (bind(fd, (const struct sockaddr *)ss, len) == 0) {
        step = "listen";
        if (listen(fd, backlog) == 0) {
            step = "socket";
            if (mwi_net_prepare_fd(fd) == 0)
                return fd;
        }
    }
    mwi_net_set_error(err, step, errno, 0);
    close(fd);
    return -1;
}

mw_status mw_net_listen(const char *addr, const char *port, int backlog,
                        int *fd_out, uint16_t *port_out, mw_net_error *err)
{
    mwi_net_set_error(err, "", 0, 0);
    if (fd_out)
        *fd_out = -1;
    if (port_out)
        *port_out = 0;
    uint16_t p;
    if (!port || !fd_out || parse_port(port, &p) < 0)
        return MW_E_ARG;
    struct sockaddr_storage ss;
    socklen_t len;
    if (numeric_sockaddr(addr, p, &ss, &len) < 0)
        return MW_E_ARG;
    if (backlog <= 0)
        backlog = LISTEN_BACKLOG_DEFAULT;
    int fd = open_listener(&ss, len, addr == NULL, backlog, err);
    if (fd < 0 && !addr) {
        /* No IPv6 on this system: the IPv4 wildcard instead. */
        (void)numeric_sockaddr("0.0.0.0", p, &ss, &len);
        fd = open_listener(&ss, len, 1, backlog, err);
    }
    if (fd < 0)
        return MW_E_IO;
    mwi_net_set_error(err, "", 0, 0);
    *fd_out = fd;
    if (port_out)
        *port_out = bound_port(fd);
    return MW_OK;
}

static void peer_text(const struct sockaddr_storage *ss, char *peer, size_t cap)
{
    char text[INET6_ADDRSTRLEN] = "";
    if (ss->ss_family == AF_INET)
        (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
                        text, sizeof(text));
    else if (ss->ss_family == AF_INET6)
        (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
                        text, sizeof(text));
    size_t pos = 0;
    append_text(peer, cap, &pos, text);
}

mw_status mw_net_accept(int listen_fd, const mw_allocator *allocator,
                        mw_transport **out, char *peer, size_t peer_cap,
                        mw_net_error *err)
{
    mwi_net_set_error(err, "", 0, 0);
    if (out)
        *out = NULL;
    if (peer && peer_cap > 0)
        peer[0] = '\0';
    if (listen_fd < 0 || !out)
        return MW_E_ARG;
    struct sockaddr_storage ss;
    int fd;
    do {
        socklen_t len = sizeof(ss);
        fd = accept(listen_fd, (struct sockaddr *)&ss, &len);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return MW_E_WOULDBLOCK;
        mwi_net_set_error(err, "accept", errno, 0);
        return MW_E_IO;
    }
    if (mwi_net_prepare_fd(fd) < 0) {
        mwi_net_set_error(err, "accept", errno, 0);
        close(fd);
        return MW_E_IO;
    }
    mw_status st = mw_transport_new_fd(fd, MW_TRANSPORT_OWN_FD, allocator, out);
    if (st != MW_OK) {
        close(fd);
        return st;
    }
    if (peer && peer_cap > 0)
        peer_text(&ss, peer, peer_cap);
    return MW_OK;
}

void mw_net_close_fd(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* ------------------------------------------------------------------ */
/* connect for event loops                                             */
/* ------------------------------------------------------------------ */

mw_status mw_net_connect_start(const char *addr, const char *port,
                               const mw_allocator *allocator,
                               mw_transport **out, mw_net_error *err)
{
    mwi_net_set_error(err, "", 0, 0);
    if (out)
        *out = NULL;
    uint16_t p;
    struct sockaddr_storage ss;
    socklen_t len;
    if (!addr || !port || !out || parse_port(port, &p) < 0 ||
        numeric_sockaddr(addr, p, &ss, &len) < 0)
        return MW_E_ARG;
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || mwi_net_prepare_fd(fd) < 0) {
        mwi_net_set_error(err, "socket", errno, 0);
        if (fd >= 0)
            close(fd);
        return MW_E_IO;
    }
    mw_status result = MW_OK;
    if (connect(fd, (const struct sockaddr *)&ss, len) < 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            mwi_net_set_error(err, "connect", errno, 0);
            close(fd);
            return MW_E_IO;
        }
        result = MW_E_WOULDBLOCK;
    }
    mw_status st = mw_transport_new_fd(fd, MW_TRANSPORT_OWN_FD, allocator, out);
    if (st != MW_OK) {
        close(fd);
        return st;
    }
    if (result == MW_E_WOULDBLOCK)
        (*out)->last_want = MW_WANT_WRITE;
    return result;
}

mw_status mw_net_connect_finish(mw_transport *t, mw_net_error *err)
{
    mwi_net_set_error(err, "", 0, 0);
    int fd = mw_transport_fd(t);
    if (fd < 0)
        return MW_E_ARG;
    mw_status ready = mw_net_wait(fd, MW_WANT_WRITE, 0);
    if (ready == MW_E_TIMEOUT) {
        t->last_want = MW_WANT_WRITE;
        return MW_E_WOULDBLOCK;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (ready != MW_OK ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr != 0) {
        mwi_net_set_error(err, "connect", soerr, 0);
        return MW_E_IO;
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* HOST:PORT                                                           */
/* ------------------------------------------------------------------ */

static mw_status copy_part(const char *s, size_t len, char *dst, size_t cap)
{
    if (len + 1 > cap)
        return MW_E_NOSPACE;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return MW_OK;
}

mw_status mw_net_split_hostport(const char *text, const char *default_port,
                                char *host, size_t host_cap, char *port,
                                size_t port_cap)
{
    if (!text || !host || !port || host_cap == 0 || port_cap == 0)
        return MW_E_ARG;
    const char *h = text, *rest;
    size_t hlen;
    if (*text == '[') {
        const char *close_br = strchr(text, ']');
        if (!close_br)
            return MW_E_SYNTAX;
        h = text + 1;
        hlen = (size_t)(close_br - h);
        rest = close_br + 1;
        if (*rest != '\0' && *rest != ':')
            return MW_E_SYNTAX;
    } else {
        const char *colon = strchr(text, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 address: no port */
        hlen = colon ? (size_t)(colon - text) : strlen(text);
        rest = text + hlen;
        if (memchr(text, ']', hlen))
            return MW_E_SYNTAX;
    }
    if (hlen == 0)
        return MW_E_SYNTAX;
    const char *p = *rest == ':' ? rest + 1 : default_port;
    uint16_t number;
    if (!p || parse_port(p, &number) < 0)
        return MW_E_SYNTAX;
    mw_status st = copy_part(h, hlen, host, host_cap);
    if (st == MW_OK)
        st = copy_part(p, strlen(p), port, port_cap);
    return st;
}
