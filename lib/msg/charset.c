/* Built-in charsets (UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15,
 * Windows-1252) to UTF-8, the caller's hook for the rest, and UTF-8
 * repair. */
#include <string.h>

#include "msg_int.h"

int mwi_is_atext(uint8_t c)
{
    if (c >= 0x80)
        return 1;
    if (mwi_is_alpha(c) || mwi_is_digit(c))
        return 1;
    return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

int mwi_ieq(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n != len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (mwi_lower((unsigned char)s[i]) != mwi_lower((unsigned char)lit[i]))
            return 0;
    return 1;
}

int mwi_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = mwi_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 if invalid. */
static size_t utf8_seq_len(const uint8_t *s, size_t len)
{
    uint8_t c = s[0];
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c == 0xE0)
        lo = 0xA0; /* overlong */
    else if (c == 0xED)
        hi = 0x9F; /* surrogates */
    else if (c == 0xF0)
        lo = 0x90; /* overlong */
    else if (c == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static size_t count_invalid_utf8(const uint8_t *s, size_t len)
{
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq_len(s + i, len - i);
        if (n == 0) {
            bad++;
            n = 1;
        }
        i += n;
    }
    return bad;
}

mw_status mw_utf8_sanitize(const char *bytes, size_t len, mw_buf *out,
                           size_t *replaced_out)
{
    if (!out || (!bytes && len))
        return MW_E_ARG;
    const uint8_t *s = (const uint8_t *)bytes;
    size_t bad = count_invalid_utf8(s, len);
    if (replaced_out)
        *replaced_out = bad;
    if (bad == 0)
        return mw_buf_append(out, bytes, len);
    mw_status st = mw_buf_reserve(out, len + 2 * bad);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq_len(s + i, len - i);
        if (n == 0) {
            memcpy(w, "\xEF\xBF\xBD", 3);
            w += 3;
            i++;
            continue;
        }
        memcpy(w, s + i, n);
        w += n;
        i += n;
    }
    out->len = (size_t)(w - out->data);
    return MW_OK;
}

/* Windows-1252 0x80..0x9F. The five positions Windows leaves undefined
 * map to the C1 control of the same value, as the WHATWG encoding
 * standard does, rather than to U+FFFD: no byte is lost. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

enum single_byte_cs { CS_ASCII, CS_LATIN1, CS_LATIN9, CS_CP1252 };

/* Code point of byte c; 0xFFFD for bytes the charset does not define. */
static uint32_t single_byte_cp(enum single_byte_cs cs, uint8_t c)
{
    if (c < 0x80)
        return c;
    if (cs == CS_ASCII)
        return 0xFFFD;
    if (cs == CS_CP1252 && c < 0xA0)
        return cp1252_high[c - 0x80];
    if (cs == CS_LATIN9 || cs == CS_CP1252) {
        /* The eight places where ISO-8859-15 differs from Latin-1; only
         * Latin-9 has them above 0xA0 (Windows-1252 is Latin-1 there). */
        static const uint8_t at[8] = {0xA4, 0xA6, 0xA8, 0xB4,
                                      0xB8, 0xBC, 0xBD, 0xBE};
        static const uint16_t cp[8] = {0x20AC, 0x0160, 0x0161, 0x017D,
                                       0x017E, 0x0152, 0x0153, 0x0178};
        for (size_t i = 0; cs == CS_LATIN9 && i < 8; i++)
            if (at[i] == c)
                return cp[i];
    }
    return c;
}

