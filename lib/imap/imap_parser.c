/* Streaming IMAP lexer: bytes of either stream in, one value tree per unit
 * out (see imap.h for the representation). The state machine consumes one
 * byte at a time except for runs of atom, quoted and literal bytes, which
 * are copied in one go; fast_tokens() handles the common token sequences
 * (spaces, parentheses, atoms, plain quoted strings, fetch sections and
 * the headers of inline literals) in one tight loop and leaves everything
 * else, every error and every growth of the arena to the state machine. */
#include <string.h>

#include "imap_int.h"
#include "mw_int.h"

/* SSE2 is part of every x86-64 CPU; elsewhere (or with MWI_IMAP_NO_SIMD,
 * which checks the portable path) quoted strings are scanned through the
 * byte-class table like everything else. */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(MWI_IMAP_NO_SIMD)
#include <emmintrin.h>
#define IMAP_SIMD 1
#else
#define IMAP_SIMD 0
#endif

enum {
    S_UNIT_START,
    S_TAG,
    S_AFTER_STAR,
    S_TOKEN,
    S_SEP,
    S_ATOM,
    S_QUOTED,
    S_QUOTED_ESC,
    S_TILDE,
    S_LIT_OPEN,
    S_LIT_LEN,
    S_LIT_CLOSE,
    S_LIT_CR,
    S_LIT_LF,
    S_LIT_INLINE,
    S_LIT_STREAM,
    S_PART_ORIGIN,
    S_PART_LEN,
    S_RTEXT_SP,
    S_RTEXT_START,
    S_CODE_NAME,
    S_AFTER_CODE,
    S_TEXT,
    S_CR
};

/* The per-token helpers are forced inline into the scanning loops: the
 * compiler otherwise keeps them as calls, which cost as much as the work. */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

/* What the command stream expects after a unit (RFC 3501 6.2.2, RFC 2177). */
enum { MODE_NORMAL, MODE_SASL, MODE_IDLE };

/* Separator context after a token. */
enum { SEP_PLAIN, SEP_AFTER_LIST, SEP_AFTER_SECTION };

struct mw_imap_parser {
    const mw_allocator *alloc;
    int in_place;
    uint32_t flags;
    uint32_t depth_max;
    uint32_t list_max;
    size_t line_max;
    size_t unit_max;
    uint64_t inline_max;
    uint64_t literal_max;

    /* Per-unit arena. */
    mw_imap_value *nodes;
    uint32_t n_nodes;
    uint32_t cap_nodes;
    char *text;
    size_t text_len;
    size_t text_cap;
    uint32_t *stack;
    uint32_t depth;
    uint32_t top;        /* stack[depth - 1] when depth > 0 */
    uint32_t *top_count; /* its child count, or &n_top */
    uint8_t top_type;    /* its type, 0 at the top level */
    uint32_t n_top;
    size_t tag_len;
    uint32_t kind;
    uint64_t unit_offset;
    uint64_t unit_end;

    /* Lexer state. */
    int state;
    int sep;
    int mode;
    int reset_pending;
    int pending_begin;
    uint32_t cur;
    uint64_t pos;
    size_t line_len;
    uint64_t lit_len;
    uint64_t lit_left;
    uint32_t lit_flags;
    int lit_digits;
    int part_digits;

    mw_status dead;
    mw_imap_error err;
};

/* ------------------------------------------------------------------ */
/* Character classes                                                   */
/* ------------------------------------------------------------------ */

/* Byte classes, one table lookup per byte in the scanning loops. */
enum {
    CC_ATOM = 0x01,     /* mwi_imap_atom_char() */
    CC_ATOM_RUN = 0x02, /* continues an atom outside brackets (not '[') */
    CC_ATOM_BRK = 0x04, /* continues an atom inside [...] (not '[', ']') */
    CC_QUOTED = 0x08,   /* plain quoted content: not '"', '\\', CR, LF, NUL */
    CC_TEXT = 0x10      /* TEXT-CHAR run: not CR, LF, NUL */
};

/* 31 is every class; 24 quoted and text only (controls, SP, parentheses,
 * '{', DEL); 16 text only ('"'); 0 none (NUL, CR, LF); 25 '[', 23 '\\',
 * 27 ']'. 8-bit bytes are atom characters: servers without UTF8=ACCEPT
 * have been seen sending raw 8-bit mailbox names unquoted, and the bytes
 * survive a round trip unchanged. */
/* clang-format off */
static const unsigned char cclass[256] = {
     0, 24, 24, 24, 24, 24, 24, 24, 24, 24,  0, 24, 24,  0, 24, 24, /* 0x00 */
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, /* 0x10 */
    24, 31, 16, 31, 31, 31, 31, 31, 24, 24, 31, 31, 31, 31, 31, 31, /* 0x20 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0x30 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0x40 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 25, 23, 27, 31, 31, /* 0x50 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0x60 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 24, 31, 31, 31, 24, /* 0x70 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0x80 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0x90 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0xa0 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0xb0 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0xc0 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0xd0 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0xe0 */
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, /* 0xf0 */
};
/* clang-format on */

static int upper_ascii(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? c - 32 : c;
}

/* Walks the word instead of taking its strlen first: most calls are table
 * lookups that differ in the first byte. */
int mwi_imap_span_is(const char *s, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len; i++) {
        unsigned char b = (unsigned char)word[i];
        if (b == 0)
            return 0;
        unsigned char a = (unsigned char)s[i];
        if (a != b && upper_ascii(a) != upper_ascii(b))
            return 0;
    }
    return word[i] == 0;
}

static int atom_char(unsigned char c)
{
    return (cclass[c] & CC_ATOM) != 0;
}

int mwi_imap_atom_char(unsigned char c)
{
    return atom_char(c);
}

