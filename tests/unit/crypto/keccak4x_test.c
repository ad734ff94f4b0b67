/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto/keccak4x.c and keccak4x_avx2.c: the 4-way permutation against four scalar ones, the
 * four SHAKE sponges against postq_shake128/256 run on each input alone (lengths around every
 * block and padding edge, 1 to 6 blocks out, in one squeeze or two), wiping, and what the AVX2
 * permutation leaves on the stack. Every check runs on the portable path and, where the CPU has
 * AVX2, on the AVX2 path (postq_cpu_set_avx2 switches in-process); without AVX2 a note says the
 * portable path alone was tested. */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "common/cpu.h"
#include "crypto/keccak.h"
#include "crypto/keccak4x.h"

static int have_avx2;
static int path_at_start;

/* The paths to test: portable always, AVX2 where the CPU has it. */
static unsigned npaths(void)
{
    return have_avx2 ? 2 : 1;
}

/* Forces path p (0 portable, 1 AVX2) and checks the switch took. */
static void use_path(unsigned p)
{
    assert_int_equal(postq_cpu_set_avx2((int)p), (int)p);
    assert_int_equal(postq_cpu_avx2(), (int)p);
}

static int setup(void **state)
{
    (void)state;
    path_at_start = postq_cpu_avx2();
    have_avx2 = postq_cpu_avx2_supported();
    if (!have_avx2) {
        printf("# keccak4x: this CPU has no AVX2; only the portable path is tested\n");
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    postq_cpu_set_avx2(path_at_start);
    return 0;
}

/* Four distinct, random-looking states: SHAKE128 of a label and a counter. */
static void make_states(uint64_t s[4][25], uint8_t tag)
{
    for (unsigned j = 0; j < 4; j++) {
        uint8_t seed[2] = {tag, (uint8_t)j};
        uint8_t buf[200];

        postq_shake128(buf, sizeof(buf), seed, sizeof(seed));
        memcpy(s[j], buf, sizeof(buf)); /* the byte order does not matter here */
    }
}

static void interleave(struct postq_keccak4x *st, uint64_t s[4][25])
{
    for (unsigned i = 0; i < 25; i++) {
        for (unsigned j = 0; j < 4; j++) {
            st->s[4 * i + j] = s[j][i];
        }
    }
}

static void assert_states_equal(const struct postq_keccak4x *st, uint64_t s[4][25])
{
    for (unsigned i = 0; i < 25; i++) {
        for (unsigned j = 0; j < 4; j++) {
            if (st->s[4 * i + j] != s[j][i]) {
                fail_msg("lane %u of state %u differs", i, j);
            }
        }
    }
}

/* 0 permutes through the dispatcher; 1 calls the AVX2 permutation itself, so a dispatcher that
 * silently took the portable path could not hide a broken AVX2 one. */
static void permute(struct postq_keccak4x *st, int direct)
{
#if defined(__x86_64__)
    if (direct) {
        postq_keccak4x_f1600_avx2(st->s);
        return;
    }
#else
    assert_int_equal(direct, 0);
#endif
    postq_keccak4x_f1600(st);
}

/* Five chained permutations of four distinct states, of the zero state in all four, and of
 * states that differ in one lane only, against postq_keccak_f1600 on each state. */
static void test_permutation_matches_scalar(void **state)
{
    (void)state;
    for (unsigned p = 0; p < npaths(); p++) {
        for (int direct = 0; direct <= (int)p; direct++) {
            struct postq_keccak4x st;
            uint64_t s[4][25];

            use_path(p);
            for (uint8_t tag = 0; tag < 3; tag++) {
                make_states(s, tag);
                if (tag == 1) {
                    memset(s, 0, sizeof(s));
                } else if (tag == 2) {
                    for (unsigned j = 1; j < 4; j++) {
                        memcpy(s[j], s[0], sizeof(s[0]));
                        s[j][24 - j] ^= 1ULL << (21 * j);
                    }
                }
                interleave(&st, s);
                for (unsigned n = 0; n < 5; n++) {
                    permute(&st, direct);
                    for (unsigned j = 0; j < 4; j++) {
                        postq_keccak_f1600(s[j]);
                    }
                    assert_states_equal(&st, s);
                }
            }
            /* Lane 0 of Keccak-f[1600] of the zero state, a known answer apart from keccak.c. */
            memset(&st, 0, sizeof(st));
            permute(&st, direct);
            for (unsigned j = 0; j < 4; j++) {
                assert_true(st.s[j] == 0xF1258F7940E1DDE7ULL);
            }
        }
    }
}

#define MAX_LEN     300
#define MAX_BLOCKS  6
#define OUT_BYTES   (MAX_BLOCKS * POSTQ_SHAKE128_RATE)
#define CANARY      0xA5
#define CANARY_SIZE 32

static const size_t lens[] = {0, 1, 33, 34, 66, 135, 136, 137, 167, 168, 169, 300};

static void shake(unsigned rate, uint8_t *out, size_t out_len, const uint8_t *in, size_t len)
{
    if (rate == POSTQ_SHAKE128_RATE) {
        postq_shake128(out, out_len, in, len);
    } else {
        postq_shake256(out, out_len, in, len);
    }
}

/* Squeezes nblocks from st in two calls, first blocks then the rest (first may be 0 or all),
 * and compares each stream with want[j]; bytes past nblocks * rate must stay untouched. */
static void squeeze_and_check(struct postq_keccak4x *st, unsigned rate, size_t nblocks,
                              size_t first, uint8_t want[4][OUT_BYTES])
{
    static uint8_t got[4][OUT_BYTES + CANARY_SIZE];
    size_t n = nblocks * rate;

    memset(got, CANARY, sizeof(got));
    postq_shake4x_squeezeblocks(got[0], got[1], got[2], got[3], first, rate, st);
    postq_shake4x_squeezeblocks(got[0] + first * rate, got[1] + first * rate, got[2] + first * rate,
                                got[3] + first * rate, nblocks - first, rate, st);
    for (unsigned j = 0; j < 4; j++) {
        if (memcmp(got[j], want[j], n) != 0) {
            fail_msg("rate %u, %zu blocks (%zu + %zu): stream %u differs", rate, nblocks, first,
                     nblocks - first, j);
        }
        for (size_t i = n; i < n + CANARY_SIZE; i++) {
            assert_int_equal(got[j][i], CANARY);
        }
    }
}

/* Four different inputs of each length, absorbed together, squeezed in one call and in two,
 * equal the one-state SHAKE of each input. */
static void test_shake4x_matches_shake(void **state)
{
    static const unsigned rates[] = {POSTQ_SHAKE128_RATE, POSTQ_SHAKE256_RATE};
    static uint8_t in[4][MAX_LEN];
    static uint8_t want[4][OUT_BYTES];

    (void)state;
    for (unsigned j = 0; j < 4; j++) {
        for (size_t i = 0; i < MAX_LEN; i++) {
            in[j][i] = (uint8_t)(i * 29 + 1 + 64 * j);
        }
    }
    for (unsigned p = 0; p < npaths(); p++) {
        use_path(p);
        for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
            unsigned rate = rates[r];
            for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
                size_t len = lens[l];
                for (unsigned j = 0; j < 4; j++) {
                    shake(rate, want[j], MAX_BLOCKS * rate, in[j], len);
                }
                for (size_t nblocks = 1; nblocks <= MAX_BLOCKS; nblocks++) {
                    for (size_t first = 0; first <= nblocks; first++) {
                        struct postq_keccak4x st;
                        postq_shake4x_absorb(&st, rate, in[0], in[1], in[2], in[3], len);
                        squeeze_and_check(&st, rate, nblocks, first, want);
                    }
                }
            }
            /* No input at all: NULL pointers with length 0. */
            {
                struct postq_keccak4x st;
                uint8_t empty[4][OUT_BYTES];

                shake(rate, empty[0], MAX_BLOCKS * rate, NULL, 0);
                for (unsigned j = 1; j < 4; j++) {
                    memcpy(empty[j], empty[0], sizeof(empty[0]));
                }
                postq_shake4x_absorb(&st, rate, NULL, NULL, NULL, NULL, 0);
                squeeze_and_check(&st, rate, MAX_BLOCKS, 2, empty);
            }
        }
    }
}

