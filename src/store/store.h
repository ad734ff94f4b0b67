/* SPDX-License-Identifier: Apache-2.0 */
/* The API server's storage: organisations, API keys, attestation policies, hybrid keys and
 * sign results (docs/formats.md, docs/http-api.md), behind one interface with a backend per URL
  * scheme
 * (store_sqlite.c today; store_pg.c later). tests/unit/store/store_contract_test.c runs the
 * same contract against every backend.
 *
 * Scoping: every get, list and delete takes the caller's organisation id; a row of another
 * organisation answers POSTQ_E_NOT_FOUND exactly as a missing one does. The one unscoped read
 * is postq_store_apikey_get_by_id, which authentication needs before it knows the organisation.
 *
 * Records: fixed-size fields are inline; variable-size fields are views (struct postq_bytes, or
 * a NUL-terminated const char *). In a record the caller passes IN (create, put), the views are
 * borrowed: the store only reads them during the call. A record the store fills OUT (get, list)
 * owns its views through one block at `mem_`; release it with the matching _clear(), which
 * wipes and frees (NULL and cleared records are fine). Records passed in must have mem_ NULL
 * (start from a zeroed struct).
 *
 * Errors common to every call: POSTQ_E_ARG (NULL store or record, a bad id, a limit outside
 * 1..POSTQ_STORE_PAGE_MAX), POSTQ_E_TOO_LARGE (a string longer than its field), POSTQ_E_BUSY (the
 * database stayed locked past the busy timeout: retry), POSTQ_E_IO (the database failed, or an
 * injected fault), POSTQ_E_NOMEM. On any failure nothing was written and out-records are
 * cleared. postq_store_errmsg() gives the calling thread's detail text for its last failure.
 *
 * Threads: a store handle is safe to share between threads; each call borrows a database
 * connection from the handle's pool for its duration (see store_sqlite.c). Records are not
 * shared: one thread at a time per record. Open and close are not concurrent with other calls.
 *
 * Durability: a call that writes returns POSTQ_OK only after its transaction is committed
 * durably (SQLite: WAL with synchronous=FULL), so the server may answer 2xx right after. */
#ifndef POSTQ_STORE_STORE_H
#define POSTQ_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "common/buf.h"
#include "common/id.h"

#define POSTQ_STORE_NAME_CHARS        127 /* names: up to 127 characters (code points) */
#define POSTQ_STORE_NAME_MAX          512 /* ... of UTF-8, so at most 508 bytes and a NUL */
#define POSTQ_STORE_ALG_MAX           64  /* "mldsa65+ed25519" */
#define POSTQ_STORE_VENDOR_MAX        48  /* "gcp-confidential-space" */
#define POSTQ_STORE_PROVIDER_MAX      32  /* "enclave-mock", "software" */
#define POSTQ_STORE_HASH_MAX          129 /* imageHash: lowercase hex, up to 64 bytes */
#define POSTQ_STORE_MODULE_MAX        128 /* moduleId */
#define POSTQ_STORE_REASON_MAX        48  /* a docs/verification.md reason code */
#define POSTQ_STORE_SECRET_HASH_BYTES 32
#define POSTQ_STORE_PAGE_MAX          100 /* largest limit of a list call */
#define POSTQ_STORE_VERSIONS_MAX      100 /* versions of one key or one policy */

struct postq_store; /* opaque; see Threads above */

enum postq_store_role {
    POSTQ_STORE_ROLE_ADMIN = 1, /* manages policies, keys and API keys; signs; reads */
    POSTQ_STORE_ROLE_SIGNER,    /* signs; reads */
    POSTQ_STORE_ROLE_VIEWER     /* reads */
};

enum postq_store_verdict {
    POSTQ_STORE_VERDICT_NONE = 0, /* no attestation (a software key) */
    POSTQ_STORE_VERDICT_PASS,
    POSTQ_STORE_VERDICT_FAIL /* stored only under a policy with enforce: false */
};

struct postq_store_org {
    char id[POSTQ_ID_MAX]; /* "org_…" */
    char name[POSTQ_STORE_NAME_MAX];
    int64_t created_at; /* ms since the Unix epoch, as every time here */
};

