/**
 * \file smtp_client.h
 * \brief Sans-IO SMTP / LMTP client session (RFC 5321, RFC 2033, RFC 2920,
 *        RFC 3030, RFC 3207, RFC 4954, RFC 1870, RFC 6152, RFC 6531).
 *
 * The session follows the session I/O contract of core.h: server bytes go
 * in through mw_smtp_client_feed(), which stops at every reply with one
 * event; the bytes to send are read with mw_smtp_client_output() and
 * acknowledged with mw_smtp_client_output_done(); mw_smtp_client_wants()
 * says what the transport should do next.
 *
 * \par Conversation
 * - The server's greeting arrives first (#MW_SMTP_CEV_GREETING). A 2xx
 *   greeting makes the session send EHLO (LHLO in LMTP mode) by itself; a
 *   refusal (554) makes it send QUIT.
 * - The reply to EHLO is #MW_SMTP_CEV_HELLO. On 500 or 502 the session
 *   falls back to HELO (#MW_SMTP_CEVF_FALLBACK). A 2xx reply makes the
 *   capabilities available (mw_smtp_client_caps()) and the session idle.
 * - While the session is idle (mw_smtp_client_idle() is 1) the caller may
 *   make one request: STARTTLS, AUTH, a mail transaction, RSET, NOOP or
 *   QUIT. Every event that makes the session idle again carries
 *   #MW_SMTP_CEVF_IDLE. A request made at any other time returns
 *   #MW_E_STATE and queues nothing.
 * - Every server reply surfaces as exactly one event, with its code, its
 *   enhanced status code and its text lines.
 *
 * \par Transactions
 * mw_smtp_client_send() takes an envelope and sends MAIL and one RCPT per
 * recipient (with PIPELINING: MAIL, every RCPT and DATA as one group,
 * RFC 2920). Each RCPT reply is an event with the recipient's index. When
 * no recipient was accepted the session sends RSET and the transaction
 * ends with the RSET reply (#MW_SMTP_CEVF_FAILED on the event that made
 * that decision). Otherwise an event with #MW_SMTP_CEVF_BODY says the
 * body may be sent: after the 354 reply to DATA, or, when BDAT is used,
 * with the last RCPT reply. The caller then calls mw_smtp_client_body()
 * any number of times and mw_smtp_client_body_end() once. The final reply
 * is #MW_SMTP_CEV_MESSAGE (in LMTP mode: one per accepted recipient, in
 * envelope order, each with its recipient's index).
 *
 * \par Safety
 * DATA bodies go through the shared dot-stuffer, which also turns every
 * bare CR and bare LF into CRLF, so the session never emits an SMTP
 * smuggling sequence. Command arguments with CR, LF or NUL are refused
 * (#MW_E_CRLF) before anything is queued. After the 220 reply to
 * STARTTLS every byte the server sends before the handshake is discarded
 * and reported (#MW_SMTP_CEV_TLS_DISCARDED; the libetpan response
 * injection CVE-2020-15953). A 421 reply anywhere ends the session
 * (#MW_SMTP_CEV_CLOSED).
 *
 * \par Driver loop
 * 1. While mw_smtp_client_output() has bytes, send them and call
 *    mw_smtp_client_output_done() with the count sent.
 * 2. Feed what the server sent; on #MW_OK handle the event (make requests,
 *    send the body) and feed the rest (data + consumed) again, until
 *    #MW_NEED_MORE.
 * 3. When mw_smtp_client_wants() has #MW_WANT_TLS: feed any plaintext
 *    already read (it is discarded), run the handshake, then call
 *    mw_smtp_client_tls_done(); the next feed (even of 0 bytes) reports
 *    the discarded bytes if there were any.
 * 4. On #MW_WANT_CLOSE flush and close; when the server closes first,
 *    call mw_smtp_client_eof().
 *
 * \par Memory
 * mw_smtp_client_new() makes one allocation for the object and grows the
 * output buffer through the allocator up to \c limits.output_max.
 * mw_smtp_client_init_in() places everything, output buffer included
 * (\c output_max bytes), in caller storage and never allocates. Set a
 * small \c output_max (and \c sasl_max) for firmware.
 */
#ifndef MAILWIRE_SMTP_CLIENT_H
#define MAILWIRE_SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/sasl.h"
#include "mailwire/smtp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Config flag: LMTP (RFC 2033): LHLO, and one final reply per
 *         accepted recipient. */
