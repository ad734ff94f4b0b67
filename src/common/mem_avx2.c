/* SPDX-License-Identifier: Apache-2.0 */
/* postq_wipe's path for large buffers on CPUs with AVX2 (common/mem.c decides). */
#include "common/mem.h"

#if defined(__x86_64__) && defined(__AVX2__)

#include <immintrin.h>
#include <string.h>

/* 32 bytes per store, then the tail; the empty asm that reads p with a memory clobber keeps the
 * compiler from removing stores to memory that is about to die (what explicit_bzero promises). */
void postq_wipe_avx2(void *p, size_t n)
{
    unsigned char *b = p;
    const __m256i z = _mm256_setzero_si256();
    size_t i = 0;

    for (; i + 128 <= n; i += 128) {
        _mm256_storeu_si256((__m256i *)(b + i), z);
        _mm256_storeu_si256((__m256i *)(b + i + 32), z);
        _mm256_storeu_si256((__m256i *)(b + i + 64), z);
        _mm256_storeu_si256((__m256i *)(b + i + 96), z);
    }
    for (; i + 32 <= n; i += 32) {
        _mm256_storeu_si256((__m256i *)(b + i), z);
    }
    if (i < n) {
        memset(b + i, 0, n - i);
    }
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

#endif
