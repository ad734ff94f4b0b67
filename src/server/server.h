/* SPDX-License-Identifier: Apache-2.0 */
/* postq-api internals: the HTTP layer's request/response (http.c, the one file that touches
 * libmicrohttpd), the per-request arena, the API state and its handlers (api.c, sign.c),
 * authentication and roles (auth.c), the enclave connection pool (enclave.c), the
 * key-encryption key for software keys (kek.c) and the Prometheus metrics (metrics.c).
 * docs/http-api.md is the contract these implement. */
#ifndef POSTQ_SERVER_SERVER_H
#define POSTQ_SERVER_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <postq/err.h>

#include "common/buf.h"
#include "common/id.h"
#include "proto/enclave_proto.h"
#include "server/jsonw.h"
#include "server/ratelimit.h"
#include "server/vcache.h"
#include "store/store.h"

/* Body caps (docs/http-api.md): a JSON body, the JSON form of POST /v1/sign included, is at most
 * 1 MiB; a raw application/octet-stream payload for POST /v1/sign at most 64 MiB. */
#define POSTQ_API_JSON_MAX ((size_t)1 << 20)
#define POSTQ_API_OCTET_MAX POSTQ_PROTO_PAYLOAD_MAX
#define POSTQ_API_THREAD_STACK ((size_t)1 << 20) /* >= 512 KiB: ML-DSA-87 signs on it */
#define POSTQ_API_CONN_TIMEOUT_S 30
#define POSTQ_API_MAX_CONNS_DEFAULT 4096 /* --max-connections */
#define POSTQ_API_MAX_CONNS_MAX 65536
#define POSTQ_API_PER_IP_DEFAULT 256      /* --max-connections-per-ip */
#define POSTQ_API_HEADER_TIMEOUT_S 10     /* --header-timeout */
#define POSTQ_API_WORKERS_DEFAULT 64      /* --workers */
#define POSTQ_API_WORKERS_MAX 1024
#define POSTQ_API_ENCLAVE_TIMEOUT_MS 30000
/* Keys (with their bound policy) whose expanded verification key the sign path keeps: ~70 KiB
 * each at mldsa87, so 64 cost at most ~4.5 MiB. */
#define POSTQ_API_VCACHE_ENTRIES 64
/* The Content-Security-Policy of every response (the dashboard is ES modules and one CSS
 * file of this origin; it calls only this origin's API). */
#define POSTQ_API_CSP                                                                          \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "                \
    "form-action 'none'; frame-ancestors 'none'"

/* ---- per-request arena: every allocation is released at once when the request ends ---- */

struct postq_arena_block;
struct postq_arena {
    struct postq_arena_block *head;
};
void postq_arena_init(struct postq_arena *a);
/* n bytes aligned for any type, zeroed; NULL when memory runs out. */
void *postq_arena_alloc(struct postq_arena *a, size_t n);
char *postq_arena_strndup(struct postq_arena *a, const char *s, size_t n);
/* Wipe and free every block. */
void postq_arena_release(struct postq_arena *a);

/* ---- HTTP ---- */

struct postq_http_req {
    const char *method;
    const char *path;          /* without the query string */
    const char *authorization; /* header value or NULL */
    const char *content_type;  /* header value or NULL */
    struct postq_bytes body;
    int body_too_large; /* the body passed its cap: answer 413 */
    const char *(*query)(const struct postq_http_req *req, const char *name); /* NULL if absent */
    void *conn_;
    struct postq_arena *arena;
};

struct postq_http_resp {
    int status;
    const char *content_type; /* static storage */
    struct postq_buf body;    /* capped at POSTQ_API_JSON_MAX; freed by the HTTP layer */
    char request_id[POSTQ_ID_MAX]; /* sent as X-Request-Id when set */
    const char *error_code;   /* error.code of an error reply (for the log); request lifetime */
    const char *allow;        /* the Allow header of a 405 (static storage), or NULL */
    unsigned retry_after;     /* the Retry-After header of a 429, in seconds, when not 0 */
    /* For the request's log line: who called (ids only, never a secret) and the resource ids
     * the request read, made or changed ("" when none). */
    char log_org[POSTQ_ID_MAX];
    char log_apikey[POSTQ_ID_MAX];
    char log_ids[2][POSTQ_ID_MAX];
};

