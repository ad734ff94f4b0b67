/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor gcp-confidential-space (src/attest/vendor/gcp.c, src/attest/jwt.c) against the real
 * PKI token of ../shared/vendors/gcp-confidential-space at a fixed time inside its hour: it
 * passes under allowDebug; each negative (wrong root, time outside validity, digest or audience
 * not allowed, debug, a byte changed in each part, truncation, the OIDC form's key lookup) gets
 * its reason code; the eat_nonce binding; the matchRules checks. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/jwt.h"
#include "common/base64.h"
#include "attesttest.h"
#include "mockdoc.h"

#define ROOT "148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f86c39"
#define DIGEST "sha256:313b8a83d3c8bfc9abcffee4f538424473e2705383a7e46f16d159faf0e5ef34"
#define AUD "https://echo.oak.dev"
#define AT INT64_C(1750689000000) /* 2025-06-23T14:30:00Z: iat + 7.5 min */
#define IAT INT64_C(1750688551)
#define EXP INT64_C(1750692151)

static char *TOKEN; /* the real token, text */

static int setup(void **state)
{
    (void)state;
    TOKEN = tl_read_shared_text("vendors/gcp-confidential-space/pki-token-debug-2025-06-23.jwt");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(TOKEN);
    return 0;
}

static char *policy(const char *root, const char *digest, const char *aud, const char *extra)
{
    char *p = malloc(4096);
    snprintf(p, 4096,
             "{\"vendor\":\"gcp-confidential-space\",\"matchRules\":{%s%s%s\"imageDigests\":"
             "[\"%s\"],\"audiences\":[\"%s\"]%s%s}}",
             root != NULL ? "\"rootCertSha256\":\"" : "", root != NULL ? root : "",
             root != NULL ? "\"," : "", digest, aud, extra != NULL ? "," : "",
             extra != NULL ? extra : "");
    return p;
}

static void test_pki_token_passes(void **state)
{
    char *pol = policy(ROOT, DIGEST, AUD, "\"allowDebug\":true");
    const struct postq_attest_report *r;

    (void)state;
    r = at_run((const uint8_t *)TOKEN, strlen(TOKEN), pol, AT);
    at_expect(r, NULL);
    assert_string_equal(r->claims.vendor, "gcp-confidential-space");
    assert_string_equal(r->claims.module_id, "6256007950053693934");
    assert_int_equal(r->claims.measurement_len, 32);
    assert_int_equal(r->claims.measurement[0], 0x31);
    assert_true(r->claims.timestamp_ms == IAT * 1000);
    assert_int_equal(r->claims.debug, 1);
    /* the first and the last second of the token's life */
    at_expect_doc(TOKEN, pol, IAT * 1000, NULL);
    at_expect_doc(TOKEN, pol, (EXP - 1) * 1000, NULL);
    /* the contract entry point */
    {
        postq_verdict v;
        char *b64 = md_b64((const uint8_t *)TOKEN, strlen(TOKEN));
        assert_int_equal(postq_attest_verify(b64, "gcp-confidential-space", pol, NULL, 0, NULL, 0,
                                             AT, &v),
                         POSTQ_OK);
        assert_int_equal(v.ok, 1);
        free(b64);
    }
    printf("# gcp pki-token-debug-2025-06-23: pass (allowDebug)\n");
    free(pol);
}

static void test_negatives(void **state)
{
    char *pol;

    (void)state;
    pol = policy(ROOT, DIGEST, AUD, NULL);
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_DEBUG_NOT_ALLOWED);
    free(pol);
    pol = policy(ROOT, DIGEST, AUD, "\"allowDebug\":false");
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_DEBUG_NOT_ALLOWED);
    free(pol);
    pol = policy(ROOT, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                 AUD, "\"allowDebug\":true");
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
    free(pol);
    pol = policy(ROOT, DIGEST, "https://sts.googleapis.com", "\"allowDebug\":true");
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_CLAIMS_INVALID);
    free(pol);
    /* the Nitro root pinned */
    pol = policy("641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b", DIGEST, AUD,
                 "\"allowDebug\":true");
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_CHAIN_INVALID);
    free(pol);
    /* time: expired token, not yet valid, leaf certificate expired (2025-08-18), before the
     * leaf existed */
    pol = policy(ROOT, DIGEST, AUD, "\"allowDebug\":true");
    at_expect_doc(TOKEN, pol, EXP * 1000, POSTQ_REASON_CLAIMS_INVALID);
    at_expect_doc(TOKEN, pol, (IAT - 120) * 1000, POSTQ_REASON_CLAIMS_INVALID);
    at_expect_doc(TOKEN, pol, INT64_C(1755500000000), POSTQ_REASON_CHAIN_INVALID);
    at_expect_doc(TOKEN, pol, INT64_C(1750000000000), POSTQ_REASON_CHAIN_INVALID);
    /* under another vendor's policy: vendor_mismatch */
    {
        static const char nitro[] =
            "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"" ROOT "\"]},"
            "\"rootCertSha256\":\"" ROOT "\"}}";
        at_expect_doc(TOKEN, nitro, AT, POSTQ_REASON_VENDOR_MISMATCH);
    }
    free(pol);
}

