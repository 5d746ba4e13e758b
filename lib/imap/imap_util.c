/* IMAP helpers: sequence sets, date / date-time, mailbox names. */
#include <string.h>

#include "imap_int.h"
#include "mw_int.h"

/* ------------------------------------------------------------------ */
/* Sequence sets                                                       */
/* ------------------------------------------------------------------ */

/* seq-number = nz-number / "*"; returns the index after it or 0. */
static size_t seq_number(const char *s, size_t len, size_t i, uint32_t *out)
{
    if (i < len && s[i] == '*') {
        *out = 0;
        return i + 1;
    }
    if (i >= len || s[i] < '1' || s[i] > '9')
        return 0;
    uint64_t n = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        n = n * 10 + (uint64_t)(s[i] - '0');
        if (n > UINT32_MAX)
            return 0;
        i++;
    }
    *out = (uint32_t)n;
    return i;
}

mw_status mw_imap_seqset_parse(const char *s, size_t len, mw_imap_range *ranges,
                               size_t max, size_t *n_out, int *dollar_out)
{
    if (!n_out || (!s && len))
        return MW_E_ARG;
    *n_out = 0;
    if (dollar_out)
        *dollar_out = 0;
    if (len == 1 && s[0] == '$') {
        if (dollar_out)
            *dollar_out = 1;
        return MW_OK;
    }
    size_t i = 0, n = 0;
    for (;;) {
        mw_imap_range r;
        size_t j = seq_number(s, len, i, &r.lo);
        if (!j)
            return MW_E_SYNTAX;
        r.hi = r.lo;
        if (j < len && s[j] == ':') {
            j = seq_number(s, len, j + 1, &r.hi);
            if (!j)
                return MW_E_SYNTAX;
        }
        if (ranges) {
            if (n >= max)
                return MW_E_LIMIT;
            ranges[n] = r;
        }
        n++;
        i = j;
        if (i == len)
            break;
        if (s[i] != ',')
            return MW_E_SYNTAX;
        i++;
    }
    *n_out = n;
    return MW_OK;
}

static mw_status write_seq(uint32_t v, mw_buf *out)
{
    char tmp[16];
    size_t n = 0;
    if (v == 0)
        return mw_buf_append_byte(out, '*');
    while (v) {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    }
    char rev[16];
    for (size_t k = 0; k < n; k++)
        rev[k] = tmp[n - 1 - k];
    return mw_buf_append(out, rev, n);
}

typedef struct seqset_arg {
    const mw_imap_range *ranges;
    size_t n;
} seqset_arg;

static mw_status seqset_to(const void *value, uint32_t flags, mw_buf *out)
{
    const seqset_arg *arg = value;
    mw_status st = MW_OK;
    (void)flags;
    for (size_t i = 0; st == MW_OK && i < arg->n; i++) {
        const mw_imap_range *r = &arg->ranges[i];
        if (i)
            st = mw_buf_append_byte(out, ',');
        if (st == MW_OK)
            st = write_seq(r->lo, out);
        if (st == MW_OK && r->hi != r->lo) {
            st = mw_buf_append_byte(out, ':');
            if (st == MW_OK)
                st = write_seq(r->hi, out);
        }
    }
    return st;
}

