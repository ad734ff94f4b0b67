/* SPDX-License-Identifier: Apache-2.0 */
/* Keccak-f[1600] on four states at once with AVX2 [FIPS 202 §3.3]: one 256-bit register holds
 * the same lane of the four states (the interleaved layout of struct postq_keccak4x), so every
 * step of the round is the scalar step of keccak.c done on four lanes by one instruction. */
#include "crypto/keccak4x.h"

#if defined(__x86_64__) && defined(__AVX2__)

#include <immintrin.h>
#include <string.h>

#include "common/mem.h"

typedef __m256i v256;


/* AVX2 has no 64-bit rotate (vprolq is AVX-512): two shifts by immediates and an OR. */
#define ROL(v, n) _mm256_or_si256(_mm256_slli_epi64(v, n), _mm256_srli_epi64(v, 64 - (n)))

/* Rotations by whole bytes are one byte shuffle within each 64-bit lane: one instruction
 * instead of three. Output byte k of a lane takes input byte k - 1 (by 8) or k + 1 (by 56). */
static inline v256 rol8(v256 v)
{
    const v256 idx = _mm256_set_epi64x(0x0e0d0c0b0a09080fLL, 0x0605040302010007LL,
                                       0x0e0d0c0b0a09080fLL, 0x0605040302010007LL);
    return _mm256_shuffle_epi8(v, idx);
}

static inline v256 rol56(v256 v)
{
    const v256 idx = _mm256_set_epi64x(0x080f0e0d0c0b0a09LL, 0x0007060504030201LL,
                                       0x080f0e0d0c0b0a09LL, 0x0007060504030201LL);
    return _mm256_shuffle_epi8(v, idx);
}

/* Lane i of the four states (s[4i .. 4i + 3]). Unaligned loads and stores: as fast as aligned
 * ones on aligned data, and folded into vpxor's memory operand all the same, so a caller with an
 * under-aligned copy of the state (a heap block) is not punished with a fault. */
#define LD(s, i)    _mm256_loadu_si256((const v256 *)((s) + 4 * (i)))
#define ST(s, i, v) _mm256_storeu_si256((v256 *)((s) + 4 * (i)), v)

/* A column parity as one chain: one load and four XORs with memory operands. The empty asm
 * keeps the compiler from rebalancing the chain into a tree, which needs a second load. */
static inline v256 xor5(v256 v0, v256 v1, v256 v2, v256 v3, v256 v4)
{
    v256 c = _mm256_xor_si256(v0, v1);

    __asm__("" : "+x"(c));
    c = _mm256_xor_si256(c, v2);
    __asm__("" : "+x"(c));
    c = _mm256_xor_si256(c, v3);
    __asm__("" : "+x"(c));
    return _mm256_xor_si256(c, v4);
}

/* chi on one row: e[x] = b[x] ^ (~b[x+1] & b[x+2]); andnot computes ~first & second. */
#define CHI(b0, b1, b2) _mm256_xor_si256(b0, _mm256_andnot_si256(b1, b2))

/* One round Rnd(A, ir) from a into e, fused as in keccak.c (which derives the indices):
 * theta's column parities and d[x] = c[x-1] ^ rot(c[x+1], 1) first, then for each output plane
 * the five lanes chi reads, each loaded with theta's d and rho's rotation applied (pi is in the
 * choice of input lanes), then chi and, on plane 0, iota.
 *
 * The state stays in memory, a and e, and is read through memory operands of vpxor: working
 * plane by plane, at most a dozen registers are live, so nothing spills. noinline on purpose:
 * inlined into the loop below, GCC and Clang keep the 25 lanes in registers from one round to
 * the next, spill the half that does not fit to stack slots nobody wipes (round 23's state among
 * them, from which the input follows), for 3% fewer instructions and 5-10% less time. */
