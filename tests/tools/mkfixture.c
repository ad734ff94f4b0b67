/* SPDX-License-Identifier: Apache-2.0 */
/* Test tool: writes a real, genuinely signed verification fixture into a directory, the way
 * the enclave and the API will produce it: a payload, its composite signature, a mock
 * attestation document binding both, the sign result (docs/formats.md), a policy and the
 * public key as PEM and as the API's JSON. The CLI tests then break one piece at a time.
 *
 *   mkfixture DIR [--alg A] [--payload FILE] [--root-tag N] [--policy-root-tag N]
 *                 [--image-tag N] [--policy-image-tag N] [--timestamp MS] [--max-age S]
 *                 [--vendor V] [--policy-vendor V] [--no-attestation 1] [--flip-sig-byte I]
 *
 * Files: payload.bin (unless --payload), sig.json, policy.json, key.pub, key.json, doc.jws
 * (the raw document), doc.b64. Roots and images are derived from their tags, so two fixtures
 * with the same tags pin the same root. --flip-sig-byte I flips a bit of signature byte I after
 * signing and before the document is made: the document then vouches for a signature that does
 * not verify, which only the composite check catches (signature_invalid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/hybrid.h>

#include "attest/doc.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/hex.h"
#include "common/timefmt.h"
#include "crypto/ed.h"
#include "crypto/sha2.h"
#include "crypto/spki.h"

static void die(const char *what)
{
    fprintf(stderr, "mkfixture: %s\n", what);
    exit(1);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        die(path);
    }
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        die(path);
    }
    p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        die(path);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static char *b64(const uint8_t *p, size_t n)
{
    size_t cap = postq_base64_encoded_len(n, POSTQ_B64_STD) + 1;
    char *s = malloc(cap);
    if (s == NULL || postq_base64_encode(s, cap, NULL, p, n, POSTQ_B64_STD) != POSTQ_OK) {
        die("base64");
    }
    return s;
}

static char *hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s == NULL || postq_hex_encode(s, 2 * n + 1, p, n) != POSTQ_OK) {
        die("hex");
    }
    return s;
}

static void tagged(uint8_t out[32], const char *what, int tag)
{
    char text[64];
    snprintf(text, sizeof(text), "postq test %s %d", what, tag);
    if (postq_sha256(out, (const uint8_t *)text, strlen(text)) != POSTQ_OK) {
        die("sha256");
    }
}

/* A JSON string that takes ownership of a malloc'd C string. */
static json_t *own(char *s)
{
    json_t *v = json_string(s);
    free(s);
    return v;
}

static void write_json(const char *dir, const char *name, json_t *o)
{
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        die("json");
    }
    write_file(dir, name, text, strlen(text));
    free(text);
    json_decref(o);
}

