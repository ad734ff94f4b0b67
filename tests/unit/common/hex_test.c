/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/hex.c: RFC 4648 §10 base16 vectors, round trips of every length 0..300, and one
 * case for each kind of rejection (odd length, every non-hex byte value at each position,
 * whitespace, case, capacity, arguments). */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "common/hex.h"

/* Deterministic "random-ish" bytes (xorshift32): the same on every run. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 24);
    }
}

static int is_lower_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_upper_hex(int c)
{
    return c >= 'A' && c <= 'F';
}

/* RFC 4648 §10: BASE16("foobar") prefixes (the RFC prints them in uppercase). */
static const struct {
    const char *raw;
    const char *upper;
    const char *lower;
} rfc[] = {
    {"", "", ""},
    {"f", "66", "66"},
    {"fo", "666F", "666f"},
    {"foo", "666F6F", "666f6f"},
    {"foob", "666F6F62", "666f6f62"},
    {"fooba", "666F6F6261", "666f6f6261"},
    {"foobar", "666F6F626172", "666f6f626172"},
};

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        size_t n = strlen(rfc[i].raw);
        char enc[32];
        uint8_t dec[16];
        size_t dec_len = 99;

        assert_int_equal(postq_hex_encode(enc, sizeof(enc), (const uint8_t *)rfc[i].raw, n),
                         POSTQ_OK);
        assert_string_equal(enc, rfc[i].lower);

        assert_int_equal(
            postq_hex_decode(dec, sizeof(dec), &dec_len, rfc[i].lower, strlen(rfc[i].lower), 0),
            POSTQ_OK);
        assert_int_equal(dec_len, n);
        assert_memory_equal(dec, rfc[i].raw, n);

        /* The RFC's uppercase form needs the flag. */
        assert_int_equal(postq_hex_decode(dec, sizeof(dec), &dec_len, rfc[i].upper,
                                          strlen(rfc[i].upper), POSTQ_HEX_ANY_CASE),
                         POSTQ_OK);
        assert_int_equal(dec_len, n);
        assert_memory_equal(dec, rfc[i].raw, n);
        if (strcmp(rfc[i].upper, rfc[i].lower) != 0) {
            assert_int_equal(postq_hex_decode(dec, sizeof(dec), &dec_len, rfc[i].upper,
                                              strlen(rfc[i].upper), 0),
                             POSTQ_E_MALFORMED);
            assert_int_equal(dec_len, 0);
        }
    }
}

static void test_every_byte_value(void **state)
{
    uint8_t all[256];
    char enc[513];
    char want[513];
    uint8_t dec[256];
    size_t dec_len;

    (void)state;
    for (size_t i = 0; i < 256; i++) {
        all[i] = (uint8_t)i;
        snprintf(want + 2 * i, 3, "%02x", (unsigned)i);
    }
    assert_int_equal(postq_hex_encode(enc, sizeof(enc), all, sizeof(all)), POSTQ_OK);
    assert_string_equal(enc, want);
    assert_int_equal(postq_hex_decode(dec, sizeof(dec), &dec_len, enc, 512, 0), POSTQ_OK);
    assert_int_equal(dec_len, 256);
    assert_memory_equal(dec, all, 256);

    /* The same in uppercase, with the flag. */
    for (size_t i = 0; i < 512; i++) {
        if (enc[i] >= 'a' && enc[i] <= 'f') {
            enc[i] = (char)(enc[i] - 'a' + 'A');
        }
    }
    assert_int_equal(postq_hex_decode(dec, sizeof(dec), &dec_len, enc, 512, POSTQ_HEX_ANY_CASE),
                     POSTQ_OK);
    assert_memory_equal(dec, all, 256);
    assert_int_equal(postq_hex_decode(dec, sizeof(dec), &dec_len, enc, 512, 0), POSTQ_E_MALFORMED);
}

static void test_round_trip_every_length(void **state)
{
    uint8_t in[300];
    char enc[601];
    uint8_t dec[300];
    size_t dec_len;

    (void)state;
    for (size_t n = 0; n <= 300; n++) {
        fill(in, n, (uint32_t)n);
        assert_int_equal(postq_hex_encoded_size(n), 2 * n + 1);
        assert_int_equal(postq_hex_encode(enc, 2 * n + 1, in, n), POSTQ_OK);
        assert_int_equal(strlen(enc), 2 * n);
        /* Exact output capacity is enough. */
        assert_int_equal(postq_hex_decode(dec, n, &dec_len, enc, 2 * n, 0), POSTQ_OK);
        assert_int_equal(dec_len, n);
        assert_memory_equal(dec, in, n);
    }
}

static void test_reject_odd_length(void **state)
{
    uint8_t out[8];
    size_t out_len = 99;

    (void)state;
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "a", 1, 0), POSTQ_E_MALFORMED);
    assert_int_equal(out_len, 0);
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "abc", 3, 0), POSTQ_E_MALFORMED);
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "00112", 5, POSTQ_HEX_ANY_CASE),
                     POSTQ_E_MALFORMED);
}

/* Every byte value that is not a hex digit, in the high and the low nibble of each byte. */
static void test_reject_every_non_hex_char(void **state)
{
    char in[7];
    uint8_t out[3];
    size_t out_len;

    (void)state;
    for (int c = 0; c < 256; c++) {
        for (size_t pos = 0; pos < 6; pos++) {
            memcpy(in, "09afcb", 7);
            in[pos] = (char)c;
            postq_err lower = postq_hex_decode(out, sizeof(out), &out_len, in, 6, 0);
            postq_err any = postq_hex_decode(out, sizeof(out), &out_len, in, 6, POSTQ_HEX_ANY_CASE);
            assert_int_equal(lower, is_lower_hex(c) ? POSTQ_OK : POSTQ_E_MALFORMED);
            assert_int_equal(any,
                             is_lower_hex(c) || is_upper_hex(c) ? POSTQ_OK : POSTQ_E_MALFORMED);
        }
    }
}

