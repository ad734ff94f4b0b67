/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/mem.c: the allocator's fault hook. Nothing is counted before its first call; the
 * nth allocation and every later one fail; allocations on many threads at once are each
 * counted exactly once (the servers allocate on every thread, hook armed or not). */
#include "testlib.h"

#include <pthread.h>
#include <string.h>

#include "common/cpu.h"
#include "common/mem.h"

#define THREADS    4
#define PER_THREAD 20000

/* Must run first: no call of the hook has happened in this process yet. */
static void test_nothing_counted_before_the_hook(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        void *p = postq_malloc(16);
        assert_non_null(p);
        postq_free(p);
    }
    assert_int_equal(postq_alloc_fail_at(0), 0);
    postq_free(postq_malloc(16));
    assert_int_equal(postq_alloc_fail_at(0), 1);
}

/* The third allocation from the hook on fails, and every later one of any kind. */
static void test_nth_and_later_fail(void **state)
{
    void *a, *b, *r;

    (void)state;
    (void)postq_alloc_fail_at(0);
    assert_int_equal(postq_alloc_fail_at(3), 0);
    a = postq_malloc(8);
    b = postq_calloc(2, 8);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(postq_malloc(8));
    assert_null(postq_calloc(1, 1));
    r = postq_realloc(a, 64);
    assert_null(r); /* a is untouched and still ours */
    assert_int_equal(postq_alloc_fail_at(0), 5);
    r = postq_realloc(a, 64);
    assert_non_null(r);
    postq_free(r);
    postq_free(b);
    assert_int_equal(postq_alloc_fail_at(-7), 1); /* negative: failures off, like 0 */
    a = postq_malloc(8);
    assert_non_null(a);
    postq_free(a);
    assert_int_equal(postq_alloc_fail_at(0), 1);
}

struct worker {
    pthread_t t;
    long failed;
};

static void *allocate(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < PER_THREAD; i++) {
        void *p = postq_malloc(32);
        if (p == NULL) {
            w->failed++;
        }
        postq_free(p);
    }
    return NULL;
}

static void run_workers(struct worker *w)
{
    memset(w, 0, THREADS * sizeof(*w));
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&w[i].t, NULL, allocate, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(w[i].t, NULL), 0);
    }
}

/* A lost update (a plain increment raced by another thread) shows as a short count. */
static void test_threads_counted_exactly(void **state)
{
    struct worker w[THREADS];
    long failed = 0;

    (void)state;
    (void)postq_alloc_fail_at(0);
    run_workers(w);
    for (int i = 0; i < THREADS; i++) {
        failed += w[i].failed;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(postq_alloc_fail_at(0), (long)THREADS * PER_THREAD);
}

/* Armed at n while every thread allocates: exactly the allocations from the nth on fail. */
static void test_threads_fail_from_the_nth(void **state)
{
    const long total = (long)THREADS * PER_THREAD, nth = total / 2 + 1;
    struct worker w[THREADS];
    long failed = 0;

    (void)state;
    (void)postq_alloc_fail_at(nth);
    run_workers(w);
    for (int i = 0; i < THREADS; i++) {
        failed += w[i].failed;
    }
    assert_int_equal(postq_alloc_fail_at(0), total);
    assert_int_equal(failed, total - nth + 1);
}

/* postq_wipe zeroes exactly [p, p + n) on both paths (the AVX2 one from 512 bytes), for every
 * alignment and a spread of lengths, and touches nothing around it. */
static void test_wipe_exact(void **state)
{
    static unsigned char buf[5000];

    (void)state;
    for (int path = 0; path < 2; path++) {
        postq_cpu_set_avx2(path);
        for (size_t off = 0; off < 33; off += 5) {
            for (size_t n = 0; n < 4500; n = n < 600 ? n + 37 : n * 2 + 3) {
                memset(buf, 0xA5, sizeof(buf));
                postq_wipe(buf + off, n);
                for (size_t i = 0; i < sizeof(buf); i++) {
                    assert_int_equal(buf[i], (i >= off && i < off + n) ? 0 : 0xA5);
                }
            }
        }
    }
    postq_cpu_set_avx2(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_counted_before_the_hook),
        cmocka_unit_test(test_nth_and_later_fail),
        cmocka_unit_test(test_threads_counted_exactly),
        cmocka_unit_test(test_threads_fail_from_the_nth),
        cmocka_unit_test(test_wipe_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
