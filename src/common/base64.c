/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 and base64url [RFC 4648 §4, §5]: encoding, and strict canonical decoding [§3.5].
 * Characters are mapped with arithmetic on masks, never with a table indexed by the data or
 * a branch on it; a decoding error is accumulated and decided once at the end. */
#include "common/base64.h"

#include "common/ct.h"
#include "common/mem.h"

/* The two characters that differ between the alphabets: values 62 and 63 [§4, §5]. */
static uint32_t char62(int variant)
{
    return variant == POSTQ_B64_URL ? '-' : '+';
}
static uint32_t char63(int variant)
{
    return variant == POSTQ_B64_URL ? '_' : '/';
}

/* 6-bit value -> character, by adding to v an offset that steps at each range boundary:
 * 'A' - 0 for A-Z, then +6 ('a' - 26), -75 ('0' - 52), then the variant's characters 62 and
 * 63. (k - v) >> 8 is all ones past k and 0 up to it (v < 64), so no branch and no table. */
static char encode_6(uint32_t v, uint32_t c62, uint32_t c63)
{
    uint32_t d = 'A';
    d += ((25u - v) >> 8) & 6u;
    d -= ((51u - v) >> 8) & 75u;
    d -= ((61u - v) >> 8) & (58u - c62);      /* 62 -> c62: from '0' - 52 = -4 to c62 - 62 */
    d += ((62u - v) >> 8) & (c63 - c62 - 1u); /* 63 -> c63 */
    return (char)(v + d);
}

/* Character -> 6-bit value; all ones is OR-ed into *bad when ch is outside the alphabet. */
static uint32_t decode_6(unsigned char ch, uint32_t c62, uint32_t c63, uint32_t *bad)
{
    uint32_t c = ch;
    uint32_t upper = postq_ct_in_range_u32(c, 'A', 'Z');
    uint32_t lower = postq_ct_in_range_u32(c, 'a', 'z');
    uint32_t digit = postq_ct_in_range_u32(c, '0', '9');
    uint32_t is62 = postq_ct_in_range_u32(c, c62, c62);
    uint32_t is63 = postq_ct_in_range_u32(c, c63, c63);

    *bad |= ~(upper | lower | digit | is62 | is63);
    return ((c - 'A') & upper) | ((c - 'a' + 26u) & lower) | ((c - '0' + 52u) & digit) |
           (62u & is62) | (63u & is63);
}

size_t postq_base64_encoded_len(size_t len, int variant)
{
    size_t groups = len / 3;
    size_t rem = len % 3;
    size_t tail;

    if (variant == POSTQ_B64_STD) {
        tail = rem == 0 ? 0 : 4;
    } else if (variant == POSTQ_B64_URL) {
        tail = rem == 0 ? 0 : rem + 1; /* 1 byte -> 2 characters, 2 bytes -> 3 */
    } else {
        return 0;
    }
    /* 4 * groups + tail + 1 (the NUL) must fit in a size_t. */
    if (groups > (SIZE_MAX - 1 - tail) / 4) {
        return 0;
    }
    return 4 * groups + tail;
}

size_t postq_base64_decoded_max(size_t in_len)
{
    return (in_len / 4) * 3 + (in_len % 4) * 3 / 4;
}

/* The alphabets, for the table-driven encoder of public data. */
static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Character -> entry for the decoder of public data: the value (0-63), with STD_ONLY on '+' and
 * '/', URL_ONLY on '-' and '_'; 0xFF (both flags) for every character outside both alphabets. */
