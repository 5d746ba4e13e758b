/* IMAP responses: every response example of RFC 3501 and RFC 9051 (plus
 * the extension RFCs they cite) and the command examples, from
 * tests/data/imap, fed whole, byte by byte and split everywhere with equal
 * event logs; serialize(parse(x)) re-parses to equal units; typed
 * accessors (codes, FETCH items, ENVELOPE, BODYSTRUCTURE) give the
 * RFC's values; grammar errors carry the offset of the offending value;
 * allocation failures never leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/imap.h"

static char *read_data(const char *name, size_t *len)
{
    const char *dir = getenv("MW_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof(path), "%s/imap/%s", dir ? dir : "tests/data", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ------------------------------------------------------------------ */
/* Chunking: the event log is the canonical serialization of each unit  */
/* plus the response type and code type, and literal events with data. */
/* ------------------------------------------------------------------ */

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
        if (st != MW_OK)
            return st;
        char tmp[64];
        switch (ev.type) {
        case MW_IMAP_EV_UNIT:
            snprintf(tmp, sizeof(tmp), "[U%u r%u c%u @%llu] ", ev.unit.kind,
                     ev.response.type, ev.response.code.type,
                     (unsigned long long)ev.unit.offset);
            mwt_log(log, tmp);
            if (mw_imap_unit_write(&ev.unit, 0, log) != MW_OK)
                mwt_log(log, "!WRITE\n");
            break;
        case MW_IMAP_EV_LITERAL_BEGIN:
            snprintf(tmp, sizeof(tmp), "[B%llu]",
                     (unsigned long long)ev.literal_len);
            mwt_log(log, tmp);
            break;
        case MW_IMAP_EV_LITERAL_DATA:
            mw_buf_append(log, ev.data.ptr, ev.data.len);
            break;
        default:
            mwt_log(log, "[E]\n");
            break;
        }
    }
}

static mw_status s_finish(void *state, mw_buf *log)
{
    if (!mw_imap_parser_idle(state))
        mwt_log(log, "!PARTIAL");
    return MW_OK;
}

static void s_destroy(void *state)
{
    mw_imap_parser_free(state);
}

static const mwt_stream_ops stream_ops = {s_create, s_update, s_finish,
                                          s_destroy};

/* Serialize every unit of \p in (parsed whole) into \p out; returns the
 * number of units. */
static size_t reserialize(const mw_imap_parser_config *cfg, const char *in,
                          size_t len, mw_buf *out)
{
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(cfg, NULL, &p), MW_OK);
    size_t pos = 0, units = 0;
    for (;;) {
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + pos, len - pos, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            break;
        if (st != MW_OK) {
            mw_imap_error err;
            mw_imap_parser_error(p, &err);
            fail_msg("%s at offset %llu: expected %s", mw_status_name(st),
                     (unsigned long long)err.offset, err.expected);
        }
        if (ev.type != MW_IMAP_EV_UNIT)
            continue;
        units++;
        assert_int_equal(mw_imap_unit_write(&ev.unit, 0, out), MW_OK);
    }
    assert_int_equal(pos, len);
    assert_true(mw_imap_parser_idle(p));
    mw_imap_parser_free(p);
    return units;
}

static int contains(const mw_buf *b, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0)
            return 1;
    return 0;
}

