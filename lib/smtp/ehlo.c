/* EHLO / LHLO capabilities (RFC 5321 section 4.1.1.1, RFC 2033): read
 * the keywords of a 250 reply into an mw_smtp_caps, and build the reply
 * from one. */
#include <string.h>

#include "smtp_int.h"

/* Indexed by bit position of the MW_SMTP_AUTH_* bits. */
const char *const mwi_smtp_mech_names[] = {"PLAIN",
                                           "LOGIN",
                                           "CRAM-MD5",
                                           "DIGEST-MD5",
                                           "XOAUTH2",
                                           "OAUTHBEARER",
                                           "EXTERNAL",
                                           "SCRAM-SHA-1",
                                           "SCRAM-SHA-1-PLUS",
                                           "SCRAM-SHA-256",
                                           "SCRAM-SHA-256-PLUS",
                                           "GSSAPI",
                                           "NTLM",
                                           "ANONYMOUS"};
const size_t mwi_smtp_mech_count = MWI_ARRAY_LEN(mwi_smtp_mech_names);

typedef struct keyword {
    const char *name;
    uint32_t flag;
} keyword;

/* Also the order in which mw_smtp_caps_write() sends them. */
static const keyword keywords[] = {
    {"SIZE", MW_SMTP_CAP_SIZE},
    {"PIPELINING", MW_SMTP_CAP_PIPELINING},
    {"8BITMIME", MW_SMTP_CAP_8BITMIME},
    {"SMTPUTF8", MW_SMTP_CAP_SMTPUTF8},
    {"STARTTLS", MW_SMTP_CAP_STARTTLS},
    {"AUTH", MW_SMTP_CAP_AUTH},
    {"CHUNKING", MW_SMTP_CAP_CHUNKING},
    {"BINARYMIME", MW_SMTP_CAP_BINARYMIME},
    {"DSN", MW_SMTP_CAP_DSN},
    {"ENHANCEDSTATUSCODES", MW_SMTP_CAP_ENHANCEDSTATUSCODES},
    {"REQUIRETLS", MW_SMTP_CAP_REQUIRETLS},
};

uint32_t mw_smtp_auth_mech_bit(const char *name, size_t len)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < mwi_smtp_mech_count; i++)
        if (mwi_span_ieq(name, len, mwi_smtp_mech_names[i]))
            return 1u << i;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static int has_mech(const mw_smtp_caps *c, const char *p, size_t n)
{
    for (uint32_t i = 0; i < c->n_mechs; i++) {
        const mw_span *m = &c->mechs[i];
        if (m->len != n)
            continue;
        size_t k = 0;
        while (k < n && mwi_upper((unsigned char)m->ptr[k]) ==
                            mwi_upper((unsigned char)p[k]))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

static void add_mechs(mw_smtp_caps *c, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Runs of spaces between mechanism names are tolerated. */
        while (i < n && p[i] == ' ')
            i++;
        size_t start = i;
        while (i < n && p[i] != ' ')
            i++;
        if (i == start)
            break;
        const char *m = p + start;
        size_t len = i - start;
        if (!mwi_smtp_is_mech(m, len)) {
            c->n_dropped++;
            continue;
        }
        if (has_mech(c, m, len))
            continue;
        if (c->n_mechs >= MW_SMTP_CAPS_MECHS_MAX) {
            c->n_dropped++;
            continue;
        }
        c->auth |= mw_smtp_auth_mech_bit(m, len);
        c->mechs[c->n_mechs].ptr = m;
        c->mechs[c->n_mechs].len = len;
        c->n_mechs++;
    }
}

static uint32_t known_flag(const char *p, size_t n)
{
    for (size_t i = 0; i < MWI_ARRAY_LEN(keywords); i++)
        if (mwi_span_ieq(p, n, keywords[i].name))
            return keywords[i].flag;
    return 0;
}

static void read_size(mw_smtp_caps *c, const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] != ' ')
        k++;
    uint64_t v = 0;
    /* "SIZE" with a value that is not a number announces no usable limit;
     * treated like a bare "SIZE" rather than refusing the whole reply. */
    if (!mwi_parse_u64(p, k, &v))
        v = 0;
    c->size_max = v;
}

