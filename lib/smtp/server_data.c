/* SMTP server session: message data received with DATA (RFC 5321 4.1.1.4,
 * strict end of data against SMTP smuggling) or BDAT (RFC 3030), and the
 * end of a message (one reply per recipient in LMTP, RFC 2033 4.2). */
#include <string.h>

#include "server_int.h"

void mwi_srv_start_message(mw_smtp_server *s, uint32_t flags)
{
    s->msg_flags = flags;
    s->reject = 0;
    s->msg_bytes = 0;
    s->norm_cr = 0;
    s->lmtp_next = 0;
}

static void note_size(mw_smtp_server *s, size_t n)
{
    s->msg_bytes += n;
    if (s->size_max && s->msg_bytes > s->size_max)
        s->reject |= MW_SMTP_REJECT_SIZE;
}

int mwi_srv_cmd_data(mw_smtp_server *s, mw_smtp_server_event *ev)
{
    if (!s->mail) {
        mwi_srv_error(s, 503, "5.5.1", "Need MAIL command");
        return MWI_STEP_CONTINUE;
    }
    if (s->n_rcpt == 0) {
        mwi_srv_error(s, 554, "5.5.1", "No valid recipients");
        return MWI_STEP_CONTINUE;
    }
    /* RFC 3030 section 2: DATA may not follow BDAT in one transaction,
     * nor carry a BINARYMIME body. */
    if (s->bdat_open || s->body == MW_SMTP_BODY_BINARYMIME) {
        mwi_srv_error(s, 503, "5.5.1", "DATA not allowed here, use BDAT");
        return MWI_STEP_CONTINUE;
    }
    (void)mwi_srv_reply(s, 354, NULL,
                        "Start mail input; end with <CRLF>.<CRLF>", NULL, NULL);
    mwi_srv_start_message(s, 0);
    mw_dot_reader_init(&s->dot, 0);
    s->state = MWI_SRV_DATA;
    ev->type = MW_SMTP_SEV_DATA;
    return MWI_STEP_EVENT;
}

/* Copies \p n bytes to the session's small buffer with every bare CR and
 * bare LF made a CRLF (MW_SMTP_SERVER_NORMALIZE_BARE); the end of data
 * was already found by the strict reader, so this never moves it. */
static size_t normalize(mw_smtp_server *s, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (s->norm_cr) {
            s->norm_cr = 0;
            if (c == '\n') {
                s->norm[o++] = '\n';
                continue;
            }
            s->norm[o++] = '\n';
            s->msg_flags |= MW_SMTP_SEV_F_NORMALIZED;
        }
        if (c == '\r') {
            s->norm[o++] = '\r';
            s->norm_cr = 1;
        } else if (c == '\n') {
            s->norm[o++] = '\r';
            s->norm[o++] = '\n';
            s->msg_flags |= MW_SMTP_SEV_F_NORMALIZED;
        } else {
            s->norm[o++] = c;
        }
    }
    return o;
}

static void note_defects(mw_smtp_server *s)
{
    if (s->flags & MW_SMTP_SERVER_NORMALIZE_BARE)
        return;
    uint32_t d = mw_dot_reader_defects(&s->dot);
    if (d & MW_DOT_BARE_LF)
        s->reject |= MW_SMTP_REJECT_BARE_LF;
    if (d & MW_DOT_BARE_CR)
        s->reject |= MW_SMTP_REJECT_BARE_CR;
}

static int body_event(mw_smtp_server_event *ev, const char *p, size_t n)
{
    ev->type = MW_SMTP_SEV_BODY;
    ev->data.ptr = p;
    ev->data.len = n;
    return MWI_STEP_EVENT;
}

