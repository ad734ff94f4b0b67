/* SPDX-License-Identifier: Apache-2.0 */
/* The API's handlers in process (no HTTP): requests built by hand go through postq_api_handle
 * with a real SQLite store and no reachable enclave. The sign path under store faults (every
 * operation failed in turn) and allocation faults: a 200 is only ever sent for a committed row,
 * and a failed request stores nothing. Also: the enclave being down (503), a fake enclave's
 * keygen replies of the wrong sizes (500, nothing stored), strict JSON, roles and scoping. */
#include "testlib.h"
#include "logsigner.h"

#include <poll.h>
#include <postq/hybrid.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/mem.h"
#include "crypto/rand.h"
#include "server/server.h"

struct fixture {
    char dir[64];
    struct postq_api api;
    uint8_t kek[POSTQ_KEK_BYTES]; /* api.kek points here */
    char org[POSTQ_ID_MAX];
    char admin[POSTQ_TOKEN_MAX];
    char viewer[POSTQ_TOKEN_MAX];
    char other[POSTQ_TOKEN_MAX];
};

struct reply {
    int status;
    char body[16384];
};

struct qpair {
    const char *k, *v;
};
static const struct qpair *g_query;

static const char *query(const struct postq_http_req *req, const char *name)
{
    (void)req;
    for (const struct qpair *q = g_query; q != NULL && q->k != NULL; q++) {
        if (strcmp(q->k, name) == 0) {
            return q->v;
        }
    }
    return NULL;
}

static void call(struct fixture *f, const char *method, const char *path, const char *token,
                 const char *ctype, const char *body, const struct qpair *q, struct reply *r)
{
    struct postq_http_req req;
    struct postq_http_resp resp;
    struct postq_arena arena;
    char auth[POSTQ_TOKEN_MAX + 16];

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    postq_arena_init(&arena);
    postq_buf_init(&resp.body, POSTQ_API_JSON_MAX);
    snprintf(auth, sizeof(auth), "Bearer %s", token != NULL ? token : "");
    req.method = method;
    req.path = path;
    req.authorization = token != NULL ? auth : NULL;
    req.content_type = ctype;
    req.body.p = (const uint8_t *)body;
    req.body.len = body != NULL ? strlen(body) : 0;
    /* As http.c decides it from Content-Length before the body is read. */
    req.body_too_large =
        req.body.len > postq_api_body_cap(&f->api, method, path, ctype, req.authorization);
    req.query = query;
    req.arena = &arena;
    g_query = q;
    postq_api_handle(&f->api, &req, &resp);
    r->status = resp.status;
    snprintf(r->body, sizeof(r->body), "%s", resp.body.p != NULL ? (char *)resp.body.p : "");
    postq_buf_free(&resp.body);
    postq_arena_release(&arena);
}

/* The first string member name of json. */
static void jfield(const char *json, const char *name, char *out, size_t cap)
{
    char pat[64];
    const char *p, *e;
    snprintf(pat, sizeof(pat), "\"%s\":\"", name);
    p = strstr(json, pat);
    assert_non_null(p);
    p += strlen(pat);
    e = strchr(p, '"');
    assert_non_null(e);
    assert_true((size_t)(e - p) < cap);
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
}

static size_t count_sigs(struct fixture *f)
{
    struct postq_store_sig_page pg;
    size_t n;
    memset(&pg, 0, sizeof(pg));
    assert_int_equal(postq_store_sig_list(f->api.store, f->org, NULL, 100, NULL, &pg), POSTQ_OK);
    n = pg.n;
    postq_store_sig_page_clear(&pg);
    return n;
}

static atomic_int signer_broken; /* test_sign_store_faults: the checkpoint signer fails */

