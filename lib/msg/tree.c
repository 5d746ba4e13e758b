/*
 * Whole-message tree: the streaming parser's events collected into one
 * arena (msgtree.h).
 *
 * The arena is a list of blocks from the caller's allocator. Ordinary
 * objects are carved from the newest block; a body, preamble or epilogue
 * grows at the top of the newest block while its events arrive and moves
 * to a fresh, larger block when it no longer fits (the space it leaves
 * behind is lost, so a body costs at most twice its size). The tree object
 * itself lives in the first block, so freeing the blocks frees everything.
 */
#include <stddef.h>
#include <string.h>

#include "mailwire/msgtree.h"
#include "mw_int.h"

#define TREE_ALIGN MWI_ALIGN
#define TREE_DEFAULT_BLOCK ((size_t)16 * 1024)

typedef struct tree_block {
    struct tree_block *next;
    size_t cap;  /* bytes of the whole block, header included */
    size_t used; /* bytes in use, header included */
} tree_block;

/* The block header, rounded so the data after it is aligned for any
 * object. */
#define TREE_BLOCK_HDR                                                         \
    ((sizeof(tree_block) + TREE_ALIGN - 1) / TREE_ALIGN * TREE_ALIGN)

typedef struct tree_header {
    struct tree_header *next;
    mw_span name, value;
} tree_header;

struct mw_msg_entity {
    mw_msg_entity *parent, *first_child, *last_child, *next_sibling;
    mw_msg_entity *next; /* pre-order successor */
    size_t child_count, header_count;
    tree_header *headers, *last_header;
    uint32_t depth, defects;
    mw_span part;
    mw_mime_info info;
    mw_span body, preamble, epilogue;
};

struct mw_msg_tree {
    const mw_allocator *alloc;
    tree_block *blocks; /* newest first */
    size_t block_size, arena_max, arena_size;
    mw_msg_entity *root, *last, *open; /* open: innermost unended entity */
    size_t count;
};

/* An empty body still has a non-NULL pointer (a present, empty value). */
static const char empty_bytes[1] = {0};

/* ------------------------------------------------------------------ */
/* Arena                                                               */
/* ------------------------------------------------------------------ */

static size_t round_up(size_t n, size_t align)
{
    return (n + align - 1) / align * align;
}

/* The arena's list head and accounting, shared by the tree and by the
 * creation of its first block (before the tree object exists). */
typedef struct arena_ref {
    const mw_allocator *alloc;
    tree_block **head;
    size_t *size;
    size_t block_size, max;
} arena_ref;

/* A new block able to hold \p need bytes of data; it becomes the newest.
 * #MW_E_LIMIT when the arena bound forbids it, #MW_E_NOMEM when the
 * allocator refuses. */
static mw_status block_new(const arena_ref *r, size_t need, tree_block **out)
{
    if (need > SIZE_MAX / 2 - TREE_BLOCK_HDR - TREE_ALIGN)
        return MW_E_LIMIT;
    size_t tight = round_up(need, TREE_ALIGN) + TREE_BLOCK_HDR;
    size_t cap = tight < r->block_size ? r->block_size : tight;
    if (r->max) {
        size_t room = r->max > *r->size ? r->max - *r->size : (size_t)0;
        /* A full-size block is a wish, not a need: shrink it to what the
         * bound leaves when that still holds the object. */
        if (cap > room)
            cap = tight;
        if (cap > room)
            return MW_E_LIMIT;
    }
    tree_block *b = mwi_alloc(r->alloc, cap);
    if (!b)
        return MW_E_NOMEM;
    b->next = *r->head;
    b->cap = cap;
    b->used = TREE_BLOCK_HDR;
    *r->head = b;
    *r->size += cap;
    *out = b;
    return MW_OK;
}

static arena_ref tree_arena(mw_msg_tree *t)
{
    arena_ref r = {t->alloc, &t->blocks, &t->arena_size, t->block_size,
                   t->arena_max};
    return r;
}

static char *block_data(tree_block *b)
{
    return (char *)b;
}

/* \p n bytes aligned to \p align. */
static mw_status arena_alloc(mw_msg_tree *t, size_t n, size_t align, void **out)
{
    tree_block *b = t->blocks;
    size_t off = round_up(b->used, align);
    if (off > b->cap || b->cap - off < n) {
        arena_ref r = tree_arena(t);
        mw_status st = block_new(&r, n, &b);
        if (st != MW_OK)
            return st;
        off = round_up(b->used, align);
    }
    b->used = off + n;
    *out = block_data(b) + off;
    return MW_OK;
}

