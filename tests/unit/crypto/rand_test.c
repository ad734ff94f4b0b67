/* SPDX-License-Identifier: Apache-2.0 */
/* postq_rand_bytes and its fault hook, and what the composite layer does when the RNG fails. */
#include "testlib.h"

#include <pthread.h>
#include <string.h>

#include <postq/hybrid.h>

#include "crypto/rand.h"

static const char *const algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)postq_rand_fail_at(0);
    return 0;
}

static void test_fills(void **state)
{
    static uint8_t big[1 << 20];
    uint8_t a[64] = {0};
    uint8_t b[64] = {0};

    (void)state;
    assert_int_equal(postq_rand_bytes(a, sizeof(a)), POSTQ_OK);
    assert_int_equal(postq_rand_bytes(b, sizeof(b)), POSTQ_OK);
    /* 2^-512 odds of a false failure each. */
    assert_false(all_zero(a, sizeof(a)));
    assert_false(all_zero(b, sizeof(b)));
    assert_memory_not_equal(a, b, sizeof(a));

    /* Beyond 256 bytes getrandom may return short: every byte must still be written. Check
     * each 64-byte block of a 1 MiB request (a block left zero has odds 2^-512). */
    assert_int_equal(postq_rand_bytes(big, sizeof(big)), POSTQ_OK);
    for (size_t i = 0; i < sizeof(big); i += 64) {
        assert_false(all_zero(big + i, 64));
    }
    /* Odd lengths, including 1, touch exactly len bytes. */
    for (size_t n = 1; n < 40; n += 3) {
        uint8_t buf[48];
        memset(buf, 0xee, sizeof(buf));
        assert_int_equal(postq_rand_bytes(buf, n), POSTQ_OK);
        for (size_t i = n; i < sizeof(buf); i++) {
            assert_int_equal(buf[i], 0xee);
        }
    }
}

static void test_arguments(void **state)
{
    (void)state;
    assert_int_equal(postq_rand_bytes(NULL, 0), POSTQ_OK);
    assert_int_equal(postq_rand_bytes(NULL, 1), POSTQ_E_ARG);
}

static void test_fault_hook(void **state)
{
    uint8_t buf[32];

    (void)state;
    (void)postq_rand_fail_at(0);
    /* Nth call from now fails, and every later one, until reset. */
    assert_int_equal(postq_rand_fail_at(3), 0);
    assert_int_equal(postq_rand_bytes(buf, sizeof(buf)), POSTQ_OK);
    assert_int_equal(postq_rand_bytes(buf, sizeof(buf)), POSTQ_OK);
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(postq_rand_bytes(buf, sizeof(buf)), POSTQ_E_RNG);
    assert_true(all_zero(buf, sizeof(buf)));
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(postq_rand_bytes(buf, sizeof(buf)), POSTQ_E_RNG);
    assert_true(all_zero(buf, sizeof(buf)));
    assert_int_equal(postq_rand_fail_at(0), 4);
    assert_int_equal(postq_rand_bytes(buf, sizeof(buf)), POSTQ_OK);
    assert_int_equal(postq_rand_fail_at(0), 1);
}

/* keygen draws two seeds (two calls): a failure of either leaves pk and sk all zero. */
static void test_keygen_rng_failure(void **state)
{
    static uint8_t pk[POSTQ_HYBRID_PK_MAX];
    static uint8_t sk[POSTQ_HYBRID_SK_MAX];

    (void)state;
    for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
        size_t pklen, sklen;
        assert_int_equal(postq_hybrid_sizes(algs[a], &pklen, &sklen, NULL), POSTQ_OK);
        for (long nth = 1; nth <= 2; nth++) {
            memset(pk, 0xaa, sizeof(pk));
            memset(sk, 0xaa, sizeof(sk));
            (void)postq_rand_fail_at(nth);
            assert_int_equal(postq_hybrid_keygen(algs[a], pk, sk), POSTQ_E_RNG);
            assert_int_equal(postq_rand_fail_at(0), nth);
            assert_true(all_zero(pk, pklen));
            assert_true(all_zero(sk, sklen));
        }
        /* Two draws exactly: failing the third changes nothing. */
        (void)postq_rand_fail_at(3);
        assert_int_equal(postq_hybrid_keygen(algs[a], pk, sk), POSTQ_OK);
        assert_int_equal(postq_rand_fail_at(0), 2);
        assert_false(all_zero(sk, sklen));
    }
}

/* Hedged signing needs its 32 bytes: without them there is no signature (zeroed), never a
 * silently deterministic one. */
static void test_sign_rng_failure(void **state)
{
    static uint8_t pk[POSTQ_HYBRID_PK_MAX];
    static uint8_t sk[POSTQ_HYBRID_SK_MAX];
    static uint8_t sig[POSTQ_HYBRID_SIG_MAX];
    const uint8_t msg[] = "payload";

    (void)state;
    for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
        size_t siglen;
        assert_int_equal(postq_hybrid_sizes(algs[a], NULL, NULL, &siglen), POSTQ_OK);
        assert_int_equal(postq_hybrid_keygen(algs[a], pk, sk), POSTQ_OK);
        memset(sig, 0xaa, sizeof(sig));
        (void)postq_rand_fail_at(1);
        assert_int_equal(postq_hybrid_sign(algs[a], sk, msg, sizeof(msg), NULL, 0, sig),
                         POSTQ_E_RNG);
        assert_int_equal(postq_rand_fail_at(0), 1);
        assert_true(all_zero(sig, siglen));
        assert_int_equal(postq_hybrid_sign(algs[a], sk, msg, sizeof(msg), NULL, 0, sig), POSTQ_OK);
        assert_int_equal(postq_hybrid_verify(algs[a], pk, msg, sizeof(msg), NULL, 0, sig, siglen),
                         POSTQ_OK);
    }
}

#define DRAW_THREADS 4
#define DRAWS 5000

struct drawer {
    pthread_t t;
    long failed;
};

static void *draw(void *arg)
{
    struct drawer *d = arg;
    uint8_t b[8];

    for (int i = 0; i < DRAWS; i++) {
        if (postq_rand_bytes(b, sizeof(b)) != POSTQ_OK) {
            d->failed++;
        }
    }
    return NULL;
}

/* Signing threads draw at once: each call is counted exactly once (a lost update would show as
 * a short count), and armed at n, exactly the calls from the nth on fail. */
static void test_fault_hook_threads(void **state)
{
    const long total = (long)DRAW_THREADS * DRAWS, arm[] = {0, total / 2 + 1};
    struct drawer d[DRAW_THREADS];

    (void)state;
    for (size_t a = 0; a < sizeof(arm) / sizeof(arm[0]); a++) {
        long nth = arm[a], failed = 0;
        (void)postq_rand_fail_at(nth);
        memset(d, 0, sizeof(d));
        for (int i = 0; i < DRAW_THREADS; i++) {
            assert_int_equal(pthread_create(&d[i].t, NULL, draw, &d[i]), 0);
        }
        for (int i = 0; i < DRAW_THREADS; i++) {
            assert_int_equal(pthread_join(d[i].t, NULL), 0);
            failed += d[i].failed;
        }
        assert_int_equal(postq_rand_fail_at(0), total);
        assert_int_equal(failed, nth == 0 ? 0 : total - nth + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fills),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test_teardown(test_fault_hook, teardown),
        cmocka_unit_test_teardown(test_keygen_rng_failure, teardown),
        cmocka_unit_test_teardown(test_sign_rng_failure, teardown),
        cmocka_unit_test_teardown(test_fault_hook_threads, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
