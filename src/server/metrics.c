/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text exposition (format 0.0.4) of what the API has done since it started:
 * requests by route, method and status; the POST /v1/sign latency histogram; attestation
 * rejections by reason; enclave errors by kind. One mutex: updates are a few adds. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server/server.h"

#define MAX_SERIES 256
#define MAX_REASONS 32
#define MAX_KINDS 16

struct req_series {
    const char *route, *method;
    int status;
    unsigned long long n;
};
struct named_count {
    char name[48];
    unsigned long long n;
};

static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                0.25,  0.5,    1,     2.5,  5,     10};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static struct {
    pthread_mutex_t mu;
    struct req_series req[MAX_SERIES];
    size_t n_req;
    unsigned long long lat_bucket[N_BOUNDS];
    unsigned long long lat_count;
    double lat_sum;
    struct named_count reasons[MAX_REASONS];
    size_t n_reasons;
    struct named_count kinds[MAX_KINDS];
    size_t n_kinds;
} m = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Methods are interned to static strings so a series never points into request memory. */
static const char *method_name(const char *method)
{
    static const char *const known[] = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(method, known[i]) == 0) {
            return known[i];
        }
    }
    return "OTHER";
}

void postq_metrics_init(void)
{
    pthread_mutex_lock(&m.mu);
    m.n_req = 0;
    m.n_reasons = 0;
    m.n_kinds = 0;
    memset(m.lat_bucket, 0, sizeof(m.lat_bucket));
    m.lat_count = 0;
    m.lat_sum = 0;
    pthread_mutex_unlock(&m.mu);
}

void postq_metrics_request(const char *route, const char *method, int status)
{
    const char *meth = method_name(method);
    pthread_mutex_lock(&m.mu);
    for (size_t i = 0; i < m.n_req; i++) {
        if (m.req[i].route == route && m.req[i].method == meth && m.req[i].status == status) {
            m.req[i].n++;
            pthread_mutex_unlock(&m.mu);
            return;
        }
    }
    if (m.n_req < MAX_SERIES) {
        m.req[m.n_req].route = route;
        m.req[m.n_req].method = meth;
        m.req[m.n_req].status = status;
        m.req[m.n_req].n = 1;
        m.n_req++;
    }
    pthread_mutex_unlock(&m.mu);
}

void postq_metrics_sign_latency(double seconds)
{
    pthread_mutex_lock(&m.mu);
    for (size_t i = 0; i < N_BOUNDS; i++) {
        if (seconds <= bounds[i]) {
            m.lat_bucket[i]++;
        }
    }
    m.lat_count++;
    m.lat_sum += seconds;
    pthread_mutex_unlock(&m.mu);
}

static void count_named(struct named_count *t, size_t *n, size_t max, const char *name)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            t[i].n++;
            return;
        }
    }
    if (*n < max) {
        snprintf(t[*n].name, sizeof(t[*n].name), "%s", name);
        t[*n].n = 1;
        (*n)++;
    }
}

void postq_metrics_rejection(const char *reason)
{
    pthread_mutex_lock(&m.mu);
    count_named(m.reasons, &m.n_reasons, MAX_REASONS, reason);
    pthread_mutex_unlock(&m.mu);
}

void postq_metrics_enclave_error(const char *kind)
{
    pthread_mutex_lock(&m.mu);
    count_named(m.kinds, &m.n_kinds, MAX_KINDS, kind);
    pthread_mutex_unlock(&m.mu);
}

static postq_err put(struct postq_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static postq_err put(struct postq_buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        return POSTQ_E_INTERNAL;
    }
    return postq_buf_append(out, line, (size_t)n);
}

postq_err postq_metrics_render(struct postq_buf *out)
{
    postq_err err = POSTQ_OK;
    pthread_mutex_lock(&m.mu);
    err = put(out, "# HELP postq_http_requests_total HTTP requests answered, by route, method "
                   "and status.\n# TYPE postq_http_requests_total counter\n");
    for (size_t i = 0; err == POSTQ_OK && i < m.n_req; i++) {
        err = put(out, "postq_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
                  m.req[i].route, m.req[i].method, m.req[i].status, m.req[i].n);
    }
    if (err == POSTQ_OK) {
        err = put(out, "# HELP postq_sign_duration_seconds POST /v1/sign latency, request to "
                       "answer.\n# TYPE postq_sign_duration_seconds histogram\n");
    }
    for (size_t i = 0; err == POSTQ_OK && i < N_BOUNDS; i++) {
        err = put(out, "postq_sign_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
                  m.lat_bucket[i]);
    }
    if (err == POSTQ_OK) {
        err = put(out,
                  "postq_sign_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "postq_sign_duration_seconds_sum %.6f\npostq_sign_duration_seconds_count %llu\n",
                  m.lat_count, m.lat_sum, m.lat_count);
    }
    if (err == POSTQ_OK) {
        err = put(out, "# HELP postq_attestation_rejections_total Sign calls whose attestation "
                       "failed, by reason (DESIGN 5.4).\n"
                       "# TYPE postq_attestation_rejections_total counter\n");
    }
    for (size_t i = 0; err == POSTQ_OK && i < m.n_reasons; i++) {
        err = put(out, "postq_attestation_rejections_total{reason=\"%s\"} %llu\n",
                  m.reasons[i].name, m.reasons[i].n);
    }
    if (err == POSTQ_OK) {
        err = put(out, "# HELP postq_enclave_errors_total Failed calls to the enclave, by kind.\n"
                       "# TYPE postq_enclave_errors_total counter\n");
    }
    for (size_t i = 0; err == POSTQ_OK && i < m.n_kinds; i++) {
        err = put(out, "postq_enclave_errors_total{kind=\"%s\"} %llu\n", m.kinds[i].name,
                  m.kinds[i].n);
    }
    pthread_mutex_unlock(&m.mu);
    return err;
}
