/* SPDX-License-Identifier: Apache-2.0 */
/* POST /v1/sign's two body forms are told apart by one function (postq_api_sign_is_raw), used
 * both for the body cap and by the handler: the media type exact and case-insensitive, with
 * parameters and optional whitespace. A near miss such as application/octet-streamX is not raw:
 * it gets the JSON form's cap and the JSON form's 415, never a raw sign under the JSON cap. */
#include "testlib.h"
#include "logsigner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/rand.h"
#include "server/server.h"

#define HELLO_SHA256 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static const char *const raw_types[] = {
    "application/octet-stream",
    "Application/Octet-Stream; foo=bar",
    "APPLICATION/OCTET-STREAM",
    "application/octet-stream;foo=bar",
    "application/octet-stream ; foo=bar",
    " application/octet-stream",
    "application/octet-stream\t",
};

static const char *const not_raw_types[] = {
    "application/octet-streamX",
    "application/octet-stream-x",
    "application/octet-stream x",
    "application/octet-stream,text/plain",
    "application/octet-strea",
    "application/octet",
    "xapplication/octet-stream",
    "application/json",
    "",
};

struct fixture {
    char dir[64];
    struct postq_api api;
    uint8_t kek[POSTQ_KEK_BYTES]; /* api.kek points here */
    char token[POSTQ_TOKEN_MAX];
    char admin[POSTQ_TOKEN_MAX + 16];
    char auth[POSTQ_TOKEN_MAX + 16]; /* a signer's: the role the 64 MiB cap is for */
    char key[POSTQ_ID_MAX];
};

struct reply {
    int status;
    char body[4096];
};

static const char *g_key_id;

static const char *query(const struct postq_http_req *req, const char *name)
{
    (void)req;
    return strcmp(name, "keyId") == 0 ? g_key_id : NULL;
}

static void call(struct fixture *f, const char *auth, const char *path, const char *ctype,
                 const char *body, struct reply *r)
{
    struct postq_http_req req;
    struct postq_http_resp resp;
    struct postq_arena arena;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    postq_arena_init(&arena);
    postq_buf_init(&resp.body, POSTQ_API_JSON_MAX);
    req.method = "POST";
    req.path = path;
    req.authorization = auth;
    req.content_type = ctype;
    req.body.p = (const uint8_t *)body;
    req.body.len = strlen(body);
    req.query = query;
    req.arena = &arena;
    g_key_id = f->key;
    postq_api_handle(&f->api, &req, &resp);
    r->status = resp.status;
    snprintf(r->body, sizeof(r->body), "%s", resp.body.p != NULL ? (char *)resp.body.p : "");
    postq_buf_free(&resp.body);
    postq_arena_release(&arena);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct postq_store_org org;
    struct postq_store_apikey k;
    struct reply r;
    const char *p, *e;
    char url[128];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/postq-media-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(url, sizeof(url), "sqlite:%s/api.db", f->dir);
    assert_int_equal(postq_store_open(url, &f->api.store), POSTQ_OK);
    assert_int_equal(postq_enclave_pool_new("unix:/nonexistent/postq.sock", 1000, &f->api.enclave),
                     POSTQ_OK);
    assert_int_equal(postq_rand_bytes(f->api.kek = f->kek, sizeof(f->kek)), POSTQ_OK);
    f->api.have_kek = 1;
    assert_int_equal(postq_api_log_open(&f->api), POSTQ_OK);
    postq_store_set_log_signer(f->api.store, tl_log_signer, NULL); /* no enclave here */
    memset(&org, 0, sizeof(org));
    assert_int_equal(postq_store_org_create(f->api.store, "acme", &org), POSTQ_OK);
    assert_int_equal(postq_api_apikey_create(f->api.store, org.id, "a", POSTQ_STORE_ROLE_ADMIN,
                                             &k, f->token, sizeof(f->token)),
                     POSTQ_OK);
    snprintf(f->admin, sizeof(f->admin), "Bearer %s", f->token);
    assert_int_equal(postq_api_apikey_create(f->api.store, org.id, "s", POSTQ_STORE_ROLE_SIGNER,
                                             &k, f->token, sizeof(f->token)),
                     POSTQ_OK);
    snprintf(f->auth, sizeof(f->auth), "Bearer %s", f->token);
    postq_metrics_init();
    call(f, f->admin, "/v1/hybrid-keys", "application/json",
         "{\"name\":\"sw\",\"pqProvider\":\"software\"}", &r);
    assert_int_equal(r.status, 201);
    p = strstr(r.body, "\"id\":\"");
    assert_non_null(p);
    p += 6;
    e = strchr(p, '"');
    assert_non_null(e);
    assert_true((size_t)(e - p) < sizeof(f->key));
    memcpy(f->key, p, (size_t)(e - p));
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

static void test_is_raw(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(raw_types) / sizeof(raw_types[0]); i++) {
        if (!postq_api_sign_is_raw(raw_types[i])) {
            fail_msg("'%s' should be raw", raw_types[i]);
        }
    }
    for (size_t i = 0; i < sizeof(not_raw_types) / sizeof(not_raw_types[0]); i++) {
        if (postq_api_sign_is_raw(not_raw_types[i])) {
            fail_msg("'%s' should not be raw", not_raw_types[i]);
        }
    }
    assert_false(postq_api_sign_is_raw(NULL));
    assert_true(postq_api_media_is("Application/JSON; charset=utf-8", "application/json"));
    assert_false(postq_api_media_is("application/json x", "application/json"));
    assert_false(postq_api_media_is("application/jsonx", "application/json"));
}

