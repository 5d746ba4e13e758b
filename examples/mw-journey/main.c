/*
 * mw-journey: the journey of one message, on loopback, in one process and
 * one thread. Alice's user agent composes a MIME message and submits it
 * with AUTH PLAIN to Alice's mail server, which queues it and relays it
 * over SMTP to Bob's mail server, which stores it in Bob's Maildir; Bob's
 * user agent downloads it over POP3 and checks the attachment's SHA-256.
 *
 * Every session is a mailwire sans-IO session: bytes in, bytes out. This
 * file only moves those bytes between non-blocking loopback sockets with
 * poll() and prints each line that crosses a socket.
 */
#define _POSIX_C_SOURCE 200809L

#include "journey.h"

#include <mailwire/build.h>
#include <mailwire/hash.h>
#include <mailwire/msgtree.h>
#include <mailwire/net.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOOL "mw-journey"
#define ATTACHMENT_SIZE 3000u

static const char usage[] =
    "usage: mw-journey\n"
    "Send one message from alice@alice.example to bob@bob.example through\n"
    "a submission server, a relay, a Maildir and a POP3 server, all on\n"
    "127.0.0.1 in this process, printing every protocol line.\n"
    "Exit status 0 when the attachment Bob downloads has the SHA-256 of\n"
    "the one Alice attached, 1 otherwise.\n";

/* The attachment: deterministic bytes so every run sends the same file. */
static void make_attachment(uint8_t *out, size_t len)
{
    uint32_t x = 0x2545F491u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)(x >> 24);
    }
}

static int drain_builder(mw_builder *b, jr_bytes *out)
{
    size_t len;
    const char *p = mw_builder_output(b, &len);
    if (len > 0 && jr_bytes_append(out, p, len) != 0)
        return -1;
    mw_builder_output_done(b, len);
    return 0;
}

static int write_part(mw_builder *b, const mw_build_part *part,
                      const void *data, size_t len, jr_bytes *out)
{
    mw_status st = mw_builder_begin_part(b, part);
    const char *p = data;
    while (st == MW_OK && len > 0) {
        size_t used = 0;
        st = mw_builder_write(b, p, len, &used);
        p += used;
        len -= used;
        if (drain_builder(b, out) != 0)
            return -1;
    }
    if (st == MW_OK)
        st = mw_builder_end_part(b);
    return st == MW_OK ? drain_builder(b, out) : -1;
}

static int set_headers(mw_builder *b)
{
    static const char from[] = "alice@alice.example";
    static const char to[] = "bob@bob.example";
    static const char subject[] = "The quarterly report";
    mw_datetime now;
    uint8_t rnd[16];
    if (mw_net_now(&now) != MW_OK || mw_net_random(rnd, sizeof rnd) != MW_OK)
        return -1;
    if (mw_builder_add_address(b, MW_BUILD_FROM, "Alice", 5, from,
                               sizeof from - 1) != MW_OK ||
        mw_builder_add_address(b, MW_BUILD_TO, "Bob", 3, to, sizeof to - 1) !=
            MW_OK ||
        mw_builder_set_subject(b, subject, sizeof subject - 1) != MW_OK ||
        mw_builder_set_date(b, &now) != MW_OK ||
        mw_builder_set_message_id_random(b, rnd, sizeof rnd, "alice.example",
                                         13) != MW_OK)
        return -1;
    return 0;
}

static int compose(const uint8_t *attachment, size_t attachment_len,
                   jr_bytes *out)
{
    static const char text[] = "Hi Bob,\n\nhere is the report.\n\nAlice\n";
    mw_build_part text_part = {0};
    mw_build_part file_part = {0};
    file_part.content_type = "application/octet-stream";
    file_part.disposition = MW_BUILD_DISP_ATTACHMENT;
    file_part.filename = "report.bin";
    file_part.filename_len = 10;
    mw_builder *b = NULL;
    if (mw_builder_new(NULL, NULL, &b) != MW_OK)
        return -1;
    int rc = set_headers(b);
    if (rc == 0)
        rc = mw_builder_begin_multipart(b, "mixed", NULL) == MW_OK ? 0 : -1;
    if (rc == 0)
        rc = write_part(b, &text_part, text, sizeof text - 1, out);
    if (rc == 0)
        rc = write_part(b, &file_part, attachment, attachment_len, out);
    if (rc == 0)
        rc = mw_builder_end_multipart(b) == MW_OK &&
                     mw_builder_finish(b) == MW_OK
                 ? drain_builder(b, out)
                 : -1;
    mw_builder_free(b);
    return rc;
}

