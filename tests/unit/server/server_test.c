/* SPDX-License-Identifier: Apache-2.0 */
/* src/server without the network: API tokens (shape, every byte flipped, truncated at every
 * length), the key-encryption key file (created 0600, reused, refused when too open or the
 * wrong size), software-key sealing bound to key id and algorithm, authentication and roles,
 * the arena, the metrics. */
#include "testlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/id.h"
#include "crypto/sha2.h"
#include "server/server.h"

static void test_token_round_trip(void **state)
{
    uint8_t secret[POSTQ_TOKEN_SECRET_BYTES], want[32], got[32];
    char token[POSTQ_TOKEN_MAX], id[POSTQ_ID_MAX], akid[POSTQ_ID_MAX];
    (void)state;
    memset(secret, 0xa5, sizeof(secret));
    assert_int_equal(postq_id_new(akid, sizeof(akid), "ak"), POSTQ_OK);
    assert_int_equal(postq_token_new(token, sizeof(token), akid, secret), POSTQ_OK);
    assert_int_equal(strncmp(token, "pqk_ak_", 7), 0);
    assert_int_equal(postq_token_parse(token, strlen(token), id, sizeof(id), got), POSTQ_OK);
    assert_string_equal(id, akid);
    assert_int_equal(postq_sha256(want, secret, sizeof(secret)), POSTQ_OK);
    assert_memory_equal(got, want, 32);
}

static void test_token_rejects(void **state)
{
    uint8_t secret[POSTQ_TOKEN_SECRET_BYTES], h[32];
    char token[POSTQ_TOKEN_MAX], bad[POSTQ_TOKEN_MAX], id[POSTQ_ID_MAX], akid[POSTQ_ID_MAX];
    size_t n;
    (void)state;
    memset(secret, 7, sizeof(secret));
    assert_int_equal(postq_id_new(akid, sizeof(akid), "ak"), POSTQ_OK);
    assert_int_equal(postq_token_new(token, sizeof(token), akid, secret), POSTQ_OK);
    n = strlen(token);
    for (size_t len = 0; len < n; len++) { /* truncated at every length */
        assert_int_equal(postq_token_parse(token, len, id, sizeof(id), h), POSTQ_E_AUTH);
    }
    for (size_t i = 0; i < n; i++) { /* any character outside the alphabets: refused */
        memcpy(bad, token, n + 1);
        bad[i] = '*';
        assert_int_equal(postq_token_parse(bad, n, id, sizeof(id), h), POSTQ_E_AUTH);
    }
    assert_int_equal(postq_token_parse("Bearer", 6, id, sizeof(id), h), POSTQ_E_AUTH);
    memcpy(bad, token, n + 1);
    bad[n - 1] = bad[n - 1] == 'A' ? 'B' : 'A'; /* still base64url: a different secret */
    if (postq_token_parse(bad, n, id, sizeof(id), h) == POSTQ_OK) {
        uint8_t orig[32];
        assert_int_equal(postq_token_parse(token, n, id, sizeof(id), orig), POSTQ_OK);
        assert_memory_not_equal(orig, h, 32);
    }
}

static void tmpdir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/postq-kek-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void test_kek_file(void **state)
{
    uint8_t a[POSTQ_KEK_BYTES], b[POSTQ_KEK_BYTES];
    char dir[64], sub[128], path[160];
    struct stat sb;
    int fd;
    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(sub, sizeof(sub), "%s/var/api/", dir); /* missing parents are made too */
    assert_int_equal(postq_kek_load(sub, a), POSTQ_OK);
    snprintf(path, sizeof(path), "%s/var/api/kek.key", dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof(path), "%s/var/api", dir);
    assert_int_equal(rmdir(path), 0);
    snprintf(path, sizeof(path), "%s/var", dir);
    assert_int_equal(rmdir(path), 0);
    snprintf(sub, sizeof(sub), "%s/state", dir);
    snprintf(path, sizeof(path), "%s/kek.key", sub);
    assert_int_equal(postq_kek_load(sub, a), POSTQ_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, POSTQ_KEK_BYTES);
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(postq_kek_load(sub, b), POSTQ_OK); /* reused */
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(chmod(path, 0644), 0); /* readable by others: refused */
    assert_int_equal(postq_kek_load(sub, b), POSTQ_E_IO);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(truncate(path, 31), 0); /* wrong size: refused, never replaced */
    assert_int_equal(postq_kek_load(sub, b), POSTQ_E_IO);
    fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "xy", 2), 2);
    close(fd);
    assert_int_equal(postq_kek_load(sub, b), POSTQ_E_IO);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

