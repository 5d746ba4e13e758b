/* SASL client and server objects talking to each other in memory for every
 * mechanism: success, wrong credentials, tampering; plus mechanism names
 * and selection, argument and state errors, all-or-nothing output,
 * wiping of secrets and allocation failures. */
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/sasl.h"

#define S(lit) lit, sizeof(lit) - 1

static mw_span cstr(const char *p)
{
    mw_span sp = {p, p ? strlen(p) : 0};
    return sp;
}

static const uint8_t random_bytes[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                         9, 10, 11, 12, 13, 14, 15, 16};

/* ---- the in-memory pump ------------------------------------------------- */

typedef struct pair {
    mw_sasl_mech mech;
    const char *user;
    const char *authzid;
    const char *client_secret; /* password or token */
    const char *server_secret; /* password the server knows / token it takes */
    int tamper_server_final;   /* flip a byte of SCRAM's "v=" */
    const mw_allocator *a;     /* for the objects and the buffers */
    /* results */
    mw_status server_status; /* the server's last result */
    mw_status client_status; /* the client's last failure or success() */
    char identity[64];       /* authcid "|" authzid after MW_DONE */
} pair;

/* Retry a call the allocator refused once: a refused call must leave the
 * object as it was, so the retry must succeed. */
#define RETRY(st, expr)                                                        \
    do {                                                                       \
        int tries_ = 0;                                                        \
        do {                                                                   \
            st = (expr);                                                       \
        } while (st == MW_E_NOMEM && ++tries_ < 3);                            \
    } while (0)

static void fill_client_config(const pair *p, mw_sasl_client_config *c)
{
    memset(c, 0, sizeof(*c));
    c->size = sizeof(*c);
    c->mech = p->mech;
    c->authcid = cstr(p->user);
    c->authzid = cstr(p->authzid);
    if (p->mech == MW_SASL_XOAUTH2 || p->mech == MW_SASL_OAUTHBEARER)
        c->token = cstr(p->client_secret);
    else
        c->password = cstr(p->client_secret);
    c->random.ptr = (const char *)random_bytes;
    c->random.len = sizeof(random_bytes);
    c->host = cstr("imap.example.org");
    c->port = 993;
}

static mw_status supply_credentials(pair *p, mw_sasl *s)
{
    mw_span secret;
    mw_status st;
    switch (p->mech) {
    case MW_SASL_PLAIN:
    case MW_SASL_LOGIN:
    case MW_SASL_CRAM_MD5:
        RETRY(st, mw_sasl_server_set_password(s, p->server_secret,
                                              strlen(p->server_secret)));
        return st;
    case MW_SASL_SCRAM_SHA_1:
    case MW_SASL_SCRAM_SHA_256: {
        mw_hash_alg alg =
            p->mech == MW_SASL_SCRAM_SHA_1 ? MW_HASH_SHA1 : MW_HASH_SHA256;
        size_t n = mw_hash_len(alg);
        uint8_t stored[32], server_key[32];
        st = mw_scram_derive_keys(alg, p->server_secret,
                                  strlen(p->server_secret), "NaCl", 4, 64,
                                  stored, server_key, n);
        if (st != MW_OK)
            return st;
        RETRY(st, mw_sasl_server_set_scram(s, "NaCl", 4, 64, stored, server_key,
                                           n));
        return st;
    }
    case MW_SASL_EXTERNAL: {
        mw_span authzid;
        st = mw_sasl_server_identity(s, NULL, &authzid);
        if (st != MW_OK)
            return st;
        return mw_sasl_server_set_verdict(
            s, authzid.len == 0 ||
                   (authzid.len == 5 && memcmp(authzid.ptr, "admin", 5) == 0));
    }
    default:
        st = mw_sasl_server_secret(s, &secret);
        if (st != MW_OK)
            return st;
        return mw_sasl_server_set_verdict(
            s, secret.len == strlen(p->server_secret) &&
                   memcmp(secret.ptr, p->server_secret, secret.len) == 0);
    }
}

static void record_identity(pair *p, mw_sasl *s)
{
    mw_span c, z;
    if (mw_sasl_server_identity(s, &c, &z) != MW_OK)
        return;
    size_t n = c.len + 1 + z.len;
    if (n >= sizeof(p->identity))
        return;
    if (c.len > 0)
        memcpy(p->identity, c.ptr, c.len);
    p->identity[c.len] = '|';
    if (z.len > 0)
        memcpy(p->identity + c.len + 1, z.ptr, z.len);
    p->identity[n] = 0;
}

