/* SPDX-License-Identifier: Apache-2.0 */
/* Merkle tree hashing, inclusion and consistency proofs of RFC 9162 §2.1 (as RFC 6962): the
 * tree of the transparency log (DESIGN §13). Leaf hash = SHA-256(0x00 || entry), interior node
 * = SHA-256(0x01 || left || right); a tree of n leaves splits at k, the largest power of two
 * below n. Proofs are arrays of 32-byte hashes from the leaf's level upwards.
 *
 * The generators work over an array of the leaf hashes (the test oracle and small logs), or,
 * the *_from family and postq_merkle_append below, over a log's stored perfect subtrees; the
 * verifiers are what clients run and take only the proof. No heap: recursion depth is at most
 * 64 (sizes are uint64_t). Errors: POSTQ_E_ARG for NULL pointers or indices out of range,
 * POSTQ_E_LENGTH when a proof does not fit the caller's capacity, POSTQ_E_INVALID when a proof
 * does not verify, POSTQ_E_CRYPTO when SHA-256 fails. */
#ifndef POSTQ_CRYPTO_MERKLE_H
#define POSTQ_CRYPTO_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#define POSTQ_MERKLE_HASH_BYTES 32
/* No proof of a tree of at most 2^64 leaves has more hashes. */
#define POSTQ_MERKLE_PROOF_MAX 64

typedef uint8_t postq_merkle_hash[POSTQ_MERKLE_HASH_BYTES];

/* SHA-256(0x00 || entry[0..len)) [RFC 9162 §2.1.1]. */
POSTQ_MUST_CHECK postq_err postq_merkle_leaf_hash(postq_merkle_hash out, const uint8_t *entry,
                                                  size_t len);

/* SHA-256(0x01 || left || right). */
POSTQ_MUST_CHECK postq_err postq_merkle_node_hash(postq_merkle_hash out,
                                                  const postq_merkle_hash left,
                                                  const postq_merkle_hash right);

/* MTH(D[n]) of the leaves whose hashes are leaves[0..n); n = 0 gives SHA-256 of nothing. */
POSTQ_MUST_CHECK postq_err postq_merkle_root(postq_merkle_hash out, const postq_merkle_hash *leaves,
                                             uint64_t n);

/* PATH(index, D[n]) [RFC 9162 §2.1.3.1] into proof[0..*len), at most cap hashes; index < n. */
POSTQ_MUST_CHECK postq_err postq_merkle_inclusion_proof(postq_merkle_hash *proof, size_t cap,
                                                        size_t *len,
                                                        const postq_merkle_hash *leaves,
                                                        uint64_t n, uint64_t index);

/* PROOF(m, D[n]) [RFC 9162 §2.1.4.1] into proof[0..*len), at most cap hashes; 0 <= m <= n
 * (m = 0 and m = n give the empty proof). */
POSTQ_MUST_CHECK postq_err postq_merkle_consistency_proof(postq_merkle_hash *proof, size_t cap,
                                                          size_t *len,
                                                          const postq_merkle_hash *leaves,
                                                          uint64_t n, uint64_t m);

/* POSTQ_OK when proof[0..len) shows the leaf hash `leaf` at `index` in the tree of `size` leaves
 * whose root is `root` [RFC 9162 §2.1.3.2], else POSTQ_E_INVALID (also for index >= size). */
POSTQ_MUST_CHECK postq_err postq_merkle_verify_inclusion(const postq_merkle_hash leaf,
                                                         uint64_t index, uint64_t size,
                                                         const postq_merkle_hash *proof,
                                                         size_t len, const postq_merkle_hash root);

/* POSTQ_OK when proof[0..len) shows that the tree of size1 leaves with root root1 is a prefix of
 * the tree of size2 leaves with root root2 [RFC 9162 §2.1.4.2], else POSTQ_E_INVALID. Equal sizes
 * need an empty proof and equal roots; size1 = 0 needs an empty proof (root1 is not read). */
POSTQ_MUST_CHECK postq_err postq_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                                           const postq_merkle_hash root1,
                                                           const postq_merkle_hash root2,
                                                           const postq_merkle_hash *proof,
                                                           size_t len);

