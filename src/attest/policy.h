/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation policies [docs/formats.md]: parse and validate the policy JSON, and the pure
 * decisions made from it. Also the one list of vendor names every module uses.
 *
 * | member                          | rule                                                     |
 * |---------------------------------|----------------------------------------------------------|
 * | vendor                          | required; one of the four names below                    |
 * | matchRules                      | required object                                          |
 * |   mock: allowedImageHashes      | required, 1..POSTQ_POLICY_IMAGES_MAX lowercase 64-hex    |
 * |   mock: rootPublicKeyB64        | required, standard padded base64 of exactly 32 bytes     |
 * |   maxDocAgeSeconds (any vendor) | optional positive integer <= POSTQ_POLICY_MAX_AGE_MAX    |
 * |   hardware vendors              | kept as compact JSON; checked by the vendor's check_rules |
 * | enforce                         | optional boolean, default true                           |
 * | id, name, createdAt             | optional strings                                         |
 *
 * Unknown members are ignored; duplicate members (at any depth) are rejected. Errors name the
 * offending field, e.g. "matchRules.rootPublicKeyB64: not 32 bytes".
 *
 * The parsed form, struct postq_attest_policy, is an attest type (attest/verifier.h): policy
 * depends on attest, never the reverse. This module also holds the public entry points
 * postq_attest_verify / postq_attest_verify_ex (verify.c), which parse the policy JSON and
 * hand it to attest's checks. */
#ifndef POSTQ_ATTEST_POLICY_H
#define POSTQ_ATTEST_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "attest/verifier.h"

#define POSTQ_POLICY_JSON_MAX 65536

/* Parse and validate json[0..len) (no NUL needed) into *p (which the caller provides; it is
 * initialised here). On success free it with postq_policy_free.
 *   detail  receives "<field>: <problem>" on failure, "" on success; may be NULL when cap is 0.
 * POSTQ_OK; POSTQ_E_MALFORMED for invalid JSON or a rule broken; POSTQ_E_TOO_LARGE over
 * POSTQ_POLICY_JSON_MAX; POSTQ_E_NOMEM; POSTQ_E_ARG for NULL. On failure *p owns nothing. */
POSTQ_MUST_CHECK postq_err postq_policy_parse(struct postq_attest_policy *p, const char *json, size_t len,
                                              char *detail, size_t cap);

/* Release what p owns and wipe it. NULL is fine; twice is fine. */
void postq_policy_free(struct postq_attest_policy *p);

#endif
