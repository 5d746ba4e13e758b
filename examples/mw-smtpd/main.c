/* mw-smtpd: a small multi-connection SMTP server delivering into
 * Maildirs. One thread runs a poll() loop over non-blocking connections;
 * each connection is one sans-IO server session (smtp_server.h), so a slow
 * or vanished client only ever costs its own slot:
 *   output()/output_done() -> write when the socket is writable,
 *   feed() -> handle events -> accept or reply, feed again,
 *   wants() -> read, write, run the TLS handshake or close.
 * Delivery (maildir.c) writes each message to tmp/, fsyncs it and renames
 * it into new/ before the 250 reply. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mailwire/mailwire.h"
#include "mailwire/net.h"
#include "mailwire/smtp_server.h"
#if MW_SMTPD_TLS
#include "mailwire/tls.h"
#endif
#include "smtpd.h"

#define DEFAULT_MAX_SIZE (50ull * 1024 * 1024)
#define DEFAULT_IDLE_S 300 /* RFC 5321 4.5.3.2.7: server timeout */
#define DOMAINS_MAX 64
#define IN_SIZE 16384
#define READS_PER_ROUND 16 /* at most 256 KiB per connection and round */

static const char usage[] =
    "usage: mw-smtpd --listen ADDR:PORT --maildir ROOT [--domain D]...\n"
    "                [--tls-cert F --tls-key F] [--auth-file F] "
    "[--submission]\n"
    "                [--max-size BYTES] [--discard] [--idle-timeout SECONDS]\n"
    "A small SMTP server that delivers into ROOT/<local part>/{tmp,new,cur}.\n"
    "  --listen ADDR:PORT  address to listen on ([::1]:25, 127.0.0.1:0); with\n"
    "                      port 0 the bound port is printed first on stdout\n"
    "  --maildir ROOT      root of the per-user Maildirs (created on demand)\n"
    "  --domain D          accept mail for D (repeatable; default: any "
    "domain)\n"
    "  --tls-cert F, --tls-key F\n"
    "                      offer STARTTLS with this certificate and key\n"
    "  --auth-file F       offer AUTH (SCRAM-SHA-256; PLAIN and LOGIN only\n"
    "                      after STARTTLS when TLS is configured) against\n"
    "                      'user:password' lines\n"
    "  --submission        require AUTH before MAIL (needs --auth-file)\n"
    "  --max-size BYTES    largest message, announced in SIZE (default 50 MB)\n"
    "  --discard           accept messages and drop them (benchmarks)\n"
    "  --idle-timeout S    close idle connections after S seconds (300)\n"
    "Local parts are lower-cased and lose their +detail; names with '/', a\n"
    "leading '.' or '..' are refused. Stops cleanly on SIGTERM or SIGINT.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct options {
    const char *listen;
    const char *maildir;
    const char *domains[DOMAINS_MAX];
    size_t n_domains;
    const char *tls_cert, *tls_key, *auth_file;
    int submission, discard;
    uint64_t max_size;
    uint64_t idle_ms;
} options;

typedef struct conn {
    mw_transport *t;
    mw_smtp_server *s;
    char peer[64];
    char helo[128];
    int handshaking;
    short interest; /* poll events to wait for */
    uint64_t last_ms;
    size_t in_len;
    /* The open transaction: accepted mailboxes and the message file. */
    char (*rcpts)[MD_USER_MAX + 1];
    size_t n_rcpts, cap_rcpts;
    char first_rcpt[300];
    int in_data;
    md_writer w;
    struct conn *prev, *next;
    char in[IN_SIZE];
} conn;

typedef struct server {
    options o;
    int lfd;
    conn *conns;
    size_t n_conns;
    char hostname[256];
    char unique_host[256];
    mw_smtp_server_config cfg;
    mw_limits limits;
    smtpd_users users;
    int have_users;
    uint64_t counter;
    uint64_t accept_pause_until;
#if MW_SMTPD_TLS
    mw_tls_context *tls;
#endif
} server;

