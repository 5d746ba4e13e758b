/* mw-fetch: download new messages over POP3 into a Maildir, or list them.
 * The sans-IO client session does the protocol; this file moves its bytes
 * over a blocking-style loop (wait, read, feed, write) and turns its events
 * into Maildir files, a UIDL state file and the --list table. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mailwire/mailwire.h"
#include "mailwire/msg.h"
#include "mailwire/msgtree.h"
#include "mailwire/net.h"
#include "mailwire/pop3.h"
#include "mailwire/sasl.h"
#ifdef MW_FETCH_HAVE_TLS
#include "mailwire/tls.h"
#endif

#define TOOL "mw-fetch"
#define CHUNK 16384
#define WAIT_MS 120000
#define TOP_MAX (1024u * 1024u)

static const char usage[] =
    "usage: mw-fetch pop3://USER@HOST[:PORT] [--stls|--tls]\n"
    "                [--cafile FILE | --insecure] --password-file F\n"
    "                (--maildir DIR [--delete] [--uidl-state FILE] | --list)\n"
    "                [--auth MECH]\n"
    "Downloads new messages (by UIDL) into the Maildir DIR (created if\n"
    "missing), atomically, with LF line ends. pop3s:// means --tls.\n"
    "--uidl-state FILE keeps the uids already downloaded (one a line);\n"
    "without it every message is new. --delete removes the downloaded\n"
    "messages (and those the state file lists) from the server at QUIT.\n"
    "--list prints number, size, uid, from and subject, tab-separated.\n"
    "--auth: SCRAM-SHA-256, APOP, USER, PLAIN or another SASL mechanism;\n"
    "by default the strongest both sides offer.\n"
    "Exit: 0 ok, 64 usage, 65 data, 69 refused, 75 temporary or network\n"
    "failure, 77 login refused.\n";

typedef struct options {
    const char *url, *cafile, *password_file, *maildir, *state, *auth;
    int stls, tls, insecure, del, list;
} options;

typedef struct target {
    char user[256];
    char host[256];
    char port[8];
    int implicit_tls;
} target;

enum { MODE_NONE, MODE_TOP, MODE_RETR };

typedef struct fetch {
    mw_transport *t;
    mw_pop3_client *c;
#ifdef MW_FETCH_HAVE_TLS
    mw_tls_context *tls;
#endif
    const char *host;
    char in[CHUNK];
    size_t in_off, in_len;
    /* the last status line */
    uint32_t kind, code;
    char text[256];
    uint32_t stat_count;
    /* the maildrop */
    uint32_t count;
    char **uids;
    uint64_t *sizes;
    /* a TOP or RETR being received */
    int mode;
    char *top;
    size_t top_len;
    int out_fd;
    int pending_cr;
    int write_failed;
} fetch;

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--stls") == 0)
            o->stls = 1;
        else if (strcmp(a, "--tls") == 0)
            o->tls = 1;
        else if (strcmp(a, "--insecure") == 0)
            o->insecure = 1;
        else if (strcmp(a, "--delete") == 0)
            o->del = 1;
        else if (strcmp(a, "--list") == 0)
            o->list = 1;
        else if (strcmp(a, "--cafile") == 0)
            slot = &o->cafile;
        else if (strcmp(a, "--password-file") == 0)
            slot = &o->password_file;
        else if (strcmp(a, "--maildir") == 0)
            slot = &o->maildir;
        else if (strcmp(a, "--uidl-state") == 0)
            slot = &o->state;
        else if (strcmp(a, "--auth") == 0)
            slot = &o->auth;
        else if (a[0] != '-' && !o->url)
            o->url = a;
        else
            return mwcli_fail(TOOL, EX_USAGE, "unknown option (see --help)");
        if (slot) {
            if (i + 1 >= argc)
                return mwcli_fail(TOOL, EX_USAGE, "option needs a value");
            *slot = argv[++i];
        }
    }
    if (!o->url || !o->password_file)
        return mwcli_fail(TOOL, EX_USAGE,
                          "a pop3:// URL and --password-file are required");
    if (!o->list && !o->maildir)
        return mwcli_fail(TOOL, EX_USAGE, "--maildir DIR or --list is needed");
    if (o->stls && o->tls)
        return mwcli_fail(TOOL, EX_USAGE,
                          "--stls and --tls exclude each other");
    if (o->cafile && o->insecure)
        return mwcli_fail(TOOL, EX_USAGE,
                          "--cafile and --insecure exclude each other");
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The user part of a URL may be percent-encoded (RFC 3986), e.g. an
 * address "bob%40example.org". */