static void tamper(pair *p, mw_buf *challenge)
{
    if (p->tamper_server_final && challenge->len > 3 &&
        memcmp(challenge->data, "v=", 2) == 0)
        challenge->data[2] = challenge->data[2] == 'A' ? 'B' : 'A';
}

/* Runs a whole exchange; returns 0, or -1 if something unexpected (not an
 * authentication outcome) happened. */
static int pump(pair *p)
{
    mw_sasl_client_config ccfg;
    mw_sasl_server_config scfg;
    fill_client_config(p, &ccfg);
    memset(&scfg, 0, sizeof(scfg));
    scfg.size = sizeof(scfg);
    scfg.mech = p->mech;
    scfg.random.ptr = (const char *)random_bytes;
    scfg.random.len = sizeof(random_bytes);
    mw_sasl *c = NULL, *s = NULL;
    mw_buf cout, sout;
    mw_buf_init_growable(&cout, p->a, 0);
    mw_buf_init_growable(&sout, p->a, 0);
    p->server_status = p->client_status = MW_E_INTERNAL;
    p->identity[0] = 0;
    int rc = -1;
    mw_status st, cst;
    RETRY(st, mw_sasl_client_new(&ccfg, p->a, &c));
    if (st != MW_OK)
        goto out;
    RETRY(st, mw_sasl_server_new(&scfg, p->a, &s));
    if (st != MW_OK)
        goto out;
    int has_ir = 0;
    RETRY(cst, mw_sasl_client_start(c, &cout, &has_ir));
    if (cst != MW_OK)
        goto out;
    RETRY(st, mw_sasl_server_start(s, cout.data, cout.len, has_ir, &sout));
    mw_buf_clear(&cout);
    for (int round = 0; round < 10; round++) {
        if (st == MW_NEED_MORE) {
            if (supply_credentials(p, s) != MW_OK)
                goto out;
            RETRY(st, mw_sasl_step(s, NULL, 0, &sout));
            continue;
        }
        if (st != MW_OK)
            break;
        tamper(p, &sout);
        RETRY(cst, mw_sasl_step(c, sout.data, sout.len, &cout));
        mw_buf_clear(&sout);
        if (cst != MW_OK && cst != MW_DONE) {
            p->server_status = st;
            p->client_status = cst;
            rc = 0;
            goto out;
        }
        RETRY(st, mw_sasl_step(s, cout.data, cout.len, &sout));
        mw_buf_clear(&cout);
    }
    p->server_status = st;
    if (st == MW_DONE) {
        record_identity(p, s);
        p->client_status = mw_sasl_client_success(c, NULL, 0);
    }
    rc = (st == MW_DONE || st == MW_E_AUTH) ? 0 : -1;
out:
    mw_sasl_free(c);
    mw_sasl_free(s);
    mw_buf_free(&cout);
    mw_buf_free(&sout);
    return rc;
}

static const mw_sasl_mech all_mechs[] = {
    MW_SASL_PLAIN,       MW_SASL_LOGIN,        MW_SASL_CRAM_MD5,
    MW_SASL_XOAUTH2,     MW_SASL_OAUTHBEARER,  MW_SASL_EXTERNAL,
    MW_SASL_SCRAM_SHA_1, MW_SASL_SCRAM_SHA_256};
#define N_MECHS (sizeof(all_mechs) / sizeof(all_mechs[0]))

static pair good_pair(mw_sasl_mech mech)
{
    pair p;
    memset(&p, 0, sizeof(p));
    p.mech = mech;
    p.user = "jane@example.org";
    p.client_secret = p.server_secret = "S3cr3t-Pa55w0rd!";
    if (mech == MW_SASL_EXTERNAL)
        p.user = NULL;
    return p;
}

static const char *expected_identity(mw_sasl_mech mech)
{
    switch (mech) {
    case MW_SASL_EXTERNAL:
        return "|";
    case MW_SASL_OAUTHBEARER:
        return "|jane@example.org";
    default:
        return "jane@example.org|";
    }
}