int main(int argc, char **argv)
{
    const char *dir, *alg = "mldsa65+ed25519", *payload_path = NULL;
    const char *vendor = "mock", *policy_vendor = "mock";
    int no_attestation = 0;
    int root_tag = 1, policy_root_tag = -1, image_tag = 1, policy_image_tag = -1;
    long long timestamp = 1764000000000LL, max_age = 300;
    long flip_sig_byte = -1;
    static uint8_t pk[POSTQ_HYBRID_PK_MAX], sk[POSTQ_HYBRID_SK_MAX], sig[POSTQ_HYBRID_SIG_MAX];
    uint8_t root_seed[32], root_pk[32], policy_root_seed[32], policy_root_pk[32];
    uint8_t image[32], policy_image[32];
    struct postq_doc_claims c;
    struct postq_buf doc, docb64;
    size_t pk_len, sig_len, payload_len;
    uint8_t *payload;
    char pem[POSTQ_SPKI_PEM_MAX];
    size_t pem_len;
    json_t *o, *att, *rules, *images;

    if (argc < 2) {
        die("usage: mkfixture DIR [options]");
    }
    dir = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--alg") == 0) {
            alg = v;
        } else if (strcmp(k, "--payload") == 0) {
            payload_path = v;
        } else if (strcmp(k, "--root-tag") == 0) {
            root_tag = atoi(v);
        } else if (strcmp(k, "--policy-root-tag") == 0) {
            policy_root_tag = atoi(v);
        } else if (strcmp(k, "--image-tag") == 0) {
            image_tag = atoi(v);
        } else if (strcmp(k, "--policy-image-tag") == 0) {
            policy_image_tag = atoi(v);
        } else if (strcmp(k, "--timestamp") == 0) {
            timestamp = atoll(v);
        } else if (strcmp(k, "--max-age") == 0) {
            max_age = atoll(v);
        } else if (strcmp(k, "--vendor") == 0) {
            vendor = v;
        } else if (strcmp(k, "--policy-vendor") == 0) {
            policy_vendor = v;
        } else if (strcmp(k, "--no-attestation") == 0) {
            no_attestation = atoi(v);
        } else if (strcmp(k, "--flip-sig-byte") == 0) {
            flip_sig_byte = atol(v);
        } else {
            die("unknown option");
        }
    }
    policy_root_tag = policy_root_tag < 0 ? root_tag : policy_root_tag;
    policy_image_tag = policy_image_tag < 0 ? image_tag : policy_image_tag;

    if (payload_path != NULL) {
        payload = read_all(payload_path, &payload_len);
    } else {
        static const char text[] = "release artifact v1.2.3\n";
        payload_len = sizeof(text) - 1;
        payload = malloc(payload_len);
        memcpy(payload, text, payload_len);
        write_file(dir, "payload.bin", payload, payload_len);
    }

    /* The key, the signature. */
    if (postq_hybrid_sizes(alg, &pk_len, NULL, &sig_len) != POSTQ_OK ||
        postq_hybrid_keygen(alg, pk, sk) != POSTQ_OK ||
        postq_hybrid_sign(alg, sk, payload, payload_len, NULL, 0, sig) != POSTQ_OK) {
        die("composite keygen/sign");
    }
    if (flip_sig_byte >= 0) {
        if ((size_t)flip_sig_byte >= sig_len) {
            die("--flip-sig-byte past the signature");
        }
        sig[flip_sig_byte] ^= 0x01;
    }

    /* The document. */
    tagged(root_seed, "root", root_tag);
    tagged(policy_root_seed, "root", policy_root_tag);
    tagged(image, "image", image_tag);
    tagged(policy_image, "image", policy_image_tag);
    if (postq_ed_keypair(POSTQ_ED25519, root_seed, root_pk) != POSTQ_OK ||
        postq_ed_keypair(POSTQ_ED25519, policy_root_seed, policy_root_pk) != POSTQ_OK) {
        die("root key");
    }
    memset(&c, 0, sizeof(c));
    c.v = 1;
    snprintf(c.vendor, sizeof(c.vendor), "%s", vendor);
    snprintf(c.module_id, sizeof(c.module_id), "mod_test_%d", root_tag);
    memcpy(c.image_hash, image, 32);
    snprintf(c.key_id, sizeof(c.key_id), "key_test");
    snprintf(c.algorithm, sizeof(c.algorithm), "%s", alg);
    if (postq_sha256(c.public_key_sha256, pk, pk_len) != POSTQ_OK ||
        postq_sha256(c.payload_sha256, payload, payload_len) != POSTQ_OK ||
        postq_sha256(c.sig_sha256, sig, sig_len) != POSTQ_OK) {
        die("sha256");
    }
    c.counter = 42;
    memset(c.nonce, 0x5a, sizeof(c.nonce));
    c.timestamp_ms = timestamp;
    postq_buf_init(&doc, 1 << 16);
    postq_buf_init(&docb64, 1 << 17);
    if (postq_doc_encode_mock(&doc, &c, "root-1", root_seed) != POSTQ_OK ||
        postq_doc_encode_mock_b64(&docb64, &c, "root-1", root_seed) != POSTQ_OK) {
        die("document");
    }
    write_file(dir, "doc.jws", doc.p, doc.len);
    write_file(dir, "doc.b64", docb64.p, docb64.len);

    /* The sign result (docs/formats.md). */
    o = json_object();
    json_object_set_new(o, "id", json_string("sig_test"));
    json_object_set_new(o, "keyId", json_string("key_test"));
    json_object_set_new(o, "keyVersion", json_integer(1));
    json_object_set_new(o, "algorithm", json_string(alg));
    json_object_set_new(o, "payloadSha256", own(hex(c.payload_sha256, 32)));
    json_object_set_new(o, "signatureB64", own(b64(sig, sig_len)));
    {
        /* The API accepts a sign result right after the enclave made it: createdAt is the
         * document's timestamp (whole seconds). */
        char when[POSTQ_TIME_RFC3339_MAX];
        if (postq_time_format(when, sizeof(when), timestamp - timestamp % 1000) != POSTQ_OK) {
            fprintf(stderr, "mkfixture: --timestamp out of range\n");
            return 1;
        }
        json_object_set_new(o, "createdAt", json_string(when));
    }
    att = json_object();
    json_object_set_new(att, "vendor", json_string(vendor));
    json_object_set_new(att, "imageHash", own(hex(image, 32)));
    json_object_set_new(att, "counter", json_integer(42));
    json_object_set_new(att, "docB64", json_string((const char *)docb64.p));
    json_object_set_new(att, "verdict", json_string("pass"));
    if (no_attestation) {
        json_decref(att); /* as for a key of the software provider */
    } else {
        json_object_set_new(o, "attestation", att);
    }
    write_json(dir, "sig.json", o);

    /* The policy (docs/formats.md). */
    o = json_object();
    json_object_set_new(o, "id", json_string("pol_test"));
    json_object_set_new(o, "name", json_string("release-signing-test"));
    json_object_set_new(o, "vendor", json_string(policy_vendor));
    rules = json_object();
    images = json_array();
    json_array_append_new(images, own(hex(policy_image, 32)));
    json_object_set_new(rules, "allowedImageHashes", images);
    json_object_set_new(rules, "rootPublicKeyB64", own(b64(policy_root_pk, 32)));
    if (max_age > 0) {
        json_object_set_new(rules, "maxDocAgeSeconds", json_integer(max_age));
    }
    json_object_set_new(o, "matchRules", rules);
    json_object_set_new(o, "enforce", json_true());
    write_json(dir, "policy.json", o);

    /* The public key, as PEM and as the API shows it. */
    if (postq_spki_encode_pem(pem, sizeof(pem), &pem_len, alg, pk, pk_len) != POSTQ_OK) {
        die("pem");
    }
    write_file(dir, "key.pub", pem, pem_len);
    o = json_object();
    json_object_set_new(o, "id", json_string("key_test"));
    json_object_set_new(o, "algorithm", json_string(alg));
    json_object_set_new(o, "publicKeyB64", own(b64(pk, pk_len)));
    write_json(dir, "key.json", o);

    postq_buf_free(&doc);
    postq_buf_free(&docb64);
    free(payload);
    return 0;
}
