/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the store module only: the ops table each backend fills, the handle header every
 * backend's handle starts with, and the helpers store.c gives the backends (fault injection,
 * the thread's detail text). store.c checks arguments before it dispatches, so an op may rely
 * on non-NULL pointers, valid ids and limits in range. */
#ifndef POSTQ_STORE_BACKEND_H
#define POSTQ_STORE_BACKEND_H

#include <pthread.h>

#include "crypto/merkle.h"
#include "store/store.h"

struct postq_store_ops {
    const char *name;
    /* The checkpointer writes a log's newest checkpoint row at most this often (ms): rows
     * cost a write each, and any committed size can be signed again on demand. 0: each. */
    int64_t checkpoint_row_ms;
    void (*close)(struct postq_store *s);
    postq_err (*health)(struct postq_store *s);
    postq_err (*write_check)(struct postq_store *s);
    postq_err (*schema_version)(struct postq_store *s, int64_t *version);
    postq_err (*org_create)(struct postq_store *s, struct postq_store_org *rec);
    postq_err (*org_get)(struct postq_store *s, const char *id, struct postq_store_org *out);
    postq_err (*org_list)(struct postq_store *s, size_t limit, const char *cursor,
                          struct postq_store_org_page *page);
    postq_err (*apikey_create)(struct postq_store *s, struct postq_store_apikey *rec);
    postq_err (*apikey_get_by_id)(struct postq_store *s, const char *id,
                                  struct postq_store_apikey *out);
    postq_err (*apikey_list)(struct postq_store *s, const char *org_id, size_t limit,
                             const char *cursor, struct postq_store_apikey_page *page);
    postq_err (*apikey_delete)(struct postq_store *s, const char *org_id, const char *id);
    /* rec: id, org_id and created_at already assigned; the backend only inserts. */
    postq_err (*policy_create)(struct postq_store *s, const struct postq_store_policy *rec);
    postq_err (*policy_get)(struct postq_store *s, const char *org_id, const char *id,
                            struct postq_store_policy *out);
    postq_err (*policy_list)(struct postq_store *s, const char *org_id, size_t limit,
                             const char *cursor, struct postq_store_policy_page *page);
    postq_err (*policy_delete)(struct postq_store *s, const char *org_id, const char *id);
    postq_err (*policy_get_version)(struct postq_store *s, const char *org_id, const char *id,
                                    int64_t n, struct postq_store_policy *out);
    /* in: name, vendor, body, enforce, updated_at (assigned). */
    postq_err (*policy_update)(struct postq_store *s, const char *org_id, const char *id,
                               const struct postq_store_policy *in,
                               struct postq_store_policy *out);
    postq_err (*key_create)(struct postq_store *s, const struct postq_store_key *rec);
    postq_err (*key_get)(struct postq_store *s, const char *org_id, const char *id,
                         struct postq_store_key *out);
    postq_err (*key_list)(struct postq_store *s, const char *org_id, size_t limit,
                          const char *cursor, struct postq_store_key_page *page);
    /* in: public_key, sealed_key, created_at (assigned). */
    postq_err (*key_rotate)(struct postq_store *s, const char *org_id, const char *id,
                            const struct postq_store_key *in, struct postq_store_key *out);
    postq_err (*key_version_set)(struct postq_store *s, const char *org_id, const char *id,
                                 int64_t n, enum postq_store_version_state state,
                                 struct postq_store_key *out);
    postq_err (*key_delete)(struct postq_store *s, const char *org_id, const char *id,
                            int64_t now_ms, struct postq_store_key *out);
    postq_err (*key_get_bound)(struct postq_store *s, const char *org_id, const char *id,
                               struct postq_store_key *key, struct postq_store_policy *pol);
    postq_err (*counter_seen)(struct postq_store *s, const char *module_id, int64_t counter,
                              int *seen);
    /* entry NULL: not logged (receipt NULL too); else append it as the next leaf of the
     * organisation's log, in the signature's transaction; before the COMMIT compute the tree's
     * root and the leaf's proof in it into receipt->size, root, proof (and presign that tree,
     * settled after the COMMIT); once committed set receipt->index (store.c then waits for a
     * checkpoint that covers it). */
    postq_err (*put_signature)(struct postq_store *s, const struct postq_store_sig *sig,
                               const char *module_id, int64_t counter, int record_counter,
                               const uint8_t *entry, size_t entry_len,
                               struct postq_store_log_receipt *receipt);
    /* Store a signed checkpoint (a second one of the same size is ignored). Needs no
     * durability of its own: a checkpoint lost in a crash is signed again when asked for. */
    postq_err (*checkpoint_put)(struct postq_store *s, const char *org_id, int64_t size,
                                const uint8_t root[32], const char *note);
    postq_err (*log_size)(struct postq_store *s, const char *org_id, int64_t *size);
    /* out zeroed by store.c. */
    /* size 0: the latest. */
    postq_err (*checkpoint_get)(struct postq_store *s, const char *org_id, int64_t size,
                                struct postq_store_checkpoint *out);
    /* Fill nodes[i].hash for each (level, index); NOT_FOUND when one is not stored. */
    postq_err (*log_nodes_get)(struct postq_store *s, const char *org_id,
                               struct postq_merkle_node *nodes, size_t n);
    /* Entries from..from+n-1 appended to out as 2-byte big-endian length || entry. */
    postq_err (*log_entries)(struct postq_store *s, const char *org_id, int64_t from, size_t n,
                             struct postq_buf *out);
    postq_err (*sig_get)(struct postq_store *s, const char *org_id, const char *id,
                         struct postq_store_sig *out);
    postq_err (*sig_list)(struct postq_store *s, const char *org_id, const char *key_id,
                          size_t limit, const char *cursor, struct postq_store_sig_page *page);
    /* at_ms already resolved (never 0). */
    postq_err (*rejection_add)(struct postq_store *s, const char *org_id, const char *key_id,
                               const char *reason, int64_t at_ms);
    /* out zeroed by store.c; *recent_n 0. */
    postq_err (*activity)(struct postq_store *s, const char *org_id, int64_t from_ms,
                          int64_t bucket_ms, size_t n, struct postq_store_activity_bucket *out,
                          struct postq_store_rejection *recent, size_t recent_cap,
                          size_t *recent_n);
};

