/* SPDX-License-Identifier: Apache-2.0 */
/* Composite ML-DSA + EdDSA signatures [draft-ietf-lamps-pq-composite-sigs-19 §4]: both halves
 * sign the same M', the ML-DSA half under ctx = Label, and a signature is valid only if both
 * halves verify. The wire layouts are in the table below; docs/formats.md is the contract. */
#include <postq/hybrid.h>
#include <postq/mldsa.h>

#include <string.h>

#include "common/ct.h"
#include "common/mem.h"
#include "crypto/ed.h"
#include "crypto/keccak.h"
#include "crypto/rand.h"
#include "crypto/composite.h"
#include "crypto/sha2.h"

/*
 * Layouts (all concatenations, no length fields):
 *
 *   alg               Label (ASCII, 30 bytes)          PH          public key      private key
 * signature mldsa44+ed25519   COMPSIG-MLDSA44-Ed25519-SHA512   SHA-512     1312 + 32 = 1344  32 +
 * 32 = 64  2420 +  64 = 2484 mldsa65+ed25519   COMPSIG-MLDSA65-Ed25519-SHA512   SHA-512     1952 +
 * 32 = 1984  32 + 32 = 64  3309 +  64 = 3373 mldsa87+ed448     COMPSIG-MLDSA87-Ed448-SHAKE256
 * SHAKE256/64 2592 + 57 = 2649  32 + 57 = 89  4627 + 114 = 4741
 *
 *   public key  = ML-DSA pk (FIPS 204 pkEncode) || EdDSA pk (RFC 8032 encoding)
 *   private key = ML-DSA seed xi (32 bytes, KeyGen_internal input) || EdDSA private seed
 *   signature   = ML-DSA sig (FIPS 204 sigEncode) || EdDSA sig (R || S)
 *
 *   M' = Prefix (32) || Label (30) || len(ctx) (1) || ctx (0..255) || PH(M) (64)     [§4.2]
 *   Prefix = "CompositeAlgorithmSignatures2025" (ASCII)
 */

#define PREFIX       "CompositeAlgorithmSignatures2025"
#define PREFIX_BYTES 32
#define LABEL_BYTES  30
#define PH_BYTES     64
#define MPRIME_MAX   (PREFIX_BYTES + LABEL_BYTES + 1 + POSTQ_HYBRID_CTX_MAX + PH_BYTES)

_Static_assert(sizeof(PREFIX) - 1 == PREFIX_BYTES, "prefix is 32 bytes");

enum ph { PH_SHA512, PH_SHAKE256 };

struct alg {
    const char *name;
    char label[LABEL_BYTES]; /* ASCII, not NUL-terminated */
    int level;
    int curve;
    enum ph ph;
    size_t mldsa_pk, mldsa_sig; /* the ML-DSA half's sizes */
    size_t ed_seed, ed_pk, ed_sig;
};

#define LABEL44 "COMPSIG-MLDSA44-Ed25519-SHA512"
#define LABEL65 "COMPSIG-MLDSA65-Ed25519-SHA512"
#define LABEL87 "COMPSIG-MLDSA87-Ed448-SHAKE256"
_Static_assert(sizeof(LABEL44) - 1 == LABEL_BYTES, "label is 30 bytes");
_Static_assert(sizeof(LABEL65) - 1 == LABEL_BYTES, "label is 30 bytes");
_Static_assert(sizeof(LABEL87) - 1 == LABEL_BYTES, "label is 30 bytes");

static const struct alg algs[] = {
    {"mldsa44+ed25519", LABEL44, 44, POSTQ_ED25519, PH_SHA512, POSTQ_MLDSA44_PK_BYTES,
     POSTQ_MLDSA44_SIG_BYTES, POSTQ_ED25519_SEED_BYTES, POSTQ_ED25519_PK_BYTES,
     POSTQ_ED25519_SIG_BYTES},
    {"mldsa65+ed25519", LABEL65, 65, POSTQ_ED25519, PH_SHA512, POSTQ_MLDSA65_PK_BYTES,
     POSTQ_MLDSA65_SIG_BYTES, POSTQ_ED25519_SEED_BYTES, POSTQ_ED25519_PK_BYTES,
     POSTQ_ED25519_SIG_BYTES},
    {"mldsa87+ed448", LABEL87, 87, POSTQ_ED448, PH_SHAKE256, POSTQ_MLDSA87_PK_BYTES,
     POSTQ_MLDSA87_SIG_BYTES, POSTQ_ED448_SEED_BYTES, POSTQ_ED448_PK_BYTES, POSTQ_ED448_SIG_BYTES},
};

