/* SPDX-License-Identifier: Apache-2.0 */
/* SubjectPublicKeyInfo for composite keys, DER and PEM [RFC 5280 §4.1.2.7, RFC 7468 §13,
 * X.690 §8.9 / §10.1 (DER lengths), draft-ietf-lamps-pq-composite-sigs-19 §7 (OIDs)].
 *
 *   SubjectPublicKeyInfo ::= SEQUENCE {          30 82 LL LL
 *       algorithm  SEQUENCE { OID }              30 0a 06 08 <8 bytes of OID>
 *       subjectPublicKey BIT STRING }            03 82 LL LL 00 <mldsaPk || edPk>
 *
 * Every composite key is longer than 255 bytes and shorter than 65536, so both lengths take
 * the two-byte long form (82 LL LL) and no other form is DER for them. */
#include "crypto/spki.h"

#include <postq/hybrid.h>

#include <string.h>

#include "common/base64.h"

/* id-MLDSA44-Ed25519-SHA512 1.3.6.1.5.5.7.6.39, id-MLDSA65-Ed25519-SHA512 ...6.48,
 * id-MLDSA87-Ed448-SHAKE256 ...6.51: 2b 06 01 05 05 07 06 NN. */
struct oid_entry {
    const char *alg;
    uint8_t last_arc;
};
static const struct oid_entry oids[] = {
    {"mldsa44+ed25519", 39},
    {"mldsa65+ed25519", 48},
    {"mldsa87+ed448", 51},
};
static const uint8_t oid_prefix[7] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06};

#define ALG_SEQ_BYTES 12 /* 30 0a 06 08 + 8 OID bytes */
#define PEM_BEGIN "-----BEGIN PUBLIC KEY-----"
#define PEM_END "-----END PUBLIC KEY-----"
#define PEM_LINE 64

static const struct oid_entry *find_alg(const char *alg)
{
    if (alg == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
        if (strcmp(alg, oids[i].alg) == 0) {
            return &oids[i];
        }
    }
    return NULL;
}

postq_err postq_spki_encode_der(uint8_t *out, size_t out_cap, size_t *out_len, const char *alg,
                                const uint8_t *pk, size_t pk_len)
{
    const struct oid_entry *e = find_alg(alg);
    size_t want_pk, bits_len, seq_len, total;
    uint8_t *p = out;

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || pk == NULL) {
        return POSTQ_E_ARG;
    }
    if (e == NULL || postq_hybrid_sizes(alg, &want_pk, NULL, NULL) != POSTQ_OK) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (pk_len != want_pk) {
        return POSTQ_E_LENGTH;
    }
    bits_len = 1 + pk_len;                          /* unused-bits byte + key */
    seq_len = ALG_SEQ_BYTES + 4 + bits_len;         /* algorithm + BIT STRING header + body */
    total = 4 + seq_len;
    if (out_cap < total) {
        return POSTQ_E_LENGTH;
    }
    *p++ = 0x30;
    *p++ = 0x82;
    *p++ = (uint8_t)(seq_len >> 8);
    *p++ = (uint8_t)seq_len;
    *p++ = 0x30;
    *p++ = 0x0a;
    *p++ = 0x06;
    *p++ = 0x08;
    memcpy(p, oid_prefix, sizeof(oid_prefix));
    p += sizeof(oid_prefix);
    *p++ = e->last_arc;
    *p++ = 0x03;
    *p++ = 0x82;
    *p++ = (uint8_t)(bits_len >> 8);
    *p++ = (uint8_t)bits_len;
    *p++ = 0x00;
    memcpy(p, pk, pk_len);
    if (out_len != NULL) {
        *out_len = total;
    }
    return POSTQ_OK;
}

/* Read a two-byte long-form DER length (82 LL LL) of at least 256 (else it is not minimal). */
static int read_len2(const uint8_t *p, size_t avail, size_t *len)
{
    if (avail < 3 || p[0] != 0x82) {
        return 0;
    }
    *len = (size_t)p[1] << 8 | p[2];
    return *len >= 256;
}