struct postq_store_apikey {
    char id[POSTQ_ID_MAX]; /* "ak_…": the public half of the token */
    char org_id[POSTQ_ID_MAX];
    char name[POSTQ_STORE_NAME_MAX];
    enum postq_store_role role;
    uint8_t secret_hash[POSTQ_STORE_SECRET_HASH_BYTES]; /* SHA-256 of the secret half */
    int64_t created_at;
};

struct postq_store_policy {
    char id[POSTQ_ID_MAX]; /* "pol_…" */
    char org_id[POSTQ_ID_MAX];
    char name[POSTQ_STORE_NAME_MAX];
    char vendor[POSTQ_STORE_VENDOR_MAX];
    const char *body; /* the policy JSON text (docs/formats.md matchRules and all), as given */
    int enforce;      /* 0 or 1 */
    int64_t created_at; /* when the policy (its version 1) was made */
    int64_t version;    /* 1 at creation; each update makes the next */
    int64_t updated_at; /* when this version was made */
    void *mem_;
};

enum postq_store_version_state {
    POSTQ_STORE_VERSION_ENABLED = 1, /* signs (the newest enabled version does) */
    POSTQ_STORE_VERSION_DISABLED,    /* does not sign; can be enabled again */
    POSTQ_STORE_VERSION_DESTROYED    /* sealed key erased, for good; public key kept */
};

/* The states' names, as the database and the HTTP API spell them ("" for 0). */
extern const char *const postq_store_state_names[4];

/* One version of a hybrid key, as a key record lists them. */
struct postq_store_key_version {
    int64_t version;
    enum postq_store_version_state state;
    struct postq_bytes public_key; /* a view into the key record's memory */
    int64_t created_at;
};

struct postq_store_key {
    char id[POSTQ_ID_MAX]; /* "key_…" */
    char org_id[POSTQ_ID_MAX];
    char name[POSTQ_STORE_NAME_MAX];
    char algorithm[POSTQ_STORE_ALG_MAX];
    char provider[POSTQ_STORE_PROVIDER_MAX];
    char policy_id[POSTQ_ID_MAX];  /* "" when no policy is bound */
    /* The version this record carries: the newest from key_get and key_list, the one that
     * signs (the newest enabled) from key_get_bound, where version 0 with empty keys means no
     * version is enabled. */
    struct postq_bytes public_key; /* composite public key */
    struct postq_bytes sealed_key; /* sealed private key; empty once destroyed */
    int64_t version;
    int64_t newest_version; /* the key's newest version */
    int64_t created_at;
    int64_t deleted_at; /* 0 unless the key was deleted (DELETE /v1/hybrid-keys/{id}) */
    /* Every version, oldest first (key_get and key_list fill it; key_get_bound does not). */
    struct postq_store_key_version *versions;
    size_t n_versions;
    void *mem_;
    void *vmem_;
};

struct postq_store_attestation {
    char vendor[POSTQ_STORE_VENDOR_MAX];
    char image_hash[POSTQ_STORE_HASH_MAX];
    char module_id[POSTQ_STORE_MODULE_MAX];
    int64_t counter;
    const char *doc_b64; /* the document, base64 as in the sign result */
    enum postq_store_verdict verdict;
    char reason[POSTQ_STORE_REASON_MAX]; /* "" unless verdict is FAIL */
};

/* One sign result (docs/formats.md). */
struct postq_store_sig {
    char id[POSTQ_ID_MAX]; /* "sig_…" */
    char org_id[POSTQ_ID_MAX];
    char key_id[POSTQ_ID_MAX];
    int64_t key_version;
    char algorithm[POSTQ_STORE_ALG_MAX];
    uint8_t payload_sha256[32];
    struct postq_bytes signature; /* composite signature bytes */
    int64_t created_at;
    char policy_id[POSTQ_ID_MAX]; /* the policy that admitted it ("" for none) */
    int64_t policy_version;       /* and its version (0 for none) */
    int has_attestation; /* 0 for software keys: att is then all empty */
    struct postq_store_attestation att;
    int64_t log_index; /* its leaf in the organisation's log; -1 when it has none (stored
                        * before the log existed, or put without an entry) */
    void *mem_;
};

