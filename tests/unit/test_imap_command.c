/* IMAP commands (milestone 3): classification of every command of RFC
 * 3501 / RFC 9051 section 6 and the extensions, argument grammar errors
 * with the offset of the offending argument, and serialize(parse(x))
 * re-parsing to an equal command of the same type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/imap.h"

typedef struct good {
    const char *line;
    uint32_t type;
    uint32_t uid;
    uint32_t n_args;
} good;

static const good goods[] = {
    {"a CAPABILITY\r\n", MW_IMAP_CMD_CAPABILITY, 0, 0},
    {"a noop\r\n", MW_IMAP_CMD_NOOP, 0, 0},
    {"a LOGOUT\r\n", MW_IMAP_CMD_LOGOUT, 0, 0},
    {"a STARTTLS\r\n", MW_IMAP_CMD_STARTTLS, 0, 0},
    {"a AUTHENTICATE PLAIN\r\n", MW_IMAP_CMD_AUTHENTICATE, 0, 1},
    {"a AUTHENTICATE PLAIN AGEAYg==\r\n", MW_IMAP_CMD_AUTHENTICATE, 0, 2},
    {"a AUTHENTICATE EXTERNAL =\r\n", MW_IMAP_CMD_AUTHENTICATE, 0, 2},
    {"a LOGIN SMITH SESAME\r\n", MW_IMAP_CMD_LOGIN, 0, 2},
    {"a LOGIN {5}\r\nSMITH \"se same\"\r\n", MW_IMAP_CMD_LOGIN, 0, 2},
    {"a ENABLE CONDSTORE QRESYNC\r\n", MW_IMAP_CMD_ENABLE, 0, 2},
    {"a SELECT INBOX\r\n", MW_IMAP_CMD_SELECT, 0, 1},
    {"a SELECT INBOX (CONDSTORE)\r\n", MW_IMAP_CMD_SELECT, 0, 2},
    {"a SELECT INBOX (QRESYNC (67890007 20050715194045000 "
     "41,43:211,214:541))\r\n",
     MW_IMAP_CMD_SELECT, 0, 2},
    {"a EXAMINE blurdybloop\r\n", MW_IMAP_CMD_EXAMINE, 0, 1},
    {"a CREATE owatagusiam/\r\n", MW_IMAP_CMD_CREATE, 0, 1},
    {"a DELETE blurdybloop\r\n", MW_IMAP_CMD_DELETE, 0, 1},
    {"a RENAME blurdybloop sarasoop\r\n", MW_IMAP_CMD_RENAME, 0, 2},
    {"a SUBSCRIBE #news.comp.mail.mime\r\n", MW_IMAP_CMD_SUBSCRIBE, 0, 1},
    {"a UNSUBSCRIBE #news.comp.mail.mime\r\n", MW_IMAP_CMD_UNSUBSCRIBE, 0, 1},
    {"a LIST \"\" *\r\n", MW_IMAP_CMD_LIST, 0, 2},
    {"a LIST ~/Mail/ %\r\n", MW_IMAP_CMD_LIST, 0, 2},
    {"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" \"x/*\") RETURN "
     "(CHILDREN STATUS (MESSAGES))\r\n",
     MW_IMAP_CMD_LIST, 0, 5},
    {"a LSUB \"#news.\" \"comp.mail.*\"\r\n", MW_IMAP_CMD_LSUB, 0, 2},
    {"a NAMESPACE\r\n", MW_IMAP_CMD_NAMESPACE, 0, 0},
    {"a STATUS blurdybloop (UIDNEXT MESSAGES)\r\n", MW_IMAP_CMD_STATUS, 0, 2},
    {"a APPEND saved (\\Seen) {3}\r\nabc\r\n", MW_IMAP_CMD_APPEND, 0, 3},
    {"a APPEND saved (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {3}\r\nabc "
     "{2+}\r\nde\r\n",
     MW_IMAP_CMD_APPEND, 0, 5},
    {"a APPEND saved ~{3}\r\na\0b\r\n", MW_IMAP_CMD_APPEND, 0, 2},
    {"a APPEND saved UTF8 (~{3}\r\nabc)\r\n", MW_IMAP_CMD_APPEND, 0, 3},
    {"a IDLE\r\n", MW_IMAP_CMD_IDLE, 0, 0},
    {"a CHECK\r\n", MW_IMAP_CMD_CHECK, 0, 0},
    {"a CLOSE\r\n", MW_IMAP_CMD_CLOSE, 0, 0},
    {"a UNSELECT\r\n", MW_IMAP_CMD_UNSELECT, 0, 0},
    {"a EXPUNGE\r\n", MW_IMAP_CMD_EXPUNGE, 0, 0},
    {"a UID EXPUNGE 3000:3002\r\n", MW_IMAP_CMD_EXPUNGE, 1, 1},
    {"a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
     MW_IMAP_CMD_SEARCH, 0, 6},
    {"a SEARCH CHARSET UTF-8 TEXT {2}\r\n\xc3\xa9\r\n", MW_IMAP_CMD_SEARCH, 0,
     4},
    {"a SEARCH RETURN (MIN COUNT) OR (FROM \"a\" SUBJECT b) UNSEEN $\r\n",
     MW_IMAP_CMD_SEARCH, 0, 6},
    {"a UID SEARCH 1:* HEADER X-Foo bar LARGER 5 (OR SEEN DRAFT) MODSEQ "
     "\"/flags/\\\\draft\" all 620162338\r\n",
     MW_IMAP_CMD_SEARCH, 1, 11},
    {"a FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
     MW_IMAP_CMD_FETCH, 0, 2},
    {"a FETCH 12 full\r\n", MW_IMAP_CMD_FETCH, 0, 2},
    {"a FETCH 1:* (UID BODY.PEEK[1.2.TEXT]<0.2048> BINARY.PEEK[1] "
     "BINARY.SIZE[1] BODY[4.2.MIME] X-GM-MSGID) (CHANGEDSINCE 12345)\r\n",
     MW_IMAP_CMD_FETCH, 0, 3},
    {"a UID FETCH 4827313:4828442 FLAGS\r\n", MW_IMAP_CMD_FETCH, 1, 2},
    {"a STORE 2:4 +FLAGS (\\Deleted)\r\n", MW_IMAP_CMD_STORE, 0, 3},
    {"a store 12 +flags \\deleted \\seen\r\n", MW_IMAP_CMD_STORE, 0, 4},
    {"a UID STORE 1:* (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Seen)\r\n",
     MW_IMAP_CMD_STORE, 1, 4},
    {"a COPY 2:4 MEETING\r\n", MW_IMAP_CMD_COPY, 0, 2},
    {"a UID MOVE 42:69 foo\r\n", MW_IMAP_CMD_MOVE, 1, 2},
    {"a ID (\"name\" \"mailwire\" \"os\" NIL)\r\n", MW_IMAP_CMD_ID, 0, 1},
    {"a ID NIL\r\n", MW_IMAP_CMD_ID, 0, 1},
    {"a COMPRESS DEFLATE\r\n", MW_IMAP_CMD_COMPRESS, 0, 1},
    {"a GETQUOTA \"\"\r\n", MW_IMAP_CMD_GETQUOTA, 0, 1},
    {"a GETQUOTAROOT INBOX\r\n", MW_IMAP_CMD_GETQUOTAROOT, 0, 1},
    {"a SETQUOTA \"\" (STORAGE 512)\r\n", MW_IMAP_CMD_SETQUOTA, 0, 2},
    {"a SORT (REVERSE DATE) UTF-8 ALL\r\n", MW_IMAP_CMD_SORT, 0, 3},
    {"a UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n", MW_IMAP_CMD_THREAD,
     1, 4},
    {"a XAPPLEPUSHSERVICE aps-version 2 (x)\r\n", MW_IMAP_CMD_UNKNOWN, 0, 3},
};

static size_t line_len(const char *s)
{
    /* Lines may hold a NUL inside a literal8: stop at the final CRLF. */
    size_t n = strlen(s);
    if (n >= 2 && s[n - 2] == '\r')
        return n;
    n += 1 + strlen(s + n + 1);
    return n;
}

