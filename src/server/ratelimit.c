/* SPDX-License-Identifier: Apache-2.0 */
/* Token buckets per API key and per organisation, kept in the GCRA form (ITU-T I.371's virtual
 * scheduling, equivalent to a token bucket): each bucket is one "theoretical arrival time" in
 * nanoseconds, so refills are exact integer arithmetic with no fractional tokens to lose. Two
 * fixed-size tables probed in a short window; a new id takes the bucket in its window nearest
 * to full, so the tables never grow and forgetting an idle bucket changes nothing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/id.h"
#include "server/ratelimit.h"

#define NS_PER_S 1000000000ULL
/* Nanoseconds per request at rate_milli: 1000 s in ns over requests per 1000 s. */
#define NS_PER_KILOSECOND 1000000000000ULL
#define PROBE             8

struct bucket {
    char id[POSTQ_ID_MAX]; /* "" when unused */
    uint64_t tat;          /* when the bucket is full again; <= now means full */
};

struct table {
    struct bucket *b;
    size_t n;
};

struct postq_ratelimit {
    pthread_mutex_t mu;
    struct postq_ratelimit_conf conf;
    struct table keys, orgs;
};

static const char *const role_names[] = {"admin", "signer", "viewer"};

void postq_ratelimit_defaults(struct postq_ratelimit_conf *conf)
{
    /* Well above what one CI job or a person at the dashboard sends, well below what one
     * node signs per second, so that a runaway client cannot take the node alone. */
    static const struct postq_ratelimit_limit role[3] = {
        {200000, 400}, /* admin */
        {200000, 400}, /* signer */
        {50000, 100},  /* viewer */
    };
    memset(conf, 0, sizeof(*conf));
    memcpy(conf->role, role, sizeof(role));
    conf->org = (struct postq_ratelimit_limit){1000000, 2000};
    conf->key_slots = POSTQ_RATELIMIT_KEY_SLOTS;
    conf->org_slots = POSTQ_RATELIMIT_ORG_SLOTS;
}

/* Decimal digits from *p into *v (at most max_digits, value <= cap); 0 when there are none or
 * the value is over cap. */
static int digits(const char **p, size_t max_digits, uint64_t cap, uint64_t *v, size_t *n)
{
    *v = 0;
    *n = 0;
    while (**p >= '0' && **p <= '9') {
        if (*n == max_digits) {
            return 0;
        }
        *v = *v * 10 + (uint64_t)(**p - '0');
        if (*v > cap) {
            return 0;
        }
        (*p)++;
        (*n)++;
    }
    return *n > 0;
}

static int limit_ok(const struct postq_ratelimit_limit *l)
{
    if (l->rate_milli == 0) {
        return 1; /* off */
    }
    return l->rate_milli <= POSTQ_RATELIMIT_RATE_MILLI_MAX && l->burst >= 1 &&
           l->burst <= POSTQ_RATELIMIT_BURST_MAX;
}

postq_err postq_ratelimit_parse(const char *s, struct postq_ratelimit_limit *out)
{
    struct postq_ratelimit_limit l;
    uint64_t whole, frac = 0, burst;
    size_t n;

    if (s == NULL || out == NULL) {
        return POSTQ_E_ARG;
    }
    if (strcmp(s, "off") == 0) {
        out->rate_milli = 0;
        out->burst = 0;
        return POSTQ_OK;
    }
    if (!digits(&s, 7, POSTQ_RATELIMIT_RATE_MILLI_MAX / 1000, &whole, &n)) {
        return POSTQ_E_ARG;
    }
    if (*s == '.') {
        s++;
        if (!digits(&s, 3, 999, &frac, &n)) {
            return POSTQ_E_ARG;
        }
        for (; n < 3; n++) {
            frac *= 10;
        }
    }
    l.rate_milli = whole * 1000 + frac;
    /* One second's worth, at least one request. */
    l.burst = (uint32_t)((l.rate_milli + 999) / 1000);
    if (*s == '/') {
        s++;
        if (!digits(&s, 7, POSTQ_RATELIMIT_BURST_MAX, &burst, &n)) {
            return POSTQ_E_ARG;
        }
        l.burst = (uint32_t)burst;
    }
    if (*s != '\0' || l.rate_milli == 0 || !limit_ok(&l)) {
        return POSTQ_E_ARG;
    }
    *out = l;
    return POSTQ_OK;
}

postq_err postq_ratelimit_parse_role(const char *s, struct postq_ratelimit_conf *conf)
{
    if (s == NULL || conf == NULL) {
        return POSTQ_E_ARG;
    }
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        size_t n = strlen(role_names[i]);
        if (strncmp(s, role_names[i], n) == 0 && s[n] == '=') {
            return postq_ratelimit_parse(s + n + 1, &conf->role[i]);
        }
    }
    return POSTQ_E_ARG;
}

void postq_ratelimit_format(char *out, size_t cap, const struct postq_ratelimit_limit *l)
{
    unsigned long long whole = l->rate_milli / 1000, frac = l->rate_milli % 1000;
    int prec = 3;

    if (l->rate_milli == 0) {
        (void)snprintf(out, cap, "off");
        return;
    }
    while (prec > 0 && frac % 10 == 0) {
        frac /= 10;
        prec--;
    }
    if (prec == 0) {
        (void)snprintf(out, cap, "%llu/s burst %u", whole, (unsigned)l->burst);
    } else {
        (void)snprintf(out, cap, "%llu.%0*llu/s burst %u", whole, prec, frac, (unsigned)l->burst);
    }
}

