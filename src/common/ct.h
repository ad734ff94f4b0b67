/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time helpers: comparisons and selection whose timing does not depend on the data.
 * The value barrier keeps the compiler from turning masks back into branches. */
#ifndef POSTQ_COMMON_CT_H
#define POSTQ_COMMON_CT_H

#include <stddef.h>
#include <stdint.h>

/* Hide v from the optimiser (an empty asm that claims to change it). */
static inline uint32_t postq_ct_barrier_u32(uint32_t v)
{
#if defined(__GNUC__)
    __asm__("" : "+r"(v));
#endif
    return v;
}

/* 0xFFFFFFFF when x != 0, else 0. */
static inline uint32_t postq_ct_nonzero_mask(uint32_t x)
{
    return postq_ct_barrier_u32((uint32_t)(0u - ((x | (0u - x)) >> 31)));
}

/* All ones when lo <= c <= hi, else 0 (for small values: c, lo, hi < 2^31). */
static inline uint32_t postq_ct_in_range_u32(uint32_t c, uint32_t lo, uint32_t hi)
{
    return postq_ct_barrier_u32((((c - lo) | (hi - c)) >> 31) - 1u);
}

/* a when mask is all ones, b when mask is 0. */
static inline uint32_t postq_ct_select_u32(uint32_t mask, uint32_t a, uint32_t b)
{
    mask = postq_ct_barrier_u32(mask);
    return (a & mask) | (b & ~mask);
}

/* 1 when a[0..n) == b[0..n), else 0; reads every byte whatever their values.
 * CT: time depends on n only. */
int postq_ct_memeq(const void *a, const void *b, size_t n);

/* Under -DPOSTQ_CT_TESTING the ctgrind markers tell valgrind which bytes are secret: a branch
 * or index that depends on them is reported as a use of uninitialised memory. */
#ifdef POSTQ_CT_TESTING
#include <valgrind/memcheck.h>
#define POSTQ_CT_SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define POSTQ_CT_PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define POSTQ_CT_SECRET(p, n) ((void)(p), (void)(n))
#define POSTQ_CT_PUBLIC(p, n) ((void)(p), (void)(n))
#endif

#endif
