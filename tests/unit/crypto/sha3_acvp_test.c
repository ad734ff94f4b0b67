/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto/keccak.c against NIST's ACVP sample sets for FIPS 202 (../shared/vectors/acvp,
 * conventions in its README): SHA3-224/256/384/512 AFT + MCT, SHAKE-128/256 AFT + VOT + MCT,
 * and the byte-oriented SHAKE FIPS202 sets. prompt.json is joined with expectedResults.json on
 * tcId. The API is byte-oriented, so cases whose message or output is not whole bytes are
 * skipped and counted. LDT cases (1-8 GiB each, about 5 s per GiB: too slow for the unit
 * suite) are counted as skipped; POSTQ_ACVP_LDT=N runs those of at most N GiB. A folder fails
 * on any byte-aligned mismatch, an unknown testType or mctVersion, or when no case ran. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"

/* Hash or XOF: out_len bytes of output (fixed for SHA-3). */
typedef void (*hash_fn)(uint8_t *out, size_t out_len, const uint8_t *in, size_t len);

/* SHA3-224 and SHA3-384 have no helper in keccak.h: rate = 200 - 2 * digest bytes. */
static void sha3_224(uint8_t *out, size_t out_len, const uint8_t *in, size_t len)
{
    struct postq_keccak k;
    postq_keccak_init(&k, 200 - 2 * 28, 0x06);
    postq_keccak_absorb(&k, in, len);
    postq_keccak_squeeze(&k, out, out_len);
}

static void sha3_384(uint8_t *out, size_t out_len, const uint8_t *in, size_t len)
{
    struct postq_keccak k;
    postq_keccak_init(&k, 200 - 2 * 48, 0x06);
    postq_keccak_absorb(&k, in, len);
    postq_keccak_squeeze(&k, out, out_len);
}

static void sha3_256(uint8_t *out, size_t out_len, const uint8_t *in, size_t len)
{
    assert_int_equal(out_len, 32);
    postq_sha3_256(out, in, len);
}

static void sha3_512(uint8_t *out, size_t out_len, const uint8_t *in, size_t len)
{
    assert_int_equal(out_len, 64);
    postq_sha3_512(out, in, len);
}

struct folder {
    const char *dir;       /* under vectors/acvp/ */
    const char *label;     /* in the printed counts */
    const char *algorithm; /* the prompt's "algorithm" */
    const char *revision;  /* the prompt's "revision" */
    hash_fn hash;
    unsigned rate;   /* for the incremental LDT path */
    uint8_t ds;      /* domain byte, likewise */
    size_t md_len;   /* SHA-3 digest bytes; 0 for SHAKE (outLen per case) */
};

static const struct folder sha3_224_2 = {"SHA3-224-2.0", "SHA3-224", "SHA3-224", "2.0",
                                         sha3_224, 144, 0x06, 28};
static const struct folder sha3_256_2 = {"SHA3-256-2.0", "SHA3-256", "SHA3-256", "2.0",
                                         sha3_256, 136, 0x06, 32};
static const struct folder sha3_384_2 = {"SHA3-384-2.0", "SHA3-384", "SHA3-384", "2.0",
                                         sha3_384, 104, 0x06, 48};
static const struct folder sha3_512_2 = {"SHA3-512-2.0", "SHA3-512", "SHA3-512", "2.0",
                                         sha3_512, 72, 0x06, 64};
static const struct folder shake_128_1 = {"SHAKE-128-1.0", "SHAKE-128-1.0", "SHAKE-128", "1.0",
                                          postq_shake128, 168, 0x1F, 0};
static const struct folder shake_256_1 = {"SHAKE-256-1.0", "SHAKE-256-1.0", "SHAKE-256", "1.0",
                                          postq_shake256, 136, 0x1F, 0};
static const struct folder shake_128_f = {"SHAKE-128-FIPS202", "SHAKE-128-FIPS202", "SHAKE-128",
                                          "FIPS202", postq_shake128, 168, 0x1F, 0};
static const struct folder shake_256_f = {"SHAKE-256-FIPS202", "SHAKE-256-FIPS202", "SHAKE-256",
                                          "FIPS202", postq_shake256, 136, 0x1F, 0};

