/* mw-imap-dump: print an IMAP byte stream as one compact JSON line per
 * parsed unit (or its canonical serialization).
 *
 *   mw-imap-dump --server-stream FILE   responses, as a client receives them
 *   mw-imap-dump --client-stream FILE   commands, as a server receives them
 *
 * FILE may be "-" for stdin. Exit 0 when the stream parsed (or ended in
 * TLS / compressed data after an accepted STARTTLS / COMPRESS), 65 with
 * "offset N: expected X" on stderr on malformed input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mailwire/hash.h"
#include "mailwire/imap.h"
#include "mailwire/imap_cmd.h"
#include "mailwire/mailwire.h"

#define TOOL "mw-imap-dump"

static const char usage[] =
    "usage: mw-imap-dump (--server-stream FILE | --client-stream FILE)\n"
    "                    [--literals] [--reserialize [--typed]] [--chunk N]\n"
    "Print each IMAP response or command of FILE (\"-\" for stdin) as one\n"
    "JSON line: {\"kind\", \"tag\", \"name\", \"fields\"}.\n"
    "  --server-stream FILE  the server-to-client stream (responses)\n"
    "  --client-stream FILE  the client-to-server stream (commands)\n"
    "  --literals            print literal bytes instead of length+SHA-256\n"
    "  --reserialize         print the canonical serialization instead\n"
    "  --typed               with --reserialize: write each command from its\n"
    "                        typed value (names upper-cased, flag lists and\n"
    "                        dates in canonical form)\n"
    "  --chunk N             feed N bytes at a time (output is the same)\n"
    "  --help, --version\n";

typedef struct digest {
    uint32_t index;
    char hex[2 * MW_SHA256_LEN + 1];
} digest;

typedef struct dump {
    int commands;
    int literals;
    int reserialize;
    int typed;
    mw_buf out;
    /* Streamed literals of the current unit. */
    digest *digests;
    size_t n_digests;
    size_t cap_digests;
    mw_sha256 sha;
    /* STARTTLS / COMPRESS accepted: what follows is not IMAP text. */
    int upgrade;
} dump;

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void j(dump *d, const char *s)
{
    mw_buf_append_str(&d->out, s);
}

static void j_u64(dump *d, uint64_t v)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    j(d, tmp);
}

static void j_str(dump *d, const char *s, size_t n)
{
    int utf8 = mw_utf8_is_valid(s, n, NULL);
    mw_buf_append_byte(&d->out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            mw_buf_append(&d->out, tmp, 2);
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)c);
            j(d, tmp);
        } else {
            mw_buf_append_byte(&d->out, c);
        }
    }
    mw_buf_append_byte(&d->out, '"');
}

static void j_span(dump *d, mw_span s)
{
    j_str(d, s.ptr ? s.ptr : "", s.len);
}

static void hex_digest(const uint8_t *h, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < MW_SHA256_LEN; i++) {
        hex[2 * i] = digits[h[i] >> 4];
        hex[2 * i + 1] = digits[h[i] & 15];
    }
    hex[2 * MW_SHA256_LEN] = 0;
}

static void j_literal(dump *d, const mw_imap_value *v, uint32_t index)
{
    if (d->literals && !(v->flags & MW_IMAP_VF_STREAMED)) {
        j_span(d, v->str);
        return;
    }
    char hex[2 * MW_SHA256_LEN + 1] = "";
    if (v->flags & MW_IMAP_VF_STREAMED) {
        for (size_t i = 0; i < d->n_digests; i++)
            if (d->digests[i].index == index)
                memcpy(hex, d->digests[i].hex, sizeof(hex));
    } else {
        uint8_t h[MW_SHA256_LEN];
        mw_sha256 c;
        mw_sha256_init(&c);
        mw_sha256_update(&c, v->str.ptr, v->str.len);
        mw_sha256_final(&c, h);
        hex_digest(h, hex);
    }
    j(d, "{\"literal_len\":");
    j_u64(d, v->num);
    j(d, ",\"sha256\":\"");
    j(d, hex);
    j(d, "\"}");
}

