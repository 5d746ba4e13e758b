/* Whole-message tree API (msgtree.h): lookups on hand-written messages,
 * the tree equal to the streaming parser's events, arena limits and
 * allocation failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/msgtree.h"

#define ASSERT_BYTES(got, got_len, want, want_len)                             \
    mwt_assert_bytes(#got, got, got_len, want, want_len)

/* ------------------------------------------------------------------ */
/* Logs: the same text from the events and from a tree walk            */
/* ------------------------------------------------------------------ */

static void log_span(mw_buf *log, const char *key, mw_span s)
{
    mwt_log(log, key);
    if (!s.ptr) {
        mwt_log(log, "<null>");
        return;
    }
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        char tmp[8];
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            mwt_log(log, tmp);
        } else {
            assert_int_equal(mw_buf_append_byte(log, c), MW_OK);
        }
    }
}

static void log_u(mw_buf *log, const char *key, unsigned long long v)
{
    char tmp[48];
    snprintf(tmp, sizeof(tmp), "%s%llu", key, v);
    mwt_log(log, tmp);
}

static void log_info(mw_buf *log, const mw_mime_info *in)
{
    log_u(log, "INFO kind=", in->kind);
    log_u(log, " enc=", in->encoding);
    log_u(log, " defects=", in->defects);
    log_span(log, " ct=", in->content_type);
    log_span(log, " charset=", in->charset);
    log_span(log, " boundary=", in->boundary);
    log_span(log, " cte=", in->transfer_encoding);
    log_span(log, " disp=", in->disposition);
    log_span(log, " cid=", in->content_id);
    log_span(log, " file=", in->filename);
    log_span(log, " ctraw=", in->content_type_raw);
    log_span(log, " dispraw=", in->disposition_raw);
    mwt_log(log, "\n");
}

static void log_data(mw_buf *log, const char *key, mw_span s)
{
    if (!s.len)
        return;
    log_span(log, key, s);
    mwt_log(log, "\n");
}

/* Events, with consecutive data events of one kind joined. */
static mw_status event_log(const char *msg, size_t len, uint32_t flags,
                           const mw_limits *limits, mw_buf *log)
{
    mw_mime_config cfg = {sizeof(cfg), flags, limits};
    mw_mime_parser *p = NULL;
    mw_status st = mw_mime_parser_new(&cfg, NULL, &p);
    assert_int_equal(st, MW_OK);
    mw_buf data;
    mw_buf_init_growable(&data, NULL, 0);
    uint32_t data_type = 0;
    int finished = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        st = mw_mime_parse(p, finished ? NULL : msg, finished ? 0 : len, &used,
                           &ev);
        if (!finished) {
            msg += used;
            len -= used;
        }
        if (st == MW_NEED_MORE && !finished) {
            finished = 1;
            mw_mime_finish(p);
            continue;
        }
        if (st != MW_OK)
            break;
        int is_data = ev.type == MW_MIME_EV_BODY ||
                      ev.type == MW_MIME_EV_PREAMBLE ||
                      ev.type == MW_MIME_EV_EPILOGUE;
        if (data_type && (!is_data || ev.type != data_type)) {
            mw_span d = {data.data, data.len};
            log_data(log,
                     data_type == MW_MIME_EV_BODY       ? "BODY "
                     : data_type == MW_MIME_EV_PREAMBLE ? "PRE "
                                                        : "EPI ",
                     d);
            mw_buf_clear(&data);
            data_type = 0;
        }
        if (is_data) {
            data_type = ev.type;
            assert_int_equal(mw_buf_append(&data, ev.data.ptr, ev.data.len),
                             MW_OK);
            continue;
        }
        if (ev.type == MW_MIME_EV_ENTITY_BEGIN) {
            log_u(log, "BEGIN ", ev.depth);
            log_span(log, " ", ev.part);
            mwt_log(log, "\n");
        } else if (ev.type == MW_MIME_EV_HEADER) {
            log_span(log, "H ", ev.name);
            log_span(log, ": ", ev.value);
            mwt_log(log, "\n");
        } else if (ev.type == MW_MIME_EV_HEADERS_END) {
            log_info(log, &ev.info);
        } else if (ev.type == MW_MIME_EV_ENTITY_END) {
            log_u(log, "END ", ev.defects);
            mwt_log(log, "\n");
        }
    }
    mw_buf_free(&data);
    mw_mime_parser_free(p);
    return st == MW_DONE ? MW_OK : st;
}