/* ---- Trees computed from stored perfect subtrees ----
 *
 * A log server does not keep the leaves in memory: it stores, for every perfect subtree that is
 * complete, its hash. Node (level L, index i) is the MTH of leaves [i * 2^L, (i + 1) * 2^L)
 * (level 0: the leaf hashes; the numbering of tlog-tiles); in the tree of `size` leaves it is
 * complete when (i + 1) * 2^L <= size, i.e. i < size >> L. Every tree head and proof element of
 * RFC 9162 is such a node or the MTH of a right-edge range [a, size), which folds from the
 * nodes of the set bits of size - a. The functions below fetch those nodes through a callback,
 * only complete ones, each at most once per call, and compute the same results as the array
 * functions above (iteratively: no recursion, no heap).
 *
 * Which nodes are fetched, and in which order, depends only on the sizes and indices (and, for
 * the proofs, on whether cap suffices: when it does not, nothing is fetched), never on a hash
 * value. A caller can therefore run a function once with a callback that records (level, index)
 * and returns zeros, fetch those nodes in one query, and run it again with them.
 *
 * Fetches per call, with p = popcount(size) and l = floor(log2(size)) (so p + l <= 127):
 *   root_from              p                  (0 for size 0)
 *   inclusion_proof_from   p + l - 1
 *   consistency_proof_from p + l              (0 for m = 0 or m = size)
 *   append                 the trailing one bits of size (<= 63)
 *
 * Errors: POSTQ_E_ARG for a NULL pointer or an index or size out of range, POSTQ_E_LENGTH when
 * the proof does not fit cap, POSTQ_E_CRYPTO when SHA-256 fails, and the callback's own error
 * unchanged. On failure *len (or *n) is 0 and every hash written so far is zeroed. */

/* One stored perfect subtree: the MTH of leaves [index << level, (index + 1) << level). */
struct postq_merkle_node {
    unsigned level;
    uint64_t index;
    postq_merkle_hash hash;
};

/* Fetch stored node (level, index) into out; return POSTQ_OK or an error that is passed up
 * unchanged (so a store's POSTQ_E_IO reaches the caller). */
typedef postq_err (*postq_merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
                                         postq_merkle_hash out);

/* MTH of the first `size` leaves (size 0: SHA-256 of nothing, no fetch). */
POSTQ_MUST_CHECK postq_err postq_merkle_root_from(postq_merkle_hash out, uint64_t size,
                                                  postq_merkle_get_fn get, void *ctx);

/* PATH(index, D[size]) into proof[0..*len) (cap hashes at most); index < size. */
POSTQ_MUST_CHECK postq_err postq_merkle_inclusion_proof_from(postq_merkle_hash *proof, size_t cap,
                                                             size_t *len, uint64_t size,
                                                             uint64_t index,
                                                             postq_merkle_get_fn get, void *ctx);

/* PROOF(m, D[size]) into proof[0..*len) (cap hashes at most); 0 <= m <= size. Above 2^63 leaves
 * a proof can hold POSTQ_MERKLE_PROOF_MAX + 1 hashes (m = 3, size = 2^64 - 1). */
POSTQ_MUST_CHECK postq_err postq_merkle_consistency_proof_from(postq_merkle_hash *proof, size_t cap,
                                                               size_t *len, uint64_t size,
                                                               uint64_t m, postq_merkle_get_fn get,
                                                               void *ctx);

/* Appending leaf number `size` (0-based; its leaf hash `leaf`) to a tree of `size` leaves:
 * the stored nodes it completes, bottom up into out[0..*n): out[0] is (0, size, leaf), then
 * (1, size>>1, ...) while the index is odd, and so on. Reads the left siblings through get.
 * out must hold POSTQ_MERKLE_PROOF_MAX + 1 nodes (at most 64 are written); size must be below
 * UINT64_MAX (a tree of 2^64 leaves has no uint64_t size). */
POSTQ_MUST_CHECK postq_err postq_merkle_append(struct postq_merkle_node *out, size_t *n,
                                               uint64_t size, const postq_merkle_hash leaf,
                                               postq_merkle_get_fn get, void *ctx);

#endif
