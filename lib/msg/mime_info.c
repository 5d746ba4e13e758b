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

static mw_span lower_copy(mw_mime_parser *p, mw_span a, mw_span b)
{
    size_t at = p->alen;
    size_t k = 0;
    for (size_t i = 0; i < a.len; i++) {
        char c = a.ptr[i];
        p->arena[at + k++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    if (b.ptr) {
        p->arena[at + k++] = '/';
        for (size_t i = 0; i < b.len; i++) {
            char c = b.ptr[i];
            p->arena[at + k++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
    }
    p->alen += k;
    return mwi_mime_span(p->arena + at, k);
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
    int ok =
        mwi_mime_parse_head(p->ct_raw.ptr, p->ct_raw.len, 1, &type, &subtype);
    if (ok && type.len + subtype.len + 1 <= TYPE_MAX) {
        info->content_type = lower_copy(p, type, subtype);
    } else {
        /* RFC 2045 section 5.2: an invalid Content-Type means text/plain
         * (even in a digest, as Python does). */
        f->defects |= MW_MIME_DEFECT_BAD_CONTENT_TYPE;
        info->content_type = mwi_mime_span("text/plain", 10);
    }
    size_t pos = 0;
    mwi_mime_param prm;
    while (mwi_mime_next_param(p->ct_raw.ptr, p->ct_raw.len, &pos, &prm)) {
        if (!info->charset.ptr &&
            mwi_mime_ieq(prm.name.ptr, prm.name.len, "charset"))
            info->charset = param_value(p, &prm);
        else if (!info->boundary.ptr &&
                 mwi_mime_ieq(prm.name.ptr, prm.name.len, "boundary"))
            info->boundary = param_value(p, &prm);
        else if (!name->ptr && mwi_mime_ieq(prm.name.ptr, prm.name.len, "name"))
            *name = param_value(p, &prm);
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
    if (mwi_mime_parse_head(p->cd_raw.ptr, p->cd_raw.len, 0, &type, &none)) {
        if (type.len > TOKEN_MAX)
            type.len = TOKEN_MAX;
        none.ptr = NULL;
        info->disposition = lower_copy(p, type, none);
    }
    size_t pos = 0;
    mwi_mime_param prm;
    while (mwi_mime_next_param(p->cd_raw.ptr, p->cd_raw.len, &pos, &prm)) {
        if (!info->filename.ptr &&
            mwi_mime_ieq(prm.name.ptr, prm.name.len, "filename"))
            info->filename = param_value(p, &prm);
    }
}

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
    if (mwi_mime_ieq(t.ptr, t.len, "7bit") ||
        mwi_mime_ieq(t.ptr, t.len, "8bit") ||
        mwi_mime_ieq(t.ptr, t.len, "binary"))
        return MW_MIME_CTE_IDENTITY;
    if (mwi_mime_ieq(t.ptr, t.len, "base64"))
        return MW_MIME_CTE_BASE64;
    if (mwi_mime_ieq(t.ptr, t.len, "quoted-printable"))
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

int mwi_mime_headers_end_step(mw_mime_parser *p, mw_mime_event *ev)
{
    frame *f = mwi_mime_top(p);
    mw_mime_info *info = &ev->info;
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
