/* Streaming MIME parser: event logs of hand-written messages, each checked
 * whole, byte by byte and split at every offset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwtest.h"
#include "mailwire/mime.h"

/* ------------------------------------------------------------------ */
/* Event log                                                           */
/* ------------------------------------------------------------------ */

typedef struct tstate {
    mw_mime_parser *p;
    uint32_t data_type; /* type of the data event being coalesced, or 0 */
    mw_buf data;
} tstate;

static void log_bytes(mw_buf *log, const char *s, size_t n)
{
    char tmp[8];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r')
            mwt_log(log, "\\r");
        else if (c == '\n')
            mwt_log(log, "\\n");
        else if (c == '\t')
            mwt_log(log, "\\t");
        else if (c == '\\')
            mwt_log(log, "\\\\");
        else if (c < 0x20 || c >= 0x7f) {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            mwt_log(log, tmp);
        } else {
            assert_int_equal(mw_buf_append_byte(log, c), MW_OK);
        }
    }
}

static void log_span(mw_buf *log, mw_span s)
{
    log_bytes(log, s.ptr, s.len);
}

/* prefix, the number, suffix */
static void log_num(mw_buf *log, const char *prefix, unsigned long long v,
                    const char *suffix)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%llu", v);
    mwt_log(log, prefix);
    mwt_log(log, tmp);
    mwt_log(log, suffix);
}

static void log_defects(mw_buf *log, uint32_t d)
{
    if (!d)
        return;
    mwt_log(log, " defects=");
    int first = 1;
    for (uint32_t bit = 1; bit; bit <<= 1) {
        if (!(d & bit))
            continue;
        const char *name = mw_mime_defect_name(bit);
        assert_non_null(name);
        if (!first)
            mwt_log(log, ",");
        mwt_log(log, name);
        first = 0;
    }
}

static void log_opt(mw_buf *log, const char *key, mw_span s)
{
    if (!s.ptr)
        return;
    mwt_log(log, " ");
    mwt_log(log, key);
    mwt_log(log, "=");
    log_span(log, s);
}

static void flush_data(tstate *t, mw_buf *log)
{
    if (!t->data_type)
        return;
    const char *name = t->data_type == MW_MIME_EV_BODY       ? "BODY "
                       : t->data_type == MW_MIME_EV_PREAMBLE ? "PREAMBLE "
                                                             : "EPILOGUE ";
    mwt_log(log, name);
    log_bytes(log, t->data.data, t->data.len);
    mwt_log(log, "\n");
    t->data_type = 0;
    mw_buf_clear(&t->data);
}

static void log_info(mw_buf *log, const mw_mime_event *ev)
{
    static const char *const kinds[] = {"leaf", "multipart", "message"};
    static const char *const encs[] = {"", "base64", "qp", "raw"};
    const mw_mime_info *in = &ev->info;
    mwt_log(log, "INFO ");
    log_span(log, in->content_type);
    mwt_log(log, " ");
    mwt_log(log, kinds[in->kind]);
    if (in->encoding) {
        mwt_log(log, " enc=");
        mwt_log(log, encs[in->encoding]);
    }
    log_opt(log, "cte", in->transfer_encoding);
    log_opt(log, "charset", in->charset);
    log_opt(log, "boundary", in->boundary);
    log_opt(log, "disp", in->disposition);
    log_opt(log, "file", in->filename);
    log_opt(log, "cid", in->content_id);
    log_defects(log, in->defects);
    log_num(log, " @", ev->offset, "\n");
    /* The raw values are what the headers said. */
    if (in->content_type_raw.ptr)
        assert_true(in->content_type_raw.len > 0 ||
                    in->content_type_raw.ptr != NULL);
}

static void log_event(tstate *t, const mw_mime_event *ev, mw_buf *log)
{
    if (ev->type == MW_MIME_EV_BODY || ev->type == MW_MIME_EV_PREAMBLE ||
        ev->type == MW_MIME_EV_EPILOGUE) {
        assert_true(ev->data.len > 0);
        if (t->data_type && t->data_type != ev->type)
            flush_data(t, log);
        t->data_type = ev->type;
        assert_int_equal(mw_buf_append(&t->data, ev->data.ptr, ev->data.len),
                         MW_OK);
        return;
    }
    flush_data(t, log);
    switch (ev->type) {
    case MW_MIME_EV_ENTITY_BEGIN:
        log_num(log, "BEGIN ", ev->depth, " \"");
        log_span(log, ev->part);
        log_num(log, "\" @", ev->offset, "\n");
        break;
    case MW_MIME_EV_HEADER:
        mwt_log(log, "H ");
        log_span(log, ev->name);
        mwt_log(log, ":");
        log_span(log, ev->value);
        mwt_log(log, "\n");
        break;
    case MW_MIME_EV_HEADERS_END:
        log_info(log, ev);
        break;
    case MW_MIME_EV_ENTITY_END:
        log_num(log, "END ", ev->depth, " \"");
        log_span(log, ev->part);
        mwt_log(log, "\"");
        log_defects(log, ev->defects);
        log_num(log, " @", ev->offset, "\n");
        break;
    case MW_MIME_EV_END:
        log_num(log, "EOM @", ev->offset, "\n");
        break;
    default:
        fail_msg("unknown event %u", ev->type);
    }
}

static void *t_create(const void *cfg)
{
    tstate *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    assert_int_equal(mw_mime_parser_new(cfg, NULL, &t->p), MW_OK);
    mw_buf_init_growable(&t->data, NULL, 0);
    return t;
}

static mw_status t_update(void *state, const char *in, size_t len, mw_buf *log)
{
    tstate *t = state;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(t->p, in + off, len - off, &used, &ev);
        off += used;
        assert_true(off <= len);
        if (st == MW_NEED_MORE) {
            assert_int_equal(off, len);
            return MW_OK;
        }
        if (st != MW_OK)
            return st;
        log_event(t, &ev, log);
    }
}

