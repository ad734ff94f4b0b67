/* SPDX-License-Identifier: Apache-2.0 */
/* The API client [docs/http-api.md, include/postq/]: policies, hybrid keys, sign, stored signatures
 * and the
 * enclave's pinning facts over HTTP/1.1 with `Authorization: Bearer <api key>`.
 *
 * Results. Every call that returns a resource hands back the server's JSON text in *json
 * (NUL-terminated, allocated; free it with postq_text_free). Pass json NULL when you do not
 * want it. postq_json_string() reads one string member out of such a text, and
 * postq_signature_info_parse() decodes a sign result (docs/formats.md) into a struct, so a
 * caller needs no JSON library.
 *
 * Errors. Calls return POSTQ_OK (any 2xx answer) or a negative postq_err. The client maps
 * the HTTP status itself (err.h's table maps the other way, code to status, and is not
 * consulted): 400/415 POSTQ_E_ARG, 401 POSTQ_E_AUTH, 403 POSTQ_E_FORBIDDEN,
 * 404 POSTQ_E_NOT_FOUND, 409 POSTQ_E_CONFLICT, 413 POSTQ_E_TOO_LARGE, 422 POSTQ_E_REJECTED
 * from the sign call (a failed attestation; the reason code is postq_client_error_code())
 * and POSTQ_E_ARG from the others (e.g. policy_required), 429 POSTQ_E_RATE and
 * 503 POSTQ_E_BUSY once the retries are spent, and every other status (other 4xx and 5xx,
 * 1xx, 3xx: redirects are not followed) POSTQ_E_INTERNAL. Without a usable answer: no answer
 * at all (refused, timed out, reset) POSTQ_E_NETWORK, an answer over 32 MiB
 * POSTQ_E_TOO_LARGE, a payload that cannot be read POSTQ_E_IO, POSTQ_E_NOMEM. The server's
 * error.code and error.message stay on the handle: postq_client_errmsg() and
 * postq_client_error_code() read them until the next call.
 *
 * Retries. 429 and 503 answers (only those) are retried with exponential backoff; defaults 3
 * retries from 200 ms, no wait longer than 10 s. A Retry-After field on the answer
 * [RFC 9110 §10.2.3] sets the next wait instead: delta-seconds ("120"; any value past 10 s,
 * however large, waits 10 s) or an IMF-fixdate ("Fri, 31 Dec 1999 23:59:59 GMT"; the time
 * from this machine's clock to that date, 0 when it is past, at most 10 s). A negative,
 * fractional or otherwise malformed value, and a date in the obsolete RFC 850 or asctime
 * forms, is ignored: the backoff's own wait applies. Nothing else is retried, so a sign call
 * is never sent twice unless the server said it did not do it.
 *
 * Thread-safety: a client is used by one thread at a time; separate clients in separate
 * threads are independent. Nothing here handles secrets except the API key: the handle keeps
 * one copy (the Authorization line), wiped by postq_client_free, and each call hands libcurl
 * a copy in its header list, wiped when the call returns. libcurl also writes each request,
 * the key included, into buffers of its own that it frees without wiping; those are out of
 * this library's reach. */
#ifndef POSTQ_CLIENT_H
#define POSTQ_CLIENT_H

#include <postq/attest.h>
#include <postq/err.h>
#include <postq/hybrid.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSTQ_DEFAULT_API_URL "http://127.0.0.1:8080"

struct postq_client; /* opaque; one thread at a time */

/* A client of the API at base_url ("http://host:port", a trailing "/" is fine; NULL is
 * POSTQ_DEFAULT_API_URL) with api_key (the token `pqk_…`; NULL or "" sends no credentials).
 * Copies both. On failure *out is NULL: POSTQ_E_ARG (out NULL, a URL that is not http:// or
 * https://), POSTQ_E_NOMEM, POSTQ_E_INTERNAL (libcurl could not start). Free with
 * postq_client_free. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_new(const char *base_url, const char *api_key,
                                                      struct postq_client **out);
/* Wipes the API key and frees everything. NULL is fine. */
POSTQ_API void postq_client_free(struct postq_client *c);

/* A readable message about the last failed call ("unauthorized: missing or invalid API
 * key", "cannot reach http://…: Connection refused"); "" after a success. Owned by c, valid
 * until its next call. */
