/* RFC 5321 section 4.1.2 grammar: reverse-path / forward-path, mailbox,
 * local part, domain, address literals (section 4.1.3) and the ESMTP
 * parameters of MAIL and RCPT (RFC 1870, 3461, 4954, 6152, 6531, 8689).
 * Also the local-part and xtext helpers. */
#include <string.h>

#include "smtp_int.h"

/* ------------------------------------------------------------------ */
/* Character classes                                                   */
/* ------------------------------------------------------------------ */

static int is_8bit(unsigned char c)
{
    return c >= 0x80;
}

/* UTF-8 bytes stand for themselves in atext, qtext, labels and values
 * under SMTPUTF8 (RFC 6531 section 3.3); the whole line was validated as
 * UTF-8 before the grammar runs. */
static int utf8_ok(const mwi_cur *c, unsigned char ch)
{
    return is_8bit(ch) && (c->cfg->flags & MW_SMTP_CODEC_UTF8);
}

static int is_atext(unsigned char c)
{
    return mwi_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int is_qtext(unsigned char c)
{
    return c == 32 || c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126);
}

static int is_dcontent(unsigned char c)
{
    return (c >= 33 && c <= 90) || (c >= 94 && c <= 126);
}

static int is_esmtp_value_char(unsigned char c)
{
    return (c >= 33 && c <= 60) || (c >= 62 && c <= 126);
}

static int is_xchar(unsigned char c)
{
    return c >= 33 && c <= 126 && c != '+' && c != '=';
}

