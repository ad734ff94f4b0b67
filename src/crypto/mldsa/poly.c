/* SPDX-License-Identifier: Apache-2.0 */
/* Portable backend of the ML-DSA polynomial layer: NTT-domain arithmetic, rounding
 * [FIPS 204 §7.4, Alg. 35-40] and sampling [FIPS 204 §7.3, Alg. 29-34] with SHAKE
 * [FIPS 202] as H (SHAKE256) and G (SHAKE128). */
#include "crypto/mldsa/poly.h"

#include <string.h>

#include "common/cpu.h"
#include "common/ct.h"
#include "common/mem.h"
#include "crypto/keccak.h"
#include "crypto/mldsa/ntt.h"
#include "crypto/mldsa/packing.h"
#include "crypto/mldsa/poly_avx2.h"
#include "crypto/mldsa/reduce.h"

#define N POSTQ_MLDSA_N
#define Q POSTQ_MLDSA_Q
#define D POSTQ_MLDSA_D

/* Each entry point hands over to the AVX2 backend (poly_avx2.c) when the CPU check allows it
 * (common/cpu.h); the two give identical results. */
#if POSTQ_MLDSA_AVX2
#define AVX2(call)                                                                                 \
    do {                                                                                           \
        if (postq_cpu_avx2()) {                                                                    \
            call;                                                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define AVX2_RET(call)                                                                             \
    do {                                                                                           \
        if (postq_cpu_avx2()) {                                                                    \
            return call;                                                                           \
        }                                                                                          \
    } while (0)
#else
#define AVX2(call)     ((void)0)
#define AVX2_RET(call) ((void)0)
#endif

/* ---- Arithmetic -------------------------------------------------------------------------- */

void postq_mldsa_poly_ntt(struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_ntt_avx2(a->c));
    postq_mldsa_ntt(a->c);
}

void postq_mldsa_poly_invntt_tomont(struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_invntt_avx2(a->c));
    postq_mldsa_invntt_tomont(a->c);
}

void postq_mldsa_poly_pointwise(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                                const struct postq_mldsa_poly *b)
{
    AVX2(postq_mldsa_pointwise_avx2(r->c, a->c, b->c));
    for (unsigned i = 0; i < N; i++) {
        r->c[i] = postq_mldsa_montgomery_reduce((int64_t)a->c[i] * b->c[i]);
    }
}

/* Sum of n products per coefficient, n a constant after inlining (the loop unrolls).
 * CT: branch-free. */
static inline void dot_n(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                         const struct postq_mldsa_poly *b, unsigned n)
{
    for (unsigned i = 0; i < N; i++) {
        int64_t acc = 0;
        for (unsigned j = 0; j < n; j++) {
            acc += (int64_t)a[j].c[i] * b[j].c[i];
        }
        r->c[i] = postq_mldsa_montgomery_reduce(acc);
    }
}

void postq_mldsa_poly_dot(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b, unsigned n)
{
    AVX2(postq_mldsa_dot_avx2(r, a, b, n));
    /* Lazy reduction: n <= 7 products of |a| < q by |b| < 9q sum to below 63 q^2 < 2^31 q,
     * within the Montgomery input range, so one reduction per coefficient suffices. The
     * widths l = 4, 5, 7 of the three parameter sets get their own copies. */
    switch (n) {
    case 4:
        dot_n(r, a, b, 4);
        break;
    case 5:
        dot_n(r, a, b, 5);
        break;
    case 7:
        dot_n(r, a, b, 7);
        break;
    default:
        dot_n(r, a, b, n);
        break;
    }
}

void postq_mldsa_poly_add(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b)
{
    AVX2(postq_mldsa_add_avx2(r->c, a->c, b->c));
    for (unsigned i = 0; i < N; i++) {
        r->c[i] = a->c[i] + b->c[i];
    }
}

void postq_mldsa_poly_sub(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b)
{
    AVX2(postq_mldsa_sub_avx2(r->c, a->c, b->c));
    for (unsigned i = 0; i < N; i++) {
        r->c[i] = a->c[i] - b->c[i];
    }
}

void postq_mldsa_poly_reduce(struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_reduce_avx2(a->c));
    for (unsigned i = 0; i < N; i++) {
        a->c[i] = postq_mldsa_reduce32(a->c[i]);
    }
}

void postq_mldsa_poly_caddq(struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_caddq_avx2(a->c));
    for (unsigned i = 0; i < N; i++) {
        a->c[i] = postq_mldsa_caddq(a->c[i]);
    }
}

