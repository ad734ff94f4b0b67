/* SPDX-License-Identifier: Apache-2.0 */
/* Keccak-f[1600] on one state with AVX2 [FIPS 202 §3.3]: the 25 lanes in seven 256-bit
 * registers, laid out so that pi is a renaming of registers plus four in-register permutes and
 * theta works on four columns at once. About 120 vector instructions a round against some 190
 * scalar ones (keccak.c), for the single SHAKE streams of ML-DSA (H(pk), mu, the w1 hash, the
 * challenge) and for SHA-3.
 *
 * Layout. Lane (x, y) is lane x + 5y of the state array. Besides (0, 0), the lanes fall into six
 * sets of four that pi maps onto one another (pi sends (x, y) to (y, 2x + 3y)):
 *
 *   r1  column 0      (0,1) (0,2) (0,3) (0,4)      position p holds y = p + 1
 *   r2  row 0         (1,0) (2,0) (3,0) (4,0)      position p holds x = p + 1, as in r3..r6
 *   r3  diagonal      (1,1) (2,2) (3,3) (4,4)
 *   r4  "a"           (1,3) (2,1) (3,4) (4,2)
 *   r5  "b"           (1,2) (2,4) (3,1) (4,3)
 *   r6  "c"           (1,4) (2,3) (3,2) (4,1)
 *   r0  (0,0) in all four positions
 *
 * pi maps the diagonal onto row 0, row 0 onto column 0, column 0 onto a, a onto b, b onto c and
 * c onto the diagonal; within each set only the order changes, so pi is four vpermq.
 * r2..r6 hold x = 1..4 in positions 0..3 and the five of them hold every y once per position, so
 * their XOR is the column parities C[1..4]; C[0] is (0,0) plus the horizontal XOR of r1.
 * chi needs each lane's two right neighbours in its row at the same position: for row 0 they are
 * r2 shifted by one and two positions, for column 0 they are gathered from position 0 and 1 of
 * r3..r6 (two unpacks and a 128-bit permute each), and for r3..r6 they are blends of three other
 * registers shifted into place (the tables below say which lane comes from where).
 *
 * Intrinsics as in the other *_avx2.c files; nothing here runs unless postq_cpu_avx2(). */
#include "crypto/keccak.h"

#if defined(__x86_64__) && defined(__AVX2__)

#include <immintrin.h>

typedef __m256i v256;


/* rho's offsets [FIPS 202 Table 2] for the lanes of r1..r6, in register order, and 64 minus
 * them for the right shifts (no lane but (0, 0) has offset 0). */
#define R1_ROT 36, 3, 41, 18 /* (0,1) (0,2) (0,3) (0,4) */
#define R2_ROT 1, 62, 28, 27 /* (1,0) (2,0) (3,0) (4,0) */
#define R3_ROT 44, 43, 21, 14 /* (1,1) (2,2) (3,3) (4,4) */
#define R4_ROT 45, 6, 56, 39 /* (1,3) (2,1) (3,4) (4,2) */
#define R5_ROT 10, 61, 55, 8 /* (1,2) (2,4) (3,1) (4,3) */
#define R6_ROT 2, 15, 25, 20 /* (1,4) (2,3) (3,2) (4,1) */
#define RIGHT(a, b, c, d) 64 - (a), 64 - (b), 64 - (c), 64 - (d)
#define RIGHT_(...) RIGHT(__VA_ARGS__)

static const uint64_t ROT_L[6][4] __attribute__((aligned(32))) = {
    {R1_ROT}, {R2_ROT}, {R3_ROT}, {R4_ROT}, {R5_ROT}, {R6_ROT},
};
static const uint64_t ROT_R[6][4] __attribute__((aligned(32))) = {
    {RIGHT_(R1_ROT)}, {RIGHT_(R2_ROT)}, {RIGHT_(R3_ROT)},
    {RIGHT_(R4_ROT)}, {RIGHT_(R5_ROT)}, {RIGHT_(R6_ROT)},
};

/* new[j] = v[ij] for the four 64-bit positions j = 0..3 */
#define PERM(v, i0, i1, i2, i3) \
    _mm256_permute4x64_epi64(v, (i0) | ((i1) << 2) | ((i2) << 4) | ((i3) << 6))
/* a with the 64-bit positions whose bit is set in m (bit p: position p) taken from b */
#define BMASK(m) \
    ((((m) & 1) ? 0x03 : 0) | (((m) & 2) ? 0x0c : 0) | (((m) & 4) ? 0x30 : 0) | (((m) & 8) ? 0xc0 : 0))
