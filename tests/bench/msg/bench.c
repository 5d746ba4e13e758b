/* Message parser benchmark (not a test): mailwire against GMime 3 and
 * libetpan over the same corpus, doing equivalent work.
 *
 *   bench ENGINE MODE CORPUS [REPEAT]
 *     ENGINE  mailwire | gmime | etpan | memchr
 *     MODE    full   (every header of every entity, every entity, every
 *                     leaf transfer-decoded)
 *             struct (headers and structure only, no decoding)
 *   bench big [GIGABYTES]
 *     one multipart message with a base64 attachment of that size (1 GB
 *     by default) generated on the fly and fed to mailwire in 64 KB
 *     chunks; prints the resident memory it added.
 *
 * Prints: engine mode MB/s peak-RSS-extra-KB messages bytes. The timed
 * work is in bench_run() (callgrind: --toggle-collect=bench_run). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gmime/gmime.h>
#include <libetpan/libetpan.h>

#include "mailwire/mailwire.h"
#include "mailwire/mime.h"

typedef struct corpus {
    char *data;
    size_t len;
    const char **msg;
    size_t *msg_len;
    size_t count;
} corpus;

static volatile uint64_t g_sink;

static int load(const char *path, corpus *c)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    c->data = malloc((size_t)n + 1);
    if (!c->data || fread(c->data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    c->len = (size_t)n;
    size_t cap = 1024;
    c->msg = malloc(cap * sizeof(*c->msg));
    c->msg_len = malloc(cap * sizeof(*c->msg_len));
    for (size_t pos = 0; pos + 4 <= c->len;) {
        const unsigned char *p = (const unsigned char *)c->data + pos;
        size_t m = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
                   (size_t)p[3] << 24;
        if (c->count == cap) {
            cap *= 2;
            c->msg = realloc(c->msg, cap * sizeof(*c->msg));
            c->msg_len = realloc(c->msg_len, cap * sizeof(*c->msg_len));
        }
        c->msg[c->count] = c->data + pos + 4;
        c->msg_len[c->count++] = m;
        pos += 4 + m;
    }
    return 0;
}

static long rss_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, key, k) == 0)
            v = strtol(line + k + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* Reset the peak RSS (Linux clear_refs 5) so that setting up does not
 * count in the peak measured afterwards. */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* ---------------------------------------------------------------- */
/* mailwire                                                          */
/* ---------------------------------------------------------------- */

static uint64_t mw_one(mw_mime_parser *p, const char *d, size_t n)
{
    uint64_t sink = 0;
    int finished = 0;
    for (;;) {
        size_t used = 0;
        mw_mime_event ev;
        mw_status st =
            mw_mime_parse(p, finished ? NULL : d, finished ? 0 : n, &used, &ev);
        if (!finished) {
            d += used;
            n -= used;
        }
        if (st == MW_NEED_MORE && !finished) {
            finished = 1;
            mw_mime_finish(p);
            continue;
        }
        if (st != MW_OK)
            break;
        switch (ev.type) {
        case MW_MIME_EV_HEADER:
            sink += ev.name.len + ev.value.len;
            break;
        case MW_MIME_EV_HEADERS_END:
            sink += ev.info.content_type.len;
            break;
        case MW_MIME_EV_BODY:
            sink += ev.data.len + (unsigned char)ev.data.ptr[0];
            break;
        default:
            break;
        }
    }
    return sink;
}

static uint64_t run_mailwire(const corpus *c, int decode)
{
    mw_mime_config cfg = {sizeof(cfg), decode ? 0 : MW_MIME_RAW_BODY, NULL};
    size_t need = mw_mime_parser_sizeof(&cfg);
    void *mem = malloc(need);
    uint64_t sink = 0;
    for (size_t i = 0; i < c->count; i++) {
        mw_mime_parser *p;
        if (mw_mime_parser_init_in(mem, need, &cfg, &p) != MW_OK)
            abort();
        sink += mw_one(p, c->msg[i], c->msg_len[i]);
    }
    free(mem);
    return sink;
}

/* ---------------------------------------------------------------- */
/* GMime 3                                                           */
/* ---------------------------------------------------------------- */

static uint64_t gm_headers(GMimeObject *o)
{
    uint64_t sink = 0;
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    int n = g_mime_header_list_get_count(hl);
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *v = g_mime_header_get_raw_value(h);
        sink += strlen(g_mime_header_get_name(h)) + (v ? strlen(v) : 0);
    }
    return sink;
}