void postq_mldsa_poly_freeze(struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_freeze_avx2(a->c));
    for (unsigned i = 0; i < N; i++) {
        a->c[i] = postq_mldsa_freeze(a->c[i]);
    }
}

void postq_mldsa_poly_shiftl(struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_shiftl_avx2(a->c));
    for (unsigned i = 0; i < N; i++) {
        a->c[i] = (int32_t)((uint32_t)a->c[i] << D);
    }
}

uint32_t postq_mldsa_poly_chknorm(const struct postq_mldsa_poly *a, int32_t bound)
{
    AVX2_RET(postq_mldsa_chknorm_avx2(a->c, bound));
    uint32_t bad = 0;

    for (unsigned i = 0; i < N; i++) {
        int32_t sign = a->c[i] >> 31;
        int32_t abs = (a->c[i] ^ sign) - sign;
        bad |= (uint32_t)(bound - 1 - abs) >> 31; /* abs >= bound */
    }
    return 0u - bad;
}

/* ---- Rounding ---------------------------------------------------------------------------- */

void postq_mldsa_poly_power2round(struct postq_mldsa_poly *a1, struct postq_mldsa_poly *a0,
                                  const struct postq_mldsa_poly *a)
{
    AVX2(postq_mldsa_power2round_avx2(a1->c, a0->c, a->c));
    /* Alg. 35: r0 = r mod+- 2^d in (-2^(d-1), 2^(d-1)], r1 = (r - r0) / 2^d. Rounding
     * r / 2^d half-down gives r1 directly. */
    for (unsigned i = 0; i < N; i++) {
        int32_t r = a->c[i];
        int32_t r1 = (r + (1 << (D - 1)) - 1) >> D;
        a1->c[i] = r1;
        a0->c[i] = r - (r1 << D);
    }
}

/* Decompose [Alg. 36] of r in [0, q): returns r1, stores r0.
 * r0 = r mod+- 2 gamma2 lies in (-gamma2, gamma2], so r1 = (r - r0) / (2 gamma2) =
 * floor((r + gamma2 - 1) / (2 gamma2)). The quotient comes from a multiply-shift that is exact
 * for all r < q (the unit test checks every r against the definition). Steps 3-5: when
 * r - r0 = q - 1, r1 becomes 0 and r0 drops by 1.
 * CT: no branch and no division; gamma2 is a compile-time constant after inlining. */
static inline int32_t decompose1(int32_t *r0, int32_t r, int32_t gamma2)
{
    uint64_t x = (uint64_t)(uint32_t)(r + gamma2 - 1);
    int32_t r1;
    int32_t top;
    int32_t wrap;

    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        r1 = (int32_t)((x * 2886403u) >> 39); /* 2886403 = ceil(2^39 / 190464) */
        top = 44;                             /* (q - 1) / (2 gamma2) */
    } else {
        r1 = (int32_t)((x * 16793617u) >> 43); /* 16793617 = ceil(2^43 / 523776) */
        top = 16;
    }
    /* All ones exactly when r1 == top. The barrier keeps compilers from turning the mask back
     * into a compare and branch (clang -O1 does). */
    wrap = (int32_t)postq_ct_barrier_u32((uint32_t)((top - 1 - r1) >> 31));
    *r0 = r - r1 * 2 * gamma2 + wrap;
    return r1 & ~wrap;
}

void postq_mldsa_poly_decompose(struct postq_mldsa_poly *a1, struct postq_mldsa_poly *a0,
                                const struct postq_mldsa_poly *a, int32_t gamma2)
{
    AVX2(postq_mldsa_decompose_avx2(a1 != NULL ? a1->c : NULL, a0 != NULL ? a0->c : NULL, a->c,
                                    gamma2));
    int32_t r0;
    int32_t r1;

    /* Two copies so that decompose1 sees gamma2 as a constant. */
    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        for (unsigned i = 0; i < N; i++) {
            r1 = decompose1(&r0, a->c[i], POSTQ_MLDSA_GAMMA2_88);
            if (a1 != NULL) {
                a1->c[i] = r1;
            }
            if (a0 != NULL) {
                a0->c[i] = r0;
            }
        }
    } else {
        for (unsigned i = 0; i < N; i++) {
            r1 = decompose1(&r0, a->c[i], POSTQ_MLDSA_GAMMA2_32);
            if (a1 != NULL) {
                a1->c[i] = r1;
            }
            if (a0 != NULL) {
                a0->c[i] = r0;
            }
        }
    }
}