static mw_status t_finish(void *state, mw_buf *log)
{
    tstate *t = state;
    assert_int_equal(mw_mime_finish(t->p), MW_OK);
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(t->p, NULL, 0, &used, &ev);
        assert_int_equal(used, 0);
        if (st == MW_DONE) {
            flush_data(t, log);
            return MW_OK;
        }
        if (st != MW_OK)
            return st;
        log_event(t, &ev, log);
    }
}

static void t_destroy(void *state)
{
    tstate *t = state;
    mw_mime_parser_free(t->p);
    mw_buf_free(&t->data);
    free(t);
}

static const mwt_stream_ops mime_ops = {t_create, t_update, t_finish,
                                        t_destroy};

/* Parse msg with cfg (NULL: defaults) in every chunking; compare the log. */
static void check_cfg(const mw_mime_config *cfg, const char *msg, size_t len,
                      const char *want)
{
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&mime_ops, cfg, msg, len, &log);
    mwt_assert_bytes("event log", log.data, log.len, want, strlen(want));
    mw_buf_free(&log);
}

static void check(const char *msg, const char *want)
{
    check_cfg(NULL, msg, strlen(msg), want);
}

static void check_limits(const mw_limits *lim, const char *msg,
                         const char *want)
{
    mw_mime_config cfg = {sizeof(cfg), 0, lim};
    check_cfg(&cfg, msg, strlen(msg), want);
}

/* ------------------------------------------------------------------ */
/* Well-formed messages                                                */
/* ------------------------------------------------------------------ */

static void test_simple_text(void **state)
{
    (void)state;
    check("From: a@example.com\r\n"
          "Subject: hello\r\n"
          " world\r\n"
          "MIME-Version: 1.0\r\n"
          "Content-Type: text/plain; charset=\"UTF-8\"\r\n"
          "\r\n"
          "Hi there.\r\n"
          "Bye.\r\n",
          "BEGIN 0 \"\" @0\n"
          "H From: a@example.com\n"
          "H Subject: hello\\r\\n world\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: text/plain; charset=\"UTF-8\"\n"
          "INFO text/plain leaf charset=UTF-8 @109\n"
          "BODY Hi there.\\r\\nBye.\\r\\n\n"
          "END 0 \"\" @126\n"
          "EOM @126\n");
}

/* RFC 2046 section 5.1.1, with the preamble and epilogue. */
static const char rfc2046_example[] =
    "From: Nathaniel Borenstein <nsb@bellcore.com>\r\n"
    "To: Ned Freed <ned@innosoft.com>\r\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\r\n"
    "Subject: Sample message\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\r\n"
    "\r\n"
    "This is the preamble.  It is to be ignored, though it\r\n"
    "is a handy place for composition agents to include an\r\n"
    "explanatory note to non-MIME conformant readers.\r\n"
    "\r\n"
    "--simple boundary\r\n"
    "\r\n"
    "This is implicitly typed plain US-ASCII text.\r\n"
    "It does NOT end with a linebreak.\r\n"
    "--simple boundary\r\n"
    "Content-type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is explicitly typed plain US-ASCII text.\r\n"
    "It DOES end with a linebreak.\r\n"
    "\r\n"
    "--simple boundary--\r\n"
    "\r\n"
    "This is the epilogue.  It is also to be ignored.\r\n";

static void test_rfc2046_example(void **state)
{
    (void)state;
    check(rfc2046_example,
          "BEGIN 0 \"\" @0\n"
          "H From: Nathaniel Borenstein <nsb@bellcore.com>\n"
          "H To: Ned Freed <ned@innosoft.com>\n"
          "H Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
          "H Subject: Sample message\n"
          "H MIME-Version: 1.0\n"
          "H Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
          "INFO multipart/mixed multipart boundary=simple boundary @231\n"
          "PREAMBLE This is the preamble.  It is to be ignored, though "
          "it\\r\\nis a handy place for composition agents to include "
          "an\\r\\nexplanatory note to non-MIME conformant readers.\\r\\n\n"
          "BEGIN 1 \"1\" @412\n"
          "INFO text/plain leaf @414\n"
          "BODY This is implicitly typed plain US-ASCII text.\\r\\nIt does NOT "
          "end with a linebreak.\n"
          "END 1 \"1\" @494\n"
          "BEGIN 1 \"2\" @515\n"
          "H Content-type: text/plain; charset=us-ascii\n"
          "INFO text/plain leaf charset=us-ascii @561\n"
          "BODY This is explicitly typed plain US-ASCII text.\\r\\nIt DOES end "
          "with a linebreak.\\r\\n\n"
          "END 1 \"2\" @639\n"
          "EPILOGUE \\r\\nThis is the epilogue.  It is also to be "
          "ignored.\\r\\n\n"
          "END 0 \"\" @714\n"
          "EOM @714\n");
}

static void test_nested_alternative(void **state)
{
    (void)state;
    check(
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=outer\n"
        "\n"
        "--outer\n"
        "Content-Type: multipart/alternative; boundary=\"inner\"\n"
        "\n"
        "--inner\n"
        "Content-Type: text/plain\n"
        "\n"
        "plain\n"
        "--inner\n"
        "Content-Type: text/html\n"
        "\n"
        "<p>html</p>\n"
        "--inner--\n"
        "--outer\n"
        "Content-Type: application/pdf; name=\"a.pdf\"\n"
        "Content-Disposition: attachment; filename=\"b \\\"x\\\".pdf\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "JVBERi0=\n"
        "--outer--\n",
        "BEGIN 0 \"\" @0\n"
        "H MIME-Version: 1.0\n"
        "H Content-Type: multipart/mixed; boundary=outer\n"
        "INFO multipart/mixed multipart boundary=outer defects=bare-lf @65\n"
        "BEGIN 1 \"1\" @73\n"
        "H Content-Type: multipart/alternative; boundary=\"inner\"\n"
        "INFO multipart/alternative multipart boundary=inner defects=bare-lf "
        "@128\n"
        "BEGIN 2 \"1.1\" @136\n"
        "H Content-Type: text/plain\n"
        "INFO text/plain leaf defects=bare-lf @162\n"
        "BODY plain\n"
        "END 2 \"1.1\" defects=bare-lf @167\n"
        "BEGIN 2 \"1.2\" @176\n"
        "H Content-Type: text/html\n"
        "INFO text/html leaf defects=bare-lf @201\n"
        "BODY <p>html</p>\n"
        "END 2 \"1.2\" defects=bare-lf @212\n"
        "END 1 \"1\" defects=bare-lf @223\n"
        "BEGIN 1 \"2\" @231\n"
        "H Content-Type: application/pdf; name=\"a.pdf\"\n"
        "H Content-Disposition: attachment; filename=\"b \\\\\"x\\\\\".pdf\"\n"
        "H Content-Transfer-Encoding: base64\n"
        "INFO application/pdf leaf enc=base64 cte=base64 disp=attachment "
        "file=b \"x\".pdf defects=bare-lf @366\n"
        "BODY %PDF-\n"
        "END 1 \"2\" defects=bare-lf @374\n"
        "END 0 \"\" defects=bare-lf @385\n"
        "EOM @385\n");
}

