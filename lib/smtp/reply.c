/* SMTP replies (RFC 5321 section 4.2) with RFC 3463 enhanced status
 * codes (RFC 2034): an incremental multi-line reply assembler fed one line
 * at a time, and the reply writer. */
#include <string.h>

#include "smtp_int.h"

/* Longest enhanced code: "5.999.999". */
#define ENH_TEXT_MAX 9u
/* RFC 5321 4.5.3.1.5: a reply line is at most 512 bytes with CRLF. */
#define REPLY_LINE_MAX 512u

struct mw_smtp_reply_parser {
    const mw_allocator *allocator; /* NULL when placed in caller memory */
    size_t alloc_size;
    int owned;
    mwi_smtp_cfg cfg;
    mw_span *lines;
    char *text;
    uint32_t n_lines;
    size_t text_len;
    uint16_t code;
    uint16_t has_enhanced;
    mw_smtp_enhanced enhanced;
    char enh_text[ENH_TEXT_MAX];
    size_t enh_len;
    int complete;
};

/* ------------------------------------------------------------------ */
/* Enhanced status codes                                               */
/* ------------------------------------------------------------------ */

static size_t read_number(const char *p, size_t n, size_t i, uint16_t *out)
{
    size_t start = i;
    unsigned v = 0;
    while (i < n && i - start < 3 && mwi_is_digit((unsigned char)p[i]))
        v = v * 10 + (unsigned)(p[i++] - '0');
    *out = (uint16_t)v;
    return i - start;
}

/* Length of an enhanced code at the start of \p p whose class is the
 * reply code's first digit \p cls, followed by a space or the end; 0 when
 * there is none. */
static size_t enhanced_at(const char *p, size_t n, char cls,
                          mw_smtp_enhanced *out)
{
    if (n < 5 || p[0] != cls || p[1] != '.' ||
        (cls != '2' && cls != '4' && cls != '5'))
        return 0;
    size_t i = 2, k = read_number(p, n, i, &out->subject);
    if (k == 0 || i + k >= n || p[i + k] != '.')
        return 0;
    i += k + 1;
    k = read_number(p, n, i, &out->detail);
    if (k == 0)
        return 0;
    i += k;
    if (i < n && p[i] != ' ')
        return 0;
    out->cls = (uint16_t)(cls - '0');
    return i;
}

/* ------------------------------------------------------------------ */
/* Parser object                                                       */
/* ------------------------------------------------------------------ */

static size_t layout_size(const mwi_smtp_cfg *c)
{
    size_t head = mwi_align_up(sizeof(mw_smtp_reply_parser));
    if (c->reply_lines_max > (SIZE_MAX - head) / sizeof(mw_span))
        return SIZE_MAX;
    size_t lines = (size_t)c->reply_lines_max * sizeof(mw_span);
    if (c->reply_text_max > SIZE_MAX - head - lines)
        return SIZE_MAX;
    return head + lines + c->reply_text_max;
}

size_t mw_smtp_reply_parser_sizeof(const mw_smtp_codec_config *cfg)
{
    mwi_smtp_cfg c;
    mwi_smtp_cfg_resolve(cfg, &c);
    return layout_size(&c);
}

static void place(mw_smtp_reply_parser *p, const mwi_smtp_cfg *c)
{
    memset(p, 0, sizeof(*p));
    p->cfg = *c;
    char *base = (char *)p + mwi_align_up(sizeof(*p));
    p->lines = (mw_span *)(void *)base;
    p->text = base + (size_t)c->reply_lines_max * sizeof(mw_span);
}

mw_status mw_smtp_reply_parser_new(const mw_smtp_codec_config *cfg,
                                   const mw_allocator *allocator,
                                   mw_smtp_reply_parser **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    mwi_smtp_cfg c;
    mwi_smtp_cfg_resolve(cfg, &c);
    size_t size = layout_size(&c);
    if (size == SIZE_MAX)
        return MW_E_NOMEM;
    mw_smtp_reply_parser *p = mwi_alloc(allocator, size);
    if (!p)
        return MW_E_NOMEM;
    place(p, &c);
    p->allocator = allocator;
    p->alloc_size = size;
    p->owned = 1;
    *out = p;
    return MW_OK;
}