int mwi_imap_is_section_name(const char *s, size_t len)
{
    return mwi_imap_span_is(s, len, "BODY") ||
           mwi_imap_span_is(s, len, "BODY.PEEK") ||
           mwi_imap_span_is(s, len, "BINARY") ||
           mwi_imap_span_is(s, len, "BINARY.PEEK") ||
           mwi_imap_span_is(s, len, "BINARY.SIZE");
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_tag_char(unsigned char c)
{
    /* tag = 1*<any ASTRING-CHAR except "+">; list wildcards and
     * quoted-specials are not ASTRING-CHARs. */
    return atom_char(c) && c < 0x80 && c != '+' && c != '%' && c != '*' &&
           c != '\\';
}

/* ------------------------------------------------------------------ */
/* Arena                                                               */
/* ------------------------------------------------------------------ */

HOT size_t arena_bytes(const mw_imap_parser *p, size_t extra_text,
                       uint32_t extra_nodes)
{
    return p->text_len + extra_text +
           ((size_t)p->n_nodes + extra_nodes) * sizeof(mw_imap_value);
}

/* Bytes allocated past text_cap: scratch for the 16-byte block copies of
 * short tokens, so that they need no check of the room left. */
#define TEXT_SLACK 16u

static mw_status text_grow(mw_imap_parser *p, size_t extra)
{
    size_t cap = p->text_cap ? p->text_cap : 256;
    while (cap < p->text_len + extra)
        cap *= 2;
    char *t = mwi_alloc(p->alloc, cap + TEXT_SLACK);
    if (!t)
        return MW_E_NOMEM;
    char *old = p->text;
    if (old)
        memcpy(t, old, p->text_len);
    /* Nodes point into the text from their creation on (so that a unit
     * needs no pass to set them); a move of the text moves them. The old
     * block is still readable here, so each pointer keeps its offset. A
     * node made before the text existed has no pointer yet and starts
     * at offset 0 (nothing was appended before it). */
    for (uint32_t i = 0; i < p->n_nodes; i++) {
        const char *q = p->nodes[i].str.ptr;
        p->nodes[i].str.ptr = q ? t + (q - old) : t;
    }
    if (old)
        mwi_free(p->alloc, old, p->text_cap + TEXT_SLACK);
    p->text = t;
    p->text_cap = cap;
    return MW_OK;
}

HOT mw_status text_reserve(mw_imap_parser *p, size_t extra)
{
    if (extra > p->unit_max || arena_bytes(p, extra, 0) > p->unit_max)
        return MW_E_LIMIT;
    if (p->text_len + extra <= p->text_cap)
        return MW_OK;
    return text_grow(p, extra);
}

HOT mw_status text_append(mw_imap_parser *p, const void *data, size_t n)
{
    mw_status st = text_reserve(p, n);
    if (st != MW_OK)
        return st;
    memcpy(p->text + p->text_len, data, n);
    p->text_len += n;
    return MW_OK;
}

static mw_status nodes_grow(mw_imap_parser *p)
{
    uint32_t cap = p->cap_nodes ? p->cap_nodes * 2 : 32;
    mw_imap_value *n =
        mwi_realloc(p->alloc, p->nodes, p->cap_nodes * sizeof(*n),
                    (size_t)cap * sizeof(*n));
    if (!n)
        return MW_E_NOMEM;
    p->nodes = n;
    if (p->depth)
        p->top_count = &p->nodes[p->top].count;
    p->cap_nodes = cap;
    return MW_OK;
}

/* Append a node as the next child of the innermost open container. */
HOT mw_status node_new(mw_imap_parser *p, uint8_t type, uint64_t offset)
{
    if (arena_bytes(p, 0, 1) > p->unit_max)
        return MW_E_LIMIT;
    if (p->n_nodes >= p->cap_nodes) {
        mw_status st = nodes_grow(p);
        if (st != MW_OK)
            return st;
    }
    if (*p->top_count >= p->list_max)
        return MW_E_LIMIT;
    (*p->top_count)++;
    uint32_t i = p->n_nodes++;
    mw_imap_value *v = &p->nodes[i];
    v->str.ptr = p->text ? p->text + p->text_len : NULL;
    v->str.len = 0;
    v->num = 0;
    v->num2 = 0;
    v->offset = offset;
    v->subtree = 1;
    v->count = 0;
    v->type = type;
    v->flags = 0;
    p->cur = i;
    return MW_OK;
}

/* p->top and p->top_type cache the innermost open container, which every
 * token consults. */
static mw_status push(mw_imap_parser *p)
{
    if (p->depth >= p->depth_max)
        return MW_E_LIMIT;
    p->stack[p->depth++] = p->cur;
    p->top = p->cur;
    p->top_type = p->nodes[p->cur].type;
    p->top_count = &p->nodes[p->cur].count;
    return MW_OK;
}

static void pop(mw_imap_parser *p)
{
    uint32_t i = p->stack[--p->depth];
    p->nodes[i].subtree = p->n_nodes - i;
    p->cur = i;
    if (p->depth) {
        p->top = p->stack[p->depth - 1];
        p->top_type = p->nodes[p->top].type;
        p->top_count = &p->nodes[p->top].count;
    } else {
        p->top_type = 0;
        p->top_count = &p->n_top;
    }
}

static uint8_t top_type(const mw_imap_parser *p)
{
    return p->top_type;
}

/* The text of node \p i so far (the arena may not exist yet). */
static const char *node_text(const mw_imap_parser *p, uint32_t i)
{
    return p->nodes[i].str.ptr ? p->nodes[i].str.ptr : "";
}

/* Bytes appended since node \p i began are its text. */
static void grow_cur(mw_imap_parser *p, size_t n)
{
    p->nodes[p->cur].str.len += n;
}

static void reset_unit(mw_imap_parser *p)
{
    p->n_nodes = 0;
    p->text_len = 0;
    p->depth = 0;
    p->top_type = 0;
    p->top_count = &p->n_top;
    p->n_top = 0;
    p->tag_len = 0;
    p->kind = 0;
    p->state = S_UNIT_START;
    p->sep = SEP_PLAIN;
    p->line_len = 0;
    p->reset_pending = 0;
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */
/* ------------------------------------------------------------------ */

size_t mw_imap_parser_sizeof(void)
{
    return sizeof(mw_imap_parser);
}

static mw_status setup(mw_imap_parser *p, const mw_imap_parser_config *cfg,
                       const mw_allocator *alloc)
{
    mw_imap_parser_config c;
    memset(&c, 0, sizeof(c));
    if (cfg) {
        if (cfg->size < sizeof(uint32_t))
            return MW_E_ARG;
        memcpy(&c, cfg, cfg->size < sizeof(c) ? cfg->size : sizeof(c));
    }
    mw_limits lim;
    mw_limits_resolve(c.limits, &lim);
    memset(p, 0, sizeof(*p));
    p->alloc = alloc;
    p->flags = c.flags;
    p->depth_max = lim.imap_depth_max;
    p->line_max = c.line_max ? c.line_max : MW_IMAP_LINE_MAX_DEFAULT;
    p->unit_max = c.unit_max ? c.unit_max : MW_IMAP_UNIT_MAX_DEFAULT;
    p->list_max = c.list_max ? c.list_max : MW_IMAP_LIST_MAX_DEFAULT;
    p->inline_max = c.inline_max ? c.inline_max : MW_IMAP_INLINE_MAX_DEFAULT;
    if (p->inline_max > lim.literal_max)
        p->inline_max = lim.literal_max;
    p->literal_max = c.literal_max ? c.literal_max : UINT64_MAX;
    p->stack = mwi_alloc(alloc, (size_t)p->depth_max * sizeof(uint32_t));
    if (!p->stack)
        return MW_E_NOMEM;
    p->err.expected = "";
    reset_unit(p);
    return MW_OK;
}

mw_status mw_imap_parser_new(const mw_imap_parser_config *cfg,
                             const mw_allocator *alloc, mw_imap_parser **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    mw_imap_parser *p = mwi_alloc(alloc, sizeof(*p));
    if (!p)
        return MW_E_NOMEM;
    mw_status st = setup(p, cfg, alloc);
    if (st != MW_OK) {
        mwi_free(alloc, p, sizeof(*p));
        return st;
    }
    *out = p;
    return MW_OK;
}

mw_status mw_imap_parser_init_in(void *mem, size_t len,
                                 const mw_imap_parser_config *cfg,
                                 const mw_allocator *alloc,
                                 mw_imap_parser **out)
{
    if (!out || !mem || len < sizeof(mw_imap_parser))
        return MW_E_ARG;
    *out = NULL;
    mw_imap_parser *p = mem;
    mw_status st = setup(p, cfg, alloc);
    if (st != MW_OK)
        return st;
    p->in_place = 1;
    *out = p;
    return MW_OK;
}

void mw_imap_parser_free(mw_imap_parser *p)
{
    if (!p)
        return;
    const mw_allocator *a = p->alloc;
    mwi_free(a, p->nodes, p->cap_nodes * sizeof(*p->nodes));
    if (p->text)
        mwi_free(a, p->text, p->text_cap + TEXT_SLACK);
    mwi_free(a, p->stack, (size_t)p->depth_max * sizeof(uint32_t));
    if (!p->in_place)
        mwi_free(a, p, sizeof(*p));
}

void mw_imap_parser_error(const mw_imap_parser *p, mw_imap_error *err)
{
    if (!err)
        return;
    if (!p) {
        err->offset = 0;
        err->expected = "";
        return;
    }
    *err = p->err;
}

int mw_imap_parser_idle(const mw_imap_parser *p)
{
    return p &&
           (p->reset_pending || (p->state == S_UNIT_START && p->n_nodes == 0));
}

/* ------------------------------------------------------------------ */
/* Unit completion                                                     */
/* ------------------------------------------------------------------ */

static void next_mode(mw_imap_parser *p)
{
    if (p->kind != MW_IMAP_UNIT_COMMAND || p->n_top == 0) {
        if (p->kind == MW_IMAP_UNIT_DONE)
            p->mode = MODE_NORMAL;
        return;
    }
    const mw_imap_value *name = &p->nodes[0];
    if (mw_imap_value_is_atom(name, "AUTHENTICATE"))
        p->mode = MODE_SASL;
    else if (mw_imap_value_is_atom(name, "IDLE"))
        p->mode = MODE_IDLE;
    else
        p->mode = MODE_NORMAL;
}

static mw_status finish_unit(mw_imap_parser *p, mw_imap_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = MW_IMAP_EV_UNIT;
    ev->unit.kind = p->kind;
    ev->unit.n_top = p->n_top;
    ev->unit.n_values = p->n_nodes;
    ev->unit.values = p->n_nodes ? p->nodes : NULL;
    ev->unit.offset = p->unit_offset;
    ev->unit.end = p->unit_end;
    if (p->kind == MW_IMAP_UNIT_TAGGED || p->kind == MW_IMAP_UNIT_COMMAND) {
        ev->unit.tag.ptr = p->text;
        ev->unit.tag.len = p->tag_len;
    }
    p->reset_pending = 1;
    mw_status st = MW_OK;
    if (p->flags & MW_IMAP_PARSE_COMMANDS) {
        next_mode(p);
        if (p->kind == MW_IMAP_UNIT_COMMAND &&
            !(p->flags & MW_IMAP_PARSE_NO_VALIDATE))
            st =
                mw_imap_command_get(&ev->unit, p->flags, &ev->command, &p->err);
    } else if (!(p->flags & MW_IMAP_PARSE_NO_VALIDATE)) {
        st = mw_imap_response_get(&ev->unit, p->flags, &ev->response, &p->err);
    }
    if (st != MW_OK) {
        p->dead = st;
        return st;
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* The state machine                                                   */
/* ------------------------------------------------------------------ */

typedef struct feed_ctx {
    mw_imap_parser *p;
    const unsigned char *in;
    size_t len;
    size_t i;
    uint64_t base;
} feed_ctx;

static mw_status fail(feed_ctx *c, mw_status st, const char *expected)
{
    c->p->dead = st;
    c->p->err.offset = c->base + c->i;
    c->p->err.expected = expected;
    return st;
}

static mw_status fail_at(feed_ctx *c, mw_status st, uint64_t offset,
                         const char *expected)
{
    fail(c, st, expected);
    c->p->err.offset = offset;
    return st;
}

static uint64_t here(const feed_ctx *c)
{
    return c->base + c->i;
}

static int status_word(const mw_imap_parser *p, const char *s, size_t n)
{
    if (mwi_imap_span_is(s, n, "OK") || mwi_imap_span_is(s, n, "NO") ||
        mwi_imap_span_is(s, n, "BAD"))
        return 1;
    return p->kind == MW_IMAP_UNIT_UNTAGGED &&
           (mwi_imap_span_is(s, n, "PREAUTH") || mwi_imap_span_is(s, n, "BYE"));
}

/* Sets the number flag and value when the atom is all digits and fits 64
 * bits. Nineteen digits cannot overflow, so only a twentieth is checked. */
static void atom_number(mw_imap_value *v, const char *s)
{
    uint64_t n = 0;
    size_t len = v->str.len;
    size_t k = 0;
    size_t safe = len < 19 ? len : 19;
    for (; k < safe; k++) {
        unsigned d = (unsigned)((unsigned char)s[k] - '0');
        if (d > 9)
            return;
        n = n * 10 + d;
    }
    if (k < len) {
        unsigned d = (unsigned)((unsigned char)s[k] - '0');
        if (d > 9 || n > (UINT64_MAX - d) / 10)
            return;
        n = n * 10 + d;
    }
    v->flags |= MW_IMAP_VF_NUMBER;
    v->num = n;
}

/* An atom ended: classify it and pick the next state. \p s is its text
 * (in the arena or, from fast_atom(), still in the input). */
static void end_atom_text(mw_imap_parser *p, const char *s)
{
    mw_imap_value *v = &p->nodes[p->cur];
    if (v->str.len == 3 && (s[0] == 'N' || s[0] == 'n') &&
        mwi_imap_span_is(s, 3, "NIL"))
        v->flags |= MW_IMAP_VF_NIL;
    else if (v->str.len <= 20 &&
             (v->str.len == 0 || is_digit((unsigned char)s[0])))
        atom_number(v, s);
    p->sep = SEP_PLAIN;
    p->state = S_SEP;
    int resp = !(p->flags & MW_IMAP_PARSE_COMMANDS);
    if (resp && p->depth == 0 && p->n_top == 1 && status_word(p, s, v->str.len))
        p->state = S_RTEXT_SP;
}

static void end_atom(mw_imap_parser *p)
{
    end_atom_text(p, node_text(p, p->cur));
}

static mw_status start_line_end(feed_ctx *c, unsigned char ch)
{
    mw_imap_parser *p = c->p;
    if (p->depth)
        return fail(c, MW_E_SYNTAX,
                    top_type(p) == MW_IMAP_V_LIST ? "')'" : "']'");
    if (p->n_top == 0 &&
        (p->kind == MW_IMAP_UNIT_TAGGED || p->kind == MW_IMAP_UNIT_UNTAGGED ||
         p->kind == MW_IMAP_UNIT_COMMAND))
        return fail(c, MW_E_SYNTAX, "token");
    p->unit_end = here(c);
    p->state = S_CR;
    if (ch == '\n') {
        /* A bare LF ends the line too: some proxies and test tools strip
         * the CR, and nothing else can follow a line. */
        return MW_DONE;
    }
    return MW_OK;
}

static mw_status begin_literal_data(feed_ctx *c, mw_imap_event *ev,
                                    int *emitted)
{
    mw_imap_parser *p = c->p;
    mw_imap_value *v = &p->nodes[p->cur];
    p->line_len = 0;
    if (p->lit_len > p->literal_max)
        return fail_at(c, MW_E_LIMIT, v->offset, "smaller literal");
    v->num = p->lit_len;
    v->flags |= (uint8_t)p->lit_flags;
    p->lit_left = p->lit_len;
    int stream = p->lit_len > p->inline_max;
    if (stream) {
        v->flags |= MW_IMAP_VF_STREAMED;
        p->state = S_LIT_STREAM;
    } else {
        mw_status st = text_reserve(p, (size_t)p->lit_len);
        if (st != MW_OK)
            return fail_at(c, st, v->offset, "smaller literal");
        p->state = S_LIT_INLINE;
        if (p->lit_len == 0) {
            p->state = S_SEP;
            p->sep = SEP_PLAIN;
        }
    }
    memset(ev, 0, sizeof(*ev));
    ev->literal_flags = p->lit_flags;
    ev->literal_len = p->lit_len;
    ev->literal_value = p->cur;
    if (p->flags & MW_IMAP_PARSE_LITERAL_HEADERS) {
        ev->type = MW_IMAP_EV_LITERAL_HEADER;
        p->pending_begin = stream;
        *emitted = 1;
    } else if (stream) {
        ev->type = MW_IMAP_EV_LITERAL_BEGIN;
        *emitted = 1;
    }
    return MW_OK;
}

/* Start a token at byte \p ch (state S_TOKEN). Returns MW_OK with the byte
 * consumed or not via *advance. */
static mw_status token_start(feed_ctx *c, unsigned char ch, int *advance)
{
    mw_imap_parser *p = c->p;
    mw_status st;
    uint8_t top = top_type(p);
    *advance = 1;
    switch (ch) {
    case ' ':
        /* Extra spaces between tokens are skipped: servers have been seen
         * sending doubled and trailing spaces (e.g. "* SEARCH 1 2 "). */
        return MW_OK;
    case '(':
        if ((st = node_new(p, MW_IMAP_V_LIST, here(c))) != MW_OK ||
            (st = push(p)) != MW_OK)
            return fail(c, st, "fewer or shallower lists");
        return MW_OK;
    case ')':
        if (top != MW_IMAP_V_LIST)
            return fail(c, MW_E_SYNTAX, top ? "']'" : "token");
        pop(p);
        p->state = S_SEP;
        p->sep = SEP_AFTER_LIST;
        return MW_OK;
    case '"':
        if ((st = node_new(p, MW_IMAP_V_QUOTED, here(c))) != MW_OK)
            return fail(c, st, "fewer values");
        p->state = S_QUOTED;
        return MW_OK;
    case '{':
        if ((st = node_new(p, MW_IMAP_V_LITERAL, here(c))) != MW_OK)
            return fail(c, st, "fewer values");
        p->lit_flags = 0;
        p->state = S_LIT_OPEN;
        return MW_OK;
    case '~':
        p->state = S_TILDE;
        return MW_OK;
    case '\r':
    case '\n':
        st = start_line_end(c, ch);
        return st == MW_DONE ? MW_DONE : st;
    default:
        break;
    }
    if (ch == ']' && (top == MW_IMAP_V_SECTION || top == MW_IMAP_V_CODE)) {
        *advance = 0;
        p->state = S_SEP;
        return MW_OK;
    }
    if (!atom_char(ch))
        return fail(c, MW_E_SYNTAX, "token");
    if ((st = node_new(p, MW_IMAP_V_ATOM, here(c))) != MW_OK)
        return fail(c, st, "fewer values");
    p->state = S_ATOM;
    *advance = 0;
    return MW_OK;
}

static mw_status close_bracket(feed_ctx *c)
{
    mw_imap_parser *p = c->p;
    uint8_t top = top_type(p);
    pop(p);
    p->state = S_SEP;
    p->sep = SEP_AFTER_SECTION;
    if (top == MW_IMAP_V_CODE) {
        p->state = S_AFTER_CODE;
        p->sep = SEP_PLAIN;
    }
    return MW_OK;
}

static mw_status sep_state(feed_ctx *c, unsigned char ch, int *advance)
{
    mw_imap_parser *p = c->p;
    uint8_t top = top_type(p);
    *advance = 1;
    if (ch == ' ') {
        p->state = S_TOKEN;
        return MW_OK;
    }
    if (ch == ')') {
        if (top != MW_IMAP_V_LIST)
            return fail(c, MW_E_SYNTAX, top ? "']'" : "SP or CRLF");
        pop(p);
        p->sep = SEP_AFTER_LIST;
        return MW_OK;
    }
    if (ch == ']' && (top == MW_IMAP_V_SECTION || top == MW_IMAP_V_CODE))
        return close_bracket(c);
    if (ch == '(' && p->sep == SEP_AFTER_LIST) {
        /* body-type-mpart and THREAD put lists side by side. */
        p->state = S_TOKEN;
        *advance = 0;
        return MW_OK;
    }
    if (ch == '<' && p->sep == SEP_AFTER_SECTION) {
        p->nodes[p->cur].flags |= MW_IMAP_VF_PARTIAL;
        p->part_digits = 0;
        p->state = S_PART_ORIGIN;
        return MW_OK;
    }
    if (ch == '\r' || ch == '\n')
        return start_line_end(c, ch);
    return fail(c, MW_E_SYNTAX, "SP");
}

static mw_status atom_run(feed_ctx *c)
{
    mw_imap_parser *p = c->p;
    uint8_t top = top_type(p);
    int bracket = top == MW_IMAP_V_SECTION || top == MW_IMAP_V_CODE;
    unsigned char run = bracket ? CC_ATOM_BRK : CC_ATOM_RUN;
    size_t j = c->i;
    while (j < c->len && (cclass[c->in[j]] & run))
        j++;
    size_t n = j - c->i;
    if (n) {
        mw_status st = text_append(p, c->in + c->i, n);
        if (st != MW_OK)
            return fail(c, st, "shorter unit");
        grow_cur(p, n);
        p->line_len += n;
        c->i = j;
    }
    if (j == c->len)
        return MW_OK;
    if (c->in[j] == '[') {
        mw_imap_value *v = &p->nodes[p->cur];
        const char *s = node_text(p, p->cur);
        if (mwi_imap_is_section_name(s, v->str.len)) {
            v->type = MW_IMAP_V_SECTION;
            mw_status st = push(p);
            if (st != MW_OK)
                return fail(c, st, "shallower lists");
            c->i++;
            p->line_len++;
            p->state = S_TOKEN;
            return MW_OK;
        }
        /* '[' is an ordinary ATOM-CHAR elsewhere ("[Gmail]/Sent"). */
        mw_status st = text_append(p, "[", 1);
        if (st != MW_OK)
            return fail(c, st, "shorter unit");
        grow_cur(p, 1);
        c->i++;
        p->line_len++;
        return MW_OK;
    }
    end_atom(p);
    return MW_OK;
}

static mw_status quoted_run(feed_ctx *c)
{
    mw_imap_parser *p = c->p;
    /* 8-bit bytes are tolerated in quoted strings in every mode: servers
     * without UTF8=ACCEPT send raw 8-bit subjects and names, and the
     * serializer re-sends such content as a literal. */
    size_t j = c->i;
    while (j < c->len && (cclass[c->in[j]] & CC_QUOTED))
        j++;
    size_t n = j - c->i;
    if (n) {
        mw_status st = text_append(p, c->in + c->i, n);
        if (st != MW_OK)
            return fail(c, st, "shorter unit");
        grow_cur(p, n);
        p->line_len += n;
        c->i = j;
    }
    if (j == c->len)
        return MW_OK;
    unsigned char ch = c->in[j];
    if (ch == '"') {
        p->state = S_SEP;
        p->sep = SEP_PLAIN;
    } else if (ch == '\\') {
        p->state = S_QUOTED_ESC;
    } else {
        return fail(c, MW_E_SYNTAX, "'\"'");
    }
    c->i++;
    p->line_len++;
    return MW_OK;
}

static mw_status quoted_escape(feed_ctx *c, unsigned char ch)
{
    mw_imap_parser *p = c->p;
    if (ch == '\r' || ch == '\n' || ch == 0)
        return fail(c, MW_E_SYNTAX, "'\"' or '\\\\'");
    mw_status st;
    if (ch != '"' && ch != '\\') {
        /* A backslash before another character is kept with it: servers
         * have been seen escaping other characters in mailbox names, and
         * keeping both bytes loses nothing. */
        if ((st = text_append(p, "\\", 1)) != MW_OK)
            return fail(c, st, "shorter unit");
        grow_cur(p, 1);
    }
    if ((st = text_append(p, &ch, 1)) != MW_OK)
        return fail(c, st, "shorter unit");
    grow_cur(p, 1);
    p->state = S_QUOTED;
    return MW_OK;
}

static mw_status literal_header(feed_ctx *c, unsigned char ch, int *advance,
                                mw_imap_event *ev, int *emitted)
{
    mw_imap_parser *p = c->p;
    int commands = (p->flags & MW_IMAP_PARSE_COMMANDS) != 0;
    *advance = 1;
    switch (p->state) {
    case S_TILDE:
        if (ch == '{') {
            mw_status st = node_new(p, MW_IMAP_V_LITERAL, here(c) - 1);
            if (st != MW_OK)
                return fail(c, st, "fewer values");
            p->lit_flags = MW_IMAP_VF_LIT8;
            p->state = S_LIT_OPEN;
            return MW_OK;
        }
        {
            /* '~' not followed by '{' is the start of an atom. */
            mw_status st = node_new(p, MW_IMAP_V_ATOM, here(c) - 1);
            if (st == MW_OK)
                st = text_append(p, "~", 1);
            if (st != MW_OK)
                return fail(c, st, "fewer values");
            grow_cur(p, 1);
            p->state = S_ATOM;
            *advance = 0;
            return MW_OK;
        }
    case S_LIT_OPEN:
        p->lit_len = 0;
        p->lit_digits = 0;
        p->state = S_LIT_LEN;
        *advance = 0;
        return MW_OK;
    case S_LIT_LEN:
        if (is_digit(ch)) {
            uint64_t d = (uint64_t)(ch - '0');
            if (p->lit_len > (UINT64_MAX - d) / 10 || p->lit_digits >= 20)
                return fail_at(c, MW_E_LIMIT, p->nodes[p->cur].offset,
                               "smaller literal");
            p->lit_len = p->lit_len * 10 + d;
            p->lit_digits++;
            return MW_OK;
        }
        if (!p->lit_digits)
            return fail(c, MW_E_SYNTAX, "digit");
        if (commands && (ch == '+' || ch == '-') &&
            !(p->lit_flags & MW_IMAP_VF_LIT8)) {
            p->lit_flags |=
                ch == '+' ? MW_IMAP_VF_LIT_PLUS : MW_IMAP_VF_LIT_MINUS;
            p->state = S_LIT_CLOSE;
            return MW_OK;
        }
        if (ch != '}')
            return fail(c, MW_E_SYNTAX, "'}'");
        p->state = S_LIT_CR;
        return MW_OK;
    case S_LIT_CLOSE:
        if (ch != '}')
            return fail(c, MW_E_SYNTAX, "'}'");
        p->state = S_LIT_CR;
        return MW_OK;
    case S_LIT_CR:
        if (ch == '\r') {
            p->state = S_LIT_LF;
            return MW_OK;
        }
        if (ch != '\n')
            return fail(c, MW_E_SYNTAX, "CRLF");
        /* A bare LF after a literal header is taken as CRLF, as for
         * line ends. */
        c->i++;
        *advance = 0;
        return begin_literal_data(c, ev, emitted);
    case S_LIT_LF:
        if (ch != '\n')
            return fail(c, MW_E_SYNTAX, "LF");
        c->i++;
        *advance = 0;
        return begin_literal_data(c, ev, emitted);
    default:
        return fail(c, MW_E_INTERNAL, "");
    }
}

static mw_status partial_state(feed_ctx *c, unsigned char ch)
{
    mw_imap_parser *p = c->p;
    mw_imap_value *v = &p->nodes[p->cur];
    uint64_t *target = p->state == S_PART_ORIGIN ? &v->num : &v->num2;
    if (is_digit(ch)) {
        uint64_t d = (uint64_t)(ch - '0');
        if (*target > (UINT64_MAX - d) / 10)
            return fail(c, MW_E_SYNTAX, "'>'");
        *target = *target * 10 + d;
        p->part_digits++;
        return MW_OK;
    }
    if (!p->part_digits)
        return fail(c, MW_E_SYNTAX, "digit");
    if (ch == '.' && p->state == S_PART_ORIGIN) {
        v->flags |= MW_IMAP_VF_PARTIAL_LEN;
        p->part_digits = 0;
        p->state = S_PART_LEN;
        return MW_OK;
    }
    if (ch != '>')
        return fail(c, MW_E_SYNTAX, "'>'");
    p->state = S_SEP;
    p->sep = SEP_PLAIN;
    return MW_OK;
}

static mw_status rtext_state(feed_ctx *c, unsigned char ch, int *advance)
{
    mw_imap_parser *p = c->p;
    mw_status st;
    *advance = 1;
    switch (p->state) {
    case S_RTEXT_SP:
        if (ch == ' ') {
            p->state = S_RTEXT_START;
            return MW_OK;
        }
        if (ch == '\r' || ch == '\n') {
            /* A status or "+" without text: RFC 3501 requires text, but
             * servers send "+\r\n" and "a OK\r\n"; nothing is lost. */
            return start_line_end(c, ch);
        }
        return fail(c, MW_E_SYNTAX, "SP");
    case S_RTEXT_START:
        if (ch == '[') {
            if ((st = node_new(p, MW_IMAP_V_CODE, here(c))) != MW_OK ||
                (st = push(p)) != MW_OK)
                return fail(c, st, "fewer values");
            p->state = S_CODE_NAME;
            return MW_OK;
        }
        p->state = S_TEXT;
        *advance = 0;
        return MW_OK;
    case S_CODE_NAME:
        if (cclass[ch] & CC_ATOM_BRK) {
            if ((st = text_append(p, &ch, 1)) != MW_OK)
                return fail(c, st, "shorter unit");
            grow_cur(p, 1);
            return MW_OK;
        }
        if (p->nodes[p->cur].str.len == 0)
            return fail(c, MW_E_SYNTAX, "response code");
        if (ch == ' ') {
            p->state = S_TOKEN;
            return MW_OK;
        }
        if (ch == ']')
            return close_bracket(c);
        return fail(c, MW_E_SYNTAX, "']'");
    case S_AFTER_CODE:
        if (ch == ' ') {
            p->state = S_TEXT;
            return MW_OK;
        }
        if (ch == '\r' || ch == '\n') {
            /* "[READ-WRITE]" with no text after it: tolerated as above. */
            return start_line_end(c, ch);
        }
        return fail(c, MW_E_SYNTAX, "SP");
    default:
        return fail(c, MW_E_INTERNAL, "");
    }
}

static mw_status text_run(feed_ctx *c)
{
    mw_imap_parser *p = c->p;
    size_t j = c->i;
    while (j < c->len && (cclass[c->in[j]] & CC_TEXT))
        j++;
    size_t n = j - c->i;
    if (n) {
        mw_imap_value *last = p->n_nodes ? &p->nodes[p->cur] : NULL;
        if (!last || last->type != MW_IMAP_V_TEXT || p->cur != p->n_nodes - 1) {
            mw_status st = node_new(p, MW_IMAP_V_TEXT, here(c));
            if (st != MW_OK)
                return fail(c, st, "fewer values");
        }
        mw_status st = text_append(p, c->in + c->i, n);
        if (st != MW_OK)
            return fail(c, st, "shorter unit");
        grow_cur(p, n);
        p->line_len += n;
        c->i = j;
    }
    if (j == c->len)
        return MW_OK;
    if (c->in[j] == 0)
        return fail(c, MW_E_SYNTAX, "TEXT-CHAR");
    mw_status st = start_line_end(c, c->in[j]);
    if (st != MW_OK)
        return st;
    c->i++;
    return MW_OK;
}

/* First word of a unit: a tag, or in the command stream also a SASL line
 * or DONE. */
static mw_status tag_state(feed_ctx *c, unsigned char ch, int *advance)
{
    mw_imap_parser *p = c->p;
    mw_status st;
    *advance = 1;
    if (p->state == S_UNIT_START) {
        p->unit_offset = here(c);
        int commands = (p->flags & MW_IMAP_PARSE_COMMANDS) != 0;
        if (!commands && ch == '*') {
            p->kind = MW_IMAP_UNIT_UNTAGGED;
            p->state = S_AFTER_STAR;
            return MW_OK;
        }
        if (!commands && ch == '+') {
            p->kind = MW_IMAP_UNIT_CONTINUATION;
            p->state = S_RTEXT_SP;
            return MW_OK;
        }
        p->kind = commands ? MW_IMAP_UNIT_COMMAND : MW_IMAP_UNIT_TAGGED;
        p->state = S_TAG;
        *advance = 0;
        return MW_OK;
    }
    if (ch == ' ') {
        /* After IDLE or AUTHENTICATE a line with a space is taken as the
         * next command: one direction alone cannot tell whether the server
         * already ended the exchange (a tagged NO/BAD ends it early). */
        for (size_t k = 0; k < p->tag_len; k++)
            if (!is_tag_char((unsigned char)p->text[k])) {
                p->dead = MW_E_SYNTAX;
                p->err.offset = p->unit_offset + k;
                p->err.expected = "tag";
                return MW_E_SYNTAX;
            }
        if (p->tag_len == 0)
            return fail(c, MW_E_SYNTAX, "tag");
        p->state = S_TOKEN;
        return MW_OK;
    }
    if (ch == '\r' || ch == '\n') {
        if (p->mode == MODE_SASL && p->kind == MW_IMAP_UNIT_COMMAND) {
            p->kind = MW_IMAP_UNIT_SASL;
            if ((st = node_new(p, MW_IMAP_V_TEXT, p->unit_offset)) != MW_OK)
                return fail(c, st, "shorter line");
            p->nodes[p->cur].str.ptr = p->text;
            p->nodes[p->cur].str.len = p->tag_len;
            p->tag_len = 0;
            return start_line_end(c, ch);
        }
        if (p->mode == MODE_IDLE && p->kind == MW_IMAP_UNIT_COMMAND &&
            mwi_imap_span_is(p->text, p->tag_len, "DONE")) {
            p->kind = MW_IMAP_UNIT_DONE;
            p->tag_len = 0;
            return start_line_end(c, ch);
        }
        return fail(c, MW_E_SYNTAX, p->tag_len ? "SP" : "tag");
    }
    if (ch < 0x20 || ch == 0x7f)
        return fail(c, MW_E_SYNTAX, p->tag_len ? "SP" : "tag");
    if ((st = text_append(p, &ch, 1)) != MW_OK)
        return fail(c, st, "shorter tag");
    p->tag_len++;
    return MW_OK;
}

static mw_status step(feed_ctx *c, mw_imap_event *ev, int *emitted)
{
    mw_imap_parser *p = c->p;
    unsigned char ch = c->in[c->i];
    int advance = 1;
    mw_status st = MW_OK;
    switch (p->state) {
    case S_UNIT_START:
    case S_TAG:
        st = tag_state(c, ch, &advance);
        break;
    case S_AFTER_STAR:
        if (ch != ' ')
            return fail(c, MW_E_SYNTAX, "SP");
        p->state = S_TOKEN;
        break;
    case S_TOKEN:
        st = token_start(c, ch, &advance);
        break;
    case S_SEP:
        st = sep_state(c, ch, &advance);
        break;
    case S_ATOM:
        return atom_run(c);
    case S_QUOTED:
        return quoted_run(c);
    case S_QUOTED_ESC:
        st = quoted_escape(c, ch);
        break;
    case S_TILDE:
    case S_LIT_OPEN:
    case S_LIT_LEN:
    case S_LIT_CLOSE:
    case S_LIT_CR:
    case S_LIT_LF:
        st = literal_header(c, ch, &advance, ev, emitted);
        break;
    case S_PART_ORIGIN:
    case S_PART_LEN:
        st = partial_state(c, ch);
        break;
    case S_RTEXT_SP:
    case S_RTEXT_START:
    case S_CODE_NAME:
    case S_AFTER_CODE:
        st = rtext_state(c, ch, &advance);
        break;
    case S_TEXT:
        st = text_run(c);
        if (st != MW_DONE)
            return st;
        advance = 0;
        break;
    case S_CR:
        if (ch != '\n')
            return fail(c, MW_E_SYNTAX, "LF");
        c->i++;
        st = finish_unit(p, ev);
        if (st == MW_OK)
            *emitted = 1;
        return st;
    default:
        return fail(c, MW_E_INTERNAL, "");
    }
    if (st == MW_DONE) {
        /* A bare LF completed the unit. */
        c->i++;
        p->line_len = 0;
        st = finish_unit(p, ev);
        if (st == MW_OK)
            *emitted = 1;
        return st;
    }
    if (st != MW_OK)
        return st;
    if (advance) {
        c->i++;
        p->line_len++;
    }
    return MW_OK;
}

/* First index in [j, end) whose byte is not in class \p mask, or end.
 * Unrolled by four: the loop test otherwise costs as much as the scan. */
HOT size_t scan_class(const unsigned char *in, size_t j, size_t end,
                      unsigned char mask)
{
    while (end - j >= 4) {
        if (!(cclass[in[j]] & mask))
            return j;
        if (!(cclass[in[j + 1]] & mask))
            return j + 1;
        if (!(cclass[in[j + 2]] & mask))
            return j + 2;
        if (!(cclass[in[j + 3]] & mask))
            return j + 3;
        j += 4;
    }
    while (j < end && (cclass[in[j]] & mask))
        j++;
    return j;
}

/* scan_class(in, j, end, CC_QUOTED): the first '"', '\\', CR, LF or NUL
 * in [j, end), or end. With SSE2 sixteen bytes per step, reading whole
 * blocks only inside the input (\p len bytes): a plain quoted string is
 * one block in most responses. */
HOT size_t scan_quoted(const unsigned char *in, size_t j, size_t end,
                       size_t len)
{
#if IMAP_SIMD
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i cr = _mm_set1_epi8('\r');
    for (; j < end && len - j >= 16; j += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + j));
        /* Every byte up to CR at once: NUL, LF and CR, but also the other
         * controls, which quoted strings may hold (rare; the table goes
         * on from there). */
        __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, cr), v);
        __m128i hit =
            _mm_or_si128(low, _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                           _mm_cmpeq_epi8(v, bslash)));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m) {
            size_t k = j + (unsigned)__builtin_ctz(m);
            if (k >= end)
                return end;
            return cclass[in[k]] & CC_QUOTED ? scan_class(in, k, end, CC_QUOTED)
                                             : k;
        }
    }
    if (j >= end)
        return end;
