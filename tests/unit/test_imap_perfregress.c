/* IMAP parser fast paths against the byte-at-a-time state machine.
 *
 * fast_tokens() in lib/imap/imap_parser.c takes whole tokens (atoms,
 * quoted strings, lists, fetch sections, literal headers) when they lie
 * inside one input chunk, and leaves everything else to the per-byte
 * state machine. Fed one byte at a time no token is ever whole, so every
 * byte goes through the state machine: the chunking check below compares
 * a complete node dump (type, flags, numbers, offsets, subtree sizes,
 * text) and the error offset and message of the fast path with the slow
 * path, byte for byte, on inputs built around the fast path's edges: the
 * 16-byte blocks of the quoted-string scan, controls inside quoted
 * strings, literal headers, sections, the limits it hoists (unit_max,
 * list_max, line_max, depth) and the growth of the node and text arenas.
 * Known answers pin the values themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/imap.h"

/* ------------------------------------------------------------------ */
/* A stream whose log is every node of every unit                      */
/* ------------------------------------------------------------------ */

static void log_text(mw_buf *log, mw_span s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        char tmp[8];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            mw_buf_append_byte(log, c);
        } else {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            mwt_log(log, tmp);
        }
    }
}

static void log_unit(mw_buf *log, const mw_imap_event *ev)
{
    const mw_imap_unit *u = &ev->unit;
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "U k%u top%u n%u @%llu-%llu r%u tag=", u->kind,
             u->n_top, u->n_values, (unsigned long long)u->offset,
             (unsigned long long)u->end, ev->response.type);
    mwt_log(log, tmp);
    log_text(log, u->tag);
    mwt_log(log, "\n");
    for (uint32_t i = 0; i < u->n_values; i++) {
        const mw_imap_value *v = &u->values[i];
        snprintf(tmp, sizeof(tmp), " t%u f%02x n%llu m%llu @%llu s%u c%u '",
                 v->type, v->flags, (unsigned long long)v->num,
                 (unsigned long long)v->num2, (unsigned long long)v->offset,
                 v->subtree, v->count);
        mwt_log(log, tmp);
        log_text(log, v->str);
        mwt_log(log, "'\n");
    }
}

static void *s_create(const void *cfg)
{
    mw_imap_parser *p = NULL;
    assert_int_equal(mw_imap_parser_new(cfg, NULL, &p), MW_OK);
    return p;
}

static mw_status s_update(void *state, const char *in, size_t len, mw_buf *log)
{
    mw_imap_parser *p = state;
    size_t pos = 0;
    for (;;) {
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + pos, len - pos, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            return MW_OK;
        char tmp[128];
        if (st != MW_OK) {
            mw_imap_error err;
            mw_imap_parser_error(p, &err);
            snprintf(tmp, sizeof(tmp), "E@%llu '%s'\n",
                     (unsigned long long)err.offset, err.expected);
            mwt_log(log, tmp);
            return st;
        }
        if (ev.type == MW_IMAP_EV_UNIT) {
            log_unit(log, &ev);
            continue;
        }
        /* Data events follow the chunks: only their bytes are logged. */
        if (ev.type == MW_IMAP_EV_LITERAL_DATA) {
            log_text(log, ev.data);
            continue;
        }
        snprintf(tmp, sizeof(tmp), "L%u len%llu v%u f%u\n", ev.type,
                 (unsigned long long)ev.literal_len, ev.literal_value,
                 ev.literal_flags);
        mwt_log(log, tmp);
    }
}

static mw_status s_finish(void *state, mw_buf *log)
{
    if (!mw_imap_parser_idle(state))
        mwt_log(log, "PARTIAL\n");
    return MW_OK;
}

static void s_destroy(void *state)
{
    mw_imap_parser_free(state);
}

static const mwt_stream_ops stream_ops = {s_create, s_update, s_finish,
                                          s_destroy};

static mw_imap_parser_config config(uint32_t flags)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags;
    return cfg;
}

/* Whole, byte by byte and split everywhere must agree; returns the
 * whole-input log (NUL-terminated) for known-answer checks. */
static char *check(const mw_imap_parser_config *cfg, const char *in, size_t len)
{
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&stream_ops, cfg, in, len, &whole);
    mw_buf_append_byte(&whole, 0);
    char *out = malloc(whole.len);
    assert_non_null(out);
    memcpy(out, whole.data, whole.len);
    mw_buf_free(&whole);
    return out;
}

