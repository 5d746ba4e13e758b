/* SASL known answers: the published example exchanges of RFC 5802 (SCRAM-
 * SHA-1), RFC 7677 (SCRAM-SHA-256), RFC 2195 (CRAM-MD5), RFC 4616 (PLAIN),
 * RFC 7628 (OAUTHBEARER), Google's XOAUTH2, LOGIN and EXTERNAL, on both
 * the client and the server side. */
#include <string.h>

#include "mwtest.h"
#include "mailwire/sasl.h"

#define S(lit) lit, sizeof(lit) - 1

static mw_span span(const char *p, size_t len)
{
    mw_span sp = {p, len};
    return sp;
}

static mw_span cstr(const char *p)
{
    return span(p, strlen(p));
}

/* Decode base64 test data (the RFCs give nonces and salts that way). */
static size_t unb64(const char *text, uint8_t *dst, size_t cap)
{
    mw_b64_decoder d;
    mw_buf b;
    mw_b64_decoder_init(&d, MW_B64_STRICT);
    mw_buf_init_fixed(&b, dst, cap);
    assert_int_equal(mw_b64_decode_update(&d, text, strlen(text), &b), MW_OK);
    assert_int_equal(mw_b64_decode_final(&d, &b), MW_OK);
    return b.len;
}

/* One step; checks the status and, when want is not NULL, the output. */
static void step(mw_sasl *s, const char *in, size_t in_len, mw_status want_st,
                 const char *want, size_t want_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_sasl_step(s, in, in_len, &out);
    if (st != want_st)
        fail_msg("step: got %s, want %s", mw_status_name(st),
                 mw_status_name(want_st));
    if (want)
        mwt_assert_bytes("step output", out.data, out.len, want, want_len);
    mw_buf_free(&out);
}

static mw_sasl *client(mw_sasl_client_config *cfg)
{
    mw_sasl *s = NULL;
    cfg->size = sizeof(*cfg);
    assert_int_equal(mw_sasl_client_new(cfg, NULL, &s), MW_OK);
    return s;
}

static mw_sasl *server(mw_sasl_server_config *cfg)
{
    mw_sasl *s = NULL;
    cfg->size = sizeof(*cfg);
    assert_int_equal(mw_sasl_server_new(cfg, NULL, &s), MW_OK);
    return s;
}

static void client_ir(mw_sasl *s, const char *want, size_t want_len)
{
    mw_buf out;
    int has_ir = -1;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_sasl_client_start(s, &out, &has_ir), MW_OK);
    assert_int_equal(has_ir, 1);
    mwt_assert_bytes("initial response", out.data, out.len, want, want_len);
    mw_buf_free(&out);
}

static void server_start(mw_sasl *s, const char *ir, size_t len, int has_ir,
                         mw_status want_st, const char *want, size_t want_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_sasl_server_start(s, ir, len, has_ir, &out);
    if (st != want_st)
        fail_msg("start: got %s, want %s", mw_status_name(st),
                 mw_status_name(want_st));
    if (want)
        mwt_assert_bytes("start output", out.data, out.len, want, want_len);
    mw_buf_free(&out);
}

static void assert_identity(mw_sasl *s, const char *authcid,
                            const char *authzid)
{
    mw_span c, z;
    assert_int_equal(mw_sasl_server_identity(s, &c, &z), MW_OK);
    mwt_assert_bytes("authcid", c.ptr, c.len, authcid, strlen(authcid));
    mwt_assert_bytes("authzid", z.ptr, z.len, authzid, strlen(authzid));
}

/* ---- SCRAM -------------------------------------------------------------- */

typedef struct scram_vector {
    mw_sasl_mech mech;
    const char *password;
    const char *client_nonce_b64; /* the RFC's client nonce */
    const char *server_nonce;     /* the part the server appends */
    const char *salt_b64;
    const char *client_first;
    const char *server_first;
    const char *client_final;
    const char *server_final;
} scram_vector;

