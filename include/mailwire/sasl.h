/**
 * \file sasl.h
 * \brief SASL mechanisms (RFC 4422), client and server side, sans-IO.
 *
 * One opaque #mw_sasl object runs one authentication exchange of one
 * mechanism: PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login),
 * CRAM-MD5 (RFC 2195), XOAUTH2 (Google), OAUTHBEARER (RFC 7628),
 * EXTERNAL (RFC 4422 appendix A), SCRAM-SHA-1 (RFC 5802) and
 * SCRAM-SHA-256 (RFC 7677).
 *
 * Messages are raw bytes: the protocol (SMTP "334 ...", IMAP "+ ...",
 * POP3 "+ ...") does the base64 wrapping and knows nothing about the
 * mechanism. Nothing here is protocol-specific.
 *
 * \par Client side
 * 1. Fill a #mw_sasl_client_config (choose the mechanism with
 *    mw_sasl_choose() and mw_sasl_client_mechs() if needed) and call
 *    mw_sasl_client_new(). The configuration is copied; the caller may
 *    wipe its password right after.
 * 2. Optionally call mw_sasl_client_start() to get the initial response
 *    (for SMTP "AUTH mech ir" or IMAP SASL-IR). A mechanism that is not
 *    client-first (LOGIN, CRAM-MD5) reports that it has none. When the
 *    protocol cannot carry an initial response, skip this call: the
 *    server then sends an empty challenge, and mw_sasl_step() on it
 *    produces the same initial response.
 * 3. For every server challenge call mw_sasl_step() and send the
 *    response it leaves in \c out (it may be empty, which is still a
 *    response to send).
 * 4. When the server reports success, call mw_sasl_client_success(): for
 *    SCRAM it fails unless the server proved that it knows the password.
 *
 * \par Server side
 * 1. mw_sasl_server_new(), then mw_sasl_server_start() with the client's
 *    initial response if the command carried one.
 * 2. Every call that takes client input returns one of:
 *    - #MW_OK: send the challenge in \c out (possibly empty) and pass the
 *      client's answer to mw_sasl_step();
 *    - #MW_NEED_MORE: the exchange needs the application's judgement about
 *      a user. Read mw_sasl_server_identity() (and mw_sasl_server_secret()
 *      for mechanisms that carry a password or token), then supply exactly
 *      one of mw_sasl_server_set_password(), mw_sasl_server_set_scram() or
 *      mw_sasl_server_set_verdict(), and call mw_sasl_step() with no
 *      input (\p in_len 0). This pull scheme replaces callbacks and is the
 *      same for every mechanism;
 *    - #MW_DONE: the client is authenticated; mw_sasl_server_identity()
 *      says as whom;
 *    - an error (#MW_E_AUTH, #MW_E_SYNTAX, ...): send the protocol's
 *      failure reply. The object is finished.
 *
 * Which credential a server mechanism takes:
 * | mechanism        | set_password | set_scram | set_verdict         |
 * |------------------|--------------|-----------|---------------------|
 * | PLAIN, LOGIN     | yes          | no        | yes (app checks the password
 * from mw_sasl_server_secret()) | | CRAM-MD5         | yes          | no |
 * reject only         | | SCRAM-*          | no           | yes       | reject
 * only         | | XOAUTH2, OAUTHBEARER | no       | no        | yes (app
 * validates the token from mw_sasl_server_secret()) | | EXTERNAL         | no
 * | no        | yes (app checks the authzid against the TLS identity) |
 *
 * \par Secrets
 * Every byte the object holds is wiped before its memory is freed, and
 * the password is wiped as soon as it has been used (for SCRAM right after
 * SaltedPassword is derived). No realloc is ever used on secret data.
 *
 * \par Limitations
 * Names and passwords are used as given, without SASLprep (RFC 4013);
 * both ends of mailwire agree, and ASCII credentials interoperate with
 * everyone. SCRAM channel binding (the -PLUS variants) is not supported:
 * the client always sends the "n" flag.
 */