static void test_every_mechanism_succeeds(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MECHS; i++) {
        pair p = good_pair(all_mechs[i]);
        assert_int_equal(pump(&p), 0);
        if (p.server_status != MW_DONE || p.client_status != MW_OK)
            fail_msg("%s: server %s client %s", mw_sasl_mech_name(p.mech),
                     mw_status_name(p.server_status),
                     mw_status_name(p.client_status));
        assert_string_equal(p.identity, expected_identity(p.mech));
    }
}

static void test_authzid_travels(void **state)
{
    (void)state;
    static const mw_sasl_mech mechs[] = {MW_SASL_PLAIN, MW_SASL_SCRAM_SHA_256,
                                         MW_SASL_SCRAM_SHA_1};
    for (size_t i = 0; i < 3; i++) {
        pair p = good_pair(mechs[i]);
        p.user = "ja,ne=";
        p.authzid = "ad=min,";
        assert_int_equal(pump(&p), 0);
        assert_int_equal(p.server_status, MW_DONE);
        assert_string_equal(p.identity, "ja,ne=|ad=min,");
    }
    pair p = good_pair(MW_SASL_EXTERNAL);
    p.authzid = "admin";
    assert_int_equal(pump(&p), 0);
    assert_int_equal(p.server_status, MW_DONE);
    assert_string_equal(p.identity, "|admin");
    p.authzid = "root";
    assert_int_equal(pump(&p), 0);
    assert_int_equal(p.server_status, MW_E_AUTH);
}

static void test_wrong_secret_fails_on_the_server(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MECHS; i++) {
        if (all_mechs[i] == MW_SASL_EXTERNAL)
            continue;
        pair p = good_pair(all_mechs[i]);
        p.client_secret = "S3cr3t-Pa55w0rd?";
        assert_int_equal(pump(&p), 0);
        if (p.server_status != MW_E_AUTH)
            fail_msg("%s: server %s", mw_sasl_mech_name(p.mech),
                     mw_status_name(p.server_status));
    }
}

static void test_tampered_server_signature_fails_on_the_client(void **state)
{
    (void)state;
    static const mw_sasl_mech mechs[] = {MW_SASL_SCRAM_SHA_1,
                                         MW_SASL_SCRAM_SHA_256};
    for (size_t i = 0; i < 2; i++) {
        pair p = good_pair(mechs[i]);
        p.tamper_server_final = 1;
        assert_int_equal(pump(&p), 0);
        assert_int_equal(p.client_status, MW_E_AUTH);
    }
}

/* ---- names and selection ------------------------------------------------ */

static void test_mechanism_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MECHS; i++) {
        const char *name = mw_sasl_mech_name(all_mechs[i]);
        assert_non_null(name);
        assert_int_equal(mw_sasl_mech_from_name(name, strlen(name)),
                         all_mechs[i]);
    }
    assert_string_equal(mw_sasl_mech_name(MW_SASL_SCRAM_SHA_256),
                        "SCRAM-SHA-256");
    assert_int_equal(mw_sasl_mech_from_name(S("scram-sha-1")),
                     MW_SASL_SCRAM_SHA_1);
    assert_int_equal(mw_sasl_mech_from_name(S("cram-md5")), MW_SASL_CRAM_MD5);
    assert_int_equal(mw_sasl_mech_from_name(S("SCRAM-SHA-1-PLUS")),
                     MW_SASL_NONE);
    assert_int_equal(mw_sasl_mech_from_name(S("PLAI")), MW_SASL_NONE);
    assert_int_equal(mw_sasl_mech_from_name(NULL, 0), MW_SASL_NONE);
    assert_null(mw_sasl_mech_name(MW_SASL_NONE));
    assert_null(mw_sasl_mech_name((mw_sasl_mech)99));
}

