/* SPDX-License-Identifier: Apache-2.0 */
/* ML-DSA against every case of the NIST ACVP sample sets (FIPS 204): keyGen, sigGen (both
 * revisions) and sigVer, over all interfaces. HashML-DSA cases run through Sign_internal /
 * Verify_internal on an M' that this harness builds [FIPS 204 §5.4, Alg. 4-5]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <postq/mldsa.h>

#include "crypto/mldsa/sign.h"
#include "testlib.h"

enum iface { EXT_PURE, EXT_PREHASH, INT_MSG, INT_MU, IFACE_COUNT };
static const char *const iface_name[IFACE_COUNT] = {"external/pure", "external/preHash",
                                                    "internal", "internal/externalMu"};

struct group {
    int level;
    enum iface iface;
    int deterministic; /* sigGen only */
    int seed_key;      /* sigGen-tr1 keyFormat "seed" */
};

/* Case counts per level (index 0/1/2 = 44/65/87) and interface. */
struct tally {
    unsigned ran[3][IFACE_COUNT];
    unsigned passed[3][IFACE_COUNT];
};

static unsigned level_index(int level) { return level == 44 ? 0u : level == 65 ? 1u : 2u; }

static int level_of(const char *ps)
{
    if (strcmp(ps, "ML-DSA-44") == 0) {
        return 44;
    }
    if (strcmp(ps, "ML-DSA-65") == 0) {
        return 65;
    }
    if (strcmp(ps, "ML-DSA-87") == 0) {
        return 87;
    }
    fail_msg("unknown parameterSet %s", ps);
    return 0;
}

/* Fails when obj has a member not in allowed (NULL-terminated). */
static void only_keys(json_t *obj, const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        size_t i;
        (void)v;
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                break;
            }
        }
        if (allowed[i] == NULL) {
            fail_msg("unknown %s field \"%s\"", what, key);
        }
    }
}

static int bool_member(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_boolean(v)) {
        fail_msg("member %s missing or not a boolean", name);
    }
    return json_is_true(v);
}

/* Group fields of a signature set; keyFormat only in sigGen-tr1, deterministic only in
 * sigGen. Unknown fields or values fail the test. */
static void parse_group(json_t *g, int siggen, int tr1, struct group *out)
{
    static const char *const siggen_keys[] = {"tgId", "testType", "parameterSet",
                                              "deterministic", "signatureInterface", "preHash",
                                              "externalMu", "tests", NULL};
    static const char *const tr1_keys[] = {"tgId", "testType", "parameterSet", "keyFormat",
                                           "deterministic", "signatureInterface", "preHash",
                                           "externalMu", "tests", NULL};
    static const char *const sigver_keys[] = {"tgId", "testType", "parameterSet",
                                              "signatureInterface", "preHash", "externalMu",
                                              "tests", NULL};
    const char *iface;

    only_keys(g, tr1 ? tr1_keys : siggen ? siggen_keys : sigver_keys, "group");
    assert_string_equal(tl_str(g, "testType"), "AFT");
    memset(out, 0, sizeof(*out));
    out->level = level_of(tl_str(g, "parameterSet"));
    if (siggen) {
        out->deterministic = bool_member(g, "deterministic");
    }
    if (tr1) {
        const char *kf = tl_str(g, "keyFormat");
        if (strcmp(kf, "seed") == 0) {
            out->seed_key = 1;
        } else if (strcmp(kf, "expanded") != 0) {
            fail_msg("unknown keyFormat %s", kf);
        }
    }
    iface = tl_str(g, "signatureInterface");
    if (strcmp(iface, "external") == 0) {
        const char *ph = tl_str(g, "preHash");
        assert_null(json_object_get(g, "externalMu"));
        if (strcmp(ph, "pure") == 0) {
            out->iface = EXT_PURE;
        } else if (strcmp(ph, "preHash") == 0) {
            out->iface = EXT_PREHASH;
        } else {
            fail_msg("unknown preHash %s", ph);
        }
    } else if (strcmp(iface, "internal") == 0) {
        assert_null(json_object_get(g, "preHash"));
        out->iface = bool_member(g, "externalMu") ? INT_MU : INT_MSG;
    } else {
        fail_msg("unknown signatureInterface %s", iface);
    }
}

