/* SMTP command parser on an arbitrary line: no crash, errors point inside
 * the line, and whatever parses must write back (the writer may not
 * refuse it) and re-parse to an equal command; the canonical form is a
 * fixed point. A parsed local part, decoded and handed to the writer as a
 * raw value, must also come back equal.
 *
 * Input: [config: bit 0 SMTPUTF8, bit 1 line ended in CRLF, bit 2 strict
 * CRLF] [line bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/smtp.h"

static void check_raw_local(const mw_smtp_cmd *cmd,
                            const mw_smtp_codec_config *cfg)
{
    if ((cmd->verb != MW_SMTP_VERB_MAIL && cmd->verb != MW_SMTP_VERB_RCPT) ||
        (cmd->path.flags & (MW_SMTP_PATH_NULL | MW_SMTP_PATH_POSTMASTER)))
        return;
    mw_buf raw;
    mw_buf_init_growable(&raw, NULL, 0);
    FUZZ_CHECK(mw_smtp_local_decode(cmd->path.local.ptr, cmd->path.local.len,
                                    &raw) == MW_OK);
    mw_smtp_cmd copy = *cmd;
    copy.path.local.ptr = raw.data;
    copy.path.local.len = raw.len;
    copy.path.flags |= MW_SMTP_PATH_LOCAL_RAW;
    FUZZ_CHECK(mw_smtp_cmd_equal(cmd, &copy));
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_smtp_cmd_write(&copy, cfg, &out) == MW_OK);
    mw_smtp_cmd back;
    FUZZ_CHECK(mw_smtp_cmd_parse(out.data, out.len - 2, MW_SMTP_LINE_CRLF, cfg,
                                 &back, NULL) == MW_OK);
    FUZZ_CHECK(mw_smtp_cmd_equal(cmd, &back));
    mw_buf_free(&out);
    mw_buf_free(&raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t config = data[0];
    const char *line = (const char *)data + 1;
    size_t len = size - 1;
    mw_smtp_codec_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    if (config & 1)
        cfg.flags |= MW_SMTP_CODEC_UTF8;
    if (config & 4)
        cfg.flags |= MW_SMTP_CODEC_STRICT_CRLF;
    uint32_t line_flags = (config & 2) ? MW_SMTP_LINE_CRLF : 0;

    mw_smtp_cmd cmd;
    mw_smtp_parse_error err;
    mw_status st = mw_smtp_cmd_parse(line, len, line_flags, &cfg, &cmd, &err);
    if (st != MW_OK) {
        FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
        FUZZ_CHECK(err.reason != MW_SMTP_ERR_NONE && err.text != NULL);
        FUZZ_CHECK(err.offset <= len);
        return 0;
    }
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_smtp_cmd_write(&cmd, &cfg, &out) == MW_OK);
    FUZZ_CHECK(out.len >= 2 && out.data[out.len - 2] == '\r' &&
               out.data[out.len - 1] == '\n');
    FUZZ_CHECK(memchr(out.data, '\n', out.len - 1) == NULL);
    FUZZ_CHECK(memchr(out.data, '\r', out.len - 2) == NULL);
    mw_smtp_cmd back;
    FUZZ_CHECK(mw_smtp_cmd_parse(out.data, out.len - 2, MW_SMTP_LINE_CRLF, &cfg,
                                 &back, NULL) == MW_OK);
    FUZZ_CHECK(mw_smtp_cmd_equal(&cmd, &back));
    FUZZ_CHECK((back.flags & MW_SMTP_CMD_F_WIRE_MASK) == 0);
    mw_buf again;
    mw_buf_init_growable(&again, NULL, 0);
    FUZZ_CHECK(mw_smtp_cmd_write(&back, &cfg, &again) == MW_OK);
    FUZZ_CHECK(again.len == out.len &&
               memcmp(again.data, out.data, out.len) == 0);
    check_raw_local(&cmd, &cfg);
    mw_buf_free(&again);
    mw_buf_free(&out);
    return 0;
}
