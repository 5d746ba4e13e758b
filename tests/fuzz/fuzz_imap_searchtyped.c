/* Typed search programs and FETCH attribute lists, both directions:
 *
 * 1. The input is parsed as "a SEARCH <input>" and "a FETCH 1 <input>";
 *    whatever the command validator accepts must decode (or hit a typed
 *    limit), write back, re-parse and decode to an equal value, and
 *    writing that again gives the same bytes.
 *    Parsed without validation, the decoders accept exactly what the
 *    validator accepts (and name the same expected item when not).
 * 2. The input drives a generator of typed search programs and attribute
 *    lists within the grammar; whatever the writers accept must parse,
 *    validate and decode back to an equal value. */
#include <stdlib.h>
#include <string.h>

#include "imap/imap_search_int.h"
#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/imap.h"
#include "mailwire/imap_search.h"

#define GEN_KEYS_MAX 48
#define GEN_ATTS_MAX 8
#define GEN_DEPTH_MAX 6

typedef struct one {
    mw_imap_parser *p;
    mw_imap_event ev;
    mwi_imap_arena arena;
} one;

/* Parse the first unit of \p in; 1 when a command came out (validated
 * unless \p flags has MW_IMAP_PARSE_NO_VALIDATE). */
static int parse_first_with(one *o, const char *in, size_t len, uint32_t flags)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS | flags;
    mwi_imap_arena_init(&o->arena, NULL);
    if (mw_imap_parser_new(&cfg, NULL, &o->p) != MW_OK) {
        o->p = NULL;
        return 0;
    }
    size_t off = 0;
    while (off < len) {
        size_t used = 0;
        mw_status st =
            mw_imap_parser_feed(o->p, in + off, len - off, &used, &o->ev);
        off += used;
        if (st != MW_OK)
            return 0;
        if (o->ev.type == MW_IMAP_EV_UNIT)
            return o->ev.unit.kind == MW_IMAP_UNIT_COMMAND;
    }
    return 0;
}

static int parse_first(one *o, const char *in, size_t len)
{
    return parse_first_with(o, in, len, 0);
}

static void one_free(one *o)
{
    mwi_imap_arena_free(&o->arena);
    mw_imap_parser_free(o->p);
}

static int frame(mw_buf *b, const char *head, const char *body, size_t len)
{
    mw_buf_clear(b);
    return mw_buf_append_str(b, head) == MW_OK &&
           mw_buf_append(b, body, len) == MW_OK &&
           mw_buf_append_str(b, "\r\n") == MW_OK;
}

/* Keys of a validated SEARCH: after RETURN (...) and CHARSET x. */
static int search_of(one *o, mw_imap_search *s)
{
    const mw_imap_command *c = &o->ev.command;
    if (c->type != MW_IMAP_CMD_SEARCH)
        return 0;
    const mw_imap_value *v = c->args;
    uint32_t left = c->n_args;
    if (left && mw_imap_value_is_atom(v, "RETURN")) {
        v = mw_imap_value_next(mw_imap_value_next(v));
        left -= 2;
    }
    if (left && mw_imap_value_is_atom(v, "CHARSET")) {
        v = mw_imap_value_next(mw_imap_value_next(v));
        left -= 2;
    }
    mw_status st = mwi_imap_search_decode(v, left, 0, &o->arena, s, NULL);
    FUZZ_CHECK(st == MW_OK || st == MW_E_LIMIT);
    return st == MW_OK;
}

static int fetch_of(one *o, mw_imap_fetch_atts *f)
{
    const mw_imap_command *c = &o->ev.command;
    if (c->type != MW_IMAP_CMD_FETCH)
        return 0;
    mw_status st = mwi_imap_fetch_atts_decode(mw_imap_value_next(c->args),
                                              &o->arena, f, NULL);
    FUZZ_CHECK(st == MW_OK || st == MW_E_LIMIT);
    return st == MW_OK;
}

