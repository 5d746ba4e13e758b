/* Header block of an entity: fields (folded, spilled across chunks,
 * truncated past header_line_max), the blank line, and the tolerances for
 * lines that are not fields. */
#include <string.h>

#include "mime_int.h"

/* SSE2 is part of every x86-64 CPU; elsewhere (or with MWI_MIME_NO_SIMD,
 * which the tests use to check the portable path) the scans below are
 * memchr and eight bytes per step. */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(MWI_MIME_NO_SIMD)
#include <emmintrin.h>
#define MIME_SIMD 1
#else
#define MIME_SIMD 0
#endif

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

/* The captured fields, told apart by length and first letter first so
 * that an ordinary field costs one switch and no comparison. */
enum known_field { KF_NONE, KF_CT, KF_CD, KF_CTE, KF_CID, KF_MV };

static int known_field(mw_span name)
{
    char first = (char)(name.len ? (name.ptr[0] | 0x20) : 0);
    switch (name.len) {
    case 10:
        return MWI_IEQ_TOKEN(name.ptr, name.len, "content-id") ? KF_CID
                                                               : KF_NONE;
    case 12:
        if (first == 'c')
            return MWI_IEQ_TOKEN(name.ptr, name.len, "content-type") ? KF_CT
                                                                     : KF_NONE;
        if (first == 'm')
            return MWI_IEQ_TOKEN(name.ptr, name.len, "mime-version") ? KF_MV
                                                                     : KF_NONE;
        return KF_NONE;
    case 19:
        return MWI_IEQ_TOKEN(name.ptr, name.len, "content-disposition")
                   ? KF_CD
                   : KF_NONE;
    case 25:
        return MWI_IEQ_TOKEN(name.ptr, name.len, "content-transfer-encoding")
                   ? KF_CTE
                   : KF_NONE;
    default:
        return KF_NONE;
    }
}

static void capture_raw(mw_mime_parser *p, int *have, mw_span *dst,
                        mw_span value)
{
    if (*have)
        return;
    *have = 1;
    dst->len = value.len;
    dst->ptr = p->arena + mwi_mime_arena_copy(p, value.ptr, value.len);
}

/* Remember the values HEADERS_END interprets. The first occurrence of each
 * field wins, as in Python's email package. */
static void capture(mw_mime_parser *p, mw_span name, mw_span value)
{
    switch (known_field(name)) {
    case KF_CT:
        capture_raw(p, &p->have_ct, &p->ct_raw, value);
        break;
    case KF_CD:
        capture_raw(p, &p->have_cd, &p->cd_raw, value);
        break;
    case KF_CTE:
        if (!p->have_cte) {
            p->have_cte = 1;
            p->cte_len = mwi_mime_cte_token(value.ptr, value.len, p->cte_tok,
                                            sizeof(p->cte_tok));
        }
        break;
    case KF_CID:
        if (!p->have_cid) {
            mw_span v = value;
            trim(&v);
            capture_raw(p, &p->have_cid, &p->cid, v);
        }
        break;
    case KF_MV:
        p->have_mv = 1;
        break;
    default:
        break;
    }
}

#define ONES64 UINT64_C(0x0101010101010101)
#define HIGHS64 UINT64_C(0x8080808080808080)

/* 8-bit and NUL bytes in s[0..n), eight bytes per step: the OR of all
 * words keeps any high bit, and (w - 0x01..) & ~w & 0x80.. is non-zero
 * exactly when some byte of w is zero. */
static uint32_t scan_bytes_defects(const char *s, size_t n)
{
    uint64_t any = 0, zero = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        any |= w;
        zero |= (w - ONES64) & ~w & HIGHS64;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        any |= c;
        zero |= c == 0;
    }
    return ((any & HIGHS64) ? MW_MIME_DEFECT_8BIT_HEADER : 0) |
           (zero ? MW_MIME_DEFECT_NUL : 0);
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

#if MIME_SIMD
static unsigned block_mask(__m128i m)
{
    return (unsigned)_mm_movemask_epi8(m);
}

static __m128i load16(const char *s)
{
    return _mm_loadu_si128((const __m128i *)(const void *)s);
}
#endif

