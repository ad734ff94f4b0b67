/* SPDX-License-Identifier: Apache-2.0 */
/* make bench-enclave: signs per second through postq-enclave's socket (1 KiB and 1 MiB
 * payloads, one and two client threads, one connection each) against the in-process cost of
 * what the enclave does per sign — composite sign + the SHA-256s + the attestation document —
 * measured here on the same machine. Each figure is the median of ROUNDS rounds.
 *
 *   enclave_bench PATH/TO/postq-enclave [ALG]
 *
 * The daemon is started on a temporary state directory and stopped with SIGTERM. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <postq/hybrid.h>

#include "attest/doc.h"
#include "common/buf.h"
#include "crypto/ed.h"
#include "crypto/rand.h"
#include "crypto/sha2.h"
#include "proto/enclave_proto.h"

#define ROUNDS 9

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "enclave_bench: %s\n", what);
    exit(1);
}

/* ---- in process: what one sign costs inside the enclave ---- */

struct key {
    const char *alg;
    uint8_t pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX];
    size_t pk_len, sig_len;
    uint8_t *sealed;
    size_t sealed_len;
};

static void sign_and_attest(const struct key *k, const uint8_t *payload, size_t len,
                            const uint8_t root[32], uint64_t counter)
{
    uint8_t sig[POSTQ_HYBRID_SIG_MAX];
    struct postq_doc_claims c;
    struct postq_buf doc;

    memset(&c, 0, sizeof(c));
    postq_buf_init(&doc, 1 << 16);
    c.v = 1;
    strcpy(c.vendor, "mock");
    strcpy(c.module_id, "mock-00000000000000000000000000000000");
    strcpy(c.key_id, "key_bench");
    snprintf(c.algorithm, sizeof(c.algorithm), "%s", k->alg);
    c.counter = counter;
    c.timestamp_ms = 1764000000000LL;
    if (postq_hybrid_sign(k->alg, k->sk, payload, len, NULL, 0, sig) != POSTQ_OK ||
        postq_sha256(c.payload_sha256, payload, len) != POSTQ_OK ||
        postq_sha256(c.sig_sha256, sig, k->sig_len) != POSTQ_OK ||
        postq_sha256(c.public_key_sha256, k->pk, k->pk_len) != POSTQ_OK ||
        postq_doc_encode_mock_b64(&doc, &c, "root-bench", root) != POSTQ_OK) {
        die("in-process sign");
    }
    postq_buf_free(&doc);
}

/* Seconds per sign+attest, averaged over n. */
static double in_process(const struct key *k, const uint8_t *payload, size_t len, int n,
                         const uint8_t root[32])
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        sign_and_attest(k, payload, len, root, (uint64_t)i);
    }
    return (now_s() - t0) / n;
}

/* ---- through the socket ---- */

struct job {
    const char *addr;
    const struct key *k;
    const uint8_t *payload;
    size_t len;
    int n;
    double seconds;
};

static void *client(void *arg)
{
    struct job *j = arg;
    struct postq_proto_client c;
    struct postq_proto_req q;
    struct postq_proto_resp r;
    uint8_t nonce[32] = {0};
    double t0;

    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_SIGN;
    snprintf(q.alg, sizeof(q.alg), "%s", j->k->alg);
    strcpy(q.key_id, "key_bench");
    q.sealed.p = j->k->sealed;
    q.sealed.len = j->k->sealed_len;
    q.nonce.p = nonce;
    q.nonce.len = 32;
    q.payload.p = j->payload;
    q.payload.len = j->len;
    if (postq_proto_client_connect(&c, j->addr, 60000) != POSTQ_OK) {
        die("connect");
    }
    t0 = now_s();
    for (int i = 0; i < j->n; i++) {
        if (postq_proto_client_call(&c, &q, &r) != POSTQ_OK || r.status != POSTQ_PROTO_OK) {
            die("sign through the socket");
        }
    }
    j->seconds = now_s() - t0;
    postq_proto_client_close(&c);
    return NULL;
}

/* Signs per second of threads clients doing n signs each. */
static double through_socket(const char *addr, const struct key *k, const uint8_t *payload,
                             size_t len, int threads, int n)
{
    pthread_attr_t attr;
    struct job jobs[2];
    pthread_t t[2];
    double t0;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
    t0 = now_s();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){addr, k, payload, len, n, 0};
        if (pthread_create(&t[i], &attr, client, &jobs[i]) != 0) {
            die("thread");
        }
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
    }
    pthread_attr_destroy(&attr);
    return threads * n / (now_s() - t0);
}

