/* SPDX-License-Identifier: Apache-2.0 */
/* JWTs of the hardware vendors: strict parsing, RS256 under a pinned JWKS, the PostQ binding
 * strings (see jwt.h). */
#include "attest/jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/util.h"
#include "common/base64.h"
#include "common/mem.h"

static postq_err bad(char *detail, size_t cap, const char *what)
{
    postq_attest_detail(detail, cap, "JWT: %s", what);
    return POSTQ_E_MALFORMED;
}

/* Decode a base64url part into a fresh NUL-terminated buffer of at most max bytes. */
static postq_err part(const uint8_t *p, size_t n, size_t max, uint8_t **out, size_t *out_len)
{
    size_t dmax = postq_base64_decoded_max(n);
    uint8_t *b;

    *out = NULL;
    if (dmax > max + 2) {
        return POSTQ_E_TOO_LARGE;
    }
    b = postq_malloc(dmax + 1);
    if (b == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (postq_base64_decode(b, dmax + 1, out_len, (const char *)p, n, POSTQ_B64_URL) !=
            POSTQ_OK ||
        *out_len == 0) {
        postq_free(b);
        return POSTQ_E_MALFORMED;
    }
    if (*out_len > max) {
        postq_free(b);
        return POSTQ_E_TOO_LARGE;
    }
    b[*out_len] = 0;
    *out = b;
    return POSTQ_OK;
}

static postq_err json_part(const uint8_t *p, size_t n, const char *name, json_t **out,
                           char *detail, size_t cap)
{
    uint8_t *b = NULL;
    size_t len = 0;
    json_error_t jerr;
    postq_err err = part(p, n, POSTQ_JWT_PART_MAX, &b, &len);

    *out = NULL;
    if (err != POSTQ_OK) {
        postq_attest_detail(detail, cap, "JWT: %s: %s", name,
                            err == POSTQ_E_TOO_LARGE ? "over 12 KiB"
                                                     : "not canonical unpadded base64url");
        return err;
    }
    *out = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &jerr);
    postq_free(b);
    if (*out == NULL || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        postq_attest_detail(detail, cap, "JWT: %s: not a JSON object without duplicates", name);
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

void postq_jwt_free(struct postq_jwt *jwt)
{
    if (jwt == NULL) {
        return;
    }
    json_decref(jwt->header);
    json_decref(jwt->claims);
    for (size_t i = 0; i < POSTQ_X509_CHAIN_MAX; i++) {
        postq_free(jwt->x5c[i]);
    }
    memset(jwt, 0, sizeof(*jwt));
}

static const char *opt_str(const json_t *o, const char *name, int *bad_type)
{
    const json_t *v = json_object_get(o, name);

    if (v == NULL) {
        return NULL;
    }
    if (!json_is_string(v)) {
        *bad_type = 1;
        return NULL;
    }
    return json_string_value(v);
}

static postq_err header_fields(struct postq_jwt *jwt, char *detail, size_t cap)
{
    const json_t *x5c;
    int wrong = 0;

    jwt->alg = opt_str(jwt->header, "alg", &wrong);
    jwt->kid = opt_str(jwt->header, "kid", &wrong);
    jwt->typ = opt_str(jwt->header, "typ", &wrong);
    if (wrong || jwt->alg == NULL) {
        return bad(detail, cap, "header: alg missing, or alg / kid / typ not a string");
    }
    jwt->has_crit = json_object_get(jwt->header, "crit") != NULL;
    x5c = json_object_get(jwt->header, "x5c");
    if (x5c == NULL) {
        return POSTQ_OK;
    }
    if (!json_is_array(x5c) || json_array_size(x5c) == 0 ||
        json_array_size(x5c) > POSTQ_X509_CHAIN_MAX - 1) {
        return bad(detail, cap, "header: x5c is not an array of 1..7 certificates");
    }
    for (size_t i = 0; i < json_array_size(x5c); i++) {
        const json_t *c = json_array_get(x5c, i);
        size_t n = json_is_string(c) ? json_string_length(c) : 0, got = 0;
        uint8_t *der = n > 0 ? postq_malloc(postq_base64_decoded_max(n) + 1) : NULL;
        if (n > 0 && der == NULL) {
            return POSTQ_E_NOMEM;
        }
        if (der == NULL || postq_base64_decode(der, postq_base64_decoded_max(n) + 1, &got,
                                               json_string_value(c), n, POSTQ_B64_STD) !=
                               POSTQ_OK ||
            got == 0) {
            postq_free(der);
            return bad(detail, cap, "header: x5c entry is not padded base64 of a certificate");
        }
        jwt->x5c[i] = der;
        jwt->x5c_len[i] = got;
        jwt->n_x5c = i + 1;
    }
    return POSTQ_OK;
}

postq_err postq_jwt_parse(struct postq_jwt *jwt, const uint8_t *raw, size_t len, char *detail,
                          size_t cap)
{
    const uint8_t *d1, *d2;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (jwt == NULL || raw == NULL) {
        return POSTQ_E_ARG;
    }
    memset(jwt, 0, sizeof(*jwt));
    if (len > POSTQ_JWT_MAX) {
        postq_attest_detail(detail, cap, "JWT: over %d bytes", POSTQ_JWT_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    d1 = memchr(raw, '.', len);
    d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - raw)) : NULL;
    if (d1 == NULL || d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - raw)) != NULL) {
        return bad(detail, cap, "not three dot-separated parts");
    }
    err = json_part(raw, (size_t)(d1 - raw), "header", &jwt->header, detail, cap);
    if (err == POSTQ_OK) {
        err = json_part(d1 + 1, (size_t)(d2 - d1 - 1), "claims", &jwt->claims, detail, cap);
    }
    if (err == POSTQ_OK) {
        err = part(d2 + 1, len - (size_t)(d2 + 1 - raw), POSTQ_JWT_SIG_MAX, &sig, &sig_len);
        if (err != POSTQ_OK && err != POSTQ_E_NOMEM) {
            postq_attest_detail(detail, cap, "JWT: signature: %s",
                                err == POSTQ_E_TOO_LARGE ? "over 1 KiB"
                                                         : "not canonical unpadded base64url");
        }
    }
    if (err == POSTQ_OK) {
        memcpy(jwt->sig, sig, sig_len);
        jwt->sig_len = sig_len;
        jwt->signing_input_len = (size_t)(d2 - raw);
        err = header_fields(jwt, detail, cap);
    }
    postq_free(sig);
    if (err != POSTQ_OK) {
        postq_jwt_free(jwt);
        if (err == POSTQ_E_NOMEM) {
            postq_attest_detail(detail, cap, "out of memory");
        }
    }
    return err;
}

