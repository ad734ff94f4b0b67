/* SPDX-License-Identifier: Apache-2.0 */
/* postq-enclave's expanded signing keys (keycache.h). The expanded keys live in one mmap'd
 * region: slots 0..n-1 for cached keys, then the composite root's. What describes them (ids,
 * reference counts, the LRU list, the hash chains) holds nothing secret and lives on the heap,
 * guarded by one mutex; unseal and expansion run outside it, on a slot reserved for the
 * thread doing them. */
#include "enclave/keycache.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <postq/hybrid.h>

#include "attest/doc.h"
#include "common/mem.h"
#include "crypto/composite.h"
#include "crypto/sha2.h"
#include "enclave/enclave.h"

#define NIL        UINT32_MAX
#define ALG_MAX    32  /* as the protocol's alg field, NUL included */
#define KEY_ID_MAX 128 /* as the protocol's keyId field, NUL included */

enum slot_state {
    SLOT_FREE,   /* on the free list; its memory is zero */
    SLOT_OWNED,  /* one thread's: being expanded, or a duplicate of a cached entry in use */
    SLOT_CACHED, /* in the hash chains and the LRU list */
};

/* What describes slot i of the region. Public data only. */
struct entry {
    enum slot_state state;
    uint32_t refs;  /* signers holding the key; an OWNED slot has exactly 1 */
    uint32_t prev;  /* CACHED: LRU list, most recently used first */
    uint32_t next;  /* CACHED: LRU list; FREE: the free list */
    uint32_t chain; /* CACHED: next entry in its hash bucket */
    uint8_t id[32]; /* SHA-256 of the sealed key's bytes */
    uint8_t pk_sha256[32];
    char alg[ALG_MAX];
    char key_id[KEY_ID_MAX];
};

struct postq_enclave_keycache {
    pthread_mutex_t mu;
    struct postq_hybrid_skey *region; /* n slots, then the root's key when has_root, then the
                                       * log's composite key when has_log */
    size_t region_bytes;
    uint32_t n;
    int has_root;
    int has_log;
    struct entry *ent; /* n */
    uint32_t *bucket;  /* mask + 1 chain heads */
    uint32_t mask;
    uint32_t lru_head, lru_tail, free_head;
    struct postq_enclave_keycache_stats st;
};

size_t postq_enclave_keycache_bytes(size_t slots, int extra)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t n = (slots + (size_t)(extra > 0 ? extra : 0)) * sizeof(struct postq_hybrid_skey);

    return (n + page - 1) / page * page;
}

/* ---- the lists; every function here runs with kc->mu held ---- */

