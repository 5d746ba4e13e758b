/* Message builder: object lifecycle, part tree, content encoding and the
 * pull-style output. Header fields are in build_hdr.c. */
#include <string.h>

#include "build_int.h"

static mw_status start_body(mw_builder *b);

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */
/* ------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* 16 boundary characters from the caller's random bytes. */
static void derive_seed(char seed[16], const uint8_t *r, size_t len)
{
    static const char alphabet[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t state = 0x6D61696C77697265ull; /* "mailwire" */
    for (size_t i = 0; i < len; i++) {
        state ^= r[i];
        (void)splitmix64(&state);
        state = (state << 8) | (state >> 56);
    }
    for (size_t i = 0; i < 16; i++)
        seed[i] = alphabet[splitmix64(&state) % 62u];
}

static void free_buffers(mw_builder *b)
{
    mw_buf_free(&b->out);
    for (int i = 0; i < MWI_SLOT_COUNT; i++)
        mw_buf_free(&b->slots[i]);
    mw_buf_free(&b->rcpt);
    mw_buf_free(&b->tmp);
    mw_buf_free(&b->part_hdr);
    mwi_free(b->a, b->stack, sizeof(mwi_frame) * b->depth_max);
    mwi_free(b->a, b->win, b->win_cap);
    mwi_free(b->a, b->norm, 2u * MWI_BUILD_STEP);
    mwi_free(b->a, b->rbuf, MWI_BUILD_STEP);
}

static mw_status read_config(const mw_builder_config *cfg, mw_builder *b,
                             mw_limits *lim)
{
    mw_builder_config c;
    memset(&c, 0, sizeof c);
    if (cfg) {
        size_t n = cfg->size < sizeof c ? cfg->size : sizeof c;
        if (n < sizeof(uint32_t))
            return MW_E_ARG;
        memcpy(&c, cfg, n);
    }
    if (c.flags & ~(MW_BUILD_8BITMIME | MW_BUILD_SMTPUTF8))
        return MW_E_ARG;
    if (c.random_len > 0 && !c.random)
        return MW_E_ARG;
    if (c.window != 0 && (c.window < 64 || c.window > (1u << 24)))
        return MW_E_ARG;
    mw_limits_resolve(c.limits, lim);
    b->flags = c.flags;
    b->win_cap = c.window ? c.window : MW_BUILD_WINDOW_DEFAULT;
    derive_seed(b->seed, c.random, c.random_len);
    return MW_OK;
}

mw_status mw_builder_new(const mw_builder_config *cfg, const mw_allocator *a,
                         mw_builder **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    mw_builder *b = mwi_calloc(a, sizeof *b);
    if (!b)
        return MW_E_NOMEM;
    b->a = a;
    mw_limits lim;
    mw_status st = read_config(cfg, b, &lim);
    if (st != MW_OK) {
        mwi_free(a, b, sizeof *b);
        return st;
    }
    b->depth_max = lim.mime_depth_max > 1000 ? 1000 : lim.mime_depth_max;
    b->parts_max = lim.mime_parts_max;
    size_t out_max =
        lim.output_max > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)lim.output_max;
    mw_buf_init_growable(&b->out, a, out_max);
    for (int i = 0; i < MWI_SLOT_COUNT; i++)
        mw_buf_init_growable(&b->slots[i], a, out_max);
    mw_buf_init_growable(&b->rcpt, a, out_max);
    mw_buf_init_growable(&b->tmp, a, out_max);
    mw_buf_init_growable(&b->part_hdr, a, out_max);
    b->stack = mwi_alloc(a, sizeof(mwi_frame) * b->depth_max);
    b->win = mwi_alloc(a, b->win_cap);
    b->norm = mwi_alloc(a, 2u * MWI_BUILD_STEP);
    b->rbuf = mwi_alloc(a, MWI_BUILD_STEP);
    if (!b->stack || !b->win || !b->norm || !b->rbuf) {
        free_buffers(b);
        mwi_free(a, b, sizeof *b);
        return MW_E_NOMEM;
    }
    b->state = MWI_BS_HEADERS;
    b->last_lf = 1;
    *out = b;
    return MW_OK;
}