int mwi_srv_step_data(mw_smtp_server *s, const char *p, size_t n, size_t *used,
                      mw_smtp_server_event *ev)
{
    int norm = (s->flags & MW_SMTP_SERVER_NORMALIZE_BARE) != 0;
    size_t take = (norm && n > MWI_SRV_NORM_IN) ? MWI_SRV_NORM_IN : n;
    mw_span chunk;
    mw_status st = mw_dot_reader_next(&s->dot, p, take, used, &chunk);
    if (st == MW_DONE) {
        s->state = MWI_SRV_MSG_END;
        return MWI_STEP_CONTINUE;
    }
    if (st == MW_NEED_MORE)
        return take == n ? MWI_STEP_NEED_MORE : MWI_STEP_CONTINUE;
    if (st != MW_OK)
        return (int)st;
    note_defects(s);
    /* RFC 5321 section 4.1.1.4 and RFC 6152: DATA carries text lines; a
     * NUL cannot be delivered faithfully. */
    if (memchr(chunk.ptr, '\0', chunk.len))
        s->reject |= MW_SMTP_REJECT_NUL;
    const char *out = chunk.ptr;
    size_t o = chunk.len;
    if (norm && !s->reject) {
        o = normalize(s, chunk.ptr, chunk.len);
        out = s->norm;
    }
    note_size(s, o);
    if (s->reject || o == 0)
        return MWI_STEP_CONTINUE;
    return body_event(ev, out, o);
}

/* ------------------------------------------------------------------ */
/* BDAT                                                                */
/* ------------------------------------------------------------------ */

/* RFC 3030 section 2: a refused BDAT still announces its chunk, whose
 * bytes must be read and dropped to stay in step; the reply follows
 * them. */
static int refuse_bdat(mw_smtp_server *s, uint32_t code, const char *enh,
                       const char *text)
{
    s->bdat_discard = 1;
    s->def_code = code;
    s->def_enh = enh;
    s->def_text = text;
    s->state = MWI_SRV_BDAT;
    return MWI_STEP_CONTINUE;
}

int mwi_srv_cmd_bdat(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                     mw_smtp_server_event *ev)
{
    s->bdat_left = cmd->number;
    s->bdat_size = cmd->number;
    s->bdat_last = (cmd->flags & MW_SMTP_CMD_F_LAST) ? 1u : 0u;
    s->bdat_discard = 0;
    if (!(s->caps & MW_SMTP_CAP_CHUNKING))
        return refuse_bdat(s, 502, "5.5.1", "Command not implemented");
    if ((s->flags & MW_SMTP_SERVER_REQUIRE_TLS) && !s->tls)
        return refuse_bdat(s, 530, "5.7.0",
                           "Must issue a STARTTLS command first");
    if (!s->mail)
        return refuse_bdat(s, 503, "5.5.1", "Need MAIL command");
    if (s->n_rcpt == 0)
        return refuse_bdat(s, 554, "5.5.1", "No valid recipients");
    s->state = MWI_SRV_BDAT;
    if (s->bdat_open)
        return MWI_STEP_CONTINUE;
    s->bdat_open = 1;
    mwi_srv_start_message(s, MW_SMTP_SEV_F_BDAT);
    ev->type = MW_SMTP_SEV_DATA;
    ev->flags = MW_SMTP_SEV_F_BDAT;
    return MWI_STEP_EVENT;
}

static void reject_reply(mw_smtp_server *s)
{
    if (s->reject & MW_SMTP_REJECT_SIZE) {
        (void)mwi_srv_reply(s, 552, "5.3.4",
                            "Message size exceeds fixed maximum message size",
                            NULL, NULL);
    } else if (s->reject & MW_SMTP_REJECT_NUL) {
        (void)mwi_srv_reply(s, 550, "5.6.0",
                            "Message refused: NUL byte in data", NULL, NULL);
    } else {
        (void)mwi_srv_reply(s, 550, "5.6.0",
                            "Message refused: bare CR or LF in data "
                            "(RFC 5321 section 2.3.8)",
                            NULL, NULL);
    }
}

