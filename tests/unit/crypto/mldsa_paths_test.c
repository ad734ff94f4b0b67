/* SPDX-License-Identifier: Apache-2.0 */
/* The AVX2 and the portable ML-DSA paths against each other, in one process
 * (postq_cpu_set_avx2 switches between them): every polynomial operation on random inputs
 * within its documented range, the samplers, and whole keygen / sign / verify / expanded-key runs
 * at all three levels on random seeds, messages and rnd, including verification of corrupted
 * signatures. Results must be identical byte for byte. On a CPU without AVX2 this test says so
 * and fails nothing (both "paths" are then the portable one; the note is printed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postq/mldsa.h>

#include "common/cpu.h"
#include "crypto/composite.h"
#include "crypto/keccak.h"
#include "crypto/mldsa/packing.h"
#include "crypto/mldsa/params.h"
#include "crypto/mldsa/poly.h"
#include "crypto/mldsa/sign.h"
#include "testlib.h"

#define N POSTQ_MLDSA_N
#define Q POSTQ_MLDSA_Q

static uint64_t rng_state = 0x243F6A8885A308D3u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Uniform in [lo, hi]. */
static int32_t rnd_in(int32_t lo, int32_t hi)
{
    return (int32_t)((int64_t)lo + (int64_t)(rng() % (uint64_t)((int64_t)hi - lo + 1)));
}

static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)rng();
    }
}

static void rnd_poly(struct postq_mldsa_poly *a, int32_t lo, int32_t hi)
{
    for (unsigned i = 0; i < N; i++) {
        a->c[i] = rnd_in(lo, hi);
    }
    /* The extremes too: the first and last coefficients take the bounds. */
    a->c[0] = lo;
    a->c[N - 1] = hi;
}

static int have_avx2;