static __attribute__((noinline)) void round4(const uint64_t *a, uint64_t *e, v256 rc)
{
    v256 b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

    c0 = xor5(LD(a, 0), LD(a, 5), LD(a, 10), LD(a, 15), LD(a, 20));
    c1 = xor5(LD(a, 1), LD(a, 6), LD(a, 11), LD(a, 16), LD(a, 21));
    c2 = xor5(LD(a, 2), LD(a, 7), LD(a, 12), LD(a, 17), LD(a, 22));
    c3 = xor5(LD(a, 3), LD(a, 8), LD(a, 13), LD(a, 18), LD(a, 23));
    c4 = xor5(LD(a, 4), LD(a, 9), LD(a, 14), LD(a, 19), LD(a, 24));
    d0 = _mm256_xor_si256(c4, ROL(c1, 1));
    d1 = _mm256_xor_si256(c0, ROL(c2, 1));
    d2 = _mm256_xor_si256(c1, ROL(c3, 1));
    d3 = _mm256_xor_si256(c2, ROL(c4, 1));
    d4 = _mm256_xor_si256(c3, ROL(c0, 1));

    /* output plane y = 0 */
    b0 = _mm256_xor_si256(LD(a, 0), d0);
    b1 = ROL(_mm256_xor_si256(LD(a, 6), d1), 44);
    b2 = ROL(_mm256_xor_si256(LD(a, 12), d2), 43);
    b3 = ROL(_mm256_xor_si256(LD(a, 18), d3), 21);
    b4 = ROL(_mm256_xor_si256(LD(a, 24), d4), 14);
    ST(e, 0, _mm256_xor_si256(CHI(b0, b1, b2), rc));
    ST(e, 1, CHI(b1, b2, b3));
    ST(e, 2, CHI(b2, b3, b4));
    ST(e, 3, CHI(b3, b4, b0));
    ST(e, 4, CHI(b4, b0, b1));

    /* output plane y = 1 */
    b0 = ROL(_mm256_xor_si256(LD(a, 3), d3), 28);
    b1 = ROL(_mm256_xor_si256(LD(a, 9), d4), 20);
    b2 = ROL(_mm256_xor_si256(LD(a, 10), d0), 3);
    b3 = ROL(_mm256_xor_si256(LD(a, 16), d1), 45);
    b4 = ROL(_mm256_xor_si256(LD(a, 22), d2), 61);
    ST(e, 5, CHI(b0, b1, b2));
    ST(e, 6, CHI(b1, b2, b3));
    ST(e, 7, CHI(b2, b3, b4));
    ST(e, 8, CHI(b3, b4, b0));
    ST(e, 9, CHI(b4, b0, b1));

    /* output plane y = 2 */
    b0 = ROL(_mm256_xor_si256(LD(a, 1), d1), 1);
    b1 = ROL(_mm256_xor_si256(LD(a, 7), d2), 6);
    b2 = ROL(_mm256_xor_si256(LD(a, 13), d3), 25);
    b3 = rol8(_mm256_xor_si256(LD(a, 19), d4));
    b4 = ROL(_mm256_xor_si256(LD(a, 20), d0), 18);
    ST(e, 10, CHI(b0, b1, b2));
    ST(e, 11, CHI(b1, b2, b3));
    ST(e, 12, CHI(b2, b3, b4));
    ST(e, 13, CHI(b3, b4, b0));
    ST(e, 14, CHI(b4, b0, b1));

    /* output plane y = 3 */
    b0 = ROL(_mm256_xor_si256(LD(a, 4), d4), 27);
    b1 = ROL(_mm256_xor_si256(LD(a, 5), d0), 36);
    b2 = ROL(_mm256_xor_si256(LD(a, 11), d1), 10);
    b3 = ROL(_mm256_xor_si256(LD(a, 17), d2), 15);
    b4 = rol56(_mm256_xor_si256(LD(a, 23), d3));
    ST(e, 15, CHI(b0, b1, b2));
    ST(e, 16, CHI(b1, b2, b3));
    ST(e, 17, CHI(b2, b3, b4));
    ST(e, 18, CHI(b3, b4, b0));
    ST(e, 19, CHI(b4, b0, b1));

    /* output plane y = 4 */
    b0 = ROL(_mm256_xor_si256(LD(a, 2), d2), 62);
    b1 = ROL(_mm256_xor_si256(LD(a, 8), d3), 55);
    b2 = ROL(_mm256_xor_si256(LD(a, 14), d4), 39);
    b3 = ROL(_mm256_xor_si256(LD(a, 15), d0), 41);
    b4 = ROL(_mm256_xor_si256(LD(a, 21), d1), 2);
    ST(e, 20, CHI(b0, b1, b2));
    ST(e, 21, CHI(b1, b2, b3));
    ST(e, 22, CHI(b2, b3, b4));
    ST(e, 23, CHI(b3, b4, b0));
    ST(e, 24, CHI(b4, b0, b1));
}

