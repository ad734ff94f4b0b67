/* SPDX-License-Identifier: Apache-2.0 */
/* JWS compact serialization [RFC 7515 §3.1, §7.1] as the mock attestation document uses it
 * (docs/formats.md): a strict parser with a size cap on every part, and an Ed25519 signer.
 *
 *   document      = b64url(header) "." b64url(payload) "." b64url(signature)
 *   signing input = the ASCII bytes before the second "."
 *
 * | part      | encoding                         | cap (decoded)              |
 * |-----------|----------------------------------|----------------------------|
 * | whole doc | ASCII                            | POSTQ_JWS_MAX (16 KiB)     |
 * | header    | base64url, no padding, canonical | 1 KiB; a UTF-8 JSON object |
 * | payload   | base64url, no padding, canonical | 8 KiB; bytes (claims: doc.h)|
 * | signature | base64url, no padding, canonical | 512; exactly 64 for Ed25519/EdDSA |
 *
 * The header is a JSON object without duplicate members; `alg` is a required string, `typ` and
 * `kid` optional strings; `crit` of any type is recorded (the verifier rejects it). Whether alg
 * and typ are acceptable is the verifier's decision (reason doc_alg_unsupported), not the
 * parser's, so that `alg: none` is reported as what it is. Thread-safe; no shared state. */
#ifndef POSTQ_ATTEST_JWS_H
#define POSTQ_ATTEST_JWS_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "common/buf.h"

#define POSTQ_JWS_MAX                 16384
#define POSTQ_JWS_HEADER_MAX          1024
#define POSTQ_JWS_PAYLOAD_MAX         8192
#define POSTQ_JWS_SIG_MAX             3584 /* the largest: ML-DSA-65-Ed25519, 3373 bytes */
#define POSTQ_JWS_ED25519_SIG_BYTES   64
#define POSTQ_JWS_COMPOSITE_SIG_BYTES 3373
/* The JWS alg of a composite mldsa65+ed25519 signature, as draft-ietf-jose-pq-composite-sigs
 * registers it; the signature is the composite of docs/formats.md (Algorithms) over the JWS
 * signing input, with the empty context. */
#define POSTQ_JWS_ALG_COMPOSITE "ML-DSA-65-Ed25519"
#define POSTQ_JWS_COMPOSITE_ALG "mldsa65+ed25519" /* the same, in the API's names */
#define POSTQ_JWS_ALG_MAX       32                /* alg text, NUL included */
#define POSTQ_JWS_TYP_MAX       64                /* typ text, NUL included */
#define POSTQ_JWS_KID_MAX       128               /* kid text, NUL included */

/* The media type of the mock attestation document [docs/formats.md]. */
#define POSTQ_JWS_TYP_ATTESTATION "postq-attestation+jws"

/* A parsed document. Large (about 10 KiB): allocate it, or keep it off small stacks. */
struct postq_jws {
    char alg[POSTQ_JWS_ALG_MAX];
    char typ[POSTQ_JWS_TYP_MAX]; /* "" when has_typ is 0 */
    char kid[POSTQ_JWS_KID_MAX]; /* "" when has_kid is 0 */
    int has_typ, has_kid, has_crit;
    uint8_t payload[POSTQ_JWS_PAYLOAD_MAX];
    size_t payload_len;
    uint8_t sig[POSTQ_JWS_SIG_MAX];
    size_t sig_len;
    size_t signing_input_len; /* the signing input is in[0..signing_input_len) of the input */
};

/* 1 when alg names Ed25519 as docs/formats.md allows ("Ed25519" or "EdDSA"), else 0. */
int postq_jws_alg_is_ed25519(const char *alg);
/* 1 when alg is POSTQ_JWS_ALG_COMPOSITE, else 0. */
int postq_jws_alg_is_composite(const char *alg);

/* Parse in[0..len) strictly (table above) into *jws.
 *   detail  receives a short reason on failure ("" on success); may be NULL when cap is 0.
 * POSTQ_OK; POSTQ_E_MALFORMED for any violation (shape, encoding, JSON, types, duplicates);
 * POSTQ_E_TOO_LARGE when the document or a part is over its cap; POSTQ_E_ARG for NULL;
 * POSTQ_E_NOMEM when the JSON decoder runs out of memory. *jws is zeroed on failure. */
POSTQ_MUST_CHECK postq_err postq_jws_parse(struct postq_jws *jws, const uint8_t *in, size_t len,
                                           char *detail, size_t cap);

/* As postq_jws_sign_ed25519, signed with the composite mldsa65+ed25519 private key sk (its
 * 64 bytes: ML-DSA seed || Ed25519 seed), alg POSTQ_JWS_ALG_COMPOSITE; the ML-DSA half is
 * hedged. POSTQ_E_RNG when no randomness could be had. */
POSTQ_MUST_CHECK postq_err postq_jws_sign_composite(struct postq_buf *out, const uint8_t *header,
                                                    size_t header_len, const uint8_t *payload,
                                                    size_t payload_len, const uint8_t sk[64]);
/* As postq_jws_sign_composite, signed under the expanded key skey (made by
 * postq_hybrid_skey_init for POSTQ_JWS_COMPOSITE_ALG; POSTQ_E_ARG for another). */
struct postq_hybrid_skey;
POSTQ_MUST_CHECK postq_err postq_jws_sign_composite_skey(struct postq_buf *out,
                                                         const uint8_t *header, size_t header_len,
                                                         const uint8_t *payload, size_t payload_len,
                                                         const struct postq_hybrid_skey *skey);

/* Append the compact JWS of header[0..header_len) and payload[0..payload_len), signed with
 * Ed25519 under the 32-byte seed, to out. The bytes are taken as given (no JSON check, no
 * caps: those are the parser's), so tests can sign deliberately bad documents.
 * POSTQ_E_TOO_LARGE / POSTQ_E_NOMEM from out, POSTQ_E_ARG for NULL, POSTQ_E_CRYPTO when
 * signing fails; out may then hold part of the document: reset it.
 * CT: time depends on the lengths only; the seed never decides a branch. */
POSTQ_MUST_CHECK postq_err postq_jws_sign_ed25519(struct postq_buf *out, const uint8_t *header,
                                                  size_t header_len, const uint8_t *payload,
                                                  size_t payload_len, const uint8_t seed[32]);
/* As postq_jws_sign_ed25519 with the seed's public key pk already known (postq_ed_sign_pk): the
 * same JWS, without deriving pk again. */
POSTQ_MUST_CHECK postq_err postq_jws_sign_ed25519_pk(struct postq_buf *out, const uint8_t *header,
                                                     size_t header_len, const uint8_t *payload,
                                                     size_t payload_len, const uint8_t seed[32],
                                                     const uint8_t pk[32]);

#endif
