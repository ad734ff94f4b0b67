/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the JWS compact parser (src/attest/jws.c), then the whole mock verifier on
 * the same bytes as a raw document (docB64 = their base64) under a fixed policy.
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc tests/fuzz/fuzz_jws.c \
 *         <libpostq objects built with -fsanitize=address,undefined> -lcrypto -lsodium -ljansson
 * The committed corpus (tests/fuzz/corpus/jws/) is replayed by make test. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/jws.h"
#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Pins the root of the corpus's signed documents (seed tag 1 of tests/lib/mockdoc.c). */
static const char fuzz_jws_policy[] =
    "{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":["
    "\"1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f\"],"
    "\"rootPublicKeyB64\":\"A2Dt8aB8KSXfA/eN9I5UX20S9k52oJV7040ICS4aBP4=\","
    "\"maxDocAgeSeconds\":300}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct postq_jws jws;
    static struct postq_attest_report report;
    char detail[128];
    size_t enc;
    char *b64;

    if (postq_jws_parse(&jws, data, size, detail, sizeof(detail)) == POSTQ_OK) {
        /* Invariants of a successful parse. */
        if (jws.signing_input_len >= size || jws.payload_len > POSTQ_JWS_PAYLOAD_MAX ||
            jws.sig_len > POSTQ_JWS_SIG_MAX || data[jws.signing_input_len] != '.' ||
            strlen(jws.alg) >= sizeof(jws.alg)) {
            abort();
        }
    }
    enc = postq_base64_encoded_len(size, POSTQ_B64_STD);
    b64 = malloc(enc + 1);
    if (b64 == NULL || postq_base64_encode(b64, enc + 1, NULL, data, size, POSTQ_B64_STD) !=
                           POSTQ_OK) {
        free(b64);
        return 0;
    }
    if (postq_attest_verify_ex(b64, fuzz_jws_policy, NULL, INT64_C(1764000000000), &report) !=
        POSTQ_OK) {
        abort(); /* a well-formed policy and inputs always give a verdict */
    }
    if (!report.verdict.ok && report.verdict.reason[0] == '\0') {
        abort();
    }
    free(b64);
    return 0;
}
