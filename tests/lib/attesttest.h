/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the vendor verifiers: run a raw document through postq_attest_verify_ex,
 * expect a verdict, and edit one part of a compact JWT to make a negative twin. */
#ifndef POSTQ_TESTS_ATTESTTEST_H
#define POSTQ_TESTS_ATTESTTEST_H

#include <stddef.h>
#include <stdint.h>

#include <postq/attest.h>

/* The report of the raw document doc[0..len) under policy pol at now (ms); fails the test when
 * no verdict could be computed. The report is static: valid until the next call. */
const struct postq_attest_report *at_run(const uint8_t *doc, size_t len, const char *pol,
                                         int64_t now);
/* Fail unless r passed (reason NULL) or failed with exactly reason. */
void at_expect(const struct postq_attest_report *r, const char *reason);
/* at_expect(at_run(tok as text)). */
void at_expect_doc(const char *tok, const char *pol, int64_t now, const char *reason);
/* token with its part k (0 header, 1 claims, 2 signature) decoded, passed through f, and
 * re-encoded. Free with free(). */
char *at_jwt_edit(const char *token, int k, void (*f)(uint8_t *p, size_t *n));
/* Replace the first `from` in p[0..*n) with `to` (the buffer has room); fails if absent. */
void at_replace(uint8_t *p, size_t *n, const char *from, const char *to);

#endif