static int chunk_end(mw_smtp_server *s, mw_smtp_server_event *ev)
{
    s->state = MWI_SRV_CMD;
    if (s->bdat_discard) {
        s->bdat_discard = 0;
        mwi_srv_error(s, s->def_code, s->def_enh, s->def_text);
        return MWI_STEP_CONTINUE;
    }
    if (s->reject) {
        /* RFC 3030 section 2: after a failed chunk the transaction is
         * over; later chunks of it meet "need MAIL". */
        s->state = MWI_SRV_MSG_END;
        return MWI_STEP_CONTINUE;
    }
    if (s->bdat_last) {
        s->state = MWI_SRV_MSG_END;
        return MWI_STEP_CONTINUE;
    }
    char num[24];
    size_t k = sizeof(num);
    uint64_t v = s->bdat_size;
    num[--k] = '\0';
    do {
        num[--k] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    (void)mwi_srv_reply(s, 250, "2.0.0", num + k, " octets received", NULL);
    (void)ev;
    return MWI_STEP_CONTINUE;
}

int mwi_srv_step_bdat(mw_smtp_server *s, const char *p, size_t n, size_t *used,
                      mw_smtp_server_event *ev)
{
    if (s->bdat_left == 0)
        return chunk_end(s, ev);
    if (n == 0)
        return MWI_STEP_NEED_MORE;
    size_t take = n;
    if ((uint64_t)take > s->bdat_left)
        take = (size_t)s->bdat_left;
    *used = take;
    s->bdat_left -= take;
    if (s->bdat_discard)
        return MWI_STEP_CONTINUE;
    note_size(s, take);
    if (s->reject)
        return MWI_STEP_CONTINUE;
    return body_event(ev, p, take);
}

/* ------------------------------------------------------------------ */
/* End of message                                                      */
/* ------------------------------------------------------------------ */

static void end_transaction(mw_smtp_server *s)
{
    mwi_srv_reset_tx(s);
    s->state = MWI_SRV_CMD;
}

int mwi_srv_step_msg_end(mw_smtp_server *s, mw_smtp_server_event *ev)
{
    int lmtp = (s->flags & MW_SMTP_SERVER_LMTP) != 0;
    if (s->reject) {
        /* LMTP owes one reply per accepted recipient at the end of the
         * message, refusal or not (but one to a failed middle chunk);
         * queued one per step so the output reserve holds. */
        int per_rcpt =
            lmtp && (!(s->msg_flags & MW_SMTP_SEV_F_BDAT) || s->bdat_last);
        reject_reply(s);
        s->lmtp_next++;
        if (per_rcpt && s->lmtp_next < s->n_rcpt)
            return MWI_STEP_CONTINUE;
        ev->type = MW_SMTP_SEV_MESSAGE_REJECTED;
        ev->reason = s->reject;
        ev->flags = s->msg_flags;
        ev->rcpt_count = s->n_rcpt;
        ev->count = s->msg_bytes;
        end_transaction(s);
        return MWI_STEP_EVENT;
    }
    ev->type = MW_SMTP_SEV_MESSAGE;
    ev->decide = 1;
    ev->flags = s->msg_flags;
    ev->rcpt_index = lmtp ? s->lmtp_next : 0;
    ev->rcpt_count = s->n_rcpt;
    ev->count = s->msg_bytes;
    s->pending = MW_SMTP_SEV_MESSAGE;
    return MWI_STEP_EVENT;
}

mw_status mwi_srv_message_decided(mw_smtp_server *s, uint32_t code,
                                  const char *enh, const char *text)
{
    mw_status st = mwi_srv_reply(s, code, enh, text, NULL, NULL);
    if (st != MW_OK)
        return st;
    s->lmtp_next++;
    if (!(s->flags & MW_SMTP_SERVER_LMTP) || s->lmtp_next >= s->n_rcpt)
        end_transaction(s);
    return MW_OK;
}
