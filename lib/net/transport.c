/* Transports: the generic wrappers, the descriptor transport and the
 * caller-callback transport. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mw_int.h"
#include "net/net_int.h"

mw_status mw_transport_new(const mw_transport_vtable *vt, void *ctx,
                           const mw_allocator *allocator, mw_transport **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!vt || !vt->read || !vt->write)
        return MW_E_ARG;
    mw_transport *t = mwi_calloc(allocator, sizeof(*t));
    if (!t)
        return MW_E_NOMEM;
    t->vt = vt;
    t->ctx = ctx;
    t->allocator = allocator;
    *out = t;
    return MW_OK;
}

/* After an operation blocked: what it waits for, as the transport says or
 * else the operation's own direction. */
static void note_would_block(mw_transport *t, unsigned direction)
{
    unsigned want = t->vt->wants ? t->vt->wants(t->ctx) : 0;
    t->last_want = want ? want : direction;
}

mw_status mw_transport_read(mw_transport *t, void *buf, size_t cap,
                            size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!t || !buf || cap == 0 || !n_out)
        return MW_E_ARG;
    mw_status st = t->vt->read(t->ctx, buf, cap, n_out);
    if (st == MW_E_WOULDBLOCK)
        note_would_block(t, MW_WANT_READ);
    if (st != MW_OK)
        *n_out = 0;
    return st;
}

mw_status mw_transport_write(mw_transport *t, const void *buf, size_t len,
                             size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!t || !buf || len == 0 || !n_out)
        return MW_E_ARG;
    mw_status st = t->vt->write(t->ctx, buf, len, n_out);
    if (st == MW_E_WOULDBLOCK)
        note_would_block(t, MW_WANT_WRITE);
    if (st != MW_OK)
        *n_out = 0;
    return st;
}

mw_status mw_transport_handshake(mw_transport *t)
{
    if (!t)
        return MW_E_ARG;
    if (!t->vt->handshake)
        return MW_OK;
    mw_status st = t->vt->handshake(t->ctx);
    if (st == MW_E_WOULDBLOCK)
        note_would_block(t, MW_WANT_READ);
    return st;
}

unsigned mw_transport_wants(const mw_transport *t)
{
    return t ? t->last_want : 0;
}

int mw_transport_fd(const mw_transport *t)
{
    if (!t || !t->vt->fd)
        return -1;
    return t->vt->fd(t->ctx);
}

