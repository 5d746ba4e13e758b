/* SMTP / LMTP server session: lifecycle, output, decisions and the
 * command state machine (RFC 5321 sections 3 and 4, RFC 2033, RFC 2920,
 * RFC 3207). The body is in server_data.c, AUTH in server_auth.c. */
#include <string.h>

#include "server_int.h"

/* Longest text the application may give to mw_smtp_server_reply(). */
#define APP_TEXT_MAX 2048u
/* Room for a reply text made of the host name, an argument and a few
 * words. */
#define TEXT_BUF (APP_TEXT_MAX + 2 * MW_SMTP_SERVER_NAME_MAX + 64)

static size_t align16(size_t n)
{
    return (n + 15u) & ~(size_t)15u;
}

static mw_span span_str(const char *str)
{
    mw_span sp = {str, str ? strlen(str) : 0};
    return sp;
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

static int parse_enhanced(const char *enh, uint32_t code, mw_smtp_enhanced *e)
{
    uint32_t part[3] = {0, 0, 0};
    size_t k = 0;
    const char *p = enh;
    for (k = 0; k < 3; k++) {
        size_t digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            part[k] = part[k] * 10u + (uint32_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || digits > 3)
            return 0;
        if (k < 2 && *p++ != '.')
            return 0;
    }
    if (*p != '\0' || part[0] != code / 100u)
        return 0;
    e->cls = (uint16_t)part[0];
    e->subject = (uint16_t)part[1];
    e->detail = (uint16_t)part[2];
    return 1;
}

/* RFC 2034: enhanced codes go only to a client that said EHLO (or LHLO)
 * to a server that announced ENHANCEDSTATUSCODES. */
static int enhanced_on(const mw_smtp_server *s)
{
    return (s->caps & MW_SMTP_CAP_ENHANCEDSTATUSCODES) &&
           (s->helo == MW_SMTP_VERB_EHLO || s->helo == MW_SMTP_VERB_LHLO);
}

mw_status mwi_srv_reply_spans(mw_smtp_server *s, uint32_t code, const char *enh,
                              const mw_span *parts, size_t n)
{
    char text[TEXT_BUF];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > sizeof(text) - len)
            return MW_E_ARG;
        if (parts[i].len)
            memcpy(text + len, parts[i].ptr, parts[i].len);
        len += parts[i].len;
    }
    mw_smtp_enhanced e;
    const mw_smtp_enhanced *ep = NULL;
    if (enh && enhanced_on(s) && parse_enhanced(enh, code, &e))
        ep = &e;
    mw_span line = {text, len};
    return mw_smtp_reply_write(code, ep, &line, 1, &s->out);
}

mw_status mwi_srv_reply(mw_smtp_server *s, uint32_t code, const char *enh,
                        const char *a, const char *b, const char *c)
{
    mw_span parts[3];
    size_t n = 0;
    if (a)
        parts[n++] = span_str(a);
    if (b)
        parts[n++] = span_str(b);
    if (c)
        parts[n++] = span_str(c);
    return mwi_srv_reply_spans(s, code, enh, parts, n);
}

static mw_status reply_host(mw_smtp_server *s, uint32_t code, const char *enh,
                            const char *text)
{
    mw_span parts[3] = {{s->host, s->host_len}, {" ", 1}, span_str(text)};
    return mwi_srv_reply_spans(s, code, enh, parts, 3);
}

void mwi_srv_close(mw_smtp_server *s, int clean)
{
    s->state = MWI_SRV_CLOSED;
    s->pending = 0;
    s->clean_close = clean ? 1u : 0u;
    mwi_srv_reset_tx(s);
}

void mwi_srv_error(mw_smtp_server *s, uint32_t code, const char *enh,
                   const char *text)
{
    (void)mwi_srv_reply(s, code, enh, text, NULL, NULL);
    s->errors++;
    if (s->errors >= s->errors_max) {
        (void)reply_host(s, 421, "4.7.0",
                         "Too many errors, closing transmission channel");
        mwi_srv_close(s, 1);
    }
}

void mwi_srv_reset_tx(mw_smtp_server *s)
{
    s->mail = 0;
    s->body = 0;
    s->smtputf8 = 0;
    s->n_rcpt = 0;
    s->bdat_open = 0;
    s->reject = 0;
    s->msg_flags = 0;
    s->msg_bytes = 0;
    s->lmtp_next = 0;
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

static int text_ok(mw_span t, size_t max, int allow_space)
{
    if (t.len > max || (t.len && !t.ptr))
        return 0;
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.ptr[i];
        if (c == '\r' || c == '\n' || c == '\0' || (!allow_space && c == ' '))
            return 0;
    }
    return 1;
}

