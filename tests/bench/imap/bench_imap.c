/* IMAP response parser benchmark (not a test): mailwire against libetpan's
 * IMAP parser over the same server response stream.
 *
 *   bench_imap mailwire FILE [REPEAT]   whole file in memory, fed in 64 KiB
 *                                       chunks; every response validated
 *                                       by the parser (its default: the
 *                                       whole FETCH grammar, ENVELOPE and
 *                                       BODYSTRUCTURE included) and every
 *                                       FETCH item read with
 *                                       mw_imap_fetch_item_get()
 *   bench_imap mailwire-deep FILE [N]   the same, and every envelope
 *                                       address and body part decoded
 *                                       with the accessors as well
 *   bench_imap etpan FILE [REPEAT]      whole file in one MMAPString;
 *                                       mailimap_response_data_parse per
 *                                       untagged response (it builds the
 *                                       typed structures), item list read,
 *                                       then freed
 *   bench_imap stream FILE              mailwire reading FILE with read()
 *                                       through one 64 KiB buffer: prints
 *                                       the peak RSS of the process
 *
 * Prints: engine MB/s responses keys bytes (MB per CPU second of the
 * process, best of REPEAT runs; keys is the sum of message numbers, UIDs
 * and sizes, equal for all engines) or, for stream, "stream" and the
 * peak RSS in KB before and after parsing, responses, keys, bytes. The timed
 * work is in bench_run() (callgrind:
 * --toggle-collect=bench_run). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "mailwire/imap.h"

#define CHUNK (64u * 1024u)

/* Exported by libetpan 1.9 but not declared in its installed headers. */
int mailimap_response_data_parse(mailstream *fd, MMAPString *buffer,
                                 struct mailimap_parser_context *parser_ctx,
                                 size_t *indx,
                                 struct mailimap_response_data **result,
                                 size_t progr_rate,
                                 progress_function *progr_fun);
int mailimap_response_parse(mailstream *fd, MMAPString *buffer,
                            struct mailimap_parser_context *parser_ctx,
                            size_t *indx, struct mailimap_response **result,
                            size_t progr_rate, progress_function *progr_fun);

typedef struct result {
    int deep;           /* mailwire: decode envelopes and bodies too */
    uint64_t responses; /* units parsed */
    uint64_t keys;      /* sum of message numbers, UIDs and RFC822.SIZEs:
                           the same for both engines */
    uint64_t checksum;  /* everything else the walk read */
} result;

static volatile uint64_t g_sink;

static char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(d);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return d;
}

static long rss_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t kl = strlen(key);
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, kl) == 0)
            kb = strtol(line + kl, NULL, 10);
    fclose(f);
    return kb;
}

/* ---------------------------------------------------------------- */
/* mailwire                                                          */
/* ---------------------------------------------------------------- */

static uint64_t span_sum(const mw_imap_value *v)
{
    return v && v->str.len ? (uint64_t)(unsigned char)v->str.ptr[0] + v->str.len
                           : 0;
}

static uint64_t walk_addresses(const mw_imap_value *list)
{
    uint64_t sum = 0;
    if (!list || list->type != MW_IMAP_V_LIST)
        return 0;
    const mw_imap_value *a = list + 1;
    for (uint32_t i = 0; i < list->count; i++, a = mw_imap_value_next(a)) {
        mw_imap_address ad;
        if (mw_imap_address_get(a, &ad, NULL) != MW_OK)
            return 0;
        sum += span_sum(ad.name) + span_sum(ad.mailbox) + span_sum(ad.host);
    }
    return sum;
}

static uint64_t walk_envelope(const mw_imap_value *v)
{
    mw_imap_envelope e;
    if (mw_imap_envelope_get(v, &e, NULL) != MW_OK)
        return 0;
    return span_sum(e.date) + span_sum(e.subject) + walk_addresses(e.from) +
           walk_addresses(e.sender) + walk_addresses(e.reply_to) +
           walk_addresses(e.to) + walk_addresses(e.cc) + walk_addresses(e.bcc) +
           span_sum(e.in_reply_to) + span_sum(e.message_id);
}

