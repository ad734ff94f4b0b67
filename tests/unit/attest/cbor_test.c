/* SPDX-License-Identifier: Apache-2.0 */
/* The strict CBOR decoder (src/attest/cbor.c): RFC 8949 Appendix A examples, every rule of
 * cbor.h's table with its negative, truncation at every length, and the real Nitro documents. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/cbor.h"
#include "common/mem.h"

static postq_err dec_hex(struct postq_cbor *doc, const char *hex, char *detail, size_t cap)
{
    size_t len = 0;
    uint8_t *b = tl_hex(hex, &len);
    static uint8_t keep[4096]; /* the doc borrows the input */
    postq_err err;

    assert_true(len <= sizeof(keep));
    memcpy(keep, b, len);
    free(b);
    err = postq_cbor_decode(doc, keep, len, detail, cap);
    return err;
}

static void test_well_formed(void **state)
{
    static const struct {
        const char *hex;
        enum postq_cbor_type type;
        uint64_t val;
        size_t nodes;
    } ok[] = {
        {"00", POSTQ_CBOR_UINT, 0, 1},
        {"17", POSTQ_CBOR_UINT, 23, 1},
        {"1818", POSTQ_CBOR_UINT, 24, 1},
        {"1903e8", POSTQ_CBOR_UINT, 1000, 1},
        {"1bffffffffffffffff", POSTQ_CBOR_UINT, UINT64_MAX, 1},
        {"1800", POSTQ_CBOR_UINT, 0, 1}, /* not shortest: accepted */
        {"20", POSTQ_CBOR_NINT, 0, 1},
        {"3863", POSTQ_CBOR_NINT, 99, 1},
        {"40", POSTQ_CBOR_BYTES, 0, 1},
        {"4401020304", POSTQ_CBOR_BYTES, 0, 1},
        {"6449455446", POSTQ_CBOR_TEXT, 0, 1},
        {"62c3bc", POSTQ_CBOR_TEXT, 0, 1},
        {"64f0908591", POSTQ_CBOR_TEXT, 0, 1},
        {"80", POSTQ_CBOR_ARRAY, 0, 1},
        {"83010203", POSTQ_CBOR_ARRAY, 3, 4},
        {"8301820203820405", POSTQ_CBOR_ARRAY, 3, 8},
        {"a0", POSTQ_CBOR_MAP, 0, 1},
        {"a201020304", POSTQ_CBOR_MAP, 2, 5},
        {"a26161016162820203", POSTQ_CBOR_MAP, 2, 7},
        {"c074323031332d30332d32315432303a30343a30305a", POSTQ_CBOR_TAG, 0, 2},
        {"d28440a040f6", POSTQ_CBOR_TAG, 18, 6},
        {"f4", POSTQ_CBOR_SIMPLE, POSTQ_CBOR_FALSE, 1},
        {"f5", POSTQ_CBOR_SIMPLE, POSTQ_CBOR_TRUE, 1},
        {"f6", POSTQ_CBOR_SIMPLE, POSTQ_CBOR_NULL, 1},
        {"f7", POSTQ_CBOR_SIMPLE, POSTQ_CBOR_UNDEFINED, 1},
        {"f93c00", POSTQ_CBOR_FLOAT, 0x3c00, 1},
        {"fa47c35000", POSTQ_CBOR_FLOAT, 0x47c35000, 1},
        {"fb3ff199999999999a", POSTQ_CBOR_FLOAT, 0x3ff199999999999aull, 1},
        /* indefinite lengths */
        {"5f42010243030405ff", POSTQ_CBOR_BYTES, 0, 1},
        {"7f657374726561646d696e67ff", POSTQ_CBOR_TEXT, 0, 1},
        {"5fff", POSTQ_CBOR_BYTES, 0, 1},
        {"9fff", POSTQ_CBOR_ARRAY, 0, 1},
        {"9f018202039f0405ffff", POSTQ_CBOR_ARRAY, 3, 8},
        {"bf61610161629f0203ffff", POSTQ_CBOR_MAP, 2, 7},
        {"bf6346756ef563416d7421ff", POSTQ_CBOR_MAP, 2, 5},
        /* null-valued optional member, as Nitro documents have */
        {"a26a7075626c69635f6b6579f6656e6f6e6365f6", POSTQ_CBOR_MAP, 2, 5},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct postq_cbor doc;
        char detail[128];
        postq_err err = dec_hex(&doc, ok[i].hex, detail, sizeof(detail));
        if (err != POSTQ_OK) {
            fail_msg("%s: %s", ok[i].hex, detail);
        }
        assert_int_equal(doc.nodes[0].type, ok[i].type);
        if (ok[i].type != POSTQ_CBOR_BYTES && ok[i].type != POSTQ_CBOR_TEXT) {
            assert_true(doc.nodes[0].val == ok[i].val);
        }
        assert_int_equal(doc.n, ok[i].nodes);
        assert_int_equal(doc.nodes[0].size, ok[i].nodes);
        postq_cbor_free(&doc);
    }
}