static void test_commands_classified(void **state)
{
    (void)state;
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS;
    for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        const good *g = &goods[i];
        size_t len = line_len(g->line);
        mw_imap_parser *p, *q;
        assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
        assert_int_equal(mw_imap_parser_new(&cfg, NULL, &q), MW_OK);
        size_t used;
        mw_imap_event ev, back;
        mw_status st = mw_imap_parser_feed(p, g->line, len, &used, &ev);
        if (st != MW_OK) {
            mw_imap_error err;
            mw_imap_parser_error(p, &err);
            fail_msg("'%s': %s at %llu expected %s", g->line,
                     mw_status_name(st), (unsigned long long)err.offset,
                     err.expected);
        }
        assert_int_equal(used, len);
        if (ev.command.type != g->type || ev.command.uid != g->uid ||
            ev.command.n_args != g->n_args)
            fail_msg("'%s': type %u uid %u args %u", g->line, ev.command.type,
                     ev.command.uid, ev.command.n_args);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(mw_imap_unit_write(&ev.unit, 0, &out), MW_OK);
        assert_int_equal(
            mw_imap_parser_feed(q, out.data, out.len, &used, &back), MW_OK);
        assert_true(mw_imap_unit_equal(&ev.unit, &back.unit));
        assert_int_equal(back.command.type, g->type);
        mw_buf_free(&out);
        mw_imap_parser_free(p);
        mw_imap_parser_free(q);
    }
}

