/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the strict CBOR decoder (src/attest/cbor.c). A decoded tree must be
 * consistent: subtree sizes nest, every item lies inside the input, the whole input is used
 * (build as fuzz_jws.c says). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct postq_cbor doc;
    char detail[128];

    if (postq_cbor_decode(&doc, data, size, detail, sizeof(detail)) != POSTQ_OK) {
        if (detail[0] == '\0' || doc.nodes != NULL || doc.heap != NULL) {
            abort(); /* every refusal names its reason and owns nothing */
        }
        return 0;
    }
    if (doc.n == 0 || doc.nodes[0].size != doc.n || doc.nodes[0].off != 0 ||
        doc.nodes[0].end != size) {
        abort();
    }
    for (size_t i = 0; i < doc.n; i++) {
        const struct postq_cbor_node *n = &doc.nodes[i];
        if (n->size == 0 || i + n->size > doc.n || n->end > size || n->off >= n->end) {
            abort();
        }
        if ((n->type == POSTQ_CBOR_BYTES || n->type == POSTQ_CBOR_TEXT) && n->len > 0 &&
            n->p == NULL) {
            abort();
        }
        if (n->type == POSTQ_CBOR_MAP && postq_cbor_child(&doc, i, (size_t)(2 * n->val)) != 0) {
            abort();
        }
    }
    postq_cbor_free(&doc);
    return 0;
}
