/* Tests of the RFC 5322 / MIME builder (include/mailwire/build.h). */
#include "mwtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwire/build.h"

/* The fuzz target's round-trip engine, run here over seeded inputs, with
 * its checks reporting the failing line instead of trapping. */
#include "../fuzz/fuzz_util.h"
#undef FUZZ_CHECK
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fail_msg("round-trip check failed at fuzz_msg_build.c:%d: %s",     \
                     __LINE__, #cond);                                         \
    } while (0)
#include "../fuzz/fuzz_msg_build.c"

static const uint8_t test_seed[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static mw_builder *new_builder(uint32_t flags)
{
    mw_builder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.flags = flags;
    cfg.random = test_seed;
    cfg.random_len = sizeof test_seed;
    mw_builder *b = NULL;
    assert_int_equal(mw_builder_new(&cfg, NULL, &b), MW_OK);
    return b;
}

static void add_from(mw_builder *b)
{
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_FROM, "Alice", 5,
                                            "alice@example.org", 17),
                     MW_OK);
}

static void set_date(mw_builder *b)
{
    mw_datetime dt;
    assert_int_equal(
        mw_datetime_parse("Thu, 26 Nov 2026 10:00:00 +0100", 31, &dt), MW_OK);
    assert_int_equal(mw_builder_set_date(b, &dt), MW_OK);
}

/* Drain everything into out (a growable buffer). */
static void drain_all(mw_builder *b, mw_buf *out)
{
    char tmp[333];
    size_t n;
    mw_status st;
    while ((st = mw_builder_read(b, tmp, sizeof tmp, &n)) == MW_OK && n > 0)
        assert_int_equal(mw_buf_append(out, tmp, n), MW_OK);
}

static void write_all(mw_builder *b, mw_buf *out, const char *p, size_t n)
{
    while (n > 0) {
        size_t used = 0;
        assert_int_equal(mw_builder_write(b, p, n, &used), MW_OK);
        p += used;
        n -= used;
        drain_all(b, out);
    }
}

/* Build a single leaf message and return its transfer encoding. */
static uint32_t leaf_encoding(uint32_t flags, const char *type,
                              const char *content, size_t len, uint32_t forced,
                              mw_buf *out)
{
    mw_builder *b = new_builder(flags);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = type;
    d.encoding = forced;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    write_all(b, out, content, len);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    drain_all(b, out);
    uint32_t enc = mw_builder_last_encoding(b);
    mw_builder_free(b);
    return enc;
}

static void test_golden_text(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    set_date(b);
    add_from(b);
    assert_int_equal(
        mw_builder_add_address(b, MW_BUILD_TO, NULL, 0, "bob@example.com", 15),
        MW_OK);
    assert_int_equal(mw_builder_set_subject(b, "Hello", 5), MW_OK);
    assert_int_equal(mw_builder_set_message_id(b, "1@example.org", 13), MW_OK);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    write_all(b, &out, "Hi Bob,\nsee you.\n", 17);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    drain_all(b, &out);
    static const char want[] = "Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n"
                               "From: Alice <alice@example.org>\r\n"
                               "To: bob@example.com\r\n"
                               "Subject: Hello\r\n"
                               "Message-ID: <1@example.org>\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 7bit\r\n"
                               "\r\n"
                               "Hi Bob,\r\n"
                               "see you.\r\n";
    mwt_assert_bytes("golden text", out.data, out.len, want, sizeof want - 1);
    size_t n;
    char c;
    assert_int_equal(mw_builder_read(b, &c, 1, &n), MW_DONE);
    assert_int_equal(n, 0);
    mw_buf_free(&out);
    mw_builder_free(b);
}

