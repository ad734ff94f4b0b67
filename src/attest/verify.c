/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation re-verification [docs/verification.md, include/postq/]: the vendor table and the
 * checks every vendor
 * shares, run in the order of docs/verification.md and stopped at the first failure (see
 * verifier.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <postq/attest.h>
#include <postq/hybrid.h>

#include "attest/verifier.h"
#include "common/base64.h"
#include "common/ct.h"
#include "common/hex.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "crypto/composite.h"
#include "crypto/sha2.h"

/* The one vendor table. A vendor registered without a verifier (parse == NULL) gets
 * vendor_unsupported for its documents. A vendor's file fills in parse/appraise/release. */
static const struct postq_attest_vendor *const vendors[POSTQ_VENDOR_COUNT] = {
    [POSTQ_VENDOR_MOCK] = &postq_attest_vendor_mock,
    [POSTQ_VENDOR_AWS_NITRO] = &postq_attest_vendor_aws_nitro,
    [POSTQ_VENDOR_AZURE_CVM] = &postq_attest_vendor_azure_cvm,
    [POSTQ_VENDOR_GCP_CS] = &postq_attest_vendor_gcp_cs,
};

enum postq_vendor postq_attest_vendor_from_name(const char *name)
{
    if (name == NULL) {
        return POSTQ_VENDOR_NONE;
    }
    for (int v = POSTQ_VENDOR_MOCK; v < POSTQ_VENDOR_COUNT; v++) {
        if (strcmp(name, vendors[v]->name) == 0) {
            return (enum postq_vendor)v;
        }
    }
    return POSTQ_VENDOR_NONE;
}

const char *postq_attest_vendor_name(enum postq_vendor v)
{
    const struct postq_attest_vendor *e = postq_attest_vendor_get(v);
    return e != NULL ? e->name : NULL;
}

const struct postq_attest_vendor *postq_attest_vendor_get(enum postq_vendor v)
{
    if ((int)v <= POSTQ_VENDOR_NONE || (int)v >= POSTQ_VENDOR_COUNT) {
        return NULL;
    }
    return vendors[v];
}

/* ---- recording ---- */

static void add_check(struct postq_attest_report *r, const char *name, int passed)
{
    if (r->n_checks < POSTQ_ATTEST_CHECKS_MAX) {
        r->checks[r->n_checks].name = name;
        r->checks[r->n_checks].passed = passed;
        r->n_checks++;
    }
}

void postq_attest_pass(struct postq_attest_run *run, const char *name)
{
    add_check(run->report, name, 1);
}

postq_err postq_attest_fail(struct postq_attest_run *run, const char *name, const char *fmt, ...)
{
    postq_verdict *v = &run->report->verdict;
    va_list ap;

    add_check(run->report, name, 0);
    v->ok = 0;
    (void)snprintf(v->reason, sizeof(v->reason), "%s", name);
    va_start(ap, fmt);
    (void)vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    (void)postq_utf8_repair(v->detail); /* "%.Ns" of untrusted text may split a character */
    va_end(ap);
    return POSTQ_E_REJECTED;
}

/* ---- the generic checks ---- */

/* A time for a detail message: RFC 3339, or the raw milliseconds when out of range. */
static void stamp(char out[POSTQ_TIME_RFC3339_MAX], int64_t ms)
{
    if (postq_time_format(out, POSTQ_TIME_RFC3339_MAX, ms) != POSTQ_OK) {
        snprintf(out, POSTQ_TIME_RFC3339_MAX, "%lld ms", (long long)ms);
    }
}

/* t later than ref + the allowed skew (no overflow for any ref). */
static int after_skew(int64_t t, int64_t ref)
{
    return ref <= INT64_MAX - POSTQ_ATTEST_FUTURE_SKEW_MS && t > ref + POSTQ_ATTEST_FUTURE_SKEW_MS;
}

static postq_err from_future(struct postq_attest_run *run, const char *what, int64_t t, int64_t ref,
                             const char *ref_name)
{
    char when[POSTQ_TIME_RFC3339_MAX], at[POSTQ_TIME_RFC3339_MAX];

    stamp(when, t);
    stamp(at, ref);
    return postq_attest_fail(run, POSTQ_REASON_DOC_FROM_FUTURE,
                             "%s %s, %lld s after %s%s; 60 s of clock skew allowed", what, when,
                             (long long)((t - ref) / 1000), ref_name, at);
}

/* doc_stale at now_ms (the reference time); doc_from_future against now_ms and, when the
 * reference time is not the real clock, against the real clock too, for the document's
 * timestamp and the sign result's createdAt. */
static postq_err check_times(struct postq_attest_run *run, const struct postq_attest_claims *c,
                             const struct postq_attest_policy *policy,
                             const struct postq_attest_input *in, int64_t now_ms)
{
    int64_t ts = c->timestamp_ms;
    int have = (c->have & POSTQ_CLAIM_TIMESTAMP) != 0;
    int64_t clock = in->clock_ms > 0 ? in->clock_ms : now_ms;
    const struct postq_attest_result_fields *res = in->result;

    if (policy->max_doc_age_s > 0) {
        /* now_ms >= 0 and the age is capped far below INT64_MAX / 1000: no overflow. */
        int64_t oldest = now_ms - policy->max_doc_age_s * 1000;
        if (!have) {
            return postq_attest_fail(run, POSTQ_REASON_DOC_STALE, "document has no timestamp");
        }
        if (ts < oldest) {
            char when[POSTQ_TIME_RFC3339_MAX], at[POSTQ_TIME_RFC3339_MAX];
            stamp(when, ts);
            stamp(at, now_ms);
            return postq_attest_fail(run, POSTQ_REASON_DOC_STALE,
                                     "signed %s, %lld s before %s; the policy allows %lld s", when,
                                     (long long)((now_ms - ts) / 1000), at,
                                     (long long)policy->max_doc_age_s);
        }
        postq_attest_pass(run, POSTQ_REASON_DOC_STALE);
    }
    if (have && after_skew(ts, now_ms)) {
        return from_future(run, "signed", ts, now_ms, clock != now_ms ? "the reference time " : "");
    }
    if (have && clock != now_ms && after_skew(ts, clock)) {
        return from_future(run, "signed", ts, clock, "the clock's time ");
    }
    if (res != NULL && res->has_created_at && after_skew(res->created_at_ms, clock)) {
        return from_future(run, "sign result createdAt", res->created_at_ms, clock,
                           "the clock's time ");
    }
    if (have || (res != NULL && res->has_created_at)) {
        postq_attest_pass(run, POSTQ_REASON_DOC_FROM_FUTURE);
    }
    return POSTQ_OK;
}

/* result_mismatch: every field of the sign result that the document also carries equals the
 * document's claim. A field the document does not carry is not compared (hardware vendors
 * carry fewer); a field the sign result lacks has nothing to mislead with. */
static postq_err check_result(struct postq_attest_run *run, const struct postq_attest_claims *c,
                              const struct postq_attest_result_fields *res)
{
    if (res == NULL) {
        return POSTQ_OK;
    }
    if ((c->have & POSTQ_CLAIM_KEY) && res->key_id != NULL && strcmp(res->key_id, c->key_id) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_RESULT_MISMATCH,
                                 "keyId \"%.60s\", document keyId \"%.60s\"", res->key_id,
                                 c->key_id);
    }
    if ((c->have & POSTQ_CLAIM_KEY) && res->algorithm != NULL &&
        strcmp(res->algorithm, c->algorithm) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_RESULT_MISMATCH,
                                 "algorithm \"%.31s\", document algorithm \"%s\"", res->algorithm,
                                 c->algorithm);
    }
    if ((c->have & POSTQ_CLAIM_PAYLOAD_SHA256) && res->payload_sha256 != NULL &&
        memcmp(res->payload_sha256, c->payload_sha256, 32) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_RESULT_MISMATCH,
                                 "payloadSha256 differs from the document's");
    }
    if ((c->have & POSTQ_CLAIM_MEASUREMENT) && res->image_hash != NULL &&
        res->image_hash[0] != '\0') {
        char hex[2 * sizeof(c->measurement) + 1];
        if (postq_hex_encode(hex, sizeof(hex), c->measurement, c->measurement_len) != POSTQ_OK ||
            strcmp(res->image_hash, hex) != 0) {
            return postq_attest_fail(run, POSTQ_REASON_RESULT_MISMATCH,
                                     "attestation.imageHash %.64s, document imageHash %.64s",
                                     res->image_hash, hex);
        }
    }
    if ((c->have & POSTQ_CLAIM_COUNTER) && res->has_counter && res->counter != c->counter) {
        return postq_attest_fail(run, POSTQ_REASON_RESULT_MISMATCH,
                                 "attestation.counter %llu, document counter %llu",
                                 (unsigned long long)res->counter, (unsigned long long)c->counter);
    }
    postq_attest_pass(run, POSTQ_REASON_RESULT_MISMATCH);
    return POSTQ_OK;
}

