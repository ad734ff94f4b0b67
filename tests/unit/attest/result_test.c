/* SPDX-License-Identifier: Apache-2.0 */
/* src/attest/result.c (include/postq/verify.h): one-call verification of a sign result with a
 * genuinely signed fixture. Freshness judged at createdAt (a year later still verifies), the
 * real clock's doc_from_future, result_mismatch for every bound field, the check order with and
 * without a policy and a key, the payload streamed in odd pieces, reader errors, misuse; and
 * the PEM / DER public-key readers against the key's own encoding. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <postq/verify.h>

#include "common/base64.h"
#include "common/hex.h"
#include "crypto/spki.h"
#include "mockdoc.h"

#define YEAR_MS  (INT64_C(365) * 24 * 3600 * 1000)
#define CLOCK_MS (MD_NOW_MS + YEAR_MS) /* "the real clock": a year after signing */

static struct md_fixture F;
static char *POLICY; /* maxDocAgeSeconds 300 */
static char *DOC;

static int setup(void **state)
{
    (void)state;
    md_fixture_init(&F, 1);
    POLICY = md_policy(F.root_pk, md_image, "\"maxDocAgeSeconds\":300");
    DOC = md_doc_b64(&F.claims, F.root_seed);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(POLICY);
    free(DOC);
    return 0;
}

/* The fields a sign result may differ in from the fixture's. */
struct edits {
    const char *key_id, *algorithm, *created_at, *image_hex, *doc;
    long long counter; /* -2: absent */
    int payload_flip;  /* flip a bit of payloadSha256 */
};

static char *sign_result(const struct edits *e)
{
    static const struct edits none = {NULL, NULL, NULL, NULL, NULL, 42, 0};
    char payload_hex[65], image_hex[65], sig_b64[8192], created[64], counter[64];
    uint8_t psha[32];
    char *out = malloc(65536);

    if (e == NULL) {
        e = &none;
    }
    memcpy(psha, F.claims.payload_sha256, 32);
    psha[0] ^= (uint8_t)(e->payload_flip ? 1 : 0);
    assert_int_equal(postq_hex_encode(payload_hex, sizeof(payload_hex), psha, 32), POSTQ_OK);
    assert_int_equal(postq_hex_encode(image_hex, sizeof(image_hex), md_image, 32), POSTQ_OK);
    assert_int_equal(
        postq_base64_encode(sig_b64, sizeof(sig_b64), NULL, F.sig, F.sig_len, POSTQ_B64_STD),
        POSTQ_OK);
    if (e->created_at == NULL) {
        snprintf(created, sizeof(created), ",\"createdAt\":\"2025-11-24T16:00:00Z\"");
    } else if (e->created_at[0] == '\0') {
        created[0] = '\0';
    } else {
        snprintf(created, sizeof(created), ",\"createdAt\":\"%s\"", e->created_at);
    }
    if (e->counter == -2) {
        counter[0] = '\0';
    } else {
        snprintf(counter, sizeof(counter), ",\"counter\":%lld", e->counter);
    }
    assert_non_null(out);
    snprintf(out, 65536,
             "{\"id\":\"sig_1\",\"keyId\":\"%s\",\"keyVersion\":1,\"algorithm\":\"%s\","
             "\"payloadSha256\":\"%s\",\"signatureB64\":\"%s\"%s,"
             "\"attestation\":{\"vendor\":\"mock\",\"imageHash\":\"%s\"%s,\"docB64\":\"%s\","
             "\"verdict\":\"pass\"}}",
             e->key_id != NULL ? e->key_id : F.claims.key_id,
             e->algorithm != NULL ? e->algorithm : F.alg, payload_hex, sig_b64, created,
             e->image_hex != NULL ? e->image_hex : image_hex, counter,
             e->doc != NULL ? e->doc : DOC);
    return out;
}

/* The payload, handed out in pieces of `step` bytes; fail_at > 0 makes that call fail. */
struct reader {
    const uint8_t *p;
    size_t len, off, step;
    int calls, fail_at;
};

static int read_pieces(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct reader *r = ctx;
    size_t n = r->len - r->off;

    if (++r->calls == r->fail_at) {
        return POSTQ_E_IO;
    }
    if (n > r->step) {
        n = r->step;
    }
    if (n > cap) {
        n = cap;
    }
    memcpy(buf, r->p + r->off, n);
    r->off += n;
    *got = n;
    return POSTQ_OK;
}

