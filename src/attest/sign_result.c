/* SPDX-License-Identifier: Apache-2.0 */
/* Strict parsing of the sign result of docs/formats.md (the table is in sign_result.h). */
#include "attest/sign_result.h"

#include <string.h>

#include <jansson.h>

#include "attest/util.h"
#include "common/base64.h"

/* A string member: required or optional, at most cap - 1 characters. */
static postq_err get_string(const json_t *obj, const char *prefix, const char *name, int required,
                            char *out, size_t out_cap, char *detail, size_t cap)
{
    const json_t *v = json_object_get(obj, name);

    out[0] = '\0';
    if (v == NULL) {
        if (required) {
            postq_attest_detail(detail, cap, "%s%s: missing", prefix, name);
            return POSTQ_E_MALFORMED;
        }
        return POSTQ_OK;
    }
    if (!json_is_string(v)) {
        postq_attest_detail(detail, cap, "%s%s: not a string", prefix, name);
        return POSTQ_E_MALFORMED;
    }
    if (json_string_length(v) >= out_cap || (required && json_string_length(v) == 0)) {
        postq_attest_detail(detail, cap, "%s%s: %s", prefix, name,
                            json_string_length(v) == 0 ? "empty" : "too long");
        return POSTQ_E_MALFORMED;
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return POSTQ_OK;
}

/* An optional integer member >= min; *out = absent when missing. */
static postq_err get_int(const json_t *obj, const char *prefix, const char *name, int64_t min,
                         int64_t absent, int64_t *out, char *detail, size_t cap)
{
    const json_t *v = json_object_get(obj, name);

    *out = absent;
    if (v == NULL) {
        return POSTQ_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min) {
        postq_attest_detail(detail, cap, "%s%s: not an integer >= %lld", prefix, name,
                            (long long)min);
        return POSTQ_E_MALFORMED;
    }
    *out = (int64_t)json_integer_value(v);
    return POSTQ_OK;
}

static int is_lower_hex(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static postq_err parse_attestation(struct postq_sign_result *r, const json_t *a, char *detail,
                                   size_t cap)
{
    const char *p = "attestation.";
    postq_err err;

    if (!json_is_object(a)) {
        postq_attest_detail(detail, cap, "attestation: not an object");
        return POSTQ_E_MALFORMED;
    }
    err = get_string(a, p, "vendor", 1, r->vendor, sizeof(r->vendor), detail, cap);
    if (err == POSTQ_OK) {
        err = get_string(a, p, "docB64", 1, r->doc_b64, sizeof(r->doc_b64), detail, cap);
    }
    if (err == POSTQ_OK) {
        err = get_string(a, p, "imageHash", 0, r->image_hash, sizeof(r->image_hash), detail,
                         cap);
        if (err == POSTQ_OK && !is_lower_hex(r->image_hash)) {
            postq_attest_detail(detail, cap, "attestation.imageHash: not lowercase hex");
            err = POSTQ_E_MALFORMED;
        }
    }
    if (err == POSTQ_OK) {
        err = get_int(a, p, "counter", 0, -1, &r->counter, detail, cap);
    }
    if (err == POSTQ_OK) {
        err = get_string(a, p, "verdict", 0, r->verdict, sizeof(r->verdict), detail, cap);
        if (err == POSTQ_OK && r->verdict[0] != '\0' && strcmp(r->verdict, "pass") != 0 &&
            strcmp(r->verdict, "fail") != 0) {
            postq_attest_detail(detail, cap, "attestation.verdict: not \"pass\" or \"fail\"");
            err = POSTQ_E_MALFORMED;
        }
    }
    if (err == POSTQ_OK) {
        err = get_string(a, p, "reason", 0, r->reason, sizeof(r->reason), detail, cap);
    }
    r->has_attestation = err == POSTQ_OK;
    return err;
}

static postq_err parse_transparency(struct postq_sign_result *r, const json_t *t, char *detail,
                                    size_t cap)
{
    const char *p = "transparency.";
    const json_t *proof, *e;
    size_t i;
    postq_err err;

    if (!json_is_object(t)) {
        postq_attest_detail(detail, cap, "transparency: not an object");
        return POSTQ_E_MALFORMED;
    }
    if (json_object_get(t, "logIndex") == NULL) {
        postq_attest_detail(detail, cap, "transparency.logIndex: missing");
        return POSTQ_E_MALFORMED;
    }
    err = get_int(t, p, "logIndex", 0, -1, &r->log_index, detail, cap);
    if (err == POSTQ_OK) {
        err = get_string(t, p, "checkpoint", 1, r->checkpoint, sizeof(r->checkpoint), detail,
                         cap);
    }
    if (err != POSTQ_OK) {
        return err;
    }
    proof = json_object_get(t, "inclusionProof");
    if (!json_is_array(proof) || json_array_size(proof) > 64) {
        postq_attest_detail(detail, cap, "transparency.inclusionProof: %s",
                            proof == NULL ? "missing" : "not an array of at most 64 hashes");
        return POSTQ_E_MALFORMED;
    }
    json_array_foreach(proof, i, e) {
        uint8_t h[48];
        size_t got = 0;
        if (!json_is_string(e) || json_string_length(e) != 44 ||
            postq_base64_decode_public(h, sizeof(h), &got, json_string_value(e),
                                       json_string_length(e), POSTQ_B64_STD) != POSTQ_OK ||
            got != 32) {
            postq_attest_detail(detail, cap,
                                "transparency.inclusionProof[%zu]: not base64 of 32 bytes", i);
            return POSTQ_E_MALFORMED;
        }
        memcpy(r->proof[i], h, 32);
    }
    r->proof_len = json_array_size(proof);
    r->has_transparency = 1;
    return POSTQ_OK;
}

static postq_err parse_obj(struct postq_sign_result *r, const json_t *o, char *detail, size_t cap)
{
    const json_t *att, *tr;
    size_t want_sig = 0, got = 0;
    postq_err err;

    if (!json_is_object(o)) {
        postq_attest_detail(detail, cap, "sign result: not a JSON object");
        return POSTQ_E_MALFORMED;
    }
    err = get_string(o, "", "id", 0, r->id, sizeof(r->id), detail, cap);
    if (err == POSTQ_OK) {
        err = get_string(o, "", "keyId", 1, r->key_id, sizeof(r->key_id), detail, cap);
    }
    if (err == POSTQ_OK) {
        err = get_int(o, "", "keyVersion", 1, 0, &r->key_version, detail, cap);
    }
    if (err == POSTQ_OK) {
        err = get_string(o, "", "createdAt", 0, r->created_at, sizeof(r->created_at), detail, cap);
    }
    if (err == POSTQ_OK) {
        err = get_string(o, "", "algorithm", 1, r->algorithm, sizeof(r->algorithm), detail, cap);
        if (err == POSTQ_OK && postq_hybrid_sizes(r->algorithm, NULL, NULL, &want_sig) != POSTQ_OK) {
            postq_attest_detail(detail, cap, "algorithm: unknown algorithm \"%s\"", r->algorithm);
            err = POSTQ_E_MALFORMED;
        }
    }
    if (err == POSTQ_OK) {
        char hex[65];
        err = get_string(o, "", "payloadSha256", 1, hex, sizeof(hex), detail, cap);
        if (err == POSTQ_OK && postq_attest_hex_exact(r->payload_sha256, 32, hex) != POSTQ_OK) {
            postq_attest_detail(detail, cap, "payloadSha256: not 64 lowercase hex characters");
            err = POSTQ_E_MALFORMED;
        }
    }
    if (err == POSTQ_OK) {
        const json_t *v = json_object_get(o, "signatureB64");
        if (!json_is_string(v)) {
            postq_attest_detail(detail, cap, "signatureB64: %s", v == NULL ? "missing" : "not a string");
            err = POSTQ_E_MALFORMED;
        } else if (postq_base64_decode(r->signature, sizeof(r->signature), &got,
                                       json_string_value(v), json_string_length(v),
                                       POSTQ_B64_STD) != POSTQ_OK || got != want_sig) {
            postq_attest_detail(detail, cap, "signatureB64: not base64 of %zu bytes (%s)", want_sig,
                                r->algorithm);
            err = POSTQ_E_MALFORMED;
        }
        r->sig_len = err == POSTQ_OK ? got : 0;
    }
    att = json_object_get(o, "attestation");
    if (err == POSTQ_OK && att != NULL && !json_is_null(att)) {
        err = parse_attestation(r, att, detail, cap);
    }
    tr = json_object_get(o, "transparency");
    if (err == POSTQ_OK && tr != NULL && !json_is_null(tr)) {
        err = parse_transparency(r, tr, detail, cap);
    }
    return err;
}

postq_err postq_sign_result_parse(struct postq_sign_result *r, const char *json, size_t len,
                                  char *detail, size_t cap)
{
    json_error_t jerr;
    json_t *root;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (r == NULL || json == NULL) {
        return POSTQ_E_ARG;
    }
    memset(r, 0, sizeof(*r));
    r->counter = -1;
    r->log_index = -1;
    if (len > POSTQ_SIGN_RESULT_JSON_MAX) {
        postq_attest_detail(detail, cap, "sign result: larger than %d bytes",
                            POSTQ_SIGN_RESULT_JSON_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        postq_attest_detail(detail, cap, "sign result: invalid JSON: %s (line %d)", jerr.text,
                            jerr.line);
        return json_error_code(&jerr) == json_error_out_of_memory ? POSTQ_E_NOMEM
                                                                 : POSTQ_E_MALFORMED;
    }
    err = parse_obj(r, root, detail, cap);
    json_decref(root);
    if (err != POSTQ_OK) {
        memset(r, 0, sizeof(*r));
        r->counter = -1;
        r->log_index = -1;
    }
    return err;
}
