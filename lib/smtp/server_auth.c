/* SMTP server session: AUTH (RFC 4954) through a server-side mw_sasl
 * object. The client's responses are base64 lines; "*" cancels. */
#include <string.h>

#include "server_int.h"

/* Mechanisms that carry a password or bearer token readable by anyone
 * on the path. */
#define CLEARTEXT_MECHS                                                        \
    (MW_SASL_BIT(MW_SASL_PLAIN) | MW_SASL_BIT(MW_SASL_LOGIN) |                 \
     MW_SASL_MASK_TOKEN)

uint32_t mwi_srv_auth_offered(const mw_smtp_server *s)
{
    if (!s->heap)
        return 0;
    uint32_t m = s->auth_mechs;
    if (!s->tls && !(s->flags & MW_SMTP_SERVER_ALLOW_PLAINTEXT_AUTH))
        m &= ~(uint32_t)CLEARTEXT_MECHS;
    return m;
}

static void wipe_scratch(mw_smtp_server *s)
{
    if (s->scratch.data)
        mwi_wipe(s->scratch.data, s->scratch.len);
    mw_buf_clear(&s->scratch);
}

static void drop_sasl(mw_smtp_server *s)
{
    mw_sasl_free(s->sasl);
    s->sasl = NULL;
    s->sasl_release = 0;
}

void mwi_srv_auth_release(mw_smtp_server *s)
{
    if (s->sasl_release)
        drop_sasl(s);
}

void mwi_srv_auth_abort(mw_smtp_server *s)
{
    drop_sasl(s);
    wipe_scratch(s);
    mwi_wipe(s->random, sizeof(s->random));
    s->random_len = 0;
    if (s->state == MWI_SRV_AUTH_LINE || s->state == MWI_SRV_AUTH_RUN)
        s->state = MWI_SRV_CMD;
}

mw_sasl *mw_smtp_server_sasl(mw_smtp_server *s)
{
    if (!s || s->pending != MW_SMTP_SEV_AUTH_CREDENTIALS)
        return NULL;
    return s->sasl;
}

mw_status mw_smtp_server_auth_random(mw_smtp_server *s, const void *bytes,
                                     size_t len)
{
    if (!s || !bytes || len < MW_SASL_RANDOM_MIN)
        return MW_E_ARG;
    if (len > sizeof(s->random))
        len = sizeof(s->random);
    memcpy(s->random, bytes, len);
    s->random_len = len;
    return MW_OK;
}

static mw_status b64_decode(const char *p, size_t n, mw_buf *out)
{
    mw_b64_decoder d;
    mw_b64_decoder_init(&d, MW_B64_STRICT);
    mw_status st = mw_b64_decode_update(&d, p, n, out);
    if (st == MW_OK)
        st = mw_b64_decode_final(&d, out);
    return st;
}

static int refuse(mw_smtp_server *s, uint32_t code, const char *enh,
                  const char *text)
{
    mwi_srv_error(s, code, enh, text);
    return MWI_STEP_CONTINUE;
}