/* ------------------------------------------------------------------ */
/* Transactions                                                        */
/* ------------------------------------------------------------------ */

static void txn_reset(conn *c)
{
    md_abort(&c->w);
    c->n_rcpts = 0;
    c->in_data = 0;
    c->first_rcpt[0] = '\0';
}

static int domain_allowed(const server *sv, const mw_span *d)
{
    if (sv->o.n_domains == 0)
        return 1;
    for (size_t i = 0; i < sv->o.n_domains; i++) {
        const char *want = sv->o.domains[i];
        if (strlen(want) == d->len && strncasecmp(want, d->ptr, d->len) == 0)
            return 1;
    }
    return 0;
}

static void on_rcpt(server *sv, conn *c, const mw_smtp_cmd *cmd)
{
    char user[MD_USER_MAX + 1];
    const mw_smtp_path *p = &cmd->path;
    if (p->domain.len > 0 && !domain_allowed(sv, &p->domain)) {
        (void)mw_smtp_server_reply(c->s, 550, "5.7.1", "Relay access denied");
        return;
    }
    if (md_mailbox_name(p->local.ptr, p->local.len, user) != 0) {
        (void)mw_smtp_server_reply(c->s, 550, "5.1.3",
                                   "Mailbox name not allowed");
        return;
    }
    if (!sv->o.discard && md_prepare(sv->o.maildir, user) != 0) {
        fprintf(stderr, "%s: cannot create Maildir %s/%s: %s\n", TOOL,
                sv->o.maildir, user, strerror(errno));
        (void)mw_smtp_server_reply(c->s, 451, "4.3.0",
                                   "Mailbox unavailable, try again later");
        return;
    }
    for (size_t i = 0; i < c->n_rcpts; i++)
        if (strcmp(c->rcpts[i], user) == 0) {
            (void)mw_smtp_server_accept(c->s); /* one copy per mailbox */
            return;
        }
    if (c->n_rcpts == c->cap_rcpts) {
        size_t cap = c->cap_rcpts ? c->cap_rcpts * 2 : 4;
        void *v = realloc(c->rcpts, cap * sizeof(*c->rcpts));
        if (!v) {
            (void)mw_smtp_server_reply(c->s, 452, "4.3.1", "Out of memory");
            return;
        }
        c->rcpts = v;
        c->cap_rcpts = cap;
    }
    memcpy(c->rcpts[c->n_rcpts++], user, sizeof(user));
    if (c->n_rcpts == 1)
        snprintf(c->first_rcpt, sizeof(c->first_rcpt), "%.*s%s%.*s",
                 (int)p->local.len, p->local.ptr, p->domain.len ? "@" : "",
                 (int)p->domain.len, p->domain.ptr);
    (void)mw_smtp_server_accept(c->s);
}

/* Printable ASCII only, so that nothing a client sends can end or fold
 * the Received header. */
static void copy_printable(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[n++] =
            (ch > 0x20 && ch < 0x7f && ch != '(' && ch != ')') ? (char)ch : '?';
    }
    dst[n] = '\0';
}

static void write_received(server *sv, conn *c)
{
    char date[64] = "";
    mw_datetime dt;
    mw_buf b;
    mw_buf_init_fixed(&b, date, sizeof(date) - 1);
    if (mw_net_now(&dt) == MW_OK &&
        mw_datetime_format_rfc5322(&dt, &b) == MW_OK)
        date[b.len] = '\0';
    uint32_t st = mw_smtp_server_state(c->s);
    const char *with =
        (st & MW_SMTP_SERVER_S_TLS)
            ? ((st & MW_SMTP_SERVER_S_AUTH) ? "ESMTPSA" : "ESMTPS")
            : ((st & MW_SMTP_SERVER_S_AUTH) ? "ESMTPA" : "ESMTP");
    char rcpt[300];
    copy_printable(rcpt, sizeof(rcpt), c->first_rcpt, strlen(c->first_rcpt));
    char hdr[1200];
    int n =
        snprintf(hdr, sizeof(hdr),
                 "Received: from %s ([%s])\n\tby %s (mw-smtpd) with %s id "
                 "%s%s%s%s;\n\t%s\n",
                 c->helo[0] ? c->helo : "unknown", c->peer, sv->hostname, with,
                 c->w.unique, c->n_rcpts == 1 ? "\n\tfor <" : "",
                 c->n_rcpts == 1 ? rcpt : "", c->n_rcpts == 1 ? ">" : "", date);
    if (n > 0)
        md_write_raw(&c->w, hdr, (size_t)n < sizeof(hdr) ? (size_t)n : 0);
}

