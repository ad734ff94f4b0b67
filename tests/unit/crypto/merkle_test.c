/* SPDX-License-Identifier: Apache-2.0 */
/* src/crypto/merkle.c against RFC 6962's published test data (the eight leaves, their tree
 * heads for sizes 1-8, inclusion and consistency proofs), and against a plain recomputation
 * written here (hashing whole ranges of entries from the definitions, no shared code) for every
 * tree size up to 140: every leaf's inclusion proof and every older size's consistency proof is
 * generated, compared with the recomputation and verified, and fails to verify with any byte
 * changed, with an element missing or added, or against another index, size or root. The
 * functions that work from stored perfect subtrees (*_from, append) are checked against the
 * array functions further down. */
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

/* ---- the tree from stored perfect subtrees (postq_merkle_*_from, postq_merkle_append) ----
 *
 * A node store built the way a log server builds it, by postq_merkle_append leaf after leaf
 * (checked against the array oracle's MTH of each range it emits), is read through a callback
 * that refuses any node not complete in the tree being asked about and logs every fetch. For
 * every size up to SMAXN the tree head, every leaf's inclusion proof and every older size's
 * consistency proof are compared with the array generators, the fetches are bounded as
 * merkle.h documents and never repeat, and a recording run (zero hashes) fetches the same
 * nodes in the same order. Sizes near 2^63 and 2^64 run over a store of equal leaves, whose
 * level-L nodes all hash alike, and the proofs are checked with the verifiers. */

#define SMAXN   300
#define SLEVELS 9 /* 2^8 <= SMAXN < 2^9 */
#define LOGMAX  160

static postq_merkle_hash sleaves[SMAXN];
static postq_merkle_hash snode[SLEVELS][SMAXN];
static uint64_t scount[SLEVELS];
/* the node hashes of a tree of equal leaves, level by level */
static postq_merkle_hash uniform[64];

enum view_kind { VIEW_STORE, VIEW_ZERO, VIEW_UNIFORM };

struct fetch {
    unsigned level;
    uint64_t index;
};

struct view {
    enum view_kind kind;
    uint64_t size;  /* the tree asked about: only its complete nodes may be fetched */
    size_t fail_at; /* the fail_at-th fetch (1-based) fails with fail_err; 0: none */
    postq_err fail_err;
    size_t fetches;
    struct fetch log[LOGMAX];
};

static struct view view(enum view_kind kind, uint64_t size)
{
    struct view v;

    memset(&v, 0, sizeof(v));
    v.kind = kind;
    v.size = size;
    return v;
}

static postq_err view_get(void *ctx, unsigned level, uint64_t index, postq_merkle_hash out)
{
    struct view *v = ctx;

    if (v->fetches < LOGMAX) {
        v->log[v->fetches].level = level;
        v->log[v->fetches].index = index;
    }
    v->fetches++;
    /* (index + 1) << level <= size, without the overflow */
    if (level >= 64 || index >= v->size >> level) {
        return POSTQ_E_NOT_FOUND;
    }
    if (v->fetches == v->fail_at) {
        memset(out, 0x5A, 32);
        return v->fail_err;
    }
    switch (v->kind) {
    case VIEW_ZERO:
        memset(out, 0, 32);
        break;
    case VIEW_UNIFORM:
        memcpy(out, uniform[level], 32);
        break;
    case VIEW_STORE:
        if (level >= SLEVELS || index >= scount[level]) {
            return POSTQ_E_NOT_FOUND;
        }
        memcpy(out, snode[level][index], 32);
        break;
    }
    return POSTQ_OK;
}

static unsigned popcount64(uint64_t x)
{
    unsigned c = 0;
    for (; x != 0; x >>= 1) {
        c += (unsigned)(x & 1);
    }
    return c;
}

static unsigned log2floor(uint64_t x)
{
    unsigned l = 0;
    while (x > 1) {
        x >>= 1;
        l++;
    }
    return l;
}

/* No node fetched twice, and the log holds every fetch. */
static void assert_distinct(const struct view *v)
{
    assert_true(v->fetches <= LOGMAX);
    for (size_t i = 0; i < v->fetches; i++) {
        for (size_t j = 0; j < i; j++) {
            assert_false(v->log[i].level == v->log[j].level && v->log[i].index == v->log[j].index);
        }
    }
}

