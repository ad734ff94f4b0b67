/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite backend ("sqlite:PATH"). The schema is src/store/schema/NNN_*.sql (the tables are
 * documented there), embedded at build time (scripts/embed-sql.sh → migrations.h) and applied
 * at open by the migration runner below.
 *
 * Durability: WAL with synchronous=FULL, so a transaction is on disk when COMMIT returns and
 * a committed row survives a crash or power loss. foreign_keys=ON enforces organisation
 * scoping between tables and the policy-in-use rule (ON DELETE RESTRICT).
 *
 * Threads: the handle keeps a pool of up to POOL_MAX connections, each with its own prepared
 * statements; a call borrows one connection for its duration (a mutex guards only the pool),
 * so readers run in parallel under WAL and writers queue on SQLite's write lock, waiting up to
 * BUSY_TIMEOUT_MS (then POSTQ_E_BUSY). Every write transaction starts with BEGIN IMMEDIATE, so
 * it takes the write lock first and never fails half-way for a lock. Connections are opened
 * with SQLITE_OPEN_NOMUTEX: the pool already gives each connection to one thread at a time.
 * Writers of this process queue on write_lock rather than on SQLite's busy handler, and
 * put_signature commits in groups: signatures that arrive while a commit is under way go into
 * the next one together, so one fsync covers several (make bench-api with every fsync slowed
 * by 2 ms, as on a network volume: 4 concurrent signers went from 384 to 703 signs/s). */
#include "store/backend.h"

#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "common/timefmt.h"

#define POOL_MAX        16
#define BUSY_TIMEOUT_MS 5000

struct migration {
    int version;
    const char *name;
    const char *sql;
};
#include "store/migrations.h"

#define MIGRATIONS_N (sizeof(migrations) / sizeof(migrations[0]))

/* Every statement the backend runs, prepared once per connection on first use. */
enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_VERSION,
    S_WRITE_CHECK,
    S_ORG_INSERT,
    S_ORG_GET,
    S_ORG_LIST,
    S_AK_INSERT,
    S_AK_GET,
    S_AK_LIST,
    S_AK_DELETE,
    S_POL_INSERT,
    S_POL_GET,
    S_POL_LIST,
    S_POL_DELETE,
    S_POL_BOUND,
    S_POL_UNBIND,
    S_POLV_INSERT,
    S_POLV_GET,
    S_POLV_DELETE,
    S_POL_UPDATE,
    S_KEY_INSERT,
    S_KEY_GET,
    S_KEY_LIST,
    S_KEY_EXISTS,
    S_KEY_SIGNER,
    S_KEY_ROTATE,
    S_KEY_DELETE,
    S_KV_INSERT,
    S_KV_LIST,
    S_KV_SET,
    S_KV_STATE,
    S_KV_DESTROY_ALL,
    S_CTR_SEEN,
    S_CTR_INSERT,
    S_SIG_INSERT,
    S_SIG_GET,
    S_SIG_LIST,
    S_SIG_LIST_KEY,
    S_REJ_INSERT,
    S_ACT_SIGS,
    S_ACT_REJS,
    S_REJ_RECENT,
    S_LOG_SIZE,
    S_NODE_GET,
    S_NODE_INSERT,
    S_ENTRIES,
    S_CP_INSERT,
    S_CP_LATEST,
    S_CP_GET,
    S_COUNT
};


/* Lists page by id: "id < cursor", newest first. With no cursor we bind "~", which sorts after
 * every id ("<lowercase prefix>_<digits and capitals>"). */
static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    /* The newest migration's row rewritten with its own values: a commit like any other (the
     * page goes to the WAL and is synced), and no row changes. */
    [S_WRITE_CHECK] = "UPDATE schema_migrations SET applied_at = applied_at "
                      "WHERE version = (SELECT max(version) FROM schema_migrations)",
    [S_ORG_INSERT] = "INSERT INTO orgs (id, name, created_at) VALUES (?1, ?2, ?3)",
    [S_ORG_GET] = "SELECT id, name, created_at FROM orgs WHERE id = ?1",
    [S_ORG_LIST] = "SELECT id, name, created_at FROM orgs WHERE id < ?2 ORDER BY id DESC LIMIT ?3",
    [S_AK_INSERT] = "INSERT INTO api_keys (" AK_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_AK_GET] = "SELECT " AK_COLS " FROM api_keys WHERE id = ?1",
    [S_AK_LIST] = "SELECT " AK_COLS " FROM api_keys WHERE org_id = ?1 AND id < ?2 "
                  "ORDER BY id DESC LIMIT ?3",
    /* One statement, so the count and the delete see the same rows: two admins deleting each
     * other's keys at once cannot both succeed and leave the organisation with none. */
    [S_AK_DELETE] = "DELETE FROM api_keys WHERE org_id = ?1 AND id = ?2 AND (role <> 'admin' OR "
                    "(SELECT count(*) FROM api_keys WHERE org_id = ?1 AND role = 'admin') > 1)",
    [S_POL_INSERT] = "INSERT INTO policies (" POL_COLS ") "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_POL_GET] = "SELECT " POL_COLS " FROM policies WHERE org_id = ?1 AND id = ?2",
    [S_POL_LIST] = "SELECT " POL_COLS " FROM policies WHERE org_id = ?1 AND id < ?2 "
                   "ORDER BY id DESC LIMIT ?3",
    [S_POL_DELETE] = "DELETE FROM policies WHERE org_id = ?1 AND id = ?2",
    [S_POL_BOUND] = "SELECT 1 FROM hybrid_keys WHERE org_id = ?1 AND policy_id = ?2 "
                    "AND deleted_at IS NULL LIMIT 1",
    [S_POL_UNBIND] = "UPDATE hybrid_keys SET policy_id = NULL WHERE org_id = ?1 AND policy_id = ?2 "
                     "AND deleted_at IS NOT NULL",
    [S_POLV_INSERT] =
        "INSERT INTO policy_versions (org_id, policy_id, version, name, vendor, body, "
        "enforce, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_POLV_GET] = "SELECT " POLV_SEL " FROM policies p JOIN policy_versions v "
                   "ON v.policy_id = p.id WHERE p.org_id = ?1 AND p.id = ?2 AND v.version = ?3",
    [S_POLV_DELETE] = "DELETE FROM policy_versions WHERE org_id = ?1 AND policy_id = ?2",
    [S_POL_UPDATE] =
        "UPDATE policies SET name = ?3, body = ?4, enforce = ?5, version = version + 1, "
        "updated_at = ?6 WHERE org_id = ?1 AND id = ?2 AND vendor = ?7 "
        "AND version < ?8 RETURNING version",
    [S_KEY_INSERT] = "INSERT INTO hybrid_keys (" KEY_INSERT_COLS ") "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_KEY_GET] = "SELECT " KEY_SEL " FROM hybrid_keys k JOIN key_versions v "
                  "ON v.key_id = k.id AND v.version = k.version WHERE k.org_id = ?1 AND k.id = ?2",
    [S_KEY_LIST] = "SELECT " KEY_SEL " FROM hybrid_keys k JOIN key_versions v "
                   "ON v.key_id = k.id AND v.version = k.version WHERE k.org_id = ?1 AND k.id < ?2 "
                   "ORDER BY k.id DESC LIMIT ?3",
    [S_KEY_EXISTS] = "SELECT 1 FROM hybrid_keys WHERE org_id = ?1 AND id = ?2",
    /* The version that signs: the newest enabled one (none: NULLs, read as version 0). */
    [S_KEY_SIGNER] = "SELECT " KEY_SEL " FROM hybrid_keys k LEFT JOIN key_versions v "
                     "ON v.key_id = k.id AND v.version = (SELECT max(version) FROM key_versions "
                     "WHERE key_id = k.id AND state = 'enabled') WHERE k.org_id = ?1 AND k.id = ?2",
    [S_KEY_ROTATE] = "UPDATE hybrid_keys SET version = version + 1 WHERE org_id = ?1 AND id = ?2 "
                     "AND deleted_at IS NULL AND version < ?3 RETURNING version",
    [S_KEY_DELETE] = "UPDATE hybrid_keys SET deleted_at = coalesce(deleted_at, ?3) "
                     "WHERE org_id = ?1 AND id = ?2",
    [S_KV_INSERT] = "INSERT INTO key_versions (org_id, key_id, version, public_key, sealed_key, "
                    "state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'enabled', ?6)",
    [S_KV_LIST] = "SELECT " KV_COLS " FROM key_versions WHERE key_id = ?1 ORDER BY version",
    /* A destroyed version stays destroyed; destroying erases the sealed key. */
    [S_KV_SET] = "UPDATE key_versions SET state = ?4, sealed_key = CASE WHEN ?4 = 'destroyed' "
                 "THEN NULL ELSE sealed_key END WHERE org_id = ?1 AND key_id = ?2 AND version = ?3 "
                 "AND (state <> 'destroyed' OR ?4 = 'destroyed')",
    [S_KV_STATE] =
        "SELECT state FROM key_versions WHERE org_id = ?1 AND key_id = ?2 AND version = ?3",
    [S_KV_DESTROY_ALL] = "UPDATE key_versions SET state = 'destroyed', sealed_key = NULL "
                         "WHERE org_id = ?1 AND key_id = ?2",
    [S_CTR_SEEN] = "SELECT 1 FROM enclave_counters WHERE module_id = ?1 AND counter = ?2",
    [S_CTR_INSERT] = "INSERT INTO enclave_counters (module_id, counter, signature_id) "
                     "VALUES (?1, ?2, ?3)",
    [S_SIG_INSERT] =
        "INSERT INTO signatures (" SIG_COLS ", log_entry) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
        "?19)",
    [S_SIG_GET] = "SELECT " SIG_COLS " FROM signatures WHERE org_id = ?1 AND id = ?2",
    [S_SIG_LIST] = "SELECT " SIG_COLS " FROM signatures WHERE org_id = ?1 AND id < ?2 "
                   "ORDER BY id DESC LIMIT ?3",
    [S_SIG_LIST_KEY] = "SELECT " SIG_COLS " FROM signatures WHERE org_id = ?1 AND key_id = ?4 "
                       "AND id < ?2 ORDER BY id DESC LIMIT ?3",
    [S_REJ_INSERT] = "INSERT INTO sign_rejections (org_id, key_id, reason, created_at) "
                     "VALUES (?1, ?2, ?3, ?4)",
    /* Per bucket ?3 ms wide from ?2, up to ?4 (exclusive): stored signatures, failed ones. */
    [S_ACT_SIGS] = "SELECT (created_at - ?2) / ?3, count(*), "
                   "coalesce(sum(att_verdict = 'fail'), 0) FROM signatures "
                   "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?4 GROUP BY 1",
    [S_ACT_REJS] = "SELECT (created_at - ?2) / ?3, count(*) FROM sign_rejections "
                   "WHERE org_id = ?1 AND created_at >= ?2 AND created_at < ?4 GROUP BY 1",
    [S_REJ_RECENT] = "SELECT key_id, reason, created_at FROM sign_rejections WHERE org_id = ?1 "
                     "ORDER BY created_at DESC, id DESC LIMIT ?2",
    /* The largest leaf, from the end of signatures_log (migration 5). */
    [S_LOG_SIZE] = "SELECT max(log_index) + 1 FROM signatures "
                   "WHERE org_id = ?1 AND log_index IS NOT NULL",
    /* Keyed by the last leaf a node covers (migration 5): ?4 is ((idx + 1) << level) - 1. */
    [S_NODE_GET] = "SELECT hash FROM log_nodes WHERE org_id = ?1 AND last_leaf = ?4 AND "
                   "level = ?2 AND idx = ?3",
    [S_NODE_INSERT] = "INSERT INTO log_nodes (org_id, level, idx, hash, last_leaf) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_ENTRIES] = "SELECT log_index, log_entry FROM signatures WHERE org_id = ?1 "
                  "AND log_index >= ?2 AND log_index < ?3 ORDER BY log_index",
    [S_CP_INSERT] = "INSERT INTO log_checkpoints (org_id, size, root, note, created_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (org_id, size) DO NOTHING",
    [S_CP_LATEST] = "SELECT size, root, note, created_at FROM log_checkpoints "
                    "WHERE org_id = ?1 ORDER BY size DESC LIMIT 1",
    [S_CP_GET] = "SELECT size, root, note, created_at FROM log_checkpoints "
                 "WHERE org_id = ?1 AND size = ?2",
};