int main(int argc, char **argv)
{
    static char dir[] = "/tmp/postq-bench-XXXXXX";
    char state[128], sock[160], addr[200], listen_arg[200];
    const char *alg = argc > 2 ? argv[2] : POSTQ_HYBRID_DEFAULT_ALG;
    struct key k;
    struct postq_proto_client c;
    struct postq_proto_req q;
    struct postq_proto_resp r;
    size_t sizes[2] = {1024, (size_t)1 << 20};
    uint8_t root[32];
    const char *names[2] = {"1 KiB", "1 MiB"};
    pid_t pid;
    int status;

    if (argc < 2) {
        die("usage: enclave_bench PATH/TO/postq-enclave [ALG]");
    }
    if (mkdtemp(dir) == NULL) {
        die("mkdtemp");
    }
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(sock, sizeof(sock), "%s/e.sock", dir);
    snprintf(addr, sizeof(addr), "unix:%s", sock);
    snprintf(listen_arg, sizeof(listen_arg), "unix:%s", sock);
    pid = fork();
    if (pid < 0) {
        die("fork");
    }
    if (pid == 0) {
        /* The daemon's log would interleave with the table; it goes to the state dir. */
        char log[200];
        FILE *f;
        snprintf(log, sizeof(log), "%s/enclave.log", dir);
        f = freopen(log, "w", stderr);
        (void)f;
        execl(argv[1], argv[1], "--state", state, "--listen", listen_arg, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        struct stat st;
        if (stat(sock, &st) == 0) {
            break;
        }
        usleep(10000);
    }

    /* One key, generated and sealed by the enclave; the same alg in process. */
    memset(&k, 0, sizeof(k));
    k.alg = alg;
    if (postq_hybrid_sizes(alg, &k.pk_len, NULL, &k.sig_len) != POSTQ_OK ||
        postq_hybrid_keygen(alg, k.pk, k.sk) != POSTQ_OK) {
        die("keygen");
    }
    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_KEYGEN;
    snprintf(q.alg, sizeof(q.alg), "%s", alg);
    strcpy(q.key_id, "key_bench");
    if (postq_proto_client_connect(&c, addr, 60000) != POSTQ_OK ||
        postq_proto_client_call(&c, &q, &r) != POSTQ_OK || r.status != POSTQ_PROTO_OK) {
        die("keygen through the socket (is the enclave running?)");
    }
    k.sealed = malloc(r.sealed.len);
    if (k.sealed == NULL) {
        die("memory");
    }
    memcpy(k.sealed, r.sealed.p, r.sealed.len);
    k.sealed_len = r.sealed.len;
    postq_proto_client_close(&c);

    printf("postq-enclave throughput, %s, medians of %d rounds (%ld CPUs online)\n\n", alg,
           ROUNDS, sysconf(_SC_NPROCESSORS_ONLN));
    printf("| payload | clients | socket signs/s | in-process sign+doc | in-process signs/s | "
           "socket / in-process cost |\n");
    printf("|---------|---------|----------------|---------------------|--------------------|"
           "--------------------------|\n");
    if (postq_rand_bytes(root, 32) != POSTQ_OK) {
        die("rng");
    }
    for (int s = 0; s < 2; s++) {
        uint8_t *payload = malloc(sizes[s]);
        int n = s == 0 ? 60 : 12;
        double inproc[ROUNDS], rate[2][ROUNDS], in_med, rate_med;

        if (payload == NULL || postq_rand_bytes(payload, sizes[s]) != POSTQ_OK) {
            die("payload");
        }
        sign_and_attest(&k, payload, sizes[s], root, 0); /* warm up */
        /* Rounds interleave the three measurements so that drift in the machine's load hits
         * all of them alike. */
        for (int round = 0; round < ROUNDS; round++) {
            inproc[round] = in_process(&k, payload, sizes[s], n, root);
            rate[0][round] = through_socket(addr, &k, payload, sizes[s], 1, n);
            rate[1][round] = through_socket(addr, &k, payload, sizes[s], 2, n);
        }
        in_med = median(inproc, ROUNDS);
        for (int threads = 1; threads <= 2; threads++) {
            rate_med = median(rate[threads - 1], ROUNDS);
            printf("| %-7s | %7d | %14.0f | %16.0f µs | %18.0f | %23.2f× |\n", names[s], threads,
                   rate_med, in_med * 1e6, 1.0 / in_med, (1.0 / rate_med) / in_med);
        }
        free(payload);
    }
    printf("\nsocket / in-process cost: seconds per sign through the socket (1 / throughput) "
           "over the in-process\nseconds per sign + document; below 1 with two clients means the "
           "enclave's workers ran in parallel.\n");

    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    free(k.sealed);
    {
        char cmd[200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "enclave_bench: could not remove %s\n", dir);
        }
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