static void test_rfc822_attachment(void **state)
{
    (void)state;
    check("MIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=b1\r\n"
          "\r\n"
          "--b1\r\n"
          "Content-Type: text/plain\r\n"
          "\r\n"
          "see attached\r\n"
          "--b1\r\n"
          "Content-Type: message/rfc822\r\n"
          "\r\n"
          "Subject: inner\r\n"
          "MIME-Version: 1.0\r\n"
          "Content-Type: multipart/alternative; boundary=b2\r\n"
          "\r\n"
          "--b2\r\n"
          "\r\n"
          "one\r\n"
          "--b2\r\n"
          "Content-Type: text/html\r\n"
          "\r\n"
          "two\r\n"
          "--b2--\r\n"
          "--b1--\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/mixed; boundary=b1\n"
          "INFO multipart/mixed multipart boundary=b1 @65\n"
          "BEGIN 1 \"1\" @71\n"
          "H Content-Type: text/plain\n"
          "INFO text/plain leaf @99\n"
          "BODY see attached\n"
          "END 1 \"1\" @111\n"
          "BEGIN 1 \"2\" @119\n"
          "H Content-Type: message/rfc822\n"
          "INFO message/rfc822 message @151\n"
          "BEGIN 2 \"2\" @151\n"
          "H Subject: inner\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/alternative; boundary=b2\n"
          "INFO multipart/alternative multipart boundary=b2 @238\n"
          "BEGIN 3 \"2.1\" @244\n"
          "INFO text/plain leaf @246\n"
          "BODY one\n"
          "END 3 \"2.1\" @249\n"
          "BEGIN 3 \"2.2\" @257\n"
          "H Content-Type: text/html\n"
          "INFO text/html leaf @284\n"
          "BODY two\n"
          "END 3 \"2.2\" @287\n"
          "END 2 \"2\" @297\n"
          "END 1 \"2\" @297\n"
          "END 0 \"\" @305\n"
          "EOM @305\n");
}

static void test_digest_default_type(void **state)
{
    (void)state;
    check("MIME-Version: 1.0\r\n"
          "Content-Type: multipart/digest; boundary=d\r\n"
          "\r\n"
          "--d\r\n"
          "\r\n"
          "Subject: one\r\n"
          "\r\n"
          "first\r\n"
          "--d\r\n"
          "Content-Type: text/plain\r\n"
          "\r\n"
          "plain\r\n"
          "--d--\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/digest; boundary=d\n"
          "INFO multipart/digest multipart boundary=d @65\n"
          "BEGIN 1 \"1\" @70\n"
          "INFO message/rfc822 message @72\n"
          "BEGIN 2 \"1\" @72\n"
          "H Subject: one\n"
          "INFO text/plain leaf defects=no-mime-version @88\n"
          "BODY first\n"
          "END 2 \"1\" defects=no-mime-version @93\n"
          "END 1 \"1\" @93\n"
          "BEGIN 1 \"2\" @100\n"
          "H Content-Type: text/plain\n"
          "INFO text/plain leaf @128\n"
          "BODY plain\n"
          "END 1 \"2\" @133\n"
          "END 0 \"\" @142\n"
          "EOM @142\n");
}

static void test_decoding(void **state)
{
    (void)state;
    static const char msg[] =
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n"
        "\r\n"
        "--=_b\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: Quoted-Printable\r\n"
        "\r\n"
        "caf=E9 au lait, soft=\r\n"
        "break =3D done\r\n"
        "--=_b\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "SGVsbG8s\r\n"
        "IHdvcmxk\r\n"
        "IQ==\r\n"
        "--=_b--\r\n";
    check(msg, "BEGIN 0 \"\" @0\n"
               "H MIME-Version: 1.0\n"
               "H Content-Type: multipart/mixed; boundary=\"=_b\"\n"
               "INFO multipart/mixed multipart boundary==_b @68\n"
               "BEGIN 1 \"1\" @75\n"
               "H Content-Type: text/plain; charset=iso-8859-1\n"
               "H Content-Transfer-Encoding: Quoted-Printable\n"
               "INFO text/plain leaf enc=qp cte=quoted-printable "
               "charset=iso-8859-1 @168\n"
               "BODY caf\\xe9 au lait, softbreak = done\n"
               "END 1 \"1\" @205\n"
               "BEGIN 1 \"2\" @214\n"
               "H Content-Transfer-Encoding: base64\n"
               "INFO text/plain leaf enc=base64 cte=base64 @251\n"
               "BODY Hello, world!\n"
               "END 1 \"2\" @275\n"
               "END 0 \"\" @286\n"
               "EOM @286\n");

    /* The same with MW_MIME_RAW_BODY: the bytes as they were. */
    mw_mime_config cfg = {sizeof(cfg), MW_MIME_RAW_BODY, NULL};
    check_cfg(&cfg, msg, strlen(msg),
              "BEGIN 0 \"\" @0\n"
              "H MIME-Version: 1.0\n"
              "H Content-Type: multipart/mixed; boundary=\"=_b\"\n"
              "INFO multipart/mixed multipart boundary==_b @68\n"
              "BEGIN 1 \"1\" @75\n"
              "H Content-Type: text/plain; charset=iso-8859-1\n"
              "H Content-Transfer-Encoding: Quoted-Printable\n"
              "INFO text/plain leaf enc=qp cte=quoted-printable "
              "charset=iso-8859-1 @168\n"
              "BODY caf=E9 au lait, soft=\\r\\nbreak =3D done\n"
              "END 1 \"1\" @205\n"
              "BEGIN 1 \"2\" @214\n"
              "H Content-Transfer-Encoding: base64\n"
              "INFO text/plain leaf enc=base64 cte=base64 @251\n"
              "BODY SGVsbG8s\\r\\nIHdvcmxk\\r\\nIQ==\n"
              "END 1 \"2\" @275\n"
              "END 0 \"\" @286\n"
              "EOM @286\n");
}

