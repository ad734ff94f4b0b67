/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor azure-confidential-vm (src/attest/vendor/azure.c, src/attest/jwt.c) against the real
 * MAA tokens of ../shared/vendors/azure-maa at fixed times inside their 8-hour lives: the
 * SEV-SNP CVM token passes under the pinned (reconstructed) JWKS; the SGX token's key is found
 * through the x5c of the original /certs JWKS; each negative (key not pinned, time outside
 * validity, launch measurement, issuer, compliance, debug, a byte changed in each part,
 * truncation) gets its reason code; the client-payload binding; the matchRules checks. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/jwt.h"
#include "common/base64.h"
#include "attesttest.h"
#include "mockdoc.h"

#define ISS "https://sharedeus2.eus2.attest.azure.net"
#define LM                                                                                         \
    "6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc769959f4aeb2f9" \
    "401e"
#define AT     INT64_C(1765828800000) /* 2025-12-15T20:00:00Z */
#define IAT    INT64_C(1765826648)
#define EXP    INT64_C(1765855448)
#define SGX_AT INT64_C(1695740400000) /* 2023-09-26T15:00:00Z */

static char *TOKEN, *SGX, *JWKS, *JWKS_SGX;

static int setup(void **state)
{
    (void)state;
    TOKEN = tl_read_shared_text("vendors/azure-maa/cvm-sevsnp-azurevm-2025-12-15.jwt");
    SGX = tl_read_shared_text("vendors/azure-maa/sgx-sharedeus-2023-09-26.jwt");
    JWKS = tl_read_shared_text("vendors/azure-maa/sharedeus2-jwks.reconstructed.json");
    JWKS_SGX = tl_read_shared_text("vendors/azure-maa/sharedeus-jwks.json");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(TOKEN);
    free(SGX);
    free(JWKS);
    free(JWKS_SGX);
    return 0;
}

static char *policy(const char *jwks, const char *iss, const char *lm, const char *extra)
{
    size_t n = strlen(jwks) + 4096;
    char *p = malloc(n);
    snprintf(p, n,
             "{\"vendor\":\"azure-confidential-vm\",\"matchRules\":{\"jwks\":%s,\"issuers\":"
             "[\"%s\"],\"launchMeasurements\":[\"%s\"]%s%s}}",
             jwks, iss, lm, extra != NULL ? "," : "", extra != NULL ? extra : "");
    return p;
}

static void test_cvm_token_passes(void **state)
{
    char *pol = policy(JWKS, ISS, LM, NULL);
    const struct postq_attest_report *r;

    (void)state;
    r = at_run((const uint8_t *)TOKEN, strlen(TOKEN), pol, AT);
    at_expect(r, NULL);
    assert_string_equal(r->claims.vendor, "azure-confidential-vm");
    assert_string_equal(r->claims.module_id, "ABD9EA99-D837-4F68-AD3E-C87C88006AFA");
    assert_int_equal(r->claims.measurement_len, 48);
    assert_int_equal(r->claims.measurement[0], 0x6a);
    assert_true(r->claims.timestamp_ms == IAT * 1000);
    assert_int_equal(r->claims.debug, 0);
    at_expect_doc(TOKEN, pol, IAT * 1000, NULL);
    at_expect_doc(TOKEN, pol, (EXP - 1) * 1000, NULL);
    free(pol);
    pol = policy(JWKS, ISS, LM, "\"requireCompliant\":true,\"allowDebug\":false");
    at_expect_doc(TOKEN, pol, AT, NULL);
    {
        postq_verdict v;
        char *b64 = md_b64((const uint8_t *)TOKEN, strlen(TOKEN));
        assert_int_equal(
            postq_attest_verify(b64, "azure-confidential-vm", pol, NULL, 0, NULL, 0, AT, &v),
            POSTQ_OK);
        assert_int_equal(v.ok, 1);
        free(b64);
    }
    printf("# azure cvm-sevsnp-azurevm-2025-12-15: pass\n");
    free(pol);
}

