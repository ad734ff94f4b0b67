/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: genuinely signed mock attestation documents (see mockdoc.h). */
#include "mockdoc.h"

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/jws.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/hex.h"
#include "common/mem.h"
#include "crypto/ed.h"
#include "crypto/sha2.h"

const uint8_t md_image[32] = {0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4,
                              0xc3, 0xd2, 0xe1, 0xf0, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69,
                              0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x0f};

void md_fixture_init(struct md_fixture *f, uint8_t root_tag)
{
    struct postq_doc_claims *c = &f->claims;
    size_t sk_len = 0;

    memset(f, 0, sizeof(*f));
    for (size_t i = 0; i < 32; i++) {
        f->root_seed[i] = (uint8_t)(root_tag * 31u + i * 7u + 1u);
        f->nonce[i] = (uint8_t)(0xa0u + i);
    }
    assert_int_equal(postq_ed_keypair(POSTQ_ED25519, f->root_seed, f->root_pk), POSTQ_OK);
    snprintf(f->alg, sizeof(f->alg), "%s", "mldsa65+ed25519");
    assert_int_equal(postq_hybrid_sizes(f->alg, &f->pk_len, &sk_len, &f->sig_len), POSTQ_OK);
    assert_int_equal(postq_hybrid_keygen(f->alg, f->pk, f->sk), POSTQ_OK);
    f->payload_len = (size_t)snprintf((char *)f->payload, sizeof(f->payload),
                                      "release artifact %u", (unsigned)root_tag);
    assert_int_equal(postq_hybrid_sign(f->alg, f->sk, f->payload, f->payload_len, NULL, 0,
                                       f->sig),
                     POSTQ_OK);

    c->v = 1;
    snprintf(c->vendor, sizeof(c->vendor), "mock");
    snprintf(c->module_id, sizeof(c->module_id), "mock-module-01");
    memcpy(c->image_hash, md_image, 32);
    snprintf(c->key_id, sizeof(c->key_id), "key_test");
    snprintf(c->algorithm, sizeof(c->algorithm), "%s", f->alg);
    assert_int_equal(postq_sha256(c->public_key_sha256, f->pk, f->pk_len), POSTQ_OK);
    assert_int_equal(postq_sha256(c->payload_sha256, f->payload, f->payload_len), POSTQ_OK);
    assert_int_equal(postq_sha256(c->sig_sha256, f->sig, f->sig_len), POSTQ_OK);
    c->counter = 42;
    memcpy(c->nonce, f->nonce, 32);
    c->timestamp_ms = MD_NOW_MS;
}

char *md_b64(const uint8_t *raw, size_t len)
{
    size_t n = postq_base64_encoded_len(len, POSTQ_B64_STD);
    char *s = malloc(n + 1);

    assert_non_null(s);
    assert_int_equal(postq_base64_encode(s, n + 1, NULL, raw, len, POSTQ_B64_STD), POSTQ_OK);
    return s;
}

uint8_t *md_unb64(const char *b64, size_t *len)
{
    size_t n = strlen(b64);
    uint8_t *p = malloc(postq_base64_decoded_max(n) + 1);

    assert_non_null(p);
    assert_int_equal(postq_base64_decode(p, postq_base64_decoded_max(n) + 1, len, b64, n,
                                         POSTQ_B64_STD),
                     POSTQ_OK);
    return p;
}

static char *detach_str(struct postq_buf *b)
{
    size_t n = 0;
    uint8_t *p = postq_buf_detach(b, &n);
    char *s = malloc(n + 1);

    assert_non_null(s);
    if (n > 0) {
        memcpy(s, p, n);
    }
    s[n] = '\0';
    postq_free(p);
    return s;
}

char *md_doc_b64(const struct postq_doc_claims *c, const uint8_t root_seed[32])
{
    struct postq_buf b;

    postq_buf_init(&b, 1u << 20);
    assert_int_equal(postq_doc_encode_mock_b64(&b, c, "root-1", root_seed), POSTQ_OK);
    return detach_str(&b);
}

char *md_jws_raw(const char *header_json, const char *payload_json, const uint8_t root_seed[32])
{
    struct postq_buf b;

    postq_buf_init(&b, 1u << 20);
    assert_int_equal(postq_jws_sign_ed25519(&b, (const uint8_t *)header_json,
                                            strlen(header_json), (const uint8_t *)payload_json,
                                            strlen(payload_json), root_seed),
                     POSTQ_OK);
    return detach_str(&b);
}

char *md_claims_json(const struct postq_doc_claims *c)
{
    struct postq_buf b;

    postq_buf_init(&b, 1u << 20);
    assert_int_equal(postq_doc_claims_encode(&b, c), POSTQ_OK);
    return detach_str(&b);
}

char *md_policy(const uint8_t root_pk[32], const uint8_t image[32], const char *extra_rules)
{
    char key[64], hex[65];
    char *s = malloc(1024);

    assert_non_null(s);
    assert_int_equal(postq_base64_encode(key, sizeof(key), NULL, root_pk, 32, POSTQ_B64_STD),
                     POSTQ_OK);
    assert_int_equal(postq_hex_encode(hex, sizeof(hex), image, 32), POSTQ_OK);
    snprintf(s, 1024,
             "{\"id\":\"pol_test\",\"name\":\"unit\",\"vendor\":\"mock\",\"matchRules\":{"
             "\"allowedImageHashes\":[\"%s\"],\"rootPublicKeyB64\":\"%s\"%s%s},"
             "\"enforce\":true,\"createdAt\":\"2025-11-24T16:00:00Z\"}",
             hex, key, extra_rules != NULL ? "," : "", extra_rules != NULL ? extra_rules : "");
    return s;
}
