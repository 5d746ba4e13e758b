/* SMTP smuggling on the server side (CVE-2023-51764 Postfix,
 * CVE-2023-51765 sendmail, CVE-2023-51766 Exim; PEERS.md section 3 item
 * 1: go-smtp PR #246/#243, Haraka #3268, qpsmtpd #317, notqmail #251, the
 * sequence list of hannob/smtpsmug #8 and
 * The-Login/SMTP-Smuggling-Tools #6).
 *
 * An attacker sends one message whose data holds a fake end of data
 * (a "." line ended or started with a bare LF or bare CR, or hidden
 * behind a NUL) followed by a second, smuggled transaction. A server
 * that takes the fake end as real runs the smuggled commands. mailwire
 * ends the data only at CRLF "." CRLF, so everything up to the real end
 * is one message, which is refused after its end with 550 5.6.0; the
 * next real command is then read normally.
 *
 * Every variant runs with and without the smuggled transaction pipelined
 * after the fake end, whole, byte by byte and split at every offset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"

#include "mailwire/smtp_server.h"

/* ------------------------------------------------------------------ */
/* Harness: the session's output and events as one log                 */
/* ------------------------------------------------------------------ */

typedef struct run {
    mw_smtp_server *s;
    mw_buf body;
    int closed_logged;
} run;

static void logf_(mw_buf *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void logf_(mw_buf *log, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    assert_int_equal(mw_buf_append(log, tmp, (size_t)n), MW_OK);
}

static void drain(run *r, mw_buf *log)
{
    size_t n = 0;
    const char *out = mw_smtp_server_output(r->s, &n);
    assert_int_equal(mw_buf_append(log, out, n), MW_OK);
    mw_smtp_server_output_done(r->s, n);
}

static void log_event(run *r, const mw_smtp_server_event *ev, mw_buf *log)
{
    const mw_smtp_path *p = &ev->cmd.path;
    switch (ev->type) {
    case MW_SMTP_SEV_HELO:
        logf_(log, "{HELO}\n");
        break;
    case MW_SMTP_SEV_MAIL:
    case MW_SMTP_SEV_RCPT:
        logf_(log, "{%s <%.*s@%.*s>}\n",
              ev->type == MW_SMTP_SEV_MAIL ? "MAIL" : "RCPT", (int)p->local.len,
              p->local.ptr, (int)p->domain.len, p->domain.ptr);
        break;
    case MW_SMTP_SEV_DATA:
        logf_(log, "{DATA}\n");
        break;
    case MW_SMTP_SEV_BODY:
        assert_int_equal(mw_buf_append(&r->body, ev->data.ptr, ev->data.len),
                         MW_OK);
        break;
    case MW_SMTP_SEV_MESSAGE:
        logf_(log, "{MESSAGE %llu%s}\n{BODY ", (unsigned long long)ev->count,
              (ev->flags & MW_SMTP_SEV_F_NORMALIZED) ? " NORM" : "");
        assert_int_equal(mw_buf_append(log, r->body.data, r->body.len), MW_OK);
        logf_(log, "}\n");
        mw_buf_clear(&r->body);
        break;
    case MW_SMTP_SEV_MESSAGE_REJECTED:
        logf_(log, "{REJECTED %x}\n", ev->reason);
        mw_buf_clear(&r->body);
        break;
    default:
        fail_msg("unexpected event %u", ev->type);
    }
}

static void *run_create(const void *cfg)
{
    run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    mw_buf_init_growable(&r->body, NULL, 0);
    assert_int_equal(mw_smtp_server_new(cfg, NULL, &r->s), MW_OK);
    return r;
}

static mw_status run_update(void *state, const char *in, size_t len,
                            mw_buf *log)
{
    run *r = state;
    size_t pos = 0;
    drain(r, log);
    for (;;) {
        mw_smtp_server_event ev;
        size_t used = 0;
        mw_status st =
            mw_smtp_server_feed(r->s, in + pos, len - pos, &used, &ev);
        pos += used;
        drain(r, log);
        if (st == MW_OK) {
            log_event(r, &ev, log);
            if (ev.decide)
                assert_int_equal(mw_smtp_server_accept(r->s), MW_OK);
            drain(r, log);
            continue;
        }
        if (st == MW_NEED_MORE)
            return MW_OK;
        if (st == MW_E_CLOSED) {
            if (!r->closed_logged)
                logf_(log, "{CLOSED}\n");
            r->closed_logged = 1;
            return MW_OK;
        }
        return st;
    }
}

static mw_status run_finish(void *state, mw_buf *log)
{
    drain(state, log);
    return MW_OK;
}

static void run_destroy(void *state)
{
    run *r = state;
    mw_smtp_server_free(r->s);
    mw_buf_free(&r->body);
    free(r);
}

static const mwt_stream_ops server_ops = {run_create, run_update, run_finish,
                                          run_destroy};

static void config(mw_smtp_server_config *cfg, uint32_t flags)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->size = sizeof(*cfg);
    cfg->flags = flags;
    cfg->hostname.ptr = "mx.example";
    cfg->hostname.len = 10;
    cfg->caps = MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_ENHANCEDSTATUSCODES |
                MW_SMTP_CAP_8BITMIME;
}

