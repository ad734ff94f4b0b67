/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA public API [FIPS 204 §5-6]: KeyGen_internal (Alg. 6), Sign (Alg. 2) and
 * Sign_internal (Alg. 7), Verify (Alg. 3) and Verify_internal (Alg. 8), and the external-mu
 * variants (§6.2: mu computed by the caller). H is SHAKE256 throughout. */
#include <postq/mldsa.h>

#include <string.h>

#include "common/cpu.h"
#include "common/ct.h"
#include "common/mem.h"
#include "crypto/keccak.h"
#include "crypto/mldsa/packing.h"
#include "crypto/mldsa/params.h"
#include "crypto/mldsa/poly.h"
#include "crypto/mldsa/sign.h"

#define K_MAX POSTQ_MLDSA_K_MAX
#define L_MAX POSTQ_MLDSA_L_MAX
#define N     POSTQ_MLDSA_N

/* M' in up to three pieces, absorbed in order, so that the message is never copied:
 * (0 || len(ctx), ctx, M) for ML-DSA.Sign / Verify [Alg. 2 step 10, Alg. 3 step 5], or
 * (M') alone for the internal functions. */
struct mprime {
    const uint8_t *part[3];
    size_t len[3];
};

size_t postq_mldsa_pk_bytes(int level)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    return p != NULL ? p->pk_bytes : 0;
}

size_t postq_mldsa_sk_bytes(int level)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    return p != NULL ? p->sk_bytes : 0;
}

size_t postq_mldsa_sig_bytes(int level)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    return p != NULL ? p->sig_bytes : 0;
}

/* ExpandA [Alg. 32]: A[i][j] = RejNTTPoly(rho || j || i) into a[i * L_MAX + j], four entries at
 * a time (postq_mldsa_poly_uniform_4x). A last group of two or three leaves slots empty (one
 * 4-way Keccak costs less than two single ones); a last single entry goes alone.
 * CT: depends on rho only, which is public. */
static void expand_a_first(const struct postq_mldsa_params *p, struct postq_mldsa_poly *a,
                           const uint8_t rho[POSTQ_MLDSA_RHO_BYTES], unsigned total)
{
    unsigned e = 0;

    for (; e + 1 < total; e += 4) {
        struct postq_mldsa_poly *out[4];
        uint16_t nonce[4];

        for (unsigned t = 0; t < 4; t++) {
            unsigned x = e + t < total ? e + t : e;
            unsigned i = x / p->l, j = x % p->l;

            out[t] = e + t < total ? &a[i * L_MAX + j] : NULL;
            nonce[t] = (uint16_t)(j | i << 8);
        }
        postq_mldsa_poly_uniform_4x(out, rho, nonce);
    }
    if (e < total) {
        unsigned i = e / p->l, j = e % p->l;
        postq_mldsa_poly_uniform(&a[i * L_MAX + j], rho, (uint8_t)j, (uint8_t)i);
    }
}

/* ExpandA [Alg. 32] whole. */
static void expand_a(const struct postq_mldsa_params *p, struct postq_mldsa_poly *a,
                     const uint8_t rho[POSTQ_MLDSA_RHO_BYTES])
{
    expand_a_first(p, a, rho, p->k * p->l);
}

/* ExpandS [Alg. 33], its first `total` polynomials: s1[j] from nonce j, s2[i] from nonce l + i,
 * four at a time.
 * CT: as postq_mldsa_poly_uniform_eta. */
static void expand_s(const struct postq_mldsa_params *p, struct postq_mldsa_poly *s1,
                     struct postq_mldsa_poly *s2, const uint8_t rhoprime[POSTQ_MLDSA_CRH_BYTES],
                     unsigned total)
{
    unsigned e = 0;

    for (; e + 1 < total; e += 4) {
        struct postq_mldsa_poly *out[4];
        uint16_t nonce[4];

        for (unsigned t = 0; t < 4; t++) {
            unsigned x = e + t;
            out[t] = x >= total ? NULL : x < p->l ? &s1[x] : &s2[x - p->l];
            nonce[t] = (uint16_t)(x < total ? x : e);
        }
        postq_mldsa_poly_uniform_eta_4x(out, rhoprime, nonce, p->eta);
    }
    if (e < total) {
        postq_mldsa_poly_uniform_eta(e < p->l ? &s1[e] : &s2[e - p->l], rhoprime, (uint16_t)e,
                                     p->eta);
    }
}

/* mu = H(tr || M', 64) [Alg. 7 step 6, Alg. 8 step 7]. Public inputs. */
static void compute_mu(uint8_t mu[POSTQ_MLDSA_CRH_BYTES], const uint8_t tr[POSTQ_MLDSA_TR_BYTES],
                       const struct mprime *m)
{
    struct postq_keccak h;

    postq_shake256_init(&h);
    postq_keccak_absorb(&h, tr, POSTQ_MLDSA_TR_BYTES);
    for (unsigned i = 0; i < 3; i++) {
        if (m->len[i] > 0) {
            postq_keccak_absorb(&h, m->part[i], m->len[i]);
        }
    }
    postq_keccak_squeeze(&h, mu, POSTQ_MLDSA_CRH_BYTES);
}

/* t = NTT^-1(A o s1hat) + s2 for row i, in [0, q) [Alg. 6 step 5].
 * CT: branch-free in s1, s2. */
static void compute_t_row(const struct postq_mldsa_params *p, struct postq_mldsa_poly *t,
                          const struct postq_mldsa_poly *a, const struct postq_mldsa_poly *s1hat,
                          const struct postq_mldsa_poly *s2, unsigned i)
{
    postq_mldsa_poly_dot(t, &a[i * L_MAX], s1hat, p->l);
    postq_mldsa_poly_invntt_tomont(t);
    postq_mldsa_poly_add(t, t, s2);
    postq_mldsa_poly_freeze(t);
}