/* Length of the run of field-name characters at s[0..lim). */
static size_t scan_name(const char *s, size_t lim)
{
    size_t i = 0;
#if MIME_SIMD
    /* Bytes compare signed, so every byte >= 0x80 fails "> 0x20". */
    const __m128i lo = _mm_set1_epi8(0x20), hi = _mm_set1_epi8(0x7f);
    const __m128i colon = _mm_set1_epi8(':');
    for (; i + 16 <= lim; i += 16) {
        __m128i v = load16(s + i);
        __m128i ok =
            _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
        unsigned bad =
            block_mask(_mm_andnot_si128(_mm_cmpeq_epi8(v, colon), ok)) ^
            0xffffu;
        if (bad)
            return i + (size_t)__builtin_ctz(bad);
    }
#endif
    while (i < lim && is_name_char(s[i]))
        i++;
    return i;
}

/* Where a field whose whole extent is in the input ends. */
typedef struct field_scan {
    size_t end;     /* just past its final line break */
    int bare_lf;    /* some line break of it is a bare LF */
    uint32_t bytes; /* 8-bit and NUL defects of its value */
} field_scan;

#if MIME_SIMD
/* 8-bit and NUL defects from the OR and the byte-wise minimum of blocks. */
static uint32_t fold_defects(__m128i any, __m128i min)
{
    uint32_t d = block_mask(any) ? MW_MIME_DEFECT_8BIT_HEADER : 0;
    if (block_mask(_mm_cmpeq_epi8(min, _mm_setzero_si128())))
        d |= MW_MIME_DEFECT_NUL;
    return d;
}
#endif

/* The byte after a line break at s[e] decides: 1 the field ends there,
 * 0 a continuation line follows, -1 that byte is not in the input. */
static int ends_field(const char *s, size_t e, size_t avail)
{
    if (e + 1 >= avail)
        return -1;
    return !mwi_mime_is_wsp(s[e + 1]);
}

/*
 * Find the end of a field whose value starts at s[k]: the first line
 * break in s[k..lim) that no continuation line follows. Returns 0 when
 * the field is not complete within lim or the byte after it is not in
 * s[0..avail). With SSE2 one pass over sixteen bytes per step finds the
 * line breaks and gathers the 8-bit and NUL defects (the OR of the blocks
 * keeps any high bit, their byte-wise minimum any zero byte); the blocks
 * run on across continuation lines.
 */
static int field_end(const char *s, size_t k, size_t lim, size_t avail,
                     field_scan *fs)
{
    int bare = 0;
    size_t i = k;
#if MIME_SIMD
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    __m128i any = zero, min = _mm_set1_epi8(-1);
    for (; i + 16 <= lim; i += 16) {
        __m128i v = load16(s + i);
        unsigned m = block_mask(_mm_cmpeq_epi8(v, nl));
        for (; m; m &= m - 1u) {
            unsigned at = (unsigned)__builtin_ctz(m);
            size_t e = i + at;
            bare |= s[e - 1] != '\r'; /* e > 0: the colon came first */
            int r = ends_field(s, e, avail);
            if (r < 0)
                return 0;
            if (r) {
                unsigned before = (1u << at) - 1u;
                uint32_t d = fold_defects(any, min);
                if (block_mask(v) & before)
                    d |= MW_MIME_DEFECT_8BIT_HEADER;
                if (block_mask(_mm_cmpeq_epi8(v, zero)) & before)
                    d |= MW_MIME_DEFECT_NUL;
                fs->end = e + 1;
                fs->bare_lf = bare;
                fs->bytes = d;
                return 1;
            }
        }
        any = _mm_or_si128(any, v);
        min = _mm_min_epu8(min, v);
    }
    uint32_t d = fold_defects(any, min);
    unsigned char high = 0;
    for (; i < lim; i++) {
        if (s[i] != '\n') {
            high |= (unsigned char)s[i];
            if (s[i] == 0)
                d |= MW_MIME_DEFECT_NUL;
            continue;
        }
        bare |= s[i - 1] != '\r';
        int r = ends_field(s, i, avail);
        if (r < 0)
            return 0;
        if (r) {
            if (high & 0x80u)
                d |= MW_MIME_DEFECT_8BIT_HEADER;
            fs->end = i + 1;
            fs->bare_lf = bare;
            fs->bytes = d;
            return 1;
        }
    }
    return 0;
#else
    for (;;) {
        const char *nl = i < lim ? memchr(s + i, '\n', lim - i) : NULL;
        if (!nl)
            return 0;
        size_t e = (size_t)(nl - s);
        bare |= s[e - 1] != '\r'; /* e > 0: the colon came first */
        int r = ends_field(s, e, avail);
        if (r < 0)
            return 0;
        if (r) {
            fs->end = e + 1;
            fs->bare_lf = bare;
            fs->bytes = scan_bytes_defects(s + k, e - k);
            return 1;
        }
        i = e + 1;
    }
#endif
}