static void assert_same_fetches(const struct view *a, const struct view *b)
{
    assert_int_equal(a->fetches, b->fetches);
    for (size_t i = 0; i < a->fetches && i < LOGMAX; i++) {
        assert_int_equal(a->log[i].level, b->log[i].level);
        assert_int_equal(a->log[i].index, b->log[i].index);
    }
}

static void setup_store(void)
{
    struct postq_merkle_node out[POSTQ_MERKLE_PROOF_MAX + 1];
    postq_merkle_hash want;
    size_t n;

    for (uint64_t i = 0; i < SMAXN; i++) {
        uint8_t e[4] = {(uint8_t)i, (uint8_t)(i >> 8), 0x3C, (uint8_t)(i * 13)};
        assert_int_equal(postq_merkle_leaf_hash(sleaves[i], e, 4), POSTQ_OK);
    }
    memset(snode, 0, sizeof(snode));
    memset(scount, 0, sizeof(scount));
    for (uint64_t size = 0; size < SMAXN; size++) {
        struct view v = view(VIEW_STORE, size);
        unsigned ones = 0;

        while (((size >> ones) & 1) != 0) {
            ones++;
        }
        assert_int_equal(postq_merkle_append(out, &n, size, sleaves[size], view_get, &v), POSTQ_OK);
        assert_int_equal(n, ones + 1);
        assert_int_equal(v.fetches, ones);
        for (size_t j = 0; j < n; j++) {
            uint64_t index = size >> j;

            assert_int_equal(out[j].level, j);
            assert_int_equal(out[j].index, index);
            assert_true(j < SLEVELS);
            assert_int_equal(scount[j], index); /* each level fills up in order */
            assert_int_equal(postq_merkle_root(want, sleaves + (index << j), (uint64_t)1 << j),
                             POSTQ_OK);
            assert_memory_equal(out[j].hash, want, 32);
            if (j + 1 < n) {
                /* the left sibling the next level needed */
                assert_int_equal(v.log[j].level, j);
                assert_int_equal(v.log[j].index, index - 1);
            }
            memcpy(snode[j][scount[j]++], out[j].hash, 32);
        }
    }
}

/* The fetch bounds of merkle.h. */
static size_t max_root(uint64_t size)
{
    return popcount64(size);
}

static size_t max_inclusion(uint64_t size)
{
    return popcount64(size) + log2floor(size) - 1;
}

static size_t max_consistency(uint64_t size)
{
    return popcount64(size) + log2floor(size);
}

/* Consistency proofs from every older size for the sizes that have them all (the rest: m = 0..3,
 * n / 2, n - 1, n). The array oracle costs about n hashes a proof, so the whole 300^3 / 2 cube of
 * both proofs took 3.6 s plain (four times that under the sanitizers); this keeps every leaf of
 * every size for inclusion and takes about half. */
static int every_m(uint64_t n)
{
    return n <= 160 || n == 255 || n == 256 || n == 257 || n == 299 || n == SMAXN;
}

/* Sizes 0..SMAXN: the tree head, every leaf's inclusion proof, older sizes' consistency proofs
 * (all of them where every_m). */
