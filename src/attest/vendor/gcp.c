/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor "gcp-confidential-space": the Confidential Space attestation token, a JWT (RS256)
 * (Google Cloud, "Confidential Space token claims"). Two forms:
 *   PKI token   header x5c = [leaf, intermediate, root]; the root is pinned by the policy's
 *               rootCertSha256 and the chain checked with OpenSSL at the token's iat and at now;
 *   OIDC token  header kid, no x5c; the key is looked up in the policy's pinned jwks (never
 *               fetched: the jwks_uri of the discovery document is not used).
 *
 * | claim                          | use                                                      |
 * |--------------------------------|----------------------------------------------------------|
 * | iss                            | "https://confidentialcomputing.googleapis.com"           |
 * | aud                            | string or array; one of matchRules.audiences             |
 * | iat, nbf, exp                  | numbers; nbf - 60 s <= now < exp                         |
 * | swname                         | "CONFIDENTIAL_SPACE"                                     |
 * | dbgstat                        | "disabled-since-boot" or a debug image                   |
 * | submods.container.image_digest | "sha256:<64 hex>"; one of matchRules.imageDigests        |
 * | submods.gce.instance_id        | moduleId (when present)                                  |
 * | eat_nonce                      | string or array of strings: the PostQ binding (jwt.h)    |
 *
 * matchRules [docs/formats.md]: rootCertSha256 (PKI tokens) and/or jwks (OIDC tokens); imageDigests
 * and audiences (non-empty); allowDebug (default false). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "attest/jwt.h"
#include "attest/util.h"
#include "attest/verifier.h"
#include "attest/x509.h"
#include "common/hex.h"
#include "common/mem.h"
#include "crypto/sha2.h"

#define GCP_ISSUER "https://confidentialcomputing.googleapis.com"
#define GCP_LIST_MAX 128
#define GCP_SKEW_S 60

struct gcp_state {
    const uint8_t *raw; /* borrowed */
    struct postq_jwt jwt;
    int64_t iat, nbf, exp;
    const char *digest; /* into jwt.claims */
    int debug;
};