/* The columns of each table in the order every backend's statements select and insert them,
 * and its row readers index them (src/store/schema/001_init.sql). */
#define AK_COLS  "id, org_id, name, role, secret_hash, created_at"
#define POL_COLS "id, org_id, name, vendor, body, enforce, created_at, version, updated_at"
/* A policy's version n, in POL_COLS order (p: policies, v: policy_versions). */
#define POLV_SEL                                                                                   \
    "p.id, p.org_id, v.name, v.vendor, v.body, v.enforce, p.created_at, v.version, v.created_at"
#define KEY_INSERT_COLS "id, org_id, name, algorithm, provider, policy_id, version, created_at"
/* A key with one of its versions (k: hybrid_keys, v: key_versions), in the order the row
 * readers index: v's public and sealed key and number, then the key's newest and deletion. */
#define KEY_SEL                                                                                    \
    "k.id, k.org_id, k.name, k.algorithm, k.provider, k.policy_id, v.public_key, v.sealed_key, "  \
    "v.version, k.created_at, k.version, k.deleted_at"
#define KV_COLS "version, state, public_key, created_at"
#define SIG_COLS                                                                                   \
    "id, org_id, key_id, key_version, algorithm, payload_sha256, signature, created_at, "          \
    "att_vendor, att_image_hash, att_module_id, att_counter, att_doc_b64, att_verdict, "           \
    "att_reason, policy_id, policy_version, log_index"

/* Every backend's handle begins with this. */
struct postq_store_checkpointer; /* store.c */

struct postq_store {
    const struct postq_store_ops *ops;
    postq_store_log_signer_fn log_signer; /* postq_store_set_log_signer */
    void *log_signer_ctx;
    struct postq_store_checkpointer *cp; /* store.c: one signer per organisation's log */
};

/* Backends' constructors (one per scheme). */
postq_err postq_store_sqlite_open(const char *path, struct postq_store **out);
postq_err postq_store_pg_open(const char *url, struct postq_store **out);

/* ---- the transparency log: what store.c gives the backends --------------------------------- */

/* Reads nodes[i].hash for each (level, index) given, in one go where it can. */
typedef postq_err (*postq_store_nodes_fn)(void *ctx, struct postq_merkle_node *nodes, size_t n);

enum postq_store_tree_use { NODES_ROOT, NODES_INCLUSION, NODES_CONSISTENCY };

