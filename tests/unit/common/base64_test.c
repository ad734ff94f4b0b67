/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/base64.c: RFC 4648 §10 vectors in both variants, round trips of every length
 * 0..300, and one case for each kind of rejection: every byte value outside each alphabet,
 * whitespace, wrong or missing padding, padding in base64url, impossible lengths, and every
 * non-canonical final character of a 1- and a 2-byte remainder. */
#include "testlib.h"

#include <string.h>

#include "common/base64.h"

#define LIT(s)                                                                                     \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    } /* keeps an embedded NUL */

static const int variants[] = {POSTQ_B64_STD, POSTQ_B64_URL};

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *alphabet(int variant)
{
    return variant == POSTQ_B64_STD ? std_alphabet : url_alphabet;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)(x >> 24);
    }
}

static postq_err decode_str(uint8_t *out, size_t cap, size_t *out_len, const char *s, int variant)
{
    return postq_base64_decode(out, cap, out_len, s, strlen(s), variant);
}

/* RFC 4648 §10; the base64url forms are the same without padding (no 62/63 values occur). */
static const struct {
    const char *raw;
    const char *std;
    const char *url;
} rfc[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        const uint8_t *raw = (const uint8_t *)rfc[i].raw;
        size_t n = strlen(rfc[i].raw);
        char enc[16];
        size_t enc_len = 99;
        uint8_t dec[8];
        size_t dec_len = 99;

        assert_int_equal(postq_base64_encode(enc, sizeof(enc), &enc_len, raw, n, POSTQ_B64_STD),
                         POSTQ_OK);
        assert_string_equal(enc, rfc[i].std);
        assert_int_equal(enc_len, strlen(rfc[i].std));
        assert_int_equal(postq_base64_encoded_len(n, POSTQ_B64_STD), strlen(rfc[i].std));

        assert_int_equal(postq_base64_encode(enc, sizeof(enc), &enc_len, raw, n, POSTQ_B64_URL),
                         POSTQ_OK);
        assert_string_equal(enc, rfc[i].url);
        assert_int_equal(enc_len, strlen(rfc[i].url));
        assert_int_equal(postq_base64_encoded_len(n, POSTQ_B64_URL), strlen(rfc[i].url));

        assert_int_equal(decode_str(dec, sizeof(dec), &dec_len, rfc[i].std, POSTQ_B64_STD),
                         POSTQ_OK);
        assert_int_equal(dec_len, n);
        assert_memory_equal(dec, raw, n);
        assert_int_equal(decode_str(dec, sizeof(dec), &dec_len, rfc[i].url, POSTQ_B64_URL),
                         POSTQ_OK);
        assert_int_equal(dec_len, n);
        assert_memory_equal(dec, raw, n);

        /* Each variant refuses the other's padded / unpadded form (except where equal). */
        if (strcmp(rfc[i].std, rfc[i].url) != 0) {
            assert_int_equal(decode_str(dec, sizeof(dec), &dec_len, rfc[i].std, POSTQ_B64_URL),
                             POSTQ_E_MALFORMED);
            assert_int_equal(decode_str(dec, sizeof(dec), &dec_len, rfc[i].url, POSTQ_B64_STD),
                             POSTQ_E_MALFORMED);
            assert_int_equal(dec_len, 0);
        }
    }
}

/* Values 62 and 63, which differ between the alphabets. */
static void test_alphabet_ends(void **state)
{
    static const uint8_t ones[3] = {0xff, 0xff, 0xff}; /* 63 63 63 63 */
    static const uint8_t plus[3] = {0xfb, 0xef, 0xbe}; /* 62 62 62 62 */
    static const uint8_t mixed[2] = {0xfb, 0xff};      /* 62 63 60 */
    char enc[8];
    size_t n;
    uint8_t dec[3];

    (void)state;
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, ones, 3, POSTQ_B64_STD), POSTQ_OK);
    assert_string_equal(enc, "////");
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, ones, 3, POSTQ_B64_URL), POSTQ_OK);
    assert_string_equal(enc, "____");
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, plus, 3, POSTQ_B64_STD), POSTQ_OK);
    assert_string_equal(enc, "++++");
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, plus, 3, POSTQ_B64_URL), POSTQ_OK);
    assert_string_equal(enc, "----");
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, mixed, 2, POSTQ_B64_STD), POSTQ_OK);
    assert_string_equal(enc, "+/8=");
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, mixed, 2, POSTQ_B64_URL), POSTQ_OK);
    assert_string_equal(enc, "-_8");

    assert_int_equal(decode_str(dec, sizeof(dec), &n, "+/8=", POSTQ_B64_STD), POSTQ_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(dec, mixed, 2);
    assert_int_equal(decode_str(dec, sizeof(dec), &n, "-_8", POSTQ_B64_URL), POSTQ_OK);
    assert_memory_equal(dec, mixed, 2);
    /* The other variant's characters are foreign. */
    assert_int_equal(decode_str(dec, sizeof(dec), &n, "-_8=", POSTQ_B64_STD), POSTQ_E_MALFORMED);
    assert_int_equal(decode_str(dec, sizeof(dec), &n, "+/8", POSTQ_B64_URL), POSTQ_E_MALFORMED);
}