/* The SGX token: its key is the x5c of the original JWKS (the signature verifies), but it is
 * not a confidential VM: no launch measurement. */
static void test_sgx_token_x5c_jwks(void **state)
{
    char *pol = policy(JWKS_SGX, "https://sharedeus.eus.attest.azure.net", LM, NULL);
    const struct postq_attest_report *r;
    int chain = 0, sig = 0;

    (void)state;
    r = at_run((const uint8_t *)SGX, strlen(SGX), pol, SGX_AT);
    at_expect(r, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
    for (size_t i = 0; i < r->n_checks; i++) {
        chain |= strcmp(r->checks[i].name, POSTQ_REASON_CHAIN_INVALID) == 0 && r->checks[i].passed;
        sig |= strcmp(r->checks[i].name, POSTQ_REASON_DOC_SIGNATURE_INVALID) == 0 &&
               r->checks[i].passed;
    }
    assert_true(chain && sig);
    /* the CVM token's kid is not in that JWKS */
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_CHAIN_INVALID);
    free(pol);
    /* and the SGX token's kid is not in the CVM one's */
    pol = policy(JWKS, ISS, LM, NULL);
    at_expect_doc(SGX, pol, SGX_AT, POSTQ_REASON_CHAIN_INVALID);
    free(pol);
}

static void test_negatives(void **state)
{
    char *pol;

    (void)state;
    pol = policy(JWKS, ISS,
                 "6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc769"
                 "959f4aeb2f9401f",
                 NULL);
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
    free(pol);
    pol = policy(JWKS, "https://sharedeus.eus.attest.azure.net", LM, NULL);
    at_expect_doc(TOKEN, pol, AT, POSTQ_REASON_CLAIMS_INVALID);
    free(pol);
    pol = policy(JWKS, ISS, LM, NULL);
    at_expect_doc(TOKEN, pol, EXP * 1000, POSTQ_REASON_CLAIMS_INVALID);
    at_expect_doc(TOKEN, pol, (IAT - 120) * 1000, POSTQ_REASON_CLAIMS_INVALID);
    {
        static const char nitro[] =
            "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"" LM "\"]},"
            "\"rootCertSha256\":"
            "\"641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b\"}}";
        at_expect_doc(TOKEN, nitro, AT, POSTQ_REASON_VENDOR_MISMATCH);
    }
    free(pol);
}

static void claims_compliance(uint8_t *p, size_t *n)
{
    at_replace(p, n, "azure-compliant-cvm", "azure-compliant-cvn");
}
static void claims_debug(uint8_t *p, size_t *n)
{
    at_replace(p, n, "\"x-ms-sevsnpvm-is-debuggable\":false",
               "\"x-ms-sevsnpvm-is-debuggable\":true");
}
static void claims_binding(uint8_t *p, size_t *n)
{
    at_replace(
        p, n, "\"client-payload\":{",
        "\"client-payload\":{\"postq\":[\"pq1.n.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"],");
}
static void claims_binding_bad(uint8_t *p, size_t *n)
{
    at_replace(p, n, "\"client-payload\":{", "\"client-payload\":{\"postq\":\"pq1.c.x\",");
}
static void header_alg(uint8_t *p, size_t *n)
{
    at_replace(p, n, "RS256", "HS256");
}
static void header_kid(uint8_t *p, size_t *n)
{
    at_replace(p, n, "J0pA", "J0pB");
}
static void header_typ(uint8_t *p, size_t *n)
{
    at_replace(p, n, "\"JWT\"", "\"JOSE\"");
}
static void sig_flip(uint8_t *p, size_t *n)
{
    p[*n - 1] ^= 1;
}

