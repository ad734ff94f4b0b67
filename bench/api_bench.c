/* SPDX-License-Identifier: Apache-2.0 */
/* make bench-api: POST /v1/sign through postq-api (1 KiB payloads, application/octet-stream,
 * 2 and 4 concurrent clients on keep-alive loopback connections) against the enclave alone
 * (the same sign calls straight to postq-enclave's socket, same number of clients; 1 client
 * too, for the latency the API adds when nothing queues): throughput,
 * p50 / p99 latency, the transparency-log checkpoints signed per sign (ckpt/sign, from the API's
 * /metrics: under load one checkpoint covers several signs), the CPU time per sign of
 * postq-api + postq-enclave (from /proc: user + system, every thread), and the API's rate as
 * a share of the enclave-only rate. The API's target
 * (issue 5): no more than 25% added over the enclave-only cost at 2 clients.
 *
 *   api_bench BUILD_DIR [SECONDS]      (make bench-api [API_BENCH_SECONDS=N])
 *   api_bench --stores BUILD_DIR [SECONDS]   (make bench-api, second table)
 *   api_bench --count BUILD_DIR        (make bench-api-count)
 *
 * API_BENCH_STORE=sqlite1, postgres1 or postgres2 runs the --stores table for that store and
 * node count only.
 *
 * API_BENCH_CLIENTS=N runs the first table's API signs at N clients only (1, 2 or 4), without
 * the enclave-only runs: for pairing runs of two builds one client count at a time, as
 * docs/transparency.md's cost figures were taken.
 *
 * --stores runs the API's signs (1, 2 and 4 clients) on SQLite with one node, on PostgreSQL
 * with one node, and on PostgreSQL with two nodes (two postq-api, each with its own
 * postq-enclave of one deployment secret, the clients alternating between them), against a
 * PostgreSQL server of its own (scripts/pg-server.sh, Unix socket, fsync on), and reports
 * PostgreSQL's rate as a share of SQLite's and two nodes' as a share of one's.
 *
 * --count runs both daemons under callgrind and reads their instruction counters
 * (callgrind_control -e) before and after 100 signs through the API, after 20 to warm up: the
 * instructions each process spends per sign, repeatable where wall-clock rates are not. The
 * enclave's count is the enclave-only cost of a sign; the API's is what it adds (kernel time,
 * fsync waits and the client are not counted).
 *
 * The SQLite file lives under $TMPDIR (default /tmp): on a disk every sign pays the store's
 * durable commit (WAL, synchronous=FULL: one fsync); TMPDIR=/dev/shm shows the cost without it.
 * Starts postq-enclave and postq-api (port 0) on a temporary directory, makes an organisation,
 * a policy pinned to the enclave and a bound key, measures, and stops both with SIGTERM. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "crypto/rand.h"
#include "proto/enclave_proto.h"

#define PAYLOAD 1024
#define MAX_CLIENTS 8
#define MAX_SAMPLES 200000

#define MAX_NODES 2

static char g_dir[64], g_sock[MAX_NODES][128], g_host[64], g_token[160], g_key[64];
static int g_port[MAX_NODES];
static int g_nodes = 1; /* API nodes, each with its own enclave of one deployment secret */
static int g_count;     /* --count: the daemons run under callgrind */
static pid_t g_enclave[MAX_NODES] = {-1, -1}, g_api[MAX_NODES] = {-1, -1};
static char g_pgdir[128]; /* the bench's own PostgreSQL server, when it runs one */
static double g_seconds = 3.0;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stop_all(void)
{
    for (int i = 0; i < MAX_NODES; i++) {
        pid_t p[2] = {g_api[i], g_enclave[i]};
        for (int j = 0; j < 2; j++) {
            if (p[j] > 0) {
                kill(p[j], SIGTERM);
                waitpid(p[j], NULL, 0);
            }
        }
        g_api[i] = g_enclave[i] = -1;
    }
    if (g_pgdir[0] != '\0') {
        char cmd[200];
        snprintf(cmd, sizeof(cmd), "scripts/pg-server.sh stop '%s' >/dev/null 2>&1", g_pgdir);
        if (system(cmd) != 0) {
            fprintf(stderr, "api_bench: could not stop PostgreSQL in %s\n", g_pgdir);
        }
        g_pgdir[0] = '\0';
    }
    if (g_dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "api_bench: could not remove %s\n", g_dir);
        }
        g_dir[0] = '\0';
    }
}