static void claims_aud(uint8_t *p, size_t *n) { at_replace(p, n, "echo.oak", "echo.oak."); }
static void claims_digest(uint8_t *p, size_t *n) { at_replace(p, n, "313b8a83", "313b8a84"); }
static void header_alg(uint8_t *p, size_t *n) { at_replace(p, n, "RS256", "RS384"); }
static void header_kid(uint8_t *p, size_t *n) { at_replace(p, n, "2Ssf", "2Ssg"); }
static void header_crit(uint8_t *p, size_t *n) { at_replace(p, n, "{", "{\"crit\":[\"x\"],"); }
static void header_dup(uint8_t *p, size_t *n) { at_replace(p, n, "{", "{\"alg\":\"RS256\","); }
static void header_leaf(uint8_t *p, size_t *n) { at_replace(p, n, "\"MIIF", "\"MIIG"); }
static void sig_flip(uint8_t *p, size_t *n) { p[*n / 2] ^= 1; }
static void sig_short(uint8_t *p, size_t *n) { (void)p; *n -= 1; }

/* Drop x5c: the OIDC form (kid only), with the same signature. */
static void header_no_x5c(uint8_t *p, size_t *n)
{
    json_t *h = json_loadb((const char *)p, *n, 0, NULL);
    char *s;

    assert_non_null(h);
    json_object_del(h, "x5c");
    s = json_dumps(h, JSON_COMPACT);
    *n = strlen(s);
    memcpy(p, s, *n);
    free(s);
    json_decref(h);
}

