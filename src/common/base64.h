/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 [RFC 4648 §4, padded] and base64url [RFC 4648 §5, unpadded] with strict, canonical
 * decoding (docs/formats.md: no whitespace, no stray padding, unused bits zero). Characters are
 * mapped in constant time: documents, keys and tokens pass through here. */
#ifndef POSTQ_COMMON_BASE64_H
#define POSTQ_COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* Variants. */
#define POSTQ_B64_STD 1 /* alphabet A-Z a-z 0-9 + /, '=' padding to a multiple of 4 */
#define POSTQ_B64_URL 2 /* alphabet A-Z a-z 0-9 - _, never padded */

/* Characters of the encoding of len bytes, NUL not included: 4 * ceil(len / 3) (STD) or
 * ceil(4 * len / 3) (URL). 0 for len 0, for an unknown variant, and when the encoding plus
 * its NUL would not fit in a size_t. */
size_t postq_base64_encoded_len(size_t len, int variant);

/* Most bytes that in_len characters can decode to, for sizing out: floor(3 * in_len / 4).
 * Exact for valid unpadded input; an upper bound for padded input. Cannot overflow. */
size_t postq_base64_decoded_max(size_t in_len);

/* Encode in[0..len) into out, NUL-terminated.
 *   out      destination of out_cap bytes; needs postq_base64_encoded_len(len) + 1; not NULL.
 *   out_len  receives the number of characters (NUL not counted), 0 on failure; may be NULL.
 *   in       may be NULL when len is 0.
 * Returns POSTQ_OK; POSTQ_E_LENGTH if out_cap is too small (out is then "" when out_cap > 0);
 * POSTQ_E_ARG on an unknown variant or a NULL pointer that is needed.
 * CT: time depends on len only. */
POSTQ_MUST_CHECK postq_err postq_base64_encode(char *out, size_t out_cap, size_t *out_len,
                                               const uint8_t *in, size_t len, int variant);

/* Decode in[0..in_len) (no NUL needed) into out.
 *   out      destination of out_cap bytes; postq_base64_decoded_max(in_len) always suffices;
 *            may be NULL when the input decodes to nothing.
 *   out_len  receives the number of bytes decoded, 0 on failure; must not be NULL.
 * Strict. POSTQ_E_MALFORMED for: a character outside the variant's alphabet (whitespace,
 * line breaks, the other variant's '+' '/' or '-' '_'); in STD, a length that is not a
 * multiple of 4, or '=' anywhere but as one or two final characters; in URL, any '=' or a
 * length of 4k + 1; a non-canonical encoding (the unused low bits of the last character are
 * not zero). POSTQ_E_LENGTH if out_cap is smaller than the decoded length; POSTQ_E_ARG on an
 * unknown variant or a NULL pointer that is needed.
 * On any failure out holds nothing decoded (what was written is wiped).
 * CT: time depends on in_len and on where padding starts (both public: they fix the decoded
 * length); whether the input was valid is decided once, at the end. */
POSTQ_MUST_CHECK postq_err postq_base64_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                                               const char *in, size_t in_len, int variant);

/* postq_base64_encode and postq_base64_decode for public data (signatures, documents, payloads):
 * the same results and the same errors for every input, several times faster, but not constant
 * time (a table lookup per character). Never for keys, tokens or other secrets. */
POSTQ_MUST_CHECK postq_err postq_base64_encode_public(char *out, size_t out_cap, size_t *out_len,
                                                      const uint8_t *in, size_t len, int variant);
POSTQ_MUST_CHECK postq_err postq_base64_decode_public(uint8_t *out, size_t out_cap,
                                                      size_t *out_len, const char *in,
                                                      size_t in_len, int variant);

#endif