static void on_signal(int sig)
{
    (void)sig;
    exit(1); /* atexit: stop_all */
}

static void die(const char *what)
{
    fprintf(stderr, "api_bench: %s\n", what);
    stop_all();
    exit(1);
}

/* ---- a minimal HTTP/1.1 keep-alive client ---- */

static int http_connect(int node)
{
    struct sockaddr_in sa;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g_port[node]);
    if (inet_pton(AF_INET, g_host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0) {
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Send one request and read the reply into body (NUL-terminated, cap bytes). Returns the
 * status, -1 on a connection failure. */
static int http_call(int fd, const char *method, const char *path, const char *ctype,
                     const void *data, size_t len, char *body, size_t cap)
{
    char head[1024], buf[65536];
    size_t have = 0, need;
    int n, status;
    char *end, *cl;

    n = snprintf(head, sizeof(head),
                 "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                 method, path, g_host, g_token, ctype, len);
    if (n < 0 || (size_t)n >= sizeof(head) || write_all(fd, head, (size_t)n) != 0 ||
        (len > 0 && write_all(fd, data, len) != 0)) {
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (r <= 0) {
            return -1;
        }
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL) {
            if (have >= sizeof(buf) - 1) {
                return -1;
            }
            continue;
        }
        cl = strcasestr(buf, "\r\nContent-Length:");
        need = (size_t)(end + 4 - buf) + (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        if (need >= sizeof(buf)) {
            return -1;
        }
        if (have >= need) {
            break;
        }
    }
    status = atoi(buf + 9);
    if (body != NULL && cap > 0) {
        snprintf(body, cap, "%s", end + 4);
    }
    return status;
}

/* The first string member name of json into out. */
static int jfield(const char *json, const char *name, char *out, size_t cap)
{
    char pat[64];
    const char *p, *q;
    snprintf(pat, sizeof(pat), "\"%s\":\"", name);
    p = strstr(json, pat);
    if (p == NULL) {
        return -1;
    }
    p += strlen(pat);
    q = strchr(p, '"');
    if (q == NULL || (size_t)(q - p) >= cap) {
        return -1;
    }
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return 0;
}

/* ---- setup ---- */

static pid_t spawn(char *const argv[], int out_fd)
{
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
    }
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        if (out_fd >= 0) {
            dup2(out_fd, 1);
        }
        if (devnull >= 0) {
            dup2(devnull, 2);
        }
        if (g_count) {
            /* valgrind's own stderr goes to /dev/null with the daemon's. */
            /* API_BENCH_PROFILE_DIR=DIR keeps each daemon's profile there (whole run). */
            static char out[200];
            const char *dir = getenv("API_BENCH_PROFILE_DIR");
            char *vg[16] = {"/usr/bin/valgrind", "--tool=callgrind", out};
            snprintf(out, sizeof(out), "--callgrind-out-file=%s%s", dir != NULL ? dir : "/dev/null",
                     dir != NULL ? "/callgrind.out.%p" : "");
            size_t n = 3;
            for (size_t i = 0; argv[i] != NULL && n < 15; i++) {
                vg[n++] = argv[i];
            }
            vg[n] = NULL;
            execv(vg[0], vg);
        } else {
            execv(argv[0], argv);
        }
        _exit(127);
    }
    return pid;
}

/* The first line cmd prints (trailing newline removed) into out, or die(what). */
static void first_line(const char *cmd, char *out, size_t cap, const char *what)
{
    FILE *f = popen(cmd, "r");
    if (f == NULL || fgets(out, (int)cap, f) == NULL) {
        if (f != NULL) {
            pclose(f);
        }
        die(what);
    }
    pclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* Start the stack: nodes enclaves (one deployment secret when several) and nodes API servers
 * on one store ("sqlite": a file; "postgres": a PostgreSQL server of the bench's own, started
 * with scripts/pg-server.sh, fsync on as in production); an organisation, a policy pinned to
 * the enclaves and a bound key. */
static void setup(const char *build, const char *store, int nodes)
{
    char enclave[256], api[256], listen_arg[MAX_NODES][160], db[512], state[160], line[256];
    char cmd[1200], body[65536], pol[64], img[80], root[2700], req[4096], secret[160], kek[160];
    struct stat sb;
    FILE *f;
    int pfd[2], fd, st;

    const char *tmp = getenv("TMPDIR");
    g_nodes = nodes;
    snprintf(g_dir, sizeof(g_dir), "%s/postq-api-bench-XXXXXX",
             tmp != NULL && tmp[0] != '\0' && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(g_dir) == NULL) {
        die("mkdtemp");
    }
    snprintf(enclave, sizeof(enclave), "%s/bin/postq-enclave", build);
    snprintf(api, sizeof(api), "%s/bin/postq-api", build);
    snprintf(secret, sizeof(secret), "%s/deploy.secret", g_dir);
    snprintf(kek, sizeof(kek), "%s/api.kek", g_dir);
    /* API_BENCH_ROOT: the enclave's root (mldsa65+ed25519, the default, or ed25519), to
     * compare what composite-signed documents cost. */
    static char root_alg[32];
    snprintf(root_alg, sizeof(root_alg), "%s",
             getenv("API_BENCH_ROOT") != NULL && getenv("API_BENCH_ROOT")[0] != '\0'
                 ? getenv("API_BENCH_ROOT")
                 : "mldsa65+ed25519");
    if (strcmp(root_alg, "mldsa65+ed25519") != 0 && strcmp(root_alg, "ed25519") != 0) {
        die("API_BENCH_ROOT: mldsa65+ed25519 or ed25519");
    }
    if (nodes > 1) {
        snprintf(cmd, sizeof(cmd),
                 "'%s' secret new --root %s '%s' >/dev/null && '%s' kek new '%s' >/dev/null",
                 enclave, root_alg, secret, api, kek);
        if (system(cmd) != 0) {
            die("secret new / kek new");
        }
    }
    for (int i = 0; i < nodes; i++) {
        snprintf(g_sock[i], sizeof(g_sock[i]), "%s/enclave%d.sock", g_dir, i);
        snprintf(listen_arg[i], sizeof(listen_arg[i]), "unix:%s", g_sock[i]);
        snprintf(state, sizeof(state), "%s/enclave%d", g_dir, i);
        char *argv[] = {enclave, "--state", state, "--listen", listen_arg[i],
                        nodes > 1 ? "--secret" : "--root", nodes > 1 ? secret : root_alg,
                        NULL};
        g_enclave[i] = spawn(argv, -1);
        for (int k = 0; k < 6000 && stat(g_sock[i], &sb) != 0; k++) {
            usleep(10000);
        }
        if (stat(g_sock[i], &sb) != 0) {
            die("postq-enclave did not start");
        }
    }
    if (strcmp(store, "postgres") == 0) {
        snprintf(g_pgdir, sizeof(g_pgdir), "%s/pg", g_dir);
        /* As root the server runs as another user, who must pass through g_dir. */
        if (chmod(g_dir, 0711) != 0) {
            die("chmod");
        }
        snprintf(cmd, sizeof(cmd),
                 "POSTQ_PG_FSYNC=on scripts/pg-server.sh start '%s' >/dev/null && "
                 "scripts/pg-server.sh createdb '%s' bench",
                 g_pgdir, g_pgdir);
        first_line(cmd, db, sizeof(db), "PostgreSQL did not start (scripts/pg-server.sh)");
    } else {
        snprintf(db, sizeof(db), "sqlite:%s/api.db", g_dir);
    }
    snprintf(cmd, sizeof(cmd), "'%s' org create bench --db '%s' 2>/dev/null", api, db);
    first_line(cmd, g_token, sizeof(g_token), "org create");
    for (int i = 0; i < nodes; i++) {
        snprintf(state, sizeof(state), "%s/api%d", g_dir, i);
        if (pipe(pfd) != 0) {
            die("pipe");
        }
        /* Throughput is measured, not the rate limits: those are off for the bench's key. */
        char *argv[] = {api,          "serve",
                        "--listen",   "127.0.0.1:0",
                        "--db",       db,
                        "--enclave",  listen_arg[i],
                        "--state",    state,
                        "--rate-limit", "admin=off",
                        "--org-rate-limit", "off",
                        nodes > 1 ? "--kek" : NULL, kek,
                        NULL};
        g_api[i] = spawn(argv, pfd[1]);
        close(pfd[1]);
        f = fdopen(pfd[0], "r");
        if (f == NULL || fgets(line, sizeof(line), f) == NULL ||
            sscanf(line, "postq-api listening on http://%63[0-9.]:%d", g_host, &g_port[i]) != 2) {
            die("postq-api did not start");
        }
        fclose(f);
    }
    fd = http_connect(0);
    if (fd < 0) {
        die("connect to postq-api");
    }
    st = http_call(fd, "GET", "/v1/enclave", "application/json", NULL, 0, body, sizeof(body));
    if (st != 200 || jfield(body, "imageHash", img, sizeof(img)) != 0 ||
        jfield(body, "rootPublicKeyB64", root, sizeof(root)) != 0) {
        die("GET /v1/enclave");
    }
    snprintf(req, sizeof(req),
             "{\"name\":\"bench\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":"
             "[\"%s\"],\"rootPublicKeyB64\":\"%s\",\"maxDocAgeSeconds\":300},\"enforce\":true}",
             img, root);
    st = http_call(fd, "POST", "/v1/attestation-policies", "application/json", req,
                   strlen(req), body, sizeof(body));
    if (st != 201 || jfield(body, "id", pol, sizeof(pol)) != 0) {
        die("POST /v1/attestation-policies");
    }
    snprintf(req, sizeof(req),
             "{\"name\":\"bench\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"%s\"}",
             pol);
    st = http_call(fd, "POST", "/v1/hybrid-keys", "application/json", req, strlen(req), body,
                   sizeof(body));
    if (st != 201 || jfield(body, "id", g_key, sizeof(g_key)) != 0) {
        die("POST /v1/hybrid-keys");
    }
    close(fd);
}

/* ---- the measurement ---- */

struct worker {
    pthread_t t;
    int enclave_only;
    int node; /* the API node this client talks to */
    double *lat;
    size_t n;
    int failed;
    struct postq_bytes sealed;
    const char *alg, *key_id;
};

static uint8_t g_payload[PAYLOAD];
static volatile int g_go;
static double g_deadline;

static void *work_api(void *arg)
{
    struct worker *w = arg;
    char path[128], body[256];
    int fd = http_connect(w->node);
    snprintf(path, sizeof(path), "/v1/sign?keyId=%s", g_key);
    if (fd < 0) {
        w->failed = 1; /* a client that cannot connect would skew the rate unseen */
        return NULL;
    }
    while (!g_go) {
    }
    while (fd >= 0 && w->n < MAX_SAMPLES) {
        double t0 = now_s();
        int st;
        if (t0 >= g_deadline) {
            break;
        }
        st = http_call(fd, "POST", path, "application/octet-stream", g_payload, PAYLOAD, body,
                       sizeof(body));
        if (st != 200) {
            fprintf(stderr, "api_bench: POST /v1/sign answered %d: %.200s\n", st, body);
            w->failed = 1;
            break;
        }
        w->lat[w->n++] = now_s() - t0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

static void *work_enclave(void *arg)
{
    struct worker *w = arg;
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    uint8_t nonce[32];

    memset(&c, 0, sizeof(c));
    c.fd = -1;
    {
        char addr[160];
        snprintf(addr, sizeof(addr), "unix:%s", g_sock[0]);
        if (postq_proto_client_connect(&c, addr, 30000) != POSTQ_OK) {
            w->failed = 1;
            return NULL;
        }
    }
    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_SIGN;
    snprintf(req.alg, sizeof(req.alg), "%s", w->alg);
    snprintf(req.key_id, sizeof(req.key_id), "%s", w->key_id);
    req.sealed = w->sealed;
    req.nonce.p = nonce;
    req.nonce.len = sizeof(nonce);
    req.payload.p = g_payload;
    req.payload.len = PAYLOAD;
    while (!g_go) {
    }
    while (w->n < MAX_SAMPLES) {
        double t0 = now_s();
        if (t0 >= g_deadline) {
            break;
        }
        if (postq_rand_bytes(nonce, sizeof(nonce)) != POSTQ_OK ||
            postq_proto_client_call(&c, &req, &resp) != POSTQ_OK || resp.status != 0) {
            w->failed = 1;
            break;
        }
        w->lat[w->n++] = now_s() - t0;
    }
    postq_proto_client_close(&c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct result {
    double rate, p50, p99;
    double ckpt; /* API runs: log checkpoints signed per sign (-1: the API does not say) */
    double api_ms, enclave_ms; /* CPU (user + system) per sign of postq-api, postq-enclave */
};

/* From /proc/PID/stat: the parent's pid and the clock ticks (user + system, all threads) pid
 * has used so far. -1 when it cannot be read. */
static int proc_stat(long pid, long *ppid, long *ticks)
{
    char path[64], line[1024];
    long ut = 0, st = 0;
    const char *p;
    int ok;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    ok = fgets(line, sizeof(line), f) != NULL && (p = strrchr(line, ')')) != NULL &&
         sscanf(p + 2, "%*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %ld %ld", ppid, &ut, &st) == 3;
    fclose(f);
    *ticks = ut + st;
    return ok ? 0 : -1;
}

/* CPU seconds (user + system) process pid has used so far, all threads; 0 when unknown. */
static double proc_cpu_s(pid_t pid)
{
    long ppid, ticks;
    if (proc_stat((long)pid, &ppid, &ticks) != 0) {
        return 0;
    }
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the API nodes (api 1) or of their enclaves (api 0). */
static double daemons_cpu_s(int api)
{
    double t = 0;
    for (int i = 0; i < g_nodes; i++) {
        t += proc_cpu_s(api ? g_api[i] : g_enclave[i]);
    }
    return t;
}

/* postq_log_checkpoints_signed_total summed over the API nodes, -1 when a node's /metrics
 * lacks it (a build without the transparency log). */
static double checkpoints_signed(void)
{
    static char body[65536];
    double total = 0;
    for (int i = 0; i < g_nodes; i++) {
        const char *name = "\npostq_log_checkpoints_signed_total ";
        const char *at;
        int fd = http_connect(i);
        int st = fd >= 0
                     ? http_call(fd, "GET", "/metrics", "text/plain", NULL, 0, body, sizeof(body))
                     : -1;
        if (fd >= 0) {
            close(fd);
        }
        if (st != 200 || (at = strstr(body, name)) == NULL) {
            return -1;
        }
        total += atof(at + strlen(name));
    }
    return total;
}

static struct result run(int clients, int enclave_only, struct postq_bytes sealed,
                         const char *alg, const char *key_id)
{
    struct worker w[MAX_CLIENTS];
    struct result r = {0, 0, 0, -1, 0, 0};
    double *all, t0, ckpt0 = enclave_only ? -1 : checkpoints_signed();
    double api0 = daemons_cpu_s(1), enclave0 = daemons_cpu_s(0);
    size_t total = 0, k = 0;

    memset(w, 0, sizeof(w));
    g_go = 0;
    for (int i = 0; i < clients; i++) {
        w[i].lat = malloc(MAX_SAMPLES * sizeof(double));
        w[i].enclave_only = enclave_only;
        w[i].node = i % g_nodes;
        w[i].sealed = sealed;
        w[i].alg = alg;
        w[i].key_id = key_id;
        if (w[i].lat == NULL ||
            pthread_create(&w[i].t, NULL, enclave_only ? work_enclave : work_api, &w[i]) != 0) {
            die("thread");
        }
    }
    usleep(100000);
    t0 = now_s();
    g_deadline = t0 + g_seconds;
    g_go = 1;
    for (int i = 0; i < clients; i++) {
        pthread_join(w[i].t, NULL);
        if (w[i].failed) {
            die(enclave_only ? "an enclave sign failed" : "a POST /v1/sign failed");
        }
        total += w[i].n;
    }
    all = malloc((total > 0 ? total : 1) * sizeof(double));
    if (all == NULL) {
        die("malloc");
    }
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof(double));
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof(double), cmp_double);
    r.rate = (double)total / (now_s() - t0);
    if (total > 0) {
        r.api_ms = 1e3 * (daemons_cpu_s(1) - api0) / (double)total;
        r.enclave_ms = 1e3 * (daemons_cpu_s(0) - enclave0) / (double)total;
    }
    if (ckpt0 >= 0 && total > 0) {
        double ckpt1 = checkpoints_signed();
        r.ckpt = ckpt1 >= 0 ? (ckpt1 - ckpt0) / (double)total : -1;
    }
    if (total > 0) {
        r.p50 = all[total / 2] * 1e3;
        r.p99 = all[(total * 99) / 100 < total ? (total * 99) / 100 : total - 1] * 1e3;
    }
    free(all);
    return r;
}

/* ---- --count ---- */

/* The instructions pid has executed so far, all threads (callgrind_control -e Ir). */
static double ir_total(pid_t pid)
{
    char cmd[64], line[256];
    double sum = 0;
    int seen = 0;
    FILE *f;

    snprintf(cmd, sizeof(cmd), "callgrind_control -e Ir %d 2>/dev/null", (int)pid);
    f = popen(cmd, "r");
    if (f == NULL) {
        die("callgrind_control");
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char digits[64];
        size_t n = 0;
        int th;
        const char *p;
        if (sscanf(line, " Th %d %63s", &th, digits) != 2) {
            continue;
        }
        for (p = digits; *p != '\0'; p++) {
            if (*p >= '0' && *p <= '9' && n < sizeof(digits) - 1) {
                line[n++] = *p;
            }
        }
        line[n] = '\0';
        sum += atof(line);
        seen = 1;
    }
    if (pclose(f) != 0 || !seen) {
        die("callgrind_control -e Ir: no counters (is valgrind installed?)");
    }
    return sum;
}

/* API_BENCH_PROFILE_DIR: zero both daemons' profiles before the measured signs (-z) and dump
 * them after (-d), so that DIR/callgrind.out.PID.1 holds the N signs alone, without start-up. */
static void profile_mark(const char *op)
{
    char cmd[80];
    const pid_t pids[2] = {g_api[0], g_enclave[0]};

    if (getenv("API_BENCH_PROFILE_DIR") == NULL) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), "callgrind_control %s %d >/dev/null 2>&1", op, (int)pids[i]);
        if (system(cmd) != 0) {
            die("callgrind_control");
        }
    }
}

static void sign_n(int n)
{
    char path[128], body[256];
    int fd = http_connect(0);
    snprintf(path, sizeof(path), "/v1/sign?keyId=%s", g_key);
    for (int i = 0; i < n; i++) {
        if (fd < 0 || http_call(fd, "POST", path, "application/octet-stream", g_payload, PAYLOAD,
                                body, sizeof(body)) != 200) {
            die("a POST /v1/sign failed");
        }
    }
    close(fd);
}

static int count_main(const char *build)
{
    enum { WARM = 20, N = 100 };
    double a0, e0, a1, e1, api, encl;

    g_count = 1;
    setup(build, "sqlite", 1);
    sign_n(WARM);
    profile_mark("-z");
    a0 = ir_total(g_api[0]);
    e0 = ir_total(g_enclave[0]);
    sign_n(N);
    a1 = ir_total(g_api[0]);
    e1 = ir_total(g_enclave[0]);
    profile_mark("-d");
    api = (a1 - a0) / N;
    encl = (e1 - e0) / N;
    printf("POST /v1/sign, instructions per sign (callgrind, mldsa65+ed25519 key, %s root, "
           "%d-byte payload, mean of %d after %d):\n",
           getenv("API_BENCH_ROOT") != NULL && getenv("API_BENCH_ROOT")[0] != '\0'
               ? getenv("API_BENCH_ROOT")
               : "mldsa65+ed25519",
           PAYLOAD, N, WARM);
    printf("  postq-enclave (sign + document)   %12.0f\n", encl);
    printf("  postq-api (HTTP, verify, store)   %12.0f   = %.0f%% of the enclave's\n", api,
           100.0 * api / encl);
    printf("  on a machine with as many cores as signers in flight the API's work runs beside "
           "the enclave's;\n  with both on the same cores the API rate is at most %.0f%% of the "
           "enclave-only rate\n",
           100.0 * encl / (encl + api));
    stop_all();
    return 0;
}

/* CPU seconds (user + system) the bench's PostgreSQL server has used so far: its postmaster
 * (the first line of DATA/postmaster.pid) and every process it started. 0 without one. */
static double pg_cpu_s(void)
{
    char path[200];
    long pm = 0, ticks = 0;
    FILE *f;
    DIR *d;
    struct dirent *e;

    if (g_pgdir[0] == '\0') {
        return 0;
    }
    snprintf(path, sizeof(path), "%s/data/postmaster.pid", g_pgdir);
    f = fopen(path, "r");
    if (f == NULL || fscanf(f, "%ld", &pm) != 1) {
        if (f != NULL) {
            fclose(f);
        }
        return 0;
    }
    fclose(f);
    d = opendir("/proc");
    while (d != NULL && (e = readdir(d)) != NULL) {
        long pid = atol(e->d_name), ppid, t;
        if (pid > 0 && proc_stat(pid, &ppid, &t) == 0 && (pid == pm || ppid == pm)) {
            ticks += t;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* --stores: the same signs on SQLite (one node), PostgreSQL (one node) and PostgreSQL (two
 * nodes, each with its own enclave, the clients spread over them). */
static int stores_main(const char *build)
{
    static const struct {
        const char *store;
        int nodes;
    } configs[] = {{"sqlite", 1}, {"postgres", 1}, {"postgres", 2}};
    static const int counts[] = {1, 2, 4};
    struct result r[3][3];
    struct postq_bytes none = {NULL, 0};

    printf("POST /v1/sign by store and node count: mldsa65+ed25519, %d-byte payloads, keep-alive "
           "loopback, %.0f s per run; durable commits (SQLite synchronous=FULL, PostgreSQL fsync "
           "on); with 2 nodes the clients alternate between them\n",
           PAYLOAD, g_seconds);
    printf("%-9s %5s %8s %10s %9s %9s %13s\n", "store", "nodes", "clients", "signs/s",
           "p50 ms", "p99 ms", "PG CPU µs/sign");
    const char *only_env = getenv("API_BENCH_STORE");
    for (size_t c = 0; c < 3; c++) {
        if (only_env != NULL && only_env[0] != '\0' &&
            !(strncmp(only_env, configs[c].store, strlen(configs[c].store)) == 0 &&
              atoi(only_env + strlen(configs[c].store)) == configs[c].nodes)) {
            memset(r[c], 0, sizeof(r[c]));
            continue;
        }
        setup(build, configs[c].store, configs[c].nodes);
        for (size_t i = 0; i < 3; i++) {
            double cpu0 = pg_cpu_s();
            r[c][i] = run(counts[i], 0, none, NULL, NULL);
            double cpu = pg_cpu_s() - cpu0;
            printf("%-9s %5d %8d %10.0f %9.3f %9.3f", configs[c].store, configs[c].nodes,
                   counts[i], r[c][i].rate, r[c][i].p50, r[c][i].p99);
            if (g_pgdir[0] != '\0') {
                printf(" %13.0f", 1e6 * cpu / (r[c][i].rate * g_seconds));
            }
            printf("\n");
            fflush(stdout);
        }
        stop_all();
    }
    for (size_t i = 0; i < 3; i++) {
        printf("%d client%s: PostgreSQL 1 node = %.0f%% of SQLite (target: 80%% at least); "
               "2 nodes = %.0f%% of 1 node (target: no loss)\n",
               counts[i], counts[i] > 1 ? "s" : "", 100.0 * r[1][i].rate / r[0][i].rate,
               100.0 * r[2][i].rate / r[1][i].rate);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const int counts[] = {1, 2, 4};
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    struct postq_bytes sealed;
    uint8_t *sealed_copy;
    char addr[160];
    int stores = 0, only = 0;
    const char *only_env = getenv("API_BENCH_CLIENTS");

    if (only_env != NULL && only_env[0] != '\0') {
        only = atoi(only_env);
        if (only != 1 && only != 2 && only != 4) {
            fprintf(stderr, "api_bench: API_BENCH_CLIENTS: 1, 2 or 4\n");
            return 2;
        }
    }
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: api_bench BUILD_DIR [SECONDS] | api_bench --count BUILD_DIR | "
                        "api_bench --stores BUILD_DIR [SECONDS]\n");
        return 2;
    }
    if (strcmp(argv[1], "--stores") == 0) {
        if (argc < 3) {
            fprintf(stderr, "usage: api_bench --stores BUILD_DIR [SECONDS]\n");
            return 2;
        }
        stores = 1;
        argv++; /* then as BUILD_DIR [SECONDS] */
        argc--;
    }
    if (!stores && argc > 3) {
        fprintf(stderr, "usage: api_bench BUILD_DIR [SECONDS]\n");
        return 2;
    }
    if (strcmp(argv[1], "--count") == 0 && argc != 3) {
        fprintf(stderr, "usage: api_bench --count BUILD_DIR\n");
        return 2;
    }
    if (strcmp(argv[1], "--count") != 0 && argc == 3) {
        g_seconds = atof(argv[2]);
        if (g_seconds <= 0 || g_seconds > 600) {
            fprintf(stderr, "api_bench: SECONDS: 0..600\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    atexit(stop_all);
    if (postq_rand_bytes(g_payload, sizeof(g_payload)) != POSTQ_OK) {
        die("rand");
    }
    if (strcmp(argv[1], "--count") == 0) {
        return count_main(argv[2]);
    }
    if (stores) {
        return stores_main(argv[1]);
    }
    setup(argv[1], "sqlite", 1);

    /* A key made straight in the enclave for the enclave-only runs (same algorithm). */
    memset(&c, 0, sizeof(c));
    c.fd = -1;
    snprintf(addr, sizeof(addr), "unix:%s", g_sock[0]);
    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_KEYGEN;
    snprintf(req.alg, sizeof(req.alg), "mldsa65+ed25519");
    snprintf(req.key_id, sizeof(req.key_id), "key_bench");
    if (postq_proto_client_connect(&c, addr, 30000) != POSTQ_OK ||
        postq_proto_client_call(&c, &req, &resp) != POSTQ_OK || resp.status != 0) {
        die("enclave keygen");
    }
    sealed_copy = malloc(resp.sealed.len);
    if (sealed_copy == NULL) {
        die("malloc");
    }
    memcpy(sealed_copy, resp.sealed.p, resp.sealed.len);
    sealed.p = sealed_copy;
    sealed.len = resp.sealed.len;
    postq_proto_client_close(&c);

    printf("POST /v1/sign vs the enclave alone: mldsa65+ed25519, %d-byte payloads, keep-alive "
           "loopback, %.0f s per run\n",
           PAYLOAD, g_seconds);
    printf("%-8s %-14s %10s %9s %9s %10s %13s\n", "clients", "path", "signs/s", "p50 ms", "p99 ms",
           "ckpt/sign", "CPU ms/sign");
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        struct result e = {0, 0, 0, -1, 0, 0};
        if (only > 0 && only != counts[i]) {
            continue;
        }
        if (only == 0) {
            e = run(counts[i], 1, sealed, "mldsa65+ed25519", "key_bench");
        }
        struct result a = run(counts[i], 0, sealed, NULL, NULL);
        char ckpt[16] = "-";
        if (a.ckpt >= 0) {
            snprintf(ckpt, sizeof(ckpt), "%.2f", a.ckpt);
        }
        if (only == 0) {
            printf("%-8d %-14s %10.0f %9.3f %9.3f %10s %13.2f\n", counts[i], "enclave only", e.rate,
                   e.p50, e.p99, "", e.enclave_ms);
        }
        printf("%-8d %-14s %10.0f %9.3f %9.3f %10s %6.2f+%-6.2f\n", counts[i], "POST /v1/sign",
               a.rate, a.p50, a.p99, ckpt, a.api_ms, a.enclave_ms);
        if (only > 0) {
            continue;
        }
        printf("%-8d API rate = %.0f%% of the enclave-only rate; p50 +%.0f%% (target at 2 "
               "clients: +25%% at most)\n",
               counts[i], 100.0 * a.rate / e.rate, e.p50 > 0 ? 100.0 * (a.p50 - e.p50) / e.p50 : 0);
    }
    free(sealed_copy);
    stop_all();
    return 0;
}
