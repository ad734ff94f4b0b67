/* SPDX-License-Identifier: Apache-2.0 */
/* The per-moduleId counter: strictly increasing and never reused across restarts and a kill -9
 * at any instant, with one fsync per POSTQ_ENCLAVE_COUNTER_STEP values instead of one per
 * signature. The mark file ("counter") holds one decimal number and a newline: the first value
 * no run has reserved. A range is handed out only after its new mark is durable, so whatever a
 * crash loses, no value below the mark on disk was ever handed out twice. */
#include "enclave/enclave.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/timefmt.h"

#define COUNTER_LIMIT ((uint64_t)INT64_MAX) /* the document's counter is 0..2^63-1 */

static postq_err parse_mark(const uint8_t *p, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    /* 1 to 19 digits, no sign, no leading zero (but "0" itself), then exactly one "\n". */
    if (len < 2 || len > 20 || p[len - 1] != '\n' || (p[0] == '0' && len > 2)) {
        return POSTQ_E_MALFORMED;
    }
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return POSTQ_E_MALFORMED;
        }
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > COUNTER_LIMIT) {
        return POSTQ_E_MALFORMED;
    }
    *out = v;
    return POSTQ_OK;
}

postq_err postq_enclave_counter_open(struct postq_enclave_counter *c, const char *dir,
                                     uint64_t step)
{
    uint8_t buf[32];
    size_t len = 0;
    uint64_t mark = 1;
    postq_err err;

    memset(c, 0, sizeof(*c));
    if (dir == NULL || strlen(dir) >= sizeof(c->dir)) {
        return POSTQ_E_ARG;
    }
    err = postq_enclave_read_file(dir, POSTQ_ENCLAVE_COUNTER_FILE, buf, sizeof(buf), &len);
    if (err == POSTQ_OK) {
        err = parse_mark(buf, len, &mark);
    } else if (err == POSTQ_E_NOT_FOUND) {
        err = POSTQ_OK; /* a fresh state directory: counters start at 1 */
    } else if (err == POSTQ_E_TOO_LARGE) {
        err = POSTQ_E_MALFORMED;
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        return POSTQ_E_INTERNAL;
    }
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    c->next = mark;
    c->mark = mark; /* nothing reserved by this run yet */
    c->step = step != 0 ? step : POSTQ_ENCLAVE_COUNTER_STEP;
    return POSTQ_OK;
}

#define CHECK_EVERY_MS 1000

/* Write the mark text of value mark and record the outcome; under c->mu. A change between
 * durable and not is logged once, with the reason, never per sign. */
static postq_err store_mark(struct postq_enclave_counter *c, uint64_t mark)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)mark);
    postq_err err;

    errno = 0;
    err = postq_enclave_write_atomic(c->dir, POSTQ_ENCLAVE_COUNTER_FILE, text, (size_t)n);
    if (err != POSTQ_OK) {
        if (!c->failing) {
            snprintf(c->why, sizeof(c->why), "%s", errno != 0 ? strerror(errno) : "write failed");
            fprintf(stderr,
                    "postq-enclave: ERROR: the counter cannot be made durable in %s: %s; a sign "
                    "that needs a new range of counters is refused until it can\n",
                    c->dir, c->why);
        }
        c->failing = 1;
    } else if (c->failing) {
        c->failing = 0;
        c->why[0] = '\0';
        fprintf(stderr, "postq-enclave: the counter is durable again in %s\n", c->dir);
    }
    c->checked_ms = postq_time_now_ms();
    return err;
}

int postq_enclave_counter_durable(struct postq_enclave_counter *c, char *why, size_t cap)
{
    int ok;

    pthread_mutex_lock(&c->mu);
    if (c->checked_ms == 0 || postq_time_now_ms() - c->checked_ms >= CHECK_EVERY_MS) {
        /* The same mark again: proves write, fsync and rename still work, hands nothing out. */
        (void)store_mark(c, c->mark);
    }
    ok = !c->failing;
    if (why != NULL && cap > 0) {
        snprintf(why, cap, "%s", ok ? "" : c->why);
    }
    pthread_mutex_unlock(&c->mu);
    return ok;
}

postq_err postq_enclave_counter_next(struct postq_enclave_counter *c, uint64_t *out)
{
    postq_err err = POSTQ_OK;

    pthread_mutex_lock(&c->mu);
    if (c->next >= c->mark) {
        uint64_t mark;

        if (c->next > COUNTER_LIMIT - c->step) {
            err = POSTQ_E_TOO_LARGE;
            goto out;
        }
        mark = c->next + c->step;
        /* Durable before the first value of the range is handed out. */
        err = store_mark(c, mark);
        if (err != POSTQ_OK) {
            goto out;
        }
        c->mark = mark;
    }
    *out = c->next++;
out:
    pthread_mutex_unlock(&c->mu);
    return err;
}

void postq_enclave_counter_close(struct postq_enclave_counter *c)
{
    pthread_mutex_destroy(&c->mu);
}
