/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 repair for text that quotes untrusted bytes (detail messages cut with "%.Ns", which
 * may split a character): whatever goes out as a JSON string or onto a terminal is valid
 * UTF-8 [RFC 3629 §3]. */
#ifndef POSTQ_COMMON_UTF8_H
#define POSTQ_COMMON_UTF8_H

#include <stddef.h>

/* Make the NUL-terminated s valid UTF-8 in place: each byte that does not begin a well-formed
 * sequence (overlong forms, surrogates, code points past U+10FFFF and sequences cut short
 * included) becomes '?'. Valid text is left as it is. Returns how many bytes were replaced.
 * s may be NULL. */
size_t postq_utf8_repair(char *s);

#endif
