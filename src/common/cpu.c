/* SPDX-License-Identifier: Apache-2.0 */
/* CPU feature check for the AVX2 dispatch (src/common/cpu.h). */
#include "common/cpu.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define POSTQ_X86_64 1
#endif

/* 0: not decided yet; 1: portable; 2: AVX2. Relaxed atomics: every thread that decides
 * computes the same answer, so a race between two first calls is harmless. */
atomic_int postq_cpu_path;

int postq_cpu_avx2_supported(void)
{
#ifdef POSTQ_X86_64
    unsigned a, b, c, d;
    unsigned xcr0_lo, xcr0_hi;

    /* AVX2 needs CPUID.7.0:EBX bit 5 and BMI2 (bit 8), and the OS must save the YMM state:
     * CPUID.1:ECX OSXSAVE (bit 27) and AVX (bit 28), then XCR0 bits 1 (SSE) and 2 (AVX). */
    if (!__get_cpuid(1, &a, &b, &c, &d) || (c & (1u << 27)) == 0 || (c & (1u << 28)) == 0) {
        return 0;
    }
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    (void)xcr0_hi;
    if ((xcr0_lo & 6u) != 6u) {
        return 0;
    }
    if (__get_cpuid_max(0, NULL) < 7) {
        return 0;
    }
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0 && (b & (1u << 8)) != 0;
#else
    return 0;
#endif
}

static int decide(void)
{
    const char *off = getenv("POSTQ_DISABLE_AVX2");

    if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0) {
        return 1;
    }
    return postq_cpu_avx2_supported() ? 2 : 1;
}

int postq_cpu_decide(void)
{
    int s = decide();

    atomic_store_explicit(&postq_cpu_path, s, memory_order_relaxed);
    return s;
}

int postq_cpu_set_avx2(int on)
{
    int s = (on && postq_cpu_avx2_supported()) ? 2 : 1;

    atomic_store_explicit(&postq_cpu_path, s, memory_order_relaxed);
    return s == 2;
}
