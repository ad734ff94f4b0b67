/* SPDX-License-Identifier: Apache-2.0 */
/* The tests' independent reference for composite M' and the EdDSA half (composite_ref.h). */
#include "composite_ref.h"

#include "testlib.h"

#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

/* The bytes are spelled out rather than taken from string literals so that a typo in the
 * product's literals cannot be repeated here by copy and paste. */
const uint8_t tl_comp_prefix[TL_COMP_PREFIX_BYTES] = {
    0x43, 0x6f, 0x6d, 0x70, 0x6f, 0x73, 0x69, 0x74, 0x65, 0x41, 0x6c, 0x67, 0x6f, 0x72, 0x69, 0x74,
    0x68, 0x6d, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x73, 0x32, 0x30, 0x32, 0x35,
};
const uint8_t tl_comp_label44[TL_COMP_LABEL_BYTES] = {
    0x43, 0x4f, 0x4d, 0x50, 0x53, 0x49, 0x47, 0x2d, 0x4d, 0x4c, 0x44, 0x53, 0x41, 0x34, 0x34,
    0x2d, 0x45, 0x64, 0x32, 0x35, 0x35, 0x31, 0x39, 0x2d, 0x53, 0x48, 0x41, 0x35, 0x31, 0x32,
};
const uint8_t tl_comp_label65[TL_COMP_LABEL_BYTES] = {
    0x43, 0x4f, 0x4d, 0x50, 0x53, 0x49, 0x47, 0x2d, 0x4d, 0x4c, 0x44, 0x53, 0x41, 0x36, 0x35,
    0x2d, 0x45, 0x64, 0x32, 0x35, 0x35, 0x31, 0x39, 0x2d, 0x53, 0x48, 0x41, 0x35, 0x31, 0x32,
};
const uint8_t tl_comp_label87[TL_COMP_LABEL_BYTES] = {
    0x43, 0x4f, 0x4d, 0x50, 0x53, 0x49, 0x47, 0x2d, 0x4d, 0x4c, 0x44, 0x53, 0x41, 0x38, 0x37,
    0x2d, 0x45, 0x64, 0x34, 0x34, 0x38, 0x2d, 0x53, 0x48, 0x41, 0x4b, 0x45, 0x32, 0x35, 0x36,
};

void tl_comp_ph(int ed448, const uint8_t *m, size_t len, uint8_t out[TL_COMP_PH_BYTES])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;

    assert_non_null(c);
    if (ed448) {
        assert_int_equal(EVP_DigestInit_ex(c, EVP_shake256(), NULL), 1);
        assert_int_equal(EVP_DigestUpdate(c, m, len), 1);
        assert_int_equal(EVP_DigestFinalXOF(c, out, TL_COMP_PH_BYTES), 1);
    } else {
        assert_int_equal(EVP_DigestInit_ex(c, EVP_sha512(), NULL), 1);
        assert_int_equal(EVP_DigestUpdate(c, m, len), 1);
        assert_int_equal(EVP_DigestFinal_ex(c, out, &n), 1);
        assert_int_equal(n, TL_COMP_PH_BYTES);
    }
    EVP_MD_CTX_free(c);
}

size_t tl_comp_mprime(int ed448, const uint8_t *label, const uint8_t *m, size_t mlen,
                      const uint8_t *ctx, size_t ctxlen, uint8_t *out)
{
    size_t n = 0;

    assert_true(ctxlen <= 255);
    memcpy(out + n, tl_comp_prefix, TL_COMP_PREFIX_BYTES);
    n += TL_COMP_PREFIX_BYTES;
    memcpy(out + n, label, TL_COMP_LABEL_BYTES);
    n += TL_COMP_LABEL_BYTES;
    out[n++] = (uint8_t)ctxlen;
    if (ctxlen > 0) {
        memcpy(out + n, ctx, ctxlen);
        n += ctxlen;
    }
    tl_comp_ph(ed448, m, mlen, out + n);
    return n + TL_COMP_PH_BYTES;
}

void tl_comp_ed_sign(int ed448, const uint8_t *seed, const uint8_t *m, size_t len, uint8_t *sig)
{
    if (!ed448) {
        uint8_t pk[crypto_sign_ed25519_PUBLICKEYBYTES];
        uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
        assert_int_equal(crypto_sign_ed25519_seed_keypair(pk, sk, seed), 0);
        assert_int_equal(crypto_sign_ed25519_detached(sig, NULL, m, len, sk), 0);
        sodium_memzero(sk, sizeof(sk));
    } else {
        EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED448, NULL, seed, 57);
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        size_t siglen = 114;
        assert_non_null(key);
        assert_non_null(c);
        assert_int_equal(EVP_DigestSignInit(c, NULL, NULL, NULL, key), 1);
        assert_int_equal(EVP_DigestSign(c, sig, &siglen, m, len), 1);
        assert_int_equal(siglen, 114);
        EVP_MD_CTX_free(c);
        EVP_PKEY_free(key);
    }
}
