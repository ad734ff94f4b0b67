/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the composite public key readers of include/postq/verify.h on the same
 * bytes, as PEM, as DER and as the key's JSON (src/attest/result.c, src/crypto/spki.c). A key
 * read is of exactly its algorithm's size; a refusal is one of the documented errors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/hybrid.h>
#include <postq/verify.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many of the three readers took the last input (the replay test checks its seeds). */
static int fuzz_pubkey_last_ok;

static void check(int err, const char *alg, size_t pk_len)
{
    size_t want = 0;

    if (err == POSTQ_OK) {
        fuzz_pubkey_last_ok++;
        if (alg == NULL || postq_hybrid_sizes(alg, &want, NULL, NULL) != POSTQ_OK ||
            pk_len != want) {
            abort(); /* a key read must be whole and of a known algorithm */
        }
    } else if (err != POSTQ_E_MALFORMED && err != POSTQ_E_UNSUPPORTED) {
        abort(); /* nothing else is documented for a large enough buffer */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    const char *alg = NULL;
    size_t pk_len = 0;
    int err;

    fuzz_pubkey_last_ok = 0;
    err = postq_public_key_from_pem((const char *)data, size, &alg, pk, sizeof(pk), &pk_len);
    check(err, alg, pk_len);
    alg = NULL;
    pk_len = 0;
    err = postq_public_key_from_der(data, size, &alg, pk, sizeof(pk), &pk_len);
    check(err, alg, pk_len);
    alg = NULL;
    pk_len = 0;
    err = postq_public_key_from_json((const char *)data, size, &alg, pk, sizeof(pk), &pk_len);
    check(err, alg, pk_len);
    return 0;
}
