/**
 * \file net_send.h
 * \brief Blocking "send one message" convenience on the net layer
 *        (lib/net, MW_WITH_NET): connect, optional TLS, optional AUTH,
 *        one mail transaction, QUIT.
 *
 * For the firmware-alert and script use case:
 * \code
 * mw_send_opts o = {.size = sizeof o, .host = "mail.example.org"};
 * mw_smtp_rcpt to = {.path = {.local = {"ops", 3},
 *                             .domain = {"example.org", 11}}};
 * mw_smtp_envelope env = {.from = {.local = {"dev", 3},
 *                                  .domain = {"example.org", 11}},
 *                         .rcpts = &to, .n_rcpts = 1};
 * mw_send_span_source src = {msg, msg_len, 0};
 * mw_send_result r = {.size = sizeof r};
 * mw_status st = mw_send_message(&o, &env, mw_send_span_read, &src, &r);
 * // st == MW_OK: accepted; r.final.code and r.final.text say how.
 * \endcode
 *
 * The SMTP client session (smtp_client.h) runs over a #mw_transport with
 * the poll() driver mw_net_run(); every wait is bounded by the RFC 5321
 * section 4.5.3.2 timeout of the state the session is in
 * (#mw_net_smtp_timeouts). The call blocks for name resolution, the
 * connection, the conversation and the reads of the body callback, and
 * for nothing else.
 *
 * \par TLS without OpenSSL
 * libmailwire does not link any TLS library. TLS (implicit, port 465, or
 * STARTTLS) goes through a caller-supplied upgrade hook whose type is
 * that of mw_tls_upgrade() of libmailwire-tls, so a program linking
 * libmailwire-tls writes
 * \code
 * o.flags |= MW_SEND_STARTTLS;
 * o.tls_upgrade = mw_tls_upgrade;   // tls.h
 * o.tls_error = mw_tls_error;       // optional: verification details
 * o.tls_ctx = ctx;                  // from mw_tls_context_new()
 * \endcode
 * and firmware with its own TLS stack (mbedTLS, wolfSSL) defines its own
 * <tt>struct mw_tls_context</tt> and an upgrade function that replaces
 * the transport's vtable and context in place (see #mw_transport).
 * Without a hook, #MW_SEND_TLS and #MW_SEND_STARTTLS fail with
 * #MW_E_UNSUPPORTED before anything is connected.
 *
 * \par Authentication
 * With a user name the session authenticates after the (optional) TLS
 * upgrade. Unless a mechanism is named, the strongest one the server
 * offers of SCRAM-SHA-256, CRAM-MD5, PLAIN and LOGIN is used. The
 * password buffer is wiped (overwritten with zeroes) before
 * mw_send_message() returns, whatever the outcome; the SASL object keeps
 * its own copy only as long as it needs it and wipes that too.
 */
#ifndef MAILWIRE_NET_SEND_H
#define MAILWIRE_NET_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/net.h"
#include "mailwire/sasl.h"
#include "mailwire/smtp.h"
#include "mailwire/smtp_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief The TLS context handed to the upgrade hook (opaque here;
 *         libmailwire-tls defines it, firmware may define its own). */
struct mw_tls_context;

/**
 * \brief TLS upgrade hook: turn \p t into a TLS transport in place
 *        (mw_tls_upgrade() of libmailwire-tls has exactly this type).
 * \param t The connected plain transport.
 * \param ctx The caller's TLS context (#mw_send_opts \c tls_ctx).
 * \param peer_name The name the server certificate must match (and SNI).
 * \return #MW_OK, or an error (#MW_E_TLS ...), which mw_send_message()
 *         returns.
 */
typedef mw_status (*mw_send_tls_upgrade_fn)(mw_transport *t,
                                            struct mw_tls_context *ctx,
                                            const char *peer_name);

/**
 * \brief Optional TLS diagnostics hook (mw_tls_error() has this type).
 * \param t The transport after a failed TLS operation.
 * \return A NUL-terminated reason, or NULL / "" when there is none.
 */
typedef const char *(*mw_send_tls_error_fn)(const mw_transport *t);

/**
 * \brief Message body source: store up to \p cap bytes in \p buf.
 * \param ud The user pointer given to mw_send_message().
 * \param buf Where to store the bytes.
 * \param cap Room in \p buf (> 0).
 * \param n_out Receives the number stored.
 * \return #MW_OK (at least one byte stored), #MW_DONE (end of the body;
 *         \p n_out is ignored), or an error, which stops the transfer
 *         (the connection is dropped without ending DATA, so the server
 *         discards the partial message) and is returned by
 *         mw_send_message().
 */
