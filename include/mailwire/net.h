/**
 * \file net.h
 * \brief Optional adapter layer (lib/net, MW_WITH_NET): transports, TCP
 *        connect and listen, a poll() driver for one session, and the
 *        clock and randomness helpers of hosted systems.
 *
 * This is the only part of libmailwire that touches the operating system.
 * Everything here is a thin adapter around the sans-IO sessions: a session
 * never blocks, never reads a clock and never owns a socket; this layer
 * moves bytes between a session and a #mw_transport.
 *
 * Transports are non-blocking: read and write return #MW_E_WOULDBLOCK when
 * they cannot make progress, and mw_transport_wants() then tells which
 * readiness of mw_transport_fd() to wait for (a TLS transport may need to
 * write while the caller asked to read).
 *
 * This header includes no system header, so firmware builds that leave
 * lib/net out can still include the umbrella header.
 */
#ifndef MAILWIRE_NET_H
#define MAILWIRE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/config.h"
#include "mailwire/core.h"
#if MW_HAVE_MSG
#include "mailwire/msg.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Transports                                                          */
/* ------------------------------------------------------------------ */

/**
 * \brief The operations of one kind of transport.
 *
 * Every function receives the transport's \c ctx. A vtable is immutable
 * and usually static; it must outlive every transport using it.
 */
typedef struct mw_transport_vtable {
    /** Read up to \p cap bytes into \p buf; store the count in \p n_out.
     *  Return #MW_OK (at least one byte), #MW_E_WOULDBLOCK (nothing now),
     *  #MW_E_CLOSED (orderly end of stream), #MW_E_IO or #MW_E_TLS. */
    mw_status (*read)(void *ctx, void *buf, size_t cap, size_t *n_out);
    /** Write up to \p len bytes of \p buf; store the count written (may be
     *  short) in \p n_out. Return #MW_OK (at least one byte),
     *  #MW_E_WOULDBLOCK, #MW_E_CLOSED, #MW_E_IO or #MW_E_TLS. */
    mw_status (*write)(void *ctx, const void *buf, size_t len, size_t *n_out);
    /** Optional (NULL: nothing to do). Advance a pending handshake: #MW_OK
     *  once it is complete, #MW_E_WOULDBLOCK (see \c wants), or an error. */
    mw_status (*handshake)(void *ctx);
    /** Optional. After #MW_E_WOULDBLOCK: #MW_WANT_READ and/or
     *  #MW_WANT_WRITE, the readiness the last operation waits for. NULL
     *  means "the direction of the operation that would block". */
    unsigned (*wants)(void *ctx);
    /** Optional. The descriptor to poll, or -1 (NULL: not pollable). */
    int (*fd)(void *ctx);
    /** Release everything \p ctx holds (the descriptor included when the
     *  transport owns it) and \p ctx itself. May be NULL. */
    void (*close)(void *ctx);
} mw_transport_vtable;

/**
 * \brief A transport: a vtable and its context.
 *
 * The fields are public so that an upgrade (TLS) can replace them in place:
 * whoever holds the #mw_transport pointer keeps using it, now encrypted.
 * Create transports with the mw_transport_new_*() functions and release
 * them with mw_transport_close().
 */
typedef struct mw_transport {
    const mw_transport_vtable *vt; /**< The operations; never NULL. */
    void *ctx;                     /**< Their context. */
    const mw_allocator *allocator; /**< Allocated this struct (NULL: libc). */
    /** The readiness that the last #MW_E_WOULDBLOCK waited for (set by the
     *  mw_transport_*() wrappers; read it through mw_transport_wants()). */
    unsigned last_want;
} mw_transport;

/**
 * \brief Make a transport from any vtable (an adapter of your own).
 * \param vt The operations; must outlive the transport.
 * \param ctx Their context; released by \c vt->close on mw_transport_close().
 * \param allocator Allocator for the #mw_transport struct (NULL: libc).
 * \param out Receives the transport.
 * \return #MW_OK, #MW_E_ARG (NULL \p vt, \p out, or a vtable without read
 *         or write), #MW_E_NOMEM (\p ctx is then left to the caller).
 */
