/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/buf.c: appends and growth, the hard cap (nothing appended past it, no size_t
 * wrap-around), reset/free/detach, and an allocation failure injected at every Nth call. */
#include "testlib.h"

#include <string.h>

#include "common/buf.h"
#include "common/mem.h"

static void pattern(uint8_t *p, size_t n, size_t start)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)((start + i) * 131u + 7u);
    }
}

static void test_append_and_grow(void **state)
{
    struct postq_buf b;
    uint8_t want[5000];
    uint8_t chunk[97];

    (void)state;
    postq_buf_init(&b, sizeof(want));
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    pattern(want, sizeof(want), 0);
    for (size_t off = 0; off < sizeof(want); off += sizeof(chunk)) {
        size_t n = sizeof(want) - off < sizeof(chunk) ? sizeof(want) - off : sizeof(chunk);
        memcpy(chunk, want + off, n);
        assert_int_equal(postq_buf_append(&b, chunk, n), POSTQ_OK);
        assert_int_equal(b.len, off + n);
        assert_true(b.cap > b.len);
        assert_true(b.cap <= b.max + 1);
        assert_int_equal(b.p[b.len], 0); /* always terminated */
    }
    assert_memory_equal(b.p, want, sizeof(want));
    {
        struct postq_bytes v = postq_buf_bytes(&b);
        assert_ptr_equal(v.p, b.p);
        assert_int_equal(v.len, sizeof(want));
    }
    postq_buf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_append_str_and_empty(void **state)
{
    struct postq_buf b;

    (void)state;
    postq_buf_init(&b, 64);
    assert_int_equal(postq_buf_append(&b, NULL, 0), POSTQ_OK);
    assert_int_equal(postq_buf_append_str(&b, ""), POSTQ_OK);
    assert_null(b.p); /* nothing needed memory yet */
    assert_int_equal(postq_buf_append_str(&b, "hello"), POSTQ_OK);
    assert_int_equal(postq_buf_append_str(&b, ", "), POSTQ_OK);
    assert_int_equal(postq_buf_append_str(&b, "world"), POSTQ_OK);
    assert_int_equal(b.len, 12);
    assert_string_equal((const char *)b.p, "hello, world");
    assert_int_equal(postq_buf_append(&b, NULL, 1), POSTQ_E_ARG);
    assert_int_equal(postq_buf_append_str(&b, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_buf_append(NULL, "x", 1), POSTQ_E_ARG);
    assert_int_equal(postq_buf_reserve(NULL, 1), POSTQ_E_ARG);
    assert_int_equal(b.len, 12);
    postq_buf_free(&b);
}

static void test_cap_enforced(void **state)
{
    struct postq_buf b;
    uint8_t data[16];

    (void)state;
    pattern(data, sizeof(data), 0);
    postq_buf_init(&b, 10);
    assert_int_equal(postq_buf_append(&b, data, 11), POSTQ_E_TOO_LARGE);
    assert_int_equal(b.len, 0); /* no truncated prefix */
    assert_int_equal(postq_buf_append(&b, data, 7), POSTQ_OK);
    assert_int_equal(postq_buf_append(&b, data + 7, 4), POSTQ_E_TOO_LARGE);
    assert_int_equal(b.len, 7);
    assert_int_equal(postq_buf_append(&b, data + 7, 3), POSTQ_OK);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.p, data, 10);
    assert_int_equal(postq_buf_append(&b, data, 1), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_append_str(&b, "x"), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_append(&b, data, 0), POSTQ_OK);
    assert_int_equal(postq_buf_reserve(&b, 1), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_reserve(&b, 0), POSTQ_OK);
    assert_true(b.cap <= 11);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.p, data, 10);
    postq_buf_free(&b);

    /* A cap of 0 takes nothing. */
    postq_buf_init(&b, 0);
    assert_int_equal(postq_buf_append(&b, data, 1), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_append(&b, data, 0), POSTQ_OK);
    assert_null(b.p);
    postq_buf_free(&b);
}

/* Lengths near SIZE_MAX must be refused, not wrap len + n around. */
static void test_cap_no_overflow(void **state)
{
    struct postq_buf b;
    uint8_t data[8] = {0};

    (void)state;
    postq_buf_init(&b, SIZE_MAX);
    assert_int_equal(b.max, SIZE_MAX - 1);
    assert_int_equal(postq_buf_append(&b, data, 5), POSTQ_OK);
    assert_int_equal(postq_buf_append(&b, data, SIZE_MAX), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_append(&b, data, SIZE_MAX - 5), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_reserve(&b, SIZE_MAX - 4), POSTQ_E_TOO_LARGE);
    assert_int_equal(b.len, 5);
    postq_buf_free(&b);

    postq_buf_init(&b, 100);
    assert_int_equal(postq_buf_append(&b, data, 5), POSTQ_OK);
    assert_int_equal(postq_buf_append(&b, data, SIZE_MAX - 2), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_buf_reserve(&b, SIZE_MAX), POSTQ_E_TOO_LARGE);
    assert_int_equal(b.len, 5);
    postq_buf_free(&b);
}

