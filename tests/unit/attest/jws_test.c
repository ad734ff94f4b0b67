/* SPDX-License-Identifier: Apache-2.0 */
/* src/attest/jws.c: the strict JWS compact parser and the Ed25519 signer. A good document
 * parses and verifies; every truncation, each kind of encoding fault, header fault and size
 * over a cap is refused. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/jws.h"
#include "common/base64.h"
#include "crypto/ed.h"
#include "mockdoc.h"

static uint8_t SEED[32];
static uint8_t PK[32];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < 32; i++) {
        SEED[i] = (uint8_t)(200 - i);
    }
    assert_int_equal(postq_ed_keypair(POSTQ_ED25519, SEED, PK), POSTQ_OK);
    return 0;
}

static struct postq_jws JWS; /* large: not on the stack */

static postq_err parse_str(const char *s, char *detail, size_t cap)
{
    return postq_jws_parse(&JWS, (const uint8_t *)s, strlen(s), detail, cap);
}

static void expect_bad(const char *s, postq_err want)
{
    char detail[160];
    postq_err err = parse_str(s, detail, sizeof(detail));

    if (err != want) {
        fail_msg("\"%.80s\": got %d, want %d (%s)", s, err, want, detail);
    }
    assert_true(strlen(detail) > 0);
    assert_int_equal(JWS.payload_len, 0);
    assert_int_equal(JWS.signing_input_len, 0);
}

static void test_sign_parse_verify(void **state)
{
    char *jws = md_jws_raw(MD_HEADER, "{\"a\":1}", SEED);
    char detail[160];
    const char *dot2 = strrchr(jws, '.');

    (void)state;
    assert_int_equal(parse_str(jws, detail, sizeof(detail)), POSTQ_OK);
    assert_string_equal(detail, "");
    assert_string_equal(JWS.alg, "Ed25519");
    assert_string_equal(JWS.typ, POSTQ_JWS_TYP_ATTESTATION);
    assert_string_equal(JWS.kid, "root-1");
    assert_int_equal(JWS.has_typ, 1);
    assert_int_equal(JWS.has_kid, 1);
    assert_int_equal(JWS.has_crit, 0);
    assert_int_equal(JWS.payload_len, 7);
    assert_memory_equal(JWS.payload, "{\"a\":1}", 7);
    assert_int_equal(JWS.sig_len, 64);
    assert_int_equal(JWS.signing_input_len, (size_t)(dot2 - jws));
    /* RFC 7515 §5.2: the signature is over ASCII(b64url(header) "." b64url(payload)). */
    assert_int_equal(postq_ed_verify(POSTQ_ED25519, PK, (const uint8_t *)jws,
                                     JWS.signing_input_len, JWS.sig, JWS.sig_len),
                     POSTQ_OK);
    free(jws);
}

static void test_truncated_at_every_length(void **state)
{
    char *jws = md_jws_raw(MD_HEADER, "{\"a\":1}", SEED);
    size_t n = strlen(jws);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(postq_jws_parse(&JWS, (const uint8_t *)jws, i, NULL, 0), POSTQ_OK);
    }
    assert_int_equal(postq_jws_parse(&JWS, (const uint8_t *)jws, n, NULL, 0), POSTQ_OK);
    free(jws);
}