/* Compare a digest the document claims with the one computed; both public. */
static postq_err check_digest(struct postq_attest_run *run, const char *name, int have,
                              const uint8_t claimed[32], const uint8_t actual[32],
                              const char *claim)
{
    if (!have) {
        return postq_attest_fail(run, name, "document carries no %s", claim);
    }
    if (!postq_ct_memeq(claimed, actual, 32)) {
        return postq_attest_fail(run, name, "%s does not match", claim);
    }
    postq_attest_pass(run, name);
    return POSTQ_OK;
}

/* The composite signature over the payload (or its pre-hash) under the public key; with the
 * caller's expanded key when it was made from this very key. */
static postq_err verify_signature(const struct postq_attest_run *run, const char *alg,
                                  const struct postq_attest_input *in)
{
    struct postq_hybrid_ph h;
    uint8_t ph[POSTQ_HYBRID_PH_BYTES];
    postq_err err;

    if (run->vkey == NULL ||
        !postq_hybrid_vkey_matches(run->vkey, alg, in->public_key, in->public_key_len)) {
        if (in->payload != NULL) {
            return postq_hybrid_verify(alg, in->public_key, in->payload, in->payload_len, NULL, 0,
                                       in->sig, in->sig_len);
        }
        return postq_hybrid_verify_ph(alg, in->public_key, in->payload_ph, NULL, 0, in->sig,
                                      in->sig_len);
    }
    if (in->payload == NULL) {
        return postq_hybrid_verify_ph_vkey(run->vkey, in->payload_ph, NULL, 0, in->sig,
                                           in->sig_len);
    }
    err = postq_hybrid_ph_init(&h, alg);
    if (err == POSTQ_OK) {
        err = postq_hybrid_ph_update(&h, in->payload, in->payload_len);
        err = err == POSTQ_OK ? postq_hybrid_ph_final(&h, ph) : (postq_hybrid_ph_abort(&h), err);
    }
    if (err == POSTQ_OK) {
        err = postq_hybrid_verify_ph_vkey(run->vkey, ph, NULL, 0, in->sig, in->sig_len);
    }
    return err;
}

