/* SPDX-License-Identifier: Apache-2.0 */
/* Internal entry points of the ML-DSA module that are not part of the public API (tests and
 * the composite layer use them).
 * [FIPS 204 Alg. 6, 8, 25] */
#ifndef POSTQ_CRYPTO_MLDSA_SIGN_H
#define POSTQ_CRYPTO_MLDSA_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "crypto/mldsa/params.h"
#include "crypto/mldsa/poly.h"

/* The public key of an expanded private key: pk = pkEncode(rho, t1) with
 * (t1, t0) = Power2Round(NTT^-1(A o NTT(s1)) + s2) [Alg. 6 steps 5-8]. pk holds
 * postq_mldsa_pk_bytes(level) bytes. Returns POSTQ_E_UNSUPPORTED, POSTQ_E_ARG, or
 * POSTQ_E_KEY_INVALID when an s1/s2 coefficient is out of range.
 * CT: as keygen; whether the key is valid is public. */
POSTQ_MUST_CHECK postq_err postq_mldsa_pk_from_sk(int level, const uint8_t *sk, uint8_t *pk);

/* An expanded verification key: everything of a public key that verification derives from it
 * alone [FIPS 204 Alg. 8 steps 5-6]: A-hat = ExpandA(rho) in the NTT domain (row i at
 * a[i * POSTQ_MLDSA_L_MAX]), NTT(t1 * 2^d), and tr = H(pk, 64). Caller-owned, about 65 KiB at
 * every level (sized for ML-DSA-87); no pointers into pk, which may be freed after init. It is
 * immutable after postq_mldsa_vkey_init, so one may be shared read-only by any number of
 * threads. It holds only public data: nothing to wipe. */
struct postq_mldsa_vkey {
    int level; /* 44, 65 or 87; 0 after a failed init */
    uint8_t tr[POSTQ_MLDSA_TR_BYTES];
    struct postq_mldsa_poly a[POSTQ_MLDSA_K_MAX * POSTQ_MLDSA_L_MAX];
    struct postq_mldsa_poly t1[POSTQ_MLDSA_K_MAX];
};

/* Expands pk (postq_mldsa_pk_bytes(level) bytes; every such string is a valid key) into vk.
 * Returns POSTQ_E_UNSUPPORTED for a bad level, POSTQ_E_ARG for a NULL pointer; on failure a
 * non-NULL vk is zeroed, so verifying under it answers POSTQ_E_UNSUPPORTED.
 * CT: not constant time; every input is public. */
POSTQ_MUST_CHECK postq_err postq_mldsa_vkey_init(struct postq_mldsa_vkey *vk, int level,
                                                 const uint8_t *pk);

/* postq_mldsa_verify, postq_mldsa_verify_internal and postq_mldsa_verify_mu under an expanded
 * key: for the pk that vk was made from, the same result as the plain function for every input
 * (POSTQ_E_ARG for a NULL vk). They only read vk. */
POSTQ_MUST_CHECK postq_err postq_mldsa_verify_vkey(const struct postq_mldsa_vkey *vk,
                                                   const uint8_t *msg, size_t msglen,
                                                   const uint8_t *ctx, size_t ctxlen,
                                                   const uint8_t *sig, size_t siglen);
POSTQ_MUST_CHECK postq_err postq_mldsa_verify_internal_vkey(const struct postq_mldsa_vkey *vk,
                                                            const uint8_t *mprime, size_t len,
                                                            const uint8_t *sig, size_t siglen);
POSTQ_MUST_CHECK postq_err postq_mldsa_verify_mu_vkey(const struct postq_mldsa_vkey *vk,
                                                      const uint8_t mu[64], const uint8_t *sig,
                                                      size_t siglen);

/* An expanded signing key: everything of a private key that signing derives from it alone
 * [FIPS 204 Alg. 7 steps 1-5]: skDecode's rho, K and tr, NTT(s1), NTT(s2), NTT(t0), and
 * A-hat = ExpandA(rho) (row i at a[i * POSTQ_MLDSA_L_MAX]). About 80 KiB at every level (sized
 * for ML-DSA-87). Holds secrets: keep it in memory that is locked and excluded from core dumps,
 * and wipe it with postq_mldsa_skey_wipe. Immutable after init, so threads may sign with one
 * at the same time. */
struct postq_mldsa_skey {
    int level; /* 44, 65 or 87; 0 after a failed init */
    uint8_t rho[POSTQ_MLDSA_RHO_BYTES];
    uint8_t key[POSTQ_MLDSA_KEY_BYTES];
    uint8_t tr[POSTQ_MLDSA_TR_BYTES];
    struct postq_mldsa_poly s1[POSTQ_MLDSA_L_MAX], s2[POSTQ_MLDSA_K_MAX], t0[POSTQ_MLDSA_K_MAX];
    struct postq_mldsa_poly a[POSTQ_MLDSA_K_MAX * POSTQ_MLDSA_L_MAX];
};

/* Expands the encoded private key skbytes (postq_mldsa_sk_bytes(level) bytes) into sk.
 * POSTQ_E_UNSUPPORTED for a bad level, POSTQ_E_ARG for a NULL pointer, POSTQ_E_KEY_INVALID when
 * an s1/s2 coefficient is out of range; on failure a non-NULL sk is wiped (level 0).
 * CT: as signing; whether the key is valid is public. */
POSTQ_MUST_CHECK postq_err postq_mldsa_skey_init(struct postq_mldsa_skey *sk, int level,
                                                 const uint8_t *skbytes);

/* postq_mldsa_sign under an expanded key: the same signature, byte for byte, as postq_mldsa_sign
 * with the encoded key sk was made from. POSTQ_E_ARG for a NULL sk, POSTQ_E_UNSUPPORTED for one
 * whose init failed. Only reads sk. */
POSTQ_MUST_CHECK postq_err postq_mldsa_sign_skey(const struct postq_mldsa_skey *sk,
                                                 const uint8_t *msg, size_t msglen,
                                                 const uint8_t *ctx, size_t ctxlen,
                                                 const uint8_t rnd[32], uint8_t *sig);

/* Wipes sk (NULL is fine). */
void postq_mldsa_skey_wipe(struct postq_mldsa_skey *sk);

#endif
