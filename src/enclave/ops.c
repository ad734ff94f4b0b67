/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave's operations: info, keygen and sign+attest [ARCHITECTURE.md, docs/formats.md]. sign
 * takes the expanded key from the cache or opens the sealed key (keycache.h), hashes the payload
 * itself, signs it (hedged), takes the next counter and signs the document over exactly what it
 * produced — one atomic operation, one reply.
 * Test-only fault modes bend one claim at a time (docs/enclave-protocol.md). */
#include "enclave/enclave.h"
#include "enclave/keycache.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <postq/attest.h>
#include <postq/hybrid.h>

#include "attest/doc.h"
#include "common/mem.h"
#include "crypto/composite.h"
#include "crypto/sha2.h"
#include "proto/enclave_proto.h"

static const char *const fault_names[] = {
    [POSTQ_FAULT_NONE] = "none",
    [POSTQ_FAULT_IMAGE_HASH] = "image-hash",
    [POSTQ_FAULT_SIG_SHA256] = "sig-sha256",
    [POSTQ_FAULT_PAYLOAD_SHA256] = "payload-sha256",
    [POSTQ_FAULT_NONCE] = "nonce",
    [POSTQ_FAULT_STALE_CLOCK] = "stale-clock",
    [POSTQ_FAULT_FUTURE_CLOCK] = "future-clock",
    [POSTQ_FAULT_REUSED_COUNTER] = "reused-counter",
    [POSTQ_FAULT_OTHER_ROOT] = "other-root",
};
#define N_FAULTS (sizeof(fault_names) / sizeof(fault_names[0]))

int postq_enclave_fault_parse(const char *s)
{
    for (size_t i = 1; s != NULL && i < N_FAULTS; i++) {
        if (strcmp(s, fault_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *postq_enclave_fault_name(int fault)
{
    return fault >= 0 && (size_t)fault < N_FAULTS ? fault_names[fault] : "unknown";
}

const char *postq_enclave_fault_list(void)
{
    return "image-hash, sig-sha256, payload-sha256, nonce, stale-clock, future-clock, "
           "reused-counter, other-root";
}

postq_err postq_enclave_error_reply(struct postq_buf *reply, int status, const char *message)
{
    struct postq_proto_resp r;

    memset(&r, 0, sizeof(r));
    r.status = status;
    snprintf(r.message, sizeof(r.message), "%s", message);
    return postq_proto_encode_reply(reply, &r);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Key ids are printable ASCII: they go into the sealed key's AAD and the document as text. */
static int key_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= POSTQ_DOC_KEY_ID_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

static postq_err do_info(struct postq_enclave *e, struct postq_buf *reply)
{
    struct postq_proto_resp r;

    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_INFO;
    snprintf(r.vendor, sizeof(r.vendor), "%s", POSTQ_ENCLAVE_VENDOR);
    snprintf(r.module_id, sizeof(r.module_id), "%s", e->module_id);
    r.image_hash.p = e->image_hash;
    r.image_hash.len = 32;
    r.root_public_key.p = e->root_pk;
    r.root_public_key.len = e->root_pk_len;
    return postq_proto_encode_reply(reply, &r);
}

/* What postq-api's /healthz asks: can the counter still be made durable? */
static postq_err do_health(struct postq_enclave *e, struct postq_buf *reply)
{
    struct postq_proto_resp r;

    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_HEALTH;
    r.counter_durable = postq_enclave_counter_durable(&e->counter, r.message, sizeof(r.message));
    return postq_proto_encode_reply(reply, &r);
}

static postq_err do_keygen(struct postq_enclave *e, const struct postq_proto_req *q,
                           struct postq_buf *reply)
{
    uint8_t pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX];
    uint8_t sealed[POSTQ_ENCLAVE_SEALED_MAX], pkh[32];
    size_t pk_len = 0, sealed_len = 0;
    struct postq_proto_resp r;
    postq_err err;

    if (postq_hybrid_sizes(q->alg, &pk_len, NULL, NULL) != POSTQ_OK) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_UNSUPPORTED_ALG,
                                         "unknown algorithm");
    }
    if (!key_id_ok(q->key_id)) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_BAD_LENGTH,
                                         "keyId: 1..127 printable ASCII characters");
    }
    err = postq_hybrid_keygen(q->alg, pk, sk);
    if (err == POSTQ_OK) {
        err = postq_sha256(pkh, pk, pk_len);
    }
    if (err == POSTQ_OK) {
        err = postq_enclave_seal(sealed, sizeof(sealed), &sealed_len, e->sec->seal_key, q->alg,
                                 q->key_id, sk, pkh);
    }
    postq_wipe(sk, sizeof(sk));
    if (err != POSTQ_OK) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_INTERNAL, postq_strerror(err));
    }
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_KEYGEN;
    r.public_key.p = pk;
    r.public_key.len = pk_len;
    r.sealed.p = sealed;
    r.sealed.len = sealed_len;
    return postq_proto_encode_reply(reply, &r);
}