static postq_err check_bindings(struct postq_attest_run *run, const struct postq_attest_claims *c,
                                const struct postq_attest_input *in)
{
    uint8_t digest[32];
    const char *alg;
    size_t pk_len = 0;
    postq_err err;

    if (in->payload != NULL || in->payload_sha256 != NULL) {
        if (in->payload != NULL) {
            err = postq_sha256(digest, in->payload, in->payload_len);
            if (err != POSTQ_OK) {
                return err;
            }
        } else {
            memcpy(digest, in->payload_sha256, 32);
        }
        err = check_digest(run, POSTQ_REASON_PAYLOAD_HASH_MISMATCH,
                           (c->have & POSTQ_CLAIM_PAYLOAD_SHA256) != 0, c->payload_sha256, digest,
                           "payloadSha256");
        if (err != POSTQ_OK) {
            return err;
        }
    }
    if (in->sig != NULL) {
        err = postq_sha256(digest, in->sig, in->sig_len);
        if (err == POSTQ_OK) {
            err = check_digest(run, POSTQ_REASON_SIG_HASH_MISMATCH,
                               (c->have & POSTQ_CLAIM_SIG_SHA256) != 0, c->sig_sha256, digest,
                               "sigSha256");
        }
        if (err != POSTQ_OK) {
            return err;
        }
    }
    if (in->public_key == NULL) {
        return POSTQ_OK;
    }
    alg = in->key_alg != NULL ? in->key_alg : c->algorithm;
    if ((c->have & POSTQ_CLAIM_KEY) == 0) {
        return postq_attest_fail(run, POSTQ_REASON_KEY_MISMATCH, "document names no key");
    }
    if (strcmp(alg, c->algorithm) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_KEY_MISMATCH,
                                 "key algorithm \"%s\", document algorithm \"%s\"", alg,
                                 c->algorithm);
    }
    if (postq_hybrid_sizes(alg, &pk_len, NULL, NULL) != POSTQ_OK) {
        return postq_attest_fail(run, POSTQ_REASON_KEY_MISMATCH, "unknown algorithm \"%s\"", alg);
    }
    if (in->public_key_len != pk_len) {
        return postq_attest_fail(run, POSTQ_REASON_KEY_MISMATCH,
                                 "public key is %zu bytes, %s has %zu", in->public_key_len, alg,
                                 pk_len);
    }
    err = postq_sha256(digest, in->public_key, in->public_key_len);
    if (err == POSTQ_OK) {
        err = check_digest(run, POSTQ_REASON_KEY_MISMATCH, 1, c->public_key_sha256, digest,
                           "publicKeySha256");
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (in->sig != NULL && (in->payload != NULL || in->payload_ph != NULL)) {
        err = verify_signature(run, alg, in);
        if (postq_err_category(err) == POSTQ_CAT_BUG) {
            return err; /* the backend failed: no verdict */
        }
        if (err != POSTQ_OK) {
            return postq_attest_fail(run, POSTQ_REASON_SIGNATURE_INVALID,
                                     "%s signature does not verify under the public key", alg);
        }
        postq_attest_pass(run, POSTQ_REASON_SIGNATURE_INVALID);
    }
    return POSTQ_OK;
}