/* Every 6-bit value in every position of a group maps through encode and back. */
static void test_every_sextet(void **state)
{
    (void)state;
    for (size_t vi = 0; vi < 2; vi++) {
        int v = variants[vi];
        for (uint32_t s = 0; s < 64; s++) {
            for (unsigned pos = 0; pos < 4; pos++) {
                uint32_t w = s << (18 - 6 * pos);
                uint8_t raw[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
                char enc[5];
                size_t n;
                uint8_t dec[3];

                assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, raw, 3, v), POSTQ_OK);
                for (unsigned j = 0; j < 4; j++) {
                    assert_int_equal(enc[j], alphabet(v)[j == pos ? s : 0]);
                }
                assert_int_equal(postq_base64_decode(dec, sizeof(dec), &n, enc, 4, v), POSTQ_OK);
                assert_memory_equal(dec, raw, 3);
            }
        }
    }
}

static void test_round_trip_every_length(void **state)
{
    uint8_t in[300];
    char enc[401];
    uint8_t dec[300];

    (void)state;
    for (size_t vi = 0; vi < 2; vi++) {
        int v = variants[vi];
        for (size_t n = 0; n <= 300; n++) {
            size_t want = v == POSTQ_B64_STD ? 4 * ((n + 2) / 3) : (4 * n + 2) / 3;
            size_t enc_len;
            size_t dec_len;

            fill(in, n, (uint32_t)(n + 1000 * vi));
            assert_int_equal(postq_base64_encoded_len(n, v), want);
            /* Exactly enough room: the characters and the NUL. */
            assert_int_equal(postq_base64_encode(enc, want + 1, &enc_len, in, n, v), POSTQ_OK);
            assert_int_equal(enc_len, want);
            assert_int_equal(strlen(enc), want);
            assert_true(postq_base64_decoded_max(enc_len) >= n);
            if (v == POSTQ_B64_URL) {
                assert_int_equal(postq_base64_decoded_max(enc_len), n);
            }
            assert_int_equal(postq_base64_decode(dec, n, &dec_len, enc, enc_len, v), POSTQ_OK);
            assert_int_equal(dec_len, n);
            assert_memory_equal(dec, in, n);
            if (n > 0) {
                assert_int_equal(postq_base64_decode(dec, n - 1, &dec_len, enc, enc_len, v),
                                 POSTQ_E_LENGTH);
                assert_int_equal(dec_len, 0);
            }
        }
    }
}

/* Every byte value outside the alphabet, at each of the four positions of a group. */
static void test_reject_every_foreign_char(void **state)
{
    (void)state;
    for (size_t vi = 0; vi < 2; vi++) {
        int v = variants[vi];
        for (int c = 0; c < 256; c++) {
            if (c != 0 && strchr(alphabet(v), c) != NULL) {
                continue;
            }
            for (size_t pos = 0; pos < 8; pos++) {
                char in[9] = "Zm9vYmFy";
                uint8_t out[6];
                size_t n = 99;

                /* For '=' in STD at pos 7 this is "Zm9vYmF=": padding, but 'F' leaves
                 * non-zero unused bits, so it is refused all the same. */
                in[pos] = (char)c;
                assert_int_equal(postq_base64_decode(out, sizeof(out), &n, in, 8, v),
                                 POSTQ_E_MALFORMED);
                assert_int_equal(n, 0);
            }
        }
    }
}