static void walk(mw_buf *log, const mw_msg_entity *e)
{
    log_u(log, "BEGIN ", mw_msg_entity_depth(e));
    log_span(log, " ", mw_msg_entity_part(e));
    mwt_log(log, "\n");
    mw_span name, value;
    for (size_t i = 0; mw_msg_header_nth(e, NULL, i, &name, &value) == MW_OK;
         i++) {
        log_span(log, "H ", name);
        log_span(log, ": ", value);
        mwt_log(log, "\n");
    }
    assert_int_equal(
        mw_msg_header_nth(e, NULL, mw_msg_header_count(e, NULL), &name, &value),
        MW_DONE);
    log_info(log, mw_msg_entity_info(e));
    log_data(log, "PRE ", mw_msg_entity_preamble(e));
    size_t kids = 0;
    for (const mw_msg_entity *c = mw_msg_entity_first_child(e); c;
         c = mw_msg_entity_next_sibling(c), kids++) {
        assert_ptr_equal(mw_msg_entity_parent(c), e);
        assert_int_equal(mw_msg_entity_depth(c), mw_msg_entity_depth(e) + 1);
        walk(log, c);
    }
    assert_int_equal(kids, mw_msg_entity_child_count(e));
    log_data(log, "EPI ", mw_msg_entity_epilogue(e));
    log_data(log, "BODY ", mw_msg_entity_body(e));
    log_u(log, "END ", mw_msg_entity_defects(e));
    mwt_log(log, "\n");
}

