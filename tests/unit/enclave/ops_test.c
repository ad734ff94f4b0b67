/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave's request handler, in process (no socket): keygen then sign round-trip and the
 * document verifies; every truncation of a sign request, every flipped byte of its sealed key,
 * wrong lengths, unknown ops and algorithms get an error reply with the right status, never a
 * crash; the reused-counter fault repeats a counter, and with no fault counters increase.
 * The enclave is a program, not a library module, so its sources are compiled in here. */
#include "testlib.h"

#include "attest/tlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static char dir[64];
static struct postq_enclave enc;

static int setup(void **state)
{
    char detail[256];
    (void)state;
    strcpy(dir, "/tmp/postq-ops-XXXXXX");
    assert_non_null(mkdtemp(dir));
    strcat(dir, "/st");
    assert_int_equal(postq_enclave_open(&enc, dir, 1, 0, detail, sizeof(detail)), POSTQ_OK);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    postq_enclave_close(&enc);
    dir[strlen(dir) - 3] = 0;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
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

    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_KEYGEN;
    snprintf(q.alg, sizeof(q.alg), "%s", alg);
    snprintf(q.key_id, sizeof(q.key_id), "%s", key_id);
    postq_buf_init(&reply, 1 << 20);
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_OK);
    assert_true(r.public_key.len <= sizeof(k->pk) && r.sealed.len <= sizeof(k->sealed));
    memcpy(k->pk, r.public_key.p, r.public_key.len);
    k->pk_len = r.public_key.len;
    memcpy(k->sealed, r.sealed.p, r.sealed.len);
    k->sealed_len = r.sealed.len;
    postq_buf_free(&reply);
}

static const uint8_t payload[] = "payload for the enclave";
static uint8_t nonce[32] = {9, 8, 7};

