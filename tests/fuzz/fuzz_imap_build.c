/* Random value trees built from the input (atoms, strings, literals,
 * literal8, lists, sections with partials, NIL), written as a command by
 * mw_imap_unit_write(): whatever the writer accepts must parse back to an
 * equal unit, and writing that again gives the same bytes. The writer may
 * refuse (MW_E_ARG) but never emit what its parser reads differently.
 *
 * Input: a byte program; text bytes are taken from the input itself. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/imap.h"

#define NODES_MAX 96

typedef struct gen {
    const uint8_t *in;
    size_t len;
    size_t pos;
    mw_imap_value nodes[NODES_MAX];
    uint32_t n;
} gen;

static uint8_t next(gen *g)
{
    return g->pos < g->len ? g->in[g->pos++] : 0;
}

static mw_span bytes(gen *g, size_t n)
{
    mw_span s = {(const char *)g->in + g->pos, 0};
    if (n > g->len - g->pos)
        n = g->len - g->pos;
    s.len = n;
    g->pos += n;
    return s;
}

static int is_nil(mw_span s)
{
    return s.len == 3 && (s.ptr[0] | 0x20) == 'n' && (s.ptr[1] | 0x20) == 'i' &&
           (s.ptr[2] | 0x20) == 'l';
}

static const char *const section_names[] = {"BODY", "BODY.PEEK", "BINARY",
                                            "BINARY.SIZE", "FOO"};

/* Build one value at g->n; returns 0 when out of room. */
static int value(gen *g, int depth)
{
    if (g->n >= NODES_MAX)
        return 0;
    uint32_t me = g->n++;
    mw_imap_value *v = &g->nodes[me];
    memset(v, 0, sizeof(*v));
    v->subtree = 1;
    uint8_t op = next(g);
    switch (depth > 5 ? op % 3 : op % 6) {
    case 0:
        v->type = MW_IMAP_V_ATOM;
        v->str = bytes(g, next(g) % 8);
        if (is_nil(v->str))
            v->flags = MW_IMAP_VF_NIL;
        break;
    case 1:
        v->type = MW_IMAP_V_QUOTED;
        v->str = bytes(g, next(g) % 16);
        break;
    case 2:
        v->type = MW_IMAP_V_LITERAL;
        v->str = bytes(g, next(g) % 16);
        v->num = v->str.len;
        if (op & 0x40)
            v->flags = MW_IMAP_VF_LIT8;
        break;
    case 3:
    case 4: {
        int section = op % 6 == 4;
        v->type = section ? MW_IMAP_V_SECTION : MW_IMAP_V_LIST;
        if (section) {
            const char *name = section_names[next(g) % 5];
            v->str.ptr = name;
            v->str.len = strlen(name);
            if (op & 0x40) {
                v->flags |= MW_IMAP_VF_PARTIAL;
                v->num = next(g);
                if (op & 0x80) {
                    v->flags |= MW_IMAP_VF_PARTIAL_LEN;
                    v->num2 = next(g);
                }
            }
        }
        uint32_t kids = next(g) % 4;
        for (uint32_t i = 0; i < kids; i++) {
            if (!value(g, depth + 1))
                return 0;
            g->nodes[me].count++;
        }
        g->nodes[me].subtree = g->n - me;
        break;
    }
    default:
        v->type = MW_IMAP_V_ATOM;
        v->str.ptr = op & 1 ? "NIL" : "12345";
        v->str.len = op & 1 ? 3 : 5;
        v->flags = op & 1 ? MW_IMAP_VF_NIL : 0;
        break;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen *g = calloc(1, sizeof(*g));
    FUZZ_CHECK(g != NULL);
    g->in = data;
    g->len = size;
    mw_imap_value *name = &g->nodes[g->n++];
    name->type = MW_IMAP_V_ATOM;
    name->str.ptr = "X";
    name->str.len = 1;
    name->subtree = 1;
    uint32_t top = 1, want = next(g) % 5;
    for (uint32_t i = 0; i < want && value(g, 0); i++)
        top++;
    if (g->n > 0 && top != 1 + want) {
        free(g);
        return 0; /* ran out of room mid-tree */
    }
    mw_imap_unit u;
    memset(&u, 0, sizeof(u));
    u.kind = MW_IMAP_UNIT_COMMAND;
    u.tag.ptr = "t1";
    u.tag.len = 2;
    u.values = g->nodes;
    u.n_top = top;
    u.n_values = g->n;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_imap_unit_write(&u, 0, &out);
    if (st != MW_OK) {
        FUZZ_CHECK(st == MW_E_ARG && out.len == 0);
    } else {
        mw_imap_parser_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.size = sizeof(cfg);
        cfg.flags = MW_IMAP_PARSE_COMMANDS | MW_IMAP_PARSE_NO_VALIDATE;
        mw_imap_parser *p;
        FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
        size_t used;
        mw_imap_event ev;
        FUZZ_CHECK(mw_imap_parser_feed(p, out.data, out.len, &used, &ev) ==
                   MW_OK);
        FUZZ_CHECK(ev.type == MW_IMAP_EV_UNIT && used == out.len);
        FUZZ_CHECK(mw_imap_unit_equal(&u, &ev.unit));
        mw_buf again;
        mw_buf_init_growable(&again, NULL, 0);
        FUZZ_CHECK(mw_imap_unit_write(&ev.unit, 0, &again) == MW_OK);
        FUZZ_CHECK(again.len == out.len &&
                   memcmp(again.data, out.data, out.len) == 0);
        mw_buf_free(&again);
        mw_imap_parser_free(p);
    }
    mw_buf_free(&out);
    free(g);
    return 0;
}