/* Write \p s, parse it back, decode, compare, write again. */
static void search_back(const mw_imap_search *s, uint32_t flags, int must)
{
    mw_buf w, line, w2;
    mw_buf_init_growable(&w, NULL, 0);
    mw_buf_init_growable(&line, NULL, 0);
    mw_buf_init_growable(&w2, NULL, 0);
    mw_status st = mw_imap_search_write(s, flags, &w);
    FUZZ_CHECK(!must || st == MW_OK);
    FUZZ_CHECK(st == MW_OK || st == MW_E_ARG || st == MW_E_LIMIT);
    if (st == MW_OK) {
        FUZZ_CHECK(frame(&line, "a SEARCH ", w.data, w.len));
        one o;
        FUZZ_CHECK(parse_first(&o, line.data, line.len));
        mw_imap_search back;
        FUZZ_CHECK(search_of(&o, &back));
        FUZZ_CHECK(mw_imap_search_equal(s, &back));
        FUZZ_CHECK(mw_imap_search_write(&back, flags, &w2) == MW_OK);
        FUZZ_CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        one_free(&o);
    }
    mw_buf_free(&w);
    mw_buf_free(&line);
    mw_buf_free(&w2);
}

static void fetch_back(const mw_imap_fetch_atts *f, uint32_t flags, int must)
{
    mw_buf w, line, w2;
    mw_buf_init_growable(&w, NULL, 0);
    mw_buf_init_growable(&line, NULL, 0);
    mw_buf_init_growable(&w2, NULL, 0);
    mw_status st = mw_imap_fetch_atts_write(f, flags, &w);
    FUZZ_CHECK(!must || st == MW_OK);
    FUZZ_CHECK(st == MW_OK || st == MW_E_ARG);
    if (st == MW_OK) {
        FUZZ_CHECK(frame(&line, "a FETCH 1 ", w.data, w.len));
        one o;
        FUZZ_CHECK(parse_first(&o, line.data, line.len));
        mw_imap_fetch_atts back;
        FUZZ_CHECK(fetch_of(&o, &back));
        FUZZ_CHECK(mw_imap_fetch_atts_equal(f, &back));
        FUZZ_CHECK(mw_imap_fetch_atts_write(&back, flags, &w2) == MW_OK);
        FUZZ_CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        one_free(&o);
    }
    mw_buf_free(&w);
    mw_buf_free(&line);
    mw_buf_free(&w2);
}

/* The decoders and the validator agree on unvalidated trees. Commands
 * whose validation also covers other arguments (RETURN, CHARSET, fetch
 * modifiers) are left out. */
static void agree(const char *line, size_t len, int fetch)
{
    one o;
    memset(&o, 0, sizeof(o));
    if (parse_first_with(&o, line, len, MW_IMAP_PARSE_NO_VALIDATE)) {
        const mw_imap_unit *u = &o.ev.unit;
        mw_imap_command cmd;
        mw_imap_error verr = {0, ""}, derr = {0, ""};
        mw_status vst = mw_imap_command_get(u, 0, &cmd, &verr);
        /* values[0] is the command name; the arguments follow. */
        const mw_imap_value *first = mw_imap_value_next(u->values);
        mw_status dst = MW_E_ARG;
        if (fetch && u->n_top == 3) {
            mw_imap_fetch_atts f;
            dst = mwi_imap_fetch_atts_decode(mw_imap_value_next(first),
                                             &o.arena, &f, &derr);
        } else if (!fetch && u->n_top >= 2 &&
                   !mw_imap_value_is_atom(first, "RETURN") &&
                   !mw_imap_value_is_atom(first, "CHARSET")) {
            mw_imap_search s;
            dst = mwi_imap_search_decode(first, u->n_top - 1, 0, &o.arena, &s,
                                         &derr);
        }
        if (dst != MW_E_ARG) {
            FUZZ_CHECK((vst == MW_OK) == (dst == MW_OK || dst == MW_E_LIMIT));
            if (vst != MW_OK && dst != MW_OK)
                FUZZ_CHECK(strcmp(verr.expected, derr.expected) == 0);
        }
    }
    one_free(&o);
}

