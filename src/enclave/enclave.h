/* SPDX-License-Identifier: Apache-2.0 */
/* postq-enclave internals: the state directory (keys, moduleId, counter mark), sealing of
 * private keys, the request handler and the socket server. docs/enclave-protocol.md is the
 * reference for every format named here. */
#ifndef POSTQ_ENCLAVE_ENCLAVE_H
#define POSTQ_ENCLAVE_ENCLAVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "attest/doc.h"
#include "common/buf.h"
#include "proto/enclave_proto.h"

#define POSTQ_ENCLAVE_VENDOR "mock"
#define POSTQ_ENCLAVE_MODULE_ID_MAX 64
#define POSTQ_ENCLAVE_KID_MAX 32

/* ---- files of the state directory (state.c) ---- */

/* Write dir/name atomically with mode 0600: a temporary file in dir, write, fsync, rename,
 * fsync of dir. After a crash at any instant dir/name is either the old or the new file. */
POSTQ_MUST_CHECK postq_err postq_enclave_write_atomic(const char *dir, const char *name,
                                                      const void *p, size_t n);

/* Read dir/name (at most cap bytes; a larger file is POSTQ_E_TOO_LARGE) into buf. POSTQ_E_NOT_FOUND
 * when it does not exist, POSTQ_E_IO on other errors. */
POSTQ_MUST_CHECK postq_err postq_enclave_read_file(const char *dir, const char *name, uint8_t *buf,
                                                   size_t cap, size_t *len);

/* The secrets, in secure memory. They never leave the process but as signatures and
 * sealed blobs. */
struct postq_enclave_secrets {
    uint8_t root_seed[32];       /* the root key's seed: signs attestation documents */
    uint8_t seal_key[32];        /* AES-256-GCM key of sealed private keys */
    uint8_t fault_root_seed[32]; /* fault mode other-root only: a fresh, unpinned root */
    /* The transparency log's keys (log.c), derived from seal_key: Ed25519 seed, then the
     * mldsa65+ed25519 private key (ML-DSA seed || Ed25519 seed). */
    uint8_t log_ed_seed[32];
    uint8_t log_composite_sk[64];
};

/* ---- the counter (counter.c) ---- */

#define POSTQ_ENCLAVE_COUNTER_STEP 1024
#define POSTQ_ENCLAVE_COUNTER_FILE "counter"

/* Values come from memory; each time the reserved range runs out, the next one is made
 * durable first (write, fsync, rename of the mark file, fsync of the directory). The mark file
 * holds the first value not yet reserved: every value handed out by any earlier run is below
 * it, so a restart continues at the mark. Thread-safe. */
struct postq_enclave_counter {
    pthread_mutex_t mu;
    char dir[4096];
    uint64_t next; /* next value to hand out */
    uint64_t mark; /* values in [next, mark) are reserved durably */
    uint64_t step;
    /* Whether the latest durable write of the mark failed, why (strerror), and when the state
     * directory was last checked (ms since the epoch, 0: never). */
    int failing;
    char why[128];
    int64_t checked_ms;
};

/* Read the mark of dir (absent: 1, the first counter) and set up c. step 0 is the default.
 * POSTQ_E_MALFORMED for a mark file that is not one decimal number and a newline (never
 * guessed: a start with an unreadable mark fails). */
POSTQ_MUST_CHECK postq_err postq_enclave_counter_open(struct postq_enclave_counter *c,
                                                      const char *dir, uint64_t step);
/* The next counter value; reserves a new range first when the current one is used up.
 * POSTQ_E_IO when the reservation could not be made durable (nothing is handed out then). */
POSTQ_MUST_CHECK postq_err postq_enclave_counter_next(struct postq_enclave_counter *c,
                                                      uint64_t *out);
void postq_enclave_counter_close(struct postq_enclave_counter *c);
/* Whether the counter can still be made durable: rewrites the current mark (which uses up no
 * value) at most once a second, and remembers a failed reservation of postq_enclave_counter_next.
 * 1 durable; 0 not, with the reason in why[cap]. Each change of state is logged on stderr. */
int postq_enclave_counter_durable(struct postq_enclave_counter *c, char *why, size_t cap);

/* ---- sealed private keys (seal.c) ---- */

#define POSTQ_ENCLAVE_SEAL_VERSION 1
#define POSTQ_ENCLAVE_SEAL_OVERHEAD (1 + 12 + 16) /* version, nonce, tag */
#define POSTQ_ENCLAVE_SEALED_MAX (POSTQ_ENCLAVE_SEAL_OVERHEAD + 89 + 32)

