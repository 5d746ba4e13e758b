/* Runs a libFuzzer target without libFuzzer: every file of the corpus
 * directories (or files) named on the command line, then a fixed-seed batch
 * of generated inputs, so gcc builds exercise the same checks in CI. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return 1;
            }
            data = p;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int run_path(const char *path, unsigned *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such corpus %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return run_file(path);
    }
    DIR *dir = opendir(path);
    if (!dir)
        return 1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        rc |= run_path(full, count);
    }
    closedir(dir);
    return rc;
}

/* xorshift64: deterministic, seeded, no global state beyond main's. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void run_generated(unsigned n)
{
    uint64_t seed = 0x6d61696c77697265ull;
    uint8_t buf[512];
    for (unsigned i = 0; i < n; i++) {
        size_t len = (size_t)(next_random(&seed) % sizeof(buf));
        /* Half the inputs are printable-heavy, the rest arbitrary bytes. */
        int text = (i & 1) == 0;
        for (size_t j = 0; j < len; j++) {
            uint64_t r = next_random(&seed);
            buf[j] = text ? (uint8_t)(" \r\n=\t-&+/AZaz09.,:;<>@\"()"[r % 26])
                          : (uint8_t)r;
            if (text && (r >> 8) % 3 == 0)
                buf[j] = (uint8_t)(32 + (r >> 16) % 95);
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= run_path(argv[i], &count);
    run_generated(5000);
    printf("replay: %u corpus files and 5000 generated inputs: %s\n", count,
           rc ? "FAILED" : "ok");
    return rc;
}
