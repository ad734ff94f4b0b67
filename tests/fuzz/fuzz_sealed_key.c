/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the enclave's opening of a sealed key (src/enclave/seal.c), the blob that
 * comes back to it from postq-api's database. The first byte picks the algorithm, the rest is
 * the blob, opened under a fixed sealing key for key id "key_fuzz". A refusal wipes what it
 * would have returned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/enclave/seal.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the last input opened (read by the replay test: its valid-* seeds must). */
static int fuzz_sealed_key_last_ok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    static const uint8_t seal_key[32] = {0x5e, 0xa1, 0x5e, 0xa1}; /* the corpus's key */
    uint8_t sk[POSTQ_HYBRID_SK_MAX], pkh[32], zero[POSTQ_HYBRID_SK_MAX];
    const char *alg;
    postq_err err;

    fuzz_sealed_key_last_ok = 0;
    if (size < 1) {
        return 0;
    }
    alg = algs[data[0] % 3];
    memset(sk, 0xaa, sizeof(sk));
    memset(pkh, 0xaa, sizeof(pkh));
    memset(zero, 0, sizeof(zero));
    err = postq_enclave_unseal(sk, sizeof(sk), pkh, seal_key, alg, "key_fuzz", data + 1,
                               size - 1);
    fuzz_sealed_key_last_ok = err == POSTQ_OK;
    if (err != POSTQ_OK) {
        size_t sk_len = 0;
        if (postq_hybrid_sizes(alg, NULL, &sk_len, NULL) != POSTQ_OK ||
            memcmp(sk, zero, sk_len) != 0 || memcmp(pkh, zero, 32) != 0) {
            abort(); /* a refused blob leaves nothing of what it held */
        }
    }
    return 0;
}