static uint32_t bucket_of(const struct postq_enclave_keycache *kc, const uint8_t id[32])
{
    uint32_t h =
        (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16 | (uint32_t)id[3] << 24;
    return h & kc->mask;
}

static uint32_t find(const struct postq_enclave_keycache *kc, const uint8_t id[32], const char *alg,
                     const char *key_id)
{
    for (uint32_t i = kc->bucket[bucket_of(kc, id)]; i != NIL; i = kc->ent[i].chain) {
        const struct entry *t = &kc->ent[i];
        if (memcmp(t->id, id, 32) == 0 && strcmp(t->alg, alg) == 0 &&
            strcmp(t->key_id, key_id) == 0) {
            return i;
        }
    }
    return NIL;
}

static void lru_unlink(struct postq_enclave_keycache *kc, uint32_t i)
{
    struct entry *t = &kc->ent[i];

    if (t->prev != NIL) {
        kc->ent[t->prev].next = t->next;
    } else {
        kc->lru_head = t->next;
    }
    if (t->next != NIL) {
        kc->ent[t->next].prev = t->prev;
    } else {
        kc->lru_tail = t->prev;
    }
    t->prev = t->next = NIL;
}

static void lru_push_head(struct postq_enclave_keycache *kc, uint32_t i)
{
    struct entry *t = &kc->ent[i];

    t->prev = NIL;
    t->next = kc->lru_head;
    if (kc->lru_head != NIL) {
        kc->ent[kc->lru_head].prev = i;
    } else {
        kc->lru_tail = i;
    }
    kc->lru_head = i;
}

/* Take slot i out of the cache (hash chain and LRU list); it becomes the caller's (OWNED). */
static void uncache(struct postq_enclave_keycache *kc, uint32_t i)
{
    uint32_t *p = &kc->bucket[bucket_of(kc, kc->ent[i].id)];

    while (*p != i) {
        p = &kc->ent[*p].chain;
    }
    *p = kc->ent[i].chain;
    kc->ent[i].chain = NIL;
    lru_unlink(kc, i);
    kc->ent[i].state = SLOT_OWNED;
}

/* A cached entry for one more signer: the most recently used from now on. */
static void hold(struct postq_enclave_keycache *kc, uint32_t i, struct postq_enclave_keyref *ref)
{
    kc->ent[i].refs++;
    lru_unlink(kc, i);
    lru_push_head(kc, i);
    memcpy(ref->pk_sha256, kc->ent[i].pk_sha256, 32);
    ref->skey = &kc->region[i];
    ref->slot = i;
}

/* The least recently used cached entry that no signer holds, out of the cache and the
 * caller's (its key still in memory: the caller wipes it, outside the lock); NIL when every
 * entry is held. */
static uint32_t evict(struct postq_enclave_keycache *kc)
{
    uint32_t i = kc->lru_tail;

    while (i != NIL && kc->ent[i].refs != 0) {
        i = kc->ent[i].prev;
    }
    if (i != NIL) {
        uncache(kc, i);
        kc->ent[i].refs = 1;
        kc->st.evictions++;
    }
    return i;
}

/* A slot for a new key, the caller's (refs 1): a free one, else an evicted one (*evicted 1:
 * wipe it first). NIL when every slot is held. */
static uint32_t reserve(struct postq_enclave_keycache *kc, int *evicted)
{
    uint32_t i = kc->free_head;

    *evicted = 0;
    if (i != NIL) {
        kc->free_head = kc->ent[i].next;
        kc->ent[i].next = NIL;
        kc->ent[i].state = SLOT_OWNED;
        kc->ent[i].refs = 1;
        kc->st.used++;
        return i;
    }
    i = evict(kc);
    *evicted = i != NIL;
    return i;
}

/* Slot i, wiped by the caller, back on the free list. */
static void give_back(struct postq_enclave_keycache *kc, uint32_t i)
{
    struct entry *t = &kc->ent[i];

    memset(t, 0, sizeof(*t));
    t->state = SLOT_FREE;
    t->prev = t->chain = NIL;
    t->next = kc->free_head;
    kc->free_head = i;
    kc->st.used--;
}

/* ---- setup ---- */

static void say_no_lock(char *detail, size_t cap, size_t bytes, size_t slots, int with_root,
                        int why)
{
    struct rlimit rl;
    char limit[64];

    if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
        snprintf(limit, sizeof(limit), "unknown");
    } else if (rl.rlim_cur == RLIM_INFINITY) {
        snprintf(limit, sizeof(limit), "unlimited");
    } else {
        snprintf(limit, sizeof(limit), "%llu KiB", (unsigned long long)(rl.rlim_cur / 1024));
    }
    snprintf(detail, cap,
             "cannot lock %zu KiB of memory for expanded keys (--key-cache %zu%s): mlock: %s; "
             "RLIMIT_MEMLOCK is %s: raise it (ulimit -l, LimitMEMLOCK= of a systemd unit) or "
             "lower --key-cache (each key is %zu KiB; 0 caches none)",
             bytes / 1024, slots, with_root ? " and the composite root's key" : "", strerror(why),
             limit, (sizeof(struct postq_hybrid_skey) + 1023) / 1024);
}

