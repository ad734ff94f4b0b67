/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA edge and negative cases [FIPS 204]: argument checks, lengths, malformed signatures
 * and hints (Alg. 21), invalid private keys, hedged vs deterministic signing, external mu,
 * plus exhaustive and algebraic checks of the arithmetic (Decompose, NTT, hints). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postq/mldsa.h>

#include "crypto/keccak.h"
#include "crypto/mldsa/packing.h"
#include "crypto/mldsa/params.h"
#include "crypto/mldsa/poly.h"
#include "crypto/mldsa/sign.h"
#include "testlib.h"

static const int levels[3] = {44, 65, 87};

/* A key pair, its expanded verification key and one signature over msg with ctx, per level. */
struct fixture {
    int level;
    const struct postq_mldsa_params *p;
    struct postq_mldsa_vkey vk;
    uint8_t pk[POSTQ_MLDSA_PK_MAX];
    uint8_t sk[POSTQ_MLDSA_SK_MAX];
    uint8_t sig[POSTQ_MLDSA_SIG_MAX];
    size_t pklen, sklen, siglen;
};

static const uint8_t msg[] = "PostQ: attested signing";
static const uint8_t ctx[] = "ctx";

/* xorshift64: reproducible test data. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)rng();
    }
}

static void make_fixture(struct fixture *f, int level, uint8_t seed_byte)
{
    uint8_t seed[32];

    memset(f, 0, sizeof(*f));
    memset(seed, seed_byte, sizeof(seed));
    f->level = level;
    f->p = postq_mldsa_params_get(level);
    assert_non_null(f->p);
    f->pklen = postq_mldsa_pk_bytes(level);
    f->sklen = postq_mldsa_sk_bytes(level);
    f->siglen = postq_mldsa_sig_bytes(level);
    assert_int_equal(postq_mldsa_keygen(level, seed, f->pk, f->sk), POSTQ_OK);
    assert_int_equal(postq_mldsa_sign(level, f->sk, msg, sizeof(msg), ctx, sizeof(ctx), NULL,
                                      f->sig),
                     POSTQ_OK);
    assert_int_equal(postq_mldsa_verify(level, f->pk, msg, sizeof(msg), ctx, sizeof(ctx), f->sig,
                                        f->siglen),
                     POSTQ_OK);
    assert_int_equal(postq_mldsa_vkey_init(&f->vk, level, f->pk), POSTQ_OK);
}

/* Verifies sig over (msg, ctx) under pk and under the expanded key, which must give the same
 * answer (so every malformed-signature test below covers both paths); returns it. */
static int verify_fixture_sig(const struct fixture *f, const uint8_t *sig, size_t siglen)
{
    int rc = postq_mldsa_verify(f->level, f->pk, msg, sizeof(msg), ctx, sizeof(ctx), sig, siglen);
    assert_int_equal(postq_mldsa_verify_vkey(&f->vk, msg, sizeof(msg), ctx, sizeof(ctx), sig,
                                             siglen),
                     rc);
    return rc;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

/* ---- Sizes and arguments --------------------------------------------------------------------- */

static void test_sizes(void **state)
{
    static const int bad[] = {0, 2, 3, 5, 43, 45, 64, 66, 86, 88, -44, 1000};
    (void)state;
    assert_int_equal(postq_mldsa_pk_bytes(44), POSTQ_MLDSA44_PK_BYTES);
    assert_int_equal(postq_mldsa_sk_bytes(44), POSTQ_MLDSA44_SK_BYTES);
    assert_int_equal(postq_mldsa_sig_bytes(44), POSTQ_MLDSA44_SIG_BYTES);
    assert_int_equal(postq_mldsa_pk_bytes(65), POSTQ_MLDSA65_PK_BYTES);
    assert_int_equal(postq_mldsa_sk_bytes(65), POSTQ_MLDSA65_SK_BYTES);
    assert_int_equal(postq_mldsa_sig_bytes(65), POSTQ_MLDSA65_SIG_BYTES);
    assert_int_equal(postq_mldsa_pk_bytes(87), POSTQ_MLDSA87_PK_BYTES);
    assert_int_equal(postq_mldsa_sk_bytes(87), POSTQ_MLDSA87_SK_BYTES);
    assert_int_equal(postq_mldsa_sig_bytes(87), POSTQ_MLDSA87_SIG_BYTES);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(postq_mldsa_pk_bytes(bad[i]), 0);
        assert_int_equal(postq_mldsa_sk_bytes(bad[i]), 0);
        assert_int_equal(postq_mldsa_sig_bytes(bad[i]), 0);
    }
    /* The layout formulas of packing.h agree with the table. */
    for (size_t i = 0; i < 3; i++) {
        const struct postq_mldsa_params *p = postq_mldsa_params_get(levels[i]);
        assert_int_equal(p->pk_bytes, 32 + 320 * p->k);
        assert_int_equal(p->sk_bytes, 128 + 32 * p->eta_bits * (p->k + p->l) + 416 * p->k);
        assert_int_equal(p->sig_bytes, p->ctilde_bytes + 32 * p->z_bits * p->l + p->omega + p->k);
        assert_int_equal(p->beta, (int32_t)p->tau * p->eta);
    }
}

static void test_bad_level(void **state)
{
    static const int bad[] = {0, 43, 66, 88, -1};
    uint8_t seed[32] = {0};
    uint8_t mu[64] = {0};
    static uint8_t pk[POSTQ_MLDSA_PK_MAX], sk[POSTQ_MLDSA_SK_MAX], sig[POSTQ_MLDSA_SIG_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int l = bad[i];
        assert_int_equal(postq_mldsa_keygen(l, seed, pk, sk), POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_sign(l, sk, msg, sizeof(msg), NULL, 0, NULL, sig),
                         POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_sign_internal(l, sk, msg, sizeof(msg), NULL, sig),
                         POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_sign_mu(l, sk, mu, NULL, sig), POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_verify(l, pk, msg, sizeof(msg), NULL, 0, sig, 2420),
                         POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_verify_internal(l, pk, msg, sizeof(msg), sig, 2420),
                         POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_verify_mu(l, pk, mu, sig, 2420), POSTQ_E_UNSUPPORTED);
        assert_int_equal(postq_mldsa_pk_from_sk(l, sk, pk), POSTQ_E_UNSUPPORTED);
    }
}

