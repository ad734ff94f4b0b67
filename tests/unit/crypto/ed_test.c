/* SPDX-License-Identifier: Apache-2.0 */
/* EdDSA: the RFC 8032 §7.1 Ed25519 vectors (../shared/vectors/ed25519/rfc8032.json), RFC 8032
 * §7.4 Ed448 vectors (embedded below), and their negative twins. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ed.h"

/* ---- helpers ---- */

static void expect_all_bit_flips_rejected(int curve, const uint8_t *pk, const uint8_t *msg,
                                          size_t msglen, const uint8_t *sig)
{
    size_t pklen = postq_ed_pk_bytes(curve);
    size_t siglen = postq_ed_sig_bytes(curve);
    uint8_t s[POSTQ_ED_SIG_MAX];
    uint8_t p[POSTQ_ED_PK_MAX];
    uint8_t *m = malloc(msglen + 1);

    assert_non_null(m);
    for (size_t i = 0; i < siglen * 8; i++) {
        memcpy(s, sig, siglen);
        s[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(postq_ed_verify(curve, pk, msg, msglen, s, siglen), POSTQ_E_INVALID);
    }
    for (size_t i = 0; i < msglen * 8; i++) {
        memcpy(m, msg, msglen);
        m[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(postq_ed_verify(curve, pk, m, msglen, sig, siglen), POSTQ_E_INVALID);
    }
    for (size_t i = 0; i < pklen * 8; i++) {
        memcpy(p, pk, pklen);
        p[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(postq_ed_verify(curve, p, msg, msglen, sig, siglen), POSTQ_E_INVALID);
    }
    free(m);
}

static void expect_wrong_lengths_rejected(int curve, const uint8_t *pk, const uint8_t *msg,
                                          size_t msglen, const uint8_t *sig)
{
    size_t siglen = postq_ed_sig_bytes(curve);
    uint8_t longer[POSTQ_ED_SIG_MAX + 1];

    for (size_t n = 0; n < siglen; n++) {
        assert_int_equal(postq_ed_verify(curve, pk, msg, msglen, sig, n), POSTQ_E_INVALID);
    }
    memcpy(longer, sig, siglen);
    longer[siglen] = 0;
    assert_int_equal(postq_ed_verify(curve, pk, msg, msglen, longer, siglen + 1), POSTQ_E_INVALID);
    /* A message one byte longer or shorter. */
    if (msglen > 0) {
        assert_int_equal(postq_ed_verify(curve, pk, msg, msglen - 1, sig, siglen), POSTQ_E_INVALID);
    }
    {
        uint8_t *m = calloc(1, msglen + 1);
        assert_non_null(m);
        if (msglen > 0) {
            memcpy(m, msg, msglen);
        }
        assert_int_equal(postq_ed_verify(curve, pk, m, msglen + 1, sig, siglen), POSTQ_E_INVALID);
        free(m);
    }
}

/* s += l over n little-endian bytes; the carry out must be zero. */
static void add_le(uint8_t *s, const uint8_t *l, size_t n)
{
    unsigned carry = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)s[i] + l[i] + carry;
        s[i] = (uint8_t)v;
        carry = v >> 8;
    }
    assert_int_equal(carry, 0);
}

/* ---- Ed25519: RFC 8032 §7.1 ---- */

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian [RFC 8032 §5.1]. */
static const uint8_t ed25519_l[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

static void test_ed25519_rfc8032(void **state)
{
    json_t *root = tl_load_json("vectors/ed25519/rfc8032.json");
    json_t *vectors = json_object_get(root, "vectors");
    size_t passed = 0;
    size_t i;
    json_t *v;

    (void)state;
    assert_true(json_is_array(vectors));
    assert_int_equal(json_array_size(vectors), 5);
    json_array_foreach (vectors, i, v) {
        size_t seedlen, pklen, msglen, siglen;
        uint8_t *seed = tl_hex_member(v, "secret_key", &seedlen);
        uint8_t *pk = tl_hex_member(v, "public_key", &pklen);
        uint8_t *msg = tl_hex_member(v, "message", &msglen);
        uint8_t *sig = tl_hex_member(v, "signature", &siglen);
        uint8_t got_pk[POSTQ_ED25519_PK_BYTES];
        uint8_t got_sig[POSTQ_ED25519_SIG_BYTES];

        assert_int_equal(seedlen, POSTQ_ED25519_SEED_BYTES);
        assert_int_equal(pklen, POSTQ_ED25519_PK_BYTES);
        assert_int_equal(siglen, POSTQ_ED25519_SIG_BYTES);
        assert_int_equal((json_int_t)msglen, tl_int(v, "message_len"));

        assert_int_equal(postq_ed_keypair(POSTQ_ED25519, seed, got_pk), POSTQ_OK);
        assert_memory_equal(got_pk, pk, pklen);
        assert_int_equal(postq_ed_sign(POSTQ_ED25519, seed, msglen ? msg : NULL, msglen, got_sig),
                         POSTQ_OK);
        assert_memory_equal(got_sig, sig, siglen);
        assert_int_equal(
            postq_ed_verify(POSTQ_ED25519, pk, msglen ? msg : NULL, msglen, sig, siglen), POSTQ_OK);
        passed++;
        free(seed);
        free(pk);
        free(msg);
        free(sig);
    }
    json_decref(root);
    printf("# Ed25519 RFC 8032: %zu of 5 vectors passed\n", passed);
    assert_int_equal(passed, 5);
}

static void test_ed25519_negative(void **state)
{
    json_t *root = tl_load_json("vectors/ed25519/rfc8032.json");
    json_t *vectors = json_object_get(root, "vectors");
    size_t i;
    json_t *v;

    (void)state;
    json_array_foreach (vectors, i, v) {
        size_t pklen, msglen, siglen;
        uint8_t *pk = tl_hex_member(v, "public_key", &pklen);
        uint8_t *msg = tl_hex_member(v, "message", &msglen);
        uint8_t *sig = tl_hex_member(v, "signature", &siglen);

        expect_all_bit_flips_rejected(POSTQ_ED25519, pk, msg, msglen, sig);
        expect_wrong_lengths_rejected(POSTQ_ED25519, pk, msg, msglen, sig);
        free(pk);
        free(msg);
        free(sig);
    }
    json_decref(root);
}

/* S + L satisfies the group equation just as S does: only the canonicity check rejects it
 * [RFC 8032 §5.1.7 step 1]. */
static void test_ed25519_noncanonical_s(void **state)
{
    json_t *root = tl_load_json("vectors/ed25519/rfc8032.json");
    json_t *vectors = json_object_get(root, "vectors");
    size_t i;
    json_t *v;

    (void)state;
    json_array_foreach (vectors, i, v) {
        size_t pklen, msglen, siglen;
        uint8_t *pk = tl_hex_member(v, "public_key", &pklen);
        uint8_t *msg = tl_hex_member(v, "message", &msglen);
        uint8_t *sig = tl_hex_member(v, "signature", &siglen);
        uint8_t s[POSTQ_ED25519_SIG_BYTES];

        memcpy(s, sig, sizeof(s));
        add_le(s + 32, ed25519_l, 32);
        assert_int_equal(postq_ed_verify(POSTQ_ED25519, pk, msg, msglen, s, sizeof(s)),
                         POSTQ_E_INVALID);
        /* S = L exactly (and R from the real signature). */
        memcpy(s + 32, ed25519_l, 32);
        assert_int_equal(postq_ed_verify(POSTQ_ED25519, pk, msg, msglen, s, sizeof(s)),
                         POSTQ_E_INVALID);
        free(pk);
        free(msg);
        free(sig);
    }
    json_decref(root);
}

/* The identity as public key with R = identity, S = 0 satisfies [S]B = R + [k]A for every
 * message; a strict verifier refuses small-order keys and R. */
static void test_ed25519_small_order(void **state)
{
    uint8_t pk[32] = {1};
    uint8_t sig[64] = {1};
    const uint8_t msg[] = "any message at all";

    (void)state;
    assert_int_equal(postq_ed_verify(POSTQ_ED25519, pk, msg, sizeof(msg), sig, sizeof(sig)),
                     POSTQ_E_INVALID);
    /* Non-canonical encoding of the identity: y = p + 1. */
    memset(pk, 0xff, sizeof(pk));
    pk[0] = 0xee;
    pk[31] = 0x7f;
    assert_int_equal(postq_ed_verify(POSTQ_ED25519, pk, msg, sizeof(msg), sig, sizeof(sig)),
                     POSTQ_E_INVALID);
}

/* ---- Ed448: RFC 8032 §7.4 ("Test Vectors for Ed448", pure Ed448, empty context) ---- */

struct ed448_kat {
    const char *name;
    const char *secret, *public, *message, *signature;
};

static const struct ed448_kat ed448_kats[] = {
    {"-----Blank",
     "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3"
     "528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
     "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778"
     "edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
     "",
     "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f"
     "2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a"
     "9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4db"
     "b61149f05a7363268c71d95808ff2e652600"},
    {"-----1 octet",
     "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463a"
     "fbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
     "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c086"
     "6aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
     "03",
     "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f435"
     "2541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cb"
     "cee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0f"
     "f3348ab21aa4adafd1d234441cf807c03a00"},
    {"-----11 octets",
     "cd23d24f714274e744343237b93290f511f6425f98e64459ff203e8985083ffd"
     "f60500553abc0e05cd02184bdb89c4ccd67e187951267eb328",
     "dcea9e78f35a1bf3499a831b10b86c90aac01cd84b67a0109b55a36e9328b1e3"
     "65fce161d71ce7131a543ea4cb5f7e9f1d8b00696447001400",
     "0c3e544074ec63b0265e0c",
     "1f0a8888ce25e8d458a21130879b840a9089d999aaba039eaf3e3afa090a09d3"
     "89dba82c4ff2ae8ac5cdfb7c55e94d5d961a29fe0109941e00b8dbdeea6d3b05"
     "1068df7254c0cdc129cbe62db2dc957dbb47b51fd3f213fb8698f064774250a5"
     "028961c9bf8ffd973fe5d5c206492b140e00"},
    {"-----64 octets",
     "d65df341ad13e008567688baedda8e9dcdc17dc024974ea5b4227b6530e339bf"
     "f21f99e68ca6968f3cca6dfe0fb9f4fab4fa135d5542ea3f01",
     "df9705f58edbab802c7f8363cfe5560ab1c6132c20a9f1dd163483a26f8ac53a"
     "39d6808bf4a1dfbd261b099bb03b3fb50906cb28bd8a081f00",
     "bd0f6a3747cd561bdddf4640a332461a4a30a12a434cd0bf40d766d9c6d458e5"
     "512204a30c17d1f50b5079631f64eb3112182da3005835461113718d1a5ef944",
     "554bc2480860b49eab8532d2a533b7d578ef473eeb58c98bb2d0e1ce488a98b1"
     "8dfde9b9b90775e67f47d4a1c3482058efc9f40d2ca033a0801b63d45b3b722e"
     "f552bad3b4ccb667da350192b61c508cf7b6b5adadc2c8d9a446ef003fb05cba"
     "5f30e88e36ec2703b349ca229c2670833900"},
    {"-----256 octets",
     "2ec5fe3c17045abdb136a5e6a913e32ab75ae68b53d2fc149b77e504132d3756"
     "9b7e766ba74a19bd6162343a21c8590aa9cebca9014c636df5",
     "79756f014dcfe2079f5dd9e718be4171e2ef2486a08f25186f6bff43a9936b9b"
     "fe12402b08ae65798a3d81e22e9ec80e7690862ef3d4ed3a00",
     "15777532b0bdd0d1389f636c5f6b9ba734c90af572877e2d272dd078aa1e567c"
     "fa80e12928bb542330e8409f3174504107ecd5efac61ae7504dabe2a602ede89"
     "e5cca6257a7c77e27a702b3ae39fc769fc54f2395ae6a1178cab4738e543072f"
     "c1c177fe71e92e25bf03e4ecb72f47b64d0465aaea4c7fad372536c8ba516a60"
     "39c3c2a39f0e4d832be432dfa9a706a6e5c7e19f397964ca4258002f7c0541b5"
     "90316dbc5622b6b2a6fe7a4abffd96105eca76ea7b98816af0748c10df048ce0"
     "12d901015a51f189f3888145c03650aa23ce894c3bd889e030d565071c59f409"
     "a9981b51878fd6fc110624dcbcde0bf7a69ccce38fabdf86f3bef6044819de11",
     "c650ddbb0601c19ca11439e1640dd931f43c518ea5bea70d3dcde5f4191fe53f"
     "00cf966546b72bcc7d58be2b9badef28743954e3a44a23f880e8d4f1cfce2d7a"
     "61452d26da05896f0a50da66a239a8a188b6d825b3305ad77b73fbac0836ecc6"
     "0987fd08527c1a8e80d5823e65cafe2a3d00"},
};

#define N_ED448 (sizeof(ed448_kats) / sizeof(ed448_kats[0]))

struct decoded {
    uint8_t *seed, *pk, *msg, *sig;
    size_t seedlen, pklen, msglen, siglen;
};

static void decode(const struct ed448_kat *k, struct decoded *d)
{
    d->seed = tl_hex(k->secret, &d->seedlen);
    d->pk = tl_hex(k->public, &d->pklen);
    d->msg = tl_hex(k->message, &d->msglen);
    d->sig = tl_hex(k->signature, &d->siglen);
    assert_int_equal(d->seedlen, POSTQ_ED448_SEED_BYTES);
    assert_int_equal(d->pklen, POSTQ_ED448_PK_BYTES);
    assert_int_equal(d->siglen, POSTQ_ED448_SIG_BYTES);
}

static void release(struct decoded *d)
{
    free(d->seed);
    free(d->pk);
    free(d->msg);
    free(d->sig);
}

static void test_ed448_rfc8032(void **state)
{
    size_t passed = 0;

    (void)state;
    for (size_t i = 0; i < N_ED448; i++) {
        struct decoded d;
        uint8_t pk[POSTQ_ED448_PK_BYTES];
        uint8_t sig[POSTQ_ED448_SIG_BYTES];

        decode(&ed448_kats[i], &d);
        assert_int_equal(postq_ed_keypair(POSTQ_ED448, d.seed, pk), POSTQ_OK);
        assert_memory_equal(pk, d.pk, sizeof(pk));
        assert_int_equal(postq_ed_sign(POSTQ_ED448, d.seed, d.msglen ? d.msg : NULL, d.msglen, sig),
                         POSTQ_OK);
        assert_memory_equal(sig, d.sig, sizeof(sig));
        assert_int_equal(
            postq_ed_verify(POSTQ_ED448, d.pk, d.msglen ? d.msg : NULL, d.msglen, d.sig, d.siglen),
            POSTQ_OK);
        passed++;
        release(&d);
    }
    printf("# Ed448 RFC 8032 7.4: %zu of %zu vectors passed\n", passed, (size_t)N_ED448);
}

static void test_ed448_negative(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ED448; i++) {
        struct decoded d;

        decode(&ed448_kats[i], &d);
        expect_all_bit_flips_rejected(POSTQ_ED448, d.pk, d.msg, d.msglen, d.sig);
        expect_wrong_lengths_rejected(POSTQ_ED448, d.pk, d.msg, d.msglen, d.sig);
        release(&d);
    }
}

/* L = 2^446 - 13818066809895115352007386748515426880336692474882178609894547503885,
 * little-endian in 57 bytes [RFC 8032 §5.2]. */
static const uint8_t ed448_l[57] = {
    0xf3, 0x44, 0x58, 0xab, 0x92, 0xc2, 0x78, 0x23, 0x55, 0x8f, 0xc5, 0x8d, 0x72, 0xc2, 0x6c,
    0x21, 0x90, 0x36, 0xd6, 0xae, 0x49, 0xdb, 0x4e, 0xc4, 0xe9, 0x23, 0xca, 0x7c, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00,
};

static void test_ed448_noncanonical_s(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ED448; i++) {
        struct decoded d;
        uint8_t s[POSTQ_ED448_SIG_BYTES];

        decode(&ed448_kats[i], &d);
        memcpy(s, d.sig, sizeof(s));
        add_le(s + 57, ed448_l, 57);
        assert_int_equal(postq_ed_verify(POSTQ_ED448, d.pk, d.msg, d.msglen, s, sizeof(s)),
                         POSTQ_E_INVALID);
        release(&d);
    }
}

