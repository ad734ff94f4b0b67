/* SPDX-License-Identifier: Apache-2.0 */
/* src/attest/verify.c + vendor/mock.c: every reason code of docs/verification.md that applies to
 * mock,
 * each with a genuinely signed document (real Ed25519 root, real composite signatures); the
 * check order; time windows; bit flips and truncations of a good document; API misuse. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/verifier.h"
#include "crypto/composite.h"
#include "attest/policy.h"
#include "common/base64.h"
#include "common/hex.h"
#include "crypto/sha2.h"
#include "mockdoc.h"

static struct md_fixture F;     /* root 1 */
static struct md_fixture OTHER; /* root 2, another key pair */
static char *POLICY;            /* pins F's root, allows md_image */
static char *POLICY_AGE;        /* the same with maxDocAgeSeconds 300 */

static int setup(void **state)
{
    (void)state;
    md_fixture_init(&F, 1);
    md_fixture_init(&OTHER, 2);
    POLICY = md_policy(F.root_pk, md_image, NULL);
    POLICY_AGE = md_policy(F.root_pk, md_image, "\"maxDocAgeSeconds\":300");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(POLICY);
    free(POLICY_AGE);
    return 0;
}

static int counter_unseen(void *ctx, const char *module_id, uint64_t counter)
{
    (void)ctx;
    (void)module_id;
    (void)counter;
    return 0;
}

static int counter_seen(void *ctx, const char *module_id, uint64_t counter)
{
    (void)ctx;
    return strcmp(module_id, "mock-module-01") == 0 && counter == 42;
}

/* Every optional input of F. */
static struct postq_attest_input full_input(void)
{
    struct postq_attest_input in;

    memset(&in, 0, sizeof(in));
    in.vendor = "mock";
    in.payload = F.payload;
    in.payload_len = F.payload_len;
    in.sig = F.sig;
    in.sig_len = F.sig_len;
    in.public_key = F.pk;
    in.public_key_len = F.pk_len;
    in.nonce = F.nonce;
    in.counter_seen = counter_unseen;
    return in;
}

/* Verify and return the report (static); asserts a verdict was computed. */
static const struct postq_attest_report *run(const char *doc_b64, const char *policy,
                                             const struct postq_attest_input *in, int64_t now)
{
    static struct postq_attest_report r;

    assert_int_equal(postq_attest_verify_ex(doc_b64, policy, in, now, &r), POSTQ_OK);
    return &r;
}

static void expect_reason(const struct postq_attest_report *r, const char *reason)
{
    if (reason == NULL) {
        if (!r->verdict.ok) {
            fail_msg("expected pass, got %s: %s", r->verdict.reason, r->verdict.detail);
        }
        assert_string_equal(r->verdict.reason, "");
        return;
    }
    if (r->verdict.ok) {
        fail_msg("expected %s, got pass", reason);
    }
    assert_string_equal(r->verdict.reason, reason);
    assert_true(strlen(r->verdict.detail) > 0);
    assert_true(r->n_checks > 0);
    assert_string_equal(r->checks[r->n_checks - 1].name, reason);
    assert_int_equal(r->checks[r->n_checks - 1].passed, 0);
}

/* Sign claims c with F's root and check them with every input of F. */
static void expect_claims(const struct postq_doc_claims *c, const char *policy, int64_t now,
                          const char *reason)
{
    struct postq_attest_input in = full_input();
    char *doc = md_doc_b64(c, F.root_seed);

    expect_reason(run(doc, policy, &in, now), reason);
    free(doc);
}

/* A raw JWS (header and claims text signed by F's root) under POLICY. */
static void expect_jws(const char *header, const char *claims_json, const char *reason)
{
    char *raw = md_jws_raw(header, claims_json, F.root_seed);
    char *doc = md_b64((const uint8_t *)raw, strlen(raw));
    struct postq_attest_input in = full_input();

    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), reason);
    free(doc);
    free(raw);
}

/* ---- pass ---- */

static void test_pass_with_every_input(void **state)
{
    static const char *const order[] = {
        POSTQ_REASON_DOC_MALFORMED,       POSTQ_REASON_VENDOR_MISMATCH,
        POSTQ_REASON_VENDOR_UNSUPPORTED,  POSTQ_REASON_DOC_ALG_UNSUPPORTED,
        POSTQ_REASON_DOC_SIGNATURE_INVALID, POSTQ_REASON_IMAGE_NOT_ALLOWED,
        POSTQ_REASON_DOC_STALE,           POSTQ_REASON_DOC_FROM_FUTURE,
        POSTQ_REASON_PAYLOAD_HASH_MISMATCH, POSTQ_REASON_SIG_HASH_MISMATCH,
        POSTQ_REASON_KEY_MISMATCH,        POSTQ_REASON_SIGNATURE_INVALID,
        POSTQ_REASON_NONCE_MISMATCH,      POSTQ_REASON_COUNTER_REUSED,
    };
    struct postq_attest_input in = full_input();
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    const struct postq_attest_report *r;

    (void)state;
    r = run(doc, POLICY_AGE, &in, MD_NOW_MS);
    expect_reason(r, NULL);
    assert_int_equal(r->n_checks, sizeof(order) / sizeof(order[0]));
    for (size_t i = 0; i < r->n_checks; i++) {
        assert_string_equal(r->checks[i].name, order[i]);
        assert_int_equal(r->checks[i].passed, 1);
    }
    assert_int_equal(r->have_claims, 1);
    assert_string_equal(r->claims.module_id, "mock-module-01");
    assert_int_equal(r->claims.counter, 42);
    assert_memory_equal(r->claims.measurement, md_image, 32);
    free(doc);
}