/* Part 1: the input as command arguments. */
static void from_text(const uint8_t *data, size_t size)
{
    mw_buf line;
    mw_buf_init_growable(&line, NULL, 0);
    one o;
    memset(&o, 0, sizeof(o));
    if (frame(&line, "a SEARCH ", (const char *)data, size))
        agree(line.data, line.len, 0);
    if (frame(&line, "a FETCH 1 ", (const char *)data, size))
        agree(line.data, line.len, 1);
    if (frame(&line, "a SEARCH ", (const char *)data, size) &&
        parse_first(&o, line.data, line.len)) {
        mw_imap_search s;
        if (search_of(&o, &s)) {
            search_back(&s, 0, 1);
            search_back(&s, MW_IMAP_WRITE_UTF8 | MW_IMAP_WRITE_LITERAL_PLUS, 1);
        }
    }
    one_free(&o);
    memset(&o, 0, sizeof(o));
    if (frame(&line, "a FETCH 1 ", (const char *)data, size) &&
        parse_first(&o, line.data, line.len)) {
        mw_imap_fetch_atts f;
        if (fetch_of(&o, &f))
            fetch_back(&f, 0, 1);
    }
    one_free(&o);
    mw_buf_free(&line);
}

/* ------------------------------------------------------------------ */
/* Part 2: generated typed values                                      */
/* ------------------------------------------------------------------ */

typedef struct gen {
    const uint8_t *in;
    size_t len;
    size_t pos;
    mw_imap_search_key keys[GEN_KEYS_MAX];
    uint32_t n;
    mw_imap_range ranges[GEN_KEYS_MAX][3];
    uint32_t parts[GEN_ATTS_MAX][4];
    mw_span fields[GEN_ATTS_MAX][3];
    mw_imap_fetch_att atts[GEN_ATTS_MAX];
} gen;

static uint8_t next(gen *g)
{
    return g->pos < g->len ? g->in[g->pos++] : 0;
}

static uint64_t next_u64(gen *g)
{
    uint8_t sel = next(g);
    if (sel < 128)
        return sel;
    uint64_t v = 0;
    for (int i = 0; i < (sel & 7) + 1; i++)
        v = v << 8 | next(g);
    return v;
}

static mw_span bytes(gen *g)
{
    size_t n = next(g) % 12;
    mw_span s = {(const char *)g->in + g->pos, 0};
    if (n > g->len - g->pos)
        n = g->len - g->pos;
    s.len = n;
    g->pos += n;
    return s;
}

static void gen_set(gen *g, uint32_t slot, mw_imap_seqset *set)
{
    uint8_t n = next(g) % 4;
    if (n == 0) {
        set->dollar = 1;
        return;
    }
    for (uint8_t i = 0; i < n; i++) {
        set->ranges = g->ranges[slot];
        g->ranges[slot][i].lo = (uint32_t)next_u64(g);
        g->ranges[slot][i].hi =
            next(g) & 1 ? g->ranges[slot][i].lo : (uint32_t)next_u64(g);
    }
    set->n = n;
}

