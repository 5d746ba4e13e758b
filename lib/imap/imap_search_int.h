/* Private decoders from the generic IMAP value tree to the typed search
 * programs, sequence sets and fetch attribute lists of
 * mailwire/imap_search.h. They accept exactly what the command validator
 * (imap_cmd.c) accepts, so a validated command always decodes; errors
 * carry the offending node's stream offset like the validator's. Every
 * array lives in the caller's arena; spans point into the tree. Not
 * installed. */
#ifndef MW_IMAP_SEARCH_INT_H
#define MW_IMAP_SEARCH_INT_H

#include <stdint.h>

#include "imap_arena.h"
#include "mailwire/imap.h"
#include "mailwire/imap_search.h"

/* Decode the search keys of a command: \p first is the first key node and
 * \p n_top the number of top-level key nodes (siblings) from it.
 * Returns MW_OK, MW_E_SYNTAX (err set when not NULL), MW_E_LIMIT (a
 * streamed literal, whose bytes are not in the tree), MW_E_NOMEM,
 * MW_E_ARG. */
mw_status mwi_imap_search_decode(const mw_imap_value *first, uint32_t n_top,
                                 uint32_t flags, mwi_imap_arena *a,
                                 mw_imap_search *out, mw_imap_error *err);

/* Decode the FETCH attribute argument \p v: a macro atom, one attribute
 * (atom or section) or a list of them. Returns MW_OK, MW_E_SYNTAX,
 * MW_E_LIMIT (a part number beyond 32 bits, a streamed literal),
 * MW_E_NOMEM, MW_E_ARG. */
mw_status mwi_imap_fetch_atts_decode(const mw_imap_value *v, mwi_imap_arena *a,
                                     mw_imap_fetch_atts *out,
                                     mw_imap_error *err);

/* Decode a sequence-set atom (or "$"). Returns MW_OK, MW_E_SYNTAX,
 * MW_E_NOMEM, MW_E_ARG. */
mw_status mwi_imap_seqset_decode(const mw_imap_value *v, mwi_imap_arena *a,
                                 mw_imap_seqset *out, mw_imap_error *err);

/* Helpers shared by the typed writers (imap_search.c). */

/* Write a string argument: astring context when \p astring, the writer
 * flags MW_IMAP_WRITE_* mapped to string flags. A NUL byte forces a
 * literal8, the only form that carries it and that the parser reads back
 * as the same string. A NULL pointer with length 0 is the empty string. */
mw_status mwi_imap_typed_string(mw_span s, int astring, uint32_t wflags,
                                mw_buf *out);

/* Whether \p s reads back as one plain atom outside brackets. */
int mwi_imap_typed_atom_ok(const char *s, size_t len);

/* Whether the lexer would flag the atom \p s as a number (at most 20
 * digits, fits 64 bits). */
int mwi_imap_typed_is_number(const char *s, size_t len);

/* Equal sequence sets (same ranges in order, or both "$"). */
int mwi_imap_seqset_equal(const mw_imap_seqset *a, const mw_imap_seqset *b);

/* Byte-for-byte span equality (NULL with length 0 equals ""). */
int mwi_imap_typed_span_eq(mw_span a, mw_span b);

/* Strings of the tree as typed spans: MW_E_LIMIT for a streamed
 * literal. */
mw_status mwi_imap_typed_take_string(const mw_imap_value *v, mw_span *out,
                                     mw_imap_error *err);

#endif /* MW_IMAP_SEARCH_INT_H */