static void test_changed_parts(void **state)
{
    static const struct {
        int part;
        void (*f)(uint8_t *, size_t *);
        const char *reason;
    } cases[] = {
        {1, claims_aud, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {1, claims_digest, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {0, header_alg, POSTQ_REASON_DOC_ALG_UNSUPPORTED},
        {0, header_kid, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {0, header_crit, POSTQ_REASON_DOC_ALG_UNSUPPORTED},
        {0, header_dup, POSTQ_REASON_DOC_MALFORMED},
        {0, header_leaf, POSTQ_REASON_CHAIN_INVALID},
        {2, sig_flip, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {2, sig_short, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {0, header_no_x5c, POSTQ_REASON_CHAIN_INVALID}, /* OIDC form, no jwks pinned */
    };
    char *pol = policy(ROOT, DIGEST, AUD, "\"allowDebug\":true");

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *tok = at_jwt_edit(TOKEN, cases[i].part, cases[i].f);
        const struct postq_attest_report *r = at_run((const uint8_t *)tok, strlen(tok), pol, AT);
        if (r->verdict.ok || strcmp(r->verdict.reason, cases[i].reason) != 0) {
            fail_msg("case %zu: want %s, got %s: %s", i, cases[i].reason,
                     r->verdict.ok ? "pass" : r->verdict.reason, r->verdict.detail);
        }
        free(tok);
    }
    free(pol);
}

/* The OIDC form: the key is looked up by kid in the pinned jwks. With the leaf's certificate
 * pinned as that kid's x5c the key is found and the chain step passes; the header without
 * x5c is not what Google signed, so the signature then fails. */
static void test_oidc_jwks(void **state)
{
    char *tok = at_jwt_edit(TOKEN, 0, header_no_x5c), *pol = malloc(16384), *hdr, *leaf;
    json_t *h;
    const char *kid = "2Ssf_M3oeNfWhYguTpKEs1lrMZNOWP6muiYLENXtC4k";

    (void)state;
    /* the leaf certificate, from the real header */
    hdr = strdup(TOKEN);
    *strchr(hdr, '.') = '\0';
    {
        uint8_t buf[16384];
        size_t n = 0;
        assert_int_equal(postq_base64_decode(buf, sizeof(buf), &n, hdr, strlen(hdr),
                                             POSTQ_B64_URL),
                         POSTQ_OK);
        h = json_loadb((const char *)buf, n, 0, NULL);
    }
    leaf = strdup(json_string_value(json_array_get(json_object_get(h, "x5c"), 0)));
    snprintf(pol, 16384,
             "{\"vendor\":\"gcp-confidential-space\",\"matchRules\":{\"jwks\":{\"keys\":[{\"kty\":"
             "\"RSA\",\"kid\":\"%s\",\"x5c\":[\"%s\"]}]},\"imageDigests\":[\"" DIGEST "\"],"
             "\"audiences\":[\"" AUD "\"],\"allowDebug\":true}}",
             kid, leaf);
    at_expect_doc(tok, pol, AT, POSTQ_REASON_DOC_SIGNATURE_INVALID);
    /* the PKI token under a jwks-only policy: no root pinned */
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_CHAIN_INVALID);
    /* another kid */
    snprintf(pol, 16384,
             "{\"vendor\":\"gcp-confidential-space\",\"matchRules\":{\"jwks\":{\"keys\":[{\"kty\":"
             "\"RSA\",\"kid\":\"other\",\"x5c\":[\"%s\"]}]},\"imageDigests\":[\"" DIGEST "\"],"
             "\"audiences\":[\"" AUD "\"],\"allowDebug\":true}}",
             leaf);
    at_expect_doc(tok, pol, AT, POSTQ_REASON_CHAIN_INVALID);
    /* the pinned certificate outside its window at now (the leaf expired 2025-08-18) */
    snprintf(pol, 16384,
             "{\"vendor\":\"gcp-confidential-space\",\"matchRules\":{\"jwks\":{\"keys\":[{\"kty\":"
             "\"RSA\",\"kid\":\"%s\",\"x5c\":[\"%s\"]}]},\"imageDigests\":[\"" DIGEST "\"],"
             "\"audiences\":[\"" AUD "\"],\"allowDebug\":true}}",
             kid, leaf);
    at_expect_doc(tok, pol, INT64_C(1755600000000), POSTQ_REASON_CHAIN_INVALID);
    json_decref(h);
    free(leaf);
    free(hdr);
    free(pol);
    free(tok);
}

static void test_truncated(void **state)
{
    char *pol = policy(ROOT, DIGEST, AUD, "\"allowDebug\":true");
    size_t len = strlen(TOKEN), sign_in = (size_t)(strrchr(TOKEN, '.') - TOKEN);

    (void)state;
    for (size_t n = 1; n < len; n += 7) {
        const struct postq_attest_report *r = at_run((const uint8_t *)TOKEN, n, pol, AT);
        if (r->verdict.ok) {
            fail_msg("prefix of %zu bytes passes", n);
        }
        if (n <= sign_in && strcmp(r->verdict.reason, POSTQ_REASON_DOC_MALFORMED) != 0) {
            fail_msg("prefix of %zu bytes: %s", n, r->verdict.reason);
        }
    }
    {
        char *more = malloc(len + 2);
        memcpy(more, TOKEN, len);
        memcpy(more + len, ".", 2);
        at_expect_doc(more, pol, AT, POSTQ_REASON_DOC_MALFORMED);
        free(more);
    }
    free(pol);
}

static void test_binding(void **state)
{
    static const struct {
        const char *json;
        postq_err err;
        unsigned have;
    } cases[] = {
        {"\"a nonce between 10 and 74 characters\"", POSTQ_OK, 0},
        {"[\"pq1.n.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"]", POSTQ_OK, POSTQ_CLAIM_NONCE},
        {"[\"pq1.n.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
         "\"pq1.p.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
         "\"pq1.s.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
         "\"pq1.k.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"pq1.a.mldsa65+ed25519\","
         "\"pq1.c.42\",\"other\"]",
         POSTQ_OK,
         POSTQ_CLAIM_NONCE | POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_SIG_SHA256 |
             POSTQ_CLAIM_KEY | POSTQ_CLAIM_COUNTER},
        {"[\"pq1.n.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
         "\"pq1.n.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"]",
         POSTQ_E_MALFORMED, 0},
        {"\"pq1.n.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\"", POSTQ_E_MALFORMED, 0},
        {"\"pq1.x.AAAA\"", POSTQ_E_MALFORMED, 0},
        {"\"pq1.c.01\"", POSTQ_E_MALFORMED, 0},
        {"\"pq1.c.4a\"", POSTQ_E_MALFORMED, 0},
        {"\"pq1.a.mldsa65+ed25519\"", POSTQ_E_MALFORMED, 0}, /* a without k */
        /* Shorter than "pq1.X." is not a binding entry: ignored, never read past its end. */
        {"[\"\", \"p\", \"pq1\", \"pq1.\", \"pq1.n\"]", POSTQ_OK, 0},
        {"[\"pq1.n.\"]", POSTQ_E_MALFORMED, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct postq_attest_claims c;
        json_t *j = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        char detail[128];
        memset(&c, 0, sizeof(c));
        assert_non_null(j);
        assert_int_equal(postq_jwt_binding(j, &c, detail, sizeof(detail)), cases[i].err);
        if (cases[i].err == POSTQ_OK) {
            assert_int_equal(c.have, cases[i].have);
        }
        if (cases[i].have & POSTQ_CLAIM_COUNTER) {
            assert_int_equal(c.counter, 42);
            assert_string_equal(c.algorithm, "mldsa65+ed25519");
            assert_int_equal(c.payload_sha256[31], 31);
        }
        json_decref(j);
    }
}

static void test_rules(void **state)
{
    static const struct {
        const char *rules, *field;
    } bad[] = {
        {"{\"imageDigests\":[\"" DIGEST "\"],\"audiences\":[\"a\"]}", "matchRules.rootCertSha256"},
        {"{\"rootCertSha256\":\"148B\",\"imageDigests\":[\"" DIGEST "\"],\"audiences\":[\"a\"]}",
         "matchRules.rootCertSha256"},
        {"{\"rootCertSha256\":\"" ROOT "\",\"audiences\":[\"a\"]}", "matchRules.imageDigests"},
        {"{\"rootCertSha256\":\"" ROOT "\",\"imageDigests\":[],\"audiences\":[\"a\"]}",
         "matchRules.imageDigests"},
        {"{\"rootCertSha256\":\"" ROOT "\",\"imageDigests\":[\"sha256:00\"],\"audiences\":[\"a\"]}",
         "matchRules.imageDigests[0]"},
        {"{\"rootCertSha256\":\"" ROOT "\",\"imageDigests\":[\"" DIGEST "\"]}",
         "matchRules.audiences"},
        {"{\"rootCertSha256\":\"" ROOT "\",\"imageDigests\":[\"" DIGEST "\"],\"audiences\":[\"\"]}",
         "matchRules.audiences[0]"},
        {"{\"rootCertSha256\":\"" ROOT "\",\"imageDigests\":[\"" DIGEST "\"],\"audiences\":[\"a\"],"
         "\"allowDebug\":\"yes\"}",
         "matchRules.allowDebug"},
        {"{\"jwks\":{\"keys\":[]},\"imageDigests\":[\"" DIGEST "\"],\"audiences\":[\"a\"]}",
         "matchRules.jwks"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"kid\":\"k\"}]},\"imageDigests\":[\"" DIGEST
         "\"],\"audiences\":[\"a\"]}",
         "matchRules.jwks.keys[0]"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]},"
         "\"imageDigests\":[\"" DIGEST "\"],\"audiences\":[\"a\"]}",
         "matchRules.jwks.keys[0]"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char pol[1024];
        postq_verdict v;
        int err;
        snprintf(pol, sizeof(pol), "{\"vendor\":\"gcp-confidential-space\",\"matchRules\":%s}",
                 bad[i].rules);
        err = postq_attest_verify("AAAA", NULL, pol, NULL, 0, NULL, 0, AT, &v);
        if (err != POSTQ_E_MALFORMED || strstr(v.detail, bad[i].field) == NULL) {
            fail_msg("%s: got %d \"%s\", want %s", bad[i].rules, err, v.detail, bad[i].field);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pki_token_passes), cmocka_unit_test(test_negatives),
        cmocka_unit_test(test_changed_parts),    cmocka_unit_test(test_oidc_jwks),
        cmocka_unit_test(test_truncated),        cmocka_unit_test(test_binding),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
