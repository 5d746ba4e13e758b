/* mw-send: a small sendmail-like SMTP client on mw_send_message(). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "mailwire/build.h"
#include "mailwire/msg.h"
#include "mailwire/net.h"
#include "mailwire/net_send.h"
#ifdef MW_SEND_HAVE_TLS
#include "mailwire/tls.h"
#endif

#define TOOL "mw-send"
#define MAX_ADDRS 1000

static const char usage[] =
    "usage: mw-send --server HOST[:PORT] [--starttls|--tls]\n"
    "               [--cafile FILE | --insecure]\n"
    "               [--user U --password-file F] [--auth MECH]\n"
    "               --from ADDR --to ADDR [--to ADDR]...\n"
    "               [--subject S] [--text FILE] [--attach FILE]...\n"
    "       mw-send --server HOST[:PORT] [...] [-t] [--from ADDR]\n"
    "               [--to ADDR]... < message\n"
    "\n"
    "Send one message by SMTP. With --subject, --text or --attach the\n"
    "message is composed (MIME, Date and Message-ID added); otherwise an\n"
    "RFC 5322 message is read from stdin and sent as it is (bare LF line\n"
    "ends become CRLF). -t adds the recipients of its To, Cc and Bcc\n"
    "fields (and takes the sender from From when --from is not given);\n"
    "the Bcc field is removed.\n"
    "\n"
    "  --server HOST[:PORT]  server; port 25, or 465 with --tls\n"
    "  --starttls            upgrade with STARTTLS (refuse if not offered)\n"
    "  --tls                 implicit TLS from the start\n"
    "  --cafile FILE         trust the CA certificates in FILE\n"
    "  --insecure            do not verify the server certificate\n"
    "  --user U              authenticate as U\n"
    "  --password-file F     password: the first line of F\n"
    "  --auth MECH           SASL mechanism (default: the strongest both\n"
    "                        sides have of SCRAM-SHA-256, CRAM-MD5, PLAIN,\n"
    "                        LOGIN)\n"
    "  --from ADDR           envelope sender (and From when composing)\n"
    "  --to ADDR             recipient (repeatable)\n"
    "  --subject S           subject (composing)\n"
    "  --text FILE           text body, UTF-8 (composing)\n"
    "  --attach FILE         attachment (composing; repeatable)\n"
    "  -t                    recipients from To, Cc and Bcc of stdin\n"
    "  --help, --version\n"
    "\n"
    "Exit status: 0 accepted for at least one recipient; 64 usage;\n"
    "65 bad message or address; 69 permanent refusal (or STARTTLS not\n"
    "offered); 75 temporary refusal, network or TLS failure (including a\n"
    "certificate that does not verify); 77 authentication refused.\n";

typedef struct options {
    const char *server;
    int starttls, tls, insecure, from_headers;
    const char *cafile, *user, *password_file, *auth;
    const char *from;
    const char *to[MAX_ADDRS];
    size_t n_to;
    const char *subject, *text;
    const char *attach[MAX_ADDRS];
    size_t n_attach;
} options;

/* One envelope address, split for mw_smtp_path. */
typedef struct addr {
    char *spec; /* canonical addr-spec, owned */
    size_t at;  /* index of the last '@' */
    char *name; /* display name (UTF-8), owned; NULL when none */
} addr;

typedef struct envelope {
    addr from;
    addr rcpt[MAX_ADDRS];
    size_t n_rcpt;
} envelope;

static int usage_error(const char *msg)
{
    fprintf(stderr, "%s: %s\n(see %s --help)\n", TOOL, msg, TOOL);
    return EX_USAGE;
}

static int take_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc)
        return 0;
    *out = argv[++*i];
    return 1;
}

static int parse_flag(const char *a, options *o)
{
    if (strcmp(a, "--starttls") == 0)
        o->starttls = 1;
    else if (strcmp(a, "--tls") == 0)
        o->tls = 1;
    else if (strcmp(a, "--insecure") == 0)
        o->insecure = 1;
    else if (strcmp(a, "-t") == 0)
        o->from_headers = 1;
    else
        return 0;
    return 1;
}