enum { T_AFT, T_VOT, T_MCT, T_LDT, T_COUNT };
static const char *const type_names[T_COUNT] = {"AFT", "VOT", "MCT", "LDT"};

struct counts {
    int seen; /* a group of this type exists */
    long passed;
    long failed;
    long skipped;
};

struct run {
    const struct folder *f;
    struct counts c[T_COUNT];
};

static void record(struct run *r, int type, int ok, json_int_t tcid, const char *what)
{
    if (ok) {
        r->c[type].passed++;
    } else {
        r->c[type].failed++;
        print_error("%s %s tcId %lld: %s mismatch\n", r->f->label, type_names[type],
                    (long long)tcid, what);
    }
}

/* Message bytes of a {msg, len} test, or NULL (and *skip set) when len is not whole bytes. */
static uint8_t *message(const json_t *t, size_t *len, int *skip)
{
    json_int_t bits = tl_int(t, "len");
    uint8_t *msg = tl_hex_member(t, "msg", len);

    assert_true(bits >= 0);
    assert_int_equal(*len, ((size_t)bits + 7) / 8);
    *skip = bits % 8 != 0;
    return msg;
}

static int md_equal(const uint8_t *got, size_t got_len, const json_t *expected_obj)
{
    size_t n;
    uint8_t *want = tl_hex_member(expected_obj, "md", &n);
    int ok = n == got_len && memcmp(got, want, n) == 0;
    free(want);
    return ok;
}

/* AFT and VOT: one message, one digest (SHA-3) or outLen bits of output (SHAKE). */
static void run_aft(struct run *r, int type, const json_t *t, const json_t *exp)
{
    json_int_t tcid = tl_int(t, "tcId");
    size_t len;
    size_t out_len = r->f->md_len;
    int skip;
    uint8_t *msg = message(t, &len, &skip);
    uint8_t *out;

    if (r->f->md_len == 0) {
        json_int_t out_bits = tl_int(t, "outLen");
        assert_true(out_bits > 0);
        if (json_object_get(exp, "outLen") != NULL) {
            assert_int_equal(tl_int(exp, "outLen"), out_bits);
        }
        skip |= out_bits % 8 != 0;
        out_len = (size_t)out_bits / 8;
    }
    if (skip) {
        r->c[type].skipped++;
        free(msg);
        return;
    }
    out = malloc(out_len + 1);
    assert_non_null(out);
    r->f->hash(out, out_len, msg, len);
    record(r, type, md_equal(out, out_len, exp), tcid, "md");
    free(out);
    free(msg);
}

/* SHA-3 "standard" MCT: MD = msg; 100 times { 1000 times MD = SHA3(MD); record MD }. */
static void run_sha3_mct(struct run *r, const json_t *t, const json_t *exp)
{
    json_int_t tcid = tl_int(t, "tcId");
    const json_t *results = json_object_get(exp, "resultsArray");
    size_t md_len = r->f->md_len;
    size_t len;
    int skip;
    int ok = 1;
    uint8_t *msg = message(t, &len, &skip);
    uint8_t a[64];
    uint8_t b[64];

    assert_true(json_is_array(results));
    assert_int_equal(json_array_size(results), 100);
    if (skip) {
        r->c[T_MCT].skipped++;
        free(msg);
        return;
    }
    r->f->hash(a, md_len, msg, len); /* the first hash takes msg at its own length */
    for (size_t j = 0; j < 100; j++) {
        for (size_t i = j == 0 ? 1 : 0; i < 1000; i++) {
            r->f->hash(b, md_len, a, md_len);
            memcpy(a, b, md_len);
        }
        ok &= md_equal(a, md_len, json_array_get(results, j));
    }
    record(r, T_MCT, ok, tcid, "resultsArray");
    free(msg);
}

/* SHAKE MCT (README "SHAKE MCT"): M = first 16 bytes of Out, zero-padded; Out = SHAKE(M,
 * outBytes); record on the 1000th; outBytes = min + (last two bytes of Out, big-endian) mod
 * (max - min + 1), every inner iteration. */
