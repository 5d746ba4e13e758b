/* One message: run the MIME parser over it and build its JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "mwparse.h"

/* One entity, in the order the parser began them (depth-first). */
typedef struct part {
    mw_buf json; /* The object's keys up to "transfer_encoding". */
    int leaf;
    uint64_t size;
    mw_sha256 sha;
    uint32_t defects;
} part;

/* The top-level fields the summary keys are taken from (first wins). */
enum { F_SUBJECT, F_FROM, F_TO, F_CC, F_REPLY_TO, F_DATE, F_MSGID, F_COUNT };
static const char *const field_names[F_COUNT] = {
    "subject", "from", "to", "cc", "reply-to", "date", "message-id"};

typedef struct state {
    const mwp_options *opt;
    mw_buf headers; /* JSON of the "headers" list items. */
    mw_buf field[F_COUNT];
    int have[F_COUNT];
    part *parts;
    size_t nparts, cap;
    size_t stack[64 + 2]; /* Open entities, innermost last. */
    size_t depth;
    mw_status err;
} state;

static void check(state *s, mw_status st)
{
    if (st < 0 && s->err == MW_OK)
        s->err = st;
}

static void add_header(state *s, const mw_mime_event *ev)
{
    mw_buf v;
    mw_buf_init_growable(&v, NULL, 0);
    check(s,
          mw_header_unfold(ev->value.ptr, ev->value.len, MW_UNFOLD_TRIM, &v));
    const char *vp = v.data ? v.data : "";
    if (s->headers.len)
        check(s, mw_buf_append_str(&s->headers, ", "));
    check(s, mw_buf_append_byte(&s->headers, '['));
    check(s, mwp_json_string(&s->headers, ev->name.ptr ? ev->name.ptr : "",
                             ev->name.len));
    check(s, mw_buf_append_str(&s->headers, ", "));
    check(s, mwp_json_string(&s->headers, vp, v.len));
    check(s, mw_buf_append_byte(&s->headers, ']'));
    for (int f = 0; f < F_COUNT; f++) {
        if (s->have[f] || ev->name.len != strlen(field_names[f]) ||
            strncasecmp(ev->name.ptr, field_names[f], ev->name.len) != 0)
            continue;
        s->have[f] = 1;
        check(s, mw_buf_append(&s->field[f], vp, v.len));
    }
    mw_buf_free(&v);
}

static part *begin_part(state *s)
{
    if (s->nparts == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        part *p = realloc(s->parts, cap * sizeof(*p));
        if (!p) {
            check(s, MW_E_NOMEM);
            return NULL;
        }
        s->parts = p, s->cap = cap;
    }
    part *p = &s->parts[s->nparts];
    memset(p, 0, sizeof(*p));
    mw_buf_init_growable(&p->json, NULL, 0);
    mw_sha256_init(&p->sha);
    if (s->depth < sizeof(s->stack) / sizeof(s->stack[0]))
        s->stack[s->depth] = s->nparts;
    s->depth++;
    s->nparts++;
    return p;
}

static part *open_part(state *s)
{
    size_t max = sizeof(s->stack) / sizeof(s->stack[0]);
    if (s->depth == 0 || s->depth > max)
        return NULL;
    return &s->parts[s->stack[s->depth - 1]];
}

static void json_key(state *s, mw_buf *b, const char *key)
{
    check(s, mw_buf_append_str(b, ", \""));
    check(s, mw_buf_append_str(b, key));
    check(s, mw_buf_append_str(b, "\": "));
}

static void json_lower(state *s, mw_buf *b, const char *key, mw_span v)
{
    json_key(s, b, key);
    if (!v.ptr) {
        check(s, mw_buf_append_str(b, "null"));
        return;
    }
    char *low = malloc(v.len + 1);
    if (!low) {
        check(s, MW_E_NOMEM);
        return;
    }
    for (size_t i = 0; i < v.len; i++)
        low[i] = (v.ptr[i] >= 'A' && v.ptr[i] <= 'Z') ? (char)(v.ptr[i] + 32)
                                                      : v.ptr[i];
    check(s, mwp_json_string(b, low, v.len));
    free(low);
}

