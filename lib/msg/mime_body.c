/* Entity content: leaf bodies (transfer-decoded), preambles and
 * epilogues, delimiter lines, and the begin and end of entities. */
#include <string.h>

#include "mime_int.h"

static const char *frame_boundary(const mw_mime_parser *p, uint32_t depth)
{
    return p->bounds + (size_t)depth * p->lim.boundary_max;
}

static const char *held_str(uint32_t held, size_t *len)
{
    switch (held) {
    case HELD_CR:
        *len = 1;
        return "\r";
    case HELD_CRLF:
        *len = 2;
        return "\r\n";
    case HELD_LF:
        *len = 1;
        return "\n";
    default:
        *len = 0;
        return NULL;
    }
}

static uint32_t decoder_defects(const mw_mime_parser *p, uint32_t encoding)
{
    if (!p->decoding)
        return 0;
    if (encoding == MW_MIME_CTE_BASE64)
        return mw_b64_decoder_defects(&p->dec.b64) ? MW_MIME_DEFECT_BAD_BASE64
                                                   : 0;
    uint32_t d = mw_qp_decoder_defects(&p->dec.qp);
    return ((d & MW_DEFECT_BARE_EOL) ? MW_MIME_DEFECT_BARE_LF : 0) |
           ((d & ~(uint32_t)MW_DEFECT_BARE_EOL) ? MW_MIME_DEFECT_BAD_QP : 0);
}

static mw_status decode_piece(mw_mime_parser *p, const char *s, size_t n)
{
    if (mwi_mime_top(p)->encoding == MW_MIME_CTE_BASE64)
        return s ? mw_b64_decode_update(&p->dec.b64, s, n, &p->dbuf)
                 : mw_b64_decode_final(&p->dec.b64, &p->dbuf);
    return s ? mw_qp_decode_update(&p->dec.qp, s, n, &p->dbuf)
             : mw_qp_decode_final(&p->dec.qp, &p->dbuf);
}

static void data_event(mw_mime_parser *p, mw_mime_event *ev, uint32_t type,
                       const char *s, size_t n)
{
    ev->type = type;
    ev->depth = p->nframes - 1;
    ev->part = mwi_mime_part(p, mwi_mime_top(p));
    ev->data = mwi_mime_span(s, n);
}

/*
 * Hand n > 0 content bytes to the current sink. Returns how many were
 * taken (at least one); *event is set when ev was filled.
 */
static size_t deliver(mw_mime_parser *p, const char *s, size_t n,
                      mw_mime_event *ev, int *event)
{
    *event = 0;
    if (p->sink == SINK_PREAMBLE || p->sink == SINK_EPILOGUE) {
        data_event(p, ev,
                   p->sink == SINK_PREAMBLE ? MW_MIME_EV_PREAMBLE
                                            : MW_MIME_EV_EPILOGUE,
                   s, n);
        *event = 1;
        return n;
    }
    if (!p->decoding) {
        data_event(p, ev, MW_MIME_EV_BODY, s, n);
        *event = 1;
        return n;
    }
    size_t k = n < DEC_IN_MAX ? n : DEC_IN_MAX;
    p->dbuf.len = 0;
    while (decode_piece(p, s, k) == MW_E_NOSPACE && k > 1)
        k /= 2; /* cannot happen with DBUF_CAP; stay safe anyway */
    if (p->dbuf.len) {
        data_event(p, ev, MW_MIME_EV_BODY, p->dbuf.data, p->dbuf.len);
        *event = 1;
    }
    return k;
}

static int start_close(mw_mime_parser *p, uint32_t keep, uint32_t action,
                       uint64_t end)
{
    p->target = keep;
    p->action = action;
    p->close_off = end;
    p->mode = M_CLOSE;
    return STEP_CONT;
}

static int close_all(mw_mime_parser *p)
{
    return start_close(p, 0, ACT_END, mwi_mime_here(p));
}

/*
 * Is the line starting with s[0..n) a delimiter of an open multipart?
 * complete: no more bytes of the line will come (line end or end of input
 * seen, or as many bytes as any delimiter needs).
 *
 * Among the open boundaries that "--" + boundary matches, the longest wins
 * (so nested boundaries that extend each other work whatever their order),
 * the innermost on a tie. Whatever follows the boundary (or the "--" of a
 * close delimiter) on the line is accepted: whitespace silently (RFC 2046
 * transport padding), anything else with MW_MIME_DEFECT_BOUNDARY_JUNK.
 * That is what GMime and Thunderbird do; Python's email wants only
 * whitespace and would see such a line as body text.
 */