static void read_keyword_line(mw_smtp_caps *c, mw_span line)
{
    const char *t = line.ptr;
    size_t n = line.len, k = 0;
    while (k < n && (mwi_is_alnum((unsigned char)t[k]) || t[k] == '-'))
        k++;
    if (!mwi_smtp_is_keyword(t, k) || (k < n && t[k] != ' ' && t[k] != '=')) {
        c->n_dropped++;
        return;
    }
    mw_span params = {t + (k < n ? k + 1 : k), k < n ? n - k - 1 : 0};
    uint32_t flag = known_flag(t, k);
    if (k < n && t[k] == '=') {
        /* "AUTH=LOGIN PLAIN" is the pre-RFC 2554 form some servers still
         * send next to the standard line, for old Outlook clients. */
        if (flag != MW_SMTP_CAP_AUTH) {
            c->n_dropped++;
            return;
        }
        flag |= MW_SMTP_CAP_AUTH_LEGACY;
    }
    c->flags |= flag;
    if (flag & MW_SMTP_CAP_AUTH) {
        add_mechs(c, params.ptr, params.len);
    } else if (flag == MW_SMTP_CAP_SIZE) {
        read_size(c, params.ptr, params.len);
    } else if (flag == 0) {
        if (c->n_ext >= MW_SMTP_CAPS_EXT_MAX) {
            c->n_dropped++;
            return;
        }
        c->ext[c->n_ext].keyword.ptr = t;
        c->ext[c->n_ext].keyword.len = k;
        c->ext[c->n_ext].params = params;
        c->n_ext++;
    }
}

