#include <string.h>

#include "mw_int.h"

void mw_buf_init_fixed(mw_buf *buf, void *mem, size_t cap)
{
    memset(buf, 0, sizeof(*buf));
    buf->data = (char *)mem;
    buf->cap = mem ? cap : 0;
    buf->max = buf->cap;
    buf->flags = MW_BUF_FIXED;
}

void mw_buf_init_growable(mw_buf *buf, const mw_allocator *allocator,
                          size_t max)
{
    memset(buf, 0, sizeof(*buf));
    buf->allocator = allocator;
    buf->max = max ? max : MW_BUF_DEFAULT_MAX;
}

void mw_buf_free(mw_buf *buf)
{
    if (!(buf->flags & MW_BUF_FIXED)) {
        mwi_free(buf->allocator, buf->data, buf->cap);
        buf->data = NULL;
        buf->cap = 0;
    }
    buf->len = 0;
    buf->needed = 0;
}

/* Doubling keeps appends amortised O(1); the cap bounds the growth. */
static size_t next_capacity(size_t cap, size_t want, size_t max)
{
    size_t next = cap < 64 ? 64 : cap;
    while (next < want && next <= max / 2)
        next *= 2;
    if (next < want || next > max)
        next = max;
    return next;
}

mw_status mw_buf_reserve(mw_buf *buf, size_t extra)
{
    if (extra > SIZE_MAX - buf->len)
        return MW_E_NOSPACE;
    size_t want = buf->len + extra;
    if (want <= buf->cap)
        return MW_OK;
    if (want > buf->max || (buf->flags & MW_BUF_FIXED)) {
        buf->needed = want;
        return MW_E_NOSPACE;
    }
    size_t next = next_capacity(buf->cap, want, buf->max);
    char *p = (char *)mwi_realloc(buf->allocator, buf->data, buf->cap, next);
    if (!p)
        return MW_E_NOMEM;
    buf->data = p;
    buf->cap = next;
    return MW_OK;
}

mw_status mw_buf_append(mw_buf *buf, const void *data, size_t len)
{
    if (len == 0)
        return MW_OK;
    if (!data)
        return MW_E_ARG;
    mw_status st = mw_buf_reserve(buf, len);
    if (st != MW_OK)
        return st;
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return MW_OK;
}

mw_status mw_buf_append_str(mw_buf *buf, const char *str)
{
    return str ? mw_buf_append(buf, str, strlen(str)) : MW_E_ARG;
}

mw_status mw_buf_append_byte(mw_buf *buf, uint8_t byte)
{
    return mw_buf_append(buf, &byte, 1);
}

void mw_buf_consume(mw_buf *buf, size_t n)
{
    if (n >= buf->len) {
        buf->len = 0;
        return;
    }
    memmove(buf->data, buf->data + n, buf->len - n);
    buf->len -= n;
}

void mw_buf_clear(mw_buf *buf)
{
    buf->len = 0;
}

void mw_buf_truncate(mw_buf *buf, size_t len)
{
    if (len < buf->len)
        buf->len = len;
}
