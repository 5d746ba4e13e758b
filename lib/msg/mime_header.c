/* Header block of an entity: fields (folded, spilled across chunks,
 * truncated past header_line_max), the blank line, and the tolerances for
 * lines that are not fields. */
#include <string.h>

#include "mime_int.h"

/* Python's header-name test: printable ASCII except ':' and space. */
static int is_name_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u > 0x20 && u < 0x7f && u != ':';
}

/* Account n more input bytes at pos to the current field. */
static void field_take(mw_mime_parser *p, size_t n)
{
    if (n && !p->in_input && p->hlen < p->hcap) {
        size_t k = p->hcap - p->hlen;
        if (k > n)
            k = n;
        memcpy(p->hbuf + p->hlen, p->in + p->pos, k);
        p->hlen += k;
    }
    p->ftotal += n;
    p->pos += n;
}

/* The call's input is about to go away: copy a field that lives there. */
static void field_spill(mw_mime_parser *p)
{
    if (!p->in_input)
        return;
    size_t k = p->ftotal < p->hcap ? p->ftotal : p->hcap;
    memcpy(p->hbuf, p->in + p->fstart, k);
    p->hlen = k;
    p->in_input = 0;
}

static mw_span field_view(const mw_mime_parser *p)
{
    if (p->in_input)
        return mwi_mime_span(p->in + p->fstart,
                             p->ftotal < p->hcap ? p->ftotal : p->hcap);
    return mwi_mime_span(p->hbuf, p->hlen);
}

static void field_begin(mw_mime_parser *p)
{
    p->in_input = 1;
    p->fstart = p->pos;
    p->ftotal = 0;
    p->hlen = 0;
    p->name_len = 0;
    p->value_off = 0;
    p->foff = mwi_mime_here(p);
    p->hstate = HS_NAME;
}

static void trim(mw_span *s)
{
    while (s->len && (mwi_mime_is_wsp(s->ptr[0]) || s->ptr[0] == '\r' ||
                      s->ptr[0] == '\n')) {
        s->ptr++;
        s->len--;
    }
    while (s->len && (mwi_mime_is_wsp(s->ptr[s->len - 1]) ||
                      s->ptr[s->len - 1] == '\r' || s->ptr[s->len - 1] == '\n'))
        s->len--;
}

/* Remember the values HEADERS_END interprets. The first occurrence of each
 * field wins, as in Python's email package. */
static void capture(mw_mime_parser *p, mw_span name, mw_span value)
{
    if (mwi_mime_ieq(name.ptr, name.len, "content-type")) {
        if (!p->have_ct) {
            p->have_ct = 1;
            p->ct_raw.len = value.len;
            p->ct_raw.ptr =
                p->arena + mwi_mime_arena_copy(p, value.ptr, value.len);
        }
    } else if (mwi_mime_ieq(name.ptr, name.len, "content-disposition")) {
        if (!p->have_cd) {
            p->have_cd = 1;
            p->cd_raw.len = value.len;
            p->cd_raw.ptr =
                p->arena + mwi_mime_arena_copy(p, value.ptr, value.len);
        }
    } else if (mwi_mime_ieq(name.ptr, name.len, "content-transfer-encoding")) {
        if (!p->have_cte) {
            p->have_cte = 1;
            p->cte_len = mwi_mime_cte_token(value.ptr, value.len, p->cte_tok,
                                            sizeof(p->cte_tok));
        }
    } else if (mwi_mime_ieq(name.ptr, name.len, "content-id")) {
        if (!p->have_cid) {
            mw_span v = value;
            trim(&v);
            p->have_cid = 1;
            p->cid.len = v.len;
            p->cid.ptr = p->arena + mwi_mime_arena_copy(p, v.ptr, v.len);
        }
    } else if (mwi_mime_ieq(name.ptr, name.len, "mime-version")) {
        p->have_mv = 1;
    }
}

static uint32_t scan_bytes_defects(const char *s, size_t n)
{
    unsigned char any = 0;
    int nul = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        any |= c;
        nul |= c == 0;
    }
    return ((any & 0x80) ? MW_MIME_DEFECT_8BIT_HEADER : 0) |
           (nul ? MW_MIME_DEFECT_NUL : 0);
}

