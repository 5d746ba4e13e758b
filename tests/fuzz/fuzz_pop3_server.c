/* POP3 server session on arbitrary client bytes, with an application that
 * answers every event (logins, SASL, message content, UPDATE): no crash,
 * feed keeps the I/O contract, every output line ends in CRLF and no reply
 * line passes 512 octets, and a dropped connection never raises UPDATE.
 *
 * Input: [flags] [chunk selector] [bytes...]. */
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/pop3.h"
#include "mailwire/sasl.h"

static const char m1[] = "Subject: a\r\n\r\n.\r\n..x\r\nbody\r\n";
static const char m2[] = "no header\nbare LF\rbare CR\r\n.";
static const uint64_t sizes[] = {sizeof(m1) - 1, sizeof(m2) - 1};
static const mw_span uids[] = {{"u1", 2}, {"u2", 2}};

typedef struct run {
    mw_pop3_server *s;
    int streaming;
    uint32_t msg;
    size_t off;
    int updates;
    size_t line_len; /* bytes since the last LF in the output */
    int in_body;     /* output is inside a multi-line response */
} run;

static void drain(run *r)
{
    size_t n;
    const char *p = mw_pop3_server_output(r->s, &n);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            FUZZ_CHECK(i > 0 || r->line_len > 0);
            r->line_len = 0;
            continue;
        }
        r->line_len++;
    }
    mw_pop3_server_output_done(r->s, n);
}

static void stream(run *r)
{
    while (r->streaming) {
        const char *body = r->msg == 1 ? m1 : m2;
        size_t len = r->msg == 1 ? sizeof(m1) - 1 : sizeof(m2) - 1;
        if (r->off == len || mw_pop3_server_top_full(r->s)) {
            FUZZ_CHECK(mw_pop3_server_send_end(r->s) == MW_OK);
            r->streaming = 0;
            return;
        }
        FUZZ_CHECK(mw_pop3_server_send_data(
                       r->s, body + r->off,
                       3 < len - r->off ? 3 : len - r->off) == MW_OK);
        r->off += 3 < len - r->off ? 3 : len - r->off;
    }
}

static void answer(run *r, const mw_pop3_server_event *ev, uint8_t flags)
{
    mw_pop3_maildrop md = {2, 0, sizes, uids};
    switch (ev->type) {
    case MW_POP3_SEV_LOGIN:
        if (ev->method == MW_POP3_LOGIN_APOP)
            (void)mw_pop3_server_apop_verify(r->s, "pw", 2);
        if (ev->secret.len == 2 || ev->method == MW_POP3_LOGIN_SASL)
            FUZZ_CHECK(mw_pop3_server_login_ok(r->s, &md) == MW_OK);
        else
            FUZZ_CHECK(mw_pop3_server_login_fail(
                           r->s, (flags & 0x40) ? MW_POP3_CODE_IN_USE
                                                : MW_POP3_CODE_AUTH) == MW_OK);
        break;
    case MW_POP3_SEV_AUTH: {
        mw_sasl_server_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.size = sizeof(sc);
        sc.mech = mw_sasl_mech_from_name(ev->mech.ptr, ev->mech.len);
        sc.flags = MW_SASL_NONCE_VERBATIM;
        sc.random.ptr = "fuzznonce0123456";
        sc.random.len = 16;
        mw_sasl *sasl = NULL;
        if (mw_sasl_server_new(&sc, NULL, &sasl) == MW_OK)
            FUZZ_CHECK(mw_pop3_server_auth_start(r->s, sasl) == MW_OK);
        else
            FUZZ_CHECK(mw_pop3_server_login_fail(r->s, 0) == MW_OK);
        break;
    }
    case MW_POP3_SEV_SASL_NEED:
        FUZZ_CHECK(mw_sasl_server_set_password(mw_pop3_server_sasl(r->s), "pw",
                                               2) == MW_OK);
        FUZZ_CHECK(mw_pop3_server_auth_continue(r->s) == MW_OK);
        break;
    case MW_POP3_SEV_RETR:
    case MW_POP3_SEV_TOP:
        FUZZ_CHECK(ev->msg == 1 || ev->msg == 2);
        FUZZ_CHECK(!mw_pop3_server_is_deleted(r->s, ev->msg));
        if (flags & 0x80) {
            FUZZ_CHECK(mw_pop3_server_send_error(r->s, MW_POP3_CODE_SYS_TEMP) ==
                       MW_OK);
            break;
        }
        r->streaming = 1;
        r->msg = ev->msg;
        r->off = 0;
        stream(r);
        break;
    case MW_POP3_SEV_UPDATE:
        r->updates++;
        FUZZ_CHECK(ev->count ==
                   (uint64_t)mw_pop3_server_is_deleted(r->s, 1) +
                       (uint64_t)mw_pop3_server_is_deleted(r->s, 2));
        FUZZ_CHECK(mw_pop3_server_update_done(r->s, 1) == MW_OK);
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t flags = data[0], selector = data[1];
    const char *in = (const char *)data + 2;
    size_t len = size - 2;
    mw_pop3_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags & 0x3f;
    cfg.timestamp.ptr = "<1.2@fuzz>";
    cfg.timestamp.len = 10;
    cfg.sasl_mechs.ptr = "PLAIN CRAM-MD5 LOGIN";
    cfg.sasl_mechs.len = 20;
    cfg.output_max = 8192;
    run r;
    memset(&r, 0, sizeof(r));
    FUZZ_CHECK(mw_pop3_server_new(&cfg, NULL, &r.s) == MW_OK);
    size_t pos = 0, feeds = 0;
    while (pos < len) {
        drain(&r);
        stream(&r);
        if (mw_pop3_server_wants(r.s) & MW_WANT_TLS)
            FUZZ_CHECK(mw_pop3_server_tls_done(r.s, 1) == MW_OK);
        size_t chunk = fuzz_chunk_len(selector, feeds++);
        size_t n = len - pos < chunk ? len - pos : chunk;
        size_t used = SIZE_MAX;
        mw_pop3_server_event ev;
        mw_status st = mw_pop3_server_feed(r.s, in + pos, n, &used, &ev);
        FUZZ_CHECK(used <= n);
        pos += used;
        if (st == MW_OK)
            answer(&r, &ev, flags);
        else if (st == MW_NEED_MORE)
            FUZZ_CHECK(used == n);
        else
            FUZZ_CHECK(st == MW_E_NOSPACE || st == MW_E_STATE);
        /* Stop only when no progress is possible at all. */
        if (st != MW_OK && used == 0 && !r.streaming && st != MW_NEED_MORE) {
            size_t pending;
            mw_pop3_server_output(r.s, &pending);
            if (pending == 0)
                break;
        }
    }
    drain(&r);
    int before = r.updates;
    FUZZ_CHECK(mw_pop3_server_eof(r.s) == MW_OK);
    FUZZ_CHECK(mw_pop3_server_state(r.s) == MW_POP3_STATE_CLOSED);
    size_t used;
    mw_pop3_server_event ev;
    FUZZ_CHECK(mw_pop3_server_feed(r.s, "QUIT\r\n", 6, &used, &ev) ==
               MW_NEED_MORE);
    FUZZ_CHECK(r.updates == before);
    mw_pop3_server_free(r.s);
    return 0;
}
