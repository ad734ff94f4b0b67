/* SPDX-License-Identifier: Apache-2.0 */
/* Times on the wire: RFC 3339 UTC strings [RFC 3339 §5.6] and Unix seconds, to and from
 * milliseconds since the Unix epoch. Pure functions; no locale, no time zone database. */
#ifndef POSTQ_COMMON_TIMEFMT_H
#define POSTQ_COMMON_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* "2026-11-26T20:01:02Z", or "2026-11-26T20:01:02.345Z" when ms is not a whole second. */
#define POSTQ_TIME_RFC3339_MAX 32

/* Parse s[0..len) as either
 *   - RFC 3339 date-time: YYYY-MM-DD "T" hh:mm:ss [.fraction] ("Z" | ("+"|"-") hh:mm), where
 *     "T" and "Z" may be lower case; fractions past milliseconds are truncated; a leap second
 *     (ss = 60) is refused; years 1970..9999 only; or
 *   - Unix seconds: 1 to 12 decimal digits.
 * into *ms (milliseconds since 1970-01-01T00:00:00Z). POSTQ_E_MALFORMED otherwise. */
POSTQ_MUST_CHECK postq_err postq_time_parse(int64_t *ms, const char *s, size_t len);

/* Format ms (>= 0, before year 10000) as RFC 3339 UTC into out (out_cap >=
 * POSTQ_TIME_RFC3339_MAX suffices). POSTQ_E_ARG for a time out of range, POSTQ_E_LENGTH. */
POSTQ_MUST_CHECK postq_err postq_time_format(char *out, size_t out_cap, int64_t ms);

/* The system clock, in ms since the epoch. */
int64_t postq_time_now_ms(void);

#endif