static void test_shape_and_encoding(void **state)
{
    char *jws = md_jws_raw(MD_HEADER, "{\"a\":1}", SEED);
    size_t n = strlen(jws);
    char *buf = malloc(n + 8);
    char *dot1 = strchr(jws, '.'), *dot2 = strrchr(jws, '.');
    size_t i1 = (size_t)(dot1 - jws), i2 = (size_t)(dot2 - jws);

    (void)state;
    expect_bad("", POSTQ_E_MALFORMED);
    expect_bad("..", POSTQ_E_MALFORMED);
    expect_bad("abc", POSTQ_E_MALFORMED);
    expect_bad("e30.e30", POSTQ_E_MALFORMED);
    expect_bad("e30..", POSTQ_E_MALFORMED);
    expect_bad(".e30.", POSTQ_E_MALFORMED);
    /* Four parts. */
    snprintf(buf, n + 8, "%s.", jws);
    expect_bad(buf, POSTQ_E_MALFORMED);
    /* Padding, whitespace, the standard alphabet: at the end of each part. */
    static const char *const junk[] = {"=", " ", "\n", "+", "/", "\0"};
    for (size_t j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
        size_t at[3] = {i1, i2, n};
        for (size_t k = 0; k < 3; k++) {
            memcpy(buf, jws, at[k]);
            buf[at[k]] = junk[j][0];
            memcpy(buf + at[k] + 1, jws + at[k], n - at[k] + 1);
            assert_int_not_equal(postq_jws_parse(&JWS, (const uint8_t *)buf, n + 1, NULL, 0),
                                 POSTQ_OK);
        }
    }
    /* A non-canonical last character of the signature (unused bits set): 64 bytes are 86
     * characters, the last carrying 4 unused bits. */
    memcpy(buf, jws, n + 1);
    buf[n - 1] = (char)(buf[n - 1] == 'A' ? 'B' : 'A');
    {
        char detail[160];
        postq_err err = postq_jws_parse(&JWS, (const uint8_t *)buf, n, detail, sizeof(detail));
        /* Either non-canonical, or a canonical change (then the parse succeeds and the
         * signature no longer verifies). */
        if (err == POSTQ_OK) {
            assert_int_not_equal(postq_ed_verify(POSTQ_ED25519, PK, (const uint8_t *)buf,
                                                 JWS.signing_input_len, JWS.sig, JWS.sig_len),
                                 POSTQ_OK);
        }
    }
    memcpy(buf, jws, n + 1);
    buf[n - 1] = 'B'; /* 'B' = 000001: a set unused bit in the last character */
    if (strchr("AQgw", jws[n - 1]) != NULL) {
        expect_bad(buf, POSTQ_E_MALFORMED);
    }
    free(buf);
    free(jws);
}

static void test_header_rules(void **state)
{
    static const char *const bad_headers[] = {
        "[]", "\"Ed25519\"", "null", "{", "{\"alg\":\"Ed25519\"} x", "{\"alg\":1}",
        "{\"typ\":\"postq-attestation+jws\"}", "{\"alg\":\"Ed25519\",\"alg\":\"none\"}",
        "{\"alg\":\"Ed25519\",\"typ\":7}", "{\"alg\":\"Ed25519\",\"kid\":{}}",
        "{\"alg\":\"Ed\\u0000\"}", "{\"alg\":\"Ed25519\",\"x\":\"\xff\"}",
        "\xef\xbb\xbf{\"alg\":\"Ed25519\"}",
        "{\"alg\":\"Ed25519xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
        char *jws = md_jws_raw(bad_headers[i], "{}", SEED);
        expect_bad(jws, POSTQ_E_MALFORMED);
        free(jws);
    }
    /* Recorded, not judged: the verifier decides about alg, typ and crit. */
    {
        char *jws = md_jws_raw("{\"alg\":\"none\",\"crit\":[\"b64\"],\"b64\":false}", "{}", SEED);
        assert_int_equal(parse_str(jws, NULL, 0), POSTQ_OK);
        assert_string_equal(JWS.alg, "none");
        assert_int_equal(JWS.has_crit, 1);
        assert_int_equal(JWS.has_typ, 0);
        assert_int_equal(JWS.has_kid, 0);
        free(jws);
    }
    assert_int_equal(postq_jws_alg_is_ed25519("Ed25519"), 1);
    assert_int_equal(postq_jws_alg_is_ed25519("EdDSA"), 1);
    assert_int_equal(postq_jws_alg_is_ed25519("ed25519"), 0);
    assert_int_equal(postq_jws_alg_is_ed25519("Ed448"), 0);
    assert_int_equal(postq_jws_alg_is_ed25519(NULL), 0);
}

/* header.payload.signature from raw parts. */
static char *assemble(const uint8_t *h, size_t hn, const uint8_t *p, size_t pn, const uint8_t *s,
                      size_t sn)
{
    size_t cap = 4 * (hn + pn + sn) / 3 + 16, a = 0, b = 0, c = 0;
    char *out = malloc(cap);

    assert_int_equal(postq_base64_encode(out, cap, &a, h, hn, POSTQ_B64_URL), POSTQ_OK);
    out[a++] = '.';
    assert_int_equal(postq_base64_encode(out + a, cap - a, &b, p, pn, POSTQ_B64_URL), POSTQ_OK);
    a += b;
    out[a++] = '.';
    assert_int_equal(postq_base64_encode(out + a, cap - a, &c, s, sn, POSTQ_B64_URL), POSTQ_OK);
    return out;
}