/* A page of a list: items[0..n) newest first (ids descending). next_cursor is "" on the last
 * page, else the value to pass as cursor for the next one. Owned: release with the _clear(). */
struct postq_store_org_page {
    struct postq_store_org *items;
    size_t n;
    char next_cursor[POSTQ_ID_MAX];
};
struct postq_store_apikey_page {
    struct postq_store_apikey *items;
    size_t n;
    char next_cursor[POSTQ_ID_MAX];
};
struct postq_store_policy_page {
    struct postq_store_policy *items;
    size_t n;
    char next_cursor[POSTQ_ID_MAX];
};
struct postq_store_key_page {
    struct postq_store_key *items;
    size_t n;
    char next_cursor[POSTQ_ID_MAX];
};
struct postq_store_sig_page {
    struct postq_store_sig *items;
    size_t n;
    char next_cursor[POSTQ_ID_MAX];
};

/* ---- open, close, health ------------------------------------------------------------------ */

/* Open the store named by url and bring its schema up to date (each pending migration in
 * order, inside one transaction; a database newer than this program is refused).
 *   "sqlite:PATH"  SQLite file at PATH, created if missing (PATH may be relative).
 *   "postgres://…", "postgresql://…"  POSTQ_E_UNSUPPORTED until that backend exists.
 * POSTQ_E_ARG for another scheme or an empty path; POSTQ_E_IO when the file cannot be opened
 * or created, is not a database, or the schema cannot be applied; POSTQ_E_UNSUPPORTED for a
 * schema version newer than this program knows. On failure *out is NULL. */
POSTQ_MUST_CHECK postq_err postq_store_open(const char *url, struct postq_store **out);

/* Close every connection and free the handle. NULL is fine. No call may be running. */
void postq_store_close(struct postq_store *s);

/* A cheap round trip to the database (for GET /healthz). */
POSTQ_MUST_CHECK postq_err postq_store_health(struct postq_store *s);
/* A real, durable write that changes nothing visible: whether the store can commit now (a full
 * disk, a read-only file system or a lost lock answer an error, as a sign's commit would).
 * One small commit; GET /healthz rate-limits it. */
POSTQ_MUST_CHECK postq_err postq_store_write_check(struct postq_store *s);

/* The schema version the store runs at (the highest applied migration). */
POSTQ_MUST_CHECK postq_err postq_store_schema_version(struct postq_store *s, int64_t *version);

/* The calling thread's detail text for its last failed store call ("" if none). Thread-local
 * storage, valid until this thread's next store call. Never contains secrets. */
const char *postq_store_errmsg(void);

/* ---- organisations ------------------------------------------------------------------------ */

/* Create an organisation; fills out (id, name, created_at). */
POSTQ_MUST_CHECK postq_err postq_store_org_create(struct postq_store *s, const char *name,
                                                  struct postq_store_org *out);
/* POSTQ_E_NOT_FOUND if there is no organisation id. */
POSTQ_MUST_CHECK postq_err postq_store_org_get(struct postq_store *s, const char *id,
                                               struct postq_store_org *out);

/* Every organisation, newest first (for the server host's own tools, e.g. `make run` deciding
 * whether to create the demo organisation; never reachable from the HTTP API). */
POSTQ_MUST_CHECK postq_err postq_store_org_list(struct postq_store *s, size_t limit,
                                                const char *cursor,
                                                struct postq_store_org_page *page);
void postq_store_org_page_clear(struct postq_store_org_page *page);

/* ---- API keys ----------------------------------------------------------------------------- */

/* Create an API key of org_id; fills out. secret_hash: POSTQ_STORE_SECRET_HASH_BYTES bytes
 * (the server hashes the secret; the store never sees it). POSTQ_E_NOT_FOUND for an unknown
 * organisation. */
POSTQ_MUST_CHECK postq_err postq_store_apikey_create(
    struct postq_store *s, const char *org_id, const char *name, enum postq_store_role role,
    const uint8_t secret_hash[POSTQ_STORE_SECRET_HASH_BYTES], struct postq_store_apikey *out);
/* Look a key up by its public id alone, for authentication: the caller then compares
 * out->secret_hash with postq_ct_memeq and takes out->org_id as the caller's organisation. */
