/* SPDX-License-Identifier: Apache-2.0 */
/* Internal composite entry points that work from the pre-hash PH(M), so a payload of any size
 * can be hashed as it streams past and verified without holding it, and an expanded
 * verification key for verifying many signatures under one key
 * [draft-ietf-lamps-pq-composite-sigs-19 §4.2-4.3]. */
#ifndef POSTQ_CRYPTO_COMPOSITE_H
#define POSTQ_CRYPTO_COMPOSITE_H

#include <postq/hybrid.h>

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

#endif