static void gcp_release(void *state)
{
    struct gcp_state *st = state;

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

static postq_err gcp_parse(const uint8_t *raw, size_t len, void **state,
                           struct postq_attest_claims *c, char *detail, size_t cap)
{
    struct gcp_state *st;
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
    if (!json_is_string(json_object_get(cl, "iss")) || !json_is_string(json_object_get(cl, "swname")) ||
        !json_is_object(json_object_get(cl, "submods"))) {
        postq_attest_detail(detail, cap,
                            "Confidential Space token: iss, swname or submods missing");
        goto out;
    }
    if (!num(cl, "iat", &st->iat) || !num(cl, "exp", &st->exp)) {
        postq_attest_detail(detail, cap, "Confidential Space token: iat or exp not an integer");
        goto out;
    }
    if (json_object_get(cl, "nbf") == NULL) {
        st->nbf = st->iat;
    } else if (!num(cl, "nbf", &st->nbf)) {
        postq_attest_detail(detail, cap, "Confidential Space token: nbf not an integer");
        goto out;
    }
    v = postq_jwt_path(cl, "submods.container.image_digest");
    if (v != NULL) {
        if (!json_is_string(v)) {
            postq_attest_detail(detail, cap, "Confidential Space token: image_digest not a string");
            goto out;
        }
        st->digest = json_string_value(v);
    }
    v = json_object_get(cl, "dbgstat");
    if (v != NULL && !json_is_string(v)) {
        postq_attest_detail(detail, cap, "Confidential Space token: dbgstat not a string");
        goto out;
    }
    st->debug = v == NULL || strcmp(json_string_value(v), "disabled-since-boot") != 0;

    snprintf(c->vendor, sizeof(c->vendor), "gcp-confidential-space");
    c->have = POSTQ_CLAIM_TIMESTAMP | POSTQ_CLAIM_DEBUG;
    c->timestamp_ms = st->iat * 1000;
    c->debug = st->debug;
    v = postq_jwt_path(cl, "submods.gce.instance_id");
    if (json_is_string(v) && json_string_length(v) > 0 &&
        json_string_length(v) < sizeof(c->module_id)) {
        memcpy(c->module_id, json_string_value(v), json_string_length(v) + 1);
        c->have |= POSTQ_CLAIM_MODULE_ID;
    }
    if (st->digest != NULL && strncmp(st->digest, "sha256:", 7) == 0 &&
        postq_attest_hex_exact(c->measurement, 32, st->digest + 7) == POSTQ_OK) {
        c->measurement_len = 32;
        c->have |= POSTQ_CLAIM_MEASUREMENT;
    }
    err = postq_jwt_binding(json_object_get(cl, "eat_nonce"), c, detail, cap);
out:
    if (err != POSTQ_OK) {
        gcp_release(st);
        memset(c, 0, sizeof(*c));
        return err;
    }
    *state = st;
    return POSTQ_OK;
}

/* ---- matchRules ---- */

static postq_err string_list(const json_t *rules, const char *name, int digests, char *detail,
                             size_t cap)
{
    const json_t *l = json_object_get(rules, name);

    if (!json_is_array(l) || json_array_size(l) == 0 || json_array_size(l) > GCP_LIST_MAX) {
        postq_attest_detail(detail, cap,
                            "matchRules.%s: missing, or not an array of 1..%d strings (policies "
                            "fail closed)",
                            name, GCP_LIST_MAX);
        return POSTQ_E_MALFORMED;
    }
    for (size_t i = 0; i < json_array_size(l); i++) {
        const json_t *s = json_array_get(l, i);
        uint8_t tmp[32];
        if (!json_is_string(s) || json_string_length(s) == 0 ||
            (digests && (strncmp(json_string_value(s), "sha256:", 7) != 0 ||
                         postq_attest_hex_exact(tmp, 32, json_string_value(s) + 7) !=
                             POSTQ_OK))) {
            postq_attest_detail(detail, cap, "matchRules.%s[%zu]: %s", name, i,
                                digests ? "not \"sha256:\" and 64 lowercase hex characters"
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
    const json_t *sha, *jwks, *dbg;
    uint8_t tmp[32];
    postq_err err = POSTQ_E_MALFORMED;

    *out = NULL;
    if (r == NULL || !json_is_object(r)) {
        postq_attest_detail(detail, cap, "matchRules: not a JSON object");
        goto out;
    }
    sha = json_object_get(r, "rootCertSha256");
    jwks = json_object_get(r, "jwks");
    if (sha == NULL && jwks == NULL) {
        postq_attest_detail(detail, cap, "matchRules.rootCertSha256: missing (or jwks)");
        goto out;
    }
    if (sha != NULL && (!json_is_string(sha) ||
                        postq_attest_hex_exact(tmp, 32, json_string_value(sha)) != POSTQ_OK)) {
        postq_attest_detail(detail, cap,
                            "matchRules.rootCertSha256: not 64 lowercase hex characters");
        goto out;
    }
    if (jwks != NULL && postq_jwt_check_jwks(jwks, "matchRules.jwks", detail, cap) != POSTQ_OK) {
        goto out;
    }
    if (string_list(r, "imageDigests", 1, detail, cap) != POSTQ_OK ||
        string_list(r, "audiences", 0, detail, cap) != POSTQ_OK) {
        goto out;
    }
    dbg = json_object_get(r, "allowDebug");
    if (dbg != NULL && !json_is_boolean(dbg)) {
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

static postq_err gcp_check_rules(const char *json, char *detail, size_t cap)
{
    json_t *r = NULL;
    postq_err err = rules_parse(&r, json, detail, cap);

    json_decref(r);
    return err;
}

/* ---- appraisal ---- */

static int in_list(const json_t *list, const char *s)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        if (strcmp(json_string_value(json_array_get(list, i)), s) == 0) {
            return 1;
        }
    }
    return 0;
}

/* PKI token: x5c[last] is the pinned root; leaf <- ... <- root at iat and at now; RS256 under
 * the leaf. */
static postq_err verify_pki(const struct gcp_state *st, const json_t *rules, int64_t now_s,
                            struct postq_attest_run *run)
{
    const struct postq_jwt *j = &st->jwt;
    const json_t *sha = json_object_get(rules, "rootCertSha256");
    struct postq_bytes chain[POSTQ_X509_CHAIN_MAX];
    uint8_t pin[32], digest[32];
    int64_t at[2];
    char detail[160];
    postq_err err;

    detail[0] = '\0';
    if (sha == NULL) {
        return postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                 "a PKI token (x5c), but the policy pins no rootCertSha256");
    }
    if (j->n_x5c < 2) {
        return postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                 "x5c has %zu certificate: no chain to a root", j->n_x5c);
    }
    if (postq_attest_hex_exact(pin, 32, json_string_value(sha)) != POSTQ_OK) {
        return POSTQ_E_ARG;
    }
    err = postq_sha256(digest, j->x5c[j->n_x5c - 1], j->x5c_len[j->n_x5c - 1]);
    if (err != POSTQ_OK) {
        return err;
    }
    if (memcmp(pin, digest, 32) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                 "the last x5c certificate is not the pinned root "
                                 "(rootCertSha256)");
    }
    for (size_t i = 0; i < j->n_x5c; i++) {
        chain[i].p = j->x5c[i];
        chain[i].len = j->x5c_len[i];
    }
    at[0] = st->iat;
    at[1] = now_s;
    err = postq_x509_chain_verify(chain, j->n_x5c, at, 2, detail, sizeof(detail));
    if (err == POSTQ_E_INVALID) {
        return postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                 "%s (at the token's iat or at now)", detail);
    }
    if (err != POSTQ_OK) {
        return err;
    }
    postq_attest_pass(run, POSTQ_REASON_CHAIN_INVALID);
    err = postq_x509_verify(chain[0], POSTQ_X509_RS256,
                            (struct postq_bytes){st->raw, j->signing_input_len},
                            (struct postq_bytes){j->sig, j->sig_len}, detail, sizeof(detail));
    if (err == POSTQ_E_INVALID) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_SIGNATURE_INVALID,
                                 "RS256 under the x5c leaf: %s", detail);
    }
    if (err == POSTQ_OK) {
        postq_attest_pass(run, POSTQ_REASON_DOC_SIGNATURE_INVALID);
    }
    return err;
}

