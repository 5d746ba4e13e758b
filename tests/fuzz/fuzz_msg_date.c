/* Date parser: no crash; when a date parses, its RFC 5322 form parses
 * to the same date, its ISO form is written, and Unix time converts
 * back to the same fields. */
#include <string.h>

#include "fuzz_util.h"
#include "mailwire/core.h"
#include "mailwire/msg.h"

static int same_moment(const mw_datetime *a, const mw_datetime *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day &&
           a->hour == b->hour && a->minute == b->minute &&
           a->second == b->second && a->zone_minutes == b->zone_minutes;
}

static void check_unix(const mw_datetime *dt)
{
    int64_t t;
    mw_datetime back;
    FUZZ_CHECK(mw_datetime_to_unix(dt, &t) == MW_OK);
    if (mw_datetime_from_unix(t, dt->zone_minutes, &back) != MW_OK)
        return; /* within 99:59 of year 0 or 9999 */
    if (dt->second != 60) {
        FUZZ_CHECK(same_moment(dt, &back));
        if (!(dt->flags & MW_DT_WEEKDAY_MISMATCH) &&
            dt->weekday != MW_DT_WEEKDAY_NONE)
            FUZZ_CHECK(back.weekday == dt->weekday);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mw_datetime dt, again;
    char mem[64];
    mw_buf out;
    if (mw_datetime_parse((const char *)data, size, &dt) != MW_OK)
        return 0;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    FUZZ_CHECK(mw_datetime_format_rfc5322(&dt, &out) == MW_OK);
    FUZZ_CHECK(mw_datetime_parse(out.data, out.len, &again) == MW_OK);
    FUZZ_CHECK(same_moment(&dt, &again));
    FUZZ_CHECK(again.weekday == dt.weekday);
    FUZZ_CHECK((again.flags & MW_DT_ZONE_UNKNOWN) ==
                   (dt.flags & MW_DT_ZONE_UNKNOWN) ||
               dt.zone_minutes != 0);
    mw_buf_clear(&out);
    FUZZ_CHECK(mw_datetime_format_iso8601(&dt, &out) == MW_OK);
    FUZZ_CHECK(out.len == 25);
    check_unix(&dt);
    return 0;
}