#ifndef MAILWIRE_SASL_H
#define MAILWIRE_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief SASL mechanisms known to mailwire. Values are stable ABI. */
typedef enum mw_sasl_mech {
    MW_SASL_NONE = 0,         /**< No mechanism / unknown name. */
    MW_SASL_PLAIN = 1,        /**< PLAIN (RFC 4616). */
    MW_SASL_LOGIN = 2,        /**< LOGIN (draft-murchison-sasl-login). */
    MW_SASL_CRAM_MD5 = 3,     /**< CRAM-MD5 (RFC 2195). */
    MW_SASL_XOAUTH2 = 4,      /**< XOAUTH2 (Google, Microsoft). */
    MW_SASL_OAUTHBEARER = 5,  /**< OAUTHBEARER (RFC 7628). */
    MW_SASL_EXTERNAL = 6,     /**< EXTERNAL (RFC 4422 appendix A). */
    MW_SASL_SCRAM_SHA_1 = 7,  /**< SCRAM-SHA-1 (RFC 5802). */
    MW_SASL_SCRAM_SHA_256 = 8 /**< SCRAM-SHA-256 (RFC 7677). */
} mw_sasl_mech;

/** \brief Bit of mechanism \p m in a mechanism mask. */
#define MW_SASL_BIT(m) (1u << (unsigned)(m))

/** \brief Mask of the mechanisms that authenticate with a password. */
#define MW_SASL_MASK_PASSWORD                                                  \
    (MW_SASL_BIT(MW_SASL_PLAIN) | MW_SASL_BIT(MW_SASL_LOGIN) |                 \
     MW_SASL_BIT(MW_SASL_CRAM_MD5) | MW_SASL_BIT(MW_SASL_SCRAM_SHA_1) |        \
     MW_SASL_BIT(MW_SASL_SCRAM_SHA_256))

/** \brief Mask of the mechanisms that authenticate with an OAuth token. */
#define MW_SASL_MASK_TOKEN                                                     \
    (MW_SASL_BIT(MW_SASL_XOAUTH2) | MW_SASL_BIT(MW_SASL_OAUTHBEARER))

/** \brief Fewest random bytes accepted for a SCRAM or CRAM-MD5 nonce. */
#define MW_SASL_RANDOM_MIN 12
/** \brief Random bytes beyond this many are ignored. */
#define MW_SASL_RANDOM_MAX 64
/** \brief Shortest nonce text accepted with #MW_SASL_NONCE_VERBATIM. */
#define MW_SASL_NONCE_TEXT_MIN 12

/** \brief Default largest SCRAM iteration count a client accepts. */
#define MW_SASL_SCRAM_ITERATIONS_MAX 1000000u

/**
 * \brief Config flag: \c random is a ready nonce text used as is (printable
 *        ASCII except `,` `<` `>` `@`, #MW_SASL_NONCE_TEXT_MIN to 256
 *        characters), not random bytes to encode. For reproducing published
 *        exchanges and for callers with their own nonce format.
 */
#define MW_SASL_NONCE_VERBATIM 0x1u
/** \brief Config flag: mw_sasl_client_mechs() may offer EXTERNAL. */
#define MW_SASL_ALLOW_EXTERNAL 0x2u

/**
 * \brief Client configuration. Start from all zeroes and set \c size to
 *        sizeof(mw_sasl_client_config).
 *
 * Which fields a mechanism uses:
 * - PLAIN: authcid, password, authzid (optional).
 * - LOGIN, CRAM-MD5: authcid, password.
 * - SCRAM-*: authcid, password, authzid (optional), random.
 * - XOAUTH2: authcid (the user), token.
 * - OAUTHBEARER: token; host and port (optional); the gs2 "a=" user is
 *   authzid, or authcid when authzid is empty, or absent when both are.
 * - EXTERNAL: authzid (optional).
 *
 * Spans are copied by mw_sasl_client_new(); the caller's buffers may be
 * wiped or freed right after.
 */