/* The application's side. */
struct postq_http_app {
    /* The body cap for a request, decided from its method, path, content type and
     * Authorization header (NULL when absent) before any byte of the body is read. */
    size_t (*body_cap)(void *ctx, const char *method, const char *path, const char *ctype,
                       const char *authorization);
    /* Fill resp for req (resp->status 0 means 500). Runs on a worker thread. */
    void (*handle)(void *ctx, const struct postq_http_req *req, struct postq_http_resp *resp);
    void *ctx;
};

struct postq_http_server;

/* How many connections, from where, how long the request head may take, and how many requests
 * are worked on at once. */
struct postq_http_limits {
    unsigned max_conns;        /* connections open at once (accepted, reading or answering) */
    unsigned per_ip;           /* of them from one client address; 0: no limit */
    unsigned header_timeout_s; /* total time for the request line and headers (per request) */
    unsigned workers;          /* threads that run handlers; requests beyond wait their turn */
};
void postq_http_limits_default(struct postq_http_limits *l);

/* Listen on "HOST:PORT" (IPv4 literal or "localhost"; port 0 = ephemeral). One event-loop
 * thread reads and writes every connection; a request whose head and body are complete is
 * handed to one of limits->workers threads (each with a POSTQ_API_THREAD_STACK stack), so a
 * connection that is slow to send costs no thread. A connection whose request head is not
 * complete limits->header_timeout_s after it began waiting for one is closed. bound receives
 * the address actually bound ("127.0.0.1:43127"). POSTQ_E_ARG for a bad address or limit;
 * POSTQ_E_NETWORK when the daemon does not start. */
POSTQ_MUST_CHECK postq_err postq_http_start(struct postq_http_server **out, const char *listen,
                                            const struct postq_http_limits *limits,
                                            const struct postq_http_app *app, char *bound,
                                            size_t bound_cap);
/* Stop accepting, answer what is queued with 503, wait for the handlers running, close every
 * connection and free s. NULL is fine. */
void postq_http_stop(struct postq_http_server *s);

/* ---- metrics ---- */

void postq_metrics_init(void);
/* One request answered: route is a template ("/v1/hybrid-keys/{id}"), static storage. */
void postq_metrics_request(const char *route, const char *method, int status);
void postq_metrics_sign_latency(double seconds);
void postq_metrics_rejection(const char *reason);
/* What the latest /healthz found (postq_health_ok{part}). */
void postq_metrics_health(int store_ok, int enclave_ok);
void postq_metrics_enclave_error(const char *kind);
/* One request refused by a rate limit: scope "key" or "org" (static storage). */
void postq_metrics_rate_limited(const char *scope);
/* One transparency-log checkpoint signed by the enclave for this process. */
void postq_metrics_log_checkpoint(void);
/* The Prometheus text exposition into out. */
POSTQ_MUST_CHECK postq_err postq_metrics_render(struct postq_buf *out);
/* The build, the enclave gauge (enclave_up: the caller's probe) and the process's own
 * metrics (start time, CPU, resident memory, open descriptors). */
POSTQ_MUST_CHECK postq_err postq_metrics_render_process(struct postq_buf *out, int enclave_up);

/* ---- the enclave connection pool ---- */

struct postq_enclave_pool;
POSTQ_MUST_CHECK postq_err postq_enclave_pool_new(const char *addr, int timeout_ms,
                                                  struct postq_enclave_pool **out);
void postq_enclave_pool_free(struct postq_enclave_pool *p);
/* Run one request on a pooled connection (a new one when none is idle). A request that a
 * reused connection never delivered (it turned out dead, e.g. after an enclave restart) goes
 * once more on a fresh connection; one that may have reached the enclave (a deadline passed, a
 * reply byte arrived) never does, so a slow enclave costs one deadline and one sign. On POSTQ_OK,
 * *c holds the connection whose buffer resp points into: hand it back with
 * postq_enclave_pool_put once resp is no longer needed. POSTQ_E_NETWORK when the enclave
 * cannot be reached. */
POSTQ_MUST_CHECK postq_err postq_enclave_call(struct postq_enclave_pool *p,
                                              const struct postq_proto_req *req,
                                              struct postq_proto_resp *resp,
                                              struct postq_proto_client **c);
