/* IMAP lexical layer: tokens, literals of every kind (inline, split across
 * feeds, streamed in constant memory), sections and partials, command
 * stream flows (AUTHENTICATE, IDLE), limits, syntax errors with stream
 * offsets, the string serializer's choices (checked by parsing back), and
 * the sequence-set, date and mailbox helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/imap.h"

typedef struct collected {
    mw_status st;
    size_t n_units;
    mw_buf wire;   /* every unit re-serialized */
    mw_buf events; /* one letter per event */
    mw_imap_error err;
} collected;

static mw_imap_parser_config make_cfg(uint32_t flags)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags;
    return cfg;
}

/* Parse \p in whole with \p cfg; collect re-serialized units. */
static void run_cfg(const mw_imap_parser_config *cfg, const char *in,
                    size_t len, collected *c)
{
    memset(c, 0, sizeof(*c));
    mw_buf_init_growable(&c->wire, NULL, 0);
    mw_buf_init_growable(&c->events, NULL, 0);
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(cfg, NULL, &p), MW_OK);
    size_t pos = 0;
    for (;;) {
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + pos, len - pos, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE) {
            c->st = mw_imap_parser_idle(p) ? MW_OK : MW_NEED_MORE;
            break;
        }
        if (st != MW_OK) {
            c->st = st;
            mw_imap_parser_error(p, &c->err);
            break;
        }
        static const char letters[] = "?UBDEH";
        mw_buf_append_byte(&c->events, (uint8_t)letters[ev.type]);
        if (ev.type == MW_IMAP_EV_UNIT) {
            c->n_units++;
            mw_status w = mw_imap_unit_write(&ev.unit, 0, &c->wire);
            if (w != MW_OK)
                mwt_log(&c->wire, "!WRITE");
        }
    }
    mw_imap_parser_free(p);
}

static void run(uint32_t flags, const char *in, collected *c)
{
    mw_imap_parser_config cfg = make_cfg(flags);
    run_cfg(&cfg, in, strlen(in), c);
}

static void done(collected *c)
{
    mw_buf_free(&c->wire);
    mw_buf_free(&c->events);
}

static void expect_wire(uint32_t flags, const char *in, const char *want)
{
    collected c;
    run(flags, in, &c);
    if (c.st != MW_OK)
        fail_msg("'%s': %s at %llu expected %s", in, mw_status_name(c.st),
                 (unsigned long long)c.err.offset, c.err.expected);
    mwt_assert_bytes("wire", c.wire.data, c.wire.len, want, strlen(want));
    done(&c);
}

static void expect_error(uint32_t flags, const char *in, mw_status want,
                         uint64_t offset, const char *expected)
{
    collected c;
    run(flags, in, &c);
    if (c.st != want || c.err.offset != offset ||
        strcmp(c.err.expected, expected) != 0)
        fail_msg("'%s': got %s at %llu expected '%s'", in, mw_status_name(c.st),
                 (unsigned long long)c.err.offset, c.err.expected);
    done(&c);
}