static uint64_t gm_walk(GMimeObject *o, GMimeStream *null, int decode)
{
    uint64_t sink = gm_headers(o);
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++)
            sink += gm_walk(g_mime_multipart_get_part(mp, i), null, decode);
    } else if (GMIME_IS_MESSAGE_PART(o)) {
        GMimeMessage *m =
            g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
        if (m) {
            sink += gm_headers(GMIME_OBJECT(m));
            GMimeObject *body = g_mime_message_get_mime_part(m);
            if (body)
                sink += gm_walk(body, null, decode);
        }
    } else if (GMIME_IS_PART(o) && decode) {
        GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
        if (w) {
            ssize_t k = g_mime_data_wrapper_write_to_stream(w, null);
            sink += (uint64_t)(k > 0 ? k : 0);
        }
    }
    return sink;
}

static uint64_t run_gmime(const corpus *c, int decode)
{
    uint64_t sink = 0;
    GMimeStream *null = g_mime_stream_null_new();
    for (size_t i = 0; i < c->count; i++) {
        GMimeStream *s =
            g_mime_stream_mem_new_with_buffer(c->msg[i], c->msg_len[i]);
        GMimeParser *p = g_mime_parser_new_with_stream(s);
        GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
        if (m) {
            sink += gm_headers(GMIME_OBJECT(m));
            GMimeObject *body = g_mime_message_get_mime_part(m);
            if (body)
                sink += gm_walk(body, null, decode);
            g_object_unref(m);
        }
        g_object_unref(p);
        g_object_unref(s);
    }
    g_object_unref(null);
    return sink;
}

/* ---------------------------------------------------------------- */
/* libetpan                                                          */
/* ---------------------------------------------------------------- */

static uint64_t et_fields(const struct mailimf_fields *f)
{
    uint64_t sink = 0;
    if (!f)
        return 0;
    for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
        const struct mailimf_field *fld = clist_content(it);
        sink += (uint64_t)fld->fld_type;
    }
    return sink;
}

static uint64_t et_walk(const struct mailmime *m, int decode)
{
    uint64_t sink = 0;
    if (m->mm_mime_fields)
        for (clistiter *it = clist_begin(m->mm_mime_fields->fld_list); it;
             it = clist_next(it))
            sink++;
    switch (m->mm_type) {
    case MAILMIME_MULTIPLE:
        for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
             it; it = clist_next(it))
            sink += et_walk(clist_content(it), decode);
        break;
    case MAILMIME_MESSAGE:
        sink += et_fields(m->mm_data.mm_message.mm_fields);
        if (m->mm_data.mm_message.mm_msg_mime)
            sink += et_walk(m->mm_data.mm_message.mm_msg_mime, decode);
        break;
    case MAILMIME_SINGLE: {
        const struct mailmime_data *d = m->mm_data.mm_single;
        if (decode && d && d->dt_type == MAILMIME_DATA_TEXT) {
            size_t idx = 0, n = 0;
            char *out = NULL;
            if (mailmime_part_parse(
                    d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
                    &idx, d->dt_encoding, &out, &n) == MAILIMF_NO_ERROR) {
                sink += n;
                mailmime_decoded_part_free(out);
            }
        }
        break;
    }
    default:
        break;
    }
    return sink;
}

static uint64_t run_etpan(const corpus *c, int decode)
{
    uint64_t sink = 0;
    for (size_t i = 0; i < c->count; i++) {
        size_t idx = 0;
        struct mailmime *m = NULL;
        if (mailmime_parse(c->msg[i], c->msg_len[i], &idx, &m) ==
            MAILIMF_NO_ERROR) {
            sink += et_walk(m, decode);
            mailmime_free(m);
        }
    }
    return sink;
}

/* ---------------------------------------------------------------- */
/* memchr: the physical reference                                    */
/* ---------------------------------------------------------------- */

static uint64_t run_memchr(const corpus *c)
{
    uint64_t lines = 0;
    for (size_t i = 0; i < c->count; i++) {
        const char *p = c->msg[i], *end = p + c->msg_len[i];
        while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            lines++;
            p++;
        }
    }
    return lines;
}

uint64_t bench_run(const char *engine, int decode, const corpus *c);

