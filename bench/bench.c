/* SPDX-License-Identifier: Apache-2.0 */
/* make bench: median and min-max wall time (µs) and cycles of keygen / sign / verify for
 * ML-DSA-44/65/87 and the three composites (verify also under an expanded key made once
 * beforehand, "verify vkey"), and SHAKE256 throughput. The machine is shared and
 * noisy: read medians, and use make bench-count for repeatable instruction counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

#include <postq/postq.h>

#include "common/cpu.h"

#include "crypto/composite.h"
#include "crypto/keccak.h"
#include "crypto/mldsa/sign.h"

#define MAX_RUNS 2000

struct sample {
    double us;
    double cycles;
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static unsigned long long cycles(void)
{
#ifdef HAVE_TSC
    return __rdtsc();
#else
    return 0;
#endif
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double med, min, max, cyc;
    int n;
};

/* Sort the samples and take median, min, max. */
static struct stats summarise(double *us, double *cyc, int n)
{
    struct stats s;
    qsort(us, (size_t)n, sizeof(double), cmp_double);
    qsort(cyc, (size_t)n, sizeof(double), cmp_double);
    s.med = us[n / 2];
    s.min = us[0];
    s.max = us[n - 1];
    s.cyc = cyc[n / 2];
    s.n = n;
    return s;
}

static const char *path_name = "portable";

static void row(const char *name, const char *op, struct stats s)
{
    printf("| %-16s | %-8s | %-11s | %10.1f | %8.1f – %-9.1f | %13.0f | %5d |\n", name, path_name,
           op, s.med, s.min, s.max, s.cyc, s.n);
}

typedef int (*op_fn)(void *arg, int i);

/* Run op up to MAX_RUNS times or about budget_us of wall time, at least 11 times. */
static struct stats measure(op_fn op, void *arg, double budget_us)
{
    static double us[MAX_RUNS], cyc[MAX_RUNS];
    double start = now_us();
    int n = 0;

    while (n < MAX_RUNS && (n < 11 || now_us() - start < budget_us)) {
        double t0 = now_us();
        unsigned long long c0 = cycles();
        if (op(arg, n) != 0) {
            fprintf(stderr, "bench: operation failed\n");
            exit(1);
        }
        cyc[n] = (double)(cycles() - c0);
        us[n] = now_us() - t0;
        n++;
    }
    return summarise(us, cyc, n);
}

struct mldsa_ctx {
    int level;
    struct postq_mldsa_vkey vk;
    uint8_t pk[POSTQ_MLDSA_PK_MAX], sk[POSTQ_MLDSA_SK_MAX], sig[POSTQ_MLDSA_SIG_MAX];
    uint8_t msg[32];
};

static int mldsa_keygen_op(void *arg, int i)
{
    struct mldsa_ctx *c = arg;
    uint8_t seed[32];
    memset(seed, i, sizeof(seed));
    return postq_mldsa_keygen(c->level, seed, c->pk, c->sk);
}

static int mldsa_sign_op(void *arg, int i)
{
    struct mldsa_ctx *c = arg;
    c->msg[0] = (uint8_t)i;
    c->msg[1] = (uint8_t)(i >> 8);
    return postq_mldsa_sign(c->level, c->sk, c->msg, sizeof(c->msg), NULL, 0, NULL, c->sig);
}

static int mldsa_verify_op(void *arg, int i)
{
    struct mldsa_ctx *c = arg;
    (void)i;
    return postq_mldsa_verify(c->level, c->pk, c->msg, sizeof(c->msg), NULL, 0, c->sig,
                              postq_mldsa_sig_bytes(c->level));
}

static int mldsa_verify_vkey_op(void *arg, int i)
{
    struct mldsa_ctx *c = arg;
    (void)i;
    return postq_mldsa_verify_vkey(&c->vk, c->msg, sizeof(c->msg), NULL, 0, c->sig,
                                   postq_mldsa_sig_bytes(c->level));
}

struct hybrid_ctx {
    const char *alg;
    struct postq_hybrid_vkey vk;
    size_t siglen;
    uint8_t pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX], sig[POSTQ_HYBRID_SIG_MAX];
    uint8_t msg[1024];
};

static int hybrid_keygen_op(void *arg, int i)
{
    struct hybrid_ctx *c = arg;
    (void)i;
    return postq_hybrid_keygen(c->alg, c->pk, c->sk);
}

static int hybrid_sign_op(void *arg, int i)
{
    struct hybrid_ctx *c = arg;
    c->msg[0] = (uint8_t)i;
    return postq_hybrid_sign(c->alg, c->sk, c->msg, sizeof(c->msg), NULL, 0, c->sig);
}

static int hybrid_verify_op(void *arg, int i)
{
    struct hybrid_ctx *c = arg;
    (void)i;
    return postq_hybrid_verify(c->alg, c->pk, c->msg, sizeof(c->msg), NULL, 0, c->sig, c->siglen);
}