/* ------------------------------------------------------------------ */
/* The attack                                                          */
/* ------------------------------------------------------------------ */

#define OPENING                                                                \
    "EHLO attacker.example\r\nMAIL FROM:<a@attacker.example>\r\n"              \
    "RCPT TO:<x@mx.example>\r\nDATA\r\nSubject: one\r\n\r\nfirst"
#define SMUGGLED                                                               \
    "MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@mx.example>\r\n"        \
    "DATA\r\nFrom: admin@bank.example\r\n\r\nsmuggled\r\n"
#define AFTER                                                                  \
    ".\r\nNOOP\r\nMAIL FROM:<b@good.example>\r\nRCPT TO:<y@mx.example>\r\n"    \
    "DATA\r\nsecond\r\n.\r\nQUIT\r\n"

#define LOG_HEAD                                                               \
    "220 mx.example ESMTP ready\r\n{HELO}\n"                                   \
    "250-mx.example greets attacker.example\r\n250-PIPELINING\r\n"             \
    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"                              \
    "{MAIL <a@attacker.example>}\n250 2.1.0 OK\r\n"                            \
    "{RCPT <x@mx.example>}\n250 2.1.5 OK\r\n"                                  \
    "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"
#define LOG_TAIL                                                               \
    "250 2.0.0 OK\r\n{MAIL <b@good.example>}\n250 2.1.0 OK\r\n"                \
    "{RCPT <y@mx.example>}\n250 2.1.5 OK\r\n"                                  \
    "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"                 \
    "{MESSAGE 8}\n{BODY second\r\n}\n250 2.0.0 OK\r\n"                         \
    "221 2.0.0 mx.example Service closing transmission channel\r\n"            \
    "{CLOSED}\n"

static const char bare_text[] =
    "550 5.6.0 Message refused: bare CR or LF in data (RFC 5321 section "
    "2.3.8)\r\n";
static const char nul_text[] =
    "550 5.6.0 Message refused: NUL byte in data\r\n";

/* Runs the attack with \p seq as the fake end of data and checks the
 * whole log: the first message is refused once with 5xx after the REAL
 * end, the smuggled MAIL never shows as a command, and the session goes
 * on in step with the next real commands. */
static void attack(const char *seq, size_t seq_len, int pipelined,
                   uint32_t reason)
{
    mw_buf in, want, log;
    mw_buf_init_growable(&in, NULL, 0);
    mw_buf_init_growable(&want, NULL, 0);
    mw_buf_init_growable(&log, NULL, 0);
    mw_buf_append_str(&in, OPENING);
    mw_buf_append(&in, seq, seq_len);
    mw_buf_append_str(&in, pipelined ? SMUGGLED : "rest\r\n");
    mw_buf_append_str(&in, AFTER);

    mw_buf_append_str(&want, LOG_HEAD);
    mw_buf_append_str(&want,
                      reason == MW_SMTP_REJECT_NUL ? nul_text : bare_text);
    char rej[32];
    snprintf(rej, sizeof(rej), "{REJECTED %x}\n", reason);
    mw_buf_append_str(&want, rej);
    mw_buf_append_str(&want, LOG_TAIL);

    mw_smtp_server_config cfg;
    config(&cfg, 0);
    mwt_check_chunking(&server_ops, &cfg, in.data, in.len, &log);
    mwt_assert_bytes("smuggling log", log.data, log.len, want.data, want.len);
    mw_buf_append_byte(&log, 0);
    assert_null(strstr(log.data, "bank.example>}"));
    mw_buf_free(&in);
    mw_buf_free(&want);
    mw_buf_free(&log);
}

