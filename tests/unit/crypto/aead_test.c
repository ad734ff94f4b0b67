/* SPDX-License-Identifier: Apache-2.0 */
/* AES-256-GCM: the AES-256 test cases 13-16 of the GCM specification (McGrew & Viega, App. B)
 * and one CAVP gcmEncryptExtIV256 case, each cross-checked with a second implementation
 * (Python's cryptography); then every one-bit change of ciphertext, tag, AAD, nonce and key is
 * refused with the plaintext wiped, as are truncations and bad arguments. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"

struct kat {
    const char *key, *nonce, *aad, *pt, *ct, *tag;
};

static const struct kat kats[] = {
    /* GCM spec test case 13: empty everything. */
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    /* Test case 14: one zero block. */
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    /* Test case 15: four blocks, no AAD. */
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    /* Test case 16: 60 bytes (a partial block) and 20 bytes of AAD. */
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    /* CAVP gcmEncryptExtIV256, Keylen 256, IVlen 96, PTlen 128, AADlen 160, Count 0. */
    {"83688deb4af8007f9b713b47cfa6c73e35ea7a3aa4ecdb414dded03bf7a0fd3a",
     "0b459724904e010a46901cf3", "794a14ccd178c8ebfd1379dc704c5e208f9d8424",
     "33d893a2114ce06fc15d55e454cf90c3", "cc66bee423e3fcd4c0865715e9586696",
     "0fb291bd3dba94a1dfd8b286cfb97ac5"},
};

struct vec {
    uint8_t *key, *nonce, *aad, *pt, *ct, *tag;
    size_t aad_len, len;
};

static void load(struct vec *v, const struct kat *k)
{
    size_t n;
    v->key = tl_hex(k->key, &n);
    assert_int_equal(n, 32);
    v->nonce = tl_hex(k->nonce, &n);
    assert_int_equal(n, 12);
    v->aad = tl_hex(k->aad, &v->aad_len);
    v->pt = tl_hex(k->pt, &v->len);
    v->ct = tl_hex(k->ct, &n);
    assert_int_equal(n, v->len);
    v->tag = tl_hex(k->tag, &n);
    assert_int_equal(n, 16);
}

static void unload(struct vec *v)
{
    free(v->key);
    free(v->nonce);
    free(v->aad);
    free(v->pt);
    free(v->ct);
    free(v->tag);
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static void test_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        struct vec v;
        uint8_t out[64], tag[16];

        load(&v, &kats[i]);
        assert_true(v.len <= sizeof(out));
        assert_int_equal(postq_aead_seal(out, tag, v.key, v.nonce, v.aad, v.aad_len, v.pt, v.len),
                         POSTQ_OK);
        assert_memory_equal(out, v.ct, v.len);
        assert_memory_equal(tag, v.tag, 16);
        memset(out, 0xee, sizeof(out));
        assert_int_equal(
            postq_aead_open(out, v.key, v.nonce, v.aad, v.aad_len, v.ct, v.len, v.tag), POSTQ_OK);
        assert_memory_equal(out, v.pt, v.len);
        /* In place, both ways. */
        memcpy(out, v.pt, v.len);
        assert_int_equal(postq_aead_seal(out, tag, v.key, v.nonce, v.aad, v.aad_len, out, v.len),
                         POSTQ_OK);
        assert_memory_equal(out, v.ct, v.len);
        assert_int_equal(postq_aead_open(out, v.key, v.nonce, v.aad, v.aad_len, out, v.len, tag),
                         POSTQ_OK);
        assert_memory_equal(out, v.pt, v.len);
        unload(&v);
    }
}

/* Open with one changed input; it must be refused and the output wiped. */
static void expect_refused(const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
                           size_t aad_len, const uint8_t *ct, size_t len, const uint8_t *tag)
{
    uint8_t out[64];
    memset(out, 0xee, sizeof(out));
    assert_int_equal(postq_aead_open(len ? out : NULL, key, nonce, aad, aad_len, ct, len, tag),
                     POSTQ_E_INVALID);
    assert_true(all_zero(out, len));
}