/* What postq_hybrid_verify does, with the ML-DSA half under the expanded key: PH(M) is still
 * computed on every call. */
static int hybrid_verify_vkey_op(void *arg, int i)
{
    struct hybrid_ctx *c = arg;
    struct postq_hybrid_ph h;
    uint8_t ph[POSTQ_HYBRID_PH_BYTES];
    (void)i;
    if (postq_hybrid_ph_init(&h, c->alg) != POSTQ_OK) {
        return 1;
    }
    if (postq_hybrid_ph_update(&h, c->msg, sizeof(c->msg)) != POSTQ_OK) {
        postq_hybrid_ph_abort(&h);
        return 1;
    }
    if (postq_hybrid_ph_final(&h, ph) != POSTQ_OK) {
        return 1;
    }
    return postq_hybrid_verify_ph_vkey(&c->vk, ph, NULL, 0, c->sig, c->siglen);
}

int main(void)
{
    static struct mldsa_ctx mc;
    static struct hybrid_ctx hc;
    static const char *algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    static const int levels[] = {44, 65, 87};
    char name[32];
    size_t pklen;

    printf("PostQ benchmarks (messages: ML-DSA 32 bytes, composite 1 KiB; %s)\n\n",
#ifdef HAVE_TSC
           "cycles from the TSC"
#else
           "no cycle counter on this CPU"
#endif
    );
    /* Written out: printf widths count bytes, and "µ" is two. */
    printf("| algorithm        | path     | op          |  median µs |       min – max µs   | "
           "median cycles |  runs |\n");
    printf("|------------------|----------|-------------|------------|----------------------|------"
           "---------|-------|\n");
    /* Both code paths of the crypto core, one after the other: the AVX2 one where this CPU has
     * it, then the portable one (what POSTQ_DISABLE_AVX2=1 selects). */
    for (int path = postq_cpu_avx2_supported() ? 1 : 0; path >= 0; path--) {
        postq_cpu_set_avx2(path);
        path_name = path ? "avx2" : "portable";
        for (size_t i = 0; i < 3; i++) {
            mc.level = levels[i];
            snprintf(name, sizeof(name), "ML-DSA-%d", levels[i]);
            row(name, "keygen", measure(mldsa_keygen_op, &mc, 300000));
            row(name, "sign", measure(mldsa_sign_op, &mc, 600000));
            /* verify the last signature made: re-sign message 0 first so msg and sig match */
            if (mldsa_sign_op(&mc, 0) != 0) {
                return 1;
            }
            row(name, "verify", measure(mldsa_verify_op, &mc, 300000));
            if (postq_mldsa_vkey_init(&mc.vk, mc.level, mc.pk) != POSTQ_OK) {
                return 1;
            }
            row(name, "verify vkey", measure(mldsa_verify_vkey_op, &mc, 300000));
        }
        for (size_t i = 0; i < 3; i++) {
            hc.alg = algs[i];
            if (postq_hybrid_sizes(hc.alg, NULL, NULL, &hc.siglen) != POSTQ_OK) {
                return 1;
            }
            memset(hc.msg, 0xa5, sizeof(hc.msg));
            row(hc.alg, "keygen", measure(hybrid_keygen_op, &hc, 300000));
            row(hc.alg, "sign", measure(hybrid_sign_op, &hc, 600000));
            if (hybrid_sign_op(&hc, 0) != 0) {
                return 1;
            }
            row(hc.alg, "verify", measure(hybrid_verify_op, &hc, 300000));
            if (postq_hybrid_sizes(hc.alg, &pklen, NULL, NULL) != POSTQ_OK ||
                postq_hybrid_vkey_init(&hc.vk, hc.alg, hc.pk, pklen) != POSTQ_OK) {
                return 1;
            }
            row(hc.alg, "verify vkey", measure(hybrid_verify_vkey_op, &hc, 300000));
        }
    }
    postq_cpu_set_avx2(1);

    /* SHAKE256 throughput: absorb 1 MiB, squeeze 32 bytes, 9 runs, median. */
    {
        static uint8_t buf[1 << 20];
        double mbps[9];
        uint8_t out[32];
        memset(buf, 0x3c, sizeof(buf));
        for (int r = 0; r < 9; r++) {
            double t0 = now_us();
            postq_shake256(out, sizeof(out), buf, sizeof(buf));
            mbps[r] = (double)sizeof(buf) / (now_us() - t0); /* bytes per µs = MB/s */
            buf[0] ^= out[0];
        }
        qsort(mbps, 9, sizeof(double), cmp_double);
        printf("\nSHAKE256: %.0f MB/s median (min %.0f, max %.0f; 1 MiB absorbed, 9 runs)\n",
               mbps[4], mbps[0], mbps[8]);
    }
    return 0;
}
