/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA encodings [FIPS 204 §7.1-7.2]: SimpleBitPack / BitPack and their inverses
 * (Alg. 16-19) specialised per width, HintBitPack / HintBitUnpack (Alg. 20-21), pkEncode,
 * skEncode / skDecode and sigEncode / sigDecode (Alg. 22-27), w1Encode (Alg. 28). */
#include "crypto/mldsa/packing.h"

#include <string.h>

#include "common/cpu.h"
#include "crypto/mldsa/poly_avx2.h"

/* Coefficients are packed in groups whose bits fill whole bytes; a group (or half of one) is
 * moved through a 64-bit little-endian word. These loops have constant bounds and compile to
 * plain loads and shifts.
 * CT: no branch or index depends on the bytes moved. */
static inline uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static inline void store_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* ---- t1: 10 bits, 4 coefficients in 5 bytes ----------------------------------------- */

void postq_mldsa_polyt1_pack(uint8_t r[POSTQ_MLDSA_T1_POLY_BYTES], const struct postq_mldsa_poly *a)
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyt1_pack_avx2(r, a->c);
        return;
    }
#endif
    for (unsigned i = 0; i < POSTQ_MLDSA_N / 4; i++) {
        const int32_t *c = &a->c[4 * i];
        uint64_t v = (uint64_t)(uint32_t)c[0] | (uint64_t)(uint32_t)c[1] << 10 |
                     (uint64_t)(uint32_t)c[2] << 20 | (uint64_t)(uint32_t)c[3] << 30;
        store_le(&r[5 * i], v, 5);
    }
}

void postq_mldsa_polyt1_unpack(struct postq_mldsa_poly *a,
                               const uint8_t r[POSTQ_MLDSA_T1_POLY_BYTES])
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyt1_unpack_avx2(a->c, r);
        return;
    }
#endif
    for (unsigned i = 0; i < POSTQ_MLDSA_N / 4; i++) {
        uint64_t v = load_le(&r[5 * i], 5);
        for (unsigned j = 0; j < 4; j++) {
            a->c[4 * i + j] = (int32_t)((v >> (10 * j)) & 0x3FF);
        }
    }
}

/* ---- t0: 13 bits as 2^12 - t0, 8 coefficients in 13 bytes --------------------------- */

void postq_mldsa_polyt0_pack(uint8_t r[POSTQ_MLDSA_T0_POLY_BYTES], const struct postq_mldsa_poly *a)
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyt0_pack_avx2(r, a->c);
        return;
    }
#endif
    for (unsigned i = 0; i < POSTQ_MLDSA_N / 8; i++) {
        uint64_t lo = 0;
        uint64_t hi = 0;
        for (unsigned j = 0; j < 4; j++) {
            lo |= (uint64_t)(uint32_t)((1 << 12) - a->c[8 * i + j]) << (13 * j);
            hi |= (uint64_t)(uint32_t)((1 << 12) - a->c[8 * i + 4 + j]) << (13 * j);
        }
        /* The group's 104 bits are lo | hi << 52: bytes 0-7, then bits 64-103 = hi >> 12. */
        store_le(&r[13 * i], lo | hi << 52, 8);
        store_le(&r[13 * i + 8], hi >> 12, 5);
    }
}

void postq_mldsa_polyt0_unpack(struct postq_mldsa_poly *a,
                               const uint8_t r[POSTQ_MLDSA_T0_POLY_BYTES])
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyt0_unpack_avx2(a->c, r);
        return;
    }
#endif
    for (unsigned i = 0; i < POSTQ_MLDSA_N / 8; i++) {
        /* Coefficients 0-3 lie in bits 0-51; 4-7 in bits 52-103 = bytes 6-12 shifted by 4. */
        uint64_t lo = load_le(&r[13 * i], 7);
        uint64_t hi = load_le(&r[13 * i + 6], 7) >> 4;
        for (unsigned j = 0; j < 4; j++) {
            a->c[8 * i + j] = (1 << 12) - (int32_t)((lo >> (13 * j)) & 0x1FFF);
            a->c[8 * i + 4 + j] = (1 << 12) - (int32_t)((hi >> (13 * j)) & 0x1FFF);
        }
    }
}

