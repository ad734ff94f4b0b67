/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor "aws-nitro-enclave": the NSM attestation document, a COSE_Sign1 [RFC 9052 §4.2]
 * (tagged 18 or untagged) signed ES384 by the instance certificate, whose chain runs through
 * cabundle to the AWS Nitro Enclaves Root-G1 pinned by the policy (AWS, "Verifying the root
 * of trust"; aws-nitro-enclaves-nsm-api docs/attestation_process.md). docs/vendors.md has the
 * PostQ binding carried in user_data / nonce.
 *
 * | payload member | CBOR                          | rule                                  |
 * |----------------|-------------------------------|---------------------------------------|
 * | module_id      | text                          | 1..127 bytes                          |
 * | digest         | text                          | "SHA384" (else doc_alg_unsupported)   |
 * | timestamp      | uint, ms since the epoch      | < 2^63                                |
 * | pcrs           | map uint -> bytes             | 1..32 entries, index < 32, 32/48/64 B |
 * | certificate    | bytes                         | DER                                   |
 * | cabundle       | array of bytes                | 1..7 DER certificates, root first     |
 * | public_key     | bytes or null, may be absent  | <= 1024 bytes                         |
 * | user_data      | bytes or null, may be absent  | <= 1024 bytes                         |
 * | nonce          | bytes or null, may be absent  | <= 1024 bytes                         |
 *
 * matchRules [docs/formats.md]: pcrs {"<index>": ["<hex>", ...]} (every listed index must equal
 * one of its values), rootCertSha256 (hex) and/or rootCertB64 (base64 DER of the root; both
 * must agree when both are given), allowDebug (default false). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "attest/cbor.h"
#include "attest/util.h"
#include "attest/verifier.h"
#include "attest/x509.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/mem.h"
#include "crypto/sha2.h"

#define NITRO_PCRS 32
#define NITRO_OPT_MAX 1024
#define NITRO_RULE_VALUES_MAX 64
#define COSE_ALG_ES384 (-35)

/* The PostQ binding in user_data (docs/vendors.md): magic, algorithm code, three digests and
 * the counter, big-endian. */
#define PQ_BIND_MAGIC "PQA1"
#define PQ_BIND_LEN (4 + 1 + 32 + 32 + 32 + 8)

struct nitro_state {
    struct postq_cbor cose, prot, payload;
    size_t prot_node, payload_node, sig_node;
    int has_alg, has_crit;
    int64_t alg;
    char digest[16];
    uint64_t timestamp_ms;
    struct postq_bytes cert;
    struct postq_bytes cabundle[POSTQ_X509_CHAIN_MAX];
    size_t n_cabundle;
    uint32_t have_pcr; /* bit i: PCR i present */
    const uint8_t *pcr[NITRO_PCRS];
    size_t pcr_len[NITRO_PCRS];
};

static postq_err malformed(char *detail, size_t cap, const char *what)
{
    postq_attest_detail(detail, cap, "Nitro document: %s", what);
    return POSTQ_E_MALFORMED;
}

/* An optional bytes member (absent or null: *out stays empty). */
static postq_err opt_bytes(const struct postq_cbor *d, const char *name, struct postq_bytes *out,
                           char *detail, size_t cap)
{
    size_t v = postq_cbor_map_text(d, 0, name);

    out->p = NULL;
    out->len = 0;
    if (v == 0 || postq_cbor_is_null(d, v)) {
        return POSTQ_OK;
    }
    if (d->nodes[v].type != POSTQ_CBOR_BYTES || d->nodes[v].len > NITRO_OPT_MAX) {
        postq_attest_detail(detail, cap, "Nitro document: %s is not bytes (<= %d) or null", name,
                            NITRO_OPT_MAX);
        return POSTQ_E_MALFORMED;
    }
    out->p = d->nodes[v].p;
    out->len = d->nodes[v].len;
    return POSTQ_OK;
}

static int text_is(const struct postq_cbor_node *n, char *out, size_t cap)
{
    if (n->type != POSTQ_CBOR_TEXT || n->len == 0 || n->len >= cap ||
        memchr(n->p, 0, n->len) != NULL) {
        return 0;
    }
    memcpy(out, n->p, n->len);
    out[n->len] = '\0';
    return 1;
}

static postq_err parse_payload(struct nitro_state *st, struct postq_attest_claims *c,
                               char *detail, size_t cap)
{
    const struct postq_cbor *d = &st->payload;
    const struct postq_cbor_node *n;
    size_t v, end;
    struct postq_bytes user_data, nonce, pk;
    postq_err err;

    if (d->nodes[0].type != POSTQ_CBOR_MAP) {
        return malformed(detail, cap, "payload is not a map");
    }
    v = postq_cbor_map_text(d, 0, "module_id");
    if (v == 0 || !text_is(&d->nodes[v], c->module_id, sizeof(c->module_id))) {
        return malformed(detail, cap, "module_id is not text of 1..127 bytes");
    }
    v = postq_cbor_map_text(d, 0, "digest");
    if (v == 0 || !text_is(&d->nodes[v], st->digest, sizeof(st->digest))) {
        return malformed(detail, cap, "digest is not short text");
    }
    v = postq_cbor_map_text(d, 0, "timestamp");
    if (v == 0 || d->nodes[v].type != POSTQ_CBOR_UINT || d->nodes[v].val > INT64_MAX) {
        return malformed(detail, cap, "timestamp is not an unsigned integer");
    }
    st->timestamp_ms = d->nodes[v].val;

    v = postq_cbor_map_text(d, 0, "pcrs");
    if (v == 0 || d->nodes[v].type != POSTQ_CBOR_MAP || d->nodes[v].val == 0 ||
        d->nodes[v].val > NITRO_PCRS) {
        return malformed(detail, cap, "pcrs is not a map of 1..32 entries");
    }
    end = v + d->nodes[v].size;
    for (size_t k = v + 1; k < end;) {
        size_t val = k + d->nodes[k].size;
        const struct postq_cbor_node *key = &d->nodes[k];
        n = &d->nodes[val];
        if (key->type != POSTQ_CBOR_UINT || key->val >= NITRO_PCRS) {
            return malformed(detail, cap, "pcrs key is not an index 0..31");
        }
        if (n->type != POSTQ_CBOR_BYTES || (n->len != 32 && n->len != 48 && n->len != 64)) {
            return malformed(detail, cap, "pcrs value is not 32, 48 or 64 bytes");
        }
        st->have_pcr |= 1u << key->val;
        st->pcr[key->val] = n->p;
        st->pcr_len[key->val] = n->len;
        k = val + n->size;
    }
    if ((st->have_pcr & 1u) == 0) {
        return malformed(detail, cap, "pcrs has no PCR0");
    }

    v = postq_cbor_map_text(d, 0, "certificate");
    if (v == 0 || d->nodes[v].type != POSTQ_CBOR_BYTES || d->nodes[v].len == 0) {
        return malformed(detail, cap, "certificate is not bytes");
    }
    st->cert.p = d->nodes[v].p;
    st->cert.len = d->nodes[v].len;
    v = postq_cbor_map_text(d, 0, "cabundle");
    if (v == 0 || d->nodes[v].type != POSTQ_CBOR_ARRAY || d->nodes[v].val == 0 ||
        d->nodes[v].val >= POSTQ_X509_CHAIN_MAX) {
        return malformed(detail, cap, "cabundle is not an array of 1..7 certificates");
    }
    for (size_t i = 0; i < d->nodes[v].val; i++) {
        n = &d->nodes[postq_cbor_child(d, v, i)];
        if (n->type != POSTQ_CBOR_BYTES || n->len == 0) {
            return malformed(detail, cap, "cabundle entry is not bytes");
        }
        st->cabundle[i].p = n->p;
        st->cabundle[i].len = n->len;
    }
    st->n_cabundle = (size_t)d->nodes[v].val;

    err = opt_bytes(d, "public_key", &pk, detail, cap);
    if (err == POSTQ_OK) {
        err = opt_bytes(d, "user_data", &user_data, detail, cap);
    }
    if (err == POSTQ_OK) {
        err = opt_bytes(d, "nonce", &nonce, detail, cap);
    }
    if (err != POSTQ_OK) {
        return err;
    }

    /* Normalized claims. */
    snprintf(c->vendor, sizeof(c->vendor), "aws-nitro-enclave");
    c->have |= POSTQ_CLAIM_MODULE_ID | POSTQ_CLAIM_MEASUREMENT | POSTQ_CLAIM_TIMESTAMP |
               POSTQ_CLAIM_DEBUG;
    memcpy(c->measurement, st->pcr[0], st->pcr_len[0]);
    c->measurement_len = st->pcr_len[0];
    c->timestamp_ms = (int64_t)st->timestamp_ms;
    /* Debug mode: NSM reports PCR0, 1 and 2 as zeros. */
    c->debug = 1;
    for (unsigned i = 0; i < 3; i++) {
        if ((st->have_pcr & (1u << i)) == 0) {
            c->debug = 0;
            break;
        }
        for (size_t j = 0; j < st->pcr_len[i]; j++) {
            if (st->pcr[i][j] != 0) {
                c->debug = 0;
            }
        }
    }
    if (nonce.len == 32) {
        memcpy(c->nonce, nonce.p, 32);
        c->have |= POSTQ_CLAIM_NONCE;
    }
    if (user_data.len == PQ_BIND_LEN && memcmp(user_data.p, PQ_BIND_MAGIC, 4) == 0) {
        static const char *const algs[] = {NULL, "mldsa44+ed25519", "mldsa65+ed25519",
                                           "mldsa87+ed448"};
        const uint8_t *b = user_data.p + 4;
        uint64_t ctr = 0;
        if (b[0] == 0 || b[0] > 3) {
            return malformed(detail, cap, "user_data: PostQ binding with an unknown algorithm");
        }
        snprintf(c->algorithm, sizeof(c->algorithm), "%s", algs[b[0]]);
        memcpy(c->payload_sha256, b + 1, 32);
        memcpy(c->sig_sha256, b + 33, 32);
        memcpy(c->public_key_sha256, b + 65, 32);
        for (size_t i = 0; i < 8; i++) {
            ctr = (ctr << 8) | b[97 + i];
        }
        c->counter = ctr;
        c->have |= POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_SIG_SHA256 | POSTQ_CLAIM_KEY |
                   POSTQ_CLAIM_COUNTER;
    }
    return POSTQ_OK;
}

static void nitro_release(void *state)
{
    struct nitro_state *st = state;

    if (st == NULL) {
        return;
    }
    postq_cbor_free(&st->payload);
    postq_cbor_free(&st->prot);
    postq_cbor_free(&st->cose);
    postq_free(st);
}

static postq_err nitro_parse(const uint8_t *raw, size_t len, void **state,
                             struct postq_attest_claims *claims, char *detail, size_t cap)
{
    struct nitro_state *st;
    const struct postq_cbor_node *n;
    size_t top = 0, v;
    postq_err err;

    *state = NULL;
    memset(claims, 0, sizeof(*claims));
    st = postq_calloc(1, sizeof(*st));
    if (st == NULL) {
        return POSTQ_E_NOMEM;
    }
    err = postq_cbor_decode(&st->cose, raw, len, detail, cap);
    if (err != POSTQ_OK) {
        goto out;
    }
    n = &st->cose.nodes[0];
    if (n->type == POSTQ_CBOR_TAG) {
        if (n->val != 18) {
            err = malformed(detail, cap, "tagged, but not COSE_Sign1 (tag 18)");
            goto out;
        }
        top = 1;
    }
    n = &st->cose.nodes[top];
    if (n->type != POSTQ_CBOR_ARRAY || n->val != 4) {
        err = malformed(detail, cap, "not a COSE_Sign1 array of 4");
        goto out;
    }
    st->prot_node = postq_cbor_child(&st->cose, top, 0);
    v = postq_cbor_child(&st->cose, top, 1);
    st->payload_node = postq_cbor_child(&st->cose, top, 2);
    st->sig_node = postq_cbor_child(&st->cose, top, 3);
    if (st->cose.nodes[st->prot_node].type != POSTQ_CBOR_BYTES ||
        st->cose.nodes[v].type != POSTQ_CBOR_MAP ||
        st->cose.nodes[st->payload_node].type != POSTQ_CBOR_BYTES ||
        st->cose.nodes[st->sig_node].type != POSTQ_CBOR_BYTES) {
        err = malformed(detail, cap, "COSE_Sign1 is not [bytes, map, bytes, bytes]");
        goto out;
    }
    /* Protected header: a serialized map (an empty bstr is the empty map [RFC 9052 §3]). */
    n = &st->cose.nodes[st->prot_node];
    if (n->len > 0) {
        err = postq_cbor_decode(&st->prot, n->p, n->len, detail, cap);
        if (err != POSTQ_OK) {
            goto out;
        }
        if (st->prot.nodes[0].type != POSTQ_CBOR_MAP) {
            err = malformed(detail, cap, "protected header is not a map");
            goto out;
        }
        v = postq_cbor_map_int(&st->prot, 0, 1);
        if (v != 0) {
            const struct postq_cbor_node *a = &st->prot.nodes[v];
            if (a->type == POSTQ_CBOR_NINT && a->val <= INT64_MAX) {
                st->has_alg = 1;
                st->alg = -1 - (int64_t)a->val;
            } else if (a->type == POSTQ_CBOR_UINT && a->val <= INT64_MAX) {
                st->has_alg = 1;
                st->alg = (int64_t)a->val;
            } else {
                st->has_alg = 1;
                st->alg = 0; /* a text alg: never ES384 */
            }
        }
        st->has_crit = postq_cbor_map_int(&st->prot, 0, 2) != 0;
    }
    n = &st->cose.nodes[st->payload_node];
    err = postq_cbor_decode(&st->payload, n->p, n->len, detail, cap);
    if (err == POSTQ_OK) {
        err = parse_payload(st, claims, detail, cap);
    }
out:
    if (err != POSTQ_OK) {
        nitro_release(st);
        memset(claims, 0, sizeof(*claims));
        return err == POSTQ_E_NOMEM ? err
               : err == POSTQ_E_TOO_LARGE ? POSTQ_E_TOO_LARGE
                                          : POSTQ_E_MALFORMED;
    }
    *state = st;
    return POSTQ_OK;
}

/* ---- matchRules ---- */

struct nitro_rules {
    json_t *root;          /* the parsed matchRules (owned) */
    const json_t *pcrs;    /* the pcrs object */
    uint8_t root_sha[32];
    int allow_debug;
};

static int pcr_index(const char *key, unsigned *idx)
{
    size_t n = strlen(key);

    if (n == 0 || n > 2 || key[0] < '0' || key[0] > '9' || (n == 2 && key[0] == '0') ||
        (n == 2 && (key[1] < '0' || key[1] > '9'))) {
        return 0;
    }
    *idx = (unsigned)(key[0] - '0');
    if (n == 2) {
        *idx = *idx * 10 + (unsigned)(key[1] - '0');
    }
    return *idx < NITRO_PCRS;
}

static postq_err rules_parse(struct nitro_rules *r, const char *json, char *detail, size_t cap)
{
    json_error_t jerr;
    const json_t *sha, *b64, *dbg, *val;
    const char *k;

    memset(r, 0, sizeof(*r));
    r->root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (r->root == NULL || !json_is_object(r->root)) {
        postq_attest_detail(detail, cap, "matchRules: not a JSON object");
        goto bad;
    }
    r->pcrs = json_object_get(r->root, "pcrs");
    if (r->pcrs == NULL || !json_is_object(r->pcrs) || json_object_size(r->pcrs) == 0) {
        postq_attest_detail(detail, cap,
                            "matchRules.pcrs: missing, not an object, or empty (policies fail "
                            "closed)");
        goto bad;
    }
    json_object_foreach((json_t *)(uintptr_t)r->pcrs, k, val) {
        unsigned idx;
        if (!pcr_index(k, &idx)) {
            postq_attest_detail(detail, cap, "matchRules.pcrs.%.8s: not a PCR index 0..31", k);
            goto bad;
        }
        if (!json_is_array(val) || json_array_size(val) == 0 ||
            json_array_size(val) > NITRO_RULE_VALUES_MAX) {
            postq_attest_detail(detail, cap, "matchRules.pcrs.%s: not an array of 1..%d values",
                                k, NITRO_RULE_VALUES_MAX);
            goto bad;
        }
        for (size_t i = 0; i < json_array_size(val); i++) {
            const json_t *h = json_array_get(val, i);
            uint8_t tmp[64];
            size_t hl = json_is_string(h) ? json_string_length(h) : 0, got = 0;
            if ((hl != 64 && hl != 96 && hl != 128) ||
                postq_hex_decode(tmp, sizeof(tmp), &got, json_string_value(h), hl, 0) !=
                    POSTQ_OK) {
                postq_attest_detail(detail, cap,
                                    "matchRules.pcrs.%s[%zu]: not 64, 96 or 128 lowercase hex "
                                    "characters",
                                    k, i);
                goto bad;
            }
        }
    }
    sha = json_object_get(r->root, "rootCertSha256");
    b64 = json_object_get(r->root, "rootCertB64");
    if (sha == NULL && b64 == NULL) {
        postq_attest_detail(detail, cap, "matchRules.rootCertSha256: missing (or rootCertB64)");
        goto bad;
    }
    if (sha != NULL && (!json_is_string(sha) ||
                        postq_attest_hex_exact(r->root_sha, 32, json_string_value(sha)) !=
                            POSTQ_OK)) {
        postq_attest_detail(detail, cap,
                            "matchRules.rootCertSha256: not 64 lowercase hex characters");
        goto bad;
    }
    if (b64 != NULL) {
        size_t bl = json_is_string(b64) ? json_string_length(b64) : 0, got = 0;
        uint8_t *der = bl > 0 && bl <= 8192 ? postq_malloc(postq_base64_decoded_max(bl)) : NULL;
        uint8_t digest[32];
        int ok = der != NULL &&
                 postq_base64_decode(der, postq_base64_decoded_max(bl), &got,
                                     json_string_value(b64), bl, POSTQ_B64_STD) == POSTQ_OK &&
                 got > 0 && postq_sha256(digest, der, got) == POSTQ_OK;
        postq_free(der);
        if (!ok) {
            postq_attest_detail(detail, cap,
                                "matchRules.rootCertB64: not padded base64 of a certificate");
            goto bad;
        }
        if (sha != NULL && memcmp(digest, r->root_sha, 32) != 0) {
            postq_attest_detail(detail, cap,
                                "matchRules.rootCertB64: its SHA-256 is not rootCertSha256");
            goto bad;
        }
        memcpy(r->root_sha, digest, 32);
    }
    dbg = json_object_get(r->root, "allowDebug");
    if (dbg != NULL && !json_is_boolean(dbg)) {
        postq_attest_detail(detail, cap, "matchRules.allowDebug: not a boolean");
        goto bad;
    }
    r->allow_debug = json_is_true(dbg);
    return POSTQ_OK;
bad:
    json_decref(r->root);
    r->root = NULL;
    return POSTQ_E_MALFORMED;
}

static postq_err nitro_check_rules(const char *json, char *detail, size_t cap)
{
    struct nitro_rules r;
    postq_err err = rules_parse(&r, json, detail, cap);

    json_decref(r.root);
    return err;
}

/* ---- appraisal ---- */

/* Sig_structure = ["Signature1", protected, external_aad = h'', payload] [RFC 9052 §4.4]. */
static postq_err verify_cose(const struct nitro_state *st, char *detail, size_t cap)
{
    const struct postq_cbor_node *prot = &st->cose.nodes[st->prot_node];
    const struct postq_cbor_node *pay = &st->cose.nodes[st->payload_node];
    const struct postq_cbor_node *sig = &st->cose.nodes[st->sig_node];
    size_t max = 32 + prot->len + pay->len, pos = 0;
    uint8_t *tbs = postq_malloc(max);
    struct postq_bytes msg, s;
    postq_err err;

    if (tbs == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (postq_cbor_put_head(tbs, max, &pos, 4, 4) != 0 ||
        postq_cbor_put_head(tbs, max, &pos, 3, 10) != 0) {
        postq_free(tbs);
        return POSTQ_E_INTERNAL;
    }
    memcpy(tbs + pos, "Signature1", 10);
    pos += 10;
    if (postq_cbor_put_head(tbs, max, &pos, 2, prot->len) != 0) {
        postq_free(tbs);
        return POSTQ_E_INTERNAL;
    }
    memcpy(tbs + pos, prot->p, prot->len);
    pos += prot->len;
    if (postq_cbor_put_head(tbs, max, &pos, 2, 0) != 0 ||
        postq_cbor_put_head(tbs, max, &pos, 2, pay->len) != 0) {
        postq_free(tbs);
        return POSTQ_E_INTERNAL;
    }
    memcpy(tbs + pos, pay->p, pay->len);
    pos += pay->len;
    msg.p = tbs;
    msg.len = pos;
    s.p = sig->p;
    s.len = sig->len;
    err = postq_x509_verify(st->cert, POSTQ_X509_ES384, msg, s, detail, cap);
    postq_free(tbs);
    return err;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static postq_err check_pcrs(const struct nitro_state *st, const struct nitro_rules *r,
                            struct postq_attest_run *run)
{
    const char *k;
    const json_t *vals;

    json_object_foreach((json_t *)(uintptr_t)r->pcrs, k, vals) {
        unsigned idx = 0;
        int found = 0;
        (void)pcr_index(k, &idx);
        if ((st->have_pcr & (1u << idx)) == 0) {
            return postq_attest_fail(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED,
                                     "PCR%u: not in the document", idx);
        }
        for (size_t i = 0; i < json_array_size(vals) && !found; i++) {
            const json_t *h = json_array_get(vals, i);
            uint8_t want[64];
            size_t got = 0;
            if (postq_hex_decode(want, sizeof(want), &got, json_string_value(h),
                                 json_string_length(h), 0) == POSTQ_OK &&
                got == st->pcr_len[idx] && memcmp(want, st->pcr[idx], got) == 0) {
                found = 1;
            }
        }
        if (!found) {
            char hex[17];
            if (postq_hex_encode(hex, sizeof(hex), st->pcr[idx], 8) != POSTQ_OK) {
                hex[0] = '\0';
            }
            return postq_attest_fail(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED,
                                     "PCR%u %s... is not in matchRules.pcrs.%s", idx, hex, k);
        }
    }
    postq_attest_pass(run, POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
    return POSTQ_OK;
}

static postq_err nitro_appraise(void *state, const struct postq_attest_claims *claims,
                                const struct postq_attest_policy *policy, int64_t now_ms,
                                struct postq_attest_run *run)
{
    struct nitro_state *st = state;
    struct nitro_rules r;
    struct postq_bytes chain[POSTQ_X509_CHAIN_MAX];
    int64_t at[2];
    uint8_t digest[32];
    char detail[200];
    postq_err err;

    detail[0] = '\0';
    if (policy->match_rules_json == NULL ||
        rules_parse(&r, policy->match_rules_json, detail, sizeof(detail)) != POSTQ_OK) {
        return POSTQ_E_ARG; /* policy parsing checked the rules already */
    }
    /* doc_alg_unsupported: ES384, nothing critical, SHA-384 PCRs. */
    if (!st->has_alg || st->alg != COSE_ALG_ES384) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                "COSE alg %lld: only ES384 (-35)", (long long)st->alg);
        goto out;
    }
    if (st->has_crit) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                "protected header has crit: no extension is understood");
        goto out;
    }
    if (strcmp(st->digest, "SHA384") != 0) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED,
                                "digest \"%s\": only SHA384", st->digest);
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_DOC_ALG_UNSUPPORTED);

    /* chain_invalid: cabundle[0] is the pinned root; certificate <- cabundle[n-1] <- ... <-
     * cabundle[0], valid at the document's own time and at now. */
    err = postq_sha256(digest, st->cabundle[0].p, st->cabundle[0].len);
    if (err != POSTQ_OK) {
        goto out;
    }
    if (memcmp(digest, r.root_sha, 32) != 0) {
        err = postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID,
                                "cabundle[0] is not the pinned root (rootCertSha256)");
        goto out;
    }
    chain[0] = st->cert;
    for (size_t i = 0; i < st->n_cabundle; i++) {
        chain[1 + i] = st->cabundle[st->n_cabundle - 1 - i];
    }
    at[0] = (int64_t)(st->timestamp_ms / 1000);
    at[1] = now_ms / 1000;
    err = postq_x509_chain_verify(chain, st->n_cabundle + 1, at, 2, detail, sizeof(detail));
    if (err == POSTQ_E_INVALID) {
        err = postq_attest_fail(run, POSTQ_REASON_CHAIN_INVALID, "%s (at the document's time "
                                "or at now)", detail);
        goto out;
    }
    if (err != POSTQ_OK) {
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_CHAIN_INVALID);

    /* doc_signature_invalid: COSE_Sign1 under the instance certificate. */
    err = verify_cose(st, detail, sizeof(detail));
    if (err == POSTQ_E_INVALID) {
        err = postq_attest_fail(run, POSTQ_REASON_DOC_SIGNATURE_INVALID,
                                "COSE_Sign1 ES384: %s", detail);
        goto out;
    }
    if (err != POSTQ_OK) {
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_DOC_SIGNATURE_INVALID);

    /* debug_not_allowed before the allow-list, so that a debug enclave is named as such. */
    if (claims->debug && !r.allow_debug) {
        err = postq_attest_fail(run, POSTQ_REASON_DEBUG_NOT_ALLOWED,
                                "debug-mode enclave (PCR0, PCR1, PCR2 all zero); the policy "
                                "does not set allowDebug");
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_DEBUG_NOT_ALLOWED);

    err = check_pcrs(st, &r, run);
    if (err != POSTQ_OK) {
        goto out;
    }

    /* claims_invalid: SHA-384 PCRs are 48 bytes; a production document has a non-zero PCR0. */
    for (unsigned i = 0; i < NITRO_PCRS; i++) {
        if ((st->have_pcr & (1u << i)) != 0 && st->pcr_len[i] != 48) {
            err = postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                    "PCR%u is %zu bytes; SHA384 PCRs are 48", i, st->pcr_len[i]);
            goto out;
        }
    }
    if (!claims->debug && all_zero(st->pcr[0], st->pcr_len[0])) {
        err = postq_attest_fail(run, POSTQ_REASON_CLAIMS_INVALID,
                                "PCR0 is zero but PCR1/PCR2 are not");
        goto out;
    }
    postq_attest_pass(run, POSTQ_REASON_CLAIMS_INVALID);
    err = POSTQ_OK;
out:
    json_decref(r.root);
    return err;
}

const struct postq_attest_vendor postq_attest_vendor_aws_nitro = {
    .id = POSTQ_VENDOR_AWS_NITRO,
    .name = "aws-nitro-enclave",
    .parse = nitro_parse,
    .appraise = nitro_appraise,
    .release = nitro_release,
    .check_rules = nitro_check_rules,
};