/* An organisation's tree as this process last committed it: its size and the roots of the
 * perfect subtrees of size's binary decomposition (node[L] for each bit L of size: leaves
 * [size - (size mod 2^(L+1)), … + 2^L)), so that a batch appends, and computes its root and
 * its leaves' proofs, without reading stored nodes. A transaction uses it only when logs.size
 * says nobody else appended since (another process may share the file). */
struct log_edge {
    char org_id[POSTQ_ID_MAX];
    int64_t size;
    postq_merkle_hash node[64];
    struct log_edge *next;
};

/* Where a transaction reads a node it does not hold: its connection, the organisation. */
struct node_ctx {
    struct conn *c;
    const char *org_id;
};

/* One organisation's tree inside a batch's transaction: the nodes it may need (the edge it
 * started from, then every node the batch's appends stored; others are read through nc), its
 * size so far. */
struct tx_log {
    const char *org_id;
    int64_t base, size;
    struct postq_store_known k;
    struct node_ctx nc;
    struct tx_log *next;
};

/* One put_signature waiting for (or in) a group commit. */
struct gc_item {
    struct postq_store_gc_item gc; /* first: the queue's link */
    const struct postq_store_sig *sig;
    const char *module_id;
    int64_t counter;
    int record_counter;
    const uint8_t *entry; /* NULL: not logged */
    size_t entry_len;
    struct postq_store_log_receipt *receipt;
    int64_t log_index;
    struct tx_log *tx; /* its organisation's tree in the batch's transaction */
    int presigned; /* the first of its organisation's logged items: its tree was presigned */
    postq_err result; /* tentative until answered */
    char msg[200];    /* the failure's detail, for the caller's thread */
};

static struct gc_item *item_next(const struct gc_item *it)
{
    return (struct gc_item *)it->gc.next;
}

struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
    struct conn *next_free;
};

struct sqlite_store {
    struct postq_store base; /* first: the handle the front sees */
    char *path;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_mutex_t write_lock; /* one writer of this process at a time (see WITH_WRITER) */
    /* Group commit of put_signature (see there): signatures waiting for the next commit. */
    pthread_mutex_t gc_lock;
    pthread_cond_t gc_cond;
    struct postq_store_gc gc;
    struct log_edge *edges; /* the logs' right edges as last committed here (write_lock) */
    struct conn *all[POOL_MAX];
    size_t n_all; /* connections open or being opened */
    struct conn *free_list;
};

static struct sqlite_store *impl(struct postq_store *s)
{
    return (struct sqlite_store *)s;
}

/* ---- errors ------------------------------------------------------------------------------- */

/* Map a failed SQLite result; constraint violations are mapped by the caller, who knows which
 * constraint a statement can break. */
static postq_err fail(sqlite3 *db, int rc, const char *what)
{
    postq_store_set_errmsg("sqlite: %s: %s", what,
                           db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return POSTQ_E_BUSY;
    case SQLITE_NOMEM:
        return POSTQ_E_NOMEM;
    case SQLITE_TOOBIG:
        return POSTQ_E_TOO_LARGE;
    default:
        return POSTQ_E_IO;
    }
}

/* ---- connections -------------------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(c->stmt[i]);
    }
    sqlite3_close(c->db);
    postq_free(c);
}

/* One statement with no result we need, run outside the fault hook (connection setup). */
static postq_err exec_plain(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? POSTQ_OK : fail(db, rc, sql);
}

static postq_err conn_open(const char *path, struct conn **out)
{
    struct conn *c;
    sqlite3_stmt *st = NULL;
    postq_err err;
    int rc;

    *out = NULL;
    c = postq_calloc(1, sizeof(*c));
    if (c == NULL) {
        return POSTQ_E_NOMEM;
    }
    rc = sqlite3_open_v2(path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err = rc == SQLITE_NOMEM ? POSTQ_E_NOMEM : POSTQ_E_IO;
        postq_store_set_errmsg("sqlite: cannot open %s: %s", path,
                               c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);

    /* The first statement reads the file: a file that is not a database fails here. */
    rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        err = fail(c->db, rc, "PRAGMA journal_mode=WAL");
        err = err == POSTQ_E_BUSY ? err : POSTQ_E_IO;
        goto out;
    }
    if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        postq_store_set_errmsg("sqlite: %s: cannot switch to WAL mode", path);
        err = POSTQ_E_IO;
        goto out;
    }
    /* secure_delete: a destroyed key version's sealed key is overwritten in the file, not
     * just unlinked from its page. */
    err = exec_plain(c->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                            "PRAGMA trusted_schema=OFF; PRAGMA secure_delete=ON");
out:
    sqlite3_finalize(st);
    if (err != POSTQ_OK) {
        conn_close(c);
        return err;
    }
    *out = c;
    return POSTQ_OK;
}

/* Borrow a connection (opening one while the pool is not full) / give it back. */
static postq_err acquire(struct sqlite_store *st, struct conn **out)
{
    struct conn *c;
    postq_err err;

    pthread_mutex_lock(&st->lock);
    while (st->free_list == NULL && st->n_all == POOL_MAX) {
        pthread_cond_wait(&st->cond, &st->lock);
    }
    if (st->free_list != NULL) {
        c = st->free_list;
        st->free_list = c->next_free;
        pthread_mutex_unlock(&st->lock);
        *out = c;
        return POSTQ_OK;
    }
    st->n_all++; /* reserve the slot, open outside the lock */
    pthread_mutex_unlock(&st->lock);

    err = conn_open(st->path, &c);

    pthread_mutex_lock(&st->lock);
    if (err != POSTQ_OK) {
        st->n_all--;
        pthread_cond_signal(&st->cond);
    } else {
        for (size_t i = 0; i < POOL_MAX; i++) {
            if (st->all[i] == NULL) {
                st->all[i] = c;
                break;
            }
        }
        *out = c;
    }
    pthread_mutex_unlock(&st->lock);
    return err;
}

static void release(struct sqlite_store *st, struct conn *c)
{
    pthread_mutex_lock(&st->lock);
    c->next_free = st->free_list;
    st->free_list = c;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

/* ---- statements --------------------------------------------------------------------------- */

/* The connection's statement id, ready to bind; counts one store operation (fault hook). */
static postq_err stmt(struct conn *c, enum stmt_id id, sqlite3_stmt **out)
{
    postq_err err = postq_store_fault_tick();
    *out = NULL;
    if (err != POSTQ_OK) {
        return err;
    }
    if (c->stmt[id] == NULL) {
        int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->stmt[id], NULL);
        if (rc != SQLITE_OK) {
            return fail(c->db, rc, "prepare");
        }
    }
    *out = c->stmt[id];
    return POSTQ_OK;
}

static void done(sqlite3_stmt *st)
{
    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* Step once: *row is 1 for a row, 0 when done. */
static postq_err step(struct conn *c, sqlite3_stmt *st, int *row, int *rc_out)
{
    int rc = sqlite3_step(st);
    if (rc_out != NULL) {
        /* The extended code names the constraint that failed. */
        *rc_out = rc == SQLITE_ROW || rc == SQLITE_DONE ? rc : sqlite3_extended_errcode(c->db);
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *row = rc == SQLITE_ROW;
        return POSTQ_OK;
    }
    *row = 0;
    return fail(c->db, rc, "step");
}

/* Run a statement with no result to the end. */
static postq_err run(struct conn *c, sqlite3_stmt *st, int *rc_out)
{
    int row;
    postq_err err = step(c, st, &row, rc_out);
    done(st);
    return err;
}

static postq_err run_id(struct conn *c, enum stmt_id id)
{
    sqlite3_stmt *st;
    postq_err err = stmt(c, id, &st);
    if (err == POSTQ_OK) {
        err = run(c, st, NULL);
    }
    return err;
}

/* Undo an open transaction; never fault-injected, and safe when none is open. */
static void rollback(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

static postq_err bind_text(sqlite3_stmt *st, int i, const char *s)
{
    int rc = s == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? POSTQ_OK : POSTQ_E_NOMEM;
}

static postq_err bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len)
{
    if (len > INT_MAX) {
        return POSTQ_E_TOO_LARGE;
    }
    return sqlite3_bind_blob(st, i, p, (int)len, SQLITE_STATIC) == SQLITE_OK ? POSTQ_OK
                                                                             : POSTQ_E_NOMEM;
}

static postq_err bind_int(sqlite3_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(st, i, v) == SQLITE_OK ? POSTQ_OK : POSTQ_E_NOMEM;
}

/* A TEXT column into a fixed field ("" for NULL); a value that does not fit is corruption. */
static postq_err col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    if (t == NULL) {
        dst[0] = '\0';
        return sqlite3_column_type(st, i) == SQLITE_NULL ? POSTQ_OK : POSTQ_E_NOMEM;
    }
    if (n < 0 || (size_t)n >= cap) {
        postq_store_set_errmsg("sqlite: stored value of column %d too long", i);
        return POSTQ_E_IO;
    }
    memcpy(dst, t, (size_t)n + 1);
    return POSTQ_OK;
}

static size_t col_len(sqlite3_stmt *st, int i)
{
    int n = sqlite3_column_bytes(st, i);
    return n < 0 ? 0 : (size_t)n;
}

/* ---- open and migrations ------------------------------------------------------------------ */

static postq_err migrate(struct conn *c)
{
    sqlite3_stmt *st = NULL;
    int64_t have = 0;
    int rc;
    postq_err err;

    err = exec_plain(c->db, "BEGIN IMMEDIATE");
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec_plain(c->db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
                            "applied_at INTEGER NOT NULL)");
    if (err != POSTQ_OK) {
        goto out;
    }
    rc = sqlite3_prepare_v2(c->db, stmt_sql[S_VERSION], -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        err = fail(c->db, rc, "reading schema_migrations");
        goto out;
    }
    have = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (have > migrations[MIGRATIONS_N - 1].version) {
        postq_store_set_errmsg("sqlite: schema version %lld is newer than this program's %d",
                               (long long)have, migrations[MIGRATIONS_N - 1].version);
        err = POSTQ_E_UNSUPPORTED;
        goto out;
    }
    for (size_t i = 0; i < MIGRATIONS_N; i++) {
        if (migrations[i].version <= have) {
            continue;
        }
        err = exec_plain(c->db, migrations[i].sql);
        if (err != POSTQ_OK) {
            postq_store_set_errmsg("sqlite: migration %s failed: %s", migrations[i].name,
                                   sqlite3_errmsg(c->db));
            goto out;
        }
        rc = sqlite3_prepare_v2(c->db,
                                "INSERT INTO schema_migrations (version, name, applied_at) "
                                "VALUES (?1, ?2, ?3)",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, migrations[i].version);
            sqlite3_bind_text(st, 2, migrations[i].name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, postq_time_now_ms());
            rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_DONE) {
            err = fail(c->db, rc, "recording a migration");
            goto out;
        }
    }
    err = exec_plain(c->db, "COMMIT");
out:
    sqlite3_finalize(st);
    if (err != POSTQ_OK) {
        rollback(c);
        if (err != POSTQ_E_UNSUPPORTED && err != POSTQ_E_BUSY && err != POSTQ_E_NOMEM) {
            err = POSTQ_E_IO;
        }
    }
    return err;
}

