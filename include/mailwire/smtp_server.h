/**
 * \file smtp_server.h
 * \brief Sans-IO SMTP / LMTP server session (RFC 5321, RFC 2033, RFC 1870,
 *        RFC 2920, RFC 3030, RFC 3207, RFC 4954, RFC 6152, RFC 6531).
 *
 * The session follows the session I/O contract of core.h: feed it the
 * client's bytes with mw_smtp_server_feed(), send what
 * mw_smtp_server_output() shows and confirm it with
 * mw_smtp_server_output_done(), and look at mw_smtp_server_wants() to know
 * whether to read, write, run the TLS handshake or close.
 *
 * \par Decisions
 * Some events ask the application for a decision (their \c decide field is
 * 1): HELO/EHLO/LHLO, MAIL, RCPT, VRFY, EXPN, AUTH (mechanism chosen), AUTH
 * credentials and the end of a message (in LMTP one per accepted
 * recipient). The session stops until the application answers with
 * mw_smtp_server_accept() (the default reply) or mw_smtp_server_reply()
 * (a reply of its choosing); feeding before that is #MW_E_STATE. After an
 * answer, call mw_smtp_server_feed() again, even with no bytes left: some
 * events (the next LMTP recipient, the next step of an AUTH exchange) are
 * produced without new input. Loop until it returns #MW_NEED_MORE.
 *
 * \par Transactions
 * A MAIL event that is accepted starts a transaction; it ends with the
 * MESSAGE or MESSAGE_REJECTED event, a RESET event (RSET), or implicitly
 * with a HELO event, an accepted STARTTLS or the end of the session. An
 * application that keeps per-transaction state drops it on MAIL, RESET,
 * HELO, MESSAGE and MESSAGE_REJECTED.
 *
 * \par Message data
 * DATA is read with the strict dot reader of stream.h: the data ends only
 * at CRLF "." CRLF. A bare CR, bare LF or NUL inside the data makes the
 * session refuse the message after its end with 550 5.6.0 (SMTP smuggling,
 * CVE-2023-51764, CVE-2023-51765, CVE-2023-51766) and report
 * #MW_SMTP_SEV_MESSAGE_REJECTED instead of #MW_SMTP_SEV_MESSAGE; with
 * #MW_SMTP_SERVER_NORMALIZE_BARE bare CR and LF are turned into CRLF
 * instead (never taken as a line end). BDAT chunks (RFC 3030) pass through
 * unchanged. Body events carry dot-unstuffed bytes, ready for the MIME
 * parser.
 *
 * \par STARTTLS
 * After the 220 reply to STARTTLS the session wants the TLS handshake
 * (once that reply is sent). Bytes the client pipelined after the
 * STARTTLS line are discarded and reported with
 * #MW_SMTP_SEV_PLAINTEXT_DISCARDED (the CVE-2011-0411 class of command
 * injection). After mw_smtp_server_tls_done() the session is back to the
 * state before EHLO.
 */
#ifndef MAILWIRE_SMTP_SERVER_H
#define MAILWIRE_SMTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/sasl.h"
#include "mailwire/smtp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Server flag: speak LMTP (RFC 2033): LHLO instead of HELO/EHLO,
 *         one reply per accepted recipient after the data. */
#define MW_SMTP_SERVER_LMTP 0x1u
/** \brief Server flag: the connection is already encrypted (implicit TLS,
 *         RFC 8314); STARTTLS is not offered. */
#define MW_SMTP_SERVER_TLS_ACTIVE 0x2u
/** \brief Server flag: offer and allow the mechanisms that send a password
 *         or token in the clear (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER) before
 *         TLS. Without it they are offered only over TLS and AUTH with them
 *         before TLS is answered 538 5.7.11. */
#define MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH 0x4u
/** \brief Server flag: refuse MAIL, RCPT, DATA, BDAT, VRFY, EXPN and AUTH
 *         before STARTTLS with 530 5.7.0. */
#define MW_SMTP_SERVER_REQUIRE_TLS 0x8u
/** \brief Server flag: refuse MAIL before a successful AUTH with
 *         530 5.7.0 (message submission, RFC 6409). */