typedef struct mw_sasl_client_config {
    uint32_t size;           /**< sizeof(mw_sasl_client_config). */
    uint32_t mech;           /**< The #mw_sasl_mech to run. */
    uint32_t flags;          /**< #MW_SASL_NONCE_VERBATIM, ... */
    uint32_t port;           /**< OAUTHBEARER port; 0 leaves it out. */
    uint32_t max_iterations; /**< SCRAM: largest iteration count accepted
                                  from the server; 0 means
                                  #MW_SASL_SCRAM_ITERATIONS_MAX. */
    mw_span authcid;         /**< Authentication identity (user name). */
    mw_span authzid;         /**< Authorization identity; empty: none. */
    mw_span password;        /**< Password (PLAIN, LOGIN, CRAM, SCRAM). */
    mw_span token;           /**< OAuth 2.0 bearer token. */
    mw_span host;            /**< OAUTHBEARER host; empty leaves it out. */
    mw_span random;          /**< SCRAM: at least #MW_SASL_RANDOM_MIN
                                  random bytes from a CSPRNG for the nonce
                                  (base64-encoded into it), or the nonce
                                  text itself with #MW_SASL_NONCE_VERBATIM. */
} mw_sasl_client_config;

/**
 * \brief Server configuration. Start from all zeroes and set \c size to
 *        sizeof(mw_sasl_server_config).
 */
typedef struct mw_sasl_server_config {
    uint32_t size;       /**< sizeof(mw_sasl_server_config). */
    uint32_t mech;       /**< The #mw_sasl_mech to run. */
    uint32_t flags;      /**< #MW_SASL_NONCE_VERBATIM or 0. */
    uint32_t reserved;   /**< Must be 0. */
    mw_span random;      /**< SCRAM and CRAM-MD5: at least
                              #MW_SASL_RANDOM_MIN random bytes from a CSPRNG
                              for the server's nonce, or the nonce text with
                              #MW_SASL_NONCE_VERBATIM. Unused otherwise. */
    mw_span hostname;    /**< CRAM-MD5: domain of the challenge
                              "<nonce@hostname>"; empty: "localhost". */
    mw_span oauth_error; /**< XOAUTH2/OAUTHBEARER: JSON error challenge
                              sent when the token is refused; empty:
                              {"status":"invalid_token","schemes":"bearer"}. */
} mw_sasl_server_config;

/** \brief One SASL exchange, client or server side (opaque). */
typedef struct mw_sasl mw_sasl;

/**
 * \brief The registered name of a mechanism, e.g. "SCRAM-SHA-256".
 * \return A static upper-case string, or NULL for an unknown value.
 */
MW_API const char *mw_sasl_mech_name(mw_sasl_mech mech);

/**
 * \brief Look a mechanism up by name (ASCII case-insensitive).
 * \param name The name; need not be NUL-terminated; NULL only with len 0.
 * \param len Its length in bytes.
 * \return The mechanism, or #MW_SASL_NONE for an unknown name.
 */
MW_API mw_sasl_mech mw_sasl_mech_from_name(const char *name, size_t len);

/**
 * \brief Choose the strongest mechanism that the server offers and the
 *        caller allows.
 *
 * Preference: EXTERNAL, SCRAM-SHA-256, SCRAM-SHA-1, OAUTHBEARER, XOAUTH2,
 * CRAM-MD5, PLAIN, LOGIN, each only if its bit is in \p allowed_mask.
 * \param offered Mechanism names separated by spaces, tabs, commas or line
 *        breaks, case-insensitive; a token may carry an "AUTH=" prefix so
 *        that an IMAP capability list can be passed as is (tokens that are
 *        not mechanisms are ignored). NULL only with \p offered_len 0.
 * \param offered_len Length of \p offered in bytes.
 * \param allowed_mask #MW_SASL_BIT values; 0 means #MW_SASL_MASK_PASSWORD
 *        (token mechanisms and EXTERNAL are chosen only when asked for).
 * \return The chosen mechanism, or #MW_SASL_NONE.
 */
MW_API mw_sasl_mech mw_sasl_choose(const char *offered, size_t offered_len,
                                   uint32_t allowed_mask);

