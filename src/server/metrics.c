/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text exposition (format 0.0.4) of what the API has done since it started:
 * requests by route, method and status; the POST /v1/sign latency histogram; attestation
 * rejections by reason (every reason the API can give, from zero), enclave errors by kind and
 * requests refused by a rate limit, by scope (key, org; from zero); the transparency-log
 * checkpoints signed; the build, and the process itself (/proc/self). One mutex: updates are a few
 * adds. */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <postq/attest.h>
#include <postq/postq.h>

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
    unsigned long long limited_key, limited_org;
    unsigned long long checkpoints; /* transparency-log checkpoints the enclave signed */
    int health_seen, health_store, health_enclave; /* the latest /healthz, once there is one */
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

/* The reasons a sign call can be rejected for, and the enclave failures: each series exists
 * from the start at zero, so a rate() or an alert on it works before the first event. */
static const char *const api_reasons[] = {
    POSTQ_REASON_DOC_MALFORMED,         POSTQ_REASON_VENDOR_MISMATCH,
    POSTQ_REASON_VENDOR_UNSUPPORTED,    POSTQ_REASON_DOC_ALG_UNSUPPORTED,
    POSTQ_REASON_DOC_SIGNATURE_INVALID, POSTQ_REASON_CHAIN_INVALID,
    POSTQ_REASON_IMAGE_NOT_ALLOWED,     POSTQ_REASON_MEASUREMENT_NOT_ALLOWED,
    POSTQ_REASON_DEBUG_NOT_ALLOWED,     POSTQ_REASON_CLAIMS_INVALID,
    POSTQ_REASON_DOC_STALE,             POSTQ_REASON_DOC_FROM_FUTURE,
    POSTQ_REASON_PAYLOAD_HASH_MISMATCH, POSTQ_REASON_SIG_HASH_MISMATCH,
    POSTQ_REASON_KEY_MISMATCH,          POSTQ_REASON_SIGNATURE_INVALID,
    POSTQ_REASON_NONCE_MISMATCH,        POSTQ_REASON_COUNTER_REUSED,
};
static const char *const enclave_kinds[] = {"unreachable", "bad_reply"};

static double start_time;