static uint64_t monotonic_ns(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

postq_err postq_ratelimit_new(const struct postq_ratelimit_conf *conf, struct postq_ratelimit **out)
{
    struct postq_ratelimit *rl;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    *out = NULL;
    if (conf == NULL || conf->key_slots == 0 || conf->org_slots == 0 ||
        conf->key_slots > ((size_t)1 << 24) || conf->org_slots > ((size_t)1 << 24) ||
        !limit_ok(&conf->org)) {
        return POSTQ_E_ARG;
    }
    for (size_t i = 0; i < 3; i++) {
        if (!limit_ok(&conf->role[i])) {
            return POSTQ_E_ARG;
        }
    }
    rl = calloc(1, sizeof(*rl));
    if (rl == NULL) {
        return POSTQ_E_NOMEM;
    }
    rl->conf = *conf;
    if (rl->conf.now_ns == NULL) {
        rl->conf.now_ns = monotonic_ns;
    }
    rl->keys.n = conf->key_slots;
    rl->orgs.n = conf->org_slots;
    rl->keys.b = calloc(rl->keys.n, sizeof(struct bucket));
    rl->orgs.b = calloc(rl->orgs.n, sizeof(struct bucket));
    if (rl->keys.b == NULL || rl->orgs.b == NULL || pthread_mutex_init(&rl->mu, NULL) != 0) {
        free(rl->keys.b);
        free(rl->orgs.b);
        free(rl);
        return POSTQ_E_NOMEM;
    }
    *out = rl;
    return POSTQ_OK;
}

void postq_ratelimit_free(struct postq_ratelimit *rl)
{
    if (rl == NULL) {
        return;
    }
    pthread_mutex_destroy(&rl->mu);
    free(rl->keys.b);
    free(rl->orgs.b);
    free(rl);
}

/* FNV-1a: ids are made by the server (time and 80 random bits), so a client cannot choose ids
 * that collide; a keyed hash would buy nothing here. */
static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s != '\0'; s++) {
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    }
    return h;
}

/* id's bucket: its own, else a fresh full one in the slot of its window whose bucket is nearest
 * to full (an unused or idle one when there is one: dropping it loses nothing; under pressure a
 * busy one, which at worst lets that id have one more burst). */
static struct bucket *bucket_of(struct table *t, const char *id, uint64_t now)
{
    size_t start = (size_t)(hash(id) % t->n), probe = t->n < PROBE ? t->n : PROBE;
    struct bucket *victim = &t->b[start];

    for (size_t i = 0; i < probe; i++) {
        struct bucket *b = &t->b[(start + i) % t->n];
        if (strcmp(b->id, id) == 0) {
            return b;
        }
        if (victim->id[0] != '\0' && (b->id[0] == '\0' || b->tat < victim->tat)) {
            victim = b;
        }
    }
    (void)snprintf(victim->id, sizeof(victim->id), "%s", id);
    victim->tat = now;
    return victim;
}

/* Whether one more request fits l's bucket b at now; when it does not, *wait_ns is how long
 * until it would. Never overflows: burst * ns-per-request <= 10^6 * 10^12. */
static int fits(const struct bucket *b, const struct postq_ratelimit_limit *l, uint64_t now,
                uint64_t *next_tat, uint64_t *wait_ns)
{
    uint64_t step = NS_PER_KILOSECOND / l->rate_milli;
    uint64_t tol = (uint64_t)l->burst * step;
    uint64_t t = (b->tat > now ? b->tat : now) + step;

    *next_tat = t;
    if (t - now <= tol) {
        return 1;
    }
    *wait_ns = t - now - tol;
    return 0;
}

static uint32_t ceil_seconds(uint64_t ns)
{
    uint64_t s = ns / NS_PER_S + (ns % NS_PER_S != 0);
    if (s < 1) {
        s = 1;
    }
    return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

postq_err postq_ratelimit_take(struct postq_ratelimit *rl, const char *apikey_id,
                               const char *org_id, enum postq_store_role role,
                               struct postq_ratelimit_verdict *v)
{
    const struct postq_ratelimit_limit *kl, *ol;
    struct bucket *kb = NULL, *ob = NULL;
    uint64_t now, k_tat = 0, o_tat = 0, k_wait = 0, o_wait = 0;
    int k_ok = 1, o_ok = 1;

    if (rl == NULL || apikey_id == NULL || org_id == NULL || v == NULL ||
        (int)role < (int)POSTQ_STORE_ROLE_ADMIN || (int)role > (int)POSTQ_STORE_ROLE_VIEWER) {
        return POSTQ_E_ARG;
    }
    kl = &rl->conf.role[(int)role - (int)POSTQ_STORE_ROLE_ADMIN];
    ol = &rl->conf.org;
    pthread_mutex_lock(&rl->mu);
    now = rl->conf.now_ns(rl->conf.clock_ctx);
    if (kl->rate_milli != 0) {
        kb = bucket_of(&rl->keys, apikey_id, now);
        k_ok = fits(kb, kl, now, &k_tat, &k_wait);
    }
    if (ol->rate_milli != 0) {
        ob = bucket_of(&rl->orgs, org_id, now);
        o_ok = fits(ob, ol, now, &o_tat, &o_wait);
    }
    if (k_ok && o_ok) {
        if (kb != NULL) {
            kb->tat = k_tat;
        }
        if (ob != NULL) {
            ob->tat = o_tat;
        }
    }
    pthread_mutex_unlock(&rl->mu);
    if (k_ok && o_ok) {
        return POSTQ_OK;
    }
    if (!k_ok && (o_ok || k_wait >= o_wait)) {
        v->scope = POSTQ_RATELIMIT_KEY;
        v->retry_after_s = ceil_seconds(k_wait);
        v->limit = *kl;
    } else {
        v->scope = POSTQ_RATELIMIT_ORG;
        v->retry_after_s = ceil_seconds(o_wait);
        v->limit = *ol;
    }
    return POSTQ_E_RATE;
}
