/**
 * \file hash.h
 * \brief MD5 (RFC 1321), SHA-1 and SHA-256 (FIPS 180-4), HMAC (RFC 2104)
 *        and PBKDF2 (RFC 8018) for SASL mechanisms and tools.
 *
 * Plain portable C: byte order is handled explicitly, so the digests are
 * the same on every platform. Contexts are caller-allocated structs with
 * private fields; nothing here touches the heap. Any chunking of the same
 * input gives the same digest.
 *
 * MD5 and SHA-1 are here only because CRAM-MD5 and SCRAM-SHA-1 require
 * them; do not use them for new designs.
 */
#ifndef MAILWIRE_HASH_H
#define MAILWIRE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Length in bytes of an MD5 digest. */
#define MW_MD5_LEN 16
/** \brief Length in bytes of a SHA-1 digest. */
#define MW_SHA1_LEN 20
/** \brief Length in bytes of a SHA-256 digest. */
#define MW_SHA256_LEN 32
/** \brief Largest digest length of any #mw_hash_alg. */
#define MW_HASH_MAX_LEN 32
/** \brief Input block length shared by MD5, SHA-1 and SHA-256. */
#define MW_HASH_BLOCK_LEN 64

/** \brief MD5 context (private fields). */
typedef struct mw_md5 {
    uint32_t state[4];              /**< Chaining variables A, B, C, D. */
    uint64_t count;                 /**< Bytes absorbed so far. */
    uint8_t buf[MW_HASH_BLOCK_LEN]; /**< Partial block awaiting input. */
} mw_md5;

/** \brief SHA-1 context (private fields). */
typedef struct mw_sha1 {
    uint32_t state[5];              /**< Chaining variables H0..H4. */
    uint64_t count;                 /**< Bytes absorbed so far. */
    uint8_t buf[MW_HASH_BLOCK_LEN]; /**< Partial block awaiting input. */
} mw_sha1;

/** \brief SHA-256 context (private fields). */
typedef struct mw_sha256 {
    uint32_t state[8];              /**< Chaining variables H0..H7. */
    uint64_t count;                 /**< Bytes absorbed so far. */
    uint8_t buf[MW_HASH_BLOCK_LEN]; /**< Partial block awaiting input. */
} mw_sha256;

/**
 * \brief Start an MD5 digest.
 * \param c Context to (re)initialise; must not be NULL.
 */
MW_API void mw_md5_init(mw_md5 *c);

/**
 * \brief Absorb \p len bytes of \p data.
 * \param c An initialised context.
 * \param data The bytes; may be NULL only when \p len is 0.
 * \param len Number of bytes.
 */
MW_API void mw_md5_update(mw_md5 *c, const void *data, size_t len);

/**
 * \brief Finish the digest, write it to \p out and wipe \p c.
 *
 * \p c must be initialised again before reuse.
 * \param c An initialised context.
 * \param out Receives the #MW_MD5_LEN-byte digest.
 */
MW_API void mw_md5_final(mw_md5 *c, uint8_t out[MW_MD5_LEN]);

/**
 * \brief Start a SHA-1 digest.
 * \param c Context to (re)initialise; must not be NULL.
 */
MW_API void mw_sha1_init(mw_sha1 *c);

/**
 * \brief Absorb \p len bytes of \p data.
 * \param c An initialised context.
 * \param data The bytes; may be NULL only when \p len is 0.
 * \param len Number of bytes.
 */
MW_API void mw_sha1_update(mw_sha1 *c, const void *data, size_t len);

/**
 * \brief Finish the digest, write it to \p out and wipe \p c.
 *
 * \p c must be initialised again before reuse.
 * \param c An initialised context.
 * \param out Receives the #MW_SHA1_LEN-byte digest.
 */
MW_API void mw_sha1_final(mw_sha1 *c, uint8_t out[MW_SHA1_LEN]);

/**
 * \brief Start a SHA-256 digest.
 * \param c Context to (re)initialise; must not be NULL.
 */
