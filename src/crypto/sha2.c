/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 / SHA-512 [FIPS 180-4] on OpenSSL 3's EVP interface. */
#include "crypto/sha2.h"

#include <pthread.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/mem.h"

/* OpenSSL 3 looks a digest up in its provider store on every init unless it is fetched once
 * explicitly; the fetched methods live until exit. */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;
static EVP_MD *md_sha512;

static void fetch(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    md_sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
    ERR_clear_error();
}

static const EVP_MD *get_md(int bits)
{
    if (pthread_once(&fetch_once, fetch) != 0) {
        return NULL;
    }
    return bits == 256 ? md_sha256 : md_sha512;
}

/* A non-NULL pointer for empty inputs. */
static const uint8_t empty_in[1];

static postq_err digest(int bits, uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
    const EVP_MD *type;
    unsigned int n = 0;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    if (in == NULL && len != 0) {
        postq_wipe(out, outlen);
        return POSTQ_E_ARG;
    }
    type = get_md(bits);
    if (type == NULL || EVP_Digest(in == NULL ? empty_in : in, len, out, &n, type, NULL) != 1 ||
        n != outlen) {
        postq_wipe(out, outlen);
        ERR_clear_error();
        return POSTQ_E_CRYPTO;
    }
    return POSTQ_OK;
}

postq_err postq_sha256(uint8_t out[32], const uint8_t *in, size_t len)
{
    return digest(256, out, POSTQ_SHA256_BYTES, in, len);
}

postq_err postq_sha512(uint8_t out[64], const uint8_t *in, size_t len)
{
    return digest(512, out, POSTQ_SHA512_BYTES, in, len);
}

postq_err postq_sha2_init(struct postq_sha2 *h, int bits)
{
    const EVP_MD *type;
    EVP_MD_CTX *ctx;

    if (h == NULL) {
        return POSTQ_E_ARG;
    }
    h->md = NULL;
    h->failed = 0;
    h->out_len = 0;
    if (bits != 256 && bits != 512) {
        return POSTQ_E_UNSUPPORTED;
    }
    h->out_len = (size_t)bits / 8;
    type = get_md(bits);
    ctx = EVP_MD_CTX_new();
    if (type == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, type, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return POSTQ_E_CRYPTO;
    }
    h->md = ctx;
    return POSTQ_OK;
}

postq_err postq_sha2_update(struct postq_sha2 *h, const uint8_t *in, size_t len)
{
    if (h == NULL || h->md == NULL || (in == NULL && len != 0)) {
        if (h != NULL) {
            h->failed = 1;
        }
        return POSTQ_E_ARG;
    }
    if (h->failed) {
        return POSTQ_E_CRYPTO;
    }
    if (len != 0 && EVP_DigestUpdate(h->md, in, len) != 1) {
        h->failed = 1;
        ERR_clear_error();
        return POSTQ_E_CRYPTO;
    }
    return POSTQ_OK;
}

postq_err postq_sha2_final(struct postq_sha2 *h, uint8_t *out)
{
    unsigned int n = 0;
    postq_err err = POSTQ_OK;

    if (h == NULL || out == NULL) {
        postq_sha2_abort(h);
        return POSTQ_E_ARG;
    }
    if (h->md == NULL) {
        err = POSTQ_E_ARG;
    } else if (h->failed || EVP_DigestFinal_ex(h->md, out, &n) != 1 || n != h->out_len) {
        err = POSTQ_E_CRYPTO;
        ERR_clear_error();
    }
    if (err != POSTQ_OK) {
        postq_wipe(out, h->out_len);
    }
    postq_sha2_abort(h);
    return err;
}

void postq_sha2_abort(struct postq_sha2 *h)
{
    if (h == NULL) {
        return;
    }
    EVP_MD_CTX_free(h->md); /* NULL is fine; frees and cleanses the state */
    h->md = NULL;
    h->failed = 0;
}
