/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 backend of the ML-DSA polynomial layer (poly_avx2.h): eight 32-bit coefficients per
 * register. Written with intrinsics rather than assembly: the compiler allocates the sixteen
 * ymm registers across the fused NTT layers well enough (the instruction counts are in
 * docs/performance.md), the code stays readable next to the portable C it must match, and the
 * same source builds with GCC and Clang, under the sanitizers and under ctgrind.
 *
 * Every function computes exactly what its portable counterpart computes: the Montgomery
 * products below give the same representative as postq_mldsa_montgomery_reduce, the butterflies
 * are the same butterflies in a different order, and the rounding functions use the portable
 * formulas lane by lane. So intermediate values, not only results, agree bit for bit.
 *
 * Montgomery multiplication, 8 lanes: _mm256_mul_epi32 multiplies the even lanes into 64-bit
 * products, so the odd lanes go through a second multiply after a 32-bit shift. For a product
 * p = a b, t = low32(a (b q^-1)) and r = high32(p - t q), exact because p - t q = 0 mod 2^32;
 * with b a constant, b q^-1 mod 2^32 comes from a table and saves a multiply. */
#include "crypto/mldsa/poly_avx2.h"

#if POSTQ_MLDSA_AVX2 && defined(__AVX2__)

#include <immintrin.h>
#include <string.h>

#include "common/ct.h"
#include "common/mem.h"
#include "crypto/keccak.h"
#include "crypto/keccak4x.h"
#include "crypto/mldsa/avx2_tables.h"
#include "crypto/mldsa/ntt.h"
#include "crypto/mldsa/reduce.h"

#define N POSTQ_MLDSA_N
#define Q POSTQ_MLDSA_Q

typedef __m256i v256;

static inline v256 load8(const int32_t *p)
{
    return _mm256_loadu_si256((const v256 *)p);
}
static inline void store8(int32_t *p, v256 v)
{
    _mm256_storeu_si256((v256 *)p, v);
}
static inline v256 bcast(int32_t x)
{
    return _mm256_set1_epi32(x);
}

/* Odd lanes moved down to the even positions (what _mm256_mul_epi32 reads). */
static inline v256 odd(v256 a)
{
    return _mm256_srli_epi64(a, 32);
}

/* The high halves of two sets of 64-bit results (even lanes' in e, odd lanes' in o) as one
 * vector of 32-bit lanes. */
static inline v256 merge_hi(v256 e, v256 o)
{
    return _mm256_blend_epi32(odd(e), o, 0xAA);
}

/* a * z * 2^-32 mod q per lane, |r| < q, for z the same in every lane (zq = z q^-1 mod 2^32).
 * Same representative as postq_mldsa_montgomery_reduce(a * z). */
static inline v256 mont_bcast(v256 a, v256 z, v256 zq)
{
    const v256 q = bcast(Q);
    v256 ao = odd(a);
    v256 pe = _mm256_mul_epi32(a, z);
    v256 po = _mm256_mul_epi32(ao, z);
    v256 te = _mm256_mul_epi32(_mm256_mul_epi32(a, zq), q);
    v256 to = _mm256_mul_epi32(_mm256_mul_epi32(ao, zq), q);

    return merge_hi(_mm256_sub_epi64(pe, te), _mm256_sub_epi64(po, to));
}

/* As mont_bcast with a different twiddle per lane: zv[0] the twiddles, zv[1] times q^-1, zv[2]
 * and zv[3] the same with the odd lanes' values moved down (avx2_tables.h), all read as memory
 * operands. */
static inline v256 mont_lanes(v256 a, const int32_t zv[4][8])
{
    const v256 q = bcast(Q);
    v256 ao = odd(a);
    v256 pe = _mm256_mul_epi32(a, load8(zv[0]));
    v256 po = _mm256_mul_epi32(ao, load8(zv[2]));
    v256 te = _mm256_mul_epi32(_mm256_mul_epi32(a, load8(zv[1])), q);
    v256 to = _mm256_mul_epi32(_mm256_mul_epi32(ao, load8(zv[3])), q);

    return merge_hi(_mm256_sub_epi64(pe, te), _mm256_sub_epi64(po, to));
}

/* a * b * 2^-32 mod q per lane, both variable: postq_mldsa_montgomery_reduce(a * b). */
static inline v256 mont_mul(v256 a, v256 b)
{
    const v256 q = bcast(Q);
    const v256 qinv = bcast(POSTQ_MLDSA_QINV);
    v256 pe = _mm256_mul_epi32(a, b);
    v256 po = _mm256_mul_epi32(odd(a), odd(b));
    v256 te = _mm256_mul_epi32(_mm256_mul_epi32(pe, qinv), q);
    v256 to = _mm256_mul_epi32(_mm256_mul_epi32(po, qinv), q);

    return merge_hi(_mm256_sub_epi64(pe, te), _mm256_sub_epi64(po, to));
}

/* Cooley-Tukey butterfly with a broadcast twiddle zetas[k]: (lo, hi) = (lo + t, lo - t),
 * t = hi * zeta [Alg. 41 steps 7-9]. */
static inline void ct_bcast(v256 *lo, v256 *hi, unsigned k)
{
    v256 t = mont_bcast(*hi, bcast(postq_mldsa_zetas[k]), bcast(avx2_zetas_qinv[k]));
    *hi = _mm256_sub_epi32(*lo, t);
    *lo = _mm256_add_epi32(*lo, t);
}

static inline void ct_lanes(v256 *lo, v256 *hi, const int32_t zv[4][8])
{
    v256 t = mont_lanes(*hi, zv);
    *hi = _mm256_sub_epi32(*lo, t);
    *lo = _mm256_add_epi32(*lo, t);
}

/* Gentleman-Sande butterfly of the inverse [Alg. 42 steps 7-11], twiddle -zetas[k]:
 * (lo, hi) = (lo + hi, (lo - hi) * (-zeta)). */
static inline void gs_bcast(v256 *lo, v256 *hi, unsigned k)
{
    v256 t = *lo;
    *lo = _mm256_add_epi32(t, *hi);
    *hi = mont_bcast(_mm256_sub_epi32(t, *hi), bcast(avx2_zetas_neg[k]),
                     bcast(avx2_zetas_neg_qinv[k]));
}

static inline void gs_lanes(v256 *lo, v256 *hi, const int32_t zv[4][8])
{
    v256 t = *lo;
    *lo = _mm256_add_epi32(t, *hi);
    *hi = mont_lanes(_mm256_sub_epi32(t, *hi), zv);
}