#define MW_SMTP_CLIENT_LMTP 0x1u
/** \brief Config flag: never pipeline, even when PIPELINING is offered. */
#define MW_SMTP_CLIENT_NO_PIPELINING 0x2u
/** \brief Config flag: send the body with BDAT when CHUNKING is offered. */
#define MW_SMTP_CLIENT_CHUNKING 0x4u
/** \brief Config flag: the connection is already TLS (implicit TLS,
 *         port 465); STARTTLS is refused and REQUIRETLS allowed. */
#define MW_SMTP_CLIENT_TLS_ACTIVE 0x8u

/** \brief Default largest decoded SASL message handled (8 KiB). */
#define MW_SMTP_CLIENT_SASL_MAX_DEFAULT 8192u
/** \brief Smallest \c sasl_max accepted (smaller values are raised). */
#define MW_SMTP_CLIENT_SASL_MAX_MIN 512u

/**
 * \brief Client settings. Zero-initialise, set \c size to
 *        sizeof(mw_smtp_client_config) and change what you need; a NULL
 *        config means all defaults. Only read during the call that takes
 *        it (\c helo is copied).
 */
typedef struct mw_smtp_client_config {
    uint32_t size;                     /**< sizeof(mw_smtp_client_config). */
    uint32_t flags;                    /**< MW_SMTP_CLIENT_* flags. */
    mw_span helo;                      /**< Our name for EHLO / HELO / LHLO: a
                                            domain or an address literal
                                            "[192.0.2.1]"; empty: "localhost". */
    const mw_limits *limits;           /**< Limits or NULL (defaults): uses
                                            \c output_max (raised to a minimum
                                            that fits the largest command),
                                            \c inflight_max and
                                            \c recipients_max. */
    const mw_smtp_codec_config *codec; /**< Codec limits or NULL: the reply
                                            limits bound the reply parser,
                                            the command limits are those
                                            the server enforces. */
    uint32_t sasl_max;                 /**< Largest decoded SASL challenge or
                                            response; 0: the default. */
    uint32_t reserved;                 /**< Zero. */
} mw_smtp_client_config;

/** \brief Event: the server's greeting. 2xx: EHLO (LHLO) was queued;
 *         otherwise QUIT was queued (#MW_SMTP_CEVF_FAILED). */
#define MW_SMTP_CEV_GREETING 1u
/** \brief Event: reply to EHLO, HELO or LHLO (\c verb says which). */
#define MW_SMTP_CEV_HELLO 2u
/** \brief Event: reply to STARTTLS. 220: the transport must run the TLS
 *         handshake now (mw_smtp_client_wants() has #MW_WANT_TLS) and
 *         call mw_smtp_client_tls_done(). */
#define MW_SMTP_CEV_STARTTLS 3u
/** \brief Event: plaintext the server sent after its 220 to STARTTLS was
 *         discarded; \c discarded is the byte count. Reported once,
 *         without a reply, by the first feed after
 *         mw_smtp_client_tls_done() (CVE-2020-15953). */
#define MW_SMTP_CEV_TLS_DISCARDED 4u
/** \brief Event: a 334 challenge during AUTH (answered by the session). */
#define MW_SMTP_CEV_AUTH_CHALLENGE 5u
/** \brief Event: AUTH ended; \c status is #MW_OK (235 and, for SCRAM, the
 *         server's signature verified) or #MW_E_AUTH. */
#define MW_SMTP_CEV_AUTH 6u
/** \brief Event: reply to MAIL. */
#define MW_SMTP_CEV_MAIL 7u
/** \brief Event: reply to RCPT; \c index is the recipient's index. */
#define MW_SMTP_CEV_RCPT 8u
/** \brief Event: reply to DATA (354: send the body, #MW_SMTP_CEVF_BODY). */
#define MW_SMTP_CEV_DATA 9u
/** \brief Event: reply to a BDAT chunk that is not the last; \c index is
 *         the chunk number from 0. */
#define MW_SMTP_CEV_BDAT 10u
/** \brief Event: the final reply to the message (end of DATA or BDAT
 *         LAST); in LMTP mode one per accepted recipient, \c index being
 *         the recipient's index. */