MW_API mw_status mw_transport_new(const mw_transport_vtable *vt, void *ctx,
                                  const mw_allocator *allocator,
                                  mw_transport **out);

/** \brief mw_transport_new_fd() flag: close the descriptor on
 *         mw_transport_close(). */
#define MW_TRANSPORT_OWN_FD 0x1u

/**
 * \brief A transport over an already connected descriptor (socket, pipe,
 *        socketpair).
 *
 * The descriptor is switched to non-blocking mode. Reads use read(), writes
 * use send() with MSG_NOSIGNAL on sockets (no SIGPIPE) and write() on other
 * descriptors. EINTR is retried.
 * \param fd The descriptor.
 * \param flags #MW_TRANSPORT_OWN_FD or 0.
 * \param allocator Allocator for the transport (NULL: libc).
 * \param out Receives the transport.
 * \return #MW_OK, #MW_E_ARG (negative \p fd, NULL \p out), #MW_E_IO (the
 *         descriptor cannot be made non-blocking), #MW_E_NOMEM.
 */
MW_API mw_status mw_transport_new_fd(int fd, unsigned flags,
                                     const mw_allocator *allocator,
                                     mw_transport **out);

/**
 * \brief Caller-supplied I/O functions: how firmware plugs in its own TCP
 *        stack (lwIP, a modem's AT socket) or its own TLS (mbedTLS).
 *
 * \c send and \c recv follow the vtable's read/write contract: #MW_OK with
 * at least one byte, #MW_E_WOULDBLOCK, #MW_E_CLOSED, or an error.
 */
typedef struct mw_transport_callbacks {
    void *ud; /**< Handed to every callback. */
    /** Send up to \p len bytes; store the count sent in \p n_out. */
    mw_status (*send)(void *ud, const void *buf, size_t len, size_t *n_out);
    /** Receive up to \p cap bytes; store the count in \p n_out. */
    mw_status (*recv)(void *ud, void *buf, size_t cap, size_t *n_out);
    /** Optional: called once by mw_transport_close(). */
    void (*close)(void *ud);
    /** A descriptor the poll driver can wait on, or -1 when there is none
     *  (the driver then retries without waiting). 0 is a valid descriptor:
     *  a zero-filled struct must set -1 explicitly. */
    int fd;
} mw_transport_callbacks;

/**
 * \brief A transport over caller callbacks.
 * \param cb The callbacks; copied, so \p cb itself need not outlive the
 *        transport (\c cb->ud must).
 * \param allocator Allocator for the transport (NULL: libc).
 * \param out Receives the transport.
 * \return #MW_OK, #MW_E_ARG (NULL \p cb, \p out, send or recv),
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_transport_new_callbacks(const mw_transport_callbacks *cb,
                                            const mw_allocator *allocator,
                                            mw_transport **out);

/**
 * \brief Read from a transport (see #mw_transport_vtable read).
 * \param t The transport.
 * \param buf Receives the bytes.
 * \param cap Room in \p buf (0 is #MW_E_ARG).
 * \param n_out Receives the count (0 unless #MW_OK).
 * \return #MW_OK, #MW_E_WOULDBLOCK, #MW_E_CLOSED, #MW_E_IO, #MW_E_TLS,
 *         #MW_E_ARG.
 */
MW_API mw_status mw_transport_read(mw_transport *t, void *buf, size_t cap,
                                   size_t *n_out);

/**
 * \brief Write to a transport; the count may be short.
 * \param t The transport.
 * \param buf The bytes.
 * \param len Their count (0 is #MW_E_ARG).
 * \param n_out Receives the count written (0 unless #MW_OK).
 * \return #MW_OK, #MW_E_WOULDBLOCK, #MW_E_CLOSED, #MW_E_IO, #MW_E_TLS,
 *         #MW_E_ARG.
 */
MW_API mw_status mw_transport_write(mw_transport *t, const void *buf,
                                    size_t len, size_t *n_out);

/**
 * \brief Advance the transport's handshake (after a TLS upgrade).
 * \param t The transport.
 * \return #MW_OK when there is none or it is complete, #MW_E_WOULDBLOCK
 *         (wait for mw_transport_wants()), #MW_E_TLS (e.g. verification
 *         failed), #MW_E_IO, #MW_E_CLOSED, #MW_E_ARG.
 */
