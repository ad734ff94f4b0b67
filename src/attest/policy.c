/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation policy JSON [docs/formats.md]: strict parse and validation (rules in policy.h). */
#include "attest/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "attest/util.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/mem.h"
#include "crypto/ed.h"

/* Exactly 64 lowercase hex characters into 32 bytes. */
static int hex32(uint8_t out[32], const char *s)
{
    size_t got = 0;

    return strlen(s) == 64 && postq_hex_decode(out, 32, &got, s, 64, 0) == POSTQ_OK && got == 32;
}

/* An optional string member: absent is fine, any other type is not. */
static postq_err opt_string(const json_t *obj, const char *name, char *out, size_t out_cap,
                            char *detail, size_t cap)
{
    const json_t *v = json_object_get(obj, name);

    if (out != NULL && out_cap > 0) {
        out[0] = '\0';
    }
    if (v == NULL) {
        return POSTQ_OK;
    }
    if (!json_is_string(v)) {
        postq_attest_detail(detail, cap, "%s: not a string", name);
        return POSTQ_E_MALFORMED;
    }
    if (out != NULL) {
        if (json_string_length(v) >= out_cap) {
            postq_attest_detail(detail, cap, "%s: longer than %zu characters", name,
                                out_cap - 1);
            return POSTQ_E_MALFORMED;
        }
        memcpy(out, json_string_value(v), json_string_length(v) + 1);
    }
    return POSTQ_OK;
}

static postq_err parse_mock_rules(struct postq_attest_policy *p, const json_t *rules, char *detail,
                                  size_t cap)
{
    const json_t *list = json_object_get(rules, "allowedImageHashes");
    const json_t *key = json_object_get(rules, "rootPublicKeyB64");
    size_t i, n, got = 0;
    uint8_t pk[48];

    if (list == NULL) {
        postq_attest_detail(detail, cap, "matchRules.allowedImageHashes: missing");
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_array(list)) {
        postq_attest_detail(detail, cap, "matchRules.allowedImageHashes: not an array");
        return POSTQ_E_MALFORMED;
    }
    n = json_array_size(list);
    if (n == 0) {
        postq_attest_detail(detail, cap, "matchRules.allowedImageHashes: empty (policies fail "
                                         "closed)");
        return POSTQ_E_MALFORMED;
    }
    if (n > POSTQ_POLICY_IMAGES_MAX) {
        postq_attest_detail(detail, cap, "matchRules.allowedImageHashes: more than %d entries",
                            POSTQ_POLICY_IMAGES_MAX);
        return POSTQ_E_MALFORMED;
    }
    for (i = 0; i < n; i++) {
        const json_t *h = json_array_get(list, i);
        if (!json_is_string(h) ||
            !hex32(p->images[i], json_string_value(h))) {
            postq_attest_detail(detail, cap,
                                "matchRules.allowedImageHashes[%zu]: not 64 lowercase hex "
                                "characters",
                                i);
            return POSTQ_E_MALFORMED;
        }
    }
    p->n_images = n;

    if (key == NULL) {
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: missing");
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_string(key)) {
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: not a string");
        return POSTQ_E_MALFORMED;
    }
    /* 64 characters decode to at most 48 bytes; a longer string cannot be a 32-byte key. */
    if (json_string_length(key) > 64) {
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: not 32 bytes");
        return POSTQ_E_MALFORMED;
    }
    if (postq_base64_decode(pk, sizeof(pk), &got, json_string_value(key),
                            json_string_length(key), POSTQ_B64_STD) != POSTQ_OK) {
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: not canonical padded base64");
        return POSTQ_E_MALFORMED;
    }
    if (got != 32) {
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: not 32 bytes");
        return POSTQ_E_MALFORMED;
    }
    /* All zeros or a small-order point is no enclave's key, and under a small-order key a
     * forger can make documents that verify: such a pin is refused, not stored. */
    switch (postq_ed25519_pk_check(pk)) {
    case POSTQ_OK:
        break;
    case POSTQ_E_INVALID:
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: not a usable Ed25519 "
                                         "public key (all zeros, small order or not a point)");
        return POSTQ_E_MALFORMED;
    default:
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: cannot be checked");
        return POSTQ_E_CRYPTO;
    }
    memcpy(p->root_pk, pk, 32);
    return POSTQ_OK;
}

/* The members each vendor's matchRules may have. A rule a verifier does not know is refused, not
 * ignored: it was written to mean something ("allowAnyImage": true, a misspelt
 * "alowedImageHashes"), and a policy that silently means something else is worse than none. */
static const char *const mock_rules[] = {"allowedImageHashes", "rootPublicKeyB64",
                                         "maxDocAgeSeconds", NULL};
static const char *const nitro_rules[] = {"pcrs", "rootCertSha256", "rootCertB64",
                                          "allowDebug", "maxDocAgeSeconds", NULL};
static const char *const azure_rules[] = {"jwks", "issuers", "launchMeasurements",
                                          "requireCompliant", "allowDebug", "maxDocAgeSeconds",
                                          NULL};
static const char *const gcp_rules[] = {"rootCertSha256", "jwks", "imageDigests", "audiences",
                                        "allowDebug", "maxDocAgeSeconds", NULL};