static void test_info_fields(void **state)
{
    (void)state;
    check("MIME-Version: 1.0\r\n"
          "Content-Type: Text / HTML (comment) ; Charset = \"utf-8\" ;\r\n"
          "\tname=report.html\r\n"
          "Content-ID:  <part1@example.com> \r\n"
          "Content-Disposition: INLINE\r\n"
          "Content-Transfer-Encoding: 8BIT\r\n"
          "\r\n"
          "<p>x</p>",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: Text / HTML (comment) ; Charset = \"utf-8\" "
          ";\\r\\n\\tname=report.html\n"
          "H Content-ID:  <part1@example.com> \n"
          "H Content-Disposition: INLINE\n"
          "H Content-Transfer-Encoding: 8BIT\n"
          "INFO text/html leaf cte=8bit charset=utf-8 disp=inline "
          "file=report.html cid=<part1@example.com> @196\n"
          "BODY <p>x</p>\n"
          "END 0 \"\" @204\n"
          "EOM @204\n");
}

/* ------------------------------------------------------------------ */
/* Broken mail                                                         */
/* ------------------------------------------------------------------ */

static void test_missing_final_boundary(void **state)
{
    (void)state;
    /* The inner multipart is closed by the outer delimiter, the outer one
     * by the end of input; the last body keeps its final line end. */
    check("MIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=o\r\n"
          "\r\n"
          "--o\r\n"
          "Content-Type: multipart/alternative; boundary=i\r\n"
          "\r\n"
          "--i\r\n"
          "\r\n"
          "a\r\n"
          "--o\r\n"
          "\r\n"
          "b\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/mixed; boundary=o\n"
          "INFO multipart/mixed multipart boundary=o @64\n"
          "BEGIN 1 \"1\" @69\n"
          "H Content-Type: multipart/alternative; boundary=i\n"
          "INFO multipart/alternative multipart boundary=i @120\n"
          "BEGIN 2 \"1.1\" @125\n"
          "INFO text/plain leaf @127\n"
          "BODY a\n"
          "END 2 \"1.1\" @128\n"
          "END 1 \"1\" defects=no-final-boundary @128\n"
          "BEGIN 1 \"2\" @135\n"
          "INFO text/plain leaf @137\n"
          "BODY b\\r\\n\n"
          "END 1 \"2\" @140\n"
          "END 0 \"\" defects=no-final-boundary @140\n"
          "EOM @140\n");
}

static void test_boundary_padding_and_junk(void **state)
{
    (void)state;
    check("MIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=b\r\n"
          "\r\n"
          "--b \t \r\n"
          "\r\n"
          "one\r\n"
          "--bjunk\r\n"
          "\r\n"
          "two\r\n"
          "--b-- trailing\r\n"
          "epi\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/mixed; boundary=b\n"
          "INFO multipart/mixed multipart boundary=b @64\n"
          "BEGIN 1 \"1\" @72\n"
          "INFO text/plain leaf @74\n"
          "BODY one\n"
          "END 1 \"1\" @77\n"
          "BEGIN 1 \"2\" @88\n"
          "INFO text/plain leaf @90\n"
          "BODY two\n"
          "END 1 \"2\" @93\n"
          "EPILOGUE epi\\r\\n\n"
          "END 0 \"\" defects=boundary-junk @116\n"
          "EOM @116\n");
}

static void test_nested_boundary_prefixes(void **state)
{
    (void)state;
    /* The inner boundary extends the outer one: the longest match wins. */
    check("Content-Type: multipart/mixed; boundary=XYZ\n"
          "\n"
          "--XYZ\n"
          "Content-Type: multipart/mixed; boundary=XYZ-1\n"
          "\n"
          "--XYZ-1\n"
          "\n"
          "in\n"
          "--XYZ-1--\n"
          "--XYZ--\n",
          "BEGIN 0 \"\" @0\n"
          "H Content-Type: multipart/mixed; boundary=XYZ\n"
          "INFO multipart/mixed multipart boundary=XYZ "
          "defects=bare-lf,no-mime-version @45\n"
          "BEGIN 1 \"1\" @51\n"
          "H Content-Type: multipart/mixed; boundary=XYZ-1\n"
          "INFO multipart/mixed multipart boundary=XYZ-1 defects=bare-lf @98\n"
          "BEGIN 2 \"1.1\" @106\n"
          "INFO text/plain leaf defects=bare-lf @107\n"
          "BODY in\n"
          "END 2 \"1.1\" defects=bare-lf @109\n"
          "END 1 \"1\" defects=bare-lf @120\n"
          "END 0 \"\" defects=bare-lf,no-mime-version @128\n"
          "EOM @128\n");
}