/* Every field of a HEADER event but info (unspecified for it), written
 * once instead of cleared and then written. */
static void header_event(mw_mime_parser *p, mw_mime_event *ev, mw_span name,
                         mw_span value)
{
    ev->type = MW_MIME_EV_HEADER;
    ev->depth = p->nframes - 1;
    ev->defects = 0;
    ev->reserved = 0;
    ev->offset = p->foff;
    ev->part = mwi_mime_part(p, mwi_mime_top(p));
    ev->name = name;
    ev->value = value;
    ev->data = mwi_mime_span(NULL, 0);
}

/*
 * The fast path of a field: when the whole field (continuation lines
 * included, within header_line_max) and the first byte after it are in
 * this call's input, find its line ends and report it at once. The state
 * left behind is what the byte-wise path would leave. Returns -1 with
 * nothing consumed and nothing changed when the byte-wise path must do it
 * (field split across chunks, too long, or no plain "name:" start).
 */
static int field_fast(mw_mime_parser *p, mw_mime_event *ev)
{
    const char *s = p->in + p->pos;
    size_t avail = p->len - p->pos;
    size_t lim = avail < p->hcap ? avail : p->hcap;
    size_t name_len = scan_name(s, lim);
    size_t i = name_len;
    while (i < lim && mwi_mime_is_wsp(s[i]))
        i++;
    if (i >= lim || s[i] != ':')
        return -1;
    size_t value_off = i + 1;
    field_scan fs;
    if (!field_end(s, value_off, lim, avail, &fs))
        return -1;
    size_t k = fs.end;
    uint32_t bytes = fs.bytes;
    int bare_lf = fs.bare_lf;
    frame *f = mwi_mime_top(p);
    if (bare_lf)
        f->defects |= MW_MIME_DEFECT_BARE_LF;
    p->foff = mwi_mime_here(p);
    p->pos += k;
    p->prev_cr = 0;
    p->first_line = 0;
    p->hbytes += k;
    /* Same tolerance as emit_field: fields past the limits are dropped. */
    if (p->hcount >= p->lim.header_count_max ||
        p->hbytes > p->lim.header_bytes_max) {
        f->defects |= MW_MIME_DEFECT_TOO_MANY_HEADERS;
        return STEP_CONT;
    }
    p->hcount++;
    f->defects |= bytes;
    /* The final line break is not part of the value; k > value_off. */
    size_t end = k - 1;
    if (s[end - 1] == '\r')
        end--;
    mw_span name = mwi_mime_span(s, name_len < end ? name_len : end);
    mw_span value = value_off <= end
                        ? mwi_mime_span(s + value_off, end - value_off)
                        : mwi_mime_span(s + end, 0);
    /* Only names of 10, 12, 19 and 25 bytes can be captured ones. */
    if (name.len >= 10 && name.len <= 25 &&
        ((UINT32_C(1) << (name.len - 10)) & 0x8205u))
        capture(p, name, value);
    header_event(p, ev, name, value);
    return STEP_EVENT;
}

int mwi_mime_header_fast(mw_mime_parser *p, mw_mime_event *ev)
{
    if (p->mode != M_HEADERS || p->hstate != HS_LINE_START || p->pending ||
        p->pos >= p->len)
        return -1;
    char c = p->in[p->pos];
    /* A '-' line inside a multipart may be a delimiter (line_start). */
    if (!is_name_char(c) || (c == '-' && p->nactive))
        return -1;
    return field_fast(p, ev);
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
        if (avail >= 2 && p->in[p->pos + 1] == '\n') {
            p->pos += 2; /* the blank line: what HS_CR would do next */
            return headers_over(p);
        }
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
        int r = mwi_mime_header_fast(p, ev);
        if (r >= 0)
            return r;
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