static mw_status arena_copy(mw_msg_tree *t, mw_span in, mw_span *out)
{
    if (!in.ptr) {
        out->ptr = NULL;
        out->len = 0;
        return MW_OK;
    }
    void *p;
    mw_status st = arena_alloc(t, in.len, 1, &p);
    if (st != MW_OK)
        return st;
    if (in.len)
        memcpy(p, in.ptr, in.len);
    out->ptr = p;
    out->len = in.len;
    return MW_OK;
}

/* Whether \p s can grow in place: it is still empty, or it ends exactly
 * at the top of the newest block. */
static int at_top(const mw_msg_tree *t, mw_span s)
{
    const tree_block *b = t->blocks;
    return s.len == 0 || s.ptr + s.len == (const char *)b + b->used;
}

/* Append \p add to the growing span \p s, moving it when it must. */
static mw_status arena_extend(mw_msg_tree *t, mw_span *s, mw_span add)
{
    if (add.len == 0)
        return MW_OK;
    tree_block *b = t->blocks;
    if (at_top(t, *s) && b->cap - b->used >= add.len) {
        if (s->len == 0)
            s->ptr = block_data(b) + b->used;
        memcpy(block_data(b) + b->used, add.ptr, add.len);
        b->used += add.len;
        s->len += add.len;
        return MW_OK;
    }
    if (s->len > SIZE_MAX / 4 || add.len > SIZE_MAX / 4)
        return MW_E_LIMIT;
    size_t want = s->len + add.len;
    arena_ref r = tree_arena(t);
    /* Room to double, so a body of many small events moves O(log n) times;
     * the bound may cut the doubling, never the bytes needed. */
    mw_status st = block_new(&r, want * 2, &b);
    if (st == MW_E_LIMIT)
        st = block_new(&r, want, &b);
    if (st != MW_OK)
        return st;
    char *p = block_data(b) + b->used;
    if (s->len)
        memcpy(p, s->ptr, s->len);
    memcpy(p + s->len, add.ptr, add.len);
    b->used += want;
    s->ptr = p;
    s->len = want;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Building from events                                                */
/* ------------------------------------------------------------------ */

static mw_status begin_entity(mw_msg_tree *t, const mw_mime_event *ev)
{
    void *mem;
    mw_status st =
        arena_alloc(t, sizeof(mw_msg_entity), _Alignof(mw_msg_entity), &mem);
    if (st != MW_OK)
        return st;
    mw_msg_entity *e = mem;
    memset(e, 0, sizeof(*e));
    e->depth = ev->depth;
    e->body.ptr = e->preamble.ptr = e->epilogue.ptr = empty_bytes;
    e->info.content_type.ptr = empty_bytes;
    st = arena_copy(t, ev->part.ptr ? ev->part : (mw_span){"", 0}, &e->part);
    if (st != MW_OK)
        return st;
    e->parent = t->open;
    if (t->open) {
        if (t->open->last_child)
            t->open->last_child->next_sibling = e;
        else
            t->open->first_child = e;
        t->open->last_child = e;
        t->open->child_count++;
    } else if (!t->root) {
        t->root = e;
    }
    if (t->last)
        t->last->next = e;
    t->last = e;
    t->open = e;
    t->count++;
    return MW_OK;
}

static mw_status add_header(mw_msg_tree *t, const mw_mime_event *ev)
{
    mw_msg_entity *e = t->open;
    if (!e)
        return MW_OK;
    void *mem;
    mw_status st =
        arena_alloc(t, sizeof(tree_header), _Alignof(tree_header), &mem);
    if (st != MW_OK)
        return st;
    tree_header *h = mem;
    h->next = NULL;
    st = arena_copy(t, ev->name, &h->name);
    if (st == MW_OK)
        st = arena_copy(t, ev->value, &h->value);
    if (st != MW_OK)
        return st;
    /* the parser always reports a name and a value; keep them non-NULL */
    if (!h->name.ptr)
        h->name.ptr = empty_bytes;
    if (!h->value.ptr)
        h->value.ptr = empty_bytes;
    if (e->last_header)
        e->last_header->next = h;
    else
        e->headers = h;
    e->last_header = h;
    e->header_count++;
    return MW_OK;
}

static mw_status copy_info(mw_msg_tree *t, const mw_mime_info *in,
                           mw_mime_info *out)
{
    const mw_span *src[] = {
        &in->content_type,      &in->charset,          &in->boundary,
        &in->transfer_encoding, &in->disposition,      &in->content_id,
        &in->filename,          &in->content_type_raw, &in->disposition_raw};
    mw_span *dst[] = {
        &out->content_type,      &out->charset,          &out->boundary,
        &out->transfer_encoding, &out->disposition,      &out->content_id,
        &out->filename,          &out->content_type_raw, &out->disposition_raw};
    out->kind = in->kind;
    out->encoding = in->encoding;
    out->defects = in->defects;
    out->reserved = 0;
    for (size_t i = 0; i < MWI_ARRAY_LEN(src); i++) {
        mw_status st = arena_copy(t, *src[i], dst[i]);
        if (st != MW_OK)
            return st;
    }
    return MW_OK;
}

static mw_status on_event(mw_msg_tree *t, const mw_mime_event *ev)
{
    mw_msg_entity *e = t->open;
    switch (ev->type) {
    case MW_MIME_EV_ENTITY_BEGIN:
        return begin_entity(t, ev);
    case MW_MIME_EV_HEADER:
        return add_header(t, ev);
    case MW_MIME_EV_HEADERS_END:
        return e ? copy_info(t, &ev->info, &e->info) : MW_OK;
    case MW_MIME_EV_BODY:
        return e ? arena_extend(t, &e->body, ev->data) : MW_OK;
    case MW_MIME_EV_PREAMBLE:
        return e ? arena_extend(t, &e->preamble, ev->data) : MW_OK;
    case MW_MIME_EV_EPILOGUE:
        return e ? arena_extend(t, &e->epilogue, ev->data) : MW_OK;
    case MW_MIME_EV_ENTITY_END:
        if (e) {
            e->defects = ev->defects;
            t->open = e->parent;
        }
        return MW_OK;
    default:
        return MW_OK;
    }
}

/* Feed the whole input, then finish and drain the remaining events. */
static mw_status run_parser(mw_msg_tree *t, mw_mime_parser *p, const char *d,
                            size_t n)
{
    int finished = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st =
            mw_mime_parse(p, finished ? NULL : d, finished ? 0 : n, &used, &ev);
        if (!finished && used) {
            d += used;
            n -= used;
        }
        if (st == MW_DONE)
            return MW_OK;
        if (st == MW_NEED_MORE && !finished) {
            finished = 1;
            st = mw_mime_finish(p);
            if (st != MW_OK)
                return st;
            continue;
        }
        if (st != MW_OK)
            return st < 0 ? st : MW_E_STATE;
        st = on_event(t, &ev);
        if (st != MW_OK)
            return st;
    }
}

