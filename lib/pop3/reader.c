/* Incremental reader of whole POP3 responses: status lines, multi-line
 * responses as lines or as dot-unstuffed data, SASL continuations. */
#include <string.h>

#include "mw_int.h"
#include "pop3/pop3_int.h"

enum { R_STATUS, R_LINES, R_DATA, R_FAILED };

struct mw_pop3_reader {
    mw_line_reader lines;
    mw_dot_reader dot;
    const mw_allocator *allocator;
    size_t alloc_size; /* 0 when placed in caller storage */
    uint32_t state;
    uint32_t expect;
    uint32_t line_max;
    uint32_t err_reason;
    mw_status err_status;
    uint64_t offset;     /* bytes consumed since creation or reset */
    uint64_t line_start; /* offset where the current line began */
    uint64_t err_offset;
};

static uint32_t resolve_line_max(uint32_t line_max)
{
    if (line_max == 0)
        return MW_POP3_RESP_LINE_MAX;
    return line_max < 8 ? 8 : line_max;
}

size_t mw_pop3_reader_sizeof(uint32_t line_max)
{
    return mwi_pop3_align(sizeof(mw_pop3_reader)) + resolve_line_max(line_max);
}

static void place(mw_pop3_reader *r, uint32_t line_max)
{
    memset(r, 0, sizeof(*r));
    r->line_max = line_max;
    char *storage = (char *)r + mwi_pop3_align(sizeof(mw_pop3_reader));
    mw_line_reader_init(&r->lines, storage, line_max, 0);
    mw_dot_reader_init(&r->dot, 0);
}

mw_status mw_pop3_reader_new(uint32_t line_max, const mw_allocator *allocator,
                             mw_pop3_reader **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    line_max = resolve_line_max(line_max);
    size_t size = mw_pop3_reader_sizeof(line_max);
    mw_pop3_reader *r = mwi_alloc(allocator, size);
    if (!r)
        return MW_E_NOMEM;
    place(r, line_max);
    r->allocator = allocator;
    r->alloc_size = size;
    *out = r;
    return MW_OK;
}

mw_status mw_pop3_reader_init_in(void *mem, size_t len, uint32_t line_max,
                                 mw_pop3_reader **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    line_max = resolve_line_max(line_max);
    if (!mem || len < mw_pop3_reader_sizeof(line_max) || !mwi_is_aligned(mem))
        return MW_E_ARG;
    place(mem, line_max);
    *out = mem;
    return MW_OK;
}

void mw_pop3_reader_free(mw_pop3_reader *r)
{
    if (!r || !r->alloc_size)
        return;
    mwi_free(r->allocator, r, r->alloc_size);
}

void mw_pop3_reader_reset(mw_pop3_reader *r)
{
    if (!r)
        return;
    mw_line_reader_reset(&r->lines);
    mw_dot_reader_init(&r->dot, 0);
    r->state = R_STATUS;
    r->expect = MW_POP3_EXPECT_SINGLE;
    r->err_reason = 0;
    r->err_status = MW_OK;
    r->offset = r->line_start = r->err_offset = 0;
}

int mw_pop3_reader_idle(const mw_pop3_reader *r)
{
    return r && r->state == R_STATUS && mw_line_reader_pending(&r->lines) == 0;
}

mw_status mw_pop3_reader_expect(mw_pop3_reader *r, uint32_t expect)
{
    if (!r || expect > MW_POP3_EXPECT_SASL)
        return MW_E_ARG;
    if (r->state != R_STATUS)
        return MW_E_STATE;
    r->expect = expect;
    return MW_OK;
}

mw_status mw_pop3_reader_error(const mw_pop3_reader *r, uint32_t *reason,
                               uint64_t *offset)
{
    if (!r)
        return MW_E_ARG;
    if (reason)
        *reason = r->err_reason;
    if (offset)
        *offset = r->err_offset;
    return MW_OK;
}

static mw_status fail(mw_pop3_reader *r, mw_status st, uint32_t reason,
                      uint64_t offset)
{
    r->state = R_FAILED;
    r->err_status = st;
    r->err_reason = reason;
    r->err_offset = offset;
    return st;
}

