/* RFC 5322 date-time: parsing (3.3 and the obsolete forms of 4.3),
 * formatting, and conversion to and from Unix time by pure arithmetic. */
#include <string.h>

#include "msg_int.h"

#define YEAR_MAX 9999
#define ZONE_MAX (99 * 60 + 59)
#define UNIX_MIN (-62167219200LL)  /* 0000-01-01T00:00:00Z */
#define UNIX_MAX (253402300799LL)  /* 9999-12-31T23:59:59Z */
#define DAYS_0000_TO_1970 719468LL /* days from 0000-03-01 to 1970-01-01 */

static const char *const month_names[12] = {"jan", "feb", "mar", "apr",
                                            "may", "jun", "jul", "aug",
                                            "sep", "oct", "nov", "dec"};
static const char *const month_full[12] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
static const char *const day_names[7] = {"sun", "mon", "tue", "wed",
                                         "thu", "fri", "sat"};
static const char *const day_full[7] = {"sunday",    "monday",   "tuesday",
                                        "wednesday", "thursday", "friday",
                                        "saturday"};

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const uint8_t dim[12] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. Counting years from
 * March puts the leap day last, so each 400-year era has a fixed shape. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = m > 2 ? m - 3 : m + 9; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - DAYS_0000_TO_1970;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += DAYS_0000_TO_1970;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static uint8_t weekday_of(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (uint8_t)(w < 0 ? w + 7 : w);
}

static int fields_valid(const mw_datetime *dt)
{
    if (dt->year < 0 || dt->year > YEAR_MAX || dt->month < 1 ||
        dt->month > 12 || dt->day < 1)
        return 0;
    if (dt->day > days_in_month(dt->year, dt->month) || dt->hour > 23 ||
        dt->minute > 59 || dt->second > 60)
        return 0;
    if (dt->zone_minutes > ZONE_MAX || dt->zone_minutes < -ZONE_MAX)
        return 0;
    return dt->weekday <= 6 || dt->weekday == MW_DT_WEEKDAY_NONE;
}

mw_status mw_datetime_to_unix(const mw_datetime *dt, int64_t *t_out)
{
    if (!dt || !t_out || !fields_valid(dt))
        return MW_E_ARG;
    int64_t days = days_from_civil(dt->year, dt->month, dt->day);
    *t_out = days * 86400 + dt->hour * 3600 + dt->minute * 60 + dt->second -
             (int64_t)dt->zone_minutes * 60;
    return MW_OK;
}

mw_status mw_datetime_from_unix(int64_t t, int16_t zone_minutes,
                                mw_datetime *dt_out)
{
    if (!dt_out || zone_minutes > ZONE_MAX || zone_minutes < -ZONE_MAX ||
        t < UNIX_MIN + ZONE_MAX * 60 || t > UNIX_MAX - ZONE_MAX * 60)
        return MW_E_ARG;
    int64_t local = t + (int64_t)zone_minutes * 60;
    int64_t days = floor_div(local, 86400), secs = local - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    memset(dt_out, 0, sizeof(*dt_out));
    dt_out->year = (int32_t)y;
    dt_out->month = (uint8_t)m;
    dt_out->day = (uint8_t)d;
    dt_out->hour = (uint8_t)(secs / 3600);
    dt_out->minute = (uint8_t)(secs / 60 % 60);
    dt_out->second = (uint8_t)(secs % 60);
    dt_out->weekday = weekday_of(days);
    dt_out->zone_minutes = zone_minutes;
    return MW_OK;
}

/* ---- formatting ---- */