/* Transposes the 8x8 block of 32-bit lanes in x: lane c of x[r] <-> lane r of x[c]. */
static inline void transpose8(v256 x[8])
{
    v256 t0 = _mm256_unpacklo_epi32(x[0], x[1]);
    v256 t1 = _mm256_unpackhi_epi32(x[0], x[1]);
    v256 t2 = _mm256_unpacklo_epi32(x[2], x[3]);
    v256 t3 = _mm256_unpackhi_epi32(x[2], x[3]);
    v256 t4 = _mm256_unpacklo_epi32(x[4], x[5]);
    v256 t5 = _mm256_unpackhi_epi32(x[4], x[5]);
    v256 t6 = _mm256_unpacklo_epi32(x[6], x[7]);
    v256 t7 = _mm256_unpackhi_epi32(x[6], x[7]);
    v256 u0 = _mm256_unpacklo_epi64(t0, t2);
    v256 u1 = _mm256_unpackhi_epi64(t0, t2);
    v256 u2 = _mm256_unpacklo_epi64(t1, t3);
    v256 u3 = _mm256_unpackhi_epi64(t1, t3);
    v256 u4 = _mm256_unpacklo_epi64(t4, t6);
    v256 u5 = _mm256_unpackhi_epi64(t4, t6);
    v256 u6 = _mm256_unpacklo_epi64(t5, t7);
    v256 u7 = _mm256_unpackhi_epi64(t5, t7);

    x[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    x[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    x[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    x[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    x[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    x[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    x[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    x[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/* ---- NTT --------------------------------------------------------------------------------- */

/* Two passes over the polynomial, eight registers at a time. Pass 1: layers len 128, 64, 32 on
 * the vectors at 32 m + 8 off (m = 0..7). Pass 2, per group of 64 coefficients (8 rows of 8):
 * len 16 and 8 between rows, then the block is transposed so that len 4, 2 and 1 also pair
 * whole registers (lane r = row r, with per-lane twiddles from avx2_ntt_vec), and transposed
 * back: the output is in natural order, as the portable NTT's. */
void postq_mldsa_ntt_avx2(int32_t a[N])
{
    v256 x[8];

    for (unsigned off = 0; off < 4; off++) {
        for (unsigned m = 0; m < 8; m++) {
            x[m] = load8(a + 32 * m + 8 * off);
        }
        for (unsigned m = 0; m < 4; m++) {
            ct_bcast(&x[m], &x[m + 4], 1);
        }
        ct_bcast(&x[0], &x[2], 2);
        ct_bcast(&x[1], &x[3], 2);
        ct_bcast(&x[4], &x[6], 3);
        ct_bcast(&x[5], &x[7], 3);
        ct_bcast(&x[0], &x[1], 4);
        ct_bcast(&x[2], &x[3], 5);
        ct_bcast(&x[4], &x[5], 6);
        ct_bcast(&x[6], &x[7], 7);
        for (unsigned m = 0; m < 8; m++) {
            store8(a + 32 * m + 8 * off, x[m]);
        }
    }
    for (unsigned g = 0; g < 4; g++) {
        const int32_t(*zv)[4][8] = avx2_ntt_vec[g];

        for (unsigned r = 0; r < 8; r++) {
            x[r] = load8(a + 64 * g + 8 * r);
        }
        ct_bcast(&x[0], &x[2], 8 + 2 * g);
        ct_bcast(&x[1], &x[3], 8 + 2 * g);
        ct_bcast(&x[4], &x[6], 9 + 2 * g);
        ct_bcast(&x[5], &x[7], 9 + 2 * g);
        ct_bcast(&x[0], &x[1], 16 + 4 * g);
        ct_bcast(&x[2], &x[3], 17 + 4 * g);
        ct_bcast(&x[4], &x[5], 18 + 4 * g);
        ct_bcast(&x[6], &x[7], 19 + 4 * g);
        transpose8(x);
        for (unsigned c = 0; c < 4; c++) {
            ct_lanes(&x[c], &x[c + 4], zv[0]);
        }
        ct_lanes(&x[0], &x[2], zv[1]);
        ct_lanes(&x[1], &x[3], zv[1]);
        ct_lanes(&x[4], &x[6], zv[2]);
        ct_lanes(&x[5], &x[7], zv[2]);
        ct_lanes(&x[0], &x[1], zv[3]);
        ct_lanes(&x[2], &x[3], zv[4]);
        ct_lanes(&x[4], &x[5], zv[5]);
        ct_lanes(&x[6], &x[7], zv[6]);
        transpose8(x);
        for (unsigned r = 0; r < 8; r++) {
            store8(a + 64 * g + 8 * r, x[r]);
        }
    }
}

/* The portable inverse's last-layer constants (ntt.c): f = 2^64 / 256 mod q, and f * -zeta_1. */
#define INVNTT_F      41978
#define INVNTT_F_ZETA 3975713
#define QINV_OF(z)    ((int32_t)((uint32_t)(z) * (uint32_t)POSTQ_MLDSA_QINV))

/* The same two passes in reverse: per group, transpose, len 1, 2, 4, transpose back, len 8,
 * 16; then len 32, 64, and len 128 fused with the scaling, as in the portable code. */
void postq_mldsa_invntt_avx2(int32_t a[N])
{
    v256 x[8];

    for (unsigned g = 0; g < 4; g++) {
        const int32_t(*zv)[4][8] = avx2_invntt_vec[g];

        for (unsigned r = 0; r < 8; r++) {
            x[r] = load8(a + 64 * g + 8 * r);
        }
        transpose8(x);
        gs_lanes(&x[0], &x[1], zv[0]);
        gs_lanes(&x[2], &x[3], zv[1]);
        gs_lanes(&x[4], &x[5], zv[2]);
        gs_lanes(&x[6], &x[7], zv[3]);
        gs_lanes(&x[0], &x[2], zv[4]);
        gs_lanes(&x[1], &x[3], zv[4]);
        gs_lanes(&x[4], &x[6], zv[5]);
        gs_lanes(&x[5], &x[7], zv[5]);
        for (unsigned c = 0; c < 4; c++) {
            gs_lanes(&x[c], &x[c + 4], zv[6]);
        }
        transpose8(x);
        gs_bcast(&x[0], &x[1], 31 - 4 * g);
        gs_bcast(&x[2], &x[3], 30 - 4 * g);
        gs_bcast(&x[4], &x[5], 29 - 4 * g);
        gs_bcast(&x[6], &x[7], 28 - 4 * g);
        gs_bcast(&x[0], &x[2], 15 - 2 * g);
        gs_bcast(&x[1], &x[3], 15 - 2 * g);
        gs_bcast(&x[4], &x[6], 14 - 2 * g);
        gs_bcast(&x[5], &x[7], 14 - 2 * g);
        for (unsigned r = 0; r < 8; r++) {
            store8(a + 64 * g + 8 * r, x[r]);
        }
    }
    for (unsigned off = 0; off < 4; off++) {
        const v256 f = bcast(INVNTT_F), fq = bcast(QINV_OF(INVNTT_F));
        const v256 fz = bcast(INVNTT_F_ZETA), fzq = bcast(QINV_OF(INVNTT_F_ZETA));

        for (unsigned m = 0; m < 8; m++) {
            x[m] = load8(a + 32 * m + 8 * off);
        }
        gs_bcast(&x[0], &x[1], 7);
        gs_bcast(&x[2], &x[3], 6);
        gs_bcast(&x[4], &x[5], 5);
        gs_bcast(&x[6], &x[7], 4);
        gs_bcast(&x[0], &x[2], 3);
        gs_bcast(&x[1], &x[3], 3);
        gs_bcast(&x[4], &x[6], 2);
        gs_bcast(&x[5], &x[7], 2);
        for (unsigned m = 0; m < 4; m++) {
            v256 t = x[m];
            x[m] = mont_bcast(_mm256_add_epi32(t, x[m + 4]), f, fq);
            x[m + 4] = mont_bcast(_mm256_sub_epi32(t, x[m + 4]), fz, fzq);
        }
        for (unsigned m = 0; m < 8; m++) {
            store8(a + 32 * m + 8 * off, x[m]);
        }
    }
}

/* ---- Coefficient-wise arithmetic --------------------------------------------------------- */

void postq_mldsa_pointwise_avx2(int32_t *r, const int32_t *a, const int32_t *b)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(r + i, mont_mul(load8(a + i), load8(b + i)));
    }
}

/* Sum of n products per lane in 64 bits, one reduction at the end (as the portable dot_n). */
static inline void dot_n(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                         const struct postq_mldsa_poly *b, unsigned n)
{
    const v256 q = bcast(Q);
    const v256 qinv = bcast(POSTQ_MLDSA_QINV);

    for (unsigned i = 0; i < N; i += 8) {
        v256 ae = _mm256_setzero_si256(), ao = _mm256_setzero_si256();
        v256 te, to;

        for (unsigned j = 0; j < n; j++) {
            v256 x = load8(a[j].c + i), y = load8(b[j].c + i);
            ae = _mm256_add_epi64(ae, _mm256_mul_epi32(x, y));
            ao = _mm256_add_epi64(ao, _mm256_mul_epi32(odd(x), odd(y)));
        }
        te = _mm256_mul_epi32(_mm256_mul_epi32(ae, qinv), q);
        to = _mm256_mul_epi32(_mm256_mul_epi32(ao, qinv), q);
        store8(r->c + i, merge_hi(_mm256_sub_epi64(ae, te), _mm256_sub_epi64(ao, to)));
    }
}

void postq_mldsa_dot_avx2(struct postq_mldsa_poly *r, const struct postq_mldsa_poly *a,
                          const struct postq_mldsa_poly *b, unsigned n)
{
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

void postq_mldsa_add_avx2(int32_t *r, const int32_t *a, const int32_t *b)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(r + i, _mm256_add_epi32(load8(a + i), load8(b + i)));
    }
}

void postq_mldsa_sub_avx2(int32_t *r, const int32_t *a, const int32_t *b)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(r + i, _mm256_sub_epi32(load8(a + i), load8(b + i)));
    }
}

/* postq_mldsa_reduce32 per lane: a - round(a / 2^23) q. */
static inline v256 reduce32(v256 a)
{
    v256 t = _mm256_srai_epi32(_mm256_add_epi32(a, bcast(1 << 22)), 23);
    return _mm256_sub_epi32(a, _mm256_mullo_epi32(t, bcast(Q)));
}

/* postq_mldsa_caddq per lane. */
static inline v256 caddq(v256 a)
{
    return _mm256_add_epi32(a, _mm256_and_si256(_mm256_srai_epi32(a, 31), bcast(Q)));
}

void postq_mldsa_reduce_avx2(int32_t *a)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(a + i, reduce32(load8(a + i)));
    }
}

void postq_mldsa_caddq_avx2(int32_t *a)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(a + i, caddq(load8(a + i)));
    }
}