/* The pending field is complete: report it (or drop it past the limits). */
static int emit_field(mw_mime_parser *p, mw_mime_event *ev)
{
    frame *f = mwi_mime_top(p);
    mw_span v = field_view(p);
    int truncated = p->ftotal > v.len;
    p->pending = 0;
    p->hbytes += p->ftotal;
    p->in_input = 0;
    p->hlen = 0;
    if (truncated)
        f->defects |= MW_MIME_DEFECT_LONG_HEADER;
    /* Too many fields is tolerated: the rest are dropped, parsing goes
     * on (a hostile message cannot make us keep more). */
    if (p->hcount >= p->lim.header_count_max ||
        p->hbytes > p->lim.header_bytes_max) {
        f->defects |= MW_MIME_DEFECT_TOO_MANY_HEADERS;
        return STEP_CONT;
    }
    p->hcount++;
    /* The final line break is not part of the value. */
    size_t end = v.len;
    if (!truncated && end && v.ptr[end - 1] == '\n')
        end--;
    if (end && v.ptr[end - 1] == '\r')
        end--;
    mw_span name = mwi_mime_span(v.ptr, p->name_len < end ? p->name_len : end);
    mw_span value = p->value_off <= end ? mwi_mime_span(v.ptr + p->value_off,
                                                        end - p->value_off)
                                        : mwi_mime_span(v.ptr + end, 0);
    f->defects |= scan_bytes_defects(v.ptr, end);
    capture(p, name, value);
    ev->type = MW_MIME_EV_HEADER;
    ev->depth = p->nframes - 1;
    ev->offset = p->foff;
    ev->part = mwi_mime_part(p, f);
    ev->name = name;
    ev->value = value;
    return STEP_EVENT;
}

/* The header block is over; the body starts at mwi_mime_here() minus replayed
 * bytes. */
static int headers_over(mw_mime_parser *p)
{
    p->mode = M_HEADERS_END;
    return STEP_CONT;
}

/*
 * A line that is not a header field ends the block and becomes the first
 * body line (Python's email does the same and so does every reader that
 * shows such mail at all). Its bytes seen so far are replayed to the body.
 */
static int not_a_header(mw_mime_parser *p)
{
    mwi_mime_top(p)->defects |= MW_MIME_DEFECT_NO_SEPARATOR;
    if (p->in_input) {
        p->pos = p->fstart; /* still in this call's input: just rewind */
        p->in_input = 0;
    } else {
        p->replay = p->hbuf;
        p->replay_len = p->hlen;
    }
    p->sstate = SC_IN_LINE;
    return headers_over(p);
}

static int starts_with_from(const mw_mime_parser *p)
{
    mw_span v = field_view(p);
    return v.len >= 5 && memcmp(v.ptr, "From ", 5) == 0;
}

/* Scan up to a line end; returns 1 when one was consumed. */
static int take_line(mw_mime_parser *p, int into_field)
{
    size_t avail = p->len - p->pos;
    const char *nl = avail ? memchr(p->in + p->pos, '\n', avail) : NULL;
    if (!nl) {
        if (avail)
            p->prev_cr = p->in[p->len - 1] == '\r';
        if (into_field)
            field_take(p, avail);
        else
            p->pos += avail;
        return 0;
    }
    size_t i = (size_t)(nl - p->in);
    int cr = i > p->pos ? p->in[i - 1] == '\r' : p->prev_cr;
    if (!cr)
        mwi_mime_top(p)->defects |= MW_MIME_DEFECT_BARE_LF;
    if (into_field)
        field_take(p, i + 1 - p->pos);
    else
        p->pos = i + 1;
    p->prev_cr = 0;
    p->first_line = 0;
    return 1;
}

