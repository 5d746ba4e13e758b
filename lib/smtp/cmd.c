/* SMTP command lines (RFC 5321 section 4.1.1, RFC 2033, RFC 3030,
 * RFC 3207, RFC 4954): parse one line into an mw_smtp_cmd, write one back,
 * compare two. Also the codec's shared settings, errors and small
 * helpers. */
#include <string.h>

#include "smtp_int.h"

/* ------------------------------------------------------------------ */
/* Settings and errors                                                 */
/* ------------------------------------------------------------------ */

static uint32_t at_least(uint32_t value, uint32_t minimum)
{
    return value < minimum ? minimum : value;
}

void mwi_smtp_cfg_resolve(const mw_smtp_codec_config *in, mwi_smtp_cfg *out)
{
    mw_smtp_codec_config copy;
    memset(&copy, 0, sizeof(copy));
    if (in && in->size >= sizeof(uint32_t)) {
        size_t known = in->size < sizeof(copy) ? in->size : sizeof(copy);
        memcpy(&copy, in, known);
    }
    out->flags = copy.flags;
    out->line_max = at_least(copy.line_max, MW_SMTP_LINE_MAX_DEFAULT);
    out->local_max = at_least(copy.local_max, MW_SMTP_LOCAL_MAX_DEFAULT);
    out->domain_max = at_least(copy.domain_max, MW_SMTP_DOMAIN_MAX_DEFAULT);
    out->path_max = at_least(copy.path_max, MW_SMTP_PATH_MAX_DEFAULT);
    out->reply_line_max =
        at_least(copy.reply_line_max, MW_SMTP_REPLY_LINE_MAX_DEFAULT);
    out->reply_lines_max = copy.reply_lines_max
                               ? copy.reply_lines_max
                               : MW_SMTP_REPLY_LINES_MAX_DEFAULT;
    out->reply_text_max = copy.reply_text_max ? copy.reply_text_max
                                              : MW_SMTP_REPLY_TEXT_MAX_DEFAULT;
}

typedef struct err_info {
    const char *text;
    uint16_t reply_code;
    const char *enhanced;
} err_info;

/* Indexed by MW_SMTP_ERR_*. The reply codes follow RFC 5321 4.5.3.1.10
 * (500 "line too long", 501 "path too long") and section 4.2.4; a line
 * too long gets 5.5.6, the enhanced code RFC 4954 registered for it. */
static const err_info err_table[] = {
    {"no error", 0, ""},
    {"line too long", 500, "5.5.6"},
    {"local part too long", 501, "5.1.3"},
    {"domain too long", 501, "5.1.3"},
    {"path too long", 501, "5.1.3"},
    {"too many parameters", 501, "5.5.4"},
    {"too many reply lines", 0, ""},
    {"reply too long", 0, ""},
    {"reply line too long", 0, ""},
    {"empty command", 500, "5.5.2"},
    {"command name expected", 500, "5.5.2"},
    {"CR, LF or NUL in line", 500, "5.5.2"},
    {"8-bit byte without SMTPUTF8", 500, "5.6.7"},
    {"invalid UTF-8", 500, "5.6.7"},
    {"line not ended by CRLF", 500, "5.5.2"},
    {"space expected", 501, "5.5.2"},
    {"no argument expected", 501, "5.5.4"},
    {"argument expected", 501, "5.5.4"},
    {"'FROM:' expected", 501, "5.5.2"},
    {"'TO:' expected", 501, "5.5.2"},
    {"'<' expected", 501, "5.1.3"},
    {"'>' expected", 501, "5.1.3"},
    {"null path not allowed", 501, "5.1.3"},
    {"bad local part", 501, "5.1.3"},
    {"'@' expected", 501, "5.1.3"},
    {"bad domain", 501, "5.1.3"},
    {"bad address literal", 501, "5.1.3"},
    {"bad source route", 501, "5.1.3"},
    {"bad parameter", 501, "5.5.4"},
    {"bad parameter value", 501, "5.5.4"},
    {"duplicate parameter", 501, "5.5.4"},
    {"bad number", 501, "5.5.4"},
    {"bad mechanism name", 501, "5.5.4"},
    {"bad initial response", 501, "5.5.2"},
    {"unexpected text after argument", 501, "5.5.4"},
    {"bad reply code", 0, ""},
    {"'-' or space expected after reply code", 0, ""},
    {"reply code changed within reply", 0, ""},
    {"bad xtext", 501, "5.5.4"},
};