#else
    (void)len;
#endif
    return scan_class(in, j, end, CC_QUOTED);
}

/* The parser fields fast_tokens() works on, held in locals while it runs:
 * stores into the node array could alias the fields of *p otherwise, and
 * the compiler would reload them after every node. */
typedef struct fast_regs {
    mw_imap_value *nodes;
    mw_imap_value *next; /* nodes + n */
    uint32_t n;          /* p->n_nodes */
    uint32_t n_limit;    /* nodes may be added while n < n_limit */
    char *tp;            /* p->text + p->text_len */
    char *text_end;      /* p->text + p->text_cap */
    uint32_t depth;      /* p->depth */
    uint32_t cur;        /* p->cur */
    uint32_t *top_count; /* p->top_count */
    uint8_t top_type;    /* p->top_type */
} fast_regs;

HOT void fast_load(const mw_imap_parser *p, fast_regs *r)
{
    r->nodes = p->nodes;
    /* Before the first node there is no array (and n_limit is 0). */
    r->next = p->nodes ? p->nodes + p->n_nodes : NULL;
    r->n = p->n_nodes;
    /* No container has more children than the unit has nodes, so below
     * list_max nodes the per-list bound cannot be reached. */
    r->n_limit = p->cap_nodes < p->list_max ? p->cap_nodes : p->list_max;
    r->tp = p->text + p->text_len;
    r->text_end = p->text + p->text_cap;
    r->depth = p->depth;
    r->cur = p->cur;
    r->top_count = p->top_count;
    r->top_type = p->top_type;
}

