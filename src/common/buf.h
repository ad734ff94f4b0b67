/* SPDX-License-Identifier: Apache-2.0 */
/* Byte views and capped, growable buffers (after curl's dynbuf). Every byte read from the
 * network goes into a postq_buf whose hard cap is fixed at init. Buffers may hold secrets:
 * memory is wiped before it is given back, also when the buffer grows. */
#ifndef POSTQ_COMMON_BUF_H
#define POSTQ_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* A borrowed view: p[0..len) belongs to someone else and must outlive the view. p may be NULL
 * when len is 0. */
struct postq_bytes {
    const uint8_t *p;
    size_t len;
};

/* An owned buffer. p is NULL until the first byte (or reserve) needs memory; once allocated,
 * cap > len and p[len] is 0, so text appended to it is always a C string. len never exceeds
 * max. Fields are readable; change them only through the functions below. Not thread-safe. */
struct postq_buf {
    uint8_t *p;
    size_t len;
    size_t cap; /* bytes allocated at p, the terminating 0 included */
    size_t max; /* hard cap on len */
};

/* Start empty with a hard cap of max bytes of content (SIZE_MAX - 1 at most; larger is
 * clamped). Allocates nothing, cannot fail. */
void postq_buf_init(struct postq_buf *b, size_t max);

/* Make room for n more bytes so that the next appends totalling n bytes allocate nothing.
 * POSTQ_E_TOO_LARGE if len + n would pass max; POSTQ_E_NOMEM if allocation fails. On failure
 * the buffer is unchanged. */
POSTQ_MUST_CHECK postq_err postq_buf_reserve(struct postq_buf *b, size_t n);

/* Append p[0..n) (p may be NULL when n is 0). POSTQ_E_TOO_LARGE if len + n would pass max:
 * nothing is appended then (never a truncated prefix); POSTQ_E_NOMEM on allocation failure,
 * buffer unchanged; POSTQ_E_ARG for a NULL b, or a NULL p with n > 0. */
POSTQ_MUST_CHECK postq_err postq_buf_append(struct postq_buf *b, const void *p, size_t n);

/* Append the bytes of the C string s (its NUL not included). Errors as postq_buf_append. */
POSTQ_MUST_CHECK postq_err postq_buf_append_str(struct postq_buf *b, const char *s);

/* Empty the buffer, wiping its contents; keeps the allocation and max. */
void postq_buf_reset(struct postq_buf *b);

/* Wipe and free the memory; the buffer is left empty (with the same max) and may be reused.
 * NULL is fine; calling it twice is fine. */
void postq_buf_free(struct postq_buf *b);

/* Hand the memory to the caller: returns p (NULL if nothing was ever allocated) and stores
 * len in *len (len may be NULL). The returned block holds len bytes then a 0; the caller
 * wipes it if it is secret and frees it with postq_free(). The buffer is left empty. */
uint8_t *postq_buf_detach(struct postq_buf *b, size_t *len);

/* A view of the current contents; valid until the buffer is next changed. */
static inline struct postq_bytes postq_buf_bytes(const struct postq_buf *b)
{
    struct postq_bytes v = {b->p, b->len};
    return v;
}

#endif