static postq_err log_signer(void *ctx, const char *org_id, int64_t size, const uint8_t root[32],
                            char *note, size_t cap, size_t *len)
{
    if (atomic_load(&signer_broken)) {
        postq_store_set_errmsg("test: the checkpoint signer is broken");
        return POSTQ_E_INTERNAL;
    }
    return tl_log_signer(ctx, org_id, size, root, note, cap, len);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct postq_store_org org, org2;
    struct postq_store_apikey k;
    char url[128];
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/postq-api-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(url, sizeof(url), "sqlite:%s/api.db", f->dir);
    assert_int_equal(postq_store_open(url, &f->api.store), POSTQ_OK);
    assert_int_equal(postq_enclave_pool_new("unix:/nonexistent/postq.sock", 1000, &f->api.enclave),
                     POSTQ_OK);
    assert_int_equal(postq_rand_bytes(f->api.kek = f->kek, sizeof(f->kek)), POSTQ_OK);
    f->api.have_kek = 1;
    assert_int_equal(postq_api_log_open(&f->api), POSTQ_OK);
    postq_store_set_log_signer(f->api.store, log_signer, NULL); /* no enclave here */
    memset(&org, 0, sizeof(org));
    memset(&org2, 0, sizeof(org2));
    assert_int_equal(postq_store_org_create(f->api.store, "acme", &org), POSTQ_OK);
    assert_int_equal(postq_store_org_create(f->api.store, "globex", &org2), POSTQ_OK);
    memcpy(f->org, org.id, sizeof(f->org));
    assert_int_equal(postq_api_apikey_create(f->api.store, org.id, "a", POSTQ_STORE_ROLE_ADMIN, &k,
                                             f->admin, sizeof(f->admin)),
                     POSTQ_OK);
    assert_int_equal(postq_api_apikey_create(f->api.store, org.id, "v", POSTQ_STORE_ROLE_VIEWER,
                                             &k, f->viewer, sizeof(f->viewer)),
                     POSTQ_OK);
    assert_int_equal(postq_api_apikey_create(f->api.store, org2.id, "o", POSTQ_STORE_ROLE_ADMIN,
                                             &k, f->other, sizeof(f->other)),
                     POSTQ_OK);
    postq_metrics_init();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    postq_api_log_close(&f->api);
    postq_enclave_pool_free(f->api.enclave);
    postq_store_close(f->api.store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void software_key(struct fixture *f, char *id, size_t cap)
{
    struct reply r;
    call(f, "POST", "/v1/hybrid-keys", f->admin, "application/json",
         "{\"name\":\"sw\",\"pqProvider\":\"software\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    jfield(r.body, "id", id, cap);
}

static void test_software_sign_and_scope(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char key[64], sig[64], body[256], path[128];
    software_key(f, key, sizeof(key));
    snprintf(body, sizeof(body), "{\"keyId\":\"%s\",\"payloadB64\":\"aGVsbG8=\"}", key);
    call(f, "POST", "/v1/sign", f->admin, "application/json; charset=utf-8", body, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "attestation"));
    assert_non_null(strstr(r.body, "\"payloadSha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c"
                                   "1fa7425e73043362938b9824\""));
    jfield(r.body, "id", sig, sizeof(sig));
    snprintf(path, sizeof(path), "/v1/signatures/%s", sig);
    call(f, "GET", path, f->viewer, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    call(f, "GET", path, f->other, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    call(f, "POST", "/v1/sign", f->other, "application/json", body, NULL, &r);
    assert_int_equal(r.status, 404);
    call(f, "POST", "/v1/sign", f->viewer, "application/json", body, NULL, &r);
    assert_int_equal(r.status, 403);
    call(f, "POST", "/v1/sign", NULL, "application/json", body, NULL, &r);
    assert_int_equal(r.status, 401);
}

static void test_strict_requests(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    call(f, "POST", "/v1/api-keys", f->admin, "text/plain", "{}", NULL, &r);
    assert_int_equal(r.status, 415);
    call(f, "POST", "/v1/api-keys", f->admin, "application/json", "{\"name\":\"a\",\"name\":\"b\"}",
         NULL, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "duplicate_member"));
    call(f, "POST", "/v1/api-keys", f->admin, "application/json", "{\"name\":", NULL, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "malformed_json"));
    call(f, "POST", "/v1/api-keys", f->admin, "application/json", "{\"name\":7,\"role\":\"admin\"}",
         NULL, &r);
    assert_int_equal(r.status, 400);
    call(f, "POST", "/v1/api-keys", f->admin, "application/json",
         "{\"name\":\"x\",\"role\":\"viewer\"}", NULL, &r);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"token\":\"pqk_"));
    call(f, "GET", "/v1/nothing", f->admin, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    call(f, "PATCH", "/v1/sign", f->admin, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    {
        static const struct qpair q[] = {{"limit", "101"}, {NULL, NULL}};
        call(f, "GET", "/v1/hybrid-keys", f->viewer, NULL, NULL, q, &r);
        assert_int_equal(r.status, 400);
    }
}

static void test_enclave_down(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char pol[64], body[512];
    call(f, "GET", "/v1/enclave", f->viewer, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "enclave_unavailable"));
    call(f, "GET", "/healthz", NULL, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"store\":{\"ok\":true}"));
    assert_non_null(strstr(r.body, "\"reason\":\"enclave_unavailable\""));
    call(f, "POST", "/v1/attestation-policies", f->admin, "application/json",
         "{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":["
         "\"0000000000000000000000000000000000000000000000000000000000000000\"],"
         "\"rootPublicKeyB64\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}}",
         NULL, &r);
    assert_int_equal(r.status, 201);
    jfield(r.body, "id", pol, sizeof(pol));
    snprintf(body, sizeof(body),
             "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"%s\"}",
             pol);
    call(f, "POST", "/v1/hybrid-keys", f->admin, "application/json", body, NULL, &r);
    assert_int_equal(r.status, 503);
    call(f, "GET", "/metrics", NULL, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "postq_enclave_errors_total{kind=\"unreachable\"}"));
}