static void j_value(dump *d, const mw_imap_value *base, const mw_imap_value *v);

static void j_children(dump *d, const mw_imap_value *base,
                       const mw_imap_value *v)
{
    const mw_imap_value *c = v + 1;
    for (uint32_t i = 0; i < v->count; i++, c += c->subtree) {
        if (i)
            j(d, ",");
        j_value(d, base, c);
    }
}

static void j_canonical(dump *d, const mw_imap_value *v)
{
    mw_buf tmp;
    mw_buf_init_growable(&tmp, NULL, 0);
    if (mw_imap_value_write(v, 0, &tmp) == MW_OK)
        j_str(d, tmp.data, tmp.len);
    else
        j_span(d, v->str);
    mw_buf_free(&tmp);
}

static void j_value(dump *d, const mw_imap_value *base, const mw_imap_value *v)
{
    switch (v->type) {
    case MW_IMAP_V_ATOM:
        if (v->flags & MW_IMAP_VF_NIL)
            j(d, "null");
        else if (v->flags & MW_IMAP_VF_NUMBER)
            j_u64(d, v->num);
        else
            j_span(d, v->str);
        return;
    case MW_IMAP_V_LITERAL:
        j_literal(d, v, (uint32_t)(v - base));
        return;
    case MW_IMAP_V_LIST:
        j(d, "[");
        j_children(d, base, v);
        j(d, "]");
        return;
    case MW_IMAP_V_SECTION:
        j_canonical(d, v);
        return;
    case MW_IMAP_V_CODE:
        j(d, "{\"name\":");
        j_span(d, v->str);
        j(d, ",\"args\":[");
        j_children(d, base, v);
        j(d, "]}");
        return;
    default:
        j_span(d, v->str);
        return;
    }
}

static void j_field(dump *d, const mw_imap_value *base, const char *name,
                    const mw_imap_value *v, int *first)
{
    if (!v)
        return;
    if (!*first)
        j(d, ",");
    *first = 0;
    j(d, "\"");
    j(d, name);
    j(d, "\":");
    j_value(d, base, v);
}

static void j_envelope(dump *d, const mw_imap_value *base,
                       const mw_imap_value *v)
{
    mw_imap_envelope e;
    if (mw_imap_envelope_get(v, &e, NULL) != MW_OK) {
        j_value(d, base, v);
        return;
    }
    int first = 1;
    j(d, "{");
    j_field(d, base, "date", e.date, &first);
    j_field(d, base, "subject", e.subject, &first);
    j_field(d, base, "from", e.from, &first);
    j_field(d, base, "sender", e.sender, &first);
    j_field(d, base, "reply_to", e.reply_to, &first);
    j_field(d, base, "to", e.to, &first);
    j_field(d, base, "cc", e.cc, &first);
    j_field(d, base, "bcc", e.bcc, &first);
    j_field(d, base, "in_reply_to", e.in_reply_to, &first);
    j_field(d, base, "message_id", e.message_id, &first);
    j(d, "}");
}

static void j_body(dump *d, const mw_imap_value *base, const mw_imap_value *v,
                   int depth)
{
    mw_imap_body b;
    if (depth > 100 || mw_imap_body_get(v, &b, NULL) != MW_OK) {
        j_value(d, base, v);
        return;
    }
    int first = 1;
    j(d, "{");
    if (b.multipart) {
        j(d, "\"parts\":[");
        const mw_imap_value *p = b.parts;
        for (uint32_t i = 0; i < b.n_parts; i++, p += p->subtree) {
            if (i)
                j(d, ",");
            j_body(d, base, p, depth + 1);
        }
        j(d, "]");
        first = 0;
    }
    j_field(d, base, "type", b.type, &first);
    j_field(d, base, "subtype", b.subtype, &first);
    j_field(d, base, "params", b.params, &first);
    j_field(d, base, "id", b.id, &first);
    j_field(d, base, "description", b.description, &first);
    j_field(d, base, "encoding", b.encoding, &first);
    j_field(d, base, "size", b.octets, &first);
    if (b.envelope) {
        j(d, ",\"envelope\":");
        j_envelope(d, base, b.envelope);
        j(d, ",\"body\":");
        j_body(d, base, b.body, depth + 1);
    }
    j_field(d, base, "lines", b.lines, &first);
    j_field(d, base, "md5", b.md5, &first);
    j_field(d, base, "disposition", b.disposition, &first);
    j_field(d, base, "language", b.language, &first);
    j_field(d, base, "location", b.location, &first);
    if (b.n_extension) {
        j(d, ",\"extension\":[");
        const mw_imap_value *x = b.extension;
        for (uint32_t i = 0; i < b.n_extension; i++, x += x->subtree) {
            if (i)
                j(d, ",");
            j_value(d, base, x);
        }
        j(d, "]");
    }
    j(d, "}");
}