static void test_golden_multipart(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    assert_int_equal(mw_builder_set_subject(b, "Grüße", 7), MW_OK);
    assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_OK);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    write_all(b, &out, "body", 4);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    d.content_type = "application/octet-stream";
    d.disposition = MW_BUILD_DISP_ATTACHMENT;
    d.filename = "résumé.bin";
    d.filename_len = strlen(d.filename);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    write_all(b, &out, "\x00\x01\x02\xff", 4);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_int_equal(mw_builder_end_multipart(b), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    drain_all(b, &out);
    static const char want[] = "From: Alice <alice@example.org>\r\n"
                               "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; "
                               "boundary=\"=_kaFNJka930ulXThF_0000\"\r\n"
                               "\r\n"
                               "--=_kaFNJka930ulXThF_0000\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 7bit\r\n"
                               "\r\n"
                               "body\r\n"
                               "--=_kaFNJka930ulXThF_0000\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Content-Disposition: attachment; "
                               "filename*=utf-8''r%C3%A9sum%C3%A9.bin\r\n"
                               "Content-Transfer-Encoding: base64\r\n"
                               "\r\n"
                               "AAEC/w==\r\n"
                               "--=_kaFNJka930ulXThF_0000--\r\n";
    mwt_assert_bytes("golden multipart", out.data, out.len, want,
                     sizeof want - 1);
    mw_buf_free(&out);
    mw_builder_free(b);
}

static void test_boundary_from_randomness(void **state)
{
    (void)state;
    mw_buf a, c;
    mw_buf_init_growable(&a, NULL, 0);
    mw_buf_init_growable(&c, NULL, 0);
    for (int round = 0; round < 2; round++) {
        mw_builder_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.size = sizeof cfg;
        uint8_t r[4] = {9, 9, 9, (uint8_t)round};
        cfg.random = r;
        cfg.random_len = 4;
        mw_builder *b = NULL;
        assert_int_equal(mw_builder_new(&cfg, NULL, &b), MW_OK);
        add_from(b);
        assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_OK);
        mw_buf *o = round ? &c : &a;
        drain_all(b, o);
        mw_builder_free(b);
    }
    assert_true(a.len == c.len);
    assert_true(memcmp(a.data, c.data, a.len) != 0);
    mw_buf_free(&a);
    mw_buf_free(&c);
}

static void test_encoding_choice(void **state)
{
    (void)state;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(leaf_encoding(0, NULL, "plain\n", 6, 0, &out),
                     MW_BUILD_CTE_7BIT);
    mw_buf_clear(&out);
    /* No final line break at the top level: QP keeps the content exact. */
    assert_int_equal(leaf_encoding(0, NULL, "plain", 5, 0, &out),
                     MW_BUILD_CTE_QP);
    assert_true(out.len > 8 &&
                memcmp(out.data + out.len - 8, "plain=\r\n", 8) == 0);
    mw_buf_clear(&out);
    assert_int_equal(
        leaf_encoding(0, NULL, "caf\xc3\xa9 is ok here\n", 17, 0, &out),
        MW_BUILD_CTE_QP);
    mw_buf_clear(&out);
    assert_int_equal(
        leaf_encoding(MW_BUILD_8BITMIME, NULL, "caf\xc3\xa9\n", 6, 0, &out),
        MW_BUILD_CTE_8BIT);
    mw_buf_clear(&out);
    static const char greek[] = "\xce\xb1\xce\xb2\xce\xb3\xce\xb4\n";
    assert_int_equal(leaf_encoding(0, NULL, greek, sizeof greek - 1, 0, &out),
                     MW_BUILD_CTE_BASE64);
    mw_buf_clear(&out);
    assert_int_equal(leaf_encoding(0, "image/png", "abc\r\n", 5, 0, &out),
                     MW_BUILD_CTE_BASE64);
    mw_buf_clear(&out);
    /* A line that could be a delimiter is never written as 7bit. */
    assert_int_equal(leaf_encoding(0, NULL, "--=_x\n", 6, 0, &out),
                     MW_BUILD_CTE_QP);
    mw_buf_clear(&out);
    char longline[1200];
    memset(longline, 'a', sizeof longline);
    longline[sizeof longline - 1] = '\n';
    assert_int_equal(leaf_encoding(0, NULL, longline, sizeof longline, 0, &out),
                     MW_BUILD_CTE_QP);
    mw_buf_clear(&out);
    assert_int_equal(
        leaf_encoding(0, "text/html", "<p>\n", 4, MW_BUILD_CTE_BASE64, &out),
        MW_BUILD_CTE_BASE64);
    mw_buf_free(&out);
}

