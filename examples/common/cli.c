#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwire/mailwire.h"

void mwcli_print_version(const char *tool)
{
    printf("%s (mailwire) %s\n", tool, mw_version());
}

int mwcli_standard_options(int argc, char **argv, const char *tool,
                           const char *usage, int *exit_code)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            *exit_code = 0;
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            mwcli_print_version(tool);
            *exit_code = 0;
            return 1;
        }
    }
    return 0;
}

int mwcli_fail(const char *tool, int code, const char *message)
{
    fprintf(stderr, "%s: %s\n", tool, message);
    return code;
}

int mwcli_read_file(const char *path, char **data_out, size_t *len_out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return EX_NOINPUT;
    }
    size_t cap = 65536, len = 0;
    char *data = malloc(cap);
    while (data) {
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            char *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    int failed = !data || ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed) {
        free(data);
        fprintf(stderr, "cannot read %s\n", path);
        return EX_OSERR;
    }
    *data_out = data;
    *len_out = len;
    return 0;
}

int mwcli_write_stdout(const void *data, size_t len)
{
    if (len && fwrite(data, 1, len, stdout) != len)
        return EX_IOERR;
    return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
