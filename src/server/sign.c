/* SPDX-License-Identifier: Apache-2.0 */
/* POST /v1/sign [ARCHITECTURE.md, docs/formats.md, docs/verification.md, docs/http-api.md]: draw a
 * fresh 32-byte nonce, have the enclave sign
 * and attest, verify the document under the key's bound policy with every binding (payload,
 * signature, public key, algorithm, nonce, (moduleId, counter) unseen), then store the result
 * in one transaction and answer only once it is committed. enforce: true turns any failure
 * into a 422 whose error.code is the reason, with nothing stored; enforce: false stores and
 * returns the result with verdict "fail" and the reason. Software keys are signed here, under
 * the key sealed by the server's key-encryption key, and carry no attestation. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <postq/attest.h>
#include <postq/hybrid.h>

#include "common/base64.h"
#include "common/hex.h"
#include "common/id.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "crypto/composite.h"
#include "crypto/rand.h"
#include "crypto/sha2.h"
#include "server/server.h"

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int counter_seen(void *ctx, const char *module_id, uint64_t counter)
{
    int seen = 0;
    postq_err err;
    if (counter > INT64_MAX) {
        return 1;
    }
    err = postq_store_counter_seen(ctx, module_id, (int64_t)counter, &seen);
    return err != POSTQ_OK ? err : seen;
}

int postq_api_media_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    if (ctype == NULL) {
        return 0;
    }
    while (*ctype == ' ' || *ctype == '\t') {
        ctype++;
    }
    if (strncasecmp(ctype, want, n) != 0) {
        return 0;
    }
    ctype += n;
    while (*ctype == ' ' || *ctype == '\t') {
        ctype++;
    }
    return *ctype == '\0' || *ctype == ';';
}

int postq_api_sign_is_raw(const char *ctype)
{
    return postq_api_media_is(ctype, "application/octet-stream");
}

/* The payload and key id of the request, in either form. 0 after answering 4xx. */
static int sign_args(const struct postq_http_req *req, struct postq_http_resp *resp, char *key_id,
                     size_t key_cap, struct postq_bytes *payload)
{
    json_error_t e;
    json_t *j, *k, *p;
    const char *b64;
    uint8_t *buf;
    size_t b64_len, n = 0;
    char msg[300];

    if (postq_api_sign_is_raw(req->content_type)) {
        const char *q = req->query(req, "keyId");
        if (q == NULL || q[0] == '\0') {
            postq_api_error(resp, 400, "invalid_request",
                            "keyId: required as a query parameter with an "
                            "application/octet-stream body");
            return 0;
        }
        if (strlen(q) >= key_cap) {
            postq_api_error(resp, 404, "not_found", "hybrid key: not found");
            return 0;
        }
        memcpy(key_id, q, strlen(q) + 1);
        *payload = req->body;
        return 1;
    }
    if (!postq_api_media_is(req->content_type, "application/json")) {
        postq_api_error(resp, 415, "unsupported_media_type",
                        "the body must be application/json ({keyId, payloadB64}) or "
                        "application/octet-stream with ?keyId=");
        return 0;
    }
    j = json_loadb((const char *)req->body.p, req->body.len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        snprintf(msg, sizeof(msg), "invalid JSON at byte %d: %s", e.position, e.text);
        postq_api_error(resp, 400,
                        strstr(e.text, "duplicate") != NULL ? "duplicate_member" : "malformed_json",
                        msg);
        return 0;
    }
    k = json_object_get(j, "keyId");
    p = json_object_get(j, "payloadB64");
    if (!json_is_object(j) || !json_is_string(k) || json_string_length(k) == 0 ||
        !json_is_string(p)) {
        json_decref(j);
        postq_api_error(resp, 400, "invalid_request",
                        "the body must be {\"keyId\": string, \"payloadB64\": base64 string}");
        return 0;
    }
    if (json_string_length(k) >= key_cap) {
        json_decref(j);
        postq_api_error(resp, 404, "not_found", "hybrid key: not found");
        return 0;
    }
    memcpy(key_id, json_string_value(k), json_string_length(k) + 1);
    b64 = json_string_value(p);
    b64_len = json_string_length(p);
    buf = postq_arena_alloc(req->arena, postq_base64_decoded_max(b64_len) + 1);
    if (buf == NULL || postq_base64_decode_public(buf, postq_base64_decoded_max(b64_len) + 1, &n,
                                                  b64, b64_len, POSTQ_B64_STD) != POSTQ_OK) {
        json_decref(j);
        postq_api_error(resp, 400, "invalid_request",
                        "payloadB64: not canonical padded standard base64");
        return 0;
    }
    json_decref(j);
    payload->p = buf;
    payload->len = n;
    return 1;
}