static void run_shake_mct(struct run *r, const json_t *g, const json_t *t, const json_t *exp)
{
    json_int_t tcid = tl_int(t, "tcId");
    json_int_t min_bits = tl_int(g, "minOutLen");
    json_int_t max_bits = tl_int(g, "maxOutLen");
    const json_t *results = json_object_get(exp, "resultsArray");
    size_t len;
    int skip;
    int ok = 1;
    uint8_t *msg = message(t, &len, &skip);
    uint8_t *out;
    size_t out_len;
    size_t min_bytes;
    size_t max_bytes;
    size_t range;
    size_t out_bytes;

    assert_true(json_is_array(results));
    assert_int_equal(json_array_size(results), 100);
    assert_true(min_bits > 0 && max_bits >= min_bits);
    if (skip || min_bits % 8 != 0 || max_bits % 8 != 0) {
        r->c[T_MCT].skipped++;
        free(msg);
        return;
    }
    min_bytes = (size_t)min_bits / 8;
    max_bytes = (size_t)max_bits / 8;
    range = max_bytes - min_bytes + 1;
    assert_true(min_bytes >= 2);
    out = calloc(1, max_bytes > len ? max_bytes : len);
    assert_non_null(out);
    memcpy(out, msg, len);
    out_len = len;
    out_bytes = max_bytes;
    for (size_t j = 0; j < 100; j++) {
        const json_t *res = json_array_get(results, j);
        for (size_t i = 1; i <= 1000; i++) {
            uint8_t m[16] = {0};
            memcpy(m, out, out_len < 16 ? out_len : 16);
            r->f->hash(out, out_bytes, m, sizeof(m));
            out_len = out_bytes;
            if (i == 1000) {
                ok &= tl_int(res, "outLen") == (json_int_t)(out_len * 8);
                ok &= md_equal(out, out_len, res);
            }
            out_bytes = min_bytes + (((size_t)out[out_len - 2] << 8 | out[out_len - 1]) % range);
        }
    }
    record(r, T_MCT, ok, tcid, "resultsArray");
    free(out);
    free(msg);
}

/* LDT: content (contentLength bits) repeated up to fullLength bits, absorbed in chunks. */
static void run_ldt(struct run *r, const json_t *t, const json_t *exp, unsigned long max_gib)
{
    const json_t *lm = json_object_get(t, "largeMsg");
    json_int_t tcid = tl_int(t, "tcId");
    json_int_t content_bits;
    json_int_t full_bits;
    size_t clen;
    uint8_t *content;
    uint8_t *chunk;
    size_t chunk_len;
    unsigned long long left;
    struct postq_keccak k;
    uint8_t md[64];

    assert_true(json_is_object(lm));
    assert_string_equal(tl_str(lm, "expansionTechnique"), "repeating");
    content_bits = tl_int(lm, "contentLength");
    full_bits = tl_int(lm, "fullLength");
    content = tl_hex_member(lm, "content", &clen);
    assert_true(content_bits > 0 && full_bits >= 0);
    if ((unsigned long long)full_bits / 8 > (unsigned long long)max_gib << 30 ||
        content_bits % 8 != 0 || full_bits % 8 != 0 || clen == 0) {
        r->c[T_LDT].skipped++;
        free(content);
        return;
    }
    assert_int_equal(clen, (size_t)content_bits / 8);
    /* A chunk of whole copies of content, so each chunk starts at a copy's start. */
    chunk_len = clen * ((1u << 20) / clen + 1);
    chunk = malloc(chunk_len);
    assert_non_null(chunk);
    for (size_t i = 0; i < chunk_len; i += clen) {
        memcpy(chunk + i, content, clen);
    }
    postq_keccak_init(&k, r->f->rate, r->f->ds);
    for (left = (unsigned long long)full_bits / 8; left > 0;) {
        size_t n = left < chunk_len ? (size_t)left : chunk_len;
        postq_keccak_absorb(&k, chunk, n);
        left -= n;
    }
    postq_keccak_squeeze(&k, md, r->f->md_len);
    record(r, T_LDT, md_equal(md, r->f->md_len, exp), tcid, "md");
    free(chunk);
    free(content);
}

