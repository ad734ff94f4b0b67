/* SPDX-License-Identifier: Apache-2.0 */
/* Which code path the crypto core takes: the AVX2 one when the CPU and the operating system
 * support AVX2 (checked once, with cpuid and xgetbv), unless POSTQ_DISABLE_AVX2=1 is set in the
 * environment, which forces the portable path. Both paths give byte-identical results. */
#ifndef POSTQ_COMMON_CPU_H
#define POSTQ_COMMON_CPU_H

#include <stdatomic.h>

/* internal: 0 until decided, then 1 (portable) or 2 (AVX2); and the deciding call. */
extern atomic_int postq_cpu_path;
int postq_cpu_decide(void);

/* 1 when the AVX2 paths are to be used, else 0. The first call decides (reading cpuid and
 * POSTQ_DISABLE_AVX2); later calls return the same answer. Safe from any thread. Inline: the
 * polynomial layer asks once per operation. */
static inline int postq_cpu_avx2(void)
{
    int s = atomic_load_explicit(&postq_cpu_path, memory_order_relaxed);

    return (s != 0 ? s : postq_cpu_decide()) == 2;
}

/* 1 when the CPU could run the AVX2 paths (whatever POSTQ_DISABLE_AVX2 says), else 0. */
int postq_cpu_avx2_supported(void);

/* Tests and benches only: force the portable path (on = 0) or the AVX2 path where supported
 * (on = 1) from now on, so one process can compare both. Not for use while other threads are
 * signing. Returns the path now in force. */
int postq_cpu_set_avx2(int on);

#endif
