/* Clock and randomness for hosted systems. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "mw_int.h"
#include "net/net_int.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), for the difference
 * between a local and a UTC broken-down time. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t tm_seconds(const struct tm *tm)
{
    int64_t days = days_from_civil((int64_t)tm->tm_year + 1900, tm->tm_mon + 1,
                                   tm->tm_mday);
    return ((days * 24 + tm->tm_hour) * 60 + tm->tm_min) * 60 + tm->tm_sec;
}

/* Local broken-down time of \p now and the zone offset in minutes. */
static int local_time(time_t now, struct tm *local, int16_t *zone)
{
    struct tm utc;
    if (!localtime_r(&now, local) || !gmtime_r(&now, &utc))
        return -1;
    int64_t diff = (tm_seconds(local) - tm_seconds(&utc)) / 60;
    if (diff < -5999 || diff > 5999)
        return -1;
    *zone = (int16_t)diff;
    return 0;
}

mw_status mw_net_now_unix(int64_t *t_out, int16_t *zone_minutes_out)
{
    time_t now = time(NULL);
    if (now == (time_t)-1)
        return MW_E_IO;
    struct tm local;
    int16_t zone = 0;
    if (local_time(now, &local, &zone) < 0)
        return MW_E_IO;
    if (t_out)
        *t_out = (int64_t)now;
    if (zone_minutes_out)
        *zone_minutes_out = zone;
    return MW_OK;
}

#if MW_HAVE_MSG
mw_status mw_net_now(mw_datetime *dt_out)
{
    if (!dt_out)
        return MW_E_ARG;
    time_t now = time(NULL);
    struct tm tm;
    int16_t zone = 0;
    if (now == (time_t)-1 || local_time(now, &tm, &zone) < 0)
        return MW_E_IO;
    memset(dt_out, 0, sizeof(*dt_out));
    dt_out->year = (int32_t)tm.tm_year + 1900;
    dt_out->month = (uint8_t)(tm.tm_mon + 1);
    dt_out->day = (uint8_t)tm.tm_mday;
    dt_out->hour = (uint8_t)tm.tm_hour;
    dt_out->minute = (uint8_t)tm.tm_min;
    dt_out->second = (uint8_t)tm.tm_sec;
    dt_out->weekday = (uint8_t)tm.tm_wday;
    dt_out->zone_minutes = zone;
    return MW_OK;
}
#endif

uint64_t mw_net_monotonic_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static mw_status urandom(unsigned char *p, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MW_E_IO;
    while (n > 0) {
        ssize_t got = read(fd, p, n);
        if (got <= 0) {
            if (got < 0 && errno == EINTR)
                continue;
            close(fd);
            return MW_E_IO;
        }
        p += got;
        n -= (size_t)got;
    }
    close(fd);
    return MW_OK;
}

mw_status mw_net_random(void *buf, size_t n)
{
    if (!buf)
        return n == 0 ? MW_OK : MW_E_ARG;
    unsigned char *p = buf;
#if defined(__linux__)
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break; /* e.g. ENOSYS on an old kernel: fall back to the file */
        }
        p += got;
        n -= (size_t)got;
    }
#endif
    return n == 0 ? MW_OK : urandom(p, n);
}
