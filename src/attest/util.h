/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the attest module's files: bounded detail messages and strict
 * JSON member readers (jansson). Internal. */
#ifndef POSTQ_ATTEST_UTIL_H
#define POSTQ_ATTEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* snprintf into detail[0..cap) (nothing when detail is NULL or cap is 0); always terminated. */
void postq_attest_detail(char *detail, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decode exactly n bytes of lowercase hex from the C string s (strlen(s) must be 2n).
 * POSTQ_OK or POSTQ_E_MALFORMED. */
POSTQ_MUST_CHECK postq_err postq_attest_hex_exact(uint8_t *out, size_t n, const char *s);

#endif
