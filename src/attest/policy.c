/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation policy JSON [docs/formats.md]: strict parse and validation (rules in policy.h). */
#include "attest/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "attest/doc.h"
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

/* One pinned root: standard padded base64 of a 32-byte Ed25519 key or a 1984-byte
 * mldsa65+ed25519 composite key, appended to p's roots. */
static postq_err parse_root(struct postq_attest_policy *p, const json_t *key, const char *field,
                            char *detail, size_t cap)
{
    struct postq_policy_root *r = &p->roots[p->n_roots];
    uint8_t buf[POSTQ_ROOT_PK_MAX + 3]; /* what 2648 characters can hold */
    size_t got = 0;

    if (!json_is_string(key)) {
        postq_attest_detail(detail, cap, "%s: not a string", field);
        return POSTQ_E_MALFORMED;
    }
    /* 2648 characters decode to at most 1986 bytes: a longer string is no root. */
    if (json_string_length(key) > 2648 ||
        postq_base64_decode(buf, sizeof(buf), &got, json_string_value(key),
                            json_string_length(key), POSTQ_B64_STD) != POSTQ_OK) {
        postq_attest_detail(detail, cap,
                            json_string_length(key) > 2648
                                ? "%s: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key"
                                : "%s: not canonical padded base64",
                            field);
        return POSTQ_E_MALFORMED;
    }
    if (got != 32 && got != POSTQ_ROOT_PK_MAX) {
        postq_attest_detail(detail, cap,
                            "%s: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key", field);
        return POSTQ_E_MALFORMED;
    }
    memcpy(r->pk, buf, got);
    r->len = got;
    r->alg = got == 32 ? POSTQ_ROOT_ED25519 : POSTQ_ROOT_COMPOSITE;
    /* All zeros or a small-order point is no enclave's key, and under a small-order key a
     * forger can make documents that verify: such a pin is refused, not stored. The composite's
     * Ed25519 half is checked the same way. */
    switch (postq_ed25519_pk_check(r->pk + got - 32)) {
    case POSTQ_OK:
        break;
    case POSTQ_E_INVALID:
        postq_attest_detail(detail, cap, "%s: not a usable Ed25519 %s (all zeros, small order "
                                         "or not a point)",
                            field, got == 32 ? "public key" : "half");
        return POSTQ_E_MALFORMED;
    default:
        postq_attest_detail(detail, cap, "%s: cannot be checked", field);
        return POSTQ_E_CRYPTO;
    }
    for (size_t i = 0; i < p->n_roots; i++) {
        if (p->roots[i].len == got && memcmp(p->roots[i].pk, r->pk, got) == 0) {
            postq_attest_detail(detail, cap, "%s: pinned twice", field);
            return POSTQ_E_MALFORMED;
        }
    }
    p->n_roots++;
    return POSTQ_OK;
}

static postq_err parse_mock_rules(struct postq_attest_policy *p, const json_t *rules, char *detail,
                                  size_t cap)
{
    const json_t *list = json_object_get(rules, "allowedImageHashes");
    const json_t *key = json_object_get(rules, "rootPublicKeyB64");
    const json_t *keys = json_object_get(rules, "rootPublicKeysB64");
    size_t i, n;

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

    if (key == NULL && keys == NULL) {
        postq_attest_detail(detail, cap, "matchRules.rootPublicKeyB64: missing (or "
                                         "rootPublicKeysB64)");
        return POSTQ_E_MALFORMED;
    }
    p->n_roots = 0;
    if (key != NULL) {
        postq_err err = parse_root(p, key, "matchRules.rootPublicKeyB64", detail, cap);
        if (err != POSTQ_OK) {
            return err;
        }
    }
    if (keys != NULL) {
        size_t nk = json_array_size(keys);
        if (!json_is_array(keys) || nk == 0) {
            postq_attest_detail(detail, cap, "matchRules.rootPublicKeysB64: not a non-empty array");
            return POSTQ_E_MALFORMED;
        }
        if (p->n_roots + nk > POSTQ_POLICY_ROOTS_MAX) {
            postq_attest_detail(detail, cap, "matchRules.rootPublicKeysB64: more than %d roots",
                                POSTQ_POLICY_ROOTS_MAX);
            return POSTQ_E_MALFORMED;
        }
        for (i = 0; i < nk; i++) {
            char field[64];
            postq_err err;
            snprintf(field, sizeof(field), "matchRules.rootPublicKeysB64[%zu]", i);
            err = parse_root(p, json_array_get(keys, i), field, detail, cap);
            if (err != POSTQ_OK) {
                return err;
            }
        }
    }
    return POSTQ_OK;
}

/* The members each vendor's matchRules may have. A rule a verifier does not know is refused, not
 * ignored: it was written to mean something ("allowAnyImage": true, a misspelt
 * "alowedImageHashes"), and a policy that silently means something else is worse than none. */
static const char *const mock_rules[] = {"allowedImageHashes", "rootPublicKeyB64",
                                         "rootPublicKeysB64", "maxDocAgeSeconds", NULL};
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