/* The stored sign result, with its transparency when a checkpoint covers it. A signature stored
 * with its leaf but no checkpoint (the enclave did not sign one) is answered all the same, without
 * `transparency`: it is stored, and a retry would sign again; GET /v1/signatures/{id}/proof
 * gives its proof once a later checkpoint covers it. */
static void reply_stored(struct postq_http_resp *resp, const struct postq_store_sig *sig,
                         const struct postq_store_log_receipt *receipt)
{
    struct postq_jsonw w;
    if (receipt != NULL && receipt->note_len == 0) {
        fprintf(stderr, "postq-api: warning: %s: %s\n", sig->id, postq_store_errmsg());
        receipt = NULL;
    }
    postq_api_touch(resp, sig->id);
    postq_api_jsonw_begin(resp, &w);
    postq_api_sig_write_ex(&w, sig, receipt);
    postq_api_jsonw_reply(resp, 200, &w);
}

/* A sign's store call failed: nothing was stored. */
static void store_fail(struct postq_api *api, postq_err err, struct postq_http_resp *resp)
{
    postq_api_store_failed(api, err);
    postq_api_fail(resp, err, "signature");
}

static void sign_software(struct postq_api *api, const struct postq_store_key *key,
                          struct postq_bytes payload, struct postq_store_sig *sig,
                          struct postq_store_log_receipt *receipt, struct postq_http_resp *resp)
{
    uint8_t sk[POSTQ_HYBRID_SK_MAX], s[POSTQ_HYBRID_SIG_MAX];
    size_t sk_len = 0, pk_len, want_sk, sig_len;
    postq_err err;

    err = postq_hybrid_sizes(key->algorithm, &pk_len, &want_sk, &sig_len);
    if (err == POSTQ_OK && !api->have_kek) {
        err = POSTQ_E_INTERNAL;
    }
    if (err == POSTQ_OK) {
        err = postq_kek_open(sk, sizeof(sk), &sk_len, api->kek, key->id, key->algorithm,
                             key->sealed_key.p, key->sealed_key.len);
    }
    if (err == POSTQ_OK && sk_len != want_sk) {
        err = POSTQ_E_INVALID;
    }
    if (err == POSTQ_OK) {
        err = postq_hybrid_sign(key->algorithm, sk, payload.p, payload.len, NULL, 0, s);
    }
    postq_wipe(sk, sizeof(sk));
    if (err != POSTQ_OK) {
        postq_api_error(resp, 500, "internal", "the software key could not sign");
        return;
    }
    sig->signature.p = s;
    sig->signature.len = sig_len;
    sig->has_attestation = 0;
    err = postq_api_put_logged(api, sig, key->public_key, NULL, "", 0, 0, receipt);
    if (err != POSTQ_OK) {
        store_fail(api, err, resp);
        return;
    }
    reply_stored(resp, sig, receipt);
}