HOT void fast_save(mw_imap_parser *p, const fast_regs *r)
{
    p->n_nodes = r->n;
    p->text_len = (size_t)(r->tp - p->text);
    p->depth = r->depth;
    if (r->depth)
        p->top = p->stack[r->depth - 1];
    p->cur = r->cur;
    p->top_count = r->top_count;
    p->top_type = r->top_type;
}

/* Whether a node with \p text_n bytes of text fits the node array and the
 * text arena as they are. */
HOT int fast_fits(const fast_regs *r, size_t text_n)
{
    return r->n < r->n_limit && text_n <= (size_t)(r->text_end - r->tp);
}

/* Append a node whose \p text_n bytes of text come next, as node_new()
 * and text_append() would (fast_fits() said yes). */
HOT void fast_node(fast_regs *r, uint8_t type, uint64_t offset, size_t text_n,
                   uint8_t flags, uint64_t num)
{
    mw_imap_value *v = r->next++;
    v->str.ptr = r->tp;
    v->str.len = text_n;
    v->num = num;
    v->num2 = 0;
    v->offset = offset;
    v->subtree = 1;
    v->count = 0;
    v->type = type;
    v->flags = flags;
    (*r->top_count)++;
    r->cur = r->n++;
}

/* The token text into the arena, short tokens as one 16-byte block when
 * the input has the room (\p src_room bytes at \p src); the arena has
 * TEXT_SLACK. */