static int peek(const mwi_cur *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static mw_status fail(mwi_cur *c, uint32_t reason, size_t offset)
{
    return mwi_smtp_fail(c->err, reason, offset);
}

int mwi_smtp_is_keyword(const char *p, size_t n)
{
    if (n == 0 || !mwi_is_alnum((unsigned char)p[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!mwi_is_alnum((unsigned char)p[i]) && p[i] != '-')
            return 0;
    return 1;
}

int mwi_smtp_is_mech(const char *p, size_t n)
{
    if (n == 0 || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        /* RFC 4422 names are upper case; lower case is tolerated because
         * clients type "auth login" by hand. */
        if (!mwi_is_alnum(ch) && ch != '-' && ch != '_')
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Local part                                                          */
/* ------------------------------------------------------------------ */

static mw_status parse_quoted_local(mwi_cur *c)
{
    c->pos++; /* opening DQUOTE */
    for (;;) {
        int ch = peek(c);
        if (ch < 0)
            return fail(c, MW_SMTP_ERR_BAD_LOCAL, c->pos);
        if (ch == '"') {
            c->pos++;
            return MW_OK;
        }
        if (ch == '\\') {
            c->pos++;
            ch = peek(c);
            if (ch < 32 || ch > 126)
                return fail(c, MW_SMTP_ERR_BAD_LOCAL, c->pos);
            c->pos++;
            continue;
        }
        if (!is_qtext((unsigned char)ch) && !utf8_ok(c, (unsigned char)ch))
            return fail(c, MW_SMTP_ERR_BAD_LOCAL, c->pos);
        c->pos++;
    }
}

static mw_status parse_dot_string(mwi_cur *c)
{
    for (;;) {
        size_t atom = c->pos;
        while (c->pos < c->len) {
            unsigned char ch = (unsigned char)c->s[c->pos];
            if (!is_atext(ch) && !utf8_ok(c, ch))
                break;
            c->pos++;
        }
        if (c->pos == atom)
            return fail(c, MW_SMTP_ERR_BAD_LOCAL, c->pos);
        if (peek(c) != '.')
            return MW_OK;
        c->pos++;
    }
}

static mw_status parse_local(mwi_cur *c, mw_span *out)
{
    size_t start = c->pos;
    mw_status st = peek(c) == '"' ? parse_quoted_local(c) : parse_dot_string(c);
    if (st != MW_OK)
        return st;
    if (c->pos - start > c->cfg->local_max)
        return fail(c, MW_SMTP_ERR_LOCAL_TOO_LONG, start + c->cfg->local_max);
    out->ptr = c->s + start;
    out->len = c->pos - start;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Domain and address literals                                         */
/* ------------------------------------------------------------------ */

static int is_label_char(const mwi_cur *c, unsigned char ch, int helo)
{
    /* '_' is not in the RFC 5321 grammar, but Windows machine names put it
     * in HELO/EHLO arguments and every server accepts them there. */
    return mwi_is_alnum(ch) || ch == '-' || utf8_ok(c, ch) ||
           (helo && ch == '_');
}

static mw_status parse_domain_name(mwi_cur *c, int helo)
{
    size_t start = c->pos;
    for (;;) {
        size_t label = c->pos;
        while (c->pos < c->len &&
               is_label_char(c, (unsigned char)c->s[c->pos], helo))
            c->pos++;
        size_t n = c->pos - label;
        if (n == 0 || c->s[label] == '-')
            return fail(c, MW_SMTP_ERR_BAD_DOMAIN, label);
        if (c->s[c->pos - 1] == '-')
            return fail(c, MW_SMTP_ERR_BAD_DOMAIN, c->pos - 1);
        if (n > 63) /* RFC 1035 section 2.3.4 */
            return fail(c, MW_SMTP_ERR_BAD_DOMAIN, label + 63);
        if (peek(c) != '.')
            break;
        c->pos++;
    }
    if (c->pos - start > c->cfg->domain_max)
        return fail(c, MW_SMTP_ERR_DOMAIN_TOO_LONG, start + c->cfg->domain_max);
    return MW_OK;
}

/* Returns the number of bytes of a valid IPv4 dotted quad at p (all n
 * bytes must be used), or the offset of the first bad byte via *bad. */
static int ipv4_ok(const char *p, size_t n, size_t *bad)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || p[i] != '.') {
                *bad = i;
                return 0;
            }
            i++;
        }
        unsigned value = 0;
        size_t digits = 0, start = i;
        while (i < n && mwi_is_digit((unsigned char)p[i]) && digits < 3) {
            value = value * 10 + (unsigned)(p[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || value > 255) {
            *bad = start;
            return 0;
        }
    }
    if (i != n) {
        *bad = i;
        return 0;
    }
    return 1;
}

/* RFC 5321 IPv6-addr: IPv6-full, IPv6-comp ("::" stands for at least two
 * groups, so at most six are written), IPv6v4-full and IPv6v4-comp. */
static int ipv6_ok(const char *p, size_t n, size_t *bad)
{
    size_t i = 0, units = 0;
    int compressed = 0;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        compressed = 1;
        i = 2;
    } else if (n >= 1 && p[0] == ':') {
        *bad = 0;
        return 0;
    }
    while (i < n) {
        size_t tok = i, hex = 0;
        while (i < n && mwi_is_hex((unsigned char)p[i]) && hex < 5) {
            i++;
            hex++;
        }
        if (i < n && p[i] == '.' && hex > 0) {
            if (!ipv4_ok(p + tok, n - tok, bad)) {
                *bad += tok;
                return 0;
            }
            units += 2;
            i = n;
            break;
        }
        if (hex == 0 || hex > 4) {
            *bad = hex ? tok + 4 : i;
            return 0;
        }
        units++;
        if (i == n)
            break;
        if (p[i] != ':') {
            *bad = i;
            return 0;
        }
        i++;
        if (i < n && p[i] == ':') {
            if (compressed) {
                *bad = i;
                return 0;
            }
            compressed = 1;
            i++;
        } else if (i == n) {
            *bad = i;
            return 0;
        }
    }
    if (compressed ? units > 6 : units != 8) {
        *bad = n;
        return 0;
    }
    return 1;
}

/* General-address-literal = Standardized-tag ":" 1*dcontent. */
static int general_ok(const char *p, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n && (mwi_is_alnum((unsigned char)p[i]) || p[i] == '-'))
        i++;
    if (i == 0 || i == n || p[i] != ':' || p[i - 1] == '-') {
        *bad = i;
        return 0;
    }
    if (i + 1 == n) {
        *bad = n;
        return 0;
    }
    for (size_t j = i + 1; j < n; j++) {
        if (!is_dcontent((unsigned char)p[j])) {
            *bad = j;
            return 0;
        }
    }
    return 1;
}

static mw_status parse_literal(mwi_cur *c, uint32_t *lit_flags)
{
    size_t open = c->pos++;
    size_t start = c->pos;
    while (c->pos < c->len && c->s[c->pos] != ']' && c->s[c->pos] != '[' &&
           c->s[c->pos] != '\\')
        c->pos++;
    if (peek(c) != ']')
        return fail(c, MW_SMTP_ERR_BAD_LITERAL, c->pos);
    const char *p = c->s + start;
    size_t n = c->pos - start, bad = 0;
    int ok;
    if (n >= 5 && mwi_span_ieq(p, 5, "IPV6:")) {
        ok = ipv6_ok(p + 5, n - 5, &bad);
        bad += 5;
        *lit_flags = MW_SMTP_PATH_IPV6;
    } else if (n > 0 && mwi_is_digit((unsigned char)p[0]) &&
               memchr(p, ':', n) == NULL) {
        ok = ipv4_ok(p, n, &bad);
        *lit_flags = MW_SMTP_PATH_IPV4;
    } else {
        ok = general_ok(p, n, &bad);
        *lit_flags = MW_SMTP_PATH_GENERAL;
    }
    if (!ok)
        return fail(c, MW_SMTP_ERR_BAD_LITERAL, start + bad);
    c->pos++; /* ']' */
    if (c->pos - open > c->cfg->domain_max)
        return fail(c, MW_SMTP_ERR_DOMAIN_TOO_LONG, open + c->cfg->domain_max);
    return MW_OK;
}

mw_status mwi_smtp_parse_domain_or_literal(mwi_cur *c, uint32_t *lit_flags,
                                           int helo)
{
    *lit_flags = 0;
    if (peek(c) == '[')
        return parse_literal(c, lit_flags);
    return parse_domain_name(c, helo);
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */
/* ------------------------------------------------------------------ */

/* A-d-l = At-domain *( "," At-domain ) ":"; accepted and ignored
 * (RFC 5321 section 4.1.1.3 and appendix C). */
static mw_status parse_route(mwi_cur *c, mw_span *route)
{
    size_t start = c->pos;
    for (;;) {
        if (peek(c) != '@')
            return fail(c, MW_SMTP_ERR_BAD_ROUTE, c->pos);
        c->pos++;
        mw_status st = parse_domain_name(c, 0);
        if (st != MW_OK)
            return st;
        if (peek(c) == ',') {
            c->pos++;
            continue;
        }
        if (peek(c) != ':')
            return fail(c, MW_SMTP_ERR_BAD_ROUTE, c->pos);
        route->ptr = c->s + start;
        route->len = c->pos - start;
        c->pos++;
        return MW_OK;
    }
}

static int has_8bit(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_8bit((unsigned char)p[i]))
            return 1;
    return 0;
}

static mw_status parse_mailbox(mwi_cur *c, mw_smtp_path *out)
{
    mw_status st = parse_local(c, &out->local);
    if (st != MW_OK)
        return st;
    if (out->local.ptr[0] == '"')
        out->flags |= MW_SMTP_PATH_QUOTED;
    if (peek(c) != '@')
        return fail(c, MW_SMTP_ERR_AT_EXPECTED, c->pos);
    c->pos++;
    size_t dstart = c->pos;
    uint32_t lit = 0;
    st = mwi_smtp_parse_domain_or_literal(c, &lit, 0);
    if (st != MW_OK)
        return st;
    out->flags |= lit;
    out->domain.ptr = c->s + dstart;
    out->domain.len = c->pos - dstart;
    return MW_OK;
}

static int is_postmaster(const mwi_cur *c)
{
    return c->len - c->pos >= 11 &&
           mwi_span_ieq(c->s + c->pos, 11, "POSTMASTER>");
}

mw_status mwi_smtp_parse_path(mwi_cur *c, int is_mail, mw_smtp_path *out)
{
    memset(out, 0, sizeof(*out));
    size_t open = c->pos;
    if (peek(c) != '<')
        return fail(c, MW_SMTP_ERR_PATH_EXPECTED, c->pos);
    c->pos++;
    mw_status st;
    if (peek(c) == '>') {
        if (!is_mail)
            return fail(c, MW_SMTP_ERR_NULL_PATH, c->pos);
        out->flags |= MW_SMTP_PATH_NULL;
    } else if (!is_mail && is_postmaster(c)) {
        out->local.ptr = c->s + c->pos;
        out->local.len = 10;
        out->flags |= MW_SMTP_PATH_POSTMASTER;
        c->pos += 10;
    } else {
        if (peek(c) == '@') {
            st = parse_route(c, &out->route);
            if (st != MW_OK)
                return st;
            out->flags |= MW_SMTP_PATH_ROUTE;
        }
        st = parse_mailbox(c, out);
        if (st != MW_OK)
            return st;
    }
    if (peek(c) != '>')
        return fail(c, MW_SMTP_ERR_PATH_END_EXPECTED, c->pos);
    c->pos++;
    if (c->pos - open > c->cfg->path_max)
        return fail(c, MW_SMTP_ERR_PATH_TOO_LONG, open + c->cfg->path_max);
    if (has_8bit(c->s + open, c->pos - open))
        out->flags |= MW_SMTP_PATH_UTF8;
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* ESMTP parameters                                                    */
/* ------------------------------------------------------------------ */

static int xtext_ok(const mwi_cur *c, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '+') {
            /* RFC 3461 wants upper-case hex; lower case is tolerated as
             * every decoder does. */
            if (n - i < 3 || !mwi_is_hex((unsigned char)p[i + 1]) ||
                !mwi_is_hex((unsigned char)p[i + 2]))
                return 0;
            i += 2;
        } else if (!is_xchar(ch) && !utf8_ok(c, ch)) {
            return 0;
        }
    }
    return 1;
}

typedef struct param {
    size_t name_off;
    mw_span name;
    mw_span value;
    size_t value_off;
} param;

static mw_status set_once(mwi_cur *c, mw_smtp_cmd *out, uint32_t bit,
                          const param *p)
{
    if (out->pflags & bit)
        return fail(c, MW_SMTP_ERR_DUP_PARAM, p->name_off);
    out->pflags |= bit;
    return MW_OK;
}

static mw_status bad_value(mwi_cur *c, const param *p)
{
    return fail(c, MW_SMTP_ERR_BAD_PARAM_VALUE, p->value_off);
}

static int value_is(const param *p, const char *upper)
{
    return mwi_span_ieq(p->value.ptr, p->value.len, upper);
}

static int name_is(const param *p, const char *upper)
{
    return mwi_span_ieq(p->name.ptr, p->name.len, upper);
}

static mw_status mail_body(mwi_cur *c, mw_smtp_cmd *out, const param *p)
{
    if (value_is(p, "7BIT"))
        out->body = MW_SMTP_BODY_7BIT;
    else if (value_is(p, "8BITMIME"))
        out->body = MW_SMTP_BODY_8BITMIME;
    else if (value_is(p, "BINARYMIME"))
        out->body = MW_SMTP_BODY_BINARYMIME;
    else
        return bad_value(c, p);
    return MW_OK;
}

static mw_status mail_ret(mwi_cur *c, mw_smtp_cmd *out, const param *p)
{
    if (value_is(p, "FULL"))
        out->ret = MW_SMTP_RET_FULL;
    else if (value_is(p, "HDRS"))
        out->ret = MW_SMTP_RET_HDRS;
    else
        return bad_value(c, p);
    return MW_OK;
}

/* Returns 1 when handled, 0 when the name is not a MAIL parameter. */
static int mail_param(mwi_cur *c, mw_smtp_cmd *out, const param *p,
                      mw_status *st)
{
    int needs_value = 1;
    uint32_t bit;
    if (name_is(p, "SIZE"))
        bit = MW_SMTP_P_SIZE;
    else if (name_is(p, "BODY"))
        bit = MW_SMTP_P_BODY;
    else if (name_is(p, "RET"))
        bit = MW_SMTP_P_RET;
    else if (name_is(p, "ENVID"))
        bit = MW_SMTP_P_ENVID;
    else if (name_is(p, "AUTH"))
        bit = MW_SMTP_P_AUTH;
    else if (name_is(p, "SMTPUTF8"))
        bit = MW_SMTP_P_SMTPUTF8, needs_value = 0;
    else if (name_is(p, "REQUIRETLS"))
        bit = MW_SMTP_P_REQUIRETLS, needs_value = 0;
    else
        return 0;
    *st = set_once(c, out, bit, p);
    if (*st != MW_OK)
        return 1;
    if ((p->value.len > 0) != needs_value) {
        *st = fail(c, MW_SMTP_ERR_BAD_PARAM_VALUE,
                   needs_value ? p->value_off : p->value_off - 1);
        return 1;
    }
    switch (bit) {
    case MW_SMTP_P_SIZE:
        if (!mwi_parse_u64(p->value.ptr, p->value.len, &out->size))
            *st = fail(c, MW_SMTP_ERR_BAD_NUMBER, p->value_off);
        break;
    case MW_SMTP_P_BODY:
        *st = mail_body(c, out, p);
        break;
    case MW_SMTP_P_RET:
        *st = mail_ret(c, out, p);
        break;
    case MW_SMTP_P_ENVID:
    case MW_SMTP_P_AUTH:
        if (!xtext_ok(c, p->value.ptr, p->value.len))
            *st = fail(c, MW_SMTP_ERR_BAD_XTEXT, p->value_off);
        else if (bit == MW_SMTP_P_ENVID)
            out->envid = p->value;
        else
            out->auth = p->value;
        break;
    default:
        break;
    }
    return 1;
}

static mw_status rcpt_notify(mwi_cur *c, mw_smtp_cmd *out, const param *p)
{
    static const char *const names[] = {"NEVER", "SUCCESS", "FAILURE", "DELAY"};
    const char *v = p->value.ptr;
    size_t n = p->value.len, i = 0;
    uint32_t bits = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        uint32_t bit = 0;
        for (unsigned k = 0; k < 4; k++)
            if (mwi_span_ieq(v + i, j - i, names[k]))
                bit = 1u << k;
        if (bit == 0 || (bits & bit))
            return fail(c, MW_SMTP_ERR_BAD_PARAM_VALUE, p->value_off + i);
        bits |= bit;
        i = j + 1;
    }
    /* NEVER must stand alone (RFC 3461 section 4.1). */
    if ((bits & MW_SMTP_NOTIFY_NEVER) && bits != MW_SMTP_NOTIFY_NEVER)
        return bad_value(c, p);
    out->notify = bits;
    return MW_OK;
}