void postq_mldsa_freeze_avx2(int32_t *a)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(a + i, caddq(reduce32(load8(a + i))));
    }
}

void postq_mldsa_shiftl_avx2(int32_t *a)
{
    for (unsigned i = 0; i < N; i += 8) {
        store8(a + i, _mm256_slli_epi32(load8(a + i), POSTQ_MLDSA_D));
    }
}

/* All ones when some |a_i| >= bound. Accumulates the per-lane verdicts and looks at them once.
 * CT: branch-free; the single answer is what the portable function returns too. */
uint32_t postq_mldsa_chknorm_avx2(const int32_t *a, int32_t bound)
{
    const v256 lim = bcast(bound - 1);
    v256 bad = _mm256_setzero_si256();
    uint32_t m;

    for (unsigned i = 0; i < N; i += 8) {
        bad = _mm256_or_si256(bad, _mm256_cmpgt_epi32(_mm256_abs_epi32(load8(a + i)), lim));
    }
    m = (uint32_t)_mm256_movemask_epi8(bad);
    return 0u - ((m | (0u - m)) >> 31);
}

/* ---- Rounding ---------------------------------------------------------------------------- */

void postq_mldsa_power2round_avx2(int32_t *a1, int32_t *a0, const int32_t *a)
{
    const v256 half = bcast((1 << (POSTQ_MLDSA_D - 1)) - 1);

    for (unsigned i = 0; i < N; i += 8) {
        v256 r = load8(a + i);
        v256 r1 = _mm256_srai_epi32(_mm256_add_epi32(r, half), POSTQ_MLDSA_D);
        store8(a1 + i, r1);
        store8(a0 + i, _mm256_sub_epi32(r, _mm256_slli_epi32(r1, POSTQ_MLDSA_D)));
    }
}

/* Decompose [Alg. 36] per lane for r in [0, q), by the portable decompose1's formulas: the
 * quotient floor((r + gamma2 - 1) / (2 gamma2)) as a 64-bit multiply-shift (even and odd lanes
 * apart), then the r1 == (q - 1) / (2 gamma2) correction. gamma2 is a constant after inlining.
 * CT: branch-free. */
