/* Typed IMAP search programs and FETCH attribute lists: real commands
 * (RFC 3501 / RFC 9051 examples, RFC 4731 ESEARCH, RFC 7162 CONDSTORE,
 * RFC 5032, RFC 5182, RFC 3516 BINARY) parsed, decoded into typed values,
 * checked field by field, written back canonically and re-parsed to equal
 * values; decoding errors with offsets; caller-built values the writers
 * refuse; chunking and allocation-failure sweeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/imap_search.h"

#include "imap/imap_arena.h"
#include "imap/imap_search_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Harness                                                             */
/* ------------------------------------------------------------------ */

typedef struct parsed {
    mw_imap_parser *p;
    mw_imap_event ev;
    mwi_imap_arena arena;
    const mw_imap_value *keys; /* first search key */
    uint32_t n_top;            /* top-level key nodes */
    const mw_imap_value *fatt; /* FETCH attribute argument */
} parsed;

static mw_imap_parser *new_parser(uint32_t flags, const mw_allocator *a)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS | flags;
    mw_imap_parser *p = NULL;
    if (mw_imap_parser_new(&cfg, a, &p) != MW_OK)
        return NULL;
    return p;
}

/* The search keys of SEARCH, SORT or THREAD: after RETURN (...), the sort
 * criteria or thread algorithm, and CHARSET x / the charset. */
static void locate_keys(parsed *t)
{
    const mw_imap_command *c = &t->ev.command;
    const mw_imap_value *v = c->args;
    uint32_t left = c->n_args;
    if (c->type == MW_IMAP_CMD_SEARCH || c->type == MW_IMAP_CMD_SORT) {
        if (left && mw_imap_value_is_atom(v, "RETURN")) {
            v = mw_imap_value_next(mw_imap_value_next(v));
            left -= 2;
        }
    }
    if (c->type == MW_IMAP_CMD_SEARCH) {
        if (left && mw_imap_value_is_atom(v, "CHARSET")) {
            v = mw_imap_value_next(mw_imap_value_next(v));
            left -= 2;
        }
    } else {
        v = mw_imap_value_next(mw_imap_value_next(v));
        left -= 2;
    }
    t->keys = v;
    t->n_top = left;
}

/* Parse one command line (validated); locate its keys or attributes. */
static void parse_cmd(parsed *t, const char *line, size_t len, uint32_t flags)
{
    memset(t, 0, sizeof(*t));
    t->p = new_parser(flags, NULL);
    assert_non_null(t->p);
    mwi_imap_arena_init(&t->arena, NULL);
    size_t used = 0;
    mw_status st = mw_imap_parser_feed(t->p, line, len, &used, &t->ev);
    if (st != MW_OK) {
        mw_imap_error err;
        mw_imap_parser_error(t->p, &err);
        fail_msg("'%.*s': %s at %llu expected %s", (int)len, line,
                 mw_status_name(st), (unsigned long long)err.offset,
                 err.expected);
    }
    assert_int_equal(t->ev.type, MW_IMAP_EV_UNIT);
    assert_int_equal(used, len);
    if (t->ev.command.type == MW_IMAP_CMD_FETCH)
        t->fatt = mw_imap_value_next(t->ev.command.args);
    else
        locate_keys(t);
}

static void parsed_free(parsed *t)
{
    mwi_imap_arena_free(&t->arena);
    mw_imap_parser_free(t->p);
}

static mw_imap_search decode_search(parsed *t)
{
    mw_imap_search s;
    mw_imap_error err = {0, ""};
    mw_status st =
        mwi_imap_search_decode(t->keys, t->n_top, 0, &t->arena, &s, &err);
    if (st != MW_OK)
        fail_msg("decode: %s at %llu expected %s", mw_status_name(st),
                 (unsigned long long)err.offset, err.expected);
    return s;
}

static mw_imap_fetch_atts decode_fetch(parsed *t)
{
    mw_imap_fetch_atts f;
    mw_imap_error err = {0, ""};
    mw_status st = mwi_imap_fetch_atts_decode(t->fatt, &t->arena, &f, &err);
    if (st != MW_OK)
        fail_msg("decode: %s at %llu expected %s", mw_status_name(st),
                 (unsigned long long)err.offset, err.expected);
    return f;
}

/* Write, compare with the canonical text, re-parse as a command and
 * decode to an equal value. */
static void search_round_trip_n(const mw_imap_search *s, uint32_t wflags,
                                const char *canon, size_t canon_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_buf_append_str(&out, "t SEARCH "), MW_OK);
    size_t head = out.len;
    assert_int_equal(mw_imap_search_write(s, wflags, &out), MW_OK);
    if (canon)
        mwt_assert_bytes("search", out.data + head, out.len - head, canon,
                         canon_len);
    assert_int_equal(mw_buf_append_str(&out, "\r\n"), MW_OK);
    parsed back;
    parse_cmd(&back, out.data, out.len,
              (wflags & MW_IMAP_WRITE_UTF8) ? MW_IMAP_PARSE_UTF8 : 0);
    mw_imap_search s2 = decode_search(&back);
    assert_true(mw_imap_search_equal(s, &s2));
    parsed_free(&back);
    mw_buf_free(&out);
}

static void search_round_trip(const mw_imap_search *s, uint32_t wflags,
                              const char *canon)
{
    search_round_trip_n(s, wflags, canon, canon ? strlen(canon) : 0);
}

static void fetch_round_trip(const mw_imap_fetch_atts *f, uint32_t wflags,
                             const char *canon)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_buf_append_str(&out, "t FETCH 1 "), MW_OK);
    size_t head = out.len;
    assert_int_equal(mw_imap_fetch_atts_write(f, wflags, &out), MW_OK);
    if (canon)
        mwt_assert_bytes("fetch", out.data + head, out.len - head, canon,
                         strlen(canon));
    assert_int_equal(mw_buf_append_str(&out, "\r\n"), MW_OK);
    parsed back;
    parse_cmd(&back, out.data, out.len, 0);
    mw_imap_fetch_atts f2 = decode_fetch(&back);
    assert_true(mw_imap_fetch_atts_equal(f, &f2));
    parsed_free(&back);
    mw_buf_free(&out);
}

static void assert_span(mw_span s, const char *want)
{
    mwt_assert_bytes("span", s.ptr, s.len, want, strlen(want));
}

/* ------------------------------------------------------------------ */
/* Round trips of real commands                                        */
/* ------------------------------------------------------------------ */

typedef struct rt_case {
    const char *line;
    const char *canon; /* the keys or attributes as written back */
} rt_case;

