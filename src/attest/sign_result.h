/* SPDX-License-Identifier: Apache-2.0 */
/* The sign result [docs/formats.md]: what POST /v1/sign returns and `--sign-result` reads.
 *
 * | member                  | rule                                                          |
 * |-------------------------|---------------------------------------------------------------|
 * | id, createdAt           | optional strings (≤ 127 / 39 characters)                      |
 * | keyId                   | required string, 1..127 characters                            |
 * | keyVersion              | optional integer ≥ 1                                          |
 * | algorithm               | required, a composite algorithm name ("mldsa65+ed25519", ...)  |
 * | payloadSha256           | required, 64 lowercase hex characters                         |
 * | signatureB64            | required, standard base64 of exactly the algorithm's sig size |
 * | attestation             | optional object (keys of a non-enclave provider have none):   |
 * |   vendor                | required string ≤ 31                                          |
 * |   docB64                | required string ≤ POSTQ_ATTEST_DOC_B64_MAX (checked later)    |
 * |   imageHash             | optional lowercase hex ≤ 128 characters                       |
 * |   counter               | optional integer ≥ 0                                          |
 * |   verdict               | optional "pass" or "fail"                                     |
 * |   reason                | optional string ≤ 47 (present only with verdict "fail")       |
 * | transparency            | optional object (docs/transparency.md):                       |
 * |   logIndex              | required integer ≥ 0                                          |
 * |   checkpoint            | required string ≤ POSTQ_SIGN_RESULT_NOTE_MAX (checked later)  |
 * |   inclusionProof        | required array of ≤ 64 standard base64 strings of 32 bytes    |
 *
 * Unknown members are ignored; duplicate members (at any depth) are rejected; the whole text
 * is at most POSTQ_SIGN_RESULT_JSON_MAX bytes. */
#ifndef POSTQ_ATTEST_SIGN_RESULT_H
#define POSTQ_ATTEST_SIGN_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include <postq/attest.h>
#include <postq/hybrid.h>

#define POSTQ_SIGN_RESULT_JSON_MAX 65536
#define POSTQ_SIGN_RESULT_NOTE_MAX 16384 /* POSTQ_TLOG_NOTE_MAX */

struct postq_sign_result {
    char id[128];
    char key_id[128];
    int64_t key_version;      /* 0 when absent */
    char algorithm[32];
    uint8_t payload_sha256[32];
    uint8_t signature[POSTQ_HYBRID_SIG_MAX];
    size_t sig_len;
    char created_at[40];
    int has_attestation;
    char vendor[32];
    char image_hash[129];
    int64_t counter;          /* -1 when absent */
    char verdict[8];          /* "", "pass" or "fail" */
    char reason[48];
    char doc_b64[POSTQ_ATTEST_DOC_B64_MAX + 1];
    int has_transparency;
    int64_t log_index;
    char checkpoint[POSTQ_SIGN_RESULT_NOTE_MAX + 1];
    uint8_t proof[64][32];
    size_t proof_len;
};

/* Parse json[0..len) into *r. detail (cap bytes) receives "<member>: <problem>" on failure.
 * POSTQ_OK; POSTQ_E_MALFORMED; POSTQ_E_TOO_LARGE over POSTQ_SIGN_RESULT_JSON_MAX;
 * POSTQ_E_NOMEM; POSTQ_E_ARG for NULL. r owns nothing: no free needed. */
POSTQ_MUST_CHECK postq_err postq_sign_result_parse(struct postq_sign_result *r, const char *json,
                                                   size_t len, char *detail, size_t cap);

#endif