static int push(const char **list, size_t *n, const char *v)
{
    if (*n == MAX_ADDRS)
        return 0;
    list[(*n)++] = v;
    return 1;
}

static int parse_valued(int argc, char **argv, int *i, options *o)
{
    const char *a = argv[*i];
    static const struct {
        const char *name;
        size_t off;
    } single[] = {
        {"--server", offsetof(options, server)},
        {"--cafile", offsetof(options, cafile)},
        {"--user", offsetof(options, user)},
        {"--password-file", offsetof(options, password_file)},
        {"--auth", offsetof(options, auth)},
        {"--from", offsetof(options, from)},
        {"--subject", offsetof(options, subject)},
        {"--text", offsetof(options, text)},
    };
    const char *v = NULL;
    for (size_t k = 0; k < sizeof single / sizeof single[0]; k++) {
        if (strcmp(a, single[k].name) == 0) {
            if (!take_value(argc, argv, i, &v))
                return -1;
            *(const char **)(void *)((char *)o + single[k].off) = v;
            return 1;
        }
    }
    if (strcmp(a, "--to") == 0 || strcmp(a, "--attach") == 0) {
        if (!take_value(argc, argv, i, &v))
            return -1;
        int ok = a[2] == 't' ? push(o->to, &o->n_to, v)
                             : push(o->attach, &o->n_attach, v);
        return ok ? 1 : -2;
    }
    return 0;
}

static int check_combination(const options *o)
{
    if (!o->server)
        return usage_error("--server is required");
    if (o->starttls && o->tls)
        return usage_error("--starttls and --tls exclude each other");
    if (o->cafile && o->insecure)
        return usage_error("--cafile and --insecure exclude each other");
    if ((o->cafile || o->insecure) && !o->starttls && !o->tls)
        return usage_error("--cafile and --insecure need --starttls or --tls");
#ifndef MW_SEND_HAVE_TLS
    if (o->starttls || o->tls)
        return usage_error("this mw-send was built without TLS support "
                           "(libmailwire-tls); --starttls and --tls are "
                           "not available");
#endif
    if (o->user && !o->password_file)
        return usage_error("--user needs --password-file");
    if (o->password_file && !o->user)
        return usage_error("--password-file needs --user");
    if (o->auth && !o->user)
        return usage_error("--auth needs --user");
    int compose = o->subject || o->text || o->n_attach > 0;
    if (compose && o->from_headers)
        return usage_error("-t reads a message from stdin; it cannot be "
                           "combined with --subject, --text or --attach");
    if (!o->from && !o->from_headers)
        return usage_error("--from is required");
    if (o->n_to == 0 && !o->from_headers)
        return usage_error("at least one --to is required");
    return 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        if (parse_flag(argv[i], o))
            continue;
        int r = parse_valued(argc, argv, &i, o);
        if (r == 1)
            continue;
        if (r == -1) {
            fprintf(stderr, "%s: %s needs a value\n", TOOL, argv[i]);
            return EX_USAGE;
        }
        if (r == -2)
            return usage_error("too many --to or --attach options");
        fprintf(stderr, "%s: unknown option %s\n(see %s --help)\n", TOOL,
                argv[i], TOOL);
        return EX_USAGE;
    }
    return check_combination(o);
}

/* ---- addresses ----------------------------------------------------- */

/* Parse an address list; call \p fn for every mailbox. Returns 0 or an
 * exit code (65: not an address). */
typedef int (*addr_fn)(void *ud, const mw_address *a);

static int each_address(const char *value, size_t len, addr_fn fn, void *ud)
{
    mw_buf storage;
    mw_buf_init_growable(&storage, NULL, 0);
    mw_address list[64];
    size_t count = 0;
    mw_status st = mw_addr_list_parse(value, len, NULL, &storage, list,
                                      sizeof list / sizeof list[0], &count);
    int rc = 0;
    if (st != MW_OK) {
        fprintf(stderr, "%s: cannot parse addresses \"%.*s\": %s\n", TOOL,
                (int)(len > 200 ? 200 : len), value, mw_strerror(st));
        rc = EX_DATAERR;
    }
    for (size_t i = 0; i < count && !rc; i++) {
        if (list[i].flags & MW_ADDR_EMPTY_GROUP)
            continue;
        rc = fn(ud, &list[i]);
    }
    mw_buf_free(&storage);
    return rc;
}

