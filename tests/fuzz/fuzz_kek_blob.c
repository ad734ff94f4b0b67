/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: postq-api's opening of a software key's blob with its key-encryption key
 * (src/server/kek.c, postq_kek_open), the bytes it reads back from its database. The first byte
 * picks the algorithm, the rest is the blob, for key id "key_fuzz" under a fixed KEK. A blob
 * that opens gives exactly the algorithm's private key size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/hybrid.h>

#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the last input opened (read by the replay test: its valid-* seeds must). */
static int fuzz_kek_blob_last_ok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    static const uint8_t kek[POSTQ_KEK_BYTES] = {0x4b, 0x45, 0x4b}; /* the corpus's key */
    uint8_t sk[POSTQ_HYBRID_SK_MAX];
    size_t sk_len = 0, want = 0;
    const char *alg;

    fuzz_kek_blob_last_ok = 0;
    if (size < 1) {
        return 0;
    }
    alg = algs[data[0] % 3];
    if (postq_kek_open(sk, sizeof(sk), &sk_len, kek, "key_fuzz", alg, data + 1, size - 1) !=
        POSTQ_OK) {
        return 0;
    }
    fuzz_kek_blob_last_ok = 1;
    if (postq_hybrid_sizes(alg, NULL, &want, NULL) != POSTQ_OK || sk_len != want) {
        abort();
    }
    return 0;
}
