/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation document re-verification [docs/verification.md]: the checks in their order,
 * stopping at the first failure, each failure named by a stable reason code.
 *
 * Two entry points:
 *   postq_attest_verify     the contract of include/postq/: doc, declared vendor, policy, and
 *                           optionally the payload and the composite signature.
 *   postq_attest_verify_ex  the same checks with every optional input of docs/verification.md
  * (public key,
 *                           expected nonce, counter lookup, a payload given by its digest) and
 *                           a report of every check that ran (for `postq ... --json`).
 *
 * postq_attest_verify is, in C, the verifyAttestationDoc() of the product page and of the
 * TypeScript SDK: same inputs, same checks, same reason codes. To verify a whole sign result
 * (document, bindings and the composite signature) in one call, see postq/verify.h.
 *
 * A verdict is a result, not an error: both functions return 0 whenever they computed one,
 * pass or fail. Thread-safe; no shared state. Every input is public: nothing here is CT. */
#ifndef POSTQ_ATTEST_H
#define POSTQ_ATTEST_H

#include <postq/err.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reason codes [docs/verification.md, Contract], in check order. A check is named by the reason
 * code
 * its failure gives. */
#define POSTQ_REASON_DOC_MALFORMED "doc_malformed"
#define POSTQ_REASON_VENDOR_MISMATCH "vendor_mismatch"
#define POSTQ_REASON_VENDOR_UNSUPPORTED "vendor_unsupported"
#define POSTQ_REASON_DOC_ALG_UNSUPPORTED "doc_alg_unsupported"
#define POSTQ_REASON_DOC_SIGNATURE_INVALID "doc_signature_invalid"
#define POSTQ_REASON_CHAIN_INVALID "chain_invalid"                     /* hardware vendors */
#define POSTQ_REASON_IMAGE_NOT_ALLOWED "image_not_allowed"
#define POSTQ_REASON_MEASUREMENT_NOT_ALLOWED "measurement_not_allowed" /* hardware vendors */
#define POSTQ_REASON_DEBUG_NOT_ALLOWED "debug_not_allowed"             /* hardware vendors */
#define POSTQ_REASON_CLAIMS_INVALID "claims_invalid"                   /* hardware vendors */
#define POSTQ_REASON_DOC_STALE "doc_stale"
#define POSTQ_REASON_DOC_FROM_FUTURE "doc_from_future"
#define POSTQ_REASON_RESULT_MISMATCH "result_mismatch"
#define POSTQ_REASON_PAYLOAD_HASH_MISMATCH "payload_hash_mismatch"
#define POSTQ_REASON_SIG_HASH_MISMATCH "sig_hash_mismatch"
#define POSTQ_REASON_KEY_MISMATCH "key_mismatch"
#define POSTQ_REASON_SIGNATURE_INVALID "signature_invalid"
#define POSTQ_REASON_NONCE_MISMATCH "nonce_mismatch"
#define POSTQ_REASON_COUNTER_REUSED "counter_reused"
/* The transparency log (docs/transparency.md), checked last, when a log key is pinned. */
#define POSTQ_REASON_LOG_CHECKPOINT_INVALID "log_checkpoint_invalid"
#define POSTQ_REASON_LOG_PROOF_INVALID "log_proof_invalid"
#define POSTQ_REASON_LOG_INCONSISTENT "log_inconsistent" /* postq log monitor */

/* Limits. */
#define POSTQ_ATTEST_DOC_B64_MAX 21848  /* base64 of a 16 KiB document (POSTQ_JWS_MAX) */
#define POSTQ_ATTEST_FUTURE_SKEW_MS 60000 /* doc_from_future: timestamp <= now + 60 s */

/* The verdict [include/postq/, Contract]. ok: 1 pass, 0 fail. On fail, reason is one of the
 * POSTQ_REASON_* codes and detail says what was wrong ("" reason when the inputs themselves
 * were unusable: see the return codes). On pass, reason and detail are "". */
typedef struct {
    int ok;
    char reason[48];
    char detail[256];
} postq_verdict;

/* Verify the attestation document doc_b64 (docB64: standard padded base64 of the raw document,
 * NUL-terminated, at most POSTQ_ATTEST_DOC_B64_MAX characters) under policy_json (the policy
 * of docs/formats.md, NUL-terminated), at time now_ms (milliseconds since the Unix epoch, >= 0).
 *   vendor       the vendor the document is declared to come from (a sign result's
 *                attestation.vendor); NULL when none is declared: then only the document's
 *                and the policy's vendors are compared.
 *   payload      the signed bytes, or NULL (payload_len must then be 0): payloadSha256 and the
 *                composite signature are then not checked.
 *   sig          the composite signature, or NULL (sig_len 0): sigSha256 is then not checked.
 *                There is no public key here, so key_mismatch and signature_invalid are never
 *                reported: use postq_attest_verify_ex for those.
 *   out          receives the verdict; must not be NULL.
 * Returns 0 (POSTQ_OK) when a verdict was computed: out->ok is then 1 (every check ran and
 * passed) or 0 (out->reason is the first failing check's reason code). Policy `enforce` does
 * not change the verdict: enforcing it is the caller's business.
 * Returns a negative postq_err, with out->ok 0 and out->reason "", only when the inputs are
 * unusable: POSTQ_E_ARG for a NULL out, doc_b64 or policy_json, a NULL buffer with a non-zero
 * length or a negative now_ms; POSTQ_E_MALFORMED or POSTQ_E_TOO_LARGE for a policy that is
 * not valid (out->detail: "policy: <field>: <problem>"); POSTQ_E_NOMEM, POSTQ_E_CRYPTO when
 * memory or the hash backend fail. A CLI maps these to exit 2 (3 for NOMEM/CRYPTO). */