static void on_data(server *sv, conn *c)
{
    c->in_data = 1;
    if (sv->o.discard || c->n_rcpts == 0)
        return;
    if (md_open(&c->w, sv->o.maildir, c->rcpts[0], sv->unique_host,
                ++sv->counter) != 0) {
        fprintf(stderr, "%s: cannot create a file in %s/%s/tmp: %s\n", TOOL,
                sv->o.maildir, c->rcpts[0], strerror(errno));
        c->w.failed = 1;
        return;
    }
    write_received(sv, c);
}

static void on_message(server *sv, conn *c, const mw_smtp_server_event *ev)
{
    char text[256];
    if (sv->o.discard) {
        (void)mw_smtp_server_accept(c->s);
    } else if (c->w.fd >= 0 && !c->w.failed &&
               md_commit(&c->w, sv->o.maildir, c->rcpts, c->n_rcpts) == 0) {
        snprintf(text, sizeof(text), "Ok: queued as %s", c->w.unique);
        (void)mw_smtp_server_reply(c->s, 250, "2.0.0", text);
        fprintf(stderr,
                "%s: [%s] delivered %llu bytes to %zu mailbox(es): %s\n", TOOL,
                c->peer, (unsigned long long)ev->count, c->n_rcpts,
                c->w.unique);
    } else {
        fprintf(stderr, "%s: [%s] delivery failed: %s\n", TOOL, c->peer,
                strerror(errno));
        (void)mw_smtp_server_reply(c->s, 451, "4.3.0",
                                   "Local delivery failed, try again later");
    }
    txn_reset(c);
}

static void on_auth_credentials(server *sv, conn *c,
                                const mw_smtp_server_event *ev)
{
    mw_sasl *sasl = mw_smtp_server_sasl(c->s);
    const smtpd_user *u =
        users_find(&sv->users, ev->authcid.ptr, ev->authcid.len);
    if (!sasl) {
        (void)mw_smtp_server_reply(c->s, 454, "4.7.0", NULL);
        return;
    }
    if (ev->authzid.len > 0 &&
        (ev->authzid.len != ev->authcid.len ||
         memcmp(ev->authzid.ptr, ev->authcid.ptr, ev->authcid.len) != 0)) {
        (void)mw_smtp_server_reply(c->s, 535, "5.7.8",
                                   "Authorization identity refused");
        return;
    }
    mw_status st;
    if (ev->mech == MW_SASL_SCRAM_SHA_256) {
        if (u) {
            st = mw_sasl_server_set_scram(sasl, u->salt, sizeof(u->salt),
                                          SMTPD_SCRAM_ITERATIONS, u->stored_key,
                                          u->server_key, MW_SHA256_LEN);
        } else {
            /* An unknown user gets a stable made-up salt, so that the
             * exchange looks the same and fails only at the proof. */
            uint8_t fake[MW_SHA256_LEN], keys[2 * MW_SHA256_LEN];
            mw_hmac h;
            (void)mw_hmac_init(&h, MW_HASH_SHA256, sv->users.fake_secret,
                               sizeof(sv->users.fake_secret));
            mw_hmac_update(&h, ev->authcid.ptr, ev->authcid.len);
            (void)mw_hmac_final(&h, fake, sizeof(fake));
            (void)mw_net_random(keys, sizeof(keys));
            st = mw_sasl_server_set_scram(sasl, fake, 16,
                                          SMTPD_SCRAM_ITERATIONS, keys,
                                          keys + MW_SHA256_LEN, MW_SHA256_LEN);
        }
    } else if (u) {
        st =
            mw_sasl_server_set_password(sasl, u->password, strlen(u->password));
    } else {
        st = mw_sasl_server_set_verdict(sasl, 0);
    }
    if (st != MW_OK)
        (void)mw_smtp_server_reply(c->s, 454, "4.7.0", NULL);
    else
        (void)mw_smtp_server_accept(c->s);
}