static void test_choose_strongest_allowed(void **state)
{
    (void)state;
    static const char ehlo[] = "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 "
                               "SCRAM-SHA-256 XOAUTH2 OAUTHBEARER EXTERNAL";
    assert_int_equal(mw_sasl_choose(S(ehlo), 0), MW_SASL_SCRAM_SHA_256);
    assert_int_equal(mw_sasl_choose(S("login plain cram-md5"), 0),
                     MW_SASL_CRAM_MD5);
    assert_int_equal(mw_sasl_choose(S("LOGIN PLAIN"), 0), MW_SASL_PLAIN);
    assert_int_equal(mw_sasl_choose(S("LOGIN"), 0), MW_SASL_LOGIN);
    /* Token mechanisms and EXTERNAL only when asked for. */
    assert_int_equal(mw_sasl_choose(S("XOAUTH2 OAUTHBEARER EXTERNAL"), 0),
                     MW_SASL_NONE);
    assert_int_equal(mw_sasl_choose(S(ehlo), MW_SASL_MASK_TOKEN),
                     MW_SASL_OAUTHBEARER);
    assert_int_equal(mw_sasl_choose(S("PLAIN XOAUTH2"), MW_SASL_MASK_TOKEN),
                     MW_SASL_XOAUTH2);
    assert_int_equal(mw_sasl_choose(S(ehlo), MW_SASL_MASK_PASSWORD |
                                                 MW_SASL_BIT(MW_SASL_EXTERNAL)),
                     MW_SASL_EXTERNAL);
    /* An IMAP capability list works as it is. */
    assert_int_equal(
        mw_sasl_choose(S("IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=SCRAM-SHA-1 "
                         "IDLE"),
                       0),
        MW_SASL_SCRAM_SHA_1);
    assert_int_equal(mw_sasl_choose(S("SCRAM-SHA-256-PLUS,\tPLAIN\r\n"), 0),
                     MW_SASL_PLAIN);
    assert_int_equal(mw_sasl_choose(S(""), 0), MW_SASL_NONE);
    assert_int_equal(mw_sasl_choose(NULL, 0, 0), MW_SASL_NONE);
    assert_int_equal(mw_sasl_choose(S(ehlo), MW_SASL_BIT(MW_SASL_LOGIN)),
                     MW_SASL_LOGIN);
}

static void test_client_mechs_from_config(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    assert_int_equal(mw_sasl_client_mechs(&c), 0);
    c.authcid = cstr("u");
    c.password = cstr("p");
    assert_int_equal(mw_sasl_client_mechs(&c),
                     MW_SASL_BIT(MW_SASL_PLAIN) | MW_SASL_BIT(MW_SASL_LOGIN) |
                         MW_SASL_BIT(MW_SASL_CRAM_MD5));
    c.random.ptr = (const char *)random_bytes;
    c.random.len = MW_SASL_RANDOM_MIN;
    assert_int_equal(mw_sasl_client_mechs(&c), MW_SASL_MASK_PASSWORD);
    c.token = cstr("t");
    assert_int_equal(mw_sasl_client_mechs(&c),
                     MW_SASL_MASK_PASSWORD | MW_SASL_MASK_TOKEN);
    c.flags = MW_SASL_ALLOW_EXTERNAL;
    c.password.len = 0;
    c.authcid.len = 0;
    assert_int_equal(mw_sasl_client_mechs(&c),
                     MW_SASL_BIT(MW_SASL_OAUTHBEARER) |
                         MW_SASL_BIT(MW_SASL_EXTERNAL));
    c.size = 4;
    assert_int_equal(mw_sasl_client_mechs(&c), 0);
    assert_int_equal(mw_sasl_client_mechs(NULL), 0);
}

/* ---- argument and state errors ------------------------------------------ */

static mw_status try_client(mw_sasl_client_config *c)
{
    mw_sasl *s = (mw_sasl *)&s; /* must be reset to NULL on error */
    mw_status st = mw_sasl_client_new(c, NULL, &s);
    if (st != MW_OK)
        assert_null(s);
    mw_sasl_free(s);
    return st;
}