static char *put_num(char *w, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        w[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return w + width;
}

static char *put_str(char *w, const char *s)
{
    size_t n = strlen(s);
    memcpy(w, s, n);
    return w + n;
}

static char *put_zone(char *w, const mw_datetime *dt, int iso)
{
    int z = dt->zone_minutes;
    int unknown = z == 0 && (dt->flags & MW_DT_ZONE_UNKNOWN);
    *w++ = (z < 0 || (unknown && !iso)) ? '-' : '+';
    z = z < 0 ? -z : z;
    w = put_num(w, z / 60, 2);
    if (iso)
        *w++ = ':';
    return put_num(w, z % 60, 2);
}

mw_status mw_datetime_format_rfc5322(const mw_datetime *dt, mw_buf *out)
{
    char tmp[40], *w = tmp;
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};
    static const char *const day[7] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    if (!dt || !out || !fields_valid(dt))
        return MW_E_ARG;
    if (dt->weekday <= 6) {
        w = put_str(w, day[dt->weekday]);
        w = put_str(w, ", ");
    }
    w = put_num(w, dt->day, 2);
    *w++ = ' ';
    w = put_str(w, mon[dt->month - 1]);
    *w++ = ' ';
    w = put_num(w, dt->year, 4);
    *w++ = ' ';
    w = put_num(w, dt->hour, 2);
    *w++ = ':';
    w = put_num(w, dt->minute, 2);
    *w++ = ':';
    w = put_num(w, dt->second, 2);
    *w++ = ' ';
    w = put_zone(w, dt, 0);
    return mw_buf_append(out, tmp, (size_t)(w - tmp));
}

mw_status mw_datetime_format_iso8601(const mw_datetime *dt, mw_buf *out)
{
    char tmp[32], *w = tmp;
    if (!dt || !out || !fields_valid(dt))
        return MW_E_ARG;
    w = put_num(w, dt->year, 4);
    *w++ = '-';
    w = put_num(w, dt->month, 2);
    *w++ = '-';
    w = put_num(w, dt->day, 2);
    *w++ = 'T';
    w = put_num(w, dt->hour, 2);
    *w++ = ':';
    w = put_num(w, dt->minute, 2);
    *w++ = ':';
    w = put_num(w, dt->second, 2);
    w = put_zone(w, dt, 1);
    return mw_buf_append(out, tmp, (size_t)(w - tmp));
}

/* ---- parsing ---- */

enum { DT_END, DT_NUM, DT_WORD, DT_CHAR };

typedef struct dt_tok {
    int kind;
    const char *p;
    size_t len;
} dt_tok;

typedef struct dt_lex {
    const char *s;
    size_t len, pos;
} dt_lex;

/* Whitespace and comments (obsolete syntax allows CFWS between all
 * tokens); nesting is a counter, an unclosed comment runs to the end. */
static void dt_skip_cfws(dt_lex *l)
{
    size_t depth = 0;
    for (; l->pos < l->len; l->pos++) {
        char c = l->s[l->pos];
        if (depth == 0 && !mwi_is_fws((unsigned char)c) && c != '(')
            return;
        if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        else if (c == '\\' && depth > 0)
            l->pos++;
    }
    if (l->pos > l->len)
        l->pos = l->len;
}

static void dt_next(dt_lex *l, dt_tok *t)
{
    dt_skip_cfws(l);
    t->p = l->s + l->pos;
    t->len = 0;
    if (l->pos >= l->len) {
        t->kind = DT_END;
        return;
    }
    unsigned char c = (unsigned char)l->s[l->pos];
    t->kind = mwi_is_digit(c) ? DT_NUM : mwi_is_alpha(c) ? DT_WORD : DT_CHAR;
    if (t->kind == DT_CHAR) {
        t->len = 1;
        l->pos++;
        return;
    }
    while (l->pos < l->len &&
           (t->kind == DT_NUM ? mwi_is_digit((unsigned char)l->s[l->pos])
                              : mwi_is_alpha((unsigned char)l->s[l->pos]))) {
        l->pos++;
        t->len++;
    }
}

static void dt_peek(const dt_lex *l, dt_tok *t)
{
    dt_lex copy = *l;
    dt_next(&copy, t);
}

static int is_char(const dt_tok *t, char c)
{
    return t->kind == DT_CHAR && t->p[0] == c;
}

