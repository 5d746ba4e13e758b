/* mw-parse: print the structure of a message (or of every message of an
 * mboxrd file) as one JSON line each.
 *
 *   mw-parse [--chunk N] [--mbox] [--defects] [FILE|-]
 *
 * The parser is fed N bytes at a time, so the output shows that any
 * chunking gives the same result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mwparse.h"

static const char usage[] =
    "usage: mw-parse [--chunk N] [--mbox] [--defects] [FILE|-]\n"
    "Prints one JSON object per message: headers, subject, from, to, cc,\n"
    "reply_to, date, message_id and every MIME part (depth-first).\n"
    "  --chunk N   feed the parser N bytes at a time (default: all)\n"
    "  --mbox      the input is an mboxrd file of many messages\n"
    "  --defects   list each part's defects\n"
    "Exit: 0 ok, 64 usage, 65 unparseable input, 66 cannot open input.\n";

typedef struct run {
    mwp_options opt;
    int mbox;
    const char *path;
    mw_buf out;
} run;

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0 || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Options may come before or after the file, as with GNU tools: users
 * type "mw-parse msg.eml --defects" as often as the other order. */
static int parse_option(int argc, char **argv, int *i, run *r)
{
    const char *a = argv[*i];
    if (strcmp(a, "--mbox") == 0)
        r->mbox = 1;
    else if (strcmp(a, "--defects") == 0)
        r->opt.defects = 1;
    else if (strcmp(a, "--chunk") == 0 && *i + 1 < argc)
        return parse_size(argv[++*i], &r->opt.chunk);
    else
        return -1;
    return 0;
}

static int parse_args(int argc, char **argv, run *r)
{
    int options_done = 0;
    r->path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = 1;
        } else if (!options_done && a[0] == '-' && a[1]) {
            if (parse_option(argc, argv, &i, r) != 0)
                return -1;
        } else if (r->path) {
            return -1; /* one input only */
        } else {
            r->path = a;
        }
    }
    if (!r->path)
        r->path = "-";
    return 0;
}

static int one_message(void *ud, const char *msg, size_t len)
{
    run *r = ud;
    int rc = mwp_message_json(msg, len, &r->opt, &r->out);
    if (rc == 0 && r->out.len) {
        rc = mwcli_write_stdout(r->out.data, r->out.len);
        mw_buf_clear(&r->out);
    }
    return rc;
}

int main(int argc, char **argv)
{
    int code;
    if (mwcli_standard_options(argc, argv, "mw-parse", usage, &code))
        return code;
    run r;
    memset(&r, 0, sizeof(r));
    mw_charset_hook hook = {mwp_iconv_to_utf8, NULL};
    r.opt.hook = &hook;
    if (parse_args(argc, argv, &r) != 0) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    char *data;
    size_t len;
    code = mwcli_read_file(r.path, &data, &len);
    if (code != 0)
        return code;
    mw_buf_init_growable(&r.out, NULL, 0);
    code = r.mbox ? mwp_mbox_split(data, len, one_message, &r)
                  : one_message(&r, data, len);
    mw_buf_free(&r.out);
    free(data);
    return code;
}
