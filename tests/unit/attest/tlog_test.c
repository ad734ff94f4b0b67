/* SPDX-License-Identifier: Apache-2.0 */
/* src/attest/tlog.c: C2SP signed notes, verifier keys, tlog-checkpoint bodies and the DESIGN §13
 * log entry. Published vectors (golang.org/x/mod/sumdb/note's documented example, keys from
 * google/trillian-examples, real sum.golang.org checkpoints) verify and are reproduced; notes
 * signed here round-trip under each key alone and both; every byte changed, every structural
 * fault and every size over a cap is refused with its exact error; the entry text is compared
 * with one written out by hand. */
#include "testlib.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/tlog.h"
#include "common/base64.h"
#include "crypto/composite.h"
#include "crypto/ed.h"
#include "crypto/sha2.h"

#include <postq/hybrid.h>

#define EM "\xe2\x80\x94" /* U+2014 EM DASH; always followed by a string starting with " " */

/* golang.org/x/mod/sumdb/note, package documentation ("Example"): a key pair and a note. */
static const char PETER_VKEY[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char PETER_SKEY_B64[] =
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"; /* 01 || seed */
static const char PETER_TEXT[] = "If you think cryptography is the answer to your problem,\n"
                                 "then you don't know what your problem is.\n";
static const char PETER_LINE[] =
    EM " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgY"
       "N1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
/* The same documentation's doubly-signed message: EnochRoot's key is not published (unknown). */
static const char ENOCH_LINE[] =
    EM " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vA"
       "F1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* sum.golang.org's verifier key (the one the go command pins) and two checkpoints it signed:
 * size 6476701 from the tests of github.com/google/trillian-examples/formats/log (package
 * log_test), size 15067302 from the README of an "Addressable witness" experiment that fed
 * https://sum.golang.org/latest to a witness (its test.example.com cosignature line included). */
static const char SUMDB_VKEY[] =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
static const char SUMDB_NOTE1[] =
    "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n" EM
    " sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPW"
    "L+o3GeoWwOoAw=\n";
static const char SUMDB_NOTE2[] =
    "go.sum database tree\n15067302\ngJyioq6dwR9n+NjEWORfYmH+ubeYm3kH42BBQ0bTpYI=\n\n" EM
    " sum.golang.org Az3grp1rvWOs5NKlr/xR4GLN/CDyzzakmt1o61uSxYKpK1SerqOP2ClbX/peKUZjYnyomH5Xz7GZG3"
    "TpB7OeKn4E2ww=\n" EM " test.example.com "
    "qTGhC/xIPQ0AXKHK6Y+9ypRfuvMZWPjRXM8NiOg5M1WREn07VQXyuIXM3NRNav3ieVFLUqDRK77PW"
    "DmL6w8w84UqeAw=\n";

/* The same trillian-examples tests: signer keys (01 || seed) and their verifier keys, made by
 * golang.org/x/mod/sumdb/note.GenerateKey. */
static const struct {
    const char *vkey, *skey_b64;
} TRILLIAN_KEYS[] = {
    {"Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
     "AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ"},
    {"Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
     "AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci"},
    {"KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj",
     "ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+"},
    {"Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots",
     "Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU"},
};

#define LOG_NAME "postq.example/log"
#define ORG_ID   "org_01HZX3K5Q8Y2B7N4M6P9R0S1TV"
#define ORIGIN   LOG_NAME "/" ORG_ID

static uint8_t ED_SEED[32], ED_PK[32], ROOT[32];
static uint8_t COMP_PK[POSTQ_HYBRID_PK_MAX], COMP_SK[POSTQ_HYBRID_SK_MAX];
static struct postq_tlog_vkey ED_VK, COMP_VK, PETER_VK;
static char BODY[512];
static size_t BODY_LEN;
static char NOTE[POSTQ_TLOG_NOTE_MAX + 1]; /* body, Ed25519 line, composite line */
static size_t NOTE_LEN;
static char BUF[POSTQ_TLOG_NOTE_MAX + 64];

static int setup(void **state)
{
    size_t pk_len = 0, sk_len = 0, sig_len = 0;

    (void)state;
    assert_int_equal(postq_hybrid_sizes(POSTQ_TLOG_COMPOSITE_ALG, &pk_len, &sk_len, &sig_len),
                     POSTQ_OK);
    assert_int_equal(pk_len, POSTQ_TLOG_COMPOSITE_PK_BYTES);
    assert_int_equal(sk_len, 64);
    assert_int_equal(sig_len, POSTQ_TLOG_COMPOSITE_SIG_BYTES);
    for (int i = 0; i < 32; i++) {
        ED_SEED[i] = (uint8_t)(i * 5 + 3);
        ROOT[i] = (uint8_t)(0xa0 ^ i);
    }
    assert_int_equal(postq_ed_keypair(POSTQ_ED25519, ED_SEED, ED_PK), POSTQ_OK);
    assert_int_equal(postq_hybrid_keygen(POSTQ_TLOG_COMPOSITE_ALG, COMP_PK, COMP_SK), POSTQ_OK);
    assert_int_equal(postq_tlog_vkey_make(&ED_VK, LOG_NAME, POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_OK);
    assert_int_equal(
        postq_tlog_vkey_make(&COMP_VK, LOG_NAME, POSTQ_TLOG_TYPE_COMPOSITE, COMP_PK, pk_len),
        POSTQ_OK);
    assert_int_equal(postq_tlog_vkey_parse(&PETER_VK, PETER_VKEY, strlen(PETER_VKEY)), POSTQ_OK);
    assert_int_equal(postq_tlog_checkpoint_body(BODY, sizeof(BODY), &BODY_LEN, ORIGIN, 41, ROOT),
                     POSTQ_OK);
    assert_int_equal(postq_tlog_note_sign(NOTE, sizeof(NOTE), &NOTE_LEN, BODY, BODY_LEN, &ED_VK,
                                          ED_SEED, &COMP_VK, COMP_SK),
                     POSTQ_OK);
    return 0;
}

/* The decoded bytes of b64 into out (exactly n of them). */
static void b64_exact(uint8_t *out, size_t n, const char *b64)
{
    size_t len = 0;
    uint8_t *p = tl_b64(b64, &len);

    assert_int_equal(len, n);
    memcpy(out, p, n);
    free(p);
}

static postq_err open_str(const char *note, size_t len, const struct postq_tlog_vkey *keys,
                          size_t n, size_t *text_len)
{
    char detail[200];
    postq_err err = postq_tlog_note_open(note, len, keys, n, text_len, detail, sizeof(detail));

    assert_true(err == POSTQ_OK ? detail[0] == '\0' : detail[0] != '\0');
    return err;
}

static postq_err verify_str(const char *note, size_t len, const struct postq_tlog_vkey *keys,
                            size_t n, struct postq_tlog_checkpoint *cp)
{
    char detail[200];
    postq_err err = postq_tlog_note_verify(note, len, keys, n, cp, detail, sizeof(detail));

    assert_true(err == POSTQ_OK ? detail[0] == '\0' : detail[0] != '\0');
    return err;
}

static void expect_verify(const char *note, size_t len, const struct postq_tlog_vkey *keys,
                          size_t n, postq_err want, const char *what)
{
    struct postq_tlog_checkpoint cp;
    char detail[200];
    postq_err err = postq_tlog_note_verify(note, len, keys, n, &cp, detail, sizeof(detail));

    if (err != want) {
        fail_msg("%s: got %s, want %s (%s)", what, postq_err_name(err), postq_err_name(want),
                 detail);
    }
    if (err != POSTQ_OK) {
        assert_int_equal(cp.size, 0);
        assert_string_equal(cp.origin, "");
    }
}

/* text, "\n" and an Ed25519 line under k (seed) over text: a note whatever the text is. */
static size_t ed_note(char *out, size_t cap, const char *text, size_t tlen,
                      const struct postq_tlog_vkey *k, const uint8_t seed[32])
{
    uint8_t sig[64];
    size_t n = tlen + 1;

    assert_true(tlen + 2 <= cap);
    memmove(out, text, tlen); /* text may already be in out */
    out[tlen] = '\n';
    out[n] = '\0';
    assert_int_equal(postq_ed_sign(POSTQ_ED25519, seed, (const uint8_t *)text, tlen, sig),
                     POSTQ_OK);
    assert_int_equal(postq_tlog_sig_line(out, cap, &n, k, sig, sizeof(sig)), POSTQ_OK);
    return n;
}

/* ---- published vectors ------------------------------------------------------------------- */

static void test_go_note_example(void **state)
{
    char note[512], text[256];
    uint8_t skey[33], pk[32], sig[64];
    struct postq_tlog_vkey k;
    struct postq_tlog_checkpoint cp;
    size_t n, tlen = 0;

    (void)state;
    /* The verifier key parses, and formats back to the same text. */
    assert_string_equal(PETER_VK.name, "PeterNeumann");
    assert_int_equal(PETER_VK.id, 0xc74f20a3);
    assert_int_equal(PETER_VK.type, POSTQ_TLOG_TYPE_ED25519);
    assert_int_equal(postq_tlog_vkey_format(&PETER_VK, text, sizeof(text), &n), POSTQ_OK);
    assert_string_equal(text, PETER_VKEY);
    assert_int_equal(n, strlen(PETER_VKEY));

    /* The key ID recomputed from the signer key's seed. */
    b64_exact(skey, sizeof(skey), PETER_SKEY_B64);
    assert_int_equal(skey[0], 0x01);
    assert_int_equal(postq_ed_keypair(POSTQ_ED25519, skey + 1, pk), POSTQ_OK);
    assert_int_equal(postq_tlog_vkey_make(&k, "PeterNeumann", POSTQ_TLOG_TYPE_ED25519, pk, 32),
                     POSTQ_OK);
    assert_int_equal(k.id, 0xc74f20a3);
    assert_memory_equal(&k, &PETER_VK, sizeof(k));

    /* The note opens; its text is the two lines. */
    n = (size_t)snprintf(note, sizeof(note), "%s\n%s", PETER_TEXT, PETER_LINE);
    assert_int_equal(open_str(note, n, &PETER_VK, 1, &tlen), POSTQ_OK);
    assert_int_equal(tlen, strlen(PETER_TEXT));
    /* Ed25519 is deterministic: the published signature line is reproduced byte for byte. */
    assert_int_equal(postq_ed_sign(POSTQ_ED25519, skey + 1, (const uint8_t *)PETER_TEXT,
                                   strlen(PETER_TEXT), sig),
                     POSTQ_OK);
    tlen = 0;
    text[0] = '\0';
    assert_int_equal(postq_tlog_sig_line(text, sizeof(text), &tlen, &k, sig, 64), POSTQ_OK);
    assert_string_equal(text, PETER_LINE);
    assert_int_equal(tlen, strlen(PETER_LINE));
    /* Signed, but not a checkpoint. */
    assert_int_equal(verify_str(note, n, &PETER_VK, 1, &cp), POSTQ_E_MALFORMED);

    /* The doubly-signed message: EnochRoot's line is an unknown key's, ignored. */
    n = (size_t)snprintf(note, sizeof(note), "%s\n%s%s", PETER_TEXT, PETER_LINE, ENOCH_LINE);
    assert_int_equal(open_str(note, n, &PETER_VK, 1, &tlen), POSTQ_OK);
    assert_int_equal(tlen, strlen(PETER_TEXT));
    n = (size_t)snprintf(note, sizeof(note), "%s\n%s%s", PETER_TEXT, ENOCH_LINE, PETER_LINE);
    assert_int_equal(open_str(note, n, &PETER_VK, 1, &tlen), POSTQ_OK);
    /* Without Peter's line the pinned key has not signed. */
    n = (size_t)snprintf(note, sizeof(note), "%s\n%s", PETER_TEXT, ENOCH_LINE);
    assert_int_equal(open_str(note, n, &PETER_VK, 1, &tlen), POSTQ_E_INVALID);
    assert_int_equal(tlen, 0);
    /* A changed text does not verify under Peter's key. */
    n = (size_t)snprintf(note, sizeof(note), "%s\n%s", PETER_TEXT, PETER_LINE);
    note[3] = 'Y';
    assert_int_equal(open_str(note, n, &PETER_VK, 1, &tlen), POSTQ_E_INVALID);
}

static void test_trillian_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(TRILLIAN_KEYS) / sizeof(TRILLIAN_KEYS[0]); i++) {
        uint8_t skey[33], pk[32];
        char name[32], text[POSTQ_TLOG_VKEY_MAX];
        struct postq_tlog_vkey made, parsed;
        const char *vkey = TRILLIAN_KEYS[i].vkey;
        size_t nlen = (size_t)(strchr(vkey, '+') - vkey), n = 0;

        memcpy(name, vkey, nlen);
        name[nlen] = '\0';
        b64_exact(skey, sizeof(skey), TRILLIAN_KEYS[i].skey_b64);
        assert_int_equal(skey[0], 0x01);
        assert_int_equal(postq_ed_keypair(POSTQ_ED25519, skey + 1, pk), POSTQ_OK);
        assert_int_equal(postq_tlog_vkey_make(&made, name, POSTQ_TLOG_TYPE_ED25519, pk, 32),
                         POSTQ_OK);
        assert_int_equal(postq_tlog_vkey_format(&made, text, sizeof(text), &n), POSTQ_OK);
        assert_string_equal(text, vkey);
        assert_int_equal(postq_tlog_vkey_parse(&parsed, vkey, strlen(vkey)), POSTQ_OK);
        assert_memory_equal(&made, &parsed, sizeof(made));
    }
}

