/* Whole-message tree on arbitrary bytes: building it never crashes or
 * leaks, and a walk of the tree (headers, info, preamble, children,
 * epilogue, body, defects) gives exactly the log of the streaming parser's
 * events with consecutive data events joined. The first byte picks small
 * limits, raw bodies, a tiny arena block size and an arena bound. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/mailwire.h"
#include "mailwire/mime.h"
#include "mailwire/msgtree.h"

typedef struct counting {
    mw_allocator a;
    long blocks;
} counting;

static void *c_alloc(void *ud, size_t n)
{
    counting *c = ud;
    void *p = malloc(n ? n : 1);
    if (p)
        c->blocks++;
    return p;
}

static void *c_realloc(void *ud, void *ptr, size_t old, size_t n)
{
    (void)ud;
    (void)old;
    return realloc(ptr, n ? n : 1);
}

static void c_free(void *ud, void *ptr, size_t n)
{
    counting *c = ud;
    (void)n;
    if (!ptr)
        return;
    c->blocks--;
    free(ptr);
}

static void put(mw_buf *log, const void *p, size_t n)
{
    FUZZ_CHECK(mw_buf_append(log, p, n) == MW_OK);
}

static void put_u64(mw_buf *log, uint64_t v)
{
    put(log, &v, sizeof(v));
}

static void put_span(mw_buf *log, mw_span s)
{
    put_u64(log, s.ptr ? s.len : UINT64_MAX);
    if (s.len)
        put(log, s.ptr, s.len);
}

static void put_data(mw_buf *log, uint32_t type, mw_span s)
{
    if (!s.len)
        return;
    put_u64(log, type);
    put_span(log, s);
}

static void put_info(mw_buf *log, const mw_mime_info *in)
{
    put_u64(log, MW_MIME_EV_HEADERS_END);
    put_u64(log, in->kind);
    put_u64(log, in->encoding);
    put_u64(log, in->defects);
    put_span(log, in->content_type);
    put_span(log, in->charset);
    put_span(log, in->boundary);
    put_span(log, in->transfer_encoding);
    put_span(log, in->disposition);
    put_span(log, in->content_id);
    put_span(log, in->filename);
    put_span(log, in->content_type_raw);
    put_span(log, in->disposition_raw);
}

/* The streaming parser's events, data joined per kind. */
static void event_log(const mw_mime_config *cfg, const uint8_t *data,
                      size_t size, mw_buf *log)
{
    mw_mime_parser *p = NULL;
    FUZZ_CHECK(mw_mime_parser_new(cfg, NULL, &p) == MW_OK);
    mw_buf pending;
    mw_buf_init_growable(&pending, NULL, 0);
    uint32_t pending_type = 0;
    int finished = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(p, finished ? NULL : data,
                                     finished ? 0 : size, &used, &ev);
        if (!finished) {
            data += used;
            size -= used;
        }
        if (st == MW_NEED_MORE && !finished) {
            finished = 1;
            FUZZ_CHECK(mw_mime_finish(p) == MW_OK);
            continue;
        }
        if (st == MW_DONE)
            break;
        FUZZ_CHECK(st == MW_OK);
        int is_data = ev.type == MW_MIME_EV_BODY ||
                      ev.type == MW_MIME_EV_PREAMBLE ||
                      ev.type == MW_MIME_EV_EPILOGUE;
        if (pending_type && (!is_data || ev.type != pending_type)) {
            put_data(log, pending_type, (mw_span){pending.data, pending.len});
            mw_buf_clear(&pending);
            pending_type = 0;
        }
        if (is_data) {
            pending_type = ev.type;
            put(&pending, ev.data.ptr, ev.data.len);
        } else if (ev.type == MW_MIME_EV_ENTITY_BEGIN) {
            put_u64(log, ev.type);
            put_u64(log, ev.depth);
            put_span(log, ev.part);
        } else if (ev.type == MW_MIME_EV_HEADER) {
            put_u64(log, ev.type);
            put_span(log, ev.name);
            put_span(log, ev.value);
        } else if (ev.type == MW_MIME_EV_HEADERS_END) {
            put_info(log, &ev.info);
        } else if (ev.type == MW_MIME_EV_ENTITY_END) {
            put_u64(log, ev.type);
            put_u64(log, ev.defects);
        }
    }
    mw_buf_free(&pending);
    mw_mime_parser_free(p);
}