/* The same through the incremental interface of keccak.h: init, absorb, finalize, then
 * squeezeblocks a block at a time, against one 4-way squeeze per block. */
static void test_shake4x_matches_squeezeblocks(void **state)
{
    static const unsigned rates[] = {POSTQ_SHAKE128_RATE, POSTQ_SHAKE256_RATE};
    uint8_t in[4][66];

    (void)state;
    for (unsigned j = 0; j < 4; j++) {
        postq_shake256(in[j], sizeof(in[j]), (const uint8_t *)&j, sizeof(j));
    }
    for (unsigned p = 0; p < npaths(); p++) {
        use_path(p);
        for (size_t r = 0; r < 2; r++) {
            unsigned rate = rates[r];
            struct postq_keccak4x st;
            struct postq_keccak k[4];

            postq_shake4x_absorb(&st, rate, in[0], in[1], in[2], in[3], sizeof(in[0]));
            for (unsigned j = 0; j < 4; j++) {
                postq_keccak_init(&k[j], rate, 0x1F);
                postq_keccak_absorb(&k[j], in[j], sizeof(in[j]));
                postq_keccak_finalize(&k[j]);
            }
            for (unsigned b = 0; b < 4; b++) {
                uint8_t got[4][POSTQ_SHAKE128_RATE];
                uint8_t want[POSTQ_SHAKE128_RATE];

                postq_shake4x_squeezeblocks(got[0], got[1], got[2], got[3], 1, rate, &st);
                for (unsigned j = 0; j < 4; j++) {
                    postq_keccak_squeezeblocks(&k[j], want, 1);
                    assert_memory_equal(got[j], want, rate);
                }
            }
            postq_keccak4x_wipe(&st);
        }
    }
}