static void j_fetch(dump *d, const mw_imap_value *base,
                    const mw_imap_value *list)
{
    j(d, "\"attrs\":{");
    mw_imap_fetch_item it;
    for (uint32_t i = 0; mw_imap_fetch_item_get(list, i, &it, NULL) == MW_OK;
         i++) {
        if (i)
            j(d, ",");
        j_canonical(d, it.name);
        j(d, ":");
        if (it.att == MW_IMAP_FA_ENVELOPE)
            j_envelope(d, base, it.value);
        else if (it.att == MW_IMAP_FA_BODY ||
                 it.att == MW_IMAP_FA_BODYSTRUCTURE)
            j_body(d, base, it.value, 0);
        else
            j_value(d, base, it.value);
    }
    j(d, "}");
}

static void j_args(dump *d, const mw_imap_value *base, const mw_imap_value *a,
                   uint32_t n)
{
    j(d, "\"args\":[");
    for (uint32_t i = 0; i < n; i++, a += a->subtree) {
        if (i)
            j(d, ",");
        j_value(d, base, a);
    }
    j(d, "]");
}

static void j_rtext(dump *d, const mw_imap_value *base,
                    const mw_imap_response *r)
{
    j(d, "\"code\":");
    if (r->code.type == MW_IMAP_C_NONE) {
        j(d, "null");
    } else {
        /* The code node sits just before its arguments. */
        const mw_imap_value *code = r->code.args ? r->code.args - 1 : NULL;
        if (code)
            j_value(d, base, code);
        else {
            j(d, "{\"name\":");
            j_span(d, r->code.name);
            j(d, ",\"args\":[]}");
        }
    }
    j(d, ",\"text\":");
    j_span(d, r->text);
}

static void print_response(dump *d, const mw_imap_unit *u,
                           const mw_imap_response *r)
{
    const mw_imap_value *base = u->values;
    int cont = u->kind == MW_IMAP_UNIT_CONTINUATION;
    j(d, cont ? "{\"kind\":\"continuation\",\"tag\":"
              : "{\"kind\":\"response\",\"tag\":");
    if (u->kind == MW_IMAP_UNIT_TAGGED)
        j_span(d, u->tag);
    else
        j(d, "null");
    j(d, ",\"name\":");
    if (cont)
        j(d, "null");
    else
        j_span(d, r->name);
    j(d, ",\"fields\":{");
    int status = r->type >= MW_IMAP_R_OK && r->type <= MW_IMAP_R_CONTINUATION;
    if (status) {
        j_rtext(d, base, r);
    } else {
        if (r->type >= MW_IMAP_R_EXISTS && r->type <= MW_IMAP_R_FETCH) {
            j(d, "\"number\":");
            j_u64(d, r->number);
            j(d, ",");
        }
        if (r->type == MW_IMAP_R_FETCH)
            j_fetch(d, base, r->args);
        else
            j_args(d, base, r->args, r->n_args);
    }
    j(d, "}}\n");
}

