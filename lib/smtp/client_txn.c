/* SMTP client session: the mail transaction. MAIL, RCPT and DATA (one
 * RFC 2920 group when pipelining), the per-recipient results, the body
 * through the dot-stuffer or as BDAT chunks (RFC 3030), and the final
 * replies (one per accepted recipient in LMTP, RFC 2033 4.2). */
#include <string.h>

#include "client_int.h"

/* Room left in the output after a body chunk: the end of data (or a BDAT
 * header) must still fit. */
#define BODY_HEADROOM 64u
/* "BDAT " + 20 digits + " LAST\r\n". */
#define BDAT_HEADER_MAX 32u

/* ------------------------------------------------------------------ */
/* Building the commands                                               */
/* ------------------------------------------------------------------ */

static size_t n_steps(const mw_smtp_client *c)
{
    return c->env->n_rcpts + (c->use_bdat ? 0u : 1u);
}

static void build_mail(const mw_smtp_client *c, mw_smtp_cmd *cmd)
{
    const mw_smtp_envelope *env = c->env;
    const mw_smtp_caps *caps = &c->caps;
    cmd->verb = MW_SMTP_VERB_MAIL;
    cmd->path = env->from;
    if ((caps->flags & MW_SMTP_CAP_SIZE) && env->message_size) {
        cmd->pflags |= MW_SMTP_P_SIZE;
        cmd->size = env->message_size;
    }
    /* BODY=7BIT is only meaningful to a server that knows 8BITMIME. */
    if (env->body && (caps->flags & MW_SMTP_CAP_8BITMIME)) {
        cmd->pflags |= MW_SMTP_P_BODY;
        cmd->body = env->body;
    }
    if (c->utf8)
        cmd->pflags |= MW_SMTP_P_SMTPUTF8;
    if (env->flags & MW_SMTP_ENV_REQUIRETLS)
        cmd->pflags |= MW_SMTP_P_REQUIRETLS;
    if (caps->flags & MW_SMTP_CAP_DSN) {
        if (env->ret) {
            cmd->pflags |= MW_SMTP_P_RET;
            cmd->ret = env->ret;
        }
        if (env->envid.len) {
            cmd->pflags |= MW_SMTP_P_ENVID;
            cmd->envid = env->envid;
        }
    }
}

static void build_rcpt(const mw_smtp_client *c, const mw_smtp_rcpt *r,
                       mw_smtp_cmd *cmd)
{
    cmd->verb = MW_SMTP_VERB_RCPT;
    cmd->path = r->path;
    if (!(c->caps.flags & MW_SMTP_CAP_DSN))
        return;
    if (r->notify) {
        cmd->pflags |= MW_SMTP_P_NOTIFY;
        cmd->notify = r->notify;
    }
    if (r->orcpt_type.len || r->orcpt_addr.len) {
        cmd->pflags |= MW_SMTP_P_ORCPT;
        cmd->orcpt_type = r->orcpt_type;
        cmd->orcpt_addr = r->orcpt_addr;
    }
}

mw_status mwi_client_build_step(const mw_smtp_client *c, size_t step,
                                mw_smtp_cmd *cmd)
{
    memset(cmd, 0, sizeof(*cmd));
    if (step == 0)
        build_mail(c, cmd);
    else if (step <= c->env->n_rcpts)
        build_rcpt(c, &c->env->rcpts[step - 1], cmd);
    else
        cmd->verb = MW_SMTP_VERB_DATA;
    return MW_OK;
}

static uint32_t step_kind(const mw_smtp_client *c, size_t step)
{
    if (step == 0)
        return MWI_K_MAIL;
    return step <= c->env->n_rcpts ? MWI_K_RCPT : MWI_K_DATA;
}

/* Queue as many envelope commands as the pipelining rules, the queue and
 * the output allow. */