static void test_forced_7bit_refuses_8bit(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.encoding = MW_BUILD_CTE_7BIT;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    size_t used;
    assert_int_equal(mw_builder_write(b, "ok\n\xc3\xa9", 5, &used),
                     MW_E_ENCODING);
    assert_int_equal(mw_builder_write(b, "x", 1, &used), MW_E_STATE);
    mw_builder_free(b);
    /* 8bit needs the transport's 8BITMIME. */
    b = new_builder(0);
    add_from(b);
    d.encoding = MW_BUILD_CTE_8BIT;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_ARG);
    d.content_type = "message/rfc822";
    d.encoding = MW_BUILD_CTE_BASE64;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_ARG);
    mw_builder_free(b);
}

/* A forced 7bit part holding the enclosing delimiter is refused. */
static void test_identity_content_with_delimiter(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    drain_all(b, &out);
    const char *q = strstr(out.data, "boundary=\"");
    assert_non_null(q);
    char line[64] = "--";
    memcpy(line + 2, q + 10, 23);
    memcpy(line + 25, "--\n", 4);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.encoding = MW_BUILD_CTE_7BIT;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    size_t used;
    assert_int_equal(mw_builder_write(b, line, strlen(line), &used),
                     MW_E_ENCODING);
    mw_buf_free(&out);
    mw_builder_free(b);
}

/* python/cpython #87290 (bpo-43124): CR/LF in API arguments became
 * extra lines. Every builder field refuses them. */
static void test_cpython_87290_crlf_in_every_field(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    static const char evil[] = "x\r\nBcc: victim@example.org";
    size_t n = sizeof evil - 1;
    assert_int_equal(
        mw_builder_add_address(b, MW_BUILD_FROM, evil, n, "a@example.org", 13),
        MW_E_CRLF);
    assert_int_equal(
        mw_builder_add_address(b, MW_BUILD_TO, NULL, 0, "a@example.org\n", 14),
        MW_E_CRLF);
    assert_int_equal(mw_builder_set_subject(b, evil, n), MW_E_CRLF);
    assert_int_equal(mw_builder_set_subject(b, "a\rb", 3), MW_E_CRLF);
    assert_int_equal(mw_builder_set_subject(b, "a\0b", 3), MW_E_CRLF);
    assert_int_equal(mw_builder_set_message_id(b, "a@b\r\nX: y", 9), MW_E_CRLF);
    assert_int_equal(mw_builder_add_msgid(b, MW_BUILD_REFERENCES, "a@b\n", 4),
                     MW_E_CRLF);
    assert_int_equal(mw_builder_add_header(b, "X-A", 3, evil, n), MW_E_CRLF);
    assert_int_equal(mw_builder_add_header(b, "X-A\r\nB", 6, "v", 1),
                     MW_E_CRLF);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.filename = "a.txt\r\nContent-Type: text/html";
    d.filename_len = strlen(d.filename);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_CRLF);
    memset(&d, 0, sizeof d);
    d.content_id = "a@b\r\n";
    d.content_id_len = 5;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_CRLF);
    /* Nothing of the refused values was written. */
    size_t len;
    mw_builder_output(b, &len);
    assert_int_equal(len, 0);
    mw_builder_free(b);
}

/* CVE-2024-6923 (python email): encoded newlines in a header value became
 * real ones on output. Here the value is written as encoded words or
 * refused; the output has no line that starts a new field. */
