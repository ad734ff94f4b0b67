/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate chains and signatures for the hardware vendors (see x509.h), on OpenSSL 3.0. */
#include "attest/x509.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "attest/util.h"

static X509 *parse_cert(struct postq_bytes der)
{
    const unsigned char *p = der.p;
    X509 *x;

    if (der.p == NULL || der.len == 0 || der.len > LONG_MAX) {
        return NULL;
    }
    x = d2i_X509(NULL, &p, (long)der.len);
    if (x != NULL && p != der.p + der.len) {
        X509_free(x); /* trailing bytes after the certificate */
        x = NULL;
    }
    return x;
}

postq_err postq_x509_chain_verify(const struct postq_bytes *certs, size_t n, const int64_t *at_s,
                                  size_t n_at, char *detail, size_t cap)
{
    X509 *x[POSTQ_X509_CHAIN_MAX] = {NULL};
    X509_STORE *store = NULL;
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE_CTX *ctx = NULL;
    postq_err err = POSTQ_E_CRYPTO;

    if (certs == NULL || n < 2 || n > POSTQ_X509_CHAIN_MAX || at_s == NULL || n_at == 0) {
        return POSTQ_E_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = parse_cert(certs[i]);
        if (x[i] == NULL) {
            postq_attest_detail(detail, cap, "certificate %zu of %zu is not DER X.509", i + 1, n);
            err = POSTQ_E_INVALID;
            goto out;
        }
    }
    store = X509_STORE_new();
    untrusted = sk_X509_new_null();
    ctx = X509_STORE_CTX_new();
    if (store == NULL || untrusted == NULL || ctx == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    if (X509_STORE_add_cert(store, x[n - 1]) != 1) {
        goto out;
    }
    for (size_t i = 1; i + 1 < n; i++) {
        if (sk_X509_push(untrusted, x[i]) <= 0) {
            err = POSTQ_E_NOMEM;
            goto out;
        }
    }
    for (size_t t = 0; t < n_at; t++) {
        int rc;
        if (X509_STORE_CTX_init(ctx, store, x[0], untrusted) != 1) {
            goto out;
        }
        X509_STORE_CTX_set_time(ctx, 0, (time_t)at_s[t]);
        rc = X509_verify_cert(ctx);
        if (rc != 1) {
            int e = X509_STORE_CTX_get_error(ctx);
            postq_attest_detail(detail, cap, "certificate chain at depth %d: %s",
                                X509_STORE_CTX_get_error_depth(ctx),
                                X509_verify_cert_error_string(e));
            X509_STORE_CTX_cleanup(ctx);
            err = rc == 0 ? POSTQ_E_INVALID : POSTQ_E_CRYPTO;
            goto out;
        }
        X509_STORE_CTX_cleanup(ctx);
    }
    err = POSTQ_OK;
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    for (size_t i = 0; i < n && i < POSTQ_X509_CHAIN_MAX; i++) {
        X509_free(x[i]);
    }
    ERR_clear_error();
    return err;
}

postq_err postq_x509_valid_at(struct postq_bytes cert, int64_t at_s, char *detail, size_t cap)
{
    X509 *x = parse_cert(cert);
    time_t t = (time_t)at_s;
    postq_err err = POSTQ_OK;

    if (x == NULL) {
        postq_attest_detail(detail, cap, "certificate is not DER X.509");
        ERR_clear_error();
        return POSTQ_E_INVALID;
    }
    if (X509_cmp_time(X509_get0_notBefore(x), &t) >= 0) {
        postq_attest_detail(detail, cap, "certificate is not yet valid");
        err = POSTQ_E_INVALID;
    } else if (X509_cmp_time(X509_get0_notAfter(x), &t) <= 0) {
        postq_attest_detail(detail, cap, "certificate has expired");
        err = POSTQ_E_INVALID;
    }
    X509_free(x);
    ERR_clear_error();
    return err;
}

/* Verify sig over msg with pkey and the digest md; sig in the key type's DER form. */
static postq_err digest_verify(EVP_PKEY *pkey, const EVP_MD *md, struct postq_bytes msg,
                               const uint8_t *sig, size_t sig_len, char *detail, size_t cap)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    postq_err err = POSTQ_E_CRYPTO;
    int rc;

    if (m == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (EVP_DigestVerifyInit(m, NULL, md, NULL, pkey) == 1) {
        rc = EVP_DigestVerify(m, sig, sig_len, msg.p, msg.len);
        if (rc == 1) {
            err = POSTQ_OK;
        } else {
            postq_attest_detail(detail, cap, "signature does not verify");
            err = POSTQ_E_INVALID;
        }
    }
    EVP_MD_CTX_free(m);
    ERR_clear_error();
    return err;
}

/* ES384: r||s (48 bytes each) to the DER ECDSA-Sig-Value OpenSSL verifies. */
static postq_err es384(EVP_PKEY *pkey, struct postq_bytes msg, struct postq_bytes sig,
                       char *detail, size_t cap)
{
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    char curve[32];
    size_t clen = 0;
    int der_len;
    postq_err err;

    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
                                       &clen) != 1 ||
        strcmp(curve, "secp384r1") != 0) {
        postq_attest_detail(detail, cap, "ES384 needs a P-384 key");
        ERR_clear_error();
        return POSTQ_E_INVALID;
    }
    if (sig.len != 96) {
        postq_attest_detail(detail, cap, "ES384 signature is %zu bytes, not 96", sig.len);
        return POSTQ_E_INVALID;
    }
    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig.p, 48, NULL);
    s = BN_bin2bn(sig.p + 48, 48, NULL);
    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return POSTQ_E_NOMEM;
    }
    der_len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (der_len <= 0) {
        return POSTQ_E_CRYPTO;
    }
    err = digest_verify(pkey, EVP_sha384(), msg, der, (size_t)der_len, detail, cap);
    OPENSSL_free(der);
    return err;
}

