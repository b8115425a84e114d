/* RFC 3339 date-time parsing and formatting, without the C library's time zone state. */
#include "core/codec.h"

#include <stdio.h>
#include <time.h>

/* spec: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil */
int64_t uat_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (int64_t)(m > 2 ? m - 3 : m + 9);
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Reads exactly n decimal digits at s[*i]. */
static int digits(const char *s, size_t slen, size_t *i, size_t n, unsigned *out)
{
    unsigned v = 0;
    if (n > slen - *i) {
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        char c = s[*i + k];
        if (c < '0' || c > '9') {
            return 0;
        }
        v = v * 10 + (unsigned)(c - '0');
    }
    *i += n;
    *out = v;
    return 1;
}

static int expect(const char *s, size_t slen, size_t *i, const char *set)
{
    if (*i >= slen) {
        return 0;
    }
    for (; *set != '\0'; set++) {
        if (s[*i] == *set) {
            (*i)++;
            return 1;
        }
    }
    return 0;
}

static uat_err bad_time(size_t at, const char *why)
{
    return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "rfc3339", "", (int64_t)at, "%s", why);
}

/* Parses the zone: Z or +HH:MM / -HH:MM, into seconds east of UTC. */
static uat_err parse_zone(const char *s, size_t slen, size_t *i, int64_t *offset)
{
    if (expect(s, slen, i, "Zz")) {
        *offset = 0;
        return UAT_OK;
    }
    if (*i >= slen || (s[*i] != '+' && s[*i] != '-')) {
        return bad_time(*i, "expected Z or a numeric offset");
    }
    int64_t sign = s[(*i)++] == '-' ? -1 : 1;
    unsigned oh, om;
    if (!digits(s, slen, i, 2, &oh) || !expect(s, slen, i, ":") || !digits(s, slen, i, 2, &om) ||
        oh > 23 || om > 59) {
        return bad_time(*i, "bad time zone offset");
    }
    *offset = sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
    return UAT_OK;
}

uat_err uat_time_parse(const char *s, size_t slen, uat_time *out)
{
    size_t i = 0;
    unsigned y, mo, d, h, mi, se;
    if (!digits(s, slen, &i, 4, &y) || !expect(s, slen, &i, "-") || !digits(s, slen, &i, 2, &mo) ||
        !expect(s, slen, &i, "-") || !digits(s, slen, &i, 2, &d)) {
        return bad_time(i, "expected YYYY-MM-DD");
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
        return bad_time(i, "the date does not exist");
    }
    if (!expect(s, slen, &i, "Tt") || !digits(s, slen, &i, 2, &h) || !expect(s, slen, &i, ":") ||
        !digits(s, slen, &i, 2, &mi) || !expect(s, slen, &i, ":") || !digits(s, slen, &i, 2, &se)) {
        return bad_time(i, "expected THH:MM:SS");
    }
    /* spec: RFC 3339 §5.6 allows second 60 (leap second); it counts as the next second */
    if (h > 23 || mi > 59 || se > 60) {
        return bad_time(i, "the time of day does not exist");
    }
    if (i < slen && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < slen && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == start) {
            return bad_time(i, "empty fraction of a second");
        }
    }
    int64_t offset = 0;
    UAT_TRY(parse_zone(s, slen, &i, &offset));
    if (i != slen) {
        return bad_time(i, "trailing characters after the time");
    }
    int64_t days = uat_days_from_civil(y, mo, d);
    int64_t t = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + (int64_t)se - offset;
    /* spec: RFC 3339 §5.7: a leap second is the last second of a UTC day (23:59:60Z) */
    if (se == 60 && (t - 1) % 86400 != 86399 && (t - 1) % 86400 != -1) {
        return bad_time(i, "second 60 is only valid at 23:59:60 UTC");
    }
    *out = t;
    return UAT_OK;
}

uat_err uat_time_format(uat_time t, char out[32])
{
    /* 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z; also keeps UAT_TIME_UNCHECKED out of the
     * arithmetic below */
    if (t < -62167219200LL || t > 253402300799LL) {
        return UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, "rfc3339.format", "", -1);
    }
    int64_t days = t / 86400 - (t % 86400 < 0); /* floor division, no negation overflow */
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        return UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, "rfc3339.format", "", -1);
    }
    snprintf(out, 32, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return UAT_OK;
}

uat_time uat_time_now(void)
{
    return (uat_time)time(NULL);
}
