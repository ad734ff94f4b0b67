/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave's counter store and state files, in process: a restart (with or without a clean
 * close, i.e. after a kill -9 at any point) continues at the durable mark, above every value
 * handed out before; threads never get the same value; a mark file that is not exactly one
 * number is refused, never guessed; files are written 0600 and atomically.
 * The enclave is a program, not a library module, so its sources are compiled in here. */
#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/enclave/counter.c"
#include "../../../src/enclave/secret.c"
#include "../../../src/enclave/state.c"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/postq-counter-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static void write_mark(const char *text)
{
    assert_int_equal(postq_enclave_write_atomic(dir, "counter", text, strlen(text)), POSTQ_OK);
}

static void test_fresh_dir_starts_at_one(void **state)
{
    (void)state;
    struct postq_enclave_counter c;
    uint64_t v;
    uint8_t buf[32];
    size_t len;
    struct stat st;
    char path[128];

    assert_int_equal(postq_enclave_counter_open(&c, dir, 4), POSTQ_OK);
    for (uint64_t want = 1; want <= 9; want++) {
        assert_int_equal(postq_enclave_counter_next(&c, &v), POSTQ_OK);
        assert_true(v == want);
    }
    /* Three ranges of 4 were reserved: the mark is 13. */
    assert_int_equal(postq_enclave_read_file(dir, "counter", buf, sizeof(buf), &len), POSTQ_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "13\n", 3);
    snprintf(path, sizeof(path), "%s/counter", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    postq_enclave_counter_close(&c);
}

static void test_restart_continues_above_the_mark(void **state)
{
    (void)state;
    struct postq_enclave_counter a, b;
    uint64_t v, last = 0;

    /* Run 1 hands out some values and "dies" (no close, nothing flushed). */
    assert_int_equal(postq_enclave_counter_open(&a, dir, 10), POSTQ_OK);
    for (int i = 0; i < 25; i++) {
        assert_int_equal(postq_enclave_counter_next(&a, &last), POSTQ_OK);
    }
    assert_true(last == 25);
    /* Run 2 starts at the mark (31), above everything run 1 gave out; the gap is the price of
     * not syncing every value. */
    assert_int_equal(postq_enclave_counter_open(&b, dir, 10), POSTQ_OK);
    assert_int_equal(postq_enclave_counter_next(&b, &v), POSTQ_OK);
    assert_true(v == 31);
    assert_true(v > last);
    /* A run that reserved nothing before dying leaves the mark where it was: */
    postq_enclave_counter_close(&b);
    assert_int_equal(postq_enclave_counter_open(&b, dir, 10), POSTQ_OK);
    postq_enclave_counter_close(&b);
    assert_int_equal(postq_enclave_counter_open(&b, dir, 10), POSTQ_OK);
    assert_int_equal(postq_enclave_counter_next(&b, &v), POSTQ_OK);
    assert_true(v == 41);
    postq_enclave_counter_close(&b);
    postq_enclave_counter_close(&a);

    /* Many restarts, each taking one value: strictly increasing throughout. */
    last = v;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(postq_enclave_counter_open(&b, dir, 3), POSTQ_OK);
        assert_int_equal(postq_enclave_counter_next(&b, &v), POSTQ_OK);
        assert_true(v > last);
        last = v;
        postq_enclave_counter_close(&b);
    }
}

struct thread_arg {
    struct postq_enclave_counter *c;
    uint64_t got[500];
};

static void *taker(void *p)
{
    struct thread_arg *a = p;
    for (size_t i = 0; i < 500; i++) {
        if (postq_enclave_counter_next(a->c, &a->got[i]) != POSTQ_OK) {
            a->got[i] = 0;
        }
    }
    return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static void test_threads_never_share_a_value(void **state)
{
    (void)state;
    struct postq_enclave_counter c;
    static struct thread_arg args[4];
    static uint64_t all[2000];
    pthread_t t[4];

    assert_int_equal(postq_enclave_counter_open(&c, dir, 7), POSTQ_OK);
    for (int i = 0; i < 4; i++) {
        args[i].c = &c;
        assert_int_equal(pthread_create(&t[i], NULL, taker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        memcpy(all + 500 * i, args[i].got, sizeof(args[i].got));
    }
    qsort(all, 2000, sizeof(all[0]), cmp_u64);
    assert_true(all[0] == 1);
    for (size_t i = 1; i < 2000; i++) {
        assert_true(all[i] == all[i - 1] + 1);
    }
    postq_enclave_counter_close(&c);
}

static void test_bad_marks_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "\n", "12", "12\n\n", "-5\n", "+5\n", "012\n", " 12\n", "12 \n", "1a\n", "0x10\n",
        "9223372036854775808\n", "99999999999999999999\n", "18446744073709551616\n",
        "123456789012345678901234567890123456789\n",
    };
    struct postq_enclave_counter c;
    uint64_t v;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_mark(bad[i]);
        assert_int_not_equal(postq_enclave_counter_open(&c, dir, 0), POSTQ_OK);
    }
    write_mark("0\n");
    assert_int_equal(postq_enclave_counter_open(&c, dir, 0), POSTQ_OK);
    assert_int_equal(postq_enclave_counter_next(&c, &v), POSTQ_OK);
    assert_true(v == 0);
    postq_enclave_counter_close(&c);
    /* At the top of the range: no reservation can be made, nothing is handed out. */
    write_mark("9223372036854775000\n");
    assert_int_equal(postq_enclave_counter_open(&c, dir, 1024), POSTQ_OK);
    assert_int_equal(postq_enclave_counter_next(&c, &v), POSTQ_E_TOO_LARGE);
    postq_enclave_counter_close(&c);
}

static void test_unwritable_dir_hands_out_nothing(void **state)
{
    (void)state;
    struct postq_enclave_counter c;
    char gone[128];
    uint64_t v = 77;

    snprintf(gone, sizeof(gone), "%s/missing", dir);
    assert_int_equal(postq_enclave_counter_open(&c, gone, 4), POSTQ_OK); /* no mark: fresh */
    assert_int_equal(postq_enclave_counter_next(&c, &v), POSTQ_E_IO);
    assert_true(v == 77);
    postq_enclave_counter_close(&c);
}

static void test_atomic_files(void **state)
{
    (void)state;
    uint8_t buf[16];
    size_t len;
    char path[128];
    struct stat st;

    assert_int_equal(postq_enclave_write_atomic(dir, "f", "one", 3), POSTQ_OK);
    assert_int_equal(postq_enclave_write_atomic(dir, "f", "second", 6), POSTQ_OK);
    assert_int_equal(postq_enclave_read_file(dir, "f", buf, sizeof(buf), &len), POSTQ_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(buf, "second", 6);
    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(postq_enclave_read_file(dir, "f", buf, 5, &len), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_enclave_read_file(dir, "nope", buf, 5, &len), POSTQ_E_NOT_FOUND);
    /* No temporary file is left behind. */
    snprintf(path, sizeof(path), "%s/.f.tmp.%ld", dir, (long)getpid());
    assert_int_not_equal(stat(path, &st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_dir_starts_at_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_continues_above_the_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_never_share_a_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_marks_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_dir_hands_out_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
