/* mw-compose: build an RFC 5322 / MIME message from the command line and
 * write it to stdout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mailwire/build.h"
#include "mailwire/mailwire.h"

#define TOOL "mw-compose"
#define MAX_FILES 256

static const char usage[] =
    "usage: mw-compose --from ADDR [options] > message.eml\n"
    "  --from ADDR          author (\"Name <a@b>\" or a@b)\n"
    "  --to ADDR            recipient (repeatable; lists allowed)\n"
    "  --cc ADDR            copy recipient (repeatable)\n"
    "  --reply-to ADDR      reply address (repeatable)\n"
    "  --subject TEXT       subject (UTF-8)\n"
    "  --header 'N: V'      extra header field (repeatable)\n"
    "  --text FILE|-        text/plain body\n"
    "  --html FILE          text/html body\n"
    "  --attach FILE        attachment (repeatable)\n"
    "  --inline FILE        inline part, Content-ID <BASENAME@mw-compose>\n"
    "                       (reference it as cid:BASENAME@mw-compose)\n"
    "  --date DATE          RFC 5322 date (default: now, UTC)\n"
    "  --message-id ID      Message-ID (default: random)\n"
    "  --seed N             derive boundaries from N (reproducible output)\n"
    "  --8bitmime           the transport supports 8BITMIME\n"
    "  --smtputf8           write non-ASCII headers as raw UTF-8\n"
    "Text and HTML make multipart/alternative; inline parts wrap that in\n"
    "multipart/related; attachments wrap everything in multipart/mixed.\n"
    "Exit: 0 ok, 64 usage, 65 bad data (CR/LF in an option, bad address),\n"
    "66 unreadable file.\n";

typedef struct options {
    const char *from, *subject, *text, *html, *date, *message_id;
    const char *to[MAX_FILES], *cc[MAX_FILES], *reply_to[MAX_FILES];
    const char *headers[MAX_FILES], *attach[MAX_FILES], *inl[MAX_FILES];
    size_t n_to, n_cc, n_reply_to, n_headers, n_attach, n_inline;
    unsigned long long seed;
    int have_seed;
    uint32_t flags;
} options;

static int push(const char **list, size_t *n, const char *v)
{
    if (*n >= MAX_FILES)
        return mwcli_fail(TOOL, EX_USAGE, "too many repeated options");
    list[(*n)++] = v;
    return 0;
}

static int has_line_break(const char *s)
{
    return strchr(s, '\r') || strchr(s, '\n');
}

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--8bitmime")) {
            o->flags |= MW_BUILD_8BITMIME;
            continue;
        }
        if (!strcmp(a, "--smtputf8")) {
            o->flags |= MW_BUILD_SMTPUTF8;
            continue;
        }
        if (i + 1 >= argc)
            return mwcli_fail(TOOL, EX_USAGE,
                              "unknown option or missing value");
        const char *v = argv[++i];
        /* Refuse header injection before anything is written. */
        if (has_line_break(v))
            return mwcli_fail(TOOL, EX_DATAERR, "CR or LF in an option value");
        int rc = 0;
        if (!strcmp(a, "--from"))
            o->from = v;
        else if (!strcmp(a, "--to"))
            rc = push(o->to, &o->n_to, v);
        else if (!strcmp(a, "--cc"))
            rc = push(o->cc, &o->n_cc, v);
        else if (!strcmp(a, "--reply-to"))
            rc = push(o->reply_to, &o->n_reply_to, v);
        else if (!strcmp(a, "--subject"))
            o->subject = v;
        else if (!strcmp(a, "--header"))
            rc = push(o->headers, &o->n_headers, v);
        else if (!strcmp(a, "--text"))
            o->text = v;
        else if (!strcmp(a, "--html"))
            o->html = v;
        else if (!strcmp(a, "--attach"))
            rc = push(o->attach, &o->n_attach, v);
        else if (!strcmp(a, "--inline"))
            rc = push(o->inl, &o->n_inline, v);
        else if (!strcmp(a, "--date"))
            o->date = v;
        else if (!strcmp(a, "--message-id"))
            o->message_id = v;
        else if (!strcmp(a, "--seed")) {
            char *end;
            o->seed = strtoull(v, &end, 10);
            if (*v == '\0' || *end != '\0')
                return mwcli_fail(TOOL, EX_USAGE, "--seed needs a number");
            o->have_seed = 1;
        } else
            return mwcli_fail(TOOL, EX_USAGE, "unknown option");
        if (rc)
            return rc;
    }
    if (!o->from)
        return mwcli_fail(TOOL, EX_USAGE, "--from is required");
    return 0;
}

static int status_exit(mw_status st, const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", TOOL, what, mw_strerror(st));
    return st == MW_E_NOMEM ? EX_OSERR : EX_DATAERR;
}