const char *mw_smtp_error_text(uint32_t reason)
{
    if (reason >= MWI_ARRAY_LEN(err_table))
        return "unknown error";
    return err_table[reason].text;
}

static int is_limit_reason(uint32_t reason)
{
    return reason >= MW_SMTP_ERR_LINE_TOO_LONG &&
           reason <= MW_SMTP_ERR_REPLY_LINE_TOO_LONG;
}

mw_status mwi_smtp_fail(mw_smtp_parse_error *err, uint32_t reason,
                        size_t offset)
{
    if (err) {
        memset(err, 0, sizeof(*err));
        err->reason = reason;
        err->offset = offset;
        err->text = mw_smtp_error_text(reason);
        if (reason < MWI_ARRAY_LEN(err_table)) {
            err->reply_code = err_table[reason].reply_code;
            err->enhanced = err_table[reason].enhanced;
        } else {
            err->enhanced = "";
        }
    }
    return is_limit_reason(reason) ? MW_E_LIMIT : MW_E_SYNTAX;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

int mwi_span_ieq(const char *p, size_t n, const char *upper)
{
    size_t m = strlen(upper);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (mwi_upper((unsigned char)p[i]) != (unsigned char)upper[i])
            return 0;
    return 1;
}

int mwi_span_eq(mw_span a, mw_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int span_ieq(mw_span a, mw_span b)
{
    if (a.len != b.len)
        return 0;
    for (size_t i = 0; i < a.len; i++)
        if (mwi_upper((unsigned char)a.ptr[i]) !=
            mwi_upper((unsigned char)b.ptr[i]))
            return 0;
    return 1;
}

size_t mwi_find_ctl(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mwi_is_ctl_crlf((unsigned char)p[i]))
            return i;
    return n;
}

int mwi_parse_u64(const char *p, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mwi_is_digit((unsigned char)p[i]))
            return 0;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

void mwi_sink_put(mwi_sink *s, const char *p, size_t n)
{
    /* The second pass runs after mw_buf_reserve() made room for the
     * whole count, so the append cannot fail. */
    if (s->out && n)
        (void)mw_buf_append(s->out, p, n);
    s->n += n;
}

void mwi_sink_str(mwi_sink *s, const char *str)
{
    mwi_sink_put(s, str, strlen(str));
}

void mwi_sink_span(mwi_sink *s, mw_span sp)
{
    mwi_sink_put(s, sp.ptr, sp.len);
}

void mwi_sink_u64(mwi_sink *s, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    mwi_sink_put(s, tmp + i, sizeof(tmp) - i);
}

/* ------------------------------------------------------------------ */
/* Verbs                                                               */
/* ------------------------------------------------------------------ */

static const char *const verb_names[] = {
    "",     "HELO", "EHLO", "LHLO", "MAIL", "RCPT", "DATA",     "BDAT",
    "RSET", "VRFY", "EXPN", "HELP", "NOOP", "QUIT", "STARTTLS", "AUTH"};

const char *mw_smtp_verb_name(uint32_t verb)
{
    if (verb >= MWI_ARRAY_LEN(verb_names))
        return "";
    return verb_names[verb];
}

static uint32_t lookup_verb(const char *p, size_t n)
{
    for (uint32_t v = 1; v < MWI_ARRAY_LEN(verb_names); v++)
        if (mwi_span_ieq(p, n, verb_names[v]))
            return v;
    return MW_SMTP_VERB_UNKNOWN;
}

static uint32_t line_limit(const mwi_smtp_cfg *cfg, uint32_t verb)
{
    uint64_t limit = cfg->line_max;
    if (verb == MW_SMTP_VERB_MAIL)
        limit += MW_SMTP_MAIL_LINE_EXTRA;
    else if (verb == MW_SMTP_VERB_RCPT)
        limit += MW_SMTP_RCPT_LINE_EXTRA;
    else if (verb == MW_SMTP_VERB_AUTH)
        limit += MW_SMTP_AUTH_LINE_EXTRA;
    return limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static mw_status fail(mwi_cur *c, uint32_t reason, size_t offset)
{
    return mwi_smtp_fail(c->err, reason, offset);
}

static size_t skip_spaces(mwi_cur *c)
{
    size_t n = 0;
    while (c->pos < c->len && c->s[c->pos] == ' ') {
        c->pos++;
        n++;
    }
    return n;
}

/* After the verb: the separating space(s). Returns 1 when an argument
 * follows. More than one space, or spaces at the end, are tolerated (hand
 * typed commands) and flagged. */
static int start_arg(mwi_cur *c, mw_smtp_cmd *out)
{
    size_t n = skip_spaces(c);
    if (n > 1 || (n == 1 && c->pos == c->len))
        out->flags |= MW_SMTP_CMD_F_EXTRA_SPACE;
    return c->pos < c->len;
}

/* The end of the line after the last argument: spaces are tolerated. */
static mw_status end_of_line(mwi_cur *c, mw_smtp_cmd *out, uint32_t reason)
{
    size_t start = c->pos;
    if (skip_spaces(c) > 0 && c->pos == c->len) {
        out->flags |= MW_SMTP_CMD_F_EXTRA_SPACE;
        return MW_OK;
    }
    if (c->pos < c->len)
        return fail(c, c->pos == start ? MW_SMTP_ERR_SPACE_EXPECTED : reason,
                    c->pos);
    return MW_OK;
}

/* The rest of the line as one argument, trailing spaces removed. */
static mw_span rest_of_line(mwi_cur *c, mw_smtp_cmd *out)
{
    size_t end = c->len;
    while (end > c->pos && c->s[end - 1] == ' ')
        end--;
    if (end < c->len)
        out->flags |= MW_SMTP_CMD_F_EXTRA_SPACE;
    mw_span sp = {c->s + c->pos, end - c->pos};
    c->pos = c->len;
    return sp;
}

static size_t token_end(const mwi_cur *c)
{
    size_t i = c->pos;
    while (i < c->len && c->s[i] != ' ')
        i++;
    return i;
}

static mw_status parse_no_arg(mwi_cur *c, mw_smtp_cmd *out)
{
    if (start_arg(c, out))
        return fail(c, MW_SMTP_ERR_UNEXPECTED_ARG, c->pos);
    return MW_OK;
}

static mw_status parse_hello(mwi_cur *c, mw_smtp_cmd *out)
{
    if (!start_arg(c, out))
        return fail(c, MW_SMTP_ERR_MISSING_ARG, c->pos);
    size_t start = c->pos;
    uint32_t lit = 0;
    mw_status st = mwi_smtp_parse_domain_or_literal(c, &lit, 1);
    if (st != MW_OK)
        return st;
    if (lit)
        out->flags |= MW_SMTP_CMD_F_LITERAL;
    out->arg.ptr = c->s + start;
    out->arg.len = c->pos - start;
    return end_of_line(c, out, MW_SMTP_ERR_TRAILING);
}

static mw_status parse_mail_rcpt(mwi_cur *c, mw_smtp_cmd *out, int is_mail)
{
    const char *kw = is_mail ? "FROM:" : "TO:";
    size_t kw_len = is_mail ? 5 : 3;
    uint32_t reason =
        is_mail ? MW_SMTP_ERR_FROM_EXPECTED : MW_SMTP_ERR_TO_EXPECTED;
    if (!start_arg(c, out) || c->len - c->pos < kw_len ||
        !mwi_span_ieq(c->s + c->pos, kw_len, kw))
        return fail(c, reason, c->pos);
    c->pos += kw_len;
    /* "MAIL FROM: <a@b>" is outside the grammar but sent by many
     * clients; accepted and flagged. */
    if (skip_spaces(c) > 0)
        out->flags |= MW_SMTP_CMD_F_SPACE_AFTER_COLON;
    mw_status st = mwi_smtp_parse_path(c, is_mail, &out->path);
    if (st != MW_OK)
        return st;
    return mwi_smtp_parse_params(
        c, is_mail ? MW_SMTP_VERB_MAIL : MW_SMTP_VERB_RCPT, out);
}

static mw_status parse_bdat(mwi_cur *c, mw_smtp_cmd *out)
{
    if (!start_arg(c, out))
        return fail(c, MW_SMTP_ERR_MISSING_ARG, c->pos);
    size_t end = token_end(c);
    if (!mwi_parse_u64(c->s + c->pos, end - c->pos, &out->number))
        return fail(c, MW_SMTP_ERR_BAD_NUMBER, c->pos);
    c->pos = end;
    if (start_arg(c, out)) {
        end = token_end(c);
        if (!mwi_span_ieq(c->s + c->pos, end - c->pos, "LAST"))
            return fail(c, MW_SMTP_ERR_TRAILING, c->pos);
        out->flags |= MW_SMTP_CMD_F_LAST;
        c->pos = end;
        return end_of_line(c, out, MW_SMTP_ERR_TRAILING);
    }
    return MW_OK;
}

static mw_status parse_string_arg(mwi_cur *c, mw_smtp_cmd *out, int required)
{
    if (!start_arg(c, out))
        return required ? fail(c, MW_SMTP_ERR_MISSING_ARG, c->pos) : MW_OK;
    out->arg = rest_of_line(c, out);
    return MW_OK;
}

static int is_b64_char(unsigned char ch)
{
    return mwi_is_alnum(ch) || ch == '+' || ch == '/';
}

/* base64 with '=' padding only at the end, or "=" for an empty response
 * (RFC 4954 section 4). Unpadded base64 is tolerated: several clients
 * send it and the SASL layer decodes it. */
static int initial_response_ok(const char *p, size_t n)
{
    if (n == 1 && p[0] == '=')
        return 1;
    size_t i = 0;
    while (i < n && is_b64_char((unsigned char)p[i]))
        i++;
    size_t pad = n - i;
    if (i == 0 || pad > 2)
        return 0;
    for (; i < n; i++)
        if (p[i] != '=')
            return 0;
    return 1;
}

static mw_status parse_auth(mwi_cur *c, mw_smtp_cmd *out)
{
    if (!start_arg(c, out))
        return fail(c, MW_SMTP_ERR_MISSING_ARG, c->pos);
    size_t end = token_end(c);
    if (!mwi_smtp_is_mech(c->s + c->pos, end - c->pos))
        return fail(c, MW_SMTP_ERR_BAD_MECHANISM, c->pos);
    out->arg.ptr = c->s + c->pos;
    out->arg.len = end - c->pos;
    c->pos = end;
    if (!start_arg(c, out))
        return MW_OK;
    end = token_end(c);
    if (!initial_response_ok(c->s + c->pos, end - c->pos))
        return fail(c, MW_SMTP_ERR_BAD_RESPONSE, c->pos);
    out->arg2.ptr = c->s + c->pos;
    out->arg2.len = end - c->pos;
    c->pos = end;
    return end_of_line(c, out, MW_SMTP_ERR_TRAILING);
}

static mw_status parse_args(mwi_cur *c, mw_smtp_cmd *out)
{
    switch (out->verb) {
    case MW_SMTP_VERB_HELO:
    case MW_SMTP_VERB_EHLO:
    case MW_SMTP_VERB_LHLO:
        return parse_hello(c, out);
    case MW_SMTP_VERB_MAIL:
        return parse_mail_rcpt(c, out, 1);
    case MW_SMTP_VERB_RCPT:
        return parse_mail_rcpt(c, out, 0);
    case MW_SMTP_VERB_BDAT:
        return parse_bdat(c, out);
    case MW_SMTP_VERB_VRFY:
    case MW_SMTP_VERB_EXPN:
        return parse_string_arg(c, out, 1);
    case MW_SMTP_VERB_HELP:
    case MW_SMTP_VERB_NOOP:
    case MW_SMTP_VERB_UNKNOWN:
        return parse_string_arg(c, out, 0);
    case MW_SMTP_VERB_AUTH:
        return parse_auth(c, out);
    default:
        return parse_no_arg(c, out);
    }
}

/* Checks that apply to the whole line before the grammar runs. */
static mw_status check_line_bytes(mwi_cur *c)
{
    size_t bad = mwi_find_ctl(c->s, c->len);
    if (bad < c->len)
        return fail(c, MW_SMTP_ERR_CTL, bad);
    if (c->cfg->flags & MW_SMTP_CODEC_UTF8) {
        size_t off = 0;
        if (!mw_utf8_is_valid(c->s, c->len, &off))
            return fail(c, MW_SMTP_ERR_BAD_UTF8, off);
        return MW_OK;
    }
    for (size_t i = 0; i < c->len; i++)
        if ((unsigned char)c->s[i] >= 0x80)
            return fail(c, MW_SMTP_ERR_8BIT, i);
    return MW_OK;
}

static mw_status parse_line(mwi_cur *c, uint32_t line_flags, mw_smtp_cmd *out)
{
    if (!(line_flags & MW_SMTP_LINE_CRLF)) {
        if (c->cfg->flags & MW_SMTP_CODEC_STRICT_CRLF)
            return fail(c, MW_SMTP_ERR_NO_CRLF, c->len);
        out->flags |= MW_SMTP_CMD_F_BARE_LF;
    }
    if (c->len == 0)
        return fail(c, MW_SMTP_ERR_EMPTY, 0);
    size_t vend = token_end(c);
    out->verb = lookup_verb(c->s, vend);
    out->verb_text.ptr = c->s;
    out->verb_text.len = vend;
    uint32_t limit = line_limit(c->cfg, out->verb);
    if (c->len > limit - 2)
        return fail(c, MW_SMTP_ERR_LINE_TOO_LONG, limit - 2);
    mw_status st = check_line_bytes(c);
    if (st != MW_OK)
        return st;
    if (out->verb == MW_SMTP_VERB_UNKNOWN && !mwi_smtp_is_keyword(c->s, vend)) {
        size_t bad = 0;
        while (bad < vend &&
               (mwi_is_alnum((unsigned char)c->s[bad]) || c->s[bad] == '-'))
            bad++;
        return fail(c, MW_SMTP_ERR_BAD_VERB, vend == 0 ? 0 : bad);
    }
    c->pos = vend;
    return parse_args(c, out);
}

mw_status mw_smtp_cmd_parse(const char *line, size_t len, uint32_t line_flags,
                            const mw_smtp_codec_config *cfg, mw_smtp_cmd *out,
                            mw_smtp_parse_error *err_out)
{
    if (!out || (!line && len))
        return MW_E_ARG;
    mwi_smtp_cfg rc;
    mwi_smtp_cfg_resolve(cfg, &rc);
    memset(out, 0, sizeof(*out));
    if (err_out)
        (void)mwi_smtp_fail(err_out, MW_SMTP_ERR_NONE, 0);
    mwi_cur c = {line ? line : "", len, 0, &rc, err_out};
    return parse_line(&c, line_flags, out);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static void sink_param(mwi_sink *s, const char *name, mw_span value)
{
    mwi_sink_put(s, " ", 1);
    mwi_sink_str(s, name);
    if (value.len) {
        mwi_sink_put(s, "=", 1);
        mwi_sink_span(s, value);
    }
}

static mw_span lit(const char *str)
{
    mw_span sp = {str, strlen(str)};
    return sp;
}

static const char *body_name(uint32_t body)
{
    switch (body) {
    case MW_SMTP_BODY_7BIT:
        return "7BIT";
    case MW_SMTP_BODY_8BITMIME:
        return "8BITMIME";
    case MW_SMTP_BODY_BINARYMIME:
        return "BINARYMIME";
    default:
        return "";
    }
}

static void sink_mail_params(mwi_sink *s, const mw_smtp_cmd *cmd)
{
    uint32_t pf = cmd->pflags;
    if (pf & MW_SMTP_P_SIZE) {
        mwi_sink_str(s, " SIZE=");
        mwi_sink_u64(s, cmd->size);
    }
    if (pf & MW_SMTP_P_BODY)
        sink_param(s, "BODY", lit(body_name(cmd->body)));
    if (pf & MW_SMTP_P_SMTPUTF8)
        sink_param(s, "SMTPUTF8", lit(""));
    if (pf & MW_SMTP_P_RET)
        sink_param(s, "RET",
                   lit(cmd->ret == MW_SMTP_RET_FULL   ? "FULL"
                       : cmd->ret == MW_SMTP_RET_HDRS ? "HDRS"
                                                      : ""));
    if (pf & MW_SMTP_P_ENVID)
        sink_param(s, "ENVID", cmd->envid);
    if (pf & MW_SMTP_P_AUTH)
        sink_param(s, "AUTH", cmd->auth);
    if (pf & MW_SMTP_P_REQUIRETLS)
        sink_param(s, "REQUIRETLS", lit(""));
}

static void sink_notify(mwi_sink *s, uint32_t notify)
{
    static const char *const names[] = {"NEVER", "SUCCESS", "FAILURE", "DELAY"};
    mwi_sink_str(s, " NOTIFY=");
    int first = 1;
    for (unsigned k = 0; k < 4; k++) {
        if (!(notify & (1u << k)))
            continue;
        if (!first)
            mwi_sink_put(s, ",", 1);
        mwi_sink_str(s, names[k]);
        first = 0;
    }
}

static void sink_rcpt_params(mwi_sink *s, const mw_smtp_cmd *cmd)
{
    if (cmd->pflags & MW_SMTP_P_NOTIFY)
        sink_notify(s, cmd->notify);
    if (cmd->pflags & MW_SMTP_P_ORCPT) {
        mwi_sink_str(s, " ORCPT=");
        mwi_sink_span(s, cmd->orcpt_type);
        mwi_sink_put(s, ";", 1);
        mwi_sink_span(s, cmd->orcpt_addr);
    }
}

static void sink_unknown_params(mwi_sink *s, const mw_smtp_cmd *cmd)
{
    for (uint32_t i = 0; i < cmd->n_params && i < MW_SMTP_PARAMS_MAX; i++) {
        mwi_sink_put(s, " ", 1);
        mwi_sink_span(s, cmd->params[i].name);
        if (cmd->params[i].value.len) {
            mwi_sink_put(s, "=", 1);
            mwi_sink_span(s, cmd->params[i].value);
        }
    }
}

static void sink_opt_arg(mwi_sink *s, mw_span arg)
{
    if (arg.len) {
        mwi_sink_put(s, " ", 1);
        mwi_sink_span(s, arg);
    }
}

static void sink_command(mwi_sink *s, const mw_smtp_cmd *cmd)
{
    if (cmd->verb == MW_SMTP_VERB_UNKNOWN)
        mwi_sink_span(s, cmd->verb_text);
    else
        mwi_sink_str(s, mw_smtp_verb_name(cmd->verb));
    switch (cmd->verb) {
    case MW_SMTP_VERB_MAIL:
    case MW_SMTP_VERB_RCPT:
        mwi_sink_str(s, cmd->verb == MW_SMTP_VERB_MAIL ? " FROM:" : " TO:");
        mwi_smtp_sink_path(s, &cmd->path);
        if (cmd->verb == MW_SMTP_VERB_MAIL)
            sink_mail_params(s, cmd);
        else
            sink_rcpt_params(s, cmd);
        sink_unknown_params(s, cmd);
        break;
    case MW_SMTP_VERB_BDAT:
        mwi_sink_put(s, " ", 1);
        mwi_sink_u64(s, cmd->number);
        if (cmd->flags & MW_SMTP_CMD_F_LAST)
            mwi_sink_str(s, " LAST");
        break;
    case MW_SMTP_VERB_DATA:
    case MW_SMTP_VERB_RSET:
    case MW_SMTP_VERB_QUIT:
    case MW_SMTP_VERB_STARTTLS:
        break;
    case MW_SMTP_VERB_HELO:
    case MW_SMTP_VERB_EHLO:
    case MW_SMTP_VERB_LHLO:
        /* Always written, even empty, so a missing domain fails the
         * re-parse instead of giving a bare "EHLO". */
        mwi_sink_put(s, " ", 1);
        mwi_sink_span(s, cmd->arg);
        break;
    case MW_SMTP_VERB_AUTH:
        sink_opt_arg(s, cmd->arg);
        sink_opt_arg(s, cmd->arg2);
        break;
    default:
        sink_opt_arg(s, cmd->arg);
        break;
    }
    mwi_sink_put(s, "\r\n", 2);
}

/* Every span the verb uses, for the injection check. */
static size_t used_spans(const mw_smtp_cmd *cmd, mw_span *sp)
{
    size_t n = 0;
    uint32_t pf = cmd->pflags;
    switch (cmd->verb) {
    case MW_SMTP_VERB_MAIL:
    case MW_SMTP_VERB_RCPT:
        sp[n++] = cmd->path.local;
        sp[n++] = cmd->path.domain;
        if (cmd->verb == MW_SMTP_VERB_MAIL && (pf & MW_SMTP_P_ENVID))
            sp[n++] = cmd->envid;
        if (cmd->verb == MW_SMTP_VERB_MAIL && (pf & MW_SMTP_P_AUTH))
            sp[n++] = cmd->auth;
        if (cmd->verb == MW_SMTP_VERB_RCPT && (pf & MW_SMTP_P_ORCPT)) {
            sp[n++] = cmd->orcpt_type;
            sp[n++] = cmd->orcpt_addr;
        }
        for (uint32_t i = 0; i < cmd->n_params && i < MW_SMTP_PARAMS_MAX; i++) {
            sp[n++] = cmd->params[i].name;
            sp[n++] = cmd->params[i].value;
        }
        break;
    case MW_SMTP_VERB_BDAT:
    case MW_SMTP_VERB_DATA:
    case MW_SMTP_VERB_RSET:
    case MW_SMTP_VERB_QUIT:
    case MW_SMTP_VERB_STARTTLS:
        break;
    case MW_SMTP_VERB_UNKNOWN:
        sp[n++] = cmd->verb_text;
        sp[n++] = cmd->arg;
        break;
    case MW_SMTP_VERB_AUTH:
        sp[n++] = cmd->arg2;
        sp[n++] = cmd->arg;
        break;
    default:
        sp[n++] = cmd->arg;
        break;
    }
    return n;
}

static mw_status check_spans(const mw_smtp_cmd *cmd)
{
    mw_span sp[9 + 2 * MW_SMTP_PARAMS_MAX];
    size_t n = used_spans(cmd, sp);
    for (size_t i = 0; i < n; i++) {
        if (sp[i].len && !sp[i].ptr)
            return MW_E_ARG;
        if (mwi_find_ctl(sp[i].ptr, sp[i].len) < sp[i].len)
            return MW_E_CRLF;
    }
    return cmd->n_params > MW_SMTP_PARAMS_MAX ? MW_E_ARG : MW_OK;
}

mw_status mw_smtp_cmd_write(const mw_smtp_cmd *cmd,
                            const mw_smtp_codec_config *cfg, mw_buf *out)
{
    if (!cmd || !out)
        return MW_E_ARG;
    mw_status st = check_spans(cmd);
    if (st != MW_OK)
        return st;
    mwi_sink s = {NULL, 0};
    sink_command(&s, cmd);
    st = mw_buf_reserve(out, s.n);
    if (st != MW_OK)
        return st;
    size_t mark = out->len;
    s.out = out;
    s.n = 0;
    sink_command(&s, cmd);
    /* The parser is the one definition of what a peer accepts: whatever
     * it refuses or reads differently is not sent. */
    mw_smtp_cmd again;
    st = mw_smtp_cmd_parse(out->data + mark, s.n - 2, MW_SMTP_LINE_CRLF, cfg,
                           &again, NULL);
    if (st == MW_OK && !mw_smtp_cmd_equal(cmd, &again))
        st = MW_E_ARG;
    if (st != MW_OK) {
        out->len = mark; /* take back the unit: all or nothing */
        return st == MW_E_LIMIT ? MW_E_LIMIT : MW_E_ARG;
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Equality                                                            */
/* ------------------------------------------------------------------ */

/* Iterates over the value of a local part: wire form (a quoted-string is
 * unquoted on the fly) or raw. */
typedef struct local_iter {
    const char *p;
    size_t n, i;
} local_iter;

static void local_iter_init(local_iter *it, mw_span local, int raw)
{
    it->p = local.ptr;
    it->n = local.len;
    it->i = 0;
    if (!raw && local.len >= 2 && local.ptr[0] == '"' &&
        local.ptr[local.len - 1] == '"') {
        it->i = 1;
        it->n = local.len - 1;
    }
}

static int local_iter_next(local_iter *it, int quoted)
{
    if (it->i >= it->n)
        return -1;
    if (quoted && it->p[it->i] == '\\' && it->i + 1 < it->n)
        it->i++;
    return (unsigned char)it->p[it->i++];
}

static int local_eq(const mw_smtp_path *a, const mw_smtp_path *b)
{
    int raw_a = (a->flags & MW_SMTP_PATH_LOCAL_RAW) != 0;
    int raw_b = (b->flags & MW_SMTP_PATH_LOCAL_RAW) != 0;
    local_iter ia, ib;
    local_iter_init(&ia, a->local, raw_a);
    local_iter_init(&ib, b->local, raw_b);
    int qa = ia.i == 1, qb = ib.i == 1;
    for (;;) {
        int ca = local_iter_next(&ia, qa);
        int cb = local_iter_next(&ib, qb);
        if (ca != cb)
            return 0;
        if (ca < 0)
            return 1;
    }
}

static int path_eq(const mw_smtp_path *a, const mw_smtp_path *b)
{
    const uint32_t kind = MW_SMTP_PATH_NULL | MW_SMTP_PATH_POSTMASTER;
    if ((a->flags & kind) != (b->flags & kind))
        return 0;
    if (a->flags & MW_SMTP_PATH_NULL)
        return 1;
    if (!local_eq(a, b))
        return 0;
    return (a->flags & MW_SMTP_PATH_POSTMASTER) ||
           mwi_span_eq(a->domain, b->domain);
}

static int params_eq(const mw_smtp_cmd *a, const mw_smtp_cmd *b)
{
    if (a->pflags != b->pflags || a->n_params != b->n_params)
        return 0;
    uint32_t pf = a->pflags;
    if (((pf & MW_SMTP_P_SIZE) && a->size != b->size) ||
        ((pf & MW_SMTP_P_BODY) && a->body != b->body) ||
        ((pf & MW_SMTP_P_RET) && a->ret != b->ret) ||
        ((pf & MW_SMTP_P_NOTIFY) && a->notify != b->notify) ||
        ((pf & MW_SMTP_P_ENVID) && !mwi_span_eq(a->envid, b->envid)) ||
        ((pf & MW_SMTP_P_AUTH) && !mwi_span_eq(a->auth, b->auth)))
        return 0;
    if ((pf & MW_SMTP_P_ORCPT) && (!span_ieq(a->orcpt_type, b->orcpt_type) ||
                                   !mwi_span_eq(a->orcpt_addr, b->orcpt_addr)))
        return 0;
    for (uint32_t i = 0; i < a->n_params && i < MW_SMTP_PARAMS_MAX; i++)
        if (!span_ieq(a->params[i].name, b->params[i].name) ||
            !mwi_span_eq(a->params[i].value, b->params[i].value))
            return 0;
    return 1;
}

int mw_smtp_cmd_equal(const mw_smtp_cmd *a, const mw_smtp_cmd *b)
{
    if (!a || !b)
        return a == b;
    /* Only LAST carries meaning; the other flags are derived from the
     * arguments or describe the wire form. */
    if (a->verb != b->verb)
        return 0;
    switch (a->verb) {
    case MW_SMTP_VERB_MAIL:
    case MW_SMTP_VERB_RCPT:
        return path_eq(&a->path, &b->path) && params_eq(a, b);
    case MW_SMTP_VERB_BDAT:
        return a->number == b->number &&
               !((a->flags ^ b->flags) & MW_SMTP_CMD_F_LAST);
    case MW_SMTP_VERB_DATA:
    case MW_SMTP_VERB_RSET:
    case MW_SMTP_VERB_QUIT:
    case MW_SMTP_VERB_STARTTLS:
        return 1;
    case MW_SMTP_VERB_AUTH:
        return mwi_span_eq(a->arg, b->arg) && mwi_span_eq(a->arg2, b->arg2);
    case MW_SMTP_VERB_UNKNOWN:
        if (!span_ieq(a->verb_text, b->verb_text))
            return 0;
        return mwi_span_eq(a->arg, b->arg);
    default:
        return mwi_span_eq(a->arg, b->arg);
    }
}