void postq_metrics_init(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_mutex_lock(&m.mu);
    start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    m.n_req = 0;
    m.n_reasons = 0;
    m.n_kinds = 0;
    for (size_t i = 0; i < sizeof(api_reasons) / sizeof(api_reasons[0]); i++) {
        snprintf(m.reasons[i].name, sizeof(m.reasons[i].name), "%s", api_reasons[i]);
        m.reasons[i].n = 0;
        m.n_reasons++;
    }
    for (size_t i = 0; i < sizeof(enclave_kinds) / sizeof(enclave_kinds[0]); i++) {
        snprintf(m.kinds[i].name, sizeof(m.kinds[i].name), "%s", enclave_kinds[i]);
        m.kinds[i].n = 0;
        m.n_kinds++;
    }
    memset(m.lat_bucket, 0, sizeof(m.lat_bucket));
    m.lat_count = 0;
    m.lat_sum = 0;
    m.limited_key = 0;
    m.limited_org = 0;
    m.checkpoints = 0;
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

void postq_metrics_health(int store_ok, int enclave_ok)
{
    pthread_mutex_lock(&m.mu);
    m.health_seen = 1;
    m.health_store = store_ok ? 1 : 0;
    m.health_enclave = enclave_ok ? 1 : 0;
    pthread_mutex_unlock(&m.mu);
}

void postq_metrics_rate_limited(const char *scope)
{
    pthread_mutex_lock(&m.mu);
    if (strcmp(scope, "org") == 0) {
        m.limited_org++;
    } else {
        m.limited_key++;
    }
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

/* The process's CPU seconds, resident bytes and open descriptors, from /proc/self; -1 where
 * one cannot be read. */
static void process_stats(double *cpu, double *rss, long *fds)
{
    FILE *f = fopen("/proc/self/stat", "r");
    unsigned long utime = 0, stime = 0;
    long pages = 0;
    DIR *d;

    *cpu = -1;
    *rss = -1;
    *fds = -1;
    if (f != NULL) {
        /* Fields 14 and 15 (utime, stime, in ticks) and 24 (rss, in pages); field 2 is the
         * command in parentheses, which may hold spaces: skip past its last ')'. */
        char line[1024];
        char *p = fgets(line, sizeof(line), f) != NULL ? strrchr(line, ')') : NULL;
        if (p != NULL && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu "
                                       "%*d %*d %*d %*d %*d %*d %*u %*u %ld",
                                &utime, &stime, &pages) == 3) {
            long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
            if (tick > 0) {
                *cpu = (double)(utime + stime) / (double)tick;
            }
            if (page > 0) {
                *rss = (double)pages * (double)page;
            }
        }
        fclose(f);
    }
    d = opendir("/proc/self/fd");
    if (d != NULL) {
        long n = 0;
        while (readdir(d) != NULL) {
            n++;
        }
        closedir(d);
        *fds = n - 3; /* ".", ".." and the directory's own descriptor */
    }
}

postq_err postq_metrics_render_process(struct postq_buf *out, int enclave_up)
{
    double cpu, rss;
    long fds;
    postq_err err;

    process_stats(&cpu, &rss, &fds);
    err = put(out,
              "# HELP postq_build_info The running build: version, one series valued 1.\n"
              "# TYPE postq_build_info gauge\npostq_build_info{version=\"%s\"} 1\n"
              "# HELP postq_enclave_up Whether the enclave answered the latest call (within "
              "10 s; else a probe) (1) or not (0).\n# TYPE postq_enclave_up gauge\n"
              "postq_enclave_up %d\n",
              POSTQ_VERSION, enclave_up ? 1 : 0);
    if (err == POSTQ_OK) {
        err = put(out,
                  "# HELP process_start_time_seconds Start time of the process since the "
                  "epoch.\n# TYPE process_start_time_seconds gauge\n"
                  "process_start_time_seconds %.3f\n",
                  start_time);
    }
    if (err == POSTQ_OK && cpu >= 0) {
        err = put(out,
                  "# HELP process_cpu_seconds_total User and system CPU time spent.\n"
                  "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n",
                  cpu);
    }
    if (err == POSTQ_OK && rss >= 0) {
        err = put(out,
                  "# HELP process_resident_memory_bytes Resident memory size.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %.0f\n",
                  rss);
    }
    if (err == POSTQ_OK && fds >= 0) {
        err = put(out,
                  "# HELP process_open_fds Open file descriptors.\n"
                  "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
                  fds);
    }
    pthread_mutex_lock(&m.mu);
    if (err == POSTQ_OK && m.health_seen) {
        err = put(out,
                  "# HELP postq_health_ok What the latest GET /healthz found, per part: the "
                  "store can commit, the enclave answers and can make its counter durable.\n"
                  "# TYPE postq_health_ok gauge\npostq_health_ok{part=\"store\"} %d\n"
                  "postq_health_ok{part=\"enclave\"} %d\n",
                  m.health_store, m.health_enclave);
    }
    pthread_mutex_unlock(&m.mu);
    return err;
}

void postq_metrics_log_checkpoint(void)
{
    pthread_mutex_lock(&m.mu);
    m.checkpoints++;
    pthread_mutex_unlock(&m.mu);
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
                       "failed, by reason.\n"
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
    if (err == POSTQ_OK) {
        err = put(out,
                  "# HELP postq_rate_limited_total Requests refused with 429 by a rate limit, by "
                  "scope (the API key's or the organisation's).\n"
                  "# TYPE postq_rate_limited_total counter\n"
                  "postq_rate_limited_total{scope=\"key\"} %llu\n"
                  "postq_rate_limited_total{scope=\"org\"} %llu\n",
                  m.limited_key, m.limited_org);
    }
    if (err == POSTQ_OK) {
        err = put(out,
                  "# HELP postq_log_checkpoints_signed_total Transparency-log checkpoints the "
                  "enclave signed for this process (one covers every sign committed before it).\n"
                  "# TYPE postq_log_checkpoints_signed_total counter\n"
                  "postq_log_checkpoints_signed_total %llu\n",
                  m.checkpoints);
    }
    pthread_mutex_unlock(&m.mu);
    return err;
}
