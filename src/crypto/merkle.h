/* SPDX-License-Identifier: Apache-2.0 */
/* Merkle tree hashing, inclusion and consistency proofs of RFC 9162 §2.1 (as RFC 6962): the
 * tree of the transparency log (DESIGN §13). Leaf hash = SHA-256(0x00 || entry), interior node
 * = SHA-256(0x01 || left || right); a tree of n leaves splits at k, the largest power of two
 * below n. Proofs are arrays of 32-byte hashes from the leaf's level upwards.
 *
 * The generators work over an array of the leaf hashes (the test oracle and small logs); the
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

#endif