static inline v256 decompose(v256 *r0, v256 r, int32_t gamma2)
{
    const uint32_t mul = gamma2 == POSTQ_MLDSA_GAMMA2_88 ? 2886403u : 16793617u;
    const int sh = gamma2 == POSTQ_MLDSA_GAMMA2_88 ? 39 : 43;
    const int32_t top = gamma2 == POSTQ_MLDSA_GAMMA2_88 ? 44 : 16;
    const v256 m = bcast((int32_t)mul);
    v256 x = _mm256_add_epi32(r, bcast(gamma2 - 1));
    v256 qe = _mm256_srli_epi64(_mm256_mul_epu32(x, m), sh);
    v256 qo = _mm256_srli_epi64(_mm256_mul_epu32(odd(x), m), sh - 32);
    v256 r1 = _mm256_blend_epi32(qe, qo, 0xAA);
    v256 wrap = _mm256_cmpgt_epi32(r1, bcast(top - 1));

    *r0 = _mm256_add_epi32(_mm256_sub_epi32(r, _mm256_mullo_epi32(r1, bcast(2 * gamma2))), wrap);
    return _mm256_andnot_si256(wrap, r1);
}

static inline void decompose_n(int32_t *a1, int32_t *a0, const int32_t *a, int32_t gamma2)
{
    v256 r0, r1;

    for (unsigned i = 0; i < N; i += 8) {
        r1 = decompose(&r0, load8(a + i), gamma2);
        if (a1 != NULL) {
            store8(a1 + i, r1);
        }
        if (a0 != NULL) {
            store8(a0 + i, r0);
        }
    }
}

void postq_mldsa_decompose_avx2(int32_t *a1, int32_t *a0, const int32_t *a, int32_t gamma2)
{
    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        decompose_n(a1, a0, a, POSTQ_MLDSA_GAMMA2_88);
    } else {
        decompose_n(a1, a0, a, POSTQ_MLDSA_GAMMA2_32);
    }
}

/* MakeHint per lane: [HighBits(r + z mod q) != HighBits(r)]; eight 0/1 bytes per step.
 * CT: branch-free; the count is accumulated from the masks. */
static inline unsigned make_hint_n(uint8_t *h, const int32_t *z, const int32_t *r, int32_t gamma2)
{
    unsigned n = 0;
    v256 lo;

    for (unsigned i = 0; i < N; i += 8) {
        v256 rv = load8(r + i);
        v256 v = caddq(reduce32(_mm256_add_epi32(rv, load8(z + i))));
        v256 eq = _mm256_cmpeq_epi32(decompose(&lo, rv, gamma2), decompose(&lo, v, gamma2));
        uint32_t ne = ~(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(eq)) & 0xFFu;
        uint64_t bytes = _pdep_u64(ne, 0x0101010101010101ull);

        memcpy(h + i, &bytes, 8);
        n += (unsigned)_mm_popcnt_u32(ne);
    }
    return n;
}

unsigned postq_mldsa_make_hint_avx2(uint8_t h[N], const int32_t *z, const int32_t *r,
                                    int32_t gamma2)
{
    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        return make_hint_n(h, z, r, POSTQ_MLDSA_GAMMA2_88);
    }
    return make_hint_n(h, z, r, POSTQ_MLDSA_GAMMA2_32);
}

/* UseHint [Alg. 40] per lane: with a hint, r1 moves one step towards r0's side, modulo
 * m = (q - 1) / (2 gamma2). Public data (Verify). */
void postq_mldsa_use_hint_avx2(int32_t *a1, const int32_t *a, const uint8_t h[N], int32_t gamma2)
{
    const v256 zero = _mm256_setzero_si256();
    const v256 one = bcast(1), two = bcast(2);
    v256 r0, r1;

    for (unsigned i = 0; i < N; i += 8) {
        v256 hv = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(h + i)));
        v256 hm = _mm256_cmpgt_epi32(hv, zero);
        v256 delta;

        if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
            r1 = decompose(&r0, load8(a + i), POSTQ_MLDSA_GAMMA2_88);
            delta = _mm256_sub_epi32(_mm256_and_si256(_mm256_cmpgt_epi32(r0, zero), two), one);
            r1 = _mm256_add_epi32(r1, _mm256_and_si256(hm, delta));
            /* -1 wraps to 43, 44 to 0 */
            r1 = _mm256_blendv_epi8(r1, bcast(43), _mm256_cmpgt_epi32(zero, r1));
            r1 = _mm256_andnot_si256(_mm256_cmpgt_epi32(r1, bcast(43)), r1);
        } else {
            r1 = decompose(&r0, load8(a + i), POSTQ_MLDSA_GAMMA2_32);
            delta = _mm256_sub_epi32(_mm256_and_si256(_mm256_cmpgt_epi32(r0, zero), two), one);
            r1 = _mm256_and_si256(_mm256_add_epi32(r1, _mm256_and_si256(hm, delta)), bcast(15));
        }
        store8(a1 + i, r1);
    }
}

/* ---- Packing ----------------------------------------------------------------------------- */

/* BitUnpack(r, gamma1 - 1, gamma1) [Alg. 19], eight coefficients per step: each lane gathers
 * the 3 bytes that hold its coefficient (a byte shuffle within 128-bit halves, after spreading
 * bytes 0-15 and 8-23 over the two halves), shifts and masks. Reads up to 14 bytes past the
 * last group (callers' buffers have them). */
void postq_mldsa_polyz_unpack_avx2(int32_t *a, const uint8_t *r, int32_t gamma1)
{
    const v256 g = bcast(gamma1);

    if (gamma1 == (1 << 17)) {
        /* 18 bits: coefficient k of a group of 8 at byte floor(9k/4), shift 2k mod 8. */
        const v256 idx = _mm256_setr_epi8(0, 1, 2, -1, 2, 3, 4, -1, 4, 5, 6, -1, 6, 7, 8, -1, 1, 2,
                                          3, -1, 3, 4, 5, -1, 5, 6, 7, -1, 7, 8, 9, -1);
        const v256 sh = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
        const v256 mask = bcast((1 << 18) - 1);

        for (unsigned i = 0; i < N / 8; i++) {
            v256 v = _mm256_loadu_si256((const v256 *)(r + 18 * i));
            v = _mm256_permute4x64_epi64(v, 0x94); /* qwords 0 1 1 2 */
            v = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(v, idx), sh), mask);
            store8(a + 8 * i, _mm256_sub_epi32(g, v));
        }
    } else {
        /* 20 bits: coefficient k at byte floor(5k/2), shift 4 (k odd) or 0. */
        const v256 idx = _mm256_setr_epi8(0, 1, 2, -1, 2, 3, 4, -1, 5, 6, 7, -1, 7, 8, 9, -1, 2, 3,
                                          4, -1, 4, 5, 6, -1, 7, 8, 9, -1, 9, 10, 11, -1);
        const v256 sh = _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4);
        const v256 mask = bcast((1 << 20) - 1);

        for (unsigned i = 0; i < N / 8; i++) {
            v256 v = _mm256_loadu_si256((const v256 *)(r + 20 * i));
            v = _mm256_permute4x64_epi64(v, 0x94);
            v = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(v, idx), sh), mask);
            store8(a + 8 * i, _mm256_sub_epi32(g, v));
        }
    }
}