typedef struct bad_cmd {
    const char *line;
    uint64_t offset;
    const char *expected;
} bad_cmd;

static const bad_cmd bads[] = {
    {"a NOOP x\r\n", 7, "CRLF"},
    {"a LOGIN x\r\n", 9, "astring"},
    {"a LOGIN x y z\r\n", 12, "CRLF"},
    {"a LOGIN (x) y\r\n", 8, "astring"},
    {"a SELECT\r\n", 8, "mailbox"},
    {"a STATUS x ()\r\n", 11, "status attributes"},
    {"a FETCH x FLAGS\r\n", 8, "sequence set"},
    {"a FETCH 1 BODY[HEADER.FIELDS]\r\n", 10, "fetch attribute"},
    {"a FETCH 1 BODY[1.X]\r\n", 10, "fetch attribute"},
    {"a FETCH 1 (FLAGS BINARY[TEXT])\r\n", 17, "fetch attribute"},
    {"a FETCH 1 BODY[]<0>\r\n", 10, "fetch attribute"},
    {"a FETCH 1 NIL\r\n", 10, "fetch attribute"},
    {"a FETCH 1\r\n", 9, "fetch attributes"},
    {"a STORE 1 FLAGZ (\\Seen)\r\n", 10, "FLAGS, +FLAGS or -FLAGS"},
    {"a STORE 1 +FLAGS\r\n", 16, "flags"},
    {"a SEARCH\r\n", 8, "search key"},
    {"a SEARCH SINCE 32-Feb-1994\r\n", 15, "date"},
    {"a SEARCH FOO\r\n", 9, "search key"},
    {"a SEARCH OR SEEN\r\n", 16, "search key"},
    {"a SEARCH LARGER x\r\n", 16, "number"},
    {"a SEARCH ()\r\n", 9, "search key"},
    {"a SEARCH CHARSET\r\n", 16, "charset"},
    {"a APPEND x\r\n", 10, "literal"},
    {"a APPEND x (\\Seen) \"bad date\" {1}\r\nm\r\n", 19, "date-time"},
    {"a APPEND x \"y\"\r\n", 11, "date-time"},
    {"a UID NOOP\r\n", 6, "COPY, MOVE, FETCH, SEARCH, STORE or EXPUNGE"},
    {"a UID\r\n", 5, "command name"},
    {"a UID EXPUNGE\r\n", 13, "sequence set"},
    {"a \"LOGIN\" x y\r\n", 2, "command name"},
    {"a ID (\"name\")\r\n", 5, "ID parameters"},
    {"a COPY 1\r\n", 8, "mailbox"},
    {"a ENABLE\r\n", 8, "atom"},
    {"a SORT () UTF-8 ALL\r\n", 7, "sort criteria"},
    {"a THREAD REFERENCES\r\n", 19, "charset"},
    {"a LIST x\r\n", 8, "mailbox pattern"},
    {"a LIST x y RETURN\r\n", 17, "return options"},
};