#define MW_SMTP_CEV_MESSAGE 11u
/** \brief Event: reply to RSET (the caller's or the session's own). */
#define MW_SMTP_CEV_RSET 12u
/** \brief Event: reply to NOOP. */
#define MW_SMTP_CEV_NOOP 13u
/** \brief Event: reply to QUIT; the session is over. */
#define MW_SMTP_CEV_QUIT 14u
/** \brief Event: the server closed the session (421, RFC 5321 3.8); the
 *         pending output was dropped, mw_smtp_client_wants() is
 *         #MW_WANT_CLOSE. */
#define MW_SMTP_CEV_CLOSED 15u
/** \brief Event: reply to VRFY. */
#define MW_SMTP_CEV_VRFY 16u

/** \brief Event flag: the session is idle; a new request may be made. */
#define MW_SMTP_CEVF_IDLE 0x1u
/** \brief Event flag: the body may be sent now (mw_smtp_client_body()). */
#define MW_SMTP_CEVF_BODY 0x2u
/** \brief Event flag: the mail transaction is over (delivered, refused,
 *         or abandoned). */
#define MW_SMTP_CEVF_TXN_END 0x4u
/** \brief Event flag: this reply made the session give up what it was
 *         doing: no recipient accepted (RSET sent), DATA or a BDAT chunk
 *         refused, greeting refused (QUIT sent), a SASL step failed ("*"
 *         sent). */
#define MW_SMTP_CEVF_FAILED 0x8u
/** \brief Event flag: EHLO was refused with 500/502; HELO was sent. */
#define MW_SMTP_CEVF_FALLBACK 0x10u
/** \brief Event flag: DATA got 354 although no recipient was accepted
 *         (RFC 2920 3.1); an empty message was sent to end it. */
#define MW_SMTP_CEVF_EMPTY_BODY 0x20u

/**
 * \brief One event from mw_smtp_client_feed(). Views stay valid until the
 *        next call on the session.
 */
typedef struct mw_smtp_client_event {
    uint32_t type;       /**< MW_SMTP_CEV_*. */
    uint32_t flags;      /**< MW_SMTP_CEVF_*. */
    uint32_t verb;       /**< MW_SMTP_VERB_* of the command answered. */
    uint32_t index;      /**< Recipient index (RCPT, LMTP MESSAGE) or BDAT
                              chunk number; 0 otherwise. */
    int32_t status;      /**< #MW_OK, or why the step failed (#MW_E_AUTH
                              for AUTH; #MW_E_PEER when the reply is not
                              positive). */
    uint32_t has_reply;  /**< 1 when \c reply is set (all but
                              #MW_SMTP_CEV_TLS_DISCARDED). */
    uint64_t discarded;  /**< #MW_SMTP_CEV_TLS_DISCARDED: bytes dropped. */
    mw_smtp_reply reply; /**< The reply: code, enhanced code, text lines. */
} mw_smtp_client_event;

/** \brief One recipient of an envelope. */
typedef struct mw_smtp_rcpt {
    mw_smtp_path path;  /**< Forward-path (wire form, or with
                             #MW_SMTP_PATH_LOCAL_RAW the local part's
                             value). */
    uint32_t notify;    /**< MW_SMTP_NOTIFY_* bits; 0: no NOTIFY. */
    uint32_t reserved;  /**< Zero. */
    mw_span orcpt_type; /**< ORCPT address type ("rfc822"); empty: none. */
    mw_span orcpt_addr; /**< ORCPT address, already xtext. */
} mw_smtp_rcpt;

/** \brief Envelope flag: the message needs SMTPUTF8 (RFC 6531). Also
 *         implied by any 8-bit byte in a path. */
#define MW_SMTP_ENV_SMTPUTF8 0x1u
/** \brief Envelope flag: REQUIRETLS (RFC 8689). */
#define MW_SMTP_ENV_REQUIRETLS 0x2u
/** \brief Envelope flag: all recipients or none: when any RCPT is
 *         refused the session sends RSET instead of DATA (and DATA is
 *         then never part of a pipelined group). */
#define MW_SMTP_ENV_ALL_RCPTS 0x4u

/**
 * \brief A mail transaction for mw_smtp_client_send().
 *
 * Not copied: the envelope, its recipient array and every byte its spans
 * point to must stay valid and unchanged until the event that carries
 * #MW_SMTP_CEVF_TXN_END. DSN parameters (RET, ENVID, NOTIFY, ORCPT) are
 * sent only when the server offers DSN, and left out otherwise (the
 * sending MTA is then responsible for notifications, RFC 3461 4.1).
 */
