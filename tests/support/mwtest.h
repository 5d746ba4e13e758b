/* Shared test helpers: chunking equivalence and allocation-failure sweeps.
 * Include after <cmocka.h>'s prerequisites; this header pulls them in. */
#ifndef MWTEST_H
#define MWTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mailwire/mailwire.h"

/*
 * A stream under test. create() makes a fresh state; update() and finish()
 * append whatever the stream produces (codec output, or an event log a
 * parser test formats) to \p log. A non-OK status stops the run and is
 * recorded in the log as "!<STATUS_NAME>", so errors must also agree
 * between chunkings.
 */
typedef struct mwt_stream_ops {
    void *(*create)(const void *cfg);
    mw_status (*update)(void *state, const char *in, size_t len, mw_buf *log);
    mw_status (*finish)(void *state, mw_buf *log);
    void (*destroy)(void *state);
} mwt_stream_ops;

/* Feed \p in split at \p cuts (sorted offsets, n_cuts of them). */
void mwt_run_split(const mwt_stream_ops *ops, const void *cfg, const char *in,
                   size_t len, const size_t *cuts, size_t n_cuts, mw_buf *log);

/*
 * Run the stream on \p in whole, one byte at a time, split at every single
 * offset (inputs up to 4 KiB) or at 64 seeded random cut sets (larger
 * inputs), and assert that every log equals the whole-input log. The
 * whole-input log is left in \p whole_out (a growable buffer the caller
 * initialised and frees).
 */
void mwt_check_chunking(const mwt_stream_ops *ops, const void *cfg,
                        const char *in, size_t len, mw_buf *whole_out);

/* Allocator that counts live blocks and fails the Nth allocation. */
typedef struct mwt_failalloc {
    mw_allocator allocator;
    long fail_at; /* index of the allocation to fail; -1 never */
    long count;   /* allocations attempted so far */
    long live;    /* blocks currently allocated */
    size_t live_bytes;
    int failed; /* 1 once an allocation was refused */
} mwt_failalloc;

void mwt_failalloc_init(mwt_failalloc *f, long fail_at);

/*
 * Run \p scenario once with no failure to count its allocations, then once
 * per allocation with that one failing; after every run assert that no
 * block is left allocated. The scenario must free everything it made,
 * whatever status it meets, and return 0 unless it saw a real bug.
 */
void mwt_failalloc_sweep(int (*scenario)(const mw_allocator *a, void *ud),
                         void *ud);

/* Log helper: append a NUL-terminated string to a log buffer. */
void mwt_log(mw_buf *log, const char *text);

/* Assert two byte ranges are equal, printing both on failure. */
void mwt_assert_bytes(const char *what, const void *got, size_t got_len,
                      const void *want, size_t want_len);

#endif /* MWTEST_H */
