/* Dot-stuffing (RFC 5321 section 4.5.2) for the sending side and
 * dot-unstuffing with end-of-data detection for the receiving side. */
#include <string.h>

#include "mailwire/stream.h"
#include "mw_int.h"

/* ------------------------------------------------------------------ */
/* Writer                                                               */
/* ------------------------------------------------------------------ */

void mw_dot_writer_init(mw_dot_writer *w)
{
    if (!w)
        return;
    memset(w, 0, sizeof(*w));
    w->at_line_start = 1;
}

size_t mw_dot_writer_bound(size_t n)
{
    /* Every input byte becomes at most two ("." -> "..", CR or LF ->
     * CRLF); final adds at most a CRLF and ".\r\n". */
    if (n > (SIZE_MAX - 5) / 2)
        return SIZE_MAX;
    return 2 * n + 5;
}

/* Appends to out (when not NULL) and counts in *o. */
static void emit(char *out, size_t *o, const void *bytes, size_t n)
{
    if (out)
        memcpy(out + *o, bytes, n);
    *o += n;
}

static size_t text_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    return i;
}

/* Runs the stuffer over p, advancing *w. With out == NULL it only counts,
 * which lets update size the output exactly before writing anything. */
static size_t stuff(mw_dot_writer *w, const unsigned char *p, size_t n,
                    char *out)
{
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        if (w->held_cr) {
            /* CRLF passes; a bare CR is normalised to CRLF so we never
             * emit a smuggling sequence. */
            w->held_cr = 0;
            w->at_line_start = 1;
            emit(out, &o, "\r\n", 2);
            if (p[i] == '\n')
                i++;
            continue;
        }
        if (p[i] == '\r') {
            w->held_cr = 1;
            i++;
            continue;
        }
        if (p[i] == '\n') {
            /* A bare LF becomes CRLF for the same reason. */
            w->at_line_start = 1;
            emit(out, &o, "\r\n", 2);
            i++;
            continue;
        }
        if (w->at_line_start && p[i] == '.')
            emit(out, &o, ".", 1);
        w->at_line_start = 0;
        size_t run = text_run(p + i, n - i);
        emit(out, &o, p + i, run);
        i += run;
    }
    return o;
}

mw_status mw_dot_writer_update(mw_dot_writer *w, const void *in, size_t len,
                               mw_buf *out)
{
    if (!w || !out || (!in && len > 0))
        return MW_E_ARG;
    if (w->finished)
        return MW_E_STATE;
    const unsigned char *p = (const unsigned char *)in;
    mw_dot_writer probe = *w;
    size_t need = stuff(&probe, p, len, NULL);
    if (need == 0) {
        *w = probe;
        return MW_OK;
    }
    mw_status st = mw_buf_reserve(out, need);
    if (st != MW_OK)
        return st;
    stuff(w, p, len, out->data + out->len);
    out->len += need;
    return MW_OK;
}