POSTQ_API const char *postq_client_errmsg(const struct postq_client *c);
/* The server's error.code of the last failed call ("not_found", "image_not_allowed", …), or
 * "" when the server sent none (a network error, a success). Owned by c. */
POSTQ_API const char *postq_client_error_code(const struct postq_client *c);
/* The HTTP status of the last answer, 0 when none came. */
POSTQ_API int postq_client_http_status(const struct postq_client *c);

/* Timeouts in milliseconds: connect (default 10000) and the whole exchange (default 60000;
 * 0 means no limit). A timeout is POSTQ_E_NETWORK. */
POSTQ_API void postq_client_set_timeouts(struct postq_client *c, long connect_ms, long total_ms);
/* Retries of 429/503 answers: at most max_retries more attempts (0 disables), the first after
 * base_ms (doubling each time, capped at 10 s). */
POSTQ_API void postq_client_set_retries(struct postq_client *c, int max_retries, long base_ms);

/* Free a text returned by this API (JSON, strings). NULL is fine. */
POSTQ_API void postq_text_free(char *text);

/* ---- the enclave ---- */

/* What to pin in a policy for the enclave behind the API (GET /v1/enclave). */
struct postq_enclave_info {
    char vendor[32];
    char module_id[128];
    char image_hash[129];           /* lowercase hex */
    char root_public_key_b64[2656]; /* standard base64: 44 (Ed25519) or 2648 (composite) */
    char root_algorithm[32];        /* "mldsa65+ed25519" or "ed25519" ("" from older servers) */
};

/* GET /v1/enclave. info (may be NULL) receives the fields; *json (json may be NULL) the text.
 * POSTQ_E_MALFORMED when the answer lacks a field or a field is too long. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_enclave_info(struct postq_client *c,
                                                               struct postq_enclave_info *info,
                                                               char **json);

/* ---- attestation policies (docs/formats.md) ---- */

/* POST /v1/attestation-policies with policy_json, the policy of docs/formats.md ({name, vendor,
 * matchRules, enforce}), NUL-terminated. *json: the created policy (with its id). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_policy_create(struct postq_client *c,
                                                                const char *policy_json,
                                                                char **json);
/* GET /v1/attestation-policies: one page, newest first. limit 0 is the server's default
 * (50; at most 100); cursor NULL is the first page, else the previous page's nextCursor.
 * *json: {"items": [...], "nextCursor": "…" or null}. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_policy_list(struct postq_client *c, int limit,
                                                              const char *cursor, char **json);
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_policy_get(struct postq_client *c,
                                                             const char *id, char **json);
/* DELETE: POSTQ_E_CONFLICT (policy_in_use) while a key that is not deleted is bound to it. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_policy_delete(struct postq_client *c,
                                                                const char *id);
/* PUT /v1/attestation-policies/{id} with policy_json (as for create): the policy's next
 * version, which every key bound to it follows from now on. *json: the new version. The
 * vendor cannot change (POSTQ_E_ARG, invalid_policy). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_policy_update(struct postq_client *c,
                                                                const char *id,
                                                                const char *policy_json,
                                                                char **json);
/* GET /v1/attestation-policies/{id}?version=N: version N (1 = as created), e.g. the version a
 * sign result's policyVersion names. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_policy_get_version(struct postq_client *c,
                                                                     const char *id,
                                                                     int version, char **json);

/* ---- hybrid keys ---- */

/* POST /v1/hybrid-keys. algorithm NULL is the server's default (mldsa65+ed25519); provider
 * "enclave-mock" (needs policy_id) or "software" (policy_id NULL). *json: the key, with
 * publicKeyB64. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_create(struct postq_client *c,
                                                             const char *name,
                                                             const char *algorithm,
                                                             const char *provider,
                                                             const char *policy_id, char **json);
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_list(struct postq_client *c, int limit,
                                                           const char *cursor, char **json);
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_get(struct postq_client *c, const char *id,
                                                          char **json);
/* POST /v1/hybrid-keys/{id}/rotate: a new key pair (made in the enclave for enclave keys) as
 * the next version, which signs from now on. *json: the key. POSTQ_E_CONFLICT (key_deleted). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_rotate(struct postq_client *c,
                                                             const char *id, char **json);
/* GET /v1/hybrid-keys/{id}/versions. *json: {"items": [{version, publicKeyB64, state,
 * createdAt}, ...]}, oldest first. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_versions(struct postq_client *c,
                                                               const char *id, char **json);
/* POST /v1/hybrid-keys/{id}/versions/{version}/{action}, action "disable", "enable" or
 * "destroy" (irreversible: the sealed private key is erased). *json: the version.
 * POSTQ_E_CONFLICT (version_destroyed) to enable or disable a destroyed version. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_version_set(struct postq_client *c,
                                                                  const char *id, int version,
                                                                  const char *action,
                                                                  char **json);
/* DELETE /v1/hybrid-keys/{id}: every version destroyed; the key, its public keys and its
 * signatures stay readable, and it never signs again. *json: the key (state "deleted"). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_key_delete(struct postq_client *c,
                                                             const char *id, char **json);

/* ---- sign ---- */