MW_API void mw_sha256_init(mw_sha256 *c);

/**
 * \brief Absorb \p len bytes of \p data.
 *
 * Whole 64-byte blocks are compressed straight from \p data without
 * copying, so large updates run at full speed.
 * \param c An initialised context.
 * \param data The bytes; may be NULL only when \p len is 0.
 * \param len Number of bytes.
 */
MW_API void mw_sha256_update(mw_sha256 *c, const void *data, size_t len);

/**
 * \brief Finish the digest, write it to \p out and wipe \p c.
 *
 * \p c must be initialised again before reuse.
 * \param c An initialised context.
 * \param out Receives the #MW_SHA256_LEN-byte digest.
 */
MW_API void mw_sha256_final(mw_sha256 *c, uint8_t out[MW_SHA256_LEN]);

/** \brief Hash algorithm selector for the generic, HMAC and PBKDF2 calls. */
typedef enum mw_hash_alg {
    MW_HASH_MD5 = 1,   /**< MD5, 16-byte digest. */
    MW_HASH_SHA1 = 2,  /**< SHA-1, 20-byte digest. */
    MW_HASH_SHA256 = 3 /**< SHA-256, 32-byte digest. */
} mw_hash_alg;

/**
 * \brief Digest length of \p alg in bytes.
 * \return #MW_MD5_LEN, #MW_SHA1_LEN or #MW_SHA256_LEN; 0 for an unknown
 *         algorithm.
 */
MW_API size_t mw_hash_len(mw_hash_alg alg);

/**
 * \brief One-shot digest of \p len bytes of \p data.
 * \param alg The algorithm.
 * \param data The bytes; may be NULL only when \p len is 0.
 * \param len Number of bytes.
 * \param out Receives exactly mw_hash_len(\p alg) bytes.
 * \param out_len Room at \p out.
 * \return #MW_OK, or #MW_E_ARG (unknown \p alg, \p out NULL, \p out_len
 *         below the digest length, or \p data NULL with \p len > 0);
 *         nothing is written on error.
 */
MW_API mw_status mw_hash(mw_hash_alg alg, const void *data, size_t len,
                         uint8_t *out, size_t out_len);

/** \brief Storage for any one of the hash contexts (private fields). */
typedef union mw_hash_ctx {
    mw_md5 md5;       /**< Used when the algorithm is #MW_HASH_MD5. */
    mw_sha1 sha1;     /**< Used when the algorithm is #MW_HASH_SHA1. */
    mw_sha256 sha256; /**< Used when the algorithm is #MW_HASH_SHA256. */
} mw_hash_ctx;

/**
 * \brief HMAC context for any #mw_hash_alg (private fields).
 *
 * Holds key-derived secrets; mw_hmac_final() wipes it.
 */
typedef struct mw_hmac {
    mw_hash_ctx inner;               /**< Inner hash, keyed with ipad. */
    uint8_t opad[MW_HASH_BLOCK_LEN]; /**< Key XOR 0x5c for the outer hash. */
    uint32_t alg;                    /**< The #mw_hash_alg; 0 when unset. */
} mw_hmac;

/**
 * \brief Start an HMAC (RFC 2104) with \p key.
 *
 * Keys longer than 64 bytes are hashed first, as the RFC requires. The
 * key is not retained beyond the derived pads.
 * \param h Context to initialise; must not be NULL.
 * \param alg The underlying hash.
 * \param key The key; may be NULL only when \p key_len is 0.
 * \param key_len Key length in bytes (0 is allowed).
 * \return #MW_OK, or #MW_E_ARG (\p h NULL, unknown \p alg, or \p key NULL
 *         with \p key_len > 0); on error \p h (if not NULL) is wiped so
 *         that mw_hmac_final() on it also fails.
 */
MW_API mw_status mw_hmac_init(mw_hmac *h, mw_hash_alg alg, const void *key,
                              size_t key_len);