HOT void fast_text(fast_regs *r, const unsigned char *src, size_t n,
                   size_t src_room)
{
    if (n <= 16 && src_room >= 16)
        memcpy(r->tp, src, 16);
    else
        memcpy(r->tp, src, n);
    r->tp += n;
}

/* Open the node just made (of \p type) as the innermost container. */
HOT void fast_push(fast_regs *r, uint32_t *stack, uint8_t type)
{
    stack[r->depth++] = r->cur;
    r->top_type = type;
    r->top_count = &r->next[-1].count;
}

HOT void fast_pop(fast_regs *r, mw_imap_parser *p)
{
    uint32_t i = p->stack[--r->depth];
    r->nodes[i].subtree = r->n - i;
    r->cur = i;
    if (r->depth) {
        uint32_t top = p->stack[r->depth - 1];
        r->top_type = r->nodes[top].type;
        r->top_count = &r->nodes[top].count;
    } else {
        r->top_type = 0;
        r->top_count = &p->n_top;
    }
}

/* The NIL and number flags of an atom, as end_atom_text() sets them. */
HOT uint8_t atom_flags(const unsigned char *s, size_t n, uint64_t *num)
{
    if (n == 3 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'i' &&
        (s[2] | 0x20) == 'l')
        return MW_IMAP_VF_NIL;
    if (n > 20 || !is_digit(s[0]))
        return 0;
    mw_imap_value v;
    v.str.len = n;
    v.flags = 0;
    v.num = 0;
    atom_number(&v, (const char *)s);
    *num = v.num;
    return v.flags;
}

