/* mw-pop3d: a small POP3 server serving Maildirs (the ones mw-smtpd
 * writes). Every connection is one sans-IO server session; a poll() loop
 * moves bytes between the sessions and non-blocking transports, and the
 * code below answers the sessions' events: logins (USER/PASS, APOP, SASL
 * PLAIN and SCRAM-SHA-256), message contents streamed from the files, and
 * the deletions at QUIT. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mailwire/mailwire.h"
#include "mailwire/net.h"
#include "mailwire/pop3.h"
#include "mailwire/sasl.h"
#ifdef MW_POP3D_HAVE_TLS
#include "mailwire/tls.h"
#endif

#define TOOL "mw-pop3d"
#define IDLE_MS (10 * 60 * 1000) /* RFC 1939 section 3: at least 10 min */
#define CHUNK 16384
#define SCRAM_ITERATIONS 4096u

static const char usage[] =
    "usage: mw-pop3d --listen ADDR:PORT --maildir ROOT --auth-file F\n"
    "                [--tls-cert F --tls-key F]\n"
    "A POP3 server for the Maildirs under ROOT: user U's maildrop is\n"
    "ROOT/U/ (new/ and cur/, in delivery order by file name). F holds one\n"
    "\"user:password\" a line. Logins: USER/PASS, APOP, SASL PLAIN and\n"
    "SCRAM-SHA-256; STLS when a certificate is given. With port 0 the\n"
    "bound port is printed first on stdout. SIGTERM stops it.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct account {
    char *name;
    char *password;
} account;

/* One message of an open maildrop. */
typedef struct drop_msg {
    char *path;
    char *uid;
} drop_msg;

typedef struct conn {
    mw_transport *t;
    mw_pop3_server *s;
    char in[CHUNK];
    size_t in_len;
    int handshaking;
    unsigned poll_want; /* MW_WANT_READ/WRITE to wait for */
    uint64_t last_ms;
    char peer[64];
    /* the open (locked) maildrop */
    char *user;
    uint32_t count;
    drop_msg *msgs;
    uint64_t *sizes;
    mw_span *uids;
    /* a RETR or TOP being streamed */
    int send_fd;
    char chunk[CHUNK];
    size_t chunk_len;
    struct conn *next;
} conn;

typedef struct server {
    int lfd;
    const char *root;
    account *accounts;
    size_t naccounts;
    conn *conns;
    char timestamp_host[64];
    uint64_t serial;
#ifdef MW_POP3D_HAVE_TLS
    mw_tls_context *tls;
#endif
    int have_tls;
} server;

/* One log line on stderr: "mw-pop3d: PEER: WHAT WHO". */
static void log_line(const char *peer, const char *what, const char *who)
{
    fprintf(stderr, "%s: %s: %s %s\n", TOOL, peer, what, who);
}

/* ------------------------------------------------------------------ */
/* Accounts                                                            */
/* ------------------------------------------------------------------ */

static int add_account(server *sv, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line)
        return -1;
    account *grown =
        realloc(sv->accounts, (sv->naccounts + 1) * sizeof(*sv->accounts));
    if (!grown)
        return -1;
    sv->accounts = grown;
    account *a = &sv->accounts[sv->naccounts];
    a->name = strndup(line, (size_t)(colon - line));
    a->password = strndup(colon + 1, len - (size_t)(colon + 1 - line));
    if (!a->name || !a->password) {
        free(a->name);
        free(a->password);
        return -1;
    }
    sv->naccounts++;
    return 0;
}

static int load_accounts(server *sv, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int rc = mwcli_read_file(path, &data, &len);
    if (rc)
        return rc;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t l = end - pos;
        if (l > 0 && data[pos + l - 1] == '\r')
            l--;
        if (l > 0 && data[pos] != '#' && add_account(sv, data + pos, l) != 0) {
            free(data);
            return mwcli_fail(TOOL, EX_DATAERR,
                              "auth file: want one user:password a line");
        }
        pos = end + 1;
    }
    free(data);
    return 0;
}

static const account *find_account(const server *sv, const char *name,
                                   size_t len)
{
    for (size_t i = 0; i < sv->naccounts; i++)
        if (strlen(sv->accounts[i].name) == len &&
            memcmp(sv->accounts[i].name, name, len) == 0)
            return &sv->accounts[i];
    return NULL;
}