POSTQ_MUST_CHECK postq_err postq_store_apikey_get_by_id(struct postq_store *s, const char *id,
                                                        struct postq_store_apikey *out);
/* limit 1..POSTQ_STORE_PAGE_MAX; cursor NULL or "" for the first page. */
POSTQ_MUST_CHECK postq_err postq_store_apikey_list(struct postq_store *s, const char *org_id,
                                                   size_t limit, const char *cursor,
                                                   struct postq_store_apikey_page *page);
/* NOT_FOUND when the organisation has no such key; CONFLICT when it is the organisation's last
 * admin key, which is kept (an organisation always has a way to manage itself). The check and
 * the delete are one atomic step: concurrent deletes of two admin keys of an organisation with
 * two cannot both succeed. */
POSTQ_MUST_CHECK postq_err postq_store_apikey_delete(struct postq_store *s, const char *org_id,
                                                     const char *id);
void postq_store_apikey_page_clear(struct postq_store_apikey_page *page);

/* ---- attestation policies ----------------------------------------------------------------- */

/* Create from in->name, vendor, body, enforce (in->id, org_id, created_at are ignored); fills
 * out (a distinct record), which owns a copy of the body. POSTQ_E_NOT_FOUND for an unknown
 * organisation. */
POSTQ_MUST_CHECK postq_err postq_store_policy_create(struct postq_store *s, const char *org_id,
                                                     const struct postq_store_policy *in,
                                                     struct postq_store_policy *out);
POSTQ_MUST_CHECK postq_err postq_store_policy_get(struct postq_store *s, const char *org_id,
                                                  const char *id, struct postq_store_policy *out);
POSTQ_MUST_CHECK postq_err postq_store_policy_list(struct postq_store *s, const char *org_id,
                                                   size_t limit, const char *cursor,
                                                   struct postq_store_policy_page *page);
/* Version n of policy id (n >= 1); NOT_FOUND when there is no such policy or version. */
POSTQ_MUST_CHECK postq_err postq_store_policy_get_version(struct postq_store *s,
                                                          const char *org_id, const char *id,
                                                          int64_t n,
                                                          struct postq_store_policy *out);
/* Make the next version of policy id from in->name, vendor, body, enforce, in one
 * transaction; fills out with it. Keys bound to the policy follow the newest version.
 * NOT_FOUND for no such policy; CONFLICT when in->vendor is not the policy's vendor (a
 * policy's vendor never changes); TOO_LARGE past POSTQ_STORE_VERSIONS_MAX versions. */
POSTQ_MUST_CHECK postq_err postq_store_policy_update(struct postq_store *s, const char *org_id,
                                                     const char *id,
                                                     const struct postq_store_policy *in,
                                                     struct postq_store_policy *out);
/* POSTQ_E_CONFLICT while a hybrid key that is not deleted is bound to it (nothing is deleted).
 * Deleted keys bound to it are unbound; every version of the policy goes. */
POSTQ_MUST_CHECK postq_err postq_store_policy_delete(struct postq_store *s, const char *org_id,
                                                     const char *id);
void postq_store_policy_clear(struct postq_store_policy *p);
void postq_store_policy_page_clear(struct postq_store_policy_page *page);

/* ---- hybrid keys -------------------------------------------------------------------------- */

/* Create from in->name, algorithm, provider, policy_id ("" for none), public_key, sealed_key
 * (both non-empty); fills out (a distinct record; version 1). in->id "" lets the store assign
 * a fresh id; a caller-made "key_…" id (postq_id_new) is used as given — the enclave binds the
 * sealed key to it before the row exists; POSTQ_E_CONFLICT if it is taken. POSTQ_E_NOT_FOUND for an unknown
 * organisation or a policy_id that is not a policy of org_id. */
POSTQ_MUST_CHECK postq_err postq_store_key_create(struct postq_store *s, const char *org_id,
                                                  const struct postq_store_key *in,
                                                  struct postq_store_key *out);
POSTQ_MUST_CHECK postq_err postq_store_key_get(struct postq_store *s, const char *org_id,
                                               const char *id, struct postq_store_key *out);
POSTQ_MUST_CHECK postq_err postq_store_key_list(struct postq_store *s, const char *org_id,
                                                size_t limit, const char *cursor,
                                                struct postq_store_key_page *page);