/* A public key that is not a point (y >= p, all ones) and an all-zero key. */
static void test_ed448_bad_keys(void **state)
{
    struct decoded d;
    uint8_t pk[POSTQ_ED448_PK_BYTES];

    (void)state;
    decode(&ed448_kats[1], &d);
    memset(pk, 0xff, sizeof(pk));
    assert_int_equal(postq_ed_verify(POSTQ_ED448, pk, d.msg, d.msglen, d.sig, d.siglen),
                     POSTQ_E_INVALID);
    memset(pk, 0, sizeof(pk));
    assert_int_equal(postq_ed_verify(POSTQ_ED448, pk, d.msg, d.msglen, d.sig, d.siglen),
                     POSTQ_E_INVALID);
    release(&d);
}

/* ---- the API around the algorithms ---- */

static void test_sizes_and_arguments(void **state)
{
    uint8_t seed[POSTQ_ED_SEED_MAX] = {0};
    uint8_t pk[POSTQ_ED_PK_MAX];
    uint8_t sig[POSTQ_ED_SIG_MAX];

    (void)state;
    assert_int_equal(postq_ed_seed_bytes(POSTQ_ED25519), 32);
    assert_int_equal(postq_ed_pk_bytes(POSTQ_ED25519), 32);
    assert_int_equal(postq_ed_sig_bytes(POSTQ_ED25519), 64);
    assert_int_equal(postq_ed_seed_bytes(POSTQ_ED448), 57);
    assert_int_equal(postq_ed_pk_bytes(POSTQ_ED448), 57);
    assert_int_equal(postq_ed_sig_bytes(POSTQ_ED448), 114);
    assert_int_equal(postq_ed_seed_bytes(0), 0);
    assert_int_equal(postq_ed_pk_bytes(3), 0);
    assert_int_equal(postq_ed_sig_bytes(-1), 0);

    assert_int_equal(postq_ed_keypair(0, seed, pk), POSTQ_E_UNSUPPORTED);
    assert_int_equal(postq_ed_sign(7, seed, NULL, 0, sig), POSTQ_E_UNSUPPORTED);
    assert_int_equal(postq_ed_verify(7, pk, NULL, 0, sig, 64), POSTQ_E_UNSUPPORTED);
    for (int curve = POSTQ_ED25519; curve <= POSTQ_ED448; curve++) {
        size_t siglen = postq_ed_sig_bytes(curve);
        assert_int_equal(postq_ed_keypair(curve, NULL, pk), POSTQ_E_ARG);
        assert_int_equal(postq_ed_keypair(curve, seed, NULL), POSTQ_E_ARG);
        assert_int_equal(postq_ed_sign(curve, NULL, NULL, 0, sig), POSTQ_E_ARG);
        assert_int_equal(postq_ed_sign(curve, seed, NULL, 1, sig), POSTQ_E_ARG);
        assert_int_equal(postq_ed_sign(curve, seed, NULL, 0, NULL), POSTQ_E_ARG);
        assert_int_equal(postq_ed_keypair(curve, seed, pk), POSTQ_OK);
        assert_int_equal(postq_ed_sign(curve, seed, NULL, 0, sig), POSTQ_OK);
        assert_int_equal(postq_ed_verify(curve, NULL, NULL, 0, sig, siglen), POSTQ_E_ARG);
        assert_int_equal(postq_ed_verify(curve, pk, NULL, 1, sig, siglen), POSTQ_E_ARG);
        assert_int_equal(postq_ed_verify(curve, pk, NULL, 0, NULL, siglen), POSTQ_E_INVALID);
        assert_int_equal(postq_ed_verify(curve, pk, NULL, 0, sig, siglen), POSTQ_OK);
    }
}

