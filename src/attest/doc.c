/* SPDX-License-Identifier: Apache-2.0 */
/* Mock attestation document claims [docs/formats.md]: strict decode and encode (rules in doc.h). */
#include "attest/doc.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "attest/jws.h"
#include "attest/util.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/mem.h"
#include "crypto/ed.h"
#include "crypto/composite.h"
#include "crypto/keccak.h"

#include <postq/hybrid.h>

/* A required member; "missing" otherwise. */
static const json_t *member(const json_t *obj, const char *name, char *detail, size_t cap)
{
    const json_t *v = json_object_get(obj, name);

    if (v == NULL) {
        postq_attest_detail(detail, cap, "claims.%s: missing", name);
    }
    return v;
}

static postq_err get_string(const json_t *obj, const char *name, char *out, size_t out_cap,
                            char *detail, size_t cap)
{
    const json_t *v = member(obj, name, detail, cap);
    size_t n;

    if (v == NULL) {
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_string(v)) {
        postq_attest_detail(detail, cap, "claims.%s: not a string", name);
        return POSTQ_E_MALFORMED;
    }
    n = json_string_length(v);
    if (n == 0 || n >= out_cap) {
        postq_attest_detail(detail, cap, "claims.%s: length not in 1..%zu", name, out_cap - 1);
        return POSTQ_E_MALFORMED;
    }
    memcpy(out, json_string_value(v), n + 1);
    return POSTQ_OK;
}