static void handle_event(server *sv, conn *c, const mw_smtp_server_event *ev)
{
    uint8_t rnd[32];
    switch (ev->type) {
    case MW_SMTP_SEV_HELO:
        txn_reset(c);
        copy_printable(c->helo, sizeof(c->helo), ev->cmd.arg.ptr,
                       ev->cmd.arg.len);
        (void)mw_smtp_server_accept(c->s);
        return;
    case MW_SMTP_SEV_MAIL:
        txn_reset(c);
        (void)mw_smtp_server_accept(c->s);
        return;
    case MW_SMTP_SEV_RCPT:
        on_rcpt(sv, c, &ev->cmd);
        return;
    case MW_SMTP_SEV_DATA:
        on_data(sv, c);
        return;
    case MW_SMTP_SEV_BODY:
        md_write(&c->w, ev->data.ptr, ev->data.len);
        return;
    case MW_SMTP_SEV_MESSAGE:
        on_message(sv, c, ev);
        return;
    case MW_SMTP_SEV_MESSAGE_REJECTED:
        fprintf(stderr, "%s: [%s] message refused (reason 0x%x)\n", TOOL,
                c->peer, (unsigned)ev->reason);
        txn_reset(c);
        return;
    case MW_SMTP_SEV_RESET:
        txn_reset(c);
        return;
    case MW_SMTP_SEV_AUTH:
        if (mw_net_random(rnd, sizeof(rnd)) != MW_OK ||
            mw_smtp_server_auth_random(c->s, rnd, sizeof(rnd)) != MW_OK)
            (void)mw_smtp_server_reply(c->s, 454, "4.7.0", NULL);
        else
            (void)mw_smtp_server_accept(c->s);
        return;
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        on_auth_credentials(sv, c, ev);
        return;
    case MW_SMTP_SEV_AUTH_RESULT:
        fprintf(stderr, "%s: [%s] AUTH %s %.*s: %s\n", TOOL, c->peer,
                mw_sasl_mech_name((mw_sasl_mech)ev->mech), (int)ev->authcid.len,
                ev->authcid.ptr, ev->status == MW_OK ? "ok" : "failed");
        return;
    case MW_SMTP_SEV_PLAINTEXT_DISCARDED:
        fprintf(stderr,
                "%s: [%s] dropped %llu bytes pipelined after STARTTLS\n", TOOL,
                c->peer, (unsigned long long)ev->count);
        return;
    default:
        if (ev->decide) /* VRFY, EXPN: the session's default replies */
            (void)mw_smtp_server_accept(c->s);
        return;
    }
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

static void conn_close(server *sv, conn *c)
{
    txn_reset(c); /* a message cut short leaves nothing behind */
    mw_transport_close(c->t);
    mw_smtp_server_free(c->s);
    free(c->rcpts);
    if (c->prev)
        c->prev->next = c->next;
    else
        sv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sv->n_conns--;
    free(c);
}

static short poll_bits(unsigned want)
{
    short ev = 0;
    if (want & MW_WANT_READ)
        ev |= POLLIN;
    if (want & MW_WANT_WRITE)
        ev |= POLLOUT;
    return ev;
}

/* Write pending output: 0 done, 1 would block, -1 connection dead. */
static int flush(conn *c, short *wait)
{
    size_t len = 0;
    const char *out;
    while ((out = mw_smtp_server_output(c->s, &len)) != NULL && len > 0) {
        size_t n = 0;
        mw_status st = mw_transport_write(c->t, out, len, &n);
        if (st == MW_E_WOULDBLOCK) {
            *wait |= poll_bits(mw_transport_wants(c->t));
            return 1;
        }
        if (st != MW_OK)
            return -1;
        mw_smtp_server_output_done(c->s, n);
    }
    return 0;
}

/* Feed buffered input; after every answered decision feed again, even
 * with nothing left, until the session needs more or pushes back. */
static int feed(server *sv, conn *c)
{
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_smtp_server_event ev;
        mw_status st =
            mw_smtp_server_feed(c->s, c->in + off, c->in_len - off, &used, &ev);
        off += used;
        if (st != MW_OK)
            break; /* NEED_MORE, WOULDBLOCK (send first), CLOSED */
        handle_event(sv, c, &ev);
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return off > 0;
}

#if MW_SMTPD_TLS
/* STARTTLS: bytes received after the command and not yet fed are the
 * command-injection class (CVE-2011-0411): they are dropped, never fed
 * after the upgrade. */
static int start_tls(server *sv, conn *c)
{
    if (c->in_len > 0)
        fprintf(stderr, "%s: [%s] dropped %zu bytes pipelined after STARTTLS\n",
                TOOL, c->peer, c->in_len);
    c->in_len = 0;
    txn_reset(c);
    if (mw_tls_upgrade(c->t, sv->tls, NULL) != MW_OK)
        return -1;
    c->handshaking = 1;
    return 0;
}
#endif

/* Step the TLS handshake: 1 waiting (c->interest set), 0 done, -1 failed. */
static int handshake_step(conn *c)
{
    mw_status st = mw_transport_handshake(c->t);
    if (st == MW_E_WOULDBLOCK) {
        c->interest = poll_bits(mw_transport_wants(c->t));
        return 1;
    }
    c->handshaking = 0;
    if (st != MW_OK) {
#if MW_SMTPD_TLS
        fprintf(stderr, "%s: [%s] TLS handshake failed: %s\n", TOOL, c->peer,
                mw_tls_error(c->t));
#endif
        (void)mw_smtp_server_tls_done(c->s, 0);
        return -1;
    }
    (void)mw_smtp_server_tls_done(c->s, 1);
    return 0;
}

/* Make progress, then record what to wait for. A busy client gets a
 * bounded number of reads per round so that it cannot starve the others;
 * poll() is level-triggered and brings it back at once. */
static void service(server *sv, conn *c)
{
    unsigned budget = READS_PER_ROUND;
    c->last_ms = mw_net_monotonic_ms();
    for (;;) {
        if (c->handshaking) {
            int h = handshake_step(c);
            if (h < 0)
                conn_close(sv, c);
            if (h != 0)
                return;
        }
        short wait = 0;
        int fl = flush(c, &wait);
        unsigned wants = mw_smtp_server_wants(c->s);
        size_t pending = 0;
        (void)mw_smtp_server_output(c->s, &pending);
        if (fl < 0 || ((wants & MW_WANT_CLOSE) && pending == 0)) {
            conn_close(sv, c);
            return;
        }
        if ((wants & MW_WANT_TLS) && pending == 0) {
#if MW_SMTPD_TLS
            if (start_tls(sv, c) == 0)
                continue;
#endif
            (void)mw_smtp_server_tls_done(c->s, 0);
            conn_close(sv, c);
            return;
        }
        int fed = feed(sv, c);
        if ((wants & MW_WANT_READ) && c->in_len < sizeof(c->in)) {
            size_t n = 0;
            mw_status st = mw_transport_read(c->t, c->in + c->in_len,
                                             sizeof(c->in) - c->in_len, &n);
            if (st == MW_E_WOULDBLOCK) {
                wait |= poll_bits(mw_transport_wants(c->t));
            } else if (st != MW_OK) {
                if (mw_smtp_server_eof(c->s) != MW_OK && c->in_data)
                    fprintf(stderr, "%s: [%s] client left during DATA\n", TOOL,
                            c->peer);
                conn_close(sv, c);
                return;
            } else {
                c->in_len += n;
                if (--budget == 0) {
                    c->interest = POLLIN | POLLOUT;
                    return;
                }
                continue;
            }
        }
        (void)mw_smtp_server_output(c->s, &pending);
        if (fed || (pending > 0 && fl == 0))
            continue;
        if (wait == 0)
            wait = POLLIN; /* nothing else to do: notice a hang-up */
        c->interest = wait;
        return;
    }
}

static void accept_all(server *sv)
{
    for (;;) {
        mw_transport *t = NULL;
        char peer[64] = "";
        mw_status st =
            mw_net_accept(sv->lfd, NULL, &t, peer, sizeof(peer), NULL);
        if (st == MW_E_WOULDBLOCK)
            return;
        if (st != MW_OK) {
            /* EMFILE and the like: the pending connection stays queued and
             * the listener readable; pause accepting instead of spinning. */
            sv->accept_pause_until = mw_net_monotonic_ms() + 100;
            return;
        }
        conn *c = malloc(sizeof(*c));
        if (!c || mw_smtp_server_new(&sv->cfg, NULL, &c->s) != MW_OK) {
            free(c);
            mw_transport_close(t);
            continue;
        }
        c->t = t;
        memcpy(c->peer, peer, sizeof(peer));
        c->helo[0] = '\0';
        c->handshaking = 0;
        c->interest = POLLOUT;
        c->in_len = 0;
        c->rcpts = NULL;
        c->n_rcpts = c->cap_rcpts = 0;
        c->first_rcpt[0] = '\0';
        c->in_data = 0;
        md_init(&c->w);
        c->prev = NULL;
        c->next = sv->conns;
        if (sv->conns)
            sv->conns->prev = c;
        sv->conns = c;
        sv->n_conns++;
        service(sv, c); /* the greeting goes out at once */
    }
}

/* Idle clients get a 421 and are closed once it is sent (or dropped when
 * they do not even read it). */
static void sweep_idle(server *sv)
{
    uint64_t now = mw_net_monotonic_ms();
    conn *c = sv->conns;
    while (c) {
        conn *next = c->next;
        if (now - c->last_ms > sv->o.idle_ms) {
            if (!c->handshaking && mw_smtp_server_shutdown(c->s) == MW_OK) {
                c->last_ms = now - sv->o.idle_ms + 10000; /* 10 s to leave */
                service(sv, c);
            } else {
                conn_close(sv, c);
            }
        }
        c = next;
    }
}

static void run(server *sv)
{
    struct pollfd *fds = NULL;
    conn **owners = NULL;
    size_t cap = 0;
    while (!stop_requested) {
        size_t need = sv->n_conns + 1;
        if (need > cap) {
            size_t ncap = need * 2;
            struct pollfd *f = realloc(fds, ncap * sizeof(*f));
            if (f)
                fds = f;
            conn **o = realloc(owners, ncap * sizeof(*o));
            if (o)
                owners = o;
            if (!f || !o)
                break;
            cap = ncap;
        }
        size_t n = 0;
        fds[n].fd = sv->lfd;
        fds[n].events =
            mw_net_monotonic_ms() >= sv->accept_pause_until ? POLLIN : 0;
        owners[n++] = NULL;
        for (conn *c = sv->conns; c; c = c->next) {
            fds[n].fd = mw_transport_fd(c->t);
            fds[n].events = c->interest;
            owners[n++] = c;
        }
        int r = poll(fds, (nfds_t)n, 1000);
        if (r < 0 && errno != EINTR)
            break;
        /* Connections are serviced before new ones are accepted, so no
         * conn seen in this round has been freed yet. */
        for (size_t i = 1; r > 0 && i < n; i++)
            if (fds[i].revents)
                service(sv, owners[i]);
        if (r > 0 && (fds[0].revents & POLLIN))
            accept_all(sv);
        sweep_idle(sv);
    }
    free(fds);
    free(owners);
}

/* ------------------------------------------------------------------ */
/* Start-up                                                            */
/* ------------------------------------------------------------------ */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || s[0] < '0' || s[0] > '9')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        uint64_t num = 0;
        if (strcmp(a, "--submission") == 0) {
            o->submission = 1;
            takes = 0;
        } else if (strcmp(a, "--discard") == 0) {
            o->discard = 1;
            takes = 0;
        } else if (!v) {
            return mwcli_fail(TOOL, EX_USAGE,
                              "unknown option or missing "
                              "value (see --help)");
        } else if (strcmp(a, "--listen") == 0) {
            o->listen = v;
        } else if (strcmp(a, "--maildir") == 0) {
            o->maildir = v;
        } else if (strcmp(a, "--domain") == 0) {
            if (o->n_domains == DOMAINS_MAX)
                return mwcli_fail(TOOL, EX_USAGE, "too many --domain");
            o->domains[o->n_domains++] = v;
        } else if (strcmp(a, "--tls-cert") == 0) {
            o->tls_cert = v;
        } else if (strcmp(a, "--tls-key") == 0) {
            o->tls_key = v;
        } else if (strcmp(a, "--auth-file") == 0) {
            o->auth_file = v;
        } else if (strcmp(a, "--max-size") == 0) {
            if (parse_u64(v, &o->max_size) != 0)
                return mwcli_fail(TOOL, EX_USAGE, "--max-size wants BYTES");
        } else if (strcmp(a, "--idle-timeout") == 0) {
            if (parse_u64(v, &num) != 0 || num == 0 || num > 86400)
                return mwcli_fail(TOOL, EX_USAGE,
                                  "--idle-timeout wants 1..86400 seconds");
            o->idle_ms = num * 1000;
        } else {
            return mwcli_fail(TOOL, EX_USAGE, "unknown option (see --help)");
        }
        i += takes;
    }
    if (!o->listen)
        return mwcli_fail(TOOL, EX_USAGE, "--listen ADDR:PORT is required");
    if (!o->maildir && !o->discard)
        return mwcli_fail(TOOL, EX_USAGE, "--maildir ROOT is required");
    if (!o->tls_cert != !o->tls_key)
        return mwcli_fail(TOOL, EX_USAGE,
                          "--tls-cert and --tls-key go together");
    if (o->submission && !o->auth_file)
        return mwcli_fail(TOOL, EX_USAGE, "--submission needs --auth-file");
    return 0;
}