static void test_client_config_errors(void **state)
{
    (void)state;
    pair p = good_pair(MW_SASL_PLAIN);
    mw_sasl_client_config c;
    fill_client_config(&p, &c);
    assert_int_equal(try_client(&c), MW_OK);
    assert_int_equal(mw_sasl_client_new(NULL, NULL, &(mw_sasl *){NULL}),
                     MW_E_ARG);
    assert_int_equal(mw_sasl_client_new(&c, NULL, NULL), MW_E_ARG);
    c.size = sizeof(c) - 1;
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.size = sizeof(c);
    c.mech = 0;
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.mech = 42;
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.mech = MW_SASL_PLAIN;
    c.password.ptr = "a\0b";
    c.password.len = 3;
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.password = cstr("");
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.password.ptr = NULL;
    c.password.len = 3;
    assert_int_equal(try_client(&c), MW_E_ARG);

    fill_client_config(&p, &c);
    c.mech = MW_SASL_SCRAM_SHA_256;
    c.random.len = MW_SASL_RANDOM_MIN - 1;
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.random.len = MW_SASL_RANDOM_MIN;
    assert_int_equal(try_client(&c), MW_OK);
    c.flags = MW_SASL_NONCE_VERBATIM;
    c.random = cstr("short");
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.random = cstr("has,comma-in-it");
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.random = cstr("fine-nonce-text");
    assert_int_equal(try_client(&c), MW_OK);

    fill_client_config(&p, &c);
    c.mech = MW_SASL_XOAUTH2;
    c.token = cstr("a\001b");
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.token = cstr("");
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.token = cstr("tok");
    c.authcid = cstr("");
    assert_int_equal(try_client(&c), MW_E_ARG);
    c.mech = MW_SASL_OAUTHBEARER;
    assert_int_equal(try_client(&c), MW_OK);
}

static void test_server_config_errors(void **state)
{
    (void)state;
    mw_sasl_server_config c;
    mw_sasl *s = NULL;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.mech = MW_SASL_SCRAM_SHA_1;
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_E_ARG);
    assert_null(s);
    c.random.ptr = (const char *)random_bytes;
    c.random.len = MW_SASL_RANDOM_MIN - 1;
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_E_ARG);
    c.random.len = MW_SASL_RANDOM_MIN;
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_OK);
    mw_sasl_free(s);
    c.mech = MW_SASL_CRAM_MD5;
    c.hostname = cstr("bad>host");
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_E_ARG);
    c.hostname = cstr("");
    c.reserved = 1;
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_E_ARG);
    c.reserved = 0;
    c.mech = MW_SASL_PLAIN;
    c.random.len = 0; /* PLAIN needs no randomness */
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_OK);
    mw_sasl_free(s);
}

static void test_state_errors(void **state)
{
    (void)state;
    mw_sasl_server_config c;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.mech = MW_SASL_PLAIN;
    mw_sasl *s = NULL;
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    int has_ir;
    assert_int_equal(mw_sasl_step(s, "x", 1, &out), MW_E_STATE);
    assert_int_equal(mw_sasl_client_start(s, &out, &has_ir), MW_E_STATE);
    assert_int_equal(mw_sasl_client_success(s, NULL, 0), MW_E_STATE);
    assert_int_equal(mw_sasl_server_set_password(s, "x", 1), MW_E_STATE);
    assert_int_equal(mw_sasl_server_set_verdict(s, 1), MW_E_STATE);
    assert_int_equal(mw_sasl_server_identity(s, NULL, NULL), MW_E_STATE);
    assert_int_equal(mw_sasl_server_start(s, "x", 1, 0, &out), MW_E_ARG);
    assert_int_equal(mw_sasl_server_start(s, S("\0u\0p"), 1, &out),
                     MW_NEED_MORE);
    assert_int_equal(mw_sasl_server_start(s, S("\0u\0p"), 1, &out), MW_E_STATE);
    /* Resumed without a credential, or given input while waiting. */
    assert_int_equal(mw_sasl_step(s, NULL, 0, &out), MW_E_STATE);
    assert_int_equal(mw_sasl_server_set_verdict(s, 2), MW_E_ARG);
    assert_int_equal(mw_sasl_server_set_scram(s, "s", 1, 1,
                                              (const uint8_t *)"k",
                                              (const uint8_t *)"k", 1),
                     MW_E_STATE);
    assert_int_equal(mw_sasl_server_set_password(s, "p", 1), MW_OK);
    assert_int_equal(mw_sasl_step(s, "x", 1, &out), MW_E_STATE);
    assert_int_equal(mw_sasl_step(s, NULL, 0, &out), MW_DONE);
    assert_int_equal(mw_sasl_step(s, NULL, 0, &out), MW_E_STATE);
    assert_int_equal(mw_sasl_step(s, NULL, 1, &out), MW_E_ARG);
    assert_int_equal(mw_sasl_step(s, NULL, 0, NULL), MW_E_ARG);
    assert_int_equal(out.len, 0);
    assert_int_equal(mw_sasl_mechanism(s), MW_SASL_PLAIN);
    mw_sasl_free(s);
    mw_sasl_free(NULL);
    assert_int_equal(mw_sasl_step(NULL, NULL, 0, &out), MW_E_ARG);
    assert_int_equal(mw_sasl_mechanism(NULL), MW_SASL_NONE);

    /* Over-long messages are refused before any parsing. */
    assert_int_equal(mw_sasl_server_new(&c, NULL, &s), MW_OK);
    char *big = calloc(1, 9000);
    assert_non_null(big);
    assert_int_equal(mw_sasl_server_start(s, big, 9000, 1, &out), MW_E_LIMIT);
    free(big);
    mw_sasl_free(s);
    mw_buf_free(&out);
}