/* The key id of org_id and, when it is bound, its policy, read together (the sign path's
 * reads in one round trip where the database is across a network). pol is all empty (id "")
 * for a key bound to none. NOT_FOUND as postq_store_key_get; on failure both are cleared. */
POSTQ_MUST_CHECK postq_err postq_store_key_get_bound(struct postq_store *s, const char *org_id,
                                                     const char *id, struct postq_store_key *key,
                                                     struct postq_store_policy *pol);
/* Make the next version of key id with in->public_key and in->sealed_key (both non-empty), in
 * one transaction; fills out (as key_get). NOT_FOUND; CONFLICT for a deleted key; TOO_LARGE
 * past POSTQ_STORE_VERSIONS_MAX versions. */
POSTQ_MUST_CHECK postq_err postq_store_key_rotate(struct postq_store *s, const char *org_id,
                                                  const char *id,
                                                  const struct postq_store_key *in,
                                                  struct postq_store_key *out);
/* Set version n of key id to state: ENABLED or DISABLED (CONFLICT for a destroyed version), or
 * DESTROYED (its sealed key erased; destroying a destroyed version again is fine). NOT_FOUND
 * for no such key or version. out receives the key (as key_get). */
POSTQ_MUST_CHECK postq_err postq_store_key_version_set(struct postq_store *s, const char *org_id,
                                                       const char *id, int64_t n,
                                                       enum postq_store_version_state state,
                                                       struct postq_store_key *out);
/* Delete key id: every version destroyed and the key marked deleted, in one transaction; its
 * public keys and signatures stay readable, and it no longer signs. Deleting a deleted key
 * again is fine. out receives the key (as key_get). */
POSTQ_MUST_CHECK postq_err postq_store_key_delete(struct postq_store *s, const char *org_id,
                                                  const char *id, struct postq_store_key *out);
void postq_store_key_clear(struct postq_store_key *k);
void postq_store_key_page_clear(struct postq_store_key_page *page);

/* ---- signatures: the sign path ------------------------------------------------------------ */

/* Whether (module_id, counter) was already recorded by a put_signature. Read-only: the
 * verifier's counter_reused check runs before the write; the write's uniqueness constraint is
 * what makes the check race-free. *seen is 1 or 0. */
POSTQ_MUST_CHECK postq_err postq_store_counter_seen(struct postq_store *s, const char *module_id,
                                                    int64_t counter, int *seen);

/* Store one sign result, in ONE transaction with, when record_counter is non-zero, the pair
 * (module_id, counter) in a table that refuses a pair it already holds.
 *   sig   in: org_id, key_id, key_version, algorithm, payload_sha256, signature (non-empty),
 *         policy_id and policy_version ("" and 0 for none),
 *         has_attestation and att (verdict PASS or FAIL; doc_b64 may be NULL); created_at 0
 *         means now. The store assigns sig->id (a fresh "sig_…", which sorts after every
 *         earlier one) and, if it was 0, sig->created_at — also on failure: do not reuse them.
 *   module_id, counter  the pair to record (module_id may be NULL when record_counter is 0).
 *         Under enforce: false a reused pair is stored with record_counter 0 (verdict FAIL,
 *         reason counter_reused), since the pair is already held.
 * POSTQ_E_CONFLICT when the pair was already recorded; POSTQ_E_NOT_FOUND when key_id is not a
 * key of org_id. On every failure nothing at all was written. POSTQ_OK means committed. */
POSTQ_MUST_CHECK postq_err postq_store_put_signature(struct postq_store *s,
                                                     struct postq_store_sig *sig,
                                                     const char *module_id, int64_t counter,
                                                     int record_counter);
POSTQ_MUST_CHECK postq_err postq_store_sig_get(struct postq_store *s, const char *org_id,
                                               const char *id, struct postq_store_sig *out);
/* Newest first. key_id NULL or "" lists every key's signatures; a key_id that is not a key of
 * org_id is POSTQ_E_NOT_FOUND. cursor: NULL/"" or a next_cursor of an earlier page. */
POSTQ_MUST_CHECK postq_err postq_store_sig_list(struct postq_store *s, const char *org_id,
                                                const char *key_id, size_t limit,
                                                const char *cursor,
                                                struct postq_store_sig_page *page);