/* ---- s1, s2: eta - s in 3 bits (eta = 2, 8 per 3 bytes) or 4 bits (eta = 4, 2 per byte) */

void postq_mldsa_polyeta_pack(uint8_t *r, const struct postq_mldsa_poly *a, int32_t eta)
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyeta_pack_avx2(r, a->c, eta);
        return;
    }
#endif
    if (eta == 2) {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 8; i++) {
            uint64_t v = 0;
            for (unsigned j = 0; j < 8; j++) {
                v |= (uint64_t)(uint32_t)(2 - a->c[8 * i + j]) << (3 * j);
            }
            store_le(&r[3 * i], v, 3);
        }
    } else {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 2; i++) {
            r[i] = (uint8_t)((uint32_t)(4 - a->c[2 * i]) | (uint32_t)(4 - a->c[2 * i + 1]) << 4);
        }
    }
}

uint32_t postq_mldsa_polyeta_unpack(struct postq_mldsa_poly *a, const uint8_t *r, int32_t eta)
{
    uint32_t bad = 0;

#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        return postq_mldsa_polyeta_unpack_avx2(a->c, r, eta);
    }
#endif
    if (eta == 2) {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 8; i++) {
            uint64_t v = load_le(&r[3 * i], 3);
            for (unsigned j = 0; j < 8; j++) {
                int32_t t = (int32_t)((v >> (3 * j)) & 7);
                bad |= (uint32_t)(4 - t) >> 31; /* stored value above 2 eta */
                a->c[8 * i + j] = 2 - t;
            }
        }
    } else {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 2; i++) {
            int32_t t0 = r[i] & 15;
            int32_t t1 = r[i] >> 4;
            bad |= (uint32_t)(8 - t0) >> 31;
            bad |= (uint32_t)(8 - t1) >> 31;
            a->c[2 * i] = 4 - t0;
            a->c[2 * i + 1] = 4 - t1;
        }
    }
    return 0u - bad;
}

/* ---- z and y: gamma1 - z in 18 bits (4 per 9 bytes) or 20 bits (2 per 5 bytes) ---------- */

void postq_mldsa_polyz_pack(uint8_t *r, const struct postq_mldsa_poly *a, int32_t gamma1)
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyz_pack_avx2(r, a->c, gamma1);
        return;
    }
#endif
    if (gamma1 == (1 << 17)) {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 4; i++) {
            const int32_t *c = &a->c[4 * i];
            uint64_t lo = (uint64_t)(uint32_t)(gamma1 - c[0]);
            uint64_t hi = (uint64_t)(uint32_t)(gamma1 - c[2]);
            lo |= (uint64_t)(uint32_t)(gamma1 - c[1]) << 18;
            hi |= (uint64_t)(uint32_t)(gamma1 - c[3]) << 18;
            /* 72 bits = lo | hi << 36: bytes 0-7, then bits 64-71 = hi >> 28. */
            store_le(&r[9 * i], lo | hi << 36, 8);
            r[9 * i + 8] = (uint8_t)(hi >> 28);
        }
    } else {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 2; i++) {
            uint64_t v = (uint64_t)(uint32_t)(gamma1 - a->c[2 * i]) |
                         (uint64_t)(uint32_t)(gamma1 - a->c[2 * i + 1]) << 20;
            store_le(&r[5 * i], v, 5);
        }
    }
}