static int setup(void **state)
{
    (void)state;
    have_avx2 = postq_cpu_avx2_supported();
    if (!have_avx2) {
        printf("# mldsa_paths: this CPU has no AVX2; both runs take the portable path\n");
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    postq_cpu_set_avx2(1);
    return 0;
}

/* Runs op on copies of the inputs under each path and compares the outputs. */
#define BOTH(out_avx2, out_port, code)                                                             \
    do {                                                                                           \
        postq_cpu_set_avx2(1);                                                                     \
        {                                                                                          \
            __typeof__(out_avx2) *OUT = &(out_avx2);                                               \
            code;                                                                                  \
        }                                                                                          \
        postq_cpu_set_avx2(0);                                                                     \
        {                                                                                          \
            __typeof__(out_port) *OUT = &(out_port);                                               \
            code;                                                                                  \
        }                                                                                          \
        postq_cpu_set_avx2(1);                                                                     \
        assert_memory_equal(&(out_avx2), &(out_port), sizeof(out_avx2));                           \
    } while (0)

static void test_arithmetic(void **state)
{
    (void)state;
    for (int iter = 0; iter < 200; iter++) {
        struct postq_mldsa_poly a, b, va, vb;
        struct postq_mldsa_poly vec_a[7], vec_b[7];
        uint32_t ca, cb;
        int32_t bound;

        rnd_poly(&a, -(Q - 1), Q - 1);
        BOTH(va, vb, {
            *OUT = a;
            postq_mldsa_poly_ntt(OUT);
        });
        BOTH(va, vb, {
            *OUT = a;
            postq_mldsa_poly_invntt_tomont(OUT);
        });
        rnd_poly(&b, -(9 * Q - 1), 9 * Q - 1);
        BOTH(va, vb, { postq_mldsa_poly_pointwise(OUT, &a, &b); });
        for (unsigned j = 0; j < 7; j++) {
            rnd_poly(&vec_a[j], -(Q - 1), Q - 1);
            rnd_poly(&vec_b[j], -(9 * Q - 1), 9 * Q - 1);
        }
        for (unsigned n = 1; n <= 7; n++) {
            BOTH(va, vb, { postq_mldsa_poly_dot(OUT, vec_a, vec_b, n); });
        }
        rnd_poly(&a, -(1 << 30) + 1, (1 << 30) - 1); /* a + b and a - b fit in 32 bits */
        rnd_poly(&b, -(1 << 30) + 1, (1 << 30) - 1);
        BOTH(va, vb, { postq_mldsa_poly_add(OUT, &a, &b); });
        BOTH(va, vb, { postq_mldsa_poly_sub(OUT, &a, &b); });
        rnd_poly(&a, INT32_MIN + (1 << 22), INT32_MAX - (1 << 22));
        BOTH(va, vb, {
            *OUT = a;
            postq_mldsa_poly_reduce(OUT);
        });
        BOTH(va, vb, {
            *OUT = a;
            postq_mldsa_poly_freeze(OUT);
        });
        rnd_poly(&a, -(Q - 1), Q - 1);
        BOTH(va, vb, {
            *OUT = a;
            postq_mldsa_poly_caddq(OUT);
        });
        rnd_poly(&a, 0, (1 << 10) - 1);
        BOTH(va, vb, {
            *OUT = a;
            postq_mldsa_poly_shiftl(OUT);
        });
        rnd_poly(&a, -6283008, 6283008);
        bound = rnd_in(1, Q - 6283008);
        BOTH(ca, cb, { *OUT = postq_mldsa_poly_chknorm(&a, bound); });
        /* Half the time all coefficients pass, so both answers are exercised. */
        rnd_poly(&a, -(bound - 1), bound - 1);
        BOTH(ca, cb, { *OUT = postq_mldsa_poly_chknorm(&a, bound); });
    }
}

static void test_rounding(void **state)
{
    static const int32_t gammas[2] = {POSTQ_MLDSA_GAMMA2_88, POSTQ_MLDSA_GAMMA2_32};

    (void)state;
    for (int iter = 0; iter < 200; iter++) {
        struct postq_mldsa_poly a, z, r1a, r1b, r0a, r0b;
        struct {
            struct postq_mldsa_poly hi, lo;
        } pa, pb;
        struct {
            uint8_t h[N];
            unsigned n;
        } ha, hb;
        uint8_t h[N];

        rnd_poly(&a, 0, Q - 1);
        BOTH(pa, pb, { postq_mldsa_poly_power2round(&OUT->hi, &OUT->lo, &a); });
        for (unsigned g = 0; g < 2; g++) {
            int32_t gamma2 = gammas[g];

            BOTH(r1a, r1b, { postq_mldsa_poly_decompose(OUT, NULL, &a, gamma2); });
            BOTH(r0a, r0b, { postq_mldsa_poly_decompose(NULL, OUT, &a, gamma2); });
            rnd_poly(&z, -(Q - 1), Q - 1);
            if (iter % 2 == 0) {
                rnd_poly(&z, -gamma2, gamma2); /* realistic -ct0: few hints */
            }
            BOTH(ha, hb, {
                memset(OUT, 0, sizeof(*OUT));
                OUT->n = postq_mldsa_poly_make_hint(OUT->h, &z, &a, gamma2);
            });
            for (unsigned i = 0; i < N; i++) {
                h[i] = (uint8_t)(rng() & 1);
            }
            BOTH(r1a, r1b, { postq_mldsa_poly_use_hint(OUT, &a, h, gamma2); });
        }
    }
}

static void test_samplers(void **state)
{
    static const int32_t etas[2] = {2, 4};
    static const int32_t gamma1s[2] = {1 << 17, 1 << 19};

    (void)state;
    for (int iter = 0; iter < 20; iter++) {
        uint8_t rho[32], rhoprime[64], buf[640 + 64];
        uint16_t nonce[4];
        struct postq_mldsa_poly pa[4], pb[4], single;
        struct postq_mldsa_poly *ap[4] = {&pa[0], &pa[1], &pa[2], &pa[3]};
        struct postq_mldsa_poly *bp[4] = {&pb[0], &pb[1], &pb[2], &pb[3]};
        struct postq_mldsa_poly ya[7], yb[7];

        rnd_bytes(rho, sizeof(rho));
        rnd_bytes(rhoprime, sizeof(rhoprime));
        for (unsigned t = 0; t < 4; t++) {
            nonce[t] = (uint16_t)rng();
        }
        postq_cpu_set_avx2(1);
        postq_mldsa_poly_uniform_4x(ap, rho, nonce);
        postq_cpu_set_avx2(0);
        postq_mldsa_poly_uniform_4x(bp, rho, nonce);
        assert_memory_equal(pa, pb, sizeof(pa));
        for (unsigned t = 0; t < 4; t++) {
            postq_mldsa_poly_uniform(&single, rho, (uint8_t)nonce[t], (uint8_t)(nonce[t] >> 8));
            assert_memory_equal(&single, &pa[t], sizeof(single));
        }
        for (unsigned e = 0; e < 2; e++) {
            postq_cpu_set_avx2(1);
            postq_mldsa_poly_uniform_eta_4x(ap, rhoprime, nonce, etas[e]);
            postq_cpu_set_avx2(0);
            postq_mldsa_poly_uniform_eta_4x(bp, rhoprime, nonce, etas[e]);
            assert_memory_equal(pa, pb, sizeof(pa));
        }
        for (unsigned g = 0; g < 2; g++) {
            for (unsigned n = 1; n <= 7; n++) {
                postq_cpu_set_avx2(1);
                postq_mldsa_polyvec_uniform_gamma1(ya, n, rhoprime, nonce[0], gamma1s[g]);
                postq_cpu_set_avx2(0);
                postq_mldsa_polyvec_uniform_gamma1(yb, n, rhoprime, nonce[0], gamma1s[g]);
                assert_memory_equal(ya, yb, n * sizeof(ya[0]));
            }
            /* BitUnpack alone, on random bytes (with the slack the AVX2 unpacker reads). */
            rnd_bytes(buf, sizeof(buf));
            postq_cpu_set_avx2(1);
            postq_mldsa_polyz_unpack(&pa[0], buf, gamma1s[g]);
            postq_cpu_set_avx2(0);
            postq_mldsa_polyz_unpack(&pb[0], buf, gamma1s[g]);
            assert_memory_equal(&pa[0], &pb[0], sizeof(pa[0]));
        }
        /* The t1 and t0 unpackers, on exactly their bytes (no slack: the AVX2 ones must not read
         * past the polynomial). */
        {
            uint8_t t1[POSTQ_MLDSA_T1_POLY_BYTES], t0[POSTQ_MLDSA_T0_POLY_BYTES];
            rnd_bytes(t1, sizeof(t1));
            rnd_bytes(t0, sizeof(t0));
            postq_cpu_set_avx2(1);
            postq_mldsa_polyt1_unpack(&pa[0], t1);
            postq_mldsa_polyt0_unpack(&pa[1], t0);
            postq_cpu_set_avx2(0);
            postq_mldsa_polyt1_unpack(&pb[0], t1);
            postq_mldsa_polyt0_unpack(&pb[1], t0);
            assert_memory_equal(&pa[0], &pb[0], 2 * sizeof(pa[0]));
        }
        /* The s1/s2 unpacker on exactly its bytes: random bytes (fields above 2 eta make the
         * key invalid: the flag must agree too), then valid ones. */
        for (int32_t eta = 2; eta <= 4; eta += 2) {
            uint8_t e[128];
            size_t len = eta == 2 ? 96 : 128;
            uint32_t fa, fb;

            for (int valid = 0; valid < 2; valid++) {
                uint8_t *b = malloc(len); /* exactly len: ASan sees a read past the end */
                assert_non_null(b);
                if (valid) {
                    struct postq_mldsa_poly v;
                    rnd_poly(&v, -eta, eta);
                    postq_cpu_set_avx2(0);
                    postq_mldsa_polyeta_pack(e, &v, eta);
                } else {
                    rnd_bytes(e, sizeof(e));
                }
                memcpy(b, e, len);
                postq_cpu_set_avx2(1);
                fa = postq_mldsa_polyeta_unpack(&pa[0], b, eta);
                postq_cpu_set_avx2(0);
                fb = postq_mldsa_polyeta_unpack(&pb[0], b, eta);
                free(b);
                assert_int_equal(fa, fb);
                /* random bytes hold a field above 2 eta (all 256 in range: p < 2^-100) */
                assert_int_equal(fa, valid ? 0u : 0xFFFFFFFFu);
                assert_memory_equal(&pa[0], &pb[0], sizeof(pa[0]));
            }
        }
        /* The packers, on values in their ranges, into exactly-sized buffers. */
        {
            struct postq_mldsa_poly v;
            uint8_t ba[640], bb[640];
            struct {
                int32_t lo, hi;
                int kind;
                int32_t param;
                size_t len;
            } cases[] = {
                {0, 1023, 0, 0, POSTQ_MLDSA_T1_POLY_BYTES},
                {-(1 << 12) + 1, 1 << 12, 1, 0, POSTQ_MLDSA_T0_POLY_BYTES},
                {-(1 << 17) + 1, 1 << 17, 2, 1 << 17, 576},
                {-(1 << 19) + 1, 1 << 19, 2, 1 << 19, 640},
                {0, 43, 3, POSTQ_MLDSA_GAMMA2_88, 192},
                {0, 15, 3, POSTQ_MLDSA_GAMMA2_32, 128},
                {-2, 2, 4, 2, 96},
                {-4, 4, 4, 4, 128},
            };
            for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                rnd_poly(&v, cases[c].lo, cases[c].hi);
                for (int path = 0; path < 2; path++) {
                    uint8_t *b = path ? ba : bb;
                    memset(b, 0x5A, sizeof(ba));
                    postq_cpu_set_avx2(path);
                    switch (cases[c].kind) {
                    case 0:
                        postq_mldsa_polyt1_pack(b, &v);
                        break;
                    case 1:
                        postq_mldsa_polyt0_pack(b, &v);
                        break;
                    case 2:
                        postq_mldsa_polyz_pack(b, &v, cases[c].param);
                        break;
                    case 3:
                        postq_mldsa_polyw1_pack(b, &v, cases[c].param);
                        break;
                    default:
                        postq_mldsa_polyeta_pack(b, &v, cases[c].param);
                        break;
                    }
                }
                assert_memory_equal(ba, bb, sizeof(ba)); /* includes the bytes after len */
                (void)cases[c].len;
            }
        }
        postq_cpu_set_avx2(1);
    }
}

