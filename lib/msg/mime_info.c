/* End of a header block: what the entity's Content-* fields say (RFC
 * 2045, 2046, 2183) and what kind of entity it is. */
#include <string.h>

#include "mime_int.h"

/* A parameter value, unescaped into the arena when it has to be. */
static mw_span param_value(mw_mime_parser *p, const mwi_mime_param *prm)
{
    if (!prm->needs_unescape)
        return prm->value;
    size_t at = p->alen;
    size_t k = prm->value.len;
    if (k > p->acap - at)
        k = p->acap - at; /* cannot happen with the sizing above */
    k = mwi_mime_unescape(prm->value.ptr, k, p->arena + at);
    p->alen += k;
    return mwi_mime_span(p->arena + at, k);
}

#define ONES64 UINT64_C(0x0101010101010101)
#define HIGHS64 UINT64_C(0x8080808080808080)

/* ASCII lower case without a branch: the bit 0x20 for 'A'..'Z' only,
 * eight bytes per step. Adding 0x80 - 'A' (0x80 - 'Z' - 1) to the low
 * seven bits of each byte sets its high bit exactly when the byte is >=
 * 'A' (> 'Z'); bytes >= 0x80 are left alone. */
static void lower_into(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        uint64_t low = w & ~HIGHS64;
        uint64_t ge_a = low + (0x80u - 'A') * ONES64;
        uint64_t gt_z = low + (0x80u - 'Z' - 1u) * ONES64;
        uint64_t upper = (ge_a ^ gt_z) & ~w & HIGHS64;
        w |= upper >> 2;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++) {
        unsigned c = (unsigned char)src[i];
        dst[i] = (char)(c | ((unsigned)(c - 'A' < 26u) << 5));
    }
}

static mw_span lower_copy(mw_mime_parser *p, mw_span a, mw_span b)
{
    char *out = p->arena + p->alen;
    size_t k = a.len;
    lower_into(out, a.ptr, a.len);
    if (b.ptr) {
        out[k++] = '/';
        lower_into(out + k, b.ptr, b.len);
        k += b.len;
    }
    p->alen += k;
    return mwi_mime_span(out, k);
}

/* Parameters of the plain shape handled in one pass (see
 * mwi_mime_plain_params); more go the general way. */
#define PLAIN_MAX 8

static void set_content_type(mw_mime_parser *p, mw_mime_info *info, int ok,
                             mw_span type, mw_span subtype)
{
    if (ok && type.len + subtype.len + 1 <= TYPE_MAX) {
        info->content_type = lower_copy(p, type, subtype);
    } else {
        /* RFC 2045 section 5.2: an invalid Content-Type means text/plain
         * (even in a digest, as Python does). */
        mwi_mime_top(p)->defects |= MW_MIME_DEFECT_BAD_CONTENT_TYPE;
        info->content_type = mwi_mime_span("text/plain", 10);
    }
}

/* The first charset, boundary and name parameters win. */
static void take_param(mw_mime_parser *p, mw_mime_info *info, mw_span *name,
                       const mwi_mime_param *prm)
{
    if (!info->charset.ptr &&
        MWI_IEQ_TOKEN(prm->name.ptr, prm->name.len, "charset"))
        info->charset = param_value(p, prm);
    else if (!info->boundary.ptr &&
             MWI_IEQ_TOKEN(prm->name.ptr, prm->name.len, "boundary"))
        info->boundary = param_value(p, prm);
    else if (!name->ptr && MWI_IEQ_TOKEN(prm->name.ptr, prm->name.len, "name"))
        *name = param_value(p, prm);
}

static void content_type_info(mw_mime_parser *p, mw_mime_info *info,
                              mw_span *name)
{
    frame *f = mwi_mime_top(p);
    int digest_child = (f->flags & FR_IN_DIGEST) != 0;
    info->content_type = digest_child ? mwi_mime_span("message/rfc822", 14)
                                      : mwi_mime_span("text/plain", 10);
    if (!p->have_ct)
        return;
    info->content_type_raw = p->ct_raw;
    mw_span type, subtype;
    mwi_mime_param plain[PLAIN_MAX];
    int np = mwi_mime_plain_params(p->ct_raw.ptr, p->ct_raw.len, &type,
                                   &subtype, plain, PLAIN_MAX);
    if (np >= 0) {
        set_content_type(p, info, 1, type, subtype);
        for (int k = 0; k < np; k++)
            take_param(p, info, name, &plain[k]);
    } else {
        size_t head_end;
        int ok = mwi_mime_parse_head(p->ct_raw.ptr, p->ct_raw.len, 1, &type,
                                     &subtype, &head_end);
        set_content_type(p, info, ok, type, subtype);
        size_t pos =
            mwi_mime_params_after(p->ct_raw.ptr, p->ct_raw.len, head_end);
        mwi_mime_param prm;
        while (mwi_mime_next_param(p->ct_raw.ptr, p->ct_raw.len, &pos, &prm))
            take_param(p, info, name, &prm);
    }
    /* The empty-but-present values need a non-NULL pointer. */
    if (info->charset.ptr && !info->charset.len)
        info->charset.ptr = "";
}

