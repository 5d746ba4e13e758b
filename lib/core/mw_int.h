/* Private helpers shared by every layer of lib/. Not installed. */
#ifndef MW_INT_H
#define MW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

/* Resolve a possibly-NULL allocator to a usable one. */
const mw_allocator *mwi_allocator(const mw_allocator *a);

void *mwi_alloc(const mw_allocator *a, size_t size);
void *mwi_calloc(const mw_allocator *a, size_t size);
void *mwi_realloc(const mw_allocator *a, void *ptr, size_t old_size,
                  size_t new_size);
void mwi_free(const mw_allocator *a, void *ptr, size_t size);

/* Zero memory in a way the compiler may not elide (secrets). */
void mwi_wipe(void *ptr, size_t len);

#define MWI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What malloc guarantees, and so what init_in asks of caller storage:
 * _Alignof, not sizeof, of max_align_t (16 and 32 on x86-64). */
#define MWI_ALIGN _Alignof(max_align_t)

static inline int mwi_is_aligned(const void *p)
{
    return (uintptr_t)p % MWI_ALIGN == 0;
}

static inline size_t mwi_align_up(size_t n)
{
    return (n + MWI_ALIGN - 1) / MWI_ALIGN * MWI_ALIGN;
}

#endif /* MW_INT_H */
