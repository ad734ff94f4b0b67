/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor "azure-confidential-vm": the Microsoft Azure Attestation (MAA) token of a confidential
 * VM (AMD SEV-SNP), a JWT (RS256) signed by the MAA instance's key (Microsoft, "Azure
 * Attestation token claims", "Guest attestation for confidential VMs"). The key is looked up by
 * kid in the JWKS pinned in the policy: the token's jku is never fetched.
 *
 * | claim                                                   | use                            |
 * |---------------------------------------------------------|--------------------------------|
 * | iss                                                     | one of matchRules.issuers      |
 * | iat, nbf, exp                                           | nbf - 60 s <= now < exp        |
 * | x-ms-attestation-type                                   | present (the MAA format)       |
 * | x-ms-isolation-tee.x-ms-attestation-type                | "sevsnpvm"                     |
 * | x-ms-isolation-tee.x-ms-sevsnpvm-launchmeasurement      | 96 hex; in launchMeasurements  |
 * | x-ms-isolation-tee.x-ms-compliance-status               | "azure-compliant-cvm" unless   |
 * |                                                         | requireCompliant is false      |
 * | x-ms-isolation-tee.x-ms-sevsnpvm-is-debuggable          | true: debug (allowDebug)       |
 * | x-ms-azurevm-vmid                                       | moduleId                       |
 * | x-ms-runtime.client-payload.postq                       | the PostQ binding (jwt.h)      |
 *
 * matchRules [docs/formats.md]: jwks, issuers, launchMeasurements (non-empty), requireCompliant
 * (default true), allowDebug (default false; an extension of docs/formats.md's policy). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "attest/jwt.h"
#include "attest/util.h"
#include "attest/verifier.h"
#include "common/mem.h"

#define AZ_LIST_MAX 128
#define AZ_SKEW_S 60
#define AZ_TEE "x-ms-isolation-tee"

struct azure_state {
    const uint8_t *raw; /* borrowed */
    struct postq_jwt jwt;
    int64_t iat, nbf, exp;
    const char *measurement; /* into jwt.claims; NULL when absent */
    int debug;
};

static void azure_release(void *state)
{
    struct azure_state *st = state;

    if (st != NULL) {
        postq_jwt_free(&st->jwt);
        postq_free(st);
    }
}

static int num(const json_t *claims, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(claims, name);

    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return *out >= 0 && *out < INT64_MAX / 1000;
    }
    return 0;
}

static postq_err azure_parse(const uint8_t *raw, size_t len, void **state,
                             struct postq_attest_claims *c, char *detail, size_t cap)
{
    struct azure_state *st;
    const json_t *cl, *v;
    postq_err err;

    *state = NULL;
    memset(c, 0, sizeof(*c));
    st = postq_calloc(1, sizeof(*st));
    if (st == NULL) {
        return POSTQ_E_NOMEM;
    }
    st->raw = raw;
    err = postq_jwt_parse(&st->jwt, raw, len, detail, cap);
    if (err != POSTQ_OK) {
        postq_free(st);
        return err;
    }
    cl = st->jwt.claims;
    err = POSTQ_E_MALFORMED;
    if (!json_is_string(json_object_get(cl, "iss")) ||
        !json_is_string(json_object_get(cl, "x-ms-attestation-type"))) {
        postq_attest_detail(detail, cap, "MAA token: iss or x-ms-attestation-type missing");
        goto out;
    }
    if (!num(cl, "iat", &st->iat) || !num(cl, "exp", &st->exp)) {
        postq_attest_detail(detail, cap, "MAA token: iat or exp not an integer");
        goto out;
    }
    if (json_object_get(cl, "nbf") == NULL) {
        st->nbf = st->iat;
    } else if (!num(cl, "nbf", &st->nbf)) {
        postq_attest_detail(detail, cap, "MAA token: nbf not an integer");
        goto out;
    }
    v = json_object_get(cl, AZ_TEE);
    if (v != NULL && !json_is_object(v)) {
        postq_attest_detail(detail, cap, "MAA token: " AZ_TEE " not an object");
        goto out;
    }
    v = postq_jwt_path(cl, AZ_TEE ".x-ms-sevsnpvm-launchmeasurement");
    if (v != NULL) {
        if (!json_is_string(v)) {
            postq_attest_detail(detail, cap, "MAA token: launch measurement not a string");
            goto out;
        }
        st->measurement = json_string_value(v);
    }
    v = postq_jwt_path(cl, AZ_TEE ".x-ms-sevsnpvm-is-debuggable");
    if (v == NULL) {
        v = json_object_get(cl, "x-ms-sgx-is-debuggable");
    }
    if (v != NULL && !json_is_boolean(v)) {
        postq_attest_detail(detail, cap, "MAA token: is-debuggable not a boolean");
        goto out;
    }
    st->debug = json_is_true(v);