/* Fails unless the test object has exactly the fields its group kind implies. */
static void check_test_keys(json_t *t, const struct group *g, int siggen)
{
    const char *keys[8];
    size_t n = 0;

    keys[n++] = "tcId";
    if (siggen) {
        keys[n++] = g->seed_key ? "seed" : "sk";
        if (!g->deterministic) {
            keys[n++] = "rnd";
        }
    } else {
        keys[n++] = "pk";
        keys[n++] = "signature";
    }
    keys[n++] = g->iface == INT_MU ? "mu" : "message";
    if (g->iface == EXT_PURE || g->iface == EXT_PREHASH) {
        keys[n++] = "context";
    }
    if (g->iface == EXT_PREHASH) {
        keys[n++] = "hashAlg";
    }
    keys[n] = NULL;
    only_keys(t, keys, "test");
    for (size_t i = 0; i < n; i++) {
        assert_non_null(json_object_get(t, keys[i]));
    }
}

/* HashML-DSA's M' = 1 || len(ctx) || ctx || OID || PH(M) [FIPS 204 Alg. 4 steps 10-23]. The
 * OIDs are the DER encodings of 2.16.840.1.101.3.4.2.x (NIST CSOR). Returns a malloc'd
 * buffer. */
static uint8_t *prehash_mprime(const char *alg, const uint8_t *msg, size_t msglen,
                               const uint8_t *ctx, size_t ctxlen, size_t *outlen)
{
    static const struct {
        const char *acvp;
        const char *evp;
        uint8_t oid_last;
        size_t xof_len; /* 0 for a fixed-length hash */
    } algs[] = {
        {"SHA2-256", "SHA256", 0x01, 0},       {"SHA2-384", "SHA384", 0x02, 0},
        {"SHA2-512", "SHA512", 0x03, 0},       {"SHA2-224", "SHA224", 0x04, 0},
        {"SHA2-512/224", "SHA512-224", 0x05, 0}, {"SHA2-512/256", "SHA512-256", 0x06, 0},
        {"SHA3-224", "SHA3-224", 0x07, 0},     {"SHA3-256", "SHA3-256", 0x08, 0},
        {"SHA3-384", "SHA3-384", 0x09, 0},     {"SHA3-512", "SHA3-512", 0x0A, 0},
        {"SHAKE-128", "SHAKE128", 0x0B, 32},   {"SHAKE-256", "SHAKE256", 0x0C, 64},
    };
    static const uint8_t oid_prefix[10] = {0x06, 0x09, 0x60, 0x86, 0x48,
                                           0x01, 0x65, 0x03, 0x04, 0x02};
    uint8_t digest[64];
    unsigned dlen = 0;
    size_t i;
    uint8_t *out;
    size_t pos = 0;
    EVP_MD *md;
    EVP_MD_CTX *mctx;

    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(alg, algs[i].acvp) == 0) {
            break;
        }
    }
    if (i == sizeof(algs) / sizeof(algs[0])) {
        fail_msg("unknown hashAlg %s", alg);
    }
    md = EVP_MD_fetch(NULL, algs[i].evp, NULL);
    assert_non_null(md);
    mctx = EVP_MD_CTX_new();
    assert_non_null(mctx);
    assert_int_equal(EVP_DigestInit_ex(mctx, md, NULL), 1);
    assert_int_equal(EVP_DigestUpdate(mctx, msg, msglen), 1);
    if (algs[i].xof_len > 0) {
        assert_int_equal(EVP_DigestFinalXOF(mctx, digest, algs[i].xof_len), 1);
        dlen = (unsigned)algs[i].xof_len;
    } else {
        assert_int_equal(EVP_DigestFinal_ex(mctx, digest, &dlen), 1);
    }
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(md);

    out = malloc(2 + ctxlen + sizeof(oid_prefix) + 1 + dlen);
    assert_non_null(out);
    out[pos++] = 1;
    out[pos++] = (uint8_t)ctxlen;
    if (ctxlen > 0) {
        memcpy(out + pos, ctx, ctxlen);
        pos += ctxlen;
    }
    memcpy(out + pos, oid_prefix, sizeof(oid_prefix));
    pos += sizeof(oid_prefix);
    out[pos++] = algs[i].oid_last;
    memcpy(out + pos, digest, dlen);
    pos += dlen;
    *outlen = pos;
    return out;
}

/* Verifies sig over the test's message through the group's interface: under pk, or under the
 * expanded key vk when it is not NULL. */