static uint64_t walk_body(const mw_imap_value *v)
{
    mw_imap_body b;
    if (mw_imap_body_get(v, &b, NULL) != MW_OK)
        return 0;
    uint64_t sum = span_sum(b.subtype);
    if (b.multipart) {
        const mw_imap_value *p = b.parts;
        for (uint32_t i = 0; i < b.n_parts; i++, p = mw_imap_value_next(p))
            sum += walk_body(p);
    } else {
        sum += span_sum(b.type) + span_sum(b.encoding) +
               (b.octets ? b.octets->num : 0);
    }
    return sum + span_sum(b.disposition ? b.disposition + 1 : NULL);
}

/* Every item through the typed accessor; with r->deep also every envelope
 * address and every body part through theirs (each of those accessors
 * validates its subtree again). */
static void walk_fetch(const mw_imap_value *list, result *r)
{
    mw_imap_fetch_item it;
    for (uint32_t i = 0; mw_imap_fetch_item_get(list, i, &it, NULL) == MW_OK;
         i++) {
        switch (it.att) {
        case MW_IMAP_FA_UID:
        case MW_IMAP_FA_RFC822_SIZE:
            r->keys += it.number;
            break;
        case MW_IMAP_FA_FLAGS:
            r->checksum += it.value->count;
            break;
        case MW_IMAP_FA_ENVELOPE:
            r->checksum += r->deep ? walk_envelope(it.value) : 1;
            break;
        case MW_IMAP_FA_BODYSTRUCTURE:
            r->checksum += r->deep ? walk_body(it.value) : 1;
            break;
        default:
            r->checksum += it.value->str.len;
            break;
        }
    }
}

/* Feed one buffer; returns 0 on success. */
static int mw_feed_all(mw_imap_parser *p, const char *data, size_t len,
                       result *r)
{
    while (len) {
        size_t used = 0;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, data, len, &used, &ev);
        data += used;
        len -= used;
        if (st == MW_NEED_MORE)
            return 0;
        if (st != MW_OK) {
            mw_imap_error e;
            mw_imap_parser_error(p, &e);
            fprintf(stderr, "mailwire: status %d at %llu: expected %s\n",
                    (int)st, (unsigned long long)e.offset, e.expected);
            return -1;
        }
        if (ev.type != MW_IMAP_EV_UNIT)
            continue;
        r->responses++;
        if (ev.response.type == MW_IMAP_R_FETCH) {
            r->keys += ev.response.number;
            walk_fetch(ev.response.args, r);
        }
    }
    return 0;
}

static int run_mailwire(const char *data, size_t len, result *r)
{
    mw_imap_parser *p;
    if (mw_imap_parser_new(NULL, NULL, &p) != MW_OK)
        return -1;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += CHUNK)
        rc = mw_feed_all(p, data + off, len - off < CHUNK ? len - off : CHUNK,
                         r);
    if (rc == 0 && !mw_imap_parser_idle(p)) {
        fprintf(stderr, "mailwire: stream ends inside a response\n");
        rc = -1;
    }
    mw_imap_parser_free(p);
    return rc;
}

/* ---------------------------------------------------------------- */
/* libetpan                                                          */
/* ---------------------------------------------------------------- */

