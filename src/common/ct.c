/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time comparison. */
#include "common/ct.h"

int postq_ct_memeq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint32_t diff = 0;

    for (size_t i = 0; i < n; i++) {
        diff |= (uint32_t)(x[i] ^ y[i]);
    }
    return (int)(1u & ((diff - 1u) >> 8));
}
