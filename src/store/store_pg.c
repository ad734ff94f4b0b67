/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL backend ("postgresql://…", "postgres://…": a libpq connection URI, passed to
 * libpq as given). The schema is src/store/schema/pg/NNN_*.sql, the SQLite migrations in
 * PostgreSQL's dialect, embedded at build time (scripts/embed-sql.sh → pg_migrations.h) and
 * applied at open under an advisory lock, so API nodes that start together apply each once.
 *
 * Several API nodes share one database; nothing here caches rows but each log's tree as this
 * node last committed it, always checked against the database before use. Most writes are one
 * statement in autocommit, committed whole or not at all without a round trip for BEGIN and
 * COMMIT. A logged sign (the transparency log) is one too when the log's row in `logs` (the
 * log's writer lock across nodes) still holds the size and root this node committed last;
 * otherwise it is a short transaction that locks that row, reads the tree's edge, then writes
 * its counter pair, leaf, nodes and sign result in one statement. apikey_delete locks the
 * organisation's row first. Uniqueness of (moduleId, counter) is the database's primary key,
 * so two nodes can never both store one pair.
 *
 * Group commit: PostgreSQL flushes the WAL of commits that arrive together with one fsync, so
 * unlogged writes need no batching here. Logged signs of one organisation would commit one at a
 * time behind the log's row, so a node gathers those that arrive while a commit to that log is
 * under way into its next transaction (put_logged), as the SQLite backend does for all signs.
 *
 * Connections: a pool of up to POOL_MAX per handle (a mutex guards only the pool), each with its
 * statements prepared on first use. A connection found broken (PostgreSQL restarted, the network
 * lost) is closed and a new one opened by the next call; while none can be opened, calls fail
 * with POSTQ_E_NETWORK ("the database cannot be reached": the server answers 503
 * store_unavailable) and succeed again as soon as PostgreSQL is back. Idle connections are
 * checked before use (the server's goodbye makes the socket readable), so a restart costs no
 * write an unknown outcome. A sign whose connection breaks while its statement is in flight is
 * looked up on a fresh connection: found, it is answered as stored; otherwise POSTQ_E_IO, since
 * it may yet have committed (and a retry would sign twice). */
#include "store/backend.h"

#include <libpq-fe.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/timefmt.h"

#define POOL_MAX        16
#define CONNECT_TIMEOUT "5" /* seconds; a URI's own connect_timeout overrides it */
#define MIGRATE_LOCK    "7382029341953310001" /* pg_advisory_xact_lock key of the migrations */
#define PARAMS_MAX      26

struct migration {
    int version;
    const char *name;
    const char *sql;
};
#include "store/pg_migrations.h"

#define MIGRATIONS_N (sizeof(migrations) / sizeof(migrations[0]))

enum stmt_id {
    S_VERSION,
    S_WRITE_CHECK,
    S_ORG_INSERT,
    S_ORG_GET,
    S_ORG_LIST,
    S_AK_INSERT,
    S_AK_GET,
    S_AK_LIST,
    S_ORG_LOCK,
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
    S_KEY_BOUND,
    S_KEY_ROTATE,
    S_KEY_DELETE,
    S_KV_INSERT,
    S_KV_LIST,
    S_KV_SET,
    S_KV_STATE,
    S_KV_DESTROY_ALL,
    S_CTR_SEEN,
    S_SIG_INSERT,
    S_SIG_INSERT_CTR,
    S_SIG_EXISTS,
    S_SIG_GET,
    S_SIG_LIST,
    S_SIG_LIST_KEY,
    S_REJ_INSERT,
    S_ACT_SIGS,
    S_ACT_REJS,
    S_REJ_RECENT,
    S_LOG_LOCK,
    S_LOG_SIZE,
    S_NODE_GET,
    S_SIG_INSERT_LOGGED,
    S_SIG_INSERT_NEXT,
    S_ENTRIES,
    S_CP_INSERT,
    S_CP_LATEST,
    S_CP_GET,
    S_COUNT
};

#define SIG_VALS                                                                                   \
    "$1, $2, $3, $4::bigint, $5, $6::bytea, $7::bytea, $8::bigint, $9, $10, $11, $12::bigint, "   \
    "$13, $14, $15, $16, $17::bigint, $18::bigint"
/* A sign result's key must be a key of its organisation. Checked by this read rather than by
 * a foreign key: a foreign key check takes a share lock on the key's row, and concurrent signs
 * with one key (the usual load) then share that lock through multixacts, which cost more than
 * the insert. Keys are never deleted, so the read cannot race with a delete. */
#define SIG_KEY "WHERE EXISTS (SELECT 1 FROM hybrid_keys WHERE org_id = $2 AND id = $3)"
/* A logged sign's rows besides its sign result, each written only when k has its row. */
#define LOGGED_ROWS                                                                                \
    "c AS (INSERT INTO enclave_counters (module_id, counter, signature_id) "                       \
    "SELECT $19, $20::bigint, $1 FROM k WHERE $19::text IS NOT NULL), "                            \
    "n AS (INSERT INTO log_nodes (org_id, level, idx, hash) "                                      \
    "SELECT $2, t.l, t.i, decode(t.h, 'hex') FROM k, "                                             \
    "unnest($21::bigint[], $22::bigint[], $23::text[]) AS t(l, i, h)), "                           \
    "e AS (INSERT INTO log_entries (org_id, idx, signature_id, entry) "                            \
    "SELECT $2, $18::bigint, $1, $24::bytea FROM k)"

/* Lists page by id, newest first, as store_sqlite.c: $2 is the cursor or "~", $3 the limit. */
static const char *const stmt_sql[S_COUNT] = {
    [S_VERSION] = "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
    [S_WRITE_CHECK] = "UPDATE schema_migrations SET applied_at = applied_at "
                      "WHERE version = (SELECT max(version) FROM schema_migrations)",
    [S_ORG_INSERT] = "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)",
    [S_ORG_GET] = "SELECT id, name, created_at FROM orgs WHERE id = $1",
    [S_ORG_LIST] = "SELECT id, name, created_at FROM orgs WHERE id < $1 ORDER BY id DESC LIMIT $2",
    [S_AK_INSERT] = "INSERT INTO api_keys (" AK_COLS ") VALUES ($1, $2, $3, $4, $5, $6)",
    [S_AK_GET] = "SELECT " AK_COLS " FROM api_keys WHERE id = $1",
    [S_AK_LIST] = "SELECT " AK_COLS " FROM api_keys WHERE org_id = $1 AND id < $2 "
                  "ORDER BY id DESC LIMIT $3",
    /* Under READ COMMITTED two deletes of an organisation's two admin keys would each count
     * two admins; locking the organisation's row first makes them take turns, and the second
     * DELETE (a new snapshot) sees the first one's. */
    [S_ORG_LOCK] = "SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE",
    [S_AK_DELETE] = "DELETE FROM api_keys WHERE org_id = $1 AND id = $2 AND (role <> 'admin' OR "
                    "(SELECT count(*) FROM api_keys WHERE org_id = $1 AND role = 'admin') > 1)",
    [S_POL_INSERT] = "INSERT INTO policies (" POL_COLS ") "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [S_POL_GET] = "SELECT " POL_COLS " FROM policies WHERE org_id = $1 AND id = $2",
    [S_POL_LIST] = "SELECT " POL_COLS " FROM policies WHERE org_id = $1 AND id < $2 "
                   "ORDER BY id DESC LIMIT $3",
    [S_POL_DELETE] = "DELETE FROM policies WHERE org_id = $1 AND id = $2",
    [S_POL_BOUND] = "SELECT 1 FROM hybrid_keys WHERE org_id = $1 AND policy_id = $2 "
                    "AND deleted_at IS NULL LIMIT 1",
    [S_POL_UNBIND] = "UPDATE hybrid_keys SET policy_id = NULL WHERE org_id = $1 AND policy_id = $2 "
                     "AND deleted_at IS NOT NULL",
    [S_POLV_INSERT] =
        "INSERT INTO policy_versions (org_id, policy_id, version, name, vendor, body, "
        "enforce, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    [S_POLV_GET] = "SELECT " POLV_SEL " FROM policies p JOIN policy_versions v "
                   "ON v.policy_id = p.id WHERE p.org_id = $1 AND p.id = $2 AND v.version = $3",
    [S_POLV_DELETE] = "DELETE FROM policy_versions WHERE org_id = $1 AND policy_id = $2",
    /* The row lock the UPDATE takes makes concurrent updates of one policy take turns. */
    [S_POL_UPDATE] =
        "UPDATE policies SET name = $3, body = $4, enforce = $5, version = version + 1, "
        "updated_at = $6 WHERE org_id = $1 AND id = $2 AND vendor = $7 "
        "AND version < $8 RETURNING version",
    [S_KEY_INSERT] = "INSERT INTO hybrid_keys (" KEY_INSERT_COLS ") "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    [S_KEY_GET] = "SELECT " KEY_SEL " FROM hybrid_keys k JOIN key_versions v "
                  "ON v.key_id = k.id AND v.version = k.version WHERE k.org_id = $1 AND k.id = $2",
    [S_KEY_LIST] = "SELECT " KEY_SEL " FROM hybrid_keys k JOIN key_versions v "
                   "ON v.key_id = k.id AND v.version = k.version WHERE k.org_id = $1 AND k.id < $2 "
                   "ORDER BY k.id DESC LIMIT $3",
    [S_KEY_EXISTS] = "SELECT 1 FROM hybrid_keys WHERE org_id = $1 AND id = $2",
    /* The key with the version that signs (the newest enabled one; NULLs when none), then its
     * policy's columns (NULL when it is bound to none). */
    [S_KEY_BOUND] = "SELECT " KEY_SEL ", p.id, p.org_id, p.name, p.vendor, p.body, p.enforce, "
                    "p.created_at, p.version, p.updated_at FROM hybrid_keys k "
                    "LEFT JOIN key_versions v ON v.key_id = k.id AND v.version = "
                    "(SELECT max(version) FROM key_versions WHERE key_id = k.id AND "
                    "state = 'enabled') "
                    "LEFT JOIN policies p ON p.org_id = k.org_id AND p.id = k.policy_id "
                    "WHERE k.org_id = $1 AND k.id = $2",
    [S_KEY_ROTATE] = "UPDATE hybrid_keys SET version = version + 1 WHERE org_id = $1 AND id = $2 "
                     "AND deleted_at IS NULL AND version < $3 RETURNING version",
    [S_KEY_DELETE] = "UPDATE hybrid_keys SET deleted_at = coalesce(deleted_at, $3) "
                     "WHERE org_id = $1 AND id = $2",
    [S_KV_INSERT] = "INSERT INTO key_versions (org_id, key_id, version, public_key, sealed_key, "
                    "state, created_at) VALUES ($1, $2, $3, $4, $5, 'enabled', $6)",
    [S_KV_LIST] = "SELECT " KV_COLS " FROM key_versions WHERE key_id = $1 ORDER BY version",
    [S_KV_SET] = "UPDATE key_versions SET state = $4, sealed_key = CASE WHEN $4 = 'destroyed' "
                 "THEN NULL ELSE sealed_key END WHERE org_id = $1 AND key_id = $2 AND version = $3 "
                 "AND (state <> 'destroyed' OR $4 = 'destroyed')",
    [S_KV_STATE] =
        "SELECT state FROM key_versions WHERE org_id = $1 AND key_id = $2 AND version = $3",
    [S_KV_DESTROY_ALL] = "UPDATE key_versions SET state = 'destroyed', sealed_key = NULL "
                         "WHERE org_id = $1 AND key_id = $2",
    [S_CTR_SEEN] = "SELECT 1 FROM enclave_counters WHERE module_id = $1 AND counter = $2",
    [S_SIG_INSERT] = "INSERT INTO signatures (" SIG_COLS ") SELECT " SIG_VALS " " SIG_KEY,
    /* The counter pair and the sign result in one statement: one commit, all or nothing. */
    [S_SIG_INSERT_CTR] = "WITH k AS (SELECT 1 " SIG_KEY "), "
                         "c AS (INSERT INTO enclave_counters (module_id, counter, signature_id) "
                         "SELECT $19, $20::bigint, $1 FROM k) "
                         "INSERT INTO signatures (" SIG_COLS ") SELECT " SIG_VALS " FROM k",
    [S_SIG_EXISTS] = "SELECT 1 FROM signatures WHERE id = $1",
    [S_SIG_GET] = "SELECT " SIG_COLS " FROM signatures WHERE org_id = $1 AND id = $2",
    [S_SIG_LIST] = "SELECT " SIG_COLS " FROM signatures WHERE org_id = $1 AND id < $2 "
                   "ORDER BY id DESC LIMIT $3",
    [S_SIG_LIST_KEY] = "SELECT " SIG_COLS " FROM signatures WHERE org_id = $1 AND id < $2 "
                       "AND key_id = $4 ORDER BY id DESC LIMIT $3",
    [S_REJ_INSERT] = "INSERT INTO sign_rejections (org_id, key_id, reason, created_at) "
                     "VALUES ($1, $2, $3, $4)",
    [S_ACT_SIGS] = "SELECT (created_at - $2) / $3, count(*), "
                   "count(*) FILTER (WHERE att_verdict = 'fail') FROM signatures "
                   "WHERE org_id = $1 AND created_at >= $2 AND created_at < $4 GROUP BY 1",
    [S_ACT_REJS] = "SELECT (created_at - $2) / $3, count(*), 0::bigint FROM sign_rejections "
                   "WHERE org_id = $1 AND created_at >= $2 AND created_at < $4 GROUP BY 1",
    [S_REJ_RECENT] = "SELECT key_id, reason, created_at FROM sign_rejections WHERE org_id = $1 "
                     "ORDER BY created_at DESC, id DESC LIMIT $2",
    /* The log's row is its writer lock: taken here, held to the commit (one writer per log
     * across every API node); the row is made on the first append. */
    [S_LOG_LOCK] = "INSERT INTO logs (org_id, size) VALUES ($1, 0) ON CONFLICT (org_id) "
                   "DO UPDATE SET size = logs.size RETURNING size",
    [S_LOG_SIZE] = "SELECT size FROM logs WHERE org_id = $1",
    /* One primary-key probe per node asked for (a NULL hash: not stored). A join or an IN
     * list let the planner scan the organisation's whole log and hash it, a cost that grows
     * with the log. */
    [S_NODE_GET] = "SELECT t.l, t.i, (SELECT n.hash FROM log_nodes n WHERE n.org_id = $1 "
                   "AND n.level = t.l AND n.idx = t.i) "
                   "FROM unnest($2::bigint[], $3::bigint[]) AS t(l, i)",
    /* A logged sign in one statement, the log's row locked (put_logged_tx): the counter pair
     * when $19 is not NULL, the nodes the leaf completes ($21 levels, $22 indices, $23 hashes
     * in hex), its entry ($24) at index $18, the log's new size and root ($25), and the sign
     * result. */
    [S_SIG_INSERT_LOGGED] = "WITH k AS (SELECT 1 " SIG_KEY "), " LOGGED_ROWS
                            ", z AS (UPDATE logs SET size = $18::bigint + 1, root = $25::bytea "
                            "WHERE org_id = $2 AND EXISTS (SELECT 1 FROM k)) "
                            "INSERT INTO signatures (" SIG_COLS ") SELECT " SIG_VALS " FROM k",
    /* The same without a lock taken first (a batch's first sign, from the tree this node last
     * committed; alone, in autocommit): the log's row is updated only while it still holds that
     * size ($18) and root ($26), so the update is the lock and the check at once. No row
     * changed: another writer came first (or the key is not there), and nothing was written. */
    [S_SIG_INSERT_NEXT] = "WITH k AS (UPDATE logs SET size = $18::bigint + 1, root = $25::bytea "
                          "WHERE org_id = $2 AND size = $18::bigint AND root = $26::bytea AND "
                          "EXISTS (SELECT 1 FROM hybrid_keys WHERE org_id = $2 AND id = $3) "
                          "RETURNING 1), " LOGGED_ROWS " INSERT INTO signatures (" SIG_COLS
                          ") SELECT " SIG_VALS " FROM k",
    [S_ENTRIES] = "SELECT idx, entry FROM log_entries WHERE org_id = $1 AND idx >= $2::bigint "
                  "AND idx < $3::bigint ORDER BY idx",
    /* A checkpoint's row, in autocommit without waiting for the WAL flush (set_config's
     * third argument: this transaction only): a checkpoint lost in a crash is replaced by the
     * next one. */
    [S_CP_INSERT] = "WITH o AS (SELECT set_config('synchronous_commit', 'off', true)) "
                    "INSERT INTO log_checkpoints (org_id, size, root, note, created_at) "
                    "SELECT $1, $2::bigint, $3::bytea, $4, $5::bigint FROM o "
                    "ON CONFLICT (org_id, size) DO NOTHING",
    [S_CP_LATEST] = "SELECT size, root, note, created_at FROM log_checkpoints "
                    "WHERE org_id = $1 ORDER BY size DESC LIMIT 1",
    [S_CP_GET] = "SELECT size, root, note, created_at FROM log_checkpoints "
                 "WHERE org_id = $1 AND size = $2::bigint",
};

struct conn {
    PGconn *pg;
    unsigned char prepared[S_COUNT];
    int broken; /* closed on release */
    struct conn *next_free;
};

/* Logged signs of one organisation waiting for (or in) this process's next commit to its log
 * (see pg_put_signature). */
struct pg_log_cache;

struct pg_gc {
    char org_id[POSTQ_ID_MAX];
    struct postq_store_gc q;
    struct pg_log_cache *cache; /* the log's tree as last committed here (its leader's) */
    struct pg_gc *next;
};

struct pg_store {
    struct postq_store base; /* first: the handle the front sees */
    char *url;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t n_all; /* connections open or being opened */
    struct conn *free_list;
    pthread_mutex_t gc_lock;
    pthread_cond_t gc_cond;
    struct pg_gc *gcs; /* one per organisation that logged here, kept until close */
};

static struct pg_store *impl(struct postq_store *s)
{
    return (struct pg_store *)s;
}

/* ---- parameters --------------------------------------------------------------------------- */

/* A statement's parameters: text (strings and integers, as decimal) or binary (bytea). */
struct params {
    const char *v[PARAMS_MAX];
    int len[PARAMS_MAX];
    int fmt[PARAMS_MAX];
    char num[PARAMS_MAX][24];
    int n;
};

static void p_text(struct params *p, const char *s)
{
    p->v[p->n] = s; /* NULL: SQL NULL */
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void p_int(struct params *p, int64_t x)
{
    snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", (long long)x);
    p_text(p, p->num[p->n]);
}

static void p_null(struct params *p)
{
    p_text(p, NULL);
}

static postq_err p_blob(struct params *p, const void *b, size_t n)
{
    static const char empty[1];
    if (n > INT_MAX) {
        return POSTQ_E_TOO_LARGE;
    }
    p->v[p->n] = n > 0 ? b : empty;
    p->len[p->n] = (int)n;
    p->fmt[p->n] = 1;
    p->n++;
    return POSTQ_OK;
}

/* ---- errors ------------------------------------------------------------------------------- */

/* Whether a SQLSTATE says the connection or the server went away (class 08; the server shutting
 * down or starting up, 57P01-57P03). */
static int state_is_lost(const char *state)
{
    return state != NULL &&
           (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
            strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0);
}

/* The first line of a libpq message (no DETAIL: it can quote row values). */
static void first_line(char *dst, size_t cap, const char *msg)
{
    size_t n = 0;
    if (msg == NULL) {
        msg = "";
    }
    while (msg[n] != '\0' && msg[n] != '\n' && n + 1 < cap) {
        n++;
    }
    memcpy(dst, msg, n);
    dst[n] = '\0';
}

/* Map a failed statement (res may be NULL: the connection failed); *state_out gets its
 * SQLSTATE ("" when there is none). Constraint violations are POSTQ_E_IO here: the caller knows
 * which constraint a statement can break and maps it. */
static postq_err fail(struct conn *c, const PGresult *res, const char *what, char state_out[6])
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char line[200];

    first_line(line, sizeof(line), msg != NULL ? msg : PQerrorMessage(c->pg));
    if (state_out != NULL) {
        snprintf(state_out, 6, "%s", state != NULL ? state : "");
    }
    if (PQstatus(c->pg) != CONNECTION_OK || state_is_lost(state)) {
        c->broken = 1;
        postq_store_set_errmsg("postgres: %s: the database cannot be reached: %s", what, line);
        return POSTQ_E_NETWORK;
    }
    postq_store_set_errmsg("postgres: %s: %s", what, line);
    if (state == NULL) {
        return POSTQ_E_IO;
    }
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0 || strcmp(state, "53300") == 0) {
        return POSTQ_E_BUSY; /* serialization, deadlock, lock timeout, too many connections */
    }
    if (strcmp(state, "53200") == 0) {
        return POSTQ_E_NOMEM;
    }
    if (strcmp(state, "22001") == 0 || strcmp(state, "54000") == 0) {
        return POSTQ_E_TOO_LARGE;
    }
    return POSTQ_E_IO;
}

