/* SPDX-License-Identifier: Apache-2.0 */
/* src/attest/policy.c: the policy JSON of docs/formats.md. A good policy of each vendor, defaults,
 * and for every rule one breaking case whose error names the field. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/policy.h"

#define HASH1 "1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f"
#define HASH2 "0000000000000000000000000000000000000000000000000000000000000001"
/* The public key of RFC 8032 §7.1 TEST 1: a real Ed25519 key, d7 5a 98 01 ... 51 1a. */
#define KEY32 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* A mock policy with rules spliced into matchRules and top spliced at the top level. */
static char *mock_policy(const char *rules, const char *top)
{
    char *s = malloc(4096);

    assert_non_null(s);
    snprintf(s, 4096, "{\"vendor\":\"mock\",\"matchRules\":{%s}%s%s}", rules,
             top != NULL ? "," : "", top != NULL ? top : "");
    return s;
}

static postq_err parse(struct postq_attest_policy *p, const char *json, char *detail, size_t cap)
{
    return postq_policy_parse(p, json, strlen(json), detail, cap);
}

static void test_good_mock_policy(void **state)
{
    struct postq_attest_policy p;
    char detail[200];
    const char *json =
        "{\"id\":\"pol_1\",\"name\":\"release-signing-prod\",\"vendor\":\"mock\","
        "\"matchRules\":{\"allowedImageHashes\":[\"" HASH1 "\",\"" HASH2 "\"],"
        "\"rootPublicKeyB64\":\"" KEY32 "\",\"maxDocAgeSeconds\":300},\"enforce\":true,"
        "\"createdAt\":\"2025-11-24T16:00:00Z\",\"somethingNew\":{\"a\":[1,2]}}";

    (void)state;
    assert_int_equal(parse(&p, json, detail, sizeof(detail)), POSTQ_OK);
    assert_string_equal(detail, "");
    assert_int_equal(p.vendor, POSTQ_VENDOR_MOCK);
    assert_int_equal(p.enforce, 1);
    assert_int_equal(p.max_doc_age_s, 300);
    assert_string_equal(p.id, "pol_1");
    assert_int_equal(p.n_images, 2);
    assert_int_equal(p.images[0][0], 0x1e);
    assert_int_equal(p.images[1][31], 0x01);
    assert_int_equal(p.roots[0].pk[0], 0xd7);
    assert_int_equal(p.roots[0].pk[1], 0x5a);
    assert_int_equal(p.roots[0].pk[31], 0x1a);
    assert_null(p.match_rules_json);
    postq_policy_free(&p);
    postq_policy_free(&p); /* twice is fine */
    postq_policy_free(NULL);
}

