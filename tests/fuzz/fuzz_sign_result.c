/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the sign-result parser (src/attest/sign_result.c, docs/formats.md), then the
 * verifier on what it parsed (its docB64, vendor and signature) under fuzz_jws.c's policy
 * (build as fuzz_jws.c says). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/sign_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Pins the root of the corpus's documents (seed tag 1 of tests/lib/mockdoc.c). */
static const char fuzz_sign_result_policy[] =
    "{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":["
    "\"1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f\"],"
    "\"rootPublicKeyB64\":\"A2Dt8aB8KSXfA/eN9I5UX20S9k52oJV7040ICS4aBP4=\"}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct postq_sign_result r;
    postq_verdict v;
    char detail[128];

    if (postq_sign_result_parse(&r, (const char *)data, size, detail, sizeof(detail)) !=
        POSTQ_OK) {
        return 0;
    }
    if (r.sig_len > sizeof(r.signature) || strlen(r.doc_b64) > POSTQ_ATTEST_DOC_B64_MAX) {
        abort();
    }
    if (r.has_attestation) {
        if (postq_attest_verify(r.doc_b64, r.vendor, fuzz_sign_result_policy, NULL, 0,
                                r.signature, r.sig_len, INT64_C(1764000000000), &v) != 0 ||
            (!v.ok && v.reason[0] == '\0')) {
            abort();
        }
    }
    return 0;
}