static void test_from_every_size(void **state)
{
    postq_merkle_hash p[POSTQ_MERKLE_PROOF_MAX + 1], r[POSTQ_MERKLE_PROOF_MAX + 1], got, want;
    size_t len, rlen;
    (void)state;

    setup_store();
    for (uint64_t n = 0; n <= SMAXN; n++) {
        struct view v = view(VIEW_STORE, n), z = view(VIEW_ZERO, n);
        size_t most = 0;

        assert_int_equal(postq_merkle_root_from(got, n, view_get, &v), POSTQ_OK);
        assert_int_equal(postq_merkle_root(want, sleaves, n), POSTQ_OK);
        assert_memory_equal(got, want, 32);
        assert_int_equal(v.fetches, max_root(n));
        assert_int_equal(postq_merkle_root_from(got, n, view_get, &z), POSTQ_OK);
        assert_same_fetches(&v, &z);
        assert_distinct(&v);

        for (uint64_t i = 0; i < n; i++) {
            v = view(VIEW_STORE, n);
            z = view(VIEW_ZERO, n);
            assert_int_equal(postq_merkle_inclusion_proof_from(p, POSTQ_MERKLE_PROOF_MAX, &len, n,
                                                               i, view_get, &v),
                             POSTQ_OK);
            assert_int_equal(
                postq_merkle_inclusion_proof(r, POSTQ_MERKLE_PROOF_MAX, &rlen, sleaves, n, i),
                POSTQ_OK);
            assert_int_equal(len, rlen);
            assert_memory_equal(p, r, 32 * len);
            assert_true(v.fetches <= max_inclusion(n));
            if (i == 0) {
                /* leaf 0 lies in the largest stored subtree of the right edge: the bound is met */
                assert_int_equal(v.fetches, max_inclusion(n));
            }
            assert_distinct(&v);
            assert_int_equal(postq_merkle_inclusion_proof_from(p, POSTQ_MERKLE_PROOF_MAX, &len, n,
                                                               i, view_get, &z),
                             POSTQ_OK);
            assert_same_fetches(&v, &z);
        }

        for (uint64_t m = 0; m <= n; m++) {
            if (!every_m(n) && m > 3 && m != n / 2 && m + 1 < n) {
                continue;
            }
            v = view(VIEW_STORE, n);
            z = view(VIEW_ZERO, n);
            assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX + 1,
                                                                 &len, n, m, view_get, &v),
                             POSTQ_OK);
            assert_int_equal(
                postq_merkle_consistency_proof(r, POSTQ_MERKLE_PROOF_MAX + 1, &rlen, sleaves, n, m),
                POSTQ_OK);
            assert_int_equal(len, rlen);
            assert_memory_equal(p, r, 32 * len);
            assert_true(v.fetches <= max_consistency(n));
            if (m == 0 || m == n) {
                assert_int_equal(v.fetches, 0);
            }
            most = v.fetches > most ? v.fetches : most;
            assert_distinct(&v);
            assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX + 1,
                                                                 &len, n, m, view_get, &z),
                             POSTQ_OK);
            assert_same_fetches(&v, &z);
        }
        if (n >= 4 && every_m(n)) {
            /* the bound is met (by m = 3 at least for powers of two); below 4 it is one too many */
            assert_int_equal(most, max_consistency(n));
        }
    }
}

/* Every fetch fails in turn: the callback's error comes back unchanged, nothing is fetched after
 * it, *len is 0 and what was written is zeroed (the rest of proof is untouched). */
static void assert_wiped(const postq_merkle_hash *p, size_t cap)
{
    static const uint8_t zero[32];
    uint8_t fill[32];

    memset(fill, 0xAA, 32);
    for (size_t e = 0; e < cap; e++) {
        assert_true(memcmp(p[e], zero, 32) == 0 || memcmp(p[e], fill, 32) == 0);
    }
}