static int verify_case(const struct group *g, const json_t *t, const uint8_t *pk,
                       const struct postq_mldsa_vkey *vk, const uint8_t *sig, size_t siglen)
{
    size_t msglen = 0;
    size_t ctxlen = 0;
    uint8_t *msg = tl_hex_member(t, g->iface == INT_MU ? "mu" : "message", &msglen);
    uint8_t *ctx = NULL;
    int rc;

    if (g->iface == EXT_PURE || g->iface == EXT_PREHASH) {
        ctx = tl_hex_member(t, "context", &ctxlen);
    }
    switch (g->iface) {
    case EXT_PURE:
        rc = vk != NULL ? postq_mldsa_verify_vkey(vk, msg, msglen, ctx, ctxlen, sig, siglen)
                        : postq_mldsa_verify(g->level, pk, msg, msglen, ctx, ctxlen, sig, siglen);
        break;
    case EXT_PREHASH: {
        size_t mplen;
        uint8_t *mp = prehash_mprime(tl_str(t, "hashAlg"), msg, msglen, ctx, ctxlen, &mplen);
        rc = vk != NULL ? postq_mldsa_verify_internal_vkey(vk, mp, mplen, sig, siglen)
                        : postq_mldsa_verify_internal(g->level, pk, mp, mplen, sig, siglen);
        free(mp);
        break;
    }
    case INT_MSG:
        rc = vk != NULL ? postq_mldsa_verify_internal_vkey(vk, msg, msglen, sig, siglen)
                        : postq_mldsa_verify_internal(g->level, pk, msg, msglen, sig, siglen);
        break;
    default:
        assert_int_equal(msglen, POSTQ_MLDSA_MU_BYTES);
        rc = vk != NULL ? postq_mldsa_verify_mu_vkey(vk, msg, sig, siglen)
                        : postq_mldsa_verify_mu(g->level, pk, msg, sig, siglen);
        break;
    }
    free(msg);
    free(ctx);
    return rc;
}

/* Prints "# <set>: P of R cases passed" and a per-level breakdown (per interface unless
 * by_iface is 0), then fails unless every expected case ran and passed. */
static void print_tally(const char *set, const struct tally *tl, unsigned expected, int by_iface,
                        const char *note)
{
    unsigned ran = 0;
    unsigned passed = 0;
    static const int levels[3] = {44, 65, 87};

    for (unsigned li = 0; li < 3; li++) {
        for (unsigned f = 0; f < IFACE_COUNT; f++) {
            ran += tl->ran[li][f];
            passed += tl->passed[li][f];
        }
    }
    printf("# %s: %u of %u cases passed (%u expected)%s\n", set, passed, ran, expected, note);
    for (unsigned li = 0; li < 3; li++) {
        char line[256];
        int len = snprintf(line, sizeof(line), "#   ML-DSA-%d:", levels[li]);
        for (unsigned f = 0; f < IFACE_COUNT; f++) {
            if (tl->ran[li][f] > 0) {
                len += snprintf(line + len, sizeof(line) - (size_t)len, " %s%s%u/%u",
                                by_iface ? iface_name[f] : "", by_iface ? " " : "",
                                tl->passed[li][f], tl->ran[li][f]);
            }
        }
        printf("%s\n", line);
    }
    fflush(stdout);
    assert_int_equal(ran, expected);
    assert_int_equal(passed, expected);
}

/* ---- keyGen: pk and the full sk -------------------------------------------------------------- */

static void test_acvp_keygen(void **state)
{
    static const char *const group_keys[] = {"tgId", "testType", "parameterSet", "tests", NULL};
    static const char *const test_keys[] = {"tcId", "seed", NULL};
    json_t *prompt = tl_load_json("vectors/acvp/ML-DSA-keyGen-FIPS204/prompt.json");
    json_t *expected = tl_load_json("vectors/acvp/ML-DSA-keyGen-FIPS204/expectedResults.json");
    struct tl_index ix;
    struct tally tl;
    size_t gi, ti;
    json_t *g, *t;

    (void)state;
    memset(&tl, 0, sizeof(tl));
    tl_index_build(&ix, expected);
    json_array_foreach(json_object_get(prompt, "testGroups"), gi, g) {
        int level;
        only_keys(g, group_keys, "group");
        assert_string_equal(tl_str(g, "testType"), "AFT");
        level = level_of(tl_str(g, "parameterSet"));
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            const json_t *e = tl_index_get(&ix, tl_int(t, "tcId"));
            size_t seedlen, pklen, sklen;
            uint8_t *seed, *epk, *esk;
            uint8_t pk[POSTQ_MLDSA_PK_MAX], sk[POSTQ_MLDSA_SK_MAX];
            unsigned li = level_index(level);

            only_keys(t, test_keys, "test");
            seed = tl_hex_member(t, "seed", &seedlen);
            epk = tl_hex_member(e, "pk", &pklen);
            esk = tl_hex_member(e, "sk", &sklen);
            assert_int_equal(seedlen, 32);
            assert_int_equal(pklen, postq_mldsa_pk_bytes(level));
            assert_int_equal(sklen, postq_mldsa_sk_bytes(level));
            tl.ran[li][EXT_PURE]++;
            if (postq_mldsa_keygen(level, seed, pk, sk) == POSTQ_OK &&
                memcmp(pk, epk, pklen) == 0 && memcmp(sk, esk, sklen) == 0) {
                tl.passed[li][EXT_PURE]++;
            } else {
                printf("keyGen tcId %lld failed\n", (long long)tl_int(t, "tcId"));
            }
            free(seed);
            free(epk);
            free(esk);
        }
    }
    print_tally("ML-DSA keyGen", &tl, 75, 0, " (pk and sk compared)");
    tl_index_free(&ix);
    json_decref(prompt);
    json_decref(expected);
}

