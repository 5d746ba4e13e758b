/* A firmware-style user of the sans-IO core: a sensor sends an alert mail
 * with the SMTP client session placed in static storage (no heap), a
 * base64 body encoded into a fixed buffer, and a scripted server standing
 * in for the network. tools/cross.sh links it for a Cortex-M4 against
 * newlib-nano (proving the core needs nothing more); the host build runs
 * it as a test (firmware_alert_host), which checks the bytes the client
 * wrote. Exit status 0 means the server accepted the alert. */
#include <string.h>

#include "mailwire/mailwire.h"

/* Everything the mail path needs, in static storage. */
/* About 10.5 KB with the trimmed limits below; most of it is the
 * session's minimum output buffer (4 KB). */
static _Alignas(max_align_t) unsigned char session_mem[11264];
static char body_mem[512];
static char wire_mem[2048]; /* what the client "sent", for the check */
static size_t wire_len;

/* The server's side of the conversation, one reply per client step. */
static const char *const server_replies[] = {
    "220 mx.example.net ESMTP\r\n",
    ("250-mx.example.net\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
     "250 SIZE 10240000\r\n"),
    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
    "250 2.0.0 Ok: queued\r\n",
    "221 2.0.0 Bye\r\n",
};

/* Move the client's pending output to the "network". */
static int drain(mw_smtp_client *c)
{
    size_t len;
    const char *out = mw_smtp_client_output(c, &len);
    if (len == 0)
        return 0;
    if (len > sizeof(wire_mem) - wire_len)
        return -1;
    memcpy(wire_mem + wire_len, out, len);
    wire_len += len;
    return mw_smtp_client_output_done(c, len) == MW_OK ? 0 : -1;
}

static int build_body(mw_buf *body)
{
    static const char head[] = "From: Sensor 3 <sensor3@plant.example>\r\n"
                               "To: ops@example.net\r\n"
                               "Subject: temperature alert\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n";
    static const char alert[] = "Temperature sensor 3: 81.5 \xc2\xb0"
                                "C, over limit\n";
    if (mw_buf_append(body, head, sizeof(head) - 1) != MW_OK)
        return -1;
    mw_b64_encoder enc;
    mw_b64_encoder_init(&enc, MW_B64_WRAP76);
    if (mw_b64_encode_update(&enc, alert, sizeof(alert) - 1, body) != MW_OK ||
        mw_b64_encode_final(&enc, body) != MW_OK)
        return -1;
    return mw_buf_append(body, "\r\n", 2) == MW_OK ? 0 : -1;
}

/* React to one event; returns 1 when the conversation is over, 0 to go
 * on, -1 on failure. */
static int on_event(mw_smtp_client *c, const mw_smtp_client_event *ev,
                    const mw_smtp_envelope *env, const mw_buf *body)
{
    if (ev->type == MW_SMTP_CEV_HELLO)
        return mw_smtp_client_send(c, env) == MW_OK ? 0 : -1;
    if (ev->flags & MW_SMTP_CEVF_BODY) {
        size_t taken = 0;
        if (mw_smtp_client_body(c, body->data, body->len, &taken) != MW_OK ||
            taken != body->len)
            return -1;
        return mw_smtp_client_body_end(c) == MW_OK ? 0 : -1;
    }
    if (ev->type == MW_SMTP_CEV_MESSAGE) {
        if (ev->reply.code != 250)
            return -1;
        return mw_smtp_client_quit(c) == MW_OK ? 0 : -1;
    }
    if (ev->type == MW_SMTP_CEV_QUIT)
        return 1;
    return (ev->flags & MW_SMTP_CEVF_FAILED) ? -1 : 0;
}

static int converse(mw_smtp_client *c, const mw_smtp_envelope *env,
                    const mw_buf *body)
{
    for (size_t step = 0;
         step < sizeof(server_replies) / sizeof(server_replies[0]); step++) {
        const char *in = server_replies[step];
        size_t len = strlen(in);
        while (len > 0) {
            size_t used = 0;
            mw_smtp_client_event ev;
            mw_status st = mw_smtp_client_feed(c, in, len, &used, &ev);
            in += used;
            len -= used;
            if (st == MW_NEED_MORE)
                break;
            if (st != MW_OK)
                return -1;
            int r = on_event(c, &ev, env, body);
            if (r < 0)
                return -1;
            if (drain(c) != 0)
                return -1;
            if (r == 1)
                return 0;
        }
        if (drain(c) != 0)
            return -1;
    }
    return -1;
}

/* The client must have pipelined MAIL, RCPT and DATA, and dot-terminated
 * the body. */
static int check_wire(void)
{
    static const char expected_start[] =
        "EHLO sensor3.plant.example\r\n"
        "MAIL FROM:<sensor3@plant.example> SIZE=";
    static const char group_tail[] = "\r\nRCPT TO:<ops@example.net>\r\n"
                                     "DATA\r\n";
    static const char end[] = "\r\n.\r\nQUIT\r\n";
    if (wire_len < sizeof(expected_start) - 1 ||
        memcmp(wire_mem, expected_start, sizeof(expected_start) - 1) != 0)
        return -1;
    int found = 0;
    for (size_t i = 0; i + sizeof(group_tail) - 1 <= wire_len; i++)
        if (memcmp(wire_mem + i, group_tail, sizeof(group_tail) - 1) == 0)
            found = 1;
    if (!found || wire_len < sizeof(end) - 1)
        return -1;
    return memcmp(wire_mem + wire_len - (sizeof(end) - 1), end,
                  sizeof(end) - 1) == 0
               ? 0
               : -1;
}

int main(void)
{
    mw_buf body;
    mw_buf_init_fixed(&body, body_mem, sizeof(body_mem));
    if (build_body(&body) != 0)
        return 1;

    mw_limits limits;
    mw_limits_default(&limits);
    limits.output_max = 1024;
    limits.inflight_max = 8;
    limits.recipients_max = 8;
    mw_smtp_codec_config codec;
    memset(&codec, 0, sizeof(codec));
    codec.size = sizeof(codec);
    codec.reply_lines_max = 12;
    codec.reply_text_max = 1024;
    mw_smtp_client_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.helo.ptr = "sensor3.plant.example";
    cfg.helo.len = strlen(cfg.helo.ptr);
    cfg.limits = &limits;
    cfg.codec = &codec;
    cfg.sasl_max = MW_SMTP_CLIENT_SASL_MAX_MIN;
    if (mw_smtp_client_sizeof(&cfg) > sizeof(session_mem))
        return 2;
    mw_smtp_client *c = NULL;
    if (mw_smtp_client_init_in(session_mem, sizeof(session_mem), &cfg, &c) !=
        MW_OK)
        return 3;

    mw_smtp_rcpt rcpt;
    memset(&rcpt, 0, sizeof(rcpt));
    rcpt.path.local.ptr = "ops";
    rcpt.path.local.len = 3;
    rcpt.path.domain.ptr = "example.net";
    rcpt.path.domain.len = 11;
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from.local.ptr = "sensor3";
    env.from.local.len = 7;
    env.from.domain.ptr = "plant.example";
    env.from.domain.len = 13;
    env.message_size = body.len;
    env.rcpts = &rcpt;
    env.n_rcpts = 1;

    int rc = converse(c, &env, &body);
    mw_smtp_client_free(c);
    if (rc != 0)
        return 5;
    return check_wire() == 0 ? 0 : 6;
}