typedef struct mw_smtp_envelope {
    mw_smtp_path from;         /**< Reverse-path; #MW_SMTP_PATH_NULL for
                                    "<>". */
    uint64_t message_size;     /**< Message size for SIZE=; 0: unknown. */
    uint32_t body;             /**< MW_SMTP_BODY_*; 0: no BODY=. */
    uint32_t flags;            /**< MW_SMTP_ENV_* flags. */
    uint32_t ret;              /**< MW_SMTP_RET_*; 0: no RET=. */
    uint32_t reserved;         /**< Zero. */
    mw_span envid;             /**< ENVID, already xtext; empty: none. */
    const mw_smtp_rcpt *rcpts; /**< Recipients, at least one. */
    size_t n_rcpts;            /**< Number of recipients. */
} mw_smtp_envelope;

/** \brief SMTP / LMTP client session (opaque). */
typedef struct mw_smtp_client mw_smtp_client;

/**
 * \brief Bytes mw_smtp_client_init_in() needs for \p cfg (output buffer of
 *        \c output_max bytes included).
 * \return The size, or 0 for an invalid config (see
 *         mw_smtp_client_new()).
 */
MW_API size_t mw_smtp_client_sizeof(const mw_smtp_client_config *cfg);

/**
 * \brief Create a session waiting for the server's greeting.
 * \param cfg Settings or NULL; only read during the call.
 * \param allocator Allocator or NULL for libc; must outlive the session.
 * \param out Receives the session; NULL on error.
 * \return #MW_OK, #MW_E_NOMEM, #MW_E_ARG (NULL \p out, \c size too small,
 *         an invalid \c helo, limits too large to address), #MW_E_CRLF
 *         (CR, LF or NUL in \c helo).
 */
MW_API mw_status mw_smtp_client_new(const mw_smtp_client_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_smtp_client **out);

/**
 * \brief Place a session in caller storage; it never allocates.
 * \param mem At least mw_smtp_client_sizeof(cfg) bytes, aligned for any
 *        object (as malloc would); must outlive the session.
 * \param len Size of \p mem.
 * \param cfg Settings or NULL; only read during the call.
 * \param out Receives the session (which is \p mem).
 * \return #MW_OK, #MW_E_ARG (NULL, too small or misaligned \p mem, or as
 *         mw_smtp_client_new()), #MW_E_CRLF.
 */
MW_API mw_status mw_smtp_client_init_in(void *mem, size_t len,
                                        const mw_smtp_client_config *cfg,
                                        mw_smtp_client **out);

/** \brief Free a session from mw_smtp_client_new() (NULL is a no-op; a
 *         session placed with mw_smtp_client_init_in() is only cleared).
 *         A SASL object passed to mw_smtp_client_auth() is not freed. */
MW_API void mw_smtp_client_free(mw_smtp_client *c);

/**
 * \brief Feed server bytes; stop at the first event.
 * \param c The session.
 * \param data Bytes from the server; NULL only when \p len is 0.
 * \param len Their number (0 delivers a pending
 *        #MW_SMTP_CEV_TLS_DISCARDED).
 * \param consumed Receives how many bytes were used; feed the rest again.
 * \param ev Receives the event when #MW_OK is returned; its views stay
 *        valid until the next call on \p c.
 * \return #MW_OK (event), #MW_NEED_MORE (all consumed, no event),
 *         #MW_E_SYNTAX (malformed reply, or a reply when none was
 *         expected), #MW_E_LIMIT (reply line, lines or text over the codec
 *         limits), #MW_E_STATE (the session is closed or failed),
 *         #MW_E_NOMEM (no memory to queue the session's next command),
 *         #MW_E_NOSPACE (the output limit left no room for that command:
 *         drain the output before feeding more), #MW_E_ARG. After an error
 *         the session is failed and wants #MW_WANT_CLOSE.
 */
MW_API mw_status mw_smtp_client_feed(mw_smtp_client *c, const void *data,
                                     size_t len, size_t *consumed,
                                     mw_smtp_client_event *ev);

/**
 * \brief View of the bytes waiting to be sent.
 * \param c The session.
 * \param len Receives their number (0 when nothing is pending).
 * \return The bytes, valid until the next call on \p c other than
 *         mw_smtp_client_wants(); NULL when nothing is pending.
 */