static const struct postq_store_ops sqlite_ops;

static void sqlite_close(struct postq_store *s)
{
    struct sqlite_store *st = impl(s);
    for (size_t i = 0; i < POOL_MAX; i++) {
        conn_close(st->all[i]);
    }
    pthread_cond_destroy(&st->cond);
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->write_lock);
    pthread_cond_destroy(&st->gc_cond);
    pthread_mutex_destroy(&st->gc_lock);
    for (struct log_edge *e = st->edges, *next; e != NULL; e = next) {
        next = e->next;
        postq_free(e);
    }
    postq_free(st->path);
    postq_free(st);
}

postq_err postq_store_sqlite_open(const char *path, struct postq_store **out)
{
    struct sqlite_store *st;
    struct conn *c = NULL;
    size_t n = strlen(path);
    postq_err err;

    st = postq_calloc(1, sizeof(*st));
    if (st == NULL) {
        return POSTQ_E_NOMEM;
    }
    st->base.ops = &sqlite_ops;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    pthread_mutex_init(&st->write_lock, NULL);
    pthread_mutex_init(&st->gc_lock, NULL);
    pthread_cond_init(&st->gc_cond, NULL);
    postq_store_gc_init(&st->gc);
    st->path = postq_malloc(n + 1);
    if (st->path == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    memcpy(st->path, path, n + 1);
    err = acquire(st, &c);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = migrate(c);
    release(st, c);
out:
    if (err != POSTQ_OK) {
        sqlite_close(&st->base);
        return err;
    }
    *out = &st->base;
    return POSTQ_OK;
}

/* ---- row readers -------------------------------------------------------------------------- */

typedef postq_err (*row_fn)(sqlite3_stmt *st, void *rec);

static postq_err read_org(sqlite3_stmt *st, void *rec)
{
    struct postq_store_org *o = rec;
    postq_err err = col_text(st, 0, o->id, sizeof(o->id));
    if (err == POSTQ_OK) {
        err = col_text(st, 1, o->name, sizeof(o->name));
    }
    o->created_at = sqlite3_column_int64(st, 2);
    return err;
}

static const char *const role_names[] = {"", "admin", "signer", "viewer"};

static postq_err read_apikey(sqlite3_stmt *st, void *rec)
{
    struct postq_store_apikey *k = rec;
    char role[16];
    postq_err err = col_text(st, 0, k->id, sizeof(k->id));
    if (err == POSTQ_OK) {
        err = col_text(st, 1, k->org_id, sizeof(k->org_id));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 2, k->name, sizeof(k->name));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 3, role, sizeof(role));
    }
    if (err != POSTQ_OK) {
        return err;
    }
    k->role = 0;
    for (int r = POSTQ_STORE_ROLE_ADMIN; r <= POSTQ_STORE_ROLE_VIEWER; r++) {
        if (strcmp(role, role_names[r]) == 0) {
            k->role = (enum postq_store_role)r;
        }
    }
    if (k->role == 0 || col_len(st, 4) != POSTQ_STORE_SECRET_HASH_BYTES) {
        postq_store_set_errmsg("sqlite: corrupt api_keys row");
        return POSTQ_E_IO;
    }
    memcpy(k->secret_hash, sqlite3_column_blob(st, 4), POSTQ_STORE_SECRET_HASH_BYTES);
    k->created_at = sqlite3_column_int64(st, 5);
    return POSTQ_OK;
}

static postq_err read_policy(sqlite3_stmt *st, void *rec)
{
    struct postq_store_policy *p = rec;
    const unsigned char *body;
    size_t body_len;
    char *mem;
    postq_err err = col_text(st, 0, p->id, sizeof(p->id));
    if (err == POSTQ_OK) {
        err = col_text(st, 1, p->org_id, sizeof(p->org_id));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 2, p->name, sizeof(p->name));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 3, p->vendor, sizeof(p->vendor));
    }
    if (err != POSTQ_OK) {
        return err;
    }
    body = sqlite3_column_text(st, 4);
    body_len = col_len(st, 4);
    if (body == NULL) {
        return POSTQ_E_NOMEM;
    }
    mem = postq_malloc(body_len + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, body, body_len + 1);
    p->mem_ = mem;
    p->body = mem;
    p->enforce = sqlite3_column_int(st, 5) != 0;
    p->created_at = sqlite3_column_int64(st, 6);
    p->version = sqlite3_column_int64(st, 7);
    p->updated_at = sqlite3_column_int64(st, 8);
    return POSTQ_OK;
}

static postq_err read_key(sqlite3_stmt *st, void *rec)
{
    struct postq_store_key *k = rec;
    const void *pk, *sk;
    size_t pk_len, sk_len;
    uint8_t *mem;
    postq_err err = col_text(st, 0, k->id, sizeof(k->id));
    if (err == POSTQ_OK) {
        err = col_text(st, 1, k->org_id, sizeof(k->org_id));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 2, k->name, sizeof(k->name));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 3, k->algorithm, sizeof(k->algorithm));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 4, k->provider, sizeof(k->provider));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 5, k->policy_id, sizeof(k->policy_id));
    }
    if (err != POSTQ_OK) {
        return err;
    }
    /* A NULL public key: no version enabled (S_KEY_SIGNER); a NULL sealed key: destroyed. */
    pk = sqlite3_column_blob(st, 6);
    pk_len = pk != NULL ? col_len(st, 6) : 0;
    sk = sqlite3_column_blob(st, 7);
    sk_len = sk != NULL ? col_len(st, 7) : 0;
    mem = postq_malloc(pk_len + sk_len + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (pk_len > 0) {
        memcpy(mem, pk, pk_len);
    }
    if (sk_len > 0) {
        memcpy(mem + pk_len, sk, sk_len);
    }
    k->mem_ = mem;
    k->public_key.p = mem;
    k->public_key.len = pk_len;
    k->sealed_key.p = mem + pk_len;
    k->sealed_key.len = sk_len;
    k->version = sqlite3_column_int64(st, 8); /* NULL reads as 0 */
    k->created_at = sqlite3_column_int64(st, 9);
    k->newest_version = sqlite3_column_int64(st, 10);
    k->deleted_at = sqlite3_column_int64(st, 11);
    return POSTQ_OK;
}

static postq_err read_sig(sqlite3_stmt *st, void *rec)
{
    struct postq_store_sig *g = rec;
    const void *sig;
    const unsigned char *doc;
    size_t sig_len, doc_len;
    char verdict[8];
    uint8_t *mem;
    postq_err err = col_text(st, 0, g->id, sizeof(g->id));
    if (err == POSTQ_OK) {
        err = col_text(st, 1, g->org_id, sizeof(g->org_id));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 2, g->key_id, sizeof(g->key_id));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 4, g->algorithm, sizeof(g->algorithm));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 8, g->att.vendor, sizeof(g->att.vendor));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 9, g->att.image_hash, sizeof(g->att.image_hash));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 10, g->att.module_id, sizeof(g->att.module_id));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 13, verdict, sizeof(verdict));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 14, g->att.reason, sizeof(g->att.reason));
    }
    if (err == POSTQ_OK) {
        err = col_text(st, 15, g->policy_id, sizeof(g->policy_id));
    }
    if (err != POSTQ_OK) {
        return err;
    }
    g->key_version = sqlite3_column_int64(st, 3);
    g->policy_version = sqlite3_column_int64(st, 16);
    g->log_index = sqlite3_column_type(st, 17) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 17);
    if (col_len(st, 5) != 32 || sqlite3_column_blob(st, 5) == NULL) {
        postq_store_set_errmsg("sqlite: corrupt signatures row");
        return POSTQ_E_IO;
    }
    memcpy(g->payload_sha256, sqlite3_column_blob(st, 5), 32);
    g->created_at = sqlite3_column_int64(st, 7);
    g->att.counter = sqlite3_column_int64(st, 11);
    g->has_attestation = sqlite3_column_type(st, 13) != SQLITE_NULL;
    g->att.verdict = strcmp(verdict, "pass") == 0   ? POSTQ_STORE_VERDICT_PASS
                     : strcmp(verdict, "fail") == 0 ? POSTQ_STORE_VERDICT_FAIL
                                                    : POSTQ_STORE_VERDICT_NONE;

    sig = sqlite3_column_blob(st, 6);
    sig_len = col_len(st, 6);
    doc = sqlite3_column_text(st, 12);
    doc_len = doc != NULL ? col_len(st, 12) + 1 : 0;
    if (sig == NULL) {
        postq_store_set_errmsg("sqlite: corrupt signatures row");
        return POSTQ_E_IO;
    }
    mem = postq_malloc(sig_len + doc_len);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, sig, sig_len);
    g->signature.p = mem;
    g->signature.len = sig_len;
    if (doc != NULL) {
        memcpy(mem + sig_len, doc, doc_len);
        g->att.doc_b64 = (const char *)(mem + sig_len);
    }
    g->mem_ = mem;
    return POSTQ_OK;
}

/* ---- generic get and list ----------------------------------------------------------------- */

/* Run a bound single-row SELECT: POSTQ_E_NOT_FOUND without a row. */
static postq_err get_one(struct conn *c, sqlite3_stmt *st, row_fn fn, void *rec)
{
    int row;
    postq_err err = step(c, st, &row, NULL);
    if (err == POSTQ_OK && !row) {
        err = POSTQ_E_NOT_FOUND;
    }
    if (err == POSTQ_OK) {
        err = fn(st, rec);
    }
    done(st);
    return err;
}

/* Run a bound list SELECT whose LIMIT (?3) is set here to limit + 1: fill up to limit records
 * into a fresh array of item_size records; next_cursor is the last id when more rows exist. */
static postq_err get_page(struct conn *c, sqlite3_stmt *st, row_fn fn, size_t item_size,
                          size_t limit, void **items, size_t *n, char *next_cursor)
{
    uint8_t *arr;
    int row = 1;
    postq_err err;

    *items = NULL;
    *n = 0;
    next_cursor[0] = '\0';
    arr = postq_calloc(limit, item_size);
    if (arr == NULL) {
        done(st);
        return POSTQ_E_NOMEM;
    }
    *items = arr;
    err = bind_int(st, 3, (int64_t)limit + 1);
    while (err == POSTQ_OK) {
        err = step(c, st, &row, NULL);
        if (err != POSTQ_OK || !row) {
            break;
        }
        if (*n == limit) {
            /* The first record's id field is at offset 0 in every record type. */
            memcpy(next_cursor, arr + (limit - 1) * item_size, POSTQ_ID_MAX);
            break;
        }
        err = fn(st, arr + *n * item_size);
        (*n)++; /* counted also on failure, so the page clear releases what fn took */
    }
    done(st);
    return err;
}

/* ---- ops ---------------------------------------------------------------------------------- */

#define WITH_CONN(s, c, err)                                                                       \
    struct sqlite_store *st_ = impl(s);                                                            \
    struct conn *c = NULL;                                                                         \
    postq_err err = acquire(st_, &c)

/* A write: the threads of this process queue on write_lock instead of on SQLite's lock, whose
 * busy handler sleeps (1 ms, then longer) before it retries — at a few hundred commits per
 * second that sleep, not the commit, would set the pace. busy_timeout still covers writers in
 * other processes (postq-api org create while the server runs). Pair with release_writer. */
#define WITH_WRITER(s, c, err)                                                                     \
    struct sqlite_store *st_ = impl(s);                                                            \
    struct conn *c = NULL;                                                                         \
    postq_err err = acquire_writer(st_, &c)

