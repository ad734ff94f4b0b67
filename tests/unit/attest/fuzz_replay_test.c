/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed fuzz corpora (tests/fuzz/corpus/<target>/) through the fuzz targets
 * without libFuzzer, so make test catches a regression on any seed. A missing or empty corpus
 * fails: nothing is skipped. Run from the repository root (as make test does). */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fuzz/replay.h"

/* Each target's entry point under its own name. */
#define LLVMFuzzerTestOneInput fuzz_jws_one
#include "../../fuzz/fuzz_jws.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_claims_one
#include "../../fuzz/fuzz_claims.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_policy_one
#include "../../fuzz/fuzz_policy.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_sign_result_one
#include "../../fuzz/fuzz_sign_result.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cbor_one
#include "../../fuzz/fuzz_cbor.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_nitro_one
#include "../../fuzz/fuzz_nitro.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_gcp_one
#include "../../fuzz/fuzz_gcp.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_azure_one
#include "../../fuzz/fuzz_azure.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tlog_one
#include "../../fuzz/fuzz_tlog.c"
#undef LLVMFuzzerTestOneInput

static void test_replay_tlog(void **state)
{
    (void)state;
    fuzz_replay("tlog", fuzz_tlog_one);
}

static void test_replay_jws(void **state)
{
    (void)state;
    fuzz_replay("jws", fuzz_jws_one);
}

static void test_replay_claims(void **state)
{
    (void)state;
    fuzz_replay("claims", fuzz_claims_one);
}

static void test_replay_policy(void **state)
{
    (void)state;
    fuzz_replay("policy", fuzz_policy_one);
}

static void test_replay_sign_result(void **state)
{
    (void)state;
    fuzz_replay("sign_result", fuzz_sign_result_one);
}

static void test_replay_cbor(void **state)
{
    (void)state;
    fuzz_replay("cbor", fuzz_cbor_one);
}

static void test_replay_nitro(void **state)
{
    (void)state;
    fuzz_replay("nitro", fuzz_nitro_one);
}

static void test_replay_gcp(void **state)
{
    (void)state;
    fuzz_replay("gcp", fuzz_gcp_one);
}

static void test_replay_azure(void **state)
{
    (void)state;
    fuzz_replay("azure", fuzz_azure_one);
}

/* The corpus's good document really is good under fuzz_jws's policy: the target reaches the
 * end of the checks, not only the parser. */
static void test_corpus_good_doc_passes(void **state)
{
    static struct postq_attest_report r;
    size_t len = 0, enc;
    uint8_t *raw = fuzz_replay_slurp("tests/fuzz/corpus/jws/good", &len);
    char *b64;

    (void)state;
    enc = postq_base64_encoded_len(len, POSTQ_B64_STD);
    b64 = malloc(enc + 1);
    assert_int_equal(postq_base64_encode(b64, enc + 1, NULL, raw, len, POSTQ_B64_STD), POSTQ_OK);
    assert_int_equal(postq_attest_verify_ex(b64, fuzz_jws_policy, NULL, INT64_C(1764000000000),
                                            &r),
                     POSTQ_OK);
    if (!r.verdict.ok) {
        fail_msg("%s: %s", r.verdict.reason, r.verdict.detail);
    }
    free(b64);
    free(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_jws),
        cmocka_unit_test(test_replay_tlog),
        cmocka_unit_test(test_replay_claims),
        cmocka_unit_test(test_replay_policy),
        cmocka_unit_test(test_replay_sign_result),
        cmocka_unit_test(test_replay_cbor),
        cmocka_unit_test(test_replay_nitro),
        cmocka_unit_test(test_replay_gcp),
        cmocka_unit_test(test_replay_azure),
        cmocka_unit_test(test_corpus_good_doc_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