void postq_enclave_pool_put(struct postq_enclave_pool *p, struct postq_proto_client *c, int ok);
/* Whether the enclave is up, for /metrics: the latest call's outcome when it is under 10 s old
 * (or another caller is probing), else a probe of its own, an info call with a 1 s deadline.
 * Never waits longer than that. 1 up, 0 not. */
int postq_enclave_pool_up(struct postq_enclave_pool *p);

/* The enclave's health for /healthz: a health call on a connection of its own with a deadline
 * of POSTQ_ENCLAVE_HEALTH_MS, so a stalled enclave is reported within it. up: it answered;
 * counter_durable: it can still make its counter durable (an enclave that predates the health
 * call counts as durable); reason: "" or a stable code (enclave_unavailable,
 * counter_not_durable), message the detail. */
#define POSTQ_ENCLAVE_HEALTH_MS 1500
struct postq_enclave_health {
    int up, counter_durable;
    const char *reason;
    char message[POSTQ_PROTO_MESSAGE_MAX + 320];
};
void postq_enclave_pool_health(struct postq_enclave_pool *p, struct postq_enclave_health *h);

/* ---- the key-encryption key (software keys) ---- */

#define POSTQ_KEK_BYTES 32
#define POSTQ_KEK_SEALED_OVERHEAD (1 + 12 + 16) /* version, nonce, tag */

/* Load DIR/kek.key, creating DIR (0700) and the key (32 random bytes, file 0600, written to a
 * temporary file and renamed, so a crash never leaves half a key) when missing.
 * POSTQ_E_IO when the file cannot be read or written, or has the wrong size or mode. */
POSTQ_MUST_CHECK postq_err postq_kek_load(const char *dir, uint8_t kek[POSTQ_KEK_BYTES]);
/* A key-encryption key shared by several API nodes: read FILE (a regular file, mode 0600, 32
 * bytes), or write a new one (0600, atomically, never over an existing file: CONFLICT). */
POSTQ_MUST_CHECK postq_err postq_kek_load_file(const char *path, uint8_t kek[POSTQ_KEK_BYTES]);
POSTQ_MUST_CHECK postq_err postq_kek_new_file(const char *path);
/* Seal sk under kek, bound to key_id and alg (AAD). out receives len + overhead bytes. */
POSTQ_MUST_CHECK postq_err postq_kek_seal(uint8_t *out, size_t out_cap, size_t *out_len,
                                          const uint8_t kek[POSTQ_KEK_BYTES], const char *key_id,
                                          const char *alg, const uint8_t *sk, size_t sk_len);
/* Open what postq_kek_seal made; POSTQ_E_INVALID for a blob of another key, id or alg. */
POSTQ_MUST_CHECK postq_err postq_kek_open(uint8_t *sk, size_t sk_cap, size_t *sk_len,
                                          const uint8_t kek[POSTQ_KEK_BYTES], const char *key_id,
                                          const char *alg, const uint8_t *in, size_t in_len);

/* ---- API keys: tokens ---- */

#define POSTQ_TOKEN_PREFIX "pqk_"
#define POSTQ_TOKEN_SECRET_BYTES 32
#define POSTQ_TOKEN_MAX 128

/* Make a token "pqk_<apikey id>_<base64url of 32 random bytes>" and the SHA-256 of its secret.
 * The token is a secret: wipe it after use. */
POSTQ_MUST_CHECK postq_err postq_token_new(char *token, size_t cap, const char *apikey_id,
                                           const uint8_t secret[POSTQ_TOKEN_SECRET_BYTES]);
/* Split a token into its API key id (id_cap >= POSTQ_ID_MAX) and the SHA-256 of its secret.
 * POSTQ_E_AUTH for anything that is not a well-formed token. */
POSTQ_MUST_CHECK postq_err postq_token_parse(const char *token, size_t len, char *id,
                                             size_t id_cap, uint8_t hash[32]);

/* ---- the API ---- */