static void test_contract_entry_point(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    postq_verdict v;

    (void)state;
    memset(&v, 0x55, sizeof(v));
    assert_int_equal(postq_attest_verify(doc, "mock", POLICY, F.payload, F.payload_len, F.sig,
                                         F.sig_len, MD_NOW_MS, &v),
                     0);
    assert_int_equal(v.ok, 1);
    assert_string_equal(v.reason, "");
    assert_string_equal(v.detail, "");
    /* Without payload or signature; without a declared vendor. */
    assert_int_equal(postq_attest_verify(doc, NULL, POLICY, NULL, 0, NULL, 0, MD_NOW_MS, &v), 0);
    assert_int_equal(v.ok, 1);
    /* A failure is a verdict too: return 0, ok 0, the reason. */
    assert_int_equal(postq_attest_verify(doc, "mock", POLICY, F.payload, F.payload_len - 1,
                                         F.sig, F.sig_len, MD_NOW_MS, &v),
                     0);
    assert_int_equal(v.ok, 0);
    assert_string_equal(v.reason, POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    free(doc);
}

static void test_alg_eddsa_accepted(void **state)
{
    char *json = md_claims_json(&F.claims);

    (void)state;
    expect_jws("{\"alg\":\"EdDSA\",\"typ\":\"postq-attestation+jws\"}", json, NULL);
    /* Unknown header members are ignored; a jwk in the header is never used. */
    expect_jws("{\"alg\":\"Ed25519\",\"typ\":\"postq-attestation+jws\",\"x\":[1,{}],"
               "\"jwk\":{\"kty\":\"OKP\"}}",
               json, NULL);
    free(json);
}

/* ---- one test per reason code ---- */

static void test_doc_malformed(void **state)
{
    static const char *const bad_b64[] = {
        "", "!!!!", "e30=\n", " e30=", "e30", "e30==", "eyJhbGciOiJFZDI1NTE5In0-", "AAAA",
    };
    struct postq_attest_input in = full_input();
    char *json = md_claims_json(&F.claims);

    (void)state;
    for (size_t i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++) {
        expect_reason(run(bad_b64[i], POLICY, &in, MD_NOW_MS), POSTQ_REASON_DOC_MALFORMED);
    }
    /* Claims that are not JSON, not an object, or break a type rule; signed all the same. */
    expect_jws(MD_HEADER, "not json", POSTQ_REASON_DOC_MALFORMED);
    expect_jws(MD_HEADER, "[1,2]", POSTQ_REASON_DOC_MALFORMED);
    expect_jws(MD_HEADER, "{}", POSTQ_REASON_DOC_MALFORMED);
    expect_jws("[]", json, POSTQ_REASON_DOC_MALFORMED);
    expect_jws("{\"typ\":\"postq-attestation+jws\"}", json, POSTQ_REASON_DOC_MALFORMED);
    expect_jws("{\"alg\":\"Ed25519\",\"alg\":\"Ed25519\",\"typ\":\"postq-attestation+jws\"}",
               json, POSTQ_REASON_DOC_MALFORMED);
    free(json);
}

static void test_duplicate_claims(void **state)
{
    char *json = md_claims_json(&F.claims);
    char dup[2048];

    (void)state;
    /* The same claims with "counter" again at the end: a JSON parser that keeps the last one
     * would read another counter. Rejected, signed or not. */
    assert_true(strlen(json) + 32 < sizeof(dup));
    snprintf(dup, sizeof(dup), "%.*s,\"counter\":7}", (int)(strlen(json) - 1), json);
    expect_jws(MD_HEADER, dup, POSTQ_REASON_DOC_MALFORMED);
    snprintf(dup, sizeof(dup), "%.*s,\"imageHash\":\"%064d\"}", (int)(strlen(json) - 1), json,
             0);
    expect_jws(MD_HEADER, dup, POSTQ_REASON_DOC_MALFORMED);
    free(json);
}

/* Replace the value of claim name in the claims JSON by value (raw JSON text). */
static char *with_claim(const char *json, const char *name, const char *value)
{
    char key[64];
    const char *at, *end;
    char *out = malloc(strlen(json) + strlen(value) + 64);
    int depth = 0;

    assert_non_null(out);
    snprintf(key, sizeof(key), "\"%s\":", name);
    at = strstr(json, key);
    assert_non_null(at);
    at += strlen(key);
    /* The value ends at the next ',' or '}' outside a string (claims values are flat). */
    for (end = at; *end != '\0'; end++) {
        if (*end == '"') {
            depth = !depth;
        } else if (!depth && (*end == ',' || *end == '}')) {
            break;
        }
    }
    sprintf(out, "%.*s%s%s", (int)(at - json), json, value, end);
    return out;
}

static void test_wrong_claim_types(void **state)
{
    static const struct {
        const char *name, *value;
    } cases[] = {
        {"v", "2"}, {"v", "1.0"}, {"v", "\"1\""}, {"v", "true"}, {"v", "0"},
        {"vendor", "1"}, {"vendor", "\"\""}, {"vendor", "null"},
        {"moduleId", "[]"}, {"moduleId", "\"\""},
        {"imageHash", "\"1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F00F\""},
        {"imageHash", "\"1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\""},
        {"imageHash", "\"0x2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f\""},
        {"keyId", "{}"}, {"algorithm", "7"},
        {"publicKeySha256", "\"\""}, {"payloadSha256", "null"},
        {"sigSha256", "\"zz2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f\""},
        {"counter", "-1"}, {"counter", "1.5"}, {"counter", "\"42\""},
        {"counter", "1e3"}, {"counter", "99999999999999999999"},
        {"nonce", "\"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=\""}, /* padded */
        {"nonce", "\"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr\""},  /* 31.5 bytes */
        {"nonce", "\"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr+\""}, /* std alphabet */
        {"nonce", "\"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr9\""}, /* non-canonical */
        {"nonce", "32"},
        {"timestamp", "\"2025-11-24T16:00:00Z\""}, {"timestamp", "1764000000000.0"},
        {"timestamp", "-5"},
    };
    char *json = md_claims_json(&F.claims);

    (void)state;
    /* The helper finds the good nonce, so a sanity pass first. */
    {
        char *same = with_claim(json, "nonce", "\"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8\"");
        expect_jws(MD_HEADER, same, NULL);
        free(same);
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = with_claim(json, cases[i].name, cases[i].value);
        char *raw = md_jws_raw(MD_HEADER, bad, F.root_seed);
        char *doc = md_b64((const uint8_t *)raw, strlen(raw));
        const struct postq_attest_report *r = run(doc, POLICY, NULL, MD_NOW_MS);
        if (r->verdict.ok || strcmp(r->verdict.reason, POSTQ_REASON_DOC_MALFORMED) != 0) {
            fail_msg("claim %s = %s: %s", cases[i].name, cases[i].value, r->verdict.reason);
        }
        /* The detail names the claim (or, for a number jansson cannot hold, the JSON). */
        if (strstr(r->verdict.detail, cases[i].name) == NULL &&
            strncmp(r->verdict.detail, "claims: ", 8) != 0) {
            fail_msg("claim %s = %s: detail \"%s\"", cases[i].name, cases[i].value,
                     r->verdict.detail);
        }
        free(doc);
        free(raw);
        free(bad);
    }
    free(json);
}

static void test_missing_claims(void **state)
{
    static const char *const names[] = {"v", "vendor", "moduleId", "imageHash", "keyId",
                                        "algorithm", "publicKeySha256", "payloadSha256",
                                        "sigSha256", "counter", "nonce", "timestamp"};
    char *json = md_claims_json(&F.claims);

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        /* Rename the member: the claim is then missing (and "x..." is ignored). */
        char *bad = strdup(json), key[64], *at;
        snprintf(key, sizeof(key), "\"%s\":", names[i]);
        at = strstr(bad, key);
        assert_non_null(at);
        at[1] = 'X';
        expect_jws(MD_HEADER, bad, POSTQ_REASON_DOC_MALFORMED);
        free(bad);
    }
    free(json);
}

