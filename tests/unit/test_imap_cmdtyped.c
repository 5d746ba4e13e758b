/* Typed IMAP commands (issue 8, milestone "commands"): every command
 * example of RFC 3501 / RFC 9051 section 6 and of the extensions
 * (CONDSTORE / QRESYNC, LIST-EXTENDED, LIST-STATUS, ESEARCH, MULTIAPPEND,
 * SORT / THREAD, QUOTA, ID, SPECIAL-USE) parsed whole and byte by byte,
 * decoded into typed values whose fields are checked, written back in
 * canonical form and re-parsed to an equal command. Errors: decoder
 * refusals with offsets, writer refusals, allocation failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/imap_cmd.h"

/* ------------------------------------------------------------------ */
/* Harness                                                             */
/* ------------------------------------------------------------------ */

typedef struct parsed {
    mw_imap_parser *p;
    mw_imap_event ev;
    mw_imap_cmd *cmd;
} parsed;

static mw_imap_parser *new_parser(uint32_t flags)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS | flags;
    mw_imap_parser *p = NULL;
    assert_int_equal(mw_imap_parser_new(&cfg, NULL, &p), MW_OK);
    return p;
}

/* Feed \p in whole or one byte at a time up to the first unit event. */
static void feed_unit(mw_imap_parser *p, const char *in, size_t len,
                      int bytewise, mw_imap_event *ev)
{
    size_t off = 0;
    while (off < len) {
        size_t n = bytewise ? 1 : len - off, used = 0;
        mw_status st = mw_imap_parser_feed(p, in + off, n, &used, ev);
        off += used;
        if (st == MW_OK && ev->type == MW_IMAP_EV_UNIT)
            return;
        if (st != MW_OK && st != MW_NEED_MORE) {
            mw_imap_error err;
            mw_imap_parser_error(p, &err);
            fail_msg("parse '%.*s': %s at %llu, expected %s", (int)len, in,
                     mw_status_name(st), (unsigned long long)err.offset,
                     err.expected);
        }
    }
    fail_msg("no unit in '%.*s'", (int)len, in);
}

static void parse_decode(parsed *x, const char *in, size_t len, int bytewise,
                         uint32_t flags)
{
    x->p = new_parser(flags);
    feed_unit(x->p, in, len, bytewise, &x->ev);
    assert_int_equal(x->ev.unit.kind, MW_IMAP_UNIT_COMMAND);
    mw_imap_error err = {0, ""};
    mw_status st =
        mw_imap_cmd_decode(&x->ev.command, flags, NULL, &x->cmd, &err);
    if (st != MW_OK)
        fail_msg("decode '%.*s': %s at %llu, expected %s", (int)len, in,
                 mw_status_name(st), (unsigned long long)err.offset,
                 err.expected);
}

static void parsed_free(parsed *x)
{
    mw_imap_cmd_free(x->cmd);
    mw_imap_parser_free(x->p);
}

static size_t line_len(const char *s)
{
    /* Lines may hold NULs inside a literal8: stop at the final CRLF. */
    size_t n = strlen(s);
    while (n < 2 || s[n - 2] != '\r' || s[n - 1] != '\n')
        n += 1 + strlen(s + n + 1);
    return n;
}

/* Write \p cmd, compare with \p want, re-parse and compare typed values. */
static void check_write(const mw_imap_cmd *cmd, uint32_t wflags,
                        uint32_t pflags, const char *want, size_t want_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_imap_cmd_write(cmd, wflags, &out);
    if (st != MW_OK)
        fail_msg("write '%.*s': %s", (int)want_len, want, mw_status_name(st));
    mwt_assert_bytes("canonical", out.data, out.len, want, want_len);
    parsed back;
    parse_decode(&back, out.data, out.len, 0, pflags);
    if (!mw_imap_cmd_equal(cmd, back.cmd))
        fail_msg("reparse of '%.*s' differs", (int)out.len, out.data);
    parsed_free(&back);
    mw_buf_free(&out);
}

/* Parse whole and byte by byte (equal), write canonically, reparse. The
 * caller checks fields on x->cmd and frees x. */
static void roundtrip_flags(parsed *x, const char *line, const char *canon,
                            uint32_t pflags, uint32_t wflags)
{
    size_t len = line_len(line);
    parse_decode(x, line, len, 0, pflags);
    parsed y;
    parse_decode(&y, line, len, 1, pflags);
    if (!mw_imap_cmd_equal(x->cmd, y.cmd))
        fail_msg("byte-wise parse of '%s' differs", line);
    parsed_free(&y);
    const char *want = canon ? canon : line;
    check_write(x->cmd, wflags, pflags, want, line_len(want));
}

static void roundtrip(parsed *x, const char *line, const char *canon)
{
    roundtrip_flags(x, line, canon, 0, 0);
}

static void assert_span(mw_span s, const char *want)
{
    mwt_assert_bytes("span", s.ptr, s.len, want, strlen(want));
}

static void assert_range(const mw_imap_seqset *s, uint32_t i, uint32_t lo,
                         uint32_t hi)
{
    assert_true(i < s->n);
    assert_int_equal(s->ranges[i].lo, lo);
    assert_int_equal(s->ranges[i].hi, hi);
}

/* ------------------------------------------------------------------ */
/* Every example: round trip                                           */
/* ------------------------------------------------------------------ */

typedef struct example {
    const char *line;
    const char *canon; /* NULL: the line itself is canonical */
    uint32_t type;
} example;

