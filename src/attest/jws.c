/* SPDX-License-Identifier: Apache-2.0 */
/* JWS compact serialization [RFC 7515 §3.1, §5.1, §5.2, §7.1]: the strict parser and the
 * Ed25519 signer of the mock attestation document (docs/formats.md; caps in jws.h). */
#include "attest/jws.h"

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "attest/util.h"
#include "common/base64.h"
#include "common/mem.h"
#include "crypto/composite.h"
#include "crypto/ed.h"

#include <postq/hybrid.h>

int postq_jws_alg_is_ed25519(const char *alg)
{
    return alg != NULL && (strcmp(alg, "Ed25519") == 0 || strcmp(alg, "EdDSA") == 0);
}

int postq_jws_alg_is_composite(const char *alg)
{
    return alg != NULL && strcmp(alg, POSTQ_JWS_ALG_COMPOSITE) == 0;
}

/* Decode one base64url part of at most max bytes into out. */
static postq_err decode_part(uint8_t *out, size_t max, size_t *out_len, const uint8_t *in,
                             size_t len, const char *name, char *detail, size_t cap)
{
    postq_err err;

    /* ceil(4 * max / 3) characters encode max bytes; more is over the cap whatever they are. */
    if (len > (4 * max + 2) / 3) {
        postq_attest_detail(detail, cap, "jws %s: over %zu bytes", name, max);
        return POSTQ_E_TOO_LARGE;
    }
    err = postq_base64_decode_public(out, max, out_len, (const char *)in, len, POSTQ_B64_URL);
    if (err != POSTQ_OK) {
        postq_attest_detail(detail, cap, "jws %s: not canonical unpadded base64url", name);
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

/* Copy the string member name of obj into out (cap bytes, NUL included) when present.
 * *present tells whether it was there. Not a string, an embedded NUL or too long: malformed. */
static postq_err header_string(const json_t *obj, const char *name, char *out, size_t cap,
                               int *present, char *detail, size_t dcap)
{
    const json_t *v = json_object_get(obj, name);
    size_t n;

    *present = 0;
    out[0] = '\0';
    if (v == NULL) {
        return POSTQ_OK;
    }
    if (!json_is_string(v)) {
        postq_attest_detail(detail, dcap, "jws header.%s: not a string", name);
        return POSTQ_E_MALFORMED;
    }
    n = json_string_length(v);
    if (n >= cap || strlen(json_string_value(v)) != n) {
        postq_attest_detail(detail, dcap, "jws header.%s: too long", name);
        return POSTQ_E_MALFORMED;
    }
    memcpy(out, json_string_value(v), n + 1);
    *present = 1;
    return POSTQ_OK;
}

static postq_err parse_header(struct postq_jws *jws, const uint8_t *h, size_t len, char *detail,
                              size_t cap)
{
    json_error_t jerr;
    json_t *obj;
    postq_err err;
    int present = 0;

    obj = json_loadb((const char *)h, len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL) {
        postq_attest_detail(detail, cap, "jws header: %s", jerr.text);
        return POSTQ_E_MALFORMED;
    }
    if (!json_is_object(obj)) {
        postq_attest_detail(detail, cap, "jws header: not a JSON object");
        err = POSTQ_E_MALFORMED;
        goto out;
    }
    err = header_string(obj, "alg", jws->alg, sizeof(jws->alg), &present, detail, cap);
    if (err != POSTQ_OK) {
        goto out;
    }
    if (!present) {
        postq_attest_detail(detail, cap, "jws header.alg: missing");
        err = POSTQ_E_MALFORMED;
        goto out;
    }
    err = header_string(obj, "typ", jws->typ, sizeof(jws->typ), &jws->has_typ, detail, cap);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = header_string(obj, "kid", jws->kid, sizeof(jws->kid), &jws->has_kid, detail, cap);
    if (err != POSTQ_OK) {
        goto out;
    }
    jws->has_crit = json_object_get(obj, "crit") != NULL;
out:
    json_decref(obj);
    return err;
}

postq_err postq_jws_parse(struct postq_jws *jws, const uint8_t *in, size_t len, char *detail,
                          size_t cap)
{
    uint8_t header[POSTQ_JWS_HEADER_MAX];
    size_t header_len = 0, dot1, dot2, i;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (jws == NULL || (in == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    /* The header fields and the lengths; payload and sig are read only up to their lengths (a
     * memset of the whole struct, their buffers included, cost 12,000 instructions a document).
     * Every failure below zeroes the whole struct. */
    memset(jws, 0, offsetof(struct postq_jws, payload));
    jws->payload_len = 0;
    jws->sig_len = 0;
    jws->signing_input_len = 0;
    if (len > POSTQ_JWS_MAX) {
        memset(jws, 0, sizeof(*jws));
        postq_attest_detail(detail, cap, "jws: over %d bytes", POSTQ_JWS_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    /* Exactly three parts. Characters other than '.' are left to the base64url decoder. */
    dot1 = dot2 = len;
    for (i = 0; i < len; i++) {
        if (in[i] != '.') {
            continue;
        }
        if (dot1 == len) {
            dot1 = i;
        } else if (dot2 == len) {
            dot2 = i;
        } else {
            memset(jws, 0, sizeof(*jws));
            postq_attest_detail(detail, cap, "jws: more than three parts");
            return POSTQ_E_MALFORMED;
        }
    }
    if (dot2 == len) {
        memset(jws, 0, sizeof(*jws));
        postq_attest_detail(detail, cap, "jws: not three dot-separated parts");
        return POSTQ_E_MALFORMED;
    }
    if (dot1 == 0 || dot2 == dot1 + 1) {
        memset(jws, 0, sizeof(*jws));
        postq_attest_detail(detail, cap, "jws: empty %s", dot1 == 0 ? "header" : "payload");
        return POSTQ_E_MALFORMED;
    }
    err = decode_part(header, sizeof(header), &header_len, in, dot1, "header", detail, cap);
    if (err == POSTQ_OK) {
        err = decode_part(jws->payload, sizeof(jws->payload), &jws->payload_len, in + dot1 + 1,
                          dot2 - dot1 - 1, "payload", detail, cap);
    }
    if (err == POSTQ_OK) {
        err = decode_part(jws->sig, sizeof(jws->sig), &jws->sig_len, in + dot2 + 1, len - dot2 - 1,
                          "signature", detail, cap);
    }
    if (err == POSTQ_OK) {
        err = parse_header(jws, header, header_len, detail, cap);
    }
    if (err == POSTQ_OK && postq_jws_alg_is_ed25519(jws->alg) &&
        jws->sig_len != POSTQ_JWS_ED25519_SIG_BYTES) {
        postq_attest_detail(detail, cap, "jws signature: %zu bytes, Ed25519 has 64", jws->sig_len);
        err = POSTQ_E_MALFORMED;
    }
    if (err == POSTQ_OK && postq_jws_alg_is_composite(jws->alg) &&
        jws->sig_len != POSTQ_JWS_COMPOSITE_SIG_BYTES) {
        postq_attest_detail(detail, cap, "jws signature: %zu bytes, %s has %d", jws->sig_len,
                            POSTQ_JWS_ALG_COMPOSITE, POSTQ_JWS_COMPOSITE_SIG_BYTES);
        err = POSTQ_E_MALFORMED;
    }
    if (err != POSTQ_OK) {
        memset(jws, 0, sizeof(*jws));
        return err;
    }
    jws->signing_input_len = dot2;
    return POSTQ_OK;
}

/* Append the base64url of p[0..n) to out. */
static postq_err append_b64url(struct postq_buf *out, const uint8_t *p, size_t n)
{
    size_t enc = postq_base64_encoded_len(n, POSTQ_B64_URL), got = 0;
    char *tmp;
    postq_err err;

    if (n > 0 && enc == 0) {
        return POSTQ_E_TOO_LARGE;
    }
    tmp = postq_malloc(enc + 1);
    if (tmp == NULL) {
        return POSTQ_E_NOMEM;
    }
    err = postq_base64_encode_public(tmp, enc + 1, &got, p, n, POSTQ_B64_URL);
    if (err == POSTQ_OK) {
        err = postq_buf_append(out, tmp, got);
    }
    postq_free(tmp);
    return err;
}

/* The signers of postq_jws_sign: sign msg[0..len) into sig (POSTQ_JWS_SIG_MAX bytes). */
typedef postq_err (*jws_signer)(const void *key, const uint8_t *msg, size_t len, uint8_t *sig);

static postq_err sign_ed25519(const void *seed, const uint8_t *msg, size_t len, uint8_t *sig)
{
    return postq_ed_sign(POSTQ_ED25519, seed, msg, len, sig);
}

/* An Ed25519 key with its public key already derived (postq_ed_sign_pk). */
struct ed25519_key {
    const uint8_t *seed, *pk;
};

static postq_err sign_ed25519_pk(const void *key, const uint8_t *msg, size_t len, uint8_t *sig)
{
    const struct ed25519_key *k = key;
    return postq_ed_sign_pk(POSTQ_ED25519, k->seed, k->pk, msg, len, sig);
}

static postq_err sign_composite(const void *sk, const uint8_t *msg, size_t len, uint8_t *sig)
{
    return postq_hybrid_sign(POSTQ_JWS_COMPOSITE_ALG, sk, msg, len, NULL, 0, sig);
}

static postq_err sign_composite_skey(const void *skey, const uint8_t *msg, size_t len, uint8_t *sig)
{
    return postq_hybrid_sign_skey(skey, msg, len, NULL, 0, sig);
}

/* header "." payload, signed by fn under key into a signature of sig_len bytes. */
static postq_err jws_sign(struct postq_buf *out, const uint8_t *header, size_t header_len,
                          const uint8_t *payload, size_t payload_len, jws_signer fn,
                          const void *key, size_t sig_len)
{
    uint8_t *sig;
    size_t start;
    postq_err err;

    if (out == NULL || key == NULL || (header == NULL && header_len > 0) ||
        (payload == NULL && payload_len > 0)) {
        return POSTQ_E_ARG;
    }
    sig = postq_malloc(POSTQ_JWS_SIG_MAX);
    if (sig == NULL) {
        return POSTQ_E_NOMEM;
    }
    start = out->len;
    err = append_b64url(out, header, header_len);
    if (err == POSTQ_OK) {
        err = postq_buf_append(out, ".", 1);
    }
    if (err == POSTQ_OK) {
        err = append_b64url(out, payload, payload_len);
    }
    if (err == POSTQ_OK) {
        err = fn(key, out->p + start, out->len - start, sig);
    }
    if (err == POSTQ_OK) {
        err = postq_buf_append(out, ".", 1);
    }
    if (err == POSTQ_OK) {
        err = append_b64url(out, sig, sig_len);
    }
    postq_wipe(sig, POSTQ_JWS_SIG_MAX);
    postq_free(sig);
    return err;
}

postq_err postq_jws_sign_composite(struct postq_buf *out, const uint8_t *header, size_t header_len,
                                   const uint8_t *payload, size_t payload_len, const uint8_t sk[64])
{
    return jws_sign(out, header, header_len, payload, payload_len, sign_composite, sk,
                    POSTQ_JWS_COMPOSITE_SIG_BYTES);
}

postq_err postq_jws_sign_composite_skey(struct postq_buf *out, const uint8_t *header,
                                        size_t header_len, const uint8_t *payload,
                                        size_t payload_len, const struct postq_hybrid_skey *skey)
{
    if (skey == NULL || skey->alg == NULL || strcmp(skey->alg, POSTQ_JWS_COMPOSITE_ALG) != 0) {
        return POSTQ_E_ARG;
    }
    return jws_sign(out, header, header_len, payload, payload_len, sign_composite_skey, skey,
                    POSTQ_JWS_COMPOSITE_SIG_BYTES);
}

postq_err postq_jws_sign_ed25519_pk(struct postq_buf *out, const uint8_t *header, size_t header_len,
                                    const uint8_t *payload, size_t payload_len,
                                    const uint8_t seed[32], const uint8_t pk[32])
{
    struct ed25519_key k = {seed, pk};

    if (seed == NULL || pk == NULL) {
        return POSTQ_E_ARG;
    }
    return jws_sign(out, header, header_len, payload, payload_len, sign_ed25519_pk, &k,
                    POSTQ_JWS_ED25519_SIG_BYTES);
}

postq_err postq_jws_sign_ed25519(struct postq_buf *out, const uint8_t *header, size_t header_len,
                                 const uint8_t *payload, size_t payload_len, const uint8_t seed[32])
{
    return jws_sign(out, header, header_len, payload, payload_len, sign_ed25519, seed,
                    POSTQ_JWS_ED25519_SIG_BYTES);
}