void mw_builder_free(mw_builder *b)
{
    if (!b)
        return;
    const mw_allocator *a = b->a;
    free_buffers(b);
    mwi_free(a, b, sizeof *b);
}

/* A fatal error: the output is incomplete, the builder unusable. */
static mw_status fail(mw_builder *b, mw_status st)
{
    if (st != MW_OK && b->state != MWI_BS_FAILED) {
        b->state = MWI_BS_FAILED;
        b->error = st;
    }
    return st;
}

/* Remember whether the output ends in LF after appending since before. */
static void note_tail(mw_builder *b, size_t before)
{
    if (b->out.len > before)
        b->last_lf = b->out.data[b->out.len - 1] == '\n';
}

static mw_status emit(mw_builder *b, const char *p, size_t n)
{
    size_t before = b->out.len;
    mw_status st = mw_buf_append(&b->out, p, n);
    note_tail(b, before);
    return st;
}

/*
 * A top-level quoted-printable leaf ends the message with a soft line
 * break, which must fit on its last line. Until the message is finished
 * the bytes after the last line break stay hidden from the caller, so
 * that finish can still split that line.
 */
static void update_hold(mw_builder *b)
{
    b->hold = 0;
    if (b->multiparts != 0 || b->enc != MW_BUILD_CTE_QP)
        return;
    size_t i = b->out.len;
    while (i > b->out_off && b->out.data[i - 1] != '\n')
        i--;
    b->hold = b->out.len - i;
}

/* Write the final soft break of a top-level quoted-printable leaf. */
static mw_status end_qp_message(mw_builder *b)
{
    size_t h = b->hold;
    b->hold = 0;
    if (h + 1 <= MW_QP_LINE_MAX)
        return emit(b, "=\r\n", 3);
    /* Move the last character or escape to a line of its own. */
    char *line = b->out.data + b->out.len - h;
    size_t unit = h >= 3 && line[h - 3] == '=' ? 3u : 1u;
    char tail[3];
    memcpy(tail, line + h - unit, unit);
    mwi_out_truncate(&b->out, b->out.len - unit);
    mw_status st = emit(b, "=\r\n", 3);
    if (st == MW_OK)
        st = emit(b, tail, unit);
    if (st == MW_OK)
        st = emit(b, "=\r\n", 3);
    return st;
}

/* ------------------------------------------------------------------ */
/* Entities                                                            */
/* ------------------------------------------------------------------ */

static void make_boundary(const mw_builder *b, uint32_t index, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    out[0] = '=';
    out[1] = '_';
    memcpy(out + 2, b->seed, 16);
    out[18] = '_';
    for (int i = 0; i < 4; i++)
        out[19 + i] = hex[(index >> (12 - 4 * i)) & 0xFu];
}

/* Write what precedes a new entity: the message header when it is the
 * first, else the delimiter of the enclosing multipart. */
static mw_status enter_entity(mw_builder *b)
{
    if (b->state == MWI_BS_HEADERS) {
        if (b->parts_max == 0)
            return MW_E_LIMIT;
        mw_status st = mwi_build_flush_headers(b, 1);
        if (st != MW_OK)
            return st;
        b->state = MWI_BS_BODY;
        b->top_level = 1;
        b->parts = 1;
        return MW_OK;
    }
    if (b->state != MWI_BS_BODY || b->depth == 0)
        return MW_E_STATE;
    if (b->parts >= b->parts_max)
        return MW_E_LIMIT;
    mwi_frame *f = &b->stack[b->depth - 1];
    size_t before = b->out.len;
    mw_status st = MW_OK;
    if (f->children > 0)
        st = mw_buf_append(&b->out, "\r\n", 2);
    if (st == MW_OK)
        st = mw_buf_append(&b->out, "--", 2);
    if (st == MW_OK)
        st = mw_buf_append(&b->out, f->boundary, MWI_BOUNDARY_LEN);
    if (st == MW_OK)
        st = mw_buf_append(&b->out, "\r\n", 2);
    if (st != MW_OK) {
        mwi_out_truncate(&b->out, before);
        return st;
    }
    f->children++;
    b->parts++;
    b->top_level = 0;
    return MW_OK;
}

