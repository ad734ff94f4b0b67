/* SPDX-License-Identifier: Apache-2.0 */
/* Resource ids: "<prefix>_" + 26 characters of Crockford base32 carrying a 48-bit millisecond
 * time and 80 bits that are random (or, within one millisecond, the previous id's plus one), so
 * ids sort lexicographically in creation order within a process — what cursor paging uses. */
#ifndef POSTQ_COMMON_ID_H
#define POSTQ_COMMON_ID_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#define POSTQ_ID_PREFIX_MAX 8  /* prefix characters, [a-z] only */
#define POSTQ_ID_BODY_CHARS 26 /* ceil(128 / 5) */
#define POSTQ_ID_MAX (POSTQ_ID_PREFIX_MAX + 1 + POSTQ_ID_BODY_CHARS + 1) /* NUL included */

/* Layout of the 26-character body (big-endian 130-bit number, the top 2 bits zero):
 *
 * | chars  | bits | content                                                      |
 * |--------|------|--------------------------------------------------------------|
 * | 0..9   | 48   | milliseconds since the Unix epoch (UTC), 2 leading zero bits |
 * | 10..25 | 80   | random; within one millisecond, the previous id's value + 1  |
 *
 * Alphabet "0123456789ABCDEFGHJKMNPQRSTVWXYZ" (Crockford: no I, L, O, U), upper case only. */

/* Write a fresh id, NUL-terminated, to out (out_cap >= strlen(prefix) + 28; POSTQ_ID_MAX always
 * suffices). prefix: 1..POSTQ_ID_PREFIX_MAX characters a-z ("sig", "key", ...).
 * Ids from one process are strictly increasing (a per-process lock orders them), also when the
 * clock steps back: the time part then stays at the latest value seen.
 * Returns POSTQ_OK; POSTQ_E_ARG for a bad prefix or NULL out; POSTQ_E_LENGTH for a short out
 * (out is then "" when out_cap > 0); POSTQ_E_RNG if the kernel refuses randomness.
 * Thread-safe. Ids are not secrets: the random part only keeps them unique across processes. */
POSTQ_MUST_CHECK postq_err postq_id_new(char *out, size_t cap, const char *prefix);

/* POSTQ_OK if s is exactly "<prefix>_" followed by 26 characters of the alphabet above whose
 * first is 0..7 (a body that fits 128 bits); POSTQ_E_MALFORMED otherwise (POSTQ_E_ARG for NULL
 * arguments). Use it on every id that comes from outside before looking it up. */
POSTQ_MUST_CHECK postq_err postq_id_check(const char *s, const char *prefix);

#endif