static void test_null_args(void **state)
{
    static struct fixture f;
    uint8_t seed[32] = {1};
    uint8_t mu[64] = {0};
    uint8_t sig[POSTQ_MLDSA_SIG_MAX];
    (void)state;
    make_fixture(&f, 44, 7);

    assert_int_equal(postq_mldsa_keygen(44, NULL, f.pk, f.sk), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_keygen(44, seed, NULL, f.sk), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_keygen(44, seed, f.pk, NULL), POSTQ_E_ARG);

    /* Sign: a NULL pointer is POSTQ_E_ARG and the signature buffer is zeroed. */
    memset(sig, 0xAA, sizeof(sig));
    assert_int_equal(postq_mldsa_sign(44, NULL, msg, sizeof(msg), NULL, 0, NULL, sig),
                     POSTQ_E_ARG);
    assert_true(all_zero(sig, f.siglen));
    memset(sig, 0xAA, sizeof(sig));
    assert_int_equal(postq_mldsa_sign(44, f.sk, NULL, 1, NULL, 0, NULL, sig), POSTQ_E_ARG);
    assert_true(all_zero(sig, f.siglen));
    memset(sig, 0xAA, sizeof(sig));
    assert_int_equal(postq_mldsa_sign(44, f.sk, msg, sizeof(msg), NULL, 1, NULL, sig),
                     POSTQ_E_ARG);
    assert_true(all_zero(sig, f.siglen));
    assert_int_equal(postq_mldsa_sign(44, f.sk, msg, sizeof(msg), NULL, 0, NULL, NULL),
                     POSTQ_E_ARG);
    memset(sig, 0xAA, sizeof(sig));
    assert_int_equal(postq_mldsa_sign_internal(44, f.sk, NULL, 5, NULL, sig), POSTQ_E_ARG);
    assert_true(all_zero(sig, f.siglen));
    assert_int_equal(postq_mldsa_sign_internal(44, NULL, msg, 5, NULL, sig), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_sign_internal(44, f.sk, msg, 5, NULL, NULL), POSTQ_E_ARG);
    memset(sig, 0xAA, sizeof(sig));
    assert_int_equal(postq_mldsa_sign_mu(44, f.sk, NULL, NULL, sig), POSTQ_E_ARG);
    assert_true(all_zero(sig, f.siglen));
    assert_int_equal(postq_mldsa_sign_mu(44, NULL, mu, NULL, sig), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_sign_mu(44, f.sk, mu, NULL, NULL), POSTQ_E_ARG);

    /* Empty message and context may be NULL. */
    assert_int_equal(postq_mldsa_sign(44, f.sk, NULL, 0, NULL, 0, NULL, sig), POSTQ_OK);
    assert_int_equal(postq_mldsa_verify(44, f.pk, NULL, 0, NULL, 0, sig, f.siglen), POSTQ_OK);
    assert_int_equal(postq_mldsa_sign_internal(44, f.sk, NULL, 0, NULL, sig), POSTQ_OK);
    assert_int_equal(postq_mldsa_verify_internal(44, f.pk, NULL, 0, sig, f.siglen), POSTQ_OK);

    assert_int_equal(postq_mldsa_verify(44, NULL, msg, sizeof(msg), ctx, sizeof(ctx), f.sig,
                                        f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify(44, f.pk, msg, sizeof(msg), ctx, sizeof(ctx), NULL,
                                        f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify(44, f.pk, NULL, 3, ctx, sizeof(ctx), f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify(44, f.pk, msg, sizeof(msg), NULL, 3, f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_internal(44, NULL, msg, 1, f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_internal(44, f.pk, NULL, 1, f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_internal(44, f.pk, msg, 1, NULL, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_mu(44, f.pk, NULL, f.sig, f.siglen), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_mu(44, NULL, mu, f.sig, f.siglen), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_mu(44, f.pk, mu, NULL, f.siglen), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_pk_from_sk(44, NULL, f.pk), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_pk_from_sk(44, f.sk, NULL), POSTQ_E_ARG);
}

static void test_ctx_length(void **state)
{
    static struct fixture f;
    uint8_t big[256];
    uint8_t sig[POSTQ_MLDSA_SIG_MAX];
    (void)state;
    make_fixture(&f, 65, 9);
    fill(big, sizeof(big));

    assert_int_equal(postq_mldsa_sign(65, f.sk, msg, sizeof(msg), big, 255, NULL, sig), POSTQ_OK);
    assert_int_equal(postq_mldsa_verify(65, f.pk, msg, sizeof(msg), big, 255, sig, f.siglen),
                     POSTQ_OK);
    /* The context is bound: one byte less does not verify. */
    assert_int_equal(postq_mldsa_verify(65, f.pk, msg, sizeof(msg), big, 254, sig, f.siglen),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_mldsa_verify(65, f.pk, msg, sizeof(msg), big, 256, sig, f.siglen),
                     POSTQ_E_LENGTH);
    memset(sig, 0xAA, sizeof(sig));
    assert_int_equal(postq_mldsa_sign(65, f.sk, msg, sizeof(msg), big, 256, NULL, sig),
                     POSTQ_E_LENGTH);
    assert_true(all_zero(sig, f.siglen));
    assert_int_equal(postq_mldsa_sign(65, f.sk, msg, sizeof(msg), big, (size_t)-1, NULL, sig),
                     POSTQ_E_LENGTH);
}

/* ---- Malformed signatures -------------------------------------------------------------------- */

static void test_sig_truncated_and_long(void **state)
{
    static struct fixture f;
    static uint8_t longer[POSTQ_MLDSA_SIG_MAX + 1];
    (void)state;
    for (size_t li = 0; li < 3; li++) {
        make_fixture(&f, levels[li], 3);
        for (size_t n = 0; n < f.siglen; n++) {
            assert_int_equal(verify_fixture_sig(&f, f.sig, n), POSTQ_E_INVALID);
        }
        memcpy(longer, f.sig, f.siglen);
        longer[f.siglen] = 0;
        assert_int_equal(verify_fixture_sig(&f, longer, f.siglen + 1), POSTQ_E_INVALID);
        assert_int_equal(verify_fixture_sig(&f, longer, f.siglen), POSTQ_OK);
    }
}

static void test_sig_bit_flips(void **state)
{
    static struct fixture f;
    static uint8_t bad[POSTQ_MLDSA_SIG_MAX];
    unsigned flips = 0;
    (void)state;
    for (size_t li = 0; li < 3; li++) {
        make_fixture(&f, levels[li], 4);
        /* One flipped bit in every byte (the bit position rotates), covering c-tilde, every
         * z coefficient's bytes and the whole hint section. */
        for (size_t i = 0; i < f.siglen; i++) {
            memcpy(bad, f.sig, f.siglen);
            bad[i] ^= (uint8_t)(1u << ((i + li) % 8));
            assert_int_equal(verify_fixture_sig(&f, bad, f.siglen), POSTQ_E_INVALID);
            flips++;
        }
        /* Every bit of c-tilde. */
        for (size_t i = 0; i < 8 * f.p->ctilde_bytes; i++) {
            memcpy(bad, f.sig, f.siglen);
            bad[i / 8] ^= (uint8_t)(1u << (i % 8));
            assert_int_equal(verify_fixture_sig(&f, bad, f.siglen), POSTQ_E_INVALID);
            flips++;
        }
    }
    printf("# ML-DSA: %u single-bit flips of valid signatures all rejected\n", flips);
}

/* Offset of the hint section y[0 .. omega + k) in a signature [Alg. 26]. */
static size_t hint_offset(const struct postq_mldsa_params *p)
{
    return p->ctilde_bytes + 32 * (size_t)p->z_bits * p->l;
}

/* Checks that a hint section edit is caught by sigDecode itself, and by verify. */
static void expect_malformed(const struct fixture *f, const uint8_t *sig)
{
    static struct postq_mldsa_poly z[POSTQ_MLDSA_L_MAX];
    static uint8_t h[POSTQ_MLDSA_K_MAX][POSTQ_MLDSA_N];
    assert_int_equal(postq_mldsa_sig_decode(f->p, z, h, sig), -1);
    assert_int_equal(verify_fixture_sig(f, sig, f->siglen), POSTQ_E_INVALID);
}

static void test_malformed_hints(void **state)
{
    static struct fixture f;
    static uint8_t bad[POSTQ_MLDSA_SIG_MAX];
    static struct postq_mldsa_poly z[POSTQ_MLDSA_L_MAX];
    static uint8_t h[POSTQ_MLDSA_K_MAX][POSTQ_MLDSA_N];
    (void)state;
    for (size_t li = 0; li < 3; li++) {
        const struct postq_mldsa_params *p;
        const uint8_t *y;
        size_t off;
        unsigned total;
        int tested_order = 0;
        uint8_t seed_byte = 20;

        make_fixture(&f, levels[li], seed_byte);
        p = f.p;
        off = hint_offset(p);
        y = f.sig + off;
        total = y[p->omega + p->k - 1];
        assert_int_equal(postq_mldsa_sig_decode(p, z, h, f.sig), 0);
        assert_true(total > 0 && total < p->omega);

        /* Indices not strictly increasing within a polynomial: swap or repeat two. */
        for (unsigned i = 0; i < p->k; i++) {
            unsigned first = i == 0 ? 0 : y[p->omega + i - 1];
            unsigned end = y[p->omega + i];
            if (end - first >= 2) {
                memcpy(bad, f.sig, f.siglen);
                bad[off + first] = y[first + 1];
                bad[off + first + 1] = y[first];
                expect_malformed(&f, bad);
                memcpy(bad, f.sig, f.siglen);
                bad[off + first + 1] = y[first];
                expect_malformed(&f, bad);
                tested_order = 1;
            }
        }
        assert_true(tested_order);
        /* Across a polynomial boundary indices may decrease: that stays well formed. */

        /* Cumulative count above omega. */
        memcpy(bad, f.sig, f.siglen);
        bad[off + p->omega + p->k - 1] = (uint8_t)(p->omega + 1);
        expect_malformed(&f, bad);
        memcpy(bad, f.sig, f.siglen);
        bad[off + p->omega + p->k - 1] = 0xFF;
        expect_malformed(&f, bad);

        /* Count bytes decreasing. */
        for (unsigned i = 1; i < p->k; i++) {
            if (y[p->omega + i - 1] > 0) {
                memcpy(bad, f.sig, f.siglen);
                bad[off + p->omega + i] = (uint8_t)(y[p->omega + i - 1] - 1);
                expect_malformed(&f, bad);
                break;
            }
        }

        /* Nonzero padding after the last index, at the first and the last unused slot. */
        memcpy(bad, f.sig, f.siglen);
        bad[off + total] = 1;
        expect_malformed(&f, bad);
        memcpy(bad, f.sig, f.siglen);
        bad[off + p->omega - 1] = 0x80;
        expect_malformed(&f, bad);
    }
}

static void test_z_out_of_range(void **state)
{
    static struct fixture f;
    static uint8_t bad[POSTQ_MLDSA_SIG_MAX];
    static struct postq_mldsa_poly z[POSTQ_MLDSA_L_MAX];
    static uint8_t h[POSTQ_MLDSA_K_MAX][POSTQ_MLDSA_N];
    struct postq_mldsa_poly t;
    (void)state;
    for (size_t li = 0; li < 3; li++) {
        const struct postq_mldsa_params *p;
        int32_t bound;

        make_fixture(&f, levels[li], 5);
        p = f.p;
        bound = p->gamma1 - p->beta;

        /* The norm check itself, at the boundary: |z| = gamma1 - beta - 1 passes, gamma1 - beta
         * fails, on either sign and at any position. */
        memset(&t, 0, sizeof(t));
        t.c[17] = bound - 1;
        t.c[200] = -(bound - 1);
        assert_int_equal(postq_mldsa_poly_chknorm(&t, bound), 0);
        t.c[255] = bound;
        assert_int_equal(postq_mldsa_poly_chknorm(&t, bound), 0xFFFFFFFFu);
        t.c[255] = -bound;
        assert_int_equal(postq_mldsa_poly_chknorm(&t, bound), 0xFFFFFFFFu);

        /* A signature whose z has one coefficient at gamma1 - beta, or at the extremes of the
         * encoding (gamma1 and -gamma1 + 1), is invalid. */
        for (int which = 0; which < 3; which++) {
            int32_t v = which == 0 ? bound : which == 1 ? p->gamma1 : -p->gamma1 + 1;
            assert_int_equal(postq_mldsa_sig_decode(p, z, h, f.sig), 0);
            z[p->l - 1].c[which * 100] = v;
            memcpy(bad, f.sig, f.siglen);
            postq_mldsa_sig_encode(p, bad, f.sig, z, (const uint8_t(*)[POSTQ_MLDSA_N])h);
            assert_int_equal(verify_fixture_sig(&f, bad, f.siglen), POSTQ_E_INVALID);
        }
        /* Re-encoding the decoded signature unchanged gives the same bytes (and verifies). */
        assert_int_equal(postq_mldsa_sig_decode(p, z, h, f.sig), 0);
        postq_mldsa_sig_encode(p, bad, f.sig, z, (const uint8_t(*)[POSTQ_MLDSA_N])h);
        assert_memory_equal(bad, f.sig, f.siglen);
    }
}

static void test_wrong_pk_and_message(void **state)
{
    static struct fixture a, b;
    (void)state;
    for (size_t li = 0; li < 3; li++) {
        make_fixture(&a, levels[li], 11);
        make_fixture(&b, levels[li], 12);
        assert_int_equal(postq_mldsa_verify(a.level, b.pk, msg, sizeof(msg), ctx, sizeof(ctx),
                                            a.sig, a.siglen),
                         POSTQ_E_INVALID);
        assert_int_equal(postq_mldsa_verify(a.level, a.pk, msg, sizeof(msg) - 1, ctx,
                                            sizeof(ctx), a.sig, a.siglen),
                         POSTQ_E_INVALID);
        assert_int_equal(postq_mldsa_verify(a.level, a.pk, msg, sizeof(msg), NULL, 0, a.sig,
                                            a.siglen),
                         POSTQ_E_INVALID);
        /* A signature from another level has the wrong length there. */
        assert_int_equal(postq_mldsa_verify(levels[(li + 1) % 3], a.pk, msg, sizeof(msg), ctx,
                                            sizeof(ctx), a.sig, a.siglen),
                         POSTQ_E_INVALID);
    }
}

/* ---- Private keys ---------------------------------------------------------------------------- */

/* Writes the stored value v into the 3- or 4-bit slot of coefficient idx of the eta-packed
 * polynomial at sk + off. */
static void set_eta_slot(uint8_t *sk, size_t off, unsigned bits, unsigned idx, unsigned v)
{
    unsigned bit = idx * bits;
    for (unsigned b = 0; b < bits; b++, bit++) {
        uint8_t mask = (uint8_t)(1u << (bit % 8));
        if ((v >> b) & 1) {
            sk[off + bit / 8] |= mask;
        } else {
            sk[off + bit / 8] &= (uint8_t)~mask;
        }
    }
}

static void test_sk_out_of_range(void **state)
{
    static struct fixture f;
    static uint8_t bad[POSTQ_MLDSA_SK_MAX];
    uint8_t sig[POSTQ_MLDSA_SIG_MAX];
    uint8_t pk[POSTQ_MLDSA_PK_MAX];
    uint8_t mu[64] = {0};
    unsigned cases = 0;
    (void)state;
    for (size_t li = 0; li < 3; li++) {
        const struct postq_mldsa_params *p;
        size_t poly_bytes;

        make_fixture(&f, levels[li], 13);
        p = f.p;
        poly_bytes = 32 * (size_t)p->eta_bits;
        /* Every out-of-range stored value (2 eta + 1 .. 2^bits - 1), in the first polynomial
         * of s1, the last of s1, the first of s2 and the last of s2, at coefficients 0, 101
         * and 255. */
        for (unsigned which = 0; which < 4; which++) {
            /* s1[0], s1[l - 1], s2[0], s2[k - 1] */
            const size_t polys[4] = {0, p->l - 1, p->l, p->l + p->k - 1};
            size_t off = 128 + polys[which] * poly_bytes;
            for (unsigned v = 2 * (unsigned)p->eta + 1; v < (1u << p->eta_bits); v++) {
                for (unsigned idx = 0; idx < 256; idx += (idx == 0 ? 101 : 154)) {
                    memcpy(bad, f.sk, f.sklen);
                    set_eta_slot(bad, off, p->eta_bits, idx, v);
                    memset(sig, 0xAA, sizeof(sig));
                    assert_int_equal(postq_mldsa_sign(f.level, bad, msg, sizeof(msg), NULL, 0,
                                                      NULL, sig),
                                     POSTQ_E_KEY_INVALID);
                    assert_true(all_zero(sig, f.siglen));
                    assert_int_equal(postq_mldsa_sign_mu(f.level, bad, mu, NULL, sig),
                                     POSTQ_E_KEY_INVALID);
                    assert_int_equal(postq_mldsa_pk_from_sk(f.level, bad, pk),
                                     POSTQ_E_KEY_INVALID);
                    cases++;
                }
            }
            /* The largest in-range value (coefficient -eta) is accepted. */
            memcpy(bad, f.sk, f.sklen);
            set_eta_slot(bad, off, p->eta_bits, 0, 2 * (unsigned)p->eta);
            assert_int_equal(postq_mldsa_sign(f.level, bad, msg, sizeof(msg), NULL, 0, NULL, sig),
                             POSTQ_OK);
        }
        /* pk_from_sk recovers the keygen public key. */
        assert_int_equal(postq_mldsa_pk_from_sk(f.level, f.sk, pk), POSTQ_OK);
        assert_memory_equal(pk, f.pk, f.pklen);
    }
    printf("# ML-DSA: %u private keys with an s1/s2 coefficient out of range refused\n", cases);
}

/* ---- Signing modes --------------------------------------------------------------------------- */

static void test_deterministic_and_hedged(void **state)
{
    static struct fixture f;
    static const uint8_t zero[32] = {0};
    uint8_t r1[32], r2[32];
    uint8_t a[POSTQ_MLDSA_SIG_MAX], b[POSTQ_MLDSA_SIG_MAX];
    (void)state;
    fill(r1, sizeof(r1));
    fill(r2, sizeof(r2));
    for (size_t li = 0; li < 3; li++) {
        make_fixture(&f, levels[li], 14);
        /* rnd = NULL is rnd = 0^32. */
        assert_int_equal(postq_mldsa_sign(f.level, f.sk, msg, sizeof(msg), ctx, sizeof(ctx),
                                          zero, a),
                         POSTQ_OK);
        assert_memory_equal(a, f.sig, f.siglen);
        /* Deterministic signing repeats itself. */
        assert_int_equal(postq_mldsa_sign(f.level, f.sk, msg, sizeof(msg), ctx, sizeof(ctx),
                                          NULL, b),
                         POSTQ_OK);
        assert_memory_equal(b, f.sig, f.siglen);
        /* Hedged: two rnd give two different signatures, both valid. */
        assert_int_equal(postq_mldsa_sign(f.level, f.sk, msg, sizeof(msg), ctx, sizeof(ctx), r1,
                                          a),
                         POSTQ_OK);
        assert_int_equal(postq_mldsa_sign(f.level, f.sk, msg, sizeof(msg), ctx, sizeof(ctx), r2,
                                          b),
                         POSTQ_OK);
        assert_memory_not_equal(a, b, f.siglen);
        assert_memory_not_equal(a, f.sig, f.siglen);
        assert_int_equal(verify_fixture_sig(&f, a, f.siglen), POSTQ_OK);
        assert_int_equal(verify_fixture_sig(&f, b, f.siglen), POSTQ_OK);
    }
}

static void test_round_trips(void **state)
{
    static const size_t msg_lens[] = {0, 1, 135, 136, 137, 1000, 5000};
    static const size_t ctx_lens[] = {0, 1, 32, 255};
    static uint8_t m[5000], c[255];
    uint8_t seed[32], rnd[32];
    static uint8_t pk[POSTQ_MLDSA_PK_MAX], sk[POSTQ_MLDSA_SK_MAX], sig[POSTQ_MLDSA_SIG_MAX];
    unsigned n = 0;
    (void)state;
    fill(m, sizeof(m));
    fill(c, sizeof(c));
    for (size_t li = 0; li < 3; li++) {
        int level = levels[li];
        size_t siglen = postq_mldsa_sig_bytes(level);
        fill(seed, sizeof(seed));
        assert_int_equal(postq_mldsa_keygen(level, seed, pk, sk), POSTQ_OK);
        for (size_t mi = 0; mi < sizeof(msg_lens) / sizeof(msg_lens[0]); mi++) {
            for (size_t ci = 0; ci < sizeof(ctx_lens) / sizeof(ctx_lens[0]); ci++) {
                fill(rnd, sizeof(rnd));
                assert_int_equal(postq_mldsa_sign(level, sk, m, msg_lens[mi], c, ctx_lens[ci],
                                                  rnd, sig),
                                 POSTQ_OK);
                assert_int_equal(postq_mldsa_verify(level, pk, m, msg_lens[mi], c, ctx_lens[ci],
                                                    sig, siglen),
                                 POSTQ_OK);
                /* Pure signatures are not HashML-DSA or internal ones: domain separation. */
                assert_int_equal(postq_mldsa_verify_internal(level, pk, m, msg_lens[mi], sig,
                                                             siglen),
                                 POSTQ_E_INVALID);
                n++;
            }
        }
    }
    printf("# ML-DSA: %u sign/verify round trips with contexts passed\n", n);
}

/* mu = H(H(pk, 64) || M', 64), computed here with the Keccak API [FIPS 204 Alg. 7 step 6]. */
static void compute_mu(uint8_t mu[64], const uint8_t *pk, size_t pklen, const uint8_t *pre,
                       size_t prelen, const uint8_t *m, size_t mlen)
{
    struct postq_keccak h;
    uint8_t tr[64];

    postq_shake256(tr, sizeof(tr), pk, pklen);
    postq_shake256_init(&h);
    postq_keccak_absorb(&h, tr, sizeof(tr));
    postq_keccak_absorb(&h, pre, prelen);
    postq_keccak_absorb(&h, m, mlen);
    postq_keccak_squeeze(&h, mu, 64);
}

static void test_external_mu(void **state)
{
    static struct fixture f;
    uint8_t mu[64], rnd[32];
    uint8_t mprime[2 + sizeof(ctx) + sizeof(msg)];
    uint8_t a[POSTQ_MLDSA_SIG_MAX], b[POSTQ_MLDSA_SIG_MAX];
    (void)state;
    /* M' of pure ML-DSA: 0 || len(ctx) || ctx || M [Alg. 2 step 10]. */
    mprime[0] = 0;
    mprime[1] = (uint8_t)sizeof(ctx);
    memcpy(mprime + 2, ctx, sizeof(ctx));
    memcpy(mprime + 2 + sizeof(ctx), msg, sizeof(msg));
    fill(rnd, sizeof(rnd));
    for (size_t li = 0; li < 3; li++) {
        make_fixture(&f, levels[li], 15);
        compute_mu(mu, f.pk, f.pklen, mprime, 2, mprime + 2, sizeof(mprime) - 2);

        /* sign (pure) = sign_internal(M') = sign_mu(mu), deterministic and hedged. */
        assert_int_equal(postq_mldsa_sign_internal(f.level, f.sk, mprime, sizeof(mprime), NULL,
                                                   a),
                         POSTQ_OK);
        assert_memory_equal(a, f.sig, f.siglen);
        assert_int_equal(postq_mldsa_sign_mu(f.level, f.sk, mu, NULL, b), POSTQ_OK);
        assert_memory_equal(b, f.sig, f.siglen);
        assert_int_equal(postq_mldsa_sign_internal(f.level, f.sk, mprime, sizeof(mprime), rnd,
                                                   a),
                         POSTQ_OK);
        assert_int_equal(postq_mldsa_sign_mu(f.level, f.sk, mu, rnd, b), POSTQ_OK);
        assert_memory_equal(a, b, f.siglen);

        assert_int_equal(postq_mldsa_verify_mu(f.level, f.pk, mu, b, f.siglen), POSTQ_OK);
        assert_int_equal(postq_mldsa_verify_internal(f.level, f.pk, mprime, sizeof(mprime), b,
                                                     f.siglen),
                         POSTQ_OK);
        mu[63] ^= 1;
        assert_int_equal(postq_mldsa_verify_mu(f.level, f.pk, mu, b, f.siglen), POSTQ_E_INVALID);
        assert_int_equal(postq_mldsa_verify_mu(f.level, f.pk, mu, b, f.siglen - 1),
                         POSTQ_E_INVALID);
    }
}

/* ---- Expanded verification keys (crypto/mldsa/sign.h) ------------------------------------- */

/* Every argument error of the vkey functions, with the same precedence as the plain ones. */
static void test_vkey_arguments(void **state)
{
    static struct fixture f;
    static struct postq_mldsa_vkey vk;
    uint8_t mu[64] = {0};
    (void)state;
    make_fixture(&f, 44, 7);

    assert_int_equal(postq_mldsa_vkey_init(NULL, 44, f.pk), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_vkey_init(NULL, 45, f.pk), POSTQ_E_UNSUPPORTED);
    /* A failed init leaves a key that verifies nothing. */
    memset(&vk, 0xA5, sizeof(vk));
    assert_int_equal(postq_mldsa_vkey_init(&vk, 44, NULL), POSTQ_E_ARG);
    assert_int_equal(vk.level, 0);
    assert_int_equal(postq_mldsa_verify_vkey(&vk, msg, sizeof(msg), ctx, sizeof(ctx), f.sig,
                                             f.siglen),
                     postq_mldsa_verify(0, f.pk, msg, sizeof(msg), ctx, sizeof(ctx), f.sig,
                                        f.siglen));
    memset(&vk, 0xA5, sizeof(vk));
    assert_int_equal(postq_mldsa_vkey_init(&vk, 66, f.pk), POSTQ_E_UNSUPPORTED);
    assert_int_equal(postq_mldsa_verify_vkey(&vk, msg, sizeof(msg), ctx, sizeof(ctx), f.sig,
                                             f.siglen),
                     POSTQ_E_UNSUPPORTED);
    assert_int_equal(postq_mldsa_verify_mu_vkey(&vk, mu, f.sig, f.siglen), POSTQ_E_UNSUPPORTED);

    assert_int_equal(postq_mldsa_verify_vkey(NULL, msg, sizeof(msg), ctx, sizeof(ctx), f.sig,
                                             f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg), ctx, sizeof(ctx), NULL,
                                             f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_vkey(&f.vk, NULL, 3, ctx, sizeof(ctx), f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg), NULL, 3, f.sig, f.siglen),
                     POSTQ_E_ARG);
    /* NULL wins over a bad length, as in postq_mldsa_verify. */
    assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg), ctx, 256, NULL, 0),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify(44, f.pk, msg, sizeof(msg), ctx, 256, NULL, 0),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_internal_vkey(NULL, msg, 1, f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_internal_vkey(&f.vk, NULL, 1, f.sig, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_internal_vkey(&f.vk, msg, 1, NULL, f.siglen),
                     POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_mu_vkey(NULL, mu, f.sig, f.siglen), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_mu_vkey(&f.vk, NULL, f.sig, f.siglen), POSTQ_E_ARG);
    assert_int_equal(postq_mldsa_verify_mu_vkey(&f.vk, mu, NULL, f.siglen), POSTQ_E_ARG);
}

static uint8_t big_ctx[256];

/* Signs (msg, c) with f's key (c is NULL or a prefix of big_ctx) and checks the expanded key's
 * answers on good and bad contexts. */
static void vkey_check_ctx(const struct fixture *f, const uint8_t *c, size_t clen)
{
    static uint8_t sig[POSTQ_MLDSA_SIG_MAX];

    assert_int_equal(postq_mldsa_sign(f->level, f->sk, msg, sizeof(msg), c, clen, NULL, sig),
                     POSTQ_OK);
    assert_int_equal(postq_mldsa_verify_vkey(&f->vk, msg, sizeof(msg), c, clen, sig, f->siglen),
                     POSTQ_OK);
    if (clen > 0) {
        /* The context is bound: a shorter one, or its last byte changed, does not verify. */
        assert_int_equal(
            postq_mldsa_verify_vkey(&f->vk, msg, sizeof(msg), c, clen - 1, sig, f->siglen),
            POSTQ_E_INVALID);
        assert_int_equal(
            postq_mldsa_verify_vkey(&f->vk, msg, sizeof(msg), NULL, 0, sig, f->siglen),
            POSTQ_E_INVALID);
    }
    /* One byte more: invalid, or too long past 255. */
    assert_int_equal(postq_mldsa_verify_vkey(&f->vk, msg, sizeof(msg), big_ctx, clen + 1, sig,
                                             f->siglen),
                     clen + 1 > 255 ? POSTQ_E_LENGTH : POSTQ_E_INVALID);
    assert_int_equal(postq_mldsa_verify(f->level, f->pk, msg, sizeof(msg), big_ctx, clen + 1, sig,
                                        f->siglen),
                     clen + 1 > 255 ? POSTQ_E_LENGTH : POSTQ_E_INVALID);
}

static void test_vkey_matches_plain_verify(void **state)
{
    static struct fixture f, g;
    static struct postq_mldsa_vkey snapshot;
    static uint8_t bad[POSTQ_MLDSA_SIG_MAX + 1];
    uint8_t *big = big_ctx;
    uint8_t tr[64], mu[64];
    uint8_t mprime[2 + sizeof(ctx) + sizeof(msg)];
    unsigned compared = 0;
    (void)state;
    fill(big, sizeof(big));
    mprime[0] = 0;
    mprime[1] = (uint8_t)sizeof(ctx);
    memcpy(mprime + 2, ctx, sizeof(ctx));
    memcpy(mprime + 2 + sizeof(ctx), msg, sizeof(msg));
    for (size_t li = 0; li < 3; li++) {
        make_fixture(&f, levels[li], 21);
        make_fixture(&g, levels[li], 22);
        assert_int_equal(f.vk.level, f.level);
        postq_shake256(tr, sizeof(tr), f.pk, f.pklen);
        assert_memory_equal(f.vk.tr, tr, sizeof(tr));
        memcpy(&snapshot, &f.vk, sizeof(snapshot));

        /* The three interfaces accept the signature. */
        assert_int_equal(verify_fixture_sig(&f, f.sig, f.siglen), POSTQ_OK);
        assert_int_equal(postq_mldsa_verify_internal_vkey(&f.vk, mprime, sizeof(mprime), f.sig,
                                                          f.siglen),
                         POSTQ_OK);
        compute_mu(mu, f.pk, f.pklen, mprime, 2, mprime + 2, sizeof(mprime) - 2);
        assert_int_equal(postq_mldsa_verify_mu_vkey(&f.vk, mu, f.sig, f.siglen), POSTQ_OK);
        mu[0] ^= 1;
        assert_int_equal(postq_mldsa_verify_mu_vkey(&f.vk, mu, f.sig, f.siglen),
                         POSTQ_E_INVALID);
        mprime[2] ^= 1;
        assert_int_equal(postq_mldsa_verify_internal_vkey(&f.vk, mprime, sizeof(mprime), f.sig,
                                                          f.siglen),
                         POSTQ_E_INVALID);
        mprime[2] ^= 1;

        /* One bit flipped in every byte, and every length but the right one. */
        for (size_t i = 0; i < f.siglen; i++) {
            memcpy(bad, f.sig, f.siglen);
            bad[i] ^= (uint8_t)(1u << ((i + 3 * li) % 8));
            assert_int_equal(verify_fixture_sig(&f, bad, f.siglen), POSTQ_E_INVALID);
            compared++;
        }
        memcpy(bad, f.sig, f.siglen);
        bad[f.siglen] = 0;
        for (size_t n = 0; n <= f.siglen + 1; n++) {
            assert_int_equal(verify_fixture_sig(&f, bad, n),
                             n == f.siglen ? POSTQ_OK : POSTQ_E_INVALID);
            compared++;
        }
        assert_int_equal(verify_fixture_sig(&f, bad, (size_t)-1), POSTQ_E_INVALID);

        /* Wrong message, wrong context, wrong key, a key of another level. */
        assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg) - 1, ctx, sizeof(ctx),
                                                 f.sig, f.siglen),
                         POSTQ_E_INVALID);
        assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg), NULL, 0, f.sig,
                                                 f.siglen),
                         POSTQ_E_INVALID);
        assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg), big, 256, f.sig,
                                                 f.siglen),
                         POSTQ_E_LENGTH);
        assert_int_equal(postq_mldsa_verify_vkey(&f.vk, msg, sizeof(msg), big, (size_t)-1, f.sig,
                                                 f.siglen),
                         POSTQ_E_LENGTH);
        assert_int_equal(postq_mldsa_verify_vkey(&g.vk, msg, sizeof(msg), ctx, sizeof(ctx),
                                                 f.sig, f.siglen),
                         POSTQ_E_INVALID);
        assert_int_equal(postq_mldsa_verify_vkey(&g.vk, msg, sizeof(msg), ctx, sizeof(ctx),
                                                 g.sig, g.siglen),
                         POSTQ_OK);
        make_fixture(&g, levels[(li + 1) % 3], 21);
        assert_int_equal(postq_mldsa_verify_vkey(&g.vk, msg, sizeof(msg), ctx, sizeof(ctx),
                                                 f.sig, f.siglen),
                         POSTQ_E_INVALID);
        vkey_check_ctx(&f, NULL, 0);
        vkey_check_ctx(&f, big, 1);
        vkey_check_ctx(&f, big, 255);

        /* Verification only read the key. */
        assert_memory_equal(&snapshot, &f.vk, sizeof(snapshot));
    }
    printf("# ML-DSA: %u malformed or truncated signatures: the same answer under an expanded "
           "key\n",
           compared);
}