static uint64_t etpan_fetch(const struct mailimap_message_data *m)
{
    uint64_t sum = m->mdt_number;
    if (!m->mdt_msg_att)
        return sum;
    /* The typed structures are complete after parsing; the walk reads the
     * item list as the mailwire one does. */
    for (clistiter *it = clist_begin(m->mdt_msg_att->att_list); it;
         it = clist_next(it)) {
        const struct mailimap_msg_att_item *item = clist_content(it);
        if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
            continue;
        const struct mailimap_msg_att_static *s = item->att_data.att_static;
        if (s->att_type == MAILIMAP_MSG_ATT_UID)
            sum += s->att_data.att_uid;
        else if (s->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
            sum += s->att_data.att_rfc822_size;
    }
    return sum;
}

static int run_etpan(MMAPString *buf, struct mailimap_parser_context *ctx,
                     result *r)
{
    size_t idx = 0;
    while (idx < buf->len) {
        if (buf->str[idx] == '*') {
            struct mailimap_response_data *rd = NULL;
            int e = mailimap_response_data_parse(NULL, buf, ctx, &idx, &rd, 0,
                                                 NULL);
            if (e != MAILIMAP_NO_ERROR) {
                fprintf(stderr, "libetpan: error %d at %zu\n", e, idx);
                return -1;
            }
            r->responses++;
            if (rd->rsp_type == MAILIMAP_RESP_DATA_TYPE_MESSAGE_DATA)
                r->keys += etpan_fetch(rd->rsp_data.rsp_message_data);
            mailimap_response_data_free(rd);
        } else {
            /* The tagged completion: response-done. */
            struct mailimap_response *resp = NULL;
            int e =
                mailimap_response_parse(NULL, buf, ctx, &idx, &resp, 0, NULL);
            if (e != MAILIMAP_NO_ERROR) {
                fprintf(stderr, "libetpan: error %d at %zu\n", e, idx);
                return -1;
            }
            r->responses++;
            mailimap_response_free(resp);
            /* libetpan leaves the CRLF of response-done in the buffer
             * (its session code discards the line). */
            if (idx + 2 <= buf->len && buf->str[idx] == '\r')
                idx += 2;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- */

typedef struct job {
    const char *engine;
    const char *data;
    size_t len;
    MMAPString *etpan_buf;
    struct mailimap_parser_context *etpan_ctx;
} job;

uint64_t bench_run(const job *j, result *r);

__attribute__((noinline)) uint64_t bench_run(const job *j, result *r)
{
    memset(r, 0, sizeof(*r));
    r->deep = strcmp(j->engine, "mailwire-deep") == 0;
    int rc = j->etpan_buf ? run_etpan(j->etpan_buf, j->etpan_ctx, r)
                          : run_mailwire(j->data, j->len, r);
    return rc == 0 ? r->keys + r->checksum : 0;
}

/* CPU time, not wall time: the shared build machine runs at a load of
 * 10 on 2 cores, where a process gets a tenth of the wall clock. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run_stream(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 66;
    static char buf[CHUNK];
    mw_imap_parser *p;
    result r;
    uint64_t bytes = 0;
    memset(&r, 0, sizeof(r));
    if (mw_imap_parser_new(NULL, NULL, &p) != MW_OK)
        return 70;
    long before = rss_kb("VmHWM:");
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        bytes += (uint64_t)n;
        if (mw_feed_all(p, buf, (size_t)n, &r) != 0)
            return 65;
    }
    close(fd);
    mw_imap_parser_free(p);
    printf("stream %ld %ld %llu %llu %llu\n", before, rss_kb("VmHWM:"),
           (unsigned long long)r.responses, (unsigned long long)r.keys,
           (unsigned long long)bytes);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s mailwire|mailwire-deep|etpan|stream FILE "
                "[REPEAT]\n",
                argv[0]);
        return 64;
    }
    if (strcmp(argv[1], "stream") == 0)
        return run_stream(argv[2]);
    int repeat = argc > 3 ? atoi(argv[3]) : 3;
    job j = {argv[1], NULL, 0, NULL, NULL};
    char *data = load(argv[2], &j.len);
    if (!data)
        return 66;
    j.data = data;
    mailimap *session = NULL;
    if (strcmp(j.engine, "etpan") == 0) {
        j.etpan_buf = mmap_string_new_len(data, j.len);
        session = mailimap_new(0, NULL);
        j.etpan_ctx = mailimap_parser_context_new(session);
        if (!j.etpan_buf || !j.etpan_ctx)
            return 70;
    } else if (strcmp(j.engine, "mailwire") != 0 &&
               strcmp(j.engine, "mailwire-deep") != 0) {
        return 64;
    }
    double best = 0;
    result r;
    memset(&r, 0, sizeof(r));
    for (int i = 0; i < repeat; i++) {
        double t0 = now();
        uint64_t sum = bench_run(&j, &r);
        double t = now() - t0;
        if (sum == 0)
            return 65;
        g_sink += sum;
        if (i == 0 || t < best)
            best = t;
    }
    printf("%s %.1f %llu %llu %zu\n", j.engine, (double)j.len / 1e6 / best,
           (unsigned long long)r.responses, (unsigned long long)r.keys, j.len);
    if (j.etpan_buf) {
        mailimap_parser_context_free(j.etpan_ctx);
        mmap_string_free(j.etpan_buf);
        mailimap_free(session);
    }
    free(data);
    return 0;
}