static void test_changed_parts(void **state)
{
    static const struct {
        int part;
        void (*f)(uint8_t *, size_t *);
        const char *reason;
    } cases[] = {
        {1, claims_compliance, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {1, claims_debug, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {1, claims_binding, POSTQ_REASON_DOC_SIGNATURE_INVALID},
        {1, claims_binding_bad, POSTQ_REASON_DOC_MALFORMED},
        {0, header_alg, POSTQ_REASON_DOC_ALG_UNSUPPORTED},
        {0, header_kid, POSTQ_REASON_CHAIN_INVALID},
        {0, header_typ, POSTQ_REASON_DOC_ALG_UNSUPPORTED},
        {2, sig_flip, POSTQ_REASON_DOC_SIGNATURE_INVALID},
    };
    char *pol = policy(JWKS, ISS, LM, NULL);

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *tok = at_jwt_edit(TOKEN, cases[i].part, cases[i].f);
        const struct postq_attest_report *r = at_run((const uint8_t *)tok, strlen(tok), pol, AT);
        if (r->verdict.ok || strcmp(r->verdict.reason, cases[i].reason) != 0) {
            fail_msg("case %zu: want %s, got %s: %s", i, cases[i].reason,
                     r->verdict.ok ? "pass" : r->verdict.reason, r->verdict.detail);
        }
        if (cases[i].f == claims_binding) {
            assert_true((r->claims.have & POSTQ_CLAIM_NONCE) != 0);
            assert_int_equal(r->claims.nonce[31], 31);
        }
        free(tok);
    }
    free(pol);
}

static void test_truncated(void **state)
{
    char *pol = policy(JWKS, ISS, LM, NULL);
    size_t len = strlen(TOKEN), sign_in = (size_t)(strrchr(TOKEN, '.') - TOKEN);

    (void)state;
    for (size_t n = 1; n < len; n += 5) {
        const struct postq_attest_report *r = at_run((const uint8_t *)TOKEN, n, pol, AT);
        if (r->verdict.ok) {
            fail_msg("prefix of %zu bytes passes", n);
        }
        if (n <= sign_in && strcmp(r->verdict.reason, POSTQ_REASON_DOC_MALFORMED) != 0) {
            fail_msg("prefix of %zu bytes: %s", n, r->verdict.reason);
        }
    }
    free(pol);
}

static void test_rules(void **state)
{
    static const struct {
        const char *rules, *field;
    } bad[] = {
        {"{\"issuers\":[\"" ISS "\"],\"launchMeasurements\":[\"" LM "\"]}", "matchRules.jwks"},
        {"{\"jwks\":{\"keys\":[]},\"issuers\":[\"" ISS "\"],\"launchMeasurements\":[\"" LM "\"]}",
         "matchRules.jwks"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"x5c\":[\"AAAA\"]}]},"
         "\"launchMeasurements\":[\"" LM "\"]}",
         "matchRules.issuers"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"x5c\":[\"AAAA\"]}]},"
         "\"issuers\":[\"" ISS "\"]}",
         "matchRules.launchMeasurements"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"x5c\":[\"AAAA\"]}]},"
         "\"issuers\":[\"" ISS "\"],\"launchMeasurements\":[\"6A06\"]}",
         "matchRules.launchMeasurements[0]"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"x5c\":[\"AAAA\"]}]},"
         "\"issuers\":[\"" ISS "\"],\"launchMeasurements\":[\"" LM "\"],\"requireCompliant\":0}",
         "matchRules.requireCompliant"},
        {"{\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\"}]},"
         "\"issuers\":[\"" ISS "\"],\"launchMeasurements\":[\"" LM "\"]}",
         "matchRules.jwks.keys[0]"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char pol[1024];
        postq_verdict v;
        int err;
        snprintf(pol, sizeof(pol), "{\"vendor\":\"azure-confidential-vm\",\"matchRules\":%s}",
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
        cmocka_unit_test(test_cvm_token_passes), cmocka_unit_test(test_sgx_token_x5c_jwks),
        cmocka_unit_test(test_negatives),        cmocka_unit_test(test_changed_parts),
        cmocka_unit_test(test_truncated),        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
