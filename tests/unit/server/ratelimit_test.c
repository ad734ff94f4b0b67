/* SPDX-License-Identifier: Apache-2.0 */
/* src/server/ratelimit.c on an injected clock: RATE[/BURST] parsing and its negative twins,
 * burst then refill, Retry-After rounded up and at least 1, per-role rates, one organisation's
 * bucket shared by its keys, refused requests charging nothing, limits turned off, eviction under
 * table pressure (the bucket nearest to full goes, the busiest stays), and threads sharing one
 * limiter (exactly the burst gets through). */
#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "server/ratelimit.h"

#define S 1000000000ULL

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
    return *(const uint64_t *)ctx;
}

/* A limiter on the fake clock at t = 1000 s: keys of every role at key, the organisations at
 * org (strings as on the command line). */
static struct postq_ratelimit *limiter(const char *admin, const char *signer, const char *viewer,
                                       const char *org, size_t key_slots)
{
    struct postq_ratelimit_conf c;
    struct postq_ratelimit *rl = NULL;

    postq_ratelimit_defaults(&c);
    assert_int_equal(postq_ratelimit_parse(admin, &c.role[0]), POSTQ_OK);
    assert_int_equal(postq_ratelimit_parse(signer, &c.role[1]), POSTQ_OK);
    assert_int_equal(postq_ratelimit_parse(viewer, &c.role[2]), POSTQ_OK);
    assert_int_equal(postq_ratelimit_parse(org, &c.org), POSTQ_OK);
    c.key_slots = key_slots;
    c.now_ns = fake_clock;
    c.clock_ctx = &fake_now;
    fake_now = 1000 * S;
    assert_int_equal(postq_ratelimit_new(&c, &rl), POSTQ_OK);
    return rl;
}

static postq_err take(struct postq_ratelimit *rl, const char *key, const char *org,
                      enum postq_store_role role, struct postq_ratelimit_verdict *v)
{
    memset(v, 0, sizeof(*v));
    return postq_ratelimit_take(rl, key, org, role, v);
}

static int take_n(struct postq_ratelimit *rl, const char *key, const char *org,
                  enum postq_store_role role, int n)
{
    struct postq_ratelimit_verdict v;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        ok += take(rl, key, org, role, &v) == POSTQ_OK;
    }
    return ok;
}