static void test_vendor_mismatch(void **state)
{
    struct postq_doc_claims c = F.claims;
    struct postq_attest_input in = full_input();
    char *doc;

    (void)state;
    snprintf(c.vendor, sizeof(c.vendor), "aws-nitro-enclave");
    expect_claims(&c, POLICY, MD_NOW_MS, POSTQ_REASON_VENDOR_MISMATCH);
    snprintf(c.vendor, sizeof(c.vendor), "Mock");
    expect_claims(&c, POLICY, MD_NOW_MS, POSTQ_REASON_VENDOR_MISMATCH);
    /* A good mock document declared as another vendor's. */
    doc = md_doc_b64(&F.claims, F.root_seed);
    in.vendor = "aws-nitro-enclave";
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_VENDOR_MISMATCH);
    in.vendor = "";
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_VENDOR_MISMATCH);
    free(doc);
}

static void test_doc_alg_unsupported(void **state)
{
    char *json = md_claims_json(&F.claims);
    char *raw, *doc, *dot;

    (void)state;
    expect_jws("{\"alg\":\"none\",\"typ\":\"postq-attestation+jws\"}", json,
               POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"HS256\",\"typ\":\"postq-attestation+jws\"}", json,
               POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"ed25519\",\"typ\":\"postq-attestation+jws\"}", json,
               POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"ES256\",\"typ\":\"postq-attestation+jws\"}", json,
               POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"Ed25519\",\"typ\":\"postq-attestation+jws\",\"crit\":[\"exp\"],"
               "\"exp\":1}",
               json, POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"Ed25519\",\"typ\":\"postq-attestation+jws\",\"crit\":[]}", json,
               POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"Ed25519\"}", json, POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    expect_jws("{\"alg\":\"Ed25519\",\"typ\":\"JWT\"}", json, POSTQ_REASON_DOC_ALG_UNSUPPORTED);

    /* The genuine article: alg none with an empty signature part. */
    raw = md_jws_raw("{\"alg\":\"none\",\"typ\":\"postq-attestation+jws\"}", json, F.root_seed);
    dot = strrchr(raw, '.');
    dot[1] = '\0';
    doc = md_b64((const uint8_t *)raw, strlen(raw));
    expect_reason(run(doc, POLICY, NULL, MD_NOW_MS), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    free(doc);
    /* HS256 with a 32-byte "MAC" (the pinned key used as an HMAC secret is the classic). */
    strcpy(dot + 1, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    free(raw);
    raw = md_jws_raw("{\"alg\":\"HS256\",\"typ\":\"postq-attestation+jws\"}", json, F.root_seed);
    dot = strrchr(raw, '.');
    strcpy(dot + 1, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    doc = md_b64((const uint8_t *)raw, strlen(raw));
    expect_reason(run(doc, POLICY, NULL, MD_NOW_MS), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    free(doc);
    free(raw);
    free(json);
}

static void test_doc_signature_invalid(void **state)
{
    char *doc = md_doc_b64(&F.claims, OTHER.root_seed);
    char *policy_other = md_policy(OTHER.root_pk, md_image, NULL);
    struct postq_attest_input in = full_input();

    (void)state;
    /* Signed by another root: rejected under F's pinned root, accepted under its own. */
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_DOC_SIGNATURE_INVALID);
    expect_reason(run(doc, policy_other, &in, MD_NOW_MS), NULL);
    free(doc);
    free(policy_other);
}

static void test_image_not_allowed(void **state)
{
    struct postq_doc_claims c = F.claims;

    (void)state;
    c.image_hash[31] ^= 1;
    expect_claims(&c, POLICY, MD_NOW_MS, POSTQ_REASON_IMAGE_NOT_ALLOWED);
}

static void test_doc_stale_and_max_age(void **state)
{
    struct postq_doc_claims c = F.claims;

    (void)state;
    /* A document made 10 minutes before now, under a 300 s policy. */
    c.timestamp_ms = MD_NOW_MS - 600000;
    expect_claims(&c, POLICY_AGE, MD_NOW_MS, POSTQ_REASON_DOC_STALE);
    /* The same document checked at a "now" inside its age (--at) passes... */
    expect_claims(&c, POLICY_AGE, MD_NOW_MS - 600000 + 300000, NULL);
    expect_claims(&c, POLICY_AGE, MD_NOW_MS - 600000, NULL);
    /* ... and one millisecond past the age fails. */
    expect_claims(&c, POLICY_AGE, MD_NOW_MS - 600000 + 300001, POSTQ_REASON_DOC_STALE);
    /* Without maxDocAgeSeconds age is not checked. */
    expect_claims(&c, POLICY, MD_NOW_MS, NULL);
    c.timestamp_ms = 0;
    expect_claims(&c, POLICY, MD_NOW_MS, NULL);
    expect_claims(&c, POLICY_AGE, MD_NOW_MS, POSTQ_REASON_DOC_STALE);
}

static void test_doc_from_future(void **state)
{
    struct postq_doc_claims c = F.claims;

    (void)state;
    c.timestamp_ms = MD_NOW_MS + 60000;
    expect_claims(&c, POLICY_AGE, MD_NOW_MS, NULL);
    c.timestamp_ms = MD_NOW_MS + 60001;
    expect_claims(&c, POLICY_AGE, MD_NOW_MS, POSTQ_REASON_DOC_FROM_FUTURE);
    expect_claims(&c, POLICY, 0, POSTQ_REASON_DOC_FROM_FUTURE);
    c.timestamp_ms = INT64_MAX;
    expect_claims(&c, POLICY, MD_NOW_MS, POSTQ_REASON_DOC_FROM_FUTURE);
    expect_claims(&c, POLICY, INT64_MAX, NULL);
}

static void test_payload_hash_mismatch(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_input in = full_input();
    uint8_t other[sizeof(F.payload)];
    uint8_t digest[32];

    (void)state;
    memcpy(other, F.payload, F.payload_len);
    other[0] ^= 0x20;
    in.payload = other;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    in.payload_len = 0;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    /* A payload given by its digest (streamed by the caller). */
    in.payload = NULL;
    assert_int_equal(postq_sha256(digest, F.payload, F.payload_len), POSTQ_OK);
    in.payload_sha256 = digest;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), NULL);
    digest[5] ^= 1;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    free(doc);
}

static void test_sig_hash_mismatch(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_input in = full_input();
    uint8_t sig2[POSTQ_HYBRID_SIG_MAX];

    (void)state;
    /* Another genuine signature of the same payload (hedged signing): valid, but not the one
     * the enclave attested. */
    assert_int_equal(postq_hybrid_sign(F.alg, F.sk, F.payload, F.payload_len, NULL, 0, sig2),
                     POSTQ_OK);
    assert_int_equal(postq_hybrid_verify(F.alg, F.pk, F.payload, F.payload_len, NULL, 0, sig2,
                                         F.sig_len),
                     POSTQ_OK);
    in.sig = sig2;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_SIG_HASH_MISMATCH);
    in.sig = F.sig;
    in.sig_len = F.sig_len - 1;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_SIG_HASH_MISMATCH);
    free(doc);
}

