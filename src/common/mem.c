/* SPDX-License-Identifier: Apache-2.0 */
/* postq_wipe and the fault-injecting allocator. */
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/cpu.h"
#include "common/fault.h"

void postq_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0) {
        return;
    }
#if defined(__x86_64__)
    /* Signing wipes tens of KiB of workspace per signature: with AVX2, 32-byte stores. */
    if (n >= 512 && postq_cpu_avx2()) {
        postq_wipe_avx2(p, n);
        return;
    }
#endif
    explicit_bzero(p, n);
}

/* Every thread allocates (the servers on all of theirs): the hook is thread-safe. */
static struct postq_fault hook = POSTQ_FAULT_INIT;

static int should_fail(void)
{
    return postq_fault_hit(&hook);
}

long postq_alloc_fail_at(long nth)
{
    return postq_fault_arm(&hook, nth);
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

void postq_free(void *p)
{
    free(p);
}

postq_err postq_secure_alloc(size_t n, void **out, int *locked)
{
    void *p;

    *out = NULL;
    *locked = 0;
    p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return POSTQ_E_NOMEM;
    }
    (void)madvise(p, n, MADV_DONTDUMP);
    (void)madvise(p, n, MADV_WIPEONFORK);
    *locked = mlock(p, n) == 0;
    *out = p;
    return POSTQ_OK;
}

void postq_secure_free(void *p, size_t n)
{
    if (p == NULL) {
        return;
    }
    postq_wipe(p, n);
    (void)munlock(p, n);
    (void)munmap(p, n);
}