static void test_strings_joined(void **state)
{
    struct postq_cbor doc;

    (void)state;
    assert_int_equal(dec_hex(&doc, "5f42010243030405ff", NULL, 0), POSTQ_OK);
    assert_int_equal(doc.nodes[0].len, 5);
    assert_memory_equal(doc.nodes[0].p, "\x01\x02\x03\x04\x05", 5);
    postq_cbor_free(&doc);
    assert_int_equal(dec_hex(&doc, "7f657374726561646d696e67ff", NULL, 0), POSTQ_OK);
    assert_int_equal(doc.nodes[0].len, 9);
    assert_memory_equal(doc.nodes[0].p, "streaming", 9);
    postq_cbor_free(&doc);
    /* a UTF-8 sequence split across chunks is checked once joined */
    assert_int_equal(dec_hex(&doc, "7f61c361bcff", NULL, 0), POSTQ_OK);
    postq_cbor_free(&doc);
}

static void test_lookups(void **state)
{
    struct postq_cbor doc;
    size_t v;

    (void)state;
    /* {"a": 1, -35: [2, 3], 7: null} */
    assert_int_equal(dec_hex(&doc, "a3616101382282020307f6", NULL, 0), POSTQ_OK);
    v = postq_cbor_map_text(&doc, 0, "a");
    assert_true(v != 0 && doc.nodes[v].type == POSTQ_CBOR_UINT && doc.nodes[v].val == 1);
    v = postq_cbor_map_int(&doc, 0, -35);
    assert_true(v != 0 && doc.nodes[v].type == POSTQ_CBOR_ARRAY && doc.nodes[v].val == 2);
    assert_int_equal(doc.nodes[postq_cbor_child(&doc, v, 1)].val, 3);
    assert_int_equal(postq_cbor_child(&doc, v, 2), 0);
    assert_true(postq_cbor_is_null(&doc, postq_cbor_map_int(&doc, 0, 7)));
    assert_int_equal(postq_cbor_map_text(&doc, 0, "b"), 0);
    assert_int_equal(postq_cbor_map_int(&doc, 0, 35), 0);
    assert_int_equal(postq_cbor_map_text(&doc, v, "a"), 0); /* not a map */
    postq_cbor_free(&doc);
}

