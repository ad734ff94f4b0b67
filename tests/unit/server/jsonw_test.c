/* SPDX-License-Identifier: Apache-2.0 */
/* src/server/jsonw.c: the writer's text is byte for byte jansson's JSON_COMPACT dump of the
 * same values (every control character, quotes, backslash, DEL, UTF-8 of every length, numbers
 * at both ends, nesting); invalid UTF-8 is refused where jansson refuses it; misuse (a key
 * outside an object, a key without its value, too deep, unclosed) and a full buffer are
 * errors that stick; and a sign result written by postq_api_sig_write equals the jansson
 * object docs/formats.md describes, with and without attestation. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/buf.h"
#include "server/server.h"

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    assert_non_null(s);
    json_decref(j);
    return s;
}

static void assert_same(struct postq_jsonw *w, struct postq_buf *b, json_t *j)
{
    char *want = dump(j);
    assert_int_equal(postq_jsonw_finish(w), POSTQ_OK);
    if (b->len != strlen(want) || memcmp(b->p, want, b->len) != 0) {
        size_t i = 0;
        while (i < b->len && want[i] == (char)b->p[i]) {
            i++;
        }
        i = i > 20 ? i - 20 : 0;
        fail_msg("differs at byte %zu: writer \"%.60s\", jansson \"%.60s\"", i,
                 (const char *)b->p + i, want + i);
    }
    free(want);
}

static void test_strings_match_jansson(void **state)
{
    char s[160];
    size_t n = 0;
    struct postq_buf b;
    struct postq_jsonw w;
    (void)state;

    /* Every byte below 0x80 once, then UTF-8 of two, three and four bytes. */
    for (unsigned c = 1; c < 0x80; c++) {
        s[n++] = (char)c;
    }
    memcpy(s + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91\xef\xbf\xbf\xf4\x8f\xbf\xbf", 16);
    n += 16;
    postq_buf_init(&b, 4096);
    postq_jsonw_init(&w, &b);
    postq_jsonw_arr_begin(&w);
    postq_jsonw_strn(&w, s, n);
    postq_jsonw_strn(&w, "a\0b", 3); /* NUL inside: \u0000, as jansson */
    postq_jsonw_str(&w, "");
    postq_jsonw_arr_end(&w);
    assert_same(&w, &b,
                json_pack("[s%,s%,s]", s, n, "a\0b", (size_t)3, ""));
    postq_buf_free(&b);
}

/* The 8-bytes-at-a-time skip over plain text: each byte that needs a look ('"', '\\', a control
 * character, the lead byte of a UTF-8 sequence, and the edges 0x1F / 0x20 / 0x7F) at every offset
 * 0..40 of a plain run, in strings of every length 0..48 around it. */
static void test_special_bytes_at_every_offset(void **state)
{
    static const char *const specials[] = {"\"", "\\", "\x01", "\x1f", "\n", "\x7f", " ",
                                           "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x91"};
    (void)state;

    for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
        for (size_t off = 0; off <= 40; off++) {
            for (size_t tail = 0; tail <= 8; tail++) {
                char s[64];
                size_t n = 0, sl = strlen(specials[k]);
                struct postq_buf b;
                struct postq_jsonw w;

                for (size_t i = 0; i < off; i++) {
                    s[n++] = (char)('A' + i % 26);
                }
                memcpy(s + n, specials[k], sl);
                n += sl;
                for (size_t i = 0; i < tail; i++) {
                    s[n++] = (char)('a' + i);
                }
                postq_buf_init(&b, 4096);
                postq_jsonw_init(&w, &b);
                postq_jsonw_arr_begin(&w);
                postq_jsonw_strn(&w, s, n);
                postq_jsonw_arr_end(&w);
                assert_same(&w, &b, json_pack("[s%]", s, n));
                postq_buf_free(&b);
            }
        }
    }
}

