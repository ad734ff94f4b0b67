/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a committed fuzz corpus (tests/fuzz/corpus/<target>/) through a fuzz target's entry
 * point without libFuzzer: each file whole, then its prefixes. A missing or empty corpus fails;
 * nothing is skipped. For the cmocka replay tests (include testlib.h first); run from the
 * repository root, as make test does. */
#ifndef POSTQ_TESTS_FUZZ_REPLAY_H
#define POSTQ_TESTS_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*fuzz_replay_fn)(const uint8_t *data, size_t size);
/* Called after a file's whole input ran, with the file's name: what the test expects of it. */
typedef void (*fuzz_replay_check_fn)(const char *name);

/* The whole file at path; fails the test when it cannot be read. Free with free(). */
static inline uint8_t *fuzz_replay_slurp(const char *path, size_t *len)
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

/* Every file of the target's corpus through one(), then check (when not NULL). */
static inline void fuzz_replay_each(const char *target, fuzz_replay_fn one,
                                    fuzz_replay_check_fn check)
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
        data = fuzz_replay_slurp(path, &len);
        /* The whole input, then every seventh prefix: truncations are the cheapest mutations. */
        assert_int_equal(one(data, len), 0);
        if (check != NULL) {
            check(e->d_name);
        }
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

static inline void fuzz_replay(const char *target, fuzz_replay_fn one)
{
    fuzz_replay_each(target, one, NULL);
}

#endif
