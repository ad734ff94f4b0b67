/* SPDX-License-Identifier: Apache-2.0 */
/* Verifying a sign result in one call: what `postq verify` does, for C programs. Given the sign
 * result (the JSON POST /v1/sign returns, docs/formats.md), the payload as a stream, and what
 * the caller pins itself (a policy, a public key, or both), it runs every check of
 * docs/verification.md in order and stops at the first failure:
 *
 *   with a policy:     the attestation document's checks (doc_malformed ... doc_from_future),
 *                      result_mismatch, payload_hash_mismatch, sig_hash_mismatch, and with a
 *                      public key key_mismatch and signature_invalid as well;
 *   without a policy:  key_mismatch, payload_hash_mismatch, signature_invalid (where the
 *                      signature was made is then not checked).
 *
 * Time: the document's age is judged at the sign result's createdAt (when the API accepted
 * it), so a signature verifies the same way a day or a year later; opt->at_ms chooses another
 * reference time. A document timestamp or a createdAt later than the real clock + 60 s is
 * doc_from_future whatever the reference time.
 *
 * The PostQ service signs with an empty composite context (ctx): so does this check.
 * Thread-safe; no shared state. Every input is public: nothing here is constant time. */
#ifndef POSTQ_VERIFY_H
#define POSTQ_VERIFY_H

#include <postq/attest.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- public keys ---- */

/* A composite public key from PEM "PUBLIC KEY" text (SubjectPublicKeyInfo with the LAMPS
 * composite OID, parameters absent, the BIT STRING holding mldsaPk || edPk: what
 * `postq key get ID --public-key-out` writes). White space may surround the block and lines may
 * end in "\n" or "\r\n"; the base64 is strict. On success *alg is the algorithm's API name
 * (static storage), the key is copied to pk (pk_cap bytes; POSTQ_HYBRID_PK_MAX suffices) and
 * *pk_len is its size. POSTQ_E_MALFORMED for text that is not such a key; POSTQ_E_UNSUPPORTED
 * for a composite-shaped key of another algorithm; POSTQ_E_LENGTH when pk_cap is too small;
 * POSTQ_E_ARG for a NULL pointer. */
POSTQ_API POSTQ_MUST_CHECK int postq_public_key_from_pem(const char *pem, size_t pem_len,
                                                         const char **alg, uint8_t *pk,
                                                         size_t pk_cap, size_t *pk_len);

/* The same from the DER SubjectPublicKeyInfo; strict (minimal lengths, nothing trailing). */
POSTQ_API POSTQ_MUST_CHECK int postq_public_key_from_der(const uint8_t *der, size_t der_len,
                                                         const char **alg, uint8_t *pk,
                                                         size_t pk_cap, size_t *pk_len);

/* The key's JSON as the API returns it (GET /v1/hybrid-keys/{id}): its "algorithm" and
 * "publicKeyB64" members (standard padded base64 of exactly the algorithm's key size); other
 * members are ignored, duplicates refused. Same outputs and errors as the PEM reader. */
POSTQ_API POSTQ_MUST_CHECK int postq_public_key_from_json(const char *json, size_t json_len,
                                                          const char **alg, uint8_t *pk,
                                                          size_t pk_cap, size_t *pk_len);
/* The same for one version of the key: when the JSON lists "versions" (as the API's key does
 * since key rotation), the publicKeyB64 of the entry whose "version" is version (a sign
 * result's keyVersion), POSTQ_E_NOT_FOUND when there is none; without "versions", or with
 * version 0, the top-level publicKeyB64 as postq_public_key_from_json. */
POSTQ_API POSTQ_MUST_CHECK int postq_public_key_from_json_version(const char *json,
                                                                  size_t json_len, int64_t version,
                                                                  const char **alg, uint8_t *pk,
                                                                  size_t pk_cap, size_t *pk_len);

/* ---- one-call verification ---- */

/* Reads the payload: up to cap bytes into buf, their count in *got; *got = 0 at the end.
 * Returns POSTQ_OK, or a negative postq_err (e.g. POSTQ_E_IO) that ends the verification and
 * is returned as is. */
typedef int (*postq_read_fn)(void *ctx, uint8_t *buf, size_t cap, size_t *got);

#define POSTQ_VERIFY_AT_CREATED (-1) /* at_ms: the sign result's createdAt */

struct postq_verify_options {
    const char *policy_json;    /* the pinned policy (NUL-terminated), or NULL: no attestation
                                   checks */
    const uint8_t *public_key;  /* the composite public key, or NULL: the composite signature is
                                   then not checked (only with a policy) */
    size_t public_key_len;
    const char *key_alg;        /* the key's algorithm (from postq_public_key_from_pem); NULL
                                   with a public key: the sign result's algorithm */
    int64_t at_ms;              /* reference time for the document's age and certificate
                                   validity, ms since the epoch, or POSTQ_VERIFY_AT_CREATED (the
                                   sign result's createdAt; the clock when it has none) */
    int64_t clock_ms;           /* the real clock, ms since the epoch; 0: the system's */
    const char *log_key;        /* the transparency log's verifier key text (docs/
                                   transparency.md), or NULL: with it, after every other check,
                                   log_checkpoint_invalid and log_proof_invalid run on the sign
                                   result's `transparency` (a public key is then required) */
};

/* Verify a sign result (sign_result_json[0..json_len), at most 65536 bytes) over the payload
 * that read_payload streams (its SHA-256 and the composite pre-hash are computed as it streams,
 * so its size does not matter), under opt.
 * Returns POSTQ_OK when a verdict was computed: out->verdict.ok is 1 (every check ran and
 * passed; out->checks lists them) or 0 (out->verdict.reason is the first failing check's
 * reason code, out->verdict.detail says why). out->at_ms is the reference time used.
 * Returns a negative postq_err, with out->verdict.reason "" and out->verdict.detail saying
 * what was wrong, when no verdict could be computed: POSTQ_E_ARG (NULL pointers, neither a
 * policy nor a public key, an at_ms below -1); POSTQ_E_MALFORMED / POSTQ_E_TOO_LARGE for a
 * sign result or policy that is not valid ("sign result: <member>: <problem>",
 * "policy: <field>: <problem>"); whatever read_payload returned; POSTQ_E_NOMEM,
 * POSTQ_E_CRYPTO when memory or a backend failed. */
POSTQ_API POSTQ_MUST_CHECK int postq_verify_sign_result(const char *sign_result_json,
                                                        size_t json_len,
                                                        postq_read_fn read_payload,
                                                        void *read_ctx,
                                                        const struct postq_verify_options *opt,
                                                        struct postq_attest_report *out);

/* postq_verify_sign_result with the payload read from the file at payload_path. A file that
 * cannot be opened or read is POSTQ_E_IO (out->verdict.detail names the file and the system's
 * reason). */
POSTQ_API POSTQ_MUST_CHECK int postq_verify_sign_result_file(const char *sign_result_json,
                                                             size_t json_len,
                                                             const char *payload_path,
                                                             const struct postq_verify_options *opt,
                                                             struct postq_attest_report *out);

#ifdef __cplusplus
}
#endif
#endif
