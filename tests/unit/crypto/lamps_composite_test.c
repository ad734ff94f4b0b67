/* SPDX-License-Identifier: Apache-2.0 */
/* The IETF LAMPS working group's published vectors for draft-ietf-lamps-pq-composite-sigs
 * (vectors/lamps-composite/, see its README): the authority for our composite keys, signatures,
 * M' and SubjectPublicKeyInfo, and for pure ML-DSA. Every entry is checked in full: pk from sk,
 * each signature under its own context only, single-bit flips in each half, the deterministic
 * EdDSA half byte for byte (through the product and through tests/lib/composite_ref), the
 * self-signed certificate and the PKCS #8 private key. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <postq/hybrid.h>
#include <postq/mldsa.h>

#include "composite_ref.h"
#include "crypto/ed.h"
#include "crypto/spki.h"

#define VECTORS "vectors/lamps-composite/testvectors.json"

/* The file's tcIds, mapped explicitly to what we implement; any other tcId fails the test. */
struct entry {
    const char *tcid;
    const char *alg;      /* our composite name; NULL for pure ML-DSA */
    int level;            /* ML-DSA parameter set */
    int ed448;            /* composites: Ed448 + SHAKE256 rather than Ed25519 + SHA-512 */
    const uint8_t *label; /* composites: the Label (inside M' and as the ML-DSA ctx) */
    const char *oid;      /* of the key, the certificate's signature and the PKCS #8 key */
};

static const struct entry entries[] = {
    {"id-ML-DSA-44", NULL, 44, 0, NULL, "2.16.840.1.101.3.4.3.17"},
    {"id-ML-DSA-65", NULL, 65, 0, NULL, "2.16.840.1.101.3.4.3.18"},
    {"id-ML-DSA-87", NULL, 87, 0, NULL, "2.16.840.1.101.3.4.3.19"},
    {"id-MLDSA44-Ed25519-SHA512", "mldsa44+ed25519", 44, 0, tl_comp_label44, "1.3.6.1.5.5.7.6.39"},
    {"id-MLDSA65-Ed25519-SHA512", "mldsa65+ed25519", 65, 0, tl_comp_label65, "1.3.6.1.5.5.7.6.48"},
    {"id-MLDSA87-Ed448-SHAKE256", "mldsa87+ed448", 87, 1, tl_comp_label87, "1.3.6.1.5.5.7.6.51"},
};
#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static const struct entry *find_entry(const char *tcid)
{
    for (size_t i = 0; i < N_ENTRIES; i++) {
        if (strcmp(tcid, entries[i].tcid) == 0) {
            return &entries[i];
        }
    }
    return NULL;
}

/* One test of the file, decoded, with the sizes our code expects for it. */
struct vec {
    const struct entry *e;
    uint8_t *pk, *x5c, *sk, *sk_pkcs8, *s, *s_ctx;
    size_t pk_len, x5c_len, sk_len, sk_pkcs8_len, s_len, s_ctx_len;
    size_t sig_bytes;           /* the whole signature */
    size_t mldsa_pk, mldsa_sig; /* the ML-DSA half (all of it for pure ML-DSA) */
};

struct lamps {
    json_t *root;
    uint8_t *m, *ctx;
    size_t m_len, ctx_len;
    struct vec v[N_ENTRIES]; /* in the file's order */
    size_t n;
};