static postq_err acquire_writer(struct sqlite_store *st, struct conn **c)
{
    postq_err err;
    pthread_mutex_lock(&st->write_lock);
    err = acquire(st, c);
    if (err != POSTQ_OK) {
        pthread_mutex_unlock(&st->write_lock);
    }
    return err;
}

static void release_writer(struct sqlite_store *st, struct conn *c)
{
    release(st, c);
    pthread_mutex_unlock(&st->write_lock);
}

static postq_err sq_health(struct postq_store *s)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_VERSION, &st);
    if (err == POSTQ_OK) {
        int row;
        err = step(c, st, &row, NULL);
        done(st);
    }
    release(st_, c);
    return err;
}

static postq_err sq_write_check(struct postq_store *s)
{
    sqlite3_stmt *st;
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_WRITE_CHECK, &st);
    if (err == POSTQ_OK) {
        err = run(c, st, NULL);
    }
    release_writer(st_, c);
    return err;
}

static postq_err sq_schema_version(struct postq_store *s, int64_t *version)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    *version = 0;
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_VERSION, &st);
    if (err == POSTQ_OK) {
        int row;
        err = step(c, st, &row, NULL);
        if (err == POSTQ_OK && row) {
            *version = sqlite3_column_int64(st, 0);
        }
        done(st);
    }
    release(st_, c);
    return err;
}

/* An INSERT whose constraint failures are a foreign key (the organisation, or the policy of
 * that organisation): NOT_FOUND; or a caller-chosen id already taken: CONFLICT. */
static postq_err insert_scoped(struct conn *c, sqlite3_stmt *st)
{
    int rc;
    postq_err err = run(c, st, &rc);
    if (err != POSTQ_OK && rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        postq_store_set_errmsg("no such organisation or policy");
        err = POSTQ_E_NOT_FOUND;
    } else if (err != POSTQ_OK &&
               (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)) {
        postq_store_set_errmsg("id already taken");
        err = POSTQ_E_CONFLICT;
    }
    return err;
}

/* One row of rec inserted under the write lock, its columns bound by fn; constraint failures
 * as insert_scoped maps them. */
typedef postq_err (*bind_fn)(sqlite3_stmt *st, const void *rec);

/* The same on a connection the caller holds (inside a transaction of several statements). */
static postq_err insert_on(struct conn *c, enum stmt_id id, bind_fn fn, const void *rec)
{
    sqlite3_stmt *st;
    postq_err err = stmt(c, id, &st);
    if (err == POSTQ_OK) {
        err = fn(st, rec);
        err = err == POSTQ_OK ? insert_scoped(c, st) : (done(st), err);
    }
    return err;
}

static postq_err insert_row(struct postq_store *s, enum stmt_id id, bind_fn fn, const void *rec)
{
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = insert_on(c, id, fn, rec);
    release_writer(st_, c);
    return err;
}

static postq_err sq_org_create(struct postq_store *s, struct postq_store_org *rec)
{
    sqlite3_stmt *st;
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_ORG_INSERT, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, rec->id);
        err = err == POSTQ_OK ? bind_text(st, 2, rec->name) : err;
        err = err == POSTQ_OK ? bind_int(st, 3, rec->created_at) : err;
        err = err == POSTQ_OK ? run(c, st, NULL) : (done(st), err);
    }
    release_writer(st_, c);
    return err;
}

/* Bind ?1 (and ?2) and read one row. */
static postq_err get_by(struct postq_store *s, enum stmt_id id, const char *a, const char *b,
                        row_fn fn, void *rec)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, id, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, a);
        err = err == POSTQ_OK && b != NULL ? bind_text(st, 2, b) : err;
        err = err == POSTQ_OK ? get_one(c, st, fn, rec) : (done(st), err);
    }
    release(st_, c);
    return err;
}

static postq_err sq_org_get(struct postq_store *s, const char *id, struct postq_store_org *out)
{
    return get_by(s, S_ORG_GET, id, NULL, read_org, out);
}

static postq_err bind_apikey(sqlite3_stmt *st, const void *r)
{
    const struct postq_store_apikey *rec = r;
    postq_err err = bind_text(st, 1, rec->id);
    err = err == POSTQ_OK ? bind_text(st, 2, rec->org_id) : err;
    err = err == POSTQ_OK ? bind_text(st, 3, rec->name) : err;
    err = err == POSTQ_OK ? bind_text(st, 4, role_names[rec->role]) : err;
    err = err == POSTQ_OK ? bind_blob(st, 5, rec->secret_hash, sizeof(rec->secret_hash)) : err;
    return err == POSTQ_OK ? bind_int(st, 6, rec->created_at) : err;
}

static postq_err sq_apikey_create(struct postq_store *s, struct postq_store_apikey *rec)
{
    return insert_row(s, S_AK_INSERT, bind_apikey, rec);
}

static postq_err sq_apikey_get_by_id(struct postq_store *s, const char *id,
                                     struct postq_store_apikey *out)
{
    return get_by(s, S_AK_GET, id, NULL, read_apikey, out);
}

/* Bind ?1 org, ?2 cursor (or "~"), ?4 key filter, and read one page. */
static postq_err list_by(struct postq_store *s, enum stmt_id id, const char *org_id,
                         const char *cursor, const char *key_id, row_fn fn, size_t item_size,
                         size_t limit, void **items, size_t *n, char *next_cursor)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    *items = NULL;
    *n = 0;
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, id, &st);
    if (err == POSTQ_OK) {
        err = org_id != NULL ? bind_text(st, 1, org_id) : POSTQ_OK; /* NULL: S_ORG_LIST */
        err = err == POSTQ_OK ? bind_text(st, 2, cursor != NULL ? cursor : "~") : err;
        err = err == POSTQ_OK && key_id != NULL ? bind_text(st, 4, key_id) : err;
        if (err == POSTQ_OK) {
            err = get_page(c, st, fn, item_size, limit, items, n, next_cursor);
        } else {
            done(st);
        }
    }
    release(st_, c);
    return err;
}

static postq_err sq_org_list(struct postq_store *s, size_t limit, const char *cursor,
                             struct postq_store_org_page *page)
{
    void *items;
    postq_err err = list_by(s, S_ORG_LIST, NULL, cursor, NULL, read_org, sizeof(page->items[0]),
                            limit, &items, &page->n, page->next_cursor);
    page->items = items;
    return err;
}

static postq_err sq_apikey_list(struct postq_store *s, const char *org_id, size_t limit,
                                const char *cursor, struct postq_store_apikey_page *page)
{
    void *items;
    postq_err err = list_by(s, S_AK_LIST, org_id, cursor, NULL, read_apikey, sizeof(page->items[0]),
                            limit, &items, &page->n, page->next_cursor);
    page->items = items;
    return err;
}

/* DELETE … WHERE org_id = ?1 AND id = ?2: NOT_FOUND when no row matched; a foreign key that
 * still points at the row answers CONFLICT. */
static postq_err delete_by(struct postq_store *s, enum stmt_id id, const char *org_id,
                           const char *row_id)
{
    sqlite3_stmt *st;
    int rc;
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, id, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK ? bind_text(st, 2, row_id) : err;
        if (err == POSTQ_OK) {
            err = run(c, st, &rc);
            /* ON DELETE RESTRICT reports SQLITE_CONSTRAINT_TRIGGER, a deferred-less foreign
             * key SQLITE_CONSTRAINT_FOREIGNKEY: a DELETE breaks no other constraint. */
            if (err != POSTQ_OK && (rc & 0xff) == SQLITE_CONSTRAINT) {
                postq_store_set_errmsg("still in use");
                err = POSTQ_E_CONFLICT;
            } else if (err == POSTQ_OK && sqlite3_changes(c->db) == 0) {
                err = POSTQ_E_NOT_FOUND;
            }
        } else {
            done(st);
        }
    }
    release_writer(st_, c);
    return err;
}

static postq_err sq_apikey_delete(struct postq_store *s, const char *org_id, const char *id)
{
    struct postq_store_apikey k;
    postq_err err = delete_by(s, S_AK_DELETE, org_id, id);

    /* No row deleted: either there is none, or it is the last admin key the statement kept. */
    if (err == POSTQ_E_NOT_FOUND && sq_apikey_get_by_id(s, id, &k) == POSTQ_OK &&
        strcmp(k.org_id, org_id) == 0 && k.role == POSTQ_STORE_ROLE_ADMIN) {
        postq_store_set_errmsg("the organisation's last admin API key");
        err = POSTQ_E_CONFLICT;
    }
    return err;
}

/* ---- transactions of several statements --------------------------------------------------- */

/* fn inside BEGIN IMMEDIATE … COMMIT on a writer connection; rolled back when it fails. */
static postq_err in_txn(struct postq_store *s, postq_err (*fn)(struct conn *c, void *ctx),
                        void *ctx)
{
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = run_id(c, S_BEGIN);
    if (err == POSTQ_OK) {
        err = fn(c, ctx);
        if (err == POSTQ_OK) {
            err = run_id(c, S_COMMIT);
        }
        if (err != POSTQ_OK) {
            rollback(c);
        }
    }
    release_writer(st_, c);
    return err;
}

/* Prepare id and bind ?1 org_id, ?2 row_id (and ?3 n when n > 0). */
static postq_err stmt2(struct conn *c, enum stmt_id id, const char *org_id, const char *row_id,
                       int64_t n, sqlite3_stmt **out)
{
    postq_err err = stmt(c, id, out);
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_text(*out, 1, org_id);
    err = err == POSTQ_OK ? bind_text(*out, 2, row_id) : err;
    err = err == POSTQ_OK && n > 0 ? bind_int(*out, 3, n) : err;
    if (err != POSTQ_OK) {
        done(*out);
    }
    return err;
}

/* ---- attestation policies ----------------------------------------------------------------- */

static postq_err bind_policy(sqlite3_stmt *st, const void *r)
{
    const struct postq_store_policy *rec = r;
    postq_err err = bind_text(st, 1, rec->id);
    err = err == POSTQ_OK ? bind_text(st, 2, rec->org_id) : err;
    err = err == POSTQ_OK ? bind_text(st, 3, rec->name) : err;
    err = err == POSTQ_OK ? bind_text(st, 4, rec->vendor) : err;
    err = err == POSTQ_OK ? bind_text(st, 5, rec->body) : err;
    err = err == POSTQ_OK ? bind_int(st, 6, rec->enforce) : err;
    err = err == POSTQ_OK ? bind_int(st, 7, rec->created_at) : err;
    err = err == POSTQ_OK ? bind_int(st, 8, rec->version) : err;
    return err == POSTQ_OK ? bind_int(st, 9, rec->updated_at) : err;
}

/* Insert version rec->version of policy rec->id (its values are rec's). */
static postq_err insert_policy_version(struct conn *c, const char *org_id, const char *id,
                                       const struct postq_store_policy *rec)
{
    sqlite3_stmt *st;
    postq_err err = stmt2(c, S_POLV_INSERT, org_id, id, rec->version, &st);
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_text(st, 4, rec->name);
    err = err == POSTQ_OK ? bind_text(st, 5, rec->vendor) : err;
    err = err == POSTQ_OK ? bind_text(st, 6, rec->body) : err;
    err = err == POSTQ_OK ? bind_int(st, 7, rec->enforce) : err;
    err = err == POSTQ_OK ? bind_int(st, 8, rec->updated_at) : err;
    return err == POSTQ_OK ? insert_scoped(c, st) : (done(st), err);
}

static postq_err policy_create_tx(struct conn *c, void *ctx)
{
    const struct postq_store_policy *rec = *(const struct postq_store_policy *const *)ctx;
    postq_err err = insert_on(c, S_POL_INSERT, bind_policy, rec);
    return err == POSTQ_OK ? insert_policy_version(c, rec->org_id, rec->id, rec) : err;
}

static postq_err sq_policy_create(struct postq_store *s, const struct postq_store_policy *rec)
{
    return in_txn(s, policy_create_tx, &rec);
}