static postq_err check_freshness(struct postq_attest_run *run, const struct postq_attest_claims *c,
                                 const struct postq_attest_input *in)
{
    int seen;

    if (in->nonce != NULL) {
        if ((c->have & POSTQ_CLAIM_NONCE) == 0) {
            return postq_attest_fail(run, POSTQ_REASON_NONCE_MISMATCH, "document carries no nonce");
        }
        if (!postq_ct_memeq(c->nonce, in->nonce, 32)) {
            return postq_attest_fail(run, POSTQ_REASON_NONCE_MISMATCH, "nonce is not the one sent");
        }
        postq_attest_pass(run, POSTQ_REASON_NONCE_MISMATCH);
    }
    if (in->counter_seen != NULL) {
        if ((c->have & (POSTQ_CLAIM_COUNTER | POSTQ_CLAIM_MODULE_ID)) !=
            (POSTQ_CLAIM_COUNTER | POSTQ_CLAIM_MODULE_ID)) {
            return postq_attest_fail(run, POSTQ_REASON_COUNTER_REUSED,
                                     "document carries no moduleId and counter");
        }
        seen = in->counter_seen(in->counter_ctx, c->module_id, c->counter);
        if (seen < 0) {
            return seen;
        }
        if (seen != 0) {
            return postq_attest_fail(run, POSTQ_REASON_COUNTER_REUSED,
                                     "counter %llu of module \"%s\" was seen before",
                                     (unsigned long long)c->counter, c->module_id);
        }
        postq_attest_pass(run, POSTQ_REASON_COUNTER_REUSED);
    }
    return POSTQ_OK;
}

/* ---- the sequence ---- */

/* Parse raw with another vendor's parser than the policy's: the declared vendor's first, then
 * the table's order. POSTQ_OK with *parser, *state and claims set by the one that accepted
 * it; POSTQ_E_MALFORMED when none did; POSTQ_E_NOMEM. */
static postq_err other_vendor(const struct postq_attest_vendor **parser, const uint8_t *raw,
                              size_t raw_len, void **state, struct postq_attest_claims *claims,
                              enum postq_vendor policy_vendor, const char *declared)
{
    enum postq_vendor first = postq_attest_vendor_from_name(declared);

    for (int k = -1; k < POSTQ_VENDOR_COUNT; k++) {
        enum postq_vendor v = k < 0 ? first : (enum postq_vendor)k;
        const struct postq_attest_vendor *e = postq_attest_vendor_get(v);
        postq_err err;
        if (e == NULL || e->parse == NULL || v == policy_vendor || (k >= 0 && v == first)) {
            continue;
        }
        err = e->parse(raw, raw_len, state, claims, NULL, 0);
        if (err == POSTQ_OK) {
            *parser = e;
            return POSTQ_OK;
        }
        *state = NULL;
        memset(claims, 0, sizeof(*claims));
        if (err == POSTQ_E_NOMEM) {
            return err;
        }
    }
    return POSTQ_E_MALFORMED;
}

