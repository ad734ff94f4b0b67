/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 repair for text that quotes untrusted bytes (detail messages cut with "%.Ns", which
 * may split a character): whatever goes out as a JSON string or onto a terminal is valid
 * UTF-8 [RFC 3629 §3]. */
#ifndef POSTQ_COMMON_UTF8_H
#define POSTQ_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Make the NUL-terminated s valid UTF-8 in place: each byte that does not begin a well-formed
 * sequence (overlong forms, surrogates, code points past U+10FFFF and sequences cut short
 * included) becomes '?'. Valid text is left as it is. Returns how many bytes were replaced.
 * s may be NULL. */
size_t postq_utf8_repair(char *s);

/* Whether code point cp must never reach a terminal as it is: the C0 controls, DEL, the C1
 * controls, the line and paragraph separators and the bidirectional embeddings, overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069), which reorder what a reader sees. */
int postq_text_unsafe(uint32_t cp);

/* Why a name (of a policy, key, API key or organisation) is refused. */
enum postq_name_verdict {
    POSTQ_NAME_OK = 0,
    POSTQ_NAME_EMPTY,
    POSTQ_NAME_TOO_LONG,  /* more than max_chars characters */
    POSTQ_NAME_BAD_UTF8,  /* not well-formed UTF-8 (a NUL byte included) */
    POSTQ_NAME_CONTROL    /* a character postq_text_unsafe refuses */
};

/* Check s[0..len) as a name: well-formed UTF-8 of 1..max_chars characters (code points, as
 * the OpenAPI description's maxLength counts them), none of them unsafe. */
enum postq_name_verdict postq_name_check(const char *s, size_t len, size_t max_chars);

/* A short English reason for a verdict ("contains a control character", ...). */
const char *postq_name_verdict_text(enum postq_name_verdict v);

/* Copy s into out[0..cap) so that it is safe to show on a terminal: each unsafe character
 * becomes \uXXXX, each byte that is not well-formed UTF-8 \xHH, and a backslash \\, so
 * the escaped text reads back unambiguously. Cut at a character boundary when out is too
 * small (cap >= 1; out is always NUL-terminated). Returns out. */
char *postq_text_escape(char *out, size_t cap, const char *s);

#endif
