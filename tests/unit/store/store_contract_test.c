/* SPDX-License-Identifier: Apache-2.0 */
/* The store contract (src/store/store.h), written against the interface only and run for every
 * backend in `backends` below: CRUD of each table, organisation scoping, the policy-in-use
 * rule, the sign path's one transaction (counter reuse, fault injection at every operation),
 * paging, durability across reopen and after a killed writer, concurrency, and clean failures on
 * bad files and paths. Each backend is one row of `backends`: SQLite in a temporary directory,
 * and PostgreSQL in a fresh database of the throwaway server make check starts
 * (POSTQ_TEST_PG_URL; without it every PostgreSQL case fails, never skips). */
#include "testlib.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "attest/tlog.h"
#include "common/mem.h"
#include "crypto/merkle.h"
#include "logsigner.h"
#include "store/store.h"

/* ---- backends ----------------------------------------------------------------------------- */

struct backend {
    const char *name;
    int file_based; /* the corrupt-file and unwritable-path cases apply */
    /* Write a URL for a fresh, empty store named after the temporary directory dir: 0, or -1
     * with a message on stderr. */
    int (*url)(char *out, size_t cap, const char *dir);
    /* Remove what url made beyond dir (NULL: nothing). */
    void (*drop)(const char *dir);
    int schema_version; /* its newest migration */
};

static int sqlite_url(char *out, size_t cap, const char *dir)
{
    snprintf(out, cap, "sqlite:%s/store.db", dir);
    return 0;
}

/* ---- PostgreSQL: a database per test on the server of POSTQ_TEST_PG_URL -------------------- */

/* The admin URL with its database name replaced by db: "scheme://authority/db?query". */
static int pg_url_for(char *out, size_t cap, const char *db)
{
    const char *admin = getenv("POSTQ_TEST_PG_URL");
    const char *auth, *path, *query;
    if (admin == NULL || admin[0] == '\0') {
        fprintf(stderr, "POSTQ_TEST_PG_URL is not set: the PostgreSQL cases need the server "
                        "that make check starts (scripts/with-pg.sh)\n");
        return -1;
    }
    auth = strstr(admin, "://");
    if (auth == NULL || (path = strchr(auth + 3, '/')) == NULL) {
        fprintf(stderr, "POSTQ_TEST_PG_URL has no database path: %s\n", admin);
        return -1;
    }
    query = strchr(path, '?');
    if (snprintf(out, cap, "%.*s/%s%s", (int)(path - admin), admin, db,
                 query != NULL ? query : "") >= (int)cap) {
        return -1;
    }
    return 0;
}

/* Run one SQL command on the admin database. */
static int pg_admin(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("POSTQ_TEST_PG_URL"));
    PGresult *r;
    int ok;
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        fprintf(stderr, "PostgreSQL: %s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static void pg_dbname(char *out, size_t cap, const char *dir)
{
    const char *base = strrchr(dir, '/');
    snprintf(out, cap, "store_test_%.20s", base != NULL ? base + 1 + strlen("postq-store-") : dir);
}

static int pg_url(char *out, size_t cap, const char *dir)
{
    char db[64], sql[200];
    pg_dbname(db, sizeof(db), dir);
    if (pg_url_for(out, cap, db) != 0) {
        return -1;
    }
    snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", db);
    return pg_admin(sql);
}

static void pg_drop(const char *dir)
{
    char db[64], sql[200];
    pg_dbname(db, sizeof(db), dir);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db);
    (void)pg_admin(sql);
}

static const struct backend backends[] = {
    {"sqlite", 1, sqlite_url, NULL, 5},
    {"postgres", 0, pg_url, pg_drop, 5},
};
static const struct backend *backend;

/* ---- fixture: a fresh store with two organisations ---------------------------------------- */

struct fx {
    char dir[64];
    char url[512];
    struct postq_store *s;
    struct postq_store_org a, b;
};

/* Close f's store, drop what its URL made and its directory, free it: -1 when the directory
 * could not be removed. */
static int fx_free(struct fx *f)
{
    char cmd[128];
    int rc;
    postq_store_fail_at(0);
    postq_store_close(f->s);
    if (backend->drop != NULL && f->url[0] != '\0') {
        backend->drop(f->dir);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    rc = system(cmd) != 0 ? -1 : 0;
    free(f);
    return rc;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/postq-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    if (backend->url(f->url, sizeof(f->url), f->dir) != 0 ||
        postq_store_open(f->url, &f->s) != POSTQ_OK ||
        postq_store_org_create(f->s, "acme", &f->a) != POSTQ_OK ||
        postq_store_org_create(f->s, "globex", &f->b) != POSTQ_OK) {
        /* cmocka runs no teardown after a failed setup: nothing may outlive the test. */
        fprintf(stderr, "setup: %s\n", postq_store_errmsg());
        (void)fx_free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    return fx_free(*state);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static const uint8_t pk_bytes[] = {1, 2, 3, 4, 5, 0, 7};
static const uint8_t sealed_bytes[] = {9, 8, 7, 0, 6};
static const uint8_t sig_bytes[] = {0xde, 0xad, 0x00, 0xbe, 0xef};

static void make_policy_err(struct postq_store *s, const char *org, struct postq_store_policy *out,
                            postq_err *err)
{
    struct postq_store_policy in;
    memset(&in, 0, sizeof(in));
    strcpy(in.name, "release-signing-prod");
    strcpy(in.vendor, "mock");
    in.body = "{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"ab\"]}}";
    in.enforce = 1;
    *err = postq_store_policy_create(s, org, &in, out);
}

static void make_policy(struct postq_store *s, const char *org, struct postq_store_policy *out)
{
    postq_err err;
    make_policy_err(s, org, out, &err);
    assert_int_equal(err, POSTQ_OK);
}

static postq_err try_key(struct postq_store *s, const char *org, const char *policy_id,
                         struct postq_store_key *out)
{
    struct postq_store_key in;
    memset(&in, 0, sizeof(in));
    strcpy(in.name, "release");
    strcpy(in.algorithm, "mldsa65+ed25519");
    strcpy(in.provider, policy_id != NULL ? "enclave-mock" : "software");
    if (policy_id != NULL) {
        strcpy(in.policy_id, policy_id);
    }
    in.public_key = (struct postq_bytes){pk_bytes, sizeof(pk_bytes)};
    in.sealed_key = (struct postq_bytes){sealed_bytes, sizeof(sealed_bytes)};
    return postq_store_key_create(s, org, &in, out);
}

static void make_key(struct postq_store *s, const char *org, const char *policy_id,
                     struct postq_store_key *out)
{
    assert_int_equal(try_key(s, org, policy_id, out), POSTQ_OK);
}

/* A sign result of key; attested when counter >= 0. */
static void fill_sig(struct postq_store_sig *g, const struct postq_store_key *key, int64_t counter)
{
    memset(g, 0, sizeof(*g));
    strcpy(g->org_id, key->org_id);
    strcpy(g->key_id, key->id);
    g->key_version = key->version;
    strcpy(g->algorithm, key->algorithm);
    memset(g->payload_sha256, 0x5a, sizeof(g->payload_sha256));
    g->signature = (struct postq_bytes){sig_bytes, sizeof(sig_bytes)};
    if (counter >= 0) {
        g->has_attestation = 1;
        strcpy(g->att.vendor, "mock");
        strcpy(g->att.image_hash, "00ff");
        strcpy(g->att.module_id, "mod-1");
        g->att.counter = counter;
        g->att.doc_b64 = "ZG9j";
        g->att.verdict = POSTQ_STORE_VERDICT_PASS;
    }
}

static postq_err put(struct postq_store *s, const struct postq_store_key *key, int64_t counter,
                     char id_out[POSTQ_ID_MAX])
{
    struct postq_store_sig g;
    postq_err err;
    fill_sig(&g, key, counter);
    err = postq_store_put_signature(s, &g, "mod-1", counter, counter >= 0);
    if (id_out != NULL) {
        memcpy(id_out, g.id, POSTQ_ID_MAX);
    }
    return err;
}

/* How many signatures org has (all pages). */
static size_t count_sigs(struct postq_store *s, const char *org, const char *key_id)
{
    char cursor[POSTQ_ID_MAX] = "";
    size_t total = 0;
    do {
        struct postq_store_sig_page page;
        assert_int_equal(postq_store_sig_list(s, org, key_id, 100, cursor, &page), POSTQ_OK);
        total += page.n;
        memcpy(cursor, page.next_cursor, sizeof(cursor));
        postq_store_sig_page_clear(&page);
    } while (cursor[0] != '\0');
    return total;
}

/* ---- CRUD --------------------------------------------------------------------------------- */

static void test_orgs(void **state)
{
    struct fx *f = *state;
    struct postq_store_org o;
    char long_name[POSTQ_STORE_NAME_MAX + 1];

    assert_int_equal(postq_store_org_get(f->s, f->a.id, &o), POSTQ_OK);
    assert_string_equal(o.id, f->a.id);
    assert_string_equal(o.name, "acme");
    assert_true(o.created_at > 0);
    assert_int_equal(o.created_at, f->a.created_at);
    assert_int_equal(postq_id_check(o.id, "org"), POSTQ_OK);

    assert_int_equal(postq_store_org_get(f->s, "org_00000000000000000000000000", &o),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_org_get(f->s, "nonsense", &o), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_org_get(f->s, NULL, &o), POSTQ_E_ARG);

    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(postq_store_org_create(f->s, long_name, &o), POSTQ_E_TOO_LARGE);
    long_name[POSTQ_STORE_NAME_MAX - 1] = '\0';
    assert_int_equal(postq_store_org_create(f->s, long_name, &o), POSTQ_OK);
    assert_int_equal(postq_store_health(f->s), POSTQ_OK);

    /* Three organisations now, newest first, two pages of 2 + 1. */
    struct postq_store_org_page page;
    assert_int_equal(postq_store_org_list(f->s, 2, NULL, &page), POSTQ_OK);
    assert_int_equal(page.n, 2);
    assert_string_equal(page.items[0].id, o.id);
    assert_string_equal(page.items[1].id, f->b.id);
    assert_string_equal(page.next_cursor, f->b.id);
    char cursor[POSTQ_ID_MAX];
    memcpy(cursor, page.next_cursor, sizeof(cursor));
    postq_store_org_page_clear(&page);
    assert_int_equal(postq_store_org_list(f->s, 2, cursor, &page), POSTQ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].id, f->a.id);
    assert_string_equal(page.items[0].name, "acme");
    assert_string_equal(page.next_cursor, "");
    postq_store_org_page_clear(&page);
}

static void test_apikeys(void **state)
{
    struct fx *f = *state;
    uint8_t h[POSTQ_STORE_SECRET_HASH_BYTES];
    struct postq_store_apikey k1, k2, got;
    struct postq_store_apikey_page page;

    memset(h, 0xa5, sizeof(h));
    assert_int_equal(
        postq_store_apikey_create(f->s, f->a.id, "ci", POSTQ_STORE_ROLE_SIGNER, h, &k1), POSTQ_OK);
    h[0] = 1;
    assert_int_equal(
        postq_store_apikey_create(f->s, f->a.id, "ops", POSTQ_STORE_ROLE_ADMIN, h, &k2), POSTQ_OK);
    assert_int_equal(postq_id_check(k1.id, "ak"), POSTQ_OK);

    assert_int_equal(postq_store_apikey_get_by_id(f->s, k1.id, &got), POSTQ_OK);
    assert_string_equal(got.org_id, f->a.id);
    assert_string_equal(got.name, "ci");
    assert_int_equal(got.role, POSTQ_STORE_ROLE_SIGNER);
    assert_int_equal(got.secret_hash[0], 0xa5);
    assert_int_equal(got.created_at, k1.created_at);

    assert_int_equal(postq_store_apikey_list(f->s, f->a.id, 100, NULL, &page), POSTQ_OK);
    assert_int_equal(page.n, 2);
    assert_string_equal(page.items[0].id, k2.id); /* newest first */
    assert_string_equal(page.items[1].id, k1.id);
    assert_int_equal(page.items[0].role, POSTQ_STORE_ROLE_ADMIN);
    assert_string_equal(page.next_cursor, "");
    postq_store_apikey_page_clear(&page);
    postq_store_apikey_page_clear(&page); /* twice is fine */

    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, k1.id), POSTQ_OK);
    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, k1.id), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_apikey_get_by_id(f->s, k1.id, &got), POSTQ_E_NOT_FOUND);

    /* Unknown organisation, bad role. */
    assert_int_equal(postq_store_apikey_create(f->s, "org_00000000000000000000000000", "x",
                                               POSTQ_STORE_ROLE_VIEWER, h, &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(
        postq_store_apikey_create(f->s, f->a.id, "x", (enum postq_store_role)0, h, &got),
        POSTQ_E_ARG);
}

/* The last admin key of an organisation stays: deleting it is CONFLICT, whichever order the
 * keys go in; signer and viewer keys go freely; another organisation's keys do not count. */
static void test_last_admin_key(void **state)
{
    struct fx *f = *state;
    uint8_t h[POSTQ_STORE_SECRET_HASH_BYTES];
    struct postq_store_apikey a1, a2, sg, other, got;

    memset(h, 7, sizeof(h));
    assert_int_equal(postq_store_apikey_create(f->s, f->b.id, "root", POSTQ_STORE_ROLE_ADMIN, h,
                                               &other), POSTQ_OK);
    assert_int_equal(postq_store_apikey_create(f->s, f->a.id, "a1", POSTQ_STORE_ROLE_ADMIN, h,
                                               &a1), POSTQ_OK);
    assert_int_equal(postq_store_apikey_create(f->s, f->a.id, "a2", POSTQ_STORE_ROLE_ADMIN, h,
                                               &a2), POSTQ_OK);
    assert_int_equal(postq_store_apikey_create(f->s, f->a.id, "ci", POSTQ_STORE_ROLE_SIGNER, h,
                                               &sg), POSTQ_OK);
    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, a1.id), POSTQ_OK);
    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, a2.id), POSTQ_E_CONFLICT);
    assert_int_equal(postq_store_apikey_get_by_id(f->s, a2.id, &got), POSTQ_OK);
    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, sg.id), POSTQ_OK);
    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, a2.id), POSTQ_E_CONFLICT);
    /* another organisation's last admin key is not found from here, and is kept there */
    assert_int_equal(postq_store_apikey_delete(f->s, f->a.id, other.id), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_apikey_delete(f->s, f->b.id, other.id), POSTQ_E_CONFLICT);
}

