/* SPDX-License-Identifier: Apache-2.0 */
/* Keccak-f[1600] and the sponge behind SHA3-256/512 and SHAKE128/256 [FIPS 202 §3.2-3.3, §4-6].
 * Lanes are 64-bit words, lane (x, y) at index x + 5y; bytes enter and leave little-endian.
 * One round is written out (theta, rho and pi fused into the loads of chi's inputs) and the
 * permutation alternates two state arrays so no round copies the state. */
#include "crypto/keccak.h"

#include <assert.h>
#include <string.h>

#include "common/cpu.h"
#include "common/mem.h"

#define ROL(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

/* Round constants RC[i] of iota [FIPS 202 §3.2.5], shared with the AVX2 permutations. */
const uint64_t postq_keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Lane complementing [Keccak implementation overview v3.2, §2.2]: between rounds the lanes of
 * COMPLEMENTED are stored inverted, which lets chi use AND/OR on the stored values and needs
 * 8 NOTs per round instead of 25. postq_keccak_f1600 inverts them on entry and exit, so the
 * state outside is plain. The per-lane chi forms below were derived by tracking the complement
 * of every value through theta, rho and pi (tests/unit/crypto/keccak_test.c checks the result
 * against FIPS 202 known answers and a plain reference sponge). */
#define COMPLEMENTED_LANES {1, 2, 8, 12, 17, 20}

/* One round Rnd(A, ir) from a into e [FIPS 202 §3.3].
 * theta: d[x] = c[x-1] ^ rot(c[x+1], 1) with c the column parities.
 * rho+pi: the lane at (x, y) moves to (y, 2x + 3y) rotated by the offset of Table 2, so output
 *   lane (X, Y) reads input lane (3(Y - 3X) mod 5, X); the offsets below are Table 2's.
 * chi: e[x] = b[x] ^ (~b[x+1] & b[x+2]) along each row, in its lane-complemented form;
 * iota: rc into lane (0, 0). */
static inline void keccak_round(const uint64_t a[25], uint64_t e[25], uint64_t rc)
{
    uint64_t b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;

    c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
    c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
    c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
    c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
    c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
    d0 = c4 ^ ROL(c1, 1);
    d1 = c0 ^ ROL(c2, 1);
    d2 = c1 ^ ROL(c3, 1);
    d3 = c2 ^ ROL(c4, 1);
    d4 = c3 ^ ROL(c0, 1);

    /* output plane y = 0 */
    b0 = a[0] ^ d0;
    b1 = ROL(a[6] ^ d1, 44);
    b2 = ROL(a[12] ^ d2, 43);
    b3 = ROL(a[18] ^ d3, 21);
    b4 = ROL(a[24] ^ d4, 14);
    e[0] = b0 ^ (b1 | b2) ^ rc;
    e[1] = b1 ^ (~b2 | b3);
    e[2] = b2 ^ (b3 & b4);
    e[3] = b3 ^ (b4 | b0);
    e[4] = b4 ^ (b0 & b1);

    /* output plane y = 1 */
    b0 = ROL(a[3] ^ d3, 28);
    b1 = ROL(a[9] ^ d4, 20);
    b2 = ROL(a[10] ^ d0, 3);
    b3 = ROL(a[16] ^ d1, 45);
    b4 = ROL(a[22] ^ d2, 61);
    e[5] = b0 ^ (b1 | b2);
    e[6] = b1 ^ (b2 & b3);
    e[7] = b2 ^ (b3 | ~b4);
    e[8] = b3 ^ (b4 | b0);
    e[9] = b4 ^ (b0 & b1);

    /* output plane y = 2 */
    b0 = ROL(a[1] ^ d1, 1);
    b1 = ROL(a[7] ^ d2, 6);
    b2 = ROL(a[13] ^ d3, 25);
    b3 = ROL(a[19] ^ d4, 8);
    b4 = ROL(a[20] ^ d0, 18);
    e[10] = b0 ^ (b1 | b2);
    e[11] = b1 ^ (b2 & b3);
    e[12] = b2 ^ (~b3 & b4);
    e[13] = ~(b3 ^ (b4 | b0));
    e[14] = b4 ^ (b0 & b1);

    /* output plane y = 3 */
    b0 = ROL(a[4] ^ d4, 27);
    b1 = ROL(a[5] ^ d0, 36);
    b2 = ROL(a[11] ^ d1, 10);
    b3 = ROL(a[17] ^ d2, 15);
    b4 = ROL(a[23] ^ d3, 56);
    e[15] = b0 ^ (b1 & b2);
    e[16] = b1 ^ (b2 | b3);
    e[17] = b2 ^ (~b3 | b4);
    e[18] = ~(b3 ^ (b4 & b0));
    e[19] = b4 ^ (b0 | b1);

    /* output plane y = 4 */
    b0 = ROL(a[2] ^ d2, 62);
    b1 = ROL(a[8] ^ d3, 55);
    b2 = ROL(a[14] ^ d4, 39);
    b3 = ROL(a[15] ^ d0, 41);
    b4 = ROL(a[21] ^ d1, 2);
    e[20] = b0 ^ (~b1 & b2);
    e[21] = ~(b1 ^ (b2 | b3));
    e[22] = b2 ^ (b3 & b4);
    e[23] = b3 ^ (b4 | b0);
    e[24] = b4 ^ (b0 & b1);
}

