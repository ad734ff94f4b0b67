/* SPDX-License-Identifier: Apache-2.0 */
/* A transparency-log checkpoint signer for tests that drive the store or postq-api's handlers
 * in-process, without a postq-enclave: the store's signer hook (store.h,
 * postq_store_set_log_signer) signing with fixed test keys named "test-log", building the note
 * as postq-enclave does (src/enclave/log.c). Thread-safe. No cmocka: fuzz targets link it too. */
#ifndef POSTQ_TESTS_LOGSIGNER_H
#define POSTQ_TESTS_LOGSIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#define TL_LOG_NAME "test-log"

postq_err tl_log_signer(void *ctx, const char *org_id, int64_t size, const uint8_t root[32],
                        char *note, size_t cap, size_t *len);
/* The test keys' verifier key texts (static storage). */
const char *tl_log_vkey(void);
const char *tl_log_composite_vkey(void);
/* How many notes tl_log_signer has signed (all threads). */
long tl_log_signed(void);

#endif