    snprintf(c->vendor, sizeof(c->vendor), "azure-confidential-vm");
    c->have = POSTQ_CLAIM_TIMESTAMP | POSTQ_CLAIM_DEBUG;
    c->timestamp_ms = st->iat * 1000;
    c->debug = st->debug;
    v = json_object_get(cl, "x-ms-azurevm-vmid");
    if (json_is_string(v) && json_string_length(v) > 0 &&
        json_string_length(v) < sizeof(c->module_id)) {
        memcpy(c->module_id, json_string_value(v), json_string_length(v) + 1);
        c->have |= POSTQ_CLAIM_MODULE_ID;
    }
    if (st->measurement != NULL &&
        postq_attest_hex_exact(c->measurement, 48, st->measurement) == POSTQ_OK) {
        c->measurement_len = 48;
        c->have |= POSTQ_CLAIM_MEASUREMENT;
    }
    err = postq_jwt_binding(postq_jwt_path(cl, "x-ms-runtime.client-payload.postq"), c, detail,
                            cap);
out:
    if (err != POSTQ_OK) {
        azure_release(st);
        memset(c, 0, sizeof(*c));
        return err;
    }
    *state = st;
    return POSTQ_OK;
}

/* ---- matchRules ---- */

static postq_err list(const json_t *rules, const char *name, int hex48, char *detail, size_t cap)
{
    const json_t *l = json_object_get(rules, name);

    if (!json_is_array(l) || json_array_size(l) == 0 || json_array_size(l) > AZ_LIST_MAX) {
        postq_attest_detail(detail, cap,
                            "matchRules.%s: missing, or not an array of 1..%d strings (policies "
                            "fail closed)",
                            name, AZ_LIST_MAX);
        return POSTQ_E_MALFORMED;
    }
    for (size_t i = 0; i < json_array_size(l); i++) {
        const json_t *s = json_array_get(l, i);
        uint8_t tmp[48];
        if (!json_is_string(s) || json_string_length(s) == 0 ||
            (hex48 && postq_attest_hex_exact(tmp, 48, json_string_value(s)) != POSTQ_OK)) {
            postq_attest_detail(detail, cap, "matchRules.%s[%zu]: %s", name, i,
                                hex48 ? "not 96 lowercase hex characters"
                                      : "not a non-empty string");
            return POSTQ_E_MALFORMED;
        }
    }
    return POSTQ_OK;
}

static postq_err rules_parse(json_t **out, const char *json, char *detail, size_t cap)
{
    json_error_t jerr;
    json_t *r = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    const json_t *b;
    postq_err err = POSTQ_E_MALFORMED;

    *out = NULL;
    if (r == NULL || !json_is_object(r)) {
        postq_attest_detail(detail, cap, "matchRules: not a JSON object");
        goto out;
    }
    if (json_object_get(r, "jwks") == NULL) {
        postq_attest_detail(detail, cap, "matchRules.jwks: missing (the MAA signing keys)");
        goto out;
    }
    if (postq_jwt_check_jwks(json_object_get(r, "jwks"), "matchRules.jwks", detail, cap) !=
            POSTQ_OK ||
        list(r, "issuers", 0, detail, cap) != POSTQ_OK ||
        list(r, "launchMeasurements", 1, detail, cap) != POSTQ_OK) {
        goto out;
    }
    b = json_object_get(r, "requireCompliant");
    if (b != NULL && !json_is_boolean(b)) {
        postq_attest_detail(detail, cap, "matchRules.requireCompliant: not a boolean");
        goto out;
    }
    b = json_object_get(r, "allowDebug");
    if (b != NULL && !json_is_boolean(b)) {
        postq_attest_detail(detail, cap, "matchRules.allowDebug: not a boolean");
        goto out;
    }
    err = POSTQ_OK;
out:
    if (err != POSTQ_OK) {
        json_decref(r);
        return err;
    }
    *out = r;
    return POSTQ_OK;
}

