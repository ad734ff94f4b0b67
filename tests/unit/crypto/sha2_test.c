/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 / SHA-512: the FIPS 180 examples ("abc", the empty string, the 448-bit and 896-bit
 * messages, one million 'a'), and incremental SHA-256 against one-shot at every split. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/sha2.h"

struct kat {
    const char *msg;
    const char *sha256, *sha512;
};

/* FIPS 180-2 Appendices B and C (and the NIST "Examples with Intermediate Values" sheets). */
static const struct kat kats[] = {
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
     "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
};

static void test_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        const uint8_t *m = (const uint8_t *)kats[i].msg;
        size_t n = strlen(kats[i].msg);
        size_t len;
        uint8_t *want256 = tl_hex(kats[i].sha256, &len);
        uint8_t *want512 = tl_hex(kats[i].sha512, &len);
        uint8_t got[64];
        struct postq_sha2 h;

        assert_int_equal(postq_sha256(got, m, n), POSTQ_OK);
        assert_memory_equal(got, want256, 32);
        assert_int_equal(postq_sha512(got, m, n), POSTQ_OK);
        assert_memory_equal(got, want512, 64);
        if (n == 0) {
            assert_int_equal(postq_sha256(got, NULL, 0), POSTQ_OK);
            assert_memory_equal(got, want256, 32);
            assert_int_equal(postq_sha512(got, NULL, 0), POSTQ_OK);
            assert_memory_equal(got, want512, 64);
        }
        /* Byte at a time through the incremental interface. */
        assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
        for (size_t j = 0; j < n; j++) {
            assert_int_equal(postq_sha2_update(&h, m + j, 1), POSTQ_OK);
        }
        assert_int_equal(postq_sha2_final(&h, got), POSTQ_OK);
        assert_memory_equal(got, want256, 32);
        free(want256);
        free(want512);
    }
}

/* FIPS 180-2 B.3: one million repetitions of 'a', streamed in uneven pieces. */
static void test_million_a(void **state)
{
    static const uint8_t want[32] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
        0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
    };
    uint8_t chunk[1000];
    uint8_t got[32];
    struct postq_sha2 h;
    size_t done = 0;
    size_t step = 1;

    (void)state;
    memset(chunk, 'a', sizeof(chunk));
    assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        assert_int_equal(postq_sha2_update(&h, chunk, n), POSTQ_OK);
        done += n;
        step = step % 997 + 1 + step / 3; /* uneven sizes, all <= 1000 */
        if (step > sizeof(chunk)) {
            step = 1;
        }
    }
    assert_int_equal(postq_sha2_final(&h, got), POSTQ_OK);
    assert_memory_equal(got, want, 32);
}

/* Incremental equals one-shot at every split point (and with an empty update in between). */
static void test_every_split(void **state)
{
    uint8_t msg[300];
    uint8_t want[32];
    uint8_t got[32];

    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(i * 131 + 17);
    }
    assert_int_equal(postq_sha256(want, msg, sizeof(msg)), POSTQ_OK);
    for (size_t split = 0; split <= sizeof(msg); split++) {
        struct postq_sha2 h;
        assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
        assert_int_equal(postq_sha2_update(&h, msg, split), POSTQ_OK);
        assert_int_equal(postq_sha2_update(&h, NULL, 0), POSTQ_OK);
        assert_int_equal(postq_sha2_update(&h, msg + split, sizeof(msg) - split), POSTQ_OK);
        assert_int_equal(postq_sha2_final(&h, got), POSTQ_OK);
        assert_memory_equal(got, want, 32);
    }
    /* Three pieces, every pair of split points. */
    for (size_t a = 0; a <= sizeof(msg); a += 7) {
        for (size_t b = a; b <= sizeof(msg); b += 11) {
            struct postq_sha2 h;
            assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
            assert_int_equal(postq_sha2_update(&h, msg, a), POSTQ_OK);
            assert_int_equal(postq_sha2_update(&h, msg + a, b - a), POSTQ_OK);
            assert_int_equal(postq_sha2_update(&h, msg + b, sizeof(msg) - b), POSTQ_OK);
            assert_int_equal(postq_sha2_final(&h, got), POSTQ_OK);
            assert_memory_equal(got, want, 32);
        }
    }
}

/* Incremental SHA-512 equals one-shot at every split (the composite pre-hash streams it). */
static void test_every_split_sha512(void **state)
{
    uint8_t msg[300];
    uint8_t want[64];
    uint8_t got[64];

    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(i * 29 + 3);
    }
    assert_int_equal(postq_sha512(want, msg, sizeof(msg)), POSTQ_OK);
    for (size_t split = 0; split <= sizeof(msg); split++) {
        struct postq_sha2 h;
        assert_int_equal(postq_sha2_init(&h, 512), POSTQ_OK);
        assert_int_equal(postq_sha2_update(&h, msg, split), POSTQ_OK);
        assert_int_equal(postq_sha2_update(&h, msg + split, sizeof(msg) - split), POSTQ_OK);
        assert_int_equal(postq_sha2_final(&h, got), POSTQ_OK);
        assert_memory_equal(got, want, 64);
    }
}

static void test_arguments(void **state)
{
    uint8_t out[64];
    struct postq_sha2 h;

    (void)state;
    assert_int_equal(postq_sha256(NULL, NULL, 0), POSTQ_E_ARG);
    assert_int_equal(postq_sha512(NULL, NULL, 0), POSTQ_E_ARG);
    memset(out, 0xaa, sizeof(out));
    assert_int_equal(postq_sha256(out, NULL, 1), POSTQ_E_ARG);
    for (size_t i = 0; i < 32; i++) {
        assert_int_equal(out[i], 0);
    }
    memset(out, 0xaa, sizeof(out));
    assert_int_equal(postq_sha512(out, NULL, 1), POSTQ_E_ARG);
    for (size_t i = 0; i < 64; i++) {
        assert_int_equal(out[i], 0);
    }
    assert_int_equal(postq_sha2_init(NULL, 256), POSTQ_E_ARG);
    assert_int_equal(postq_sha2_init(&h, 384), POSTQ_E_UNSUPPORTED);
    assert_null(h.md);

    /* A bad update poisons the context: final fails, zeroes, and releases it. */
    assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
    assert_int_equal(postq_sha2_update(&h, NULL, 5), POSTQ_E_ARG);
    memset(out, 0xaa, sizeof(out));
    assert_int_not_equal(postq_sha2_final(&h, out), POSTQ_OK);
    for (size_t i = 0; i < 32; i++) {
        assert_int_equal(out[i], 0);
    }
    assert_null(h.md);

    /* abort releases; abort and final after release are harmless. */
    assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
    assert_int_equal(postq_sha2_update(&h, (const uint8_t *)"x", 1), POSTQ_OK);
    postq_sha2_abort(&h);
    assert_null(h.md);
    postq_sha2_abort(&h);
    postq_sha2_abort(NULL);
    assert_int_equal(postq_sha2_update(&h, (const uint8_t *)"x", 1), POSTQ_E_ARG);
    assert_int_equal(postq_sha2_final(&h, out), POSTQ_E_ARG);
    assert_int_equal(postq_sha2_final(NULL, out), POSTQ_E_ARG);

    /* final with a NULL output still releases the context. */
    assert_int_equal(postq_sha2_init(&h, 256), POSTQ_OK);
    assert_int_equal(postq_sha2_final(&h, NULL), POSTQ_E_ARG);
    assert_null(h.md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_every_split_sha512),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