static struct postq_verify_options opts(const char *policy, int with_key)
{
    struct postq_verify_options o;

    memset(&o, 0, sizeof(o));
    o.policy_json = policy;
    if (with_key) {
        o.public_key = F.pk;
        o.public_key_len = F.pk_len;
        o.key_alg = F.alg;
    }
    o.at_ms = POSTQ_VERIFY_AT_CREATED;
    o.clock_ms = CLOCK_MS;
    return o;
}

static const struct postq_attest_report *verify(const char *sr, const uint8_t *payload, size_t len,
                                                const struct postq_verify_options *o)
{
    static struct postq_attest_report r;
    struct reader rd = {payload, len, 0, 7, 0, 0};

    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, o, &r), POSTQ_OK);
    return &r;
}

static void expect(const struct postq_attest_report *r, const char *reason, const char *detail)
{
    if (reason == NULL) {
        if (!r->verdict.ok) {
            fail_msg("expected pass, got %s: %s", r->verdict.reason, r->verdict.detail);
        }
        return;
    }
    if (r->verdict.ok) {
        fail_msg("expected %s, got pass", reason);
    }
    assert_string_equal(r->verdict.reason, reason);
    assert_string_equal(r->checks[r->n_checks - 1].name, reason);
    if (detail != NULL && strstr(r->verdict.detail, detail) == NULL) {
        fail_msg("detail \"%s\" lacks \"%s\"", r->verdict.detail, detail);
    }
}

static void expect_edit(const struct edits *e, const char *reason, const char *detail)
{
    char *sr = sign_result(e);
    struct postq_verify_options o = opts(POLICY, 1);

    expect(verify(sr, F.payload, F.payload_len, &o), reason, detail);
    free(sr);
}

/* Every check in order, judged at createdAt though the clock is a year later. */
static void test_pass_a_year_later(void **state)
{
    static const char *const order[] = {"doc_malformed",
                                        "vendor_mismatch",
                                        "vendor_unsupported",
                                        "doc_alg_unsupported",
                                        "doc_signature_invalid",
                                        "image_not_allowed",
                                        "doc_stale",
                                        "doc_from_future",
                                        "result_mismatch",
                                        "payload_hash_mismatch",
                                        "sig_hash_mismatch",
                                        "key_mismatch",
                                        "signature_invalid"};
    char *sr = sign_result(NULL);
    struct postq_verify_options o = opts(POLICY, 1);
    const struct postq_attest_report *r;

    (void)state;
    r = verify(sr, F.payload, F.payload_len, &o);
    expect(r, NULL, NULL);
    assert_int_equal(r->at_ms, MD_NOW_MS);
    assert_int_equal(r->n_checks, sizeof(order) / sizeof(order[0]));
    for (size_t i = 0; i < r->n_checks; i++) {
        assert_string_equal(r->checks[i].name, order[i]);
        assert_int_equal(r->checks[i].passed, 1);
    }
    /* The same at the real clock (at_ms = clock): a year old under max age 300 s. */
    o.at_ms = CLOCK_MS;
    expect(verify(sr, F.payload, F.payload_len, &o), "doc_stale", "the policy allows 300 s");
    /* The boundary: 300 s after signing passes, 301 s does not. */
    o.at_ms = MD_NOW_MS + 300000;
    expect(verify(sr, F.payload, F.payload_len, &o), NULL, NULL);
    o.at_ms = MD_NOW_MS + 301000;
    expect(verify(sr, F.payload, F.payload_len, &o), "doc_stale", NULL);
    free(sr);
}

