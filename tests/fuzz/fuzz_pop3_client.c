/* POP3 client session on arbitrary server bytes, issuing a cycle of
 * requests whenever it waits for nothing: no crash, feed keeps the I/O
 * contract, fatal errors are sticky, and everything the client sends is a
 * well-formed command line or SASL response (never a bare CR or LF).
 *
 * Input: [first request] [chunk selector] [bytes...]. */
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/pop3.h"
#include "mailwire/sasl.h"

static void check_output(mw_pop3_client *c)
{
    size_t n;
    const char *p = mw_pop3_client_output(c, &n);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r')
            FUZZ_CHECK(i + 1 < n && p[i + 1] == '\n');
        if (p[i] == '\n')
            FUZZ_CHECK(i > 0 && p[i - 1] == '\r');
        FUZZ_CHECK(p[i] != '\0');
    }
    FUZZ_CHECK(n == 0 || p[n - 1] == '\n');
    mw_pop3_client_output_done(c, n);
}

static mw_status request(mw_pop3_client *c, unsigned k, mw_sasl **sasl)
{
    switch (k % 15) {
    case 0:
        return mw_pop3_client_capa(c);
    case 1:
        return mw_pop3_client_user(c, "bob", 3);
    case 2:
        return mw_pop3_client_pass(c, "pw", 2);
    case 3:
        return mw_pop3_client_apop(c, "bob", 3, "pw", 2);
    case 4: {
        mw_sasl_client_config sc;
        memset(&sc, 0, sizeof(sc));
        sc.size = sizeof(sc);
        sc.mech = (k / 15) % 2 ? MW_SASL_CRAM_MD5 : MW_SASL_PLAIN;
        sc.authcid.ptr = "bob";
        sc.authcid.len = 3;
        sc.password.ptr = "pw";
        sc.password.len = 2;
        mw_sasl_free(*sasl);
        *sasl = NULL;
        FUZZ_CHECK(mw_sasl_client_new(&sc, NULL, sasl) == MW_OK);
        return mw_pop3_client_auth(c, *sasl);
    }
    case 5:
        return mw_pop3_client_stat(c);
    case 6:
        return mw_pop3_client_list(c, k % 2);
    case 7:
        return mw_pop3_client_uidl(c, k % 3);
    case 8:
        return mw_pop3_client_retr(c, 1);
    case 9:
        return mw_pop3_client_top(c, 1, 2);
    case 10:
        return mw_pop3_client_dele(c, 2);
    case 11:
        return mw_pop3_client_noop(c);
    case 12:
        return mw_pop3_client_rset(c);
    case 13:
        return mw_pop3_client_stls(c);
    default:
        return mw_pop3_client_quit(c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned next = data[0];
    uint8_t selector = data[1];
    const char *in = (const char *)data + 2;
    size_t len = size - 2;
    mw_pop3_client *c;
    FUZZ_CHECK(mw_pop3_client_new(NULL, NULL, &c) == MW_OK);
    mw_sasl *sasl = NULL;
    size_t pos = 0, feeds = 0;
    mw_status fatal = MW_OK;
    while (pos < len) {
        uint32_t w = mw_pop3_client_wants(c);
        if (w & MW_WANT_TLS)
            FUZZ_CHECK(mw_pop3_client_tls_done(c, 1) == MW_OK);
        for (int tries = 0;
             tries < 3 && !(mw_pop3_client_wants(c) &
                            (MW_WANT_READ | MW_WANT_CLOSE | MW_WANT_TLS));
             tries++)
            (void)request(c, next++, &sasl);
        check_output(c);
        size_t chunk = fuzz_chunk_len(selector, feeds++);
        size_t n = len - pos < chunk ? len - pos : chunk;
        size_t used = SIZE_MAX;
        mw_pop3_client_event ev;
        mw_status st = mw_pop3_client_feed(c, in + pos, n, &used, &ev);
        FUZZ_CHECK(used <= n);
        pos += used;
        if (st == MW_NEED_MORE) {
            FUZZ_CHECK(used == n);
        } else if (st != MW_OK) {
            FUZZ_CHECK(st == MW_E_SYNTAX || st == MW_E_LIMIT ||
                       st == MW_E_AUTH || st == MW_E_NOSPACE ||
                       st == MW_E_NOMEM);
            fatal = st;
            break;
        } else if (ev.type == MW_POP3_CEV_DATA) {
            FUZZ_CHECK(ev.data.len > 0 && ev.data.len <= n);
        }
    }
    if (fatal != MW_OK) {
        size_t used;
        mw_pop3_client_event ev;
        FUZZ_CHECK(mw_pop3_client_feed(c, "+OK\r\n", 5, &used, &ev) == fatal);
        FUZZ_CHECK(mw_pop3_client_wants(c) & MW_WANT_CLOSE);
    }
    check_output(c);
    (void)mw_pop3_client_eof(c);
    mw_pop3_client_free(c);
    mw_sasl_free(sasl);
    return 0;
}