struct admin_race {
    struct postq_store *s;
    const char *org, *id;
    pthread_barrier_t *go;
    postq_err err;
};

static void *delete_admin(void *arg)
{
    struct admin_race *r = arg;
    (void)pthread_barrier_wait(r->go);
    r->err = postq_store_apikey_delete(r->s, r->org, r->id);
    return NULL;
}

/* Two admins delete each other's keys at the same moment, 50 times: exactly one wins each
 * time and the organisation keeps one admin key. */
static void test_last_admin_key_race(void **state)
{
    struct fx *f = *state;
    uint8_t h[POSTQ_STORE_SECRET_HASH_BYTES];
    struct postq_store_apikey keep, k[2];
    struct postq_store_apikey_page page;

    memset(h, 9, sizeof(h));
    assert_int_equal(postq_store_apikey_create(f->s, f->a.id, "first", POSTQ_STORE_ROLE_ADMIN, h,
                                               &keep), POSTQ_OK);
    for (int round = 0; round < 50; round++) {
        pthread_barrier_t go;
        pthread_t th[2];
        struct admin_race r[2];
        int ok = 0, conflict = 0;

        assert_int_equal(postq_store_apikey_create(f->s, f->a.id, "x", POSTQ_STORE_ROLE_ADMIN,
                                                   h, &k[0]), POSTQ_OK);
        k[1] = keep;
        assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
        for (int t = 0; t < 2; t++) {
            r[t].s = f->s;
            r[t].org = f->a.id;
            r[t].id = k[t].id;
            r[t].go = &go;
            assert_int_equal(pthread_create(&th[t], NULL, delete_admin, &r[t]), 0);
        }
        for (int t = 0; t < 2; t++) {
            assert_int_equal(pthread_join(th[t], NULL), 0);
            ok += r[t].err == POSTQ_OK;
            conflict += r[t].err == POSTQ_E_CONFLICT;
        }
        pthread_barrier_destroy(&go);
        if (ok != 1 || conflict != 1) {
            fail_msg("round %d: %d deleted, %d refused", round, ok, conflict);
        }
        keep = r[0].err == POSTQ_OK ? k[1] : k[0];
        assert_int_equal(postq_store_apikey_list(f->s, f->a.id, 100, NULL, &page), POSTQ_OK);
        assert_int_equal(page.n, 1);
        assert_string_equal(page.items[0].id, keep.id);
        postq_store_apikey_page_clear(&page);
    }
}

static void test_policies(void **state)
{
    struct fx *f = *state;
    struct postq_store_policy p, got;
    struct postq_store_policy_page page;
    struct postq_store_key k;

    make_policy(f->s, f->a.id, &p);
    assert_int_equal(postq_id_check(p.id, "pol"), POSTQ_OK);
    assert_true(p.created_at > 0);
    assert_int_equal(postq_store_policy_get(f->s, f->a.id, p.id, &got), POSTQ_OK);
    assert_string_equal(got.name, "release-signing-prod");
    assert_string_equal(got.vendor, "mock");
    assert_string_equal(got.body, p.body);
    assert_int_equal(got.enforce, 1);
    assert_int_equal(got.created_at, p.created_at);
    postq_store_policy_clear(&got);

    assert_int_equal(postq_store_policy_list(f->s, f->a.id, 10, "", &page), POSTQ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].body, p.body);
    postq_store_policy_page_clear(&page);

    /* Bound to a key: delete refused, nothing deleted. */
    make_key(f->s, f->a.id, p.id, &k);
    assert_int_equal(postq_store_policy_delete(f->s, f->a.id, p.id), POSTQ_E_CONFLICT);
    assert_int_equal(postq_store_policy_get(f->s, f->a.id, p.id, &got), POSTQ_OK);
    postq_store_policy_clear(&got);
    postq_store_key_clear(&k);

    /* Unbound: delete works once. */
    struct postq_store_policy p2;
    make_policy(f->s, f->a.id, &p2);
    assert_int_equal(postq_store_policy_delete(f->s, f->a.id, p2.id), POSTQ_OK);
    assert_int_equal(postq_store_policy_delete(f->s, f->a.id, p2.id), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_policy_get(f->s, f->a.id, p2.id, &got), POSTQ_E_NOT_FOUND);
    postq_store_policy_clear(&p2);
    postq_store_policy_clear(&p);
}

static void test_keys(void **state)
{
    struct fx *f = *state;
    struct postq_store_policy p;
    struct postq_store_key k, soft, got;
    struct postq_store_key_page page;

    make_policy(f->s, f->a.id, &p);
    make_key(f->s, f->a.id, p.id, &k);
    make_key(f->s, f->a.id, NULL, &soft);
    assert_int_equal(postq_id_check(k.id, "key"), POSTQ_OK);
    assert_int_equal(k.version, 1);

    assert_int_equal(postq_store_key_get(f->s, f->a.id, k.id, &got), POSTQ_OK);
    assert_string_equal(got.name, "release");
    assert_string_equal(got.algorithm, "mldsa65+ed25519");
    assert_string_equal(got.provider, "enclave-mock");
    assert_string_equal(got.policy_id, p.id);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.public_key.len, sizeof(pk_bytes));
    assert_memory_equal(got.public_key.p, pk_bytes, sizeof(pk_bytes));
    assert_int_equal(got.sealed_key.len, sizeof(sealed_bytes));
    assert_memory_equal(got.sealed_key.p, sealed_bytes, sizeof(sealed_bytes));
    assert_int_equal(got.created_at, k.created_at);
    postq_store_key_clear(&got);

    assert_int_equal(postq_store_key_get(f->s, f->a.id, soft.id, &got), POSTQ_OK);
    assert_string_equal(got.policy_id, "");
    assert_string_equal(got.provider, "software");
    postq_store_key_clear(&got);

    /* The key with its bound policy in one read; none for a key bound to none. */
    struct postq_store_policy gp;
    assert_int_equal(postq_store_key_get_bound(f->s, f->a.id, k.id, &got, &gp), POSTQ_OK);
    assert_string_equal(got.id, k.id);
    assert_string_equal(got.policy_id, p.id);
    assert_memory_equal(got.sealed_key.p, sealed_bytes, sizeof(sealed_bytes));
    assert_string_equal(gp.id, p.id);
    assert_string_equal(gp.org_id, f->a.id);
    assert_string_equal(gp.name, p.name);
    assert_string_equal(gp.vendor, "mock");
    assert_string_equal(gp.body, p.body);
    assert_int_equal(gp.enforce, 1);
    assert_int_equal(gp.created_at, p.created_at);
    postq_store_key_clear(&got);
    postq_store_policy_clear(&gp);
    assert_int_equal(postq_store_key_get_bound(f->s, f->a.id, soft.id, &got, &gp), POSTQ_OK);
    assert_string_equal(got.provider, "software");
    assert_string_equal(gp.id, "");
    assert_null(gp.body);
    postq_store_key_clear(&got);
    assert_int_equal(postq_store_key_get_bound(f->s, f->b.id, k.id, &got, &gp), POSTQ_E_NOT_FOUND);
    assert_null(got.mem_);
    assert_null(gp.mem_);
    assert_int_equal(postq_store_key_get_bound(f->s, f->a.id, "pol_x", &got, &gp),
                     postq_store_key_get(f->s, f->a.id, "pol_x", &got)); /* not a key id */
    assert_int_equal(postq_store_key_get_bound(f->s, f->a.id, k.id, &got, NULL), POSTQ_E_ARG);

    assert_int_equal(postq_store_key_list(f->s, f->a.id, 1, NULL, &page), POSTQ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].id, soft.id);
    assert_string_equal(page.next_cursor, soft.id);
    char cursor[POSTQ_ID_MAX];
    memcpy(cursor, page.next_cursor, sizeof(cursor));
    postq_store_key_page_clear(&page);
    assert_int_equal(postq_store_key_list(f->s, f->a.id, 1, cursor, &page), POSTQ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].id, k.id);
    assert_memory_equal(page.items[0].public_key.p, pk_bytes, sizeof(pk_bytes));
    postq_store_key_page_clear(&page);

    /* A policy that does not exist, or is another organisation's: NOT_FOUND, nothing made. */
    assert_int_equal(try_key(f->s, f->a.id, "pol_00000000000000000000000000", &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(try_key(f->s, f->b.id, p.id, &got), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_key_list(f->s, f->b.id, 100, NULL, &page), POSTQ_OK);
    assert_int_equal(page.n, 0);
    postq_store_key_page_clear(&page);

    postq_store_key_clear(&k);
    postq_store_key_clear(&soft);
    postq_store_policy_clear(&p);
}

static void test_signatures(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k, soft;
    struct postq_store_sig g, got;
    int seen = 7;

    make_key(f->s, f->a.id, NULL, &k);
    make_key(f->s, f->a.id, NULL, &soft);

    assert_int_equal(postq_store_counter_seen(f->s, "mod-1", 42, &seen), POSTQ_OK);
    assert_int_equal(seen, 0);
    fill_sig(&g, &k, 42);
    g.att.verdict = POSTQ_STORE_VERDICT_FAIL;
    strcpy(g.att.reason, "image_not_allowed");
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-1", 42, 1), POSTQ_OK);
    assert_int_equal(postq_id_check(g.id, "sig"), POSTQ_OK);
    assert_true(g.created_at > 0);
    assert_int_equal(postq_store_counter_seen(f->s, "mod-1", 42, &seen), POSTQ_OK);
    assert_int_equal(seen, 1);
    assert_int_equal(postq_store_counter_seen(f->s, "mod-2", 42, &seen), POSTQ_OK);
    assert_int_equal(seen, 0);

    assert_int_equal(postq_store_sig_get(f->s, f->a.id, g.id, &got), POSTQ_OK);
    assert_string_equal(got.key_id, k.id);
    assert_int_equal(got.key_version, 1);
    assert_string_equal(got.algorithm, "mldsa65+ed25519");
    assert_memory_equal(got.payload_sha256, g.payload_sha256, 32);
    assert_int_equal(got.signature.len, sizeof(sig_bytes));
    assert_memory_equal(got.signature.p, sig_bytes, sizeof(sig_bytes));
    assert_int_equal(got.created_at, g.created_at);
    assert_int_equal(got.has_attestation, 1);
    assert_string_equal(got.att.vendor, "mock");
    assert_string_equal(got.att.image_hash, "00ff");
    assert_string_equal(got.att.module_id, "mod-1");
    assert_int_equal(got.att.counter, 42);
    assert_string_equal(got.att.doc_b64, "ZG9j");
    assert_int_equal(got.att.verdict, POSTQ_STORE_VERDICT_FAIL);
    assert_string_equal(got.att.reason, "image_not_allowed");
    postq_store_sig_clear(&got);

    /* A software key's result: no attestation, no counter. */
    fill_sig(&g, &soft, -1);
    g.created_at = 1234;
    assert_int_equal(postq_store_put_signature(f->s, &g, NULL, 0, 0), POSTQ_OK);
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, g.id, &got), POSTQ_OK);
    assert_int_equal(got.has_attestation, 0);
    assert_int_equal(got.att.verdict, POSTQ_STORE_VERDICT_NONE);
    assert_null(got.att.doc_b64);
    assert_string_equal(got.att.module_id, "");
    assert_int_equal(got.created_at, 1234);
    postq_store_sig_clear(&got);

    /* Audit mode after a reused counter: stored without recording the pair again. */
    fill_sig(&g, &k, 42);
    g.att.verdict = POSTQ_STORE_VERDICT_FAIL;
    strcpy(g.att.reason, "counter_reused");
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-1", 42, 0), POSTQ_OK);

    /* A key that does not exist, or is another organisation's: NOT_FOUND, nothing stored. */
    fill_sig(&g, &k, 43);
    strcpy(g.org_id, f->b.id);
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-1", 43, 1), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_counter_seen(f->s, "mod-1", 43, &seen), POSTQ_OK);
    assert_int_equal(seen, 0);
    assert_int_equal(count_sigs(f->s, f->b.id, NULL), 0);
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 3);

    postq_store_key_clear(&k);
    postq_store_key_clear(&soft);
}

/* ---- scoping ------------------------------------------------------------------------------ */

