/* POP3 command and status-line codec, scan listings, unique ids,
 * capabilities, the APOP timestamp and digest (RFC 1939, RFC 2449,
 * RFC 5034). */
#include <string.h>

#include "mailwire/codec.h"
#include "mailwire/hash.h"
#include "mw_int.h"
#include "pop3/pop3_int.h"

static const char *const verb_names[] = {
    "",     "USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE",
    "NOOP", "RSET", "QUIT", "TOP",  "UIDL", "CAPA", "STLS", "UTF8"};

static const char *const error_texts[] = {
    "no error",
    "line too long",
    "argument too long",
    "empty line",
    "keyword must be 3 or 4 letters or digits",
    "missing argument",
    "too many arguments",
    "not a valid number",
    "control character",
    "misplaced space",
    "not +OK, -ERR or a continuation",
    "malformed line in a multi-line response",
    "continuation where none was expected"};

static const char *const code_texts[] = {
    "", "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH", "UTF8"};

const char *mw_pop3_error_text(uint32_t reason)
{
    if (reason >= MWI_ARRAY_LEN(error_texts))
        return "unknown";
    return error_texts[reason];
}

const char *mw_pop3_verb_name(uint32_t verb)
{
    if (verb >= MWI_ARRAY_LEN(verb_names))
        return "";
    return verb_names[verb];
}

void mwi_pop3_limits_resolve(const mw_pop3_codec_config *cfg,
                             mwi_pop3_limits *out)
{
    out->line_max = MW_POP3_CMD_LINE_MAX;
    out->arg_max = MW_POP3_ARG_MAX;
    if (!cfg || cfg->size < sizeof(uint32_t) * 3)
        return;
    if (cfg->line_max)
        out->line_max = cfg->line_max < 8 ? 8 : cfg->line_max;
    if (cfg->arg_max)
        out->arg_max = cfg->arg_max;
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

int mwi_pop3_ieq(const char *p, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i]; i++)
        if (upper(p[i]) != word[i])
            return 0;
    return i == n && word[i] == '\0';
}

int mwi_pop3_has_crlf(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
            return 1;
    return 0;
}

static size_t format_u64(uint64_t v, char *tmp)
{
    char rev[24];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

mw_status mwi_pop3_put_u64(mw_buf *out, uint64_t v)
{
    char tmp[24];
    return mw_buf_append(out, tmp, format_u64(v, tmp));
}

size_t mwi_pop3_align(size_t n)
{
    return mwi_align_up(n);
}

mw_status mwi_pop3_b64_encode(const void *in, size_t len, mw_buf *out)
{
    mw_b64_encoder enc;
    mw_b64_encoder_init(&enc, 0);
    mw_status st = mw_buf_reserve(out, mw_b64_encode_bound(len, 0));
    if (st != MW_OK)
        return st;
    st = mw_b64_encode_update(&enc, in, len, out);
    if (st == MW_OK)
        st = mw_b64_encode_final(&enc, out);
    return st;
}

mw_status mwi_pop3_b64_decode(const char *in, size_t len, mw_buf *out)
{
    size_t before = out->len;
    mw_b64_decoder dec;
    mw_b64_decoder_init(&dec, MW_B64_STRICT);
    mw_status st = mw_b64_decode_update(&dec, in, len, out);
    if (st == MW_OK)
        st = mw_b64_decode_final(&dec, out);
    if (st != MW_OK)
        out->len = before;
    return st;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static mw_status fail(mw_pop3_parse_error *err, mw_status st, uint32_t reason,
                      size_t offset)
{
    if (err) {
        err->reason = reason;
        err->offset = (uint32_t)offset;
    }
    return st;
}

/* Split state over the argument part of a command line. */
typedef struct cmd_scan {
    const char *line;
    size_t len;
    size_t pos; /* next unread byte */
} cmd_scan;

/* Next single-space-separated word; 0 when the line is used up. */
static int next_word(cmd_scan *sc, mw_span *word, size_t *start,
                     mw_pop3_parse_error *err, mw_status *st)
{
    *st = MW_OK;
    if (sc->pos >= sc->len)
        return 0;
    if (sc->line[sc->pos] != ' ') {
        *st = fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_SPACE, sc->pos);
        return 0;
    }
    sc->pos++;
    size_t s = sc->pos;
    while (sc->pos < sc->len && sc->line[sc->pos] != ' ')
        sc->pos++;
    if (sc->pos == s) {
        *st = fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_SPACE, s);
        return 0;
    }
    word->ptr = sc->line + s;
    word->len = sc->pos - s;
    *start = s;
    return 1;
}

