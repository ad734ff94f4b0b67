/* SPDX-License-Identifier: Apache-2.0 */
/* The store's front: picks the backend by URL scheme, checks every argument once, assigns ids
 * and times, and keeps the fault-injection counter and each thread's detail text. */
#include "store/backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"
#include "common/timefmt.h"

static _Thread_local char errmsg[256];

void postq_store_set_errmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
    va_end(ap);
}

const char *postq_store_errmsg(void)
{
    return errmsg;
}

/* ---- fault injection ---------------------------------------------------------------------- */

static atomic_long fail_at;
static atomic_long op_count;

long postq_store_fail_at(long nth)
{
    long ran = atomic_exchange(&op_count, 0);
    atomic_store(&fail_at, nth);
    return ran;
}

postq_err postq_store_fault_tick(void)
{
    long n = atomic_fetch_add(&op_count, 1) + 1;
    long at = atomic_load(&fail_at);
    if (at > 0 && n >= at) {
        postq_store_set_errmsg("injected fault at store operation %ld", n);
        return POSTQ_E_IO;
    }
    return POSTQ_OK;
}

/* ---- argument checks ---------------------------------------------------------------------- */

/* Copy a C string into a fixed field; POSTQ_E_TOO_LARGE if it does not fit. */
static postq_err copy_str(char *dst, size_t cap, const char *src, const char *what)
{
    size_t n;
    if (src == NULL) {
        return POSTQ_E_ARG;
    }
    n = strlen(src);
    if (n >= cap) {
        postq_store_set_errmsg("%s longer than %zu bytes", what, cap - 1);
        return POSTQ_E_TOO_LARGE;
    }
    memcpy(dst, src, n + 1);
    return POSTQ_OK;
}

/* An id that comes from outside: NULL is a bug (ARG); a malformed one cannot exist (NOT_FOUND). */
static postq_err check_id(const char *id, const char *prefix)
{
    if (id == NULL) {
        return POSTQ_E_ARG;
    }
    if (postq_id_check(id, prefix) != POSTQ_OK) {
        postq_store_set_errmsg("no such %s id", prefix);
        return POSTQ_E_NOT_FOUND;
    }
    return POSTQ_OK;
}

static postq_err check_page(size_t limit, const char *cursor, const char *prefix)
{
    if (limit == 0 || limit > POSTQ_STORE_PAGE_MAX) {
        postq_store_set_errmsg("limit must be 1..%d", POSTQ_STORE_PAGE_MAX);
        return POSTQ_E_ARG;
    }
    if (cursor != NULL && cursor[0] != '\0' && postq_id_check(cursor, prefix) != POSTQ_OK) {
        postq_store_set_errmsg("malformed cursor");
        return POSTQ_E_ARG;
    }
    return POSTQ_OK;
}

/* NULL for NULL or "": what the backends take for "no filter" and "first page". */
static const char *nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static size_t strnlen_max(const char *s, size_t cap)
{
    return strnlen(s, cap);
}

/* A fixed field of an in-record must be NUL-terminated within its size. */
#define FIELD_OK(f) (strnlen_max((f), sizeof(f)) < sizeof(f))

/* ---- the checkpointer ---------------------------------------------------------------------- */

/* Checkpoints are signed by one thread per store (the signer), apart from the signs: a backend
 * computes the root of the tree its transaction is about to commit and hands it over
 * (postq_store_log_presign) before its COMMIT, so the enclave signs while the commit's fsync
 * runs; the checkpoint is published (to the signs it covers, to reads) only once that commit
 * is settled as done (postq_store_log_settle), and dropped when it failed. A log has one job
 * at a time and one queued; a newer batch's job replaces the queued one, so while the signer
 * is busy one checkpoint covers every batch committed meanwhile. A sign that finds no job
 * coming for its leaf (its own failed) queues one for the whole committed tree, once.
 *
 * The signer also writes the newest checkpoint's row, at most once per the backend's
 * checkpoint_row_ms (and when the store closes): reads of this process are served from
 * memory meanwhile, and a checkpoint of any committed size that no row holds is signed on
 * demand (postq_store_checkpoint_get), so rows need not be kept for every checkpoint. */

enum cp_state { CP_IDLE, CP_SIGNING, CP_HELD };

struct cp_job {
    int64_t size; /* 0: the whole committed tree, read when the job starts */
    uint8_t root[32];
    int committed;
    int aborted;
};

/* One log's signed state in this process. */
struct cp_log {
    char org_id[POSTQ_ID_MAX];
    int64_t size; /* the newest checkpoint published here (0: none yet) */
    uint8_t root[32];
    char note[POSTQ_STORE_NOTE_MAX];
    size_t note_len;
    int64_t created_at;
    int64_t saved_size, saved_ms; /* its newest row written here, and when */
    int queued;
    struct cp_job q;
    enum cp_state state;
    struct cp_job cur;
    char held[POSTQ_STORE_NOTE_MAX]; /* cur's note, signed, its commit not settled yet */
    size_t held_len;
    unsigned long failures;
    char failure[256]; /* why the last job failed */
    /* A checkpoint of an older committed size, signed on demand (its row written at once). */
    int64_t old_want;      /* asked for, not started (0: none) */
    unsigned long old_gen; /* bumped when one is done or failed */
    int64_t old_size;
    uint8_t old_root[32];
    char old_note[POSTQ_STORE_NOTE_MAX];
    struct cp_log *next;
};

struct postq_store_checkpointer {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct cp_log *logs;
    pthread_t thread;
    int started;
    int stop;
};

/* The log of org_id (made on first use when make); cp->mu held. NULL without memory. */
static struct cp_log *cp_find(struct postq_store_checkpointer *cp, const char *org_id, int make)
{
    struct cp_log *l;
    for (l = cp->logs; l != NULL && strcmp(l->org_id, org_id) != 0; l = l->next) {
    }
    if (l == NULL && make && (l = postq_calloc(1, sizeof(*l))) != NULL) {
        snprintf(l->org_id, sizeof(l->org_id), "%s", org_id);
        l->next = cp->logs;
        cp->logs = l;
    }
    return l;
}

/* Publish (size, root, note) as l's newest checkpoint; cp->mu held. */
static void cp_publish(struct cp_log *l, int64_t size, const uint8_t root[32], const char *note,
                       size_t len)
{
    if (size > l->size) {
        l->size = size;
        memcpy(l->root, root, 32);
        memcpy(l->note, note, len);
        l->note[len] = '\0';
        l->note_len = len;
        l->created_at = postq_time_now_ms();
    }
}

static int same_job(const struct cp_job *j, int64_t size, const uint8_t root[32])
{
    return j->size == size && memcmp(j->root, root, 32) == 0;
}

/* Queue a job for l (size 0: the whole committed tree, root unused), replacing a queued one;
 * cp->mu held. */
static void cp_queue(struct postq_store_checkpointer *cp, struct cp_log *l, int64_t size,
                     const uint8_t root[32])
{
    memset(&l->q, 0, sizeof(l->q));
    l->q.size = size;
    if (size > 0) {
        memcpy(l->q.root, root, 32);
    }
    l->queued = 1;
    pthread_cond_broadcast(&cp->cond);
}

/* Wait until l has published a checkpoint of want leaves or more, asking once for one of the
 * whole committed tree when no job is coming; cp->mu held. 0, or -1 when the job asked for
 * ran and still left l short (it failed: l->failure says why). */
static int cp_await_size(struct postq_store_checkpointer *cp, struct cp_log *l, int64_t want)
{
    int asked = 0;
    while (l->size < want) {
        if (l->queued || l->state != CP_IDLE) {
            pthread_cond_wait(&cp->cond, &cp->mu);
        } else if (asked) {
            return -1;
        } else {
            cp_queue(cp, l, 0, NULL);
            asked = 1;
        }
    }
    return 0;
}

