/* SPDX-License-Identifier: Apache-2.0 */
/* The vendor-pluggable verifier: one table (verify.c) from vendor to a struct of function
 * pointers. A vendor's file (vendor/<vendor>.c) knows its document format, its signature or
 * certificate chain and its matchRules; the generic code (verify.c) runs the checks every
 * vendor shares. Adding Nitro (COSE_Sign1 / CBOR / X.509), Azure (JWT RS256 under a JWKS) or
 * GCP (JWT with x5c) is one new file plus its line in the table.
 *
 * Order of work for one document (docs/verification.md):
 *   verify.c   base64 -> raw bytes                                  doc_malformed
 *   parse      raw bytes -> vendor state + normalized claims        doc_malformed
 *   verify.c   claims.vendor = policy vendor = declared vendor      vendor_mismatch
 *   verify.c   parse != NULL                                        vendor_unsupported
 *   appraise   header algorithm; signature / chain to the pinned    doc_alg_unsupported,
 *              root; measurements, debug mode, vendor claims        doc_signature_invalid |
 *              against the policy's matchRules                      chain_invalid, image_ /
 *                                                                   measurement_not_allowed,
 *                                                                   debug_not_allowed,
 *                                                                   claims_invalid
 *   verify.c   age, clock skew, payload / signature / key / nonce / counter bindings
 *
 * A vendor without a verifier yet has parse == NULL: its documents get vendor_unsupported
 * (the raw bytes are then only checked to be valid base64). */
#ifndef POSTQ_ATTEST_VERIFIER_H
#define POSTQ_ATTEST_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include <postq/attest.h>
#include <postq/err.h>

struct postq_hybrid_vkey; /* crypto/composite.h */


/* Vendors: the one list of names [docs/formats.md]. */
enum postq_vendor {
    POSTQ_VENDOR_NONE = 0,
    POSTQ_VENDOR_MOCK,
    POSTQ_VENDOR_AWS_NITRO,
    POSTQ_VENDOR_AZURE_CVM,
    POSTQ_VENDOR_GCP_CS,
    POSTQ_VENDOR_COUNT
};

/* The vendor of a name (exact, case-sensitive), POSTQ_VENDOR_NONE when unknown or NULL. */
enum postq_vendor postq_attest_vendor_from_name(const char *name);
/* The name of a vendor ("mock", "aws-nitro-enclave", ...); NULL for NONE or out of range. */
const char *postq_attest_vendor_name(enum postq_vendor v);

#define POSTQ_POLICY_IMAGES_MAX 128
#define POSTQ_POLICY_MAX_AGE_MAX 315360000 /* ten years, in seconds */
#define POSTQ_POLICY_ID_MAX 128            /* id text, NUL included */
#define POSTQ_POLICY_ROOTS_MAX 8           /* pinned roots of a mock policy */
#define POSTQ_ROOT_PK_MAX 1984             /* a composite root's public key; Ed25519's is 32 */

/* The kinds of mock enclave root (attest/doc.h). */
enum postq_root_alg { POSTQ_ROOT_ED25519 = 1, POSTQ_ROOT_COMPOSITE = 2 };

/* A parsed attestation policy [docs/formats.md]: what the checks are decided against. Filled by
 * postq_policy_parse (policy.c, which owns the JSON rules), read by the checks. */
struct postq_attest_policy {
    enum postq_vendor vendor;
    int enforce;                  /* 1 unless "enforce": false */
    int64_t max_doc_age_s;        /* 0 when maxDocAgeSeconds is absent */
    char id[POSTQ_POLICY_ID_MAX]; /* "" when absent */
    /* vendor mock: the pinned roots (rootPublicKeyB64 and rootPublicKeysB64 together) */
    size_t n_roots;
    struct postq_policy_root {
        int alg; /* POSTQ_ROOT_ED25519 (32-byte key) or POSTQ_ROOT_COMPOSITE (1984) */
        size_t len;
        uint8_t pk[POSTQ_ROOT_PK_MAX];
    } roots[POSTQ_POLICY_ROOTS_MAX];
    size_t n_images;
    uint8_t images[POSTQ_POLICY_IMAGES_MAX][32];
    /* other vendors: matchRules as compact JSON, NUL-terminated, for their verifier to parse;
     * owned (postq_malloc), NULL for mock */
    char *match_rules_json;
};

/* Run every check of docs/verification.md on doc_b64 under an already parsed policy: what
 * postq_attest_verify_ex does after parsing the policy JSON. in may be NULL. Return codes as
 * postq_attest_verify_ex (POSTQ_OK whenever out->verdict holds a verdict). */
POSTQ_MUST_CHECK postq_err postq_attest_check_all(struct postq_attest_report *out,
                                                  const char *doc_b64,
                                                  const struct postq_attest_policy *policy,
                                                  const struct postq_attest_input *in,
                                                  int64_t now_ms);