/* Whole operations on random inputs: keys, signatures (deterministic and with random rnd, with
 * random contexts), verification of good and corrupted signatures, expanded keys. */
static void test_sign_verify(void **state)
{
    static const int levels[3] = {44, 65, 87};

    (void)state;
    for (int iter = 0; iter < 12; iter++) {
        int level = levels[iter % 3];
        size_t pklen = postq_mldsa_pk_bytes(level), sklen = postq_mldsa_sk_bytes(level);
        size_t siglen = postq_mldsa_sig_bytes(level);
        static uint8_t pka[POSTQ_MLDSA_PK_MAX], ska[POSTQ_MLDSA_SK_MAX];
        static uint8_t pkb[POSTQ_MLDSA_PK_MAX], skb[POSTQ_MLDSA_SK_MAX];
        static uint8_t siga[POSTQ_MLDSA_SIG_MAX], sigb[POSTQ_MLDSA_SIG_MAX];
        static struct postq_mldsa_skey skey;
        static struct postq_mldsa_vkey vk;
        uint8_t seed[32], rnd[32], ctx[16], msg[200];
        size_t msglen = (size_t)(rng() % sizeof(msg)), ctxlen = (size_t)(rng() % sizeof(ctx));

        rnd_bytes(seed, sizeof(seed));
        rnd_bytes(rnd, sizeof(rnd));
        rnd_bytes(ctx, sizeof(ctx));
        rnd_bytes(msg, sizeof(msg));

        postq_cpu_set_avx2(1);
        assert_int_equal(postq_mldsa_keygen(level, seed, pka, ska), POSTQ_OK);
        postq_cpu_set_avx2(0);
        assert_int_equal(postq_mldsa_keygen(level, seed, pkb, skb), POSTQ_OK);
        assert_memory_equal(pka, pkb, pklen);
        assert_memory_equal(ska, skb, sklen);

        for (int det = 0; det < 2; det++) {
            const uint8_t *r = det ? NULL : rnd;
            postq_cpu_set_avx2(1);
            assert_int_equal(postq_mldsa_sign(level, ska, msg, msglen, ctx, ctxlen, r, siga),
                             POSTQ_OK);
            postq_cpu_set_avx2(0);
            assert_int_equal(postq_mldsa_sign(level, ska, msg, msglen, ctx, ctxlen, r, sigb),
                             POSTQ_OK);
            assert_memory_equal(siga, sigb, siglen);
            /* The expanded signing key on either path gives the same signature again. */
            for (int path = 0; path < 2; path++) {
                postq_cpu_set_avx2(path);
                assert_int_equal(postq_mldsa_skey_init(&skey, level, ska), POSTQ_OK);
                assert_int_equal(postq_mldsa_sign_skey(&skey, msg, msglen, ctx, ctxlen, r, sigb),
                                 POSTQ_OK);
                assert_memory_equal(siga, sigb, siglen);
            }
        }
        postq_mldsa_skey_wipe(&skey);

        /* Verification: the good signature and corrupted ones, same verdict on both paths. */
        for (int k = 0; k < 8; k++) {
            int va, vb, vka;
            memcpy(sigb, siga, siglen);
            if (k > 0) {
                sigb[rng() % siglen] ^= (uint8_t)(1u << (rng() % 8));
            }
            postq_cpu_set_avx2(1);
            va = postq_mldsa_verify(level, pka, msg, msglen, ctx, ctxlen, sigb, siglen);
            assert_int_equal(postq_mldsa_vkey_init(&vk, level, pka), POSTQ_OK);
            vka = postq_mldsa_verify_vkey(&vk, msg, msglen, ctx, ctxlen, sigb, siglen);
            postq_cpu_set_avx2(0);
            vb = postq_mldsa_verify(level, pka, msg, msglen, ctx, ctxlen, sigb, siglen);
            assert_int_equal(va, vb);
            assert_int_equal(va, vka);
            /* An expanded key made on one path serves the other. */
            assert_int_equal(postq_mldsa_verify_vkey(&vk, msg, msglen, ctx, ctxlen, sigb, siglen),
                             va);
            if (k == 0) {
                assert_int_equal(va, POSTQ_OK);
            }
        }
        postq_cpu_set_avx2(1);
    }
}

