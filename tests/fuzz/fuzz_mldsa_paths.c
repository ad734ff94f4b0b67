/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the AVX2 and the portable ML-DSA paths against each other
 * (src/crypto/mldsa/, common/cpu.h). Input: a level selector byte, a 32-byte seed, then a
 * message. Both paths make the key pair, sign the message (deterministic and with rnd taken from
 * the input), verify the signature, a copy with input bytes XORed into it, and the input itself
 * read as a signature; they must agree byte for byte and verdict for verdict, or the target
 * aborts. On a CPU without AVX2 both runs take the portable path (nothing to compare, nothing
 * fails). Build as fuzz_jws.c says (make fuzz). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/mldsa.h>

#include "common/cpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_mldsa_paths_same(const void *a, const void *b, size_t n)
{
    if (memcmp(a, b, n) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int levels[3] = {44, 65, 87};
    static uint8_t pk[2][POSTQ_MLDSA_PK_MAX], sk[2][POSTQ_MLDSA_SK_MAX];
    static uint8_t sig[2][POSTQ_MLDSA_SIG_MAX], bad[POSTQ_MLDSA_SIG_MAX];
    uint8_t seed[32] = {0}, rnd[32] = {0};
    const uint8_t *msg;
    size_t msglen, siglen;
    int level, v[2];

    if (size < 1 + sizeof(seed)) {
        return 0;
    }
    level = levels[data[0] % 3];
    memcpy(seed, data + 1, sizeof(seed));
    msg = data + 1 + sizeof(seed);
    msglen = size - 1 - sizeof(seed);
    memcpy(rnd, msg, msglen < sizeof(rnd) ? msglen : sizeof(rnd));
    siglen = postq_mldsa_sig_bytes(level);

    for (int path = 0; path < 2; path++) {
        postq_cpu_set_avx2(path);
        if (postq_mldsa_keygen(level, seed, pk[path], sk[path]) != POSTQ_OK ||
            postq_mldsa_sign(level, sk[path], msg, msglen, NULL, 0, (data[0] & 4) != 0 ? rnd : NULL,
                             sig[path]) != POSTQ_OK) {
            abort();
        }
    }
    fuzz_mldsa_paths_same(pk[0], pk[1], postq_mldsa_pk_bytes(level));
    fuzz_mldsa_paths_same(sk[0], sk[1], postq_mldsa_sk_bytes(level));
    fuzz_mldsa_paths_same(sig[0], sig[1], siglen);

    /* The good signature, a corrupted copy, and the input read as a signature. */
    memcpy(bad, sig[0], siglen);
    for (size_t i = 0; i < msglen; i++) {
        bad[(i * 131 + msg[i]) % siglen] ^= msg[i];
    }
    for (int which = 0; which < 3; which++) {
        const uint8_t *s = which == 0 ? sig[0] : which == 1 ? bad : data;
        size_t slen = which == 2 ? size : siglen;
        for (int path = 0; path < 2; path++) {
            postq_cpu_set_avx2(path);
            v[path] = postq_mldsa_verify(level, pk[0], msg, msglen, NULL, 0, s, slen);
        }
        if (v[0] != v[1] || (which == 0 && v[0] != POSTQ_OK)) {
            abort();
        }
    }
    postq_cpu_set_avx2(1);
    return 0;
}
