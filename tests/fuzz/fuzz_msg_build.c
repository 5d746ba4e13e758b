/* Fuzz target for the message builder: the input bytes choose a build
 * specification (headers, part tree, contents, encodings, chunking);
 * the message is built, parsed back with mailwire's MIME parser, and the
 * parsed tree, filenames, decoded header text and decoded bodies must
 * equal what was built. Also used by tests/unit/test_msg_build.c. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/build.h"
#include "mailwire/mailwire.h"

typedef struct rt_input {
    const uint8_t *p;
    size_t len;
    size_t pos;
} rt_input;

static uint8_t rt_byte(rt_input *in)
{
    return in->pos < in->len ? in->p[in->pos++] : 0;
}

static const char *const rt_names[] = {"",
                                       "Alice",
                                       "Bob Smith",
                                       "Zoë Ünïcode",
                                       "O'Brien, Pat",
                                       "\"quoted\" x",
                                       "日本語 名前",
                                       "=?utf-8?q?fake?=",
                                       "a.b@c"};
static const char *const rt_addrs[] = {"a@example.org", "bob@example.com",
                                       "x.y+z@sub.example.net",
                                       "\"odd local\"@example.org"};
static const char *const rt_words[] = {
    "Hello",
    "Grüße",
    "=?",
    "naïve café",
    "tab\there",
    "日本語",
    "x",
    ("0123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789"),
    "plain",
    "Re:",
    "€"};
static const char *const rt_files[] = {
    "a.txt",
    "report 2024.pdf",
    "données é.csv",
    "\"q\".bin",
    "=?x?.png",
    ("very-long-name-very-long-name-very-long-name-very-long-name-"
     "very-long-name.txt"),
    "日本語のファイル名がとても長い場合にはどうなるのでしょうか.txt"};
static const char *const rt_types[] = {"text/plain", "text/html",
                                       "application/octet-stream", "image/png",
                                       "message/rfc822"};
static const char *const rt_subtypes[] = {"mixed", "alternative", "related"};

typedef struct rt_ctx {
    rt_input in;
    mw_builder *b;
    mw_buf expect;
    mw_buf msg;
    mw_buf content;
    uint32_t flags;
    int failed_encoding;
    unsigned parts;
} rt_ctx;

static void rt_log(mw_buf *log, const char *s)
{
    mw_buf_append(log, s, strlen(s));
}

static void rt_log_len(mw_buf *log, const char *tag, const char *p, size_t n)
{
    char num[32];
    int k = 0;
    size_t v = n;
    do {
        num[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    rt_log(log, tag);
    while (k)
        mw_buf_append_byte(log, (uint8_t)num[--k]);
    mw_buf_append_byte(log, ':');
    mw_buf_append(log, p, n);
    mw_buf_append_byte(log, '\n');
}

static void rt_drain(rt_ctx *c)
{
    char tmp[700];
    size_t cap = 1 + rt_byte(&c->in) % sizeof tmp;
    size_t n;
    while (mw_builder_read(c->b, tmp, cap, &n) == MW_OK && n > 0)
        mw_buf_append(&c->msg, tmp, n);
}

/* Content of one leaf into c->content, by kind of data. */
static void rt_content(rt_ctx *c, int message)
{
    mw_buf *o = &c->content;
    mw_buf_clear(o);
    if (message) {
        rt_log(o, "Subject: inner\r\nFrom: x@example.org\n\ninner body");
        size_t lines = rt_byte(&c->in) % 4;
        for (size_t i = 0; i < lines; i++)
            rt_log(o, i % 2 ? "\r\nmore\n" : "\nline");
        return;
    }
    uint8_t mode = rt_byte(&c->in) % 5;
    size_t len = (size_t)rt_byte(&c->in) * (rt_byte(&c->in) % 16 + 1);
    for (size_t i = 0; i < len; i++) {
        uint8_t v = rt_byte(&c->in);
        switch (mode) {
        case 0: /* ASCII text */
            mw_buf_append_byte(o, v % 11 == 0 ? '\n' : (uint8_t)(' ' + v % 95));
            break;
        case 1: /* UTF-8 text */
            if (v % 7 == 0)
                rt_log(o, "é");
            else
                mw_buf_append_byte(o, v % 13 == 0 ? '\n'
                                                  : (uint8_t)('a' + v % 26));
            break;
        case 2: /* lines that look like delimiters and QP traps */
            rt_log(o, v % 3 == 0 ? "--=_" : v % 3 == 1 ? "\nFrom " : ".\r\n");
            break;
        default: /* raw bytes */
            mw_buf_append_byte(o, v);
            break;
        }
    }
}