/**
 * \brief The mechanisms a client configuration can run (for
 *        mw_sasl_choose()).
 *
 * Password mechanisms need authcid and password (SCRAM also enough
 * random bytes); OAUTHBEARER needs a token, XOAUTH2 a token and authcid;
 * EXTERNAL needs #MW_SASL_ALLOW_EXTERNAL. \c cfg->mech is ignored.
 * \return A mask of #MW_SASL_BIT values; 0 for a NULL or too small config.
 */
MW_API uint32_t mw_sasl_client_mechs(const mw_sasl_client_config *cfg);

/**
 * \brief Create the client side of an exchange.
 * \param cfg Configuration (copied).
 * \param allocator Allocator, or NULL for libc; must outlive the object.
 * \param out Receives the object; NULL on error.
 * \return #MW_OK; #MW_E_ARG (NULL pointer, \c size too small, unknown
 *         mechanism, a field the mechanism needs is empty, a NUL in a
 *         PLAIN field or \\x01 in an OAuth field, SCRAM random shorter
 *         than #MW_SASL_RANDOM_MIN or an invalid verbatim nonce);
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_sasl_client_new(const mw_sasl_client_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_sasl **out);

/**
 * \brief Create the server side of an exchange.
 * \param cfg Configuration (copied).
 * \param allocator Allocator, or NULL for libc; must outlive the object.
 * \param out Receives the object; NULL on error.
 * \return #MW_OK; #MW_E_ARG (NULL pointer, \c size too small, unknown
 *         mechanism, SCRAM or CRAM-MD5 without enough random bytes, an
 *         invalid verbatim nonce or hostname); #MW_E_NOMEM.
 */
MW_API mw_status mw_sasl_server_new(const mw_sasl_server_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_sasl **out);

/**
 * \brief Wipe every byte the object holds and free it. NULL is a no-op.
 */
MW_API void mw_sasl_free(mw_sasl *s);

/** \brief The mechanism of \p s (#MW_SASL_NONE for NULL). */
MW_API mw_sasl_mech mw_sasl_mechanism(const mw_sasl *s);

/**
 * \brief Client: produce the initial response, if the mechanism has one.
 *
 * Optional; see the file documentation. Calling it is the same as calling
 * mw_sasl_step() with an empty challenge for client-first mechanisms.
 * \param s A client object that has not stepped yet.
 * \param out Receives the initial response (appended; may be empty, as
 *        EXTERNAL without authzid is — send it as "=" in SMTP/IMAP).
 * \param has_ir Set to 1 when \p out holds an initial response, 0 when the
 *        mechanism waits for a server challenge (LOGIN, CRAM-MD5; \p out
 *        is then untouched).
 * \return #MW_OK; #MW_E_STATE (not a client, or already stepped);
 *         #MW_E_NOSPACE or #MW_E_NOMEM (\p out could not take the response;
 *         nothing changed, retry with room); #MW_E_ARG.
 */
MW_API mw_status mw_sasl_client_start(mw_sasl *s, mw_buf *out, int *has_ir);

/**
 * \brief Server: begin the exchange after the client named the mechanism.
 * \param s A server object that has not started yet.
 * \param ir The client's initial response, decoded; NULL only when
 *        \p ir_len is 0.
 * \param ir_len Its length.
 * \param has_ir 1 if the command carried an initial response (even an
 *        empty one, "=" in SMTP), 0 if not.
 * \param out Receives the first challenge when the result is #MW_OK.
 * \return As mw_sasl_step(); also #MW_E_STATE if already started.
 */
MW_API mw_status mw_sasl_server_start(mw_sasl *s, const void *ir, size_t ir_len,
                                      int has_ir, mw_buf *out);