static void print_command(dump *d, const mw_imap_event *ev)
{
    const mw_imap_unit *u = &ev->unit;
    const mw_imap_command *c = &ev->command;
    const mw_imap_value *base = u->values;
    if (u->kind == MW_IMAP_UNIT_SASL) {
        j(d, "{\"kind\":\"continuation\",\"tag\":null,\"name\":null,"
             "\"fields\":{\"data\":");
        j_span(d, u->values[0].str);
        j(d, "}}\n");
        return;
    }
    if (u->kind == MW_IMAP_UNIT_DONE) {
        j(d, "{\"kind\":\"command\",\"tag\":null,\"name\":\"DONE\","
             "\"fields\":{}}\n");
        return;
    }
    j(d, "{\"kind\":\"command\",\"tag\":");
    j_span(d, u->tag);
    j(d, ",\"name\":");
    j_span(d, c->name);
    j(d, ",\"fields\":{");
    if (c->uid)
        j(d, "\"uid\":true,");
    j_args(d, base, c->args, c->n_args);
    j(d, "}}\n");
}

/* ------------------------------------------------------------------ */
/* Driving the parser                                                  */
/* ------------------------------------------------------------------ */

static int contains_ci(mw_span s, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= s.len; i++) {
        size_t k = 0;
        while (k < n && (s.ptr[i + k] | 0x20) == (word[k] | 0x20))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* After this unit, does the stream switch to TLS or DEFLATE? Without the
 * other direction this is a heuristic: the client's STARTTLS / COMPRESS
 * command, or a tagged OK that says so. */
static int starts_upgrade(const dump *d, const mw_imap_event *ev)
{
    const mw_imap_unit *u = &ev->unit;
    if (d->commands)
        return u->kind == MW_IMAP_UNIT_COMMAND &&
               (mw_imap_value_is_atom(u->values, "STARTTLS") ||
                mw_imap_value_is_atom(u->values, "COMPRESS"));
    const mw_imap_response *r = &ev->response;
    return u->kind == MW_IMAP_UNIT_TAGGED && r->type == MW_IMAP_R_OK &&
           (contains_ci(r->text, "TLS") || contains_ci(r->text, "compress") ||
            contains_ci(r->text, "deflate"));
}

/* With --typed a command goes out through its typed value
 * (mw_imap_cmd_write), the way a client program sends one; a command the
 * typed decoder does not take (a streamed literal, a parameter list it
 * reads more strictly than the validator) falls back to the generic tree
 * writer, whose canonical form keeps the tree as it was. */
static mw_status reserialize(dump *d, const mw_imap_event *ev)
{
    if (d->typed && ev->unit.kind == MW_IMAP_UNIT_COMMAND) {
        mw_imap_cmd *cmd = NULL;
        if (mw_imap_cmd_decode(&ev->command, 0, NULL, &cmd, NULL) == MW_OK) {
            mw_status st = mw_imap_cmd_write(cmd, 0, &d->out);
            mw_imap_cmd_free(cmd);
            return st;
        }
    }
    return mw_imap_unit_write(&ev->unit, 0, &d->out);
}

static int on_unit(dump *d, const mw_imap_event *ev)
{
    if (d->reserialize) {
        mw_status st = reserialize(d, ev);
        if (st != MW_OK) {
            fprintf(stderr, "%s: cannot reserialize unit at offset %llu: %s\n",
                    TOOL, (unsigned long long)ev->unit.offset, mw_strerror(st));
            return EX_DATAERR;
        }
    } else if (d->commands) {
        print_command(d, ev);
    } else {
        print_response(d, &ev->unit, &ev->response);
    }
    d->upgrade = starts_upgrade(d, ev);
    d->n_digests = 0;
    if (mwcli_write_stdout(d->out.data, d->out.len) != 0)
        return EX_IOERR;
    mw_buf_clear(&d->out);
    return 0;
}

static int on_literal(dump *d, const mw_imap_event *ev)
{
    if (ev->type == MW_IMAP_EV_LITERAL_BEGIN) {
        mw_sha256_init(&d->sha);
    } else if (ev->type == MW_IMAP_EV_LITERAL_DATA) {
        mw_sha256_update(&d->sha, ev->data.ptr, ev->data.len);
    } else if (ev->type == MW_IMAP_EV_LITERAL_END) {
        if (d->n_digests == d->cap_digests) {
            size_t cap = d->cap_digests ? d->cap_digests * 2 : 8;
            digest *n = realloc(d->digests, cap * sizeof(*n));
            if (!n)
                return EX_OSERR;
            d->digests = n;
            d->cap_digests = cap;
        }
        uint8_t h[MW_SHA256_LEN];
        mw_sha256_final(&d->sha, h);
        digest *g = &d->digests[d->n_digests++];
        g->index = ev->literal_value;
        hex_digest(h, g->hex);
    }
    return 0;
}

static int report(mw_imap_parser *p, mw_status st)
{
    mw_imap_error err;
    mw_imap_parser_error(p, &err);
    if (st == MW_E_SYNTAX || st == MW_E_LIMIT) {
        fprintf(stderr, "offset %llu: expected %s%s\n",
                (unsigned long long)err.offset, err.expected,
                st == MW_E_LIMIT ? " (limit exceeded)" : "");
        return EX_DATAERR;
    }
    fprintf(stderr, "%s: %s\n", TOOL, mw_strerror(st));
    return EX_SOFTWARE;
}

static int run(dump *d, const char *data, size_t len, size_t chunk)
{
    mw_limits lim;
    mw_limits_default(&lim);
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = d->commands ? MW_IMAP_PARSE_COMMANDS : 0;
    cfg.limits = &lim;
    if (d->literals || d->reserialize) {
        /* The whole input is in memory anyway: keep every literal. */
        lim.literal_max = UINT64_MAX;
        cfg.inline_max = UINT64_MAX;
        cfg.unit_max = UINT32_MAX;
    } else {
        cfg.inline_max = lim.literal_max;
    }
    mw_imap_parser *p;
    if (mw_imap_parser_new(&cfg, NULL, &p) != MW_OK)
        return mwcli_fail(TOOL, EX_OSERR, "out of memory");
    size_t pos = 0;
    int rc = 0;
    while (rc == 0) {
        size_t n = len - pos;
        if (chunk && n > chunk)
            n = chunk;
        size_t used = 0;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, data + pos, n, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE) {
            if (pos == len)
                break;
            continue;
        }
        if (st != MW_OK) {
            /* After an accepted STARTTLS / COMPRESS the rest is not IMAP. */
            rc = d->upgrade ? 0 : report(p, st);
            if (d->upgrade)
                pos = len;
            break;
        }
        rc = ev.type == MW_IMAP_EV_UNIT ? on_unit(d, &ev) : on_literal(d, &ev);
    }
    if (rc == 0 && !mw_imap_parser_idle(p) && !d->upgrade) {
        fprintf(stderr,
                "offset %llu: expected more input (the stream ends "
                "inside a unit)\n",
                (unsigned long long)len);
        rc = EX_DATAERR;
    }
    mw_imap_parser_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    int code;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &code))
        return code;
    dump d;
    memset(&d, 0, sizeof(d));
    const char *path = NULL;
    size_t chunk = 0;
    int streams = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--server-stream") || !strcmp(a, "--client-stream")) &&
            i + 1 < argc) {
            d.commands = !strcmp(a, "--client-stream");
            path = argv[++i];
            streams++;
        } else if (!strcmp(a, "--literals")) {
            d.literals = 1;
        } else if (!strcmp(a, "--reserialize")) {
            d.reserialize = 1;
        } else if (!strcmp(a, "--typed")) {
            d.typed = 1;
        } else if (!strcmp(a, "--chunk") && i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v == 0)
                return mwcli_fail(TOOL, EX_USAGE, "--chunk needs N > 0");
            chunk = (size_t)v;
        } else {
            fputs(usage, stderr);
            return EX_USAGE;
        }
    }
    if (streams != 1 || (d.typed && !d.reserialize)) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    char *data;
    size_t len;
    int rc = mwcli_read_file(path, &data, &len);
    if (rc)
        return rc;
    mw_buf_init_growable(&d.out, NULL, 0);
    rc = run(&d, data, len, chunk);
    mw_buf_free(&d.out);
    free(d.digests);
    free(data);
    return rc;
}
