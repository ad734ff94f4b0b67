/* SPDX-License-Identifier: Apache-2.0 */
/* What POST /v1/sign derives from a key and its bound policy alone, kept between requests:
 * the parsed policy and the key's expanded verification key (ML-DSA's matrix A-hat, NTT(t1),
 * tr — most of the cost of an ML-DSA verification). Both are public, so the cache holds no
 * secret. An entry is used only for the exact key bytes and policy text it was made from
 * (compared on every lookup), so a changed or re-created key or policy simply misses; entries
 * are immutable once published and reference-counted, so readers share them without copies
 * and an evicted entry is freed when its last reader lets go. Thread-safe. */
#ifndef POSTQ_SERVER_VCACHE_H
#define POSTQ_SERVER_VCACHE_H

#include <stddef.h>

#include <postq/err.h>

#include "attest/verifier.h"
#include "crypto/composite.h"
#include "store/store.h"

struct postq_vcache;

struct postq_vcache_entry {
    char key_id[POSTQ_ID_MAX];
    uint8_t *public_key;
    size_t public_key_len;
    char algorithm[POSTQ_STORE_ALG_MAX];
    char *policy_body;
    struct postq_attest_policy policy;
    struct postq_hybrid_vkey vkey;
    /* owned by the cache */
    unsigned refs;
    int dead;
    uint64_t used;
};

/* A cache of at most cap entries (each ~70 KiB at mldsa87). */
POSTQ_MUST_CHECK postq_err postq_vcache_new(size_t cap, struct postq_vcache **out);
void postq_vcache_free(struct postq_vcache *c);

/* The entry for key under its bound policy pol (read it, never write it), made on a miss. POSTQ_E_NOMEM; or the error of
 * parsing the policy or expanding the key (the caller then verifies the plain way, which
 * reports the problem). Give it back with postq_vcache_put. */
POSTQ_MUST_CHECK postq_err postq_vcache_get(struct postq_vcache *c,
                                            const struct postq_store_key *key,
                                            const struct postq_store_policy *pol,
                                            struct postq_vcache_entry **out);
void postq_vcache_put(struct postq_vcache *c, struct postq_vcache_entry *e);

/* Lookups answered from the cache and entries made, for tests and /metrics. */
void postq_vcache_stats(struct postq_vcache *c, uint64_t *hits, uint64_t *misses);

#endif
