/* SPDX-License-Identifier: Apache-2.0 */
/* postq_wipe and the fault-injecting allocator. */
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

void postq_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        explicit_bzero(p, n);
    }
}

/* Not thread-safe by design: fault injection is for single-threaded tests only. */
static long fail_at;
static long count;

static int should_fail(void)
{
    count++;
    return fail_at > 0 && count >= fail_at;
}

long postq_alloc_fail_at(long nth)
{
    long made = count;
    count = 0;
    fail_at = nth;
    return made;
}

void *postq_malloc(size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return malloc(n == 0 ? 1 : n);
}

void *postq_calloc(size_t nmemb, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);
}

void *postq_realloc(void *p, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return realloc(p, n == 0 ? 1 : n);
}

void postq_free(void *p) { free(p); }