/* Content-Disposition filename, else Content-Type name, RFC 2231 and
 * 2047-decoded; absent means null. */
static void json_filename(state *s, mw_buf *b, const mw_mime_info *in)
{
    mw_buf name;
    mw_buf_init_growable(&name, NULL, 0);
    mw_status st = MW_DONE;
    if (in->disposition_raw.ptr)
        st = mw_mime_param_get(in->disposition_raw.ptr, in->disposition_raw.len,
                               "filename", s->opt->hook, &name, NULL);
    if (st == MW_DONE && in->content_type_raw.ptr)
        st = mw_mime_param_get(in->content_type_raw.ptr,
                               in->content_type_raw.len, "name", s->opt->hook,
                               &name, NULL);
    json_key(s, b, "filename");
    check(s, st);
    if (st == MW_OK)
        check(s, mwp_json_string(b, name.data ? name.data : "", name.len));
    else
        check(s, mw_buf_append_str(b, "null"));
    mw_buf_free(&name);
}

static int is_container(mw_span ct)
{
    static const char *const kinds[] = {"message/rfc822", "message/global"};
    if (ct.len >= 10 && memcmp(ct.ptr, "multipart/", 10) == 0)
        return 1;
    for (size_t i = 0; i < 2; i++)
        if (ct.len == strlen(kinds[i]) && memcmp(ct.ptr, kinds[i], ct.len) == 0)
            return 1;
    return 0;
}

static void headers_end(state *s, const mw_mime_info *in)
{
    part *p = open_part(s);
    if (!p)
        return;
    mw_buf *b = &p->json;
    json_lower(s, b, "content_type", in->content_type);
    json_lower(s, b, "charset", in->charset);
    json_key(s, b, "boundary");
    check(s, mwp_json_string(b, in->boundary.ptr, in->boundary.len));
    json_filename(s, b, in);
    json_lower(s, b, "disposition", in->disposition);
    json_lower(s, b, "transfer_encoding", in->transfer_encoding);
    p->leaf = !is_container(in->content_type);
}

static void on_event(state *s, const mw_mime_event *ev)
{
    part *p;
    switch (ev->type) {
    case MW_MIME_EV_ENTITY_BEGIN:
        p = begin_part(s);
        if (p) {
            char d[32];
            snprintf(d, sizeof(d), "{\"depth\": %u", (unsigned)ev->depth);
            check(s, mw_buf_append_str(&p->json, d));
        }
        break;
    case MW_MIME_EV_HEADER:
        if (s->nparts == 1 && s->depth == 1)
            add_header(s, ev);
        break;
    case MW_MIME_EV_HEADERS_END:
        headers_end(s, &ev->info);
        break;
    case MW_MIME_EV_BODY:
        p = open_part(s);
        if (p) {
            p->size += ev->data.len;
            mw_sha256_update(&p->sha, ev->data.ptr, ev->data.len);
        }
        break;
    case MW_MIME_EV_ENTITY_END:
        p = open_part(s);
        if (p)
            p->defects = ev->defects;
        if (s->depth)
            s->depth--;
        break;
    default:
        break;
    }
}

static void json_subject(state *s, mw_buf *out)
{
    check(s, mw_buf_append_str(out, ", \"subject\": "));
    if (!s->have[F_SUBJECT]) {
        check(s, mw_buf_append_str(out, "null"));
        return;
    }
    mw_buf text;
    mw_buf_init_growable(&text, NULL, 0);
    mw_buf *f = &s->field[F_SUBJECT];
    check(s, mw_rfc2047_decode(f->data ? f->data : "", f->len, s->opt->hook,
                               &text, NULL));
    check(s, mwp_json_string(out, text.data ? text.data : "", text.len));
    mw_buf_free(&text);
}