/* Whether a new entity may start now (a leaf would leave the builder
 * intact when refused for its state). */
static int can_begin(const mw_builder *b)
{
    if (b->state == MWI_BS_HEADERS)
        return 1;
    return b->state == MWI_BS_BODY && b->depth > 0;
}

/* RFC 2045 token characters. */
static int is_token_char(uint8_t c)
{
    return c > 0x20 && c < 0x7F && !strchr("()<>@,;:\\\"/[]?=", c);
}

static int is_token(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_token_char((uint8_t)s[i]))
            return 0;
    return 1;
}

/* "type/subtype" with two tokens. */
static int is_media_type(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash && is_token(s, (size_t)(slash - s)) &&
           is_token(slash + 1, strlen(slash + 1));
}

mw_status mw_builder_begin_multipart(mw_builder *b, const char *subtype,
                                     const char *related_type)
{
    if (!b || !subtype)
        return MW_E_ARG;
    if (!is_token(subtype, strlen(subtype)) ||
        (related_type && !is_media_type(related_type)))
        return MW_E_ARG;
    if (!can_begin(b))
        return MW_E_STATE;
    uint32_t depth = b->state == MWI_BS_HEADERS ? 0 : b->depth;
    if (depth >= b->depth_max || b->multiparts > 0xFFFFu)
        return MW_E_LIMIT;
    mw_status st = enter_entity(b); /* atomic: nothing written on error */
    if (st != MW_OK)
        return st;
    mwi_frame *f = &b->stack[b->depth];
    make_boundary(b, b->multiparts++, f->boundary);
    f->children = 0;
    mw_buf_clear(&b->tmp);
    st = mw_buf_append_str(&b->tmp, "multipart/");
    if (st == MW_OK)
        st = mw_buf_append_str(&b->tmp, subtype);
    if (st == MW_OK)
        st = mw_buf_append_str(&b->tmp, "; boundary=\"");
    if (st == MW_OK)
        st = mw_buf_append(&b->tmp, f->boundary, MWI_BOUNDARY_LEN);
    if (st == MW_OK)
        st = mw_buf_append_byte(&b->tmp, '"');
    if (st == MW_OK && related_type) {
        st = mw_buf_append_str(&b->tmp, "; type=\"");
        if (st == MW_OK)
            st = mw_buf_append_str(&b->tmp, related_type);
        if (st == MW_OK)
            st = mw_buf_append_byte(&b->tmp, '"');
    }
    if (st == MW_OK)
        st =
            mwi_build_fold(&b->out, "Content-Type", b->tmp.data, b->tmp.len, 1);
    if (st == MW_OK)
        st = emit(b, "\r\n", 2);
    if (st != MW_OK)
        return fail(b, st);
    b->depth++;
    b->state = MWI_BS_BODY;
    return MW_OK;
}

mw_status mw_builder_end_multipart(mw_builder *b)
{
    if (!b)
        return MW_E_ARG;
    if (b->state != MWI_BS_BODY || b->depth == 0 ||
        b->stack[b->depth - 1].children == 0)
        return MW_E_STATE;
    mwi_frame *f = &b->stack[b->depth - 1];
    mw_status st = emit(b, "\r\n--", 4);
    if (st == MW_OK)
        st = emit(b, f->boundary, MWI_BOUNDARY_LEN);
    if (st == MW_OK)
        st = emit(b, "--", 2);
    if (st != MW_OK)
        return fail(b, st);
    b->depth--;
    if (b->depth == 0)
        b->state = MWI_BS_TOP_DONE;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Leaf headers                                                        */
/* ------------------------------------------------------------------ */

/* RFC 2231 attribute-char: kept as is in an extended value. */
static int is_attr_char(uint8_t c)
{
    return is_token_char(c) && c != '*' && c != '\'' && c != '%';
}

/* A file name that can go in a plain quoted string. */
static int plain_filename(const char *s, size_t len)
{
    if (len > 60)
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
            return 0;
    }
    /* Readers decode encoded words even in quoted strings. */
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '=' && s[i + 1] == '?')
            return 0;
    return 1;
}