/* Seal the composite private key sk (sized for alg) and the SHA-256 of its public key for key_id:
 *   version (1) || nonce (12) || AES-256-GCM(seal_key, nonce, sk || pk_sha256, aad) || tag (16)
 *   aad = "postq-sealed-key" || version || len(alg) (1) || alg || len(keyId) (1) || keyId
 * out holds POSTQ_ENCLAVE_SEAL_OVERHEAD + sk length + 32 bytes. POSTQ_E_UNSUPPORTED for an unknown
 * alg, POSTQ_E_ARG for a key id of 0 or more than 127 characters, POSTQ_E_LENGTH when out is
 * too small, POSTQ_E_RNG. CT: seal_key and sk decide no branch. */
POSTQ_MUST_CHECK postq_err postq_enclave_seal(uint8_t *out, size_t cap, size_t *out_len,
                                              const uint8_t seal_key[32], const char *alg,
                                              const char *key_id, const uint8_t *sk,
                                              const uint8_t pk_sha256[32]);

/* Open a sealed key: sk receives alg's private key size, pk_sha256 the public key's digest.
 * POSTQ_E_INVALID when the blob is not a sealed key of this enclave for exactly (alg, key_id)
 * — tampered, truncated, another version, key id or algorithm (sk and pk_sha256 are then
 * wiped); POSTQ_E_UNSUPPORTED for an unknown alg. CT: as postq_aead_open. */
POSTQ_MUST_CHECK postq_err postq_enclave_unseal(uint8_t *sk, size_t cap, uint8_t pk_sha256[32],
                                                const uint8_t seal_key[32], const char *alg,
                                                const char *key_id, const uint8_t *sealed,
                                                size_t len);

/* ---- test-only fault modes (ops.c) ---- */

enum postq_enclave_fault {
    POSTQ_FAULT_NONE = 0,
    POSTQ_FAULT_IMAGE_HASH,     /* imageHash of another image */
    POSTQ_FAULT_SIG_SHA256,     /* sigSha256 not of the returned signature */
    POSTQ_FAULT_PAYLOAD_SHA256, /* payloadSha256 not of the payload */
    POSTQ_FAULT_NONCE,          /* nonce other than the request's */
    POSTQ_FAULT_STALE_CLOCK,    /* timestamp one day in the past */
    POSTQ_FAULT_FUTURE_CLOCK,   /* timestamp one hour in the future */
    POSTQ_FAULT_REUSED_COUNTER, /* every document repeats the first counter */
    POSTQ_FAULT_OTHER_ROOT      /* documents signed by a root nobody pinned */
};

/* The mode named s ("image-hash", ...); -1 when unknown. */
int postq_enclave_fault_parse(const char *s);
const char *postq_enclave_fault_name(int fault);
/* "image-hash, sig-sha256, ..." for usage text. */
const char *postq_enclave_fault_list(void);

/* ---- the enclave ---- */

struct postq_enclave_keycache;

struct postq_enclave {
    char state_dir[4096];
    char module_id[POSTQ_ENCLAVE_MODULE_ID_MAX];
    char kid[POSTQ_ENCLAVE_KID_MAX];
    uint8_t image_hash[32];
    int root_alg; /* POSTQ_ROOT_ED25519 or POSTQ_ROOT_COMPOSITE (attest/doc.h) */
    uint8_t root_pk[POSTQ_ROOT_PK_MAX];
    size_t root_pk_len;
    struct postq_enclave_secrets *sec;
    int sec_locked;
    int lock_fd;
    struct postq_enclave_counter counter;
    int counter_open;
    int fault;
    pthread_mutex_t fault_mu;
    int have_fault_counter;
    uint64_t fault_counter;
    /* Expanded keys in locked memory (keycache.h), set up by postq_enclave_keycache_open and
     * freed by postq_enclave_keycache_close; both NULL until then (and in the other users of
     * this struct): every sign then unseals and expands its key, and documents are signed from
     * the root seed. */
    struct postq_enclave_keycache *keys;
    const struct postq_hybrid_skey *root_skey; /* the composite root's expanded key, or NULL */
    struct postq_enclave_log *log; /* the log's keys (log.c); NULL until postq_enclave_log_init */
    const struct postq_hybrid_skey *log_skey; /* the log's composite key expanded (keycache.c:
                                               * log_init before keycache_open), or NULL */
};

/* ---- the transparency log's keys (log.c, docs/transparency.md) ---- */

#define POSTQ_ENCLAVE_LOG_NAME_DEFAULT "postq-log"

struct postq_enclave_log;

/* Derive the log's two keys from the sealing key (so every enclave of a deployment secret signs
 * for the same log) under the key name `name` (1..100 printable ASCII characters, no space and
 * no '+'), into e->sec and e->log (freed by postq_enclave_close). POSTQ_E_ARG for a bad name
 * (detail says why). */
POSTQ_MUST_CHECK postq_err postq_enclave_log_init(struct postq_enclave *e, const char *name,
                                                  char *detail, size_t cap);