static const example examples[] = {
    /* RFC 3501 / RFC 9051 section 6 */
    {"abcd CAPABILITY\r\n", NULL, MW_IMAP_CMD_CAPABILITY},
    {"a002 NOOP\r\n", NULL, MW_IMAP_CMD_NOOP},
    {"A023 LOGOUT\r\n", NULL, MW_IMAP_CMD_LOGOUT},
    {"a002 STARTTLS\r\n", NULL, MW_IMAP_CMD_STARTTLS},
    {"A001 AUTHENTICATE GSSAPI\r\n", NULL, MW_IMAP_CMD_AUTHENTICATE},
    {"A01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n", NULL,
     MW_IMAP_CMD_AUTHENTICATE},
    {"a001 login SMITH SESAME\r\n", "a001 LOGIN SMITH SESAME\r\n",
     MW_IMAP_CMD_LOGIN},
    {"t2 ENABLE CONDSTORE X-GOOD-IDEA\r\n", NULL, MW_IMAP_CMD_ENABLE},
    {"A142 SELECT INBOX\r\n", NULL, MW_IMAP_CMD_SELECT},
    {"A932 EXAMINE blurdybloop\r\n", NULL, MW_IMAP_CMD_EXAMINE},
    {"A003 CREATE owatagusiam/\r\n", NULL, MW_IMAP_CMD_CREATE},
    {"A004 CREATE owatagusiam/blurdybloop\r\n", NULL, MW_IMAP_CMD_CREATE},
    {"A682 DELETE blurdybloop\r\n", NULL, MW_IMAP_CMD_DELETE},
    {"A683 RENAME blurdybloop sarasoop\r\n", NULL, MW_IMAP_CMD_RENAME},
    {"A684 RENAME foo zowie\r\n", NULL, MW_IMAP_CMD_RENAME},
    {"A002 SUBSCRIBE #news.comp.mail.mime\r\n", NULL, MW_IMAP_CMD_SUBSCRIBE},
    {"A002 UNSUBSCRIBE #news.comp.mail.mime\r\n", NULL,
     MW_IMAP_CMD_UNSUBSCRIBE},
    {"A101 LIST \"\" \"\"\r\n", NULL, MW_IMAP_CMD_LIST},
    {"A102 LIST #news.comp.mail.misc \"\"\r\n", NULL, MW_IMAP_CMD_LIST},
    {"A103 LIST /usr/staff/jones \"\"\r\n", NULL, MW_IMAP_CMD_LIST},
    {"A202 LIST ~/Mail/ %\r\n", "A202 LIST ~/Mail/ \"%\"\r\n",
     MW_IMAP_CMD_LIST},
    {"A002 LSUB \"#news.\" \"comp.mail.*\"\r\n",
     "A002 LSUB #news. \"comp.mail.*\"\r\n", MW_IMAP_CMD_LSUB},
    {"A001 NAMESPACE\r\n", NULL, MW_IMAP_CMD_NAMESPACE},
    {"A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n", NULL,
     MW_IMAP_CMD_STATUS},
    {"A042 STATUS blurdybloop (uidnext messages DELETED SIZE)\r\n",
     "A042 STATUS blurdybloop (UIDNEXT MESSAGES DELETED SIZE)\r\n",
     MW_IMAP_CMD_STATUS},
    {"A003 APPEND saved-messages (\\Seen) {22}\r\nSubject: afternoon\r\n\r\n"
     "\r\n",
     NULL, MW_IMAP_CMD_APPEND},
    {"a IDLE\r\n", NULL, MW_IMAP_CMD_IDLE},
    {"FXXZ CHECK\r\n", NULL, MW_IMAP_CMD_CHECK},
    {"A341 CLOSE\r\n", NULL, MW_IMAP_CMD_CLOSE},
    {"A342 UNSELECT\r\n", NULL, MW_IMAP_CMD_UNSELECT},
    {"A202 EXPUNGE\r\n", NULL, MW_IMAP_CMD_EXPUNGE},
    {"A202 UID EXPUNGE 3000:3002\r\n", NULL, MW_IMAP_CMD_EXPUNGE},
    {"A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
     "A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM Smith\r\n",
     MW_IMAP_CMD_SEARCH},
    {"A283 SEARCH TEXT \"string not in mailbox\"\r\n", NULL,
     MW_IMAP_CMD_SEARCH},
    {"A284 SEARCH CHARSET UTF-8 TEXT {10}\r\n\xd1\x82\xd0\xb5\xd0\xba\xd1\x81"
     "\xd1\x82\r\n",
     NULL, MW_IMAP_CMD_SEARCH},
    {"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n", NULL,
     MW_IMAP_CMD_FETCH},
    {"A003 STORE 2:4 +FLAGS (\\Deleted)\r\n", NULL, MW_IMAP_CMD_STORE},
    {"A003 COPY 2:4 MEETING\r\n", NULL, MW_IMAP_CMD_COPY},
    {"a UID MOVE 42:69 foo\r\n", NULL, MW_IMAP_CMD_MOVE},
    {"A999 UID FETCH 4827313:4828442 FLAGS\r\n", NULL, MW_IMAP_CMD_FETCH},
    {"a X-UNKNOWN aps-version 2 (x \"y z\")\r\n", NULL, MW_IMAP_CMD_UNKNOWN},
    /* CONDSTORE / QRESYNC (RFC 7162) */
    {"a103 SELECT INBOX (CONDSTORE)\r\n", NULL, MW_IMAP_CMD_SELECT},
    {"s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n", NULL,
     MW_IMAP_CMD_FETCH},
    {"a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT "
     "(\\Deleted)\r\n",
     NULL, MW_IMAP_CMD_STORE},
    {"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 "
     "41,43:211,214:541))\r\n",
     NULL, MW_IMAP_CMD_SELECT},
    {"A03 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 "
     "(5000,7500,9000,9990:9999 15000,22500,27000,29970,29973)))\r\n",
     NULL, MW_IMAP_CMD_SELECT},
    {"s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n", NULL,
     MW_IMAP_CMD_FETCH},
    /* LIST-EXTENDED (RFC 5258) and LIST-STATUS (RFC 5819) */
    {"A01 LIST \"\" % RETURN (CHILDREN)\r\n",
     "A01 LIST \"\" \"%\" RETURN (CHILDREN)\r\n", MW_IMAP_CMD_LIST},
    {"A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n", NULL, MW_IMAP_CMD_LIST},
    {"A03 LIST () \"\" \"%\" RETURN (CHILDREN)\r\n", NULL, MW_IMAP_CMD_LIST},
    {"A05 LIST (REMOTE SUBSCRIBED) \"/\" \"*\"\r\n",
     "A05 LIST (REMOTE SUBSCRIBED) / \"*\"\r\n", MW_IMAP_CMD_LIST},
    {"A06 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)\r\n",
     NULL, MW_IMAP_CMD_LIST},
    {"BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n",
     "BBB LIST \"\" (INBOX Drafts \"Sent/%\")\r\n", MW_IMAP_CMD_LIST},
    {"A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))\r\n",
     "A01 LIST \"\" \"%\" RETURN (STATUS (MESSAGES UNSEEN))\r\n",
     MW_IMAP_CMD_LIST},
    /* ESEARCH (RFC 4731), SEARCHRES (RFC 5182) */
    {"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "
     "\"Smith\"\r\n",
     "A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "
     "Smith\r\n",
     MW_IMAP_CMD_SEARCH},
    {"A283 SEARCH RETURN () FLAGGED\r\n", NULL, MW_IMAP_CMD_SEARCH},
    {"A285 UID SEARCH RETURN (MIN MAX) 1:5000\r\n", NULL, MW_IMAP_CMD_SEARCH},
    {"A301 UID SEARCH RETURN (SAVE) SINCE 1-Jan-2004 NOT FROM Eric\r\n", NULL,
     MW_IMAP_CMD_SEARCH},
    {"A302 UID FETCH $ (UID FLAGS)\r\n", NULL, MW_IMAP_CMD_FETCH},
    {"A301 SEARCH $ SMALLER 4096\r\n", NULL, MW_IMAP_CMD_SEARCH},
    {"a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n", NULL,
     MW_IMAP_CMD_SEARCH},
    {"A286 SEARCH CHARSET WHATEVER text \"xxx\"\r\n",
     "A286 SEARCH CHARSET WHATEVER TEXT xxx\r\n", MW_IMAP_CMD_SEARCH},
    /* MULTIAPPEND (RFC 3502), BINARY (RFC 3516), UTF8=ACCEPT (RFC 6855) */
    {"A003 APPEND saved-messages (\\Seen) {5}\r\nfirst (\\Seen) \" "
     "7-Feb-1994 21:52:25 -0800\" {6}\r\nsecond\r\n",
     "A003 APPEND saved-messages (\\Seen) {5}\r\nfirst (\\Seen) "
     "\"07-Feb-1994 21:52:25 -0800\" {6}\r\nsecond\r\n",
     MW_IMAP_CMD_APPEND},
    {"a APPEND x ~{3}\r\na\0b\r\n", NULL, MW_IMAP_CMD_APPEND},
    {"a APPEND x UTF8 (~{2}\r\nhi)\r\n", NULL, MW_IMAP_CMD_APPEND},
    /* SORT / THREAD (RFC 5256) */
    {"A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n", NULL, MW_IMAP_CMD_SORT},
    {"A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n", NULL, MW_IMAP_CMD_SORT},
    {"A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"\r\n", NULL,
     MW_IMAP_CMD_SORT},
    {"A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n",
     "A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-Mar-2000\r\n",
     MW_IMAP_CMD_THREAD},
    {"A285 UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n",
     "A285 UID THREAD REFERENCES UTF-8 SINCE 5-Mar-2000\r\n",
     MW_IMAP_CMD_THREAD},
    /* QUOTA (RFC 9208) */
    {"G0001 GETQUOTA \"!partition/sda4\"\r\n",
     "G0001 GETQUOTA !partition/sda4\r\n", MW_IMAP_CMD_GETQUOTA},
    {"G0002 GETQUOTAROOT INBOX\r\n", NULL, MW_IMAP_CMD_GETQUOTAROOT},
    {"S0000 SETQUOTA \"User quota\" (STORAGE 510)\r\n", NULL,
     MW_IMAP_CMD_SETQUOTA},
    {"S0001 SETQUOTA \"\" ()\r\n", NULL, MW_IMAP_CMD_SETQUOTA},
    /* ID (RFC 2971), COMPRESS (RFC 4978), SPECIAL-USE (RFC 6154) */
    {"a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" "
     "\"Pink Floyd Music Limited\")\r\n",
     NULL, MW_IMAP_CMD_ID},
    {"a ID NIL\r\n", NULL, MW_IMAP_CMD_ID},
    {"a COMPRESS DEFLATE\r\n", NULL, MW_IMAP_CMD_COMPRESS},
    {"t1 CREATE MySpecial (USE (\\Drafts \\Sent))\r\n", NULL,
     MW_IMAP_CMD_CREATE},
};