static char *check_s(const mw_imap_parser_config *cfg, const char *in)
{
    return check(cfg, in, strlen(in));
}

static void check_str(const mw_imap_parser_config *cfg, const char *in)
{
    free(check_s(cfg, in));
}

static void assert_has(const char *log, const char *needle)
{
    if (!strstr(log, needle))
        fail_msg("missing \"%s\" in:\n%s", needle, log);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* A FETCH response like the benchmark's: every fast-path token kind. */
static const char fetch_response[] =
    "* 12 FETCH (UID 1003 FLAGS (\\Seen $Label1) RFC822.SIZE 950787 "
    "INTERNALDATE \"13-Aug-2024 18:12:57 +0000\" ENVELOPE (\"Wed, 27 Jul "
    "2024 02:31:14 +0200\" \"Re: weekly release meeting\" ((\"Eve \\\"Q\\\" "
    "Doe\" NIL \"heidi\" \"lists.example.io\")) NIL NIL ((\"Grace Hopper\" "
    "nil \"grace\" \"example.com\")(NIL NIL \"bob\" \"example.org\")) NIL NIL "
    "\"<p0@example.com>\" \"<m1.1068546063@example.org>\") BODYSTRUCTURE "
    "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"FORMAT\" \"flowed\") NIL "
    "NIL \"QUOTED-PRINTABLE\" 19155 320 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" "
    "(\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 4757 80 NIL NIL NIL "
    "NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"=_alt_9b51c632\") NIL NIL NIL) "
    "\"MIXED\" (\"BOUNDARY\" \"=_mix_8a2ad16e\") (\"INLINE\" NIL) (\"EN\" "
    "\"DE\") \"http://example.com/loc\") BODY[HEADER.FIELDS (REFERENCES)] "
    "{24}\r\nReferences: <r1@x.com>\r\n BODY[TEXT]<0> {11}\r\nhello world "
    "BODY[] {0}\r\n)\r\n"
    "a1 OK [READ-WRITE] done\r\n";

static void test_fetch_response(void **state)
{
    (void)state;
    mw_imap_parser_config cfg = config(0);
    char *log = check(&cfg, fetch_response, sizeof(fetch_response) - 1);
    /* Literal nodes: length in num, data inline. */
    assert_has(log, " t3 f00 n24 m0 @");
    assert_has(log, "'References: <r1@x.com>\\x0d\\x0a'");
    assert_has(log, " t3 f00 n11 m0 @");
    assert_has(log, " t3 f00 n0 m0 @");
    /* Sections: name as text, the partial origin in num. */
    assert_has(log, " t5 f00 n0 m0 @");
    assert_has(log, "'HEADER.FIELDS'");
    assert_has(log, " t5 f40 n0 m0 @");
    /* Escapes unescaped; NIL in any case flagged; numbers parsed. */
    assert_has(log, "'Eve \"Q\" Doe'");
    assert_has(log, " t1 f01 n0 m0 @");
    assert_has(log, "'nil'");
    assert_has(log, " t1 f02 n950787 m0 @");
    assert_has(log, "'\\x5cSeen'");
    /* The FETCH and the tagged OK with its code. */
    assert_has(log, "U k2 top3 ");
    assert_has(log, "r17 tag=");
    assert_has(log, "U k1 top3 n3 ");
    assert_has(log, "r1 tag=a1");
    assert_has(log, " t6 f00 n0 m0 @");
    free(log);

    /* Streamed literals and literal-header events take the slow path. */
    mw_imap_parser_config small = config(MW_IMAP_PARSE_LITERAL_HEADERS);
    small.inline_max = 8;
    log = check(&small, fetch_response, sizeof(fetch_response) - 1);
    assert_has(log, "L5 len24 ");
    assert_has(log, "L2 len24 ");
    assert_has(log, "References: <r1@x.com>\\x0d\\x0aL4 len24 ");
    assert_has(log, " t3 f20 n24 m0 @");
    free(log);
}

/* Quoted strings of every length around the 16-byte scan blocks, with
 * controls (allowed in quoted strings) and 8-bit bytes at every position,
 * and strings that end at the end of the input. */
static void test_quoted_blocks(void **state)
{
    (void)state;
    mw_imap_parser_config cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    const char specials[] = {'\t',   '\x01', '\x0c', '\x0b',
                             '\x7f', '\xe9', '\\'};
    for (size_t n = 0; n <= 40; n++) {
        for (size_t k = 0; k < sizeof(specials); k++) {
            char in[128];
            size_t pos = 0;
            memcpy(in, "* X (\"", 6);
            pos = 6;
            for (size_t j = 0; j < n; j++)
                in[pos++] = (char)('a' + (char)(j % 26));
            size_t at = n ? (n * 7 + k) % n : 0;
            if (n) {
                if (specials[k] == '\\') {
                    /* An escaped quote in place of one byte. */
                    in[6 + at] = '\\';
                    memmove(in + 6 + at + 2, in + 6 + at + 1, n - at - 1);
                    in[6 + at + 1] = '"';
                    pos++;
                } else {
                    in[6 + at] = specials[k];
                }
            }
            memcpy(in + pos, "\" \"\" x)\r\n", 9);
            pos += 9;
            char *log = check(&cfg, in, pos);
            assert_has(log, "U k2 top2 n5 ");
            free(log);
        }
    }
    /* A CR, LF or NUL inside a quoted string is an error at that byte. */
    const char *bad[] = {"* X \"0123456789abcdef\rx\"\r\n",
                         "* X \"0123456789abcde\nx\"\r\n",
                         "* X \"0123456789abcdefghij\0\"\r\n"};
    const size_t bad_len[] = {26, 25, 29};
    for (size_t i = 0; i < 3; i++) {
        char *log = check(&cfg, bad[i], bad_len[i]);
        assert_has(log, "E@2");
        assert_has(log, "'\"'");
        free(log);
    }
}

/* Literal headers: the fast path reads "{n}" CRLF when it needs no event,
 * no limit and no growth; the rest must come out the same. */
static void test_literal_headers(void **state)
{
    (void)state;
    mw_imap_parser_config cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    check_str(&cfg, "* 1 FETCH (BODY[] {0}\r\n)\r\n");
    check_str(&cfg, "* 1 FETCH (A {3}\r\nabc B {3}\nabc)\r\n");
    check_str(&cfg, "* 1 FETCH (A {0000000000000000003}\r\nabc)\r\n");
    static const char lit8[] = "* 1 FETCH (A ~{3}\r\na\0c)\r\n";
    free(check(&cfg, lit8, sizeof(lit8) - 1));
    char *log = check_s(&cfg, "* 1 FETCH (A {18446744073709551616}\r\n");
    assert_has(log, "E@13 'smaller literal'");
    free(log);
    log = check_s(&cfg, "* 1 X {123456789012345678901}\r\n");
    assert_has(log, "E@6 'smaller literal'");
    free(log);
    log = check_s(&cfg, "* 1 X {3x}\r\nabc\r\n");
    assert_has(log, "E@8 ''}''");
    free(log);
    log = check_s(&cfg, "* 1 X {3}\rabc\r\n");
    assert_has(log, "E@10 'LF'");
    free(log);
    log = check(&cfg, "* 1 X {3}\r\na\0c\r\n", 16);
    assert_has(log, "E@12 'CHAR8 (NUL needs literal8)'");
    free(log);

    mw_imap_parser_config lim = cfg;
    lim.literal_max = 10;
    log = check_s(&lim, "* 1 X {11}\r\n01234567890\r\n");
    assert_has(log, "E@6 'smaller literal'");
    free(log);
    lim = cfg;
    lim.unit_max = 400;
    log = check_s(&lim, "* 1 X (a b) {150}\r\n");
    assert_has(log, "E@12 'smaller literal'");
    free(log);
}

/* Sections open and close in the fast path; codes and non-section '['
 * do not. */
static void test_sections(void **state)
{
    (void)state;
    mw_imap_parser_config cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    char *log =
        check_s(&cfg, "* 1 FETCH (BODY[HEADER.FIELDS (A B)]<0.10> NIL "
                      "BINARY.PEEK[1.2]<5> NIL BODY[] NIL BINARY.SIZE[3] 5 "
                      "X[Gmail]/Sent Y body.peek[TEXT] NIL)\r\n");
    assert_has(log, " t5 fc0 n0 m10 @11 s5 c2 'BODY'");
    assert_has(log, "'BINARY.PEEK'");
    assert_has(log, "'X[Gmail]/Sent'");
    assert_has(log, "'body.peek'");
    free(log);
    check_str(&cfg, "* OK [UIDNEXT 5] [x] y\r\n");
    check_str(&cfg, "* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n");
    log = check_s(&cfg, "* 1 FETCH (BODY[1)\r\n");
    assert_has(log, "E@17 '']''");
    free(log);
}

/* Atoms: NIL in any case, numbers up to UINT64_MAX, the status words that
 * switch to response text. */
static void test_atoms(void **state)
{
    (void)state;
    mw_imap_parser_config cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    char *log = check_s(&cfg, "* X (NIL nil NiL NILS NI 18446744073709551615 "
                              "18446744073709551616 1844674407370955161 "
                              "0000000000000000000001 007)\r\n");
    assert_has(log, " t1 f01 n0 m0 @5 s1 c0 'NIL'");
    assert_has(log, " t1 f01 n0 m0 @9 s1 c0 'nil'");
    assert_has(log, " t1 f00 n0 m0 @17 s1 c0 'NILS'");
    assert_has(log, " t1 f02 n18446744073709551615 m0 @");
    assert_has(log, " t1 f00 n0 m0 @46 s1 c0 '18446744073709551616'");
    assert_has(log, " t1 f02 n1844674407370955161 m0 @");
    assert_has(log, " t1 f00 n0 m0 @87 s1 c0 '0000000000000000000001'");
    assert_has(log, " t1 f02 n7 m0 @");
    free(log);
    log = check_s(&cfg, "* ok [ALERT] x\r\n* BYE\r\n* 5 EXISTS\r\n+ go\r\n");
    assert_has(log,
               "U k2 top3 n3 @0-14 r0 tag=\n t1 f00 n0 m0 @2 s1 c0 'ok'\n t6");
    assert_has(log, "U k2 top1 n1 ");
    free(log);
}

/* The limits the fast path hoists out of its loop: every error at the
 * same offset, with the same message, however the input is cut. */
static void test_limits(void **state)
{
    (void)state;
    char in[2048];
    size_t n = 0;
    n += (size_t)snprintf(in + n, sizeof(in) - n, "* 1 FETCH (");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n,
                              "(\"quoted %02d\" atom%02d NIL %d) ", i, i, i);
    n += (size_t)snprintf(in + n, sizeof(in) - n, ")\r\n");

    mw_imap_parser_config cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    char *log = check(&cfg, in, n);
    assert_has(log, "U k2 top3 n303 ");
    free(log);
    for (uint32_t unit_max = 100; unit_max < 14000; unit_max += 733) {
        cfg.unit_max = unit_max;
        log = check(&cfg, in, n);
        assert_has(log, "E@");
        free(log);
    }
    cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    cfg.list_max = 50;
    log = check(&cfg, in, n);
    assert_has(log, "E@");
    free(log);
    cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    cfg.line_max = 300;
    log = check(&cfg, in, n);
    assert_has(log, "E@301 'shorter line'");
    free(log);

    mw_limits lim;
    mw_limits_default(&lim);
    lim.imap_depth_max = 3;
    cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    cfg.limits = &lim;
    log = check_s(&cfg, "* X (((a)))\r\n* X ((((b))))\r\n");
    assert_has(log, "E@20 'fewer or shallower lists'");
    free(log);
    log = check_s(&cfg, "* X ((BODY[(a)]))\r\n");
    assert_has(log, "E@11 'fewer or shallower lists'");
    free(log);
    log = check_s(&cfg, "* X (((BODY[a])))\r\n");
    assert_has(log, "E@11 'shallower lists'");
    free(log);
}

/* Enough text and nodes to grow both arenas more than once, from a fresh
 * parser, in a unit of kind each: node text must follow the moves. */
static void test_arena_growth(void **state)
{
    (void)state;
    size_t cap = 64 * 1024;
    char *in = malloc(cap);
    assert_non_null(in);
    size_t n = 0;
    n += (size_t)snprintf(in + n, cap - n, "* \"\" x\r\n* 1 FETCH (");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(in + n, cap - n,
                              "%d \"a longer quoted string, number %04d\" "
                              "() ",
                              i, i);
    n += (size_t)snprintf(in + n, cap - n, ")\r\n");
    mw_imap_parser_config cfg = config(MW_IMAP_PARSE_NO_VALIDATE);
    char *log = check(&cfg, in, n);
    assert_has(log, "U k2 top2 n2 @0-6 r0 tag=\n t2 f00 n0 m0 @2 s1 c0 ''");
    assert_has(log, "'a longer quoted string, number 0299'");
    assert_has(log, "U k2 top3 n903 ");
    free(log);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_response),
        cmocka_unit_test(test_quoted_blocks),
        cmocka_unit_test(test_literal_headers),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_atoms),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_arena_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
