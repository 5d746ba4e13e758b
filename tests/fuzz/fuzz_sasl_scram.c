/* SCRAM on arbitrary peer messages, both sides, plus an honest round trip.
 *
 * Input: one selector byte, then two messages separated by the first LF.
 *  - selector & 3 == 0: server side; the messages are client-first and
 *    client-final;
 *  - selector & 3 == 1: client side; they are server-first and
 *    server-final;
 *  - otherwise: an honest client and server with user, authzid and
 *    password taken from the two messages must authenticate each other
 *    and agree on the identity.
 * Selector bit 2 picks SCRAM-SHA-256 over SCRAM-SHA-1. */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/sasl.h"

#define ITERATIONS 2
#define SALT "fuzz-salt"

static const uint8_t rnd[16] = "0123456789abcdef";

static int is_error(mw_status st)
{
    return st == MW_E_SYNTAX || st == MW_E_AUTH || st == MW_E_UNSUPPORTED ||
           st == MW_E_LIMIT;
}

static int starts_with(const mw_buf *b, const char *prefix)
{
    size_t n = strlen(prefix);
    return b->len >= n && memcmp(b->data, prefix, n) == 0;
}

static void server_side(mw_sasl_mech mech, const uint8_t *m1, size_t n1,
                        const uint8_t *m2, size_t n2)
{
    mw_sasl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = mech;
    cfg.random.ptr = (const char *)rnd;
    cfg.random.len = sizeof(rnd);
    mw_sasl *s = NULL;
    FUZZ_CHECK(mw_sasl_server_new(&cfg, NULL, &s) == MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_sasl_server_start(s, m1, n1, 1, &out);
    FUZZ_CHECK(st == MW_NEED_MORE || is_error(st));
    FUZZ_CHECK(out.len == 0);
    if (st == MW_NEED_MORE) {
        mw_span c, z;
        FUZZ_CHECK(mw_sasl_server_identity(s, &c, &z) == MW_OK);
        FUZZ_CHECK(c.len > 0 && memchr(c.ptr, 0, c.len) == NULL);
        mw_hash_alg alg =
            mech == MW_SASL_SCRAM_SHA_1 ? MW_HASH_SHA1 : MW_HASH_SHA256;
        size_t hlen = mw_hash_len(alg);
        uint8_t stored[MW_HASH_MAX_LEN], skey[MW_HASH_MAX_LEN];
        FUZZ_CHECK(mw_scram_derive_keys(alg, "pw", 2, SALT, strlen(SALT),
                                        ITERATIONS, stored, skey,
                                        hlen) == MW_OK);
        FUZZ_CHECK(mw_sasl_server_set_scram(s, SALT, strlen(SALT), ITERATIONS,
                                            stored, skey, hlen) == MW_OK);
        st = mw_sasl_step(s, NULL, 0, &out);
        FUZZ_CHECK(st == MW_OK && starts_with(&out, "r="));
        mw_buf_clear(&out);
        st = mw_sasl_step(s, m2, n2, &out);
        FUZZ_CHECK(st == MW_OK || is_error(st));
        FUZZ_CHECK(st == MW_OK ? starts_with(&out, "v=") : out.len == 0);
        if (st == MW_OK)
            FUZZ_CHECK(mw_sasl_step(s, NULL, 0, &out) == MW_DONE);
    }
    FUZZ_CHECK(mw_sasl_step(s, NULL, 0, &out) == MW_E_STATE);
    mw_buf_free(&out);
    mw_sasl_free(s);
}

static void client_side(mw_sasl_mech mech, const uint8_t *m1, size_t n1,
                        const uint8_t *m2, size_t n2)
{
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = mech;
    cfg.authcid.ptr = "user";
    cfg.authcid.len = 4;
    cfg.password.ptr = "pencil";
    cfg.password.len = 6;
    cfg.random.ptr = (const char *)rnd;
    cfg.random.len = sizeof(rnd);
    cfg.max_iterations = 16; /* keep PBKDF2 cheap */
    mw_sasl *s = NULL;
    FUZZ_CHECK(mw_sasl_client_new(&cfg, NULL, &s) == MW_OK);
    mw_buf out;
    int has_ir = 0;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_sasl_client_start(s, &out, &has_ir) == MW_OK && has_ir);
    mw_buf_clear(&out);
    mw_status st = mw_sasl_step(s, m1, n1, &out);
    FUZZ_CHECK(st == MW_OK || is_error(st));
    FUZZ_CHECK(st == MW_OK ? starts_with(&out, "c=biws,r=") : out.len == 0);
    if (st == MW_OK) {
        mw_buf_clear(&out);
        /* Nobody without the password can forge the signature. */
        st = mw_sasl_step(s, m2, n2, &out);
        FUZZ_CHECK(is_error(st) && out.len == 0);
        FUZZ_CHECK(mw_sasl_client_success(s, NULL, 0) == MW_E_STATE);
    }
    mw_buf_free(&out);
    mw_sasl_free(s);
}

