/* SPDX-License-Identifier: Apache-2.0 */
/* EdDSA [RFC 8032]: Ed25519 through libsodium, Ed448 (pure, empty context) through OpenSSL's
 * EVP interface. The only file in the tree that includes libsodium. */
#include "crypto/ed.h"

#include <pthread.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "common/mem.h"

/* A non-NULL pointer for empty messages: neither backend documents msg = NULL as allowed. */
static const uint8_t empty_msg[1];

/* sodium_init() is itself thread-safe and idempotent since libsodium 1.0.11 (it takes a global
 * mutex and returns 1 when already initialised). pthread_once keeps that lock off every call
 * and remembers a failure, which then fails every Ed25519 operation instead of running on an
 * uninitialised library. */
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void sodium_setup(void)
{
    sodium_status = sodium_init() < 0 ? -1 : 0;
}

static postq_err sodium_ready(void)
{
    if (pthread_once(&sodium_once, sodium_setup) != 0 || sodium_status != 0) {
        return POSTQ_E_CRYPTO;
    }
    return POSTQ_OK;
}

size_t postq_ed_seed_bytes(int curve)
{
    switch (curve) {
    case POSTQ_ED25519:
        return POSTQ_ED25519_SEED_BYTES;
    case POSTQ_ED448:
        return POSTQ_ED448_SEED_BYTES;
    default:
        return 0;
    }
}

size_t postq_ed_pk_bytes(int curve)
{
    switch (curve) {
    case POSTQ_ED25519:
        return POSTQ_ED25519_PK_BYTES;
    case POSTQ_ED448:
        return POSTQ_ED448_PK_BYTES;
    default:
        return 0;
    }
}

size_t postq_ed_sig_bytes(int curve)
{
    switch (curve) {
    case POSTQ_ED25519:
        return POSTQ_ED25519_SIG_BYTES;
    case POSTQ_ED448:
        return POSTQ_ED448_SIG_BYTES;
    default:
        return 0;
    }
}

/* ---- Ed25519 (libsodium) ---- */

static postq_err ed25519_keypair(const uint8_t *seed, uint8_t *pk)
{
    /* libsodium's secret key is seed || pk, expanded from the seed; wiped before returning. */
    uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
    postq_err err;

    err = sodium_ready();
    if (err != POSTQ_OK) {
        goto out;
    }
    if (crypto_sign_ed25519_seed_keypair(pk, sk, seed) != 0) {
        err = POSTQ_E_CRYPTO;
    }
out:
    postq_wipe(sk, sizeof(sk));
    return err;
}

static postq_err ed25519_sign(const uint8_t *seed, const uint8_t *msg, size_t len, uint8_t *sig)
{
    uint8_t pk[crypto_sign_ed25519_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
    postq_err err;

    err = sodium_ready();
    if (err != POSTQ_OK) {
        goto out;
    }
    if (crypto_sign_ed25519_seed_keypair(pk, sk, seed) != 0 ||
        crypto_sign_ed25519_detached(sig, NULL, msg, (unsigned long long)len, sk) != 0) {
        err = POSTQ_E_CRYPTO;
    }
out:
    postq_wipe(sk, sizeof(sk));
    return err;
}

/* As ed25519_sign with the public key already derived from seed (libsodium's secret key is
 * seed || pk): no scalar multiplication to derive it again. */
static postq_err ed25519_sign_pk(const uint8_t *seed, const uint8_t *pk, const uint8_t *msg,
                                 size_t len, uint8_t *sig)
{
    uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
    postq_err err;

    err = sodium_ready();
    if (err != POSTQ_OK) {
        return err;
    }
    memcpy(sk, seed, crypto_sign_ed25519_SEEDBYTES);
    memcpy(sk + crypto_sign_ed25519_SEEDBYTES, pk, crypto_sign_ed25519_PUBLICKEYBYTES);
    if (crypto_sign_ed25519_detached(sig, NULL, msg, (unsigned long long)len, sk) != 0) {
        err = POSTQ_E_CRYPTO;
    }
    postq_wipe(sk, sizeof(sk));
    return err;
}

static postq_err ed25519_verify(const uint8_t *pk, const uint8_t *msg, size_t len,
                                const uint8_t *sig)
{
    postq_err err = sodium_ready();

    if (err != POSTQ_OK) {
        return err;
    }
    /* libsodium 1.0.18 (built without ED25519_COMPAT) rejects S >= L, a small-order R, and a
     * non-canonical or small-order public key before checking the group equation. */
    if (crypto_sign_ed25519_verify_detached(sig, msg, (unsigned long long)len, pk) != 0) {
        return POSTQ_E_INVALID;
    }
    return POSTQ_OK;
}

/* ---- Ed448 (OpenSSL EVP) ---- */

static postq_err ed448_keypair(const uint8_t *seed, uint8_t *pk)
{
    EVP_PKEY *key;
    size_t pklen = POSTQ_ED448_PK_BYTES;
    postq_err err = POSTQ_OK;

    key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED448, NULL, seed, POSTQ_ED448_SEED_BYTES);
    if (key == NULL) {
        err = POSTQ_E_CRYPTO;
        goto out;
    }
    if (EVP_PKEY_get_raw_public_key(key, pk, &pklen) != 1 || pklen != POSTQ_ED448_PK_BYTES) {
        err = POSTQ_E_CRYPTO;
    }
out:
    EVP_PKEY_free(key); /* OpenSSL clears the private key as it frees it */
    if (err != POSTQ_OK) {
        ERR_clear_error();
    }
    return err;
}

