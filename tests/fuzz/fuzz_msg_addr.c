/* Address-list parser: no crash, no leak, spans inside the storage,
 * display names valid UTF-8, and format -> parse gives back every
 * address that the serializer accepts. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/msg.h"

#define CAP 64

static int span_in(mw_span s, const mw_buf *b)
{
    return s.len == 0 ||
           (s.ptr >= b->data && s.ptr + s.len <= b->data + b->len);
}

static void check_round_trip(const mw_address *a)
{
    mw_buf out, st2;
    mw_address back[2];
    size_t n = 0;
    uint32_t flags =
        MW_ADDR_FMT_UTF8 |
        ((a->flags & MW_ADDR_NO_DOMAIN) ? MW_ADDR_FMT_NO_DOMAIN : 0u);
    if (a->addr_spec.len == 0)
        return;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st =
        mw_addr_format(a->display_name.ptr, a->display_name.len,
                       a->addr_spec.ptr, a->addr_spec.len, flags, &out);
    if (st == MW_OK) {
        mw_buf_init_growable(&st2, NULL, 0);
        FUZZ_CHECK(mw_addr_list_parse(out.data, out.len, NULL, &st2, back, 2,
                                      &n) == MW_OK);
        FUZZ_CHECK(n == 1);
        FUZZ_CHECK(back[0].display_name.len == a->display_name.len);
        FUZZ_CHECK(a->display_name.len == 0 ||
                   memcmp(back[0].display_name.ptr, a->display_name.ptr,
                          a->display_name.len) == 0);
        FUZZ_CHECK(back[0].addr_spec.len == a->addr_spec.len);
        FUZZ_CHECK(memcmp(back[0].addr_spec.ptr, a->addr_spec.ptr,
                          a->addr_spec.len) == 0);
        mw_buf_free(&st2);
    } else {
        FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_CRLF || st == MW_E_ENCODING);
        FUZZ_CHECK(out.len == 0);
    }
    mw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mw_buf storage;
    mw_address *a = malloc(sizeof(mw_address) * CAP);
    size_t n = 0;
    if (!a)
        return 0;
    mw_buf_init_growable(&storage, NULL, 0);
    mw_status st = mw_addr_list_parse((const char *)data, size, NULL, &storage,
                                      a, CAP, &n);
    FUZZ_CHECK(st == MW_OK || st == MW_E_LIMIT ||
               (st == MW_E_NOSPACE && n > CAP));
    if (st != MW_OK)
        FUZZ_CHECK(storage.len == 0);
    for (size_t i = 0; st == MW_OK && i < n; i++) {
        FUZZ_CHECK(span_in(a[i].display_name, &storage));
        FUZZ_CHECK(span_in(a[i].addr_spec, &storage));
        FUZZ_CHECK(span_in(a[i].group, &storage));
        FUZZ_CHECK(mw_utf8_is_valid(a[i].display_name.ptr,
                                    a[i].display_name.len, NULL));
        FUZZ_CHECK(mw_utf8_is_valid(a[i].group.ptr, a[i].group.len, NULL));
        check_round_trip(&a[i]);
    }
    mw_buf_free(&storage);
    free(a);
    return 0;
}
