/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the attestation policy parser (src/attest/policy.c). A parsed policy must
 * satisfy the rules of policy.h (build as fuzz_jws.c says). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct postq_attest_policy p;
    char detail[128];

    if (postq_policy_parse(&p, (const char *)data, size, detail, sizeof(detail)) != POSTQ_OK) {
        if (detail[0] == '\0' || p.match_rules_json != NULL) {
            abort(); /* every refusal names its reason and owns nothing */
        }
        return 0;
    }
    if (p.vendor == POSTQ_VENDOR_NONE || p.max_doc_age_s < 0 ||
        p.max_doc_age_s > POSTQ_POLICY_MAX_AGE_MAX ||
        (p.vendor == POSTQ_VENDOR_MOCK && (p.n_images == 0 || p.match_rules_json != NULL)) ||
        (p.vendor != POSTQ_VENDOR_MOCK && p.match_rules_json == NULL)) {
        abort();
    }
    postq_policy_free(&p);
    return 0;
}