static int line_start(mw_mime_parser *p, mw_mime_event *ev)
{
    size_t avail = p->len - p->pos;
    if (p->pending) {
        if (avail && mwi_mime_is_wsp(p->in[p->pos])) {
            p->hstate = HS_VALUE; /* a continuation line */
            return STEP_CONT;
        }
        return emit_field(p, ev);
    }
    if (!avail)
        return headers_over(p); /* end of input ends the header block */
    char c = p->in[p->pos];
    if (c == '\n') {
        p->pos++;
        mwi_mime_top(p)->defects |= MW_MIME_DEFECT_BARE_LF;
        return headers_over(p);
    }
    if (c == '\r') {
        p->pos++;
        p->hstate = HS_CR;
        return STEP_CONT;
    }
    if (c == '-' && p->nactive) {
        /* Inside a multipart a line starting with '-' may be a delimiter:
         * it ends the header block unread (no field name starts with "-"
         * in practice, and the delimiter must win; Python does the same
         * through its boundary matcher). */
        p->sstate = SC_LINE_START;
        p->line_off = mwi_mime_here(p);
        return headers_over(p);
    }
    if (is_name_char(c)) {
        field_begin(p);
        return STEP_CONT;
    }
    if (mwi_mime_is_wsp(c) || c == ':') {
        /* A continuation line with no field before it, or an empty field
         * name: skipped with a defect, as Python does. */
        mwi_mime_top(p)->defects |= MW_MIME_DEFECT_BAD_HEADER;
        p->hstate = HS_SKIP;
        return STEP_CONT;
    }
    p->fstart = p->pos;
    p->in_input = 1;
    return not_a_header(p);
}

static int after_name(mw_mime_parser *p)
{
    char c = p->in[p->pos];
    if (c == ':') {
        field_take(p, 1);
        p->value_off = p->ftotal;
        p->hstate = HS_VALUE;
        return STEP_CONT;
    }
    if (mwi_mime_is_wsp(c) && p->hstate == HS_NAME) {
        p->hstate = HS_NAME_WS; /* obs-field: WSP before the colon */
        return STEP_CONT;
    }
    if (p->hstate == HS_NAME_WS && starts_with_from(p)) {
        /* An mbox "From " envelope line: ignored on the first line, a
         * defect anywhere else (Python's rules). */
        if (!p->first_line)
            mwi_mime_top(p)->defects |= MW_MIME_DEFECT_BAD_HEADER;
        p->in_input = 0;
        p->hlen = 0;
        p->hstate = HS_SKIP;
        return STEP_CONT;
    }
    return not_a_header(p);
}

int mwi_mime_headers_step(mw_mime_parser *p, mw_mime_event *ev)
{
    if (p->pos == p->len && !p->eof) {
        field_spill(p);
        return STEP_NEED;
    }
    switch (p->hstate) {
    case HS_LINE_START:
        return line_start(p, ev);
    case HS_CR:
        if (p->pos < p->len && p->in[p->pos] == '\n') {
            p->pos++;
            return headers_over(p);
        }
        /* A line starting with a lone CR is no header either; the CR is
         * handed to the body as a held byte. */
        mwi_mime_top(p)->defects |= MW_MIME_DEFECT_NO_SEPARATOR;
        p->held = HELD_CR;
        p->sstate = SC_IN_LINE;
        return headers_over(p);
    case HS_NAME:
    case HS_NAME_WS: {
        /* Never take more than a field can keep, so that every byte of
         * a line that turns out not to be a header can be replayed. */
        size_t i = p->pos;
        size_t stop = p->len;
        if (stop - i > p->hcap - p->ftotal)
            stop = i + (p->hcap - p->ftotal);
        if (p->hstate == HS_NAME) {
            while (i < stop && is_name_char(p->in[i]))
                i++;
            p->name_len += i - p->pos;
        } else {
            while (i < stop && mwi_mime_is_wsp(p->in[i]))
                i++;
        }
        field_take(p, i - p->pos);
        if (p->ftotal >= p->hcap) {
            /* A "name" longer than any kept field is no header. */
            return not_a_header(p);
        }
        if (p->pos == p->len)
            return p->eof ? not_a_header(p) : STEP_CONT;
        return after_name(p);
    }
    case HS_VALUE:
        if (take_line(p, 1) || p->eof) {
            p->pending = 1;
            p->hstate = HS_LINE_START;
        }
        return STEP_CONT;
    case HS_SKIP:
    default:
        if (take_line(p, 0) || p->eof)
            p->hstate = HS_LINE_START;
        return STEP_CONT;
    }
}
