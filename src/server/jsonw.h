/* SPDX-License-Identifier: Apache-2.0 */
/* A streaming JSON text writer into a postq_buf, for the replies on the sign path: the sign
 * result carries ~7 KB of base64 (signature, document), and building it as a jansson tree and
 * dumping it cost ~0.9 M instructions per sign (jansson checks and escapes string bytes one at
 * a time, and a dump into a sized buffer runs twice); this writer appends runs of plain bytes
 * with one copy. Output is compact RFC 8259 text, byte for byte what jansson's JSON_COMPACT
 * dump gives for the same values in the same order (tests/unit/server/jsonw_test.c).
 *
 * The first failure sticks (w->err) and later calls do nothing, so a reply is built with no
 * checks in between and checked once at the end. Strings must be valid UTF-8
 * (POSTQ_E_INVALID otherwise, as jansson refuses them); nesting is at most JSONW_DEPTH. */
#ifndef POSTQ_SERVER_JSONW_H
#define POSTQ_SERVER_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define JSONW_DEPTH 8

struct postq_jsonw {
    struct postq_buf *b;
    postq_err err;
    unsigned depth;
    unsigned char count[JSONW_DEPTH]; /* values so far at each level (saturating; 0 or more) */
};

void postq_jsonw_init(struct postq_jsonw *w, struct postq_buf *b);

void postq_jsonw_obj_begin(struct postq_jsonw *w);
void postq_jsonw_obj_end(struct postq_jsonw *w);
void postq_jsonw_arr_begin(struct postq_jsonw *w);
void postq_jsonw_arr_end(struct postq_jsonw *w);

/* A member name inside an object; the next call writes its value. */
void postq_jsonw_key(struct postq_jsonw *w, const char *k);

void postq_jsonw_str(struct postq_jsonw *w, const char *s);
void postq_jsonw_strn(struct postq_jsonw *w, const char *s, size_t n);
void postq_jsonw_int(struct postq_jsonw *w, int64_t v);
void postq_jsonw_null(struct postq_jsonw *w);
/* Bytes as standard padded base64 / lowercase hex strings. */
void postq_jsonw_b64(struct postq_jsonw *w, const uint8_t *p, size_t n);
void postq_jsonw_hex(struct postq_jsonw *w, const uint8_t *p, size_t n);

/* POSTQ_OK when everything was written and every container closed. */
postq_err postq_jsonw_finish(struct postq_jsonw *w);

#endif