/* Parse one unit and hand it to \p check while it is valid. */
static void with_unit(uint32_t flags, const char *in,
                      void (*check)(const mw_imap_event *ev))
{
    mw_imap_parser_config cfg = make_cfg(flags);
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
    size_t used;
    mw_imap_event ev;
    assert_int_equal(mw_imap_parser_feed(p, in, strlen(in), &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_IMAP_EV_UNIT);
    assert_int_equal(used, strlen(in));
    check(&ev);
    mw_imap_parser_free(p);
}

static void span_is(mw_span s, const char *want)
{
    mwt_assert_bytes("span", s.ptr, s.len, want, strlen(want));
}

/* ------------------------------------------------------------------ */

static void check_tokens(const mw_imap_event *ev)
{
    const mw_imap_unit *u = &ev->unit;
    assert_int_equal(u->kind, MW_IMAP_UNIT_COMMAND);
    span_is(u->tag, "a1");
    assert_int_equal(u->n_top, 6);
    const mw_imap_value *v = u->values;
    assert_true(mw_imap_value_is_atom(v, "login"));
    v = mw_imap_value_next(v);
    assert_int_equal(v->type, MW_IMAP_V_QUOTED);
    span_is(v->str, "a\"b\\c");
    v = mw_imap_value_next(v);
    assert_int_equal(v->type, MW_IMAP_V_LITERAL);
    span_is(v->str, "x y");
    assert_int_equal(v->num, 3);
    assert_true(v->flags & MW_IMAP_VF_LIT_PLUS);
    v = mw_imap_value_next(v);
    assert_true(mw_imap_value_is_nil(v));
    v = mw_imap_value_next(v);
    assert_true(v->flags & MW_IMAP_VF_NUMBER);
    assert_true(v->num == 18446744073709551615ull);
    v = mw_imap_value_next(v);
    assert_int_equal(v->type, MW_IMAP_V_LIST);
    assert_int_equal(v->count, 3);
    assert_int_equal(v->subtree, 5);
    const mw_imap_value *inner = mw_imap_value_child(v, 1);
    assert_int_equal(inner->type, MW_IMAP_V_LIST);
    assert_int_equal(inner->count, 1);
    assert_true(mw_imap_value_is_atom(mw_imap_value_child(v, 2), "[Gmail]/x"));
    assert_int_equal(v->offset, 54);
}

static void test_tokens(void **state)
{
    (void)state;
    with_unit(MW_IMAP_PARSE_COMMANDS | MW_IMAP_PARSE_NO_VALIDATE,
              "a1 login \"a\\\"b\\\\c\" {3+}\r\nx y NiL "
              "18446744073709551615 (\\Seen (1:*) [Gmail]/x)\r\n",
              check_tokens);
    /* One more than 2^64-1 is an atom, not a number. */
    expect_wire(MW_IMAP_PARSE_COMMANDS, "t X 18446744073709551616\r\n",
                "t X 18446744073709551616\r\n");
    /* An empty quoted string as the first text a fresh parser keeps (once
     * NULL + 0 in the fast token loop, caught by UBSan). */
    expect_wire(MW_IMAP_PARSE_NO_VALIDATE, "* X \"\"\r\n", "* X \"\"\r\n");
}

static void check_section(const mw_imap_event *ev)
{
    const mw_imap_value *list =
        mw_imap_value_next(mw_imap_value_next(ev->unit.values));
    const mw_imap_value *s = mw_imap_value_child(list, 1);
    assert_int_equal(s->type, MW_IMAP_V_SECTION);
    span_is(s->str, "BODY.PEEK");
    assert_int_equal(s->count, 2);
    assert_true(mw_imap_value_is_atom(s + 1, "HEADER.FIELDS"));
    assert_int_equal(s[2].type, MW_IMAP_V_LIST);
    assert_true(s->flags & MW_IMAP_VF_PARTIAL);
    assert_true(s->flags & MW_IMAP_VF_PARTIAL_LEN);
    assert_int_equal(s->num, 10);
    assert_int_equal(s->num2, 2048);
    const mw_imap_value *b = mw_imap_value_child(list, 2);
    assert_int_equal(b->type, MW_IMAP_V_SECTION);
    span_is(b->str, "BINARY");
    assert_int_equal(b->count, 1);
    assert_false(b->flags & MW_IMAP_VF_PARTIAL);
}

static void test_sections_and_partials(void **state)
{
    (void)state;
    with_unit(MW_IMAP_PARSE_COMMANDS,
              "a FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (DATE FROM)]<10.2048> "
              "BINARY[1.2] BODY[])\r\n",
              check_section);
    expect_wire(MW_IMAP_PARSE_COMMANDS | MW_IMAP_PARSE_NO_VALIDATE,
                "a fetch 1 body[]<0>\r\n", "a fetch 1 body[]<0>\r\n");
    /* A command's partial needs its length (RFC 9051 "partial"). */
    expect_error(MW_IMAP_PARSE_COMMANDS, "a fetch 1 body[]<0>\r\n", MW_E_SYNTAX,
                 10, "fetch attribute");
    expect_error(MW_IMAP_PARSE_COMMANDS, "a FETCH 1 BODY[]<1.>\r\n",
                 MW_E_SYNTAX, 19, "digit");
    expect_error(MW_IMAP_PARSE_COMMANDS, "a FETCH 1 BODY[1\r\n", MW_E_SYNTAX,
                 16, "']'");
}

static void test_response_text_and_codes(void **state)
{
    (void)state;
    /* Brackets and parentheses in text are just text. */
    expect_wire(0, "* OK [ALERT] a (b [c\r\n", "* OK [ALERT] a (b [c\r\n");
    expect_wire(0, "a OK\r\n+\r\n* OK [READ-WRITE]\r\n",
                "a OK\r\n+ \r\n* OK [READ-WRITE]\r\n");
    expect_wire(0, "* BYE\r\n", "* BYE\r\n");
    /* Doubled and trailing spaces between tokens are tolerated. */
    expect_wire(0, "* SEARCH 1  2 \r\n", "* SEARCH 1 2\r\n");
    /* A bare LF ends a line. */
    expect_wire(0, "* 3 EXISTS\n", "* 3 EXISTS\r\n");
    expect_error(0, "* OK [UIDNEXT 4392 x\r\n", MW_E_SYNTAX, 20, "']'");
    expect_error(0, "* OK [] x\r\n", MW_E_SYNTAX, 6, "response code");
    expect_error(0, "a1 FETCH 1\r\n", MW_E_SYNTAX, 3, "OK, NO or BAD");
}

static void test_literals(void **state)
{
    (void)state;
    expect_wire(0, "* 1 FETCH (BODY[] {0}\r\n)\r\n",
                "* 1 FETCH (BODY[] {0}\r\n)\r\n");
    collected c;
    mw_imap_parser_config cfg = make_cfg(0);
    static const char bin[] = "* 1 FETCH (BINARY[] ~{3}\r\na\0b)\r\n";
    run_cfg(&cfg, bin, sizeof(bin) - 1, &c);
    assert_int_equal(c.st, MW_OK);
    mwt_assert_bytes("literal8", c.wire.data, c.wire.len, bin, sizeof(bin) - 1);
    done(&c);
    /* NUL needs literal8 (CHAR8 is %x01-ff). */
    static const char nul[] = "* 1 FETCH (BODY[] {3}\r\na\0b)\r\n";
    run_cfg(&cfg, nul, sizeof(nul) - 1, &c);
    assert_int_equal(c.st, MW_E_SYNTAX);
    assert_int_equal(c.err.offset, 24);
    done(&c);
    /* LITERAL+ / LITERAL- only from clients. */
    expect_error(0, "* 1 FETCH (BODY[] {3+}\r\nabc)\r\n", MW_E_SYNTAX, 20,
                 "'}'");
    expect_wire(MW_IMAP_PARSE_COMMANDS, "a LOGIN {1-}\r\nu {1+}\r\np\r\n",
                "a LOGIN {1}\r\nu {1}\r\np\r\n");
    expect_error(0, "* 1 FETCH (BODY[] {}\r\n", MW_E_SYNTAX, 19, "digit");
    expect_error(0, "* 1 FETCH (BODY[] {2}x", MW_E_SYNTAX, 21, "CRLF");
    expect_error(0, "* 1 FETCH (BODY[] {2}\rx", MW_E_SYNTAX, 22, "LF");
    /* A quoted string with a CR inside is not closed. */
    expect_error(0, "* LIST () \"/\" \"a\rb\"\r\n", MW_E_SYNTAX, 16, "'\"'");
}

/* Literal events with a tiny inline maximum: the literal arrives in chunk
 * events and the tree keeps only its length. */
static void test_streamed_literal_events(void **state)
{
    (void)state;
    mw_imap_parser_config cfg = make_cfg(0);
    cfg.inline_max = 4;
    static const char in[] = "* 7 FETCH (UID 3 BODY[] {10}\r\n0123456789 "
                             "FLAGS (\\Seen))\r\nA1 OK done\r\n";
    collected c;
    run_cfg(&cfg, in, sizeof(in) - 1, &c);
    assert_int_equal(c.st, MW_OK);
    mwt_assert_bytes("events", c.events.data, c.events.len, "BDEUU", 5);
    /* A streamed literal cannot be re-serialized from the tree. */
    assert_non_null(strstr((const char *)c.wire.data, "!WRITE"));
    done(&c);

    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
    size_t pos = 0, used;
    mw_imap_event ev;
    char data[16];
    size_t n_data = 0;
    /* Feed three bytes at a time; data events never cross a feed. */
    for (int guard = 0; guard < 200; guard++) {
        size_t n = sizeof(in) - 1 - pos < 3 ? sizeof(in) - 1 - pos : 3;
        mw_status st = mw_imap_parser_feed(p, in + pos, n, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            continue;
        assert_int_equal(st, MW_OK);
        if (ev.type == MW_IMAP_EV_LITERAL_BEGIN) {
            assert_int_equal(ev.literal_len, 10);
            assert_int_equal(ev.literal_value, 6);
        }
        if (ev.type == MW_IMAP_EV_LITERAL_DATA) {
            assert_true(ev.data.len <= 3);
            memcpy(data + n_data, ev.data.ptr, ev.data.len);
            n_data += ev.data.len;
        }
        if (ev.type == MW_IMAP_EV_UNIT) {
            const mw_imap_value *v = &ev.unit.values[6];
            assert_int_equal(v->type, MW_IMAP_V_LITERAL);
            assert_true(v->flags & MW_IMAP_VF_STREAMED);
            assert_int_equal(v->num, 10);
            assert_int_equal(ev.response.type, MW_IMAP_R_FETCH);
            break;
        }
    }
    mwt_assert_bytes("data", data, n_data, "0123456789", 10);
    mw_imap_parser_free(p);
}

typedef struct peak_alloc {
    mw_allocator a;
    size_t live;
    size_t peak;
} peak_alloc;

static void *pa_alloc(void *ud, size_t n)
{
    peak_alloc *p = ud;
    p->live += n;
    if (p->live > p->peak)
        p->peak = p->live;
    return malloc(n);
}

static void *pa_realloc(void *ud, void *ptr, size_t old, size_t n)
{
    peak_alloc *p = ud;
    p->live += n - old;
    if (p->live > p->peak)
        p->peak = p->live;
    return realloc(ptr, n);
}

static void pa_free(void *ud, void *ptr, size_t n)
{
    peak_alloc *p = ud;
    if (ptr)
        p->live -= n;
    free(ptr);
}

/* A 1 GiB FETCH literal streams through in constant memory. */
static void test_gigabyte_literal(void **state)
{
    (void)state;
    peak_alloc pa = {{NULL, pa_alloc, pa_realloc, pa_free}, 0, 0};
    pa.a.ud = &pa;
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(NULL, &pa.a, &p), MW_OK);
    const uint64_t total = 1ull << 30;
    static const char head[] = "* 1 FETCH (UID 9 BODY[] {1073741824}\r\n";
    static const char tail[] = ")\r\n";
    size_t chunk = 1 << 20;
    char *block = malloc(chunk);
    assert_non_null(block);
    memset(block, 'x', chunk);
    size_t used;
    mw_imap_event ev;
    assert_int_equal(mw_imap_parser_feed(p, head, sizeof(head) - 1, &used, &ev),
                     MW_OK);
    assert_int_equal(ev.type, MW_IMAP_EV_LITERAL_BEGIN);
    assert_int_equal(used, sizeof(head) - 1);
    uint64_t got = 0;
    while (got < total) {
        assert_int_equal(mw_imap_parser_feed(p, block, chunk, &used, &ev),
                         MW_OK);
        assert_int_equal(ev.type, MW_IMAP_EV_LITERAL_DATA);
        assert_int_equal(used, chunk);
        got += ev.data.len;
    }
    assert_int_equal(mw_imap_parser_feed(p, tail, 3, &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_IMAP_EV_LITERAL_END);
    assert_int_equal(mw_imap_parser_feed(p, tail, 3, &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_IMAP_EV_UNIT);
    assert_int_equal(ev.unit.values[6].num, total);
    assert_true(pa.peak < 64 * 1024);
    free(block);
    mw_imap_parser_free(p);
    assert_int_equal(pa.live, 0);
}

static void test_literal_header_events(void **state)
{
    (void)state;
    mw_imap_parser_config cfg =
        make_cfg(MW_IMAP_PARSE_COMMANDS | MW_IMAP_PARSE_LITERAL_HEADERS);
    cfg.inline_max = 4;
    static const char in[] = "a LOGIN {1}\r\nu {5}\r\nsecre\r\n";
    collected c;
    run_cfg(&cfg, in, sizeof(in) - 1, &c);
    assert_int_equal(c.st, MW_OK);
    mwt_assert_bytes("events", c.events.data, c.events.len, "HHBDEU", 6);
    done(&c);
}

static void test_command_flows(void **state)
{
    (void)state;
    collected c;
    run(MW_IMAP_PARSE_COMMANDS,
        "A AUTHENTICATE PLAIN\r\ndGVzdA==\r\n\r\n*\r\nB NOOP\r\nB1 IDLE\r\n"
        "done\r\nC LOGOUT\r\n",
        &c);
    assert_int_equal(c.st, MW_OK);
    assert_int_equal(c.n_units, 8);
    static const char want[] = "A AUTHENTICATE PLAIN\r\ndGVzdA==\r\n\r\n*\r\n"
                               "B NOOP\r\nB1 IDLE\r\nDONE\r\nC LOGOUT\r\n";
    mwt_assert_bytes("flows", c.wire.data, c.wire.len, want, sizeof(want) - 1);
    done(&c);
    /* DONE outside IDLE is not a command. */
    expect_error(MW_IMAP_PARSE_COMMANDS, "DONE\r\n", MW_E_SYNTAX, 4, "SP");
    expect_error(MW_IMAP_PARSE_COMMANDS, "a+1 NOOP\r\n", MW_E_SYNTAX, 1, "tag");
    expect_error(MW_IMAP_PARSE_COMMANDS, "\r\n", MW_E_SYNTAX, 0, "tag");
    expect_error(0, "\r\n", MW_E_SYNTAX, 0, "tag");
    expect_error(0, "*x\r\n", MW_E_SYNTAX, 1, "SP");
}

static void test_limits(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.imap_depth_max = 3;
    mw_imap_parser_config cfg = make_cfg(MW_IMAP_PARSE_COMMANDS);
    cfg.limits = &lim;
    collected c;
    static const char deep[] = "a X (((1)))\r\nb X ((((1))))\r\n";
    run_cfg(&cfg, deep, sizeof(deep) - 1, &c);
    assert_int_equal(c.st, MW_E_LIMIT);
    assert_int_equal(c.n_units, 1);
    assert_int_equal(c.err.offset, 13 + 7);
    done(&c);

    cfg = make_cfg(0);
    cfg.line_max = 16;
    static const char line[] = "* SEARCH 1 2 3\r\n* SEARCH 1 2 3 4 5 6\r\n";
    run_cfg(&cfg, line, sizeof(line) - 1, &c);
    assert_int_equal(c.st, MW_E_LIMIT);
    assert_int_equal(c.n_units, 1);
    done(&c);

    cfg = make_cfg(0);
    cfg.literal_max = 100;
    static const char lit[] = "* 1 FETCH (BODY[] {101}\r\n";
    run_cfg(&cfg, lit, sizeof(lit) - 1, &c);
    assert_int_equal(c.st, MW_E_LIMIT);
    assert_int_equal(c.err.offset, 18);
    done(&c);

    cfg = make_cfg(0);
    cfg.list_max = 3;
    static const char list[] = "* SEARCH 1 2\r\n* SEARCH 1 2 3\r\n";
    run_cfg(&cfg, list, sizeof(list) - 1, &c);
    assert_int_equal(c.st, MW_E_LIMIT);
    assert_int_equal(c.err.offset, 14 + 13);
    done(&c);

    cfg = make_cfg(0);
    cfg.unit_max = 512;
    char big[700];
    memcpy(big, "* OK ", 5);
    memset(big + 5, 'x', 600);
    memcpy(big + 605, "\r\n", 2);
    run_cfg(&cfg, big, 607, &c);
    assert_int_equal(c.st, MW_E_LIMIT);
    done(&c);

    /* A 20-digit literal length beyond 64 bits. */
    expect_error(0, "* 1 FETCH (BODY[] {99999999999999999999}\r\n", MW_E_LIMIT,
                 18, "smaller literal");
}

static void test_errors_are_sticky(void **state)
{
    (void)state;
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(NULL, NULL, &p), MW_OK);
    size_t used;
    mw_imap_event ev;
    assert_int_equal(mw_imap_parser_feed(p, "* (\r\n", 5, &used, &ev),
                     MW_E_SYNTAX);
    assert_int_equal(used, 3);
    assert_int_equal(mw_imap_parser_feed(p, "* OK\r\n", 6, &used, &ev),
                     MW_E_SYNTAX);
    assert_int_equal(used, 0);
    mw_imap_error err;
    mw_imap_parser_error(p, &err);
    assert_int_equal(err.offset, 3);
    assert_string_equal(err.expected, "')'");
    assert_int_equal(mw_imap_parser_feed(p, NULL, 1, &used, &ev), MW_E_ARG);
    mw_imap_parser_free(p);
    assert_int_equal(mw_imap_parser_new(NULL, NULL, NULL), MW_E_ARG);
}

static void test_init_in(void **state)
{
    (void)state;
    static uint64_t mem[1024];
    assert_true(mw_imap_parser_sizeof() <= sizeof(mem));
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_init_in(mem, 8, NULL, NULL, &p), MW_E_ARG);
    assert_int_equal(mw_imap_parser_init_in(mem, sizeof(mem), NULL, NULL, &p),
                     MW_OK);
    size_t used;
    mw_imap_event ev;
    assert_int_equal(mw_imap_parser_feed(p, "* 5 RECENT\r\n", 12, &used, &ev),
                     MW_OK);
    assert_int_equal(ev.response.type, MW_IMAP_R_RECENT);
    assert_int_equal(ev.response.number, 5);
    mw_imap_parser_free(p);
}

/* ------------------------------------------------------------------ */
/* String serializer                                                   */
/* ------------------------------------------------------------------ */

static void expect_str(const char *s, size_t len, uint32_t flags,
                       const char *want, size_t want_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_imap_string_write(s, len, flags, &out), MW_OK);
    mwt_assert_bytes("string", out.data, out.len, want, want_len);
    mw_buf_free(&out);
}