static int type_index(const char *s)
{
    for (int i = 0; i < T_COUNT; i++) {
        if (strcmp(s, type_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static void run_folder(const struct folder *f)
{
    char path[256];
    json_t *prompt;
    json_t *expected;
    struct tl_index ix;
    struct run r;
    const json_t *groups;
    const json_t *g;
    size_t gi;
    long ran = 0;
    long failed = 0;
    const char *ldt_env = getenv("POSTQ_ACVP_LDT");
    unsigned long ldt_max_gib = ldt_env != NULL ? strtoul(ldt_env, NULL, 10) : 0;

    memset(&r, 0, sizeof(r));
    r.f = f;
    snprintf(path, sizeof(path), "vectors/acvp/%s/prompt.json", f->dir);
    prompt = tl_load_json(path);
    snprintf(path, sizeof(path), "vectors/acvp/%s/expectedResults.json", f->dir);
    expected = tl_load_json(path);
    assert_string_equal(tl_str(prompt, "algorithm"), f->algorithm);
    assert_string_equal(tl_str(prompt, "revision"), f->revision);
    tl_index_build(&ix, expected);

    groups = json_object_get(prompt, "testGroups");
    assert_true(json_is_array(groups));
    json_array_foreach(groups, gi, g) {
        const char *tt = tl_str(g, "testType");
        int type = type_index(tt);
        const json_t *t;
        size_t ti;

        if (type < 0 || (type == T_VOT && f->md_len != 0) || (type == T_LDT && f->md_len == 0)) {
            fail_msg("%s: unknown testType \"%s\" in group %lld", f->label, tt,
                     (long long)tl_int(g, "tgId"));
        }
        if (type == T_MCT && strcmp(tl_str(g, "mctVersion"), "standard") != 0) {
            fail_msg("%s: unknown mctVersion \"%s\"", f->label, tl_str(g, "mctVersion"));
        }
        r.c[type].seen = 1;
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            const json_t *exp = tl_index_get(&ix, tl_int(t, "tcId"));
            switch (type) {
            case T_AFT:
            case T_VOT:
                run_aft(&r, type, t, exp);
                break;
            case T_MCT:
                if (f->md_len != 0) {
                    run_sha3_mct(&r, t, exp);
                } else {
                    run_shake_mct(&r, g, t, exp);
                }
                break;
            default:
                run_ldt(&r, t, exp, ldt_max_gib);
                break;
            }
        }
    }

    for (int i = 0; i < T_COUNT; i++) {
        if (!r.c[i].seen) {
            continue;
        }
        print_message("# %s %s: %ld passed, %ld failed, %ld skipped (%s)\n", f->label,
                      type_names[i], r.c[i].passed, r.c[i].failed, r.c[i].skipped,
                      i == T_LDT ? "large-data, 1-8 GiB; POSTQ_ACVP_LDT=<GiB> runs them"
                                 : "bit-oriented");
        ran += r.c[i].passed + r.c[i].failed;
        failed += r.c[i].failed;
    }
    tl_index_free(&ix);
    json_decref(expected);
    json_decref(prompt);
    if (failed != 0) {
        fail_msg("%s: %ld byte-aligned cases failed", f->label, failed);
    }
    if (ran == 0) {
        fail_msg("%s: no case ran", f->label);
    }
}

static void test_sha3_224(void **state)
{
    (void)state;
    run_folder(&sha3_224_2);
}

static void test_sha3_256(void **state)
{
    (void)state;
    run_folder(&sha3_256_2);
}

static void test_sha3_384(void **state)
{
    (void)state;
    run_folder(&sha3_384_2);
}

static void test_sha3_512(void **state)
{
    (void)state;
    run_folder(&sha3_512_2);
}

static void test_shake_128(void **state)
{
    (void)state;
    run_folder(&shake_128_1);
}

static void test_shake_256(void **state)
{
    (void)state;
    run_folder(&shake_256_1);
}

static void test_shake_128_fips202(void **state)
{
    (void)state;
    run_folder(&shake_128_f);
}

static void test_shake_256_fips202(void **state)
{
    (void)state;
    run_folder(&shake_256_f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha3_224),          cmocka_unit_test(test_sha3_256),
        cmocka_unit_test(test_sha3_384),          cmocka_unit_test(test_sha3_512),
        cmocka_unit_test(test_shake_128),         cmocka_unit_test(test_shake_256),
        cmocka_unit_test(test_shake_128_fips202), cmocka_unit_test(test_shake_256_fips202),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
