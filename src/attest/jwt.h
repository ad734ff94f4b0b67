/* SPDX-License-Identifier: Apache-2.0 */
/* JWTs of the hardware vendors (GCP Confidential Space, Azure Attestation) [RFC 7519, RFC 7515
 * §3.1 compact form]: a strict parser, RS256 verification under an x5c leaf or a pinned JWKS
 * [RFC 7517] (never a key the token points to: jku and x5u are ignored), and the PostQ binding
 * strings of docs/vendors.md.
 *
 * | part      | encoding                         | cap (decoded)                          |
 * |-----------|----------------------------------|----------------------------------------|
 * | whole     | ASCII, three parts               | POSTQ_JWT_MAX (16 KiB)                 |
 * | header    | base64url, no padding, canonical | 12 KiB; a JSON object, no duplicates   |
 * | claims    | base64url, no padding, canonical | 12 KiB; a JSON object, no duplicates   |
 * | signature | base64url, no padding, canonical | 1 KiB                                  |
 *
 * Header: alg a required string; typ, kid optional strings; x5c optional, an array of 1..7
 * standard-base64 DER certificates; crit recorded. Thread-safe; no shared state. */
#ifndef POSTQ_ATTEST_JWT_H
#define POSTQ_ATTEST_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <postq/attest.h>
#include <postq/err.h>

#include "attest/verifier.h"
#include "attest/x509.h"
#include "common/buf.h"

#define POSTQ_JWT_MAX 16384
#define POSTQ_JWT_PART_MAX 12288
#define POSTQ_JWT_SIG_MAX 1024

struct postq_jwt {
    json_t *header, *claims;       /* owned */
    size_t signing_input_len;      /* raw[0..signing_input_len) is signed */
    uint8_t sig[POSTQ_JWT_SIG_MAX];
    size_t sig_len;
    const char *alg, *kid, *typ;   /* into header; kid and typ NULL when absent */
    int has_crit;
    size_t n_x5c;                  /* 0 when the header has no x5c */
    uint8_t *x5c[POSTQ_X509_CHAIN_MAX]; /* owned DER, x5c[0] the leaf */
    size_t x5c_len[POSTQ_X509_CHAIN_MAX];
};

/* Parse raw[0..len) strictly (table above). POSTQ_OK; POSTQ_E_MALFORMED / POSTQ_E_TOO_LARGE
 * (detail); POSTQ_E_NOMEM. On failure *jwt owns nothing. */
POSTQ_MUST_CHECK postq_err postq_jwt_parse(struct postq_jwt *jwt, const uint8_t *raw, size_t len,
                                           char *detail, size_t cap);

void postq_jwt_free(struct postq_jwt *jwt);

/* Check a pinned JWKS (a JSON object with a non-empty "keys" array; each key an object with
 * kty "RSA", a kid string, and either n and e (base64url) or x5c). field names the policy
 * member for detail ("matchRules.jwks"). POSTQ_OK or POSTQ_E_MALFORMED. */
POSTQ_MUST_CHECK postq_err postq_jwt_check_jwks(const json_t *jwks, const char *field,
                                                char *detail, size_t cap);

/* The chain_invalid and doc_signature_invalid checks of a token signed by a key of the pinned
 * JWKS: the key whose kid is the header's (a missing kid or key, or a key whose x5c
 * certificate is outside its window at now_s, is chain_invalid), then RS256 over the signing
 * input raw[0..signing_input_len). Recorded on run. POSTQ_OK, POSTQ_E_REJECTED, or another
 * negative code when something other than the token failed. */
POSTQ_MUST_CHECK postq_err postq_jwt_verify_jwks(const struct postq_jwt *jwt, const uint8_t *raw,
                                                 const json_t *jwks, int64_t now_s,
                                                 struct postq_attest_run *run);

/* The PostQ binding (docs/vendors.md): list is a string or an array of strings; entries
 * "pq1.n.<b64url 32 bytes>" (nonce), "pq1.p." (payloadSha256), "pq1.s." (sigSha256),
 * "pq1.k." (publicKeySha256), "pq1.a.<algorithm>", "pq1.c.<decimal counter>" fill claims;
 * other strings are ignored. A malformed or repeated pq1 entry is POSTQ_E_MALFORMED. A key
 * binding (k) needs the algorithm (a) and the other way round. */
POSTQ_MUST_CHECK postq_err postq_jwt_binding(const json_t *list, struct postq_attest_claims *c,
                                             char *detail, size_t cap);

/* A member of obj by dotted path ("submods.container.image_digest"); NULL when absent. */
const json_t *postq_jwt_path(const json_t *obj, const char *path);

#endif
