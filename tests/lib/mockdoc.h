/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: real, genuinely signed mock attestation documents [docs/formats.md] and matching
 * policies [docs/formats.md]. A fixture holds a root seed, a fresh composite key pair, a payload
  * signed
 * with it, and claims that bind them; tests change a claim (or the header) and re-sign. */
#ifndef POSTQ_TESTS_MOCKDOC_H
#define POSTQ_TESTS_MOCKDOC_H

#include <stddef.h>
#include <stdint.h>

#include <postq/hybrid.h>

#include "attest/doc.h"

#define MD_NOW_MS INT64_C(1764000000000) /* 2025-11-24T16:00:00Z: the fixtures' "now" */

struct md_fixture {
    uint8_t root_seed[32];
    uint8_t root_pk[32];
    char alg[32];
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len;
    uint8_t sk[POSTQ_HYBRID_SK_MAX];
    uint8_t payload[100];
    size_t payload_len;
    uint8_t sig[POSTQ_HYBRID_SIG_MAX];
    size_t sig_len;
    uint8_t nonce[32];
    struct postq_doc_claims claims; /* bound to all of the above, timestamp MD_NOW_MS */
};

/* Fill f: root seed from root_tag (deterministic), a fresh mldsa65+ed25519 key pair, a payload
 * and its real composite signature, and the claims. Fails the test on any error. */
void md_fixture_init(struct md_fixture *f, uint8_t root_tag);

/* docB64 of claims c, signed with root_seed by the library's mock encoder. free() it. */
char *md_doc_b64(const struct postq_doc_claims *c, const uint8_t root_seed[32]);

/* The raw JWS (NUL-terminated) of arbitrary header and payload text signed with root_seed:
 * for documents the library's encoder refuses to write. free() it. */
char *md_jws_raw(const char *header_json, const char *payload_json, const uint8_t root_seed[32]);
/* Standard base64 of raw[0..len), NUL-terminated. free() it. */
char *md_b64(const uint8_t *raw, size_t len);
/* Raw bytes of a docB64. free() it. */
uint8_t *md_unb64(const char *b64, size_t *len);

/* The claims JSON of c (NUL-terminated), as the library encodes it. free() it. */
char *md_claims_json(const struct postq_doc_claims *c);

/* A mock policy pinning root_pk and allowing image; extra_rules is spliced into matchRules
 * (e.g. "\"maxDocAgeSeconds\":300") or NULL. free() it. */
char *md_policy(const uint8_t root_pk[32], const uint8_t image[32], const char *extra_rules);

/* A fixed image hash the policies allow (and the claims carry). */
extern const uint8_t md_image[32];
/* The default mock JWS header. */
#define MD_HEADER "{\"alg\":\"Ed25519\",\"typ\":\"postq-attestation+jws\",\"kid\":\"root-1\"}"

#endif
