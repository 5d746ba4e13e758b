/* Private pieces of the message builder shared by build.c (body, parts,
 * output) and build_hdr.c (header fields, folding). */
#ifndef MW_BUILD_INT_H
#define MW_BUILD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/build.h"
#include "msg_int.h"

/* "=_" + 16 seed characters + "_" + 4 hex digits of the multipart index. */
#define MWI_BOUNDARY_LEN 23u
/* A delimiter line starts with "--" and the boundary. */
#define MWI_DELIM_LEN (MWI_BOUNDARY_LEN + 2u)
/* Input bytes encoded per step, so one step's output stays small. */
#define MWI_BUILD_STEP 2048u
/* Folding target and hard line limit (RFC 5322 2.1.1). */
#define MWI_FOLD_COLS 78u
#define MWI_LINE_MAX 998u

/* Header slots, in the order they are written. */
enum {
    MWI_SLOT_DATE,
    MWI_SLOT_FROM,
    MWI_SLOT_SENDER,
    MWI_SLOT_REPLY_TO,
    MWI_SLOT_TO,
    MWI_SLOT_CC,
    MWI_SLOT_SUBJECT,
    MWI_SLOT_MSGID,
    MWI_SLOT_IRT,
    MWI_SLOT_REFS,
    MWI_SLOT_CUSTOM,
    MWI_SLOT_COUNT
};

/* Builder states. */
enum {
    MWI_BS_HEADERS,  /* header fields may still be added */
    MWI_BS_BODY,     /* between entities (a multipart is open) */
    MWI_BS_LEAF,     /* a leaf is open and takes content */
    MWI_BS_TOP_DONE, /* the top-level entity is complete */
    MWI_BS_DONE,     /* finished */
    MWI_BS_FAILED    /* a fatal error happened */
};

/* Leaf kinds: how content is canonicalised and encoded. */
enum { MWI_KIND_TEXT, MWI_KIND_MESSAGE, MWI_KIND_OTHER };

/* Statistics of the decision window (over line-normalised bytes). */
typedef struct mwi_scan {
    size_t total;
    size_t nonascii;
    size_t nul;
    size_t bare_cr;
    size_t line_len;
    size_t max_line;
    size_t line_pos;
    int prev_cr;
    int delim_like; /* a line starts with "--=_" */
    int ends_lf;
} mwi_scan;

/* Checker of 7bit/8bit content as it is written. */
typedef struct mwi_ident {
    int allow_8bit;
    int prev_cr;
    size_t line_len;
    size_t lpos;
    char lp[MWI_DELIM_LEN];
} mwi_ident;

/* One open multipart. */
typedef struct mwi_frame {
    char boundary[MWI_BOUNDARY_LEN];
    uint32_t children;
} mwi_frame;

struct mw_builder {
    const mw_allocator *a;
    uint32_t flags;
    uint32_t state;
    mw_status error;
    uint32_t depth_max;
    uint32_t parts_max;
    uint32_t parts;
    uint32_t multiparts;
    char seed[16];
    mw_buf out;
    mw_buf slots[MWI_SLOT_COUNT];
    mw_buf rcpt; /* entries: 2-byte big-endian length, then the bytes */
    size_t rcpt_count;
    mw_buf tmp;
    mw_buf part_hdr;
    uint32_t from_count;
    mwi_frame *stack;
    uint32_t depth;
    /* the open leaf */
    uint32_t kind;
    uint32_t enc;
    uint32_t top_level;
    uint32_t deciding;
    uint32_t last_enc;
    char *win;
    size_t win_len;
    size_t win_cap;
    char *norm;
    char *rbuf;
    int prev_cr;
    int last_lf;
    size_t hold;    /* output bytes not yet shown (see update_hold) */
    size_t out_off; /* output bytes already taken by the caller */
    mwi_scan scan;
    mwi_ident ident;
    mw_b64_encoder b64;
    mw_qp_encoder qp;
};

/* Whether p[0..n) holds CR, LF or NUL. */
int mwi_build_has_crlf(const char *p, size_t n);

/* Append "Name: value" folded at whitespace (outside quoted strings when
 * quote_aware) plus CRLF; MW_E_LIMIT when a line would pass 998 bytes.
 * All or nothing. */
mw_status mwi_build_fold(mw_buf *out, const char *name, const char *value,
                         size_t len, int quote_aware);

/* Append the message header fields and, when with_mime, MIME-Version. */
mw_status mwi_build_flush_headers(mw_builder *b, int with_mime);

#endif