static int config_ok(const mw_smtp_server_config *cfg)
{
    if (!cfg || cfg->size < sizeof(*cfg))
        return 0;
    if (cfg->hostname.len == 0 ||
        !text_ok(cfg->hostname, MW_SMTP_SERVER_NAME_MAX, 0) ||
        !text_ok(cfg->greeting, MW_SMTP_SERVER_NAME_MAX, 1))
        return 0;
    return cfg->greeting_code == 0 || cfg->greeting_code == 220 ||
           cfg->greeting_code == 554;
}

static uint32_t codec_line_max(const mw_smtp_server_config *cfg)
{
    mwi_smtp_cfg c;
    mwi_smtp_cfg_resolve(cfg->codec, &c);
    return c.line_max;
}

static size_t line_capacity(const mw_smtp_server_config *cfg, int heap)
{
    size_t line_max = (size_t)codec_line_max(cfg);
    /* The codec's own AUTH allowance (RFC 4954 section 4) is only worth
     * the memory when AUTH is offered. */
    if (heap && cfg->auth_mechs)
        return line_max + MW_SMTP_AUTH_LINE_EXTRA;
    return line_max + MW_SMTP_MAIL_LINE_EXTRA;
}

static size_t layout_size(const mw_smtp_server_config *cfg, int heap)
{
    return align16(sizeof(mw_smtp_server)) + align16(line_capacity(cfg, heap)) +
           MW_SMTP_SERVER_OUTPUT_SIZE;
}

size_t mw_smtp_server_sizeof(const mw_smtp_server_config *cfg)
{
    if (!config_ok(cfg))
        return 0;
    return layout_size(cfg, 0);
}

static void setup(mw_smtp_server *s, size_t size,
                  const mw_smtp_server_config *cfg,
                  const mw_allocator *allocator, int heap)
{
    char *base = (char *)s;
    memset(s, 0, sizeof(*s));
    s->allocator = allocator;
    s->heap = heap ? 1u : 0u;
    s->mem_size = size;
    s->flags = cfg->flags;
    s->caps = cfg->caps;
    s->auth_mechs = heap ? cfg->auth_mechs : 0;
    s->errors_max =
        cfg->errors_max ? cfg->errors_max : MW_SMTP_SERVER_ERRORS_MAX_DEFAULT;
    s->greeting_code = cfg->greeting_code ? cfg->greeting_code : 220;
    s->size_max = cfg->size_max;
    mw_limits lim;
    mw_limits_resolve(cfg->limits, &lim);
    s->rcpt_max = lim.recipients_max;
    if (cfg->codec && cfg->codec->size >= sizeof(uint32_t)) {
        size_t known = cfg->codec->size < sizeof(s->codec) ? cfg->codec->size
                                                           : sizeof(s->codec);
        memcpy(&s->codec, cfg->codec, known);
    }
    s->codec.size = (uint32_t)sizeof(s->codec);
    /* Every line the server reads has already been cut at CRLF by the
     * strict line reader. */
    s->codec.flags &= ~MW_SMTP_CODEC_STRICT_CRLF;
    if (s->caps & MW_SMTP_CAP_SMTPUTF8)
        s->codec.flags |= MW_SMTP_CODEC_UTF8;
    else
        s->codec.flags &= ~MW_SMTP_CODEC_UTF8;
    memcpy(s->host, cfg->hostname.ptr, cfg->hostname.len);
    s->host_len = cfg->hostname.len;
    s->tls = (cfg->flags & MW_SMTP_SERVER_TLS_ACTIVE) ? 1u : 0u;
    s->state = MWI_SRV_CMD;
    s->line_cap = line_capacity(cfg, heap);
    s->line_mem = base + align16(sizeof(*s));
    mw_line_reader_init(&s->lines, s->line_mem, s->line_cap, MW_LINE_SKIP_LONG);
    mw_buf_init_fixed(&s->out, s->line_mem + align16(s->line_cap),
                      MW_SMTP_SERVER_OUTPUT_SIZE);
    mw_buf_init_growable(&s->scratch, allocator,
                         2u * MW_SMTP_SERVER_AUTH_LINE_MAX);

    const char *greet =
        (s->flags & MW_SMTP_SERVER_LMTP) ? "LMTP ready" : "ESMTP ready";
    mw_span parts[3] = {{s->host, s->host_len}, {" ", 1}, span_str(greet)};
    if (cfg->greeting.len) {
        parts[2] = cfg->greeting;
    }
    (void)mwi_srv_reply_spans(s, s->greeting_code, NULL, parts, 3);
}

mw_status mw_smtp_server_new(const mw_smtp_server_config *cfg,
                             const mw_allocator *allocator,
                             mw_smtp_server **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!config_ok(cfg))
        return MW_E_ARG;
    size_t size = layout_size(cfg, 1);
    void *mem = mwi_alloc(allocator, size);
    if (!mem)
        return MW_E_NOMEM;
    setup((mw_smtp_server *)mem, size, cfg, allocator, 1);
    *out = (mw_smtp_server *)mem;
    return MW_OK;
}