/* ---- KeyGen ----------------------------------------------------------------------------- */

/* The secret parts of a keygen workspace, as far as level p uses them (t1 and tr are public;
 * wiping all of it, sized for ML-DSA-87, would cost a tenth of a keygen). */
struct keygen_ws;
static void keygen_ws_wipe(const struct postq_mldsa_params *p, struct keygen_ws *ws);

struct keygen_ws {
    uint8_t seedbuf[POSTQ_MLDSA_RHO_BYTES + POSTQ_MLDSA_CRH_BYTES + POSTQ_MLDSA_KEY_BYTES];
    uint8_t tr[POSTQ_MLDSA_TR_BYTES];
    struct postq_mldsa_poly s1[L_MAX], s1hat[L_MAX], s2[K_MAX], t0[K_MAX];
    struct postq_mldsa_poly t, t1;
    struct postq_keccak h;
};

static void keygen_ws_wipe(const struct postq_mldsa_params *p, struct keygen_ws *ws)
{
    postq_wipe(ws->seedbuf, sizeof(ws->seedbuf));
    postq_wipe(ws->s1, p->l * sizeof(ws->s1[0]));
    postq_wipe(ws->s1hat, p->l * sizeof(ws->s1hat[0]));
    postq_wipe(ws->s2, p->k * sizeof(ws->s2[0]));
    postq_wipe(ws->t0, p->k * sizeof(ws->t0[0]));
    postq_wipe(&ws->t, sizeof(ws->t));
    postq_keccak_wipe(&ws->h);
}

/* ML-DSA.KeyGen_internal [Alg. 6].
 * CT: rho and t1 are declassified (they are the public key); the rejection sampling of
 * ExpandS reveals only which half-bytes it rejected. Nothing else depends on seed. */
static void keygen_internal(const struct postq_mldsa_params *p, struct keygen_ws *ws,
                            struct postq_mldsa_poly *a, const uint8_t seed[POSTQ_MLDSA_SEED_BYTES],
                            uint8_t *pk, uint8_t *sk)
{
    uint8_t kl[2] = {(uint8_t)p->k, (uint8_t)p->l};
    const uint8_t *rho = ws->seedbuf;
    const uint8_t *rhoprime = ws->seedbuf + POSTQ_MLDSA_RHO_BYTES;
    const uint8_t *key = rhoprime + POSTQ_MLDSA_CRH_BYTES;
    int mixed;
    unsigned ns;

    /* Step 1: (rho, rho', K) = H(xi || IntegerToBytes(k, 1) || IntegerToBytes(l, 1), 128). */
    postq_shake256_init(&ws->h);
    postq_keccak_absorb(&ws->h, seed, POSTQ_MLDSA_SEED_BYTES);
    postq_keccak_absorb(&ws->h, kl, sizeof(kl));
    postq_keccak_squeeze(&ws->h, ws->seedbuf, sizeof(ws->seedbuf));
    postq_keccak_wipe(&ws->h);
    /* CT: rho is the first part of pk. */
    POSTQ_CT_PUBLIC(ws->seedbuf, POSTQ_MLDSA_RHO_BYTES);

    /* Step 4: (s1, s2) = ExpandS(rho') [Alg. 33]. Where ExpandA's last 4-way call would have
     * two empty lanes and eta is 4 (ML-DSA-65: 30 polynomials of A, 11 of s), the last four of
     * s2 ride in ExpandA's call below, two after two in the empty lanes (the mixed sampler), and
     * ExpandS takes two calls instead of three. */
    mixed = postq_cpu_avx2() && p->eta == 4 && (p->k * p->l) % 4 == 2 && p->k >= 4;
    ns = p->l + p->k - (mixed ? 4u : 0u);
    expand_s(p, ws->s1, ws->s2, rhoprime, ns);
    for (unsigned j = 0; j < p->l; j++) {
        ws->s1hat[j] = ws->s1[j];
        postq_mldsa_poly_ntt(&ws->s1hat[j]);
    }

    /* Steps 3, 5-6, 8: A = ExpandA(rho); row by row, t = NTT^-1(A o NTT(s1)) + s2,
     * (t1, t0) = Power2Round(t), pk = rho || SimpleBitPack(t1). */
    expand_a_first(p, a, rho, p->k * p->l - (mixed ? 2u : 0u));
    if (mixed) {
        const unsigned e = p->k * p->l - 2;
        struct postq_mldsa_poly *ap[2], *sp[4];
        uint16_t an[2], sn[4];

        for (unsigned t = 0; t < 4; t++) {
            if (t < 2) {
                unsigned i = (e + t) / p->l, j = (e + t) % p->l;
                ap[t] = &a[i * L_MAX + j];
                an[t] = (uint16_t)(j | i << 8);
            }
            sp[t] = &ws->s2[ns + t - p->l];
            sn[t] = (uint16_t)(ns + t);
        }
        if (!postq_mldsa_poly_uniform_mixed_4x(ap, rho, an, sp, rhoprime, sn, p->eta)) {
            /* the path changed under us (tests switch it): the same polynomials one by one */
            for (unsigned t = 0; t < 4; t++) {
                if (t < 2) {
                    postq_mldsa_poly_uniform(ap[t], rho, (uint8_t)an[t], (uint8_t)(an[t] >> 8));
                }
                postq_mldsa_poly_uniform_eta(sp[t], rhoprime, sn[t], p->eta);
            }
        }
    }
    memcpy(pk, rho, POSTQ_MLDSA_RHO_BYTES);
    for (unsigned i = 0; i < p->k; i++) {
        compute_t_row(p, &ws->t, a, ws->s1hat, &ws->s2[i], i);
        postq_mldsa_poly_power2round(&ws->t1, &ws->t0[i], &ws->t);
        /* CT: t1 is the rest of pk. */
        POSTQ_CT_PUBLIC(&ws->t1, sizeof(ws->t1));
        postq_mldsa_polyt1_pack(pk + POSTQ_MLDSA_RHO_BYTES + i * POSTQ_MLDSA_T1_POLY_BYTES,
                                &ws->t1);
    }

    /* Steps 9-10: tr = H(pk, 64); sk = skEncode(rho, K, tr, s1, s2, t0). */
    postq_shake256(ws->tr, sizeof(ws->tr), pk, p->pk_bytes);
    postq_mldsa_sk_encode(p, sk, rho, key, ws->tr, ws->s1, ws->s2, ws->t0);
}