static void test_examples_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
        parsed x;
        roundtrip(&x, examples[i].line, examples[i].canon);
        if (x.cmd->type != examples[i].type)
            fail_msg("'%s': type %u", examples[i].line, x.cmd->type);
        parsed_free(&x);
    }
}

/* ------------------------------------------------------------------ */
/* Typed fields                                                        */
/* ------------------------------------------------------------------ */

static void test_login_authenticate(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x, "a LOGIN {5}\r\nSMITH \"se\\\"same\"\r\n",
              "a LOGIN SMITH \"se\\\"same\"\r\n");
    assert_int_equal(x.cmd->type, MW_IMAP_CMD_LOGIN);
    assert_span(x.cmd->tag, "a");
    assert_span(x.cmd->u.login.user, "SMITH");
    assert_span(x.cmd->u.login.password, "se\"same");
    parsed_free(&x);

    roundtrip(&x, "A01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n", NULL);
    assert_span(x.cmd->u.authenticate.mechanism, "PLAIN");
    assert_int_equal(x.cmd->u.authenticate.has_initial, 1);
    assert_span(x.cmd->u.authenticate.initial, "dGVzdAB0ZXN0AHRlc3Q=");
    parsed_free(&x);

    /* "=" is an empty initial response, not an absent one (RFC 4959). */
    roundtrip(&x, "A02 AUTHENTICATE EXTERNAL =\r\n", NULL);
    assert_int_equal(x.cmd->u.authenticate.has_initial, 1);
    assert_int_equal(x.cmd->u.authenticate.initial.len, 0);
    parsed_free(&x);
    roundtrip(&x, "A03 AUTHENTICATE EXTERNAL\r\n", NULL);
    assert_int_equal(x.cmd->u.authenticate.has_initial, 0);
    parsed_free(&x);

    roundtrip(&x, "t2 ENABLE CONDSTORE X-GOOD-IDEA\r\n", NULL);
    assert_int_equal(x.cmd->u.enable.n_caps, 2);
    assert_span(x.cmd->u.enable.caps[0], "CONDSTORE");
    assert_span(x.cmd->u.enable.caps[1], "X-GOOD-IDEA");
    parsed_free(&x);
}

static void test_select_qresync(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x,
              "A03 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 "
              "(5000,7500,9990:9999 15000,22500,29970:*)) X-EXT (1 2))\r\n",
              NULL);
    const mw_imap_cmd_select *s = &x.cmd->u.select;
    assert_int_equal(x.cmd->type, MW_IMAP_CMD_SELECT);
    assert_span(s->mailbox.utf8, "INBOX");
    assert_int_equal(s->condstore, 0);
    assert_int_equal(s->qresync, 1);
    assert_int_equal(s->uidvalidity, 67890007u);
    assert_true(s->modseq == 90060115194045000ull);
    assert_int_equal(s->known_uids.n, 1);
    assert_range(&s->known_uids, 0, 1, 29997);
    assert_int_equal(s->has_seq_match, 1);
    assert_int_equal(s->seq_match_seqs.n, 3);
    assert_range(&s->seq_match_seqs, 2, 9990, 9999);
    assert_int_equal(s->seq_match_uids.n, 3);
    assert_range(&s->seq_match_uids, 2, 29970, 0);
    assert_int_equal(s->params.n, 2);
    assert_true(mw_imap_value_is_atom(s->params.v[0], "X-EXT"));
    assert_int_equal(s->params.v[1]->type, MW_IMAP_V_LIST);
    parsed_free(&x);

    roundtrip(&x, "a EXAMINE inbox (CONDSTORE)\r\n", NULL);
    assert_int_equal(x.cmd->u.select.condstore, 1);
    assert_span(x.cmd->u.select.mailbox.raw, "inbox");
    assert_span(x.cmd->u.select.mailbox.utf8, "INBOX");
    parsed_free(&x);
}