/* ---- connections -------------------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
    if (c != NULL) {
        PQfinish(c->pg);
        postq_free(c);
    }
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static postq_err conn_open(const char *url, struct conn **out)
{
    static const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {CONNECT_TIMEOUT, "postq-api", url, NULL};
    struct conn *c;
    char line[200];

    *out = NULL;
    c = postq_calloc(1, sizeof(*c));
    if (c == NULL) {
        return POSTQ_E_NOMEM;
    }
    /* expand_dbname: the URI is parsed as a connection string; its values override the two
     * defaults before it. */
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg == NULL) {
        postq_free(c);
        return POSTQ_E_NOMEM;
    }
    /* Notices (NOTICE: relation already exists, the server's FATAL goodbye) are not ours to
     * print: the store reports its own errors. */
    PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        first_line(line, sizeof(line), PQerrorMessage(c->pg));
        postq_store_set_errmsg("postgres: the database cannot be reached: %s", line);
        conn_close(c);
        return POSTQ_E_NETWORK;
    }
    *out = c;
    return POSTQ_OK;
}

/* Whether an idle connection is still usable. Nothing we use makes PostgreSQL write to an idle
 * connection except its goodbye when it shuts down or ends the session (an error message, then
 * EOF), so a readable idle socket is taken as a dead connection. */
static int conn_alive(struct conn *c)
{
    struct pollfd pfd;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        return 0;
    }
    pfd.fd = PQsocket(c->pg);
    pfd.events = POLLIN;
    pfd.revents = 0;
    return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

/* Borrow a connection (opening one while the pool is not full) / give it back. */
static postq_err acquire(struct pg_store *st, struct conn **out)
{
    struct conn *c = NULL;
    postq_err err;

    pthread_mutex_lock(&st->lock);
    for (;;) {
        while (st->free_list == NULL && st->n_all == POOL_MAX) {
            pthread_cond_wait(&st->cond, &st->lock);
        }
        if (st->free_list == NULL) {
            break;
        }
        c = st->free_list;
        st->free_list = c->next_free;
        pthread_mutex_unlock(&st->lock);
        if (conn_alive(c)) {
            *out = c;
            return POSTQ_OK;
        }
        conn_close(c); /* dead: drop it and look again */
        c = NULL;
        pthread_mutex_lock(&st->lock);
        st->n_all--;
    }
    st->n_all++; /* reserve the slot, open outside the lock */
    pthread_mutex_unlock(&st->lock);

    err = conn_open(st->url, &c);

    pthread_mutex_lock(&st->lock);
    if (err != POSTQ_OK) {
        st->n_all--;
        pthread_cond_signal(&st->cond);
    } else {
        *out = c;
    }
    pthread_mutex_unlock(&st->lock);
    return err;
}

