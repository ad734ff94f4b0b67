/* SPDX-License-Identifier: Apache-2.0 */
/* Four SHAKE sponges driven by one 4-way Keccak-f[1600] (keccak4x.h) [FIPS 202 §4, §6.2], and
 * the dispatch between the AVX2 permutation (keccak4x_avx2.c) and the portable one here. The
 * sponge code is shared by both paths, so they differ only in the permutation. */
#include "crypto/keccak4x.h"

#include <assert.h>
#include <string.h>

#include "common/cpu.h"
#include "common/mem.h"

/* SHAKE's domain suffix 1111 with the first bit of pad10*1 [FIPS 202 §6.2, B.2]. */
#define SHAKE_DSBYTE 0x1F

static inline uint64_t load64_le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void store64_le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

/* Byte i of the rate part of state j. */
static inline void xor_byte(uint64_t s[100], unsigned j, size_t i, uint8_t b)
{
    s[4 * (i / 8) + j] ^= (uint64_t)b << (8 * (i % 8));
}

/* The portable path: each state gathered into the layout of keccak.h and permuted there, so
 * there is one scalar Keccak-f[1600] to trust. */
static void f1600_portable(uint64_t s[100])
{
    uint64_t t[25];

    for (unsigned j = 0; j < 4; j++) {
        for (unsigned i = 0; i < 25; i++) {
            t[i] = s[4 * i + j];
        }
        postq_keccak_f1600(t);
        for (unsigned i = 0; i < 25; i++) {
            s[4 * i + j] = t[i];
        }
    }
    /* t holds the last state whole: the sponges may be keyed by secret seeds. */
    postq_wipe(t, sizeof(t));
}

void postq_keccak4x_f1600(struct postq_keccak4x *st)
{
#if defined(__x86_64__)
    if (postq_cpu_avx2()) {
        postq_keccak4x_f1600_avx2(st->s);
        return;
    }
#endif
    f1600_portable(st->s);
}

void postq_shake4x_absorb(struct postq_keccak4x *st, unsigned rate, const uint8_t *in0,
                          const uint8_t *in1, const uint8_t *in2, const uint8_t *in3, size_t len)
{
    const uint8_t *in[4] = {in0, in1, in2, in3};
    size_t i;

    assert(rate == POSTQ_SHAKE128_RATE || rate == POSTQ_SHAKE256_RATE);
    memset(st->s, 0, sizeof(st->s));
    while (len >= rate) {
        for (i = 0; i < rate / 8; i++) {
            for (unsigned j = 0; j < 4; j++) {
                st->s[4 * i + j] ^= load64_le(in[j] + 8 * i);
            }
        }
        postq_keccak4x_f1600(st);
        for (unsigned j = 0; j < 4; j++) {
            in[j] += rate;
        }
        len -= rate;
    }
    /* The tail, a lane at a time while whole lanes remain (ML-DSA's seeds are 34 and 66 bytes),
     * then byte by byte; then pad10*1, whose two bytes coincide when len = rate - 1. */
    for (i = 0; i + 8 <= len; i += 8) {
        for (unsigned j = 0; j < 4; j++) {
            st->s[4 * (i / 8) + j] ^= load64_le(in[j] + i);
        }
    }
    for (; i < len; i++) {
        for (unsigned j = 0; j < 4; j++) {
            xor_byte(st->s, j, i, in[j][i]);
        }
    }
    for (unsigned j = 0; j < 4; j++) {
        xor_byte(st->s, j, len, SHAKE_DSBYTE);
        xor_byte(st->s, j, rate - 1, 0x80);
    }
}

void postq_shake4x_start_lane(struct postq_keccak4x *st, unsigned j, unsigned rate,
                              const uint8_t *in, size_t len)
{
    size_t i;

    assert(j < 4 && (rate == POSTQ_SHAKE128_RATE || rate == POSTQ_SHAKE256_RATE) && len < rate);
    for (i = 0; i < 25; i++) {
        st->s[4 * i + j] = 0;
    }
    for (i = 0; i + 8 <= len; i += 8) {
        st->s[4 * (i / 8) + j] ^= load64_le(in + i);
    }
    for (; i < len; i++) {
        xor_byte(st->s, j, i, in[i]);
    }
    xor_byte(st->s, j, len, SHAKE_DSBYTE);
    xor_byte(st->s, j, rate - 1, 0x80);
}

void postq_shake4x_squeezeblocks(uint8_t *out0, uint8_t *out1, uint8_t *out2, uint8_t *out3,
                                 size_t nblocks, unsigned rate, struct postq_keccak4x *st)
{
    uint8_t *out[4] = {out0, out1, out2, out3};

    assert(rate == POSTQ_SHAKE128_RATE || rate == POSTQ_SHAKE256_RATE);
    while (nblocks-- > 0) {
        postq_keccak4x_f1600(st);
#if defined(__x86_64__)
        if (postq_cpu_avx2()) {
            postq_keccak4x_extract_avx2(st->s, out, rate / 8);
            for (unsigned j = 0; j < 4; j++) {
                out[j] += rate;
            }
            continue;
        }
#endif
        for (unsigned i = 0; i < rate / 8; i++) {
            for (unsigned j = 0; j < 4; j++) {
                store64_le(out[j] + 8 * i, st->s[4 * i + j]);
            }
        }
        for (unsigned j = 0; j < 4; j++) {
            out[j] += rate;
        }
    }
}

void postq_keccak4x_wipe(struct postq_keccak4x *st)
{
    postq_wipe(st, sizeof(*st));
}