static void test_reject_whitespace(void **state)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        LIT(" Zm9v"),    LIT("Zm9v "),  LIT("Zm 9v"),      LIT("Zm9v\n"),
        LIT("Zm9v\r\n"), LIT("\tZm9v"), LIT("Zm9v\nYmFy"), LIT("Zm9v\0"),
        LIT("Zm9\0"),    LIT("Zm\v9v"), LIT("Zm9v\f"),     LIT("Zm9vYmFy\r\n\r\n"),
        LIT("Zm8 "),
    };
    uint8_t out[16];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (size_t vi = 0; vi < 2; vi++) {
            assert_int_equal(
                postq_base64_decode(out, sizeof(out), &n, bad[i].s, bad[i].n, variants[vi]),
                POSTQ_E_MALFORMED);
        }
    }
}

static void test_reject_std_padding(void **state)
{
    static const char *bad[] = {
        "Zg",        /* padding missing */
        "Zg=",       /* padding short */
        "Zm8",       /* padding missing */
        "Zg===",     /* too much */
        "Zm8==",     /* too much */
        "Zm9v=",     /* padding after a full group */
        "Zm9v====",  /* a whole group of padding */
        "====",      /* nothing but padding */
        "=",         /* the same, short */
        "==",        /* the same, short */
        "Z===",      /* three pad characters */
        "Zg=a",      /* '=' inside */
        "Z=g=",      /* '=' inside */
        "=Zg=",      /* '=' first */
        "Zg==Zg==",  /* padding in the middle */
        "Zm8=Zm9v",  /* padding in the middle */
        "Zm9v=Zm9",  /* padding in the middle */
        "Zm9vYg=\n", /* trailing line break after the padding */
        "Zm9v Zg=",  /* 8 characters, a space */
    };
    uint8_t out[16];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(decode_str(out, sizeof(out), &n, bad[i], POSTQ_B64_STD),
                         POSTQ_E_MALFORMED);
        assert_int_equal(n, 0);
    }
}

static void test_reject_url_padding_and_lengths(void **state)
{
    static const char *bad[] = {
        "Zg==",      "Zg=",      "Zm8=",     "Zm9v=", "=",
        "==",        "Zm9vYg==", "Zm9vYmE=", "Z", /* 4k + 1 characters: 6 bits cannot make a byte */
        "Zm9vY",                                  /* the same */
        "Zm9vYmFyZ",
    };
    uint8_t out[16];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(decode_str(out, sizeof(out), &n, bad[i], POSTQ_B64_URL),
                         POSTQ_E_MALFORMED);
    }
    /* STD: any length that is not a multiple of 4. */
    for (size_t len = 1; len < 12; len++) {
        if (len % 4 != 0) {
            assert_int_equal(
                postq_base64_decode(out, sizeof(out), &n, "Zm9vYmFyZm9v", len, POSTQ_B64_STD),
                POSTQ_E_MALFORMED);
        }
    }
}

/* A 1-byte remainder is 2 characters (12 bits for 8: 4 unused), a 2-byte remainder is 3
 * characters (18 for 16: 2 unused). Try every value of the final character. */
static void test_reject_every_non_canonical_final_char(void **state)
{
    (void)state;
    for (size_t vi = 0; vi < 2; vi++) {
        int v = variants[vi];
        const char *abc = alphabet(v);
        int accepted1 = 0;
        int accepted2 = 0;

        for (uint32_t s = 0; s < 64; s++) {
            char in[9];
            uint8_t out[6];
            size_t n;
            postq_err err;

            /* "Zm9v" + "Z?" (+ "==") */
            memcpy(in, "Zm9vZ", 5);
            in[5] = abc[s];
            memcpy(in + 6, "==", 3);
            err = postq_base64_decode(out, sizeof(out), &n, in, v == POSTQ_B64_STD ? 8 : 6, v);
            if ((s & 15u) != 0) {
                assert_int_equal(err, POSTQ_E_MALFORMED);
                assert_int_equal(n, 0);
            } else {
                assert_int_equal(err, POSTQ_OK);
                assert_int_equal(n, 4);
                assert_memory_equal(out, "foo", 3);
                assert_int_equal(out[3], (uint8_t)(25u << 2 | s >> 4));
                accepted1++;
            }

            /* "Zm9v" + "Zm?" (+ "=") */
            memcpy(in, "Zm9vZm", 6);
            in[6] = abc[s];
            memcpy(in + 7, "=", 2);
            err = postq_base64_decode(out, sizeof(out), &n, in, v == POSTQ_B64_STD ? 8 : 7, v);
            if ((s & 3u) != 0) {
                assert_int_equal(err, POSTQ_E_MALFORMED);
                assert_int_equal(n, 0);
            } else {
                assert_int_equal(err, POSTQ_OK);
                assert_int_equal(n, 5);
                assert_int_equal(out[3], 'f');
                assert_int_equal(out[4], (uint8_t)((38u & 15u) << 4 | s >> 2));
                accepted2++;
            }
        }
        assert_int_equal(accepted1, 4);
        assert_int_equal(accepted2, 16);
    }
}