postq_err postq_spki_decode_der(const char **alg, const uint8_t **pk, size_t *pk_len,
                                const uint8_t *der, size_t der_len)
{
    size_t seq_len, bits_len, want_pk;
    const struct oid_entry *e = NULL;
    const uint8_t *p = der;
    const uint8_t *end = der + der_len;

    if (alg == NULL || pk == NULL || pk_len == NULL || (der == NULL && der_len != 0)) {
        return POSTQ_E_ARG;
    }
    *alg = NULL;
    *pk = NULL;
    *pk_len = 0;
    if (der_len < 4 + ALG_SEQ_BYTES + 4 + 1 || p[0] != 0x30 ||
        !read_len2(p + 1, der_len - 1, &seq_len) || seq_len != der_len - 4) {
        return POSTQ_E_MALFORMED;
    }
    p += 4;
    /* AlgorithmIdentifier: exactly SEQUENCE { OID } with 8 OID bytes, parameters absent. */
    if (p[0] != 0x30 || p[2] != 0x06) {
        return POSTQ_E_MALFORMED;
    }
    if (p[1] != 0x0a || p[3] != 0x08 || memcmp(p + 4, oid_prefix, sizeof(oid_prefix)) != 0) {
        return POSTQ_E_UNSUPPORTED; /* some other algorithm (or parameters present) */
    }
    for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
        if (oids[i].last_arc == p[11]) {
            e = &oids[i];
        }
    }
    if (e == NULL) {
        return POSTQ_E_UNSUPPORTED;
    }
    p += ALG_SEQ_BYTES;
    if (p[0] != 0x03 || !read_len2(p + 1, (size_t)(end - p) - 1, &bits_len) ||
        bits_len != (size_t)(end - p) - 4 || p[4] != 0x00) {
        return POSTQ_E_MALFORMED;
    }
    if (postq_hybrid_sizes(e->alg, &want_pk, NULL, NULL) != POSTQ_OK || bits_len - 1 != want_pk) {
        return POSTQ_E_MALFORMED;
    }
    *alg = e->alg;
    *pk = p + 5;
    *pk_len = want_pk;
    return POSTQ_OK;
}

postq_err postq_spki_encode_pem(char *out, size_t out_cap, size_t *out_len, const char *alg,
                                const uint8_t *pk, size_t pk_len)
{
    uint8_t der[POSTQ_SPKI_DER_MAX];
    char b64[POSTQ_SPKI_PEM_MAX];
    size_t der_len, b64_len, n = 0;
    postq_err err;

    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    err = postq_spki_encode_der(der, sizeof(der), &der_len, alg, pk, pk_len);
    if (err == POSTQ_OK) {
        err = postq_base64_encode(b64, sizeof(b64), &b64_len, der, der_len, POSTQ_B64_STD);
    }
    if (err != POSTQ_OK) {
        return err;
    }
    /* header + lines (each + "\n") + footer + NUL */
    if (out_cap < sizeof(PEM_BEGIN) + b64_len + (b64_len + PEM_LINE - 1) / PEM_LINE +
                      sizeof(PEM_END) + 1) {
        return POSTQ_E_LENGTH;
    }
    memcpy(out, PEM_BEGIN "\n", sizeof(PEM_BEGIN));
    n = sizeof(PEM_BEGIN);
    for (size_t i = 0; i < b64_len; i += PEM_LINE) {
        size_t line = b64_len - i < PEM_LINE ? b64_len - i : PEM_LINE;
        memcpy(out + n, b64 + i, line);
        n += line;
        out[n++] = '\n';
    }
    memcpy(out + n, PEM_END "\n", sizeof(PEM_END) + 1); /* with its NUL */
    n += sizeof(PEM_END);
    if (out_len != NULL) {
        *out_len = n;
    }
    return POSTQ_OK;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

postq_err postq_spki_decode_pem(const char **alg, uint8_t *pk, size_t pk_cap, size_t *pk_len,
                                const char *pem, size_t pem_len)
{
    char b64[POSTQ_SPKI_PEM_MAX];
    uint8_t der[POSTQ_SPKI_DER_MAX];
    size_t b64_len = 0, der_len = 0, i = 0, end;
    const uint8_t *key;
    postq_err err;

    if (alg == NULL || pk == NULL || pk_len == NULL || (pem == NULL && pem_len != 0)) {
        return POSTQ_E_ARG;
    }
    *alg = NULL;
    *pk_len = 0;
    while (i < pem_len && is_space(pem[i])) {
        i++;
    }
    end = pem_len;
    while (end > i && is_space(pem[end - 1])) {
        end--;
    }
    if (end - i < sizeof(PEM_BEGIN) - 1 + sizeof(PEM_END) - 1 ||
        memcmp(pem + i, PEM_BEGIN, sizeof(PEM_BEGIN) - 1) != 0 ||
        memcmp(pem + end - (sizeof(PEM_END) - 1), PEM_END, sizeof(PEM_END) - 1) != 0) {
        return POSTQ_E_MALFORMED;
    }
    i += sizeof(PEM_BEGIN) - 1;
    end -= sizeof(PEM_END) - 1;
    /* The body: base64 lines; line breaks are dropped, anything else must be base64. */
    for (; i < end; i++) {
        char c = pem[i];
        if (c == '\n' || c == '\r') {
            continue;
        }
        if (b64_len == sizeof(b64)) {
            return POSTQ_E_TOO_LARGE;
        }
        b64[b64_len++] = c;
    }
    err = postq_base64_decode(der, sizeof(der), &der_len, b64, b64_len, POSTQ_B64_STD);
    if (err == POSTQ_E_LENGTH) {
        return POSTQ_E_TOO_LARGE;
    }
    if (err != POSTQ_OK) {
        return POSTQ_E_MALFORMED;
    }
    err = postq_spki_decode_der(alg, &key, pk_len, der, der_len);
    if (err != POSTQ_OK) {
        return err;
    }
    if (pk_cap < *pk_len) {
        *alg = NULL;
        *pk_len = 0;
        return POSTQ_E_LENGTH;
    }
    memcpy(pk, key, *pk_len);
    return POSTQ_OK;
}
