/* SPDX-License-Identifier: Apache-2.0 */
/* Composite public keys as SubjectPublicKeyInfo, DER and PEM: round trips, a cross-check with
 * OpenSSL's generic X509_PUBKEY parser, and strict rejection of everything else. */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <postq/hybrid.h>

#include "crypto/spki.h"

static const char *algs[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
static const char *oid_text[] = {"1.3.6.1.5.5.7.6.39", "1.3.6.1.5.5.7.6.48", "1.3.6.1.5.5.7.6.51"};

static size_t make_key(const char *alg, uint8_t *pk)
{
    size_t pklen;
    assert_int_equal(postq_hybrid_sizes(alg, &pklen, NULL, NULL), POSTQ_OK);
    for (size_t i = 0; i < pklen; i++) {
        pk[i] = (uint8_t)(i * 31 + 7);
    }
    return pklen;
}

static void test_der_round_trip_and_openssl(void **state)
{
    uint8_t pk[POSTQ_HYBRID_PK_MAX], der[POSTQ_SPKI_DER_MAX];
    size_t der_len, got_len;
    const uint8_t *got;
    const char *alg;

    (void)state;
    for (size_t a = 0; a < 3; a++) {
        size_t pklen = make_key(algs[a], pk);
        assert_int_equal(postq_spki_encode_der(der, sizeof(der), &der_len, algs[a], pk, pklen),
                         POSTQ_OK);
        assert_int_equal(postq_spki_decode_der(&alg, &got, &got_len, der, der_len), POSTQ_OK);
        assert_string_equal(alg, algs[a]);
        assert_int_equal(got_len, pklen);
        assert_memory_equal(got, pk, pklen);

        /* OpenSSL, which knows nothing of composites, parses the same structure. */
        {
            const unsigned char *p = der;
            X509_PUBKEY *xpk = d2i_X509_PUBKEY(NULL, &p, (long)der_len);
            ASN1_OBJECT *obj = NULL;
            const unsigned char *key = NULL;
            int keylen = 0;
            X509_ALGOR *algor = NULL;
            const void *pval = NULL;
            int ptype = 0;
            char text[64];

            assert_non_null(xpk);
            assert_ptr_equal(p, der + der_len);
            assert_int_equal(X509_PUBKEY_get0_param(&obj, &key, &keylen, &algor, xpk), 1);
            assert_int_equal(keylen, (int)pklen);
            assert_memory_equal(key, pk, pklen);
            OBJ_obj2txt(text, sizeof(text), obj, 1);
            assert_string_equal(text, oid_text[a]);
            X509_ALGOR_get0(NULL, &ptype, &pval, algor);
            assert_int_equal(ptype, V_ASN1_UNDEF); /* parameters absent */
            X509_PUBKEY_free(xpk);
        }
    }
}

static void test_der_rejections(void **state)
{
    uint8_t pk[POSTQ_HYBRID_PK_MAX], der[POSTQ_SPKI_DER_MAX + 1], bad[POSTQ_SPKI_DER_MAX + 1];
    size_t der_len, got_len;
    const uint8_t *got;
    const char *alg;

    (void)state;
    for (size_t a = 0; a < 3; a++) {
        size_t pklen = make_key(algs[a], pk);
        assert_int_equal(postq_spki_encode_der(der, sizeof(der), &der_len, algs[a], pk, pklen),
                         POSTQ_OK);
        /* Truncated at every length. */
        for (size_t n = 0; n < der_len; n++) {
            assert_int_not_equal(postq_spki_decode_der(&alg, &got, &got_len, der, n), POSTQ_OK);
            assert_null(alg);
        }
        /* A trailing byte. */
        memcpy(bad, der, der_len);
        bad[der_len] = 0;
        assert_int_equal(postq_spki_decode_der(&alg, &got, &got_len, bad, der_len + 1),
                         POSTQ_E_MALFORMED);
        /* Every bit of the 21 structural bytes flipped. */
        for (size_t i = 0; i < 21; i++) {
            for (int bit = 0; bit < 8; bit++) {
                memcpy(bad, der, der_len);
                bad[i] ^= (uint8_t)(1u << bit);
                assert_int_not_equal(postq_spki_decode_der(&alg, &got, &got_len, bad, der_len),
                                     POSTQ_OK);
            }
        }
        /* Another arc of the same arc: not ours. */
        memcpy(bad, der, der_len);
        bad[15] = 40; /* id-MLDSA44-ECDSA-P256-SHA256 */
        assert_int_equal(postq_spki_decode_der(&alg, &got, &got_len, bad, der_len),
                         POSTQ_E_UNSUPPORTED);
        /* Wrong key length for the algorithm. */
        assert_int_equal(postq_spki_encode_der(der, sizeof(der), &der_len, algs[a], pk, pklen - 1),
                         POSTQ_E_LENGTH);
    }
    /* The keys of different algorithms under each other's OID. */
    {
        size_t pklen = make_key(algs[0], pk);
        assert_int_equal(postq_spki_encode_der(der, sizeof(der), &der_len, algs[0], pk, pklen),
                         POSTQ_OK);
        der[15] = 48;
        assert_int_equal(postq_spki_decode_der(&alg, &got, &got_len, der, der_len),
                         POSTQ_E_MALFORMED);
    }
    /* An Ed25519 SPKI (RFC 8410 §10.1) is not a composite key. */
    {
        static const uint8_t ed[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                     0x03, 0x21, 0x00, 0x19, 0xbf, 0x44, 0x09, 0x69, 0x84,
                                     0xcd, 0xfe, 0x85, 0x41, 0xba, 0xc1, 0x67, 0xdc, 0x3b,
                                     0x96, 0xc8, 0x50, 0x86, 0xaa, 0x30, 0xb6, 0xb6, 0xcb,
                                     0x0c, 0x5c, 0x38, 0xad, 0x70, 0x31, 0x66, 0xe1};
        assert_int_not_equal(postq_spki_decode_der(&alg, &got, &got_len, ed, sizeof(ed)),
                             POSTQ_OK);
    }
    assert_int_equal(postq_spki_encode_der(der, 10, &der_len, algs[1], pk, 1984), POSTQ_E_LENGTH);
    assert_int_equal(postq_spki_encode_der(der, sizeof(der), &der_len, "rsa", pk, 10),
                     POSTQ_E_UNSUPPORTED);
}

static void test_pem(void **state)
{
    uint8_t pk[POSTQ_HYBRID_PK_MAX], got[POSTQ_HYBRID_PK_MAX];
    char pem[POSTQ_SPKI_PEM_MAX], alt[POSTQ_SPKI_PEM_MAX * 2];
    size_t pem_len, got_len;
    const char *alg;

    (void)state;
    for (size_t a = 0; a < 3; a++) {
        size_t pklen = make_key(algs[a], pk);
        assert_int_equal(postq_spki_encode_pem(pem, sizeof(pem), &pem_len, algs[a], pk, pklen),
                         POSTQ_OK);
        assert_int_equal(strlen(pem), pem_len);
        assert_true(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
        assert_string_equal(pem + pem_len - 25, "-----END PUBLIC KEY-----\n");
        /* Lines of 64 characters but the last. */
        {
            const char *line = strchr(pem, '\n') + 1;
            while (strncmp(line, "-----END", 8) != 0) {
                const char *nl = strchr(line, '\n');
                const char *next_end = strstr(nl + 1, "-----END");
                assert_true(nl - line == 64 || nl + 1 == next_end);
                line = nl + 1;
            }
        }
        assert_int_equal(postq_spki_decode_pem(&alg, got, sizeof(got), &got_len, pem, pem_len),
                         POSTQ_OK);
        assert_string_equal(alg, algs[a]);
        assert_memory_equal(got, pk, pklen);

        /* CRLF line ends and surrounding white space are fine. */
        {
            size_t n = 0;
            alt[n++] = ' ';
            alt[n++] = '\n';
            for (size_t i = 0; i < pem_len; i++) {
                if (pem[i] == '\n') {
                    alt[n++] = '\r';
                }
                alt[n++] = pem[i];
            }
            alt[n++] = '\n';
            assert_int_equal(postq_spki_decode_pem(&alg, got, sizeof(got), &got_len, alt, n),
                             POSTQ_OK);
            assert_memory_equal(got, pk, pklen);
        }
        /* A space inside the base64, a wrong label, no footer, a key too big for pk_cap. */
        memcpy(alt, pem, pem_len);
        alt[40] = ' ';
        assert_int_equal(postq_spki_decode_pem(&alg, got, sizeof(got), &got_len, alt, pem_len),
                         POSTQ_E_MALFORMED);
        memcpy(alt, pem, pem_len);
        memcpy(alt + 11, "PRIVATE", 7);
        assert_int_equal(postq_spki_decode_pem(&alg, got, sizeof(got), &got_len, alt, pem_len),
                         POSTQ_E_MALFORMED);
        assert_int_equal(postq_spki_decode_pem(&alg, got, sizeof(got), &got_len, pem, pem_len - 26),
                         POSTQ_E_MALFORMED);
        assert_int_equal(postq_spki_decode_pem(&alg, got, pklen - 1, &got_len, pem, pem_len),
                         POSTQ_E_LENGTH);
        /* Truncated at every length. */
        for (size_t n = 0; n < pem_len - 1; n++) {
            assert_int_not_equal(postq_spki_decode_pem(&alg, got, sizeof(got), &got_len, pem, n),
                                 POSTQ_OK);
        }
    }
    assert_int_equal(postq_spki_encode_pem(pem, 100, &pem_len, algs[0], pk, 1344), POSTQ_E_LENGTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_der_round_trip_and_openssl),
        cmocka_unit_test(test_der_rejections),
        cmocka_unit_test(test_pem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