static size_t utf8_put(uint32_t cp, char *w)
{
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | (cp >> 6));
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    w[0] = (char)(0xE0 | (cp >> 12));
    w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    w[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

static mw_status single_byte_to_utf8(enum single_byte_cs cs, const char *bytes,
                                     size_t len, mw_buf *out)
{
    const uint8_t *s = (const uint8_t *)bytes;
    char tmp[3];
    size_t need = 0;
    if (len == 0)
        return MW_OK;
    for (size_t i = 0; i < len; i++)
        need += utf8_put(single_byte_cp(cs, s[i]), tmp);
    mw_status st = mw_buf_reserve(out, need);
    if (st != MW_OK)
        return st;
    char *w = out->data + out->len;
    for (size_t i = 0; i < len; i++)
        w += utf8_put(single_byte_cp(cs, s[i]), w);
    out->len += need;
    return MW_OK;
}

static int name_in(const char *cs, size_t len, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (mwi_ieq(cs, len, names[i]))
            return 1;
    return 0;
}

/* Returns the built-in charset of a name: 0 for UTF-8, 1 + single_byte_cs
 * for the others, -1 when not built in. */
static int builtin_charset(const char *cs, size_t len)
{
    static const char *const utf8[] = {"utf-8", "utf8", NULL};
    static const char *const ascii[] = {"us-ascii", "ascii", "ansi_x3.4-1968",
                                        "us", NULL};
    static const char *const latin1[] = {
        "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1",
        "l1",         "cp819",     "iso-ir-100", "ibm819", NULL};
    static const char *const latin9[] = {
        "iso-8859-15", "iso8859-15", "iso_8859-15", "latin-9",
        "latin9",      "l9",         NULL};
    static const char *const cp1252[] = {"windows-1252", "cp1252", "x-cp1252",
                                         NULL};
    if (name_in(cs, len, utf8))
        return 0;
    if (name_in(cs, len, ascii))
        return 1 + CS_ASCII;
    if (name_in(cs, len, latin1))
        return 1 + CS_LATIN1;
    if (name_in(cs, len, latin9))
        return 1 + CS_LATIN9;
    if (name_in(cs, len, cp1252))
        return 1 + CS_CP1252;
    return -1;
}

/* The hook's output is not trusted: invalid UTF-8 is repaired. */
static mw_status call_hook(const char *cs, size_t cs_len, const char *bytes,
                           size_t len, const mw_charset_hook *hook, mw_buf *out)
{
    size_t start = out->len;
    if (!hook || !hook->fn)
        return MW_E_UNSUPPORTED;
    mw_status st = hook->fn(hook->ud, cs, cs_len, bytes, len, out);
    if (st != MW_OK) {
        mwi_out_truncate(out, start);
        return (st == MW_E_NOSPACE || st == MW_E_NOMEM) ? st : MW_E_UNSUPPORTED;
    }
    size_t got = out->len - start;
    if (count_invalid_utf8((const uint8_t *)mwi_at(out, start), got) == 0)
        return MW_OK;
    /* Room first, so the repair does not move the bytes it reads. */
    st = mw_buf_reserve(out, 3 * got);
    if (st != MW_OK) {
        mwi_out_truncate(out, start);
        return st;
    }
    size_t mid = out->len;
    st = mw_utf8_sanitize(out->data + start, got, out, NULL);
    if (st != MW_OK) {
        mwi_out_truncate(out, start);
        return st;
    }
    mwi_out_move_tail(out, start, mid);
    return MW_OK;
}

mw_status mw_charset_to_utf8(const char *charset, size_t charset_len,
                             const char *bytes, size_t len,
                             const mw_charset_hook *hook, mw_buf *out)
{
    if (!out || (!charset && charset_len) || (!bytes && len))
        return MW_E_ARG;
    int cs = builtin_charset(charset, charset_len);
    if (cs == 0)
        return mw_utf8_sanitize(bytes, len, out, NULL);
    if (cs > 0)
        return single_byte_to_utf8((enum single_byte_cs)(cs - 1), bytes, len,
                                   out);
    return call_hook(charset, charset_len, bytes, len, hook, out);
}

int mwi_charset_replaces(const char *cs, size_t cs_len, const char *bytes,
                         size_t len)
{
    int which = builtin_charset(cs, cs_len);
    if (which == 0)
        return count_invalid_utf8((const uint8_t *)bytes, len) != 0;
    if (which == 1 + CS_ASCII)
        for (size_t i = 0; i < len; i++)
            if ((uint8_t)bytes[i] >= 0x80)
                return 1;
    return 0;
}