static postq_err sq_policy_get(struct postq_store *s, const char *org_id, const char *id,
                               struct postq_store_policy *out)
{
    return get_by(s, S_POL_GET, org_id, id, read_policy, out);
}

static postq_err sq_policy_get_version(struct postq_store *s, const char *org_id, const char *id,
                                       int64_t n, struct postq_store_policy *out)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt2(c, S_POLV_GET, org_id, id, n, &st);
    if (err == POSTQ_OK) {
        err = get_one(c, st, read_policy, out);
    }
    release(st_, c);
    return err;
}

static postq_err sq_policy_list(struct postq_store *s, const char *org_id, size_t limit,
                                const char *cursor, struct postq_store_policy_page *page)
{
    void *items;
    postq_err err = list_by(s, S_POL_LIST, org_id, cursor, NULL, read_policy,
                            sizeof(page->items[0]), limit, &items, &page->n, page->next_cursor);
    page->items = items;
    return err;
}

struct policy_update_ctx {
    const char *org_id, *id;
    const struct postq_store_policy *in;
    struct postq_store_policy *out;
};

static postq_err policy_update_tx(struct conn *c, void *ctx)
{
    struct policy_update_ctx *u = ctx;
    struct postq_store_policy rec = *u->in;
    sqlite3_stmt *st;
    int row = 0;
    postq_err err = stmt2(c, S_POL_UPDATE, u->org_id, u->id, 0, &st);

    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_text(st, 3, rec.name);
    err = err == POSTQ_OK ? bind_text(st, 4, rec.body) : err;
    err = err == POSTQ_OK ? bind_int(st, 5, rec.enforce) : err;
    err = err == POSTQ_OK ? bind_int(st, 6, rec.updated_at) : err;
    err = err == POSTQ_OK ? bind_text(st, 7, rec.vendor) : err;
    err = err == POSTQ_OK ? bind_int(st, 8, POSTQ_STORE_VERSIONS_MAX) : err;
    err = err == POSTQ_OK ? step(c, st, &row, NULL) : err;
    if (err == POSTQ_OK && row) {
        rec.version = sqlite3_column_int64(st, 0);
    }
    done(st);
    if (err != POSTQ_OK) {
        return err;
    }
    if (!row) {
        /* Why not: no such policy, another vendor, or too many versions. */
        err = stmt2(c, S_POL_GET, u->org_id, u->id, 0, &st);
        err = err == POSTQ_OK ? get_one(c, st, read_policy, u->out) : err;
        if (err == POSTQ_OK && strcmp(u->out->vendor, rec.vendor) != 0) {
            postq_store_set_errmsg("vendor: cannot change from %s", u->out->vendor);
            err = POSTQ_E_CONFLICT;
        } else if (err == POSTQ_OK) {
            postq_store_set_errmsg("a policy has at most %d versions", POSTQ_STORE_VERSIONS_MAX);
            err = POSTQ_E_TOO_LARGE;
        }
        return err;
    }
    err = insert_policy_version(c, u->org_id, u->id, &rec);
    if (err == POSTQ_OK) {
        err = stmt2(c, S_POL_GET, u->org_id, u->id, 0, &st);
        err = err == POSTQ_OK ? get_one(c, st, read_policy, u->out) : err;
    }
    return err;
}

static postq_err sq_policy_update(struct postq_store *s, const char *org_id, const char *id,
                                  const struct postq_store_policy *in,
                                  struct postq_store_policy *out)
{
    struct policy_update_ctx u = {org_id, id, in, out};
    return in_txn(s, policy_update_tx, &u);
}

struct pair_ctx {
    const char *org_id, *id;
};

static postq_err policy_delete_tx(struct conn *c, void *ctx)
{
    struct pair_ctx *p = ctx;
    sqlite3_stmt *st;
    int row = 0;
    postq_err err = stmt2(c, S_POL_BOUND, p->org_id, p->id, 0, &st);
    if (err == POSTQ_OK) {
        err = step(c, st, &row, NULL);
        done(st);
    }
    if (err == POSTQ_OK && row) {
        postq_store_set_errmsg("a hybrid key is bound to it");
        return POSTQ_E_CONFLICT;
    }
    err = err == POSTQ_OK ? stmt2(c, S_POL_UNBIND, p->org_id, p->id, 0, &st) : err;
    err = err == POSTQ_OK ? run(c, st, NULL) : err;
    err = err == POSTQ_OK ? stmt2(c, S_POLV_DELETE, p->org_id, p->id, 0, &st) : err;
    err = err == POSTQ_OK ? run(c, st, NULL) : err;
    err = err == POSTQ_OK ? stmt2(c, S_POL_DELETE, p->org_id, p->id, 0, &st) : err;
    if (err == POSTQ_OK) {
        int rc = SQLITE_OK;
        err = run(c, st, &rc);
        if (err != POSTQ_OK && (rc & 0xff) == SQLITE_CONSTRAINT) {
            postq_store_set_errmsg("still in use");
            err = POSTQ_E_CONFLICT;
        } else if (err == POSTQ_OK && sqlite3_changes(c->db) == 0) {
            err = POSTQ_E_NOT_FOUND;
        }
    }
    return err;
}

static postq_err sq_policy_delete(struct postq_store *s, const char *org_id, const char *id)
{
    struct pair_ctx p = {org_id, id};
    return in_txn(s, policy_delete_tx, &p);
}

/* ---- hybrid keys -------------------------------------------------------------------------- */

/* Fill k->versions from key_versions, on the connection that read k. */
static postq_err read_versions(struct conn *c, struct postq_store_key *k)
{
    struct postq_store_key_version v[POSTQ_STORE_VERSIONS_MAX];
    struct postq_buf pks;
    sqlite3_stmt *st;
    size_t n = 0, off = 0;
    uint8_t *mem;
    int row = 1;
    postq_err err = stmt(c, S_KV_LIST, &st);

    if (err != POSTQ_OK) {
        return err;
    }
    postq_buf_init(&pks, (size_t)POSTQ_STORE_VERSIONS_MAX * 8192);
    err = bind_text(st, 1, k->id);
    while (err == POSTQ_OK) {
        char state[16];
        err = step(c, st, &row, NULL);
        if (err != POSTQ_OK || !row) {
            break;
        }
        if (n == POSTQ_STORE_VERSIONS_MAX) {
            postq_store_set_errmsg("sqlite: key %s has too many versions", k->id);
            err = POSTQ_E_IO;
            break;
        }
        memset(&v[n], 0, sizeof(v[n]));
        v[n].version = sqlite3_column_int64(st, 0);
        err = col_text(st, 1, state, sizeof(state));
        for (int i = 1; err == POSTQ_OK && i <= 3; i++) {
            if (strcmp(state, postq_store_state_names[i]) == 0) {
                v[n].state = (enum postq_store_version_state)i;
            }
        }
        v[n].public_key.len = col_len(st, 2);
        v[n].created_at = sqlite3_column_int64(st, 3);
        if (err == POSTQ_OK && (v[n].state == 0 || sqlite3_column_blob(st, 2) == NULL)) {
            postq_store_set_errmsg("sqlite: corrupt key_versions row");
            err = POSTQ_E_IO;
        }
        if (err == POSTQ_OK) {
            err = postq_buf_append(&pks, sqlite3_column_blob(st, 2), v[n].public_key.len);
        }
        n++;
    }
    done(st);
    mem = err == POSTQ_OK ? postq_malloc(n * sizeof(v[0]) + pks.len + 1) : NULL;
    if (err == POSTQ_OK && mem == NULL) {
        err = POSTQ_E_NOMEM;
    }
    if (err == POSTQ_OK) {
        k->versions = (struct postq_store_key_version *)(void *)mem;
        memcpy(mem + n * sizeof(v[0]), pks.p != NULL ? pks.p : (uint8_t *)"", pks.len);
        for (size_t i = 0; i < n; i++) {
            k->versions[i] = v[i];
            k->versions[i].public_key.p = mem + n * sizeof(v[0]) + off;
            off += v[i].public_key.len;
        }
        k->n_versions = n;
        k->vmem_ = mem;
    }
    postq_buf_free(&pks);
    return err;
}

static postq_err bind_key(sqlite3_stmt *st, const void *r)
{
    const struct postq_store_key *rec = r;
    postq_err err = bind_text(st, 1, rec->id);
    err = err == POSTQ_OK ? bind_text(st, 2, rec->org_id) : err;
    err = err == POSTQ_OK ? bind_text(st, 3, rec->name) : err;
    err = err == POSTQ_OK ? bind_text(st, 4, rec->algorithm) : err;
    err = err == POSTQ_OK ? bind_text(st, 5, rec->provider) : err;
    err = err == POSTQ_OK ? bind_text(st, 6, rec->policy_id[0] != '\0' ? rec->policy_id : NULL)
                          : err;
    err = err == POSTQ_OK ? bind_int(st, 7, rec->version) : err;
    return err == POSTQ_OK ? bind_int(st, 8, rec->created_at) : err;
}

/* Insert version `version` of key id, enabled. */
static postq_err insert_key_version(struct conn *c, const char *org_id, const char *id,
                                    int64_t version, const struct postq_store_key *rec)
{
    sqlite3_stmt *st;
    postq_err err = stmt2(c, S_KV_INSERT, org_id, id, version, &st);
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_blob(st, 4, rec->public_key.p, rec->public_key.len);
    err = err == POSTQ_OK ? bind_blob(st, 5, rec->sealed_key.p, rec->sealed_key.len) : err;
    err = err == POSTQ_OK ? bind_int(st, 6, rec->created_at) : err;
    return err == POSTQ_OK ? insert_scoped(c, st) : (done(st), err);
}

static postq_err key_create_tx(struct conn *c, void *ctx)
{
    const struct postq_store_key *rec = *(const struct postq_store_key *const *)ctx;
    postq_err err = insert_on(c, S_KEY_INSERT, bind_key, rec);
    return err == POSTQ_OK ? insert_key_version(c, rec->org_id, rec->id, 1, rec) : err;
}

static postq_err sq_key_create(struct postq_store *s, const struct postq_store_key *rec)
{
    return in_txn(s, key_create_tx, &rec);
}

/* Read key id (its newest version and every version's summary) on c. */
static postq_err key_read(struct conn *c, const char *org_id, const char *id,
                          struct postq_store_key *out)
{
    sqlite3_stmt *st;
    postq_err err = stmt2(c, S_KEY_GET, org_id, id, 0, &st);
    err = err == POSTQ_OK ? get_one(c, st, read_key, out) : err;
    return err == POSTQ_OK ? read_versions(c, out) : err;
}

static postq_err sq_key_get(struct postq_store *s, const char *org_id, const char *id,
                            struct postq_store_key *out)
{
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = key_read(c, org_id, id, out);
    release(st_, c);
    return err;
}

static postq_err sq_key_get_bound(struct postq_store *s, const char *org_id, const char *id,
                                  struct postq_store_key *key, struct postq_store_policy *pol)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt2(c, S_KEY_SIGNER, org_id, id, 0, &st);
    err = err == POSTQ_OK ? get_one(c, st, read_key, key) : err;
    if (err == POSTQ_OK && key->policy_id[0] != '\0') {
        err = stmt2(c, S_POL_GET, org_id, key->policy_id, 0, &st);
        err = err == POSTQ_OK ? get_one(c, st, read_policy, pol) : err;
    }
    release(st_, c);
    return err;
}

