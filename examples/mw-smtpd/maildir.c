/* mw-smtpd: Maildir delivery (the layout of DESIGN.md): written to tmp/,
 * fsync'd, then moved into new/ under a unique name, so that a reader of
 * new/ only ever sees complete messages. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "smtpd.h"

int md_mailbox_name(const char *local, size_t len, char out[MD_USER_MAX + 1])
{
    size_t n = 0;
    if (len == 0) {
        memcpy(out, "postmaster", sizeof("postmaster"));
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)local[i];
        if (ch == '+')
            break; /* +detail is dropped */
        if (ch < 0x21 || ch == 0x7f || ch == '/' || ch == '\\' || ch == '"')
            return -1;
        if (n == MD_USER_MAX)
            return -1;
        out[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (char)ch;
    }
    out[n] = '\0';
    /* No name that could leave ROOT or hide as a dot file. */
    if (n == 0 || out[0] == '.' || strstr(out, "..") != NULL)
        return -1;
    return 0;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

int md_prepare(const char *root, const char *user)
{
    static const char *const sub[] = {"", "/tmp", "/new", "/cur"};
    char path[4096];
    for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
        int n = snprintf(path, sizeof(path), "%s/%s%s", root, user, sub[i]);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (make_dir(path) != 0)
            return -1;
    }
    return 0;
}

void md_init(md_writer *w)
{
    w->fd = -1;
    w->failed = 0;
    w->pending_cr = 0;
    w->len = 0;
    w->tmp_path[0] = '\0';
    w->unique[0] = '\0';
}

int md_open(md_writer *w, const char *root, const char *user, const char *host,
            uint64_t counter)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    md_init(w);
    int n = snprintf(w->unique, sizeof(w->unique), "%lld.M%06ldP%ldQ%llu.%s",
                     (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
                     (unsigned long long)counter, host);
    if (n < 0 || (size_t)n >= sizeof(w->unique))
        return -1;
    n = snprintf(w->tmp_path, sizeof(w->tmp_path), "%s/%s/tmp/%s", root, user,
                 w->unique);
    if (n < 0 || (size_t)n >= sizeof(w->tmp_path))
        return -1;
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    return w->fd < 0 ? -1 : 0;
}

static void flush_buf(md_writer *w)
{
    size_t off = 0;
    while (off < w->len && !w->failed) {
        ssize_t r = write(w->fd, w->buf + off, w->len - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            w->failed = 1;
        else
            off += (size_t)r;
    }
    w->len = 0;
}

static void put_byte(md_writer *w, char ch)
{
    if (w->len == sizeof(w->buf))
        flush_buf(w);
    w->buf[w->len++] = ch;
}

void md_write_raw(md_writer *w, const char *data, size_t len)
{
    if (w->fd < 0)
        return;
    for (size_t i = 0; i < len; i++)
        put_byte(w, data[i]);
}

void md_write(md_writer *w, const char *data, size_t len)
{
    if (w->fd < 0)
        return;
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (w->pending_cr) {
            w->pending_cr = 0;
            if (ch == '\n') {
                put_byte(w, '\n');
                continue;
            }
            /* A lone CR (only possible in BDAT, which passes bytes
             * through unchanged) is kept as it came. */
            put_byte(w, '\r');
        }
        if (ch == '\r')
            w->pending_cr = 1;
        else
            put_byte(w, ch);
    }
}

static int new_path(char *out, size_t cap, const char *root, const char *user,
                    const char *unique)
{
    int n = snprintf(out, cap, "%s/%s/new/%s", root, user, unique);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* The message is durable before it becomes visible: fsync, then move. */
static int finish_file(md_writer *w)
{
    if (w->pending_cr)
        put_byte(w, '\r');
    w->pending_cr = 0;
    flush_buf(w);
    if (!w->failed && fsync(w->fd) != 0)
        w->failed = 1;
    if (close(w->fd) != 0)
        w->failed = 1;
    w->fd = -1;
    return w->failed ? -1 : 0;
}

/* Make the new directory entries durable too (best effort: the message
 * is already complete and visible, and a 4xx now would make the client
 * send a duplicate). */
static void sync_new_dir(const char *root, const char *user)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s/new", root, user);
    if (n < 0 || (size_t)n >= sizeof(path))
        return;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
}

int md_commit(md_writer *w, const char *root, char (*users)[MD_USER_MAX + 1],
              size_t n_users)
{
    char path[4096];
    size_t linked = 1;
    int ok = w->fd >= 0 && n_users > 0 && finish_file(w) == 0;
    while (ok && linked < n_users) {
        if (new_path(path, sizeof(path), root, users[linked], w->unique) != 0 ||
            link(w->tmp_path, path) != 0)
            ok = 0;
        else
            linked++;
    }
    if (ok && (new_path(path, sizeof(path), root, users[0], w->unique) != 0 ||
               rename(w->tmp_path, path) != 0))
        ok = 0;
    if (ok) {
        for (size_t i = 0; i < n_users; i++)
            sync_new_dir(root, users[i]);
        return 0;
    }
    /* All or nothing: undo the links already made. */
    for (size_t i = 1; i < linked; i++)
        if (new_path(path, sizeof(path), root, users[i], w->unique) == 0)
            (void)unlink(path);
    if (w->fd >= 0)
        (void)close(w->fd);
    w->fd = -1;
    if (w->tmp_path[0])
        (void)unlink(w->tmp_path);
    w->tmp_path[0] = '\0';
    return -1;
}

void md_abort(md_writer *w)
{
    if (w->fd < 0)
        return;
    (void)close(w->fd);
    w->fd = -1;
    (void)unlink(w->tmp_path);
    w->tmp_path[0] = '\0';
}
