/* IMAP response parser on arbitrary server streams, fed in fuzzer-chosen
 * chunks: no crash, every unit the parser accepts is a valid response
 * whose typed accessors agree with the validation, and
 * serialize(parse(x)) parses back to an equal unit with the same
 * classification (and serializes to the same bytes again).
 *
 * Input: [config: bit 0 small inline maximum (literals stream), bit 1 skip
 * validation, bits 2..7 chunk selector] [bytes...]. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/imap.h"

static int has_streamed(const mw_imap_unit *u)
{
    for (uint32_t i = 0; i < u->n_values; i++)
        if (u->values[i].flags & MW_IMAP_VF_STREAMED)
            return 1;
    return 0;
}

static void check_typed(const mw_imap_response *r)
{
    if (r->type != MW_IMAP_R_FETCH)
        return;
    mw_imap_fetch_item it;
    for (uint32_t i = 0;; i++) {
        mw_status st = mw_imap_fetch_item_get(r->args, i, &it, NULL);
        if (st == MW_DONE)
            break;
        FUZZ_CHECK(st == MW_OK);
        if (it.att == MW_IMAP_FA_ENVELOPE) {
            mw_imap_envelope e;
            FUZZ_CHECK(mw_imap_envelope_get(it.value, &e, NULL) == MW_OK);
            FUZZ_CHECK(e.message_id != NULL);
        }
        if (it.att == MW_IMAP_FA_BODYSTRUCTURE || it.att == MW_IMAP_FA_BODY) {
            mw_imap_body b;
            FUZZ_CHECK(mw_imap_body_get(it.value, &b, NULL) == MW_OK);
            FUZZ_CHECK(b.subtype != NULL);
        }
    }
}

static void roundtrip(const mw_imap_event *ev, uint32_t flags)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = mw_imap_unit_write(&ev->unit, 0, &out);
    if (has_streamed(&ev->unit)) {
        FUZZ_CHECK(st == MW_E_ARG && out.len == 0);
        mw_buf_free(&out);
        return;
    }
    FUZZ_CHECK(st == MW_OK);
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.flags = flags;
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t used;
    mw_imap_event back;
    FUZZ_CHECK(mw_imap_parser_feed(p, out.data, out.len, &used, &back) ==
               MW_OK);
    FUZZ_CHECK(back.type == MW_IMAP_EV_UNIT && used == out.len);
    FUZZ_CHECK(mw_imap_unit_equal(&ev->unit, &back.unit));
    if (!(flags & MW_IMAP_PARSE_NO_VALIDATE)) {
        FUZZ_CHECK(back.response.type == ev->response.type);
        FUZZ_CHECK(back.response.code.type == ev->response.code.type);
        FUZZ_CHECK(back.response.number == ev->response.number);
    }
    mw_buf again;
    mw_buf_init_growable(&again, NULL, 0);
    FUZZ_CHECK(mw_imap_unit_write(&back.unit, 0, &again) == MW_OK);
    FUZZ_CHECK(again.len == out.len &&
               memcmp(again.data, out.data, out.len) == 0);
    mw_buf_free(&again);
    mw_imap_parser_free(p);
    mw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t config = data[0];
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    mw_imap_parser_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    if (config & 1)
        cfg.inline_max = 8;
    if (config & 2)
        cfg.flags |= MW_IMAP_PARSE_NO_VALIDATE;
    cfg.line_max = 1 << 16;
    uint8_t selector = (uint8_t)(config >> 2);
    mw_imap_parser *p;
    FUZZ_CHECK(mw_imap_parser_new(&cfg, NULL, &p) == MW_OK);
    size_t pos = 0, feeds = 0;
    uint64_t literal_left = 0;
    while (pos <= n) {
        size_t want = fuzz_chunk_len(selector, feeds++);
        size_t len = n - pos < want ? n - pos : want;
        size_t used;
        mw_imap_event ev;
        mw_status st = mw_imap_parser_feed(p, in + pos, len, &used, &ev);
        FUZZ_CHECK(used <= len);
        pos += used;
        if (st == MW_NEED_MORE) {
            FUZZ_CHECK(used == len);
            if (pos == n)
                break;
            continue;
        }
        if (st != MW_OK) {
            FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT);
            mw_imap_error err;
            mw_imap_parser_error(p, &err);
            FUZZ_CHECK(err.offset <= n && err.expected != NULL);
            break;
        }
        if (ev.type == MW_IMAP_EV_LITERAL_BEGIN)
            literal_left = ev.literal_len;
        if (ev.type == MW_IMAP_EV_LITERAL_DATA) {
            FUZZ_CHECK(ev.data.len <= literal_left && ev.data.len > 0);
            literal_left -= ev.data.len;
        }
        if (ev.type == MW_IMAP_EV_LITERAL_END)
            FUZZ_CHECK(literal_left == 0);
        if (ev.type != MW_IMAP_EV_UNIT)
            continue;
        FUZZ_CHECK(ev.unit.kind >= MW_IMAP_UNIT_TAGGED &&
                   ev.unit.kind <= MW_IMAP_UNIT_CONTINUATION);
        if (!(cfg.flags & MW_IMAP_PARSE_NO_VALIDATE))
            check_typed(&ev.response);
        roundtrip(&ev, cfg.flags);
    }
    mw_imap_parser_free(p);
    return 0;
}