static void test_header_defects(void **state)
{
    (void)state;
    /* An mbox "From " line (ignored), a continuation line first and an
     * empty field name (skipped), WSP before a colon, 8-bit bytes, a NUL,
     * a field without a line end at the end of input. */
    static const char msg[] =
        "From sender@example.com Sat Jan  3 01:05:34 1996\n"
        " stray continuation\n"
        ": no name\n"
        "Subject : caf\xc3\xa9\n"
        "X-Nul: a\0z\n"
        "\n"
        "body";
    check_cfg(NULL, msg, sizeof(msg) - 1,
              "BEGIN 0 \"\" @0\n"
              "H Subject: caf\\xc3\\xa9\n"
              "H X-Nul: a\\x00z\n"
              "INFO text/plain leaf "
              "defects=bare-lf,no-mime-version,8bit-header,bad-header,nul "
              "@107\n"
              "BODY body\n"
              "END 0 \"\" "
              "defects=bare-lf,no-mime-version,8bit-header,bad-header,nul "
              "@111\n"
              "EOM @111\n");
    /* The first line is a continuation with no field before it. */
    check(" x\r\nA: b",
          "BEGIN 0 \"\" @0\n"
          "H A: b\n"
          "INFO text/plain leaf defects=no-mime-version,bad-header @8\n"
          "END 0 \"\" defects=no-mime-version,bad-header @8\n"
          "EOM @8\n");
    /* A "From " line after the first line is misplaced. */
    check("A: b\nFrom x\n\n",
          "BEGIN 0 \"\" @0\n"
          "H A: b\n"
          "INFO text/plain leaf defects=bare-lf,no-mime-version,bad-header "
          "@13\n"
          "END 0 \"\" defects=bare-lf,no-mime-version,bad-header @13\n"
          "EOM @13\n");
}

static void test_no_colon_line(void **state)
{
    (void)state;
    /* Python's rule: a non-header line starts the body. */
    check("Subject: x\r\n"
          "this is body text\r\n"
          "more\r\n",
          "BEGIN 0 \"\" @0\n"
          "H Subject: x\n"
          "INFO text/plain leaf defects=no-mime-version,no-separator @12\n"
          "BODY this is body text\\r\\nmore\\r\\n\n"
          "END 0 \"\" defects=no-mime-version,no-separator @37\n"
          "EOM @37\n");
}

static void test_empty_message(void **state)
{
    (void)state;
    check("", "BEGIN 0 \"\" @0\n"
              "INFO text/plain leaf defects=no-mime-version @0\n"
              "END 0 \"\" defects=no-mime-version,empty @0\n"
              "EOM @0\n");
}

static void test_more_broken(void **state)
{
    (void)state;
    /* Bad base64: garbage is skipped, the rest decoded. */
    check("MIME-Version: 1.0\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "SGVs*bG8=\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Transfer-Encoding: base64\n"
          "INFO text/plain leaf enc=base64 cte=base64 @56\n"
          "BODY Hello\n"
          "END 0 \"\" defects=bad-base64 @67\n"
          "EOM @67\n");
    /* multipart without a boundary: a text/plain leaf. */
    check("MIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed\r\n"
          "\r\n"
          "--x\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/mixed\n"
          "INFO text/plain leaf defects=no-boundary @52\n"
          "BODY --x\\r\\n\n"
          "END 0 \"\" defects=no-boundary @57\n"
          "EOM @57\n");
    /* Unknown transfer encoding: raw; invalid Content-Type: text/plain. */
    check("MIME-Version: 1.0\r\n"
          "Content-Type: garbage\r\n"
          "Content-Transfer-Encoding: x-uuencode\r\n"
          "\r\n"
          "begin 644 f\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: garbage\n"
          "H Content-Transfer-Encoding: x-uuencode\n"
          "INFO text/plain leaf enc=raw cte=x-uuencode "
          "defects=unknown-cte,bad-content-type @83\n"
          "BODY begin 644 f\\r\\n\n"
          "END 0 \"\" defects=unknown-cte,bad-content-type @96\n"
          "EOM @96\n");
    /* No blank line between a part's headers and the next delimiter, a
     * part with no headers at all, a multipart with no delimiter. */
    check("MIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=b\r\n"
          "\r\n"
          "--b\r\n"
          "Content-Type: text/plain\r\n"
          "--b\r\n"
          "--b\r\n"
          "Content-Type: multipart/related; boundary=c\r\n"
          "\r\n"
          "no delimiter here\r\n"
          "--b--",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: multipart/mixed; boundary=b\n"
          "INFO multipart/mixed multipart boundary=b @64\n"
          "BEGIN 1 \"1\" @69\n"
          "H Content-Type: text/plain\n"
          "INFO text/plain leaf @95\n"
          "END 1 \"1\" @95\n"
          "BEGIN 1 \"2\" @100\n"
          "INFO text/plain leaf @100\n"
          "END 1 \"2\" @100\n"
          "BEGIN 1 \"3\" @105\n"
          "H Content-Type: multipart/related; boundary=c\n"
          "INFO multipart/related multipart boundary=c @152\n"
          "PREAMBLE no delimiter here\n"
          "END 1 \"3\" defects=no-final-boundary,no-start-boundary @169\n"
          "END 0 \"\" @176\n"
          "EOM @176\n");
    /* An encoded message/rfc822 is a leaf; a lone CR line ends headers. */
    check("MIME-Version: 1.0\r\n"
          "Content-Type: message/rfc822\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "U3ViamVjdDogeA0KDQpoaQ==\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: message/rfc822\n"
          "H Content-Transfer-Encoding: base64\n"
          "INFO message/rfc822 leaf enc=base64 cte=base64 @86\n"
          "BODY Subject: x\\r\\n\\r\\nhi\n"
          "END 0 \"\" @112\n"
          "EOM @112\n");
    check("A: b\r\n\rx\r\n",
          "BEGIN 0 \"\" @0\n"
          "H A: b\n"
          "INFO text/plain leaf defects=no-mime-version,no-separator @6\n"
          "BODY \\rx\\r\\n\n"
          "END 0 \"\" defects=no-mime-version,no-separator @10\n"
          "EOM @10\n");
}