/* The region: mapped, kept out of core dumps and forks, then locked (which also faults it in). */
static postq_err map_region(struct postq_enclave_keycache *kc, size_t slots, char *detail,
                            size_t cap)
{
    void *p =
        mmap(NULL, kc->region_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        snprintf(detail, cap, "cannot map %zu KiB for expanded keys: %s", kc->region_bytes / 1024,
                 strerror(errno));
        return POSTQ_E_NOMEM;
    }
#ifdef MADV_DONTDUMP
    if (madvise(p, kc->region_bytes, MADV_DONTDUMP) != 0) {
        snprintf(detail, cap, "madvise(MADV_DONTDUMP) of the expanded keys: %s", strerror(errno));
        (void)munmap(p, kc->region_bytes);
        return POSTQ_E_INTERNAL;
    }
#endif
#ifdef MADV_WIPEONFORK
    (void)madvise(p, kc->region_bytes, MADV_WIPEONFORK); /* EINVAL before Linux 4.14 */
#endif
    if (mlock(p, kc->region_bytes) != 0) {
        say_no_lock(detail, cap, kc->region_bytes, slots, kc->has_root, errno);
        (void)munmap(p, kc->region_bytes);
        return POSTQ_E_TOO_LARGE;
    }
    kc->region = p;
    return POSTQ_OK;
}

static void keycache_free(struct postq_enclave_keycache *kc)
{
    if (kc == NULL) {
        return;
    }
    if (kc->region != NULL) {
        postq_wipe(kc->region, kc->region_bytes);
        (void)munlock(kc->region, kc->region_bytes);
        (void)munmap(kc->region, kc->region_bytes);
    }
    postq_free(kc->ent);
    postq_free(kc->bucket);
    pthread_mutex_destroy(&kc->mu);
    postq_free(kc);
}

postq_err postq_enclave_keycache_open(struct postq_enclave *e, size_t slots, char *detail,
                                      size_t cap)
{
    struct postq_enclave_keycache *kc;
    uint32_t nb = 1;
    postq_err err;

    if (detail != NULL && cap > 0) {
        detail[0] = '\0';
    } else {
        detail = NULL;
        cap = 0;
    }
    if (e == NULL || e->sec == NULL || e->keys != NULL) {
        return POSTQ_E_ARG;
    }
    if (slots > POSTQ_ENCLAVE_KEYCACHE_MAX) {
        snprintf(detail, cap, "--key-cache %zu: at most %d keys", slots,
                 POSTQ_ENCLAVE_KEYCACHE_MAX);
        return POSTQ_E_ARG;
    }
    /* Expanded keys are secrets: the process must not be dumpable. postq-enclave made itself
     * so before reading any key; keep it so for any other caller too. */
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        snprintf(detail, cap, "cannot make the process non-dumpable: %s", strerror(errno));
        return POSTQ_E_INTERNAL;
    }
    kc = postq_calloc(1, sizeof(*kc));
    if (kc == NULL) {
        snprintf(detail, cap, "out of memory");
        return POSTQ_E_NOMEM;
    }
    if (pthread_mutex_init(&kc->mu, NULL) != 0) {
        postq_free(kc);
        snprintf(detail, cap, "cannot create a mutex");
        return POSTQ_E_INTERNAL;
    }
    kc->n = (uint32_t)slots;
    kc->has_root = e->root_alg == POSTQ_ROOT_COMPOSITE;
    kc->has_log = e->log != NULL;
    kc->st.slots = slots;
    kc->lru_head = kc->lru_tail = kc->free_head = NIL;
    while (nb < 2 * kc->n) {
        nb <<= 1;
    }
    kc->mask = nb - 1;
    kc->ent = postq_calloc(slots == 0 ? 1 : slots, sizeof(*kc->ent));
    kc->bucket = postq_malloc(nb * sizeof(*kc->bucket));
    if (kc->ent == NULL || kc->bucket == NULL) {
        snprintf(detail, cap, "out of memory");
        err = POSTQ_E_NOMEM;
        goto out;
    }
    for (uint32_t b = 0; b < nb; b++) {
        kc->bucket[b] = NIL;
    }
    for (uint32_t i = kc->n; i-- > 0;) {
        kc->ent[i].state = SLOT_FREE;
        kc->ent[i].prev = kc->ent[i].chain = NIL;
        kc->ent[i].next = kc->free_head;
        kc->free_head = i;
    }
    kc->region_bytes = postq_enclave_keycache_bytes(slots, kc->has_root + kc->has_log);
    if (kc->region_bytes > 0) {
        err = map_region(kc, slots, detail, cap);
        if (err != POSTQ_OK) {
            goto out;
        }
    }
    if (kc->has_root) {
        err = postq_root_skey_init(&kc->region[kc->n], e->sec->root_seed);
        if (err != POSTQ_OK) {
            snprintf(detail, cap, "expanding the root key: %s", postq_strerror(err));
            goto out;
        }
        e->root_skey = &kc->region[kc->n];
    }
    if (kc->has_log) {
        struct postq_hybrid_skey *k = &kc->region[kc->n + (uint32_t)kc->has_root];
        err = postq_hybrid_skey_init(k, "mldsa65+ed25519", e->sec->log_composite_sk);
        if (err != POSTQ_OK) {
            snprintf(detail, cap, "expanding the log's key: %s", postq_strerror(err));
            goto out;
        }
        e->log_skey = k;
    }
    e->keys = kc;
    return POSTQ_OK;
