/* SPDX-License-Identifier: Apache-2.0 */
/* Four Keccak-f[1600] permutations at once, and four SHAKE128/256 sponges on top of them, for
 * ML-DSA's parallel streams (matrix expansion, vector sampling) [FIPS 202 §3.3, §4, §6.2].
 * Each state gives exactly the bytes of the one-state sponge of keccak.h. No heap. */
#ifndef POSTQ_CRYPTO_KECCAK4X_H
#define POSTQ_CRYPTO_KECCAK4X_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/keccak.h"

/* Four Keccak-f[1600] states side by side, lane-interleaved: s[4 * i + j] is lane i of state j
 * (lane i = x + 5y as in keccak.h). 32-byte aligned so the AVX2 path loads lanes directly. */
struct postq_keccak4x {
    _Alignas(32) uint64_t s[100];
};

/* Permutes the four states: AVX2 when postq_cpu_avx2(), else four calls of postq_keccak_f1600.
 * CT: no branch or memory index depends on the states. */
void postq_keccak4x_f1600(struct postq_keccak4x *st);

/* Starts four SHAKE sponges (rate POSTQ_SHAKE128_RATE or POSTQ_SHAKE256_RATE; dsbyte 0x1F) and
 * absorbs in0..in3, each len bytes (any len), then pads: the states are ready to squeeze.
 * in0..in3 may be NULL when len is 0. CT: time depends on len and rate only. */
void postq_shake4x_absorb(struct postq_keccak4x *st, unsigned rate, const uint8_t *in0,
                          const uint8_t *in1, const uint8_t *in2, const uint8_t *in3, size_t len);

/* Squeezes nblocks whole blocks (nblocks * rate bytes) from each state into out0..out3,
 * permuting before each block (the first call after absorb permutes first, like
 * postq_keccak_squeezeblocks after finalize). May be called again for more blocks. rate must be
 * the one given to postq_shake4x_absorb. CT: time depends on nblocks and rate only. */
void postq_shake4x_squeezeblocks(uint8_t *out0, uint8_t *out1, uint8_t *out2, uint8_t *out3,
                                 size_t nblocks, unsigned rate, struct postq_keccak4x *st);

/* (Re)starts the sponge of lane j alone, for streams that need not share a rate (SHAKE128
 * beside SHAKE256) or a start: zeroes lane j's state, absorbs in[0..len) and pads at rate
 * (POSTQ_SHAKE128_RATE or POSTQ_SHAKE256_RATE; len < rate). The other lanes are untouched.
 * Squeeze with postq_shake4x_squeezeblocks at the largest rate in use: a lane of smaller rate
 * finds its block in the first `rate` bytes of each (the bytes after them are not output and
 * must be wiped). */
void postq_shake4x_start_lane(struct postq_keccak4x *st, unsigned j, unsigned rate,
                              const uint8_t *in, size_t len);

/* Wipes the states (they may hold secret-derived bytes). */
void postq_keccak4x_wipe(struct postq_keccak4x *st);

/* internal: the AVX2 permutation (keccak4x_avx2.c) on the 100 lanes of struct postq_keccak4x
 * (8-byte alignment suffices; 32 is fastest). Compiled in on x86-64 only; call it only when
 * postq_cpu_avx2() is true. Leaves no state in its stack frame or in the ymm registers. */
void postq_keccak4x_f1600_avx2(uint64_t s[100]);

/* internal: the first `lanes` lanes of each state to out[0..3] with AVX2 (keccak4x_avx2.c); the
 * squeeze's output step. Same conditions as postq_keccak4x_f1600_avx2. */
void postq_keccak4x_extract_avx2(const uint64_t s[100], uint8_t *const out[4], unsigned lanes);

#endif
