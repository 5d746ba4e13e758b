/* Helpers for fuzz targets: a failed check traps so libFuzzer and the
 * replay runner both stop with a crash report. */
#ifndef MW_FUZZ_UTIL_H
#define MW_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* libFuzzer's entry point; declared here for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            __builtin_trap();                                                  \
    } while (0)

/* Chunk length for the i-th feed, derived from a selector byte so the
 * fuzzer explores splits: 0 means "whole input". */
static inline size_t fuzz_chunk_len(uint8_t selector, size_t i)
{
    if (selector == 0)
        return SIZE_MAX;
    return (size_t)1 + ((size_t)selector * (i + 1) * 7u) % 64u;
}

#endif
