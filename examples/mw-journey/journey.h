/* mw-journey internals: byte buffers, the transcript, the poll() loop
 * that moves bytes between sans-IO sessions, and the three steps. */
#ifndef MW_JOURNEY_H
#define MW_JOURNEY_H

#include "cli.h"

#include <mailwire/core.h>

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer on malloc. */
typedef struct jr_bytes {
    char *data;
    size_t len;
    size_t cap;
} jr_bytes;

int jr_bytes_append(jr_bytes *b, const void *data, size_t len);

/* Everything the steps hand on to each other. */
typedef struct jr_world {
    char maildir[256]; /* Bob's Maildir (mkdtemp). */
    jr_bytes composed; /* What Alice's user agent wrote. */
    jr_bytes queued;   /* Alice's server's queue (one message). */
    char queued_from[256];
    char queued_to[256];
    jr_bytes downloaded; /* What Bob's user agent retrieved (CRLF). */
} jr_world;

/* Transcript of the lines one side sends: "C: [label] line" or
 * "S: [label] line"; message bodies are shortened. */
#define JR_LINE_MAX 1024
typedef struct jr_transcript {
    const char *prefix; /* "C: [alice-ua -> alice-mx]" */
    char line[JR_LINE_MAX];
    size_t len;
    int body;     /* In a DATA / RETR body: shorten until ".". */
    int skip;     /* Lines to print in full before the body starts. */
    size_t nbody; /* Body lines so far. */
    char head[2][JR_LINE_MAX];
    char tail[2][JR_LINE_MAX];
} jr_transcript;

/* Print the lines completed by bytes sent. */
void jr_transcript_bytes(jr_transcript *t, const char *data, size_t len);
/* Shorten the lines that follow, after \p skip lines, up to ".". */
void jr_transcript_body(jr_transcript *t, int skip);

/* One side of a connection driven by the poll() loop. */
typedef struct jr_end jr_end;
struct jr_end {
    int fd;
    int closed;
    int failed;
    jr_transcript tr;
    void *ctx;
    /* Feed received bytes to the session; 0 or -1. */
    int (*input)(jr_end *e, const char *data, size_t len);
    /* The session's pending output. */
    const char *(*output)(jr_end *e, size_t *len);
    void (*output_done)(jr_end *e, size_t n);
    /* MW_WANT_* of the session. */
    unsigned (*wants)(jr_end *e);
    /* The peer closed the connection. */
    void (*eof)(jr_end *e);
};

/* Run both ends of a connection until both are closed; 0 or -1. */
int jr_run(jr_end *client, jr_end *server);

/* A connected pair of non-blocking loopback sockets: listen on
 * 127.0.0.1 port 0, connect, accept. */
int jr_connect_pair(int *client_fd, int *server_fd, uint16_t *port);

int jr_submit(jr_world *w);
int jr_relay(jr_world *w);
int jr_download(jr_world *w);

/* Print a diagnostic on stderr and return 1. */
int jr_fail(const char *what);

#endif