/* 16 bytes at r (only `avail` of them readable; the rest read as zero). */
static inline __m128i load16(const uint8_t *r, size_t avail)
{
    uint8_t tmp[16] = {0};

    if (avail >= 16) {
        return _mm_loadu_si128((const __m128i *)r);
    }
    memcpy(tmp, r, avail);
    return _mm_loadu_si128((const __m128i *)tmp);
}

/* SimpleBitUnpack of t1 [Alg. 18]: 10 bits, 8 coefficients per 10 bytes. Coefficient k of a
 * group starts at byte floor(5k/4), bit 2k mod 8; both halves of the register see the group's
 * 16 bytes and each lane picks its 2 bytes. Public data. */
void postq_mldsa_polyt1_unpack_avx2(int32_t *a, const uint8_t *r)
{
    const v256 idx = _mm256_setr_epi8(0, 1, -1, -1, 1, 2, -1, -1, 2, 3, -1, -1, 3, 4, -1, -1, 5, 6,
                                      -1, -1, 6, 7, -1, -1, 7, 8, -1, -1, 8, 9, -1, -1);
    const v256 sh = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const v256 mask = bcast(0x3FF);

    for (unsigned i = 0; i < N / 8; i++) {
        v256 v =
            _mm256_broadcastsi128_si256(load16(r + 10 * i, POSTQ_MLDSA_T1_POLY_BYTES - 10 * i));
        store8(a + 8 * i,
               _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(v, idx), sh), mask));
    }
}

/* BitUnpack of t0 [Alg. 19] as 2^12 - t0: 13 bits, 8 coefficients per 13 bytes; coefficient k
 * at byte floor(13k/8), bit 13k mod 8, 3 bytes each.
 * CT: constant shuffles and shifts; no branch or index on the key. */
void postq_mldsa_polyt0_unpack_avx2(int32_t *a, const uint8_t *r)
{
    const v256 idx = _mm256_setr_epi8(0, 1, 2, -1, 1, 2, 3, -1, 3, 4, 5, -1, 4, 5, 6, -1, 6, 7, 8,
                                      -1, 8, 9, 10, -1, 9, 10, 11, -1, 11, 12, 13, -1);
    const v256 sh = _mm256_setr_epi32(0, 5, 2, 7, 4, 1, 6, 3);
    const v256 mask = bcast(0x1FFF);
    const v256 half = bcast(1 << 12);

    for (unsigned i = 0; i < N / 8; i++) {
        v256 v =
            _mm256_broadcastsi128_si256(load16(r + 13 * i, POSTQ_MLDSA_T0_POLY_BYTES - 13 * i));
        v = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(v, idx), sh), mask);
        store8(a + 8 * i, _mm256_sub_epi32(half, v));
    }
}

/* BitUnpack of s1/s2 [Alg. 19] as eta - t: 8 coefficients per 4 bytes (eta 4: 4 bits each)
 * or per 3 bytes (eta 2: 3 bits each). The group's bytes go to all lanes, each lane shifts its
 * field down. Returns 0xFFFFFFFF when a stored value exceeds 2 eta (not a valid key), else 0,
 * as the portable unpacker. CT: no branch or index on the key. */
uint32_t postq_mldsa_polyeta_unpack_avx2(int32_t *a, const uint8_t *r, int32_t eta)
{
    const v256 e = bcast(eta);
    const v256 lim = bcast(2 * eta);
    v256 bad = _mm256_setzero_si256();

    if (eta == 4) {
        const v256 sh = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
        const v256 mask = bcast(15);

        for (unsigned i = 0; i < N / 8; i++) {
            uint32_t w;
            v256 t;

            memcpy(&w, r + 4 * i, 4);
            t = _mm256_and_si256(_mm256_srlv_epi32(bcast((int32_t)w), sh), mask);
            bad = _mm256_or_si256(bad, _mm256_cmpgt_epi32(t, lim));
            store8(a + 8 * i, _mm256_sub_epi32(e, t));
        }
    } else {
        const v256 sh = _mm256_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21);
        const v256 mask = bcast(7);

        for (unsigned i = 0; i < N / 8; i++) {
            const uint8_t *g = r + 3 * i;
            uint32_t w = (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16;
            v256 t = _mm256_and_si256(_mm256_srlv_epi32(bcast((int32_t)w), sh), mask);

            bad = _mm256_or_si256(bad, _mm256_cmpgt_epi32(t, lim));
            store8(a + 8 * i, _mm256_sub_epi32(e, t));
        }
    }
    return 0u - (uint32_t)(_mm256_testz_si256(bad, bad) == 0);
}

/* BitPack of s1/s2 [Alg. 17] as eta - a, the inverse of the above: each lane shifts its field
 * into place and the eight lanes are ORed together (a horizontal OR in three steps). */
void postq_mldsa_polyeta_pack_avx2(uint8_t *r, const int32_t *a, int32_t eta)
{
    const v256 e = bcast(eta);
    const v256 sh = eta == 4 ? _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28)
                             : _mm256_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21);

    for (unsigned i = 0; i < N / 8; i++) {
        v256 t = _mm256_sllv_epi32(_mm256_sub_epi32(e, load8(a + 8 * i)), sh);
        __m128i h = _mm_or_si128(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
        uint32_t w;

        h = _mm_or_si128(h, _mm_shuffle_epi32(h, 0x4E));
        h = _mm_or_si128(h, _mm_shuffle_epi32(h, 0xB1));
        w = (uint32_t)_mm_cvtsi128_si32(h);
        if (eta == 4) {
            memcpy(r + 4 * i, &w, 4);
        } else {
            memcpy(r + 3 * i, &w, 3); /* little-endian: the low three bytes */
        }
    }
}

/* The packers: eight b-bit values per register become four 2b-bit words e | o << b (each
 * 64-bit lane holds an even and an odd coefficient), then the words are joined into bytes as
 * the portable packers do. b is a constant after inlining. */