static const scram_vector rfc5802 = {
    MW_SASL_SCRAM_SHA_1,
    "pencil",
    "fyko+d2lbbFgONRv9qkxdawL",
    "3rfcNHYJY1ZVvWVs7j",
    "QSXCR+Q6sek8bf92",
    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="};

static const scram_vector rfc7677 = {
    MW_SASL_SCRAM_SHA_256,
    "pencil",
    "rOprNGfwEbeRWgbNEkqO",
    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "W22ZaJ0SNY7soEsUEjb6gQ==",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};

static mw_sasl *scram_client(const scram_vector *v, uint8_t *rnd,
                             size_t rnd_cap)
{
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mech = v->mech;
    cfg.authcid = cstr("user");
    cfg.password = cstr(v->password);
    /* The RFC nonces are base64 text: feeding their decoded bytes as the
     * "random" input makes the client produce exactly them. */
    cfg.random =
        span((const char *)rnd, unb64(v->client_nonce_b64, rnd, rnd_cap));
    return client(&cfg);
}

static void run_scram_client_vector(const scram_vector *v)
{
    uint8_t rnd[64];
    mw_sasl *s = scram_client(v, rnd, sizeof(rnd));
    client_ir(s, v->client_first, strlen(v->client_first));
    step(s, v->server_first, strlen(v->server_first), MW_OK, v->client_final,
         strlen(v->client_final));
    /* Success without the server's signature is not believed. */
    assert_int_equal(mw_sasl_client_success(s, NULL, 0), MW_E_AUTH);
    mw_sasl_free(s);

    /* The same exchange, now with the server-final verified. */
    s = scram_client(v, rnd, sizeof(rnd));
    client_ir(s, v->client_first, strlen(v->client_first));
    step(s, v->server_first, strlen(v->server_first), MW_OK, NULL, 0);
    step(s, v->server_final, strlen(v->server_final), MW_DONE, "", 0);
    assert_int_equal(mw_sasl_client_success(s, NULL, 0), MW_OK);
    step(s, "", 0, MW_E_STATE, NULL, 0);
    mw_sasl_free(s);
}

static void test_scram_sha1_client_rfc5802(void **state)
{
    (void)state;
    run_scram_client_vector(&rfc5802);
}

static void test_scram_sha256_client_rfc7677(void **state)
{
    (void)state;
    run_scram_client_vector(&rfc7677);
}

static void run_scram_server_vector(const scram_vector *v, size_t hlen)
{
    mw_sasl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mech = v->mech;
    cfg.flags = MW_SASL_NONCE_VERBATIM;
    cfg.random = cstr(v->server_nonce);
    mw_sasl *s = server(&cfg);

    server_start(s, v->client_first, strlen(v->client_first), 1, MW_NEED_MORE,
                 NULL, 0);
    assert_identity(s, "user", "");
    uint8_t salt[32], stored[32], skey[32];
    size_t salt_len = unb64(v->salt_b64, salt, sizeof(salt));
    assert_int_equal(
        mw_scram_derive_keys(
            v->mech == MW_SASL_SCRAM_SHA_1 ? MW_HASH_SHA1 : MW_HASH_SHA256,
            S("pencil"), salt, salt_len, 4096, stored, skey, hlen),
        MW_OK);
    assert_int_equal(
        mw_sasl_server_set_scram(s, salt, salt_len, 4096, stored, skey, hlen),
        MW_OK);
    step(s, NULL, 0, MW_OK, v->server_first, strlen(v->server_first));
    step(s, v->client_final, strlen(v->client_final), MW_OK, v->server_final,
         strlen(v->server_final));
    step(s, "", 0, MW_DONE, "", 0);
    assert_identity(s, "user", "");
    mw_sasl_free(s);
}

static void test_scram_sha1_server_rfc5802(void **state)
{
    (void)state;
    run_scram_server_vector(&rfc5802, MW_SHA1_LEN);
}

static void test_scram_sha256_server_rfc7677(void **state)
{
    (void)state;
    run_scram_server_vector(&rfc7677, MW_SHA256_LEN);
}

static void test_scram_client_tampered_server_signature(void **state)
{
    (void)state;
    uint8_t rnd[64];
    mw_sasl *s = scram_client(&rfc5802, rnd, sizeof(rnd));
    client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
    step(s, rfc5802.server_first, strlen(rfc5802.server_first), MW_OK, NULL, 0);
    /* One bit off in the last byte of the signature. */
    step(s, S("v=rmF9pqV8S7suAoZWja4dJRkFsKM="), MW_E_AUTH, "", 0);
    assert_int_equal(mw_sasl_client_success(s, NULL, 0), MW_E_STATE);
    mw_sasl_free(s);

    /* A server that claims success without a signature is not believed. */
    s = scram_client(&rfc5802, rnd, sizeof(rnd));
    client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
    step(s, rfc5802.server_first, strlen(rfc5802.server_first), MW_OK, NULL, 0);
    assert_int_equal(mw_sasl_client_success(s, NULL, 0), MW_E_AUTH);
    mw_sasl_free(s);

    /* ... but additional data with success carrying it is verified. */
    s = scram_client(&rfc5802, rnd, sizeof(rnd));
    client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
    step(s, rfc5802.server_first, strlen(rfc5802.server_first), MW_OK, NULL, 0);
    assert_int_equal(
        mw_sasl_client_success(s, S("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")), MW_OK);
    mw_sasl_free(s);
}

static void test_scram_client_server_error_and_nonce_checks(void **state)
{
    (void)state;
    uint8_t rnd[64];
    mw_sasl *s = scram_client(&rfc5802, rnd, sizeof(rnd));
    client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
    step(s, rfc5802.server_first, strlen(rfc5802.server_first), MW_OK, NULL, 0);
    step(s, S("e=invalid-proof"), MW_E_AUTH, "", 0);
    mw_span err;
    assert_int_equal(mw_sasl_client_error(s, &err), MW_OK);
    mwt_assert_bytes("e=", err.ptr, err.len, S("invalid-proof"));
    mw_sasl_free(s);

    /* The server must extend the client's nonce, not replace it. */
    s = scram_client(&rfc5802, rnd, sizeof(rnd));
    client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
    step(s, S("r=Xyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096"),
         MW_E_AUTH, "", 0);
    mw_sasl_free(s);
    s = scram_client(&rfc5802, rnd, sizeof(rnd));
    client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
    step(s, S("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096"),
         MW_E_AUTH, "", 0);
    mw_sasl_free(s);
}

static void test_scram_client_rejects_malformed_server_first(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        mw_status want;
    } cases[] = {
        {"", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92", MW_E_SYNTAX},
        {"s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawLx,i=1", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=0", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=04096", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=40x", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf9,i=4096", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXC R+Q6sek8bf92,i=4096", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=,i=4096", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096,", MW_E_SYNTAX},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=99999999999",
         MW_E_LIMIT},
        {"r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1000001",
         MW_E_LIMIT},
        {"m=ext,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096",
         MW_E_UNSUPPORTED},
    };
    uint8_t rnd[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mw_sasl *s = scram_client(&rfc5802, rnd, sizeof(rnd));
        client_ir(s, rfc5802.client_first, strlen(rfc5802.client_first));
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        mw_status st =
            mw_sasl_step(s, cases[i].msg, strlen(cases[i].msg), &out);
        if (st != cases[i].want)
            fail_msg("case %zu '%s': got %s", i, cases[i].msg,
                     mw_status_name(st));
        assert_int_equal(out.len, 0);
        mw_buf_free(&out);
        mw_sasl_free(s);
    }
}

static void test_scram_client_extensions_and_authzid(void **state)
{
    (void)state;
    uint8_t rnd[16];
    memset(rnd, 0xfb, sizeof(rnd)); /* base64 "+/v7..." */
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mech = MW_SASL_SCRAM_SHA_256;
    cfg.authcid = cstr("us=er,x");
    cfg.authzid = cstr("ad,min");
    cfg.password = cstr("pw");
    cfg.random = span((const char *)rnd, sizeof(rnd));
    mw_sasl *s = client(&cfg);
    client_ir(s, S("n,a=ad=2Cmin,n=us=3Der=2Cx,r=+/v7+/v7+/v7+/v7+/v7+w=="));
    mw_sasl_free(s);
}

static void test_scram_server_rejects_wrong_proof(void **state)
{
    (void)state;
    mw_sasl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mech = MW_SASL_SCRAM_SHA_1;
    cfg.flags = MW_SASL_NONCE_VERBATIM;
    cfg.random = cstr(rfc5802.server_nonce);
    static const char *bad_finals[] = {
        /* proof of another password */
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
        "p=v0X8v3Bz2T0CJGbJQyF0X+HI4TM=",
        /* nonce not the combined one */
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7X,"
        "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        /* c= claims a different gs2 header ("y,,") */
        "c=eSws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
        "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    };
    uint8_t salt[16], stored[20], skey[20];
    size_t salt_len = unb64(rfc5802.salt_b64, salt, sizeof(salt));
    assert_int_equal(mw_scram_derive_keys(MW_HASH_SHA1, S("pencil"), salt,
                                          salt_len, 4096, stored, skey, 20),
                     MW_OK);
    for (size_t i = 0; i < 3; i++) {
        mw_sasl *s = server(&cfg);
        server_start(s, rfc5802.client_first, strlen(rfc5802.client_first), 1,
                     MW_NEED_MORE, NULL, 0);
        assert_int_equal(
            mw_sasl_server_set_scram(s, salt, salt_len, 4096, stored, skey, 20),
            MW_OK);
        step(s, NULL, 0, MW_OK, NULL, 0);
        step(s, bad_finals[i], strlen(bad_finals[i]), MW_E_AUTH, "", 0);
        step(s, "", 0, MW_E_STATE, NULL, 0);
        mw_sasl_free(s);
    }
}

static void test_scram_server_rejects_malformed_client_first(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        mw_status want;
    } cases[] = {
        {"", MW_E_SYNTAX},
        {"n,,", MW_E_SYNTAX},
        {"x,,n=user,r=abc", MW_E_SYNTAX},
        {"n,n=user,r=abc", MW_E_SYNTAX},
        {"n,a=,n=user,r=abc", MW_E_SYNTAX},
        {"n,a=bad=3,n=user,r=abc", MW_E_SYNTAX},
        {"n,,n=,r=abc", MW_E_SYNTAX},
        {"n,,n=us=xxer,r=abc", MW_E_SYNTAX},
        {"n,,n=user,r=", MW_E_SYNTAX},
        {"n,,n=user,r=a b", MW_E_SYNTAX},
        {"n,,r=abc,n=user", MW_E_SYNTAX},
        {"n,,n=user,r=abc,", MW_E_SYNTAX},
        {"n,,m=x,n=user,r=abc", MW_E_UNSUPPORTED},
        {"p=tls-unique,,n=user,r=abc", MW_E_UNSUPPORTED},
    };
    mw_sasl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mech = MW_SASL_SCRAM_SHA_256;
    cfg.random = cstr("0123456789abcdef");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mw_sasl *s = server(&cfg);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        mw_status st = mw_sasl_server_start(s, cases[i].msg,
                                            strlen(cases[i].msg), 1, &out);
        if (st != cases[i].want)
            fail_msg("case %zu '%s': got %s", i, cases[i].msg,
                     mw_status_name(st));
        assert_int_equal(mw_sasl_server_identity(s, NULL, NULL), MW_E_STATE);
        mw_buf_free(&out);
        mw_sasl_free(s);
    }
}

