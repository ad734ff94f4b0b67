/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers of the ML-DSA module that are not part of the public API (tests use them).
 * [FIPS 204 Alg. 6, 25] */
#ifndef POSTQ_CRYPTO_MLDSA_SIGN_H
#define POSTQ_CRYPTO_MLDSA_SIGN_H

#include <stdint.h>

#include <postq/err.h>

/* The public key of an expanded private key: pk = pkEncode(rho, t1) with
 * (t1, t0) = Power2Round(NTT^-1(A o NTT(s1)) + s2) [Alg. 6 steps 5-8]. pk holds
 * postq_mldsa_pk_bytes(level) bytes. Returns POSTQ_E_UNSUPPORTED, POSTQ_E_ARG, or
 * POSTQ_E_KEY_INVALID when an s1/s2 coefficient is out of range.
 * CT: as keygen; whether the key is valid is public. */
POSTQ_MUST_CHECK postq_err postq_mldsa_pk_from_sk(int level, const uint8_t *sk, uint8_t *pk);

#endif