static void test_every_bit_flipped(void **state)
{
    (void)state;
    struct vec v;
    uint8_t buf[64];

    load(&v, &kats[3]); /* has ciphertext and AAD */
    for (size_t bit = 0; bit < 8 * v.len; bit++) {
        memcpy(buf, v.ct, v.len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused(v.key, v.nonce, v.aad, v.aad_len, buf, v.len, v.tag);
    }
    for (size_t bit = 0; bit < 128; bit++) {
        memcpy(buf, v.tag, 16);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused(v.key, v.nonce, v.aad, v.aad_len, v.ct, v.len, buf);
    }
    for (size_t bit = 0; bit < 8 * v.aad_len; bit++) {
        memcpy(buf, v.aad, v.aad_len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused(v.key, v.nonce, buf, v.aad_len, v.ct, v.len, v.tag);
    }
    for (size_t bit = 0; bit < 96; bit++) {
        memcpy(buf, v.nonce, 12);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused(v.key, buf, v.aad, v.aad_len, v.ct, v.len, v.tag);
    }
    for (size_t bit = 0; bit < 256; bit += 7) {
        memcpy(buf, v.key, 32);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        expect_refused(buf, v.nonce, v.aad, v.aad_len, v.ct, v.len, v.tag);
    }
    unload(&v);
}

static void test_wrong_lengths(void **state)
{
    (void)state;
    struct vec v;

    load(&v, &kats[3]);
    /* Truncated ciphertext or AAD at every length, and one byte too many. */
    for (size_t n = 0; n < v.len; n++) {
        expect_refused(v.key, v.nonce, v.aad, v.aad_len, v.ct, n, v.tag);
    }
    for (size_t n = 0; n < v.aad_len; n++) {
        expect_refused(v.key, v.nonce, v.aad, n, v.ct, v.len, v.tag);
    }
    {
        uint8_t longer[64] = {0};
        memcpy(longer, v.ct, v.len);
        expect_refused(v.key, v.nonce, v.aad, v.aad_len, longer, v.len + 1, v.tag);
    }
    /* AAD moved into the ciphertext is not the same message. */
    expect_refused(v.key, v.nonce, NULL, 0, v.ct, v.len, v.tag);
    unload(&v);
}

static void test_arguments(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, nonce[12] = {0}, tag[16], buf[16] = {0};

    assert_int_equal(postq_aead_seal(buf, NULL, key, nonce, NULL, 0, buf, 16), POSTQ_E_ARG);
    assert_int_equal(postq_aead_seal(buf, tag, NULL, nonce, NULL, 0, buf, 16), POSTQ_E_ARG);
    assert_int_equal(postq_aead_seal(buf, tag, key, NULL, NULL, 0, buf, 16), POSTQ_E_ARG);
    assert_int_equal(postq_aead_seal(buf, tag, key, nonce, NULL, 1, buf, 16), POSTQ_E_ARG);
    assert_int_equal(postq_aead_seal(buf, tag, key, nonce, NULL, 0, NULL, 16), POSTQ_E_ARG);
    assert_int_equal(postq_aead_seal(NULL, tag, key, nonce, NULL, 0, buf, 16), POSTQ_E_ARG);
    assert_true(all_zero(tag, 16));
    assert_int_equal(postq_aead_seal(buf, tag, key, nonce, buf, POSTQ_AEAD_MAX_BYTES + 1, buf, 0),
                     POSTQ_E_TOO_LARGE);
    assert_int_equal(postq_aead_open(buf, key, nonce, NULL, 0, buf, 16, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_aead_open(buf, NULL, nonce, NULL, 0, buf, 16, tag), POSTQ_E_ARG);
    assert_int_equal(postq_aead_open(NULL, key, nonce, NULL, 0, buf, 16, tag), POSTQ_E_ARG);
    assert_int_equal(postq_aead_open(buf, key, nonce, NULL, 0, buf, POSTQ_AEAD_MAX_BYTES + 1, tag),
                     POSTQ_E_TOO_LARGE);
    /* Empty plaintext with NULL pointers round-trips. */
    assert_int_equal(postq_aead_seal(NULL, tag, key, nonce, NULL, 0, NULL, 0), POSTQ_OK);
    assert_int_equal(postq_aead_open(NULL, key, nonce, NULL, 0, NULL, 0, tag), POSTQ_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_every_bit_flipped),
        cmocka_unit_test(test_wrong_lengths),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
