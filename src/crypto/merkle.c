/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9162 §2.1 Merkle trees (merkle.h). The generators follow the RFC's recursive definitions
 * of MTH, PATH and SUBPROOF word for word; the verifiers are the RFC's iterative algorithms. */
#include "crypto/merkle.h"

#include <string.h>

#include "crypto/sha2.h"

static postq_err hash2(postq_merkle_hash out, uint8_t prefix, const uint8_t *a, size_t alen,
                       const uint8_t *b, size_t blen)
{
    struct postq_sha2 h;
    postq_err err = postq_sha2_init(&h, 256);

    if (err == POSTQ_OK) {
        err = postq_sha2_update(&h, &prefix, 1);
    }
    if (err == POSTQ_OK && alen > 0) {
        err = postq_sha2_update(&h, a, alen);
    }
    if (err == POSTQ_OK && blen > 0) {
        err = postq_sha2_update(&h, b, blen);
    }
    if (err != POSTQ_OK) {
        postq_sha2_abort(&h);
        return err;
    }
    return postq_sha2_final(&h, out);
}

postq_err postq_merkle_leaf_hash(postq_merkle_hash out, const uint8_t *entry, size_t len)
{
    if (out == NULL || (entry == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    return hash2(out, 0x00, entry, len, NULL, 0);
}

postq_err postq_merkle_node_hash(postq_merkle_hash out, const postq_merkle_hash left,
                                 const postq_merkle_hash right)
{
    if (out == NULL || left == NULL || right == NULL) {
        return POSTQ_E_ARG;
    }
    return hash2(out, 0x01, left, POSTQ_MERKLE_HASH_BYTES, right, POSTQ_MERKLE_HASH_BYTES);
}

/* The largest power of two below n (n >= 2). */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;

    while (k < n - k) {
        k <<= 1;
    }
    return k;
}

/* MTH(D[n]) for n >= 1. */
static postq_err mth(postq_merkle_hash out, const postq_merkle_hash *d, uint64_t n)
{
    postq_merkle_hash l, r;
    uint64_t k;
    postq_err err;

    if (n == 1) {
        memcpy(out, d[0], POSTQ_MERKLE_HASH_BYTES);
        return POSTQ_OK;
    }
    k = split(n);
    err = mth(l, d, k);
    if (err == POSTQ_OK) {
        err = mth(r, d + k, n - k);
    }
    if (err == POSTQ_OK) {
        err = postq_merkle_node_hash(out, l, r);
    }
    return err;
}

postq_err postq_merkle_root(postq_merkle_hash out, const postq_merkle_hash *leaves, uint64_t n)
{
    if (out == NULL || (leaves == NULL && n > 0)) {
        return POSTQ_E_ARG;
    }
    if (n == 0) {
        return postq_sha256(out, NULL, 0);
    }
    return mth(out, leaves, n);
}

/* Appends h to proof[0..*len). */
static postq_err push(postq_merkle_hash *proof, size_t cap, size_t *len, const postq_merkle_hash h)
{
    if (*len >= cap) {
        return POSTQ_E_LENGTH;
    }
    memcpy(proof[(*len)++], h, POSTQ_MERKLE_HASH_BYTES);
    return POSTQ_OK;
}

/* Appends MTH(D[n]) to the proof. */
static postq_err push_mth(postq_merkle_hash *proof, size_t cap, size_t *len,
                          const postq_merkle_hash *d, uint64_t n)
{
    postq_merkle_hash h;
    postq_err err = mth(h, d, n);

    return err == POSTQ_OK ? push(proof, cap, len, h) : err;
}

/* PATH(m, D[n]): PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]).
 * The inner path comes first, so the recursion runs before the push. */
static postq_err path(postq_merkle_hash *proof, size_t cap, size_t *len,
                      const postq_merkle_hash *d, uint64_t n, uint64_t m)
{
    uint64_t k;
    postq_err err;

    if (n == 1) {
        return POSTQ_OK;
    }
    k = split(n);
    if (m < k) {
        err = path(proof, cap, len, d, k, m);
        return err == POSTQ_OK ? push_mth(proof, cap, len, d + k, n - k) : err;
    }
    err = path(proof, cap, len, d + k, n - k, m - k);
    return err == POSTQ_OK ? push_mth(proof, cap, len, d, k) : err;
}

postq_err postq_merkle_inclusion_proof(postq_merkle_hash *proof, size_t cap, size_t *len,
                                       const postq_merkle_hash *leaves, uint64_t n, uint64_t index)
{
    if (len == NULL) {
        return POSTQ_E_ARG;
    }
    *len = 0;
    if ((proof == NULL && cap > 0) || leaves == NULL || index >= n) {
        return POSTQ_E_ARG;
    }
    return path(proof, cap, len, leaves, n, index);
}

/* SUBPROOF(m, D[n], b) [RFC 9162 §2.1.4.1]. */
static postq_err subproof(postq_merkle_hash *proof, size_t cap, size_t *len,
                          const postq_merkle_hash *d, uint64_t n, uint64_t m, int b)
{
    uint64_t k;
    postq_err err;

    if (m == n) {
        return b ? POSTQ_OK : push_mth(proof, cap, len, d, n);
    }
    k = split(n);
    if (m <= k) {
        err = subproof(proof, cap, len, d, k, m, b);
        return err == POSTQ_OK ? push_mth(proof, cap, len, d + k, n - k) : err;
    }
    err = subproof(proof, cap, len, d + k, n - k, m - k, 0);
    return err == POSTQ_OK ? push_mth(proof, cap, len, d, k) : err;
}

postq_err postq_merkle_consistency_proof(postq_merkle_hash *proof, size_t cap, size_t *len,
                                         const postq_merkle_hash *leaves, uint64_t n, uint64_t m)
{
    if (len == NULL) {
        return POSTQ_E_ARG;
    }
    *len = 0;
    if ((proof == NULL && cap > 0) || (leaves == NULL && n > 0) || m > n) {
        return POSTQ_E_ARG;
    }
    if (m == 0 || m == n) {
        return POSTQ_OK;
    }
    return subproof(proof, cap, len, leaves, n, m, 1);
}

static int equal(const postq_merkle_hash a, const postq_merkle_hash b)
{
    uint8_t d = 0;

    for (size_t i = 0; i < POSTQ_MERKLE_HASH_BYTES; i++) {
        d |= (uint8_t)(a[i] ^ b[i]);
    }
    return d == 0;
}

postq_err postq_merkle_verify_inclusion(const postq_merkle_hash leaf, uint64_t index, uint64_t size,
                                        const postq_merkle_hash *proof, size_t len,
                                        const postq_merkle_hash root)
{
    postq_merkle_hash r;
    uint64_t fn, sn;
    postq_err err;

    if (leaf == NULL || root == NULL || (proof == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    if (index >= size) {
        return POSTQ_E_INVALID;
    }
    fn = index;
    sn = size - 1;
    memcpy(r, leaf, sizeof(r));
    for (size_t i = 0; i < len; i++) {
        if (sn == 0) {
            return POSTQ_E_INVALID;
        }
        if ((fn & 1) != 0 || fn == sn) {
            err = postq_merkle_node_hash(r, proof[i], r);
            if ((fn & 1) == 0) {
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            err = postq_merkle_node_hash(r, r, proof[i]);
        }
        if (err != POSTQ_OK) {
            return err;
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && equal(r, root) ? POSTQ_OK : POSTQ_E_INVALID;
}

postq_err postq_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                          const postq_merkle_hash root1,
                                          const postq_merkle_hash root2,
                                          const postq_merkle_hash *proof, size_t len)
{
    postq_merkle_hash fr, sr;
    uint64_t fn, sn;
    size_t i = 0;
    postq_err err = POSTQ_OK;

    if (root2 == NULL || (root1 == NULL && size1 > 0) || (proof == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    if (size1 > size2) {
        return POSTQ_E_INVALID;
    }
    if (size1 == 0) {
        return len == 0 ? POSTQ_OK : POSTQ_E_INVALID;
    }
    if (size1 == size2) {
        return len == 0 && equal(root1, root2) ? POSTQ_OK : POSTQ_E_INVALID;
    }
    if (len == 0) {
        return POSTQ_E_INVALID;
    }
    fn = size1 - 1;
    sn = size2 - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    /* When size1 is a power of two, first_hash is the path's implicit first element. */
    if ((size1 & (size1 - 1)) == 0) {
        memcpy(fr, root1, sizeof(fr));
    } else {
        memcpy(fr, proof[i++], sizeof(fr));
    }
    memcpy(sr, fr, sizeof(sr));
    for (; i < len && err == POSTQ_OK; i++) {
        if (sn == 0) {
            return POSTQ_E_INVALID;
        }
        if ((fn & 1) != 0 || fn == sn) {
            err = postq_merkle_node_hash(fr, proof[i], fr);
            if (err == POSTQ_OK) {
                err = postq_merkle_node_hash(sr, proof[i], sr);
            }
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            err = postq_merkle_node_hash(sr, sr, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (err != POSTQ_OK) {
        return err;
    }
    return sn == 0 && equal(fr, root1) && equal(sr, root2) ? POSTQ_OK : POSTQ_E_INVALID;
}

/* ---- From stored perfect subtrees (merkle.h) ----
 *
 * The proofs are planned first, top down and from the sizes alone, as the list of ranges
 * [a, b) whose MTHs they hold (the RFC's recursion unrolled: at most 64 steps, plus the final
 * element of a consistency proof); the plan gives the length to check against cap before any
 * fetch, and is then hashed into the proof from its end, since the RFC lists the innermost
 * element first. Each range is a perfect subtree or ends at the tree's size with a aligned to a
 * power of two at least b - a, so it folds from the nodes of the set bits of b - a. The ranges
 * of one plan are disjoint, so no node is fetched twice. */

struct range {
    uint64_t a, b;
};

/* MTH(D[a:b]) for such a range: the nodes of the set bits of b - a, lowest first (rightmost),
 * each hashed in as the left child of what is folded so far. */
static postq_err range_hash(postq_merkle_hash out, uint64_t a, uint64_t b, postq_merkle_get_fn get,
                            void *ctx)
{
    postq_merkle_hash left;
    uint64_t s = b - a, end = b;
    int first = 1;
    postq_err err = POSTQ_OK;

    for (unsigned level = 0; level < 64 && err == POSTQ_OK; level++) {
        if (((s >> level) & 1) == 0) {
            continue;
        }
        end -= (uint64_t)1 << level;
        if (first) {
            err = get(ctx, level, end >> level, out);
            first = 0;
        } else {
            err = get(ctx, level, end >> level, left);
            if (err == POSTQ_OK) {
                err = postq_merkle_node_hash(out, left, out);
            }
        }
    }
    return err;
}

/* Hashes plan[0..len) (top down) into proof[len - 1 - i]; on failure zeroes proof[0..len). */
static postq_err fill(postq_merkle_hash *proof, size_t *len, const struct range *plan, size_t n,
                      postq_merkle_get_fn get, void *ctx)
{
    postq_err err = POSTQ_OK;

    for (size_t i = 0; i < n && err == POSTQ_OK; i++) {
        err = range_hash(proof[n - 1 - i], plan[i].a, plan[i].b, get, ctx);
    }
    if (err != POSTQ_OK) {
        memset(proof, 0, n * sizeof(proof[0]));
        return err;
    }
    *len = n;
    return POSTQ_OK;
}

postq_err postq_merkle_root_from(postq_merkle_hash out, uint64_t size, postq_merkle_get_fn get,
                                 void *ctx)
{
    postq_err err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    if (get == NULL) {
        memset(out, 0, POSTQ_MERKLE_HASH_BYTES);
        return POSTQ_E_ARG;
    }
    if (size == 0) {
        return postq_sha256(out, NULL, 0);
    }
    err = range_hash(out, 0, size, get, ctx);
    if (err != POSTQ_OK) {
        memset(out, 0, POSTQ_MERKLE_HASH_BYTES);
    }
    return err;
}

postq_err postq_merkle_inclusion_proof_from(postq_merkle_hash *proof, size_t cap, size_t *len,
                                            uint64_t size, uint64_t index, postq_merkle_get_fn get,
                                            void *ctx)
{
    struct range plan[POSTQ_MERKLE_PROOF_MAX];
    uint64_t lo = 0, hi = size, k;
    size_t n = 0;

    if (len == NULL) {
        return POSTQ_E_ARG;
    }
    *len = 0;
    if ((proof == NULL && cap > 0) || get == NULL || index >= size) {
        return POSTQ_E_ARG;
    }
    /* PATH: the sibling of the half holding index, then into that half. A tree of fewer than
     * 2^64 leaves is at most 64 deep. */
    while (hi - lo > 1) {
        k = split(hi - lo);
        if (index - lo < k) {
            plan[n++] = (struct range){lo + k, hi};
            hi = lo + k;
        } else {
            plan[n++] = (struct range){lo, lo + k};
            lo += k;
        }
    }
    if (n > cap) {
        return POSTQ_E_LENGTH;
    }
    return fill(proof, len, plan, n, get, ctx);
}

postq_err postq_merkle_consistency_proof_from(postq_merkle_hash *proof, size_t cap, size_t *len,
                                              uint64_t size, uint64_t m, postq_merkle_get_fn get,
                                              void *ctx)
{
    struct range plan[POSTQ_MERKLE_PROOF_MAX + 1];
    uint64_t lo = 0, hi = size, k;
    size_t n = 0;
    int b = 1;

    if (len == NULL) {
        return POSTQ_E_ARG;
    }
    *len = 0;
    if ((proof == NULL && cap > 0) || get == NULL || m > size) {
        return POSTQ_E_ARG;
    }
    if (m == 0 || m == size) {
        return POSTQ_OK;
    }
    /* SUBPROOF(m - lo, D[lo:hi], b) while m is not hi: 0 < m - lo < hi - lo throughout, so each
     * step halves a range of at least two leaves (at most 64 steps), and [lo, hi) is a perfect
     * subtree once the first step into a left half has been taken, before m reaches hi. */
    while (m != hi) {
        k = split(hi - lo);
        if (m - lo <= k) {
            plan[n++] = (struct range){lo + k, hi};
            hi = lo + k;
        } else {
            plan[n++] = (struct range){lo, lo + k};
            lo += k;
            b = 0;
        }
    }
    if (!b) {
        plan[n++] = (struct range){lo, hi};
    }
    if (n > cap) {
        return POSTQ_E_LENGTH;
    }
    return fill(proof, len, plan, n, get, ctx);
}

postq_err postq_merkle_append(struct postq_merkle_node *out, size_t *n, uint64_t size,
                              const postq_merkle_hash leaf, postq_merkle_get_fn get, void *ctx)
{
    postq_merkle_hash left;
    uint64_t index = size;
    size_t c = 0;
    postq_err err = POSTQ_OK;

    if (n == NULL) {
        return POSTQ_E_ARG;
    }
    *n = 0;
    if (out == NULL || leaf == NULL || get == NULL || size == UINT64_MAX) {
        return POSTQ_E_ARG;
    }
    out[0].level = 0;
    out[0].index = size;
    memcpy(out[0].hash, leaf, POSTQ_MERKLE_HASH_BYTES);
    /* Node (c, index) is a right child while index is odd: its left sibling (c, index - 1) ends
     * at (size >> c) << c <= size, so it is stored, and their parent is now complete. size <
     * 2^64 - 1 has at most 63 trailing one bits. */
    for (c = 1; (index & 1) != 0; c++) {
        err = get(ctx, (unsigned)(c - 1), index - 1, left);
        if (err == POSTQ_OK) {
            err = postq_merkle_node_hash(out[c].hash, left, out[c - 1].hash);
        }
        if (err != POSTQ_OK) {
            memset(out, 0, (c + 1) * sizeof(out[0]));
            return err;
        }
        index >>= 1;
        out[c].level = (unsigned)c;
        out[c].index = index;
    }
    *n = c;
    return POSTQ_OK;
}