static void test_from_callback_errors(void **state)
{
    static const uint64_t sizes[] = {1, 2, 7, 8, 13, 100, 255, 256, 299, 300};
    postq_merkle_hash p[POSTQ_MERKLE_PROOF_MAX + 1], h;
    struct postq_merkle_node out[POSTQ_MERKLE_PROOF_MAX + 1];
    size_t len, n;
    (void)state;

    setup_store();
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t size = sizes[s];
        struct view all = view(VIEW_STORE, size);

        assert_int_equal(postq_merkle_root_from(h, size, view_get, &all), POSTQ_OK);
        for (size_t k = 1; k <= all.fetches; k++) {
            struct view v = view(VIEW_STORE, size);
            v.fail_at = k;
            v.fail_err = POSTQ_E_IO;
            memset(h, 0xAA, 32);
            assert_int_equal(postq_merkle_root_from(h, size, view_get, &v), POSTQ_E_IO);
            assert_int_equal(v.fetches, k);
            assert_wiped(&h, 1);
            assert_false(h[0] == 0xAA);
        }
        for (uint64_t i = 0; i < size; i += 1 + size / 5) {
            all = view(VIEW_STORE, size);
            assert_int_equal(postq_merkle_inclusion_proof_from(p, POSTQ_MERKLE_PROOF_MAX, &len,
                                                               size, i, view_get, &all),
                             POSTQ_OK);
            for (size_t k = 1; k <= all.fetches; k++) {
                struct view v = view(VIEW_STORE, size);
                v.fail_at = k;
                v.fail_err = POSTQ_E_BUSY;
                memset(p, 0xAA, sizeof(p));
                len = 99;
                assert_int_equal(postq_merkle_inclusion_proof_from(p, POSTQ_MERKLE_PROOF_MAX + 1,
                                                                   &len, size, i, view_get, &v),
                                 POSTQ_E_BUSY);
                assert_int_equal(v.fetches, k);
                assert_int_equal(len, 0);
                assert_wiped(p, POSTQ_MERKLE_PROOF_MAX + 1);
            }
        }
        for (uint64_t m = 1; m < size; m += 1 + size / 5) {
            all = view(VIEW_STORE, size);
            assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX, &len,
                                                                 size, m, view_get, &all),
                             POSTQ_OK);
            for (size_t k = 1; k <= all.fetches; k++) {
                struct view v = view(VIEW_STORE, size);
                v.fail_at = k;
                v.fail_err = POSTQ_E_IO;
                memset(p, 0xAA, sizeof(p));
                len = 99;
                assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX + 1,
                                                                     &len, size, m, view_get, &v),
                                 POSTQ_E_IO);
                assert_int_equal(v.fetches, k);
                assert_int_equal(len, 0);
                assert_wiped(p, POSTQ_MERKLE_PROOF_MAX + 1);
            }
        }
    }
    /* append: 255 = 0b11111111 completes nine nodes, reading eight */
    for (size_t k = 1; k <= 8; k++) {
        struct view v = view(VIEW_STORE, 255);
        v.fail_at = k;
        v.fail_err = POSTQ_E_IO;
        memset(out, 0xAA, sizeof(out));
        n = 99;
        assert_int_equal(postq_merkle_append(out, &n, 255, sleaves[255], view_get, &v), POSTQ_E_IO);
        assert_int_equal(v.fetches, k);
        assert_int_equal(n, 0);
        for (size_t j = 0; j <= k; j++) {
            static const uint8_t zero[32];
            assert_memory_equal(out[j].hash, zero, 32);
        }
    }
}

/* Sizes near 2^63 and 2^64 over a tree of equal leaves: only complete nodes are fetched, within
 * the bounds, each once, and the proofs verify against the tree heads computed the same way. */