/**
 * \brief Advance the exchange with the peer's next message.
 *
 * Client: \p in is a server challenge; the response to send is appended
 * to \p out. Server: \p in is a client response; the next challenge is
 * appended to \p out. A server that returned #MW_NEED_MORE is resumed
 * with \p in_len 0 after a credential was supplied.
 * \param s The exchange.
 * \param in The decoded peer message; NULL only when \p in_len is 0.
 * \param in_len Its length.
 * \param out Output buffer; on an error nothing is appended.
 * \return
 *  - #MW_OK: send \p out (possibly empty) and wait for the peer;
 *  - #MW_NEED_MORE: (server) credentials needed, see the file docs;
 *  - #MW_DONE: client: the server proved its identity (SCRAM server-final
 *    verified); \p out holds the empty response to that last challenge.
 *    Server: the client is authenticated; nothing to send but the
 *    protocol's success reply;
 *  - #MW_E_AUTH: authentication failed (wrong password or proof, refused
 *    token, bad server signature, SCRAM server error "e=");
 *  - #MW_E_SYNTAX: malformed peer message, or a message where none is
 *    expected;
 *  - #MW_E_UNSUPPORTED: the peer asked for channel binding or a
 *    mandatory SCRAM extension;
 *  - #MW_E_LIMIT: a message over 8 KiB, or a SCRAM iteration count above
 *    the configured maximum;
 *  - #MW_E_STATE: after #MW_DONE or an error, a server stepped before
 *    mw_sasl_server_start(), resumed without a credential, or given input
 *    while waiting for one;
 *  - #MW_E_NOSPACE, #MW_E_NOMEM: \p out could not take the message; the
 *    state is unchanged, so the same call can be retried;
 *  - #MW_E_ARG: NULL \p s or \p out, or NULL \p in with \p in_len > 0.
 *  After #MW_E_AUTH, #MW_E_SYNTAX, #MW_E_UNSUPPORTED and #MW_E_LIMIT the
 *  object is finished and its secrets are already wiped.
 */
MW_API mw_status mw_sasl_step(mw_sasl *s, const void *in, size_t in_len,
                              mw_buf *out);

/**
 * \brief Client: the server reported success; check that the mechanism
 *        agrees.
 * \param s The client exchange.
 * \param extra "Additional data with success" (RFC 4422 section 3.6) when
 *        the protocol carried it, decoded; NULL only when \p extra_len is
 *        0. SCRAM verifies a server-final message found here.
 * \param extra_len Its length; 0 when there was none.
 * \return #MW_OK; #MW_E_AUTH when SCRAM's server signature is missing or
 *         wrong (a server that does not know the password must not be
 *         believed); #MW_E_SYNTAX for malformed \p extra; #MW_E_STATE if
 *         the client has not sent anything yet or already failed;
 *         #MW_E_ARG.
 */
MW_API mw_status mw_sasl_client_success(mw_sasl *s, const void *extra,
                                        size_t extra_len);

/**
 * \brief Client: the error the server sent inside the mechanism (the
 *        JSON of XOAUTH2/OAUTHBEARER, the "e=" value of SCRAM).
 * \param s The client exchange.
 * \param error Receives a view valid until mw_sasl_free().
 * \return #MW_OK; #MW_E_STATE when the server sent no such error;
 *         #MW_E_ARG.
 */
MW_API mw_status mw_sasl_client_error(const mw_sasl *s, mw_span *error);

/**
 * \brief Server: who the client claims to be (after #MW_NEED_MORE) or is
 *        (after #MW_DONE).
 *
 * authcid is the user name (empty for EXTERNAL and OAUTHBEARER, whose
 * identity lies outside the mechanism: the TLS certificate, the token);
 * authzid is the identity to act as, empty when the client sent none.
 * SCRAM names are returned with their "=2C"/"=3D" escapes decoded.
 * \param s The server exchange.
 * \param authcid Receives a view valid until mw_sasl_free(); may be NULL.
 * \param authzid Receives a view valid until mw_sasl_free(); may be NULL.
 * \return #MW_OK; #MW_E_STATE before the client named itself, or after a
 *         failure; #MW_E_ARG.
 */
MW_API mw_status mw_sasl_server_identity(const mw_sasl *s, mw_span *authcid,
                                         mw_span *authzid);

/**
 * \brief Server: the secret the client sent, for the application to check
 *        itself: the password of PLAIN and LOGIN, the bearer token of
 *        XOAUTH2 and OAUTHBEARER.
 * \param s The server exchange, after #MW_NEED_MORE.
 * \param secret Receives a view valid until the next call on \p s (the
 *        secret is wiped when the exchange moves on).
 * \return #MW_OK; #MW_E_STATE for other mechanisms or outside
 *         #MW_NEED_MORE; #MW_E_ARG.
 */
