/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the mock claims decoder (src/attest/doc.c). Whatever decodes must encode
 * and decode back to the same claims (build as fuzz_jws.c says). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/doc.h"
#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct postq_doc_claims a, b;
    struct postq_buf out;
    char detail[128];

    if (postq_doc_claims_decode(&a, data, size, detail, sizeof(detail)) != POSTQ_OK) {
        return 0;
    }
    postq_buf_init(&out, 65536);
    if (postq_doc_claims_encode(&out, &a) != POSTQ_OK ||
        postq_doc_claims_decode(&b, out.p, out.len, detail, sizeof(detail)) != POSTQ_OK ||
        memcmp(&a, &b, sizeof(a)) != 0) {
        abort();
    }
    postq_buf_free(&out);
    return 0;
}