static inline void pairs(uint64_t w[4], v256 v, int b)
{
    const v256 lo = _mm256_set1_epi64x(0xFFFFFFFF);
    v256 x = _mm256_or_si256(_mm256_and_si256(v, lo),
                             _mm256_srli_epi64(_mm256_andnot_si256(lo, v), 32 - b));
    _mm256_storeu_si256((v256 *)w, x);
}

static inline void put_le(uint8_t *r, uint64_t v, size_t n)
{
    memcpy(r, &v, n);
}

/* Eight b-bit values (b <= 16) as two 4b-bit words: values 0-3 in *lo, 4-7 in *hi (pairs of
 * 2b bits in the 64-bit lanes, then each 128-bit half joins its two). */
static inline void halves(uint64_t *lo, uint64_t *hi, v256 v, int b)
{
    const v256 lo32 = _mm256_set1_epi64x(0xFFFFFFFF);
    v256 x = _mm256_or_si256(_mm256_and_si256(v, lo32),
                             _mm256_srli_epi64(_mm256_andnot_si256(lo32, v), 32 - b));

    x = _mm256_sllv_epi64(x, _mm256_setr_epi64x(0, 2 * b, 0, 2 * b));
    x = _mm256_or_si256(x, _mm256_shuffle_epi32(x, 0x4E));
    *lo = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(x));
    *hi = (uint64_t)_mm_cvtsi128_si64(_mm256_extracti128_si256(x, 1));
}

/* SimpleBitPack of t1 [Alg. 16]: 10 bits, 8 coefficients in 10 bytes. Pairs become 20-bit
 * words in the 64-bit lanes, then each 128-bit half joins its two into 40 bits (5 bytes), stored
 * with 8-byte writes whose 3 extra bytes the next write covers; the last group writes exactly
 * its 10 bytes. Public data. */
void postq_mldsa_polyt1_pack_avx2(uint8_t *r, const int32_t *a)
{
    for (unsigned i = 0; i < N / 8; i++) {
        uint64_t u0, u1;

        halves(&u0, &u1, load8(a + 8 * i), 10);
        if (i + 1 < N / 8) {
            memcpy(r + 10 * i, &u0, 8);
            memcpy(r + 10 * i + 5, &u1, 8);
        } else {
            put_le(r + 10 * i, u0, 5);
            put_le(r + 10 * i + 5, u1, 5);
        }
    }
}

/* BitPack of t0 as 2^12 - t0 [Alg. 17]: 13 bits, 8 coefficients in 13 bytes.
 * CT: no branch or index on the key. */
void postq_mldsa_polyt0_pack_avx2(uint8_t *r, const int32_t *a)
{
    const v256 half = bcast(1 << 12);

    /* As the t1 packer: 26-bit pairs, 52 bits per 128-bit half, then the two halves make the
     * 13 bytes (an 8-byte write and one of 5, written as 8 whose extra 3 bytes the next group
     * covers; the last group writes exactly its bytes). */
    for (unsigned i = 0; i < N / 8; i++) {
        uint64_t lo, hi, w0, w1;

        halves(&lo, &hi, _mm256_sub_epi32(half, load8(a + 8 * i)), 13);
        w0 = lo | hi << 52;
        w1 = hi >> 12;
        memcpy(r + 13 * i, &w0, 8);
        if (i + 1 < N / 8) {
            memcpy(r + 13 * i + 8, &w1, 8);
        } else {
            uint32_t w2 = (uint32_t)w1;
            memcpy(r + 13 * i + 8, &w2, 4);
            r[13 * i + 12] = (uint8_t)(w1 >> 32);
        }
    }
    /* No temporary in memory holds the key's bits: the function works in registers (gcc 12
     * -O3 gives it no stack frame), so there is nothing to wipe. */
}

/* BitPack of z as gamma1 - z [Alg. 17]: 18 bits (8 coefficients in 18 bytes) or 20 bits (in
 * 20 bytes). Called on the accepted signature only (public). */
void postq_mldsa_polyz_pack_avx2(uint8_t *r, const int32_t *a, int32_t gamma1)
{
    const v256 g = bcast(gamma1);
    uint64_t w[4];

    if (gamma1 == (1 << 17)) {
        for (unsigned i = 0; i < N / 8; i++) {
            pairs(w, _mm256_sub_epi32(g, load8(a + 8 * i)), 18);
            put_le(r + 18 * i, w[0] | w[1] << 36, 8);
            r[18 * i + 8] = (uint8_t)(w[1] >> 28);
            put_le(r + 18 * i + 9, w[2] | w[3] << 36, 8);
            r[18 * i + 17] = (uint8_t)(w[3] >> 28);
        }
    } else {
        for (unsigned i = 0; i < N / 8; i++) {
            pairs(w, _mm256_sub_epi32(g, load8(a + 8 * i)), 20);
            put_le(r + 20 * i, w[0], 5);
            put_le(r + 20 * i + 5, w[1], 5);
            put_le(r + 20 * i + 10, w[2], 5);
            put_le(r + 20 * i + 15, w[3], 5);
        }
    }
}

/* w1Encode of one polynomial [Alg. 28]: 4 bits (8 coefficients in 4 bytes) or 6 bits (in 6).
 * c-tilde is computed from it, so it is declassified right after; no branch on the values. */
void postq_mldsa_polyw1_pack_avx2(uint8_t *r, const int32_t *a, int32_t gamma2)
{
    uint64_t w[4];

    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        for (unsigned i = 0; i < N / 8; i++) {
            pairs(w, load8(a + 8 * i), 6);
            put_le(r + 6 * i, w[0] | w[1] << 12, 3);
            put_le(r + 6 * i + 3, w[2] | w[3] << 12, 3);
        }
    } else {
        for (unsigned i = 0; i < N / 8; i++) {
            pairs(w, load8(a + 8 * i), 4);
            put_le(r + 4 * i, w[0] | w[1] << 8 | w[2] << 16 | w[3] << 24, 4);
        }
    }
}

/* ---- Sampling ---------------------------------------------------------------------------- */

#define UNIFORM_BLOCKS 5 /* as poly.c: 840 bytes = 35 groups of 24 */
#define GAMMA1_BLOCKS  5
#define SLACK          32 /* readable bytes past the squeezed output (32-byte loads) */

/* CoeffFromThreeBytes [Alg. 14] on 8 candidates (24 bytes) at a time: the accepted ones are
 * compacted to the front (avx2_compact_idx) and stored at a + ctr, nothing past a[N - 1].
 * Public data (rho). */
