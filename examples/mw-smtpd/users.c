/* mw-smtpd: the AUTH user file, "user:password" per line. SCRAM
 * credentials are derived once at start-up (RFC 5802 section 3). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mailwire/net.h"
#include "mailwire/sasl.h"
#include "smtpd.h"

static char *dup_span(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static int add_user(smtpd_users *u, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line)
        return EX_DATAERR;
    smtpd_user *v = realloc(u->v, (u->n + 1) * sizeof(*v));
    if (!v)
        return EX_OSERR;
    u->v = v;
    smtpd_user *e = &v[u->n];
    memset(e, 0, sizeof(*e));
    size_t nlen = (size_t)(colon - line);
    e->name = dup_span(line, nlen);
    e->password = dup_span(colon + 1, len - nlen - 1);
    if (!e->name || !e->password) {
        free(e->name);
        free(e->password);
        return EX_OSERR;
    }
    u->n++;
    if (mw_net_random(e->salt, sizeof(e->salt)) != MW_OK ||
        mw_scram_derive_keys(MW_HASH_SHA256, e->password, strlen(e->password),
                             e->salt, sizeof(e->salt), SMTPD_SCRAM_ITERATIONS,
                             e->stored_key, e->server_key,
                             MW_SHA256_LEN) != MW_OK)
        return EX_OSERR;
    return 0;
}

int users_load(smtpd_users *u, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    memset(u, 0, sizeof(*u));
    int rc = mwcli_read_file(path, &data, &len);
    if (rc)
        return rc;
    if (mw_net_random(u->fake_secret, sizeof(u->fake_secret)) != MW_OK) {
        free(data);
        return mwcli_fail(TOOL, EX_OSERR, "no random bytes");
    }
    size_t pos = 0, lineno = 0;
    while (pos < len && rc == 0) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t l = end - pos;
        lineno++;
        /* Files edited on Windows end their lines in CRLF. */
        if (l > 0 && data[pos + l - 1] == '\r')
            l--;
        if (l > 0 && data[pos] != '#') {
            rc = add_user(u, data + pos, l);
            if (rc == EX_DATAERR)
                fprintf(stderr, "%s: %s:%zu: expected user:password\n", TOOL,
                        path, lineno);
        }
        pos = end + 1;
    }
    free(data);
    if (rc == EX_OSERR)
        fprintf(stderr, "%s: cannot load %s\n", TOOL, path);
    if (rc)
        users_free(u);
    return rc;
}

const smtpd_user *users_find(const smtpd_users *u, const char *name, size_t len)
{
    for (size_t i = 0; i < u->n; i++)
        if (strlen(u->v[i].name) == len && memcmp(u->v[i].name, name, len) == 0)
            return &u->v[i];
    return NULL;
}

void users_free(smtpd_users *u)
{
    for (size_t i = 0; i < u->n; i++) {
        if (u->v[i].password)
            memset(u->v[i].password, 0, strlen(u->v[i].password));
        free(u->v[i].name);
        free(u->v[i].password);
    }
    free(u->v);
    memset(u, 0, sizeof(*u));
}
