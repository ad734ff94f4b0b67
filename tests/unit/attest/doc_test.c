/* SPDX-License-Identifier: Apache-2.0 */
/* src/attest/doc.c: the claims of docs/formats.md. Round trips through the encoder and decoder,
 * the enclave's whole-document encoder, the strict decoder's refusals, and the encoder's
 * refusal to write what the decoder would refuse. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/doc.h"
#include "attest/jws.h"
#include "common/base64.h"
#include "common/mem.h"
#include "crypto/composite.h"
#include "crypto/ed.h"
#include "mockdoc.h"

static struct md_fixture F;

static int setup(void **state)
{
    (void)state;
    md_fixture_init(&F, 3);
    return 0;
}

static void test_round_trip(void **state)
{
    char *json = md_claims_json(&F.claims);
    struct postq_doc_claims c;
    char detail[160];

    (void)state;
    assert_int_equal(
        postq_doc_claims_decode(&c, (const uint8_t *)json, strlen(json), detail, sizeof(detail)),
        POSTQ_OK);
    assert_string_equal(detail, "");
    assert_memory_equal(&c, &F.claims, sizeof(c));
    /* The wire form: member order of docs/formats.md, lowercase hex, unpadded base64url nonce. */
    assert_non_null(strstr(json, "{\"v\":1,\"vendor\":\"mock\",\"moduleId\":\"mock-module-01\","
                                 "\"imageHash\":\"1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978"
                                 "8796a5b4c3d2e1f00f\",\"keyId\":\"key_test\","
                                 "\"algorithm\":\"mldsa65+ed25519\",\"publicKeySha256\":\""));
    assert_non_null(strstr(json, ",\"counter\":42,\"nonce\":\"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm"
                                 "6u7y9vr8\",\"timestamp\":1764000000000}"));
    free(json);
}

static void test_extremes_round_trip(void **state)
{
    struct postq_doc_claims c = F.claims, d;
    char *json;

    (void)state;
    c.counter = (uint64_t)INT64_MAX;
    c.timestamp_ms = INT64_MAX;
    memset(c.module_id, 'm', sizeof(c.module_id) - 1);
    c.module_id[sizeof(c.module_id) - 1] = '\0';
    snprintf(c.key_id, sizeof(c.key_id), "kéy \"quoted\" \\ /\t");
    json = md_claims_json(&c);
    assert_int_equal(postq_doc_claims_decode(&d, (const uint8_t *)json, strlen(json), NULL, 0),
                     POSTQ_OK);
    assert_memory_equal(&c, &d, sizeof(c));
    free(json);
    c.counter = 0;
    c.timestamp_ms = 0;
    json = md_claims_json(&c);
    assert_int_equal(postq_doc_claims_decode(&d, (const uint8_t *)json, strlen(json), NULL, 0),
                     POSTQ_OK);
    assert_memory_equal(&c, &d, sizeof(c));
    free(json);
}

static void test_encoder_refuses_bad_claims(void **state)
{
    struct postq_buf b;
    struct postq_doc_claims c;

    (void)state;
    postq_buf_init(&b, 65536);
    c = F.claims;
    c.v = 2;
    assert_int_equal(postq_doc_claims_encode(&b, &c), POSTQ_E_ARG);
    c = F.claims;
    c.module_id[0] = '\0';
    assert_int_equal(postq_doc_claims_encode(&b, &c), POSTQ_E_ARG);
    c = F.claims;
    memset(c.key_id, 'k', sizeof(c.key_id)); /* not terminated within its array */
    assert_int_equal(postq_doc_claims_encode(&b, &c), POSTQ_E_ARG);
    c = F.claims;
    c.counter = (uint64_t)INT64_MAX + 1u;
    assert_int_equal(postq_doc_claims_encode(&b, &c), POSTQ_E_ARG);
    c = F.claims;
    c.timestamp_ms = -1;
    assert_int_equal(postq_doc_claims_encode(&b, &c), POSTQ_E_ARG);
    c = F.claims;
    snprintf(c.algorithm, sizeof(c.algorithm), "bad\xff");
    assert_int_equal(postq_doc_claims_encode(&b, &c), POSTQ_E_ARG);
    assert_int_equal(b.len, 0);
    assert_int_equal(postq_doc_claims_encode(NULL, &F.claims), POSTQ_E_ARG);
    assert_int_equal(postq_doc_claims_encode(&b, NULL), POSTQ_E_ARG);
    postq_buf_free(&b);
}