_Static_assert(POSTQ_MLDSA87_PK_BYTES + POSTQ_ED448_PK_BYTES == POSTQ_HYBRID_PK_MAX, "pk max");
_Static_assert(POSTQ_MLDSA_SEED_BYTES + POSTQ_ED448_SEED_BYTES == POSTQ_HYBRID_SK_MAX, "sk max");
_Static_assert(POSTQ_MLDSA87_SIG_BYTES + POSTQ_ED448_SIG_BYTES == POSTQ_HYBRID_SIG_MAX, "sig max");

static size_t pk_bytes(const struct alg *a)
{
    return a->mldsa_pk + a->ed_pk;
}
static size_t sk_bytes(const struct alg *a)
{
    return POSTQ_MLDSA_SEED_BYTES + a->ed_seed;
}
static size_t sig_bytes(const struct alg *a)
{
    return a->mldsa_sig + a->ed_sig;
}
static const uint8_t *label(const struct alg *a)
{
    return (const uint8_t *)a->label;
}

static postq_err lookup(const char *name, const struct alg **out)
{
    *out = NULL;
    if (name == NULL) {
        return POSTQ_E_ARG;
    }
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(name, algs[i].name) == 0) {
            *out = &algs[i];
            return POSTQ_OK;
        }
    }
    return POSTQ_E_UNSUPPORTED;
}

/* M' = Prefix || Label || len(ctx) || ctx || PH(M) [§4.2 steps 1-2], from PH(M) already
 * computed. ctxlen <= 255 (checked by the callers). Everything here is public. */
static size_t build_mprime(const struct alg *a, const uint8_t ph[PH_BYTES], const uint8_t *ctx,
                           size_t ctxlen, uint8_t mprime[MPRIME_MAX])
{
    size_t n = 0;

    memcpy(mprime, PREFIX, PREFIX_BYTES);
    n += PREFIX_BYTES;
    memcpy(mprime + n, a->label, LABEL_BYTES);
    n += LABEL_BYTES;
    mprime[n++] = (uint8_t)ctxlen;
    if (ctxlen != 0) {
        memcpy(mprime + n, ctx, ctxlen);
        n += ctxlen;
    }
    memcpy(mprime + n, ph, PH_BYTES);
    return n + PH_BYTES;
}

/* ---- PH(M), incrementally ------------------------------------------------------------------ */

postq_err postq_hybrid_ph_init(struct postq_hybrid_ph *h, const char *alg)
{
    const struct alg *a;
    postq_err err;

    if (h == NULL) {
        return POSTQ_E_ARG;
    }
    memset(h, 0, sizeof(*h));
    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    h->shake = (a->ph == PH_SHAKE256);
    if (h->shake) {
        postq_shake256_init(&h->keccak);
        return POSTQ_OK;
    }
    return postq_sha2_init(&h->sha, 512);
}

postq_err postq_hybrid_ph_update(struct postq_hybrid_ph *h, const uint8_t *in, size_t len)
{
    if (h == NULL || (in == NULL && len != 0)) {
        return POSTQ_E_ARG;
    }
    if (h->shake) {
        postq_keccak_absorb(&h->keccak, in, len);
        return POSTQ_OK;
    }
    return postq_sha2_update(&h->sha, in, len);
}

postq_err postq_hybrid_ph_final(struct postq_hybrid_ph *h, uint8_t ph[POSTQ_HYBRID_PH_BYTES])
{
    if (h == NULL || ph == NULL) {
        postq_hybrid_ph_abort(h);
        return POSTQ_E_ARG;
    }
    if (h->shake) {
        postq_keccak_squeeze(&h->keccak, ph, PH_BYTES);
        postq_keccak_wipe(&h->keccak);
        return POSTQ_OK;
    }
    return postq_sha2_final(&h->sha, ph);
}

