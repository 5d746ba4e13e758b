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

#endif /* MW_IMAP_INT_H */