static void check_file(const char *name, uint32_t flags, size_t want_units)
{
    size_t len;
    char *in = read_data(name, &len);
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags;
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&stream_ops, &cfg, in, len, &whole);
    if (contains(&whole, "!WRITE") || contains(&whole, "!PARTIAL") ||
        contains(&whole, "!MW_"))
        fail_msg("%s: %.*s", name, (int)whole.len, whole.data);
    /* The same again with literals streamed as events. */
    mw_imap_parser_config small = cfg;
    small.inline_max = 8;
    mw_buf streamed;
    mw_buf_init_growable(&streamed, NULL, 0);
    mwt_check_chunking(&stream_ops, &small, in, len, &streamed);
    mw_buf_free(&streamed);

    /* serialize(parse(x)) parses to the same units: its serialization is
     * a fixed point. */
    mw_buf once, twice;
    mw_buf_init_growable(&once, NULL, 0);
    mw_buf_init_growable(&twice, NULL, 0);
    size_t n1 = reserialize(&cfg, in, len, &once);
    size_t n2 = reserialize(&cfg, once.data, once.len, &twice);
    assert_int_equal(n1, want_units);
    assert_int_equal(n2, want_units);
    mwt_assert_bytes("fixed point", twice.data, twice.len, once.data, once.len);
    mw_buf_free(&once);
    mw_buf_free(&twice);
    mw_buf_free(&whole);
    free(in);
}

static void test_rfc_server_examples(void **state)
{
    (void)state;
    check_file("rfc_server.txt", 0, 163);
}

static void test_rfc_client_examples(void **state)
{
    (void)state;
    check_file("rfc_client.txt", MW_IMAP_PARSE_COMMANDS, 62);
}

/* A real session with Dovecot 2.3 on loopback (capture_dovecot.py):
 * SASL-IR capabilities, AUTHENTICATE, APPEND with LITERAL+, BODYSTRUCTURE
 * with extension data, BINARY literal8 with NUL bytes, IDLE, COPYUID. */
static void test_dovecot_session(void **state)
{
    (void)state;
    check_file("dovecot_server.txt", 0, 43);
    check_file("dovecot_client.txt", MW_IMAP_PARSE_COMMANDS, 22);
}

/* ------------------------------------------------------------------ */
/* Typed accessors                                                     */
/* ------------------------------------------------------------------ */

typedef void (*unit_check)(const mw_imap_event *ev);

static void with_response(const char *in, unit_check check)
{
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(NULL, NULL, &p), MW_OK);
    size_t used;
    mw_imap_event ev;
    mw_status st = mw_imap_parser_feed(p, in, strlen(in), &used, &ev);
    if (st != MW_OK) {
        mw_imap_error err;
        mw_imap_parser_error(p, &err);
        fail_msg("'%s': %s at %llu expected %s", in, mw_status_name(st),
                 (unsigned long long)err.offset, err.expected);
    }
    assert_int_equal(ev.type, MW_IMAP_EV_UNIT);
    check(&ev);
    mw_imap_parser_free(p);
}

static void span_is(mw_span s, const char *want)
{
    mwt_assert_bytes("span", s.ptr, s.len, want, strlen(want));
}

static void string_is(const mw_imap_value *v, const char *want)
{
    assert_non_null(v);
    if (!want) {
        assert_true(mw_imap_value_is_nil(v));
        return;
    }
    assert_true(mw_imap_value_is_string(v));
    span_is(v->str, want);
}