POSTQ_API POSTQ_MUST_CHECK int postq_attest_verify(const char *doc_b64, const char *vendor,
                                                   const char *policy_json,
                                                   const uint8_t *payload, size_t payload_len,
                                                   const uint8_t *sig, size_t sig_len,
                                                   int64_t now_ms, postq_verdict *out);

/* ---- extended verification ---- */

/* The fields of a sign result that its attestation document also carries [docs/formats.md]. Each
 * one the document carries must equal the document's claim (result_mismatch): people read these
 * fields, so an edited sign result must not verify. NULL / has_* 0: the sign result has none. */
struct postq_attest_result_fields {
    const char *key_id;             /* keyId */
    const char *algorithm;          /* algorithm */
    const uint8_t *payload_sha256;  /* payloadSha256, 32 bytes */
    const char *image_hash;         /* attestation.imageHash, lowercase hex */
    int has_counter;
    uint64_t counter;               /* attestation.counter */
    int has_created_at;
    int64_t created_at_ms;          /* createdAt: later than the real clock + 60 s is
                                       doc_from_future */
};

/* A sign result's place in the transparency log [docs/transparency.md], for log_checkpoint_invalid
 * and log_proof_invalid: the pinned log key, the sign result's fields its log entry is rebuilt
 * from, and its `transparency` member. Strings are NUL-terminated. */
struct postq_log_input {
    const char *log_key;           /* the log's verifier key text (Ed25519 or composite), pinned */
    const char *sig_id;            /* id */
    const char *key_id;            /* keyId */
    int64_t key_version;           /* keyVersion; 0: absent (1) */
    const char *algorithm;         /* algorithm */
    const uint8_t *public_key;     /* the composite public key that signed */
    size_t public_key_len;
    const uint8_t *payload_sha256; /* payloadSha256, 32 bytes */
    const uint8_t *sig;            /* the composite signature */
    size_t sig_len;
    const char *vendor;            /* attestation.vendor; NULL: no attestation */
    const char *module_id;         /* the document's moduleId claim; NULL: "-" (postq_attest_
                                      verify_ex fills it from the document) */
    uint64_t counter;              /* attestation.counter */
    const char *doc_b64;           /* attestation.docB64 */
    const char *verdict;           /* attestation.verdict: "pass", "fail"; NULL: "pass" */
    const char *reason;            /* attestation.reason with "fail", else NULL */
    const char *created_at;        /* createdAt, exactly as written */
    int has_transparency;          /* 0: the sign result has no `transparency` */
    int64_t log_index;             /* transparency.logIndex */
    const char *checkpoint;        /* transparency.checkpoint (the signed note) */
    const uint8_t (*proof)[32];    /* transparency.inclusionProof */
    size_t proof_len;
};

/* Optional inputs of postq_attest_verify_ex. Zero-initialise and set what you have; every
 * check whose inputs are absent does not run (and is not listed in the report). */
struct postq_attest_input {
    const char *vendor;             /* declared vendor, or NULL */
    const uint8_t *payload;         /* payload bytes, or NULL */
    size_t payload_len;
    const uint8_t *payload_sha256;  /* 32 bytes: SHA-256 of a payload hashed by the caller
                                       (streaming); used when payload is NULL. For the
                                       composite signature check give payload_ph too. */
    const uint8_t *sig;             /* composite signature, or NULL */
    size_t sig_len;
    const uint8_t *public_key;      /* composite public key, or NULL */
    size_t public_key_len;
    const char *key_alg;            /* the key's algorithm ("mldsa65+ed25519"); NULL: the doc's
                                       algorithm claim. A key_alg other than the doc's is
                                       key_mismatch. */
    const uint8_t *nonce;           /* 32 bytes the API sent, or NULL */
    /* counter_reused: called once with the doc's moduleId and counter; return 0 when unseen,
     * 1 when already seen, a negative postq_err when the lookup failed (returned as is). */
    int (*counter_seen)(void *ctx, const char *module_id, uint64_t counter);
    void *counter_ctx;
    const uint8_t *payload_ph;      /* 64 bytes: the composite pre-hash PH(payload)
                                       (docs/formats.md) for the key's algorithm (SHA-512; SHAKE256/64 for
                                       mldsa87+ed448), hashed by the caller as the payload
                                       streamed. With payload NULL it lets signature_invalid
                                       run; ignored when payload is given. */
    const struct postq_attest_result_fields *result; /* a sign result's own fields, or NULL:
                                       result_mismatch runs when given */
    int64_t clock_ms;               /* the real clock (ms since the epoch) when now_ms is a
                                       reference time in the past, e.g. a sign result's
                                       createdAt; 0: now_ms is the real clock. A document
                                       timestamp (or result->created_at_ms) later than
                                       clock_ms + 60 s is doc_from_future as well. */
    const struct postq_log_input *log; /* the transparency log, or NULL: with it,
                                       log_checkpoint_invalid and log_proof_invalid run last
                                       (module_id and doc_b64 taken from the document when
                                       NULL) */
};