static void test_caps(void **state)
{
    static uint8_t big[20000];
    static const char hdr[] = "{\"alg\":\"Ed25519\"}";
    static const char none[] = "{\"alg\":\"none\"}";
    uint8_t sig[POSTQ_JWS_SIG_MAX + 1];
    char *s;

    (void)state;
    memset(big, ' ', sizeof(big));
    memset(sig, 7, sizeof(sig));
    /* Header: 1024 bytes pass, 1025 do not (JSON padded with spaces). */
    memcpy(big, hdr, sizeof(hdr) - 1);
    big[1023] = '}';
    big[sizeof(hdr) - 2] = ' ';
    s = assemble(big, 1024, (const uint8_t *)"{}", 2, sig, 64);
    assert_int_equal(parse_str(s, NULL, 0), POSTQ_OK);
    free(s);
    big[1023] = ' ';
    big[1024] = '}';
    s = assemble(big, 1025, (const uint8_t *)"{}", 2, sig, 64);
    expect_bad(s, POSTQ_E_TOO_LARGE);
    free(s);
    /* Payload: 8192 pass, 8193 do not. */
    memset(big, 'p', sizeof(big));
    s = assemble((const uint8_t *)hdr, sizeof(hdr) - 1, big, 8192, sig, 64);
    assert_int_equal(parse_str(s, NULL, 0), POSTQ_OK);
    assert_int_equal(JWS.payload_len, 8192);
    free(s);
    s = assemble((const uint8_t *)hdr, sizeof(hdr) - 1, big, 8193, sig, 64);
    expect_bad(s, POSTQ_E_TOO_LARGE);
    free(s);
    /* Signature: exactly 64 for Ed25519, 3373 for ML-DSA-65-Ed25519; up to POSTQ_JWS_SIG_MAX
     * (and empty) for an alg to be refused. */
    s = assemble((const uint8_t *)hdr, sizeof(hdr) - 1, (const uint8_t *)"{}", 2, sig, 63);
    expect_bad(s, POSTQ_E_MALFORMED);
    free(s);
    s = assemble((const uint8_t *)hdr, sizeof(hdr) - 1, (const uint8_t *)"{}", 2, sig, 65);
    expect_bad(s, POSTQ_E_MALFORMED);
    free(s);
    s = assemble((const uint8_t *)none, sizeof(none) - 1, (const uint8_t *)"{}", 2, sig, 0);
    assert_int_equal(parse_str(s, NULL, 0), POSTQ_OK);
    assert_int_equal(JWS.sig_len, 0);
    free(s);
    {
        static const char comp[] = "{\"alg\":\"ML-DSA-65-Ed25519\"}";
        s = assemble((const uint8_t *)comp, sizeof(comp) - 1, (const uint8_t *)"{}", 2, sig, 3373);
        assert_int_equal(parse_str(s, NULL, 0), POSTQ_OK);
        free(s);
        s = assemble((const uint8_t *)comp, sizeof(comp) - 1, (const uint8_t *)"{}", 2, sig, 3372);
        expect_bad(s, POSTQ_E_MALFORMED);
        free(s);
        s = assemble((const uint8_t *)comp, sizeof(comp) - 1, (const uint8_t *)"{}", 2, sig, 64);
        expect_bad(s, POSTQ_E_MALFORMED);
        free(s);
    }
    s = assemble((const uint8_t *)none, sizeof(none) - 1, (const uint8_t *)"{}", 2, sig,
                 POSTQ_JWS_SIG_MAX);
    assert_int_equal(parse_str(s, NULL, 0), POSTQ_OK);
    free(s);
    s = assemble((const uint8_t *)none, sizeof(none) - 1, (const uint8_t *)"{}", 2, sig,
                 POSTQ_JWS_SIG_MAX + 1);
    expect_bad(s, POSTQ_E_TOO_LARGE);
    free(s);
    /* The whole document: over 16 KiB refused before anything else. */
    memset(big, 'A', sizeof(big));
    assert_int_equal(postq_jws_parse(&JWS, big, POSTQ_JWS_MAX + 1, NULL, 0), POSTQ_E_TOO_LARGE);
    /* Arguments. */
    assert_int_equal(postq_jws_parse(NULL, big, 1, NULL, 0), POSTQ_E_ARG);
    assert_int_equal(postq_jws_parse(&JWS, NULL, 1, NULL, 0), POSTQ_E_ARG);
    assert_int_equal(postq_jws_sign_ed25519(NULL, big, 1, big, 1, SEED), POSTQ_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_parse_verify),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_shape_and_encoding),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