#define STD_ONLY 0x40u
#define URL_ONLY 0x80u
static const uint8_t decode_table[256] = {
    /* clang-format off */
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,  ['H'] = 7,
    ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
    ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
    ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
    ['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61,
    ['+'] = 62 | STD_ONLY, ['/'] = 63 | STD_ONLY, ['-'] = 62 | URL_ONLY, ['_'] = 63 | URL_ONLY,
    /* clang-format on */
};

/* decode_table with 0 turned into "invalid" for every character that is not 'A': the table
 * above leaves unlisted entries 0, the value of 'A'. */
static uint32_t decode_pub(unsigned char ch, uint32_t reject, uint32_t *bad)
{
    uint32_t e = decode_table[ch];

    *bad |= (e == 0 && ch != 'A') ? 1u : (e & reject);
    return e & 63u;
}

/* One character of the output: constant time (encode_6) for data that may be secret, a table
 * lookup for public data. */
static inline char enc_char(uint32_t v, uint32_t c62, uint32_t c63, const char *table)
{
    return table != NULL ? table[v] : encode_6(v, c62, c63);
}

/* One character of the input, as decode_6 (CT) or decode_pub. */
static inline uint32_t dec_char(unsigned char ch, uint32_t c62, uint32_t c63, int pub,
                                uint32_t reject, uint32_t *bad)
{
    return pub ? decode_pub(ch, reject, bad) : decode_6(ch, c62, c63, bad);
}

static postq_err encode(char *out, size_t out_cap, size_t *out_len, const uint8_t *in, size_t len,
                        int variant, int pub)
{
    const char *table = NULL;
    size_t need;
    size_t full = len / 3;
    size_t rem = len % 3;
    size_t o = 0;
    uint32_t c62;
    uint32_t c63;

    if (out_len != NULL) {
        *out_len = 0;
    }
    if ((variant != POSTQ_B64_STD && variant != POSTQ_B64_URL) || out == NULL ||
        (in == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    need = postq_base64_encoded_len(len, variant);
    if ((need == 0 && len > 0) || out_cap <= need) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return POSTQ_E_LENGTH;
    }
    c62 = char62(variant);
    c63 = char63(variant);
    if (pub) {
        table = variant == POSTQ_B64_URL ? url_alphabet : std_alphabet;
    }
    for (size_t i = 0; i < full; i++) {
        const uint8_t *p = in + 3 * i;
        uint32_t w = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        out[o++] = enc_char(w >> 18, c62, c63, table);
        out[o++] = enc_char((w >> 12) & 63u, c62, c63, table);
        out[o++] = enc_char((w >> 6) & 63u, c62, c63, table);
        out[o++] = enc_char(w & 63u, c62, c63, table);
    }
    if (rem > 0) {
        const uint8_t *p = in + 3 * full;
        uint32_t w = (uint32_t)p[0] << 16 | (rem == 2 ? (uint32_t)p[1] << 8 : 0u);
        out[o++] = enc_char(w >> 18, c62, c63, table);
        out[o++] = enc_char((w >> 12) & 63u, c62, c63, table);
        if (rem == 2) {
            out[o++] = enc_char((w >> 6) & 63u, c62, c63, table);
        }
        if (variant == POSTQ_B64_STD) {
            while (o % 4 != 0) {
                out[o++] = '=';
            }
        }
    }
    out[o] = '\0';
    if (out_len != NULL) {
        *out_len = o;
    }
    return POSTQ_OK;
}

static postq_err decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                        size_t in_len, int variant, int pub)
{
    uint32_t reject = variant == POSTQ_B64_URL ? STD_ONLY : URL_ONLY;
    size_t pad = 0;
    size_t full;
    size_t rem;
    size_t n;
    uint32_t c62;
    uint32_t c63;
    uint32_t bad = 0;

    if (out_len == NULL) {
        return POSTQ_E_ARG;
    }
    *out_len = 0;
    if ((variant != POSTQ_B64_STD && variant != POSTQ_B64_URL) || (in == NULL && in_len > 0)) {
        return POSTQ_E_ARG;
    }
    if (variant == POSTQ_B64_STD) {
        if (in_len % 4 != 0) {
            return POSTQ_E_MALFORMED;
        }
        /* At most two '=' and only at the end [§4]; any other '=' fails the alphabet below.
         * Where padding starts is public: it fixes the decoded length. */
        if (in_len > 0 && in[in_len - 1] == '=') {
            pad = in[in_len - 2] == '=' ? 2 : 1;
        }
    }
    full = (in_len - pad) / 4;
    rem = (in_len - pad) % 4;
    if (rem == 1) {
        return POSTQ_E_MALFORMED; /* 6 bits cannot hold a byte */
    }
    n = 3 * full + (rem == 0 ? 0 : rem - 1);
    if (out == NULL && n > 0) {
        return POSTQ_E_ARG;
    }
    if (out_cap < n) {
        return POSTQ_E_LENGTH;
    }
    c62 = char62(variant);
    c63 = char63(variant);
    for (size_t i = 0; i < full; i++) {
        const char *p = in + 4 * i;
        uint32_t w = dec_char((unsigned char)p[0], c62, c63, pub, reject, &bad) << 18 |
                     dec_char((unsigned char)p[1], c62, c63, pub, reject, &bad) << 12 |
                     dec_char((unsigned char)p[2], c62, c63, pub, reject, &bad) << 6 |
                     dec_char((unsigned char)p[3], c62, c63, pub, reject, &bad);
        out[3 * i] = (uint8_t)(w >> 16);
        out[3 * i + 1] = (uint8_t)(w >> 8);
        out[3 * i + 2] = (uint8_t)w;
    }
    if (rem > 0) {
        /* 2 characters carry 12 bits for 1 byte, 3 carry 18 bits for 2 bytes: the 4 or 2
         * low bits left over must be zero, or two encodings would decode alike [§3.5]. */
        const char *p = in + 4 * full;
        uint32_t a = dec_char((unsigned char)p[0], c62, c63, pub, reject, &bad);
        uint32_t b = dec_char((unsigned char)p[1], c62, c63, pub, reject, &bad);
        if (rem == 2) {
            out[3 * full] = (uint8_t)(a << 2 | b >> 4);
            bad |= postq_ct_nonzero_mask(b & 15u);
        } else {
            uint32_t c = dec_char((unsigned char)p[2], c62, c63, pub, reject, &bad);
            uint32_t w = a << 12 | b << 6 | c;
            out[3 * full] = (uint8_t)(w >> 10);
            out[3 * full + 1] = (uint8_t)(w >> 2);
            bad |= postq_ct_nonzero_mask(c & 3u);
        }
    }
    if (postq_ct_barrier_u32(bad) != 0) {
        postq_wipe(out, n);
        return POSTQ_E_MALFORMED;
    }
    *out_len = n;
    return POSTQ_OK;
}

postq_err postq_base64_encode(char *out, size_t out_cap, size_t *out_len, const uint8_t *in,
                              size_t len, int variant)
{
    return encode(out, out_cap, out_len, in, len, variant, 0);
}

postq_err postq_base64_encode_public(char *out, size_t out_cap, size_t *out_len, const uint8_t *in,
                                     size_t len, int variant)
{
    return encode(out, out_cap, out_len, in, len, variant, 1);
}

postq_err postq_base64_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                              size_t in_len, int variant)
{
    return decode(out, out_cap, out_len, in, in_len, variant, 0);
}

postq_err postq_base64_decode_public(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                                     size_t in_len, int variant)
{
    return decode(out, out_cap, out_len, in, in_len, variant, 1);
}