/* Canonical form of text: LF without CR becomes CRLF. */
static void rt_canonical(const mw_buf *in, mw_buf *out)
{
    for (size_t i = 0; i < in->len; i++) {
        if (in->data[i] == '\n' && (i == 0 || in->data[i - 1] != '\r'))
            mw_buf_append_byte(out, '\r');
        mw_buf_append_byte(out, (uint8_t)in->data[i]);
    }
}

static int rt_write_content(rt_ctx *c)
{
    size_t off = 0;
    while (off < c->content.len) {
        size_t chunk = 1 + (size_t)rt_byte(&c->in) * 9;
        if (chunk > c->content.len - off)
            chunk = c->content.len - off;
        size_t used = 0;
        mw_status st =
            mw_builder_write(c->b, c->content.data + off, chunk, &used);
        if (st == MW_E_ENCODING)
            return 1;
        FUZZ_CHECK(st == MW_OK);
        off += used;
        rt_drain(c);
    }
    return 0;
}

static void rt_leaf(rt_ctx *c, int top)
{
    uint8_t t = rt_byte(&c->in);
    const char *type = rt_types[t % 5];
    int message = t % 5 == 4;
    int text = t % 5 < 2;
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = type;
    uint8_t e = rt_byte(&c->in);
    d.encoding = e % 3 == 0 ? (uint32_t)(e / 3 % 5) : MW_BUILD_CTE_AUTO;
    if (d.encoding == MW_BUILD_CTE_8BIT && !(c->flags & MW_BUILD_8BITMIME))
        d.encoding = MW_BUILD_CTE_AUTO;
    if (message && d.encoding >= MW_BUILD_CTE_QP)
        d.encoding = MW_BUILD_CTE_AUTO;
    uint8_t f = rt_byte(&c->in);
    const char *fname = NULL;
    if (f % 3 != 0) {
        fname = rt_files[f % 7];
        d.filename = fname;
        d.filename_len = strlen(fname);
        d.disposition = f % 2 ? MW_BUILD_DISP_ATTACHMENT : MW_BUILD_DISP_INLINE;
    }
    if (f % 5 == 1) {
        d.content_id = "part.1@example.org";
        d.content_id_len = strlen(d.content_id);
    }
    FUZZ_CHECK(mw_builder_begin_part(c->b, &d) == MW_OK);
    rt_content(c, message);
    if (rt_write_content(c) || mw_builder_end_part(c->b) == MW_E_ENCODING) {
        /* Only a forced identity encoding or an 8-bit message may fail. */
        FUZZ_CHECK(d.encoding == MW_BUILD_CTE_7BIT ||
                   d.encoding == MW_BUILD_CTE_8BIT || message);
        c->failed_encoding = 1;
        return;
    }
    c->parts++;
    rt_log(&c->expect, message ? "R " : "L ");
    rt_log(&c->expect, type);
    rt_log(&c->expect, "\n");
    if (fname)
        rt_log_len(&c->expect, "f", fname, strlen(fname));
    mw_buf body;
    mw_buf_init_growable(&body, NULL, 0);
    if (text || message)
        rt_canonical(&c->content, &body);
    else
        mw_buf_append(&body, c->content.data, c->content.len);
    uint32_t enc = mw_builder_last_encoding(c->b);
    int identity = enc == MW_BUILD_CTE_7BIT || enc == MW_BUILD_CTE_8BIT;
    if (top && identity && body.len > 0 && body.data[body.len - 1] != '\n')
        rt_log(&body, "\r\n"); /* the message ends with a line break */
    if (message) {
        /* The embedded message is parsed too: its root is a text leaf. */
        size_t hl = 0;
        while (hl + 4 <= body.len && memcmp(body.data + hl, "\r\n\r\n", 4))
            hl++;
        FUZZ_CHECK(hl + 4 <= body.len);
        hl += 4;
        rt_log(&c->expect, "L text/plain\n");
        rt_log_len(&c->expect, "b", body.data + hl, body.len - hl);
    } else
        rt_log_len(&c->expect, "b", body.data, body.len);
    mw_buf_free(&body);
}

