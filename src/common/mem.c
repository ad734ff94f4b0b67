/* SPDX-License-Identifier: Apache-2.0 */
/* postq_wipe and the fault-injecting allocator. */
#include "common/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void postq_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        explicit_bzero(p, n);
    }
}

/* The fault hook, shared by every thread (servers allocate on all of theirs). fail_at < 0
 * until the hook is first called: nothing is counted, so an allocation costs one relaxed load
 * and writes no shared cache line; 0: count only; n > 0: the nth allocation counted and all
 * later ones fail. Relaxed order is enough: the counter publishes no other memory, and a test
 * that reads it has already synchronised with the threads it counts (join, mutex). */
static _Atomic long fail_at = -1;
static _Atomic long count;

static int should_fail(void)
{
    long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    long n;

    if (at < 0) {
        return 0;
    }
    n = atomic_fetch_add_explicit(&count, 1, memory_order_relaxed) + 1;
    return at > 0 && n >= at;
}

long postq_alloc_fail_at(long nth)
{
    long made = atomic_exchange_explicit(&count, 0, memory_order_relaxed);
    atomic_store_explicit(&fail_at, nth > 0 ? nth : 0, memory_order_relaxed);
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
