/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto/merkle.c against RFC 6962's published test data (the eight leaves, their tree
 * heads for sizes 1-8, inclusion and consistency proofs), and against a plain recomputation
 * written here (hashing whole ranges of entries from the definitions, no shared code) for every
 * tree size up to 140: every leaf's inclusion proof and every older size's consistency proof is
 * generated, compared with the recomputation and verified, and fails to verify with any byte
 * changed, with an element missing or added, or against another index, size or root. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/merkle.h"
#include "crypto/sha2.h"

#define MAXN 140

static postq_merkle_hash *hex_hashes(const char *const *hex, size_t n)
{
    postq_merkle_hash *h = calloc(n > 0 ? n : 1, sizeof(*h));
    assert_non_null(h);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *b = tl_hex(hex[i], &len);
        assert_int_equal(len, 32);
        memcpy(h[i], b, 32);
        free(b);
    }
    return h;
}

/* ---- the RFC 6962 test data ---- */

static const char *const leaves_hex[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const roots_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct proof_kat {
    uint64_t a, n; /* leaf index (inclusion) or old size (consistency), tree size */
    size_t len;
    const char *hex[3];
};

static const struct proof_kat inclusion_kats[] = {
    {0, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 2, 1, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"}},
};

static const struct proof_kat consistency_kats[] = {
    {1, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static postq_merkle_hash rfc_leaves[8];

static void load_rfc_leaves(void)
{
    for (size_t i = 0; i < 8; i++) {
        size_t len;
        uint8_t *b = tl_hex(leaves_hex[i], &len);
        assert_int_equal(postq_merkle_leaf_hash(rfc_leaves[i], b, len), POSTQ_OK);
        free(b);
    }
}

static void test_rfc6962_roots(void **state)
{
    postq_merkle_hash *want = hex_hashes(roots_hex, 9);
    postq_merkle_hash got;
    (void)state;

    load_rfc_leaves();
    for (uint64_t n = 0; n <= 8; n++) {
        assert_int_equal(postq_merkle_root(got, rfc_leaves, n), POSTQ_OK);
        assert_memory_equal(got, want[n], 32);
    }
    free(want);
}

static void test_rfc6962_proofs(void **state)
{
    postq_merkle_hash *roots = hex_hashes(roots_hex, 9);
    postq_merkle_hash proof[POSTQ_MERKLE_PROOF_MAX];
    size_t len;
    (void)state;

    load_rfc_leaves();
    for (size_t i = 0; i < sizeof(inclusion_kats) / sizeof(inclusion_kats[0]); i++) {
        const struct proof_kat *k = &inclusion_kats[i];
        postq_merkle_hash *want = hex_hashes(k->hex, k->len);

        assert_int_equal(postq_merkle_inclusion_proof(proof, POSTQ_MERKLE_PROOF_MAX, &len,
                                                      rfc_leaves, k->n, k->a),
                         POSTQ_OK);
        assert_int_equal(len, k->len);
        assert_memory_equal(proof, want, 32 * len);
        assert_int_equal(postq_merkle_verify_inclusion(rfc_leaves[k->a], k->a, k->n, want, k->len,
                                                       roots[k->n]),
                         POSTQ_OK);
        free(want);
    }
    for (size_t i = 0; i < sizeof(consistency_kats) / sizeof(consistency_kats[0]); i++) {
        const struct proof_kat *k = &consistency_kats[i];
        postq_merkle_hash *want = hex_hashes(k->hex, k->len);

        assert_int_equal(postq_merkle_consistency_proof(proof, POSTQ_MERKLE_PROOF_MAX, &len,
                                                        rfc_leaves, k->n, k->a),
                         POSTQ_OK);
        assert_int_equal(len, k->len);
        assert_memory_equal(proof, want, 32 * len);
        assert_int_equal(postq_merkle_verify_consistency(k->a, k->n, roots[k->a], roots[k->n], want,
                                                         k->len),
                         POSTQ_OK);
        free(want);
    }
    free(roots);
}

/* ---- a plain recomputation: ranges of entries hashed straight from the definitions ---- */

static uint8_t entries[MAXN][4];

static void ref_leaf(postq_merkle_hash out, uint64_t i)
{
    uint8_t buf[5] = {0x00};
    memcpy(buf + 1, entries[i], 4);
    assert_int_equal(postq_sha256(out, buf, sizeof(buf)), POSTQ_OK);
}

static void ref_node(postq_merkle_hash out, const postq_merkle_hash l, const postq_merkle_hash r)
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    assert_int_equal(postq_sha256(out, buf, sizeof(buf)), POSTQ_OK);
}

static uint64_t ref_k(uint64_t n)
{
    uint64_t k = 1;
    while (2 * k < n) {
        k *= 2;
    }
    return k;
}

/* MTH(D[lo:hi]) */
static void ref_mth(postq_merkle_hash out, uint64_t lo, uint64_t hi)
{
    postq_merkle_hash l, r;
    uint64_t k;

    if (hi - lo == 1) {
        ref_leaf(out, lo);
        return;
    }
    k = ref_k(hi - lo);
    ref_mth(l, lo, lo + k);
    ref_mth(r, lo + k, hi);
    ref_node(out, l, r);
}

/* PATH(m, D[lo:hi]), appended to p */
static void ref_path(postq_merkle_hash *p, size_t *len, uint64_t m, uint64_t lo, uint64_t hi)
{
    uint64_t k;

    if (hi - lo == 1) {
        return;
    }
    k = ref_k(hi - lo);
    if (m < k) {
        ref_path(p, len, m, lo, lo + k);
        ref_mth(p[(*len)++], lo + k, hi);
    } else {
        ref_path(p, len, m - k, lo + k, hi);
        ref_mth(p[(*len)++], lo, lo + k);
    }
}

/* SUBPROOF(m, D[lo:hi], b), appended to p */
static void ref_sub(postq_merkle_hash *p, size_t *len, uint64_t m, uint64_t lo, uint64_t hi, int b)
{
    uint64_t k;

    if (m == hi - lo) {
        if (!b) {
            ref_mth(p[(*len)++], lo, hi);
        }
        return;
    }
    k = ref_k(hi - lo);
    if (m <= k) {
        ref_sub(p, len, m, lo, lo + k, b);
        ref_mth(p[(*len)++], lo + k, hi);
    } else {
        ref_sub(p, len, m - k, lo + k, hi, 0);
        ref_mth(p[(*len)++], lo, lo + k);
    }
}

static postq_merkle_hash leaves[MAXN], roots[MAXN + 1];

static void setup_tree(void)
{
    for (uint64_t i = 0; i < MAXN; i++) {
        entries[i][0] = (uint8_t)i;
        entries[i][1] = (uint8_t)(i >> 8);
        entries[i][2] = 0xA5;
        entries[i][3] = (uint8_t)(i * 7);
        assert_int_equal(postq_merkle_leaf_hash(leaves[i], entries[i], 4), POSTQ_OK);
    }
    for (uint64_t n = 1; n <= MAXN; n++) {
        postq_merkle_hash want;
        assert_int_equal(postq_merkle_root(roots[n], leaves, n), POSTQ_OK);
        ref_mth(want, 0, n);
        assert_memory_equal(roots[n], want, 32);
    }
}

/* Every way of spoiling a valid proof fails: each byte flipped (all of them when `all`, else one
 * per element), an element dropped or added. */
static void spoil_inclusion(uint64_t i, uint64_t n, const postq_merkle_hash *p, size_t len, int all)
{
    postq_merkle_hash q[POSTQ_MERKLE_PROOF_MAX + 1];

    for (size_t e = 0; e < len; e++) {
        for (size_t b = 0; b < 32; b += all ? 1 : 32) {
            memcpy(q, p, 32 * len);
            q[e][(b + e) % 32] ^= 0x01;
            assert_int_equal(postq_merkle_verify_inclusion(leaves[i], i, n, q, len, roots[n]),
                             POSTQ_E_INVALID);
        }
    }
    if (len > 0) {
        assert_int_equal(postq_merkle_verify_inclusion(leaves[i], i, n, p, len - 1, roots[n]),
                         POSTQ_E_INVALID);
    }
    memcpy(q, p, 32 * len);
    memcpy(q[len], roots[n], 32);
    assert_int_equal(postq_merkle_verify_inclusion(leaves[i], i, n, q, len + 1, roots[n]),
                     POSTQ_E_INVALID);
}

static void test_inclusion_every_size(void **state)
{
    postq_merkle_hash p[POSTQ_MERKLE_PROOF_MAX], r[POSTQ_MERKLE_PROOF_MAX];
    size_t len, rlen;
    (void)state;

    setup_tree();
    for (uint64_t n = 1; n <= MAXN; n++) {
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(
                postq_merkle_inclusion_proof(p, POSTQ_MERKLE_PROOF_MAX, &len, leaves, n, i),
                POSTQ_OK);
            rlen = 0;
            ref_path(r, &rlen, i, 0, n);
            assert_int_equal(len, rlen);
            assert_memory_equal(p, r, 32 * len);
            assert_int_equal(postq_merkle_verify_inclusion(leaves[i], i, n, p, len, roots[n]),
                             POSTQ_OK);
            /* another leaf, index, size or root */
            assert_int_equal(postq_merkle_verify_inclusion(leaves[(i + 1) % MAXN], i, n, p, len,
                                                           roots[n]),
                             POSTQ_E_INVALID);
            if (n > 1) {
                assert_int_equal(
                    postq_merkle_verify_inclusion(leaves[i], (i + 1) % n, n, p, len, roots[n]),
                    POSTQ_E_INVALID);
                assert_int_equal(
                    postq_merkle_verify_inclusion(leaves[i], i, n, p, len, roots[n - 1]),
                    POSTQ_E_INVALID);
            }
            if (n < MAXN) {
                assert_int_equal(
                    postq_merkle_verify_inclusion(leaves[i], i, n + 1, p, len, roots[n + 1]),
                    POSTQ_E_INVALID);
            }
            spoil_inclusion(i, n, p, len, n <= 20);
        }
        assert_int_equal(postq_merkle_verify_inclusion(leaves[0], n, n, p, 0, roots[n]),
                         POSTQ_E_INVALID);
    }
}

static void test_consistency_every_size(void **state)
{
    postq_merkle_hash p[POSTQ_MERKLE_PROOF_MAX + 1], r[POSTQ_MERKLE_PROOF_MAX];
    size_t len, rlen;
    (void)state;

    setup_tree();
    for (uint64_t n = 1; n <= MAXN; n++) {
        for (uint64_t m = 0; m <= n; m++) {
            assert_int_equal(
                postq_merkle_consistency_proof(p, POSTQ_MERKLE_PROOF_MAX, &len, leaves, n, m),
                POSTQ_OK);
            rlen = 0;
            if (m > 0 && m < n) {
                ref_sub(r, &rlen, m, 0, n, 1);
            }
            assert_int_equal(len, rlen);
            assert_memory_equal(p, r, 32 * len);
            assert_int_equal(postq_merkle_verify_consistency(m, n, m > 0 ? roots[m] : NULL,
                                                             roots[n], p, len),
                             POSTQ_OK);
            if (m == 0) {
                continue;
            }
            /* a fork: another old root, another new root */
            assert_int_equal(postq_merkle_verify_consistency(m, n, roots[m == 1 ? 2 : m - 1],
                                                             roots[n], p, len),
                             POSTQ_E_INVALID);
            if (m < n) {
                assert_int_equal(postq_merkle_verify_consistency(m, n, roots[m], roots[n - 1], p,
                                                                 len),
                                 POSTQ_E_INVALID);
                /* a rollback (new size below old) is never consistent */
                assert_int_equal(postq_merkle_verify_consistency(n, m, roots[n], roots[m], p, len),
                                 POSTQ_E_INVALID);
                for (size_t e = 0; e < len; e++) {
                    for (size_t b = 0; b < 32; b += n <= 20 ? 1 : 32) {
                        postq_merkle_hash q[POSTQ_MERKLE_PROOF_MAX];
                        memcpy(q, p, 32 * len);
                        q[e][(b + e) % 32] ^= 0x80;
                        assert_int_equal(
                            postq_merkle_verify_consistency(m, n, roots[m], roots[n], q, len),
                            POSTQ_E_INVALID);
                    }
                }
                assert_int_equal(
                    postq_merkle_verify_consistency(m, n, roots[m], roots[n], p, len - 1),
                    POSTQ_E_INVALID);
                memcpy(p[len], roots[m], 32);
                assert_int_equal(
                    postq_merkle_verify_consistency(m, n, roots[m], roots[n], p, len + 1),
                    POSTQ_E_INVALID);
            } else {
                /* equal sizes: only the empty proof and the same root */
                memcpy(p[0], roots[m], 32);
                assert_int_equal(postq_merkle_verify_consistency(m, n, roots[m], roots[n], p, 1),
                                 POSTQ_E_INVALID);
            }
        }
    }
}

static void test_bad_arguments(void **state)
{
    postq_merkle_hash p[2], h = {0};
    size_t len = 99;
    (void)state;

    setup_tree();
    assert_int_equal(postq_merkle_inclusion_proof(p, 2, &len, leaves, 4, 4), POSTQ_E_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(postq_merkle_inclusion_proof(p, 2, &len, leaves, 0, 0), POSTQ_E_ARG);
    assert_int_equal(postq_merkle_consistency_proof(p, 2, &len, leaves, 4, 5), POSTQ_E_ARG);
    /* a proof longer than the caller's room: refused, not written past it */
    assert_int_equal(postq_merkle_inclusion_proof(p, 2, &len, leaves, 8, 0), POSTQ_E_LENGTH);
    assert_int_equal(postq_merkle_consistency_proof(p, 1, &len, leaves, 8, 3), POSTQ_E_LENGTH);
    assert_int_equal(postq_merkle_leaf_hash(h, NULL, 1), POSTQ_E_ARG);
    assert_int_equal(postq_merkle_root(h, NULL, 1), POSTQ_E_ARG);
    assert_int_equal(postq_merkle_verify_inclusion(NULL, 0, 1, NULL, 0, h), POSTQ_E_ARG);
    assert_int_equal(postq_merkle_verify_consistency(1, 2, NULL, h, NULL, 0), POSTQ_E_ARG);
    /* an empty proof for different sizes */
    assert_int_equal(postq_merkle_verify_consistency(3, 5, roots[3], roots[5], NULL, 0),
                     POSTQ_E_INVALID);
    /* the size-0 tree is a prefix of everything, with the empty proof only */
    assert_int_equal(postq_merkle_verify_consistency(0, 5, NULL, roots[5], NULL, 0), POSTQ_OK);
    assert_int_equal(postq_merkle_verify_consistency(0, 5, NULL, roots[5], &roots[5], 1),
                     POSTQ_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6962_roots),         cmocka_unit_test(test_rfc6962_proofs),
        cmocka_unit_test(test_inclusion_every_size),  cmocka_unit_test(test_consistency_every_size),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