static void test_org_scoping(void **state)
{
    struct fx *f = *state;
    struct postq_store_policy p, gp;
    struct postq_store_key k, gk;
    struct postq_store_sig gs;
    struct postq_store_sig_page sp;
    struct postq_store_policy_page pp;
    struct postq_store_apikey_page ap;
    struct postq_store_apikey ak;
    char sig_id[POSTQ_ID_MAX];
    uint8_t h[32] = {0};

    make_policy(f->s, f->a.id, &p);
    make_key(f->s, f->a.id, p.id, &k);
    assert_int_equal(put(f->s, &k, 1, sig_id), POSTQ_OK);
    assert_int_equal(postq_store_apikey_create(f->s, f->a.id, "a", POSTQ_STORE_ROLE_ADMIN, h, &ak),
                     POSTQ_OK);

    /* Organisation b sees none of a's rows. */
    assert_int_equal(postq_store_policy_get(f->s, f->b.id, p.id, &gp), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_key_get(f->s, f->b.id, k.id, &gk), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_sig_get(f->s, f->b.id, sig_id, &gs), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_policy_delete(f->s, f->b.id, p.id), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_apikey_delete(f->s, f->b.id, ak.id), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_sig_list(f->s, f->b.id, k.id, 10, NULL, &sp), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_sig_list(f->s, f->b.id, NULL, 10, NULL, &sp), POSTQ_OK);
    assert_int_equal(sp.n, 0);
    postq_store_sig_page_clear(&sp);
    assert_int_equal(postq_store_policy_list(f->s, f->b.id, 10, NULL, &pp), POSTQ_OK);
    assert_int_equal(pp.n, 0);
    postq_store_policy_page_clear(&pp);
    assert_int_equal(postq_store_apikey_list(f->s, f->b.id, 10, NULL, &ap), POSTQ_OK);
    assert_int_equal(ap.n, 0);
    postq_store_apikey_page_clear(&ap);

    /* ... and a's rows are all still there. */
    assert_int_equal(postq_store_policy_get(f->s, f->a.id, p.id, &gp), POSTQ_OK);
    postq_store_policy_clear(&gp);
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, sig_id, &gs), POSTQ_OK);
    postq_store_sig_clear(&gs);
    struct postq_store_apikey ak2;
    assert_int_equal(postq_store_apikey_get_by_id(f->s, ak.id, &ak2), POSTQ_OK);

    postq_store_key_clear(&k);
    postq_store_policy_clear(&p);
}

/* ---- the sign path's transaction ---------------------------------------------------------- */

static void test_counter_reuse_is_atomic(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_sig_page page;
    char first[POSTQ_ID_MAX], second[POSTQ_ID_MAX];

    make_key(f->s, f->a.id, NULL, &k);
    assert_int_equal(put(f->s, &k, 7, first), POSTQ_OK);
    assert_int_equal(put(f->s, &k, 7, second), POSTQ_E_CONFLICT);
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 1);
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 100, NULL, &page), POSTQ_OK);
    assert_string_equal(page.items[0].id, first);
    postq_store_sig_page_clear(&page);
    struct postq_store_sig got;
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, second, &got), POSTQ_E_NOT_FOUND);
    /* Another module's counter 7 is a different pair. */
    struct postq_store_sig g;
    fill_sig(&g, &k, 7);
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-2", 7, 1), POSTQ_OK);
    postq_store_key_clear(&k);
}

static void test_fault_at_every_operation(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    long ops;
    int stored = 0;

    make_key(f->s, f->a.id, NULL, &k);
    postq_store_fail_at(0);
    assert_int_equal(put(f->s, &k, 0, NULL), POSTQ_OK);
    ops = postq_store_fail_at(0);
    /* SQLite: BEGIN, two INSERTs, COMMIT; PostgreSQL: one statement that inserts both rows. */
    assert_true(ops >= (backend->file_based ? 3 : 1));

    for (long n = 1; n <= ops + 1; n++) {
        int64_t counter = n + 100;
        int seen = 1;
        postq_store_fail_at(n);
        postq_err err = put(f->s, &k, counter, NULL);
        postq_store_fail_at(0);
        assert_int_equal(postq_store_counter_seen(f->s, "mod-1", counter, &seen), POSTQ_OK);
        if (n <= ops) {
            assert_int_equal(err, POSTQ_E_IO);
            assert_int_equal(seen, 0);
            assert_int_equal(count_sigs(f->s, f->a.id, NULL), 1 + (size_t)stored);
        } else {
            assert_int_equal(err, POSTQ_OK);
            assert_int_equal(seen, 1);
            stored++;
            assert_int_equal(count_sigs(f->s, f->a.id, NULL), 1 + (size_t)stored);
        }
    }
    /* Reads and the other writes fail cleanly too. */
    struct postq_store_sig_page page;
    struct postq_store_org o;
    postq_store_fail_at(1);
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 10, NULL, &page), POSTQ_E_IO);
    assert_null(page.items);
    assert_int_equal(postq_store_org_create(f->s, "x", &o), POSTQ_E_IO);
    assert_int_equal(postq_store_health(f->s), POSTQ_E_IO);
    postq_store_fail_at(0);
    assert_int_equal(postq_store_health(f->s), POSTQ_OK);
    postq_store_key_clear(&k);
}

/* Every allocation of ours failing in turn: a clean POSTQ_E_NOMEM, nothing leaked (ASan),
 * nothing half-written. */
static void test_allocation_failures(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_policy p;
    int done_get = 0, done_list = 0, done_open = 0, done_policy = 0;

    make_key(f->s, f->a.id, NULL, &k);
    assert_int_equal(put(f->s, &k, 1, NULL), POSTQ_OK);
    assert_int_equal(put(f->s, &k, 2, NULL), POSTQ_OK);
    for (long n = 1; n < 64 && !(done_get && done_list && done_open && done_policy); n++) {
        struct postq_store_key got;
        struct postq_store_sig_page page;
        struct postq_store *s2 = NULL;
        postq_err err;

        postq_alloc_fail_at(n);
        err = postq_store_key_get(f->s, f->a.id, k.id, &got);
        postq_alloc_fail_at(0);
        assert_true(err == POSTQ_OK || err == POSTQ_E_NOMEM);
        done_get |= err == POSTQ_OK;
        postq_store_key_clear(&got);

        postq_alloc_fail_at(n);
        err = postq_store_sig_list(f->s, f->a.id, NULL, 10, NULL, &page);
        postq_alloc_fail_at(0);
        assert_true(err == POSTQ_OK || err == POSTQ_E_NOMEM);
        assert_true(err == POSTQ_OK || page.items == NULL);
        done_list |= err == POSTQ_OK;
        postq_store_sig_page_clear(&page);

        postq_alloc_fail_at(n);
        err = postq_store_open(f->url, &s2);
        postq_alloc_fail_at(0);
        assert_true(err == POSTQ_OK || err == POSTQ_E_NOMEM);
        assert_true(err == POSTQ_OK || s2 == NULL);
        done_open |= err == POSTQ_OK;
        postq_store_close(s2);

        struct postq_store_policy_page pp;
        postq_alloc_fail_at(n);
        make_policy_err(f->s, f->b.id, &p, &err);
        postq_alloc_fail_at(0);
        assert_true(err == POSTQ_OK || err == POSTQ_E_NOMEM);
        assert_int_equal(postq_store_policy_list(f->s, f->b.id, 100, NULL, &pp), POSTQ_OK);
        assert_int_equal(pp.n, err == POSTQ_OK ? 1 : 0);
        postq_store_policy_page_clear(&pp);
        if (err == POSTQ_OK) {
            done_policy = 1;
            assert_int_equal(postq_store_policy_delete(f->s, f->b.id, p.id), POSTQ_OK);
            postq_store_policy_clear(&p);
        }
    }
    assert_true(done_get && done_list && done_open && done_policy);
    postq_store_key_clear(&k);
}

/* ---- paging ------------------------------------------------------------------------------- */

static void test_paging_250(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k, other;
    static char ids[250][POSTQ_ID_MAX];
    char cursor[POSTQ_ID_MAX] = "";
    size_t seen = 0, pages = 0;

    make_key(f->s, f->a.id, NULL, &k);
    make_key(f->s, f->a.id, NULL, &other);
    for (int i = 0; i < 250; i++) {
        assert_int_equal(put(f->s, &k, i, ids[i]), POSTQ_OK);
        if (i % 10 == 0) {
            assert_int_equal(put(f->s, &other, -1, NULL), POSTQ_OK);
        }
    }
    /* Filtered by key: ids[249] .. ids[0], each exactly once, 100 + 100 + 50. */
    do {
        struct postq_store_sig_page page;
        assert_int_equal(postq_store_sig_list(f->s, f->a.id, k.id, 100, cursor, &page), POSTQ_OK);
        pages++;
        for (size_t i = 0; i < page.n; i++) {
            assert_string_equal(page.items[i].id, ids[249 - seen]);
            assert_string_equal(page.items[i].key_id, k.id);
            if (i > 0) {
                assert_true(page.items[i].created_at <= page.items[i - 1].created_at);
            }
            seen++;
        }
        assert_int_equal(page.n, pages < 3 ? 100 : 50);
        memcpy(cursor, page.next_cursor, sizeof(cursor));
        postq_store_sig_page_clear(&page);
    } while (cursor[0] != '\0');
    assert_int_equal(seen, 250);
    assert_int_equal(pages, 3);

    /* Unfiltered: 275, newest first; the other key alone: 25. */
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 275);
    assert_int_equal(count_sigs(f->s, f->a.id, other.id), 25);
    struct postq_store_sig_page page;
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 3, NULL, &page), POSTQ_OK);
    assert_int_equal(page.n, 3);
    assert_string_equal(page.items[0].id, ids[249]);
    assert_true(strcmp(page.items[0].id, page.items[1].id) > 0);
    assert_true(strcmp(page.items[1].id, page.items[2].id) > 0);
    assert_true(page.items[0].created_at >= page.items[2].created_at);
    postq_store_sig_page_clear(&page);

    /* Limits out of 1..100 and cursors that are not signature ids are refused. */
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 0, NULL, &page), POSTQ_E_ARG);
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 101, NULL, &page), POSTQ_E_ARG);
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 10, "garbage", &page), POSTQ_E_ARG);
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 10, k.id, &page), POSTQ_E_ARG);
    postq_store_key_clear(&k);
    postq_store_key_clear(&other);
}

static void test_exact_page_boundary(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_sig_page page;

    make_key(f->s, f->a.id, NULL, &k);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(put(f->s, &k, i, NULL), POSTQ_OK);
    }
    assert_int_equal(postq_store_sig_list(f->s, f->a.id, NULL, 4, NULL, &page), POSTQ_OK);
    assert_int_equal(page.n, 4);
    assert_string_equal(page.next_cursor, ""); /* no empty trailing page */
    postq_store_sig_page_clear(&page);
    postq_store_key_clear(&k);
}

/* ---- durability --------------------------------------------------------------------------- */

static void test_reopen(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k, got;
    struct postq_store_org o;
    char sig_id[POSTQ_ID_MAX];
    int64_t version = 0;

    make_key(f->s, f->a.id, NULL, &k);
    assert_int_equal(put(f->s, &k, 5, sig_id), POSTQ_OK);
    assert_int_equal(postq_store_schema_version(f->s, &version), POSTQ_OK);
    /* 001_init, 002_activity, 003_lifecycle, 004_log; SQLite's 005_log_rows */
    assert_int_equal(version, backend->schema_version);
    postq_store_close(f->s);
    f->s = NULL;

    for (int round = 0; round < 2; round++) {
        assert_int_equal(postq_store_open(f->url, &f->s), POSTQ_OK);
        assert_int_equal(postq_store_schema_version(f->s, &version), POSTQ_OK);
        assert_int_equal(version, backend->schema_version);
        assert_int_equal(postq_store_org_get(f->s, f->a.id, &o), POSTQ_OK);
        assert_int_equal(postq_store_key_get(f->s, f->a.id, k.id, &got), POSTQ_OK);
        assert_memory_equal(got.sealed_key.p, sealed_bytes, sizeof(sealed_bytes));
        postq_store_key_clear(&got);
        struct postq_store_sig g;
        assert_int_equal(postq_store_sig_get(f->s, f->a.id, sig_id, &g), POSTQ_OK);
        postq_store_sig_clear(&g);
        assert_int_equal(put(f->s, &k, 5, NULL), POSTQ_E_CONFLICT); /* the pair survived too */
        postq_store_close(f->s);
        f->s = NULL;
    }
    assert_int_equal(postq_store_open(f->url, &f->s), POSTQ_OK);
    postq_store_key_clear(&k);
}


/* ---- lifecycle: key versions, policy versions --------------------------------------------- */

static const uint8_t pk2_bytes[] = {2, 2, 2, 2};
static const uint8_t sealed2_bytes[] = {3, 3, 3};

static postq_err rotate(struct postq_store *s, const char *org, const char *id,
                        struct postq_store_key *out)
{
    struct postq_store_key in;
    memset(&in, 0, sizeof(in));
    in.public_key = (struct postq_bytes){pk2_bytes, sizeof(pk2_bytes)};
    in.sealed_key = (struct postq_bytes){sealed2_bytes, sizeof(sealed2_bytes)};
    return postq_store_key_rotate(s, org, id, &in, out);
}