int postq_mldsa_keygen(int level, const uint8_t seed[32], uint8_t *pk, uint8_t *sk)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    struct keygen_ws ws;
    struct postq_mldsa_poly a[K_MAX * L_MAX]; /* A-hat: public, not wiped */

    if (p == NULL) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (seed == NULL || pk == NULL || sk == NULL) {
        return POSTQ_E_ARG;
    }
    keygen_internal(p, &ws, a, seed, pk, sk);
    keygen_ws_wipe(p, &ws);
    return POSTQ_OK;
}

postq_err postq_mldsa_pk_from_sk(int level, const uint8_t *sk, uint8_t *pk)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    struct keygen_ws ws;
    struct postq_mldsa_poly a[K_MAX * L_MAX]; /* A-hat: public, not wiped */
    postq_err err = POSTQ_OK;
    uint32_t bad;

    if (p == NULL) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (sk == NULL || pk == NULL) {
        return POSTQ_E_ARG;
    }
    /* skDecode [Alg. 25]; only rho, s1 and s2 are needed. */
    bad = postq_mldsa_sk_decode(p, ws.seedbuf, NULL, NULL, ws.s1, ws.s2, ws.t0, sk);
    POSTQ_CT_PUBLIC(&bad, sizeof(bad));
    if (bad != 0) {
        err = POSTQ_E_KEY_INVALID;
        goto out;
    }
    POSTQ_CT_PUBLIC(ws.seedbuf, POSTQ_MLDSA_RHO_BYTES);
    for (unsigned j = 0; j < p->l; j++) {
        ws.s1hat[j] = ws.s1[j];
        postq_mldsa_poly_ntt(&ws.s1hat[j]);
    }
    expand_a(p, a, ws.seedbuf);
    memcpy(pk, ws.seedbuf, POSTQ_MLDSA_RHO_BYTES);
    for (unsigned i = 0; i < p->k; i++) {
        compute_t_row(p, &ws.t, a, ws.s1hat, &ws.s2[i], i);
        postq_mldsa_poly_power2round(&ws.t1, &ws.t0[i], &ws.t);
        POSTQ_CT_PUBLIC(&ws.t1, sizeof(ws.t1));
        postq_mldsa_polyt1_pack(pk + POSTQ_MLDSA_RHO_BYTES + i * POSTQ_MLDSA_T1_POLY_BYTES, &ws.t1);
    }
out:
    keygen_ws_wipe(p, &ws);
    return err;
}

/* ---- Sign ------------------------------------------------------------------------------- */

/* Everything secret that one signature computes, wiped as one block; the key itself is in a
 * struct postq_mldsa_skey. With the expanded key on the stack, the whole of postq_mldsa_sign
 * needs about 110 KiB of stack at every level (sized for ML-DSA-87; measured with a painted
 * thread stack, gcc 12 -O2 x86-64); keygen about 72 KiB, verify about 80 KiB. */
struct sign_secrets {
    uint8_t rhopp[POSTQ_MLDSA_CRH_BYTES]; /* rho'' */
    struct postq_mldsa_poly y[L_MAX + 3]; /* the mask; y[l..) the next attempt's, if drawn */
    struct postq_mldsa_poly z[L_MAX];     /* NTT(y), then z = y + c s1 */
    struct postq_mldsa_poly w[K_MAX];     /* w = A y, then r = w - c s2 */
    struct postq_mldsa_poly tmp;
    uint8_t h[K_MAX][N];
    uint8_t w1[K_MAX * 32 * 6]; /* w1Encode(w1) */
    struct postq_keccak hs;
};

struct sign_ws {
    struct postq_mldsa_poly c; /* NTT(c), public once c-tilde is */
    uint8_t mu[POSTQ_MLDSA_CRH_BYTES];
    uint8_t ctilde[POSTQ_MLDSA_CTILDE_MAX];
    struct sign_secrets s;
};

/* Wipes the secret parts of an expanded key (A-hat, rho and tr are public) and of a signing
 * workspace, as far as level p uses them: wiping 80 KiB of which half is public would cost
 * more than a tenth of a signature. */
static void skey_wipe_secrets(const struct postq_mldsa_params *p, struct postq_mldsa_skey *sk)
{
    postq_wipe(sk->key, sizeof(sk->key));
    postq_wipe(sk->s1, p->l * sizeof(sk->s1[0]));
    postq_wipe(sk->s2, p->k * sizeof(sk->s2[0]));
    postq_wipe(sk->t0, p->k * sizeof(sk->t0[0]));
}

