/* SPDX-License-Identifier: Apache-2.0 */
/* Modular reduction mod q = 2^23 - 2^13 + 1 for the NTT and the polynomial arithmetic: signed
 * 32-bit Montgomery reduction (R = 2^32) and a cheap partial reduction exploiting q's shape.
 * CT: branch-free; every function here is safe on secret values. */
#ifndef POSTQ_CRYPTO_MLDSA_REDUCE_H
#define POSTQ_CRYPTO_MLDSA_REDUCE_H

#include <stdint.h>

#include "crypto/mldsa/params.h"

#define POSTQ_MLDSA_QINV 58728449 /* q^-1 mod 2^32 */

/* q as an opaque value. q = 2^23 - 2^13 + 1 tempts compilers to expand t * q into five shifts
 * and adds; one multiply instruction is cheaper. The empty asm is not volatile, so it is
 * hoisted out of loops. */
static inline int64_t postq_mldsa_q_opaque(void)
{
    int64_t q = POSTQ_MLDSA_Q;
#if defined(__GNUC__)
    __asm__("" : "+r"(q));
#endif
    return q;
}

/* For |a| < 2^31 q, returns r = a * 2^-32 mod q with |r| < q.
 * CT: branch-free. */
static inline int32_t postq_mldsa_montgomery_reduce(int64_t a)
{
    /* t = a * q^-1 mod 2^32 (as a signed value), so a - t q is divisible by 2^32. The casts
     * wrap modulo 2^32, which is what Montgomery reduction needs. */
    int32_t t = (int32_t)(uint32_t)((uint64_t)a * (uint64_t)POSTQ_MLDSA_QINV);
    return (int32_t)((a - (int64_t)t * postq_mldsa_q_opaque()) >> 32);
}

/* For a <= 2^31 - 2^22 - 1, returns r = a mod q with -6283008 <= r <= 6283008 (so |r| < q).
 * 2^23 = 2^13 - 1 mod q, so subtracting round(a / 2^23) q removes the top bits.
 * CT: branch-free. */
static inline int32_t postq_mldsa_reduce32(int32_t a)
{
    int32_t t = (a + (1 << 22)) >> 23;
    return a - t * POSTQ_MLDSA_Q;
}

/* Adds q when a is negative: maps (-q, q) to [0, q).
 * CT: branch-free (an arithmetic shift builds the mask). */
static inline int32_t postq_mldsa_caddq(int32_t a)
{
    return a + ((a >> 31) & POSTQ_MLDSA_Q);
}

/* The standard representative in [0, q) of a value within reduce32's input range. */
static inline int32_t postq_mldsa_freeze(int32_t a)
{
    return postq_mldsa_caddq(postq_mldsa_reduce32(a));
}

#endif
