/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the attest module's parsers and checks (see util.h). */
#include "attest/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "common/utf8.h"

void postq_attest_detail(char *detail, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (detail == NULL || cap == 0) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(detail, cap, fmt, ap);
    va_end(ap);
    (void)postq_utf8_repair(detail); /* "%.Ns" of untrusted text may split a character */
}

postq_err postq_attest_hex_exact(uint8_t *out, size_t n, const char *s)
{
    size_t got = 0;

    if (out == NULL || s == NULL || strlen(s) != 2 * n) {
        return POSTQ_E_MALFORMED;
    }
    if (postq_hex_decode(out, n, &got, s, 2 * n, 0) != POSTQ_OK || got != n) {
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}
