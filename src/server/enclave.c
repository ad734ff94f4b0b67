/* SPDX-License-Identifier: Apache-2.0 */
/* A pool of connections to postq-enclave (ARCHITECTURE.md): idle connections are reused; a request
 * that a reused connection provably never delivered (the enclave restarted, or closed the idle
 * connection) is sent again once on a fresh connection, so the API recovers from an enclave
 * restart without operator action. docs/api-server.md states the rule. */
#include <pthread.h>
#include <string.h>

#include "common/mem.h"
#include "common/timefmt.h"
#include "server/server.h"

#define POOL_IDLE_MAX 32
#define UP_FRESH_MS 10000 /* an outcome younger than this answers postq_enclave_pool_up */
#define PROBE_MS 1000     /* the probe's own deadline: a scrape never waits longer */

struct postq_enclave_pool {
    pthread_mutex_t mu;
    char addr[256];
    int timeout_ms;
    struct postq_proto_client *idle[POOL_IDLE_MAX];
    size_t n_idle;
    /* The latest call's outcome, under mu: 1 the enclave answered, 0 it did not. */
    int up;
    int64_t up_at;   /* when (ms since the epoch); 0: no call yet */
    int probing;     /* a probe is under way: others take the last outcome */
};

static void record(struct postq_enclave_pool *p, int up)
{
    pthread_mutex_lock(&p->mu);
    p->up = up;
    p->up_at = postq_time_now_ms();
    pthread_mutex_unlock(&p->mu);
}

postq_err postq_enclave_pool_new(const char *addr, int timeout_ms, struct postq_enclave_pool **out)
{
    struct postq_enclave_pool *p;
    *out = NULL;
    if (addr == NULL || strlen(addr) >= sizeof(p->addr)) {
        return POSTQ_E_ARG;
    }
    p = postq_calloc(1, sizeof(*p));
    if (p == NULL) {
        return POSTQ_E_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    memcpy(p->addr, addr, strlen(addr) + 1);
    p->timeout_ms = timeout_ms;
    *out = p;
    return POSTQ_OK;
}

static void client_free(struct postq_proto_client *c)
{
    if (c != NULL) {
        postq_proto_client_close(c);
        postq_free(c);
    }
}

void postq_enclave_pool_free(struct postq_enclave_pool *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n_idle; i++) {
        client_free(p->idle[i]);
    }
    pthread_mutex_destroy(&p->mu);
    postq_free(p);
}

static postq_err fresh(struct postq_enclave_pool *p, struct postq_proto_client **out)
{
    struct postq_proto_client *c = postq_calloc(1, sizeof(*c));
    postq_err err;
    *out = NULL;
    if (c == NULL) {
        return POSTQ_E_NOMEM;
    }
    c->fd = -1;
    err = postq_proto_client_connect(c, p->addr, p->timeout_ms);
    if (err != POSTQ_OK) {
        client_free(c);
        return err;
    }
    *out = c;
    return POSTQ_OK;
}

/* May a request that failed on a reused connection go again on a fresh one? Only when the
 * enclave did not act on it, or when its acting twice does no harm:
 *  - UNSENT: sending failed (EPIPE, ECONNRESET: the enclave closed this pooled connection while
 *    it sat idle, or exited) before the whole frame was written; the enclave acts only on a
 *    complete frame, so it did nothing.
 *  - CLOSED_UNANSWERED: the whole frame was written, then end of stream or a reset before any
 *    reply byte. That is what an enclave restart looks like (the request unread in the socket
 *    of a daemon that exited), but a daemon that crashed after signing and before replying
 *    looks the same. Resending then signs twice, which is acceptable because no byte of the
 *    first result ever left the enclave, so only the second one can be stored or seen, and the
 *    enclave's counter never repeats (ranges reserved durably, a restart continues above the
 *    mark): the first sign leaves a gap in the counter, as every crash may, never a reuse. A
 *    keygen's first key is likewise never delivered, and info changes nothing.
 *  - Never after a deadline (TIMED_OUT): the enclave may be working on the request still and
 *    will perform it; a resend would sign twice, burn a counter value, and double the time to
 *    the 503 exactly when the enclave is overloaded.
 *  - Never once any reply byte arrived (BROKEN): the enclave answered, so it acted.
 * A fresh connection is never retried: its failure is the enclave's, not a stale pool entry's. */