/* PH(payload) of docs/formats.md for alg: what the composite signature covers. */
static postq_err payload_ph(const char *alg, struct postq_bytes payload,
                            uint8_t ph[POSTQ_HYBRID_PH_BYTES])
{
    struct postq_hybrid_ph h;
    postq_err err = postq_hybrid_ph_init(&h, alg);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_hybrid_ph_update(&h, payload.p, payload.len);
    if (err != POSTQ_OK) {
        postq_hybrid_ph_abort(&h);
        return err;
    }
    return postq_hybrid_ph_final(&h, ph);
}

/* postq_attest_verify_ex under the bound policy, with the policy parsed and the key expanded
 * once per (key, policy) rather than once per sign when the cache can hold them. */
static postq_err verify_doc(struct postq_api *api, const struct postq_store_key *key,
                            const struct postq_store_policy *pol, const char *doc,
                            const struct postq_attest_input *in, struct postq_attest_report *rep,
                            struct postq_attest_doc_digest *digest)
{
    struct postq_vcache_entry *ve = NULL;
    postq_err err;

    digest->ok = 0;
    if (api->vcache == NULL || postq_vcache_get(api->vcache, key, pol, &ve) != POSTQ_OK) {
        return postq_attest_verify_ex(doc, pol->body, in, postq_time_now_ms(), rep);
    }
    err = postq_attest_check_all_vkey(rep, doc, &ve->policy, in, postq_time_now_ms(), &ve->vkey,
                                      digest);
    postq_vcache_put(api->vcache, ve);
    return err;
}

/* 422 with the reason code, and a row for GET /v1/activity. A failure to record it is logged;
 * the refusal stands either way (nothing was stored for the sign). */
static void reject(struct postq_api *api, const struct postq_store_sig *sig,
                   struct postq_http_resp *resp, const char *reason, const char *detail)
{
    postq_err err;

    postq_metrics_rejection(reason);
    postq_api_error(resp, 422, reason, detail[0] != '\0' ? detail : reason);
    err = postq_store_rejection_add(api->store, sig->org_id, sig->key_id, reason, 0);
    if (err != POSTQ_OK) {
        postq_api_store_failed(api, err);
        fprintf(stderr, "postq-api: warning: a refused sign of %s (%s) was not recorded: %s\n",
                sig->key_id, reason, postq_strerror(err));
    }
}

/* Have the enclave sign payload with key under nonce. On success *er is its reply, whatever
 * its status, with views into *c (hand it back to the pool once they are not needed). 0 after
 * answering: 500 for a key that does not fit the protocol, 503 when the enclave cannot be
 * reached. */
static int enclave_sign(struct postq_api *api, const struct postq_store_key *key,
                        const uint8_t nonce[POSTQ_PROTO_NONCE_BYTES], struct postq_bytes payload,
                        struct postq_proto_resp *er, struct postq_proto_client **c,
                        struct postq_http_resp *resp)
{
    struct postq_proto_req ereq;

    memset(&ereq, 0, sizeof(ereq));
    ereq.op = POSTQ_PROTO_OP_SIGN;
    if (strlen(key->algorithm) >= sizeof(ereq.alg) || strlen(key->id) >= sizeof(ereq.key_id)) {
        postq_api_error(resp, 500, "internal", "key algorithm or id too long");
        return 0;
    }
    snprintf(ereq.alg, sizeof(ereq.alg), "%s", key->algorithm);
    snprintf(ereq.key_id, sizeof(ereq.key_id), "%s", key->id);
    ereq.sealed = key->sealed_key;
    ereq.nonce.p = nonce;
    ereq.nonce.len = POSTQ_PROTO_NONCE_BYTES;
    ereq.payload = payload;
    if (postq_enclave_call(api->enclave, &ereq, er, c) != POSTQ_OK) {
        postq_metrics_enclave_error("unreachable");
        postq_api_error(resp, 503, "enclave_unavailable", "the enclave cannot be reached");
        return 0;
    }
    return 1;
}

/* The enclave's reply is a sign result worth verifying. 0 after answering: its error status
 * (503 when it is busy, 500 otherwise), or 500 for a document over the cap or no signature. */