static int parse_u32(mw_span w, uint32_t *out)
{
    uint64_t v = 0;
    if (w.len == 0)
        return 0;
    for (size_t i = 0; i < w.len; i++) {
        if (w.ptr[i] < '0' || w.ptr[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(w.ptr[i] - '0');
        if (v > UINT32_MAX)
            return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

static uint32_t verb_lookup(const char *kw, size_t n)
{
    for (uint32_t v = 1; v < MWI_ARRAY_LEN(verb_names); v++)
        if (mwi_pop3_ieq(kw, n, verb_names[v]))
            return v;
    return MW_POP3_UNKNOWN;
}

/* Argument counts: minimum and maximum single-space words. */
static void verb_arity(uint32_t verb, unsigned *min, unsigned *max)
{
    *min = 0;
    *max = 0;
    switch (verb) {
    case MW_POP3_USER:
    case MW_POP3_RETR:
    case MW_POP3_DELE:
        *min = *max = 1;
        break;
    case MW_POP3_APOP:
    case MW_POP3_TOP:
        *min = *max = 2;
        break;
    case MW_POP3_AUTH:
        *min = 1;
        *max = 2;
        break;
    case MW_POP3_LIST:
    case MW_POP3_UIDL:
        *max = 1;
        break;
    default:
        break;
    }
}

static int verb_has_numbers(uint32_t verb)
{
    return verb == MW_POP3_LIST || verb == MW_POP3_UIDL ||
           verb == MW_POP3_RETR || verb == MW_POP3_DELE || verb == MW_POP3_TOP;
}

static mw_status parse_args(cmd_scan *sc, const mwi_pop3_limits *lim,
                            mw_pop3_command *out, mw_pop3_parse_error *err)
{
    unsigned min, max, n = 0;
    verb_arity(out->verb, &min, &max);
    mw_span w;
    size_t start;
    mw_status st;
    while (next_word(sc, &w, &start, err, &st)) {
        if (n == max)
            return fail(err, MW_E_SYNTAX, MW_POP3_ERR_EXTRA_ARG, start - 1);
        int is_ir = out->verb == MW_POP3_AUTH && n == 1;
        if (!is_ir && w.len > lim->arg_max)
            return fail(err, MW_E_LIMIT, MW_POP3_ERR_ARG_TOO_LONG,
                        start + lim->arg_max);
        if (verb_has_numbers(out->verb)) {
            uint32_t *dst = n == 0 ? &out->msg : &out->lines;
            if (!parse_u32(w, dst))
                return fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_NUMBER, start);
            if (n == 0)
                out->flags |= MW_POP3_CMD_HAS_MSG;
        } else if (n == 0) {
            out->arg = w;
        } else {
            out->arg2 = w;
            if (is_ir)
                out->flags |= MW_POP3_CMD_HAS_IR;
        }
        n++;
    }
    if (st != MW_OK)
        return st;
    if (n < min)
        return fail(err, MW_E_SYNTAX, MW_POP3_ERR_MISSING_ARG, sc->len);
    return MW_OK;
}

mw_status mw_pop3_command_parse(const char *line, size_t len,
                                const mw_pop3_codec_config *cfg,
                                mw_pop3_command *out, mw_pop3_parse_error *err)
{
    if (!out || (!line && len))
        return MW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (err)
        fail(err, MW_OK, MW_POP3_ERR_NONE, 0);
    mwi_pop3_limits lim;
    mwi_pop3_limits_resolve(cfg, &lim);
    if (len + 2 > lim.line_max)
        return fail(err, MW_E_LIMIT, MW_POP3_ERR_LINE_TOO_LONG,
                    lim.line_max - 2);
    if (len == 0)
        return fail(err, MW_E_SYNTAX, MW_POP3_ERR_EMPTY, 0);
    for (size_t i = 0; i < len; i++)
        if (is_ctl((unsigned char)line[i]))
            return fail(err, MW_E_SYNTAX, MW_POP3_ERR_CTL, i);
    size_t kw = 0;
    while (kw < len && line[kw] != ' ')
        kw++;
    for (size_t i = 0; i < kw; i++) {
        char c = upper(line[i]);
        if ((c < 'A' || c > 'Z') && (c < '0' || c > '9'))
            return fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_KEYWORD, i);
    }
    /* RFC 2449 section 4: keywords are 3 or 4 characters; letters and
     * digits ("UTF8") are accepted. */
    out->verb = verb_lookup(line, kw);
    if (out->verb == MW_POP3_UNKNOWN && (kw < 3 || kw > 4))
        return fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_KEYWORD, 0);
    if (out->verb == MW_POP3_UNKNOWN) {
        out->arg.ptr = line;
        out->arg.len = kw;
        if (kw < len) {
            out->arg2.ptr = line + kw + 1;
            out->arg2.len = len - kw - 1;
        }
        return MW_OK;
    }
    if (out->verb == MW_POP3_PASS) {
        /* The password is the rest of the line, spaces included (RFC 1939
         * section 7 allows a server to read it so). */
        if (kw + 1 >= len)
            return fail(err, MW_E_SYNTAX, MW_POP3_ERR_MISSING_ARG, len);
        out->arg.ptr = line + kw + 1;
        out->arg.len = len - kw - 1;
        return MW_OK;
    }
    cmd_scan sc = {line, len, kw};
    return parse_args(&sc, &lim, out, err);
}

static int has_ctl_or_space(mw_span s, int allow_space)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (is_ctl(c) || (!allow_space && c == ' '))
            return 1;
    }
    return 0;
}

