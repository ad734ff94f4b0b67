/* SPDX-License-Identifier: Apache-2.0 */
/* postq_rand_bytes on getrandom(2) (Linux >= 3.17, glibc >= 2.25), with fault injection. */
#include "crypto/rand.h"

#include <errno.h>
#include <sys/random.h>

#include "common/mem.h"

/* Fault injection state; see postq_alloc_fail_at for the same pattern. Not thread-safe by
 * design: only single-threaded tests set it, and production never does. */
static long fail_at;
static long count;

long postq_rand_fail_at(long nth)
{
    long made = count;
    count = 0;
    fail_at = nth;
    return made;
}

postq_err postq_rand_bytes(uint8_t *out, size_t len)
{
    size_t got = 0;

    if (out == NULL && len != 0) {
        return POSTQ_E_ARG;
    }
    count++;
    if (fail_at > 0 && count >= fail_at) {
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