static int reply_usable(const struct postq_proto_resp *er, struct postq_http_resp *resp)
{
    char msg[300];

    if (er->status != POSTQ_PROTO_OK) {
        postq_metrics_enclave_error(postq_proto_status_name(er->status));
        snprintf(msg, sizeof(msg), "enclave sign failed: %s", postq_proto_status_name(er->status));
        postq_api_error(resp, er->status == POSTQ_PROTO_E_BUSY ? 503 : 500, "enclave_error", msg);
        return 0;
    }
    if (er->doc_b64.len > POSTQ_ATTEST_DOC_B64_MAX || er->signature.len == 0) {
        postq_metrics_enclave_error("bad_reply");
        postq_api_error(resp, 500, "enclave_error", "the enclave's reply is unusable");
        return 0;
    }
    return 1;
}

/* Every check of docs/verification.md on the enclave's reply, under the key's bound policy, for the
 * payload (whose SHA-256 is sig->payload_sha256) and nonce. *doc (the document as text), *rep
 * (the verdict and the claims) and *digest (the document's SHA-256, for the log entry, when the
 * verifier took it) live in arena. 0 after answering: no verdict could be reached (memory, the
 * counter lookup, the policy), and nothing is stored. */
static int verify_reply(struct postq_api *api, const struct postq_store_key *key,
                        const struct postq_store_policy *pol, const struct postq_store_sig *sig,
                        struct postq_bytes payload, const uint8_t nonce[POSTQ_PROTO_NONCE_BYTES],
                        const struct postq_proto_resp *er, struct postq_arena *arena, char **doc,
                        struct postq_attest_report **rep, struct postq_attest_doc_digest **digest,
                        struct postq_http_resp *resp)
{
    struct postq_attest_input in;
    uint8_t ph[POSTQ_HYBRID_PH_BYTES];
    postq_err err;

    *doc = postq_arena_strndup(arena, (const char *)er->doc_b64.p, er->doc_b64.len);
    *rep = postq_arena_alloc(arena, sizeof(**rep));
    *digest = postq_arena_alloc(arena, sizeof(**digest));
    if (*doc == NULL || *rep == NULL || *digest == NULL) {
        postq_api_fail(resp, POSTQ_E_NOMEM, "sign");
        return 0;
    }
    /* The payload's SHA-256 was taken already; its composite pre-hash now. The verifier gets
     * both instead of the bytes, so a 64 MiB payload is not hashed a third time. */
    err = payload_ph(key->algorithm, payload, ph);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "payload");
        return 0;
    }
    memset(&in, 0, sizeof(in));
    in.vendor = "mock";
    in.payload_sha256 = sig->payload_sha256;
    in.payload_ph = ph;
    in.sig = er->signature.p;
    in.sig_len = er->signature.len;
    in.public_key = key->public_key.p;
    in.public_key_len = key->public_key.len;
    in.key_alg = key->algorithm;
    in.nonce = nonce;
    in.counter_seen = counter_seen;
    in.counter_ctx = api->store;
    err = verify_doc(api, key, pol, *doc, &in, *rep, *digest);
    if (err != POSTQ_OK) {
        /* The counter lookup or the policy failed: no verdict, nothing stored. */
        postq_api_fail(resp, err, "attestation verification");
        return 0;
    }
    return 1;
}

/* The stored record of an attested sign: the enclave's signature, the document, the verdict,
 * and what the report's claims say (vendor, measurement, moduleId and counter) where they
 * could be read. Returns whether the (moduleId, counter) pair is to be recorded as seen. */
