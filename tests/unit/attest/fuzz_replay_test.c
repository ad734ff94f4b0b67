/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed fuzz corpora (tests/fuzz/corpus/<target>/) through the fuzz targets
 * without libFuzzer, so make test catches a regression on any seed. A missing or empty corpus
 * fails: nothing is skipped. Run from the repository root (as make test does). */
#include "testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void replay(const char *target, int (*one)(const uint8_t *, size_t))
{
    char dir[256], path[512];
    struct dirent *e;
    size_t files = 0;
    DIR *d;

    snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", target);
    d = opendir(dir);
    if (d == NULL) {
        fail_msg("no corpus at %s (run from the repository root)", dir);
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = 0;
        uint8_t *data;
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        data = slurp(path, &len);
        /* The whole input, then every prefix: truncations are the cheapest mutations. */
        assert_int_equal(one(data, len), 0);
        for (size_t n = 0; n < len && len <= 16384; n += 7) {
            assert_int_equal(one(data, n), 0);
        }
        free(data);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
    printf("# fuzz corpus %s: %zu files replayed\n", target, files);
}

static void test_replay_jws(void **state)
{
    (void)state;
    replay("jws", fuzz_jws_one);
}

static void test_replay_claims(void **state)
{
    (void)state;
    replay("claims", fuzz_claims_one);
}

static void test_replay_policy(void **state)
{
    (void)state;
    replay("policy", fuzz_policy_one);
}

static void test_replay_sign_result(void **state)
{
    (void)state;
    replay("sign_result", fuzz_sign_result_one);
}

static void test_replay_cbor(void **state)
{
    (void)state;
    replay("cbor", fuzz_cbor_one);
}

static void test_replay_nitro(void **state)
{
    (void)state;
    replay("nitro", fuzz_nitro_one);
}

static void test_replay_gcp(void **state)
{
    (void)state;
    replay("gcp", fuzz_gcp_one);
}

static void test_replay_azure(void **state)
{
    (void)state;
    replay("azure", fuzz_azure_one);
}

/* The corpus's good document really is good under fuzz_jws's policy: the target reaches the
 * end of the checks, not only the parser. */
static void test_corpus_good_doc_passes(void **state)
{
    static struct postq_attest_report r;
    size_t len = 0, enc;
    uint8_t *raw = slurp("tests/fuzz/corpus/jws/good", &len);
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