/* ---- sigGen: byte-exact signature, which must also verify ------------------------------------ */

static void run_siggen(const char *dir, const char *set, int tr1, unsigned expected_count)
{
    char path[256];
    json_t *prompt;
    json_t *expected;
    struct tl_index ix;
    struct tally tl;
    size_t gi, ti;
    json_t *g, *t;

    snprintf(path, sizeof(path), "vectors/acvp/%s/prompt.json", dir);
    prompt = tl_load_json(path);
    snprintf(path, sizeof(path), "vectors/acvp/%s/expectedResults.json", dir);
    expected = tl_load_json(path);
    memset(&tl, 0, sizeof(tl));
    tl_index_build(&ix, expected);
    json_array_foreach(json_object_get(prompt, "testGroups"), gi, g) {
        struct group grp;
        parse_group(g, 1, tr1, &grp);
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            json_int_t tcid = tl_int(t, "tcId");
            const json_t *e = tl_index_get(&ix, tcid);
            uint8_t pk[POSTQ_MLDSA_PK_MAX], sk[POSTQ_MLDSA_SK_MAX], sig[POSTQ_MLDSA_SIG_MAX];
            size_t esiglen, msglen, ctxlen = 0, rndlen;
            uint8_t *esig = tl_hex_member(e, "signature", &esiglen);
            uint8_t *msg, *ctx = NULL, *rnd = NULL;
            unsigned li = level_index(grp.level);
            int rc;
            int ok = 1;

            check_test_keys(t, &grp, 1);
            assert_int_equal(esiglen, postq_mldsa_sig_bytes(grp.level));
            if (grp.seed_key) {
                size_t seedlen;
                uint8_t *seed = tl_hex_member(t, "seed", &seedlen);
                assert_int_equal(seedlen, 32);
                assert_int_equal(postq_mldsa_keygen(grp.level, seed, pk, sk), POSTQ_OK);
                free(seed);
            } else {
                size_t sklen;
                uint8_t *hsk = tl_hex_member(t, "sk", &sklen);
                assert_int_equal(sklen, postq_mldsa_sk_bytes(grp.level));
                memcpy(sk, hsk, sklen);
                free(hsk);
                assert_int_equal(postq_mldsa_pk_from_sk(grp.level, sk, pk), POSTQ_OK);
            }
            if (!grp.deterministic) {
                rnd = tl_hex_member(t, "rnd", &rndlen);
                assert_int_equal(rndlen, 32);
            }
            msg = tl_hex_member(t, grp.iface == INT_MU ? "mu" : "message", &msglen);
            if (grp.iface == EXT_PURE || grp.iface == EXT_PREHASH) {
                ctx = tl_hex_member(t, "context", &ctxlen);
            }
            /* Deterministic groups pass rnd = NULL: the API's spelling of rnd = 0^32. */
            switch (grp.iface) {
            case EXT_PURE:
                rc = postq_mldsa_sign(grp.level, sk, msg, msglen, ctx, ctxlen, rnd, sig);
                break;
            case EXT_PREHASH: {
                size_t mplen;
                uint8_t *mp = prehash_mprime(tl_str(t, "hashAlg"), msg, msglen, ctx, ctxlen,
                                             &mplen);
                rc = postq_mldsa_sign_internal(grp.level, sk, mp, mplen, rnd, sig);
                free(mp);
                break;
            }
            case INT_MSG:
                rc = postq_mldsa_sign_internal(grp.level, sk, msg, msglen, rnd, sig);
                break;
            default:
                assert_int_equal(msglen, POSTQ_MLDSA_MU_BYTES);
                rc = postq_mldsa_sign_mu(grp.level, sk, msg, rnd, sig);
                break;
            }
            tl.ran[li][grp.iface]++;
            if (rc != POSTQ_OK || memcmp(sig, esig, esiglen) != 0) {
                printf("%s tcId %lld: signature differs (rc %d)\n", set, (long long)tcid, rc);
                ok = 0;
            } else if (verify_case(&grp, t, pk, NULL, sig, esiglen) != POSTQ_OK) {
                printf("%s tcId %lld: own signature does not verify\n", set, (long long)tcid);
                ok = 0;
            }
            tl.passed[li][grp.iface] += (unsigned)ok;
            free(esig);
            free(msg);
            free(ctx);
            free(rnd);
        }
    }
    print_tally(set, &tl, expected_count, 1, " (byte-exact, and verified)");
    tl_index_free(&ix);
    json_decref(prompt);
    json_decref(expected);
}

