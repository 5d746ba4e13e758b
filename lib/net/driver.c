/* The poll() driver: runs one sans-IO session over a transport. */
#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "mw_int.h"
#include "net/net_int.h"

/* Received bytes waiting to be fed. */
#define DRIVER_INBUF 16384
#define DEFAULT_WAIT_MS 300000

typedef struct driver {
    mw_transport *t;
    const mw_net_session_ops *ops;
    int32_t default_timeout;
    mw_net_run_stats stats;
    char in[DRIVER_INBUF];
    size_t in_len;
    int in_fresh;  /* bytes or state changed since the last feed */
    int eof;       /* the peer closed its side */
    unsigned wait; /* readiness to poll for after this round */
} driver;

static int32_t current_timeout(const driver *d)
{
    if (d->ops->timeout_ms)
        return d->ops->timeout_ms(d->ops->ud);
    return d->default_timeout;
}

/* Wait for the transport, or just go round again when it has no fd. */
static mw_status wait_for(const driver *d, unsigned want)
{
    int fd = mw_transport_fd(d->t);
    if (fd < 0)
        return MW_OK;
    return mw_net_wait(fd, want, current_timeout(d));
}

static mw_status run_handshake(driver *d)
{
    /* Anything the peer sent before the handshake is plaintext it injected
     * ahead of TLS; it must never reach the session afterwards. */
    d->stats.plaintext_dropped += d->in_len;
    d->in_len = 0;
    if (!d->ops->start_tls || !d->ops->tls_done) {
        if (d->ops->tls_done)
            (void)d->ops->tls_done(d->ops->session, 0);
        return MW_E_UNSUPPORTED;
    }
    mw_status st = d->ops->start_tls(d->ops->ud, d->t);
    while (st == MW_OK || st == MW_E_WOULDBLOCK) {
        st = mw_transport_handshake(d->t);
        if (st == MW_OK)
            break;
        if (st == MW_E_WOULDBLOCK) {
            mw_status w = wait_for(d, mw_transport_wants(d->t));
            if (w != MW_OK)
                st = w;
        }
    }
    mw_status done = d->ops->tls_done(d->ops->session, st == MW_OK);
    d->in_fresh = 1;
    return st != MW_OK ? st : done;
}

/* Write what the session has; \p pending receives what is left. */
static mw_status flush_output(driver *d, int *progress, size_t *pending)
{
    size_t len = 0;
    const char *out = d->ops->output(d->ops->session, &len);
    *pending = len;
    if (len == 0)
        return MW_OK;
    size_t n = 0;
    mw_status st = mw_transport_write(d->t, out, len, &n);
    if (st == MW_E_WOULDBLOCK) {
        d->wait |= mw_transport_wants(d->t);
        return MW_OK;
    }
    if (st != MW_OK)
        return st;
    d->ops->output_done(d->ops->session, n);
    d->stats.bytes_out += n;
    *pending = len - n;
    *progress = 1;
    d->in_fresh = 1;
    return MW_OK;
}

static mw_status feed_input(driver *d, int *progress)
{
    if (d->in_len == 0 || !d->in_fresh)
        return MW_OK;
    d->in_fresh = 0;
    size_t consumed = 0;
    mw_status st = d->ops->feed(d->ops->ud, d->in, d->in_len, &consumed);
    /* MW_E_WOULDBLOCK is a session's back-pressure (its output is nearly
     * full): the rest is fed again once output has gone out. */
    if (st != MW_OK && st != MW_NEED_MORE && st != MW_E_WOULDBLOCK)
        return st;
    if (consumed > d->in_len)
        return MW_E_INTERNAL;
    if (consumed > 0) {
        memmove(d->in, d->in + consumed, d->in_len - consumed);
        d->in_len -= consumed;
        *progress = 1;
    }
    return MW_OK;
}

