/* Private declarations shared by the files of lib/imap. Not installed. */
#ifndef MW_IMAP_INT_H
#define MW_IMAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/imap.h"

/* ASCII case-insensitive comparison of a span with a NUL-terminated word. */
int mwi_imap_span_is(const char *s, size_t len, const char *word);

/* Whether \p c may appear in a bare token the lexer reads as one atom
 * outside brackets (anything visible except the delimiters). */
int mwi_imap_atom_char(unsigned char c);

/* Whether the atom text names a fetch section: BODY, BODY.PEEK, BINARY,
 * BINARY.PEEK, BINARY.SIZE (a following '[' opens a section). */
int mwi_imap_is_section_name(const char *s, size_t len);

/* Append the decimal digits of v (the writers' numbers, literal lengths). */
mw_status mwi_imap_put_u64(mw_buf *out, uint64_t v);

/* Whether a command of this mw_imap_cmdtype never takes arguments
 * (CAPABILITY, NOOP, LOGOUT, STARTTLS, NAMESPACE, IDLE, CHECK, CLOSE,
 * UNSELECT). */
int mwi_imap_cmd_no_args(uint32_t type);

/* A typed writer: appends the unit for value to out. */
typedef mw_status (*mwi_imap_writer)(const void *value, uint32_t flags,
                                     mw_buf *out);

/* Run fn so that out receives the whole unit or nothing. The unit is
 * written in place (no copy, and no allocation when out is a fixed
 * buffer); on any error what fn appended is wiped (commands carry
 * credentials) and dropped, and on MW_E_NOSPACE the unit is finished in a
 * scratch buffer: an invalid value still gets its own status, a valid one
 * MW_E_NOSPACE with out->needed set to what the whole unit needs. */
mw_status mwi_imap_write_whole(mwi_imap_writer fn, const void *value,
                               uint32_t flags, mw_buf *out);

/* tag = 1*<any ASTRING-CHAR except "+">, as the parser reads it. */
int mwi_imap_tag_ok(mw_span tag);

/* ASCII case-insensitive span equality (keywords, command atoms, item
 * names). */
int mwi_imap_span_caseeq(mw_span a, mw_span b);

#endif /* MW_IMAP_INT_H */