void postq_hybrid_ph_abort(struct postq_hybrid_ph *h)
{
    if (h != NULL) {
        postq_sha2_abort(&h->sha);
        postq_keccak_wipe(&h->keccak);
    }
}

/* PH(M) in one call. */
static postq_err prehash(const char *alg, const uint8_t *msg, size_t msglen, uint8_t ph[PH_BYTES])
{
    struct postq_hybrid_ph h;
    postq_err err = postq_hybrid_ph_init(&h, alg);

    if (err == POSTQ_OK) {
        err = postq_hybrid_ph_update(&h, msg, msglen);
    }
    if (err == POSTQ_OK) {
        return postq_hybrid_ph_final(&h, ph);
    }
    postq_hybrid_ph_abort(&h);
    return err;
}

int postq_hybrid_sizes(const char *alg, size_t *pk, size_t *sk, size_t *sig)
{
    const struct alg *a;
    postq_err err = lookup(alg, &a);

    if (pk != NULL) {
        *pk = err == POSTQ_OK ? pk_bytes(a) : 0;
    }
    if (sk != NULL) {
        *sk = err == POSTQ_OK ? sk_bytes(a) : 0;
    }
    if (sig != NULL) {
        *sig = err == POSTQ_OK ? sig_bytes(a) : 0;
    }
    return err;
}

/* Both public halves from the two seeds: ML-DSA KeyGen_internal(xi) [FIPS 204 Alg. 6] and the
 * EdDSA public key [RFC 8032 §5.1.5 / §5.2.5]. The expanded ML-DSA sk is wiped before return;
 * pk is zeroed on failure.
 * CT: no branch or index depends on sk; timing varies only through the public matrix
 * expansion (ML-DSA's rho is published in pk). */
int postq_hybrid_public_key(const char *alg, const uint8_t *sk, uint8_t *pk)
{
    const struct alg *a;
    uint8_t mldsa_sk[POSTQ_MLDSA_SK_MAX];
    postq_err err;

    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (pk == NULL) {
        return POSTQ_E_ARG;
    }
    if (sk == NULL) {
        err = POSTQ_E_ARG;
        goto out;
    }
    err = postq_mldsa_keygen(a->level, sk, pk, mldsa_sk);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_ed_keypair(a->curve, sk + POSTQ_MLDSA_SEED_BYTES, pk + a->mldsa_pk);
out:
    postq_wipe(mldsa_sk, sizeof(mldsa_sk));
    if (err != POSTQ_OK) {
        postq_wipe(pk, pk_bytes(a));
    }
    POSTQ_CT_PUBLIC(pk, pk_bytes(a));
    return err;
}

/* Two fresh seeds from postq_rand_bytes (one call each), then postq_hybrid_public_key.
 * pk and sk are zeroed on any failure.
 * CT: as postq_hybrid_public_key. */
int postq_hybrid_keygen(const char *alg, uint8_t *pk, uint8_t *sk)
{
    const struct alg *a;
    postq_err err;

    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (pk == NULL || sk == NULL) {
        return POSTQ_E_ARG;
    }
    err = postq_rand_bytes(sk, POSTQ_MLDSA_SEED_BYTES);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_rand_bytes(sk + POSTQ_MLDSA_SEED_BYTES, a->ed_seed);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_hybrid_public_key(alg, sk, pk);
out:
    if (err != POSTQ_OK) {
        postq_wipe(sk, sk_bytes(a));
        postq_wipe(pk, pk_bytes(a));
    }
    return err;
}

/* Composite-ML-DSA.Sign [§4.2]: M' as above; mldsaSig = ML-DSA.Sign(mldsaSK, M', ctx = Label)
 * with the given rnd (NULL = 0^32); edSig = EdDSA.Sign(edSK, M'). The expanded ML-DSA key is
 * rebuilt from the seed for each call and wiped on every path; sig is zeroed on failure.
 * CT: ML-DSA's rejection-loop count is public (FIPS 204 §3.6.2); EdDSA signing is constant
 * time in both backends; M' is public. Nothing else varies with sk or rnd. */