static void test_reserve(void **state)
{
    struct postq_buf b;
    uint8_t *p;
    uint8_t data[200];

    (void)state;
    pattern(data, sizeof(data), 3);
    postq_buf_init(&b, 1000);
    assert_int_equal(postq_buf_reserve(&b, 200), POSTQ_OK);
    assert_non_null(b.p);
    assert_true(b.cap >= 201);
    p = b.p;
    /* Appends within the reservation allocate nothing: fail every allocation to prove it. */
    postq_alloc_fail_at(1);
    for (size_t i = 0; i < 200; i += 20) {
        assert_int_equal(postq_buf_append(&b, data + i, 20), POSTQ_OK);
    }
    postq_alloc_fail_at(0);
    assert_ptr_equal(b.p, p);
    assert_memory_equal(b.p, data, 200);
    postq_buf_free(&b);
}

static void test_reset_wipes(void **state)
{
    struct postq_buf b;

    (void)state;
    postq_buf_init(&b, 100);
    postq_buf_reset(&b); /* empty: fine */
    assert_int_equal(postq_buf_append_str(&b, "secret token"), POSTQ_OK);
    {
        uint8_t *p = b.p;
        size_t cap = b.cap;
        postq_buf_reset(&b);
        assert_ptr_equal(b.p, p); /* allocation kept */
        assert_int_equal(b.cap, cap);
        assert_int_equal(b.len, 0);
        for (size_t i = 0; i < 12; i++) {
            assert_int_equal(p[i], 0);
        }
    }
    assert_int_equal(postq_buf_append_str(&b, "next"), POSTQ_OK);
    assert_string_equal((const char *)b.p, "next");
    postq_buf_free(&b);
}

static void test_free_is_null_safe_and_idempotent(void **state)
{
    struct postq_buf b;

    (void)state;
    postq_buf_free(NULL);
    postq_buf_reset(NULL);
    postq_buf_init(&b, 50);
    postq_buf_free(&b); /* never allocated */
    assert_int_equal(postq_buf_append_str(&b, "abc"), POSTQ_OK);
    postq_buf_free(&b);
    postq_buf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.max, 50);
    /* Reusable after free. */
    assert_int_equal(postq_buf_append_str(&b, "again"), POSTQ_OK);
    assert_string_equal((const char *)b.p, "again");
    postq_buf_free(&b);
}

static void test_detach(void **state)
{
    struct postq_buf b;
    uint8_t *p;
    size_t len = 99;

    (void)state;
    postq_buf_init(&b, 50);
    assert_null(postq_buf_detach(&b, &len));
    assert_int_equal(len, 0);
    assert_int_equal(postq_buf_append_str(&b, "owned"), POSTQ_OK);
    p = postq_buf_detach(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 5);
    assert_string_equal((const char *)p, "owned");
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    postq_buf_free(&b); /* nothing left to free */
    postq_wipe(p, len);
    postq_free(p);
    assert_int_equal(postq_buf_append_str(&b, "x"), POSTQ_OK);
    p = postq_buf_detach(&b, NULL);
    postq_free(p);
}

/* Fail the Nth allocation (and every later one) for each N until a run sees none fail. Each
 * failed append must leave the buffer exactly as it was; with allocation restored the same
 * buffer must carry on to the full contents. */
static void test_alloc_failure_every_nth(void **state)
{
    enum { TOTAL = 20000, CHUNK = 61 };
    static uint8_t want[TOTAL];
    int runs_with_failure = 0;

    (void)state;
    pattern(want, TOTAL, 11);
    for (long nth = 1; nth < 100; nth++) {
        struct postq_buf b;
        size_t off = 0;
        int failed = 0;

        postq_buf_init(&b, TOTAL);
        postq_alloc_fail_at(nth);
        while (off < TOTAL) {
            size_t n = TOTAL - off < CHUNK ? TOTAL - off : CHUNK;
            uint8_t *p_before = b.p;
            size_t cap_before = b.cap;
            postq_err err = postq_buf_append(&b, want + off, n);

            if (err == POSTQ_E_NOMEM) {
                assert_false(failed); /* reached at most once per run below */
                failed = 1;
                assert_ptr_equal(b.p, p_before);
                assert_int_equal(b.cap, cap_before);
                assert_int_equal(b.len, off);
                if (off > 0) {
                    assert_memory_equal(b.p, want, off);
                    assert_int_equal(b.p[off], 0);
                }
                /* Once failing, reserve fails the same way. */
                assert_int_equal(postq_buf_reserve(&b, n), POSTQ_E_NOMEM);
                assert_int_equal(b.len, off);
                postq_alloc_fail_at(0);
                continue;
            }
            assert_int_equal(err, POSTQ_OK);
            off += n;
        }
        postq_alloc_fail_at(0);
        assert_int_equal(b.len, (size_t)TOTAL);
        assert_memory_equal(b.p, want, TOTAL);
        postq_buf_free(&b);
        if (!failed) {
            break; /* N is past the number of allocations growth needs */
        }
        runs_with_failure++;
    }
    /* Doubling from a small start takes several allocations to reach 20000 bytes. */
    assert_true(runs_with_failure >= 5);
    print_message("# buf: allocation failure injected at N = 1..%d\n", runs_with_failure);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_grow),
        cmocka_unit_test(test_append_str_and_empty),
        cmocka_unit_test(test_cap_enforced),
        cmocka_unit_test(test_cap_no_overflow),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_reset_wipes),
        cmocka_unit_test(test_free_is_null_safe_and_idempotent),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_alloc_failure_every_nth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