static void check_section8_fetch(const mw_imap_event *ev)
{
    const mw_imap_response *r = &ev->response;
    assert_int_equal(r->type, MW_IMAP_R_FETCH);
    assert_int_equal(r->number, 12);
    mw_imap_fetch_item it;
    assert_int_equal(mw_imap_fetch_item_get(r->args, 0, &it, NULL), MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_FLAGS);
    assert_int_equal(it.value->count, 1);
    assert_int_equal(mw_imap_fetch_item_get(r->args, 1, &it, NULL), MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_INTERNALDATE);
    mw_imap_datetime dt;
    assert_int_equal(
        mw_imap_datetime_parse(it.value->str.ptr, it.value->str.len, &dt),
        MW_OK);
    assert_int_equal(dt.zone, -420);
    assert_int_equal(mw_imap_fetch_item_get(r->args, 2, &it, NULL), MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_RFC822_SIZE);
    assert_int_equal(it.number, 4286);

    assert_int_equal(mw_imap_fetch_item_get(r->args, 3, &it, NULL), MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_ENVELOPE);
    mw_imap_envelope e;
    assert_int_equal(mw_imap_envelope_get(it.value, &e, NULL), MW_OK);
    string_is(e.date, "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)");
    string_is(e.subject, "IMAP4rev1 WG mtg summary and minutes");
    mw_imap_address a;
    assert_int_equal(e.from->count, 1);
    assert_int_equal(mw_imap_address_get(e.from + 1, &a, NULL), MW_OK);
    string_is(a.name, "Terry Gray");
    string_is(a.adl, NULL);
    string_is(a.mailbox, "gray");
    string_is(a.host, "cac.washington.edu");
    assert_int_equal(e.cc->count, 2);
    assert_int_equal(
        mw_imap_address_get(mw_imap_value_child(e.cc, 1), &a, NULL), MW_OK);
    string_is(a.name, "John Klensin");
    string_is(a.mailbox, "KLENSIN");
    assert_true(mw_imap_value_is_nil(e.bcc));
    string_is(e.in_reply_to, NULL);
    string_is(e.message_id, "<B27397-0100000@cac.washington.edu>");

    assert_int_equal(mw_imap_fetch_item_get(r->args, 4, &it, NULL), MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_BODY);
    mw_imap_body b;
    assert_int_equal(mw_imap_body_get(it.value, &b, NULL), MW_OK);
    assert_int_equal(b.multipart, 0);
    string_is(b.type, "TEXT");
    string_is(b.subtype, "PLAIN");
    string_is(mw_imap_value_child(b.params, 1), "US-ASCII");
    string_is(b.encoding, "7BIT");
    assert_int_equal(b.octets->num, 3028);
    assert_int_equal(b.lines->num, 92);
    assert_null(b.md5);
    assert_int_equal(mw_imap_fetch_item_get(r->args, 5, &it, NULL), MW_DONE);
}

static void test_section8_fetch(void **state)
{
    (void)state;
    with_response(
        "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 "
        "-0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 "
        "-0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry "
        "Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
        "\"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
        "\"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
        "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL "
        "\"KLENSIN\" \"MIT.EDU\")) NIL NIL "
        "\"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" "
        "(\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n",
        check_section8_fetch);
}

static void check_multipart(const mw_imap_event *ev)
{
    mw_imap_fetch_item it;
    assert_int_equal(mw_imap_fetch_item_get(ev->response.args, 1, &it, NULL),
                     MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_BODYSTRUCTURE);
    mw_imap_body b, p;
    assert_int_equal(mw_imap_body_get(it.value, &b, NULL), MW_OK);
    assert_int_equal(b.multipart, 1);
    assert_int_equal(b.n_parts, 3);
    string_is(b.subtype, "MIXED");
    string_is(mw_imap_value_child(b.params, 1), "b1");
    string_is(b.language, "EN");
    string_is(b.location, NULL);
    const mw_imap_value *part = b.parts;
    assert_int_equal(mw_imap_body_get(part, &p, NULL), MW_OK);
    string_is(p.encoding, "QUOTED-PRINTABLE");
    assert_int_equal(p.lines->num, 4);
    string_is(p.md5, NULL);
    part = mw_imap_value_next(part);
    assert_int_equal(mw_imap_body_get(part, &p, NULL), MW_OK);
    string_is(p.type, "MESSAGE");
    assert_non_null(p.envelope);
    assert_non_null(p.body);
    assert_int_equal(p.lines->num, 12);
    mw_imap_body inner;
    assert_int_equal(mw_imap_body_get(p.body, &inner, NULL), MW_OK);
    assert_int_equal(inner.octets->num, 10);
    string_is(mw_imap_value_child(p.disposition, 0), "ATTACHMENT");
    part = mw_imap_value_next(part);
    assert_int_equal(mw_imap_body_get(part, &p, NULL), MW_OK);
    string_is(p.id, "<id@x>");
    string_is(p.description, "desc");
    string_is(p.md5, "md5sum");
    assert_int_equal(p.language->count, 2);
    string_is(p.location, "http://x/");
    assert_int_equal(p.n_extension, 2);
    assert_int_equal(p.extension->num, 1);
    assert_int_equal(mw_imap_value_next(p.extension)->type, MW_IMAP_V_LIST);
}