/* ---- a fake enclave: answers every keygen with a public key and a sealed key of the sizes
 * the test asks for, so that the API's checks of the reply can be driven ---- */

struct fake_enclave {
    char path[108];
    int lfd;
    pthread_t th;
    atomic_int stop;
    atomic_size_t pk_len, sealed_len;
    atomic_int keygens;
};

static void fake_serve_frame(struct fake_enclave *fe, int fd, struct postq_buf *in)
{
    static uint8_t pk[POSTQ_HYBRID_PK_MAX + 1], sealed[POSTQ_PROTO_SEALED_MAX + 1];
    struct postq_proto_req q;
    struct postq_proto_resp r;
    struct postq_buf out;
    int status = 0;

    postq_buf_init(&out, POSTQ_PROTO_FRAME_MAX + 4);
    memset(&r, 0, sizeof(r));
    if (postq_proto_decode_request(&q, &status, in->p, in->len) != POSTQ_OK ||
        q.op != POSTQ_PROTO_OP_KEYGEN) {
        r.status = POSTQ_PROTO_E_UNKNOWN_OP;
        snprintf(r.message, sizeof(r.message), "the fake enclave only does keygen");
    } else {
        atomic_fetch_add(&fe->keygens, 1);
        memset(pk, 0x42, sizeof(pk));
        memset(sealed, 0x5e, sizeof(sealed));
        r.op = POSTQ_PROTO_OP_KEYGEN;
        r.public_key.p = pk;
        r.public_key.len = atomic_load(&fe->pk_len);
        r.sealed.p = sealed;
        r.sealed.len = atomic_load(&fe->sealed_len);
    }
    /* A reply that cannot be sent shows in the test as the API's 503. */
    if (postq_proto_encode_reply(&out, &r) != POSTQ_OK ||
        postq_proto_write2(fd, out.p, out.len, NULL, 0, 1000) != POSTQ_OK) {
        shutdown(fd, SHUT_RDWR);
    }
    postq_buf_free(&out);
}

static void *fake_enclave_run(void *arg)
{
    struct fake_enclave *fe = arg;
    struct postq_buf in;
    int cfd = -1;

    postq_buf_init(&in, POSTQ_PROTO_FRAME_MAX);
    while (!atomic_load(&fe->stop)) {
        struct pollfd p = {cfd >= 0 ? cfd : fe->lfd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        if (cfd < 0) {
            cfd = accept(fe->lfd, NULL, NULL);
            continue;
        }
        if (postq_proto_read_frame(cfd, &in, 1000) != POSTQ_OK) {
            close(cfd); /* the pool closed it, or sent garbage: take the next connection */
            cfd = -1;
            continue;
        }
        fake_serve_frame(fe, cfd, &in);
    }
    if (cfd >= 0) {
        close(cfd);
    }
    postq_buf_free(&in);
    return NULL;
}

static void fake_enclave_start(struct fake_enclave *fe, const char *dir)
{
    struct sockaddr_un sa;
    memset(fe, 0, sizeof(*fe));
    snprintf(fe->path, sizeof(fe->path), "%s/fake.sock", dir);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, fe->path, strlen(fe->path) + 1);
    fe->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fe->lfd >= 0);
    assert_int_equal(bind(fe->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fe->lfd, 8), 0);
    assert_int_equal(pthread_create(&fe->th, NULL, fake_enclave_run, fe), 0);
}

static void fake_enclave_stop(struct fake_enclave *fe)
{
    atomic_store(&fe->stop, 1);
    assert_int_equal(pthread_join(fe->th, NULL), 0);
    close(fe->lfd);
    unlink(fe->path);
}

static size_t count_keys(struct fixture *f)
{
    struct postq_store_key_page pg;
    size_t n;
    memset(&pg, 0, sizeof(pg));
    assert_int_equal(postq_store_key_list(f->api.store, f->org, 100, NULL, &pg), POSTQ_OK);
    n = pg.n;
    postq_store_key_page_clear(&pg);
    return n;
}

