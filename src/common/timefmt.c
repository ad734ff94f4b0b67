/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 and Unix-seconds times <-> milliseconds since the epoch. The civil-calendar
 * conversion counts days in 400-year eras of 146097 days (the Gregorian cycle), with years
 * starting in March so that the leap day is the last day of its year. */
#include "common/timefmt.h"

#include <stdio.h>
#include <time.h>

#define MS_PER_DAY 86400000LL
#define MAX_MS 253402300800000LL /* 10000-01-01T00:00:00Z */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;                                  /* [0, 399] */
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365], March-based */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;                    /* 719468: 0000-03-01 to 1970 */
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int64_t m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* n decimal digits at s[*i], advancing *i; -1 when any is not a digit or input ends. */
static int64_t digits(const char *s, size_t len, size_t *i, size_t n)
{
    int64_t v = 0;
    for (size_t k = 0; k < n; k++, (*i)++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9') {
            return -1;
        }
        v = v * 10 + (s[*i] - '0');
    }
    return v;
}

static int expect(const char *s, size_t len, size_t *i, char a, char b)
{
    if (*i < len && (s[*i] == a || s[*i] == b)) {
        (*i)++;
        return 1;
    }
    return 0;
}

static postq_err parse_unix(int64_t *ms, const char *s, size_t len)
{
    size_t i = 0;
    int64_t v;

    if (len == 0 || len > 12) {
        return POSTQ_E_MALFORMED;
    }
    v = digits(s, len, &i, len);
    if (v < 0 || v * 1000 >= MAX_MS) {
        return POSTQ_E_MALFORMED;
    }
    *ms = v * 1000;
    return POSTQ_OK;
}

postq_err postq_time_parse(int64_t *ms, const char *s, size_t len)
{
    size_t i = 0;
    int64_t y, mo, d, h, mi, sec, frac = 0, off = 0, t;
    int is_digits = 1;

    if (ms == NULL || s == NULL) {
        return POSTQ_E_ARG;
    }
    *ms = 0;
    for (size_t k = 0; k < len; k++) {
        is_digits &= s[k] >= '0' && s[k] <= '9';
    }
    if (is_digits) {
        return parse_unix(ms, s, len);
    }
    y = digits(s, len, &i, 4);
    if (y < 0 || !expect(s, len, &i, '-', '-')) {
        return POSTQ_E_MALFORMED;
    }
    mo = digits(s, len, &i, 2);
    if (mo < 0 || !expect(s, len, &i, '-', '-')) {
        return POSTQ_E_MALFORMED;
    }
    d = digits(s, len, &i, 2);
    if (d < 0 || !expect(s, len, &i, 'T', 't')) {
        return POSTQ_E_MALFORMED;
    }
    h = digits(s, len, &i, 2);
    if (h < 0 || !expect(s, len, &i, ':', ':')) {
        return POSTQ_E_MALFORMED;
    }
    mi = digits(s, len, &i, 2);
    if (mi < 0 || !expect(s, len, &i, ':', ':')) {
        return POSTQ_E_MALFORMED;
    }
    sec = digits(s, len, &i, 2);
    if (sec < 0) {
        return POSTQ_E_MALFORMED;
    }
    if (expect(s, len, &i, '.', '.')) {
        size_t n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n < 3) {
                frac = frac * 10 + (s[i] - '0');
            }
            n++;
            i++;
        }
        if (n == 0) {
            return POSTQ_E_MALFORMED;
        }
        for (; n < 3; n++) {
            frac *= 10;
        }
    }
    if (!expect(s, len, &i, 'Z', 'z')) {
        int sign = 0;
        int64_t oh, om;
        if (expect(s, len, &i, '+', '+')) {
            sign = 1;
        } else if (expect(s, len, &i, '-', '-')) {
            sign = -1;
        } else {
            return POSTQ_E_MALFORMED;
        }
        oh = digits(s, len, &i, 2);
        if (oh < 0 || !expect(s, len, &i, ':', ':')) {
            return POSTQ_E_MALFORMED;
        }
        om = digits(s, len, &i, 2);
        if (om < 0 || oh > 23 || om > 59) {
            return POSTQ_E_MALFORMED;
        }
        off = sign * (oh * 60 + om) * 60000;
    }
    if (i != len || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || sec > 59) {
        return POSTQ_E_MALFORMED;
    }
    t = days_from_civil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + sec) * 1000 + frac - off;
    if (t < 0 || t >= MAX_MS) {
        return POSTQ_E_MALFORMED;
    }
    *ms = t;
    return POSTQ_OK;
}

postq_err postq_time_format(char *out, size_t out_cap, int64_t ms)
{
    int y, m, d, n;
    int64_t days, rem;

    if (out == NULL || ms < 0 || ms >= MAX_MS) {
        return POSTQ_E_ARG;
    }
    days = ms / MS_PER_DAY;
    rem = ms % MS_PER_DAY;
    civil_from_days(days, &y, &m, &d);
    if (rem % 1000 == 0) {
        n = snprintf(out, out_cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                     (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60));
    } else {
        n = snprintf(out, out_cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
                     (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
                     (int)(rem % 1000));
    }
    if (n < 0 || (size_t)n >= out_cap) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return POSTQ_E_LENGTH;
    }
    return POSTQ_OK;
}

int64_t postq_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