static int url_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '%' && i + 2 < len + 0 && hexval(s[i + 1]) >= 0 &&
            hexval(s[i + 2]) >= 0) {
            ch = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (ch == '\0' || n + 1 >= cap)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

static int parse_url(const char *url, target *tg)
{
    const char *rest;
    if (strncmp(url, "pop3://", 7) == 0) {
        rest = url + 7;
    } else if (strncmp(url, "pop3s://", 8) == 0) {
        rest = url + 8;
        tg->implicit_tls = 1;
    } else {
        return -1;
    }
    const char *at = strrchr(rest, '@');
    if (!at ||
        url_decode(rest, (size_t)(at - rest), tg->user, sizeof(tg->user)) != 0)
        return -1;
    char hp[300];
    size_t hlen = strlen(at + 1);
    if (hlen > 0 && at[hlen] == '/')
        hlen--; /* "pop3://u@host/" is the same URL */
    if (hlen == 0 || hlen >= sizeof(hp))
        return -1;
    memcpy(hp, at + 1, hlen);
    hp[hlen] = '\0';
    return mw_net_split_hostport(hp, tg->implicit_tls ? "995" : "110", tg->host,
                                 sizeof(tg->host), tg->port,
                                 sizeof(tg->port)) == MW_OK
               ? 0
               : -1;
}

static int read_password(const char *path, char **pw)
{
    char *data = NULL;
    size_t len = 0;
    int rc = mwcli_read_file(path, &data, &len);
    if (rc)
        return rc;
    size_t n = 0;
    while (n < len && data[n] != '\n' && data[n] != '\r')
        n++;
    *pw = strndup(data, n);
    free(data);
    return *pw ? 0 : mwcli_fail(TOOL, EX_OSERR, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static void copy_text(fetch *f, mw_span text)
{
    size_t n = text.len < sizeof(f->text) - 1 ? text.len : sizeof(f->text) - 1;
    memcpy(f->text, text.ptr, n);
    f->text[n] = '\0';
}

static void write_all(fetch *f, const char *p, size_t n)
{
    while (n > 0 && !f->write_failed) {
        ssize_t w = write(f->out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            f->write_failed = 1;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* CRLF on the wire, LF in the Maildir (DESIGN.md); a CR split from its
 * LF across two chunks is held back until the next byte is known. */
static void store_data(fetch *f, const char *p, size_t n)
{
    char buf[CHUNK];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k + 2 > sizeof(buf)) {
            write_all(f, buf, k);
            k = 0;
        }
        if (f->pending_cr) {
            f->pending_cr = 0;
            if (p[i] != '\n')
                buf[k++] = '\r';
        }
        if (p[i] == '\r')
            f->pending_cr = 1;
        else
            buf[k++] = p[i];
    }
    write_all(f, buf, k);
}

static void keep_top(fetch *f, const char *p, size_t n)
{
    if (f->top_len + n > TOP_MAX)
        return; /* headers beyond 1 MiB are not worth listing */
    char *grown = realloc(f->top, f->top_len + n + 1);
    if (!grown)
        return;
    f->top = grown;
    memcpy(f->top + f->top_len, p, n);
    f->top_len += n;
}

static void handle_event(fetch *f, const mw_pop3_client_event *ev)
{
    switch (ev->type) {
    case MW_POP3_CEV_GREETING:
    case MW_POP3_CEV_REPLY:
        f->kind = ev->resp.kind;
        f->code = ev->resp.code;
        copy_text(f, ev->resp.text);
        if (ev->verb == MW_POP3_STAT && ev->resp.kind == MW_POP3_OK)
            f->stat_count = ev->count;
        break;
    case MW_POP3_CEV_UIDL:
        if (ev->msg >= 1 && ev->msg <= f->count && !f->uids[ev->msg - 1])
            f->uids[ev->msg - 1] = strndup(ev->uid.ptr, ev->uid.len);
        break;
    case MW_POP3_CEV_LIST:
        if (ev->msg >= 1 && ev->msg <= f->count)
            f->sizes[ev->msg - 1] = ev->size;
        break;
    case MW_POP3_CEV_DATA:
        if (f->mode == MODE_TOP)
            keep_top(f, ev->data.ptr, ev->data.len);
        else if (f->mode == MODE_RETR)
            store_data(f, ev->data.ptr, ev->data.len);
        break;
    case MW_POP3_CEV_DISCARDED:
        fprintf(stderr,
                "%s: warning: %llu bytes sent by the server before the TLS "
                "handshake were discarded\n",
                TOOL, (unsigned long long)ev->size);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* The I/O loop                                                        */
/* ------------------------------------------------------------------ */

static int net_fail(const char *what)
{
    return mwcli_fail(TOOL, EX_TEMPFAIL, what);
}

static int wait_transport(fetch *f)
{
    unsigned want = mw_transport_wants(f->t);
    mw_status st =
        mw_net_wait(mw_transport_fd(f->t), want ? want : MW_WANT_READ, WAIT_MS);
    if (st == MW_E_TIMEOUT)
        return net_fail("timed out waiting for the server");
    return st == MW_OK ? 0 : net_fail("wait failed");
}

static int flush_output(fetch *f)
{
    size_t len = 0;
    const char *out;
    while ((out = mw_pop3_client_output(f->c, &len)) != NULL && len > 0) {
        size_t n = 0;
        mw_status st = mw_transport_write(f->t, out, len, &n);
        if (st == MW_E_WOULDBLOCK) {
            int rc = wait_transport(f);
            if (rc)
                return rc;
            continue;
        }
        if (st != MW_OK)
            return net_fail("connection lost while sending");
        mw_pop3_client_output_done(f->c, n);
    }
    return 0;
}

static int feed_buffered(fetch *f)
{
    for (;;) { /* until NEED_MORE, even with nothing buffered */
        size_t used = 0;
        mw_pop3_client_event ev;
        mw_status st = mw_pop3_client_feed(f->c, f->in + f->in_off,
                                           f->in_len - f->in_off, &used, &ev);
        f->in_off += used;
        if (st == MW_NEED_MORE)
            break;
        if (st == MW_E_AUTH)
            return mwcli_fail(TOOL, EX_NOPERM,
                              "the server failed to prove it knows the "
                              "password (SCRAM signature)");
        if (st != MW_OK) {
            fprintf(stderr, "%s: malformed response from the server (%s)\n",
                    TOOL, mw_status_name(st));
            return EX_TEMPFAIL;
        }
        handle_event(f, &ev);
    }
    if (f->in_off == f->in_len)
        f->in_off = f->in_len = 0;
    return 0;
}

static int handshake(fetch *f)
{
    for (;;) {
        mw_status st = mw_transport_handshake(f->t);
        if (st == MW_OK)
            return 0;
        if (st != MW_E_WOULDBLOCK) {
#ifdef MW_FETCH_HAVE_TLS
            const char *why = mw_tls_error(f->t);
            fprintf(stderr, "%s: TLS handshake failed: %s\n", TOOL,
                    why ? why : "?");
#endif
            return EX_TEMPFAIL;
        }
        int rc = wait_transport(f);
        if (rc)
            return rc;
    }
}

static int start_tls(fetch *f)
{
#ifdef MW_FETCH_HAVE_TLS
    if (mw_tls_upgrade(f->t, f->tls, f->host) != MW_OK)
        return net_fail("TLS upgrade failed");
    return handshake(f);
#else
    (void)f;
    return net_fail("built without TLS support");
#endif
}

/* Run the session until it waits for the application's next request. */
static int pump(fetch *f)
{
    for (;;) {
        int rc = flush_output(f);
        if (!rc)
            rc = feed_buffered(f);
        if (rc)
            return rc;
        unsigned wants = mw_pop3_client_wants(f->c);
        if (wants & MW_WANT_WRITE)
            continue;
        if (wants & MW_WANT_TLS) {
            /* bytes after the +OK to STLS are never fed (injection) */
            f->in_off = f->in_len = 0;
            int ok = start_tls(f) == 0;
            if (mw_pop3_client_tls_done(f->c, ok) != MW_OK || !ok)
                return EX_TEMPFAIL;
            continue;
        }
        if (!(wants & MW_WANT_READ))
            return 0; /* idle, or closed */
        size_t n = 0;
        mw_status st = mw_transport_read(f->t, f->in + f->in_len,
                                         sizeof(f->in) - f->in_len, &n);
        if (st == MW_E_WOULDBLOCK) {
            rc = wait_transport(f);
            if (rc)
                return rc;
        } else if (st != MW_OK) {
            if (mw_pop3_client_eof(f->c) == MW_OK)
                return 0;
            return net_fail("the server closed the connection");
        }
        f->in_len += n;
    }
}

/* Queue one command (its status was checked by the caller) and run it;
 * returns 0 with f->kind set, or an exit code. */
static int run_command(fetch *f, mw_status queued)
{
    if (queued != MW_OK) {
        fprintf(stderr, "%s: cannot send the command: %s\n", TOOL,
                mw_status_name(queued));
        return queued == MW_E_UNSUPPORTED ? EX_UNAVAILABLE : EX_SOFTWARE;
    }
    f->kind = MW_POP3_ERR;
    f->text[0] = '\0';
    return pump(f);
}

static int temporary_code(uint32_t code)
{
    return code == MW_POP3_CODE_IN_USE || code == MW_POP3_CODE_LOGIN_DELAY ||
           code == MW_POP3_CODE_SYS_TEMP;
}

static int refused(const fetch *f, const char *what, int perm_code)
{
    fprintf(stderr, "%s: %s refused: %s\n", TOOL, what, f->text);
    return temporary_code(f->code) ? EX_TEMPFAIL : perm_code;
}

/* ------------------------------------------------------------------ */
/* Login                                                               */
/* ------------------------------------------------------------------ */

typedef struct login {
    const char *user;
    const char *password;
} login;

static int login_user_pass(fetch *f, const login *l)
{
    int rc =
        run_command(f, mw_pop3_client_user(f->c, l->user, strlen(l->user)));
    if (!rc && f->kind != MW_POP3_OK)
        return refused(f, "USER", EX_NOPERM);
    if (!rc)
        rc = run_command(
            f, mw_pop3_client_pass(f->c, l->password, strlen(l->password)));
    if (!rc && f->kind != MW_POP3_OK)
        return refused(f, "login", EX_NOPERM);
    return rc;
}

static int login_apop(fetch *f, const login *l)
{
    int rc =
        run_command(f, mw_pop3_client_apop(f->c, l->user, strlen(l->user),
                                           l->password, strlen(l->password)));
    if (!rc && f->kind != MW_POP3_OK)
        return refused(f, "APOP login", EX_NOPERM);
    return rc;
}

static int login_sasl(fetch *f, const login *l, mw_sasl_mech mech)
{
    uint8_t rnd[32];
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = (uint32_t)mech;
    cfg.authcid.ptr = l->user;
    cfg.authcid.len = strlen(l->user);
    cfg.password.ptr = l->password;
    cfg.password.len = strlen(l->password);
    cfg.random.ptr = (const char *)rnd;
    cfg.random.len = sizeof(rnd);
    mw_sasl *sasl = NULL;
    if (mw_net_random(rnd, sizeof(rnd)) != MW_OK ||
        mw_sasl_client_new(&cfg, NULL, &sasl) != MW_OK)
        return mwcli_fail(TOOL, EX_USAGE, "cannot run this SASL mechanism");
    int rc = run_command(f, mw_pop3_client_auth(f->c, sasl));
    mw_sasl_free(sasl);
    if (!rc && f->kind != MW_POP3_OK)
        return refused(f, "AUTH", EX_NOPERM);
    return rc;
}

/* The strongest method both sides offer: SCRAM-SHA-256, APOP, then
 * USER/PASS or PLAIN. A server without CAPA is assumed to take USER. */
static const char *choose_method(fetch *f)
{
    mw_pop3_caps caps;
    mw_span ts;
    int have_caps = mw_pop3_client_caps(f->c, &caps) == MW_OK;
    if (have_caps && (caps.flags & MW_POP3_CAP_SASL) &&
        (caps.sasl_mask & MW_SASL_BIT(MW_SASL_SCRAM_SHA_256)))
        return "SCRAM-SHA-256";
    if (mw_pop3_client_timestamp(f->c, &ts) == MW_OK)
        return "APOP";
    if (!have_caps || (caps.flags & MW_POP3_CAP_USER))
        return "USER";
    if ((caps.flags & MW_POP3_CAP_SASL) &&
        (caps.sasl_mask & MW_SASL_BIT(MW_SASL_PLAIN)))
        return "PLAIN";
    return "USER";
}

static int do_login(fetch *f, const login *l, const char *method)
{
    if (!method)
        method = choose_method(f);
    if (strcasecmp(method, "USER") == 0 || strcasecmp(method, "PASS") == 0)
        return login_user_pass(f, l);
    if (strcasecmp(method, "APOP") == 0)
        return login_apop(f, l);
    mw_sasl_mech mech = mw_sasl_mech_from_name(method, strlen(method));
    if (mech == MW_SASL_NONE)
        return mwcli_fail(TOOL, EX_USAGE, "unknown --auth method");
    return login_sasl(f, l, mech);
}

/* ------------------------------------------------------------------ */
/* The maildrop                                                        */
/* ------------------------------------------------------------------ */

static int read_maildrop(fetch *f)
{
    int rc = run_command(f, mw_pop3_client_stat(f->c));
    if (rc)
        return rc;
    if (f->kind != MW_POP3_OK)
        return refused(f, "STAT", EX_UNAVAILABLE);
    f->count = f->stat_count;
    f->uids = calloc(f->count + 1u, sizeof(*f->uids));
    f->sizes = calloc(f->count + 1u, sizeof(*f->sizes));
    if (!f->uids || !f->sizes)
        return mwcli_fail(TOOL, EX_OSERR, "out of memory");
    if (f->count == 0)
        return 0;
    rc = run_command(f, mw_pop3_client_list(f->c, 0));
    if (rc)
        return rc;
    mw_status st = mw_pop3_client_uidl(f->c, 0);
    if (st == MW_E_UNSUPPORTED)
        return 0; /* no UIDL: every message counts as new */
    return run_command(f, st);
}

/* A header value for one table cell: unfolded, encoded words decoded,
 * tabs and line breaks made spaces so the table stays a table. */
static void print_cell(const mw_msg_entity *root, const char *name)
{
    mw_span raw;
    mw_buf unf, dec;
    mw_buf_init_growable(&unf, NULL, 0);
    mw_buf_init_growable(&dec, NULL, 0);
    if (mw_msg_header_first(root, name, &raw) == MW_OK &&
        mw_header_unfold(raw.ptr, raw.len, MW_UNFOLD_TRIM, &unf) == MW_OK &&
        mw_rfc2047_decode((const char *)unf.data, unf.len, NULL, &dec, NULL) ==
            MW_OK) {
        for (size_t i = 0; i < dec.len; i++) {
            char ch = (char)dec.data[i];
            putchar(ch == '\t' || ch == '\r' || ch == '\n' ? ' ' : ch);
        }
    }
    mw_buf_free(&unf);
    mw_buf_free(&dec);
}

static int list_one(fetch *f, uint32_t n)
{
    f->mode = MODE_TOP;
    f->top_len = 0;
    int rc = run_command(f, mw_pop3_client_top(f->c, n, 0));
    f->mode = MODE_NONE;
    if (rc)
        return rc;
    mw_msg_tree *tree = NULL;
    if (f->kind != MW_POP3_OK ||
        mw_msg_tree_parse(f->top, f->top_len, NULL, NULL, &tree) != MW_OK) {
        fprintf(stderr, "%s: TOP %u failed: %s\n", TOOL, (unsigned)n, f->text);
        return EX_UNAVAILABLE;
    }
    const mw_msg_entity *root = mw_msg_tree_root(tree);
    printf("%u\t%llu\t%s\t", (unsigned)n, (unsigned long long)f->sizes[n - 1],
           f->uids[n - 1] ? f->uids[n - 1] : "");
    print_cell(root, "From");
    putchar('\t');
    print_cell(root, "Subject");
    putchar('\n');
    mw_msg_tree_free(tree);
    return 0;
}

static int list_all(fetch *f)
{
    printf("number\tsize\tuid\tfrom\tsubject\n");
    for (uint32_t n = 1; n <= f->count; n++) {
        int rc = list_one(f, n);
        if (rc)
            return rc;
    }
    return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

/* ------------------------------------------------------------------ */
/* The UIDL state                                                      */
/* ------------------------------------------------------------------ */

typedef struct uidset {
    char **v;
    size_t n;
} uidset;

static int uidset_has(const uidset *u, const char *uid)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->v[i], uid) == 0)
            return 1;
    return 0;
}

static int uidset_add(uidset *u, const char *uid, size_t len)
{
    char **grown = realloc(u->v, (u->n + 1) * sizeof(*u->v));
    if (!grown)
        return -1;
    u->v = grown;
    u->v[u->n] = strndup(uid, len);
    if (!u->v[u->n])
        return -1;
    u->n++;
    return 0;
}

static void uidset_free(uidset *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->v[i]);
    free(u->v);
    u->v = NULL;
    u->n = 0;
}

static int load_state(const char *path, uidset *u)
{
    if (!path || access(path, F_OK) != 0)
        return 0; /* no state yet: nothing downloaded */
    char *data = NULL;
    size_t len = 0;
    int rc = mwcli_read_file(path, &data, &len);
    if (rc)
        return rc;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t l = end - pos;
        if (l > 0 && data[pos + l - 1] == '\r')
            l--;
        if (l > 0 && uidset_add(u, data + pos, l) != 0)
            rc = EX_OSERR;
        pos = end + 1;
    }
    free(data);
    return rc;
}

/* Write FILE.tmp.PID and rename it over FILE: a crash leaves the old or
 * the new state, never half of one. */
static int save_state(const char *path, const uidset *u)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    if (!fp)
        return mwcli_fail(TOOL, EX_CANTCREAT, "cannot write the UIDL state");
    for (size_t i = 0; i < u->n; i++)
        fprintf(fp, "%s\n", u->v[i]);
    int bad = fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return mwcli_fail(TOOL, EX_IOERR, "cannot write the UIDL state");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The Maildir                                                         */
/* ------------------------------------------------------------------ */

static int make_dir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int make_maildir(const char *dir)
{
    char p[4096];
    if (make_dir(dir) != 0)
        return mwcli_fail(TOOL, EX_CANTCREAT, "cannot create the Maildir");
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, subs[i]);
        if (make_dir(p) != 0)
            return mwcli_fail(TOOL, EX_CANTCREAT, "cannot create the Maildir");
    }
    return 0;
}