static int span_ok(mw_span s)
{
    return s.len == 0 || s.ptr != NULL;
}

/* Check one text argument for the writer. */
static mw_status check_arg(mw_span s, size_t max, int allow_space)
{
    if (!span_ok(s) || s.len == 0)
        return MW_E_ARG;
    if (mwi_pop3_has_crlf(s.ptr, s.len))
        return MW_E_CRLF;
    if (has_ctl_or_space(s, allow_space))
        return MW_E_ARG;
    if (max && s.len > max)
        return MW_E_LIMIT;
    return MW_OK;
}

static mw_status check_command(const mw_pop3_command *cmd,
                               const mwi_pop3_limits *lim)
{
    mw_status st = MW_OK;
    switch (cmd->verb) {
    case MW_POP3_USER:
        return check_arg(cmd->arg, lim->arg_max, 0);
    case MW_POP3_PASS:
        return check_arg(cmd->arg, 0, 1);
    case MW_POP3_APOP:
        st = check_arg(cmd->arg, lim->arg_max, 0);
        return st == MW_OK ? check_arg(cmd->arg2, lim->arg_max, 0) : st;
    case MW_POP3_AUTH:
        st = check_arg(cmd->arg, lim->arg_max, 0);
        if (st == MW_OK && (cmd->flags & MW_POP3_CMD_HAS_IR))
            st = check_arg(cmd->arg2, 0, 0);
        return st;
    case MW_POP3_STAT:
    case MW_POP3_LIST:
    case MW_POP3_RETR:
    case MW_POP3_DELE:
    case MW_POP3_NOOP:
    case MW_POP3_RSET:
    case MW_POP3_QUIT:
    case MW_POP3_TOP:
    case MW_POP3_UIDL:
    case MW_POP3_CAPA:
    case MW_POP3_STLS:
    case MW_POP3_UTF8:
        return MW_OK;
    default:
        return MW_E_ARG;
    }
}

static size_t u32_len(uint32_t v)
{
    char tmp[24];
    return format_u64(v, tmp);
}