static void rt_tree(rt_ctx *c, unsigned depth)
{
    uint8_t k = rt_byte(&c->in);
    if (depth >= 4 || k % 3 != 0 || c->parts > 12) {
        rt_leaf(c, depth == 0);
        return;
    }
    const char *sub = rt_subtypes[k / 3 % 3];
    FUZZ_CHECK(mw_builder_begin_multipart(c->b, sub, NULL) == MW_OK);
    rt_log(&c->expect, "M multipart/");
    rt_log(&c->expect, sub);
    rt_log(&c->expect, "\n");
    unsigned n = 1 + rt_byte(&c->in) % 3;
    for (unsigned i = 0; i < n && !c->failed_encoding; i++)
        rt_tree(c, depth + 1);
    if (c->failed_encoding)
        return;
    FUZZ_CHECK(mw_builder_end_multipart(c->b) == MW_OK);
    rt_log(&c->expect, "/\n");
}

/* Text of a phrase made of pool words, with an injection attempt now and
 * then (which must be refused). */
static void rt_phrase(rt_ctx *c, mw_buf *out)
{
    unsigned n = 1 + rt_byte(&c->in) % 3;
    for (unsigned i = 0; i < n; i++) {
        if (i)
            mw_buf_append_byte(out, ' ');
        rt_log(out, rt_words[rt_byte(&c->in) % 11]);
    }
}

static void rt_headers(rt_ctx *c)
{
    const char *name = rt_names[rt_byte(&c->in) % 9];
    const char *addr = rt_addrs[rt_byte(&c->in) % 4];
    FUZZ_CHECK(mw_builder_add_address(c->b, MW_BUILD_FROM, name, strlen(name),
                                      addr, strlen(addr)) == MW_OK);
    rt_log(&c->expect, "F ");
    rt_log(&c->expect, name);
    rt_log(&c->expect, " | ");
    rt_log(&c->expect, addr);
    rt_log(&c->expect, "\n");
    FUZZ_CHECK(mw_builder_add_address(c->b, MW_BUILD_TO, "Eve\r\nBcc: x@y", 13,
                                      addr, strlen(addr)) == MW_E_CRLF);
    mw_buf subj;
    mw_buf_init_growable(&subj, NULL, 0);
    rt_phrase(c, &subj);
    FUZZ_CHECK(mw_builder_set_subject(c->b, subj.data, subj.len) == MW_OK);
    rt_log_len(&c->expect, "S", subj.data, subj.len);
    mw_buf_append(&subj, "\nBcc: evil@example.org", 22);
    FUZZ_CHECK(mw_builder_set_subject(c->b, subj.data, subj.len) == MW_E_CRLF);
    mw_buf_free(&subj);
}

/* ---- parsing back -------------------------------------------------- */

typedef struct rt_parse {
    mw_buf *log;
    mw_buf body;
    uint32_t kinds[64];
    int in_message_root; /* depth of an embedded message root, or -1 */
    uint32_t allowed;    /* defects the build configuration explains */
} rt_parse;