static void sign_req(struct postq_proto_req *q, const char *alg, const struct key *k)
{
    memset(q, 0, sizeof(*q));
    q->op = POSTQ_PROTO_OP_SIGN;
    snprintf(q->alg, sizeof(q->alg), "%s", alg);
    strcpy(q->key_id, "key_1");
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
    assert_int_equal(postq_base64_encode(k, sizeof(k), NULL, enc.root_pk, enc.root_pk_len,
                                         POSTQ_B64_STD),
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

/* Every algorithm's sign round trip, under the enclave's root as it is (a new state directory:
 * the composite root) and then under an Ed25519 root (a directory made with --root ed25519). */
static void test_sign_round_trip_verifies(void **state)
{
    (void)state;
    static const char *const algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    char policy[4096], detail[256];
    uint64_t last = 0;

    assert_int_equal(enc.root_alg, POSTQ_ROOT_COMPOSITE);
    assert_int_equal(enc.root_pk_len, 1984);
    for (size_t i = 0; i < 6; i++) {
        if (i == 3) {
            /* The same directory cannot change its root; a new one made as ed25519 can. */
            postq_enclave_close(&enc);
            assert_int_equal(postq_enclave_open_ex(&enc, dir, NULL, POSTQ_ROOT_ED25519, 1, 0,
                                                   detail, sizeof(detail)),
                             POSTQ_E_CONFLICT);
            assert_non_null(strstr(detail, "has a mldsa65+ed25519 root, not ed25519"));
            strcat(dir, "2");
            assert_int_equal(postq_enclave_open_ex(&enc, dir, NULL, POSTQ_ROOT_ED25519, 1, 0,
                                                   detail, sizeof(detail)),
                             POSTQ_OK);
            dir[strlen(dir) - 1] = '\0';
            assert_int_equal(enc.root_alg, POSTQ_ROOT_ED25519);
            assert_int_equal(enc.root_pk_len, 32);
            last = 0;
        }
        policy_json(policy, sizeof(policy));
        struct key k;
        struct postq_proto_req q;
        struct postq_proto_resp r;
        struct postq_buf reply;
        struct postq_attest_input in;
        struct postq_attest_report rep;
        char *doc;

        keygen(algs[i % 3], "key_1", &k);
        sign_req(&q, algs[i % 3], &k);
        postq_buf_init(&reply, 1 << 20);
        call(&q, &reply, &r);
        assert_int_equal(r.status, POSTQ_PROTO_OK);
        assert_true(r.counter > last);
        last = r.counter;
        doc = calloc(1, r.doc_b64.len + 1);
        assert_non_null(doc);
        memcpy(doc, r.doc_b64.p, r.doc_b64.len);
        memset(&in, 0, sizeof(in));
        in.vendor = "mock";
        in.payload = payload;
        in.payload_len = sizeof(payload) - 1;
        in.sig = r.signature.p;
        in.sig_len = r.signature.len;
        in.public_key = k.pk;
        in.public_key_len = k.pk_len;
        in.nonce = nonce;
        assert_int_equal(postq_attest_verify_ex(doc, policy, &in, now_ms(), &rep), POSTQ_OK);
        if (!rep.verdict.ok) {
            fail_msg("%s: %s: %s", algs[i % 3], rep.verdict.reason, rep.verdict.detail);
        }
        assert_true(rep.claims.counter == r.counter);
        assert_string_equal(rep.claims.key_id, "key_1");
        assert_string_equal(rep.claims.module_id, enc.module_id);
        free(doc);
        postq_buf_free(&reply);
    }
}

static void expect_status(const uint8_t *body, size_t len, int want)
{
    struct postq_buf reply;
    struct postq_proto_resp r;

    postq_buf_init(&reply, 1 << 20);
    assert_int_equal(postq_enclave_handle(&enc, body, len, &reply), POSTQ_OK);
    assert_int_equal(postq_proto_decode_reply(&r, POSTQ_PROTO_OP_SIGN, reply.p + 4, reply.len - 4),
                     POSTQ_OK);
    if (r.status != want) {
        fail_msg("status %s, want %s (%s)", postq_proto_status_name(r.status),
                 postq_proto_status_name(want), r.message);
    }
    postq_buf_free(&reply);
}

static void test_hostile_requests(void **state)
{
    (void)state;
    struct key k;
    struct postq_proto_req q;
    struct postq_buf req;
    const char *alg = "mldsa65+ed25519";

    keygen(alg, "key_1", &k);
    sign_req(&q, alg, &k);
    postq_buf_init(&req, 1 << 20);
    assert_int_equal(postq_proto_encode_request(&req, &q), POSTQ_OK);
    /* Every truncation of a valid sign request. */
    for (size_t n = 0; n < req.len - 4; n++) {
        expect_status(req.p + 4, n, POSTQ_PROTO_E_MALFORMED);
    }
    /* Unknown op, unknown version. */
    req.p[5] = 77;
    expect_status(req.p + 4, req.len - 4, POSTQ_PROTO_E_UNKNOWN_OP);
    req.p[5] = POSTQ_PROTO_OP_SIGN;
    req.p[4] = 9;
    expect_status(req.p + 4, req.len - 4, POSTQ_PROTO_E_VERSION);
    postq_buf_free(&req);

    /* A payload one byte over 64 MiB, in a frame under the frame cap: bad_length. The
     * encoder refuses to write it, so the frame is built by hand. */
    {
        static const char *const txt[2] = {"mldsa65+ed25519", "key_1"};
        size_t pay = POSTQ_PROTO_PAYLOAD_MAX + 1;
        uint8_t l[4], hdr[8] = {0, 0, 0, 0, 1, POSTQ_PROTO_OP_SIGN, 0, 0};
        struct postq_buf f;
        postq_buf_init(&f, POSTQ_PROTO_FRAME_MAX + 4);
        assert_int_equal(postq_buf_append(&f, hdr, 8), POSTQ_OK);
        for (int i = 0; i < 4; i++) {
            const uint8_t *p = i < 2 ? (const uint8_t *)txt[i] : i == 2 ? k.sealed : nonce;
            size_t n = i < 2 ? strlen(txt[i]) : i == 2 ? k.sealed_len : 32;
            l[0] = 0;
            l[1] = 0;
            l[2] = (uint8_t)(n >> 8);
            l[3] = (uint8_t)n;
            assert_int_equal(postq_buf_append(&f, l, 4), POSTQ_OK);
            assert_int_equal(postq_buf_append(&f, p, n), POSTQ_OK);
        }
        l[0] = (uint8_t)(pay >> 24);
        l[1] = (uint8_t)(pay >> 16);
        l[2] = (uint8_t)(pay >> 8);
        l[3] = (uint8_t)pay;
        assert_int_equal(postq_buf_append(&f, l, 4), POSTQ_OK);
        assert_int_equal(postq_buf_reserve(&f, pay), POSTQ_OK);
        memset(f.p + f.len, 0, pay);
        f.len += pay;
        f.p[f.len] = 0;
        assert_true(f.len - 4 <= POSTQ_PROTO_FRAME_MAX);
        expect_status(f.p + 4, f.len - 4, POSTQ_PROTO_E_BAD_LENGTH);
        postq_buf_free(&f);
    }

    /* Every byte of the sealed key flipped. */
    for (size_t i = 0; i < k.sealed_len; i++) {
        struct key t = k;
        t.sealed[i] ^= 0x80;
        sign_req(&q, alg, &t);
        postq_buf_init(&req, 1 << 20);
        assert_int_equal(postq_proto_encode_request(&req, &q), POSTQ_OK);
        expect_status(req.p + 4, req.len - 4, POSTQ_PROTO_E_SEALED_KEY);
        postq_buf_free(&req);
    }
    /* Another key id, another algorithm, an unknown algorithm, a bad key id. */
    {
        static const struct {
            const char *alg, *key_id;
            int want;
        } cases[] = {
            {"mldsa65+ed25519", "key_2", POSTQ_PROTO_E_SEALED_KEY},
            {"mldsa44+ed25519", "key_1", POSTQ_PROTO_E_SEALED_KEY},
            {"mldsa87+ed448", "key_1", POSTQ_PROTO_E_SEALED_KEY},
            {"mldsa65", "key_1", POSTQ_PROTO_E_UNSUPPORTED_ALG},
            {"mldsa65+ed25519", "key\x01", POSTQ_PROTO_E_BAD_LENGTH},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            sign_req(&q, cases[i].alg, &k);
            strcpy(q.key_id, cases[i].key_id);
            postq_buf_init(&req, 1 << 20);
            assert_int_equal(postq_proto_encode_request(&req, &q), POSTQ_OK);
            expect_status(req.p + 4, req.len - 4, cases[i].want);
            postq_buf_free(&req);
        }
    }
}

static void test_reused_counter_fault(void **state)
{
    (void)state;
    struct key k;
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf reply;
    uint64_t first;

    keygen("mldsa44+ed25519", "key_1", &k);
    sign_req(&q, "mldsa44+ed25519", &k);
    postq_buf_init(&reply, 1 << 20);
    enc.fault = POSTQ_FAULT_REUSED_COUNTER;
    call(&q, &reply, &r);
    first = r.counter;
    call(&q, &reply, &r);
    assert_true(r.counter == first);
    enc.fault = POSTQ_FAULT_NONE;
    call(&q, &reply, &r);
    assert_true(r.counter > first);
    postq_buf_free(&reply);
    assert_int_equal(postq_enclave_fault_parse("reused-counter"), POSTQ_FAULT_REUSED_COUNTER);
    assert_int_equal(postq_enclave_fault_parse("none"), -1);
    assert_int_equal(postq_enclave_fault_parse(NULL), -1);
    assert_string_equal(postq_enclave_fault_name(POSTQ_FAULT_OTHER_ROOT), "other-root");
}

/* The log's keys: derived from the sealing key (another state directory has others, the same
 * secret the same), answered by log-keys, and log-sign makes a checkpoint of "<name>/<org>" that
 * both verify; anything but an org id and a size >= 1 is refused, and no keys, no signing. */
static void test_log_keys_and_checkpoints(void **state)
{
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf reply;
    struct postq_tlog_vkey keys[2];
    struct postq_tlog_checkpoint cp;
    uint8_t root[32];
    char detail[256], vk1[POSTQ_TLOG_VKEY_MAX];
    const char *org = "org_01M942RYP19NB65NS3S4BVA7TZ";
    (void)state;

    postq_buf_init(&reply, POSTQ_PROTO_FRAME_MAX + 4);
    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_LOG_KEYS;
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_E_INTERNAL); /* no log keys yet */
    assert_int_equal(postq_enclave_log_init(&enc, "bad name", detail, sizeof(detail)),
                     POSTQ_E_ARG);
    assert_int_equal(postq_enclave_log_init(&enc, "a+b", detail, sizeof(detail)), POSTQ_E_ARG);
    assert_int_equal(postq_enclave_log_init(&enc, "log.example/postq", detail, sizeof(detail)),
                     POSTQ_OK);
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_OK);
    assert_string_equal(r.log_name, "log.example/postq");
    assert_int_equal(postq_tlog_vkey_parse(&keys[0], (const char *)r.log_vkey.p, r.log_vkey.len),
                     POSTQ_OK);
    assert_int_equal(keys[0].type, POSTQ_TLOG_TYPE_ED25519);
    assert_int_equal(postq_tlog_vkey_parse(&keys[1], (const char *)r.log_composite_vkey.p,
                                           r.log_composite_vkey.len),
                     POSTQ_OK);
    assert_int_equal(keys[1].type, POSTQ_TLOG_TYPE_COMPOSITE);
    assert_string_equal(keys[0].name, "log.example/postq");
    memcpy(vk1, r.log_vkey.p, r.log_vkey.len);
    vk1[r.log_vkey.len] = '\0';

    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_LOG_SIGN;
    snprintf(q.key_id, sizeof(q.key_id), "%s", org);
    memset(root, 0xab, sizeof(root));
    q.root.p = root;
    q.root.len = 32;
    q.tree_size = 41;
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_OK);
    assert_int_equal(postq_tlog_note_verify((const char *)r.note.p, r.note.len, keys, 2, &cp,
                                            detail, sizeof(detail)),
                     POSTQ_OK);
    assert_string_equal(cp.origin, "log.example/postq/org_01M942RYP19NB65NS3S4BVA7TZ");
    assert_int_equal(cp.size, 41);
    assert_memory_equal(cp.root, root, 32);
    assert_int_equal(postq_tlog_origin_check(cp.origin, keys[0].name), POSTQ_OK);

    q.tree_size = 0;
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_E_BAD_LENGTH);
    q.tree_size = (uint64_t)INT64_MAX + 1;
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_E_BAD_LENGTH);
    q.tree_size = 1;
    snprintf(q.key_id, sizeof(q.key_id), "%s", "key_01M942RYP19NB65NS3S4BVA7TZ");
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_E_BAD_LENGTH);
    snprintf(q.key_id, sizeof(q.key_id), "%s", "org_x\nfake");
    call(&q, &reply, &r);
    assert_int_equal(r.status, POSTQ_PROTO_E_BAD_LENGTH);

    /* The keys follow the sealing key: the same key gives the same verifier key. */
    postq_free(enc.log);
    enc.log = NULL;
    assert_int_equal(postq_enclave_log_init(&enc, "log.example/postq", detail, sizeof(detail)),
                     POSTQ_OK);
    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_LOG_KEYS;
    call(&q, &reply, &r);
    assert_int_equal(r.log_vkey.len, strlen(vk1));
    assert_memory_equal(r.log_vkey.p, vk1, strlen(vk1));
    enc.sec->seal_key[0] ^= 1;
    postq_free(enc.log);
    enc.log = NULL;
    assert_int_equal(postq_enclave_log_init(&enc, "log.example/postq", detail, sizeof(detail)),
                     POSTQ_OK);
    call(&q, &reply, &r);
    assert_false(r.log_vkey.len == strlen(vk1) && memcmp(r.log_vkey.p, vk1, strlen(vk1)) == 0);
    enc.sec->seal_key[0] ^= 1;
    postq_buf_free(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sign_round_trip_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_counter_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_keys_and_checkpoints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
