/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/id.c: shape, the time part, strict ordering (one thread and several), and the
 * rejections of postq_id_new and postq_id_check. */
#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/id.h"
#include "common/timefmt.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static uint64_t time_part(const char *body)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 10; i++) {
        v = (v << 5) | (uint64_t)(strchr(crockford, body[i]) - crockford);
    }
    return v; /* 50 bits: the top 2 are zero */
}

static void test_shape_and_time(void **state)
{
    char id[POSTQ_ID_MAX];
    int64_t before = postq_time_now_ms();
    (void)state;

    assert_int_equal(postq_id_new(id, sizeof(id), "sig"), POSTQ_OK);
    int64_t after = postq_time_now_ms();
    assert_int_equal(strlen(id), 4 + POSTQ_ID_BODY_CHARS);
    assert_memory_equal(id, "sig_", 4);
    for (size_t i = 4; id[i] != '\0'; i++) {
        assert_non_null(strchr(crockford, id[i]));
    }
    uint64_t t = time_part(id + 4);
    assert_true(t >= (uint64_t)before && t <= (uint64_t)after);
    assert_int_equal(postq_id_check(id, "sig"), POSTQ_OK);
    assert_int_equal(postq_id_check(id, "key"), POSTQ_E_MALFORMED);

    /* The longest prefix fits POSTQ_ID_MAX exactly. */
    assert_int_equal(postq_id_new(id, sizeof(id), "abcdefgh"), POSTQ_OK);
    assert_int_equal(strlen(id) + 1, POSTQ_ID_MAX);
    assert_int_equal(postq_id_check(id, "abcdefgh"), POSTQ_OK);
}

static void test_strictly_increasing(void **state)
{
    char prev[POSTQ_ID_MAX] = "";
    (void)state;
    for (int i = 0; i < 20000; i++) {
        char id[POSTQ_ID_MAX];
        assert_int_equal(postq_id_new(id, sizeof(id), "x"), POSTQ_OK);
        assert_true(strcmp(prev, id) < 0);
        memcpy(prev, id, sizeof(id));
    }
}

#define THREADS 4
#define PER_THREAD 2000
static char ids[THREADS * PER_THREAD][POSTQ_ID_MAX];

static void *make_ids(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg;
    for (size_t i = 0; i < PER_THREAD; i++) {
        if (postq_id_new(ids[t * PER_THREAD + i], POSTQ_ID_MAX, "key") != POSTQ_OK) {
            return arg;
        }
    }
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_unique_across_threads(void **state)
{
    pthread_t th[THREADS];
    (void)state;
    for (size_t t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_create(&th[t], NULL, make_ids, (void *)(uintptr_t)t), 0);
    }
    for (size_t t = 0; t < THREADS; t++) {
        void *ret = (void *)1;
        assert_int_equal(pthread_join(th[t], &ret), 0);
        assert_null(ret);
    }
    /* Each thread's ids increase; all of them are distinct. */
    for (size_t t = 0; t < THREADS; t++) {
        for (size_t i = 1; i < PER_THREAD; i++) {
            assert_true(strcmp(ids[t * PER_THREAD + i - 1], ids[t * PER_THREAD + i]) < 0);
        }
    }
    qsort(ids, THREADS * PER_THREAD, POSTQ_ID_MAX, cmp_id);
    for (size_t i = 1; i < THREADS * PER_THREAD; i++) {
        assert_true(strcmp(ids[i - 1], ids[i]) < 0);
    }
}

static void test_new_rejects(void **state)
{
    char id[POSTQ_ID_MAX];
    (void)state;
    assert_int_equal(postq_id_new(NULL, 10, "sig"), POSTQ_E_ARG);
    assert_int_equal(postq_id_new(id, sizeof(id), NULL), POSTQ_E_ARG);
    assert_int_equal(postq_id_new(id, sizeof(id), ""), POSTQ_E_ARG);
    assert_int_equal(postq_id_new(id, sizeof(id), "Sig"), POSTQ_E_ARG);
    assert_int_equal(postq_id_new(id, sizeof(id), "si_g"), POSTQ_E_ARG);
    assert_int_equal(postq_id_new(id, sizeof(id), "s1g"), POSTQ_E_ARG);
    assert_int_equal(postq_id_new(id, sizeof(id), "abcdefghi"), POSTQ_E_ARG);
    /* "sig_" + 26 + NUL = 31 bytes: every shorter capacity fails and leaves "". */
    for (size_t cap = 1; cap < 31; cap++) {
        memset(id, 'q', sizeof(id));
        assert_int_equal(postq_id_new(id, cap, "sig"), POSTQ_E_LENGTH);
        assert_int_equal(id[0], '\0');
    }
    assert_int_equal(postq_id_new(id, 31, "sig"), POSTQ_OK);
}

static void test_check_rejects(void **state)
{
    char good[POSTQ_ID_MAX];
    char bad[POSTQ_ID_MAX + 2];
    (void)state;
    assert_int_equal(postq_id_new(good, sizeof(good), "pol"), POSTQ_OK);
    assert_int_equal(postq_id_check(NULL, "pol"), POSTQ_E_ARG);
    assert_int_equal(postq_id_check(good, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_id_check(good, "po"), POSTQ_E_MALFORMED);
    assert_int_equal(postq_id_check("", "pol"), POSTQ_E_MALFORMED);
    assert_int_equal(postq_id_check("pol_", "pol"), POSTQ_E_MALFORMED);

    /* Truncated at every length, one character too many. */
    for (size_t n = 0; n < strlen(good); n++) {
        memcpy(bad, good, n);
        bad[n] = '\0';
        assert_int_equal(postq_id_check(bad, "pol"), POSTQ_E_MALFORMED);
    }
    snprintf(bad, sizeof(bad), "%s0", good);
    assert_int_equal(postq_id_check(bad, "pol"), POSTQ_E_MALFORMED);

    /* Every byte value at every body position: only the alphabet passes (0..7 first). */
    for (size_t pos = 4; pos < strlen(good); pos++) {
        for (int c = 1; c < 256; c++) {
            memcpy(bad, good, sizeof(good));
            bad[pos] = (char)c;
            int ok = strchr(crockford, c) != NULL && (pos != 4 || (c >= '0' && c <= '7'));
            assert_int_equal(postq_id_check(bad, "pol"), ok ? POSTQ_OK : POSTQ_E_MALFORMED);
        }
    }
    memcpy(bad, good, sizeof(good));
    bad[3] = '-';
    assert_int_equal(postq_id_check(bad, "pol"), POSTQ_E_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_and_time),
        cmocka_unit_test(test_strictly_increasing),
        cmocka_unit_test(test_unique_across_threads),
        cmocka_unit_test(test_new_rejects),
        cmocka_unit_test(test_check_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
