/* SMTP / LMTP server session on arbitrary client bytes: no crash, no
 * leak, no stuck loop, and the output is always whole reply lines
 * ("NNN", "NNN-text" or "NNN text", CRLF-terminated, no stray CR or LF,
 * at most 512 bytes) that the reply parser accepts.
 *
 * Input: [flags] [decisions] [chunk selector] [client bytes...].
 * flags bit 0 LMTP, 1 normalise bare CR/LF, 2 TLS active, 3 require TLS,
 * 4 require AUTH, 5 tiny size limit, 6 two recipients at most, 7 fail the
 * TLS handshake. Each decision consumes one bit of a rotating key built
 * from the decisions byte: 1 refuses with a 5xx (or 4xx) reply. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/sasl.h"
#include "mailwire/smtp.h"
#include "mailwire/smtp_server.h"

typedef struct state {
    mw_smtp_server *s;
    mw_smtp_reply_parser *replies;
    uint8_t key;
    unsigned turn;
    int fail_tls;
} state;

static void check_line(state *st, const char *p, size_t n)
{
    FUZZ_CHECK(n >= 3 && n + 2 <= 512);
    for (size_t i = 0; i < 3; i++)
        FUZZ_CHECK(p[i] >= '0' && p[i] <= '9');
    FUZZ_CHECK(p[0] >= '2' && p[0] <= '5');
    FUZZ_CHECK(n == 3 || p[3] == ' ' || p[3] == '-');
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(p[i] != '\r' && p[i] != '\n' && p[i] != '\0');
    mw_status rs =
        mw_smtp_reply_parser_feed(st->replies, p, n, MW_SMTP_LINE_CRLF, NULL);
    FUZZ_CHECK(rs == MW_OK || rs == MW_NEED_MORE);
}

/* Everything pending must be whole CRLF lines. */
static void drain(state *st)
{
    size_t n = 0;
    const char *out = mw_smtp_server_output(st->s, &n);
    size_t start = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (out[i] == '\r' && out[i + 1] == '\n') {
            check_line(st, out + start, i - start);
            start = i + 2;
            i++;
        }
    }
    FUZZ_CHECK(start == n);
    mw_smtp_server_output_done(st->s, n);
}

static int refuse_next(state *st)
{
    int bit = (st->key >> (st->turn % 8u)) & 1;
    st->turn++;
    return bit;
}

static void credentials(state *st, const mw_smtp_server_event *ev)
{
    mw_sasl *sasl = mw_smtp_server_sasl(st->s);
    FUZZ_CHECK(sasl != NULL);
    if (ev->mech == MW_SASL_SCRAM_SHA_1 || ev->mech == MW_SASL_SCRAM_SHA_256) {
        uint8_t key[32];
        memset(key, 0x5a, sizeof(key));
        size_t kl = ev->mech == MW_SASL_SCRAM_SHA_1 ? 20 : 32;
        (void)mw_sasl_server_set_scram(sasl, "salt", 4, 1, key, key, kl);
    } else if (ev->mech == MW_SASL_CRAM_MD5) {
        (void)mw_sasl_server_set_password(sasl, "pencil", 6);
    } else {
        (void)mw_sasl_server_set_verdict(sasl, refuse_next(st) ? 0 : 1);
    }
}

static void decide(state *st, const mw_smtp_server_event *ev)
{
    static const uint8_t nonce[16] = "0123456789abcdef";
    if (ev->type == MW_SMTP_SEV_AUTH)
        (void)mw_smtp_server_auth_random(st->s, nonce, sizeof(nonce));
    if (ev->type == MW_SMTP_SEV_AUTH_CREDENTIALS)
        credentials(st, ev);
    mw_status d;
    if (refuse_next(st))
        d = mw_smtp_server_reply(st->s, (st->turn & 1) ? 550 : 451,
                                 (st->turn & 1) ? "5.7.1" : "4.3.0",
                                 "refused by policy");
    else
        d = mw_smtp_server_accept(st->s);
    FUZZ_CHECK(d == MW_OK);
    /* A decision is answered exactly once. */
    FUZZ_CHECK(mw_smtp_server_accept(st->s) == MW_E_STATE);
}

static void check_event(const mw_smtp_server_event *ev)
{
    FUZZ_CHECK(ev->type >= MW_SMTP_SEV_HELO &&
               ev->type <= MW_SMTP_SEV_PLAINTEXT_DISCARDED);
    if (ev->type == MW_SMTP_SEV_BODY)
        FUZZ_CHECK(ev->data.len > 0 && ev->data.ptr != NULL);
    if (ev->type == MW_SMTP_SEV_MESSAGE)
        FUZZ_CHECK(ev->rcpt_index < ev->rcpt_count);
}

