/* Private bump arena for typed IMAP values (commands decoded from a parsed
 * unit): every array of one typed value lives in a few blocks freed at
 * once, so a decoded command is released with one call and never leaks
 * half of itself on an allocation failure. Not installed. */
#ifndef MW_IMAP_ARENA_H
#define MW_IMAP_ARENA_H

#include <stddef.h>

#include "mailwire/core.h"

typedef struct mwi_imap_arena_block mwi_imap_arena_block;

typedef struct mwi_imap_arena {
    const mw_allocator *alloc;  /* NULL means libc */
    mwi_imap_arena_block *head; /* newest block first */
    size_t used;                /* bytes used in head */
    size_t cap;                 /* usable bytes in head */
} mwi_imap_arena;

/* Start an empty arena; allocates nothing. */
void mwi_imap_arena_init(mwi_imap_arena *a, const mw_allocator *alloc);

/* Zeroed storage for n bytes, aligned to MWI_ALIGN, valid until
 * mwi_imap_arena_free(). n == 0 gives a valid non-NULL pointer. NULL when
 * the allocator fails or n overflows. */
void *mwi_imap_arena_alloc(mwi_imap_arena *a, size_t n);

/* Zeroed array of count elements of size bytes; NULL on overflow or
 * failure. */
void *mwi_imap_arena_array(mwi_imap_arena *a, size_t count, size_t size);

/* Release every block; the arena is empty (and reusable) afterwards. */
void mwi_imap_arena_free(mwi_imap_arena *a);

#endif /* MW_IMAP_ARENA_H */
