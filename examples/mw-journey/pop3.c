/* mw-journey: step 4, Bob's user agent downloads over POP3. */
#define _POSIX_C_SOURCE 200809L

#include "journey.h"

#include <mailwire/pop3.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAILDROP_MAX 16

/* ---- server side: a POP3 server on Bob's Maildir ---- */

typedef struct pop_sv {
    mw_pop3_server *s;
    const jr_world *w;
    uint32_t count;
    char names[MAILDROP_MAX][128];
    uint64_t sizes[MAILDROP_MAX];
    mw_span uids[MAILDROP_MAX];
} pop_sv;

static void file_path(const pop_sv *sv, uint32_t i, char *out, size_t cap)
{
    snprintf(out, cap, "%s/new/%s", sv->w->maildir, sv->names[i]);
}

static int read_file(const char *path, jr_bytes *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    char buf[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = jr_bytes_append(out, buf, n);
    if (ferror(f))
        rc = -1;
    fclose(f);
    return rc;
}

/* The POP3 size counts CRLF line ends; the file stores LF. */
static uint64_t pop3_size(const jr_bytes *b)
{
    uint64_t size = b->len;
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r'))
            size++;
    return size;
}

/* Open the maildrop: every file in new/, its size and its name as uid. */
static int scan_maildir(pop_sv *sv)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/new", sv->w->maildir);
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL && sv->count < MAILDROP_MAX) {
        size_t name_len = strlen(de->d_name);
        if (de->d_name[0] == '.' || name_len >= 70)
            continue;
        uint32_t i = sv->count;
        memcpy(sv->names[i], de->d_name, name_len + 1); /* < 70 < 128 */
        char path[1024];
        file_path(sv, i, path, sizeof path);
        jr_bytes b = {0};
        rc = read_file(path, &b);
        sv->sizes[i] = pop3_size(&b);
        sv->uids[i].ptr = sv->names[i];
        sv->uids[i].len = strlen(sv->names[i]);
        free(b.data);
        sv->count++;
    }
    closedir(d);
    return rc;
}

static int span_eq(mw_span s, const char *text)
{
    return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

static mw_status sv_login(pop_sv *sv, const mw_pop3_server_event *ev)
{
    if (ev->method != MW_POP3_LOGIN_PASS || !span_eq(ev->user, "bob") ||
        !span_eq(ev->secret, "builder"))
        return mw_pop3_server_login_fail(sv->s, MW_POP3_CODE_AUTH);
    if (scan_maildir(sv) != 0)
        return mw_pop3_server_login_fail(sv->s, MW_POP3_CODE_SYS_TEMP);
    mw_pop3_maildrop md;
    memset(&md, 0, sizeof md);
    md.count = sv->count;
    md.sizes = sv->sizes;
    md.uids = sv->uids;
    return mw_pop3_server_login_ok(sv->s, &md);
}

/* Stream the stored file; the session writes CRLF and dot-stuffs. */
static mw_status sv_retr(jr_end *e, pop_sv *sv, uint32_t msg)
{
    char path[1024];
    jr_bytes b = {0};
    file_path(sv, msg - 1, path, sizeof path);
    if (read_file(path, &b) != 0) {
        free(b.data);
        return mw_pop3_server_send_error(sv->s, MW_POP3_CODE_SYS_TEMP);
    }
    jr_transcript_body(&e->tr, 1);
    mw_status st = MW_OK;
    for (size_t off = 0; st == MW_OK && off < b.len; off += 4096) {
        size_t n = b.len - off < 4096 ? b.len - off : 4096;
        st = mw_pop3_server_send_data(sv->s, b.data + off, n);
    }
    free(b.data);
    return st == MW_OK ? mw_pop3_server_send_end(sv->s) : st;
}

static mw_status sv_update(pop_sv *sv)
{
    int ok = 1;
    for (uint32_t i = 0; i < sv->count; i++) {
        char path[1024];
        file_path(sv, i, path, sizeof path);
        if (mw_pop3_server_is_deleted(sv->s, i + 1) && unlink(path) != 0)
            ok = 0;
    }
    return mw_pop3_server_update_done(sv->s, ok);
}

static mw_status sv_event(jr_end *e, pop_sv *sv, const mw_pop3_server_event *ev)
{
    switch (ev->type) {
    case MW_POP3_SEV_LOGIN:
        return sv_login(sv, ev);
    case MW_POP3_SEV_AUTH:
        return mw_pop3_server_login_fail(sv->s, MW_POP3_CODE_AUTH);
    case MW_POP3_SEV_RETR:
    case MW_POP3_SEV_TOP:
        return sv_retr(e, sv, ev->msg);
    case MW_POP3_SEV_UPDATE:
        return sv_update(sv);
    default:
        return MW_OK;
    }
}

static int sv_input(jr_end *e, const char *data, size_t len)
{
    pop_sv *sv = e->ctx;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_pop3_server_event ev;
        mw_status st =
            mw_pop3_server_feed(sv->s, data + off, len - off, &used, &ev);
        off += used;
        if (st == MW_NEED_MORE)
            return 0;
        if (st != MW_OK || sv_event(e, sv, &ev) != MW_OK)
            return -1;
    }
}

static const char *sv_output(jr_end *e, size_t *len)
{
    pop_sv *sv = e->ctx;
    return mw_pop3_server_output(sv->s, len);
}

