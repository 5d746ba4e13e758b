/* SMTP reply parser on arbitrary lines (the input split at CRLF; a last
 * piece without CRLF is fed as a bare-LF line): no crash, every complete
 * reply is well formed, writes back, and when no line had to be wrapped
 * re-parses equal. Every 2xx reply also goes through the EHLO
 * capabilities parser, whose writer's output (when it accepts the value)
 * must parse back to the same capabilities.
 *
 * Input: [config: bit 0 strict CRLF, bits 1..3 max lines (0 = default),
 * bit 4 small text limit] [bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/smtp.h"

static int spans_equal(mw_span a, mw_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Feed CRLF lines of \p buf to a fresh parser; returns the final status. */
static mw_status reparse(const char *buf, size_t n, mw_smtp_reply_parser **p,
                         mw_smtp_reply *r)
{
    /* Generous limits: wrapping and the AUTH= line may add lines. */
    mw_smtp_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.reply_lines_max = 256;
    cfg.reply_text_max = 65536;
    FUZZ_CHECK(mw_smtp_reply_parser_new(&cfg, NULL, p) == MW_OK);
    mw_status st = MW_NEED_MORE;
    size_t start = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (buf[i] != '\r' || buf[i + 1] != '\n')
            continue;
        FUZZ_CHECK(st == MW_NEED_MORE);
        st = mw_smtp_reply_parser_feed(*p, buf + start, i - start,
                                       MW_SMTP_LINE_CRLF, NULL);
        start = i + 2;
        i++;
    }
    FUZZ_CHECK(start == n);
    if (st == MW_OK)
        FUZZ_CHECK(mw_smtp_reply_parser_get(*p, r) == MW_OK);
    return st;
}

static void check_caps(const mw_smtp_reply *r)
{
    mw_smtp_caps caps, back;
    FUZZ_CHECK(mw_smtp_caps_parse(r, &caps) == MW_OK);
    FUZZ_CHECK(caps.n_mechs <= MW_SMTP_CAPS_MECHS_MAX);
    FUZZ_CHECK(caps.n_ext <= MW_SMTP_CAPS_EXT_MAX);
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_smtp_caps_write(&caps, &out);
    if (st != MW_OK) {
        FUZZ_CHECK(st == MW_E_ARG && out.len == 0);
        mw_buf_free(&out);
        return;
    }
    mw_smtp_reply_parser *p;
    mw_smtp_reply r2;
    FUZZ_CHECK(reparse(out.data, out.len, &p, &r2) == MW_OK);
    FUZZ_CHECK(mw_smtp_caps_parse(&r2, &back) == MW_OK);
    FUZZ_CHECK(back.flags == caps.flags && back.auth == caps.auth);
    FUZZ_CHECK(back.size_max == caps.size_max);
    FUZZ_CHECK(spans_equal(back.domain, caps.domain));
    FUZZ_CHECK(spans_equal(back.greeting, caps.greeting));
    FUZZ_CHECK(back.n_mechs == caps.n_mechs && back.n_ext == caps.n_ext);
    for (uint32_t i = 0; i < caps.n_mechs; i++)
        FUZZ_CHECK(spans_equal(back.mechs[i], caps.mechs[i]));
    for (uint32_t i = 0; i < caps.n_ext; i++)
        FUZZ_CHECK(spans_equal(back.ext[i].keyword, caps.ext[i].keyword) &&
                   spans_equal(back.ext[i].params, caps.ext[i].params));
    mw_smtp_reply_parser_free(p);
    mw_buf_free(&out);
}

static void check_reply(const mw_smtp_reply *r)
{
    FUZZ_CHECK(r->code >= 200 && r->code <= 599 && r->n_lines >= 1);
    size_t overhead = 4 + 2;
    if (r->has_enhanced) {
        FUZZ_CHECK(r->enhanced.cls == r->code / 100);
        overhead += 10; /* at most "5.999.999 " */
    }
    int fits = 1;
    for (uint32_t i = 0; i < r->n_lines; i++)
        if (r->lines[i].len + overhead > 512)
            fits = 0;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_smtp_reply_write(r->code,
                                   r->has_enhanced ? &r->enhanced : NULL,
                                   r->lines, r->n_lines, &out) == MW_OK);
    mw_smtp_reply_parser *p;
    mw_smtp_reply r2;
    FUZZ_CHECK(reparse(out.data, out.len, &p, &r2) == MW_OK);
    if (fits) {
        FUZZ_CHECK(r2.code == r->code && r2.n_lines == r->n_lines);
        FUZZ_CHECK(r2.has_enhanced == r->has_enhanced);
        if (r->has_enhanced)
            FUZZ_CHECK(r2.enhanced.subject == r->enhanced.subject &&
                       r2.enhanced.detail == r->enhanced.detail);
        for (uint32_t i = 0; i < r->n_lines; i++)
            FUZZ_CHECK(spans_equal(r->lines[i], r2.lines[i]));
    }
    mw_smtp_reply_parser_free(p);
    mw_buf_free(&out);
    if (r->code / 100 == 2)
        check_caps(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t config = data[0];
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    mw_smtp_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    if (config & 1)
        cfg.flags |= MW_SMTP_CODEC_STRICT_CRLF;
    cfg.reply_lines_max = (uint32_t)((config >> 1) & 7);
    if (config & 16)
        cfg.reply_text_max = 64;
    mw_smtp_reply_parser *p;
    FUZZ_CHECK(mw_smtp_reply_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t start = 0;
    while (start < n) {
        size_t end = start;
        while (end + 1 < n && !(in[end] == '\r' && in[end + 1] == '\n'))
            end++;
        int crlf = end + 1 < n;
        if (!crlf)
            end = n;
        mw_smtp_parse_error err;
        mw_status st = mw_smtp_reply_parser_feed(
            p, in + start, end - start, crlf ? MW_SMTP_LINE_CRLF : 0, &err);
        if (st == MW_OK) {
            mw_smtp_reply r;
            FUZZ_CHECK(mw_smtp_reply_parser_get(p, &r) == MW_OK);
            check_reply(&r);
        } else if (st != MW_NEED_MORE) {
            FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
            FUZZ_CHECK(err.offset <= end - start);
        }
        start = crlf ? end + 2 : end;
    }
    mw_smtp_reply_parser_free(p);
    return 0;
}
