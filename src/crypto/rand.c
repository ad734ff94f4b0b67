/* SPDX-License-Identifier: Apache-2.0 */
/* postq_rand_bytes on getrandom(2) (Linux >= 3.17, glibc >= 2.25), with fault injection. */
#include "crypto/rand.h"

#include <errno.h>
#include <sys/random.h>

#include "common/fault.h"
#include "common/mem.h"

/* Every signing thread draws here: the hook is thread-safe (common/fault.h). */
static struct postq_fault hook = POSTQ_FAULT_INIT;

long postq_rand_fail_at(long nth) { return postq_fault_arm(&hook, nth); }

postq_err postq_rand_bytes(uint8_t *out, size_t len)
{
    size_t got = 0;

    if (out == NULL && len != 0) {
        return POSTQ_E_ARG;
    }
    if (postq_fault_hit(&hook)) {
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