mw_status mw_smtp_reply_parser_init_in(void *mem, size_t len,
                                       const mw_smtp_codec_config *cfg,
                                       mw_smtp_reply_parser **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    mwi_smtp_cfg c;
    mwi_smtp_cfg_resolve(cfg, &c);
    if (!mem || len < layout_size(&c) || !mwi_is_aligned(mem))
        return MW_E_ARG;
    place(mem, &c);
    *out = mem;
    return MW_OK;
}

void mw_smtp_reply_parser_free(mw_smtp_reply_parser *p)
{
    if (!p || !p->owned)
        return;
    mwi_free(p->allocator, p, p->alloc_size);
}

void mw_smtp_reply_parser_reset(mw_smtp_reply_parser *p)
{
    if (!p)
        return;
    p->n_lines = 0;
    p->text_len = 0;
    p->code = 0;
    p->has_enhanced = 0;
    memset(&p->enhanced, 0, sizeof(p->enhanced));
    p->enh_len = 0;
    p->complete = 0;
}

/* ------------------------------------------------------------------ */
/* Feeding lines                                                       */
/* ------------------------------------------------------------------ */

static mw_status check_code(const char *line, size_t len,
                            mw_smtp_parse_error *err)
{
    for (size_t i = 0; i < 3; i++)
        if (i >= len || !mwi_is_digit((unsigned char)line[i]))
            return mwi_smtp_fail(err, MW_SMTP_ERR_BAD_CODE, i);
    /* Only the first digit is checked against RFC 5321 (2 to 5); clients
     * must act on the first digit alone (section 4.2.1), so an odd second
     * digit is tolerated. */
    if (line[0] < '2' || line[0] > '5')
        return mwi_smtp_fail(err, MW_SMTP_ERR_BAD_CODE, 0);
    if (len > 3 && line[3] != '-' && line[3] != ' ')
        return mwi_smtp_fail(err, MW_SMTP_ERR_BAD_SEPARATOR, 3);
    return MW_OK;
}

static uint16_t code_value(const char *line)
{
    return (uint16_t)((line[0] - '0') * 100 + (line[1] - '0') * 10 +
                      (line[2] - '0'));
}

/* The text of a line without the enhanced code the first line set. */
static mw_span strip_enhanced(mw_smtp_reply_parser *p, const char *t, size_t n,
                              int first, uint16_t code)
{
    mw_span sp = {t, n};
    if (first) {
        mw_smtp_enhanced e;
        size_t k = enhanced_at(t, n, (char)('0' + code / 100), &e);
        if (k == 0)
            return sp;
        p->has_enhanced = 1;
        p->enhanced = e;
        p->enh_len = k;
        memcpy(p->enh_text, t, k);
    } else if (!p->has_enhanced || n < p->enh_len ||
               memcmp(t, p->enh_text, p->enh_len) != 0 ||
               (n > p->enh_len && t[p->enh_len] != ' ')) {
        return sp;
    }
    size_t skip = p->enh_len < n ? p->enh_len + 1 : p->enh_len;
    sp.ptr = t + skip;
    sp.len = n - skip;
    return sp;
}