static void sign_secrets_wipe(const struct postq_mldsa_params *p, struct sign_secrets *s)
{
    postq_wipe(s->rhopp, sizeof(s->rhopp));
    postq_wipe(s->y, (p->l + 3) * sizeof(s->y[0]));
    postq_wipe(s->z, p->l * sizeof(s->z[0]));
    postq_wipe(s->w, p->k * sizeof(s->w[0]));
    postq_wipe(&s->tmp, sizeof(s->tmp));
    postq_wipe(s->h, p->k * sizeof(s->h[0]));
    postq_wipe(s->w1, sizeof(s->w1));
    postq_keccak_wipe(&s->hs);
}

/* skDecode [Alg. 25] into sk, then Alg. 7 steps 2-5: NTT of s1, s2, t0 and A-hat = ExpandA(rho).
 * Returns POSTQ_E_KEY_INVALID when an s1/s2 coefficient is out of range.
 * CT: rho and tr (public-key data) are declassified; whether the key is well formed is the
 * API's answer, not a secret. */
static postq_err skey_expand(const struct postq_mldsa_params *p, struct postq_mldsa_skey *sk,
                             const uint8_t *skbytes)
{
    uint32_t reject;

    /* Step 1: skDecode [Alg. 25], refusing s1/s2 coefficients outside [-eta, eta]. */
    reject = postq_mldsa_sk_decode(p, sk->rho, sk->key, sk->tr, sk->s1, sk->s2, sk->t0, skbytes);
    POSTQ_CT_PUBLIC(&reject, sizeof(reject));
    if (reject != 0) {
        return POSTQ_E_KEY_INVALID;
    }
    /* CT: rho is part of pk, and tr = H(pk) is computable from it. */
    POSTQ_CT_PUBLIC(sk->rho, sizeof(sk->rho));
    POSTQ_CT_PUBLIC(sk->tr, sizeof(sk->tr));
    /* Steps 2-4: NTT of s1, s2, t0, once, outside the rejection loop. */
    for (unsigned j = 0; j < p->l; j++) {
        postq_mldsa_poly_ntt(&sk->s1[j]);
    }
    for (unsigned i = 0; i < p->k; i++) {
        postq_mldsa_poly_ntt(&sk->s2[i]);
        postq_mldsa_poly_ntt(&sk->t0[i]);
    }
    /* Step 5: A-hat = ExpandA(rho), kept for every iteration (and every signature). */
    expand_a(p, sk->a, sk->rho);
    sk->level = p->level;
    return POSTQ_OK;
}

/* ML-DSA.Sign_internal [Alg. 7] steps 6-33 under an expanded key. mu_in is the external mu
 * (then m is unused), or NULL to compute mu = H(tr || M'). rnd is 32 bytes (never NULL here).
 * CT: c-tilde is declassified, and so are the two rejection decisions of each iteration (steps
 * 23 and 27) and the accepted signature. */