static int decide(mw_mime_parser *p, const char *s, size_t n, int complete,
                  uint32_t *level, int *close, size_t *prefix)
{
    if (n == 0)
        return complete ? DEC_NO : DEC_UNDECIDED;
    if (s[0] != '-')
        return DEC_NO;
    if (n < 2)
        return complete ? DEC_NO : DEC_UNDECIDED;
    if (s[1] != '-')
        return DEC_NO;
    int found = 0, maybe = 0;
    uint32_t best = 0, best_len = 0;
    for (uint32_t d = p->nframes; d-- > 0;) {
        const frame *f = &p->frames[d];
        if (f->kind != MW_MIME_KIND_MULTIPART || !(f->flags & FR_ACTIVE))
            continue;
        const char *b = frame_boundary(p, d);
        if (n >= 2 + (size_t)f->blen) {
            if (memcmp(s + 2, b, f->blen) == 0 &&
                (!found || f->blen > best_len)) {
                found = 1;
                best = d;
                best_len = f->blen;
            }
        } else if (!complete && memcmp(s + 2, b, n - 2) == 0) {
            maybe = 1;
        }
    }
    if (maybe)
        return DEC_UNDECIDED;
    if (!found)
        return DEC_NO;
    size_t after = 2 + (size_t)best_len;
    int is_close = 0;
    if (n >= after + 2)
        is_close = s[after] == '-' && s[after + 1] == '-';
    else if (!complete && (n == after || s[after] == '-'))
        return DEC_UNDECIDED;
    if ((p->frames[best].flags & FR_OVERFLOW) && !is_close)
        return DEC_NO; /* past mime_parts_max: only the close counts */
    *level = best;
    *close = is_close;
    *prefix = after + (is_close ? 2u : 0u);
    return DEC_YES;
}

/* Junk check of delimiter-line bytes after the boundary. */
static void tail_bytes(mw_mime_parser *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p->bcr)
            p->bjunk = 1; /* a CR not followed by LF */
        p->bcr = 0;
        if (s[i] == '\r')
            p->bcr = 1;
        else if (!mwi_mime_is_wsp(s[i]))
            p->bjunk = 1;
    }
}

static int delimiter_found(mw_mime_parser *p, uint32_t level, int is_close,
                           size_t prefix, int from_lsb)
{
    size_t hl;
    held_str(p->held, &hl);
    p->close_off = p->line_off - hl; /* the line end is the delimiter's */
    p->held = HELD_NONE;
    p->blevel = level;
    p->bclose = is_close;
    p->bjunk = 0;
    p->bcr = 0;
    if (from_lsb) {
        tail_bytes(p, p->lsb + prefix, p->lsn - prefix);
        p->lsn = 0;
    } else {
        p->pos += prefix;
    }
    p->mode = M_BTAIL;
    return STEP_CONT;
}

/* The line is ordinary content: deliver the held line end, then the
 * buffered line start, then scan on. */
static int not_delimiter(mw_mime_parser *p, int from_lsb)
{
    p->emit = held_str(p->held, &p->emit_len);
    p->held = HELD_NONE;
    if (from_lsb && p->lsn) {
        size_t n = p->lsn;
        if (p->lsb[n - 1] == '\r') {
            n--; /* it may be the CR of the line's CRLF */
            p->held = HELD_CR;
        }
        p->replay = p->lsb;
        p->replay_len = n;
        p->lsn = 0;
    }
    p->sstate = SC_IN_LINE;
    return STEP_CONT;
}

static int line_start_step(mw_mime_parser *p)
{
    size_t need = 2 + (size_t)p->max_blen + 2;
    size_t avail = p->len - p->pos;
    const char *s = p->in + p->pos;
    uint32_t level = 0;
    int is_close = 0;
    size_t prefix = 0;
    if (p->lsn == 0) {
        size_t lim = avail < need ? avail : need;
        const char *nl = lim ? memchr(s, '\n', lim) : NULL;
        size_t n = nl ? (size_t)(nl - s) : lim;
        int complete = nl || avail >= need || p->eof;
        int r = decide(p, s, n, complete, &level, &is_close, &prefix);
        if (r == DEC_YES)
            return delimiter_found(p, level, is_close, prefix, 0);
        if (r == DEC_NO)
            return not_delimiter(p, 0);
        memcpy(p->lsb, s, avail); /* avail < need <= lscap here */
        p->lsn = avail;
        p->pos = p->len;
        return STEP_NEED;
    }
    size_t room = need - p->lsn;
    size_t lim = avail < room ? avail : room;
    const char *nl = lim ? memchr(s, '\n', lim) : NULL;
    size_t k = nl ? (size_t)(nl - s) : lim;
    memcpy(p->lsb + p->lsn, s, k);
    p->lsn += k;
    p->pos += k;
    int complete = nl || p->lsn >= need || p->eof;
    int r = decide(p, p->lsb, p->lsn, complete, &level, &is_close, &prefix);
    if (r == DEC_YES)
        return delimiter_found(p, level, is_close, prefix, 1);
    if (r == DEC_NO)
        return not_delimiter(p, 1);
    return STEP_NEED; /* all input went into lsb */
}