static void test_kek_seal_bound(void **state)
{
    uint8_t kek[POSTQ_KEK_BYTES], other[POSTQ_KEK_BYTES], sk[64], out[64];
    uint8_t sealed[64 + POSTQ_KEK_SEALED_OVERHEAD];
    size_t n, m;
    (void)state;
    memset(kek, 1, sizeof(kek));
    memset(other, 2, sizeof(other));
    for (size_t i = 0; i < sizeof(sk); i++) {
        sk[i] = (uint8_t)i;
    }
    assert_int_equal(postq_kek_seal(sealed, sizeof(sealed), &n, kek, "key_a", "mldsa65+ed25519",
                                    sk, sizeof(sk)),
                     POSTQ_OK);
    assert_int_equal(n, sizeof(sealed));
    assert_int_equal(postq_kek_open(out, sizeof(out), &m, kek, "key_a", "mldsa65+ed25519",
                                    sealed, n),
                     POSTQ_OK);
    assert_int_equal(m, sizeof(sk));
    assert_memory_equal(out, sk, sizeof(sk));
    assert_int_equal(postq_kek_open(out, sizeof(out), &m, kek, "key_b", "mldsa65+ed25519",
                                    sealed, n),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_kek_open(out, sizeof(out), &m, kek, "key_a", "mldsa44+ed25519",
                                    sealed, n),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_kek_open(out, sizeof(out), &m, other, "key_a", "mldsa65+ed25519",
                                    sealed, n),
                     POSTQ_E_INVALID);
    for (size_t i = 0; i < n * 8; i++) { /* every bit flipped */
        sealed[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_not_equal(postq_kek_open(out, sizeof(out), &m, kek, "key_a",
                                            "mldsa65+ed25519", sealed, n),
                             POSTQ_OK);
        sealed[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    for (size_t len = 0; len < n; len++) { /* truncated at every length */
        assert_int_not_equal(postq_kek_open(out, sizeof(out), &m, kek, "key_a",
                                            "mldsa65+ed25519", sealed, len),
                             POSTQ_OK);
    }
}

/* The store takes the key id the server made for the enclave's keygen. */
static void test_store_key_with_given_id(void **state)
{
    struct postq_store *st = NULL;
    struct postq_store_org org;
    struct postq_store_key in, out;
    char dir[64], url[160], db[128];
    uint8_t pk[4] = {1, 2, 3, 4}, sk[4] = {5, 6, 7, 8};
    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    snprintf(url, sizeof(url), "sqlite:%s", db);
    assert_int_equal(postq_store_open(url, &st), POSTQ_OK);
    memset(&org, 0, sizeof(org));
    assert_int_equal(postq_store_org_create(st, "o", &org), POSTQ_OK);
    memset(&in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
    assert_int_equal(postq_id_new(in.id, sizeof(in.id), "key"), POSTQ_OK);
    snprintf(in.name, sizeof(in.name), "k");
    snprintf(in.algorithm, sizeof(in.algorithm), "mldsa65+ed25519");
    snprintf(in.provider, sizeof(in.provider), "software");
    in.public_key.p = pk;
    in.public_key.len = sizeof(pk);
    in.sealed_key.p = sk;
    in.sealed_key.len = sizeof(sk);
    assert_int_equal(postq_store_key_create(st, org.id, &in, &out), POSTQ_OK);
    assert_string_equal(out.id, in.id);
    assert_true(out.created_at > 0);
    postq_store_key_clear(&out);
    assert_int_equal(postq_store_key_create(st, org.id, &in, &out), POSTQ_E_CONFLICT);
    snprintf(in.id, sizeof(in.id), "pol_nonsense");
    assert_int_not_equal(postq_store_key_create(st, org.id, &in, &out), POSTQ_OK);
    postq_store_close(st);
    snprintf(url, sizeof(url), "rm -rf %s", dir);
    assert_int_equal(system(url), 0);
}

/* auth.c on its own: the header's forms, each way a token is wrong, the roles' order. */
static void test_auth(void **state)
{
    struct postq_store *st = NULL;
    struct postq_store_org org;
    struct postq_store_apikey k;
    struct postq_api_caller who;
    struct postq_http_resp resp;
    enum postq_store_role role = POSTQ_STORE_ROLE_VIEWER;
    char dir[64], url[160], tok[POSTQ_TOKEN_MAX], h[POSTQ_TOKEN_MAX + 32];
    static const char *const names[] = {"admin", "signer", "viewer"};
    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    assert_int_equal(postq_store_open(url, &st), POSTQ_OK);
    memset(&org, 0, sizeof(org));
    assert_int_equal(postq_store_org_create(st, "o", &org), POSTQ_OK);
    assert_int_equal(
        postq_api_apikey_create(st, org.id, "s", POSTQ_STORE_ROLE_SIGNER, &k, tok, sizeof(tok)),
        POSTQ_OK);

    memset(&who, 0, sizeof(who));
    snprintf(h, sizeof(h), "bearer   %s", tok); /* scheme in any case, spaces before */
    assert_int_equal(postq_auth_token(st, h, &who), POSTQ_OK);
    assert_string_equal(who.org_id, org.id);
    assert_string_equal(who.apikey_id, k.id);
    assert_int_equal(who.role, POSTQ_STORE_ROLE_SIGNER);
    assert_int_equal(postq_auth_token(st, NULL, &who), POSTQ_E_AUTH);
    assert_int_equal(postq_auth_token(st, tok, &who), POSTQ_E_AUTH); /* no scheme */
    snprintf(h, sizeof(h), "Basic %s", tok);
    assert_int_equal(postq_auth_token(st, h, &who), POSTQ_E_AUTH);
    snprintf(h, sizeof(h), "Bearer %s", tok);
    h[strlen(h) - 1] = h[strlen(h) - 1] == 'A' ? 'B' : 'A'; /* another secret */
    assert_int_equal(postq_auth_token(st, h, &who), POSTQ_E_AUTH);
    snprintf(h, sizeof(h), "Bearer %s", tok);
    h[19] = h[19] == '0' ? '1' : '0'; /* "Bearer pqk_ak_" then a valid id of no key */
    assert_int_equal(postq_auth_token(st, h, &who), POSTQ_E_AUTH);

    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(postq_auth_role_parse(names[i], &role), 1);
        assert_string_equal(postq_auth_role_name(role), names[i]);
    }
    role = POSTQ_STORE_ROLE_SIGNER;
    assert_int_equal(postq_auth_role_parse("Admin", &role), 0);
    assert_int_equal(postq_auth_role_parse("", &role), 0);
    assert_int_equal(role, POSTQ_STORE_ROLE_SIGNER); /* untouched */

    memset(&resp, 0, sizeof(resp));
    postq_buf_init(&resp.body, POSTQ_API_JSON_MAX);
    assert_int_equal(postq_auth_allow(&who, POSTQ_STORE_ROLE_VIEWER, &resp), 1);
    assert_int_equal(postq_auth_allow(&who, POSTQ_STORE_ROLE_SIGNER, &resp), 1);
    assert_int_equal(resp.status, 0);
    assert_int_equal(postq_auth_allow(&who, POSTQ_STORE_ROLE_ADMIN, &resp), 0);
    assert_int_equal(resp.status, 403);
    assert_non_null(strstr((const char *)resp.body.p, "\"code\":\"forbidden\""));
    postq_buf_free(&resp.body);

    postq_store_close(st);
    snprintf(url, sizeof(url), "rm -rf %s", dir);
    assert_int_equal(system(url), 0);
}

static void test_arena(void **state)
{
    struct postq_arena a;
    char *s;
    uint8_t *big;
    (void)state;
    postq_arena_init(&a);
    for (int i = 0; i < 1000; i++) {
        uint8_t *p = postq_arena_alloc(&a, (size_t)i + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_int_equal(p[i], 0);
        memset(p, 0xff, (size_t)i + 1);
    }
    big = postq_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    s = postq_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    postq_arena_release(&a);
    assert_null(a.head);
    postq_arena_release(&a); /* twice is fine */
}

static void test_metrics_text(void **state)
{
    struct postq_buf b;
    (void)state;
    postq_metrics_init();
    postq_metrics_request("/v1/sign", "POST", 200);
    postq_metrics_request("/v1/sign", "POST", 200);
    postq_metrics_request("/v1/sign", "POST", 422);
    postq_metrics_sign_latency(0.003);
    postq_metrics_rejection("image_not_allowed");
    postq_metrics_enclave_error("unreachable");
    postq_buf_init(&b, 1 << 20);
    assert_int_equal(postq_metrics_render(&b), POSTQ_OK);
    assert_non_null(strstr((char *)b.p,
                           "postq_http_requests_total{route=\"/v1/sign\",method=\"POST\","
                           "status=\"200\"} 2\n"));
    assert_non_null(strstr((char *)b.p, "postq_sign_duration_seconds_bucket{le=\"0.0025\"} 0\n"));
    assert_non_null(strstr((char *)b.p, "postq_sign_duration_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(strstr((char *)b.p, "postq_sign_duration_seconds_count 1\n"));
    assert_non_null(
        strstr((char *)b.p, "postq_attestation_rejections_total{reason=\"image_not_allowed\"} 1"));
    assert_non_null(strstr((char *)b.p, "postq_enclave_errors_total{kind=\"unreachable\"} 1"));
    postq_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_round_trip),
        cmocka_unit_test(test_token_rejects),
        cmocka_unit_test(test_kek_file),
        cmocka_unit_test(test_kek_seal_bound),
        cmocka_unit_test(test_store_key_with_given_id),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_metrics_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
