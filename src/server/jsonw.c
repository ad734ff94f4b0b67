/* SPDX-License-Identifier: Apache-2.0 */
/* A streaming JSON text writer (see jsonw.h). */
#include "server/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "common/base64.h"
#include "common/hex.h"

void postq_jsonw_init(struct postq_jsonw *w, struct postq_buf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

static void put(struct postq_jsonw *w, const void *p, size_t n)
{
    if (w->err == POSTQ_OK) {
        w->err = postq_buf_append(w->b, p, n);
    }
}

/* Before a value: a comma after the previous one of an array; nothing after a key. */
static void sep(struct postq_jsonw *w)
{
    if (w->err != POSTQ_OK || w->depth == 0) {
        return;
    }
    if (w->count[w->depth - 1] & 0x80) { /* a key was just written */
        w->count[w->depth - 1] &= 0x7f;
        return;
    }
    if (w->count[w->depth - 1] > 0) {
        put(w, ",", 1);
    }
    if (w->count[w->depth - 1] < 0x7f) {
        w->count[w->depth - 1]++;
    }
}

static void open_(struct postq_jsonw *w, char c)
{
    sep(w);
    if (w->err == POSTQ_OK && w->depth == JSONW_DEPTH) {
        w->err = POSTQ_E_LENGTH;
    }
    put(w, &c, 1);
    if (w->err == POSTQ_OK) {
        w->count[w->depth++] = 0;
    }
}

static void close_(struct postq_jsonw *w, char c)
{
    if (w->err == POSTQ_OK && (w->depth == 0 || (w->count[w->depth - 1] & 0x80))) {
        w->err = POSTQ_E_ARG; /* nothing open, or a key without its value */
    }
    put(w, &c, 1);
    if (w->err == POSTQ_OK) {
        w->depth--;
    }
}

void postq_jsonw_obj_begin(struct postq_jsonw *w)
{
    open_(w, '{');
}

void postq_jsonw_obj_end(struct postq_jsonw *w)
{
    close_(w, '}');
}

void postq_jsonw_arr_begin(struct postq_jsonw *w)
{
    open_(w, '[');
}

void postq_jsonw_arr_end(struct postq_jsonw *w)
{
    close_(w, ']');
}

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0, s[0] >= 0x80), or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF [RFC 3629 §4]. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;

    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

/* 1 when none of the 8 bytes at p needs a look: all printable ASCII other than '"' and '\\'.
 * Word-at-a-time tests (exact for "any byte"): below 0x20, equal to '"' or '\\' (a zero byte
 * after XOR), or with the high bit set. */
static inline int plain8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x, q, b;

    memcpy(&x, p, 8);
    q = x ^ (ones * '"');
    b = x ^ (ones * '\\');
    return ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & high) == 0;
}

/* A string's contents: runs of bytes that need no escape are copied at once (and skipped 8 at a
 * time while they last); '"', '\\' and control characters escaped as jansson writes them. */
static void body(struct postq_jsonw *w, const unsigned char *s, size_t n)
{
    size_t i = 0, run = 0;
    char esc[8];

    while (w->err == POSTQ_OK && i < n) {
        unsigned c;
        size_t len = 1;
        const char *e = NULL;

        while (i + 8 <= n && plain8(s + i)) {
            i += 8;
        }
        if (i >= n) {
            break;
        }
        c = s[i];

        if (c >= 0x80) {
            len = utf8_seq(s + i, n - i);
            if (len == 0) {
                w->err = POSTQ_E_INVALID;
                return;
            }
        } else if (c == '"') {
            e = "\\\"";
        } else if (c == '\\') {
            e = "\\\\";
        } else if (c < 0x20) {
            switch (c) {
            case '\b':
                e = "\\b";
                break;
            case '\f':
                e = "\\f";
                break;
            case '\n':
                e = "\\n";
                break;
            case '\r':
                e = "\\r";
                break;
            case '\t':
                e = "\\t";
                break;
            default:
                (void)snprintf(esc, sizeof(esc), "\\u%04X", c);
                e = esc;
            }
        }
        if (e == NULL) {
            i += len;
            continue;
        }
        put(w, s + run, i - run);
        put(w, e, strlen(e));
        i++;
        run = i;
    }
    put(w, s + run, n - run);
}

void postq_jsonw_key(struct postq_jsonw *w, const char *k)
{
    if (w->err == POSTQ_OK && (w->depth == 0 || (w->count[w->depth - 1] & 0x80))) {
        w->err = POSTQ_E_ARG;
    }
    sep(w);
    put(w, "\"", 1);
    body(w, (const unsigned char *)k, strlen(k));
    put(w, "\":", 2);
    if (w->err == POSTQ_OK) {
        w->count[w->depth - 1] |= 0x80;
    }
}

void postq_jsonw_strn(struct postq_jsonw *w, const char *s, size_t n)
{
    sep(w);
    put(w, "\"", 1);
    body(w, (const unsigned char *)s, n);
    put(w, "\"", 1);
}

void postq_jsonw_str(struct postq_jsonw *w, const char *s)
{
    postq_jsonw_strn(w, s, strlen(s));
}

void postq_jsonw_int(struct postq_jsonw *w, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof(t), "%" PRId64, v);
    sep(w);
    put(w, t, (size_t)n);
}

void postq_jsonw_null(struct postq_jsonw *w)
{
    sep(w);
    put(w, "null", 4);
}

/* Room for n more bytes, written in place by the caller at b->p + b->len. */
static char *room(struct postq_jsonw *w, size_t n)
{
    if (w->err == POSTQ_OK) {
        w->err = postq_buf_reserve(w->b, n + 1);
    }
    return w->err == POSTQ_OK ? (char *)w->b->p + w->b->len : NULL;
}

void postq_jsonw_b64(struct postq_jsonw *w, const uint8_t *p, size_t n)
{
    size_t len = postq_base64_encoded_len(n, POSTQ_B64_STD), out = 0;
    char *dst;

    sep(w);
    put(w, "\"", 1);
    dst = room(w, len);
    if (dst != NULL) {
        w->err = postq_base64_encode_public(dst, len + 1, &out, p, n, POSTQ_B64_STD);
    }
    if (w->err == POSTQ_OK) {
        w->b->len += out;
        w->b->p[w->b->len] = '\0';
    }
    put(w, "\"", 1);
}

void postq_jsonw_hex(struct postq_jsonw *w, const uint8_t *p, size_t n)
{
    char *dst;

    sep(w);
    put(w, "\"", 1);
    dst = room(w, 2 * n);
    if (dst != NULL) {
        w->err = postq_hex_encode(dst, 2 * n + 1, p, n);
    }
    if (w->err == POSTQ_OK) {
        w->b->len += 2 * n;
        w->b->p[w->b->len] = '\0';
    }
    put(w, "\"", 1);
}

postq_err postq_jsonw_finish(struct postq_jsonw *w)
{
    if (w->err == POSTQ_OK && w->depth != 0) {
        w->err = POSTQ_E_ARG;
    }
    return w->err;
}