MW_API const char *mw_smtp_client_output(mw_smtp_client *c, size_t *len);

/**
 * \brief Say that \p n bytes of the output were sent (more than pending
 *        counts as all). The session may queue further pipelined commands.
 * \return #MW_OK, #MW_E_NOMEM (no memory to queue the next command),
 *         #MW_E_ARG.
 */
MW_API mw_status mw_smtp_client_output_done(mw_smtp_client *c, size_t n);

/**
 * \brief What the transport should do: a mask of MW_WANT_* flags.
 *
 * #MW_WANT_READ whenever the connection is open (a 421 may come at any
 * time), #MW_WANT_WRITE while output is pending, #MW_WANT_TLS between the
 * 220 to STARTTLS and mw_smtp_client_tls_done() (run the handshake only;
 * feed any plaintext already received first, it is discarded),
 * #MW_WANT_CLOSE once the session is over.
 */
MW_API unsigned mw_smtp_client_wants(const mw_smtp_client *c);

/**
 * \brief The TLS handshake asked for by #MW_WANT_TLS finished.
 * \param c The session.
 * \param ok 1 on success: the session forgets the capabilities, discards
 *        any partial reply and sends EHLO (LHLO) again. 0: the session is
 *        over (#MW_WANT_CLOSE).
 * \return #MW_OK, #MW_E_STATE (no handshake was asked for), #MW_E_NOMEM,
 *         #MW_E_ARG.
 */
MW_API mw_status mw_smtp_client_tls_done(mw_smtp_client *c, int ok);

/**
 * \brief The server closed the connection.
 * \return #MW_OK when the session expected it (after QUIT, a 421 or an
 *         error), #MW_E_CLOSED when it did not (the conversation was cut).
 *         The session is over either way.
 */
MW_API mw_status mw_smtp_client_eof(mw_smtp_client *c);

/** \brief 1 when a request (STARTTLS, AUTH, send, RSET, NOOP, QUIT) may
 *         be made now, 0 otherwise. */
MW_API int mw_smtp_client_idle(const mw_smtp_client *c);

/** \brief 1 once the TLS handshake succeeded (or with
 *         #MW_SMTP_CLIENT_TLS_ACTIVE). */
MW_API int mw_smtp_client_is_tls(const mw_smtp_client *c);

/**
 * \brief The capabilities of the last successful EHLO / LHLO (all zero
 *        after HELO).
 * \return A view valid until the next feed or tls_done; NULL before the
 *         hello succeeded and after STARTTLS until the new EHLO reply.
 */
MW_API const mw_smtp_caps *mw_smtp_client_caps(const mw_smtp_client *c);

/**
 * \brief Request STARTTLS (RFC 3207).
 * \return #MW_OK; #MW_E_STATE (not idle, or TLS already on);
 *         #MW_E_UNSUPPORTED (not offered); #MW_E_NOSPACE / #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_client_starttls(mw_smtp_client *c);

/**
 * \brief Authenticate with a SASL client object (RFC 4954).
 *
 * The initial response is sent with AUTH when the mechanism has one;
 * every 334 challenge is base64-decoded into mw_sasl_step() and its
 * response sent back; a failing step cancels with "*". On 235 the
 * session calls mw_sasl_client_success(), so a SCRAM server that did not
 * prove its knowledge of the password fails the AUTH event with
 * #MW_E_AUTH (and the session then sends QUIT).
 * \param c The session.
 * \param sasl A client object that has not stepped yet; owned by the
 *        caller and used until the #MW_SMTP_CEV_AUTH event.
 * \return #MW_OK; #MW_E_STATE (not idle); #MW_E_UNSUPPORTED (AUTH or the
 *         mechanism not offered); #MW_E_LIMIT (initial response over
 *         \c sasl_max); #MW_E_NOSPACE / #MW_E_NOMEM (nothing queued, but
 *         the mechanism has started: make a new SASL object to retry);
 *         other errors of mw_sasl_client_start(); #MW_E_ARG.
 */
MW_API mw_status mw_smtp_client_auth(mw_smtp_client *c, mw_sasl *sasl);

