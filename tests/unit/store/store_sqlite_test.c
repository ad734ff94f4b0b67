/* SPDX-License-Identifier: Apache-2.0 */
/* What only the SQLite backend promises, checked by looking into the file with SQLite itself:
 * WAL mode, the migration record, refusal of a newer schema, and a migration that fails half-way
 * leaving nothing behind. The behaviour every backend shares is store_contract_test.c's. */
#include "testlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct fx {
    char dir[64];
    char path[128];
    char url[160];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/postq-sqlite-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
    snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) {
        return -1;
    }
    free(f);
    return 0;
}

/* Run sql on the file directly; returns the first column of the first row as an integer
 * (or -1 when there is no row). */
static long long query(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
    if (rc == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_wal_and_migration_record(void **state)
{
    struct fx *f = *state;
    struct postq_store *s;

    for (int round = 0; round < 3; round++) {
        assert_int_equal(postq_store_open(f->url, &s), POSTQ_OK);
        postq_store_close(s);
    }
    assert_int_equal(query(f->path, "SELECT count(*) FROM schema_migrations"), 5);
    assert_int_equal(query(f->path, "SELECT version FROM schema_migrations WHERE name = "
                                    "'005_log_rows'"),
                     5);
    assert_int_equal(query(f->path, "SELECT version FROM schema_migrations WHERE name = "
                                    "'004_log'"),
                     4);
    assert_int_equal(query(f->path, "SELECT version FROM schema_migrations WHERE name = "
                                    "'001_init'"),
                     1);
    assert_int_equal(query(f->path, "SELECT version FROM schema_migrations WHERE name = "
                                    "'002_activity'"),
                     2);
    assert_int_equal(query(f->path, "SELECT version FROM schema_migrations WHERE name = "
                                    "'003_lifecycle'"),
                     3);
    /* A database of the first release (migration 1 only, from its shipped file, with a row)
     * is brought to 4 on open, its rows kept. (store_contract_test upgrades one of schema 2
     * with keys, policies and signatures, on both backends.) */
    {
        FILE *fp = fopen("src/store/schema/001_init.sql", "rb");
        static char sql[16384];
        size_t n;
        assert_non_null(fp);
        n = fread(sql, 1, sizeof(sql) - 1, fp);
        sql[n] = '\0';
        fclose(fp);
        char side[160];
        assert_int_equal(unlink(f->path), 0);
        snprintf(side, sizeof(side), "%s-wal", f->path);
        (void)unlink(side);
        snprintf(side, sizeof(side), "%s-shm", f->path);
        (void)unlink(side);
        exec(f->path, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, "
                      "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        exec(f->path, sql);
        exec(f->path, "INSERT INTO schema_migrations VALUES (1, '001_init', 1)");
    }
    exec(f->path, "INSERT INTO orgs VALUES ('org_01M0000000000000000000000A', 'old', 1)");
    assert_int_equal(postq_store_open(f->url, &s), POSTQ_OK);
    postq_store_close(s);
    assert_int_equal(query(f->path, "SELECT count(*) FROM schema_migrations"), 5);
    assert_int_equal(query(f->path, "SELECT version FROM schema_migrations WHERE name = "
                                    "'005_log_rows'"),
                     5);
    assert_int_equal(query(f->path, "SELECT count(*) FROM sign_rejections"), 0);
    assert_int_equal(query(f->path, "SELECT count(*) FROM key_versions"), 0);
    assert_int_equal(query(f->path, "SELECT count(*) FROM orgs WHERE name = 'old'"), 1);
    assert_true(query(f->path, "SELECT applied_at FROM schema_migrations") > 0);
    /* WAL mode is a property of the file. */
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_newer_schema_refused(void **state)
{
    struct fx *f = *state;
    struct postq_store *s;

    assert_int_equal(postq_store_open(f->url, &s), POSTQ_OK);
    postq_store_close(s);
    exec(f->path, "INSERT INTO schema_migrations VALUES (999, '999_future', 1)");
    s = (struct postq_store *)f;
    assert_int_equal(postq_store_open(f->url, &s), POSTQ_E_UNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(postq_store_errmsg(), "999"));
}

static void test_failed_migration_leaves_nothing(void **state)
{
    struct fx *f = *state;
    struct postq_store *s = NULL;

    /* Someone else's database with a table of the same name as one of ours, created late in
     * 001_init: the migration fails there, and the tables it made before are rolled back. */
    exec(f->path, "CREATE TABLE signatures (x); INSERT INTO signatures VALUES (42)");
    assert_int_equal(postq_store_open(f->url, &s), POSTQ_E_IO);
    assert_null(s);
    assert_int_equal(query(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'orgs'"), 0);
    assert_int_equal(query(f->path, "SELECT count(*) FROM sqlite_schema "
                                    "WHERE name = 'schema_migrations'"),
                     0);
    assert_int_equal(query(f->path, "SELECT x FROM signatures"), 42);
}

static void test_empty_file_is_a_new_database(void **state)
{
    struct fx *f = *state;
    struct postq_store *s = NULL;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(postq_store_open(f->url, &s), POSTQ_OK);
    assert_int_equal(postq_store_health(s), POSTQ_OK);
    postq_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wal_and_migration_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_is_a_new_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