static postq_err rs256(EVP_PKEY *pkey, struct postq_bytes msg, struct postq_bytes sig,
                       char *detail, size_t cap)
{
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pkey) < 2048) {
        postq_attest_detail(detail, cap, "RS256 needs an RSA key of 2048 bits or more");
        return POSTQ_E_INVALID;
    }
    if (sig.len != (size_t)EVP_PKEY_get_size(pkey)) {
        postq_attest_detail(detail, cap, "RS256 signature is %zu bytes, the key's modulus %d",
                            sig.len, EVP_PKEY_get_size(pkey));
        return POSTQ_E_INVALID;
    }
    return digest_verify(pkey, EVP_sha256(), msg, sig.p, sig.len, detail, cap);
}

postq_err postq_x509_verify(struct postq_bytes cert, enum postq_x509_alg alg,
                            struct postq_bytes msg, struct postq_bytes sig, char *detail,
                            size_t cap)
{
    X509 *x;
    EVP_PKEY *pkey;
    postq_err err;

    if ((msg.p == NULL && msg.len > 0) || sig.p == NULL) {
        return POSTQ_E_ARG;
    }
    x = parse_cert(cert);
    if (x == NULL) {
        postq_attest_detail(detail, cap, "signing certificate is not DER X.509");
        ERR_clear_error();
        return POSTQ_E_INVALID;
    }
    pkey = X509_get0_pubkey(x);
    if (pkey == NULL) {
        postq_attest_detail(detail, cap, "signing certificate has no usable public key");
        err = POSTQ_E_INVALID;
    } else if (alg == POSTQ_X509_ES384) {
        err = es384(pkey, msg, sig, detail, cap);
    } else if (alg == POSTQ_X509_RS256) {
        err = rs256(pkey, msg, sig, detail, cap);
    } else {
        err = POSTQ_E_ARG;
    }
    X509_free(x);
    ERR_clear_error();
    return err;
}

postq_err postq_x509_rs256_verify_jwk(struct postq_bytes n, struct postq_bytes e,
                                      struct postq_bytes msg, struct postq_bytes sig,
                                      char *detail, size_t cap)
{
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pkey = NULL;
    BIGNUM *bn = NULL, *be = NULL;
    postq_err err = POSTQ_E_CRYPTO;

    if (n.p == NULL || e.p == NULL || sig.p == NULL || (msg.p == NULL && msg.len > 0) ||
        n.len > 2048 || e.len > 8) {
        return POSTQ_E_ARG;
    }
    bn = BN_bin2bn(n.p, (int)n.len, NULL);
    be = BN_bin2bn(e.p, (int)e.len, NULL);
    if (bn == NULL || be == NULL) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    if (BN_num_bits(bn) < 2048 || !BN_is_odd(be) || BN_num_bits(be) < 2 ||
        !BN_is_odd(bn)) {
        postq_attest_detail(detail, cap, "JWK is not an RSA key of 2048 bits or more");
        err = POSTQ_E_INVALID;
        goto out;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1) {
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        goto out;
    }
    err = rs256(pkey, msg, sig, detail, cap);
out:
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    ERR_clear_error();
    return err;
}