/* ---- Arithmetic ------------------------------------------------------------------------------ */

/* Decompose [Alg. 36] straight from the definition, with a division. */
static void decompose_ref(int32_t r, int32_t gamma2, int32_t *r1, int32_t *r0)
{
    int32_t m = r % (2 * gamma2);
    if (m > gamma2) {
        m -= 2 * gamma2;
    }
    if (r - m == POSTQ_MLDSA_Q - 1) {
        *r1 = 0;
        *r0 = m - 1;
    } else {
        *r1 = (r - m) / (2 * gamma2);
        *r0 = m;
    }
}

static void test_decompose_exhaustive(void **state)
{
    static const int32_t gammas[2] = {POSTQ_MLDSA_GAMMA2_88, POSTQ_MLDSA_GAMMA2_32};
    struct postq_mldsa_poly a, a1, a0, b1, b0;
    (void)state;
    for (size_t g = 0; g < 2; g++) {
        for (int32_t base = 0; base < POSTQ_MLDSA_Q; base += 256) {
            for (int32_t i = 0; i < 256; i++) {
                a.c[i] = base + i < POSTQ_MLDSA_Q ? base + i : 0;
            }
            postq_mldsa_poly_decompose(&a1, &a0, &a, gammas[g]);
            postq_mldsa_poly_decompose(&b1, NULL, &a, gammas[g]);
            postq_mldsa_poly_decompose(NULL, &b0, &a, gammas[g]);
            for (int32_t i = 0; i < 256; i++) {
                int32_t r1, r0;
                decompose_ref(a.c[i], gammas[g], &r1, &r0);
                if (a1.c[i] != r1 || a0.c[i] != r0 || b1.c[i] != r1 || b0.c[i] != r0) {
                    fail_msg("Decompose(%d) with gamma2 %d: got (%d, %d), want (%d, %d)",
                             a.c[i], gammas[g], a1.c[i], a0.c[i], r1, r0);
                }
            }
        }
    }
}