static int resend_is_safe(const struct postq_proto_client *c)
{
    return c->outcome == POSTQ_PROTO_UNSENT || c->outcome == POSTQ_PROTO_CLOSED_UNANSWERED;
}

postq_err postq_enclave_call(struct postq_enclave_pool *p, const struct postq_proto_req *req,
                             struct postq_proto_resp *resp, struct postq_proto_client **out)
{
    struct postq_proto_client *c = NULL;
    int reused = 0;
    postq_err err;

    *out = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n_idle > 0) {
        c = p->idle[--p->n_idle];
        reused = 1;
    }
    pthread_mutex_unlock(&p->mu);
    if (c == NULL) {
        err = fresh(p, &c);
        if (err != POSTQ_OK) {
            return err;
        }
    }
    err = postq_proto_client_call(c, req, resp);
    if (err == POSTQ_E_NETWORK && reused && resend_is_safe(c)) {
        client_free(c);
        err = fresh(p, &c);
        if (err != POSTQ_OK) {
            record(p, 0);
            return err;
        }
        err = postq_proto_client_call(c, req, resp);
    }
    if (err != POSTQ_OK) {
        if (err == POSTQ_E_NETWORK) {
            record(p, 0);
        }
        client_free(c);
        return err;
    }
    record(p, 1);
    *out = c;
    return POSTQ_OK;
}

int postq_enclave_pool_up(struct postq_enclave_pool *p)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    int up, probe;

    pthread_mutex_lock(&p->mu);
    up = p->up;
    probe = !p->probing && (p->up_at == 0 || postq_time_now_ms() - p->up_at >= UP_FRESH_MS);
    p->probing |= probe;
    pthread_mutex_unlock(&p->mu);
    if (!probe) {
        return up;
    }
    /* An info call on a connection of its own with a short deadline, so a hung enclave holds a
     * scrape for PROBE_MS at most and never takes a pooled connection. */
    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_INFO;
    up = postq_proto_client_connect(&c, p->addr, PROBE_MS) == POSTQ_OK &&
         postq_proto_client_call(&c, &req, &resp) == POSTQ_OK;
    postq_proto_client_close(&c);
    record(p, up);
    pthread_mutex_lock(&p->mu);
    p->probing = 0;
    pthread_mutex_unlock(&p->mu);
    return up;
}

void postq_enclave_pool_health(struct postq_enclave_pool *p, struct postq_enclave_health *h)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;

    memset(h, 0, sizeof(*h));
    h->reason = "enclave_unavailable";
    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_HEALTH;
    if (postq_proto_client_connect(&c, p->addr, POSTQ_ENCLAVE_HEALTH_MS) != POSTQ_OK) {
        snprintf(h->message, sizeof(h->message), "cannot connect to %s", p->addr);
    } else if (postq_proto_client_call(&c, &req, &resp) != POSTQ_OK) {
        snprintf(h->message, sizeof(h->message), "no answer within %d ms",
                 POSTQ_ENCLAVE_HEALTH_MS);
    } else if (resp.status == POSTQ_PROTO_E_UNKNOWN_OP) {
        h->up = h->counter_durable = 1; /* an enclave older than the health call */
    } else if (resp.status != POSTQ_PROTO_OK) {
        snprintf(h->message, sizeof(h->message), "the enclave answered %s: %s",
                 postq_proto_status_name(resp.status), resp.message);
    } else {
        h->up = 1;
        h->counter_durable = resp.counter_durable;
        if (!resp.counter_durable) {
            snprintf(h->message, sizeof(h->message), "the enclave cannot make its counter "
                     "durable: %s", resp.message);
        }
    }
    postq_proto_client_close(&c);
    record(p, h->up);
    if (h->up && h->counter_durable) {
        h->reason = "";
    } else if (h->up) {
        h->reason = "counter_not_durable";
    }
}

void postq_enclave_pool_put(struct postq_enclave_pool *p, struct postq_proto_client *c, int ok)
{
    if (c == NULL) {
        return;
    }
    if (ok && c->fd >= 0) {
        postq_buf_reset(&c->tx);
        pthread_mutex_lock(&p->mu);
        if (p->n_idle < POOL_IDLE_MAX) {
            p->idle[p->n_idle++] = c;
            c = NULL;
        }
        pthread_mutex_unlock(&p->mu);
    }
    client_free(c);
}