/* Maildir unique names must not contain '/' or ':' (maildir(5)). */
static void make_unique_host(server *sv)
{
    size_t n = 0;
    for (const char *p = sv->hostname; *p && n + 5 < sizeof(sv->unique_host);
         p++) {
        if (*p == '/' || *p == ':') {
            n += (size_t)snprintf(sv->unique_host + n, 5, "\\%03o",
                                  (unsigned)(unsigned char)*p);
        } else {
            sv->unique_host[n++] = *p;
        }
    }
    sv->unique_host[n] = '\0';
}

static int setup_tls(server *sv)
{
    if (!sv->o.tls_cert)
        return 0;
#if MW_SMTPD_TLS
    mw_tls_config tc;
    char err[256] = "";
    memset(&tc, 0, sizeof(tc));
    tc.size = sizeof(tc);
    tc.role = MW_TLS_SERVER;
    tc.cert_file = sv->o.tls_cert;
    tc.key_file = sv->o.tls_key;
    if (mw_tls_context_new(&tc, NULL, &sv->tls, err, sizeof(err)) != MW_OK) {
        fprintf(stderr, "%s: TLS: %s\n", TOOL, err);
        return EX_CONFIG;
    }
    return 0;
#else
    return mwcli_fail(TOOL, EX_UNAVAILABLE, "built without TLS support");
#endif
}