static void mock_policy(struct fixture *f, char *id, size_t cap)
{
    struct reply r;
    call(f, "POST", "/v1/attestation-policies", f->admin, "application/json",
         "{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":["
         "\"0000000000000000000000000000000000000000000000000000000000000000\"],"
         "\"rootPublicKeyB64\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}}",
         NULL, &r);
    assert_int_equal(r.status, 201);
    jfield(r.body, "id", id, cap);
}

/* The enclave's keygen reply is checked before it is stored: a public key of any size but the
 * algorithm's, or an empty or oversized sealed key, is a 500 enclave_error with nothing
 * stored; the right sizes are stored as they came. */
static void test_enclave_keygen_reply_checked(void **state)
{
    struct fixture *f = *state;
    struct fake_enclave fe;
    struct postq_enclave_pool *down = f->api.enclave;
    struct reply r;
    char pol[64], body[512], key[64], path[128], got[4096], want_b64[4096];
    uint8_t want_pk[POSTQ_HYBRID_PK_MAX];
    size_t pk44, pk65, pk87;
    static const struct {
        const char *alg;
        int pk_delta;  /* public key length: the algorithm's plus this */
        size_t sealed; /* sealed key length */
        int status;
    } cases[] = {
        {"mldsa65+ed25519", -1, 125, 500},
        {"mldsa65+ed25519", +1, 125, 500},
        {"mldsa65+ed25519", -1952, 125, 500}, /* the ML-DSA half alone */
        {"mldsa87+ed448", -2649, 125, 500},   /* empty */
        {"mldsa65+ed25519", 0, 0, 500},
        {"mldsa65+ed25519", 0, POSTQ_PROTO_SEALED_MAX + 1, 500},
        {"mldsa44+ed25519", 0, 1, 201},
        {"mldsa65+ed25519", 0, 125, 201},
        {"mldsa87+ed448", 0, POSTQ_PROTO_SEALED_MAX, 201},
    };

    assert_int_equal(postq_hybrid_sizes("mldsa44+ed25519", &pk44, NULL, NULL), POSTQ_OK);
    assert_int_equal(postq_hybrid_sizes("mldsa65+ed25519", &pk65, NULL, NULL), POSTQ_OK);
    assert_int_equal(postq_hybrid_sizes("mldsa87+ed448", &pk87, NULL, NULL), POSTQ_OK);
    assert_int_equal(pk65, 1952 + 32);
    assert_int_equal(pk87, 2649);
    fake_enclave_start(&fe, f->dir);
    snprintf(path, sizeof(path), "unix:%s", fe.path);
    assert_int_equal(postq_enclave_pool_new(path, 2000, &f->api.enclave), POSTQ_OK);
    mock_policy(f, pol, sizeof(pol));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t want = strcmp(cases[i].alg, "mldsa44+ed25519") == 0   ? pk44
                      : strcmp(cases[i].alg, "mldsa65+ed25519") == 0 ? pk65
                                                                     : pk87;
        size_t before = count_keys(f);
        int calls = atomic_load(&fe.keygens);
        atomic_store(&fe.pk_len, (size_t)((long)want + cases[i].pk_delta));
        atomic_store(&fe.sealed_len, cases[i].sealed);
        snprintf(body, sizeof(body),
                 "{\"name\":\"k\",\"algorithm\":\"%s\",\"pqProvider\":\"enclave-mock\","
                 "\"attestationPolicyId\":\"%s\"}",
                 cases[i].alg, pol);
        call(f, "POST", "/v1/hybrid-keys", f->admin, "application/json", body, NULL, &r);
        if (r.status != cases[i].status) {
            fail_msg("case %zu: %d %s", i, r.status, r.body);
        }
        assert_int_equal(atomic_load(&fe.keygens), calls + 1);
        if (cases[i].status == 201) {
            assert_int_equal(count_keys(f), before + 1);
            memset(want_pk, 0x42, want); /* as the fake made it */
            assert_int_equal(
                postq_base64_encode(want_b64, sizeof(want_b64), NULL, want_pk, want, POSTQ_B64_STD),
                POSTQ_OK);
            jfield(r.body, "publicKeyB64", got, sizeof(got));
            assert_string_equal(got, want_b64);
            jfield(r.body, "id", key, sizeof(key));
            snprintf(path, sizeof(path), "/v1/hybrid-keys/%s", key);
            call(f, "GET", path, f->viewer, NULL, NULL, NULL, &r);
            assert_int_equal(r.status, 200);
        } else {
            assert_non_null(strstr(r.body, "\"code\":\"enclave_error\""));
            assert_non_null(strstr(r.body, "keygen reply is unusable"));
            assert_int_equal(count_keys(f), before);
        }
    }
    call(f, "GET", "/metrics", NULL, NULL, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "postq_enclave_errors_total{kind=\"bad_reply\"} 6\n"));
    postq_enclave_pool_free(f->api.enclave);
    f->api.enclave = down;
    fake_enclave_stop(&fe);
}

/* Every store operation of a sign fails in turn: never a 200, never a row (the log's tree and
 * proof are computed before the commit, its checkpoint signed during it). The checkpoint
 * signer failing: a 200 with the row, without `transparency` (the signature is stored; a retry
 * would sign again), and the next sign's checkpoint covers it. */
