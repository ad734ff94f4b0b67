/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave's cache of expanded keys (src/enclave/keycache.c), through the request handler
 * and directly: a second sign of the same sealed key neither unseals nor expands it, a tampered
 * sealed key is refused every time and never cached, LRU eviction with 2 and 3 slots, eviction
 * wipes the slot, a cache of 0, a signer finding every slot busy signs with a temporary key,
 * 4 threads signing with fewer slots than keys, the composite root's expanded key, and the
 * refusal to start when the memory cannot be locked. Every signature is checked with
 * postq_hybrid_verify and every document with postq_attest_verify_ex. */
#include "testlib.h"

#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <postq/attest.h>

#include "../../../src/enclave/counter.c"
#include "../../../src/enclave/keycache.c"
#include "../../../src/enclave/log.c"
#include "../../../src/enclave/ops.c"
#include "../../../src/enclave/seal.c"
#include "../../../src/enclave/secret.c"
#include "../../../src/enclave/state.c"
#include "common/base64.h"
#include "common/hex.h"

#define REFUSED_MSG "sealed key refused: not sealed by this enclave for this keyId and algorithm"

static char base[64];
static int n_dirs;
static struct postq_enclave enc;
static int enc_open;

static int setup(void **state)
{
    (void)state;
    strcpy(base, "/tmp/postq-keycache-XXXXXX");
    assert_non_null(mkdtemp(base));
    n_dirs = 0;
    enc_open = 0;
    return 0;
}

static void close_enc(void)
{
    if (enc_open) {
        postq_enclave_keycache_close(&enc);
        assert_null(enc.keys);
        assert_null(enc.root_skey);
        postq_enclave_close(&enc);
        enc_open = 0;
    }
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    close_enc();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    return system(cmd);
}

/* A new state directory with a root of kind root_alg, and a cache of slots keys. */
static void open_enc(size_t slots, int root_alg)
{
    char dir[128], detail[512];

    close_enc();
    snprintf(dir, sizeof(dir), "%s/st%d", base, n_dirs++);
    assert_int_equal(postq_enclave_open_ex(&enc, dir, NULL, root_alg, 1, 0, detail, sizeof(detail)),
                     POSTQ_OK);
    enc_open = 1;
    if (postq_enclave_keycache_open(&enc, slots, detail, sizeof(detail)) != POSTQ_OK) {
        fail_msg("keycache_open(%zu): %s", slots, detail);
    }
    assert_non_null(enc.keys);
}

static struct postq_enclave_keycache_stats stats(void)
{
    struct postq_enclave_keycache_stats st;
    postq_enclave_keycache_stats(enc.keys, &st);
    return st;
}

/* Run one request through the handler; decode the reply for op into *r (views into *reply). */
static void call(const struct postq_proto_req *q, struct postq_buf *reply,
                 struct postq_proto_resp *r)
{
    struct postq_buf req;
    postq_buf_init(&req, POSTQ_PROTO_FRAME_MAX + 4);
    assert_int_equal(postq_proto_encode_request(&req, q), POSTQ_OK);
    postq_buf_reset(reply);
    assert_int_equal(postq_enclave_handle(&enc, req.p + 4, req.len - 4, reply), POSTQ_OK);
    assert_int_equal(postq_proto_decode_reply(r, q->op, reply->p + 4, reply->len - 4), POSTQ_OK);
    postq_buf_free(&req);
}

struct key {
    char alg[32];
    char key_id[32];
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len;
    uint8_t sealed[256];
    size_t sealed_len;
};

static void keygen(const char *alg, const char *key_id, struct key *k)
{
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf reply;

    memset(k, 0, sizeof(*k));
    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_KEYGEN;
    snprintf(q.alg, sizeof(q.alg), "%s", alg);
    snprintf(q.key_id, sizeof(q.key_id), "%s", key_id);
    postq_buf_init(&reply, 1 << 20);
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_OK);
    assert_true(r.public_key.len <= sizeof(k->pk) && r.sealed.len <= sizeof(k->sealed));
    snprintf(k->alg, sizeof(k->alg), "%s", alg);
    snprintf(k->key_id, sizeof(k->key_id), "%s", key_id);
    memcpy(k->pk, r.public_key.p, r.public_key.len);
    k->pk_len = r.public_key.len;
    memcpy(k->sealed, r.sealed.p, r.sealed.len);
    k->sealed_len = r.sealed.len;
    postq_buf_free(&reply);
}

