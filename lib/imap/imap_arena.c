/* Bump arena for typed IMAP values; see imap_arena.h. */
#include <string.h>

#include "imap_arena.h"
#include "mw_int.h"

/* Small commands fit the first block; a block never shrinks below this so
 * a command with many arrays costs a handful of allocations. */
#define ARENA_BLOCK_MIN 1024u

struct mwi_imap_arena_block {
    mwi_imap_arena_block *next;
    size_t size; /* whole allocation, header included */
};

/* The header is rounded up so the first object in a block is aligned. */
static size_t header_size(void)
{
    return mwi_align_up(sizeof(mwi_imap_arena_block));
}

void mwi_imap_arena_init(mwi_imap_arena *a, const mw_allocator *alloc)
{
    a->alloc = alloc;
    a->head = NULL;
    a->used = 0;
    a->cap = 0;
}

static int add_block(mwi_imap_arena *a, size_t need)
{
    /* Blocks double so a large command costs O(log n) allocations. */
    size_t payload = ARENA_BLOCK_MIN;
    if (a->cap && a->cap <= SIZE_MAX / 4)
        payload = a->cap * 2;
    if (payload < need)
        payload = need;
    if (payload > SIZE_MAX - header_size())
        return 0;
    size_t size = header_size() + payload;
    mwi_imap_arena_block *b = mwi_alloc(a->alloc, size);
    if (!b)
        return 0;
    b->next = a->head;
    b->size = size;
    a->head = b;
    a->used = 0;
    a->cap = payload;
    return 1;
}

void *mwi_imap_arena_alloc(mwi_imap_arena *a, size_t n)
{
    if (n > SIZE_MAX - MWI_ALIGN)
        return NULL;
    size_t want = mwi_align_up(n ? n : 1);
    if (!a->head || a->cap - a->used < want) {
        if (!add_block(a, want))
            return NULL;
    }
    char *p = (char *)a->head + header_size() + a->used;
    a->used += want;
    memset(p, 0, n);
    return p;
}

void *mwi_imap_arena_array(mwi_imap_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return mwi_imap_arena_alloc(a, count * size);
}

void mwi_imap_arena_free(mwi_imap_arena *a)
{
    mwi_imap_arena_block *b = a->head;
    while (b) {
        mwi_imap_arena_block *next = b->next;
        mwi_free(a->alloc, b, b->size);
        b = next;
    }
    mwi_imap_arena_init(a, a->alloc);
}
