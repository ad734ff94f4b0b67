/* SPDX-License-Identifier: Apache-2.0 */
/* Strict CBOR decoding [RFC 8949 §3, §5.3, §5.6]; the rules are tabled in cbor.h. */
#include "attest/cbor.h"

#include <string.h>

#include "attest/util.h"
#include "common/mem.h"

struct dec {
    const uint8_t *in;
    size_t len, pos;
    struct postq_cbor *doc;
    size_t nodes_cap;
    char *detail;
    size_t cap;
};

static postq_err bad(struct dec *d, postq_err err, const char *what)
{
    postq_attest_detail(d->detail, d->cap, "CBOR at offset %zu: %s", d->pos, what);
    return err;
}

/* RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF. */
static int utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k) {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* The head of an item: major type, additional information, argument (not for ai 31). */
static postq_err head(struct dec *d, unsigned *major, unsigned *ai, uint64_t *arg)
{
    size_t n;
    uint8_t b;

    if (d->pos >= d->len) {
        return bad(d, POSTQ_E_MALFORMED, "truncated (item expected)");
    }
    b = d->in[d->pos++];
    *major = b >> 5;
    *ai = b & 31u;
    *arg = 0;
    if (*ai < 24) {
        *arg = *ai;
        return POSTQ_OK;
    }
    if (*ai == 31) {
        return POSTQ_OK;
    }
    if (*ai > 27) {
        d->pos--;
        return bad(d, POSTQ_E_MALFORMED, "reserved additional information 28..30");
    }
    n = (size_t)1 << (*ai - 24);
    if (d->len - d->pos < n) {
        return bad(d, POSTQ_E_MALFORMED, "truncated (argument)");
    }
    for (size_t i = 0; i < n; i++) {
        *arg = (*arg << 8) | d->in[d->pos++];
    }
    return POSTQ_OK;
}

static postq_err new_node(struct dec *d, size_t *idx)
{
    struct postq_cbor *doc = d->doc;

    if (doc->n >= POSTQ_CBOR_NODES_MAX) {
        return bad(d, POSTQ_E_TOO_LARGE, "more than 4096 items");
    }
    if (doc->n == d->nodes_cap) {
        size_t ncap = d->nodes_cap == 0 ? 64 : d->nodes_cap * 2;
        struct postq_cbor_node *p = postq_realloc(doc->nodes, ncap * sizeof(*p));
        if (p == NULL) {
            return POSTQ_E_NOMEM;
        }
        doc->nodes = p;
        d->nodes_cap = ncap;
    }
    *idx = doc->n++;
    memset(&doc->nodes[*idx], 0, sizeof(doc->nodes[*idx]));
    return POSTQ_OK;
}

/* Indefinite-length string: definite chunks of the same major type until the break, joined in
 * the doc's heap (never longer than the input, so it is sized once). */
static postq_err indefinite_string(struct dec *d, unsigned major, struct postq_cbor_node *n)
{
    struct postq_cbor *doc = d->doc;
    size_t start;

    if (doc->heap == NULL) {
        doc->heap = postq_malloc(d->len);
        if (doc->heap == NULL) {
            return POSTQ_E_NOMEM;
        }
    }
    start = doc->heap_len;
    for (;;) {
        unsigned cmajor, cai;
        uint64_t clen;
        postq_err err;
        if (d->pos < d->len && d->in[d->pos] == 0xff) {
            d->pos++;
            break;
        }
        err = head(d, &cmajor, &cai, &clen);
        if (err != POSTQ_OK) {
            return err;
        }
        if (cmajor != major || cai == 31) {
            d->pos--;
            return bad(d, POSTQ_E_MALFORMED,
                       "indefinite string chunk is not a definite string of its type");
        }
        if (clen > d->len - d->pos) {
            return bad(d, POSTQ_E_MALFORMED, "truncated (string chunk)");
        }
        memcpy(doc->heap + doc->heap_len, d->in + d->pos, (size_t)clen);
        doc->heap_len += (size_t)clen;
        d->pos += (size_t)clen;
    }
    n->p = doc->heap + start;
    n->len = doc->heap_len - start;
    return POSTQ_OK;
}

static int key_type_ok(enum postq_cbor_type t)
{
    return t == POSTQ_CBOR_UINT || t == POSTQ_CBOR_NINT || t == POSTQ_CBOR_BYTES ||
           t == POSTQ_CBOR_TEXT || t == POSTQ_CBOR_SIMPLE;
}

static int same_key(const struct postq_cbor_node *a, const struct postq_cbor_node *b)
{
    if (a->type != b->type) {
        return 0;
    }
    if (a->type == POSTQ_CBOR_BYTES || a->type == POSTQ_CBOR_TEXT) {
        return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
    }
    return a->val == b->val;
}

static postq_err item(struct dec *d, unsigned depth);

/* The children of an array (pairs = 0) or map (pairs = 1): count of them, or until the break
 * when indefinite. Sets the node's val to the number of items (pairs for a map). */
static postq_err children(struct dec *d, size_t idx, unsigned depth, int indefinite,
                          uint64_t count, int pairs)
{
    uint64_t got = 0;
    postq_err err;

    if (!indefinite && count > (d->len - d->pos) / (pairs ? 2 : 1)) {
        return bad(d, POSTQ_E_MALFORMED, "truncated (more items announced than bytes left)");
    }
    for (;;) {
        if (indefinite) {
            if (d->pos < d->len && d->in[d->pos] == 0xff) {
                d->pos++;
                break;
            }
        } else if (got == count) {
            break;
        }
        for (int k = 0; k <= pairs; k++) {
            size_t at = d->doc->n;
            err = item(d, depth + 1);
            if (err != POSTQ_OK) {
                return err;
            }
            if (pairs && k == 0) {
                const struct postq_cbor_node *key = &d->doc->nodes[at];
                if (!key_type_ok(key->type)) {
                    d->pos = key->off;
                    return bad(d, POSTQ_E_MALFORMED, "map key of an unsupported type");
                }
                /* Earlier keys of this map: walk the pairs from the first child. */
                for (size_t c = idx + 1; c < at;) {
                    if (same_key(&d->doc->nodes[c], key)) {
                        d->pos = key->off;
                        return bad(d, POSTQ_E_MALFORMED, "duplicate map key");
                    }
                    c += d->doc->nodes[c].size;
                    c += d->doc->nodes[c].size;
                }
            }
        }
        got++;
    }
    d->doc->nodes[idx].val = got;
    return POSTQ_OK;
}

static postq_err item(struct dec *d, unsigned depth)
{
    unsigned major, ai;
    uint64_t arg;
    size_t idx, off = d->pos;
    struct postq_cbor_node *n;
    postq_err err;

    if (depth > POSTQ_CBOR_DEPTH_MAX) {
        return bad(d, POSTQ_E_TOO_LARGE, "nested deeper than 16");
    }
    err = head(d, &major, &ai, &arg);
    if (err != POSTQ_OK) {
        return err;
    }
    if (ai == 31 && (major == 0 || major == 1 || major == 6)) {
        d->pos = off;
        return bad(d, POSTQ_E_MALFORMED, "indefinite length on a type without length");
    }
    if (ai == 31 && major == 7) {
        d->pos = off;
        return bad(d, POSTQ_E_MALFORMED, "break outside an indefinite-length item");
    }
    err = new_node(d, &idx);
    if (err != POSTQ_OK) {
        return err;
    }
    n = &d->doc->nodes[idx];
    n->off = off;
    switch (major) {
    case 0:
    case 1:
        n->type = major == 0 ? POSTQ_CBOR_UINT : POSTQ_CBOR_NINT;
        n->val = arg;
        break;
    case 2:
    case 3:
        n->type = major == 2 ? POSTQ_CBOR_BYTES : POSTQ_CBOR_TEXT;
        if (ai == 31) {
            err = indefinite_string(d, major, n);
            if (err != POSTQ_OK) {
                return err;
            }
        } else {
            if (arg > d->len - d->pos) {
                return bad(d, POSTQ_E_MALFORMED, "truncated (string)");
            }
            n->p = d->in + d->pos;
            n->len = (size_t)arg;
            d->pos += (size_t)arg;
        }
        if (major == 3 && !utf8_ok(n->p, n->len)) {
            d->pos = off;
            return bad(d, POSTQ_E_MALFORMED, "text string is not valid UTF-8");
        }
        break;
    case 4:
    case 5:
        n->type = major == 4 ? POSTQ_CBOR_ARRAY : POSTQ_CBOR_MAP;
        err = children(d, idx, depth, ai == 31, arg, major == 5);
        if (err != POSTQ_OK) {
            return err;
        }
        break;
    case 6:
        n->type = POSTQ_CBOR_TAG;
        n->val = arg;
        err = item(d, depth + 1);
        if (err != POSTQ_OK) {
            return err;
        }
        break;
    default: /* 7 */
        if (ai >= 25) {
            n->type = POSTQ_CBOR_FLOAT;
            n->val = arg;
            n->len = (size_t)1 << (ai - 24);
        } else if (ai == 24) {
            d->pos = off;
            return bad(d, POSTQ_E_MALFORMED, arg < 32 ? "simple value < 32 in two bytes"
                                                       : "unassigned simple value");
        } else if (arg < POSTQ_CBOR_FALSE) {
            d->pos = off;
            return bad(d, POSTQ_E_MALFORMED, "unassigned simple value");
        } else {
            n->type = POSTQ_CBOR_SIMPLE;
            n->val = arg;
        }
        break;
    }
    n = &d->doc->nodes[idx]; /* children may have moved the array */
    n->end = d->pos;
    n->size = d->doc->n - idx;
    return POSTQ_OK;
}

postq_err postq_cbor_decode(struct postq_cbor *doc, const uint8_t *in, size_t len, char *detail,
                            size_t cap)
{
    struct dec d;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (doc == NULL || (in == NULL && len > 0)) {
        return POSTQ_E_ARG;
    }
    memset(doc, 0, sizeof(*doc));
    memset(&d, 0, sizeof(d));
    d.in = in;
    d.len = len;
    d.doc = doc;
    d.detail = detail;
    d.cap = cap;
    if (len > POSTQ_CBOR_INPUT_MAX) {
        return bad(&d, POSTQ_E_TOO_LARGE, "input over 65536 bytes");
    }
    err = item(&d, 0);
    if (err == POSTQ_OK && d.pos != len) {
        err = bad(&d, POSTQ_E_MALFORMED, "trailing bytes after the item");
    }
    if (err != POSTQ_OK) {
        if (err == POSTQ_E_NOMEM) {
            postq_attest_detail(detail, cap, "out of memory");
        }
        postq_cbor_free(doc);
    }
    return err;
}

void postq_cbor_free(struct postq_cbor *doc)
{
    if (doc == NULL) {
        return;
    }
    postq_free(doc->nodes);
    postq_free(doc->heap);
    memset(doc, 0, sizeof(*doc));
}

static size_t map_find(const struct postq_cbor *doc, size_t map, const struct postq_cbor_node *k)
{
    size_t c, end;

    if (doc == NULL || map >= doc->n || doc->nodes[map].type != POSTQ_CBOR_MAP) {
        return 0;
    }
    end = map + doc->nodes[map].size;
    for (c = map + 1; c < end;) {
        size_t v = c + doc->nodes[c].size;
        if (same_key(&doc->nodes[c], k)) {
            return v;
        }
        c = v + doc->nodes[v].size;
    }
    return 0;
}

size_t postq_cbor_map_text(const struct postq_cbor *doc, size_t map, const char *key)
{
    struct postq_cbor_node k;

    memset(&k, 0, sizeof(k));
    k.type = POSTQ_CBOR_TEXT;
    k.p = (const uint8_t *)key;
    k.len = strlen(key);
    return map_find(doc, map, &k);
}

size_t postq_cbor_map_int(const struct postq_cbor *doc, size_t map, int64_t key)
{
    struct postq_cbor_node k;

    memset(&k, 0, sizeof(k));
    k.type = key >= 0 ? POSTQ_CBOR_UINT : POSTQ_CBOR_NINT;
    k.val = key >= 0 ? (uint64_t)key : (uint64_t)(-(key + 1));
    return map_find(doc, map, &k);
}

size_t postq_cbor_child(const struct postq_cbor *doc, size_t c, size_t i)
{
    size_t at, end;

    if (doc == NULL || c >= doc->n) {
        return 0;
    }
    end = c + doc->nodes[c].size;
    at = c + 1;
    for (size_t k = 0; k < i && at < end; k++) {
        at += doc->nodes[at].size;
    }
    return at < end ? at : 0;
}

int postq_cbor_is_null(const struct postq_cbor *doc, size_t i)
{
    return doc != NULL && i < doc->n && doc->nodes[i].type == POSTQ_CBOR_SIMPLE &&
           doc->nodes[i].val == POSTQ_CBOR_NULL;
}

int postq_cbor_put_head(uint8_t *out, size_t cap, size_t *pos, unsigned major, uint64_t val)
{
    uint8_t h[9];
    size_t n;

    if (val < 24) {
        h[0] = (uint8_t)((major << 5) | (unsigned)val);
        n = 1;
    } else {
        unsigned ai = val <= 0xff ? 24 : val <= 0xffff ? 25 : val <= 0xffffffffu ? 26 : 27;
        size_t k = (size_t)1 << (ai - 24);
        h[0] = (uint8_t)((major << 5) | ai);
        for (size_t i = 0; i < k; i++) {
            h[1 + i] = (uint8_t)(val >> (8 * (k - 1 - i)));
        }
        n = 1 + k;
    }
    if (cap - *pos < n || *pos > cap) {
        return -1;
    }
    memcpy(out + *pos, h, n);
    *pos += n;
    return 0;
}