/* The version that would sign key id now (0: none), from key_get_bound. */
static int64_t signer(struct postq_store *s, const char *org, const char *id)
{
    struct postq_store_key k;
    struct postq_store_policy p;
    int64_t v;
    assert_int_equal(postq_store_key_get_bound(s, org, id, &k, &p), POSTQ_OK);
    v = k.version;
    if (v == 2) {
        assert_memory_equal(k.sealed_key.p, sealed2_bytes, sizeof(sealed2_bytes));
    } else if (v == 1) {
        assert_memory_equal(k.sealed_key.p, sealed_bytes, sizeof(sealed_bytes));
    } else {
        assert_int_equal(k.public_key.len, 0);
        assert_int_equal(k.sealed_key.len, 0);
    }
    postq_store_key_clear(&k);
    postq_store_policy_clear(&p);
    return v;
}

static void test_key_versions(void **state)
{
    struct fx *f = *state;
    struct postq_store_policy p;
    struct postq_store_key k, got;

    make_policy(f->s, f->a.id, &p);
    make_key(f->s, f->a.id, p.id, &k);
    assert_int_equal(k.n_versions, 1);
    assert_int_equal(k.versions[0].state, POSTQ_STORE_VERSION_ENABLED);
    assert_int_equal(signer(f->s, f->a.id, k.id), 1);

    /* Rotate: version 2 is the newest, signs, and both public keys are listed. */
    assert_int_equal(rotate(f->s, f->a.id, k.id, &got), POSTQ_OK);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.newest_version, 2);
    assert_memory_equal(got.public_key.p, pk2_bytes, sizeof(pk2_bytes));
    assert_int_equal(got.n_versions, 2);
    assert_int_equal(got.versions[0].version, 1);
    assert_memory_equal(got.versions[0].public_key.p, pk_bytes, sizeof(pk_bytes));
    assert_int_equal(got.versions[1].version, 2);
    assert_memory_equal(got.versions[1].public_key.p, pk2_bytes, sizeof(pk2_bytes));
    assert_int_equal(got.versions[1].state, POSTQ_STORE_VERSION_ENABLED);
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 2);
    assert_int_equal(rotate(f->s, f->b.id, k.id, &got), POSTQ_E_NOT_FOUND); /* scoped */
    assert_null(got.mem_);

    /* Disable the newest: the one before signs; disable both: none does; enable again. */
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 2,
                                                 POSTQ_STORE_VERSION_DISABLED, &got),
                     POSTQ_OK);
    assert_int_equal(got.versions[1].state, POSTQ_STORE_VERSION_DISABLED);
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 1);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 1,
                                                 POSTQ_STORE_VERSION_DISABLED, &got),
                     POSTQ_OK);
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 0);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 2,
                                                 POSTQ_STORE_VERSION_ENABLED, &got),
                     POSTQ_OK);
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 2);

    /* Destroy version 2: its sealed key is gone for good, its public key stays. */
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 2,
                                                 POSTQ_STORE_VERSION_DESTROYED, &got),
                     POSTQ_OK);
    assert_int_equal(got.versions[1].state, POSTQ_STORE_VERSION_DESTROYED);
    assert_memory_equal(got.versions[1].public_key.p, pk2_bytes, sizeof(pk2_bytes));
    assert_int_equal(got.sealed_key.len, 0); /* the newest version's, erased */
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 0); /* version 1 is still disabled */
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 2,
                                                 POSTQ_STORE_VERSION_ENABLED, &got),
                     POSTQ_E_CONFLICT);
    assert_null(got.mem_);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 2,
                                                 POSTQ_STORE_VERSION_DISABLED, &got),
                     POSTQ_E_CONFLICT);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 2,
                                                 POSTQ_STORE_VERSION_DESTROYED, &got),
                     POSTQ_OK); /* again: fine */
    postq_store_key_clear(&got);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 3,
                                                 POSTQ_STORE_VERSION_DISABLED, &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_key_version_set(f->s, f->b.id, k.id, 1,
                                                 POSTQ_STORE_VERSION_ENABLED, &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 0,
                                                 POSTQ_STORE_VERSION_ENABLED, &got),
                     POSTQ_E_ARG);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 1,
                                                 POSTQ_STORE_VERSION_ENABLED, &got),
                     POSTQ_OK);
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 1);

    /* A signature made with version 1 keeps naming it. */
    char sig_id[POSTQ_ID_MAX];
    struct postq_store_sig g;
    fill_sig(&g, &k, 7);
    strcpy(g.policy_id, p.id);
    g.policy_version = 1;
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-1", 7, 1), POSTQ_OK);
    memcpy(sig_id, g.id, sizeof(sig_id));
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, sig_id, &g), POSTQ_OK);
    assert_int_equal(g.key_version, 1);
    assert_string_equal(g.policy_id, p.id);
    assert_int_equal(g.policy_version, 1);
    postq_store_sig_clear(&g);

    /* The bound policy cannot go while the key lives. */
    assert_int_equal(postq_store_policy_delete(f->s, f->a.id, p.id), POSTQ_E_CONFLICT);

    /* Delete the key: every version destroyed, nothing signs, public keys and signatures
     * stay; then its policy can be deleted. */
    assert_int_equal(postq_store_key_delete(f->s, f->b.id, k.id, &got), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_key_delete(f->s, f->a.id, k.id, &got), POSTQ_OK);
    assert_true(got.deleted_at > 0);
    assert_int_equal(got.n_versions, 2);
    assert_int_equal(got.versions[0].state, POSTQ_STORE_VERSION_DESTROYED);
    assert_int_equal(got.versions[1].state, POSTQ_STORE_VERSION_DESTROYED);
    assert_memory_equal(got.versions[0].public_key.p, pk_bytes, sizeof(pk_bytes));
    int64_t deleted_at = got.deleted_at;
    postq_store_key_clear(&got);
    assert_int_equal(postq_store_key_delete(f->s, f->a.id, k.id, &got), POSTQ_OK); /* again */
    assert_int_equal(got.deleted_at, deleted_at);
    postq_store_key_clear(&got);
    assert_int_equal(signer(f->s, f->a.id, k.id), 0);
    assert_int_equal(rotate(f->s, f->a.id, k.id, &got), POSTQ_E_CONFLICT);
    assert_int_equal(postq_store_key_version_set(f->s, f->a.id, k.id, 1,
                                                 POSTQ_STORE_VERSION_ENABLED, &got),
                     POSTQ_E_CONFLICT);
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, sig_id, &g), POSTQ_OK);
    postq_store_sig_clear(&g);
    assert_int_equal(postq_store_policy_delete(f->s, f->a.id, p.id), POSTQ_OK);
    assert_int_equal(postq_store_key_get(f->s, f->a.id, k.id, &got), POSTQ_OK);
    assert_string_equal(got.policy_id, ""); /* unbound when its policy went */
    assert_true(got.deleted_at > 0);
    postq_store_key_clear(&got);
    postq_store_key_clear(&k);
    postq_store_policy_clear(&p);
}

static void test_key_version_limit(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k, got;
    make_key(f->s, f->a.id, NULL, &k);
    for (int i = 2; i <= POSTQ_STORE_VERSIONS_MAX; i++) {
        assert_int_equal(rotate(f->s, f->a.id, k.id, &got), POSTQ_OK);
        postq_store_key_clear(&got);
    }
    assert_int_equal(rotate(f->s, f->a.id, k.id, &got), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_store_key_get(f->s, f->a.id, k.id, &got), POSTQ_OK);
    assert_int_equal(got.n_versions, POSTQ_STORE_VERSIONS_MAX);
    assert_int_equal(got.version, POSTQ_STORE_VERSIONS_MAX);
    postq_store_key_clear(&got);
    postq_store_key_clear(&k);
}

static void test_policy_versions(void **state)
{
    struct fx *f = *state;
    struct postq_store_policy p, in, got;
    struct postq_store_key k, kb;
    struct postq_store_policy pb;

    make_policy(f->s, f->a.id, &p);
    assert_int_equal(p.version, 1);
    assert_int_equal(p.updated_at, p.created_at);
    make_key(f->s, f->a.id, p.id, &k);

    memset(&in, 0, sizeof(in));
    strcpy(in.name, "release-signing-prod-v2");
    strcpy(in.vendor, "mock");
    in.body = "{\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"ab\",\"cd\"]}}";
    in.enforce = 0;
    assert_int_equal(postq_store_policy_update(f->s, f->a.id, p.id, &in, &got), POSTQ_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.name, in.name);
    assert_string_equal(got.body, in.body);
    assert_int_equal(got.enforce, 0);
    assert_int_equal(got.created_at, p.created_at);
    assert_true(got.updated_at >= p.created_at);
    postq_store_policy_clear(&got);

    /* The newest is what get, list and the sign path's read see; version 1 stays readable. */
    assert_int_equal(postq_store_policy_get(f->s, f->a.id, p.id, &got), POSTQ_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.body, in.body);
    postq_store_policy_clear(&got);
    assert_int_equal(postq_store_key_get_bound(f->s, f->a.id, k.id, &kb, &pb), POSTQ_OK);
    assert_int_equal(pb.version, 2);
    assert_string_equal(pb.body, in.body);
    postq_store_key_clear(&kb);
    postq_store_policy_clear(&pb);
    assert_int_equal(postq_store_policy_get_version(f->s, f->a.id, p.id, 1, &got), POSTQ_OK);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.body, p.body);
    assert_string_equal(got.name, p.name);
    assert_int_equal(got.enforce, 1);
    assert_int_equal(got.updated_at, p.created_at);
    postq_store_policy_clear(&got);
    assert_int_equal(postq_store_policy_get_version(f->s, f->a.id, p.id, 2, &got), POSTQ_OK);
    assert_string_equal(got.body, in.body);
    postq_store_policy_clear(&got);
    assert_int_equal(postq_store_policy_get_version(f->s, f->a.id, p.id, 3, &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_policy_get_version(f->s, f->b.id, p.id, 1, &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_policy_get_version(f->s, f->a.id, p.id, 0, &got), POSTQ_E_ARG);

    /* A policy's vendor never changes; another organisation's policy is not found. */
    strcpy(in.vendor, "aws-nitro-enclave");
    assert_int_equal(postq_store_policy_update(f->s, f->a.id, p.id, &in, &got), POSTQ_E_CONFLICT);
    assert_null(got.mem_);
    strcpy(in.vendor, "mock");
    assert_int_equal(postq_store_policy_update(f->s, f->b.id, p.id, &in, &got),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_policy_get(f->s, f->a.id, p.id, &got), POSTQ_OK);
    assert_int_equal(got.version, 2); /* nothing changed */
    postq_store_policy_clear(&got);

    /* The cap on versions. */
    for (int i = 3; i <= POSTQ_STORE_VERSIONS_MAX; i++) {
        assert_int_equal(postq_store_policy_update(f->s, f->a.id, p.id, &in, &got), POSTQ_OK);
        postq_store_policy_clear(&got);
    }
    assert_int_equal(postq_store_policy_update(f->s, f->a.id, p.id, &in, &got),
                     POSTQ_E_TOO_LARGE);
    postq_store_key_clear(&k);
    postq_store_policy_clear(&p);
}

/* Run sql on the database of url, outside the store (to build an old schema). */
static int raw_exec(const char *url, const char *sql)
{
    if (strncmp(url, "sqlite:", 7) == 0) {
        sqlite3 *db = NULL;
        char *msg = NULL;
        int rc = sqlite3_open(url + 7, &db);
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        }
        if (rc != SQLITE_OK) {
            fprintf(stderr, "sqlite: %s\n", msg != NULL ? msg : sqlite3_errmsg(db));
        }
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc == SQLITE_OK ? 0 : -1;
    } else {
        PGconn *c = PQconnectdb(url);
        PGresult *r = PQexec(c, sql);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok) {
            fprintf(stderr, "PostgreSQL: %s", PQerrorMessage(c));
        }
        PQclear(r);
        PQfinish(c);
        return ok ? 0 : -1;
    }
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf = calloc(1, 1 << 16);
    size_t n;
    assert_non_null(fp);
    assert_non_null(buf);
    n = fread(buf, 1, (1 << 16) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Start f over from an empty database at schema `upto`, made from the shipped migration files
 * as each backend's runner applies them, with rows of the release of schema 2 in it: an
 * organisation, a policy, a key and one signature (sig_…01). */
static void old_database(struct fx *f, int upto)
{
    const char *dir = strncmp(f->url, "sqlite:", 7) == 0 ? "src/store/schema" : "src/store/schema/pg";
    const char *files[] = {"001_init.sql", "002_activity.sql", "003_lifecycle.sql", "004_log.sql"};
    char path[256], sql[2048];
    const char *blob = strncmp(f->url, "sqlite:", 7) == 0 ? "x'0102'" : "'\\x0102'::bytea";
    const char *sealed = strncmp(f->url, "sqlite:", 7) == 0 ? "x'0909'" : "'\\x0909'::bytea";
    const char *hash = strncmp(f->url, "sqlite:", 7) == 0
                           ? "x'5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'"
                           : "'\\x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'"
                             "::bytea";

    postq_store_close(f->s);
    f->s = NULL;
    if (backend->drop != NULL) {
        backend->drop(f->dir);
    } else {
        snprintf(path, sizeof(path), "%s/store.db", f->dir);
        unlink(path);
    }
    assert_int_equal(backend->url(f->url, sizeof(f->url), f->dir), 0);
    /* As each backend's runner makes it (bigint is INTEGER to SQLite). */
    assert_int_equal(raw_exec(f->url, "CREATE TABLE schema_migrations (version bigint PRIMARY "
                                      "KEY, name text NOT NULL, applied_at bigint NOT NULL)"),
                     0);
    for (int i = 0; i < upto; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        char *text = read_text(path);
        assert_int_equal(raw_exec(f->url, text), 0);
        free(text);
        snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, '%.3s', 1)", i + 1,
                 files[i]);
        assert_int_equal(raw_exec(f->url, sql), 0);
        if (i != 1) {
            continue;
        }
        snprintf(sql, sizeof(sql),
                 "INSERT INTO orgs VALUES ('org_00000000000000000000000001', 'old', 1000);"
                 "INSERT INTO policies VALUES ('pol_00000000000000000000000001', "
                 "'org_00000000000000000000000001', 'p', 'mock', '{\"vendor\":\"mock\"}', 1, "
                 "2000);"
                 "INSERT INTO hybrid_keys VALUES ('key_00000000000000000000000001', "
                 "'org_00000000000000000000000001', 'k', 'mldsa65+ed25519', 'enclave-mock', "
                 "'pol_00000000000000000000000001', %s, %s, 1, 3000);"
                 "INSERT INTO signatures (id, org_id, key_id, key_version, algorithm, "
                 "payload_sha256, signature, created_at) VALUES ('sig_00000000000000000000000001', "
                 "'org_00000000000000000000000001', 'key_00000000000000000000000001', 1, "
                 "'mldsa65+ed25519', %s, %s, 4000);",
                 blob, sealed, hash, blob);
        assert_int_equal(raw_exec(f->url, sql), 0);
    }
}