static void test_key_mismatch(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_input in = full_input();
    size_t pk44 = 0;

    (void)state;
    in.public_key = OTHER.pk; /* another genuine key of the same algorithm */
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_KEY_MISMATCH);
    in.public_key = F.pk;
    in.key_alg = "mldsa44+ed25519";
    assert_int_equal(postq_hybrid_sizes(in.key_alg, &pk44, NULL, NULL), POSTQ_OK);
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_KEY_MISMATCH);
    in.key_alg = F.alg;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), NULL);
    in.public_key_len = F.pk_len - 1;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_KEY_MISMATCH);
    free(doc);
}

static void test_signature_invalid(void **state)
{
    struct postq_doc_claims c = F.claims;
    struct postq_attest_input in = full_input();
    uint8_t bad[POSTQ_HYBRID_SIG_MAX];
    char *doc;

    (void)state;
    /* The enclave attested a signature that does not verify (last byte of the Ed25519 half
     * flipped): every hash binding holds, the composite check fails. */
    memcpy(bad, F.sig, F.sig_len);
    bad[F.sig_len - 1] ^= 0x01;
    assert_int_equal(postq_sha256(c.sig_sha256, bad, F.sig_len), POSTQ_OK);
    doc = md_doc_b64(&c, F.root_seed);
    in.sig = bad;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_SIGNATURE_INVALID);
    /* ML-DSA half broken instead. */
    free(doc);
    memcpy(bad, F.sig, F.sig_len);
    bad[10] ^= 0x80;
    assert_int_equal(postq_sha256(c.sig_sha256, bad, F.sig_len), POSTQ_OK);
    doc = md_doc_b64(&c, F.root_seed);
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_SIGNATURE_INVALID);
    /* Without the public key the composite signature is not checked. */
    in.public_key = NULL;
    in.public_key_len = 0;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), NULL);
    free(doc);
}

static void test_streamed_payload(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_input in = full_input();
    struct postq_hybrid_ph ph;
    uint8_t digest[32], pre[POSTQ_HYBRID_PH_BYTES];
    const struct postq_attest_report *r;

    (void)state;
    /* The payload hashed in two pieces by the caller: SHA-256 for the binding, PH for the
     * composite signature. Every check runs, in order, without the bytes. */
    assert_int_equal(postq_sha256(digest, F.payload, F.payload_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_init(&ph, F.alg), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_update(&ph, F.payload, 5), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_update(&ph, F.payload + 5, F.payload_len - 5), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_final(&ph, pre), POSTQ_OK);
    in.payload = NULL;
    in.payload_len = 0;
    in.payload_sha256 = digest;
    in.payload_ph = pre;
    r = run(doc, POLICY, &in, MD_NOW_MS);
    expect_reason(r, NULL);
    assert_int_equal(r->n_checks, 13);
    assert_string_equal(r->checks[10].name, POSTQ_REASON_SIGNATURE_INVALID);
    /* A pre-hash of other bytes: the signature does not verify. */
    pre[0] ^= 1;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_SIGNATURE_INVALID);
    /* Without payload_ph the signature check does not run. */
    in.payload_ph = NULL;
    r = run(doc, POLICY, &in, MD_NOW_MS);
    expect_reason(r, NULL);
    assert_int_equal(r->n_checks, 12);
    free(doc);
}

/* postq_attest_check_all_vkey: the same verdicts with the key's expanded verification key,
 * with the payload or its pre-hash; a vkey of another key (or algorithm) is not used, so it
 * cannot turn a verdict. */
static const struct postq_attest_report *run_vkey(const char *doc_b64, const char *policy_json,
                                                  const struct postq_attest_input *in,
                                                  const struct postq_hybrid_vkey *vk)
{
    static struct postq_attest_report r;
    struct postq_attest_policy pol;
    char detail[200];

    assert_int_equal(postq_policy_parse(&pol, policy_json, strlen(policy_json), detail,
                                        sizeof(detail)),
                     POSTQ_OK);
    assert_int_equal(postq_attest_check_all_vkey(&r, doc_b64, &pol, in, MD_NOW_MS, vk, NULL),
                     POSTQ_OK);
    postq_policy_free(&pol);
    return &r;
}