static void test_sumdb_checkpoints(void **state)
{
    struct postq_tlog_vkey k;
    struct postq_tlog_checkpoint cp;
    uint8_t root[32];
    char text[POSTQ_TLOG_VKEY_MAX], note[512];
    size_t n = 0;

    (void)state;
    assert_int_equal(postq_tlog_vkey_parse(&k, SUMDB_VKEY, strlen(SUMDB_VKEY)), POSTQ_OK);
    assert_string_equal(k.name, "sum.golang.org");
    assert_int_equal(k.id, 0x033de0ae);
    assert_int_equal(postq_tlog_vkey_format(&k, text, sizeof(text), &n), POSTQ_OK);
    assert_string_equal(text, SUMDB_VKEY);

    assert_int_equal(verify_str(SUMDB_NOTE1, strlen(SUMDB_NOTE1), &k, 1, &cp), POSTQ_OK);
    assert_string_equal(cp.origin, "go.sum database tree");
    assert_true(cp.size == 6476701);
    b64_exact(root, 32, "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=");
    assert_memory_equal(cp.root, root, 32);
    /* A real checkpoint, but not a PostQ origin. */
    assert_int_equal(postq_tlog_origin_check(cp.origin, "sum.golang.org"), POSTQ_E_INVALID);

    /* The witness's cosignature line (test.example.com) is another key's: ignored. */
    assert_int_equal(verify_str(SUMDB_NOTE2, strlen(SUMDB_NOTE2), &k, 1, &cp), POSTQ_OK);
    assert_true(cp.size == 15067302);
    b64_exact(root, 32, "gJyioq6dwR9n+NjEWORfYmH+ubeYm3kH42BBQ0bTpYI=");
    assert_memory_equal(cp.root, root, 32);

    /* One checkpoint's signature under another's body. */
    memcpy(note, SUMDB_NOTE1, strlen(SUMDB_NOTE1) + 1);
    memcpy(note + strlen("go.sum database tree\n"), "6476702", 7);
    expect_verify(note, strlen(note), &k, 1, POSTQ_E_INVALID, "size changed");
    /* sum.golang.org's key does not sign PostQ's notes, nor ours sumdb's. */
    expect_verify(SUMDB_NOTE1, strlen(SUMDB_NOTE1), &ED_VK, 1, POSTQ_E_INVALID, "foreign key");
    expect_verify(NOTE, NOTE_LEN, &k, 1, POSTQ_E_INVALID, "sumdb key on our note");
}