out:
    keycache_free(kc);
    return err;
}

void postq_enclave_keycache_close(struct postq_enclave *e)
{
    if (e == NULL) {
        return;
    }
    e->root_skey = NULL;
    e->log_skey = NULL;
    keycache_free(e->keys); /* wipes every slot, the root's key and the log's */
    e->keys = NULL;
}

/* ---- signing ---- */

postq_err postq_enclave_keycache_acquire(struct postq_enclave_keycache *kc,
                                         struct postq_enclave_keyref *ref,
                                         struct postq_hybrid_skey *tmp, int *refused,
                                         const uint8_t seal_key[32], const char *alg,
                                         const char *key_id, const uint8_t *sealed, size_t len)
{
    uint8_t sk[POSTQ_HYBRID_SK_MAX], pkh[32], id[32];
    struct postq_hybrid_skey *dst = tmp;
    size_t sk_len = 0;
    uint32_t i = NIL;
    int cacheable, evicted = 0;
    postq_err err;

    if (ref == NULL || tmp == NULL || refused == NULL) {
        return POSTQ_E_ARG;
    }
    memset(ref, 0, sizeof(*ref));
    ref->slot = NIL;
    *refused = 0;
    if (alg == NULL || key_id == NULL) {
        return POSTQ_E_ARG;
    }
    /* Only what could be a sealed key of this alg is looked up: anything else goes straight
     * to postq_enclave_unseal, which refuses it. */
    cacheable = kc != NULL && kc->n > 0 && sealed != NULL && strlen(alg) < ALG_MAX &&
                strlen(key_id) < KEY_ID_MAX &&
                postq_hybrid_sizes(alg, NULL, &sk_len, NULL) == POSTQ_OK &&
                len == POSTQ_ENCLAVE_SEAL_OVERHEAD + sk_len + 32;
    if (cacheable) {
        err = postq_sha256(id, sealed, len);
        if (err != POSTQ_OK) {
            return err;
        }
        pthread_mutex_lock(&kc->mu);
        i = find(kc, id, alg, key_id);
        if (i != NIL) {
            hold(kc, i, ref);
            kc->st.hits++;
        }
        pthread_mutex_unlock(&kc->mu);
        if (i != NIL) {
            return POSTQ_OK;
        }
    }

    /* A miss: the GCM tag is checked now, on first use of these bytes. */
    err = postq_enclave_unseal(sk, sizeof(sk), pkh, seal_key, alg, key_id, sealed, len);
    if (err != POSTQ_OK) {
        *refused = 1;
        if (kc != NULL) {
            pthread_mutex_lock(&kc->mu);
            kc->st.refused++;
            pthread_mutex_unlock(&kc->mu);
        }
        goto out;
    }
    if (kc != NULL) {
        pthread_mutex_lock(&kc->mu);
        kc->st.misses++;
        /* Another signer may have cached these bytes while this one unsealed them. */
        i = cacheable ? find(kc, id, alg, key_id) : NIL;
        if (i != NIL) {
            hold(kc, i, ref);
            pthread_mutex_unlock(&kc->mu);
            goto out;
        }
        i = cacheable ? reserve(kc, &evicted) : NIL;
        if (i == NIL) {
            kc->st.uncached++;
        }
        pthread_mutex_unlock(&kc->mu);
    }
    if (i != NIL) {
        dst = &kc->region[i];
        if (evicted) {
            postq_hybrid_skey_wipe(dst); /* the evicted key, before anything else lands there */
        }
    }
    /* The expansion (an ML-DSA key generation) runs outside the lock, in a slot no other
     * thread can see or take. */
    err = postq_hybrid_skey_init(dst, alg, sk);
    if (err != POSTQ_OK) {
        if (i != NIL) {
            pthread_mutex_lock(&kc->mu);
            give_back(kc, i); /* the failed init wiped the slot */
            pthread_mutex_unlock(&kc->mu);
        }
        goto out;
    }
    memcpy(ref->pk_sha256, pkh, 32);
    ref->skey = dst;
    if (i == NIL) {
        ref->tmp = tmp;
        goto out;
    }
    ref->slot = i;
    pthread_mutex_lock(&kc->mu);
    /* Published unless another signer cached the same key meanwhile: then this copy stays
     * the caller's and release wipes it. */
    if (find(kc, id, alg, key_id) == NIL) {
        struct entry *t = &kc->ent[i];
        memcpy(t->id, id, 32);
        memcpy(t->pk_sha256, pkh, 32);
        snprintf(t->alg, sizeof(t->alg), "%s", alg);
        snprintf(t->key_id, sizeof(t->key_id), "%s", key_id);
        t->state = SLOT_CACHED;
        t->chain = kc->bucket[bucket_of(kc, id)];
        kc->bucket[bucket_of(kc, id)] = i;
        lru_push_head(kc, i);
    }
    pthread_mutex_unlock(&kc->mu);
out:
    postq_wipe(sk, sizeof(sk));
    return err;
}