/* Constant-time comparison: the time must not tell how much matched. */
static int same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned diff = alen != blen;
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned)(unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* The maildrop directory name of a login name (DESIGN.md: lower-cased,
 * +detail dropped, no '/', no leading '.', no ".."), or NULL. */
static char *mailbox_name(const char *user, size_t len)
{
    const char *plus = memchr(user, '+', len);
    if (plus)
        len = (size_t)(plus - user);
    if (len == 0 || user[0] == '.' || memchr(user, '/', len) ||
        memchr(user, '\0', len))
        return NULL;
    char *name = strndup(user, len);
    if (!name)
        return NULL;
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (strstr(name, "..")) {
        free(name);
        return NULL;
    }
    return name;
}

/* ------------------------------------------------------------------ */
/* Maildrops                                                           */
/* ------------------------------------------------------------------ */

static int cmp_msg(const void *a, const void *b)
{
    const drop_msg *x = a, *y = b;
    const char *nx = strrchr(x->path, '/') + 1;
    const char *ny = strrchr(y->path, '/') + 1;
    return strcmp(nx, ny);
}

/* Octets of the file as sent: every line end counts as CRLF, and a last
 * line without one gets one (the dot writer adds it). */
static int wire_size(const char *path, uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[CHUNK];
    uint64_t n = 0;
    int prev_cr = 0;
    unsigned char last = '\n';
    ssize_t got;
    while ((got = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            unsigned char c = (unsigned char)buf[i];
            if (c == '\n')
                n += prev_cr ? 0 : 2;
            else if (c == '\r')
                n += 2;
            else
                n += 1;
            prev_cr = c == '\r';
            last = c;
        }
    }
    close(fd);
    if (got < 0)
        return -1;
    if (n > 0 && last != '\n' && last != '\r')
        n += 2;
    *size = n;
    return 0;
}

static int add_dir(conn *c, const char *dir, const char *sub, size_t *cap)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (c->count == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            drop_msg *m = realloc(c->msgs, ncap * sizeof(*m));
            if (!m) {
                closedir(d);
                return -1;
            }
            c->msgs = m;
            *cap = ncap;
        }
        size_t plen = strlen(path) + strlen(e->d_name) + 2;
        char *p = malloc(plen);
        if (!p) {
            closedir(d);
            return -1;
        }
        snprintf(p, plen, "%s/%s", path, e->d_name);
        c->msgs[c->count].path = p;
        c->msgs[c->count].uid = NULL;
        c->count++;
    }
    closedir(d);
    return 0;
}

/* The unique name before ":2,"; an id POP3 cannot carry (RFC 1939: 1 to 70
 * characters 0x21..0x7E) is replaced by the hex MD5 of the name. */
static char *make_uid(const char *path)
{
    const char *name = strrchr(path, '/') + 1;
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);
    int ok = len >= 1 && len <= 70;
    for (size_t i = 0; ok && i < len; i++)
        ok = name[i] > 0x20 && name[i] < 0x7f;
    if (ok)
        return strndup(name, len);
    mw_md5 md;
    uint8_t dig[MW_MD5_LEN];
    mw_md5_init(&md);
    mw_md5_update(&md, name, len);
    mw_md5_final(&md, dig);
    char *hex = malloc(2 * MW_MD5_LEN + 1);
    if (hex)
        for (size_t i = 0; i < MW_MD5_LEN; i++)
            snprintf(hex + 2 * i, 3, "%02x", dig[i]);
    return hex;
}

static void drop_close(conn *c)
{
    for (uint32_t i = 0; i < c->count; i++) {
        free(c->msgs[i].path);
        free(c->msgs[i].uid);
    }
    free(c->msgs);
    free(c->sizes);
    free(c->uids);
    free(c->user);
    c->msgs = NULL;
    c->sizes = NULL;
    c->uids = NULL;
    c->user = NULL;
    c->count = 0;
}

