/* IMAP command stream (commands, AUTHENTICATE lines, IDLE / DONE) and the
 * lexical helpers: no crash; serialize(parse(x)) is a fixed point of
 * parse-then-serialize for the whole stream; each command unit reparses
 * alone to an equal unit; every string value survives the string
 * serializer under the flags the input picks; sequence sets, dates and
 * mailbox names go through their helpers without reading out of bounds.
 *
 * Input: [config: bits 0..2 string flags, bit 3 literal header events,
 * bit 4 lexical layer only (no command validation), bits 4..7 chunk
 * selector] [bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/imap.h"

static void check_string(const mw_imap_value *v, uint32_t flags)
{
    mw_buf line;
    mw_buf_init_growable(&line, NULL, 0);
    FUZZ_CHECK(mw_buf_append(&line, "t X ", 4) == MW_OK);
    mw_status st = mw_imap_string_write(v->str.ptr, v->str.len, flags, &line);
    FUZZ_CHECK(st == MW_OK);
    FUZZ_CHECK(mw_buf_append(&line, "\r\n", 2) == MW_OK);
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS;
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t used;
    mw_imap_event ev;
    FUZZ_CHECK(mw_imap_parser_feed(p, line.data, line.len, &used, &ev) ==
               MW_OK);
    FUZZ_CHECK(ev.unit.n_top == 2);
    const mw_imap_value *b = &ev.unit.values[1];
    FUZZ_CHECK(b->str.len == v->str.len);
    FUZZ_CHECK(v->str.len == 0 ||
               memcmp(b->str.ptr, v->str.ptr, v->str.len) == 0);
    mw_imap_parser_free(p);
    mw_buf_free(&line);
}

static void check_helpers(const mw_imap_value *v)
{
    mw_imap_range r[4];
    size_t n;
    int dollar;
    mw_imap_datetime dt;
    if (mw_imap_seqset_parse(v->str.ptr, v->str.len, r, 4, &n, &dollar) ==
            MW_OK &&
        n > 0) {
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        FUZZ_CHECK(mw_imap_seqset_write(r, n, &out) == MW_OK);
        mw_imap_range back[4];
        size_t m;
        FUZZ_CHECK(mw_imap_seqset_parse(out.data, out.len, back, 4, &m, NULL) ==
                   MW_OK);
        FUZZ_CHECK(m == n && memcmp(back, r, n * sizeof(r[0])) == 0);
        mw_buf_free(&out);
    }
    if (mw_imap_datetime_parse(v->str.ptr, v->str.len, &dt) == MW_OK) {
        mw_buf out;
        mw_buf_init_growable(&out, NULL, 0);
        FUZZ_CHECK(mw_imap_datetime_write(&dt, &out) == MW_OK);
        mw_imap_datetime back;
        FUZZ_CHECK(mw_imap_datetime_parse(out.data + 1, out.len - 2, &back) ==
                   MW_OK);
        FUZZ_CHECK(memcmp(&back, &dt, sizeof(dt)) == 0);
        mw_buf_free(&out);
    }
    (void)mw_imap_date_parse(v->str.ptr, v->str.len, &dt);
    mw_buf name;
    mw_buf_init_growable(&name, NULL, 0);
    (void)mw_imap_mailbox_decode(v->str.ptr, v->str.len, 0, &name);
    (void)mw_imap_mailbox_decode(v->str.ptr, v->str.len, 1, &name);
    mw_buf_free(&name);
}

static void check_alone(const mw_imap_unit *u, const mw_imap_command *cmd,
                        int validated)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    FUZZ_CHECK(mw_imap_unit_write(u, 0, &out) == MW_OK);
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags =
        MW_IMAP_PARSE_COMMANDS | (validated ? 0u : MW_IMAP_PARSE_NO_VALIDATE);
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t used;
    mw_imap_event back;
    FUZZ_CHECK(mw_imap_parser_feed(p, out.data, out.len, &used, &back) ==
               MW_OK);
    FUZZ_CHECK(back.type == MW_IMAP_EV_UNIT && used == out.len);
    FUZZ_CHECK(mw_imap_unit_equal(u, &back.unit));
    if (validated)
        FUZZ_CHECK(back.command.type == cmd->type &&
                   back.command.uid == cmd->uid &&
                   back.command.n_args == cmd->n_args);
    mw_imap_parser_free(p);
    mw_buf_free(&out);
}

/* Parse a command stream; append each unit's serialization to \p out (if
 * not NULL) and check each unit. Returns the number of units, or -1 when
 * the stream was refused. */
static long run(const char *in, size_t n, uint8_t config, mw_buf *out,
                int checks)
{
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = MW_IMAP_PARSE_COMMANDS;
    if (config & 8)
        cfg.flags |= MW_IMAP_PARSE_LITERAL_HEADERS;
    int validated = !(config & 0x10);
    if (!validated)
        cfg.flags |= MW_IMAP_PARSE_NO_VALIDATE;
    cfg.line_max = 1 << 16;
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t pos = 0, feeds = 0;
    long units = 0;
    uint8_t selector = (uint8_t)(config >> 4);
    while (pos <= n) {
        size_t want = checks ? fuzz_chunk_len(selector, feeds++) : SIZE_MAX;
        size_t len = n - pos < want ? n - pos : want;
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + pos, len, &used, &ev);
        pos += used;
        if (st == MW_NEED_MORE) {
            if (pos == n)
                break;
            continue;
        }
        if (st != MW_OK) {
            FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
            units = -1;
            break;
        }
        if (ev.type != MW_IMAP_EV_UNIT)
            continue;
        units++;
        if (out)
            FUZZ_CHECK(mw_imap_unit_write(&ev.unit, 0, out) == MW_OK);
        if (!checks)
            continue;
        if (ev.unit.kind == MW_IMAP_UNIT_COMMAND)
            check_alone(&ev.unit, &ev.command, validated);
        for (uint32_t i = 0; i < ev.unit.n_values; i++) {
            const mw_imap_value *v = &ev.unit.values[i];
            if (mw_imap_value_is_string(v))
                check_string(v, (uint32_t)(config & 7) |
                                    ((v->flags & MW_IMAP_VF_LIT8)
                                         ? MW_IMAP_STR_BINARY
                                         : 0));
            if (v->type == MW_IMAP_V_ATOM || v->type == MW_IMAP_V_QUOTED)
                check_helpers(v);
        }
    }
    mw_imap_parser_free(p);
    return units;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    mw_buf once, twice;
    mw_buf_init_growable(&once, NULL, 0);
    mw_buf_init_growable(&twice, NULL, 0);
    long units = run(in, n, data[0], &once, 1);
    if (units > 0) {
        /* The serialization of what parsed is itself a stream whose
         * serialization is the same bytes. */
        long back = run(once.data, once.len, data[0] & 0x10, &twice, 0);
        FUZZ_CHECK(back == units);
        FUZZ_CHECK(twice.len == once.len &&
                   memcmp(twice.data, once.data, once.len) == 0);
    }
    mw_buf_free(&once);
    mw_buf_free(&twice);
    return 0;
}