/* The document's SHA-256, taken as the checks decode it (for postq-api's log entry): that of
 * the decoded bytes, whatever the verdict; none when the base64 does not decode. */
static void test_doc_digest(void **state)
{
    struct postq_attest_input in = full_input();
    struct postq_attest_report *r = malloc(sizeof(*r));
    struct postq_attest_doc_digest d;
    struct postq_attest_policy pol;
    char *doc = md_doc_b64(&F.claims, F.root_seed), detail[200];
    uint8_t raw[8192], want[32];
    size_t raw_len = 0;

    (void)state;
    assert_non_null(r);
    assert_int_equal(postq_policy_parse(&pol, POLICY, strlen(POLICY), detail, sizeof(detail)),
                     POSTQ_OK);
    assert_int_equal(postq_base64_decode_public(raw, sizeof(raw), &raw_len, doc, strlen(doc),
                                                POSTQ_B64_STD),
                     POSTQ_OK);
    assert_int_equal(postq_sha256(want, raw, raw_len), POSTQ_OK);
    memset(&d, 0xa5, sizeof(d));
    assert_int_equal(postq_attest_check_all_vkey(r, doc, &pol, &in, MD_NOW_MS, NULL, &d),
                     POSTQ_OK);
    expect_reason(r, NULL);
    assert_int_equal(d.ok, 1);
    assert_memory_equal(d.sha256, want, 32);
    /* A failing verdict (another nonce) still has the document's digest. */
    in.nonce = F.sig;
    assert_int_equal(postq_attest_check_all_vkey(r, doc, &pol, &in, MD_NOW_MS, NULL, &d),
                     POSTQ_OK);
    expect_reason(r, POSTQ_REASON_NONCE_MISMATCH);
    assert_int_equal(d.ok, 1);
    assert_memory_equal(d.sha256, want, 32);
    /* Not base64: no digest. */
    assert_int_equal(postq_attest_check_all_vkey(r, "%%%%", &pol, &in, MD_NOW_MS, NULL, &d),
                     POSTQ_OK);
    expect_reason(r, POSTQ_REASON_DOC_MALFORMED);
    assert_int_equal(d.ok, 0);
    postq_policy_free(&pol);
    free(doc);
    free(r);
}

static void test_expanded_key(void **state)
{
    struct postq_hybrid_vkey *mine = malloc(sizeof(*mine)), *other = malloc(sizeof(*other));
    struct postq_doc_claims c = F.claims;
    struct postq_attest_input in = full_input();
    uint8_t bad[POSTQ_HYBRID_SIG_MAX], pre[POSTQ_HYBRID_PH_BYTES], digest[32];
    struct postq_hybrid_ph ph;
    const struct postq_attest_report *r;
    char *doc = md_doc_b64(&F.claims, F.root_seed), *bad_doc;

    (void)state;
    assert_non_null(mine);
    assert_non_null(other);
    assert_int_equal(postq_hybrid_vkey_init(mine, F.alg, F.pk, F.pk_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_vkey_init(other, OTHER.alg, OTHER.pk, OTHER.pk_len), POSTQ_OK);
    r = run_vkey(doc, POLICY, &in, mine);
    expect_reason(r, NULL);
    assert_int_equal(r->n_checks, 13);
    expect_reason(run_vkey(doc, POLICY, &in, other), NULL); /* not F's key: plain path */
    expect_reason(run_vkey(doc, POLICY, &in, NULL), NULL);
    /* The check really runs under the vkey: one with a damaged tr (still F's pk bytes, so it
     * matches) refuses F's good signature. */
    mine->mldsa.tr[0] ^= 1;
    expect_reason(run_vkey(doc, POLICY, &in, mine), POSTQ_REASON_SIGNATURE_INVALID);
    mine->mldsa.tr[0] ^= 1;

    /* The ML-DSA half broken, attested by hash: caught through the expanded key. */
    memcpy(bad, F.sig, F.sig_len);
    bad[10] ^= 0x80;
    assert_int_equal(postq_sha256(c.sig_sha256, bad, F.sig_len), POSTQ_OK);
    bad_doc = md_doc_b64(&c, F.root_seed);
    in.sig = bad;
    expect_reason(run_vkey(bad_doc, POLICY, &in, mine), POSTQ_REASON_SIGNATURE_INVALID);
    expect_reason(run_vkey(bad_doc, POLICY, &in, other), POSTQ_REASON_SIGNATURE_INVALID);
    in.sig = F.sig;

    /* OTHER's key given with F's vkey: the vkey is not OTHER's, so key_mismatch as ever. */
    in.public_key = OTHER.pk;
    expect_reason(run_vkey(doc, POLICY, &in, mine), POSTQ_REASON_KEY_MISMATCH);
    in.public_key = F.pk;

    /* The streamed form: pre-hash given instead of the payload. */
    assert_int_equal(postq_sha256(digest, F.payload, F.payload_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_init(&ph, F.alg), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_update(&ph, F.payload, F.payload_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_ph_final(&ph, pre), POSTQ_OK);
    in.payload = NULL;
    in.payload_len = 0;
    in.payload_sha256 = digest;
    in.payload_ph = pre;
    expect_reason(run_vkey(doc, POLICY, &in, mine), NULL);
    pre[0] ^= 1;
    expect_reason(run_vkey(doc, POLICY, &in, mine), POSTQ_REASON_SIGNATURE_INVALID);
    free(bad_doc);
    free(doc);
    free(mine);
    free(other);
}

static void test_nonce_mismatch(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_input in = full_input();
    uint8_t nonce[32];

    (void)state;
    memcpy(nonce, F.nonce, 32);
    nonce[31] ^= 0x40;
    in.nonce = nonce;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_NONCE_MISMATCH);
    free(doc);
}

static int counter_fails(void *ctx, const char *module_id, uint64_t counter)
{
    (void)ctx;
    (void)module_id;
    (void)counter;
    return POSTQ_E_BUSY;
}

static void test_counter_reused(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_input in = full_input();
    struct postq_attest_report r;

    (void)state;
    in.counter_seen = counter_seen;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_COUNTER_REUSED);
    /* A failed lookup is an error, not a verdict. */
    in.counter_seen = counter_fails;
    assert_int_equal(postq_attest_verify_ex(doc, POLICY, &in, MD_NOW_MS, &r), POSTQ_E_BUSY);
    assert_int_equal(r.verdict.ok, 0);
    assert_string_equal(r.verdict.reason, "");
    free(doc);
}

/* ---- check order: two faults, the earlier one is reported ---- */

static void test_check_order(void **state)
{
    struct postq_doc_claims c = F.claims;
    struct postq_attest_input in = full_input();
    uint8_t other_payload[4] = {1, 2, 3, 4};
    char *doc, *json, *bad;

    (void)state;
    /* Bad image and stale: image first. */
    c.image_hash[0] ^= 1;
    c.timestamp_ms = 0;
    expect_claims(&c, POLICY_AGE, MD_NOW_MS, POSTQ_REASON_IMAGE_NOT_ALLOWED);
    /* Another root and bad image: signature first. */
    doc = md_doc_b64(&c, OTHER.root_seed);
    expect_reason(run(doc, POLICY_AGE, &in, MD_NOW_MS), POSTQ_REASON_DOC_SIGNATURE_INVALID);
    free(doc);
    /* Wrong vendor claim and another root: vendor first. */
    snprintf(c.vendor, sizeof(c.vendor), "other");
    doc = md_doc_b64(&c, OTHER.root_seed);
    expect_reason(run(doc, POLICY_AGE, &in, MD_NOW_MS), POSTQ_REASON_VENDOR_MISMATCH);
    free(doc);
    /* alg none and wrong vendor: vendor first. */
    c = F.claims;
    snprintf(c.vendor, sizeof(c.vendor), "other");
    json = md_claims_json(&c);
    expect_jws("{\"alg\":\"none\",\"typ\":\"postq-attestation+jws\"}", json,
               POSTQ_REASON_VENDOR_MISMATCH);
    /* Malformed claims and alg none: malformed first. */
    bad = with_claim(json, "counter", "-1");
    expect_jws("{\"alg\":\"none\",\"typ\":\"postq-attestation+jws\"}", bad,
               POSTQ_REASON_DOC_MALFORMED);
    free(bad);
    free(json);
    /* Stale and from the future cannot both hold; stale and payload: stale first. */
    c = F.claims;
    c.timestamp_ms = MD_NOW_MS - 301000;
    doc = md_doc_b64(&c, F.root_seed);
    in.payload = other_payload;
    in.payload_len = sizeof(other_payload);
    expect_reason(run(doc, POLICY_AGE, &in, MD_NOW_MS), POSTQ_REASON_DOC_STALE);
    free(doc);
    /* Payload, signature, key and nonce all wrong: payload first, then each in turn. */
    doc = md_doc_b64(&F.claims, F.root_seed);
    in.sig = OTHER.sig;
    in.public_key = OTHER.pk;
    in.nonce = OTHER.payload; /* any 32+ bytes that are not the nonce */
    in.counter_seen = counter_seen;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    in.payload = F.payload;
    in.payload_len = F.payload_len;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_SIG_HASH_MISMATCH);
    in.sig = F.sig;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_KEY_MISMATCH);
    in.public_key = F.pk;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_NONCE_MISMATCH);
    in.nonce = F.nonce;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), POSTQ_REASON_COUNTER_REUSED);
    in.counter_seen = counter_unseen;
    expect_reason(run(doc, POLICY, &in, MD_NOW_MS), NULL);
    free(doc);
}