static size_t command_len(const mw_pop3_command *cmd)
{
    size_t n = strlen(verb_names[cmd->verb]) + 2;
    switch (cmd->verb) {
    case MW_POP3_USER:
    case MW_POP3_PASS:
        return n + 1 + cmd->arg.len;
    case MW_POP3_APOP:
        return n + 2 + cmd->arg.len + cmd->arg2.len;
    case MW_POP3_AUTH:
        n += 1 + cmd->arg.len;
        if (cmd->flags & MW_POP3_CMD_HAS_IR)
            n += 1 + cmd->arg2.len;
        return n;
    case MW_POP3_LIST:
    case MW_POP3_UIDL:
        return (cmd->flags & MW_POP3_CMD_HAS_MSG) ? n + 1 + u32_len(cmd->msg)
                                                  : n;
    case MW_POP3_RETR:
    case MW_POP3_DELE:
        return n + 1 + u32_len(cmd->msg);
    case MW_POP3_TOP:
        return n + 2 + u32_len(cmd->msg) + u32_len(cmd->lines);
    default:
        return n;
    }
}

static mw_status put_sp_span(mw_buf *out, mw_span s)
{
    mw_status st = mw_buf_append_byte(out, ' ');
    return st == MW_OK ? mw_buf_append(out, s.ptr, s.len) : st;
}

static mw_status put_sp_u32(mw_buf *out, uint32_t v)
{
    mw_status st = mw_buf_append_byte(out, ' ');
    return st == MW_OK ? mwi_pop3_put_u64(out, v) : st;
}

static mw_status write_command_body(const mw_pop3_command *cmd, mw_buf *out)
{
    mw_status st = mw_buf_append_str(out, verb_names[cmd->verb]);
    switch (cmd->verb) {
    case MW_POP3_USER:
    case MW_POP3_PASS:
        if (st == MW_OK)
            st = put_sp_span(out, cmd->arg);
        break;
    case MW_POP3_APOP:
        if (st == MW_OK)
            st = put_sp_span(out, cmd->arg);
        if (st == MW_OK)
            st = put_sp_span(out, cmd->arg2);
        break;
    case MW_POP3_AUTH:
        if (st == MW_OK)
            st = put_sp_span(out, cmd->arg);
        if (st == MW_OK && (cmd->flags & MW_POP3_CMD_HAS_IR))
            st = put_sp_span(out, cmd->arg2);
        break;
    case MW_POP3_LIST:
    case MW_POP3_UIDL:
        if (st == MW_OK && (cmd->flags & MW_POP3_CMD_HAS_MSG))
            st = put_sp_u32(out, cmd->msg);
        break;
    case MW_POP3_RETR:
    case MW_POP3_DELE:
        if (st == MW_OK)
            st = put_sp_u32(out, cmd->msg);
        break;
    case MW_POP3_TOP:
        if (st == MW_OK)
            st = put_sp_u32(out, cmd->msg);
        if (st == MW_OK)
            st = put_sp_u32(out, cmd->lines);
        break;
    default:
        break;
    }
    return st == MW_OK ? mw_buf_append(out, "\r\n", 2) : st;
}

mw_status mw_pop3_command_write(const mw_pop3_command *cmd,
                                const mw_pop3_codec_config *cfg, mw_buf *out)
{
    if (!cmd || !out)
        return MW_E_ARG;
    mwi_pop3_limits lim;
    mwi_pop3_limits_resolve(cfg, &lim);
    mw_status st = check_command(cmd, &lim);
    if (st != MW_OK)
        return st;
    size_t n = command_len(cmd);
    if (n > lim.line_max)
        return MW_E_LIMIT;
    st = mw_buf_reserve(out, n);
    if (st != MW_OK)
        return st;
    size_t before = out->len;
    st = write_command_body(cmd, out);
    if (st != MW_OK)
        out->len = before;
    return st;
}

