/* SPDX-License-Identifier: Apache-2.0 */
/* The composite construction written out from the spec's text for the tests
 * [draft-ietf-lamps-pq-composite-sigs-19 §4.2]: Prefix and Labels as bytes, PH, M' and the EdDSA
 * half with OpenSSL and libsodium called directly, never through src/crypto, so that it is a
 * reference independent of composite.c. lamps_composite_test.c checks it against the LAMPS
 * working group's published vectors. Failures fail the current cmocka test. */
#ifndef POSTQ_TEST_COMPOSITE_REF_H
#define POSTQ_TEST_COMPOSITE_REF_H

#include <stddef.h>
#include <stdint.h>

#define TL_COMP_PREFIX_BYTES 32
#define TL_COMP_LABEL_BYTES 30
#define TL_COMP_PH_BYTES 64
#define TL_COMP_MPRIME_MAX (TL_COMP_PREFIX_BYTES + TL_COMP_LABEL_BYTES + 1 + 255 + TL_COMP_PH_BYTES)

/* "CompositeAlgorithmSignatures2025" and the three Labels, as the spec's ASCII bytes. */
extern const uint8_t tl_comp_prefix[TL_COMP_PREFIX_BYTES];
extern const uint8_t tl_comp_label44[TL_COMP_LABEL_BYTES]; /* COMPSIG-MLDSA44-Ed25519-SHA512 */
extern const uint8_t tl_comp_label65[TL_COMP_LABEL_BYTES]; /* COMPSIG-MLDSA65-Ed25519-SHA512 */
extern const uint8_t tl_comp_label87[TL_COMP_LABEL_BYTES]; /* COMPSIG-MLDSA87-Ed448-SHAKE256 */

/* PH(m): SHA-512, or SHAKE256 with 64 output bytes when ed448 is set (OpenSSL). */
void tl_comp_ph(int ed448, const uint8_t *m, size_t len, uint8_t out[TL_COMP_PH_BYTES]);

/* M' = Prefix || label || len(ctx) || ctx || PH(m) into out (TL_COMP_MPRIME_MAX bytes);
 * returns its length. ctxlen <= 255. */
size_t tl_comp_mprime(int ed448, const uint8_t *label, const uint8_t *m, size_t mlen,
                      const uint8_t *ctx, size_t ctxlen, uint8_t *out);

/* Pure EdDSA signature of m under the private seed: Ed25519 (32-byte seed, 64-byte signature,
 * libsodium) or Ed448 (57, 114, OpenSSL). */
void tl_comp_ed_sign(int ed448, const uint8_t *seed, const uint8_t *m, size_t len, uint8_t *sig);

#endif