void postq_store_log_presign(struct postq_store *s, const char *org_id, int64_t size,
                             const uint8_t root[32])
{
    struct postq_store_checkpointer *cp = s->cp;
    struct cp_log *l;
    if (cp == NULL || size <= 0) {
        return;
    }
    pthread_mutex_lock(&cp->mu);
    l = cp_find(cp, org_id, 1);
    if (l != NULL && cp->started && size > l->size) {
        cp_queue(cp, l, size, root);
    }
    pthread_mutex_unlock(&cp->mu);
}

void postq_store_log_settle(struct postq_store *s, const char *org_id, int64_t size,
                            const uint8_t root[32], int committed)
{
    struct postq_store_checkpointer *cp = s->cp;
    struct cp_log *l;
    if (cp == NULL || size <= 0) {
        return;
    }
    pthread_mutex_lock(&cp->mu);
    l = cp_find(cp, org_id, 0);
    if (l != NULL && l->queued && same_job(&l->q, size, root)) {
        if (committed) {
            l->q.committed = 1;
        } else {
            l->queued = 0;
        }
    } else if (l != NULL && l->state != CP_IDLE && same_job(&l->cur, size, root)) {
        if (!committed) {
            l->cur.aborted = 1;
        } else {
            l->cur.committed = 1;
        }
        if (l->state == CP_HELD) {
            if (committed) {
                cp_publish(l, size, root, l->held, l->held_len);
            }
            l->state = CP_IDLE;
        }
    }
    pthread_cond_broadcast(&cp->cond);
    pthread_mutex_unlock(&cp->mu);
}

static postq_err sign_committed(struct postq_store *s, const char *org_id, int64_t want,
                                int64_t *size, uint8_t root[32], char *note, size_t cap,
                                size_t *len);

/* The signer's jobs: l's queued one, or its older checkpoint asked for; cp->mu held, and
 * held again on return. Returns 0 when l has none to start. */
static int cp_run_job(struct postq_store *s, struct cp_log *l, char *scratch)
{
    struct postq_store_checkpointer *cp = s->cp;
    char org_id[POSTQ_ID_MAX];
    size_t len = 0;
    postq_err err;

    memcpy(org_id, l->org_id, sizeof(org_id));
    if (l->queued && l->state == CP_IDLE) {
        struct cp_job job = l->q;
        l->queued = 0;
        l->cur = job;
        l->state = CP_SIGNING;
        pthread_mutex_unlock(&cp->mu);
        errmsg[0] = '\0';
        if (job.size == 0) {
            err = sign_committed(s, org_id, 0, &job.size, job.root, l->held, sizeof(l->held),
                                 &len);
        } else {
            err = s->log_signer(s->log_signer_ctx, org_id, job.size, job.root, l->held,
                                sizeof(l->held) - 1, &len);
            if (err != POSTQ_OK && errmsg[0] == '\0') {
                postq_store_set_errmsg("log: the checkpoint could not be signed");
            }
        }
        pthread_mutex_lock(&cp->mu);
        if (err != POSTQ_OK) {
            l->failures++;
            snprintf(l->failure, sizeof(l->failure), "%s", errmsg);
            l->state = CP_IDLE;
        } else if (l->cur.size == 0 || l->cur.committed) {
            cp_publish(l, job.size, job.root, l->held, len);
            l->state = CP_IDLE;
        } else if (l->cur.aborted) {
            l->state = CP_IDLE;
        } else {
            l->held_len = len; /* postq_store_log_settle publishes or drops it */
            l->state = CP_HELD;
        }
        return 1;
    }
    if (l->old_want > 0) {
        int64_t want = l->old_want, size = 0;
        uint8_t root[32];
        l->old_want = 0;
        pthread_mutex_unlock(&cp->mu);
        err = scratch == NULL ? POSTQ_E_NOMEM
                              : sign_committed(s, org_id, want, &size, root, scratch,
                                               POSTQ_STORE_NOTE_MAX, &len);
        if (err == POSTQ_OK) {
            /* Kept, so that the next read of this size finds it. */
            (void)s->ops->checkpoint_put(s, org_id, size, root, scratch);
        }
        pthread_mutex_lock(&cp->mu);
        l->old_size = err == POSTQ_OK ? size : 0;
        if (err == POSTQ_OK) {
            memcpy(l->old_root, root, 32);
            memcpy(l->old_note, scratch, len + 1);
        } else {
            snprintf(l->failure, sizeof(l->failure), "%s", errmsg);
        }
        l->old_gen++;
        return 1;
    }
    return 0;
}

/* The signer's rows: l's newest checkpoint once its last row is checkpoint_row_ms old (or the
 * store closes); cp->mu held, and held again on return. Returns 0 when none is due, with *due
 * lowered to when one will be (ms). */
static int cp_write_row(struct postq_store *s, struct cp_log *l, char *note, int64_t *due)
{
    struct postq_store_checkpointer *cp = s->cp;
    char org_id[POSTQ_ID_MAX];
    int64_t now = postq_time_now_ms(), at, size;
    uint8_t root[32];

    if (l->size <= l->saved_size) {
        return 0;
    }
    at = l->saved_ms + s->ops->checkpoint_row_ms;
    if (at > now && !cp->stop) {
        *due = at < *due ? at : *due;
        return 0;
    }
    size = l->size;
    memcpy(root, l->root, 32);
    memcpy(note, l->note, l->note_len + 1);
    memcpy(org_id, l->org_id, sizeof(org_id));
    l->saved_size = size;
    l->saved_ms = now;
    pthread_mutex_unlock(&cp->mu);
    /* Its loss costs nothing but a later signature: reads of this process are served from
     * memory, and any committed size can be signed again. */
    (void)s->ops->checkpoint_put(s, org_id, size, root, note);
    pthread_mutex_lock(&cp->mu);
    return 1;
}

static void *cp_thread(void *arg)
{
    struct postq_store *s = arg;
    struct postq_store_checkpointer *cp = s->cp;
    char *note = postq_malloc(POSTQ_STORE_NOTE_MAX);

    pthread_mutex_lock(&cp->mu);
    for (;;) {
        int64_t due = INT64_MAX;
        int worked = 0;
        for (struct cp_log *l = cp->logs; l != NULL && !worked; l = l->next) {
            worked = cp_run_job(s, l, note);
        }
        for (struct cp_log *l = cp->logs; l != NULL && !worked && note != NULL; l = l->next) {
            worked = cp_write_row(s, l, note, &due);
        }
        if (worked) {
            pthread_cond_broadcast(&cp->cond);
            continue;
        }
        if (cp->stop) {
            break;
        }
        if (due == INT64_MAX) {
            pthread_cond_wait(&cp->cond, &cp->mu);
        } else {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            due -= postq_time_now_ms();
            until.tv_sec += (time_t)(due / 1000);
            until.tv_nsec += (long)(due % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            (void)pthread_cond_timedwait(&cp->cond, &cp->mu, &until);
        }
    }
    pthread_mutex_unlock(&cp->mu);
    postq_free(note);
    return NULL;
}

static void checkpointer_free(struct postq_store_checkpointer *cp)
{
    if (cp == NULL) {
        return;
    }
    if (cp->started) {
        pthread_mutex_lock(&cp->mu);
        cp->stop = 1;
        pthread_cond_broadcast(&cp->cond);
        pthread_mutex_unlock(&cp->mu);
        pthread_join(cp->thread, NULL);
    }
    for (struct cp_log *l = cp->logs, *next; l != NULL; l = next) {
        next = l->next;
        postq_free(l);
    }
    pthread_cond_destroy(&cp->cond);
    pthread_mutex_destroy(&cp->mu);
    postq_free(cp);
}

static postq_err await_checkpoint(struct postq_store *s, const char *org_id, int64_t index,
                                  struct postq_store_log_receipt *r);

/* A backend opened (err) into *out: add the checkpointer. */
static postq_err opened(postq_err err, struct postq_store **out)
{
    struct postq_store_checkpointer *cp;
    if (err != POSTQ_OK) {
        return err;
    }
    cp = postq_calloc(1, sizeof(*cp));
    if (cp != NULL && pthread_mutex_init(&cp->mu, NULL) == 0) {
        if (pthread_cond_init(&cp->cond, NULL) == 0) {
            (*out)->cp = cp;
            return POSTQ_OK;
        }
        pthread_mutex_destroy(&cp->mu);
    }
    postq_free(cp);
    postq_store_close(*out);
    *out = NULL;
    return POSTQ_E_NOMEM;
}

/* ---- group commit (backend.h) ------------------------------------------------------------- */

void postq_store_gc_init(struct postq_store_gc *q)
{
    q->head = NULL;
    q->tail = &q->head;
    q->busy = 0;
}

void postq_store_gc_run(struct postq_store_gc *q, pthread_mutex_t *lock, pthread_cond_t *cond,
                        struct postq_store_gc_item *me,
                        void (*commit)(struct postq_store *s, struct postq_store_gc_item *batch),
                        struct postq_store *s)
{
    struct postq_store_gc_item *batch;

    me->next = NULL;
    me->done = 0;
    pthread_mutex_lock(lock);
    *q->tail = me;
    q->tail = &me->next;
    while (!me->done && q->busy) {
        pthread_cond_wait(cond, lock);
    }
    if (!me->done) {
        /* Lead: take the whole queue (it holds me). */
        q->busy = 1;
        batch = q->head;
        q->head = NULL;
        q->tail = &q->head;
        pthread_mutex_unlock(lock);

        commit(s, batch);

        pthread_mutex_lock(lock);
        for (struct postq_store_gc_item *it = batch, *next; it != NULL; it = next) {
            next = it->next; /* read before done: a follower's item dies when it returns */
            it->done = 1;
        }
        q->busy = 0;
        pthread_cond_broadcast(cond);
    }
    pthread_mutex_unlock(lock);
}

/* ---- open, close, health ------------------------------------------------------------------ */

postq_err postq_store_open(const char *url, struct postq_store **out)
{
    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    *out = NULL;
    errmsg[0] = '\0';
    if (url == NULL) {
        return POSTQ_E_ARG;
    }
    if (strncmp(url, "sqlite:", 7) == 0) {
        if (url[7] == '\0') {
            postq_store_set_errmsg("sqlite: URL without a path");
            return POSTQ_E_ARG;
        }
        return opened(postq_store_sqlite_open(url + 7, out), out);
    }
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        return opened(postq_store_pg_open(url, out), out);
    }
    postq_store_set_errmsg("unknown store URL scheme (want sqlite:PATH or postgresql://…)");
    return POSTQ_E_ARG;
}