static void test_dash_lines(void **state)
{
    (void)state;
    /* Lines that start like a delimiter but are not, a bare CR, a QP body
     * with a soft line break. */
    check("Content-Type: multipart/mixed; boundary=boundary\r\n"
          "\r\n"
          "--boundary\r\n"
          "\r\n"
          "-----Original Message-----\r\n"
          "--bound\r\n"
          "--\r\n"
          "-\r\n"
          "a\rb\r\n"
          "--boundary\r\n"
          "Content-Transfer-Encoding: quoted-printable\r\n"
          "\r\n"
          "x=3Dy=\r\n"
          "z\r\n"
          "--boundary--",
          "BEGIN 0 \"\" @0\n"
          "H Content-Type: multipart/mixed; boundary=boundary\n"
          "INFO multipart/mixed multipart boundary=boundary "
          "defects=no-mime-version @52\n"
          "BEGIN 1 \"1\" @64\n"
          "INFO text/plain leaf @66\n"
          "BODY -----Original "
          "Message-----\\r\\n--bound\\r\\n--\\r\\n-\\r\\na\\rb\n"
          "END 1 \"1\" @113\n"
          "BEGIN 1 \"2\" @127\n"
          "H Content-Transfer-Encoding: quoted-printable\n"
          "INFO text/plain leaf enc=qp cte=quoted-printable @174\n"
          "BODY x=yz\n"
          "END 1 \"2\" @183\n"
          "END 0 \"\" defects=no-mime-version @197\n"
          "EOM @197\n");
}