MW_API mw_status mw_transport_handshake(mw_transport *t);

/**
 * \brief What the last #MW_E_WOULDBLOCK of \p t waits for.
 * \return #MW_WANT_READ and/or #MW_WANT_WRITE; 0 before any would-block.
 */
MW_API unsigned mw_transport_wants(const mw_transport *t);

/**
 * \brief The descriptor to poll for \p t.
 * \return The descriptor, or -1 when the transport has none.
 */
MW_API int mw_transport_fd(const mw_transport *t);

/**
 * \brief Close \p t: release its context (and descriptor when owned) and
 *        the struct itself. NULL is a no-op.
 */
MW_API void mw_transport_close(mw_transport *t);

/* ------------------------------------------------------------------ */
/* TCP                                                                 */
/* ------------------------------------------------------------------ */

/**
 * \brief Details of a failed network call, for diagnostics.
 */
typedef struct mw_net_error {
    int sys_errno; /**< errno of the failing system call, or 0. */
    int gai_error; /**< getaddrinfo() error code, or 0. */
    /** The step that failed: "resolve", "socket", "connect", "bind",
     *  "listen", "accept", or "" when nothing failed. Static string. */
    const char *step;
} mw_net_error;

/**
 * \brief A human-readable text for \p err ("connect: Connection refused").
 * \param err The error (NULL gives "").
 * \param buf Receives the NUL-terminated text (truncated to fit).
 * \param cap Size of \p buf.
 * \return \p buf, or "" when \p buf is NULL or \p cap is 0.
 */
MW_API const char *mw_net_error_text(const mw_net_error *err, char *buf,
                                     size_t cap);

/** \brief Address family selection of #mw_net_connect_opts: any. */
#define MW_NET_FAMILY_ANY 0
/** \brief Address family selection: IPv4 only. */
#define MW_NET_FAMILY_IPV4 4
/** \brief Address family selection: IPv6 only. */
#define MW_NET_FAMILY_IPV6 6

/** \brief #mw_net_connect_opts flag: the host is a numeric address; never
 *         consult DNS or /etc/hosts (the call then never blocks on
 *         resolution). */
#define MW_NET_NUMERIC_HOST 0x1u

/**
 * \brief Options of mw_net_connect(). Zero-fill, then set \c size.
 */
typedef struct mw_net_connect_opts {
    uint32_t size;      /**< sizeof(mw_net_connect_opts). */
    int family;         /**< MW_NET_FAMILY_ANY, _IPV4 or _IPV6. */
    uint32_t flags;     /**< #MW_NET_NUMERIC_HOST or 0. */
    int32_t timeout_ms; /**< Per address tried; 0: 30 s; -1: none. */
} mw_net_connect_opts;

/**
 * \brief Connect a TCP socket to \p host : \p port.
 *
 * Name resolution uses getaddrinfo() and BLOCKS for as long as the
 * resolver takes; the timeout does not cover it. Callers that cannot block
 * resolve elsewhere and pass a numeric address (IPv4 "192.0.2.1" or IPv6
 * "2001:db8::1", without brackets) with #MW_NET_NUMERIC_HOST. Each address
 * returned is tried in order with a non-blocking connect bounded by
 * \c timeout_ms. The resulting transport owns the socket, which is
 * non-blocking.
 * \param host Name or numeric address.
 * \param port Decimal port or service name.
 * \param opts Options, or NULL for the defaults.
 * \param allocator Allocator for the transport (NULL: libc).
 * \param out Receives the transport.
 * \param err Optional; receives details when the call fails.
 * \return #MW_OK, #MW_E_ARG, #MW_E_IO (resolution failed, connection
 *         refused or unreachable: see \p err), #MW_E_TIMEOUT (the last
 *         address tried timed out), #MW_E_NOMEM.
 */
MW_API mw_status mw_net_connect(const char *host, const char *port,
                                const mw_net_connect_opts *opts,
                                const mw_allocator *allocator,
                                mw_transport **out, mw_net_error *err);