/* Append `; filename*0*=utf-8''...; filename*1*=...` (RFC 2231). Sections
 * end at UTF-8 character boundaries so each one decodes on its own. */
static mw_status append_2231(mw_buf *out, const char *name, const char *s,
                             size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t enc_len = 0;
    for (size_t i = 0; i < len; i++)
        enc_len += is_attr_char((uint8_t)s[i]) ? 1u : 3u;
    int sections = enc_len > 60;
    unsigned section = 0;
    size_t i = 0;
    mw_status st = MW_OK;
    while (st == MW_OK && (i < len || section == 0)) {
        char head[48];
        int n = 0;
        head[n++] = ';';
        head[n++] = ' ';
        for (const char *p = name; *p; p++)
            head[n++] = *p;
        if (sections) {
            head[n++] = '*';
            char digits[12];
            int nd = 0;
            unsigned v = section;
            do {
                digits[nd++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            while (nd)
                head[n++] = digits[--nd];
        }
        head[n++] = '*';
        head[n++] = '=';
        st = mw_buf_append(out, head, (size_t)n);
        if (st == MW_OK && section == 0)
            st = mw_buf_append_str(out, "utf-8''");
        size_t used = 0;
        while (st == MW_OK && i < len) {
            uint8_t c = (uint8_t)s[i];
            if (used >= 60 && (c & 0xC0u) != 0x80u)
                break;
            if (is_attr_char(c)) {
                st = mw_buf_append_byte(out, c);
                used++;
            } else {
                char e[3] = {'%', hex[c >> 4], hex[c & 0xFu]};
                st = mw_buf_append(out, e, 3);
                used += 3;
            }
            i++;
        }
        section++;
    }
    return st;
}

static mw_status disposition_value(mw_builder *b, const mw_build_part *p)
{
    mw_buf *t = &b->tmp;
    mw_buf_clear(t);
    mw_status st = mw_buf_append_str(
        t, p->disposition == MW_BUILD_DISP_INLINE ? "inline" : "attachment");
    if (st != MW_OK || p->filename_len == 0)
        return st;
    if (plain_filename(p->filename, p->filename_len)) {
        st = mw_buf_append_str(t, "; filename=\"");
        if (st == MW_OK)
            st = mw_buf_append(t, p->filename, p->filename_len);
        if (st == MW_OK)
            st = mw_buf_append_byte(t, '"');
        return st;
    }
    return append_2231(t, "filename", p->filename, p->filename_len);
}

static mw_status check_part(const mw_builder *b, const mw_build_part *p)
{
    if ((p->filename_len > 0 && !p->filename) ||
        (p->content_id_len > 0 && !p->content_id))
        return MW_E_ARG;
    if (mwi_build_has_crlf(p->filename, p->filename_len) ||
        mwi_build_has_crlf(p->content_id, p->content_id_len))
        return MW_E_CRLF;
    if (p->encoding > MW_BUILD_CTE_BASE64 ||
        p->disposition > MW_BUILD_DISP_ATTACHMENT)
        return MW_E_ARG;
    if (p->encoding == MW_BUILD_CTE_8BIT && !(b->flags & MW_BUILD_8BITMIME))
        return MW_E_ARG;
    if (p->content_type && !is_media_type(p->content_type))
        return MW_E_SYNTAX;
    if (p->charset && !is_token(p->charset, strlen(p->charset)))
        return MW_E_SYNTAX;
    if (p->filename_len > 0 &&
        !mw_utf8_is_valid(p->filename, p->filename_len, NULL))
        return MW_E_ENCODING;
    if (p->filename_len > 4096)
        return MW_E_LIMIT;
    return MW_OK;
}

static uint32_t kind_of(const char *type)
{
    size_t len = strlen(type);
    if (len > 5 && mwi_ieq(type, 5, "text/"))
        return MWI_KIND_TEXT;
    if (mwi_ieq(type, len, "message/rfc822") ||
        mwi_ieq(type, len, "message/global"))
        return MWI_KIND_MESSAGE;
    return MWI_KIND_OTHER;
}

/* Content-Type, Content-Disposition and Content-ID lines into part_hdr. */
static mw_status leaf_headers(mw_builder *b, const mw_build_part *p,
                              const char *type)
{
    mw_buf *h = &b->part_hdr;
    mw_buf_clear(h);
    mw_buf_clear(&b->tmp);
    mw_status st = mw_buf_append_str(&b->tmp, type);
    if (st == MW_OK && b->kind == MWI_KIND_TEXT) {
        st = mw_buf_append_str(&b->tmp, "; charset=");
        if (st == MW_OK)
            st = mw_buf_append_str(&b->tmp, p->charset ? p->charset : "utf-8");
    }
    if (st == MW_OK)
        st = mwi_build_fold(h, "Content-Type", b->tmp.data, b->tmp.len, 1);
    if (st == MW_OK &&
        (p->disposition != MW_BUILD_DISP_NONE || p->filename_len > 0)) {
        st = disposition_value(b, p);
        if (st == MW_OK)
            st = mwi_build_fold(h, "Content-Disposition", b->tmp.data,
                                b->tmp.len, 1);
    }
    if (st == MW_OK && p->content_id_len > 0) {
        mw_buf_clear(&b->tmp);
        st = mw_msgid_format(p->content_id, p->content_id_len, &b->tmp);
        if (st == MW_OK)
            st = mwi_build_fold(h, "Content-ID", b->tmp.data, b->tmp.len, 0);
    }
    return st;
}

static const char *cte_name(uint32_t enc)
{
    switch (enc) {
    case MW_BUILD_CTE_8BIT:
        return "8bit";
    case MW_BUILD_CTE_QP:
        return "quoted-printable";
    case MW_BUILD_CTE_BASE64:
        return "base64";
    default:
        return "7bit";
    }
}

mw_status mw_builder_begin_part(mw_builder *b, const mw_build_part *part)
{
    if (!b || !part)
        return MW_E_ARG;
    mw_status st = check_part(b, part);
    if (st != MW_OK)
        return st;
    const char *type = part->content_type ? part->content_type : "text/plain";
    uint32_t kind = kind_of(type);
    if (kind == MWI_KIND_MESSAGE && (part->encoding == MW_BUILD_CTE_QP ||
                                     part->encoding == MW_BUILD_CTE_BASE64))
        return MW_E_ARG; /* RFC 2046 5.2.1 */
    if (!can_begin(b))
        return MW_E_STATE;
    b->kind = kind;
    st = leaf_headers(b, part, type);
    if (st != MW_OK)
        return st == MW_E_NOSPACE ? MW_E_LIMIT : st;
    st = enter_entity(b);
    if (st != MW_OK)
        return st;
    b->enc = part->encoding;
    b->deciding = part->encoding == MW_BUILD_CTE_AUTO;
    b->win_len = 0;
    b->prev_cr = 0;
    memset(&b->scan, 0, sizeof b->scan);
    b->scan.ends_lf = 1;
    b->state = MWI_BS_LEAF;
    if (!b->deciding) {
        st = start_body(b);
        if (st != MW_OK)
            return fail(b, st);
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Content                                                             */
/* ------------------------------------------------------------------ */

static void scan_update(mwi_scan *s, const char *p, size_t n)
{
    static const char delim_prefix[] = "--=_";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        if (s->prev_cr && c != '\n')
            s->bare_cr++;
        s->prev_cr = c == '\r';
        if (c == 0)
            s->nul++;
        if (c >= 0x80)
            s->nonascii++;
        if (c == '\n') {
            s->line_len = 0;
            s->line_pos = 0;
            continue;
        }
        if (s->line_pos < 4 && c == (uint8_t)delim_prefix[s->line_pos]) {
            if (++s->line_pos == 4)
                s->delim_like = 1;
        } else
            s->line_pos = 5; /* no match possible on this line */
        if (c != '\r' && ++s->line_len > s->max_line)
            s->max_line = s->line_len;
    }
    s->total += n;
    if (n > 0)
        s->ends_lf = p[n - 1] == '\n';
}

/* The transfer encoding for the window's content (see build.h). */
static mw_status decide(mw_builder *b, int complete)
{
    mwi_scan *s = &b->scan;
    int eight = (b->flags & MW_BUILD_8BITMIME) != 0;
    if (s->prev_cr && complete)
        s->bare_cr++; /* the content ended in CR */
    if (b->kind == MWI_KIND_MESSAGE) {
        if (s->nonascii > 0 && !eight)
            return MW_E_ENCODING;
        /* Unseen content may hold 8-bit bytes: say 8bit when allowed. */
        b->enc = s->nonascii > 0 || (eight && !complete) ? MW_BUILD_CTE_8BIT
                                                         : MW_BUILD_CTE_7BIT;
        return MW_OK;
    }
    if (b->kind == MWI_KIND_OTHER) {
        b->enc = MW_BUILD_CTE_BASE64;
        return MW_OK;
    }
    int clean = s->nul == 0 && s->bare_cr == 0 && s->max_line <= MWI_LINE_MAX &&
                !s->delim_like;
    int exact_end = !b->top_level || s->total == 0 || s->ends_lf;
    if (complete && clean && exact_end) {
        if (s->nonascii == 0) {
            b->enc = MW_BUILD_CTE_7BIT;
            return MW_OK;
        }
        if (eight) {
            b->enc = MW_BUILD_CTE_8BIT;
            return MW_OK;
        }
    }
    if (s->nul == 0 && s->nonascii * 6 <= s->total)
        b->enc = MW_BUILD_CTE_QP;
    else
        b->enc = MW_BUILD_CTE_BASE64;
    return MW_OK;
}

static mw_status start_body(mw_builder *b)
{
    mw_status st = mw_buf_append(&b->out, b->part_hdr.data, b->part_hdr.len);
    if (st == MW_OK)
        st = mw_buf_append_str(&b->out, "Content-Transfer-Encoding: ");
    if (st == MW_OK)
        st = mw_buf_append_str(&b->out, cte_name(b->enc));
    if (st == MW_OK)
        st = emit(b, "\r\n\r\n", 4);
    memset(&b->ident, 0, sizeof b->ident);
    b->ident.allow_8bit = b->enc == MW_BUILD_CTE_8BIT;
    if (b->enc == MW_BUILD_CTE_BASE64)
        mw_b64_encoder_init(&b->b64, MW_B64_WRAP76);
    if (b->enc == MW_BUILD_CTE_QP)
        mw_qp_encoder_init(&b->qp,
                           b->kind == MWI_KIND_OTHER ? MW_QP_BINARY : 0u);
    return st;
}

/* Whether the line start held in ident matches an enclosing delimiter. */
static int is_enclosing_delimiter(const mw_builder *b, const char *lp)
{
    if (lp[0] != '-' || lp[1] != '-')
        return 0;
    for (uint32_t i = 0; i < b->depth; i++)
        if (memcmp(lp + 2, b->stack[i].boundary, MWI_BOUNDARY_LEN) == 0)
            return 1;
    return 0;
}

/* Check 7bit/8bit content (RFC 2045 2.7, 2.8) before it is written. */
static mw_status ident_check(mw_builder *b, const char *p, size_t n)
{
    mwi_ident *d = &b->ident;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        if (d->prev_cr != (c == '\n'))
            return MW_E_ENCODING; /* CR and LF only as CRLF */
        d->prev_cr = c == '\r';
        if (c == 0 || (c >= 0x80 && !d->allow_8bit))
            return MW_E_ENCODING;
        if (c == '\n') {
            d->line_len = 0;
            d->lpos = 0;
            continue;
        }
        if (c != '\r' && ++d->line_len > MWI_LINE_MAX)
            return MW_E_ENCODING;
        if (d->lpos < MWI_DELIM_LEN) {
            d->lp[d->lpos++] = (char)c;
            if (d->lpos == MWI_DELIM_LEN && is_enclosing_delimiter(b, d->lp))
                return MW_E_ENCODING;
        }
    }
    return MW_OK;
}

static mw_status encode(mw_builder *b, const char *p, size_t n)
{
    size_t before = b->out.len;
    mw_status st;
    switch (b->enc) {
    case MW_BUILD_CTE_BASE64:
        st = mw_b64_encode_update(&b->b64, p, n, &b->out);
        break;
    case MW_BUILD_CTE_QP:
        st = mw_qp_encode_update(&b->qp, p, n, &b->out);
        break;
    default:
        st = ident_check(b, p, n);
        if (st == MW_OK)
            st = mw_buf_append(&b->out, p, n);
        break;
    }
    note_tail(b, before);
    update_hold(b);
    return st;
}

/* Decide, write the leaf header and the held-back window. */
static mw_status flush_window(mw_builder *b, int complete)
{
    mw_status st = decide(b, complete);
    if (st == MW_OK)
        st = start_body(b);
    if (st == MW_OK)
        st = encode(b, b->win, b->win_len);
    b->deciding = 0;
    b->win_len = 0;
    return st;
}

static mw_status feed_canonical(mw_builder *b, const char *p, size_t n)
{
    while (b->deciding && n > 0) {
        size_t room = b->win_cap - b->win_len;
        size_t take = n < room ? n : room;
        memcpy(b->win + b->win_len, p, take);
        scan_update(&b->scan, p, take);
        b->win_len += take;
        p += take;
        n -= take;
        if (b->win_len == b->win_cap) {
            mw_status st = flush_window(b, 0);
            if (st != MW_OK)
                return st;
        }
    }
    return n > 0 ? encode(b, p, n) : MW_OK;
}

/* LF without CR becomes CRLF (text and messages, RFC 2046 4.1.1). Writes
 * at most 2n bytes to out. */
static size_t canonicalise(mw_builder *b, const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '\n' && !b->prev_cr)
            out[o++] = '\r';
        out[o++] = c;
        b->prev_cr = c == '\r';
    }
    return o;
}