static const rt_case search_cases[] = {
    /* RFC 3501 6.4.4 / RFC 9051 6.4.4 */
    {"A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
     "FLAGGED SINCE 1-Feb-1994 NOT FROM Smith"},
    {"A283 SEARCH TEXT \"string not in mailbox\"\r\n",
     "TEXT \"string not in mailbox\""},
    {"A284 SEARCH CHARSET UTF-8 TEXT {12}\r\n\xd0\x9a\xd0\xb0\xd0\xb6\xd0\xb4"
     "\xd1\x8b\xd0\xb9\r\n",
     "TEXT {12}\r\n\xd0\x9a\xd0\xb0\xd0\xb6\xd0\xb4\xd1\x8b\xd0\xb9"},
    {"A285 SEARCH CHARSET UTF-8 TEXT {7}\r\nXXXXXXX\r\n", "TEXT XXXXXXX"},
    /* RFC 9051 6.4.4.4 */
    {"A301 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
     "FLAGGED SINCE 1-Feb-1994 NOT FROM Smith"},
    {"A285 SEARCH OR SMALLER 10000 LARGER 20000 (UNSEEN SUBJECT \"a b\")\r\n",
     "OR SMALLER 10000 LARGER 20000 (UNSEEN SUBJECT \"a b\")"},
    /* RFC 4731 ESEARCH */
    {"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "
     "\"Smith\"\r\n",
     "FLAGGED SINCE 1-Feb-1994 NOT FROM Smith"},
    {"A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
     "FLAGGED SINCE 1-Feb-1994 NOT FROM Smith"},
    {"A284 SEARCH RETURN (MIN) UNSEEN\r\n", "UNSEEN"},
    {"A285 UID SEARCH RETURN (MIN MAX) 1:5000\r\n", "1:5000"},
    {"A286 SEARCH RETURN (ALL) 1:*\r\n", "1:*"},
    /* RFC 5182 SEARCHRES */
    {"A283 SEARCH RETURN (SAVE) SINCE 1-Jan-2004 NOT FROM \"Smith\"\r\n",
     "SINCE 1-Jan-2004 NOT FROM Smith"},
    {"A284 UID SEARCH UID $ SMALLER 4096\r\n", "UID $ SMALLER 4096"},
    {"A285 SEARCH $ OR $ 1:10\r\n", "$ OR $ 1:10"},
    /* RFC 7162 CONDSTORE */
    {"a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
     "MODSEQ \"/flags/\\\\draft\" all 620162338"},
    {"t SEARCH OR NOT MODSEQ 720162338 LARGER 50000\r\n",
     "OR NOT MODSEQ 720162338 LARGER 50000"},
    {"a SEARCH MODSEQ \"/flags/$x\" PRIV 5 MODSEQ \"/s\" Shared 6\r\n",
     "MODSEQ \"/flags/$x\" priv 5 MODSEQ \"/s\" shared 6"},
    /* RFC 5032 WITHIN */
    {"a UID SEARCH YOUNGER 259200 OLDER 60\r\n", "YOUNGER 259200 OLDER 60"},
    /* RFC 8474, RFC 6203 */
    {"a SEARCH EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9\r\n",
     "EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9"},
    {"a SEARCH FUZZY (SUBJECT \"hello world\")\r\n",
     "FUZZY (SUBJECT \"hello world\")"},
    /* Every key, case folded, dates with one or two day digits. */
    {"a search all answered bcc x before 01-Jan-2000 body y cc z deleted "
     "draft flagged from f header x-a \"\" keyword $Fwd larger 1 new not old "
     "on 29-Feb-2004 or recent seen sentbefore 1-mar-2001 senton "
     "\"2-Apr-2002\" sentsince 3-May-2003 since 4-Jun-2004 smaller 2 "
     "subject s text t to u uid 1,3:*,7 unanswered undeleted undraft "
     "unflagged unkeyword \\Seen unseen\r\n",
     "ALL ANSWERED BCC x BEFORE 1-Jan-2000 BODY y CC z DELETED DRAFT FLAGGED "
     "FROM f HEADER x-a \"\" KEYWORD $Fwd LARGER 1 NEW NOT OLD ON "
     "29-Feb-2004 OR RECENT SEEN SENTBEFORE 1-Mar-2001 SENTON 2-Apr-2002 "
     "SENTSINCE 3-May-2003 SINCE 4-Jun-2004 SMALLER 2 SUBJECT s TEXT t TO u "
     "UID 1,3:*,7 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD \\Seen "
     "UNSEEN"},
    /* Nesting, literals and atoms that need quoting. */
    {"a SEARCH NOT (OR (FROM {3}\r\na b) NOT NOT TO \"c\\\"d\") ((SEEN))\r\n",
     "NOT (OR (FROM \"a b\") NOT NOT TO \"c\\\"d\") ((SEEN))"},
    {"a SEARCH SUBJECT NIL BODY \"[x]\" FROM {0}\r\n KEYWORD NIL\r\n",
     "SUBJECT \"NIL\" BODY \"[x]\" FROM \"\" KEYWORD NIL"},
    {"a SEARCH TEXT {2+}\r\nab UID 5\r\n", "TEXT ab UID 5"},
    {"a SEARCH LARGER 18446744073709551615\r\n", "LARGER 18446744073709551615"},
    {"a SEARCH 2:1,*:4,*\r\n", "2:1,*:4,*"},
    /* SORT and THREAD (RFC 5256) share the key grammar. */
    {"a SORT (REVERSE DATE) UTF-8 SUBJECT x ALL\r\n", "SUBJECT x ALL"},
    {"a SORT RETURN (COUNT) (DATE) US-ASCII NOT SEEN\r\n", "NOT SEEN"},
    {"a UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n", "SINCE 5-Mar-2000"},
};

static const rt_case fetch_cases[] = {
    /* RFC 3501 / RFC 9051 6.4.5 */
    {"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
     "(FLAGS BODY[HEADER.FIELDS (DATE FROM)])"},
    {"a FETCH 1 all\r\n", "ALL"},
    {"a FETCH 1 Fast\r\n", "FAST"},
    {"a FETCH 12 full\r\n", "FULL"},
    {"a FETCH 1 (ALL)\r\n", "(ALL)"},
    {"a FETCH 1 flags\r\n", "FLAGS"},
    {"a FETCH 1 BODY[]\r\n", "BODY[]"},
    {"a FETCH 1 (flags internaldate rfc822 rfc822.header rfc822.size "
     "rfc822.text envelope body bodystructure uid modseq emailid threadid "
     "savedate x-gm-msgid Preview)\r\n",
     "(FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT "
     "ENVELOPE BODY BODYSTRUCTURE UID MODSEQ EMAILID THREADID SAVEDATE "
     "x-gm-msgid Preview)"},
    {"a FETCH 1 (body[header] BODY.PEEK[TEXT]<0.2048> body[1] "
     "BODY[1.2.3.MIME] BODY[4.2.HEADER] BODY[3.TEXT] BODY[2.HEADER.FIELDS.NOT "
     "(Received {3}\r\nX-A \"a b\")]<10.20>)\r\n",
     "(BODY[HEADER] BODY.PEEK[TEXT]<0.2048> BODY[1] BODY[1.2.3.MIME] "
     "BODY[4.2.HEADER] BODY[3.TEXT] BODY[2.HEADER.FIELDS.NOT (Received X-A "
     "\"a b\")]<10.20>)"},
    /* RFC 3516 BINARY */
    {"a FETCH 1 (BINARY[] BINARY.PEEK[1.2]<0.100> BINARY.SIZE[4] "
     "binary[10]<18446744073709551615.1>)\r\n",
     "(BINARY[] BINARY.PEEK[1.2]<0.100> BINARY.SIZE[4] "
     "BINARY[10]<18446744073709551615.1>)"},
    {"a FETCH 1 BINARY.SIZE[]\r\n", "BINARY.SIZE[]"},
    /* RFC 7162 CHANGEDSINCE: the modifier list is not an attribute. */
    {"s100 UID FETCH 1:* (FLAGS MODSEQ) (CHANGEDSINCE 12345)\r\n",
     "(FLAGS MODSEQ)"},
    {"a FETCH 1 (UID BODY.PEEK[1.2.TEXT]<0.2048> BINARY.PEEK[1] "
     "BINARY.SIZE[1] BODY[4.2.MIME] X-GM-MSGID)\r\n",
     "(UID BODY.PEEK[1.2.TEXT]<0.2048> BINARY.PEEK[1] BINARY.SIZE[1] "
     "BODY[4.2.MIME] X-GM-MSGID)"},
    {"a FETCH 1 BODY.PEEK[HEADER.FIELDS (NIL \"\" [x])]\r\n",
     "BODY.PEEK[HEADER.FIELDS (\"NIL\" \"\" \"[x]\")]"},
    {"a FETCH 1 BODY.PEEK\r\n", "BODY.PEEK"},
    {"a FETCH 1 ([GMAIL]X X]Y)\r\n", "([GMAIL]X X]Y)"},
};