/* ---- mutations of a good document ---- */

static void test_bit_flips_every_bit(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    size_t raw_len = 0;
    uint8_t *raw = md_unb64(doc, &raw_len);
    size_t parts[3] = {0, 0, 0}, part = 0;

    (void)state;
    for (size_t i = 0; i < raw_len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            char *flipped;
            const struct postq_attest_report *r;
            raw[i] ^= (uint8_t)(1u << bit);
            flipped = md_b64(raw, raw_len);
            r = run(flipped, POLICY, NULL, MD_NOW_MS);
            if (r->verdict.ok) {
                fail_msg("bit %u of byte %zu flipped: still passes", bit, i);
            }
            raw[i] ^= (uint8_t)(1u << bit);
            free(flipped);
        }
        if (raw[i] == '.') {
            part++;
        } else {
            parts[part]++;
        }
    }
    /* Each of the three parts was hit. */
    assert_true(parts[0] > 0 && parts[1] > 0 && parts[2] > 0);
    free(raw);
    free(doc);
}

static void test_truncated_at_every_length(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    size_t raw_len = 0;
    uint8_t *raw = md_unb64(doc, &raw_len);

    (void)state;
    for (size_t n = 0; n < raw_len; n++) {
        char *cut = md_b64(raw, n);
        const struct postq_attest_report *r = run(cut, POLICY, NULL, MD_NOW_MS);
        if (r->verdict.ok) {
            fail_msg("truncated to %zu bytes: still passes", n);
        }
        free(cut);
    }
    /* The docB64 text itself, cut anywhere. */
    for (size_t n = 0; n < strlen(doc); n++) {
        char *cut = strndup(doc, n);
        assert_int_equal(run(cut, POLICY, NULL, MD_NOW_MS)->verdict.ok, 0);
        free(cut);
    }
    free(raw);
    free(doc);
}

static void test_trailing_bytes(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    size_t raw_len = 0;
    uint8_t *raw = md_unb64(doc, &raw_len);
    uint8_t *longer = malloc(raw_len + 1);
    char *b64;

    (void)state;
    memcpy(longer, raw, raw_len);
    longer[raw_len] = '\n';
    b64 = md_b64(longer, raw_len + 1);
    expect_reason(run(b64, POLICY, NULL, MD_NOW_MS), POSTQ_REASON_DOC_MALFORMED);
    free(b64);
    longer[raw_len] = 'A'; /* one more base64url character in the signature part */
    b64 = md_b64(longer, raw_len + 1);
    expect_reason(run(b64, POLICY, NULL, MD_NOW_MS), POSTQ_REASON_DOC_MALFORMED);
    free(b64);
    free(longer);
    free(raw);
    free(doc);
}