static void test_parse(void **state)
{
    static const struct {
        const char *s;
        uint64_t rate_milli;
        uint32_t burst;
    } good[] = {
        {"1", 1000, 1},
        {"0.5", 500, 1},
        {"2.5", 2500, 3},
        {"100/200", 100000, 200},
        {"0.001/1", 1, 1},
        {"0.01", 10, 1},
        {"1000000/1000000", 1000000000, 1000000},
        {"off", 0, 0},
        {"7.25/3", 7250, 3},
    };
    static const char *const bad[] = {
        "",
        "0",
        "0/5",
        "0.000",
        "1/0",
        "-1",
        "+1",
        "1.2345",
        "1/",
        "/5",
        "abc",
        "1 ",
        " 1",
        "1000001",
        "1/1000001",
        "1.",
        ".5",
        "1/2/3",
        "OFF",
        "off/1",
        "1e3",
        "10000000000000000000",
        "1/99999999999",
        "1,5",
    };
    struct postq_ratelimit_limit l, keep = {42, 7};
    struct postq_ratelimit_conf c;
    char text[64];
    (void)state;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(&l, 0xff, sizeof(l));
        assert_int_equal(postq_ratelimit_parse(good[i].s, &l), POSTQ_OK);
        assert_int_equal(l.rate_milli, good[i].rate_milli);
        assert_int_equal(l.burst, good[i].burst);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        l = keep;
        assert_int_equal(postq_ratelimit_parse(bad[i], &l), POSTQ_E_ARG);
        assert_int_equal(l.rate_milli, 42); /* untouched */
        assert_int_equal(l.burst, 7);
    }
    assert_int_equal(postq_ratelimit_parse(NULL, &l), POSTQ_E_ARG);
    assert_int_equal(postq_ratelimit_parse("1", NULL), POSTQ_E_ARG);

    postq_ratelimit_defaults(&c);
    assert_int_equal(postq_ratelimit_parse_role("signer=5/10", &c), POSTQ_OK);
    assert_int_equal(c.role[1].rate_milli, 5000);
    assert_int_equal(c.role[1].burst, 10);
    assert_int_equal(postq_ratelimit_parse_role("viewer=off", &c), POSTQ_OK);
    assert_int_equal(c.role[2].rate_milli, 0);
    assert_int_equal(postq_ratelimit_parse_role("admin=0.5", &c), POSTQ_OK);
    assert_int_equal(c.role[0].rate_milli, 500);
    assert_int_equal(c.role[0].burst, 1);
    {
        static const char *const bad_role[] = {"root=1", "signer",   "signer=",   "Signer=1",
                                               "=1",     "signer=0", "signers=1", "signer:1"};
        for (size_t i = 0; i < sizeof(bad_role) / sizeof(bad_role[0]); i++) {
            struct postq_ratelimit_conf before = c;
            assert_int_equal(postq_ratelimit_parse_role(bad_role[i], &c), POSTQ_E_ARG);
            assert_memory_equal(&before, &c, sizeof(c));
        }
    }

    l = (struct postq_ratelimit_limit){7250, 3};
    postq_ratelimit_format(text, sizeof(text), &l);
    assert_string_equal(text, "7.25/s burst 3");
    l = (struct postq_ratelimit_limit){200000, 400};
    postq_ratelimit_format(text, sizeof(text), &l);
    assert_string_equal(text, "200/s burst 400");
    l = (struct postq_ratelimit_limit){1, 1};
    postq_ratelimit_format(text, sizeof(text), &l);
    assert_string_equal(text, "0.001/s burst 1");
    l = (struct postq_ratelimit_limit){0, 0};
    postq_ratelimit_format(text, sizeof(text), &l);
    assert_string_equal(text, "off");
}

static void test_defaults(void **state)
{
    struct postq_ratelimit_conf c;
    (void)state;
    postq_ratelimit_defaults(&c);
    assert_int_equal(c.role[0].rate_milli, 200000);
    assert_int_equal(c.role[0].burst, 400);
    assert_int_equal(c.role[1].rate_milli, 200000);
    assert_int_equal(c.role[2].rate_milli, 50000);
    assert_int_equal(c.role[2].burst, 100);
    assert_int_equal(c.org.rate_milli, 1000000);
    assert_int_equal(c.org.burst, 2000);
    assert_int_equal(c.key_slots, POSTQ_RATELIMIT_KEY_SLOTS);
    assert_null(c.now_ns);
}