static void load(struct lamps *L)
{
    json_t *tests;
    json_t *t;
    size_t i;
    int seen[N_ENTRIES] = {0};

    memset(L, 0, sizeof(*L));
    L->root = tl_load_json(VECTORS);
    L->m = tl_b64_member(L->root, "m", &L->m_len);
    L->ctx = tl_b64_member(L->root, "ctx", &L->ctx_len);
    /* A non-empty ctx, or "fails under the other's ctx" would prove nothing. */
    assert_true(L->ctx_len > 0 && L->ctx_len <= POSTQ_HYBRID_CTX_MAX);
    tests = json_object_get(L->root, "tests");
    assert_true(json_is_array(tests));
    json_array_foreach(tests, i, t) {
        const char *tcid = tl_str(t, "tcId");
        const struct entry *e = find_entry(tcid);
        struct vec *v;

        if (e == NULL) {
            fail_msg("%s: unknown tcId \"%s\": map it in entries[]", VECTORS, tcid);
        }
        if (seen[e - entries]++ != 0) {
            fail_msg("%s: tcId \"%s\" appears twice", VECTORS, tcid);
        }
        v = &L->v[L->n++];
        v->e = e;
        v->pk = tl_b64_member(t, "pk", &v->pk_len);
        v->x5c = tl_b64_member(t, "x5c", &v->x5c_len);
        v->sk = tl_b64_member(t, "sk", &v->sk_len);
        v->sk_pkcs8 = tl_b64_member(t, "sk_pkcs8", &v->sk_pkcs8_len);
        v->s = tl_b64_member(t, "s", &v->s_len);
        v->s_ctx = tl_b64_member(t, "sWithContext", &v->s_ctx_len);

        v->mldsa_pk = postq_mldsa_pk_bytes(e->level);
        v->mldsa_sig = postq_mldsa_sig_bytes(e->level);
        if (e->alg == NULL) {
            v->sig_bytes = v->mldsa_sig;
            assert_int_equal(v->pk_len, v->mldsa_pk);
            /* The README says sk is the ML-DSA seed; an expanded key would be 2560+ bytes. */
            if (v->sk_len != POSTQ_MLDSA_SEED_BYTES) {
                fail_msg("%s: sk of %zu bytes is not a %d-byte ML-DSA seed", tcid, v->sk_len,
                         POSTQ_MLDSA_SEED_BYTES);
            }
        } else {
            size_t pk_bytes, sk_bytes;
            assert_int_equal(postq_hybrid_sizes(e->alg, &pk_bytes, &sk_bytes, &v->sig_bytes),
                             POSTQ_OK);
            assert_int_equal(v->pk_len, pk_bytes);
            assert_int_equal(v->sk_len, sk_bytes);
        }
        assert_int_equal(v->s_len, v->sig_bytes);
        assert_int_equal(v->s_ctx_len, v->sig_bytes);
    }
    /* Every entry we map is in the file: none silently missing. */
    for (size_t k = 0; k < N_ENTRIES; k++) {
        if (!seen[k]) {
            fail_msg("%s: no test for tcId \"%s\"", VECTORS, entries[k].tcid);
        }
    }
}

static void unload(struct lamps *L)
{
    for (size_t i = 0; i < L->n; i++) {
        struct vec *v = &L->v[i];
        free(v->pk);
        free(v->x5c);
        free(v->sk);
        free(v->sk_pkcs8);
        free(v->s);
        free(v->s_ctx);
    }
    free(L->m);
    free(L->ctx);
    json_decref(L->root);
}

/* Verify sig of msg under v's pk with our code: composite or pure ML-DSA. */
static int verify(const struct vec *v, const uint8_t *msg, size_t msg_len, const uint8_t *ctx,
                  size_t ctx_len, const uint8_t *sig, size_t sig_len)
{
    if (v->e->alg != NULL) {
        return postq_hybrid_verify(v->e->alg, v->pk, msg, msg_len, ctx, ctx_len, sig, sig_len);
    }
    return postq_mldsa_verify(v->e->level, v->pk, msg, msg_len, ctx, ctx_len, sig, sig_len);
}

static void report(const char *what, size_t passed)
{
    printf("# LAMPS composite vectors: %zu of %zu entries: %s\n", passed, N_ENTRIES, what);
    assert_int_equal(passed, N_ENTRIES);
}

