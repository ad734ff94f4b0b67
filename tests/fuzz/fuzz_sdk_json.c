/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the C SDK's reading of what a server sends (src/sdk/client.c):
 * postq_signature_info_parse on a sign result, and postq_json_string on the paths the CLI and
 * the SDK read (error.code, error.message, id, nextCursor, attestation.vendor). A parsed result
 * holds NUL-terminated strings and a signature of its algorithm's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <postq/client.h>
#include <postq/hybrid.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the last input parsed as a sign result (the replay test checks its seeds). */
static int fuzz_sdk_json_last_ok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"error.code", "error.message", "id", "nextCursor",
                                        "attestation.vendor"};
    static struct postq_signature_info info;
    char *text = malloc(size + 1);
    char out[256];
    size_t sig_len = 0;

    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    fuzz_sdk_json_last_ok = postq_signature_info_parse(&info, text) == POSTQ_OK;
    if (fuzz_sdk_json_last_ok) {
        if (memchr(info.id, 0, sizeof(info.id)) == NULL ||
            memchr(info.algorithm, 0, sizeof(info.algorithm)) == NULL ||
            postq_hybrid_sizes(info.algorithm, NULL, NULL, &sig_len) != POSTQ_OK ||
            info.signature_len != sig_len) {
            abort();
        }
    }
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (postq_json_string(text, paths[i], out, sizeof(out)) == POSTQ_OK &&
            memchr(out, 0, sizeof(out)) == NULL) {
            abort();
        }
    }
    free(text);
    return 0;
}
