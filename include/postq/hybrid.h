/* SPDX-License-Identifier: Apache-2.0 */
/* Composite hybrid signatures ML-DSA + EdDSA [draft-ietf-lamps-pq-composite-sigs-19].
 *
 * alg is the API name: "mldsa44+ed25519", "mldsa65+ed25519" (default) or "mldsa87+ed448".
 *   M'        = Prefix || Label || len(ctx) || ctx || PH(msg)
 *   signature = mldsaSig || edSig,  public key = mldsaPk || edPk,
 *   private key = 32-byte ML-DSA seed || EdDSA seed.
 * A signature is valid only if both halves verify. Thread-safe; no shared state. */
#ifndef POSTQ_HYBRID_H
#define POSTQ_HYBRID_H

#include <postq/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSTQ_HYBRID_DEFAULT_ALG "mldsa65+ed25519"
#define POSTQ_HYBRID_PK_MAX 2649
#define POSTQ_HYBRID_SK_MAX 89
#define POSTQ_HYBRID_SIG_MAX 4741
#define POSTQ_HYBRID_CTX_MAX 255

/* Sizes of alg's composite public key, private key and signature. Any pointer may be NULL.
 * POSTQ_E_UNSUPPORTED for an unknown alg. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_sizes(const char *alg, size_t *pk, size_t *sk,
                                                  size_t *sig);

/* A fresh key pair from the system CSPRNG. pk/sk sized as postq_hybrid_sizes says.
 * POSTQ_E_RNG when no randomness could be had (pk and sk are then zeroed). */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_keygen(const char *alg, uint8_t *pk, uint8_t *sk);

/* The composite public key of a composite private key. CT: no secret-dependent branch. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_public_key(const char *alg, const uint8_t *sk,
                                                       uint8_t *pk);

/* Sign msg with context ctx (ctx may be NULL when ctxlen is 0; ctxlen > 255 is
 * POSTQ_E_LENGTH). The ML-DSA half is hedged with fresh randomness. sig must hold the
 * composite signature size. On failure sig is zeroed. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_sign(const char *alg, const uint8_t *sk,
                                                 const uint8_t *msg, size_t msglen,
                                                 const uint8_t *ctx, size_t ctxlen, uint8_t *sig);

/* As postq_hybrid_sign with the ML-DSA rnd given: 32 bytes, or NULL for the deterministic
 * variant (rnd = 0^32). For known-answer tests; production code uses postq_hybrid_sign. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_sign_rnd(const char *alg, const uint8_t *sk,
                                                     const uint8_t *msg, size_t msglen,
                                                     const uint8_t *ctx, size_t ctxlen,
                                                     const uint8_t rnd[32], uint8_t *sig);

/* 0 (POSTQ_OK) when both halves verify; POSTQ_E_INVALID otherwise (any length error included);
 * POSTQ_E_LENGTH for ctxlen > 255; POSTQ_E_UNSUPPORTED for an unknown alg. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_verify(const char *alg, const uint8_t *pk,
                                                   const uint8_t *msg, size_t msglen,
                                                   const uint8_t *ctx, size_t ctxlen,
                                                   const uint8_t *sig, size_t siglen);

#ifdef __cplusplus
}
#endif
#endif