mw_status mw_smtp_caps_parse(const mw_smtp_reply *reply, mw_smtp_caps *out)
{
    if (!reply || !out || reply->code / 100 != 2 || reply->n_lines == 0 ||
        !reply->lines)
        return MW_E_ARG;
    memset(out, 0, sizeof(*out));
    mw_span first = reply->lines[0];
    size_t k = 0;
    while (k < first.len && first.ptr[k] != ' ')
        k++;
    out->domain.ptr = first.ptr;
    out->domain.len = k;
    out->greeting.ptr = first.ptr + (k < first.len ? k + 1 : k);
    out->greeting.len = k < first.len ? first.len - k - 1 : 0;
    for (uint32_t i = 1; i < reply->n_lines; i++)
        read_keyword_line(out, reply->lines[i]);
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

/* 24 names of at most 20 bytes with spaces, "AUTH=" in front. */
#define MECH_LIST_MAX (5 + MW_SMTP_CAPS_MECHS_MAX * 21)

static mw_status mech_list(const mw_smtp_caps *c, char *buf, size_t *len)
{
    mwi_sink s = {NULL, 0};
    mw_buf b;
    mw_buf_init_fixed(&b, buf, MECH_LIST_MAX);
    s.out = &b;
    if (c->n_mechs > MW_SMTP_CAPS_MECHS_MAX)
        return MW_E_ARG;
    for (uint32_t i = 0; i < c->n_mechs; i++) {
        const mw_span *m = &c->mechs[i];
        if (m->len && !m->ptr)
            return MW_E_ARG;
        if (mwi_find_ctl(m->ptr, m->len) < m->len)
            return MW_E_CRLF;
        if (!mwi_smtp_is_mech(m->ptr, m->len))
            return MW_E_ARG;
        if (i)
            mwi_sink_put(&s, " ", 1);
        mwi_sink_span(&s, *m);
    }
    for (size_t i = 0; c->n_mechs == 0 && i < mwi_smtp_mech_count; i++) {
        if (!(c->auth & (1u << i)))
            continue;
        if (s.n)
            mwi_sink_put(&s, " ", 1);
        mwi_sink_str(&s, mwi_smtp_mech_names[i]);
    }
    *len = s.n;
    return MW_OK;
}

static mw_status check_span(mw_span sp)
{
    if (sp.len && !sp.ptr)
        return MW_E_ARG;
    return mwi_find_ctl(sp.ptr, sp.len) < sp.len ? MW_E_CRLF : MW_OK;
}

/* The domain is read back as the first word of the first line, which must
 * not look like an enhanced status code either. */
static mw_status check_first_line(const mw_smtp_caps *c)
{
    mw_status st = check_span(c->domain);
    if (st == MW_OK)
        st = check_span(c->greeting);
    if (st != MW_OK)
        return st;
    if (c->domain.len == 0 || memchr(c->domain.ptr, ' ', c->domain.len) ||
        mwi_smtp_enhanced_len(c->domain.ptr, c->domain.len, '2') != 0)
        return MW_E_ARG;
    return MW_OK;
}

static mw_status check_ext(const mw_smtp_caps *c)
{
    if (c->n_ext > MW_SMTP_CAPS_EXT_MAX)
        return MW_E_ARG;
    for (uint32_t i = 0; i < c->n_ext; i++) {
        mw_status st = check_span(c->ext[i].keyword);
        if (st == MW_OK)
            st = check_span(c->ext[i].params);
        if (st != MW_OK)
            return st;
        const mw_span *kw = &c->ext[i].keyword;
        if (!mwi_smtp_is_keyword(kw->ptr, kw->len) ||
            known_flag(kw->ptr, kw->len) != 0)
            return MW_E_ARG;
    }
    return MW_OK;
}

static mw_span span_of(const char *p, size_t n)
{
    mw_span sp = {p, n};
    return sp;
}

mw_status mw_smtp_caps_write(const mw_smtp_caps *caps, mw_buf *out)
{
    if (!caps || !out)
        return MW_E_ARG;
    mw_status st = check_first_line(caps);
    if (st == MW_OK)
        st = check_ext(caps);
    char mechs[MECH_LIST_MAX], legacy[MECH_LIST_MAX + 5], size[20];
    size_t mechs_len = 0;
    if (st == MW_OK)
        st = mech_list(caps, mechs, &mechs_len);
    if (st != MW_OK)
        return st;
    mw_span pairs[2 * (1 + MWI_ARRAY_LEN(keywords) + 1 + MW_SMTP_CAPS_EXT_MAX)];
    size_t n = 0;
    pairs[n++] = caps->domain;
    pairs[n++] = caps->greeting;
    for (size_t i = 0; i < MWI_ARRAY_LEN(keywords); i++) {
        if (!(caps->flags & keywords[i].flag))
            continue;
        pairs[n++] = span_of(keywords[i].name, strlen(keywords[i].name));
        pairs[n] = span_of("", 0);
        if (keywords[i].flag == MW_SMTP_CAP_AUTH) {
            pairs[n] = span_of(mechs, mechs_len);
        } else if (keywords[i].flag == MW_SMTP_CAP_SIZE && caps->size_max) {
            mw_buf b;
            mw_buf_init_fixed(&b, size, sizeof(size));
            mwi_sink s = {&b, 0};
            mwi_sink_u64(&s, caps->size_max);
            pairs[n] = span_of(size, s.n);
        }
        n++;
    }
    if (caps->flags & MW_SMTP_CAP_AUTH_LEGACY) {
        memcpy(legacy, "AUTH=", 5);
        if (mechs_len)
            memcpy(legacy + 5, mechs, mechs_len);
        pairs[n++] = span_of(legacy, 5 + mechs_len);
        pairs[n++] = span_of("", 0);
    }
    for (uint32_t i = 0; i < caps->n_ext; i++) {
        pairs[n++] = caps->ext[i].keyword;
        pairs[n++] = caps->ext[i].params;
    }
    return mwi_smtp_reply_write_pairs(250, pairs, n / 2, out);
}