/* Zero blocks squeeze nothing and leave the state as it was. */
static void test_squeeze_zero_blocks(void **state)
{
    struct postq_keccak4x st, before;
    uint8_t out[4][1] = {{CANARY}, {CANARY}, {CANARY}, {CANARY}};

    (void)state;
    postq_shake4x_absorb(&st, POSTQ_SHAKE128_RATE, (const uint8_t *)"a", (const uint8_t *)"b",
                         (const uint8_t *)"c", (const uint8_t *)"d", 1);
    before = st;
    postq_shake4x_squeezeblocks(out[0], out[1], out[2], out[3], 0, POSTQ_SHAKE128_RATE, &st);
    assert_memory_equal(&st, &before, sizeof(st));
    for (unsigned j = 0; j < 4; j++) {
        assert_int_equal(out[j][0], CANARY);
    }
}

static void test_wipe(void **state)
{
    struct postq_keccak4x st;
    const uint8_t *p = (const uint8_t *)&st;
    const uint8_t seed[32] = {1, 2, 3};

    (void)state;
    postq_shake4x_absorb(&st, POSTQ_SHAKE256_RATE, seed, seed, seed, seed, sizeof(seed));
    postq_keccak4x_wipe(&st);
    for (size_t i = 0; i < sizeof(st); i++) {
        assert_int_equal(p[i], 0);
    }
}

/* ---- what the permutation leaves on the stack ---- */

static uint64_t rotl(uint64_t v, unsigned n)
{
    return n == 0 ? v : (v << n) | (v >> (64 - n));
}

/* nrounds rounds of Keccak-f[1600] spelled out from FIPS 202 §3.2, to know the state after any
 * number of rounds; the round constants are the first bits of the LFSR of Alg. 5. */
static void ref_rounds(uint64_t a[25], unsigned nrounds)
{
    static const unsigned rho[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                     25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
    unsigned lfsr = 1;

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
        /* Bit 2^j - 1 of RC is rc(j + 7 ir): the LFSR x^8 + x^6 + x^5 + x^4 + 1 stepped on. */
        for (unsigned j = 0; j < 7; j++) {
            rc |= (uint64_t)(lfsr & 1) << ((1u << j) - 1);
            lfsr <<= 1;
            if (lfsr & 0x100) {
                lfsr ^= 0x171;
            }
        }
        a[0] ^= rc;
    }
}

static __attribute__((noinline)) void permute_in_frame(struct postq_keccak4x *st)
{
    postq_keccak4x_f1600(st);
}

static __attribute__((noinline)) size_t stack_residue(const uint64_t *lanes, size_t n)
{
    volatile uint64_t probe[4096]; /* read uninitialised on purpose: what is left there */
    size_t found = 0;

    for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"                /* GCC: the next one is Clang's */
#pragma GCC diagnostic ignored "-Wunknown-warning-option" /* Clang: the last one is GCC's */
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
        uint64_t v = probe[i];
#pragma GCC diagnostic pop
        for (size_t j = 0; j < n; j++) {
            found += v == lanes[j];
        }
    }
    return found;
}

/* The reference agrees with the permutation, and after it nothing of the four states one round
 * before the end (which gives the input back) is left on the stack. The AVX2 path only: the
 * portable one is postq_keccak_f1600, whose own test checks this. */
static void test_no_state_left_on_stack(void **state)
{
    struct postq_keccak4x st;
    uint64_t in[4][25], r23[4][25], out[4][25];

    (void)state;
    if (!have_avx2) {
        printf("# keccak4x: no AVX2, so no AVX2 stack to check\n");
        return;
    }
    use_path(1);
    for (unsigned j = 0; j < 4; j++) {
        for (unsigned i = 0; i < 25; i++) {
            in[j][i] = 0x9E3779B97F4A7C15ULL * (25 * j + i + 1) ^ 0x5EC7E75EED5ULL;
        }
        memcpy(r23[j], in[j], sizeof(in[j]));
        ref_rounds(r23[j], 23);
        memcpy(out[j], in[j], sizeof(in[j]));
        ref_rounds(out[j], 24);
    }
    interleave(&st, in);
    permute_in_frame(&st);
    assert_states_equal(&st, out);
    postq_keccak4x_wipe(&st);
    assert_int_equal(stack_residue(&r23[0][0], 100), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permutation_matches_scalar),
        cmocka_unit_test(test_shake4x_matches_shake),
        cmocka_unit_test(test_shake4x_matches_squeezeblocks),
        cmocka_unit_test(test_squeeze_zero_blocks),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_no_state_left_on_stack),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