static void test_power2round_exhaustive(void **state)
{
    struct postq_mldsa_poly a, a1, a0;
    (void)state;
    for (int32_t base = 0; base < POSTQ_MLDSA_Q; base += 256) {
        for (int32_t i = 0; i < 256; i++) {
            a.c[i] = base + i < POSTQ_MLDSA_Q ? base + i : 0;
        }
        postq_mldsa_poly_power2round(&a1, &a0, &a);
        for (int32_t i = 0; i < 256; i++) {
            /* Alg. 35: r0 = r mod+- 2^13 in (-4096, 4096], r1 = (r - r0) / 2^13. */
            int32_t r0 = a.c[i] % 8192;
            if (r0 > 4096) {
                r0 -= 8192;
            }
            assert_int_equal(a0.c[i], r0);
            assert_int_equal(a1.c[i], (a.c[i] - r0) / 8192);
        }
    }
}

static int32_t mod_q(int64_t x)
{
    int64_t r = x % POSTQ_MLDSA_Q;
    return (int32_t)(r < 0 ? r + POSTQ_MLDSA_Q : r);
}

static void test_ntt_multiplication(void **state)
{
    struct postq_mldsa_poly a, b, ah, bh, r;
    int64_t want[256];
    (void)state;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 256; i++) {
            /* Full-range inputs in (-q, q), as the API allows. */
            a.c[i] = (int32_t)(rng() % (2 * POSTQ_MLDSA_Q - 1)) - (POSTQ_MLDSA_Q - 1);
            b.c[i] = (int32_t)(rng() % (2 * POSTQ_MLDSA_Q - 1)) - (POSTQ_MLDSA_Q - 1);
        }
        /* Schoolbook product in Z_q[X]/(X^256 + 1). */
        memset(want, 0, sizeof(want));
        for (int i = 0; i < 256; i++) {
            for (int j = 0; j < 256; j++) {
                int64_t prod = (int64_t)mod_q(a.c[i]) * mod_q(b.c[j]) % POSTQ_MLDSA_Q;
                if (i + j < 256) {
                    want[i + j] = (want[i + j] + prod) % POSTQ_MLDSA_Q;
                } else {
                    want[i + j - 256] = (want[i + j - 256] - prod) % POSTQ_MLDSA_Q;
                }
            }
        }
        ah = a;
        bh = b;
        postq_mldsa_poly_ntt(&ah);
        postq_mldsa_poly_ntt(&bh);
        for (int i = 0; i < 256; i++) {
            assert_true(ah.c[i] > -9 * POSTQ_MLDSA_Q && ah.c[i] < 9 * POSTQ_MLDSA_Q);
        }
        postq_mldsa_poly_pointwise(&r, &ah, &bh);
        postq_mldsa_poly_invntt_tomont(&r);
        for (int i = 0; i < 256; i++) {
            assert_true(r.c[i] > -POSTQ_MLDSA_Q && r.c[i] < POSTQ_MLDSA_Q);
            assert_int_equal(mod_q(r.c[i]), mod_q(want[i]));
        }
        /* The lazy dot product equals the sum of pointwise products. */
        {
            struct postq_mldsa_poly va[7], vb[7], d, acc, t;
            for (int j = 0; j < 7; j++) {
                for (int i = 0; i < 256; i++) {
                    va[j].c[i] = (int32_t)(rng() % POSTQ_MLDSA_Q);
                    vb[j].c[i] = (int32_t)(rng() % (18 * (uint64_t)POSTQ_MLDSA_Q - 1)) -
                                 (9 * POSTQ_MLDSA_Q - 1);
                }
            }
            postq_mldsa_poly_dot(&d, va, vb, 7);
            memset(&acc, 0, sizeof(acc));
            for (int j = 0; j < 7; j++) {
                postq_mldsa_poly_pointwise(&t, &va[j], &vb[j]);
                postq_mldsa_poly_add(&acc, &acc, &t);
            }
            for (int i = 0; i < 256; i++) {
                assert_true(d.c[i] > -POSTQ_MLDSA_Q && d.c[i] < POSTQ_MLDSA_Q);
                assert_int_equal(mod_q(d.c[i]), mod_q(acc.c[i]));
            }
        }
    }
}

