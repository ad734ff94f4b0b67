/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto/keccak.c: published known answers [FIPS 202 examples], the permutation of the
 * zero state [Keccak team's intermediate values], padding edge cases at every rate, and the
 * incremental interfaces (absorb split anywhere, squeeze in pieces, squeezeblocks) checked
 * against one-shot calls and against a deliberately naive sponge written here. The permutation
 * has two paths (keccak_avx2.c where the CPU has AVX2, keccak.c's portable one): the known
 * answers run on the path in force (make check runs this file again with POSTQ_DISABLE_AVX2=1),
 * and test_paths_agree compares the two in one process on random states. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "crypto/keccak.h"

#define SHA3_224_RATE 144u /* 200 - 2 * 28 */
#define SHA3_384_RATE 104u /* 200 - 2 * 48 */

static void assert_hex_equal(const uint8_t *got, const char *want_hex)
{
    size_t n;
    uint8_t *want = tl_hex(want_hex, &n);
    assert_memory_equal(got, want, n);
    free(want);
}

/* ---- a naive sponge: a byte array state, whole padded blocks, one byte at a time ---- */

static void ref_xor_block(uint64_t s[25], const uint8_t *block, unsigned rate)
{
    for (unsigned i = 0; i < rate; i++) {
        s[i / 8] ^= (uint64_t)block[i] << (8 * (i % 8));
    }
}

/* pad10*1 with the domain bits folded into ds [FIPS 202 §5.1, B.2]: the last block holds the
 * tail, ds right after it and 0x80 in its last byte (the two may share a byte). */
static void ref_sponge(uint8_t *out, size_t out_len, const uint8_t *in, size_t len, unsigned rate,
                       uint8_t ds)
{
    uint64_t s[25] = {0};
    uint8_t block[200];
    size_t off = 0;

    for (;;) {
        size_t n = len - off < rate ? len - off : rate;
        int last = len - off < rate;

        memset(block, 0, sizeof(block));
        memcpy(block, in + off, n);
        if (last) {
            block[n] ^= ds;
            block[rate - 1] ^= 0x80;
        }
        ref_xor_block(s, block, rate);
        postq_keccak_f1600(s);
        off += n;
        if (last) {
            break;
        }
    }
    for (size_t i = 0; i < out_len; i++) {
        if (i > 0 && i % rate == 0) {
            postq_keccak_f1600(s);
        }
        out[i] = (uint8_t)(s[(i % rate) / 8] >> (8 * (i % 8)));
    }
}

static void msg_pattern(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 29 + 1);
    }
}

/* ---- known answers ---- */

