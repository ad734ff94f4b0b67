/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and SHA-512 [FIPS 180-4] through OpenSSL (SHA-NI where the CPU has it): one-shot
 * functions and an incremental SHA-256 for payloads that arrive in pieces. Thread-safe. */
#ifndef POSTQ_CRYPTO_SHA2_H
#define POSTQ_CRYPTO_SHA2_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#define POSTQ_SHA256_BYTES 32
#define POSTQ_SHA512_BYTES 64

/* One-shot digests of in[0..len) (in may be NULL when len is 0). POSTQ_E_CRYPTO when OpenSSL
 * fails (it allocates internally), POSTQ_E_ARG for NULL; out is then zeroed.
 * CT: time depends on len only. */
POSTQ_MUST_CHECK postq_err postq_sha256(uint8_t out[32], const uint8_t *in, size_t len);
POSTQ_MUST_CHECK postq_err postq_sha512(uint8_t out[64], const uint8_t *in, size_t len);

/* Incremental SHA-256 (bits 256) or SHA-512 (bits 512). The caller owns the struct; it holds a
 * pointer to OpenSSL's context, allocated by init and released by final or abort (each safe to
 * call once after init).
 *
 *   struct postq_sha2 h;
 *   err = postq_sha2_init(&h, 256);         then any number of postq_sha2_update(&h, p, n)
 *   err = postq_sha2_final(&h, digest);     or postq_sha2_abort(&h) to drop it
 *
 * final writes bits / 8 bytes. bits other than 256 or 512 is POSTQ_E_UNSUPPORTED.
 *
 * A failed update is remembered: final then fails too (POSTQ_E_CRYPTO, digest zeroed) and still
 * releases the context. One thread at a time per context. */
struct postq_sha2 {
    void *md; /* EVP_MD_CTX *, opaque outside sha2.c */
    int failed;
    size_t out_len;
};

POSTQ_MUST_CHECK postq_err postq_sha2_init(struct postq_sha2 *h, int bits);
POSTQ_MUST_CHECK postq_err postq_sha2_update(struct postq_sha2 *h, const uint8_t *in, size_t len);
POSTQ_MUST_CHECK postq_err postq_sha2_final(struct postq_sha2 *h, uint8_t *out);
/* Release the context without a digest. NULL, or a context already finished, is fine. */
void postq_sha2_abort(struct postq_sha2 *h);

#endif
