/* SPDX-License-Identifier: Apache-2.0 */
/* A fault hook that tests arm to make the Nth call of something fail (SQLite's test_malloc,
 * curl's torture mode), safe on every thread: the allocator and the RNG use one each. */
#ifndef POSTQ_COMMON_FAULT_H
#define POSTQ_COMMON_FAULT_H

#include <stdatomic.h>

/* fail_at < 0 until the hook is first armed: nothing is counted, so a call costs one relaxed
 * load and writes no shared cache line (production never arms it); 0: count only; n > 0: the
 * nth call counted and every later one fail. Relaxed order is enough: the counter publishes no
 * other memory, and a test that reads it has already synchronised with the threads it counts
 * (join, mutex). Define one with POSTQ_FAULT_INIT. */
struct postq_fault {
    _Atomic long fail_at;
    _Atomic long count;
};
#define POSTQ_FAULT_INIT {-1, 0}

/* Arm (nth > 0), or count only (nth <= 0); returns the calls counted since the last arming. */
long postq_fault_arm(struct postq_fault *f, long nth);

/* Count one call; 1 when it must fail. */
int postq_fault_hit(struct postq_fault *f);

#endif
