/* Private helpers shared by the RFC 5322 header code of lib/msg. */
#ifndef MW_MSG_INT_H
#define MW_MSG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/msg.h"
#include "mw_int.h"

static inline int mwi_is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

/* WSP or a line-break byte: folding whitespace before unfolding. */
static inline int mwi_is_fws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline int mwi_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int mwi_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int mwi_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Address of byte off of a buffer; NULL for a buffer without storage
 * (pointer arithmetic on NULL is undefined even with a zero offset). */
static inline char *mwi_at(const mw_buf *b, size_t off)
{
    return b->data ? b->data + off : NULL;
}

/* RFC 5322 atext, plus every byte >= 0x80 (RFC 6532 UTF-8). */
int mwi_is_atext(uint8_t c);

/* Case-insensitive comparison of s[0..len) with the NUL-terminated lit. */
int mwi_ieq(const char *s, size_t len, const char *lit);

/* Value of a hex digit, or -1. */
int mwi_hex_value(int c);

/* Append the content of a quoted string (without its quotes) with
 * backslash escapes removed; with drop_line_breaks, CR and LF (folding
 * inside a quoted string) are removed too. All or nothing. */
mw_status mwi_unquote(const char *raw, size_t len, int drop_line_breaks,
                      mw_buf *out);

/*
 * Undo everything appended to out since start after a failure. For
 * MW_E_NOSPACE, needed becomes at least start + bound so a retry with
 * that much room succeeds (for built-in charsets).
 */
mw_status mwi_out_fail(mw_buf *out, size_t start, mw_status st, size_t bound);

/* Move out[from..len) down to out[to..) and shorten the buffer. */
void mwi_out_move_tail(mw_buf *out, size_t to, size_t from);

/* Cut the buffer back to len bytes (len <= out->len). */
void mwi_out_truncate(mw_buf *out, size_t len);

/* Whether converting bytes from a built-in charset would put U+FFFD in
 * (invalid UTF-8, 8-bit bytes labelled US-ASCII). */
int mwi_charset_replaces(const char *cs, size_t cs_len, const char *bytes,
                         size_t len);

/* Worst-case output of decoding len input bytes into UTF-8 (plus the
 * scratch the decoders use at the end of the buffer). */
size_t mwi_decode_bound(size_t len);

/* The parts of an encoded word =?charset[*lang]?enc?text?= */
typedef struct mwi_ew {
    size_t len; /* length of the whole word */
    const char *charset;
    size_t charset_len; /* language suffix excluded */
    int has_language;
    int enc; /* 'B' or 'Q' (upper-cased), 0 when unknown */
    const char *text;
    size_t text_len;
} mwi_ew;

/*
 * Recognise an encoded word at the start of s (no whitespace inside).
 * Returns 1 and fills ew when the syntax matches, 0 otherwise.
 */
int mwi_ew_match(const char *s, size_t len, mwi_ew *ew);

/*
 * Decode a matched encoded word to UTF-8, appending to out. Returns MW_OK;
 * MW_E_UNSUPPORTED when it cannot be decoded (out unchanged); MW_E_NOSPACE
 * or MW_E_NOMEM (out unchanged). flags gets MW_2047_* bits.
 */
mw_status mwi_ew_decode(const mwi_ew *ew, const mw_charset_hook *hook,
                        mw_buf *out, uint32_t *flags);

/* Convert out[start..len) from charset cs to UTF-8 in place (the bytes are
 * replaced by their conversion). Same statuses as mw_charset_to_utf8();
 * on failure out[start..) may hold the unconverted bytes. */
mw_status mwi_convert_tail(mw_buf *out, size_t start, const char *cs,
                           size_t cs_len, const mw_charset_hook *hook);

/* RFC 2047-decode out[start..) in place (mw_rfc2047_decode() rules). */
mw_status mwi_decode_2047_tail(mw_buf *out, size_t start,
                               const mw_charset_hook *hook, uint32_t *flags);

/* Decode RFC 2047 Q text (underscore is space) into bytes. Sets *damaged
 * when a malformed escape was kept literally. */
mw_status mwi_q_decode(const char *s, size_t len, mw_buf *out, int *damaged);

#endif /* MW_MSG_INT_H */