/* The log-keys and log-sign operations' replies. */
POSTQ_MUST_CHECK postq_err postq_enclave_log_keys(struct postq_enclave *e, struct postq_buf *reply);
POSTQ_MUST_CHECK postq_err postq_enclave_log_sign(struct postq_enclave *e,
                                                  const struct postq_proto_req *q,
                                                  struct postq_buf *reply);

/* SHA-256 of the running executable (/proc/self/exe). */
POSTQ_MUST_CHECK postq_err postq_enclave_measure_self(uint8_t out[32]);

/* Open (creating on first use) the state directory dir: directory 0700, root.key, seal.key,
 * module-id (files 0600, each written atomically), and read the keys into secure memory.
 * With for_daemon, also take the directory's lock (one daemon per state directory) and open
 * the counter, reserving counter_step values at a time (0: POSTQ_ENCLAVE_COUNTER_STEP).
 * detail receives a message on failure. */
POSTQ_MUST_CHECK postq_err postq_enclave_open(struct postq_enclave *e, const char *dir,
                                              int for_daemon, uint64_t counter_step,
                                              char *detail, size_t cap);
/* The same with a deployment secret (secret_path non-NULL): the root seed, the root's kind
 * and the sealing key come from it, and the state directory keeps a copy (written on first
 * start); a state directory with keys of its own that differ is POSTQ_E_CONFLICT. module-id
 * and the counter stay the directory's own.
 * root_alg: the root's kind for a state directory made now (0: the composite,
 * POSTQ_ROOT_COMPOSITE); an existing directory keeps the kind it has (root.alg; none: Ed25519,
 * as every directory made before composite roots), and a root_alg that differs from it is
 * POSTQ_E_CONFLICT. Ignored with a secret, which names its kind. */
POSTQ_MUST_CHECK postq_err postq_enclave_open_secret(struct postq_enclave *e, const char *dir,
                                                     const char *secret_path, int for_daemon,
                                                     uint64_t counter_step, char *detail,
                                                     size_t cap);
POSTQ_MUST_CHECK postq_err postq_enclave_open_ex(struct postq_enclave *e, const char *dir,
                                                 const char *secret_path, int root_alg,
                                                 int for_daemon, uint64_t counter_step,
                                                 char *detail, size_t cap);
void postq_enclave_close(struct postq_enclave *e);

/* The deployment secret file (secret.c): write a new one at path (mode 0600, atomically, never
 * over an existing file: POSTQ_E_CONFLICT), or read one (a regular file of ours, mode 0600,
 * its checksum intact). detail receives the reason on failure. */
POSTQ_MUST_CHECK postq_err postq_enclave_secret_new(const char *path, int root_alg, char *detail,
                                                    size_t cap);
/* Write a new secret at path (as postq_enclave_secret_new) holding the root seed and sealing
 * key of the secret at from, or of the state directory from_state (its root.key and
 * seal.key), with root kind root_alg: the same sealing key unseals every key of the old
 * deployment, while documents are signed by the new kind of root. */
POSTQ_MUST_CHECK postq_err postq_enclave_secret_derive(const char *path, int root_alg,
                                                       const char *from, const char *from_state,
                                                       char *detail, size_t cap);
/* Write p[0..n) to a new file path (mode 0600, fsynced, then its directory), never over an
 * existing one: POSTQ_E_CONFLICT; POSTQ_E_IO with errno set. */
POSTQ_MUST_CHECK postq_err postq_enclave_write_new(const char *path, const void *p, size_t n);
/* *root_alg: the root's kind (a secret written before composite roots: Ed25519). */
POSTQ_MUST_CHECK postq_err postq_enclave_secret_load(const char *path, uint8_t root[32],
                                                     uint8_t seal[32], int *root_alg,
                                                     char *detail, size_t cap);

/* Handle one request body; append the whole reply frame to reply. A hostile request gets an
 * error reply; a non-OK return means not even an error reply could be made (out of memory). */
POSTQ_MUST_CHECK postq_err postq_enclave_handle(struct postq_enclave *e, const uint8_t *body,
                                                size_t len, struct postq_buf *reply);

/* An error reply frame for status (used before a request could be read). */
POSTQ_MUST_CHECK postq_err postq_enclave_error_reply(struct postq_buf *reply, int status,
                                                     const char *message);

/* ---- the server (server.c) ---- */

struct postq_enclave_server_opts {
    const char *socket_path;
    int workers;        /* signing threads */
    int io_timeout_ms;  /* whole-frame read or write deadline per request */
    int idle_timeout_ms;
    int max_conns;
};

/* Listen on socket_path (mode 0600) and serve until SIGTERM or SIGINT; then finish requests in
 * flight, remove the socket file and return POSTQ_OK. */
POSTQ_MUST_CHECK postq_err postq_enclave_serve(struct postq_enclave *e,
                                               const struct postq_enclave_server_opts *o);

#endif
