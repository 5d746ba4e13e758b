/* Private helpers of the streaming MIME parser (lib/msg/mime_*.c). */
#ifndef MW_MIME_INT_H
#define MW_MIME_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/mime.h"
#include "mw_int.h"
#include <string.h>

/* The lexical pieces of a Content-Type / Content-Disposition value. */
typedef struct mwi_mime_param {
    mw_span name;       /* parameter name as written */
    mw_span value;      /* raw value, quotes removed, escapes and folds kept */
    int needs_unescape; /* value holds quoted-pairs or line breaks */
} mwi_mime_param;

/*
 * Parse the leading "type/subtype" (want_subtype) or single token of a
 * header value. Returns 1 and the tokens when the syntax is valid; *end is
 * then where the head and the comments after it end (0 otherwise).
 */
int mwi_mime_parse_head(const char *v, size_t n, int want_subtype,
                        mw_span *type, mw_span *subtype, size_t *end);

/*
 * The common case in one pass: a value of the plain shape "type/subtype"
 * followed by "; name=token" or "; name=\"text\"" parameters, with only
 * whitespace (folding included) around the ';'s. Returns the number of
 * parameters (at most max) with type, subtype and params[] set exactly as
 * mwi_mime_parse_head() and mwi_mime_next_param() would set them, or -1
 * when the value has any other shape (comments, escapes, junk, more than
 * max parameters): then those must be used.
 */
int mwi_mime_plain_params(const char *v, size_t n, mw_span *type,
                          mw_span *subtype, mwi_mime_param *params, int max);

/* Iterator position for mwi_mime_next_param() that skips a head already
 * parsed up to head_end (the same as starting at 0). */
size_t mwi_mime_params_after(const char *v, size_t n, size_t head_end);

/*
 * Next parameter after *pos (0 = start: the head is skipped). Returns 1 with
 * *param filled, 0 at the end. Malformed parameters are skipped.
 */
int mwi_mime_next_param(const char *v, size_t n, size_t *pos,
                        mwi_mime_param *param);

/* Copy s[0..n) to out without quoted-pair backslashes and line breaks;
 * returns the length written (at most n). */
size_t mwi_mime_unescape(const char *s, size_t n, char *out);

/* Case-insensitive equality of s[0..n) and the lower-case literal lit.
 * Inline so that strlen(lit) folds to a constant and most names are
 * refused on their length. */
static inline int mwi_mime_ieq(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        if (c != (unsigned char)lit[i])
            return 0;
    }
    return 1;
}

/* Case-insensitive equality of s[0..n) and a lower-case literal of letters
 * and '-' whose length is lit_len. OR-ing 0x20 maps exactly the two cases
 * of a letter onto it, and only '-' and CR onto '-': callers pass tokens,
 * which hold no CR, so whole words compare at once. */
static inline int mwi_mime_ieq_token(const char *s, size_t n, const char *lit,
                                     size_t lit_len)
{
    if (n != lit_len)
        return 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, s + i, 8);
        memcpy(&b, lit + i, 8);
        if ((a | UINT64_C(0x2020202020202020)) != b)
            return 0;
    }
    if (i + 4 <= n) {
        uint32_t a, b;
        memcpy(&a, s + i, 4);
        memcpy(&b, lit + i, 4);
        if ((a | UINT32_C(0x20202020)) != b)
            return 0;
        i += 4;
    }
    for (; i < n; i++) {
        if (((unsigned char)s[i] | 0x20u) != (unsigned char)lit[i])
            return 0;
    }
    return 1;
}

/* mwi_mime_ieq_token() with a string literal. */
#define MWI_IEQ_TOKEN(s, n, lit) mwi_mime_ieq_token(s, n, lit, sizeof(lit) - 1)

/* First token of a Content-Transfer-Encoding value, lower-cased into out
 * (at most cap bytes kept); returns its full length (0 when none). */
size_t mwi_mime_cte_token(const char *v, size_t n, char *out, size_t cap);

/* ---- the parser object, shared by mime_parse/header/info/body.c ---- */

/* Largest raw input fed to a decoder at once; its output (at most the input
 * plus a QP decoder's held bytes) always fits the decode buffer. */
#define DEC_IN_MAX 4096u
#define DBUF_CAP (DEC_IN_MAX + 256u)
/* Lower-cased "type/subtype" and disposition tokens kept per entity. */
#define TYPE_MAX 256u
#define TOKEN_MAX 64u
/* Digits of a part number component plus its dot. */
#define PN_STEP 11u
/* Smallest header_line_max honoured: the "From " check needs a few bytes. */
#define HEADER_MIN 64u
/* Caps that keep the size computation far from overflow. */
#define DEPTH_CAP 100000u
#define HEADER_CAP (64u * 1024u * 1024u)
#define BOUNDARY_CAP 65536u

enum mode {
    M_BEGIN,
    M_HEADERS,
    M_HEADERS_END,
    M_CONTENT,
    M_BTAIL,
    M_CLOSE,
    M_END,
    M_DONE
};

enum hstate { HS_LINE_START, HS_CR, HS_NAME, HS_NAME_WS, HS_VALUE, HS_SKIP };
enum sstate { SC_LINE_START, SC_IN_LINE };
enum held { HELD_NONE, HELD_CR, HELD_CRLF, HELD_LF };
enum sink { SINK_BODY, SINK_PREAMBLE, SINK_EPILOGUE };
enum action { ACT_CHILD, ACT_EPILOGUE, ACT_END };
enum step { STEP_EVENT, STEP_NEED, STEP_CONT, STEP_DONE };
enum decide { DEC_NO, DEC_YES, DEC_UNDECIDED };