mw_status mw_smtp_server_init_in(void *mem, size_t len,
                                 const mw_smtp_server_config *cfg,
                                 mw_smtp_server **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!mem || !config_ok(cfg) || len < layout_size(cfg, 0) ||
        !mwi_is_aligned(mem))
        return MW_E_ARG;
    setup((mw_smtp_server *)mem, layout_size(cfg, 0), cfg, NULL, 0);
    *out = (mw_smtp_server *)mem;
    return MW_OK;
}

void mw_smtp_server_free(mw_smtp_server *s)
{
    if (!s)
        return;
    mwi_srv_auth_release(s);
    if (s->sasl) {
        mw_sasl_free(s->sasl);
        s->sasl = NULL;
    }
    if (s->scratch.data)
        mwi_wipe(s->scratch.data, s->scratch.cap);
    mw_buf_free(&s->scratch);
    int heap = s->heap != 0;
    const mw_allocator *a = s->allocator;
    size_t size = s->mem_size;
    /* AUTH response lines may have passed through the line storage. */
    mwi_wipe(s, size);
    if (heap)
        mwi_free(a, s, size);
}

/* ------------------------------------------------------------------ */
/* Output and transport state                                          */
/* ------------------------------------------------------------------ */

const char *mw_smtp_server_output(const mw_smtp_server *s, size_t *len)
{
    if (!s) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = s->out.len;
    return s->out.data;
}

mw_status mw_smtp_server_output_done(mw_smtp_server *s, size_t n)
{
    if (!s)
        return MW_E_ARG;
    size_t pending = s->out.len;
    mw_buf_consume(&s->out, n);
    return n > pending ? MW_E_ARG : MW_OK;
}

unsigned mw_smtp_server_wants(const mw_smtp_server *s)
{
    if (!s)
        return 0;
    unsigned pending = s->out.len ? MW_WANT_WRITE : 0u;
    if (s->state == MWI_SRV_CLOSED)
        return pending | MW_WANT_CLOSE;
    /* The 220 must reach the client before the handshake starts. */
    if (s->state == MWI_SRV_TLS)
        return pending ? pending : MW_WANT_TLS;
    return MW_WANT_READ | pending;
}

mw_status mw_smtp_server_tls_done(mw_smtp_server *s, int ok)
{
    if (!s)
        return MW_E_ARG;
    if (s->state != MWI_SRV_TLS)
        return MW_E_STATE;
    if (!ok) {
        mwi_srv_close(s, 1);
        return MW_OK;
    }
    /* RFC 3207 section 4.2: forget everything learnt before TLS. */
    s->tls = 1;
    s->helo = 0;
    s->authed = 0;
    mwi_srv_reset_tx(s);
    mw_line_reader_reset(&s->lines);
    s->state = MWI_SRV_CMD;
    return MW_OK;
}

mw_status mw_smtp_server_eof(mw_smtp_server *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->state == MWI_SRV_CLOSED && s->clean_close)
        return MW_OK;
    if (s->pending == MW_SMTP_SEV_AUTH_CREDENTIALS ||
        s->state == MWI_SRV_AUTH_LINE || s->state == MWI_SRV_AUTH_RUN)
        mwi_srv_auth_abort(s);
    mwi_srv_close(s, 0);
    return MW_E_CLOSED;
}

mw_status mw_smtp_server_shutdown(mw_smtp_server *s)
{
    if (!s)
        return MW_E_ARG;
    if (s->state == MWI_SRV_CLOSED)
        return MW_E_STATE;
    /* A pending decision is dropped: the 421 answers everything. */
    s->pending = 0;
    if (s->state == MWI_SRV_AUTH_LINE || s->state == MWI_SRV_AUTH_RUN)
        mwi_srv_auth_abort(s);
    mw_status st = reply_host(s, 421, "4.3.2", "Service shutting down");
    if (st != MW_OK)
        return st;
    mwi_srv_close(s, 1);
    return MW_OK;
}