static void test_acvp_siggen(void **state)
{
    (void)state;
    run_siggen("ML-DSA-sigGen-FIPS204", "ML-DSA sigGen", 0, 360);
}

static void test_acvp_siggen_tr1(void **state)
{
    (void)state;
    run_siggen("ML-DSA-sigGen-FIPS204-tr1", "ML-DSA sigGen-tr1", 1, 720);
}

/* ---- sigVer: the verdict must match testPassed ----------------------------------------------- */

/* Every case is run twice: under pk, and under an expanded key made from pk
 * (crypto/mldsa/sign.h), which must give the same answer. */

static void test_acvp_sigver(void **state)
{
    json_t *prompt = tl_load_json("vectors/acvp/ML-DSA-sigVer-FIPS204/prompt.json");
    json_t *expected = tl_load_json("vectors/acvp/ML-DSA-sigVer-FIPS204/expectedResults.json");
    struct tl_index ix;
    struct tally tl;
    unsigned valid = 0;
    unsigned invalid = 0;
    unsigned vkey_same = 0;
    static struct postq_mldsa_vkey vk;
    char note[128];
    size_t gi, ti;
    json_t *g, *t;

    (void)state;
    memset(&tl, 0, sizeof(tl));
    tl_index_build(&ix, expected);
    json_array_foreach(json_object_get(prompt, "testGroups"), gi, g) {
        struct group grp;
        parse_group(g, 0, 0, &grp);
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            json_int_t tcid = tl_int(t, "tcId");
            const json_t *e = tl_index_get(&ix, tcid);
            int want = bool_member(e, "testPassed");
            size_t pklen, siglen;
            uint8_t *pk, *sig;
            unsigned li = level_index(grp.level);
            int rc;

            check_test_keys(t, &grp, 0);
            pk = tl_hex_member(t, "pk", &pklen);
            sig = tl_hex_member(t, "signature", &siglen);
            assert_int_equal(pklen, postq_mldsa_pk_bytes(grp.level));
            rc = verify_case(&grp, t, pk, NULL, sig, siglen);
            assert_int_equal(postq_mldsa_vkey_init(&vk, grp.level, pk), POSTQ_OK);
            if (verify_case(&grp, t, NULL, &vk, sig, siglen) == rc) {
                vkey_same++;
            } else {
                printf("sigVer tcId %lld: the expanded key disagrees\n", (long long)tcid);
                rc = POSTQ_E_INTERNAL; /* counted as failed below */
            }
            tl.ran[li][grp.iface]++;
            if ((want && rc == POSTQ_OK) || (!want && rc == POSTQ_E_INVALID)) {
                tl.passed[li][grp.iface]++;
                valid += (unsigned)want;
                invalid += (unsigned)!want;
            } else {
                printf("sigVer tcId %lld: expected %s, got %d\n", (long long)tcid,
                       want ? "valid" : "invalid", rc);
            }
            free(pk);
            free(sig);
        }
    }
    snprintf(note, sizeof(note),
             " (%u valid accepted, %u invalid rejected; %u the same under an expanded key)", valid,
             invalid, vkey_same);
    print_tally("ML-DSA sigVer", &tl, 180, 1, note);
    assert_int_equal(vkey_same, 180);
    tl_index_free(&ix);
    json_decref(prompt);
    json_decref(expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acvp_keygen),
        cmocka_unit_test(test_acvp_siggen),
        cmocka_unit_test(test_acvp_siggen_tr1),
        cmocka_unit_test(test_acvp_sigver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
