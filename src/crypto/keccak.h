/* SPDX-License-Identifier: Apache-2.0 */
/* Keccak-f[1600] and the FIPS 202 functions built on it: SHA3-256/512, SHAKE128/256, with
 * incremental absorb and squeeze [FIPS 202 §4-6]. No heap: the caller owns the context. */
#ifndef POSTQ_CRYPTO_KECCAK_H
#define POSTQ_CRYPTO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define POSTQ_SHAKE128_RATE 168
#define POSTQ_SHAKE256_RATE 136
#define POSTQ_SHA3_256_RATE 136
#define POSTQ_SHA3_512_RATE 72

/* A sponge. rate in bytes; dsbyte the domain suffix with its first padding bit (SHA-3 0x06,
 * SHAKE 0x1F). While absorbing, pos counts bytes absorbed into the current block; once
 * squeezing, pos counts bytes of the current block already read. */
struct postq_keccak {
    uint64_t s[25];
    unsigned rate;
    unsigned pos;
    uint8_t dsbyte;
    uint8_t squeezing;
};

/* The permutation, 24 rounds, on 25 lanes (lane i = x + 5y, little-endian byte order): the AVX2
 * permutation of keccak_avx2.c when postq_cpu_avx2(), else the portable one; same result.
 * CT: no branch or memory index depends on the state. */
void postq_keccak_f1600(uint64_t s[25]);

/* internal: the round constants of iota [FIPS 202 §3.2.5] (keccak.c), for the AVX2 permutations. */
extern const uint64_t postq_keccak_rc[24];

/* internal: the AVX2 permutation (keccak_avx2.c). Compiled in on x86-64 only; call it only when
 * postq_cpu_avx2() is true. Leaves no state in its stack frame or in the ymm registers. */
void postq_keccak_f1600_avx2(uint64_t s[25]);

void postq_keccak_init(struct postq_keccak *k, unsigned rate, uint8_t dsbyte);
void postq_shake128_init(struct postq_keccak *k);
void postq_shake256_init(struct postq_keccak *k);
void postq_sha3_256_init(struct postq_keccak *k);
void postq_sha3_512_init(struct postq_keccak *k);

/* Absorb more input. Must not be called after the first squeeze (asserted). */
void postq_keccak_absorb(struct postq_keccak *k, const uint8_t *in, size_t len);
/* Pad and switch to squeezing; called by the first squeeze if not called before. */
void postq_keccak_finalize(struct postq_keccak *k);
/* Squeeze any number of bytes, in as many calls as wanted. */
void postq_keccak_squeeze(struct postq_keccak *k, uint8_t *out, size_t len);
/* Squeeze nblocks whole blocks (nblocks * rate bytes). Only valid right after finalize or
 * after reads that ended on a block boundary; the fast path for rejection samplers. */
void postq_keccak_squeezeblocks(struct postq_keccak *k, uint8_t *out, size_t nblocks);
/* Wipe the state (it may hold secret-derived bytes). */
void postq_keccak_wipe(struct postq_keccak *k);

/* One-shot helpers. out of 32 / 64 / outlen bytes. */
void postq_sha3_256(uint8_t out[32], const uint8_t *in, size_t len);
void postq_sha3_512(uint8_t out[64], const uint8_t *in, size_t len);
void postq_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t len);
void postq_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t len);

#endif