static void gen_key(gen *g, uint32_t depth)
{
    if (g->n >= GEN_KEYS_MAX)
        return;
    uint32_t me = g->n++;
    mw_imap_search_key *k = &g->keys[me];
    memset(k, 0, sizeof(*k));
    uint32_t type = 1 + next(g) % MW_IMAP_SK_FUZZY;
    uint32_t kids = type == MW_IMAP_SK_NOT || type == MW_IMAP_SK_FUZZY ? 1
                    : type == MW_IMAP_SK_OR                            ? 2
                    : type == MW_IMAP_SK_AND ? 1u + next(g) % 3
                                             : 0;
    if (kids && (depth >= GEN_DEPTH_MAX || g->n + kids > GEN_KEYS_MAX)) {
        type = MW_IMAP_SK_ALL;
        kids = 0;
    }
    k->type = type;
    k->str = bytes(g);
    k->str2 = bytes(g);
    k->number = next_u64(g);
    k->date.year = (uint16_t)(1900 + next(g) * 3);
    k->date.month = (uint8_t)(1 + next(g) % 12);
    k->date.day = (uint8_t)(1 + next(g) % 31);
    if (type == MW_IMAP_SK_MODSEQ)
        k->entry_type = next(g) % 4;
    if (type == MW_IMAP_SK_UID || type == MW_IMAP_SK_SEQSET)
        gen_set(g, me, &k->set);
    for (uint32_t i = 0; i < kids; i++) {
        uint32_t before = g->n;
        gen_key(g, depth + 1);
        if (g->n == before)
            break;
        g->keys[me].count++;
    }
    if (g->keys[me].count != kids && type != MW_IMAP_SK_AND)
        g->keys[me].count = kids; /* left inconsistent: writer refuses */
    g->keys[me].subtree = g->n - me;
}

static void gen_search(gen *g)
{
    uint32_t top = 0;
    g->n = 0;
    uint8_t want = 1 + next(g) % 4;
    for (uint8_t i = 0; i < want && g->n < GEN_KEYS_MAX; i++) {
        gen_key(g, 0);
        top++;
    }
    mw_imap_search s = {g->keys, g->n, top};
    search_back(&s, next(g) & 3, 0);
}

static const char *const other_names[] = {
    "X-GM-MSGID", "PREVIEW", "ALL", "BODY.PEEK", "flags", "NIL", "1"};

static void gen_att(gen *g, uint32_t i, mw_imap_fetch_att *a)
{
    memset(a, 0, sizeof(*a));
    a->type = next(g) % (MW_IMAP_FETCH_ATT_BINARY_SIZE + 1);
    if (a->type == MW_IMAP_FETCH_ATT_OTHER) {
        uint8_t sel = next(g);
        if (sel < 128) {
            a->name = bytes(g);
        } else {
            const char *n = other_names[sel % 7];
            a->name.ptr = n;
            a->name.len = strlen(n);
        }
        return;
    }
    if (a->type < MW_IMAP_FETCH_ATT_BODY_SECTION)
        return;
    a->section.n_parts = next(g) % 5;
    for (uint32_t k = 0; k < a->section.n_parts; k++)
        g->parts[i][k] = (uint32_t)next_u64(g);
    a->section.parts = g->parts[i];
    a->section.spec = next(g) % 6;
    if (a->section.spec == MW_IMAP_SECTION_HEADER_FIELDS ||
        a->section.spec == MW_IMAP_SECTION_HEADER_FIELDS_NOT) {
        a->section.n_fields = 1 + next(g) % 3;
        for (uint32_t k = 0; k < a->section.n_fields; k++)
            g->fields[i][k] = bytes(g);
        a->section.fields = g->fields[i];
    }
    a->has_partial = next(g) & 1;
    a->origin = next_u64(g);
    a->length = next_u64(g);
}

static void gen_fetch(gen *g)
{
    mw_imap_fetch_atts f;
    memset(&f, 0, sizeof(f));
    uint8_t sel = next(g);
    if (sel % 8 == 0) {
        f.macro = 1 + sel / 8 % 3;
    } else {
        f.n_atts = 1 + next(g) % GEN_ATTS_MAX;
        f.parenthesized = f.n_atts > 1 || (sel & 0x80);
        for (uint32_t i = 0; i < f.n_atts; i++)
            gen_att(g, i, &g->atts[i]);
        f.atts = g->atts;
    }
    fetch_back(&f, next(g) & 3, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    from_text(data, size);
    gen *g = calloc(1, sizeof(*g));
    if (!g)
        return 0;
    g->in = data;
    g->len = size;
    gen_search(g);
    gen_fetch(g);
    free(g);
    return 0;
}