static unsigned rej_uniform_avx2(int32_t *a, unsigned ctr, const uint8_t *buf, size_t len)
{
    const v256 idx = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 4, 5, 6,
                                      -1, 7, 8, 9, -1, 10, 11, 12, -1, 13, 14, 15, -1);
    const v256 mask = bcast(0x7FFFFF);
    const v256 q = bcast(Q);

    for (size_t pos = 0; ctr < N && pos + 24 <= len; pos += 24) {
        v256 v = _mm256_loadu_si256((const v256 *)(buf + pos));
        unsigned m;

        v = _mm256_permute4x64_epi64(v, 0x94);
        v = _mm256_and_si256(_mm256_shuffle_epi8(v, idx), mask);
        m = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(q, v)));
        v = _mm256_permutevar8x32_epi32(
            v, _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)avx2_compact_idx[m])));
        if (ctr <= N - 8) {
            store8(a + ctr, v);
        } else {
            /* the last few coefficients: nothing is written past a[N - 1] */
            int32_t t[8];
            store8(t, v);
            memcpy(a + ctr, t, (N - ctr) * sizeof(t[0]));
        }
        ctr += (unsigned)_mm_popcnt_u32(m);
    }
    return ctr;
}

void postq_mldsa_uniform_4x_avx2(struct postq_mldsa_poly *a[4],
                                 const uint8_t rho[POSTQ_MLDSA_RHO_BYTES], const uint16_t nonce[4])
{
    struct postq_keccak4x st;
    uint8_t in[4][POSTQ_MLDSA_RHO_BYTES + 2];
    _Alignas(32) uint8_t buf[4][UNIFORM_BLOCKS * POSTQ_SHAKE128_RATE + SLACK];
    int32_t spare[N]; /* the output of a lane nobody asked for */
    int32_t *out[4];
    unsigned ctr[4];

    for (unsigned j = 0; j < 4; j++) {
        memcpy(in[j], rho, POSTQ_MLDSA_RHO_BYTES);
        in[j][POSTQ_MLDSA_RHO_BYTES] = (uint8_t)nonce[j];
        in[j][POSTQ_MLDSA_RHO_BYTES + 1] = (uint8_t)(nonce[j] >> 8);
        out[j] = a[j] != NULL ? a[j]->c : spare;
    }
    postq_shake4x_absorb(&st, POSTQ_SHAKE128_RATE, in[0], in[1], in[2], in[3], sizeof(in[0]));
    postq_shake4x_squeezeblocks(buf[0], buf[1], buf[2], buf[3], UNIFORM_BLOCKS, POSTQ_SHAKE128_RATE,
                                &st);
    for (unsigned j = 0; j < 4; j++) {
        ctr[j] = rej_uniform_avx2(out[j], 0, buf[j], UNIFORM_BLOCKS * POSTQ_SHAKE128_RATE);
    }
    while (ctr[0] < N || ctr[1] < N || ctr[2] < N || ctr[3] < N) {
        postq_shake4x_squeezeblocks(buf[0], buf[1], buf[2], buf[3], 1, POSTQ_SHAKE128_RATE, &st);
        for (unsigned j = 0; j < 4; j++) {
            ctr[j] = rej_uniform_avx2(out[j], ctr[j], buf[j], POSTQ_SHAKE128_RATE);
        }
    }
}

/* RejBoundedPoly's inner loop [Alg. 31] on 8 half-bytes (4 bytes) at a time, low half first.
 * CT: as the portable rej_eta, the accept mask is declassified (rejection sampling makes the
 * kept values independent of which half-bytes were rejected) and then drives the compaction;
 * the coefficients never reach a branch or an index. */
static unsigned rej_eta_avx2(int32_t *a, unsigned ctr, const uint8_t *buf, size_t len, int32_t eta)
{
    const v256 bound = bcast(eta == 2 ? 15 : 9);
    const v256 e = bcast(eta);

    for (size_t pos = 0; ctr < N && pos + 4 <= len; pos += 4) {
        uint32_t w;
        uint64_t nib;
        v256 b, c;
        unsigned m;

        memcpy(&w, buf + pos, 4);
        nib = _pdep_u64(w, 0x0F0F0F0F0F0F0F0Full);
        b = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)nib));
        m = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(bound, b)));
        POSTQ_CT_PUBLIC(&m, sizeof(m));
        if (eta == 2) {
            /* 2 - (b mod 5), b mod 5 = b - 5 ((b * 205) >> 10) */
            v256 t = _mm256_srli_epi32(_mm256_mullo_epi32(b, bcast(205)), 10);
            c = _mm256_sub_epi32(e, _mm256_sub_epi32(b, _mm256_mullo_epi32(t, bcast(5))));
        } else {
            c = _mm256_sub_epi32(e, b);
        }
        c = _mm256_permutevar8x32_epi32(
            c, _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)avx2_compact_idx[m])));
        store8(a + ctr, c);
        ctr += (unsigned)_mm_popcnt_u32(m);
    }
    return ctr;
}

void postq_mldsa_uniform_eta_4x_avx2(struct postq_mldsa_poly *a[4],
                                     const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                     const uint16_t nonce[4], int32_t eta)
{
    struct postq_keccak4x st;
    uint8_t in[4][POSTQ_MLDSA_CRH_BYTES + 2];
    _Alignas(32) uint8_t buf[4][2 * POSTQ_SHAKE256_RATE];
    _Alignas(32) int32_t out[4][N + 8];
    size_t nblocks = (eta == 2) ? 1 : 2; /* as poly.c */
    unsigned ctr[4];

    for (unsigned j = 0; j < 4; j++) {
        memcpy(in[j], rhoprime, POSTQ_MLDSA_CRH_BYTES);
        in[j][POSTQ_MLDSA_CRH_BYTES] = (uint8_t)nonce[j];
        in[j][POSTQ_MLDSA_CRH_BYTES + 1] = (uint8_t)(nonce[j] >> 8);
    }
    postq_shake4x_absorb(&st, POSTQ_SHAKE256_RATE, in[0], in[1], in[2], in[3], sizeof(in[0]));
    postq_shake4x_squeezeblocks(buf[0], buf[1], buf[2], buf[3], nblocks, POSTQ_SHAKE256_RATE, &st);
    for (unsigned j = 0; j < 4; j++) {
        ctr[j] = rej_eta_avx2(out[j], 0, buf[j], nblocks * POSTQ_SHAKE256_RATE, eta);
    }
    while (ctr[0] < N || ctr[1] < N || ctr[2] < N || ctr[3] < N) {
        postq_shake4x_squeezeblocks(buf[0], buf[1], buf[2], buf[3], 1, POSTQ_SHAKE256_RATE, &st);
        for (unsigned j = 0; j < 4; j++) {
            ctr[j] = rej_eta_avx2(out[j], ctr[j], buf[j], POSTQ_SHAKE256_RATE, eta);
        }
    }
    for (unsigned j = 0; j < 4; j++) {
        if (a[j] != NULL) {
            memcpy(a[j]->c, out[j], sizeof(a[j]->c));
        }
    }
    postq_keccak4x_wipe(&st);
    postq_wipe(buf, sizeof(buf));
    postq_wipe(out, sizeof(out));
    postq_wipe(in, sizeof(in));
}