static mw_status read_input(driver *d, int *progress)
{
    if (d->in_len == sizeof(d->in))
        return MW_OK;
    size_t n = 0;
    mw_status st = mw_transport_read(d->t, d->in + d->in_len,
                                     sizeof(d->in) - d->in_len, &n);
    if (st == MW_E_WOULDBLOCK) {
        d->wait |= mw_transport_wants(d->t);
        return MW_OK;
    }
    if (st == MW_E_CLOSED) {
        /* Replies to what the peer sent before closing still go out. */
        d->eof = 1;
        *progress = 1;
        return MW_OK;
    }
    if (st != MW_OK)
        return st;
    d->in_len += n;
    d->stats.bytes_in += n;
    d->in_fresh = 1;
    *progress = 1;
    return MW_OK;
}

/* One round: write, feed, read. */
static mw_status step(driver *d, int *done)
{
    const mw_net_session_ops *ops = d->ops;
    int progress = 0;
    size_t pending = 0;
    d->wait = 0;
    /* Output first: a server's "220 Ready to start TLS" must leave in
     * plaintext before the handshake begins. */
    mw_status st = flush_output(d, &progress, &pending);
    if (st != MW_OK)
        return st;
    unsigned wants = ops->wants(ops->session);
    if ((wants & MW_WANT_TLS) && pending == 0)
        return run_handshake(d);
    if (!(wants & MW_WANT_TLS)) {
        st = feed_input(d, &progress);
        if (st != MW_OK)
            return st;
        wants = ops->wants(ops->session);
    }
    if ((wants & MW_WANT_TLS) && (progress || pending == 0))
        return MW_OK; /* the next round flushes or starts the handshake */
    if ((wants & MW_WANT_CLOSE) ||
        !(wants & (MW_WANT_READ | MW_WANT_WRITE | MW_WANT_TLS))) {
        size_t left = 0;
        (void)ops->output(ops->session, &left);
        if (left == 0) {
            *done = 1;
            return MW_OK;
        }
    }
    if (d->eof) {
        /* Feeding may have queued replies since the flush above. */
        size_t left = 0;
        (void)ops->output(ops->session, &left);
        if (left == 0 && (d->in_len == 0 || !progress))
            return MW_E_CLOSED;
    }
    if ((wants & MW_WANT_READ) && !(wants & (MW_WANT_CLOSE | MW_WANT_TLS)) &&
        !d->eof) {
        st = read_input(d, &progress);
        if (st != MW_OK)
            return st;
    }
    if (progress)
        return MW_OK;
    if (d->in_len == sizeof(d->in) && pending == 0)
        return MW_E_LIMIT; /* the feed refuses a full buffer */
    if (d->wait == 0)
        d->wait = MW_WANT_READ;
    return wait_for(d, d->wait);
}

mw_status mw_net_run(mw_transport *t, const mw_net_session_ops *ops,
                     const mw_net_run_opts *opts, mw_net_run_stats *stats)
{
    if (stats)
        memset(stats, 0, sizeof(*stats));
    if (!t || !ops || !ops->feed || !ops->output || !ops->output_done ||
        !ops->wants)
        return MW_E_ARG;
    const mw_allocator *a = opts ? opts->allocator : NULL;
    driver *d = mwi_calloc(a, sizeof(*d));
    if (!d)
        return MW_E_NOMEM;
    d->t = t;
    d->ops = ops;
    d->default_timeout = DEFAULT_WAIT_MS;
    if (opts && opts->default_timeout_ms != 0)
        d->default_timeout =
            opts->default_timeout_ms < 0 ? -1 : opts->default_timeout_ms;
    int done = 0;
    mw_status st = MW_OK;
    while (!done && st == MW_OK)
        st = step(d, &done);
    if (stats)
        *stats = d->stats;
    mwi_free(a, d, sizeof(*d));
    return st;
}

void mw_net_smtp_timeouts_default(mw_net_smtp_timeouts *t)
{
    if (!t)
        return;
    t->initial = 5 * 60 * 1000;
    t->mail = 5 * 60 * 1000;
    t->rcpt = 5 * 60 * 1000;
    t->data_init = 2 * 60 * 1000;
    t->data_block = 3 * 60 * 1000;
    t->data_term = 10 * 60 * 1000;
    t->server = 5 * 60 * 1000;
    t->other = 5 * 60 * 1000;
}
