/* POP3 command parser on arbitrary lines (the input split at CRLF): no
 * crash, errors point inside the line, and every known command writes back
 * and parses to an equal command (parse(write(x)) == x).
 *
 * Input: [config: bit 0 small limits] [bytes...]. */
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/pop3.h"

static void check_line(const char *line, size_t len,
                       const mw_pop3_codec_config *cfg)
{
    mw_pop3_command c;
    mw_pop3_parse_error err;
    mw_status st = mw_pop3_command_parse(line, len, cfg, &c, &err);
    if (st != MW_OK) {
        FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
        FUZZ_CHECK(err.offset <= len);
        FUZZ_CHECK(err.reason != MW_POP3_ERR_NONE);
        return;
    }
    FUZZ_CHECK(c.verb <= MW_POP3_UTF8);
    if (c.verb == MW_POP3_UNKNOWN)
        return;
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_pop3_command_write(&c, cfg, &out) == MW_OK);
    FUZZ_CHECK(out.len >= 2 && out.data[out.len - 2] == '\r' &&
               out.data[out.len - 1] == '\n');
    for (size_t i = 0; i + 2 < out.len; i++)
        FUZZ_CHECK(out.data[i] != '\r' && out.data[i] != '\n' &&
                   out.data[i] != '\0');
    mw_pop3_command back;
    FUZZ_CHECK(mw_pop3_command_parse(out.data, out.len - 2, cfg, &back, NULL) ==
               MW_OK);
    FUZZ_CHECK(mw_pop3_command_equal(&c, &back));
    mw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    mw_pop3_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    if (data[0] & 1) {
        cfg.line_max = 32;
        cfg.arg_max = 8;
    }
    const char *in = (const char *)data + 1;
    size_t n = size - 1, start = 0;
    while (start < n) {
        size_t end = start;
        while (end + 1 < n && !(in[end] == '\r' && in[end + 1] == '\n'))
            end++;
        int crlf = end + 1 < n;
        if (!crlf)
            end = n;
        check_line(in + start, end - start, (data[0] & 2) ? NULL : &cfg);
        start = crlf ? end + 2 : end;
    }
    return 0;
}