#define MW_SMTP_SERVER_REQUIRE_AUTH 0x10u
/** \brief Server flag: turn bare CR and bare LF inside DATA into CRLF and
 *         accept the message, instead of refusing it with 550 5.6.0. The
 *         end of data is still only CRLF "." CRLF. */
#define MW_SMTP_SERVER_NORMALIZE_BARE 0x20u

/** \brief Default most errors (refused commands) before 421 and close. */
#define MW_SMTP_SERVER_ERRORS_MAX_DEFAULT 10u
/** \brief Size of the session's output buffer. When less than
 *         #MW_SMTP_SERVER_OUTPUT_RESERVE bytes of it are free, feeding
 *         returns #MW_E_WOULDBLOCK until the output is drained. */
#define MW_SMTP_SERVER_OUTPUT_SIZE 8192u
/** \brief Room kept free in the output buffer for the next reply. */
#define MW_SMTP_SERVER_OUTPUT_RESERVE 2560u
/** \brief Longest AUTH response line accepted (RFC 4954 section 4). */
#define MW_SMTP_SERVER_AUTH_LINE_MAX 12288u
/** \brief Longest host name and greeting text. */
#define MW_SMTP_SERVER_NAME_MAX 255u

/**
 * \brief Server settings. Zero-initialise, set \c size to
 *        sizeof(mw_smtp_server_config), \c hostname, and what you need.
 *        Read only while creating the session (copied).
 */
typedef struct mw_smtp_server_config {
    uint32_t size;           /**< sizeof(mw_smtp_server_config). */
    uint32_t flags;          /**< MW_SMTP_SERVER_* flags. */
    mw_span hostname;        /**< The server's name (required, at most
                                  #MW_SMTP_SERVER_NAME_MAX bytes). */
    mw_span greeting;        /**< Text after the name in the greeting;
                                  empty: "ESMTP ready" ("LMTP ready"). */
    uint32_t greeting_code;  /**< 0 or 220; or 554 to refuse service: every
                                  command but QUIT is then answered 503. */
    uint32_t caps;           /**< MW_SMTP_CAP_* to offer: SIZE, PIPELINING,
                                  8BITMIME, SMTPUTF8, STARTTLS, CHUNKING,
                                  BINARYMIME, DSN, ENHANCEDSTATUSCODES,
                                  REQUIRETLS. AUTH follows \c auth_mechs. */
    uint32_t auth_mechs;     /**< #MW_SASL_BIT mask of the mechanisms to offer
                                  (sessions made by
                                  mw_smtp_server_init_in() offer none). */
    uint32_t errors_max;     /**< Errors before 421 and close; 0: default
                                  #MW_SMTP_SERVER_ERRORS_MAX_DEFAULT. */
    uint64_t size_max;       /**< Largest message in bytes, announced with
                                  SIZE; 0: no limit. */
    const mw_limits *limits; /**< Limits (recipients_max) or NULL. */
    const mw_smtp_codec_config *codec; /**< Command limits or NULL. */
} mw_smtp_server_config;

/** \brief Server session (opaque). */
typedef struct mw_smtp_server mw_smtp_server;