static void test_malformed(void **state)
{
    static const struct {
        const char *hex, *why;
        postq_err err;
    } bad[] = {
        {"", "truncated", POSTQ_E_MALFORMED},
        {"18", "truncated (argument)", POSTQ_E_MALFORMED},
        {"1903", "truncated (argument)", POSTQ_E_MALFORMED},
        {"1b00000000000000", "truncated (argument)", POSTQ_E_MALFORMED},
        {"1c", "reserved", POSTQ_E_MALFORMED},
        {"1d", "reserved", POSTQ_E_MALFORMED},
        {"1e", "reserved", POSTQ_E_MALFORMED},
        {"5c", "reserved", POSTQ_E_MALFORMED},
        {"1f", "indefinite length on a type", POSTQ_E_MALFORMED},
        {"3f", "indefinite length on a type", POSTQ_E_MALFORMED},
        {"df00", "indefinite length on a type", POSTQ_E_MALFORMED},
        {"ff", "break outside", POSTQ_E_MALFORMED},
        {"8201ff", "break outside", POSTQ_E_MALFORMED},
        {"0000", "trailing bytes", POSTQ_E_MALFORMED},
        {"a0f6", "trailing bytes", POSTQ_E_MALFORMED},
        {"42", "truncated (string)", POSTQ_E_MALFORMED},
        {"4201", "truncated (string)", POSTQ_E_MALFORMED},
        {"5bffffffffffffffff00", "truncated (string)", POSTQ_E_MALFORMED},
        {"83", "more items announced", POSTQ_E_MALFORMED},
        {"8301", "more items announced", POSTQ_E_MALFORMED},
        {"9bffffffffffffffff", "more items announced", POSTQ_E_MALFORMED},
        {"a1", "more items announced", POSTQ_E_MALFORMED},
        {"a201", "more items announced", POSTQ_E_MALFORMED},
        {"9f01", "truncated", POSTQ_E_MALFORMED},
        {"bf0102", "truncated", POSTQ_E_MALFORMED},
        {"bf01ff", "break outside", POSTQ_E_MALFORMED}, /* key without a value */
        {"5f", "truncated", POSTQ_E_MALFORMED},
        {"5f4101", "truncated", POSTQ_E_MALFORMED},
        {"5f6161ff", "not a definite string of its type", POSTQ_E_MALFORMED},
        {"7f4161ff", "not a definite string of its type", POSTQ_E_MALFORMED},
        {"5f5f4101ffff", "not a definite string of its type", POSTQ_E_MALFORMED},
        {"5f01ff", "not a definite string of its type", POSTQ_E_MALFORMED},
        {"5f42", "truncated (string chunk)", POSTQ_E_MALFORMED},
        {"61ff", "not valid UTF-8", POSTQ_E_MALFORMED},
        {"62c0af", "not valid UTF-8", POSTQ_E_MALFORMED},       /* overlong */
        {"63eda080", "not valid UTF-8", POSTQ_E_MALFORMED},     /* surrogate */
        {"64f4908080", "not valid UTF-8", POSTQ_E_MALFORMED},   /* > U+10FFFF */
        {"61c3", "not valid UTF-8", POSTQ_E_MALFORMED},         /* cut sequence */
        {"7f61c3ff", "not valid UTF-8", POSTQ_E_MALFORMED},
        {"a201010102", "duplicate map key", POSTQ_E_MALFORMED},
        {"a2616101616102", "duplicate map key", POSTQ_E_MALFORMED},
        {"a218010101", "duplicate map key", POSTQ_E_MALFORMED}, /* 1 encoded twice */
        {"a2410101410102", "duplicate map key", POSTQ_E_MALFORMED},
        {"a2f601f602", "duplicate map key", POSTQ_E_MALFORMED},
        {"bf38220138220fff", "duplicate map key", POSTQ_E_MALFORMED},
        {"bf7f6161ff01616102ff", "duplicate map key", POSTQ_E_MALFORMED},
        {"a1800101", "unsupported type", POSTQ_E_MALFORMED},
        {"a1a00101", "unsupported type", POSTQ_E_MALFORMED},
        {"a1c00101", "unsupported type", POSTQ_E_MALFORMED},
        {"a1f93c0001", "unsupported type", POSTQ_E_MALFORMED},
        {"f800", "simple value < 32", POSTQ_E_MALFORMED},
        {"f81f", "simple value < 32", POSTQ_E_MALFORMED},
        {"f820", "unassigned simple value", POSTQ_E_MALFORMED},
        {"e0", "unassigned simple value", POSTQ_E_MALFORMED},
        {"f3", "unassigned simple value", POSTQ_E_MALFORMED},
        {"f9", "truncated (argument)", POSTQ_E_MALFORMED},
        {"fb000000", "truncated (argument)", POSTQ_E_MALFORMED},
        {"c0", "truncated", POSTQ_E_MALFORMED},
        /* 17 nested arrays: depth 16 is the last allowed */
        {"8181818181818181818181818181818181" "00", "nested deeper", POSTQ_E_TOO_LARGE},
        {"c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1" "00", "nested deeper", POSTQ_E_TOO_LARGE},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct postq_cbor doc;
        char detail[128];
        postq_err err = dec_hex(&doc, bad[i].hex, detail, sizeof(detail));
        if (err != bad[i].err || strstr(detail, bad[i].why) == NULL) {
            fail_msg("%s: got %d \"%s\", want \"%s\"", bad[i].hex, err, detail, bad[i].why);
        }
        assert_null(doc.nodes);
        assert_null(doc.heap);
    }
    {
        struct postq_cbor doc;
        assert_int_equal(dec_hex(&doc, "8181818181818181818181818181818100", NULL, 0),
                         POSTQ_OK); /* depth 16 */
        postq_cbor_free(&doc);
        assert_int_equal(postq_cbor_decode(NULL, (const uint8_t *)"", 0, NULL, 0), POSTQ_E_ARG);
        assert_int_equal(postq_cbor_decode(&doc, NULL, 1, NULL, 0), POSTQ_E_ARG);
    }
}