static void test_oversized(void **state)
{
    size_t n = POSTQ_ATTEST_DOC_B64_MAX + 4;
    char *big = malloc(n + 1);
    struct postq_doc_claims c = F.claims;
    char *json, *bad, *pad;

    (void)state;
    memset(big, 'A', n);
    big[n] = '\0';
    expect_reason(run(big, POLICY, NULL, MD_NOW_MS), POSTQ_REASON_DOC_MALFORMED);
    free(big);
    /* A genuinely signed document whose claims are over the payload cap (an ignored member
     * padded to 9 KiB). */
    json = md_claims_json(&c);
    pad = malloc(9 * 1024 + 1);
    memset(pad, 'x', 9 * 1024);
    pad[9 * 1024] = '\0';
    bad = malloc(strlen(json) + strlen(pad) + 32);
    sprintf(bad, "%.*s,\"pad\":\"%s\"}", (int)(strlen(json) - 1), json, pad);
    expect_jws(MD_HEADER, bad, POSTQ_REASON_DOC_MALFORMED);
    free(bad);
    /* A header over 1 KiB. */
    bad = malloc(strlen(pad) + 128);
    sprintf(bad, "{\"alg\":\"Ed25519\",\"typ\":\"postq-attestation+jws\",\"x\":\"%.1100s\"}", pad);
    expect_jws(bad, json, POSTQ_REASON_DOC_MALFORMED);
    free(bad);
    /* Claim strings over their caps. */
    memset(c.module_id, 'm', sizeof(c.module_id) - 1);
    free(json);
    json = md_claims_json(&F.claims);
    bad = with_claim(json, "moduleId",
                     "\"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
                     "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\"");
    expect_jws(MD_HEADER, bad, POSTQ_REASON_DOC_MALFORMED);
    free(bad);
    free(pad);
    free(json);
}

/* ---- usage errors: not verdicts ---- */