struct postq_api {
    struct postq_store *store;
    struct postq_enclave_pool *enclave;
    struct postq_vcache *vcache; /* parsed policies and expanded keys of the sign path; or NULL */
    uint8_t *kek;    /* POSTQ_KEK_BYTES, in locked non-dumpable memory (postq_secure_alloc) */
    int have_kek;
    int log_requests; /* one line per request on stderr: id, method, route, status, time */
    const char *web_dir; /* the dashboard's files (web/), served under `/`; NULL: none */
    struct postq_ratelimit *ratelimit; /* per API key and organisation; NULL: no limits */
    /* The store's writability as /healthz reports it: the latest write check or failed commit
     * (1 ok) and when (ms; 0: none yet). Zero-initialised with the struct. */
    _Atomic int store_ok; /* 1; 0: the latest commit failed; -1: the database was unreachable */
    _Atomic int64_t store_checked_ms;
    struct postq_api_log *log; /* the transparency log (log.c): postq_api_log_open */
};

/* A sign's commit failed with err: /healthz reports the store as not writable until a write
 * check (at most a second later) succeeds. Conflicts and other callers' mistakes do not count. */
void postq_api_store_failed(struct postq_api *api, postq_err err);

size_t postq_api_body_cap(void *ctx, const char *method, const char *path, const char *ctype,
                          const char *authorization);
void postq_api_handle(void *ctx, const struct postq_http_req *req, struct postq_http_resp *resp);

/* The authenticated caller; used by api.c, auth.c and sign.c. */
struct postq_api_caller {
    char org_id[POSTQ_ID_MAX];
    char apikey_id[POSTQ_ID_MAX];
    enum postq_store_role role;
};
void postq_api_error(struct postq_http_resp *resp, int status, const char *code,
                     const char *message);

/* Note a resource id the request touched, for its log line (the first two are kept). */
void postq_api_touch(struct postq_http_resp *resp, const char *id);

/* ---- authentication and roles (auth.c) ---- */

/* "admin", "signer" or "viewer" (static storage). */
const char *postq_auth_role_name(enum postq_store_role r);
/* The role named s; 0 (and *r untouched) for any other name. */
int postq_auth_role_parse(const char *s, enum postq_store_role *r);
/* Check an Authorization header value ("Bearer <token>", NULL when absent) and fill who.
 * POSTQ_E_AUTH for a missing, malformed or unknown key or a wrong secret; a store error as is.
 * Nothing is logged: the token is a secret.
 * CT: the secret's SHA-256 is compared with postq_ct_memeq; time varies with the header's
 * length and with the store lookup of the API key id, which is public. */
POSTQ_MUST_CHECK postq_err postq_auth_token(struct postq_store *store, const char *authorization,
                                            struct postq_api_caller *who);
/* postq_auth_token on req's header: 1 with who filled, or 0 after answering 401 (5xx when the
 * store fails). */
int postq_auth_caller(struct postq_store *store, const struct postq_http_req *req,
                      struct postq_http_resp *resp, struct postq_api_caller *who);
/* 1 when who's role is need or above (admin > signer > viewer); 0 after answering 403. */
int postq_auth_allow(const struct postq_api_caller *who, enum postq_store_role need,
                     struct postq_http_resp *resp);

void postq_api_sign(struct postq_api *api, const struct postq_api_caller *who,
                    const struct postq_http_req *req, struct postq_http_resp *resp);
/* The Content-Type ctype (NULL: none) is the media type want: compared case-insensitively and
 * exactly (`want` followed by something other than optional whitespace and then the end or
 * `;` is another type), with optional whitespace around it and parameters after `;`. */
int postq_api_media_is(const char *ctype, const char *want);
/* POST /v1/sign's body is the raw payload (application/octet-stream), not JSON. The one
 * decision both the body cap (postq_api_body_cap) and the handler use, so that a body is
 * never read under one form's cap and parsed as the other's. */
int postq_api_sign_is_raw(const char *ctype);
/* Write the sign result (docs/formats.md) of a stored row; _ex adds `transparency` from
 * receipt (NULL: none). */
void postq_api_sig_write(struct postq_jsonw *w, const struct postq_store_sig *sig);
void postq_api_sig_write_ex(struct postq_jsonw *w, const struct postq_store_sig *sig,
                            const struct postq_store_log_receipt *receipt);

/* ---- the transparency log (log.c, docs/transparency.md) ---- */

struct postq_api_log;
/* Set up api->log and make the store sign checkpoints through the enclave (api->store and
 * api->enclave set first). POSTQ_E_NOMEM. */
