/* SPDX-License-Identifier: Apache-2.0 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tl_shared_dir(void)
{
    const char *d = getenv("POSTQ_SHARED");
    return (d != NULL && d[0] != '\0') ? d : "../shared";
}

json_t *tl_load_json(const char *rel)
{
    char path[4096];
    json_error_t jerr;
    json_t *root;

    snprintf(path, sizeof(path), "%s/%s", tl_shared_dir(), rel);
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        fail_msg("cannot load vector file %s: %s (line %d)", path, jerr.text, jerr.line);
    }
    return root;
}

uint8_t *tl_read_shared(const char *rel, size_t *len)
{
    char path[4096];
    FILE *f;
    long n;
    uint8_t *p;

    snprintf(path, sizeof(path), "%s/%s", tl_shared_dir(), rel);
    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

char *tl_read_shared_text(const char *rel)
{
    size_t n;
    char *s = (char *)tl_read_shared(rel, &n);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

uint8_t *tl_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *out;

    if (n % 2 != 0) {
        fail_msg("odd-length hex string");
    }
    out = malloc(n / 2 + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = nibble(hex[2 * i]);
        int lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fail_msg("bad hex digit");
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

uint8_t *tl_hex_member(const json_t *obj, const char *name, size_t *len)
{
    return tl_hex(tl_str(obj, name), len);
}

/* The value of a base64 character, -1 for anything else ('=' included). */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

uint8_t *tl_b64(const char *b64, size_t *len)
{
    size_t n = strlen(b64);
    size_t pad = 0;
    size_t out_len = 0;
    uint32_t acc = 0;
    uint8_t *out;

    if (n % 4 != 0) {
        fail_msg("base64 of %zu characters, not a multiple of 4", n);
    }
    while (pad < 2 && n > pad && b64[n - 1 - pad] == '=') {
        pad++;
    }
    out = malloc(n / 4 * 3 + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n - pad; i++) {
        int v = b64_value(b64[i]);
        if (v < 0) {
            fail_msg("bad base64 character at %zu", i);
        }
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            out[out_len++] = (uint8_t)(acc >> 16);
            out[out_len++] = (uint8_t)(acc >> 8);
            out[out_len++] = (uint8_t)acc;
            acc = 0;
        }
    }
    /* The last group: 2 or 3 characters carry 1 or 2 bytes; the bits left over must be 0. */
    if (pad == 2) {
        if ((acc & 0x0f) != 0) {
            fail_msg("non-canonical base64 (unused bits set)");
        }
        out[out_len++] = (uint8_t)(acc >> 4);
    } else if (pad == 1) {
        if ((acc & 0x03) != 0) {
            fail_msg("non-canonical base64 (unused bits set)");
        }
        out[out_len++] = (uint8_t)(acc >> 10);
        out[out_len++] = (uint8_t)(acc >> 2);
    }
    *len = out_len;
    return out;
}

uint8_t *tl_b64_member(const json_t *obj, const char *name, size_t *len)
{
    return tl_b64(tl_str(obj, name), len);
}

json_int_t tl_int(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v)) {
        fail_msg("member %s missing or not an integer", name);
    }
    return json_integer_value(v);
}

const char *tl_str(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v)) {
        fail_msg("member %s missing or not a string", name);
    }
    return json_string_value(v);
}

void tl_index_build(struct tl_index *ix, json_t *expected)
{
    json_t *groups = json_object_get(expected, "testGroups");
    size_t gi, ti;
    json_t *g, *t;
    json_int_t max = 0;

    assert_true(json_is_array(groups));
    json_array_foreach(groups, gi, g) {
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            json_int_t id = tl_int(t, "tcId");
            assert_true(id > 0);
            if (id > max) {
                max = id;
            }
        }
    }
    ix->n = (size_t)max + 1;
    ix->by_tcid = calloc(ix->n, sizeof(*ix->by_tcid));
    assert_non_null(ix->by_tcid);
    json_array_foreach(groups, gi, g) {
        json_array_foreach(json_object_get(g, "tests"), ti, t) {
            size_t id = (size_t)tl_int(t, "tcId");
            assert_null(ix->by_tcid[id]); /* tcIds are unique per file */
            ix->by_tcid[id] = t;
        }
    }
}

json_t *tl_index_get(const struct tl_index *ix, json_int_t tcid)
{
    if (tcid <= 0 || (size_t)tcid >= ix->n || ix->by_tcid[tcid] == NULL) {
        fail_msg("no expected result for tcId %lld", (long long)tcid);
    }
    return ix->by_tcid[tcid];
}

void tl_index_free(struct tl_index *ix)
{
    free(ix->by_tcid);
    ix->by_tcid = NULL;
    ix->n = 0;
}