static void test_mailbox_names(void **state)
{
    (void)state;
    parsed x;
    /* Modified UTF-7 (RFC 3501 5.1.3): decoded into the arena. */
    roundtrip(&x, "a CREATE ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n", NULL);
    const mw_imap_mailbox *m = &x.cmd->u.create.mailbox;
    assert_int_equal(m->valid, 1);
    assert_span(m->utf8, "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
                         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    parsed_free(&x);

    /* Invalid modified UTF-7 is no decode error: valid 0, raw kept. */
    roundtrip(&x, "a SELECT &Jjo!\r\n", NULL);
    assert_int_equal(x.cmd->u.select.mailbox.valid, 0);
    assert_int_equal(x.cmd->u.select.mailbox.utf8.len, 0);
    assert_span(x.cmd->u.select.mailbox.raw, "&Jjo!");
    parsed_free(&x);

    /* UTF8=ACCEPT: names are UTF-8 on the wire and in the value. */
    roundtrip_flags(&x, "a SELECT \"Entw\xc3\xbcrfe\"\r\n", NULL,
                    MW_IMAP_PARSE_UTF8, MW_IMAP_WRITE_UTF8);
    assert_int_equal(x.cmd->u.select.mailbox.valid, 1);
    assert_span(x.cmd->u.select.mailbox.utf8, "Entw\xc3\xbcrfe");
    parsed_free(&x);
    /* The same bytes without UTF8=ACCEPT are not modified UTF-7. */
    parse_decode(&x, "a SELECT \"Entw\xc3\xbcrfe\"\r\n", 22, 0, 0);
    assert_int_equal(x.cmd->u.select.mailbox.valid, 0);
    parsed_free(&x);

    roundtrip(&x, "a RENAME \"a b\" {3}\r\nc\"d\r\n",
              "a RENAME \"a b\" \"c\\\"d\"\r\n");
    assert_span(x.cmd->u.rename.from.utf8, "a b");
    assert_span(x.cmd->u.rename.to.utf8, "c\"d");
    parsed_free(&x);
}

static void test_list_extended(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x,
              "A06 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" foo/*) RETURN "
              "(CHILDREN X-OPT (1 2) STATUS (MESSAGES UIDVALIDITY X-NEW))\r\n",
              "A06 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" \"foo/*\") "
              "RETURN (CHILDREN X-OPT (1 2) STATUS (MESSAGES UIDVALIDITY "
              "X-NEW))\r\n");
    const mw_imap_cmd_list *l = &x.cmd->u.list;
    assert_int_equal(l->has_select, 1);
    assert_int_equal(l->n_select, 2);
    assert_span(l->select[1].name, "RECURSIVEMATCH");
    assert_int_equal(l->reference.raw.len, 0);
    assert_int_equal(l->n_patterns, 2);
    assert_int_equal(l->patterns_parenthesized, 1);
    assert_span(l->patterns[1].utf8, "foo/*");
    assert_int_equal(l->has_return, 1);
    assert_int_equal(l->n_return, 2);
    assert_span(l->ret[0].name, "CHILDREN");
    assert_null(l->ret[0].value);
    assert_span(l->ret[1].name, "X-OPT");
    assert_int_equal(l->ret[1].value->count, 2);
    assert_int_equal(l->has_status, 1);
    assert_int_equal(l->n_status, 3);
    assert_int_equal(l->status[0].item, MW_IMAP_STATUS_MESSAGES);
    assert_int_equal(l->status[1].item, MW_IMAP_STATUS_UIDVALIDITY);
    assert_int_equal(l->status[2].item, MW_IMAP_STATUS_UNKNOWN);
    assert_span(l->status[2].name, "X-NEW");
    parsed_free(&x);

    roundtrip(&x, "A202 LIST ~/Mail/ %\r\n", "A202 LIST ~/Mail/ \"%\"\r\n");
    assert_int_equal(x.cmd->u.list.has_select, 0);
    assert_int_equal(x.cmd->u.list.patterns_parenthesized, 0);
    assert_span(x.cmd->u.list.reference.raw, "~/Mail/");
    assert_span(x.cmd->u.list.patterns[0].raw, "%");
    parsed_free(&x);
}

static void test_status_items(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x,
              "a STATUS blurdybloop (MESSAGES UIDNEXT UIDVALIDITY UNSEEN "
              "DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT MAILBOXID "
              "X-FOO)\r\n",
              NULL);
    const mw_imap_cmd_status *s = &x.cmd->u.status;
    assert_int_equal(s->n_items, 11);
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(s->items[i].item, i + 1);
    assert_int_equal(s->items[10].item, MW_IMAP_STATUS_UNKNOWN);
    assert_span(s->items[10].name, "X-FOO");
    parsed_free(&x);
}

static void test_append(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x,
              "A003 APPEND saved-messages (\\Seen) {5}\r\nfirst (\\Seen "
              "$Junk) \" 7-Feb-1994 21:52:25 -0800\" {6+}\r\nsecond () "
              "~{3}\r\na\0b UTF8 (~{2}\r\nhi)\r\n",
              "A003 APPEND saved-messages (\\Seen) {5}\r\nfirst (\\Seen "
              "$Junk) \"07-Feb-1994 21:52:25 -0800\" {6}\r\nsecond () "
              "~{3}\r\na\0b UTF8 (~{2}\r\nhi)\r\n");
    const mw_imap_cmd_append *a = &x.cmd->u.append;
    assert_span(a->mailbox.raw, "saved-messages");
    assert_int_equal(a->n_messages, 4);
    assert_int_equal(a->messages[0].has_flags, 1);
    assert_int_equal(a->messages[0].n_flags, 1);
    assert_span(a->messages[0].flags[0], "\\Seen");
    assert_int_equal(a->messages[0].has_date, 0);
    assert_span(a->messages[0].data, "first");
    assert_int_equal(a->messages[0].length, 5);
    const mw_imap_append_msg *m = &a->messages[1];
    assert_int_equal(m->n_flags, 2);
    assert_span(m->flags[1], "$Junk");
    assert_int_equal(m->has_date, 1);
    assert_int_equal(m->date.year, 1994);
    assert_int_equal(m->date.month, 2);
    assert_int_equal(m->date.day, 7);
    assert_int_equal(m->date.hour, 21);
    assert_int_equal(m->date.minute, 52);
    assert_int_equal(m->date.second, 25);
    assert_int_equal(m->date.zone, -480);
    assert_span(m->data, "second");
    assert_int_equal(a->messages[2].has_flags, 1);
    assert_int_equal(a->messages[2].n_flags, 0);
    assert_int_equal(a->messages[2].binary, 1);
    mwt_assert_bytes("lit8", a->messages[2].data.ptr, a->messages[2].data.len,
                     "a\0b", 3);
    assert_int_equal(a->messages[3].utf8, 1);
    assert_int_equal(a->messages[3].binary, 1);
    assert_span(a->messages[3].data, "hi");
    parsed_free(&x);
}

static void test_search_sort_thread(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x,
              "A282 UID SEARCH RETURN (MIN COUNT SAVE X-PARTIAL) CHARSET "
              "UTF-8 FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
              "A282 UID SEARCH RETURN (MIN COUNT SAVE X-PARTIAL) CHARSET "
              "UTF-8 FLAGGED SINCE 1-Feb-1994 NOT FROM Smith\r\n");
    const mw_imap_cmd_search *s = &x.cmd->u.search;
    assert_int_equal(x.cmd->uid, 1);
    assert_int_equal(s->ret.has_return, 1);
    assert_int_equal(s->ret.n_opts, 4);
    assert_int_equal(s->ret.opts[0].opt, MW_IMAP_RET_MIN);
    assert_int_equal(s->ret.opts[1].opt, MW_IMAP_RET_COUNT);
    assert_int_equal(s->ret.opts[2].opt, MW_IMAP_RET_SAVE);
    assert_int_equal(s->ret.opts[3].opt, MW_IMAP_RET_UNKNOWN);
    assert_span(s->ret.opts[3].name, "X-PARTIAL");
    assert_int_equal(s->has_charset, 1);
    assert_span(s->charset, "UTF-8");
    assert_int_equal(s->search.n_top, 3);
    assert_int_equal(s->search.keys[0].type, MW_IMAP_SK_FLAGGED);
    assert_int_equal(s->search.keys[1].type, MW_IMAP_SK_SINCE);
    assert_int_equal(s->search.keys[1].date.day, 1);
    assert_int_equal(s->search.keys[2].type, MW_IMAP_SK_NOT);
    assert_int_equal(s->search.keys[3].type, MW_IMAP_SK_FROM);
    assert_span(s->search.keys[3].str, "Smith");
    parsed_free(&x);

    roundtrip(&x, "A283 SEARCH RETURN () FLAGGED\r\n", NULL);
    assert_int_equal(x.cmd->u.search.ret.has_return, 1);
    assert_int_equal(x.cmd->u.search.ret.n_opts, 0);
    assert_int_equal(x.cmd->u.search.has_charset, 0);
    parsed_free(&x);

    roundtrip(&x,
              "A283 UID SORT RETURN (MIN) (SUBJECT REVERSE DATE reverse "
              "X-SCORE DISPLAYFROM) UTF-8 ALL\r\n",
              "A283 UID SORT RETURN (MIN) (SUBJECT REVERSE DATE REVERSE "
              "X-SCORE DISPLAYFROM) UTF-8 ALL\r\n");
    const mw_imap_cmd_sort *o = &x.cmd->u.sort;
    assert_int_equal(o->ret.n_opts, 1);
    assert_int_equal(o->n_crit, 4);
    assert_int_equal(o->crit[0].key, MW_IMAP_SORT_SUBJECT);
    assert_int_equal(o->crit[0].reverse, 0);
    assert_int_equal(o->crit[1].key, MW_IMAP_SORT_DATE);
    assert_int_equal(o->crit[1].reverse, 1);
    assert_int_equal(o->crit[2].key, MW_IMAP_SORT_UNKNOWN);
    assert_int_equal(o->crit[2].reverse, 1);
    assert_span(o->crit[2].name, "X-SCORE");
    assert_int_equal(o->crit[3].key, MW_IMAP_SORT_DISPLAYFROM);
    assert_span(o->charset, "UTF-8");
    assert_int_equal(o->search.keys[0].type, MW_IMAP_SK_ALL);
    parsed_free(&x);

    roundtrip(&x, "A285 UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n",
              "A285 UID THREAD REFERENCES UTF-8 SINCE 5-Mar-2000\r\n");
    assert_span(x.cmd->u.thread.algorithm, "REFERENCES");
    assert_span(x.cmd->u.thread.charset, "UTF-8");
    assert_int_equal(x.cmd->u.thread.search.keys[0].date.month, 3);
    parsed_free(&x);
}

static void test_fetch_store_copy(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x,
              "s100 UID FETCH 300:500,7 (FLAGS BODY.PEEK[1.2]<0.2048>) "
              "(CHANGEDSINCE 12345 VANISHED X-MOD)\r\n",
              NULL);
    const mw_imap_cmd_fetch *f = &x.cmd->u.fetch;
    assert_int_equal(f->set.n, 2);
    assert_range(&f->set, 0, 300, 500);
    assert_range(&f->set, 1, 7, 7);
    assert_int_equal(f->atts.n_atts, 2);
    assert_int_equal(f->atts.atts[0].type, MW_IMAP_FETCH_ATT_FLAGS);
    assert_int_equal(f->atts.atts[1].type, MW_IMAP_FETCH_ATT_BODY_PEEK);
    assert_int_equal(f->atts.atts[1].length, 2048);
    assert_int_equal(f->has_changedsince, 1);
    assert_int_equal(f->changedsince, 12345);
    assert_int_equal(f->vanished, 1);
    assert_int_equal(f->modifiers.n, 1);
    parsed_free(&x);

    roundtrip(&x, "a FETCH 12 full\r\n", "a FETCH 12 FULL\r\n");
    assert_int_equal(x.cmd->u.fetch.atts.macro, MW_IMAP_FETCH_MACRO_FULL);
    assert_int_equal(x.cmd->u.fetch.has_changedsince, 0);
    parsed_free(&x);

    /* Bare flags are taken; the writer sends them as a list. */
    roundtrip(&x, "a store 12 -flags.silent \\deleted \\seen\r\n",
              "a STORE 12 -FLAGS.SILENT (\\deleted \\seen)\r\n");
    const mw_imap_cmd_store *s = &x.cmd->u.store;
    assert_int_equal(s->mode, MW_IMAP_STORE_REMOVE);
    assert_int_equal(s->silent, 1);
    assert_int_equal(s->n_flags, 2);
    assert_span(s->flags[1], "\\seen");
    parsed_free(&x);

    roundtrip(&x, "a103 UID STORE 6,4,8 (UNCHANGEDSINCE 0) FLAGS ()\r\n", NULL);
    s = &x.cmd->u.store;
    assert_int_equal(s->has_unchangedsince, 1);
    assert_int_equal(s->unchangedsince, 0);
    assert_int_equal(s->mode, MW_IMAP_STORE_REPLACE);
    assert_int_equal(s->n_flags, 0);
    assert_int_equal(s->set.n, 3);
    parsed_free(&x);

    roundtrip(&x, "a UID MOVE 42:69 foo\r\n", NULL);
    assert_int_equal(x.cmd->uid, 1);
    assert_range(&x.cmd->u.copy.set, 0, 42, 69);
    assert_span(x.cmd->u.copy.mailbox.utf8, "foo");
    parsed_free(&x);

    roundtrip(&x, "A202 UID EXPUNGE 3000:3002\r\n", NULL);
    assert_range(&x.cmd->u.expunge.uids, 0, 3000, 3002);
    parsed_free(&x);
}

static void test_id_quota_misc(void **state)
{
    (void)state;
    parsed x;
    roundtrip(&x, "a ID (\"name\" \"mailwire\" \"os\" NIL)\r\n", NULL);
    const mw_imap_cmd_id *id = &x.cmd->u.id;
    assert_int_equal(id->nil, 0);
    assert_int_equal(id->n_fields, 2);
    assert_span(id->fields[0].name, "name");
    assert_span(id->fields[0].value, "mailwire");
    assert_int_equal(id->fields[1].value_nil, 1);
    parsed_free(&x);
    roundtrip(&x, "a ID nil\r\n", "a ID NIL\r\n");
    assert_int_equal(x.cmd->u.id.nil, 1);
    parsed_free(&x);

    roundtrip(&x,
              "S0000 SETQUOTA \"User quota\" (STORAGE 510 MESSAGE "
              "18446744073709551615)\r\n",
              NULL);
    const mw_imap_cmd_setquota *q = &x.cmd->u.setquota;
    assert_span(q->root, "User quota");
    assert_int_equal(q->n_limits, 2);
    assert_span(q->limits[0].name, "STORAGE");
    assert_int_equal(q->limits[0].limit, 510);
    assert_true(q->limits[1].limit == UINT64_MAX);
    parsed_free(&x);

    roundtrip(&x, "t1 CREATE MySpecial (USE (\\Drafts \\Sent) X-P 3)\r\n",
              NULL);
    const mw_imap_cmd_create *c = &x.cmd->u.create;
    assert_int_equal(c->has_use, 1);
    assert_int_equal(c->n_use, 2);
    assert_span(c->use[1], "\\Sent");
    assert_int_equal(c->params.n, 2);
    parsed_free(&x);

    roundtrip(&x, "a X-UNKNOWN aps-version 2 (x \"y z\")\r\n", NULL);
    assert_int_equal(x.cmd->type, MW_IMAP_CMD_UNKNOWN);
    assert_span(x.cmd->name, "X-UNKNOWN");
    assert_int_equal(x.cmd->u.unknown.n_args, 3);
    assert_true(mw_imap_value_is_atom(x.cmd->u.unknown.args, "aps-version"));
    parsed_free(&x);

    roundtrip(&x, "a COMPRESS DEFLATE\r\n", NULL);
    assert_span(x.cmd->u.compress.mechanism, "DEFLATE");
    parsed_free(&x);
}

/* ------------------------------------------------------------------ */
/* Caller-built commands                                               */
/* ------------------------------------------------------------------ */

static mw_span S(const char *s)
{
    mw_span sp = {s, strlen(s)};
    return sp;
}

static mw_imap_cmd new_cmd(uint32_t type, const char *tag)
{
    mw_imap_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = type;
    c.tag = S(tag);
    return c;
}

static void test_built_commands(void **state)
{
    (void)state;
    /* The example of the header's file comment. */
    mw_imap_range all = {1, 0};
    mw_imap_cmd c = new_cmd(MW_IMAP_CMD_COPY, "a7");
    c.uid = 1;
    c.u.copy.set.ranges = &all;
    c.u.copy.set.n = 1;
    c.u.copy.mailbox.utf8 = S("Entw\xc3\xbcrfe");
    const char *want = "a7 UID COPY 1:* Entw&APw-rfe\r\n";
    check_write(&c, 0, 0, want, strlen(want));
    want = "a7 UID COPY 1:* \"Entw\xc3\xbcrfe\"\r\n";
    check_write(&c, MW_IMAP_WRITE_UTF8, MW_IMAP_PARSE_UTF8, want, strlen(want));

    /* LOGIN with strings that need quoting and a literal. */
    c = new_cmd(MW_IMAP_CMD_LOGIN, "L1");
    c.u.login.user = S("NIL");
    c.u.login.password = S("p\"w\r\nx");
    want = "L1 LOGIN \"NIL\" {6}\r\np\"w\r\nx\r\n";
    check_write(&c, 0, 0, want, strlen(want));
    want = "L1 LOGIN \"NIL\" {6+}\r\np\"w\r\nx\r\n";
    check_write(&c, MW_IMAP_WRITE_LITERAL_PLUS, 0, want, strlen(want));

    /* APPEND with a date and a binary message. */
    mw_imap_append_msg msg;
    memset(&msg, 0, sizeof(msg));
    mw_span seen = S("\\Seen");
    msg.flags = &seen;
    msg.n_flags = 1;
    msg.has_date = 1;
    assert_int_equal(
        mw_imap_datetime_parse("17-Jul-1996 02:44:25 -0700", 26, &msg.date),
        MW_OK);
    msg.data.ptr = "x\0y";
    msg.data.len = 3;
    msg.binary = 1;
    c = new_cmd(MW_IMAP_CMD_APPEND, "A1");
    c.u.append.mailbox.raw = S("INBOX");
    c.u.append.messages = &msg;
    c.u.append.n_messages = 1;
    static const char app[] = "A1 APPEND INBOX (\\Seen) \"17-Jul-1996 "
                              "02:44:25 -0700\" ~{3}\r\nx\0y\r\n";
    check_write(&c, 0, 0, app, sizeof(app) - 1);

    /* STATUS items written by their canonical names. */
    mw_imap_status_item items[2] = {{MW_IMAP_STATUS_HIGHESTMODSEQ, 0, {0, 0}},
                                    {MW_IMAP_STATUS_UNKNOWN, 0, S("X-A")}};
    c = new_cmd(MW_IMAP_CMD_STATUS, "S");
    c.u.status.mailbox.raw = S("");
    c.u.status.items = items;
    c.u.status.n_items = 2;
    want = "S STATUS \"\" (HIGHESTMODSEQ X-A)\r\n";
    check_write(&c, 0, 0, want, strlen(want));

    /* ID with no fields is ID NIL. */
    c = new_cmd(MW_IMAP_CMD_ID, "i");
    want = "i ID NIL\r\n";
    check_write(&c, 0, 0, want, strlen(want));
}

static mw_status write_fixed(const mw_imap_cmd *c, size_t *len_after)
{
    char mem[256];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    assert_int_equal(mw_buf_append(&out, "prefix", 6), MW_OK);
    mw_status st = mw_imap_cmd_write(c, 0, &out);
    *len_after = out.len;
    return st;
}

static void expect_refused(const mw_imap_cmd *c)
{
    size_t len;
    assert_int_equal(write_fixed(c, &len), MW_E_ARG);
    assert_int_equal(len, 6); /* nothing appended */
}

static void test_writer_refusals(void **state)
{
    (void)state;
    mw_imap_range r = {1, 5};
    mw_imap_cmd c = new_cmd(MW_IMAP_CMD_NOOP, "a b");
    expect_refused(&c); /* space in the tag */
    c.tag = S("+");
    expect_refused(&c);
    c.tag = S("");
    expect_refused(&c);
    c = new_cmd(MW_IMAP_CMD_NOOP, "t");
    c.uid = 1;
    expect_refused(&c); /* UID NOOP */
    c = new_cmd(999, "t");
    expect_refused(&c);

    c = new_cmd(MW_IMAP_CMD_COPY, "t");
    c.u.copy.mailbox.raw = S("x");
    expect_refused(&c); /* empty sequence set */
    c.u.copy.set.ranges = &r;
    c.u.copy.set.n = 1;
    c.u.copy.set.dollar = 1;
    expect_refused(&c); /* "$" with ranges */
    c.u.copy.set.dollar = 0;
    c.u.copy.mailbox.raw.ptr = NULL;
    c.u.copy.mailbox.utf8 = S("\xff");
    expect_refused(&c); /* not UTF-8 */
    c.u.copy.mailbox.raw = S("a\0b");
    c.u.copy.mailbox.raw.len = 3;
    expect_refused(&c); /* NUL in a name */

    mw_imap_append_msg msg;
    memset(&msg, 0, sizeof(msg));
    msg.data.ptr = "a\0b";
    msg.data.len = 3;
    c = new_cmd(MW_IMAP_CMD_APPEND, "t");
    c.u.append.mailbox.raw = S("x");
    c.u.append.messages = &msg;
    c.u.append.n_messages = 1;
    expect_refused(&c); /* NUL in non-binary data */
    msg.data = S("ok");
    msg.streamed = 1;
    expect_refused(&c); /* streamed data is not in memory */
    msg.streamed = 0;
    mw_span bad_flag = S("\\Se en");
    msg.flags = &bad_flag;
    msg.n_flags = 1;
    expect_refused(&c); /* not an atom */
    msg.n_flags = 0;
    msg.has_date = 1;
    expect_refused(&c); /* date 0-0-0 without time */
    c.u.append.n_messages = 0;
    expect_refused(&c);

    c = new_cmd(MW_IMAP_CMD_UNKNOWN, "t");
    c.name = S("NOOP");
    expect_refused(&c); /* would read back as NOOP */
    c.name = S("BODY[x");
    expect_refused(&c);

    mw_imap_status_item it = {MW_IMAP_STATUS_UNKNOWN, 0, S("messages")};
    c = new_cmd(MW_IMAP_CMD_STATUS, "t");
    c.u.status.mailbox.raw = S("x");
    c.u.status.items = &it;
    c.u.status.n_items = 1;
    expect_refused(&c); /* a known item kept as UNKNOWN */

    mw_span cap = S("a(b");
    c = new_cmd(MW_IMAP_CMD_ENABLE, "t");
    c.u.enable.caps = &cap;
    c.u.enable.n_caps = 1;
    expect_refused(&c);

    c = new_cmd(MW_IMAP_CMD_AUTHENTICATE, "t");
    c.u.authenticate.mechanism = S("PLAIN");
    c.u.authenticate.has_initial = 1;
    c.u.authenticate.initial = S("=");
    expect_refused(&c); /* a lone "=" means an empty response */

    /* A generic parameter that a typed field would claim. */
    mw_imap_value cond;
    memset(&cond, 0, sizeof(cond));
    cond.type = MW_IMAP_V_ATOM;
    cond.str = S("condstore");
    cond.subtree = 1;
    const mw_imap_value *pv = &cond;
    c = new_cmd(MW_IMAP_CMD_SELECT, "t");
    c.u.select.mailbox.raw = S("x");
    c.u.select.params.v = &pv;
    c.u.select.params.n = 1;
    expect_refused(&c);

    /* A fixed buffer too small: MW_E_NOSPACE with the size needed. */
    c = new_cmd(MW_IMAP_CMD_LOGIN, "t");
    c.u.login.user = S("user");
    c.u.login.password = S("pass");
    char small[8];
    mw_buf out;
    mw_buf_init_fixed(&out, small, sizeof(small));
    assert_int_equal(mw_imap_cmd_write(&c, 0, &out), MW_E_NOSPACE);
    assert_int_equal(out.len, 0);
    assert_int_equal(out.needed, strlen("t LOGIN user pass\r\n"));
    assert_int_equal(mw_imap_cmd_write(NULL, 0, &out), MW_E_ARG);
    assert_int_equal(mw_imap_cmd_write(&c, 0, NULL), MW_E_ARG);
}

static void *no_alloc(void *ud, size_t size)
{
    (*(int *)ud)++;
    (void)size;
    return NULL;
}

static void *no_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (*(int *)ud)++;
    (void)ptr;
    (void)old_size;
    (void)new_size;
    return NULL;
}