static void test_new_bad(void **state)
{
    struct postq_ratelimit_conf c;
    struct postq_ratelimit *rl = (struct postq_ratelimit *)&c;
    struct postq_ratelimit_verdict v;
    (void)state;

    postq_ratelimit_defaults(&c);
    assert_int_equal(postq_ratelimit_new(NULL, &rl), POSTQ_E_ARG);
    assert_null(rl);
    assert_int_equal(postq_ratelimit_new(&c, NULL), POSTQ_E_ARG);
    c.key_slots = 0;
    assert_int_equal(postq_ratelimit_new(&c, &rl), POSTQ_E_ARG);
    postq_ratelimit_defaults(&c);
    c.org_slots = 0;
    assert_int_equal(postq_ratelimit_new(&c, &rl), POSTQ_E_ARG);
    postq_ratelimit_defaults(&c);
    c.role[1].burst = 0;
    assert_int_equal(postq_ratelimit_new(&c, &rl), POSTQ_E_ARG);
    postq_ratelimit_defaults(&c);
    c.org.rate_milli = POSTQ_RATELIMIT_RATE_MILLI_MAX + 1;
    assert_int_equal(postq_ratelimit_new(&c, &rl), POSTQ_E_ARG);
    postq_ratelimit_free(NULL);

    rl = limiter("1", "1", "1", "1", 16);
    assert_int_equal(postq_ratelimit_take(rl, NULL, "org_a", POSTQ_STORE_ROLE_ADMIN, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_ratelimit_take(rl, "ak_a", NULL, POSTQ_STORE_ROLE_ADMIN, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_ratelimit_take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, NULL),
                     POSTQ_E_ARG);
    assert_int_equal(postq_ratelimit_take(rl, "ak_a", "org_a", (enum postq_store_role)0, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_ratelimit_take(rl, "ak_a", "org_a", (enum postq_store_role)4, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_ratelimit_take(NULL, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v),
                     POSTQ_E_ARG);
    /* None of those charged the bucket. */
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_OK);
    postq_ratelimit_free(rl);
}

static void test_burst_then_refill(void **state)
{
    struct postq_ratelimit *rl = limiter("1/3", "off", "off", "off", 64);
    struct postq_ratelimit_verdict v;
    (void)state;

    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 3), 3);
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    assert_int_equal(v.scope, POSTQ_RATELIMIT_KEY);
    assert_int_equal(v.retry_after_s, 1);
    assert_int_equal(v.limit.rate_milli, 1000);
    assert_int_equal(v.limit.burst, 3);
    /* Half the interval: still refused, and Retry-After still rounds up to 1. */
    fake_now += S / 2;
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    assert_int_equal(v.retry_after_s, 1);
    /* One nanosecond short of a token, then exactly one token. */
    fake_now += S / 2 - 1;
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    fake_now += 1;
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 5), 1);
    /* Idle for a long time: the bucket holds at most the burst. */
    fake_now += 3600 * S;
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 10), 3);
    /* A steady 1/s client is never refused. */
    for (int i = 0; i < 100; i++) {
        fake_now += S;
        assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_OK);
    }
    postq_ratelimit_free(rl);
}

static void test_retry_after_rounding(void **state)
{
    struct postq_ratelimit *rl = limiter("0.4/1", "0.001/1", "1000000/1000000", "off", 64);
    struct postq_ratelimit_verdict v;
    (void)state;

    /* 0.4/s: one request every 2.5 s; a refused one waits 2.5 s -> 3. */
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_OK);
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    assert_int_equal(v.retry_after_s, 3);
    fake_now += 2 * S;
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    assert_int_equal(v.retry_after_s, 1); /* 0.5 s left */
    fake_now += S / 2;
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_OK);

    /* 0.001/s: 1000 s exactly. */
    assert_int_equal(take(rl, "ak_s", "org_a", POSTQ_STORE_ROLE_SIGNER, &v), POSTQ_OK);
    assert_int_equal(take(rl, "ak_s", "org_a", POSTQ_STORE_ROLE_SIGNER, &v), POSTQ_E_RATE);
    assert_int_equal(v.retry_after_s, 1000);
    fake_now += 999 * S + 1;
    assert_int_equal(take(rl, "ak_s", "org_a", POSTQ_STORE_ROLE_SIGNER, &v), POSTQ_E_RATE);
    assert_int_equal(v.retry_after_s, 1);
    fake_now += S;
    assert_int_equal(take(rl, "ak_s", "org_a", POSTQ_STORE_ROLE_SIGNER, &v), POSTQ_OK);

    /* The largest limit: a wait of a microsecond is still Retry-After 1, never 0. */
    assert_int_equal(take_n(rl, "ak_v", "org_a", POSTQ_STORE_ROLE_VIEWER, 1000000), 1000000);
    assert_int_equal(take(rl, "ak_v", "org_a", POSTQ_STORE_ROLE_VIEWER, &v), POSTQ_E_RATE);
    assert_int_equal(v.retry_after_s, 1);
    fake_now += 1000;
    assert_int_equal(take(rl, "ak_v", "org_a", POSTQ_STORE_ROLE_VIEWER, &v), POSTQ_OK);
    postq_ratelimit_free(rl);
}

