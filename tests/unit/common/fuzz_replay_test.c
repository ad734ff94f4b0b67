/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpora of the base64 and time-format fuzz targets
 * (tests/fuzz/corpus/{base64,timefmt}/) without libFuzzer: every invariant the targets assert
 * holds on every seed and its prefixes. A missing or empty corpus fails. Seed names say what
 * they are: base64 "std-*" / "url-*" / "both-*" decode under that variant only, "bad-*" under
 * none; time "ok-*" parse, "bad-*" do not. */
#include "testlib.h"

#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_base64_one
#include "../../fuzz/fuzz_base64.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_timefmt_one
#include "../../fuzz/fuzz_timefmt.c"
#undef LLVMFuzzerTestOneInput

static uint8_t *seed(const char *target, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "tests/fuzz/corpus/%s/%s", target, name);
    return fuzz_replay_slurp(path, len);
}

static int decodes(const uint8_t *s, size_t len, int variant)
{
    uint8_t out[4096];
    size_t n = 0;
    assert_true(postq_base64_decoded_max(len) <= sizeof(out));
    return postq_base64_decode(out, sizeof(out), &n, (const char *)s, len, variant) == POSTQ_OK;
}

static void base64_seed(const char *name)
{
    size_t len = 0;
    uint8_t *data;
    int std, url;

    if (strncmp(name, "std-", 4) != 0 && strncmp(name, "url-", 4) != 0 &&
        strncmp(name, "both-", 5) != 0 && strncmp(name, "bad-", 4) != 0) {
        return; /* bytes for the round trip */
    }
    data = seed("base64", name, &len);
    std = decodes(data, len, POSTQ_B64_STD);
    url = decodes(data, len, POSTQ_B64_URL);
    if (std != (name[0] == 's' || name[1] == 'o') || url != (name[0] == 'u' || name[1] == 'o')) {
        fail_msg("seed %s: decodes as STD %d, as URL %d", name, std, url);
    }
    free(data);
}

static void timefmt_seed(const char *name)
{
    size_t len = 0;
    uint8_t *data;
    int64_t ms;
    int ok;

    if (strncmp(name, "ok-", 3) != 0 && strncmp(name, "bad-", 4) != 0) {
        return;
    }
    data = seed("timefmt", name, &len);
    ok = postq_time_parse(&ms, (const char *)data, len) == POSTQ_OK;
    if (ok != (name[0] == 'o')) {
        fail_msg("seed %s: parse %s", name, ok ? "succeeds" : "fails");
    }
    free(data);
}

static void test_replay_base64(void **state)
{
    (void)state;
    fuzz_replay_each("base64", fuzz_base64_one, base64_seed);
}

static void test_replay_timefmt(void **state)
{
    (void)state;
    fuzz_replay_each("timefmt", fuzz_timefmt_one, timefmt_seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_base64),
        cmocka_unit_test(test_replay_timefmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