/* A literal header "{n}" CRLF at in[i] in a response that step() would
 * take without an event, a limit or a growth of the arena (an inline
 * literal that fits the text as it is): sets lit_* as literal_header()
 * and begin_literal_data() would and returns the index after the CRLF;
 * otherwise 0. The node still has to be made (its length in num).
 * Nineteen digits cannot overflow. */
static size_t fast_literal(mw_imap_parser *p, const fast_regs *r,
                           const unsigned char *in, size_t i, size_t end)
{
    uint64_t n = 0;
    size_t k = i + 1;
    while (k < end && k - i <= 19 && is_digit(in[k]))
        n = n * 10 + (uint64_t)(in[k++] - '0');
    /* A twentieth digit is not '}' and goes to step() too. */
    if (k == i + 1 || end - k < 3 || in[k] != '}' || in[k + 1] != '\r' ||
        in[k + 2] != '\n')
        return 0;
    if ((p->flags & MW_IMAP_PARSE_LITERAL_HEADERS) || n > p->literal_max ||
        n > p->inline_max || !fast_fits(r, 0) ||
        n > (size_t)(r->text_end - r->tp))
        return 0;
    size_t text_len = (size_t)(r->tp - p->text);
    size_t arena =
        text_len + (size_t)n + ((size_t)r->n + 1) * sizeof(mw_imap_value);
    if (n > p->unit_max || arena > p->unit_max)
        return 0;
    p->lit_len = n;
    p->lit_left = n;
    p->lit_flags = 0;
    p->lit_digits = (int)(k - i - 1);
    return k + 3;
}