/* ORCPT = addr-type ";" xtext, addr-type an atom. */
static mw_status rcpt_orcpt(mwi_cur *c, mw_smtp_cmd *out, const param *p)
{
    const char *v = p->value.ptr;
    size_t n = p->value.len, i = 0;
    while (i < n && is_atext((unsigned char)v[i]))
        i++;
    if (i == 0 || i == n || v[i] != ';')
        return fail(c, MW_SMTP_ERR_BAD_PARAM_VALUE, p->value_off + i);
    if (i + 1 == n || !xtext_ok(c, v + i + 1, n - i - 1))
        return fail(c, MW_SMTP_ERR_BAD_XTEXT, p->value_off + i + 1);
    out->orcpt_type.ptr = v;
    out->orcpt_type.len = i;
    out->orcpt_addr.ptr = v + i + 1;
    out->orcpt_addr.len = n - i - 1;
    return MW_OK;
}

static int rcpt_param(mwi_cur *c, mw_smtp_cmd *out, const param *p,
                      mw_status *st)
{
    uint32_t bit;
    if (name_is(p, "NOTIFY"))
        bit = MW_SMTP_P_NOTIFY;
    else if (name_is(p, "ORCPT"))
        bit = MW_SMTP_P_ORCPT;
    else
        return 0;
    *st = set_once(c, out, bit, p);
    if (*st != MW_OK)
        return 1;
    if (p->value.len == 0)
        *st = fail(c, MW_SMTP_ERR_BAD_PARAM_VALUE, p->value_off);
    else if (bit == MW_SMTP_P_NOTIFY)
        *st = rcpt_notify(c, out, p);
    else
        *st = rcpt_orcpt(c, out, p);
    return 1;
}

