/* Private pieces shared by the SMTP codec files. Not installed. */
#ifndef MW_SMTP_INT_H
#define MW_SMTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/smtp.h"
#include "mw_int.h"

/* Settings with every limit resolved (never 0, never below the RFC). */
typedef struct mwi_smtp_cfg {
    uint32_t flags;
    uint32_t line_max;
    uint32_t local_max;
    uint32_t domain_max;
    uint32_t path_max;
    uint32_t reply_line_max;
    uint32_t reply_lines_max;
    uint32_t reply_text_max;
} mwi_smtp_cfg;

void mwi_smtp_cfg_resolve(const mw_smtp_codec_config *in, mwi_smtp_cfg *out);

/* Fill \p err (may be NULL) for \p reason at \p offset and return the
 * status that goes with the reason (MW_E_LIMIT or MW_E_SYNTAX). */
mw_status mwi_smtp_fail(mw_smtp_parse_error *err, uint32_t reason,
                        size_t offset);

/* A cursor over one line. */
typedef struct mwi_cur {
    const char *s;
    size_t len;
    size_t pos;
    const mwi_smtp_cfg *cfg;
    mw_smtp_parse_error *err;
} mwi_cur;

static inline int mwi_is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline int mwi_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline int mwi_is_alnum(unsigned char c)
{
    return mwi_is_alpha(c) || mwi_is_digit(c);
}

static inline int mwi_is_hex(unsigned char c)
{
    return mwi_is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static inline unsigned char mwi_upper(unsigned char c)
{
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
}

static inline int mwi_is_ctl_crlf(unsigned char c)
{
    return c == '\r' || c == '\n' || c == '\0';
}

/* Case-insensitive comparison of a span with an upper-case literal. */
int mwi_span_ieq(const char *p, size_t n, const char *upper);
/* Byte-exact comparison of two spans. */
int mwi_span_eq(mw_span a, mw_span b);
/* Offset of the first CR, LF or NUL, or len. */
size_t mwi_find_ctl(const char *p, size_t n);
/* Parse 1..20 digits as a uint64; 0 on failure (overflow, non-digit). */
int mwi_parse_u64(const char *p, size_t n, uint64_t *out);

/* ehlo-keyword / esmtp-keyword: (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
int mwi_smtp_is_keyword(const char *p, size_t n);
/* A SASL mechanism name: 1..20 of upper-case letters, digits, '-', '_'
 * (lower case tolerated). */
int mwi_smtp_is_mech(const char *p, size_t n);

/* Grammar pieces of path.c. Each advances c->pos past what it read, or
 * fills c->err and returns its error status. */
mw_status mwi_smtp_parse_path(mwi_cur *c, int is_mail, mw_smtp_path *out);
mw_status mwi_smtp_parse_domain_or_literal(mwi_cur *c, uint32_t *lit_flags,
                                           int helo);
mw_status mwi_smtp_parse_params(mwi_cur *c, uint32_t verb, mw_smtp_cmd *out);

/* A writer that counts in a first pass (out == NULL) and appends in the
 * second, so a line is reserved whole before any byte is written. */
typedef struct mwi_sink {
    mw_buf *out;
    size_t n;
} mwi_sink;

void mwi_sink_put(mwi_sink *s, const char *p, size_t n);
void mwi_sink_str(mwi_sink *s, const char *str);
void mwi_sink_span(mwi_sink *s, mw_span sp);
void mwi_sink_u64(mwi_sink *s, uint64_t v);

/* Write the path "<...>" (local part quoted when LOCAL_RAW). */
void mwi_smtp_sink_path(mwi_sink *s, const mw_smtp_path *p);

/* Reply writer over lines made of (head, tail) pairs joined by a space
 * when tail is not empty; no wrapping; a line over 512 is MW_E_ARG. */
mw_status mwi_smtp_reply_write_pairs(uint32_t code, const mw_span *pairs,
                                     size_t n_lines, mw_buf *out);

/* Length of an RFC 3463 code of class \p cls at the start of \p p that is
 * followed by a space or the end, or 0. */
size_t mwi_smtp_enhanced_len(const char *p, size_t n, char cls);

/* Known SASL mechanism names, indexed by bit position. */
extern const char *const mwi_smtp_mech_names[];
extern const size_t mwi_smtp_mech_count;

#endif /* MW_SMTP_INT_H */
