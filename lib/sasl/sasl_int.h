/* Private state and helpers shared by the SASL mechanism files. */
#ifndef MW_SASL_INT_H
#define MW_SASL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/sasl.h"
#include "mw_int.h"

/* Longest peer message accepted by either side. */
#define MWI_SASL_INPUT_MAX 8192u
/* Longest salt a SCRAM server hands out or a client accepts (decoded). */
#define MWI_SASL_SALT_MAX 1024u

/* Bytes owned by the object: allocated to the exact length, never
 * reallocated (no stray copies of secrets), wiped before freeing. */
typedef struct mwi_bytes {
    uint8_t *ptr;
    size_t len;
} mwi_bytes;

/* Life cycle common to every mechanism; the mechanism's own progress is in
 * mw_sasl.phase. */
enum {
    MWI_ST_INIT = 0, /* nothing exchanged yet */
    MWI_ST_RUN,      /* exchanging messages */
    MWI_ST_NEED,     /* server: waiting for a credential */
    MWI_ST_DONE,     /* finished successfully */
    MWI_ST_FAILED    /* finished with an error */
};

/* What the application supplied in MWI_ST_NEED. */
enum {
    MWI_CRED_NONE = 0,
    MWI_CRED_PASSWORD,
    MWI_CRED_SCRAM,
    MWI_CRED_ACCEPT,
    MWI_CRED_REJECT
};

struct mw_sasl {
    const mw_allocator *a;
    uint8_t server;
    uint8_t mech;
    uint8_t state;
    uint8_t phase;
    uint8_t cred;
    uint8_t identified; /* server: authcid/authzid are known */
    uint32_t flags;
    uint32_t port;
    uint32_t max_iterations;
    uint32_t iterations;
    /* Identities: the client's own, or what the server was told. */
    mwi_bytes authcid;
    mwi_bytes authzid;
    /* Client: own password / token. Server: the stored password. */
    mwi_bytes password;
    mwi_bytes token;
    mwi_bytes host;
    /* Server: the password or token the client sent. */
    mwi_bytes peer_secret;
    /* Nonce text: SCRAM client nonce or server part, CRAM local part. */
    mwi_bytes nonce;
    mwi_bytes hostname;
    mwi_bytes oauth_error;
    /* Client: error the server sent (OAuth JSON, SCRAM e=). */
    mwi_bytes error;
    /* CRAM-MD5 challenge; SCRAM client-first-bare and server-first. */
    mwi_bytes challenge;
    mwi_bytes first_bare;
    mwi_bytes server_first;
    mwi_bytes gs2_header;
    mwi_bytes full_nonce;
    mwi_bytes salt;
    /* Server: the client's CRAM digest or SCRAM keys. Client: the expected
     * SCRAM server signature. */
    uint8_t key1[MW_HASH_MAX_LEN];
    uint8_t key2[MW_HASH_MAX_LEN];
};

/* ---- owned bytes -------------------------------------------------------- */

/* Replace *dst with a copy of src; on MW_E_NOMEM *dst is unchanged. */
mw_status mwi_bytes_set(mw_sasl *s, mwi_bytes *dst, const void *src,
                        size_t len);
/* Wipe and free a block (NULL is fine): every block of the object is
 * wiped, secret or not, so nothing is left to judge. */
void mwi_sasl_release(mw_sasl *s, void *p, size_t len);
/* Wipe and free. */
void mwi_bytes_clear(mw_sasl *s, mwi_bytes *b);
mw_span mwi_bytes_span(const mwi_bytes *b);

/* Wipe every secret the exchange no longer needs once it is finished. */
void mwi_sasl_wipe_secrets(mw_sasl *s);

/* ---- small parsing helpers --------------------------------------------- */

int mwi_sasl_has_byte(const void *p, size_t len, uint8_t byte);
/* Position of the first \p byte at or after \p from, or \p len. */
size_t mwi_sasl_find(const uint8_t *p, size_t len, size_t from, uint8_t byte);
/* Appends every piece after one reservation: all or nothing. */
mw_status mwi_sasl_emit(mw_buf *out, const mw_span *pieces, size_t n);
/* Base64 (padded) of \p len bytes into \p dst, which has room for
 * 4 * ((len + 2) / 3) bytes; returns the length written. */
size_t mwi_sasl_b64(const uint8_t *in, size_t len, char *dst);
/* Strict base64 decode into dst of dst_cap bytes: MW_OK or MW_E_SYNTAX. */
mw_status mwi_sasl_unb64(const uint8_t *in, size_t len, uint8_t *dst,
                         size_t dst_cap, size_t *dst_len);
/* Store \p name with RFC 5802 saslname escapes ("," as "=2C", "=" as
 * "=3D"). */
mw_status mwi_sasl_set_escaped(mw_sasl *s, mwi_bytes *dst, mw_span name);
/* Store a saslname with its escapes decoded: MW_E_SYNTAX for a NUL, a ","
 * or an "=" that starts no escape. */
mw_status mwi_sasl_set_unescaped(mw_sasl *s, mwi_bytes *dst, const uint8_t *p,
                                 size_t len);
/* Constant-time equality of two secrets of possibly different lengths. */
int mwi_sasl_secret_eq(const mwi_bytes *a, const mwi_bytes *b);
/* Nonce text from caller random bytes or verbatim text (config flag). */
mw_status mwi_sasl_make_nonce(mw_sasl *s, mw_span random);
/* Hash of the SCRAM mechanism, 0 for others. */
mw_hash_alg mwi_sasl_scram_alg(uint8_t mech);

/* ---- mechanism entry points (one family per file) ---------------------- */

/* Client: produce the next response from a challenge. In MWI_ST_INIT the
 * challenge is the (empty) first one. */
mw_status mwi_sasl_simple_client(mw_sasl *s, const uint8_t *in, size_t len,
                                 mw_buf *out);
mw_status mwi_sasl_cram_client(mw_sasl *s, const uint8_t *in, size_t len,
                               mw_buf *out);
mw_status mwi_sasl_oauth_client(mw_sasl *s, const uint8_t *in, size_t len,
                                mw_buf *out);
mw_status mwi_sasl_scram_client(mw_sasl *s, const uint8_t *in, size_t len,
                                mw_buf *out);
mw_status mwi_sasl_scram_client_final(mw_sasl *s, const uint8_t *in,
                                      size_t len);

/* Server: take a client message (has_in 0: start without initial
 * response) or, in MWI_ST_NEED, resume with the credential. */
mw_status mwi_sasl_simple_server(mw_sasl *s, const uint8_t *in, size_t len,
                                 int has_in, mw_buf *out);
mw_status mwi_sasl_cram_server(mw_sasl *s, const uint8_t *in, size_t len,
                               int has_in, mw_buf *out);
mw_status mwi_sasl_oauth_server(mw_sasl *s, const uint8_t *in, size_t len,
                                int has_in, mw_buf *out);
mw_status mwi_sasl_scram_server(mw_sasl *s, const uint8_t *in, size_t len,
                                int has_in, mw_buf *out);

/* Per-mechanism client configuration checks and copies. */
mw_status mwi_sasl_scram_client_init(mw_sasl *s,
                                     const mw_sasl_client_config *cfg);

#endif /* MW_SASL_INT_H */
