/* SPDX-License-Identifier: Apache-2.0 */
/* Retry-After [RFC 9110 §10.2.3]: delta-seconds or an IMF-fixdate [RFC 9110 §5.6.7], clamped
 * to the caller's cap. The date is rewritten as RFC 3339 so that common/timefmt does the
 * calendar checks and arithmetic. */
#include "sdk/retry_after.h"

#include <string.h>

#include "common/timefmt.h"

#define FIXDATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

static int is_ows(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Digits saturate at cap_s + 1: enough to know the wait is the cap, and no overflow. */
static postq_err delta_seconds(long *ms, const char *v, size_t len, long cap_ms)
{
    long cap_s = cap_ms / 1000, secs = 0;

    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return POSTQ_E_MALFORMED;
        }
        if (secs <= cap_s) {
            secs = secs * 10 + (v[i] - '0');
        }
    }
    *ms = secs > cap_s ? cap_ms : secs * 1000;
    return POSTQ_OK;
}

/* The month's number as two digits, or NULL. */
static const char *month_digits(const char *name)
{
    static const char names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char numbers[12][3] = {"01", "02", "03", "04", "05", "06",
                                        "07", "08", "09", "10", "11", "12"};

    for (size_t i = 0; i < 12; i++) {
        if (memcmp(name, names[i], 3) == 0) {
            return numbers[i];
        }
    }
    return NULL;
}

static postq_err fixdate(long *ms, const char *v, size_t len, int64_t now, long cap_ms)
{
    static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    char rfc3339[21]; /* YYYY-MM-DDThh:mm:ssZ */
    const char *month;
    int64_t at_ms, at, cap_s = cap_ms / 1000;

    if (len != FIXDATE_LEN || memcmp(v + 3, ", ", 2) != 0 || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || memcmp(v + 25, " GMT", 4) != 0) {
        return POSTQ_E_MALFORMED;
    }
    month = month_digits(v + 8);
    if (month == NULL) {
        return POSTQ_E_MALFORMED;
    }
    memcpy(rfc3339, v + 12, 4);
    rfc3339[4] = '-';
    memcpy(rfc3339 + 5, month, 2);
    rfc3339[7] = '-';
    memcpy(rfc3339 + 8, v + 5, 2);
    rfc3339[10] = 'T';
    memcpy(rfc3339 + 11, v + 17, 8); /* hh:mm:ss; timefmt checks the digits and colons */
    rfc3339[19] = 'Z';
    rfc3339[20] = '\0';
    if (postq_time_parse(&at_ms, rfc3339, 20) != POSTQ_OK) {
        return POSTQ_E_MALFORMED;
    }
    at = at_ms / 1000;
    /* 1970-01-01 was a Thursday. */
    if (memcmp(v, days[(at / 86400) % 7], 3) != 0) {
        return POSTQ_E_MALFORMED;
    }
    /* at is within years 1970..9999, so at - cap_s cannot overflow whatever now is. */
    if (at <= now) {
        *ms = 0;
    } else if (at - cap_s > now) {
        *ms = cap_ms;
    } else {
        *ms = (long)(at - now) * 1000;
    }
    return POSTQ_OK;
}

postq_err postq_sdk_retry_after(long *ms, const char *v, size_t len, int64_t now, long cap_ms)
{
    if (ms == NULL || v == NULL || cap_ms < 0) {
        return POSTQ_E_ARG;
    }
    while (len > 0 && is_ows(v[0])) {
        v++;
        len--;
    }
    while (len > 0 && is_ows(v[len - 1])) {
        len--;
    }
    if (len == 0) {
        return POSTQ_E_MALFORMED;
    }
    if (v[0] >= '0' && v[0] <= '9') {
        return delta_seconds(ms, v, len, cap_ms);
    }
    return fixdate(ms, v, len, now, cap_ms);
}