/** \brief Kinds of server events (mw_smtp_server_event::type). */
typedef enum mw_smtp_server_event_type {
    MW_SMTP_SEV_NONE = 0,    /**< No event. */
    MW_SMTP_SEV_HELO = 1,    /**< Decision: HELO, EHLO or LHLO (\c cmd). */
    MW_SMTP_SEV_MAIL = 2,    /**< Decision: MAIL (\c cmd: path, params). */
    MW_SMTP_SEV_RCPT = 3,    /**< Decision: RCPT (\c cmd); \c rcpt_index is
                                  the number of recipients accepted so far. */
    MW_SMTP_SEV_DATA = 4,    /**< A message body starts (354 sent, or the
                                  first BDAT; \c flags). */
    MW_SMTP_SEV_BODY = 5,    /**< Body bytes in \c data (unstuffed). */
    MW_SMTP_SEV_MESSAGE = 6, /**< Decision: the message is complete; in
                                  LMTP one event per accepted recipient,
                                  \c rcpt_index of \c rcpt_count. */
    MW_SMTP_SEV_MESSAGE_REJECTED = 7, /**< The session refused the message
                                           itself (\c reason); its reply is
                                           already queued. */
    MW_SMTP_SEV_RESET = 8,            /**< RSET ended an open transaction. */
    MW_SMTP_SEV_VRFY = 9,  /**< Decision: VRFY (\c cmd.arg); default 252. */
    MW_SMTP_SEV_EXPN = 10, /**< Decision: EXPN (\c cmd.arg); default 502. */
    MW_SMTP_SEV_AUTH = 11, /**< Decision: AUTH with an offered mechanism
                                (\c mech, \c cmd); accepting starts the
                                exchange (see mw_smtp_server_auth_random()),
                                replying refuses it (4xx/5xx only). */
    MW_SMTP_SEV_AUTH_CREDENTIALS = 12,   /**< Decision: the exchange needs the
                                              user's credentials (\c authcid,
                                              \c authzid, \c mech). Give them to
                                              mw_smtp_server_sasl() with
                                              mw_sasl_server_set_password(),
                                              _set_scram() or _set_verdict(),
                                              then accept; or reply 4xx/5xx. */
    MW_SMTP_SEV_AUTH_RESULT = 13,        /**< The exchange ended: \c status is
                                              #MW_OK (235 sent; \c authcid and
                                              \c authzid say who) or why it failed. */
    MW_SMTP_SEV_PLAINTEXT_DISCARDED = 14 /**< \c count bytes received after
                                              STARTTLS and before the
                                              handshake were discarded. */
} mw_smtp_server_event_type;

/** \brief Event flag (DATA, MESSAGE): the body came in BDAT chunks. */
#define MW_SMTP_SEV_F_BDAT 0x1u
/** \brief Event flag (MESSAGE): bare CR or LF were normalised to CRLF
 *         (#MW_SMTP_SERVER_NORMALIZE_BARE). */
#define MW_SMTP_SEV_F_NORMALIZED 0x2u

/** \brief Reject reason: a bare LF inside DATA. */
#define MW_SMTP_REJECT_BARE_LF 0x1u
/** \brief Reject reason: a bare CR inside DATA. */
#define MW_SMTP_REJECT_BARE_CR 0x2u
/** \brief Reject reason: a NUL byte inside DATA. */
#define MW_SMTP_REJECT_NUL 0x4u
/** \brief Reject reason: the message exceeded \c size_max (552 5.3.4). */
#define MW_SMTP_REJECT_SIZE 0x8u

/**
 * \brief One server event. Views stay valid until the next call on the
 *        session that takes input or makes a decision (feed, accept,
 *        reply) or frees it; views into the fed bytes also need those
 *        bytes to stay in place.
 */
typedef struct mw_smtp_server_event {
    uint32_t type;       /**< #mw_smtp_server_event_type. */
    uint32_t decide;     /**< 1 when the session waits for an answer. */
    mw_smtp_cmd cmd;     /**< The command (HELO, MAIL, RCPT, VRFY, EXPN,
                              AUTH). */
    mw_span data;        /**< BODY: the bytes. */
    mw_span authcid;     /**< AUTH_CREDENTIALS, AUTH_RESULT: user. */
    mw_span authzid;     /**< AUTH_CREDENTIALS, AUTH_RESULT: identity to
                              act as (empty: none). */
    uint32_t mech;       /**< AUTH events: the #mw_sasl_mech. */
    int32_t status;      /**< AUTH_RESULT: #MW_OK or the failure. */
    uint32_t reason;     /**< MESSAGE_REJECTED: MW_SMTP_REJECT_* bits. */
    uint32_t flags;      /**< DATA, MESSAGE: MW_SMTP_SEV_F_* bits. */
    uint32_t rcpt_index; /**< RCPT, MESSAGE: see the event types. */
    uint32_t rcpt_count; /**< MESSAGE, MESSAGE_REJECTED: recipients
                              accepted in the transaction. */
    uint64_t count;      /**< MESSAGE, MESSAGE_REJECTED: body bytes;
                              PLAINTEXT_DISCARDED: bytes dropped. */
} mw_smtp_server_event;