/* UseHint(MakeHint(z, r), r) = HighBits(r + z) whenever ||z|| <= gamma2 [FIPS 204 §7.4]. */
static void test_hint_property(void **state)
{
    static const int32_t gammas[2] = {POSTQ_MLDSA_GAMMA2_88, POSTQ_MLDSA_GAMMA2_32};
    struct postq_mldsa_poly r, z, rz, hi, used;
    uint8_t h[256];
    (void)state;
    for (size_t g = 0; g < 2; g++) {
        for (int round = 0; round < 200; round++) {
            unsigned ones = 0;
            for (int i = 0; i < 256; i++) {
                r.c[i] = (int32_t)(rng() % POSTQ_MLDSA_Q);
                if (round % 4 == 0) {
                    /* Near the wrap-around at q - 1 and near 0. */
                    r.c[i] = i % 2 ? POSTQ_MLDSA_Q - 1 - (int32_t)(rng() % 300000)
                                   : (int32_t)(rng() % 300000);
                }
                z.c[i] = (int32_t)(rng() % (2 * (uint32_t)gammas[g] + 1)) - gammas[g];
                rz.c[i] = mod_q((int64_t)r.c[i] + z.c[i]);
            }
            ones = postq_mldsa_poly_make_hint(h, &z, &r, gammas[g]);
            postq_mldsa_poly_use_hint(&used, &r, h, gammas[g]);
            postq_mldsa_poly_decompose(&hi, NULL, &rz, gammas[g]);
            for (int i = 0; i < 256; i++) {
                assert_int_equal(used.c[i], hi.c[i]);
                ones -= h[i];
            }
            assert_int_equal(ones, 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_bad_level),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_ctx_length),
        cmocka_unit_test(test_sig_truncated_and_long),
        cmocka_unit_test(test_sig_bit_flips),
        cmocka_unit_test(test_malformed_hints),
        cmocka_unit_test(test_z_out_of_range),
        cmocka_unit_test(test_wrong_pk_and_message),
        cmocka_unit_test(test_sk_out_of_range),
        cmocka_unit_test(test_deterministic_and_hedged),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_external_mu),
        cmocka_unit_test(test_vkey_arguments),
        cmocka_unit_test(test_vkey_matches_plain_verify),
        cmocka_unit_test(test_decompose_exhaustive),
        cmocka_unit_test(test_power2round_exhaustive),
        cmocka_unit_test(test_ntt_multiplication),
        cmocka_unit_test(test_hint_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
