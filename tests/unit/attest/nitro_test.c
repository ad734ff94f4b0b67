/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor aws-nitro-enclave (src/attest/vendor/nitro.c) against the real documents of
 * ../shared/vendors/aws-nitro at fixed times inside their windows: each passes; each negative
 * (wrong root, time outside validity, PCR not allowed, debug, a byte flipped in each part,
 * truncation, tags, header) gets its reason code; the PostQ binding in user_data / nonce; the
 * matchRules checks. */
#include "testlib.h"
#include "attesttest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <postq/attest.h>

#include "attest/cbor.h"
#include "common/base64.h"
#include "mockdoc.h"

#define ROOT_SHA "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"

struct sample {
    const char *name;
    int debug;
    uint8_t *raw;
    size_t len;
    int64_t ts_ms, until_ms; /* document time; end of its chain's window */
    char pcr0[97], pcr1[97], pcr8[97];
};

static struct sample S[] = {
    {.name = "evervault-beta-2022-10-13-prod", .debug = 0},
    {.name = "evervault-cert-2023-01-18-prod-pcr8", .debug = 0},
    {.name = "evervault-ga-2023-09-18-debug", .debug = 1},
    {.name = "evervault-beta-2022-10-12-debug", .debug = 1},
    {.name = "base-2026-01-03-indefinite-map", .debug = 0},
};
#define N_S (sizeof(S) / sizeof(S[0]))

static int64_t parse_utc_ms(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%S", &tm));
    return (int64_t)timegm(&tm) * 1000;
}

static int setup(void **state)
{
    json_t *exp = tl_load_json("vendors/aws-nitro/samples/expected.json");

    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        char rel[256];
        const json_t *e = json_object_get(exp, S[i].name), *pcrs, *win;
        assert_non_null(e);
        snprintf(rel, sizeof(rel), "vendors/aws-nitro/samples/%s.cbor", S[i].name);
        S[i].raw = tl_read_shared(rel, &S[i].len);
        S[i].ts_ms = tl_int(e, "timestamp_ms");
        pcrs = json_object_get(e, "pcrs");
        snprintf(S[i].pcr0, sizeof(S[i].pcr0), "%s", tl_str(pcrs, "0"));
        snprintf(S[i].pcr1, sizeof(S[i].pcr1), "%s", tl_str(pcrs, "1"));
        snprintf(S[i].pcr8, sizeof(S[i].pcr8), "%s", tl_str(pcrs, "8"));
        S[i].until_ms = parse_utc_ms(tl_str(e, "chain_valid_until"));
        win = json_object_get(e, "chain_valid_from");
        assert_non_null(win);
    }
    json_decref(exp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        free(S[i].raw);
    }
    return 0;
}

static const struct postq_attest_report *run_raw(const uint8_t *raw, size_t len, const char *policy,
                                                 int64_t now)
{
    static struct postq_attest_report r;
    char *b64 = md_b64(raw, len);
    int err = postq_attest_verify_ex(b64, policy, NULL, now, &r);

    free(b64);
    if (err != POSTQ_OK) {
        fail_msg("no verdict (%d): %s", err, r.verdict.detail);
    }
    return &r;
}

/* A policy pinning sample i's PCR0 (and PCR1 and PCR8), with extra members. */
static char *policy_for(const struct sample *s, const char *extra)
{
    char *p = malloc(2048);
    snprintf(p, 2048,
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"],"
             "\"1\":[\"%s\"],\"8\":[\"%s\"]},\"rootCertSha256\":\"" ROOT_SHA "\"%s%s}}",
             s->pcr0, s->pcr1, s->pcr8, extra != NULL ? "," : "", extra != NULL ? extra : "");
    return p;
}

