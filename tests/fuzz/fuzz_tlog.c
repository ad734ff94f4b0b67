/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the transparency log's parsers (src/attest/tlog.c). The first byte picks
 * one: 0 a verifier key (one that parses formats back to the same text), 1 a checkpoint body
 * (one that parses begins with the body its fields make), 2 a signed note under the test log's
 * keys (tests/lib/logsigner.c; what opens ends its text with a newline before the signatures),
 * 3 a whole checkpoint note as postq verify --log-key reads it. No input crashes, hangs or
 * leaks, and every refusal says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/tlog.h"

#include "../lib/logsigner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_tlog_keys(struct postq_tlog_vkey keys[2])
{
    static struct postq_tlog_vkey k[2];
    static int ready;
    if (!ready) {
        if (postq_tlog_vkey_parse(&k[0], tl_log_vkey(), strlen(tl_log_vkey())) != POSTQ_OK ||
            postq_tlog_vkey_parse(&k[1], tl_log_composite_vkey(),
                                  strlen(tl_log_composite_vkey())) != POSTQ_OK) {
            abort();
        }
        ready = 1;
    }
    memcpy(keys, k, sizeof(k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct postq_tlog_vkey k, keys[2];
    static char out[POSTQ_TLOG_NOTE_MAX + 1];
    struct postq_tlog_checkpoint cp, cp2;
    const char *text = (const char *)data + 1;
    size_t n = size > 0 ? size - 1 : 0, len = 0;
    char detail[200];
    postq_err err;

    if (size == 0) {
        return 0;
    }
    detail[0] = '\0';
    switch (data[0] % 4) {
    case 0:
        if (postq_tlog_vkey_parse(&k, text, n) == POSTQ_OK &&
            (postq_tlog_vkey_format(&k, out, sizeof(out), &len) != POSTQ_OK || len != n ||
             memcmp(out, text, n) != 0)) {
            abort(); /* a key that parses is exactly its own text */
        }
        break;
    case 1:
        err = postq_tlog_checkpoint_parse(&cp, text, n, detail, sizeof(detail));
        if (err != POSTQ_OK) {
            if (detail[0] == '\0') {
                abort();
            }
            break;
        }
        /* The parser reads other logs' origins too; the producer keeps to tlog-checkpoint's
         * SHOULD (no "+", no space): only an origin it accepts must give the same text. */
        err = postq_tlog_checkpoint_body(out, sizeof(out), &len, cp.origin, cp.size, cp.root);
        if (err != POSTQ_OK) {
            /* Refused only for a "+", a space or a character outside printable ASCII. */
            int plain = 1;
            for (const char *o = cp.origin; *o != '\0'; o++) {
                plain &= *o > 0x20 && *o < 0x7f && *o != '+';
            }
            if (plain) {
                abort();
            }
            break;
        }
        if (len > n || memcmp(out, text, len) != 0 ||
            postq_tlog_checkpoint_parse(&cp2, out, len, NULL, 0) != POSTQ_OK ||
            memcmp(&cp, &cp2, sizeof(cp)) != 0) {
            abort();
        }
        break;
    case 2:
        fuzz_tlog_keys(keys);
        err = postq_tlog_note_open(text, n, keys, 1 + (n & 1), &len, detail, sizeof(detail));
        if (err == POSTQ_OK ? len == 0 || len >= n || text[len - 1] != '\n' : detail[0] == '\0') {
            abort();
        }
        break;
    default:
        fuzz_tlog_keys(keys);
        err = postq_tlog_note_verify(text, n, keys, 2, &cp, detail, sizeof(detail));
        if (err == POSTQ_OK && postq_tlog_origin_check(cp.origin, keys[0].name) == POSTQ_E_ARG) {
            abort();
        }
        if (err != POSTQ_OK && detail[0] == '\0') {
            abort();
        }
        break;
    }
    return 0;
}