static void test_values_and_nesting(void **state)
{
    static const uint8_t bytes[] = {0x00, 0xff, 0x10, 0x80, 0x7f};
    struct postq_buf b;
    struct postq_jsonw w;
    json_t *j;
    (void)state;

    postq_buf_init(&b, 4096);
    postq_jsonw_init(&w, &b);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "min");
    postq_jsonw_int(&w, INT64_MIN);
    postq_jsonw_key(&w, "max");
    postq_jsonw_int(&w, INT64_MAX);
    postq_jsonw_key(&w, "zero");
    postq_jsonw_int(&w, 0);
    postq_jsonw_key(&w, "none");
    postq_jsonw_null(&w);
    postq_jsonw_key(&w, "k\"\\\n");
    postq_jsonw_arr_begin(&w);
    postq_jsonw_arr_begin(&w);
    postq_jsonw_arr_end(&w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_obj_end(&w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "hex");
    postq_jsonw_hex(&w, bytes, sizeof(bytes));
    postq_jsonw_key(&w, "b64");
    postq_jsonw_b64(&w, bytes, sizeof(bytes));
    postq_jsonw_key(&w, "b64empty");
    postq_jsonw_b64(&w, bytes, 0);
    postq_jsonw_obj_end(&w);
    postq_jsonw_int(&w, -1);
    postq_jsonw_arr_end(&w);
    postq_jsonw_obj_end(&w);
    j = json_pack("{s:I,s:I,s:i,s:n,s:[[],{},{s:s,s:s,s:s},i]}", "min", (json_int_t)INT64_MIN,
                  "max", (json_int_t)INT64_MAX, "zero", 0, "none", "k\"\\\n", "hex",
                  "00ff10807f", "b64", "AP8QgH8=", "b64empty", "", -1);
    assert_non_null(j);
    assert_same(&w, &b, j);
    postq_buf_free(&b);
}

static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "\x80",             /* stray continuation */
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\x80",     /* overlong */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", "\xff", "\xc3",  "\xe2\x82", "\xf0\x9f\x94", "\xc3\x28",
    };
    struct postq_buf b;
    struct postq_jsonw w;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(json_string(bad[i])); /* jansson refuses it too */
        postq_buf_init(&b, 4096);
        postq_jsonw_init(&w, &b);
        postq_jsonw_arr_begin(&w);
        postq_jsonw_str(&w, bad[i]);
        postq_jsonw_arr_end(&w);
        assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_INVALID);
        postq_buf_free(&b);
    }
}

static void test_misuse_and_full(void **state)
{
    struct postq_buf b;
    struct postq_jsonw w;
    (void)state;

    postq_buf_init(&b, 4096);
    postq_jsonw_init(&w, &b); /* a key at the top level */
    postq_jsonw_key(&w, "a");
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_ARG);
    postq_buf_reset(&b);

    postq_jsonw_init(&w, &b); /* a key in an array */
    postq_jsonw_arr_begin(&w);
    postq_jsonw_key(&w, "a");
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_ARG);
    postq_buf_reset(&b);

    postq_jsonw_init(&w, &b); /* a key without its value */
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "a");
    postq_jsonw_obj_end(&w);
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_ARG);
    postq_buf_reset(&b);

    postq_jsonw_init(&w, &b); /* two keys in a row */
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "a");
    postq_jsonw_key(&w, "b");
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_ARG);
    postq_buf_reset(&b);

    postq_jsonw_init(&w, &b); /* unclosed */
    postq_jsonw_obj_begin(&w);
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_ARG);
    postq_buf_reset(&b);

    postq_jsonw_init(&w, &b); /* closing what is not open */
    postq_jsonw_arr_end(&w);
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_ARG);
    postq_buf_reset(&b);

    postq_jsonw_init(&w, &b); /* too deep: JSONW_DEPTH levels fit, one more does not */
    for (int i = 0; i < JSONW_DEPTH; i++) {
        postq_jsonw_arr_begin(&w);
    }
    assert_int_equal(w.err, POSTQ_OK);
    postq_jsonw_arr_begin(&w);
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_LENGTH);
    postq_buf_free(&b);

    /* A buffer too small: the error sticks and later calls change nothing. */
    postq_buf_init(&b, 16);
    postq_jsonw_init(&w, &b);
    postq_jsonw_arr_begin(&w);
    postq_jsonw_str(&w, "0123456789abcdef");
    postq_jsonw_int(&w, 1);
    postq_jsonw_arr_end(&w);
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_TOO_LARGE);
    assert_true(b.len <= 16);
    postq_buf_free(&b);

    postq_buf_init(&b, 40);
    postq_jsonw_init(&w, &b);
    postq_jsonw_b64(&w, (const uint8_t *)"0123456789012345678901234567890123456789", 40);
    assert_int_equal(postq_jsonw_finish(&w), POSTQ_E_TOO_LARGE);
    postq_buf_free(&b);
}