/* The tree of \p msg says exactly what the events say. */
static void check_tree_equals_events(const char *msg, size_t len,
                                     uint32_t flags, const mw_limits *limits,
                                     size_t block_size)
{
    mw_buf want, got;
    mw_buf_init_growable(&want, NULL, 0);
    mw_buf_init_growable(&got, NULL, 0);
    assert_int_equal(event_log(msg, len, flags, limits, &want), MW_OK);
    mw_msg_tree_config cfg = {sizeof(cfg), flags, limits, block_size, 0};
    mw_msg_tree *t = NULL;
    assert_int_equal(mw_msg_tree_parse(msg, len, &cfg, NULL, &t), MW_OK);
    const mw_msg_entity *root = mw_msg_tree_root(t);
    assert_non_null(root);
    assert_null(mw_msg_entity_parent(root));
    walk(&got, root);
    ASSERT_BYTES(got.data, got.len, want.data, want.len);
    /* pre-order iteration visits the entities in the order they began */
    size_t n = 0;
    for (const mw_msg_entity *e = root; e; e = mw_msg_entity_next(e))
        n++;
    assert_int_equal(n, mw_msg_tree_entity_count(t));
    mw_msg_tree_free(t);
    mw_buf_free(&want);
    mw_buf_free(&got);
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

static const char simple[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Received: from a by b; Sun, 9 Apr 2023 10:00:00 +0900\r\n"
    "Subject: Hello\r\n world\r\n"
    "received: from c by d; Sun, 9 Apr 2023 09:00:00 +0900\r\n"
    "\r\n"
    "Hi Bob.\r\n";

/* RFC 2046 5.1.1's example, nested under a multipart/mixed with a
 * base64 attachment (RFC 2231 file name) and a message/rfc822 part. */
static const char nested[] =
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=outer\n"
    "\n"
    "outer preamble\n"
    "--outer\n"
    "Content-type: multipart/alternative; boundary=\"simple boundary\"\n"
    "\n"
    "This is the preamble.\n"
    "--simple boundary\n"
    "\n"
    "This is implicitly typed plain US-ASCII text.\n"
    "It does NOT end with a linebreak.\n"
    "--simple boundary\n"
    "Content-type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "caf=C3=A9 soft=\n"
    "break\n"
    "\n"
    "--simple boundary--\n"
    "\n"
    "This is the epilogue.\n"
    "--outer\n"
    "Content-Type: application/octet-stream; name=\"fallback.bin\"\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=UTF-8''r%C3%A9sum;\n"
    " filename*1*=%C3%A9.bin\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAEC\n"
    "/w==\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner\n"
    "\n"
    "inner body\n"
    "--outer--\n"
    "outer epilogue\n";

static void test_headers_lookup(void **state)
{
    (void)state;
    mw_msg_tree *t = NULL;
    assert_int_equal(
        mw_msg_tree_parse(simple, sizeof(simple) - 1, NULL, NULL, &t), MW_OK);
    const mw_msg_entity *root = mw_msg_tree_root(t);
    assert_int_equal(mw_msg_header_count(root, NULL), 5);
    assert_int_equal(mw_msg_header_count(root, "RECEIVED"), 2);
    assert_int_equal(mw_msg_header_count(root, "receive"), 0);
    assert_int_equal(mw_msg_header_count(root, "Cc"), 0);
    mw_span name, value;
    assert_int_equal(mw_msg_header_first(root, "from", &value), MW_OK);
    ASSERT_BYTES(value.ptr, value.len, " Alice <alice@example.com>", 26);
    assert_int_equal(mw_msg_header_nth(root, "Received", 1, &name, &value),
                     MW_OK);
    ASSERT_BYTES(name.ptr, name.len, "received", 8);
    ASSERT_BYTES(value.ptr, value.len,
                 " from c by d; Sun, 9 Apr 2023 09:00:00 +0900", 44);
    /* the raw value keeps its leading space and its folding */
    assert_int_equal(mw_msg_header_first(root, "subject", &value), MW_OK);
    ASSERT_BYTES(value.ptr, value.len, " Hello\r\n world", 14);
    mw_span before = value;
    assert_int_equal(mw_msg_header_nth(root, "received", 2, &name, &value),
                     MW_DONE);
    assert_ptr_equal(value.ptr, before.ptr); /* unchanged */
    assert_int_equal(mw_msg_header_nth(root, NULL, 3, &name, &value), MW_OK);
    ASSERT_BYTES(name.ptr, name.len, "Subject", 7);
    assert_int_equal(mw_msg_header_first(root, "cc", &value), MW_DONE);
    assert_int_equal(mw_msg_header_first(root, NULL, &value), MW_E_ARG);
    assert_int_equal(mw_msg_header_nth(NULL, "x", 0, NULL, &value), MW_E_ARG);

    const mw_mime_info *in = mw_msg_entity_info(root);
    ASSERT_BYTES(in->content_type.ptr, in->content_type.len, "text/plain", 10);
    assert_null(in->charset.ptr);
    assert_int_equal(in->kind, MW_MIME_KIND_LEAF);
    mw_span body = mw_msg_entity_body(root);
    ASSERT_BYTES(body.ptr, body.len, "Hi Bob.\r\n", 9);
    assert_int_equal(mw_msg_entity_part(root).len, 0);
    assert_non_null(mw_msg_entity_part(root).ptr);
    assert_int_equal(mw_msg_entity_defects(root),
                     MW_MIME_DEFECT_NO_MIME_VERSION);
    assert_int_equal(mw_msg_tree_entity_count(t), 1);
    assert_null(mw_msg_entity_next(root));
    assert_null(mw_msg_entity_first_child(root));
    assert_int_equal(mw_msg_entity_preamble(root).len, 0);
    mw_msg_tree_free(t);
}

static const mw_msg_entity *nth_entity(const mw_msg_tree *t, size_t n)
{
    const mw_msg_entity *e = mw_msg_tree_root(t);
    while (e && n--)
        e = mw_msg_entity_next(e);
    assert_non_null(e);
    return e;
}

static void assert_span_str(mw_span s, const char *want)
{
    assert_non_null(s.ptr);
    ASSERT_BYTES(s.ptr, s.len, want, strlen(want));
}

static void test_nested_structure(void **state)
{
    (void)state;
    mw_msg_tree *t = NULL;
    assert_int_equal(
        mw_msg_tree_parse(nested, sizeof(nested) - 1, NULL, NULL, &t), MW_OK);
    /* mixed, alternative, text, text, octet-stream, rfc822, inner root */
    assert_int_equal(mw_msg_tree_entity_count(t), 7);
    static const char *const parts[] = {"", "1", "1.1", "1.2", "2", "3", "3"};
    static const uint32_t depths[] = {0, 1, 2, 2, 1, 1, 2};
    for (size_t i = 0; i < 7; i++) {
        assert_span_str(mw_msg_entity_part(nth_entity(t, i)), parts[i]);
        assert_int_equal(mw_msg_entity_depth(nth_entity(t, i)), depths[i]);
    }
    const mw_msg_entity *root = mw_msg_tree_root(t);
    assert_int_equal(mw_msg_entity_child_count(root), 3);
    assert_span_str(mw_msg_entity_preamble(root), "outer preamble");
    assert_span_str(mw_msg_entity_epilogue(root), "outer epilogue\n");
    assert_span_str(mw_msg_entity_info(root)->boundary, "outer");

    const mw_msg_entity *alt = nth_entity(t, 1);
    assert_span_str(mw_msg_entity_preamble(alt), "This is the preamble.");
    assert_span_str(mw_msg_entity_epilogue(alt), "\nThis is the epilogue.");
    assert_span_str(mw_msg_entity_body(alt), "");
    assert_span_str(mw_msg_entity_body(nth_entity(t, 2)),
                    "This is implicitly typed plain US-ASCII text.\n"
                    "It does NOT end with a linebreak.");
    const mw_msg_entity *qp = nth_entity(t, 3);
    assert_span_str(mw_msg_entity_info(qp)->charset, "us-ascii");
    assert_int_equal(mw_msg_entity_info(qp)->encoding, MW_MIME_CTE_QP);
    assert_span_str(mw_msg_entity_body(qp), "caf\xc3\xa9 softbreak\n");

    const mw_msg_entity *att = nth_entity(t, 4);
    assert_ptr_equal(mw_msg_entity_parent(att), root);
    mw_span body = mw_msg_entity_body(att);
    ASSERT_BYTES(body.ptr, body.len, "\x00\x01\x02\xff", 4);
    assert_span_str(mw_msg_entity_info(att)->disposition, "attachment");
    mw_buf name;
    mw_buf_init_growable(&name, NULL, 0);
    assert_int_equal(mw_msg_entity_filename(att, NULL, &name), MW_OK);
    ASSERT_BYTES(name.data, name.len, "r\xc3\xa9sum\xc3\xa9.bin", 12);
    mw_buf_clear(&name);
    assert_int_equal(mw_msg_entity_param(att, MW_MSG_PARAM_CONTENT_TYPE, "NAME",
                                         NULL, &name),
                     MW_OK);
    ASSERT_BYTES(name.data, name.len, "fallback.bin", 12);
    mw_buf_clear(&name);
    assert_int_equal(mw_msg_entity_param(att, MW_MSG_PARAM_CONTENT_TYPE,
                                         "charset", NULL, &name),
                     MW_DONE);
    assert_int_equal(mw_msg_entity_param(root, MW_MSG_PARAM_DISPOSITION,
                                         "filename", NULL, &name),
                     MW_DONE);
    assert_int_equal(mw_msg_entity_filename(root, NULL, &name), MW_DONE);
    assert_int_equal(mw_msg_entity_param(att, 7, "x", NULL, &name), MW_E_ARG);
    mw_buf_free(&name);

    const mw_msg_entity *msg = nth_entity(t, 5), *inner = nth_entity(t, 6);
    assert_int_equal(mw_msg_entity_info(msg)->kind, MW_MIME_KIND_MESSAGE);
    assert_ptr_equal(mw_msg_entity_first_child(msg), inner);
    assert_ptr_equal(mw_msg_entity_parent(inner), msg);
    assert_null(mw_msg_entity_next_sibling(msg));
    assert_int_equal(mw_msg_header_first(inner, "Subject", &body), MW_OK);
    assert_span_str(body, " inner");
    assert_span_str(mw_msg_entity_body(inner), "inner body");
    assert_null(mw_msg_entity_next(inner));
    mw_msg_tree_free(t);
}

/* Every hand-written message: the tree is the event stream. */
static const char *const corpus[] = {
    simple,
    nested,
    "",
    "\n",
    "Subject: no body",
    "Subject: x\n\nno final newline",
    /* bare LF, missing final boundary, junk after a boundary, 8-bit header */
    "Content-Type: multipart/mixed; boundary=b\nX-8: caf\xc3\xa9\n\n--b junk\n"
    "\nfirst\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD*!\r\n",
    /* header line without colon, bad QP, NUL */
    "Subject: a\nno colon here\nX: y\n\nline=ZZ\x00=4\n",
    /* digest default type */
    "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\n1\n"
    "--d\nContent-Type: text/plain\n\nexplicit\n--d--\n",
    /* continuation before any field; multipart without a boundary */
    " lead\nContent-Type: multipart/mixed\n\n--x\nbody\n",
};

static void test_tree_equals_events(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
        size_t len = strlen(corpus[i]);
        check_tree_equals_events(corpus[i], len, 0, NULL, 0);
        check_tree_equals_events(corpus[i], len, MW_MIME_RAW_BODY, NULL, 0);
        /* tiny blocks: every body moves between blocks as it grows */
        check_tree_equals_events(corpus[i], len, 0, NULL, 256);
    }
}

static void test_large_body_many_blocks(void **state)
{
    (void)state;
    /* 200 KB of base64 lines: the decoded body outgrows many blocks */
    mw_buf msg;
    mw_buf_init_growable(&msg, NULL, 0);
    mwt_log(&msg, "Content-Transfer-Encoding: base64\n\n");
    for (int i = 0; i < 2700; i++)
        mwt_log(&msg, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w"
                      "cXJzdHV2d3h5ejAx\n");
    check_tree_equals_events(msg.data, msg.len, 0, NULL, 0);
    check_tree_equals_events(msg.data, msg.len, 0, NULL, 1000);
    mw_msg_tree *t = NULL;
    assert_int_equal(mw_msg_tree_parse(msg.data, msg.len, NULL, NULL, &t),
                     MW_OK);
    mw_span body = mw_msg_entity_body(mw_msg_tree_root(t));
    assert_int_equal(body.len, 2700 * 54);
    ASSERT_BYTES(body.ptr + 54 * 2699, 54,
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01", 54);
    /* growth by doubling: the arena stays within a small factor */
    assert_true(mw_msg_tree_arena_size(t) < 4 * body.len + 64 * 1024);
    mw_msg_tree_free(t);
    mw_buf_free(&msg);
}

static void test_limits(void **state)
{
    (void)state;
    /* the parser's limits: nesting beyond mime_depth_max becomes a leaf */
    static const char deep[] =
        "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Type: multipart/mixed; boundary=c\n\n--c\n\nx\n--c--\n"
        "--b--\n--a--\n";
    mw_limits lim;
    memset(&lim, 0, sizeof(lim));
    lim.size = sizeof(lim);
    lim.mime_depth_max = 2;
    mw_msg_tree_config cfg = {sizeof(cfg), 0, &lim, 0, 0};
    mw_msg_tree *t = NULL;
    assert_int_equal(mw_msg_tree_parse(deep, sizeof(deep) - 1, &cfg, NULL, &t),
                     MW_OK);
    const mw_msg_entity *last = nth_entity(t, 2);
    assert_null(mw_msg_entity_next(last));
    assert_int_equal(mw_msg_entity_info(last)->kind, MW_MIME_KIND_LEAF);
    assert_true(mw_msg_entity_defects(last) & MW_MIME_DEFECT_TOO_DEEP);
    mw_msg_tree_free(t);
    check_tree_equals_events(deep, sizeof(deep) - 1, 0, &lim, 0);

    /* the arena bound: refused whole, nothing kept */
    cfg.arena_max = 2048;
    mw_buf big;
    mw_buf_init_growable(&big, NULL, 0);
    mwt_log(&big, "Subject: big\n\n");
    for (int i = 0; i < 100; i++)
        mwt_log(&big, "0123456789012345678901234567890123456789\n");
    t = (mw_msg_tree *)&cfg; /* must be reset to NULL */
    assert_int_equal(mw_msg_tree_parse(big.data, big.len, &cfg, NULL, &t),
                     MW_E_LIMIT);
    assert_null(t);
    cfg.arena_max = 64; /* not even the tree object fits */
    assert_int_equal(mw_msg_tree_parse("", 0, &cfg, NULL, &t), MW_E_LIMIT);
    /* a bound that fits the message shrinks the blocks to fit under it */
    cfg.arena_max = 16 * 1024;
    cfg.block_size = 64 * 1024;
    assert_int_equal(mw_msg_tree_parse(big.data, big.len, &cfg, NULL, &t),
                     MW_OK);
    assert_true(mw_msg_tree_arena_size(t) <= 16 * 1024);
    assert_int_equal(mw_msg_entity_body(mw_msg_tree_root(t)).len, 4100);
    mw_msg_tree_free(t);
    mw_buf_free(&big);
}

static void test_empty_and_args(void **state)
{
    (void)state;
    mw_msg_tree *t = NULL;
    assert_int_equal(mw_msg_tree_parse(NULL, 0, NULL, NULL, &t), MW_OK);
    const mw_msg_entity *root = mw_msg_tree_root(t);
    assert_non_null(root);
    assert_true(mw_msg_entity_defects(root) & MW_MIME_DEFECT_EMPTY);
    assert_int_equal(mw_msg_header_count(root, NULL), 0);
    assert_non_null(mw_msg_entity_body(root).ptr);
    assert_int_equal(mw_msg_entity_body(root).len, 0);
    mw_msg_tree_free(t);
    mw_msg_tree_free(NULL);

    assert_int_equal(mw_msg_tree_parse("x", 1, NULL, NULL, NULL), MW_E_ARG);
    assert_int_equal(mw_msg_tree_parse(NULL, 1, NULL, NULL, &t), MW_E_ARG);
    mw_msg_tree_config cfg = {sizeof(cfg), 0x80, NULL, 0, 0};
    assert_int_equal(mw_msg_tree_parse("x", 1, &cfg, NULL, &t), MW_E_ARG);
    cfg.flags = 0;
    cfg.size = 4;
    assert_int_equal(mw_msg_tree_parse("x", 1, &cfg, NULL, &t), MW_E_ARG);
    assert_null(mw_msg_tree_root(NULL));
    assert_int_equal(mw_msg_tree_entity_count(NULL), 0);
    assert_null(mw_msg_entity_next(NULL));
    assert_null(mw_msg_entity_info(NULL));
}

/* RAW_BODY keeps the transfer encoding. */
static void test_raw_body(void **state)
{
    (void)state;
    static const char m[] = "Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n";
    mw_msg_tree_config cfg = {sizeof(cfg), MW_MIME_RAW_BODY, NULL, 0, 0};
    mw_msg_tree *t = NULL;
    assert_int_equal(mw_msg_tree_parse(m, sizeof(m) - 1, &cfg, NULL, &t),
                     MW_OK);
    assert_span_str(mw_msg_entity_body(mw_msg_tree_root(t)), "QUJD\r\n");
    mw_msg_tree_free(t);
    assert_int_equal(mw_msg_tree_parse(m, sizeof(m) - 1, NULL, NULL, &t),
                     MW_OK);
    assert_span_str(mw_msg_entity_body(mw_msg_tree_root(t)), "ABC");
    mw_msg_tree_free(t);
}

/* Every allocation failing in turn: MW_E_NOMEM and nothing leaked, or a
 * whole tree. */
static int failalloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    mw_msg_tree_config cfg = {sizeof(cfg), 0, NULL, 256, 0};
    mw_msg_tree *t = NULL;
    mw_status st = mw_msg_tree_parse(nested, sizeof(nested) - 1, &cfg, a, &t);
    if (st == MW_OK) {
        if (mw_msg_tree_entity_count(t) != 7)
            return 1;
        mw_msg_tree_free(t);
        return 0;
    }
    return st == MW_E_NOMEM && t == NULL ? 0 : 1;
}

static void test_failalloc(void **state)
{
    (void)state;
    mwt_failalloc_sweep(failalloc_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_lookup),
        cmocka_unit_test(test_nested_structure),
        cmocka_unit_test(test_tree_equals_events),
        cmocka_unit_test(test_large_body_many_blocks),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_empty_and_args),
        cmocka_unit_test(test_raw_body),
        cmocka_unit_test(test_failalloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
