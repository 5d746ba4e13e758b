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

#endif /* MW_INT_H */