MW_API mw_status mw_sasl_server_secret(const mw_sasl *s, mw_span *secret);

/**
 * \brief Server: the stored password of the user (PLAIN, LOGIN, CRAM-MD5);
 *        the mechanism compares in constant time. Copied, wiped after use.
 * \return #MW_OK; #MW_E_STATE (other mechanism, or not after
 *         #MW_NEED_MORE); #MW_E_ARG; #MW_E_NOMEM.
 */
MW_API mw_status mw_sasl_server_set_password(mw_sasl *s, const void *password,
                                             size_t password_len);

/**
 * \brief Server: the user's SCRAM credentials (RFC 5802 section 3), as
 *        made by mw_scram_derive_keys(). Copied, wiped after use.
 *
 * To hide whether a user exists, give an unknown user made-up credentials
 * (a fixed per-user fake salt): the exchange then fails at the proof.
 * \param s The server exchange, after #MW_NEED_MORE.
 * \param salt The salt; at least 1 byte, at most 1024.
 * \param salt_len Its length.
 * \param iterations The iteration count, at least 1.
 * \param stored_key StoredKey, \p key_len bytes.
 * \param server_key ServerKey, \p key_len bytes.
 * \param key_len The digest length of the mechanism's hash (20 or 32).
 * \return #MW_OK; #MW_E_STATE (not SCRAM, or not after #MW_NEED_MORE);
 *         #MW_E_ARG (bad lengths, NULL pointers, 0 iterations);
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_sasl_server_set_scram(mw_sasl *s, const void *salt,
                                          size_t salt_len, uint32_t iterations,
                                          const uint8_t *stored_key,
                                          const uint8_t *server_key,
                                          size_t key_len);

/**
 * \brief Server: the application's own decision about the client.
 *
 * \p accepted 1 accepts (PLAIN/LOGIN after checking the password itself,
 * OAuth after validating the token, EXTERNAL after matching the TLS
 * identity); 0 refuses (any mechanism, e.g. an unknown user). CRAM-MD5 and
 * SCRAM cannot be accepted this way: only the mechanism can check them.
 * A refused OAuth token makes the next step send the error challenge; the
 * step after that fails with #MW_E_AUTH, as RFC 7628 requires.
 * \return #MW_OK; #MW_E_STATE (not after #MW_NEED_MORE); #MW_E_ARG
 *         (\p accepted not 0 or 1, or 1 for CRAM-MD5/SCRAM).
 */
MW_API mw_status mw_sasl_server_set_verdict(mw_sasl *s, int accepted);

/**
 * \brief Derive the SCRAM server credentials from a password, for
 *        provisioning (RFC 5802 section 3).
 *
 * SaltedPassword = PBKDF2(password, salt, iterations);
 * StoredKey = H(HMAC(SaltedPassword, "Client Key"));
 * ServerKey = HMAC(SaltedPassword, "Server Key").
 * \param alg #MW_HASH_SHA1 (SCRAM-SHA-1) or #MW_HASH_SHA256 (SCRAM-SHA-256).
 * \param password The password; NULL only when \p password_len is 0.
 * \param password_len Its length.
 * \param salt The salt; NULL only when \p salt_len is 0.
 * \param salt_len Its length.
 * \param iterations The iteration count, at least 1.
 * \param stored_key Receives StoredKey.
 * \param server_key Receives ServerKey.
 * \param key_len Room in each output; must equal mw_hash_len(\p alg).
 * \return #MW_OK; #MW_E_ARG (other algorithm, wrong \p key_len, 0
 *         iterations, NULL pointers). Intermediate secrets are wiped.
 */
MW_API mw_status mw_scram_derive_keys(mw_hash_alg alg, const void *password,
                                      size_t password_len, const void *salt,
                                      size_t salt_len, uint32_t iterations,
                                      uint8_t *stored_key, uint8_t *server_key,
                                      size_t key_len);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_SASL_H */