void postq_store_sig_clear(struct postq_store_sig *sig);
void postq_store_sig_page_clear(struct postq_store_sig_page *page);

/* ---- the transparency log (docs/transparency.md) ------------------------------------------ */

#define POSTQ_STORE_NOTE_MAX  8192 /* a signed checkpoint note, NUL included */
#define POSTQ_STORE_ENTRY_MAX 2048 /* a log entry's text */

/* What put_signature_logged answers for a logged signature: its leaf, a checkpoint that covers it
 * (size > index: its own transaction's, or a later one), and the leaf's inclusion proof in that
 * tree. note_len 0: stored with its leaf, but no checkpoint could be signed. */
struct postq_store_log_receipt {
    int64_t index;
    int64_t size;
    uint8_t root[32];
    char note[POSTQ_STORE_NOTE_MAX];
    size_t note_len;
    uint8_t proof[64][32];
    size_t proof_len;
};

/* Signs a checkpoint: the API's hook into its enclave, which holds the log keys. Called by the
 * store's checkpoint thread (one per handle, started by postq_store_set_log_signer): for a
 * transaction's tree while its COMMIT runs (published only if it commits), for the whole
 * committed tree when a sign's own could not be signed or after a restart, and for an older
 * committed size that postq_store_checkpoint_get is asked for. Write the signed note for
 * (org_id, size, root) into note[0..*len) (at most cap bytes; no NUL needed). */
typedef postq_err (*postq_store_log_signer_fn)(void *ctx, const char *org_id, int64_t size,
                                               const uint8_t root[32], char *note, size_t cap,
                                               size_t *len);

/* The signer's way to say why it failed: sets the calling thread's postq_store_errmsg() text. */
void postq_store_set_errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Install the checkpoint signer, and start the checkpoint thread, before the first logged put
 * (not concurrently with puts). postq_store_close stops the thread after it wrote the newest
 * checkpoint's row. */
void postq_store_set_log_signer(struct postq_store *s, postq_store_log_signer_fn fn, void *ctx);

/* As postq_store_put_signature, and in the same transaction append entry[0..entry_len) (the
 * DESIGN §13 text, 1..POSTQ_STORE_ENTRY_MAX bytes) as the next leaf of sig->org_id's log; then,
 * once committed, wait for a published checkpoint that covers the leaf (signed by the signer
 * above during the commit, which must be set: POSTQ_E_UNSUPPORTED otherwise, before anything is
 * written) and fill *receipt.
 * sig->id may be set by the caller beforehand (a fresh postq_id_new "sig" id, as the entry must
 * name it; sig->created_at too); "" lets the store assign both. On success sig->log_index is
 * the leaf. A failure leaves nothing stored: no leaf without its signature, no signature
 * without its leaf. When the checkpoint cannot be signed after the commit the answer is still
 * POSTQ_OK (the signature is stored), with receipt->note_len 0 and postq_store_errmsg() saying
 * why. Checkpoint rows are written by the checkpoint thread, without an fsync of their own
 * (see postq_store_checkpoint_latest). */
POSTQ_MUST_CHECK postq_err postq_store_put_signature_logged(
    struct postq_store *s, struct postq_store_sig *sig, const char *module_id, int64_t counter,
    int record_counter, const uint8_t *entry, size_t entry_len,
    struct postq_store_log_receipt *receipt);

/* One signed tree head of a log. Owned: release with postq_store_checkpoint_clear. */
struct postq_store_checkpoint {
    int64_t size;
    uint8_t root[32];
    const char *note;
    int64_t created_at;
    void *mem_;
};

/* The log's size now (0 for an organisation that never logged). */
POSTQ_MUST_CHECK postq_err postq_store_log_size(struct postq_store *s, const char *org_id,
                                                int64_t *size);
/* The newest checkpoint (largest size): the newest row, or this process's newest when its row
 * is not written yet; with a signer set and nothing published by this process yet, one signed
 * now for the whole committed tree when the newest row is older (a crash lost its rows).
 * NOT_FOUND when none was signed yet. */