/**
 * \brief Start connecting to a numeric address without blocking at all,
 *        for callers with their own event loop.
 *
 * When the result is #MW_E_WOULDBLOCK, wait until mw_transport_fd() of
 * the transport is writable, then call mw_net_connect_finish(). Nothing
 * is resolved: \p addr must be a numeric IPv4 or IPv6 address.
 * \param addr Numeric address (no brackets).
 * \param port Decimal port.
 * \param allocator Allocator for the transport (NULL: libc).
 * \param out Receives the transport (also on #MW_E_WOULDBLOCK).
 * \param err Optional; receives details when the call fails.
 * \return #MW_OK (connected at once), #MW_E_WOULDBLOCK (in progress),
 *         #MW_E_ARG (NULL arguments, not a numeric address or port),
 *         #MW_E_IO (see \p err), #MW_E_NOMEM.
 */
MW_API mw_status mw_net_connect_start(const char *addr, const char *port,
                                      const mw_allocator *allocator,
                                      mw_transport **out, mw_net_error *err);

/**
 * \brief Complete a connection from mw_net_connect_start() once its
 *        descriptor is writable.
 * \param t The transport.
 * \param err Optional; receives details when the connection failed.
 * \return #MW_OK (connected), #MW_E_WOULDBLOCK (still in progress),
 *         #MW_E_IO (refused or unreachable: close \p t), #MW_E_ARG.
 */
MW_API mw_status mw_net_connect_finish(mw_transport *t, mw_net_error *err);

/**
 * \brief Split "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT".
 *
 * A bare IPv6 address (more than one colon, no brackets) is taken as a
 * host without port.
 * \param text The text (NUL-terminated).
 * \param default_port Port used when \p text has none (may be NULL: then a
 *        port is required).
 * \param host Receives the host, NUL-terminated, without brackets.
 * \param host_cap Size of \p host.
 * \param port Receives the port, NUL-terminated.
 * \param port_cap Size of \p port.
 * \return #MW_OK, #MW_E_SYNTAX (empty host, unbalanced bracket, empty or
 *         non-numeric port, or no port and no default), #MW_E_NOSPACE (a
 *         part does not fit), #MW_E_ARG (NULL arguments).
 */
MW_API mw_status mw_net_split_hostport(const char *text,
                                       const char *default_port, char *host,
                                       size_t host_cap, char *port,
                                       size_t port_cap);

/**
 * \brief Listen on TCP \p addr : \p port.
 *
 * SO_REUSEADDR is set; the socket is non-blocking and close-on-exec. An
 * IPv6 address listens on IPv6 only.
 * \param addr Numeric address to bind ("127.0.0.1", "::1", "0.0.0.0",
 *        "::"), or NULL for all IPv4 and IPv6 addresses (IPv6 wildcard
 *        with dual-stack when the system allows it, else IPv4).
 * \param port Decimal port; "0" picks a free port.
 * \param backlog listen() backlog; 0 means 128.
 * \param fd_out Receives the listening descriptor (close it with
 *        mw_net_close_fd()).
 * \param port_out Optional; receives the bound port (useful with "0").
 * \param err Optional; receives details when the call fails.
 * \return #MW_OK, #MW_E_ARG (NULL \p port or \p fd_out, non-numeric
 *         address), #MW_E_IO (see \p err).
 */
MW_API mw_status mw_net_listen(const char *addr, const char *port, int backlog,
                               int *fd_out, uint16_t *port_out,
                               mw_net_error *err);

/**
 * \brief Accept one connection from a listening descriptor.
 * \param listen_fd From mw_net_listen().
 * \param allocator Allocator for the transport (NULL: libc).
 * \param out Receives a transport that owns the new, non-blocking socket.
 * \param peer Optional; receives the peer's numeric address ("192.0.2.1"
 *        or "2001:db8::1"), NUL-terminated, truncated to fit.
 * \param peer_cap Size of \p peer (46 bytes hold any address).
 * \param err Optional; receives details when the call fails.
 * \return #MW_OK, #MW_E_WOULDBLOCK (no connection waiting), #MW_E_ARG,
 *         #MW_E_IO (see \p err; the listener stays usable after
 *         ECONNABORTED and EMFILE), #MW_E_NOMEM.
 */
