/* SPDX-License-Identifier: Apache-2.0 */
/* Composite hybrid signatures ML-DSA + EdDSA [draft-ietf-lamps-pq-composite-sigs-19].
 *
 * alg is the API name: "mldsa44+ed25519", "mldsa65+ed25519" (default) or "mldsa87+ed448".
 *   M'        = Prefix || Label || len(ctx) || ctx || PH(msg)
 *   signature = mldsaSig || edSig,  public key = mldsaPk || edPk,
 *   private key = 32-byte ML-DSA seed || EdDSA seed.
 * A signature is valid only if both halves verify. The PostQ service signs with an empty ctx.
 *
 * Every function returns POSTQ_OK (0) or a negative postq_err (include/postq/err.h):
 *   POSTQ_E_UNSUPPORTED  alg is not one of the three names above (alg NULL: POSTQ_E_ARG)
 *   POSTQ_E_ARG          a required pointer is NULL (msg/ctx may be NULL only with length 0)
 *   POSTQ_E_LENGTH       ctxlen > POSTQ_HYBRID_CTX_MAX
 *   POSTQ_E_INVALID      verification: the signature does not verify (wrong length included)
 *   POSTQ_E_RNG          keygen and hedged signing: the system CSPRNG failed
 *   POSTQ_E_CRYPTO       the EdDSA backend (libsodium, OpenSSL) failed internally;
 *                        verification reports it as it is, never as POSTQ_E_INVALID, so an
 *                        internal failure cannot pass for a forgery
 * Output buffers are zeroed on failure.
 *
 * Thread-safe: no shared state; the library never allocates in these calls (the Ed448 half may
 * inside OpenSSL). Stack: measured on x86-64, whatever alg, about 52 KiB for keygen and
 * postq_hybrid_public_key, 125 KiB for signing and 29 KiB for verification: run them on threads
 * with at least 256 KiB of stack.
 *
 * Constant time (CT): private keys, seeds and rnd never decide a branch, an index or a memory
 * access, with two public exceptions: the number of ML-DSA rejection-loop iterations (FIPS 204
 * §3.6.2) and the matrix expansion from the public seed rho. Verification is not constant time:
 * all its inputs are public. Private data on the stack (expanded ML-DSA keys, Keccak states) is
 * wiped before every return. */
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
 * POSTQ_E_RNG when no randomness could be had (pk and sk are then zeroed).
 * CT: as postq_hybrid_public_key. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_keygen(const char *alg, uint8_t *pk, uint8_t *sk);

/* The composite public key of a composite private key (ML-DSA KeyGen_internal from the seed,
 * EdDSA public key from its seed). pk is zeroed on failure.
 * CT: no secret-dependent branch or index; the public key is public once computed. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_public_key(const char *alg, const uint8_t *sk,
                                                       uint8_t *pk);

/* Sign msg with context ctx (ctx may be NULL when ctxlen is 0; ctxlen > 255 is
 * POSTQ_E_LENGTH). The ML-DSA half is hedged with fresh randomness. sig must hold the
 * composite signature size. On failure sig is zeroed.
 * CT: only the ML-DSA rejection-loop count varies (public); the EdDSA half is constant time
 * in both backends. */
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
 * POSTQ_E_LENGTH for ctxlen > 255; POSTQ_E_UNSUPPORTED for an unknown alg; POSTQ_E_ARG for
 * a NULL pk. Both halves are always computed. Not constant time: every input is public. */
POSTQ_API POSTQ_MUST_CHECK int postq_hybrid_verify(const char *alg, const uint8_t *pk,
                                                   const uint8_t *msg, size_t msglen,
                                                   const uint8_t *ctx, size_t ctxlen,
                                                   const uint8_t *sig, size_t siglen);

#ifdef __cplusplus
}
#endif
#endif