static postq_err azure_check_rules(const char *json, char *detail, size_t cap)
{
    json_t *r = NULL;
    postq_err err = rules_parse(&r, json, detail, cap);

    json_decref(r);
    return err;
}

/* ---- appraisal ---- */

static int in_list(const json_t *l, const char *s)
{
    for (size_t i = 0; i < json_array_size(l); i++) {
        if (strcmp(json_string_value(json_array_get(l, i)), s) == 0) {
            return 1;
        }
    }
    return 0;
}

static postq_err check_claims(const struct azure_state *st, const json_t *rules, int64_t now_s,
                              struct postq_attest_run *run)
{
    const json_t *cl = st->jwt.claims;
    const char *iss = json_string_value(json_object_get(cl, "iss"));
    const json_t *tee_type = postq_jwt_path(cl, AZ_TEE ".x-ms-attestation-type");
    const json_t *compliance = postq_jwt_path(cl, AZ_TEE ".x-ms-compliance-status");
    const json_t *req = json_object_get(rules, "requireCompliant");

    if (!in_list(json_object_get(rules, "issuers"), iss)) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "iss \"%.80s\" is not in matchRules.issuers", iss);
    }
    if (!json_is_string(tee_type) || strcmp(json_string_value(tee_type), "sevsnpvm") != 0) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 AZ_TEE ".x-ms-attestation-type is not sevsnpvm");
    }
    if ((req == NULL || json_is_true(req)) &&
        (!json_is_string(compliance) ||
         strcmp(json_string_value(compliance), "azure-compliant-cvm") != 0)) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "x-ms-compliance-status \"%.40s\": expected azure-compliant-cvm "
                                 "(requireCompliant)",
                                 json_is_string(compliance) ? json_string_value(compliance)
                                                            : "(absent)");
    }
    if (now_s >= st->exp) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "token expired (exp %lld, now %lld)", (long long)st->exp,
                                 (long long)now_s);
    }
    if (now_s < st->nbf - AZ_SKEW_S) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "token not valid yet (nbf %lld, now %lld)", (long long)st->nbf,
                                 (long long)now_s);
    }
    postq_attest_pass(run, POSTQ_REASON_CLAIMS_INVALID);
    return POSTQ_OK;
}

static postq_err azure_appraise(void *state, const struct postq_attest_claims *claims,
                                const struct postq_attest_policy *policy, int64_t now_ms,
                                struct postq_attest_run *run)
{
    struct azure_state *st = state;
    const struct postq_jwt *j = &st->jwt;
    json_t *rules = NULL;
    postq_err err;

    (void)claims;
    if (policy->match_rules_json == NULL ||
        rules_parse(&rules, policy->match_rules_json, NULL, 0) != POSTQ_OK) {
        return POSTQ_E_ARG;
    }
    if (strcmp(j->alg, "RS256") != 0) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                "header alg \"%.20s\": only RS256", j->alg);
        goto out;
    }
    if (j->has_crit) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                "header has crit: no extension is understood");
        goto out;
    }
    if (j->typ != NULL && strcmp(j->typ, "JWT") != 0) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                "header typ \"%.20s\": expected JWT", j->typ);
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED);

    err = postq_jwt_verify_jwks(j, st->raw, json_object_get(rules, "jwks"), now_ms / 1000, run);
    if (err != POSTQ_OK) {
        goto out;
    }

    if (st->debug && !json_is_true(json_object_get(rules, "allowDebug"))) {
        err = postq_attest_fail(run, POSTQ_REASON_DEBUG_NOT_ALLOWED,
                                "a debuggable TEE (is-debuggable true); the policy does not set "
                                "allowDebug");
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_DEBUG_NOT_ALLOWED);

    if (st->measurement == NULL ||
        !in_list(json_object_get(rules, "launchMeasurements"), st->measurement)) {
        err = postq_attest_fail(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED,
                                "x-ms-sevsnpvm-launchmeasurement %.16s%s is not in "
                                "matchRules.launchMeasurements",
                                st->measurement != NULL ? st->measurement : "(absent)",
                                st->measurement != NULL ? "..." : "");
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);

    err = check_claims(st, rules, now_ms / 1000, run);
out:
    json_decref(rules);
    return err;
}

const struct postq_attest_vendor postq_attest_vendor_azure_cvm = {
    .id = POSTQ_VENDOR_AZURE_CVM,
    .name = "azure-confidential-vm",
    .parse = azure_parse,
    .appraise = azure_appraise,
    .release = azure_release,
    .check_rules = azure_check_rules,
};