static void complement(uint64_t s[25])
{
    static const unsigned lanes[] = COMPLEMENTED_LANES;
    for (size_t i = 0; i < sizeof(lanes) / sizeof(lanes[0]); i++) {
        s[lanes[i]] = ~s[lanes[i]];
    }
}

void postq_keccak_f1600(uint64_t s[25])
{
    uint64_t e[25];

#if defined(__x86_64__)
    if (postq_cpu_avx2()) {
        postq_keccak_f1600_avx2(s);
        return;
    }
#endif
    complement(s);
    for (size_t i = 0; i < 24; i += 2) {
        keccak_round(s, e, postq_keccak_rc[i]);
        keccak_round(e, s, postq_keccak_rc[i + 1]);
    }
    complement(s);
    /* e holds the state of round 22, and the permutation is invertible: whatever was absorbed
     * (seeds, rho', private keys) could be recovered from it. */
    postq_wipe(e, sizeof(e));
}

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

static inline void xor_byte(uint64_t s[25], unsigned i, uint8_t b)
{
    s[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

static inline uint8_t get_byte(const uint64_t s[25], unsigned i)
{
    return (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

void postq_keccak_init(struct postq_keccak *k, unsigned rate, uint8_t dsbyte)
{
    assert(rate > 0 && rate < 200 && rate % 8 == 0);
    memset(k->s, 0, sizeof(k->s));
    k->rate = rate;
    k->pos = 0;
    k->dsbyte = dsbyte;
    k->squeezing = 0;
}

/* Domain separation suffixes with the first bit of pad10*1 [FIPS 202 §6.1-6.2, B.2]. */
void postq_shake128_init(struct postq_keccak *k) { postq_keccak_init(k, POSTQ_SHAKE128_RATE, 0x1F); }
void postq_shake256_init(struct postq_keccak *k) { postq_keccak_init(k, POSTQ_SHAKE256_RATE, 0x1F); }
void postq_sha3_256_init(struct postq_keccak *k) { postq_keccak_init(k, POSTQ_SHA3_256_RATE, 0x06); }
void postq_sha3_512_init(struct postq_keccak *k) { postq_keccak_init(k, POSTQ_SHA3_512_RATE, 0x06); }

void postq_keccak_absorb(struct postq_keccak *k, const uint8_t *in, size_t len)
{
    const unsigned rate = k->rate;
    unsigned pos = k->pos;

    assert(!k->squeezing);
    /* Bytes up to a lane boundary (the rate is whole lanes, so a full block ends on one). */
    while (len > 0 && pos % 8 != 0) {
        xor_byte(k->s, pos++, *in++);
        len--;
        if (pos == rate) {
            postq_keccak_f1600(k->s);
            pos = 0;
        }
    }
    while (len >= 8) {
        if (pos == 0 && len >= rate) {
            /* whole blocks a lane at a time */
            for (unsigned i = 0; i < rate / 8; i++) {
                k->s[i] ^= load64_le(in + 8 * i);
            }
            postq_keccak_f1600(k->s);
            in += rate;
            len -= rate;
            continue;
        }
        /* lanes of a partial block (after a 32- or 64-byte prefix, say) */
        k->s[pos / 8] ^= load64_le(in);
        in += 8;
        len -= 8;
        pos += 8;
        if (pos == rate) {
            postq_keccak_f1600(k->s);
            pos = 0;
        }
    }
    /* The tail (under a lane) waits for more input or the padding; it fits: pos <= rate - 8. */
    while (len > 0) {
        xor_byte(k->s, pos++, *in++);
        len--;
    }
    k->pos = pos;
}

void postq_keccak_finalize(struct postq_keccak *k)
{
    if (k->squeezing) {
        return;
    }
    xor_byte(k->s, k->pos, k->dsbyte);
    xor_byte(k->s, k->rate - 1, 0x80);
    k->squeezing = 1;
    k->pos = k->rate; /* the first read permutes */
}

void postq_keccak_squeeze(struct postq_keccak *k, uint8_t *out, size_t len)
{
    const unsigned rate = k->rate;
    unsigned pos;

    postq_keccak_finalize(k);
    pos = k->pos;
    while (len > 0) {
        if (pos == rate) {
            postq_keccak_f1600(k->s);
            pos = 0;
        }
        if (pos % 8 == 0 && len >= 8) {
            /* whole lanes while the block and the output last */
            unsigned n = (unsigned)((rate - pos) / 8 < len / 8 ? (rate - pos) / 8 : len / 8);
            for (unsigned i = 0; i < n; i++) {
                store64_le(out + 8 * i, k->s[pos / 8 + i]);
            }
            out += 8 * (size_t)n;
            len -= 8 * (size_t)n;
            pos += 8 * n;
            continue;
        }
        *out++ = get_byte(k->s, pos++);
        len--;
    }
    k->pos = pos;
}

void postq_keccak_squeezeblocks(struct postq_keccak *k, uint8_t *out, size_t nblocks)
{
    const unsigned lanes = k->rate / 8; /* read once: out may alias *k for the compiler */

    postq_keccak_finalize(k);
    assert(k->pos == k->rate);
    while (nblocks-- > 0) {
        postq_keccak_f1600(k->s);
        for (unsigned i = 0; i < lanes; i++) {
            store64_le(out + 8 * i, k->s[i]);
        }
        out += 8 * lanes;
    }
}

void postq_keccak_wipe(struct postq_keccak *k) { postq_wipe(k, sizeof(*k)); }

void postq_sha3_256(uint8_t out[32], const uint8_t *in, size_t len)
{
    struct postq_keccak k;
    postq_sha3_256_init(&k);
    postq_keccak_absorb(&k, in, len);
    postq_keccak_squeeze(&k, out, 32);
    postq_keccak_wipe(&k);
}

void postq_sha3_512(uint8_t out[64], const uint8_t *in, size_t len)
{
    struct postq_keccak k;
    postq_sha3_512_init(&k);
    postq_keccak_absorb(&k, in, len);
    postq_keccak_squeeze(&k, out, 64);
    postq_keccak_wipe(&k);
}

void postq_shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
    struct postq_keccak k;
    postq_shake128_init(&k);
    postq_keccak_absorb(&k, in, len);
    postq_keccak_squeeze(&k, out, outlen);
    postq_keccak_wipe(&k);
}

void postq_shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
    struct postq_keccak k;
    postq_shake256_init(&k);
    postq_keccak_absorb(&k, in, len);
    postq_keccak_squeeze(&k, out, outlen);
    postq_keccak_wipe(&k);
}