static void test_scram_server_decodes_saslnames_and_y_flag(void **state)
{
    (void)state;
    mw_sasl_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mech = MW_SASL_SCRAM_SHA_1;
    cfg.random = cstr("0123456789abcdef");
    mw_sasl *s = server(&cfg);
    server_start(s, S("y,a=ad=2Cmin,n=us=3Der,r=abc,x=ext"), 1, MW_NEED_MORE,
                 NULL, 0);
    assert_identity(s, "us=er", "ad,min");
    /* An unknown user refused at once. */
    assert_int_equal(mw_sasl_server_set_verdict(s, 1), MW_E_ARG);
    assert_int_equal(mw_sasl_server_set_verdict(s, 0), MW_OK);
    step(s, NULL, 0, MW_E_AUTH, "", 0);
    mw_sasl_free(s);
}

static void test_scram_derive_keys_rejects_bad_arguments(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    assert_int_equal(
        mw_scram_derive_keys(MW_HASH_MD5, S("p"), S("s"), 1, a, b, 16),
        MW_E_ARG);
    assert_int_equal(
        mw_scram_derive_keys(MW_HASH_SHA256, S("p"), S("s"), 1, a, b, 20),
        MW_E_ARG);
    assert_int_equal(
        mw_scram_derive_keys(MW_HASH_SHA256, S("p"), S("s"), 0, a, b, 32),
        MW_E_ARG);
    assert_int_equal(
        mw_scram_derive_keys(MW_HASH_SHA256, S("p"), S("s"), 1, NULL, b, 32),
        MW_E_ARG);
}

