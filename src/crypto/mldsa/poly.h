/* SPDX-License-Identifier: Apache-2.0 */
/* The polynomial layer of ML-DSA: arithmetic in R_q and its NTT domain, the rounding functions
 * [FIPS 204 §7.4, Alg. 35-40] and the samplers [FIPS 204 §7.3, Alg. 29-34]. Everything above
 * this interface (sign.c) works on whole polynomials, so a vector backend can replace it. */
#ifndef POSTQ_CRYPTO_MLDSA_POLY_H
#define POSTQ_CRYPTO_MLDSA_POLY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mldsa/params.h"

struct postq_mldsa_poly {
    int32_t c[POSTQ_MLDSA_N];
};

/* ---- Arithmetic -------------------------------------------------------------------------- */

/* NTT in place [Alg. 41]. Input |c_i| < q; output |c_i| < 9q.
 * CT: branch-free. */
void postq_mldsa_poly_ntt(struct postq_mldsa_poly *a);

/* NTT^-1 in place, times 2^32 [Alg. 42]. Input |c_i| < q; output |c_i| < q.
 * CT: branch-free. */
void postq_mldsa_poly_invntt_tomont(struct postq_mldsa_poly *a);

/* r = a o b * 2^-32 (NTT domain) [Alg. 45, MultiplyNTT], |r_i| < q.
 * Inputs |a_i| < q and |b_i| < 9q (or any pair whose products stay below 2^31 q).
 * CT: branch-free. */
void postq_mldsa_poly_pointwise(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                                const struct postq_mldsa_poly *b);

/* r = (sum over j < n of a[j] o b[j]) * 2^-32: a row of a matrix-vector product [Alg. 48],
 * reduced once per coefficient (lazily, in 64 bits). n <= 7, |a_i| < q, |b_i| < 9q;
 * |r_i| < q.
 * CT: branch-free. */
void postq_mldsa_poly_dot(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b, unsigned n);

/* r = a + b and r = a - b, no reduction (the caller keeps the sums below 2^31).
 * CT: branch-free. */
void postq_mldsa_poly_add(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b);
void postq_mldsa_poly_sub(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b);

/* Each coefficient to a representative with |c_i| <= 6283008 (reduce32); input below
 * 2^31 - 2^22.
 * CT: branch-free. */
void postq_mldsa_poly_reduce(struct postq_mldsa_poly *a);

/* Adds q to each negative coefficient: (-q, q) to [0, q).
 * CT: branch-free. */
void postq_mldsa_poly_caddq(struct postq_mldsa_poly *a);

/* Each coefficient to [0, q); input within reduce32's range.
 * CT: branch-free. */
void postq_mldsa_poly_freeze(struct postq_mldsa_poly *a);

/* a = a * 2^d (t1 * 2^d in Verify, Alg. 8 step 9); input t1 in [0, 2^10). Public data. */
void postq_mldsa_poly_shiftl(struct postq_mldsa_poly *a);

/* All ones when some |c_i| >= bound, else 0 (the infinity-norm checks of Alg. 7 and 8).
 * Input from postq_mldsa_poly_reduce (|c_i| <= 6283008) and bound <= q - 6283008: a
 * coefficient then passes exactly when its centred value mod q does. Reads every coefficient.
 * CT: branch-free; the caller decides what to declassify. */
uint32_t postq_mldsa_poly_chknorm(const struct postq_mldsa_poly *a, int32_t bound);

/* ---- Rounding [FIPS 204 §7.4] ------------------------------------------------------------ */

/* Power2Round [Alg. 35] of each coefficient of a (in [0, q)): a = a1 * 2^d + a0.
 * CT: branch-free. */
void postq_mldsa_poly_power2round(struct postq_mldsa_poly *a1, struct postq_mldsa_poly *a0,
                                  const struct postq_mldsa_poly *a);

/* Decompose [Alg. 36] of each coefficient of a (in [0, q)): high part into a1 (HighBits,
 * Alg. 37), low part into a0 (LowBits, Alg. 38). Either output may be NULL.
 * CT: branch-free, no division. */
void postq_mldsa_poly_decompose(struct postq_mldsa_poly *a1, struct postq_mldsa_poly *a0,
                                const struct postq_mldsa_poly *a, int32_t gamma2);

/* MakeHint [Alg. 39] per coefficient: h_i = [HighBits(r_i + z_i) != HighBits(r_i)], where
 * r_i in [0, q) and |z_i| < q. Returns the number of ones.
 * CT: branch-free. */