mw_status mw_imap_seqset_write(const mw_imap_range *ranges, size_t n,
                               mw_buf *out)
{
    if (!ranges || !n || !out)
        return MW_E_ARG;
    seqset_arg arg = {ranges, n};
    return mwi_imap_write_whole(seqset_to, &arg, 0, out);
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */
/* ------------------------------------------------------------------ */

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int month_of(const char *s)
{
    for (int m = 0; m < 12; m++)
        if (mwi_imap_span_is(s, 3, months[m]))
            return m + 1;
    return 0;
}

static int days_in(unsigned year, unsigned month)
{
    static const unsigned char d[12] = {31, 29, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
    if (month != 2)
        return d[month - 1];
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
}

/* "Mon-yyyy" at s (8 bytes). */
static int month_year(const char *s, mw_imap_datetime *dt)
{
    unsigned y;
    int m = month_of(s);
    if (!m || s[3] != '-' || !digits(s + 4, 4, &y))
        return 0;
    dt->month = (uint8_t)m;
    dt->year = (uint16_t)y;
    return 1;
}

mw_status mw_imap_date_parse(const char *s, size_t len, mw_imap_datetime *dt)
{
    if (!dt || (!s && len))
        return MW_E_ARG;
    memset(dt, 0, sizeof(*dt));
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        s++;
        len -= 2;
    }
    size_t dlen = len == 10 ? 1 : len == 11 ? 2 : 0;
    unsigned day;
    if (!dlen || !digits(s, dlen, &day) || s[dlen] != '-' ||
        !month_year(s + dlen + 1, dt))
        return MW_E_SYNTAX;
    if (day < 1 || (int)day > days_in(dt->year, dt->month))
        return MW_E_SYNTAX;
    dt->day = (uint8_t)day;
    return MW_OK;
}

mw_status mw_imap_datetime_parse(const char *s, size_t len,
                                 mw_imap_datetime *dt)
{
    if (!dt || (!s && len))
        return MW_E_ARG;
    memset(dt, 0, sizeof(*dt));
    /* date-day-fixed is " d" or "dd": 26 bytes in all. */
    if (len != 26)
        return MW_E_SYNTAX;
    unsigned day, h, mi, sec, zh, zm;
    if (s[0] == ' ') {
        if (!digits(s + 1, 1, &day))
            return MW_E_SYNTAX;
    } else if (!digits(s, 2, &day)) {
        return MW_E_SYNTAX;
    }
    if (s[2] != '-' || !month_year(s + 3, dt) || s[11] != ' ' ||
        !digits(s + 12, 2, &h) || s[14] != ':' || !digits(s + 15, 2, &mi) ||
        s[17] != ':' || !digits(s + 18, 2, &sec) || s[20] != ' ' ||
        (s[21] != '+' && s[21] != '-') || !digits(s + 22, 2, &zh) ||
        !digits(s + 24, 2, &zm))
        return MW_E_SYNTAX;
    if (day < 1 || (int)day > days_in(dt->year, dt->month) || h > 23 ||
        mi > 59 || sec > 60 || zm > 59)
        return MW_E_SYNTAX;
    dt->day = (uint8_t)day;
    dt->hour = (uint8_t)h;
    dt->minute = (uint8_t)mi;
    dt->second = (uint8_t)sec;
    dt->has_time = 1;
    int zone = (int)(zh * 60 + zm);
    dt->zone = (int16_t)(s[21] == '-' ? -zone : zone);
    return MW_OK;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

mw_status mw_imap_datetime_write(const mw_imap_datetime *dt, mw_buf *out)
{
    if (!dt || !out || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->year > 9999 || (int)dt->day > days_in(dt->year, dt->month) ||
        dt->hour > 23 || dt->minute > 59 || dt->second > 60 ||
        dt->zone > 5999 || dt->zone < -5999)
        return MW_E_ARG;
    char b[32];
    size_t n = 0;
    const char *mon = months[dt->month - 1];
    if (!dt->has_time) {
        if (dt->day >= 10)
            b[n++] = (char)('0' + dt->day / 10);
        b[n++] = (char)('0' + dt->day % 10);
        b[n++] = '-';
        memcpy(b + n, mon, 3);
        n += 3;
        b[n++] = '-';
        put2(b + n, dt->year / 100u);
        put2(b + n + 2, dt->year % 100u);
        return mw_buf_append(out, b, n + 4);
    }
    int z = dt->zone < 0 ? -dt->zone : dt->zone;
    b[0] = '"';
    put2(b + 1, dt->day);
    b[3] = '-';
    memcpy(b + 4, mon, 3);
    b[7] = '-';
    put2(b + 8, dt->year / 100u);
    put2(b + 10, dt->year % 100u);
    b[12] = ' ';
    put2(b + 13, dt->hour);
    b[15] = ':';
    put2(b + 16, dt->minute);
    b[18] = ':';
    put2(b + 19, dt->second);
    b[21] = ' ';
    b[22] = dt->zone < 0 ? '-' : '+';
    put2(b + 23, (unsigned)z / 60u);
    put2(b + 25, (unsigned)z % 60u);
    b[27] = '"';
    return mw_buf_append(out, b, 28);
}

/* ------------------------------------------------------------------ */
/* Mailbox names                                                       */
/* ------------------------------------------------------------------ */

mw_status mw_imap_mailbox_decode(const char *name, size_t len, int utf8,
                                 mw_buf *out)
{
    if (!out || (!name && len))
        return MW_E_ARG;
    /* INBOX is case-insensitive (RFC 3501 5.1); its hierarchy children
     * are not, so only the exact name is folded. */
    if (mwi_imap_span_is(name, len, "INBOX"))
        return mw_buf_append(out, "INBOX", 5);
    if (utf8) {
        if (!mw_utf8_is_valid(name, len, NULL))
            return MW_E_ENCODING;
        return mw_buf_append(out, name, len);
    }
    return mw_utf7_decode(name, len, out, NULL);
}

mw_status mwi_imap_put_u64(mw_buf *out, uint64_t v)
{
    char tmp[24];
    size_t n = sizeof(tmp);
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return mw_buf_append(out, tmp + n, sizeof(tmp) - n);
}

int mwi_imap_cmd_no_args(uint32_t type)
{
    switch (type) {
    case MW_IMAP_CMD_CAPABILITY:
    case MW_IMAP_CMD_NOOP:
    case MW_IMAP_CMD_LOGOUT:
    case MW_IMAP_CMD_STARTTLS:
    case MW_IMAP_CMD_NAMESPACE:
    case MW_IMAP_CMD_IDLE:
    case MW_IMAP_CMD_CHECK:
    case MW_IMAP_CMD_CLOSE:
    case MW_IMAP_CMD_UNSELECT:
        return 1;
    default:
        return 0;
    }
}

static void wipe_tail(mw_buf *out, size_t from)
{
    if (out->data && out->len > from)
        mwi_wipe(out->data + from, out->len - from);
}

mw_status mwi_imap_write_whole(mwi_imap_writer fn, const void *value,
                               uint32_t flags, mw_buf *out)
{
    size_t mark = out->len;
    mw_status st = fn(value, flags, out);
    if (st == MW_OK)
        return MW_OK;
    wipe_tail(out, mark);
    mw_buf_truncate(out, mark);
    if (st != MW_E_NOSPACE)
        return st;
    /* Out of room: finish the unit elsewhere, so that an invalid value is
     * still reported as such (not as "retry with more room") and a valid
     * one reports its whole size. */
    mw_buf scratch;
    mw_buf_init_growable(&scratch, out->allocator, 0);
    mw_status whole = fn(value, flags, &scratch);
    if (whole == MW_OK)
        (void)mw_buf_reserve(out, scratch.len); /* sets out->needed */
    else
        st = whole;
    wipe_tail(&scratch, 0);
    mw_buf_free(&scratch);
    return st;
}

int mwi_imap_tag_ok(mw_span tag)
{
    if (tag.len == 0 || !tag.ptr)
        return 0;
    for (size_t i = 0; i < tag.len; i++) {
        unsigned char c = (unsigned char)tag.ptr[i];
        if (!mwi_imap_atom_char(c) || c >= 0x80 || c == '+' || c == '%' ||
            c == '*' || c == '\\')
            return 0;
    }
    return 1;
}

int mwi_imap_span_caseeq(mw_span a, mw_span b)
{
    if (a.len != b.len || (a.len && (!a.ptr || !b.ptr)))
        return 0;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.ptr[i];
        unsigned char y = (unsigned char)b.ptr[i];
        if (x >= 'a' && x <= 'z')
            x = (unsigned char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (unsigned char)(y - 32);
        if (x != y)
            return 0;
    }
    return 1;
}