/* Where fast_tokens() may run: the end of the input, of the line
 * (line_max) and of the bytes whose tokens cannot reach unit_max. Every
 * input byte adds at most one node and one byte of text to the arena, so
 * within budget / (node size + 1) bytes no token needs the check. */
static size_t fast_end(const mw_imap_parser *p, size_t i, size_t len)
{
    size_t end = len - i > p->line_max - p->line_len
                     ? i + (p->line_max - p->line_len)
                     : len;
    size_t used = arena_bytes(p, 0, 0);
    size_t budget = used < p->unit_max ? p->unit_max - used : 0;
    size_t bytes = budget / (sizeof(mw_imap_value) + 1);
    return end - i > bytes ? i + bytes : end;
}

/* The common token sequences (spaces, parentheses, atoms, quoted strings
 * without escapes) without the per-byte dispatch of step(), with exactly
 * the effect step() would have. Stops, leaving the rest to step(), at
 * anything else, at fast_end() and where a node or its text does not fit
 * the arena as it is, so that every error is still found and reported by
 * step() at the same offset (and every growth happens there too). The
 * two states are two loops: after a token (S_SEP) and before one
 * (S_TOKEN). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void
fast_tokens(feed_ctx *c)
{
    mw_imap_parser *p = c->p;
    if (!p->text)
        return; /* the first text of a parser creates the arena */
    const unsigned char *in = c->in;
    const size_t len = c->len;
    const uint64_t base = c->base;
    const size_t start = c->i;
    const size_t end = fast_end(p, start, len);
    const int resp = !(p->flags & MW_IMAP_PARSE_COMMANDS);
    size_t i = start;
    int sep = p->sep;
    int state = S_TOKEN;
    fast_regs r;
    fast_load(p, &r);
    if (p->state == S_SEP)
        goto separator;