static void hex_sha256(const void *data, size_t len, char hex[65])
{
    uint8_t digest[MW_SHA256_LEN];
    mw_sha256 c;
    mw_sha256_init(&c);
    mw_sha256_update(&c, data, len);
    mw_sha256_final(&c, digest);
    mw_hex_encode(digest, sizeof digest, hex);
    hex[64] = '\0';
}

static void print_header(const mw_msg_entity *root, const char *name)
{
    mw_span v;
    if (mw_msg_header_first(root, name, &v) != MW_OK)
        return;
    while (v.len > 0 && (v.ptr[0] == ' ' || v.ptr[0] == '\t')) {
        v.ptr++;
        v.len--;
    }
    printf("==   %s: %.*s\n", name, (int)v.len, v.ptr);
}

/* Show what Bob got; 0 when the attachment's digest is \p expect. */
static int show_download(const jr_bytes *msg, const char *expect)
{
    mw_msg_tree *t = NULL;
    if (mw_msg_tree_parse(msg->data, msg->len, NULL, NULL, &t) != MW_OK)
        return 1;
    const mw_msg_entity *root = mw_msg_tree_root(t);
    print_header(root, "Subject");
    print_header(root, "From");
    int found = 0, match = 0;
    for (const mw_msg_entity *e = root; e; e = mw_msg_entity_next(e)) {
        char name[256];
        mw_buf fn;
        mw_buf_init_fixed(&fn, name, sizeof name - 1);
        if (mw_msg_entity_filename(e, NULL, &fn) != MW_OK)
            continue;
        mw_span body = mw_msg_entity_body(e);
        char hex[65];
        hex_sha256(body.ptr, body.len, hex);
        printf("==   attachment: %.*s, %zu bytes, SHA-256 %s\n", (int)fn.len,
               fn.data, body.len, hex);
        found = 1;
        match = strcmp(hex, expect) == 0;
    }
    mw_msg_tree_free(t);
    if (found && match) {
        printf("== 6. checksums match: Bob got exactly what Alice attached\n");
        return 0;
    }
    printf("== 6. checksums DIFFER or attachment missing\n");
    return 1;
}

static void remove_tree(const char *root)
{
    static const char *subs[] = {"/tmp", "/new", "/cur"};
    char dir[512];
    for (size_t i = 0; i < 3; i++) {
        snprintf(dir, sizeof dir, "%s%s", root, subs[i]);
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
        if (d)
            closedir(d);
        rmdir(dir);
    }
    rmdir(root);
}

static int make_maildir(char *root)
{
    static const char *subs[] = {"/tmp", "/new", "/cur"};
    if (mkdtemp(root) == NULL)
        return -1;
    char dir[512];
    for (size_t i = 0; i < 3; i++) {
        snprintf(dir, sizeof dir, "%s%s", root, subs[i]);
        if (mkdir(dir, 0700) != 0)
            return -1;
    }
    return 0;
}

static int journey(jr_world *w)
{
    uint8_t attachment[ATTACHMENT_SIZE];
    char sent_hex[65];
    make_attachment(attachment, sizeof attachment);
    hex_sha256(attachment, sizeof attachment, sent_hex);

    printf("== 1. Alice composes a message with an attachment\n");
    if (compose(attachment, sizeof attachment, &w->composed) != 0)
        return jr_fail("composing failed");
    printf("==   report.bin, %zu bytes, SHA-256 %s\n", sizeof attachment,
           sent_hex);
    printf("==   message: %zu bytes\n", w->composed.len);

    printf("== 2. Alice's user agent submits it to Alice's mail server "
           "(SMTP, AUTH PLAIN)\n");
    if (jr_submit(w) != 0)
        return jr_fail("submission failed");
    printf("== 3. Alice's mail server relays it to Bob's mail server "
           "(SMTP), which stores it in Bob's Maildir\n");
    if (jr_relay(w) != 0)
        return jr_fail("relay failed");
    printf("== 4. Bob's user agent downloads it (POP3)\n");
    if (jr_download(w) != 0)
        return jr_fail("download failed");
    printf("== 5. Bob's user agent reads it\n");
    return show_download(&w->downloaded, sent_hex);
}

int main(int argc, char **argv)
{
    int code;
    if (mwcli_standard_options(argc, argv, TOOL, usage, &code))
        return code;
    if (argc > 1) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    jr_world w;
    memset(&w, 0, sizeof w);
    snprintf(w.maildir, sizeof w.maildir, "%s/mw-journey.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (make_maildir(w.maildir) != 0) {
        perror(TOOL ": maildir");
        return EX_CANTCREAT;
    }
    int rc = journey(&w);
    remove_tree(w.maildir);
    free(w.composed.data);
    free(w.queued.data);
    free(w.downloaded.data);
    return rc;
}
