/* SPDX-License-Identifier: Apache-2.0 */
/* Internal composite entry points that work from the pre-hash PH(M), so a payload of any size
 * can be hashed as it streams past and verified without holding it, and an expanded
 * verification key for verifying many signatures under one key
 * [draft-ietf-lamps-pq-composite-sigs-19 §4.2-4.3]. */
#ifndef POSTQ_CRYPTO_COMPOSITE_H
#define POSTQ_CRYPTO_COMPOSITE_H

#include <postq/hybrid.h>
#include <postq/mldsa.h>

#include "crypto/keccak.h"
#include "crypto/mldsa/sign.h"
#include "crypto/sha2.h"

#define POSTQ_HYBRID_PH_BYTES 64

/* PH(M) of alg (SHA-512, or SHAKE256 with 64 output bytes), fed in pieces:
 * init, any number of updates, then final (or abort to drop it). final and abort release. */
struct postq_hybrid_ph {
    int shake;
    struct postq_sha2 sha;
    struct postq_keccak keccak;
};
POSTQ_MUST_CHECK postq_err postq_hybrid_ph_init(struct postq_hybrid_ph *h, const char *alg);
POSTQ_MUST_CHECK postq_err postq_hybrid_ph_update(struct postq_hybrid_ph *h, const uint8_t *in,
                                                  size_t len);
POSTQ_MUST_CHECK postq_err postq_hybrid_ph_final(struct postq_hybrid_ph *h,
                                                 uint8_t ph[POSTQ_HYBRID_PH_BYTES]);
void postq_hybrid_ph_abort(struct postq_hybrid_ph *h);

/* postq_hybrid_verify with PH(M) given instead of M. Same return codes. */
POSTQ_MUST_CHECK postq_err postq_hybrid_verify_ph(const char *alg, const uint8_t *pk,
                                                  const uint8_t ph[POSTQ_HYBRID_PH_BYTES],
                                                  const uint8_t *ctx, size_t ctxlen,
                                                  const uint8_t *sig, size_t siglen);

/* An expanded composite verification key, for verifying many signatures under one key: the
 * ML-DSA half expanded once (crypto/mldsa/sign.h) and a copy of the whole composite pk, whose
 * EdDSA half is verified from its bytes as usual. Caller-owned (about 68 KiB; keep it off small
 * thread stacks), immutable after init, so one may be shared read-only by threads. Only public
 * data: nothing to wipe. */
struct postq_hybrid_vkey {
    const char *alg; /* the algorithm table's own name string; NULL after a failed init */
    struct postq_mldsa_vkey mldsa;
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len;
};

/* Expands the composite public key pk (pk_len bytes, exactly alg's size) into vk; copies pk.
 * POSTQ_E_UNSUPPORTED for an unknown alg, POSTQ_E_ARG for a NULL pointer, POSTQ_E_LENGTH for a
 * pk_len that is not alg's. On failure a non-NULL vk is left unusable (verifying under it
 * answers POSTQ_E_ARG, and it matches nothing). */
POSTQ_MUST_CHECK postq_err postq_hybrid_vkey_init(struct postq_hybrid_vkey *vk, const char *alg,
                                                  const uint8_t *pk, size_t pk_len);

/* postq_hybrid_verify_ph under the expanded key: the same return codes as
 * postq_hybrid_verify_ph(alg, pk, ...) for the (alg, pk) vk was made from; POSTQ_E_ARG for a NULL
 * vk or one whose init failed. Only reads vk. */
POSTQ_MUST_CHECK postq_err postq_hybrid_verify_ph_vkey(const struct postq_hybrid_vkey *vk,
                                                       const uint8_t ph[POSTQ_HYBRID_PH_BYTES],
                                                       const uint8_t *ctx, size_t ctxlen,
                                                       const uint8_t *sig, size_t siglen);

/* 1 when vk was made from exactly (alg, pk, pk_len), else 0 (also for any NULL pointer or a
 * failed init): lets a cache holder check that it has the right key. Not constant time. */
int postq_hybrid_vkey_matches(const struct postq_hybrid_vkey *vk, const char *alg,
                              const uint8_t *pk, size_t pk_len);

/* An expanded composite signing key, for signing many times under one key: the ML-DSA half
 * expanded once (struct postq_mldsa_skey: decoded, in the NTT domain, with A-hat), the EdDSA
 * seed, and the composite public key. About 83 KiB. Holds secrets: keep it in locked memory
 * excluded from core dumps, and wipe it with postq_hybrid_skey_wipe. Immutable after init, so
 * threads may sign with one at the same time. */
struct postq_hybrid_skey {
    const char *alg; /* the algorithm table's own name string; NULL after a failed init */
    struct postq_mldsa_skey mldsa;
    uint8_t ed_seed[POSTQ_HYBRID_SK_MAX - POSTQ_MLDSA_SEED_BYTES];
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len;
};

/* Expands the composite private key sk (alg's sk size: ML-DSA seed || EdDSA seed) into skey and
 * derives its public key (skey->pk). POSTQ_E_UNSUPPORTED for an unknown alg, POSTQ_E_ARG for a
 * NULL pointer; on failure a non-NULL skey is wiped (alg NULL).
 * CT: as postq_hybrid_public_key. */
POSTQ_MUST_CHECK postq_err postq_hybrid_skey_init(struct postq_hybrid_skey *skey, const char *alg,
                                                  const uint8_t *sk);

/* postq_hybrid_sign_rnd and postq_hybrid_sign under an expanded key: the same signature, byte
 * for byte, as with the private key skey was made from (for the same rnd). POSTQ_E_ARG for a
 * NULL skey or one whose init failed. Only reads skey. */
POSTQ_MUST_CHECK postq_err postq_hybrid_sign_skey_rnd(const struct postq_hybrid_skey *skey,
                                                      const uint8_t *msg, size_t msglen,
                                                      const uint8_t *ctx, size_t ctxlen,
                                                      const uint8_t rnd[32], uint8_t *sig);
POSTQ_MUST_CHECK postq_err postq_hybrid_sign_skey(const struct postq_hybrid_skey *skey,
                                                  const uint8_t *msg, size_t msglen,
                                                  const uint8_t *ctx, size_t ctxlen, uint8_t *sig);

/* Wipes skey (NULL is fine). */
void postq_hybrid_skey_wipe(struct postq_hybrid_skey *skey);

#endif