static void round_trip(mw_sasl_mech mech, const uint8_t *m1, size_t n1,
                       const uint8_t *m2, size_t n2)
{
    /* m1 = user [NUL authzid]; m2 = password. */
    const uint8_t *nul = n1 ? memchr(m1, 0, n1) : NULL;
    size_t user_len = nul ? (size_t)(nul - m1) : n1;
    mw_sasl_client_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.size = sizeof(cc);
    cc.mech = mech;
    cc.authcid.ptr = (const char *)m1;
    cc.authcid.len = user_len;
    if (nul) {
        cc.authzid.ptr = (const char *)nul + 1;
        cc.authzid.len = n1 - user_len - 1;
    }
    cc.password.ptr = (const char *)m2;
    cc.password.len = n2;
    cc.random.ptr = (const char *)rnd;
    cc.random.len = sizeof(rnd);
    mw_sasl *c = NULL, *s = NULL;
    mw_status st = mw_sasl_client_new(&cc, NULL, &c);
    if (st != MW_OK) {
        /* Only empty fields or a NUL inside a name are refused. */
        FUZZ_CHECK(st == MW_E_ARG);
        FUZZ_CHECK(user_len == 0 || n2 == 0 ||
                   (cc.authzid.len > 0 &&
                    memchr(cc.authzid.ptr, 0, cc.authzid.len) != NULL));
        return;
    }
    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.size = sizeof(sc);
    sc.mech = mech;
    sc.random = cc.random;
    FUZZ_CHECK(mw_sasl_server_new(&sc, NULL, &s) == MW_OK);
    mw_buf co, so;
    int has_ir = 0;
    mw_buf_init_growable(&co, NULL, 0);
    mw_buf_init_growable(&so, NULL, 0);
    FUZZ_CHECK(mw_sasl_client_start(c, &co, &has_ir) == MW_OK);
    FUZZ_CHECK(mw_sasl_server_start(s, co.data, co.len, 1, &so) ==
               MW_NEED_MORE);
    mw_span got_user, got_authzid;
    FUZZ_CHECK(mw_sasl_server_identity(s, &got_user, &got_authzid) == MW_OK);
    FUZZ_CHECK(got_user.len == user_len &&
               memcmp(got_user.ptr, m1, user_len) == 0);
    FUZZ_CHECK(got_authzid.len == cc.authzid.len &&
               (cc.authzid.len == 0 ||
                memcmp(got_authzid.ptr, cc.authzid.ptr, cc.authzid.len) == 0));
    mw_hash_alg alg =
        mech == MW_SASL_SCRAM_SHA_1 ? MW_HASH_SHA1 : MW_HASH_SHA256;
    size_t hlen = mw_hash_len(alg);
    uint8_t stored[MW_HASH_MAX_LEN], skey[MW_HASH_MAX_LEN];
    FUZZ_CHECK(mw_scram_derive_keys(alg, m2, n2, SALT, strlen(SALT), ITERATIONS,
                                    stored, skey, hlen) == MW_OK);
    FUZZ_CHECK(mw_sasl_server_set_scram(s, SALT, strlen(SALT), ITERATIONS,
                                        stored, skey, hlen) == MW_OK);
    FUZZ_CHECK(mw_sasl_step(s, NULL, 0, &so) == MW_OK);
    mw_buf_clear(&co);
    FUZZ_CHECK(mw_sasl_step(c, so.data, so.len, &co) == MW_OK);
    mw_buf_clear(&so);
    FUZZ_CHECK(mw_sasl_step(s, co.data, co.len, &so) == MW_OK);
    mw_buf_clear(&co);
    FUZZ_CHECK(mw_sasl_step(c, so.data, so.len, &co) == MW_DONE);
    FUZZ_CHECK(co.len == 0);
    FUZZ_CHECK(mw_sasl_step(s, co.data, co.len, &so) == MW_DONE);
    FUZZ_CHECK(mw_sasl_client_success(c, NULL, 0) == MW_OK);
    mw_buf_free(&co);
    mw_buf_free(&so);
    mw_sasl_free(c);
    mw_sasl_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2048)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *m1 = data + 1;
    size_t rest = size - 1;
    const uint8_t *lf = rest ? memchr(m1, '\n', rest) : NULL;
    size_t n1 = lf ? (size_t)(lf - m1) : rest;
    const uint8_t *m2 = lf ? lf + 1 : m1 + rest;
    size_t n2 = lf ? rest - n1 - 1 : 0;
    mw_sasl_mech mech = (sel & 4) ? MW_SASL_SCRAM_SHA_256 : MW_SASL_SCRAM_SHA_1;
    switch (sel & 3) {
    case 0:
        server_side(mech, m1, n1, m2, n2);
        break;
    case 1:
        client_side(mech, m1, n1, m2, n2);
        break;
    default:
        round_trip(mech, m1, n1, m2, n2);
        break;
    }
    return 0;
}