/* ---- round trips --------------------------------------------------------------------------- */

static void test_vkey_round_trip(void **state)
{
    static char text[POSTQ_TLOG_VKEY_MAX];
    static struct postq_tlog_vkey k;
    const struct postq_tlog_vkey *keys[] = {&ED_VK, &COMP_VK};
    uint8_t in[256 + 2048];
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(postq_tlog_vkey_format(keys[i], text, sizeof(text), &n), POSTQ_OK);
        assert_int_equal(n, strlen(text));
        assert_int_equal(postq_tlog_vkey_parse(&k, text, n), POSTQ_OK);
        assert_memory_equal(&k, keys[i], sizeof(k));
    }
    /* The composite key's exact text: name, ID, base64(ff || identifier || pk). */
    assert_int_equal(n, strlen(LOG_NAME) + 10 + 2676);
    assert_int_equal(n + 1, 2704);
    assert_true(n < POSTQ_TLOG_VKEY_MAX);
    {
        uint8_t raw[2006], d[32];
        size_t got = 0;
        char want[16];

        assert_int_equal(postq_base64_decode(raw, sizeof(raw), &got, text + strlen(LOG_NAME) + 10,
                                             2676, POSTQ_B64_STD),
                         POSTQ_OK);
        assert_int_equal(got, 2006);
        assert_int_equal(raw[0], 0xff);
        assert_memory_equal(raw + 1, "postq-mldsa65+ed25519", 21);
        assert_memory_equal(raw + 22, COMP_PK, 1984);
        /* key ID = SHA-256(name || 0x0a || 0xff || identifier || pk)[:4], recomputed here. */
        n = strlen(LOG_NAME);
        memcpy(in, LOG_NAME, n);
        in[n] = 0x0a;
        memcpy(in + n + 1, raw, 2006);
        assert_int_equal(postq_sha256(d, in, n + 1 + 2006), POSTQ_OK);
        snprintf(want, sizeof(want), "%02x%02x%02x%02x", d[0], d[1], d[2], d[3]);
        assert_memory_equal(text + n + 1, want, 8);
        assert_int_equal(COMP_VK.id,
                         (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]);
        /* The Ed25519 key ID over the same name differs: the type bytes separate them. */
        assert_true(COMP_VK.id != ED_VK.id);
    }
    /* A tiny buffer. */
    assert_int_equal(postq_tlog_vkey_format(&COMP_VK, text, 2704, &n), POSTQ_OK);
    assert_int_equal(postq_tlog_vkey_format(&COMP_VK, text, 2703, &n), POSTQ_E_LENGTH);
    assert_string_equal(text, "");
}

static void test_sign_verify_round_trip(void **state)
{
    struct postq_tlog_vkey both[2] = {ED_VK, COMP_VK}, rev[2] = {COMP_VK, ED_VK};
    struct postq_tlog_checkpoint cp;
    char detail[200];
    size_t tlen = 0, n = 0;

    (void)state;
    assert_string_equal(BODY, ORIGIN "\n41\n"
                                     "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=\n");
    assert_memory_equal(NOTE, BODY, BODY_LEN);
    assert_int_equal(NOTE[BODY_LEN], '\n');
    assert_int_equal(NOTE[NOTE_LEN], '\0');
    assert_int_equal(strlen(NOTE), NOTE_LEN);
    /* body, blank line, 4 + 17 + 1 + 92 + 1 bytes of Ed25519 line, 4 + 17 + 1 + 4504 + 1. */
    assert_int_equal(NOTE_LEN, BODY_LEN + 1 + 115 + 4527);

    expect_verify(NOTE, NOTE_LEN, &ED_VK, 1, POSTQ_OK, "Ed25519 key alone");
    expect_verify(NOTE, NOTE_LEN, &COMP_VK, 1, POSTQ_OK, "composite key alone");
    expect_verify(NOTE, NOTE_LEN, both, 2, POSTQ_OK, "both keys");
    assert_int_equal(postq_tlog_note_verify(NOTE, NOTE_LEN, rev, 2, &cp, detail, sizeof(detail)),
                     POSTQ_OK);
    assert_string_equal(detail, "");
    assert_string_equal(cp.origin, ORIGIN);
    assert_true(cp.size == 41);
    assert_memory_equal(cp.root, ROOT, 32);
    assert_int_equal(postq_tlog_origin_check(cp.origin, ED_VK.name), POSTQ_OK);
    assert_int_equal(open_str(NOTE, NOTE_LEN, both, 2, &tlen), POSTQ_OK);
    assert_int_equal(tlen, BODY_LEN);

    /* Signing again gives another composite line (hedged ML-DSA) and the same Ed25519 line. */
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK, ED_SEED,
                                          &COMP_VK, COMP_SK),
                     POSTQ_OK);
    assert_int_equal(n, NOTE_LEN);
    assert_memory_equal(BUF, NOTE, BODY_LEN + 1 + 115);
    assert_memory_not_equal(BUF, NOTE, NOTE_LEN);
    expect_verify(BUF, n, both, 2, POSTQ_OK, "second note");

    /* Exactly enough room, and one byte less. */
    assert_int_equal(postq_tlog_note_sign(BUF, NOTE_LEN + 1, &n, BODY, BODY_LEN, &ED_VK, ED_SEED,
                                          &COMP_VK, COMP_SK),
                     POSTQ_OK);
    assert_int_equal(
        postq_tlog_note_sign(BUF, NOTE_LEN, &n, BODY, BODY_LEN, &ED_VK, ED_SEED, &COMP_VK, COMP_SK),
        POSTQ_E_LENGTH);
    assert_int_equal(n, 0);
    assert_string_equal(BUF, "");
}

static void test_note_sign_refusals(void **state)
{
    uint8_t other_seed[32], other_sk[64];
    size_t n = 0;

    (void)state;
    memcpy(other_seed, ED_SEED, 32);
    other_seed[0] ^= 1;
    memcpy(other_sk, COMP_SK, 64);
    other_sk[5] ^= 1; /* another ML-DSA seed: another ML-DSA public key */
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK, other_seed,
                                          &COMP_VK, COMP_SK),
                     POSTQ_E_KEY_INVALID);
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK, ED_SEED,
                                          &COMP_VK, other_sk),
                     POSTQ_E_KEY_INVALID);
    memcpy(other_sk, COMP_SK, 64);
    other_sk[40] ^= 1; /* another Ed25519 half */
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK, ED_SEED,
                                          &COMP_VK, other_sk),
                     POSTQ_E_KEY_INVALID);
    /* Keys in the wrong places. */
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &COMP_VK, ED_SEED,
                                          &ED_VK, COMP_SK),
                     POSTQ_E_ARG);
    /* Not checkpoint bodies. */
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, PETER_TEXT, strlen(PETER_TEXT),
                                          &ED_VK, ED_SEED, &COMP_VK, COMP_SK),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_note_sign(BUF, sizeof(BUF), &n, BODY, BODY_LEN - 1, &ED_VK, ED_SEED,
                                          &COMP_VK, COMP_SK),
                     POSTQ_E_MALFORMED);
    assert_int_equal(n, 0);
}

/* ---- rejections ---------------------------------------------------------------------------- */

/* Change note[i] (to c ^ 1, which keeps printable ASCII printable) and verify under keys. A byte
 * of the signed text that stays a printable non-newline character can only break the signature:
 * exactly POSTQ_E_INVALID; anywhere else either kind of refusal, never success. */