mw_status mwi_client_pump(mw_smtp_client *c)
{
    while (c->phase == MWI_TX_ENVELOPE && c->next_send <= n_steps(c)) {
        if (!c->pipelined && c->q_len > 0)
            break;
        /* Outside the group, DATA waits for every RCPT reply. */
        if (c->next_send > c->env->n_rcpts && !c->group_data && c->q_len > 0)
            break;
        mw_smtp_cmd cmd;
        (void)mwi_client_build_step(c, c->next_send, &cmd);
        size_t step = c->next_send;
        uint32_t index =
            step == 0 || step > c->env->n_rcpts ? 0u : (uint32_t)(step - 1);
        mw_status st = mwi_client_write(c, &cmd, step_kind(c, step), index);
        if (st == MW_E_NOSPACE)
            break; /* output_done() resumes */
        if (st != MW_OK)
            return st;
        c->next_send++;
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Starting a transaction                                              */
/* ------------------------------------------------------------------ */

static int has_8bit(mw_span s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] >= 0x80)
            return 1;
    return 0;
}

static int path_8bit(const mw_smtp_path *p)
{
    return has_8bit(p->local) || has_8bit(p->domain);
}

static int env_needs_utf8(const mw_smtp_envelope *env)
{
    if ((env->flags & MW_SMTP_ENV_SMTPUTF8) || path_8bit(&env->from))
        return 1;
    for (size_t i = 0; i < env->n_rcpts; i++)
        if (path_8bit(&env->rcpts[i].path))
            return 1;
    return 0;
}

/* What the server offers decides what the envelope may ask for. */
static mw_status check_extensions(const mw_smtp_client *c,
                                  const mw_smtp_envelope *env, int use_bdat)
{
    uint32_t f = c->caps.flags;
    if ((f & MW_SMTP_CAP_SIZE) && c->caps.size_max &&
        env->message_size > c->caps.size_max)
        return MW_E_LIMIT;
    if (env->body == MW_SMTP_BODY_8BITMIME && !(f & MW_SMTP_CAP_8BITMIME))
        return MW_E_UNSUPPORTED;
    if (env->body == MW_SMTP_BODY_BINARYMIME &&
        (!(f & MW_SMTP_CAP_BINARYMIME) || !use_bdat))
        return MW_E_UNSUPPORTED;
    if (env->body > MW_SMTP_BODY_BINARYMIME || env->ret > MW_SMTP_RET_HDRS)
        return MW_E_ARG;
    if (env_needs_utf8(env) && !(f & MW_SMTP_CAP_SMTPUTF8))
        return MW_E_UNSUPPORTED;
    if ((env->flags & MW_SMTP_ENV_REQUIRETLS) &&
        (!(f & MW_SMTP_CAP_REQUIRETLS) || !c->tls))
        return MW_E_UNSUPPORTED;
    return MW_OK;
}

/* Write every command of the transaction into the scratch, so that a bad
 * path or parameter is refused before anything is queued. */
static mw_status validate(mw_smtp_client *c)
{
    mw_smtp_codec_config cc = c->codec;
    if (c->utf8)
        cc.flags |= MW_SMTP_CODEC_UTF8;
    for (size_t step = 0; step <= c->env->n_rcpts; step++) {
        mw_smtp_cmd cmd;
        (void)mwi_client_build_step(c, step, &cmd);
        mw_buf tmp;
        mw_buf_init_fixed(&tmp, c->scratch, c->scratch_cap);
        mw_status st = mw_smtp_cmd_write(&cmd, &cc, &tmp);
        if (st == MW_E_NOSPACE)
            st = MW_E_LIMIT;
        if (st != MW_OK)
            return st;
    }
    return MW_OK;
}

