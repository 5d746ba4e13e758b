/* Streaming MIME parser on arbitrary bytes: no crash, no leak; the event
 * log of the whole input equals the log of a chunked run (the first byte
 * selects the chunking and, with its top bit, small limits); entities nest
 * properly; the only allocation is the parser itself, of the size
 * mw_mime_parser_sizeof() promises. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/mailwire.h"
#include "mailwire/mime.h"

typedef struct counting {
    mw_allocator a;
    size_t live, peak;
    long blocks;
} counting;

static void *c_alloc(void *ud, size_t n)
{
    counting *c = ud;
    void *p = malloc(n ? n : 1);
    if (p) {
        c->live += n;
        c->blocks++;
        if (c->live > c->peak)
            c->peak = c->live;
    }
    return p;
}

static void *c_realloc(void *ud, void *ptr, size_t old, size_t n)
{
    counting *c = ud;
    void *p = realloc(ptr, n ? n : 1);
    if (p) {
        c->live = c->live - old + n;
        if (c->live > c->peak)
            c->peak = c->live;
    }
    return p;
}

static void c_free(void *ud, void *ptr, size_t n)
{
    counting *c = ud;
    if (!ptr)
        return;
    c->live -= n;
    c->blocks--;
    free(ptr);
}

typedef struct run {
    mw_buf log;
    uint32_t last_data; /* type of the data event the log ends with */
    uint32_t open;      /* entities begun and not ended */
} run;

static void put(run *r, const void *p, size_t n)
{
    FUZZ_CHECK(mw_buf_append(&r->log, p, n) == MW_OK);
}

static void put_u64(run *r, uint64_t v)
{
    put(r, &v, sizeof(v));
}

static void put_span(run *r, mw_span s)
{
    put_u64(r, s.ptr ? s.len : UINT64_MAX);
    if (s.len)
        put(r, s.ptr, s.len);
}

static void log_event(run *r, const mw_mime_event *ev)
{
    if (ev->type == MW_MIME_EV_BODY || ev->type == MW_MIME_EV_PREAMBLE ||
        ev->type == MW_MIME_EV_EPILOGUE) {
        FUZZ_CHECK(ev->data.len > 0 && ev->data.ptr != NULL);
        FUZZ_CHECK(r->open > 0);
        if (r->last_data != ev->type) {
            put_u64(r, ev->type);
            r->last_data = ev->type;
        }
        put(r, ev->data.ptr, ev->data.len);
        return;
    }
    r->last_data = 0;
    put_u64(r, ev->type);
    put_u64(r, ev->depth);
    put_u64(r, ev->defects);
    put_u64(r, ev->offset);
    put_span(r, ev->part);
    if (ev->type == MW_MIME_EV_ENTITY_BEGIN) {
        FUZZ_CHECK(ev->depth == r->open);
        r->open++;
    } else if (ev->type == MW_MIME_EV_ENTITY_END) {
        FUZZ_CHECK(r->open > 0 && ev->depth == r->open - 1);
        r->open--;
    } else if (ev->type == MW_MIME_EV_END) {
        FUZZ_CHECK(r->open == 0);
    } else {
        FUZZ_CHECK(r->open > 0 && ev->depth == r->open - 1);
    }
    if (ev->type == MW_MIME_EV_HEADER) {
        put_span(r, ev->name);
        put_span(r, ev->value);
    }
    if (ev->type == MW_MIME_EV_HEADERS_END) {
        const mw_mime_info *in = &ev->info;
        FUZZ_CHECK(in->content_type.ptr && in->content_type.len > 0);
        put_u64(r, in->kind);
        put_u64(r, in->encoding);
        put_u64(r, in->defects);
        put_span(r, in->content_type);
        put_span(r, in->charset);
        put_span(r, in->boundary);
        put_span(r, in->transfer_encoding);
        put_span(r, in->disposition);
        put_span(r, in->content_id);
        put_span(r, in->filename);
        put_span(r, in->content_type_raw);
        put_span(r, in->disposition_raw);
    }
}

/* Parse data in chunks picked by sel (0: whole); returns the final status. */
static mw_status parse(const mw_mime_config *cfg, const mw_allocator *a,
                       const uint8_t *data, size_t size, uint8_t sel, run *r)
{
    mw_mime_parser *p = NULL;
    mw_status st = mw_mime_parser_new(cfg, a, &p);
    FUZZ_CHECK(st == MW_OK);
    size_t off = 0;
    for (size_t i = 0; off < size; i++) {
        size_t n = fuzz_chunk_len(sel, i);
        if (n > size - off)
            n = size - off;
        size_t done = 0;
        for (;;) {
            size_t used = 0;
            mw_mime_event ev;
            st = mw_mime_parse(p, data + off + done, n - done, &used, &ev);
            FUZZ_CHECK(used <= n - done);
            done += used;
            if (st == MW_NEED_MORE) {
                FUZZ_CHECK(done == n);
                break;
            }
            FUZZ_CHECK(st == MW_OK);
            log_event(r, &ev);
        }
        off += n;
    }
    FUZZ_CHECK(mw_mime_parser_offset(p) == size);
    FUZZ_CHECK(mw_mime_finish(p) == MW_OK);
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        st = mw_mime_parse(p, NULL, 0, &used, &ev);
        if (st != MW_OK)
            break;
        log_event(r, &ev);
    }
    mw_mime_parser_free(p);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    mw_limits lim;
    mw_limits_default(&lim);
    if (sel & 0x80) {
        lim.header_line_max = 64;
        lim.header_count_max = 5;
        lim.mime_depth_max = 3;
        lim.mime_parts_max = 8;
        lim.boundary_max = 10;
    }
    mw_mime_config cfg = {sizeof(cfg), (sel & 0x40) ? MW_MIME_RAW_BODY : 0,
                          &lim};
    size_t bound = mw_mime_parser_sizeof(&cfg);
    FUZZ_CHECK(bound > 0);

    counting c = {{NULL, c_alloc, c_realloc, c_free}, 0, 0, 0};
    c.a.ud = &c;
    run whole = {{0}, 0, 0}, chunked = {{0}, 0, 0};
    mw_buf_init_growable(&whole.log, NULL, 0);
    mw_buf_init_growable(&chunked.log, NULL, 0);
    mw_status a = parse(&cfg, &c.a, data, size, 0, &whole);
    FUZZ_CHECK(c.live == 0 && c.blocks == 0);
    FUZZ_CHECK(c.peak <= bound); /* constant memory, known up front */
    mw_status b = parse(&cfg, &c.a, data, size, (uint8_t)(sel | 1), &chunked);
    FUZZ_CHECK(c.live == 0 && c.blocks == 0);
    FUZZ_CHECK(a == MW_DONE && b == MW_DONE);
    FUZZ_CHECK(whole.open == 0 && chunked.open == 0);
    FUZZ_CHECK(whole.log.len == chunked.log.len);
    FUZZ_CHECK(memcmp(whole.log.data, chunked.log.data, whole.log.len) == 0);
    mw_buf_free(&whole.log);
    mw_buf_free(&chunked.log);
    return 0;
}
