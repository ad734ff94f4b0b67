/* SPDX-License-Identifier: Apache-2.0 */
/* postq-enclave's expanded signing keys: a bounded cache of struct postq_hybrid_skey keyed by
 * (alg, keyId, SHA-256 of the sealed key's bytes), and the composite root's expanded key, all in
 * one region of locked memory left out of core dumps. docs/enclave-protocol.md ("Keys in
 * memory") is the reference. */
#ifndef POSTQ_ENCLAVE_KEYCACHE_H
#define POSTQ_ENCLAVE_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

struct postq_enclave;
struct postq_hybrid_skey;

#define POSTQ_ENCLAVE_KEYCACHE_DEFAULT 32   /* keys: about 2.7 MiB of locked memory */
#define POSTQ_ENCLAVE_KEYCACHE_MAX     4096 /* keys: about 340 MiB */

/* Opaque. Every function below may be called from any thread at the same time, except open
 * and close. */
struct postq_enclave_keycache;

struct postq_enclave_keycache_stats {
    uint64_t hits;      /* signs with a cached key: no unseal, no expansion */
    uint64_t misses;    /* sealed keys opened (tag checked) and expanded */
    uint64_t uncached;  /* of the misses, those signed with a temporary key and not cached:
                           the cache is off, or every slot was in use by a signer */
    uint64_t evictions; /* idle entries wiped to make room */
    uint64_t refused;   /* sealed keys postq_enclave_unseal refused (never cached) */
    size_t slots;       /* capacity (--key-cache) */
    size_t used;        /* slots holding a key, cached or being expanded */
};

/* A signer's hold on an expanded key, from acquire to release. Only skey and pk_sha256 are
 * for the caller. */
struct postq_enclave_keyref {
    const struct postq_hybrid_skey *skey; /* sign with this (postq_hybrid_sign_skey) */
    uint8_t pk_sha256[32];                /* SHA-256 of the public key, from the sealed key */
    uint32_t slot;                        /* the slot held; UINT32_MAX: none */
    struct postq_hybrid_skey *tmp;        /* the caller's scratch key, when it was used */
};

/* Bytes of locked memory for slots cached keys and, when with_root, the root's key: whole
 * pages. */
size_t postq_enclave_keycache_bytes(size_t slots, int extra);

/* Set up e->keys with room for slots keys (0..POSTQ_ENCLAVE_KEYCACHE_MAX; 0: nothing is
 * cached), and, when e's root is the composite one, expand the root key from its seed into the
 * same region and point e->root_skey at it. The region is mmap'd, MADV_DONTDUMP and
 * MADV_WIPEONFORK where the kernel has them, and mlock'ed; the process is made non-dumpable if
 * it is not already. e must be open (postq_enclave_open*) and is not yet serving.
 * POSTQ_E_TOO_LARGE when mlock fails (detail names the size, RLIMIT_MEMLOCK and --key-cache:
 * postq-enclave exits 2 with it), POSTQ_E_ARG for slots over the maximum, POSTQ_E_NOMEM,
 * POSTQ_E_INTERNAL, or the root's expansion error; nothing is left set up on failure.
 * detail (cap bytes) never holds anything secret. */
POSTQ_MUST_CHECK postq_err postq_enclave_keycache_open(struct postq_enclave *e, size_t slots,
                                                       char *detail, size_t cap);

/* Wipe every slot and the root's key, munlock, munmap; e->keys and e->root_skey become NULL.
 * No signer may hold a key. NULL e->keys is fine. */
void postq_enclave_keycache_close(struct postq_enclave *e);

/* The expanded key of the sealed key sealed[0..len) for (alg, key_id), held in *ref until
 * postq_enclave_keycache_release.
 *   hit:  the cached entry, with no unseal and no expansion;
 *   miss: postq_enclave_unseal (the GCM tag is checked) with seal_key, then the expansion
 *         (postq_hybrid_skey_init) into a free slot, or into the slot of the least recently
 *         used entry no signer holds (wiped first); when every slot is held, or kc is NULL or
 *         has no slots, into tmp (caller's scratch, e.g. on the worker's stack), which release
 *         wipes.
 * A sealed key that postq_enclave_unseal refuses is never cached: *refused is set to 1 and its
 * error returned. Other failures (*refused 0): POSTQ_E_ARG, the expansion's or SHA-256's error.
 * On failure nothing is held and nothing needs release.
 * CT: which slot is used, hit or miss, depend on public data only (the sealed bytes, alg,
 * key_id); the unseal and expansion are as postq_enclave_unseal and postq_hybrid_skey_init. */
POSTQ_MUST_CHECK postq_err postq_enclave_keycache_acquire(struct postq_enclave_keycache *kc,
                                                          struct postq_enclave_keyref *ref,
                                                          struct postq_hybrid_skey *tmp,
                                                          int *refused, const uint8_t seal_key[32],
                                                          const char *alg, const char *key_id,
                                                          const uint8_t *sealed, size_t len);

/* Give back what acquire gave: the slot becomes evictable once no signer holds it; a
 * temporary key is wiped. ref is cleared. A cleared or zeroed ref is fine. */
void postq_enclave_keycache_release(struct postq_enclave_keycache *kc,
                                    struct postq_enclave_keyref *ref);

/* The counters so far (all zero for NULL kc). */
void postq_enclave_keycache_stats(struct postq_enclave_keycache *kc,
                                  struct postq_enclave_keycache_stats *out);

/* ---- for the tests ---- */

/* The slot holding the cached key of (alg, key_id, sealed), or -1. Touches nothing. */
long postq_enclave_keycache_find(struct postq_enclave_keycache *kc, const char *alg,
                                 const char *key_id, const uint8_t *sealed, size_t len);
/* Evict the least recently used entry no signer holds, exactly as a miss does to make room;
 * the slot is then free. Returns the slot, or -1 when there is none to evict. */
long postq_enclave_keycache_evict_lru(struct postq_enclave_keycache *kc);
/* The memory of slot i (*len bytes), whatever it holds; NULL when i is out of range. */
const uint8_t *postq_enclave_keycache_slot_mem(const struct postq_enclave_keycache *kc, size_t i,
                                               size_t *len);

#endif