/* The cap follows the same decision. */
static void test_body_cap(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof(raw_types) / sizeof(raw_types[0]); i++) {
        assert_int_equal(postq_api_body_cap(&f->api, "POST", "/v1/sign", raw_types[i], f->auth),
                         POSTQ_API_OCTET_MAX);
    }
    for (size_t i = 0; i < sizeof(not_raw_types) / sizeof(not_raw_types[0]); i++) {
        assert_int_equal(
            postq_api_body_cap(&f->api, "POST", "/v1/sign", not_raw_types[i], f->auth),
            POSTQ_API_JSON_MAX);
    }
    assert_int_equal(postq_api_body_cap(&f->api, "POST", "/v1/sign", NULL, f->auth),
                     POSTQ_API_JSON_MAX);
}

/* Raw types sign the body as the payload; the others are not raw, so they get the JSON form's
 * answer: 415 unless the type is JSON. */
static void test_sign_forms(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    /* Signed raw under the JSON body cap, before one function decided both. */
    call(f, f->auth, "/v1/sign", "application/octet-streamX", "hello", &r);
    assert_int_equal(r.status, 415);
    assert_non_null(strstr(r.body, "\"code\":\"unsupported_media_type\""));
    call(f, f->auth, "/v1/sign", "Application/Octet-Stream; foo=bar", "hello", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"payloadSha256\":\"" HELLO_SHA256 "\""));
    for (size_t i = 0; i < sizeof(raw_types) / sizeof(raw_types[0]); i++) {
        call(f, f->auth, "/v1/sign", raw_types[i], "hello", &r);
        if (r.status != 200) {
            fail_msg("'%s': %d %s", raw_types[i], r.status, r.body);
        }
        assert_non_null(strstr(r.body, "\"payloadSha256\":\"" HELLO_SHA256 "\""));
    }
    for (size_t i = 0; i < sizeof(not_raw_types) / sizeof(not_raw_types[0]); i++) {
        if (strcmp(not_raw_types[i], "application/json") == 0) {
            continue;
        }
        call(f, f->auth, "/v1/sign", not_raw_types[i], "hello", &r);
        if (r.status != 415 || strstr(r.body, "unsupported_media_type") == NULL) {
            fail_msg("'%s': %d %s", not_raw_types[i], r.status, r.body);
        }
    }
    /* application/json is the JSON form: "hello" is not JSON. */
    call(f, f->auth, "/v1/sign", "application/json", "hello", &r);
    assert_int_equal(r.status, 400);
    call(f, f->auth, "/v1/sign", "application/json x", "{}", &r);
    assert_int_equal(r.status, 415);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_raw),
        cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_forms, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
