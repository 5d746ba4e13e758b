/* Private helpers shared by the POP3 codec and sessions. Not installed. */
#ifndef MW_POP3_INT_H
#define MW_POP3_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/pop3.h"
#include "mailwire/stream.h"

/* Resolved codec limits. */
typedef struct mwi_pop3_limits {
    uint32_t line_max;
    uint32_t arg_max;
} mwi_pop3_limits;

void mwi_pop3_limits_resolve(const mw_pop3_codec_config *cfg,
                             mwi_pop3_limits *out);

/* ASCII case-insensitive comparison of a span with a NUL-terminated
 * upper-case word. */
int mwi_pop3_ieq(const char *p, size_t n, const char *upper);

/* 1 when [p, p+n) holds CR, LF or NUL. */
int mwi_pop3_has_crlf(const char *p, size_t n);

/* Append \p v in decimal to \p out (all or nothing). */
mw_status mwi_pop3_put_u64(mw_buf *out, uint64_t v);

/* Round \p n up to the alignment of any object. */
size_t mwi_pop3_align(size_t n);

/* Base64-encode \p len bytes of \p in onto \p out (all or nothing). */
mw_status mwi_pop3_b64_encode(const void *in, size_t len, mw_buf *out);
/* Strictly decode base64 text onto \p out (all or nothing). */
mw_status mwi_pop3_b64_decode(const char *in, size_t len, mw_buf *out);

#endif /* MW_POP3_INT_H */