static postq_err sign_internal(const struct postq_mldsa_params *p, struct sign_ws *ws,
                               const struct postq_mldsa_skey *sk, const struct mprime *m,
                               const uint8_t *mu_in, const uint8_t rnd[POSTQ_MLDSA_RND_BYTES],
                               uint8_t *sig)
{
    struct sign_secrets *s = &ws->s;
    size_t w1_poly_bytes = 32 * (size_t)p->w1_bits;
    uint32_t kappa = 0;
    uint32_t reject;
    /* On the AVX2 path the masks are drawn four polynomials at a time, one 4-way Keccak call
     * each, with the nonces that follow: an attempt costs l/4 calls on average instead of
     * ceil(l/4) (ML-DSA-65: 1.25 instead of 2). The polynomials drawn past this attempt's l are
     * exactly the next attempt's first ones (same nonces), kept for it in y[l..l + carry) and
     * wiped unused with the workspace if this attempt succeeds. */
    const unsigned batch = postq_cpu_avx2() ? 4 : p->l;
    unsigned carry = 0;

    /* Step 6: mu = H(BytesToBits(tr) || M', 64), unless given. */
    if (mu_in != NULL) {
        memcpy(ws->mu, mu_in, POSTQ_MLDSA_CRH_BYTES);
    } else {
        compute_mu(ws->mu, sk->tr, m);
    }
    /* Step 7: rho'' = H(K || rnd || mu, 64). */
    postq_shake256_init(&s->hs);
    postq_keccak_absorb(&s->hs, sk->key, sizeof(sk->key));
    postq_keccak_absorb(&s->hs, rnd, POSTQ_MLDSA_RND_BYTES);
    postq_keccak_absorb(&s->hs, ws->mu, sizeof(ws->mu));
    postq_keccak_squeeze(&s->hs, s->rhopp, sizeof(s->rhopp));

    /* Steps 8-33: the rejection loop. */
    for (;;) {
        unsigned nhints = 0;

        /* IntegerToBytes(kappa + r, 2) needs kappa + l - 1 < 2^16; reaching it would take
         * thousands of rejections (probability far below 2^-256). */
        if (kappa + p->l > 0x10000) {
            return POSTQ_E_INTERNAL;
        }
        /* Step 11: y = ExpandMask(rho'', kappa) [Alg. 34]: what the last attempt drew ahead,
         * then groups of `batch` (a short last group near the end of the nonces). */
        {
            unsigned avail = carry;

            if (carry > 0) {
                memmove(s->y, s->y + p->l, carry * sizeof(s->y[0]));
            }
            while (avail < p->l) {
                unsigned n = batch;

                if (kappa + avail + n > 0x10000) {
                    n = p->l - avail;
                }
                postq_mldsa_polyvec_uniform_gamma1(s->y + avail, n, s->rhopp,
                                                   (uint16_t)(kappa + avail), p->gamma1);
                avail += n;
            }
            carry = avail - p->l;
        }
        kappa += p->l; /* step 32, done early: nothing below reads kappa */

        /* Step 12: w = NTT^-1(A-hat o NTT(y)), in [0, q). */
        for (unsigned j = 0; j < p->l; j++) {
            s->z[j] = s->y[j];
            postq_mldsa_poly_ntt(&s->z[j]);
        }
        for (unsigned i = 0; i < p->k; i++) {
            postq_mldsa_poly_dot(&s->w[i], &sk->a[i * L_MAX], s->z, p->l);
            postq_mldsa_poly_invntt_tomont(&s->w[i]);
            postq_mldsa_poly_caddq(&s->w[i]);
        }

        /* Steps 13-15: w1 = HighBits(w); c-tilde = H(mu || w1Encode(w1), lambda/4). */
        for (unsigned i = 0; i < p->k; i++) {
            postq_mldsa_poly_decompose(&s->tmp, NULL, &s->w[i], p->gamma2);
            postq_mldsa_polyw1_pack(&s->w1[i * w1_poly_bytes], &s->tmp, p->gamma2);
        }
        postq_shake256_init(&s->hs);
        postq_keccak_absorb(&s->hs, ws->mu, sizeof(ws->mu));
        postq_keccak_absorb(&s->hs, s->w1, p->k * w1_poly_bytes);
        postq_keccak_squeeze(&s->hs, ws->ctilde, p->ctilde_bytes);
        /* CT: c-tilde is a hash output (a random oracle in the security proof), published
         * with the signature, and for a rejected attempt it reveals nothing without z. */
        POSTQ_CT_PUBLIC(ws->ctilde, p->ctilde_bytes);

        /* Steps 16-17: c = SampleInBall(c-tilde), c-hat = NTT(c). */
        postq_mldsa_poly_challenge(&ws->c, ws->ctilde, p->ctilde_bytes, p->tau);
        postq_mldsa_poly_ntt(&ws->c);

        /* Steps 18, 20, 23: z = y + NTT^-1(c-hat o s1-hat); reject if ||z|| >= gamma1 - beta.
         * reduce gives the representative of |.| <= 6283008, exact for the norm check. */
        reject = 0;
        for (unsigned j = 0; j < p->l; j++) {
            postq_mldsa_poly_pointwise(&s->z[j], &ws->c, &sk->s1[j]);
            postq_mldsa_poly_invntt_tomont(&s->z[j]);
            postq_mldsa_poly_add(&s->z[j], &s->z[j], &s->y[j]);
            postq_mldsa_poly_reduce(&s->z[j]);
            reject |= postq_mldsa_poly_chknorm(&s->z[j], p->gamma1 - p->beta);
        }
        /* Steps 19, 21, 23: r = w - NTT^-1(c-hat o s2-hat) (kept in w, in [0, q));
         * r0 = LowBits(r); reject if ||r0|| >= gamma2 - beta. */
        for (unsigned i = 0; i < p->k; i++) {
            postq_mldsa_poly_pointwise(&s->tmp, &ws->c, &sk->s2[i]);
            postq_mldsa_poly_invntt_tomont(&s->tmp);
            postq_mldsa_poly_sub(&s->w[i], &s->w[i], &s->tmp);
            postq_mldsa_poly_freeze(&s->w[i]);
            postq_mldsa_poly_decompose(NULL, &s->tmp, &s->w[i], p->gamma2);
            reject |= postq_mldsa_poly_chknorm(&s->tmp, p->gamma2 - p->beta);
        }
        /* CT: the outcome of step 23 is public by design: the standard branches on it, and
         * the number of attempts it reveals is accounted for in the analysis of Fiat-Shamir
         * with aborts (a rejected attempt is never output). Norms and coefficients stay
         * secret. */
        POSTQ_CT_PUBLIC(&reject, sizeof(reject));
        if (reject != 0) {
            continue;
        }

        /* Steps 25-27: ct0 = NTT^-1(c-hat o t0-hat); h = MakeHint(-ct0, w - cs2 + ct0), i.e.
         * h = [HighBits(r + ct0) != HighBits(r)]; reject if ||ct0|| >= gamma2 or more than
         * omega ones in h. */
        for (unsigned i = 0; i < p->k; i++) {
            postq_mldsa_poly_pointwise(&s->tmp, &ws->c, &sk->t0[i]);
            postq_mldsa_poly_invntt_tomont(&s->tmp);
            postq_mldsa_poly_reduce(&s->tmp);
            reject |= postq_mldsa_poly_chknorm(&s->tmp, p->gamma2);
            nhints += postq_mldsa_poly_make_hint(s->h[i], &s->tmp, &s->w[i], p->gamma2);
        }
        reject |= 0u - ((p->omega - nhints) >> 31); /* nhints > omega, without a branch */
        /* CT: the outcome of step 27, as for step 23. */
        POSTQ_CT_PUBLIC(&reject, sizeof(reject));
        if (reject != 0) {
            continue;
        }

        /* Step 33: sigma = sigEncode(c-tilde, z mod+- q, h). CT: the accepted signature is
         * the output, public by definition. */
        for (unsigned j = 0; j < p->l; j++) {
            POSTQ_CT_PUBLIC(&s->z[j], sizeof(s->z[j]));
        }
        POSTQ_CT_PUBLIC(s->h, sizeof(s->h));
        postq_mldsa_sig_encode(p, sig, ws->ctilde, s->z, (const uint8_t(*)[N])s->h);
        return POSTQ_OK;
    }
}