static void release(struct pg_store *st, struct conn *c)
{
    if (c == NULL) {
        return;
    }
    if (!c->broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->pg, "ROLLBACK"); /* never fault-injected */
        if (PQresultStatus(r) != PGRES_COMMAND_OK ||
            PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
            c->broken = 1;
        }
        PQclear(r);
    }
    pthread_mutex_lock(&st->lock);
    if (c->broken || PQstatus(c->pg) != CONNECTION_OK) {
        st->n_all--;
        pthread_mutex_unlock(&st->lock);
        conn_close(c);
        pthread_mutex_lock(&st->lock);
    } else {
        c->next_free = st->free_list;
        st->free_list = c;
    }
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

/* ---- statements --------------------------------------------------------------------------- */

/* Run statement id with p; counts one store operation (fault hook). On POSTQ_OK *res holds the
 * result (PQclear it); on failure *res is NULL and *state the SQLSTATE ("" when none). */
static postq_err exec(struct conn *c, enum stmt_id id, const struct params *p, PGresult **res,
                      char state[6])
{
    char name[8];
    PGresult *r;
    ExecStatusType rs;
    postq_err err;

    *res = NULL;
    if (state != NULL) {
        state[0] = '\0';
    }
    err = postq_store_fault_tick();
    if (err != POSTQ_OK) {
        return err;
    }
    snprintf(name, sizeof(name), "s%d", (int)id);
    if (!c->prepared[id]) {
        r = PQprepare(c->pg, name, stmt_sql[id], 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            err = fail(c, r, "prepare", state);
            PQclear(r);
            return err;
        }
        PQclear(r);
        c->prepared[id] = 1;
    }
    r = PQexecPrepared(c->pg, name, p != NULL ? p->n : 0, p != NULL ? p->v : NULL,
                       p != NULL ? p->len : NULL, p != NULL ? p->fmt : NULL, 1);
    rs = PQresultStatus(r);
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        err = fail(c, r, "statement", state);
        PQclear(r);
        return err;
    }
    *res = r;
    return POSTQ_OK;
}

/* A statement whose result we only need to succeed: *changed gets the rows it touched. */
static postq_err exec_cmd(struct conn *c, enum stmt_id id, const struct params *p,
                          long *changed, char state[6])
{
    PGresult *r;
    postq_err err = exec(c, id, p, &r, state);
    if (err == POSTQ_OK) {
        if (changed != NULL) {
            *changed = strtol(PQcmdTuples(r), NULL, 10);
        }
        PQclear(r);
    }
    return err;
}

/* A plain command outside the fault hook (migrations, transactions of the runner). */
static postq_err exec_plain(struct conn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType rs = PQresultStatus(r);
    postq_err err = POSTQ_OK;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        err = fail(c, r, what, NULL);
    }
    PQclear(r);
    return err;
}

/* Column readers for binary results. A value that does not fit is corruption. */
static postq_err col_text(const PGresult *r, int row, int i, char *dst, size_t cap)
{
    size_t n;
    if (PQgetisnull(r, row, i)) {
        dst[0] = '\0';
        return POSTQ_OK;
    }
    n = (size_t)PQgetlength(r, row, i);
    if (n >= cap || memchr(PQgetvalue(r, row, i), '\0', n) != NULL) {
        postq_store_set_errmsg("postgres: stored value of column %d too long", i);
        return POSTQ_E_IO;
    }
    memcpy(dst, PQgetvalue(r, row, i), n);
    dst[n] = '\0';
    return POSTQ_OK;
}

static int64_t col_int(const PGresult *r, int row, int i)
{
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, i);
    uint64_t x = 0;
    if (PQgetisnull(r, row, i) || PQgetlength(r, row, i) != 8) {
        return 0;
    }
    for (int k = 0; k < 8; k++) {
        x = x << 8 | v[k];
    }
    return (int64_t)x;
}

static size_t col_len(const PGresult *r, int row, int i)
{
    return PQgetisnull(r, row, i) ? 0 : (size_t)PQgetlength(r, row, i);
}

/* ---- open and migrations ------------------------------------------------------------------ */

static postq_err migrate(struct conn *c)
{
    struct params p;
    PGresult *r = NULL;
    int64_t have;
    postq_err err;

    err = exec_plain(c, "BEGIN", "begin");
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec_plain(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", "migration lock");
    if (err == POSTQ_OK) {
        err = exec_plain(c,
                         "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         "version bigint PRIMARY KEY, name text NOT NULL, "
                         "applied_at bigint NOT NULL)",
                         "creating schema_migrations");
    }
    if (err == POSTQ_OK) {
        r = PQexecParams(c->pg, stmt_sql[S_VERSION], 0, NULL, NULL, NULL, NULL, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
            err = fail(c, r, "reading schema_migrations", NULL);
        }
    }
    if (err != POSTQ_OK) {
        goto out;
    }
    have = col_int(r, 0, 0);
    PQclear(r);
    r = NULL;
    if (have > migrations[MIGRATIONS_N - 1].version) {
        postq_store_set_errmsg("postgres: schema version %lld is newer than this program's %d",
                               (long long)have, migrations[MIGRATIONS_N - 1].version);
        err = POSTQ_E_UNSUPPORTED;
        goto out;
    }
    for (size_t i = 0; i < MIGRATIONS_N && err == POSTQ_OK; i++) {
        if (migrations[i].version <= have) {
            continue;
        }
        err = exec_plain(c, migrations[i].sql, migrations[i].name);
        if (err != POSTQ_OK) {
            break;
        }
        memset(&p, 0, sizeof(p));
        p_int(&p, migrations[i].version);
        p_text(&p, migrations[i].name);
        p_int(&p, postq_time_now_ms());
        r = PQexecParams(c->pg,
                         "INSERT INTO schema_migrations (version, name, applied_at) "
                         "VALUES ($1, $2, $3)",
                         p.n, NULL, p.v, p.len, p.fmt, 1);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            err = fail(c, r, "recording a migration", NULL);
        }
        PQclear(r);
        r = NULL;
    }
    if (err == POSTQ_OK) {
        err = exec_plain(c, "COMMIT", "commit");
    }
out:
    PQclear(r);
    if (err != POSTQ_OK && !c->broken) {
        PQclear(PQexec(c->pg, "ROLLBACK"));
    }
    return err;
}

static const struct postq_store_ops pg_ops;

static void pg_close(struct postq_store *s)
{
    struct pg_store *st = impl(s);
    while (st->free_list != NULL) {
        struct conn *c = st->free_list;
        st->free_list = c->next_free;
        conn_close(c);
    }
    pthread_cond_destroy(&st->cond);
    pthread_mutex_destroy(&st->lock);
    while (st->gcs != NULL) {
        struct pg_gc *g = st->gcs;
        st->gcs = g->next;
        postq_free(g->cache);
        postq_free(g);
    }
    pthread_cond_destroy(&st->gc_cond);
    pthread_mutex_destroy(&st->gc_lock);
    if (st->url != NULL) {
        postq_wipe(st->url, strlen(st->url)); /* it may hold a password */
    }
    postq_free(st->url);
    postq_free(st);
}

