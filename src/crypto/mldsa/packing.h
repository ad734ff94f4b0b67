/* SPDX-License-Identifier: Apache-2.0 */
/* Byte encodings of ML-DSA [FIPS 204 §7.1-7.2]: the per-polynomial bit packings (Alg. 16-19,
 * 28), the hint encoding (Alg. 20-21) and the key and signature layouts (Alg. 22-27). */
#ifndef POSTQ_CRYPTO_MLDSA_PACKING_H
#define POSTQ_CRYPTO_MLDSA_PACKING_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/mldsa/params.h"
#include "crypto/mldsa/poly.h"

/* Layouts (bytes; k, l, eta_bits, z_bits, w1_bits, omega and lambda from params.h):
 *
 *   pk  [Alg. 22]   | rho 32 | t1: k x 320 (10 bits per coefficient)                    |
 *   sk  [Alg. 24]   | rho 32 | K 32 | tr 64 | s1: l x 32 eta_bits | s2: k x 32 eta_bits |
 *                   | t0: k x 416 (13 bits, stored as 2^12 - t0)                         |
 *   sig [Alg. 26]   | c-tilde lambda/4 | z: l x 32 z_bits (stored as gamma1 - z)          |
 *                   | h: omega indices, then k cumulative counts [Alg. 20]               |
 *   w1Encode [Alg. 28]  k x 32 w1_bits
 *
 * Coefficients are packed little-endian, first coefficient in the lowest bits. */

/* SimpleBitPack(t1, 2^10 - 1) [Alg. 16] and SimpleBitUnpack [Alg. 18]. */
void postq_mldsa_polyt1_pack(uint8_t r[POSTQ_MLDSA_T1_POLY_BYTES],
                             const struct postq_mldsa_poly *a);
void postq_mldsa_polyt1_unpack(struct postq_mldsa_poly *a,
                               const uint8_t r[POSTQ_MLDSA_T1_POLY_BYTES]);

/* BitPack(t0, 2^12 - 1, 2^12) [Alg. 17] and BitUnpack [Alg. 19]; every 13-bit value decodes.
 * CT: branch-free. */
void postq_mldsa_polyt0_pack(uint8_t r[POSTQ_MLDSA_T0_POLY_BYTES],
                             const struct postq_mldsa_poly *a);
void postq_mldsa_polyt0_unpack(struct postq_mldsa_poly *a,
                               const uint8_t r[POSTQ_MLDSA_T0_POLY_BYTES]);

/* BitPack(s, eta, eta) [Alg. 17] into 32 * eta_bits bytes, and BitUnpack [Alg. 19]. Unpack
 * returns all ones when a stored value exceeds 2 eta (a coefficient outside [-eta, eta]: the
 * key is invalid), else 0.
 * CT: branch-free; the caller declassifies the returned mask. */
void postq_mldsa_polyeta_pack(uint8_t *r, const struct postq_mldsa_poly *a, int32_t eta);
uint32_t postq_mldsa_polyeta_unpack(struct postq_mldsa_poly *a, const uint8_t *r, int32_t eta);

/* BitPack(z, gamma1 - 1, gamma1) [Alg. 17] into 32 * z_bits bytes, and BitUnpack [Alg. 19]
 * (also ExpandMask's decoding, Alg. 34). Pack takes z in (-gamma1, gamma1].
 * CT: branch-free. */
void postq_mldsa_polyz_pack(uint8_t *r, const struct postq_mldsa_poly *a, int32_t gamma1);
void postq_mldsa_polyz_unpack(struct postq_mldsa_poly *a, const uint8_t *r, int32_t gamma1);

/* SimpleBitPack(w1, (q - 1) / (2 gamma2) - 1) [Alg. 16], one polynomial of w1Encode
 * [Alg. 28], 32 * w1_bits bytes.
 * CT: branch-free. */
void postq_mldsa_polyw1_pack(uint8_t *r, const struct postq_mldsa_poly *a, int32_t gamma2);

/* skEncode [Alg. 24]; s1, s2, t0 in the standard (not NTT) domain, s in [-eta, eta].
 * CT: branch-free. */
void postq_mldsa_sk_encode(const struct postq_mldsa_params *p, uint8_t *sk,
                           const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                           const uint8_t key[POSTQ_MLDSA_KEY_BYTES],
                           const uint8_t tr[POSTQ_MLDSA_TR_BYTES],
                           const struct postq_mldsa_poly *s1, const struct postq_mldsa_poly *s2,
                           const struct postq_mldsa_poly *t0);

/* skDecode [Alg. 25]. Returns all ones when some s1 or s2 coefficient is outside
 * [-eta, eta] (outputs are then unusable), else 0. Any of rho, key, tr may be NULL.
 * CT: branch-free; the caller declassifies the returned mask. */
uint32_t postq_mldsa_sk_decode(const struct postq_mldsa_params *p,
                               uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                               uint8_t key[POSTQ_MLDSA_KEY_BYTES], uint8_t tr[POSTQ_MLDSA_TR_BYTES],
                               struct postq_mldsa_poly *s1, struct postq_mldsa_poly *s2,
                               struct postq_mldsa_poly *t0, const uint8_t *sk);

/* sigEncode [Alg. 26] with HintBitPack [Alg. 20]. z centred in (-gamma1, gamma1];
 * h[i][j] in {0, 1} with at most omega ones.
 * Not constant time in h (the signature is public once accepted). */
void postq_mldsa_sig_encode(const struct postq_mldsa_params *p, uint8_t *sig, const uint8_t *ctilde,
                            const struct postq_mldsa_poly *z, const uint8_t h[][POSTQ_MLDSA_N]);

/* sigDecode [Alg. 27] with HintBitUnpack [Alg. 21]: z and h from sig (c-tilde is the first
 * lambda/4 bytes of sig). Returns 0, or -1 when the hint encoding is malformed (a count
 * decreasing or above omega, indices not strictly increasing within a polynomial, or
 * nonzero padding). Not constant time (public input). */
int postq_mldsa_sig_decode(const struct postq_mldsa_params *p, struct postq_mldsa_poly *z,
                           uint8_t h[][POSTQ_MLDSA_N], const uint8_t *sig);

#endif
