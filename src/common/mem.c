/* SPDX-License-Identifier: Apache-2.0 */
/* postq_wipe and the fault-injecting allocator. */
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

#include "common/fault.h"

void postq_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        explicit_bzero(p, n);
    }
}

/* Every thread allocates (the servers on all of theirs): the hook is thread-safe. */
static struct postq_fault hook = POSTQ_FAULT_INIT;

static int should_fail(void) { return postq_fault_hit(&hook); }

long postq_alloc_fail_at(long nth) { return postq_fault_arm(&hook, nth); }

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