static int record_from_report(struct postq_store_sig *sig, const struct postq_proto_resp *er,
                              char *doc, const struct postq_attest_report *rep)
{
    const struct postq_attest_claims *cl = &rep->claims;
    int record = 0;

    sig->signature = er->signature;
    sig->has_attestation = 1;
    snprintf(sig->att.vendor, sizeof(sig->att.vendor), "%s", "mock");
    sig->att.counter = er->counter > INT64_MAX ? INT64_MAX : (int64_t)er->counter;
    sig->att.doc_b64 = doc;
    sig->att.verdict = rep->verdict.ok ? POSTQ_STORE_VERDICT_PASS : POSTQ_STORE_VERDICT_FAIL;
    snprintf(sig->att.reason, sizeof(sig->att.reason), "%s",
             rep->verdict.ok ? "" : rep->verdict.reason);
    if (!rep->have_claims) {
        return 0;
    }
    if (cl->vendor[0] != '\0') {
        snprintf(sig->att.vendor, sizeof(sig->att.vendor), "%s", cl->vendor);
    }
    if ((cl->have & POSTQ_CLAIM_MEASUREMENT) && cl->measurement_len <= 64) {
        if (postq_hex_encode(sig->att.image_hash, sizeof(sig->att.image_hash), cl->measurement,
                             cl->measurement_len) != POSTQ_OK) {
            sig->att.image_hash[0] = '\0';
        }
    }
    if ((cl->have & POSTQ_CLAIM_MODULE_ID) && (cl->have & POSTQ_CLAIM_COUNTER) &&
        cl->counter <= INT64_MAX) {
        snprintf(sig->att.module_id, sizeof(sig->att.module_id), "%s", cl->module_id);
        sig->att.counter = (int64_t)cl->counter;
        /* A reused counter is stored (audit mode) without claiming the pair again. */
        record = rep->verdict.ok || strcmp(rep->verdict.reason, POSTQ_REASON_COUNTER_REUSED) != 0;
    }
    return record;
}

/* Store the attested sig in one transaction, claiming its (moduleId, counter) pair when
 * record is set, and answer with the stored row. A CONFLICT on the pair means another request
 * recorded it between the check and the write: the counter was reused after all, so enforce
 * answers 422 counter_reused with nothing stored, and audit mode stores the row once more as
 * a failure, without the claim. */
static void store_attested(struct postq_api *api, const struct postq_store_key *key,
                           struct postq_store_sig *sig, int record, int enforce,
                           const struct postq_attest_report *rep,
                           const struct postq_attest_doc_digest *digest,
                           struct postq_store_log_receipt *receipt, struct postq_http_resp *resp)
{
    /* A document that passed every check names this key's and this signature's SHA-256
     * (key_mismatch, sig_hash_mismatch ran): the log entry takes them instead of hashing
     * 2 KiB and 3 KiB again; and the document's own, taken as the verifier decoded it. */
    const unsigned need = POSTQ_CLAIM_KEY | POSTQ_CLAIM_SIG_SHA256;
    struct postq_api_log_digests d = {NULL, NULL, NULL};
    postq_err err;

    if (rep->verdict.ok && rep->have_claims && (rep->claims.have & need) == need) {
        d.public_key_sha256 = rep->claims.public_key_sha256;
        d.sig_sha256 = rep->claims.sig_sha256;
    }
    if (digest->ok) {
        d.doc_sha256 = digest->sha256;
    }
    err = postq_api_put_logged(api, sig, key->public_key, &d, sig->att.module_id,
                               sig->att.counter, record, receipt);
    if (err == POSTQ_E_CONFLICT && record) {
        if (enforce) {
            reject(api, sig, resp, POSTQ_REASON_COUNTER_REUSED,
                   "the (moduleId, counter) pair was seen");
            return;
        }
        postq_metrics_rejection(POSTQ_REASON_COUNTER_REUSED);
        sig->att.verdict = POSTQ_STORE_VERDICT_FAIL;
        snprintf(sig->att.reason, sizeof(sig->att.reason), "%s", POSTQ_REASON_COUNTER_REUSED);
        err = postq_api_put_logged(api, sig, key->public_key, &d, sig->att.module_id,
                                   sig->att.counter, 0, receipt);
    }
    if (err != POSTQ_OK) {
        store_fail(api, err, resp);
        return;
    }
    reply_stored(resp, sig, receipt);
}