/*
 * First j in [start, end) with in[j] == '\n' whose line may be a delimiter:
 * in[j + 1] is '-' or not in the scan range. Only a '-' right after a
 * line end qualifies, so the search jumps from '-' to '-' (base64 and most
 * text have few) instead of from line to line. Returns end when none.
 */
static size_t next_candidate(const char *in, size_t start, size_t end)
{
    size_t i = start + 1;
    while (i < end) {
        const char *dash = memchr(in + i, '-', end - i);
        if (!dash)
            break;
        size_t k = (size_t)(dash - in);
        if (in[k - 1] == '\n')
            return k - 1;
        i = k + 1;
    }
    return end > start && in[end - 1] == '\n' ? end - 1 : end;
}

/* Scan inside a line for the next line end that may precede a delimiter
 * and deliver the bytes before it. */
static int in_line_step(mw_mime_parser *p, mw_mime_event *ev)
{
    size_t start = p->pos;
    size_t scan_end = p->len;
    if (p->sink == SINK_BODY && p->decoding && scan_end - start > DEC_IN_MAX)
        scan_end = start + DEC_IN_MAX; /* what one delivery can take */
    size_t i, end;
    uint32_t held = HELD_NONE;
    int at_line_start = 0;
    size_t j = next_candidate(p->in, start, scan_end);
    if (j == scan_end) {
        end = scan_end;
        if (end > start && p->in[end - 1] == '\r') {
            end--;
            held = HELD_CR;
        }
        i = scan_end;
    } else {
        int cr = j > start && p->in[j - 1] == '\r';
        end = cr ? j - 1 : j;
        held = cr ? HELD_CRLF : HELD_LF;
        i = j + 1;
        at_line_start = 1;
    }
    int event = 0;
    if (end > start) {
        size_t took = deliver(p, p->in + start, end - start, ev, &event);
        if (took < end - start) {
            p->pos = start + took;
            return event ? STEP_EVENT : STEP_CONT;
        }
    }
    p->pos = i;
    p->held = held;
    if (at_line_start) {
        p->sstate = SC_LINE_START;
        p->line_off = mwi_mime_here(p);
    }
    return event ? STEP_EVENT : STEP_CONT;
}

static int scan_step(mw_mime_parser *p, mw_mime_event *ev)
{
    if (p->sstate == SC_LINE_START)
        return line_start_step(p);
    if (p->held == HELD_CR) {
        if (p->pos == p->len && !p->eof)
            return STEP_NEED;
        if (p->pos < p->len && p->in[p->pos] == '\n') {
            p->pos++;
            p->held = HELD_CRLF;
            p->sstate = SC_LINE_START;
            p->line_off = mwi_mime_here(p);
            return STEP_CONT;
        }
        p->emit = "\r"; /* a bare CR is content */
        p->emit_len = 1;
        p->held = HELD_NONE;
        return STEP_CONT;
    }
    if (p->pos == p->len)
        return p->eof ? close_all(p) : STEP_NEED;
    return in_line_step(p, ev);
}

int mwi_mime_content_step(mw_mime_parser *p, mw_mime_event *ev)
{
    int event = 0;
    if (p->emit_len) {
        const char *s = p->emit;
        size_t n = p->emit_len;
        p->emit_len = 0;
        deliver(p, s, n, ev, &event); /* takes all: n <= 2 */
        return event ? STEP_EVENT : STEP_CONT;
    }
    if (p->replay_len) {
        size_t took = deliver(p, p->replay, p->replay_len, ev, &event);
        p->replay += took;
        p->replay_len -= took;
        return event ? STEP_EVENT : STEP_CONT;
    }
    if (p->nactive)
        return scan_step(p, ev);
    /* No multipart open: the rest of the stream is this content. */
    if (p->held == HELD_CR) {
        p->emit = "\r";
        p->emit_len = 1;
        p->held = HELD_NONE;
        return STEP_CONT;
    }
    if (p->pos < p->len) {
        size_t took = deliver(p, p->in + p->pos, p->len - p->pos, ev, &event);
        p->pos += took;
        return event ? STEP_EVENT : STEP_CONT;
    }
    return p->eof ? close_all(p) : STEP_NEED;
}