static void test_cve_2024_6923_header_injection(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    static const char subj[] = "Hi\r\n\r\nInjected body";
    assert_int_equal(mw_builder_set_subject(b, subj, sizeof subj - 1),
                     MW_E_CRLF);
    /* A long word that must be encoded keeps every line a continuation. */
    char s[300];
    memset(s, 'A', sizeof s);
    memcpy(s + 100, " Bcc: x@y ", 10);
    assert_int_equal(mw_builder_set_subject(b, s, sizeof s), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    drain_all(b, &out);
    for (size_t i = 0; i + 2 < out.len; i++)
        if (out.data[i] == '\n' && out.data[i + 1] != '\r')
            assert_true(out.data[i + 1] == ' ' ||
                        memcmp(out.data + i + 1, "Subject", 7) == 0);
    mw_buf_free(&out);
    mw_builder_free(b);
}

/* MimeKit GHSA-g7hc-96xr-gvvx: a CRLF inside a quoted local part was
 * written unchanged. */
static void test_mimekit_ghsa_g7hc_96xr_gvvx_quoted_local_part(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    static const char addr[] = "\"a\r\nBcc: v@x\"@example.org";
    assert_int_equal(
        mw_builder_add_address(b, MW_BUILD_TO, NULL, 0, addr, sizeof addr - 1),
        MW_E_CRLF);
    assert_int_equal(mw_builder_recipient_count(b), 0);
    mw_builder_free(b);
}

static void test_bcc_envelope_only(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    assert_int_equal(
        mw_builder_add_address(b, MW_BUILD_TO, "T", 1, "t@example.org", 13),
        MW_OK);
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_BCC, "Hidden", 6,
                                            "h@example.org", 13),
                     MW_OK);
    assert_int_equal(
        mw_builder_add_address(b, MW_BUILD_CC, NULL, 0, "c@example.org", 13),
        MW_OK);
    assert_int_equal(mw_builder_recipient_count(b), 3);
    mw_span s;
    assert_int_equal(mw_builder_recipient(b, 1, &s), MW_OK);
    mwt_assert_bytes("bcc", s.ptr, s.len, "h@example.org", 13);
    assert_int_equal(mw_builder_recipient(b, 3, &s), MW_E_ARG);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    drain_all(b, &out);
    assert_int_equal(mw_buf_append_byte(&out, 0), MW_OK);
    assert_null(strstr(out.data, "h@example.org"));
    assert_null(strstr(out.data, "Bcc"));
    assert_non_null(strstr(out.data, "Cc: c@example.org\r\n"));
    mw_buf_free(&out);
    mw_builder_free(b);
}