static int span_eq(mw_span a, mw_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int span_ieq(mw_span a, mw_span b)
{
    if (a.len != b.len)
        return 0;
    for (size_t i = 0; i < a.len; i++)
        if (upper(a.ptr[i]) != upper(b.ptr[i]))
            return 0;
    return 1;
}

int mw_pop3_command_equal(const mw_pop3_command *a, const mw_pop3_command *b)
{
    if (!a || !b)
        return a == b;
    if (a->verb != b->verb || a->flags != b->flags)
        return 0;
    switch (a->verb) {
    case MW_POP3_UNKNOWN:
        return span_ieq(a->arg, b->arg) && span_eq(a->arg2, b->arg2);
    case MW_POP3_USER:
    case MW_POP3_PASS:
        return span_eq(a->arg, b->arg);
    case MW_POP3_APOP:
        return span_eq(a->arg, b->arg) && span_eq(a->arg2, b->arg2);
    case MW_POP3_AUTH:
        return span_eq(a->arg, b->arg) &&
               (!(a->flags & MW_POP3_CMD_HAS_IR) || span_eq(a->arg2, b->arg2));
    case MW_POP3_TOP:
        return a->msg == b->msg && a->lines == b->lines;
    default:
        return !(a->flags & MW_POP3_CMD_HAS_MSG) || a->msg == b->msg;
    }
}

/* ------------------------------------------------------------------ */
/* Status lines                                                        */
/* ------------------------------------------------------------------ */

uint32_t mw_pop3_code_from_text(const char *text, size_t len)
{
    if (!text || len == 0)
        return MW_POP3_CODE_NONE;
    for (uint32_t c = 1; c < MWI_ARRAY_LEN(code_texts); c++)
        if (mwi_pop3_ieq(text, len, code_texts[c]))
            return c;
    return MW_POP3_CODE_OTHER;
}

const char *mw_pop3_code_text(uint32_t code)
{
    if (code >= MWI_ARRAY_LEN(code_texts))
        return "";
    return code_texts[code];
}

/* RFC 2449 section 8: resp-level chars are %x21-2E / %x30-5C / %x5E-7F. */
static int is_rchar(unsigned char c)
{
    return c >= 0x21 && c <= 0x7f && c != '/' && c != ']';
}

/* Length of a well-formed "[level/level]" at the start of \p s, or 0. */
static size_t code_len(const char *s, size_t n)
{
    if (n < 3 || s[0] != '[')
        return 0;
    size_t i = 1, level = 0;
    for (; i < n && s[i] != ']'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '/') {
            if (level == 0)
                return 0;
            level = 0;
        } else if (is_rchar(c)) {
            level++;
        } else {
            return 0;
        }
    }
    if (i == n || level == 0)
        return 0;
    return i + 1;
}

static void split_code(mw_span text, mw_pop3_response *out)
{
    size_t n = code_len(text.ptr, text.len);
    if (n == 0) {
        out->text = text;
        return;
    }
    out->code_text.ptr = text.ptr + 1;
    out->code_text.len = n - 2;
    out->code = mw_pop3_code_from_text(out->code_text.ptr, out->code_text.len);
    /* A code glued to its text ("[IN-USE]busy") is still a code. */
    if (n < text.len && text.ptr[n] == ' ')
        n++;
    out->text.ptr = text.ptr + n;
    out->text.len = text.len - n;
}

mw_status mw_pop3_response_parse(const char *line, size_t len,
                                 mw_pop3_response *out,
                                 mw_pop3_parse_error *err)
{
    if (!out || (!line && len))
        return MW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (err)
        fail(err, MW_OK, MW_POP3_ERR_NONE, 0);
    for (size_t i = 0; i < len; i++)
        if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
            return fail(err, MW_E_SYNTAX, MW_POP3_ERR_CTL, i);
    size_t skip;
    if (len >= 3 && memcmp(line, "+OK", 3) == 0) {
        out->kind = MW_POP3_OK;
        skip = 3;
    } else if (len >= 4 && memcmp(line, "-ERR", 4) == 0) {
        out->kind = MW_POP3_ERR;
        skip = 4;
    } else if (len >= 1 && line[0] == '+') {
        out->kind = MW_POP3_CONT;
        skip = 1;
    } else {
        return fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_STATUS, 0);
    }
    if (skip < len && line[skip] != ' ')
        return fail(err, MW_E_SYNTAX, MW_POP3_ERR_BAD_STATUS, skip);
    mw_span text = {line + skip, 0};
    if (skip < len) {
        text.ptr = line + skip + 1;
        text.len = len - skip - 1;
    }
    if (out->kind == MW_POP3_CONT)
        out->text = text;
    else
        split_code(text, out);
    return MW_OK;
}