static postq_err known_rules(int vendor, const json_t *rules, char *detail,
                             size_t cap)
{
    const char *const *known;
    const char *k;
    const json_t *v;

    switch (vendor) {
    case POSTQ_VENDOR_MOCK:
        known = mock_rules;
        break;
    case POSTQ_VENDOR_AWS_NITRO:
        known = nitro_rules;
        break;
    case POSTQ_VENDOR_AZURE_CVM:
        known = azure_rules;
        break;
    case POSTQ_VENDOR_GCP_CS:
        known = gcp_rules;
        break;
    default:
        return POSTQ_OK;
    }
    json_object_foreach((json_t *)(uintptr_t)rules, k, v) {
        size_t i = 0;
        while (known[i] != NULL && strcmp(known[i], k) != 0) {
            i++;
        }
        if (known[i] == NULL) {
            postq_attest_detail(detail, cap, "matchRules.%.64s: not a rule of this vendor", k);
            return POSTQ_E_MALFORMED;
        }
    }
    (void)v;
    return POSTQ_OK;
}

static postq_err parse_obj(struct postq_attest_policy *p, const json_t *obj, char *detail, size_t cap)
{
    const json_t *vendor = json_object_get(obj, "vendor");
    const json_t *rules = json_object_get(obj, "matchRules");
    const json_t *enforce = json_object_get(obj, "enforce");
    const json_t *age;
    postq_err err;

    if (!json_is_object(obj)) {
        postq_attest_detail(detail, cap, "policy: not a JSON object");
        return POSTQ_E_MALFORMED;
    }
    err = opt_string(obj, "id", p->id, sizeof(p->id), detail, cap);
    if (err == POSTQ_OK) {
        err = opt_string(obj, "name", NULL, 0, detail, cap);
    }
    if (err == POSTQ_OK) {
        err = opt_string(obj, "createdAt", NULL, 0, detail, cap);
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (vendor == NULL) {
        postq_attest_detail(detail, cap, "vendor: missing");
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_string(vendor)) {
        postq_attest_detail(detail, cap, "vendor: not a string");
        return POSTQ_E_MALFORMED;
    }
    p->vendor = postq_attest_vendor_from_name(json_string_value(vendor));
    if (p->vendor == POSTQ_VENDOR_NONE) {
        postq_attest_detail(detail, cap, "vendor: unknown vendor");
        return POSTQ_E_MALFORMED;
    }
    if (enforce != NULL) {
        if (!json_is_boolean(enforce)) {
            postq_attest_detail(detail, cap, "enforce: not a boolean");
            return POSTQ_E_MALFORMED;
        }
        p->enforce = json_is_true(enforce);
    }
    if (rules == NULL) {
        postq_attest_detail(detail, cap, "matchRules: missing");
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_object(rules)) {
        postq_attest_detail(detail, cap, "matchRules: not an object");
        return POSTQ_E_MALFORMED;
    }
    err = known_rules(p->vendor, rules, detail, cap);
    if (err != POSTQ_OK) {
        return err;
    }
    age = json_object_get(rules, "maxDocAgeSeconds");
    if (age != NULL) {
        if (!json_is_integer(age) || json_integer_value(age) <= 0 ||
            json_integer_value(age) > POSTQ_POLICY_MAX_AGE_MAX) {
            postq_attest_detail(detail, cap,
                                "matchRules.maxDocAgeSeconds: not an integer in 1..%d",
                                POSTQ_POLICY_MAX_AGE_MAX);
            return POSTQ_E_MALFORMED;
        }
        p->max_doc_age_s = (int64_t)json_integer_value(age);
    }
    if (p->vendor == POSTQ_VENDOR_MOCK) {
        return parse_mock_rules(p, rules, detail, cap);
    }
    {
        /* Kept whole for the vendor's verifier, which owns the meaning of its rules. */
        char *s = json_dumps(rules, JSON_COMPACT);
        size_t n;
        if (s == NULL) {
            return POSTQ_E_NOMEM;
        }
        n = strlen(s);
        p->match_rules_json = postq_malloc(n + 1);
        if (p->match_rules_json != NULL) {
            memcpy(p->match_rules_json, s, n + 1);
        }
        free(s);
        if (p->match_rules_json == NULL) {
            return POSTQ_E_NOMEM;
        }
    }
    {
        /* The vendor's verifier owns the meaning of its rules. */
        const struct postq_attest_vendor *v = postq_attest_vendor_get(p->vendor);
        if (v != NULL && v->check_rules != NULL) {
            return v->check_rules(p->match_rules_json, detail, cap);
        }
    }
    return POSTQ_OK;
}

postq_err postq_policy_parse(struct postq_attest_policy *p, const char *json, size_t len, char *detail,
                             size_t cap)
{
    json_error_t jerr;
    json_t *obj;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (p == NULL || json == NULL) {
        return POSTQ_E_ARG;
    }
    memset(p, 0, sizeof(*p));
    p->enforce = 1;
    if (len > POSTQ_POLICY_JSON_MAX) {
        postq_attest_detail(detail, cap, "policy: over %d bytes", POSTQ_POLICY_JSON_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL) {
        postq_attest_detail(detail, cap, "policy: invalid JSON at line %d column %d: %s",
                            jerr.line, jerr.column, jerr.text);
        return POSTQ_E_MALFORMED;
    }
    err = parse_obj(p, obj, detail, cap);
    json_decref(obj);
    if (err != POSTQ_OK) {
        postq_policy_free(p);
    }
    return err;
}

void postq_policy_free(struct postq_attest_policy *p)
{
    if (p == NULL) {
        return;
    }
    postq_free(p->match_rules_json);
    postq_wipe(p, sizeof(*p));
}