static mw_status read_param(mwi_cur *c, param *p)
{
    memset(p, 0, sizeof(*p));
    p->name_off = c->pos;
    while (c->pos < c->len &&
           (mwi_is_alnum((unsigned char)c->s[c->pos]) || c->s[c->pos] == '-'))
        c->pos++;
    p->name.ptr = c->s + p->name_off;
    p->name.len = c->pos - p->name_off;
    if (!mwi_smtp_is_keyword(p->name.ptr, p->name.len))
        return fail(c, MW_SMTP_ERR_BAD_PARAM, p->name_off);
    p->value_off = c->pos; /* where a missing value should start */
    if (peek(c) != '=') {
        if (c->pos < c->len && c->s[c->pos] != ' ')
            return fail(c, MW_SMTP_ERR_BAD_PARAM, c->pos);
        return MW_OK;
    }
    c->pos++;
    p->value_off = c->pos;
    size_t v = c->pos;
    while (c->pos < c->len) {
        unsigned char ch = (unsigned char)c->s[c->pos];
        if (!is_esmtp_value_char(ch) && !utf8_ok(c, ch))
            break;
        c->pos++;
    }
    if (c->pos == v || (c->pos < c->len && c->s[c->pos] != ' '))
        return fail(c, MW_SMTP_ERR_BAD_PARAM, c->pos);
    p->value.ptr = c->s + v;
    p->value.len = c->pos - v;
    return MW_OK;
}