static int make_addr(const mw_address *a, addr *out)
{
    const mw_span *s = &a->addr_spec;
    const char *at = NULL;
    for (size_t i = 0; i < s->len; i++)
        if (s->ptr[i] == '@')
            at = s->ptr + i;
    if (!at || at == s->ptr || at + 1 == s->ptr + s->len) {
        fprintf(stderr, "%s: not a mail address: \"%.*s\"\n", TOOL, (int)s->len,
                s->ptr);
        return EX_DATAERR;
    }
    out->spec = malloc(s->len + 1);
    if (!out->spec)
        return EX_OSERR;
    memcpy(out->spec, s->ptr, s->len);
    out->spec[s->len] = '\0';
    out->at = (size_t)(at - s->ptr);
    out->name = NULL;
    if (a->display_name.len > 0) {
        out->name = malloc(a->display_name.len + 1);
        if (!out->name)
            return EX_OSERR;
        memcpy(out->name, a->display_name.ptr, a->display_name.len);
        out->name[a->display_name.len] = '\0';
    }
    return 0;
}

static int add_rcpt(void *ud, const mw_address *a)
{
    envelope *e = ud;
    if (e->n_rcpt == MAX_ADDRS) {
        fprintf(stderr, "%s: more than %d recipients\n", TOOL, MAX_ADDRS);
        return EX_DATAERR;
    }
    int rc = make_addr(a, &e->rcpt[e->n_rcpt]);
    if (!rc)
        e->n_rcpt++;
    return rc;
}

static int set_from(void *ud, const mw_address *a)
{
    envelope *e = ud;
    if (e->from.spec)
        return 0; /* the first mailbox of From is the sender */
    return make_addr(a, &e->from);
}

static void free_envelope(envelope *e)
{
    free(e->from.spec);
    free(e->from.name);
    for (size_t i = 0; i < e->n_rcpt; i++) {
        free(e->rcpt[i].spec);
        free(e->rcpt[i].name);
    }
}

static void fill_path(const addr *a, mw_smtp_path *p)
{
    memset(p, 0, sizeof *p);
    p->local.ptr = a->spec;
    p->local.len = a->at;
    p->domain.ptr = a->spec + a->at + 1;
    p->domain.len = strlen(a->spec) - a->at - 1;
    if (a->spec[0] == '"')
        p->flags |= MW_SMTP_PATH_QUOTED;
}

/* ---- the message from stdin (-t) ----------------------------------- */

/* Length of the header section (up to and including the empty line). */
static size_t header_length(const char *m, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && m[e] != '\n')
            e++;
        size_t line = e - i;
        if (line > 0 && m[e - 1] == '\r')
            line--;
        e = e < len ? e + 1 : e;
        if (line == 0)
            return e;
        i = e;
    }
    return len;
}

/* End of the field starting at \p i (continuation lines included). */
static size_t field_end(const char *m, size_t hlen, size_t i)
{
    for (;;) {
        while (i < hlen && m[i] != '\n')
            i++;
        if (i < hlen)
            i++;
        if (i >= hlen || (m[i] != ' ' && m[i] != '\t'))
            return i;
    }
}

static int field_is(const char *m, size_t i, size_t end, const char *name)
{
    size_t n = strlen(name);
    return end - i > n && strncasecmp(m + i, name, n) == 0 && m[i + n] == ':';
}

/* Take recipients (and the sender) from the header; cut out Bcc. The
 * message is edited in place; *len shrinks. */