static void test_search_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(search_cases); i++) {
        const rt_case *c = &search_cases[i];
        parsed t;
        parse_cmd(&t, c->line, strlen(c->line), 0);
        mw_imap_search s = decode_search(&t);
        search_round_trip(&s, 0, c->canon);
        parsed_free(&t);
    }
}

static void test_fetch_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(fetch_cases); i++) {
        const rt_case *c = &fetch_cases[i];
        parsed t;
        parse_cmd(&t, c->line, strlen(c->line), 0);
        mw_imap_fetch_atts f = decode_fetch(&t);
        fetch_round_trip(&f, 0, c->canon);
        parsed_free(&t);
    }
}

/* ------------------------------------------------------------------ */
/* Typed fields                                                        */
/* ------------------------------------------------------------------ */

static void test_search_fields_rfc_example(void **state)
{
    (void)state;
    parsed t;
    const char *line =
        "A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_search s = decode_search(&t);
    assert_int_equal(s.n_top, 3);
    assert_int_equal(s.n_keys, 4);
    assert_int_equal(s.keys[0].type, MW_IMAP_SK_FLAGGED);
    assert_int_equal(s.keys[0].subtree, 1);
    assert_int_equal(s.keys[1].type, MW_IMAP_SK_SINCE);
    assert_int_equal(s.keys[1].date.year, 1994);
    assert_int_equal(s.keys[1].date.month, 2);
    assert_int_equal(s.keys[1].date.day, 1);
    assert_int_equal(s.keys[1].date.has_time, 0);
    assert_int_equal(s.keys[2].type, MW_IMAP_SK_NOT);
    assert_int_equal(s.keys[2].count, 1);
    assert_int_equal(s.keys[2].subtree, 2);
    assert_int_equal(s.keys[3].type, MW_IMAP_SK_FROM);
    assert_span(s.keys[3].str, "Smith");
    parsed_free(&t);
}

static void test_search_fields_nested(void **state)
{
    (void)state;
    parsed t;
    const char *line = "a SEARCH OR (FROM {3}\r\na b HEADER X-Y z) NOT "
                       "(UID 9:*) 4,5:7 KEYWORD $Junk\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_search s = decode_search(&t);
    assert_int_equal(s.n_top, 3);
    assert_int_equal(s.n_keys, 9);
    const mw_imap_search_key *k = s.keys;
    assert_int_equal(k[0].type, MW_IMAP_SK_OR);
    assert_int_equal(k[0].count, 2);
    assert_int_equal(k[0].subtree, 7);
    assert_int_equal(k[1].type, MW_IMAP_SK_AND);
    assert_int_equal(k[1].count, 2);
    assert_int_equal(k[1].subtree, 3);
    assert_int_equal(k[2].type, MW_IMAP_SK_FROM);
    assert_span(k[2].str, "a b");
    assert_int_equal(k[3].type, MW_IMAP_SK_HEADER);
    assert_span(k[3].str, "X-Y");
    assert_span(k[3].str2, "z");
    assert_int_equal(k[4].type, MW_IMAP_SK_NOT);
    assert_int_equal(k[4].subtree, 3);
    assert_int_equal(k[5].type, MW_IMAP_SK_AND);
    assert_int_equal(k[5].count, 1);
    assert_int_equal(k[6].type, MW_IMAP_SK_UID);
    assert_int_equal(k[6].set.n, 1);
    assert_int_equal(k[6].set.ranges[0].lo, 9);
    assert_int_equal(k[6].set.ranges[0].hi, 0);
    assert_int_equal(k[7].type, MW_IMAP_SK_SEQSET);
    assert_int_equal(k[7].set.n, 2);
    assert_int_equal(k[7].set.ranges[1].lo, 5);
    assert_int_equal(k[7].set.ranges[1].hi, 7);
    assert_int_equal(k[8].type, MW_IMAP_SK_KEYWORD);
    assert_span(k[8].str, "$Junk");
    parsed_free(&t);
    line = "a SEARCH KEYWORD $Junk UID $\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    s = decode_search(&t);
    assert_int_equal(s.keys[0].type, MW_IMAP_SK_KEYWORD);
    assert_span(s.keys[0].str, "$Junk");
    assert_int_equal(s.keys[1].set.dollar, 1);
    assert_int_equal(s.keys[1].set.n, 0);
    parsed_free(&t);
}

static void test_search_fields_modseq(void **state)
{
    (void)state;
    parsed t;
    const char *line = "a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338 "
                       "MODSEQ 18446744073709551615 OLDER 3600 SMALLER 0\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_search s = decode_search(&t);
    assert_int_equal(s.n_keys, 4);
    assert_int_equal(s.keys[0].type, MW_IMAP_SK_MODSEQ);
    assert_int_equal(s.keys[0].entry_type, MW_IMAP_SK_ENTRY_ALL);
    assert_span(s.keys[0].str, "/flags/\\draft");
    assert_true(s.keys[0].number == 620162338u);
    assert_int_equal(s.keys[1].entry_type, MW_IMAP_SK_ENTRY_NONE);
    assert_true(s.keys[1].number == UINT64_MAX);
    assert_int_equal(s.keys[2].type, MW_IMAP_SK_OLDER);
    assert_true(s.keys[2].number == 3600);
    assert_int_equal(s.keys[3].type, MW_IMAP_SK_SMALLER);
    assert_true(s.keys[3].number == 0);
    parsed_free(&t);
}