/* Skips the separating space(s); returns 0 at the end of the line. */
static int next_param(mwi_cur *c, mw_smtp_cmd *out)
{
    size_t spaces = 0;
    while (c->pos < c->len && c->s[c->pos] == ' ') {
        c->pos++;
        spaces++;
    }
    /* Several spaces, or spaces at the end of the line, are not in the
     * grammar but are sent by hand-typing users and some scripts. */
    if (spaces > 1 || (spaces == 1 && c->pos == c->len))
        out->flags |= MW_SMTP_CMD_F_EXTRA_SPACE;
    return c->pos < c->len;
}

mw_status mwi_smtp_parse_params(mwi_cur *c, uint32_t verb, mw_smtp_cmd *out)
{
    if (c->pos < c->len && c->s[c->pos] != ' ')
        return fail(c, MW_SMTP_ERR_SPACE_EXPECTED, c->pos);
    while (next_param(c, out)) {
        param p;
        mw_status st = read_param(c, &p);
        if (st != MW_OK)
            return st;
        int known = verb == MW_SMTP_VERB_MAIL ? mail_param(c, out, &p, &st)
                                              : rcpt_param(c, out, &p, &st);
        if (known) {
            if (st != MW_OK)
                return st;
            continue;
        }
        if (out->n_params >= MW_SMTP_PARAMS_MAX)
            return fail(c, MW_SMTP_ERR_TOO_MANY_PARAMS, p.name_off);
        out->params[out->n_params].name = p.name;
        out->params[out->n_params].value = p.value;
        out->n_params++;
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Writing paths                                                       */
/* ------------------------------------------------------------------ */

static int is_dot_string(const char *p, size_t n, int utf8)
{
    if (n == 0 || p[0] == '.' || p[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '.') {
            if (p[i + 1] == '.')
                return 0;
        } else if (!is_atext(ch) && !(utf8 && is_8bit(ch))) {
            return 0;
        }
    }
    return 1;
}

/* Dot-string as is; otherwise a quoted-string where '"' and '\' become
 * quoted-pairs. Other bytes go out unchanged: the caller checked CR, LF
 * and NUL, and the re-parse of the line refuses anything else. */
static void sink_local_raw(mwi_sink *s, const char *p, size_t n)
{
    if (is_dot_string(p, n, 1)) {
        mwi_sink_put(s, p, n);
        return;
    }
    mwi_sink_put(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            mwi_sink_put(s, "\\", 1);
        mwi_sink_put(s, p + i, 1);
    }
    mwi_sink_put(s, "\"", 1);
}

void mwi_smtp_sink_path(mwi_sink *s, const mw_smtp_path *p)
{
    mwi_sink_put(s, "<", 1);
    if (!(p->flags & MW_SMTP_PATH_NULL)) {
        if (p->flags & MW_SMTP_PATH_LOCAL_RAW)
            sink_local_raw(s, p->local.ptr, p->local.len);
        else
            mwi_sink_span(s, p->local);
        if (!(p->flags & MW_SMTP_PATH_POSTMASTER)) {
            mwi_sink_put(s, "@", 1);
            mwi_sink_span(s, p->domain);
        }
    }
    mwi_sink_put(s, ">", 1);
}

/* ------------------------------------------------------------------ */
/* Public helpers: local parts and xtext                               */
/* ------------------------------------------------------------------ */

mw_status mw_smtp_local_decode(const char *local, size_t len, mw_buf *out)
{
    if (!out || (!local && len))
        return MW_E_ARG;
    if (len == 0 || local[0] != '"')
        return mw_buf_append(out, local, len);
    if (len < 2 || local[len - 1] != '"')
        return MW_E_SYNTAX;
    size_t need = 0;
    for (size_t i = 1; i + 1 < len; i++, need++) {
        if (local[i] == '\\') {
            if (i + 2 >= len)
                return MW_E_SYNTAX;
            i++;
        } else if (local[i] == '"') {
            return MW_E_SYNTAX;
        }
    }
    mw_status st = mw_buf_reserve(out, need);
    if (st != MW_OK)
        return st;
    for (size_t i = 1; i + 1 < len; i++) {
        if (local[i] == '\\')
            i++;
        (void)mw_buf_append_byte(out, (uint8_t)local[i]);
    }
    return MW_OK;
}

mw_status mw_smtp_local_encode(const char *value, size_t len, int utf8,
                               mw_buf *out)
{
    if (!out || (!value && len))
        return MW_E_ARG;
    if (mwi_find_ctl(value, len) < len)
        return MW_E_CRLF;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)value[i];
        if ((ch < 32 || ch == 127) || (is_8bit(ch) && !utf8))
            return MW_E_ARG;
    }
    if (utf8 && !mw_utf8_is_valid(value, len, NULL))
        return MW_E_ARG;
    mwi_sink s = {NULL, 0};
    sink_local_raw(&s, value, len);
    mw_status st = mw_buf_reserve(out, s.n);
    if (st != MW_OK)
        return st;
    s.out = out;
    sink_local_raw(&s, value, len);
    return MW_OK;
}