static void json_address_items(state *s, mw_buf *out, const mw_address *a,
                               size_t n)
{
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (a[i].flags & MW_ADDR_EMPTY_GROUP)
            continue;
        check(s, mw_buf_append_str(out, first ? "[" : ", ["));
        check(s, mwp_json_string(
                     out, a[i].display_name.ptr ? a[i].display_name.ptr : "",
                     a[i].display_name.len));
        check(s, mw_buf_append_str(out, ", "));
        check(s,
              mwp_json_string(out, a[i].addr_spec.ptr ? a[i].addr_spec.ptr : "",
                              a[i].addr_spec.len));
        check(s, mw_buf_append_byte(out, ']'));
        first = 0;
    }
}

/* A list that cannot be parsed at all (nesting beyond the bound) is
 * written as empty, like an absent one. */
static void json_addresses(state *s, mw_buf *out, const char *key, int f)
{
    json_key(s, out, key);
    check(s, mw_buf_append_byte(out, '['));
    mw_buf *v = &s->field[f];
    if (s->have[f] && v->len) {
        mw_addr_config cfg = {s->opt->hook, 0, 0};
        mw_buf store;
        mw_buf_init_growable(&store, NULL, 0);
        size_t n = 0;
        mw_status st =
            mw_addr_list_parse(v->data, v->len, &cfg, &store, NULL, 0, &n);
        mw_address *a = n ? calloc(n, sizeof(*a)) : NULL;
        if ((st == MW_OK || st == MW_E_NOSPACE) && a &&
            mw_addr_list_parse(v->data, v->len, &cfg, &store, a, n, &n) ==
                MW_OK)
            json_address_items(s, out, a, n);
        free(a);
        mw_buf_free(&store);
    }
    check(s, mw_buf_append_byte(out, ']'));
}

static void json_date(state *s, mw_buf *out)
{
    check(s, mw_buf_append_str(out, ", \"date\": "));
    mw_datetime dt;
    mw_buf *v = &s->field[F_DATE];
    char iso[64];
    mw_buf text;
    mw_buf_init_fixed(&text, iso, sizeof(iso));
    if (s->have[F_DATE] &&
        mw_datetime_parse(v->data ? v->data : "", v->len, &dt) == MW_OK &&
        mw_datetime_format_iso8601(&dt, &text) == MW_OK)
        check(s, mwp_json_string(out, text.data, text.len));
    else
        check(s, mw_buf_append_str(out, "null"));
}

static void json_defects(state *s, mw_buf *out, uint32_t defects)
{
    check(s, mw_buf_append_str(out, ", \"defects\": ["));
    int first = 1;
    for (unsigned bit = 0; bit < 32; bit++) {
        const char *name = mw_mime_defect_name((uint32_t)1 << bit);
        if (!(defects & ((uint32_t)1 << bit)) || !name)
            continue;
        check(s, mw_buf_append_str(out, first ? "" : ", "));
        check(s, mwp_json_string(out, name, strlen(name)));
        first = 0;
    }
    check(s, mw_buf_append_byte(out, ']'));
}

static void json_part(state *s, mw_buf *out, part *p)
{
    check(s, mw_buf_append(out, p->json.data, p->json.len));
    if (p->leaf) {
        uint8_t digest[MW_SHA256_LEN];
        char hex[2 * MW_SHA256_LEN], size[48];
        mw_sha256_final(&p->sha, digest);
        mw_hex_encode(digest, sizeof(digest), hex);
        snprintf(size, sizeof(size), ", \"size\": %llu, \"sha256\": \"",
                 (unsigned long long)p->size);
        check(s, mw_buf_append_str(out, size));
        check(s, mw_buf_append(out, hex, sizeof(hex)));
        check(s, mw_buf_append_byte(out, '"'));
    }
    if (s->opt->defects)
        json_defects(s, out, p->defects);
    check(s, mw_buf_append_byte(out, '}'));
}

