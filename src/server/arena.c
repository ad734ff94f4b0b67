/* SPDX-License-Identifier: Apache-2.0 */
/* The per-request arena (after h2o's mem pool): bump allocation in blocks, released together
 * when the request completes, wiped first since request memory may hold payloads and keys. */
#include <string.h>

#include "common/mem.h"
#include "server/server.h"

#define BLOCK_MIN 4096
#define ALIGN 16

struct postq_arena_block {
    struct postq_arena_block *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
};

void postq_arena_init(struct postq_arena *a)
{
    a->head = NULL;
}

void *postq_arena_alloc(struct postq_arena *a, size_t n)
{
    struct postq_arena_block *b = a->head;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    void *p;

    if (need < n) {
        return NULL;
    }
    if (b == NULL || b->size - b->used < need) {
        size_t size = need > BLOCK_MIN ? need : BLOCK_MIN;
        if (size > SIZE_MAX - sizeof(*b)) {
            return NULL;
        }
        b = postq_malloc(sizeof(*b) + size);
        if (b == NULL) {
            return NULL;
        }
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    memset(p, 0, n);
    return p;
}

char *postq_arena_strndup(struct postq_arena *a, const char *s, size_t n)
{
    char *p = postq_arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void postq_arena_release(struct postq_arena *a)
{
    struct postq_arena_block *b = a->head, *next;
    while (b != NULL) {
        next = b->next;
        postq_wipe(b->data, b->used);
        postq_free(b);
        b = next;
    }
    a->head = NULL;
}