static void sv_output_done(jr_end *e, size_t n)
{
    pop_sv *sv = e->ctx;
    mw_pop3_server_output_done(sv->s, n);
}

static unsigned sv_wants(jr_end *e)
{
    pop_sv *sv = e->ctx;
    return mw_pop3_server_wants(sv->s);
}

static void sv_eof(jr_end *e)
{
    pop_sv *sv = e->ctx;
    (void)mw_pop3_server_eof(sv->s);
}

/* ---- client side: Bob's user agent ---- */

typedef struct pop_cl {
    mw_pop3_client *c;
    jr_bytes *out;
    int retrieved;
} pop_cl;

static mw_status cl_reply(pop_cl *cl, const mw_pop3_client_event *ev)
{
    static const char password[] = "builder";
    if (ev->resp.kind != MW_POP3_OK)
        return ev->verb == MW_POP3_QUIT ? MW_OK : mw_pop3_client_quit(cl->c);
    switch (ev->verb) {
    case MW_POP3_USER:
        return mw_pop3_client_pass(cl->c, password, sizeof password - 1);
    case MW_POP3_PASS:
        return mw_pop3_client_stat(cl->c);
    case MW_POP3_STAT:
        if (ev->count == 0)
            return mw_pop3_client_quit(cl->c);
        return mw_pop3_client_uidl(cl->c, 1);
    case MW_POP3_UIDL:
        return mw_pop3_client_retr(cl->c, 1);
    default:
        return MW_OK;
    }
}

static mw_status cl_event(pop_cl *cl, const mw_pop3_client_event *ev)
{
    static const char user[] = "bob";
    switch (ev->type) {
    case MW_POP3_CEV_GREETING:
        if (ev->resp.kind != MW_POP3_OK)
            return MW_OK;
        return mw_pop3_client_user(cl->c, user, sizeof user - 1);
    case MW_POP3_CEV_REPLY:
        return cl_reply(cl, ev);
    case MW_POP3_CEV_DATA:
        return jr_bytes_append(cl->out, ev->data.ptr, ev->data.len) == 0
                   ? MW_OK
                   : MW_E_NOMEM;
    case MW_POP3_CEV_END:
        if (ev->verb != MW_POP3_RETR)
            return MW_OK;
        cl->retrieved = 1;
        return mw_pop3_client_quit(cl->c);
    default:
        return MW_OK;
    }
}

static int cl_input(jr_end *e, const char *data, size_t len)
{
    pop_cl *cl = e->ctx;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mw_pop3_client_event ev;
        mw_status st =
            mw_pop3_client_feed(cl->c, data + off, len - off, &used, &ev);
        off += used;
        if (st == MW_NEED_MORE)
            return 0;
        if (st != MW_OK || cl_event(cl, &ev) != MW_OK)
            return -1;
    }
}

static const char *cl_output(jr_end *e, size_t *len)
{
    pop_cl *cl = e->ctx;
    return mw_pop3_client_output(cl->c, len);
}

static void cl_output_done(jr_end *e, size_t n)
{
    pop_cl *cl = e->ctx;
    mw_pop3_client_output_done(cl->c, n);
}

static unsigned cl_wants(jr_end *e)
{
    pop_cl *cl = e->ctx;
    return mw_pop3_client_wants(cl->c);
}

static void cl_eof(jr_end *e)
{
    pop_cl *cl = e->ctx;
    (void)mw_pop3_client_eof(cl->c);
}

static void end_init(jr_end *e, int fd, const char *prefix, void *ctx)
{
    memset(e, 0, sizeof *e);
    e->fd = fd;
    e->tr.prefix = prefix;
    e->ctx = ctx;
}

int jr_download(jr_world *w)
{
    static const char name[] = "pop.bob.example";
    mw_pop3_server_config scfg;
    memset(&scfg, 0, sizeof scfg);
    scfg.size = sizeof scfg;
    scfg.flags = MW_POP3_SERVER_USER;
    scfg.name.ptr = name;
    scfg.name.len = sizeof name - 1;
    pop_sv sv;
    pop_cl cl;
    memset(&sv, 0, sizeof sv);
    memset(&cl, 0, sizeof cl);
    sv.w = w;
    cl.out = &w->downloaded;
    int rc = mw_pop3_server_new(&scfg, NULL, &sv.s) == MW_OK &&
                     mw_pop3_client_new(NULL, NULL, &cl.c) == MW_OK
                 ? 0
                 : -1;
    int cfd, sfd;
    uint16_t port;
    if (rc == 0)
        rc = jr_connect_pair(&cfd, &sfd, &port);
    if (rc == 0) {
        printf("==   bob-pop listens on 127.0.0.1:%u, serving %s\n", port,
               w->maildir);
        jr_end ce, se;
        end_init(&ce, cfd, "C: [bob-ua \xE2\x86\x92 bob-pop]", &cl);
        ce.input = cl_input;
        ce.output = cl_output;
        ce.output_done = cl_output_done;
        ce.wants = cl_wants;
        ce.eof = cl_eof;
        end_init(&se, sfd, "S: [bob-pop]", &sv);
        se.input = sv_input;
        se.output = sv_output;
        se.output_done = sv_output_done;
        se.wants = sv_wants;
        se.eof = sv_eof;
        rc = jr_run(&ce, &se);
    }
    if (rc == 0 && !cl.retrieved)
        rc = -1;
    mw_pop3_client_free(cl.c);
    mw_pop3_server_free(sv.s);
    return rc;
}
