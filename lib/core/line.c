/* The shared CRLF line assembler: zero-copy when a line lies inside one
 * chunk, copied into the caller's storage only when it straddles chunks. */
#include <string.h>

#include "mailwire/stream.h"
#include "mw_int.h"

enum line_state { LINE_READING, LINE_FAILED, LINE_SKIPPING };

/* Returned as the (empty) text of a discarded line: a valid pointer even
 * when the reader has no storage. */
static const char empty_line[] = "";

void mw_line_reader_init(mw_line_reader *r, void *storage, size_t cap,
                         uint32_t flags)
{
    if (!r)
        return;
    memset(r, 0, sizeof(*r));
    r->storage = (char *)storage;
    r->cap = storage ? cap : 0;
    r->flags = flags;
}

void mw_line_reader_reset(mw_line_reader *r)
{
    if (r)
        mw_line_reader_init(r, r->storage, r->cap, r->flags);
}

size_t mw_line_reader_pending(const mw_line_reader *r)
{
    return r ? r->len : 0;
}

uint64_t mw_line_reader_offset(const mw_line_reader *r)
{
    return r ? r->offset : 0;
}

uint64_t mw_line_reader_error_offset(const mw_line_reader *r)
{
    return r ? r->error_offset : 0;
}

mw_status mw_line_reader_skip_line(mw_line_reader *r)
{
    if (!r)
        return MW_E_ARG;
    if (r->state != LINE_FAILED)
        return MW_E_STATE;
    r->state = LINE_SKIPPING;
    return MW_OK;
}

/* The current line is too long: drop what is buffered and remember
 * whether the last byte taken was a CR, so skipping can still recognise a
 * CRLF split across the cut. */
static mw_status fail_limit(mw_line_reader *r, size_t used, uint32_t cr,
                            size_t *consumed)
{
    r->error_offset = r->line_start;
    r->offset += used;
    r->len = 0;
    r->line_flags = 0;
    r->held_cr = cr;
    r->state = LINE_FAILED;
    *consumed = used;
    return MW_E_LIMIT;
}

/* A line end was found at p[used - 1]; end_len bytes of line end (one of
 * them possibly the CR already held in storage) precede it. */
static mw_status finish_line(mw_line_reader *r, const char *p, size_t used,
                             size_t end_len, uint32_t flags, size_t *consumed,
                             mw_span *line, uint32_t *line_flags)
{
    size_t have = r->len;
    size_t total = have + used - end_len;
    if (have == 0) {
        line->ptr = p;
    } else {
        if (total > have)
            memcpy(r->storage + have, p, total - have);
        line->ptr = r->storage;
    }
    line->len = total;
    *line_flags = flags;
    r->offset += used;
    r->len = 0;
    r->line_flags = 0;
    r->held_cr = 0;
    *consumed = used;
    return MW_OK;
}

/* Input ran out mid-line: keep its bytes (fewer than cap in all). */
static mw_status hold_partial(mw_line_reader *r, const char *p, size_t n,
                              uint32_t flags, uint32_t cr, size_t *consumed)
{
    if (n > 0)
        memcpy(r->storage + r->len, p, n);
    r->len += n;
    r->line_flags = flags;
    r->held_cr = cr;
    r->offset += n;
    *consumed = n;
    return MW_NEED_MORE;
}

static mw_status read_line(mw_line_reader *r, const char *p, size_t n,
                           size_t *consumed, mw_span *line,
                           uint32_t *line_flags)
{
    const int lf_ends = (r->flags & MW_LINE_LF_ENDS) != 0;
    uint32_t flags = r->line_flags;
    uint32_t cr = r->held_cr;
    size_t have = r->len;
    if (have == 0)
        r->line_start = r->offset;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        size_t seen = have + i + 1;
        size_t end_len = 0;
        if (cr) {
            cr = 0;
            if (c == '\n') {
                end_len = 2;
                flags |= MW_LINE_CRLF;
            } else {
                flags |= MW_LINE_BARE_CR;
            }
        }
        if (end_len == 0) {
            if (c == '\r') {
                cr = 1;
            } else if (c == '\n') {
                /* Lenient readers take a bare LF as a line end. */
                if (lf_ends) {
                    end_len = 1;
                    flags |= MW_LINE_LF;
                } else {
                    flags |= MW_LINE_BARE_LF;
                }
            } else if (c == 0) {
                flags |= MW_LINE_NUL;
            }
        }
        if (end_len != 0) {
            /* Only a zero capacity gets here with a too-long line: leave
             * the LF for the skipper so the line end is still seen. */
            if (seen > r->cap)
                return fail_limit(r, i, 0, consumed);
            return finish_line(r, p, i + 1, end_len, flags, consumed, line,
                               line_flags);
        }
        /* cap bytes without a complete line end: with its line end the
         * line would be longer than cap, whatever comes next. */
        if (seen >= r->cap)
            return fail_limit(r, i + 1, cr, consumed);
    }
    return hold_partial(r, p, n, flags, cr, consumed);
}

static mw_status skip_rest(mw_line_reader *r, const char *p, size_t n,
                           size_t *consumed, mw_span *line,
                           uint32_t *line_flags)
{
    const int lf_ends = (r->flags & MW_LINE_LF_ENDS) != 0;
    uint32_t cr = r->held_cr;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        uint32_t end = 0;
        if (c == '\n')
            end = cr ? MW_LINE_CRLF : lf_ends ? MW_LINE_LF : 0;
        cr = c == '\r';
        if (end != 0) {
            line->ptr = empty_line;
            line->len = 0;
            *line_flags = MW_LINE_OVERLONG | end;
            r->offset += i + 1;
            r->held_cr = 0;
            r->state = LINE_READING;
            *consumed = i + 1;
            return MW_OK;
        }
    }
    r->held_cr = cr;
    r->offset += n;
    *consumed = n;
    return MW_NEED_MORE;
}

mw_status mw_line_reader_next(mw_line_reader *r, const void *in, size_t len,
                              size_t *consumed, mw_span *line,
                              uint32_t *line_flags)
{
    if (!r || !consumed || !line || (!in && len > 0))
        return MW_E_ARG;
    uint32_t ignored_flags;
    if (!line_flags)
        line_flags = &ignored_flags;
    *consumed = 0;
    line->ptr = NULL;
    line->len = 0;
    *line_flags = 0;
    /* No arithmetic on a NULL pointer, even with zero length. */
    const char *p = in ? (const char *)in : empty_line;
    size_t pos = 0;
    for (;;) {
        size_t used = 0;
        mw_status st;
        if (r->state == LINE_FAILED)
            st = MW_E_LIMIT;
        else if (r->state == LINE_SKIPPING)
            st = skip_rest(r, p + pos, len - pos, &used, line, line_flags);
        else
            st = read_line(r, p + pos, len - pos, &used, line, line_flags);
        pos += used;
        if (st == MW_E_LIMIT && (r->flags & MW_LINE_SKIP_LONG)) {
            r->state = LINE_SKIPPING;
            continue;
        }
        *consumed = pos;
        return st;
    }
}