static int drop_open(const server *sv, conn *c, const char *mailbox)
{
    char dir[4096];
    size_t cap = 0;
    snprintf(dir, sizeof(dir), "%s/%s", sv->root, mailbox);
    c->count = 0;
    if (add_dir(c, dir, "new", &cap) != 0 || add_dir(c, dir, "cur", &cap) != 0)
        return -1;
    if (c->count > 0)
        qsort(c->msgs, c->count, sizeof(*c->msgs), cmp_msg);
    c->sizes = calloc(c->count + 1u, sizeof(*c->sizes));
    c->uids = calloc(c->count + 1u, sizeof(*c->uids));
    if (!c->sizes || !c->uids)
        return -1;
    for (uint32_t i = 0; i < c->count; i++) {
        c->msgs[i].uid = make_uid(c->msgs[i].path);
        if (!c->msgs[i].uid || wire_size(c->msgs[i].path, &c->sizes[i]) != 0)
            return -1;
        c->uids[i].ptr = c->msgs[i].uid;
        c->uids[i].len = strlen(c->msgs[i].uid);
    }
    return 0;
}

static int drop_in_use(const server *sv, const char *mailbox)
{
    for (const conn *o = sv->conns; o; o = o->next)
        if (o->user && strcmp(o->user, mailbox) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static int login_secret_ok(const server *sv, conn *c,
                           const mw_pop3_server_event *ev)
{
    const account *a = find_account(sv, ev->user.ptr, ev->user.len);
    if (ev->method == MW_POP3_LOGIN_SASL)
        return a != NULL; /* the mechanism checked the secret */
    if (!a)
        return 0;
    if (ev->method == MW_POP3_LOGIN_APOP)
        return mw_pop3_server_apop_verify(c->s, a->password,
                                          strlen(a->password));
    return same_secret(ev->secret.ptr, ev->secret.len, a->password,
                       strlen(a->password));
}

static void on_login(server *sv, conn *c, const mw_pop3_server_event *ev)
{
    char who[128];
    snprintf(who, sizeof(who), "%.*s",
             (int)(ev->user.len > 100 ? 100 : ev->user.len), ev->user.ptr);
    if (!login_secret_ok(sv, c, ev)) {
        log_line(c->peer, "login refused for", who);
        (void)mw_pop3_server_login_fail(c->s, MW_POP3_CODE_AUTH);
        return;
    }
    char *mailbox = mailbox_name(ev->user.ptr, ev->user.len);
    if (!mailbox) {
        (void)mw_pop3_server_login_fail(c->s, MW_POP3_CODE_AUTH);
        return;
    }
    if (drop_in_use(sv, mailbox)) {
        log_line(c->peer, "maildrop in use:", who);
        free(mailbox);
        (void)mw_pop3_server_login_fail(c->s, MW_POP3_CODE_IN_USE);
        return;
    }
    mw_pop3_maildrop md;
    memset(&md, 0, sizeof(md));
    if (drop_open(sv, c, mailbox) == 0) {
        md.count = c->count;
        md.sizes = c->sizes;
        md.uids = c->uids;
        if (mw_pop3_server_login_ok(c->s, &md) == MW_OK) {
            c->user = mailbox;
            log_line(c->peer, "logged in:", who);
            return;
        }
    }
    drop_close(c);
    free(mailbox);
    (void)mw_pop3_server_login_fail(c->s, MW_POP3_CODE_SYS_TEMP);
}

static void on_auth(server *sv, conn *c, const mw_pop3_server_event *ev)
{
    (void)sv;
    mw_sasl_server_config cfg;
    uint8_t rnd[32];
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = (uint32_t)mw_sasl_mech_from_name(ev->mech.ptr, ev->mech.len);
    cfg.random.ptr = (const char *)rnd;
    cfg.random.len = sizeof(rnd);
    mw_sasl *sasl = NULL;
    if (mw_net_random(rnd, sizeof(rnd)) != MW_OK ||
        mw_sasl_server_new(&cfg, NULL, &sasl) != MW_OK ||
        mw_pop3_server_auth_start(c->s, sasl) != MW_OK) {
        mw_sasl_free(sasl);
        (void)mw_pop3_server_login_fail(c->s, MW_POP3_CODE_SYS_TEMP);
    }
}

/* SCRAM credentials from the stored password, with a fresh salt: the
 * auth file keeps plain passwords (APOP needs them anyway). An unknown
 * user gets a random password, so the exchange fails at the proof
 * without telling whether the user exists. */
static mw_status give_scram(mw_sasl *sasl, const account *a)
{
    uint8_t salt[16], fake[24], stored[32], srvkey[32];
    if (mw_net_random(salt, sizeof(salt)) != MW_OK ||
        mw_net_random(fake, sizeof(fake)) != MW_OK)
        return MW_E_IO;
    const void *pw = a ? (const void *)a->password : (const void *)fake;
    size_t pwlen = a ? strlen(a->password) : sizeof(fake);
    mw_status st =
        mw_scram_derive_keys(MW_HASH_SHA256, pw, pwlen, salt, sizeof(salt),
                             SCRAM_ITERATIONS, stored, srvkey, sizeof(stored));
    if (st == MW_OK)
        st =
            mw_sasl_server_set_scram(sasl, salt, sizeof(salt), SCRAM_ITERATIONS,
                                     stored, srvkey, sizeof(stored));
    return st;
}

static void on_sasl_need(server *sv, conn *c, const mw_pop3_server_event *ev)
{
    mw_sasl *sasl = mw_pop3_server_sasl(c->s);
    const account *a = find_account(sv, ev->user.ptr, ev->user.len);
    if (mw_sasl_mechanism(sasl) == MW_SASL_SCRAM_SHA_256)
        (void)give_scram(sasl, a);
    else if (a)
        (void)mw_sasl_server_set_password(sasl, a->password,
                                          strlen(a->password));
    else
        (void)mw_sasl_server_set_verdict(sasl, 0);
    (void)mw_pop3_server_auth_continue(c->s);
}

static void on_retr(conn *c, const mw_pop3_server_event *ev)
{
    c->send_fd = -1;
    if (ev->msg >= 1 && ev->msg <= c->count)
        c->send_fd = open(c->msgs[ev->msg - 1].path, O_RDONLY | O_CLOEXEC);
    c->chunk_len = 0;
    if (c->send_fd < 0)
        (void)mw_pop3_server_send_error(c->s, MW_POP3_CODE_SYS_TEMP);
}

static void on_update(conn *c)
{
    int ok = 1;
    for (uint32_t i = 0; i < c->count; i++)
        if (mw_pop3_server_is_deleted(c->s, i + 1) &&
            unlink(c->msgs[i].path) != 0 && errno != ENOENT)
            ok = 0;
    log_line(c->peer, "quit:", c->user ? c->user : "?");
    (void)mw_pop3_server_update_done(c->s, ok);
}

static void handle_event(server *sv, conn *c, const mw_pop3_server_event *ev)
{
    switch (ev->type) {
    case MW_POP3_SEV_LOGIN:
        on_login(sv, c, ev);
        break;
    case MW_POP3_SEV_AUTH:
        on_auth(sv, c, ev);
        break;
    case MW_POP3_SEV_SASL_NEED:
        on_sasl_need(sv, c, ev);
        break;
    case MW_POP3_SEV_RETR:
    case MW_POP3_SEV_TOP:
        on_retr(c, ev);
        break;
    case MW_POP3_SEV_UPDATE:
        on_update(c);
        break;
    case MW_POP3_SEV_DISCARDED:
        log_line(c->peer, "discarded plaintext pipelined after", "STLS");
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

static void conn_close(server *sv, conn *c)
{
    for (conn **p = &sv->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    if (c->send_fd >= 0)
        close(c->send_fd);
    mw_transport_close(c->t);
    mw_pop3_server_free(c->s);
    drop_close(c);
    free(c);
}

/* Stream the message being sent; returns 1 on progress. A chunk the
 * session has no room for is kept and offered again once output drains. */
static int pump_send(conn *c)
{
    int progress = 0;
    while (c->send_fd >= 0) {
        if (c->chunk_len == 0) {
            ssize_t n = mw_pop3_server_top_full(c->s)
                            ? 0
                            : read(c->send_fd, c->chunk, sizeof(c->chunk));
            if (n <= 0) {
                if (mw_pop3_server_send_end(c->s) != MW_OK)
                    return progress;
                close(c->send_fd);
                c->send_fd = -1;
                return 1;
            }
            c->chunk_len = (size_t)n;
        }
        if (mw_pop3_server_send_data(c->s, c->chunk, c->chunk_len) != MW_OK)
            return progress;
        c->chunk_len = 0;
        progress = 1;
    }
    return progress;
}

/* Returns 1 when an event was handled. */
static int feed_input(server *sv, conn *c)
{
    int handled = 0;
    size_t off = 0;
    /* also with nothing buffered: answering one event may queue the next
     * (SASL_NEED after AUTH, LOGIN after SASL), delivered by a feed */
    while (c->send_fd < 0) {
        size_t used = 0;
        mw_pop3_server_event ev;
        mw_status st =
            mw_pop3_server_feed(c->s, c->in + off, c->in_len - off, &used, &ev);
        off += used;
        if (st != MW_OK)
            break; /* NEED_MORE, STATE (answer owed), NOSPACE (drain) */
        handle_event(sv, c, &ev);
        handled = 1;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return handled;
}

/* Write pending output; 1 when the transport would block, -1 on error. */
static int flush_output(conn *c)
{
    size_t len = 0;
    const char *out;
    while ((out = mw_pop3_server_output(c->s, &len)) != NULL && len > 0) {
        size_t n = 0;
        mw_status st = mw_transport_write(c->t, out, len, &n);
        if (st == MW_E_WOULDBLOCK)
            return 1;
        if (st != MW_OK)
            return -1;
        mw_pop3_server_output_done(c->s, n);
    }
    return 0;
}

static size_t pending_output(const conn *c)
{
    size_t len = 0;
    (void)mw_pop3_server_output(c->s, &len);
    return len;
}

/* The client's plaintext after STLS is never fed (RFC 2595 section 4,
 * STARTTLS command injection): drop it and start the handshake. */
static int start_tls(server *sv, conn *c)
{
    c->in_len = 0;
#ifdef MW_POP3D_HAVE_TLS
    if (sv->tls && mw_tls_upgrade(c->t, sv->tls, NULL) == MW_OK) {
        c->handshaking = 1;
        return 0;
    }
#else
    (void)sv;
#endif
    (void)mw_pop3_server_tls_done(c->s, 0);
    return -1;
}

/* Returns 1 when done for now (waiting on poll_want), 0 to go on, -1 to
 * close. */
static int advance_handshake(conn *c)
{
    mw_status st = mw_transport_handshake(c->t);
    if (st == MW_E_WOULDBLOCK) {
        c->poll_want = mw_transport_wants(c->t);
        return 1;
    }
    c->handshaking = 0;
    if (st != MW_OK) {
        (void)mw_pop3_server_tls_done(c->s, 0);
        return -1;
    }
    return mw_pop3_server_tls_done(c->s, 1) == MW_OK ? 0 : -1;
}

/* Make all the progress possible, then note what to wait for. */
static void service(server *sv, conn *c)
{
    c->last_ms = mw_net_monotonic_ms();
    for (;;) {
        if (c->handshaking) {
            int r = advance_handshake(c);
            if (r < 0)
                break;
            if (r > 0)
                return;
        }
        int wb = flush_output(c);
        if (wb < 0)
            break;
        unsigned wants = mw_pop3_server_wants(c->s);
        unsigned want_poll = wb ? mw_transport_wants(c->t) : 0u;
        if (pending_output(c) == 0) {
            if (wants & MW_WANT_CLOSE)
                break;
            if (wants & MW_WANT_TLS) {
                if (start_tls(sv, c) != 0)
                    break;
                continue;
            }
        }
        int progress = pump_send(c);
        size_t before = c->in_len;
        progress |= feed_input(sv, c);
        progress |= c->in_len != before;
        wants = mw_pop3_server_wants(c->s);
        if ((wants & MW_WANT_READ) && c->send_fd < 0 &&
            c->in_len < sizeof(c->in)) {
            size_t n = 0;
            mw_status st = mw_transport_read(c->t, c->in + c->in_len,
                                             sizeof(c->in) - c->in_len, &n);
            if (st == MW_E_WOULDBLOCK) {
                want_poll |= mw_transport_wants(c->t);
            } else if (st != MW_OK) {
                /* a dropped connection: no UPDATE, nothing deleted */
                (void)mw_pop3_server_eof(c->s);
                break;
            }
            c->in_len += n;
            progress |= n > 0;
        }
        if (progress || (pending_output(c) > 0 && !wb))
            continue;
        /* nothing wanted (an answer still owed): wait for nothing, so a
         * hung-up socket cannot spin the loop; run() drops it on HUP */
        c->poll_want = want_poll ? want_poll : (wants & MW_WANT_READ);
        return;
    }
    conn_close(sv, c);
}

static void make_timestamp(server *sv, char *out, size_t cap)
{
    uint8_t r[8];
    uint64_t v = 0;
    if (mw_net_random(r, sizeof(r)) == MW_OK)
        for (size_t i = 0; i < sizeof(r); i++)
            v = (v << 8) | r[i];
    snprintf(out, cap, "<%ld.%llu.%llx@%s>", (long)getpid(),
             (unsigned long long)++sv->serial, (unsigned long long)v,
             sv->timestamp_host);
}

static mw_status new_session(server *sv, conn *c)
{
    char ts[160];
    make_timestamp(sv, ts, sizeof(ts));
    mw_pop3_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_POP3_SERVER_USER | MW_POP3_SERVER_APOP |
                (sv->have_tls ? MW_POP3_SERVER_STLS : 0u);
    cfg.timestamp.ptr = ts;
    cfg.timestamp.len = strlen(ts);
    cfg.name.ptr = sv->timestamp_host;
    cfg.name.len = strlen(sv->timestamp_host);
    cfg.sasl_mechs.ptr = "SCRAM-SHA-256 PLAIN";
    cfg.sasl_mechs.len = strlen(cfg.sasl_mechs.ptr);
    cfg.implementation.ptr = "mailwire-mw-pop3d";
    cfg.implementation.len = strlen(cfg.implementation.ptr);
    return mw_pop3_server_new(&cfg, NULL, &c->s);
}

static void accept_all(server *sv)
{
    for (;;) {
        mw_transport *t = NULL;
        char peer[48] = "";
        if (mw_net_accept(sv->lfd, NULL, &t, peer, sizeof(peer), NULL) != MW_OK)
            return; /* WOULDBLOCK: done; errors (EMFILE...): retry later */
        conn *c = calloc(1, sizeof(*c));
        if (!c || new_session(sv, c) != MW_OK) {
            free(c);
            mw_transport_close(t);
            continue;
        }
        c->t = t;
        c->send_fd = -1;
        snprintf(c->peer, sizeof(c->peer), "%s", peer);
        c->next = sv->conns;
        sv->conns = c;
        service(sv, c); /* the greeting goes out at once */
    }
}

static void sweep_idle(server *sv)
{
    uint64_t now = mw_net_monotonic_ms();
    conn *c = sv->conns;
    while (c) {
        conn *next = c->next;
        if (now - c->last_ms > IDLE_MS) /* RFC 1939: close, no UPDATE */
            conn_close(sv, c);
        c = next;
    }
}

static int run(server *sv)
{
    struct pollfd *fds = NULL;
    conn **owners = NULL;
    size_t cap = 0;
    while (!stop_requested) {
        size_t n = 1;
        for (conn *c = sv->conns; c; c = c->next)
            n++;
        if (n > cap) {
            struct pollfd *f = realloc(fds, n * 2 * sizeof(*f));
            conn **o = realloc(owners, n * 2 * sizeof(*o));
            if (f)
                fds = f;
            if (o)
                owners = o;
            if (!f || !o)
                break;
            cap = n * 2;
        }
        fds[0].fd = sv->lfd;
        fds[0].events = POLLIN;
        size_t i = 1;
        for (conn *c = sv->conns; c; c = c->next, i++) {
            fds[i].fd = mw_transport_fd(c->t);
            fds[i].events =
                (short)(((c->poll_want & MW_WANT_READ) ? POLLIN : 0) |
                        ((c->poll_want & MW_WANT_WRITE) ? POLLOUT : 0));
            owners[i] = c;
        }
        int r = poll(fds, (nfds_t)n, 1000);
        if (r < 0 && errno != EINTR)
            break;
        /* service may close connections: only those polled are touched,
         * and a closed one is never visited again in this round */
        for (i = 1; r > 0 && i < n; i++) {
            if (!fds[i].revents)
                continue;
            for (conn *c = sv->conns; c; c = c->next)
                if (c == owners[i]) {
                    if (c->poll_want == 0 &&
                        (fds[i].revents & (POLLHUP | POLLERR)))
                        conn_close(sv, c); /* dropped: no UPDATE */
                    else
                        service(sv, c);
                    break;
                }
        }
        if (r > 0 && (fds[0].revents & POLLIN))
            accept_all(sv);
        sweep_idle(sv);
    }
    free(fds);
    free(owners);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

typedef struct options {
    const char *listen, *root, *auth_file, *cert, *key;
} options;

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--listen") == 0)
            slot = &o->listen;
        else if (strcmp(argv[i], "--maildir") == 0)
            slot = &o->root;
        else if (strcmp(argv[i], "--auth-file") == 0)
            slot = &o->auth_file;
        else if (strcmp(argv[i], "--tls-cert") == 0)
            slot = &o->cert;
        else if (strcmp(argv[i], "--tls-key") == 0)
            slot = &o->key;
        if (!slot || i + 1 >= argc)
            return mwcli_fail(TOOL, EX_USAGE, "unknown option (see --help)");
        *slot = argv[++i];
    }
    if (!o->listen || !o->root || !o->auth_file)
        return mwcli_fail(TOOL, EX_USAGE,
                          "--listen, --maildir and --auth-file are required");
    if (!o->cert != !o->key)
        return mwcli_fail(TOOL, EX_USAGE,
                          "--tls-cert and --tls-key go together");
    return 0;
}

static int setup_tls(server *sv, const options *o)
{
    if (!o->cert)
        return 0;
#ifdef MW_POP3D_HAVE_TLS
    mw_tls_config cfg;
    char err[256] = "";
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.role = MW_TLS_SERVER;
    cfg.cert_file = o->cert;
    cfg.key_file = o->key;
    if (mw_tls_context_new(&cfg, NULL, &sv->tls, err, sizeof(err)) != MW_OK)
        return mwcli_fail(TOOL, EX_DATAERR, err[0] ? err : "TLS setup failed");
    sv->have_tls = 1;
    return 0;
#else
    (void)sv;
    return mwcli_fail(TOOL, EX_USAGE, "built without TLS support");
#endif
}

static int open_listener(server *sv, const char *listen_on)
{
    char host[256], port[8];
    if (mw_net_split_hostport(listen_on, NULL, host, sizeof(host), port,
                              sizeof(port)) != MW_OK)
        return mwcli_fail(TOOL, EX_USAGE, "--listen wants ADDR:PORT");
    uint16_t bound = 0;
    mw_net_error err;
    char text[160];
    if (mw_net_listen(host, port, 0, &sv->lfd, &bound, &err) != MW_OK)
        return mwcli_fail(TOOL, EX_OSERR,
                          mw_net_error_text(&err, text, sizeof(text)));
    printf("%u\n", (unsigned)bound);
    fflush(stdout);
    return 0;
}

static void cleanup(server *sv)
{
    while (sv->conns)
        conn_close(sv, sv->conns);
    mw_net_close_fd(sv->lfd);
    for (size_t i = 0; i < sv->naccounts; i++) {
        free(sv->accounts[i].name);
        free(sv->accounts[i].password);
    }
    free(sv->accounts);
#ifdef MW_POP3D_HAVE_TLS
    mw_tls_context_free(sv->tls);
#endif
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
    static server sv;
    sv.lfd = -1;
    sv.root = o.root;
    if (gethostname(sv.timestamp_host, sizeof(sv.timestamp_host) - 1) != 0 ||
        !sv.timestamp_host[0] || strchr(sv.timestamp_host, ' '))
        snprintf(sv.timestamp_host, sizeof(sv.timestamp_host), "localhost");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = load_accounts(&sv, o.auth_file);
    if (rc == 0)
        rc = setup_tls(&sv, &o);
    if (rc == 0)
        rc = open_listener(&sv, o.listen);
    if (rc == 0)
        rc = run(&sv);
    cleanup(&sv);
    return rc;
}