static void test_search_utf8_and_literal_plus(void **state)
{
    (void)state;
    parsed t;
    const char *line = "a SEARCH CHARSET UTF-8 SUBJECT {2}\r\n\xc3\xa9\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_search s = decode_search(&t);
    assert_span(s.keys[0].str, "\xc3\xa9");
    search_round_trip(&s, MW_IMAP_WRITE_UTF8, "SUBJECT \"\xc3\xa9\"");
    search_round_trip(&s, MW_IMAP_WRITE_LITERAL_PLUS,
                      "SUBJECT {2+}\r\n\xc3\xa9");
    parsed_free(&t);
}

static void test_fetch_fields(void **state)
{
    (void)state;
    parsed t;
    const char *line = "a FETCH 1 (BODY.PEEK[1.22.HEADER.FIELDS (From "
                       "\"To\")]<5.10> BINARY.SIZE[3] X-GM-LABELS BODY[] "
                       "body[1.MIME])\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_fetch_atts f = decode_fetch(&t);
    assert_int_equal(f.macro, MW_IMAP_FETCH_MACRO_NONE);
    assert_int_equal(f.parenthesized, 1);
    assert_int_equal(f.n_atts, 5);
    const mw_imap_fetch_att *a = f.atts;
    assert_int_equal(a[0].type, MW_IMAP_FETCH_ATT_BODY_PEEK);
    assert_int_equal(a[0].section.n_parts, 2);
    assert_int_equal(a[0].section.parts[0], 1);
    assert_int_equal(a[0].section.parts[1], 22);
    assert_int_equal(a[0].section.spec, MW_IMAP_SECTION_HEADER_FIELDS);
    assert_int_equal(a[0].section.n_fields, 2);
    assert_span(a[0].section.fields[0], "From");
    assert_span(a[0].section.fields[1], "To");
    assert_int_equal(a[0].has_partial, 1);
    assert_true(a[0].origin == 5 && a[0].length == 10);
    assert_int_equal(a[1].type, MW_IMAP_FETCH_ATT_BINARY_SIZE);
    assert_int_equal(a[1].section.n_parts, 1);
    assert_int_equal(a[1].section.parts[0], 3);
    assert_int_equal(a[1].has_partial, 0);
    assert_int_equal(a[2].type, MW_IMAP_FETCH_ATT_OTHER);
    assert_span(a[2].name, "X-GM-LABELS");
    assert_int_equal(a[3].type, MW_IMAP_FETCH_ATT_BODY_SECTION);
    assert_int_equal(a[3].section.n_parts, 0);
    assert_int_equal(a[3].section.spec, MW_IMAP_SECTION_NONE);
    assert_int_equal(a[4].section.spec, MW_IMAP_SECTION_MIME);
    parsed_free(&t);

    line = "a FETCH 1 full\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    f = decode_fetch(&t);
    assert_int_equal(f.macro, MW_IMAP_FETCH_MACRO_FULL);
    assert_int_equal(f.n_atts, 0);
    assert_int_equal(f.parenthesized, 0);
    parsed_free(&t);

    line = "a UID FETCH 1 BINARY[2]<0.7>\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    f = decode_fetch(&t);
    assert_int_equal(f.n_atts, 1);
    assert_int_equal(f.parenthesized, 0);
    assert_int_equal(f.atts[0].type, MW_IMAP_FETCH_ATT_BINARY);
    assert_true(f.atts[0].length == 7);
    parsed_free(&t);
}

/* ------------------------------------------------------------------ */
/* Decoding errors (unvalidated trees, as a lenient caller might have) */
/* ------------------------------------------------------------------ */

typedef struct bad_case {
    const char *line;
    mw_status status;
    uint64_t offset;
    const char *expected;
} bad_case;

static const bad_case search_bads[] = {
    {"a SEARCH FOO\r\n", MW_E_SYNTAX, 9, "search key"},
    {"a SEARCH ALL FROM\r\n", MW_E_SYNTAX, 13, "astring"},
    {"a SEARCH SINCE 31-Feb-2000\r\n", MW_E_SYNTAX, 15, "date"},
    {"a SEARCH LARGER x\r\n", MW_E_SYNTAX, 16, "number"},
    {"a SEARCH UID ALL\r\n", MW_E_SYNTAX, 13, "sequence set"},
    {"a SEARCH KEYWORD \"x\"\r\n", MW_E_SYNTAX, 17, "flag keyword"},
    {"a SEARCH HEADER X\r\n", MW_E_SYNTAX, 9, "astring"},
    {"a SEARCH OR SEEN\r\n", MW_E_SYNTAX, 9, "search key"},
    {"a SEARCH ()\r\n", MW_E_SYNTAX, 9, "search key"},
    {"a SEARCH (SEEN \"x\")\r\n", MW_E_SYNTAX, 15, "search key"},
    {"a SEARCH MODSEQ \"/f\" bogus 5\r\n", MW_E_SYNTAX, 21, "entry type"},
    {"a SEARCH MODSEQ x\r\n", MW_E_SYNTAX, 16, "mod-sequence"},
    {"a SEARCH NIL\r\n", MW_E_SYNTAX, 9, "search key"},
};

static void test_search_decode_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(search_bads); i++) {
        const bad_case *b = &search_bads[i];
        parsed t;
        memset(&t, 0, sizeof(t));
        t.p = new_parser(MW_IMAP_PARSE_NO_VALIDATE, NULL);
        mwi_imap_arena_init(&t.arena, NULL);
        size_t used;
        assert_int_equal(
            mw_imap_parser_feed(t.p, b->line, strlen(b->line), &used, &t.ev),
            MW_OK);
        /* "SEARCH" is the first value; the keys follow it. */
        const mw_imap_value *first = mw_imap_value_next(t.ev.unit.values);
        mw_imap_search s;
        mw_imap_error err = {0, ""};
        mw_status st = mwi_imap_search_decode(first, t.ev.unit.n_top - 1, 0,
                                              &t.arena, &s, &err);
        if (st != b->status || err.offset != b->offset ||
            strcmp(err.expected, b->expected) != 0)
            fail_msg("'%s': %s at %llu expected %s", b->line,
                     mw_status_name(st), (unsigned long long)err.offset,
                     err.expected);
        parsed_free(&t);
    }
}

/* PEERS.md 3.6, unbounded nesting recursion (php/pecl-mail-mailparse PR
 * #59 and the MIME-bomb class): the key decoder recurses, so its depth is
 * bounded exactly where the validator's is. 64 NOTs nest to depth 64
 * (accepted); 65 are refused by both with the same offset. */