static void test_from_huge_sizes(void **state)
{
    static const uint64_t sizes[] = {
        ((uint64_t)1 << 63) - 1, (uint64_t)1 << 63, ((uint64_t)1 << 63) + 1,
        UINT64_MAX - 1,          UINT64_MAX,        0xDEADBEEFCAFEF00Dull,
        ((uint64_t)1 << 32) + 3,
    };
    postq_merkle_hash p[POSTQ_MERKLE_PROOF_MAX + 1], root, old;
    struct postq_merkle_node out[POSTQ_MERKLE_PROOF_MAX + 1];
    size_t len, n;
    (void)state;

    assert_int_equal(postq_merkle_leaf_hash(uniform[0], (const uint8_t *)"x", 1), POSTQ_OK);
    for (unsigned l = 1; l < 64; l++) {
        ref_node(uniform[l], uniform[l - 1], uniform[l - 1]);
    }
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t size = sizes[s];
        uint64_t idx[] = {0, 1, 2, 3, size / 3, size / 2, size - 2, size - 1, (size >> 1) | 1};
        struct view v = view(VIEW_UNIFORM, size);

        assert_int_equal(postq_merkle_root_from(root, size, view_get, &v), POSTQ_OK);
        assert_int_equal(v.fetches, max_root(size));
        assert_distinct(&v);
        for (size_t j = 0; j < sizeof(idx) / sizeof(idx[0]); j++) {
            uint64_t i = idx[j], m = idx[j];

            v = view(VIEW_UNIFORM, size);
            assert_int_equal(postq_merkle_inclusion_proof_from(p, POSTQ_MERKLE_PROOF_MAX, &len,
                                                               size, i, view_get, &v),
                             POSTQ_OK);
            assert_true(v.fetches <= max_inclusion(size));
            assert_distinct(&v);
            assert_int_equal(postq_merkle_verify_inclusion(uniform[0], i, size, p, len, root),
                             POSTQ_OK);
            p[len - 1][7] ^= 0x10;
            assert_int_equal(postq_merkle_verify_inclusion(uniform[0], i, size, p, len, root),
                             POSTQ_E_INVALID);

            v = view(VIEW_UNIFORM, m);
            assert_int_equal(postq_merkle_root_from(old, m, view_get, &v), POSTQ_OK);
            v = view(VIEW_UNIFORM, size);
            assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX + 1,
                                                                 &len, size, m, view_get, &v),
                             POSTQ_OK);
            assert_true(v.fetches <= max_consistency(size));
            assert_distinct(&v);
            assert_int_equal(
                postq_merkle_verify_consistency(m, size, m > 0 ? old : NULL, root, p, len),
                POSTQ_OK);
            if (len > 0) {
                assert_int_equal(postq_merkle_verify_consistency(m, size, old, root, p, len - 1),
                                 POSTQ_E_INVALID);
            }
        }
    }
    /* Above 2^63 leaves a consistency proof can hold 65 hashes: refused at 64, before a fetch. */
    {
        struct view v = view(VIEW_UNIFORM, UINT64_MAX);
        assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX + 1, &len,
                                                             UINT64_MAX, 3, view_get, &v),
                         POSTQ_OK);
        assert_int_equal(len, POSTQ_MERKLE_PROOF_MAX + 1);
        v = view(VIEW_UNIFORM, UINT64_MAX);
        assert_int_equal(postq_merkle_consistency_proof_from(p, POSTQ_MERKLE_PROOF_MAX, &len,
                                                             UINT64_MAX, 3, view_get, &v),
                         POSTQ_E_LENGTH);
        assert_int_equal(v.fetches, 0);
        assert_int_equal(len, 0);
    }
    /* append at the top: 2^63 - 1 leaves plus one complete every level up to 63 */
    {
        struct view v = view(VIEW_UNIFORM, ((uint64_t)1 << 63) - 1);
        assert_int_equal(postq_merkle_append(out, &n, v.size, uniform[0], view_get, &v), POSTQ_OK);
        assert_int_equal(n, 64);
        assert_int_equal(v.fetches, 63);
        for (size_t j = 0; j < n; j++) {
            assert_int_equal(out[j].level, j);
            assert_int_equal(out[j].index, v.size >> j);
            assert_memory_equal(out[j].hash, uniform[j], 32);
        }
        v = view(VIEW_UNIFORM, UINT64_MAX - 1);
        assert_int_equal(postq_merkle_append(out, &n, v.size, uniform[0], view_get, &v), POSTQ_OK);
        assert_int_equal(n, 1);
        assert_int_equal(v.fetches, 0);
        v = view(VIEW_UNIFORM, UINT64_MAX);
        n = 99;
        assert_int_equal(postq_merkle_append(out, &n, UINT64_MAX, uniform[0], view_get, &v),
                         POSTQ_E_ARG);
        assert_int_equal(n, 0);
        assert_int_equal(v.fetches, 0);
    }
}