int postq_hybrid_sign_rnd(const char *alg, const uint8_t *sk, const uint8_t *msg, size_t msglen,
                          const uint8_t *ctx, size_t ctxlen, const uint8_t rnd[32], uint8_t *sig)
{
    const struct alg *a;
    uint8_t mprime[MPRIME_MAX];
    uint8_t mldsa_pk[POSTQ_MLDSA_PK_MAX];
    uint8_t mldsa_sk[POSTQ_MLDSA_SK_MAX];
    uint8_t ph[PH_BYTES];
    size_t mlen = 0;
    postq_err err;

    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (sig == NULL) {
        return POSTQ_E_ARG;
    }
    if (sk == NULL || (msg == NULL && msglen != 0) || (ctx == NULL && ctxlen != 0)) {
        err = POSTQ_E_ARG;
        goto out;
    }
    if (ctxlen > POSTQ_HYBRID_CTX_MAX) {
        err = POSTQ_E_LENGTH;
        goto out;
    }
    err = prehash(alg, msg, msglen, ph);
    if (err != POSTQ_OK) {
        goto out;
    }
    mlen = build_mprime(a, ph, ctx, ctxlen, mprime);
    err = postq_mldsa_keygen(a->level, sk, mldsa_pk, mldsa_sk);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_mldsa_sign(a->level, mldsa_sk, mprime, mlen, label(a), LABEL_BYTES, rnd, sig);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_ed_sign(a->curve, sk + POSTQ_MLDSA_SEED_BYTES, mprime, mlen, sig + a->mldsa_sig);
out:
    postq_wipe(mldsa_sk, sizeof(mldsa_sk));
    if (err != POSTQ_OK) {
        postq_wipe(sig, sig_bytes(a));
    }
    POSTQ_CT_PUBLIC(sig, sig_bytes(a));
    return err;
}

/* Hedged signing: rnd is 32 fresh bytes from postq_rand_bytes, wiped after use.
 * CT: as postq_hybrid_sign_rnd. */
int postq_hybrid_sign(const char *alg, const uint8_t *sk, const uint8_t *msg, size_t msglen,
                      const uint8_t *ctx, size_t ctxlen, uint8_t *sig)
{
    const struct alg *a;
    uint8_t rnd[POSTQ_MLDSA_RND_BYTES];
    postq_err err;

    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (sig == NULL) {
        return POSTQ_E_ARG;
    }
    err = postq_rand_bytes(rnd, sizeof(rnd));
    if (err != POSTQ_OK) {
        postq_wipe(sig, sig_bytes(a));
        goto out;
    }
    err = postq_hybrid_sign_rnd(alg, sk, msg, msglen, ctx, ctxlen, rnd, sig);
out:
    postq_wipe(rnd, sizeof(rnd));
    return err;
}

/* ---- Expanded signing keys ----------------------------------------------------------------- */

/* CT: as postq_hybrid_public_key. */
postq_err postq_hybrid_skey_init(struct postq_hybrid_skey *skey, const char *alg, const uint8_t *sk)
{
    const struct alg *a;
    uint8_t mldsa_sk[POSTQ_MLDSA_SK_MAX];
    postq_err err;

    if (skey == NULL) {
        return lookup(alg, &a) != POSTQ_OK ? POSTQ_E_UNSUPPORTED : POSTQ_E_ARG;
    }
    memset(skey, 0, sizeof(*skey));
    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (sk == NULL) {
        return POSTQ_E_ARG;
    }
    err = postq_mldsa_keygen(a->level, sk, skey->pk, mldsa_sk);
    if (err == POSTQ_OK) {
        err = postq_mldsa_skey_init(&skey->mldsa, a->level, mldsa_sk);
    }
    if (err == POSTQ_OK) {
        err = postq_ed_keypair(a->curve, sk + POSTQ_MLDSA_SEED_BYTES, skey->pk + a->mldsa_pk);
    }
    postq_wipe(mldsa_sk, sizeof(mldsa_sk));
    if (err != POSTQ_OK) {
        postq_wipe(skey, sizeof(*skey));
        return err;
    }
    memcpy(skey->ed_seed, sk + POSTQ_MLDSA_SEED_BYTES, a->ed_seed);
    skey->pk_len = pk_bytes(a);
    skey->alg = a->name;
    POSTQ_CT_PUBLIC(skey->pk, skey->pk_len);
    return POSTQ_OK;
}

void postq_hybrid_skey_wipe(struct postq_hybrid_skey *skey)
{
    if (skey != NULL) {
        postq_wipe(skey, sizeof(*skey));
    }
}