static void test_samples_pass(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        char *pol = policy_for(&S[i], S[i].debug ? "\"allowDebug\":true" : NULL);
        const struct postq_attest_report *r = run_raw(S[i].raw, S[i].len, pol, S[i].ts_ms + 1000);
        at_expect(r, NULL);
        assert_int_equal(r->have_claims, 1);
        assert_string_equal(r->claims.vendor, "aws-nitro-enclave");
        assert_int_equal(r->claims.measurement_len, 48);
        assert_true(r->claims.timestamp_ms == S[i].ts_ms);
        assert_int_equal(r->claims.debug, S[i].debug);
        /* at the last second of the window too */
        at_expect(run_raw(S[i].raw, S[i].len, pol, S[i].until_ms - 1000), NULL);
        /* tagged COSE_Sign1 (tag 18) is the same document */
        {
            uint8_t *t = malloc(S[i].len + 1);
            t[0] = 0xd2;
            memcpy(t + 1, S[i].raw, S[i].len);
            at_expect(run_raw(t, S[i].len + 1, pol, S[i].ts_ms + 1000), NULL);
            t[0] = 0xd1; /* COSE_Mac0's tag */
            at_expect(run_raw(t, S[i].len + 1, pol, S[i].ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
            free(t);
        }
        printf("# nitro %s: pass\n", S[i].name);
        free(pol);
    }
}

static void test_debug(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        char *pol = policy_for(&S[i], "\"allowDebug\":false");
        at_expect(run_raw(S[i].raw, S[i].len, pol, S[i].ts_ms + 1000),
                  S[i].debug ? POSTQ_REASON_DEBUG_NOT_ALLOWED : NULL);
        free(pol);
    }
}

static void test_wrong_root(void **state)
{
    static const char *const rules[] = {
        /* another fingerprint */
        "\"rootCertSha256\":\"641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5c\"",
        /* the Confidential Space root's */
        "\"rootCertSha256\":\"148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f86c39\"",
    };
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        char pol[512];
        snprintf(pol, sizeof(pol),
                 "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"]},%s}}",
                 S[1].pcr0, rules[k]);
        at_expect(run_raw(S[1].raw, S[1].len, pol, S[1].ts_ms + 1000), POSTQ_REASON_CHAIN_INVALID);
    }
}

/* The root given as bytes (rootCertB64: the PEM's base64 body) instead of its fingerprint. */
static void test_root_as_bytes(void **state)
{
    size_t len = 0, o = 0;
    uint8_t *pem = tl_read_shared("vendors/aws-nitro/root-g1.pem", &len);
    char *b64 = calloc(1, len), *pol = malloc(4096);
    const char *p = strstr((const char *)pem, "-----\n") + 6;

    (void)state;
    for (; *p != '-'; p++) {
        if (*p != '\n' && *p != '\r') {
            b64[o++] = *p;
        }
    }
    snprintf(pol, 4096,
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"]},"
             "\"rootCertB64\":\"%s\"}}",
             S[4].pcr0, b64);
    at_expect(run_raw(S[4].raw, S[4].len, pol, S[4].ts_ms + 1000), NULL);
    /* both given: they must agree */
    snprintf(pol, 4096,
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"]},"
             "\"rootCertB64\":\"%s\",\"rootCertSha256\":\"" ROOT_SHA "\"}}",
             S[4].pcr0, b64);
    at_expect(run_raw(S[4].raw, S[4].len, pol, S[4].ts_ms + 1000), NULL);
    free(pem);
    free(b64);
    free(pol);
}

static void test_time_outside(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        char *pol = policy_for(&S[i], "\"allowDebug\":true");
        at_expect(run_raw(S[i].raw, S[i].len, pol, S[i].until_ms + 1000),
                  POSTQ_REASON_CHAIN_INVALID);
        at_expect(run_raw(S[i].raw, S[i].len, pol, S[i].ts_ms + 365LL * 86400 * 1000),
                  POSTQ_REASON_CHAIN_INVALID);
        /* an hour before the document: the instance certificate did not exist yet */
        at_expect(run_raw(S[i].raw, S[i].len, pol, S[i].ts_ms - 3600 * 1000),
                  POSTQ_REASON_CHAIN_INVALID);
        free(pol);
    }
}

