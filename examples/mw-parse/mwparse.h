/* Private declarations shared by the files of mw-parse. */
#ifndef MW_PARSE_H
#define MW_PARSE_H

#include <stddef.h>

#include "mailwire/mailwire.h"

/* Options that change what one message's JSON line holds. */
typedef struct mwp_options {
    size_t chunk; /* Bytes fed per call; 0 means the whole input. */
    int defects;  /* Add the "defects" list to every part. */
    const mw_charset_hook *hook;
} mwp_options;

/* Append \p s as a JSON string (quotes included) the way Python's
 * json.dumps(ensure_ascii=False) writes it; invalid UTF-8 becomes U+FFFD.
 * A NULL \p s with length 0 is written as null. */
mw_status mwp_json_string(mw_buf *out, const char *s, size_t len);

/* Parse one message and append its JSON line (with "\n") to \p out.
 * Returns 0, or EX_DATAERR / EX_OSERR after a diagnostic. */
int mwp_message_json(const char *msg, size_t len, const mwp_options *opt,
                     mw_buf *out);

/* Call \p each for every message of an mboxrd file, with ">From "
 * quoting undone. Returns 0, EX_DATAERR (no leading "From " line) or the
 * first non-zero value \p each returned. */
int mwp_mbox_split(const char *data, size_t len,
                   int (*each)(void *ud, const char *msg, size_t len),
                   void *ud);

/* The iconv-based converter for charsets mailwire does not build in. */
mw_status mwp_iconv_to_utf8(void *ud, const char *charset, size_t charset_len,
                            const char *bytes, size_t len, mw_buf *utf8_out);

#endif