static postq_err get_hex32(const json_t *obj, const char *name, uint8_t out[32], char *detail,
                           size_t cap)
{
    const json_t *v = member(obj, name, detail, cap);

    if (v == NULL) {
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_string(v) || postq_attest_hex_exact(out, 32, json_string_value(v)) != POSTQ_OK) {
        postq_attest_detail(detail, cap, "claims.%s: not 64 lowercase hex characters", name);
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

static postq_err get_uint(const json_t *obj, const char *name, int64_t *out, char *detail,
                          size_t cap)
{
    const json_t *v = member(obj, name, detail, cap);

    if (v == NULL) {
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        postq_attest_detail(detail, cap, "claims.%s: not a non-negative integer", name);
        return POSTQ_E_MALFORMED;
    }
    *out = (int64_t)json_integer_value(v);
    return POSTQ_OK;
}

static postq_err decode_obj(struct postq_doc_claims *c, const json_t *obj, char *detail, size_t cap)
{
    const json_t *nonce;
    int64_t counter = 0;
    size_t got = 0;
    postq_err err;

    if (!json_is_object(obj)) {
        postq_attest_detail(detail, cap, "claims: not a JSON object");
        return POSTQ_E_MALFORMED;
    }
    err = get_uint(obj, "v", &c->v, detail, cap);
    if (err != POSTQ_OK) {
        return err;
    }
    if (c->v != POSTQ_DOC_VERSION) {
        postq_attest_detail(detail, cap, "claims.v: version %lld, expected 1", (long long)c->v);
        return POSTQ_E_MALFORMED;
    }
    if ((err = get_string(obj, "vendor", c->vendor, sizeof(c->vendor), detail, cap)) != POSTQ_OK ||
        (err = get_string(obj, "moduleId", c->module_id, sizeof(c->module_id), detail, cap)) !=
            POSTQ_OK ||
        (err = get_hex32(obj, "imageHash", c->image_hash, detail, cap)) != POSTQ_OK ||
        (err = get_string(obj, "keyId", c->key_id, sizeof(c->key_id), detail, cap)) != POSTQ_OK ||
        (err = get_string(obj, "algorithm", c->algorithm, sizeof(c->algorithm), detail, cap)) !=
            POSTQ_OK ||
        (err = get_hex32(obj, "publicKeySha256", c->public_key_sha256, detail, cap)) != POSTQ_OK ||
        (err = get_hex32(obj, "payloadSha256", c->payload_sha256, detail, cap)) != POSTQ_OK ||
        (err = get_hex32(obj, "sigSha256", c->sig_sha256, detail, cap)) != POSTQ_OK ||
        (err = get_uint(obj, "counter", &counter, detail, cap)) != POSTQ_OK ||
        (err = get_uint(obj, "timestamp", &c->timestamp_ms, detail, cap)) != POSTQ_OK) {
        return err;
    }
    c->counter = (uint64_t)counter;
    nonce = member(obj, "nonce", detail, cap);
    if (nonce == NULL) {
        return POSTQ_E_MALFORMED;
    }
    /* 43 characters encode 32 bytes unpadded; anything longer cannot be a 32-byte nonce. */
    if (!json_is_string(nonce) || json_string_length(nonce) != 43 ||
        postq_base64_decode(c->nonce, sizeof(c->nonce), &got, json_string_value(nonce), 43,
                            POSTQ_B64_URL) != POSTQ_OK ||
        got != POSTQ_DOC_NONCE_BYTES) {
        postq_attest_detail(detail, cap, "claims.nonce: not unpadded base64url of 32 bytes");
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

postq_err postq_doc_claims_decode(struct postq_doc_claims *c, const uint8_t *json, size_t len,
                                  char *detail, size_t cap)
{
    json_error_t jerr;
    json_t *obj;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (c == NULL || (json == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    memset(c, 0, sizeof(*c));
    if (len > POSTQ_JWS_PAYLOAD_MAX) {
        postq_attest_detail(detail, cap, "claims: over %d bytes", POSTQ_JWS_PAYLOAD_MAX);
        return POSTQ_E_MALFORMED;
    }
    obj = json_loadb(len > 0 ? (const char *)json : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL) {
        postq_attest_detail(detail, cap, "claims: %s", jerr.text);
        return POSTQ_E_MALFORMED;
    }
    err = decode_obj(c, obj, detail, cap);
    json_decref(obj);
    if (err != POSTQ_OK) {
        memset(c, 0, sizeof(*c));
    }
    return err;
}

/* ---- encoding ---- */

static int text_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap;
}

static postq_err set_hex(json_t *obj, const char *name, const uint8_t h[32])
{
    char hex[65];

    if (postq_hex_encode(hex, sizeof(hex), h, 32) != POSTQ_OK) {
        return POSTQ_E_INTERNAL;
    }
    return json_object_set_new(obj, name, json_string(hex)) == 0 ? POSTQ_OK : POSTQ_E_NOMEM;
}

static postq_err set_str(json_t *obj, const char *name, const char *s)
{
    /* json_string checks UTF-8: a claim the decoder would refuse is not written either. */
    json_t *v = json_string(s);

    if (v == NULL) {
        return POSTQ_E_ARG;
    }
    return json_object_set_new(obj, name, v) == 0 ? POSTQ_OK : POSTQ_E_NOMEM;
}

static postq_err set_int(json_t *obj, const char *name, json_int_t i)
{
    return json_object_set_new(obj, name, json_integer(i)) == 0 ? POSTQ_OK : POSTQ_E_NOMEM;
}

postq_err postq_doc_claims_encode(struct postq_buf *out, const struct postq_doc_claims *c)
{
    char nonce[48];
    json_t *obj = NULL;
    char *s = NULL;
    postq_err err;

    if (out == NULL || c == NULL || c->v != POSTQ_DOC_VERSION ||
        !text_ok(c->vendor, sizeof(c->vendor)) || !text_ok(c->module_id, sizeof(c->module_id)) ||
        !text_ok(c->key_id, sizeof(c->key_id)) || !text_ok(c->algorithm, sizeof(c->algorithm)) ||
        c->counter > (uint64_t)INT64_MAX || c->timestamp_ms < 0) {
        return POSTQ_E_ARG;
    }
    if (postq_base64_encode(nonce, sizeof(nonce), NULL, c->nonce, sizeof(c->nonce),
                            POSTQ_B64_URL) != POSTQ_OK) {
        return POSTQ_E_INTERNAL;
    }
    obj = json_object();
    if (obj == NULL) {
        return POSTQ_E_NOMEM;
    }
    if ((err = set_int(obj, "v", (json_int_t)c->v)) != POSTQ_OK ||
        (err = set_str(obj, "vendor", c->vendor)) != POSTQ_OK ||
        (err = set_str(obj, "moduleId", c->module_id)) != POSTQ_OK ||
        (err = set_hex(obj, "imageHash", c->image_hash)) != POSTQ_OK ||
        (err = set_str(obj, "keyId", c->key_id)) != POSTQ_OK ||
        (err = set_str(obj, "algorithm", c->algorithm)) != POSTQ_OK ||
        (err = set_hex(obj, "publicKeySha256", c->public_key_sha256)) != POSTQ_OK ||
        (err = set_hex(obj, "payloadSha256", c->payload_sha256)) != POSTQ_OK ||
        (err = set_hex(obj, "sigSha256", c->sig_sha256)) != POSTQ_OK ||
        (err = set_int(obj, "counter", (json_int_t)c->counter)) != POSTQ_OK ||
        (err = set_str(obj, "nonce", nonce)) != POSTQ_OK ||
        (err = set_int(obj, "timestamp", (json_int_t)c->timestamp_ms)) != POSTQ_OK) {
        goto out;
    }
    s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    err = postq_buf_append_str(out, s);
out:
    free(s);
    json_decref(obj);
    return err;
}

static postq_err mock_header(struct postq_buf *h, const char *kid, const char *alg)
{
    json_t *obj = json_object();
    char *s = NULL;
    postq_err err = POSTQ_E_NOMEM;

    if (obj == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (kid != NULL && strnlen(kid, POSTQ_JWS_KID_MAX) >= POSTQ_JWS_KID_MAX) {
        err = POSTQ_E_ARG;
        goto out;
    }
    if ((err = set_str(obj, "alg", alg)) != POSTQ_OK ||
        (err = set_str(obj, "typ", POSTQ_JWS_TYP_ATTESTATION)) != POSTQ_OK ||
        (kid != NULL && (err = set_str(obj, "kid", kid)) != POSTQ_OK)) {
        goto out;
    }
    s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    err = postq_buf_append_str(h, s);
out:
    free(s);
    json_decref(obj);
    return err;
}

static const char root_label[] = "postq composite attestation root v1";

const char *postq_root_alg_name(int alg)
{
    return alg == POSTQ_ROOT_ED25519     ? "ed25519"
           : alg == POSTQ_ROOT_COMPOSITE ? POSTQ_JWS_COMPOSITE_ALG
                                         : NULL;
}

int postq_root_alg_parse(const char *s)
{
    return s == NULL                                 ? 0
           : strcmp(s, "ed25519") == 0               ? POSTQ_ROOT_ED25519
           : strcmp(s, POSTQ_JWS_COMPOSITE_ALG) == 0 ? POSTQ_ROOT_COMPOSITE
                                                     : 0;
}

/* The composite private key of the root seed. */
static void composite_sk(uint8_t sk[64], const uint8_t seed[32])
{
    uint8_t in[sizeof(root_label) - 1 + 32];
    memcpy(in, root_label, sizeof(root_label) - 1);
    memcpy(in + sizeof(root_label) - 1, seed, 32);
    postq_shake256(sk, 64, in, sizeof(in));
    postq_wipe(in, sizeof(in));
}

postq_err postq_root_public_key(int alg, const uint8_t seed[32], uint8_t *pk, size_t cap,
                                size_t *pk_len)
{
    uint8_t sk[64];
    postq_err err;

    if (seed == NULL || pk == NULL || pk_len == NULL || cap < POSTQ_ROOT_PK_MAX) {
        return POSTQ_E_ARG;
    }
    *pk_len = 0;
    if (alg == POSTQ_ROOT_ED25519) {
        err = postq_ed_keypair(POSTQ_ED25519, seed, pk);
        *pk_len = err == POSTQ_OK ? 32 : 0;
        return err;
    }
    if (alg != POSTQ_ROOT_COMPOSITE) {
        return POSTQ_E_UNSUPPORTED;
    }
    composite_sk(sk, seed);
    err = postq_hybrid_public_key(POSTQ_JWS_COMPOSITE_ALG, sk, pk);
    postq_wipe(sk, sizeof(sk));
    *pk_len = err == POSTQ_OK ? POSTQ_ROOT_PK_MAX : 0;
    return err;
}

postq_err postq_root_skey_init(struct postq_hybrid_skey *skey, const uint8_t seed[32])
{
    uint8_t sk[64];
    postq_err err;

    if (skey == NULL || seed == NULL) {
        return POSTQ_E_ARG;
    }
    composite_sk(sk, seed);
    err = postq_hybrid_skey_init(skey, POSTQ_JWS_COMPOSITE_ALG, sk);
    postq_wipe(sk, sizeof(sk));
    return err;
}

/* The raw document signed by the root of kind alg: from seed, or, for the composite root, by
 * the expanded key skey when it is not NULL. */
static postq_err encode_mock(struct postq_buf *out, const struct postq_doc_claims *c,
                             const char *kid, int alg, const uint8_t *seed,
                             const struct postq_hybrid_skey *skey, const uint8_t *ed_pk)
{
    struct postq_buf header, payload;
    uint8_t sk[64];
    postq_err err;

    if (out == NULL || c == NULL || (seed == NULL && skey == NULL) ||
        (alg != POSTQ_ROOT_ED25519 && alg != POSTQ_ROOT_COMPOSITE) ||
        (alg == POSTQ_ROOT_ED25519 && seed == NULL)) {
        return POSTQ_E_ARG;
    }
    postq_buf_init(&header, POSTQ_JWS_HEADER_MAX);
    postq_buf_init(&payload, POSTQ_JWS_PAYLOAD_MAX);
    err =
        mock_header(&header, kid, alg == POSTQ_ROOT_ED25519 ? "Ed25519" : POSTQ_JWS_ALG_COMPOSITE);
    if (err == POSTQ_OK) {
        err = postq_doc_claims_encode(&payload, c);
    }
    if (err == POSTQ_OK && alg == POSTQ_ROOT_ED25519 && ed_pk != NULL) {
        err = postq_jws_sign_ed25519_pk(out, header.p, header.len, payload.p, payload.len, seed,
                                        ed_pk);
    } else if (err == POSTQ_OK && alg == POSTQ_ROOT_ED25519) {
        err = postq_jws_sign_ed25519(out, header.p, header.len, payload.p, payload.len, seed);
    } else if (err == POSTQ_OK && skey != NULL) {
        err =
            postq_jws_sign_composite_skey(out, header.p, header.len, payload.p, payload.len, skey);
    } else if (err == POSTQ_OK) {
        composite_sk(sk, seed);
        err = postq_jws_sign_composite(out, header.p, header.len, payload.p, payload.len, sk);
        postq_wipe(sk, sizeof(sk));
    }
    postq_buf_free(&payload);
    postq_buf_free(&header);
    return err;
}

postq_err postq_doc_encode_mock_root(struct postq_buf *out, const struct postq_doc_claims *c,
                                     const char *kid, int alg, const uint8_t seed[32])
{
    return encode_mock(out, c, kid, alg, seed, NULL, NULL);
}

postq_err postq_doc_encode_mock(struct postq_buf *out, const struct postq_doc_claims *c,
                                const char *kid, const uint8_t root_seed[32])
{
    return postq_doc_encode_mock_root(out, c, kid, POSTQ_ROOT_ED25519, root_seed);
}

/* Appends the standard padded base64 of a raw document made by encode_mock. */
static postq_err encode_mock_b64(struct postq_buf *out, const struct postq_doc_claims *c,
                                 const char *kid, int alg, const uint8_t *seed,
                                 const struct postq_hybrid_skey *skey, const uint8_t *ed_pk)
{
    struct postq_buf raw;
    size_t enc, got = 0;
    char *tmp = NULL;
    postq_err err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    postq_buf_init(&raw, POSTQ_JWS_MAX);
    err = encode_mock(&raw, c, kid, alg, seed, skey, ed_pk);
    if (err != POSTQ_OK) {
        goto out;
    }
    enc = postq_base64_encoded_len(raw.len, POSTQ_B64_STD);
    tmp = postq_malloc(enc + 1);
    if (tmp == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    err = postq_base64_encode_public(tmp, enc + 1, &got, raw.p, raw.len, POSTQ_B64_STD);
    if (err == POSTQ_OK) {
        err = postq_buf_append(out, tmp, got);
    }
out:
    postq_free(tmp);
    postq_buf_free(&raw);
    return err;
}

postq_err postq_doc_encode_mock_root_b64(struct postq_buf *out, const struct postq_doc_claims *c,
                                         const char *kid, int alg, const uint8_t seed[32])
{
    if (seed == NULL) {
        return POSTQ_E_ARG;
    }
    return encode_mock_b64(out, c, kid, alg, seed, NULL, NULL);
}

postq_err postq_doc_encode_mock_skey_b64(struct postq_buf *out, const struct postq_doc_claims *c,
                                         const char *kid, const struct postq_hybrid_skey *root)
{
    if (root == NULL) {
        return POSTQ_E_ARG;
    }
    return encode_mock_b64(out, c, kid, POSTQ_ROOT_COMPOSITE, NULL, root, NULL);
}

postq_err postq_doc_encode_mock_ed25519_b64(struct postq_buf *out, const struct postq_doc_claims *c,
                                            const char *kid, const uint8_t seed[32],
                                            const uint8_t pk[32])
{
    if (seed == NULL || pk == NULL) {
        return POSTQ_E_ARG;
    }
    return encode_mock_b64(out, c, kid, POSTQ_ROOT_ED25519, seed, NULL, pk);
}

postq_err postq_doc_encode_mock_b64(struct postq_buf *out, const struct postq_doc_claims *c,
                                    const char *kid, const uint8_t root_seed[32])
{
    return postq_doc_encode_mock_root_b64(out, c, kid, POSTQ_ROOT_ED25519, root_seed);
}