static int headers_to_envelope(char *m, size_t *len, envelope *e)
{
    size_t hlen = header_length(m, *len);
    size_t i = 0;
    int rc = 0;
    while (i < hlen && !rc) {
        size_t end = field_end(m, hlen, i);
        int bcc = field_is(m, i, end, "Bcc");
        size_t name = strcspn(m + i, ":");
        if (bcc || field_is(m, i, end, "To") || field_is(m, i, end, "Cc"))
            rc =
                each_address(m + i + name + 1, end - i - name - 1, add_rcpt, e);
        else if (field_is(m, i, end, "From") && !e->from.spec)
            rc =
                each_address(m + i + name + 1, end - i - name - 1, set_from, e);
        if (bcc) {
            memmove(m + i, m + end, *len - end);
            *len -= end - i;
            hlen -= end - i;
            continue;
        }
        i = end;
    }
    return rc;
}

/* ---- composing -------------------------------------------------------- */

static mw_status read_file_fn(void *ud, char *buf, size_t cap, size_t *n_out)
{
    FILE *f = ud;
    size_t n = fread(buf, 1, cap, f);
    *n_out = n;
    if (n > 0)
        return MW_OK;
    return ferror(f) ? MW_E_IO : MW_DONE;
}

static int status_exit(mw_status st, const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", TOOL, what, mw_strerror(st));
    return st == MW_E_NOMEM ? EX_OSERR : EX_DATAERR;
}

static int drain_to(mw_builder *b, FILE *out)
{
    size_t len;
    const char *p;
    while ((p = mw_builder_output(b, &len)) != NULL && len > 0) {
        if (fwrite(p, 1, len, out) != len) {
            fprintf(stderr, "%s: cannot write the temporary file\n", TOOL);
            return EX_IOERR;
        }
        mw_builder_output_done(b, len);
    }
    return 0;
}

static int file_part(mw_builder *b, FILE *out, const char *path,
                     const mw_build_part *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", TOOL, path, strerror(errno));
        return EX_NOINPUT;
    }
    mw_status st = mw_builder_begin_part(b, d);
    int rc = 0;
    while (st == MW_OK && !rc) {
        st = mw_builder_write_from(b, read_file_fn, f);
        rc = drain_to(b, out);
    }
    if (st == MW_DONE)
        st = mw_builder_end_part(b);
    fclose(f);
    if (rc)
        return rc;
    return st == MW_OK ? drain_to(b, out) : status_exit(st, path);
}

static mw_status add_mailbox(mw_builder *b, uint32_t field, const addr *a)
{
    return mw_builder_add_address(b, field, a->name,
                                  a->name ? strlen(a->name) : 0, a->spec,
                                  strlen(a->spec));
}