/** \brief State bit (mw_smtp_server_state()): TLS is active. */
#define MW_SMTP_SERVER_S_TLS 0x1u
/** \brief State bit: the client authenticated. */
#define MW_SMTP_SERVER_S_AUTH 0x2u
/** \brief State bit: HELO, EHLO or LHLO was accepted. */
#define MW_SMTP_SERVER_S_HELO 0x4u
/** \brief State bit: a transaction is open (MAIL accepted). */
#define MW_SMTP_SERVER_S_MAIL 0x8u
/** \brief State bit: the session is over (QUIT, 421, failed TLS, EOF). */
#define MW_SMTP_SERVER_S_CLOSED 0x10u

/**
 * \brief Bytes needed to place a session with \p cfg in caller storage.
 * \return The size, or 0 for an invalid \p cfg.
 */
MW_API size_t mw_smtp_server_sizeof(const mw_smtp_server_config *cfg);

/**
 * \brief Create a session; its greeting is pending output at once.
 * \param cfg Settings (copied).
 * \param allocator Allocator, or NULL for libc; must outlive the session.
 * \param out Receives the session.
 * \return #MW_OK; #MW_E_ARG (NULL pointer, \c size too small, empty or
 *         too long host name or greeting, CR/LF/NUL in them, a greeting
 *         code other than 220 or 554); #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_server_new(const mw_smtp_server_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_smtp_server **out);

/**
 * \brief Place a session in caller storage (no heap; AUTH is not offered).
 * \param mem At least mw_smtp_server_sizeof(cfg) bytes, aligned for any
 *        object; must outlive the session.
 * \param len Size of \p mem.
 * \param cfg Settings (copied).
 * \param out Receives the session (which is \p mem).
 * \return #MW_OK; #MW_E_ARG (as mw_smtp_server_new(), or \p mem too small
 *         or misaligned).
 */
MW_API mw_status mw_smtp_server_init_in(void *mem, size_t len,
                                        const mw_smtp_server_config *cfg,
                                        mw_smtp_server **out);

/** \brief Free a session (wiping any SASL state); NULL is a no-op. A
 *         session placed with mw_smtp_server_init_in() is only wiped. */
MW_API void mw_smtp_server_free(mw_smtp_server *s);

/**
 * \brief Feed the client's bytes; stop at the first event.
 * \param s The session.
 * \param data Bytes received; NULL only when \p len is 0.
 * \param len Their number (0 is fine and may still give an event).
 * \param consumed Set to the bytes of \p data used; feed the rest later.
 * \param ev Receives the event when #MW_OK is returned.
 * \return #MW_OK (event in \p ev); #MW_NEED_MORE (all bytes used, no
 *         event); #MW_E_WOULDBLOCK (the output buffer is nearly full:
 *         send it, then feed the rest); #MW_E_STATE (a decision is
 *         pending; nothing consumed);
 *         #MW_E_CLOSED (the session is over; nothing consumed);
 *         #MW_E_ARG; #MW_E_NOMEM and #MW_E_INTERNAL are not expected.
 */
MW_API mw_status mw_smtp_server_feed(mw_smtp_server *s, const void *data,
                                     size_t len, size_t *consumed,
                                     mw_smtp_server_event *ev);

/**
 * \brief Answer the pending decision with the default reply (250 for
 *        HELO, MAIL, RCPT and messages, 252 for VRFY, 502 for EXPN; AUTH:
 *        go on with the exchange).
 * \return #MW_OK; #MW_E_STATE (no decision pending); #MW_E_ARG.
 */
MW_API mw_status mw_smtp_server_accept(mw_smtp_server *s);