static void disposition_info(mw_mime_parser *p, mw_mime_info *info)
{
    if (!p->have_cd)
        return;
    info->disposition_raw = p->cd_raw;
    mw_span type, none;
    size_t head_end;
    if (mwi_mime_parse_head(p->cd_raw.ptr, p->cd_raw.len, 0, &type, &none,
                            &head_end)) {
        if (type.len > TOKEN_MAX)
            type.len = TOKEN_MAX;
        none.ptr = NULL;
        info->disposition = lower_copy(p, type, none);
    }
    size_t pos = mwi_mime_params_after(p->cd_raw.ptr, p->cd_raw.len, head_end);
    mwi_mime_param prm;
    while (mwi_mime_next_param(p->cd_raw.ptr, p->cd_raw.len, &pos, &prm)) {
        if (!info->filename.ptr &&
            MWI_IEQ_TOKEN(prm.name.ptr, prm.name.len, "filename"))
            info->filename = param_value(p, &prm);
    }
}

static int token_is_n(mw_span t, const char *lit, size_t n)
{
    return t.len == n && memcmp(t.ptr, lit, n) == 0;
}

#define TOKEN_IS(t, lit) token_is_n(t, lit, sizeof(lit) - 1)

static uint32_t encoding_of(mw_mime_parser *p, mw_mime_info *info)
{
    if (!p->have_cte || p->cte_len == 0)
        return MW_MIME_CTE_IDENTITY; /* an empty value is ignored */
    size_t k = p->cte_len < TOKEN_MAX ? p->cte_len : TOKEN_MAX;
    info->transfer_encoding =
        mwi_mime_span(p->arena + mwi_mime_arena_copy(p, p->cte_tok, k), k);
    mw_span t = info->transfer_encoding;
    if (p->cte_len > TOKEN_MAX)
        return MW_MIME_CTE_UNKNOWN;
    /* The token was lower-cased when it was captured. */
    if (TOKEN_IS(t, "7bit") || TOKEN_IS(t, "8bit") || TOKEN_IS(t, "binary"))
        return MW_MIME_CTE_IDENTITY;
    if (TOKEN_IS(t, "base64"))
        return MW_MIME_CTE_BASE64;
    if (TOKEN_IS(t, "quoted-printable"))
        return MW_MIME_CTE_QP;
    return MW_MIME_CTE_UNKNOWN;
}

static int type_is(mw_span ct, const char *lit)
{
    return mwi_mime_ieq(ct.ptr, ct.len, lit);
}

static int type_prefix(mw_span ct, const char *lit, size_t n)
{
    return ct.len >= n && memcmp(ct.ptr, lit, n) == 0;
}

static uint32_t decide_kind(mw_mime_parser *p, mw_mime_info *info)
{
    frame *f = mwi_mime_top(p);
    uint32_t depth = p->nframes - 1;
    mw_span ct = info->content_type;
    if (type_prefix(ct, "multipart/", 10)) {
        mw_span b = info->boundary;
        if (!b.ptr || b.len == 0 || b.len > p->lim.boundary_max) {
            /* RFC 2046 requires the boundary; without one (or with one
             * beyond boundary_max) the body cannot be split: it is a
             * text/plain leaf, as RFC 2045 says for invalid types. */
            f->defects |= MW_MIME_DEFECT_NO_BOUNDARY;
            info->content_type = mwi_mime_span("text/plain", 10);
            return MW_MIME_KIND_LEAF;
        }
        if (depth + 1 > p->lim.mime_depth_max) {
            /* Too deep: the multipart body is delivered as leaf data. */
            f->defects |= MW_MIME_DEFECT_TOO_DEEP;
            return MW_MIME_KIND_LEAF;
        }
        return MW_MIME_KIND_MULTIPART;
    }
    if (type_is(ct, "message/rfc822") || type_is(ct, "message/global")) {
        /* An encoded embedded message (legal for message/global, RFC
         * 6532) is a leaf: BODY events carry the decoded message and the
         * caller may run another parser over them. */
        if (info->encoding != MW_MIME_CTE_IDENTITY)
            return MW_MIME_KIND_LEAF;
        if (depth + 1 > p->lim.mime_depth_max) {
            f->defects |= MW_MIME_DEFECT_TOO_DEEP;
            return MW_MIME_KIND_LEAF;
        }
        if (p->entities >= p->lim.mime_parts_max) {
            f->defects |= MW_MIME_DEFECT_TOO_MANY_PARTS;
            return MW_MIME_KIND_LEAF;
        }
        return MW_MIME_KIND_MESSAGE;
    }
    return MW_MIME_KIND_LEAF;
}

