/* SPDX-License-Identifier: Apache-2.0 */
/* NTT and inverse NTT [FIPS 204 §7.5, Alg. 41-42] with Montgomery reduction.
 * zetas[m] = 2^32 * zeta^BitRev8(m) mod q, centred, zeta = 1753 (the table of [FIPS 204
 * Appendix B], pre-multiplied by the Montgomery factor; entry 0 is never used). */
#include "crypto/mldsa/ntt.h"

#include "crypto/mldsa/reduce.h"

/* clang-format off */
const int32_t postq_mldsa_zetas[256] = {
    -4186625, 25847, -2608894, -518909, 237124, -777960, -876248, 466468,
    1826347, 2353451, -359251, -2091905, 3119733, -2884855, 3111497, 2680103,
    2725464, 1024112, -1079900, 3585928, -549488, -1119584, 2619752, -2108549,
    -2118186, -3859737, -1399561, -3277672, 1757237, -19422, 4010497, 280005,
    2706023, 95776, 3077325, 3530437, -1661693, -3592148, -2537516, 3915439,
    -3861115, -3043716, 3574422, -2867647, 3539968, -300467, 2348700, -539299,
    -1699267, -1643818, 3505694, -3821735, 3507263, -2140649, -1600420, 3699596,
    811944, 531354, 954230, 3881043, 3900724, -2556880, 2071892, -2797779,
    -3930395, -1528703, -3677745, -3041255, -1452451, 3475950, 2176455, -1585221,
    -1257611, 1939314, -4083598, -1000202, -3190144, -3157330, -3632928, 126922,
    3412210, -983419, 2147896, 2715295, -2967645, -3693493, -411027, -2477047,
    -671102, -1228525, -22981, -1308169, -381987, 1349076, 1852771, -1430430,
    -3343383, 264944, 508951, 3097992, 44288, -1100098, 904516, 3958618,
    -3724342, -8578, 1653064, -3249728, 2389356, -210977, 759969, -1316856,
    189548, -3553272, 3159746, -1851402, -2409325, -177440, 1315589, 1341330,
    1285669, -1584928, -812732, -1439742, -3019102, -3881060, -3628969, 3839961,
    2091667, 3407706, 2316500, 3817976, -3342478, 2244091, -2446433, -3562462,
    266997, 2434439, -1235728, 3513181, -3520352, -3759364, -1197226, -3193378,
    900702, 1859098, 909542, 819034, 495491, -1613174, -43260, -522500,
    -655327, -3122442, 2031748, 3207046, -3556995, -525098, -768622, -3595838,
    342297, 286988, -2437823, 4108315, 3437287, -3342277, 1735879, 203044,
    2842341, 2691481, -2590150, 1265009, 4055324, 1247620, 2486353, 1595974,
    -3767016, 1250494, 2635921, -3548272, -2994039, 1869119, 1903435, -1050970,
    -1333058, 1237275, -3318210, -1430225, -451100, 1312455, 3306115, -1962642,
    -1279661, 1917081, -2546312, -1374803, 1500165, 777191, 2235880, 3406031,
    -542412, -2831860, -1671176, -1846953, -2584293, -3724270, 594136, -3776993,
    -2013608, 2432395, 2454455, -164721, 1957272, 3369112, 185531, -1207385,
    -3183426, 162844, 1616392, 3014001, 810149, 1652634, -3694233, -1799107,
    -3038916, 3523897, 3866901, 269760, 2213111, -975884, 1717735, 472078,
    -426683, 1723600, -1803090, 1910376, -1667432, -1104333, -260646, -3833893,
    -2939036, -2235985, -420899, -2286327, 183443, -976891, 1612842, -3545687,
    -554416, 3919660, -48306, -1362209, 3937738, 1400424, -846154, 1976782,
};
/* clang-format on */

/* Alg. 42 step 21 multiplies by f = 256^-1. Here f = (2^32)^2 / 256 mod q: one Montgomery
 * reduction divides by 2^32 and leaves the "tomont" factor 2^32. It is folded into the last
 * layer, where the difference path also carries -zeta_1: F_ZETA = f * (-zetas[1]) / 2^32. */
#define INVNTT_F      41978
#define INVNTT_F_ZETA 3975713

/* One layer of Alg. 41 (steps 3-11) for a given len; m indexes the twiddles. Inlined with a
 * constant len so that the short inner loops of the last layers unroll.
 * CT: branch-free; memory access depends on len only. */
static inline void ntt_layer(int32_t a[256], unsigned len, unsigned *m)
{
    for (unsigned start = 0; start < 256; start += 2 * len) {
        int64_t z = postq_mldsa_zetas[++*m];
        int32_t *lo = a + start;
        int32_t *hi = lo + len;
        for (unsigned j = 0; j < len; j++) {
            int32_t t = postq_mldsa_montgomery_reduce(z * hi[j]);
            hi[j] = lo[j] - t;
            lo[j] = lo[j] + t;
        }
    }
}

void postq_mldsa_ntt(int32_t a[256])
{
    unsigned m = 0;

    /* Cooley-Tukey butterflies, len = 128 down to 1. Each layer adds at most q to the
     * magnitude, so 8 layers stay below 9q < 2^31. */
    ntt_layer(a, 128, &m);
    ntt_layer(a, 64, &m);
    ntt_layer(a, 32, &m);
    ntt_layer(a, 16, &m);
    ntt_layer(a, 8, &m);
    ntt_layer(a, 4, &m);
    ntt_layer(a, 2, &m);
    ntt_layer(a, 1, &m);
}

/* One layer of Alg. 42 (steps 3-19) for len < 128; m counts the twiddles down.
 * CT: branch-free; memory access depends on len only. */
static inline void invntt_layer(int32_t a[256], unsigned len, unsigned *m)
{
    for (unsigned start = 0; start < 256; start += 2 * len) {
        int64_t z = -postq_mldsa_zetas[--*m];
        int32_t *lo = a + start;
        int32_t *hi = lo + len;
        for (unsigned j = 0; j < len; j++) {
            int32_t t = lo[j];
            lo[j] = t + hi[j];
            hi[j] = postq_mldsa_montgomery_reduce(z * (t - hi[j]));
        }
    }
}

void postq_mldsa_invntt_tomont(int32_t a[256])
{
    unsigned m = 256;

    /* Gentleman-Sande butterflies, len = 1 up to 128. The sums are not reduced: after 8
     * layers a coefficient is a sum of at most 256 inputs, |.| < 256 q < 2^31. The
     * differences go through a Montgomery product and stay below q. */
    invntt_layer(a, 1, &m);
    invntt_layer(a, 2, &m);
    invntt_layer(a, 4, &m);
    invntt_layer(a, 8, &m);
    invntt_layer(a, 16, &m);
    invntt_layer(a, 32, &m);
    invntt_layer(a, 64, &m);
    /* Last layer (len = 128, zeta index 1) fused with the scaling of step 21. */
    for (unsigned j = 0; j < 128; j++) {
        int32_t t = a[j];
        a[j] = postq_mldsa_montgomery_reduce((int64_t)INVNTT_F * (t + a[j + 128]));
        a[j + 128] = postq_mldsa_montgomery_reduce((int64_t)INVNTT_F_ZETA * (t - a[j + 128]));
    }
}