/* One coefficient of MakeHint [Alg. 39]: 1 when HighBits(r + z) != HighBits(r).
 * CT: branch-free. */
static inline uint8_t make_hint1(int32_t z, int32_t r, int32_t gamma2)
{
    int32_t r0;
    int32_t v = postq_mldsa_caddq(postq_mldsa_reduce32(r + z)); /* r + z mod q, in [0, q) */
    uint32_t diff = (uint32_t)(decompose1(&r0, r, gamma2) ^ decompose1(&r0, v, gamma2));

    return (uint8_t)((diff | (0u - diff)) >> 31);
}

unsigned postq_mldsa_poly_make_hint(uint8_t h[POSTQ_MLDSA_N], const struct postq_mldsa_poly *z,
                                    const struct postq_mldsa_poly *r, int32_t gamma2)
{
    AVX2_RET(postq_mldsa_make_hint_avx2(h, z->c, r->c, gamma2));
    unsigned n = 0;

    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        for (unsigned i = 0; i < N; i++) {
            h[i] = make_hint1(z->c[i], r->c[i], POSTQ_MLDSA_GAMMA2_88);
            n += h[i];
        }
    } else {
        for (unsigned i = 0; i < N; i++) {
            h[i] = make_hint1(z->c[i], r->c[i], POSTQ_MLDSA_GAMMA2_32);
            n += h[i];
        }
    }
    return n;
}

void postq_mldsa_poly_use_hint(struct postq_mldsa_poly *a1, const struct postq_mldsa_poly *a,
                               const uint8_t h[POSTQ_MLDSA_N], int32_t gamma2)
{
    AVX2(postq_mldsa_use_hint_avx2(a1->c, a->c, h, gamma2));
    int32_t r0;

    /* Alg. 40: with a hint, move r1 one step towards r0's side, modulo m = (q-1)/(2 gamma2). */
    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        for (unsigned i = 0; i < N; i++) {
            int32_t r1 = decompose1(&r0, a->c[i], POSTQ_MLDSA_GAMMA2_88);
            if (h[i] != 0) {
                if (r0 > 0) {
                    r1 = (r1 == 43) ? 0 : r1 + 1;
                } else {
                    r1 = (r1 == 0) ? 43 : r1 - 1;
                }
            }
            a1->c[i] = r1;
        }
    } else {
        for (unsigned i = 0; i < N; i++) {
            int32_t r1 = decompose1(&r0, a->c[i], POSTQ_MLDSA_GAMMA2_32);
            if (h[i] != 0) {
                r1 = (r0 > 0 ? r1 + 1 : r1 - 1) & 15;
            }
            a1->c[i] = r1;
        }
    }
}

/* ---- Sampling ---------------------------------------------------------------------------- */

/* Blocks squeezed up front: enough for 256 coefficients with overwhelming probability. */
#define UNIFORM_BLOCKS 5 /* 840 bytes = 280 candidates; 256 needed, each kept w.p. ~0.999 */
#define GAMMA1_BLOCKS  5 /* 680 bytes >= 640 = 32 * 20 */