static int setup(server *sv)
{
    if (gethostname(sv->hostname, sizeof(sv->hostname) - 1) != 0 ||
        sv->hostname[0] == '\0')
        strcpy(sv->hostname, "localhost");
    sv->hostname[sizeof(sv->hostname) - 1] = '\0';
    make_unique_host(sv);
    if (sv->o.maildir && !sv->o.discard && mkdir(sv->o.maildir, 0700) != 0 &&
        errno != EEXIST) {
        fprintf(stderr, "%s: cannot create %s: %s\n", TOOL, sv->o.maildir,
                strerror(errno));
        return EX_CANTCREAT;
    }
    int rc = setup_tls(sv);
    if (rc)
        return rc;
    if (sv->o.auth_file) {
        rc = users_load(&sv->users, sv->o.auth_file);
        if (rc)
            return rc;
        sv->have_users = 1;
    }
    mw_limits_default(&sv->limits);
    memset(&sv->cfg, 0, sizeof(sv->cfg));
    sv->cfg.size = sizeof(sv->cfg);
    sv->cfg.hostname.ptr = sv->hostname;
    sv->cfg.hostname.len = strlen(sv->hostname);
    sv->cfg.caps = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_PIPELINING |
                   MW_SMTP_CAP_8BITMIME | MW_SMTP_CAP_SMTPUTF8 |
                   MW_SMTP_CAP_CHUNKING | MW_SMTP_CAP_ENHANCEDSTATUSCODES;
    if (sv->o.tls_cert)
        sv->cfg.caps |= MW_SMTP_CAP_STARTTLS;
    else
        sv->cfg.flags |= MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH;
    if (sv->have_users)
        sv->cfg.auth_mechs = MW_SASL_BIT(MW_SASL_SCRAM_SHA_256) |
                             MW_SASL_BIT(MW_SASL_PLAIN) |
                             MW_SASL_BIT(MW_SASL_LOGIN);
    if (sv->o.submission)
        sv->cfg.flags |= MW_SMTP_SERVER_REQUIRE_AUTH;
    sv->cfg.size_max = sv->o.max_size;
    sv->cfg.limits = &sv->limits;
    return 0;
}

