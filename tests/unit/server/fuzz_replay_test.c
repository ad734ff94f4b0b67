/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpus of the API fuzz target (tests/fuzz/corpus/api/) without
 * libFuzzer: every reply to every seed and its prefixes is well formed (the target aborts
 * otherwise), against a real SQLite store and no enclave. A seed named "<what>.<status>" must
 * be answered with that status, so the corpus keeps reaching the handlers it is meant for
 * (authenticated, signing, deleting) rather than stopping at 401 or 404. A missing or empty
 * corpus fails. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_api_one
#include "../../fuzz/fuzz_api.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_kek_blob_one
#include "../../fuzz/fuzz_kek_blob.c"
#undef LLVMFuzzerTestOneInput

static size_t seeds_with_status;

static void expect_status(const char *name)
{
    const char *dot = strrchr(name, '.');
    char *end;
    long want;

    if (dot == NULL) {
        return;
    }
    want = strtol(dot + 1, &end, 10);
    if (*end != '\0' || want < 100 || want > 599) {
        return;
    }
    if (fuzz_api_last_status != (int)want) {
        fail_msg("seed %s: status %d", name, fuzz_api_last_status);
    }
    seeds_with_status++;
}

static void test_replay_api(void **state)
{
    (void)state;
    fuzz_replay_each("api", fuzz_api_one, expect_status);
    assert_true(seeds_with_status > 0);
}

static size_t kek_valid;

/* The valid-* seeds (sealed by postq_kek_seal under the target's KEK) open; nothing else does. */
static void expect_kek_open(const char *name)
{
    int valid = strncmp(name, "valid-", 6) == 0;
    if (fuzz_kek_blob_last_ok != valid) {
        fail_msg("seed %s: %s", name, valid ? "refused" : "opened");
    }
    kek_valid += (size_t)valid;
}

static void test_replay_kek_blob(void **state)
{
    (void)state;
    fuzz_replay_each("kek_blob", fuzz_kek_blob_one, expect_kek_open);
    assert_int_equal(kek_valid, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_api),
        cmocka_unit_test(test_replay_kek_blob),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
