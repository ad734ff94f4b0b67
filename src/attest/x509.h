/* SPDX-License-Identifier: Apache-2.0 */
/* X.509 and public-key signatures for the hardware vendors' verifiers (OpenSSL, the one file
 * besides the vendor files allowed to use it): certificate chains checked at given times
 * [RFC 5280 §6], ES384 [RFC 9053 §2.1, raw r||s], RS256 [RFC 7518 §3.3] under a certificate
 * or a JWK's modulus and exponent [RFC 7518 §6.3.1]. Every input is public. Thread-safe. */
#ifndef POSTQ_ATTEST_X509_H
#define POSTQ_ATTEST_X509_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "common/buf.h"

#define POSTQ_X509_CHAIN_MAX 8

enum postq_x509_alg {
    POSTQ_X509_ES384 = 1, /* ECDSA P-384, SHA-384; signature r||s, 48 bytes each */
    POSTQ_X509_RS256      /* RSASSA-PKCS1-v1_5, SHA-256; RSA keys of 2048 bits or more */
};

/* Verify the chain certs[0..n) of DER certificates, certs[0] the leaf and certs[n-1] the trust
 * anchor (the caller has pinned it), at each of the times at_s[0..n_at) (Unix seconds): every
 * signature, validity window, CA flag and path length. 2 <= n <= POSTQ_X509_CHAIN_MAX.
 * POSTQ_OK; POSTQ_E_INVALID when a certificate does not parse or the chain does not verify
 * (detail says which and why); POSTQ_E_ARG; POSTQ_E_NOMEM / POSTQ_E_CRYPTO. */
POSTQ_MUST_CHECK postq_err postq_x509_chain_verify(const struct postq_bytes *certs, size_t n,
                                                   const int64_t *at_s, size_t n_at,
                                                   char *detail, size_t cap);

/* Verify sig over msg with the public key of the DER certificate cert, under alg (the key must
 * be of alg's type: P-384 for ES384, RSA >= 2048 bits for RS256). High-S ECDSA signatures are
 * valid (as in FIPS 186). POSTQ_OK; POSTQ_E_INVALID (bad signature, or a key of the wrong type:
 * detail); POSTQ_E_ARG; POSTQ_E_NOMEM / POSTQ_E_CRYPTO. */
POSTQ_MUST_CHECK postq_err postq_x509_verify(struct postq_bytes cert, enum postq_x509_alg alg,
                                             struct postq_bytes msg, struct postq_bytes sig,
                                             char *detail, size_t cap);

/* Whether the DER certificate cert is inside its validity window at at_s (Unix seconds).
 * POSTQ_OK; POSTQ_E_INVALID (not yet valid, expired, or not DER: detail); POSTQ_E_ARG. */
POSTQ_MUST_CHECK postq_err postq_x509_valid_at(struct postq_bytes cert, int64_t at_s,
                                               char *detail, size_t cap);

/* RS256 under the RSA key (n, e) of a JWK (big-endian unsigned). Errors as postq_x509_verify;
 * POSTQ_E_INVALID also for a modulus under 2048 bits or an even or tiny exponent. */
POSTQ_MUST_CHECK postq_err postq_x509_rs256_verify_jwk(struct postq_bytes n, struct postq_bytes e,
                                                       struct postq_bytes msg,
                                                       struct postq_bytes sig, char *detail,
                                                       size_t cap);

#endif
