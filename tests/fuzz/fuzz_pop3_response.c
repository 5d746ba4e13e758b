/* POP3 response reader on arbitrary server bytes: the same items whether
 * fed whole or in the chunks the selector picks; every status line writes
 * back and re-parses to the same response; data and line items are never
 * empty where they must not be; errors are sticky.
 *
 * Input: [expectations: 2 bits per response, cycling] [chunk selector]
 * [bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/pop3.h"

static int spans_equal(mw_span a, mw_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void check_status(const mw_pop3_response *r)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st =
        mw_pop3_response_write(r->kind, r->code_text.ptr, r->code_text.len,
                               r->text.ptr, r->text.len, &out);
    /* "[code]text" gains a space when written: it may pass 512. */
    FUZZ_CHECK(st == MW_OK || st == MW_E_LIMIT);
    if (st == MW_OK) {
        FUZZ_CHECK(out.len >= 2 && out.data[out.len - 2] == '\r');
        mw_pop3_response back;
        FUZZ_CHECK(mw_pop3_response_parse(out.data, out.len - 2, &back, NULL) ==
                   MW_OK);
        FUZZ_CHECK(back.kind == r->kind && back.code == r->code);
        FUZZ_CHECK(spans_equal(back.code_text, r->code_text));
        FUZZ_CHECK(spans_equal(back.text, r->text));
    }
    mw_buf_free(&out);
}

static void log_item(mw_buf *log, const mw_pop3_item *it, int *in_data)
{
    if (it->type != MW_POP3_ITEM_DATA && *in_data) {
        mw_buf_append_byte(log, ']');
        *in_data = 0;
    }
    switch (it->type) {
    case MW_POP3_ITEM_STATUS:
        mw_buf_append_byte(log, (uint8_t)('0' + it->resp.kind));
        mw_buf_append_byte(log, (uint8_t)it->resp.code);
        mw_buf_append(log, it->resp.text.ptr, it->resp.text.len);
        mw_buf_append_byte(log, '\n');
        break;
    case MW_POP3_ITEM_LINE:
        mw_buf_append_byte(log, 'L');
        mw_buf_append(log, it->data.ptr, it->data.len);
        mw_buf_append_byte(log, '\n');
        break;
    case MW_POP3_ITEM_DATA:
        if (!*in_data)
            mw_buf_append_byte(log, '[');
        *in_data = 1;
        mw_buf_append(log, it->data.ptr, it->data.len);
        break;
    default:
        mw_buf_append_byte(log, 'E');
    }
}

static void run(const uint8_t *exp, size_t n_exp, uint8_t selector,
                const char *in, size_t len, mw_buf *log)
{
    mw_pop3_reader *r;
    FUZZ_CHECK(mw_pop3_reader_new(0, NULL, &r) == MW_OK);
    size_t pos = 0, feeds = 0, responses = 0;
    int in_data = 0;
    mw_status st = MW_OK;
    while (pos <= len) {
        if (mw_pop3_reader_idle(r)) {
            uint8_t e = n_exp ? exp[(responses / 4) % n_exp] : 0;
            e = (uint8_t)((e >> ((responses % 4) * 2)) & 3);
            FUZZ_CHECK(mw_pop3_reader_expect(r, e) == MW_OK);
        }
        size_t chunk = fuzz_chunk_len(selector, feeds++);
        size_t n = len - pos < chunk ? len - pos : chunk;
        size_t used = SIZE_MAX;
        mw_pop3_item it;
        st = mw_pop3_reader_feed(r, in + pos, n, &used, &it);
        FUZZ_CHECK(used <= n);
        pos += used;
        if (st == MW_NEED_MORE) {
            FUZZ_CHECK(used == n);
            if (pos == len)
                break;
            continue;
        }
        if (st != MW_OK)
            break;
        if (it.type == MW_POP3_ITEM_STATUS) {
            check_status(&it.resp);
            if (it.resp.kind != MW_POP3_CONT)
                responses++;
        }
        if (it.type == MW_POP3_ITEM_DATA)
            FUZZ_CHECK(it.data.len > 0);
        log_item(log, &it, &in_data);
    }
    if (in_data)
        mw_buf_append_byte(log, ']');
    if (st != MW_OK && st != MW_NEED_MORE) {
        FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
        size_t used;
        mw_pop3_item it;
        FUZZ_CHECK(mw_pop3_reader_feed(r, "+OK\r\n", 5, &used, &it) == st);
        mw_buf_append_byte(log, '!');
        mw_buf_append_byte(log, (uint8_t)(-st));
    }
    mw_pop3_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint8_t exp[1] = {data[0]};
    uint8_t selector = data[1];
    const char *in = (const char *)data + 2;
    size_t len = size - 2;
    mw_buf whole, split;
    mw_buf_init_growable(&whole, NULL, 0);
    mw_buf_init_growable(&split, NULL, 0);
    run(exp, 1, 0, in, len, &whole);
    run(exp, 1, selector, in, len, &split);
    FUZZ_CHECK(
        whole.len == split.len &&
        (whole.len == 0 || memcmp(whole.data, split.data, whole.len) == 0));
    mw_buf_free(&whole);
    mw_buf_free(&split);
    return 0;
}
