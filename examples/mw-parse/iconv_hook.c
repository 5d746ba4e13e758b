/* A charset hook on glibc iconv, so encoded words in charsets mailwire
 * does not build in (ISO-2022-JP, KOI8-R, GB2312, ...) decode too. It
 * lives in the example because the library must not depend on iconv. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mwparse.h"

/* Runs iconv over all of \p in; 0 when every byte converted. */
static int convert_all(iconv_t cd, const char *in, size_t len, mw_buf *out)
{
    size_t cap = len * 4 + 16;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    char *inp = (char *)(uintptr_t)in, *outp = buf;
    size_t inleft = len, outleft = cap;
    size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
    if (r != (size_t)-1)
        r = iconv(cd, NULL, NULL, &outp, &outleft);
    int ok = r != (size_t)-1 && inleft == 0;
    if (ok)
        ok = mw_utf8_sanitize(buf, (size_t)(outp - buf), out, NULL) == MW_OK;
    free(buf);
    return ok ? 0 : -1;
}

mw_status mwp_iconv_to_utf8(void *ud, const char *charset, size_t charset_len,
                            const char *bytes, size_t len, mw_buf *utf8_out)
{
    (void)ud;
    char name[64];
    if (charset_len == 0 || charset_len >= sizeof(name))
        return MW_E_UNSUPPORTED;
    memcpy(name, charset, charset_len);
    name[charset_len] = '\0';
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return MW_E_UNSUPPORTED;
    size_t before = utf8_out->len;
    int rc = convert_all(cd, bytes, len, utf8_out);
    iconv_close(cd);
    if (rc != 0) {
        /* all or nothing: a failed conversion leaves the word undecoded */
        utf8_out->len = before;
        return MW_E_ENCODING;
    }
    return MW_OK;
}