static void test_api_misuse(void **state)
{
    char *doc = md_doc_b64(&F.claims, F.root_seed);
    struct postq_attest_report r;
    struct postq_attest_input in;
    postq_verdict v;
    char *bad_policy;

    (void)state;
    assert_int_equal(postq_attest_verify(doc, "mock", POLICY, NULL, 0, NULL, 0, MD_NOW_MS, NULL),
                     POSTQ_E_ARG);
    assert_int_equal(postq_attest_verify_ex(doc, POLICY, NULL, MD_NOW_MS, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_attest_verify(NULL, "mock", POLICY, NULL, 0, NULL, 0, MD_NOW_MS, &v),
                     POSTQ_E_ARG);
    assert_int_equal(v.ok, 0);
    assert_string_equal(v.reason, "");
    assert_int_equal(postq_attest_verify(doc, "mock", NULL, NULL, 0, NULL, 0, MD_NOW_MS, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_attest_verify(doc, "mock", POLICY, NULL, 5, NULL, 0, MD_NOW_MS, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_attest_verify(doc, "mock", POLICY, NULL, 0, NULL, 5, MD_NOW_MS, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_attest_verify(doc, "mock", POLICY, NULL, 0, NULL, 0, -1, &v),
                     POSTQ_E_ARG);
    memset(&in, 0, sizeof(in));
    in.public_key_len = 3;
    assert_int_equal(postq_attest_verify_ex(doc, POLICY, &in, MD_NOW_MS, &r), POSTQ_E_ARG);
    /* An invalid policy: an error naming the field, no reason code. */
    bad_policy = strdup("{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\""
                        "1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f\"],"
                        "\"rootPublicKeyB64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}");
    assert_int_equal(postq_attest_verify(doc, "mock", bad_policy, NULL, 0, NULL, 0, MD_NOW_MS, &v),
                     POSTQ_E_MALFORMED);
    assert_int_equal(v.ok, 0);
    assert_string_equal(v.reason, "");
    assert_string_equal(v.detail, "policy: matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key");
    assert_int_equal(postq_attest_verify(doc, "mock", "{", NULL, 0, NULL, 0, MD_NOW_MS, &v),
                     POSTQ_E_MALFORMED);
    assert_non_null(strstr(v.detail, "policy: "));
    free(bad_policy);
    free(doc);
}

/* ---- composite roots and root rotation ---- */

/* docB64 of F's claims signed by the root of kind alg from seed. free() it. */
static char *root_doc(int alg, const uint8_t seed[32])
{
    struct postq_buf b;
    char *out;
    postq_buf_init(&b, POSTQ_ATTEST_DOC_B64_MAX + 1);
    assert_int_equal(postq_doc_encode_mock_root_b64(&b, &F.claims, "root-x", alg, seed), POSTQ_OK);
    out = strdup((const char *)b.p);
    assert_non_null(out);
    postq_buf_free(&b);
    return out;
}

/* A policy pinning the roots (base64, comma-separated JSON strings) as rootPublicKeysB64. */
static char *roots_policy(const char *roots_json)
{
    char img[65], *out;
    size_t cap = strlen(roots_json) + 512;
    assert_int_equal(postq_hex_encode(img, sizeof(img), md_image, 32), POSTQ_OK);
    out = malloc(cap);
    assert_non_null(out);
    snprintf(out, cap,
             "{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"%s\"],"
             "\"rootPublicKeysB64\":[%s]},\"enforce\":true}",
             img, roots_json);
    return out;
}

static char *root_b64(int alg, const uint8_t seed[32])
{
    uint8_t pk[POSTQ_ROOT_PK_MAX];
    size_t n = 0;
    char *b64 = malloc(2700);
    assert_non_null(b64);
    assert_int_equal(postq_root_public_key(alg, seed, pk, sizeof(pk), &n), POSTQ_OK);
    assert_int_equal(n, alg == POSTQ_ROOT_ED25519 ? 32 : 1984);
    assert_int_equal(postq_base64_encode(b64, 2700, NULL, pk, n, POSTQ_B64_STD), POSTQ_OK);
    return b64;
}

static void test_composite_root(void **state)
{
    (void)state;
    struct postq_attest_input in = full_input();
    char *comp = root_b64(POSTQ_ROOT_COMPOSITE, F.root_seed);
    char *ed = root_b64(POSTQ_ROOT_ED25519, F.root_seed);
    char *comp2 = root_b64(POSTQ_ROOT_COMPOSITE, OTHER.root_seed);
    char *doc = root_doc(POSTQ_ROOT_COMPOSITE, F.root_seed);
    char *ed_doc = root_doc(POSTQ_ROOT_ED25519, F.root_seed);
    char list[6000];
    char *pol;
    const struct postq_attest_report *r;
    uint8_t *raw;
    size_t raw_len;

    /* The header names the composite; under the pinned composite root every check passes. */
    raw = md_unb64(doc, &raw_len);
    {
        char hdr[200];
        size_t dot = strcspn((const char *)raw, ".");
        uint8_t dec[200];
        size_t got = 0;
        assert_int_equal(postq_base64_decode(dec, sizeof(dec), &got, (const char *)raw, dot,
                                             POSTQ_B64_URL),
                         POSTQ_OK);
        snprintf(hdr, sizeof(hdr), "%.*s", (int)got, (const char *)dec);
        assert_non_null(strstr(hdr, "\"alg\":\"ML-DSA-65-Ed25519\""));
    }
    snprintf(list, sizeof(list), "\"%s\"", comp);
    pol = roots_policy(list);
    r = run(doc, pol, &in, MD_NOW_MS);
    expect_reason(r, NULL);

    /* The pinned key decides: an Ed25519 document (same seed) under only a composite root is
     * refused before its signature is looked at, and the other way round. */
    r = run(ed_doc, pol, &in, MD_NOW_MS);
    expect_reason(r, "doc_alg_unsupported");
    assert_string_equal(r->verdict.detail, "header alg \"Ed25519\": the policy pins no root for it");
    free(pol);
    snprintf(list, sizeof(list), "\"%s\"", ed);
    pol = roots_policy(list);
    r = run(doc, pol, &in, MD_NOW_MS);
    expect_reason(r, "doc_alg_unsupported");
    assert_string_equal(r->verdict.detail,
                        "header alg \"ML-DSA-65-Ed25519\": the policy pins no root for it");
    expect_reason(run(ed_doc, pol, &in, MD_NOW_MS), NULL);
    free(pol);

    /* Under another composite root: the signature does not verify. */
    snprintf(list, sizeof(list), "\"%s\"", comp2);
    pol = roots_policy(list);
    r = run(doc, pol, &in, MD_NOW_MS);
    expect_reason(r, "doc_signature_invalid");
    assert_string_equal(r->verdict.detail,
                        "ML-DSA-65-Ed25519 signature does not verify under the pinned root key");
    free(pol);

    /* Root rotation: a policy pinning the old Ed25519 root and both composite roots accepts
     * documents of each. */
    snprintf(list, sizeof(list), "\"%s\",\"%s\",\"%s\"", ed, comp2, comp);
    pol = roots_policy(list);
    expect_reason(run(doc, pol, &in, MD_NOW_MS), NULL);
    expect_reason(run(ed_doc, pol, &in, MD_NOW_MS), NULL);

    /* A flipped byte in either half of the composite signature, or in the signed header. */
    {
        size_t sig_at = (size_t)(strrchr((const char *)raw, '.') - (const char *)raw) + 1;
        size_t positions[] = {sig_at + 10, raw_len - 20, 5};
        for (size_t k = 0; k < 3; k++) {
            uint8_t *bad = malloc(raw_len + 1);
            char *b64;
            assert_non_null(bad);
            memcpy(bad, raw, raw_len);
            bad[positions[k]] = bad[positions[k]] == 'A' ? 'B' : 'A';
            b64 = md_b64(bad, raw_len);
            r = run(b64, pol, &in, MD_NOW_MS);
            if (r->verdict.ok) {
                fail_msg("byte %zu changed: still verifies", positions[k]);
            }
            assert_true(strcmp(r->verdict.reason, "doc_signature_invalid") == 0 ||
                        strcmp(r->verdict.reason, "doc_malformed") == 0);
            free(b64);
            free(bad);
        }
    }
    free(pol);
    free(raw);

    /* A composite root with an all-zero Ed25519 half is not a pin. */
    {
        uint8_t pk[POSTQ_ROOT_PK_MAX];
        size_t n = 0;
        char b64[2700], detail[256];
        struct postq_attest_policy p;
        assert_int_equal(postq_root_public_key(POSTQ_ROOT_COMPOSITE, F.root_seed, pk, sizeof(pk), &n),
                         POSTQ_OK);
        memset(pk + 1952, 0, 32);
        assert_int_equal(postq_base64_encode(b64, sizeof(b64), NULL, pk, n, POSTQ_B64_STD),
                         POSTQ_OK);
        snprintf(list, sizeof(list), "\"%s\"", b64);
        pol = roots_policy(list);
        assert_int_equal(postq_policy_parse(&p, pol, strlen(pol), detail, sizeof(detail)),
                         POSTQ_E_MALFORMED);
        assert_string_equal(detail, "matchRules.rootPublicKeysB64[0]: not a usable Ed25519 half "
                                    "(all zeros, small order or not a point)");
        free(pol);
    }
    free(comp);
    free(comp2);
    free(ed);
    free(doc);
    free(ed_doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_with_every_input),
        cmocka_unit_test(test_contract_entry_point),
        cmocka_unit_test(test_alg_eddsa_accepted),
        cmocka_unit_test(test_doc_malformed),
        cmocka_unit_test(test_duplicate_claims),
        cmocka_unit_test(test_wrong_claim_types),
        cmocka_unit_test(test_missing_claims),
        cmocka_unit_test(test_vendor_mismatch),
        cmocka_unit_test(test_doc_alg_unsupported),
        cmocka_unit_test(test_doc_signature_invalid),
        cmocka_unit_test(test_image_not_allowed),
        cmocka_unit_test(test_doc_stale_and_max_age),
        cmocka_unit_test(test_doc_from_future),
        cmocka_unit_test(test_payload_hash_mismatch),
        cmocka_unit_test(test_sig_hash_mismatch),
        cmocka_unit_test(test_key_mismatch),
        cmocka_unit_test(test_signature_invalid),
        cmocka_unit_test(test_expanded_key),
        cmocka_unit_test(test_doc_digest),
        cmocka_unit_test(test_streamed_payload),
        cmocka_unit_test(test_nonce_mismatch),
        cmocka_unit_test(test_counter_reused),
        cmocka_unit_test(test_check_order),
        cmocka_unit_test(test_bit_flips_every_bit),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_api_misuse),
        cmocka_unit_test(test_composite_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