/**
 * \brief Start a mail transaction.
 *
 * Everything is checked before anything is queued.
 * \param c The session.
 * \param env The envelope; must stay valid until #MW_SMTP_CEVF_TXN_END.
 * \return #MW_OK; #MW_E_STATE (not idle, or no successful hello);
 *         #MW_E_LIMIT (\c message_size over the server's SIZE, more
 *         recipients than \c recipients_max, or a command line over the
 *         codec limits); #MW_E_UNSUPPORTED (BODY=8BITMIME without
 *         8BITMIME, BINARYMIME without BINARYMIME and CHUNKING in use,
 *         SMTPUTF8 or an 8-bit path without SMTPUTF8, REQUIRETLS without
 *         the extension or TLS); #MW_E_CRLF (CR, LF or NUL in a path or
 *         parameter); #MW_E_ARG (no recipients, malformed path or
 *         parameter); #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_client_send(mw_smtp_client *c,
                                     const mw_smtp_envelope *env);

/**
 * \brief Send body bytes (after #MW_SMTP_CEVF_BODY).
 *
 * DATA: dot-stuffed, bare CR and LF made CRLF. BDAT: each call with
 * accepted bytes sends one chunk, unchanged. Only what fits in the output
 * limit is taken (and, with BDAT and no PIPELINING, nothing while a chunk
 * awaits its reply): drain the output (or wait for the next event) and
 * call again with the rest.
 * \param c The session.
 * \param data Body bytes; NULL only when \p len is 0.
 * \param len Their number.
 * \param accepted Receives how many bytes were taken.
 * \return #MW_OK; #MW_E_STATE (not sending a body); #MW_E_PEER (a BDAT
 *         chunk was refused: call mw_smtp_client_body_end()); #MW_E_NOMEM;
 *         #MW_E_ARG.
 */
MW_API mw_status mw_smtp_client_body(mw_smtp_client *c, const void *data,
                                     size_t len, size_t *accepted);

/**
 * \brief Send the last body bytes and end the body in one call: with BDAT
 *        one "BDAT n LAST" chunk, with DATA mw_smtp_client_body() then
 *        mw_smtp_client_body_end().
 *
 * When not all of \p data fits, only what fits is taken as an ordinary
 * body chunk and the body is NOT ended: drain the output (or wait for the
 * next event) and call again with the rest.
 * \param c The session.
 * \param data The last body bytes; NULL only when \p len is 0.
 * \param len Their number (0 is the same as mw_smtp_client_body_end()).
 * \param accepted Receives how many bytes were taken; the body is ended
 *        when it equals \p len and #MW_OK is returned.
 * \return As mw_smtp_client_body() and mw_smtp_client_body_end()
 *         (#MW_E_NOMEM from the end marker after all of \p data was taken:
 *         call mw_smtp_client_body_end()).
 */
MW_API mw_status mw_smtp_client_body_last(mw_smtp_client *c, const void *data,
                                          size_t len, size_t *accepted);

/**
 * \brief End the body: "<CRLF>.<CRLF>" (the body is first ended with CRLF
 *        if needed) or "BDAT 0 LAST"; after a refused chunk, RSET.
 * \return #MW_OK; #MW_E_STATE (not sending a body); #MW_E_NOSPACE (drain
 *         the output and call again); #MW_E_WOULDBLOCK (BDAT without
 *         PIPELINING: a chunk awaits its reply; call again after the
 *         event); #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_smtp_client_body_end(mw_smtp_client *c);

/**
 * \brief Send RSET.
 * \return #MW_OK, #MW_E_STATE (not idle), #MW_E_NOSPACE / #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_client_rset(mw_smtp_client *c);

/**
 * \brief Send NOOP.
 * \return As mw_smtp_client_rset().
 */
MW_API mw_status mw_smtp_client_noop(mw_smtp_client *c);

/**
 * \brief Send VRFY with \p arg (a user name or mailbox, RFC 5321 3.5.3).
 * \param c The session.
 * \param arg The argument; need not be NUL-terminated.
 * \param len Its length.
 * \return As mw_smtp_client_rset(); also #MW_E_CRLF (CR, LF or NUL in
 *         \p arg), #MW_E_ARG (empty \p arg), #MW_E_LIMIT (line too long).
 */
MW_API mw_status mw_smtp_client_vrfy(mw_smtp_client *c, const char *arg,
                                     size_t len);

/**
 * \brief Send QUIT (also allowed after a failed hello).
 * \return As mw_smtp_client_rset().
 */
MW_API mw_status mw_smtp_client_quit(mw_smtp_client *c);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_SMTP_CLIENT_H */
