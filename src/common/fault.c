/* SPDX-License-Identifier: Apache-2.0 */
/* The thread-safe fault hook (fault.h). */
#include "common/fault.h"

long postq_fault_arm(struct postq_fault *f, long nth)
{
    long made = atomic_exchange_explicit(&f->count, 0, memory_order_relaxed);
    atomic_store_explicit(&f->fail_at, nth > 0 ? nth : 0, memory_order_relaxed);
    return made;
}

int postq_fault_hit(struct postq_fault *f)
{
    long at = atomic_load_explicit(&f->fail_at, memory_order_relaxed);
    long n;

    if (at < 0) {
        return 0;
    }
    n = atomic_fetch_add_explicit(&f->count, 1, memory_order_relaxed) + 1;
    return at > 0 && n >= at;
}