static void test_known_answers(void **state)
{
    static const uint8_t abc[3] = {'a', 'b', 'c'};
    uint8_t a3[200];
    uint8_t out[64];

    (void)state;
    postq_sha3_256(out, NULL, 0);
    assert_hex_equal(out, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    postq_sha3_512(out, NULL, 0);
    assert_hex_equal(out, "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
                          "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26");
    postq_shake128(out, 32, NULL, 0);
    assert_hex_equal(out, "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
    postq_shake256(out, 64, NULL, 0);
    assert_hex_equal(out, "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
                          "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be");
    postq_sha3_256(out, abc, 3);
    assert_hex_equal(out, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    postq_sha3_512(out, abc, 3);
    assert_hex_equal(out, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
                          "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
    /* FIPS 202 example messages: 1600 bits of 0xA3. */
    memset(a3, 0xa3, sizeof(a3));
    postq_sha3_256(out, a3, sizeof(a3));
    assert_hex_equal(out, "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787");
    postq_shake128(out, 32, a3, sizeof(a3));
    assert_hex_equal(out, "131ab8d2b594946b9c81333f9bb6e0ce75c3b93104fa3469d3917457385da037");
}

/* Keccak-f[1600] applied once to the all-zero state. */
static void test_permutation_of_zero_state(void **state)
{
    static const uint64_t want[25] = {
        0xF1258F7940E1DDE7ULL, 0x84D5CCF933C0478AULL, 0xD598261EA65AA9EEULL,
        0xBD1547306F80494DULL, 0x8B284E056253D057ULL, 0xFF97A42D7F8E6FD4ULL,
        0x90FEE5A0A44647C4ULL, 0x8C5BDA0CD6192E76ULL, 0xAD30A6F71B19059CULL,
        0x30935AB7D08FFC64ULL, 0xEB5AA93F2317D635ULL, 0xA9A6E6260D712103ULL,
        0x81A57C16DBCF555FULL, 0x43B831CD0347C826ULL, 0x01F22F1A11A5569FULL,
        0x05E5635A21D9AE61ULL, 0x64BEFEF28CC970F2ULL, 0x613670957BC46611ULL,
        0xB87C5A554FD00ECBULL, 0x8C3EE88A1CCF32C8ULL, 0x940C7922AE3A2614ULL,
        0x1841F924A2C509E4ULL, 0x16F53526E70465C2ULL, 0x75F644E97F30A13BULL,
        0xEAF1FF7B5CECA249ULL,
    };
    uint64_t s[25] = {0};

    (void)state;
    postq_keccak_f1600(s);
    for (size_t i = 0; i < 25; i++) {
        assert_true(s[i] == want[i]);
    }
}

/* Messages of rate - 1, rate and rate + 1 bytes: the domain byte and the final padding bit
 * share a byte, the padding takes a block of its own, and one byte spills into a new block.
 * Digests computed independently (Python hashlib). Message byte i is (uint8_t)(29 i + 1). */
static const struct {
    const char *alg;
    size_t len;
    const char *hex;
} edges[] = {
    {"SHAKE128", 167, "40536e206df21ca0dd8d8b84f90caccf8c321c4af2f7fc6f700d2c27cc2d3eba"},
    {"SHAKE128", 168, "a18cebf0d054413745c27f46e11762a9184905bb152ca913c9827147749b8f30"},
    {"SHAKE128", 169, "66f54fca98ca07726fac7393c10ed390da20379acde4fa0b66ac433220474888"},
    {"SHA3-256", 135, "6538ad2d5d034d648b6f2e560ae0e5e0c0ec08bb959e7f092157a0b882d5e890"},
    {"SHA3-256", 136, "c47d71b897c5ea0b342b6fd39e94716c3bd481b05e1ce4b1d275d824893216c6"},
    {"SHA3-256", 137, "475b095dab18d7c9cc3c1e7e60edad6de40587908660533304e3e02d6b68b124"},
    {"SHAKE256", 135, "76908866389f08039f4bbf11e3436f6acb5db1a7383815d037b3533238449f11"},
    {"SHAKE256", 136, "1848402e9a8a130601c11fbc18276c22ad0d170e118f62a5c69cc58ee358e071"},
    {"SHAKE256", 137, "7e0bcc313bc61efff6d7a26b6621e506f6482951d2080500d43870d6f06bd413"},
    {"SHA3-512", 71,
     "5d27e99a6950446a700315cf5025455920eba36f691b267bbcc6fd35eb7cf749"
     "b15e9f6940adc0497aeaa6c8e84b7e458a100096b2da391dcac2950eac1dd5d4"},
    {"SHA3-512", 72,
     "56a0c2add7f1b5ac8b9af2216f3fb05d14cdb040c18caa8f8b489af54ea3d36b"
     "d0f8b59e23634570ae9bb1193c6546a64f40db368a0aada27f000af9260c0563"},
    {"SHA3-512", 73,
     "78aa07f3c34441c998043a172808eddd0d63fb1cd11db5734ff7d1083d1de097"
     "8e3c3b144d45067bd1cdbced1b558a970950fbbb796455cb0dedd60b6a463d15"},
    {"SHA3-224", 143, "6affc8c7ee1f7cb7d85a1a931b95321a31e37ac5fbdc0c0801a13831"},
    {"SHA3-224", 144, "645d910c7e71b904ebf59a9b2e296953e82617ba978fe4fc2cc61b98"},
    {"SHA3-224", 145, "b637d05a7715235209a184d190e1bdad91093e38d277d0769499514f"},
    {"SHA3-384", 103,
     "32d516089967660ce42bed2775d769e186af64ef7594eea4"
     "d12161b8f85ff0cd255d5fa2e8bde2db3d2635aaba5f3b8a"},
    {"SHA3-384", 104,
     "3a7833a85fb39780e17b0e4a06c92f0b9793da0eca47a3bf"
     "4b0c5f1929f3ad752fc5d1111b9fea3db5e2a2b98ea71337"},
    {"SHA3-384", 105,
     "5991041d289f95b025ddafa8a41bc59f4c716ecc8d63ff4e"
     "15764eca7a3fc2f5b90004ad796d565f7f221f352a14207e"},
};

static void init_by_name(struct postq_keccak *k, const char *alg, size_t *md_len)
{
    if (strcmp(alg, "SHAKE128") == 0) {
        postq_shake128_init(k);
        *md_len = 32;
    } else if (strcmp(alg, "SHAKE256") == 0) {
        postq_shake256_init(k);
        *md_len = 32;
    } else if (strcmp(alg, "SHA3-256") == 0) {
        postq_sha3_256_init(k);
        *md_len = 32;
    } else if (strcmp(alg, "SHA3-512") == 0) {
        postq_sha3_512_init(k);
        *md_len = 64;
    } else if (strcmp(alg, "SHA3-224") == 0) {
        postq_keccak_init(k, SHA3_224_RATE, 0x06);
        *md_len = 28;
    } else if (strcmp(alg, "SHA3-384") == 0) {
        postq_keccak_init(k, SHA3_384_RATE, 0x06);
        *md_len = 48;
    } else {
        fail_msg("unknown algorithm %s", alg);
    }
}

static void test_padding_edges(void **state)
{
    uint8_t msg[200];
    uint8_t out[64];
    uint8_t ref[64];

    (void)state;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        struct postq_keccak k;
        size_t md_len;

        msg_pattern(msg, edges[i].len);
        init_by_name(&k, edges[i].alg, &md_len);
        postq_keccak_absorb(&k, msg, edges[i].len);
        postq_keccak_squeeze(&k, out, md_len);
        assert_hex_equal(out, edges[i].hex);
        init_by_name(&k, edges[i].alg, &md_len);
        ref_sponge(ref, md_len, msg, edges[i].len, k.rate, k.dsbyte);
        assert_memory_equal(out, ref, md_len);
    }
}

/* Against the naive sponge: every length 0 .. 3 * rate + 1 at every rate, 2 blocks out. */
static void test_against_reference_sponge(void **state)
{
    static const struct {
        unsigned rate;
        uint8_t ds;
    } sponges[] = {
        {POSTQ_SHAKE128_RATE, 0x1F}, {POSTQ_SHAKE256_RATE, 0x1F}, {POSTQ_SHA3_256_RATE, 0x06},
        {POSTQ_SHA3_512_RATE, 0x06}, {SHA3_224_RATE, 0x06},       {SHA3_384_RATE, 0x06},
    };
    static uint8_t msg[3 * 168 + 2];
    uint8_t out[2 * 168];
    uint8_t ref[2 * 168];

    (void)state;
    msg_pattern(msg, sizeof(msg));
    for (size_t si = 0; si < sizeof(sponges) / sizeof(sponges[0]); si++) {
        unsigned rate = sponges[si].rate;
        for (size_t len = 0; len <= 3 * rate + 1; len++) {
            struct postq_keccak k;
            postq_keccak_init(&k, rate, sponges[si].ds);
            postq_keccak_absorb(&k, msg, len);
            postq_keccak_squeeze(&k, out, 2 * rate);
            ref_sponge(ref, 2 * rate, msg, len, rate, sponges[si].ds);
            assert_memory_equal(out, ref, 2 * rate);
        }
    }
    /* The one-shot helpers are the same sponges. */
    postq_shake128(out, 200, msg, 300);
    ref_sponge(ref, 200, msg, 300, POSTQ_SHAKE128_RATE, 0x1F);
    assert_memory_equal(out, ref, 200);
    postq_shake256(out, 200, msg, 300);
    ref_sponge(ref, 200, msg, 300, POSTQ_SHAKE256_RATE, 0x1F);
    assert_memory_equal(out, ref, 200);
    postq_sha3_256(out, msg, 300);
    ref_sponge(ref, 32, msg, 300, POSTQ_SHA3_256_RATE, 0x06);
    assert_memory_equal(out, ref, 32);
    postq_sha3_512(out, msg, 300);
    ref_sponge(ref, 64, msg, 300, POSTQ_SHA3_512_RATE, 0x06);
    assert_memory_equal(out, ref, 64);
}

typedef void (*init_fn)(struct postq_keccak *k);

static const struct {
    const char *name;
    init_fn init;
} fns[] = {
    {"SHAKE128", postq_shake128_init},
    {"SHAKE256", postq_shake256_init},
    {"SHA3-256", postq_sha3_256_init},
    {"SHA3-512", postq_sha3_512_init},
};

/* absorb(m[0..i)) then absorb(m[i..500)) for every i, and byte by byte, equal one shot. */
static void test_absorb_split_everywhere(void **state)
{
    uint8_t msg[500];
    uint8_t want[64];
    uint8_t got[64];

    (void)state;
    msg_pattern(msg, sizeof(msg));
    for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
        struct postq_keccak k;

        fns[f].init(&k);
        postq_keccak_absorb(&k, msg, sizeof(msg));
        postq_keccak_squeeze(&k, want, sizeof(want));
        for (size_t i = 0; i <= sizeof(msg); i++) {
            fns[f].init(&k);
            postq_keccak_absorb(&k, msg, i);
            postq_keccak_absorb(&k, msg + i, sizeof(msg) - i);
            postq_keccak_squeeze(&k, got, sizeof(got));
            assert_memory_equal(got, want, sizeof(want));
        }
        /* Three pieces, the middle one crossing block boundaries. */
        for (size_t i = 0; i < sizeof(msg); i += 7) {
            size_t j = i + (sizeof(msg) - i) / 2;
            fns[f].init(&k);
            postq_keccak_absorb(&k, msg, i);
            postq_keccak_absorb(&k, NULL, 0);
            postq_keccak_absorb(&k, msg + i, j - i);
            postq_keccak_absorb(&k, msg + j, sizeof(msg) - j);
            postq_keccak_squeeze(&k, got, sizeof(got));
            assert_memory_equal(got, want, sizeof(want));
        }
        fns[f].init(&k);
        for (size_t i = 0; i < sizeof(msg); i++) {
            postq_keccak_absorb(&k, msg + i, 1);
        }
        postq_keccak_finalize(&k);
        postq_keccak_finalize(&k); /* a second finalize changes nothing */
        postq_keccak_squeeze(&k, got, sizeof(got));
        assert_memory_equal(got, want, sizeof(want));
    }
}

/* Squeezing 1000 bytes in pieces of s bytes, for every s in 1..200, equals one squeeze. */
static void test_squeeze_in_pieces(void **state)
{
    uint8_t msg[50];
    uint8_t want[1000];
    uint8_t got[1000];

    (void)state;
    msg_pattern(msg, sizeof(msg));
    for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
        struct postq_keccak k;

        fns[f].init(&k);
        postq_keccak_absorb(&k, msg, sizeof(msg));
        postq_keccak_squeeze(&k, want, sizeof(want));
        for (size_t s = 1; s <= 200; s++) {
            fns[f].init(&k);
            postq_keccak_absorb(&k, msg, sizeof(msg));
            memset(got, 0, sizeof(got));
            for (size_t off = 0; off < sizeof(got); off += s) {
                size_t n = sizeof(got) - off < s ? sizeof(got) - off : s;
                postq_keccak_squeeze(&k, got + off, n);
            }
            assert_memory_equal(got, want, sizeof(want));
        }
        /* Zero-length reads are harmless anywhere. */
        fns[f].init(&k);
        postq_keccak_absorb(&k, msg, sizeof(msg));
        postq_keccak_squeeze(&k, got, 0);
        postq_keccak_squeeze(&k, got, 333);
        postq_keccak_squeeze(&k, got + 333, 0);
        postq_keccak_squeeze(&k, got + 333, 667);
        assert_memory_equal(got, want, sizeof(want));
    }
}

/* squeezeblocks(n) equals squeeze(n * rate), alone, after finalize, after whole-block reads,
 * and followed by ordinary squeezes. */
static void test_squeezeblocks(void **state)
{
    static const init_fn xofs[] = {postq_shake128_init, postq_shake256_init};
    uint8_t msg[40];
    uint8_t want[6 * 168 + 100];
    uint8_t got[6 * 168 + 100];

    (void)state;
    msg_pattern(msg, sizeof(msg));
    for (size_t f = 0; f < 2; f++) {
        struct postq_keccak k;
        unsigned rate;

        xofs[f](&k);
        rate = k.rate;
        postq_keccak_absorb(&k, msg, sizeof(msg));
        postq_keccak_squeeze(&k, want, 6 * rate + 100);

        for (size_t nb = 0; nb <= 6; nb++) {
            xofs[f](&k);
            postq_keccak_absorb(&k, msg, sizeof(msg));
            postq_keccak_squeezeblocks(&k, got, nb);
            assert_memory_equal(got, want, nb * rate);
            /* Carry on with a byte-oriented squeeze. */
            postq_keccak_squeeze(&k, got + nb * rate, 100);
            assert_memory_equal(got, want, nb * rate + 100);
        }
        /* After finalize, and after reads that ended on a block boundary. */
        xofs[f](&k);
        postq_keccak_absorb(&k, msg, sizeof(msg));
        postq_keccak_finalize(&k);
        postq_keccak_squeezeblocks(&k, got, 1);
        postq_keccak_squeeze(&k, got + rate, rate);
        postq_keccak_squeezeblocks(&k, got + 2 * rate, 3);
        postq_keccak_squeeze(&k, got + 5 * rate, rate / 2);
        postq_keccak_squeeze(&k, got + 5 * rate + rate / 2, rate - rate / 2);
        postq_keccak_squeezeblocks(&k, got + 6 * rate, 0);
        assert_memory_equal(got, want, 6 * rate);
    }
}

/* ---- Keccak-f[1600] written from FIPS 202 §3.2 step by step, to know the state after any
 * number of rounds ---- */

static uint64_t rotl(uint64_t v, unsigned n) { return n == 0 ? v : (v << n) | (v >> (64 - n)); }

/* rc(t) of FIPS 202 Alg. 5: the LFSR x^8 + x^6 + x^5 + x^4 + 1. */
static unsigned lfsr_bit(unsigned t)
{
    unsigned r = 1;
    for (unsigned i = 0; i < t % 255; i++) {
        r <<= 1;
        if (r & 0x100) {
            r ^= 0x171;
        }
    }
    return r & 1;
}

static void ref_rounds(uint64_t a[25], unsigned nrounds)
{
    static const unsigned rho[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                     25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
    for (unsigned ir = 0; ir < nrounds; ir++) {
        uint64_t c[5], b[25], rc = 0;
        for (unsigned x = 0; x < 5; x++) {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for (unsigned x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (unsigned y = 0; y < 5; y++) {
                a[x + 5 * y] ^= d;
            }
        }
        for (unsigned x = 0; x < 5; x++) {
            for (unsigned y = 0; y < 5; y++) {
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rho[x + 5 * y]);
            }
        }
        for (unsigned y = 0; y < 5; y++) {
            for (unsigned x = 0; x < 5; x++) {
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        for (unsigned j = 0; j < 7; j++) {
            rc |= (uint64_t)lfsr_bit(j + 7 * ir) << ((1u << j) - 1);
        }
        a[0] ^= rc;
    }
}

/* The permutation in a frame of its own, then a frame of the same depth that reads what the
 * permutation left on the stack. */
static __attribute__((noinline)) void permute_in_frame(uint64_t s[25]) { postq_keccak_f1600(s); }

static __attribute__((noinline)) size_t stack_residue(const uint64_t *lanes, size_t n)
{
    volatile uint64_t probe[2048]; /* read uninitialised on purpose: what is left there */
    size_t found = 0;

    for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
        uint64_t v = probe[i];
#pragma GCC diagnostic pop
        for (size_t j = 0; j < n; j++) {
            found += v == lanes[j];
        }
    }
    return found;
}

/* The reference agrees with postq_keccak_f1600, and nothing of the state one round before the
 * end (the permutation's temporary, which recovers the input) stays on the stack. On the
 * portable path only the lanes it keeps uncomplemented are looked for; the AVX2 path keeps no
 * lane complemented, so all 25 are. Both paths where the CPU has AVX2. */
static void check_no_state_left_on_stack(int avx2)
{
    static const unsigned plain[] = {0, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15, 16, 18, 19,
                                     21, 22, 23, 24};
    uint64_t in[25], s[25], ref[25], r23[25], want[25];
    size_t n = 0;

    for (unsigned i = 0; i < 25; i++) {
        in[i] = 0x9E3779B97F4A7C15ULL * (i + 1) ^ 0x5EC7E75EED5ULL; /* stands for a secret */
    }
    memcpy(ref, in, sizeof(in));
    ref_rounds(ref, 24);
    memcpy(s, in, sizeof(in));
    postq_keccak_f1600(s);
    assert_memory_equal(s, ref, sizeof(s));

    memcpy(r23, in, sizeof(in));
    ref_rounds(r23, 23);
    for (unsigned i = 0; i < 25; i++) {
        if (avx2) {
            want[n++] = r23[i];
        }
    }
    for (size_t j = 0; !avx2 && j < sizeof(plain) / sizeof(plain[0]); j++) {
        want[n++] = r23[plain[j]];
    }
    memcpy(s, in, sizeof(in));
    permute_in_frame(s);
    assert_int_equal(stack_residue(want, n), 0);
}

static void test_no_state_left_on_stack(void **state)
{
    int at_start = postq_cpu_avx2();

    (void)state;
    postq_cpu_set_avx2(0);
    check_no_state_left_on_stack(0);
    if (postq_cpu_set_avx2(1) == 1) {
        check_no_state_left_on_stack(1);
    } else {
        printf("# keccak: this CPU has no AVX2: only the portable path checked\n");
    }
    postq_cpu_set_avx2(at_start);
}

/* xorshift64*: reproducible test states */
static uint64_t next64(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

/* The AVX2 permutation against the portable one on 2,000 random states (and the states each
 * leaves, so chains of permutations too), and SHAKE256 of every length 0..400 in pieces of
 * varying size on both paths. Skipped, with a note, on a CPU without AVX2. */
static void test_paths_agree(void **state)
{
    int at_start = postq_cpu_avx2();
    uint64_t x = 0x243F6A8885A308D3ULL, a[25], b[25];
    uint8_t msg[400], oa[300], ob[300];

    (void)state;
    if (postq_cpu_set_avx2(1) != 1) {
        printf("# keccak: this CPU has no AVX2: nothing to compare\n");
        postq_cpu_set_avx2(at_start);
        return;
    }
    for (unsigned n = 0; n < 2000; n++) {
        if (n % 10 == 0) {
            for (unsigned i = 0; i < 25; i++) {
                a[i] = next64(&x);
            }
        }
        memcpy(b, a, sizeof(a));
        postq_cpu_set_avx2(1);
        postq_keccak_f1600(a);
        postq_cpu_set_avx2(0);
        postq_keccak_f1600(b);
        assert_memory_equal(a, b, sizeof(a));
    }
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)next64(&x);
    }
    for (size_t len = 0; len <= sizeof(msg); len++) {
        for (int path = 0; path < 2; path++) {
            struct postq_keccak k;
            size_t off = 0, step = 1 + len % 13;

            postq_cpu_set_avx2(path);
            postq_shake256_init(&k);
            while (off < len) {
                size_t m = len - off < step ? len - off : step;
                postq_keccak_absorb(&k, msg + off, m);
                off += m;
                step = step * 3 % 71 + 1;
            }
            postq_keccak_squeeze(&k, path ? oa : ob, 7);
            postq_keccak_squeeze(&k, (path ? oa : ob) + 7, sizeof(oa) - 7);
        }
        assert_memory_equal(oa, ob, sizeof(oa));
    }
    postq_cpu_set_avx2(at_start);
}

static void test_wipe(void **state)
{
    struct postq_keccak k;
    const uint8_t *p = (const uint8_t *)&k;

    (void)state;
    postq_shake256_init(&k);
    postq_keccak_absorb(&k, (const uint8_t *)"secret seed", 11);
    postq_keccak_finalize(&k);
    postq_keccak_wipe(&k);
    for (size_t i = 0; i < sizeof(k); i++) {
        assert_int_equal(p[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_permutation_of_zero_state),
        cmocka_unit_test(test_padding_edges),
        cmocka_unit_test(test_against_reference_sponge),
        cmocka_unit_test(test_absorb_split_everywhere),
        cmocka_unit_test(test_squeeze_in_pieces),
        cmocka_unit_test(test_squeezeblocks),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_no_state_left_on_stack),
        cmocka_unit_test(test_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
