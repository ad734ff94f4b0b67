/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA parameter sets [FIPS 204 §4, Table 1 and Table 2] and the sizes derived from them
 * [FIPS 204 §7.2, Alg. 22-28]. */
#ifndef POSTQ_CRYPTO_MLDSA_PARAMS_H
#define POSTQ_CRYPTO_MLDSA_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#define POSTQ_MLDSA_N 256
#define POSTQ_MLDSA_Q 8380417
#define POSTQ_MLDSA_D 13 /* dropped bits of t */

/* Largest k, l, omega and c-tilde over the three sets: sizes of the stack arrays. */
#define POSTQ_MLDSA_K_MAX      8
#define POSTQ_MLDSA_L_MAX      7
#define POSTQ_MLDSA_OMEGA_MAX  80
#define POSTQ_MLDSA_CTILDE_MAX 64

#define POSTQ_MLDSA_RHO_BYTES 32 /* rho, the seed of A */
#define POSTQ_MLDSA_KEY_BYTES 32 /* K, the signing seed */
#define POSTQ_MLDSA_TR_BYTES  64 /* tr = H(pk, 64) */
#define POSTQ_MLDSA_CRH_BYTES 64 /* rho', rho'' and mu */

#define POSTQ_MLDSA_T1_POLY_BYTES 320 /* 256 * 10 bits */
#define POSTQ_MLDSA_T0_POLY_BYTES 416 /* 256 * 13 bits */

/* gamma2 of ML-DSA-44, and of ML-DSA-65/87. */
#define POSTQ_MLDSA_GAMMA2_88 ((POSTQ_MLDSA_Q - 1) / 88)
#define POSTQ_MLDSA_GAMMA2_32 ((POSTQ_MLDSA_Q - 1) / 32)

struct postq_mldsa_params {
    int level;           /* 44, 65 or 87 */
    unsigned k, l;       /* A is k x l */
    int32_t eta;         /* s1, s2 in [-eta, eta] */
    unsigned tau;        /* nonzero coefficients of c */
    int32_t beta;        /* tau * eta */
    int32_t gamma1;      /* y in (-gamma1, gamma1] */
    int32_t gamma2;      /* low-order rounding range */
    unsigned omega;      /* max ones in h */
    size_t ctilde_bytes; /* lambda / 4 */
    unsigned eta_bits;   /* bitlen(2 eta): 3 or 4 */
    unsigned z_bits;     /* 1 + bitlen(gamma1 - 1): 18 or 20 */
    unsigned w1_bits;    /* bitlen((q - 1) / (2 gamma2) - 1): 6 or 4 */
    size_t pk_bytes, sk_bytes, sig_bytes;
};

/* The parameter set of a level, or NULL for any other level. */
static inline const struct postq_mldsa_params *postq_mldsa_params_get(int level)
{
    /* Sizes: pk = 32 + 320k; sk = 128 + 32 eta_bits (k + l) + 416k;
     * sig = lambda/4 + 32 z_bits l + omega + k. */
    /* clang-format off */
    static const struct postq_mldsa_params sets[3] = {
        {44, 4, 4, 2, 39, 78, 1 << 17, POSTQ_MLDSA_GAMMA2_88, 80, 32, 3, 18, 6, 1312, 2560, 2420},
        {65, 6, 5, 4, 49, 196, 1 << 19, POSTQ_MLDSA_GAMMA2_32, 55, 48, 4, 20, 4, 1952, 4032, 3309},
        {87, 8, 7, 2, 60, 120, 1 << 19, POSTQ_MLDSA_GAMMA2_32, 75, 64, 3, 20, 4, 2592, 4896, 4627},
    };
    /* clang-format on */

    switch (level) {
    case 44:
        return &sets[0];
    case 65:
        return &sets[1];
    case 87:
        return &sets[2];
    default:
        return NULL;
    }
}

#endif