static void test_failure_wipes_output(void **state)
{
    uint8_t out[6];
    size_t n = 99;

    (void)state;
    memset(out, 0xAA, sizeof(out));
    /* The bad character comes last: two groups were decoded before it. */
    assert_int_equal(decode_str(out, sizeof(out), &n, "Zm9vYmF!", POSTQ_B64_STD),
                     POSTQ_E_MALFORMED);
    assert_int_equal(n, 0);
    for (size_t i = 0; i < sizeof(out); i++) {
        assert_int_equal(out[i], 0);
    }
    memset(out, 0xAA, sizeof(out));
    assert_int_equal(decode_str(out, sizeof(out), &n, "Zm9vYmFz", POSTQ_B64_URL), POSTQ_OK);
    assert_int_equal(decode_str(out, sizeof(out), &n, "Zm9vYmF", POSTQ_B64_URL), POSTQ_E_MALFORMED);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(out[i], 0);
    }
}

static void test_output_capacity(void **state)
{
    uint8_t in[10];
    char enc[17];
    size_t n = 99;

    (void)state;
    fill(in, sizeof(in), 3);
    for (size_t vi = 0; vi < 2; vi++) {
        int v = variants[vi];
        size_t need = postq_base64_encoded_len(sizeof(in), v);
        for (size_t cap = 0; cap <= need; cap++) {
            memset(enc, 'X', sizeof(enc));
            assert_int_equal(postq_base64_encode(enc, cap, &n, in, sizeof(in), v), POSTQ_E_LENGTH);
            assert_int_equal(n, 0);
            if (cap > 0) {
                assert_int_equal(enc[0], '\0');
            }
        }
        assert_int_equal(postq_base64_encode(enc, need + 1, &n, in, sizeof(in), v), POSTQ_OK);
        /* out_len may be NULL. */
        assert_int_equal(postq_base64_encode(enc, need + 1, NULL, in, sizeof(in), v), POSTQ_OK);
    }
}

static void test_length_math_does_not_overflow(void **state)
{
    uint8_t in[1] = {0};
    char enc[8];
    size_t n;

    (void)state;
    for (size_t vi = 0; vi < 2; vi++) {
        int v = variants[vi];
        /* Near SIZE_MAX the answer is 0 (does not fit) or exact, never wrapped. */
        for (size_t d = 0; d < 64; d++) {
            size_t len = SIZE_MAX - d;
            size_t e = postq_base64_encoded_len(len, v);
            assert_int_equal(e, 0);
            assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, in, len, v), POSTQ_E_LENGTH);
        }
        /* The largest input whose encoding and NUL fit. */
        {
            size_t groups = (SIZE_MAX - 1 - 4) / 4;
            size_t e = postq_base64_encoded_len(3 * groups, v);
            assert_int_equal(e, 4 * groups);
            assert_true(e + 1 > e);
        }
    }
    assert_int_equal(postq_base64_encoded_len(0, POSTQ_B64_STD), 0);
    assert_int_equal(postq_base64_encoded_len(3, 0), 0);
    assert_int_equal(postq_base64_decoded_max(SIZE_MAX), SIZE_MAX / 4 * 3 + 2);
    assert_int_equal(postq_base64_decoded_max(0), 0);
    assert_int_equal(postq_base64_decoded_max(1), 0);
    assert_int_equal(postq_base64_decoded_max(2), 1);
    assert_int_equal(postq_base64_decoded_max(3), 2);
    assert_int_equal(postq_base64_decoded_max(4), 3);
}