/* Little-endian 32-bit load (one instruction where unaligned loads are allowed). */
static inline uint32_t load32_le(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* CoeffFromThreeBytes [Alg. 14] over buf[0..len): appends accepted coefficients to a from
 * position ctr; returns the new count. buf must have one readable byte past len (each
 * candidate is read as 4 bytes and masked to 23 bits). Public data (rho). Every candidate
 * is stored and the count advances only if it is below q: no unpredictable branch. */
static unsigned rej_uniform(int32_t *a, unsigned ctr, const uint8_t *buf, size_t len)
{
    for (size_t pos = 0; ctr < N && pos + 3 <= len; pos += 3) {
        uint32_t t = load32_le(&buf[pos]) & 0x7FFFFF;
        a[ctr] = (int32_t)t;
        ctr += (t < Q);
    }
    return ctr;
}

void postq_mldsa_poly_uniform(struct postq_mldsa_poly *a, const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                              uint8_t s, uint8_t r)
{
    struct postq_keccak g;
    uint8_t buf[UNIFORM_BLOCKS * POSTQ_SHAKE128_RATE + 1]; /* + 1: rej_uniform's 4-byte reads */
    uint8_t idx[2] = {s, r}; /* Alg. 32 step 3: rho || IntegerToBytes(s, 1) || ... (r, 1) */
    unsigned ctr;

    postq_shake128_init(&g);
    postq_keccak_absorb(&g, rho, POSTQ_MLDSA_RHO_BYTES);
    postq_keccak_absorb(&g, idx, sizeof(idx));
    postq_keccak_finalize(&g);
    /* The rate (168) is a multiple of 3, so candidates never straddle blocks. */
    buf[sizeof(buf) - 1] = 0;
    postq_keccak_squeezeblocks(&g, buf, UNIFORM_BLOCKS);
    ctr = rej_uniform(a->c, 0, buf, UNIFORM_BLOCKS * POSTQ_SHAKE128_RATE);
    while (ctr < N) {
        postq_keccak_squeezeblocks(&g, buf, 1);
        ctr = rej_uniform(a->c, ctr, buf, POSTQ_SHAKE128_RATE);
    }
}

/* CoeffFromHalfByte [Alg. 15] for eta = 2: b < 15 gives 2 - (b mod 5). For b < 16,
 * floor(b / 5) = (b * 205) >> 10.
 * CT: no branch and no division instruction on the secret half-byte. */
static inline int32_t coeff_eta2(uint32_t b)
{
    return 2 - (int32_t)(b - 5 * ((b * 205) >> 10));
}

/* RejBoundedPoly's inner loop [Alg. 31 steps 4-14] over buf, both half-bytes of each byte (low
 * first), appending to a from ctr; returns the new count. A half-byte b is kept when
 * b < 15 (eta = 2) or b < 9 (eta = 4).
 * CT: whether a half-byte is kept is declassified: rejection sampling makes the kept values
 * uniform and independent of which half-bytes were rejected, so the accept bits (and the
 * number of blocks drawn) say nothing about s1 or s2. The coefficient itself is computed
 * without a branch and stored at a public position. */
static unsigned rej_eta(int32_t *a, unsigned ctr, const uint8_t *buf, size_t len, int32_t eta)
{
    uint32_t bound = eta == 2 ? 15 : 9;

    for (size_t pos = 0; ctr < N && pos < len; pos++) {
        uint32_t b0 = buf[pos] & 15u;
        uint32_t b1 = (uint32_t)buf[pos] >> 4;
        uint32_t keep0 = (b0 - bound) >> 31;
        uint32_t keep1 = (b1 - bound) >> 31;

        POSTQ_CT_PUBLIC(&keep0, sizeof(keep0));
        POSTQ_CT_PUBLIC(&keep1, sizeof(keep1));
        a[ctr] = eta == 2 ? coeff_eta2(b0) : 4 - (int32_t)b0;
        ctr += keep0;
        if (ctr < N) {
            a[ctr] = eta == 2 ? coeff_eta2(b1) : 4 - (int32_t)b1;
            ctr += keep1;
        }
    }
    return ctr;
}

void postq_mldsa_poly_uniform_eta(struct postq_mldsa_poly *a,
                                  const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES], uint16_t nonce,
                                  int32_t eta)
{
    struct postq_keccak h;
    uint8_t buf[2 * POSTQ_SHAKE256_RATE];
    uint8_t n[2] = {(uint8_t)nonce, (uint8_t)(nonce >> 8)}; /* IntegerToBytes(nonce, 2) */
    /* One block gives 272 half-bytes (~255 kept for eta 2, ~153 for eta 4). */
    size_t nblocks = (eta == 2) ? 1 : 2;
    unsigned ctr;

    postq_shake256_init(&h);
    postq_keccak_absorb(&h, rhoprime, POSTQ_MLDSA_CRH_BYTES);
    postq_keccak_absorb(&h, n, sizeof(n));
    postq_keccak_finalize(&h);
    postq_keccak_squeezeblocks(&h, buf, nblocks);
    ctr = rej_eta(a->c, 0, buf, nblocks * POSTQ_SHAKE256_RATE, eta);
    while (ctr < N) {
        postq_keccak_squeezeblocks(&h, buf, 1);
        ctr = rej_eta(a->c, ctr, buf, POSTQ_SHAKE256_RATE, eta);
    }
    postq_keccak_wipe(&h);
    postq_wipe(buf, sizeof(buf));
}