static void no_free(void *ud, void *ptr, size_t size)
{
    (void)ud;
    (void)ptr;
    (void)size;
}

/* Firmware writes commands into a fixed buffer with no heap at all: the
 * writers work in place and roll back on failure, so nothing is
 * allocated unless the buffer turns out to be too small. */
static void test_writes_in_place_without_allocating(void **state)
{
    (void)state;
    static const char fetch[] =
        "a UID FETCH 1:5,9 (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>) "
        "(CHANGEDSINCE 7)\r\n";
    static const char *const lines[] = {
        fetch,
        "b SEARCH CHARSET UTF-8 OR (FROM x SUBJECT {3}\r\nabc) NOT SEEN\r\n",
        "c LOGIN {4}\r\nuser \"p w\"\r\n",
        "d APPEND INBOX (\\Seen) {5}\r\nhello\r\n",
    };
    int calls = 0;
    mw_allocator none = {&calls, no_alloc, no_realloc, no_free};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        parsed x;
        parse_decode(&x, lines[i], strlen(lines[i]), 0, 0);
        char mem[256];
        mw_buf out;
        mw_buf_init_fixed(&out, mem, sizeof(mem));
        out.allocator = &none;
        assert_int_equal(mw_buf_append_str(&out, "prefix "), MW_OK);
        assert_int_equal(mw_imap_cmd_write(x.cmd, 0, &out), MW_OK);
        assert_int_equal(calls, 0);
        /* The same bytes as a growable buffer gets. */
        mw_buf grow;
        mw_buf_init_growable(&grow, NULL, 0);
        assert_int_equal(mw_imap_cmd_write(x.cmd, 0, &grow), MW_OK);
        mwt_assert_bytes("in place", out.data + 7, out.len - 7, grow.data,
                         grow.len);
        /* Too small: refused, the prefix kept, the whole size reported. */
        mw_buf tight;
        mw_buf_init_fixed(&tight, mem, 7 + grow.len - 1);
        assert_int_equal(mw_buf_append_str(&tight, "prefix "), MW_OK);
        assert_int_equal(mw_imap_cmd_write(x.cmd, 0, &tight), MW_E_NOSPACE);
        assert_int_equal(tight.len, 7);
        assert_int_equal(tight.needed, 7 + grow.len);
        mw_buf_free(&grow);
        parsed_free(&x);
    }
}