static void test_rfc822_no_separator(void **state)
{
    (void)state;
    /* The message/rfc822 header block ends on a body line: the embedded
     * message has no headers and that line starts its body. */
    check("MIME-Version: 1.0\r\n"
          "Content-Type: message/rfc822\r\n"
          "oops no header\r\n",
          "BEGIN 0 \"\" @0\n"
          "H MIME-Version: 1.0\n"
          "H Content-Type: message/rfc822\n"
          "INFO message/rfc822 message defects=no-separator @49\n"
          "BEGIN 1 \"\" @49\n"
          "INFO text/plain leaf defects=no-mime-version,no-separator @49\n"
          "BODY oops no header\\r\\n\n"
          "END 1 \"\" defects=no-mime-version,no-separator @65\n"
          "END 0 \"\" defects=no-separator @65\n"
          "EOM @65\n");
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

static const char nested3[] = "MIME-Version: 1.0\n"
                              "Content-Type: multipart/mixed; boundary=a\n"
                              "\n"
                              "--a\n"
                              "Content-Type: multipart/mixed; boundary=b\n"
                              "\n"
                              "--b\n"
                              "\n"
                              "x\n"
                              "--b--\n"
                              "--a\n"
                              "\n"
                              "y\n"
                              "--a--\n";

static void test_limit_depth(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.mime_depth_max = 1;
    check_limits(
        &lim, nested3,
        "BEGIN 0 \"\" @0\n"
        "H MIME-Version: 1.0\n"
        "H Content-Type: multipart/mixed; boundary=a\n"
        "INFO multipart/mixed multipart boundary=a defects=bare-lf "
        "@61\n"
        "BEGIN 1 \"1\" @65\n"
        "H Content-Type: multipart/mixed; boundary=b\n"
        "INFO multipart/mixed leaf boundary=b defects=bare-lf,too-deep "
        "@108\n"
        "BODY --b\\n\\nx\\n--b--\n"
        "END 1 \"1\" defects=bare-lf,too-deep @120\n"
        "BEGIN 1 \"2\" @125\n"
        "INFO text/plain leaf defects=bare-lf @126\n"
        "BODY y\n"
        "END 1 \"2\" defects=bare-lf @127\n"
        "END 0 \"\" defects=bare-lf @134\n"
        "EOM @134\n");
}

static void test_limit_parts(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.mime_parts_max = 2;
    check_limits(&lim,
                 "Content-Type: multipart/mixed; boundary=a\r\n"
                 "\r\n"
                 "--a\r\n"
                 "\r\n"
                 "one\r\n"
                 "--a\r\n"
                 "\r\n"
                 "two\r\n"
                 "--a\r\n"
                 "\r\n"
                 "three\r\n"
                 "--a--\r\n"
                 "epi\r\n",
                 "BEGIN 0 \"\" @0\n"
                 "H Content-Type: multipart/mixed; boundary=a\n"
                 "INFO multipart/mixed multipart boundary=a "
                 "defects=no-mime-version @45\n"
                 "BEGIN 1 \"1\" @50\n"
                 "INFO text/plain leaf @52\n"
                 "BODY one\n"
                 "END 1 \"1\" @55\n"
                 "EPILOGUE \\r\\ntwo\\r\\n--a\\r\\n\\r\\nthreeepi\\r\\n\n"
                 "END 0 \"\" defects=no-mime-version,too-many-parts @95\n"
                 "EOM @95\n");
}

static void test_limit_headers(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.header_count_max = 2;
    lim.header_line_max = 64;
    check_limits(&lim,
                 "MIME-Version: 1.0\r\n"
                 "X-Long: 0123456789012345678901234567890123456789"
                 "0123456789012345678901234567890123456789\r\n"
                 "Content-Type: text/html\r\n"
                 "\r\n"
                 "b",
                 "BEGIN 0 \"\" @0\n"
                 "H MIME-Version: 1.0\n"
                 "H X-Long: 0123456789012345678901234567890123456789"
                 "0123456789012345\n"
                 "INFO text/plain leaf defects=long-header,too-many-headers "
                 "@136\n"
                 "BODY b\n"
                 "END 0 \"\" defects=long-header,too-many-headers @137\n"
                 "EOM @137\n");
}

/* A long header split over many chunks keeps exactly the first bytes. */
static void test_limit_long_header_chunked(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.header_line_max = 100;
    char msg[2200];
    size_t n = 0;
    memcpy(msg, "Subject:", 8);
    n = 8;
    for (int i = 0; i < 200; i++) {
        memcpy(msg + n, " 123456789", 10);
        n += 10;
    }
    memcpy(msg + n, "\r\n\r\nx", 5);
    n += 5;
    mw_mime_config cfg = {sizeof(cfg), 0, &lim};
    mw_buf log;
    mw_buf_init_growable(&log, NULL, 0);
    mwt_check_chunking(&mime_ops, &cfg, msg, n, &log);
    const char *want_h = "H Subject: 123456789 123456789 123456789 123456789 "
                         "123456789 123456789 123456789 123456789 123456789 "
                         "1\n";
    assert_int_equal(mw_buf_append_byte(&log, 0), MW_OK); /* for strstr */
    assert_non_null(strstr(log.data, want_h));
    assert_non_null(strstr(log.data, "long-header"));
    mw_buf_free(&log);
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

static void test_init_in(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.header_line_max = 1000;
    lim.mime_depth_max = 4;
    lim.boundary_max = 70;
    mw_mime_config cfg = {sizeof(cfg), 0, &lim};
    size_t need = mw_mime_parser_sizeof(&cfg);
    assert_true(need > 0 && need < 16 * 1024);
    void *mem = malloc(need);
    assert_non_null(mem);
    mw_mime_parser *p = NULL;
    assert_int_equal(mw_mime_parser_init_in(mem, need - 1, &cfg, &p),
                     MW_E_NOSPACE);
    assert_int_equal(mw_mime_parser_init_in(mem, need, &cfg, &p), MW_OK);
    assert_ptr_equal(p, mem);
    static const char msg[] = "Subject: s\r\n\r\nhello";
    mw_mime_event ev;
    size_t used = 0, off = 0;
    int bodies = 0;
    mw_status st;
    while ((st = mw_mime_parse(p, msg + off, sizeof(msg) - 1 - off, &used,
                               &ev)) == MW_OK) {
        off += used;
        if (ev.type == MW_MIME_EV_BODY) {
            mwt_assert_bytes("body", ev.data.ptr, ev.data.len, "hello", 5);
            bodies++;
        }
    }
    assert_int_equal(st, MW_NEED_MORE);
    assert_int_equal(mw_mime_parser_offset(p), sizeof(msg) - 1);
    assert_int_equal(mw_mime_finish(p), MW_OK);
    assert_int_equal(mw_mime_parse(p, "x", 1, &used, &ev), MW_E_STATE);
    while ((st = mw_mime_parse(p, NULL, 0, &used, &ev)) == MW_OK)
        ;
    assert_int_equal(st, MW_DONE);
    assert_int_equal(bodies, 1);
    free(mem); /* no free call needed for caller storage */

    /* Bad configurations. */
    mw_mime_config bad = {sizeof(bad), 0x80, NULL};
    assert_int_equal(mw_mime_parser_sizeof(&bad), 0);
    assert_int_equal(mw_mime_parser_new(&bad, NULL, &p), MW_E_ARG);
    assert_int_equal(mw_mime_parser_new(NULL, NULL, NULL), MW_E_ARG);
    assert_int_equal(mw_mime_parser_new(NULL, NULL, &p), MW_OK);
    assert_int_equal(mw_mime_parse(p, NULL, 1, &used, &ev), MW_E_ARG);
    assert_int_equal(mw_mime_parse(p, "x", 1, NULL, &ev), MW_E_ARG);
    assert_int_equal(mw_mime_parse(p, "x", 1, &used, NULL), MW_E_ARG);
    assert_int_equal(mw_mime_parse(p, NULL, 0, &used, &ev), MW_OK);
    assert_int_equal(ev.type, MW_MIME_EV_ENTITY_BEGIN);
    assert_int_equal(mw_mime_parse(p, NULL, 0, &used, &ev), MW_NEED_MORE);
    mw_mime_parser_free(p);
    mw_mime_parser_free(NULL);
    assert_int_equal(mw_mime_finish(NULL), MW_E_ARG);
}

static int alloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    mw_mime_parser *p = NULL;
    mw_status st = mw_mime_parser_new(NULL, a, &p);
    if (st == MW_E_NOMEM)
        return p == NULL ? 0 : 1;
    if (st != MW_OK)
        return 1;
    size_t used = 0, off = 0;
    mw_mime_event ev;
    size_t len = strlen(rfc2046_example);
    while ((st = mw_mime_parse(p, rfc2046_example + off, len - off, &used,
                               &ev)) == MW_OK)
        off += used;
    mw_mime_finish(p);
    while ((st = mw_mime_parse(p, NULL, 0, &used, &ev)) == MW_OK)
        ;
    mw_mime_parser_free(p);
    return st == MW_DONE ? 0 : 1;
}

static void test_failalloc(void **state)
{
    (void)state;
    mwt_failalloc_sweep(alloc_scenario, NULL);
}

/* Counting allocator that records the peak of live bytes. */
typedef struct peak_alloc {
    mw_allocator a;
    size_t live, peak;
} peak_alloc;

static void *pa_alloc(void *ud, size_t n)
{
    peak_alloc *pa = ud;
    pa->live += n;
    if (pa->live > pa->peak)
        pa->peak = pa->live;
    return malloc(n);
}

static void *pa_realloc(void *ud, void *ptr, size_t old, size_t n)
{
    peak_alloc *pa = ud;
    pa->live = pa->live - old + n;
    if (pa->live > pa->peak)
        pa->peak = pa->live;
    return realloc(ptr, n);
}

static void pa_free(void *ud, void *ptr, size_t n)
{
    peak_alloc *pa = ud;
    if (ptr)
        pa->live -= n;
    free(ptr);
}

/* Feed in[0..len) and count the decoded body bytes, checking them against
 * the repeating 57-byte pattern. */
static void feed_counting(mw_mime_parser *p, const char *in, size_t len,
                          uint64_t *body, int *ended)
{
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st =
            mw_mime_parse(p, in ? in + off : NULL, len - off, &used, &ev);
        off += used;
        if (st == MW_NEED_MORE || st == MW_DONE)
            return;
        assert_int_equal(st, MW_OK);
        if (ev.type == MW_MIME_EV_BODY) {
            assert_true(ev.data.len <= 8192);
            for (size_t i = 0; i < ev.data.len; i++) {
                if ((unsigned char)ev.data.ptr[i] != (*body + i) % 57 + 'A')
                    fail_msg("body byte %llu wrong",
                             (unsigned long long)(*body + i));
            }
            *body += ev.data.len;
        }
        if (ev.type == MW_MIME_EV_ENTITY_END && ev.depth == 1) {
            assert_int_equal(ev.defects, 0);
            *ended = 1;
        }
    }
}