static void flip_and_verify(char *note, size_t len, size_t i, const struct postq_tlog_vkey *keys,
                            size_t nkeys, size_t text_len)
{
    struct postq_tlog_checkpoint cp;
    char detail[200];
    char c = note[i];
    postq_err err;

    note[i] = (char)(c ^ 1);
    err = postq_tlog_note_verify(note, len, keys, nkeys, &cp, detail, sizeof(detail));
    note[i] = c;
    if (i < text_len && c != '\n') {
        if (err != POSTQ_E_INVALID) {
            fail_msg("byte %zu of the text: got %s (%s)", i, postq_err_name(err), detail);
        }
    } else if (err != POSTQ_E_INVALID && err != POSTQ_E_MALFORMED) {
        fail_msg("byte %zu: got %s (%s)", i, postq_err_name(err), detail);
    }
}

static void test_every_byte_changed(void **state)
{
    struct postq_tlog_vkey both[2] = {ED_VK, COMP_VK};
    size_t ed_end = BODY_LEN + 1 + 115, n;

    (void)state;
    /* An Ed25519-only note: every byte. */
    n = ed_note(BUF, sizeof(BUF), BODY, BODY_LEN, &ED_VK, ED_SEED);
    assert_int_equal(n, ed_end);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_OK, "Ed25519-only note");
    for (size_t i = 0; i < n; i++) {
        flip_and_verify(BUF, n, i, &ED_VK, 1, BODY_LEN);
    }
    /* The composite note under both keys: every byte of the text and of the Ed25519 line, then
     * every 7th byte of the composite line (each costs an ML-DSA-65 verification). */
    memcpy(BUF, NOTE, NOTE_LEN + 1);
    for (size_t i = 0; i < ed_end; i++) {
        flip_and_verify(BUF, NOTE_LEN, i, both, 2, BODY_LEN);
    }
    for (size_t i = ed_end; i < NOTE_LEN; i += 7) {
        flip_and_verify(BUF, NOTE_LEN, i, both, 2, BODY_LEN);
    }
    flip_and_verify(BUF, NOTE_LEN, NOTE_LEN - 1, both, 2, BODY_LEN);
    /* Under the composite key alone, a changed text is caught by it too. */
    for (size_t i = 0; i < BODY_LEN; i += 13) {
        flip_and_verify(BUF, NOTE_LEN, i, &COMP_VK, 1, BODY_LEN);
    }
    assert_memory_equal(BUF, NOTE, NOTE_LEN);
}

static void test_missing_and_wrong_lines(void **state)
{
    struct postq_tlog_vkey both[2] = {ED_VK, COMP_VK}, wrong_id = ED_VK;
    uint8_t sig[64], other_seed[32];
    size_t n, ed_end = BODY_LEN + 1 + 115;

    (void)state;
    /* A pinned key with no line. */
    n = ed_note(BUF, sizeof(BUF), BODY, BODY_LEN, &ED_VK, ED_SEED);
    expect_verify(BUF, n, both, 2, POSTQ_E_INVALID, "composite line missing");
    expect_verify(BUF, n, &COMP_VK, 1, POSTQ_E_INVALID, "composite line missing (alone)");
    memcpy(BUF, NOTE, BODY_LEN + 1);
    memcpy(BUF + BODY_LEN + 1, NOTE + ed_end, NOTE_LEN - ed_end + 1);
    n = NOTE_LEN - 115;
    expect_verify(BUF, n, &COMP_VK, 1, POSTQ_OK, "composite line alone");
    expect_verify(BUF, n, both, 2, POSTQ_E_INVALID, "Ed25519 line missing");

    /* The right name and ID over a signature of another text. */
    assert_int_equal(postq_ed_sign(POSTQ_ED25519, ED_SEED, (const uint8_t *)"x\n", 2, sig),
                     POSTQ_OK);
    memcpy(BUF, BODY, BODY_LEN);
    BUF[BODY_LEN] = '\n';
    n = BODY_LEN + 1;
    assert_int_equal(postq_tlog_sig_line(BUF, sizeof(BUF), &n, &ED_VK, sig, 64), POSTQ_OK);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_INVALID, "signature of another text");
    /* ... even when a good line follows (a known key's bad line rejects the note). */
    memcpy(BUF + n, NOTE + BODY_LEN + 1, 115 + 1);
    n += 115;
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_INVALID, "bad line before a good one");
    /* A composite key's line whose signature is an Ed25519 one: wrong length, not a signature. */
    {
        size_t m = BODY_LEN + 1;
        char line[256];
        uint8_t raw[68];
        size_t b64 = 0;

        raw[0] = (uint8_t)(COMP_VK.id >> 24), raw[1] = (uint8_t)(COMP_VK.id >> 16);
        raw[2] = (uint8_t)(COMP_VK.id >> 8), raw[3] = (uint8_t)COMP_VK.id;
        memcpy(raw + 4, sig, 64);
        assert_int_equal(postq_base64_encode(line, sizeof(line), &b64, raw, 68, POSTQ_B64_STD),
                         POSTQ_OK);
        m += (size_t)snprintf(BUF + m, sizeof(BUF) - m, EM " %s %s\n", LOG_NAME, line);
        expect_verify(BUF, m, &COMP_VK, 1, POSTQ_E_INVALID, "short composite signature");
        /* The same bytes under the Ed25519 key's ID: a well-formed line that fails. */
        raw[0] = (uint8_t)(ED_VK.id >> 24), raw[1] = (uint8_t)(ED_VK.id >> 16);
        raw[2] = (uint8_t)(ED_VK.id >> 8), raw[3] = (uint8_t)ED_VK.id;
        assert_int_equal(postq_base64_encode(line, sizeof(line), &b64, raw, 5, POSTQ_B64_STD),
                         POSTQ_OK);
        m = BODY_LEN + 1;
        m += (size_t)snprintf(BUF + m, sizeof(BUF) - m, EM " %s %s\n", LOG_NAME, line);
        expect_verify(BUF, m, &ED_VK, 1, POSTQ_E_INVALID, "one-byte Ed25519 signature");
    }

    /* A wrong key ID: the line is another key's, so the pinned key has not signed. */
    wrong_id.id ^= 1;
    n = ed_note(BUF, sizeof(BUF), BODY, BODY_LEN, &wrong_id, ED_SEED);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_INVALID, "wrong key ID");
    /* Another key under our name (another ID) and ours under another name: both ignored. */
    memcpy(other_seed, ED_SEED, 32);
    other_seed[31] ^= 0x80;
    n = ed_note(BUF, sizeof(BUF), BODY, BODY_LEN, &wrong_id, other_seed);
    {
        struct postq_tlog_vkey renamed;
        uint8_t s2[64];
        assert_int_equal(postq_tlog_vkey_make(&renamed, "witness.example/w1",
                                              POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                         POSTQ_OK);
        renamed.id = ED_VK.id; /* the same ID under another name: another key */
        assert_int_equal(
            postq_ed_sign(POSTQ_ED25519, other_seed, (const uint8_t *)BODY, BODY_LEN, s2),
            POSTQ_OK);
        assert_int_equal(postq_tlog_sig_line(BUF, sizeof(BUF), &n, &renamed, s2, 64), POSTQ_OK);
    }
    n += (size_t)snprintf(BUF + n, sizeof(BUF) - n, EM " \xc3\xa9t\xc3\xa9/witness AAAAAAA=\n");
    memcpy(BUF + n, NOTE + BODY_LEN + 1, NOTE_LEN - BODY_LEN); /* both good lines, and the NUL */
    n += NOTE_LEN - BODY_LEN - 1;
    expect_verify(BUF, n, both, 2, POSTQ_OK, "unknown lines ignored");
    /* Unknown lines must still be well-formed. */
    n += (size_t)snprintf(BUF + n, sizeof(BUF) - n, EM " other AAAA\n");
    expect_verify(BUF, n, both, 2, POSTQ_E_MALFORMED, "four bytes, no signature");
}

