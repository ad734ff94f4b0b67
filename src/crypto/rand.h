/* SPDX-License-Identifier: Apache-2.0 */
/* The system CSPRNG: getrandom(2), blocking until the kernel pool is initialised. Every byte of
 * randomness in libpostq (seeds, hedging rnd) comes through here, so tests can make it fail. */
#ifndef POSTQ_CRYPTO_RAND_H
#define POSTQ_CRYPTO_RAND_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* Fill out[0..len) with random bytes. Retries on EINTR and short reads. POSTQ_E_RNG when the
 * kernel refuses (out is then zeroed); POSTQ_E_ARG for out NULL with len > 0. Thread-safe.
 * CT: nothing branches on or indexes by the bytes produced; time depends on len only. */
POSTQ_MUST_CHECK postq_err postq_rand_bytes(uint8_t *out, size_t len);

/* Test hook, as postq_alloc_fail_at: make the nth call of postq_rand_bytes from now on
 * (1 = the next) and every later one fail with POSTQ_E_RNG; 0 (or less) turns failures off.
 * Returns how many calls were made since the last call of the hook; counting starts with the
 * first call (0 for that one). Thread-safe: calls on any thread are counted, each exactly
 * once, and the nth of them in the counter's order is the first to fail. */
long postq_rand_fail_at(long nth);

#endif