/* The SHA-256 of a document's raw bytes, taken while they are decoded for the checks (ok 0:
 * the base64 did not decode). */
struct postq_attest_doc_digest {
    uint8_t sha256[32];
    int ok;
};

/* postq_attest_check_all, with vkey (or NULL): the key's expanded verification key, used for
 * the composite signature check when it was made from in->public_key and in->key_alg (the
 * plain verification runs otherwise). For a caller that verifies many signatures under one
 * key: the expansion is most of an ML-DSA verification. Same results either way. digest (or
 * NULL) receives the document's SHA-256, for postq-api's log entry, which names it. */
POSTQ_MUST_CHECK postq_err postq_attest_check_all_vkey(struct postq_attest_report *out,
                                                       const char *doc_b64,
                                                       const struct postq_attest_policy *policy,
                                                       const struct postq_attest_input *in,
                                                       int64_t now_ms,
                                                       const struct postq_hybrid_vkey *vkey,
                                                       struct postq_attest_doc_digest *digest);

/* Records the checks as they run (the report of postq_attest_verify_ex). */
struct postq_attest_run {
    struct postq_attest_report *report;
    const struct postq_hybrid_vkey *vkey;   /* or NULL */
    struct postq_attest_doc_digest *digest; /* or NULL */
};

/* Record that check name (a POSTQ_REASON_* code) ran and passed. */
void postq_attest_pass(struct postq_attest_run *run, const char *name);

/* Record that check name failed: the verdict gets name as its reason and the formatted text as
 * its detail. Returns POSTQ_E_REJECTED, which a vendor's appraise returns as is. */
postq_err postq_attest_fail(struct postq_attest_run *run, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The transparency log's checks of a sign result (logcheck.c): POSTQ_OK when both passed,
 * POSTQ_E_REJECTED when one failed (recorded), POSTQ_E_MALFORMED for an unusable log key (the
 * report's detail says so), POSTQ_E_ARG, POSTQ_E_NOMEM, POSTQ_E_CRYPTO. doc_module_id: the
 * document's moduleId claim, used when in->module_id is NULL. */
postq_err postq_attest_log_check(struct postq_attest_run *run, const struct postq_log_input *in,
                                 const char *doc_module_id);

/* The moduleId a document claims, read without verifying it (the log entry names it; the
 * entry's document hash binds it): the declared vendor's parser first, then the others'.
 * "" when no parser reads one. */
void postq_attest_doc_module_id(const char *doc_b64, const char *vendor, char *out, size_t cap);

struct postq_attest_vendor {
    enum postq_vendor id;
    const char *name; /* as in policies and docs: "mock", "aws-nitro-enclave", ... */

    /* Decode raw[0..len) without trusting it: structure, types, sizes. On success *state is
     * the vendor's own (freed by release) and claims is filled (claims->vendor included: the
     * vendor the document says it comes from). POSTQ_E_MALFORMED (or TOO_LARGE) with detail
     * for a malformed document; POSTQ_E_NOMEM. NULL: no verifier for this vendor yet. */
    postq_err (*parse)(const uint8_t *raw, size_t len, void **state,
                       struct postq_attest_claims *claims, char *detail, size_t cap);

    /* The vendor's checks, in docs/verification.md's order, each recorded with postq_attest_pass or
     * postq_attest_fail; stop at the
     * first failure and return POSTQ_E_REJECTED. POSTQ_OK when all passed; another negative
     * code when something other than the document failed (backend, memory). now_ms is for
     * certificate validity. */
    postq_err (*appraise)(void *state, const struct postq_attest_claims *claims,
                          const struct postq_attest_policy *policy, int64_t now_ms,
                          struct postq_attest_run *run);

    /* Free what parse made. NULL is fine. */
    void (*release)(void *state);

    /* Validate the vendor's matchRules (compact JSON, as struct postq_attest_policy keeps it)
     * when a policy is parsed, so that a bad policy is refused when it is created rather than
     * at verification. POSTQ_E_MALFORMED with detail naming the field
     * ("matchRules.pcrs.8[0]: ..."). NULL: kept as is (mock's rules are checked by
     * src/policy itself). */
    postq_err (*check_rules)(const char *match_rules_json, char *detail, size_t cap);
};

/* The table entry of vendor v; NULL for POSTQ_VENDOR_NONE or out of range. */
const struct postq_attest_vendor *postq_attest_vendor_get(enum postq_vendor v);

/* Vendors implemented in vendor/<vendor>.c. */
extern const struct postq_attest_vendor postq_attest_vendor_mock;
extern const struct postq_attest_vendor postq_attest_vendor_aws_nitro;
extern const struct postq_attest_vendor postq_attest_vendor_gcp_cs;
extern const struct postq_attest_vendor postq_attest_vendor_azure_cvm;

#endif
