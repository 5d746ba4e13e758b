/*
 * Streaming RFC 5322 / MIME pull parser.
 *
 * One state machine over the byte stream, driven by mw_mime_parse(). The
 * modes: BEGIN (announce an entity), HEADERS (header block), HEADERS_END
 * (interpret the headers), CONTENT (leaf body, preamble or epilogue: bytes
 * go to a sink, and when a multipart is open every line start is checked
 * for a delimiter), BTAIL (rest of a delimiter line), CLOSE (end entities
 * after a delimiter or at end of input), END.
 *
 * Views handed out point into the caller's input whenever the bytes are
 * contiguous there; otherwise into the parser's own bounded buffers. All
 * memory is reserved when the parser is made; nothing grows with the
 * message.
 */
#include <string.h>

#include "mime_int.h"

typedef struct layout {
    mw_limits lim;
    size_t frames_off, hbuf_off, arena_off, bounds_off, pn_off, lsb_off;
    size_t hcap, acap, lscap, total;
} layout;

static size_t align_up(size_t n)
{
    size_t a = sizeof(void *) > 8 ? sizeof(void *) : 8;
    return (n + a - 1) / a * a;
}

static int compute_layout(const mw_mime_config *cfg, layout *l)
{
    if (cfg && cfg->size < sizeof(uint32_t) * 2)
        return 0;
    uint32_t flags = cfg ? cfg->flags : 0;
    if (flags & ~MW_MIME_RAW_BODY)
        return 0;
    const mw_limits *in = NULL;
    if (cfg &&
        cfg->size >= offsetof(mw_mime_config, limits) + sizeof(cfg->limits))
        in = cfg->limits;
    mw_limits_resolve(in, &l->lim);
    /* Absurd limits are clamped so the sizes below cannot overflow. */
    if (l->lim.mime_depth_max > DEPTH_CAP)
        l->lim.mime_depth_max = DEPTH_CAP;
    if (l->lim.header_line_max > HEADER_CAP)
        l->lim.header_line_max = HEADER_CAP;
    if (l->lim.header_line_max < HEADER_MIN)
        l->lim.header_line_max = HEADER_MIN;
    if (l->lim.boundary_max > BOUNDARY_CAP)
        l->lim.boundary_max = BOUNDARY_CAP;
    size_t depth = (size_t)l->lim.mime_depth_max + 1;
    size_t h = l->lim.header_line_max;
    l->hcap = h;
    /* Content-Type, Content-Disposition and Content-ID copies, unescaped
     * parameter values (at most as long as the two raw values) and the
     * lower-cased tokens. */
    l->acap = 5 * h + TYPE_MAX + 2 * TOKEN_MAX + 16;
    l->lscap = (size_t)l->lim.boundary_max + 4;
    size_t n = align_up(sizeof(mw_mime_parser));
    l->frames_off = n;
    n += align_up(depth * sizeof(frame));
    l->hbuf_off = n;
    n += align_up(l->hcap);
    l->arena_off = n;
    n += align_up(l->acap);
    l->bounds_off = n;
    n += align_up(depth * l->lim.boundary_max);
    l->pn_off = n;
    n += align_up(depth * PN_STEP + 1);
    l->lsb_off = n;
    n += align_up(l->lscap);
    l->total = n;
    return 1;
}

size_t mw_mime_parser_sizeof(const mw_mime_config *cfg)
{
    layout l;
    return compute_layout(cfg, &l) ? l.total : 0;
}

void mwi_mime_reset_headers(mw_mime_parser *p)
{
    p->hstate = HS_LINE_START;
    p->pending = 0;
    p->in_input = 0;
    p->prev_cr = 0;
    p->first_line = 1;
    p->hlen = 0;
    p->ftotal = 0;
    p->hcount = 0;
    p->hbytes = 0;
    p->alen = 0;
    p->have_ct = p->have_cd = p->have_cid = p->have_cte = p->have_mv = 0;
    p->cte_len = 0;
}

mw_status mw_mime_parser_init_in(void *mem, size_t len,
                                 const mw_mime_config *cfg,
                                 mw_mime_parser **out)
{
    layout l;
    if (!mem || !out || !compute_layout(cfg, &l))
        return MW_E_ARG;
    if (len < l.total)
        return MW_E_NOSPACE;
    char *base = mem;
    mw_mime_parser *p = mem;
    /* The scratch at the end (decoder state and its 4 KiB buffer) is
     * written before it is read: clearing it for every message would
     * cost more than the rest of the setup. */
    memset(p, 0, offsetof(mw_mime_parser, cte_tok));
    p->size = l.total;
    p->flags = cfg ? cfg->flags : 0;
    p->lim = l.lim;
    p->frames = (frame *)(void *)(base + l.frames_off);
    p->frames_max = l.lim.mime_depth_max + 1;
    p->hbuf = base + l.hbuf_off;
    p->hcap = l.hcap;
    p->arena = base + l.arena_off;
    p->acap = l.acap;
    p->bounds = base + l.bounds_off;
    p->pn = base + l.pn_off;
    p->lsb = base + l.lsb_off;
    p->lscap = l.lscap;
    mw_buf_init_fixed(&p->dbuf, p->dmem, sizeof(p->dmem));
    memset(&p->frames[0], 0, sizeof(frame));
    p->frames[0].flags = FR_MSG_ROOT;
    p->nframes = 1;
    p->entities = 1;
    p->mode = M_BEGIN;
    mwi_mime_reset_headers(p);
    *out = p;
    return MW_OK;
}