/* a, b and c joined in BUF; returns the length. */
static size_t cat3(const char *a, const char *b, const char *c)
{
    return (size_t)snprintf(BUF, sizeof(BUF), "%s%s%s", a, b, c);
}

static void test_structure(void **state)
{
    char line[160], good[512];
    size_t ll, n, gn;

    (void)state;
    /* The Ed25519 line of NOTE, alone. */
    ll = 115;
    memcpy(line, NOTE + BODY_LEN + 1, ll);
    line[ll] = '\0';
    gn = (size_t)snprintf(good, sizeof(good), "%s\n%s", BODY, line);
    expect_verify(good, gn, &ED_VK, 1, POSTQ_OK, "good");

    /* No blank line before the signatures. */
    n = cat3(BODY, line, "");
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "no blank");
    /* No trailing newline. */
    expect_verify(good, gn - 1, &ED_VK, 1, POSTQ_E_MALFORMED, "no trailing newline");
    /* No signature line at all; nothing. */
    n = cat3(BODY, "\n", "");
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "no lines");
    expect_verify("", 0, &ED_VK, 1, POSTQ_E_MALFORMED, "empty");
    expect_verify("\n\n", 2, &ED_VK, 1, POSTQ_E_MALFORMED, "only a blank line");
    /* Two blank lines: the text is the body and an empty line, which the line did not sign. */
    n = cat3(BODY, "\n\n", line);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_INVALID,
                  "text with an empty line (signature over another text)");
    /* A blank line inside the block ends the text there: what precedes is the text. */
    n = cat3(good, "\n", line);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_INVALID, "blank line among the signatures");
    /* CR anywhere. */
    memcpy(BUF, good, gn + 1);
    BUF[BODY_LEN - 1] = '\r';
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "CR in the text");
    memcpy(BUF, good, gn + 1);
    BUF[gn - 1] = '\r';
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "CR ending the line");
    memcpy(BUF, good, gn);
    memcpy(BUF + gn - 1, "\r\n", 3);
    expect_verify(BUF, gn + 1, &ED_VK, 1, POSTQ_E_MALFORMED, "CRLF");
    /* A tab, a NUL, invalid UTF-8 (a lone continuation byte, an overlong "/", a surrogate). */
    memcpy(BUF, good, gn + 1);
    BUF[5] = '\t';
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "tab");
    BUF[5] = '\0';
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "NUL");
    BUF[5] = (char)0x80;
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "continuation byte");
    memcpy(BUF + 5, "\xc0\xaf", 2);
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "overlong");
    memcpy(BUF + 5, "\xed\xa0\x80", 3);
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "surrogate");
    /* Valid UTF-8 in the text is allowed by the note, and then breaks our signature. */
    memcpy(BUF, good, gn + 1);
    memcpy(BUF + 5, "\xc3\xa9", 2);
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_INVALID, "UTF-8 in the text");

    /* The line's own syntax: a hyphen for the em dash, no space, two spaces, a "+" or a
     * no-break space in the name, non-canonical base64 (unused bits set), no padding. */
    memcpy(BUF, good, gn + 1);
    memcpy(BUF + BODY_LEN + 1, "-- ", 3); /* the em dash's 3 bytes become "-- " */
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "hyphens");
    memcpy(BUF, good, gn + 1);
    BUF[BODY_LEN + 1 + 4 + strlen(LOG_NAME)] = '_';
    expect_verify(BUF, gn, &ED_VK, 1, POSTQ_E_MALFORMED, "no space after the name");
    n = (size_t)snprintf(BUF, sizeof(BUF), "%s\n" EM " %s  %s", BODY, LOG_NAME,
                         line + 4 + strlen(LOG_NAME) + 1);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "two spaces");
    n = (size_t)snprintf(BUF, sizeof(BUF), "%s\n" EM " a+b %s", BODY,
                         line + 4 + strlen(LOG_NAME) + 1);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "plus in a name");
    n = (size_t)snprintf(BUF, sizeof(BUF),
                         "%s\n" EM " a\xc2\xa0"
                         "b %s",
                         BODY, line + 4 + strlen(LOG_NAME) + 1);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "no-break space in a name");
    n = (size_t)snprintf(BUF, sizeof(BUF),
                         "%s\n" EM " a\xe3\x80\x80"
                         "b %s",
                         BODY, line + 4 + strlen(LOG_NAME) + 1);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "ideographic space in a name");
    n = (size_t)snprintf(BUF, sizeof(BUF), "%s\n" EM "  %s", BODY, line + 4 + strlen(LOG_NAME) + 1);
    expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "empty name");
    /* 68 bytes are 92 characters, the last group two bytes: "xyz=", whose z carries 4 bits and
     * 2 unused ones, zero in canonical base64. Set either unused bit. */
    {
        static const char alpha[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t v;

        n = (size_t)snprintf(BUF, sizeof(BUF), "%s\n%s", BODY, line);
        assert_int_equal(BUF[n - 2], '=');
        v = (size_t)(strchr(alpha, BUF[n - 3]) - alpha);
        assert_int_equal(v & 3, 0);
        BUF[n - 3] = alpha[v | 1];
        expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "non-canonical base64 (bit 0)");
        BUF[n - 3] = alpha[v | 2];
        expect_verify(BUF, n, &ED_VK, 1, POSTQ_E_MALFORMED, "non-canonical base64 (bit 1)");
    }
    n = (size_t)snprintf(BUF, sizeof(BUF), "%s\n%s", BODY, line);
    memcpy(BUF + n - 2, "\n", 2); /* drop the "=" */
    expect_verify(BUF, n - 1, &ED_VK, 1, POSTQ_E_MALFORMED, "unpadded base64");
}