static void json_message(state *s, mw_buf *out)
{
    check(s, mw_buf_append_str(out, "{\"headers\": ["));
    check(s, mw_buf_append(out, s->headers.data, s->headers.len));
    check(s, mw_buf_append_byte(out, ']'));
    json_subject(s, out);
    json_addresses(s, out, "from", F_FROM);
    json_addresses(s, out, "to", F_TO);
    json_addresses(s, out, "cc", F_CC);
    json_addresses(s, out, "reply_to", F_REPLY_TO);
    json_date(s, out);
    mw_span id = {NULL, 0};
    if (s->have[F_MSGID])
        mw_header_trim(s->field[F_MSGID].data ? s->field[F_MSGID].data : "",
                       s->field[F_MSGID].len, &id);
    json_key(s, out, "message_id");
    check(s, mwp_json_string(out, id.ptr, id.len));
    check(s, mw_buf_append_str(out, ", \"parts\": ["));
    for (size_t i = 0; i < s->nparts; i++) {
        check(s, mw_buf_append_str(out, i ? ", " : ""));
        json_part(s, out, &s->parts[i]);
    }
    check(s, mw_buf_append_str(out, "]}\n"));
}

/* Pull every event out of one chunk (or out of the finished parser). */
static mw_status drain(state *s, mw_mime_parser *p, const char *d, size_t n)
{
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st = mw_mime_parse(p, d, n, &used, &ev);
        if (st != MW_OK)
            return st;
        /* d is NULL while draining a finished parser (used is 0). */
        if (used) {
            d += used;
            n -= used;
        }
        on_event(s, &ev);
    }
}

static mw_status feed(state *s, mw_mime_parser *p, const char *msg, size_t len)
{
    size_t step = s->opt->chunk ? s->opt->chunk : (len ? len : 1);
    for (size_t pos = 0; pos < len; pos += step) {
        size_t n = len - pos < step ? len - pos : step;
        mw_status st = drain(s, p, msg + pos, n);
        if (st != MW_NEED_MORE)
            return st < 0 ? st : MW_E_STATE;
    }
    mw_mime_finish(p);
    mw_status st = drain(s, p, NULL, 0);
    return st == MW_DONE ? MW_OK : (st < 0 ? st : MW_E_STATE);
}

static void state_free(state *s)
{
    mw_buf_free(&s->headers);
    for (int f = 0; f < F_COUNT; f++)
        mw_buf_free(&s->field[f]);
    for (size_t i = 0; i < s->nparts; i++)
        mw_buf_free(&s->parts[i].json);
    free(s->parts);
}

int mwp_message_json(const char *msg, size_t len, const mwp_options *opt,
                     mw_buf *out)
{
    state s;
    memset(&s, 0, sizeof(s));
    s.opt = opt;
    mw_buf_init_growable(&s.headers, NULL, 0);
    for (int f = 0; f < F_COUNT; f++)
        mw_buf_init_growable(&s.field[f], NULL, 0);
    mw_mime_parser *p = NULL;
    mw_status st = mw_mime_parser_new(NULL, NULL, &p);
    if (st == MW_OK)
        st = feed(&s, p, msg, len);
    mw_mime_parser_free(p);
    size_t before = out->len;
    if (st == MW_OK && s.err == MW_OK)
        json_message(&s, out);
    if (s.err != MW_OK)
        out->len = before;
    int rc = 0;
    if (st != MW_OK || s.err != MW_OK) {
        fprintf(stderr, "mw-parse: %s\n",
                mw_strerror(st != MW_OK ? st : s.err));
        rc = (st == MW_E_NOMEM || s.err == MW_E_NOMEM) ? EX_OSERR : EX_DATAERR;
    }
    state_free(&s);
    return rc;
}