postq_err postq_mldsa_skey_init(struct postq_mldsa_skey *sk, int level, const uint8_t *skbytes)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    postq_err err;

    if (sk == NULL) {
        return p == NULL ? POSTQ_E_UNSUPPORTED : POSTQ_E_ARG;
    }
    if (p == NULL || skbytes == NULL) {
        postq_wipe(sk, sizeof(*sk));
        return p == NULL ? POSTQ_E_UNSUPPORTED : POSTQ_E_ARG;
    }
    err = skey_expand(p, sk, skbytes);
    if (err != POSTQ_OK) {
        postq_wipe(sk, sizeof(*sk)); /* level 0: unusable */
    }
    return err;
}

void postq_mldsa_skey_wipe(struct postq_mldsa_skey *sk)
{
    if (sk != NULL) {
        postq_wipe(sk, sizeof(*sk));
    }
}

/* Checks shared by the signing entry points (args_ok is the caller's verdict on its own
 * arguments), then Sign_internal under an expanded key: sk_exp when given (sk unused), else
 * one expanded from sk here and wiped. Wipes the signing secrets, zeroes sig on any failure.
 * CT: as sign_internal. */
static postq_err sign_common(int level, const uint8_t *sk, const struct postq_mldsa_skey *sk_exp,
                             const struct mprime *m, const uint8_t *mu, const uint8_t *rnd,
                             uint8_t *sig, postq_err args_ok)
{
    static const uint8_t zero_rnd[POSTQ_MLDSA_RND_BYTES] = {0};
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    struct {
        struct postq_mldsa_skey key;
        struct sign_ws ws;
    } st;
    postq_err err;

    if (p == NULL) {
        return POSTQ_E_UNSUPPORTED; /* size of sig unknown: nothing to zero */
    }
    if (sig == NULL) {
        return POSTQ_E_ARG;
    }
    if ((sk == NULL && sk_exp == NULL) || args_ok != POSTQ_OK) {
        err = args_ok != POSTQ_OK ? args_ok : POSTQ_E_ARG;
        memset(sig, 0, p->sig_bytes);
        return err;
    }
    if (sk_exp == NULL) {
        err = skey_expand(p, &st.key, sk);
        if (err != POSTQ_OK) {
            skey_wipe_secrets(p, &st.key);
            memset(sig, 0, p->sig_bytes);
            return err;
        }
        sk_exp = &st.key;
    }
    /* rnd = NULL is the deterministic variant: rnd = 0^32 [Alg. 2 step 5 note]. */
    err = sign_internal(p, &st.ws, sk_exp, m, mu, rnd != NULL ? rnd : zero_rnd, sig);
    sign_secrets_wipe(p, &st.ws.s);
    if (sk_exp == &st.key) {
        skey_wipe_secrets(p, &st.key);
    }
    if (err != POSTQ_OK) {
        memset(sig, 0, p->sig_bytes);
    }
    return err;
}

/* Checks a message/context pair: NULL only with length 0, ctx at most 255 bytes. */
static postq_err check_msg_ctx(const uint8_t *msg, size_t msglen, const uint8_t *ctx, size_t ctxlen)
{
    if ((msg == NULL && msglen > 0) || (ctx == NULL && ctxlen > 0)) {
        return POSTQ_E_ARG;
    }
    if (ctxlen > POSTQ_MLDSA_CTX_MAX) {
        return POSTQ_E_LENGTH;
    }
    return POSTQ_OK;
}

int postq_mldsa_sign(int level, const uint8_t *sk, const uint8_t *msg, size_t msglen,
                     const uint8_t *ctx, size_t ctxlen, const uint8_t rnd[32], uint8_t *sig)
{
    postq_err ok = check_msg_ctx(msg, msglen, ctx, ctxlen);
    /* Alg. 2 step 10: M' = IntegerToBytes(0, 1) || IntegerToBytes(|ctx|, 1) || ctx || M. */
    uint8_t pre[2] = {0, (uint8_t)ctxlen};
    struct mprime m = {{pre, ctx, msg}, {sizeof(pre), ctxlen, msglen}};

    return sign_common(level, sk, NULL, &m, NULL, rnd, sig, ok);
}

int postq_mldsa_sign_internal(int level, const uint8_t *sk, const uint8_t *mprime, size_t len,
                              const uint8_t rnd[32], uint8_t *sig)
{
    postq_err ok = (mprime == NULL && len > 0) ? POSTQ_E_ARG : POSTQ_OK;
    struct mprime m = {{mprime, NULL, NULL}, {len, 0, 0}};

    return sign_common(level, sk, NULL, &m, NULL, rnd, sig, ok);
}

int postq_mldsa_sign_mu(int level, const uint8_t *sk, const uint8_t mu[64], const uint8_t rnd[32],
                        uint8_t *sig)
{
    postq_err ok = (mu == NULL) ? POSTQ_E_ARG : POSTQ_OK;

    return sign_common(level, sk, NULL, NULL, mu, rnd, sig, ok);
}

postq_err postq_mldsa_sign_skey(const struct postq_mldsa_skey *sk, const uint8_t *msg,
                                size_t msglen, const uint8_t *ctx, size_t ctxlen,
                                const uint8_t rnd[32], uint8_t *sig)
{
    postq_err ok = check_msg_ctx(msg, msglen, ctx, ctxlen);
    uint8_t pre[2] = {0, (uint8_t)ctxlen}; /* Alg. 2 step 10, as in postq_mldsa_sign */
    struct mprime m = {{pre, ctx, msg}, {sizeof(pre), ctxlen, msglen}};

    if (sk == NULL) {
        return POSTQ_E_ARG;
    }
    return sign_common(sk->level, NULL, sk, &m, NULL, rnd, sig, ok);
}