/* ---- CRAM-MD5 ----------------------------------------------------------- */

static void test_cram_md5_rfc2195(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_CRAM_MD5;
    c.authcid = cstr("tim");
    c.password = cstr("tanstaaftanstaaf");
    mw_sasl *cl = client(&c);
    mw_buf out;
    int has_ir = -1;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_sasl_client_start(cl, &out, &has_ir), MW_OK);
    assert_int_equal(has_ir, 0);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
    step(cl, S("<1896.697170952@postoffice.reston.mci.net>"), MW_OK,
         S("tim b913a602c7eda7a495b4e6e7334d3890"));
    step(cl, S("<again@x>"), MW_E_SYNTAX, "", 0);
    mw_sasl_free(cl);

    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_CRAM_MD5;
    sc.flags = MW_SASL_NONCE_VERBATIM;
    sc.random = cstr("1896.697170952");
    sc.hostname = cstr("postoffice.reston.mci.net");
    mw_sasl *sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK,
                 S("<1896.697170952@postoffice.reston.mci.net>"));
    step(sv, S("tim b913a602c7eda7a495b4e6e7334d3890"), MW_NEED_MORE, "", 0);
    assert_identity(sv, "tim", "");
    assert_int_equal(mw_sasl_server_secret(sv, &(mw_span){0}), MW_E_STATE);
    assert_int_equal(mw_sasl_server_set_password(sv, S("tanstaaftanstaaf")),
                     MW_OK);
    step(sv, NULL, 0, MW_DONE, "", 0);
    mw_sasl_free(sv);

    /* Uppercase hex is tolerated; a wrong secret fails. */
    sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK, NULL, 0);
    step(sv, S("tim B913A602C7EDA7A495B4E6E7334D3890"), MW_NEED_MORE, "", 0);
    assert_int_equal(mw_sasl_server_set_password(sv, S("tanstaaftanstaaX")),
                     MW_OK);
    step(sv, NULL, 0, MW_E_AUTH, "", 0);
    mw_sasl_free(sv);
}