/* A database made by the previous release (schema 2, from the shipped migration files), with
 * rows in it, is upgraded in place when the store opens it: each key becomes its version 1,
 * each policy its version 1, and old signatures stay readable. */
static void test_upgrade_in_place(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_policy p;
    struct postq_store_sig g;
    int64_t version = 0;

    old_database(f, 2);
    if (postq_store_open(f->url, &f->s) != POSTQ_OK) {
        fail_msg("open and upgrade: %s", postq_store_errmsg());
    }
    assert_int_equal(postq_store_schema_version(f->s, &version), POSTQ_OK);
    assert_int_equal(version, backend->schema_version);
    assert_int_equal(postq_store_key_get(f->s, "org_00000000000000000000000001",
                                         "key_00000000000000000000000001", &k),
                     POSTQ_OK);
    assert_int_equal(k.version, 1);
    assert_int_equal(k.n_versions, 1);
    assert_int_equal(k.versions[0].state, POSTQ_STORE_VERSION_ENABLED);
    assert_int_equal(k.versions[0].created_at, 3000);
    assert_int_equal(k.public_key.len, 2);
    assert_int_equal(k.sealed_key.len, 2);
    assert_int_equal(k.sealed_key.p[0], 9);
    assert_int_equal(k.deleted_at, 0);
    postq_store_key_clear(&k);
    assert_int_equal(postq_store_key_get_bound(f->s, "org_00000000000000000000000001",
                                               "key_00000000000000000000000001", &k, &p),
                     POSTQ_OK);
    assert_int_equal(k.version, 1);
    assert_int_equal(k.sealed_key.p[1], 9);
    assert_int_equal(p.version, 1);
    postq_store_key_clear(&k);
    postq_store_policy_clear(&p);
    assert_int_equal(postq_store_policy_get_version(f->s, "org_00000000000000000000000001",
                                                    "pol_00000000000000000000000001", 1, &p),
                     POSTQ_OK);
    assert_int_equal(p.version, 1);
    assert_int_equal(p.updated_at, 2000);
    assert_string_equal(p.body, "{\"vendor\":\"mock\"}");
    postq_store_policy_clear(&p);
    assert_int_equal(postq_store_sig_get(f->s, "org_00000000000000000000000001",
                                         "sig_00000000000000000000000001", &g),
                     POSTQ_OK);
    assert_string_equal(g.policy_id, "");
    assert_int_equal(g.policy_version, 0);
    postq_store_sig_clear(&g);
    /* And the upgraded database works as a new one: rotate, then reopen. */
    assert_int_equal(postq_store_key_get(f->s, "org_00000000000000000000000001",
                                         "key_00000000000000000000000001", &k),
                     POSTQ_OK);
    struct postq_store_key got;
    assert_int_equal(rotate(f->s, k.org_id, k.id, &got), POSTQ_OK);
    assert_int_equal(got.version, 2);
    postq_store_key_clear(&got);
    postq_store_key_clear(&k);
    postq_store_close(f->s);
    assert_int_equal(postq_store_open(f->url, &f->s), POSTQ_OK);
    assert_int_equal(postq_store_org_create(f->s, "acme", &f->a), POSTQ_OK);
}

/* A writer killed with SIGKILL: every signature it was told was stored is there after reopen. */
static void test_killed_writer(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    char ids[40][POSTQ_ID_MAX];
    int fds[2];
    pid_t pid;

    make_key(f->s, f->a.id, NULL, &k);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child opens its own handle (connections never cross fork) and writes forever. */
        struct postq_store *s;
        close(fds[0]);
        if (postq_store_open(f->url, &s) != POSTQ_OK) {
            _exit(2);
        }
        for (int64_t i = 0;; i++) {
            char id[POSTQ_ID_MAX];
            if (put(s, &k, 1000 + i, id) != POSTQ_OK ||
                write(fds[1], id, sizeof(id)) != (ssize_t)sizeof(id)) {
                _exit(3);
            }
        }
    }
    close(fds[1]);
    for (size_t i = 0; i < 40; i++) {
        size_t got = 0;
        while (got < POSTQ_ID_MAX) {
            ssize_t r = read(fds[0], ids[i] + got, POSTQ_ID_MAX - got);
            assert_true(r > 0);
            got += (size_t)r;
        }
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    close(fds[0]);

    postq_store_close(f->s);
    assert_int_equal(postq_store_open(f->url, &f->s), POSTQ_OK);
    for (size_t i = 0; i < 40; i++) {
        struct postq_store_sig g;
        assert_int_equal(postq_store_sig_get(f->s, f->a.id, ids[i], &g), POSTQ_OK);
        assert_int_equal(g.att.counter, 1000 + (int64_t)i);
        postq_store_sig_clear(&g);
    }
    assert_true(count_sigs(f->s, f->a.id, NULL) >= 40);
    postq_store_key_clear(&k);
}

/* ---- concurrency -------------------------------------------------------------------------- */

#define THREADS    4
#define PER_THREAD 100

/* What a writer thread's puts answered. */
struct tally {
    int ok, conflict, not_found, other;
};

static void tally_add(struct tally *t, postq_err err)
{
    if (err == POSTQ_OK) {
        t->ok++;
    } else if (err == POSTQ_E_CONFLICT) {
        t->conflict++;
    } else if (err == POSTQ_E_NOT_FOUND) {
        t->not_found++;
    } else {
        fprintf(stderr, "worker: %s: %s\n", postq_err_name(err), postq_store_errmsg());
        t->other++;
    }
}

struct worker {
    struct postq_store *s;
    const struct postq_store_key *key;
    int64_t base;
    int n;
    struct tally t;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->n; i++) {
        tally_add(&w->t, put(w->s, w->key, w->base + i, NULL));
    }
    return NULL;
}

static void test_concurrent_puts(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    pthread_t th[THREADS];
    struct worker w[THREADS];

    make_key(f->s, f->a.id, NULL, &k);
    for (int t = 0; t < THREADS; t++) {
        w[t] = (struct worker){f->s, &k, t * 1000, PER_THREAD, {0, 0, 0, 0}};
        assert_int_equal(pthread_create(&th[t], NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].t.ok, PER_THREAD);
        assert_int_equal(w[t].t.other, 0);
    }
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), THREADS * PER_THREAD);

    /* Two threads race for the same counters: each pair is won exactly once. */
    for (int t = 0; t < 2; t++) {
        w[t] = (struct worker){f->s, &k, 50000, 50, {0, 0, 0, 0}};
        assert_int_equal(pthread_create(&th[t], NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < 2; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].t.other, 0);
    }
    assert_int_equal(w[0].t.ok + w[1].t.ok, 50);
    assert_int_equal(w[0].t.conflict + w[1].t.conflict, 50);
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), THREADS * PER_THREAD + 50);
    postq_store_key_clear(&k);
}

/* Eight writers at once (the SQLite backend commits them in groups): four with counters of
 * their own, four racing them for the same counters, and one whose signatures name another
 * organisation's key (refused by the foreign key) interleaved. A failing signature never
 * takes others of its group with it, and none is stored twice or lost. */
struct mixed {
    struct postq_store *s;
    const struct postq_store_key *key;
    const char *wrong_org; /* non-NULL: put under this organisation (refused) */
    int64_t base;
    struct tally t;
};

static void *work_mixed(void *arg)
{
    struct mixed *w = arg;
    for (int i = 0; i < 40; i++) {
        struct postq_store_sig g;
        fill_sig(&g, w->key, w->base + i);
        if (w->wrong_org != NULL) {
            strcpy(g.org_id, w->wrong_org);
        }
        tally_add(&w->t, postq_store_put_signature(w->s, &g, "mod-1", w->base + i, 1));
    }
    return NULL;
}

static void test_concurrent_mixed(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    pthread_t th[9];
    struct mixed w[9];
    int won = 0, lost = 0;

    make_key(f->s, f->a.id, NULL, &k);
    for (int t = 0; t < 9; t++) {
        w[t] = (struct mixed){f->s, &k, t == 8 ? f->b.id : NULL,
                              t == 8 ? 900000 : 100000 + (t % 4) * 1000, {0, 0, 0, 0}};
        assert_int_equal(pthread_create(&th[t], NULL, work_mixed, &w[t]), 0);
    }
    for (int t = 0; t < 9; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].t.other, 0);
    }
    for (int t = 0; t < 8; t++) {
        assert_int_equal(w[t].t.not_found, 0);
        won += w[t].t.ok;
        lost += w[t].t.conflict;
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(w[t].t.ok + w[t + 4].t.ok, 40); /* each counter won exactly once */
    }
    assert_int_equal(won, 160);
    assert_int_equal(lost, 160);
    assert_int_equal(w[8].t.not_found, 40);
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 160);
    assert_int_equal(count_sigs(f->s, f->b.id, NULL), 0);
    postq_store_key_clear(&k);
}

/* ---- argument checks --------------------------------------------------------------------- */

/* ---- the transparency log ------------------------------------------------------------------ */

static int signer_broken; /* test_log_atomic: the signer fails while set */
static int signer_slow;   /* test_log_concurrent: each signature takes 2 ms while set */

static postq_err test_signer(void *ctx, const char *org_id, int64_t size, const uint8_t root[32],
                             char *note, size_t cap, size_t *len)
{
    (void)ctx;
    if (__atomic_load_n(&signer_broken, __ATOMIC_SEQ_CST)) {
        postq_store_set_errmsg("test: the signer is broken");
        return POSTQ_E_INTERNAL;
    }
    if (__atomic_load_n(&signer_slow, __ATOMIC_SEQ_CST)) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return tl_log_signer(NULL, org_id, size, root, note, cap, len);
}

static void log_entry_text(char *out, size_t cap, const char *tag, int i)
{
    snprintf(out, cap, "postq-log-entry/v1\nsignature %s-%d\n", tag, i);
}

/* note[0..len) is signed by both test keys for org and names size and root. */
static void check_note(const char *note, size_t len, const char *org, int64_t size,
                       const uint8_t root[32])
{
    struct postq_tlog_vkey keys[2];
    struct postq_tlog_checkpoint cp;
    char origin[POSTQ_TLOG_ORIGIN_MAX], detail[160];

    assert_int_equal(postq_tlog_vkey_parse(&keys[0], tl_log_vkey(), strlen(tl_log_vkey())),
                     POSTQ_OK);
    assert_int_equal(postq_tlog_vkey_parse(&keys[1], tl_log_composite_vkey(),
                                           strlen(tl_log_composite_vkey())),
                     POSTQ_OK);
    assert_int_equal(postq_tlog_note_verify(note, len, keys, 2, &cp, detail, sizeof(detail)),
                     POSTQ_OK);
    snprintf(origin, sizeof(origin), "%s/%s", TL_LOG_NAME, org);
    assert_string_equal(cp.origin, origin);
    assert_int_equal(cp.size, (uint64_t)size);
    assert_memory_equal(cp.root, root, 32);
}

/* The receipt's note is signed by both test keys for org, names receipt's size and root, and
 * its proof shows entry at receipt's index. */
static void check_receipt(const struct postq_store_log_receipt *r, const char *org,
                          const char *entry)
{
    postq_merkle_hash leaf;

    check_note(r->note, r->note_len, org, r->size, r->root);
    assert_true(r->index >= 0 && r->index < r->size);
    assert_int_equal(postq_merkle_leaf_hash(leaf, (const uint8_t *)entry, strlen(entry)),
                     POSTQ_OK);
    assert_int_equal(postq_merkle_verify_inclusion(leaf, (uint64_t)r->index, (uint64_t)r->size,
                                                   (const postq_merkle_hash *)r->proof,
                                                   r->proof_len, r->root),
                     POSTQ_OK);
}

static postq_err put_logged(struct postq_store *s, const struct postq_store_key *key,
                            int64_t counter, const char *entry, struct postq_store_sig *g,
                            struct postq_store_log_receipt *r)
{
    fill_sig(g, key, counter);
    return postq_store_put_signature_logged(s, g, "mod-1", counter, counter >= 0,
                                            (const uint8_t *)entry, strlen(entry), r);
}

#define LOG_N 37