/* A stream's nonce, little-endian, after its seed. */
static inline void put_nonce(uint8_t p[2], uint16_t n)
{
    p[0] = (uint8_t)n;
    p[1] = (uint8_t)(n >> 8);
}

/* Two polynomials of A (SHAKE128, as postq_mldsa_uniform_4x_avx2) and four of s1/s2 (SHAKE256,
 * as postq_mldsa_uniform_eta_4x_avx2) from one 4-way Keccak, for ML-DSA-65's key generation,
 * whose ExpandA leaves two lanes of its last call empty. ExpandA's streams take five
 * permutations and ExpandS's two (eta 4: 272 half-bytes a block, 256 kept of about 306 in two),
 * so lanes 2 and 3 run s[0] and s[1] for permutations 1-2, then restart with s[2] and s[3]
 * for 3-5. An s stream that needs a third block (rare) goes on alone from its saved state.
 * The s lanes read the first 136 bytes of each 168-byte block. CT: as the samplers it stands
 * for (the rejection decisions are declassified there too). */
void postq_mldsa_uniform_mixed_4x_avx2(struct postq_mldsa_poly *a[2],
                                       const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                                       const uint16_t anonce[2], struct postq_mldsa_poly *s[4],
                                       const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                                       const uint16_t snonce[4], int32_t eta)
{
    enum { RA = POSTQ_SHAKE128_RATE, RS = POSTQ_SHAKE256_RATE };
    struct postq_keccak4x st;
    struct postq_keccak rest[2]; /* s[0], s[1] after two blocks, should they need more */
    uint8_t ain[POSTQ_MLDSA_RHO_BYTES + 2], sin[POSTQ_MLDSA_CRH_BYTES + 2];
    _Alignas(32) uint8_t buf[4][RA + SLACK];
    _Alignas(32) int32_t sout[4][N + 8];
    unsigned actr[2] = {0, 0}, sctr[4] = {0, 0, 0, 0};

    memcpy(ain, rho, POSTQ_MLDSA_RHO_BYTES);
    memcpy(sin, rhoprime, POSTQ_MLDSA_CRH_BYTES);
    for (unsigned j = 0; j < 2; j++) {
        put_nonce(ain + POSTQ_MLDSA_RHO_BYTES, anonce[j]);
        postq_shake4x_start_lane(&st, j, RA, ain, sizeof(ain));
        put_nonce(sin + POSTQ_MLDSA_CRH_BYTES, snonce[j]);
        postq_shake4x_start_lane(&st, 2 + j, RS, sin, sizeof(sin));
    }
    for (unsigned b = 0; b < UNIFORM_BLOCKS || actr[0] < N || actr[1] < N ||
                         sctr[2] < N || sctr[3] < N;
         b++) {
        postq_shake4x_squeezeblocks(buf[0], buf[1], buf[2], buf[3], 1, RA, &st);
        for (unsigned j = 0; j < 2; j++) {
            unsigned t = b < 2 ? j : 2 + j; /* the s stream lane 2 + j runs now */

            actr[j] = rej_uniform_avx2(a[j]->c, actr[j], buf[j], RA);
            sctr[t] = rej_eta_avx2(sout[t], sctr[t], buf[2 + j], RS, eta);
        }
        if (b == 1) {
            for (unsigned j = 0; j < 2; j++) {
                /* save s[j]'s sponge, then restart the lane with s[2 + j] */
                for (unsigned i = 0; i < 25; i++) {
                    rest[j].s[i] = st.s[4 * i + 2 + j];
                }
                rest[j].rate = RS;
                rest[j].pos = RS;
                rest[j].dsbyte = 0x1F;
                rest[j].squeezing = 1;
                put_nonce(sin + POSTQ_MLDSA_CRH_BYTES, snonce[2 + j]);
                postq_shake4x_start_lane(&st, 2 + j, RS, sin, sizeof(sin));
            }
        }
    }
    for (unsigned j = 0; j < 2; j++) {
        while (sctr[j] < N) {
            postq_keccak_squeezeblocks(&rest[j], buf[2 + j], 1);
            sctr[j] = rej_eta_avx2(sout[j], sctr[j], buf[2 + j], RS, eta);
        }
        postq_keccak_wipe(&rest[j]);
    }
    for (unsigned j = 0; j < 4; j++) {
        memcpy(s[j]->c, sout[j], sizeof(s[j]->c));
    }
    postq_keccak4x_wipe(&st);
    postq_wipe(buf, sizeof(buf));
    postq_wipe(sout, sizeof(sout));
    postq_wipe(sin, sizeof(sin));
}

void postq_mldsa_uniform_gamma1_4x_avx2(struct postq_mldsa_poly *a[4],
                                        const uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES],
                                        const uint16_t nonce[4], int32_t gamma1)
{
    struct postq_keccak4x st;
    uint8_t in[4][POSTQ_MLDSA_CRH_BYTES + 2];
    _Alignas(32) uint8_t buf[4][GAMMA1_BLOCKS * POSTQ_SHAKE256_RATE + SLACK];

    for (unsigned j = 0; j < 4; j++) {
        memcpy(in[j], rhopp, POSTQ_MLDSA_CRH_BYTES);
        in[j][POSTQ_MLDSA_CRH_BYTES] = (uint8_t)nonce[j];
        in[j][POSTQ_MLDSA_CRH_BYTES + 1] = (uint8_t)(nonce[j] >> 8);
    }
    postq_shake4x_absorb(&st, POSTQ_SHAKE256_RATE, in[0], in[1], in[2], in[3], sizeof(in[0]));
    postq_shake4x_squeezeblocks(buf[0], buf[1], buf[2], buf[3], GAMMA1_BLOCKS, POSTQ_SHAKE256_RATE,
                                &st);
    for (unsigned j = 0; j < 4; j++) {
        if (a[j] != NULL) {
            postq_mldsa_polyz_unpack_avx2(a[j]->c, buf[j], gamma1);
        }
    }
    postq_keccak4x_wipe(&st);
    postq_wipe(buf, sizeof(buf));
    postq_wipe(in, sizeof(in));
}

#endif