static void test_sign_store_faults(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char key[64], body[256];
    long ops;
    size_t before;
    int refused = 0;
    software_key(f, key, sizeof(key));
    snprintf(body, sizeof(body), "{\"keyId\":\"%s\",\"payloadB64\":\"aGVsbG8=\"}", key);
    postq_store_fail_at(0);
    call(f, "POST", "/v1/sign", f->admin, "application/json", body, NULL, &r);
    ops = postq_store_fail_at(0);
    assert_int_equal(r.status, 200);
    assert_true(ops >= 3);
    for (long n = 1; n <= ops; n++) {
        before = count_sigs(f);
        postq_store_fail_at(n);
        call(f, "POST", "/v1/sign", f->admin, "application/json", body, NULL, &r);
        postq_store_fail_at(0);
        if (r.status == 200) {
            /* The store's checkpoint thread writes its rows through the same counter: when it
             * took some of the first sign's operations, the last n are past this sign's. It
             * is then whole, with its checkpoint. */
            assert_non_null(strstr(r.body, "\"transparency\":{\"logIndex\":"));
            assert_int_equal(count_sigs(f), before + 1);
            continue;
        }
        assert_true(r.status >= 500);
        assert_non_null(strstr(r.body, "\"error\""));
        assert_int_equal(count_sigs(f), before);
        refused++;
    }
    assert_true(refused >= 3);
    before = count_sigs(f);
    atomic_store(&signer_broken, 1);
    call(f, "POST", "/v1/sign", f->admin, "application/json", body, NULL, &r);
    atomic_store(&signer_broken, 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "\"transparency\""));
    assert_int_equal(count_sigs(f), before + 1);
    /* The next sign's checkpoint covers the uncovered one too. */
    call(f, "POST", "/v1/sign", f->admin, "application/json", body, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"transparency\":{\"logIndex\":"));
}

/* Every allocation of a sign fails in turn: a 200 only with its row stored; no leak (ASan). */
static void test_sign_alloc_faults(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char key[64], body[256];
    long allocs;
    software_key(f, key, sizeof(key));
    snprintf(body, sizeof(body), "{\"keyId\":\"%s\",\"payloadB64\":\"aGVsbG8=\"}", key);
    postq_alloc_fail_at(0);
    call(f, "POST", "/v1/sign", f->admin, "application/json", body, NULL, &r);
    allocs = postq_alloc_fail_at(0);
    assert_int_equal(r.status, 200);
    for (long n = 1; n <= allocs; n++) {
        size_t before = count_sigs(f);
        postq_alloc_fail_at(n);
        call(f, "POST", "/v1/sign", f->admin, "application/json", body, NULL, &r);
        postq_alloc_fail_at(0);
        if (r.status == 200) {
            assert_int_equal(count_sigs(f), before + 1);
        } else {
            assert_true(r.status >= 500);
            assert_true(count_sigs(f) <= before + 1);
        }
    }
}

/* Every row of the caller's organisation (each list fits in one page here). */
static size_t rows(struct fixture *f)
{
    struct postq_store_policy_page pp;
    struct postq_store_apikey_page ap;
    size_t n;
    memset(&pp, 0, sizeof(pp));
    memset(&ap, 0, sizeof(ap));
    assert_int_equal(postq_store_policy_list(f->api.store, f->org, 100, NULL, &pp), POSTQ_OK);
    assert_int_equal(postq_store_apikey_list(f->api.store, f->org, 100, NULL, &ap), POSTQ_OK);
    assert_string_equal(pp.next_cursor, "");
    assert_string_equal(ap.next_cursor, "");
    n = pp.n + ap.n + count_keys(f) + count_sigs(f);
    postq_store_policy_page_clear(&pp);
    postq_store_apikey_page_clear(&ap);
    return n;
}

/* POST body to path as the admin: exactly status, and for an error exactly error.code with a
 * message and no row stored; for a success (code NULL) exactly one row more. */
static void expect_post(struct fixture *f, const char *what, const char *path, const char *ctype,
                        const char *body, int status, const char *code)
{
    struct reply r;
    size_t before = rows(f);
    json_t *j, *e;

    call(f, "POST", path, f->admin, ctype, body, NULL, &r);
    if (r.status != status) {
        fail_msg("%s: POST %s %.120s: %d, not %d: %.300s", what, path, body, r.status, status,
                 r.body);
    }
    if (code == NULL) {
        assert_int_equal(rows(f), before + 1);
        return;
    }
    j = json_loads(r.body, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    e = json_object_get(j, "error");
    assert_true(json_is_string(json_object_get(e, "code")));
    if (strcmp(json_string_value(json_object_get(e, "code")), code) != 0) {
        fail_msg("%s: POST %s %.120s: error.code %s, not %s", what, path, body,
                 json_string_value(json_object_get(e, "code")), code);
    }
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_true(json_string_length(json_object_get(e, "message")) > 0);
    assert_int_equal(json_object_size(j), 1);
    assert_int_equal(json_object_size(e), 2);
    json_decref(j);
    assert_int_equal(rows(f), before);
}

/* What a request must get: an error's status and error.code, or a success's status (code
 * NULL). */
struct want {
    int status;
    const char *code;
};

/* A member of a route's valid body and what the route answers when it is missing, null, of
 * another JSON type (number, boolean, array, object) or the empty string. */
struct member {
    const char *name;
    const char *value; /* JSON text */
    struct want missing, null, wrong, empty;
};

struct route {
    const char *path;
    int ok; /* the valid body's status */
    struct member m[3];
    size_t n;
};

/* {"m0":v0,...} with member skip left out (SIZE_MAX: none), member repl's value replaced by
 * repl_value, and member dup written twice. */
static void body_of(char *out, size_t cap, const struct route *rt, size_t skip, size_t repl,
                    const char *repl_value, size_t dup)
{
    size_t n = 0;
    int first = 1;
    n += (size_t)snprintf(out + n, cap - n, "{");
    if (dup < rt->n) {
        n += (size_t)snprintf(out + n, cap - n, "\"%s\":%s", rt->m[dup].name, rt->m[dup].value);
        first = 0;
    }
    for (size_t i = 0; i < rt->n; i++) {
        if (i == skip) {
            continue;
        }
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":%s", first ? "" : ",", rt->m[i].name,
                              i == repl ? repl_value : rt->m[i].value);
        first = 0;
    }
    assert_true(n + 2 < cap);
    snprintf(out + n, cap - n, "}");
}

