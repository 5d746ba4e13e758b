/* Private pieces shared by the SMTP server session files. Not installed. */
#ifndef MW_SMTP_SERVER_INT_H
#define MW_SMTP_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/sasl.h"
#include "mailwire/smtp.h"
#include "mailwire/smtp_server.h"
#include "mailwire/stream.h"
#include "smtp_int.h"

/* Where the session is in the conversation. */
enum mwi_srv_state {
    MWI_SRV_CMD,       /* reading command lines */
    MWI_SRV_DATA,      /* reading a DATA body */
    MWI_SRV_BDAT,      /* reading (or discarding) a BDAT chunk */
    MWI_SRV_MSG_END,   /* handing out the end of a message (LMTP: each
                          recipient in turn) */
    MWI_SRV_AUTH_LINE, /* waiting for the client's AUTH response line */
    MWI_SRV_AUTH_RUN,  /* the SASL object has to run (after a decision) */
    MWI_SRV_TLS,       /* waiting for the handshake; input is discarded */
    MWI_SRV_CLOSED
};

/* What one step of the feed loop produced. */
enum mwi_srv_step {
    MWI_STEP_CONTINUE = 0, /* go on with the rest of the input */
    MWI_STEP_EVENT = 1,    /* an event is in *ev */
    MWI_STEP_NEED_MORE = 2 /* all the input was used */
};

/* Small buffer that normalised DATA bytes are copied to: twice the input
 * fed to the dot reader at once. */
#define MWI_SRV_NORM_IN 256u

struct mw_smtp_server {
    const mw_allocator *allocator; /* NULL for init_in sessions */
    size_t mem_size;
    uint32_t heap; /* made by mw_smtp_server_new() */
    uint32_t flags;
    uint32_t caps;
    uint32_t auth_mechs; /* what may be offered at all */
    uint32_t errors_max;
    uint32_t errors;
    uint32_t greeting_code;
    uint32_t rcpt_max;
    uint64_t size_max;
    mw_smtp_codec_config codec;
    char host[MW_SMTP_SERVER_NAME_MAX + 1];
    size_t host_len;

    uint32_t state;
    uint32_t pending; /* event type awaiting a decision, or 0 */
    uint32_t helo;    /* verb of the accepted greeting, or 0 */
    uint32_t tls;
    uint32_t authed;
    uint32_t clean_close;

    /* Context of the pending decision (views valid until the next
     * feed). */
    uint32_t pend_verb;
    uint32_t pend_body;
    uint32_t pend_utf8;
    mw_span pend_arg;

    /* The open transaction. */
    uint32_t mail;
    uint32_t body;     /* MW_SMTP_BODY_* of MAIL, 0 when not given */
    uint32_t smtputf8; /* MAIL carried SMTPUTF8 */
    uint32_t n_rcpt;   /* recipients accepted */
    uint32_t bdat_open;

    /* The message being received. */
    uint32_t msg_flags; /* MW_SMTP_SEV_F_* */
    uint32_t reject;    /* MW_SMTP_REJECT_* */
    uint32_t lmtp_next; /* next recipient to report at the end */
    uint32_t norm_cr;   /* normaliser: the last byte was a CR */
    uint64_t msg_bytes; /* body bytes so far */
    mw_dot_reader dot;
    uint64_t bdat_left; /* bytes of the current chunk still to come */
    uint64_t bdat_size; /* size of the current chunk */
    uint32_t bdat_last;
    uint32_t bdat_discard;
    uint32_t def_code; /* reply owed at the end of a discarded chunk */
    const char *def_enh;
    const char *def_text;

    /* AUTH. */
    mw_sasl *sasl;
    uint32_t sasl_mech;
    uint32_t sasl_started;
    uint32_t sasl_release; /* free sasl at the next call */
    uint32_t has_ir;
    uint8_t random[MW_SASL_RANDOM_MAX];
    size_t random_len;
    mw_buf scratch; /* decoded responses and challenges (heap only) */

    mw_line_reader lines;
    char *line_mem;
    size_t line_cap;
    mw_buf out;
    char norm[2 * MWI_SRV_NORM_IN];
};

/* Replies. \p enh is "c.s.d" or NULL; it is sent only when enhanced
 * status codes are in effect. The text is the concatenation of up to
 * three parts (NULL parts are skipped). */
mw_status mwi_srv_reply(mw_smtp_server *s, uint32_t code, const char *enh,
                        const char *a, const char *b, const char *c);
/* Same with span parts, for client-supplied text. */
mw_status mwi_srv_reply_spans(mw_smtp_server *s, uint32_t code, const char *enh,
                              const mw_span *parts, size_t n);
/* A reply to a client error: counted, and too many end the session
 * with 421. */
void mwi_srv_error(mw_smtp_server *s, uint32_t code, const char *enh,
                   const char *text);
/* Close the session (after the last reply). */
void mwi_srv_close(mw_smtp_server *s, int clean);
/* Forget the transaction. */
void mwi_srv_reset_tx(mw_smtp_server *s);

/* Body (server_data.c). */
void mwi_srv_start_message(mw_smtp_server *s, uint32_t flags);
int mwi_srv_step_data(mw_smtp_server *s, const char *p, size_t n, size_t *used,
                      mw_smtp_server_event *ev);
int mwi_srv_step_bdat(mw_smtp_server *s, const char *p, size_t n, size_t *used,
                      mw_smtp_server_event *ev);
int mwi_srv_step_msg_end(mw_smtp_server *s, mw_smtp_server_event *ev);
int mwi_srv_cmd_data(mw_smtp_server *s, mw_smtp_server_event *ev);
int mwi_srv_cmd_bdat(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                     mw_smtp_server_event *ev);
/* The application answered a MESSAGE decision. */
mw_status mwi_srv_message_decided(mw_smtp_server *s, uint32_t code,
                                  const char *enh, const char *text);

/* AUTH (server_auth.c). */
uint32_t mwi_srv_auth_offered(const mw_smtp_server *s);
int mwi_srv_cmd_auth(mw_smtp_server *s, const mw_smtp_cmd *cmd,
                     mw_smtp_server_event *ev);
int mwi_srv_step_auth_line(mw_smtp_server *s, const char *p, size_t n,
                           size_t *used, mw_smtp_server_event *ev);
int mwi_srv_step_auth_run(mw_smtp_server *s, mw_smtp_server_event *ev);
/* The application refused the exchange (AUTH or AUTH_CREDENTIALS). */
void mwi_srv_auth_abort(mw_smtp_server *s);
/* Free a finished exchange (deferred so event views stay valid). */
void mwi_srv_auth_release(mw_smtp_server *s);

#endif /* MW_SMTP_SERVER_INT_H */