static void test_pecl_mailparse_pr59_search_nesting_bounded(void **state)
{
    (void)state;
    for (int extra = 0; extra < 2; extra++) {
        mw_buf line;
        mw_buf_init_growable(&line, NULL, 0);
        mw_buf_append_str(&line, "a SEARCH ");
        for (int i = 0; i < 64 + extra; i++)
            mw_buf_append_str(&line, "NOT ");
        mw_buf_append_str(&line, "SEEN\r\n");
        parsed t;
        memset(&t, 0, sizeof(t));
        t.p = new_parser(MW_IMAP_PARSE_NO_VALIDATE, NULL);
        mwi_imap_arena_init(&t.arena, NULL);
        size_t used;
        assert_int_equal(
            mw_imap_parser_feed(t.p, line.data, line.len, &used, &t.ev), MW_OK);
        mw_imap_command cmd;
        mw_imap_error verr = {0, ""};
        mw_status vst = mw_imap_command_get(&t.ev.unit, 0, &cmd, &verr);
        mw_imap_search s;
        mw_imap_error err = {0, ""};
        mw_status st =
            mwi_imap_search_decode(mw_imap_value_next(t.ev.unit.values),
                                   t.ev.unit.n_top - 1, 0, &t.arena, &s, &err);
        assert_int_equal(st, vst);
        if (extra) {
            assert_int_equal(st, MW_E_SYNTAX);
            assert_string_equal(err.expected, "shallower search key");
            assert_true(err.offset == verr.offset);
        } else {
            assert_int_equal(s.n_keys, 65);
            assert_int_equal(s.keys[0].subtree, 65);
            search_round_trip(&s, 0, NULL);
        }
        parsed_free(&t);
        mw_buf_free(&line);
    }
}

static const bad_case fetch_bads[] = {
    {"a FETCH 1 NIL\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 12\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 ()\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 (FLAGS \"x\")\r\n", MW_E_SYNTAX, 17, "fetch attribute"},
    {"a FETCH 1 BODY[0]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BODY[1.]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    /* MIME needs a part (swift-nio-imap PR #703 crashed here). */
    {"a FETCH 1 BODY[MIME]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BODY[HEADER.FIELDS]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BODY[HEADER.FIELDS ()]\r\n", MW_E_SYNTAX, 10,
     "fetch attribute"},
    {"a FETCH 1 BODY[TEXT (x)]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BINARY[TEXT]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BINARY[1.MIME]\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BODY[]<5>\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 BINARY.SIZE[1]<0.5>\r\n", MW_E_SYNTAX, 10, "fetch attribute"},
    {"a FETCH 1 (UID BODY[1.4294967296])\r\n", MW_E_LIMIT, 15,
     "smaller part number"},
};

static void test_fetch_decode_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(fetch_bads); i++) {
        const bad_case *b = &fetch_bads[i];
        parsed t;
        memset(&t, 0, sizeof(t));
        t.p = new_parser(MW_IMAP_PARSE_NO_VALIDATE, NULL);
        mwi_imap_arena_init(&t.arena, NULL);
        size_t used;
        assert_int_equal(
            mw_imap_parser_feed(t.p, b->line, strlen(b->line), &used, &t.ev),
            MW_OK);
        const mw_imap_value *v =
            mw_imap_value_next(mw_imap_value_next(t.ev.unit.values));
        mw_imap_fetch_atts f;
        mw_imap_error err = {0, ""};
        mw_status st = mwi_imap_fetch_atts_decode(v, &t.arena, &f, &err);
        if (st != b->status || err.offset != b->offset ||
            strcmp(err.expected, b->expected) != 0)
            fail_msg("'%s': %s at %llu expected %s", b->line,
                     mw_status_name(st), (unsigned long long)err.offset,
                     err.expected);
        /* The validator rejects the same input (the part-number overflow
         * is a typed limit only). */
        mw_imap_command cmd;
        mw_status vst = mw_imap_command_get(&t.ev.unit, 0, &cmd, NULL);
        assert_int_equal(vst, b->status == MW_E_LIMIT ? MW_OK : MW_E_SYNTAX);
        parsed_free(&t);
    }
}

static void test_streamed_literal_is_limit(void **state)
{
    (void)state;
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS;
    cfg.inline_max = 4;
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
    const char *line = "a SEARCH BODY {8}\r\n12345678\r\n";
    size_t len = strlen(line), off = 0, used;
    mw_imap_event ev;
    for (;;) {
        assert_int_equal(
            mw_imap_parser_feed(p, line + off, len - off, &used, &ev), MW_OK);
        off += used;
        if (ev.type == MW_IMAP_EV_UNIT)
            break;
    }
    mwi_imap_arena a;
    mwi_imap_arena_init(&a, NULL);
    mw_imap_search s;
    mw_imap_error err = {0, ""};
    assert_int_equal(mwi_imap_search_decode(mw_imap_value_next(ev.unit.values),
                                            2, 0, &a, &s, &err),
                     MW_E_LIMIT);
    assert_true(err.offset == 14);
    mwi_imap_arena_free(&a);
    mw_imap_parser_free(p);
}

/* PEERS.md 3.4, ruby/net-imap PR #701: a non-synchronizing literal sent
 * to a server without LITERAL+ is a command-injection vector, so the
 * writers emit `{n}` unless the caller says the server takes `{n+}`. */
static void test_ruby_net_imap_pr701_literal_plus_only_when_asked(void **state)
{
    (void)state;
    mw_imap_search_key k;
    memset(&k, 0, sizeof(k));
    k.type = MW_IMAP_SK_BODY;
    k.subtree = 1;
    k.str = (mw_span){"x\r\nA1 DELETE INBOX", 18};
    mw_imap_search s = {&k, 1, 1};
    search_round_trip(&s, 0, "BODY {18}\r\nx\r\nA1 DELETE INBOX");
    search_round_trip(&s, MW_IMAP_WRITE_UTF8,
                      "BODY {18}\r\nx\r\nA1 DELETE INBOX");
    search_round_trip(&s, MW_IMAP_WRITE_LITERAL_PLUS,
                      "BODY {18+}\r\nx\r\nA1 DELETE INBOX");
    mw_span field = {"a\rb", 3};
    mw_imap_fetch_att a;
    memset(&a, 0, sizeof(a));
    a.type = MW_IMAP_FETCH_ATT_BODY_PEEK;
    a.section.spec = MW_IMAP_SECTION_HEADER_FIELDS;
    a.section.fields = &field;
    a.section.n_fields = 1;
    mw_imap_fetch_atts f = {0, &a, 1, 0};
    fetch_round_trip(&f, 0, "BODY.PEEK[HEADER.FIELDS ({3}\r\na\rb)]");
    fetch_round_trip(&f, MW_IMAP_WRITE_LITERAL_PLUS,
                     "BODY.PEEK[HEADER.FIELDS ({3+}\r\na\rb)]");
}

/* PEERS.md 3.4, emailjs/emailjs-imap-handler #20: zero-length literals are
 * ordinary (empty) strings in search keys and header field lists. */
static void test_emailjs_imap_handler_20_zero_length_literal(void **state)
{
    (void)state;
    parsed t;
    const char *line = "a SEARCH FROM {0}\r\n HEADER {0}\r\n {0+}\r\n\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_search s = decode_search(&t);
    assert_int_equal(s.n_keys, 2);
    assert_int_equal(s.keys[0].str.len, 0);
    assert_int_equal(s.keys[1].str.len, 0);
    assert_int_equal(s.keys[1].str2.len, 0);
    search_round_trip(&s, 0, "FROM \"\" HEADER \"\" \"\"");
    parsed_free(&t);
    line = "a FETCH 1 BODY[HEADER.FIELDS ({0}\r\n)]\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_fetch_atts f = decode_fetch(&t);
    assert_int_equal(f.atts[0].section.n_fields, 1);
    assert_int_equal(f.atts[0].section.fields[0].len, 0);
    fetch_round_trip(&f, 0, "BODY[HEADER.FIELDS (\"\")]");
    parsed_free(&t);
}