static void test_caps(void **state)
{
    struct postq_cbor doc;
    uint8_t *in;
    size_t n;

    (void)state;
    /* node cap: an array of 4096 items is 4097 nodes */
    n = 3 + 4096;
    in = calloc(1, n);
    in[0] = 0x99;
    in[1] = 0x10;
    in[2] = 0x00;
    assert_int_equal(postq_cbor_decode(&doc, in, n, NULL, 0), POSTQ_E_TOO_LARGE);
    in[2] = 0x00;
    in[1] = 0x0f;
    in[2] = 0xff; /* 4095 items: 4096 nodes */
    assert_int_equal(postq_cbor_decode(&doc, in, n - 1, NULL, 0), POSTQ_OK);
    postq_cbor_free(&doc);
    free(in);
    /* input cap */
    n = POSTQ_CBOR_INPUT_MAX + 1;
    in = calloc(1, n);
    in[0] = 0x5a;
    in[3] = 0xff;
    in[4] = 0xfa;
    assert_int_equal(postq_cbor_decode(&doc, in, n, NULL, 0), POSTQ_E_TOO_LARGE);
    free(in);
    /* allocation failures: NOMEM, nothing owned */
    for (long k = 1; k <= 3; k++) {
        postq_err err;
        postq_alloc_fail_at(k);
        err = dec_hex(&doc, "9f5f4101ff8301020304ff", NULL, 0);
        postq_alloc_fail_at(0);
        if (err == POSTQ_OK) {
            postq_cbor_free(&doc);
            continue;
        }
        assert_int_equal(err, POSTQ_E_NOMEM);
        assert_null(doc.nodes);
    }
}

static void test_put_head(void **state)
{
    static const struct {
        unsigned major;
        uint64_t val;
        const char *hex;
    } v[] = {{0, 0, "00"},        {0, 23, "17"},          {0, 24, "1818"},
             {2, 255, "58ff"},    {2, 256, "590100"},     {3, 10, "6a"},
             {4, 4, "84"},        {2, 65536, "5a00010000"},
             {0, 0x100000000ull, "1b0000000100000000"}};
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t out[9];
        size_t pos = 0, len = 0;
        uint8_t *want = tl_hex(v[i].hex, &len);
        assert_int_equal(postq_cbor_put_head(out, sizeof(out), &pos, v[i].major, v[i].val), 0);
        assert_int_equal(pos, len);
        assert_memory_equal(out, want, len);
        pos = 1;
        assert_int_equal(postq_cbor_put_head(out, len, &pos, v[i].major, v[i].val), -1);
        free(want);
    }
}

/* The real documents decode, and every proper prefix of them is refused. */
static void test_nitro_samples(void **state)
{
    static const char *const names[] = {
        "evervault-beta-2022-10-13-prod", "evervault-cert-2023-01-18-prod-pcr8",
        "evervault-ga-2023-09-18-debug", "evervault-beta-2022-10-12-debug",
        "base-2026-01-03-indefinite-map"};
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char rel[256];
        size_t len = 0, payload;
        uint8_t *raw;
        struct postq_cbor doc, inner;
        snprintf(rel, sizeof(rel), "vendors/aws-nitro/samples/%s.cbor", names[i]);
        raw = tl_read_shared(rel, &len);
        assert_int_equal(postq_cbor_decode(&doc, raw, len, NULL, 0), POSTQ_OK);
        assert_int_equal(doc.nodes[0].type, POSTQ_CBOR_ARRAY);
        assert_int_equal(doc.nodes[0].val, 4);
        payload = postq_cbor_child(&doc, 0, 2);
        assert_int_equal(doc.nodes[payload].type, POSTQ_CBOR_BYTES);
        assert_int_equal(postq_cbor_decode(&inner, doc.nodes[payload].p, doc.nodes[payload].len,
                                           NULL, 0),
                         POSTQ_OK);
        assert_int_not_equal(postq_cbor_map_text(&inner, 0, "module_id"), 0);
        assert_int_not_equal(postq_cbor_map_text(&inner, 0, "cabundle"), 0);
        postq_cbor_free(&inner);
        postq_cbor_free(&doc);
        for (size_t n = 0; n < len; n++) {
            assert_int_not_equal(postq_cbor_decode(&doc, raw, n, NULL, 0), POSTQ_OK);
        }
        free(raw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),    cmocka_unit_test(test_strings_joined),
        cmocka_unit_test(test_lookups),        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_caps),           cmocka_unit_test(test_put_head),
        cmocka_unit_test(test_nitro_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