static mw_status check_leaf(const mw_builder *b)
{
    if (!b)
        return MW_E_ARG;
    return b->state == MWI_BS_LEAF ? MW_OK : MW_E_STATE;
}

static size_t pending(const mw_builder *b)
{
    return b->out.len - b->out_off;
}

mw_status mw_builder_write(mw_builder *b, const void *data, size_t len,
                           size_t *consumed_out)
{
    mw_status st = check_leaf(b);
    if (st != MW_OK || !consumed_out || (len > 0 && !data))
        return st != MW_OK ? st : MW_E_ARG;
    const char *p = data;
    size_t done = 0;
    while (done < len && pending(b) < MW_BUILD_SOFT_OUTPUT) {
        size_t n = len - done < MWI_BUILD_STEP ? len - done : MWI_BUILD_STEP;
        if (b->kind == MWI_KIND_OTHER)
            st = feed_canonical(b, p + done, n);
        else
            st = feed_canonical(b, b->norm,
                                canonicalise(b, p + done, n, b->norm));
        if (st != MW_OK) {
            *consumed_out = done;
            return fail(b, st);
        }
        done += n;
    }
    *consumed_out = done;
    return MW_OK;
}

mw_status mw_builder_write_from(mw_builder *b, mw_build_read_fn fn, void *ud)
{
    mw_status st = check_leaf(b);
    if (st != MW_OK || !fn)
        return st != MW_OK ? st : MW_E_ARG;
    while (pending(b) < MW_BUILD_SOFT_OUTPUT) {
        size_t n = 0;
        st = fn(ud, b->rbuf, MWI_BUILD_STEP, &n);
        if (st == MW_DONE)
            return MW_DONE;
        if (st != MW_OK)
            return st;
        if (n == 0)
            return MW_OK; /* nothing yet: let the caller come back */
        if (n > MWI_BUILD_STEP)
            return MW_E_ARG;
        size_t used = 0;
        /* Below the soft level one step is always taken whole. */
        st = mw_builder_write(b, b->rbuf, n, &used);
        if (st != MW_OK)
            return st;
    }
    return MW_OK;
}