/* Frame flags. */
#define FR_DIGEST 0x1u     /* multipart/digest: children default to rfc822 */
#define FR_ACTIVE 0x2u     /* multipart whose boundary is being looked for */
#define FR_OVERFLOW 0x4u   /* multipart past mime_parts_max */
#define FR_MSG_ROOT 0x8u   /* root of a (possibly embedded) message */
#define FR_IN_DIGEST 0x10u /* child of a multipart/digest */
#define FR_SAW_DELIM 0x20u /* a delimiter of this multipart was seen */

typedef struct frame {
    uint32_t kind;
    uint32_t encoding;
    uint32_t defects;
    uint32_t flags;
    uint32_t children;
    uint32_t pn_len;
    uint32_t blen;
    uint32_t pad;
    uint64_t begin;
} frame;

struct mw_mime_parser {
    const mw_allocator *alloc; /* NULL when placed in caller storage */
    size_t size;
    uint32_t flags;
    mw_limits lim;

    frame *frames;
    uint32_t nframes; /* frames in use; the top is frames[nframes - 1] */
    uint32_t frames_max;
    uint32_t entities;

    char *hbuf; /* header field spilled across chunks */
    size_t hcap, hlen;
    char *arena; /* per-entity copies of interesting header values */
    size_t acap, alen;
    char *bounds; /* boundary of the multipart at depth d: d * bmax */
    char *pn;     /* part numbers of the open frames, concatenated */
    char *lsb;    /* start of a line that may be a delimiter */
    size_t lscap, lsn;

    /* input of the current call */
    const char *in;
    size_t len, pos;
    uint64_t off; /* stream offset of in[0] */
    int eof;

    uint32_t mode;

    /* header block */
    uint32_t hstate;
    int pending;      /* a complete field waits for the next line's byte */
    int in_input;     /* the field lives in in[fstart..) (not spilled) */
    int prev_cr;      /* last header byte consumed was CR */
    int first_line;   /* no line of this header block consumed yet */
    int skip_headers; /* embedded root whose headers are already over */
    size_t fstart, ftotal, name_len, value_off;
    uint64_t foff;
    uint32_t hcount;
    uint64_t hbytes;
    mw_span ct_raw, cd_raw, cid;
    int have_ct, have_cd, have_cid, have_cte, have_mv;
    size_t cte_len;

    /* content */
    uint32_t sink;
    uint32_t sstate;
    uint32_t held;
    const char *emit; /* a short static span to deliver first */
    size_t emit_len;
    const char *replay; /* earlier bytes to deliver before the input */
    size_t replay_len;
    uint32_t nactive, max_blen;
    uint64_t line_off;  /* stream offset of the current line start */
    uint64_t close_off; /* where the entities being closed end */
    uint32_t target;    /* frames to keep when closing */
    uint32_t action;
    uint32_t blevel; /* depth of the multipart whose delimiter matched */
    int bclose, bjunk, bcr, flushed;

    int decoding;

    /* Scratch, from here on: always written before it is read, so parser
     * setup does not clear it (it is most of the parser's fixed size). */
    char cte_tok[TOKEN_MAX]; /* bytes past cte_len are never read */
    union {
        mw_b64_decoder b64;
        mw_qp_decoder qp;
    } dec; /* initialised when a body starts decoding */
    mw_buf dbuf;
    char dmem[DBUF_CAP];
};

static inline frame *mwi_mime_top(mw_mime_parser *p)
{
    return &p->frames[p->nframes - 1];
}

static inline uint64_t mwi_mime_here(const mw_mime_parser *p)
{
    return p->off + p->pos;
}

static inline mw_span mwi_mime_span(const char *ptr, size_t len)
{
    mw_span s;
    s.ptr = ptr;
    s.len = len;
    return s;
}

static inline mw_span mwi_mime_part(const mw_mime_parser *p, const frame *f)
{
    return mwi_mime_span(p->pn, f->pn_len);
}

static inline int mwi_mime_is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* mime_parse.c */
void mwi_mime_reset_headers(mw_mime_parser *p);
void mwi_mime_recompute_active(mw_mime_parser *p);
/* Open a new entity frame below the top one; the next step announces it. */
void mwi_mime_push_frame(mw_mime_parser *p, uint32_t pn_len, uint32_t flags);
size_t mwi_mime_arena_copy(mw_mime_parser *p, const char *s, size_t n);

/* The steps of the state machine: each returns an enum step value. */
int mwi_mime_headers_step(mw_mime_parser *p, mw_mime_event *ev); /* header.c */
/* A whole field at a line start of this call's input (mode HEADERS),
 * reported in one step with every field of ev but info set; -1 (nothing
 * done) when the general steps must handle the line. */
int mwi_mime_header_fast(mw_mime_parser *p, mw_mime_event *ev);

int mwi_mime_headers_end_step(mw_mime_parser *p, mw_mime_event *ev); /* info */
int mwi_mime_content_step(mw_mime_parser *p, mw_mime_event *ev); /* body.c */
int mwi_mime_btail_step(mw_mime_parser *p);
int mwi_mime_begin_step(mw_mime_parser *p, mw_mime_event *ev);
int mwi_mime_close_step(mw_mime_parser *p, mw_mime_event *ev);

#endif /* MW_MIME_INT_H */