/* The configuration's fields that the caller's struct version holds. */
static mw_status read_config(const mw_msg_tree_config *cfg,
                             mw_mime_config *mcfg, size_t *block_size,
                             size_t *arena_max)
{
    memset(mcfg, 0, sizeof(*mcfg));
    mcfg->size = (uint32_t)sizeof(*mcfg);
    *block_size = TREE_DEFAULT_BLOCK;
    *arena_max = 0;
    if (!cfg)
        return MW_OK;
    if (cfg->size < offsetof(mw_msg_tree_config, block_size) ||
        (cfg->flags & ~MW_MIME_RAW_BODY) != 0)
        return MW_E_ARG;
    mcfg->flags = cfg->flags;
    mcfg->limits = cfg->limits;
    if (cfg->size >= offsetof(mw_msg_tree_config, arena_max) && cfg->block_size)
        *block_size = cfg->block_size;
    if (cfg->size >= sizeof(mw_msg_tree_config))
        *arena_max = cfg->arena_max;
    if (*block_size < 256)
        *block_size = 256;
    return MW_OK;
}

mw_status mw_msg_tree_parse(const void *msg, size_t len,
                            const mw_msg_tree_config *cfg,
                            const mw_allocator *a, mw_msg_tree **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!msg && len)
        return MW_E_ARG;
    mw_mime_config mcfg;
    size_t block_size, arena_max, arena_size = 0;
    mw_status st = read_config(cfg, &mcfg, &block_size, &arena_max);
    if (st != MW_OK)
        return st;
    tree_block *head = NULL, *first = NULL;
    arena_ref r = {a, &head, &arena_size, block_size, arena_max};
    st = block_new(&r, round_up(sizeof(mw_msg_tree), TREE_ALIGN), &first);
    if (st != MW_OK)
        return st;
    mw_msg_tree *t = (mw_msg_tree *)(block_data(first) + first->used);
    first->used += round_up(sizeof(*t), TREE_ALIGN);
    memset(t, 0, sizeof(*t));
    t->alloc = a;
    t->blocks = head;
    t->block_size = block_size;
    t->arena_max = arena_max;
    t->arena_size = arena_size;
    mw_mime_parser *p = NULL;
    st = mw_mime_parser_new(&mcfg, a, &p);
    if (st == MW_OK)
        st = run_parser(t, p, msg, len);
    mw_mime_parser_free(p);
    if (st == MW_OK && !t->root)
        st = MW_E_STATE; /* the parser always begins a root entity */
    if (st != MW_OK) {
        mw_msg_tree_free(t);
        return st;
    }
    *out = t;
    return MW_OK;
}

