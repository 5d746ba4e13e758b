#include "tls_testcert.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static char *bio_to_string(BIO *b)
{
    char *data = NULL;
    long len = BIO_get_mem_data(b, &data);
    if (len <= 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return NULL;
    memcpy(s, data, (size_t)len);
    s[len] = '\0';
    return s;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san)
{
    static long serial = 1;
    X509 *x = X509_new();
    if (!x)
        return NULL;
    X509_NAME *name = X509_get_subject_name(x);
    int ok = X509_set_version(x, 2) &&
             ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
             X509_set_pubkey(x, key) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        (const unsigned char *)cn, -1, -1, 0) &&
             X509_set_issuer_name(x, name) &&
             add_ext(x, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
             add_ext(x, NID_subject_key_identifier, "hash") == 0 &&
             add_ext(x, NID_subject_alt_name, san) == 0 &&
             X509_sign(x, key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int tls_testcert_make(const char *cn, const char *san, tls_testcert *out)
{
    memset(out, 0, sizeof(*out));
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = key ? make_cert(key, cn, san) : NULL;
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    int ok = x && cb && kb && PEM_write_bio_X509(cb, x) &&
             PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL);
    if (ok) {
        out->cert_pem = bio_to_string(cb);
        out->key_pem = bio_to_string(kb);
        ok = out->cert_pem && out->key_pem;
    }
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(key);
    if (!ok) {
        tls_testcert_free(out);
        return -1;
    }
    return 0;
}

void tls_testcert_free(tls_testcert *c)
{
    free(c->cert_pem);
    free(c->key_pem);
    c->cert_pem = NULL;
    c->key_pem = NULL;
}
