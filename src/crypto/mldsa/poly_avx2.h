/* SPDX-License-Identifier: Apache-2.0 */
/* The AVX2 backend of the ML-DSA polynomial layer (poly_avx2.c, built with AVX2 enabled). poly.c
 * and packing.c call these only when postq_cpu_avx2() says so; each gives exactly the result of
 * its portable counterpart in poly.h / packing.h (same contract, same bounds, same bytes). */
#ifndef POSTQ_CRYPTO_MLDSA_POLY_AVX2_H
#define POSTQ_CRYPTO_MLDSA_POLY_AVX2_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mldsa/poly.h"

/* 1 where the AVX2 backend is compiled in (x86-64 with GCC or Clang). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define POSTQ_MLDSA_AVX2 1
#else
#define POSTQ_MLDSA_AVX2 0
#endif

#if POSTQ_MLDSA_AVX2
void postq_mldsa_ntt_avx2(int32_t a[POSTQ_MLDSA_N]);
void postq_mldsa_invntt_avx2(int32_t a[POSTQ_MLDSA_N]);
void postq_mldsa_pointwise_avx2(int32_t *r, const int32_t *a, const int32_t *b);
void postq_mldsa_dot_avx2(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b, unsigned n);
void postq_mldsa_add_avx2(int32_t *r, const int32_t *a, const int32_t *b);
void postq_mldsa_sub_avx2(int32_t *r, const int32_t *a, const int32_t *b);
void postq_mldsa_reduce_avx2(int32_t *a);
void postq_mldsa_caddq_avx2(int32_t *a);
void postq_mldsa_freeze_avx2(int32_t *a);
void postq_mldsa_shiftl_avx2(int32_t *a);
uint32_t postq_mldsa_chknorm_avx2(const int32_t *a, int32_t bound);
void postq_mldsa_power2round_avx2(int32_t *a1, int32_t *a0, const int32_t *a);
void postq_mldsa_decompose_avx2(int32_t *a1, int32_t *a0, const int32_t *a, int32_t gamma2);
unsigned postq_mldsa_make_hint_avx2(uint8_t h[POSTQ_MLDSA_N], const int32_t *z, const int32_t *r,
                                    int32_t gamma2);
void postq_mldsa_use_hint_avx2(int32_t *a1, const int32_t *a, const uint8_t h[POSTQ_MLDSA_N],
                               int32_t gamma2);
void postq_mldsa_polyz_unpack_avx2(int32_t *a, const uint8_t *r, int32_t gamma1);
void postq_mldsa_polyt1_unpack_avx2(int32_t *a, const uint8_t *r);
void postq_mldsa_polyt0_unpack_avx2(int32_t *a, const uint8_t *r);
uint32_t postq_mldsa_polyeta_unpack_avx2(int32_t *a, const uint8_t *r, int32_t eta);
void postq_mldsa_polyeta_pack_avx2(uint8_t *r, const int32_t *a, int32_t eta);
void postq_mldsa_polyt1_pack_avx2(uint8_t *r, const int32_t *a);
void postq_mldsa_polyt0_pack_avx2(uint8_t *r, const int32_t *a);
void postq_mldsa_polyz_pack_avx2(uint8_t *r, const int32_t *a, int32_t gamma1);
void postq_mldsa_polyw1_pack_avx2(uint8_t *r, const int32_t *a, int32_t gamma2);

/* The 4-way samplers of poly.h (postq_mldsa_poly_uniform_4x and the others): four SHAKE streams
 * through one 4-way Keccak, AVX2 rejection sampling and unpacking. */
void postq_mldsa_uniform_4x_avx2(struct postq_mldsa_poly *a[4],
                                 const uint8_t rho[POSTQ_MLDSA_RHO_BYTES], const uint16_t nonce[4]);
void postq_mldsa_uniform_mixed_4x_avx2(struct postq_mldsa_poly *a[2],
                                       const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                                       const uint16_t anonce[2], struct postq_mldsa_poly *s[4],
                                       const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                       const uint16_t snonce[4], int32_t eta);
void postq_mldsa_uniform_eta_4x_avx2(struct postq_mldsa_poly *a[4],
                                     const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                     const uint16_t nonce[4], int32_t eta);
void postq_mldsa_uniform_gamma1_4x_avx2(struct postq_mldsa_poly *a[4],
                                        const uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES],
                                        const uint16_t nonce[4], int32_t gamma1);
#endif

#endif