static void test_folding(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    for (int i = 0; i < 20; i++) {
        char addr[32];
        int n = snprintf(addr, sizeof addr, "user%02d@example.org", i);
        assert_int_equal(mw_builder_add_address(b, MW_BUILD_TO, "Some Person",
                                                11, addr, (size_t)n),
                         MW_OK);
    }
    assert_int_equal(mw_builder_add_header(b, "X-Long", 6,
                                           "word word word word word word "
                                           "word word word word word word "
                                           "word word word word word",
                                           83),
                     MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    drain_all(b, &out);
    size_t col = 0, lines = 0;
    for (size_t i = 0; i < out.len; i++) {
        if (out.data[i] == '\n') {
            assert_true(col <= 79); /* 78 plus the CR */
            col = 0;
            lines++;
        } else
            col++;
    }
    assert_true(lines > 8);
    mw_buf_free(&out);
    mw_builder_free(b);
    /* An unbreakable id longer than 998 bytes cannot be written. */
    b = new_builder(0);
    add_from(b);
    char id[1100];
    memset(id, 'a', sizeof id);
    id[600] = '@';
    assert_int_equal(
        mw_builder_add_msgid(b, MW_BUILD_REFERENCES, id, sizeof id), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_E_LIMIT);
    mw_builder_free(b);
}

static void test_custom_header_names(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    assert_int_equal(mw_builder_add_header(b, "X:Y", 3, "v", 1), MW_E_SYNTAX);
    assert_int_equal(mw_builder_add_header(b, "X Y", 3, "v", 1), MW_E_SYNTAX);
    assert_int_equal(mw_builder_add_header(b, "", 0, "v", 1), MW_E_SYNTAX);
    assert_int_equal(mw_builder_add_header(b, "Content-Type", 12, "v", 1),
                     MW_E_ARG);
    assert_int_equal(mw_builder_add_header(b, "bcc", 3, "v", 1), MW_E_ARG);
    assert_int_equal(mw_builder_add_header(b, "X-Ok", 4, "v", 1), MW_OK);
    assert_int_equal(mw_builder_add_header(b, "X-Bad", 5, "\xff", 1),
                     MW_E_ENCODING);
    mw_builder_free(b);
}

static void test_state_errors(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    /* From is required (RFC 5322 3.6). */
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_STATE);
    add_from(b);
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_FROM, NULL, 0,
                                            "second@example.org", 18),
                     MW_OK);
    /* Two authors need a Sender. */
    assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_E_STATE);
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_SENDER, NULL, 0,
                                            "s@example.org", 13),
                     MW_OK);
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_SENDER, NULL, 0,
                                            "t@example.org", 13),
                     MW_E_STATE);
    assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_OK);
    assert_int_equal(mw_builder_end_multipart(b), MW_E_STATE);
    assert_int_equal(mw_builder_set_subject(b, "x", 1), MW_E_STATE);
    size_t used;
    assert_int_equal(mw_builder_write(b, "x", 1, &used), MW_E_STATE);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_STATE);
    assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_E_STATE);
    assert_int_equal(mw_builder_finish(b), MW_E_STATE);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_int_equal(mw_builder_end_multipart(b), MW_OK);
    assert_int_equal(mw_builder_begin_part(b, &d), MW_E_STATE);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    mw_builder_free(b);
}

static void test_depth_limit(void **state)
{
    (void)state;
    mw_limits lim;
    mw_limits_default(&lim);
    lim.mime_depth_max = 3;
    mw_builder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.limits = &lim;
    mw_builder *b = NULL;
    assert_int_equal(mw_builder_new(&cfg, NULL, &b), MW_OK);
    add_from(b);
    for (int i = 0; i < 3; i++)
        assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_OK);
    assert_int_equal(mw_builder_begin_multipart(b, "mixed", NULL), MW_E_LIMIT);
    mw_builder_free(b);
}

/* A large attachment streams through a bounded output. */
static void test_streaming_constant_memory(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = "application/octet-stream";
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    static char chunk[65536];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (char)(i * 7 + (i >> 9));
    size_t max_pending = 0, total = 0;
    mw_b64_decoder dec;
    mw_b64_decoder_init(&dec, 0);
    for (int round = 0; round < 64; round++) {
        const char *p = chunk;
        size_t n = sizeof chunk;
        while (n > 0) {
            size_t used;
            assert_int_equal(mw_builder_write(b, p, n, &used), MW_OK);
            p += used;
            n -= used;
            size_t len;
            mw_builder_output(b, &len);
            if (len > max_pending)
                max_pending = len;
            total += len;
            mw_builder_output_done(b, len);
        }
    }
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_true(max_pending <
                MW_BUILD_SOFT_OUTPUT + 4 * MW_BUILD_WINDOW_DEFAULT);
    assert_true(total > 4u * 1024 * 1024 * 4 / 3);
    mw_builder_free(b);
}

/* Chunking equivalence: content fed whole, byte by byte or split at every
 * offset gives the same message. */
typedef struct chunk_state {
    mw_builder *b;
    uint32_t flags;
} chunk_state;