mw_status mw_smtp_client_send(mw_smtp_client *c, const mw_smtp_envelope *env)
{
    if (!c || !env || (env->n_rcpts && !env->rcpts))
        return MW_E_ARG;
    if (!mw_smtp_client_idle(c) || c->state != MWI_ST_READY)
        return MW_E_STATE;
    if (env->n_rcpts == 0)
        return MW_E_ARG;
    if (env->n_rcpts > c->recipients_max)
        return MW_E_LIMIT;
    int use_bdat = (c->flags & MW_SMTP_CLIENT_CHUNKING) &&
                   (c->caps.flags & MW_SMTP_CAP_CHUNKING);
    mw_status st = check_extensions(c, env, use_bdat);
    if (st != MW_OK)
        return st;
    c->env = env;
    c->utf8 = env_needs_utf8(env);
    st = validate(c);
    if (st != MW_OK) {
        c->env = NULL;
        c->utf8 = 0;
        return st;
    }
    c->use_bdat = use_bdat;
    c->pipelined = (c->caps.flags & MW_SMTP_CAP_PIPELINING) &&
                   !(c->flags & MW_SMTP_CLIENT_NO_PIPELINING);
    c->group_data =
        c->pipelined && !use_bdat && !(env->flags & MW_SMTP_ENV_ALL_RCPTS);
    c->phase = MWI_TX_ENVELOPE;
    c->next_send = 0;
    c->accepted = 0;
    memset(c->acc_bits, 0, c->recipients_max / 8 + 1);
    c->bdat_chunks = 0;
    c->bdat_failed = 0;
    c->lmtp_left = 0;
    c->lmtp_cursor = 0;
    /* The first command always fits: the output is at least a line. */
    return mwi_client_pump(c);
}

/* ------------------------------------------------------------------ */
/* Replies within the transaction                                      */
/* ------------------------------------------------------------------ */

static void end_txn(mw_smtp_client *c, mw_smtp_client_event *ev)
{
    c->phase = MWI_TX_NONE;
    c->env = NULL;
    c->utf8 = 0;
    ev->flags |= MW_SMTP_CEVF_TXN_END;
}

/* The transaction cannot go on: RSET, which ends it. */
static mw_status abandon(mw_smtp_client *c, mw_smtp_client_event *ev)
{
    ev->flags |= MW_SMTP_CEVF_FAILED;
    c->phase = MWI_TX_ABORT;
    return mwi_client_simple(c, MW_SMTP_VERB_RSET, MWI_K_RSET, MWI_RSET_AUTO);
}

static void start_body(mw_smtp_client *c, mw_smtp_client_event *ev)
{
    c->phase = MWI_TX_BODY;
    mw_dot_writer_init(&c->dw);
    ev->flags |= MW_SMTP_CEVF_BODY;
}

static mw_status on_rcpt(mw_smtp_client *c, uint32_t index,
                         const mw_smtp_reply *r, mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_RCPT;
    if (r->code >= 200 && r->code < 300) {
        c->accepted++;
        c->acc_bits[index / 8] |= (uint8_t)(1u << (index % 8));
    }
    if ((size_t)index + 1 < c->env->n_rcpts || c->phase != MWI_TX_ENVELOPE)
        return MW_OK;
    /* DATA sent in the group decides at its own reply. */
    if (c->group_data)
        return MW_OK;
    if (c->accepted == 0 || ((c->env->flags & MW_SMTP_ENV_ALL_RCPTS) &&
                             c->accepted < c->env->n_rcpts))
        return abandon(c, ev);
    if (c->use_bdat)
        start_body(c, ev);
    return MW_OK;
}

static mw_status on_data(mw_smtp_client *c, const mw_smtp_reply *r,
                         mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_DATA;
    if (r->code != 354)
        return abandon(c, ev);
    if (c->accepted > 0) {
        start_body(c, ev);
        return MW_OK;
    }
    /* RFC 2920 3.1: DATA was accepted though no recipient was; end it
     * with an empty message. */
    ev->flags |= MW_SMTP_CEVF_EMPTY_BODY | MW_SMTP_CEVF_FAILED;
    mw_dot_writer_init(&c->dw);
    mw_status st = mw_dot_writer_final(&c->dw, &c->out);
    if (st != MW_OK)
        return st;
    c->phase = MWI_TX_END;
    c->lmtp_left = 1;
    return mwi_client_push(c, MWI_K_DOT, 0);
}

static uint32_t next_accepted(mw_smtp_client *c)
{
    while (c->lmtp_cursor < c->env->n_rcpts) {
        size_t i = c->lmtp_cursor++;
        if (c->acc_bits[i / 8] & (1u << (i % 8)))
            return (uint32_t)i;
    }
    return 0;
}