static mw_status feed_line(mw_smtp_reply_parser *p, const char *line,
                           size_t len, uint32_t line_flags,
                           mw_smtp_parse_error *err)
{
    if (!(line_flags & MW_SMTP_LINE_CRLF) &&
        (p->cfg.flags & MW_SMTP_CODEC_STRICT_CRLF))
        return mwi_smtp_fail(err, MW_SMTP_ERR_NO_CRLF, len);
    if (len > p->cfg.reply_line_max - 2)
        return mwi_smtp_fail(err, MW_SMTP_ERR_REPLY_LINE_TOO_LONG,
                             p->cfg.reply_line_max - 2);
    size_t bad = mwi_find_ctl(line, len);
    if (bad < len)
        return mwi_smtp_fail(err, MW_SMTP_ERR_CTL, bad);
    mw_status st = check_code(line, len, err);
    if (st != MW_OK)
        return st;
    uint16_t code = code_value(line);
    int first = p->n_lines == 0;
    if (!first && code != p->code)
        return mwi_smtp_fail(err, MW_SMTP_ERR_CODE_MISMATCH, 0);
    if (p->n_lines >= p->cfg.reply_lines_max)
        return mwi_smtp_fail(err, MW_SMTP_ERR_REPLY_TOO_MANY_LINES, 0);
    /* "250" alone is a final line with no text (the textstring is
     * optional in the grammar of section 4.2). */
    size_t tstart = len > 3 ? 4 : 3;
    mw_span text = strip_enhanced(p, line + tstart, len - tstart, first, code);
    if (text.len > p->cfg.reply_text_max - p->text_len)
        return mwi_smtp_fail(err, MW_SMTP_ERR_REPLY_TOO_LONG,
                             (size_t)(text.ptr - line) +
                                 (p->cfg.reply_text_max - p->text_len));
    char *dst = p->text + p->text_len;
    if (text.len)
        memcpy(dst, text.ptr, text.len);
    p->lines[p->n_lines].ptr = dst;
    p->lines[p->n_lines].len = text.len;
    p->n_lines++;
    p->text_len += text.len;
    p->code = code;
    if (len > 3 && line[3] == '-')
        return MW_NEED_MORE;
    p->complete = 1;
    return MW_OK;
}

mw_status mw_smtp_reply_parser_feed(mw_smtp_reply_parser *p, const char *line,
                                    size_t len, uint32_t line_flags,
                                    mw_smtp_parse_error *err_out)
{
    if (!p || (!line && len))
        return MW_E_ARG;
    if (err_out)
        (void)mwi_smtp_fail(err_out, MW_SMTP_ERR_NONE, 0);
    if (p->complete)
        mw_smtp_reply_parser_reset(p);
    mw_status st = feed_line(p, line ? line : "", len, line_flags, err_out);
    if (st < 0)
        mw_smtp_reply_parser_reset(p);
    return st;
}