/* base64url of exactly 32 bytes (43 characters). */
static int b64url32(uint8_t out[32], const char *s, size_t n)
{
    size_t got = 0;
    uint8_t tmp[33];

    return n == 43 && postq_base64_decode(tmp, sizeof(tmp), &got, s, n, POSTQ_B64_URL) ==
                          POSTQ_OK &&
           got == 32 && (memcpy(out, tmp, 32), 1);
}

static postq_err jwk_ok(const json_t *k, char *detail, size_t cap, const char *field, size_t i)
{
    const json_t *kty = json_object_get(k, "kty"), *kid = json_object_get(k, "kid");
    const json_t *n = json_object_get(k, "n"), *e = json_object_get(k, "e");
    const json_t *x5c = json_object_get(k, "x5c");

    if (!json_is_object(k) || !json_is_string(kty) || strcmp(json_string_value(kty), "RSA") != 0 ||
        !json_is_string(kid) || json_string_length(kid) == 0) {
        postq_attest_detail(detail, cap, "%s.keys[%zu]: not an RSA key with a kid", field, i);
        return POSTQ_E_MALFORMED;
    }
    if (n != NULL || e != NULL) {
        if (!json_is_string(n) || !json_is_string(e) || json_string_length(n) < 342 ||
            json_string_length(n) > 2731 || json_string_length(e) == 0 ||
            json_string_length(e) > 11) {
            postq_attest_detail(detail, cap,
                                "%s.keys[%zu]: n and e are not base64url of an RSA key of "
                                "2048 to 16384 bits",
                                field, i);
            return POSTQ_E_MALFORMED;
        }
        return POSTQ_OK;
    }
    if (!json_is_array(x5c) || json_array_size(x5c) == 0 ||
        !json_is_string(json_array_get(x5c, 0))) {
        postq_attest_detail(detail, cap, "%s.keys[%zu]: neither n and e nor x5c", field, i);
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

postq_err postq_jwt_check_jwks(const json_t *jwks, const char *field, char *detail, size_t cap)
{
    const json_t *keys = json_is_object(jwks) ? json_object_get(jwks, "keys") : NULL;

    if (!json_is_array(keys) || json_array_size(keys) == 0) {
        postq_attest_detail(detail, cap, "%s: not a JWKS with a non-empty keys array", field);
        return POSTQ_E_MALFORMED;
    }
    for (size_t i = 0; i < json_array_size(keys); i++) {
        postq_err err = jwk_ok(json_array_get(keys, i), detail, cap, field, i);
        if (err != POSTQ_OK) {
            return err;
        }
    }
    return POSTQ_OK;
}

/* Decode a base64url member into a fresh buffer. */
static uint8_t *b64url_member(const json_t *k, const char *name, size_t *len)
{
    const json_t *v = json_object_get(k, name);
    size_t n = json_is_string(v) ? json_string_length(v) : 0;
    uint8_t *b;

    if (n == 0) {
        return NULL;
    }
    b = postq_malloc(postq_base64_decoded_max(n) + 1);
    if (b != NULL && postq_base64_decode(b, postq_base64_decoded_max(n) + 1, len,
                                         json_string_value(v), n, POSTQ_B64_URL) != POSTQ_OK) {
        postq_free(b);
        b = NULL;
    }
    return b;
}

postq_err postq_jwt_verify_jwks(const struct postq_jwt *jwt, const uint8_t *raw,
                                const json_t *jwks, int64_t now_s, struct postq_attest_run *run)
{
    const json_t *keys = json_object_get(jwks, "keys"), *key = NULL;
    struct postq_bytes msg = {raw, jwt->signing_input_len}, sig = {jwt->sig, jwt->sig_len};
    char detail[160];
    uint8_t *der = NULL, *n = NULL, *e = NULL;
    size_t der_len = 0, n_len = 0, e_len = 0;
    postq_err err;

    detail[0] = '\0';
    if (jwt->kid == NULL) {
        return postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                 "token header has no kid to find its key in the pinned jwks");
    }
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const json_t *k = json_array_get(keys, i);
        if (strcmp(json_string_value(json_object_get(k, "kid")), jwt->kid) == 0) {
            key = k;
            break;
        }
    }
    if (key == NULL) {
        return postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                 "kid \"%.60s\" is not in the pinned jwks (jku is never fetched)",
                                 jwt->kid);
    }
    if (json_object_get(key, "n") != NULL) {
        n = b64url_member(key, "n", &n_len);
        e = b64url_member(key, "e", &e_len);
        if (n == NULL || e == NULL) {
            err = postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                    "the pinned key's n or e is not base64url");
            goto out;
        }
        postq_attest_pass(run, POSTQ_REASON_CHAIN_INVALID);
        err = postq_x509_rs256_verify_jwk((struct postq_bytes){n, n_len},
                                          (struct postq_bytes){e, e_len}, msg, sig, detail,
                                          sizeof(detail));
    } else {
        const json_t *c = json_array_get(json_object_get(key, "x5c"), 0);
        size_t cl = json_string_length(c);
        der = postq_malloc(postq_base64_decoded_max(cl) + 1);
        if (der == NULL) {
            err = POSTQ_E_NOMEM;
            goto out;
        }
        if (postq_base64_decode(der, postq_base64_decoded_max(cl) + 1, &der_len,
                                json_string_value(c), cl, POSTQ_B64_STD) != POSTQ_OK) {
            err = postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                    "the pinned key's x5c is not padded base64");
            goto out;
        }
        err = postq_x509_valid_at((struct postq_bytes){der, der_len}, now_s, detail,
                                  sizeof(detail));
        if (err == POSTQ_E_INVALID) {
            err = postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID, "pinned key kid \"%.40s\": %s",
                                    jwt->kid, detail);
            goto out;
        }
        if (err != POSTQ_OK) {
            goto out;
        }
        postq_attest_pass(run, POSTQ_REASON_CHAIN_INVALID);
        err = postq_x509_verify((struct postq_bytes){der, der_len}, POSTQ_X509_RS256, msg, sig,
                                detail, sizeof(detail));
    }
    if (err == POSTQ_E_INVALID) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_SIGNATURE_INVALID,
                                "RS256 under the pinned key: %s", detail);
    } else if (err == POSTQ_OK) {
        postq_attest_pass(run, POSTQ_REASON_DOC_SIGNATURE_INVALID);
    }