mw_status mw_pop3_response_write(uint32_t kind, const char *code_text,
                                 size_t code_len_, const char *text,
                                 size_t text_len, mw_buf *out)
{
    if (!out || (!code_text && code_len_) || (!text && text_len) ||
        kind > MW_POP3_CONT)
        return MW_E_ARG;
    if (mwi_pop3_has_crlf(code_text, code_len_) ||
        mwi_pop3_has_crlf(text, text_len))
        return MW_E_CRLF;
    if (code_len_) {
        if (kind == MW_POP3_CONT)
            return MW_E_ARG;
        char tmp[MW_POP3_RESP_LINE_MAX];
        if (code_len_ + 2 > sizeof(tmp))
            return MW_E_LIMIT;
        tmp[0] = '[';
        memcpy(tmp + 1, code_text, code_len_);
        tmp[code_len_ + 1] = ']';
        if (code_len(tmp, code_len_ + 2) != code_len_ + 2)
            return MW_E_ARG;
    } else if (kind != MW_POP3_CONT && code_len(text, text_len)) {
        return MW_E_ARG;
    }
    const char *status = kind == MW_POP3_OK    ? "+OK"
                         : kind == MW_POP3_ERR ? "-ERR"
                                               : "+";
    size_t n = strlen(status) + 2;
    if (code_len_)
        n += code_len_ + 3;
    if (text_len || kind == MW_POP3_CONT)
        n += 1 + text_len;
    if (n > MW_POP3_RESP_LINE_MAX)
        return MW_E_LIMIT;
    mw_status st = mw_buf_reserve(out, n);
    if (st != MW_OK)
        return st;
    /* Room is reserved, so the appends below cannot fail. */
    mw_buf_append_str(out, status);
    if (code_len_) {
        mw_buf_append(out, " [", 2);
        mw_buf_append(out, code_text, code_len_);
        mw_buf_append_byte(out, ']');
    }
    /* "+ " with an empty challenge keeps its space (RFC 5034 section 4). */
    if (text_len || kind == MW_POP3_CONT) {
        mw_buf_append_byte(out, ' ');
        mw_buf_append(out, text, text_len);
    }
    mw_buf_append(out, "\r\n", 2);
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Scan listings, unique ids, capabilities                             */
/* ------------------------------------------------------------------ */

static size_t read_digits(const char *s, size_t n, size_t i, uint64_t *v,
                          uint64_t max)
{
    size_t start = i;
    *v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (*v > (max - d) / 10)
            return 0;
        *v = *v * 10 + d;
        i++;
    }
    return i == start ? 0 : i;
}

mw_status mw_pop3_scan_parse(const char *line, size_t len, uint32_t *msg,
                             uint64_t *size)
{
    if (!msg || !size || (!line && len))
        return MW_E_ARG;
    uint64_t m;
    size_t i = read_digits(line, len, 0, &m, UINT32_MAX);
    if (i == 0 || i >= len || line[i] != ' ')
        return MW_E_SYNTAX;
    /* Several spaces between the numbers are tolerated (seen in the
     * wild; RFC 1939 says one). */
    while (i < len && line[i] == ' ')
        i++;
    uint64_t sz;
    size_t j = read_digits(line, len, i, &sz, UINT64_MAX);
    if (j == 0 || (j < len && line[j] != ' '))
        return MW_E_SYNTAX;
    *msg = (uint32_t)m;
    *size = sz;
    return MW_OK;
}

mw_status mw_pop3_uidl_parse(const char *line, size_t len, uint32_t *msg,
                             mw_span *uid)
{
    if (!msg || !uid || (!line && len))
        return MW_E_ARG;
    uint64_t m;
    size_t i = read_digits(line, len, 0, &m, UINT32_MAX);
    if (i == 0 || i >= len || line[i] != ' ')
        return MW_E_SYNTAX;
    i++;
    size_t s = i;
    while (i < len && line[i] >= 0x21 && line[i] <= 0x7e)
        i++;
    /* Text after the id and a space is ignored, as after a scan listing. */
    if (i == s || i - s > 70 || (i < len && line[i] != ' '))
        return MW_E_SYNTAX;
    *msg = (uint32_t)m;
    uid->ptr = line + s;
    uid->len = i - s;
    return MW_OK;
}

