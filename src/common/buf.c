/* SPDX-License-Identifier: Apache-2.0 */
/* Capped growable buffers. Growth allocates a new block, copies, then wipes and frees the
 * old one (never realloc, which may leave a copy of a secret in freed memory). */
#include "common/buf.h"

#include <string.h>

#include "common/mem.h"

#define MIN_CAP 32u

void postq_buf_init(struct postq_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max < SIZE_MAX ? max : SIZE_MAX - 1; /* max + 1 (the 0) must fit */
}

/* Ensure cap >= len + n + 1. Callers have checked len + n <= max. */
static postq_err grow(struct postq_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    size_t limit = b->max + 1;
    size_t cap;
    uint8_t *p;

    if (b->p != NULL && b->cap >= need) {
        return POSTQ_OK;
    }
    /* Double (amortised O(1) appends), but never past the cap. */
    cap = b->cap > limit / 2 ? limit : 2 * b->cap;
    if (cap < MIN_CAP) {
        cap = MIN_CAP;
    }
    if (cap < need) {
        cap = need;
    }
    if (cap > limit) {
        cap = limit;
    }
    p = postq_malloc(cap);
    if (p == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (b->p != NULL) {
        memcpy(p, b->p, b->len);
        postq_wipe(b->p, b->cap);
        postq_free(b->p);
    }
    p[b->len] = 0;
    b->p = p;
    b->cap = cap;
    return POSTQ_OK;
}

postq_err postq_buf_reserve(struct postq_buf *b, size_t n)
{
    if (b == NULL) {
        return POSTQ_E_ARG;
    }
    if (n > b->max - b->len) {
        return POSTQ_E_TOO_LARGE;
    }
    if (n == 0) {
        return POSTQ_OK;
    }
    return grow(b, n);
}

postq_err postq_buf_append(struct postq_buf *b, const void *p, size_t n)
{
    postq_err err;

    if (b == NULL || (p == NULL && n > 0)) {
        return POSTQ_E_ARG;
    }
    err = postq_buf_reserve(b, n);
    if (err != POSTQ_OK || n == 0) {
        return err;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return POSTQ_OK;
}

postq_err postq_buf_append_str(struct postq_buf *b, const char *s)
{
    if (s == NULL) {
        return POSTQ_E_ARG;
    }
    return postq_buf_append(b, s, strlen(s));
}

void postq_buf_reset(struct postq_buf *b)
{
    if (b == NULL || b->p == NULL) {
        return;
    }
    postq_wipe(b->p, b->len);
    b->len = 0;
    b->p[0] = 0;
}

void postq_buf_free(struct postq_buf *b)
{
    if (b == NULL) {
        return;
    }
    if (b->p != NULL) {
        postq_wipe(b->p, b->cap);
        postq_free(b->p);
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

uint8_t *postq_buf_detach(struct postq_buf *b, size_t *len)
{
    uint8_t *p = b->p;

    if (len != NULL) {
        *len = b->len;
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