/* Value of a number token of min..max digits, or -1. */
static int32_t dt_number(const dt_tok *t, size_t min, size_t max)
{
    int32_t v = 0;
    if (t->kind != DT_NUM || t->len < min || t->len > max)
        return -1;
    for (size_t i = 0; i < t->len; i++)
        v = v * 10 + (t->p[i] - '0');
    return v;
}

/* Case-insensitive index of a word among abbreviations or full names. */
static int dt_lookup(const dt_tok *t, const char *const *abbr,
                     const char *const *full, int count)
{
    for (int i = 0; t->kind == DT_WORD && i < count; i++)
        if (mwi_ieq(t->p, t->len, abbr[i]) || mwi_ieq(t->p, t->len, full[i]))
            return i;
    return -1;
}

static int parse_weekday(dt_lex *l, mw_datetime *dt)
{
    dt_tok t;
    dt_peek(l, &t);
    if (t.kind != DT_WORD) {
        dt->flags |= MW_DT_NO_WEEKDAY;
        return 1;
    }
    int wd = dt_lookup(&t, day_names, day_full, 7);
    if (wd < 0)
        return 0;
    dt_next(l, &t);
    dt->weekday = (uint8_t)wd;
    dt_peek(l, &t);
    if (is_char(&t, ','))
        dt_next(l, &t); /* the comma is optional: tolerated when missing */
    return 1;
}

/* RFC 5322 4.3: 2-digit years 00-49 are 20xx, 50-99 are 19xx; 3-digit
 * years add 1900. */
static int parse_year(dt_lex *l, mw_datetime *dt)
{
    dt_tok t;
    dt_next(l, &t);
    int32_t y = dt_number(&t, 2, 4);
    if (y < 0)
        return 0;
    if (t.len == 2)
        y += y < 50 ? 2000 : 1900;
    else if (t.len == 3)
        y += 1900;
    if (t.len < 4)
        dt->flags |= MW_DT_OBS_YEAR;
    dt->year = y;
    return 1;
}

static int parse_date(dt_lex *l, mw_datetime *dt)
{
    dt_tok t;
    dt_next(l, &t);
    int32_t day = dt_number(&t, 1, 2);
    dt_next(l, &t);
    int mon = dt_lookup(&t, month_names, month_full, 12);
    if (day < 1 || mon < 0 || !parse_year(l, dt))
        return 0;
    dt->day = (uint8_t)day;
    dt->month = (uint8_t)(mon + 1);
    return day <= days_in_month(dt->year, dt->month);
}

/* hh:mm[:ss]; a '.' for a ':' is tolerated (seen from old mailers). */
static int parse_hms_sep(dt_lex *l, mw_datetime *dt)
{
    dt_tok t;
    dt_peek(l, &t);
    if (is_char(&t, '.'))
        dt->flags |= MW_DT_IRREGULAR;
    if (!is_char(&t, ':') && !is_char(&t, '.'))
        return 0;
    dt_next(l, &t);
    return 1;
}