/* The counter for the next document; under reused-counter every document repeats the first. */
static postq_err next_counter(struct postq_enclave *e, uint64_t *out)
{
    postq_err err = POSTQ_OK;

    if (e->fault != POSTQ_FAULT_REUSED_COUNTER) {
        return postq_enclave_counter_next(&e->counter, out);
    }
    pthread_mutex_lock(&e->fault_mu);
    if (!e->have_fault_counter) {
        err = postq_enclave_counter_next(&e->counter, &e->fault_counter);
        e->have_fault_counter = err == POSTQ_OK;
    }
    *out = e->fault_counter;
    pthread_mutex_unlock(&e->fault_mu);
    return err;
}

/* The test-only fault modes other than reused-counter (next_counter's): bend one claim of the
 * document about to be signed, or sign it under a root nobody pinned. Returns the root seed
 * that signs the document. */
static const uint8_t *fault_bend(const struct postq_enclave *e, struct postq_doc_claims *c)
{
    switch (e->fault) {
    case POSTQ_FAULT_IMAGE_HASH:
        c->image_hash[0] ^= 0x01;
        break;
    case POSTQ_FAULT_SIG_SHA256:
        c->sig_sha256[0] ^= 0x01;
        break;
    case POSTQ_FAULT_PAYLOAD_SHA256:
        c->payload_sha256[0] ^= 0x01;
        break;
    case POSTQ_FAULT_NONCE:
        c->nonce[0] ^= 0x01;
        break;
    case POSTQ_FAULT_STALE_CLOCK:
        c->timestamp_ms -= 24LL * 3600 * 1000;
        break;
    case POSTQ_FAULT_FUTURE_CLOCK:
        c->timestamp_ms += 3600LL * 1000;
        break;
    case POSTQ_FAULT_OTHER_ROOT:
        return e->sec->fault_root_seed;
    default:
        break;
    }
    return e->sec->root_seed;
}

static postq_err do_sign(struct postq_enclave *e, const struct postq_proto_req *q,
                         struct postq_buf *reply)
{
    uint8_t sig[POSTQ_HYBRID_SIG_MAX];
    struct postq_hybrid_skey tmp; /* the expanded key when it is not cached; wiped at release */
    struct postq_enclave_keyref key;
    size_t sig_len = 0;
    struct postq_doc_claims c;
    struct postq_buf doc;
    struct postq_proto_resp r;
    const uint8_t *root = e->sec->root_seed;
    postq_err err;
    int status = POSTQ_PROTO_E_INTERNAL, refused = 0;
    const char *msg = NULL;