/* The sign result as a jansson object, as the API built it before the writer. */
static json_t *sig_jansson(const struct postq_store_sig *s, const char *created, const char *b64)
{
    json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "id", s->id, "keyId", s->key_id,
                          "keyVersion", (json_int_t)s->key_version, "algorithm", s->algorithm,
                          "payloadSha256",
                          "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                          "signatureB64", b64, "createdAt", created);
    if (s->has_attestation) {
        json_t *att = json_pack("{s:s,s:s,s:I,s:s,s:s}", "vendor", s->att.vendor, "imageHash",
                                s->att.image_hash, "counter", (json_int_t)s->att.counter,
                                "docB64", s->att.doc_b64, "verdict",
                                s->att.verdict == POSTQ_STORE_VERDICT_PASS ? "pass" : "fail");
        if (s->att.verdict != POSTQ_STORE_VERDICT_PASS) {
            json_object_set_new(att, "reason", json_string(s->att.reason));
        }
        json_object_set_new(o, "attestation", att);
    }
    return o;
}

static void test_sign_result(void **state)
{
    struct postq_store_sig s;
    uint8_t sig[3309];
    char b64[4500];
    struct postq_buf b;
    struct postq_jsonw w;
    (void)state;

    memset(&s, 0, sizeof(s));
    for (size_t i = 0; i < sizeof(sig); i++) {
        sig[i] = (uint8_t)(i * 7 + 3);
    }
    for (size_t i = 0; i < 32; i++) {
        s.payload_sha256[i] = (uint8_t)i;
    }
    assert_int_equal(postq_base64_encode(b64, sizeof(b64), NULL, sig, sizeof(sig), POSTQ_B64_STD),
                     POSTQ_OK);
    strcpy(s.id, "sig_0123456789abcdef");
    strcpy(s.key_id, "key_0123456789abcdef");
    strcpy(s.algorithm, "mldsa65+ed25519");
    s.key_version = 3;
    s.signature.p = sig;
    s.signature.len = sizeof(sig);
    s.created_at = 1795737600123; /* 2026-11-27T00:00:00.123Z */

    for (int round = 0; round < 3; round++) {
        s.has_attestation = round > 0;
        strcpy(s.att.vendor, "mock");
        strcpy(s.att.image_hash, "ab12");
        s.att.counter = 9007199254740993;
        s.att.doc_b64 = "eyJhbGciOiJFZERTQSJ9.e30.c2ln";
        s.att.verdict = round == 2 ? POSTQ_STORE_VERDICT_FAIL : POSTQ_STORE_VERDICT_PASS;
        strcpy(s.att.reason, round == 2 ? "image_not_allowed" : "");
        postq_buf_init(&b, 65536);
        postq_jsonw_init(&w, &b);
        postq_api_sig_write(&w, &s);
        assert_same(&w, &b, sig_jansson(&s, "2026-11-27T00:00:00.123Z", b64));
        postq_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_match_jansson),
        cmocka_unit_test(test_special_bytes_at_every_offset),
        cmocka_unit_test(test_values_and_nesting),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_misuse_and_full),
        cmocka_unit_test(test_sign_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