/* Next complete line; tracks where it began for error offsets. */
static mw_status next_line(mw_pop3_reader *r, const char *in, size_t len,
                           size_t *consumed, mw_span *line)
{
    if (mw_line_reader_pending(&r->lines) == 0)
        r->line_start = r->offset;
    size_t used = 0;
    mw_status st = mw_line_reader_next(&r->lines, in, len, &used, line, NULL);
    *consumed += used;
    r->offset += used;
    if (st == MW_E_LIMIT)
        return fail(r, MW_E_LIMIT, MW_POP3_ERR_LINE_TOO_LONG, r->line_start);
    return st;
}

static mw_status read_status(mw_pop3_reader *r, const char *in, size_t len,
                             size_t *consumed, mw_pop3_item *item)
{
    mw_span line;
    mw_status st = next_line(r, in, len, consumed, &line);
    if (st != MW_OK)
        return st;
    mw_pop3_parse_error err;
    st = mw_pop3_response_parse(line.ptr, line.len, &item->resp, &err);
    if (st != MW_OK)
        return fail(r, st, err.reason, r->line_start + err.offset);
    if (item->resp.kind == MW_POP3_CONT && r->expect != MW_POP3_EXPECT_SASL)
        return fail(r, MW_E_SYNTAX, MW_POP3_ERR_UNEXPECTED_CONT, r->line_start);
    item->type = MW_POP3_ITEM_STATUS;
    if (item->resp.kind == MW_POP3_OK && r->expect == MW_POP3_EXPECT_LINES) {
        r->state = R_LINES;
    } else if (item->resp.kind == MW_POP3_OK &&
               r->expect == MW_POP3_EXPECT_DATA) {
        mw_dot_reader_init(&r->dot, 0);
        r->state = R_DATA;
    }
    if (item->resp.kind != MW_POP3_CONT)
        r->expect = MW_POP3_EXPECT_SINGLE;
    return MW_OK;
}

static mw_status read_line_item(mw_pop3_reader *r, const char *in, size_t len,
                                size_t *consumed, mw_pop3_item *item)
{
    mw_span line;
    mw_status st = next_line(r, in, len, consumed, &line);
    if (st != MW_OK)
        return st;
    if (line.len == 1 && line.ptr[0] == '.') {
        item->type = MW_POP3_ITEM_END;
        r->state = R_STATUS;
        return MW_OK;
    }
    /* RFC 1939 section 3: a line starting with the termination octet
     * has it doubled; strip the first. */
    if (line.len > 0 && line.ptr[0] == '.') {
        line.ptr++;
        line.len--;
    }
    item->type = MW_POP3_ITEM_LINE;
    item->data = line;
    return MW_OK;
}

static mw_status read_data(mw_pop3_reader *r, const char *in, size_t len,
                           size_t *consumed, mw_pop3_item *item)
{
    size_t used = 0;
    mw_span data;
    mw_status st = mw_dot_reader_next(&r->dot, in, len, &used, &data);
    *consumed += used;
    r->offset += used;
    if (st == MW_DONE) {
        item->type = MW_POP3_ITEM_END;
        r->state = R_STATUS;
        return MW_OK;
    }
    if (st == MW_OK) {
        item->type = MW_POP3_ITEM_DATA;
        item->data = data;
    }
    return st;
}

mw_status mw_pop3_reader_feed(mw_pop3_reader *r, const void *in, size_t len,
                              size_t *consumed, mw_pop3_item *item)
{
    if (!r || !consumed || !item || (!in && len))
        return MW_E_ARG;
    *consumed = 0;
    memset(item, 0, sizeof(*item));
    const char *p = in;
    switch (r->state) {
    case R_STATUS:
        return read_status(r, p, len, consumed, item);
    case R_LINES:
        return read_line_item(r, p, len, consumed, item);
    case R_DATA:
        return read_data(r, p, len, consumed, item);
    default:
        return r->err_status;
    }
}