static void test_per_role(void **state)
{
    struct postq_ratelimit *rl = limiter("10/10", "5/5", "1/1", "off", 64);
    (void)state;

    assert_int_equal(take_n(rl, "ak_admin", "org_a", POSTQ_STORE_ROLE_ADMIN, 50), 10);
    assert_int_equal(take_n(rl, "ak_signer", "org_a", POSTQ_STORE_ROLE_SIGNER, 50), 5);
    assert_int_equal(take_n(rl, "ak_viewer", "org_a", POSTQ_STORE_ROLE_VIEWER, 50), 1);
    /* Each key its own bucket: another signer is not affected by the first. */
    assert_int_equal(take_n(rl, "ak_signer2", "org_a", POSTQ_STORE_ROLE_SIGNER, 50), 5);
    fake_now += S;
    assert_int_equal(take_n(rl, "ak_admin", "org_a", POSTQ_STORE_ROLE_ADMIN, 50), 10);
    assert_int_equal(take_n(rl, "ak_signer", "org_a", POSTQ_STORE_ROLE_SIGNER, 50), 5);
    assert_int_equal(take_n(rl, "ak_viewer", "org_a", POSTQ_STORE_ROLE_VIEWER, 50), 1);
    postq_ratelimit_free(rl);
}

static void test_org_shared(void **state)
{
    struct postq_ratelimit *rl = limiter("100/100", "100/100", "1/1", "2/4", 64);
    struct postq_ratelimit_verdict v;
    (void)state;

    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 2), 2);
    assert_int_equal(take_n(rl, "ak_b", "org_a", POSTQ_STORE_ROLE_SIGNER, 2), 2);
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    assert_int_equal(v.scope, POSTQ_RATELIMIT_ORG);
    assert_int_equal(v.retry_after_s, 1); /* 0.5 s */
    assert_int_equal(v.limit.rate_milli, 2000);
    assert_int_equal(take(rl, "ak_b", "org_a", POSTQ_STORE_ROLE_SIGNER, &v), POSTQ_E_RATE);
    assert_int_equal(v.scope, POSTQ_RATELIMIT_ORG);
    /* Another organisation has its own bucket. */
    assert_int_equal(take_n(rl, "ak_c", "org_b", POSTQ_STORE_ROLE_ADMIN, 10), 4);
    /* 0.5 s refills one request for the whole organisation. */
    fake_now += S / 2;
    assert_int_equal(take_n(rl, "ak_b", "org_a", POSTQ_STORE_ROLE_SIGNER, 3), 1);
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 3), 0);

    /* Both refuse: the later one is reported. The viewer's key waits 1 s, the org 0.5 s. */
    fake_now += 10 * S;
    assert_int_equal(take(rl, "ak_v", "org_a", POSTQ_STORE_ROLE_VIEWER, &v), POSTQ_OK);
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 3), 3);
    assert_int_equal(take(rl, "ak_v", "org_a", POSTQ_STORE_ROLE_VIEWER, &v), POSTQ_E_RATE);
    assert_int_equal(v.scope, POSTQ_RATELIMIT_KEY);
    postq_ratelimit_free(rl);
}

static void test_refused_costs_nothing(void **state)
{
    struct postq_ratelimit *rl = limiter("1/1", "1/1", "1/1", "10/10", 64);
    (void)state;

    /* ak_a is refused by its own key limit 100 times; the organisation is not charged. */
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 101), 1);
    for (int i = 0; i < 9; i++) {
        char id[16];
        (void)snprintf(id, sizeof(id), "ak_%d", i);
        assert_int_equal(take_n(rl, id, "org_a", POSTQ_STORE_ROLE_ADMIN, 1), 1);
    }
    assert_int_equal(take_n(rl, "ak_z", "org_a", POSTQ_STORE_ROLE_ADMIN, 1), 0);
    /* And the organisation refusing did not charge ak_z's key: 0.1 s gives the organisation
     * one request back, far too little for a key of 1/s, yet ak_z passes. */
    fake_now += S / 10;
    assert_int_equal(take_n(rl, "ak_z", "org_a", POSTQ_STORE_ROLE_ADMIN, 1), 1);
    postq_ratelimit_free(rl);
}

static void test_off(void **state)
{
    struct postq_ratelimit *rl = limiter("off", "1/1", "off", "off", 64);
    (void)state;

    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 10000), 10000);
    assert_int_equal(take_n(rl, "ak_v", "org_a", POSTQ_STORE_ROLE_VIEWER, 10000), 10000);
    assert_int_equal(take_n(rl, "ak_s", "org_a", POSTQ_STORE_ROLE_SIGNER, 10), 1);
    postq_ratelimit_free(rl);

    /* Keys off, organisation on: only the organisation counts. */
    rl = limiter("off", "off", "off", "3/3", 64);
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 2), 2);
    assert_int_equal(take_n(rl, "ak_b", "org_a", POSTQ_STORE_ROLE_VIEWER, 5), 1);
    postq_ratelimit_free(rl);
}

