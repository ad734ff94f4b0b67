/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpus of the sealed-key fuzz target (tests/fuzz/corpus/sealed_key/)
 * without libFuzzer: every seed and its prefixes run, the valid-* seeds (sealed by the real
 * enclave code under the target's key) open and every other seed is refused. */
#include "testlib.h"

#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_sealed_key_one
#include "../../fuzz/fuzz_sealed_key.c"
#undef LLVMFuzzerTestOneInput

static size_t valid_seeds;

static void expect_open(const char *name)
{
    int valid = strncmp(name, "valid-", 6) == 0;
    if (fuzz_sealed_key_last_ok != valid) {
        fail_msg("seed %s: %s", name, valid ? "refused" : "opened");
    }
    valid_seeds += (size_t)valid;
}

static void test_replay_sealed_key(void **state)
{
    (void)state;
    fuzz_replay_each("sealed_key", fuzz_sealed_key_one, expect_open);
    assert_int_equal(valid_seeds, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_sealed_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