/* "<time>.<unique>.<host>" (DESIGN.md): the unique part joins the
 * microsecond clock, the pid, a counter and random bits. */
static void unique_name(char *out, size_t cap, unsigned serial)
{
    int64_t now = 0;
    uint8_t r[6] = {0};
    char host[64] = "localhost";
    (void)mw_net_now_unix(&now, NULL);
    (void)mw_net_random(r, sizeof(r));
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
        snprintf(host, sizeof(host), "localhost");
    for (char *p = host; *p; p++)
        if (*p == '/' || *p == ':')
            *p = '_'; /* the Maildir separators */
    snprintf(out, cap, "%lld.M%lluP%ldQ%uR%02x%02x%02x%02x%02x%02x.%s",
             (long long)now,
             (unsigned long long)(mw_net_monotonic_ms() % 1000000u),
             (long)getpid(), serial, r[0], r[1], r[2], r[3], r[4], r[5], host);
}

static int retrieve(fetch *f, const char *dir, uint32_t n, unsigned serial)
{
    char name[256], tmp[4400], dst[4400];
    unique_name(name, sizeof(name), serial);
    snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
    snprintf(dst, sizeof(dst), "%s/new/%s", dir, name);
    f->out_fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->out_fd < 0)
        return mwcli_fail(TOOL, EX_CANTCREAT, "cannot create a file in tmp/");
    f->pending_cr = 0;
    f->write_failed = 0;
    f->mode = MODE_RETR;
    int rc = run_command(f, mw_pop3_client_retr(f->c, n));
    f->mode = MODE_NONE;
    if (f->pending_cr)
        write_all(f, "\r", 1);
    int bad = f->write_failed || fsync(f->out_fd) != 0;
    bad |= close(f->out_fd) != 0;
    f->out_fd = -1;
    if (!rc && f->kind != MW_POP3_OK) {
        unlink(tmp);
        return refused(f, "RETR", EX_UNAVAILABLE);
    }
    if (!rc && (bad || rename(tmp, dst) != 0))
        rc = mwcli_fail(TOOL, EX_IOERR, "cannot store a message");
    if (rc)
        unlink(tmp);
    return rc;
}