static uint8_t buf_pk[POSTQ_HYBRID_PK_MAX];
static uint8_t buf_esk[POSTQ_MLDSA_SK_MAX];
static uint8_t buf_sk[POSTQ_HYBRID_SK_MAX];
static uint8_t buf_sig[POSTQ_HYBRID_SIG_MAX];

/* ---- tests ---- */

/* The mapping is exact: near-miss names are not ours. */
static void test_tcid_mapping(void **state)
{
    static const char *const unknown[] = {
        "", "id-ML-DSA-44 ", "ID-ML-DSA-44", "id-MLDSA65-Ed448-SHAKE256",
        "id-MLDSA87-Ed25519-SHA512", "id-MLDSA65-Ed25519-SHA256", "id-HashMLDSA65-Ed25519-SHA512",
        "mldsa65+ed25519",
    };

    (void)state;
    for (size_t i = 0; i < N_ENTRIES; i++) {
        assert_ptr_equal(find_entry(entries[i].tcid), &entries[i]);
        if (entries[i].alg != NULL) {
            assert_int_equal(postq_hybrid_sizes(entries[i].alg, NULL, NULL, NULL), POSTQ_OK);
        }
    }
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_null(find_entry(unknown[i]));
    }
}

/* pk derives from sk: the composite public key of the composite private key, or ML-DSA
 * KeyGen_internal of the seed. A bit flipped in either seed changes exactly its own half. */
static void test_public_keys(void **state)
{
    struct lamps L;
    size_t passed = 0;

    (void)state;
    load(&L);
    for (size_t i = 0; i < L.n; i++) {
        const struct vec *v = &L.v[i];

        memset(buf_pk, 0xaa, sizeof(buf_pk));
        if (v->e->alg == NULL) {
            assert_int_equal(postq_mldsa_keygen(v->e->level, v->sk, buf_pk, buf_esk), POSTQ_OK);
            assert_memory_equal(buf_pk, v->pk, v->pk_len);
            memcpy(buf_sk, v->sk, v->sk_len);
            buf_sk[7] ^= 0x10;
            assert_int_equal(postq_mldsa_keygen(v->e->level, buf_sk, buf_pk, buf_esk), POSTQ_OK);
            assert_memory_not_equal(buf_pk, v->pk, v->pk_len);
        } else {
            assert_int_equal(postq_hybrid_public_key(v->e->alg, v->sk, buf_pk), POSTQ_OK);
            assert_memory_equal(buf_pk, v->pk, v->pk_len);
            memcpy(buf_sk, v->sk, v->sk_len);
            buf_sk[7] ^= 0x10; /* the ML-DSA seed */
            assert_int_equal(postq_hybrid_public_key(v->e->alg, buf_sk, buf_pk), POSTQ_OK);
            assert_memory_not_equal(buf_pk, v->pk, v->mldsa_pk);
            assert_memory_equal(buf_pk + v->mldsa_pk, v->pk + v->mldsa_pk,
                                v->pk_len - v->mldsa_pk);
            memcpy(buf_sk, v->sk, v->sk_len);
            buf_sk[v->sk_len - 1] ^= 0x10; /* the EdDSA seed */
            assert_int_equal(postq_hybrid_public_key(v->e->alg, buf_sk, buf_pk), POSTQ_OK);
            assert_memory_equal(buf_pk, v->pk, v->mldsa_pk);
            assert_memory_not_equal(buf_pk + v->mldsa_pk, v->pk + v->mldsa_pk,
                                    v->pk_len - v->mldsa_pk);
        }
        passed++;
    }
    unload(&L);
    report("pk derived from sk", passed);
}

/* s verifies with the empty ctx and sWithContext with ctx, each fails under the other's ctx,
 * under a changed message, and with one bit flipped at the start, middle and end of each half
 * (for pure ML-DSA: c~, z and the hints). */
