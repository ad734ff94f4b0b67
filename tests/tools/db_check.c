/* SPDX-License-Identifier: Apache-2.0 */
/* The checks of `make chaos` on postq-api's SQLite file, read directly after the daemons have
 * stopped: PRAGMA integrity_check and foreign_key_check; no orphan rows (a signature without its
 * key, a claimed counter without its signature, a signature without its organisation); no
 * (moduleId, counter) twice among the stored attestations; and every acknowledged sign of
 * ACKED (lines "sig_id counter", as the load client wrote them for each 200 it got)
 * stored with that counter. Prints one line per check and a summary; exit 0 when
 * every check passed, 1 when one failed, 2 on bad arguments or an unreadable file.
 * --damage first breaks the database on purpose (deletes the first acknowledged signature,
 * stores the newest one's (moduleId, counter) twice, claims a counter for no signature): the
 * negative control that shows the checks can fail.
 *
 *   db_check [--damage] DB [ACKED] */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static int failed;

static void check(int ok, const char *what, long long n)
{
    printf("%s: %s (%lld)\n", ok ? "ok" : "FAILED", what, n);
    failed |= !ok;
}

/* The single integer a query answers (-1 on error). */
static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "db_check: %s: %s\n", sql, sqlite3_errmsg(db));
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static int integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *st;
    int ok = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        return 0;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        ok = t != NULL && strcmp((const char *)t, "ok") == 0;
        if (!ok) {
            fprintf(stderr, "db_check: integrity_check: %s\n", t != NULL ? (const char *)t : "?");
        }
    }
    sqlite3_finalize(st);
    return ok;
}

static long long acked_missing(sqlite3 *db, const char *path, long long *n_acked)
{
    FILE *f = fopen(path, "r");
    sqlite3_stmt *st;
    char id[64];
    long long ctr, missing = 0;

    *n_acked = 0;
    if (f == NULL) {
        perror(path);
        return -1;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM signatures WHERE id = ?1 AND "
                           "att_counter = ?2 AND att_verdict = 'pass'",
                           -1, &st, NULL) != SQLITE_OK) {
        fclose(f);
        return -1;
    }
    while (fscanf(f, "%63s %lld", id, &ctr) == 2) {
        (*n_acked)++;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ctr);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) != 1) {
            fprintf(stderr, "db_check: acknowledged but not stored: %s %lld\n", id, ctr);
            missing++;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    fclose(f);
    return missing;
}

/* The negative control: three kinds of damage, each for a different check. */
static int damage(sqlite3 *db, const char *acked)
{
    char id[64] = "", sql[1024];
    FILE *f = acked != NULL ? fopen(acked, "r") : NULL;

    if (f != NULL) {
        if (fscanf(f, "%63s", id) != 1) {
            id[0] = '\0';
        }
        fclose(f);
    }
    snprintf(sql, sizeof(sql),
             "DELETE FROM enclave_counters WHERE signature_id = '%s';"
             "DELETE FROM signatures WHERE id = '%s';"
             "INSERT INTO signatures SELECT id || 'X', org_id, key_id, key_version, algorithm, "
             "payload_sha256, signature, created_at, att_vendor, att_image_hash, att_module_id, "
             "att_counter, att_doc_b64, att_verdict, att_reason, policy_id, policy_version, NULL, "
             "NULL "
             "FROM signatures "
             "WHERE id = (SELECT max(id) FROM signatures);"
             "INSERT INTO enclave_counters VALUES ('mock-damage', 1, 'sig_none');",
             id, id);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "db_check: --damage: %s\n", sqlite3_errmsg(db));
        return 0;
    }
    printf("damaged on purpose: %s deleted, a counter stored twice, a claim without "
           "signature\n", id[0] != '\0' ? id : "nothing");
    return 1;
}

int main(int argc, char **argv)
{
    sqlite3 *db;
    long long n;
    int broken = argc > 1 && strcmp(argv[1], "--damage") == 0;

    argc -= broken;
    argv += broken;
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: db_check [--damage] DB [ACKED]\n");
        return 2;
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "db_check: %s: %s\n", argv[1], sqlite3_errmsg(db));
        sqlite3_close(db);
        return 2;
    }
    if (broken && !damage(db, argc == 3 ? argv[2] : NULL)) {
        sqlite3_close(db);
        return 2;
    }
    check(integrity_ok(db), "PRAGMA integrity_check", 0);
    n = count(db, "SELECT count(*) FROM pragma_foreign_key_check");
    check(n == 0, "PRAGMA foreign_key_check: no row breaks a foreign key", n);
    n = count(db, "SELECT count(*) FROM signatures s WHERE NOT EXISTS (SELECT 1 FROM hybrid_keys "
                  "k WHERE k.org_id = s.org_id AND k.id = s.key_id)");
    check(n == 0, "no signature without its key", n);
    n = count(db, "SELECT count(*) FROM hybrid_keys k WHERE NOT EXISTS (SELECT 1 FROM orgs o "
                  "WHERE o.id = k.org_id)");
    check(n == 0, "no key without its organisation", n);
    n = count(db, "SELECT count(*) FROM hybrid_keys k WHERE NOT EXISTS (SELECT 1 FROM "
                  "key_versions v WHERE v.key_id = k.id AND v.version = k.version)");
    check(n == 0, "no key without its newest version", n);
    n = count(db, "SELECT count(*) FROM enclave_counters c WHERE NOT EXISTS (SELECT 1 FROM "
                  "signatures s WHERE s.id = c.signature_id)");
    check(n == 0, "no claimed (moduleId, counter) without its signature", n);
    n = count(db, "SELECT count(*) FROM (SELECT 1 FROM signatures WHERE att_module_id IS NOT "
                  "NULL GROUP BY att_module_id, att_counter HAVING count(*) > 1)");
    check(n == 0, "no (moduleId, counter) stored twice", n);
    /* The transparency log: each signature is a leaf (its entry in its row, migration 5),
     * written in the same transaction. */
    n = count(db, "SELECT count(*) FROM signatures WHERE log_index IS NULL OR log_entry IS NULL");
    check(n == 0, "no signature without its log leaf", n);
    n = count(db, "SELECT count(*) FROM (SELECT count(*) AS n, max(log_index) AS m FROM "
                  "signatures WHERE log_index IS NOT NULL GROUP BY org_id) WHERE n <> m + 1");
    check(n == 0, "each log's leaves numbered from 0 without a gap", n);
    n = count(db, "SELECT count(*) FROM log_nodes d WHERE d.level = 0 AND NOT EXISTS (SELECT 1 "
                  "FROM signatures s WHERE s.org_id = d.org_id AND s.log_index = d.idx)");
    check(n == 0, "no leaf hash without its signature", n);
    n = count(db, "SELECT count(*) FROM log_checkpoints c WHERE c.size > coalesce((SELECT "
                  "max(s.log_index) + 1 FROM signatures s WHERE s.org_id = c.org_id), 0)");
    check(n == 0, "no checkpoint of more leaves than its log has", n);
    n = count(db, "SELECT count(*) FROM signatures");
    printf("rows: %lld signatures\n", n);
    if (argc == 3) {
        long long acked = 0, missing = acked_missing(db, argv[2], &acked);
        printf("acknowledged: %lld\n", acked);
        check(missing == 0 && acked > 0, "every acknowledged sign stored, same counter, verdict pass",
              missing);
    }
    sqlite3_close(db);
    printf("%s\n", failed ? "CHECKS FAILED" : "all checks passed");
    return failed ? 1 : 0;
}