typedef struct outcome {
    unsigned fetched, deleted;
} outcome;

/* Download what the state does not know; mark for deletion what is
 * stored locally. The new state lists the uids on the server that are
 * stored locally, so it does not grow without end. */
static int fetch_all(fetch *f, const options *o, uidset *seen, uidset *next,
                     outcome *out)
{
    for (uint32_t n = 1; n <= f->count; n++) {
        const char *uid = f->uids[n - 1];
        if (!uid || !uidset_has(seen, uid)) {
            int rc = retrieve(f, o->maildir, n, out->fetched);
            if (rc)
                return rc;
            out->fetched++;
        }
        if (uid && uidset_add(next, uid, strlen(uid)) != 0)
            return mwcli_fail(TOOL, EX_OSERR, "out of memory");
        if (o->del) {
            int rc = run_command(f, mw_pop3_client_dele(f->c, n));
            if (rc)
                return rc;
            if (f->kind != MW_POP3_OK)
                return refused(f, "DELE", EX_UNAVAILABLE);
            out->deleted++;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */

static int setup_tls(fetch *f, const options *o, int need)
{
    if (!need)
        return 0;
#ifdef MW_FETCH_HAVE_TLS
    mw_tls_config cfg;
    char err[256] = "";
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_CLIENT;
    cfg.ca_file = o->cafile;
    cfg.flags = o->insecure ? MW_TLS_INSECURE : 0u;
    if (mw_tls_context_new(&cfg, NULL, &f->tls, err, sizeof(err)) != MW_OK)
        return mwcli_fail(TOOL, EX_DATAERR, err[0] ? err : "TLS setup failed");
    return 0;
#else
    (void)f;
    (void)o;
    return mwcli_fail(TOOL, EX_USAGE, "built without TLS support");
#endif
}

static int connect_server(fetch *f, const target *tg)
{
    mw_net_error err;
    char text[200];
    mw_net_connect_opts co;
    memset(&co, 0, sizeof(co));
    co.size = sizeof(co);
    co.timeout_ms = 30000;
    mw_status st = mw_net_connect(tg->host, tg->port, &co, NULL, &f->t, &err);
    if (st != MW_OK)
        return mwcli_fail(TOOL, EX_TEMPFAIL,
                          mw_net_error_text(&err, text, sizeof(text)));
    if (tg->implicit_tls)
        return start_tls(f);
    return 0;
}

static int open_session(fetch *f, const options *o, const target *tg)
{
    mw_pop3_client_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.size = sizeof(cc);
    cc.flags = tg->implicit_tls ? MW_POP3_CLIENT_TLS_ACTIVE : 0u;
    if (mw_pop3_client_new(&cc, NULL, &f->c) != MW_OK)
        return mwcli_fail(TOOL, EX_OSERR, "out of memory");
    int rc = pump(f); /* the greeting */
    if (rc)
        return rc;
    if (f->kind != MW_POP3_OK)
        return refused(f, "the connection", EX_UNAVAILABLE);
    rc = run_command(f, mw_pop3_client_capa(f->c));
    if (rc || !o->stls)
        return rc; /* a server without CAPA answers -ERR: no capabilities */
    rc = run_command(f, mw_pop3_client_stls(f->c));
    if (!rc && f->kind != MW_POP3_OK)
        return refused(f, "STLS", EX_UNAVAILABLE);
    return rc;
}

static int session(fetch *f, const options *o, const target *tg,
                   const char *password)
{
    login l = {tg->user, password};
    int rc = open_session(f, o, tg);
    if (!rc)
        rc = do_login(f, &l, o->auth);
    if (!rc)
        rc = read_maildrop(f);
    if (rc)
        return rc;
    if (o->list) {
        rc = list_all(f);
        if (!rc)
            rc = run_command(f, mw_pop3_client_quit(f->c));
        return rc;
    }
    uidset seen = {NULL, 0}, next = {NULL, 0};
    outcome out = {0, 0};
    rc = make_maildir(o->maildir);
    if (!rc)
        rc = load_state(o->state, &seen);
    if (!rc)
        rc = fetch_all(f, o, &seen, &next, &out);
    if (!rc) {
        rc = run_command(f, mw_pop3_client_quit(f->c));
        if (!rc && f->kind != MW_POP3_OK)
            rc = refused(f, "QUIT (deleting)", EX_TEMPFAIL);
        /* deleted messages are gone from the server: forget their uids */
        if (!rc && o->del)
            uidset_free(&next);
    }
    /* after a failure, keep what was stored so far: the next run must
     * not download it again */
    for (size_t i = 0; rc && i < seen.n; i++)
        if (!uidset_has(&next, seen.v[i]))
            (void)uidset_add(&next, seen.v[i], strlen(seen.v[i]));
    if (o->state && (!rc || next.n > 0)) {
        int src = save_state(o->state, &next);
        rc = rc ? rc : src;
    }
    fprintf(stderr, "%s: %u new message%s, %u deleted\n", TOOL, out.fetched,
            out.fetched == 1 ? "" : "s", rc ? 0u : out.deleted);
    uidset_free(&seen);
    uidset_free(&next);
    return rc;
}

static void cleanup(fetch *f)
{
    mw_pop3_client_free(f->c);
    mw_transport_close(f->t);
#ifdef MW_FETCH_HAVE_TLS
    mw_tls_context_free(f->tls);
#endif
    for (uint32_t i = 0; f->uids && i < f->count; i++)
        free(f->uids[i]);
    free(f->uids);
    free(f->sizes);
    free(f->top);
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &rc))
        return rc;
    options o;
    memset(&o, 0, sizeof(o));
    rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    target tg;
    memset(&tg, 0, sizeof(tg));
    tg.implicit_tls = o.tls; /* --tls also makes 995 the default port */
    if (parse_url(o.url, &tg) != 0)
        return mwcli_fail(TOOL, EX_USAGE, "want pop3://USER@HOST[:PORT]");
    char *password = NULL;
    rc = read_password(o.password_file, &password);
    if (rc)
        return rc;
    static fetch f;
    f.out_fd = -1;
    f.host = tg.host;
    signal(SIGPIPE, SIG_IGN);
    rc = setup_tls(&f, &o, tg.implicit_tls || o.stls);
    if (!rc)
        rc = connect_server(&f, &tg);
    if (!rc)
        rc = session(&f, &o, &tg, password);
    size_t plen = strlen(password);
    memset(password, 0, plen);
    free(password);
    cleanup(&f);
    return rc;
}