static void test_checkpoint_rules(void **state)
{
    static const struct {
        const char *text;
        postq_err want;
    } cases[] = {
        {"o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_OK},
        {"o\n18446744073709551615\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_OK},
        {"o p+q\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next 1\n\xc3\xa9\n", POSTQ_OK},
        {"o\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         POSTQ_E_MALFORMED},
        {"o\n99999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         POSTQ_E_MALFORMED},
        {"o\n000000000000000000001\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         POSTQ_E_MALFORMED},
        {"o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n00\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n+1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n1 \nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n0x1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", POSTQ_E_MALFORMED}, /* 31 bytes */
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", POSTQ_E_MALFORMED}, /* 33 bytes */
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED}, /* 35 */
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n", POSTQ_E_MALFORMED},     /* bits */
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", POSTQ_E_MALFORMED},   /* no "=" */
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-A=\n", POSTQ_E_MALFORMED}, /* url */
        {"o\n1\n", POSTQ_E_MALFORMED},
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", POSTQ_E_MALFORMED},
        {"\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", POSTQ_E_MALFORMED},
        {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nx\n\ny\n", POSTQ_E_MALFORMED},
        {"o\r\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", POSTQ_E_MALFORMED},
        {"", POSTQ_E_MALFORMED},
    };
    struct postq_tlog_checkpoint cp;
    char detail[200], origin[300];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *t = cases[i].text;
        postq_err err = postq_tlog_checkpoint_parse(&cp, t, strlen(t), detail, sizeof(detail));
        if (err != cases[i].want) {
            fail_msg("case %zu: got %s, want %s (%s)", i, postq_err_name(err),
                     postq_err_name(cases[i].want), detail);
        }
        /* The same text signed: the signature is good, the checkpoint is what fails. */
        n = ed_note(BUF, sizeof(BUF), t, strlen(t), &ED_VK, ED_SEED);
        if (strlen(t) > 0 && t[strlen(t) - 1] == '\n' && strstr(t, "\n\n") == NULL &&
            t[0] != '\n') {
            expect_verify(BUF, n, &ED_VK, 1, cases[i].want, t);
        }
    }
    assert_int_equal(
        postq_tlog_checkpoint_parse(&cp, cases[1].text, strlen(cases[1].text), NULL, 0), POSTQ_OK);
    assert_true(cp.size == UINT64_MAX);

    /* Origins of 255 bytes and of 256. */
    memset(origin, 'a', 255);
    origin[255] = '\0';
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, origin, 7, ROOT), POSTQ_OK);
    assert_int_equal(postq_tlog_checkpoint_parse(&cp, BUF, n, NULL, 0), POSTQ_OK);
    assert_string_equal(cp.origin, origin);
    origin[255] = 'a';
    origin[256] = '\0';
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, origin, 7, ROOT),
                     POSTQ_E_MALFORMED);
    snprintf(BUF, sizeof(BUF), "%s\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", origin);
    assert_int_equal(postq_tlog_checkpoint_parse(&cp, BUF, strlen(BUF), NULL, 0),
                     POSTQ_E_MALFORMED);
    assert_string_equal(cp.origin, "");
    /* The producer refuses origins a verifier should not expect. */
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, "", 7, ROOT),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, "a b", 7, ROOT),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, "a\nb", 7, ROOT),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, "a+b", 7, ROOT),
                     POSTQ_E_MALFORMED);
    /* Size 0 and the largest; the exact room. */
    assert_int_equal(postq_tlog_checkpoint_body(BUF, sizeof(BUF), &n, "o", 0, ROOT), POSTQ_OK);
    assert_string_equal(BUF, "o\n0\noKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=\n");
    assert_int_equal(postq_tlog_checkpoint_body(BUF, 69, &n, "o", UINT64_MAX, ROOT), POSTQ_OK);
    assert_string_equal(BUF,
                        "o\n18446744073709551615\noKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=\n");
    assert_int_equal(n, 68);
    assert_int_equal(postq_tlog_checkpoint_body(BUF, 68, &n, "o", UINT64_MAX, ROOT),
                     POSTQ_E_LENGTH);
    assert_string_equal(BUF, "");
}

static void test_origin_check(void **state)
{
    (void)state;
    assert_int_equal(postq_tlog_origin_check(ORIGIN, LOG_NAME), POSTQ_OK);
    assert_int_equal(postq_tlog_origin_check(ORIGIN, "postq.example/lo"), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORIGIN, "postq.example/logs"), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORIGIN, "postq.example"), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORIGIN, ""), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORIGIN "/x", LOG_NAME), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORIGIN "/", LOG_NAME), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORIGIN "\n", LOG_NAME), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(LOG_NAME "/key_01HZX3K5Q8Y2B7N4M6P9R0S1TV", LOG_NAME),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(LOG_NAME "/org_01HZX3K5Q8Y2B7N4M6P9R0S1T", LOG_NAME),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(LOG_NAME "/org_01hzx3k5q8y2b7n4m6p9r0s1tv", LOG_NAME),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(LOG_NAME "/org_81HZX3K5Q8Y2B7N4M6P9R0S1TV", LOG_NAME),
                     POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(LOG_NAME ORG_ID, LOG_NAME), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(LOG_NAME "//" ORG_ID, LOG_NAME), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(ORG_ID, LOG_NAME), POSTQ_E_INVALID);
    assert_int_equal(postq_tlog_origin_check(NULL, LOG_NAME), POSTQ_E_ARG);
}

static void test_sizes(void **state)
{
    struct postq_tlog_checkpoint cp;
    size_t tlen = 0, n, line_len = 115, target;
    char *big = malloc(POSTQ_TLOG_NOTE_MAX + 2);

    (void)state;
    assert_non_null(big);
    /* A note of exactly POSTQ_TLOG_NOTE_MAX bytes: the body padded with extension lines of at
     * most 100 bytes (newline included) up to the text length that leaves room for the line. */
    target = POSTQ_TLOG_NOTE_MAX - 1 - line_len;
    n = BODY_LEN;
    memcpy(big, BODY, n);
    while (n < target) {
        size_t left = target - n, chunk = left <= 101 ? left : 100;
        assert_true(chunk >= 2);
        memset(big + n, 'x', chunk - 1);
        big[n + chunk - 1] = '\n';
        n += chunk;
    }
    n = ed_note(big, POSTQ_TLOG_NOTE_MAX + 2, big, n, &ED_VK, ED_SEED);
    assert_int_equal(n, POSTQ_TLOG_NOTE_MAX);
    expect_verify(big, n, &ED_VK, 1, POSTQ_OK, "a note of the largest size");
    assert_int_equal(verify_str(big, n, &ED_VK, 1, &cp), POSTQ_OK);
    assert_true(cp.size == 41);
    /* One byte more (a longer first extension line). */
    memmove(big + BODY_LEN + 1, big + BODY_LEN, n - BODY_LEN);
    big[BODY_LEN] = 'y';
    expect_verify(big, n + 1, &ED_VK, 1, POSTQ_E_TOO_LARGE, "one byte over");
    assert_int_equal(open_str(big, n + 1, &ED_VK, 1, &tlen), POSTQ_E_TOO_LARGE);
    free(big);

    /* A length past the cap is refused before the note is read. */
    assert_int_equal(open_str(NOTE, SIZE_MAX, &ED_VK, 1, &tlen), POSTQ_E_TOO_LARGE);
    /* Arguments. */
    {
        struct postq_tlog_vkey two[2] = {ED_VK, ED_VK}, many[POSTQ_TLOG_KEYS_MAX + 1];
        struct postq_tlog_vkey bad;
        for (size_t i = 0; i <= POSTQ_TLOG_KEYS_MAX; i++) {
            many[i] = ED_VK;
            many[i].id = (uint32_t)i;
        }
        assert_int_equal(open_str(NOTE, NOTE_LEN, two, 2, &tlen), POSTQ_E_ARG);
        assert_int_equal(open_str(NOTE, NOTE_LEN, many, POSTQ_TLOG_KEYS_MAX + 1, &tlen),
                         POSTQ_E_ARG);
        assert_int_equal(open_str(NOTE, NOTE_LEN, many, 0, &tlen), POSTQ_E_ARG);
        /* Sixteen keys, none of them the signer's: the first one missing is reported. */
        assert_int_equal(open_str(NOTE, NOTE_LEN, many, POSTQ_TLOG_KEYS_MAX, &tlen),
                         POSTQ_E_INVALID);
        bad = ED_VK;
        bad.type = 0x02;
        assert_int_equal(open_str(NOTE, NOTE_LEN, &bad, 1, &tlen), POSTQ_E_ARG);
        assert_int_equal(open_str(NULL, 0, &ED_VK, 1, &tlen), POSTQ_E_ARG);
        assert_int_equal(verify_str(NOTE, NOTE_LEN, &ED_VK, 1, NULL), POSTQ_E_ARG);
    }
}