static void test_bodystructure_extension_data(void **state)
{
    (void)state;
    with_response(
        "* 7 FETCH (UID 10 BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" "
        "\"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 120 4 NIL NIL NIL "
        "NIL)(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 500 (\"Tue, 1 Apr "
        "2025 10:00:00 +0000\" \"inner\" ((\"A\" NIL \"a\" \"example.com\")) "
        "NIL NIL NIL NIL NIL NIL \"<i@x>\") (\"TEXT\" \"PLAIN\" NIL NIL NIL "
        "\"7BIT\" 10 1) 12 NIL (\"ATTACHMENT\" (\"FILENAME\" \"m.eml\")) NIL "
        "NIL)(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"x.bin\") \"<id@x>\" "
        "\"desc\" \"BASE64\" 2048 \"md5sum\" (\"ATTACHMENT\" (\"FILENAME\" "
        "\"x.bin\")) (\"EN\" \"DE\") \"http://x/\" 1 (2 \"a\")) \"MIXED\" "
        "(\"BOUNDARY\" \"b1\") NIL \"EN\" NIL))\r\n",
        check_multipart);
}

static void check_select_codes(const mw_imap_event *ev)
{
    const mw_imap_response *r = &ev->response;
    assert_int_equal(r->type, MW_IMAP_R_OK);
    assert_int_equal(r->kind, MW_IMAP_UNIT_UNTAGGED);
    assert_int_equal(r->code.type, MW_IMAP_C_UIDVALIDITY);
    assert_true(r->code.number == 3857529045u);
    span_is(r->text, "UIDs valid");
}

static void check_copyuid(const mw_imap_event *ev)
{
    const mw_imap_response *r = &ev->response;
    assert_int_equal(r->type, MW_IMAP_R_OK);
    span_is(r->tag, "A004");
    assert_int_equal(r->code.type, MW_IMAP_C_COPYUID);
    assert_int_equal(r->code.number, 38505);
    assert_int_equal(r->code.n_args, 3);
    const mw_imap_value *set = mw_imap_value_next(r->code.args);
    mw_imap_range rg[4];
    size_t n;
    assert_int_equal(
        mw_imap_seqset_parse(set->str.ptr, set->str.len, rg, 4, &n, NULL),
        MW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rg[1].lo, 319);
    assert_int_equal(rg[1].hi, 320);
}

static void check_permanentflags(const mw_imap_event *ev)
{
    const mw_imap_code *c = &ev->response.code;
    assert_int_equal(c->type, MW_IMAP_C_PERMANENTFLAGS);
    assert_int_equal(c->args->count, 3);
    assert_true(mw_imap_value_is_atom(c->args + 3, "\\*"));
}

static void check_unknown_code(const mw_imap_event *ev)
{
    const mw_imap_code *c = &ev->response.code;
    assert_int_equal(c->type, MW_IMAP_C_UNKNOWN);
    span_is(c->name, "XUNKNOWN-CODE");
    assert_int_equal(c->n_args, 2);
}

static void check_rfc5530(const mw_imap_event *ev)
{
    assert_int_equal(ev->response.type, MW_IMAP_R_NO);
    assert_int_equal(ev->response.code.type, MW_IMAP_C_OVERQUOTA);
}

static void check_continuation(const mw_imap_event *ev)
{
    assert_int_equal(ev->response.type, MW_IMAP_R_CONTINUATION);
    span_is(ev->response.text, "YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3Kk=");
}