static mw_status on_final(mw_smtp_client *c, uint32_t kind,
                          const mw_smtp_reply *r, mw_smtp_client_event *ev)
{
    (void)r;
    ev->type = MW_SMTP_CEV_MESSAGE;
    ev->verb = kind == MWI_K_DOT ? MW_SMTP_VERB_DATA : MW_SMTP_VERB_BDAT;
    int lmtp = (c->flags & MW_SMTP_CLIENT_LMTP) != 0;
    ev->index = lmtp && c->accepted ? next_accepted(c) : 0;
    if (c->lmtp_left > 1) {
        c->lmtp_left--;
        return mwi_client_push(c, kind, 0);
    }
    end_txn(c, ev);
    return MW_OK;
}

static mw_status on_bdat(mw_smtp_client *c, const mw_smtp_reply *r,
                         mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_BDAT;
    if (!(r->code >= 200 && r->code < 300)) {
        c->bdat_failed = 1;
        ev->flags |= MW_SMTP_CEVF_FAILED;
    } else if (c->phase == MWI_TX_BODY && !c->bdat_failed) {
        ev->flags |= MW_SMTP_CEVF_BODY;
    }
    return MW_OK;
}

mw_status mwi_client_on_txn_reply(mw_smtp_client *c, uint32_t kind,
                                  uint32_t index, const mw_smtp_reply *r,
                                  mw_smtp_client_event *ev)
{
    int ok = r->code >= 200 && r->code < 300;
    switch (kind) {
    case MWI_K_MAIL:
        ev->type = MW_SMTP_CEV_MAIL;
        /* Without pipelining nothing else was sent: the transaction
         * simply did not start. */
        if (!ok && !c->pipelined)
            end_txn(c, ev);
        return MW_OK;
    case MWI_K_RCPT:
        return on_rcpt(c, index, r, ev);
    case MWI_K_DATA:
        return on_data(c, r, ev);
    case MWI_K_DOT:
    case MWI_K_BDAT_LAST:
        return on_final(c, kind, r, ev);
    case MWI_K_BDAT:
        return on_bdat(c, r, ev);
    case MWI_K_RSET:
        ev->type = MW_SMTP_CEV_RSET;
        if (index == MWI_RSET_AUTO)
            end_txn(c, ev);
        return MW_OK;
    default:
        return MW_E_INTERNAL;
    }
}

/* ------------------------------------------------------------------ */
/* Body                                                                */
/* ------------------------------------------------------------------ */

static size_t room(const mw_smtp_client *c)
{
    size_t used = c->out.len + BODY_HEADROOM;
    return used >= c->output_max ? 0 : c->output_max - used;
}

static mw_status body_data(mw_smtp_client *c, const void *data, size_t len,
                           size_t *accepted)
{
    /* A body byte becomes at most two (a stuffed dot, a CR given its
     * LF), plus a held CR. */
    size_t r = room(c);
    size_t n = r < 4 ? 0 : (r - 4) / 2;
    if (n > len)
        n = len;
    while (n > 0) {
        mw_status st = mw_dot_writer_update(&c->dw, data, n, &c->out);
        if (st == MW_OK)
            break;
        if (st != MW_E_NOSPACE)
            return st;
        n /= 2;
    }
    *accepted = n;
    return MW_OK;
}

static mw_status body_chunk(mw_smtp_client *c, const void *data, size_t len,
                            size_t *accepted)
{
    if (c->bdat_failed)
        return MW_E_PEER;
    /* RFC 3030 4.2: without PIPELINING each chunk waits for its reply. */
    if ((!c->pipelined && c->q_len > 0) || c->q_len >= c->q_cap || len == 0)
        return MW_OK;
    size_t r = room(c);
    size_t n = r <= BDAT_HEADER_MAX ? 0 : r - BDAT_HEADER_MAX;
    if (n > len)
        n = len;
    if (n == 0)
        return MW_OK;
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_SMTP_VERB_BDAT;
    cmd.number = n;
    mw_status st = mw_buf_reserve(&c->out, BDAT_HEADER_MAX + n);
    if (st == MW_OK)
        st = mw_smtp_cmd_write(&cmd, &c->codec, &c->out);
    if (st == MW_OK)
        st = mw_buf_append(&c->out, data, n);
    if (st != MW_OK)
        return st == MW_E_NOSPACE ? MW_OK : st;
    st = mwi_client_push(c, MWI_K_BDAT, c->bdat_chunks++);
    if (st == MW_OK)
        *accepted = n;
    return st;
}