static unsigned hex_value(unsigned char c)
{
    if (mwi_is_digit(c))
        return (unsigned)(c - '0');
    return (unsigned)(mwi_upper(c) - 'A' + 10);
}

mw_status mw_smtp_xtext_decode(const char *in, size_t len, mw_buf *out)
{
    if (!out || (!in && len))
        return MW_E_ARG;
    size_t need = 0;
    for (size_t i = 0; i < len; i++, need++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch == '+') {
            if (len - i < 3 || !mwi_is_hex((unsigned char)in[i + 1]) ||
                !mwi_is_hex((unsigned char)in[i + 2]))
                return MW_E_SYNTAX;
            i += 2;
        } else if (!is_xchar(ch)) {
            return MW_E_SYNTAX;
        }
    }
    mw_status st = mw_buf_reserve(out, need);
    if (st != MW_OK)
        return st;
    for (size_t i = 0; i < len; i++) {
        unsigned value = (unsigned char)in[i];
        if (value == '+') {
            value = hex_value((unsigned char)in[i + 1]) * 16 +
                    hex_value((unsigned char)in[i + 2]);
            i += 2;
        }
        (void)mw_buf_append_byte(out, (uint8_t)value);
    }
    return MW_OK;
}

mw_status mw_smtp_xtext_encode(const void *in, size_t len, mw_buf *out)
{
    if (!out || (!in && len))
        return MW_E_ARG;
    const unsigned char *p = in;
    size_t need = 0;
    for (size_t i = 0; i < len; i++)
        need += is_xchar(p[i]) ? 1 : 3;
    mw_status st = mw_buf_reserve(out, need);
    if (st != MW_OK)
        return st;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        if (is_xchar(p[i])) {
            (void)mw_buf_append_byte(out, p[i]);
        } else {
            char enc[3] = {'+', hex[p[i] >> 4], hex[p[i] & 15]};
            (void)mw_buf_append(out, enc, 3);
        }
    }
    return MW_OK;
}
