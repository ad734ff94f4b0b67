/* SPDX-License-Identifier: Apache-2.0 */
/* Hexadecimal encoding and strict decoding (RFC 4648 §8, "base16"). The wire format's hex is
 * lowercase (docs/formats.md), so the decoder accepts only lowercase unless asked otherwise. Both
 * directions run in constant time in the data: hex may carry keys or tokens. */
#ifndef POSTQ_COMMON_HEX_H
#define POSTQ_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* Flags for postq_hex_decode. */
#define POSTQ_HEX_ANY_CASE 1u /* accept 'A'-'F' as well as 'a'-'f' */

/* Characters postq_hex_encode writes for len bytes, NUL included; 0 if that overflows size_t. */
size_t postq_hex_encoded_size(size_t len);

/* Write the lowercase hex of in[0..len) to out, NUL-terminated: 2 * len + 1 bytes.
 *   out      destination of out_cap bytes; must not be NULL.
 *   in       may be NULL when len is 0.
 * Returns POSTQ_OK; POSTQ_E_LENGTH if out_cap < 2 * len + 1 (out is then "" when out_cap > 0);
 * POSTQ_E_ARG on a NULL pointer that is needed.
 * CT: time depends on len only. */
POSTQ_MUST_CHECK postq_err postq_hex_encode(char *out, size_t out_cap, const uint8_t *in,
                                            size_t len);

/* Decode in[0..in_len) (no NUL needed; a NUL inside is a bad character) into out.
 *   out      destination of out_cap bytes; may be NULL when in_len is 0.
 *   out_len  receives in_len / 2 on success, 0 on failure; must not be NULL.
 *   flags    0 or POSTQ_HEX_ANY_CASE.
 * Strict: an odd length, whitespace, a "0x" prefix or any character outside [0-9a-f]
 * ([0-9a-fA-F] with POSTQ_HEX_ANY_CASE) is POSTQ_E_MALFORMED. POSTQ_E_LENGTH if
 * out_cap < in_len / 2; POSTQ_E_ARG on a NULL pointer that is needed or an unknown flag.
 * On any failure out[0..out_cap) holds nothing decoded (what was written is wiped).
 * CT: time depends on in_len only; whether the input was valid is the one data-dependent
 * decision, taken at the end. */
POSTQ_MUST_CHECK postq_err postq_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                                            const char *in, size_t in_len, unsigned flags);

#endif