out:
    postq_free(der);
    postq_free(n);
    postq_free(e);
    return err;
}

static postq_err binding_entry(const char *s, size_t n, struct postq_attest_claims *c,
                               unsigned *seen, char *detail, size_t cap)
{
    static const char tags[] = "npskac";
    const char *t;
    unsigned bit;
    const char *v;
    size_t vn;

    if (n < 6 || memcmp(s, "pq1.", 4) != 0) {
        return POSTQ_OK; /* not ours */
    }
    v = s + 6; /* formed only once n >= 6: s + 6 past a shorter string is undefined */
    vn = n - 6;
    t = s[4] != '\0' ? strchr(tags, s[4]) : NULL;
    if (t == NULL || s[5] != '.') {
        postq_attest_detail(detail, cap, "PostQ binding: unknown entry \"%.12s\"", s);
        return POSTQ_E_MALFORMED;
    }
    bit = 1u << (t - tags);
    if (*seen & bit) {
        postq_attest_detail(detail, cap, "PostQ binding: pq1.%c given twice", s[4]);
        return POSTQ_E_MALFORMED;
    }
    *seen |= bit;
    switch (s[4]) {
    case 'n':
        if (!b64url32(c->nonce, v, vn)) {
            goto bad_value;
        }
        c->have |= POSTQ_CLAIM_NONCE;
        return POSTQ_OK;
    case 'p':
        if (!b64url32(c->payload_sha256, v, vn)) {
            goto bad_value;
        }
        c->have |= POSTQ_CLAIM_PAYLOAD_SHA256;
        return POSTQ_OK;
    case 's':
        if (!b64url32(c->sig_sha256, v, vn)) {
            goto bad_value;
        }
        c->have |= POSTQ_CLAIM_SIG_SHA256;
        return POSTQ_OK;
    case 'k':
        if (!b64url32(c->public_key_sha256, v, vn)) {
            goto bad_value;
        }
        return POSTQ_OK;
    case 'a':
        if (vn == 0 || vn >= sizeof(c->algorithm)) {
            goto bad_value;
        }
        memcpy(c->algorithm, v, vn);
        c->algorithm[vn] = '\0';
        return POSTQ_OK;
    default: { /* 'c' */
        uint64_t ctr = 0;
        if (vn == 0 || vn > 19 || (vn > 1 && v[0] == '0')) {
            goto bad_value;
        }
        for (size_t i = 0; i < vn; i++) {
            if (v[i] < '0' || v[i] > '9') {
                goto bad_value;
            }
            ctr = ctr * 10 + (uint64_t)(v[i] - '0');
        }
        c->counter = ctr;
        c->have |= POSTQ_CLAIM_COUNTER;
        return POSTQ_OK;
    }
    }
bad_value:
    postq_attest_detail(detail, cap, "PostQ binding: pq1.%c has a malformed value", s[4]);
    return POSTQ_E_MALFORMED;
}