mw_status mw_smtp_client_body(mw_smtp_client *c, const void *data, size_t len,
                              size_t *accepted)
{
    if (accepted)
        *accepted = 0;
    if (!c || !accepted || (!data && len))
        return MW_E_ARG;
    if (c->phase != MWI_TX_BODY || c->state != MWI_ST_READY)
        return MW_E_STATE;
    if (len == 0)
        return MW_OK;
    if (c->use_bdat)
        return body_chunk(c, data, len, accepted);
    return body_data(c, data, len, accepted);
}

static void expect_finals(mw_smtp_client *c)
{
    c->phase = MWI_TX_END;
    c->lmtp_cursor = 0;
    c->lmtp_left =
        (c->flags & MW_SMTP_CLIENT_LMTP) && c->accepted ? c->accepted : 1;
}

mw_status mw_smtp_client_body_end(mw_smtp_client *c)
{
    if (!c)
        return MW_E_ARG;
    if (c->phase != MWI_TX_BODY || c->state != MWI_ST_READY)
        return MW_E_STATE;
    if (c->q_len >= c->q_cap)
        return MW_E_WOULDBLOCK;
    if (!c->use_bdat) {
        mw_status st = mw_dot_writer_final(&c->dw, &c->out);
        if (st != MW_OK)
            return st;
        expect_finals(c);
        return mwi_client_push(c, MWI_K_DOT, 0);
    }
    if (!c->pipelined && c->q_len > 0)
        return MW_E_WOULDBLOCK;
    if (c->bdat_failed) {
        mw_status st =
            mwi_client_simple(c, MW_SMTP_VERB_RSET, MWI_K_RSET, MWI_RSET_AUTO);
        if (st == MW_OK)
            c->phase = MWI_TX_ABORT;
        return st;
    }
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_SMTP_VERB_BDAT;
    cmd.flags = MW_SMTP_CMD_F_LAST;
    mw_status st = mwi_client_write(c, &cmd, MWI_K_BDAT_LAST, 0);
    if (st == MW_OK)
        expect_finals(c);
    return st;
}

/* One "BDAT n LAST" chunk when all of it fits. */
static mw_status last_chunk(mw_smtp_client *c, const void *data, size_t len,
                            size_t *accepted)
{
    if (c->bdat_failed)
        return MW_E_PEER;
    /* RFC 3030 4.2: without PIPELINING each chunk waits for its reply. */
    if ((!c->pipelined && c->q_len > 0) || c->q_len >= c->q_cap)
        return MW_OK;
    if (len + BDAT_HEADER_MAX > room(c))
        return body_chunk(c, data, len, accepted);
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_SMTP_VERB_BDAT;
    cmd.flags = MW_SMTP_CMD_F_LAST;
    cmd.number = len;
    mw_status st = mw_buf_reserve(&c->out, BDAT_HEADER_MAX + len);
    if (st == MW_OK)
        st = mw_smtp_cmd_write(&cmd, &c->codec, &c->out);
    if (st == MW_OK)
        st = mw_buf_append(&c->out, data, len);
    if (st == MW_OK)
        st = mwi_client_push(c, MWI_K_BDAT_LAST, 0);
    if (st != MW_OK)
        return st;
    *accepted = len;
    expect_finals(c);
    return MW_OK;
}

mw_status mw_smtp_client_body_last(mw_smtp_client *c, const void *data,
                                   size_t len, size_t *accepted)
{
    if (accepted)
        *accepted = 0;
    if (!c || !accepted || (!data && len))
        return MW_E_ARG;
    if (c->phase != MWI_TX_BODY || c->state != MWI_ST_READY)
        return MW_E_STATE;
    if (len == 0)
        return mw_smtp_client_body_end(c);
    if (c->use_bdat)
        return last_chunk(c, data, len, accepted);
    mw_status st = body_data(c, data, len, accepted);
    if (st != MW_OK || *accepted < len)
        return st;
    /* body_data() leaves room for the end marker. */
    return mw_smtp_client_body_end(c);
}
