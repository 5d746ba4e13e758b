/* SMTP client session on arbitrary server replies. A fixed script of
 * requests (STARTTLS when offered, AUTH PLAIN when offered, one
 * transaction of two recipients whose body holds bare LF, bare CR and
 * leading dots, NOOP, RSET, QUIT) reacts to the events; the fuzzer input
 * is everything the server says. Checks: no crash or leak, consumed never
 * beyond the input, every event well formed, pending output bounded, and
 * nothing written ever holds a bare CR, a bare LF or "\n.\n"-style
 * smuggling sequence.
 *
 * Input: [flags: bit 0 LMTP, bit 1 CHUNKING, bit 2 no pipelining, bit 3
 * feed one chunk before the TLS handshake, bit 4 init_in, bit 5 end the
 * body with mw_smtp_client_body_last()] [chunk selector]
 * [server bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/sasl.h"
#include "mailwire/smtp_client.h"

#define OUTPUT_MAX 4096u

typedef struct run {
    mw_smtp_client *c;
    mw_sasl *sasl;
    int step;
    int body_left;
    int in_body;
    int ended;
    int use_bdat;
    int chunking; /* the config asks for BDAT */
    int use_last; /* end the body with mw_smtp_client_body_last() */
    int prev_cr;  /* the last byte written was a CR */
} run;

static const char nasty_body[] = "Subject: x\n\n.line\r.\r\n\n.\n..\rend";
static const char clean_body[] = "Subject: x\r\n\r\n.line\r\n";

static mw_smtp_rcpt rcpts[2];
static mw_smtp_envelope envelope;

static void make_envelope(void)
{
    memset(rcpts, 0, sizeof(rcpts));
    rcpts[0].path.local.ptr = "a";
    rcpts[0].path.local.len = 1;
    rcpts[0].path.domain.ptr = "example.org";
    rcpts[0].path.domain.len = 11;
    rcpts[0].notify = MW_SMTP_NOTIFY_FAILURE;
    rcpts[1].path = rcpts[0].path;
    rcpts[1].path.local.ptr = "b";
    memset(&envelope, 0, sizeof(envelope));
    envelope.from = rcpts[0].path;
    envelope.from.local.ptr = "s";
    envelope.message_size = 40;
    envelope.rcpts = rcpts;
    envelope.n_rcpts = 2;
}

/* Take the whole output and check it for line ends that are not CRLF. */
static void drain(run *r)
{
    size_t n = 0;
    const char *p = mw_smtp_client_output(r->c, &n);
    FUZZ_CHECK(n <= 2 * OUTPUT_MAX);
    for (size_t i = 0; i < n; i++) {
        int cr = p[i] == '\r';
        if (r->prev_cr)
            FUZZ_CHECK(p[i] == '\n');
        if (p[i] == '\n')
            FUZZ_CHECK(r->prev_cr);
        r->prev_cr = cr;
    }
    FUZZ_CHECK(mw_smtp_client_output_done(r->c, n) == MW_OK);
}

static void send_body(run *r)
{
    const char *body = r->use_bdat ? clean_body : nasty_body;
    size_t len = r->use_bdat ? sizeof(clean_body) - 1 : sizeof(nasty_body) - 1;
    while (r->body_left > 0) {
        size_t off = len - (size_t)r->body_left, acc = 0;
        mw_status st =
            r->use_last ? mw_smtp_client_body_last(r->c, body + off,
                                                   (size_t)r->body_left, &acc)
                        : mw_smtp_client_body(r->c, body + off,
                                              (size_t)r->body_left, &acc);
        if (st != MW_OK)
            break;
        r->body_left -= (int)acc;
        if (r->use_last && r->body_left == 0) {
            r->ended = 1;
            r->in_body = 0;
        }
        drain(r);
        if (acc == 0)
            return;
    }
    if (!r->ended) {
        mw_status st = mw_smtp_client_body_end(r->c);
        if (st == MW_OK) {
            r->ended = 1;
            r->in_body = 0;
        }
    }
    drain(r);
}