mw_status mw_dot_writer_final(mw_dot_writer *w, mw_buf *out)
{
    if (!w || !out)
        return MW_E_ARG;
    if (w->finished)
        return MW_E_STATE;
    /* A held CR, or a last line without its line end, still needs a CRLF
     * so that the marker is at the start of a line. */
    int need_crlf = w->held_cr || !w->at_line_start;
    mw_status st = need_crlf ? mw_buf_append(out, "\r\n.\r\n", 5)
                             : mw_buf_append(out, ".\r\n", 3);
    if (st != MW_OK)
        return st;
    w->held_cr = 0;
    w->at_line_start = 1;
    w->finished = 1;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Reader                                                               */
/* ------------------------------------------------------------------ */

enum dot_state {
    DOT_BOL,    /* at the start of a line */
    DOT_TEXT,   /* inside a line */
    DOT_CR,     /* just after a CR inside a line */
    DOT_DOT,    /* a line started with '.', which was dropped */
    DOT_DOT_CR, /* a line is "." CR so far: maybe the end marker */
    DOT_DONE
};

/* The CR of "." CR that turned out not to be the end marker: it was held
 * back (not part of any input view) and is reported from here. */
static const char held_cr_byte[] = "\r";

static void note_defect(mw_dot_reader *r, uint32_t defect, uint64_t at)
{
    if (r->defects == 0)
        r->defect_offset = at;
    r->defects |= defect;
}

void mw_dot_reader_init(mw_dot_reader *r, uint32_t flags)
{
    if (!r)
        return;
    memset(r, 0, sizeof(*r));
    r->flags = flags;
    r->state = DOT_BOL;
}

uint32_t mw_dot_reader_defects(const mw_dot_reader *r)
{
    return r ? r->defects : 0;
}

uint64_t mw_dot_reader_defect_offset(const mw_dot_reader *r)
{
    return r ? r->defect_offset : 0;
}

uint64_t mw_dot_reader_offset(const mw_dot_reader *r)
{
    return r ? r->offset : 0;
}

static mw_status report(mw_dot_reader *r, const char *ptr, size_t n,
                        size_t used, size_t *consumed, mw_span *data)
{
    data->ptr = ptr;
    data->len = n;
    r->offset += used;
    *consumed = used;
    return MW_OK;
}

static mw_status finish(mw_dot_reader *r, size_t used, size_t *consumed)
{
    r->state = DOT_DONE;
    r->offset += used;
    *consumed = used;
    return MW_DONE;
}

mw_status mw_dot_reader_next(mw_dot_reader *r, const void *in, size_t len,
                             size_t *consumed, mw_span *data)
{
    if (!r || !consumed || !data || (!in && len > 0))
        return MW_E_ARG;
    *consumed = 0;
    data->ptr = NULL;
    data->len = 0;
    if (r->state == DOT_DONE)
        return MW_DONE;
    const int lf_ends = (r->flags & MW_DOT_LF_ENDS) != 0;
    const char *p = (const char *)in;
    size_t i = 0;
    size_t run = 0; /* start of the body bytes not yet reported */
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        switch (r->state) {
        case DOT_BOL:
            if (c != '.') {
                r->state = DOT_TEXT;
                break;
            }
            /* The dot is dropped: report the bytes before it first, so
             * every report stays one contiguous view of the input. */
            if (i > run)
                return report(r, p + run, i - run, i, consumed, data);
            r->state = DOT_DOT;
            run = ++i;
            break;
        case DOT_TEXT:
            i += text_run((const unsigned char *)p + i, len - i);
            if (i == len)
                break;
            if (p[i] == '\r') {
                r->state = DOT_CR;
            } else {
                note_defect(r, MW_DOT_BARE_LF, r->offset + i);
                /* Lenient readers take a bare LF as a line end. */
                r->state = lf_ends ? DOT_BOL : DOT_TEXT;
            }
            i++;
            break;
        case DOT_CR:
            if (c == '\n') {
                r->state = DOT_BOL;
                i++;
            } else {
                /* A bare CR is data; the byte after it is read as text. */
                note_defect(r, MW_DOT_BARE_CR, r->offset + i - 1);
                r->state = DOT_TEXT;
            }
            break;
        case DOT_DOT:
            if (c == '\r') {
                r->state = DOT_DOT_CR;
                run = ++i;
            } else if (c == '\n' && lf_ends) {
                note_defect(r, MW_DOT_BARE_LF, r->offset + i);
                return finish(r, i + 1, consumed);
            } else {
                /* ".." was stuffed; "." followed by anything else is
                 * tolerated the same way (RFC 5321 4.5.2: the receiver
                 * deletes the first dot). c itself is body text. */
                r->state = DOT_TEXT;
            }
            break;
        case DOT_DOT_CR:
            if (c == '\n')
                return finish(r, i + 1, consumed);
            /* "." CR then something else: not the end marker. The dot
             * stays dropped, the held CR is a bare CR in the body. */
            note_defect(r, MW_DOT_BARE_CR, r->offset + i - 1);
            r->state = DOT_TEXT;
            return report(r, held_cr_byte, 1, i, consumed, data);
        default:
            return MW_E_INTERNAL;
        }
    }
    if (len > run)
        return report(r, p + run, len - run, len, consumed, data);
    r->offset += len;
    *consumed = len;
    return MW_NEED_MORE;
}
