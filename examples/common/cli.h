/* Small helpers shared by the example programs: standard options, exit
 * codes (sysexits.h) and file reading. Not part of the library. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <stddef.h>
#include <sysexits.h>

/* Print "<tool> <mailwire version>" on stdout. */
void mwcli_print_version(const char *tool);

/*
 * Handle the options every tool has: returns 1 and sets *exit_code when
 * argv holds --help or --version (the caller then exits), else 0.
 */
int mwcli_standard_options(int argc, char **argv, const char *tool,
                           const char *usage, int *exit_code);

/* Read a whole file ("-" is stdin) into a malloc'd buffer. Returns 0 or
 * EX_NOINPUT / EX_OSERR after printing a diagnostic on stderr. */
int mwcli_read_file(const char *path, char **data_out, size_t *len_out);

/* Write all bytes to stdout; returns 0 or EX_IOERR. */
int mwcli_write_stdout(const void *data, size_t len);

/* Print "<tool>: <message>" on stderr and return \p code. */
int mwcli_fail(const char *tool, int code, const char *message);

#endif