/* What `use` needs of the tree of the first size leaves (root; or the proof of leaf a, and the
 * root too when root is not NULL; or the proof of the tree of a leaves), from nodes read
 * through get in one call (crypto/merkle.h: which nodes depends only on the sizes, so a first
 * pass records them and a second computes). A backend uses it inside its transaction, with a
 * get that sees the transaction's own rows. */
postq_err postq_store_log_tree(postq_store_nodes_fn get, void *ctx, enum postq_store_tree_use use,
                               int64_t size, int64_t a, uint8_t proof[64][32], size_t *len,
                               uint8_t root[32]);

/* The right edge of a tree of size leaves into out (highest level first): for each one bit L of
 * size, the perfect subtree (L, (size >> L) - 1). Returns how many (at most 63). */
size_t postq_store_log_edge(int64_t size, struct postq_merkle_node out[64]);

/* The nodes a logged transaction knows: the right edge it began from, then those its appends
 * completed. As crypto/merkle.h's fetch (postq_store_known_get) or postq_store_log_tree's
 * (postq_store_known_nodes, ctx the set): the newest held node of a position, else one read
 * through read(read_ctx, ...). */
struct postq_store_known {
    struct postq_merkle_node *v;
    size_t n, cap;
    postq_merkle_get_fn read;
    void *read_ctx;
};
POSTQ_MUST_CHECK postq_err postq_store_known_push(struct postq_store_known *k, unsigned level,
                                                  uint64_t index, const uint8_t hash[32]);
const struct postq_merkle_node *postq_store_known_find(const struct postq_store_known *k,
                                                       unsigned level, uint64_t index);
postq_err postq_store_known_get(void *k, unsigned level, uint64_t index, postq_merkle_hash out);
postq_err postq_store_known_nodes(void *k, struct postq_merkle_node *nodes, size_t n);
void postq_store_known_free(struct postq_store_known *k);
/* The right edge of the tree of size leaves (as postq_store_log_edge), hashes from the nodes k
 * holds (no read): POSTQ_E_NOT_FOUND when one is not held. For a batch's tree after its
 * appends, every edge node is held: the batch read it or made it. */
POSTQ_MUST_CHECK postq_err postq_store_known_edge(const struct postq_store_known *k, int64_t size,
                                                  struct postq_merkle_node out[64], size_t *n);

/* A logged transaction about to COMMIT leaves org_id's tree at size leaves with this root: the
 * checkpointer starts signing it now, so that the enclave works during the commit's fsync.
 * Every presign is settled exactly once, after the COMMIT: committed 1 publishes the
 * checkpoint (to the signs it covers, to reads), 0 drops it (a checkpoint of a tree that was
 * never committed is never shown). */
void postq_store_log_presign(struct postq_store *s, const char *org_id, int64_t size,
                             const uint8_t root[32]);
void postq_store_log_settle(struct postq_store *s, const char *org_id, int64_t size,
                            const uint8_t root[32], int committed);

/* Group commit, for both backends: a caller queues its item (a struct that begins with a
 * postq_store_gc_item); if no commit of the queue is under way it leads one for everything
 * queued so far (its own included), calling commit(s, batch) with the lock released; else it
 * waits for the leader, who may have taken it into the batch. Returns once the item is
 * answered (its results written by commit, which happened before). lock guards q and cond is
 * the queue's; neither is held by the caller. */
struct postq_store_gc_item {
    struct postq_store_gc_item *next; /* in the queue, then in its batch */
    int done;                         /* answered (written under lock) */
};
struct postq_store_gc {
    struct postq_store_gc_item *head, **tail;
    int busy; /* a leader is committing */
};
void postq_store_gc_init(struct postq_store_gc *q);
void postq_store_gc_run(struct postq_store_gc *q, pthread_mutex_t *lock, pthread_cond_t *cond,
                        struct postq_store_gc_item *me,
                        void (*commit)(struct postq_store *s, struct postq_store_gc_item *batch),
                        struct postq_store *s);

/* Called before each database statement a backend runs (not before a rollback): POSTQ_E_IO
 * when the fault hook says this one fails, else POSTQ_OK. */
postq_err postq_store_fault_tick(void);

/* postq_store_set_errmsg (store.h): the calling thread's detail text (printf-style, truncated). */

#endif