static void start_decoder(mw_mime_parser *p, uint32_t encoding)
{
    p->decoding = 0;
    p->flushed = 0;
    if (p->flags & MW_MIME_RAW_BODY)
        return;
    if (encoding == MW_MIME_CTE_BASE64) {
        mw_b64_decoder_init(&p->dec.b64, 0);
        p->decoding = 1;
    } else if (encoding == MW_MIME_CTE_QP) {
        mw_qp_decoder_init(&p->dec.qp, 0);
        p->decoding = 1;
    }
}

/* A few stores instead of a string instruction for the whole struct. */
static void clear_info(mw_mime_info *info)
{
    mw_span none = {NULL, 0};
    info->kind = 0;
    info->encoding = 0;
    info->defects = 0;
    info->reserved = 0;
    info->content_type = none;
    info->charset = none;
    info->boundary = none;
    info->transfer_encoding = none;
    info->disposition = none;
    info->content_id = none;
    info->filename = none;
    info->content_type_raw = none;
    info->disposition_raw = none;
}

int mwi_mime_headers_end_step(mw_mime_parser *p, mw_mime_event *ev)
{
    frame *f = mwi_mime_top(p);
    mw_mime_info *info = &ev->info;
    clear_info(info);
    mw_span name = {NULL, 0};
    content_type_info(p, info, &name);
    disposition_info(p, info);
    if (!info->filename.ptr)
        info->filename = name;
    if (p->have_cid)
        info->content_id = p->cid;
    uint32_t enc = encoding_of(p, info);
    if (enc == MW_MIME_CTE_UNKNOWN)
        f->defects |= MW_MIME_DEFECT_UNKNOWN_CTE; /* passes raw */
    info->encoding = enc;
    /* Missing MIME-Version: MIME is parsed anyway, as every reader does. */
    if ((f->flags & FR_MSG_ROOT) && !p->have_mv)
        f->defects |= MW_MIME_DEFECT_NO_MIME_VERSION;
    uint32_t kind = decide_kind(p, info);
    if (kind != MW_MIME_KIND_LEAF) {
        /* A transfer encoding on a container is ignored (RFC 2045 allows
         * only identity ones there; Python ignores it too). */
        enc = MW_MIME_CTE_IDENTITY;
        info->encoding = enc;
    }
    f->kind = kind;
    f->encoding = enc;
    info->kind = kind;
    info->defects = f->defects;
    ev->type = MW_MIME_EV_HEADERS_END;
    ev->depth = p->nframes - 1;
    ev->part = mwi_mime_part(p, f);
    ev->offset =
        mwi_mime_here(p) - p->replay_len - (p->held == HELD_CR ? 1u : 0u);
    p->sink = SINK_BODY;
    p->mode = M_CONTENT;
    if (p->sstate == SC_LINE_START)
        p->line_off = ev->offset;
    if (kind == MW_MIME_KIND_LEAF) {
        start_decoder(p, enc);
    } else if (kind == MW_MIME_KIND_MULTIPART) {
        uint32_t depth = p->nframes - 1;
        memcpy(p->bounds + (size_t)depth * p->lim.boundary_max,
               info->boundary.ptr, info->boundary.len);
        f->blen = (uint32_t)info->boundary.len;
        f->flags |= FR_ACTIVE;
        if (type_is(info->content_type, "multipart/digest"))
            f->flags |= FR_DIGEST;
        mwi_mime_recompute_active(p);
        p->sink = SINK_PREAMBLE;
    } else {
        /* The embedded message starts where this body starts; if this
         * header block ended on a non-header line, so does its. */
        int over =
            p->replay_len > 0 || p->held == HELD_CR || p->sstate == SC_IN_LINE;
        mwi_mime_push_frame(p, f->pn_len, FR_MSG_ROOT);
        mwi_mime_top(p)->begin = ev->offset;
        p->skip_headers = over;
    }
    return STEP_EVENT;
}
