/* Benchmark: build a message with a 10 MiB attachment and a 1 MiB text
 * part with mailwire, with GMime 3 (when built with -DHAVE_GMIME) and
 * compare with memcpy of the same bytes and base64 alone. Not run in CI;
 * see run.sh and README.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailwire/build.h"
#include "mailwire/mailwire.h"

#ifdef HAVE_GMIME
#include <gmime/gmime.h>
#endif

#define ATTACH_LEN (10u * 1024 * 1024)
#define TEXT_LEN (1u * 1024 * 1024)
#define ROUNDS 7

static char *attach;
static char *text;
static volatile uint64_t sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_inputs(void)
{
    attach = malloc(ATTACH_LEN);
    text = malloc(TEXT_LEN + 1);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < ATTACH_LEN; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        attach[i] = (char)(x >> 24);
    }
    static const char line[] =
        "The quick brown fox jumps over the lazy dog; caf\xc3\xa9 au lait.\n";
    for (size_t i = 0; i < TEXT_LEN; i++)
        text[i] = line[i % (sizeof line - 1)];
    text[TEXT_LEN] = 0;
}

static double bench_memcpy(void)
{
    char *dst = malloc(ATTACH_LEN + TEXT_LEN);
    double best = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        double t = now();
        memcpy(dst, attach, ATTACH_LEN);
        memcpy(dst + ATTACH_LEN, text, TEXT_LEN);
        t = now() - t;
        sink += (uint8_t)dst[r * 1000];
        if (t < best)
            best = t;
    }
    free(dst);
    return best;
}

static double bench_b64(size_t *out_len)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 32u * 1024 * 1024);
    double best = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        mw_buf_clear(&out);
        mw_b64_encoder enc;
        mw_b64_encoder_init(&enc, MW_B64_WRAP76);
        double t = now();
        mw_b64_encode_update(&enc, attach, ATTACH_LEN, &out);
        mw_b64_encode_final(&enc, &out);
        t = now() - t;
        *out_len = out.len;
        if (t < best)
            best = t;
    }
    mw_buf_free(&out);
    return best;
}

static void drain(mw_builder *b, size_t *total)
{
    size_t len;
    const char *p = mw_builder_output(b, &len);
    if (len) {
        sink += (uint8_t)p[len - 1];
        *total += len;
        mw_builder_output_done(b, len);
    }
}

static void feed(mw_builder *b, const char *p, size_t n, size_t *total)
{
    while (n > 0) {
        size_t used = 0;
        if (mw_builder_write(b, p, n, &used) != MW_OK)
            abort();
        p += used;
        n -= used;
        drain(b, total);
    }
}

static double bench_mailwire(size_t *out_len)
{
    double best = 1e9;
    static const uint8_t seed[16] = {1, 2, 3};
    for (int r = 0; r < ROUNDS; r++) {
        size_t total = 0;
        double t = now();
        mw_builder_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.size = sizeof cfg;
        cfg.random = seed;
        cfg.random_len = sizeof seed;
        mw_builder *b;
        if (mw_builder_new(&cfg, NULL, &b) != MW_OK)
            abort();
        mw_builder_add_address(b, MW_BUILD_FROM, "Alice", 5,
                               "alice@example.org", 17);
        mw_builder_add_address(b, MW_BUILD_TO, "Bob", 3, "bob@example.com", 15);
        mw_builder_set_subject(b, "Benchmark", 9);
        mw_builder_begin_multipart(b, "mixed", NULL);
        mw_build_part d;
        memset(&d, 0, sizeof d);
        mw_builder_begin_part(b, &d);
        feed(b, text, TEXT_LEN, &total);
        mw_builder_end_part(b);
        d.content_type = "application/octet-stream";
        d.disposition = MW_BUILD_DISP_ATTACHMENT;
        d.filename = "data.bin";
        d.filename_len = 8;
        mw_builder_begin_part(b, &d);
        feed(b, attach, ATTACH_LEN, &total);
        mw_builder_end_part(b);
        mw_builder_end_multipart(b);
        if (mw_builder_finish(b) != MW_OK)
            abort();
        drain(b, &total);
        mw_builder_free(b);
        t = now() - t;
        *out_len = total;
        if (t < best)
            best = t;
    }
    return best;
}

#ifdef HAVE_GMIME
static double bench_gmime(size_t *out_len)
{
    double best = 1e9;
    g_mime_init();
    for (int r = 0; r < ROUNDS; r++) {
        double t = now();
        GMimeMessage *m = g_mime_message_new(TRUE);
        g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "Alice",
                                   "alice@example.org");
        g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, "Bob",
                                   "bob@example.com");
        g_mime_message_set_subject(m, "Benchmark", NULL);
        GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
        GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
        g_mime_text_part_set_text(tp, text);
        g_mime_part_set_content_encoding(
            GMIME_PART(tp), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
        g_mime_multipart_add(mp, GMIME_OBJECT(tp));
        GMimePart *ap =
            g_mime_part_new_with_type("application", "octet-stream");
        GMimeStream *ms = g_mime_stream_mem_new_with_buffer(attach, ATTACH_LEN);
        GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(
            ms, GMIME_CONTENT_ENCODING_DEFAULT);
        g_mime_part_set_content(ap, w);
        g_mime_part_set_content_encoding(ap, GMIME_CONTENT_ENCODING_BASE64);
        g_mime_part_set_filename(ap, "data.bin");
        g_mime_multipart_add(mp, GMIME_OBJECT(ap));
        g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
        GMimeFormatOptions *fo = g_mime_format_options_new();
        g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
        GMimeStream *out = g_mime_stream_null_new();
        g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, out);
        *out_len = (size_t)GMIME_STREAM_NULL(out)->written;
        g_object_unref(out);
        g_mime_format_options_free(fo);
        g_object_unref(w);
        g_object_unref(ms);
        g_object_unref(ap);
        g_object_unref(tp);
        g_object_unref(mp);
        g_object_unref(m);
        t = now() - t;
        if (t < best)
            best = t;
    }
    return best;
}
#endif

int main(int argc, char **argv)
{
    double python_s = argc > 1 ? atof(argv[1]) : 0;
    make_inputs();
    double in_mb = (double)(ATTACH_LEN + TEXT_LEN) / 1e6;
    size_t mw_len = 0, b64_len = 0;
    double t_memcpy = bench_memcpy();
    double t_b64 = bench_b64(&b64_len);
    double t_mw = bench_mailwire(&mw_len);
    printf("input: %u-byte attachment + %u-byte text part (best of %d)\n",
           ATTACH_LEN, TEXT_LEN, ROUNDS);
    printf("%-28s %9s %10s %12s\n", "", "ms", "MB/s in", "vs mailwire");
    printf("%-28s %9.2f %10.0f %12.2f\n", "memcpy (same bytes)", t_memcpy * 1e3,
           in_mb / t_memcpy, t_mw / t_memcpy);
    printf("%-28s %9.2f %10.0f %12s\n", "mailwire build", t_mw * 1e3,
           in_mb / t_mw, "1.00");
    printf("%-28s %9.2f %10.0f %12s   (%.3f of memcpy speed)\n",
           "mailwire base64 alone", t_b64 * 1e3,
           (double)ATTACH_LEN / 1e6 / t_b64, "-",
           (t_memcpy * (double)ATTACH_LEN / (ATTACH_LEN + TEXT_LEN)) / t_b64);
#ifdef HAVE_GMIME
    size_t gm_len = 0;
    double t_gm = bench_gmime(&gm_len);
    printf("%-28s %9.2f %10.0f %12.2f   (mailwire is %.2fx faster)\n",
           "GMime 3 build", t_gm * 1e3, in_mb / t_gm, t_mw / t_gm, t_gm / t_mw);
#endif
    if (python_s > 0)
        printf("%-28s %9.2f %10.0f %12.2f   (mailwire is %.2fx faster)\n",
               "Python email build", python_s * 1e3, in_mb / python_s,
               t_mw / python_s, python_s / t_mw);
    printf("output bytes: mailwire %zu\n", mw_len);
    return sink == 42 ? 1 : 0;
}
