/* SPDX-License-Identifier: Apache-2.0 */
/* Sealed private keys, in process: round trips for every algorithm; a blob opens only under
 * its own sealing key, key id and algorithm; every flipped bit, every truncation, a trailing
 * byte and another format version are refused with the output wiped. The enclave is a program,
 * not a library module, so its source is compiled in here. */
#include "testlib.h"

#include <string.h>

#include <postq/hybrid.h>

#include "../../../src/enclave/seal.c"
#include "crypto/sha2.h"

static const char *const algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t key[32], pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX], out[POSTQ_HYBRID_SK_MAX];
    uint8_t blob[200], blob2[200], pkh[32], pkh_out[32];
    size_t sk_len, pk_len, n, n2;

    memset(key, 0x42, sizeof(key));
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(postq_hybrid_sizes(algs[i], &pk_len, &sk_len, NULL), POSTQ_OK);
        assert_int_equal(postq_hybrid_keygen(algs[i], pk, sk), POSTQ_OK);
        assert_int_equal(postq_sha256(pkh, pk, pk_len), POSTQ_OK);
        assert_int_equal(
            postq_enclave_seal(blob, sizeof(blob), &n, key, algs[i], "key_1", sk, pkh), POSTQ_OK);
        assert_int_equal(n, POSTQ_ENCLAVE_SEAL_OVERHEAD + sk_len + 32);
        assert_true(n <= POSTQ_ENCLAVE_SEALED_MAX);
        assert_int_equal(blob[0], POSTQ_ENCLAVE_SEAL_VERSION);
        assert_int_equal(
            postq_enclave_unseal(out, sizeof(out), pkh_out, key, algs[i], "key_1", blob, n),
            POSTQ_OK);
        assert_memory_equal(out, sk, sk_len);
        assert_memory_equal(pkh_out, pkh, 32);
        /* Fresh nonce each time: sealing twice gives two different blobs. */
        assert_int_equal(
            postq_enclave_seal(blob2, sizeof(blob2), &n2, key, algs[i], "key_1", sk, pkh),
            POSTQ_OK);
        assert_int_equal(n, n2);
        assert_memory_not_equal(blob, blob2, n);
        /* The plaintext key is not in the blob. */
        assert_null(memmem(blob, n, sk, 16));
    }
}

static void refused(const uint8_t *key, const char *alg, const char *key_id, const uint8_t *blob,
                    size_t n)
{
    uint8_t out[POSTQ_HYBRID_SK_MAX], pkh[32];
    memset(out, 0xee, sizeof(out));
    memset(pkh, 0xee, sizeof(pkh));
    assert_int_equal(postq_enclave_unseal(out, sizeof(out), pkh, key, alg, key_id, blob, n),
                     POSTQ_E_INVALID);
    assert_true(all_zero(out, sizeof(out)));
    assert_true(all_zero(pkh, sizeof(pkh)));
}

static void test_tampering_refused(void **state)
{
    (void)state;
    uint8_t key[32], other[32], pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX];
    uint8_t blob[200], t[201], pkh[32] = {7};
    const char *alg = "mldsa65+ed25519";
    size_t n;

    memset(key, 0x42, sizeof(key));
    memcpy(other, key, 32);
    other[31] ^= 1;
    assert_int_equal(postq_hybrid_keygen(alg, pk, sk), POSTQ_OK);
    assert_int_equal(postq_enclave_seal(blob, sizeof(blob), &n, key, alg, "key_1", sk, pkh),
                     POSTQ_OK);

    for (size_t bit = 0; bit < 8 * n; bit++) {
        memcpy(t, blob, n);
        t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        refused(key, alg, "key_1", t, n);
    }
    for (size_t len = 0; len < n; len++) {
        refused(key, alg, "key_1", blob, len);
    }
    memcpy(t, blob, n);
    t[n] = 0;
    refused(key, alg, "key_1", t, n + 1);
    refused(other, alg, "key_1", blob, n);
    refused(key, alg, "key_2", blob, n);
    refused(key, alg, "key_10", blob, n);
    refused(key, alg, "key_", blob, n);
    /* mldsa44+ed25519 has the same private key size: only the AAD tells them apart. */
    refused(key, "mldsa44+ed25519", "key_1", blob, n);
    refused(key, "mldsa87+ed448", "key_1", blob, n);
    {
        uint8_t out[POSTQ_HYBRID_SK_MAX], h[32];
        assert_int_equal(postq_enclave_unseal(out, sizeof(out), h, key, "rsa", "key_1", blob, n),
                         POSTQ_E_UNSUPPORTED);
    }
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, sk[POSTQ_HYBRID_SK_MAX] = {0}, blob[200], h[32] = {0};
    char long_id[200];
    size_t n = 5;

    memset(long_id, 'k', sizeof(long_id));
    long_id[128] = 0;
    assert_int_equal(postq_enclave_seal(blob, sizeof(blob), &n, key, "nope", "k", sk, h),
                     POSTQ_E_UNSUPPORTED);
    assert_int_equal(postq_enclave_seal(blob, sizeof(blob), &n, key, "mldsa65+ed25519", "", sk, h),
                     POSTQ_E_ARG);
    assert_int_equal(
        postq_enclave_seal(blob, sizeof(blob), &n, key, "mldsa65+ed25519", long_id, sk, h),
        POSTQ_E_ARG);
    assert_int_equal(postq_enclave_seal(blob, 124, &n, key, "mldsa65+ed25519", "k", sk, h),
                     POSTQ_E_LENGTH);
    assert_int_equal(postq_enclave_seal(NULL, 200, &n, key, "mldsa65+ed25519", "k", sk, h),
                     POSTQ_E_ARG);
    assert_int_equal(postq_enclave_seal(blob, 200, &n, key, "mldsa65+ed25519", "k", sk, NULL),
                     POSTQ_E_ARG);
    assert_int_equal(postq_enclave_unseal(sk, sizeof(sk), h, key, "mldsa65+ed25519", "k", NULL, 3),
                     POSTQ_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampering_refused),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