/* Appends one at a time: each its own checkpoint; then every proof and tile read from the
 * stored nodes against the array oracle, and the entries back. */
static void test_log_append_and_proofs(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_sig g, got;
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    struct postq_store_checkpoint cp;
    postq_merkle_hash leaves[LOG_N], want[64], root;
    uint8_t proof[64][32], hashes[LOG_N * 32];
    char entries[LOG_N][96], ids[LOG_N][POSTQ_ID_MAX];
    struct postq_buf b;
    size_t n, wn, off;
    int64_t size = -1;

    assert_non_null(r);
    postq_store_set_log_signer(f->s, test_signer, NULL);
    make_key(f->s, f->a.id, NULL, &k);
    assert_int_equal(postq_store_log_size(f->s, f->a.id, &size), POSTQ_OK);
    assert_int_equal(size, 0);
    assert_int_equal(postq_store_checkpoint_latest(f->s, f->a.id, &cp), POSTQ_E_NOT_FOUND);
    for (int i = 0; i < LOG_N; i++) {
        log_entry_text(entries[i], sizeof(entries[i]), "a", i);
        assert_int_equal(put_logged(f->s, &k, -1, entries[i], &g, r), POSTQ_OK);
        assert_int_equal(r->index, i);
        assert_int_equal(r->size, i + 1);
        assert_int_equal(g.log_index, i);
        check_receipt(r, f->a.id, entries[i]);
        assert_int_equal(postq_merkle_leaf_hash(leaves[i], (const uint8_t *)entries[i],
                                                strlen(entries[i])),
                         POSTQ_OK);
        memcpy(ids[i], g.id, POSTQ_ID_MAX);
    }
    assert_int_equal(postq_store_log_size(f->s, f->a.id, &size), POSTQ_OK);
    assert_int_equal(size, LOG_N);
    assert_int_equal(postq_store_checkpoint_latest(f->s, f->a.id, &cp), POSTQ_OK);
    assert_int_equal(cp.size, LOG_N);
    assert_int_equal(postq_merkle_root(root, leaves, LOG_N), POSTQ_OK);
    assert_memory_equal(cp.root, root, 32);
    assert_memory_equal(cp.note, r->note, r->note_len);
    postq_store_checkpoint_clear(&cp);
    /* An older size: its row, or (rows are written at most once a second on SQLite) one
     * signed now; either way a checkpoint of that tree. */
    assert_int_equal(postq_store_checkpoint_get(f->s, f->a.id, 5, &cp), POSTQ_OK);
    assert_int_equal(cp.size, 5);
    assert_int_equal(postq_merkle_root(root, leaves, 5), POSTQ_OK);
    assert_memory_equal(cp.root, root, 32);
    check_note(cp.note, strlen(cp.note), f->a.id, 5, root);
    postq_store_checkpoint_clear(&cp);
    assert_int_equal(postq_store_checkpoint_get(f->s, f->a.id, LOG_N + 1, &cp),
                     POSTQ_E_NOT_FOUND);

    /* Every proof of every tree size, from the stored nodes, is the oracle's. */
    for (int64_t sz = 1; sz <= LOG_N; sz++) {
        for (int64_t i = 0; i < sz; i++) {
            assert_int_equal(postq_store_log_inclusion(f->s, f->a.id, sz, i, proof, &n), POSTQ_OK);
            assert_int_equal(postq_merkle_inclusion_proof(want, 64, &wn, leaves, (uint64_t)sz,
                                                          (uint64_t)i),
                             POSTQ_OK);
            assert_int_equal(n, wn);
            if (n > 0) {
                assert_memory_equal(proof, want, 32 * n);
            }
        }
        for (int64_t m = 0; m <= sz; m++) {
            assert_int_equal(postq_store_log_consistency(f->s, f->a.id, sz, m, proof, &n),
                             POSTQ_OK);
            assert_int_equal(postq_merkle_consistency_proof(want, 64, &wn, leaves, (uint64_t)sz,
                                                            (uint64_t)m),
                             POSTQ_OK);
            assert_int_equal(n, wn);
            if (n > 0) {
                assert_memory_equal(proof, want, 32 * n);
            }
        }
    }
    assert_int_equal(postq_store_log_inclusion(f->s, f->a.id, LOG_N + 1, 0, proof, &n),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_log_inclusion(f->s, f->a.id, 3, 3, proof, &n), POSTQ_E_ARG);
    assert_int_equal(postq_store_log_consistency(f->s, f->a.id, 3, 4, proof, &n), POSTQ_E_ARG);

    /* Tiles: level 0 is the leaf hashes; level 1 the pairs; nothing past the tree. */
    assert_int_equal(postq_store_log_nodes(f->s, f->a.id, 0, 0, LOG_N, hashes), POSTQ_OK);
    assert_memory_equal(hashes, leaves, sizeof(hashes));
    assert_int_equal(postq_store_log_nodes(f->s, f->a.id, 1, 2, 3, hashes), POSTQ_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(postq_merkle_root(root, leaves + 4 + 2 * i, 2), POSTQ_OK);
        assert_memory_equal(hashes + 32 * i, root, 32);
    }
    assert_int_equal(postq_store_log_nodes(f->s, f->a.id, 0, LOG_N - 1, 2, hashes),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_log_nodes(f->s, f->a.id, 1, LOG_N / 2, 1, hashes),
                     POSTQ_E_NOT_FOUND); /* leaf 36 has no sibling yet */
    assert_int_equal(postq_store_log_nodes(f->s, f->a.id, 0, 0, 257, hashes), POSTQ_E_ARG);

    /* Entry bundles: 2-byte big-endian length, then the entry. */
    postq_buf_init(&b, 1 << 20);
    assert_int_equal(postq_store_log_entries(f->s, f->a.id, 0, LOG_N, &b), POSTQ_OK);
    off = 0;
    for (int i = 0; i < LOG_N; i++) {
        size_t len = strlen(entries[i]);
        assert_true(off + 2 + len <= b.len);
        assert_int_equal((size_t)b.p[off] << 8 | b.p[off + 1], len);
        assert_memory_equal(b.p + off + 2, entries[i], len);
        off += 2 + len;
    }
    assert_int_equal(off, b.len);
    postq_buf_reset(&b);
    assert_int_equal(postq_store_log_entries(f->s, f->a.id, LOG_N - 1, 2, &b), POSTQ_E_NOT_FOUND);
    postq_buf_free(&b);

    /* Rows know their leaf; a signature stored without an entry has none. */
    memset(&got, 0, sizeof(got));
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, ids[7], &got), POSTQ_OK);
    assert_int_equal(got.log_index, 7);
    postq_store_sig_clear(&got);
    fill_sig(&g, &k, -1);
    assert_int_equal(postq_store_put_signature(f->s, &g, NULL, 0, 0), POSTQ_OK);
    assert_int_equal(g.log_index, -1);
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, g.id, &got), POSTQ_OK);
    assert_int_equal(got.log_index, -1);
    postq_store_sig_clear(&got);

    /* Another organisation's log is its own. */
    assert_int_equal(postq_store_log_size(f->s, f->b.id, &size), POSTQ_OK);
    assert_int_equal(size, 0);
    assert_int_equal(postq_store_log_inclusion(f->s, f->b.id, 1, 0, proof, &n), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_log_entries(f->s, f->b.id, 0, 1, &b), POSTQ_E_NOT_FOUND);
    postq_buf_free(&b);
    postq_store_key_clear(&k);
    free(r);
}

/* A logged sign is all or nothing: a reused counter or a fault leaves neither the signature nor
 * its leaf; a signer failing leaves both, without a checkpoint until the next; the tree stays
 * the signatures'. */
static void test_log_atomic(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_sig g;
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    char entry[96];
    int64_t size = 0;
    long nth;
    postq_err err;

    assert_non_null(r);
    make_key(f->s, f->a.id, NULL, &k);
    log_entry_text(entry, sizeof(entry), "x", 0);
    /* No signer: refused before anything is written. */
    assert_int_equal(put_logged(f->s, &k, 1, entry, &g, r), POSTQ_E_UNSUPPORTED);
    postq_store_set_log_signer(f->s, test_signer, NULL);
    assert_int_equal(put_logged(f->s, &k, 1, entry, &g, r), POSTQ_OK);
    check_receipt(r, f->a.id, entry);

    /* The signer fails after the commit: the signature and its leaf stay (a retry would sign
     * again), the receipt has no checkpoint and says why; the next sign's covers both. */
    __atomic_store_n(&signer_broken, 1, __ATOMIC_SEQ_CST);
    log_entry_text(entry, sizeof(entry), "x", 1);
    assert_int_equal(put_logged(f->s, &k, 2, entry, &g, r), POSTQ_OK);
    assert_int_equal(r->index, 1);
    assert_int_equal(r->note_len, 0);
    assert_int_equal(r->size, 0);
    assert_non_null(strstr(postq_store_errmsg(), "test: the signer is broken"));
    __atomic_store_n(&signer_broken, 0, __ATOMIC_SEQ_CST);
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 2);
    assert_int_equal(postq_store_log_size(f->s, f->a.id, &size), POSTQ_OK);
    assert_int_equal(size, 2);

    /* The counter already recorded: no signature, no leaf. */
    assert_int_equal(put_logged(f->s, &k, 1, entry, &g, r), POSTQ_E_CONFLICT);
    assert_int_equal(postq_store_log_size(f->s, f->a.id, &size), POSTQ_OK);
    assert_int_equal(size, 2);

    /* A fault at each store operation of a logged sign in turn, until one gets through: the
     * tree and its proof are computed before the COMMIT and the checkpoint is signed during it,
     * so a fault leaves nothing stored, and a sign that is stored has its checkpoint. */
    for (nth = 1;; nth++) {
        postq_store_fail_at(nth);
        log_entry_text(entry, sizeof(entry), "f", (int)nth);
        err = put_logged(f->s, &k, 100 + nth, entry, &g, r);
        postq_store_fail_at(0);
        assert_int_equal(postq_store_log_size(f->s, f->a.id, &size), POSTQ_OK);
        if (err == POSTQ_OK) {
            assert_true(r->note_len > 0);
            check_receipt(r, f->a.id, entry);
            assert_int_equal(size, 3);
            assert_int_equal(count_sigs(f->s, f->a.id, NULL), 3);
            assert_int_equal(r->size, 3); /* it covers the uncovered one too */
            break;
        }
        assert_int_equal(err, POSTQ_E_IO);
        assert_int_equal(size, 2);
        assert_int_equal(count_sigs(f->s, f->a.id, NULL), 2);
        assert_true(nth < 200);
    }
    assert_true(nth > 3); /* the faults did hit the log's own statements */
    postq_store_key_clear(&k);
    free(r);
}

/* A second handle on f's store (*s2), both handles logging with the test signer, and a key of
 * organisation a to sign with (*k). */
static void second_logging_handle(struct fx *f, struct postq_store **s2, struct postq_store_key *k)
{
    assert_int_equal(postq_store_open(f->url, s2), POSTQ_OK);
    postq_store_set_log_signer(f->s, test_signer, NULL);
    postq_store_set_log_signer(*s2, test_signer, NULL);
    make_key(f->s, f->a.id, NULL, k);
}

/* Two handles on one database (two processes on one SQLite file, two API nodes on one
 * PostgreSQL) appending in turn: each finds the tree the other left (a handle's cached right
 * edge is checked against the stored tree), every receipt verifies, and the final tree is the
 * entries' in order. */
static void test_log_two_handles(void **state)
{
    struct fx *f = *state;
    struct postq_store *s2 = NULL;
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    struct postq_store_key k;
    struct postq_store_sig g;
    postq_merkle_hash leaves[12], root;
    char entry[96];

    assert_non_null(r);
    second_logging_handle(f, &s2, &k);
    for (int i = 0; i < 12; i++) {
        /* 0, 1 on the first, 2 on the second, 3, 4 on the first…: runs of both lengths. */
        struct postq_store *s = i % 3 == 2 ? s2 : f->s;
        log_entry_text(entry, sizeof(entry), "h", i);
        assert_int_equal(put_logged(s, &k, -1, entry, &g, r), POSTQ_OK);
        assert_int_equal(r->index, i);
        check_receipt(r, f->a.id, entry);
        assert_int_equal(postq_merkle_leaf_hash(leaves[i], (const uint8_t *)entry, strlen(entry)),
                         POSTQ_OK);
        assert_int_equal(postq_merkle_root(root, leaves, (size_t)i + 1), POSTQ_OK);
        assert_memory_equal(r->root, root, 32);
    }
    postq_store_close(s2);
    postq_store_key_clear(&k);
    free(r);
}

/* A log rolled back under a running handle to a tree of the size that handle last committed,
 * with another last leaf (a database restored from a backup, then appended to by another
 * node): the handle's next append must not build on the tree it remembers. Its proof and the
 * root it returns are checked against the tree of the entries the database now holds. */
