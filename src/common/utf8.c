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