static void next_request(run *r)
{
    const mw_smtp_caps *caps = mw_smtp_client_caps(r->c);
    for (;;) {
        int step = r->step++;
        mw_status st = MW_E_STATE;
        switch (step) {
        case 0:
            if (caps && (caps->flags & MW_SMTP_CAP_STARTTLS))
                st = mw_smtp_client_starttls(r->c);
            break;
        case 1:
            if (caps && (caps->auth & MW_SMTP_AUTH_PLAIN) && r->sasl)
                st = mw_smtp_client_auth(r->c, r->sasl);
            break;
        case 2:
            st = mw_smtp_client_send(r->c, &envelope);
            /* BDAT sends bytes as they are: give it a clean body. */
            r->use_bdat =
                r->chunking && caps && (caps->flags & MW_SMTP_CAP_CHUNKING);
            r->body_left = (int)(r->use_bdat ? sizeof(clean_body) - 1
                                             : sizeof(nasty_body) - 1);
            r->ended = 0;
            break;
        case 3:
            st = mw_smtp_client_noop(r->c);
            break;
        case 4:
            st = mw_smtp_client_rset(r->c);
            break;
        case 5:
            st = mw_smtp_client_quit(r->c);
            break;
        default:
            return;
        }
        if (st == MW_OK)
            return;
    }
}

static void react(run *r, const mw_smtp_client_event *ev, int early_feed,
                  int *tls_pending)
{
    FUZZ_CHECK(ev->type >= MW_SMTP_CEV_GREETING &&
               ev->type <= MW_SMTP_CEV_VRFY);
    if (ev->has_reply) {
        FUZZ_CHECK(ev->reply.code >= 200 && ev->reply.code <= 599);
        FUZZ_CHECK(ev->reply.n_lines >= 1);
    }
    if (mw_smtp_client_wants(r->c) & MW_WANT_TLS) {
        if (early_feed)
            *tls_pending = 1;
        else
            FUZZ_CHECK(mw_smtp_client_tls_done(r->c, 1) == MW_OK);
        return;
    }
    if (ev->flags & MW_SMTP_CEVF_BODY) {
        r->in_body = 1;
    }
    if (ev->flags & MW_SMTP_CEVF_TXN_END)
        r->in_body = 0;
    if (r->in_body)
        send_body(r);
    if (ev->flags & MW_SMTP_CEVF_IDLE)
        next_request(r);
    drain(r);
}

static mw_sasl *make_sasl(void)
{
    mw_sasl_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.mech = MW_SASL_PLAIN;
    cfg.authcid.ptr = "user";
    cfg.authcid.len = 4;
    cfg.password.ptr = "pencil";
    cfg.password.len = 6;
    mw_sasl *s = NULL;
    FUZZ_CHECK(mw_sasl_client_new(&cfg, NULL, &s) == MW_OK);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t flags = data[0], sel = data[1];
    data += 2;
    size -= 2;
    make_envelope();
    mw_limits lim;
    mw_limits_default(&lim);
    lim.output_max = OUTPUT_MAX;
    lim.inflight_max = 8;
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.limits = &lim;
    cfg.sasl_max = 1024;
    cfg.flags = ((flags & 1) ? MW_SMTP_CLIENT_LMTP : 0u) |
                ((flags & 2) ? MW_SMTP_CLIENT_CHUNKING : 0u) |
                ((flags & 4) ? MW_SMTP_CLIENT_NO_PIPELINING : 0u);
    run r;
    memset(&r, 0, sizeof(r));
    r.ended = 1;
    r.chunking = (flags & 2) != 0;
    r.use_last = (flags & 32) != 0;
    void *mem = NULL;
    if (flags & 16) {
        size_t n = mw_smtp_client_sizeof(&cfg);
        FUZZ_CHECK(n > 0);
        mem = malloc(n);
        FUZZ_CHECK(mem != NULL);
        FUZZ_CHECK(mw_smtp_client_init_in(mem, n, &cfg, &r.c) == MW_OK);
    } else {
        FUZZ_CHECK(mw_smtp_client_new(&cfg, NULL, &r.c) == MW_OK);
    }
    r.sasl = make_sasl();
    size_t off = 0, i = 0;
    int tls_pending = 0;
    mw_status st = MW_OK;
    while (off < size && st != MW_E_STATE) {
        size_t n = fuzz_chunk_len(sel, i++);
        if (n > size - off)
            n = size - off;
        size_t end = off + n;
        while (off < end) {
            size_t used = 0;
            mw_smtp_client_event ev;
            st = mw_smtp_client_feed(r.c, (const char *)data + off, end - off,
                                     &used, &ev);
            FUZZ_CHECK(used <= end - off);
            off += used;
            if (st != MW_OK)
                break;
            react(&r, &ev, (flags & 8) != 0, &tls_pending);
        }
        if (st != MW_OK && st != MW_NEED_MORE)
            break;
        if (tls_pending) {
            tls_pending = 0;
            FUZZ_CHECK(mw_smtp_client_tls_done(r.c, 1) == MW_OK);
            drain(&r);
        }
    }
    (void)mw_smtp_client_eof(r.c);
    mw_smtp_client_free(r.c);
    free(mem);
    mw_sasl_free(r.sasl);
    return 0;
}