mw_status mw_smtp_reply_parser_get(const mw_smtp_reply_parser *p,
                                   mw_smtp_reply *out)
{
    if (!p || !out)
        return MW_E_ARG;
    if (!p->complete)
        return MW_E_STATE;
    memset(out, 0, sizeof(*out));
    out->code = p->code;
    out->has_enhanced = p->has_enhanced;
    out->enhanced = p->enhanced;
    out->n_lines = p->n_lines;
    out->lines = p->lines;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static size_t format_enhanced(const mw_smtp_enhanced *e, char *buf)
{
    size_t n = 0;
    uint16_t parts[3] = {e->cls, e->subject, e->detail};
    for (int i = 0; i < 3; i++) {
        char tmp[3];
        size_t k = 0;
        unsigned v = parts[i];
        do {
            tmp[k++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        if (i > 0)
            buf[n++] = '.';
        while (k)
            buf[n++] = tmp[--k];
    }
    return n;
}

static void sink_line(mwi_sink *s, uint32_t code, int last, mw_span enh,
                      mw_span head, mw_span tail)
{
    char c[4] = {(char)('0' + code / 100), (char)('0' + code / 10 % 10),
                 (char)('0' + code % 10), last ? ' ' : '-'};
    /* A final line without text is "NNN" alone; a continuation keeps its
     * '-' or it would read as the end of the reply. */
    int bare = last && enh.len == 0 && head.len == 0 && tail.len == 0;
    mwi_sink_put(s, c, bare ? 3 : 4);
    mwi_sink_span(s, enh);
    if (enh.len && (head.len || tail.len))
        mwi_sink_put(s, " ", 1);
    mwi_sink_span(s, head);
    if (tail.len) {
        mwi_sink_put(s, " ", 1);
        mwi_sink_span(s, tail);
    }
    mwi_sink_put(s, "\r\n", 2);
}

/* Splits \p text so that \p room bytes fit on one line: at the last space
 * that fits, else between UTF-8 characters. Returns the length of the
 * chunk and sets *skip to the separator bytes dropped after it. */
static size_t chunk_len(const char *t, size_t n, size_t room, size_t *skip)
{
    *skip = 0;
    if (n <= room)
        return n;
    for (size_t k = room; k > 0; k--) {
        if (t[k] == ' ') {
            *skip = 1;
            return k;
        }
    }
    size_t k = room;
    while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
        k--;
    return k ? k : room;
}

static void sink_wrapped(mwi_sink *s, uint32_t code, mw_span enh,
                         const mw_span *lines, size_t n_lines)
{
    static const mw_span none = {"", 0};
    size_t room = REPLY_LINE_MAX - 6 - (enh.len ? enh.len + 1 : 0);
    size_t count = n_lines ? n_lines : 1;
    for (size_t i = 0; i < count; i++) {
        mw_span rest = n_lines ? lines[i] : none;
        do {
            size_t skip;
            size_t k = chunk_len(rest.ptr, rest.len, room, &skip);
            mw_span part = {rest.ptr, k};
            rest.ptr += k + skip;
            rest.len -= k + skip;
            sink_line(s, code, i + 1 == count && rest.len == 0, enh, part,
                      none);
        } while (rest.len > 0);
    }
}

static int code_ok(uint32_t code)
{
    return code >= 200 && code <= 599;
}

static mw_status check_lines(const mw_span *lines, size_t n)
{
    if (n && !lines)
        return MW_E_ARG;
    for (size_t i = 0; i < n; i++) {
        if (lines[i].len && !lines[i].ptr)
            return MW_E_ARG;
        if (mwi_find_ctl(lines[i].ptr, lines[i].len) < lines[i].len)
            return MW_E_CRLF;
    }
    return MW_OK;
}

mw_status mw_smtp_reply_write(uint32_t code, const mw_smtp_enhanced *enhanced,
                              const mw_span *lines, size_t n_lines, mw_buf *out)
{
    if (!out || !code_ok(code))
        return MW_E_ARG;
    char enh_buf[16];
    mw_span enh = {enh_buf, 0};
    if (enhanced) {
        if (enhanced->cls != code / 100 || enhanced->subject > 999 ||
            enhanced->detail > 999)
            return MW_E_ARG;
        enh.len = format_enhanced(enhanced, enh_buf);
    }
    mw_status st = check_lines(lines, n_lines);
    if (st != MW_OK)
        return st;
    mwi_sink s = {NULL, 0};
    sink_wrapped(&s, code, enh, lines, n_lines);
    st = mw_buf_reserve(out, s.n);
    if (st != MW_OK)
        return st;
    s.out = out;
    sink_wrapped(&s, code, enh, lines, n_lines);
    return MW_OK;
}

static void sink_pairs(mwi_sink *s, uint32_t code, const mw_span *pairs,
                       size_t n)
{
    static const mw_span none = {"", 0};
    for (size_t i = 0; i < n; i++)
        sink_line(s, code, i + 1 == n, none, pairs[2 * i], pairs[2 * i + 1]);
}

mw_status mwi_smtp_reply_write_pairs(uint32_t code, const mw_span *pairs,
                                     size_t n_lines, mw_buf *out)
{
    if (!code_ok(code) || n_lines == 0)
        return MW_E_ARG;
    mw_status st = check_lines(pairs, 2 * n_lines);
    if (st != MW_OK)
        return st;
    static const mw_span none = {"", 0};
    for (size_t i = 0; i < n_lines; i++) {
        mwi_sink one = {NULL, 0};
        sink_line(&one, code, 1, none, pairs[2 * i], pairs[2 * i + 1]);
        if (one.n > REPLY_LINE_MAX)
            return MW_E_ARG;
    }
    mwi_sink s = {NULL, 0};
    sink_pairs(&s, code, pairs, n_lines);
    st = mw_buf_reserve(out, s.n);
    if (st != MW_OK)
        return st;
    s.out = out;
    sink_pairs(&s, code, pairs, n_lines);
    return MW_OK;
}

size_t mwi_smtp_enhanced_len(const char *p, size_t n, char cls)
{
    mw_smtp_enhanced e;
    return enhanced_at(p, n, cls, &e);
}