static void test_from_bad_arguments(void **state)
{
    postq_merkle_hash p[4], h;
    struct postq_merkle_node out[POSTQ_MERKLE_PROOF_MAX + 1];
    struct view v = view(VIEW_ZERO, 8);
    size_t len = 99, n = 99;
    (void)state;

    assert_int_equal(postq_merkle_root_from(NULL, 8, view_get, &v), POSTQ_E_ARG);
    memset(h, 0xAA, 32);
    assert_int_equal(postq_merkle_root_from(h, 8, NULL, &v), POSTQ_E_ARG);
    assert_int_equal(h[0], 0);
    /* size 0: the hash of nothing, no fetch */
    assert_int_equal(postq_merkle_root_from(h, 0, view_get, &v), POSTQ_OK);
    assert_int_equal(v.fetches, 0);
    assert_int_equal(h[0], 0xe3);

    assert_int_equal(postq_merkle_inclusion_proof_from(p, 4, NULL, 8, 0, view_get, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_merkle_inclusion_proof_from(NULL, 4, &len, 8, 0, view_get, &v),
                     POSTQ_E_ARG);
    assert_int_equal(len, 0);
    len = 99;
    assert_int_equal(postq_merkle_inclusion_proof_from(p, 4, &len, 8, 0, NULL, &v), POSTQ_E_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(postq_merkle_inclusion_proof_from(p, 4, &len, 8, 8, view_get, &v),
                     POSTQ_E_ARG);
    assert_int_equal(postq_merkle_inclusion_proof_from(p, 4, &len, 0, 0, view_get, &v),
                     POSTQ_E_ARG);
    assert_int_equal(
        postq_merkle_inclusion_proof_from(p, 4, &len, UINT64_MAX, UINT64_MAX, view_get, &v),
        POSTQ_E_ARG);
    /* a proof of three hashes in room for two: refused before any fetch */
    len = 99;
    assert_int_equal(postq_merkle_inclusion_proof_from(p, 2, &len, 8, 5, view_get, &v),
                     POSTQ_E_LENGTH);
    assert_int_equal(len, 0);
    assert_int_equal(postq_merkle_inclusion_proof_from(p, 3, &len, 8, 5, view_get, &v), POSTQ_OK);
    assert_int_equal(len, 3);
    /* one leaf: the empty proof, proof may be NULL with cap 0 */
    v.fetches = 0;
    assert_int_equal(postq_merkle_inclusion_proof_from(NULL, 0, &len, 1, 0, view_get, &v),
                     POSTQ_OK);
    assert_int_equal(len, 0);
    assert_int_equal(v.fetches, 0);

    assert_int_equal(postq_merkle_consistency_proof_from(p, 4, NULL, 8, 3, view_get, &v),
                     POSTQ_E_ARG);
    len = 99;
    assert_int_equal(postq_merkle_consistency_proof_from(NULL, 4, &len, 8, 3, view_get, &v),
                     POSTQ_E_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(postq_merkle_consistency_proof_from(p, 4, &len, 8, 3, NULL, &v), POSTQ_E_ARG);
    assert_int_equal(postq_merkle_consistency_proof_from(p, 4, &len, 8, 9, view_get, &v),
                     POSTQ_E_ARG);
    assert_int_equal(
        postq_merkle_consistency_proof_from(p, 4, &len, UINT64_MAX - 1, UINT64_MAX, view_get, &v),
        POSTQ_E_ARG);
    v.fetches = 0;
    len = 99;
    assert_int_equal(postq_merkle_consistency_proof_from(p, 3, &len, 8, 3, view_get, &v),
                     POSTQ_E_LENGTH);
    assert_int_equal(len, 0);
    assert_int_equal(v.fetches, 0);
    assert_int_equal(postq_merkle_consistency_proof_from(p, 4, &len, 8, 3, view_get, &v), POSTQ_OK);
    assert_int_equal(len, 4);
    /* m = 0 and m = size: the empty proof, no fetch */
    v.fetches = 0;
    len = 99;
    assert_int_equal(postq_merkle_consistency_proof_from(NULL, 0, &len, 8, 0, view_get, &v),
                     POSTQ_OK);
    assert_int_equal(len, 0);
    assert_int_equal(postq_merkle_consistency_proof_from(NULL, 0, &len, 8, 8, view_get, &v),
                     POSTQ_OK);
    assert_int_equal(postq_merkle_consistency_proof_from(NULL, 0, &len, 0, 0, view_get, &v),
                     POSTQ_OK);
    assert_int_equal(v.fetches, 0);

    memset(h, 0, 32);
    assert_int_equal(postq_merkle_append(out, NULL, 4, h, view_get, &v), POSTQ_E_ARG);
    assert_int_equal(postq_merkle_append(NULL, &n, 4, h, view_get, &v), POSTQ_E_ARG);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(postq_merkle_append(out, &n, 4, NULL, view_get, &v), POSTQ_E_ARG);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(postq_merkle_append(out, &n, 4, h, NULL, &v), POSTQ_E_ARG);
    assert_int_equal(n, 0);
    /* a store that has not got a node the append needs */
    v = view(VIEW_ZERO, 4);
    assert_int_equal(postq_merkle_append(out, &n, 5, h, view_get, &v), POSTQ_E_NOT_FOUND);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6962_roots),        cmocka_unit_test(test_rfc6962_proofs),
        cmocka_unit_test(test_inclusion_every_size), cmocka_unit_test(test_consistency_every_size),
        cmocka_unit_test(test_bad_arguments),        cmocka_unit_test(test_from_every_size),
        cmocka_unit_test(test_from_callback_errors), cmocka_unit_test(test_from_huge_sizes),
        cmocka_unit_test(test_from_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