MW_API mw_status mw_net_accept(int listen_fd, const mw_allocator *allocator,
                               mw_transport **out, char *peer, size_t peer_cap,
                               mw_net_error *err);

/**
 * \brief Close a descriptor from mw_net_listen() (or any other). Negative
 *        values are ignored.
 */
MW_API void mw_net_close_fd(int fd);

/**
 * \brief Wait until \p fd is ready for \p want (#MW_WANT_READ and/or
 *        #MW_WANT_WRITE), for at most \p timeout_ms (-1: no limit).
 * \return #MW_OK (ready, or an error/hang-up condition to be discovered by
 *         the next read or write), #MW_E_TIMEOUT, #MW_E_ARG, #MW_E_IO.
 */
MW_API mw_status mw_net_wait(int fd, unsigned want, int32_t timeout_ms);

/* ------------------------------------------------------------------ */
/* The poll() driver                                                   */
/* ------------------------------------------------------------------ */

/**
 * \brief How the driver talks to one session (SMTP, POP3 or IMAP, client
 *        or server), following the session I/O contract of core.h.
 *
 * The driver cannot know a session's event types, so the application
 * supplies \c feed: it feeds the bytes to its session and handles every
 * event inside (answering requests, queueing commands). The other
 * functions are thin wrappers around the session's output, output_done,
 * wants and tls_done functions.
 */
typedef struct mw_net_session_ops {
    void *session; /**< Handed to output, output_done, wants, tls_done. */
    void *ud;      /**< Handed to feed, start_tls and timeout_ms. */
    /** Feed \p len received bytes to the session and handle its events;
     *  store how many were consumed. The driver keeps the rest and feeds it
     *  again after the next progress. Return #MW_OK or #MW_NEED_MORE to
     *  go on, #MW_E_WOULDBLOCK when the session refuses input until its
     *  output is sent (the driver sends, then feeds the rest); any other
     *  error stops the driver, which returns it. */
    mw_status (*feed)(void *ud, const char *data, size_t len, size_t *consumed);
    /** The bytes waiting to be sent (\p len may be 0; NULL allowed then). */
    const char *(*output)(void *session, size_t *len);
    /** \p n bytes of output were sent. */
    void (*output_done)(void *session, size_t n);
    /** The session's MW_WANT_* mask. */
    unsigned (*wants)(void *session);
    /** Report the TLS handshake's outcome (1 ok, 0 failed). Optional when
     *  the session never wants TLS. */
    mw_status (*tls_done)(void *session, int ok);
    /** Optional: upgrade \p t in place (e.g. mw_tls_upgrade() of
     *  mailwire-tls). NULL makes #MW_WANT_TLS fail with
     *  #MW_E_UNSUPPORTED. */
    mw_status (*start_tls)(void *ud, mw_transport *t);
    /** Optional: the timeout of the wait about to start, in milliseconds
     *  (-1: none). Pick it from the session's state, e.g. with
     *  #mw_net_smtp_timeouts. NULL: \c default_timeout_ms of the options. */
    int32_t (*timeout_ms)(void *ud);
} mw_net_session_ops;

/**
 * \brief Options of mw_net_run(). Zero-fill, then set \c size.
 */
typedef struct mw_net_run_opts {
    uint32_t size; /**< sizeof(mw_net_run_opts). */
    /** Timeout of each wait when ops->timeout_ms is NULL; 0: 300000 (the
     *  five minutes RFC 5321 4.5.3.2 gives most states); -1: none. */
    int32_t default_timeout_ms;
    /** Allocator for the driver's state and 16 KiB input buffer (NULL:
     *  libc). */
    const mw_allocator *allocator;
} mw_net_run_opts;

/**
 * \brief What mw_net_run() did.
 */
typedef struct mw_net_run_stats {
    uint64_t bytes_in;  /**< Bytes read from the transport. */
    uint64_t bytes_out; /**< Bytes written to the transport. */
    /** Received bytes that were still unfed when the session asked for
     *  TLS; they were dropped, never fed after the upgrade (STARTTLS
     *  command injection). */
    uint64_t plaintext_dropped;
} mw_net_run_stats;