static void test_times(void **state)
{
    struct edits e = {NULL, NULL, NULL, NULL, NULL, 42, 0};

    (void)state;
    e.created_at = "2025-11-24T16:05:00Z"; /* 300 s after the document */
    expect_edit(&e, NULL, NULL);
    e.created_at = "2025-11-24T16:05:01Z";
    expect_edit(&e, "doc_stale", NULL);
    e.created_at = "2025-11-24T15:59:00Z"; /* the document 60 s after createdAt: skew */
    expect_edit(&e, NULL, NULL);
    e.created_at = "2025-11-24T15:58:59Z";
    expect_edit(&e, "doc_from_future", "after the reference time");
    e.created_at = ""; /* none: judged at the clock, a year later */
    expect_edit(&e, "doc_stale", NULL);
    {
        /* createdAt later than the clock: refused whatever at_ms says. */
        char *sr;
        struct postq_verify_options o = opts(POLICY, 1);
        char *policy = md_policy(F.root_pk, md_image, NULL);
        e.created_at = "2026-11-24T16:01:01Z"; /* clock + 61 s */
        sr = sign_result(&e);
        o.policy_json = policy;
        expect(verify(sr, F.payload, F.payload_len, &o), "doc_from_future",
               "sign result createdAt 2026-11-24T16:01:01Z");
        o.at_ms = MD_NOW_MS;
        expect(verify(sr, F.payload, F.payload_len, &o), "doc_from_future", "createdAt");
        free(sr);
        e.created_at = "2026-11-24T16:01:00Z"; /* clock + 60 s: allowed */
        sr = sign_result(&e);
        o.at_ms = POSTQ_VERIFY_AT_CREATED;
        expect(verify(sr, F.payload, F.payload_len, &o), NULL, NULL);
        free(sr);
        /* A document later than the clock, with at_ms later still. */
        {
            struct postq_doc_claims c = F.claims;
            char *doc;
            c.timestamp_ms = CLOCK_MS + 61000;
            doc = md_doc_b64(&c, F.root_seed);
            e.created_at = NULL;
            e.doc = doc;
            sr = sign_result(&e);
            o.at_ms = CLOCK_MS + 120000;
            expect(verify(sr, F.payload, F.payload_len, &o), "doc_from_future",
                   "after the clock's time");
            free(sr);
            free(doc);
            e.doc = NULL;
        }
        free(policy);
    }
}

static void test_result_mismatch(void **state)
{
    char other_image[65];
    struct edits e = {NULL, NULL, NULL, NULL, NULL, 42, 0};

    (void)state;
    e.key_id = "key_other";
    expect_edit(&e, "result_mismatch", "keyId \"key_other\"");
    e.key_id = NULL;
    e.counter = 43;
    expect_edit(&e, "result_mismatch", "attestation.counter 43, document counter 42");
    e.counter = -2; /* absent: nothing to mislead with */
    expect_edit(&e, NULL, NULL);
    e.counter = 42;
    memset(other_image, 'a', 64);
    other_image[64] = '\0';
    e.image_hex = other_image;
    expect_edit(&e, "result_mismatch", "attestation.imageHash");
    e.image_hex = NULL;
    e.payload_flip = 1;
    expect_edit(&e, "result_mismatch", "payloadSha256");
    e.payload_flip = 0;
    {
        /* The document names another algorithm than the sign result: result_mismatch, before
         * the key's own check. */
        struct postq_doc_claims c = F.claims;
        char *doc;
        snprintf(c.algorithm, sizeof(c.algorithm), "mldsa44+ed25519");
        doc = md_doc_b64(&c, F.root_seed);
        e.doc = doc;
        expect_edit(&e, "result_mismatch", "algorithm \"mldsa65+ed25519\"");
        free(doc);
        e.doc = NULL;
    }
}

static void test_without_policy_or_key(void **state)
{
    char *sr = sign_result(NULL);
    struct postq_verify_options o = opts(NULL, 1);
    const struct postq_attest_report *r;
    uint8_t tampered[100];

    (void)state;
    r = verify(sr, F.payload, F.payload_len, &o);
    expect(r, NULL, NULL);
    assert_int_equal(r->n_checks, 3);
    assert_string_equal(r->checks[0].name, "key_mismatch");
    assert_string_equal(r->checks[1].name, "payload_hash_mismatch");
    assert_string_equal(r->checks[2].name, "signature_invalid");
    memcpy(tampered, F.payload, F.payload_len);
    tampered[0] ^= 1;
    expect(verify(sr, tampered, F.payload_len, &o), "payload_hash_mismatch", NULL);
    o.key_alg = "mldsa87+ed448";
    expect(verify(sr, F.payload, F.payload_len, &o), "key_mismatch", NULL);
    {
        struct md_fixture other;
        md_fixture_init(&other, 2);
        o = opts(NULL, 1);
        o.public_key = other.pk;
        expect(verify(sr, F.payload, F.payload_len, &o), "signature_invalid", NULL);
        o.policy_json = POLICY; /* with a policy the key is compared with the document first */
        expect(verify(sr, F.payload, F.payload_len, &o), "key_mismatch", "publicKeySha256");
    }
    /* A policy and no key: the attestation alone, no signature check. */
    o = opts(POLICY, 0);
    r = verify(sr, F.payload, F.payload_len, &o);
    expect(r, NULL, NULL);
    assert_string_equal(r->checks[r->n_checks - 1].name, "sig_hash_mismatch");
    free(sr);
}