static void test_string_choices(void **state)
{
    (void)state;
    expect_str("INBOX", 5, MW_IMAP_STR_ASTRING, "INBOX", 5);
    expect_str("INBOX", 5, 0, "\"INBOX\"", 7);
    expect_str("", 0, MW_IMAP_STR_ASTRING, "\"\"", 2);
    expect_str("nil", 3, MW_IMAP_STR_ASTRING, "\"nil\"", 5);
    expect_str(NULL, 0, 0, "NIL", 3);
    expect_str("a b", 3, MW_IMAP_STR_ASTRING, "\"a b\"", 5);
    expect_str("[Gmail]", 7, MW_IMAP_STR_ASTRING, "\"[Gmail]\"", 9);
    expect_str("a\"b\\", 4, 0, "\"a\\\"b\\\\\"", 8);
    expect_str("a\r\nb", 4, 0, "{4}\r\na\r\nb", 9);
    expect_str("a\r\nb", 4, MW_IMAP_STR_LITERAL_PLUS, "{4+}\r\na\r\nb", 10);
    expect_str("\xc3\xa9", 2, 0, "{2}\r\n\xc3\xa9", 7);
    expect_str("\xc3\xa9", 2, MW_IMAP_STR_UTF8, "\"\xc3\xa9\"", 4);
    expect_str("a\0b", 3, MW_IMAP_STR_BINARY, "~{3}\r\na\0b", 9);
    expect_str("ab", 2, MW_IMAP_STR_FORCE_LITERAL, "{2}\r\nab", 7);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_imap_string_write("a\0b", 3, 0, &out), MW_E_ARG);
    assert_int_equal(out.len, 0);
    char longs[MW_IMAP_QUOTED_MAX + 1];
    memset(longs, 'a', sizeof(longs));
    longs[0] = ' ';
    assert_int_equal(mw_imap_string_write(longs, sizeof(longs), 0, &out),
                     MW_OK);
    assert_memory_equal(out.data, "{1025}\r\n", 8);
    mw_buf_free(&out);
    /* A full fixed buffer is left untouched. */
    char small[4];
    mw_buf fixed;
    mw_buf_init_fixed(&fixed, small, sizeof(small));
    assert_int_equal(mw_imap_string_write("a b c", 5, 0, &fixed), MW_E_NOSPACE);
    assert_int_equal(fixed.len, 0);
}