/* ThreadSanitizer's instrumentation makes the compiler spill lanes of round4 to its frame (the
 * plain and AddressSanitizer builds spill none: keccak4x_test checks it). Under TSan, a callee
 * as deep as round4 then zeroes that stack area. */
#if defined(__SANITIZE_THREAD__)
#define KECCAK4X_BURN_STACK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KECCAK4X_BURN_STACK 1
#endif
#endif

#ifdef KECCAK4X_BURN_STACK
static __attribute__((noinline)) void burn_stack(void)
{
    volatile uint8_t b[4096];

    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] = 0;
    }
}
#endif

void postq_keccak4x_f1600_avx2(uint64_t s[100])
{
    _Alignas(32) uint64_t e[100]; /* aligned: no lane straddles two cache lines */

    /* Two rounds per iteration, s to e and back, so no round copies the state. */
    for (size_t i = 0; i < 24; i += 2) {
        round4(s, e, _mm256_set1_epi64x((long long)postq_keccak_rc[i]));
        round4(e, s, _mm256_set1_epi64x((long long)postq_keccak_rc[i + 1]));
    }
    /* The last round's lanes are still in ymm registers, which a later xsave (lazy symbol
     * binding, a signal frame) would write to memory; vzeroall also ends the AVX code, as
     * vzeroupper would. e holds the state after 23 rounds, from which the input follows. */
    _mm256_zeroall();
    /* Wiped here with 25 aligned stores rather than through postq_wipe's call and checks: this
     * runs for every block of every SHAKE stream. The empty asm after them, which may read e,
     * keeps the stores from being dropped as dead. */
    {
        v256 z = _mm256_setzero_si256();

        __asm__("" : "+x"(z)); /* an opaque zero: no rep stos (25 stores, not 100 iterations) */
#pragma GCC unroll 25
        for (size_t i = 0; i < 25; i++) {
            _mm256_store_si256((v256 *)(e + 4 * i), z);
        }
    }
    __asm__ volatile("" : : "r"(e) : "memory");
#ifdef KECCAK4X_BURN_STACK
    burn_stack();
#endif
}

/* The first `lanes` lanes of each state to out[0..3] (8 bytes per lane, little-endian as the
 * states are): four lanes of the four states at a time are one 4x4 transpose of 64-bit words. */
void postq_keccak4x_extract_avx2(const uint64_t s[100], uint8_t *const out[4], unsigned lanes)
{
    unsigned i = 0;

    for (; i + 4 <= lanes; i += 4) {
        __m256i l0 = _mm256_loadu_si256((const __m256i *)(s + 4 * i));
        __m256i l1 = _mm256_loadu_si256((const __m256i *)(s + 4 * i + 4));
        __m256i l2 = _mm256_loadu_si256((const __m256i *)(s + 4 * i + 8));
        __m256i l3 = _mm256_loadu_si256((const __m256i *)(s + 4 * i + 12));
        __m256i t0 = _mm256_unpacklo_epi64(l0, l1); /* state 0 and 2 of lanes i, i+1 */
        __m256i t1 = _mm256_unpackhi_epi64(l0, l1); /* state 1 and 3 */
        __m256i t2 = _mm256_unpacklo_epi64(l2, l3);
        __m256i t3 = _mm256_unpackhi_epi64(l2, l3);

        _mm256_storeu_si256((__m256i *)(out[0] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x20));
        _mm256_storeu_si256((__m256i *)(out[1] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x20));
        _mm256_storeu_si256((__m256i *)(out[2] + 8 * i), _mm256_permute2x128_si256(t0, t2, 0x31));
        _mm256_storeu_si256((__m256i *)(out[3] + 8 * i), _mm256_permute2x128_si256(t1, t3, 0x31));
    }
    for (; i < lanes; i++) {
        for (unsigned j = 0; j < 4; j++) {
            memcpy(out[j] + 8 * i, &s[4 * i + j], 8);
        }
    }
}

#endif