static void test_arguments(void **state)
{
    uint8_t out[4] = {0};
    char enc[8];
    size_t n;

    (void)state;
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, out, 1, 0), POSTQ_E_ARG);
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, out, 1, 3), POSTQ_E_ARG);
    assert_int_equal(postq_base64_encode(NULL, 8, &n, out, 1, POSTQ_B64_STD), POSTQ_E_ARG);
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, NULL, 1, POSTQ_B64_STD),
                     POSTQ_E_ARG);
    assert_int_equal(postq_base64_encode(enc, sizeof(enc), &n, NULL, 0, POSTQ_B64_STD), POSTQ_OK);
    assert_string_equal(enc, "");
    assert_int_equal(n, 0);
    assert_int_equal(postq_base64_decode(out, sizeof(out), NULL, "Zg==", 4, POSTQ_B64_STD),
                     POSTQ_E_ARG);
    assert_int_equal(postq_base64_decode(out, sizeof(out), &n, "Zg==", 4, 0), POSTQ_E_ARG);
    assert_int_equal(postq_base64_decode(out, sizeof(out), &n, NULL, 4, POSTQ_B64_STD),
                     POSTQ_E_ARG);
    assert_int_equal(postq_base64_decode(NULL, 0, &n, "Zg==", 4, POSTQ_B64_STD), POSTQ_E_ARG);
    assert_int_equal(postq_base64_decode(NULL, 0, &n, NULL, 0, POSTQ_B64_STD), POSTQ_OK);
    assert_int_equal(postq_base64_decode(NULL, 0, &n, "", 0, POSTQ_B64_URL), POSTQ_OK);
    assert_int_equal(n, 0);
}

/* The table-driven functions for public data against the constant-time ones: every byte string
 * of lengths 0-40 from a generator, and character strings made mostly of alphabet characters,
 * with padding, both alphabets' extra characters, '=' and bytes outside ASCII mixed in. Same
 * results, same errors, same output. */
static void test_public_variants_match(void **state)
{
    static const char chars[] = "ABCXYZabcxyz0189+/-_=\n \xff\x80"
                                "A";
    uint64_t x = 0x9E3779B97F4A7C15u;

    (void)state;
    for (int variant = POSTQ_B64_STD; variant <= POSTQ_B64_URL; variant++) {
        for (int iter = 0; iter < 4000; iter++) {
            uint8_t in[48], outa[80], outb[80];
            char ea[80], eb[80], str[24];
            size_t len = (size_t)iter % 41, la = 99, lb = 99;
            postq_err ra, rb;

            for (size_t i = 0; i < sizeof(in); i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                in[i] = (uint8_t)x;
            }
            ra = postq_base64_encode(ea, sizeof(ea), &la, in, len, variant);
            rb = postq_base64_encode_public(eb, sizeof(eb), &lb, in, len, variant);
            assert_int_equal(ra, rb);
            assert_int_equal(la, lb);
            assert_string_equal(ea, eb);
            /* Decode the good encoding, then a mutated copy. */
            for (int m = 0; m < 2; m++) {
                size_t slen = la;
                memcpy(str, ea, slen < sizeof(str) ? slen : sizeof(str));
                slen = slen < sizeof(str) ? slen : sizeof(str);
                if (m == 1 && slen > 0) {
                    str[x % slen] = chars[(x >> 8) % (sizeof(chars) - 1)];
                }
                memset(outa, 0xAA, sizeof(outa));
                memset(outb, 0xAA, sizeof(outb));
                la = lb = 99;
                ra = postq_base64_decode(outa, sizeof(outa), &la, str, slen, variant);
                rb = postq_base64_decode_public(outb, sizeof(outb), &lb, str, slen, variant);
                assert_int_equal(ra, rb);
                assert_int_equal(la, lb);
                assert_memory_equal(outa, outb, sizeof(outa));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_alphabet_ends),
        cmocka_unit_test(test_every_sextet),
        cmocka_unit_test(test_round_trip_every_length),
        cmocka_unit_test(test_reject_every_foreign_char),
        cmocka_unit_test(test_reject_whitespace),
        cmocka_unit_test(test_reject_std_padding),
        cmocka_unit_test(test_reject_url_padding_and_lengths),
        cmocka_unit_test(test_reject_every_non_canonical_final_char),
        cmocka_unit_test(test_failure_wipes_output),
        cmocka_unit_test(test_output_capacity),
        cmocka_unit_test(test_length_math_does_not_overflow),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_public_variants_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