static void test_streaming_and_reader_errors(void **state)
{
    char *sr = sign_result(NULL);
    struct postq_verify_options o = opts(POLICY, 1);
    struct postq_attest_report r;

    (void)state;
    for (size_t step = 1; step <= F.payload_len + 1; step += 13) {
        struct reader rd = {F.payload, F.payload_len, 0, step, 0, 0};
        assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, &o, &r),
                         POSTQ_OK);
        assert_int_equal(r.verdict.ok, 1);
    }
    for (int at = 1; at <= 3; at++) {
        struct reader rd = {F.payload, F.payload_len, 0, 1, 0, at}; /* 1 byte a call */
        assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, &o, &r),
                         POSTQ_E_IO);
        assert_int_equal(r.verdict.ok, 0);
        assert_string_equal(r.verdict.reason, "");
    }
    free(sr);
}

static void test_file_reader(void **state)
{
    char path[] = "/tmp/postq-result-test-XXXXXX";
    int fd = mkstemp(path);
    char *sr = sign_result(NULL);
    struct postq_verify_options o = opts(POLICY, 1);
    struct postq_attest_report r;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, F.payload, F.payload_len), (ssize_t)F.payload_len);
    close(fd);
    assert_int_equal(postq_verify_sign_result_file(sr, strlen(sr), path, &o, &r), POSTQ_OK);
    assert_int_equal(r.verdict.ok, 1);
    unlink(path);
    assert_int_equal(postq_verify_sign_result_file(sr, strlen(sr), path, &o, &r), POSTQ_E_IO);
    assert_non_null(strstr(r.verdict.detail, path));
    free(sr);
}

static void test_misuse_and_bad_inputs(void **state)
{
    char *sr = sign_result(NULL);
    struct postq_verify_options o = opts(POLICY, 1);
    struct postq_attest_report r;
    struct reader rd = {F.payload, F.payload_len, 0, 64, 0, 0};
    struct edits e = {NULL, NULL, "24 Nov 2025", NULL, NULL, 42, 0};
    char *bad_created = sign_result(&e);

    (void)state;
    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, &o, NULL),
                     POSTQ_E_ARG);
    assert_int_equal(postq_verify_sign_result(NULL, 0, read_pieces, &rd, &o, &r), POSTQ_E_ARG);
    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), NULL, &rd, &o, &r), POSTQ_E_ARG);
    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, NULL, &r),
                     POSTQ_E_ARG);
    o = opts(NULL, 0);
    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, &o, &r),
                     POSTQ_E_ARG);
    o = opts(POLICY, 1);
    o.at_ms = -2;
    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, &o, &r),
                     POSTQ_E_ARG);
    o = opts(POLICY, 1);
    assert_int_equal(postq_verify_sign_result("{}", 2, read_pieces, &rd, &o, &r),
                     POSTQ_E_MALFORMED);
    assert_int_equal(strncmp(r.verdict.detail, "sign result: ", 13), 0);
    assert_int_equal(
        postq_verify_sign_result(bad_created, strlen(bad_created), read_pieces, &rd, &o, &r),
        POSTQ_E_MALFORMED);
    assert_non_null(strstr(r.verdict.detail, "createdAt"));
    o.policy_json = "{\"vendor\":\"mock\"}";
    rd.off = 0;
    assert_int_equal(postq_verify_sign_result(sr, strlen(sr), read_pieces, &rd, &o, &r),
                     POSTQ_E_MALFORMED);
    assert_int_equal(strncmp(r.verdict.detail, "policy: ", 8), 0);
    /* Every truncation of the sign result is refused without a verdict, never a crash. */
    o = opts(POLICY, 1);
    for (size_t n = 0; n < strlen(sr); n += 97) {
        rd.off = 0;
        assert_int_not_equal(postq_verify_sign_result(sr, n, read_pieces, &rd, &o, &r), POSTQ_OK);
    }
    free(bad_created);
    free(sr);
}