static void test_constant_memory(void **state)
{
    (void)state;
    peak_alloc pa = {{NULL, pa_alloc, pa_realloc, pa_free}, 0, 0};
    pa.a.ud = &pa;
    mw_mime_parser *p = NULL;
    assert_int_equal(mw_mime_parser_new(NULL, &pa.a, &p), MW_OK);

    /* One 76-character base64 line for 57 pattern bytes. */
    char raw[57], line[80];
    for (int i = 0; i < 57; i++)
        raw[i] = (char)('A' + i);
    mw_b64_encoder enc;
    mw_buf lb;
    mw_buf_init_fixed(&lb, line, sizeof(line));
    mw_b64_encoder_init(&enc, 0);
    assert_int_equal(mw_b64_encode_update(&enc, raw, 57, &lb), MW_OK);
    assert_int_equal(mw_b64_encode_final(&enc, &lb), MW_OK);
    assert_int_equal(lb.len, 76);
    line[76] = '\r';
    line[77] = '\n';

    static const char head[] = "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; boundary=zz\r\n"
                               "\r\n"
                               "--zz\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Content-Transfer-Encoding: base64\r\n"
                               "\r\n";
    uint64_t body = 0;
    int ended = 0;
    feed_counting(p, head, sizeof(head) - 1, &body, &ended);
    enum { CHUNK = 64 * 1024, LINES = 50 * 1024 * 1024 / 78 };
    char *chunk = malloc(CHUNK);
    assert_non_null(chunk);
    size_t fill = 0;
    for (long i = 0; i < LINES; i++) {
        size_t at = 0;
        while (at < 78) {
            size_t k = 78 - at < CHUNK - fill ? 78 - at : CHUNK - fill;
            memcpy(chunk + fill, line + at, k);
            fill += k;
            at += k;
            if (fill == CHUNK) {
                feed_counting(p, chunk, fill, &body, &ended);
                fill = 0;
            }
        }
    }
    feed_counting(p, chunk, fill, &body, &ended);
    static const char tail[] = "--zz--\r\n";
    feed_counting(p, tail, sizeof(tail) - 1, &body, &ended);
    assert_int_equal(mw_mime_finish(p), MW_OK);
    feed_counting(p, NULL, 0, &body, &ended);
    free(chunk);
    mw_mime_parser_free(p);
    assert_int_equal(body, (uint64_t)LINES * 57);
    assert_true(ended);
    assert_int_equal(pa.live, 0);
    /* The default limits reserve about 5 x 64 KiB of header space; nothing
     * else is allocated, whatever the body size. */
    assert_true(pa.peak <= 512 * 1024);
}

/* ------------------------------------------------------------------ */
/* Parameters                                                          */
/* ------------------------------------------------------------------ */

static void expect_params(const char *value, const char *want)
{
    mw_buf out, scratch;
    mw_buf_init_growable(&out, NULL, 0);
    mw_buf_init_growable(&scratch, NULL, 0);
    size_t pos = 0;
    mw_span name, val;
    mw_status st;
    while ((st = mw_mime_param_next(value, strlen(value), &pos, &name, &val,
                                    &scratch)) == MW_OK) {
        log_span(&out, name);
        mwt_log(&out, "=");
        log_span(&out, val);
        mwt_log(&out, "|");
    }
    assert_int_equal(st, MW_DONE);
    mwt_assert_bytes(value, out.data, out.len, want, strlen(want));
    mw_buf_free(&out);
    mw_buf_free(&scratch);
}

static void test_params(void **state)
{
    (void)state;
    /* RFC 2045 section 5.1: these two are equivalent. */
    expect_params("text/plain; charset=us-ascii (Plain text)",
                  "charset=us-ascii|");
    expect_params("text/plain; charset=\"us-ascii\"", "charset=us-ascii|");
    expect_params("attachment; filename=\"a \\\"b\\\"\\\\c.txt\"; size=12",
                  "filename=a \"b\"\\\\c.txt|size=12|");
    /* RFC 2231 parameters come back raw for a later decoder. */
    expect_params("application/x-stuff;\r\n"
                  " title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
                  " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
                  " title*2=\"isn't it!\"",
                  "title*0*=us-ascii'en'This%20is%20even%20more%20|"
                  "title*1*=%2A%2A%2Afun%2A%2A%2A%20|title*2=isn't it!|");
    /* Malformed parameters are skipped; quoted ';' does not split. */
    expect_params("multipart/mixed; ; =x; junk; boundary=\"a;b\"; name=My "
                  "File.pdf ;",
                  "boundary=a;b|name=My File.pdf|");
    expect_params("", "");
    expect_params("text/plain", "");
    size_t pos = 0;
    mw_span n, v;
    assert_int_equal(mw_mime_param_next(NULL, 1, &pos, &n, &v, NULL), MW_E_ARG);
    assert_string_equal(mw_mime_defect_name(MW_MIME_DEFECT_BARE_LF), "bare-lf");
    assert_null(mw_mime_defect_name(3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_text),
        cmocka_unit_test(test_rfc2046_example),
        cmocka_unit_test(test_nested_alternative),
        cmocka_unit_test(test_rfc822_attachment),
        cmocka_unit_test(test_digest_default_type),
        cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_info_fields),
        cmocka_unit_test(test_missing_final_boundary),
        cmocka_unit_test(test_boundary_padding_and_junk),
        cmocka_unit_test(test_nested_boundary_prefixes),
        cmocka_unit_test(test_header_defects),
        cmocka_unit_test(test_no_colon_line),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_more_broken),
        cmocka_unit_test(test_dash_lines),
        cmocka_unit_test(test_rfc822_no_separator),
        cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_limit_parts),
        cmocka_unit_test(test_limit_headers),
        cmocka_unit_test(test_limit_long_header_chunked),
        cmocka_unit_test(test_init_in),
        cmocka_unit_test(test_failalloc),
        cmocka_unit_test(test_constant_memory),
        cmocka_unit_test(test_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
