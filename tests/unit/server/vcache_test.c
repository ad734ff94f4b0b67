/* SPDX-License-Identifier: Apache-2.0 */
/* src/server/vcache.c: a hit only for the same key id, algorithm, key bytes and policy text;
 * a policy that does not parse or a key that does not expand is an error and nothing is
 * cached; an entry's expanded key verifies the key's signatures (and not another key's);
 * an entry evicted while in use stays valid until it is given back (ASan in make check SAN=
 * would see a use after free or a leak); threads sharing a small cache. */
#include "testlib.h"

#include <pthread.h>
#include <string.h>

#include "crypto/composite.h"
#include "server/vcache.h"

#define ALG "mldsa44+ed25519"

#define POLICY(img)                                                                              \
    "{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"" img        \
    "\"],\"rootPublicKeyB64\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}}"
#define IMG_A "00000000000000000000000000000000000000000000000000000000000000aa"
#define IMG_B "00000000000000000000000000000000000000000000000000000000000000bb"

static uint8_t pk_a[POSTQ_HYBRID_PK_MAX], pk_b[POSTQ_HYBRID_PK_MAX];
static uint8_t sk_a[POSTQ_HYBRID_SK_MAX];
static size_t pk_len;

static int setup(void **state)
{
    uint8_t sk_b[POSTQ_HYBRID_SK_MAX];
    (void)state;
    if (postq_hybrid_sizes(ALG, &pk_len, NULL, NULL) != POSTQ_OK ||
        postq_hybrid_keygen(ALG, pk_a, sk_a) != POSTQ_OK ||
        postq_hybrid_keygen(ALG, pk_b, sk_b) != POSTQ_OK) {
        return -1;
    }
    return 0;
}

static void key_init(struct postq_store_key *k, const char *id, const uint8_t *pk)
{
    memset(k, 0, sizeof(*k));
    strcpy(k->id, id);
    strcpy(k->algorithm, ALG);
    k->public_key.p = pk;
    k->public_key.len = pk_len;
}

static void pol_init(struct postq_store_policy *p, const char *body)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->id, "pol_x");
    p->body = body;
}

static void assert_stats(struct postq_vcache *c, uint64_t hits, uint64_t misses)
{
    uint64_t h, m;
    postq_vcache_stats(c, &h, &m);
    assert_int_equal(h, hits);
    assert_int_equal(m, misses);
}

