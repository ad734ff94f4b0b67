/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the gcp-confidential-space verifier (src/attest/vendor/gcp.c, jwt.c) on
 * arbitrary bytes as a raw token (docB64 = their base64), under a policy pinning the
 * Confidential Space root, at a time inside the corpus's real token's hour (build as
 * fuzz_jws.c says). Every input must get a verdict. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_gcp_policy[] =
    "{\"vendor\":\"gcp-confidential-space\",\"matchRules\":{\"rootCertSha256\":"
    "\"148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f86c39\",\"imageDigests\":["
    "\"sha256:313b8a83d3c8bfc9abcffee4f538424473e2705383a7e46f16d159faf0e5ef34\"],"
    "\"audiences\":[\"https://echo.oak.dev\"],\"allowDebug\":true}}";

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
    /* 2025-06-23T14:30:00Z */
    err = postq_attest_verify_ex(b64, fuzz_gcp_policy, NULL, INT64_C(1750689000000), &report);
    if (err != POSTQ_OK || (report.verdict.ok == 0 && report.verdict.reason[0] == '\0')) {
        abort();
    }
    free(b64);
    return 0;
}
