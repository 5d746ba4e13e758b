/* The only file in the sans-IO core that calls the libc allocator. */
#include <stdlib.h>
#include <string.h>

#include "mw_int.h"

static void *libc_alloc(void *ud, size_t size)
{
    (void)ud;
    return malloc(size == 0 ? 1 : size);
}

static void *libc_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    return realloc(ptr, new_size == 0 ? 1 : new_size);
}

static void libc_free(void *ud, void *ptr, size_t size)
{
    (void)ud;
    (void)size;
    free(ptr);
}

static const mw_allocator libc_allocator = {NULL, libc_alloc, libc_realloc,
                                            libc_free};

const mw_allocator *mw_allocator_default(void)
{
    return &libc_allocator;
}

const mw_allocator *mwi_allocator(const mw_allocator *a)
{
    return a ? a : &libc_allocator;
}

void *mwi_alloc(const mw_allocator *a, size_t size)
{
    a = mwi_allocator(a);
    return a->alloc(a->ud, size);
}

void *mwi_calloc(const mw_allocator *a, size_t size)
{
    void *p = mwi_alloc(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *mwi_realloc(const mw_allocator *a, void *ptr, size_t old_size,
                  size_t new_size)
{
    a = mwi_allocator(a);
    if (!ptr)
        return a->alloc(a->ud, new_size);
    return a->realloc(a->ud, ptr, old_size, new_size);
}

void mwi_free(const mw_allocator *a, void *ptr, size_t size)
{
    if (!ptr)
        return;
    a = mwi_allocator(a);
    a->free(a->ud, ptr, size);
}

void mwi_wipe(void *ptr, size_t len)
{
    volatile unsigned char *p = (volatile unsigned char *)ptr;
    while (len--)
        *p++ = 0;
}
