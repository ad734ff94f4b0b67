/* SPDX-License-Identifier: Apache-2.0 */
/* Sealed private keys: AES-256-GCM under the enclave's sealing key, the AAD binding the key id,
 * the algorithm and the format version, so a blob opens only for the exact (alg, keyId) it was
 * made for. Format in enclave.h and docs/enclave-protocol.md. */
#include "enclave/enclave.h"

#include <string.h>

#include <postq/hybrid.h>

#include "common/mem.h"
#include "crypto/aead.h"
#include "crypto/rand.h"

#define AAD_LABEL "postq-sealed-key"
#define AAD_MAX (sizeof(AAD_LABEL) - 1 + 1 + 1 + 255 + 1 + 255)

static postq_err make_aad(uint8_t *aad, size_t *aad_len, const char *alg, const char *key_id)
{
    size_t la = strnlen(alg, 256), lk = strnlen(key_id, 256), n = sizeof(AAD_LABEL) - 1;

    if (la == 0 || la > 255 || lk == 0 || lk > 127) {
        return POSTQ_E_ARG;
    }
    memcpy(aad, AAD_LABEL, n);
    aad[n++] = POSTQ_ENCLAVE_SEAL_VERSION;
    aad[n++] = (uint8_t)la;
    memcpy(aad + n, alg, la);
    n += la;
    aad[n++] = (uint8_t)lk;
    memcpy(aad + n, key_id, lk);
    n += lk;
    *aad_len = n;
    return POSTQ_OK;
}

postq_err postq_enclave_seal(uint8_t *out, size_t cap, size_t *out_len,
                             const uint8_t seal_key[32], const char *alg, const char *key_id,
                             const uint8_t *sk, const uint8_t pk_sha256[32])
{
    uint8_t aad[AAD_MAX], pt[POSTQ_HYBRID_SK_MAX + 32];
    size_t aad_len = 0, sk_len = 0, pt_len;
    postq_err err;

    if (out == NULL || out_len == NULL || seal_key == NULL || alg == NULL || key_id == NULL ||
        sk == NULL || pk_sha256 == NULL) {
        return POSTQ_E_ARG;
    }
    *out_len = 0;
    err = postq_hybrid_sizes(alg, NULL, &sk_len, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    err = make_aad(aad, &aad_len, alg, key_id);
    if (err != POSTQ_OK) {
        return err;
    }
    pt_len = sk_len + 32;
    if (cap < POSTQ_ENCLAVE_SEAL_OVERHEAD + pt_len) {
        return POSTQ_E_LENGTH;
    }
    /* The plaintext carries SHA-256(public key) beside the private key, so that sign can fill
     * publicKeySha256 without re-deriving the public key (an ML-DSA key generation). */
    memcpy(pt, sk, sk_len);
    memcpy(pt + sk_len, pk_sha256, 32);
    out[0] = POSTQ_ENCLAVE_SEAL_VERSION;
    err = postq_rand_bytes(out + 1, 12); /* random 96-bit nonces: at most 2^32 seals per key */
    if (err == POSTQ_OK) {
        err = postq_aead_seal(out + 13, out + 13 + pt_len, seal_key, out + 1, aad, aad_len, pt,
                              pt_len);
    }
    postq_wipe(pt, sizeof(pt));
    if (err != POSTQ_OK) {
        postq_wipe(out, POSTQ_ENCLAVE_SEAL_OVERHEAD + pt_len);
        return err;
    }
    *out_len = POSTQ_ENCLAVE_SEAL_OVERHEAD + pt_len;
    return POSTQ_OK;
}

postq_err postq_enclave_unseal(uint8_t *sk, size_t cap, uint8_t pk_sha256[32],
                               const uint8_t seal_key[32], const char *alg, const char *key_id,
                               const uint8_t *sealed, size_t len)
{
    uint8_t aad[AAD_MAX], pt[POSTQ_HYBRID_SK_MAX + 32];
    size_t aad_len = 0, sk_len = 0, pt_len;
    postq_err err;

    if (sk == NULL || pk_sha256 == NULL || seal_key == NULL || alg == NULL || key_id == NULL ||
        (sealed == NULL && len != 0)) {
        return POSTQ_E_ARG;
    }
    err = postq_hybrid_sizes(alg, NULL, &sk_len, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    if (cap < sk_len) {
        return POSTQ_E_LENGTH;
    }
    pt_len = sk_len + 32;
    /* Shape first (all public): version and length for this algorithm. */
    if (len != POSTQ_ENCLAVE_SEAL_OVERHEAD + pt_len || sealed[0] != POSTQ_ENCLAVE_SEAL_VERSION ||
        make_aad(aad, &aad_len, alg, key_id) != POSTQ_OK) {
        postq_wipe(sk, cap);
        postq_wipe(pk_sha256, 32);
        return POSTQ_E_INVALID;
    }
    err = postq_aead_open(pt, seal_key, sealed + 1, aad, aad_len, sealed + 13, pt_len,
                          sealed + 13 + pt_len);
    if (err != POSTQ_OK) {
        postq_wipe(sk, cap);
        postq_wipe(pk_sha256, 32);
        postq_wipe(pt, sizeof(pt));
        return err;
    }
    memcpy(sk, pt, sk_len);
    memcpy(pk_sha256, pt + sk_len, 32);
    postq_wipe(pt, sizeof(pt));
    return POSTQ_OK;
}