static void test_hits_and_misses(void **state)
{
    struct postq_vcache *c;
    struct postq_store_key ka, kb, ka2;
    struct postq_store_policy p1, p2, bad;
    struct postq_vcache_entry *e1, *e2, *e;
    uint8_t sig[POSTQ_HYBRID_SIG_MAX], ph[POSTQ_HYBRID_PH_BYTES];
    struct postq_hybrid_ph h;
    size_t sig_len;
    static const uint8_t msg[] = "payload";
    (void)state;

    assert_int_equal(postq_vcache_new(0, &c), POSTQ_E_ARG);
    assert_int_equal(postq_vcache_new(8, &c), POSTQ_OK);
    key_init(&ka, "key_a", pk_a);
    key_init(&kb, "key_a", pk_b); /* same id, other key bytes */
    key_init(&ka2, "key_b", pk_a); /* same bytes, other id */
    pol_init(&p1, POLICY(IMG_A));
    pol_init(&p2, POLICY(IMG_B));
    pol_init(&bad, "{\"name\":\"p\",\"vendor\":\"mock\"}");

    assert_int_equal(postq_vcache_get(c, &ka, &p1, &e1), POSTQ_OK);
    assert_stats(c, 0, 1);
    assert_int_equal(e1->policy.n_images, 1);
    assert_int_equal(e1->policy.images[0][31], 0xaa);
    assert_true(postq_hybrid_vkey_matches(&e1->vkey, ALG, pk_a, pk_len));
    assert_false(postq_hybrid_vkey_matches(&e1->vkey, ALG, pk_b, pk_len));
    assert_int_equal(postq_vcache_get(c, &ka, &p1, &e), POSTQ_OK);
    assert_ptr_equal(e, e1);
    assert_stats(c, 1, 1);
    postq_vcache_put(c, e);

    assert_int_equal(postq_vcache_get(c, &ka, &p2, &e2), POSTQ_OK); /* other policy text */
    assert_ptr_not_equal(e2, e1);
    assert_int_equal(e2->policy.images[0][31], 0xbb);
    postq_vcache_put(c, e2);
    assert_int_equal(postq_vcache_get(c, &kb, &p1, &e), POSTQ_OK); /* other key bytes */
    assert_ptr_not_equal(e, e1);
    assert_true(postq_hybrid_vkey_matches(&e->vkey, ALG, pk_b, pk_len));
    postq_vcache_put(c, e);
    assert_int_equal(postq_vcache_get(c, &ka2, &p1, &e), POSTQ_OK); /* other key id */
    assert_ptr_not_equal(e, e1);
    postq_vcache_put(c, e);
    assert_stats(c, 1, 4);

    /* Errors: nothing cached, nothing counted. */
    assert_int_not_equal(postq_vcache_get(c, &ka, &bad, &e), POSTQ_OK);
    assert_null(e);
    ka.public_key.len = pk_len - 1;
    assert_int_not_equal(postq_vcache_get(c, &ka, &p1, &e), POSTQ_OK);
    ka.public_key.len = pk_len;
    strcpy(ka.algorithm, "mldsa44+ed448");
    assert_int_not_equal(postq_vcache_get(c, &ka, &p1, &e), POSTQ_OK);
    strcpy(ka.algorithm, ALG);
    assert_stats(c, 1, 4);

    /* The entry's key verifies key A's signatures and refuses a flipped one. */
    assert_int_equal(postq_hybrid_sign(ALG, sk_a, msg, sizeof(msg), NULL, 0, sig), POSTQ_OK);
    assert_int_equal(postq_hybrid_sizes(ALG, NULL, NULL, &sig_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_init(&h, ALG), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_update(&h, msg, sizeof(msg)), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_final(&h, ph), POSTQ_OK);
    assert_int_equal(postq_hybrid_verify_ph_vkey(&e1->vkey, ph, NULL, 0, sig, sig_len), POSTQ_OK);
    sig[100] ^= 1;
    assert_int_equal(postq_hybrid_verify_ph_vkey(&e1->vkey, ph, NULL, 0, sig, sig_len),
                     POSTQ_E_INVALID);
    postq_vcache_put(c, e1);
    postq_vcache_free(c);
}

static void test_evicted_while_in_use(void **state)
{
    struct postq_vcache *c;
    struct postq_store_key ka, kb;
    struct postq_store_policy p1, p2;
    struct postq_vcache_entry *held, *e;
    (void)state;

    assert_int_equal(postq_vcache_new(2, &c), POSTQ_OK);
    key_init(&ka, "key_a", pk_a);
    key_init(&kb, "key_b", pk_b);
    pol_init(&p1, POLICY(IMG_A));
    pol_init(&p2, POLICY(IMG_B));
    assert_int_equal(postq_vcache_get(c, &ka, &p1, &held), POSTQ_OK); /* oldest, kept */
    assert_int_equal(postq_vcache_get(c, &ka, &p2, &e), POSTQ_OK);
    postq_vcache_put(c, e);
    assert_int_equal(postq_vcache_get(c, &kb, &p1, &e), POSTQ_OK); /* evicts held */
    postq_vcache_put(c, e);
    assert_stats(c, 0, 3);
    /* Still readable while held; a new lookup no longer finds it. */
    assert_true(postq_hybrid_vkey_matches(&held->vkey, ALG, pk_a, pk_len));
    assert_int_equal(strcmp(held->policy_body, POLICY(IMG_A)), 0);
    assert_int_equal(postq_vcache_get(c, &ka, &p1, &e), POSTQ_OK);
    assert_ptr_not_equal(e, held);
    assert_stats(c, 0, 4);
    postq_vcache_put(c, e);
    postq_vcache_put(c, held); /* freed here */
    postq_vcache_free(c);
}

struct worker {
    struct postq_vcache *c;
    int seed;
    int bad;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct postq_store_key k[2];
    struct postq_store_policy p[2];
    key_init(&k[0], "key_a", pk_a);
    key_init(&k[1], "key_b", pk_b);
    pol_init(&p[0], POLICY(IMG_A));
    pol_init(&p[1], POLICY(IMG_B));
    for (int i = 0; i < 100; i++) {
        struct postq_vcache_entry *e;
        int ki = (i + w->seed) & 1, pi = ((i >> 1) + w->seed) & 1;
        if (postq_vcache_get(w->c, &k[ki], &p[pi], &e) != POSTQ_OK ||
            !postq_hybrid_vkey_matches(&e->vkey, ALG, ki ? pk_b : pk_a, pk_len) ||
            e->policy.images[0][31] != (pi ? 0xbb : 0xaa)) {
            w->bad++;
            continue;
        }
        postq_vcache_put(w->c, e);
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct postq_vcache *c;
    pthread_t t[4];
    struct worker w[4];
    uint64_t h, m;
    (void)state;

    assert_int_equal(postq_vcache_new(3, &c), POSTQ_OK); /* 4 combinations, 3 slots */
    for (int i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].seed = i;
        w[i].bad = 0;
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    postq_vcache_stats(c, &h, &m);
    assert_int_equal(h + m, 400);
    postq_vcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hits_and_misses),
        cmocka_unit_test(test_evicted_while_in_use),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