static void test_pcr_not_allowed(void **state)
{
    char pol[1024];

    (void)state;
    /* PCR0 of another document */
    snprintf(pol, sizeof(pol),
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"]},"
             "\"rootCertSha256\":\"" ROOT_SHA "\"}}",
             S[0].pcr0);
    at_expect(run_raw(S[1].raw, S[1].len, pol, S[1].ts_ms + 1000),
              POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
    /* one of several values matches */
    snprintf(pol, sizeof(pol),
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\",\"%s\"]},"
             "\"rootCertSha256\":\"" ROOT_SHA "\"}}",
             S[0].pcr0, S[1].pcr0);
    at_expect(run_raw(S[1].raw, S[1].len, pol, S[1].ts_ms + 1000), NULL);
    /* PCR8 (signing certificate) of another build */
    snprintf(pol, sizeof(pol),
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"],"
             "\"8\":[\"%s\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}}",
             S[1].pcr0, S[0].pcr8);
    at_expect(run_raw(S[1].raw, S[1].len, pol, S[1].ts_ms + 1000),
              POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
    /* a PCR the document does not carry */
    snprintf(pol, sizeof(pol),
             "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"%s\"],"
             "\"31\":[\"%s\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}}",
             S[1].pcr0, S[1].pcr0);
    at_expect(run_raw(S[1].raw, S[1].len, pol, S[1].ts_ms + 1000),
              POSTQ_REASON_MEASUREMENT_NOT_ALLOWED);
}

/* Offsets of the parts of a document: protected header, payload members, signature. */
struct parts {
    size_t prot, module_id, ts, pcr0, cert, cab1, cab0, sig, sig_len;
};

static void find_parts(const struct sample *s, struct parts *pt)
{
    struct postq_cbor d, p;
    size_t pay, v;

    assert_int_equal(postq_cbor_decode(&d, s->raw, s->len, NULL, 0), POSTQ_OK);
    pt->prot = (size_t)(d.nodes[postq_cbor_child(&d, 0, 0)].p - s->raw);
    pay = postq_cbor_child(&d, 0, 2);
    v = postq_cbor_child(&d, 0, 3);
    pt->sig = (size_t)(d.nodes[v].p - s->raw);
    pt->sig_len = d.nodes[v].len;
    assert_int_equal(postq_cbor_decode(&p, d.nodes[pay].p, d.nodes[pay].len, NULL, 0), POSTQ_OK);
    pt->module_id = (size_t)(p.nodes[postq_cbor_map_text(&p, 0, "module_id")].p - s->raw);
    pt->ts = p.nodes[postq_cbor_map_text(&p, 0, "timestamp")].end - 1 +
             (size_t)(d.nodes[pay].p - s->raw);
    v = postq_cbor_map_text(&p, 0, "pcrs");
    pt->pcr0 = (size_t)(p.nodes[postq_cbor_map_int(&p, v, 0)].p - s->raw);
    pt->cert = (size_t)(p.nodes[postq_cbor_map_text(&p, 0, "certificate")].p - s->raw);
    v = postq_cbor_map_text(&p, 0, "cabundle");
    pt->cab0 = (size_t)(p.nodes[postq_cbor_child(&p, v, 0)].p - s->raw);
    pt->cab1 = (size_t)(p.nodes[postq_cbor_child(&p, v, 1)].p - s->raw);
    postq_cbor_free(&p);
    postq_cbor_free(&d);
}

static void flip_expect(const struct sample *s, const char *pol, size_t at, const char *reason)
{
    uint8_t *b = malloc(s->len);
    memcpy(b, s->raw, s->len);
    b[at] ^= 0x01;
    at_expect(run_raw(b, s->len, pol, s->ts_ms + 1000), reason);
    free(b);
}

static void test_flip_each_part(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        char *pol = policy_for(&S[i], "\"allowDebug\":true");
        struct parts pt;
        find_parts(&S[i], &pt);
        flip_expect(&S[i], pol, pt.prot + 3, POSTQ_REASON_DOC_ALG_UNSUPPORTED); /* -35 -> -36 */
        flip_expect(&S[i], pol, pt.module_id + 2, POSTQ_REASON_DOC_SIGNATURE_INVALID);
        flip_expect(&S[i], pol, pt.ts, POSTQ_REASON_DOC_SIGNATURE_INVALID);
        flip_expect(&S[i], pol, pt.pcr0 + 5, POSTQ_REASON_DOC_SIGNATURE_INVALID);
        flip_expect(&S[i], pol, pt.sig + 10, POSTQ_REASON_DOC_SIGNATURE_INVALID);
        flip_expect(&S[i], pol, pt.sig + 60, POSTQ_REASON_DOC_SIGNATURE_INVALID);
        flip_expect(&S[i], pol, pt.cert + 300, POSTQ_REASON_CHAIN_INVALID);
        flip_expect(&S[i], pol, pt.cab1 + 300, POSTQ_REASON_CHAIN_INVALID);
        flip_expect(&S[i], pol, pt.cab0 + 300, POSTQ_REASON_CHAIN_INVALID); /* pin fails */
        free(pol);
    }
}

/* Every signature byte, and every 13th byte elsewhere: never a pass. */
static void test_flip_never_passes(void **state)
{
    const struct sample *s = &S[4];
    char *pol = policy_for(s, NULL);
    uint8_t *b = malloc(s->len);
    struct parts pt;

    (void)state;
    find_parts(s, &pt);
    memcpy(b, s->raw, s->len);
    for (size_t at = 0; at < s->len; at++) {
        const struct postq_attest_report *r;
        if (at % 13 != 0 && (at < pt.sig || at >= pt.sig + pt.sig_len)) {
            continue;
        }
        b[at] ^= 0x80;
        r = run_raw(b, s->len, pol, s->ts_ms + 1000);
        if (r->verdict.ok) {
            fail_msg("byte %zu flipped: still passes", at);
        }
        b[at] ^= 0x80;
    }
    free(b);
    free(pol);
}

static void test_truncated(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_S; i++) {
        char *pol = policy_for(&S[i], "\"allowDebug\":true");
        for (size_t n = 1; n < S[i].len; n += (i == 0 ? 1 : 97)) {
            at_expect(run_raw(S[i].raw, n, pol, S[i].ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
        }
        /* and a byte appended */
        {
            uint8_t *b = malloc(S[i].len + 1);
            memcpy(b, S[i].raw, S[i].len);
            b[S[i].len] = 0;
            at_expect(run_raw(b, S[i].len + 1, pol, S[i].ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
            free(b);
        }
        free(pol);
    }
}

/* ---- documents built here: the header rules and the PostQ binding ---- */

struct builder {
    uint8_t b[16384];
    size_t n;
};

static void put(struct builder *w, unsigned major, uint64_t v)
{
    assert_int_equal(postq_cbor_put_head(w->b, sizeof(w->b), &w->n, major, v), 0);
}

static void put_bytes(struct builder *w, unsigned major, const void *p, size_t len)
{
    put(w, major, len);
    if (len > 0) {
        memcpy(w->b + w->n, p, len);
    }
    w->n += len;
}

static void put_text(struct builder *w, const char *s)
{
    put_bytes(w, 3, s, strlen(s));
}

/* A COSE_Sign1 with the given protected header bytes, the sample's certificates, and the given
 * digest / PCR length / user_data / nonce; the signature is zeros. */
static size_t build(uint8_t *out, const uint8_t *prot, size_t prot_len, const char *digest,
                    size_t pcr_len, const uint8_t *user_data, size_t ud_len, const uint8_t *nonce,
                    size_t nonce_len)
{
    static struct builder pay, doc;
    struct postq_cbor d, p;
    size_t v, pl;
    uint8_t pcr[64], zero[96];
    const struct sample *s = &S[1];

    memset(pcr, 0xab, sizeof(pcr));
    memset(zero, 0, sizeof(zero));
    assert_int_equal(postq_cbor_decode(&d, s->raw, s->len, NULL, 0), POSTQ_OK);
    v = postq_cbor_child(&d, 0, 2);
    assert_int_equal(postq_cbor_decode(&p, d.nodes[v].p, d.nodes[v].len, NULL, 0), POSTQ_OK);
    pay.n = 0;
    put(&pay, 5, 9);
    put_text(&pay, "module_id");
    put_text(&pay, "i-0123456789abcdef0-enc0123456789abcdef");
    put_text(&pay, "digest");
    put_text(&pay, digest);
    put_text(&pay, "timestamp");
    put(&pay, 0, (uint64_t)s->ts_ms);
    put_text(&pay, "pcrs");
    put(&pay, 5, 3);
    for (unsigned i = 0; i < 3; i++) {
        put(&pay, 0, i);
        put_bytes(&pay, 2, pcr, pcr_len);
    }
    put_text(&pay, "certificate");
    v = postq_cbor_map_text(&p, 0, "certificate");
    put_bytes(&pay, 2, p.nodes[v].p, p.nodes[v].len);
    put_text(&pay, "cabundle");
    v = postq_cbor_map_text(&p, 0, "cabundle");
    {
        /* copy the cabundle array's encoding as is */
        const uint8_t *base = d.nodes[postq_cbor_child(&d, 0, 2)].p;
        memcpy(pay.b + pay.n, base + p.nodes[v].off, p.nodes[v].end - p.nodes[v].off);
        pay.n += p.nodes[v].end - p.nodes[v].off;
    }
    put_text(&pay, "public_key");
    put(&pay, 7, 22);
    put_text(&pay, "user_data");
    if (user_data != NULL) {
        put_bytes(&pay, 2, user_data, ud_len);
    } else {
        put(&pay, 7, 22);
    }
    put_text(&pay, "nonce");
    if (nonce != NULL) {
        put_bytes(&pay, 2, nonce, nonce_len);
    } else {
        put(&pay, 7, 22);
    }
    postq_cbor_free(&p);
    postq_cbor_free(&d);
    doc.n = 0;
    put(&doc, 4, 4);
    put_bytes(&doc, 2, prot, prot_len);
    put(&doc, 5, 0);
    put_bytes(&doc, 2, pay.b, pay.n);
    put_bytes(&doc, 2, zero, 96);
    pl = doc.n;
    memcpy(out, doc.b, pl);
    return pl;
}

static const char *POL_AB =
    "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\""
    "abababababababababababababababababababababababababababababababababababababababababababab"
    "abababab\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}}";

static void test_headers(void **state)
{
    static const uint8_t es384[] = {0xa1, 0x01, 0x38, 0x22};
    static const uint8_t es256[] = {0xa1, 0x01, 0x26};
    static const uint8_t text_alg[] = {0xa1, 0x01, 0x65, 'E', 'S', '3', '8', '4'};
    static const uint8_t crit[] = {0xa2, 0x01, 0x38, 0x22, 0x02, 0x81, 0x01};
    static const uint8_t dup[] = {0xa2, 0x01, 0x38, 0x22, 0x01, 0x38, 0x22};
    static const uint8_t notmap[] = {0x80};
    static uint8_t doc[16384];
    const struct sample *s = &S[1];
    size_t n;

    (void)state;
    n = build(doc, es384, sizeof(es384), "SHA384", 48, NULL, 0, NULL, 0);
    /* everything right but the (zero) signature */
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_SIGNATURE_INVALID);
    n = build(doc, es256, sizeof(es256), "SHA384", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    n = build(doc, text_alg, sizeof(text_alg), "SHA384", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    n = build(doc, NULL, 0, "SHA384", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    n = build(doc, crit, sizeof(crit), "SHA384", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    n = build(doc, es384, sizeof(es384), "SHA256", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_ALG_UNSUPPORTED);
    n = build(doc, dup, sizeof(dup), "SHA384", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
    n = build(doc, notmap, sizeof(notmap), "SHA384", 48, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
    n = build(doc, es384, sizeof(es384), "SHA384", 40, NULL, 0, NULL, 0);
    at_expect(run_raw(doc, n, POL_AB, s->ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
}

/* user_data "PQA1" || alg || payloadSha256 || sigSha256 || publicKeySha256 || counter and a
 * 32-byte nonce become the normalized claims (the signature fails: the claims are still read). */
static void test_binding(void **state)
{
    static uint8_t doc[16384];
    static const uint8_t es384[] = {0xa1, 0x01, 0x38, 0x22};
    uint8_t ud[109], nonce[32];
    const struct postq_attest_report *r;
    size_t n;

    (void)state;
    memcpy(ud, "PQA1", 4);
    ud[4] = 2;
    memset(ud + 5, 0x11, 32);
    memset(ud + 37, 0x22, 32);
    memset(ud + 69, 0x33, 32);
    memset(ud + 101, 0, 7);
    ud[108] = 42;
    memset(nonce, 0x44, 32);
    n = build(doc, es384, sizeof(es384), "SHA384", 48, ud, sizeof(ud), nonce, sizeof(nonce));
    r = run_raw(doc, n, POL_AB, S[1].ts_ms + 1000);
    at_expect(r, POSTQ_REASON_DOC_SIGNATURE_INVALID);
    assert_int_equal(r->have_claims, 1);
    assert_true((r->claims.have & (POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_SIG_SHA256 |
                                   POSTQ_CLAIM_KEY | POSTQ_CLAIM_COUNTER | POSTQ_CLAIM_NONCE)) ==
                (POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_SIG_SHA256 | POSTQ_CLAIM_KEY |
                 POSTQ_CLAIM_COUNTER | POSTQ_CLAIM_NONCE));
    assert_string_equal(r->claims.algorithm, "mldsa65+ed25519");
    assert_int_equal(r->claims.payload_sha256[0], 0x11);
    assert_int_equal(r->claims.sig_sha256[31], 0x22);
    assert_int_equal(r->claims.public_key_sha256[5], 0x33);
    assert_int_equal(r->claims.counter, 42);
    assert_int_equal(r->claims.nonce[0], 0x44);
    /* an unknown algorithm code is malformed; another length or magic is no binding */
    ud[4] = 9;
    n = build(doc, es384, sizeof(es384), "SHA384", 48, ud, sizeof(ud), nonce, sizeof(nonce));
    at_expect(run_raw(doc, n, POL_AB, S[1].ts_ms + 1000), POSTQ_REASON_DOC_MALFORMED);
    ud[4] = 2;
    n = build(doc, es384, sizeof(es384), "SHA384", 48, ud, sizeof(ud) - 1, nonce, 31);
    r = run_raw(doc, n, POL_AB, S[1].ts_ms + 1000);
    assert_int_equal(r->claims.have & (POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_NONCE), 0);
    /* the real documents carry none */
    r = run_raw(S[1].raw, S[1].len, POL_AB, S[1].ts_ms + 1000);
    assert_int_equal(r->claims.have & (POSTQ_CLAIM_PAYLOAD_SHA256 | POSTQ_CLAIM_NONCE), 0);
}

/* A binding asked for but absent: payload_hash_mismatch / nonce_mismatch. */
static void test_binding_absent(void **state)
{
    static struct postq_attest_report r;
    char *pol = policy_for(&S[1], NULL), *b64 = md_b64(S[1].raw, S[1].len);
    struct postq_attest_input in;
    uint8_t nonce[32] = {0};

    (void)state;
    memset(&in, 0, sizeof(in));
    in.payload = (const uint8_t *)"x";
    in.payload_len = 1;
    assert_int_equal(postq_attest_verify_ex(b64, pol, &in, S[1].ts_ms + 1000, &r), POSTQ_OK);
    at_expect(&r, POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    memset(&in, 0, sizeof(in));
    in.nonce = nonce;
    in.vendor = "aws-nitro-enclave";
    assert_int_equal(postq_attest_verify_ex(b64, pol, &in, S[1].ts_ms + 1000, &r), POSTQ_OK);
    at_expect(&r, POSTQ_REASON_NONCE_MISMATCH);
    /* declared as another vendor's */
    in.vendor = "mock";
    assert_int_equal(postq_attest_verify_ex(b64, pol, &in, S[1].ts_ms + 1000, &r), POSTQ_OK);
    at_expect(&r, POSTQ_REASON_VENDOR_MISMATCH);
    /* via the contract entry point */
    {
        postq_verdict v;
        assert_int_equal(postq_attest_verify(b64, "aws-nitro-enclave", pol, NULL, 0, NULL, 0,
                                             S[1].ts_ms + 1000, &v),
                         POSTQ_OK);
        assert_int_equal(v.ok, 1);
        assert_int_equal(postq_attest_verify(b64, "aws-nitro-enclave", pol, NULL, 0, NULL, 0,
                                             S[1].until_ms + 1000, &v),
                         POSTQ_OK);
        assert_int_equal(v.ok, 0);
        assert_string_equal(v.reason, POSTQ_REASON_CHAIN_INVALID);
    }
    free(b64);
    free(pol);
}

static void test_rules(void **state)
{
    static const struct {
        const char *rules, *field;
    } bad[] = {
        {"{\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs"},
        {"{\"pcrs\":{},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs"},
        {"{\"pcrs\":[],\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs"},
        {"{\"pcrs\":{\"32\":[\"00\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.32"},
        {"{\"pcrs\":{\"01\":[\"00\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.01"},
        {"{\"pcrs\":{\"x\":[\"00\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.x"},
        {"{\"pcrs\":{\"0\":[]},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.0"},
        {"{\"pcrs\":{\"0\":\"ab\"},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.0"},
        {"{\"pcrs\":{\"0\":[\"00\"]},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.0[0]"},
        {"{\"pcrs\":{\"8\":[1]},\"rootCertSha256\":\"" ROOT_SHA "\"}", "matchRules.pcrs.8[0]"},
        {"{\"pcrs\":{\"0\":[\"" ROOT_SHA ROOT_SHA "\"]}}", "matchRules.rootCertSha256"},
        {"{\"pcrs\":{\"0\":[\"" ROOT_SHA "\"]},\"rootCertSha256\":\"641A\"}",
         "matchRules.rootCertSha256"},
        {"{\"pcrs\":{\"0\":[\"" ROOT_SHA "\"]},\"rootCertB64\":\"!!\"}", "matchRules.rootCertB64"},
        {"{\"pcrs\":{\"0\":[\"" ROOT_SHA
         "\"]},\"rootCertB64\":\"AAAA\",\"rootCertSha256\":\"" ROOT_SHA "\"}",
         "matchRules.rootCertB64"},
        {"{\"pcrs\":{\"0\":[\"" ROOT_SHA "\"]},\"rootCertSha256\":\"" ROOT_SHA
         "\",\"allowDebug\":1}",
         "matchRules.allowDebug"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char pol[1024];
        postq_verdict v;
        int err;
        snprintf(pol, sizeof(pol), "{\"vendor\":\"aws-nitro-enclave\",\"matchRules\":%s}",
                 bad[i].rules);
        err = postq_attest_verify(S[1].raw == NULL ? "" : "AAAA", NULL, pol, NULL, 0, NULL, 0,
                                  S[1].ts_ms, &v);
        if (err != POSTQ_E_MALFORMED || strstr(v.detail, bad[i].field) == NULL) {
            fail_msg("%s: got %d \"%s\", want %s", bad[i].rules, err, v.detail, bad[i].field);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_pass),   cmocka_unit_test(test_debug),
        cmocka_unit_test(test_wrong_root),     cmocka_unit_test(test_root_as_bytes),
        cmocka_unit_test(test_time_outside),   cmocka_unit_test(test_pcr_not_allowed),
        cmocka_unit_test(test_flip_each_part), cmocka_unit_test(test_flip_never_passes),
        cmocka_unit_test(test_truncated),      cmocka_unit_test(test_headers),
        cmocka_unit_test(test_binding),        cmocka_unit_test(test_binding_absent),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