/**
 * \brief Absorb \p len bytes of \p data into the MAC.
 *
 * Does nothing on a context whose mw_hmac_init() failed.
 * \param h A context initialised by mw_hmac_init().
 * \param data The bytes; may be NULL only when \p len is 0.
 * \param len Number of bytes.
 */
MW_API void mw_hmac_update(mw_hmac *h, const void *data, size_t len);

/**
 * \brief Finish the MAC, write it to \p out and wipe \p h.
 *
 * \p h is wiped on every return, success or error, so secrets never
 * linger; initialise it again before reuse. Callers that need a
 * truncated MAC (e.g. HMAC-SHA-256-128) take a prefix of the full output.
 * \param h A context initialised by mw_hmac_init().
 * \param out Receives exactly mw_hash_len() bytes of the context's
 *        algorithm.
 * \param out_len Room at \p out.
 * \return #MW_OK, or #MW_E_ARG (\p h NULL or not initialised, \p out NULL,
 *         or \p out_len below the digest length); nothing is written to
 *         \p out on error.
 */
MW_API mw_status mw_hmac_final(mw_hmac *h, uint8_t *out, size_t out_len);

/**
 * \brief One-shot HMAC of \p data under \p key.
 * \param alg The underlying hash.
 * \param key The key; may be NULL only when \p key_len is 0.
 * \param key_len Key length in bytes.
 * \param data The message; may be NULL only when \p len is 0.
 * \param len Message length in bytes.
 * \param out Receives exactly mw_hash_len(\p alg) bytes.
 * \param out_len Room at \p out.
 * \return #MW_OK, or #MW_E_ARG (unknown \p alg, a NULL pointer with a
 *         non-zero length, \p out NULL, or \p out_len below the digest
 *         length); nothing is written on error.
 */
MW_API mw_status mw_hmac_oneshot(mw_hash_alg alg, const void *key,
                                 size_t key_len, const void *data, size_t len,
                                 uint8_t *out, size_t out_len);

/**
 * \brief PBKDF2 (RFC 8018 section 5.2) with HMAC-\p alg as the PRF.
 *
 * This is SCRAM's Hi() function (RFC 5802 section 2.2). Its cost is two
 * compressions per iteration per output block.
 * \param alg The hash inside HMAC.
 * \param password The password (HMAC key); may be NULL only when
 *        \p password_len is 0.
 * \param password_len Password length in bytes.
 * \param salt The salt; may be NULL only when \p salt_len is 0.
 * \param salt_len Salt length in bytes.
 * \param iterations Iteration count, at least 1.
 * \param out Receives exactly \p out_len bytes of derived key.
 * \param out_len Derived key length (dkLen), at least 1.
 * \return #MW_OK, or #MW_E_ARG (unknown \p alg, \p iterations 0, \p out
 *         NULL, \p out_len 0 or longer than (2^32 - 1) digests, or a NULL
 *         pointer with a non-zero length); nothing is written on error.
 */
MW_API mw_status mw_pbkdf2_hmac(mw_hash_alg alg, const void *password,
                                size_t password_len, const void *salt,
                                size_t salt_len, uint32_t iterations,
                                uint8_t *out, size_t out_len);

/**
 * \brief Lowercase hexadecimal encoding.
 * \param in The bytes; may be NULL only when \p len is 0.
 * \param len Number of bytes.
 * \param out Receives exactly 2 * \p len characters, without a NUL.
 */
MW_API void mw_hex_encode(const uint8_t *in, size_t len, char *out);

/**
 * \brief Compare two byte strings in time that depends only on \p len.
 *
 * For checking MACs and proofs without leaking where they differ.
 * \param a First string; may be NULL only when \p len is 0.
 * \param b Second string; may be NULL only when \p len is 0.
 * \param len Bytes to compare.
 * \return 1 if the \p len bytes are equal (also when \p len is 0), else 0.
 */
MW_API int mw_memeq_consttime(const void *a, const void *b, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_HASH_H */