int mwi_srv_cmd_auth(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                     mw_smtp_server_event *ev)
{
    if (!s->heap || !s->auth_mechs)
        return refuse(s, 502, "5.5.1", "Command not implemented");
    if (s->helo != MW_SMTP_VERB_EHLO && s->helo != MW_SMTP_VERB_LHLO)
        return refuse(s, 503, "5.5.1", "Send EHLO first");
    if (s->authed)
        return refuse(s, 503, "5.5.1", "Already authenticated");
    if (s->mail)
        return refuse(s, 503, "5.5.1",
                      "AUTH not allowed during a mail transaction");
    mw_sasl_mech mech = mw_sasl_mech_from_name(cmd->arg.ptr, cmd->arg.len);
    if (mech == MW_SASL_NONE || !(s->auth_mechs & MW_SASL_BIT(mech)))
        return refuse(s, 504, "5.5.4", "Unrecognized authentication type");
    if (!(mwi_srv_auth_offered(s) & MW_SASL_BIT(mech)))
        return refuse(s, 538, "5.7.11",
                      "Encryption required for requested authentication "
                      "mechanism");
    wipe_scratch(s);
    s->has_ir = cmd->arg2.len > 0;
    /* "=" is the empty initial response (RFC 4954 section 4). */
    if (s->has_ir && !(cmd->arg2.len == 1 && cmd->arg2.ptr[0] == '=')) {
        mw_status st = b64_decode(cmd->arg2.ptr, cmd->arg2.len, &s->scratch);
        if (st != MW_OK) {
            wipe_scratch(s);
            if (st == MW_E_NOMEM)
                return refuse(s, 454, "4.7.0",
                              "Temporary authentication failure");
            return refuse(s, 501, "5.5.2", "Invalid base64 response");
        }
    }
    drop_sasl(s);
    s->sasl_mech = (uint32_t)mech;
    ev->type = MW_SMTP_SEV_AUTH;
    ev->decide = 1;
    ev->cmd = *cmd;
    ev->mech = (uint32_t)mech;
    s->pending = MW_SMTP_SEV_AUTH;
    return MWI_STEP_EVENT;
}

static void identity(mw_smtp_server *s, mw_smtp_server_event *ev)
{
    ev->mech = s->sasl_mech;
    if (s->sasl &&
        mw_sasl_server_identity(s->sasl, &ev->authcid, &ev->authzid) != MW_OK) {
        ev->authcid.ptr = NULL;
        ev->authcid.len = 0;
        ev->authzid = ev->authcid;
    }
}

static int fail(mw_smtp_server *s, mw_status why, mw_smtp_server_event *ev)
{
    uint32_t code = 454;
    const char *enh = "4.7.0";
    const char *text = "Temporary authentication failure";
    switch (why) {
    case MW_E_AUTH:
        code = 535;
        enh = "5.7.8";
        text = "Authentication credentials invalid";
        break;
    case MW_E_SYNTAX:
    case MW_E_ENCODING:
        code = 501;
        enh = "5.5.2";
        text = "Malformed authentication response";
        break;
    case MW_E_PEER:
        code = 501;
        enh = "5.7.0";
        text = "Authentication cancelled";
        break;
    case MW_E_UNSUPPORTED:
        code = 504;
        enh = "5.5.4";
        text = "Unsupported authentication feature";
        break;
    case MW_E_LIMIT:
        code = 500;
        enh = "5.5.6";
        text = "Authentication exchange line is too long";
        break;
    default:
        break;
    }
    ev->type = MW_SMTP_SEV_AUTH_RESULT;
    ev->status = (int32_t)why;
    ev->mech = s->sasl_mech;
    drop_sasl(s);
    wipe_scratch(s);
    s->state = MWI_SRV_CMD;
    mwi_srv_error(s, code, enh, text);
    return MWI_STEP_EVENT;
}

/* "334 " base64 CRLF (RFC 4954 section 4: the space is there even
 * when the challenge is empty). */
static mw_status challenge(mw_smtp_server *s, const mw_buf *chal)
{
    size_t need = 4 + mw_b64_encode_bound(chal->len, 0) + 2;
    if (s->out.cap - s->out.len < need)
        return MW_E_NOSPACE;
    mw_b64_encoder e;
    mw_b64_encoder_init(&e, 0);
    (void)mw_buf_append(&s->out, "334 ", 4);
    (void)mw_b64_encode_update(&e, chal->data, chal->len, &s->out);
    (void)mw_b64_encode_final(&e, &s->out);
    return mw_buf_append(&s->out, "\r\n", 2);
}

