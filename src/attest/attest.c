/* SPDX-License-Identifier: Apache-2.0 */
/* The public verification entry points of include/postq/attest.h [include/postq/]: parse the policy
 * JSON (policy.c), then run the checks of docs/verification.md under it (verify.c). */
#include <stdio.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/verifier.h"
#include "common/mem.h"
#include "attest/policy.h"

int postq_attest_verify_ex(const char *doc_b64, const char *policy_json,
                           const struct postq_attest_input *in, int64_t now_ms,
                           struct postq_attest_report *out)
{
    struct postq_attest_policy *policy;
    char detail[200];
    postq_err err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (policy_json == NULL) {
        (void)snprintf(out->verdict.detail, sizeof(out->verdict.detail), "policy: NULL");
        return POSTQ_E_ARG;
    }
    policy = postq_malloc(sizeof(*policy));
    if (policy == NULL) {
        (void)snprintf(out->verdict.detail, sizeof(out->verdict.detail), "%s",
                       postq_strerror(POSTQ_E_NOMEM));
        return POSTQ_E_NOMEM;
    }
    err = postq_policy_parse(policy, policy_json,
                             strnlen(policy_json, POSTQ_POLICY_JSON_MAX + 1), detail,
                             sizeof(detail));
    if (err != POSTQ_OK) {
        /* One "policy: " however the parser worded it. */
        (void)snprintf(out->verdict.detail, sizeof(out->verdict.detail), "policy: %s",
                       strncmp(detail, "policy: ", 8) == 0 ? detail + 8 : detail);
        postq_free(policy);
        return err;
    }
    err = postq_attest_check_all(out, doc_b64, policy, in, now_ms);
    postq_policy_free(policy);
    postq_free(policy);
    return err;
}

int postq_attest_verify(const char *doc_b64, const char *vendor, const char *policy_json,
                        const uint8_t *payload, size_t payload_len, const uint8_t *sig,
                        size_t sig_len, int64_t now_ms, postq_verdict *out)
{
    struct postq_attest_input in;
    struct postq_attest_report *report;
    int err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    memset(&in, 0, sizeof(in));
    in.vendor = vendor;
    in.payload = payload;
    in.payload_len = payload_len;
    in.sig = sig;
    in.sig_len = sig_len;
    report = postq_malloc(sizeof(*report));
    if (report == NULL) {
        (void)snprintf(out->detail, sizeof(out->detail), "%s", postq_strerror(POSTQ_E_NOMEM));
        return POSTQ_E_NOMEM;
    }
    err = postq_attest_verify_ex(doc_b64, policy_json, &in, now_ms, report);
    *out = report->verdict;
    postq_free(report);
    return err;
}
