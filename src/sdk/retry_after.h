/* SPDX-License-Identifier: Apache-2.0 */
/* The Retry-After field of a 429 or 503 answer [RFC 9110 §10.2.3], turned into a bounded
 * wait. Internal to the SDK (client.c); a header of its own so the unit tests reach it. */
#ifndef POSTQ_SDK_RETRY_AFTER_H
#define POSTQ_SDK_RETRY_AFTER_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* The wait that the field value v[0..len) asks for, in milliseconds within [0, cap_ms]
 * (cap_ms >= 0), into *ms. Spaces, tabs and the line's CR LF around the value are skipped.
 * The value is one of
 *   - delta-seconds, 1*DIGIT: any number of digits; past cap_ms it saturates, never overflows;
 *   - an IMF-fixdate, "Fri, 31 Dec 1999 23:59:59 GMT" (case as shown, the day name matching
 *     the date, years 1970..9999, no leap second): the time from now (Unix seconds) to that
 *     date; a date in the past is 0.
 * Anything else (a sign, a fraction, trailing bytes, the obsolete RFC 850 and asctime date
 * forms) is POSTQ_E_MALFORMED and *ms is left alone: the caller keeps its own backoff. */
POSTQ_MUST_CHECK postq_err postq_sdk_retry_after(long *ms, const char *v, size_t len,
                                                 int64_t now, long cap_ms);

#endif