/* ---- Verify ----------------------------------------------------------------------------- */

/* The public key as Verify_internal reads it: either the encoded pk, from which tr, the rows of
 * A-hat and NTT(t1 2^d) are derived as they are needed (A one row at a time, never kept), or an
 * expanded key that holds them. Exactly one of the two is non-NULL. */
struct verify_key {
    const uint8_t *pk;
    const struct postq_mldsa_vkey *vk;
};

struct verify_ws {
    struct postq_mldsa_poly z[L_MAX];
    struct postq_mldsa_poly a[K_MAX * L_MAX]; /* A-hat, when derived from pk */
    struct postq_mldsa_poly w, tmp, c;
    uint8_t h[K_MAX][N];
    uint8_t w1[K_MAX * 32 * 6];
    uint8_t tr[POSTQ_MLDSA_TR_BYTES];
    uint8_t mu[POSTQ_MLDSA_CRH_BYTES];
    uint8_t ctilde[POSTQ_MLDSA_CTILDE_MAX];
    struct postq_keccak hs;
};

/* NTT(t1[i] * 2^d) from pk = rho || SimpleBitPack(t1) [Alg. 8 steps 5 and 9, pkDecode]. */
static void t1hat_row(struct postq_mldsa_poly *t1hat, const uint8_t *pk, unsigned i)
{
    postq_mldsa_polyt1_unpack(t1hat, pk + POSTQ_MLDSA_RHO_BYTES + i * POSTQ_MLDSA_T1_POLY_BYTES);
    postq_mldsa_poly_shiftl(t1hat);
    postq_mldsa_poly_ntt(t1hat);
}

postq_err postq_mldsa_vkey_init(struct postq_mldsa_vkey *vk, int level, const uint8_t *pk)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);

    if (vk == NULL) {
        return p == NULL ? POSTQ_E_UNSUPPORTED : POSTQ_E_ARG;
    }
    if (p == NULL || pk == NULL) {
        memset(vk, 0, sizeof(*vk));
        return p == NULL ? POSTQ_E_UNSUPPORTED : POSTQ_E_ARG;
    }
    /* Steps 5-6 of Alg. 8 for the whole key: A-hat = ExpandA(rho), tr = H(pk, 64), and the
     * t1 half of step 9. rho is the first 32 bytes of pk. */
    expand_a(p, vk->a, pk);
    for (unsigned i = 0; i < p->k; i++) {
        t1hat_row(&vk->t1[i], pk, i);
    }
    postq_shake256(vk->tr, sizeof(vk->tr), pk, p->pk_bytes);
    vk->level = level;
    return POSTQ_OK;
}

/* ML-DSA.Verify_internal [Alg. 8]; mu_in as for sign_internal. All inputs are public, so this
 * is not constant time. */
static postq_err verify_internal(const struct postq_mldsa_params *p, struct verify_ws *ws,
                                 const struct verify_key *key, const struct mprime *m,
                                 const uint8_t *mu_in, const uint8_t *sig, size_t siglen)
{
    const struct postq_mldsa_vkey *vk = key->vk;
    size_t w1_poly_bytes = 32 * (size_t)p->w1_bits;

    if (siglen != p->sig_bytes) {
        return POSTQ_E_INVALID;
    }
    /* Steps 2-4: (c-tilde, z, h) = sigDecode(sigma); a malformed hint is invalid. */
    if (postq_mldsa_sig_decode(p, ws->z, ws->h, sig) != 0) {
        return POSTQ_E_INVALID;
    }
    /* Step 13 (first half), checked early as it is cheap: ||z|| < gamma1 - beta. */
    for (unsigned j = 0; j < p->l; j++) {
        if (postq_mldsa_poly_chknorm(&ws->z[j], p->gamma1 - p->beta) != 0) {
            return POSTQ_E_INVALID;
        }
    }
    /* Steps 6-7: tr = H(pk, 64); mu = H(BytesToBits(tr) || M', 64), unless given. */
    if (mu_in != NULL) {
        memcpy(ws->mu, mu_in, POSTQ_MLDSA_CRH_BYTES);
    } else if (vk != NULL) {
        compute_mu(ws->mu, vk->tr, m);
    } else {
        postq_shake256(ws->tr, sizeof(ws->tr), key->pk, p->pk_bytes);
        compute_mu(ws->mu, ws->tr, m);
    }
    /* Step 8: c = SampleInBall(c-tilde); c-tilde is the first lambda/4 bytes of sig. */
    postq_mldsa_poly_challenge(&ws->c, sig, p->ctilde_bytes, p->tau);
    postq_mldsa_poly_ntt(&ws->c);
    for (unsigned j = 0; j < p->l; j++) {
        postq_mldsa_poly_ntt(&ws->z[j]);
    }
    /* Steps 5, 9-10, row by row: w'_Approx = NTT^-1(A-hat o NTT(z) - NTT(c) o NTT(t1 2^d));
     * w1' = UseHint(h, w'_Approx). */
    if (vk == NULL) {
        expand_a(p, ws->a, key->pk);
    }
    for (unsigned i = 0; i < p->k; i++) {
        const struct postq_mldsa_poly *row = &ws->a[i * L_MAX];
        const struct postq_mldsa_poly *t1hat = &ws->tmp;

        if (vk != NULL) {
            row = &vk->a[i * L_MAX];
            t1hat = &vk->t1[i];
        } else {
            t1hat_row(&ws->tmp, key->pk, i);
        }
        postq_mldsa_poly_dot(&ws->w, row, ws->z, p->l);
        postq_mldsa_poly_pointwise(&ws->tmp, &ws->c, t1hat);
        postq_mldsa_poly_sub(&ws->w, &ws->w, &ws->tmp);
        postq_mldsa_poly_reduce(&ws->w);
        postq_mldsa_poly_invntt_tomont(&ws->w);
        postq_mldsa_poly_caddq(&ws->w);
        postq_mldsa_poly_use_hint(&ws->tmp, &ws->w, ws->h[i], p->gamma2);
        postq_mldsa_polyw1_pack(&ws->w1[i * w1_poly_bytes], &ws->tmp, p->gamma2);
    }
    /* Steps 12-13: c-tilde' = H(mu || w1Encode(w1'), lambda/4); valid iff it equals c-tilde. */
    postq_shake256_init(&ws->hs);
    postq_keccak_absorb(&ws->hs, ws->mu, sizeof(ws->mu));
    postq_keccak_absorb(&ws->hs, ws->w1, p->k * w1_poly_bytes);
    postq_keccak_squeeze(&ws->hs, ws->ctilde, p->ctilde_bytes);
    if (memcmp(ws->ctilde, sig, p->ctilde_bytes) != 0) {
        return POSTQ_E_INVALID;
    }
    return POSTQ_OK;
}