static postq_err sq_key_list(struct postq_store *s, const char *org_id, size_t limit,
                             const char *cursor, struct postq_store_key_page *page)
{
    sqlite3_stmt *st;
    void *items = NULL;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_KEY_LIST, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK ? bind_text(st, 2, cursor != NULL ? cursor : "~") : err;
        err = err == POSTQ_OK ? get_page(c, st, read_key, sizeof(page->items[0]), limit, &items,
                                         &page->n, page->next_cursor)
                              : (done(st), err);
    }
    page->items = items;
    for (size_t i = 0; err == POSTQ_OK && i < page->n; i++) {
        err = read_versions(c, &page->items[i]);
    }
    release(st_, c);
    return err;
}

struct key_op_ctx {
    const char *org_id, *id;
    const struct postq_store_key *in; /* rotate */
    int64_t n, now_ms;
    enum postq_store_version_state state;
    struct postq_store_key *out;
};

static postq_err key_rotate_tx(struct conn *c, void *ctx)
{
    struct key_op_ctx *k = ctx;
    sqlite3_stmt *st;
    int64_t version = 0;
    int row = 0;
    postq_err err = stmt2(c, S_KEY_ROTATE, k->org_id, k->id, POSTQ_STORE_VERSIONS_MAX, &st);
    if (err != POSTQ_OK) {
        return err;
    }
    err = step(c, st, &row, NULL);
    if (err == POSTQ_OK && row) {
        version = sqlite3_column_int64(st, 0);
    }
    done(st);
    if (err == POSTQ_OK && !row) {
        err = key_read(c, k->org_id, k->id, k->out);
        if (err == POSTQ_OK && k->out->deleted_at != 0) {
            postq_store_set_errmsg("the key is deleted");
            err = POSTQ_E_CONFLICT;
        } else if (err == POSTQ_OK) {
            postq_store_set_errmsg("a key has at most %d versions", POSTQ_STORE_VERSIONS_MAX);
            err = POSTQ_E_TOO_LARGE;
        }
        return err;
    }
    err = err == POSTQ_OK ? insert_key_version(c, k->org_id, k->id, version, k->in) : err;
    return err == POSTQ_OK ? key_read(c, k->org_id, k->id, k->out) : err;
}

static postq_err sq_key_rotate(struct postq_store *s, const char *org_id, const char *id,
                               const struct postq_store_key *in, struct postq_store_key *out)
{
    struct key_op_ctx k = {.org_id = org_id, .id = id, .in = in, .out = out};
    return in_txn(s, key_rotate_tx, &k);
}

static postq_err key_version_set_tx(struct conn *c, void *ctx)
{
    struct key_op_ctx *k = ctx;
    sqlite3_stmt *st;
    postq_err err = stmt2(c, S_KV_SET, k->org_id, k->id, k->n, &st);
    err = err == POSTQ_OK ? bind_text(st, 4, postq_store_state_names[k->state]) : err;
    err = err == POSTQ_OK ? run(c, st, NULL) : err;
    if (err == POSTQ_OK && sqlite3_changes(c->db) == 0) {
        int row = 0;
        err = stmt2(c, S_KV_STATE, k->org_id, k->id, k->n, &st);
        err = err == POSTQ_OK ? step(c, st, &row, NULL) : err;
        done(st);
        if (err == POSTQ_OK) {
            postq_store_set_errmsg(row ? "version %lld is destroyed" : "no version %lld",
                                   (long long)k->n);
            err = row ? POSTQ_E_CONFLICT : POSTQ_E_NOT_FOUND;
        }
    }
    return err == POSTQ_OK ? key_read(c, k->org_id, k->id, k->out) : err;
}

static postq_err sq_key_version_set(struct postq_store *s, const char *org_id, const char *id,
                                    int64_t n, enum postq_store_version_state state,
                                    struct postq_store_key *out)
{
    struct key_op_ctx k = {.org_id = org_id, .id = id, .n = n, .state = state, .out = out};
    return in_txn(s, key_version_set_tx, &k);
}

static postq_err key_delete_tx(struct conn *c, void *ctx)
{
    struct key_op_ctx *k = ctx;
    sqlite3_stmt *st;
    postq_err err = stmt2(c, S_KEY_DELETE, k->org_id, k->id, k->now_ms, &st);
    err = err == POSTQ_OK ? run(c, st, NULL) : err;
    if (err == POSTQ_OK && sqlite3_changes(c->db) == 0) {
        return POSTQ_E_NOT_FOUND;
    }
    err = err == POSTQ_OK ? stmt2(c, S_KV_DESTROY_ALL, k->org_id, k->id, 0, &st) : err;
    err = err == POSTQ_OK ? run(c, st, NULL) : err;
    return err == POSTQ_OK ? key_read(c, k->org_id, k->id, k->out) : err;
}

static postq_err sq_key_delete(struct postq_store *s, const char *org_id, const char *id,
                               int64_t now_ms, struct postq_store_key *out)
{
    struct key_op_ctx k = {.org_id = org_id, .id = id, .now_ms = now_ms, .out = out};
    return in_txn(s, key_delete_tx, &k);
}

static postq_err sq_counter_seen(struct postq_store *s, const char *module_id, int64_t counter,
                                 int *seen)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_CTR_SEEN, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, module_id);
        err = err == POSTQ_OK ? bind_int(st, 2, counter) : err;
        if (err == POSTQ_OK) {
            err = step(c, st, seen, NULL);
        }
        done(st);
    }
    release(st_, c);
    return err;
}

static postq_err bind_sig(sqlite3_stmt *st, const struct postq_store_sig *g, int64_t log_index)
{
    const struct postq_store_attestation *a = g->has_attestation ? &g->att : NULL;
    postq_err err = bind_text(st, 1, g->id);
    err = err == POSTQ_OK ? bind_text(st, 2, g->org_id) : err;
    err = err == POSTQ_OK ? bind_text(st, 3, g->key_id) : err;
    err = err == POSTQ_OK ? bind_int(st, 4, g->key_version) : err;
    err = err == POSTQ_OK ? bind_text(st, 5, g->algorithm) : err;
    err = err == POSTQ_OK ? bind_blob(st, 6, g->payload_sha256, sizeof(g->payload_sha256)) : err;
    err = err == POSTQ_OK ? bind_blob(st, 7, g->signature.p, g->signature.len) : err;
    err = err == POSTQ_OK ? bind_int(st, 8, g->created_at) : err;
    if (err == POSTQ_OK && log_index >= 0) {
        err = bind_int(st, 18, log_index);
    }
    if (err == POSTQ_OK && g->policy_id[0] != '\0') {
        err = bind_text(st, 16, g->policy_id);
        err = err == POSTQ_OK ? bind_int(st, 17, g->policy_version) : err;
    }
    if (err != POSTQ_OK || a == NULL) {
        return err; /* the att_ columns stay NULL */
    }
    err = bind_text(st, 9, a->vendor);
    err = err == POSTQ_OK ? bind_text(st, 10, a->image_hash) : err;
    err = err == POSTQ_OK ? bind_text(st, 11, a->module_id) : err;
    err = err == POSTQ_OK ? bind_int(st, 12, a->counter) : err;
    err = err == POSTQ_OK ? bind_text(st, 13, a->doc_b64) : err;
    err = err == POSTQ_OK
              ? bind_text(st, 14, a->verdict == POSTQ_STORE_VERDICT_PASS ? "pass" : "fail")
              : err;
    err = err == POSTQ_OK
              ? bind_text(st, 15,
                          a->verdict == POSTQ_STORE_VERDICT_FAIL && a->reason[0] != '\0' ? a->reason
                                                                                         : NULL)
              : err;
    return err;
}

/* ---- the transparency log ------------------------------------------------------------------ */

/* The last leaf node (level, index) covers, its key in log_nodes (migration 5); -1 when it is
 * past any tree (so no row has it). */
static int64_t last_leaf(unsigned level, uint64_t index)
{
    uint64_t v;
    if (level > 62 || index >= (UINT64_C(1) << (63 - level))) {
        return -1;
    }
    v = ((index + 1) << level) - 1;
    return (int64_t)v;
}

/* crypto/merkle.h's node fetch, on the caller's connection (inside its transaction). */
static postq_err node_get(void *ctx, unsigned level, uint64_t index, postq_merkle_hash out)
{
    struct node_ctx *n = ctx;
    sqlite3_stmt *st;
    int row = 0;
    postq_err err = stmt(n->c, S_NODE_GET, &st);
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_text(st, 1, n->org_id);
    err = err == POSTQ_OK ? bind_int(st, 2, (int64_t)level) : err;
    err = err == POSTQ_OK ? bind_int(st, 3, (int64_t)index) : err;
    err = err == POSTQ_OK ? bind_int(st, 4, last_leaf(level, index)) : err;
    err = err == POSTQ_OK ? step(n->c, st, &row, NULL) : err;
    if (err == POSTQ_OK && (!row || col_len(st, 0) != 32 || sqlite3_column_blob(st, 0) == NULL)) {
        postq_store_set_errmsg("log: node (%u, %llu) %s", level, (unsigned long long)index,
                               row ? "corrupt" : "not stored");
        err = row ? POSTQ_E_IO : POSTQ_E_NOT_FOUND;
    }
    if (err == POSTQ_OK) {
        memcpy(out, sqlite3_column_blob(st, 0), 32);
    }
    done(st);
    return err;
}

static postq_err log_size_on(struct conn *c, const char *org_id, int64_t *size)
{
    sqlite3_stmt *st;
    int row = 0;
    postq_err err = stmt(c, S_LOG_SIZE, &st);
    *size = 0;
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_text(st, 1, org_id);
    err = err == POSTQ_OK ? step(c, st, &row, NULL) : err;
    if (err == POSTQ_OK && row) {
        *size = sqlite3_column_int64(st, 0);
    }
    done(st);
    return err;
}

/* Start t: the log's size in this transaction, and its edge: cached when the log still has the
 * size this process last committed and the edge's lowest node (the subtree of its last
 * leaves) is still the one it wrote, else read. Another process appending changes the size;
 * a file restored from a backup and appended to up to that size changes the last leaves. */
static postq_err tx_begin(struct sqlite_store *st, struct conn *c, struct tx_log *t)
{
    struct postq_merkle_node edge[64];
    struct log_edge *e;
    size_t n = 0;
    int cached = 0;
    postq_err err = log_size_on(c, t->org_id, &t->base);

    t->nc.c = c;
    t->nc.org_id = t->org_id;
    t->k.read = node_get;
    t->k.read_ctx = &t->nc;
    t->size = t->base;
    for (e = st->edges; e != NULL && strcmp(e->org_id, t->org_id) != 0; e = e->next) {
    }
    if (err == POSTQ_OK) {
        n = postq_store_log_edge(t->base, edge);
    }
    if (err == POSTQ_OK && n > 0 && e != NULL && e->size == t->base) {
        struct postq_merkle_node *low = &edge[n - 1];
        err = node_get(&t->nc, low->level, low->index, low->hash);
        cached = err == POSTQ_OK && memcmp(low->hash, e->node[low->level], 32) == 0;
    }
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        if (cached) {
            memcpy(edge[i].hash, e->node[edge[i].level], 32);
        } else {
            err = node_get(&t->nc, edge[i].level, edge[i].index, edge[i].hash);
        }
        err = err == POSTQ_OK
                  ? postq_store_known_push(&t->k, edge[i].level, edge[i].index, edge[i].hash)
                  : err;
    }
    return err;
}

/* After the COMMIT: remember t's edge (or forget the log's when the commit failed). */
static void tx_end(struct sqlite_store *st, struct tx_log *t, int committed)
{
    struct log_edge *e, **pe;
    for (pe = &st->edges; *pe != NULL && strcmp((*pe)->org_id, t->org_id) != 0;
         pe = &(*pe)->next) {
    }
    e = *pe;
    if (e == NULL && committed && (e = postq_calloc(1, sizeof(*e))) != NULL) {
        snprintf(e->org_id, sizeof(e->org_id), "%s", t->org_id);
        e->next = st->edges;
        st->edges = e;
    }
    if (e == NULL) {
        return;
    }
    e->size = -1; /* unknown until every node is found */
    if (!committed) {
        return;
    }
    {
        struct postq_merkle_node edge[64];
        size_t n = 0;
        if (postq_store_known_edge(&t->k, t->size, edge, &n) != POSTQ_OK) {
            return;
        }
        for (size_t i = 0; i < n; i++) {
            memcpy(e->node[edge[i].level], edge[i].hash, 32);
        }
    }
    e->size = t->size;
}

