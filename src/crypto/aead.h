/* SPDX-License-Identifier: Apache-2.0 */
/* AES-256-GCM [NIST SP 800-38D] through OpenSSL's EVP interface: 32-byte key, 96-bit nonce,
 * 128-bit tag. Used to seal private keys inside the enclave. No heap of our own (OpenSSL
 * allocates its cipher context); the tag is checked before any plaintext is released.
 * Thread-safe; no shared state beyond OpenSSL's fetched cipher. */
#ifndef POSTQ_CRYPTO_AEAD_H
#define POSTQ_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#define POSTQ_AEAD_KEY_BYTES 32
#define POSTQ_AEAD_NONCE_BYTES 12
#define POSTQ_AEAD_TAG_BYTES 16
#define POSTQ_AEAD_MAX_BYTES ((size_t)1 << 30) /* plaintext / AAD cap, far below GCM's limit */

/* Encrypt pt[0..len) under key and nonce, authenticating aad[0..aad_len) as well.
 *   ct   receives len bytes (may be NULL when len is 0; may equal pt: in place).
 *   tag  receives the 16-byte tag.
 *   aad  may be NULL when aad_len is 0; pt may be NULL when len is 0.
 * A nonce must never repeat under one key: callers draw it from postq_rand_bytes.
 * POSTQ_OK; POSTQ_E_ARG for a NULL that is needed; POSTQ_E_TOO_LARGE past POSTQ_AEAD_MAX_BYTES;
 * POSTQ_E_CRYPTO when OpenSSL fails. On failure tag is zeroed, and so is ct once the arguments
 * were accepted.
 * CT: time depends on len and aad_len only. */
POSTQ_MUST_CHECK postq_err postq_aead_seal(uint8_t *ct, uint8_t tag[POSTQ_AEAD_TAG_BYTES],
                                           const uint8_t key[POSTQ_AEAD_KEY_BYTES],
                                           const uint8_t nonce[POSTQ_AEAD_NONCE_BYTES],
                                           const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                                           size_t len);

/* Decrypt ct[0..len) and check tag over aad and ct. pt receives len bytes (may equal ct).
 * POSTQ_OK when the tag is valid; POSTQ_E_INVALID when it is not (a changed ciphertext, tag,
 * AAD, nonce or key): pt is then wiped, so no unauthenticated plaintext is ever released.
 * Other errors as postq_aead_seal (pt wiped once the arguments were accepted).
 * CT: time depends on len and aad_len only; the tag comparison is OpenSSL's constant-time one. */
POSTQ_MUST_CHECK postq_err postq_aead_open(uint8_t *pt, const uint8_t key[POSTQ_AEAD_KEY_BYTES],
                                           const uint8_t nonce[POSTQ_AEAD_NONCE_BYTES],
                                           const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                                           size_t len, const uint8_t tag[POSTQ_AEAD_TAG_BYTES]);

#endif