static void test_cram_md5_server_malformed(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "tim",
        "timb913a602c7eda7a495b4e6e7334d3890",
        " b913a602c7eda7a495b4e6e7334d3890",
        "tim b913a602c7eda7a495b4e6e7334d389",
        "tim b913a602c7eda7a495b4e6e7334d389g",
    };
    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_CRAM_MD5;
    sc.random = cstr("0123456789abcdef");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mw_sasl *sv = server(&sc);
        server_start(sv, NULL, 0, 0, MW_OK, NULL, 0);
        step(sv, bad[i], strlen(bad[i]), MW_E_SYNTAX, "", 0);
        mw_sasl_free(sv);
    }
    /* Server-first: an initial response is a protocol error. */
    mw_sasl *sv = server(&sc);
    server_start(sv, S("tim"), 1, MW_E_SYNTAX, "", 0);
    mw_sasl_free(sv);
    /* The random bytes become the base64 local part of the msg-id. */
    sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK,
                 S("<MDEyMzQ1Njc4OWFiY2RlZg==@localhost>"));
    mw_sasl_free(sv);
}

/* ---- PLAIN, LOGIN, EXTERNAL --------------------------------------------- */

static void test_plain_rfc4616(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_PLAIN;
    c.authcid = cstr("tim");
    c.password = cstr("tanstaaftanstaaf");
    mw_sasl *cl = client(&c);
    client_ir(cl, S("\0tim\0tanstaaftanstaaf"));
    mw_sasl_free(cl);

    c.authzid = cstr("Ursel");
    c.authcid = cstr("Kurt");
    c.password = cstr("xipj3plmq");
    cl = client(&c);
    /* Without SASL-IR: the empty challenge yields the same response. */
    step(cl, "", 0, MW_OK, S("Ursel\0Kurt\0xipj3plmq"));
    step(cl, S("unexpected"), MW_E_SYNTAX, "", 0);
    mw_sasl_free(cl);

    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_PLAIN;
    mw_sasl *sv = server(&sc);
    server_start(sv, S("Ursel\0Kurt\0xipj3plmq"), 1, MW_NEED_MORE, "", 0);
    assert_identity(sv, "Kurt", "Ursel");
    mw_span secret;
    assert_int_equal(mw_sasl_server_secret(sv, &secret), MW_OK);
    mwt_assert_bytes("password", secret.ptr, secret.len, S("xipj3plmq"));
    assert_int_equal(mw_sasl_server_set_password(sv, S("xipj3plmq")), MW_OK);
    step(sv, NULL, 0, MW_DONE, "", 0);
    assert_identity(sv, "Kurt", "Ursel");
    assert_int_equal(mw_sasl_server_secret(sv, &secret), MW_E_STATE);
    mw_sasl_free(sv);

    /* No initial response: an empty challenge first. */
    sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK, "", 0);
    step(sv, S("\0tim\0tanstaaftanstaaf"), MW_NEED_MORE, "", 0);
    assert_identity(sv, "tim", "");
    assert_int_equal(mw_sasl_server_set_password(sv, S("tanstaaftanstaa")),
                     MW_OK);
    step(sv, NULL, 0, MW_E_AUTH, "", 0);
    mw_sasl_free(sv);
}