static int open_listener(server *sv)
{
    char host[256], port[8];
    if (mw_net_split_hostport(sv->o.listen, NULL, host, sizeof(host), port,
                              sizeof(port)) != MW_OK)
        return mwcli_fail(TOOL, EX_USAGE, "--listen wants ADDR:PORT");
    uint16_t bound = 0;
    mw_net_error err;
    char text[160];
    if (mw_net_listen(host, port, 0, &sv->lfd, &bound, &err) != MW_OK)
        return mwcli_fail(TOOL, EX_TEMPFAIL,
                          mw_net_error_text(&err, text, sizeof(text)));
    if (strcmp(port, "0") == 0) {
        printf("%u\n", (unsigned)bound);
        fflush(stdout);
    }
    fprintf(stderr, "%s: listening on %s port %u\n", TOOL, host,
            (unsigned)bound);
    return 0;
}

static void shutdown_server(server *sv)
{
    while (sv->conns)
        conn_close(sv, sv->conns);
    mw_net_close_fd(sv->lfd);
    users_free(&sv->users);
#if MW_SMTPD_TLS
    mw_tls_context_free(sv->tls);
#endif
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &rc))
        return rc;
    static server sv;
    sv.lfd = -1;
    sv.o.max_size = DEFAULT_MAX_SIZE;
    sv.o.idle_ms = DEFAULT_IDLE_S * 1000ull;
    rc = parse_args(argc, argv, &sv.o);
    if (rc == 0)
        rc = setup(&sv);
    if (rc == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
        rc = open_listener(&sv);
    }
    if (rc == 0) {
        run(&sv);
        fprintf(stderr, "%s: stopped\n", TOOL);
    }
    shutdown_server(&sv);
    return rc;
}
