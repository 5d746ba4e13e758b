/* Self-signed certificates made at test time with the OpenSSL API (no key
 * is checked in). */
#ifndef TLS_TESTCERT_H
#define TLS_TESTCERT_H

typedef struct tls_testcert {
    char *cert_pem; /* NUL-terminated, malloc'd */
    char *key_pem;  /* NUL-terminated, malloc'd */
} tls_testcert;

/* A P-256 key and a self-signed certificate for CN=\p cn with the
 * subjectAltName \p san (e.g. "DNS:localhost,IP:127.0.0.1"). 0 or -1. */
int tls_testcert_make(const char *cn, const char *san, tls_testcert *out);

void tls_testcert_free(tls_testcert *c);

#endif