void postq_attest_doc_module_id(const char *doc_b64, const char *vendor, char *out, size_t cap)
{
    size_t b64_len = strnlen(doc_b64, POSTQ_ATTEST_DOC_B64_MAX + 1), raw_len = 0;
    struct postq_attest_claims *claims;
    const struct postq_attest_vendor *parser = NULL;
    uint8_t *raw;
    void *state = NULL;

    out[0] = '\0';
    if (b64_len > POSTQ_ATTEST_DOC_B64_MAX) {
        return;
    }
    raw = postq_malloc(postq_base64_decoded_max(b64_len) + 1);
    claims = postq_calloc(1, sizeof(*claims));
    if (raw != NULL && claims != NULL &&
        postq_base64_decode_public(raw, postq_base64_decoded_max(b64_len) + 1, &raw_len, doc_b64,
                                   b64_len, POSTQ_B64_STD) == POSTQ_OK &&
        raw_len > 0 &&
        other_vendor(&parser, raw, raw_len, &state, claims, POSTQ_VENDOR_COUNT, vendor) ==
            POSTQ_OK) {
        if ((claims->have & POSTQ_CLAIM_MODULE_ID) != 0) {
            (void)snprintf(out, cap, "%s", claims->module_id);
        }
        if (parser->release != NULL) {
            parser->release(state);
        }
    }
    postq_free(claims);
    if (raw != NULL) {
        postq_wipe(raw, raw_len);
    }
    postq_free(raw);
}

static postq_err run_checks(struct postq_attest_run *run, const char *doc_b64,
                            const struct postq_attest_policy *policy,
                            const struct postq_attest_input *in, int64_t now_ms)
{
    struct postq_attest_report *r = run->report;
    const struct postq_attest_vendor *vendor = postq_attest_vendor_get(policy->vendor);
    const struct postq_attest_vendor *parser = vendor; /* whose parse made state */
    const char *policy_vendor = postq_attest_vendor_name(policy->vendor);
    char detail[sizeof(r->verdict.detail)];
    size_t b64_len = strnlen(doc_b64, POSTQ_ATTEST_DOC_B64_MAX + 1), raw_len = 0;
    uint8_t *raw = NULL;
    void *state = NULL;
    postq_err err;

    if (vendor == NULL || policy_vendor == NULL) {
        return POSTQ_E_INTERNAL;
    }
    /* doc_malformed: base64, then the vendor's own format. */
    if (b64_len > POSTQ_ATTEST_DOC_B64_MAX) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_MALFORMED, "docB64: over %d characters",
                                 POSTQ_ATTEST_DOC_B64_MAX);
    }
    raw = postq_malloc(postq_base64_decoded_max(b64_len) + 1);
    if (raw == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (postq_base64_decode_public(raw, postq_base64_decoded_max(b64_len) + 1, &raw_len, doc_b64,
                                   b64_len, POSTQ_B64_STD) != POSTQ_OK ||
        raw_len == 0) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_MALFORMED,
                                "docB64: not canonical padded base64 of a document");
        goto out;
    }
    if (run->digest != NULL) {
        err = postq_sha256(run->digest->sha256, raw, raw_len);
        if (err != POSTQ_OK) {
            goto out;
        }
        run->digest->ok = 1;
    }
    if (vendor->parse != NULL) {
        detail[0] = '\0';
        err = vendor->parse(raw, raw_len, &state, &r->claims, detail, sizeof(detail));
        if (err == POSTQ_E_NOMEM) {
            goto out;
        }
        if (err != POSTQ_OK) {
            /* Not the policy vendor's format. A well-formed document of another vendor is
             * vendor_mismatch, not doc_malformed: try the declared vendor's parser first, then
             * the others'. */
            err =
                other_vendor(&parser, raw, raw_len, &state, &r->claims, policy->vendor, in->vendor);
            if (err == POSTQ_E_NOMEM) {
                goto out;
            }
        }
        if (err != POSTQ_OK) {
            err = postq_attest_fail(run, POSTQ_REASON_DOC_MALFORMED, "%s", detail);
            goto out;
        }
        r->have_claims = 1;
    }
    postq_attest_pass(run, POSTQ_REASON_DOC_MALFORMED);

    /* vendor_mismatch: document, policy and declaration agree. */
    if (in->vendor != NULL && strcmp(in->vendor, policy_vendor) != 0) {
        err = postq_attest_fail(run, POSTQ_REASON_VENDOR_MISMATCH,
                                "declared vendor \"%.40s\", policy vendor \"%s\"", in->vendor,
                                policy_vendor);
        goto out;
    }
    if (r->have_claims && strcmp(r->claims.vendor, policy_vendor) != 0) {
        err = postq_attest_fail(run, POSTQ_REASON_VENDOR_MISMATCH,
                                "document vendor \"%s\", policy vendor \"%s\"", r->claims.vendor,
                                policy_vendor);
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_VENDOR_MISMATCH);

    if (vendor->parse == NULL || vendor->appraise == NULL) {
        err = postq_attest_fail(run, POSTQ_REASON_VENDOR_UNSUPPORTED,
                                "no verifier for vendor \"%s\" in this build", policy_vendor);
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_VENDOR_UNSUPPORTED);

    err = vendor->appraise(state, &r->claims, policy, now_ms, run);
    if (err == POSTQ_OK) {
        err = check_times(run, &r->claims, policy, in, now_ms);
    }
    if (err == POSTQ_OK) {
        err = check_result(run, &r->claims, in->result);
    }
    if (err == POSTQ_OK) {
        err = check_bindings(run, &r->claims, in);
    }
    if (err == POSTQ_OK) {
        err = check_freshness(run, &r->claims, in);
    }
    if (err == POSTQ_OK && in->log != NULL) {
        struct postq_log_input log = *in->log;
        if (log.doc_b64 == NULL) {
            log.doc_b64 = doc_b64;
        }
        err = postq_attest_log_check(run, &log,
                                     (r->claims.have & POSTQ_CLAIM_MODULE_ID) != 0
                                         ? r->claims.module_id
                                         : NULL);
    }
