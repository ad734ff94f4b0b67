/* SPDX-License-Identifier: Apache-2.0 */
/* postq-api's rate limits (docs/http-api.md "Rate limits"): a token bucket per API key, sized by
 * the key's role, and one per organisation shared by all its keys. Two fixed-size tables, so
 * memory does not grow with the number of keys; integer nanoseconds only, on CLOCK_MONOTONIC. */
#ifndef POSTQ_SERVER_RATELIMIT_H
#define POSTQ_SERVER_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "store/store.h"

/* RATE is requests per second with up to three decimals, 0.001 to 1000000; BURST (the bucket's
 * size, in requests) 1 to 1000000. */
#define POSTQ_RATELIMIT_RATE_MILLI_MAX 1000000000ULL
#define POSTQ_RATELIMIT_BURST_MAX      1000000U
/* Table sizes: buckets tracked at once. A key or organisation with no bucket has a full one. */
#define POSTQ_RATELIMIT_KEY_SLOTS 8192
#define POSTQ_RATELIMIT_ORG_SLOTS 2048

struct postq_ratelimit_limit {
    uint64_t rate_milli; /* requests per 1000 seconds; 0: no limit */
    uint32_t burst;      /* requests that may come at once after an idle spell */
};

struct postq_ratelimit_conf {
    /* Per API key, by role: [role - POSTQ_STORE_ROLE_ADMIN]. */
    struct postq_ratelimit_limit role[3];
    struct postq_ratelimit_limit org; /* all keys of one organisation together */
    size_t key_slots, org_slots;      /* >= 1 each */
    /* The clock in nanoseconds (tests inject one); NULL: CLOCK_MONOTONIC. */
    uint64_t (*now_ns)(void *ctx);
    void *clock_ctx;
};

enum postq_ratelimit_scope { POSTQ_RATELIMIT_KEY = 1, POSTQ_RATELIMIT_ORG };

struct postq_ratelimit_verdict {
    enum postq_ratelimit_scope scope; /* the limit that refused (the later one when both did) */
    uint32_t retry_after_s; /* whole seconds until that limit allows a request, rounded up, >= 1 */
    struct postq_ratelimit_limit limit; /* that limit, for the message */
};

struct postq_ratelimit; /* thread-safe: one mutex */

/* The defaults (RATE/BURST): admin and signer keys 200/400, viewer keys 50/100, organisations
 * 1000/2000; the table sizes above; CLOCK_MONOTONIC. A sign costs one request like any other
 * call (docs/http-api.md says why). */
void postq_ratelimit_defaults(struct postq_ratelimit_conf *conf);
/* Parse "RATE[/BURST]" (BURST defaults to RATE rounded up) or "off" (rate_milli 0) into out.
 * POSTQ_E_ARG for anything else, out untouched. */
POSTQ_MUST_CHECK postq_err postq_ratelimit_parse(const char *s, struct postq_ratelimit_limit *out);
/* Parse "ROLE=RATE[/BURST]" or "ROLE=off" (ROLE admin, signer or viewer) into conf->role.
 * POSTQ_E_ARG for anything else, conf untouched. */
POSTQ_MUST_CHECK postq_err postq_ratelimit_parse_role(const char *s,
                                                      struct postq_ratelimit_conf *conf);
/* "200/s burst 400", "0.5/s burst 1" or "off", NUL-terminated in out (cap >= 48 suffices). */
void postq_ratelimit_format(char *out, size_t cap, const struct postq_ratelimit_limit *l);

/* A limiter of conf (copied). POSTQ_E_ARG for a limit out of range or a zero table size,
 * POSTQ_E_NOMEM. Free with postq_ratelimit_free (NULL is fine). */
POSTQ_MUST_CHECK postq_err postq_ratelimit_new(const struct postq_ratelimit_conf *conf,
                                               struct postq_ratelimit **out);
void postq_ratelimit_free(struct postq_ratelimit *rl);

/* One request of API key apikey_id (of role) in organisation org_id (both ids, never tokens).
 * POSTQ_OK: allowed, and counted against both buckets. POSTQ_E_RATE: refused, v filled, and
 * neither bucket charged (a refused request costs nothing, so a client that waits Retry-After
 * gets through). POSTQ_E_ARG for a NULL argument or an unknown role. */
POSTQ_MUST_CHECK postq_err postq_ratelimit_take(struct postq_ratelimit *rl, const char *apikey_id,
                                                const char *org_id, enum postq_store_role role,
                                                struct postq_ratelimit_verdict *v);

#endif
