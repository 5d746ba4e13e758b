/**
 * \file tls.h
 * \brief TLS transport on OpenSSL, in its own library libmailwire-tls
 *        (pkg-config mailwire-tls, CMake target mailwire::mailwire_tls).
 *
 * libmailwire never links OpenSSL; programs that want TLS link
 * libmailwire-tls as well. One #mw_tls_context holds the settings
 * (certificates, CA, verification) and serves any number of connections.
 * mw_tls_upgrade() turns an existing #mw_transport into a TLS transport in
 * place, which serves both implicit TLS (upgrade right after connect or
 * accept, port 465) and STARTTLS (upgrade when the session wants
 * #MW_WANT_TLS). Everything is non-blocking: a handshake, read or write
 * that needs the network returns #MW_E_WOULDBLOCK and mw_transport_wants()
 * tells whether to wait for readability or writability.
 *
 * Security defaults: TLS 1.2 or newer; a client verifies the certificate
 * chain and the host name unless the context was made with
 * #MW_TLS_INSECURE.
 */
#ifndef MAILWIRE_TLS_H
#define MAILWIRE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief #mw_tls_config role: the connecting side. */
#define MW_TLS_CLIENT 0
/** \brief #mw_tls_config role: the accepting side. */
#define MW_TLS_SERVER 1

/** \brief #mw_tls_config flag (client): skip certificate chain and host
 *         name verification. Only for tests and explicit user opt-in. */
#define MW_TLS_INSECURE 0x1u

/** \brief #mw_tls_config flag (server): ask for a client certificate and
 *         refuse the handshake without one that the configured CA (ca_file,
 *         ca_dir or ca_pem; required) vouches for. */
#define MW_TLS_REQUIRE_CLIENT_CERT 0x2u

/**
 * \brief Settings of a TLS context. Zero-fill, then set \c size and what
 *        you need. Strings are NUL-terminated and only read during
 *        mw_tls_context_new().
 *
 * A client without \c ca_file, \c ca_dir and \c ca_pem trusts the system's
 * default CA store. A server needs a certificate and key (file or PEM).
 * A client may present a certificate the same way.
 */
typedef struct mw_tls_config {
    uint32_t size;         /**< sizeof(mw_tls_config). */
    int role;              /**< #MW_TLS_CLIENT or #MW_TLS_SERVER. */
    uint32_t flags;        /**< #MW_TLS_INSECURE,
                                #MW_TLS_REQUIRE_CLIENT_CERT or 0. */
    const char *ca_file;   /**< PEM file of trusted CA certificates. */
    const char *ca_dir;    /**< Hashed directory of CA certificates. */
    const char *ca_pem;    /**< Trusted CA certificates, PEM text. */
    const char *cert_file; /**< Certificate chain file (PEM, leaf first). */
    const char *key_file;  /**< Private key file (PEM). */
    const char *cert_pem;  /**< Certificate chain, PEM text (leaf first). */
    const char *key_pem;   /**< Private key, PEM text. */
} mw_tls_config;

/** \brief Opaque TLS context (an OpenSSL SSL_CTX and its settings). */
typedef struct mw_tls_context mw_tls_context;

/**
 * \brief Make a TLS context.
 * \param cfg The settings.
 * \param allocator Allocator for mailwire's own structures (NULL: libc);
 *        OpenSSL allocates its own memory. Must outlive the context.
 * \param out Receives the context.
 * \param errbuf Optional; receives a NUL-terminated reason on failure
 *        (OpenSSL's error text, e.g. a file that cannot be read).
 * \param errcap Size of \p errbuf.
 * \return #MW_OK, #MW_E_ARG (NULL \p cfg or \p out, unknown role, a server
 *         without certificate or key, a key without certificate,
 *         #MW_TLS_REQUIRE_CLIENT_CERT without a CA),
 *         #MW_E_TLS (OpenSSL refused a file, PEM text or setting),
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_tls_context_new(const mw_tls_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_tls_context **out, char *errbuf,
                                    size_t errcap);

/**
 * \brief Free a context. Connections made from it stay usable (OpenSSL
 *        counts references). NULL is a no-op.
 */
MW_API void mw_tls_context_free(mw_tls_context *ctx);

/**
 * \brief Turn \p t into a TLS transport, in place.
 *
 * \p t keeps its address; its former vtable and context become the
 * transport the TLS records travel over, and mw_transport_close() closes
 * both. Nothing is sent yet: call mw_transport_handshake() until it returns
 * #MW_OK (or let mw_net_run() do it), or just start reading and writing.
 * Bytes already received in plaintext are not looked at: whatever the
 * caller buffered before the upgrade must be discarded by the caller.
 * \param t The plain transport.
 * \param ctx The context (client or server).
 * \param peer_name Client: the host name (SNI and verification) or IP
 *        address (verification only) the certificate must match; required
 *        unless the context is #MW_TLS_INSECURE. Server: ignored (NULL).
 * \return #MW_OK, #MW_E_ARG (NULL \p t or \p ctx, missing \p peer_name, or
 *         \p t is already TLS), #MW_E_TLS, #MW_E_NOMEM. On failure \p t is
 *         unchanged.
 */
MW_API mw_status mw_tls_upgrade(mw_transport *t, mw_tls_context *ctx,
                                const char *peer_name);

/**
 * \brief Whether \p t is a TLS transport made by mw_tls_upgrade().
 * \return 1 or 0.
 */
MW_API int mw_tls_is_tls(const mw_transport *t);

/**
 * \brief The negotiated protocol version ("TLSv1.3").
 * \return A static string, or NULL when \p t is not TLS or the handshake
 *         has not completed.
 */
MW_API const char *mw_tls_version(const mw_transport *t);

/**
 * \brief The negotiated cipher suite ("TLS_AES_256_GCM_SHA384").
 * \return A static string, or NULL when \p t is not TLS or the handshake
 *         has not completed.
 */
MW_API const char *mw_tls_cipher(const mw_transport *t);

/**
 * \brief Why the last TLS operation on \p t failed: the certificate
 *        verification result ("certificate verify failed: hostname
 *        mismatch") or OpenSSL's error text.
 * \return A NUL-terminated string owned by \p t, valid until its next
 *         operation; "" when nothing failed or \p t is not TLS.
 */
MW_API const char *mw_tls_error(const mw_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_TLS_H */
