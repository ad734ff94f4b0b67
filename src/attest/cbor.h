/* SPDX-License-Identifier: Apache-2.0 */
/* A strict CBOR decoder [RFC 8949] for attestation documents (AWS Nitro COSE_Sign1): the whole
 * input is decoded at once into a flat array of nodes in pre-order, so a container's children
 * follow it and the next sibling of node i is i + nodes[i].size.
 *
 * | rule                         | answer                                                   |
 * |------------------------------|----------------------------------------------------------|
 * | definite / indefinite length | both, for strings, arrays and maps                       |
 * | indefinite string chunks     | definite strings of the same major type; joined (copied) |
 * | text strings                 | valid UTF-8 (also across chunks, checked once joined)    |
 * | map keys                     | integers, text, byte strings, simple values; a duplicate |
 * |                              | key (same type and value, however encoded) is rejected   |
 * | trailing bytes               | rejected                                                 |
 * | reserved additional info     | 28..30 rejected; a stray break (0xff) rejected           |
 * | simple values                | false, true, null, undefined; 0xf8 with a value < 32 is  |
 * |                              | not well-formed; floats kept as raw bits                 |
 * | caps                         | input POSTQ_CBOR_INPUT_MAX, depth POSTQ_CBOR_DEPTH_MAX,  |
 * |                              | nodes POSTQ_CBOR_NODES_MAX                               |
 *
 * Non-shortest integer and length encodings are accepted (the decoder is strict about
 * well-formedness, not about determinism). Thread-safe; no shared state. */
#ifndef POSTQ_ATTEST_CBOR_H
#define POSTQ_ATTEST_CBOR_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#define POSTQ_CBOR_INPUT_MAX 65536
#define POSTQ_CBOR_DEPTH_MAX 16
#define POSTQ_CBOR_NODES_MAX 4096

enum postq_cbor_type {
    POSTQ_CBOR_UINT = 0,  /* val = the value */
    POSTQ_CBOR_NINT,      /* the value is -1 - val */
    POSTQ_CBOR_BYTES,     /* p[0..len) */
    POSTQ_CBOR_TEXT,      /* p[0..len), UTF-8, not NUL-terminated */
    POSTQ_CBOR_ARRAY,     /* val = number of items */
    POSTQ_CBOR_MAP,       /* val = number of pairs; children are key, value, key, value ... */
    POSTQ_CBOR_TAG,       /* val = tag number; one child */
    POSTQ_CBOR_SIMPLE,    /* val = 20 false, 21 true, 22 null, 23 undefined */
    POSTQ_CBOR_FLOAT      /* val = the raw bits (half, single or double: len 2, 4 or 8) */
};

#define POSTQ_CBOR_FALSE 20
#define POSTQ_CBOR_TRUE 21
#define POSTQ_CBOR_NULL 22
#define POSTQ_CBOR_UNDEFINED 23

struct postq_cbor_node {
    enum postq_cbor_type type;
    uint64_t val;
    const uint8_t *p; /* strings: into the input, or into the decoder's own copy of joined chunks */
    size_t len;
    size_t size;       /* nodes in this subtree, this one included */
    size_t off, end;   /* the item's encoding is input[off..end) */
};

struct postq_cbor {
    struct postq_cbor_node *nodes; /* nodes[0] is the top-level item */
    size_t n;
    uint8_t *heap; /* joined indefinite-length strings */
    size_t heap_len;
};

/* Decode in[0..len) (exactly one item, nothing after it) into *doc, which borrows in: keep the
 * input alive while doc is used. detail receives a short reason on failure (may be NULL when
 * cap is 0). POSTQ_OK; POSTQ_E_MALFORMED; POSTQ_E_TOO_LARGE (input, depth or node cap);
 * POSTQ_E_NOMEM; POSTQ_E_ARG for NULL. On failure *doc owns nothing. */
POSTQ_MUST_CHECK postq_err postq_cbor_decode(struct postq_cbor *doc, const uint8_t *in,
                                             size_t len, char *detail, size_t cap);

/* Release what postq_cbor_decode made. NULL and a zeroed doc are fine. */
void postq_cbor_free(struct postq_cbor *doc);

/* The index of the value of map node `map` under the text key `key` (NUL-terminated), or 0
 * when map is not a map or has no such key (0 is the top-level item: never a map value). */
size_t postq_cbor_map_text(const struct postq_cbor *doc, size_t map, const char *key);

/* The same under an integer key (negative keys allowed). */
size_t postq_cbor_map_int(const struct postq_cbor *doc, size_t map, int64_t key);

/* The index of the i-th child of container node c (arrays: items; maps: key, value, ...;
 * tags: 0 is the tagged item); 0 when out of range. */
size_t postq_cbor_child(const struct postq_cbor *doc, size_t c, size_t i);

/* 1 when node i is null (simple value 22). */
int postq_cbor_is_null(const struct postq_cbor *doc, size_t i);

/* Append the head of a CBOR item of major type major (0..7) and argument val to out[0..cap)
 * at *pos; 0 on success, -1 when it does not fit. For building COSE Sig_structure. */
int postq_cbor_put_head(uint8_t *out, size_t cap, size_t *pos, unsigned major, uint64_t val);

#endif
