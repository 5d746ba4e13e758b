/* JSON string output matching Python's json.dumps(ensure_ascii=False). */
#include <stdio.h>

#include "mwparse.h"

static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        return NULL;
    }
}

static mw_status escape_byte(mw_buf *out, unsigned char c)
{
    const char *esc = short_escape(c);
    if (esc)
        return mw_buf_append_str(out, esc);
    if (c < 0x20) {
        char hex[8];
        snprintf(hex, sizeof(hex), "\\u%04x", (unsigned)c);
        return mw_buf_append_str(out, hex);
    }
    return mw_buf_append_byte(out, c);
}

mw_status mwp_json_string(mw_buf *out, const char *s, size_t len)
{
    if (!s)
        return mw_buf_append_str(out, "null");
    mw_buf clean;
    mw_buf_init_growable(&clean, NULL, 0);
    mw_status st = mw_utf8_sanitize(s, len, &clean, NULL);
    if (st == MW_OK)
        st = mw_buf_append_byte(out, '"');
    for (size_t i = 0; st == MW_OK && i < clean.len; i++)
        st = escape_byte(out, (unsigned char)clean.data[i]);
    if (st == MW_OK)
        st = mw_buf_append_byte(out, '"');
    mw_buf_free(&clean);
    return st;
}