void mw_msg_tree_free(mw_msg_tree *t)
{
    if (!t)
        return;
    const mw_allocator *a = t->alloc;
    tree_block *b = t->blocks; /* t lives in the last block of this list */
    while (b) {
        tree_block *next = b->next;
        mwi_free(a, b, b->cap);
        b = next;
    }
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

const mw_msg_entity *mw_msg_tree_root(const mw_msg_tree *t)
{
    return t ? t->root : NULL;
}

size_t mw_msg_tree_entity_count(const mw_msg_tree *t)
{
    return t ? t->count : 0;
}

size_t mw_msg_tree_arena_size(const mw_msg_tree *t)
{
    return t ? t->arena_size : 0;
}

const mw_msg_entity *mw_msg_entity_next(const mw_msg_entity *e)
{
    return e ? e->next : NULL;
}

const mw_msg_entity *mw_msg_entity_parent(const mw_msg_entity *e)
{
    return e ? e->parent : NULL;
}

const mw_msg_entity *mw_msg_entity_first_child(const mw_msg_entity *e)
{
    return e ? e->first_child : NULL;
}

const mw_msg_entity *mw_msg_entity_next_sibling(const mw_msg_entity *e)
{
    return e ? e->next_sibling : NULL;
}

size_t mw_msg_entity_child_count(const mw_msg_entity *e)
{
    return e ? e->child_count : 0;
}

uint32_t mw_msg_entity_depth(const mw_msg_entity *e)
{
    return e ? e->depth : 0;
}

mw_span mw_msg_entity_part(const mw_msg_entity *e)
{
    return e ? e->part : (mw_span){NULL, 0};
}

const mw_mime_info *mw_msg_entity_info(const mw_msg_entity *e)
{
    return e ? &e->info : NULL;
}

uint32_t mw_msg_entity_defects(const mw_msg_entity *e)
{
    return e ? e->defects : 0;
}

mw_span mw_msg_entity_body(const mw_msg_entity *e)
{
    return e ? e->body : (mw_span){NULL, 0};
}

mw_span mw_msg_entity_preamble(const mw_msg_entity *e)
{
    return e ? e->preamble : (mw_span){NULL, 0};
}

mw_span mw_msg_entity_epilogue(const mw_msg_entity *e)
{
    return e ? e->epilogue : (mw_span){NULL, 0};
}

static int name_is(mw_span have, const char *want)
{
    size_t i = 0;
    for (; i < have.len && want[i]; i++) {
        unsigned char x = (unsigned char)have.ptr[i];
        unsigned char y = (unsigned char)want[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return i == have.len && want[i] == '\0';
}

size_t mw_msg_header_count(const mw_msg_entity *e, const char *name)
{
    if (!e)
        return 0;
    if (!name)
        return e->header_count;
    size_t n = 0;
    for (const tree_header *h = e->headers; h; h = h->next)
        n += (size_t)name_is(h->name, name);
    return n;
}

mw_status mw_msg_header_nth(const mw_msg_entity *e, const char *name, size_t n,
                            mw_span *name_out, mw_span *value_out)
{
    if (!e || !value_out)
        return MW_E_ARG;
    for (const tree_header *h = e->headers; h; h = h->next) {
        if (name && !name_is(h->name, name))
            continue;
        if (n-- == 0) {
            if (name_out)
                *name_out = h->name;
            *value_out = h->value;
            return MW_OK;
        }
    }
    return MW_DONE;
}

mw_status mw_msg_header_first(const mw_msg_entity *e, const char *name,
                              mw_span *value_out)
{
    if (!name)
        return MW_E_ARG;
    return mw_msg_header_nth(e, name, 0, NULL, value_out);
}

mw_status mw_msg_entity_param(const mw_msg_entity *e, uint32_t which,
                              const char *name, const mw_charset_hook *hook,
                              mw_buf *out)
{
    if (!e || !name || !out || which > MW_MSG_PARAM_DISPOSITION)
        return MW_E_ARG;
    mw_span raw = which == MW_MSG_PARAM_CONTENT_TYPE ? e->info.content_type_raw
                                                     : e->info.disposition_raw;
    if (!raw.ptr)
        return MW_DONE;
    return mw_mime_param_get(raw.ptr, raw.len, name, hook, out, NULL);
}

mw_status mw_msg_entity_filename(const mw_msg_entity *e,
                                 const mw_charset_hook *hook, mw_buf *out)
{
    mw_status st =
        mw_msg_entity_param(e, MW_MSG_PARAM_DISPOSITION, "filename", hook, out);
    if (st == MW_DONE)
        st = mw_msg_entity_param(e, MW_MSG_PARAM_CONTENT_TYPE, "name", hook,
                                 out);
    return st;
}