static void walk(const mw_msg_entity *e, mw_buf *log, size_t *count)
{
    (*count)++;
    put_u64(log, MW_MIME_EV_ENTITY_BEGIN);
    put_u64(log, mw_msg_entity_depth(e));
    put_span(log, mw_msg_entity_part(e));
    mw_span name, value;
    size_t n = 0;
    while (mw_msg_header_nth(e, NULL, n, &name, &value) == MW_OK) {
        put_u64(log, MW_MIME_EV_HEADER);
        put_span(log, name);
        put_span(log, value);
        n++;
    }
    FUZZ_CHECK(n == mw_msg_header_count(e, NULL));
    put_info(log, mw_msg_entity_info(e));
    put_data(log, MW_MIME_EV_PREAMBLE, mw_msg_entity_preamble(e));
    size_t kids = 0;
    for (const mw_msg_entity *c = mw_msg_entity_first_child(e); c;
         c = mw_msg_entity_next_sibling(c)) {
        FUZZ_CHECK(mw_msg_entity_parent(c) == e);
        FUZZ_CHECK(mw_msg_entity_depth(c) == mw_msg_entity_depth(e) + 1);
        walk(c, log, count);
        kids++;
    }
    FUZZ_CHECK(kids == mw_msg_entity_child_count(e));
    put_data(log, MW_MIME_EV_EPILOGUE, mw_msg_entity_epilogue(e));
    put_data(log, MW_MIME_EV_BODY, mw_msg_entity_body(e));
    put_u64(log, MW_MIME_EV_ENTITY_END);
    put_u64(log, mw_msg_entity_defects(e));
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
    uint32_t flags = (sel & 0x40) ? MW_MIME_RAW_BODY : 0;
    mw_mime_config mcfg = {sizeof(mcfg), flags, &lim};
    mw_msg_tree_config cfg = {sizeof(cfg), flags, &lim, (sel & 0x20) ? 256 : 0,
                              (sel & 0x10) ? (size_t)2048 + size : 0};
    counting c = {{NULL, c_alloc, c_realloc, c_free}, 0};
    c.a.ud = &c;
    mw_msg_tree *t = NULL;
    mw_status st = mw_msg_tree_parse(data, size, &cfg, &c.a, &t);
    if (st == MW_E_LIMIT) {
        FUZZ_CHECK(cfg.arena_max != 0 && t == NULL && c.blocks == 0);
        return 0;
    }
    FUZZ_CHECK(st == MW_OK && t != NULL);
    FUZZ_CHECK(cfg.arena_max == 0 ||
               mw_msg_tree_arena_size(t) <= cfg.arena_max);

    mw_buf want, got;
    mw_buf_init_growable(&want, NULL, 0);
    mw_buf_init_growable(&got, NULL, 0);
    event_log(&mcfg, data, size, &want);
    size_t count = 0;
    walk(mw_msg_tree_root(t), &got, &count);
    FUZZ_CHECK(count == mw_msg_tree_entity_count(t));
    size_t preorder = 0;
    for (const mw_msg_entity *e = mw_msg_tree_root(t); e;
         e = mw_msg_entity_next(e))
        preorder++;
    FUZZ_CHECK(preorder == count);
    FUZZ_CHECK(got.len == want.len &&
               (got.len == 0 || memcmp(got.data, want.data, got.len) == 0));
    mw_buf_free(&want);
    mw_buf_free(&got);
    mw_msg_tree_free(t);
    FUZZ_CHECK(c.blocks == 0);
    return 0;
}