out:
    if (parser != NULL && parser->release != NULL) {
        parser->release(state);
    }
    postq_wipe(raw, raw_len);
    postq_free(raw);
    return err;
}

static int input_ok(const struct postq_attest_input *in)
{
    return (in->payload != NULL || in->payload_len == 0) && (in->sig != NULL || in->sig_len == 0) &&
           (in->public_key != NULL || in->public_key_len == 0) && in->clock_ms >= 0;
}

postq_err postq_attest_check_all(struct postq_attest_report *out, const char *doc_b64,
                                 const struct postq_attest_policy *policy,
                                 const struct postq_attest_input *in, int64_t now_ms)
{
    return postq_attest_check_all_vkey(out, doc_b64, policy, in, now_ms, NULL, NULL);
}

postq_err postq_attest_check_all_vkey(struct postq_attest_report *out, const char *doc_b64,
                                      const struct postq_attest_policy *policy,
                                      const struct postq_attest_input *in, int64_t now_ms,
                                      const struct postq_hybrid_vkey *vkey,
                                      struct postq_attest_doc_digest *digest)
{
    static const struct postq_attest_input none;
    struct postq_attest_run run;
    postq_err err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (in == NULL) {
        in = &none;
    }
    if (doc_b64 == NULL || policy == NULL || now_ms < 0 || !input_ok(in)) {
        (void)snprintf(out->verdict.detail, sizeof(out->verdict.detail),
                       "invalid arguments (NULL input, NULL buffer with a length, or now < 0)");
        return POSTQ_E_ARG;
    }
    out->at_ms = now_ms;
    run.report = out;
    run.vkey = vkey;
    run.digest = digest;
    if (digest != NULL) {
        memset(digest, 0, sizeof(*digest));
    }
    err = run_checks(&run, doc_b64, policy, in, now_ms);
    if (err == POSTQ_OK) {
        out->verdict.ok = 1;
        return POSTQ_OK;
    }
    if (err == POSTQ_E_REJECTED) {
        return POSTQ_OK; /* a verdict: fail, with its reason */
    }
    /* Not a verdict: memory, backend or the counter lookup failed. */
    out->verdict.ok = 0;
    out->verdict.reason[0] = '\0';
    (void)snprintf(out->verdict.detail, sizeof(out->verdict.detail), "%s", postq_strerror(err));
    return err;
}
