/* SPDX-License-Identifier: Apache-2.0 */
/* Memory: wiping secrets, and the one allocator every module uses (so tests can make the Nth
 * allocation fail, as SQLite's test_malloc does). */
#ifndef POSTQ_COMMON_MEM_H
#define POSTQ_COMMON_MEM_H

#include <stddef.h>

#include <postq/err.h>

/* Overwrite n bytes with zeros in a way the compiler may not elide. NULL/0 is fine. */
void postq_wipe(void *p, size_t n);

/* internal: postq_wipe with AVX2 stores (mem_avx2.c); only when postq_cpu_avx2() is true. */
void postq_wipe_avx2(void *p, size_t n);

/* malloc/calloc/free with fault injection. postq_free(NULL) is fine. */
void *postq_malloc(size_t n);
void *postq_calloc(size_t count, size_t size);
void *postq_realloc(void *p, size_t n);
void postq_free(void *p);

/* Test hook: make the nth allocation from now on (1 = the next) and every later one fail;
 * 0 (or less) turns failures off. Returns how many allocations were made since the last call;
 * counting starts with the first call (0 for that one), so a process that never calls the hook
 * pays one relaxed atomic load per allocation. Thread-safe: allocations on any thread are
 * counted, each exactly once, and the nth of them in the counter's order is the first to fail. */
long postq_alloc_fail_at(long nth);

/* Memory for secrets: page-aligned, locked (mlock), left out of core dumps (MADV_DONTDUMP)
 * and not inherited by a fork (MADV_WIPEONFORK). *locked tells whether mlock succeeded (it can
 * fail under RLIMIT_MEMLOCK; the caller warns). POSTQ_E_NOMEM. Free with postq_secure_free,
 * which wipes. */
POSTQ_MUST_CHECK postq_err postq_secure_alloc(size_t n, void **out, int *locked);
void postq_secure_free(void *p, size_t n); /* NULL is fine */

#endif