static void test_signatures(void **state)
{
    struct lamps L;
    size_t passed = 0;
    unsigned flips = 0;

    (void)state;
    load(&L);
    for (size_t i = 0; i < L.n; i++) {
        const struct vec *v = &L.v[i];
        const size_t ed_sig = v->sig_bytes - v->mldsa_sig;
        size_t pos[6];
        size_t n_pos = 0;

        pos[n_pos++] = 0;
        pos[n_pos++] = v->mldsa_sig / 2;
        pos[n_pos++] = v->mldsa_sig - 1;
        if (ed_sig > 0) {
            pos[n_pos++] = v->mldsa_sig;
            pos[n_pos++] = v->mldsa_sig + ed_sig / 2;
            pos[n_pos++] = v->sig_bytes - 1;
        }

        assert_int_equal(verify(v, L.m, L.m_len, NULL, 0, v->s, v->s_len), POSTQ_OK);
        assert_int_equal(verify(v, L.m, L.m_len, L.ctx, L.ctx_len, v->s_ctx, v->s_ctx_len),
                         POSTQ_OK);
        assert_int_equal(verify(v, L.m, L.m_len, L.ctx, L.ctx_len, v->s, v->s_len),
                         POSTQ_E_INVALID);
        assert_int_equal(verify(v, L.m, L.m_len, NULL, 0, v->s_ctx, v->s_ctx_len),
                         POSTQ_E_INVALID);
        assert_int_equal(verify(v, L.m, L.m_len - 1, NULL, 0, v->s, v->s_len), POSTQ_E_INVALID);
        assert_int_equal(verify(v, L.m, L.m_len, L.ctx, L.ctx_len - 1, v->s_ctx, v->s_ctx_len),
                         POSTQ_E_INVALID);
        for (size_t p = 0; p < n_pos; p++) {
            const uint8_t bit = (uint8_t)(1u << (pos[p] % 8));

            memcpy(buf_sig, v->s, v->s_len);
            buf_sig[pos[p]] ^= bit;
            assert_int_equal(verify(v, L.m, L.m_len, NULL, 0, buf_sig, v->s_len),
                             POSTQ_E_INVALID);
            memcpy(buf_sig, v->s_ctx, v->s_ctx_len);
            buf_sig[pos[p]] ^= bit;
            assert_int_equal(verify(v, L.m, L.m_len, L.ctx, L.ctx_len, buf_sig, v->s_ctx_len),
                             POSTQ_E_INVALID);
            flips += 2;
        }
        passed++;
    }
    unload(&L);
    printf("# LAMPS composite vectors: %u single-bit flips of published signatures rejected\n",
           flips);
    report("s and sWithContext verify, each under its own ctx only", passed);
}

/* The composites' EdDSA half is deterministic: recomputed from sk, it equals the published
 * half byte for byte, both through the product (postq_hybrid_sign_rnd: its own M') and through
 * tests/lib/composite_ref (M' by hand, then postq_ed_sign and libsodium / OpenSSL directly).
 * The published ML-DSA half verifies over the hand-built M' with ctx = Label, so the
 * reference's M' is the LAMPS one; with another Label it does not. */