/* Add every mailbox of an address list option. */
static int add_addresses(mw_builder *b, uint32_t field, const char *value)
{
    mw_address addrs[64];
    mw_buf storage;
    size_t count = 0;
    mw_buf_init_growable(&storage, NULL, 0);
    mw_status st = mw_addr_list_parse(value, strlen(value), NULL, &storage,
                                      addrs, 64, &count);
    if (st == MW_OK && count == 0)
        st = MW_E_SYNTAX;
    for (size_t i = 0; st == MW_OK && i < count; i++)
        st = mw_builder_add_address(
            b, field, addrs[i].display_name.ptr, addrs[i].display_name.len,
            addrs[i].addr_spec.ptr, addrs[i].addr_spec.len);
    mw_buf_free(&storage);
    return st == MW_OK ? 0 : status_exit(st, value);
}

static void random_bytes(uint8_t *out, size_t n, const options *o)
{
    uint64_t x = o->have_seed ? (uint64_t)o->seed
                              : (uint64_t)time(NULL) ^ (uint64_t)clock();
    FILE *f = o->have_seed ? NULL : fopen("/dev/urandom", "rb");
    size_t got = f ? fread(out, 1, n, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = got; i < n; i++) {
        x += 0x9E3779B97F4A7C15ull;
        uint64_t z = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull;
        out[i] = (uint8_t)(z >> 32);
    }
}

static int add_headers(mw_builder *b, const options *o)
{
    int rc = add_addresses(b, MW_BUILD_FROM, o->from);
    for (size_t i = 0; !rc && i < o->n_to; i++)
        rc = add_addresses(b, MW_BUILD_TO, o->to[i]);
    for (size_t i = 0; !rc && i < o->n_cc; i++)
        rc = add_addresses(b, MW_BUILD_CC, o->cc[i]);
    for (size_t i = 0; !rc && i < o->n_reply_to; i++)
        rc = add_addresses(b, MW_BUILD_REPLY_TO, o->reply_to[i]);
    if (rc)
        return rc;
    mw_status st;
    if (o->subject) {
        st = mw_builder_set_subject(b, o->subject, strlen(o->subject));
        if (st != MW_OK)
            return status_exit(st, "--subject");
    }
    mw_datetime dt;
    if (o->date)
        st = mw_datetime_parse(o->date, strlen(o->date), &dt);
    else
        st = mw_datetime_from_unix((int64_t)time(NULL), 0, &dt);
    if (st == MW_OK)
        st = mw_builder_set_date(b, &dt);
    if (st != MW_OK)
        return status_exit(st, "--date");
    if (o->message_id) {
        const char *id = o->message_id;
        size_t len = strlen(id);
        if (len >= 2 && id[0] == '<' && id[len - 1] == '>') {
            id++;
            len -= 2;
        }
        st = mw_builder_set_message_id(b, id, len);
    } else {
        uint8_t r[16];
        random_bytes(r, sizeof r, o);
        const char *at = strrchr(o->from, '@');
        const char *dom = at ? at + 1 : "localhost";
        size_t dlen = strcspn(dom, ">) \t,");
        st = mw_builder_set_message_id_random(b, r, sizeof r, dom, dlen);
    }
    if (st != MW_OK)
        return status_exit(st, "--message-id");
    for (size_t i = 0; i < o->n_headers; i++) {
        const char *h = o->headers[i];
        const char *colon = strchr(h, ':');
        if (!colon)
            return mwcli_fail(TOOL, EX_USAGE, "--header needs 'Name: value'");
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        st = mw_builder_add_header(b, h, (size_t)(colon - h), v, strlen(v));
        if (st != MW_OK)
            return status_exit(st, h);
    }
    return 0;
}

static const char *type_for(const char *path)
{
    static const char *const table[][2] = {
        {"txt", "text/plain"},         {"text", "text/plain"},
        {"html", "text/html"},         {"htm", "text/html"},
        {"css", "text/css"},           {"csv", "text/csv"},
        {"ics", "text/calendar"},      {"md", "text/markdown"},
        {"xml", "application/xml"},    {"json", "application/json"},
        {"pdf", "application/pdf"},    {"zip", "application/zip"},
        {"gz", "application/gzip"},    {"tar", "application/x-tar"},
        {"doc", "application/msword"}, {"png", "image/png"},
        {"jpg", "image/jpeg"},         {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},          {"svg", "image/svg+xml"},
        {"webp", "image/webp"},        {"mp3", "audio/mpeg"},
        {"wav", "audio/wav"},          {"mp4", "video/mp4"},
        {"eml", "message/rfc822"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const char *e = table[i][0];
        size_t n = strlen(e);
        if (strlen(dot + 1) != n)
            continue;
        size_t k = 0;
        while (k < n && (dot[1 + k] | 0x20) == e[k])
            k++;
        if (k == n)
            return table[i][1];
    }
    return "application/octet-stream";
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static mw_status read_file_fn(void *ud, char *buf, size_t cap, size_t *n_out)
{
    FILE *f = ud;
    size_t n = fread(buf, 1, cap, f);
    *n_out = n;
    if (n > 0)
        return MW_OK;
    return ferror(f) ? MW_E_IO : MW_DONE;
}

/* Drain everything the builder has ready to stdout. */
static int drain(mw_builder *b)
{
    size_t len;
    const char *p = mw_builder_output(b, &len);
    if (len == 0)
        return 0;
    int rc = mwcli_write_stdout(p, len);
    mw_builder_output_done(b, len);
    return rc;
}

/* Build one leaf whose content comes from a file. */
static int file_part(mw_builder *b, const char *path, const mw_build_part *d)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        perror(path);
        return EX_NOINPUT;
    }
    mw_status st = mw_builder_begin_part(b, d);
    int rc = 0;
    while (st == MW_OK && !rc) {
        st = mw_builder_write_from(b, read_file_fn, f);
        rc = drain(b);
    }
    if (st == MW_DONE)
        st = mw_builder_end_part(b);
    if (f != stdin)
        fclose(f);
    if (rc)
        return rc;
    return st == MW_OK ? drain(b) : status_exit(st, path);
}

