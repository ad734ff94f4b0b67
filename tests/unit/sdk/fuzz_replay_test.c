/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpora of the public-key and SDK-JSON fuzz targets
 * (tests/fuzz/corpus/pubkey/, tests/fuzz/corpus/sdk_json/) without libFuzzer: every seed and its
 * prefixes run; the real keys (pem-mldsa*, der-*, json-*) are read by one reader each, and the
 * real sign results (sign-result-*) parse. */
#include "testlib.h"

#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_pubkey_one
#include "../../fuzz/fuzz_pubkey.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_sdk_json_one
#include "../../fuzz/fuzz_sdk_json.c"
#undef LLVMFuzzerTestOneInput

static size_t keys, results;

static void expect_key(const char *name)
{
    int real = strncmp(name, "pem-mldsa", 9) == 0 || strncmp(name, "der-", 4) == 0 ||
               strncmp(name, "json-", 5) == 0;
    if (fuzz_pubkey_last_ok != (real ? 1 : 0)) {
        fail_msg("seed %s: read by %d readers", name, fuzz_pubkey_last_ok);
    }
    keys += (size_t)real;
}

static void expect_result(const char *name)
{
    int real = strncmp(name, "sign-result-", 12) == 0;
    if (fuzz_sdk_json_last_ok != real) {
        fail_msg("seed %s: %s", name, real ? "refused" : "parsed");
    }
    results += (size_t)real;
}

static void test_replay_pubkey(void **state)
{
    (void)state;
    fuzz_replay_each("pubkey", fuzz_pubkey_one, expect_key);
    assert_int_equal(keys, 6);
}

static void test_replay_sdk_json(void **state)
{
    (void)state;
    fuzz_replay_each("sdk_json", fuzz_sdk_json_one, expect_result);
    assert_int_equal(results, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_pubkey),
        cmocka_unit_test(test_replay_sdk_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