/* What the document claims, as far as the vendor's verifier could read it. For mock every
 * field is filled; hardware vendors fill what their format carries (have says which). */
#define POSTQ_CLAIM_MODULE_ID (1u << 0)
#define POSTQ_CLAIM_MEASUREMENT (1u << 1)  /* mock: imageHash */
#define POSTQ_CLAIM_KEY (1u << 2)          /* key_id, algorithm, public_key_sha256 */
#define POSTQ_CLAIM_PAYLOAD_SHA256 (1u << 3)
#define POSTQ_CLAIM_SIG_SHA256 (1u << 4)
#define POSTQ_CLAIM_COUNTER (1u << 5)
#define POSTQ_CLAIM_NONCE (1u << 6)
#define POSTQ_CLAIM_TIMESTAMP (1u << 7)
#define POSTQ_CLAIM_DEBUG (1u << 8)

struct postq_attest_claims {
    unsigned have;              /* POSTQ_CLAIM_* bits */
    char vendor[32];            /* "" when unknown */
    char module_id[128];
    uint8_t measurement[64];    /* mock: imageHash (32 bytes); Nitro: PCR0 (48) */
    size_t measurement_len;
    char key_id[128];
    char algorithm[32];
    uint8_t public_key_sha256[32];
    uint8_t payload_sha256[32];
    uint8_t sig_sha256[32];
    uint64_t counter;
    uint8_t nonce[32];
    int64_t timestamp_ms;
    int debug;                  /* 1: a debug-mode enclave */
};

#define POSTQ_ATTEST_CHECKS_MAX 24

struct postq_attest_check {
    const char *name; /* the check's reason code (POSTQ_REASON_*); static storage */
    int passed;       /* 1 passed, 0 failed (only the last one can fail) */
};

/* The outcome of postq_attest_verify_ex. */
struct postq_attest_report {
    postq_verdict verdict;
    size_t n_checks; /* checks that ran, in order; the last one failed when verdict.ok is 0 */
    struct postq_attest_check checks[POSTQ_ATTEST_CHECKS_MAX];
    int have_claims; /* 1 once the document parsed: claims is filled */
    struct postq_attest_claims claims;
    int64_t at_ms;   /* the reference time the checks used (now_ms) */
};

/* The log checks alone (a sign result of a key without attestation): log_checkpoint_invalid
 * (the checkpoint is not a note signed by in->log_key, or its origin is not "<key name>/<org
 * id>") then log_proof_invalid (no transparency, or the entry rebuilt from in is not at
 * log_index in the checkpoint's tree). Returns 0 with the verdict in *out; POSTQ_E_ARG for NULL
 * or missing fields, POSTQ_E_MALFORMED for a log_key that is not a verifier key (out->detail
 * says why). */
POSTQ_API POSTQ_MUST_CHECK int postq_log_verify(const struct postq_log_input *in,
                                                postq_verdict *out);

/* The checks of docs/verification.md in order, stopping at the first failure:
 *   doc_malformed, vendor_mismatch, vendor_unsupported, then the vendor's own checks (mock:
 *   doc_alg_unsupported, doc_signature_invalid, image_not_allowed; hardware vendors:
 *   doc_alg_unsupported, chain_invalid, doc_signature_invalid, debug_not_allowed,
 *   measurement_not_allowed, claims_invalid: docs/vendors.md), then doc_stale (when
 *   maxDocAgeSeconds is set), doc_from_future, result_mismatch (result given),
 *   payload_hash_mismatch (payload or payload_sha256 given), sig_hash_mismatch (sig given),
 *   key_mismatch (public_key given), signature_invalid (sig, public_key and payload or
 *   payload_ph given),
 *   nonce_mismatch (nonce given), counter_reused (counter_seen given), then
 *   log_checkpoint_invalid and log_proof_invalid (log given).
 * in may be NULL (no optional input). out must not be NULL; it is overwritten.
 * Return codes as postq_attest_verify; the verdict is in out->verdict. */
POSTQ_API POSTQ_MUST_CHECK int postq_attest_verify_ex(const char *doc_b64, const char *policy_json,
                                                      const struct postq_attest_input *in,
                                                      int64_t now_ms,
                                                      struct postq_attest_report *out);

#ifdef __cplusplus
}
#endif
#endif