static void test_eviction(void **state)
{
    struct postq_ratelimit *rl = limiter("1/4", "1/4", "1/4", "off", 2);
    struct postq_ratelimit_verdict v;
    (void)state;

    /* Two slots. ak_a is deep in debt, ak_b a little: a third key takes ak_b's slot. */
    assert_int_equal(take_n(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, 4), 4);
    assert_int_equal(take_n(rl, "ak_b", "org_a", POSTQ_STORE_ROLE_ADMIN, 1), 1);
    assert_int_equal(take_n(rl, "ak_c", "org_a", POSTQ_STORE_ROLE_ADMIN, 4), 4);
    /* ak_a, the busiest, is still tracked and still refused. */
    assert_int_equal(take(rl, "ak_a", "org_a", POSTQ_STORE_ROLE_ADMIN, &v), POSTQ_E_RATE);
    /* ak_b was forgotten: it comes back with a fresh bucket (one more burst at worst) in the
     * slot of one of the two others, both 4 requests in debt; the table stays at two. */
    assert_int_equal(take_n(rl, "ak_b", "org_a", POSTQ_STORE_ROLE_ADMIN, 10), 4);

    /* Idle buckets are dropped without loss: after 4 s everyone is full again, and 1,000 keys
     * through two slots each get exactly their burst. */
    fake_now += 4 * S;
    for (int i = 0; i < 1000; i++) {
        char id[16];
        (void)snprintf(id, sizeof(id), "ak_%d", i);
        assert_int_equal(take_n(rl, id, "org_a", POSTQ_STORE_ROLE_ADMIN, 4), 4);
        fake_now += 4 * S;
    }
    postq_ratelimit_free(rl);
}

static void test_many_keys_bounded(void **state)
{
    struct postq_ratelimit *rl = limiter("1/2", "1/2", "1/2", "1000000/1000000", 64);
    struct postq_ratelimit_verdict v;
    int refused = 0;
    (void)state;

    /* 10,000 keys at one instant through 64 slots: every new key is admitted (its bucket is
     * fresh), and a key still in its slot is refused after its burst. */
    for (int i = 0; i < 10000; i++) {
        char id[16];
        (void)snprintf(id, sizeof(id), "ak_%d", i);
        assert_int_equal(take_n(rl, id, "org_a", POSTQ_STORE_ROLE_SIGNER, 2), 2);
        refused += take(rl, id, "org_a", POSTQ_STORE_ROLE_SIGNER, &v) == POSTQ_E_RATE;
    }
    assert_int_equal(refused, 10000);
    postq_ratelimit_free(rl);
}

struct worker {
    struct postq_ratelimit *rl;
    const char *key;
    int ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct postq_ratelimit_verdict v;
    for (int i = 0; i < 2000; i++) {
        w->ok +=
            postq_ratelimit_take(w->rl, w->key, "org_a", POSTQ_STORE_ROLE_SIGNER, &v) == POSTQ_OK;
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct postq_ratelimit *rl = limiter("off", "1/100", "off", "1/250", 64);
    struct worker w[4];
    pthread_t t[4];
    int total = 0, ak_a = 0;
    (void)state;

    /* Four threads, two keys, a frozen clock: exactly the burst passes, per key and in all. */
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){rl, i % 2 == 0 ? "ak_a" : "ak_b", 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += w[i].ok;
        ak_a += i % 2 == 0 ? w[i].ok : 0;
    }
    assert_int_equal(ak_a, 100);
    assert_int_equal(total, 200);
    postq_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_new_bad),
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_retry_after_rounding),
        cmocka_unit_test(test_per_role),
        cmocka_unit_test(test_org_shared),
        cmocka_unit_test(test_refused_costs_nothing),
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_many_keys_bounded),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