static uint32_t cap_flag(const char *kw, size_t n)
{
    static const struct {
        const char *name;
        uint32_t flag;
    } caps[] = {{"TOP", MW_POP3_CAP_TOP},
                {"USER", MW_POP3_CAP_USER},
                {"SASL", MW_POP3_CAP_SASL},
                {"RESP-CODES", MW_POP3_CAP_RESP_CODES},
                {"LOGIN-DELAY", MW_POP3_CAP_LOGIN_DELAY},
                {"PIPELINING", MW_POP3_CAP_PIPELINING},
                {"EXPIRE", MW_POP3_CAP_EXPIRE},
                {"UIDL", MW_POP3_CAP_UIDL},
                {"IMPLEMENTATION", MW_POP3_CAP_IMPLEMENTATION},
                {"STLS", MW_POP3_CAP_STLS},
                {"UTF8", MW_POP3_CAP_UTF8},
                {"AUTH-RESP-CODE", MW_POP3_CAP_AUTH_RESP_CODE},
                {"LANG", MW_POP3_CAP_LANG}};
    for (size_t i = 0; i < MWI_ARRAY_LEN(caps); i++)
        if (mwi_pop3_ieq(kw, n, caps[i].name))
            return caps[i].flag;
    return 0;
}

mw_status mw_pop3_caps_add_line(mw_pop3_caps *caps, const char *line,
                                size_t len)
{
    if (!caps || (!line && len))
        return MW_E_ARG;
    size_t kw = 0;
    while (kw < len && line[kw] != ' ')
        kw++;
    uint32_t flag = cap_flag(line, kw);
    caps->flags |= flag;
    size_t i = kw;
    while (i < len) {
        while (i < len && line[i] == ' ')
            i++;
        size_t s = i;
        while (i < len && line[i] != ' ')
            i++;
        if (i == s)
            break;
        if (flag == MW_POP3_CAP_SASL) {
            mw_sasl_mech m = mw_sasl_mech_from_name(line + s, i - s);
            if (m != MW_SASL_NONE)
                caps->sasl_mask |= MW_SASL_BIT(m);
        } else if (flag == MW_POP3_CAP_LOGIN_DELAY && s == kw + 1) {
            uint64_t v;
            if (read_digits(line, len, s, &v, UINT32_MAX) == i)
                caps->login_delay = (uint32_t)v;
        }
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* APOP                                                                */
/* ------------------------------------------------------------------ */

mw_status mw_pop3_greeting_timestamp(const char *text, size_t len, mw_span *ts)
{
    if (!ts || (!text && len))
        return MW_E_ARG;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '<')
            continue;
        size_t j = i + 1;
        int at = 0;
        while (j < len && text[j] > 0x20 && text[j] < 0x7f && text[j] != '<' &&
               text[j] != '>') {
            at |= text[j] == '@';
            j++;
        }
        if (j < len && text[j] == '>' && at && j - i + 1 <= 256) {
            ts->ptr = text + i;
            ts->len = j - i + 1;
            return MW_OK;
        }
    }
    return MW_E_SYNTAX;
}

mw_status mw_pop3_apop_digest(const char *timestamp, size_t ts_len,
                              const char *secret, size_t secret_len,
                              char out[33])
{
    if (!out || (!timestamp && ts_len) || (!secret && secret_len))
        return MW_E_ARG;
    mw_md5 md5;
    uint8_t d[MW_MD5_LEN];
    mw_md5_init(&md5);
    mw_md5_update(&md5, timestamp, ts_len);
    mw_md5_update(&md5, secret, secret_len);
    mw_md5_final(&md5, d);
    mw_hex_encode(d, sizeof(d), out);
    out[32] = '\0';
    mwi_wipe(&md5, sizeof(md5));
    mwi_wipe(d, sizeof(d));
    return MW_OK;
}