static void test_decoder_refusals(void **state)
{
    static const char *const bad[] = {
        "", " ", "null", "[]", "42", "\"x\"", "{", "{}}", "{} {}", "\xef\xbb\xbf{}",
    };
    char *json = md_claims_json(&F.claims);
    char *buf = malloc(strlen(json) + 16);
    struct postq_doc_claims c;
    char detail[160];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(postq_doc_claims_decode(&c, (const uint8_t *)bad[i], strlen(bad[i]),
                                                 detail, sizeof(detail)),
                         POSTQ_E_MALFORMED);
        assert_true(strncmp(detail, "claims", 6) == 0);
    }
    /* Trailing bytes after the object; a NUL inside. */
    sprintf(buf, "%s,", json);
    assert_int_equal(postq_doc_claims_decode(&c, (const uint8_t *)buf, strlen(buf), NULL, 0),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_doc_claims_decode(&c, (const uint8_t *)json, strlen(json) + 1, NULL, 0),
                     POSTQ_E_MALFORMED);
    /* Truncated at every length. */
    for (size_t n = 0; n < strlen(json); n++) {
        assert_int_equal(postq_doc_claims_decode(&c, (const uint8_t *)json, n, NULL, 0),
                         POSTQ_E_MALFORMED);
    }
    /* Unknown members are ignored, at any place. */
    sprintf(buf, "{\"zz\":[{}],%s", json + 1);
    assert_int_equal(postq_doc_claims_decode(&c, (const uint8_t *)buf, strlen(buf), NULL, 0),
                     POSTQ_OK);
    assert_int_equal(postq_doc_claims_decode(NULL, (const uint8_t *)json, 2, NULL, 0), POSTQ_E_ARG);
    assert_int_equal(postq_doc_claims_decode(&c, NULL, 2, NULL, 0), POSTQ_E_ARG);
    free(buf);
    free(json);
}

static void test_encode_mock_document(void **state)
{
    struct postq_buf raw, b64;
    struct postq_jws *jws = malloc(sizeof(*jws));
    struct postq_doc_claims c;
    uint8_t header[256];
    size_t hlen = 0, n = 0;
    const char *dot;
    uint8_t *back;

    (void)state;
    postq_buf_init(&raw, POSTQ_JWS_MAX);
    postq_buf_init(&b64, 2 * POSTQ_JWS_MAX);
    assert_int_equal(postq_doc_encode_mock(&raw, &F.claims, "root-1", F.root_seed), POSTQ_OK);
    assert_int_equal(postq_jws_parse(jws, raw.p, raw.len, NULL, 0), POSTQ_OK);
    /* Header exactly as docs/formats.md shows it. */
    dot = strchr((const char *)raw.p, '.');
    assert_int_equal(postq_base64_decode(header, sizeof(header), &hlen, (const char *)raw.p,
                                         (size_t)(dot - (const char *)raw.p), POSTQ_B64_URL),
                     POSTQ_OK);
    assert_int_equal(hlen, strlen(MD_HEADER));
    assert_memory_equal(header, MD_HEADER, hlen);
    /* Signed by the root; claims decode back. */
    assert_int_equal(postq_ed_verify(POSTQ_ED25519, F.root_pk, raw.p, jws->signing_input_len,
                                     jws->sig, jws->sig_len),
                     POSTQ_OK);
    assert_int_equal(postq_doc_claims_decode(&c, jws->payload, jws->payload_len, NULL, 0),
                     POSTQ_OK);
    assert_memory_equal(&c, &F.claims, sizeof(c));
    /* docB64 is the standard base64 of the raw document; Ed25519 is deterministic. */
    assert_int_equal(postq_doc_encode_mock_b64(&b64, &F.claims, "root-1", F.root_seed), POSTQ_OK);
    back = md_unb64((const char *)b64.p, &n);
    assert_int_equal(n, raw.len);
    assert_memory_equal(back, raw.p, n);
    free(back);
    /* No kid. */
    postq_buf_reset(&raw);
    assert_int_equal(postq_doc_encode_mock(&raw, &F.claims, NULL, F.root_seed), POSTQ_OK);
    assert_int_equal(postq_jws_parse(jws, raw.p, raw.len, NULL, 0), POSTQ_OK);
    assert_int_equal(jws->has_kid, 0);
    /* Refusals. */
    postq_buf_reset(&raw);
    assert_int_equal(postq_doc_encode_mock(&raw, NULL, NULL, F.root_seed), POSTQ_E_ARG);
    assert_int_equal(postq_doc_encode_mock(&raw, &F.claims, NULL, NULL), POSTQ_E_ARG);
    {
        char kid[200];
        memset(kid, 'k', sizeof(kid) - 1);
        kid[sizeof(kid) - 1] = '\0';
        assert_int_equal(postq_doc_encode_mock(&raw, &F.claims, kid, F.root_seed), POSTQ_E_ARG);
    }
    postq_buf_free(&raw);
    postq_buf_free(&b64);
    free(jws);
}