void postq_mldsa_polyz_unpack(struct postq_mldsa_poly *a, const uint8_t *r, int32_t gamma1)
{
#if POSTQ_MLDSA_AVX2
    /* The AVX2 unpacker reads up to 14 bytes past the polynomial: here always within the
     * signature (the hint bytes follow the last z) or the sampler's buffer. */
    if (postq_cpu_avx2()) {
        postq_mldsa_polyz_unpack_avx2(a->c, r, gamma1);
        return;
    }
#endif
    if (gamma1 == (1 << 17)) {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 4; i++) {
            /* Coefficients 0-1 in bits 0-35; 2-3 in bits 36-71 = bytes 4-8 shifted by 4. */
            uint64_t lo = load_le(&r[9 * i], 5);
            uint64_t hi = load_le(&r[9 * i + 4], 5) >> 4;
            a->c[4 * i + 0] = gamma1 - (int32_t)(lo & 0x3FFFF);
            a->c[4 * i + 1] = gamma1 - (int32_t)((lo >> 18) & 0x3FFFF);
            a->c[4 * i + 2] = gamma1 - (int32_t)(hi & 0x3FFFF);
            a->c[4 * i + 3] = gamma1 - (int32_t)((hi >> 18) & 0x3FFFF);
        }
    } else {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 2; i++) {
            uint64_t v = load_le(&r[5 * i], 5);
            a->c[2 * i] = gamma1 - (int32_t)(v & 0xFFFFF);
            a->c[2 * i + 1] = gamma1 - (int32_t)(v >> 20);
        }
    }
}

/* ---- w1: 6 bits (gamma2 = (q-1)/88, 4 per 3 bytes) or 4 bits (2 per byte) --------------- */

void postq_mldsa_polyw1_pack(uint8_t *r, const struct postq_mldsa_poly *a, int32_t gamma2)
{
#if POSTQ_MLDSA_AVX2
    if (postq_cpu_avx2()) {
        postq_mldsa_polyw1_pack_avx2(r, a->c, gamma2);
        return;
    }
#endif
    if (gamma2 == POSTQ_MLDSA_GAMMA2_88) {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 4; i++) {
            const int32_t *c = &a->c[4 * i];
            uint32_t v =
                (uint32_t)c[0] | (uint32_t)c[1] << 6 | (uint32_t)c[2] << 12 | (uint32_t)c[3] << 18;
            store_le(&r[3 * i], v, 3);
        }
    } else {
        for (unsigned i = 0; i < POSTQ_MLDSA_N / 2; i++) {
            r[i] = (uint8_t)((uint32_t)a->c[2 * i] | (uint32_t)a->c[2 * i + 1] << 4);
        }
    }
}

/* ---- Keys [Alg. 24-25] ------------------------------------------------------------------ */

void postq_mldsa_sk_encode(const struct postq_mldsa_params *p, uint8_t *sk,
                           const uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                           const uint8_t key[POSTQ_MLDSA_KEY_BYTES],
                           const uint8_t tr[POSTQ_MLDSA_TR_BYTES],
                           const struct postq_mldsa_poly *s1, const struct postq_mldsa_poly *s2,
                           const struct postq_mldsa_poly *t0)
{
    size_t eta_bytes = 32 * (size_t)p->eta_bits;

    memcpy(sk, rho, POSTQ_MLDSA_RHO_BYTES);
    sk += POSTQ_MLDSA_RHO_BYTES;
    memcpy(sk, key, POSTQ_MLDSA_KEY_BYTES);
    sk += POSTQ_MLDSA_KEY_BYTES;
    memcpy(sk, tr, POSTQ_MLDSA_TR_BYTES);
    sk += POSTQ_MLDSA_TR_BYTES;
    for (unsigned j = 0; j < p->l; j++, sk += eta_bytes) {
        postq_mldsa_polyeta_pack(sk, &s1[j], p->eta);
    }
    for (unsigned i = 0; i < p->k; i++, sk += eta_bytes) {
        postq_mldsa_polyeta_pack(sk, &s2[i], p->eta);
    }
    for (unsigned i = 0; i < p->k; i++, sk += POSTQ_MLDSA_T0_POLY_BYTES) {
        postq_mldsa_polyt0_pack(sk, &t0[i]);
    }
}

uint32_t postq_mldsa_sk_decode(const struct postq_mldsa_params *p,
                               uint8_t rho[POSTQ_MLDSA_RHO_BYTES],
                               uint8_t key[POSTQ_MLDSA_KEY_BYTES], uint8_t tr[POSTQ_MLDSA_TR_BYTES],
                               struct postq_mldsa_poly *s1, struct postq_mldsa_poly *s2,
                               struct postq_mldsa_poly *t0, const uint8_t *sk)
{
    size_t eta_bytes = 32 * (size_t)p->eta_bits;
    uint32_t bad = 0;