static void test_public_key_readers(void **state)
{
    char pem[8192];
    uint8_t der[8192], pk[POSTQ_HYBRID_PK_MAX];
    size_t pem_len = 0, der_len = 0, pk_len = 0;
    const char *alg = NULL;

    (void)state;
    assert_int_equal(postq_spki_encode_pem(pem, sizeof(pem), &pem_len, F.alg, F.pk, F.pk_len),
                     POSTQ_OK);
    assert_int_equal(postq_public_key_from_pem(pem, pem_len, &alg, pk, sizeof(pk), &pk_len),
                     POSTQ_OK);
    assert_string_equal(alg, F.alg);
    assert_int_equal(pk_len, F.pk_len);
    assert_memory_equal(pk, F.pk, pk_len);
    assert_int_equal(postq_spki_encode_der(der, sizeof(der), &der_len, F.alg, F.pk, F.pk_len),
                     POSTQ_OK);
    assert_int_equal(postq_public_key_from_der(der, der_len, &alg, pk, sizeof(pk), &pk_len),
                     POSTQ_OK);
    assert_memory_equal(pk, F.pk, pk_len);
    assert_int_equal(postq_public_key_from_der(der, der_len, &alg, pk, F.pk_len - 1, &pk_len),
                     POSTQ_E_LENGTH);
    assert_null(alg);
    for (size_t n = 0; n < der_len; n += 61) {
        assert_int_not_equal(postq_public_key_from_der(der, n, &alg, pk, sizeof(pk), &pk_len),
                             POSTQ_OK);
    }
    pem[40] ^= 1; /* inside the base64 */
    assert_int_not_equal(postq_public_key_from_pem(pem, pem_len, &alg, pk, sizeof(pk), &pk_len),
                         POSTQ_OK);
    assert_int_equal(postq_public_key_from_pem(NULL, 0, &alg, pk, sizeof(pk), &pk_len),
                     POSTQ_E_ARG);
    {
        /* The key's JSON from the API. */
        static char json[8192];
        char b64[4096];
        assert_int_equal(postq_base64_encode(b64, sizeof(b64), NULL, F.pk, F.pk_len, POSTQ_B64_STD),
                         POSTQ_OK);
        snprintf(json, sizeof(json),
                 "{\"id\":\"key_1\",\"algorithm\":\"%s\",\"publicKeyB64\":\"%s\"}", F.alg, b64);
        assert_int_equal(
            postq_public_key_from_json(json, strlen(json), &alg, pk, sizeof(pk), &pk_len),
            POSTQ_OK);
        assert_string_equal(alg, F.alg);
        assert_memory_equal(pk, F.pk, F.pk_len);
        assert_int_equal(postq_public_key_from_json(json, strlen(json), &alg, pk, 100, &pk_len),
                         POSTQ_E_LENGTH);
        snprintf(json, sizeof(json), "{\"algorithm\":\"mldsa44+ed25519\",\"publicKeyB64\":\"%s\"}",
                 b64);
        assert_int_equal(
            postq_public_key_from_json(json, strlen(json), &alg, pk, sizeof(pk), &pk_len),
            POSTQ_E_MALFORMED); /* a 65 key's size under the 44 name */
        assert_null(alg);
        snprintf(json, sizeof(json), "{\"algorithm\":\"rsa\",\"publicKeyB64\":\"%s\"}", b64);
        assert_int_equal(
            postq_public_key_from_json(json, strlen(json), &alg, pk, sizeof(pk), &pk_len),
            POSTQ_E_UNSUPPORTED);
        snprintf(json, sizeof(json),
                 "{\"algorithm\":\"%s\",\"algorithm\":\"%s\",\"publicKeyB64\":\"%s\"}", F.alg,
                 F.alg, b64);
        assert_int_equal(
            postq_public_key_from_json(json, strlen(json), &alg, pk, sizeof(pk), &pk_len),
            POSTQ_E_MALFORMED); /* duplicate member */
        assert_int_equal(postq_public_key_from_json("{", 1, &alg, pk, sizeof(pk), &pk_len),
                         POSTQ_E_MALFORMED);
    }
    assert_int_equal(postq_public_key_from_der(der, der_len, NULL, pk, sizeof(pk), &pk_len),
                     POSTQ_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_a_year_later),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_result_mismatch),
        cmocka_unit_test(test_without_policy_or_key),
        cmocka_unit_test(test_streaming_and_reader_errors),
        cmocka_unit_test(test_file_reader),
        cmocka_unit_test(test_misuse_and_bad_inputs),
        cmocka_unit_test(test_public_key_readers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