#define BARE_LF MW_SMTP_REJECT_BARE_LF
#define BARE_CR MW_SMTP_REJECT_BARE_CR
#define SEQ(lit) lit, sizeof(lit) - 1

/* "\n.\n": Postfix before 3.8.4 (CVE-2023-51764). */
static void test_cve_2023_51764_lf_dot_lf(void **state)
{
    (void)state;
    attack(SEQ("\n.\n"), 0, BARE_LF);
}

static void test_cve_2023_51764_lf_dot_lf_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\n.\n"), 1, BARE_LF);
}

/* "\n.\r\n": the sequence of the original report against Postfix,
 * sendmail and Exim (CVE-2023-51764 / 51765 / 51766). */
static void test_cve_2023_51764_lf_dot_crlf(void **state)
{
    (void)state;
    attack(SEQ("\n.\r\n"), 0, BARE_LF);
}

static void test_cve_2023_51764_lf_dot_crlf_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\n.\r\n"), 1, BARE_LF);
}

/* "\r.\r": bare CR line ends (CVE-2023-51765 class). */
static void test_cve_2023_51765_cr_dot_cr(void **state)
{
    (void)state;
    attack(SEQ("\r.\r"), 0, BARE_CR);
}

static void test_cve_2023_51765_cr_dot_cr_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\r.\r"), 1, BARE_CR);
}

/* "\r\n.\n": a real line start, a bare LF end (CVE-2023-51764 class). */
static void test_cve_2023_51764_crlf_dot_lf(void **state)
{
    (void)state;
    attack(SEQ("\r\n.\n"), 0, BARE_LF);
}

static void test_cve_2023_51764_crlf_dot_lf_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\r\n.\n"), 1, BARE_LF);
}

/* "\r\n.\r": a bare CR after the dot (CVE-2023-51765 class). */
static void test_cve_2023_51765_crlf_dot_cr(void **state)
{
    (void)state;
    attack(SEQ("\r\n.\r"), 0, BARE_CR);
}

static void test_cve_2023_51765_crlf_dot_cr_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\r\n.\r"), 1, BARE_CR);
}

/* "\r\n.\r\r\n": a stray CR before the CRLF (CVE-2023-51766 class). */
static void test_cve_2023_51766_crlf_dot_cr_crlf(void **state)
{
    (void)state;
    attack(SEQ("\r\n.\r\r\n"), 0, BARE_CR);
}

static void test_cve_2023_51766_crlf_dot_cr_crlf_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\r\n.\r\r\n"), 1, BARE_CR);
}

/* "\n.\r": bare LF start, bare CR end (CVE-2023-51764 class). */
static void test_cve_2023_51764_lf_dot_cr(void **state)
{
    (void)state;
    attack(SEQ("\n.\r"), 0, BARE_LF | BARE_CR);
}

static void test_cve_2023_51764_lf_dot_cr_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\n.\r"), 1, BARE_LF | BARE_CR);
}

/* "\r.\r\n": bare CR start, real CRLF end (CVE-2023-51765 class). */
static void test_cve_2023_51765_cr_dot_crlf(void **state)
{
    (void)state;
    attack(SEQ("\r.\r\n"), 0, BARE_CR);
}

static void test_cve_2023_51765_cr_dot_crlf_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\r.\r\n"), 1, BARE_CR);
}

/* "\r\n\0.\r\n": a NUL before the dot, which servers that stop at a NUL
 * (C strings) read as "\r\n.\r\n" (CVE-2023-51766 class). */
static void test_cve_2023_51766_nul_before_dot(void **state)
{
    (void)state;
    attack(SEQ("\r\n\0.\r\n"), 0, MW_SMTP_REJECT_NUL);
}

