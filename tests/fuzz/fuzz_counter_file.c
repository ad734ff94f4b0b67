/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the enclave's counter file (src/enclave/counter.c): one decimal number and
 * a newline. A mark that parses is at most 2^63 - 1 and is exactly the canonical text of its
 * value (no sign, no leading zero, nothing after the newline), so there is one way to read a
 * counter file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/enclave/counter.c"
#include "../../src/enclave/secret.c"
#include "../../src/enclave/state.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the last input parsed (the replay test knows which seeds must). */
static int fuzz_counter_file_last_ok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t v = 0;
    char canon[32];
    int n;

    fuzz_counter_file_last_ok = 0;
    if (parse_mark(data, size, &v) != POSTQ_OK) {
        return 0;
    }
    fuzz_counter_file_last_ok = 1;
    n = snprintf(canon, sizeof(canon), "%llu\n", (unsigned long long)v);
    if (v > (uint64_t)INT64_MAX || n < 0 || (size_t)n != size || memcmp(canon, data, size) != 0) {
        abort();
    }
    return 0;
}
