/* SPDX-License-Identifier: Apache-2.0 */
/* AES-256-GCM [NIST SP 800-38D] on OpenSSL 3's EVP interface (AES-NI + PCLMULQDQ where the
 * CPU has them). The only OpenSSL cipher code in the tree. */
#include "crypto/aead.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/mem.h"

/* Fetched once (as sha2.c does for digests); lives until exit. */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes256gcm;

static void fetch(void)
{
    aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    ERR_clear_error();
}

static const EVP_CIPHER *get_cipher(void)
{
    if (pthread_once(&fetch_once, fetch) != 0) {
        return NULL;
    }
    return aes256gcm;
}

/* A non-NULL pointer for empty inputs and outputs. */
static const uint8_t empty_in[1];

/* EVP takes int lengths: feed long inputs in pieces no larger than INT_MAX. With
 * POSTQ_AEAD_MAX_BYTES = 2^30 one piece always suffices, but the loop keeps that an
 * implementation detail. */
static int update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t len)
{
    while (len > 0) {
        int n = len > (size_t)INT_MAX ? INT_MAX : (int)len;
        int outl = 0;
        if (EVP_CipherUpdate(ctx, out, &outl, in, n) != 1 || outl != n) {
            return 0;
        }
        if (out != NULL) {
            out += n;
        }
        in += n;
        len -= (size_t)n;
    }
    return 1;
}

static int feed_aad(EVP_CIPHER_CTX *ctx, const uint8_t *aad, size_t aad_len)
{
    while (aad_len > 0) {
        int n = aad_len > (size_t)INT_MAX ? INT_MAX : (int)aad_len;
        int outl = 0;
        if (EVP_CipherUpdate(ctx, NULL, &outl, aad, n) != 1) {
            return 0;
        }
        aad += n;
        aad_len -= (size_t)n;
    }
    return 1;
}

static postq_err check_args(const uint8_t *out, const uint8_t *key, const uint8_t *nonce,
                            const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len)
{
    if (key == NULL || nonce == NULL || (aad == NULL && aad_len != 0) ||
        ((in == NULL || out == NULL) && len != 0)) {
        return POSTQ_E_ARG;
    }
    if (len > POSTQ_AEAD_MAX_BYTES || aad_len > POSTQ_AEAD_MAX_BYTES) {
        return POSTQ_E_TOO_LARGE;
    }
    return POSTQ_OK;
}

postq_err postq_aead_seal(uint8_t *ct, uint8_t tag[POSTQ_AEAD_TAG_BYTES],
                          const uint8_t key[POSTQ_AEAD_KEY_BYTES],
                          const uint8_t nonce[POSTQ_AEAD_NONCE_BYTES], const uint8_t *aad,
                          size_t aad_len, const uint8_t *pt, size_t len)
{
    const EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t final_block[16];
    int outl = 0;
    postq_err err;

    if (tag == NULL) {
        return POSTQ_E_ARG;
    }
    err = check_args(ct, key, nonce, aad, aad_len, pt, len);
    if (err != POSTQ_OK) {
        postq_wipe(tag, POSTQ_AEAD_TAG_BYTES);
        return err; /* nothing owned; ct[0..len) may not even be valid memory */
    }
    err = POSTQ_E_CRYPTO;
    cipher = get_cipher();
    ctx = EVP_CIPHER_CTX_new();
    if (cipher == NULL || ctx == NULL ||
        EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1 ||
        !feed_aad(ctx, aad, aad_len) || !update(ctx, ct, pt == NULL ? empty_in : pt, len) ||
        EVP_EncryptFinal_ex(ctx, final_block, &outl) != 1 || outl != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, POSTQ_AEAD_TAG_BYTES, tag) != 1) {
        goto out;
    }
    err = POSTQ_OK;
out:
    if (err != POSTQ_OK) {
        postq_wipe(tag, POSTQ_AEAD_TAG_BYTES);
        if (ct != NULL) {
            postq_wipe(ct, len);
        }
        ERR_clear_error();
    }
    EVP_CIPHER_CTX_free(ctx); /* OpenSSL cleanses the key schedule */
    postq_wipe(final_block, sizeof(final_block));
    return err;
}

postq_err postq_aead_open(uint8_t *pt, const uint8_t key[POSTQ_AEAD_KEY_BYTES],
                          const uint8_t nonce[POSTQ_AEAD_NONCE_BYTES], const uint8_t *aad,
                          size_t aad_len, const uint8_t *ct, size_t len,
                          const uint8_t tag[POSTQ_AEAD_TAG_BYTES])
{
    const EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t tag_copy[POSTQ_AEAD_TAG_BYTES];
    uint8_t final_block[16];
    int outl = 0;
    postq_err err;

    if (tag == NULL) {
        return POSTQ_E_ARG;
    }
    err = check_args(pt, key, nonce, aad, aad_len, ct, len);
    if (err != POSTQ_OK) {
        return err; /* nothing owned; pt[0..len) may not even be valid memory */
    }
    memcpy(tag_copy, tag, sizeof(tag_copy)); /* the ctrl takes a non-const pointer */
    err = POSTQ_E_CRYPTO;
    cipher = get_cipher();
    ctx = EVP_CIPHER_CTX_new();
    if (cipher == NULL || ctx == NULL ||
        EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1 ||
        !feed_aad(ctx, aad, aad_len) || !update(ctx, pt, ct == NULL ? empty_in : ct, len) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, POSTQ_AEAD_TAG_BYTES, tag_copy) != 1) {
        goto out;
    }
    /* Final is where GCM compares the tag; a mismatch is the one "invalid" outcome. */
    if (EVP_DecryptFinal_ex(ctx, final_block, &outl) != 1 || outl != 0) {
        err = POSTQ_E_INVALID;
        goto out;
    }
    err = POSTQ_OK;
out:
    if (err != POSTQ_OK) {
        if (pt != NULL) {
            postq_wipe(pt, len);
        }
        ERR_clear_error();
    }
    EVP_CIPHER_CTX_free(ctx);
    postq_wipe(final_block, sizeof(final_block));
    postq_wipe(tag_copy, sizeof(tag_copy));
    return err;
}