static void test_composite_halves(void **state)
{
    struct lamps L;
    size_t composites = 0;
    uint8_t mprime[TL_COMP_MPRIME_MAX];
    uint8_t ed_sig[POSTQ_ED_SIG_MAX];

    (void)state;
    load(&L);
    for (size_t i = 0; i < L.n; i++) {
        const struct vec *v = &L.v[i];
        const struct entry *e = v->e;
        const int curve = e->ed448 ? POSTQ_ED448 : POSTQ_ED25519;
        const size_t ed_len = v->sig_bytes - v->mldsa_sig;
        const uint8_t *seed = v->sk + POSTQ_MLDSA_SEED_BYTES;

        if (e->alg == NULL) {
            continue;
        }
        assert_int_equal(ed_len, postq_ed_sig_bytes(curve));
        for (int with_ctx = 0; with_ctx < 2; with_ctx++) {
            const uint8_t *ctx = with_ctx ? L.ctx : NULL;
            const size_t ctx_len = with_ctx ? L.ctx_len : 0;
            const uint8_t *published = with_ctx ? v->s_ctx : v->s;
            size_t mp_len;

            /* The product, end to end: the ML-DSA half differs (hedged in the file), the EdDSA
             * half is the published one. */
            assert_int_equal(postq_hybrid_sign_rnd(e->alg, v->sk, L.m, L.m_len, ctx, ctx_len,
                                                   NULL, buf_sig),
                             POSTQ_OK);
            assert_memory_equal(buf_sig + v->mldsa_sig, published + v->mldsa_sig, ed_len);
            assert_memory_not_equal(buf_sig, published, v->mldsa_sig);
            assert_int_equal(verify(v, L.m, L.m_len, ctx, ctx_len, buf_sig, v->sig_bytes),
                             POSTQ_OK);

            /* The reference: M' from the spec's bytes. */
            mp_len = tl_comp_mprime(e->ed448, e->label, L.m, L.m_len, ctx, ctx_len, mprime);
            assert_int_equal(mp_len, 32 + 30 + 1 + ctx_len + 64);
            tl_comp_ed_sign(e->ed448, seed, mprime, mp_len, ed_sig);
            assert_memory_equal(ed_sig, published + v->mldsa_sig, ed_len);
            memset(ed_sig, 0, sizeof(ed_sig));
            assert_int_equal(postq_ed_sign(curve, seed, mprime, mp_len, ed_sig), POSTQ_OK);
            assert_memory_equal(ed_sig, published + v->mldsa_sig, ed_len);
            assert_int_equal(postq_ed_verify(curve, v->pk + v->mldsa_pk, mprime, mp_len,
                                             published + v->mldsa_sig, ed_len),
                             POSTQ_OK);
            assert_int_equal(postq_mldsa_verify(e->level, v->pk, mprime, mp_len, e->label,
                                                TL_COMP_LABEL_BYTES, published, v->mldsa_sig),
                             POSTQ_OK);

            /* Another composite's Label, inside M' or as the ML-DSA ctx: no longer theirs. */
            for (size_t j = 0; j < N_ENTRIES; j++) {
                const uint8_t *other = entries[j].label;
                if (other == NULL || other == e->label) {
                    continue;
                }
                assert_int_equal(postq_mldsa_verify(e->level, v->pk, mprime, mp_len, other,
                                                    TL_COMP_LABEL_BYTES, published, v->mldsa_sig),
                                 POSTQ_E_INVALID);
                mp_len = tl_comp_mprime(e->ed448, other, L.m, L.m_len, ctx, ctx_len, mprime);
                assert_int_equal(postq_mldsa_verify(e->level, v->pk, mprime, mp_len, e->label,
                                                    TL_COMP_LABEL_BYTES, published, v->mldsa_sig),
                                 POSTQ_E_INVALID);
                tl_comp_ed_sign(e->ed448, seed, mprime, mp_len, ed_sig);
                assert_memory_not_equal(ed_sig, published + v->mldsa_sig, ed_len);
                mp_len = tl_comp_mprime(e->ed448, e->label, L.m, L.m_len, ctx, ctx_len, mprime);
            }
        }
        composites++;
    }
    unload(&L);
    printf("# LAMPS composite vectors: %zu of 3 composites: EdDSA half recomputed byte for byte, "
           "ML-DSA half verified over the reference M'\n",
           composites);
    assert_int_equal(composites, 3);
}

/* One DER element at p (avail bytes): tag, header and body lengths (definite, minimal lengths
 * up to 3 bytes: all a certificate here needs). Fails the test when it does not fit. */