/* ------------------------------------------------------------------ */
/* Regressions of peer bugs (PEERS.md section 3)                       */
/* ------------------------------------------------------------------ */

/* Parse \p in (one command expected) and return how many units it holds. */
static int count_units(const char *in, size_t len)
{
    mw_imap_parser *p = new_parser(0);
    size_t off = 0;
    int units = 0;
    while (off < len) {
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + off, len - off, &used, &ev);
        off += used;
        if (st != MW_OK)
            break;
        units += ev.type == MW_IMAP_EV_UNIT;
    }
    mw_imap_parser_free(p);
    return units;
}

/* python/cpython #87290 (bpo-43124) class: CR LF in an API argument must
 * never reach the wire as a line end that starts a second command. */
static void test_cpython_87290_crlf_in_argument(void **state)
{
    (void)state;
    mw_imap_cmd c = new_cmd(MW_IMAP_CMD_LOGIN, "A1");
    c.u.login.user = S("joe\r\nA2 DELETE INBOX");
    c.u.login.password = S("pw");
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_imap_cmd_write(&c, 0, &out), MW_OK);
    static const char want[] = "A1 LOGIN {20}\r\njoe\r\nA2 DELETE INBOX pw\r\n";
    mwt_assert_bytes("literal", out.data, out.len, want, sizeof(want) - 1);
    assert_int_equal(count_units(out.data, out.len), 1);
    mw_buf_free(&out);

    /* Where only an atom fits (flags, capabilities, mechanisms), CR LF is
     * refused outright. */
    mw_span flag = S("\\Seen\r\nA2 DELETE INBOX");
    mw_imap_range r = {1, 1};
    c = new_cmd(MW_IMAP_CMD_STORE, "A1");
    c.u.store.set.ranges = &r;
    c.u.store.set.n = 1;
    c.u.store.flags = &flag;
    c.u.store.n_flags = 1;
    expect_refused(&c);
    c = new_cmd(MW_IMAP_CMD_AUTHENTICATE, "A1");
    c.u.authenticate.mechanism = S("PLAIN\r\nA2 LOGOUT");
    expect_refused(&c);
}