static postq_err check_claims(const struct gcp_state *st, const json_t *rules, int64_t now_s,
                              struct postq_attest_run *run)
{
    const json_t *cl = st->jwt.claims, *aud = json_object_get(cl, "aud");
    const json_t *auds = json_object_get(rules, "audiences");
    const char *iss = json_string_value(json_object_get(cl, "iss"));
    const char *sw = json_string_value(json_object_get(cl, "swname"));
    int aud_ok = 0;

    if (strcmp(iss, GCP_ISSUER) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID, "iss \"%.80s\": expected %s",
                                 iss, GCP_ISSUER);
    }
    if (strcmp(sw, "CONFIDENTIAL_SPACE") != 0) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "swname \"%.40s\": expected CONFIDENTIAL_SPACE", sw);
    }
    if (json_is_string(aud)) {
        aud_ok = in_list(auds, json_string_value(aud));
    } else if (json_is_array(aud)) {
        for (size_t i = 0; i < json_array_size(aud) && !aud_ok; i++) {
            const json_t *a = json_array_get(aud, i);
            aud_ok = json_is_string(a) && in_list(auds, json_string_value(a));
        }
    }
    if (!aud_ok) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "aud is not one of matchRules.audiences");
    }
    if (now_s >= st->exp) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "token expired (exp %lld, now %lld)", (long long)st->exp,
                                 (long long)now_s);
    }
    if (now_s < st->nbf - GCP_SKEW_S) {
        return postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                 "token not valid yet (nbf %lld, now %lld)", (long long)st->nbf,
                                 (long long)now_s);
    }
    postq_attest_pass(run, POSTQ_REASON_CLAIMS_INVALID);
    return POSTQ_OK;
}

static postq_err gcp_appraise(void *state, const struct postq_attest_claims *claims,
                              const struct postq_attest_policy *policy, int64_t now_ms,
                              struct postq_attest_run *run)
{
    struct gcp_state *st = state;
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

    if (j->n_x5c > 0) {
        err = verify_pki(st, rules, now_ms / 1000, run);
    } else if (json_object_get(rules, "jwks") == NULL) {
        err = postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                "an OIDC token (no x5c), but the policy pins no jwks");
    } else {
        err = postq_jwt_verify_jwks(j, st->raw, json_object_get(rules, "jwks"), now_ms / 1000,
                                    run);
    }
    if (err != POSTQ_OK) {
        goto out;
    }

    if (st->debug && !json_is_true(json_object_get(rules, "allowDebug"))) {
        const json_t *d = json_object_get(j->claims, "dbgstat");
        err = postq_attest_fail(run, POSTQ_REASON_DEBUG_NOT_ALLOWED,
                                "dbgstat \"%.30s\": a debug image; the policy does not set "
                                "allowDebug",
                                d != NULL ? json_string_value(d) : "(absent)");
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_DEBUG_NOT_ALLOWED);

    if (st->digest == NULL || !in_list(json_object_get(rules, "imageDigests"), st->digest)) {
        err = postq_attest_fail(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED,
                                "submods.container.image_digest \"%.80s\" is not in "
                                "matchRules.imageDigests",
                                st->digest != NULL ? st->digest : "(absent)");
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);

    err = check_claims(st, rules, now_ms / 1000, run);
out:
    json_decref(rules);
    return err;
}

const struct postq_attest_vendor postq_attest_vendor_gcp_cs = {
    .id = POSTQ_VENDOR_GCP_CS,
    .name = "gcp-confidential-space",
    .parse = gcp_parse,
    .appraise = gcp_appraise,
    .release = gcp_release,
    .check_rules = gcp_check_rules,
};