static void der_element(const uint8_t *p, size_t avail, uint8_t *tag, size_t *hdr, size_t *body)
{
    assert_true(avail >= 2);
    *tag = p[0];
    if (p[1] < 0x80) {
        *hdr = 2;
        *body = p[1];
    } else {
        size_t n = p[1] & 0x7fu;
        assert_true(n >= 1 && n <= 3 && avail >= 2 + n && p[2] != 0);
        *body = 0;
        for (size_t i = 0; i < n; i++) {
            *body = *body << 8 | p[2 + i];
        }
        assert_true(*body >= 0x80);
        *hdr = 2 + n;
    }
    assert_true(*hdr + *body <= avail);
}

static void oid_text(const ASN1_OBJECT *obj, char *out, size_t cap)
{
    assert_non_null(obj);
    assert_true(OBJ_obj2txt(out, (int)cap, obj, 1) > 0);
}

/* The SubjectPublicKeyInfo of e's key pk, built here from the OID text: SEQUENCE {
 * SEQUENCE { OID }, BIT STRING { 00 pk } } (every key here is 256..65535 bytes long). */
static size_t spki_by_hand(const struct entry *e, const uint8_t *pk, size_t pk_len, uint8_t *out)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(e->oid, 1);
    unsigned char *p = out + 6;
    int oid_len;
    size_t bits = 1 + pk_len, alg_len, seq;

    assert_non_null(obj);
    oid_len = i2d_ASN1_OBJECT(obj, &p); /* written at out + 6 */
    ASN1_OBJECT_free(obj);
    assert_true(oid_len > 0 && oid_len < 0x80);
    alg_len = (size_t)oid_len;
    seq = 2 + alg_len + 4 + bits;
    out[0] = 0x30;
    out[1] = 0x82;
    out[2] = (uint8_t)(seq >> 8);
    out[3] = (uint8_t)seq;
    out[4] = 0x30;
    out[5] = (uint8_t)alg_len;
    p = out + 6 + alg_len;
    *p++ = 0x03;
    *p++ = 0x82;
    *p++ = (uint8_t)(bits >> 8);
    *p++ = (uint8_t)bits;
    *p++ = 0x00;
    memcpy(p, pk, pk_len);
    return 4 + seq;
}

/* x5c: a self-signed certificate over pk. OpenSSL parses it (it knows none of these OIDs, but
 * the structure is plain X.509); its TBS and signature equal what a DER walk of the certificate
 * finds; the signature algorithm is the entry's; the signature verifies under pk with the empty
 * ctx (and not over a changed TBS); the SubjectPublicKeyInfo is pk under the entry's OID, and for
 * the composites byte for byte what src/crypto/spki.c encodes (and decodes back). */