/* PEERS.md 3.5, apple/swift-nio-imap #561 (crash on 8-bit bytes in an
 * astring): raw 8-bit atoms are kept byte for byte, and written back as a
 * literal (or quoted under UTF8=ACCEPT) that re-reads to the same bytes. */
static void test_swift_nio_imap_561_8bit_astring(void **state)
{
    (void)state;
    parsed t;
    const char *line =
        "a SEARCH SUBJECT \xa0\xe6o KEYWORD \xa0[+ TEXT \"\xa0\xe6\"\r\n";
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_search s = decode_search(&t);
    assert_int_equal(s.n_keys, 3);
    assert_span(s.keys[0].str, "\xa0\xe6o");
    assert_span(s.keys[1].str, "\xa0[+");
    assert_span(s.keys[2].str, "\xa0\xe6");
    search_round_trip(&s, 0,
                      "SUBJECT {3}\r\n\xa0\xe6o KEYWORD \xa0[+ TEXT "
                      "{2}\r\n\xa0\xe6");
    search_round_trip(&s, MW_IMAP_WRITE_UTF8,
                      "SUBJECT \"\xa0\xe6o\" KEYWORD \xa0[+ TEXT \"\xa0\xe6\"");
    parsed_free(&t);
}

/* ------------------------------------------------------------------ */
/* Caller-built values                                                 */
/* ------------------------------------------------------------------ */

static mw_span sp(const char *s)
{
    mw_span r = {s, strlen(s)};
    return r;
}

static void expect_search_refused(const mw_imap_search_key *keys, uint32_t n,
                                  uint32_t top, mw_status want)
{
    mw_imap_search s = {keys, n, top};
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_buf_append_str(&out, "x"), MW_OK);
    assert_int_equal(mw_imap_search_write(&s, 0, &out), want);
    assert_int_equal(out.len, 1);
}

static void test_search_built_values(void **state)
{
    (void)state;
    mw_imap_range r[2] = {{1, 0}, {7, 7}};
    mw_imap_search_key k[4];
    memset(k, 0, sizeof(k));
    k[0].type = MW_IMAP_SK_OR;
    k[0].count = 2;
    k[0].subtree = 3;
    k[1].type = MW_IMAP_SK_HEADER;
    k[1].subtree = 1;
    k[1].str = sp("Subject");
    k[1].str2 = sp("a\"b\\c");
    k[2].type = MW_IMAP_SK_UID;
    k[2].subtree = 1;
    k[2].set.ranges = r;
    k[2].set.n = 2;
    k[3].type = MW_IMAP_SK_BEFORE;
    k[3].subtree = 1;
    k[3].date.year = 2024;
    k[3].date.month = 12;
    k[3].date.day = 31;
    mw_imap_search s = {k, 4, 2};
    search_round_trip(&s, 0,
                      "OR HEADER Subject \"a\\\"b\\\\c\" UID 1:*,7 "
                      "BEFORE 31-Dec-2024");

    /* A string with CR LF becomes a literal; one with NUL a literal8. */
    mw_imap_search_key t[1];
    memset(t, 0, sizeof(t));
    t[0].type = MW_IMAP_SK_TEXT;
    t[0].subtree = 1;
    t[0].str = sp("a\r\nb");
    mw_imap_search ts = {t, 1, 1};
    search_round_trip(&ts, 0, "TEXT {4}\r\na\r\nb");
    t[0].str.ptr = "a\0b";
    t[0].str.len = 3;
    search_round_trip_n(&ts, 0, "TEXT ~{3}\r\na\0b", 14);

    /* Refusals: nothing is written. */
    mw_imap_search_key bad[2];
    memset(bad, 0, sizeof(bad));
    expect_search_refused(bad, 1, 1, MW_E_ARG); /* INVALID type */
    bad[0].type = MW_IMAP_SK_NOT;
    bad[0].count = 1;
    bad[0].subtree = 1; /* child missing */
    expect_search_refused(bad, 1, 1, MW_E_ARG);
    bad[0].subtree = 2;
    bad[1].type = MW_IMAP_SK_SEEN;
    bad[1].subtree = 1;
    expect_search_refused(bad, 2, 2, MW_E_ARG); /* n_top disagrees */
    expect_search_refused(bad, 2, 0, MW_E_ARG);
    bad[1].type = MW_IMAP_SK_KEYWORD;
    bad[1].str = sp("two words");
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].str = sp("BODY[x]");
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].str = sp("");
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].type = MW_IMAP_SK_ON;
    bad[1].date.year = 2023;
    bad[1].date.month = 2;
    bad[1].date.day = 29;
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].date.day = 28;
    bad[1].date.has_time = 1;
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].type = MW_IMAP_SK_UID;
    expect_search_refused(bad, 2, 1, MW_E_ARG); /* empty set */
    bad[1].set.dollar = 1;
    bad[1].set.n = 2;
    bad[1].set.ranges = r;
    expect_search_refused(bad, 2, 1, MW_E_ARG); /* $ with ranges */
    bad[1].type = MW_IMAP_SK_MODSEQ;
    bad[1].entry_type = 4;
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].type = MW_IMAP_SK_FUZZY + 1;
    expect_search_refused(bad, 2, 1, MW_E_ARG);
    bad[1].type = MW_IMAP_SK_AND;
    bad[1].count = 0;
    expect_search_refused(bad, 2, 1, MW_E_ARG); /* empty list */

    /* 65 nested NOTs exceed the depth the parser side accepts. */
    mw_imap_search_key deep[66];
    memset(deep, 0, sizeof(deep));
    for (uint32_t i = 0; i < 65; i++) {
        deep[i].type = MW_IMAP_SK_NOT;
        deep[i].count = 1;
        deep[i].subtree = 66 - i;
    }
    deep[65].type = MW_IMAP_SK_ALL;
    deep[65].subtree = 1;
    expect_search_refused(deep, 66, 1, MW_E_LIMIT);

    /* A fixed buffer too small: NOSPACE, nothing written. */
    char small[8];
    mw_buf out;
    mw_buf_init_fixed(&out, small, sizeof(small));
    assert_int_equal(mw_imap_search_write(&s, 0, &out), MW_E_NOSPACE);
    assert_int_equal(out.len, 0);

    /* Equality notices every field. */
    mw_imap_search_key k2[4];
    memcpy(k2, k, sizeof(k2));
    mw_imap_search s2 = {k2, 4, 2};
    assert_true(mw_imap_search_equal(&s, &s2));
    k2[1].str2 = sp("a\"b\\C");
    assert_false(mw_imap_search_equal(&s, &s2));
    k2[1].str2 = k[1].str2;
    k2[3].date.day = 30;
    assert_false(mw_imap_search_equal(&s, &s2));
    k2[3].date.day = 31;
    mw_imap_range r2[2] = {{1, 0}, {7, 8}};
    k2[2].set.ranges = r2;
    assert_false(mw_imap_search_equal(&s, &s2));
    assert_true(mw_imap_search_equal(NULL, NULL));
    assert_false(mw_imap_search_equal(&s, NULL));
}