static void *chunk_create(const void *cfg)
{
    const char *type = cfg;
    chunk_state *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->b = new_builder(0);
    add_from(s->b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = type;
    assert_int_equal(mw_builder_begin_multipart(s->b, "mixed", NULL), MW_OK);
    assert_int_equal(mw_builder_begin_part(s->b, &d), MW_OK);
    return s;
}

static void chunk_drain(mw_builder *b, mw_buf *log)
{
    size_t len;
    const char *p = mw_builder_output(b, &len);
    mw_buf_append(log, p, len);
    mw_builder_output_done(b, len);
}

static mw_status chunk_update(void *state, const char *in, size_t len,
                              mw_buf *log)
{
    chunk_state *s = state;
    while (len > 0) {
        size_t used;
        mw_status st = mw_builder_write(s->b, in, len, &used);
        if (st != MW_OK)
            return st;
        in += used;
        len -= used;
        chunk_drain(s->b, log);
    }
    return MW_OK;
}

static mw_status chunk_finish(void *state, mw_buf *log)
{
    chunk_state *s = state;
    mw_status st = mw_builder_end_part(s->b);
    if (st == MW_OK)
        st = mw_builder_end_multipart(s->b);
    if (st == MW_OK)
        st = mw_builder_finish(s->b);
    chunk_drain(s->b, log);
    return st;
}

static void chunk_destroy(void *state)
{
    chunk_state *s = state;
    mw_builder_free(s->b);
    free(s);
}

static void test_chunking_equivalence(void **state)
{
    (void)state;
    static const mwt_stream_ops ops = {chunk_create, chunk_update, chunk_finish,
                                       chunk_destroy};
    static const char text[] = "Line one\nline two\r\nFrom here\n.\n--=_x\r"
                               "\ncaf\xc3\xa9 \t\nlast";
    mw_buf whole;
    mw_buf_init_growable(&whole, NULL, 0);
    mwt_check_chunking(&ops, "text/plain", text, sizeof text - 1, &whole);
    mw_buf_clear(&whole);
    mwt_check_chunking(&ops, "image/png", text, sizeof text - 1, &whole);
    mw_buf_free(&whole);
}

static int failalloc_scenario(const mw_allocator *a, void *ud)
{
    (void)ud;
    mw_builder *b = NULL;
    mw_builder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.window = 64;
    if (mw_builder_new(&cfg, a, &b) != MW_OK)
        return 0;
    mw_status st =
        mw_builder_add_address(b, MW_BUILD_FROM, "Zoë", 4, "z@example.org", 13);
    if (st == MW_OK)
        st = mw_builder_add_address(b, MW_BUILD_TO, NULL, 0, "t@example.org",
                                    13);
    if (st == MW_OK)
        st = mw_builder_set_subject(b, "Grüße", 7);
    if (st == MW_OK)
        st = mw_builder_add_header(b, "X-A", 3, "b", 1);
    if (st == MW_OK)
        st = mw_builder_begin_multipart(b, "mixed", NULL);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.filename = "ü.txt";
    d.filename_len = 6;
    if (st == MW_OK)
        st = mw_builder_begin_part(b, &d);
    char content[300];
    memset(content, 'x', sizeof content);
    size_t used = 0;
    if (st == MW_OK)
        st = mw_builder_write(b, content, sizeof content, &used);
    if (st == MW_OK)
        st = mw_builder_end_part(b);
    if (st == MW_OK)
        st = mw_builder_end_multipart(b);
    if (st == MW_OK)
        st = mw_builder_finish(b);
    mw_builder_free(b);
    return st == MW_OK || st == MW_E_NOMEM ? 0 : 1;
}

static void test_failalloc(void **state)
{
    (void)state;
    mwt_failalloc_sweep(failalloc_scenario, NULL);
}

/* Round trips through mailwire's MIME parser over seeded random specs. */
static void test_roundtrip_seeded(void **state)
{
    (void)state;
    uint64_t x = 0x1234567u;
    static uint8_t buf[4096];
    for (int i = 0; i < 600; i++) {
        size_t len = 64 + (size_t)(i * 37 % 4000);
        for (size_t k = 0; k < len; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            buf[k] = (uint8_t)(x >> 56);
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
}

static void test_long_filename_2231(void **state)
{
    (void)state;
    mw_builder *b = new_builder(0);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = "application/pdf";
    d.disposition = MW_BUILD_DISP_ATTACHMENT;
    static const char name[] =
        "日本語のファイル名がとても長い場合にはどうなるのでしょうか.pdf";
    d.filename = name;
    d.filename_len = sizeof name - 1;
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    drain_all(b, &out);
    assert_int_equal(mw_buf_append_byte(&out, 0), MW_OK);
    const char *v = strstr(out.data, "Content-Disposition: ");
    assert_non_null(v);
    assert_non_null(strstr(v, "filename*0*=utf-8''"));
    assert_non_null(strstr(v, "filename*1*="));
    const char *end = strstr(v, "\r\nContent-Transfer");
    assert_non_null(end);
    mw_buf fn;
    mw_buf_init_growable(&fn, NULL, 0);
    assert_int_equal(mw_mime_param_get(v + 21, (size_t)(end - v - 21),
                                       "filename", NULL, &fn, NULL),
                     MW_OK);
    mwt_assert_bytes("filename", fn.data, fn.len, name, sizeof name - 1);
    mw_buf_free(&fn);
    mw_buf_free(&out);
    mw_builder_free(b);
}

static void test_smtputf8_raw_headers(void **state)
{
    (void)state;
    mw_builder *b = new_builder(MW_BUILD_SMTPUTF8);
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_FROM, "Zoë", 4,
                                            "zoë@example.org", 16),
                     MW_OK);
    assert_int_equal(mw_builder_set_subject(b, "Grüße", 7), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    drain_all(b, &out);
    static const char want[] = "From: Zoë <zoë@example.org>\r\n"
                               "Subject: Grüße\r\n\r\n";
    mwt_assert_bytes("smtputf8", out.data, out.len, want, sizeof want - 1);
    mw_buf_free(&out);
    mw_builder_free(b);
    /* Without SMTPUTF8 a non-ASCII address cannot be written. */
    b = new_builder(0);
    assert_int_equal(mw_builder_add_address(b, MW_BUILD_FROM, NULL, 0,
                                            "zoë@example.org", 16),
                     MW_E_ENCODING);
    mw_builder_free(b);
}

/* A top-level QP leaf whose last line is full still ends with a soft
 * break that fits in 76 columns, and decodes to the exact content. */
static void test_qp_final_line_split(void **state)
{
    (void)state;
    for (size_t len = 70; len < 80; len++) {
        char content[160];
        memset(content, 'a', len);
        memcpy(content + len - 3, "\xc3\xa9=", 3);
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        assert_int_equal(leaf_encoding(0, NULL, content, len, 0, &out),
                         MW_BUILD_CTE_QP);
        const char *body = NULL;
        for (size_t i = 0; i + 4 <= out.len; i++)
            if (memcmp(out.data + i, "\r\n\r\n", 4) == 0) {
                body = out.data + i + 4;
                break;
            }
        assert_non_null(body);
        size_t body_len = out.len - (size_t)(body - out.data);
        size_t col = 0;
        for (size_t i = 0; i < body_len; i++) {
            col = body[i] == '\n' ? 0 : col + (body[i] != '\r');
            assert_true(col <= 76);
        }
        mw_qp_decoder dec;
        mw_qp_decoder_init(&dec, 0);
        mw_buf plain;
        mw_buf_init_growable(&plain, NULL, 0);
        assert_int_equal(mw_qp_decode_update(&dec, body, body_len, &plain),
                         MW_OK);
        assert_int_equal(mw_qp_decode_final(&dec, &plain), MW_OK);
        assert_int_equal(mw_qp_decoder_defects(&dec), 0);
        mwt_assert_bytes("qp content", plain.data, plain.len, content, len);
        mw_buf_free(&plain);
        mw_buf_free(&out);
    }
}

typedef struct mem_source {
    const char *p;
    size_t left;
} mem_source;

static mw_status mem_read(void *ud, char *buf, size_t cap, size_t *n_out)
{
    mem_source *s = ud;
    size_t n = s->left < 100 ? s->left : 100;
    if (n > cap)
        n = cap;
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    *n_out = n;
    return n ? MW_OK : MW_DONE;
}

/* Content pulled through a read callback equals content pushed. */
static void test_write_from_callback(void **state)
{
    (void)state;
    static char content[100000];
    for (size_t i = 0; i < sizeof content; i++)
        content[i] = (char)(i % 251);
    mw_buf pushed, pulled;
    mw_buf_init_growable(&pushed, NULL, 0);
    mw_buf_init_growable(&pulled, NULL, 0);
    leaf_encoding(0, "application/zip", content, sizeof content, 0, &pushed);
    mw_builder *b = new_builder(0);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = "application/zip";
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    mem_source src = {content, sizeof content};
    mw_status st;
    while ((st = mw_builder_write_from(b, mem_read, &src)) == MW_OK)
        drain_all(b, &pulled);
    assert_int_equal(st, MW_DONE);
    assert_int_equal(mw_builder_end_part(b), MW_OK);
    assert_int_equal(mw_builder_finish(b), MW_OK);
    drain_all(b, &pulled);
    mwt_assert_bytes("write_from", pulled.data, pulled.len, pushed.data,
                     pushed.len);
    mw_buf_free(&pushed);
    mw_buf_free(&pulled);
    mw_builder_free(b);
}

/* message/rfc822 is never base64 or QP (RFC 2046 5.2.1): 8-bit content
 * needs 8BITMIME. */
static void test_message_rfc822_part(void **state)
{
    (void)state;
    static const char inner[] = "Subject: caf\xc3\xa9\n\nbody\n";
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    assert_int_equal(leaf_encoding(MW_BUILD_8BITMIME, "message/rfc822", inner,
                                   sizeof inner - 1, 0, &out),
                     MW_BUILD_CTE_8BIT);
    assert_int_equal(mw_buf_append_byte(&out, 0), MW_OK);
    assert_non_null(strstr(out.data, "\r\n\r\nSubject: caf\xc3\xa9\r\n\r\n"
                                     "body\r\n"));
    mw_buf_free(&out);
    mw_builder *b = new_builder(0);
    add_from(b);
    mw_build_part d;
    memset(&d, 0, sizeof d);
    d.content_type = "message/rfc822";
    assert_int_equal(mw_builder_begin_part(b, &d), MW_OK);
    size_t used;
    assert_int_equal(mw_builder_write(b, inner, sizeof inner - 1, &used),
                     MW_OK);
    assert_int_equal(mw_builder_end_part(b), MW_E_ENCODING);
    mw_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_text),
        cmocka_unit_test(test_golden_multipart),
        cmocka_unit_test(test_boundary_from_randomness),
        cmocka_unit_test(test_encoding_choice),
        cmocka_unit_test(test_forced_7bit_refuses_8bit),
        cmocka_unit_test(test_identity_content_with_delimiter),
        cmocka_unit_test(test_cpython_87290_crlf_in_every_field),
        cmocka_unit_test(test_cve_2024_6923_header_injection),
        cmocka_unit_test(test_mimekit_ghsa_g7hc_96xr_gvvx_quoted_local_part),
        cmocka_unit_test(test_bcc_envelope_only),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_custom_header_names),
        cmocka_unit_test(test_state_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_streaming_constant_memory),
        cmocka_unit_test(test_chunking_equivalence),
        cmocka_unit_test(test_failalloc),
        cmocka_unit_test(test_roundtrip_seeded),
        cmocka_unit_test(test_long_filename_2231),
        cmocka_unit_test(test_smtputf8_raw_headers),
        cmocka_unit_test(test_qp_final_line_split),
        cmocka_unit_test(test_write_from_callback),
        cmocka_unit_test(test_message_rfc822_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