/* ruby/net-imap PR #701: a non-synchronizing literal sent to a server
 * without LITERAL+ is an injection vector, so the writer only uses {n+}
 * when asked; zero-length literals (emailjs/emailjs-imap-handler #20)
 * round-trip. */
static void test_net_imap_701_literal_plus_only_on_request(void **state)
{
    (void)state;
    mw_imap_append_msg msg;
    memset(&msg, 0, sizeof(msg));
    msg.data = S("");
    mw_imap_cmd c = new_cmd(MW_IMAP_CMD_APPEND, "A1");
    c.u.append.mailbox.raw = S("x y");
    c.u.append.messages = &msg;
    c.u.append.n_messages = 1;
    const char *want = "A1 APPEND \"x y\" {0}\r\n\r\n";
    check_write(&c, 0, 0, want, strlen(want));
    want = "A1 APPEND \"x y\" {0+}\r\n\r\n";
    check_write(&c, MW_IMAP_WRITE_LITERAL_PLUS, 0, want, strlen(want));
    parsed x;
    roundtrip(&x, "A2 APPEND x {0}\r\n\r\n", NULL);
    assert_int_equal(x.cmd->u.append.messages[0].length, 0);
    assert_int_equal(x.cmd->u.append.messages[0].data.len, 0);
    parsed_free(&x);
}

/* libetpan #290 (a crash on the ProtonMail Bridge flag list) and
 * apple/swift-nio-imap #561 (an AString crash): odd flag lists and empty
 * astrings decode or fail cleanly. */
static void test_libetpan_290_odd_flag_lists(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "a STORE 1 FLAGS (\\Seen NIL (x))\r\n",
        "a STORE 1 FLAGS (\\Seen \"q\")\r\n",
        "a APPEND x (()) {1}\r\nm\r\n",
        "a STORE 1 +FLAGS ((\r\n",
    };
    int decoded = 0;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        mw_imap_parser *p = new_parser(MW_IMAP_PARSE_NO_VALIDATE);
        size_t used;
        mw_imap_event ev;
        mw_status st =
            mw_imap_parser_feed(p, lines[i], strlen(lines[i]), &used, &ev);
        if (st == MW_OK && ev.type == MW_IMAP_EV_UNIT) {
            mw_imap_command c;
            (void)mw_imap_command_get(&ev.unit, 0, &c, NULL);
            mw_imap_cmd *cmd = NULL;
            mw_imap_error err = {0, ""};
            assert_int_equal(mw_imap_cmd_decode(&c, 0, NULL, &cmd, &err),
                             MW_E_SYNTAX);
            assert_null(cmd);
            assert_true(err.offset > 10);
            decoded++;
        }
        mw_imap_parser_free(p);
    }
    assert_int_equal(decoded, 3); /* the last one does not even lex */
    parsed x;
    roundtrip(&x, "a LOGIN \"\" {0}\r\n\r\n", "a LOGIN \"\" \"\"\r\n");
    assert_int_equal(x.cmd->u.login.user.len, 0);
    assert_int_equal(x.cmd->u.login.password.len, 0);
    parsed_free(&x);
}

/* ------------------------------------------------------------------ */
/* Decoder errors                                                      */
/* ------------------------------------------------------------------ */

typedef struct bad_case {
    const char *line;
    uint32_t validated; /* 1: the validator accepts it, the decoder not */
    mw_status status;
    uint64_t offset;
} bad_case;