token:
    while (i < end) {
        unsigned char ch = in[i];
        if (ch == '"') {
            size_t j = scan_quoted(in, i + 1, end, len);
            size_t n = j - i - 1;
            if (j == end || in[j] != '"' || !fast_fits(&r, n))
                goto out; /* escapes, line ends, the end of the input */
            fast_node(&r, MW_IMAP_V_QUOTED, base + i, n, 0, 0);
            fast_text(&r, in + i + 1, n, len - i - 1);
            sep = SEP_PLAIN;
            i = j + 1;
            goto separator;
        }
        if ((cclass[ch] & CC_ATOM_BRK) && ch != '~') {
            /* An atom in either context: only ']' is an atom character
             * outside brackets and not inside; it, and '~', which may
             * start a literal8, are left to step(). Two scans with
             * constant classes: a class in a register costs an
             * instruction per byte. */
            int bracket =
                r.top_type == MW_IMAP_V_SECTION || r.top_type == MW_IMAP_V_CODE;
            size_t j = bracket ? scan_class(in, i + 1, end, CC_ATOM_BRK)
                               : scan_class(in, i + 1, end, CC_ATOM_RUN);
            size_t n = j - i;
            if (j == end || !fast_fits(&r, n))
                goto out; /* the end of the input */
            if (in[j] == '[') {
                /* "BODY[": the atom becomes a section, as in atom_run(). */
                if (r.depth >= p->depth_max ||
                    !mwi_imap_is_section_name((const char *)in + i, n))
                    goto out;
                fast_node(&r, MW_IMAP_V_SECTION, base + i, n, 0, 0);
                fast_text(&r, in + i, n, len - i);
                fast_push(&r, p->stack, MW_IMAP_V_SECTION);
                i = j + 1;
                continue;
            }
            uint64_t num = 0;
            uint8_t flags = atom_flags(in + i, n, &num);
            fast_node(&r, MW_IMAP_V_ATOM, base + i, n, flags, num);
            fast_text(&r, in + i, n, len - i);
            sep = SEP_PLAIN;
            if (r.depth == 0 && resp && *r.top_count == 1 &&
                status_word(p, (const char *)in + i, n)) {
                i = j;
                state = S_RTEXT_SP;
                goto out;
            }
            i = j;
            goto separator;
        }
        if (ch == '(') {
            if (r.n >= r.n_limit || r.depth >= p->depth_max)
                goto out;
            fast_node(&r, MW_IMAP_V_LIST, base + i, 0, 0, 0);
            fast_push(&r, p->stack, MW_IMAP_V_LIST);
            i++;
            continue;
        }
        if (ch == ' ') {
            i++;
            continue;
        }
        if (ch == ')' && r.top_type == MW_IMAP_V_LIST) {
            fast_pop(&r, p);
            sep = SEP_AFTER_LIST;
            i++;
            goto separator;
        }
        if (ch == '{' && resp) {
            size_t k = fast_literal(p, &r, in, i, end);
            if (!k)
                goto out;
            fast_node(&r, MW_IMAP_V_LITERAL, base + i, 0, 0, p->lit_len);
            fast_save(p, &r);
            p->state = p->lit_len ? S_LIT_INLINE : S_SEP;
            p->sep = SEP_PLAIN;
            p->line_len = 0; /* a new line segment after the header */
            c->i = k;
            return;
        }
        if (ch == ']' && r.top_type == MW_IMAP_V_SECTION)
            goto separator;
        goto out;
    }
    goto out;
separator:
    state = S_SEP;
    while (i < end) {
        unsigned char ch = in[i];
        if (ch == ' ') {
            i++;
            state = S_TOKEN;
            goto token;
        }
        if (ch == ')' && r.top_type == MW_IMAP_V_LIST) {
            fast_pop(&r, p);
            sep = SEP_AFTER_LIST;
            i++;
            continue;
        }
        if (ch == '(' && sep == SEP_AFTER_LIST) {
            state = S_TOKEN;
            goto token;
        }
        if (ch == ']' && r.top_type == MW_IMAP_V_SECTION) {
            fast_pop(&r, p);
            sep = SEP_AFTER_SECTION;
            i++;
            continue;
        }
        break;
    }
out:
    fast_save(p, &r);
    p->state = state;
    p->sep = sep;
    c->i = i;
    p->line_len += i - start;
}

/* CHAR8 excludes NUL: only a literal8 may carry one (RFC 3516). */
static mw_status check_nul(feed_ctx *c, const unsigned char *d, size_t n)
{
    if (c->p->lit_flags & MW_IMAP_VF_LIT8)
        return MW_OK;
    const unsigned char *z = memchr(d, 0, n);
    if (!z)
        return MW_OK;
    c->i = (size_t)(z - c->in);
    return fail(c, MW_E_SYNTAX, "CHAR8 (NUL needs literal8)");
}

static mw_status inline_literal(feed_ctx *c)
{
    mw_imap_parser *p = c->p;
    size_t avail = c->len - c->i;
    size_t n = p->lit_left < avail ? (size_t)p->lit_left : avail;
    mw_status st = check_nul(c, c->in + c->i, n);
    if (st != MW_OK)
        return st;
    memcpy(p->text + p->text_len, c->in + c->i, n);
    p->text_len += n;
    grow_cur(p, n);
    p->lit_left -= n;
    c->i += n;
    if (p->lit_left == 0) {
        p->state = S_SEP;
        p->sep = SEP_PLAIN;
    }
    return MW_OK;
}

/* Pending events that need no input: the BEGIN after a HEADER, the END of
 * a streamed literal. Returns MW_NEED_MORE when there is none. */
static mw_status pending_event(mw_imap_parser *p, mw_imap_event *ev)
{
    if (p->pending_begin) {
        p->pending_begin = 0;
        memset(ev, 0, sizeof(*ev));
        ev->type = MW_IMAP_EV_LITERAL_BEGIN;
        ev->literal_len = p->lit_len;
        ev->literal_flags = p->lit_flags;
        ev->literal_value = p->cur;
        return MW_OK;
    }
    if (p->state == S_LIT_STREAM && p->lit_left == 0) {
        memset(ev, 0, sizeof(*ev));
        ev->type = MW_IMAP_EV_LITERAL_END;
        ev->literal_len = p->lit_len;
        ev->literal_flags = p->lit_flags;
        ev->literal_value = p->cur;
        p->state = S_SEP;
        p->sep = SEP_PLAIN;
        return MW_OK;
    }
    return MW_NEED_MORE;
}

mw_status mw_imap_parser_feed(mw_imap_parser *p, const void *data, size_t len,
                              size_t *consumed, mw_imap_event *ev)
{
    if (consumed)
        *consumed = 0;
    if (!p || !consumed || !ev || (!data && len))
        return MW_E_ARG;
    if (p->dead)
        return p->dead;
    if (p->reset_pending)
        reset_unit(p);
    if (pending_event(p, ev) == MW_OK)
        return MW_OK;
    feed_ctx c = {p, data, len, 0, p->pos};
    if (p->state == S_LIT_STREAM) {
        if (len == 0)
            return MW_NEED_MORE;
        size_t n = p->lit_left < len ? (size_t)p->lit_left : len;
        mw_status st = check_nul(&c, data, n);
        if (st != MW_OK) {
            p->pos += c.i;
            *consumed = c.i;
            return st;
        }
        memset(ev, 0, sizeof(*ev));
        ev->type = MW_IMAP_EV_LITERAL_DATA;
        ev->data.ptr = data;
        ev->data.len = n;
        ev->literal_len = p->lit_len;
        ev->literal_flags = p->lit_flags;
        ev->literal_value = p->cur;
        p->lit_left -= n;
        p->pos += n;
        *consumed = n;
        return MW_OK;
    }
    mw_status st = MW_OK;
    int emitted = 0;
    while (c.i < c.len && !emitted) {
        if (p->state == S_LIT_INLINE) {
            st = inline_literal(&c);
            if (st != MW_OK)
                break;
            continue;
        }
        if (p->state == S_LIT_STREAM)
            break;
        if (p->state == S_TOKEN || p->state == S_SEP) {
            fast_tokens(&c);
            if (c.i == c.len)
                break;
            if (p->state == S_LIT_INLINE)
                continue; /* fast_tokens() read a literal header */
        }
        st = step(&c, ev, &emitted);
        if (st != MW_OK)
            break;
        if (p->line_len > p->line_max) {
            st = fail(&c, MW_E_LIMIT, "shorter line");
            break;
        }
    }
    p->pos += c.i;
    *consumed = c.i;
    if (st != MW_OK)
        return st;
    if (emitted)
        return MW_OK;
    if (p->state == S_LIT_STREAM && c.i < c.len)
        return MW_OK; /* unreachable: BEGIN is always emitted */
    return MW_NEED_MORE;
}