static const uint8_t payload[] = "payload for the key cache";
static const uint8_t nonce[32] = {4, 5, 6};

static void sign_req(struct postq_proto_req *q, const struct key *k)
{
    memset(q, 0, sizeof(*q));
    q->op = POSTQ_PROTO_OP_SIGN;
    snprintf(q->alg, sizeof(q->alg), "%s", k->alg);
    snprintf(q->key_id, sizeof(q->key_id), "%s", k->key_id);
    q->sealed.p = k->sealed;
    q->sealed.len = k->sealed_len;
    q->nonce.p = nonce;
    q->nonce.len = 32;
    q->payload.p = payload;
    q->payload.len = sizeof(payload) - 1;
}

static void policy_json(char *out, size_t cap)
{
    char h[65], k[2700];
    assert_int_equal(postq_hex_encode(h, sizeof(h), enc.image_hash, 32), POSTQ_OK);
    assert_int_equal(
        postq_base64_encode(k, sizeof(k), NULL, enc.root_pk, enc.root_pk_len, POSTQ_B64_STD),
        POSTQ_OK);
    snprintf(out, cap,
             "{\"id\":\"pol_t\",\"name\":\"t\",\"vendor\":\"mock\",\"matchRules\":{"
             "\"allowedImageHashes\":[\"%s\"],\"rootPublicKeyB64\":\"%s\","
             "\"maxDocAgeSeconds\":300},\"enforce\":true}",
             h, k);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The reply of a sign of k: the signature under k's public key, the document under the
 * enclave's pinned root with every check (key, payload, signature, nonce). rep may be NULL.
 * why receives what failed ("" when all holds; the verdict's reason for a document) so that
 * threads can report it. */
static void check_sign(const struct key *k, const struct postq_proto_resp *r,
                       struct postq_attest_report *rep, char why[64])
{
    struct postq_attest_report local;
    struct postq_attest_input in;
    char policy[4096];
    char *doc;
    int rc;

    if (rep == NULL) {
        rep = &local;
    }
    why[0] = '\0';
    if (r->status != POSTQ_PROTO_OK) {
        snprintf(why, 64, "status %d", r->status);
        return;
    }
    if (postq_hybrid_verify(k->alg, k->pk, payload, sizeof(payload) - 1, NULL, 0, r->signature.p,
                            r->signature.len) != POSTQ_OK) {
        snprintf(why, 64, "postq_hybrid_verify");
        return;
    }
    policy_json(policy, sizeof(policy));
    doc = calloc(1, r->doc_b64.len + 1);
    if (doc == NULL) {
        snprintf(why, 64, "calloc");
        return;
    }
    memcpy(doc, r->doc_b64.p, r->doc_b64.len);
    memset(&in, 0, sizeof(in));
    in.vendor = "mock";
    in.payload = payload;
    in.payload_len = sizeof(payload) - 1;
    in.sig = r->signature.p;
    in.sig_len = r->signature.len;
    in.public_key = k->pk;
    in.public_key_len = k->pk_len;
    in.nonce = nonce;
    rc = postq_attest_verify_ex(doc, policy, &in, now_ms(), rep);
    free(doc);
    if (rc != POSTQ_OK) {
        snprintf(why, 64, "postq_attest_verify_ex %d", rc);
    } else if (!rep->verdict.ok) {
        snprintf(why, 64, "%s", rep->verdict.reason);
    }
}

/* Sign with k through the handler; the reply must verify. */
static void sign_ok(const struct key *k, struct postq_attest_report *rep)
{
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf reply;
    char why[64];

    sign_req(&q, k);
    postq_buf_init(&reply, 1 << 20);
    call(&q, &reply, &r);
    if (r.status != POSTQ_PROTO_OK) {
        fail_msg("%s %s: %s", k->alg, k->key_id, r.message);
    }
    check_sign(k, &r, rep, why);
    if (why[0] != '\0') {
        fail_msg("%s %s: %s", k->alg, k->key_id, why);
    }
    postq_buf_free(&reply);
}

static void sign_refused(const struct key *k)
{
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf reply;

    sign_req(&q, k);
    postq_buf_init(&reply, 1 << 20);
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_E_SEALED_KEY);
    assert_string_equal(r.message, REFUSED_MSG);
    postq_buf_free(&reply);
}

static long slot_of(const struct key *k)
{
    return postq_enclave_keycache_find(enc.keys, k->alg, k->key_id, k->sealed, k->sealed_len);
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

/* A miss unseals and expands; the second sign of the same sealed key is a hit: it works even
 * with the sealing key changed under it (so it did not unseal), and its document carries the
 * same publicKeySha256 as the miss's. */
static void test_hit_skips_unseal(void **state)
{
    (void)state;
    struct postq_enclave_keycache_stats st;
    struct postq_attest_report miss, hit;
    uint8_t pkh[32];
    struct key k;

    open_enc(4, POSTQ_ROOT_COMPOSITE);
    keygen("mldsa65+ed25519", "key_hit", &k);
    assert_int_equal(slot_of(&k), -1);
    sign_ok(&k, &miss);
    st = stats();
    assert_true(st.misses == 1 && st.hits == 0 && st.uncached == 0 && st.used == 1);
    assert_true(slot_of(&k) >= 0);

    enc.sec->seal_key[0] ^= 0x01; /* an unseal now would refuse the key */
    sign_ok(&k, &hit);
    enc.sec->seal_key[0] ^= 0x01;
    st = stats();
    assert_true(st.misses == 1 && st.hits == 1 && st.refused == 0 && st.used == 1);

    assert_int_equal(postq_sha256(pkh, k.pk, k.pk_len), POSTQ_OK);
    assert_memory_equal(miss.claims.public_key_sha256, pkh, 32);
    assert_memory_equal(hit.claims.public_key_sha256, pkh, 32);
    assert_string_equal(hit.claims.key_id, "key_hit");
    assert_string_equal(hit.claims.algorithm, "mldsa65+ed25519");
    assert_true(hit.claims.counter > miss.claims.counter);

    /* Three more hits; the entry stays where it is. */
    for (int i = 0; i < 3; i++) {
        sign_ok(&k, NULL);
    }
    st = stats();
    assert_true(st.misses == 1 && st.hits == 4 && st.evictions == 0);
}

/* A sealed key with one bit flipped (at several places), truncated, or presented for another
 * key id or algorithm is refused with the same reply as without a cache, every time, and never
 * cached; a cached key does not make its tampered twin acceptable. */
static void test_tampered_refused_not_cached(void **state)
{
    (void)state;
    struct postq_enclave_keycache_stats st;
    struct key k, t;
    uint64_t refused = 0;

    open_enc(4, POSTQ_ROOT_COMPOSITE);
    keygen("mldsa44+ed25519", "key_t", &k);
    for (int round = 0; round < 2; round++) {
        static const size_t at[] = {0, 1, 12, 13, 40, 100};
        for (size_t j = 0; j < sizeof(at) / sizeof(at[0]); j++) {
            t = k;
            assert_true(at[j] < t.sealed_len);
            t.sealed[at[j]] ^= 0x01;
            sign_refused(&t);
            assert_int_equal(slot_of(&t), -1);
            refused++;
            t.sealed[at[j]] ^= 0x01;
            t.sealed[t.sealed_len - 1] ^= 0x80; /* the tag */
            sign_refused(&t);
            refused++;
        }
        t = k;
        t.sealed_len--;
        sign_refused(&t);
        refused++;
        t = k;
        snprintf(t.key_id, sizeof(t.key_id), "key_other");
        sign_refused(&t);
        assert_int_equal(slot_of(&t), -1);
        refused++;
        t = k;
        snprintf(t.alg, sizeof(t.alg), "mldsa65+ed25519");
        sign_refused(&t);
        refused++;
        st = stats();
        assert_true(st.refused == refused && st.misses == (uint64_t)round &&
                    st.used == (size_t)round);
        sign_ok(&k, NULL); /* round 0: a miss that caches it; round 1: a hit */
    }
    st = stats();
    assert_true(st.misses == 1 && st.hits == 1 && st.used == 1 && st.refused == refused);
}

/* With 2 slots: A B A C evicts B (A was used after it), A is a hit, B evicts C. */
static void test_lru_two_slots(void **state)
{
    (void)state;
    struct postq_enclave_keycache_stats st;
    struct key a, b, c;

    open_enc(2, POSTQ_ROOT_COMPOSITE);
    keygen("mldsa44+ed25519", "key_a", &a);
    keygen("mldsa65+ed25519", "key_b", &b);
    keygen("mldsa87+ed448", "key_c", &c);
    sign_ok(&a, NULL);
    sign_ok(&b, NULL);
    sign_ok(&a, NULL);
    assert_true(slot_of(&a) >= 0 && slot_of(&b) >= 0 && slot_of(&c) == -1);
    sign_ok(&c, NULL);
    assert_true(slot_of(&a) >= 0 && slot_of(&b) == -1 && slot_of(&c) >= 0);
    st = stats();
    assert_true(st.hits == 1 && st.misses == 3 && st.evictions == 1 && st.used == 2);
    sign_ok(&a, NULL);
    sign_ok(&b, NULL);
    assert_true(slot_of(&a) >= 0 && slot_of(&b) >= 0 && slot_of(&c) == -1);
    st = stats();
    assert_true(st.hits == 2 && st.misses == 4 && st.evictions == 2 && st.used == 2 &&
                st.uncached == 0);
}

/* With 3 slots: A B C A, then D evicts B, B evicts C, C evicts A (D and B are newer). */
static void test_lru_three_slots(void **state)
{
    (void)state;
    struct postq_enclave_keycache_stats st;
    struct key k[4];
    static const char *const want[][4] = {
        /* cached after each step: a, b, c, d */
        {"a", "b", "c", "-"}, /* A B C A */
        {"a", "-", "c", "d"}, /* D evicts B */
        {"a", "b", "-", "d"}, /* B evicts C */
        {"-", "b", "c", "d"}, /* C evicts A */
    };

    open_enc(3, POSTQ_ROOT_COMPOSITE);
    keygen("mldsa44+ed25519", "key_a", &k[0]);
    keygen("mldsa44+ed25519", "key_b", &k[1]);
    keygen("mldsa65+ed25519", "key_c", &k[2]);
    keygen("mldsa87+ed448", "key_d", &k[3]);
    sign_ok(&k[0], NULL);
    sign_ok(&k[1], NULL);
    sign_ok(&k[2], NULL);
    sign_ok(&k[0], NULL);
    for (int step = 0; step < 4; step++) {
        if (step > 0) {
            sign_ok(&k[step == 1 ? 3 : step == 2 ? 1 : 2], NULL);
        }
        for (int j = 0; j < 4; j++) {
            if ((want[step][j][0] != '-') != (slot_of(&k[j]) >= 0)) {
                fail_msg("step %d: key %d %s", step, j,
                         want[step][j][0] != '-' ? "not cached" : "still cached");
            }
        }
    }
    st = stats();
    assert_true(st.hits == 1 && st.misses == 6 && st.evictions == 3 && st.used == 3);
}

/* Eviction wipes the evicted key's slot before anything else uses it; an entry in use is never
 * evicted. */
static void test_eviction_wipes_slot(void **state)
{
    (void)state;
    static struct postq_hybrid_skey tmp;
    struct postq_enclave_keycache_stats st;
    struct postq_enclave_keyref ra, rb;
    const uint8_t *mem;
    struct key a, b;
    size_t len = 0;
    long sa, sb;
    int refused = 0;

    open_enc(2, POSTQ_ROOT_COMPOSITE);
    keygen("mldsa87+ed448", "key_a", &a);
    keygen("mldsa44+ed25519", "key_b", &b);
    sign_ok(&a, NULL);
    sign_ok(&b, NULL);
    sa = slot_of(&a);
    sb = slot_of(&b);
    assert_true(sa >= 0 && sb >= 0 && sa != sb);
    mem = postq_enclave_keycache_slot_mem(enc.keys, (size_t)sa, &len);
    assert_non_null(mem);
    assert_int_equal(len, sizeof(struct postq_hybrid_skey));
    assert_false(all_zero(mem, len));
    assert_null(postq_enclave_keycache_slot_mem(enc.keys, 2, &len));

    /* While both are held by signers, neither can be evicted. */
    assert_int_equal(postq_enclave_keycache_acquire(enc.keys, &ra, &tmp, &refused,
                                                    enc.sec->seal_key, a.alg, a.key_id, a.sealed,
                                                    a.sealed_len),
                     POSTQ_OK);
    assert_int_equal(postq_enclave_keycache_acquire(enc.keys, &rb, &tmp, &refused,
                                                    enc.sec->seal_key, b.alg, b.key_id, b.sealed,
                                                    b.sealed_len),
                     POSTQ_OK);
    assert_int_equal(postq_enclave_keycache_evict_lru(enc.keys), -1);
    postq_enclave_keycache_release(enc.keys, &rb);
    /* b is now the only idle one, though a is the least recently used. */
    assert_int_equal(postq_enclave_keycache_evict_lru(enc.keys), sb);
    mem = postq_enclave_keycache_slot_mem(enc.keys, (size_t)sb, &len);
    assert_true(all_zero(mem, len));
    assert_int_equal(slot_of(&b), -1);
    postq_enclave_keycache_release(enc.keys, &ra);

    assert_int_equal(postq_enclave_keycache_evict_lru(enc.keys), sa);
    mem = postq_enclave_keycache_slot_mem(enc.keys, (size_t)sa, &len);
    assert_true(all_zero(mem, len));
    assert_int_equal(postq_enclave_keycache_evict_lru(enc.keys), -1);
    st = stats();
    assert_true(st.evictions == 2 && st.used == 0);

    /* The next sign of a is a miss again, and fills a wiped slot. */
    sign_ok(&a, NULL);
    st = stats();
    assert_true(st.misses == 3 && st.used == 1);
}

/* --key-cache 0: every sign unseals and expands into a temporary key; nothing is cached. */
static void test_cache_off(void **state)
{
    (void)state;
    struct postq_enclave_keycache_stats st;
    struct key k, t;

    open_enc(0, POSTQ_ROOT_COMPOSITE);
    assert_non_null(enc.root_skey);
    keygen("mldsa65+ed25519", "key_0", &k);
    sign_ok(&k, NULL);
    sign_ok(&k, NULL);
    t = k;
    t.sealed[20] ^= 0x04;
    sign_refused(&t);
    st = stats();
    assert_true(st.slots == 0 && st.used == 0 && st.hits == 0 && st.misses == 2 &&
                st.uncached == 2 && st.refused == 1);
    assert_int_equal(slot_of(&k), -1);
    assert_int_equal(postq_enclave_keycache_evict_lru(enc.keys), -1);

    /* No cache at all (keys NULL, as in other users of struct postq_enclave) works too. */
    postq_enclave_keycache_close(&enc);
    sign_ok(&k, NULL);
    sign_refused(&t);
}

/* When every slot is held by a signer, a miss expands into the caller's temporary key, which
 * signs correctly and is wiped at release; a key held twice is shared. */
static void test_busy_slots_use_temporary_key(void **state)
{
    (void)state;
    static struct postq_hybrid_skey tmp1, tmp2, tmp3;
    struct postq_enclave_keycache_stats st;
    struct postq_enclave_keyref ra, ra2, rb;
    uint8_t sig[POSTQ_HYBRID_SIG_MAX], pkh[32];
    size_t sig_len = 0;
    struct key a, b;
    int refused = 1;

    open_enc(1, POSTQ_ROOT_COMPOSITE);
    keygen("mldsa65+ed25519", "key_a", &a);
    keygen("mldsa87+ed448", "key_b", &b);
    assert_int_equal(postq_enclave_keycache_acquire(enc.keys, &ra, &tmp1, &refused,
                                                    enc.sec->seal_key, a.alg, a.key_id, a.sealed,
                                                    a.sealed_len),
                     POSTQ_OK);
    assert_int_equal(refused, 0);
    assert_true(ra.skey != &tmp1 && ra.tmp == NULL && ra.slot == 0);
    assert_int_equal(postq_enclave_keycache_acquire(enc.keys, &ra2, &tmp2, &refused,
                                                    enc.sec->seal_key, a.alg, a.key_id, a.sealed,
                                                    a.sealed_len),
                     POSTQ_OK);
    assert_ptr_equal(ra2.skey, ra.skey);

    assert_int_equal(postq_enclave_keycache_acquire(enc.keys, &rb, &tmp3, &refused,
                                                    enc.sec->seal_key, b.alg, b.key_id, b.sealed,
                                                    b.sealed_len),
                     POSTQ_OK);
    assert_ptr_equal(rb.skey, &tmp3);
    assert_ptr_equal(rb.tmp, &tmp3);
    assert_int_equal(postq_sha256(pkh, b.pk, b.pk_len), POSTQ_OK);
    assert_memory_equal(rb.pk_sha256, pkh, 32);
    assert_int_equal(postq_hybrid_sizes(b.alg, NULL, NULL, &sig_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_sign_skey(rb.skey, payload, 10, NULL, 0, sig), POSTQ_OK);
    assert_int_equal(postq_hybrid_verify(b.alg, b.pk, payload, 10, NULL, 0, sig, sig_len),
                     POSTQ_OK);
    assert_false(all_zero((const uint8_t *)&tmp3, sizeof(tmp3)));
    postq_enclave_keycache_release(enc.keys, &rb);
    assert_true(all_zero((const uint8_t *)&tmp3, sizeof(tmp3)));
    assert_null(rb.skey);
    assert_int_equal(slot_of(&b), -1);

    assert_int_equal(postq_sha256(pkh, a.pk, a.pk_len), POSTQ_OK);
    assert_memory_equal(ra.pk_sha256, pkh, 32);
    assert_int_equal(postq_hybrid_sizes(a.alg, NULL, NULL, &sig_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_sign_skey(ra2.skey, payload, 10, NULL, 0, sig), POSTQ_OK);
    assert_int_equal(postq_hybrid_verify(a.alg, a.pk, payload, 10, NULL, 0, sig, sig_len),
                     POSTQ_OK);
    postq_enclave_keycache_release(enc.keys, &ra2);
    assert_int_equal(postq_enclave_keycache_evict_lru(enc.keys), -1); /* still held once */
    postq_enclave_keycache_release(enc.keys, &ra);
    postq_enclave_keycache_release(enc.keys, &ra); /* a cleared ref: nothing */
    st = stats();
    assert_true(st.hits == 1 && st.misses == 2 && st.uncached == 1 && st.used == 1);

    /* Now the slot is idle: b evicts a. */
    sign_ok(&b, NULL);
    assert_true(slot_of(&b) == 0 && slot_of(&a) == -1);

    /* Refused through the direct entry point too, with nothing held. */
    b.sealed[5] ^= 0x10;
    assert_int_not_equal(postq_enclave_keycache_acquire(enc.keys, &rb, &tmp3, &refused,
                                                        enc.sec->seal_key, b.alg, b.key_id,
                                                        b.sealed, b.sealed_len),
                         POSTQ_OK);
    assert_int_equal(refused, 1);
    assert_null(rb.skey);
    assert_int_equal(postq_enclave_keycache_acquire(enc.keys, NULL, &tmp3, &refused,
                                                    enc.sec->seal_key, b.alg, b.key_id, b.sealed,
                                                    b.sealed_len),
                     POSTQ_E_ARG);
}

/* ---- threads ---- */

#define N_THREADS        4
#define N_KEYS           6
#define SIGNS_PER_THREAD 9

static struct key tkeys[N_KEYS];

struct worker_arg {
    int id;
    char why[512];
};

static void *sign_worker(void *p)
{
    struct worker_arg *w = p;
    struct postq_buf req, reply;

    postq_buf_init(&req, 1 << 20);
    postq_buf_init(&reply, 1 << 20);
    w->why[0] = '\0';
    for (int i = 0; i < SIGNS_PER_THREAD && w->why[0] == '\0'; i++) {
        const struct key *k = &tkeys[(w->id * 5 + i * (w->id + 1)) % N_KEYS];
        struct postq_proto_req q;
        struct postq_proto_resp r;
        char why[64];

        sign_req(&q, k);
        postq_buf_reset(&req);
        postq_buf_reset(&reply);
        if (postq_proto_encode_request(&req, &q) != POSTQ_OK ||
            postq_enclave_handle(&enc, req.p + 4, req.len - 4, &reply) != POSTQ_OK ||
            postq_proto_decode_reply(&r, POSTQ_PROTO_OP_SIGN, reply.p + 4, reply.len - 4) !=
                POSTQ_OK) {
            snprintf(w->why, sizeof(w->why), "thread %d sign %d: no reply", w->id, i);
            break;
        }
        check_sign(k, &r, NULL, why);
        if (why[0] != '\0') {
            snprintf(w->why, sizeof(w->why), "thread %d sign %d (%s): %s %s", w->id, i, k->key_id,
                     why, r.message);
        }
    }
    postq_buf_free(&req);
    postq_buf_free(&reply);
    return NULL;
}

/* 4 threads (1 MiB stacks, as the server's workers) sign with 6 keys through a cache of 1, then
 * of 3 slots: every signature and document verifies, every sign is a hit or a miss, and the
 * cache never holds more than its slots (ThreadSanitizer runs this under make SAN=thread). */
static void test_concurrent_signs(void **state)
{
    (void)state;
    static const char *const algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    static const size_t sizes[] = {1, 3};

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct postq_enclave_keycache_stats st;
        struct worker_arg args[N_THREADS];
        pthread_t th[N_THREADS];
        pthread_attr_t attr;

        open_enc(sizes[s], POSTQ_ROOT_COMPOSITE);
        for (int i = 0; i < N_KEYS; i++) {
            char id[16];
            snprintf(id, sizeof(id), "key_%d", i);
            keygen(algs[i % 3], id, &tkeys[i]);
        }
        assert_int_equal(pthread_attr_init(&attr), 0);
        assert_int_equal(pthread_attr_setstacksize(&attr, (size_t)1 << 20), 0);
        for (int t = 0; t < N_THREADS; t++) {
            args[t].id = t;
            assert_int_equal(pthread_create(&th[t], &attr, sign_worker, &args[t]), 0);
        }
        for (int t = 0; t < N_THREADS; t++) {
            assert_int_equal(pthread_join(th[t], NULL), 0);
        }
        pthread_attr_destroy(&attr);
        for (int t = 0; t < N_THREADS; t++) {
            if (args[t].why[0] != '\0') {
                fail_msg("cache %zu: %s", sizes[s], args[t].why);
            }
        }
        st = stats();
        assert_true(st.hits + st.misses == N_THREADS * SIGNS_PER_THREAD);
        assert_true(st.refused == 0 && st.used <= sizes[s] && st.misses >= N_KEYS &&
                    st.uncached <= st.misses);
        print_message("# cache %zu, %d threads, %d keys: %llu hits, %llu misses (%llu not "
                      "cached), %llu evictions\n",
                      sizes[s], N_THREADS, N_KEYS, (unsigned long long)st.hits,
                      (unsigned long long)st.misses, (unsigned long long)st.uncached,
                      (unsigned long long)st.evictions);
    }
}

/* The composite root's expanded key signs documents that verify under the pinned root; the
 * other-root fault keeps the seed path (a root nobody pinned); an Ed25519 root has no expanded
 * key and its documents verify as before. */
static void test_root_documents(void **state)
{
    (void)state;
    struct postq_attest_report rep;
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf reply;
    size_t len = 0;
    char why[64];
    struct key k;

    open_enc(2, POSTQ_ROOT_COMPOSITE);
    assert_int_equal(enc.root_alg, POSTQ_ROOT_COMPOSITE);
    assert_non_null(enc.root_skey);
    assert_ptr_equal(enc.root_skey, (const struct postq_hybrid_skey *)enc.keys->region + 2);
    assert_memory_equal(enc.root_skey->pk, enc.root_pk, enc.root_pk_len);
    keygen("mldsa44+ed25519", "key_r", &k);
    sign_ok(&k, &rep);
    sign_ok(&k, &rep);

    assert_int_equal(postq_rand_bytes(enc.sec->fault_root_seed, 32), POSTQ_OK);
    enc.fault = POSTQ_FAULT_OTHER_ROOT;
    sign_req(&q, &k);
    postq_buf_init(&reply, 1 << 20);
    call(&q, &reply, &r);
    enc.fault = POSTQ_FAULT_NONE;
    assert_int_equal(r.status, POSTQ_PROTO_OK);
    check_sign(&k, &r, &rep, why);
    assert_string_equal(why, POSTQ_REASON_DOC_SIGNATURE_INVALID);
    postq_buf_free(&reply);
    sign_ok(&k, NULL);

    /* The key cache's slots are the region's first ones; the root's is not a cache slot. */
    assert_null(postq_enclave_keycache_slot_mem(enc.keys, 2, &len));

    open_enc(2, POSTQ_ROOT_ED25519);
    assert_null(enc.root_skey);
    keygen("mldsa65+ed25519", "key_e", &k);
    sign_ok(&k, NULL);
    sign_ok(&k, NULL);
    assert_true(stats().hits == 1);

    open_enc(0, POSTQ_ROOT_ED25519); /* nothing to lock at all */
    assert_null(enc.root_skey);
    assert_null(enc.keys->region);
    keygen("mldsa65+ed25519", "key_e", &k);
    sign_ok(&k, NULL);
}

/* Sizes, limits, and what the process is left as. */
static void test_open_limits(void **state)
{
    (void)state;
    char detail[512];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t b = postq_enclave_keycache_bytes(POSTQ_ENCLAVE_KEYCACHE_DEFAULT, 1);

    assert_true(b % page == 0);
    assert_true(b >= 33 * sizeof(struct postq_hybrid_skey) &&
                b < 33 * sizeof(struct postq_hybrid_skey) + page);
    assert_true(b > (size_t)26 * 1024 * 1024 / 10 && b < (size_t)28 * 1024 * 1024 / 10);
    assert_int_equal(postq_enclave_keycache_bytes(0, 0), 0);

    open_enc(1, POSTQ_ROOT_COMPOSITE);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    /* Only once per enclave. */
    assert_int_equal(postq_enclave_keycache_open(&enc, 1, detail, sizeof(detail)), POSTQ_E_ARG);
    postq_enclave_keycache_close(&enc);
    postq_enclave_keycache_close(&enc); /* twice is fine */
    assert_int_equal(
        postq_enclave_keycache_open(&enc, POSTQ_ENCLAVE_KEYCACHE_MAX + 1, detail, sizeof(detail)),
        POSTQ_E_ARG);
    assert_non_null(strstr(detail, "4096"));
    assert_null(enc.keys);
    assert_null(enc.root_skey);
    assert_int_equal(postq_enclave_keycache_open(&enc, 3, NULL, 0), POSTQ_OK);
    assert_int_equal(stats().slots, 3);
}

/* Drop CAP_IPC_LOCK (so RLIMIT_MEMLOCK applies even to root). 1 on success. */
static int drop_ipc_lock(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];

    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &h, d) != 0) {
        return 0;
    }
    d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    d[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
    return syscall(SYS_capset, &h, d) == 0;
}

/* In a child: with RLIMIT_MEMLOCK at 512 KiB, 32 keys cannot be locked (POSTQ_E_TOO_LARGE, a
 * message naming the size, the limit and --key-cache, nothing left set up), 4 can; at 64 KiB
 * not even the composite root's key alone can. */
static int child_mlock(void)
{
    struct rlimit rl = {512 * 1024, 512 * 1024};
    char detail[512], want[160];
    int bad = 0;

    if (!drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
        return 10;
    }
    {
        /* The sanitizers' runtimes make mlock a no-op that succeeds: nothing to test then. */
        size_t n = (size_t)1 << 20;
        void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        int locked = p != MAP_FAILED && mlock(p, n) == 0;
        if (p != MAP_FAILED) {
            (void)munmap(p, n);
        }
        if (locked) {
            return 77;
        }
    }
    if (postq_enclave_keycache_open(&enc, 32, detail, sizeof(detail)) != POSTQ_E_TOO_LARGE) {
        return 11;
    }
    snprintf(want, sizeof(want), "cannot lock %zu KiB of memory for expanded keys (--key-cache 32",
             postq_enclave_keycache_bytes(32, 1) / 1024);
    bad |= strstr(detail, want) == NULL;
    bad |= strstr(detail, "RLIMIT_MEMLOCK is 512 KiB") == NULL;
    bad |= strstr(detail, "lower --key-cache") == NULL;
    bad |= enc.keys != NULL || enc.root_skey != NULL;
    if (bad) {
        fprintf(stderr, "detail: %s\n", detail);
        return 12;
    }
    if (postq_enclave_keycache_open(&enc, 4, detail, sizeof(detail)) != POSTQ_OK) {
        fprintf(stderr, "detail: %s\n", detail);
        return 13;
    }
    postq_enclave_keycache_close(&enc);
    rl.rlim_cur = rl.rlim_max = 64 * 1024;
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0 ||
        postq_enclave_keycache_open(&enc, 0, detail, sizeof(detail)) != POSTQ_E_TOO_LARGE ||
        strstr(detail, "--key-cache 0 and the composite root's key") == NULL) {
        fprintf(stderr, "detail: %s\n", detail);
        return 14;
    }
    return 0;
}

static void test_mlock_failure(void **state)
{
    (void)state;
    int status = 0;
    pid_t pid;

    open_enc(1, POSTQ_ROOT_COMPOSITE);
    postq_enclave_keycache_close(&enc);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(child_mlock());
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        print_message("# mlock always succeeds in this build (a sanitizer's runtime): the "
                      "refusal to start was not tested\n");
        return;
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_skips_unseal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_refused_not_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_two_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_three_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eviction_wipes_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_slots_use_temporary_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_signs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mlock_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
