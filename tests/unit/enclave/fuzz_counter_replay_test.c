/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpus of the counter-file fuzz target (tests/fuzz/corpus/counter_file/)
 * without libFuzzer: every seed and its prefixes run; exactly the canonical marks (one, zero,
 * mark, max) parse. */
#include "testlib.h"

#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_counter_file_one
#include "../../fuzz/fuzz_counter_file.c"
#undef LLVMFuzzerTestOneInput

static size_t parsed;

static void expect_parse(const char *name)
{
    int want = strcmp(name, "one") == 0 || strcmp(name, "zero") == 0 ||
               strcmp(name, "mark") == 0 || strcmp(name, "max") == 0;
    if (fuzz_counter_file_last_ok != want) {
        fail_msg("seed %s: %s", name, want ? "refused" : "read");
    }
    parsed += (size_t)want;
}

static void test_replay_counter_file(void **state)
{
    (void)state;
    fuzz_replay_each("counter_file", fuzz_counter_file_one, expect_parse);
    assert_int_equal(parsed, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_counter_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
