/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the aws-nitro-enclave verifier (src/attest/vendor/nitro.c) on arbitrary
 * bytes as a raw document (docB64 = their base64), under a policy pinning the AWS Nitro root,
 * at a time inside the corpus's real documents' window (build as fuzz_jws.c says). Every input
 * must get a verdict; only a document AWS signed can pass. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_nitro_policy[] =
    "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":["
    "\"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000\"]},\"rootCertSha256\":"
    "\"641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b\",\"allowDebug\":true}}";

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
    /* 2022-10-12T13:50:07Z: inside the debug corpus document's window. */
    err = postq_attest_verify_ex(b64, fuzz_nitro_policy, NULL, INT64_C(1665582607000), &report);
    if (err != POSTQ_OK || (report.verdict.ok == 0 && report.verdict.reason[0] == '\0')) {
        abort();
    }
    free(b64);
    return 0;
}