static void test_defaults_and_audit(void **state)
{
    struct postq_attest_policy p;
    char *json = mock_policy("\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
                      "\"enforce\":false");

    (void)state;
    assert_int_equal(parse(&p, json, NULL, 0), POSTQ_OK);
    assert_int_equal(p.enforce, 0);
    assert_int_equal(p.max_doc_age_s, 0);
    assert_string_equal(p.id, "");
    postq_policy_free(&p);
    free(json);
    json = mock_policy("\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"", NULL);
    assert_int_equal(parse(&p, json, NULL, 0), POSTQ_OK);
    assert_int_equal(p.enforce, 1);
    postq_policy_free(&p);
    free(json);
}

static void test_hardware_vendors_accepted(void **state)
{
    /* Each vendor's matchRules are kept whole (compact JSON) for its verifier, which checks
     * them (check_rules): the rules here are valid for their vendor. */
    static const struct {
        const char *vendor;
        enum postq_vendor id;
        const char *rules;
    } hw[] = {
        {"aws-nitro-enclave", POSTQ_VENDOR_AWS_NITRO,
         "{\"pcrs\":{\"0\":[\"abababababababababababababababababababababababababababababababab"
         "abababababababababababababababab\"]},\"rootCertSha256\":\"641a0321a3e244efe456463195d6"
         "06317ed7cdcc3c1756e09893f3c68f79bb5b\",\"maxDocAgeSeconds\":60}"},
        {"azure-confidential-vm", POSTQ_VENDOR_AZURE_CVM,
         "{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"x5c\":[\"AAAA\"]}]},"
         "\"issuers\":[\"https://sharedeus2.eus2.attest.azure.net\"],\"launchMeasurements\":"
         "[\"6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc769959"
         "f4aeb2f9401e\"],\"maxDocAgeSeconds\":60}"},
        {"gcp-confidential-space", POSTQ_VENDOR_GCP_CS,
         "{\"rootCertSha256\":\"148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f8"
         "6c39\",\"imageDigests\":[\"sha256:313b8a83d3c8bfc9abcffee4f538424473e2705383a7e46f16"
         "d159faf0e5ef34\"],\"audiences\":[\"https://echo.oak.dev\"],\"maxDocAgeSeconds\":60}"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(hw) / sizeof(hw[0]); i++) {
        struct postq_attest_policy p;
        char json[1024];
        snprintf(json, sizeof(json), "{\"vendor\":\"%s\",\"matchRules\":%s}", hw[i].vendor,
                 hw[i].rules);
        assert_int_equal(parse(&p, json, NULL, 0), POSTQ_OK);
        assert_int_equal(p.vendor, hw[i].id);
        assert_int_equal(p.max_doc_age_s, 60);
        assert_non_null(p.match_rules_json);
        assert_string_equal(p.match_rules_json, hw[i].rules);
        postq_policy_free(&p);
    }
}

/* Each case: a whole policy and the exact detail expected. */
static void test_errors_name_the_field(void **state)
{
    static const struct {
        const char *rules, *top, *detail;
    } cases[] = {
        {"\"rootPublicKeyB64\":\"" KEY32 "\"", NULL, "matchRules.allowedImageHashes: missing"},
        {"\"allowedImageHashes\":\"" HASH1 "\",\"rootPublicKeyB64\":\"" KEY32 "\"", NULL,
         "matchRules.allowedImageHashes: not an array"},
        {"\"allowedImageHashes\":[],\"rootPublicKeyB64\":\"" KEY32 "\"", NULL,
         "matchRules.allowedImageHashes: empty (policies fail closed)"},
        {"\"allowedImageHashes\":[\"" HASH1 "\",\"1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A6978"
         "8796A5B4C3D2E1F00F\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
         NULL, "matchRules.allowedImageHashes[1]: not 64 lowercase hex characters"},
        {"\"allowedImageHashes\":[\"1e2d\"],\"rootPublicKeyB64\":\"" KEY32 "\"", NULL,
         "matchRules.allowedImageHashes[0]: not 64 lowercase hex characters"},
        {"\"allowedImageHashes\":[\"" HASH1 "0\"],\"rootPublicKeyB64\":\"" KEY32 "\"", NULL,
         "matchRules.allowedImageHashes[0]: not 64 lowercase hex characters"},
        {"\"allowedImageHashes\":[32],\"rootPublicKeyB64\":\"" KEY32 "\"", NULL,
         "matchRules.allowedImageHashes[0]: not 64 lowercase hex characters"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"]", NULL,
         "matchRules.rootPublicKeyB64: missing (or rootPublicKeysB64)"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeysB64\":[]", NULL,
         "matchRules.rootPublicKeysB64: not a non-empty array"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeysB64\":\"" KEY32 "\"", NULL,
         "matchRules.rootPublicKeysB64: not a non-empty array"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeysB64\":[\"" KEY32 "\",5]", NULL,
         "matchRules.rootPublicKeysB64[1]: not a string"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeysB64\":[\"" KEY32 "\",\"" KEY32
         "\"]",
         NULL, "matchRules.rootPublicKeysB64[1]: pinned twice"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32
         "\",\"rootPublicKeysB64\":[\"" KEY32 "\"]",
         NULL, "matchRules.rootPublicKeysB64[0]: pinned twice"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeysB64\":[\"AAAA\"]", NULL,
         "matchRules.rootPublicKeysB64[0]: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 "
         "key"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":[]", NULL,
         "matchRules.rootPublicKeyB64: not a string"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\"",
         NULL, "matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\"",
         NULL, "matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\"",
         NULL, "matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy\"",
         NULL, "matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"\"", NULL,
         "matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"",
         NULL, "matchRules.rootPublicKeyB64: not canonical padded base64"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=\"",
         NULL, "matchRules.rootPublicKeyB64: not canonical padded base64"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":"
         "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\"",
         NULL, "matchRules.rootPublicKeyB64: not canonical padded base64"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\" " KEY32 "\"", NULL,
         "matchRules.rootPublicKeyB64: not canonical padded base64"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32
         "\",\"maxDocAgeSeconds\":0",
         NULL, "matchRules.maxDocAgeSeconds: not an integer in 1..315360000"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32
         "\",\"maxDocAgeSeconds\":-5",
         NULL, "matchRules.maxDocAgeSeconds: not an integer in 1..315360000"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32
         "\",\"maxDocAgeSeconds\":300.0",
         NULL, "matchRules.maxDocAgeSeconds: not an integer in 1..315360000"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32
         "\",\"maxDocAgeSeconds\":\"300\"",
         NULL, "matchRules.maxDocAgeSeconds: not an integer in 1..315360000"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32
         "\",\"maxDocAgeSeconds\":315360001",
         NULL, "matchRules.maxDocAgeSeconds: not an integer in 1..315360000"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
         "\"enforce\":\"true\"", "enforce: not a boolean"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
         "\"enforce\":1", "enforce: not a boolean"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"", "\"id\":7",
         "id: not a string"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
         "\"name\":null", "name: not a string"},
        {"\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
         "\"createdAt\":1", "createdAt: not a string"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct postq_attest_policy p;
        char detail[200];
        char *json = mock_policy(cases[i].rules, cases[i].top);
        postq_err err = parse(&p, json, detail, sizeof(detail));
        if (err != POSTQ_E_MALFORMED || strcmp(detail, cases[i].detail) != 0) {
            fail_msg("case %zu: err %d, detail \"%s\", expected \"%s\"", i, err, detail,
                     cases[i].detail);
        }
        assert_null(p.match_rules_json);
        free(json);
    }
}

static void test_top_level_errors(void **state)
{
    static const struct {
        const char *json, *detail_prefix;
    } cases[] = {
        {"[]", "policy: not a JSON object"},
        {"{\"matchRules\":{}}", "vendor: missing"},
        {"{\"vendor\":1,\"matchRules\":{}}", "vendor: not a string"},
        {"{\"vendor\":\"MOCK\",\"matchRules\":{}}", "vendor: unknown vendor"},
        {"{\"vendor\":\"aws-nitro\",\"matchRules\":{}}", "vendor: unknown vendor"},
        {"{\"vendor\":\"mock\"}", "matchRules: missing"},
        {"{\"vendor\":\"mock\",\"matchRules\":[]}", "matchRules: not an object"},
        {"{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":\"x\"}", "matchRules: not an object"},
        {"", "policy: invalid JSON"},
        {"{", "policy: invalid JSON"},
        {"{\"vendor\":\"mock\",\"vendor\":\"mock\",\"matchRules\":{}}", "policy: invalid JSON"},
        {"{\"vendor\":\"mock\",\"matchRules\":{\"rootPublicKeyB64\":\"" KEY32
         "\",\"rootPublicKeyB64\":\"" KEY32 "\",\"allowedImageHashes\":[\"" HASH1 "\"]}}",
         "policy: invalid JSON"},
        {"{\"vendor\":\"mock\",\"x\":{\"a\":1,\"a\":2},\"matchRules\":{}}", "policy: invalid JSON"},
        {"{\"vendor\":\"mock\",\"matchRules\":{}} {}", "policy: invalid JSON"},
        {"{\"vendor\":\"mo\xffk\",\"matchRules\":{}}", "policy: invalid JSON"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct postq_attest_policy p;
        char detail[200];
        postq_err err = parse(&p, cases[i].json, detail, sizeof(detail));
        if (err != POSTQ_E_MALFORMED ||
            strncmp(detail, cases[i].detail_prefix, strlen(cases[i].detail_prefix)) != 0) {
            fail_msg("case %zu: err %d, detail \"%s\"", i, err, detail);
        }
    }
}

static void test_sizes(void **state)
{
    struct postq_attest_policy p;
    size_t cap = 200 * 70 + 256, n;
    char *json = malloc(cap);
    char detail[200];

    (void)state;
    /* 128 hashes are fine, 129 are not. */
    for (size_t count = 128; count <= 129; count++) {
        n = (size_t)snprintf(json, cap, "{\"vendor\":\"mock\",\"matchRules\":{"
                                        "\"rootPublicKeyB64\":\"" KEY32 "\","
                                        "\"allowedImageHashes\":[");
        for (size_t i = 0; i < count; i++) {
            n += (size_t)snprintf(json + n, cap - n, "%s\"%062zx%02x\"", i ? "," : "", i,
                                  (unsigned)(i & 0xff));
        }
        snprintf(json + n, cap - n, "]}}");
        if (count == 128) {
            assert_int_equal(parse(&p, json, detail, sizeof(detail)), POSTQ_OK);
            assert_int_equal(p.n_images, 128);
            postq_policy_free(&p);
        } else {
            assert_int_equal(parse(&p, json, detail, sizeof(detail)), POSTQ_E_MALFORMED);
            assert_string_equal(detail, "matchRules.allowedImageHashes: more than 128 entries");
        }
    }
    free(json);
    /* Over the size cap, whatever it holds. */
    json = malloc(POSTQ_POLICY_JSON_MAX + 2);
    memset(json, ' ', POSTQ_POLICY_JSON_MAX + 1);
    json[POSTQ_POLICY_JSON_MAX + 1] = '\0';
    assert_int_equal(parse(&p, json, detail, sizeof(detail)), POSTQ_E_TOO_LARGE);
    free(json);
    /* Arguments. */
    assert_int_equal(postq_policy_parse(NULL, "{}", 2, NULL, 0), POSTQ_E_ARG);
    assert_int_equal(postq_policy_parse(&p, NULL, 0, NULL, 0), POSTQ_E_ARG);
    /* A tiny detail buffer is still terminated. */
    assert_int_equal(postq_policy_parse(&p, "[]", 2, detail, 4), POSTQ_E_MALFORMED);
    assert_string_equal(detail, "pol");
}

static void test_vendor_names(void **state)
{
    (void)state;
    assert_int_equal(postq_attest_vendor_from_name("mock"), POSTQ_VENDOR_MOCK);
    assert_int_equal(postq_attest_vendor_from_name("gcp-confidential-space"), POSTQ_VENDOR_GCP_CS);
    assert_int_equal(postq_attest_vendor_from_name(NULL), POSTQ_VENDOR_NONE);
    assert_int_equal(postq_attest_vendor_from_name(""), POSTQ_VENDOR_NONE);
    assert_string_equal(postq_attest_vendor_name(POSTQ_VENDOR_AZURE_CVM), "azure-confidential-vm");
    assert_null(postq_attest_vendor_name(POSTQ_VENDOR_NONE));
    assert_null(postq_attest_vendor_name(POSTQ_VENDOR_COUNT));
}

/* A root key no enclave can have: all zeros, each of the eight small-order points (canonical
 * and with the sign bit or y >= p), and a y that is no point. Each is refused by name. */
static void test_weak_root_keys(void **state)
{
    static const char *const weak[] = {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* all zeros: y = 0, order 4 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA=", /* y = 0 with the sign bit */
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* the identity, order 1 */
        "7P///////////////////////////////////////38=", /* y = -1, order 2 */
        "7P////////////////////////////////////////8=", /* y = -1 with the sign bit */
        "JuiVj8KyJ7BFw/SJ8u+Y8NXfrAXTxjM5sTgCiG1T/AU=", /* order 8 */
        "JuiVj8KyJ7BFw/SJ8u+Y8NXfrAXTxjM5sTgCiG1T/IU=", /* order 8, other x */
        "xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA3o=", /* order 8 */
        "xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA/o=", /* order 8, other x */
        "7f///////////////////////////////////////38=", /* y = p: 0, not canonical */
        "7v///////////////////////////////////////38=", /* y = p + 1: 1, not canonical */
        "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* y = 2: no point */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        struct postq_attest_policy p;
        char detail[200], rules[256];
        char *json;
        snprintf(rules, sizeof(rules),
                 "\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"%s\"", weak[i]);
        json = mock_policy(rules, NULL);
        if (parse(&p, json, detail, sizeof(detail)) != POSTQ_E_MALFORMED ||
            strcmp(detail, "matchRules.rootPublicKeyB64: not a usable Ed25519 public key (all "
                           "zeros, small order or not a point)") != 0) {
            fail_msg("weak key %zu (%s) accepted or misreported: \"%s\"", i, weak[i], detail);
        }
        free(json);
    }
}

/* matchRules members no verifier reads are refused, for every vendor; unknown top-level
 * members are still ignored (the API may add some). */
static void test_unknown_rules_refused(void **state)
{
    static const struct {
        const char *json, *detail;
    } cases[] = {
        {"{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"" HASH1 "\"],"
         "\"rootPublicKeyB64\":\"" KEY32 "\",\"allowAnyImage\":true}}",
         "matchRules.allowAnyImage: not a rule of this vendor"},
        {"{\"vendor\":\"mock\",\"matchRules\":{\"alowedImageHashes\":[\"" HASH1 "\"],"
         "\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"}}",
         "matchRules.alowedImageHashes: not a rule of this vendor"},
        {"{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"" HASH1 HASH1
         HASH1 "\"]},\"rootCertSha256\":\"" HASH1 "\",\"skipChain\":true}}",
         "matchRules.skipChain: not a rule of this vendor"},
        {"{\"vendor\":\"azure-confidential-vm\",\"matchRules\":{\"jwks\":{\"keys\":[]},"
         "\"launchMeasurements\":[\"" HASH1 "\"],\"anyIssuer\":true}}",
         "matchRules.anyIssuer: not a rule of this vendor"},
        {"{\"vendor\":\"gcp-confidential-space\",\"matchRules\":{\"rootCertSha256\":\"" HASH1
         "\",\"imageDigests\":[\"sha256:" HASH1 "\"],\"audiences\":[\"a\"],\"x\":1}}",
         "matchRules.x: not a rule of this vendor"},
    };
    struct postq_attest_policy p;
    char detail[200];
    char *ok;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (parse(&p, cases[i].json, detail, sizeof(detail)) != POSTQ_E_MALFORMED ||
            strcmp(detail, cases[i].detail) != 0) {
            fail_msg("case %zu: detail \"%s\", expected \"%s\"", i, detail, cases[i].detail);
        }
    }
    ok = mock_policy("\"allowedImageHashes\":[\"" HASH1 "\"],\"rootPublicKeyB64\":\"" KEY32 "\"",
                     "\"policyVersion\":2,\"labels\":{\"team\":\"release\"}");
    assert_int_equal(parse(&p, ok, detail, sizeof(detail)), POSTQ_OK);
    postq_policy_free(&p);
    free(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_mock_policy),
        cmocka_unit_test(test_defaults_and_audit),
        cmocka_unit_test(test_hardware_vendors_accepted),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_top_level_errors),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_vendor_names),
        cmocka_unit_test(test_weak_root_keys),
        cmocka_unit_test(test_unknown_rules_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
