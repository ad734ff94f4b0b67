/* SPDX-License-Identifier: Apache-2.0 */
/* ctgrind: run keygen and sign with every secret input (seed, expanded secret key, rnd, composite
 * private key) marked undefined for valgrind memcheck. A branch or a memory index that depends
 * on a secret is then reported as a use of uninitialised memory, and valgrind exits non-zero.
 * Values public by design (the rejection decision, rho, t1, c~, the signature) are declassified
 * inside the library with POSTQ_CT_PUBLIC. Built with -DPOSTQ_CT_TESTING (make ct-test).
 *
 * "ct_sign --leak" deliberately branches on a secret so the harness can prove it detects one. */
#include <stdio.h>
#include <string.h>

#include <postq/postq.h>

#include "common/cpu.h"
#include "common/ct.h"
#include "crypto/composite.h"

static int check(int err, const char *what)
{
    if (err != POSTQ_OK) {
        fprintf(stderr, "ct_sign: %s failed: %s\n", what, postq_strerror(err));
        return 1;
    }
    return 0;
}

static int mldsa(int level)
{
    static uint8_t pk[POSTQ_MLDSA_PK_MAX], sk[POSTQ_MLDSA_SK_MAX], sig[POSTQ_MLDSA_SIG_MAX];
    uint8_t seed[32], rnd[32];
    const uint8_t msg[] = "constant-time check";
    const uint8_t ctx[] = "ctx";
    int bad = 0;

    for (size_t i = 0; i < 32; i++) {
        seed[i] = (uint8_t)(i * 7 + (unsigned)level);
        rnd[i] = (uint8_t)(i * 13 + 1);
    }
    POSTQ_CT_SECRET(seed, sizeof(seed));
    bad |= check(postq_mldsa_keygen(level, seed, pk, sk), "mldsa keygen");
    POSTQ_CT_PUBLIC(pk, postq_mldsa_pk_bytes(level));

    for (int round = 0; round < 2; round++) {
        POSTQ_CT_SECRET(sk, postq_mldsa_sk_bytes(level));
        POSTQ_CT_SECRET(rnd, sizeof(rnd));
        /* round 0 hedged, round 1 deterministic */
        bad |= check(postq_mldsa_sign(level, sk, msg, sizeof(msg), ctx, sizeof(ctx) - 1,
                                      round == 0 ? rnd : NULL, sig),
                     "mldsa sign");
        POSTQ_CT_PUBLIC(sig, postq_mldsa_sig_bytes(level));
        POSTQ_CT_PUBLIC(sk, postq_mldsa_sk_bytes(level));
        bad |= check(postq_mldsa_verify(level, pk, msg, sizeof(msg), ctx, sizeof(ctx) - 1, sig,
                                        postq_mldsa_sig_bytes(level)),
                     "mldsa verify");
    }
    return bad;
}

static int hybrid(const char *alg)
{
    static uint8_t pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX], sig[POSTQ_HYBRID_SIG_MAX];
    uint8_t rnd[32];
    size_t pklen, sklen, siglen;
    const uint8_t msg[] = "composite constant-time check";
    int bad = 0;

    if (check(postq_hybrid_sizes(alg, &pklen, &sklen, &siglen), "hybrid sizes") != 0) {
        return 1;
    }
    for (size_t i = 0; i < sklen; i++) {
        sk[i] = (uint8_t)(i * 11 + 3);
    }
    memset(rnd, 0x5a, sizeof(rnd));
    POSTQ_CT_SECRET(sk, sklen);
    bad |= check(postq_hybrid_public_key(alg, sk, pk), "hybrid public key");
    POSTQ_CT_PUBLIC(pk, pklen);
    POSTQ_CT_SECRET(sk, sklen);
    POSTQ_CT_SECRET(rnd, sizeof(rnd));
    bad |=
        check(postq_hybrid_sign_rnd(alg, sk, msg, sizeof(msg), NULL, 0, rnd, sig), "hybrid sign");
    POSTQ_CT_PUBLIC(sig, siglen);
    bad |= check(postq_hybrid_verify(alg, pk, msg, sizeof(msg), NULL, 0, sig, siglen),
                 "hybrid verify");

    /* The expanded key that postq-enclave keeps: made from the secret key, then signing under
     * it, with the key (not only its seed) secret. */
    {
        static struct postq_hybrid_skey skey;
        POSTQ_CT_SECRET(sk, sklen);
        bad |= check(postq_hybrid_skey_init(&skey, alg, sk), "hybrid skey init");
        POSTQ_CT_SECRET(&skey.mldsa, sizeof(skey.mldsa));
        POSTQ_CT_SECRET(skey.ed_seed, sizeof(skey.ed_seed));
        POSTQ_CT_PUBLIC(skey.mldsa.rho, sizeof(skey.mldsa.rho));
        POSTQ_CT_PUBLIC(skey.mldsa.tr, sizeof(skey.mldsa.tr));
        POSTQ_CT_PUBLIC(skey.mldsa.a, sizeof(skey.mldsa.a));
        POSTQ_CT_PUBLIC(&skey.mldsa.level, sizeof(skey.mldsa.level));
        POSTQ_CT_SECRET(rnd, sizeof(rnd));
        bad |= check(postq_hybrid_sign_skey_rnd(&skey, msg, sizeof(msg), NULL, 0, rnd, sig),
                     "hybrid sign under an expanded key");
        POSTQ_CT_PUBLIC(sig, siglen);
        bad |= check(postq_hybrid_verify(alg, pk, msg, sizeof(msg), NULL, 0, sig, siglen),
                     "hybrid verify (expanded key)");
        postq_hybrid_skey_wipe(&skey);
    }
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0;

    if (argc == 2 && strcmp(argv[1], "--avx2") == 0) {
        puts(postq_cpu_avx2() ? "avx2" : "portable"); /* the path this run would take */
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--leak") == 0) {
        /* The negative control: a secret-dependent branch valgrind must report. */
        uint8_t secret[1] = {1};
        POSTQ_CT_SECRET(secret, 1);
        if (*(volatile uint8_t *)secret == 1) {
            puts("branched on a secret");
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--hybrid") == 0) {
        bad |= hybrid("mldsa44+ed25519");
        bad |= hybrid("mldsa65+ed25519");
        bad |= hybrid("mldsa87+ed448");
        return bad;
    }
    bad |= mldsa(44);
    bad |= mldsa(65);
    bad |= mldsa(87);
    return bad;
}
