/* SPDX-License-Identifier: Apache-2.0 */
/* Internal composite entry points that work from the pre-hash PH(M), so a payload of any size
 * can be hashed as it streams past and verified without holding it
 * [draft-ietf-lamps-pq-composite-sigs-19 §4.2-4.3]. */
#ifndef POSTQ_CRYPTO_COMPOSITE_H
#define POSTQ_CRYPTO_COMPOSITE_H

#include <postq/hybrid.h>

#include "crypto/keccak.h"
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

#endif
