/* SPDX-License-Identifier: Apache-2.0 */
/* The verification cache of POST /v1/sign (see vcache.h). */
#include "server/vcache.h"

#include <pthread.h>
#include <string.h>

#include "common/mem.h"
#include "attest/policy.h"

struct postq_vcache {
    pthread_mutex_t mu;
    size_t cap;
    uint64_t tick, hits, misses;
    struct postq_vcache_entry **slot; /* cap slots, NULL when empty */
};

postq_err postq_vcache_new(size_t cap, struct postq_vcache **out)
{
    struct postq_vcache *c;
    *out = NULL;
    if (cap == 0) {
        return POSTQ_E_ARG;
    }
    c = postq_calloc(1, sizeof(*c));
    if (c == NULL) {
        return POSTQ_E_NOMEM;
    }
    c->slot = postq_calloc(cap, sizeof(c->slot[0]));
    if (c->slot == NULL) {
        postq_free(c);
        return POSTQ_E_NOMEM;
    }
    c->cap = cap;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return POSTQ_OK;
}

static void entry_free(struct postq_vcache_entry *e)
{
    if (e == NULL) {
        return;
    }
    postq_policy_free(&e->policy);
    postq_free(e->policy_body);
    postq_free(e->public_key);
    postq_free(e);
}

void postq_vcache_free(struct postq_vcache *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->cap; i++) {
        entry_free(c->slot[i]); /* no reader is left when the server stops */
    }
    pthread_mutex_destroy(&c->mu);
    postq_free(c->slot);
    postq_free(c);
}

static int entry_is(const struct postq_vcache_entry *e, const struct postq_store_key *key,
                    const struct postq_store_policy *pol)
{
    return strcmp(e->key_id, key->id) == 0 && strcmp(e->algorithm, key->algorithm) == 0 &&
           e->public_key_len == key->public_key.len &&
           memcmp(e->public_key, key->public_key.p, key->public_key.len) == 0 &&
           strcmp(e->policy_body, pol->body) == 0;
}

/* Parse and expand outside the lock: ~1 M instructions, other signs go on meanwhile. */
static postq_err entry_make(const struct postq_store_key *key,
                            const struct postq_store_policy *pol, struct postq_vcache_entry **out)
{
    struct postq_vcache_entry *e;
    size_t body_len = strlen(pol->body);
    char detail[160];
    postq_err err;

    *out = NULL;
    if (strlen(key->id) >= sizeof(e->key_id) || strlen(key->algorithm) >= sizeof(e->algorithm) ||
        key->public_key.len == 0) {
        return POSTQ_E_ARG;
    }
    e = postq_calloc(1, sizeof(*e));
    if (e == NULL) {
        return POSTQ_E_NOMEM;
    }
    e->public_key = postq_malloc(key->public_key.len);
    e->policy_body = postq_malloc(body_len + 1);
    if (e->public_key == NULL || e->policy_body == NULL) {
        entry_free(e);
        return POSTQ_E_NOMEM;
    }
    memcpy(e->key_id, key->id, strlen(key->id) + 1);
    memcpy(e->algorithm, key->algorithm, strlen(key->algorithm) + 1);
    memcpy(e->public_key, key->public_key.p, key->public_key.len);
    e->public_key_len = key->public_key.len;
    memcpy(e->policy_body, pol->body, body_len + 1);
    err = postq_policy_parse(&e->policy, pol->body, body_len, detail, sizeof(detail));
    if (err != POSTQ_OK) {
        postq_free(e->policy_body);
        postq_free(e->public_key);
        postq_free(e);
        return err;
    }
    err = postq_hybrid_vkey_init(&e->vkey, key->algorithm, key->public_key.p,
                                 key->public_key.len);
    if (err != POSTQ_OK) {
        entry_free(e);
        return err;
    }
    *out = e;
    return POSTQ_OK;
}

/* Under the lock: put e in a free slot, or in place of the least recently used entry (freed
 * now when unused, else when its last reader puts it back). */
static void insert(struct postq_vcache *c, struct postq_vcache_entry *e)
{
    size_t victim = 0;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slot[i] == NULL) {
            victim = i;
            break;
        }
        if (c->slot[i]->used < c->slot[victim]->used) {
            victim = i;
        }
    }
    if (c->slot[victim] != NULL) {
        if (c->slot[victim]->refs == 0) {
            entry_free(c->slot[victim]);
        } else {
            c->slot[victim]->dead = 1;
        }
    }
    c->slot[victim] = e;
}

postq_err postq_vcache_get(struct postq_vcache *c, const struct postq_store_key *key,
                           const struct postq_store_policy *pol,
                           struct postq_vcache_entry **out)
{
    struct postq_vcache_entry *e = NULL;
    postq_err err;

    *out = NULL;
    if (c == NULL || key == NULL || pol == NULL || pol->body == NULL) {
        return POSTQ_E_ARG;
    }
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slot[i] != NULL && entry_is(c->slot[i], key, pol)) {
            e = c->slot[i];
            e->refs++;
            e->used = ++c->tick;
            c->hits++;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (e != NULL) {
        *out = e;
        return POSTQ_OK;
    }
    err = entry_make(key, pol, &e);
    if (err != POSTQ_OK) {
        return err;
    }
    pthread_mutex_lock(&c->mu);
    /* Another thread may have made the same entry meanwhile: both stay usable, the older one
     * ages out. */
    e->refs = 1;
    e->used = ++c->tick;
    c->misses++;
    insert(c, e);
    pthread_mutex_unlock(&c->mu);
    *out = e;
    return POSTQ_OK;
}

void postq_vcache_put(struct postq_vcache *c, struct postq_vcache_entry *e)
{
    int gone;
    if (c == NULL || e == NULL) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    gone = --e->refs == 0 && e->dead;
    pthread_mutex_unlock(&c->mu);
    if (gone) {
        entry_free(e);
    }
}

void postq_vcache_stats(struct postq_vcache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}