static void test_plain_server_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        size_t len;
    } bad[] = {
        {S("")},        {S("timpassword")},  {S("\0tim")},       {S("\0\0pw")},
        {S("\0tim\0")}, {S("a\0tim\0pw\0")}, {S("\0tim\0p\0w")},
    };
    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_PLAIN;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mw_sasl *sv = server(&sc);
        server_start(sv, bad[i].msg, bad[i].len, 1, MW_E_SYNTAX, "", 0);
        mw_sasl_free(sv);
    }
}

static void test_login_both_sides(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_LOGIN;
    c.authcid = cstr("tim");
    c.password = cstr("tanstaaf");
    mw_sasl *cl = client(&c);
    step(cl, S("Username:"), MW_OK, S("tim"));
    step(cl, S("Password:"), MW_OK, S("tanstaaf"));
    step(cl, S("More:"), MW_E_SYNTAX, "", 0);
    mw_sasl_free(cl);

    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_LOGIN;
    mw_sasl *sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK, S("Username:"));
    step(sv, S("tim"), MW_OK, S("Password:"));
    step(sv, S("tanstaaf"), MW_NEED_MORE, "", 0);
    assert_identity(sv, "tim", "");
    /* The application checks the password itself. */
    mw_span secret;
    assert_int_equal(mw_sasl_server_secret(sv, &secret), MW_OK);
    mwt_assert_bytes("password", secret.ptr, secret.len, S("tanstaaf"));
    assert_int_equal(mw_sasl_server_set_verdict(sv, 1), MW_OK);
    step(sv, NULL, 0, MW_DONE, "", 0);
    mw_sasl_free(sv);

    /* The user name as initial response, as some clients send it. */
    sv = server(&sc);
    server_start(sv, S("tim"), 1, MW_OK, S("Password:"));
    step(sv, S("wrong"), MW_NEED_MORE, "", 0);
    assert_int_equal(mw_sasl_server_set_password(sv, S("tanstaaf")), MW_OK);
    step(sv, NULL, 0, MW_E_AUTH, "", 0);
    mw_sasl_free(sv);

    sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK, NULL, 0);
    step(sv, "", 0, MW_E_SYNTAX, "", 0);
    mw_sasl_free(sv);
}