static int parse_time(dt_lex *l, mw_datetime *dt)
{
    dt_tok t;
    int32_t h, m, s = 0;
    dt_next(l, &t);
    h = dt_number(&t, 1, 2);
    if (h < 0 || !parse_hms_sep(l, dt))
        return 0;
    dt_next(l, &t);
    m = dt_number(&t, 2, 2);
    if (parse_hms_sep(l, dt)) {
        dt_next(l, &t);
        s = dt_number(&t, 2, 2);
    } else {
        dt->flags |= MW_DT_NO_SECONDS;
    }
    if (h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
        return 0;
    dt->hour = (uint8_t)h;
    dt->minute = (uint8_t)m;
    dt->second = (uint8_t)s;
    return 1;
}

static int parse_numeric_zone(dt_lex *l, mw_datetime *dt, int negative)
{
    dt_tok t;
    int32_t hh, mm = 0;
    dt_next(l, &t);
    if (t.kind == DT_NUM && t.len == 4) {
        int32_t v = dt_number(&t, 4, 4);
        hh = v / 100;
        mm = v % 100;
    } else {
        /* "+09:00" is not RFC 5322 but is seen in the wild. */
        hh = dt_number(&t, 1, 2);
        dt->flags |= MW_DT_IRREGULAR;
        dt_peek(l, &t);
        if (hh >= 0 && !is_char(&t, ':')) {
            /* "+NN" has the wrong digit count for a zone: hours to some
             * readers, minutes to others (Python). A zone whose meaning
             * is not known is -0000 (RFC 5322 4.3). */
            dt->zone_minutes = 0;
            dt->flags |= MW_DT_ZONE_UNKNOWN;
            return 1;
        }
        if (hh >= 0) {
            dt_next(l, &t);
            dt_next(l, &t);
            mm = dt_number(&t, 2, 2);
        }
    }
    if (hh < 0 || mm < 0 || mm > 59)
        return 0;
    dt->zone_minutes = (int16_t)((hh * 60 + mm) * (negative ? -1 : 1));
    if (negative && hh == 0 && mm == 0)
        dt->flags |= MW_DT_ZONE_UNKNOWN; /* RFC 5322 3.3: -0000 */
    return 1;
}

static void named_zone(const dt_tok *t, mw_datetime *dt)
{
    static const char *const names[] = {"ut",  "gmt", "utc", "est",
                                        "edt", "cst", "cdt", "mst",
                                        "mdt", "pst", "pdt"};
    static const int16_t offsets[] = {0,    0,    0,    -300, -240, -360,
                                      -300, -420, -360, -480, -420};
    for (size_t i = 0; i < MWI_ARRAY_LEN(names); i++) {
        if (mwi_ieq(t->p, t->len, names[i])) {
            dt->zone_minutes = offsets[i];
            dt->flags |= MW_DT_OBS_ZONE;
            return;
        }
    }
    /* RFC 5322 4.3: military zones were defined with the wrong sign and
     * other names are ambiguous; both mean -0000 (zone unknown). */
    dt->zone_minutes = 0;
    dt->flags |= MW_DT_ZONE_UNKNOWN;
    if (t->len == 1 && mwi_lower((unsigned char)t->p[0]) != 'j')
        dt->flags |= MW_DT_MILITARY_ZONE;
    else
        dt->flags |= MW_DT_OBS_ZONE;
}

static int parse_zone(dt_lex *l, mw_datetime *dt)
{
    dt_tok t;
    dt_next(l, &t);
    if (is_char(&t, '+') || is_char(&t, '-'))
        return parse_numeric_zone(l, dt, t.p[0] == '-');
    if (t.kind == DT_WORD) {
        named_zone(&t, dt);
        return 1;
    }
    /* No zone at all: the time is read as -0000, unknown zone. */
    dt->flags |= MW_DT_NO_ZONE | MW_DT_ZONE_UNKNOWN;
    if (t.kind != DT_END)
        dt->flags |= MW_DT_IRREGULAR;
    return 1;
}

static void check_weekday(mw_datetime *dt)
{
    if (dt->weekday == MW_DT_WEEKDAY_NONE)
        return;
    int64_t days = days_from_civil(dt->year, dt->month, dt->day);
    if (weekday_of(days) != dt->weekday)
        dt->flags |= MW_DT_WEEKDAY_MISMATCH;
}

mw_status mw_datetime_parse(const char *value, size_t len, mw_datetime *dt_out)
{
    mw_datetime dt;
    dt_lex l = {value, value ? len : 0, 0};
    dt_tok t;
    if (!dt_out || (!value && len))
        return MW_E_ARG;
    memset(&dt, 0, sizeof(dt));
    dt.weekday = MW_DT_WEEKDAY_NONE;
    if (!parse_weekday(&l, &dt) || !parse_date(&l, &dt) ||
        !parse_time(&l, &dt) || !parse_zone(&l, &dt))
        return MW_E_SYNTAX;
    dt_next(&l, &t);
    if (t.kind != DT_END)
        dt.flags |= MW_DT_IRREGULAR; /* trailing text is ignored */
    check_weekday(&dt);
    *dt_out = dt;
    return MW_OK;
}