POSTQ_MUST_CHECK postq_err postq_store_checkpoint_latest(struct postq_store *s, const char *org_id,
                                                         struct postq_store_checkpoint *out);
/* The checkpoint of tree size `size`: its row, this process's newest, or (with a signer set)
 * one signed now for the first `size` leaves of the committed tree. NOT_FOUND when the tree is
 * smaller, or without a signer when no row holds it. */
POSTQ_MUST_CHECK postq_err postq_store_checkpoint_get(struct postq_store *s, const char *org_id,
                                                      int64_t size,
                                                      struct postq_store_checkpoint *out);
void postq_store_checkpoint_clear(struct postq_store_checkpoint *cp);

/* Inclusion proof of leaf index in the tree of size leaves (index < size <= the log's size),
 * and consistency proof of the tree of m leaves with that of size (0 <= m <= size), read from
 * the stored nodes: proof[0..*len), at most 64 hashes. NOT_FOUND when size exceeds the log. */
POSTQ_MUST_CHECK postq_err postq_store_log_inclusion(struct postq_store *s, const char *org_id,
                                                     int64_t size, int64_t index,
                                                     uint8_t proof[64][32], size_t *len);
POSTQ_MUST_CHECK postq_err postq_store_log_consistency(struct postq_store *s, const char *org_id,
                                                       int64_t size, int64_t m,
                                                       uint8_t proof[64][32], size_t *len);

/* tlog-tiles reads: the hashes of nodes (level, from .. from + n - 1) into hashes (n * 32 bytes),
 * and entries from .. from + n - 1 into one buffer as 2-byte big-endian length || entry each
 * (out owns it; postq_buf_free). n 1..256; NOT_FOUND when any is not stored (yet). */
POSTQ_MUST_CHECK postq_err postq_store_log_nodes(struct postq_store *s, const char *org_id,
                                                 unsigned level, int64_t from, size_t n,
                                                 uint8_t *hashes);
POSTQ_MUST_CHECK postq_err postq_store_log_entries(struct postq_store *s, const char *org_id,
                                                   int64_t from, size_t n, struct postq_buf *out);

/* ---- activity: what the dashboard's Overview charts --------------------------------------- */

#define POSTQ_STORE_ACTIVITY_BUCKETS_MAX 168 /* a week of hours */
#define POSTQ_STORE_REJECTIONS_MAX       20

/* One time bucket: signatures stored with a passing attestation or none, stored with a failed
 * one (a policy with enforce: false), and sign calls refused (enforce: true, nothing stored). */
struct postq_store_activity_bucket {
    int64_t signed_ok, audit_failed, rejected;
};

struct postq_store_rejection {
    char key_id[POSTQ_ID_MAX];
    char reason[POSTQ_STORE_REASON_MAX];
    int64_t created_at; /* ms */
};

/* Record a sign call of key_id refused with reason at at_ms (0: now). */
POSTQ_MUST_CHECK postq_err postq_store_rejection_add(struct postq_store *s, const char *org_id,
                                                     const char *key_id, const char *reason,
                                                     int64_t at_ms);

/* org_id's activity in n buckets of bucket_ms from from_ms (n 1..ACTIVITY_BUCKETS_MAX, bucket_ms
 * >= 1000) into out[0..n), and its newest refusals (at most recent_cap, newest first, any time)
 * into recent[0..*recent_n). */
POSTQ_MUST_CHECK postq_err postq_store_activity(struct postq_store *s, const char *org_id,
                                                int64_t from_ms, int64_t bucket_ms, size_t n,
                                                struct postq_store_activity_bucket *out,
                                                struct postq_store_rejection *recent,
                                                size_t recent_cap, size_t *recent_n);

/* ---- fault injection (tests) -------------------------------------------------------------- */

/* Make the nth store operation from now on (1 = the next) and every later one fail with
 * POSTQ_E_IO; 0 turns failures off. Returns how many operations ran since the last call. An
 * operation is one database statement a backend runs — BEGIN and COMMIT included — so an
 * injected failure can land between the writes of one transaction; the rollback that cleans up
 * is never failed. A test learns how many operations a call takes from the return value of
 * postq_store_fail_at(0) after it. Counts across all handles and threads (atomically). */
long postq_store_fail_at(long nth);

#endif