static void test_encode_under_allocation_failure(void **state)
{
    (void)state;
    /* Every allocation the encoder makes may fail; it must then fail cleanly (no leak, no
     * crash under the sanitizers), and succeed once allocations work again. */
    for (long nth = 1; nth < 20; nth++) {
        struct postq_buf b;
        postq_err err;
        postq_buf_init(&b, 65536);
        (void)postq_alloc_fail_at(nth);
        err = postq_doc_encode_mock_b64(&b, &F.claims, "root-1", F.root_seed);
        (void)postq_alloc_fail_at(0);
        assert_true(err == POSTQ_OK || err == POSTQ_E_NOMEM);
        postq_buf_free(&b);
    }
}

/* The enclave's fast paths: the Ed25519 root with its public key given makes the very document
 * of the seed path (Ed25519 is deterministic); the composite root's expanded key (its signing is
 * hedged) has the root's public key. */
static void test_fast_paths_same_documents(void **state)
{
    uint8_t seed[32], pk[POSTQ_ROOT_PK_MAX];
    size_t pk_len = 0;
    struct postq_buf a, b;
    static struct postq_hybrid_skey root;

    (void)state;
    memset(seed, 0x3c, sizeof(seed));
    assert_int_equal(postq_root_public_key(POSTQ_ROOT_ED25519, seed, pk, sizeof(pk), &pk_len),
                     POSTQ_OK);
    postq_buf_init(&a, 1 << 16);
    postq_buf_init(&b, 1 << 16);
    assert_int_equal(
        postq_doc_encode_mock_root_b64(&a, &F.claims, "kid-1", POSTQ_ROOT_ED25519, seed), POSTQ_OK);
    assert_int_equal(postq_doc_encode_mock_ed25519_b64(&b, &F.claims, "kid-1", seed, pk), POSTQ_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_int_equal(postq_doc_encode_mock_ed25519_b64(&b, &F.claims, "kid-1", seed, NULL),
                     POSTQ_E_ARG);
    postq_buf_free(&a);
    postq_buf_free(&b);

    /* The composite root: its expanded key has the root's public key. */
    assert_int_equal(postq_root_public_key(POSTQ_ROOT_COMPOSITE, seed, pk, sizeof(pk), &pk_len),
                     POSTQ_OK);
    assert_int_equal(postq_root_skey_init(&root, seed), POSTQ_OK);
    assert_int_equal(root.pk_len, pk_len);
    assert_memory_equal(root.pk, pk, pk_len);
    postq_hybrid_skey_wipe(&root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_extremes_round_trip),
        cmocka_unit_test(test_encoder_refuses_bad_claims),
        cmocka_unit_test(test_decoder_refusals),
        cmocka_unit_test(test_encode_mock_document),
        cmocka_unit_test(test_encode_under_allocation_failure),
        cmocka_unit_test(test_fast_paths_same_documents),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