#define BLEND(a, b, m) _mm256_blend_epi32(a, b, BMASK(m))
#define P0 1
#define P1 2
#define P2 4
#define P3 8
#define XOR(a, b)  _mm256_xor_si256(a, b)
#define ANDN(a, b) _mm256_andnot_si256(a, b) /* ~a & b */
#define ROL1(v)    _mm256_or_si256(_mm256_add_epi64(v, v), _mm256_srli_epi64(v, 63))
#define RHO(v, k)                                                                   \
    _mm256_or_si256(_mm256_sllv_epi64(v, _mm256_load_si256((const v256 *)ROT_L[k])), \
                    _mm256_srlv_epi64(v, _mm256_load_si256((const v256 *)ROT_R[k])))

/* Four lanes s[i0], s[i1], s[i2], s[i3] into one register, and back. */
static inline v256 load4(const uint64_t *s, unsigned i0, unsigned i1, unsigned i2, unsigned i3)
{
    __m128i lo = _mm_loadl_epi64((const __m128i *)(s + i0));
    __m128i hi = _mm_loadl_epi64((const __m128i *)(s + i2));

    lo = _mm_castpd_si128(_mm_loadh_pd(_mm_castsi128_pd(lo), (const double *)(s + i1)));
    hi = _mm_castpd_si128(_mm_loadh_pd(_mm_castsi128_pd(hi), (const double *)(s + i3)));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

static inline void store4(uint64_t *s, unsigned i0, unsigned i1, unsigned i2, unsigned i3, v256 v)
{
    __m128i lo = _mm256_castsi256_si128(v);
    __m128i hi = _mm256_extracti128_si256(v, 1);

    _mm_storel_epi64((__m128i *)(s + i0), lo);
    _mm_storeh_pd((double *)(s + i1), _mm_castsi128_pd(lo));
    _mm_storel_epi64((__m128i *)(s + i2), hi);
    _mm_storeh_pd((double *)(s + i3), _mm_castsi128_pd(hi));
}

void postq_keccak_f1600_avx2(uint64_t s[25])
{
    v256 r0, r1, r2, r3, r4, r5, r6;

    r0 = _mm256_set1_epi64x((long long)s[0]);
    r1 = load4(s, 5, 10, 15, 20);
    r2 = _mm256_loadu_si256((const v256 *)(s + 1));
    r3 = load4(s, 6, 12, 18, 24);
    r4 = load4(s, 16, 7, 23, 14);
    r5 = load4(s, 11, 22, 8, 19);
    r6 = load4(s, 21, 17, 13, 9);

    for (unsigned i = 0; i < 24; i++) {
        v256 c, c0, d, d0, t, u, n1, n2, l1, l2;

        /* theta: c = C[1..4], c0 = C[0] in every position; d = D[1..4], d0 = D[0]. */
        c = XOR(XOR(XOR(r2, r3), XOR(r4, r5)), r6);
        t = XOR(r1, PERM(r1, 2, 3, 0, 1));
        t = XOR(t, PERM(t, 1, 0, 3, 2));
        c0 = XOR(t, r0);
        /* D[x] = C[x-1] ^ rot(C[x+1], 1): [C0 C1 C2 C3] ^ rot([C2 C3 C4 C0]) */
        t = BLEND(PERM(c, 0, 0, 1, 2), c0, P0);
        u = BLEND(PERM(c, 1, 2, 3, 3), c0, P3);
        d = XOR(t, ROL1(u));
        /* D[0] = C[4] ^ rot(C[1], 1) */
        u = PERM(c, 0, 0, 0, 0);
        d0 = XOR(PERM(c, 3, 3, 3, 3), ROL1(u));
        r0 = XOR(r0, d0);
        r1 = XOR(r1, d0);
        r2 = XOR(r2, d);
        r3 = XOR(r3, d);
        r4 = XOR(r4, d);
        r5 = XOR(r5, d);
        r6 = XOR(r6, d);

        /* rho, then pi: diagonal -> row 0 -> column 0 -> a -> b -> c -> diagonal, with the
         * order within each set fixed up by a permute (derived from pi lane by lane). */
        r1 = RHO(r1, 0);
        r2 = RHO(r2, 1);
        r3 = RHO(r3, 2);
        r4 = RHO(r4, 3);
        r5 = RHO(r5, 4);
        r6 = RHO(r6, 5);
        t = r1;
        r1 = PERM(r2, 2, 0, 3, 1); /* (x, 0) -> (0, 2x) */
        r2 = r3;                   /* (x, x) -> (x, 0) */
        r3 = PERM(r6, 3, 2, 1, 0); /* c -> diagonal */
        r6 = PERM(r5, 2, 0, 3, 1); /* b -> c */
        r5 = PERM(r4, 1, 3, 0, 2); /* a -> b */
        r4 = t;                    /* (0, y) -> (y, 3y) */

        /* chi: lane ^= ~right & right2 along each row y. */
        /* column 0: l1 = (1, y), l2 = (2, y) for y = 1..4 */
        l1 = _mm256_permute2x128_si256(_mm256_unpacklo_epi64(r3, r5), _mm256_unpacklo_epi64(r4, r6),
                                       0x20);
        l2 = _mm256_permute2x128_si256(_mm256_unpackhi_epi64(r4, r3), _mm256_unpackhi_epi64(r6, r5),
                                       0x20);
        {
            v256 o0, o1, o2, o3, o4, o5, o6;

            /* row 0 */
            o0 = XOR(r0, ANDN(PERM(r2, 0, 0, 0, 0), PERM(r2, 1, 1, 1, 1)));
            o0 = XOR(o0, _mm256_set1_epi64x((long long)postq_keccak_rc[i]));
            n1 = BLEND(PERM(r2, 1, 2, 3, 3), r0, P3);
            n2 = BLEND(PERM(r2, 2, 3, 0, 0), r0, P2);
            o2 = XOR(r2, ANDN(n1, n2));
            o1 = XOR(r1, ANDN(l1, l2));

            /* diagonal, y = 1 2 3 4: right (2,1) (3,2) (4,3) (0,4), right2 (3,1) (4,2) (0,3) (1,4) */
            n1 = BLEND(PERM(BLEND(BLEND(r4, r6, P2), r5, P3), 1, 2, 3, 3), r1, P3);
            n2 = BLEND(PERM(BLEND(r5, r4, P3), 2, 3, 2, 3), BLEND(r1, l1, P3), P2 | P3);
            o3 = XOR(r3, ANDN(n1, n2));

            /* a, y = 3 1 4 2: right (2,3) (3,1) (4,4) (0,2), right2 (3,3) (4,1) (0,4) (1,2) */
            n1 = BLEND(PERM(BLEND(BLEND(r6, r5, P2), r3, P3), 1, 2, 3, 3), PERM(r1, 1, 1, 1, 1), P3);
            n2 = BLEND(PERM(BLEND(r3, r6, P3), 2, 3, 2, 3), PERM(BLEND(r1, l1, P1), 3, 3, 3, 1),
                       P2 | P3);
            o4 = XOR(r4, ANDN(n1, n2));

            /* b, y = 2 4 1 3: right (2,2) (3,4) (4,1) (0,3), right2 (3,2) (4,4) (0,1) (1,3) */
            n1 = BLEND(PERM(BLEND(BLEND(r3, r4, P2), r6, P3), 1, 2, 3, 3), PERM(r1, 2, 2, 2, 2), P3);
            n2 = BLEND(PERM(BLEND(r6, r3, P3), 2, 3, 2, 3), PERM(BLEND(r1, l1, P2), 0, 0, 0, 2),
                       P2 | P3);
            o5 = XOR(r5, ANDN(n1, n2));

            /* c, y = 4 3 2 1: right (2,4) (3,3) (4,2) (0,1), right2 (3,4) (4,3) (0,2) (1,1) */
            n1 = PERM(BLEND(BLEND(BLEND(r5, r3, P2), r4, P3), r1, P0), 1, 2, 3, 0);
            n2 = BLEND(PERM(BLEND(r4, r5, P3), 2, 3, 2, 3), PERM(BLEND(r1, l1, P0), 1, 1, 1, 0),
                       P2 | P3);
            o6 = XOR(r6, ANDN(n1, n2));

            r0 = o0;
            r1 = o1;
            r2 = o2;
            r3 = o3;
            r4 = o4;
            r5 = o5;
            r6 = o6;
        }
    }

    _mm_storel_epi64((__m128i *)s, _mm256_castsi256_si128(r0));
    store4(s, 5, 10, 15, 20, r1);
    _mm256_storeu_si256((v256 *)(s + 1), r2);
    store4(s, 6, 12, 18, 24, r3);
    store4(s, 16, 7, 23, 14, r4);
    store4(s, 11, 22, 8, 19, r5);
    store4(s, 21, 17, 13, 9, r6);
    /* The state is still in ymm registers, which a later xsave (a signal frame, lazy binding)
     * would write to memory; vzeroall also ends the AVX code as vzeroupper would. */
    _mm256_zeroall();
}

#endif