typedef mw_status (*mw_send_body_fn)(void *ud, char *buf, size_t cap,
                                     size_t *n_out);

/** \brief Option flag: implicit TLS right after connecting (port 465). */
#define MW_SEND_TLS 0x1u
/** \brief Option flag: STARTTLS (RFC 3207) before anything else; a
 *         server that does not offer it fails the call with
 *         #MW_E_UNSUPPORTED. */
#define MW_SEND_STARTTLS 0x2u
/** \brief Option flag: \c host is a numeric address; never resolve it. */
#define MW_SEND_NUMERIC_HOST 0x4u
/** \brief Option flag: never use PIPELINING. */
#define MW_SEND_NO_PIPELINING 0x8u

/**
 * \brief Options of mw_send_message(). Zero-fill, set \c size to
 *        sizeof(mw_send_opts) and what you need. Read only during the
 *        call (the password is also wiped then).
 */
typedef struct mw_send_opts {
    uint32_t size;  /**< sizeof(mw_send_opts). */
    uint32_t flags; /**< MW_SEND_* flags. */
    /** Server name or numeric address (no brackets). Required unless
     *  \c transport is set; also the default TLS peer name. */
    const char *host;
    /** Decimal port or service; NULL: "25", or "465" with #MW_SEND_TLS. */
    const char *port;
    /** A connected transport to use instead of \c host and \c port; it is
     *  not closed (and may have been upgraded to TLS in place). */
    mw_transport *transport;
    /** Connect timeout per address in milliseconds; 0: 30 s; -1: none. */
    int32_t connect_timeout_ms;
    /** Reply timeouts (RFC 5321 4.5.3.2); NULL: the RFC's values. */
    const mw_net_smtp_timeouts *timeouts;
    /** Name for EHLO (a domain or "[address literal]"); empty:
     *  "localhost". */
    mw_span helo;
    /** TLS upgrade hook (mw_tls_upgrade); NULL: no TLS possible. */
    mw_send_tls_upgrade_fn tls_upgrade;
    /** Optional TLS diagnostics hook (mw_tls_error). */
    mw_send_tls_error_fn tls_error;
    /** Context handed to \c tls_upgrade. */
    struct mw_tls_context *tls_ctx;
    /** Name the certificate must match; NULL: \c host. */
    const char *tls_peer_name;
    /** User name; empty: no AUTH. */
    mw_span user;
    /** Password; wiped (zeroed) by mw_send_message() before it returns. */
    char *password;
    /** Length of \c password. */
    size_t password_len;
    /** #mw_sasl_mech to use; #MW_SASL_NONE: the strongest offered of
     *  SCRAM-SHA-256, CRAM-MD5, PLAIN and LOGIN. */
    uint32_t auth_mech;
    /** Reserved, zero. */
    uint32_t reserved;
    /** Allocator for everything the call allocates (NULL: libc). */
    const mw_allocator *allocator;
} mw_send_opts;

/** \brief Bytes of reply text kept in a #mw_send_reply (NUL included). */
#define MW_SEND_REPLY_TEXT_MAX 512u

/**
 * \brief A copy of one server reply, owned by the caller.
 */
typedef struct mw_send_reply {
    uint16_t code;             /**< 200..599; 0: no reply was received. */
    uint16_t has_enhanced;     /**< 1 when \c enhanced is set. */
    mw_smtp_enhanced enhanced; /**< Enhanced status code (RFC 3463). */
    uint32_t truncated;        /**< 1 when \c text was cut to fit. */
    /** The text lines joined with "\n", NUL-terminated, bytes below 0x20
     *  other than the separators replaced by '?'. */
    char text[MW_SEND_REPLY_TEXT_MAX];
} mw_send_reply;

/** \name Stages (mw_send_result::stage): how far the call got
 * @{ */