/* A round trip over many lengths, and the other curve's key or signature never verifies. */
static void test_round_trip(void **state)
{
    uint8_t msg[300];
    uint8_t seed[POSTQ_ED_SEED_MAX];
    uint8_t pk[POSTQ_ED_PK_MAX];
    uint8_t sig[POSTQ_ED_SIG_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(i * 7 + 3);
    }
    for (size_t i = 0; i < sizeof(seed); i++) {
        seed[i] = (uint8_t)(0xa0 ^ i);
    }
    for (int curve = POSTQ_ED25519; curve <= POSTQ_ED448; curve++) {
        size_t siglen = postq_ed_sig_bytes(curve);
        assert_int_equal(postq_ed_keypair(curve, seed, pk), POSTQ_OK);
        for (size_t n = 0; n <= sizeof(msg); n += 13) {
            assert_int_equal(postq_ed_sign(curve, seed, msg, n, sig), POSTQ_OK);
            assert_int_equal(postq_ed_verify(curve, pk, msg, n, sig, siglen), POSTQ_OK);
            assert_int_equal(postq_ed_verify(curve == POSTQ_ED25519 ? POSTQ_ED448 : POSTQ_ED25519,
                                             pk, msg, n, sig, siglen),
                             POSTQ_E_INVALID);
        }
    }
}