static void test_external_both_sides(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_EXTERNAL;
    mw_sasl *cl = client(&c);
    client_ir(cl, "", 0); /* an empty initial response: "=" in SMTP */
    mw_sasl_free(cl);
    c.authzid = cstr("admin");
    cl = client(&c);
    client_ir(cl, S("admin"));
    mw_sasl_free(cl);

    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_EXTERNAL;
    mw_sasl *sv = server(&sc);
    server_start(sv, "", 0, 1, MW_NEED_MORE, "", 0);
    assert_identity(sv, "", "");
    assert_int_equal(mw_sasl_server_set_password(sv, S("x")), MW_E_STATE);
    assert_int_equal(mw_sasl_server_set_verdict(sv, 1), MW_OK);
    step(sv, NULL, 0, MW_DONE, "", 0);
    mw_sasl_free(sv);

    sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK, "", 0);
    step(sv, S("admin"), MW_NEED_MORE, "", 0);
    assert_identity(sv, "", "admin");
    assert_int_equal(mw_sasl_server_set_verdict(sv, 0), MW_OK);
    step(sv, NULL, 0, MW_E_AUTH, "", 0);
    mw_sasl_free(sv);
}

/* ---- OAuth -------------------------------------------------------------- */

#define XOAUTH2_IR                                                             \
    "user=someuser@example.com\001auth=Bearer "                                \
    "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001"

