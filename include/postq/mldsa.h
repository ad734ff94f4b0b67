/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA (FIPS 204, final) at security levels 44, 65 and 87.
 *
 * Keys: pk and sk are the FIPS 204 encodings (pkEncode / skEncode). Every function returns
 * POSTQ_OK (0) or a negative postq_err. Functions are thread-safe (no shared state) and use no
 * heap; signing at level 87 needs roughly 120 KiB of stack. */
#ifndef POSTQ_MLDSA_H
#define POSTQ_MLDSA_H

#include <postq/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSTQ_MLDSA_SEED_BYTES 32
#define POSTQ_MLDSA_RND_BYTES 32
#define POSTQ_MLDSA_MU_BYTES 64
#define POSTQ_MLDSA_CTX_MAX 255

#define POSTQ_MLDSA44_PK_BYTES 1312
#define POSTQ_MLDSA44_SK_BYTES 2560
#define POSTQ_MLDSA44_SIG_BYTES 2420
#define POSTQ_MLDSA65_PK_BYTES 1952
#define POSTQ_MLDSA65_SK_BYTES 4032
#define POSTQ_MLDSA65_SIG_BYTES 3309
#define POSTQ_MLDSA87_PK_BYTES 2592
#define POSTQ_MLDSA87_SK_BYTES 4896
#define POSTQ_MLDSA87_SIG_BYTES 4627
#define POSTQ_MLDSA_PK_MAX POSTQ_MLDSA87_PK_BYTES
#define POSTQ_MLDSA_SK_MAX POSTQ_MLDSA87_SK_BYTES
#define POSTQ_MLDSA_SIG_MAX POSTQ_MLDSA87_SIG_BYTES

/* Sizes in bytes for level 44, 65 or 87; 0 for any other level. */
POSTQ_API size_t postq_mldsa_pk_bytes(int level);
POSTQ_API size_t postq_mldsa_sk_bytes(int level);
POSTQ_API size_t postq_mldsa_sig_bytes(int level);

/* ML-DSA.KeyGen_internal(xi = seed) [FIPS 204 Alg. 6]. pk and sk must hold
 * postq_mldsa_pk_bytes(level) / postq_mldsa_sk_bytes(level) bytes.
 * Returns POSTQ_E_UNSUPPORTED for a bad level, POSTQ_E_ARG for a NULL pointer.
 * CT: time does not depend on seed except through the public matrix expansion. */
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_keygen(int level, const uint8_t seed[32], uint8_t *pk,
                                                  uint8_t *sk);

/* ML-DSA.Sign [FIPS 204 Alg. 2]: M' = 0 || len(ctx) || ctx || msg, then Sign_internal.
 * rnd: 32 bytes of fresh randomness (hedged), or NULL for the deterministic variant (rnd = 0^32).
 * ctx may be NULL when ctxlen is 0; ctxlen > 255 is POSTQ_E_LENGTH. sig must hold
 * postq_mldsa_sig_bytes(level) bytes. An sk whose s1/s2 coefficients are out of range is
 * POSTQ_E_KEY_INVALID. On any failure sig is zeroed.
 * CT: the number of rejection-loop iterations is public (FIPS 204 §3.6.2); nothing else varies. */
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_sign(int level, const uint8_t *sk, const uint8_t *msg,
                                                size_t msglen, const uint8_t *ctx, size_t ctxlen,
                                                const uint8_t rnd[32], uint8_t *sig);

/* ML-DSA.Verify [FIPS 204 Alg. 3]. 0 (POSTQ_OK) = valid; POSTQ_E_INVALID = invalid signature
 * (including any length error of sig); POSTQ_E_LENGTH for ctxlen > 255; POSTQ_E_ARG for NULL.
 * Not constant time (all inputs are public). */
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_verify(int level, const uint8_t *pk, const uint8_t *msg,
                                                  size_t msglen, const uint8_t *ctx, size_t ctxlen,
                                                  const uint8_t *sig, size_t siglen);

/* ML-DSA.Sign_internal [FIPS 204 Alg. 7] over M' = mprime (no prefix added). rnd as above. */
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_sign_internal(int level, const uint8_t *sk,
                                                         const uint8_t *mprime, size_t len,
                                                         const uint8_t rnd[32], uint8_t *sig);

/* ML-DSA.Verify_internal [FIPS 204 Alg. 8] over M' = mprime. 0 = valid. */
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_verify_internal(int level, const uint8_t *pk,
                                                           const uint8_t *mprime, size_t len,
                                                           const uint8_t *sig, size_t siglen);

/* External-mu entry points (FIPS 204 §6.2 and the ACVP "externalMu" interface): the caller
 * computed mu = SHAKE256(SHAKE256(pk, 64) || M', 64) itself; signing skips that step. */
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_sign_mu(int level, const uint8_t *sk,
                                                   const uint8_t mu[64], const uint8_t rnd[32],
                                                   uint8_t *sig);
POSTQ_API POSTQ_MUST_CHECK int postq_mldsa_verify_mu(int level, const uint8_t *pk,
                                                     const uint8_t mu[64], const uint8_t *sig,
                                                     size_t siglen);

#ifdef __cplusplus
}
#endif
#endif