/**
 * \brief Run one session over \p t until it is done.
 *
 * The loop writes pending output, feeds received bytes, reads when the
 * session wants to, and waits with poll() on mw_transport_fd() only when
 * the transport would block, for at most the current timeout. On
 * #MW_WANT_TLS it drops unfed plaintext, calls \c start_tls, runs the
 * handshake and reports it with \c tls_done. The session itself never
 * blocks; only this loop does. The transport must be non-blocking (all
 * transports of this header are); one without a descriptor is retried
 * without waiting.
 * \param t The transport (stays open; the caller closes it).
 * \param ops The session's functions (feed, output, output_done and wants
 *        are required).
 * \param opts Options, or NULL.
 * \param stats Optional; receives the counters.
 * \return #MW_OK (the session wants to close and its output is flushed,
 *         or wants nothing more), #MW_E_CLOSED (the peer closed while the
 *         session still wanted to read; replies already queued were sent
 *         first; tell the session, e.g. mw_smtp_server_eof()), #MW_E_TIMEOUT,
 *         #MW_E_UNSUPPORTED (TLS wanted without start_tls), #MW_E_NOMEM,
 *         #MW_E_LIMIT
 *         (a full input buffer the feed consumed nothing of), transport
 *         errors (#MW_E_IO, #MW_E_TLS), #MW_E_ARG, or any error returned
 *         by \c feed, \c start_tls or \c tls_done.
 */
MW_API mw_status mw_net_run(mw_transport *t, const mw_net_session_ops *ops,
                            const mw_net_run_opts *opts,
                            mw_net_run_stats *stats);

/**
 * \brief The SMTP timeouts of RFC 5321 section 4.5.3.2, in milliseconds,
 *        for a session's timeout_ms callback to pick from.
 */
typedef struct mw_net_smtp_timeouts {
    int32_t initial;    /**< Client: waiting for the 220 greeting (5 min). */
    int32_t mail;       /**< Client: reply to MAIL (5 min). */
    int32_t rcpt;       /**< Client: reply to RCPT (5 min). */
    int32_t data_init;  /**< Client: 354 reply to DATA (2 min). */
    int32_t data_block; /**< Client: each write of message data (3 min). */
    int32_t data_term;  /**< Client: reply to the final dot (10 min). */
    int32_t server;     /**< Server: waiting for the next command (5 min). */
    int32_t other;      /**< Other replies (5 min; not in the RFC). */
} mw_net_smtp_timeouts;

/**
 * \brief Fill \p t with the minimum values RFC 5321 4.5.3.2 recommends.
 */
MW_API void mw_net_smtp_timeouts_default(mw_net_smtp_timeouts *t);

/* ------------------------------------------------------------------ */
/* Clock and randomness                                                */
/* ------------------------------------------------------------------ */

/**
 * \brief The current time: seconds since the epoch and the local zone's
 *        offset east of UTC in minutes.
 * \param t_out Receives the seconds (may be NULL).
 * \param zone_minutes_out Receives the offset (may be NULL).
 * \return #MW_OK or #MW_E_IO (the clock or zone could not be read).
 */
MW_API mw_status mw_net_now_unix(int64_t *t_out, int16_t *zone_minutes_out);

#if MW_HAVE_MSG
/**
 * \brief The current local time, broken down with its zone offset, ready
 *        for mw_datetime_format_rfc5322() (a Date header).
 * \param dt_out Receives the time; the weekday is filled in, flags are 0.
 * \return #MW_OK, #MW_E_ARG (NULL), #MW_E_IO.
 */
MW_API mw_status mw_net_now(mw_datetime *dt_out);
#endif

/**
 * \brief Milliseconds of a monotonic clock (for the caller's own
 *        deadlines; the origin is unspecified).
 */
MW_API uint64_t mw_net_monotonic_ms(void);

/**
 * \brief Fill \p buf with \p n cryptographically secure random bytes
 *        (getrandom(), else /dev/urandom), for Message-IDs, MIME boundaries
 *        and SASL nonces.
 * \return #MW_OK, #MW_E_ARG (NULL \p buf with \p n > 0), #MW_E_IO.
 */
MW_API mw_status mw_net_random(void *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_NET_H */