mw_status mw_builder_end_part(mw_builder *b)
{
    mw_status st = check_leaf(b);
    if (st != MW_OK)
        return st;
    if (b->deciding)
        st = flush_window(b, 1);
    size_t before = b->out.len;
    if (st == MW_OK) {
        switch (b->enc) {
        case MW_BUILD_CTE_BASE64:
            st = mw_b64_encode_final(&b->b64, &b->out);
            break;
        case MW_BUILD_CTE_QP:
            st = mw_qp_encode_final(&b->qp, &b->out);
            break;
        default:
            if (b->ident.prev_cr)
                st = MW_E_ENCODING; /* a CR without LF at the end */
            break;
        }
    }
    note_tail(b, before);
    update_hold(b);
    if (st != MW_OK)
        return fail(b, st);
    b->last_enc = b->enc;
    b->state = b->top_level ? MWI_BS_TOP_DONE : MWI_BS_BODY;
    return MW_OK;
}

mw_status mw_builder_finish(mw_builder *b)
{
    if (!b)
        return MW_E_ARG;
    mw_status st;
    if (b->state == MWI_BS_HEADERS) {
        st = mwi_build_flush_headers(b, 0);
        if (st == MW_OK)
            st = emit(b, "\r\n", 2);
    } else if (b->state == MWI_BS_TOP_DONE) {
        st = MW_OK;
        /* The message ends with a line break. A quoted-printable leaf gets
         * a soft one so its decoded content stays exact. */
        int qp_leaf = b->multiparts == 0 && b->last_enc == MW_BUILD_CTE_QP;
        if (!b->last_lf)
            st = qp_leaf ? end_qp_message(b) : emit(b, "\r\n", 2);
    } else
        return MW_E_STATE;
    if (st != MW_OK)
        return st == MW_E_STATE ? st : fail(b, st);
    b->state = MWI_BS_DONE;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

const char *mw_builder_output(const mw_builder *b, size_t *len_out)
{
    if (!b || !len_out) {
        if (len_out)
            *len_out = 0;
        return NULL;
    }
    *len_out = b->out.len - b->out_off - b->hold;
    return b->out.data ? b->out.data + b->out_off : NULL;
}

/* Taken bytes are dropped lazily: moving the rest down after every small
 * read would cost time quadratic in the pending output. */
static void take_output(mw_builder *b, size_t n)
{
    size_t shown = b->out.len - b->out_off - b->hold;
    b->out_off += n < shown ? n : shown;
    if (b->out_off == b->out.len) {
        mw_buf_clear(&b->out);
        b->out_off = 0;
    } else if (b->out_off >= 4096 && 2 * b->out_off >= b->out.len) {
        mw_buf_consume(&b->out, b->out_off);
        b->out_off = 0;
    }
}

void mw_builder_output_done(mw_builder *b, size_t n)
{
    if (b)
        take_output(b, n);
}

mw_status mw_builder_read(mw_builder *b, void *out, size_t cap, size_t *n_out)
{
    if (!b || !n_out || (cap > 0 && !out))
        return MW_E_ARG;
    size_t shown = b->out.len - b->out_off - b->hold;
    size_t n = shown < cap ? shown : cap;
    if (n > 0)
        memcpy(out, b->out.data + b->out_off, n);
    take_output(b, n);
    *n_out = n;
    if (n == 0 && b->state == MWI_BS_DONE)
        return MW_DONE;
    if (n == 0 && b->state == MWI_BS_FAILED)
        return b->error;
    return MW_OK;
}

size_t mw_builder_recipient_count(const mw_builder *b)
{
    return b ? b->rcpt_count : 0;
}

mw_status mw_builder_recipient(const mw_builder *b, size_t i, mw_span *addr_out)
{
    if (!b || !addr_out || i >= b->rcpt_count)
        return MW_E_ARG;
    size_t off = 0;
    for (;;) {
        const uint8_t *h = (const uint8_t *)b->rcpt.data + off;
        size_t len = ((size_t)h[0] << 8) | h[1];
        if (i == 0) {
            addr_out->ptr = b->rcpt.data + off + 2;
            addr_out->len = len;
            return MW_OK;
        }
        off += 2 + len;
        i--;
    }
}

uint32_t mw_builder_last_encoding(const mw_builder *b)
{
    return b ? b->last_enc : MW_BUILD_CTE_AUTO;
}