static void test_command_errors(void **state)
{
    (void)state;
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        const bad_cmd *b = &bads[i];
        mw_imap_parser *p;
        assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
        size_t used;
        mw_imap_event ev;
        mw_status st =
            mw_imap_parser_feed(p, b->line, strlen(b->line), &used, &ev);
        mw_imap_error err;
        mw_imap_parser_error(p, &err);
        if (st != MW_E_SYNTAX || err.offset != b->offset ||
            strcmp(err.expected, b->expected) != 0)
            fail_msg("'%s': %s at %llu expected '%s'", b->line,
                     mw_status_name(st), (unsigned long long)err.offset,
                     err.expected);
        mw_imap_parser_free(p);
        /* The lexical layer alone accepts it. */
        mw_imap_parser_config lex = cfg;
        lex.flags |= MW_IMAP_PARSE_NO_VALIDATE;
        assert_int_equal(mw_imap_parser_new(&lex, NULL, &p), MW_OK);
        assert_int_equal(
            mw_imap_parser_feed(p, b->line, strlen(b->line), &used, &ev),
            MW_OK);
        assert_int_equal(ev.unit.kind, MW_IMAP_UNIT_COMMAND);
        mw_imap_parser_free(p);
    }
}

static void test_command_get_arguments(void **state)
{
    (void)state;
    mw_imap_command c;
    assert_int_equal(mw_imap_command_get(NULL, 0, &c, NULL), MW_E_ARG);
    mw_imap_unit u;
    memset(&u, 0, sizeof(u));
    u.kind = MW_IMAP_UNIT_SASL;
    assert_int_equal(mw_imap_command_get(&u, 0, &c, NULL), MW_E_ARG);
}

static mw_imap_value atom_node(const char *text, uint64_t offset)
{
    mw_imap_value v;
    memset(&v, 0, sizeof(v));
    v.type = MW_IMAP_V_ATOM;
    v.str.ptr = text;
    v.str.len = strlen(text);
    v.offset = offset;
    v.subtree = 1;
    return v;
}

/* Arguments that run out where the grammar wants one more (a command
 * whose node array ends exactly there, heap-allocated to its size so
 * ASan sees any read past it): a syntax error at the line end, and no
 * read beyond the last node. */
static void test_arguments_end_exactly_at_the_array(void **state)
{
    (void)state;
    static const char *const lines[][3] = {
        {"SEARCH", "MODSEQ", NULL}, {"SEARCH", "LARGER", NULL},
        {"SEARCH", "UID", NULL},    {"SEARCH", "KEYWORD", NULL},
        {"FETCH", "1", NULL},       {"STORE", "1", "FLAGS"},
        {"STORE", "1", NULL},       {"COPY", "1", NULL},
        {"SETQUOTA", "root", NULL}, {"THREAD", "REFERENCES", NULL},
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        uint32_t n = 0;
        while (n < 3 && lines[i][n])
            n++;
        mw_imap_value *vals = malloc(n * sizeof(*vals));
        assert_non_null(vals);
        for (uint32_t k = 0; k < n; k++)
            vals[k] = atom_node(lines[i][k], 2 + 10 * k);
        vals[0].str.len = strlen(lines[i][0]);
        mw_imap_unit u;
        memset(&u, 0, sizeof(u));
        u.kind = MW_IMAP_UNIT_COMMAND;
        u.tag = (mw_span){"a", 1};
        u.values = vals;
        u.n_top = n;
        u.n_values = n;
        u.end = 99;
        mw_imap_command c;
        mw_imap_error err = {0, ""};
        assert_int_equal(mw_imap_command_get(&u, 0, &c, &err), MW_E_SYNTAX);
        assert_int_equal(err.offset, 99);
        free(vals);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_classified),
        cmocka_unit_test(test_command_errors),
        cmocka_unit_test(test_command_get_arguments),
        cmocka_unit_test(test_arguments_end_exactly_at_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
