/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: times on the wire (src/common/timefmt.c). The input is parsed as a time
 * (RFC 3339 or Unix seconds), and its first 8 bytes, as a number of milliseconds, are formatted.
 * Aborts when a result disagrees with libc's gmtime_r (an independent calendar), when
 * parse(format(t)) != t, or when a canonical string ("YYYY-MM-DDThh:mm:ss[.fff]Z" with a
 * non-zero fraction) does not format back to itself. Build as fuzz_jws.c says (make fuzz). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TIMEFMT_MAX_MS INT64_C(253402300800000) /* 10000-01-01T00:00:00Z */

/* The decimal value of s[at..at+n) (digits only: the parse succeeded). */
static int64_t fuzz_timefmt_num(const char *s, size_t at, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (s[at + i] - '0');
    }
    return v;
}

/* ms agrees with the civil fields y-mo-d h:mi:s and milliseconds frac, by gmtime_r. */
static void fuzz_timefmt_civil(int64_t ms, int64_t y, int64_t mo, int64_t d, int64_t h,
                               int64_t mi, int64_t sec, int64_t frac)
{
    time_t t = (time_t)(ms / 1000); /* ms >= 0 */
    struct tm tm;
    int64_t rem = ms % 1000;

    if (ms < 0 || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 != y || tm.tm_mon + 1 != mo ||
        tm.tm_mday != d || tm.tm_hour != h || tm.tm_min != mi || tm.tm_sec != sec ||
        rem != frac) {
        abort();
    }
}

/* A string that parsed to ms: check it field by field. */
static void fuzz_timefmt_parsed(const char *s, size_t len, int64_t ms)
{
    size_t i = 19, nfrac = 0;
    int64_t frac = 0, off = 0;
    char canon[POSTQ_TIME_RFC3339_MAX];
    int64_t back;
    int digits = 1;

    if (ms < 0 || ms >= FUZZ_TIMEFMT_MAX_MS) {
        abort();
    }
    if (postq_time_format(canon, sizeof(canon), ms) != POSTQ_OK ||
        postq_time_parse(&back, canon, strlen(canon)) != POSTQ_OK || back != ms) {
        abort();
    }
    for (size_t k = 0; k < len; k++) {
        digits &= s[k] >= '0' && s[k] <= '9';
    }
    if (digits) {
        /* Unix seconds: 1 to 12 digits, whole seconds. */
        if (len < 1 || len > 12 || ms != fuzz_timefmt_num(s, 0, len) * 1000) {
            abort();
        }
        return;
    }
    /* RFC 3339: the layout is fixed up to the seconds; then [.digits] and Z or +hh:mm. */
    if (len < 20 || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':') {
        abort();
    }
    if (s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
            if (nfrac < 3) {
                frac = frac * 10 + (s[i] - '0');
            }
        }
        for (size_t k = nfrac; k < 3; k++) {
            frac *= 10;
        }
    }
    if (i >= len) {
        abort(); /* no zone */
    }
    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != len) {
            abort();
        }
    } else {
        if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':') {
            abort();
        }
        off = (fuzz_timefmt_num(s, i + 1, 2) * 60 + fuzz_timefmt_num(s, i + 4, 2)) * 60000;
        off = s[i] == '+' ? off : -off;
    }
    /* The local time the string names is ms shifted by its offset. */
    fuzz_timefmt_civil(ms + off, fuzz_timefmt_num(s, 0, 4), fuzz_timefmt_num(s, 5, 2),
                       fuzz_timefmt_num(s, 8, 2), fuzz_timefmt_num(s, 11, 2),
                       fuzz_timefmt_num(s, 14, 2), fuzz_timefmt_num(s, 17, 2), frac);
    /* The canonical spelling formats back to itself. */
    if (s[10] == 'T' && s[i] == 'Z' && (nfrac == 0 || (nfrac == 3 && frac != 0)) &&
        (strlen(canon) != len || memcmp(canon, s, len) != 0)) {
        abort();
    }
}

/* Format ms: refused out of range; otherwise gmtime_r's fields and parsed back to ms. */
static void fuzz_timefmt_format(int64_t ms)
{
    char out[POSTQ_TIME_RFC3339_MAX];
    int64_t back;
    size_t n;

    if (ms < 0 || ms >= FUZZ_TIMEFMT_MAX_MS) {
        if (postq_time_format(out, sizeof(out), ms) != POSTQ_E_ARG) {
            abort();
        }
        return;
    }
    if (postq_time_format(out, sizeof(out), ms) != POSTQ_OK) {
        abort();
    }
    n = strlen(out);
    /* "YYYY-MM-DDThh:mm:ssZ", with ".fff" only for a fraction of a second. */
    if (n != (ms % 1000 == 0 ? 20u : 24u) || out[n - 1] != 'Z' ||
        postq_time_parse(&back, out, n) != POSTQ_OK || back != ms) {
        abort();
    }
    fuzz_timefmt_parsed(out, n, ms);
    /* No room for the NUL: refused, out left empty. */
    if (postq_time_format(out, n, ms) != POSTQ_E_LENGTH || out[0] != '\0') {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ms = 0;
    uint64_t raw = 0;

    if (postq_time_parse(&ms, (const char *)data, size) == POSTQ_OK) {
        fuzz_timefmt_parsed((const char *)data, size, ms);
    }
    if (size >= 8) {
        for (size_t i = 0; i < 8; i++) {
            raw = raw << 8 | data[i];
        }
        /* Half the inputs land in range: a random 64-bit value almost never does. */
        fuzz_timefmt_format((raw & 1) != 0 ? (int64_t)raw
                                           : (int64_t)((raw >> 1) % (uint64_t)FUZZ_TIMEFMT_MAX_MS));
    }
    return 0;
}