static void check_list(const mw_imap_event *ev)
{
    const mw_imap_response *r = &ev->response;
    assert_int_equal(r->type, MW_IMAP_R_LIST);
    assert_int_equal(r->n_args, 3);
    const mw_imap_value *name = mw_imap_value_child(r->args - 1, 0);
    (void)name;
    const mw_imap_value *mbox = mw_imap_value_next(mw_imap_value_next(r->args));
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(
        mw_imap_mailbox_decode(mbox->str.ptr, mbox->str.len, 0, &out), MW_OK);
    mwt_assert_bytes("mailbox", out.data, out.len, "\xe2\x98\xba", 3);
    mw_buf_free(&out);
}

static void check_status(const mw_imap_event *ev)
{
    assert_int_equal(ev->response.type, MW_IMAP_R_STATUS);
    const mw_imap_value *l = mw_imap_value_next(ev->response.args);
    assert_true(mw_imap_value_is_atom(l + 1, "MESSAGES"));
    assert_int_equal(l[2].num, 231);
}

static void check_vanished(const mw_imap_event *ev)
{
    assert_int_equal(ev->response.type, MW_IMAP_R_VANISHED);
    assert_int_equal(ev->response.n_args, 2);
}

static void check_thread(const mw_imap_event *ev)
{
    assert_int_equal(ev->response.type, MW_IMAP_R_THREAD);
    assert_int_equal(ev->response.n_args, 2);
    assert_int_equal(mw_imap_value_next(ev->response.args)->count, 4);
}

static void check_binary(const mw_imap_event *ev)
{
    mw_imap_fetch_item it;
    assert_int_equal(mw_imap_fetch_item_get(ev->response.args, 0, &it, NULL),
                     MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_BINARY_SIZE);
    assert_int_equal(it.number, 2024);
    assert_int_equal(mw_imap_fetch_item_get(ev->response.args, 1, &it, NULL),
                     MW_OK);
    assert_int_equal(it.att, MW_IMAP_FA_MODSEQ);
    assert_true(it.number == 715194045007ull);
}

static void test_typed_responses(void **state)
{
    (void)state;
    with_response("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
                  check_select_codes);
    with_response("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
                  check_copyuid);
    with_response("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
                  check_permanentflags);
    with_response("* OK [XUNKNOWN-CODE some (text)] Kept\r\n",
                  check_unknown_code);
    with_response("o NO [OVERQUOTA] Sorry\r\n", check_rfc5530);
    with_response("+ YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3Kk=\r\n",
                  check_continuation);
    with_response("* LIST (\\HasNoChildren) \"/\" &Jjo-\r\n", check_list);
    with_response("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n",
                  check_status);
    with_response("* VANISHED (EARLIER) 41,43:116\r\n", check_vanished);
    with_response("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n", check_thread);
    with_response("* 3 FETCH (BINARY.SIZE[1] 2024 MODSEQ (715194045007))\r\n",
                  check_binary);
}

/* Grammar errors point at the value that is wrong. */
static void expect_grammar_error(const char *in, uint64_t offset,
                                 const char *expected)
{
    mw_imap_parser *p;
    assert_int_equal(mw_imap_parser_new(NULL, NULL, &p), MW_OK);
    size_t used;
    mw_imap_event ev;
    mw_status st = mw_imap_parser_feed(p, in, strlen(in), &used, &ev);
    mw_imap_error err;
    mw_imap_parser_error(p, &err);
    if (st != MW_E_SYNTAX || err.offset != offset ||
        strcmp(err.expected, expected) != 0)
        fail_msg("'%s': %s at %llu expected '%s'", in, mw_status_name(st),
                 (unsigned long long)err.offset, err.expected);
    mw_imap_parser_free(p);
}

