/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor "mock" [docs/formats.md]: a JWS signed by the enclave's root key, Ed25519 or the
 * composite ML-DSA-65-Ed25519, verified with the policy's pinned roots (rootPublicKeyB64,
 * rootPublicKeysB64), never with a key named by the header. The pinned keys decide which
 * algorithms are acceptable: a header naming one no pinned root has is refused before any
 * signature is checked, so a document cannot downgrade itself to the classical half. */
#include <string.h>

#include "attest/doc.h"
#include "attest/jws.h"
#include "attest/verifier.h"
#include "common/mem.h"
#include "crypto/ed.h"

#include <postq/hybrid.h>

struct mock_state {
    const uint8_t *raw; /* borrowed: the caller keeps the document alive until release */
    struct postq_jws jws;
    struct postq_doc_claims doc;
};

static postq_err mock_parse(const uint8_t *raw, size_t len, void **state,
                            struct postq_attest_claims *claims, char *detail, size_t cap)
{
    struct mock_state *st;
    const struct postq_doc_claims *d;
    postq_err err;

    *state = NULL;
    /* Not calloc: postq_jws_parse and postq_doc_claims_decode set every field they fill (the
     * JWS payload and signature buffers up to their lengths), and zeroing 12 KiB a document is
     * not free. */
    st = postq_malloc(sizeof(*st));
    if (st == NULL) {
        return POSTQ_E_NOMEM;
    }
    st->raw = raw;
    err = postq_jws_parse(&st->jws, raw, len, detail, cap);
    if (err == POSTQ_OK) {
        err = postq_doc_claims_decode(&st->doc, st->jws.payload, st->jws.payload_len, detail,
                                      cap);
    }
    if (err != POSTQ_OK) {
        postq_free(st);
        return err;
    }
    d = &st->doc;
    memset(claims, 0, sizeof(*claims));
    claims->have = POSTQ_CLAIM_MODULE_ID | POSTQ_CLAIM_MEASUREMENT | POSTQ_CLAIM_KEY |
                   POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_SIG_SHA256 | POSTQ_CLAIM_COUNTER |
                   POSTQ_CLAIM_NONCE | POSTQ_CLAIM_TIMESTAMP;
    memcpy(claims->vendor, d->vendor, sizeof(claims->vendor));
    memcpy(claims->module_id, d->module_id, sizeof(claims->module_id));
    memcpy(claims->measurement, d->image_hash, 32);
    claims->measurement_len = 32;
    memcpy(claims->key_id, d->key_id, sizeof(claims->key_id));
    memcpy(claims->algorithm, d->algorithm, sizeof(claims->algorithm));
    memcpy(claims->public_key_sha256, d->public_key_sha256, 32);
    memcpy(claims->payload_sha256, d->payload_sha256, 32);
    memcpy(claims->sig_sha256, d->sig_sha256, 32);
    claims->counter = d->counter;
    memcpy(claims->nonce, d->nonce, 32);
    claims->timestamp_ms = d->timestamp_ms;
    *state = st;
    return POSTQ_OK;
}

static postq_err mock_appraise(void *state, const struct postq_attest_claims *claims,
                               const struct postq_attest_policy *policy, int64_t now_ms,
                               struct postq_attest_run *run)
{
    const struct mock_state *st = state;
    const struct postq_jws *jws = &st->jws;
    postq_err err;

    int want, pinned = 0, ok = 0;

    (void)now_ms;
    want = postq_jws_alg_is_ed25519(jws->alg)     ? POSTQ_ROOT_ED25519
           : postq_jws_alg_is_composite(jws->alg) ? POSTQ_ROOT_COMPOSITE
                                                  : 0;
    if (want == 0) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                 "header alg \"%s\": only Ed25519, EdDSA or " POSTQ_JWS_ALG_COMPOSITE,
                                 jws->alg);
    }
    for (size_t i = 0; i < policy->n_roots; i++) {
        pinned += policy->roots[i].alg == want;
    }
    if (pinned == 0) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                 "header alg \"%s\": the policy pins no root for it", jws->alg);
    }
    if (jws->has_crit) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                   "header has crit: no extension is understood");
    }
    if (!jws->has_typ || strcmp(jws->typ, POSTQ_JWS_TYP_ATTESTATION) != 0) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                   "header typ \"%s\": expected \"%s\"", jws->typ,
                                   POSTQ_JWS_TYP_ATTESTATION);
    }
    postq_attest_pass(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED);

    /* Any pinned root of the header's kind may have signed (a policy pins several while a
     * deployment moves to a new root). */
    for (size_t i = 0; !ok && i < policy->n_roots; i++) {
        const struct postq_policy_root *r = &policy->roots[i];
        if (r->alg != want) {
            continue;
        }
        err = want == POSTQ_ROOT_ED25519
                  ? postq_ed_verify(POSTQ_ED25519, r->pk, st->raw, jws->signing_input_len,
                                    jws->sig, jws->sig_len)
                  : postq_hybrid_verify(POSTQ_JWS_COMPOSITE_ALG, r->pk, st->raw,
                                        jws->signing_input_len, NULL, 0, jws->sig, jws->sig_len);
        if (err == POSTQ_OK) {
            ok = 1;
        } else if (err != POSTQ_E_INVALID) {
            return err;
        }
    }
    if (!ok) {
        return postq_attest_fail(run, POSTQ_REASON_DOC_SIGNATURE_INVALID,
                                 want == POSTQ_ROOT_ED25519
                                     ? "Ed25519 signature does not verify under the pinned root key"
                                     : POSTQ_JWS_ALG_COMPOSITE
                                     " signature does not verify under the pinned root key");
    }
    postq_attest_pass(run, POSTQ_REASON_DOC_SIGNATURE_INVALID);

    for (size_t i = 0; i < policy->n_images; i++) {
        if (memcmp(policy->images[i], claims->measurement, 32) == 0) {
            postq_attest_pass(run, POSTQ_REASON_IMAGE_NOT_ALLOWED);
            return POSTQ_OK;
        }
    }
    return postq_attest_fail(run, POSTQ_REASON_IMAGE_NOT_ALLOWED,
                             "imageHash is not in allowedImageHashes");
}

static void mock_release(void *state)
{
    if (state != NULL) {
        postq_wipe(state, sizeof(struct mock_state));
        postq_free(state);
    }
}

const struct postq_attest_vendor postq_attest_vendor_mock = {
    .id = POSTQ_VENDOR_MOCK,
    .name = "mock",
    .parse = mock_parse,
    .appraise = mock_appraise,
    .release = mock_release,
};
