/* SPDX-License-Identifier: Apache-2.0 */
/* EdDSA, pure variants only [RFC 8032 §5.1 Ed25519, §5.2 Ed448 with empty context].
 * Ed25519 is libsodium's (strict verification), Ed448 is OpenSSL's. Keys are the RFC's 32- or
 * 57-byte private seeds; the expanded secret never leaves ed.c. Thread-safe. */
#ifndef POSTQ_CRYPTO_ED_H
#define POSTQ_CRYPTO_ED_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

enum postq_ed_curve { POSTQ_ED25519 = 1, POSTQ_ED448 = 2 };

#define POSTQ_ED25519_SEED_BYTES 32
#define POSTQ_ED25519_PK_BYTES   32
#define POSTQ_ED25519_SIG_BYTES  64
#define POSTQ_ED448_SEED_BYTES   57
#define POSTQ_ED448_PK_BYTES     57
#define POSTQ_ED448_SIG_BYTES    114
#define POSTQ_ED_SEED_MAX        POSTQ_ED448_SEED_BYTES
#define POSTQ_ED_PK_MAX          POSTQ_ED448_PK_BYTES
#define POSTQ_ED_SIG_MAX         POSTQ_ED448_SIG_BYTES

/* Sizes in bytes of curve's private seed, public key and signature; 0 for an unknown curve. */
size_t postq_ed_seed_bytes(int curve);
size_t postq_ed_pk_bytes(int curve);
size_t postq_ed_sig_bytes(int curve);

/* The public key of a private seed [RFC 8032 §5.1.5 / §5.2.5]. seed and pk hold
 * postq_ed_seed_bytes / postq_ed_pk_bytes(curve) bytes. POSTQ_E_UNSUPPORTED for an unknown curve,
 * POSTQ_E_ARG for NULL, POSTQ_E_CRYPTO when the backend fails; pk is then zeroed.
 * CT: the backends' scalar multiplications are constant time; nothing varies with seed. */
POSTQ_MUST_CHECK postq_err postq_ed_keypair(int curve, const uint8_t *seed, uint8_t *pk);

/* Pure EdDSA signature of msg (NULL is fine when len is 0) [RFC 8032 §5.1.6 / §5.2.6].
 * sig holds postq_ed_sig_bytes(curve) bytes and is zeroed on failure. Errors as above.
 * CT: time depends on len only. */
POSTQ_MUST_CHECK postq_err postq_ed_sign(int curve, const uint8_t *seed, const uint8_t *msg,
                                         size_t len, uint8_t *sig);

/* postq_ed_sign with the public key already known: pk must be seed's, as postq_ed_keypair gives
 * it (a wrong pk makes a wrong signature). For Ed25519 this skips the scalar multiplication that
 * derives the public key on every signature; for Ed448, or pk NULL, it is postq_ed_sign. Same
 * signature, same errors. CT: as postq_ed_sign. */
POSTQ_MUST_CHECK postq_err postq_ed_sign_pk(int curve, const uint8_t *seed, const uint8_t *pk,
                                            const uint8_t *msg, size_t len, uint8_t *sig);

/* Pure EdDSA verification [RFC 8032 §5.1.7 / §5.2.7]. POSTQ_OK when valid; POSTQ_E_INVALID for
 * any invalid signature: wrong siglen, S >= L, a non-canonical or small-order key or R (Ed25519,
 * libsodium 1.0.18 rules), a public key that does not decode. POSTQ_E_CRYPTO when the backend
 * fails for another reason (allocation). Not constant time: every input is public. */
POSTQ_MUST_CHECK postq_err postq_ed_verify(int curve, const uint8_t *pk, const uint8_t *msg,
                                           size_t len, const uint8_t *sig, size_t siglen);

/* Whether pk (32 bytes) is an Ed25519 public key worth pinning: a canonical encoding of a point
 * of the prime-order subgroup. POSTQ_E_INVALID for the all-zero string, any of the eight
 * small-order points in any encoding, a point with a small-order component, a non-canonical y,
 * or bytes that decode to no point: no key pair has such a public key, and a small-order key
 * would let signatures be forged. POSTQ_E_CRYPTO when the backend cannot start. */
POSTQ_MUST_CHECK postq_err postq_ed25519_pk_check(const uint8_t *pk);

#endif