static postq_err ed448_sign(const uint8_t *seed, const uint8_t *msg, size_t len, uint8_t *sig)
{
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    size_t siglen = POSTQ_ED448_SIG_BYTES;
    postq_err err = POSTQ_E_CRYPTO;

    key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED448, NULL, seed, POSTQ_ED448_SEED_BYTES);
    md = EVP_MD_CTX_new();
    if (key == NULL || md == NULL) {
        goto out;
    }
    /* No digest: pure Ed448; no context parameter set: the empty context [RFC 8032 §5.2]. */
    if (EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1) {
        goto out;
    }
    if (EVP_DigestSign(md, sig, &siglen, msg, len) != 1 || siglen != POSTQ_ED448_SIG_BYTES) {
        goto out;
    }
    err = POSTQ_OK;
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    if (err != POSTQ_OK) {
        ERR_clear_error();
    }
    return err;
}

static postq_err ed448_verify(const uint8_t *pk, const uint8_t *msg, size_t len, const uint8_t *sig)
{
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    postq_err err = POSTQ_E_CRYPTO;
    int rc;

    /* Import only copies the bytes; a key that does not decode fails inside verification. */
    key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, pk, POSTQ_ED448_PK_BYTES);
    if (key == NULL) {
        err = POSTQ_E_INVALID;
        goto out;
    }
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) != 1) {
        goto out;
    }
    /* 1 = valid, 0 = invalid; OpenSSL also reports a malformed signature or key (including
     * S >= L, checked by OpenSSL 3.0's ossl_c448_ed448_verify) as a failure, never as valid. */
    rc = EVP_DigestVerify(md, sig, POSTQ_ED448_SIG_BYTES, msg, len);
    err = rc == 1 ? POSTQ_OK : POSTQ_E_INVALID;
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    if (err != POSTQ_OK) {
        ERR_clear_error();
    }
    return err;
}

/* ---- dispatch ---- */

postq_err postq_ed_keypair(int curve, const uint8_t *seed, uint8_t *pk)
{
    size_t pklen = postq_ed_pk_bytes(curve);
    postq_err err;

    if (pklen == 0) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (seed == NULL || pk == NULL) {
        return POSTQ_E_ARG;
    }
    err = curve == POSTQ_ED25519 ? ed25519_keypair(seed, pk) : ed448_keypair(seed, pk);
    if (err != POSTQ_OK) {
        postq_wipe(pk, pklen);
    }
    return err;
}

postq_err postq_ed_sign(int curve, const uint8_t *seed, const uint8_t *msg, size_t len,
                        uint8_t *sig)
{
    size_t siglen = postq_ed_sig_bytes(curve);
    postq_err err;

    if (siglen == 0) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (seed == NULL || sig == NULL || (msg == NULL && len != 0)) {
        return POSTQ_E_ARG;
    }
    if (msg == NULL) {
        msg = empty_msg;
    }
    err = curve == POSTQ_ED25519 ? ed25519_sign(seed, msg, len, sig)
                                 : ed448_sign(seed, msg, len, sig);
    if (err != POSTQ_OK) {
        postq_wipe(sig, siglen);
    }
    return err;
}

postq_err postq_ed_sign_pk(int curve, const uint8_t *seed, const uint8_t *pk, const uint8_t *msg,
                           size_t len, uint8_t *sig)
{
    size_t siglen = postq_ed_sig_bytes(curve);
    postq_err err;

    if (curve != POSTQ_ED25519 || pk == NULL) {
        return postq_ed_sign(curve, seed, msg, len, sig);
    }
    if (seed == NULL || sig == NULL || (msg == NULL && len != 0)) {
        return POSTQ_E_ARG;
    }
    if (msg == NULL) {
        msg = empty_msg;
    }
    err = ed25519_sign_pk(seed, pk, msg, len, sig);
    if (err != POSTQ_OK) {
        postq_wipe(sig, siglen);
    }
    return err;
}

postq_err postq_ed_verify(int curve, const uint8_t *pk, const uint8_t *msg, size_t len,
                          const uint8_t *sig, size_t siglen)
{
    size_t want = postq_ed_sig_bytes(curve);

    if (want == 0) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (pk == NULL || (msg == NULL && len != 0)) {
        return POSTQ_E_ARG;
    }
    if (sig == NULL || siglen != want) {
        return POSTQ_E_INVALID;
    }
    if (msg == NULL) {
        msg = empty_msg;
    }
    return curve == POSTQ_ED25519 ? ed25519_verify(pk, msg, len, sig)
                                  : ed448_verify(pk, msg, len, sig);
}

postq_err postq_ed25519_pk_check(const uint8_t *pk)
{
    postq_err err = sodium_ready();

    if (err != POSTQ_OK) {
        return err;
    }
    /* libsodium's check: canonical, on the curve, not of small order, in the main subgroup. */
    return crypto_core_ed25519_is_valid_point(pk) == 1 ? POSTQ_OK : POSTQ_E_INVALID;
}