/* Checks shared by every verification entry point, in the order the public API documents:
 * level, then NULL pointers, then the caller's verdict on its own arguments (args_ok). */
static postq_err verify_common(int level, const struct verify_key *key, const struct mprime *m,
                               const uint8_t *mu, const uint8_t *sig, size_t siglen,
                               postq_err args_ok)
{
    const struct postq_mldsa_params *p = postq_mldsa_params_get(level);
    struct verify_ws ws;

    if (p == NULL) {
        return POSTQ_E_UNSUPPORTED;
    }
    if ((key->pk == NULL && key->vk == NULL) || sig == NULL) {
        return POSTQ_E_ARG;
    }
    if (args_ok != POSTQ_OK) {
        return args_ok;
    }
    return verify_internal(p, &ws, key, m, mu, sig, siglen);
}

/* verify_common under an expanded key; its level is vk's. */
static postq_err verify_vkey_common(const struct postq_mldsa_vkey *vk, const struct mprime *m,
                                    const uint8_t *mu, const uint8_t *sig, size_t siglen,
                                    postq_err args_ok)
{
    struct verify_key key = {NULL, vk};

    if (vk == NULL) {
        return POSTQ_E_ARG;
    }
    return verify_common(vk->level, &key, m, mu, sig, siglen, args_ok);
}

int postq_mldsa_verify(int level, const uint8_t *pk, const uint8_t *msg, size_t msglen,
                       const uint8_t *ctx, size_t ctxlen, const uint8_t *sig, size_t siglen)
{
    postq_err ok = check_msg_ctx(msg, msglen, ctx, ctxlen);
    /* Alg. 3 step 5: M' = IntegerToBytes(0, 1) || IntegerToBytes(|ctx|, 1) || ctx || M. */
    uint8_t pre[2] = {0, (uint8_t)ctxlen};
    struct mprime m = {{pre, ctx, msg}, {sizeof(pre), ctxlen, msglen}};
    struct verify_key key = {pk, NULL};

    return verify_common(level, &key, &m, NULL, sig, siglen, ok);
}

int postq_mldsa_verify_internal(int level, const uint8_t *pk, const uint8_t *mprime, size_t len,
                                const uint8_t *sig, size_t siglen)
{
    postq_err ok = (mprime == NULL && len > 0) ? POSTQ_E_ARG : POSTQ_OK;
    struct mprime m = {{mprime, NULL, NULL}, {len, 0, 0}};
    struct verify_key key = {pk, NULL};

    return verify_common(level, &key, &m, NULL, sig, siglen, ok);
}

int postq_mldsa_verify_mu(int level, const uint8_t *pk, const uint8_t mu[64], const uint8_t *sig,
                          size_t siglen)
{
    postq_err ok = (mu == NULL) ? POSTQ_E_ARG : POSTQ_OK;
    struct verify_key key = {pk, NULL};

    return verify_common(level, &key, NULL, mu, sig, siglen, ok);
}

postq_err postq_mldsa_verify_vkey(const struct postq_mldsa_vkey *vk, const uint8_t *msg,
                                  size_t msglen, const uint8_t *ctx, size_t ctxlen,
                                  const uint8_t *sig, size_t siglen)
{
    postq_err ok = check_msg_ctx(msg, msglen, ctx, ctxlen);
    uint8_t pre[2] = {0, (uint8_t)ctxlen}; /* Alg. 3 step 5, as in postq_mldsa_verify */
    struct mprime m = {{pre, ctx, msg}, {sizeof(pre), ctxlen, msglen}};

    return verify_vkey_common(vk, &m, NULL, sig, siglen, ok);
}

postq_err postq_mldsa_verify_internal_vkey(const struct postq_mldsa_vkey *vk, const uint8_t *mprime,
                                           size_t len, const uint8_t *sig, size_t siglen)
{
    postq_err ok = (mprime == NULL && len > 0) ? POSTQ_E_ARG : POSTQ_OK;
    struct mprime m = {{mprime, NULL, NULL}, {len, 0, 0}};

    return verify_vkey_common(vk, &m, NULL, sig, siglen, ok);
}

postq_err postq_mldsa_verify_mu_vkey(const struct postq_mldsa_vkey *vk, const uint8_t mu[64],
                                     const uint8_t *sig, size_t siglen)
{
    postq_err ok = (mu == NULL) ? POSTQ_E_ARG : POSTQ_OK;

    return verify_vkey_common(vk, NULL, mu, sig, siglen, ok);
}