__attribute__((noinline)) uint64_t bench_run(const char *engine, int decode,
                                             const corpus *c)
{
    if (strcmp(engine, "mailwire") == 0)
        return run_mailwire(c, decode);
    if (strcmp(engine, "gmime") == 0)
        return run_gmime(c, decode);
    if (strcmp(engine, "etpan") == 0)
        return run_etpan(c, decode);
    return run_memchr(c);
}

/* ---------------------------------------------------------------- */
/* One 1 GB message in constant memory                               */
/* ---------------------------------------------------------------- */

static int run_big(double gigabytes)
{
    static const char head[] =
        "From: a@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"bb\"\r\n\r\n--bb\r\n"
        "Content-Type: text/plain\r\n\r\nsee attachment\r\n--bb\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Disposition: attachment; filename=big.bin\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    static const char tail[] = "--bb--\r\n";
    enum { CHUNK = 65536, LINE = 78 };
    char *chunk = malloc(CHUNK);
    for (size_t i = 0; i < CHUNK; i++)
        chunk[i] = (i % LINE == LINE - 2)   ? '\r'
                   : (i % LINE == LINE - 1) ? '\n'
                                            : "QUJDRA=="[i % 4];
    /* whole lines only per chunk */
    size_t per = CHUNK / LINE * LINE;
    mw_mime_parser *p;
    reset_peak();
    long before = rss_kb("VmRSS:");
    if (mw_mime_parser_new(NULL, NULL, &p) != MW_OK)
        return 1;
    uint64_t total = (uint64_t)(gigabytes * 1e9), fed = 0, body = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *parts[2] = {head, NULL};
    size_t lens[2] = {sizeof(head) - 1, 0};
    for (int phase = 0; phase < 3; phase++) {
        for (;;) {
            const char *d;
            size_t n;
            if (phase == 0) {
                d = parts[0];
                n = lens[0];
            } else if (phase == 1) {
                if (fed >= total)
                    break;
                d = chunk;
                n = per;
            } else {
                d = tail;
                n = sizeof(tail) - 1;
            }
            fed += n;
            while (n) {
                size_t used = 0;
                mw_mime_event ev;
                mw_status st = mw_mime_parse(p, d, n, &used, &ev);
                d += used;
                n -= used;
                if (st == MW_OK && ev.type == MW_MIME_EV_BODY)
                    body += ev.data.len;
                else if (st != MW_OK && st != MW_NEED_MORE)
                    return 1;
            }
            if (phase != 1)
                break;
        }
    }
    mw_mime_finish(p);
    mw_mime_event ev;
    size_t used;
    while (mw_mime_parse(p, NULL, 0, &used, &ev) == MW_OK)
        if (ev.type == MW_MIME_EV_BODY)
            body += ev.data.len;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long peak = rss_kb("VmHWM:");
    mw_mime_parser_free(p);
    double dt = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("big %.2f GB fed, %.2f GB decoded, %.1f MB/s, extra RSS %ld KB "
           "(parser %zu bytes)\n",
           (double)fed / 1e9, (double)body / 1e9, (double)fed / dt / 1e6,
           peak - before, mw_mime_parser_sizeof(NULL));
    free(chunk);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "big") == 0)
        return run_big(argc > 2 ? atof(argv[2]) : 1.0);
    if (argc < 4) {
        fputs("usage: bench mailwire|gmime|etpan|memchr full|struct CORPUS "
              "[REPEAT]\n       bench big [GIGABYTES]\n",
              stderr);
        return 64;
    }
    const char *engine = argv[1];
    int decode = strcmp(argv[2], "full") == 0;
    int repeat = argc > 4 ? atoi(argv[4]) : 3;
    corpus c;
    memset(&c, 0, sizeof(c));
    if (load(argv[3], &c) != 0) {
        perror(argv[3]);
        return 66;
    }
    if (strcmp(engine, "gmime") == 0)
        g_mime_init();
    reset_peak();
    long before = rss_kb("VmRSS:");
    double best = 1e30;
    for (int r = 0; r < repeat; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        g_sink += bench_run(engine, decode, &c);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double dt = (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (dt < best)
            best = dt;
    }
    long peak = rss_kb("VmHWM:");
    size_t bytes = 0;
    for (size_t i = 0; i < c.count; i++)
        bytes += c.msg_len[i];
    if (getenv("BENCH_DEBUG"))
        fprintf(stderr, "sink %llu\n", (unsigned long long)g_sink);
    printf("%s %s %.1f %ld %zu %zu\n", engine, argv[2],
           (double)bytes / best / 1e6, peak - before, c.count, bytes);
    return 0;
}