/* ML-DSA-65 key generation on the AVX2 path draws ExpandA's last two polynomials and s2[2..5]
 * in one 4-way call, s2[2] and s2[3] in two blocks each before their lanes restart with s2[4]
 * and s2[5]. These seeds (xi = the number little-endian, then zeros) were found by search so
 * that one of those streams needs a third block: s2[2] (nonce 7: its sponge continues alone),
 * s2[4] (nonce 9) and s2[5] (nonce 10). Both paths must give the same keys. */
static void test_keygen_third_blocks(void **state)
{
    static const uint32_t seeds[] = {34997, 10063, 28918};
    static uint8_t pka[POSTQ_MLDSA_PK_MAX], ska[POSTQ_MLDSA_SK_MAX];
    static uint8_t pkb[POSTQ_MLDSA_PK_MAX], skb[POSTQ_MLDSA_SK_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        uint8_t seed[32] = {0};

        seed[0] = (uint8_t)seeds[i];
        seed[1] = (uint8_t)(seeds[i] >> 8);
        seed[2] = (uint8_t)(seeds[i] >> 16);
        postq_cpu_set_avx2(1);
        assert_int_equal(postq_mldsa_keygen(65, seed, pka, ska), POSTQ_OK);
        postq_cpu_set_avx2(0);
        assert_int_equal(postq_mldsa_keygen(65, seed, pkb, skb), POSTQ_OK);
        postq_cpu_set_avx2(1);
        assert_memory_equal(pka, pkb, 1952);
        assert_memory_equal(ska, skb, 4032);
    }
}

