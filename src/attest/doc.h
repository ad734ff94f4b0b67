/* SPDX-License-Identifier: Apache-2.0 */
/* The mock attestation document's claims [docs/formats.md]: strict decoder, encoder, and the
 * whole-document encoder the enclave uses (claims -> JWS signed by the root key).
 *
 * | claim           | JSON type         | rule                                           |
 * |-----------------|-------------------|------------------------------------------------|
 * | v               | integer           | exactly 1                                      |
 * | vendor          | string            | 1..31 characters                               |
 * | moduleId        | string            | 1..127 characters                              |
 * | imageHash       | string            | 64 lowercase hex                               |
 * | keyId           | string            | 1..127 characters                              |
 * | algorithm       | string            | 1..31 characters                               |
 * | publicKeySha256 | string            | 64 lowercase hex                               |
 * | payloadSha256   | string            | 64 lowercase hex                               |
 * | sigSha256       | string            | 64 lowercase hex                               |
 * | counter         | integer           | 0..2^63-1                                      |
 * | nonce           | string            | canonical unpadded base64url of 32 bytes       |
 * | timestamp       | integer           | milliseconds since the epoch, 0..2^63-1        |
 *
 * All claims are required; unknown members are ignored; duplicates, non-objects, invalid UTF-8,
 * trailing bytes and reals where integers belong (1.0) are rejected. The vendor claim is only
 * read here: whether it matches is the verifier's check (vendor_mismatch). */
#ifndef POSTQ_ATTEST_DOC_H
#define POSTQ_ATTEST_DOC_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "attest/verifier.h"
#include "common/buf.h"

#define POSTQ_DOC_VERSION       1
#define POSTQ_DOC_VENDOR_MAX    32 /* text, NUL included */
#define POSTQ_DOC_MODULE_ID_MAX 128
#define POSTQ_DOC_KEY_ID_MAX    128
#define POSTQ_DOC_ALG_MAX       32
#define POSTQ_DOC_NONCE_BYTES   32

struct postq_doc_claims {
    int64_t v;
    char vendor[POSTQ_DOC_VENDOR_MAX];
    char module_id[POSTQ_DOC_MODULE_ID_MAX];
    uint8_t image_hash[32];
    char key_id[POSTQ_DOC_KEY_ID_MAX];
    char algorithm[POSTQ_DOC_ALG_MAX];
    uint8_t public_key_sha256[32];
    uint8_t payload_sha256[32];
    uint8_t sig_sha256[32];
    uint64_t counter;
    uint8_t nonce[POSTQ_DOC_NONCE_BYTES];
    int64_t timestamp_ms;
};

/* Decode the claims JSON json[0..len) strictly (table above) into *c (zeroed on failure).
 *   detail  "claims.<name>: <problem>" on failure, "" on success; may be NULL when cap is 0.
 * POSTQ_OK; POSTQ_E_MALFORMED; POSTQ_E_ARG for NULL. */
POSTQ_MUST_CHECK postq_err postq_doc_claims_decode(struct postq_doc_claims *c, const uint8_t *json,
                                                   size_t len, char *detail, size_t cap);

/* Append the compact claims JSON of c to out. POSTQ_E_ARG when c breaks a rule of the table
 * (so the encoder never writes what the decoder refuses); POSTQ_E_NOMEM, POSTQ_E_TOO_LARGE. */
POSTQ_MUST_CHECK postq_err postq_doc_claims_encode(struct postq_buf *out,
                                                   const struct postq_doc_claims *c);

/* The enclave root that signs mock documents [docs/formats.md]: Ed25519, or the composite
 * mldsa65+ed25519 (a post-quantum signature on provenance). Both come from one 32-byte root
 * seed: Ed25519 uses it as its seed; the composite's 64-byte private key (ML-DSA seed ||
 * Ed25519 seed) is SHAKE256("postq composite attestation root v1" || seed). */

/* "ed25519" or "mldsa65+ed25519" (the names `postq-enclave secret new --root` takes); NULL for
 * another value. */
const char *postq_root_alg_name(int alg);
/* The alg named s (as above), or 0. */
int postq_root_alg_parse(const char *s);

/* The root's public key: *pk_len 32 or 1984 bytes into pk (cap at least POSTQ_ROOT_PK_MAX).
 * CT: the seed decides no branch. */
POSTQ_MUST_CHECK postq_err postq_root_public_key(int alg, const uint8_t seed[32], uint8_t *pk,
                                                 size_t cap, size_t *pk_len);

/* As postq_doc_encode_mock_b64, signed by the root of kind alg from seed: alg "Ed25519" or
 * POSTQ_JWS_ALG_COMPOSITE in the header. */
POSTQ_MUST_CHECK postq_err postq_doc_encode_mock_root_b64(struct postq_buf *out,
                                                          const struct postq_doc_claims *c,
                                                          const char *kid, int alg,
                                                          const uint8_t seed[32]);
/* The composite root's expanded signing key, derived from the root seed as above: signing a
 * document under it (postq_doc_encode_mock_skey_b64) skips re-deriving the ML-DSA key each time.
 * skey holds secrets (crypto/composite.h). */
struct postq_hybrid_skey;
POSTQ_MUST_CHECK postq_err postq_root_skey_init(struct postq_hybrid_skey *skey,
                                                const uint8_t seed[32]);

/* As postq_doc_encode_mock_root_b64 for the composite root, signed under its expanded key
 * root (from postq_root_skey_init): the same document, byte for byte, for the same rnd. */
POSTQ_MUST_CHECK postq_err postq_doc_encode_mock_skey_b64(struct postq_buf *out,
                                                          const struct postq_doc_claims *c,
                                                          const char *kid,
                                                          const struct postq_hybrid_skey *root);

/* As postq_doc_encode_mock_root_b64 for an Ed25519 root whose public key pk (the seed's) is
 * already known: the same document, without deriving pk on every document. */
POSTQ_MUST_CHECK postq_err postq_doc_encode_mock_ed25519_b64(struct postq_buf *out,
                                                             const struct postq_doc_claims *c,
                                                             const char *kid,
                                                             const uint8_t seed[32],
                                                             const uint8_t pk[32]);

/* The raw document of postq_doc_encode_mock_root_b64. */
POSTQ_MUST_CHECK postq_err postq_doc_encode_mock_root(struct postq_buf *out,
                                                      const struct postq_doc_claims *c,
                                                      const char *kid, int alg,
                                                      const uint8_t seed[32]);

/* The raw mock document: JWS of header {"alg":"Ed25519","typ":"postq-attestation+jws",
 * "kid":kid} and c's claims, signed with the 32-byte Ed25519 root seed, appended to out.
 * kid may be NULL (no kid member) and is at most 127 characters. Errors as above and as
 * postq_jws_sign_ed25519. CT: the seed decides no branch. */
POSTQ_MUST_CHECK postq_err postq_doc_encode_mock(struct postq_buf *out,
                                                 const struct postq_doc_claims *c, const char *kid,
                                                 const uint8_t root_seed[32]);

/* As postq_doc_encode_mock, but appends docB64: the standard padded base64 of the raw
 * document [docs/formats.md], NUL-terminated as every postq_buf is. */
POSTQ_MUST_CHECK postq_err postq_doc_encode_mock_b64(struct postq_buf *out,
                                                     const struct postq_doc_claims *c,
                                                     const char *kid, const uint8_t root_seed[32]);

#endif