static void rt_header_event(rt_parse *p, const mw_mime_event *ev)
{
    mw_buf un, dec, st;
    mw_buf_init_growable(&un, NULL, 0);
    mw_buf_init_growable(&dec, NULL, 0);
    mw_buf_init_growable(&st, NULL, 0);
    mw_header_unfold(ev->value.ptr, ev->value.len, MW_UNFOLD_TRIM, &un);
    if (ev->name.len == 7 && memcmp(ev->name.ptr, "Subject", 7) == 0) {
        mw_rfc2047_decode(un.data, un.len, NULL, &dec, NULL);
        rt_log_len(p->log, "S", dec.data, dec.len);
    } else if (ev->name.len == 4 && memcmp(ev->name.ptr, "From", 4) == 0) {
        mw_address a[4];
        size_t n = 0;
        FUZZ_CHECK(mw_addr_list_parse(un.data, un.len, NULL, &st, a, 4, &n) ==
                       MW_OK &&
                   n == 1);
        rt_log(p->log, "F ");
        mw_buf_append(p->log, a[0].display_name.ptr, a[0].display_name.len);
        rt_log(p->log, " | ");
        mw_buf_append(p->log, a[0].addr_spec.ptr, a[0].addr_spec.len);
        rt_log(p->log, "\n");
    } else
        FUZZ_CHECK(!(ev->name.len == 3 && memcmp(ev->name.ptr, "Bcc", 3) == 0));
    mw_buf_free(&un);
    mw_buf_free(&dec);
    mw_buf_free(&st);
}

static void rt_headers_end(rt_parse *p, const mw_mime_event *ev)
{
    const mw_mime_info *i = &ev->info;
    FUZZ_CHECK((i->defects & ~p->allowed) == 0 || ev->depth > 0);
    if (ev->depth < 64)
        p->kinds[ev->depth] = i->kind;
    if (p->in_message_root == (int)ev->depth) {
        rt_log(p->log, "L ");
    } else
        rt_log(p->log, i->kind == MW_MIME_KIND_MULTIPART ? "M "
                       : i->kind == MW_MIME_KIND_MESSAGE ? "R "
                                                         : "L ");
    mw_buf_append(p->log, i->content_type.ptr, i->content_type.len);
    rt_log(p->log, "\n");
    if (i->kind == MW_MIME_KIND_MESSAGE)
        p->in_message_root = (int)ev->depth + 1;
    if (i->disposition_raw.ptr) {
        mw_buf fn;
        mw_buf_init_growable(&fn, NULL, 0);
        if (mw_mime_param_get(i->disposition_raw.ptr, i->disposition_raw.len,
                              "filename", NULL, &fn, NULL) == MW_OK)
            rt_log_len(p->log, "f", fn.data, fn.len);
        mw_buf_free(&fn);
    }
    mw_buf_clear(&p->body);
}