void postq_enclave_keycache_release(struct postq_enclave_keycache *kc,
                                    struct postq_enclave_keyref *ref)
{
    int orphan = 0;

    if (ref == NULL) {
        return;
    }
    if (ref->tmp != NULL) {
        postq_hybrid_skey_wipe(ref->tmp);
    } else if (kc != NULL && ref->skey != NULL && ref->slot < kc->n) {
        pthread_mutex_lock(&kc->mu);
        kc->ent[ref->slot].refs--;
        orphan = kc->ent[ref->slot].state == SLOT_OWNED && kc->ent[ref->slot].refs == 0;
        pthread_mutex_unlock(&kc->mu);
        if (orphan) {
            postq_hybrid_skey_wipe(&kc->region[ref->slot]);
            pthread_mutex_lock(&kc->mu);
            give_back(kc, ref->slot);
            pthread_mutex_unlock(&kc->mu);
        }
    }
    memset(ref, 0, sizeof(*ref));
    ref->slot = NIL;
}

void postq_enclave_keycache_stats(struct postq_enclave_keycache *kc,
                                  struct postq_enclave_keycache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (kc == NULL) {
        return;
    }
    pthread_mutex_lock(&kc->mu);
    *out = kc->st;
    pthread_mutex_unlock(&kc->mu);
}

/* ---- for the tests ---- */

long postq_enclave_keycache_find(struct postq_enclave_keycache *kc, const char *alg,
                                 const char *key_id, const uint8_t *sealed, size_t len)
{
    uint8_t id[32];
    uint32_t i;

    if (kc == NULL || kc->n == 0 || alg == NULL || key_id == NULL || sealed == NULL ||
        postq_sha256(id, sealed, len) != POSTQ_OK) {
        return -1;
    }
    pthread_mutex_lock(&kc->mu);
    i = find(kc, id, alg, key_id);
    pthread_mutex_unlock(&kc->mu);
    return i == NIL ? -1 : (long)i;
}

long postq_enclave_keycache_evict_lru(struct postq_enclave_keycache *kc)
{
    uint32_t i;

    if (kc == NULL) {
        return -1;
    }
    pthread_mutex_lock(&kc->mu);
    i = evict(kc);
    pthread_mutex_unlock(&kc->mu);
    if (i == NIL) {
        return -1;
    }
    postq_hybrid_skey_wipe(&kc->region[i]);
    pthread_mutex_lock(&kc->mu);
    give_back(kc, i);
    pthread_mutex_unlock(&kc->mu);
    return (long)i;
}

const uint8_t *postq_enclave_keycache_slot_mem(const struct postq_enclave_keycache *kc, size_t i,
                                               size_t *len)
{
    if (kc == NULL || i >= kc->n) {
        return NULL;
    }
    *len = sizeof(kc->region[i]);
    return (const uint8_t *)&kc->region[i];
}