static void test_seqset_write_typed(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_imap_seqset d = {NULL, 0, 1};
    assert_int_equal(mw_imap_seqset_write_typed(&d, &out), MW_OK);
    mw_imap_range r[3] = {{1, 1}, {3, 5}, {7, 0}};
    mw_imap_seqset s = {r, 3, 0};
    assert_int_equal(mw_buf_append_byte(&out, ' '), MW_OK);
    assert_int_equal(mw_imap_seqset_write_typed(&s, &out), MW_OK);
    mwt_assert_bytes("seqset", out.data, out.len, "$ 1,3:5,7:*", 11);
    mw_imap_seqset none = {r, 0, 0};
    assert_int_equal(mw_imap_seqset_write_typed(&none, &out), MW_E_ARG);
    assert_int_equal(mw_imap_seqset_write_typed(NULL, &out), MW_E_ARG);
    assert_int_equal(out.len, 11);
    mw_buf_free(&out);

    /* Decoding: ranges in the arena, "$" flagged, bad atoms refused. */
    const char *line = "a UID FETCH 5:3,* FLAGS\r\n";
    parsed t;
    parse_cmd(&t, line, strlen(line), 0);
    mw_imap_seqset got;
    assert_int_equal(
        mwi_imap_seqset_decode(t.ev.command.args, &t.arena, &got, NULL), MW_OK);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.ranges[0].lo, 5);
    assert_int_equal(got.ranges[0].hi, 3);
    assert_int_equal(got.ranges[1].lo, 0);
    mw_imap_error err = {0, ""};
    assert_int_equal(mwi_imap_seqset_decode(t.fatt, &t.arena, &got, &err),
                     MW_E_SYNTAX);
    assert_true(err.offset == 18);
    assert_string_equal(err.expected, "sequence set");
    parsed_free(&t);
}

static void expect_fetch_refused(const mw_imap_fetch_atts *f)
{
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_imap_fetch_atts_write(f, 0, &out), MW_E_ARG);
    assert_int_equal(out.len, 0);
}

static void test_fetch_built_values(void **state)
{
    (void)state;
    uint32_t parts[3] = {1, 2, 3};
    mw_span fields[2] = {{"Message-ID", 10}, {"a b", 3}};
    mw_imap_fetch_att a[3];
    memset(a, 0, sizeof(a));
    a[0].type = MW_IMAP_FETCH_ATT_BODY_PEEK;
    a[0].section.parts = parts;
    a[0].section.n_parts = 3;
    a[0].section.spec = MW_IMAP_SECTION_HEADER_FIELDS_NOT;
    a[0].section.fields = fields;
    a[0].section.n_fields = 2;
    a[0].has_partial = 1;
    a[0].origin = 0;
    a[0].length = 1024;
    a[1].type = MW_IMAP_FETCH_ATT_OTHER;
    a[1].name = sp("X-GM-THRID");
    a[2].type = MW_IMAP_FETCH_ATT_BINARY_SIZE;
    a[2].section.parts = parts;
    a[2].section.n_parts = 1;
    mw_imap_fetch_atts f = {MW_IMAP_FETCH_MACRO_NONE, a, 3, 1};
    fetch_round_trip(&f, 0,
                     "(BODY.PEEK[1.2.3.HEADER.FIELDS.NOT (Message-ID \"a "
                     "b\")]<0.1024> X-GM-THRID BINARY.SIZE[1])");
    mw_imap_fetch_atts m = {MW_IMAP_FETCH_MACRO_FAST, NULL, 0, 0};
    fetch_round_trip(&m, 0, "FAST");

    /* Refusals. */
    mw_imap_fetch_atts r = f;
    r.parenthesized = 0; /* three attributes need parentheses */
    expect_fetch_refused(&r);
    r = m;
    r.n_atts = 1;
    r.atts = a; /* macro with attributes */
    expect_fetch_refused(&r);
    r.macro = 4;
    r.n_atts = 0;
    expect_fetch_refused(&r);
    mw_imap_fetch_att one;
    mw_imap_fetch_atts single = {0, &one, 1, 0};
    const char *bad_names[] = {"ALL", "flags",   "NIL", "123",
                               "a b", "BODY[1]", "",    "(x"};
    for (size_t i = 0; i < N_OF(bad_names); i++) {
        memset(&one, 0, sizeof(one));
        one.name = sp(bad_names[i]);
        expect_fetch_refused(&single);
    }
    /* "ALL" inside a list is an ordinary attribute atom. */
    single.parenthesized = 1;
    memset(&one, 0, sizeof(one));
    one.name = sp("ALL");
    fetch_round_trip(&single, 0, "(ALL)");
    single.parenthesized = 0;
    memset(&one, 0, sizeof(one));
    one.type = MW_IMAP_FETCH_ATT_BINARY;
    one.section.spec = MW_IMAP_SECTION_TEXT;
    expect_fetch_refused(&single);
    one.type = MW_IMAP_FETCH_ATT_BODY_SECTION;
    one.section.spec = MW_IMAP_SECTION_MIME; /* MIME needs a part */
    expect_fetch_refused(&single);
    one.section.spec = MW_IMAP_SECTION_HEADER_FIELDS; /* no fields */
    expect_fetch_refused(&single);
    one.section.spec = MW_IMAP_SECTION_HEADER;
    one.section.fields = fields;
    one.section.n_fields = 1; /* fields where none belong */
    expect_fetch_refused(&single);
    one.section.n_fields = 0;
    uint32_t zero = 0;
    one.section.parts = &zero;
    one.section.n_parts = 1;
    expect_fetch_refused(&single);
    memset(&one, 0, sizeof(one));
    one.type = MW_IMAP_FETCH_ATT_BINARY_SIZE;
    one.has_partial = 1;
    expect_fetch_refused(&single);
    one.type = MW_IMAP_FETCH_ATT_UID; /* partial outside a section */
    expect_fetch_refused(&single);
    one.type = MW_IMAP_FETCH_ATT_BINARY_SIZE + 1;
    one.has_partial = 0;
    expect_fetch_refused(&single);

    /* Equality. */
    mw_imap_fetch_att b[3];
    memcpy(b, a, sizeof(b));
    mw_imap_fetch_atts g = {0, b, 3, 1};
    assert_true(mw_imap_fetch_atts_equal(&f, &g));
    b[1].name = sp("x-gm-thrid");
    assert_true(mw_imap_fetch_atts_equal(&f, &g));
    b[0].length = 1023;
    assert_false(mw_imap_fetch_atts_equal(&f, &g));
    b[0].length = 1024;
    b[0].section.n_fields = 1;
    assert_false(mw_imap_fetch_atts_equal(&f, &g));
    b[0].section.n_fields = 2;
    g.parenthesized = 0;
    assert_false(mw_imap_fetch_atts_equal(&f, &g));
}