/* postq_hybrid_sign_rnd's steps with the ML-DSA half already expanded.
 * CT: as postq_hybrid_sign_rnd. */
postq_err postq_hybrid_sign_skey_rnd(const struct postq_hybrid_skey *skey, const uint8_t *msg,
                                     size_t msglen, const uint8_t *ctx, size_t ctxlen,
                                     const uint8_t rnd[32], uint8_t *sig)
{
    const struct alg *a;
    uint8_t mprime[MPRIME_MAX];
    uint8_t ph[PH_BYTES];
    size_t mlen;
    postq_err err;

    if (skey == NULL || skey->alg == NULL) {
        return POSTQ_E_ARG;
    }
    err = lookup(skey->alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (sig == NULL) {
        return POSTQ_E_ARG;
    }
    if ((msg == NULL && msglen != 0) || (ctx == NULL && ctxlen != 0)) {
        err = POSTQ_E_ARG;
        goto out;
    }
    if (ctxlen > POSTQ_HYBRID_CTX_MAX) {
        err = POSTQ_E_LENGTH;
        goto out;
    }
    err = prehash(a->name, msg, msglen, ph);
    if (err != POSTQ_OK) {
        goto out;
    }
    mlen = build_mprime(a, ph, ctx, ctxlen, mprime);
    err = postq_mldsa_sign_skey(&skey->mldsa, mprime, mlen, label(a), LABEL_BYTES, rnd, sig);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_ed_sign_pk(a->curve, skey->ed_seed, skey->pk + a->mldsa_pk, mprime, mlen,
                           sig + a->mldsa_sig);
out:
    if (err != POSTQ_OK) {
        postq_wipe(sig, sig_bytes(a));
    }
    POSTQ_CT_PUBLIC(sig, sig_bytes(a));
    return err;
}

/* Hedged, as postq_hybrid_sign. CT: as postq_hybrid_sign_rnd. */
postq_err postq_hybrid_sign_skey(const struct postq_hybrid_skey *skey, const uint8_t *msg,
                                 size_t msglen, const uint8_t *ctx, size_t ctxlen, uint8_t *sig)
{
    uint8_t rnd[POSTQ_MLDSA_RND_BYTES];
    postq_err err;

    if (skey == NULL || skey->alg == NULL || sig == NULL) {
        return POSTQ_E_ARG;
    }
    err = postq_rand_bytes(rnd, sizeof(rnd));
    if (err == POSTQ_OK) {
        err = postq_hybrid_sign_skey_rnd(skey, msg, msglen, ctx, ctxlen, rnd, sig);
    } else {
        const struct alg *a;
        if (lookup(skey->alg, &a) == POSTQ_OK) {
            postq_wipe(sig, sig_bytes(a));
        }
    }
    postq_wipe(rnd, sizeof(rnd));
    return err;
}

/* A half's verdict counts as "invalid" unless the half failed for a reason that is not about
 * the inputs (allocation, backend): that is reported as it is, so callers can tell an internal
 * failure from a forgery. */
static int is_internal(postq_err err)
{
    return postq_err_category(err) == POSTQ_CAT_BUG;
}

/* Composite-ML-DSA.Verify [§4.3] from PH(M), for both entry points: the ML-DSA half under
 * mldsa_vk when it is given, else from pk. Both halves are always checked; the answer is valid
 * only if both are. Not constant time: every input is public. */
static postq_err verify_ph(const struct alg *a, const struct postq_mldsa_vkey *mldsa_vk,
                           const uint8_t *pk, const uint8_t ph[PH_BYTES], const uint8_t *ctx,
                           size_t ctxlen, const uint8_t *sig, size_t siglen)
{
    uint8_t mprime[MPRIME_MAX];
    size_t mlen;
    postq_err err_mldsa;
    postq_err err_ed;

    if (pk == NULL || ph == NULL || (ctx == NULL && ctxlen != 0)) {
        return POSTQ_E_ARG;
    }
    if (ctxlen > POSTQ_HYBRID_CTX_MAX) {
        return POSTQ_E_LENGTH;
    }
    if (sig == NULL || siglen != sig_bytes(a)) {
        return POSTQ_E_INVALID;
    }
    mlen = build_mprime(a, ph, ctx, ctxlen, mprime);
    if (mldsa_vk != NULL) {
        err_mldsa = postq_mldsa_verify_vkey(mldsa_vk, mprime, mlen, label(a), LABEL_BYTES, sig,
                                            a->mldsa_sig);
    } else {
        err_mldsa = postq_mldsa_verify(a->level, pk, mprime, mlen, label(a), LABEL_BYTES, sig,
                                       a->mldsa_sig);
    }
    err_ed =
        postq_ed_verify(a->curve, pk + a->mldsa_pk, mprime, mlen, sig + a->mldsa_sig, a->ed_sig);
    if (is_internal(err_mldsa)) {
        return err_mldsa;
    }
    if (is_internal(err_ed)) {
        return err_ed;
    }
    if (err_mldsa != POSTQ_OK || err_ed != POSTQ_OK) {
        return POSTQ_E_INVALID;
    }
    return POSTQ_OK;
}

postq_err postq_hybrid_verify_ph(const char *alg, const uint8_t *pk,
                                 const uint8_t ph[POSTQ_HYBRID_PH_BYTES], const uint8_t *ctx,
                                 size_t ctxlen, const uint8_t *sig, size_t siglen)
{
    const struct alg *a;
    postq_err err = lookup(alg, &a);

    if (err != POSTQ_OK) {
        return err;
    }
    return verify_ph(a, NULL, pk, ph, ctx, ctxlen, sig, siglen);
}

/* ---- Expanded verification keys ------------------------------------------------------------ */

postq_err postq_hybrid_vkey_init(struct postq_hybrid_vkey *vk, const char *alg, const uint8_t *pk,
                                 size_t pk_len)
{
    const struct alg *a;
    postq_err err;

    if (vk == NULL) {
        return POSTQ_E_ARG;
    }
    vk->alg = NULL;
    vk->pk_len = 0;
    err = lookup(alg, &a);
    if (err != POSTQ_OK) {
        return err;
    }
    if (pk == NULL) {
        return POSTQ_E_ARG;
    }
    if (pk_len != pk_bytes(a)) {
        return POSTQ_E_LENGTH;
    }
    /* The ML-DSA pk is the first part of the composite pk. */
    err = postq_mldsa_vkey_init(&vk->mldsa, a->level, pk);
    if (err != POSTQ_OK) {
        return err;
    }
    memcpy(vk->pk, pk, pk_len);
    vk->pk_len = pk_len;
    vk->alg = a->name;
    return POSTQ_OK;
}

postq_err postq_hybrid_verify_ph_vkey(const struct postq_hybrid_vkey *vk,
                                      const uint8_t ph[POSTQ_HYBRID_PH_BYTES], const uint8_t *ctx,
                                      size_t ctxlen, const uint8_t *sig, size_t siglen)
{
    const struct alg *a;
    postq_err err;

    if (vk == NULL) {
        return POSTQ_E_ARG;
    }
    err = lookup(vk->alg, &a); /* POSTQ_E_ARG after a failed init */
    if (err != POSTQ_OK) {
        return err;
    }
    return verify_ph(a, &vk->mldsa, vk->pk, ph, ctx, ctxlen, sig, siglen);
}

int postq_hybrid_vkey_matches(const struct postq_hybrid_vkey *vk, const char *alg,
                              const uint8_t *pk, size_t pk_len)
{
    if (vk == NULL || vk->alg == NULL || alg == NULL || pk == NULL) {
        return 0;
    }
    return strcmp(vk->alg, alg) == 0 && pk_len == vk->pk_len && memcmp(vk->pk, pk, pk_len) == 0;
}

int postq_hybrid_verify(const char *alg, const uint8_t *pk, const uint8_t *msg, size_t msglen,
                        const uint8_t *ctx, size_t ctxlen, const uint8_t *sig, size_t siglen)
{
    uint8_t ph[PH_BYTES];
    postq_err err;

    if (msg == NULL && msglen != 0) {
        return POSTQ_E_ARG;
    }
    err = prehash(alg, msg, msglen, ph);
    if (err != POSTQ_OK) {
        return err;
    }
    return postq_hybrid_verify_ph(alg, pk, ph, ctx, ctxlen, sig, siglen);
}