uint32_t mw_smtp_server_state(const mw_smtp_server *s)
{
    if (!s)
        return 0;
    uint32_t st = 0;
    if (s->tls)
        st |= MW_SMTP_SERVER_S_TLS;
    if (s->authed)
        st |= MW_SMTP_SERVER_S_AUTH;
    if (s->helo)
        st |= MW_SMTP_SERVER_S_HELO;
    if (s->mail)
        st |= MW_SMTP_SERVER_S_MAIL;
    if (s->state == MWI_SRV_CLOSED)
        st |= MW_SMTP_SERVER_S_CLOSED;
    return st;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static int decision(mw_smtp_server *s, mw_smtp_server_event *ev, uint32_t type,
                    const mw_smtp_cmd *cmd)
{
    ev->type = type;
    ev->decide = 1;
    if (cmd)
        ev->cmd = *cmd;
    s->pending = type;
    return MWI_STEP_EVENT;
}

static int seq_error(mw_smtp_server *s, const char *text)
{
    mwi_srv_error(s, 503, "5.5.1", text);
    return MWI_STEP_CONTINUE;
}

static int is_ehlo_like(uint32_t verb)
{
    return verb == MW_SMTP_VERB_EHLO || verb == MW_SMTP_VERB_LHLO;
}

static int cmd_helo(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                    mw_smtp_server_event *ev)
{
    int lmtp = (s->flags & MW_SMTP_SERVER_LMTP) != 0;
    if (lmtp != (cmd->verb == MW_SMTP_VERB_LHLO)) {
        mwi_srv_error(s, 500, "5.5.1",
                      lmtp ? "This is LMTP: use LHLO" : "Command unrecognized");
        return MWI_STEP_CONTINUE;
    }
    /* RFC 5321 4.1.4: a new greeting ends any transaction. */
    mwi_srv_reset_tx(s);
    s->pend_verb = cmd->verb;
    s->pend_arg = cmd->arg;
    return decision(s, ev, MW_SMTP_SEV_HELO, cmd);
}

static int needs_tls_first(mw_smtp_server *s)
{
    if ((s->flags & MW_SMTP_SERVER_REQUIRE_TLS) && !s->tls) {
        mwi_srv_error(s, 530, "5.7.0", "Must issue a STARTTLS command first");
        return 1;
    }
    return 0;
}

static int param_error(mw_smtp_server *s, const char *text)
{
    mwi_srv_error(s, 555, "5.5.4", text);
    return MWI_STEP_CONTINUE;
}

/* MAIL parameters the session did not announce are refused (RFC 5321
 * 4.1.1.11 and each extension's RFC). */
static int mail_params_refused(mw_smtp_server *s, const mw_smtp_cmd *cmd)
{
    uint32_t pf = cmd->pflags;
    if (s->helo == MW_SMTP_VERB_HELO && (pf || cmd->n_params)) {
        param_error(s, "Parameters need EHLO");
        return 1;
    }
    if (cmd->n_params) {
        param_error(s, "Unsupported parameter");
        return 1;
    }
    if ((pf & MW_SMTP_P_SIZE) && !(s->caps & MW_SMTP_CAP_SIZE)) {
        param_error(s, "SIZE not supported");
        return 1;
    }
    if (pf & MW_SMTP_P_BODY) {
        int ok = cmd->body == MW_SMTP_BODY_7BIT ||
                 (cmd->body == MW_SMTP_BODY_8BITMIME &&
                  (s->caps & MW_SMTP_CAP_8BITMIME)) ||
                 (cmd->body == MW_SMTP_BODY_BINARYMIME &&
                  (s->caps & MW_SMTP_CAP_BINARYMIME) &&
                  (s->caps & MW_SMTP_CAP_CHUNKING));
        if (!ok) {
            param_error(s, "BODY type not supported");
            return 1;
        }
    }
    if ((pf & MW_SMTP_P_SMTPUTF8) && !(s->caps & MW_SMTP_CAP_SMTPUTF8)) {
        param_error(s, "SMTPUTF8 not supported");
        return 1;
    }
    if ((pf & (MW_SMTP_P_RET | MW_SMTP_P_ENVID)) &&
        !(s->caps & MW_SMTP_CAP_DSN)) {
        param_error(s, "DSN not supported");
        return 1;
    }
    if ((pf & MW_SMTP_P_AUTH) && !mwi_srv_auth_offered(s)) {
        param_error(s, "AUTH not supported");
        return 1;
    }
    if ((pf & MW_SMTP_P_REQUIRETLS) &&
        (!(s->caps & MW_SMTP_CAP_REQUIRETLS) || !s->tls)) {
        param_error(s, "REQUIRETLS not supported");
        return 1;
    }
    return 0;
}

static int cmd_mail(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                    mw_smtp_server_event *ev)
{
    if (needs_tls_first(s))
        return MWI_STEP_CONTINUE;
    if (!s->helo)
        return seq_error(s, (s->flags & MW_SMTP_SERVER_LMTP)
                                ? "Send LHLO first"
                                : "Send HELO/EHLO first");
    if ((s->flags & MW_SMTP_SERVER_REQUIRE_AUTH) && !s->authed) {
        mwi_srv_error(s, 530, "5.7.0", "Authentication required");
        return MWI_STEP_CONTINUE;
    }
    if (s->mail)
        return seq_error(s, "Nested MAIL command");
    if (mail_params_refused(s, cmd))
        return MWI_STEP_CONTINUE;
    if ((cmd->path.flags & MW_SMTP_PATH_UTF8) &&
        !(cmd->pflags & MW_SMTP_P_SMTPUTF8)) {
        mwi_srv_error(s, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        return MWI_STEP_CONTINUE;
    }
    if ((cmd->pflags & MW_SMTP_P_SIZE) && s->size_max &&
        cmd->size > s->size_max) {
        (void)mwi_srv_reply(s, 552, "5.3.4",
                            "Message size exceeds fixed maximum message size",
                            NULL, NULL);
        return MWI_STEP_CONTINUE;
    }
    s->pend_body = (cmd->pflags & MW_SMTP_P_BODY) ? cmd->body : 0;
    s->pend_utf8 = (cmd->pflags & MW_SMTP_P_SMTPUTF8) ? 1u : 0u;
    return decision(s, ev, MW_SMTP_SEV_MAIL, cmd);
}

static int cmd_rcpt(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                    mw_smtp_server_event *ev)
{
    if (needs_tls_first(s))
        return MWI_STEP_CONTINUE;
    if (!s->mail)
        return seq_error(s, "Need MAIL before RCPT");
    if (s->bdat_open)
        return seq_error(s, "RCPT not allowed during BDAT");
    if (cmd->n_params)
        return param_error(s, "Unsupported parameter");
    if ((cmd->pflags & (MW_SMTP_P_NOTIFY | MW_SMTP_P_ORCPT)) &&
        !(s->caps & MW_SMTP_CAP_DSN))
        return param_error(s, "DSN not supported");
    if ((cmd->path.flags & MW_SMTP_PATH_UTF8) && !s->smtputf8) {
        mwi_srv_error(s, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        return MWI_STEP_CONTINUE;
    }
    if (s->n_rcpt >= s->rcpt_max) {
        (void)mwi_srv_reply(s, 452, "4.5.3", "Too many recipients", NULL, NULL);
        return MWI_STEP_CONTINUE;
    }
    ev->rcpt_index = s->n_rcpt;
    return decision(s, ev, MW_SMTP_SEV_RCPT, cmd);
}

static int cmd_rset(mw_smtp_server *s, mw_smtp_server_event *ev)
{
    int open = s->mail != 0;
    mwi_srv_reset_tx(s);
    (void)mwi_srv_reply(s, 250, "2.0.0", "OK", NULL, NULL);
    if (!open)
        return MWI_STEP_CONTINUE;
    ev->type = MW_SMTP_SEV_RESET;
    return MWI_STEP_EVENT;
}

static int cmd_verify(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                      mw_smtp_server_event *ev)
{
    if (needs_tls_first(s))
        return MWI_STEP_CONTINUE;
    return decision(s, ev,
                    cmd->verb == MW_SMTP_VERB_VRFY ? MW_SMTP_SEV_VRFY
                                                   : MW_SMTP_SEV_EXPN,
                    cmd);
}

static int cmd_starttls(mw_smtp_server *s)
{
    if (s->tls)
        return seq_error(s, "TLS already active");
    if (!(s->caps & MW_SMTP_CAP_STARTTLS)) {
        mwi_srv_error(s, 502, "5.5.1", "Command not implemented");
        return MWI_STEP_CONTINUE;
    }
    (void)mwi_srv_reply(s, 220, "2.0.0", "Ready to start TLS", NULL, NULL);
    mwi_srv_reset_tx(s);
    s->state = MWI_SRV_TLS;
    return MWI_STEP_CONTINUE;
}

static int cmd_quit(mw_smtp_server *s)
{
    (void)reply_host(s, 221, "2.0.0", "Service closing transmission channel");
    mwi_srv_close(s, 1);
    return MWI_STEP_CONTINUE;
}

static int dispatch(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                    mw_smtp_server_event *ev)
{
    if (s->greeting_code == 554 && cmd->verb != MW_SMTP_VERB_QUIT)
        return seq_error(s, "No SMTP service here");
    switch (cmd->verb) {
    case MW_SMTP_VERB_HELO:
    case MW_SMTP_VERB_EHLO:
    case MW_SMTP_VERB_LHLO:
        return cmd_helo(s, cmd, ev);
    case MW_SMTP_VERB_MAIL:
        return cmd_mail(s, cmd, ev);
    case MW_SMTP_VERB_RCPT:
        return cmd_rcpt(s, cmd, ev);
    case MW_SMTP_VERB_DATA:
        if (needs_tls_first(s))
            return MWI_STEP_CONTINUE;
        return mwi_srv_cmd_data(s, ev);
    case MW_SMTP_VERB_BDAT:
        return mwi_srv_cmd_bdat(s, cmd, ev);
    case MW_SMTP_VERB_RSET:
        return cmd_rset(s, ev);
    case MW_SMTP_VERB_VRFY:
    case MW_SMTP_VERB_EXPN:
        return cmd_verify(s, cmd, ev);
    case MW_SMTP_VERB_HELP:
        (void)mwi_srv_reply(s, 214, "2.0.0",
                            "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET "
                            "NOOP QUIT VRFY HELP",
                            NULL, NULL);
        return MWI_STEP_CONTINUE;
    case MW_SMTP_VERB_NOOP:
        (void)mwi_srv_reply(s, 250, "2.0.0", "OK", NULL, NULL);
        return MWI_STEP_CONTINUE;
    case MW_SMTP_VERB_QUIT:
        return cmd_quit(s);
    case MW_SMTP_VERB_STARTTLS:
        return cmd_starttls(s);
    case MW_SMTP_VERB_AUTH:
        if (needs_tls_first(s))
            return MWI_STEP_CONTINUE;
        return mwi_srv_cmd_auth(s, cmd, ev);
    default:
        mwi_srv_error(s, 500, "5.5.2", "Command unrecognized");
        return MWI_STEP_CONTINUE;
    }
}

/* A BDAT line that does not parse still announces a chunk the client
 * will send; without its size the session cannot stay in step, so such
 * a line is only an error reply and the bytes that follow are read as
 * commands (as every SMTP server does). */
static int handle_line(mw_smtp_server *s, mw_span line,
                       mw_smtp_server_event *ev)
{
    mw_smtp_cmd cmd;
    mw_smtp_parse_error err;
    mw_status st = mw_smtp_cmd_parse(line.ptr, line.len, MW_SMTP_LINE_CRLF,
                                     &s->codec, &cmd, &err);
    if (st != MW_OK) {
        if (s->greeting_code == 554)
            return seq_error(s, "No SMTP service here");
        if (err.reason == MW_SMTP_ERR_LINE_TOO_LONG) {
            /* The same reply as a line too long for the reader. */
            mwi_srv_error(s, 500, "5.5.6", "Line too long");
            return MWI_STEP_CONTINUE;
        }
        char text[128] = "Syntax error: ";
        size_t n = strlen(text);
        size_t k = strlen(err.text);
        if (k > sizeof(text) - 1 - n)
            k = sizeof(text) - 1 - n;
        memcpy(text + n, err.text, k);
        text[n + k] = '\0';
        uint32_t code = err.reply_code ? err.reply_code : 500;
        const char *enh =
            (err.enhanced && *err.enhanced) ? err.enhanced : "5.5.2";
        mwi_srv_error(s, code, enh, text);
        return MWI_STEP_CONTINUE;
    }
    return dispatch(s, &cmd, ev);
}

static int step_cmd(mw_smtp_server *s, const char *p, size_t n, size_t *used,
                    mw_smtp_server_event *ev)
{
    mw_span line;
    uint32_t lf = 0;
    mw_status st = mw_line_reader_next(&s->lines, p, n, used, &line, &lf);
    if (st == MW_NEED_MORE)
        return MWI_STEP_NEED_MORE;
    if (st != MW_OK)
        return (int)st;
    if (lf & MW_LINE_OVERLONG) {
        mwi_srv_error(s, 500, "5.5.6", "Line too long");
        return MWI_STEP_CONTINUE;
    }
    return handle_line(s, line, ev);
}

static int step_tls(const char *p, size_t n, size_t *used,
                    mw_smtp_server_event *ev)
{
    (void)p;
    *used = n;
    if (n == 0)
        return MWI_STEP_NEED_MORE;
    /* Plaintext sent after STARTTLS and before the handshake must never
     * be read as commands (CVE-2011-0411, aio-libs/aiosmtpd #380). */
    ev->type = MW_SMTP_SEV_PLAINTEXT_DISCARDED;
    ev->count = n;
    return MWI_STEP_EVENT;
}

/* States that may queue a reply must find room for it first. */
static int may_reply(const mw_smtp_server *s)
{
    switch (s->state) {
    case MWI_SRV_DATA:
    case MWI_SRV_TLS:
    case MWI_SRV_CLOSED:
        return 0;
    case MWI_SRV_BDAT:
        return s->bdat_left == 0;
    default:
        return 1;
    }
}

mw_status mw_smtp_server_feed(mw_smtp_server *s, const void *data, size_t len,
                              size_t *consumed, mw_smtp_server_event *ev)
{
    if (!s || !consumed || !ev || (!data && len > 0))
        return MW_E_ARG;
    *consumed = 0;
    memset(ev, 0, sizeof(*ev));
    if (s->pending)
        return MW_E_STATE;
    mwi_srv_auth_release(s);
    static const char none[1] = {0};
    const char *p = data ? (const char *)data : none;
    size_t pos = 0;
    for (;;) {
        if (s->state == MWI_SRV_CLOSED) {
            *consumed = pos;
            return MW_E_CLOSED;
        }
        if (may_reply(s) &&
            s->out.cap - s->out.len < MW_SMTP_SERVER_OUTPUT_RESERVE) {
            *consumed = pos;
            return MW_E_WOULDBLOCK;
        }
        size_t used = 0;
        int r;
        switch (s->state) {
        case MWI_SRV_CMD:
            r = step_cmd(s, p + pos, len - pos, &used, ev);
            break;
        case MWI_SRV_DATA:
            r = mwi_srv_step_data(s, p + pos, len - pos, &used, ev);
            break;
        case MWI_SRV_BDAT:
            r = mwi_srv_step_bdat(s, p + pos, len - pos, &used, ev);
            break;
        case MWI_SRV_MSG_END:
            r = mwi_srv_step_msg_end(s, ev);
            break;
        case MWI_SRV_AUTH_LINE:
            r = mwi_srv_step_auth_line(s, p + pos, len - pos, &used, ev);
            break;
        case MWI_SRV_AUTH_RUN:
            r = mwi_srv_step_auth_run(s, ev);
            break;
        case MWI_SRV_TLS:
            r = step_tls(p + pos, len - pos, &used, ev);
            break;
        default:
            return MW_E_INTERNAL;
        }
        pos += used;
        if (r == MWI_STEP_CONTINUE)
            continue;
        *consumed = pos;
        if (r == MWI_STEP_EVENT)
            return MW_OK;
        if (r == MWI_STEP_NEED_MORE)
            return MW_NEED_MORE;
        return (mw_status)r;
    }
}

/* ------------------------------------------------------------------ */
/* Decisions                                                           */
/* ------------------------------------------------------------------ */

static const char *const auth_order_names[] = {
    "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN",
    "LOGIN",         "OAUTHBEARER", "XOAUTH2",  "EXTERNAL"};
static const uint32_t auth_order[] = {
    MW_SASL_SCRAM_SHA_256, MW_SASL_SCRAM_SHA_1, MW_SASL_CRAM_MD5,
    MW_SASL_PLAIN,         MW_SASL_LOGIN,       MW_SASL_OAUTHBEARER,
    MW_SASL_XOAUTH2,       MW_SASL_EXTERNAL};

static mw_status ehlo_reply(mw_smtp_server *s, const char *text)
{
    mw_smtp_caps caps;
    memset(&caps, 0, sizeof(caps));
    char greet[MW_SMTP_SERVER_NAME_MAX + 16];
    const uint32_t offerable =
        MW_SMTP_CAP_SIZE | MW_SMTP_CAP_PIPELINING | MW_SMTP_CAP_8BITMIME |
        MW_SMTP_CAP_SMTPUTF8 | MW_SMTP_CAP_STARTTLS | MW_SMTP_CAP_CHUNKING |
        MW_SMTP_CAP_BINARYMIME | MW_SMTP_CAP_DSN |
        MW_SMTP_CAP_ENHANCEDSTATUSCODES | MW_SMTP_CAP_REQUIRETLS;
    caps.flags = s->caps & offerable;
    if (s->tls)
        caps.flags &= ~MW_SMTP_CAP_STARTTLS;
    else
        caps.flags &= ~MW_SMTP_CAP_REQUIRETLS;
    caps.size_max = s->size_max;
    caps.domain.ptr = s->host;
    caps.domain.len = s->host_len;
    if (text) {
        caps.greeting = span_str(text);
    } else {
        /* "greets <client>" as in RFC 5321 appendix D; the argument
         * already parsed as a domain or address literal. */
        size_t n = s->pend_arg.len;
        if (n > MW_SMTP_SERVER_NAME_MAX)
            n = MW_SMTP_SERVER_NAME_MAX;
        memcpy(greet, "greets ", 7);
        if (n)
            memcpy(greet + 7, s->pend_arg.ptr, n);
        caps.greeting.ptr = greet;
        caps.greeting.len = 7 + n;
    }
    uint32_t mechs = mwi_srv_auth_offered(s);
    for (size_t i = 0; i < MWI_ARRAY_LEN(auth_order); i++) {
        if (mechs & MW_SASL_BIT(auth_order[i])) {
            caps.mechs[caps.n_mechs++] = span_str(auth_order_names[i]);
        }
    }
    if (caps.n_mechs)
        caps.flags |= MW_SMTP_CAP_AUTH;
    /* The first line "250-<host> <greeting>" CRLF must stay within 512
     * bytes; the greeting is only decoration, so it is cut (between UTF-8
     * characters). */
    size_t room = 512u - 7u - s->host_len;
    if (caps.greeting.len > room) {
        size_t n = room;
        while (n > 0 && ((unsigned char)caps.greeting.ptr[n] & 0xC0u) == 0x80u)
            n--;
        caps.greeting.len = n;
    }
    mw_status st = mw_smtp_caps_write(&caps, &s->out);
    if (st == MW_E_ARG) {
        /* Never leave a decision unanswerable: a bare greeting line. */
        mw_span host = {s->host, s->host_len};
        st = mwi_srv_reply_spans(s, 250, NULL, &host, 1);
    }
    return st;
}

static mw_status helo_decided(mw_smtp_server *s, uint32_t code, const char *enh,
                              const char *text)
{
    mw_status st;
    if (code / 100 != 2) {
        st = mwi_srv_reply(s, code, enh, text ? text : "Refused", NULL, NULL);
        if (st == MW_OK)
            s->helo = 0;
        return st;
    }
    if (is_ehlo_like(s->pend_verb)) {
        st = ehlo_reply(s, text);
    } else if (text) {
        st = mwi_srv_reply(s, code, enh, text, NULL, NULL);
    } else {
        mw_span host = {s->host, s->host_len};
        st = mwi_srv_reply_spans(s, 250, NULL, &host, 1);
    }
    if (st == MW_OK)
        s->helo = s->pend_verb;
    return st;
}

static const char *default_text(uint32_t code)
{
    return code / 100 == 2 ? "OK" : "Requested action not taken";
}

static mw_status decide(mw_smtp_server *s, uint32_t code, const char *enh,
                        const char *text)
{
    uint32_t type = s->pending;
    mw_status st = MW_OK;
    int ok = code / 100 == 2;
    switch (type) {
    case MW_SMTP_SEV_HELO:
        st = helo_decided(s, code, enh, text);
        break;
    case MW_SMTP_SEV_MAIL:
    case MW_SMTP_SEV_RCPT:
    case MW_SMTP_SEV_VRFY:
    case MW_SMTP_SEV_EXPN:
        st = mwi_srv_reply(s, code, enh, text ? text : default_text(code), NULL,
                           NULL);
        if (st != MW_OK)
            break;
        if (type == MW_SMTP_SEV_MAIL && ok) {
            s->mail = 1;
            s->body = s->pend_body;
            s->smtputf8 = s->pend_utf8;
        } else if (type == MW_SMTP_SEV_RCPT && ok) {
            s->n_rcpt++;
        }
        break;
    case MW_SMTP_SEV_MESSAGE:
        st = mwi_srv_message_decided(s, code, enh,
                                     text ? text : default_text(code));
        break;
    case MW_SMTP_SEV_AUTH:
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        if (code == 0) {
            /* Accepting lets the exchange run at the next feed. */
            s->state = MWI_SRV_AUTH_RUN;
            break;
        }
        st = mwi_srv_reply(s, code, enh, text ? text : default_text(code), NULL,
                           NULL);
        if (st == MW_OK)
            mwi_srv_auth_abort(s);
        break;
    default:
        return MW_E_INTERNAL;
    }
    if (st == MW_OK)
        s->pending = 0;
    return st;
}

mw_status mw_smtp_server_accept(mw_smtp_server *s)
{
    if (!s)
        return MW_E_ARG;
    if (!s->pending)
        return MW_E_STATE;
    switch (s->pending) {
    case MW_SMTP_SEV_AUTH:
    case MW_SMTP_SEV_AUTH_CREDENTIALS:
        return decide(s, 0, NULL, NULL);
    case MW_SMTP_SEV_MAIL:
        return decide(s, 250, "2.1.0", NULL);
    case MW_SMTP_SEV_RCPT:
        return decide(s, 250, "2.1.5", NULL);
    case MW_SMTP_SEV_VRFY:
        return decide(s, 252, "2.5.0",
                      "Cannot VRFY user, but will accept message and "
                      "attempt delivery");
    case MW_SMTP_SEV_EXPN:
        return decide(s, 502, "5.5.1", "EXPN not available");
    default:
        return decide(s, 250, "2.0.0", NULL);
    }
}

mw_status mw_smtp_server_reply(mw_smtp_server *s, uint32_t code,
                               const char *enhanced, const char *text)
{
    if (!s)
        return MW_E_ARG;
    if (!s->pending)
        return MW_E_STATE;
    uint32_t cls = code / 100;
    if (code < 200 || code > 599 || cls == 3)
        return MW_E_ARG;
    if ((s->pending == MW_SMTP_SEV_AUTH ||
         s->pending == MW_SMTP_SEV_AUTH_CREDENTIALS) &&
        cls == 2)
        return MW_E_ARG;
    mw_smtp_enhanced e;
    if (enhanced && !parse_enhanced(enhanced, code, &e))
        return MW_E_ARG;
    if (text) {
        size_t n = strlen(text);
        if (n > APP_TEXT_MAX)
            return MW_E_ARG;
        if (memchr(text, '\r', n) || memchr(text, '\n', n))
            return MW_E_CRLF;
    }
    return decide(s, code, enhanced, text);
}