void postq_mldsa_poly_uniform_gamma1(struct postq_mldsa_poly *a,
                                     const uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES], uint16_t nonce,
                                     int32_t gamma1)
{
    struct postq_keccak h;
    uint8_t buf[GAMMA1_BLOCKS * POSTQ_SHAKE256_RATE];
    uint8_t n[2] = {(uint8_t)nonce, (uint8_t)(nonce >> 8)}; /* IntegerToBytes(kappa + r, 2) */

    postq_shake256_init(&h);
    postq_keccak_absorb(&h, rhopp, POSTQ_MLDSA_CRH_BYTES);
    postq_keccak_absorb(&h, n, sizeof(n));
    postq_keccak_finalize(&h);
    postq_keccak_squeezeblocks(&h, buf, GAMMA1_BLOCKS);
    postq_mldsa_polyz_unpack(a, buf, gamma1);
    postq_keccak_wipe(&h);
    postq_wipe(buf, sizeof(buf));
}

void postq_mldsa_poly_challenge(struct postq_mldsa_poly *c, const uint8_t *ctilde,
                                size_t ctilde_len, unsigned tau)
{
    struct postq_keccak h;
    uint8_t buf[POSTQ_SHAKE256_RATE];
    uint64_t signs = 0;
    size_t pos = 8;

    postq_shake256_init(&h);
    postq_keccak_absorb(&h, ctilde, ctilde_len);
    postq_keccak_finalize(&h);
    postq_keccak_squeezeblocks(&h, buf, 1);
    /* Alg. 29 steps 4-5: the first 8 bytes give the signs, bit 0 of byte 0 first. */
    for (unsigned i = 0; i < 8; i++) {
        signs |= (uint64_t)buf[i] << (8 * i);
    }
    memset(c->c, 0, sizeof(c->c));
    for (unsigned i = N - tau; i < N; i++) {
        unsigned j;
        /* Steps 7-10: draw bytes until one is at most i. */
        do {
            if (pos == sizeof(buf)) {
                postq_keccak_squeezeblocks(&h, buf, 1);
                pos = 0;
            }
            j = buf[pos++];
        } while (j > i);
        c->c[i] = c->c[j];
        c->c[j] = 1 - 2 * (int32_t)(signs & 1);
        signs >>= 1;
    }
}

/* ---- Four at a time ---------------------------------------------------------------------- */

void postq_mldsa_poly_uniform_4x(struct postq_mldsa_poly *a[4],
                                 const uint8_t rho[POSTQ_MLDSA_RHO_BYTES], const uint16_t nonce[4])
{
    AVX2(postq_mldsa_uniform_4x_avx2(a, rho, nonce));
    for (unsigned j = 0; j < 4; j++) {
        if (a[j] != NULL) {
            postq_mldsa_poly_uniform(a[j], rho, (uint8_t)nonce[j], (uint8_t)(nonce[j] >> 8));
        }
    }
}

int postq_mldsa_poly_uniform_mixed_4x(struct postq_mldsa_poly *a[2],
                                      const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                                      const uint16_t anonce[2], struct postq_mldsa_poly *s[4],
                                      const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                      const uint16_t snonce[4], int32_t eta)
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_uniform_mixed_4x_avx2(a, rho, anonce, s, rhoprime, snonce, eta);
        return 1;
    }
#endif
    (void)a, (void)rho, (void)anonce, (void)s, (void)rhoprime, (void)snonce, (void)eta;
    return 0;
}

void postq_mldsa_poly_uniform_eta_4x(struct postq_mldsa_poly *a[4],
                                     const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                     const uint16_t nonce[4], int32_t eta)
{
    AVX2(postq_mldsa_uniform_eta_4x_avx2(a, rhoprime, nonce, eta));
    for (unsigned j = 0; j < 4; j++) {
        if (a[j] != NULL) {
            postq_mldsa_poly_uniform_eta(a[j], rhoprime, nonce[j], eta);
        }
    }
}

void postq_mldsa_polyvec_uniform_gamma1(struct postq_mldsa_poly *y, unsigned n,
                                        const uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES], uint16_t nonce,
                                        int32_t gamma1)
{
    unsigned j = 0;

#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        /* Groups of four; a last group of two or three leaves slots empty (a 4-way Keccak
         * costs less than two single ones), a last single one goes alone. */
        for (; j + 1 < n; j += 4) {
            struct postq_mldsa_poly *a[4];
            uint16_t nn[4];

            for (unsigned t = 0; t < 4; t++) {
                a[t] = j + t < n ? &y[j + t] : NULL;
                nn[t] = (uint16_t)(nonce + j + t);
            }
            postq_mldsa_uniform_gamma1_4x_avx2(a, rhopp, nn, gamma1);
        }
    }
#endif
    for (; j < n; j++) {
        postq_mldsa_poly_uniform_gamma1(&y[j], rhopp, (uint16_t)(nonce + j), gamma1);
    }
}