/* Rest of a delimiter line, up to and including its line end. */
int mwi_mime_btail_step(mw_mime_parser *p)
{
    size_t avail = p->len - p->pos;
    if (!avail && !p->eof)
        return STEP_NEED;
    const char *s = p->in + p->pos;
    const char *nl = avail ? memchr(s, '\n', avail) : NULL;
    size_t k = nl ? (size_t)(nl - s) : avail;
    tail_bytes(p, s, k);
    p->pos += k;
    if (!nl && !p->eof)
        return STEP_NEED;
    frame *f = &p->frames[p->blevel];
    if (nl) {
        p->pos++;
        if (!p->bcr)
            f->defects |= MW_MIME_DEFECT_BARE_LF;
    } else if (p->bcr) {
        p->bjunk = 1; /* a lone CR at the very end */
    }
    if (p->bjunk)
        f->defects |= MW_MIME_DEFECT_BOUNDARY_JUNK;
    f->flags |= FR_SAW_DELIM;
    return start_close(p, p->blevel + 1, p->bclose ? ACT_EPILOGUE : ACT_CHILD,
                       p->close_off);
}

static void append_part_number(mw_mime_parser *p, uint32_t at, uint32_t n,
                               uint32_t *len)
{
    char digits[10];
    size_t k = 0;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    uint32_t l = at;
    if (l)
        p->pn[l++] = '.';
    while (k)
        p->pn[l++] = digits[--k];
    *len = l;
}

int mwi_mime_begin_step(mw_mime_parser *p, mw_mime_event *ev)
{
    frame *f = mwi_mime_top(p);
    ev->type = MW_MIME_EV_ENTITY_BEGIN;
    ev->depth = p->nframes - 1;
    ev->part = mwi_mime_part(p, f);
    ev->offset = f->begin;
    if (p->skip_headers) {
        p->skip_headers = 0;
        f->defects |= MW_MIME_DEFECT_NO_SEPARATOR;
        p->mode = M_HEADERS_END;
    } else {
        p->mode = M_HEADERS;
        p->sstate = SC_LINE_START;
        p->held = HELD_NONE;
    }
    return STEP_EVENT;
}

static void start_child(mw_mime_parser *p)
{
    frame *parent = mwi_mime_top(p);
    if (p->entities >= p->lim.mime_parts_max) {
        /* Past mime_parts_max no entity is made: the rest of this
         * multipart is delivered raw as its epilogue. */
        parent->defects |= MW_MIME_DEFECT_TOO_MANY_PARTS;
        parent->flags |= FR_OVERFLOW;
        p->sink = SINK_EPILOGUE;
        p->mode = M_CONTENT;
        p->sstate = SC_LINE_START;
        p->line_off = mwi_mime_here(p);
        return;
    }
    parent->children++;
    uint32_t len = 0;
    append_part_number(p, parent->pn_len, parent->children, &len);
    uint32_t flags = (parent->flags & FR_DIGEST) ? FR_IN_DIGEST : 0;
    mwi_mime_push_frame(p, len, flags);
}

int mwi_mime_close_step(mw_mime_parser *p, mw_mime_event *ev)
{
    if (p->nframes > p->target || (p->action == ACT_END && p->nframes > 0)) {
        frame *f = mwi_mime_top(p);
        if (f->kind == MW_MIME_KIND_LEAF && p->decoding && !p->flushed) {
            p->flushed = 1;
            p->dbuf.len = 0;
            decode_piece(p, NULL, 0);
            f->defects |= decoder_defects(p, f->encoding);
            if (p->dbuf.len) {
                data_event(p, ev, MW_MIME_EV_BODY, p->dbuf.data, p->dbuf.len);
                return STEP_EVENT;
            }
        }
        if (f->kind == MW_MIME_KIND_MULTIPART && (f->flags & FR_ACTIVE)) {
            /* Closed by an outer delimiter or the end of input: accepted. */
            f->defects |= MW_MIME_DEFECT_NO_FINAL_BOUNDARY;
            if (!(f->flags & FR_SAW_DELIM))
                f->defects |= MW_MIME_DEFECT_NO_START_BOUNDARY;
            f->flags &= ~FR_ACTIVE;
            mwi_mime_recompute_active(p);
        }
        if ((f->flags & FR_MSG_ROOT) && p->close_off == f->begin)
            f->defects |= MW_MIME_DEFECT_EMPTY;
        ev->type = MW_MIME_EV_ENTITY_END;
        ev->depth = p->nframes - 1;
        ev->part = mwi_mime_part(p, f);
        ev->defects = f->defects;
        ev->offset = p->close_off;
        p->nframes--;
        p->decoding = 0;
        return STEP_EVENT;
    }
    switch (p->action) {
    case ACT_CHILD:
        start_child(p);
        break;
    case ACT_EPILOGUE:
        mwi_mime_top(p)->flags &= ~FR_ACTIVE;
        mwi_mime_recompute_active(p);
        p->sink = SINK_EPILOGUE;
        p->mode = M_CONTENT;
        p->sstate = SC_LINE_START;
        p->held = HELD_NONE;
        p->line_off = mwi_mime_here(p);
        break;
    default:
        p->mode = M_END;
        break;
    }
    return STEP_CONT;
}