/* ------------------------------------------------------------------ */
/* Chunking: the typed result of every command is the same whether the */
/* parser gets the stream whole, byte by byte or split anywhere.        */
/* ------------------------------------------------------------------ */

typedef struct chunk_state {
    mw_imap_parser *p;
} chunk_state;

static void *chunk_create(const void *cfg)
{
    (void)cfg;
    chunk_state *s = calloc(1, sizeof(*s));
    if (s)
        s->p = new_parser(0, NULL);
    return s;
}

static void log_typed(const mw_imap_event *ev, mw_buf *log)
{
    parsed t;
    memset(&t, 0, sizeof(t));
    t.ev = *ev;
    mwi_imap_arena_init(&t.arena, NULL);
    mw_status st = MW_OK;
    if (ev->command.type == MW_IMAP_CMD_FETCH) {
        mw_imap_fetch_atts f;
        t.fatt = mw_imap_value_next(ev->command.args);
        st = mwi_imap_fetch_atts_decode(t.fatt, &t.arena, &f, NULL);
        if (st == MW_OK)
            st = mw_imap_fetch_atts_write(&f, 0, log);
    } else {
        mw_imap_search s;
        locate_keys(&t);
        st = mwi_imap_search_decode(t.keys, t.n_top, 0, &t.arena, &s, NULL);
        if (st == MW_OK)
            st = mw_imap_search_write(&s, 0, log);
    }
    mwt_log(log, st == MW_OK ? "\n" : mw_status_name(st));
    mwi_imap_arena_free(&t.arena);
}

static mw_status chunk_update(void *state, const char *in, size_t len,
                              mw_buf *log)
{
    chunk_state *s = state;
    while (len) {
        size_t used = 0;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(s->p, in, len, &used, &ev);
        in += used;
        len -= used;
        if (st == MW_NEED_MORE)
            return MW_OK;
        if (st != MW_OK)
            return st;
        if (ev.type == MW_IMAP_EV_UNIT)
            log_typed(&ev, log);
    }
    return MW_OK;
}

static mw_status chunk_finish(void *state, mw_buf *log)
{
    chunk_state *s = state;
    mwt_log(log, mw_imap_parser_idle(s->p) ? "idle" : "partial");
    return MW_OK;
}

static void chunk_destroy(void *state)
{
    chunk_state *s = state;
    mw_imap_parser_free(s->p);
    free(s);
}

static void test_chunking(void **state)
{
    (void)state;
    static const mwt_stream_ops ops = {chunk_create, chunk_update, chunk_finish,
                                       chunk_destroy};
    for (size_t i = 0; i < N_OF(search_cases); i++) {
        const char *line = search_cases[i].line;
        mw_buf whole;
        mw_buf_init_growable(&whole, NULL, 0);
        mwt_check_chunking(&ops, NULL, line, strlen(line), &whole);
        mw_buf want;
        mw_buf_init_growable(&want, NULL, 0);
        mw_buf_append_str(&want, search_cases[i].canon);
        mw_buf_append_str(&want, "\nidle");
        mwt_assert_bytes(line, whole.data, whole.len, want.data, want.len);
        mw_buf_free(&want);
        mw_buf_free(&whole);
    }
    for (size_t i = 0; i < N_OF(fetch_cases); i++) {
        const char *line = fetch_cases[i].line;
        mw_buf whole;
        mw_buf_init_growable(&whole, NULL, 0);
        mwt_check_chunking(&ops, NULL, line, strlen(line), &whole);
        mw_buf want;
        mw_buf_init_growable(&want, NULL, 0);
        mw_buf_append_str(&want, fetch_cases[i].canon);
        mw_buf_append_str(&want, "\nidle");
        mwt_assert_bytes(line, whole.data, whole.len, want.data, want.len);
        mw_buf_free(&want);
        mw_buf_free(&whole);
    }
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                 */
/* ------------------------------------------------------------------ */

static const char sweep_line[] =
    "a SEARCH OR (FROM x UID 1:5,7,9:*) NOT HEADER a b 1,2,3,4,5,6,7,8,9 "
    "(((SEEN))) MODSEQ \"/x\" priv 7\r\n"
    "b FETCH 1 (FLAGS BODY.PEEK[1.2.3.4.HEADER.FIELDS (a b c d e f)]<1.2> "
    "BINARY[7.7] X-FOO)\r\n";

static int sweep_scenario(const mw_allocator *alloc, void *ud)
{
    (void)ud;
    mw_imap_parser *p = new_parser(0, NULL);
    if (!p)
        return 1;
    const char *in = sweep_line;
    size_t len = sizeof(sweep_line) - 1;
    int bug = 0;
    while (len && !bug) {
        size_t used;
        mw_imap_event ev;
        if (mw_imap_parser_feed(p, in, len, &used, &ev) != MW_OK) {
            bug = 1;
            break;
        }
        in += used;
        len -= used;
        parsed t;
        memset(&t, 0, sizeof(t));
        t.ev = ev;
        mwi_imap_arena_init(&t.arena, alloc);
        mw_buf out;
        mw_buf_init_growable(&out, alloc, 0);
        mw_status st;
        if (ev.command.type == MW_IMAP_CMD_FETCH) {
            mw_imap_fetch_atts f;
            st = mwi_imap_fetch_atts_decode(mw_imap_value_next(ev.command.args),
                                            &t.arena, &f, NULL);
            if (st == MW_OK)
                st = mw_imap_fetch_atts_write(&f, 0, &out);
        } else {
            mw_imap_search s;
            locate_keys(&t);
            st = mwi_imap_search_decode(t.keys, t.n_top, 0, &t.arena, &s, NULL);
            if (st == MW_OK)
                st = mw_imap_search_write(&s, 0, &out);
        }
        if (st != MW_OK && st != MW_E_NOMEM)
            bug = 1;
        mw_buf_free(&out);
        mwi_imap_arena_free(&t.arena);
    }
    mw_imap_parser_free(p);
    return bug;
}

static void test_failalloc_sweep(void **state)
{
    (void)state;
    mwt_failalloc_sweep(sweep_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_round_trips),
        cmocka_unit_test(test_fetch_round_trips),
        cmocka_unit_test(test_search_fields_rfc_example),
        cmocka_unit_test(test_search_fields_nested),
        cmocka_unit_test(test_search_fields_modseq),
        cmocka_unit_test(test_search_utf8_and_literal_plus),
        cmocka_unit_test(test_fetch_fields),
        cmocka_unit_test(test_search_decode_errors),
        cmocka_unit_test(test_pecl_mailparse_pr59_search_nesting_bounded),
        cmocka_unit_test(test_fetch_decode_errors),
        cmocka_unit_test(test_streamed_literal_is_limit),
        cmocka_unit_test(test_ruby_net_imap_pr701_literal_plus_only_when_asked),
        cmocka_unit_test(test_emailjs_imap_handler_20_zero_length_literal),
        cmocka_unit_test(test_swift_nio_imap_561_8bit_astring),
        cmocka_unit_test(test_search_built_values),
        cmocka_unit_test(test_seqset_write_typed),
        cmocka_unit_test(test_fetch_built_values),
        cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_failalloc_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
