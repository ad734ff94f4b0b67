/* SPDX-License-Identifier: Apache-2.0 */
/* postq_rand_bytes on getrandom(2) (Linux >= 3.17, glibc >= 2.25), with fault injection. */
#include "crypto/rand.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/random.h>

#include "common/mem.h"

/* The fault hook, as postq_alloc_fail_at's: every signing thread draws here. fail_at < 0
 * until the hook is first called: nothing is counted, so a draw costs one relaxed load and
 * writes no shared cache line; 0: count only; n > 0: the nth draw counted and all later ones
 * fail. Relaxed order is enough: the counter publishes no other memory. */
static _Atomic long fail_at = -1;
static _Atomic long count;

long postq_rand_fail_at(long nth)
{
    long made = atomic_exchange_explicit(&count, 0, memory_order_relaxed);
    atomic_store_explicit(&fail_at, nth > 0 ? nth : 0, memory_order_relaxed);
    return made;
}

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

postq_err postq_rand_bytes(uint8_t *out, size_t len)
{
    size_t got = 0;

    if (out == NULL && len != 0) {
        return POSTQ_E_ARG;
    }
    if (should_fail()) {
        postq_wipe(out, len);
        return POSTQ_E_RNG;
    }
    /* Flags 0: read the urandom pool, blocking only until it has been seeded once. Requests
     * above 256 bytes may return short (and any may be interrupted by a signal): loop. */
    while (got < len) {
        ssize_t n = getrandom(out + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            postq_wipe(out, len);
            return POSTQ_E_RNG;
        }
        if (n == 0) {
            /* Never happens for len > 0 per the man page; do not spin if it does. */
            postq_wipe(out, len);
            return POSTQ_E_RNG;
        }
        got += (size_t)n;
    }
    return POSTQ_OK;
}