static int add_header_fields(mw_builder *b, const options *o, const envelope *e)
{
    mw_datetime now;
    uint8_t id[16];
    const char *dom = e->from.spec + e->from.at + 1;
    if (dom[0] == '[')
        dom = "localhost"; /* a msg-id's right side must be a dot-atom */
    mw_status st = add_mailbox(b, MW_BUILD_FROM, &e->from);
    for (size_t i = 0; i < e->n_rcpt && st == MW_OK; i++)
        st = add_mailbox(b, MW_BUILD_TO, &e->rcpt[i]);
    if (st == MW_OK && o->subject)
        st = mw_builder_set_subject(b, o->subject, strlen(o->subject));
    if (st == MW_OK)
        st = mw_net_now(&now);
    if (st == MW_OK)
        st = mw_builder_set_date(b, &now);
    if (st == MW_OK)
        st = mw_net_random(id, sizeof id);
    if (st == MW_OK)
        st = mw_builder_set_message_id_random(b, id, sizeof id, dom,
                                              strlen(dom));
    return st == MW_OK ? 0 : status_exit(st, "message header");
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int compose_body(mw_builder *b, FILE *out, const options *o)
{
    mw_build_part text;
    memset(&text, 0, sizeof text);
    int multi = o->n_attach > 0;
    mw_status st = multi ? mw_builder_begin_multipart(b, "mixed", NULL) : MW_OK;
    if (st != MW_OK)
        return status_exit(st, "message body");
    int rc = 0;
    if (o->text) {
        rc = file_part(b, out, o->text, &text);
    } else if (!multi) {
        st = mw_builder_begin_part(b, &text);
        if (st == MW_OK)
            st = mw_builder_end_part(b);
        rc = st == MW_OK ? 0 : status_exit(st, "message body");
    }
    for (size_t i = 0; i < o->n_attach && !rc; i++) {
        mw_build_part d;
        memset(&d, 0, sizeof d);
        d.content_type = "application/octet-stream";
        d.disposition = MW_BUILD_DISP_ATTACHMENT;
        d.filename = base_name(o->attach[i]);
        d.filename_len = strlen(d.filename);
        rc = file_part(b, out, o->attach[i], &d);
    }
    if (!rc && multi) {
        st = mw_builder_end_multipart(b);
        rc = st == MW_OK ? 0 : status_exit(st, "message body");
    }
    return rc;
}

/* Build the message into a temporary file (constant memory for any
 * attachment size); *out is positioned at its start. */
static int compose(const options *o, const envelope *e, FILE **out)
{
    uint8_t seed[16];
    mw_status st = mw_net_random(seed, sizeof seed);
    if (st != MW_OK)
        return status_exit(st, "random");
    mw_builder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.random = seed;
    cfg.random_len = sizeof seed;
    mw_builder *b = NULL;
    st = mw_builder_new(&cfg, NULL, &b);
    if (st != MW_OK)
        return status_exit(st, "builder");
    FILE *f = tmpfile();
    int rc = f ? 0 : EX_CANTCREAT;
    if (!f)
        fprintf(stderr, "%s: tmpfile: %s\n", TOOL, strerror(errno));
    if (!rc)
        rc = add_header_fields(b, o, e);
    if (!rc)
        rc = compose_body(b, f, o);
    if (!rc) {
        st = mw_builder_finish(b);
        rc = st == MW_OK ? drain_to(b, f) : status_exit(st, "message");
    }
    mw_builder_free(b);
    if (!rc && (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0))
        rc = EX_IOERR;
    if (rc && f)
        fclose(f);
    if (!rc)
        *out = f;
    return rc;
}

/* ---- sending ----------------------------------------------------------- */

static int read_password(const char *path, char **pw, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    int rc = mwcli_read_file(path, &data, &n);
    if (rc)
        return rc;
    size_t end = 0;
    while (end < n && data[end] != '\n')
        end++;
    if (end > 0 && data[end - 1] == '\r')
        end--;
    /* Only the first line is the password; the rest is wiped at once. */
    memset(data + end, 0, n - end);
    *pw = data;
    *len = end;
    return 0;
}

static void choose_helo(char *buf, size_t cap)
{
    if (gethostname(buf, cap) != 0 || buf[cap - 1] != '\0' || !strchr(buf, '.'))
        snprintf(buf, cap, "localhost");
}

static const char *stage_name(uint32_t stage)
{
    static const char *names[] = {"connect",      "greeting",    "EHLO",
                                  "STARTTLS",     "AUTH",        "MAIL/RCPT",
                                  "message body", "end of data", "QUIT"};
    return stage < sizeof names / sizeof names[0] ? names[stage] : "?";
}

static void print_reply(const char *what, const mw_send_reply *r)
{
    fprintf(stderr, "%s: %s: %u", TOOL, what, (unsigned)r->code);
    if (r->has_enhanced)
        fprintf(stderr, " %u.%u.%u", (unsigned)r->enhanced.cls,
                (unsigned)r->enhanced.subject, (unsigned)r->enhanced.detail);
    for (const char *p = r->text; *p; p++) {
        if (p == r->text)
            fputc(' ', stderr);
        fputc(*p == '\n' ? ' ' : *p, stderr);
    }
    fputc('\n', stderr);
}

static int any_temporary_rcpt(const mw_send_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (r->rcpts[i].code >= 400 && r->rcpts[i].code < 500)
            return 1;
    return 0;
}

static int report(mw_status st, const mw_send_result *r, const envelope *e)
{
    for (size_t i = 0; i < e->n_rcpt; i++) {
        if (r->rcpts[i].code >= 300) {
            char what[600];
            snprintf(what, sizeof what, "recipient <%s> refused",
                     e->rcpt[i].spec);
            print_reply(what, &r->rcpts[i]);
        }
    }
    if (st == MW_OK)
        return 0;
    char what[128];
    snprintf(what, sizeof what, "%s failed", stage_name(r->stage));
    switch (st) {
    case MW_E_PEER:
        print_reply(r->n_accepted == 0 && r->stage == MW_SEND_STAGE_MAIL
                        ? "no recipient accepted"
                        : what,
                    &r->final);
        if (r->final.code >= 500 && !any_temporary_rcpt(r, e->n_rcpt))
            return EX_UNAVAILABLE;
        return EX_TEMPFAIL;
    case MW_E_AUTH:
        if (r->final.code)
            print_reply("authentication refused", &r->final);
        else
            fprintf(stderr,
                    "%s: authentication impossible: the server "
                    "offers no usable mechanism\n",
                    TOOL);
        return EX_NOPERM;
    case MW_E_UNSUPPORTED:
        fprintf(stderr, "%s: %s: the server does not offer it\n", TOOL,
                stage_name(r->stage));
        return EX_UNAVAILABLE;
    case MW_E_TLS:
        fprintf(stderr, "%s: TLS failed: %s\n", TOOL,
                r->tls_error[0] ? r->tls_error : "handshake error");
        return EX_TEMPFAIL;
    case MW_E_IO:
    case MW_E_TIMEOUT:
    case MW_E_CLOSED:
    case MW_E_SYNTAX:
    case MW_E_LIMIT: {
        char net[200];
        mw_net_error_text(&r->net, net, sizeof net);
        fprintf(stderr, "%s: %s: %s%s%s\n", TOOL, what, mw_strerror(st),
                net[0] ? ": " : "", net);
        return EX_TEMPFAIL;
    }
    case MW_E_NOMEM:
        fprintf(stderr, "%s: out of memory\n", TOOL);
        return EX_OSERR;
    default:
        fprintf(stderr, "%s: %s: %s\n", TOOL, what, mw_strerror(st));
        return EX_DATAERR;
    }
}

#ifdef MW_SEND_HAVE_TLS
static int make_tls(const options *o, mw_tls_context **ctx)
{
    mw_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.size = sizeof tc;
    tc.role = MW_TLS_CLIENT;
    tc.ca_file = o->cafile;
    if (o->insecure)
        tc.flags |= MW_TLS_INSECURE;
    char err[256] = "";
    mw_status st = mw_tls_context_new(&tc, NULL, ctx, err, sizeof err);
    if (st == MW_OK)
        return 0;
    fprintf(stderr, "%s: TLS setup: %s%s%s\n", TOOL, mw_strerror(st),
            err[0] ? ": " : "", err);
    return o->cafile ? EX_NOINPUT : EX_SOFTWARE;
}
#endif

typedef struct file_source {
    FILE *f;
} file_source;

static mw_status file_body(void *ud, char *buf, size_t cap, size_t *n_out)
{
    file_source *s = ud;
    return read_file_fn(s->f, buf, cap, n_out);
}

static int send_it(const options *o, const envelope *e, mw_send_body_fn fn,
                   void *ud)
{
    char host[256], port[16], helo[256] = "";
    mw_status st = mw_net_split_hostport(o->server, o->tls ? "465" : "25", host,
                                         sizeof host, port, sizeof port);
    if (st != MW_OK)
        return usage_error("--server: expected HOST, HOST:PORT or [IPV6]:PORT");
    choose_helo(helo, sizeof helo);

    mw_send_opts so;
    memset(&so, 0, sizeof so);
    so.size = sizeof so;
    so.host = host;
    so.port = port;
    so.helo.ptr = helo;
    so.helo.len = strlen(helo);
    so.flags =
        (o->tls ? MW_SEND_TLS : 0u) | (o->starttls ? MW_SEND_STARTTLS : 0u);
    int rc = 0;
#ifdef MW_SEND_HAVE_TLS
    mw_tls_context *ctx = NULL;
    if (o->tls || o->starttls) {
        rc = make_tls(o, &ctx);
        so.tls_upgrade = mw_tls_upgrade;
        so.tls_error = mw_tls_error;
        so.tls_ctx = ctx;
    }
#endif
    char *pw = NULL;
    size_t pw_len = 0;
    if (!rc && o->user) {
        rc = read_password(o->password_file, &pw, &pw_len);
        so.user.ptr = o->user;
        so.user.len = strlen(o->user);
        so.password = pw;
        so.password_len = pw_len;
        if (!rc && o->auth) {
            so.auth_mech = mw_sasl_mech_from_name(o->auth, strlen(o->auth));
            if (so.auth_mech == MW_SASL_NONE)
                rc = usage_error("--auth: unknown SASL mechanism");
        }
    }
    mw_smtp_rcpt *rcpts = calloc(e->n_rcpt, sizeof *rcpts);
    mw_send_result res;
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    res.rcpts = calloc(e->n_rcpt, sizeof *res.rcpts);
    if (!rc && (!rcpts || !res.rcpts))
        rc = EX_OSERR;
    if (!rc) {
        mw_smtp_envelope env;
        memset(&env, 0, sizeof env);
        fill_path(&e->from, &env.from);
        for (size_t i = 0; i < e->n_rcpt; i++)
            fill_path(&e->rcpt[i], &rcpts[i].path);
        env.rcpts = rcpts;
        env.n_rcpts = e->n_rcpt;
        st = mw_send_message(&so, &env, fn, ud, &res);
        rc = report(st, &res, e);
    }
    if (pw) {
        memset(pw, 0, pw_len);
        free(pw);
    }
    free(rcpts);
    free(res.rcpts);
#ifdef MW_SEND_HAVE_TLS
    mw_tls_context_free(ctx);
#endif
    return rc;
}

static int has_line_break(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

static int cli_addresses(const options *o, envelope *e)
{
    int rc = 0;
    /* An option value is one line: a line break is an injection attempt. */
    int bad = o->from && has_line_break(o->from);
    for (size_t i = 0; i < o->n_to; i++)
        bad |= has_line_break(o->to[i]);
    if (bad || (o->subject && has_line_break(o->subject)))
        return usage_error("line break in --from, --to or --subject");
    if (o->from)
        rc = each_address(o->from, strlen(o->from), set_from, e);
    for (size_t i = 0; i < o->n_to && !rc; i++)
        rc = each_address(o->to[i], strlen(o->to[i]), add_rcpt, e);
    if (rc == EX_DATAERR)
        rc = EX_USAGE; /* a bad option value is a usage error */
    return rc;
}

static int send_stdin(const options *o, envelope *e)
{
    char *msg = NULL;
    size_t len = 0;
    int rc = mwcli_read_file("-", &msg, &len);
    if (!rc && o->from_headers)
        rc = headers_to_envelope(msg, &len, e);
    if (!rc && !e->from.spec)
        rc = mwcli_fail(TOOL, EX_DATAERR,
                        "no sender: the message has no "
                        "From field and --from is missing");
    if (!rc && e->n_rcpt == 0)
        rc = mwcli_fail(TOOL, EX_DATAERR, "no recipients in To, Cc or Bcc");
    if (!rc) {
        mw_send_span_source src = {msg, len, 0};
        rc = send_it(o, e, mw_send_span_read, &src);
    }
    free(msg);
    return rc;
}

int main(int argc, char **argv)
{
    int rc;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &rc))
        return rc;
    static options o;
    static envelope e;
    rc = parse_args(argc, argv, &o);
    if (!rc)
        rc = cli_addresses(&o, &e);
    if (rc) {
        free_envelope(&e);
        return rc;
    }
    if (o.subject || o.text || o.n_attach > 0) {
        FILE *f = NULL;
        rc = compose(&o, &e, &f);
        if (!rc) {
            file_source src = {f};
            rc = send_it(&o, &e, file_body, &src);
            fclose(f);
        }
    } else {
        rc = send_stdin(&o, &e);
    }
    free_envelope(&e);
    return rc;
}
