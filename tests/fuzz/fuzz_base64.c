/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: base64 and base64url (src/common/base64.c). The input is decoded as text
 * under both variants (an output of decoded_max bytes, one byte short, and none), and encoded
 * as bytes under both variants and decoded back. Aborts when a promise of base64.h breaks:
 * strictness means a decoded string is canonical, so encoding what it decoded to gives the same
 * string back; a failed decode leaves nothing in out; decode(encode(x)) == x; the functions for
 * public data give exactly what the constant-time ones give.
 * Build as fuzz_jws.c says (make fuzz). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_base64_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

/* c belongs to the variant's alphabet (padding not included). */
static int fuzz_base64_alpha(char c, int variant)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        return 1;
    }
    return variant == POSTQ_B64_URL ? c == '-' || c == '_' : c == '+' || c == '/';
}

/* Decode s under variant every way; on success *out (malloc'd) and *out_len hold the bytes. */
static postq_err fuzz_base64_decode(const char *s, size_t len, int variant, uint8_t **out,
                                    size_t *out_len)
{
    size_t max = postq_base64_decoded_max(len);
    uint8_t *buf = calloc(max + 1, 1);
    uint8_t *shrt;
    size_t n = 1, m = 1;
    postq_err err, err_null;
    char *back;

    *out = NULL;
    *out_len = 0;
    if (buf == NULL) {
        return POSTQ_E_NOMEM;
    }
    err = postq_base64_decode(buf, max, &n, s, len, variant);
    /* With no output at all: fine only for what decodes to nothing. */
    err_null = postq_base64_decode(NULL, 0, &m, s, len, variant);
    if (err != POSTQ_OK) {
        /* decoded_max always suffices, so the only failure is the input's. */
        if (err != POSTQ_E_MALFORMED || n != 0 || m != 0 || err_null == POSTQ_OK ||
            !fuzz_base64_zero(buf, max)) {
            abort();
        }
        free(buf);
        return err;
    }
    if (n > max || (variant == POSTQ_B64_URL && n != max) || max - n > 2 ||
        (n == 0 ? err_null != POSTQ_OK || m != 0 : err_null != POSTQ_E_ARG)) {
        abort();
    }
    /* Canonical: the one encoding of these bytes is the input itself. */
    back = malloc(len + 1);
    if (back == NULL || postq_base64_encode(back, len + 1, &m, buf, n, variant) != POSTQ_OK ||
        m != len || memcmp(back, s, len) != 0) {
        abort();
    }
    free(back);
    /* One byte short: refused, nothing written. */
    if (n > 0) {
        shrt = calloc(n, 1);
        m = 1;
        if (shrt == NULL ||
            postq_base64_decode(shrt, n - 1, &m, s, len, variant) != POSTQ_E_LENGTH || m != 0 ||
            !fuzz_base64_zero(shrt, n)) {
            abort();
        }
        free(shrt);
    }
    *out = buf;
    *out_len = n;
    return POSTQ_OK;
}

/* Encode data under variant and check the text, then decode it back to data. */
static void fuzz_base64_round_trip(const uint8_t *data, size_t size, int variant)
{
    size_t need = postq_base64_encoded_len(size, variant);
    size_t n = 1, back_len = 0;
    uint8_t *back = NULL;
    char *s = malloc(need + 1);

    if (s == NULL) {
        return;
    }
    if ((need == 0) != (size == 0) ||
        postq_base64_encode(s, need, &n, data, size, variant) != POSTQ_E_LENGTH || n != 0 ||
        (need > 0 && s[0] != '\0')) {
        abort();
    }
    if (postq_base64_encode(s, need + 1, &n, data, size, variant) != POSTQ_OK || n != need ||
        s[n] != '\0') {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        /* STD pads with one or two '=' at the very end; URL never pads. */
        if (!fuzz_base64_alpha(s[i], variant) && !(variant == POSTQ_B64_STD && s[i] == '=' &&
                                                   i + 2 >= n && (i + 1 == n || s[i + 1] == '='))) {
            abort();
        }
    }
    if (fuzz_base64_decode(s, n, variant, &back, &back_len) != POSTQ_OK || back_len != size ||
        (size > 0 && memcmp(back, data, size) != 0)) {
        abort();
    }
    free(back);
    free(s);
}

/* The table-driven functions for public data give what the constant-time ones give: the same
 * status, length and bytes, decoding the input as text and encoding it as bytes. */
static void fuzz_base64_public_same(const uint8_t *data, size_t size, int variant)
{
    size_t cap = postq_base64_decoded_max(size) + 1;
    size_t ecap = postq_base64_encoded_len(size, variant) + 1;
    uint8_t *a = malloc(cap), *b = malloc(cap);
    char *ea = malloc(ecap), *eb = malloc(ecap);
    size_t la = 0, lb = 0;
    postq_err ra, rb;

    if (a == NULL || b == NULL || ea == NULL || eb == NULL) {
        abort();
    }
    memset(a, 0, cap);
    memset(b, 0, cap);
    ra = postq_base64_decode(a, cap, &la, (const char *)data, size, variant);
    rb = postq_base64_decode_public(b, cap, &lb, (const char *)data, size, variant);
    if (ra != rb || la != lb || memcmp(a, b, cap) != 0) {
        abort();
    }
    ra = postq_base64_encode(ea, ecap, &la, data, size, variant);
    rb = postq_base64_encode_public(eb, ecap, &lb, data, size, variant);
    if (ra != rb || la != lb || (ra == POSTQ_OK && memcmp(ea, eb, la + 1) != 0)) {
        abort();
    }
    free(a);
    free(b);
    free(ea);
    free(eb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    uint8_t *std = NULL, *url = NULL;
    size_t std_len = 0, url_len = 0;
    postq_err std_err, url_err;

    std_err = fuzz_base64_decode(s, size, POSTQ_B64_STD, &std, &std_len);
    url_err = fuzz_base64_decode(s, size, POSTQ_B64_URL, &url, &url_len);
    /* Text valid in both variants (no '+', '/', '-', '_' or '=') means the same bytes. */
    if (std_err == POSTQ_OK && url_err == POSTQ_OK &&
        (std_len != url_len || (std_len > 0 && memcmp(std, url, std_len) != 0))) {
        abort();
    }
    free(std);
    free(url);
    fuzz_base64_round_trip(data, size, POSTQ_B64_STD);
    fuzz_base64_round_trip(data, size, POSTQ_B64_URL);
    fuzz_base64_public_same(data, size, POSTQ_B64_STD);
    fuzz_base64_public_same(data, size, POSTQ_B64_URL);
    return 0;
}