static void test_log_rolled_back(void **state)
{
    struct fx *f = *state;
    struct postq_store *s2 = NULL;
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    struct postq_store_key k;
    struct postq_store_sig g;
    postq_merkle_hash leaves[5], root;
    char entry[96], sql[1024];
    const char *order[5] = {"r0", "r1", "r2", "r2-restored", "r3"};

    assert_non_null(r);
    second_logging_handle(f, &s2, &k);
    for (int i = 0; i < 3; i++) {
        snprintf(entry, sizeof(entry), "postq-log-entry/v1\nsignature %s\n", order[i]);
        assert_int_equal(put_logged(f->s, &k, -1, entry, &g, r), POSTQ_OK);
        assert_int_equal(r->index, i);
    }
    /* Back to the tree of two leaves: leaf 2's rows and the checkpoints after it go. */
    if (backend->file_based) {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM signatures WHERE org_id = '%s' AND log_index = 2;"
                 "DELETE FROM log_nodes WHERE org_id = '%s' AND level = 0 AND idx = 2;"
                 "DELETE FROM log_checkpoints WHERE org_id = '%s' AND size > 2;",
                 f->a.id, f->a.id, f->a.id);
    } else {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM signatures WHERE org_id = '%s' AND log_index = 2;"
                 "DELETE FROM log_entries WHERE org_id = '%s' AND idx = 2;"
                 "DELETE FROM log_nodes WHERE org_id = '%s' AND level = 0 AND idx = 2;"
                 "DELETE FROM log_checkpoints WHERE org_id = '%s' AND size > 2;"
                 "UPDATE logs SET size = 2, root = (SELECT hash FROM log_nodes WHERE "
                 "org_id = '%s' AND level = 1 AND idx = 0) WHERE org_id = '%s';",
                 f->a.id, f->a.id, f->a.id, f->a.id, f->a.id, f->a.id);
    }
    assert_int_equal(raw_exec(f->url, sql), 0);
    /* Another handle appends a different third leaf: the size is 3 again. */
    snprintf(entry, sizeof(entry), "postq-log-entry/v1\nsignature %s\n", order[3]);
    assert_int_equal(put_logged(s2, &k, -1, entry, &g, r), POSTQ_OK);
    assert_int_equal(r->index, 2);
    /* The first handle's next leaf goes on the tree the database holds. */
    snprintf(entry, sizeof(entry), "postq-log-entry/v1\nsignature %s\n", order[4]);
    assert_int_equal(put_logged(f->s, &k, -1, entry, &g, r), POSTQ_OK);
    assert_int_equal(r->index, 3);
    for (int i = 0, j = 0; i < 5; i++) {
        if (i == 2) {
            continue; /* rolled back */
        }
        snprintf(entry, sizeof(entry), "postq-log-entry/v1\nsignature %s\n", order[i]);
        assert_int_equal(postq_merkle_leaf_hash(leaves[j++], (const uint8_t *)entry, strlen(entry)),
                         POSTQ_OK);
    }
    assert_int_equal(postq_merkle_root(root, leaves, 4), POSTQ_OK);
    assert_int_equal(r->size, 4);
    assert_memory_equal(r->root, root, 32);
    check_receipt(r, f->a.id, entry);
    /* And the tree both handles read back is that one. */
    assert_int_equal(postq_store_log_size(s2, f->a.id, &r->size), POSTQ_OK);
    assert_int_equal(r->size, 4);
    postq_store_close(s2);
    postq_store_key_clear(&k);
    free(r);
}

/* A checkpoint row lost (a crash between a sign's answer and its row): after a restart the
 * newest checkpoint read is signed anew for the whole committed tree, never an older one. */
static void test_log_restart(void **state)
{
    struct fx *f = *state;
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    struct postq_store_checkpoint cp;
    struct postq_store_key k;
    struct postq_store_sig g;
    postq_merkle_hash leaves[3], root;
    char entry[96], sql[256];

    assert_non_null(r);
    postq_store_set_log_signer(f->s, test_signer, NULL);
    make_key(f->s, f->a.id, NULL, &k);
    for (int i = 0; i < 3; i++) {
        log_entry_text(entry, sizeof(entry), "r", i);
        assert_int_equal(put_logged(f->s, &k, -1, entry, &g, r), POSTQ_OK);
        assert_int_equal(postq_merkle_leaf_hash(leaves[i], (const uint8_t *)entry, strlen(entry)),
                         POSTQ_OK);
    }
    postq_store_close(f->s);
    f->s = NULL;
    snprintf(sql, sizeof(sql), "DELETE FROM log_checkpoints WHERE org_id = '%s' AND size > 1",
             f->a.id);
    assert_int_equal(raw_exec(f->url, sql), 0);
    assert_int_equal(postq_store_open(f->url, &f->s), POSTQ_OK);
    /* Without a signer only the stored rows can be read. */
    assert_int_equal(postq_store_checkpoint_latest(f->s, f->a.id, &cp), POSTQ_OK);
    assert_int_equal(cp.size, 1);
    postq_store_checkpoint_clear(&cp);
    postq_store_set_log_signer(f->s, test_signer, NULL);
    assert_int_equal(postq_store_checkpoint_latest(f->s, f->a.id, &cp), POSTQ_OK);
    assert_int_equal(cp.size, 3);
    assert_int_equal(postq_merkle_root(root, leaves, 3), POSTQ_OK);
    assert_memory_equal(cp.root, root, 32);
    check_note(cp.note, strlen(cp.note), f->a.id, 3, root);
    postq_store_checkpoint_clear(&cp);
    postq_store_key_clear(&k);
    free(r);
}

/* A blob literal of b[0..n) in the backend's dialect. */
static void sql_blob(char *out, size_t cap, const uint8_t *b, size_t n)
{
    int sqlite = strncmp(backend->name, "sqlite", 6) == 0;
    size_t o = (size_t)snprintf(out, cap, "%s", sqlite ? "x'" : "'\\x");
    for (size_t i = 0; i < n && o + 3 < cap; i++) {
        o += (size_t)snprintf(out + o, cap - o, "%02x", b[i]);
    }
    snprintf(out + o, cap - o, "%s", sqlite ? "'" : "'::bytea");
}

/* A database at schema 4 whose log holds one leaf opens with that log whole (SQLite's
 * migration 5 moves the entry into its signature's row): its size, its entry, its node, and
 * the next sign's leaf and proof against the tree of both. */
static void test_log_upgrade(void **state)
{
    struct fx *f = *state;
    const char *org = "org_00000000000000000000000001";
    const char *old_entry = "postq-log-entry/v1\nsignature sig_00000000000000000000000001\n";
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    struct postq_store_key k;
    struct postq_store_sig g;
    struct postq_buf b;
    postq_merkle_hash leaves[2], root;
    uint8_t node[32];
    char entry[96], e_hex[300], l_hex[100], sql[1024];
    int64_t version = 0, size = 0;

    assert_non_null(r);
    old_database(f, 4);
    assert_int_equal(postq_merkle_leaf_hash(leaves[0], (const uint8_t *)old_entry,
                                            strlen(old_entry)),
                     POSTQ_OK);
    sql_blob(e_hex, sizeof(e_hex), (const uint8_t *)old_entry, strlen(old_entry));
    sql_blob(l_hex, sizeof(l_hex), leaves[0], 32);
    snprintf(sql, sizeof(sql),
             "UPDATE signatures SET log_index = 0 WHERE id = 'sig_00000000000000000000000001';"
             "INSERT INTO log_entries VALUES ('%s', 0, 'sig_00000000000000000000000001', %s);"
             "INSERT INTO logs VALUES ('%s', 1);"
             "INSERT INTO log_nodes VALUES ('%s', 0, 0, %s);",
             org, e_hex, org, org, l_hex);
    assert_int_equal(raw_exec(f->url, sql), 0);

    if (postq_store_open(f->url, &f->s) != POSTQ_OK) {
        fail_msg("open and upgrade: %s", postq_store_errmsg());
    }
    assert_int_equal(postq_store_schema_version(f->s, &version), POSTQ_OK);
    assert_int_equal(version, backend->schema_version);
    assert_int_equal(postq_store_log_size(f->s, org, &size), POSTQ_OK);
    assert_int_equal(size, 1);
    postq_buf_init(&b, 1024);
    assert_int_equal(postq_store_log_entries(f->s, org, 0, 1, &b), POSTQ_OK);
    assert_int_equal(b.len, 2 + strlen(old_entry));
    assert_memory_equal(b.p + 2, old_entry, strlen(old_entry));
    postq_buf_free(&b);
    assert_int_equal(postq_store_log_nodes(f->s, org, 0, 0, 1, node), POSTQ_OK);
    assert_memory_equal(node, leaves[0], 32);

    /* The next sign extends that tree. */
    postq_store_set_log_signer(f->s, test_signer, NULL);
    assert_int_equal(postq_store_key_get(f->s, org, "key_00000000000000000000000001", &k),
                     POSTQ_OK);
    log_entry_text(entry, sizeof(entry), "u", 1);
    assert_int_equal(put_logged(f->s, &k, -1, entry, &g, r), POSTQ_OK);
    assert_int_equal(r->index, 1);
    check_receipt(r, org, entry);
    assert_int_equal(postq_merkle_leaf_hash(leaves[1], (const uint8_t *)entry, strlen(entry)),
                     POSTQ_OK);
    assert_int_equal(postq_merkle_root(root, leaves, 2), POSTQ_OK);
    assert_memory_equal(r->root, root, 32);
    postq_store_key_clear(&k);
    free(r);
}

#define LOG_THREADS 4
#define LOG_PER_THREAD 25

struct log_worker {
    struct postq_store *s;
    const struct postq_store_key *key;
    const char *org;
    int t;
    int ok;
    int refused; /* signs with a counter already used, refused as a conflict */
    int64_t index[LOG_PER_THREAD];
};

static void *log_work(void *arg)
{
    struct log_worker *w = arg;
    struct postq_store_log_receipt *r = malloc(sizeof(*r));
    struct postq_store_sig g;
    char entry[96];
    if (r == NULL) {
        return NULL;
    }
    for (int i = 0; i < LOG_PER_THREAD; i++) {
        postq_err err;
        log_entry_text(entry, sizeof(entry), w->key->id, w->t * 1000 + i);
        err = put_logged(w->s, w->key, w->t * 1000 + i, entry, &g, r);
        if (err == POSTQ_OK &&
            r->index >= 0 && r->index < r->size) {
            postq_merkle_hash leaf;
            w->index[i] = r->index;
            /* Checked here without cmocka's asserts (not thread-safe): counted instead. */
            if (postq_merkle_leaf_hash(leaf, (const uint8_t *)entry, strlen(entry)) == POSTQ_OK &&
                postq_merkle_verify_inclusion(leaf, (uint64_t)r->index, (uint64_t)r->size,
                                              (const postq_merkle_hash *)r->proof, r->proof_len,
                                              r->root) == POSTQ_OK) {
                w->ok++;
            }
        }
        if (err == POSTQ_OK && i % 5 == 4) {
            /* The same counter again, in whatever batch it lands: refused alone, no leaf. */
            log_entry_text(entry, sizeof(entry), "dup", w->t * 1000 + i);
            if (put_logged(w->s, w->key, w->t * 1000 + i, entry, &g, r) == POSTQ_E_CONFLICT) {
                w->refused++;
            }
        }
    }
    free(r);
    return NULL;
}

/* Concurrent logged signs (grouped into batches by both backends, one batch at a time on the
 * log's row on PostgreSQL), under a signer slower than the commits, every fifth followed by a
 * sign that reuses its counter: every leaf index handed out once, every proof good, each reuse
 * refused alone (a batch it lands in commits the others), fewer checkpoints than signs (the
 * batches committed while one is being signed share the next), and the final tree is the
 * entries'. */
static void test_log_concurrent(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct log_worker w[LOG_THREADS];
    pthread_t th[LOG_THREADS];
    unsigned char seen[LOG_THREADS * LOG_PER_THREAD];
    struct postq_store_checkpoint cp;
    struct postq_buf b;
    postq_merkle_hash *leaves = calloc(LOG_THREADS * LOG_PER_THREAD, sizeof(*leaves)), root;
    long signed0 = tl_log_signed();
    size_t off = 0;

    assert_non_null(leaves);
    postq_store_set_log_signer(f->s, test_signer, NULL);
    make_key(f->s, f->a.id, NULL, &k);
    __atomic_store_n(&signer_slow, 1, __ATOMIC_SEQ_CST);
    for (int t = 0; t < LOG_THREADS; t++) {
        memset(&w[t], 0, sizeof(w[t]));
        w[t] = (struct log_worker){f->s, &k, f->a.id, t, 0, 0, {0}};
        assert_int_equal(pthread_create(&th[t], NULL, log_work, &w[t]), 0);
    }
    memset(seen, 0, sizeof(seen));
    for (int t = 0; t < LOG_THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].ok, LOG_PER_THREAD);
        assert_int_equal(w[t].refused, LOG_PER_THREAD / 5);
        for (int i = 0; i < LOG_PER_THREAD; i++) {
            assert_true(w[t].index[i] >= 0 && w[t].index[i] < LOG_THREADS * LOG_PER_THREAD);
            assert_int_equal(seen[w[t].index[i]], 0);
            seen[w[t].index[i]] = 1;
        }
    }
    __atomic_store_n(&signer_slow, 0, __ATOMIC_SEQ_CST);
    /* Batches committed while a checkpoint was being signed share the next one. */
    assert_true(tl_log_signed() - signed0 < LOG_THREADS * LOG_PER_THREAD);
    /* The tree of the latest checkpoint is the stored entries', in order. */
    assert_int_equal(postq_store_checkpoint_latest(f->s, f->a.id, &cp), POSTQ_OK);
    assert_int_equal(cp.size, LOG_THREADS * LOG_PER_THREAD);
    postq_buf_init(&b, 1 << 20);
    assert_int_equal(postq_store_log_entries(f->s, f->a.id, 0, LOG_THREADS * LOG_PER_THREAD, &b),
                     POSTQ_OK);
    for (int i = 0; i < LOG_THREADS * LOG_PER_THREAD; i++) {
        size_t len = (size_t)b.p[off] << 8 | b.p[off + 1];
        assert_int_equal(postq_merkle_leaf_hash(leaves[i], b.p + off + 2, len), POSTQ_OK);
        off += 2 + len;
    }
    assert_int_equal(postq_merkle_root(root, leaves, LOG_THREADS * LOG_PER_THREAD), POSTQ_OK);
    assert_memory_equal(cp.root, root, 32);
    postq_store_checkpoint_clear(&cp);
    postq_buf_free(&b);
    postq_store_key_clear(&k);
    free(leaves);
}