/* A fixed output buffer too small: MW_E_NOSPACE with the size needed, then
 * the retry with room gives exactly the message. */
static void test_output_all_or_nothing(void **state)
{
    (void)state;
    pair p = good_pair(MW_SASL_SCRAM_SHA_256);
    mw_sasl_client_config c;
    fill_client_config(&p, &c);
    mw_sasl *s = NULL;
    assert_int_equal(mw_sasl_client_new(&c, NULL, &s), MW_OK);
    char small[8], big[256];
    mw_buf out;
    mw_buf_init_fixed(&out, small, sizeof(small));
    int has_ir = 5;
    assert_int_equal(mw_sasl_client_start(s, &out, &has_ir), MW_E_NOSPACE);
    assert_int_equal(has_ir, 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(out.needed, 48);
    mw_buf_init_fixed(&out, big, sizeof(big));
    assert_int_equal(mw_sasl_client_start(s, &out, &has_ir), MW_OK);
    assert_int_equal(has_ir, 1);
    mwt_assert_bytes("client-first", out.data, out.len,
                     S("n,,n=jane@example.org,r=AQIDBAUGBwgJCgsMDQ4PEA=="));
    mw_sasl_free(s);
}

/* ---- secrets are wiped -------------------------------------------------- */

typedef struct wipe_check {
    mw_allocator allocator;
    long frees;
    long dirty; /* blocks freed with a non-zero byte */
    long with_secret;
} wipe_check;

static void *wc_alloc(void *ud, size_t size)
{
    (void)ud;
    return malloc(size ? size : 1);
}

static void *wc_realloc(void *ud, void *ptr, size_t old_size, size_t size)
{
    (void)ud;
    (void)ptr;
    (void)old_size;
    (void)size;
    fail_msg("SASL objects never reallocate");
    return NULL;
}

static int contains(const uint8_t *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(p + i, needle, n) == 0)
            return 1;
    return 0;
}

static void wc_free(void *ud, void *ptr, size_t size)
{
    wipe_check *w = ud;
    if (!ptr)
        return;
    const uint8_t *p = ptr;
    w->frees++;
    for (size_t i = 0; i < size; i++)
        if (p[i] != 0) {
            w->dirty++;
            break;
        }
    if (contains(p, size, "S3cr3t-Pa55w0rd"))
        w->with_secret++;
    free(ptr);
}