static void test_certificates(void **state)
{
    struct lamps L;
    size_t passed = 0;
    static uint8_t spki_ref[POSTQ_SPKI_DER_MAX + 64], spki_ours[POSTQ_SPKI_DER_MAX];

    (void)state;
    load(&L);
    for (size_t i = 0; i < L.n; i++) {
        const struct vec *v = &L.v[i];
        const unsigned char *p = v->x5c;
        X509 *x = d2i_X509(NULL, &p, (long)v->x5c_len);
        const ASN1_BIT_STRING *sig_bits = NULL;
        const X509_ALGOR *sig_alg = NULL;
        const ASN1_OBJECT *obj = NULL;
        int ptype = 0;
        unsigned char *tbs = NULL, *spki = NULL;
        int tbs_len, spki_len;
        size_t hdr, body, off, t_hdr, t_body, ref_len;
        uint8_t tag;
        char text[80], cn[80];
        const unsigned char *key = NULL;
        int key_len = 0;
        ASN1_OBJECT *key_obj = NULL;

        if (x == NULL) {
            fail_msg("%s: OpenSSL cannot parse the x5c certificate", v->e->tcid);
        }
        assert_ptr_equal(p, v->x5c + v->x5c_len);
        assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
                                              (int)sizeof(cn)) > 0);
        assert_string_equal(cn, v->e->tcid);

        /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. */
        der_element(v->x5c, v->x5c_len, &tag, &hdr, &body);
        assert_int_equal(tag, 0x30);
        assert_int_equal(hdr + body, v->x5c_len);
        off = hdr;
        der_element(v->x5c + off, v->x5c_len - off, &tag, &t_hdr, &t_body);
        assert_int_equal(tag, 0x30);
        tbs_len = i2d_re_X509_tbs(x, &tbs);
        assert_true(tbs_len > 0);
        assert_int_equal((size_t)tbs_len, t_hdr + t_body);
        assert_memory_equal(tbs, v->x5c + off, (size_t)tbs_len);
        off += t_hdr + t_body;
        der_element(v->x5c + off, v->x5c_len - off, &tag, &t_hdr, &t_body);
        assert_int_equal(tag, 0x30);
        off += t_hdr + t_body;
        der_element(v->x5c + off, v->x5c_len - off, &tag, &t_hdr, &t_body);
        assert_int_equal(tag, 0x03);
        assert_int_equal(off + t_hdr + t_body, v->x5c_len);
        assert_int_equal(v->x5c[off + t_hdr], 0x00); /* no unused bits */

        X509_get0_signature(&sig_bits, &sig_alg, x);
        assert_non_null(sig_bits);
        assert_int_equal((size_t)ASN1_STRING_length(sig_bits), t_body - 1);
        assert_memory_equal(ASN1_STRING_get0_data(sig_bits), v->x5c + off + t_hdr + 1,
                            t_body - 1);
        X509_ALGOR_get0(&obj, &ptype, NULL, sig_alg);
        oid_text(obj, text, sizeof(text));
        assert_string_equal(text, v->e->oid);
        assert_int_equal(ptype, V_ASN1_UNDEF); /* parameters absent */
        X509_ALGOR_get0(&obj, &ptype, NULL, X509_get0_tbs_sigalg(x));
        oid_text(obj, text, sizeof(text));
        assert_string_equal(text, v->e->oid);

        assert_int_equal(verify(v, tbs, (size_t)tbs_len, NULL, 0, ASN1_STRING_get0_data(sig_bits),
                                (size_t)ASN1_STRING_length(sig_bits)),
                         POSTQ_OK);
        assert_int_equal(verify(v, tbs, (size_t)tbs_len, L.ctx, L.ctx_len,
                                ASN1_STRING_get0_data(sig_bits),
                                (size_t)ASN1_STRING_length(sig_bits)),
                         POSTQ_E_INVALID);
        tbs[tbs_len / 2] ^= 0x04;
        assert_int_equal(verify(v, tbs, (size_t)tbs_len, NULL, 0, ASN1_STRING_get0_data(sig_bits),
                                (size_t)ASN1_STRING_length(sig_bits)),
                         POSTQ_E_INVALID);

        /* SubjectPublicKeyInfo: OpenSSL's view, the one built here, and ours. */
        assert_int_equal(X509_PUBKEY_get0_param(&key_obj, &key, &key_len, NULL,
                                                X509_get_X509_PUBKEY(x)),
                         1);
        oid_text(key_obj, text, sizeof(text));
        assert_string_equal(text, v->e->oid);
        assert_int_equal((size_t)key_len, v->pk_len);
        assert_memory_equal(key, v->pk, v->pk_len);
        spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
        assert_true(spki_len > 0);
        ref_len = spki_by_hand(v->e, v->pk, v->pk_len, spki_ref);
        assert_int_equal((size_t)spki_len, ref_len);
        assert_memory_equal(spki, spki_ref, ref_len);
        if (v->e->alg != NULL) {
            size_t ours_len = 0, got_len = 0;
            const char *got_alg = NULL;
            const uint8_t *got_pk = NULL;

            assert_int_equal(postq_spki_encode_der(spki_ours, sizeof(spki_ours), &ours_len,
                                                   v->e->alg, v->pk, v->pk_len),
                             POSTQ_OK);
            assert_int_equal(ours_len, (size_t)spki_len);
            assert_memory_equal(spki_ours, spki, ours_len);
            assert_int_equal(postq_spki_decode_der(&got_alg, &got_pk, &got_len, spki,
                                                   (size_t)spki_len),
                             POSTQ_OK);
            assert_string_equal(got_alg, v->e->alg);
            assert_int_equal(got_len, v->pk_len);
            assert_memory_equal(got_pk, v->pk, v->pk_len);
        }
        OPENSSL_free(spki);
        OPENSSL_free(tbs);
        X509_free(x);
        passed++;
    }
    unload(&L);
    report("x5c signature verifies under pk, SubjectPublicKeyInfo matches", passed);
}