#define MW_SEND_STAGE_CONNECT 0u  /**< Connecting (or implicit TLS). */
#define MW_SEND_STAGE_GREETING 1u /**< Waiting for the greeting. */
#define MW_SEND_STAGE_HELLO 2u    /**< EHLO / HELO. */
#define MW_SEND_STAGE_STARTTLS 3u /**< STARTTLS and its handshake. */
#define MW_SEND_STAGE_AUTH 4u     /**< AUTH. */
#define MW_SEND_STAGE_MAIL 5u     /**< MAIL, RCPT, DATA. */
#define MW_SEND_STAGE_BODY 6u     /**< Sending the body. */
#define MW_SEND_STAGE_FINAL 7u    /**< Waiting for the final reply. */
#define MW_SEND_STAGE_QUIT 8u     /**< QUIT (the outcome is known). */
/** @} */

/**
 * \brief What mw_send_message() did. Zero-fill and set \c size (and
 *        \c rcpts if wanted) before the call.
 */
typedef struct mw_send_result {
    uint32_t size; /**< sizeof(mw_send_result). */
    /** Stage in which the outcome was decided (MW_SEND_STAGE_*), or the
     *  call failed; with #MW_OK it is #MW_SEND_STAGE_FINAL. */
    uint32_t stage;
    /** The deciding reply: the final reply to the message on #MW_OK and
     *  when the server refused it; otherwise the reply that ended the
     *  attempt (refused greeting, MAIL, STARTTLS, AUTH, every RCPT, a 421),
     *  or code 0 when the failure was not a reply (network, TLS). */
    mw_send_reply final;
    /** Optional caller array of the envelope's \c n_rcpts entries,
     *  receiving each recipient's RCPT reply (code 0: none came). */
    mw_send_reply *rcpts;
    size_t n_accepted;   /**< Recipients the server accepted. */
    uint32_t tls;        /**< 1 when the message went over TLS. */
    uint32_t auth_mech;  /**< #mw_sasl_mech used; #MW_SASL_NONE. */
    mw_net_error net;    /**< Details of a failed connect. */
    mw_net_run_stats io; /**< Bytes moved. */
    /** Reason of a TLS failure from the \c tls_error hook, or "". */
    char tls_error[256];
} mw_send_result;

/**
 * \brief Send one message and QUIT.
 *
 * Connects (or uses \c opts->transport), runs implicit TLS or STARTTLS
 * when asked, authenticates when a user is given, sends the envelope
 * (pipelined when the server offers PIPELINING) and the body read from
 * \p read_body (dot-stuffed, bare CR and LF turned into CRLF), and ends
 * with QUIT.
 * \param opts Options.
 * \param env The envelope (not copied; used during the call only).
 * \param read_body Body source.
 * \param body_ud Handed to \p read_body.
 * \param result Optional (NULL); receives the details.
 * \return #MW_OK (the server accepted the message for at least one
 *         recipient; a failure at QUIT is ignored); #MW_E_PEER (the
 *         server refused: greeting, EHLO, MAIL, every RCPT, DATA, the
 *         message, or a 421; \c final holds the reply, whose first digit
 *         says whether it is temporary); #MW_E_AUTH (AUTH refused, no
 *         usable mechanism offered, or a SCRAM server that could not
 *         prove it knows the password); #MW_E_UNSUPPORTED (TLS asked for
 *         without \c tls_upgrade, STARTTLS or AUTH not offered);
 *         #MW_E_TLS (upgrade or handshake failed, e.g. verification; see
 *         \c tls_error); #MW_E_IO, #MW_E_TIMEOUT, #MW_E_CLOSED (network;
 *         see \c net); #MW_E_SYNTAX, #MW_E_LIMIT (the server's replies
 *         were malformed or too large); #MW_E_ARG (missing options, an
 *         envelope the session refuses), #MW_E_CRLF, #MW_E_NOMEM; or the
 *         error returned by \p read_body.
 */
MW_API mw_status mw_send_message(const mw_send_opts *opts,
                                 const mw_smtp_envelope *env,
                                 mw_send_body_fn read_body, void *body_ud,
                                 mw_send_result *result);

/**
 * \brief A body held in memory, for mw_send_span_read().
 */
typedef struct mw_send_span_source {
    const char *data; /**< The message (not copied). */
    size_t len;       /**< Its length. */
    size_t off;       /**< Bytes already handed out; start at 0. */
} mw_send_span_source;

/**
 * \brief #mw_send_body_fn over a #mw_send_span_source (\p ud).
 * \return #MW_OK, #MW_DONE at the end, #MW_E_ARG.
 */
MW_API mw_status mw_send_span_read(void *ud, char *buf, size_t cap,
                                   size_t *n_out);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_NET_SEND_H */
