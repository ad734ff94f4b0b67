/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 repair [RFC 3629 §4: the well-formed byte sequences]. */
#include "common/utf8.h"

#include <stdint.h>

/* Length of the well-formed sequence at p (1..4), or 0 when p does not begin one. */
static size_t sequence(const uint8_t *p)
{
    uint8_t c = p[0];
    uint8_t lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
    } else {
        return 0;
    }
    if (p[1] < lo || p[1] > hi) {
        return 0; /* also the terminating NUL: a cut sequence */
    }
    for (size_t i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

size_t postq_utf8_repair(char *s)
{
    uint8_t *p = (uint8_t *)s;
    size_t fixed = 0;

    if (p == NULL) {
        return 0;
    }
    while (*p != 0) {
        size_t n = sequence(p);
        if (n == 0) {
            *p++ = '?';
            fixed++;
        } else {
            p += n;
        }
    }
    return fixed;
}

/* The code point of the well-formed sequence of n bytes at p. */
static uint32_t code_point(const uint8_t *p, size_t n)
{
    static const uint8_t lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = p[0] & lead_mask[n];

    for (size_t i = 1; i < n; i++) {
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    return cp;
}

int postq_text_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

enum postq_name_verdict postq_name_check(const char *s, size_t len, size_t max_chars)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, chars = 0;

    if (len == 0) {
        return POSTQ_NAME_EMPTY;
    }
    while (i < len) {
        size_t n;
        if (p[i] == 0) {
            return POSTQ_NAME_BAD_UTF8;
        }
        n = sequence(p + i); /* stops at a NUL, so it never reads past a terminated s */
        if (n == 0 || n > len - i) {
            return POSTQ_NAME_BAD_UTF8;
        }
        if (postq_text_unsafe(code_point(p + i, n))) {
            return POSTQ_NAME_CONTROL;
        }
        i += n;
        if (++chars > max_chars) {
            return POSTQ_NAME_TOO_LONG;
        }
    }
    return POSTQ_NAME_OK;
}

const char *postq_name_verdict_text(enum postq_name_verdict v)
{
    switch (v) {
    case POSTQ_NAME_OK:
        return "ok";
    case POSTQ_NAME_EMPTY:
        return "must not be empty";
    case POSTQ_NAME_TOO_LONG:
        return "is longer than its limit in characters";
    case POSTQ_NAME_BAD_UTF8:
        return "is not well-formed UTF-8";
    case POSTQ_NAME_CONTROL:
        return "contains a control or bidirectional formatting character";
    }
    return "is not valid";
}

char *postq_text_escape(char *out, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)(s != NULL ? s : "");
    size_t w = 0;

    while (*p != 0) {
        char piece[8];
        size_t k = 0, n = sequence(p);

        if (n == 0) {
            piece[k++] = '\\';
            piece[k++] = 'x';
            piece[k++] = hex[p[0] >> 4];
            piece[k++] = hex[p[0] & 15];
            n = 1;
        } else if (p[0] == '\\') {
            piece[k++] = '\\';
            piece[k++] = '\\';
        } else {
            uint32_t cp = code_point(p, n);
            if (postq_text_unsafe(cp)) {
                piece[k++] = '\\';
                piece[k++] = 'u';
                for (int sh = 12; sh >= 0; sh -= 4) {
                    piece[k++] = hex[(cp >> sh) & 15];
                }
            } else {
                for (size_t i = 0; i < n; i++) {
                    piece[k++] = (char)p[i];
                }
            }
        }
        if (w + k + 1 > cap) {
            break;
        }
        for (size_t i = 0; i < k; i++) {
            out[w++] = piece[i];
        }
        p += n;
    }
    out[w] = '\0';
    return out;
}