postq_err postq_store_pg_open(const char *url, struct postq_store **out)
{
    struct pg_store *st;
    struct conn *c = NULL;
    size_t n = strlen(url);
    char *perr = NULL;
    PQconninfoOption *opts;
    postq_err err;

    /* A URI libpq cannot read is the caller's mistake, not an unreachable server. */
    opts = PQconninfoParse(url, &perr);
    if (opts == NULL) {
        char line[200];
        first_line(line, sizeof(line), perr != NULL ? perr : "out of memory");
        postq_store_set_errmsg("postgres: bad connection URI: %s", line);
        PQfreemem(perr);
        return perr != NULL ? POSTQ_E_ARG : POSTQ_E_NOMEM;
    }
    PQconninfoFree(opts);

    st = postq_calloc(1, sizeof(*st));
    if (st == NULL) {
        return POSTQ_E_NOMEM;
    }
    st->base.ops = &pg_ops;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    pthread_mutex_init(&st->gc_lock, NULL);
    pthread_cond_init(&st->gc_cond, NULL);
    st->url = postq_malloc(n + 1);
    if (st->url == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    memcpy(st->url, url, n + 1);
    err = acquire(st, &c);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = migrate(c);
    release(st, c);
out:
    if (err != POSTQ_OK) {
        pg_close(&st->base);
        return err;
    }
    *out = &st->base;
    return POSTQ_OK;
}

/* ---- row readers -------------------------------------------------------------------------- */

typedef postq_err (*row_fn)(const PGresult *r, int row, void *rec);

static postq_err read_org(const PGresult *r, int row, void *rec)
{
    struct postq_store_org *o = rec;
    postq_err err = col_text(r, row, 0, o->id, sizeof(o->id));
    err = err == POSTQ_OK ? col_text(r, row, 1, o->name, sizeof(o->name)) : err;
    o->created_at = col_int(r, row, 2);
    return err;
}

static const char *const role_names[] = {"", "admin", "signer", "viewer"};

static postq_err read_apikey(const PGresult *r, int row, void *rec)
{
    struct postq_store_apikey *k = rec;
    char role[16];
    postq_err err = col_text(r, row, 0, k->id, sizeof(k->id));
    err = err == POSTQ_OK ? col_text(r, row, 1, k->org_id, sizeof(k->org_id)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 2, k->name, sizeof(k->name)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 3, role, sizeof(role)) : err;
    if (err != POSTQ_OK) {
        return err;
    }
    k->role = 0;
    for (int i = POSTQ_STORE_ROLE_ADMIN; i <= POSTQ_STORE_ROLE_VIEWER; i++) {
        if (strcmp(role, role_names[i]) == 0) {
            k->role = (enum postq_store_role)i;
        }
    }
    if (k->role == 0 || col_len(r, row, 4) != POSTQ_STORE_SECRET_HASH_BYTES) {
        postq_store_set_errmsg("postgres: corrupt api_keys row");
        return POSTQ_E_IO;
    }
    memcpy(k->secret_hash, PQgetvalue(r, row, 4), POSTQ_STORE_SECRET_HASH_BYTES);
    k->created_at = col_int(r, row, 5);
    return POSTQ_OK;
}

/* A policy's POL_COLS from column b on. */
static postq_err read_policy_at(const PGresult *r, int row, int b, struct postq_store_policy *p)
{
    size_t body_len;
    char *mem;
    postq_err err = col_text(r, row, b, p->id, sizeof(p->id));
    err = err == POSTQ_OK ? col_text(r, row, b + 1, p->org_id, sizeof(p->org_id)) : err;
    err = err == POSTQ_OK ? col_text(r, row, b + 2, p->name, sizeof(p->name)) : err;
    err = err == POSTQ_OK ? col_text(r, row, b + 3, p->vendor, sizeof(p->vendor)) : err;
    if (err != POSTQ_OK) {
        return err;
    }
    body_len = col_len(r, row, b + 4);
    mem = postq_malloc(body_len + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, PQgetvalue(r, row, b + 4), body_len);
    mem[body_len] = '\0';
    p->mem_ = mem;
    p->body = mem;
    p->enforce = col_int(r, row, b + 5) != 0;
    p->created_at = col_int(r, row, b + 6);
    p->version = col_int(r, row, b + 7);
    p->updated_at = col_int(r, row, b + 8);
    return POSTQ_OK;
}

static postq_err read_policy(const PGresult *r, int row, void *rec)
{
    return read_policy_at(r, row, 0, rec);
}

static postq_err read_key(const PGresult *r, int row, void *rec)
{
    struct postq_store_key *k = rec;
    size_t pk_len, sk_len;
    uint8_t *mem;
    postq_err err = col_text(r, row, 0, k->id, sizeof(k->id));
    err = err == POSTQ_OK ? col_text(r, row, 1, k->org_id, sizeof(k->org_id)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 2, k->name, sizeof(k->name)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 3, k->algorithm, sizeof(k->algorithm)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 4, k->provider, sizeof(k->provider)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 5, k->policy_id, sizeof(k->policy_id)) : err;
    if (err != POSTQ_OK) {
        return err;
    }
    /* A NULL public key: no version enabled (S_KEY_BOUND); a NULL sealed key: destroyed. */
    pk_len = col_len(r, row, 6);
    sk_len = col_len(r, row, 7);
    mem = postq_malloc(pk_len + sk_len + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, PQgetvalue(r, row, 6), pk_len);
    memcpy(mem + pk_len, PQgetvalue(r, row, 7), sk_len);
    k->mem_ = mem;
    k->public_key.p = mem;
    k->public_key.len = pk_len;
    k->sealed_key.p = mem + pk_len;
    k->sealed_key.len = sk_len;
    k->version = col_int(r, row, 8); /* NULL reads as 0 */
    k->created_at = col_int(r, row, 9);
    k->newest_version = col_int(r, row, 10);
    k->deleted_at = col_int(r, row, 11);
    return POSTQ_OK;
}

static postq_err read_sig(const PGresult *r, int row, void *rec)
{
    struct postq_store_sig *g = rec;
    char verdict[8];
    size_t sig_len, doc_len;
    uint8_t *mem;
    postq_err err = col_text(r, row, 0, g->id, sizeof(g->id));
    err = err == POSTQ_OK ? col_text(r, row, 1, g->org_id, sizeof(g->org_id)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 2, g->key_id, sizeof(g->key_id)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 4, g->algorithm, sizeof(g->algorithm)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 8, g->att.vendor, sizeof(g->att.vendor)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 9, g->att.image_hash, sizeof(g->att.image_hash))
                          : err;
    err = err == POSTQ_OK ? col_text(r, row, 10, g->att.module_id, sizeof(g->att.module_id))
                          : err;
    err = err == POSTQ_OK ? col_text(r, row, 13, verdict, sizeof(verdict)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 14, g->att.reason, sizeof(g->att.reason)) : err;
    err = err == POSTQ_OK ? col_text(r, row, 15, g->policy_id, sizeof(g->policy_id)) : err;
    if (err != POSTQ_OK) {
        return err;
    }
    if (col_len(r, row, 5) != 32 || PQgetisnull(r, row, 6)) {
        postq_store_set_errmsg("postgres: corrupt signatures row");
        return POSTQ_E_IO;
    }
    g->key_version = col_int(r, row, 3);
    g->policy_version = col_int(r, row, 16);
    g->log_index = PQgetisnull(r, row, 17) ? -1 : col_int(r, row, 17);
    memcpy(g->payload_sha256, PQgetvalue(r, row, 5), 32);
    g->created_at = col_int(r, row, 7);
    g->att.counter = col_int(r, row, 11);
    g->has_attestation = !PQgetisnull(r, row, 13);
    g->att.verdict = strcmp(verdict, "pass") == 0   ? POSTQ_STORE_VERDICT_PASS
                     : strcmp(verdict, "fail") == 0 ? POSTQ_STORE_VERDICT_FAIL
                                                    : POSTQ_STORE_VERDICT_NONE;
    sig_len = col_len(r, row, 6);
    doc_len = PQgetisnull(r, row, 12) ? 0 : col_len(r, row, 12) + 1;
    mem = postq_malloc(sig_len + doc_len + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, PQgetvalue(r, row, 6), sig_len);
    g->signature.p = mem;
    g->signature.len = sig_len;
    if (doc_len > 0) {
        memcpy(mem + sig_len, PQgetvalue(r, row, 12), doc_len - 1);
        mem[sig_len + doc_len - 1] = '\0';
        g->att.doc_b64 = (const char *)(mem + sig_len);
    }
    g->mem_ = mem;
    return POSTQ_OK;
}

/* ---- generic helpers ---------------------------------------------------------------------- */

#define WITH_CONN(s, c, err)                                                                       \
    struct pg_store *st_ = impl(s);                                                                \
    struct conn *c = NULL;                                                                         \
    postq_err err = acquire(st_, &c)

/* Run a one-row SELECT with p: POSTQ_E_NOT_FOUND without a row. */
static postq_err get_one(struct postq_store *s, enum stmt_id id, const struct params *p,
                         row_fn fn, void *rec)
{
    PGresult *r;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec(c, id, p, &r, NULL);
    if (err == POSTQ_OK) {
        err = PQntuples(r) == 0 ? POSTQ_E_NOT_FOUND : fn(r, 0, rec);
        PQclear(r);
    }
    release(st_, c);
    return err;
}

static postq_err get_by(struct postq_store *s, enum stmt_id id, const char *a, const char *b,
                        row_fn fn, void *rec)
{
    struct params p;
    p.n = 0;
    p_text(&p, a);
    if (b != NULL) {
        p_text(&p, b);
    }
    return get_one(s, id, &p, fn, rec);
}

/* One page: binds [org_id,] cursor (or "~"), limit + 1 [, key_id]; fills up to limit records
 * into a fresh array; next_cursor is the last one's id when more rows exist. */
static postq_err list_by(struct postq_store *s, enum stmt_id id, const char *org_id,
                         const char *cursor, const char *key_id, row_fn fn, size_t item_size,
                         size_t limit, void **items, size_t *n, char *next_cursor)
{
    struct params p;
    PGresult *r;
    uint8_t *arr;
    int rows;

    *items = NULL;
    *n = 0;
    next_cursor[0] = '\0';
    p.n = 0;
    if (org_id != NULL) {
        p_text(&p, org_id);
    }
    p_text(&p, cursor != NULL && cursor[0] != '\0' ? cursor : "~");
    p_int(&p, (int64_t)limit + 1);
    if (key_id != NULL) {
        p_text(&p, key_id);
    }
    arr = postq_calloc(limit, item_size);
    if (arr == NULL) {
        return POSTQ_E_NOMEM;
    }
    *items = arr;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec(c, id, &p, &r, NULL);
    release(st_, c);
    if (err != POSTQ_OK) {
        return err;
    }
    rows = PQntuples(r);
    for (int i = 0; i < rows && err == POSTQ_OK; i++) {
        if (*n == limit) {
            /* The first field of every record type is its id. */
            memcpy(next_cursor, arr + (limit - 1) * item_size, POSTQ_ID_MAX);
            break;
        }
        err = fn(r, i, arr + *n * item_size);
        (*n)++; /* counted also on failure, so the page clear releases what fn took */
    }
    PQclear(r);
    return err;
}

/* An INSERT whose constraint failures are a foreign key (the organisation, or the policy of
 * that organisation): NOT_FOUND; or an id already taken: CONFLICT. */
static postq_err insert(struct postq_store *s, enum stmt_id id, const struct params *p)
{
    char state[6];
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec_cmd(c, id, p, NULL, state);
    release(st_, c);
    if (err != POSTQ_OK && strcmp(state, "23503") == 0) {
        postq_store_set_errmsg("no such organisation or policy");
        err = POSTQ_E_NOT_FOUND;
    } else if (err != POSTQ_OK && strcmp(state, "23505") == 0) {
        postq_store_set_errmsg("id already taken");
        err = POSTQ_E_CONFLICT;
    }
    return err;
}

/* ---- ops ---------------------------------------------------------------------------------- */

static postq_err pg_schema_version(struct postq_store *s, int64_t *version)
{
    PGresult *r;
    WITH_CONN(s, c, err);
    *version = 0;
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec(c, S_VERSION, NULL, &r, NULL);
    if (err == POSTQ_OK) {
        *version = PQntuples(r) == 1 ? col_int(r, 0, 0) : 0;
        PQclear(r);
    }
    release(st_, c);
    return err;
}

static postq_err pg_health(struct postq_store *s)
{
    int64_t v;
    return pg_schema_version(s, &v);
}

static postq_err pg_write_check(struct postq_store *s)
{
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec_cmd(c, S_WRITE_CHECK, NULL, NULL, NULL);
    release(st_, c);
    return err;
}

static postq_err pg_org_create(struct postq_store *s, struct postq_store_org *rec)
{
    struct params p;
    p.n = 0;
    p_text(&p, rec->id);
    p_text(&p, rec->name);
    p_int(&p, rec->created_at);
    return insert(s, S_ORG_INSERT, &p);
}

static postq_err pg_org_get(struct postq_store *s, const char *id, struct postq_store_org *out)
{
    return get_by(s, S_ORG_GET, id, NULL, read_org, out);
}

static postq_err pg_org_list(struct postq_store *s, size_t limit, const char *cursor,
                             struct postq_store_org_page *page)
{
    void *items;
    postq_err err = list_by(s, S_ORG_LIST, NULL, cursor, NULL, read_org, sizeof(page->items[0]),
                            limit, &items, &page->n, page->next_cursor);
    page->items = items;
    return err;
}

static postq_err pg_apikey_create(struct postq_store *s, struct postq_store_apikey *rec)
{
    struct params p;
    p.n = 0;
    p_text(&p, rec->id);
    p_text(&p, rec->org_id);
    p_text(&p, rec->name);
    p_text(&p, role_names[rec->role]);
    (void)p_blob(&p, rec->secret_hash, sizeof(rec->secret_hash));
    p_int(&p, rec->created_at);
    return insert(s, S_AK_INSERT, &p);
}

static postq_err pg_apikey_get_by_id(struct postq_store *s, const char *id,
                                     struct postq_store_apikey *out)
{
    return get_by(s, S_AK_GET, id, NULL, read_apikey, out);
}

static postq_err pg_apikey_list(struct postq_store *s, const char *org_id, size_t limit,
                                const char *cursor, struct postq_store_apikey_page *page)
{
    void *items;
    postq_err err = list_by(s, S_AK_LIST, org_id, cursor, NULL, read_apikey,
                            sizeof(page->items[0]), limit, &items, &page->n, page->next_cursor);
    page->items = items;
    return err;
}

static postq_err pg_apikey_delete(struct postq_store *s, const char *org_id, const char *id)
{
    struct params p;
    struct postq_store_apikey k;
    long changed = 0;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    p.n = 0;
    p_text(&p, org_id);
    p_text(&p, id);
    err = postq_store_fault_tick();
    err = err == POSTQ_OK ? exec_plain(c, "BEGIN", "begin") : err;
    if (err == POSTQ_OK) {
        struct params o;
        o.n = 0;
        p_text(&o, org_id);
        err = exec_cmd(c, S_ORG_LOCK, &o, NULL, NULL);
    }
    err = err == POSTQ_OK ? exec_cmd(c, S_AK_DELETE, &p, &changed, NULL) : err;
    if (err == POSTQ_OK) {
        err = postq_store_fault_tick();
        err = err == POSTQ_OK ? exec_plain(c, "COMMIT", "commit") : err;
    }
    release(st_, c); /* rolls back whatever is still open */
    if (err != POSTQ_OK) {
        return err;
    }
    if (changed == 0) {
        /* Either there is no such key, or it is the last admin key the statement kept. */
        err = POSTQ_E_NOT_FOUND;
        memset(&k, 0, sizeof(k));
        if (pg_apikey_get_by_id(s, id, &k) == POSTQ_OK && strcmp(k.org_id, org_id) == 0 &&
            k.role == POSTQ_STORE_ROLE_ADMIN) {
            postq_store_set_errmsg("the organisation's last admin API key");
            err = POSTQ_E_CONFLICT;
        }
    }
    return err;
}

/* ---- transactions of several statements --------------------------------------------------- */

/* fn on one connection: inside BEGIN … COMMIT when txn (release() rolls back whatever is left
 * open), else in autocommit (for one statement, which commits itself). Constraint failures
 * map as insert() maps them. */
static postq_err on_conn(struct postq_store *s, postq_err (*fn)(struct conn *c, void *ctx),
                         void *ctx, int txn)
{
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    if (txn) {
        err = postq_store_fault_tick();
        err = err == POSTQ_OK ? exec_plain(c, "BEGIN", "begin") : err;
    }
    err = err == POSTQ_OK ? fn(c, ctx) : err;
    if (err == POSTQ_OK && txn) {
        err = postq_store_fault_tick();
        err = err == POSTQ_OK ? exec_plain(c, "COMMIT", "commit") : err;
    }
    release(st_, c);
    return err;
}

static postq_err in_txn(struct postq_store *s, postq_err (*fn)(struct conn *c, void *ctx),
                        void *ctx)
{
    return on_conn(s, fn, ctx, 1);
}

/* An INSERT inside a transaction, its constraint failures mapped as insert() maps them. */
static postq_err insert_on(struct conn *c, enum stmt_id id, const struct params *p)
{
    char state[6];
    postq_err err = exec_cmd(c, id, p, NULL, state);
    if (err != POSTQ_OK && strcmp(state, "23503") == 0) {
        postq_store_set_errmsg("no such organisation or policy");
        err = POSTQ_E_NOT_FOUND;
    } else if (err != POSTQ_OK && strcmp(state, "23505") == 0) {
        postq_store_set_errmsg("id already taken");
        err = POSTQ_E_CONFLICT;
    }
    return err;
}

static void p_pair(struct params *p, const char *org_id, const char *id)
{
    p->n = 0;
    p_text(p, org_id);
    p_text(p, id);
}

/* A one-row SELECT on c: NOT_FOUND without a row. */
static postq_err get_on(struct conn *c, enum stmt_id id, const struct params *p, row_fn fn,
                        void *rec)
{
    PGresult *r;
    postq_err err = exec(c, id, p, &r, NULL);
    if (err == POSTQ_OK) {
        err = PQntuples(r) == 0 ? POSTQ_E_NOT_FOUND : fn(r, 0, rec);
        PQclear(r);
    }
    return err;
}

/* ---- attestation policies ----------------------------------------------------------------- */

static postq_err insert_policy_version(struct conn *c, const char *org_id, const char *id,
                                       const struct postq_store_policy *rec)
{
    struct params p;
    p_pair(&p, org_id, id);
    p_int(&p, rec->version);
    p_text(&p, rec->name);
    p_text(&p, rec->vendor);
    p_text(&p, rec->body);
    p_int(&p, rec->enforce ? 1 : 0);
    p_int(&p, rec->updated_at);
    return insert_on(c, S_POLV_INSERT, &p);
}

static postq_err policy_create_tx(struct conn *c, void *ctx)
{
    const struct postq_store_policy *rec = *(const struct postq_store_policy *const *)ctx;
    struct params p;
    postq_err err;
    p.n = 0;
    p_text(&p, rec->id);
    p_text(&p, rec->org_id);
    p_text(&p, rec->name);
    p_text(&p, rec->vendor);
    p_text(&p, rec->body);
    p_int(&p, rec->enforce ? 1 : 0);
    p_int(&p, rec->created_at);
    p_int(&p, rec->version);
    p_int(&p, rec->updated_at);
    err = insert_on(c, S_POL_INSERT, &p);
    return err == POSTQ_OK ? insert_policy_version(c, rec->org_id, rec->id, rec) : err;
}

static postq_err pg_policy_create(struct postq_store *s, const struct postq_store_policy *rec)
{
    return in_txn(s, policy_create_tx, &rec);
}

static postq_err pg_policy_get(struct postq_store *s, const char *org_id, const char *id,
                               struct postq_store_policy *out)
{
    return get_by(s, S_POL_GET, org_id, id, read_policy, out);
}

static postq_err pg_policy_get_version(struct postq_store *s, const char *org_id, const char *id,
                                       int64_t n, struct postq_store_policy *out)
{
    struct params p;
    p_pair(&p, org_id, id);
    p_int(&p, n);
    return get_one(s, S_POLV_GET, &p, read_policy, out);
}

static postq_err pg_policy_list(struct postq_store *s, const char *org_id, size_t limit,
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
    struct params p;
    PGresult *r;
    postq_err err;
    int rows;

    p_pair(&p, u->org_id, u->id);
    p_text(&p, rec.name);
    p_text(&p, rec.body);
    p_int(&p, rec.enforce ? 1 : 0);
    p_int(&p, rec.updated_at);
    p_text(&p, rec.vendor);
    p_int(&p, POSTQ_STORE_VERSIONS_MAX);
    err = exec(c, S_POL_UPDATE, &p, &r, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    rows = PQntuples(r);
    rec.version = rows > 0 ? col_int(r, 0, 0) : 0;
    PQclear(r);
    if (rows == 0) {
        /* Why not: no such policy, another vendor, or too many versions. */
        p_pair(&p, u->org_id, u->id);
        err = get_on(c, S_POL_GET, &p, read_policy, u->out);
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
        p_pair(&p, u->org_id, u->id);
        err = get_on(c, S_POL_GET, &p, read_policy, u->out);
    }
    return err;
}

static postq_err pg_policy_update(struct postq_store *s, const char *org_id, const char *id,
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
    struct pair_ctx *pc = ctx;
    struct params p;
    PGresult *r;
    char state[6];
    long changed = 0;
    int bound;
    postq_err err;

    p_pair(&p, pc->org_id, pc->id);
    err = exec(c, S_POL_BOUND, &p, &r, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    bound = PQntuples(r) > 0;
    PQclear(r);
    if (bound) {
        postq_store_set_errmsg("a hybrid key is bound to it");
        return POSTQ_E_CONFLICT;
    }
    err = exec_cmd(c, S_POL_UNBIND, &p, NULL, NULL);
    err = err == POSTQ_OK ? exec_cmd(c, S_POLV_DELETE, &p, NULL, NULL) : err;
    /* A key bound meanwhile by another transaction: the foreign key refuses the delete. */
    err = err == POSTQ_OK ? exec_cmd(c, S_POL_DELETE, &p, &changed, state) : err;
    if (err != POSTQ_OK && (strcmp(state, "23503") == 0 || strcmp(state, "23001") == 0)) {
        postq_store_set_errmsg("still in use");
        return POSTQ_E_CONFLICT;
    }
    return err == POSTQ_OK && changed == 0 ? POSTQ_E_NOT_FOUND : err;
}

static postq_err pg_policy_delete(struct postq_store *s, const char *org_id, const char *id)
{
    struct pair_ctx pc = {org_id, id};
    return in_txn(s, policy_delete_tx, &pc);
}

/* ---- hybrid keys -------------------------------------------------------------------------- */

/* Fill k->versions from key_versions, on the connection that read k. */
static postq_err read_versions(struct conn *c, struct postq_store_key *k)
{
    struct params p;
    PGresult *r;
    size_t n, total = 0, off;
    uint8_t *mem;
    postq_err err;

    p.n = 0;
    p_text(&p, k->id);
    err = exec(c, S_KV_LIST, &p, &r, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    n = (size_t)PQntuples(r);
    for (size_t i = 0; i < n; i++) {
        total += col_len(r, (int)i, 2);
    }
    if (n > POSTQ_STORE_VERSIONS_MAX) {
        PQclear(r);
        postq_store_set_errmsg("postgres: key %s has too many versions", k->id);
        return POSTQ_E_IO;
    }
    mem = postq_malloc(n * sizeof(k->versions[0]) + total + 1);
    if (mem == NULL) {
        PQclear(r);
        return POSTQ_E_NOMEM;
    }
    k->versions = (struct postq_store_key_version *)(void *)mem;
    k->vmem_ = mem;
    off = n * sizeof(k->versions[0]);
    for (size_t i = 0; i < n && err == POSTQ_OK; i++) {
        struct postq_store_key_version *v = &k->versions[i];
        char state[16];
        memset(v, 0, sizeof(*v));
        v->version = col_int(r, (int)i, 0);
        err = col_text(r, (int)i, 1, state, sizeof(state));
        for (int j = 1; err == POSTQ_OK && j <= 3; j++) {
            if (strcmp(state, postq_store_state_names[j]) == 0) {
                v->state = (enum postq_store_version_state)j;
            }
        }
        if (err == POSTQ_OK && v->state == 0) {
            postq_store_set_errmsg("postgres: corrupt key_versions row");
            err = POSTQ_E_IO;
        }
        v->public_key.len = col_len(r, (int)i, 2);
        v->public_key.p = mem + off;
        memcpy(mem + off, PQgetvalue(r, (int)i, 2), v->public_key.len);
        off += v->public_key.len;
        v->created_at = col_int(r, (int)i, 3);
        k->n_versions = i + 1;
    }
    PQclear(r);
    return err;
}

static postq_err insert_key_version(struct conn *c, const char *org_id, const char *id,
                                    int64_t version, const struct postq_store_key *rec)
{
    struct params p;
    postq_err err;
    p_pair(&p, org_id, id);
    p_int(&p, version);
    err = p_blob(&p, rec->public_key.p, rec->public_key.len);
    err = err == POSTQ_OK ? p_blob(&p, rec->sealed_key.p, rec->sealed_key.len) : err;
    if (err != POSTQ_OK) {
        return err;
    }
    p_int(&p, rec->created_at);
    return insert_on(c, S_KV_INSERT, &p);
}

static postq_err key_create_tx(struct conn *c, void *ctx)
{
    const struct postq_store_key *rec = *(const struct postq_store_key *const *)ctx;
    struct params p;
    postq_err err;
    p.n = 0;
    p_text(&p, rec->id);
    p_text(&p, rec->org_id);
    p_text(&p, rec->name);
    p_text(&p, rec->algorithm);
    p_text(&p, rec->provider);
    if (rec->policy_id[0] != '\0') {
        p_text(&p, rec->policy_id);
    } else {
        p_null(&p);
    }
    p_int(&p, rec->version);
    p_int(&p, rec->created_at);
    err = insert_on(c, S_KEY_INSERT, &p);
    return err == POSTQ_OK ? insert_key_version(c, rec->org_id, rec->id, 1, rec) : err;
}

static postq_err pg_key_create(struct postq_store *s, const struct postq_store_key *rec)
{
    return in_txn(s, key_create_tx, &rec);
}

static postq_err key_read(struct conn *c, const char *org_id, const char *id,
                          struct postq_store_key *out)
{
    struct params p;
    postq_err err;
    p_pair(&p, org_id, id);
    err = get_on(c, S_KEY_GET, &p, read_key, out);
    return err == POSTQ_OK ? read_versions(c, out) : err;
}

static postq_err pg_key_get(struct postq_store *s, const char *org_id, const char *id,
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

static postq_err pg_key_get_bound(struct postq_store *s, const char *org_id, const char *id,
                                  struct postq_store_key *key, struct postq_store_policy *pol)
{
    struct params p;
    PGresult *r;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    p_pair(&p, org_id, id);
    err = exec(c, S_KEY_BOUND, &p, &r, NULL);
    release(st_, c);
    if (err != POSTQ_OK) {
        return err;
    }
    err = PQntuples(r) == 0 ? POSTQ_E_NOT_FOUND : read_key(r, 0, key);
    if (err == POSTQ_OK && key->policy_id[0] != '\0') {
        /* A policy with a key bound to it cannot be deleted, so the join finds it. */
        if (PQgetisnull(r, 0, 12)) {
            postq_store_set_errmsg("postgres: key %s: its policy is missing", key->id);
            err = POSTQ_E_IO;
        } else {
            err = read_policy_at(r, 0, 12, pol);
        }
    }
    PQclear(r);
    return err;
}

static postq_err pg_key_list(struct postq_store *s, const char *org_id, size_t limit,
                             const char *cursor, struct postq_store_key_page *page)
{
    void *items;
    postq_err err = list_by(s, S_KEY_LIST, org_id, cursor, NULL, read_key, sizeof(page->items[0]),
                            limit, &items, &page->n, page->next_cursor);
    page->items = items;
    if (err == POSTQ_OK && page->n > 0) {
        WITH_CONN(s, c, err2);
        err = err2;
        for (size_t i = 0; err == POSTQ_OK && i < page->n; i++) {
            err = read_versions(c, &page->items[i]);
        }
        if (c != NULL) {
            release(st_, c);
        }
    }
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
    struct params p;
    PGresult *r;
    int64_t version;
    int rows;
    postq_err err;

    p_pair(&p, k->org_id, k->id);
    p_int(&p, POSTQ_STORE_VERSIONS_MAX);
    err = exec(c, S_KEY_ROTATE, &p, &r, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    rows = PQntuples(r);
    version = rows > 0 ? col_int(r, 0, 0) : 0;
    PQclear(r);
    if (rows == 0) {
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
    err = insert_key_version(c, k->org_id, k->id, version, k->in);
    return err == POSTQ_OK ? key_read(c, k->org_id, k->id, k->out) : err;
}

static postq_err pg_key_rotate(struct postq_store *s, const char *org_id, const char *id,
                               const struct postq_store_key *in, struct postq_store_key *out)
{
    struct key_op_ctx k = {.org_id = org_id, .id = id, .in = in, .out = out};
    return in_txn(s, key_rotate_tx, &k);
}

static postq_err key_version_set_tx(struct conn *c, void *ctx)
{
    struct key_op_ctx *k = ctx;
    struct params p;
    long changed = 0;
    postq_err err;

    p_pair(&p, k->org_id, k->id);
    p_int(&p, k->n);
    p_text(&p, postq_store_state_names[k->state]);
    err = exec_cmd(c, S_KV_SET, &p, &changed, NULL);
    if (err == POSTQ_OK && changed == 0) {
        PGresult *r;
        p.n = 3;
        err = exec(c, S_KV_STATE, &p, &r, NULL);
        if (err == POSTQ_OK) {
            int row = PQntuples(r) > 0;
            PQclear(r);
            postq_store_set_errmsg(row ? "version %lld is destroyed" : "no version %lld",
                                   (long long)k->n);
            err = row ? POSTQ_E_CONFLICT : POSTQ_E_NOT_FOUND;
        }
    }
    return err == POSTQ_OK ? key_read(c, k->org_id, k->id, k->out) : err;
}

static postq_err pg_key_version_set(struct postq_store *s, const char *org_id, const char *id,
                                    int64_t n, enum postq_store_version_state state,
                                    struct postq_store_key *out)
{
    struct key_op_ctx k = {.org_id = org_id, .id = id, .n = n, .state = state, .out = out};
    return in_txn(s, key_version_set_tx, &k);
}

static postq_err key_delete_tx(struct conn *c, void *ctx)
{
    struct key_op_ctx *k = ctx;
    struct params p;
    long changed = 0;
    postq_err err;

    p_pair(&p, k->org_id, k->id);
    p_int(&p, k->now_ms);
    err = exec_cmd(c, S_KEY_DELETE, &p, &changed, NULL);
    if (err == POSTQ_OK && changed == 0) {
        return POSTQ_E_NOT_FOUND;
    }
    p.n = 2;
    err = err == POSTQ_OK ? exec_cmd(c, S_KV_DESTROY_ALL, &p, NULL, NULL) : err;
    return err == POSTQ_OK ? key_read(c, k->org_id, k->id, k->out) : err;
}

static postq_err pg_key_delete(struct postq_store *s, const char *org_id, const char *id,
                               int64_t now_ms, struct postq_store_key *out)
{
    struct key_op_ctx k = {.org_id = org_id, .id = id, .now_ms = now_ms, .out = out};
    return in_txn(s, key_delete_tx, &k);
}

/* Whether statement id with p returns a row. */
static postq_err exists(struct postq_store *s, enum stmt_id id, const struct params *p, int *yes)
{
    PGresult *r;
    WITH_CONN(s, c, err);
    *yes = 0;
    if (err != POSTQ_OK) {
        return err;
    }
    err = exec(c, id, p, &r, NULL);
    if (err == POSTQ_OK) {
        *yes = PQntuples(r) > 0;
        PQclear(r);
    }
    release(st_, c);
    return err;
}

static postq_err pg_counter_seen(struct postq_store *s, const char *module_id, int64_t counter,
                                 int *seen)
{
    struct params p;
    p.n = 0;
    p_text(&p, module_id);
    p_int(&p, counter);
    return exists(s, S_CTR_SEEN, &p, seen);
}

/* ---- the transparency log ------------------------------------------------------------------ */

struct pg_node_ctx {
    struct conn *c;
    const char *org_id;
};

/* nodes[0..n) as PostgreSQL array literals: their levels, indices and, when hashes is not
 * NULL, hashes in hex ("{0,1}", "{6,3}", "{ab..,cd..}"). Free each with postq_free. */
static postq_err node_arrays(const struct postq_merkle_node *nodes, size_t n, char **levels,
                             char **idxs, char **hashes)
{
    size_t a = 0, b = 0, h = 0;
    *levels = postq_malloc(24 * n + 3);
    *idxs = postq_malloc(24 * n + 3);
    if (hashes != NULL) {
        *hashes = postq_malloc(67 * n + 3);
    }
    if (*levels == NULL || *idxs == NULL || (hashes != NULL && *hashes == NULL)) {
        postq_free(*levels);
        postq_free(*idxs);
        *levels = *idxs = NULL;
        if (hashes != NULL) {
            postq_free(*hashes);
            *hashes = NULL;
        }
        return POSTQ_E_NOMEM;
    }
    (*levels)[a++] = (*idxs)[b++] = '{';
    if (hashes != NULL) {
        (*hashes)[h++] = '{';
    }
    for (size_t i = 0; i < n; i++) {
        a += (size_t)sprintf(*levels + a, "%s%u", i > 0 ? "," : "", nodes[i].level);
        b += (size_t)sprintf(*idxs + b, "%s%llu", i > 0 ? "," : "",
                             (unsigned long long)nodes[i].index);
        if (hashes != NULL) {
            if (i > 0) {
                (*hashes)[h++] = ',';
            }
            for (size_t j = 0; j < 32; j++) {
                h += (size_t)sprintf(*hashes + h, "%02x", nodes[i].hash[j]);
            }
        }
    }
    strcpy(*levels + a, "}");
    strcpy(*idxs + b, "}");
    if (hashes != NULL) {
        strcpy(*hashes + h, "}");
    }
    return POSTQ_OK;
}

/* Read nodes[0..n) (level, index) on c in one query: NOT_FOUND when one is not stored. */
static postq_err nodes_on(struct conn *c, const char *org_id, struct postq_merkle_node *nodes,
                          size_t n)
{
    char *levels, *idxs;
    struct params p;
    PGresult *r = NULL;
    postq_err err;
    int rows;

    err = node_arrays(nodes, n, &levels, &idxs, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    p.n = 0;
    p_text(&p, org_id);
    p_text(&p, levels);
    p_text(&p, idxs);
    err = exec(c, S_NODE_GET, &p, &r, NULL);
    postq_free(levels);
    postq_free(idxs);
    if (err != POSTQ_OK) {
        return err;
    }
    rows = PQntuples(r);
    for (size_t i = 0; i < n && err == POSTQ_OK; i++) {
        int found = 0;
        for (int k = 0; k < rows; k++) {
            if (col_int(r, k, 0) == (int64_t)nodes[i].level &&
                col_int(r, k, 1) == (int64_t)nodes[i].index && !PQgetisnull(r, k, 2)) {
                if (PQgetlength(r, k, 2) != 32) {
                    postq_store_set_errmsg("postgres: corrupt log_nodes row");
                    err = POSTQ_E_IO;
                    break;
                }
                memcpy(nodes[i].hash, PQgetvalue(r, k, 2), 32);
                found = 1;
                break;
            }
        }
        if (err == POSTQ_OK && !found) {
            postq_store_set_errmsg("log: node (%u, %llu) not stored", nodes[i].level,
                                   (unsigned long long)nodes[i].index);
            err = POSTQ_E_NOT_FOUND;
        }
    }
    PQclear(r);
    return err;
}

static postq_err pg_node_get(void *ctx, unsigned level, uint64_t index, postq_merkle_hash out)
{
    struct pg_node_ctx *nc = ctx;
    struct postq_merkle_node node;
    postq_err err;
    node.level = level;
    node.index = index;
    err = nodes_on(nc->c, nc->org_id, &node, 1);
    if (err == POSTQ_OK) {
        memcpy(out, node.hash, 32);
    }
    return err;
}

/* One value of a one-row, one-bigint-column statement (0 without a row). */
static postq_err int_on(struct conn *c, enum stmt_id id, const struct params *p, int64_t *v)
{
    PGresult *r;
    postq_err err = exec(c, id, p, &r, NULL);
    *v = 0;
    if (err == POSTQ_OK) {
        if (PQntuples(r) > 0) {
            *v = col_int(r, 0, 0);
        }
        PQclear(r);
    }
    return err;
}

/* The tree of an organisation's log as this node last committed it: its size, root and right
 * edge. A batch that finds the log's row still at that size and root appends from it, without
 * taking the lock and reading the edge first (S_SIG_INSERT_NEXT); the root is compared as
 * well as the size, so that a log rolled back to an equal size (a database restored under a
 * running node) is read again. While other nodes append to the log too (its size had moved
 * when this node last took the lock), batches take the lock first rather than try a statement
 * that would find the row changed. Used only by the batch's leader (postq_store_gc_run). */
struct pg_log_cache {
    int valid;  /* root and edge are those of size (size stays when a batch fails) */
    int shared; /* another writer appended before this node's last locked batch */
    int64_t size;
    uint8_t root[32];
    size_t n;
    struct postq_merkle_node edge[64];
};

/* One logged sign (a batch is a list of them, one organisation's). */
struct pg_put {
    struct postq_store_gc_item gc; /* first: the queue's link */
    const struct postq_store_sig *g;
    struct params *p; /* the sign result's statement, $18 the log index (to fill) */
    int record_counter;
    const uint8_t *entry;
    size_t entry_len;
    struct postq_store_log_receipt *r;
    struct postq_store *s;
    /* The batch's first only: */
    struct pg_log_cache *cache; /* its log's (NULL: none kept) */
    struct pg_log_cache next;   /* the tree the batch leaves, for the cache once committed */
    int presigned;              /* its tree was presigned (settled by the leader) */
    int stale;                  /* the cache was not the log's tree: nothing was written */
    int shared;                 /* the lock found leaves this node did not commit */
    /* Its rows, between put_prepare and the statement: */
    char *levels, *idxs, *hashes;
    uint8_t root_after[32];
    postq_err result;
    char msg[200]; /* the failure's detail, for the caller's thread */
};

static struct pg_put *put_next(const struct pg_put *x)
{
    return (struct pg_put *)x->gc.next;
}

/* Whether batch appends from its log's cached tree (S_SIG_INSERT_NEXT first). */
static int from_cache(const struct pg_put *batch)
{
    return batch->cache != NULL && batch->cache->valid && !batch->cache->shared;
}

/* Whether batch is one statement in autocommit: one sign, from the cached tree. */
static int batch_alone(const struct pg_put *batch)
{
    return from_cache(batch) && batch->gc.next == NULL;
}

/* One sign of a batch: its leaf appended at index `at` (the nodes it completes joining k), and
 * the tree's root after it. */
static postq_err put_prepare(struct pg_put *x, struct postq_store_known *k, int64_t at)
{
    struct postq_merkle_node added[POSTQ_MERKLE_PROOF_MAX + 1];
    postq_merkle_hash leaf;
    size_t n = 0, len = 0;
    postq_err err = postq_merkle_leaf_hash(leaf, x->entry, x->entry_len);

    err = err == POSTQ_OK
              ? postq_merkle_append(added, &n, (uint64_t)at, leaf, postq_store_known_get, k)
              : err;
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        err = postq_store_known_push(k, added[i].level, added[i].index, added[i].hash);
    }
    err = err == POSTQ_OK ? node_arrays(added, n, &x->levels, &x->idxs, &x->hashes) : err;
    err = err == POSTQ_OK ? postq_store_log_tree(postq_store_known_nodes, k, NODES_ROOT, at + 1, 0,
                                                 NULL, &len, x->root_after)
                          : err;
    x->r->index = at;
    return err;
}

/* Its rows in one statement: S_SIG_INSERT_NEXT when expect (the root the log's row must still
 * hold) is not NULL, else S_SIG_INSERT_LOGGED (the row locked). */
static postq_err put_exec(struct conn *c, struct pg_put *x, const uint8_t *expect, int *stale)
{
    char idx[24];
    char state[6] = "";
    long changed = 0;
    postq_err err;

    snprintf(idx, sizeof(idx), "%lld", (long long)x->r->index);
    x->p->v[17] = idx;
    if (!x->record_counter) {
        p_null(x->p); /* $19, $20: no counter pair */
        p_null(x->p);
    }
    p_text(x->p, x->levels);
    p_text(x->p, x->idxs);
    p_text(x->p, x->hashes);
    err = p_blob(x->p, x->entry, x->entry_len);
    err = err == POSTQ_OK ? p_blob(x->p, x->root_after, 32) : err;
    if (err == POSTQ_OK && expect != NULL) {
        err = p_blob(x->p, expect, 32);
    }
    err = err == POSTQ_OK ? exec_cmd(c, expect != NULL ? S_SIG_INSERT_NEXT : S_SIG_INSERT_LOGGED,
                                     x->p, &changed, state)
                          : err;
    x->p->n = x->record_counter ? 20 : 18; /* as the caller built it, for a retry */
    if (err == POSTQ_OK && changed == 0 && expect != NULL) {
        *stale = 1;
        postq_store_set_errmsg("log: another writer appended first");
        err = POSTQ_E_CONFLICT;
    } else if (err == POSTQ_OK && changed == 0) {
        postq_store_set_errmsg("no such key");
        err = POSTQ_E_NOT_FOUND;
    } else if (err != POSTQ_OK && strcmp(state, "23505") == 0) {
        postq_store_set_errmsg("counter already used");
        err = POSTQ_E_CONFLICT;
    }
    return err;
}

/* Hand the tree batch leaves (size leaves, its receipt's root) to the checkpointer; the leader
 * settles it after the commit. */
static void presign(struct pg_put *batch, int64_t size)
{
    postq_store_log_presign(batch->s, batch->g->org_id, size, batch->r->root);
    batch->presigned = 1;
}

/* A batch of one organisation's logged signs. From the cached tree when there is one (the first
 * statement checks that it is still the log's); else take the log's row (the writer lock) and
 * read the right edge of its tree. Then each leaf's nodes, the tree's root after it, and each
 * leaf's proof in the tree the batch leaves, from the nodes known (no query); that tree is
 * presigned, and each sign's rows written in one statement. A batch of one from the cache is
 * one round trip in autocommit; otherwise BEGIN, two, one per sign, COMMIT. Any failure fails
 * the whole batch (the leader then retries each sign alone). */
static postq_err put_logged_tx(struct conn *c, void *ctx)
{
    struct pg_put *batch = ctx;
    struct pg_node_ctx nc = {c, batch->g->org_id};
    const struct pg_log_cache *cache = from_cache(batch) ? batch->cache : NULL;
    int alone = batch_alone(batch);
    struct postq_store_known k;
    struct postq_merkle_node edge[64];
    struct params q;
    int64_t size = 0, at;
    size_t n = 0;
    postq_err err = POSTQ_OK;

    memset(&k, 0, sizeof(k));
    k.read = pg_node_get;
    k.read_ctx = &nc;
    if (cache != NULL) {
        size = cache->size;
        n = cache->n;
        memcpy(edge, cache->edge, n * sizeof(edge[0]));
    } else {
        q.n = 0;
        p_text(&q, batch->g->org_id);
        err = int_on(c, S_LOG_LOCK, &q, &size);
        batch->shared = batch->cache != NULL && size != batch->cache->size;
        if (err == POSTQ_OK && (n = postq_store_log_edge(size, edge)) > 0) {
            err = nodes_on(c, batch->g->org_id, edge, n);
        }
    }
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        err = postq_store_known_push(&k, edge[i].level, edge[i].index, edge[i].hash);
    }
    at = size;
    for (struct pg_put *x = batch; err == POSTQ_OK && x != NULL; x = put_next(x)) {
        err = put_prepare(x, &k, at++);
    }
    for (struct pg_put *x = batch; err == POSTQ_OK && x != NULL; x = put_next(x)) {
        x->r->size = at;
        err = postq_store_log_tree(postq_store_known_nodes, &k, NODES_INCLUSION, at, x->r->index,
                                   x->r->proof, &x->r->proof_len, x == batch ? x->r->root : NULL);
        if (x != batch) {
            memcpy(x->r->root, batch->r->root, 32);
        }
    }
    if (err == POSTQ_OK) {
        /* The tree it leaves, for the cache once the batch is committed. */
        batch->next.size = at;
        memcpy(batch->next.root, batch->r->root, 32);
        err = postq_store_known_edge(&k, at, batch->next.edge, &batch->next.n) == POSTQ_OK
                  ? POSTQ_OK
                  : POSTQ_E_INTERNAL;
    }
    postq_store_known_free(&k);
    /* The tree is signed while the COMMIT runs (the leader settles it): in a transaction once
     * its statements are done, so that the enclave's work does not lengthen the time the log's
     * row is held by more than the COMMIT; alone in autocommit, the statement is the COMMIT. */
    if (err == POSTQ_OK && alone) {
        presign(batch, at);
    }
    for (struct pg_put *x = batch; err == POSTQ_OK && x != NULL; x = put_next(x)) {
        err = put_exec(c, x, x == batch && cache != NULL ? cache->root : NULL, &batch->stale);
    }
    if (err == POSTQ_OK && !alone) {
        presign(batch, at);
    }
    for (struct pg_put *x = batch; x != NULL; x = put_next(x)) {
        postq_free(x->levels);
        postq_free(x->idxs);
        postq_free(x->hashes);
        x->levels = x->idxs = x->hashes = NULL;
    }
    return err;
}

/* A sign's statement or commit was sent and the connection broke: it may have committed. A
 * fresh connection that finds the row settles it; one that finds none cannot prove the old
 * statement will not commit yet, so the outcome stays unknown (never answered "retry"). */
static postq_err settle_unknown(struct postq_store *s, const char *sig_id)
{
    struct params p;
    char msg[256];
    int found = 0;

    snprintf(msg, sizeof(msg), "%s", postq_store_errmsg());
    p.n = 0;
    p_text(&p, sig_id);
    if (exists(s, S_SIG_EXISTS, &p, &found) == POSTQ_OK && found) {
        return POSTQ_OK;
    }
    postq_store_set_errmsg("%s; whether signature %s was stored is unknown", msg, sig_id);
    return POSTQ_E_IO;
}

/* Commit a batch (one organisation's signs) in one transaction and give each its result.
 * When the COMMIT was sent and the connection broke, a row found settles the whole batch (it
 * was one transaction). A cached tree that is no longer the log's wrote nothing: the batch
 * runs again from the log's row. Any other failure rolled everything back: with several signs
 * each is then tried alone, so that one sign's fault (a counter already used) is its own. */
static void commit_logged(struct postq_store *s, struct pg_put *batch)
{
    struct pg_log_cache *cache = batch->cache;
    int alone = batch_alone(batch);
    postq_err err;

    batch->stale = 0;
    batch->shared = 0;
    err = on_conn(s, put_logged_tx, batch, !alone);
    if (err == POSTQ_E_NETWORK && strncmp(postq_store_errmsg(), "injected", 8) != 0) {
        /* Each leaf index was set before the COMMIT, so a row found means the receipts are
         * good. */
        err = settle_unknown(s, batch->g->id);
    }
    if (batch->presigned) {
        postq_store_log_settle(s, batch->g->org_id, batch->r->size, batch->r->root,
                               err == POSTQ_OK);
        batch->presigned = 0;
    }
    if (cache != NULL && err == POSTQ_OK) {
        *cache = batch->next;
        cache->valid = 1;
        cache->shared = batch->shared;
    } else if (cache != NULL) {
        cache->valid = 0;
    }
    if (batch->stale) {
        commit_logged(s, batch); /* the cache is invalid now: from the log's row */
        return;
    }
    if (err != POSTQ_OK && err != POSTQ_E_IO && batch->gc.next != NULL) {
        for (struct pg_put *x = batch, *next; x != NULL; x = next) {
            next = put_next(x);
            x->gc.next = NULL;
            commit_logged(s, x);
            x->gc.next = next != NULL ? &next->gc : NULL;
        }
        return;
    }
    for (struct pg_put *x = batch; x != NULL; x = put_next(x)) {
        x->result = err;
        if (err != POSTQ_OK) {
            snprintf(x->msg, sizeof(x->msg), "%s", postq_store_errmsg());
        }
    }
}

static void commit_queued(struct postq_store *s, struct postq_store_gc_item *batch)
{
    commit_logged(s, (struct pg_put *)batch);
}

/* The logged sign path, with group commit per organisation: a caller queues its sign; if no
 * commit to that organisation's log is under way in this process it leads one for everything
 * queued so far (its own included), else it waits for the leader, who may have taken it into
 * the batch. The log's row is the writer lock across nodes, so concurrent signs of one
 * organisation would otherwise commit one at a time; a batch takes it once, syncs once, and
 * one checkpoint covers it. Each caller gets its own answer. */
static postq_err put_logged(struct postq_store *s, struct pg_put *me)
{
    struct pg_store *st = impl(s);
    struct pg_gc *q;

    pthread_mutex_lock(&st->gc_lock);
    for (q = st->gcs; q != NULL && strcmp(q->org_id, me->g->org_id) != 0; q = q->next) {
    }
    if (q == NULL && (q = postq_calloc(1, sizeof(*q))) != NULL) {
        q->cache = postq_calloc(1, sizeof(*q->cache)); /* none: every batch reads the edge */
        snprintf(q->org_id, sizeof(q->org_id), "%s", me->g->org_id);
        postq_store_gc_init(&q->q);
        q->next = st->gcs;
        st->gcs = q;
    }
    me->cache = q != NULL ? q->cache : NULL;
    pthread_mutex_unlock(&st->gc_lock);
    if (q == NULL) {
        commit_logged(s, me); /* no memory for the queue: alone */
    } else {
        /* q lives until close. */
        postq_store_gc_run(&q->q, &st->gc_lock, &st->gc_cond, &me->gc, commit_queued, s);
    }
    if (me->result != POSTQ_OK) {
        postq_store_set_errmsg("%s", me->msg);
    }
    return me->result;
}

static postq_err pg_put_signature(struct postq_store *s, const struct postq_store_sig *g,
                                  const char *module_id, int64_t counter, int record_counter,
                                  const uint8_t *entry, size_t entry_len,
                                  struct postq_store_log_receipt *receipt)
{
    const struct postq_store_attestation *a = g->has_attestation ? &g->att : NULL;
    struct params p;
    char state[6];
    postq_err err;

    p.n = 0;
    p_text(&p, g->id);
    p_text(&p, g->org_id);
    p_text(&p, g->key_id);
    p_int(&p, g->key_version);
    p_text(&p, g->algorithm);
    err = p_blob(&p, g->payload_sha256, sizeof(g->payload_sha256));
    err = err == POSTQ_OK ? p_blob(&p, g->signature.p, g->signature.len) : err;
    if (err != POSTQ_OK) {
        return err;
    }
    p_int(&p, g->created_at);
    if (a != NULL) {
        p_text(&p, a->vendor);
        p_text(&p, a->image_hash);
        p_text(&p, a->module_id);
        p_int(&p, a->counter);
        p_text(&p, a->doc_b64);
        p_text(&p, a->verdict == POSTQ_STORE_VERDICT_PASS ? "pass" : "fail");
        p_text(&p, a->verdict == POSTQ_STORE_VERDICT_FAIL && a->reason[0] != '\0' ? a->reason
                                                                                  : NULL);
    } else {
        for (int i = 0; i < 7; i++) {
            p_null(&p);
        }
    }
    if (g->policy_id[0] != '\0') {
        p_text(&p, g->policy_id);
        p_int(&p, g->policy_version);
    } else {
        p_null(&p);
        p_null(&p);
    }
    p_null(&p); /* $18: the log index, set by put_logged_tx */
    if (record_counter) {
        p_text(&p, module_id);
        p_int(&p, counter);
    }
    if (entry != NULL) {
        struct pg_put me;
        memset(&me, 0, sizeof(me));
        me.g = g;
        me.p = &p;
        me.record_counter = record_counter;
        me.entry = entry;
        me.entry_len = entry_len;
        me.r = receipt;
        me.s = s;
        return put_logged(s, &me);
    }
    {
        long changed = 0;
        WITH_CONN(s, c, err2);
        if (err2 != POSTQ_OK) {
            return err2; /* nothing was sent */
        }
        err = exec_cmd(c, record_counter ? S_SIG_INSERT_CTR : S_SIG_INSERT, &p, &changed, state);
        release(st_, c);
        if (err == POSTQ_OK && changed == 0) {
            postq_store_set_errmsg("no such key");
            return POSTQ_E_NOT_FOUND; /* the WHERE EXISTS found no key: nothing inserted */
        }
    }
    if (err == POSTQ_OK) {
        return POSTQ_OK;
    }
    if (strcmp(state, "23505") == 0) {
        postq_store_set_errmsg("counter %lld of module %s already used", (long long)counter,
                               module_id != NULL ? module_id : "");
        return POSTQ_E_CONFLICT;
    }
    if (err != POSTQ_E_NETWORK || strncmp(postq_store_errmsg(), "injected", 8) == 0) {
        return err;
    }
    return settle_unknown(s, g->id); /* the statement was sent: it may have committed */
}

static postq_err pg_sig_get(struct postq_store *s, const char *org_id, const char *id,
                            struct postq_store_sig *out)
{
    return get_by(s, S_SIG_GET, org_id, id, read_sig, out);
}

static postq_err pg_sig_list(struct postq_store *s, const char *org_id, const char *key_id,
                             size_t limit, const char *cursor, struct postq_store_sig_page *page)
{
    void *items = NULL;
    postq_err err = POSTQ_OK;

    if (key_id != NULL) {
        /* A filter on another organisation's key is NOT_FOUND, as a get of it would be. */
        struct params p;
        int yes = 0;
        p.n = 0;
        p_text(&p, org_id);
        p_text(&p, key_id);
        err = exists(s, S_KEY_EXISTS, &p, &yes);
        if (err == POSTQ_OK && !yes) {
            err = POSTQ_E_NOT_FOUND;
        }
    }
    if (err == POSTQ_OK) {
        err = list_by(s, key_id != NULL ? S_SIG_LIST_KEY : S_SIG_LIST, org_id, cursor, key_id,
                      read_sig, sizeof(page->items[0]), limit, &items, &page->n, page->next_cursor);
        page->items = items;
    }
    return err;
}

static postq_err pg_rejection_add(struct postq_store *s, const char *org_id, const char *key_id,
                                  const char *reason, int64_t at_ms)
{
    struct params p;
    p.n = 0;
    p_text(&p, org_id);
    p_text(&p, key_id);
    p_text(&p, reason);
    p_int(&p, at_ms);
    return insert(s, S_REJ_INSERT, &p);
}

/* A per-bucket count: column 0 the bucket, 1 the count, 2 the failed ones. */
static postq_err count_buckets(struct conn *c, enum stmt_id id, const char *org_id,
                               int64_t from_ms, int64_t bucket_ms, size_t n,
                               struct postq_store_activity_bucket *out)
{
    struct params p;
    PGresult *r;
    postq_err err;
    p.n = 0;
    p_text(&p, org_id);
    p_int(&p, from_ms);
    p_int(&p, bucket_ms);
    p_int(&p, from_ms + (int64_t)n * bucket_ms);
    err = exec(c, id, &p, &r, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t b = col_int(r, i, 0);
        if (b < 0 || (uint64_t)b >= n) {
            continue; /* cannot happen with the WHERE clause; never index past out */
        }
        if (id == S_ACT_SIGS) {
            int64_t failed = col_int(r, i, 2);
            out[b].audit_failed = failed;
            out[b].signed_ok = col_int(r, i, 1) - failed;
        } else {
            out[b].rejected = col_int(r, i, 1);
        }
    }
    PQclear(r);
    return POSTQ_OK;
}

static postq_err pg_activity(struct postq_store *s, const char *org_id, int64_t from_ms,
                             int64_t bucket_ms, size_t n, struct postq_store_activity_bucket *out,
                             struct postq_store_rejection *recent, size_t recent_cap,
                             size_t *recent_n)
{
    struct params p;
    PGresult *r;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = count_buckets(c, S_ACT_SIGS, org_id, from_ms, bucket_ms, n, out);
    if (err == POSTQ_OK) {
        err = count_buckets(c, S_ACT_REJS, org_id, from_ms, bucket_ms, n, out);
    }
    if (err == POSTQ_OK && recent_cap > 0) {
        p.n = 0;
        p_text(&p, org_id);
        p_int(&p, (int64_t)recent_cap);
        err = exec(c, S_REJ_RECENT, &p, &r, NULL);
        for (int i = 0; err == POSTQ_OK && i < PQntuples(r) && *recent_n < recent_cap; i++) {
            struct postq_store_rejection *x = &recent[*recent_n];
            err = col_text(r, i, 0, x->key_id, sizeof(x->key_id));
            err = err == POSTQ_OK ? col_text(r, i, 1, x->reason, sizeof(x->reason)) : err;
            x->created_at = col_int(r, i, 2);
            if (err == POSTQ_OK) {
                (*recent_n)++;
            }
        }
        if (r != NULL) {
            PQclear(r);
        }
    }
    release(st_, c);
    return err;
}

static postq_err pg_log_size(struct postq_store *s, const char *org_id, int64_t *size)
{
    struct params p;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    p.n = 0;
    p_text(&p, org_id);
    err = int_on(c, S_LOG_SIZE, &p, size);
    release(st_, c);
    return err;
}

static postq_err pg_checkpoint_get(struct postq_store *s, const char *org_id, int64_t size,
                                   struct postq_store_checkpoint *out)
{
    struct params p;
    PGresult *r = NULL;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    p.n = 0;
    p_text(&p, org_id);
    if (size != 0) {
        p_int(&p, size);
    }
    err = exec(c, size == 0 ? S_CP_LATEST : S_CP_GET, &p, &r, NULL);
    if (err == POSTQ_OK && PQntuples(r) == 0) {
        postq_store_set_errmsg("no checkpoint yet");
        err = POSTQ_E_NOT_FOUND;
    }
    if (err == POSTQ_OK && PQgetlength(r, 0, 1) != 32) {
        postq_store_set_errmsg("postgres: corrupt log_checkpoints row");
        err = POSTQ_E_IO;
    }
    if (err == POSTQ_OK) {
        size_t n = (size_t)PQgetlength(r, 0, 2);
        char *mem = postq_malloc(n + 1);
        if (mem == NULL) {
            err = POSTQ_E_NOMEM;
        } else {
            memcpy(mem, PQgetvalue(r, 0, 2), n);
            mem[n] = '\0';
            out->size = col_int(r, 0, 0);
            memcpy(out->root, PQgetvalue(r, 0, 1), 32);
            out->note = mem;
            out->created_at = col_int(r, 0, 3);
            out->mem_ = mem;
        }
    }
    PQclear(r);
    release(st_, c);
    return err;
}

static postq_err pg_log_nodes_get(struct postq_store *s, const char *org_id,
                                  struct postq_merkle_node *nodes, size_t n)
{
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    err = nodes_on(c, org_id, nodes, n);
    release(st_, c);
    return err;
}

static postq_err pg_log_entries(struct postq_store *s, const char *org_id, int64_t from, size_t n,
                                struct postq_buf *out)
{
    struct params p;
    PGresult *r = NULL;
    int rows = 0;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    p.n = 0;
    p_text(&p, org_id);
    p_int(&p, from);
    p_int(&p, from + (int64_t)n);
    err = exec(c, S_ENTRIES, &p, &r, NULL);
    if (err == POSTQ_OK) {
        rows = PQntuples(r);
        if ((size_t)rows != n) {
            postq_store_set_errmsg("log: entry %lld not stored", (long long)(from + rows));
            err = POSTQ_E_NOT_FOUND;
        }
    }
    for (int k = 0; err == POSTQ_OK && k < rows; k++) {
        size_t len = (size_t)PQgetlength(r, k, 1);
        uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};
        if (col_int(r, k, 0) != from + k || len == 0 || len > 0xffff) {
            postq_store_set_errmsg("postgres: corrupt log_entries row");
            err = POSTQ_E_IO;
            break;
        }
        err = postq_buf_append(out, pre, 2);
        err = err == POSTQ_OK ? postq_buf_append(out, PQgetvalue(r, k, 1), len) : err;
    }
    PQclear(r);
    release(st_, c);
    return err;
}

/* A checkpoint's row (one is written per checkpoint, so that several API nodes serve the
 * newest): one prepared statement, which does not wait for the WAL flush. */
static postq_err pg_checkpoint_put(struct postq_store *s, const char *org_id, int64_t size,
                                   const uint8_t root[32], const char *note)
{
    struct params p;
    WITH_CONN(s, c, err);
    if (err != POSTQ_OK) {
        return err;
    }
    p.n = 0;
    p_text(&p, org_id);
    p_int(&p, size);
    err = p_blob(&p, root, 32);
    p_text(&p, note);
    p_int(&p, postq_time_now_ms());
    err = err == POSTQ_OK ? exec_cmd(c, S_CP_INSERT, &p, NULL, NULL) : err;
    release(st_, c);
    return err;
}

static const struct postq_store_ops pg_ops = {
    .name = "postgres",
    /* Several nodes read one log: each checkpoint's row at once. */
    .checkpoint_row_ms = 0,
    .close = pg_close,
    .health = pg_health,
    .write_check = pg_write_check,
    .schema_version = pg_schema_version,
    .org_create = pg_org_create,
    .org_get = pg_org_get,
    .org_list = pg_org_list,
    .apikey_create = pg_apikey_create,
    .apikey_get_by_id = pg_apikey_get_by_id,
    .apikey_list = pg_apikey_list,
    .apikey_delete = pg_apikey_delete,
    .policy_create = pg_policy_create,
    .policy_get = pg_policy_get,
    .policy_list = pg_policy_list,
    .policy_delete = pg_policy_delete,
    .policy_get_version = pg_policy_get_version,
    .policy_update = pg_policy_update,
    .key_rotate = pg_key_rotate,
    .key_version_set = pg_key_version_set,
    .key_delete = pg_key_delete,
    .key_create = pg_key_create,
    .key_get = pg_key_get,
    .key_list = pg_key_list,
    .key_get_bound = pg_key_get_bound,
    .counter_seen = pg_counter_seen,
    .put_signature = pg_put_signature,
    .log_size = pg_log_size,
    .checkpoint_get = pg_checkpoint_get,
    .checkpoint_put = pg_checkpoint_put,
    .log_nodes_get = pg_log_nodes_get,
    .log_entries = pg_log_entries,
    .sig_get = pg_sig_get,
    .sig_list = pg_sig_list,
    .rejection_add = pg_rejection_add,
    .activity = pg_activity,
};
