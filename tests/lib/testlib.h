/* SPDX-License-Identifier: Apache-2.0 */
/* Shared test helpers: locate and load the vector files of ../shared (never skipped: a missing
 * file fails the test), hex and base64 decoding, and the ACVP prompt/expected join. */
#ifndef POSTQ_TESTLIB_H
#define POSTQ_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

/* $POSTQ_SHARED (set by scripts/run-tests.sh), else "../shared". */
const char *tl_shared_dir(void);
/* Load $POSTQ_SHARED/rel as JSON; fails the current test when missing or unparsable. */
json_t *tl_load_json(const char *rel);
/* The bytes of $POSTQ_SHARED/rel (not empty), NUL-terminated (not counted in *len); fails the
 * test when the file is missing. Free with free(). */
uint8_t *tl_read_shared(const char *rel, size_t *len);
/* As tl_read_shared, as text without its trailing line ends. Free with free(). */
char *tl_read_shared_text(const char *rel);
/* Decode hex (either case) into a fresh buffer; fails the test on bad hex. Free with free(). */
uint8_t *tl_hex(const char *hex, size_t *len);
/* Decode member name of obj as hex; fails the test when it is missing. */
uint8_t *tl_hex_member(const json_t *obj, const char *name, size_t *len);
/* Decode padded standard base64 [RFC 4648 §4] into a fresh buffer; fails the test on anything
 * else (other characters, bad padding, non-zero unused bits). Free with free(). */
uint8_t *tl_b64(const char *b64, size_t *len);
/* Decode member name of obj as base64; fails the test when it is missing. */
uint8_t *tl_b64_member(const json_t *obj, const char *name, size_t *len);

/* ACVP: tcId -> test object of expectedResults.json (tcIds are unique per file). */
struct tl_index {
    json_t **by_tcid;
    size_t n;
};
void tl_index_build(struct tl_index *ix, json_t *expected);
json_t *tl_index_get(const struct tl_index *ix, json_int_t tcid); /* fails the test if absent */
void tl_index_free(struct tl_index *ix);

/* Integer member, failing the test if missing or not an integer. */
json_int_t tl_int(const json_t *obj, const char *name);
/* String member, failing the test if missing or not a string. */
const char *tl_str(const json_t *obj, const char *name);

#endif