static void test_grammar_errors(void **state)
{
    (void)state;
    expect_grammar_error("* 12 FETCH (UID abc)\r\n", 16, "number");
    expect_grammar_error("* 12 FETCH (UID)\r\n", 11, "fetch attribute value");
    expect_grammar_error("* 12 FETCH (ENVELOPE (NIL NIL))\r\n", 21, "envelope");
    expect_grammar_error("* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL "
                         "\"7BIT\" 3))\r\n",
                         16, "body lines");
    expect_grammar_error("* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL "
                         "NIL NIL \"7BIT\" 3 1)))\r\n",
                         25, "media subtype");
    expect_grammar_error("* 1 FETCH (FLAGS (\"x\"))\r\n", 17, "flag list");
    expect_grammar_error("* OK [UIDNEXT x] y\r\n", 14, "number");
    expect_grammar_error("* OK [COPYUID 1 2] y\r\n", 14, "number");
    expect_grammar_error("* OK [APPENDUID 1 0] y\r\n", 18, "uid-set");
    expect_grammar_error("* FLAGS \\Seen\r\n", 8, "flag list");
    expect_grammar_error("* 3 EXISTS 4\r\n", 11, "CRLF");
    expect_grammar_error("* LIST () \"//\" x\r\n", 10, "hierarchy delimiter");
    expect_grammar_error("* STATUS x (MESSAGES y)\r\n", 21, "number");
    expect_grammar_error("* SEARCH 1 x\r\n", 11, "number");
    expect_grammar_error("* NAMESPACE NIL NIL\r\n", 12, "three namespaces");
    expect_grammar_error("* VANISHED (EARLIER) 0\r\n", 21, "known-uids");
    expect_grammar_error("A1 PREAUTH x\r\n", 3, "OK, NO or BAD");
    expect_grammar_error("* CAPABILITY\r\n", 12, "capability");
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                 */
/* ------------------------------------------------------------------ */

typedef struct sweep_input {
    const char *data;
    size_t len;
    uint32_t flags;
} sweep_input;

static int sweep_scenario(const mw_allocator *a, void *ud)
{
    const sweep_input *in = ud;
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = in->flags;
    mw_imap_parser *p;
    mw_status st = mw_imap_parser_new(&cfg, a, &p);
    if (st != MW_OK)
        return st == MW_E_NOMEM ? 0 : 1;
    size_t pos = 0;
    int bug = 0;
    for (;;) {
        size_t used;
        mw_imap_event ev;
        st = mw_imap_parser_feed(p, in->data + pos, in->len - pos, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE)
            break;
        if (st != MW_OK) {
            bug = st != MW_E_NOMEM;
            break;
        }
        if (ev.type == MW_IMAP_EV_UNIT) {
            mw_buf out;
            mw_buf_init_growable(&out, a, 0);
            st = mw_imap_unit_write(&ev.unit, 0, &out);
            bug |= st != MW_OK && st != MW_E_NOMEM;
            mw_buf_free(&out);
        }
    }
    mw_imap_parser_free(p);
    return bug;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    static const char server[] =
        "* OK [CAPABILITY IMAP4rev1] hi\r\n"
        "* 12 FETCH (FLAGS (\\Seen) BODY[HEADER] {12}\r\nSubject: x\r\n "
        "ENVELOPE (NIL \"s\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL "
        "NIL) BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)"
        "(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 1 1) \"ALTERNATIVE\"))\r\n"
        "a1 OK [READ-WRITE] done\r\n";
    sweep_input s = {server, sizeof(server) - 1, 0};
    mwt_failalloc_sweep(sweep_scenario, &s);
    static const char client[] = "a LOGIN {4+}\r\nuser pass\r\n"
                                 "b AUTHENTICATE PLAIN\r\nAGEAYg==\r\n"
                                 "c FETCH 1:* (BODY.PEEK[1]<0.10>)\r\n";
    sweep_input c = {client, sizeof(client) - 1, MW_IMAP_PARSE_COMMANDS};
    mwt_failalloc_sweep(sweep_scenario, &c);
}

/* Units compare by value: quoted and literal strings with the same
 * content are equal, offsets do not matter, anything else does. */
static void test_unit_equality(void **state)
{
    (void)state;
    static const char a[] = "* LIST () \"/\" \"x y\"\r\n";
    static const char b[] = "* LIST  () \"/\" {3}\r\nx y\r\n";
    static const char c[] = "* LIST () \"/\" \"x z\"\r\n";
    mw_imap_parser *pa, *pb, *pc;
    assert_int_equal(mw_imap_parser_new(NULL, NULL, &pa), MW_OK);
    assert_int_equal(mw_imap_parser_new(NULL, NULL, &pb), MW_OK);
    assert_int_equal(mw_imap_parser_new(NULL, NULL, &pc), MW_OK);
    size_t used;
    mw_imap_event ea, eb, ec;
    assert_int_equal(mw_imap_parser_feed(pa, a, sizeof(a) - 1, &used, &ea),
                     MW_OK);
    assert_int_equal(mw_imap_parser_feed(pb, b, sizeof(b) - 1, &used, &eb),
                     MW_OK);
    assert_int_equal(mw_imap_parser_feed(pc, c, sizeof(c) - 1, &used, &ec),
                     MW_OK);
    assert_true(mw_imap_unit_equal(&ea.unit, &eb.unit));
    assert_false(mw_imap_unit_equal(&ea.unit, &ec.unit));
    assert_true(mw_imap_value_equal(ea.unit.values + 1, eb.unit.values + 1));
    mw_imap_parser_free(pa);
    mw_imap_parser_free(pb);
    mw_imap_parser_free(pc);
}

/* The writer refuses trees its parser would read differently. */
static void test_writer_refuses(void **state)
{
    (void)state;
    mw_imap_value v[3];
    memset(v, 0, sizeof(v));
    mw_imap_unit u;
    memset(&u, 0, sizeof(u));
    u.kind = MW_IMAP_UNIT_UNTAGGED;
    u.values = v;
    u.n_top = 2;
    u.n_values = 2;
    v[0].type = MW_IMAP_V_ATOM;
    v[0].str.ptr = "OK";
    v[0].str.len = 2;
    v[0].subtree = 1;
    v[1].type = MW_IMAP_V_TEXT;
    v[1].str.ptr = "[not a code";
    v[1].str.len = 11;
    v[1].subtree = 1;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_imap_unit_write(&u, 0, &out), MW_E_ARG);
    v[1].str.ptr = "fine";
    v[1].str.len = 4;
    assert_int_equal(mw_imap_unit_write(&u, 0, &out), MW_OK);
    mwt_assert_bytes("ok", out.data, out.len, "* OK fine\r\n", 11);
    mw_buf_clear(&out);
    v[1].str.ptr = "a\r\nb";
    assert_int_equal(mw_imap_unit_write(&u, 0, &out), MW_E_ARG);
    /* An atom with a space, a section name before '[' */
    v[0].str.ptr = "a b";
    v[0].str.len = 3;
    u.n_top = 1;
    u.n_values = 1;
    assert_int_equal(mw_imap_unit_write(&u, 0, &out), MW_E_ARG);
    v[0].str.ptr = "BODY[x";
    v[0].str.len = 6;
    assert_int_equal(mw_imap_value_write(v, 0, &out), MW_E_ARG);
    v[0].str.ptr = "X[x";
    v[0].str.len = 3;
    assert_int_equal(mw_imap_value_write(v, 0, &out), MW_OK);
    mw_buf_clear(&out);
    /* Bad tag. */
    u.kind = MW_IMAP_UNIT_TAGGED;
    u.tag.ptr = "a+";
    u.tag.len = 2;
    assert_int_equal(mw_imap_unit_write(&u, 0, &out), MW_E_ARG);
    assert_int_equal(out.len, 0);
    mw_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_server_examples),
        cmocka_unit_test(test_rfc_client_examples),
        cmocka_unit_test(test_dovecot_session),
        cmocka_unit_test(test_section8_fetch),
        cmocka_unit_test(test_bodystructure_extension_data),
        cmocka_unit_test(test_typed_responses),
        cmocka_unit_test(test_grammar_errors),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_unit_equality),
        cmocka_unit_test(test_writer_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