/**
 * \brief Answer the pending decision with a reply of the application's
 *        choosing. A 2xx reply accepts (HELO, MAIL, RCPT, message), 4xx
 *        and 5xx refuse. An EHLO/LHLO 2xx reply keeps the capability lines
 *        and uses \p text as the greeting of its first line.
 * \param s The session.
 * \param code 200..599 (2xx not allowed for AUTH decisions).
 * \param enhanced RFC 3463 code "c.s.d" whose class is the first digit of
 *        \p code, or NULL. Sent only when ENHANCEDSTATUSCODES is in effect.
 * \param text Reply text (NUL-terminated, at most 2048 bytes, long text is
 *        wrapped), or NULL for the session's default text.
 * \return #MW_OK; #MW_E_STATE (no decision pending); #MW_E_ARG (bad code
 *         or enhanced code, text too long); #MW_E_CRLF (CR, LF or NUL in
 *         \p text). On an error the decision is still pending.
 */
MW_API mw_status mw_smtp_server_reply(mw_smtp_server *s, uint32_t code,
                                      const char *enhanced, const char *text);

/**
 * \brief The SASL exchange of the pending #MW_SMTP_SEV_AUTH_CREDENTIALS
 *        decision, to give it the user's credentials.
 * \return The object (owned by the session, valid until the decision is
 *         answered), or NULL when no exchange waits for credentials.
 */
MW_API mw_sasl *mw_smtp_server_sasl(mw_smtp_server *s);

/**
 * \brief Random bytes for the nonce of the next SCRAM or CRAM-MD5 exchange
 *        (call before accepting an #MW_SMTP_SEV_AUTH decision; without
 *        them such an exchange is answered 454 4.7.0). Copied, wiped
 *        after use.
 * \return #MW_OK; #MW_E_ARG (NULL, fewer than #MW_SASL_RANDOM_MIN bytes;
 *         bytes beyond #MW_SASL_RANDOM_MAX are ignored).
 */
MW_API mw_status mw_smtp_server_auth_random(mw_smtp_server *s,
                                            const void *bytes, size_t len);

/**
 * \brief View of the output waiting to be sent.
 * \param s The session.
 * \param len Receives its length (0 when nothing is pending).
 * \return The bytes, valid until the next call on \p s; never NULL when
 *         \p len is not 0.
 */
MW_API const char *mw_smtp_server_output(const mw_smtp_server *s, size_t *len);

/**
 * \brief Say that \p n bytes of the output were sent.
 * \param s The session.
 * \param n Bytes sent from the start of the mw_smtp_server_output() view.
 * \return #MW_OK; #MW_E_ARG when \p s is NULL or \p n is more than is
 *         pending (the output is then emptied, as before this function
 *         returned a status, so callers that ignore the result keep
 *         working).
 */
MW_API mw_status mw_smtp_server_output_done(mw_smtp_server *s, size_t n);

/**
 * \brief What the session needs next: MW_WANT_WRITE while output is
 *        pending (with MW_WANT_CLOSE when the session is over), then
 *        MW_WANT_TLS when the handshake is due, MW_WANT_CLOSE when over,
 *        else MW_WANT_READ.
 */
MW_API unsigned mw_smtp_server_wants(const mw_smtp_server *s);

/**
 * \brief Report the TLS handshake asked for by MW_WANT_TLS.
 * \param s The session.
 * \param ok 1 when it succeeded: the session is back before EHLO, with
 *        TLS active. 0: the session is over (MW_WANT_CLOSE).
 * \return #MW_OK; #MW_E_STATE (no handshake was due); #MW_E_ARG.
 */
MW_API mw_status mw_smtp_server_tls_done(mw_smtp_server *s, int ok);

/**
 * \brief The client closed the connection.
 * \return #MW_OK when the conversation had ended (after QUIT or a 421);
 *         #MW_E_CLOSED when it was cut short (an open transaction or a
 *         partial message is void). The session is over either way.
 */
MW_API mw_status mw_smtp_server_eof(mw_smtp_server *s);

/**
 * \brief End the session from the application side: queue "421 4.3.2
 *        <host> Service shutting down" and want to close.
 * A pending decision is dropped (the 421 answers it).
 * \return #MW_OK; #MW_E_STATE (already over).
 */
MW_API mw_status mw_smtp_server_shutdown(mw_smtp_server *s);

/** \brief MW_SMTP_SERVER_S_* bits describing the session (0 for NULL). */
MW_API uint32_t mw_smtp_server_state(const mw_smtp_server *s);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_SMTP_SERVER_H */