/* Append it's entry as the next leaf of its organisation's log (it->tx), inside the open
 * transaction: the nodes it completes. it->log_index receives the leaf; the signature's row,
 * written next, holds the entry and the index (migration 5). */
static postq_err log_append(struct conn *c, struct gc_item *it)
{
    struct postq_merkle_node nodes[POSTQ_MERKLE_PROOF_MAX + 1];
    struct tx_log *t = it->tx;
    postq_merkle_hash leaf;
    sqlite3_stmt *st;
    int64_t size = t->size;
    size_t n = 0;
    postq_err err = postq_merkle_leaf_hash(leaf, it->entry, it->entry_len);

    if (err == POSTQ_OK) {
        err = postq_merkle_append(nodes, &n, (uint64_t)size, leaf, postq_store_known_get, &t->k);
    }
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        err = stmt(c, S_NODE_INSERT, &st);
        if (err == POSTQ_OK) {
            err = bind_text(st, 1, t->org_id);
            err = err == POSTQ_OK ? bind_int(st, 2, (int64_t)nodes[i].level) : err;
            err = err == POSTQ_OK ? bind_int(st, 3, (int64_t)nodes[i].index) : err;
            err = err == POSTQ_OK ? bind_blob(st, 4, nodes[i].hash, 32) : err;
            err =
                err == POSTQ_OK ? bind_int(st, 5, last_leaf(nodes[i].level, nodes[i].index)) : err;
            err = err == POSTQ_OK ? run(c, st, NULL) : (done(st), err);
        }
        err = err == POSTQ_OK
                  ? postq_store_known_push(&t->k, nodes[i].level, nodes[i].index, nodes[i].hash)
                  : err;
    }
    if (err == POSTQ_OK) {
        it->log_index = size;
        t->size = size + 1;
    }
    return err;
}

/* Before the COMMIT: each logged item's receipt gets its organisation's tree as the batch
 * leaves it (size, root) and its leaf's proof in it, from the nodes the transaction holds;
 * each such tree is presigned (by the organisation's first item, which settles it). */
static postq_err batch_trees(struct postq_store *s, struct gc_item *batch)
{
    postq_err err = POSTQ_OK;
    for (struct gc_item *it = batch; err == POSTQ_OK && it != NULL; it = item_next(it)) {
        struct postq_store_log_receipt *r = it->receipt;
        struct gc_item *first = batch;
        if (it->result != POSTQ_OK || it->entry == NULL) {
            continue;
        }
        while (first->tx != it->tx || first->result != POSTQ_OK) {
            first = item_next(first);
        }
        r->size = it->tx->size;
        /* The organisation's first item computes the root with its proof; the others copy it. */
        err = postq_store_log_tree(postq_store_known_nodes, &it->tx->k, NODES_INCLUSION, r->size,
                                   it->log_index, r->proof, &r->proof_len,
                                   first == it ? r->root : NULL);
        if (first == it) {
            it->presigned = err == POSTQ_OK;
        } else {
            memcpy(r->root, first->receipt->root, 32);
        }
    }
    for (struct gc_item *it = batch; err == POSTQ_OK && it != NULL; it = item_next(it)) {
        if (it->presigned) {
            postq_store_log_presign(s, it->sig->org_id, it->receipt->size, it->receipt->root);
        }
    }
    return err;
}

/* One signature's rows inside an open transaction: the counter pair (its primary key refuses
 * a repeat), then the sign result (its foreign key refuses another organisation's key). */
static postq_err put_rows(struct conn *c, struct gc_item *it)
{
    sqlite3_stmt *st;
    int rc = SQLITE_OK;
    postq_err err;

    if (it->record_counter) {
        err = stmt(c, S_CTR_INSERT, &st);
        if (err != POSTQ_OK) {
            return err;
        }
        err = bind_text(st, 1, it->module_id);
        err = err == POSTQ_OK ? bind_int(st, 2, it->counter) : err;
        err = err == POSTQ_OK ? bind_text(st, 3, it->sig->id) : err;
        err = err == POSTQ_OK ? run(c, st, &rc) : (done(st), err);
        if (err != POSTQ_OK) {
            if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
                postq_store_set_errmsg("counter %lld of module %s already used",
                                       (long long)it->counter, it->module_id);
                err = POSTQ_E_CONFLICT;
            }
            return err;
        }
    }
    if (it->entry != NULL) {
        err = log_append(c, it);
        if (err != POSTQ_OK) {
            return err;
        }
    }
    err = stmt(c, S_SIG_INSERT, &st);
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_sig(st, it->sig, it->entry != NULL ? it->log_index : -1);
    if (err == POSTQ_OK && it->entry != NULL) {
        err = bind_blob(st, 19, it->entry, it->entry_len);
    }
    err = err == POSTQ_OK ? run(c, st, &rc) : (done(st), err);
    if (err != POSTQ_OK && rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        postq_store_set_errmsg("no such key");
        err = POSTQ_E_NOT_FOUND;
    }
    return err;
}

static void item_fail(struct gc_item *it, postq_err err)
{
    it->result = err;
    (void)snprintf(it->msg, sizeof(it->msg), "%s", postq_store_errmsg());
}

/* Commit a batch in one transaction: BEGIN IMMEDIATE; each signature's rows (inside a
 * SAVEPOINT when there are several, so one that breaks a constraint is undone alone and
 * answered with its own error); COMMIT. A failed BEGIN or COMMIT fails every signature of
 * the batch, and nothing of it is stored. */
/* it's organisation's tree in the batch's transaction (begun on first use); NULL without
 * memory or when its edge could not be read (*err says why). */
static struct tx_log *tx_for(struct sqlite_store *st, struct conn *c, struct tx_log **list,
                             const char *org_id, postq_err *err)
{
    struct tx_log *t;
    for (t = *list; t != NULL && strcmp(t->org_id, org_id) != 0; t = t->next) {
    }
    if (t != NULL) {
        return t;
    }
    t = postq_calloc(1, sizeof(*t));
    if (t == NULL) {
        *err = POSTQ_E_NOMEM;
        return NULL;
    }
    t->org_id = org_id;
    t->next = *list;
    *list = t;
    *err = tx_begin(st, c, t);
    if (*err != POSTQ_OK) {
        t->org_id = ""; /* a later item of the organisation begins it again */
        return NULL;
    }
    return t;
}

static void tx_free(struct tx_log *list)
{
    for (struct tx_log *t = list, *next; t != NULL; t = next) {
        next = t->next;
        postq_store_known_free(&t->k);
        postq_free(t);
    }
}

static void commit_batch(struct postq_store *s, struct postq_store_gc_item *queued)
{
    struct gc_item *batch = (struct gc_item *)queued;
    int several = batch->gc.next != NULL, any = 0;
    struct tx_log *txs = NULL;
    struct gc_item *it;
    WITH_WRITER(s, c, err);

    if (err == POSTQ_OK) {
        err = run_id(c, S_BEGIN);
    }
    for (it = batch; err == POSTQ_OK && it != NULL; it = item_next(it)) {
        size_t tx_n = 0;
        int64_t tx_size = 0;
        postq_err e = POSTQ_OK;
        if (it->entry != NULL && (it->tx = tx_for(st_, c, &txs, it->sig->org_id, &e)) != NULL) {
            tx_n = it->tx->k.n;
            tx_size = it->tx->size;
        }
        if (e != POSTQ_OK) {
            /* its log's edge could not be read: nothing of it was written */
        } else if (several &&
                   sqlite3_exec(c->db, "SAVEPOINT put", NULL, NULL, NULL) != SQLITE_OK) {
            e = fail(c->db, sqlite3_errcode(c->db), "savepoint");
        } else {
            e = put_rows(c, it);
            if (several && e != POSTQ_OK) {
                sqlite3_exec(c->db, "ROLLBACK TO put", NULL, NULL, NULL);
            }
            if (e != POSTQ_OK && it->tx != NULL) {
                it->tx->k.n = tx_n; /* its nodes are undone with its rows */
                it->tx->size = tx_size;
            }
            if (several && sqlite3_exec(c->db, "RELEASE put", NULL, NULL, NULL) != SQLITE_OK &&
                e == POSTQ_OK) {
                e = fail(c->db, sqlite3_errcode(c->db), "release");
            }
        }
        if (e != POSTQ_OK) {
            item_fail(it, e);
            if (!several) {
                err = e; /* alone: its failure is the transaction's */
            }
        } else {
            it->result = POSTQ_OK;
            any = 1;
        }
    }
    if (err == POSTQ_OK && any) {
        err = batch_trees(s, batch);
    }
    if (err == POSTQ_OK && any) {
        err = run_id(c, S_COMMIT);
    }
    for (it = batch; it != NULL; it = item_next(it)) {
        if (it->presigned) {
            postq_store_log_settle(s, it->sig->org_id, it->receipt->size, it->receipt->root,
                                   err == POSTQ_OK);
        }
    }
    for (struct tx_log *t = txs; t != NULL; t = t->next) {
        if (t->org_id[0] != '\0') {
            tx_end(st_, t, err == POSTQ_OK);
        }
    }
    tx_free(txs);
    if (c != NULL && (err != POSTQ_OK || !any)) {
        rollback(c);
    }
    if (c != NULL) {
        release_writer(st_, c);
    }
    if (err != POSTQ_OK) {
        for (it = batch; it != NULL; it = item_next(it)) {
            if (it->result == POSTQ_OK) {
                item_fail(it, err);
            }
        }
    }
    for (it = batch; err == POSTQ_OK && it != NULL; it = item_next(it)) {
        if (it->result == POSTQ_OK && it->receipt != NULL) {
            it->receipt->index = it->log_index; /* committed: the checkpointer takes it on */
        }
    }
}

/* The sign path, with group commit: a caller queues its signature; if no commit is under way
 * it leads one for everything queued so far (its own included), else it waits for the
 * leader, who may have taken it into the batch. Under concurrent signs one fsync then covers
 * several signatures. Each caller gets its own answer: POSTQ_OK only once its rows are
 * committed. */
static postq_err sq_put_signature(struct postq_store *s, const struct postq_store_sig *sig,
                                  const char *module_id, int64_t counter, int record_counter,
                                  const uint8_t *entry, size_t entry_len,
                                  struct postq_store_log_receipt *receipt)
{
    struct sqlite_store *st = impl(s);
    struct gc_item me;

    memset(&me, 0, sizeof(me));
    me.sig = sig;
    me.module_id = module_id;
    me.counter = counter;
    me.record_counter = record_counter;
    me.entry = entry;
    me.entry_len = entry_len;
    me.receipt = receipt;
    me.log_index = -1;
    me.result = POSTQ_OK; /* until commit_batch says otherwise */
    postq_store_gc_run(&st->gc, &st->gc_lock, &st->gc_cond, &me.gc, commit_batch, s);
    if (me.result != POSTQ_OK) {
        postq_store_set_errmsg("%s", me.msg);
    }
    return me.result;
}

static postq_err sq_sig_get(struct postq_store *s, const char *org_id, const char *id,
                            struct postq_store_sig *out)
{
    return get_by(s, S_SIG_GET, org_id, id, read_sig, out);
}