void postq_api_sign(struct postq_api *api, const struct postq_api_caller *who,
                    const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_key key;
    struct postq_store_policy pol;
    struct postq_store_sig sig;
    struct postq_store_log_receipt *receipt = NULL;
    struct postq_proto_client *c = NULL;
    struct postq_proto_resp er;
    struct postq_attest_report *rep = NULL;
    struct postq_attest_doc_digest *digest = NULL;
    struct postq_bytes payload = {NULL, 0};
    uint8_t nonce[POSTQ_PROTO_NONCE_BYTES];
    char key_id[POSTQ_ID_MAX];
    char *doc = NULL;
    double t0 = mono_s();
    int record;
    postq_err err;

    memset(&key, 0, sizeof(key));
    memset(&pol, 0, sizeof(pol));
    memset(&sig, 0, sizeof(sig));
    if (!sign_args(req, resp, key_id, sizeof(key_id), &payload)) {
        goto out;
    }
    /* The key and its policy in one read (one round trip to PostgreSQL). */
    err = postq_id_check(key_id, "key") == POSTQ_OK
              ? postq_store_key_get_bound(api->store, who->org_id, key_id, &key, &pol)
              : POSTQ_E_NOT_FOUND;
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
        goto out;
    }
    if (key.deleted_at != 0) {
        postq_api_error(resp, 409, "key_deleted", "this hybrid key is deleted: it no longer signs");
        goto out;
    }
    if (key.version == 0) {
        postq_api_error(resp, 409, "key_disabled",
                        "no version of this hybrid key is enabled (GET …/versions)");
        goto out;
    }
    memcpy(sig.org_id, who->org_id, sizeof(sig.org_id));
    if (pol.id[0] != '\0') {
        memcpy(sig.policy_id, pol.id, sizeof(sig.policy_id));
        sig.policy_version = pol.version;
    }
    memcpy(sig.key_id, key.id, sizeof(sig.key_id));
    postq_api_touch(resp, key.id);
    memcpy(sig.algorithm, key.algorithm, sizeof(sig.algorithm));
    sig.key_version = key.version;
    err = postq_sha256(sig.payload_sha256, payload.p, payload.len);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "payload");
        goto out;
    }
    receipt = postq_arena_alloc(req->arena, sizeof(*receipt));
    if (receipt == NULL) {
        postq_api_fail(resp, POSTQ_E_NOMEM, "sign");
        goto out;
    }
    if (strcmp(key.provider, "software") == 0) {
        sign_software(api, &key, payload, &sig, receipt, resp);
        goto out;
    }
    if (key.policy_id[0] == '\0') {
        postq_api_error(resp, 500, "internal", "an enclave key without a policy");
        goto out;
    }
    err = postq_rand_bytes(nonce, sizeof(nonce));
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "nonce");
        goto out;
    }
    if (!enclave_sign(api, &key, nonce, payload, &er, &c, resp) || !reply_usable(&er, resp) ||
        !verify_reply(api, &key, &pol, &sig, payload, nonce, &er, req->arena, &doc, &rep, &digest,
                      resp)) {
        goto out;
    }
    if (!rep->verdict.ok && pol.enforce) {
        reject(api, &sig, resp, rep->verdict.reason, rep->verdict.detail);
        goto out;
    }
    record = record_from_report(&sig, &er, doc, rep);
    if (!rep->verdict.ok) {
        postq_metrics_rejection(rep->verdict.reason);
    }
    store_attested(api, &key, &sig, record, pol.enforce, rep, digest, receipt, resp);
out:
    postq_enclave_pool_put(api->enclave, c, 1);
    postq_wipe(nonce, sizeof(nonce));
    postq_store_key_clear(&key);
    postq_store_policy_clear(&pol);
    postq_metrics_sign_latency(mono_s() - t0);
}
