#include <stdlib.h>

#include "mwtest.h"

static void *fa_alloc(void *ud, size_t size)
{
    mwt_failalloc *f = ud;
    if (f->fail_at >= 0 && f->count++ == f->fail_at) {
        f->failed = 1;
        return NULL;
    }
    if (f->fail_at < 0)
        f->count++;
    void *p = malloc(size ? size : 1);
    if (p) {
        f->live++;
        f->live_bytes += size;
    }
    return p;
}

static void *fa_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    mwt_failalloc *f = ud;
    if (f->fail_at >= 0 && f->count++ == f->fail_at) {
        f->failed = 1;
        return NULL;
    }
    if (f->fail_at < 0)
        f->count++;
    void *p = realloc(ptr, new_size ? new_size : 1);
    if (p)
        f->live_bytes = f->live_bytes - old_size + new_size;
    return p;
}

static void fa_free(void *ud, void *ptr, size_t size)
{
    mwt_failalloc *f = ud;
    if (!ptr)
        return;
    f->live--;
    f->live_bytes -= size;
    free(ptr);
}

void mwt_failalloc_init(mwt_failalloc *f, long fail_at)
{
    f->allocator.ud = f;
    f->allocator.alloc = fa_alloc;
    f->allocator.realloc = fa_realloc;
    f->allocator.free = fa_free;
    f->fail_at = fail_at;
    f->count = 0;
    f->live = 0;
    f->live_bytes = 0;
    f->failed = 0;
}

void mwt_failalloc_sweep(int (*scenario)(const mw_allocator *a, void *ud),
                         void *ud)
{
    mwt_failalloc f;
    mwt_failalloc_init(&f, -1);
    assert_int_equal(scenario(&f.allocator, ud), 0);
    assert_int_equal(f.live, 0);
    long total = f.count;
    for (long i = 0; i < total; i++) {
        mwt_failalloc_init(&f, i);
        assert_int_equal(scenario(&f.allocator, ud), 0);
        if (f.live != 0)
            fail_msg(
                "leak: %ld blocks (%zu bytes) after failing allocation %ld",
                f.live, f.live_bytes, i);
    }
}
