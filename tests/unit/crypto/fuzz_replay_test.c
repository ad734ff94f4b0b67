/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpus of the ML-DSA paths fuzz target (tests/fuzz/corpus/mldsa_paths/)
 * without libFuzzer: on every seed and its prefixes the AVX2 and the portable path agree (the
 * target aborts otherwise). A missing or empty corpus fails. */
#include "testlib.h"

#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_mldsa_paths_one
#include "../../fuzz/fuzz_mldsa_paths.c"
#undef LLVMFuzzerTestOneInput

static void test_replay_mldsa_paths(void **state)
{
    (void)state;
    if (!postq_cpu_avx2_supported()) {
        printf(
            "# fuzz corpus mldsa_paths: this CPU has no AVX2; both runs take the portable path\n");
    }
    fuzz_replay("mldsa_paths", fuzz_mldsa_paths_one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_mldsa_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