static int sasl_result(mw_smtp_server *s, mw_status st, mw_buf *chal,
                       mw_smtp_server_event *ev)
{
    if (st == MW_OK) {
        mw_status w = challenge(s, chal);
        if (w != MW_OK)
            return fail(s, w, ev);
        s->state = MWI_SRV_AUTH_LINE;
        return MWI_STEP_CONTINUE;
    }
    if (st == MW_NEED_MORE) {
        ev->type = MW_SMTP_SEV_AUTH_CREDENTIALS;
        ev->decide = 1;
        identity(s, ev);
        s->pending = MW_SMTP_SEV_AUTH_CREDENTIALS;
        s->state = MWI_SRV_AUTH_RUN;
        return MWI_STEP_EVENT;
    }
    if (st == MW_DONE) {
        (void)mwi_srv_reply(s, 235, "2.7.0", "Authentication successful", NULL,
                            NULL);
        s->authed = 1;
        s->state = MWI_SRV_CMD;
        ev->type = MW_SMTP_SEV_AUTH_RESULT;
        ev->status = MW_OK;
        identity(s, ev);
        /* Kept until the next call so the identity views stay valid. */
        s->sasl_release = 1;
        return MWI_STEP_EVENT;
    }
    return fail(s, st, ev);
}

static int run_and_wipe(mw_smtp_server *s, mw_status st, mw_buf *chal,
                        mw_smtp_server_event *ev)
{
    wipe_scratch(s);
    int r = sasl_result(s, st, chal, ev);
    if (chal->data)
        mwi_wipe(chal->data, chal->cap);
    mw_buf_free(chal);
    return r;
}

int mwi_srv_step_auth_run(mw_smtp_server *s, mw_smtp_server_event *ev)
{
    mw_buf chal;
    mw_buf_init_growable(&chal, s->allocator,
                         2u * MW_SMTP_SERVER_AUTH_LINE_MAX);
    mw_status st;
    if (!s->sasl) {
        mw_sasl_server_config c;
        memset(&c, 0, sizeof(c));
        c.size = (uint32_t)sizeof(c);
        c.mech = s->sasl_mech;
        c.hostname.ptr = s->host;
        c.hostname.len = s->host_len;
        c.random.ptr = (const char *)s->random;
        c.random.len = s->random_len;
        st = mw_sasl_server_new(&c, s->allocator, &s->sasl);
        mwi_wipe(s->random, sizeof(s->random));
        s->random_len = 0;
        if (st != MW_OK) {
            /* Missing nonce bytes or no memory: a temporary failure. */
            return run_and_wipe(s, MW_E_INTERNAL, &chal, ev);
        }
        st = mw_sasl_server_start(s->sasl, s->scratch.data, s->scratch.len,
                                  (int)s->has_ir, &chal);
    } else {
        st = mw_sasl_step(s->sasl, NULL, 0, &chal);
    }
    return run_and_wipe(s, st, &chal, ev);
}

int mwi_srv_step_auth_line(mw_smtp_server *s, const char *p, size_t n,
                           size_t *used, mw_smtp_server_event *ev)
{
    mw_span line;
    uint32_t lf = 0;
    mw_status st = mw_line_reader_next(&s->lines, p, n, used, &line, &lf);
    if (st == MW_NEED_MORE)
        return MWI_STEP_NEED_MORE;
    if (st != MW_OK)
        return (int)st;
    if (lf & MW_LINE_OVERLONG)
        return fail(s, MW_E_LIMIT, ev);
    if (line.len == 1 && line.ptr[0] == '*')
        return fail(s, MW_E_PEER, ev);
    wipe_scratch(s);
    st = b64_decode(line.ptr, line.len, &s->scratch);
    /* The response may hold a password; the line storage is ours. */
    if (line.ptr == s->line_mem)
        mwi_wipe(s->line_mem, line.len);
    if (st != MW_OK)
        return fail(s, st == MW_E_NOMEM ? MW_E_INTERNAL : MW_E_ENCODING, ev);
    mw_buf chal;
    mw_buf_init_growable(&chal, s->allocator,
                         2u * MW_SMTP_SERVER_AUTH_LINE_MAX);
    st = mw_sasl_step(s->sasl, s->scratch.data, s->scratch.len, &chal);
    return run_and_wipe(s, st, &chal, ev);
}