POSTQ_MUST_CHECK postq_err postq_api_log_open(struct postq_api *api);
void postq_api_log_close(struct postq_api *api);
/* SHA-256 digests the caller already holds for the entry (each NULL: computed): those of the
 * public key and the signature, when a document that passed every check names them, and the
 * document's, taken when the verifier decoded it. */
struct postq_api_log_digests {
    const uint8_t *public_key_sha256, *sig_sha256, *doc_sha256;
};
/* Store sig with its log entry in one transaction (postq_store_put_signature_logged): assigns
 * sig->id and created_at (the entry names them), builds the entry with public_key (the signing
 * version's composite public key) and fills *receipt. Errors as the store's. */
POSTQ_MUST_CHECK postq_err postq_api_put_logged(struct postq_api *api, struct postq_store_sig *sig,
                                                struct postq_bytes public_key,
                                                const struct postq_api_log_digests *digests,
                                                const char *module_id, int64_t counter,
                                                int record_counter,
                                                struct postq_store_log_receipt *receipt);
/* The `transparency` member of a sign result. */
void postq_api_transparency_write(struct postq_jsonw *w, const struct postq_store_log_receipt *r);
/* A stored row's sign result with `transparency` against the latest checkpoint (none when the
 * row has no leaf or the proof cannot be read). */
void postq_api_sig_write_logged(struct postq_api *api, struct postq_jsonw *w,
                                const struct postq_store_sig *sig);
void postq_api_log_get(struct postq_api *api, const struct postq_api_caller *who,
                       struct postq_http_resp *resp);
void postq_api_log_checkpoint(struct postq_api *api, const struct postq_api_caller *who,
                              struct postq_http_resp *resp);
void postq_api_log_proof(struct postq_api *api, const struct postq_api_caller *who,
                         const struct postq_http_req *req, struct postq_http_resp *resp);
void postq_api_sig_proof(struct postq_api *api, const struct postq_api_caller *who,
                         const char *id, struct postq_http_resp *resp);
void postq_api_log_tile(struct postq_api *api, const struct postq_api_caller *who,
                        const char *rest, struct postq_http_resp *resp);
/* Serialize j (consumed) into resp with status. */
void postq_api_json_reply(struct postq_http_resp *resp, int status, json_t *j);
/* A reply written with postq_jsonw: begin empties the body and points w at it; reply checks
 * that w finished cleanly and sets status (a 500 with a fixed body otherwise). */
void postq_api_jsonw_begin(struct postq_http_resp *resp, struct postq_jsonw *w);
void postq_api_jsonw_reply(struct postq_http_resp *resp, int status, struct postq_jsonw *w);
/* Create an API key of org_id with a fresh secret; token receives "pqk_<id>_<secret>" (cap >=
 * POSTQ_TOKEN_MAX; a secret: wipe it after use). Used by POST /v1/api-keys and by
 * `postq-api org create` / `apikey create`. Store errors as postq_store_apikey_create. */
POSTQ_MUST_CHECK postq_err postq_api_apikey_create(struct postq_store *store, const char *org_id,
                                                  const char *name, enum postq_store_role role,
                                                  struct postq_store_apikey *out, char *token,
                                                  size_t cap);
/* ---- the dashboard's static files (web.c) ---- */

/* The Content-Type of a served file's name, NULL for a type that is never served. */
const char *postq_web_type(const char *path);
/* path ("/app.js") is a name we serve: "/" then segments of [A-Za-z0-9._-], none empty or
 * starting with '.', under 256 bytes, with a known type. */
int postq_web_path_ok(const char *path);
/* Answer GET path ("/" means "/index.html") with the file under dir (NULL: no dashboard),
 * or 404. Files are regular and under POSTQ_API_JSON_MAX bytes; no symlink is followed
 * anywhere below dir (dir itself may be one). */
void postq_web_serve(const char *dir, const char *path, struct postq_http_resp *resp);

/* Answer err from what (mostly a store call) with the error table's status and a code of its
 * kind: not_found, conflict, busy, unavailable, too_large, invalid_request (400 for argument
 * and length errors); anything else is 500 internal. The message is "what: strerror(err)". */
void postq_api_fail(struct postq_http_resp *resp, postq_err err, const char *what);

#endif