/* sk_pkcs8: OneAsymmetricKey with the entry's OID (parameters absent; for the composites the
 * AlgorithmIdentifier of our SubjectPublicKeyInfo) around sk: for pure ML-DSA the seed choice
 * [0] IMPLICIT OCTET STRING (80 20 seed), for the composites the composite private key itself. */
static void test_pkcs8(void **state)
{
    struct lamps L;
    size_t passed = 0;
    static uint8_t spki_ours[POSTQ_SPKI_DER_MAX];

    (void)state;
    load(&L);
    for (size_t i = 0; i < L.n; i++) {
        const struct vec *v = &L.v[i];
        const unsigned char *p = v->sk_pkcs8;
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)v->sk_pkcs8_len);
        const ASN1_OBJECT *obj = NULL;
        const unsigned char *key = NULL;
        int key_len = 0;
        const X509_ALGOR *alg = NULL;
        const ASN1_OBJECT *alg_obj = NULL;
        int ptype = 0;
        char text[80];

        if (p8 == NULL) {
            fail_msg("%s: OpenSSL cannot parse sk_pkcs8", v->e->tcid);
        }
        assert_ptr_equal(p, v->sk_pkcs8 + v->sk_pkcs8_len);
        assert_int_equal(PKCS8_pkey_get0(&obj, &key, &key_len, &alg, p8), 1);
        oid_text(obj, text, sizeof(text));
        assert_string_equal(text, v->e->oid);
        X509_ALGOR_get0(&alg_obj, &ptype, NULL, alg);
        assert_int_equal(ptype, V_ASN1_UNDEF);
        if (v->e->alg == NULL) {
            assert_int_equal((size_t)key_len, 2 + v->sk_len);
            assert_int_equal(key[0], 0x80);
            assert_int_equal(key[1], v->sk_len);
            assert_memory_equal(key + 2, v->sk, v->sk_len);
        } else {
            unsigned char *alg_der = NULL;
            int alg_der_len = i2d_X509_ALGOR(alg, &alg_der);
            size_t ours_len = 0;

            assert_int_equal((size_t)key_len, v->sk_len);
            assert_memory_equal(key, v->sk, v->sk_len);
            /* Our SPKI: 30 82 LL LL, then the AlgorithmIdentifier. */
            assert_int_equal(postq_spki_encode_der(spki_ours, sizeof(spki_ours), &ours_len,
                                                   v->e->alg, v->pk, v->pk_len),
                             POSTQ_OK);
            assert_true(alg_der_len > 0 && (size_t)alg_der_len + 4 < ours_len);
            assert_memory_equal(alg_der, spki_ours + 4, (size_t)alg_der_len);
            OPENSSL_free(alg_der);
        }
        PKCS8_PRIV_KEY_INFO_free(p8);
        passed++;
    }
    unload(&L);
    report("sk_pkcs8 holds sk under the entry's OID", passed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcid_mapping),
        cmocka_unit_test(test_public_keys),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_composite_halves),
        cmocka_unit_test(test_certificates),
        cmocka_unit_test(test_pkcs8),
    };

    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