/* postq_ed_sign_pk (the public key given) makes exactly postq_ed_sign's signature, for both
 * curves and several seeds and lengths; for Ed448 and a NULL pk it is postq_ed_sign. */
static void test_sign_pk_matches(void **state)
{
    static const int curves[2] = {POSTQ_ED25519, POSTQ_ED448};

    (void)state;
    for (unsigned c = 0; c < 2; c++) {
        for (unsigned t = 0; t < 8; t++) {
            uint8_t seed[POSTQ_ED_SEED_MAX], pk[POSTQ_ED_PK_MAX], msg[100];
            uint8_t a[POSTQ_ED_SIG_MAX], b[POSTQ_ED_SIG_MAX];
            size_t len = t * 13;

            for (size_t i = 0; i < sizeof(seed); i++) {
                seed[i] = (uint8_t)(i * 7 + t * 31 + c);
            }
            memset(msg, (int)t, sizeof(msg));
            assert_int_equal(postq_ed_keypair(curves[c], seed, pk), POSTQ_OK);
            assert_int_equal(postq_ed_sign(curves[c], seed, msg, len, a), POSTQ_OK);
            assert_int_equal(postq_ed_sign_pk(curves[c], seed, pk, msg, len, b), POSTQ_OK);
            assert_memory_equal(a, b, postq_ed_sig_bytes(curves[c]));
            assert_int_equal(postq_ed_sign_pk(curves[c], seed, NULL, msg, len, b), POSTQ_OK);
            assert_memory_equal(a, b, postq_ed_sig_bytes(curves[c]));
            assert_int_equal(
                postq_ed_verify(curves[c], pk, msg, len, b, postq_ed_sig_bytes(curves[c])),
                POSTQ_OK);
        }
    }
    assert_int_equal(postq_ed_sign_pk(POSTQ_ED25519, NULL, (const uint8_t *)"k", NULL, 0, NULL),
                     POSTQ_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ed25519_rfc8032),        cmocka_unit_test(test_ed25519_negative),
        cmocka_unit_test(test_ed25519_noncanonical_s), cmocka_unit_test(test_ed25519_small_order),
        cmocka_unit_test(test_ed448_rfc8032),          cmocka_unit_test(test_ed448_negative),
        cmocka_unit_test(test_ed448_noncanonical_s),   cmocka_unit_test(test_ed448_bad_keys),
        cmocka_unit_test(test_sizes_and_arguments),    cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_sign_pk_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