static void test_xoauth2_both_sides(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_XOAUTH2;
    c.authcid = cstr("someuser@example.com");
    c.token = cstr("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    mw_sasl *cl = client(&c);
    client_ir(cl, S(XOAUTH2_IR));
    /* The error challenge is answered with an empty response. */
    static const char err[] = "{\"status\":\"401\",\"schemes\":\"bearer\","
                              "\"scope\":\"https://mail.google.com/\"}";
    step(cl, S(err), MW_OK, "", 0);
    mw_span got;
    assert_int_equal(mw_sasl_client_error(cl, &got), MW_OK);
    mwt_assert_bytes("error", got.ptr, got.len, S(err));
    assert_int_equal(mw_sasl_client_success(cl, NULL, 0), MW_E_AUTH);
    mw_sasl_free(cl);

    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_XOAUTH2;
    sc.oauth_error = cstr(err);
    mw_sasl *sv = server(&sc);
    server_start(sv, S(XOAUTH2_IR), 1, MW_NEED_MORE, "", 0);
    assert_identity(sv, "someuser@example.com", "");
    mw_span token;
    assert_int_equal(mw_sasl_server_secret(sv, &token), MW_OK);
    mwt_assert_bytes("token", token.ptr, token.len,
                     S("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"));
    assert_int_equal(mw_sasl_server_set_verdict(sv, 0), MW_OK);
    step(sv, NULL, 0, MW_OK, S(err));
    step(sv, "", 0, MW_E_AUTH, "", 0);
    mw_sasl_free(sv);

    sv = server(&sc);
    server_start(sv, NULL, 0, 0, MW_OK, "", 0);
    step(sv, S(XOAUTH2_IR), MW_NEED_MORE, "", 0);
    assert_int_equal(mw_sasl_server_set_verdict(sv, 1), MW_OK);
    step(sv, NULL, 0, MW_DONE, "", 0);
    mw_sasl_free(sv);
}

#define OAUTHBEARER_IR                                                         \
    "n,a=user@example.com,\001host=server.example.com\001port=143\001"         \
    "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001"

static void test_oauthbearer_rfc7628(void **state)
{
    (void)state;
    mw_sasl_client_config c;
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_OAUTHBEARER;
    c.authcid = cstr("user@example.com");
    c.host = cstr("server.example.com");
    c.port = 143;
    c.token = cstr("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    mw_sasl *cl = client(&c);
    client_ir(cl, S(OAUTHBEARER_IR));
    static const char err[] =
        "{\"status\":\"invalid_token\",\"scope\":\"example_scope\","
        "\"openid-configuration\":\"https://example.com/.well-known/"
        "openid-configuration\"}";
    step(cl, S(err), MW_OK, S("\001"));
    mw_sasl_free(cl);

    /* Minimal form: no user, host or port. */
    memset(&c, 0, sizeof(c));
    c.mech = MW_SASL_OAUTHBEARER;
    c.token = cstr("tok");
    cl = client(&c);
    client_ir(cl, S("n,,\001auth=Bearer tok\001\001"));
    mw_sasl_free(cl);

    mw_sasl_server_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.mech = MW_SASL_OAUTHBEARER;
    mw_sasl *sv = server(&sc);
    server_start(sv, S(OAUTHBEARER_IR), 1, MW_NEED_MORE, "", 0);
    assert_identity(sv, "", "user@example.com");
    mw_span token;
    assert_int_equal(mw_sasl_server_secret(sv, &token), MW_OK);
    mwt_assert_bytes("token", token.ptr, token.len,
                     S("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="));
    assert_int_equal(mw_sasl_server_set_verdict(sv, 0), MW_OK);
    step(sv, NULL, 0, MW_OK,
         S("{\"status\":\"invalid_token\",\"schemes\":\"bearer\"}"));
    step(sv, S("\001"), MW_E_AUTH, "", 0);
    mw_sasl_free(sv);
}

static void test_oauth_server_malformed(void **state)
{
    (void)state;
    static const struct {
        uint32_t mech;
        const char *msg;
        mw_status want;
    } cases[] = {
        {MW_SASL_XOAUTH2, "user=a\001auth=Bearer t\001", MW_E_SYNTAX},
        {MW_SASL_XOAUTH2, "user=a\001auth=Basic t\001\001", MW_E_SYNTAX},
        {MW_SASL_XOAUTH2, "auth=Bearer t\001\001", MW_E_SYNTAX},
        {MW_SASL_XOAUTH2, "user=a\001auth=Bearer \001\001", MW_E_SYNTAX},
        {MW_SASL_XOAUTH2, "user=a\001=x\001auth=Bearer t\001\001", MW_E_SYNTAX},
        {MW_SASL_XOAUTH2, "user=a\001auth=Bearer t\001\001x", MW_E_SYNTAX},
        {MW_SASL_OAUTHBEARER, "n,,auth=Bearer t\001\001", MW_E_SYNTAX},
        {MW_SASL_OAUTHBEARER, "n,\001auth=Bearer t\001\001", MW_E_SYNTAX},
        {MW_SASL_OAUTHBEARER, "x,,\001auth=Bearer t\001\001", MW_E_SYNTAX},
        {MW_SASL_OAUTHBEARER, "n,a=,\001auth=Bearer t\001\001", MW_E_SYNTAX},
        {MW_SASL_OAUTHBEARER, "n,,\001host=h\001\001", MW_E_SYNTAX},
        {MW_SASL_OAUTHBEARER, "p=tls-unique,,\001auth=Bearer t\001\001",
         MW_E_UNSUPPORTED},
        /* case-insensitive scheme, extra spaces and unknown keys are fine */
        {MW_SASL_OAUTHBEARER, "y,,\001x=1\001auth=bEaReR  t\001\001",
         MW_NEED_MORE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mw_sasl_server_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.mech = cases[i].mech;
        mw_sasl *sv = server(&sc);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        mw_status st = mw_sasl_server_start(sv, cases[i].msg,
                                            strlen(cases[i].msg), 1, &out);
        if (st != cases[i].want)
            fail_msg("case %zu: got %s", i, mw_status_name(st));
        mw_buf_free(&out);
        mw_sasl_free(sv);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scram_sha1_client_rfc5802),
        cmocka_unit_test(test_scram_sha256_client_rfc7677),
        cmocka_unit_test(test_scram_sha1_server_rfc5802),
        cmocka_unit_test(test_scram_sha256_server_rfc7677),
        cmocka_unit_test(test_scram_client_tampered_server_signature),
        cmocka_unit_test(test_scram_client_server_error_and_nonce_checks),
        cmocka_unit_test(test_scram_client_rejects_malformed_server_first),
        cmocka_unit_test(test_scram_client_extensions_and_authzid),
        cmocka_unit_test(test_scram_server_rejects_wrong_proof),
        cmocka_unit_test(test_scram_server_rejects_malformed_client_first),
        cmocka_unit_test(test_scram_server_decodes_saslnames_and_y_flag),
        cmocka_unit_test(test_scram_derive_keys_rejects_bad_arguments),
        cmocka_unit_test(test_cram_md5_rfc2195),
        cmocka_unit_test(test_cram_md5_server_malformed),
        cmocka_unit_test(test_plain_rfc4616),
        cmocka_unit_test(test_plain_server_malformed),
        cmocka_unit_test(test_login_both_sides),
        cmocka_unit_test(test_external_both_sides),
        cmocka_unit_test(test_xoauth2_both_sides),
        cmocka_unit_test(test_oauthbearer_rfc7628),
        cmocka_unit_test(test_oauth_server_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