mw_status mw_mime_parser_new(const mw_mime_config *cfg, const mw_allocator *a,
                             mw_mime_parser **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    size_t size = mw_mime_parser_sizeof(cfg);
    if (size == 0)
        return MW_E_ARG;
    void *mem = mwi_alloc(a, size);
    if (!mem)
        return MW_E_NOMEM;
    mw_mime_parser *p = NULL;
    mw_status st = mw_mime_parser_init_in(mem, size, cfg, &p);
    if (st != MW_OK) {
        mwi_free(a, mem, size);
        return st;
    }
    p->alloc = mwi_allocator(a);
    *out = p;
    return MW_OK;
}

void mw_mime_parser_free(mw_mime_parser *p)
{
    if (p && p->alloc)
        mwi_free(p->alloc, p, p->size);
}

uint64_t mw_mime_parser_offset(const mw_mime_parser *p)
{
    return p ? p->off + p->pos : 0;
}

mw_status mw_mime_finish(mw_mime_parser *p)
{
    if (!p)
        return MW_E_ARG;
    p->eof = 1;
    return MW_OK;
}

void mwi_mime_recompute_active(mw_mime_parser *p)
{
    p->nactive = 0;
    p->max_blen = 0;
    for (uint32_t d = 0; d < p->nframes; d++) {
        const frame *f = &p->frames[d];
        if (f->kind == MW_MIME_KIND_MULTIPART && (f->flags & FR_ACTIVE)) {
            p->nactive++;
            if (f->blen > p->max_blen)
                p->max_blen = f->blen;
        }
    }
}

size_t mwi_mime_arena_copy(mw_mime_parser *p, const char *s, size_t n)
{
    size_t at = p->alen;
    if (n > p->acap - at)
        n = p->acap - at; /* cannot happen with the sizing above */
    memcpy(p->arena + at, s, n);
    p->alen += n;
    return at;
}

void mwi_mime_push_frame(mw_mime_parser *p, uint32_t pn_len, uint32_t flags)
{
    frame *f = &p->frames[p->nframes++];
    memset(f, 0, sizeof(*f));
    f->pn_len = pn_len;
    f->flags = flags;
    f->begin = mwi_mime_here(p);
    p->entities++;
    mwi_mime_reset_headers(p);
    p->mode = M_BEGIN;
}

static int step(mw_mime_parser *p, mw_mime_event *ev)
{
    switch (p->mode) {
    case M_BEGIN:
        return mwi_mime_begin_step(p, ev);
    case M_HEADERS:
        return mwi_mime_headers_step(p, ev);
    case M_HEADERS_END:
        return mwi_mime_headers_end_step(p, ev);
    case M_CONTENT:
        return mwi_mime_content_step(p, ev);
    case M_BTAIL:
        return mwi_mime_btail_step(p);
    case M_CLOSE:
        return mwi_mime_close_step(p, ev);
    case M_END:
        ev->type = MW_MIME_EV_END;
        ev->offset = mwi_mime_here(p);
        p->mode = M_DONE;
        return STEP_EVENT;
    default:
        return STEP_DONE;
    }
}

/* Every field of the event but info (set by the HEADERS_END step, the
 * only one that uses it): a few stores instead of a string instruction. */
static void clear_event(mw_mime_event *ev)
{
    mw_span none = {NULL, 0};
    ev->type = 0;
    ev->depth = 0;
    ev->defects = 0;
    ev->reserved = 0;
    ev->offset = 0;
    ev->part = none;
    ev->name = none;
    ev->value = none;
    ev->data = none;
}

/* The call's input goes away: account it and drop the view. */
static mw_status end_call(mw_mime_parser *p, size_t *consumed, mw_status st)
{
    *consumed = p->pos;
    p->off += p->pos;
    p->pos = 0;
    p->len = 0;
    p->in = NULL;
    return st;
}

mw_status mw_mime_parse(mw_mime_parser *p, const void *data, size_t len,
                        size_t *consumed, mw_mime_event *ev)
{
    if (!consumed)
        return MW_E_ARG;
    *consumed = 0;
    if (!p || !ev || (!data && len))
        return MW_E_ARG;
    if (p->eof && len)
        return MW_E_STATE;
    p->in = data ? (const char *)data : ""; /* no NULL arithmetic */
    p->len = len;
    p->pos = 0;
    /* Most calls on a header block are one whole field: that path fills
     * the event itself. */
    if (p->mode == M_HEADERS && mwi_mime_header_fast(p, ev) == STEP_EVENT)
        return end_call(p, consumed, MW_OK);
    clear_event(ev);
    int r;
    do {
        r = step(p, ev);
    } while (r == STEP_CONT);
    mw_status st = MW_OK;
    if (r == STEP_DONE)
        st = MW_DONE;
    else if (r == STEP_NEED)
        st = p->eof ? MW_E_INTERNAL : MW_NEED_MORE;
    return end_call(p, consumed, st);
}
