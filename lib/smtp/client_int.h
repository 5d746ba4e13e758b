/* Private pieces of the SMTP client session, shared by client.c (object,
 * reply dispatch, control commands, AUTH) and client_txn.c (envelope and
 * body). Not installed. */
#ifndef MW_SMTP_CLIENT_INT_H
#define MW_SMTP_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/smtp_client.h"
#include "mailwire/stream.h"
#include "smtp_int.h"

/* What a reply in the queue of expected replies answers. */
enum {
    MWI_K_GREETING = 1,
    MWI_K_EHLO,
    MWI_K_HELO,
    MWI_K_LHLO,
    MWI_K_STARTTLS,
    MWI_K_AUTH,
    MWI_K_MAIL,
    MWI_K_RCPT,
    MWI_K_DATA,
    MWI_K_DOT,
    MWI_K_BDAT,
    MWI_K_BDAT_LAST,
    MWI_K_RSET,
    MWI_K_NOOP,
    MWI_K_QUIT,
    MWI_K_VRFY
};

/* Session states. */
enum {
    MWI_ST_GREETING = 0, /* waiting for the server's greeting */
    MWI_ST_HELLO,        /* EHLO / HELO / LHLO in flight */
    MWI_ST_READY,        /* hello accepted */
    MWI_ST_NOHELLO,      /* hello refused: only RSET, NOOP, QUIT */
    MWI_ST_TLS_WAIT,     /* 220 to STARTTLS; handshake pending */
    MWI_ST_QUIT,         /* QUIT sent */
    MWI_ST_CLOSED,       /* over */
    MWI_ST_FAILED        /* an error ended the session */
};

/* Transaction phases. */
enum {
    MWI_TX_NONE = 0,
    MWI_TX_ENVELOPE, /* MAIL / RCPT / DATA being sent and answered */
    MWI_TX_BODY,     /* the caller sends the body */
    MWI_TX_END,      /* end of data sent; final replies pending */
    MWI_TX_ABORT     /* the session's own RSET pending */
};

/* RSET index marking the session's own RSET that ends a transaction. */
#define MWI_RSET_AUTO 1u

typedef struct mwi_expect {
    uint32_t kind;
    uint32_t index;
} mwi_expect;

struct mw_smtp_client {
    const mw_allocator *allocator; /* NULL when placed in caller memory */
    size_t alloc_size;
    int owned;
    uint32_t flags;
    uint32_t state;
    int tls;
    mw_smtp_codec_config codec; /* the caller's codec limits, resolved */
    uint32_t sasl_max;
    size_t output_max;
    uint32_t recipients_max;
    char helo[MW_SMTP_DOMAIN_MAX_DEFAULT + 1];
    size_t helo_len;

    mw_line_reader lr;
    mw_smtp_reply_parser *rp;
    mw_buf out;

    int caps_valid;
    mw_smtp_caps caps;
    char *caps_text;
    size_t caps_text_cap;
    mw_span *caps_lines;
    uint32_t caps_lines_cap;

    uint64_t discarded;
    int discard_pending;

    mwi_expect *q;
    uint32_t q_cap, q_head, q_len;

    /* AUTH */
    mw_sasl *sasl;
    mw_status auth_status; /* why we cancelled with "*", or MW_OK */
    size_t stash_len;      /* initial response held back (line too long) */
    int stash;
    uint8_t *sasl_raw; /* sasl_max bytes */
    char *scratch;     /* base64 text and command validation */
    size_t scratch_cap;

    /* Transaction */
    const mw_smtp_envelope *env;
    uint32_t phase;
    int use_bdat;
    int pipelined;
    int group_data; /* DATA sent in the RFC 2920 group */
    int utf8;
    size_t next_send; /* 0 MAIL, 1..n RCPT, n + 1 DATA */
    size_t accepted;
    uint8_t *acc_bits;
    size_t lmtp_left;
    size_t lmtp_cursor;
    uint32_t bdat_chunks;
    int bdat_failed;
    mw_dot_writer dw;
};

/* client.c */
mw_status mwi_client_push(mw_smtp_client *c, uint32_t kind, uint32_t index);
mw_status mwi_client_write(mw_smtp_client *c, const mw_smtp_cmd *cmd,
                           uint32_t kind, uint32_t index);
mw_status mwi_client_simple(mw_smtp_client *c, uint32_t verb, uint32_t kind,
                            uint32_t index);
int mwi_client_positive(const mw_smtp_reply *r);

/* client_txn.c */
mw_status mwi_client_pump(mw_smtp_client *c);
mw_status mwi_client_on_txn_reply(mw_smtp_client *c, uint32_t kind,
                                  uint32_t index, const mw_smtp_reply *r,
                                  mw_smtp_client_event *ev);
mw_status mwi_client_build_step(const mw_smtp_client *c, size_t step,
                                mw_smtp_cmd *cmd);

#endif /* MW_SMTP_CLIENT_INT_H */