static const bad_case bad_cases[] = {
    /* Accepted by mw_imap_command_get() (its grammar of these parameter
     * lists is generic), refused by the typed decoder. */
    {"a FETCH 1 (FLAGS) (CHANGEDSINCE x)\r\n", 1, MW_E_SYNTAX, 32},
    {"a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)\r\n", 1, MW_E_SYNTAX, 32},
    {"a SELECT INBOX (QRESYNC (abc 5))\r\n", 1, MW_E_SYNTAX, 25},
    {"a SELECT INBOX (QRESYNC (1 2 3:4 (5) 6))\r\n", 1, MW_E_SYNTAX, 34},
    {"a SELECT INBOX (CONDSTORE CONDSTORE)\r\n", 1, MW_E_SYNTAX, 26},
    {"a STORE 1 (UNCHANGEDSINCE -1) FLAGS ()\r\n", 1, MW_E_SYNTAX, 26},
    {"a SETQUOTA r (STORAGE x)\r\n", 1, MW_E_SYNTAX, 22},
    {"a SETQUOTA r (STORAGE)\r\n", 1, MW_E_SYNTAX, 13},
    {"a SORT RETURN ((x)) (DATE) UTF-8 ALL\r\n", 1, MW_E_SYNTAX, 15},
    {"a SORT (DATE REVERSE) UTF-8 ALL\r\n", 1, MW_E_SYNTAX, 13},
    {"a LIST \"\" x RETURN (STATUS)\r\n", 1, MW_E_SYNTAX, 20},
    {"a LIST \"\" x RETURN ((y))\r\n", 1, MW_E_SYNTAX, 20},
    {"a LIST \"\" ()\r\n", 1, MW_E_SYNTAX, 10},
    {"a CREATE x (USE \\Sent)\r\n", 1, MW_E_SYNTAX, 12},
    {"a APPEND x UTF8 ({1}\r\na {1}\r\nb)\r\n", 1, MW_E_SYNTAX, 16},
    /* Units only the lexer saw (MW_IMAP_PARSE_NO_VALIDATE). */
    {"a LOGIN (x) y\r\n", 0, MW_E_SYNTAX, 8},
    {"a NOOP x\r\n", 0, MW_E_SYNTAX, 7},
    {"a STATUS x ()\r\n", 0, MW_E_SYNTAX, 11},
    {"a FETCH x FLAGS\r\n", 0, MW_E_SYNTAX, 8},
    {"a STORE 1 FLAGZ (\\Seen)\r\n", 0, MW_E_SYNTAX, 10},
    {"a COPY 1\r\n", 0, MW_E_SYNTAX, 7},
    {"a ID (\"name\")\r\n", 0, MW_E_SYNTAX, 5},
    {"a ID (name x)\r\n", 0, MW_E_SYNTAX, 6},
    {"a APPEND x \"y\"\r\n", 0, MW_E_SYNTAX, 11},
    {"a SEARCH FOO\r\n", 0, MW_E_SYNTAX, 9},
    {"a ENABLE \"x\"\r\n", 0, MW_E_SYNTAX, 9},
};

static void test_decode_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *b = &bad_cases[i];
        mw_imap_parser *p =
            new_parser(b->validated ? 0 : MW_IMAP_PARSE_NO_VALIDATE);
        mw_imap_event ev;
        feed_unit(p, b->line, strlen(b->line), 0, &ev);
        mw_imap_command c;
        mw_status got = mw_imap_command_get(&ev.unit, 0, &c, NULL);
        if ((got == MW_OK) != (b->validated != 0))
            fail_msg("'%s': validator says %s", b->line, mw_status_name(got));
        mw_imap_error err = {0, ""};
        mw_imap_cmd *cmd = (mw_imap_cmd *)&err; /* must be reset to NULL */
        mw_status st = mw_imap_cmd_decode(&c, 0, NULL, &cmd, &err);
        if (st != b->status || err.offset != b->offset)
            fail_msg("'%s': %s at %llu (%s), want %s at %llu", b->line,
                     mw_status_name(st), (unsigned long long)err.offset,
                     err.expected, mw_status_name(b->status),
                     (unsigned long long)b->offset);
        assert_null(cmd);
        mw_imap_parser_free(p);
    }
    mw_imap_cmd *cmd;
    assert_int_equal(mw_imap_cmd_decode(NULL, 0, NULL, &cmd, NULL), MW_E_ARG);
    mw_imap_command c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(mw_imap_cmd_decode(&c, 0, NULL, NULL, NULL), MW_E_ARG);
    mw_imap_cmd_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                 */
/* ------------------------------------------------------------------ */

typedef struct sweep_input {
    const mw_imap_command *c;
    const char *want;
} sweep_input;

static int decode_scenario(const mw_allocator *a, void *ud)
{
    const sweep_input *in = ud;
    mw_imap_cmd *cmd = NULL;
    mw_status st = mw_imap_cmd_decode(in->c, 0, a, &cmd, NULL);
    if (st == MW_E_NOMEM)
        return cmd != NULL;
    if (st != MW_OK)
        return 1;
    mw_buf out;
    mw_buf_init_growable(&out, a, 0);
    st = mw_imap_cmd_write(cmd, 0, &out);
    int bad = st != MW_OK && st != MW_E_NOMEM;
    if (st == MW_OK)
        bad = out.len != strlen(in->want) ||
              memcmp(out.data, in->want, out.len) != 0;
    mw_buf_free(&out);
    mw_imap_cmd_free(cmd);
    return bad;
}

static void test_failalloc(void **state)
{
    (void)state;
    /* Enough arrays to need several arena blocks. */
    mw_buf line;
    mw_buf_init_growable(&line, NULL, 0);
    assert_int_equal(mw_buf_append_str(&line, "a LIST (SUBSCRIBED) \"\" ("),
                     MW_OK);
    for (int i = 0; i < 120; i++) {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%sbox&AOk-%d", i ? " " : "", i);
        assert_int_equal(mw_buf_append_str(&line, tmp), MW_OK);
    }
    assert_int_equal(
        mw_buf_append_str(&line, ") RETURN (CHILDREN STATUS (MESSAGES))\r\n"),
        MW_OK);
    mw_imap_parser *p = new_parser(0);
    mw_imap_event ev;
    feed_unit(p, line.data, line.len, 0, &ev);
    sweep_input in = {&ev.command, NULL};
    assert_int_equal(mw_buf_append_byte(&line, 0), MW_OK);
    in.want = line.data;
    mwt_failalloc_sweep(decode_scenario, &in);
    mw_imap_parser_free(p);

    static const char *const more[] = {
        "s UID FETCH 1:*,5 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (A B C)]<0.9> "
        "BINARY[3]) (CHANGEDSINCE 9 VANISHED)\r\n",
        "a SEARCH RETURN (MIN) CHARSET UTF-8 OR (FROM x TO y) NOT SEEN 1:5\r\n",
        "A003 APPEND saved (\\Seen) {5}\r\nfirst (\\Seen) \"07-Feb-1994 "
        "21:52:25 -0800\" {6}\r\nsecond\r\n",
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        p = new_parser(0);
        feed_unit(p, more[i], strlen(more[i]), 0, &ev);
        sweep_input m = {&ev.command, more[i]};
        mwt_failalloc_sweep(decode_scenario, &m);
        mw_imap_parser_free(p);
    }
    mw_buf_free(&line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_roundtrip),
        cmocka_unit_test(test_login_authenticate),
        cmocka_unit_test(test_select_qresync),
        cmocka_unit_test(test_mailbox_names),
        cmocka_unit_test(test_list_extended),
        cmocka_unit_test(test_status_items),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_search_sort_thread),
        cmocka_unit_test(test_fetch_store_copy),
        cmocka_unit_test(test_id_quota_misc),
        cmocka_unit_test(test_built_commands),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_writes_in_place_without_allocating),
        cmocka_unit_test(test_cpython_87290_crlf_in_argument),
        cmocka_unit_test(test_net_imap_701_literal_plus_only_on_request),
        cmocka_unit_test(test_libetpan_290_odd_flag_lists),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_failalloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
