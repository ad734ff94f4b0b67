/* SPDX-License-Identifier: Apache-2.0 */
/* Composite public keys as SubjectPublicKeyInfo [RFC 5280 §4.1.2.7], DER and PEM "PUBLIC KEY"
 * [RFC 7468 §13]: the algorithm is the composite OID of draft-ietf-lamps-pq-composite-sigs-19
 * with parameters absent, and the BIT STRING holds mldsaPk || edPk (docs/cli.md). */
#ifndef POSTQ_CRYPTO_SPKI_H
#define POSTQ_CRYPTO_SPKI_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

/* Largest DER and PEM this module produces or accepts (the ML-DSA-87 + Ed448 key). */
#define POSTQ_SPKI_DER_MAX 2700
#define POSTQ_SPKI_PEM_MAX 3800

/* DER of alg's key pk (pk_len must be the composite public key size).
 * out holds out_cap bytes; POSTQ_E_LENGTH if too small, POSTQ_E_UNSUPPORTED for an unknown alg. */
POSTQ_MUST_CHECK postq_err postq_spki_encode_der(uint8_t *out, size_t out_cap, size_t *out_len,
                                                 const char *alg, const uint8_t *pk,
                                                 size_t pk_len);

/* Strict DER decoding: minimal lengths, a known composite OID, parameters absent, no unused
 * bits, a key of exactly the algorithm's size, nothing trailing. On success *alg is the API
 * name (static storage) and pk points into der. POSTQ_E_MALFORMED otherwise;
 * POSTQ_E_UNSUPPORTED for a composite-shaped SPKI with another OID (or with parameters); other
 * algorithms' keys, which are shorter, are POSTQ_E_MALFORMED. */
POSTQ_MUST_CHECK postq_err postq_spki_decode_der(const char **alg, const uint8_t **pk,
                                                 size_t *pk_len, const uint8_t *der,
                                                 size_t der_len);

/* PEM: "-----BEGIN PUBLIC KEY-----", base64 lines of 64 characters, "-----END PUBLIC KEY-----",
 * each line ending in "\n"; NUL-terminated. */
POSTQ_MUST_CHECK postq_err postq_spki_encode_pem(char *out, size_t out_cap, size_t *out_len,
                                                 const char *alg, const uint8_t *pk,
                                                 size_t pk_len);

/* Decode a PEM public key: white space may surround the block, lines may end in "\n" or
 * "\r\n" and be of any length; the base64 itself is strict (canonical, padded). The key is
 * copied to pk (pk_cap bytes; POSTQ_HYBRID_PK_MAX suffices). Errors as postq_spki_decode_der,
 * POSTQ_E_MALFORMED for a missing or wrong armour, and POSTQ_E_TOO_LARGE for a body longer than
 * any composite key's. */
POSTQ_MUST_CHECK postq_err postq_spki_decode_pem(const char **alg, uint8_t *pk, size_t pk_cap,
                                                 size_t *pk_len, const char *pem, size_t pem_len);

#endif