/* POST /v1/sign?keyId=… with payload[0..payload_len) as application/octet-stream (payload
 * NULL only when payload_len is 0). *json: the sign result of docs/formats.md. A failed attestation
 * under an enforcing policy is POSTQ_E_REJECTED with the reason as postq_client_error_code. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_sign(struct postq_client *c, const char *key_id,
                                                       const uint8_t *payload,
                                                       size_t payload_len, char **json);
/* The same with the payload streamed from the file at path (never held in memory; the
 * server takes at most 64 MiB). POSTQ_E_IO when the file cannot be opened or read. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_sign_file(struct postq_client *c,
                                                            const char *key_id, const char *path,
                                                            char **json);

/* ---- stored sign results ---- */

/* GET /v1/signatures: one page, newest first; key_id NULL for every key. limit and cursor as
 * postq_client_policy_list. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_signatures_list(struct postq_client *c,
                                                                  const char *key_id, int limit,
                                                                  const char *cursor,
                                                                  char **json);
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_signature_get(struct postq_client *c,
                                                                const char *id, char **json);

/* ---- the transparency log (docs/transparency.md) ---- */

/* GET /v1/log: {origin, verifierKey, compositeVerifierKey, size, checkpoint} (JSON text). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_log_info(struct postq_client *c, char **json);
/* GET /v1/log/proof?from=FROM[&to=TO]: {checkpoint, consistencyProof}; to < 0: the latest. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_log_proof(struct postq_client *c, int64_t from,
                                                            int64_t to, char **json);
/* GET /v1/signatures/{id}/proof: {logIndex, checkpoint, inclusionProof} (latest checkpoint). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_signature_proof(struct postq_client *c,
                                                                  const char *id, char **json);
/* GET /v1/log/tile/entries/<tile>[.p/<width>] (tlog-tiles): the entry bundle of entries
 * tile*256 .. tile*256+width-1 (width 1..256), each a 2-byte big-endian length and the entry.
 * *data (free with postq_text_free) holds *len bytes. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_client_log_entries(struct postq_client *c,
                                                              int64_t tile, int width,
                                                              uint8_t **data, size_t *len);

/* ---- reading results ---- */

/* The string member at path of the JSON text json: a name ("id") or dotted names
 * ("attestation.docB64"). Copies it into out (cap bytes, NUL-terminated). POSTQ_E_MALFORMED
 * for text that is not JSON or has duplicate members, POSTQ_E_NOT_FOUND when there is no
 * such string member, POSTQ_E_TOO_LARGE when it does not fit (out is then ""). */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_json_string(const char *json, const char *path,
                                                       char *out, size_t cap);

/* A sign result (docs/formats.md), decoded. Owns nothing: no free needed. */
struct postq_signature_info {
    char id[128];
    char key_id[128];
    char algorithm[32];
    char payload_sha256[65];                  /* lowercase hex */
    uint8_t signature[POSTQ_HYBRID_SIG_MAX];  /* the composite signature */
    size_t signature_len;
    int has_attestation;                      /* 0 for keys of a non-enclave provider */
    char vendor[32];
    char verdict[8];                          /* "pass", "fail" or "" */
    char reason[48];                          /* with verdict "fail" */
    int64_t counter;                          /* -1 when absent */
    char doc_b64[POSTQ_ATTEST_DOC_B64_MAX + 1];
};

/* Decode the sign result json (strictly: duplicate members, wrong types and sizes are
 * POSTQ_E_MALFORMED) into *out. */
POSTQ_API POSTQ_MUST_CHECK postq_err postq_signature_info_parse(struct postq_signature_info *out,
                                                                const char *json);

#ifdef __cplusplus
}
#endif
#endif