postq_err postq_jwt_binding(const json_t *list, struct postq_attest_claims *c, char *detail,
                            size_t cap)
{
    unsigned seen = 0;
    postq_err err;

    if (list == NULL) {
        return POSTQ_OK;
    }
    if (json_is_string(list)) {
        err = binding_entry(json_string_value(list), json_string_length(list), c, &seen, detail,
                            cap);
    } else if (json_is_array(list)) {
        err = POSTQ_OK;
        for (size_t i = 0; i < json_array_size(list) && err == POSTQ_OK; i++) {
            const json_t *s = json_array_get(list, i);
            if (json_is_string(s)) {
                err = binding_entry(json_string_value(s), json_string_length(s), c, &seen,
                                    detail, cap);
            }
        }
    } else {
        return POSTQ_OK;
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (((seen >> 3) & 1u) != ((seen >> 4) & 1u)) {
        postq_attest_detail(detail, cap, "PostQ binding: pq1.k and pq1.a go together");
        return POSTQ_E_MALFORMED;
    }
    if (seen & (1u << 3)) {
        c->have |= POSTQ_CLAIM_KEY;
    }
    return POSTQ_OK;
}

const json_t *postq_jwt_path(const json_t *obj, const char *path)
{
    char name[64];

    while (obj != NULL && *path != '\0') {
        const char *dot = strchr(path, '.');
        size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(name) || !json_is_object(obj)) {
            return NULL;
        }
        memcpy(name, path, n);
        name[n] = '\0';
        obj = json_object_get(obj, name);
        path += n + (dot != NULL ? 1 : 0);
    }
    return obj;
}