static postq_err sq_sig_list(struct postq_store *s, const char *org_id, const char *key_id,
                             size_t limit, const char *cursor, struct postq_store_sig_page *page)
{
    void *items = NULL;
    postq_err err = POSTQ_OK;

    if (key_id != NULL) {
        /* A filter on another organisation's key is NOT_FOUND, as a get of it would be. */
        sqlite3_stmt *st;
        WITH_CONN(s, c, err2);
        if (err2 == POSTQ_OK) {
            err2 = stmt(c, S_KEY_EXISTS, &st);
            if (err2 == POSTQ_OK) {
                int row = 0;
                err2 = bind_text(st, 1, org_id);
                err2 = err2 == POSTQ_OK ? bind_text(st, 2, key_id) : err2;
                err2 = err2 == POSTQ_OK ? step(c, st, &row, NULL) : err2;
                done(st);
                if (err2 == POSTQ_OK && !row) {
                    err2 = POSTQ_E_NOT_FOUND;
                }
            }
            release(st_, c);
        }
        err = err2;
    }
    if (err == POSTQ_OK) {
        err = list_by(s, key_id != NULL ? S_SIG_LIST_KEY : S_SIG_LIST, org_id, cursor, key_id,
                      read_sig, sizeof(page->items[0]), limit, &items, &page->n, page->next_cursor);
        page->items = items;
    }
    return err;
}

static postq_err sq_rejection_add(struct postq_store *s, const char *org_id, const char *key_id,
                                  const char *reason, int64_t at_ms)
{
    sqlite3_stmt *st;
    int rc = SQLITE_OK;
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_REJ_INSERT, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK ? bind_text(st, 2, key_id) : err;
        err = err == POSTQ_OK ? bind_text(st, 3, reason) : err;
        err = err == POSTQ_OK ? bind_int(st, 4, at_ms) : err;
        if (err == POSTQ_OK) {
            err = run(c, st, &rc);
        } else {
            done(st);
        }
    }
    release_writer(st_, c);
    return rc == SQLITE_CONSTRAINT_FOREIGNKEY ? POSTQ_E_NOT_FOUND : err;
}

/* Run a per-bucket count statement: column 0 the bucket, then counts added by add(). */
static postq_err count_buckets(struct conn *c, enum stmt_id id, const char *org_id,
                               int64_t from_ms, int64_t bucket_ms, size_t n,
                               struct postq_store_activity_bucket *out)
{
    sqlite3_stmt *st;
    int row = 0;
    postq_err err = stmt(c, id, &st);
    if (err != POSTQ_OK) {
        return err;
    }
    err = bind_text(st, 1, org_id);
    err = err == POSTQ_OK ? bind_int(st, 2, from_ms) : err;
    err = err == POSTQ_OK ? bind_int(st, 3, bucket_ms) : err;
    err = err == POSTQ_OK ? bind_int(st, 4, from_ms + (int64_t)n * bucket_ms) : err;
    while (err == POSTQ_OK && (err = step(c, st, &row, NULL)) == POSTQ_OK && row) {
        int64_t b = sqlite3_column_int64(st, 0);
        if (b < 0 || (uint64_t)b >= n) {
            continue; /* cannot happen with the WHERE clause; never index past out */
        }
        if (id == S_ACT_SIGS) {
            int64_t failed = sqlite3_column_int64(st, 2);
            out[b].audit_failed = failed;
            out[b].signed_ok = sqlite3_column_int64(st, 1) - failed;
        } else {
            out[b].rejected = sqlite3_column_int64(st, 1);
        }
    }
    done(st);
    return err;
}

static postq_err sq_log_size(struct postq_store *s, const char *org_id, int64_t *size)
{
    WITH_CONN(s, c, err);
    if (err == POSTQ_OK) {
        err = log_size_on(c, org_id, size);
        release(st_, c);
    }
    return err;
}

static postq_err read_checkpoint(sqlite3_stmt *st, void *rec)
{
    struct postq_store_checkpoint *cp = rec;
    const unsigned char *note = sqlite3_column_text(st, 2);
    size_t n = col_len(st, 2);
    char *mem;
    if (note == NULL || col_len(st, 1) != 32 || sqlite3_column_blob(st, 1) == NULL) {
        postq_store_set_errmsg("sqlite: corrupt log_checkpoints row");
        return POSTQ_E_IO;
    }
    mem = postq_malloc(n + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, note, n + 1);
    cp->size = sqlite3_column_int64(st, 0);
    memcpy(cp->root, sqlite3_column_blob(st, 1), 32);
    cp->note = mem;
    cp->created_at = sqlite3_column_int64(st, 3);
    cp->mem_ = mem;
    return POSTQ_OK;
}

static postq_err sq_checkpoint_get(struct postq_store *s, const char *org_id, int64_t size,
                                   struct postq_store_checkpoint *out)
{
    sqlite3_stmt *st;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, size == 0 ? S_CP_LATEST : S_CP_GET, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK && size != 0 ? bind_int(st, 2, size) : err;
        err = err == POSTQ_OK ? get_one(c, st, read_checkpoint, out) : (done(st), err);
    }
    release(st_, c);
    return err;
}

static postq_err sq_log_nodes_get(struct postq_store *s, const char *org_id,
                                  struct postq_merkle_node *nodes, size_t n)
{
    WITH_CONN(s, c, err);
    struct node_ctx nc = {c, org_id};
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        err = node_get(&nc, nodes[i].level, nodes[i].index, nodes[i].hash);
    }
    if (c != NULL) {
        release(st_, c);
    }
    return err;
}

static postq_err sq_log_entries(struct postq_store *s, const char *org_id, int64_t from, size_t n,
                                struct postq_buf *out)
{
    sqlite3_stmt *st;
    int64_t want = from;
    int row = 1;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = stmt(c, S_ENTRIES, &st);
    if (err == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK ? bind_int(st, 2, from) : err;
        err = err == POSTQ_OK ? bind_int(st, 3, from + (int64_t)n) : err;
        while (err == POSTQ_OK && (err = step(c, st, &row, NULL)) == POSTQ_OK && row) {
            const void *e = sqlite3_column_blob(st, 1);
            size_t len = col_len(st, 1);
            uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};
            if (sqlite3_column_int64(st, 0) != want || e == NULL || len == 0 || len > 0xffff) {
                postq_store_set_errmsg("sqlite: corrupt log entry");
                err = POSTQ_E_IO;
                break;
            }
            err = postq_buf_append(out, pre, 2);
            err = err == POSTQ_OK ? postq_buf_append(out, e, len) : err;
            want++;
        }
        done(st);
    }
    if (err == POSTQ_OK && want != from + (int64_t)n) {
        postq_store_set_errmsg("log: entry %lld not stored", (long long)want);
        err = POSTQ_E_NOT_FOUND;
    }
    release(st_, c);
    return err;
}

/* A checkpoint row, committed without an fsync of its own (synchronous=NORMAL for this
 * transaction alone, WAL mode): it reaches the disk with the next signature's commit, and one
 * lost in a power cut is replaced by the next checkpoint. */
static postq_err sq_checkpoint_put(struct postq_store *s, const char *org_id, int64_t size,
                                   const uint8_t root[32], const char *note)
{
    sqlite3_stmt *st;
    WITH_WRITER(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec_plain(c->db, "PRAGMA synchronous=NORMAL");
    err = err == POSTQ_OK ? run_id(c, S_BEGIN) : err;
    if (err == POSTQ_OK && (err = stmt(c, S_CP_INSERT, &st)) == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK ? bind_int(st, 2, size) : err;
        err = err == POSTQ_OK ? bind_blob(st, 3, root, 32) : err;
        err = err == POSTQ_OK ? bind_text(st, 4, note) : err;
        err = err == POSTQ_OK ? bind_int(st, 5, postq_time_now_ms()) : err;
        err = err == POSTQ_OK ? run(c, st, NULL) : (done(st), err);
    }
    err = err == POSTQ_OK ? run_id(c, S_COMMIT) : err;
    if (err != POSTQ_OK) {
        rollback(c);
    }
    if (exec_plain(c->db, "PRAGMA synchronous=FULL") != POSTQ_OK) {
        /* Never give back a connection that would commit signatures without an fsync: it
         * leaves the pool, closed. (Setting the pragma fails only without memory.) */
        pthread_mutex_lock(&st_->lock);
        for (size_t i = 0; i < POOL_MAX; i++) {
            if (st_->all[i] == c) {
                st_->all[i] = NULL;
            }
        }
        st_->n_all--;
        pthread_cond_signal(&st_->cond);
        pthread_mutex_unlock(&st_->lock);
        conn_close(c);
        pthread_mutex_unlock(&st_->write_lock);
        return POSTQ_E_IO;
    }
    release_writer(st_, c);
    return err;
}

static postq_err sq_activity(struct postq_store *s, const char *org_id, int64_t from_ms,
                             int64_t bucket_ms, size_t n, struct postq_store_activity_bucket *out,
                             struct postq_store_rejection *recent, size_t recent_cap,
                             size_t *recent_n)
{
    sqlite3_stmt *st;
    int row = 0;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = count_buckets(c, S_ACT_SIGS, org_id, from_ms, bucket_ms, n, out);
    if (err == POSTQ_OK) {
        err = count_buckets(c, S_ACT_REJS, org_id, from_ms, bucket_ms, n, out);
    }
    if (err == POSTQ_OK && recent_cap > 0 && (err = stmt(c, S_REJ_RECENT, &st)) == POSTQ_OK) {
        err = bind_text(st, 1, org_id);
        err = err == POSTQ_OK ? bind_int(st, 2, (int64_t)recent_cap) : err;
        while (err == POSTQ_OK && *recent_n < recent_cap &&
               (err = step(c, st, &row, NULL)) == POSTQ_OK && row) {
            struct postq_store_rejection *r = &recent[*recent_n];
            err = col_text(st, 0, r->key_id, sizeof(r->key_id));
            err = err == POSTQ_OK ? col_text(st, 1, r->reason, sizeof(r->reason)) : err;
            r->created_at = sqlite3_column_int64(st, 2);
            if (err == POSTQ_OK) {
                (*recent_n)++;
            }
        }
        done(st);
    }
    release(st_, c);
    return err;
}

static const struct postq_store_ops sqlite_ops = {
    .name = "sqlite",
    /* One connection's cache is reset by every other connection's write (WAL): a row per
     * sign would cost every next sign its reads again. */
    .checkpoint_row_ms = 1000,
    .close = sqlite_close,
    .health = sq_health,
    .write_check = sq_write_check,
    .schema_version = sq_schema_version,
    .org_create = sq_org_create,
    .org_get = sq_org_get,
    .org_list = sq_org_list,
    .apikey_create = sq_apikey_create,
    .apikey_get_by_id = sq_apikey_get_by_id,
    .apikey_list = sq_apikey_list,
    .apikey_delete = sq_apikey_delete,
    .policy_create = sq_policy_create,
    .policy_get = sq_policy_get,
    .policy_list = sq_policy_list,
    .policy_delete = sq_policy_delete,
    .policy_get_version = sq_policy_get_version,
    .policy_update = sq_policy_update,
    .key_create = sq_key_create,
    .key_get = sq_key_get,
    .key_list = sq_key_list,
    .key_get_bound = sq_key_get_bound,
    .key_rotate = sq_key_rotate,
    .key_version_set = sq_key_version_set,
    .key_delete = sq_key_delete,
    .counter_seen = sq_counter_seen,
    .put_signature = sq_put_signature,
    .log_size = sq_log_size,
    .checkpoint_get = sq_checkpoint_get,
    .checkpoint_put = sq_checkpoint_put,
    .log_nodes_get = sq_log_nodes_get,
    .log_entries = sq_log_entries,
    .sig_get = sq_sig_get,
    .sig_list = sq_sig_list,
    .rejection_add = sq_rejection_add,
    .activity = sq_activity,
};