/* Every string the serializer writes parses back to the same bytes, in
 * every context flag combination (seeded random contents). */
static void test_string_roundtrip_property(void **state)
{
    (void)state;
    static const char alphabet[] = "aZ09 \"\\(){}[]%*~+-.\r\n\x01\x7f\xc3\xa9N";
    uint32_t seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        char s[24];
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % sizeof(s);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        uint32_t flags = (uint32_t)iter & 7u;
        mw_buf line;
        mw_buf_init_growable(&line, NULL, 0);
        mw_buf_append_str(&line, "t X ");
        assert_int_equal(mw_imap_string_write(s, len, flags, &line), MW_OK);
        mw_buf_append_str(&line, "\r\n");
        mw_imap_parser_config cfg = make_cfg(MW_IMAP_PARSE_COMMANDS);
        mw_imap_parser *p;
        assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, line.data, line.len, &used, &ev);
        if (st != MW_OK)
            fail_msg("iteration %d: %s", iter, mw_status_name(st));
        assert_int_equal(ev.unit.n_top, 2);
        const mw_imap_value *v = &ev.unit.values[1];
        mwt_assert_bytes("roundtrip", v->str.ptr, v->str.len, s, len);
        if (v->type == MW_IMAP_V_ATOM)
            assert_true((flags & MW_IMAP_STR_ASTRING) && !(v->flags & 1u));
        mw_imap_parser_free(p);
        mw_buf_free(&line);
    }
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void test_seqset(void **state)
{
    (void)state;
    mw_imap_range r[8];
    size_t n;
    int dollar;
    assert_int_equal(mw_imap_seqset_parse("1,3:5,7:*", 9, r, 8, &n, &dollar),
                     MW_OK);
    assert_int_equal(n, 3);
    assert_int_equal(dollar, 0);
    assert_int_equal(r[0].lo, 1);
    assert_int_equal(r[0].hi, 1);
    assert_int_equal(r[1].lo, 3);
    assert_int_equal(r[1].hi, 5);
    assert_int_equal(r[2].lo, 7);
    assert_int_equal(r[2].hi, 0);
    assert_int_equal(mw_imap_seqset_parse("$", 1, r, 8, &n, &dollar), MW_OK);
    assert_int_equal(dollar, 1);
    assert_int_equal(n, 0);
    static const char *const bad[] = {"",   "0",          "1:", ":1",    "1,,2",
                                      "1,", "4294967296", "a",  "1:2:3", "*:"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(
            mw_imap_seqset_parse(bad[i], strlen(bad[i]), r, 8, &n, NULL),
            MW_E_SYNTAX);
    assert_int_equal(mw_imap_seqset_parse("1,2,3", 5, r, 2, &n, NULL),
                     MW_E_LIMIT);
    assert_int_equal(mw_imap_seqset_parse("4294967295", 10, r, 2, &n, NULL),
                     MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_imap_range w[] = {{1, 1}, {3, 5}, {7, 0}, {0, 0}};
    assert_int_equal(mw_imap_seqset_write(w, 4, &out), MW_OK);
    mwt_assert_bytes("seqset", out.data, out.len, "1,3:5,7:*,*", 11);
    assert_int_equal(mw_imap_seqset_write(w, 0, &out), MW_E_ARG);
    mw_buf_free(&out);
}

static void test_dates(void **state)
{
    (void)state;
    mw_imap_datetime dt;
    assert_int_equal(
        mw_imap_datetime_parse("17-Jul-1996 02:44:25 -0700", 26, &dt), MW_OK);
    assert_int_equal(dt.year, 1996);
    assert_int_equal(dt.month, 7);
    assert_int_equal(dt.day, 17);
    assert_int_equal(dt.hour, 2);
    assert_int_equal(dt.minute, 44);
    assert_int_equal(dt.second, 25);
    assert_int_equal(dt.zone, -420);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_imap_datetime_write(&dt, &out), MW_OK);
    mwt_assert_bytes("dt", out.data, out.len, "\"17-Jul-1996 02:44:25 -0700\"",
                     28);
    mw_buf_clear(&out);
    assert_int_equal(
        mw_imap_datetime_parse(" 1-jan-2000 23:59:60 +1345", 26, &dt), MW_OK);
    assert_int_equal(dt.day, 1);
    assert_int_equal(dt.zone, 825);
    static const char *const bad[] = {
        "17-Jul-1996 02:44:25 0700",  "32-Jul-1996 02:44:25 -0700",
        "29-Feb-1900 02:44:25 -0700", "17-Jux-1996 02:44:25 -0700",
        "17-Jul-1996 24:44:25 -0700", "17-Jul-1996 02:44:25 -0760",
        "1-Jul-1996 02:44:25 -0700"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mw_imap_datetime_parse(bad[i], strlen(bad[i]), &dt),
                         MW_E_SYNTAX);
    assert_int_equal(mw_imap_date_parse("1-Feb-1994", 10, &dt), MW_OK);
    assert_int_equal(dt.day, 1);
    assert_int_equal(dt.month, 2);
    assert_int_equal(dt.has_time, 0);
    assert_int_equal(mw_imap_datetime_write(&dt, &out), MW_OK);
    mwt_assert_bytes("date", out.data, out.len, "1-Feb-1994", 10);
    assert_int_equal(mw_imap_date_parse("\"29-Feb-2000\"", 13, &dt), MW_OK);
    assert_int_equal(mw_imap_date_parse("29-Feb-2001", 11, &dt), MW_E_SYNTAX);
    assert_int_equal(mw_imap_date_parse("100-Feb-2001", 12, &dt), MW_E_SYNTAX);
    dt.month = 13;
    assert_int_equal(mw_imap_datetime_write(&dt, &out), MW_E_ARG);
    mw_buf_free(&out);
}

static void test_mailbox_names(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    /* RFC 3501 5.1.3's example. */
    static const char utf7[] = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
    assert_int_equal(mw_imap_mailbox_decode(utf7, sizeof(utf7) - 1, 0, &out),
                     MW_OK);
    static const char want[] = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
                               "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
    mwt_assert_bytes("utf7", out.data, out.len, want, sizeof(want) - 1);
    mw_buf_clear(&out);
    assert_int_equal(mw_imap_mailbox_decode("inBox", 5, 0, &out), MW_OK);
    mwt_assert_bytes("inbox", out.data, out.len, "INBOX", 5);
    mw_buf_clear(&out);
    assert_int_equal(mw_imap_mailbox_decode("inbox/a", 7, 0, &out), MW_OK);
    mwt_assert_bytes("child", out.data, out.len, "inbox/a", 7);
    mw_buf_clear(&out);
    assert_int_equal(mw_imap_mailbox_decode("&Jjo-", 5, 0, &out), MW_OK);
    mwt_assert_bytes("star", out.data, out.len, "\xe2\x98\xba", 3);
    mw_buf_clear(&out);
    assert_int_equal(mw_imap_mailbox_decode("a&b", 3, 0, &out), MW_E_ENCODING);
    assert_int_equal(out.len, 0);
    assert_int_equal(mw_imap_mailbox_decode("\xe5\x8f\xb0", 3, 1, &out), MW_OK);
    assert_int_equal(out.len, 3);
    assert_int_equal(mw_imap_mailbox_decode("\xff", 1, 1, &out), MW_E_ENCODING);
    mw_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_sections_and_partials),
        cmocka_unit_test(test_response_text_and_codes),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_streamed_literal_events),
        cmocka_unit_test(test_gigabyte_literal),
        cmocka_unit_test(test_literal_header_events),
        cmocka_unit_test(test_command_flows),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_errors_are_sticky),
        cmocka_unit_test(test_init_in),
        cmocka_unit_test(test_string_choices),
        cmocka_unit_test(test_string_roundtrip_property),
        cmocka_unit_test(test_seqset),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_mailbox_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