static void test_hybrid_skey(void **state)
{
    static const char *algs[3] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};

    (void)state;
    for (unsigned i = 0; i < 3; i++) {
        static struct postq_hybrid_skey skey;
        static uint8_t pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX];
        static uint8_t siga[POSTQ_HYBRID_SIG_MAX], sigb[POSTQ_HYBRID_SIG_MAX];
        size_t pklen, sklen, siglen;
        uint8_t rnd[32], msg[100];

        assert_int_equal(postq_hybrid_sizes(algs[i], &pklen, &sklen, &siglen), POSTQ_OK);
        rnd_bytes(sk, sklen);
        rnd_bytes(rnd, sizeof(rnd));
        rnd_bytes(msg, sizeof(msg));
        assert_int_equal(postq_hybrid_public_key(algs[i], sk, pk), POSTQ_OK);
        assert_int_equal(postq_hybrid_sign_rnd(algs[i], sk, msg, sizeof(msg), NULL, 0, rnd, siga),
                         POSTQ_OK);
        for (int path = 0; path < 2; path++) {
            postq_cpu_set_avx2(path);
            assert_int_equal(postq_hybrid_skey_init(&skey, algs[i], sk), POSTQ_OK);
            assert_memory_equal(skey.pk, pk, pklen);
            assert_int_equal(skey.pk_len, pklen);
            assert_int_equal(
                postq_hybrid_sign_skey_rnd(&skey, msg, sizeof(msg), NULL, 0, rnd, sigb), POSTQ_OK);
            assert_memory_equal(siga, sigb, siglen);
            assert_int_equal(postq_hybrid_sign_skey(&skey, msg, sizeof(msg), NULL, 0, sigb),
                             POSTQ_OK);
            assert_int_equal(
                postq_hybrid_verify(algs[i], pk, msg, sizeof(msg), NULL, 0, sigb, siglen),
                POSTQ_OK);
        }
        postq_hybrid_skey_wipe(&skey);
        assert_null(skey.alg);
        assert_int_equal(postq_hybrid_sign_skey(&skey, msg, sizeof(msg), NULL, 0, sigb),
                         POSTQ_E_ARG);
    }
    /* Unknown alg and NULL arguments. */
    {
        static struct postq_hybrid_skey skey;
        uint8_t sk[64] = {0};
        assert_int_equal(postq_hybrid_skey_init(&skey, "nope", sk), POSTQ_E_UNSUPPORTED);
        assert_null(skey.alg);
        assert_int_equal(postq_hybrid_skey_init(&skey, "mldsa65+ed25519", NULL), POSTQ_E_ARG);
        assert_int_equal(postq_hybrid_skey_init(NULL, "mldsa65+ed25519", sk), POSTQ_E_ARG);
        assert_int_equal(postq_hybrid_sign_skey(NULL, sk, 1, NULL, 0, sk), POSTQ_E_ARG);
    }
    postq_cpu_set_avx2(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),  cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_samplers),    cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_hybrid_skey),
        cmocka_unit_test(test_keygen_third_blocks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