static void test_argument_checks(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k, kout;
    struct postq_store_sig g;
    struct postq_store_policy pin, pout;
    struct postq_store_apikey ak;
    char name[POSTQ_STORE_NAME_MAX + 8];
    uint8_t h[32] = {0};
    int seen;

    make_key(f->s, f->a.id, NULL, &k);

    /* Names one byte too long. */
    memset(name, 'x', sizeof(name));
    name[POSTQ_STORE_NAME_MAX] = '\0';
    assert_int_equal(postq_store_apikey_create(f->s, f->a.id, name, POSTQ_STORE_ROLE_ADMIN, h, &ak),
                     POSTQ_E_TOO_LARGE);
    /* A fixed field that is not NUL-terminated. */
    memset(&pin, 0, sizeof(pin));
    memset(pin.name, 'x', sizeof(pin.name));
    strcpy(pin.vendor, "mock");
    pin.body = "{}";
    assert_int_equal(postq_store_policy_create(f->s, f->a.id, &pin, &pout), POSTQ_E_ARG);
    pin.name[0] = '\0';
    pin.enforce = 2;
    assert_int_equal(postq_store_policy_create(f->s, f->a.id, &pin, &pout), POSTQ_E_ARG);
    pin.enforce = 0;
    pin.body = NULL;
    assert_int_equal(postq_store_policy_create(f->s, f->a.id, &pin, &pout), POSTQ_E_ARG);

    /* A key without key material. */
    memset(&kout, 0, sizeof(kout));
    assert_int_equal(postq_store_key_create(f->s, f->a.id, &kout, &kout), POSTQ_E_ARG);

    /* Sign results: no signature bytes; an attestation without a verdict; a counter to record
     * without a module. */
    fill_sig(&g, &k, 1);
    g.signature.len = 0;
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-1", 1, 1), POSTQ_E_ARG);
    fill_sig(&g, &k, 1);
    g.att.verdict = POSTQ_STORE_VERDICT_NONE;
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-1", 1, 1), POSTQ_E_ARG);
    fill_sig(&g, &k, 1);
    assert_int_equal(postq_store_put_signature(f->s, &g, NULL, 1, 1), POSTQ_E_ARG);
    assert_int_equal(postq_store_put_signature(f->s, &g, "", 1, 1), POSTQ_E_ARG);
    memset(name, 'm', sizeof(name));
    name[POSTQ_STORE_MODULE_MAX] = '\0';
    assert_int_equal(postq_store_put_signature(f->s, &g, name, 1, 1), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_store_counter_seen(f->s, name, 1, &seen), POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_store_counter_seen(f->s, "", 1, &seen), POSTQ_E_ARG);
    assert_int_equal(postq_store_counter_seen(f->s, "mod-1", 1, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_store_put_signature(NULL, &g, "mod-1", 1, 1), POSTQ_E_ARG);
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 0);
    assert_int_equal(postq_store_counter_seen(f->s, "mod-1", 1, &seen), POSTQ_OK);
    assert_int_equal(seen, 0);

    /* NULL handles and records. */
    assert_int_equal(postq_store_health(NULL), POSTQ_E_ARG);
    assert_int_equal(postq_store_org_create(f->s, "x", NULL), POSTQ_E_ARG);
    assert_int_equal(postq_store_sig_get(f->s, f->a.id, NULL, &g), POSTQ_E_ARG);
    postq_store_sig_clear(NULL);
    postq_store_key_clear(NULL);
    postq_store_policy_clear(NULL);
    postq_store_sig_page_clear(NULL);
    postq_store_key_clear(&k);
}

/* ---- opening ------------------------------------------------------------------------------ */

/* Activity: signatures and refusals counted per bucket, each organisation its own; the newest
 * refusals first; bad arguments refused. */
static void test_activity(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k, kb;
    struct postq_store_sig g;
    struct postq_store_activity_bucket b[4];
    struct postq_store_rejection r[POSTQ_STORE_REJECTIONS_MAX + 5];
    const int64_t t0 = 1764000000000LL, hour = 3600000;
    size_t n = 99;

    make_key(f->s, f->a.id, NULL, &k);
    make_key(f->s, f->b.id, NULL, &kb);
    /* acme: two passing in hour 0, one audit failure in hour 2, one pass before the window. */
    for (int i = 0; i < 4; i++) {
        static const int64_t at[4] = {5, 7, 2 * 3600000 + 1, -1};
        fill_sig(&g, &k, 100 + i);
        g.created_at = t0 + at[i];
        if (i == 2) {
            g.att.verdict = POSTQ_STORE_VERDICT_FAIL;
            strcpy(g.att.reason, "doc_stale");
        }
        assert_int_equal(postq_store_put_signature(f->s, &g, "mod-a", 100 + i, 1), POSTQ_OK);
    }
    /* globex: one pass in hour 0: not acme's. */
    fill_sig(&g, &kb, 200);
    g.created_at = t0 + 9;
    assert_int_equal(postq_store_put_signature(f->s, &g, "mod-b", 200, 1), POSTQ_OK);
    /* acme refusals: hour 1 twice, hour 3 once; one after the window. */
    assert_int_equal(postq_store_rejection_add(f->s, f->a.id, k.id, "image_not_allowed", t0 + hour), POSTQ_OK);
    assert_int_equal(postq_store_rejection_add(f->s, f->a.id, k.id, "doc_stale", t0 + hour + 10), POSTQ_OK);
    assert_int_equal(postq_store_rejection_add(f->s, f->a.id, k.id, "nonce_mismatch", t0 + 3 * hour + 5), POSTQ_OK);
    assert_int_equal(postq_store_rejection_add(f->s, f->a.id, k.id, "doc_stale", t0 + 4 * hour), POSTQ_OK);

    assert_int_equal(postq_store_activity(f->s, f->a.id, t0, hour, 4, b, r, 3, &n), POSTQ_OK);
    assert_int_equal(b[0].signed_ok, 2);
    assert_int_equal(b[0].audit_failed, 0);
    assert_int_equal(b[0].rejected, 0);
    assert_int_equal(b[1].rejected, 2);
    assert_int_equal(b[1].signed_ok, 0);
    assert_int_equal(b[2].audit_failed, 1);
    assert_int_equal(b[2].signed_ok, 0);
    assert_int_equal(b[3].rejected, 1);
    assert_int_equal(n, 3);
    assert_string_equal(r[0].reason, "doc_stale"); /* newest first, the one after the window too */
    assert_int_equal(r[0].created_at, t0 + 4 * hour);
    assert_string_equal(r[1].reason, "nonce_mismatch");
    assert_string_equal(r[2].key_id, k.id);

    /* globex sees only its own. */
    assert_int_equal(postq_store_activity(f->s, f->b.id, t0, hour, 4, b, r, POSTQ_STORE_REJECTIONS_MAX + 5, &n), POSTQ_OK);
    assert_int_equal(b[0].signed_ok, 1);
    assert_int_equal(b[1].rejected, 0);
    assert_int_equal(n, 0);

    /* Arguments. */
    assert_int_equal(postq_store_activity(f->s, f->a.id, t0, hour, 0, b, r, 3, &n), POSTQ_E_ARG);
    assert_int_equal(postq_store_activity(f->s, f->a.id, t0, 999, 4, b, r, 3, &n), POSTQ_E_ARG);
    assert_int_equal(postq_store_activity(f->s, f->a.id, t0, hour, POSTQ_STORE_ACTIVITY_BUCKETS_MAX + 1, b, r, 3, &n), POSTQ_E_ARG);
    assert_int_equal(postq_store_activity(f->s, "org_nope", t0, hour, 4, b, r, 3, &n), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_rejection_add(f->s, f->a.id, k.id, "", t0), POSTQ_E_ARG);
    assert_int_equal(postq_store_rejection_add(f->s, f->a.id, "sig_x", "doc_stale", t0), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_store_rejection_add(f->s, "org_01ZZZZZZZZZZZZZZZZZZZZZZZZ", k.id, "doc_stale", t0), POSTQ_E_NOT_FOUND);
    postq_store_key_clear(&k);
    postq_store_key_clear(&kb);
}

static void test_open_urls(void **state)
{
    struct postq_store *s = (struct postq_store *)state; /* anything non-NULL */
    (void)state;
    /* Both schemes reach libpq: a server that is not there is "cannot be reached". */
    assert_int_equal(postq_store_open("postgres:///postq?host=/nonexistent-postq-dir", &s),
                     POSTQ_E_NETWORK);
    assert_null(s);
    assert_non_null(strstr(postq_store_errmsg(), "cannot be reached"));
    assert_int_equal(postq_store_open("postgresql:///postq?host=/nonexistent-postq-dir", &s),
                     POSTQ_E_NETWORK);
    assert_null(s);
    /* A URI libpq cannot parse, or with a parameter it does not know. */
    assert_int_equal(postq_store_open("postgresql://[::1/postq", &s), POSTQ_E_ARG);
    assert_null(s);
    assert_int_equal(postq_store_open("postgresql:///postq?pool_size=4", &s), POSTQ_E_ARG);
    assert_null(s);
    assert_int_equal(postq_store_open("mysql://x", &s), POSTQ_E_ARG);
    assert_int_equal(postq_store_open("sqlite:", &s), POSTQ_E_ARG);
    assert_int_equal(postq_store_open(NULL, &s), POSTQ_E_ARG);
    assert_int_equal(postq_store_open("sqlite:/tmp/x.db", NULL), POSTQ_E_ARG);
    postq_store_close(NULL);
}

static void test_file_not_a_database(void **state)
{
    struct fx *f = *state;
    static const char *const contents[] = {
        "this is not a database, just some text that is long enough to look like a header....",
        "SQLite format 3", /* a truncated header */
    };
    char path[128];
    struct postq_store *s;

    if (!backend->file_based) {
        return;
    }
    for (size_t i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
        snprintf(path, sizeof(path), "%s/junk%zu.db", f->dir, i);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        for (int r = 0; r < 64; r++) {
            fputs(contents[i], fp);
        }
        fclose(fp);
        char url[160];
        snprintf(url, sizeof(url), "sqlite:%s", path);
        s = (struct postq_store *)f;
        assert_int_equal(postq_store_open(url, &s), POSTQ_E_IO);
        assert_null(s);
        assert_true(strlen(postq_store_errmsg()) > 0);
    }
}

static void test_unwritable_path(void **state)
{
    struct fx *f = *state;
    char url[160];
    struct postq_store *s = NULL;

    if (!backend->file_based) {
        return;
    }
    snprintf(url, sizeof(url), "sqlite:%s/no/such/dir/store.db", f->dir);
    assert_int_equal(postq_store_open(url, &s), POSTQ_E_IO);
    assert_null(s);
    snprintf(url, sizeof(url), "sqlite:%s", f->dir); /* a directory */
    assert_int_equal(postq_store_open(url, &s), POSTQ_E_IO);
    assert_null(s);
    assert_int_equal(postq_store_open("sqlite:/proc/postq-store.db", &s), POSTQ_E_IO);
    assert_null(s);
}

/* Every connection of the store's database is cut (as a PostgreSQL restart or a failover
 * does): the next calls open new ones by themselves, a sign is stored once, nothing is lost. */
static void test_lost_connections(void **state)
{
    struct fx *f = *state;
    struct postq_store_key k;
    struct postq_store_org o;
    char sql[256], db[64], id1[POSTQ_ID_MAX], id2[POSTQ_ID_MAX];

    if (backend->file_based) {
        return;
    }
    make_key(f->s, f->a.id, NULL, &k);
    assert_int_equal(put(f->s, &k, 1, id1), POSTQ_OK);
    pg_dbname(db, sizeof(db), f->dir);
    snprintf(sql, sizeof(sql),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'", db);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(pg_admin(sql), 0);
        usleep(50 * 1000); /* the goodbye reaches the idle sockets */
        assert_int_equal(postq_store_org_get(f->s, f->a.id, &o), POSTQ_OK);
        assert_int_equal(pg_admin(sql), 0);
        usleep(50 * 1000);
        assert_int_equal(put(f->s, &k, 10 + round, id2), POSTQ_OK);
        assert_int_equal(put(f->s, &k, 10 + round, NULL), POSTQ_E_CONFLICT);
    }
    assert_int_equal(count_sigs(f->s, f->a.id, NULL), 4);
    postq_store_key_clear(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_orgs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apikeys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_admin_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_admin_key_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signatures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_version_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_org_scoping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_reuse_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_at_every_operation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_250, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_page_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_append_and_proofs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_two_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argument_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activity, setup, teardown),
        cmocka_unit_test(test_open_urls),
        cmocka_unit_test_setup_teardown(test_file_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_connections, setup, teardown),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        backend = &backends[i];
        failed += cmocka_run_group_tests_name(backends[i].name, tests, NULL, NULL);
    }
    return failed;
}
