/* SPDX-License-Identifier: Apache-2.0 */
/* The number-theoretic transform over Z_q[X]/(X^256 + 1) [FIPS 204 §7.5, Alg. 41-42], with
 * 32-bit Montgomery arithmetic. Outputs are in bit-reversed order, as in the standard. */
#ifndef POSTQ_CRYPTO_MLDSA_NTT_H
#define POSTQ_CRYPTO_MLDSA_NTT_H

#include <stdint.h>

/* NTT(w) in place [Alg. 41]. Input |a_i| < q; output |a_i| < 9q (no final reduction: one q
 * of growth per layer). Exact: the Montgomery factor of the twiddles cancels.
 * CT: branch-free, data-independent memory access. */
void postq_mldsa_ntt(int32_t a[256]);

/* The twiddles: zetas[m] = 2^32 * 1753^BitRev8(m) mod q, centred (entry 0 unused); the AVX2
 * backend reads them too (poly_avx2.c). */
extern const int32_t postq_mldsa_zetas[256];

/* NTT^-1 in place [Alg. 42], times 2^32 (the "tomont" factor that cancels the 2^-32 of one
 * Montgomery pointwise product). Input |a_i| < q; output |a_i| < q.
 * CT: branch-free, data-independent memory access. */
void postq_mldsa_invntt_tomont(int32_t a[256]);

#endif
