/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the azure-confidential-vm verifier (src/attest/vendor/azure.c, jwt.c) on
 * arbitrary bytes as a raw token (docB64 = their base64), under a policy pinning the sharedeus2
 * MAA key (the reconstructed JWKS), at a time inside the corpus's real token's life (build as
 * fuzz_jws.c says). Every input must get a verdict. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_azure_policy[] =
    "{\"vendor\":\"azure-confidential-vm\",\"matchRules\":{\"jwks\":{\"keys\":[{\"kty\":\"RSA"
    "\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"J0pAPdfXXHqWWimgrH853wMIdh5/fLe1z6uSXYPXC"
    "a0=\",\"n\":\"2NBrEQdwXUzVy2p-SZ7sBjxbVd4iTGNEQJu_Ot_C0NCzXIDT6DMEAeVZLSoWWcW6oXQ81h-yQW"
    "tw-jFW_SPgG4FGSL1UnVO8Zak80thovQk0dbZDo-9lsoOnOfXfPUL0T9AgHtqJpUr3tCfyRRLdC0MgF1tAyjZbMj"
    "8bHe2ZmJ9GLTJT5v9E0i5l3S4WZY52vMzZaVpfxw-0_s5tRzcoPGqIrMOnX_7kv5j7sisqZKNq6fP-4MHvLb_tXy"
    "HCkW6FzX8mUlwyRNzBP3R4xaXBvykzJMaAiCW_Yr_TxycdnmwsTR7he1Q78q12KnYqLvUVjg_v39_RWGSbFnaP1Y"
    "X5Hw\",\"e\":\"AQAB\"}]},\"issuers\":[\"https://sharedeus2.eus2.attest.azure.net\"],\"la"
    "unchMeasurements\":[\"6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c7"
    "9b75a5eb77fc769959f4aeb2f9401e\"]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct postq_attest_report report;
    size_t enc;
    char *b64;
    int err;

    if (size > 16384) {
        return 0;
    }
    enc = postq_base64_encoded_len(size, POSTQ_B64_STD);
    b64 = malloc(enc + 1);
    if (b64 == NULL) {
        return 0;
    }
    if (postq_base64_encode(b64, enc + 1, NULL, data, size, POSTQ_B64_STD) != POSTQ_OK) {
        abort();
    }
    /* 2025-12-15T20:00:00Z */
    err = postq_attest_verify_ex(b64, fuzz_azure_policy, NULL, INT64_C(1765828800000), &report);
    if (err != POSTQ_OK || (report.verdict.ok == 0 && report.verdict.reason[0] == '\0')) {
        abort();
    }
    free(b64);
    return 0;
}