static void rt_parse_message(const mw_buf *msg, mw_buf *log, uint32_t flags)
{
    mw_mime_parser *mp = NULL;
    FUZZ_CHECK(mw_mime_parser_new(NULL, NULL, &mp) == MW_OK);
    rt_parse p;
    memset(&p, 0, sizeof p);
    p.log = log;
    p.in_message_root = -1;
    /* Embedded messages have no MIME-Version; SMTPUTF8 headers are 8-bit. */
    p.allowed = MW_MIME_DEFECT_NO_MIME_VERSION;
    if (flags & MW_BUILD_SMTPUTF8)
        p.allowed |= MW_MIME_DEFECT_8BIT_HEADER;
    mw_buf_init_growable(&p.body, NULL, 0);
    const char *data = msg->data;
    size_t left = msg->len;
    int finished = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(mp, data, left, &used, &ev);
        data += used;
        left -= used;
        if (st == MW_NEED_MORE && !finished) {
            mw_mime_finish(mp);
            finished = 1;
            continue;
        }
        if (st == MW_DONE)
            break;
        FUZZ_CHECK(st == MW_OK);
        switch (ev.type) {
        case MW_MIME_EV_HEADER:
            if (ev.depth == 0)
                rt_header_event(&p, &ev);
            break;
        case MW_MIME_EV_HEADERS_END:
            rt_headers_end(&p, &ev);
            break;
        case MW_MIME_EV_BODY:
            mw_buf_append(&p.body, ev.data.ptr, ev.data.len);
            break;
        case MW_MIME_EV_ENTITY_END:
            FUZZ_CHECK((ev.defects & ~p.allowed) == 0);
            if (ev.depth < 64 && p.kinds[ev.depth] == MW_MIME_KIND_MULTIPART)
                rt_log(log, "/\n");
            else if (ev.depth < 64 && p.kinds[ev.depth] == MW_MIME_KIND_LEAF)
                rt_log_len(log, "b", p.body.data, p.body.len);
            if ((int)ev.depth == p.in_message_root)
                p.in_message_root = -1;
            /* Embedded messages have no MIME-Version; SMTPUTF8 headers are
             * 8-bit. */
            p.allowed = MW_MIME_DEFECT_NO_MIME_VERSION;
            if (flags & MW_BUILD_SMTPUTF8)
                p.allowed |= MW_MIME_DEFECT_8BIT_HEADER;
            break;
        default:
            break;
        }
    }
    mw_buf_free(&p.body);
    mw_mime_parser_free(mp);
}

/* Every line of the built message ends in CRLF and fits in 998 bytes. */
static void rt_check_lines(const mw_buf *msg)
{
    size_t col = 0;
    for (size_t i = 0; i < msg->len; i++) {
        char ch = msg->data[i];
        if (ch == '\n') {
            FUZZ_CHECK(i > 0 && msg->data[i - 1] == '\r');
            col = 0;
        } else {
            FUZZ_CHECK(ch != '\r' ||
                       (i + 1 < msg->len && msg->data[i + 1] == '\n'));
            col++;
            FUZZ_CHECK(col <= 999);
        }
    }
    FUZZ_CHECK(msg->len >= 2 && msg->data[msg->len - 1] == '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rt_ctx c;
    memset(&c, 0, sizeof c);
    c.in.p = data;
    c.in.len = size;
    uint8_t fl = rt_byte(&c.in);
    c.flags = fl & 3u;
    uint8_t seed[8];
    for (int i = 0; i < 8; i++)
        seed[i] = rt_byte(&c.in);
    mw_builder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.flags = c.flags;
    cfg.random = seed;
    cfg.random_len = sizeof seed;
    cfg.window = fl & 4u ? 64u + 32u * rt_byte(&c.in) : 0u;
    FUZZ_CHECK(mw_builder_new(&cfg, NULL, &c.b) == MW_OK);
    mw_buf_init_growable(&c.expect, NULL, 0);
    mw_buf_init_growable(&c.msg, NULL, 0);
    mw_buf_init_growable(&c.content, NULL, 0);
    rt_headers(&c);
    rt_tree(&c, 0);
    if (!c.failed_encoding) {
        FUZZ_CHECK(mw_builder_finish(c.b) == MW_OK);
        rt_drain(&c);
        size_t n;
        char tmp[16];
        FUZZ_CHECK(mw_builder_read(c.b, tmp, sizeof tmp, &n) == MW_DONE);
        rt_check_lines(&c.msg);
        mw_buf got;
        mw_buf_init_growable(&got, NULL, 0);
        rt_parse_message(&c.msg, &got, c.flags);
        FUZZ_CHECK(got.len == c.expect.len &&
                   memcmp(got.data, c.expect.data, got.len) == 0);
        mw_buf_free(&got);
    }
    mw_buf_free(&c.expect);
    mw_buf_free(&c.msg);
    mw_buf_free(&c.content);
    mw_builder_free(c.b);
    return 0;
}