/* Returns 0 when the session is over. */
static int feed_all(state *st, const char *p, size_t n)
{
    static const char none[1] = {0};
    if (!p)
        p = none;
    size_t pos = 0;
    for (unsigned guard = 0; guard < 100000; guard++) {
        mw_smtp_server_event ev;
        size_t used = 0;
        mw_status rs = mw_smtp_server_feed(st->s, p + pos, n - pos, &used, &ev);
        FUZZ_CHECK(used <= n - pos);
        pos += used;
        drain(st);
        if ((mw_smtp_server_wants(st->s) & MW_WANT_TLS) != 0)
            FUZZ_CHECK(mw_smtp_server_tls_done(st->s, !st->fail_tls) == MW_OK);
        switch (rs) {
        case MW_OK:
            check_event(&ev);
            if (ev.decide)
                decide(st, &ev);
            drain(st);
            continue;
        case MW_E_WOULDBLOCK:
            continue;
        case MW_NEED_MORE:
            FUZZ_CHECK(pos == n);
            return 1;
        case MW_E_CLOSED:
            FUZZ_CHECK(mw_smtp_server_wants(st->s) == MW_WANT_CLOSE);
            return 0;
        default:
            FUZZ_CHECK(0);
        }
    }
    FUZZ_CHECK(0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint8_t flags = data[0];
    state st;
    memset(&st, 0, sizeof(st));
    st.key = data[1];
    st.fail_tls = (flags & 0x80) != 0;
    uint8_t selector = data[2];
    const char *in = (const char *)data + 3;
    size_t len = size - 3;

    mw_limits lim;
    mw_limits_default(&lim);
    if (flags & 0x40)
        lim.recipients_max = 2;
    mw_smtp_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.hostname.ptr = "mx.example";
    cfg.hostname.len = 10;
    cfg.flags = (flags & 1 ? MW_SMTP_SERVER_LMTP : 0) |
                (flags & 2 ? MW_SMTP_SERVER_NORMALIZE_BARE : 0) |
                (flags & 4 ? MW_SMTP_SERVER_TLS_ACTIVE : 0) |
                (flags & 8 ? MW_SMTP_SERVER_REQUIRE_TLS : 0) |
                (flags & 16 ? MW_SMTP_SERVER_REQUIRE_AUTH : 0);
    cfg.caps = MW_SMTP_CAP_SIZE | MW_SMTP_CAP_PIPELINING |
               MW_SMTP_CAP_8BITMIME | MW_SMTP_CAP_SMTPUTF8 |
               MW_SMTP_CAP_STARTTLS | MW_SMTP_CAP_CHUNKING |
               MW_SMTP_CAP_BINARYMIME | MW_SMTP_CAP_DSN |
               MW_SMTP_CAP_ENHANCEDSTATUSCODES | MW_SMTP_CAP_REQUIRETLS;
    cfg.auth_mechs = MW_SASL_BIT(MW_SASL_PLAIN) | MW_SASL_BIT(MW_SASL_LOGIN) |
                     MW_SASL_BIT(MW_SASL_CRAM_MD5) |
                     MW_SASL_BIT(MW_SASL_SCRAM_SHA_256) |
                     MW_SASL_BIT(MW_SASL_XOAUTH2);
    cfg.size_max = (flags & 0x20) ? 64 : 0;
    cfg.errors_max = 50;
    cfg.limits = &lim;
    FUZZ_CHECK(mw_smtp_server_new(&cfg, NULL, &st.s) == MW_OK);
    FUZZ_CHECK(mw_smtp_reply_parser_new(NULL, NULL, &st.replies) == MW_OK);
    drain(&st);

    size_t pos = 0;
    int alive = 1;
    for (size_t i = 0; alive && pos < len; i++) {
        size_t chunk = fuzz_chunk_len(selector, i);
        if (chunk > len - pos)
            chunk = len - pos;
        alive = feed_all(&st, in + pos, chunk);
        pos += chunk;
    }
    if (alive)
        alive = feed_all(&st, NULL, 0);
    mw_status eof = mw_smtp_server_eof(st.s);
    FUZZ_CHECK(eof == MW_OK || eof == MW_E_CLOSED);
    FUZZ_CHECK(mw_smtp_server_wants(st.s) & MW_WANT_CLOSE);
    drain(&st);
    mw_smtp_reply_parser_free(st.replies);
    mw_smtp_server_free(st.s);
    return 0;
}