    if (rho != NULL) {
        memcpy(rho, sk, POSTQ_MLDSA_RHO_BYTES);
    }
    sk += POSTQ_MLDSA_RHO_BYTES;
    if (key != NULL) {
        memcpy(key, sk, POSTQ_MLDSA_KEY_BYTES);
    }
    sk += POSTQ_MLDSA_KEY_BYTES;
    if (tr != NULL) {
        memcpy(tr, sk, POSTQ_MLDSA_TR_BYTES);
    }
    sk += POSTQ_MLDSA_TR_BYTES;
    for (unsigned j = 0; j < p->l; j++, sk += eta_bytes) {
        bad |= postq_mldsa_polyeta_unpack(&s1[j], sk, p->eta);
    }
    for (unsigned i = 0; i < p->k; i++, sk += eta_bytes) {
        bad |= postq_mldsa_polyeta_unpack(&s2[i], sk, p->eta);
    }
    for (unsigned i = 0; i < p->k; i++, sk += POSTQ_MLDSA_T0_POLY_BYTES) {
        postq_mldsa_polyt0_unpack(&t0[i], sk);
    }
    return bad;
}

/* ---- Signature [Alg. 20-21, 26-27] -------------------------------------------------------- */

void postq_mldsa_sig_encode(const struct postq_mldsa_params *p, uint8_t *sig, const uint8_t *ctilde,
                            const struct postq_mldsa_poly *z, const uint8_t h[][POSTQ_MLDSA_N])
{
    size_t z_bytes = 32 * (size_t)p->z_bits;
    uint8_t *y;
    unsigned index = 0;

    memcpy(sig, ctilde, p->ctilde_bytes);
    sig += p->ctilde_bytes;
    for (unsigned j = 0; j < p->l; j++, sig += z_bytes) {
        postq_mldsa_polyz_pack(sig, &z[j], p->gamma1);
    }
    /* HintBitPack [Alg. 20]: the indices of the ones, polynomial by polynomial, in y[0..omega),
     * and after each polynomial the running count in y[omega + i]; unused slots stay 0. */
    y = sig;
    memset(y, 0, p->omega + p->k);
    for (unsigned i = 0; i < p->k; i++) {
        for (unsigned j = 0; j < POSTQ_MLDSA_N; j++) {
            if (h[i][j] != 0) {
                y[index++] = (uint8_t)j;
            }
        }
        y[p->omega + i] = (uint8_t)index;
    }
}

int postq_mldsa_sig_decode(const struct postq_mldsa_params *p, struct postq_mldsa_poly *z,
                           uint8_t h[][POSTQ_MLDSA_N], const uint8_t *sig)
{
    size_t z_bytes = 32 * (size_t)p->z_bits;
    const uint8_t *y;
    unsigned index = 0;

    sig += p->ctilde_bytes;
    for (unsigned j = 0; j < p->l; j++, sig += z_bytes) {
        postq_mldsa_polyz_unpack(&z[j], sig, p->gamma1);
    }
    /* HintBitUnpack [Alg. 21], with every check of the standard: it makes the encoding of h
     * unique, so a valid signature cannot be altered into another valid one. */
    y = sig;
    for (unsigned i = 0; i < p->k; i++) {
        unsigned end = y[p->omega + i];

        memset(h[i], 0, POSTQ_MLDSA_N);
        if (end < index || end > p->omega) {
            return -1; /* step 4: counts must not decrease nor exceed omega */
        }
        for (unsigned first = index; index < end; index++) {
            if (index > first && y[index - 1] >= y[index]) {
                return -1; /* step 7: indices strictly increasing within a polynomial */
            }
            h[i][y[index]] = 1;
        }
    }
    for (unsigned i = index; i < p->omega; i++) {
        if (y[i] != 0) {
            return -1; /* step 15: unused index slots must be zero */
        }
    }
    return 0;
}