static void test_cve_2023_51766_nul_before_dot_pipelined(void **state)
{
    (void)state;
    attack(SEQ("\r\n\0.\r\n"), 1, MW_SMTP_REJECT_NUL);
}

/* A fake end right at the start of the data is no end either. */
static void test_cve_2023_51764_fake_end_at_data_start(void **state)
{
    (void)state;
    mw_smtp_server_config cfg;
    config(&cfg, 0);
    static const char in[] =
        "EHLO a.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<x@mx.example>"
        "\r\nDATA\r\n.\nMAIL FROM:<e@bank.example>\r\n.\r\nNOOP\r\n";
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&server_ops, &cfg, in, sizeof(in) - 1, &log);
    mw_buf_append_byte(&log, 0);
    assert_null(strstr(log.data, "bank.example>}"));
    assert_non_null(strstr(log.data, "{REJECTED 1}\n250 2.0.0 OK\r\n"));
    mw_buf_free(&log);
}

/* With MW_SMTP_SERVER_NORMALIZE_BARE the message is accepted with CRLF
 * line ends, still as ONE message holding the would-be smuggled lines. */
static void test_cve_2023_51764_normalize_option_keeps_one_message(void **state)
{
    (void)state;
    mw_smtp_server_config cfg;
    config(&cfg, MW_SMTP_SERVER_NORMALIZE_BARE);
    static const char in[] =
        "EHLO a.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<x@mx.example>"
        "\r\nDATA\r\nhi\n.\nMAIL FROM:<e@bank.example>\r\n.\r\nNOOP\r\n";
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&server_ops, &cfg, in, sizeof(in) - 1, &log);
    static const char want[] =
        "220 mx.example ESMTP ready\r\n{HELO}\n"
        "250-mx.example greets a.example\r\n250-PIPELINING\r\n"
        "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
        "{MAIL <a@a.example>}\n250 2.1.0 OK\r\n"
        "{RCPT <x@mx.example>}\n250 2.1.5 OK\r\n"
        "354 Start mail input; end with <CRLF>.<CRLF>\r\n{DATA}\n"
        "{MESSAGE 35 NORM}\n{BODY hi\r\n.\r\nMAIL FROM:<e@bank.example>\r\n}\n"
        "250 2.0.0 OK\r\n250 2.0.0 OK\r\n";
    mwt_assert_bytes("log", log.data, log.len, want, sizeof(want) - 1);
    mw_buf_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cve_2023_51764_lf_dot_lf),
        cmocka_unit_test(test_cve_2023_51764_lf_dot_lf_pipelined),
        cmocka_unit_test(test_cve_2023_51764_lf_dot_crlf),
        cmocka_unit_test(test_cve_2023_51764_lf_dot_crlf_pipelined),
        cmocka_unit_test(test_cve_2023_51765_cr_dot_cr),
        cmocka_unit_test(test_cve_2023_51765_cr_dot_cr_pipelined),
        cmocka_unit_test(test_cve_2023_51764_crlf_dot_lf),
        cmocka_unit_test(test_cve_2023_51764_crlf_dot_lf_pipelined),
        cmocka_unit_test(test_cve_2023_51765_crlf_dot_cr),
        cmocka_unit_test(test_cve_2023_51765_crlf_dot_cr_pipelined),
        cmocka_unit_test(test_cve_2023_51766_crlf_dot_cr_crlf),
        cmocka_unit_test(test_cve_2023_51766_crlf_dot_cr_crlf_pipelined),
        cmocka_unit_test(test_cve_2023_51764_lf_dot_cr),
        cmocka_unit_test(test_cve_2023_51764_lf_dot_cr_pipelined),
        cmocka_unit_test(test_cve_2023_51765_cr_dot_crlf),
        cmocka_unit_test(test_cve_2023_51765_cr_dot_crlf_pipelined),
        cmocka_unit_test(test_cve_2023_51766_nul_before_dot),
        cmocka_unit_test(test_cve_2023_51766_nul_before_dot_pipelined),
        cmocka_unit_test(test_cve_2023_51764_fake_end_at_data_start),
        cmocka_unit_test(
            test_cve_2023_51764_normalize_option_keeps_one_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