/* Broken and wrong bodies on every POST route, each with the exact status and error.code it
 * must get (docs/http-api.md, docs/api-server.md), nothing stored for any of them, and the valid
  * body
 * as the positive twin of each. */
static void test_hostile_inputs(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char key[64], keyval[80], body[2048], what[96], tok[POSTQ_TOKEN_MAX], *big;
    static const char *const wrong_types[] = {"7", "true", "[]", "{}", "[\"x\"]"};
    static const char *const trailing[] = {"x", "}", ",", "{}", "[]", "\"\"", "0"};
    const struct want BAD_REQ = {400, "invalid_request"}, BAD_POLICY = {400, "invalid_policy"};
    struct route routes[4] = {
        {"/v1/sign",
         200,
         {{"keyId", NULL, BAD_REQ, BAD_REQ, BAD_REQ, BAD_REQ},
          /* An empty payload is a payload: signed like any other. */
          {"payloadB64", "\"aGVsbG8=\"", BAD_REQ, BAD_REQ, BAD_REQ, {200, NULL}}},
         2},
        {"/v1/hybrid-keys",
         201,
         {{"name", "\"sw\"", BAD_REQ, BAD_REQ, BAD_REQ, BAD_REQ},
          /* Absent or null: the default algorithm. */
          {"algorithm", "\"mldsa44+ed25519\"", {201, NULL}, {201, NULL}, BAD_REQ, BAD_REQ},
          {"pqProvider", "\"software\"", BAD_REQ, BAD_REQ, BAD_REQ, BAD_REQ}},
         3},
        {"/v1/api-keys",
         201,
         {{"name", "\"x\"", BAD_REQ, BAD_REQ, BAD_REQ, BAD_REQ},
          {"role", "\"viewer\"", BAD_REQ, BAD_REQ, BAD_REQ, BAD_REQ}},
         2},
        {"/v1/attestation-policies",
         201,
         {{"name", "\"p\"", BAD_REQ, BAD_REQ, BAD_REQ, BAD_REQ},
          {"vendor", "\"mock\"", BAD_POLICY, BAD_POLICY, BAD_POLICY, BAD_POLICY},
          {"matchRules",
           "{\"allowedImageHashes\":[\"0000000000000000000000000000000000000000000000000000000000"
           "000000\"],\"rootPublicKeyB64\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}",
           BAD_POLICY, BAD_POLICY, BAD_POLICY, BAD_POLICY}},
         3},
    };

    software_key(f, key, sizeof(key));
    snprintf(keyval, sizeof(keyval), "\"%s\"", key);
    routes[0].m[0].value = keyval;

    for (size_t ri = 0; ri < 4; ri++) {
        const struct route *rt = &routes[ri];
        char valid[2048];
        size_t n;
        int in_str = 0;

        body_of(valid, sizeof(valid), rt, SIZE_MAX, SIZE_MAX, NULL, SIZE_MAX);
        n = strlen(valid);
        expect_post(f, "valid", rt->path, "application/json", valid, rt->ok, NULL);
        expect_post(f, "valid, charset", rt->path, "application/json; charset=utf-8", valid, rt->ok,
                    NULL);

        /* Truncated at every length, the empty body included: never an object. */
        for (size_t len = 0; len < n; len++) {
            memcpy(body, valid, len);
            body[len] = '\0';
            snprintf(what, sizeof(what), "truncated to %zu", len);
            expect_post(f, what, rt->path, "application/json", body, 400, "malformed_json");
        }
        /* Every structural byte (outside a string) left out. */
        for (size_t at = 0; at < n; at++) {
            int structural = !in_str || valid[at] == '"';
            if (valid[at] == '"') {
                in_str = !in_str;
            }
            if (!structural) {
                continue;
            }
            memcpy(body, valid, at);
            memcpy(body + at, valid + at + 1, n - at);
            snprintf(what, sizeof(what), "byte %zu ('%c') left out", at, valid[at]);
            expect_post(f, what, rt->path, "application/json", body, 400, "malformed_json");
        }
        /* Trailing bytes after the object. */
        for (size_t t = 0; t < sizeof(trailing) / sizeof(trailing[0]); t++) {
            snprintf(body, sizeof(body), "%s%s", valid, trailing[t]);
            expect_post(f, "trailing bytes", rt->path, "application/json", body, 400,
                        "malformed_json");
        }
        /* Not an object. */
        snprintf(body, sizeof(body), "[%s]", valid);
        expect_post(f, "in an array", rt->path, "application/json", body, 400, "invalid_request");
        expect_post(f, "an empty array", rt->path, "application/json", "[]", 400,
                    "invalid_request");
        expect_post(f, "a string", rt->path, "application/json", "\"x\"", 400, "malformed_json");
        expect_post(f, "a number", rt->path, "application/json", "7", 400, "malformed_json");
        expect_post(f, "invalid UTF-8", rt->path, "application/json", "{\"name\":\"\xff\"}", 400,
                    "malformed_json");
        /* Not JSON at all. */
        expect_post(f, "text/plain", rt->path, "text/plain", valid, 415, "unsupported_media_type");
        expect_post(f, "no Content-Type", rt->path, NULL, valid, 415, "unsupported_media_type");
        expect_post(f, "application/jsonx", rt->path, "application/jsonx", valid, 415,
                    "unsupported_media_type");

        for (size_t mi = 0; mi < rt->n; mi++) {
            const struct member *m = &rt->m[mi];
            body_of(body, sizeof(body), rt, SIZE_MAX, SIZE_MAX, NULL, mi);
            snprintf(what, sizeof(what), "%s twice", m->name);
            expect_post(f, what, rt->path, "application/json", body, 400, "duplicate_member");
            body_of(body, sizeof(body), rt, mi, SIZE_MAX, NULL, SIZE_MAX);
            snprintf(what, sizeof(what), "%s missing", m->name);
            expect_post(f, what, rt->path, "application/json", body, m->missing.status,
                        m->missing.code);
            body_of(body, sizeof(body), rt, SIZE_MAX, mi, "null", SIZE_MAX);
            snprintf(what, sizeof(what), "%s null", m->name);
            expect_post(f, what, rt->path, "application/json", body, m->null.status, m->null.code);
            body_of(body, sizeof(body), rt, SIZE_MAX, mi, "\"\"", SIZE_MAX);
            snprintf(what, sizeof(what), "%s empty", m->name);
            expect_post(f, what, rt->path, "application/json", body, m->empty.status,
                        m->empty.code);
            for (size_t w = 0; w < sizeof(wrong_types) / sizeof(wrong_types[0]); w++) {
                body_of(body, sizeof(body), rt, SIZE_MAX, mi, wrong_types[w], SIZE_MAX);
                snprintf(what, sizeof(what), "%s as %s", m->name, wrong_types[w]);
                expect_post(f, what, rt->path, "application/json", body, m->wrong.status,
                            m->wrong.code);
            }
        }
    }

    /* Values of the right type that the handlers refuse. */
    {
        const struct {
            const char *path, *body;
            struct want w;
        } bad[] = {
            {"/v1/sign",
             "{\"keyId\":\"key_00000000000000000000000000\",\"payloadB64\":\"\"}",
             {404, "not_found"}},
            {"/v1/sign", "{\"keyId\":\"not-an-id\",\"payloadB64\":\"\"}", {404, "not_found"}},
            {"/v1/hybrid-keys",
             "{\"name\":\"k\",\"algorithm\":\"mldsa99+ed25519\",\"pqProvider\":\"software\"}",
             BAD_REQ},
            {"/v1/hybrid-keys", "{\"name\":\"k\",\"pqProvider\":\"hsm\"}", BAD_REQ},
            {"/v1/hybrid-keys",
             "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\"}",
             {422, "policy_required"}},
            {"/v1/hybrid-keys",
             "{\"name\":\"k\",\"pqProvider\":\"software\",\"attestationPolicyId\":\"pol_x\"}",
             {422, "policy_not_applicable"}},
            {"/v1/hybrid-keys",
             "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"pol_x\"}",
             {404, "not_found"}},
            {"/v1/hybrid-keys",
             "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":7}", BAD_REQ},
            {"/v1/api-keys", "{\"name\":\"x\",\"role\":\"root\"}", BAD_REQ},
            {"/v1/api-keys", "{\"name\":\"x\",\"role\":\"Admin\"}", BAD_REQ},
            /* jansson refuses an escaped NUL (no JSON_ALLOW_NUL): never a truncated name. */
            {"/v1/api-keys",
             "{\"name\":\"a\\u0000b\",\"role\":\"viewer\"}",
             {400, "malformed_json"}},
            {"/v1/attestation-policies", "{\"name\":\"p\",\"vendor\":\"nobody\",\"matchRules\":{}}",
             BAD_POLICY},
            {"/v1/attestation-policies", "{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{}}",
             BAD_POLICY},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            snprintf(what, sizeof(what), "refused value %zu", i);
            expect_post(f, what, bad[i].path, "application/json", bad[i].body, bad[i].w.status,
                        bad[i].w.code);
        }
        snprintf(body, sizeof(body), "{\"keyId\":%s,\"payloadB64\":\"aGVsbG8\"}", keyval);
        expect_post(f, "unpadded base64", "/v1/sign", "application/json", body, 400,
                    "invalid_request");
        snprintf(body, sizeof(body), "{\"keyId\":%s,\"payloadB64\":\"aGVsbG9=\"}", keyval);
        expect_post(f, "non-canonical base64", "/v1/sign", "application/json", body, 400,
                    "invalid_request");
    }

    /* Names are counted in characters: 127 pass and 128 are 400, of ASCII and of four-byte
     * characters alike. A body one byte over the cap is 413 on every route, one exactly at the
     * cap is read (and refused for its content). */
    {
        static const char *const unit[] = {"n", "\xf0\x9f\x94\x91"}; /* U+1F511 */
        for (size_t u = 0; u < 2; u++) {
            char name[4 * (POSTQ_STORE_NAME_CHARS + 1) + 1];
            size_t ul = strlen(unit[u]);
            for (size_t c = 0; c <= POSTQ_STORE_NAME_CHARS; c++) {
                memcpy(name + c * ul, unit[u], ul);
            }
            name[ul * (POSTQ_STORE_NAME_CHARS + 1)] = '\0';
            snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"viewer\"}", name);
            expect_post(f, "long name", "/v1/api-keys", "application/json", body, 400,
                        "invalid_request");
            name[ul * POSTQ_STORE_NAME_CHARS] = '\0';
            snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"viewer\"}", name);
            expect_post(f, "name at the limit", "/v1/api-keys", "application/json", body, 201,
                        NULL);
        }
    }
    /* Nothing a terminal acts on, on every route that takes a name: ESC (a JSON escape or the
     * raw byte is the same string), BEL, DEL, a C1 control, a bidirectional override. */
    {
        static const char *const bad[] = {"evil\\u001b[2J", "bell\\u0007", "del\x7f",
                                          "csi\xc2\x9b", "\xe2\x80\xaegpj.exe", "tab\\tname",
                                          "line\xe2\x80\xa8" "break"};
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"viewer\"}", bad[b]);
            expect_post(f, "control in an API key name", "/v1/api-keys", "application/json",
                        body, 400, "invalid_request");
            snprintf(body, sizeof(body),
                     "{\"name\":\"%s\",\"vendor\":\"mock\",\"matchRules\":{"
                     "\"allowedImageHashes\":[\"%064d\"],\"rootPublicKeyB64\":"
                     "\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}}",
                     bad[b], 0);
            expect_post(f, "control in a policy name", "/v1/attestation-policies",
                        "application/json", body, 400, "invalid_request");
            snprintf(body, sizeof(body),
                     "{\"name\":\"%s\",\"pqProvider\":\"software\"}", bad[b]);
            expect_post(f, "control in a key name", "/v1/hybrid-keys", "application/json", body,
                        400, "invalid_request");
        }
    }
    big = malloc(POSTQ_API_JSON_MAX + 2);
    assert_non_null(big);
    memset(big, 'x', POSTQ_API_JSON_MAX + 1);
    memcpy(big, "{\"name\":\"", 9);
    memcpy(big + POSTQ_API_JSON_MAX + 1 - 2, "\"}", 3);
    assert_int_equal(strlen(big), POSTQ_API_JSON_MAX + 1);
    for (size_t ri = 0; ri < 4; ri++) {
        expect_post(f, "over the cap", routes[ri].path, "application/json", big, 413, "too_large");
    }
    memcpy(big + POSTQ_API_JSON_MAX - 2, "\"}", 3);
    assert_int_equal(strlen(big), POSTQ_API_JSON_MAX);
    expect_post(f, "at the cap", "/v1/api-keys", "application/json", big, 400, "invalid_request");
    free(big);

    for (size_t i = 0; i < strlen(f->admin); i++) { /* every token byte changed: 401 */
        memcpy(tok, f->admin, strlen(f->admin) + 1);
        tok[i] = tok[i] == 'A' ? 'B' : 'A';
        call(f, "GET", "/v1/hybrid-keys", tok, NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.body, "\"code\":\"unauthorized\""));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_software_sign_and_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enclave_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enclave_keygen_reply_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_store_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_alloc_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_inputs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