static void test_vkey_rejections(void **state)
{
    static const struct {
        const char *text;
        postq_err want;
    } cases[] = {
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_OK},
        {"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {"PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a3+", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a3", POSTQ_E_MALFORMED},
        {"PeterNeumann", POSTQ_E_MALFORMED},
        {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {" PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", POSTQ_E_MALFORMED},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW", POSTQ_E_MALFORMED},
        /* the same key bytes under type 0x02 (ECDSA) and a 31-byte key */
        {"PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", POSTQ_E_UNSUPPORTED},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=", POSTQ_E_LENGTH},
        /* 0xff with another identifier ("other") */
        {"PeterNeumann+c74f20a3+/290aGVy", POSTQ_E_UNSUPPORTED},
    };
    struct postq_tlog_vkey k;
    uint8_t zero[32] = {0}, ident[32] = {1}, pk[POSTQ_TLOG_COMPOSITE_PK_BYTES];
    char name[200];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        postq_err err = postq_tlog_vkey_parse(&k, cases[i].text, strlen(cases[i].text));
        if (err != cases[i].want) {
            fail_msg("case %zu: got %s, want %s", i, postq_err_name(err),
                     postq_err_name(cases[i].want));
        }
        if (err != POSTQ_OK) {
            assert_int_equal(k.id, 0);
            assert_int_equal(k.pk_len, 0);
        }
    }
    /* A text cut short (the length is exact: no NUL needed): a broken base64 group, or whole
     * groups short of a key. */
    assert_int_equal(postq_tlog_vkey_parse(&k, PETER_VKEY, strlen(PETER_VKEY) - 1),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_vkey_parse(&k, PETER_VKEY, strlen(PETER_VKEY) - 4), POSTQ_E_LENGTH);
    /* Weak keys: the all-zero string, the identity point; the composite's Ed25519 half too. */
    assert_int_equal(postq_tlog_vkey_make(&k, "a", POSTQ_TLOG_TYPE_ED25519, zero, 32),
                     POSTQ_E_KEY_INVALID);
    assert_int_equal(postq_tlog_vkey_make(&k, "a", POSTQ_TLOG_TYPE_ED25519, ident, 32),
                     POSTQ_E_KEY_INVALID);
    memcpy(pk, COMP_PK, sizeof(pk));
    memset(pk + 1952, 0, 32);
    assert_int_equal(postq_tlog_vkey_make(&k, "a", POSTQ_TLOG_TYPE_COMPOSITE, pk, sizeof(pk)),
                     POSTQ_E_KEY_INVALID);
    /* Sizes, types, names. */
    assert_int_equal(postq_tlog_vkey_make(&k, "a", POSTQ_TLOG_TYPE_COMPOSITE, COMP_PK, 1983),
                     POSTQ_E_LENGTH);
    assert_int_equal(postq_tlog_vkey_make(&k, "a", POSTQ_TLOG_TYPE_ED25519, COMP_PK, 1984),
                     POSTQ_E_LENGTH);
    assert_int_equal(postq_tlog_vkey_make(&k, "a", 0x04, ED_PK, 32), POSTQ_E_UNSUPPORTED);
    assert_int_equal(postq_tlog_vkey_make(&k, "", POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_vkey_make(&k, "a+b", POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_vkey_make(&k, "a\tb", POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_tlog_vkey_make(&k,
                                          "a\xe2\x80\x83"
                                          "b",
                                          POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_E_MALFORMED); /* U+2003 EM SPACE */
    assert_int_equal(postq_tlog_vkey_make(&k, "a\xff", POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_E_MALFORMED);
    assert_int_equal(
        postq_tlog_vkey_make(&k, "\xc3\xa9t\xc3\xa9", POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
        POSTQ_OK);
    memset(name, 'n', 127);
    name[127] = '\0';
    assert_int_equal(postq_tlog_vkey_make(&k, name, POSTQ_TLOG_TYPE_ED25519, ED_PK, 32), POSTQ_OK);
    name[127] = 'n';
    name[128] = '\0';
    assert_int_equal(postq_tlog_vkey_make(&k, name, POSTQ_TLOG_TYPE_ED25519, ED_PK, 32),
                     POSTQ_E_MALFORMED);
    assert_int_equal(k.pk_len, 0);
}

/* ---- the log entry ------------------------------------------------------------------------- */

static uint8_t E_PK[1984], E_PAYLOAD[32], E_SIG[3373];
static const char E_DOC[] = "eyJhbGciOiJFZDI1NTE5In0.e30.c2ln";

static struct postq_tlog_entry_in entry_in(void)
{
    struct postq_tlog_entry_in in;

    for (size_t i = 0; i < sizeof(E_PK); i++) {
        E_PK[i] = (uint8_t)(i * 7 + 1);
    }
    for (size_t i = 0; i < sizeof(E_PAYLOAD); i++) {
        E_PAYLOAD[i] = (uint8_t)i;
    }
    for (size_t i = 0; i < sizeof(E_SIG); i++) {
        E_SIG[i] = (uint8_t)(i * 13 + 5);
    }
    memset(&in, 0, sizeof(in));
    in.sig_id = "sig_01HZX3K5Q8Y2B7N4M6P9R0S1TV";
    in.key_id = "key_01HZX3K5Q8Y2B7N4M6P9R0S1TW";
    in.key_version = 3;
    in.algorithm = "mldsa65+ed25519";
    in.public_key = E_PK;
    in.public_key_len = sizeof(E_PK);
    in.payload_sha256 = E_PAYLOAD;
    in.signature = E_SIG;
    in.sig_len = sizeof(E_SIG);
    in.vendor = "mock";
    in.module_id = "mod_7f3a";
    in.counter = 42;
    in.doc = (const uint8_t *)E_DOC;
    in.doc_len = strlen(E_DOC);
    in.verdict_fail = 1;
    in.reason = "image_not_allowed";
    in.created_at = "2025-01-02T03:04:05.678Z";
    return in;
}

/* The hashes below were computed with Python's hashlib, and are checked again here. */
#define E_PK_HEX  "9761124f580cee733fba31a545a4197d57a84f56c323af6583c6be3c7ff41e58"
#define E_SIG_HEX "9e5a8a79c21f1da4e7424c25a13d22468a85139c5d21589fbb0736564a7b4a5b"
#define E_DOC_HEX "4d36403f0456dfdc36c807411c4018639c5b9a675c2ffc4ee1831f176e3c6192"

static void check_hex(const char *want, const uint8_t *p, size_t n)
{
    uint8_t d[32];
    char hex[65];

    assert_int_equal(postq_sha256(d, p, n), POSTQ_OK);
    for (int i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }
    assert_string_equal(hex, want);
}

static void test_entry_kat(void **state)
{
    struct postq_tlog_entry_in in = entry_in();
    char out[POSTQ_TLOG_ENTRY_MAX];
    size_t n = 0;

    (void)state;
    check_hex(E_PK_HEX, E_PK, sizeof(E_PK));
    check_hex(E_SIG_HEX, E_SIG, sizeof(E_SIG));
    check_hex(E_DOC_HEX, (const uint8_t *)E_DOC, strlen(E_DOC));

    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_OK);
    assert_string_equal(out, "postq-log-entry/v1\n"
                             "signature sig_01HZX3K5Q8Y2B7N4M6P9R0S1TV\n"
                             "key key_01HZX3K5Q8Y2B7N4M6P9R0S1TW 3 mldsa65+ed25519 " E_PK_HEX "\n"
                             "payload 000102030405060708090a0b0c0d0e0f"
                             "101112131415161718191a1b1c1d1e1f\n"
                             "sig " E_SIG_HEX "\n"
                             "attestation mock mod_7f3a 42 " E_DOC_HEX "\n"
                             "verdict fail image_not_allowed\n"
                             "created 2025-01-02T03:04:05.678Z\n");
    assert_int_equal(n, strlen(out));

    /* A pass: "-". */
    in.verdict_fail = 0;
    in.reason = NULL;
    in.counter = 0;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_OK);
    assert_non_null(strstr(out, "\nattestation mock mod_7f3a 0 " E_DOC_HEX "\nverdict pass -\n"));
    in.reason = "";
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_OK);
    assert_non_null(strstr(out, "\nverdict pass -\ncreated "));

    /* No attestation. */
    in.vendor = NULL;
    in.module_id = NULL;
    in.doc = NULL;
    in.doc_len = 0;
    in.key_version = INT64_MAX;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_OK);
    assert_string_equal(
        out, "postq-log-entry/v1\n"
             "signature sig_01HZX3K5Q8Y2B7N4M6P9R0S1TV\n"
             "key key_01HZX3K5Q8Y2B7N4M6P9R0S1TW 9223372036854775807 mldsa65+ed25519 " E_PK_HEX "\n"
             "payload 000102030405060708090a0b0c0d0e0f"
             "101112131415161718191a1b1c1d1e1f\n"
             "sig " E_SIG_HEX "\n"
             "attestation none\n"
             "verdict pass -\n"
             "created 2025-01-02T03:04:05.678Z\n");
    /* The exact room, and one byte less. */
    assert_int_equal(postq_tlog_entry(out, n + 1, &n, &in), POSTQ_OK);
    assert_int_equal(postq_tlog_entry(out, n, &n, &in), POSTQ_E_LENGTH);
    assert_int_equal(n, 0);
    assert_string_equal(out, "");
}

/* The expanded composite key (what postq-enclave signs with) gives a note of the same shape:
 * the same Ed25519 line, a composite line that verifies; a key whose public key is not the
 * pinned one is refused before anything is signed. */
static void test_note_sign_skey(void **state)
{
    struct postq_tlog_vkey both[2] = {ED_VK, COMP_VK};
    struct postq_hybrid_skey *sk = malloc(sizeof(*sk));
    uint8_t other[64];
    size_t n = 0;

    (void)state;
    assert_non_null(sk);
    assert_int_equal(postq_hybrid_skey_init(sk, "mldsa65+ed25519", COMP_SK), POSTQ_OK);
    assert_int_equal(postq_tlog_note_sign_skey(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK,
                                               ED_SEED, &COMP_VK, sk),
                     POSTQ_OK);
    assert_int_equal(n, NOTE_LEN);
    assert_memory_equal(BUF, NOTE, BODY_LEN + 1 + 115);
    expect_verify(BUF, n, both, 2, POSTQ_OK, "note signed with the expanded key");
    expect_verify(BUF, n, &COMP_VK, 1, POSTQ_OK, "its composite line alone");
    postq_hybrid_skey_wipe(sk);
    memcpy(other, COMP_SK, sizeof(other));
    other[0] ^= 1;
    assert_int_equal(postq_hybrid_skey_init(sk, "mldsa65+ed25519", other), POSTQ_OK);
    assert_int_equal(postq_tlog_note_sign_skey(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK,
                                               ED_SEED, &COMP_VK, sk),
                     POSTQ_E_KEY_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(postq_tlog_note_sign_skey(BUF, sizeof(BUF), &n, BODY, BODY_LEN, &ED_VK,
                                               ED_SEED, &COMP_VK, NULL),
                     POSTQ_E_ARG);
    postq_hybrid_skey_wipe(sk);
    free(sk);
}

/* Digests given instead of the bytes make the same entry (and wrong ones another). */
static void test_entry_digests(void **state)
{
    struct postq_tlog_entry_in in = entry_in(), d = entry_in();
    char a[POSTQ_TLOG_ENTRY_MAX], b[POSTQ_TLOG_ENTRY_MAX];
    uint8_t pk_h[32], sig_h[32], doc_h[32];
    size_t na = 0, nb = 0;

    (void)state;
    assert_int_equal(postq_sha256(pk_h, E_PK, sizeof(E_PK)), POSTQ_OK);
    assert_int_equal(postq_sha256(sig_h, E_SIG, sizeof(E_SIG)), POSTQ_OK);
    assert_int_equal(postq_sha256(doc_h, (const uint8_t *)E_DOC, strlen(E_DOC)), POSTQ_OK);
    d.public_key = NULL;
    d.public_key_len = 0;
    d.signature = NULL;
    d.sig_len = 0;
    d.doc = NULL;
    d.doc_len = 0;
    d.public_key_sha256 = pk_h;
    d.sig_sha256 = sig_h;
    d.doc_sha256 = doc_h;
    assert_int_equal(postq_tlog_entry(a, sizeof(a), &na, &in), POSTQ_OK);
    assert_int_equal(postq_tlog_entry(b, sizeof(b), &nb, &d), POSTQ_OK);
    assert_int_equal(na, nb);
    assert_string_equal(a, b);
    sig_h[5] ^= 1;
    assert_int_equal(postq_tlog_entry(b, sizeof(b), &nb, &d), POSTQ_OK);
    assert_string_not_equal(a, b);
}

static void test_entry_rejections(void **state)
{
    char out[POSTQ_TLOG_ENTRY_MAX], f127[128], f128[129];
    const char *bad[] = {"", "a b", "a\nb", "a\tb", "a\x7f", "\xc3\xa9", f128};
    struct postq_tlog_entry_in in;
    size_t n = 0;

    (void)state;
    memset(f127, 'f', 127);
    f127[127] = '\0';
    memset(f128, 'f', 128);
    f128[128] = '\0';

    /* Every text field at 127 bytes: accepted, and within POSTQ_TLOG_ENTRY_MAX. */
    in = entry_in();
    in.sig_id = in.key_id = in.algorithm = in.vendor = in.module_id = in.reason = in.created_at =
        f127;
    in.key_version = INT64_MAX;
    in.counter = UINT64_MAX;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_OK);
    assert_true(n < POSTQ_TLOG_ENTRY_MAX);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char **fields[] = {&in.sig_id,    &in.key_id, &in.algorithm, &in.vendor,
                                 &in.module_id, &in.reason, &in.created_at};
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            postq_err want = POSTQ_E_INVALID;
            in = entry_in();
            *fields[f] = bad[i];
            if (fields[f] == &in.reason && bad[i][0] == '\0') {
                want = POSTQ_OK; /* an empty reason is no reason: "-" */
            }
            if (postq_tlog_entry(out, sizeof(out), &n, &in) != want) {
                fail_msg("field %zu = bad[%zu]: not %s", f, i, postq_err_name(want));
            }
            if (want != POSTQ_OK) {
                assert_string_equal(out, "");
                assert_int_equal(n, 0);
            }
        }
    }
    in = entry_in();
    in.key_version = 0;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_INVALID);
    in.key_version = -1;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_INVALID);
    in = entry_in();
    in.vendor = "none";
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_INVALID);
    in = entry_in();
    in.reason = "-";
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_INVALID);
    in = entry_in();
    in.verdict_fail = 0; /* a pass with a reason */
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_INVALID);
    in = entry_in();
    in.vendor = NULL; /* no attestation, yet failed */
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_INVALID);
    in = entry_in();
    in.doc = NULL; /* with doc_len > 0 */
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_ARG);
    in = entry_in();
    in.module_id = NULL;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_ARG);
    in = entry_in();
    in.public_key = NULL;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_ARG);
    in = entry_in();
    in.signature = NULL;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_ARG);
    /* Empty byte strings are hashed (e3b0c442... is the SHA-256 of nothing). */
    in = entry_in();
    in.doc = NULL;
    in.doc_len = 0;
    in.sig_len = 0;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_OK);
    assert_non_null(
        strstr(out, "\nsig e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                    "attestation mock mod_7f3a 42 "
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"));
    in = entry_in();
    in.created_at = NULL;
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, &in), POSTQ_E_ARG);
    assert_int_equal(postq_tlog_entry(out, sizeof(out), &n, NULL), POSTQ_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_note_example),
        cmocka_unit_test(test_trillian_keys),
        cmocka_unit_test(test_sumdb_checkpoints),
        cmocka_unit_test(test_vkey_round_trip),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_note_sign_refusals),
        cmocka_unit_test(test_every_byte_changed),
        cmocka_unit_test(test_missing_and_wrong_lines),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_checkpoint_rules),
        cmocka_unit_test(test_origin_check),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_vkey_rejections),
        cmocka_unit_test(test_entry_kat),
        cmocka_unit_test(test_entry_rejections),
        cmocka_unit_test(test_note_sign_skey),
        cmocka_unit_test(test_entry_digests),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