void mw_transport_close(mw_transport *t)
{
    if (!t)
        return;
    if (t->vt->close)
        t->vt->close(t->ctx);
    mwi_free(t->allocator, t, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Descriptor transport                                                */
/* ------------------------------------------------------------------ */

typedef struct fd_ctx {
    int fd;
    int owned;
    int is_socket;
    const mw_allocator *allocator;
} fd_ctx;

static int is_would_block(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK;
}

static mw_status errno_status(int e)
{
    if (is_would_block(e))
        return MW_E_WOULDBLOCK;
    if (e == EPIPE || e == ECONNRESET)
        return MW_E_CLOSED;
    return MW_E_IO;
}

static mw_status fd_read(void *ctx, void *buf, size_t cap, size_t *n_out)
{
    fd_ctx *c = ctx;
    for (;;) {
        ssize_t n = read(c->fd, buf, cap);
        if (n > 0) {
            *n_out = (size_t)n;
            return MW_OK;
        }
        if (n == 0)
            return MW_E_CLOSED;
        if (errno != EINTR)
            return errno_status(errno);
    }
}

static ssize_t fd_write_once(const fd_ctx *c, const void *buf, size_t len)
{
    /* send() with MSG_NOSIGNAL: a vanished peer must be an error value, not
     * a SIGPIPE that kills the whole server. */
    if (c->is_socket)
        return send(c->fd, buf, len, MSG_NOSIGNAL);
    return write(c->fd, buf, len);
}

static mw_status fd_write(void *ctx, const void *buf, size_t len, size_t *n_out)
{
    fd_ctx *c = ctx;
    for (;;) {
        ssize_t n = fd_write_once(c, buf, len);
        if (n > 0) {
            *n_out = (size_t)n;
            return MW_OK;
        }
        if (n == 0)
            return MW_E_WOULDBLOCK;
        if (errno != EINTR)
            return errno_status(errno);
    }
}

static int fd_fd(void *ctx)
{
    return ((fd_ctx *)ctx)->fd;
}

static void fd_close(void *ctx)
{
    fd_ctx *c = ctx;
    if (c->owned)
        close(c->fd);
    mwi_free(c->allocator, c, sizeof(*c));
}

static const mw_transport_vtable fd_vtable = {fd_read, fd_write, NULL,
                                              NULL,    fd_fd,    fd_close};

int mwi_net_prepare_fd(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    int fdfl = fcntl(fd, F_GETFD);
    if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

static int fd_is_socket(int fd)
{
    struct stat sb;
    return fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

mw_status mw_transport_new_fd(int fd, unsigned flags,
                              const mw_allocator *allocator, mw_transport **out)
{
    if (out)
        *out = NULL;
    if (fd < 0 || !out)
        return MW_E_ARG;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return MW_E_IO;
    fd_ctx *c = mwi_calloc(allocator, sizeof(*c));
    if (!c)
        return MW_E_NOMEM;
    c->fd = fd;
    c->owned = (flags & MW_TRANSPORT_OWN_FD) != 0;
    c->is_socket = fd_is_socket(fd);
    c->allocator = allocator;
    mw_status st = mw_transport_new(&fd_vtable, c, allocator, out);
    if (st != MW_OK)
        mwi_free(allocator, c, sizeof(*c));
    return st;
}

/* ------------------------------------------------------------------ */
/* Callback transport                                                  */
/* ------------------------------------------------------------------ */

typedef struct cb_ctx {
    mw_transport_callbacks cb;
    const mw_allocator *allocator;
} cb_ctx;

static mw_status cb_read(void *ctx, void *buf, size_t cap, size_t *n_out)
{
    cb_ctx *c = ctx;
    mw_status st = c->cb.recv(c->cb.ud, buf, cap, n_out);
    /* A callback that claims success without bytes would make the driver
     * spin; it means "nothing now". */
    if (st == MW_OK && *n_out == 0)
        return MW_E_WOULDBLOCK;
    if (st == MW_OK && *n_out > cap)
        return MW_E_INTERNAL;
    return st;
}

static mw_status cb_write(void *ctx, const void *buf, size_t len, size_t *n_out)
{
    cb_ctx *c = ctx;
    mw_status st = c->cb.send(c->cb.ud, buf, len, n_out);
    if (st == MW_OK && *n_out == 0)
        return MW_E_WOULDBLOCK;
    if (st == MW_OK && *n_out > len)
        return MW_E_INTERNAL;
    return st;
}

static int cb_fd(void *ctx)
{
    return ((cb_ctx *)ctx)->cb.fd;
}

static void cb_close(void *ctx)
{
    cb_ctx *c = ctx;
    if (c->cb.close)
        c->cb.close(c->cb.ud);
    mwi_free(c->allocator, c, sizeof(*c));
}

static const mw_transport_vtable cb_vtable = {cb_read, cb_write, NULL,
                                              NULL,    cb_fd,    cb_close};

mw_status mw_transport_new_callbacks(const mw_transport_callbacks *cb,
                                     const mw_allocator *allocator,
                                     mw_transport **out)
{
    if (out)
        *out = NULL;
    if (!cb || !out || !cb->send || !cb->recv)
        return MW_E_ARG;
    cb_ctx *c = mwi_calloc(allocator, sizeof(*c));
    if (!c)
        return MW_E_NOMEM;
    c->cb = *cb;
    c->allocator = allocator;
    mw_status st = mw_transport_new(&cb_vtable, c, allocator, out);
    if (st != MW_OK)
        mwi_free(allocator, c, sizeof(*c));
    return st;
}