    postq_buf_init(&doc, POSTQ_ATTEST_DOC_B64_MAX);
    memset(&c, 0, sizeof(c));
    if (postq_hybrid_sizes(q->alg, NULL, NULL, &sig_len) != POSTQ_OK) {
        status = POSTQ_PROTO_E_UNSUPPORTED_ALG;
        msg = "unknown algorithm";
        err = POSTQ_E_UNSUPPORTED;
        goto out;
    }
    if (!key_id_ok(q->key_id)) {
        status = POSTQ_PROTO_E_BAD_LENGTH;
        msg = "keyId: 1..127 printable ASCII characters";
        err = POSTQ_E_ARG;
        goto out;
    }
    /* The expanded key: cached, or unsealed (the tag checked) and expanded now. */
    err = postq_enclave_keycache_acquire(e->keys, &key, &tmp, &refused, e->sec->seal_key, q->alg,
                                         q->key_id, q->sealed.p, q->sealed.len);
    if (err != POSTQ_OK && refused) {
        status = POSTQ_PROTO_E_SEALED_KEY;
        msg = "sealed key refused: not sealed by this enclave for this keyId and algorithm";
        goto out;
    }
    if (err == POSTQ_OK) {
        memcpy(c.public_key_sha256, key.pk_sha256, 32);
        err = postq_hybrid_sign_skey(key.skey, q->payload.p, q->payload.len, NULL, 0, sig);
        postq_enclave_keycache_release(e->keys, &key);
    }
    if (err == POSTQ_OK) {
        err = postq_sha256(c.payload_sha256, q->payload.p, q->payload.len);
    }
    if (err == POSTQ_OK) {
        err = postq_sha256(c.sig_sha256, sig, sig_len);
    }
    if (err == POSTQ_OK) {
        err = next_counter(e, &c.counter);
    }
    if (err != POSTQ_OK) {
        msg = postq_strerror(err);
        goto out;
    }
    c.v = POSTQ_DOC_VERSION;
    snprintf(c.vendor, sizeof(c.vendor), "%s", POSTQ_ENCLAVE_VENDOR);
    snprintf(c.module_id, sizeof(c.module_id), "%s", e->module_id);
    memcpy(c.image_hash, e->image_hash, 32);
    snprintf(c.key_id, sizeof(c.key_id), "%s", q->key_id);
    snprintf(c.algorithm, sizeof(c.algorithm), "%s", q->alg);
    memcpy(c.nonce, q->nonce.p, POSTQ_DOC_NONCE_BYTES);
    c.timestamp_ms = wall_ms();

    if (e->fault != POSTQ_FAULT_NONE) {
        root = fault_bend(e, &c); /* test-only: the daemon was started with a fault mode */
    }
    if (root == e->sec->root_seed && e->root_skey != NULL) {
        /* The composite root, expanded once at start (other-root keeps the seed path). */
        err = postq_doc_encode_mock_skey_b64(&doc, &c, e->kid, e->root_skey);
    } else {
        err = root == e->sec->root_seed && e->root_alg == POSTQ_ROOT_ED25519 &&
                      e->root_pk_len == 32
                  ? postq_doc_encode_mock_ed25519_b64(&doc, &c, e->kid, root, e->root_pk)
                  : postq_doc_encode_mock_root_b64(&doc, &c, e->kid, e->root_alg, root);
    }
    if (err != POSTQ_OK) {
        msg = postq_strerror(err);
        goto out;
    }
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_SIGN;
    r.signature.p = sig;
    r.signature.len = sig_len;
    r.doc_b64.p = doc.p;
    r.doc_b64.len = doc.len;
    r.counter = c.counter;
    err = postq_proto_encode_reply(reply, &r);
    msg = NULL;
out:
    if (msg != NULL) {
        err = postq_enclave_error_reply(reply, status, msg);
    }
    postq_buf_free(&doc);
    return err;
}

postq_err postq_enclave_handle(struct postq_enclave *e, const uint8_t *body, size_t len,
                               struct postq_buf *reply)
{
    struct postq_proto_req q;
    int status = POSTQ_PROTO_OK;

    if (postq_proto_decode_request(&q, &status, body, len) != POSTQ_OK) {
        return postq_enclave_error_reply(reply, status, postq_proto_status_name(status));
    }
    switch (q.op) {
    case POSTQ_PROTO_OP_INFO:
        return do_info(e, reply);
    case POSTQ_PROTO_OP_HEALTH:
        return do_health(e, reply);
    case POSTQ_PROTO_OP_KEYGEN:
        return do_keygen(e, &q, reply);
    case POSTQ_PROTO_OP_SIGN:
        return do_sign(e, &q, reply);
    case POSTQ_PROTO_OP_LOG_KEYS:
        return postq_enclave_log_keys(e, reply);
    case POSTQ_PROTO_OP_LOG_SIGN:
        return postq_enclave_log_sign(e, &q, reply);
    default:
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_UNKNOWN_OP, "unknown op");
    }
}