/* A string literal with its length, so an embedded NUL stays part of the input. */
#define LIT(s) {(s), sizeof(s) - 1}

static void test_reject_whitespace_and_prefixes(void **state)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        LIT(" 00"), LIT("00 "), LIT("0 0 "), LIT("00\n"), LIT("\n00"), LIT("00\r\n"),
        LIT("\t00"), LIT("0x00"), LIT("00\0" "0"), LIT("+1"), LIT("-1"), LIT("0g"),
        LIT("g0"), LIT("zz"), LIT(".."), LIT("00ff\v "),
    };
    uint8_t out[8];
    size_t out_len;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, bad[i].s, bad[i].n, 0),
                         POSTQ_E_MALFORMED);
        assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, bad[i].s, bad[i].n,
                                          POSTQ_HEX_ANY_CASE),
                         POSTQ_E_MALFORMED);
    }
}

static void test_reject_uppercase_by_default(void **state)
{
    uint8_t out[4];
    size_t out_len;

    (void)state;
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "aB", 2, 0), POSTQ_E_MALFORMED);
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "Ab", 2, 0), POSTQ_E_MALFORMED);
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "aB", 2, POSTQ_HEX_ANY_CASE),
                     POSTQ_OK);
    assert_int_equal(out[0], 0xab);
}

static void test_failure_wipes_output(void **state)
{
    uint8_t out[4];
    size_t out_len = 99;

    (void)state;
    memset(out, 0xAA, sizeof(out));
    /* The bad character is last: three bytes were decoded before it was seen. */
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "1234567z", 8, 0),
                     POSTQ_E_MALFORMED);
    assert_int_equal(out_len, 0);
    for (size_t i = 0; i < sizeof(out); i++) {
        assert_int_equal(out[i], 0);
    }
}

static void test_output_capacity(void **state)
{
    uint8_t in[16];
    char enc[33];
    uint8_t dec[16];
    size_t dec_len;

    (void)state;
    fill(in, sizeof(in), 7);
    /* Encode: 2n + 1 needed; every smaller capacity is refused and leaves "". */
    for (size_t cap = 0; cap < 33; cap++) {
        memset(enc, 'X', sizeof(enc));
        assert_int_equal(postq_hex_encode(enc, cap, in, 16), POSTQ_E_LENGTH);
        if (cap > 0) {
            assert_int_equal(enc[0], '\0');
        }
    }
    assert_int_equal(postq_hex_encode(enc, 33, in, 16), POSTQ_OK);
    /* Decode: n needed. */
    for (size_t cap = 0; cap < 16; cap++) {
        assert_int_equal(postq_hex_decode(dec, cap, &dec_len, enc, 32, 0), POSTQ_E_LENGTH);
        assert_int_equal(dec_len, 0);
    }
    assert_int_equal(postq_hex_decode(dec, 16, &dec_len, enc, 32, 0), POSTQ_OK);
    assert_memory_equal(dec, in, 16);
    /* Sizes that would overflow are refused, not wrapped. */
    assert_int_equal(postq_hex_encoded_size(SIZE_MAX / 2 + 1), 0);
    assert_int_equal(postq_hex_encoded_size(SIZE_MAX), 0);
    assert_int_equal(postq_hex_encoded_size(SIZE_MAX / 2), SIZE_MAX);
    assert_int_equal(postq_hex_encode(enc, sizeof(enc), in, SIZE_MAX / 2 + 1), POSTQ_E_LENGTH);
    assert_int_equal(postq_hex_encode(enc, sizeof(enc), in, SIZE_MAX / 2), POSTQ_E_LENGTH);
}

static void test_arguments(void **state)
{
    uint8_t out[4] = {0};
    char enc[8];
    size_t out_len;

    (void)state;
    assert_int_equal(postq_hex_encode(NULL, 8, out, 1), POSTQ_E_ARG);
    assert_int_equal(postq_hex_encode(enc, sizeof(enc), NULL, 1), POSTQ_E_ARG);
    assert_int_equal(postq_hex_encode(enc, sizeof(enc), NULL, 0), POSTQ_OK);
    assert_string_equal(enc, "");
    assert_int_equal(postq_hex_decode(out, sizeof(out), NULL, "00", 2, 0), POSTQ_E_ARG);
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, NULL, 2, 0), POSTQ_E_ARG);
    assert_int_equal(postq_hex_decode(NULL, 0, &out_len, "00", 2, 0), POSTQ_E_ARG);
    assert_int_equal(postq_hex_decode(NULL, 0, &out_len, NULL, 0, 0), POSTQ_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(postq_hex_decode(out, sizeof(out), &out_len, "00", 2, 2u), POSTQ_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_every_byte_value),
        cmocka_unit_test(test_round_trip_every_length),
        cmocka_unit_test(test_reject_odd_length),
        cmocka_unit_test(test_reject_every_non_hex_char),
        cmocka_unit_test(test_reject_whitespace_and_prefixes),
        cmocka_unit_test(test_reject_uppercase_by_default),
        cmocka_unit_test(test_failure_wipes_output),
        cmocka_unit_test(test_output_capacity),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
