/* SPDX-License-Identifier: Apache-2.0 */
/* Hex encoding and strict decoding [RFC 4648 §8]. Characters are mapped with arithmetic on
 * masks, never with a table indexed by the data or a branch on it, so secrets may pass. */
#include "common/hex.h"

#include "common/ct.h"
#include "common/mem.h"

/* 0..15 -> '0'..'9', 'a'..'f': past 9 the character jumps by 'a' - '0' - 10 = 39. */
static char nibble_to_char(uint32_t n)
{
    uint32_t letter = 0u - ((9u - n) >> 31);
    return (char)(n + '0' + (letter & 39u));
}

size_t postq_hex_encoded_size(size_t len)
{
    if (len > (SIZE_MAX - 1) / 2) {
        return 0;
    }
    return 2 * len + 1;
}

postq_err postq_hex_encode(char *out, size_t out_cap, const uint8_t *in, size_t len)
{
    size_t need = postq_hex_encoded_size(len);

    if (out == NULL || (in == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    if (need == 0 || out_cap < need) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return POSTQ_E_LENGTH;
    }
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = nibble_to_char((uint32_t)in[i] >> 4);
        out[2 * i + 1] = nibble_to_char((uint32_t)in[i] & 15u);
    }
    out[2 * len] = '\0';
    return POSTQ_OK;
}

/* Value of one hex character; *bad gets all ones OR-ed in when c is not a hex digit of the
 * accepted case. upper_ok is all ones when uppercase is accepted. */
static uint32_t char_to_nibble(unsigned char ch, uint32_t upper_ok, uint32_t *bad)
{
    uint32_t c = ch;
    uint32_t digit = postq_ct_in_range_u32(c, '0', '9');
    uint32_t lower = postq_ct_in_range_u32(c, 'a', 'f');
    uint32_t upper = postq_ct_in_range_u32(c, 'A', 'F') & upper_ok;

    *bad |= ~(digit | lower | upper);
    return ((c - '0') & digit) | ((c - 'a' + 10u) & lower) | ((c - 'A' + 10u) & upper);
}

postq_err postq_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                           size_t in_len, unsigned flags)
{
    size_t n = in_len / 2;
    uint32_t upper_ok;
    uint32_t bad = 0;

    if (out_len == NULL) {
        return POSTQ_E_ARG;
    }
    *out_len = 0;
    if ((in == NULL && in_len > 0) || (out == NULL && n > 0) ||
        (flags & ~POSTQ_HEX_ANY_CASE) != 0) {
        return POSTQ_E_ARG;
    }
    if (in_len % 2 != 0) {
        return POSTQ_E_MALFORMED;
    }
    if (out_cap < n) {
        return POSTQ_E_LENGTH;
    }
    upper_ok = 0u - (uint32_t)((flags & POSTQ_HEX_ANY_CASE) != 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t hi = char_to_nibble((unsigned char)in[2 * i], upper_ok, &bad);
        uint32_t lo = char_to_nibble((unsigned char)in[2 * i + 1], upper_ok, &bad);
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    if (postq_ct_barrier_u32(bad) != 0) {
        postq_wipe(out, n);
        return POSTQ_E_MALFORMED;
    }
    *out_len = n;
    return POSTQ_OK;
}
