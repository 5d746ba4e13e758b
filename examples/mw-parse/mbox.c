/* Splitting an mboxrd file into messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mwparse.h"

static size_t line_end(const char *d, size_t len, size_t pos)
{
    const char *nl = memchr(d + pos, '\n', len - pos);
    return nl ? (size_t)(nl - d) + 1 : len;
}

static int is_from_line(const char *d, size_t len, size_t pos)
{
    return len - pos >= 5 && memcmp(d + pos, "From ", 5) == 0;
}

/* ^>+From : mboxrd quoting, one '>' of which the writer added. */
static int is_quoted_from(const char *d, size_t end, size_t pos)
{
    size_t i = pos;
    while (i < end && d[i] == '>')
        i++;
    return i > pos && end - i >= 5 && memcmp(d + i, "From ", 5) == 0;
}

static int is_blank_line(const char *d, size_t pos, size_t end)
{
    size_t n = end - pos;
    return (n == 1 && d[pos] == '\n') ||
           (n == 2 && d[pos] == '\r' && d[pos + 1] == '\n');
}

/* Unquote the lines [start, stop) into \p out; the blank line an mbox
 * writer puts before the next "From " line is not part of the message
 * (as Python's mailbox module reads it). */
static size_t unquote(const char *d, size_t start, size_t stop, char *out)
{
    size_t n = 0, last_line = 0;
    int last_blank = 0;
    for (size_t pos = start; pos < stop;) {
        size_t end = line_end(d, stop, pos);
        size_t skip = is_quoted_from(d, end, pos) ? 1 : 0;
        last_line = n;
        last_blank = is_blank_line(d, pos, end);
        memcpy(out + n, d + pos + skip, end - pos - skip);
        n += end - pos - skip;
        pos = end;
    }
    return last_blank ? last_line : n;
}

static int emit(const char *d, size_t start, size_t stop,
                int (*each)(void *, const char *, size_t), void *ud)
{
    char *msg = malloc(stop - start + 1);
    if (!msg)
        return EX_OSERR;
    size_t n = unquote(d, start, stop, msg);
    int rc = each(ud, msg, n);
    free(msg);
    return rc;
}

int mwp_mbox_split(const char *data, size_t len,
                   int (*each)(void *ud, const char *msg, size_t len), void *ud)
{
    size_t pos = 0;
    while (pos < len && is_blank_line(data, pos, line_end(data, len, pos)))
        pos = line_end(data, len, pos);
    if (pos < len && !is_from_line(data, len, pos)) {
        fputs("mw-parse: not an mbox file (no leading \"From \" line)\n",
              stderr);
        return EX_DATAERR;
    }
    while (pos < len) {
        size_t start = line_end(data, len, pos), stop = start;
        while (stop < len && !is_from_line(data, len, stop))
            stop = line_end(data, len, stop);
        int rc = emit(data, start, stop, each, ud);
        if (rc != 0)
            return rc;
        pos = stop;
    }
    return 0;
}