void postq_store_close(struct postq_store *s)
{
    if (s != NULL) {
        checkpointer_free(s->cp);
        s->cp = NULL;
        s->ops->close(s);
    }
}

postq_err postq_store_health(struct postq_store *s)
{
    if (s == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    return s->ops->health(s);
}

postq_err postq_store_write_check(struct postq_store *s)
{
    if (s == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    return s->ops->write_check(s);
}

postq_err postq_store_schema_version(struct postq_store *s, int64_t *version)
{
    if (s == NULL || version == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    return s->ops->schema_version(s, version);
}

/* Fresh id and time for a new row. */
static postq_err new_row(char *id, const char *prefix, int64_t *created_at)
{
    postq_err err = postq_id_new(id, POSTQ_ID_MAX, prefix);
    if (err == POSTQ_OK && *created_at == 0) {
        *created_at = postq_time_now_ms();
    }
    return err;
}

/* ---- organisations ------------------------------------------------------------------------ */

postq_err postq_store_org_create(struct postq_store *s, const char *name,
                                 struct postq_store_org *out)
{
    postq_err err;
    if (s == NULL || out == NULL || name == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(out, 0, sizeof(*out));
    err = copy_str(out->name, sizeof(out->name), name, "name");
    if (err == POSTQ_OK) {
        err = new_row(out->id, "org", &out->created_at);
    }
    if (err == POSTQ_OK) {
        err = s->ops->org_create(s, out);
    }
    if (err != POSTQ_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* The prologue of every org-scoped call on one row: a handle, the org id and the row's id well
 * formed (prefix is the row kind, e.g. "pol"). */
static postq_err scoped_ids(struct postq_store *s, const char *org_id, const char *id,
                            const char *prefix)
{
    postq_err err;
    if (s == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    err = check_id(org_id, "org");
    return err == POSTQ_OK ? check_id(id, prefix) : err;
}

/* The prologue of every org-scoped get: a handle and an output (zeroed), the org id and the
 * row's id well formed (prefix is the row kind, e.g. "pol"). */
static postq_err scoped_get(struct postq_store *s, void *out, size_t out_size, const char *org_id,
                            const char *id, const char *prefix)
{
    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, out_size);
    return scoped_ids(s, org_id, id, prefix);
}

/* The prologue of every org-scoped list: a handle and a page (zeroed), the org id, the limit
 * and the cursor (an id of the listed kind) well formed. */
static postq_err scoped_list(struct postq_store *s, void *page, size_t page_size,
                             const char *org_id, size_t limit, const char *cursor,
                             const char *prefix)
{
    postq_err err;
    if (s == NULL || page == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(page, 0, page_size);
    err = check_id(org_id, "org");
    return err == POSTQ_OK ? check_page(limit, cursor, prefix) : err;
}

postq_err postq_store_org_get(struct postq_store *s, const char *id, struct postq_store_org *out)
{
    postq_err err;
    if (s == NULL || out == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(out, 0, sizeof(*out));
    err = check_id(id, "org");
    if (err == POSTQ_OK) {
        err = s->ops->org_get(s, id, out);
    }
    return err;
}

postq_err postq_store_org_list(struct postq_store *s, size_t limit, const char *cursor,
                               struct postq_store_org_page *page)
{
    postq_err err;
    if (s == NULL || page == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(page, 0, sizeof(*page));
    err = check_page(limit, cursor, "org");
    if (err == POSTQ_OK) {
        err = s->ops->org_list(s, limit, nonempty(cursor), page);
    }
    if (err != POSTQ_OK) {
        postq_store_org_page_clear(page);
    }
    return err;
}

void postq_store_org_page_clear(struct postq_store_org_page *page)
{
    if (page != NULL) {
        postq_free(page->items);
        memset(page, 0, sizeof(*page));
    }
}

/* ---- API keys ----------------------------------------------------------------------------- */

postq_err postq_store_apikey_create(struct postq_store *s, const char *org_id, const char *name,
                                    enum postq_store_role role,
                                    const uint8_t secret_hash[POSTQ_STORE_SECRET_HASH_BYTES],
                                    struct postq_store_apikey *out)
{
    postq_err err;
    if (s == NULL || out == NULL || name == NULL || secret_hash == NULL ||
        role < POSTQ_STORE_ROLE_ADMIN || role > POSTQ_STORE_ROLE_VIEWER) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(out, 0, sizeof(*out));
    err = check_id(org_id, "org");
    if (err == POSTQ_OK) {
        err = copy_str(out->org_id, sizeof(out->org_id), org_id, "org id");
    }
    if (err == POSTQ_OK) {
        err = copy_str(out->name, sizeof(out->name), name, "name");
    }
    if (err == POSTQ_OK) {
        out->role = role;
        memcpy(out->secret_hash, secret_hash, POSTQ_STORE_SECRET_HASH_BYTES);
        err = new_row(out->id, "ak", &out->created_at);
    }
    if (err == POSTQ_OK) {
        err = s->ops->apikey_create(s, out);
    }
    if (err != POSTQ_OK) {
        postq_wipe(out, sizeof(*out));
    }
    return err;
}

postq_err postq_store_apikey_get_by_id(struct postq_store *s, const char *id,
                                       struct postq_store_apikey *out)
{
    postq_err err;
    if (s == NULL || out == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(out, 0, sizeof(*out));
    err = check_id(id, "ak");
    if (err == POSTQ_OK) {
        err = s->ops->apikey_get_by_id(s, id, out);
    }
    return err;
}

postq_err postq_store_apikey_list(struct postq_store *s, const char *org_id, size_t limit,
                                  const char *cursor, struct postq_store_apikey_page *page)
{
    postq_err err = scoped_list(s, page, sizeof(*page), org_id, limit, cursor, "ak");
    if (err == POSTQ_OK && (err = s->ops->apikey_list(s, org_id, limit, nonempty(cursor), page)) != POSTQ_OK) {
        postq_store_apikey_page_clear(page); /* whatever the backend filled before it failed */
    }
    return err;
}

postq_err postq_store_apikey_delete(struct postq_store *s, const char *org_id, const char *id)
{
    postq_err err = scoped_ids(s, org_id, id, "ak");
    return err == POSTQ_OK ? s->ops->apikey_delete(s, org_id, id) : err;
}

void postq_store_apikey_page_clear(struct postq_store_apikey_page *page)
{
    if (page != NULL) {
        if (page->items != NULL) {
            postq_wipe(page->items, page->n * sizeof(page->items[0]));
        }
        postq_free(page->items);
        memset(page, 0, sizeof(*page));
    }
}

/* ---- attestation policies ----------------------------------------------------------------- */

postq_err postq_store_policy_create(struct postq_store *s, const char *org_id,
                                    const struct postq_store_policy *in,
                                    struct postq_store_policy *out)
{
    size_t body_len;
    char *body;
    postq_err err;
    if (s == NULL || in == NULL || out == NULL || in == out || in->body == NULL ||
        (in->enforce != 0 && in->enforce != 1) || !FIELD_OK(in->name) || !FIELD_OK(in->vendor)) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(out, 0, sizeof(*out));
    err = check_id(org_id, "org");
    if (err != POSTQ_OK) {
        return err;
    }
    /* out owns a copy of the body from the start, so success needs no second round trip. */
    body_len = strlen(in->body);
    body = postq_malloc(body_len + 1);
    if (body == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(body, in->body, body_len + 1);
    out->mem_ = body;
    out->body = body;
    memcpy(out->org_id, org_id, strlen(org_id) + 1);
    memcpy(out->name, in->name, sizeof(out->name));
    memcpy(out->vendor, in->vendor, sizeof(out->vendor));
    out->enforce = in->enforce;
    err = new_row(out->id, "pol", &out->created_at);
    out->version = 1;
    out->updated_at = out->created_at;
    if (err == POSTQ_OK) {
        err = s->ops->policy_create(s, out);
    }
    if (err != POSTQ_OK) {
        postq_store_policy_clear(out);
    }
    return err;
}

postq_err postq_store_policy_get(struct postq_store *s, const char *org_id, const char *id,
                                 struct postq_store_policy *out)
{
    postq_err err = scoped_get(s, out, sizeof(*out), org_id, id, "pol");
    if (err == POSTQ_OK && (err = s->ops->policy_get(s, org_id, id, out)) != POSTQ_OK) {
        postq_store_policy_clear(out); /* whatever the backend filled before it failed */
    }
    return err;
}

postq_err postq_store_policy_list(struct postq_store *s, const char *org_id, size_t limit,
                                  const char *cursor, struct postq_store_policy_page *page)
{
    postq_err err = scoped_list(s, page, sizeof(*page), org_id, limit, cursor, "pol");
    if (err == POSTQ_OK && (err = s->ops->policy_list(s, org_id, limit, nonempty(cursor), page)) != POSTQ_OK) {
        postq_store_policy_page_clear(page); /* whatever the backend filled before it failed */
    }
    return err;
}

postq_err postq_store_policy_delete(struct postq_store *s, const char *org_id, const char *id)
{
    postq_err err = scoped_ids(s, org_id, id, "pol");
    return err == POSTQ_OK ? s->ops->policy_delete(s, org_id, id) : err;
}

postq_err postq_store_policy_get_version(struct postq_store *s, const char *org_id, const char *id,
                                         int64_t n, struct postq_store_policy *out)
{
    postq_err err;
    if (n < 1) {
        return POSTQ_E_ARG;
    }
    err = scoped_get(s, out, sizeof(*out), org_id, id, "pol");
    if (err == POSTQ_OK && (err = s->ops->policy_get_version(s, org_id, id, n, out)) != POSTQ_OK) {
        postq_store_policy_clear(out);
    }
    return err;
}

postq_err postq_store_policy_update(struct postq_store *s, const char *org_id, const char *id,
                                    const struct postq_store_policy *in,
                                    struct postq_store_policy *out)
{
    struct postq_store_policy rec;
    postq_err err;
    if (in == NULL || in == out || in->body == NULL || (in->enforce != 0 && in->enforce != 1) ||
        !FIELD_OK(in->name) || !FIELD_OK(in->vendor)) {
        return POSTQ_E_ARG;
    }
    err = scoped_get(s, out, sizeof(*out), org_id, id, "pol");
    if (err != POSTQ_OK) {
        return err;
    }
    memset(&rec, 0, sizeof(rec));
    memcpy(rec.name, in->name, sizeof(rec.name));
    memcpy(rec.vendor, in->vendor, sizeof(rec.vendor));
    rec.body = in->body;
    rec.enforce = in->enforce;
    rec.updated_at = postq_time_now_ms();
    err = s->ops->policy_update(s, org_id, id, &rec, out);
    if (err != POSTQ_OK) {
        postq_store_policy_clear(out);
    }
    return err;
}

void postq_store_policy_clear(struct postq_store_policy *p)
{
    if (p != NULL) {
        postq_free(p->mem_);
        memset(p, 0, sizeof(*p));
    }
}

void postq_store_policy_page_clear(struct postq_store_policy_page *page)
{
    if (page != NULL) {
        for (size_t i = 0; i < page->n; i++) {
            postq_store_policy_clear(&page->items[i]);
        }
        postq_free(page->items);
        memset(page, 0, sizeof(*page));
    }
}

/* ---- hybrid keys -------------------------------------------------------------------------- */

postq_err postq_store_key_create(struct postq_store *s, const char *org_id,
                                 const struct postq_store_key *in, struct postq_store_key *out)
{
    size_t pk_len, sk_len;
    uint8_t *mem;
    postq_err err;
    if (s == NULL || in == NULL || out == NULL || in == out || !FIELD_OK(in->name) ||
        !FIELD_OK(in->algorithm) || !FIELD_OK(in->provider) || !FIELD_OK(in->policy_id) ||
        in->public_key.p == NULL || in->public_key.len == 0 || in->sealed_key.p == NULL ||
        in->sealed_key.len == 0) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    memset(out, 0, sizeof(*out));
    err = check_id(org_id, "org");
    if (err == POSTQ_OK && in->policy_id[0] != '\0') {
        err = check_id(in->policy_id, "pol");
    }
    if (err != POSTQ_OK) {
        return err;
    }
    pk_len = in->public_key.len;
    sk_len = in->sealed_key.len;
    if (pk_len > SIZE_MAX / 2 || sk_len > SIZE_MAX / 2) {
        return POSTQ_E_TOO_LARGE;
    }
    mem = postq_malloc(pk_len + sk_len);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    memcpy(mem, in->public_key.p, pk_len);
    memcpy(mem + pk_len, in->sealed_key.p, sk_len);
    memcpy(out->org_id, org_id, strlen(org_id) + 1);
    memcpy(out->name, in->name, sizeof(out->name));
    memcpy(out->algorithm, in->algorithm, sizeof(out->algorithm));
    memcpy(out->provider, in->provider, sizeof(out->provider));
    memcpy(out->policy_id, in->policy_id, sizeof(out->policy_id));
    out->public_key.p = mem;
    out->public_key.len = pk_len;
    out->sealed_key.p = mem + pk_len;
    out->sealed_key.len = sk_len;
    out->mem_ = mem;
    out->version = 1;
    out->newest_version = 1;
    out->versions = postq_calloc(1, sizeof(out->versions[0]));
    if (out->versions == NULL) {
        postq_store_key_clear(out);
        return POSTQ_E_NOMEM;
    }
    out->vmem_ = out->versions;
    out->n_versions = 1;
    out->versions[0].version = 1;
    out->versions[0].state = POSTQ_STORE_VERSION_ENABLED;
    out->versions[0].public_key = out->public_key;
    if (in->id[0] != '\0') {
        /* A caller-chosen id: the enclave binds a sealed key to its key id at keygen, before
         * the row exists. */
        err = check_id(in->id, "key");
        if (err == POSTQ_OK) {
            memcpy(out->id, in->id, sizeof(out->id));
            out->created_at = postq_time_now_ms();
        }
    } else {
        err = new_row(out->id, "key", &out->created_at);
    }
    out->versions[0].created_at = out->created_at;
    if (err == POSTQ_OK) {
        err = s->ops->key_create(s, out);
    }
    if (err != POSTQ_OK) {
        postq_store_key_clear(out);
    }
    return err;
}

postq_err postq_store_key_get(struct postq_store *s, const char *org_id, const char *id,
                              struct postq_store_key *out)
{
    postq_err err = scoped_get(s, out, sizeof(*out), org_id, id, "key");
    if (err == POSTQ_OK && (err = s->ops->key_get(s, org_id, id, out)) != POSTQ_OK) {
        postq_store_key_clear(out); /* whatever the backend filled before it failed */
    }
    return err;
}

postq_err postq_store_key_get_bound(struct postq_store *s, const char *org_id, const char *id,
                                    struct postq_store_key *key, struct postq_store_policy *pol)
{
    postq_err err;
    if (pol == NULL) {
        return POSTQ_E_ARG;
    }
    memset(pol, 0, sizeof(*pol));
    err = scoped_get(s, key, sizeof(*key), org_id, id, "key");
    if (err == POSTQ_OK) {
        err = s->ops->key_get_bound(s, org_id, id, key, pol);
    }
    if (err != POSTQ_OK) {
        postq_store_key_clear(key);
        postq_store_policy_clear(pol);
        memset(pol, 0, sizeof(*pol));
    }
    return err;
}

postq_err postq_store_key_list(struct postq_store *s, const char *org_id, size_t limit,
                               const char *cursor, struct postq_store_key_page *page)
{
    postq_err err = scoped_list(s, page, sizeof(*page), org_id, limit, cursor, "key");
    if (err == POSTQ_OK && (err = s->ops->key_list(s, org_id, limit, nonempty(cursor), page)) != POSTQ_OK) {
        postq_store_key_page_clear(page); /* whatever the backend filled before it failed */
    }
    return err;
}

const char *const postq_store_state_names[4] = {"", "enabled", "disabled", "destroyed"};

postq_err postq_store_key_rotate(struct postq_store *s, const char *org_id, const char *id,
                                 const struct postq_store_key *in, struct postq_store_key *out)
{
    struct postq_store_key rec;
    postq_err err;
    if (in == NULL || in == out || in->public_key.p == NULL || in->public_key.len == 0 ||
        in->sealed_key.p == NULL || in->sealed_key.len == 0) {
        return POSTQ_E_ARG;
    }
    err = scoped_get(s, out, sizeof(*out), org_id, id, "key");
    if (err != POSTQ_OK) {
        return err;
    }
    memset(&rec, 0, sizeof(rec));
    rec.public_key = in->public_key;
    rec.sealed_key = in->sealed_key;
    rec.created_at = postq_time_now_ms();
    err = s->ops->key_rotate(s, org_id, id, &rec, out);
    if (err != POSTQ_OK) {
        postq_store_key_clear(out);
    }
    return err;
}

postq_err postq_store_key_version_set(struct postq_store *s, const char *org_id, const char *id,
                                      int64_t n, enum postq_store_version_state state,
                                      struct postq_store_key *out)
{
    postq_err err;
    if (n < 1 || (state != POSTQ_STORE_VERSION_ENABLED && state != POSTQ_STORE_VERSION_DISABLED &&
                  state != POSTQ_STORE_VERSION_DESTROYED)) {
        return POSTQ_E_ARG;
    }
    err = scoped_get(s, out, sizeof(*out), org_id, id, "key");
    if (err == POSTQ_OK && (err = s->ops->key_version_set(s, org_id, id, n, state, out)) != POSTQ_OK) {
        postq_store_key_clear(out);
    }
    return err;
}

postq_err postq_store_key_delete(struct postq_store *s, const char *org_id, const char *id,
                                 struct postq_store_key *out)
{
    postq_err err = scoped_get(s, out, sizeof(*out), org_id, id, "key");
    if (err == POSTQ_OK &&
        (err = s->ops->key_delete(s, org_id, id, postq_time_now_ms(), out)) != POSTQ_OK) {
        postq_store_key_clear(out);
    }
    return err;
}

void postq_store_key_clear(struct postq_store_key *k)
{
    if (k != NULL) {
        postq_free(k->mem_);
        postq_free(k->vmem_);
        memset(k, 0, sizeof(*k));
    }
}

void postq_store_key_page_clear(struct postq_store_key_page *page)
{
    if (page != NULL) {
        for (size_t i = 0; i < page->n; i++) {
            postq_store_key_clear(&page->items[i]);
        }
        postq_free(page->items);
        memset(page, 0, sizeof(*page));
    }
}

/* ---- signatures --------------------------------------------------------------------------- */

postq_err postq_store_counter_seen(struct postq_store *s, const char *module_id, int64_t counter,
                                   int *seen)
{
    if (seen != NULL) {
        *seen = 0;
    }
    if (s == NULL || module_id == NULL || module_id[0] == '\0' || seen == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    if (strlen(module_id) >= POSTQ_STORE_MODULE_MAX) {
        return POSTQ_E_TOO_LARGE;
    }
    return s->ops->counter_seen(s, module_id, counter, seen);
}

/* The checks and id assignment of both put_signature calls. */
static postq_err put_prologue(struct postq_store *s, struct postq_store_sig *sig,
                              const char *module_id, int record_counter)
{
    postq_err err;
    if (s == NULL || sig == NULL || sig->signature.p == NULL || sig->signature.len == 0 ||
        !FIELD_OK(sig->algorithm) || !FIELD_OK(sig->org_id) || !FIELD_OK(sig->key_id) ||
        !FIELD_OK(sig->policy_id) || (sig->policy_id[0] != '\0') != (sig->policy_version > 0) ||
        sig->policy_version < 0 || !FIELD_OK(sig->id)) {
        return POSTQ_E_ARG;
    }
    if (record_counter && (module_id == NULL || module_id[0] == '\0')) {
        return POSTQ_E_ARG;
    }
    if (sig->has_attestation && (!FIELD_OK(sig->att.vendor) || !FIELD_OK(sig->att.image_hash) ||
                                 !FIELD_OK(sig->att.module_id) || !FIELD_OK(sig->att.reason) ||
                                 sig->att.verdict < POSTQ_STORE_VERDICT_PASS ||
                                 sig->att.verdict > POSTQ_STORE_VERDICT_FAIL)) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    if (record_counter && strlen(module_id) >= POSTQ_STORE_MODULE_MAX) {
        return POSTQ_E_TOO_LARGE;
    }
    err = check_id(sig->org_id, "org");
    if (err == POSTQ_OK) {
        err = check_id(sig->key_id, "key");
    }
    if (err == POSTQ_OK && sig->policy_id[0] != '\0') {
        err = check_id(sig->policy_id, "pol");
    }
    if (err == POSTQ_OK && sig->id[0] != '\0') {
        /* Made by the caller (the log entry names it): a malformed one is a bug. */
        if (postq_id_check(sig->id, "sig") != POSTQ_OK) {
            return POSTQ_E_ARG;
        }
        if (sig->created_at == 0) {
            sig->created_at = postq_time_now_ms();
        }
    } else if (err == POSTQ_OK) {
        err = new_row(sig->id, "sig", &sig->created_at);
    }
    sig->log_index = -1;
    return err;
}

postq_err postq_store_put_signature(struct postq_store *s, struct postq_store_sig *sig,
                                    const char *module_id, int64_t counter, int record_counter)
{
    postq_err err = put_prologue(s, sig, module_id, record_counter);
    if (err == POSTQ_OK) {
        err = s->ops->put_signature(s, sig, module_id, counter, record_counter, NULL, 0, NULL);
    }
    return err;
}

void postq_store_set_log_signer(struct postq_store *s, postq_store_log_signer_fn fn, void *ctx)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->cp->mu);
    s->log_signer = fn;
    s->log_signer_ctx = ctx;
    if (fn != NULL && !s->cp->started &&
        pthread_create(&s->cp->thread, NULL, cp_thread, s) == 0) {
        s->cp->started = 1;
    }
    pthread_mutex_unlock(&s->cp->mu);
}

postq_err postq_store_put_signature_logged(struct postq_store *s, struct postq_store_sig *sig,
                                           const char *module_id, int64_t counter,
                                           int record_counter, const uint8_t *entry,
                                           size_t entry_len,
                                           struct postq_store_log_receipt *receipt)
{
    postq_err err;
    if (receipt == NULL || entry == NULL || entry_len == 0) {
        return POSTQ_E_ARG;
    }
    memset(receipt, 0, sizeof(*receipt));
    receipt->index = -1;
    err = put_prologue(s, sig, module_id, record_counter);
    if (err != POSTQ_OK) {
        return err;
    }
    if (entry_len > POSTQ_STORE_ENTRY_MAX) {
        postq_store_set_errmsg("log entry longer than %d bytes", POSTQ_STORE_ENTRY_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    if (s->log_signer == NULL || !s->cp->started) {
        postq_store_set_errmsg("no checkpoint signer");
        return POSTQ_E_UNSUPPORTED;
    }
    err = s->ops->put_signature(s, sig, module_id, counter, record_counter, entry, entry_len,
                                receipt);
    if (err != POSTQ_OK) {
        memset(receipt, 0, sizeof(*receipt));
        receipt->index = -1;
        return err;
    }
    sig->log_index = receipt->index;
    /* Stored, with its leaf: from here on the answer is POSTQ_OK whatever happens to the
     * checkpoint (a retry would sign again). Without one the receipt says so. */
    if (await_checkpoint(s, sig->org_id, receipt->index, receipt) != POSTQ_OK) {
        int64_t index = receipt->index;
        char why[sizeof(errmsg)];
        snprintf(why, sizeof(why), "%s", errmsg);
        memset(receipt, 0, sizeof(*receipt));
        receipt->index = index;
        postq_store_set_errmsg("stored as leaf %lld; no checkpoint covers it yet: %s",
                               (long long)index, why);
    }
    return POSTQ_OK;
}

postq_err postq_store_sig_get(struct postq_store *s, const char *org_id, const char *id,
                              struct postq_store_sig *out)
{
    postq_err err = scoped_get(s, out, sizeof(*out), org_id, id, "sig");
    if (err == POSTQ_OK && (err = s->ops->sig_get(s, org_id, id, out)) != POSTQ_OK) {
        postq_store_sig_clear(out); /* whatever the backend filled before it failed */
    }
    return err;
}

postq_err postq_store_sig_list(struct postq_store *s, const char *org_id, const char *key_id,
                               size_t limit, const char *cursor, struct postq_store_sig_page *page)
{
    postq_err err = scoped_list(s, page, sizeof(*page), org_id, limit, cursor, "sig");
    if (err == POSTQ_OK && key_id != NULL && key_id[0] != '\0') {
        err = check_id(key_id, "key");
    }
    if (err == POSTQ_OK) {
        err = s->ops->sig_list(s, org_id, nonempty(key_id), limit, nonempty(cursor), page);
    }
    if (err != POSTQ_OK) {
        postq_store_sig_page_clear(page);
    }
    return err;
}

void postq_store_sig_clear(struct postq_store_sig *sig)
{
    if (sig != NULL) {
        postq_free(sig->mem_);
        memset(sig, 0, sizeof(*sig));
    }
}

void postq_store_sig_page_clear(struct postq_store_sig_page *page)
{
    if (page != NULL) {
        for (size_t i = 0; i < page->n; i++) {
            postq_store_sig_clear(&page->items[i]);
        }
        postq_free(page->items);
        memset(page, 0, sizeof(*page));
    }
}

/* ---- the transparency log ------------------------------------------------------------------ */

static postq_err log_prologue(struct postq_store *s, const char *org_id)
{
    if (s == NULL) {
        return POSTQ_E_ARG;
    }
    errmsg[0] = '\0';
    return check_id(org_id, "org");
}

postq_err postq_store_log_size(struct postq_store *s, const char *org_id, int64_t *size)
{
    postq_err err;
    if (size == NULL) {
        return POSTQ_E_ARG;
    }
    *size = 0;
    err = log_prologue(s, org_id);
    return err == POSTQ_OK ? s->ops->log_size(s, org_id, size) : err;
}

/* out := a copy of (size, root, note, created_at); cp->mu held. */
static postq_err cp_copy(struct postq_store_checkpoint *out, int64_t size, const uint8_t root[32],
                         const char *note, int64_t created_at)
{
    size_t n = strlen(note);
    char *mem = postq_malloc(n + 1);
    if (mem == NULL) {
        return POSTQ_E_NOMEM;
    }
    postq_store_checkpoint_clear(out);
    memcpy(mem, note, n + 1);
    out->size = size;
    memcpy(out->root, root, 32);
    out->note = mem;
    out->created_at = created_at;
    out->mem_ = mem;
    return POSTQ_OK;
}

/* A checkpoint no row holds (err NOT_FOUND, or for size 0 one older than the tree): this
 * process's newest when it is the one asked for; else, when a signer is set, one signed now.
 * Size 0 signs only while this process has published none for org (after a restart, say),
 * so that the first read after it is not older than any checkpoint handed out before. */
static postq_err checkpoint_here(struct postq_store *s, const char *org_id, int64_t size,
                                 postq_err err, struct postq_store_checkpoint *out)
{
    struct postq_store_checkpointer *cp = s->cp;
    struct cp_log *l;
    int64_t have = 0;
    int sign_here;

    if ((err != POSTQ_OK && err != POSTQ_E_NOT_FOUND) || cp == NULL ||
        (size > 0 && err == POSTQ_OK)) {
        return err;
    }
    pthread_mutex_lock(&cp->mu);
    l = cp_find(cp, org_id, 0);
    if (l != NULL && l->size > 0 &&
        (size == 0 ? err == POSTQ_E_NOT_FOUND || l->size > out->size : l->size == size)) {
        err = cp_copy(out, l->size, l->root, l->note, l->created_at);
        pthread_mutex_unlock(&cp->mu);
        return err;
    }
    sign_here = cp->started && (size > 0 || l == NULL || l->size == 0);
    pthread_mutex_unlock(&cp->mu);
    if (!sign_here) {
        return err;
    }
    {
        postq_err e = s->ops->log_size(s, org_id, &have);
        if (e != POSTQ_OK) {
            return e;
        }
    }
    if (size > have || have == 0 || (size == 0 && err == POSTQ_OK && out->size >= have)) {
        if (size > have) {
            postq_store_set_errmsg("log: the tree has %lld leaves", (long long)have);
        }
        return err;
    }
    pthread_mutex_lock(&cp->mu);
    l = cp_find(cp, org_id, 1);
    if (l == NULL) {
        pthread_mutex_unlock(&cp->mu);
        return POSTQ_E_NOMEM;
    }
    if (size == 0) {
        /* The whole committed tree, through the job queue (as a sign whose own failed); when
         * it cannot be signed, what the rows hold. */
        (void)cp_await_size(cp, l, have);
        if (l->size > 0 && (err == POSTQ_E_NOT_FOUND || l->size > out->size)) {
            err = cp_copy(out, l->size, l->root, l->note, l->created_at);
        }
    } else {
        /* An older size: signed on demand by the checkpoint thread, one size at a time. A
         * size asked for stays asked until it is signed: a request for another size waits
         * its turn instead of replacing it (which left the first caller without an answer). */
        for (int rounds = 0; err == POSTQ_E_NOT_FOUND; rounds++) {
            unsigned long gen;
            if (rounds == 4096) {
                postq_store_set_errmsg("log: too many older checkpoints asked for at once");
                err = POSTQ_E_BUSY;
                break;
            }
            if (l->old_want != 0 && l->old_want != size) {
                pthread_cond_wait(&cp->cond, &cp->mu); /* another size's turn */
                continue;
            }
            gen = l->old_gen;
            if (l->old_want == 0) {
                l->old_want = size;
                pthread_cond_broadcast(&cp->cond);
            }
            while (l->old_gen == gen) {
                pthread_cond_wait(&cp->cond, &cp->mu);
            }
            if (l->old_size == size) {
                err = cp_copy(out, size, l->old_root, l->old_note, postq_time_now_ms());
            } else if (l->old_size == 0) {
                postq_store_set_errmsg("%s", l->failure);
                err = POSTQ_E_INTERNAL;
            }
            /* else: the answer was the size asked for before ours; ours is next */
        }
    }
    pthread_mutex_unlock(&cp->mu);
    return err;
}

static postq_err checkpoint_get(struct postq_store *s, const char *org_id, int64_t size,
                                struct postq_store_checkpoint *out)
{
    postq_err err;
    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    err = log_prologue(s, org_id);
    if (err == POSTQ_OK && size < 0) {
        err = POSTQ_E_ARG;
    }
    if (err == POSTQ_OK) {
        err = s->ops->checkpoint_get(s, org_id, size, out);
        err = checkpoint_here(s, org_id, size, err, out);
    }
    if (err != POSTQ_OK) {
        postq_store_checkpoint_clear(out);
    }
    return err;
}

postq_err postq_store_checkpoint_latest(struct postq_store *s, const char *org_id,
                                        struct postq_store_checkpoint *out)
{
    return checkpoint_get(s, org_id, 0, out);
}

postq_err postq_store_checkpoint_get(struct postq_store *s, const char *org_id, int64_t size,
                                     struct postq_store_checkpoint *out)
{
    if (size == 0) {
        if (out != NULL) {
            memset(out, 0, sizeof(*out));
        }
        return s == NULL || out == NULL ? POSTQ_E_ARG : POSTQ_E_NOT_FOUND;
    }
    return checkpoint_get(s, org_id, size, out);
}

void postq_store_checkpoint_clear(struct postq_store_checkpoint *cp)
{
    if (cp != NULL) {
        postq_free(cp->mem_);
        memset(cp, 0, sizeof(*cp));
    }
}

/* Proofs are read in two passes over the same computation (crypto/merkle.h: which nodes it
 * fetches depends only on the sizes): the first records the nodes, one backend call reads
 * them all (one query where the database is across a network), the second computes. */
struct node_set {
    struct postq_merkle_node nodes[2 * POSTQ_MERKLE_PROOF_MAX + 2];
    size_t n;
    int replay;
};

static postq_err node_record(void *ctx, unsigned level, uint64_t index, postq_merkle_hash out)
{
    struct node_set *ns = ctx;
    for (size_t i = 0; i < ns->n; i++) {
        if (ns->nodes[i].level == level && ns->nodes[i].index == index) {
            if (ns->replay) {
                memcpy(out, ns->nodes[i].hash, 32);
            }
            return POSTQ_OK;
        }
    }
    if (ns->replay || ns->n == sizeof(ns->nodes) / sizeof(ns->nodes[0])) {
        postq_store_set_errmsg("log: node (%u, %llu) not read", level,
                               (unsigned long long)index);
        return POSTQ_E_INTERNAL;
    }
    ns->nodes[ns->n].level = level;
    ns->nodes[ns->n].index = index;
    ns->n++;
    memset(out, 0, 32);
    return POSTQ_OK;
}

postq_err postq_store_log_tree(postq_store_nodes_fn get, void *ctx, enum postq_store_tree_use use,
                               int64_t size, int64_t a, uint8_t proof[64][32], size_t *len,
                               uint8_t root[32])
{
    struct node_set *ns = postq_calloc(1, sizeof(*ns));
    postq_err err = ns == NULL ? POSTQ_E_NOMEM : POSTQ_OK;

    for (int pass = 0; err == POSTQ_OK && pass < 2; pass++) {
        ns->replay = pass;
        if (pass == 1 && ns->n > 0) {
            err = get(ctx, ns->nodes, ns->n);
            if (err != POSTQ_OK) {
                break;
            }
        }
        if (use == NODES_INCLUSION && root != NULL) {
            err = postq_merkle_root_from(root, (uint64_t)size, node_record, ns);
            if (err != POSTQ_OK) {
                break;
            }
        }
        err = use == NODES_ROOT ? postq_merkle_root_from(root, (uint64_t)size, node_record, ns)
              : use == NODES_CONSISTENCY
                  ? postq_merkle_consistency_proof_from((postq_merkle_hash *)proof, 64, len,
                                                        (uint64_t)size, (uint64_t)a, node_record,
                                                        ns)
                  : postq_merkle_inclusion_proof_from((postq_merkle_hash *)proof, 64, len,
                                                      (uint64_t)size, (uint64_t)a, node_record,
                                                      ns);
    }
    postq_free(ns);
    if (err != POSTQ_OK && len != NULL) {
        *len = 0;
    }
    return err;
}

size_t postq_store_log_edge(int64_t size, struct postq_merkle_node out[64])
{
    size_t n = 0;
    for (int level = 62; level >= 0; level--) {
        if (((uint64_t)size >> level) & 1) {
            memset(&out[n], 0, sizeof(out[n]));
            out[n].level = (unsigned)level;
            out[n].index = ((uint64_t)size >> level) - 1;
            n++;
        }
    }
    return n;
}

postq_err postq_store_known_push(struct postq_store_known *k, unsigned level, uint64_t index,
                                 const uint8_t hash[32])
{
    if (k->n == k->cap) {
        size_t cap = k->cap != 0 ? 2 * k->cap : 96;
        struct postq_merkle_node *v = postq_realloc(k->v, cap * sizeof(*v));
        if (v == NULL) {
            return POSTQ_E_NOMEM;
        }
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n].level = level;
    k->v[k->n].index = index;
    memcpy(k->v[k->n].hash, hash, 32);
    k->n++;
    return POSTQ_OK;
}

const struct postq_merkle_node *postq_store_known_find(const struct postq_store_known *k,
                                                       unsigned level, uint64_t index)
{
    for (size_t i = k->n; i-- > 0;) {
        if (k->v[i].level == level && k->v[i].index == index) {
            return &k->v[i];
        }
    }
    return NULL;
}

postq_err postq_store_known_edge(const struct postq_store_known *k, int64_t size,
                                 struct postq_merkle_node out[64], size_t *n)
{
    *n = postq_store_log_edge(size, out);
    for (size_t i = 0; i < *n; i++) {
        const struct postq_merkle_node *node =
            postq_store_known_find(k, out[i].level, out[i].index);
        if (node == NULL) {
            return POSTQ_E_NOT_FOUND;
        }
        memcpy(out[i].hash, node->hash, 32);
    }
    return POSTQ_OK;
}

postq_err postq_store_known_get(void *ctx, unsigned level, uint64_t index, postq_merkle_hash out)
{
    struct postq_store_known *k = ctx;
    const struct postq_merkle_node *node = postq_store_known_find(k, level, index);
    if (node == NULL) {
        return k->read(k->read_ctx, level, index, out);
    }
    memcpy(out, node->hash, 32);
    return POSTQ_OK;
}

postq_err postq_store_known_nodes(void *ctx, struct postq_merkle_node *nodes, size_t n)
{
    postq_err err = POSTQ_OK;
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        err = postq_store_known_get(ctx, nodes[i].level, nodes[i].index, nodes[i].hash);
    }
    return err;
}

void postq_store_known_free(struct postq_store_known *k)
{
    postq_free(k->v);
    memset(k, 0, sizeof(*k));
}

struct stored_nodes {
    struct postq_store *s;
    const char *org_id;
};

static postq_err stored_get(void *ctx, struct postq_merkle_node *nodes, size_t n)
{
    struct stored_nodes *sn = ctx;
    return sn->s->ops->log_nodes_get(sn->s, sn->org_id, nodes, n);
}

/* What `use` needs of the tree of org's first size leaves (a: the leaf, or the older size),
 * from the stored nodes (committed). The caller checked the arguments. */
static postq_err from_nodes(struct postq_store *s, const char *org_id, enum postq_store_tree_use use,
                            int64_t size, int64_t a, uint8_t proof[64][32], size_t *len,
                            uint8_t root[32])
{
    struct stored_nodes sn = {s, org_id};
    return postq_store_log_tree(stored_get, &sn, use, size, a, proof, len, root);
}

static postq_err log_proof(struct postq_store *s, const char *org_id, int64_t size, int64_t a,
                           int consistency, uint8_t proof[64][32], size_t *len)
{
    int64_t have = 0;
    postq_err err;

    if (proof == NULL || len == NULL) {
        return POSTQ_E_ARG;
    }
    *len = 0;
    err = log_prologue(s, org_id);
    if (err != POSTQ_OK) {
        return err;
    }
    if (size < 0 || a < 0 || (consistency ? a > size : a >= size)) {
        postq_store_set_errmsg("log: index or size out of range");
        return POSTQ_E_ARG;
    }
    err = s->ops->log_size(s, org_id, &have);
    if (err == POSTQ_OK && size > have) {
        postq_store_set_errmsg("log: the tree has %lld leaves", (long long)have);
        err = POSTQ_E_NOT_FOUND;
    }
    return err == POSTQ_OK ? from_nodes(s, org_id,
                                        consistency ? NODES_CONSISTENCY : NODES_INCLUSION, size,
                                        a, proof, len, NULL)
                           : err;
}

postq_err postq_store_log_inclusion(struct postq_store *s, const char *org_id, int64_t size,
                                    int64_t index, uint8_t proof[64][32], size_t *len)
{
    return log_proof(s, org_id, size, index, 0, proof, len);
}

postq_err postq_store_log_consistency(struct postq_store *s, const char *org_id, int64_t size,
                                      int64_t m, uint8_t proof[64][32], size_t *len)
{
    return log_proof(s, org_id, size, m, 1, proof, len);
}

/* Sign a checkpoint of org's committed tree (want 0: all of it; else its first want leaves),
 * for the signer thread: into size, root, note. */
static postq_err sign_committed(struct postq_store *s, const char *org_id, int64_t want,
                                int64_t *size, uint8_t root[32], char *note, size_t cap,
                                size_t *len)
{
    postq_err err = s->ops->log_size(s, org_id, size);
    if (err == POSTQ_OK && (*size <= 0 || want > *size)) {
        postq_store_set_errmsg("log: the tree has %lld leaves", (long long)*size);
        err = POSTQ_E_NOT_FOUND;
    }
    if (err == POSTQ_OK && want > 0) {
        *size = want;
    }
    err = err == POSTQ_OK ? from_nodes(s, org_id, NODES_ROOT, *size, 0, NULL, NULL, root) : err;
    if (err == POSTQ_OK) {
        errmsg[0] = '\0';
        err = s->log_signer(s->log_signer_ctx, org_id, *size, root, note, cap - 1, len);
        if (err != POSTQ_OK && errmsg[0] == '\0') {
            postq_store_set_errmsg("log: the checkpoint could not be signed");
        }
    }
    if (err == POSTQ_OK) {
        note[*len] = '\0';
    }
    return err;
}

/* After the commit of leaf index: wait for a published checkpoint that covers it (its batch's,
 * or a later one), asking once for one of the whole committed tree when none is coming. The
 * backend left in r the proof of the leaf in its batch's tree (r->size, r->root); it is
 * recomputed only when the checkpoint is of another size. */
static postq_err await_checkpoint(struct postq_store *s, const char *org_id, int64_t index,
                                  struct postq_store_log_receipt *r)
{
    struct postq_store_checkpointer *cp = s->cp;
    struct cp_log *l;
    unsigned long failures;
    postq_err err = POSTQ_OK;

    pthread_mutex_lock(&cp->mu);
    l = cp_find(cp, org_id, 1);
    if (l == NULL) {
        pthread_mutex_unlock(&cp->mu);
        return POSTQ_E_NOMEM;
    }
    failures = l->failures;
    if (cp_await_size(cp, l, index + 1) != 0) {
        postq_store_set_errmsg("%s", l->failures != failures ? l->failure
                                                             : "log: no checkpoint was signed");
        err = POSTQ_E_INTERNAL;
    }
    if (err == POSTQ_OK) {
        int same = r->size > 0 && r->size == l->size && memcmp(r->root, l->root, 32) == 0;
        if (!same) {
            r->proof_len = 0;
        }
        r->size = l->size;
        memcpy(r->root, l->root, 32);
        memcpy(r->note, l->note, l->note_len + 1);
        r->note_len = l->note_len;
        pthread_mutex_unlock(&cp->mu);
        if (!same) {
            /* Published after its commit: no need to read the log's size again. */
            err = from_nodes(s, org_id, NODES_INCLUSION, r->size, index, r->proof,
                             &r->proof_len, NULL);
        }
        return err;
    }
    pthread_mutex_unlock(&cp->mu);
    return err;
}

postq_err postq_store_log_nodes(struct postq_store *s, const char *org_id, unsigned level,
                                int64_t from, size_t n, uint8_t *hashes)
{
    struct postq_merkle_node *nodes;
    postq_err err;

    if (hashes == NULL || n == 0 || n > 256 || from < 0 || level > 63) {
        return POSTQ_E_ARG;
    }
    err = log_prologue(s, org_id);
    if (err != POSTQ_OK) {
        return err;
    }
    nodes = postq_malloc(n * sizeof(*nodes));
    if (nodes == NULL) {
        return POSTQ_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        nodes[i].level = level;
        nodes[i].index = (uint64_t)from + i;
    }
    err = s->ops->log_nodes_get(s, org_id, nodes, n);
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        memcpy(hashes + 32 * i, nodes[i].hash, 32);
    }
    postq_free(nodes);
    return err;
}

postq_err postq_store_log_entries(struct postq_store *s, const char *org_id, int64_t from,
                                  size_t n, struct postq_buf *out)
{
    postq_err err;
    if (out == NULL || n == 0 || n > 256 || from < 0) {
        return POSTQ_E_ARG;
    }
    err = log_prologue(s, org_id);
    if (err == POSTQ_OK) {
        err = s->ops->log_entries(s, org_id, from, n, out);
    }
    return err;
}

/* ---- activity ----------------------------------------------------------------------------- */

postq_err postq_store_rejection_add(struct postq_store *s, const char *org_id, const char *key_id,
                                    const char *reason, int64_t at_ms)
{
    postq_err err = scoped_ids(s, org_id, key_id, "key");
    if (err != POSTQ_OK) {
        return err;
    }
    if (reason == NULL || reason[0] == '\0' || strlen(reason) >= POSTQ_STORE_REASON_MAX ||
        at_ms < 0) {
        return POSTQ_E_ARG;
    }
    return s->ops->rejection_add(s, org_id, key_id, reason,
                                 at_ms > 0 ? at_ms : postq_time_now_ms());
}

postq_err postq_store_activity(struct postq_store *s, const char *org_id, int64_t from_ms,
                               int64_t bucket_ms, size_t n, struct postq_store_activity_bucket *out,
                               struct postq_store_rejection *recent, size_t recent_cap,
                               size_t *recent_n)
{
    postq_err err;

    if (s == NULL || out == NULL || recent_n == NULL || (recent == NULL && recent_cap > 0) ||
        n == 0 || n > POSTQ_STORE_ACTIVITY_BUCKETS_MAX || bucket_ms < 1000 ||
        bucket_ms > INT64_C(86400000) * 366 || from_ms < 0) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, n * sizeof(*out));
    *recent_n = 0;
    errmsg[0] = '\0';
    err = check_id(org_id, "org");
    if (err != POSTQ_OK) {
        return err;
    }
    return s->ops->activity(s, org_id, from_ms, bucket_ms, n, out, recent,
                            recent_cap < POSTQ_STORE_REJECTIONS_MAX ? recent_cap
                                                                    : POSTQ_STORE_REJECTIONS_MAX,
                            recent_n);
}
