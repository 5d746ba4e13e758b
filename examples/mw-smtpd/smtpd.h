/* mw-smtpd: shared declarations of the example SMTP server (Maildir
 * delivery, user file, the connection loop). Not part of the library. */
#ifndef MW_SMTPD_H
#define MW_SMTPD_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/hash.h"

#define TOOL "mw-smtpd"

/* ---- Maildir ------------------------------------------------------ */

/* Longest mailbox (directory) name taken from a local part. */
#define MD_USER_MAX 64

/* The mailbox a local part maps to: ASCII lower-cased, "+detail" dropped.
 * Returns 0, or -1 when the local part could leave ROOT or is not a plain
 * dot-atom (quoted, '/', '\\', leading '.', "..", control bytes, empty or
 * too long). An empty local part (<Postmaster>) maps to "postmaster". */
int md_mailbox_name(const char *local, size_t len, char out[MD_USER_MAX + 1]);

/* Create ROOT/user/{tmp,new,cur} when missing. Returns 0 or -1 (errno). */
int md_prepare(const char *root, const char *user);

/* One message being written: to ROOT/<first>/tmp/<unique>, with CRLF
 * turned into LF on the way. */
typedef struct md_writer {
    int fd;     /* -1 when no file is open */
    int failed; /* a write failed: the message cannot be delivered */
    int pending_cr;
    char tmp_path[4096];
    char unique[160];
    size_t len;
    char buf[16384];
} md_writer;

void md_init(md_writer *w);
/* Open the temp file of a new message; returns 0 or -1 (errno). */
int md_open(md_writer *w, const char *root, const char *user, const char *host,
            uint64_t counter);
/* Append bytes; CRLF becomes LF (a CR split from its LF across calls
 * too). Failures are remembered in w->failed. */
void md_write(md_writer *w, const char *data, size_t len);
/* Append bytes as they are (the Received header, already LF). */
void md_write_raw(md_writer *w, const char *data, size_t len);
/* Flush, fsync, close, and move the message into new/ of every user
 * (hard links for all but the first; rename for the first). Returns 0,
 * or -1 with nothing left in any new/ or tmp/. */
int md_commit(md_writer *w, const char *root, char (*users)[MD_USER_MAX + 1],
              size_t n_users);
/* Drop the message: close and unlink the temp file. No-op when closed. */
void md_abort(md_writer *w);

/* ---- Users -------------------------------------------------------- */

typedef struct smtpd_user {
    char *name;
    char *password;
    uint8_t salt[16];
    uint8_t stored_key[MW_SHA256_LEN];
    uint8_t server_key[MW_SHA256_LEN];
} smtpd_user;

typedef struct smtpd_users {
    smtpd_user *v;
    size_t n;
    uint8_t fake_secret[32]; /* fake SCRAM salts for unknown users */
} smtpd_users;

#define SMTPD_SCRAM_ITERATIONS 4096u

/* Load "user:password" lines (empty lines and '#' comments skipped).
 * Returns 0 or a sysexits code after a diagnostic. */
int users_load(smtpd_users *u, const char *path);
const smtpd_user *users_find(const smtpd_users *u, const char *name,
                             size_t len);
void users_free(smtpd_users *u);

#endif