static void test_freed_memory_is_wiped(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MECHS; i++) {
        for (int variant = 0; variant < 3; variant++) {
            wipe_check w = {{NULL, wc_alloc, wc_realloc, wc_free}, 0, 0, 0};
            w.allocator.ud = &w;
            pair p = good_pair(all_mechs[i]);
            if (variant == 1)
                p.client_secret = "S3cr3t-Pa55w0rd?"; /* failure paths */
            p.a = &w.allocator;
            /* The buffers belong to the caller: give them libc. */
            mw_sasl_client_config ccfg;
            fill_client_config(&p, &ccfg);
            mw_sasl *c = NULL, *s = NULL;
            if (variant == 2) {
                /* Freed half-way, secrets still in use. */
                assert_int_equal(mw_sasl_client_new(&ccfg, &w.allocator, &c),
                                 MW_OK);
                mw_sasl_free(c);
            } else {
                /* The objects run on the checking allocator; the output
                 * buffers belong to the caller and stay on libc. */
                mw_sasl_server_config scfg;
                memset(&scfg, 0, sizeof(scfg));
                scfg.size = sizeof(scfg);
                scfg.mech = p.mech;
                scfg.random.ptr = (const char *)random_bytes;
                scfg.random.len = sizeof(random_bytes);
                assert_int_equal(mw_sasl_client_new(&ccfg, &w.allocator, &c),
                                 MW_OK);
                assert_int_equal(mw_sasl_server_new(&scfg, &w.allocator, &s),
                                 MW_OK);
                mw_buf cout, sout;
                mw_buf_init_growable(&cout, NULL, 0);
                mw_buf_init_growable(&sout, NULL, 0);
                int has_ir;
                mw_status st = mw_sasl_client_start(c, &cout, &has_ir);
                assert_int_equal(st, MW_OK);
                st =
                    mw_sasl_server_start(s, cout.data, cout.len, has_ir, &sout);
                for (int round = 0; round < 10; round++) {
                    mw_buf_clear(&cout);
                    if (st == MW_NEED_MORE) {
                        assert_int_equal(supply_credentials(&p, s), MW_OK);
                        mw_buf_clear(&sout);
                        st = mw_sasl_step(s, NULL, 0, &sout);
                        continue;
                    }
                    if (st != MW_OK)
                        break;
                    if (mw_sasl_step(c, sout.data, sout.len, &cout) < 0)
                        break;
                    mw_buf_clear(&sout);
                    st = mw_sasl_step(s, cout.data, cout.len, &sout);
                }
                if (variant == 0 || p.mech == MW_SASL_EXTERNAL)
                    assert_int_equal(st, MW_DONE);
                else
                    assert_true(st == MW_E_AUTH);
                mw_sasl_free(c);
                mw_sasl_free(s);
                mw_buf_free(&cout);
                mw_buf_free(&sout);
            }
            if (w.frees == 0 || w.dirty != 0 || w.with_secret != 0)
                fail_msg("%s variant %d: %ld frees, %ld dirty, %ld with the "
                         "password",
                         mw_sasl_mech_name(p.mech), variant, w.frees, w.dirty,
                         w.with_secret);
        }
    }
}

static void test_caller_may_wipe_password_after_new(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    mw_sasl *cl = NULL;
    /* The response is built from the object's own copy. */
    pair q = good_pair(MW_SASL_PLAIN);

    char pw2[] = "S3cr3t-Pa55w0rd!";
    fill_client_config(&q, &c);
    c.password.ptr = pw2;
    assert_int_equal(mw_sasl_client_new(&c, NULL, &cl), MW_OK);
    memset(pw2, 'X', sizeof(pw2) - 1);
    mw_buf out;
    int has_ir;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_sasl_client_start(cl, &out, &has_ir), MW_OK);
    mwt_assert_bytes("response", out.data, out.len,
                     S("\0jane@example.org\0S3cr3t-Pa55w0rd!"));
    mw_buf_free(&out);
    mw_sasl_free(cl);
}

/* ---- allocation failures ------------------------------------------------ */

static int failalloc_scenario(const mw_allocator *a, void *ud)
{
    mw_sasl_mech mech = *(const mw_sasl_mech *)ud;
    pair p = good_pair(mech);
    p.a = a;
    if (pump(&p) != 0)
        return 1;
    return (p.server_status == MW_DONE && p.client_status == MW_OK) ? 0 : 1;
}

static void test_allocation_failures_are_retryable(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MECHS; i++)
        mwt_failalloc_sweep(failalloc_scenario, (void *)&all_mechs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_mechanism_succeeds),
        cmocka_unit_test(test_authzid_travels),
        cmocka_unit_test(test_wrong_secret_fails_on_the_server),
        cmocka_unit_test(test_tampered_server_signature_fails_on_the_client),
        cmocka_unit_test(test_mechanism_names),
        cmocka_unit_test(test_choose_strongest_allowed),
        cmocka_unit_test(test_client_mechs_from_config),
        cmocka_unit_test(test_client_config_errors),
        cmocka_unit_test(test_server_config_errors),
        cmocka_unit_test(test_state_errors),
        cmocka_unit_test(test_output_all_or_nothing),
        cmocka_unit_test(test_freed_memory_is_wiped),
        cmocka_unit_test(test_caller_may_wipe_password_after_new),
        cmocka_unit_test(test_allocation_failures_are_retryable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