unsigned postq_mldsa_poly_make_hint(uint8_t h[POSTQ_MLDSA_N], const struct postq_mldsa_poly *z,
                                    const struct postq_mldsa_poly *r, int32_t gamma2);

/* UseHint [Alg. 40] per coefficient: a1 = UseHint(h_i, a_i) for a_i in [0, q).
 * Not constant time (Verify only; all inputs public). */
void postq_mldsa_poly_use_hint(struct postq_mldsa_poly *a1, const struct postq_mldsa_poly *a,
                               const uint8_t h[POSTQ_MLDSA_N], int32_t gamma2);

/* ---- Sampling [FIPS 204 §7.3] ------------------------------------------------------------ */

/* RejNTTPoly [Alg. 30] on rho || s || r: entry A[r][s] of ExpandA [Alg. 32], in NTT domain,
 * coefficients in [0, q).
 * CT: time depends on rho, which is public. */
void postq_mldsa_poly_uniform(struct postq_mldsa_poly *a, const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                              uint8_t s, uint8_t r);

/* RejBoundedPoly [Alg. 31] on rho' || IntegerToBytes(nonce, 2): a polynomial of ExpandS
 * [Alg. 33] with coefficients in [-eta, eta].
 * CT: which half-bytes are rejected is declassified (it is independent of the accepted
 * coefficients); the coefficients themselves never reach a branch or an index. */
void postq_mldsa_poly_uniform_eta(struct postq_mldsa_poly *a,
                                  const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES], uint16_t nonce,
                                  int32_t eta);

/* One polynomial of ExpandMask [Alg. 34]: BitUnpack(H(rho'' || IntegerToBytes(nonce, 2)),
 * gamma1 - 1, gamma1); coefficients in (-gamma1, gamma1].
 * CT: branch-free in the secret; time depends on gamma1 only. */
void postq_mldsa_poly_uniform_gamma1(struct postq_mldsa_poly *a,
                                     const uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES], uint16_t nonce,
                                     int32_t gamma1);

/* Four entries of ExpandA at once: a[t] = RejNTTPoly(rho || nonce[t]) with the two nonce bytes
 * little-endian (the column s, then the row r), as postq_mldsa_poly_uniform; a NULL a[t] is an
 * empty slot (nothing written). The AVX2 path
 * runs the four SHAKE128 streams through one 4-way Keccak.
 * CT: time depends on rho, which is public. */
void postq_mldsa_poly_uniform_4x(struct postq_mldsa_poly *a[4],
                                 const uint8_t rho[POSTQ_MLDSA_RHO_BYTES], const uint16_t nonce[4]);

/* Two polynomials of A, as postq_mldsa_poly_uniform(a[j], rho, anonce[j] & 255, anonce[j] >> 8),
 * and four of s1/s2, as postq_mldsa_poly_uniform_eta(s[j], rhoprime, snonce[j], eta), from one
 * 4-way Keccak (SHAKE128 and SHAKE256 side by side, two s streams after two in the same lanes)
 * on the AVX2 path: returns 1. For eta = 4 only (two blocks per s stream, as a rule). On the
 * portable path it does nothing and returns 0. CT: as those two samplers. */
int postq_mldsa_poly_uniform_mixed_4x(struct postq_mldsa_poly *a[2],
                                      const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                                      const uint16_t anonce[2], struct postq_mldsa_poly *s[4],
                                      const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                      const uint16_t snonce[4], int32_t eta);

/* Four polynomials of ExpandS at once, as postq_mldsa_poly_uniform_eta for each nonce; a NULL
 * a[t] is an empty slot.
 * CT: as postq_mldsa_poly_uniform_eta. */
void postq_mldsa_poly_uniform_eta_4x(struct postq_mldsa_poly *a[4],
                                     const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                     const uint16_t nonce[4], int32_t eta);

/* ExpandMask [Alg. 34] of a vector: y[j] = postq_mldsa_poly_uniform_gamma1(rho'', nonce + j) for
 * j < n, four at a time on the AVX2 path.
 * CT: as postq_mldsa_poly_uniform_gamma1. */
void postq_mldsa_polyvec_uniform_gamma1(struct postq_mldsa_poly *y, unsigned n,
                                        const uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES], uint16_t nonce,
                                        int32_t gamma1);

/* SampleInBall [Alg. 29]: c with tau coefficients in {-1, 1}, the rest 0, from c-tilde.
 * CT: time and memory access depend on ctilde, which must be public (declassified). */
void postq_mldsa_poly_challenge(struct postq_mldsa_poly *c, const uint8_t *ctilde,
                                size_t ctilde_len, unsigned tau);

#endif