static char *content_id_for(const char *path)
{
    const char *base = base_name(path);
    size_t n = strlen(base);
    char *id = malloc(n + sizeof "@mw-compose" + 1);
    if (!id)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)base[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) ||
                 (c == '.' && i > 0 && i + 1 < n && base[i - 1] != '.');
        id[i] = ok ? (char)c : '_';
    }
    if (n == 0)
        id[n++] = '_';
    strcpy(id + n, "@mw-compose");
    return id;
}

static int check_status(mw_status st, const char *what)
{
    return st == MW_OK ? 0 : status_exit(st, what);
}

static int build_body(mw_builder *b, const options *o)
{
    int alt = o->text && o->html;
    int rel = o->n_inline > 0;
    int mixed = o->n_attach > 0;
    int rc = 0;
    if (mixed)
        rc = check_status(mw_builder_begin_multipart(b, "mixed", NULL), "body");
    if (!rc && rel)
        rc = check_status(
            mw_builder_begin_multipart(b, "related",
                                       alt       ? "multipart/alternative"
                                       : o->html ? "text/html"
                                                 : "text/plain"),
            "body");
    if (!rc && alt)
        rc = check_status(mw_builder_begin_multipart(b, "alternative", NULL),
                          "body");
    mw_build_part d;
    if (!rc && (o->text || (!o->html && !mixed) || rel)) {
        memset(&d, 0, sizeof d);
        if (o->text)
            rc = file_part(b, o->text, &d);
        else if (!o->html) {
            rc = check_status(mw_builder_begin_part(b, &d), "body");
            if (!rc)
                rc = check_status(mw_builder_end_part(b), "body");
        }
    }
    if (!rc && o->html) {
        memset(&d, 0, sizeof d);
        d.content_type = "text/html";
        rc = file_part(b, o->html, &d);
    }
    if (!rc && alt)
        rc = check_status(mw_builder_end_multipart(b), "body");
    for (size_t i = 0; !rc && i < o->n_inline; i++) {
        char *cid = content_id_for(o->inl[i]);
        if (!cid)
            return EX_OSERR;
        memset(&d, 0, sizeof d);
        d.content_type = type_for(o->inl[i]);
        d.disposition = MW_BUILD_DISP_INLINE;
        d.filename = base_name(o->inl[i]);
        d.filename_len = strlen(d.filename);
        d.content_id = cid;
        d.content_id_len = strlen(cid);
        rc = file_part(b, o->inl[i], &d);
        free(cid);
    }
    if (!rc && rel)
        rc = check_status(mw_builder_end_multipart(b), "body");
    for (size_t i = 0; !rc && i < o->n_attach; i++) {
        memset(&d, 0, sizeof d);
        d.content_type = type_for(o->attach[i]);
        d.disposition = MW_BUILD_DISP_ATTACHMENT;
        d.filename = base_name(o->attach[i]);
        d.filename_len = strlen(d.filename);
        rc = file_part(b, o->attach[i], &d);
    }
    if (!rc && mixed)
        rc = check_status(mw_builder_end_multipart(b), "body");
    return rc;
}

int main(int argc, char **argv)
{
    int rc;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &rc))
        return rc;
    static options o;
    rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    uint8_t seed[16];
    random_bytes(seed, sizeof seed, &o);
    mw_builder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.flags = o.flags;
    cfg.random = seed;
    cfg.random_len = sizeof seed;
    mw_builder *b = NULL;
    mw_status st = mw_builder_new(&cfg, NULL, &b);
    if (st != MW_OK)
        return status_exit(st, "builder");
    rc = add_headers(b, &o);
    if (!rc)
        rc = build_body(b, &o);
    if (!rc)
        rc = check_status(mw_builder_finish(b), "message");
    if (!rc)
        rc = drain(b);
    mw_builder_free(b);
    return rc;
}
