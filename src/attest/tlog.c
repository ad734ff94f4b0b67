/* SPDX-License-Identifier: Apache-2.0 */
/* C2SP signed notes, verifier keys and tlog-checkpoint bodies, and the DESIGN §13 log entry
 * (formats and choices in tlog.h). */
#include "attest/tlog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attest/util.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/id.h"
#include "crypto/composite.h"
#include "crypto/ed.h"
#include "crypto/sha2.h"

#include <postq/hybrid.h>

_Static_assert(POSTQ_TLOG_COMPOSITE_PK_BYTES <= POSTQ_HYBRID_PK_MAX, "pk fits the vkey");
_Static_assert(sizeof(POSTQ_TLOG_COMPOSITE_IDENT) - 1 == POSTQ_TLOG_COMPOSITE_IDENT_LEN,
               "identifier length");
/* name + "+" + 8 + "+" + base64(22 + 1984) + NUL */
_Static_assert(POSTQ_TLOG_NAME_MAX - 1 + 10 +
                       4 * ((POSTQ_TLOG_TYPE_BYTES_MAX + POSTQ_TLOG_COMPOSITE_PK_BYTES + 2) / 3) +
                       1 <=
                   POSTQ_TLOG_VKEY_MAX,
               "POSTQ_TLOG_VKEY_MAX holds the largest verifier key");

/* U+2014 EM DASH and a space: how every signature line begins. */
static const char SIG_PREFIX[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4

/* The largest decoded signature line we may meet: nothing in a note is longer than the note. */
#define LINE_RAW_MAX ((POSTQ_TLOG_NOTE_MAX / 4) * 3)

/* ---- text rules ---------------------------------------------------------------------------- */

/* Decode the UTF-8 character at s[*i], of at most n - *i bytes, into *cp and advance *i.
 * Strict [RFC 3629 §4]: no overlong form, no surrogate, nothing past U+10FFFF. 0 on success. */
static int utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
    uint32_t c = s[*i], min;
    size_t k, more;

    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return 0;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        more = 1, min = 0x80, c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        more = 2, min = 0x800, c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        more = 3, min = 0x10000, c &= 0x07;
    } else {
        return -1; /* a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5.. */
    }
    if (n - *i <= more) {
        return -1;
    }
    for (k = 1; k <= more; k++) {
        uint8_t b = s[*i + k];
        if ((b & 0xc0) != 0x80) {
            return -1;
        }
        c = (c << 6) | (b & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return -1;
    }
    *cp = c;
    *i += more + 1;
    return 0;
}

/* Unicode White_Space, which is what "Unicode spaces" means in signed-note (and what Go's
 * unicode.IsSpace, the reference implementation's test, answers). */
static int is_uspace(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* signed-note, Format: valid UTF-8 and no ASCII control character but the newline. On a fault,
 * *at is the offset of the offending character. */
static int note_text_ok(const char *s, size_t n, size_t *at, const char **why)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    uint32_t cp;

    while (i < n) {
        size_t start = i;
        if (utf8_next(u, n, &i, &cp) != 0) {
            *at = start, *why = "is not UTF-8";
            return 0;
        }
        if (cp < 0x20 && cp != '\n') {
            *at = start, *why = "is a control character";
            return 0;
        }
    }
    return 1;
}

/* A key name (signed-note, Format): non-empty UTF-8 with neither a Unicode space nor "+". No
 * control character either (the note rule; "\n" is a space). No length cap: a longer name is
 * well-formed, it just cannot be one of our keys. */
static int name_ok(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    uint32_t cp;

    if (n == 0) {
        return 0;
    }
    while (i < n) {
        if (utf8_next(u, n, &i, &cp) != 0 || cp < 0x20 || cp == '+' || is_uspace(cp)) {
            return 0;
        }
    }
    return 1;
}

/* ---- keys ---------------------------------------------------------------------------------- */

static size_t type_pk_bytes(uint8_t type)
{
    switch (type) {
    case POSTQ_TLOG_TYPE_ED25519:
        return POSTQ_TLOG_ED25519_PK_BYTES;
    case POSTQ_TLOG_TYPE_COMPOSITE:
        return POSTQ_TLOG_COMPOSITE_PK_BYTES;
    default:
        return 0;
    }
}

static size_t type_sig_bytes(uint8_t type)
{
    switch (type) {
    case POSTQ_TLOG_TYPE_ED25519:
        return POSTQ_TLOG_ED25519_SIG_BYTES;
    case POSTQ_TLOG_TYPE_COMPOSITE:
        return POSTQ_TLOG_COMPOSITE_SIG_BYTES;
    default:
        return 0;
    }
}

/* The bytes that stand for the type in the key ID input and in the verifier key: the type byte,
 * and for 0xff the identifier after it (signed-note, Signature types). */
static size_t type_bytes(uint8_t type, uint8_t out[POSTQ_TLOG_TYPE_BYTES_MAX])
{
    out[0] = type;
    if (type != POSTQ_TLOG_TYPE_COMPOSITE) {
        return 1;
    }
    memcpy(out + 1, POSTQ_TLOG_COMPOSITE_IDENT, POSTQ_TLOG_COMPOSITE_IDENT_LEN);
    return 1 + POSTQ_TLOG_COMPOSITE_IDENT_LEN;
}

/* key ID = SHA-256(name || 0x0A || type bytes || public key)[:4], big-endian. */
static postq_err key_id(uint32_t *id, const char *name, size_t nlen, uint8_t type,
                        const uint8_t *pk, size_t pk_len)
{
    uint8_t in[POSTQ_TLOG_NAME_MAX + POSTQ_TLOG_TYPE_BYTES_MAX + POSTQ_HYBRID_PK_MAX];
    uint8_t digest[POSTQ_SHA256_BYTES];
    size_t n = 0;
    postq_err err;

    if (nlen >= POSTQ_TLOG_NAME_MAX || pk_len > POSTQ_HYBRID_PK_MAX) {
        return POSTQ_E_ARG;
    }
    memcpy(in, name, nlen);
    n = nlen;
    in[n++] = 0x0a;
    n += type_bytes(type, in + n);
    memcpy(in + n, pk, pk_len);
    n += pk_len;
    err = postq_sha256(digest, in, n);
    if (err != POSTQ_OK) {
        return err;
    }
    *id = (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
          (uint32_t)digest[3];
    return POSTQ_OK;
}

/* The Ed25519 key inside a verifier key's public key: all of it, or the composite's last 32
 * bytes (public key = ML-DSA pk || Ed25519 pk, include/postq/hybrid.h). */
static const uint8_t *ed_part(uint8_t type, const uint8_t *pk)
{
    return type == POSTQ_TLOG_TYPE_ED25519
               ? pk
               : pk + POSTQ_TLOG_COMPOSITE_PK_BYTES - POSTQ_TLOG_ED25519_PK_BYTES;
}

static postq_err vkey_fill(struct postq_tlog_vkey *k, const char *name, size_t nlen, uint8_t type,
                           const uint8_t *pk, size_t pk_len)
{
    size_t want = type_pk_bytes(type);
    postq_err err;

    if (nlen == 0 || nlen >= POSTQ_TLOG_NAME_MAX || !name_ok(name, nlen)) {
        return POSTQ_E_MALFORMED;
    }
    if (want == 0) {
        return POSTQ_E_UNSUPPORTED;
    }
    if (pk_len != want) {
        return POSTQ_E_LENGTH;
    }
    /* A small-order or non-canonical Ed25519 key verifies forged signatures: never pin one. */
    err = postq_ed25519_pk_check(ed_part(type, pk));
    if (err != POSTQ_OK) {
        return err == POSTQ_E_INVALID ? POSTQ_E_KEY_INVALID : err;
    }
    memcpy(k->name, name, nlen);
    k->name[nlen] = '\0';
    k->type = type;
    memcpy(k->pk, pk, pk_len);
    k->pk_len = pk_len;
    return key_id(&k->id, name, nlen, type, pk, pk_len);
}

/* Whether k is what vkey_make builds (its ID is trusted as stored). */
static int vkey_ok(const struct postq_tlog_vkey *k)
{
    size_t nlen = strnlen(k->name, sizeof(k->name));

    return nlen > 0 && nlen < sizeof(k->name) && name_ok(k->name, nlen) &&
           type_pk_bytes(k->type) != 0 && k->pk_len == type_pk_bytes(k->type);
}

postq_err postq_tlog_vkey_make(struct postq_tlog_vkey *k, const char *name, uint8_t type,
                               const uint8_t *pk, size_t pk_len)
{
    postq_err err;

    if (k == NULL) {
        return POSTQ_E_ARG;
    }
    memset(k, 0, sizeof(*k));
    if (name == NULL || pk == NULL) {
        return POSTQ_E_ARG;
    }
    err = vkey_fill(k, name, strlen(name), type, pk, pk_len);
    if (err != POSTQ_OK) {
        memset(k, 0, sizeof(*k));
    }
    return err;
}

postq_err postq_tlog_vkey_parse(struct postq_tlog_vkey *k, const char *text, size_t len)
{
    uint8_t raw[POSTQ_TLOG_TYPE_BYTES_MAX + POSTQ_HYBRID_PK_MAX];
    uint8_t idb[4];
    const char *plus, *b64;
    size_t nlen, b64_len, raw_len = 0, got = 0, tlen;
    uint8_t tb[POSTQ_TLOG_TYPE_BYTES_MAX];
    uint32_t id;
    postq_err err;

    if (k == NULL) {
        return POSTQ_E_ARG;
    }
    memset(k, 0, sizeof(*k));
    if (text == NULL) {
        return POSTQ_E_ARG;
    }
    /* <name> "+" <8 hex> "+" <base64>: the name holds no "+", so the first one ends it. */
    plus = memchr(text, '+', len);
    if (plus == NULL) {
        return POSTQ_E_MALFORMED;
    }
    nlen = (size_t)(plus - text);
    if (len - nlen < 10 || plus[9] != '+') {
        return POSTQ_E_MALFORMED;
    }
    if (postq_hex_decode(idb, sizeof(idb), &got, plus + 1, 8, 0) != POSTQ_OK) {
        return POSTQ_E_MALFORMED; /* lowercase only: what every producer writes */
    }
    b64 = plus + 10;
    b64_len = len - nlen - 10;
    if (b64_len == 0) {
        return POSTQ_E_MALFORMED;
    }
    if (b64_len > postq_base64_encoded_len(sizeof(raw), POSTQ_B64_STD)) {
        return POSTQ_E_LENGTH;
    }
    err = postq_base64_decode_public(raw, sizeof(raw), &raw_len, b64, b64_len, POSTQ_B64_STD);
    if (err != POSTQ_OK || raw_len == 0) {
        return POSTQ_E_MALFORMED;
    }
    if (raw[0] != POSTQ_TLOG_TYPE_ED25519 && raw[0] != POSTQ_TLOG_TYPE_COMPOSITE) {
        return POSTQ_E_UNSUPPORTED;
    }
    tlen = type_bytes(raw[0], tb);
    if (raw_len < tlen || memcmp(raw, tb, tlen) != 0) {
        return POSTQ_E_UNSUPPORTED; /* 0xff with an identifier that is not ours */
    }
    if (raw_len - tlen != type_pk_bytes(raw[0])) {
        return POSTQ_E_LENGTH;
    }
    /* The ID first (as Go's note.NewVerifier): a changed text is a wrong ID, whatever key its
     * bytes happen to make. */
    if (nlen == 0 || nlen >= POSTQ_TLOG_NAME_MAX) {
        return POSTQ_E_MALFORMED;
    }
    err = key_id(&id, text, nlen, raw[0], raw + tlen, raw_len - tlen);
    if (err != POSTQ_OK) {
        return err;
    }
    if (id != ((uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 | (uint32_t)idb[2] << 8 |
               (uint32_t)idb[3])) {
        return POSTQ_E_MALFORMED;
    }
    err = vkey_fill(k, text, nlen, raw[0], raw + tlen, raw_len - tlen);
    if (err != POSTQ_OK) {
        memset(k, 0, sizeof(*k));
    }
    return err;
}

postq_err postq_tlog_vkey_format(const struct postq_tlog_vkey *k, char *out, size_t cap,
                                 size_t *len)
{
    uint8_t raw[POSTQ_TLOG_TYPE_BYTES_MAX + POSTQ_HYBRID_PK_MAX];
    size_t nlen, raw_len, b64_len, n;
    postq_err err;

    if (len != NULL) {
        *len = 0;
    }
    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    if (cap > 0) {
        out[0] = '\0';
    }
    if (k == NULL || !vkey_ok(k)) {
        return POSTQ_E_ARG;
    }
    nlen = strlen(k->name);
    raw_len = type_bytes(k->type, raw);
    memcpy(raw + raw_len, k->pk, k->pk_len);
    raw_len += k->pk_len;
    b64_len = postq_base64_encoded_len(raw_len, POSTQ_B64_STD);
    n = nlen + 10 + b64_len;
    if (n + 1 > cap) {
        return POSTQ_E_LENGTH;
    }
    (void)snprintf(out, cap, "%s+%08" PRIx32 "+", k->name, k->id);
    err = postq_base64_encode_public(out + nlen + 10, cap - nlen - 10, NULL, raw, raw_len,
                                     POSTQ_B64_STD);
    if (err != POSTQ_OK) {
        out[0] = '\0';
        return err;
    }
    if (len != NULL) {
        *len = n;
    }
    return POSTQ_OK;
}

/* ---- checkpoints --------------------------------------------------------------------------- */

/* Strict decimal: 1..20 digits, no sign, no leading zero but "0" itself, at most 2^64 - 1. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static postq_err checkpoint_parse(struct postq_tlog_checkpoint *cp, const char *text, size_t len,
                                  char *detail, size_t cap)
{
    size_t pos = 0, line = 0, at;
    const char *why;

    if (!note_text_ok(text, len, &at, &why)) {
        postq_attest_detail(detail, cap, "checkpoint: byte %zu %s", at, why);
        return POSTQ_E_MALFORMED;
    }
    if (len == 0 || text[len - 1] != '\n') {
        postq_attest_detail(detail, cap, "checkpoint: does not end in a newline");
        return POSTQ_E_MALFORMED;
    }
    while (pos < len) {
        const char *l = text + pos;
        size_t n = (size_t)((const char *)memchr(l, '\n', len - pos) - l);
        size_t got = 0;

        if (n == 0) {
            postq_attest_detail(detail, cap, "checkpoint: line %zu is empty", line + 1);
            return POSTQ_E_MALFORMED;
        }
        if (line == 0) {
            if (n >= sizeof(cp->origin)) {
                postq_attest_detail(detail, cap, "checkpoint: origin over %zu bytes",
                                    sizeof(cp->origin) - 1);
                return POSTQ_E_MALFORMED;
            }
            memcpy(cp->origin, l, n);
            cp->origin[n] = '\0';
        } else if (line == 1) {
            if (parse_u64(l, n, &cp->size) != 0) {
                postq_attest_detail(detail, cap,
                                    "checkpoint: tree size is not a canonical decimal number "
                                    "below 2^64");
                return POSTQ_E_MALFORMED;
            }
        } else if (line == 2) {
            /* 44 characters, one "=": the only canonical base64 of 32 bytes. */
            if (n != 44 ||
                postq_base64_decode_public(cp->root, sizeof(cp->root), &got, l, n, POSTQ_B64_STD) !=
                    POSTQ_OK ||
                got != sizeof(cp->root)) {
                postq_attest_detail(detail, cap,
                                    "checkpoint: root hash is not canonical base64 of 32 bytes");
                return POSTQ_E_MALFORMED;
            }
        } /* further lines: extensions, opaque (tlog-checkpoint: non-empty is all they must be) */
        pos += n + 1;
        line++;
    }
    if (line < 3) {
        postq_attest_detail(detail, cap, "checkpoint: %zu lines, not origin, size and root", line);
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

postq_err postq_tlog_checkpoint_parse(struct postq_tlog_checkpoint *cp, const char *text,
                                      size_t len, char *detail, size_t cap)
{
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (cp == NULL) {
        return POSTQ_E_ARG;
    }
    memset(cp, 0, sizeof(*cp));
    if (text == NULL) {
        return POSTQ_E_ARG;
    }
    err = checkpoint_parse(cp, text, len, detail, cap);
    if (err != POSTQ_OK) {
        memset(cp, 0, sizeof(*cp));
    }
    return err;
}

postq_err postq_tlog_checkpoint_body(char *out, size_t cap, size_t *len, const char *origin,
                                     uint64_t size, const uint8_t root[32])
{
    char dec[24];
    size_t olen, dlen, n;
    postq_err err;

    if (len != NULL) {
        *len = 0;
    }
    if (out == NULL || origin == NULL || root == NULL) {
        return POSTQ_E_ARG;
    }
    if (cap > 0) {
        out[0] = '\0';
    }
    olen = strlen(origin);
    /* Producer side: the origin a verifier is advised to expect (a schema-less URL-like text:
     * no space, no "+"), which name_ok checks as for key names. */
    if (olen >= POSTQ_TLOG_ORIGIN_MAX || !name_ok(origin, olen)) {
        return POSTQ_E_MALFORMED;
    }
    dlen = (size_t)snprintf(dec, sizeof(dec), "%" PRIu64, size);
    n = olen + 1 + dlen + 1 + 44 + 1;
    if (n + 1 > cap) {
        return POSTQ_E_LENGTH;
    }
    (void)snprintf(out, cap, "%s\n%s\n", origin, dec);
    err = postq_base64_encode_public(out + olen + dlen + 2, cap - olen - dlen - 2, NULL, root, 32,
                                     POSTQ_B64_STD);
    if (err != POSTQ_OK) {
        out[0] = '\0';
        return err;
    }
    out[n - 1] = '\n';
    out[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return POSTQ_OK;
}

/* ---- signature lines ----------------------------------------------------------------------- */

postq_err postq_tlog_sig_line(char *out, size_t cap, size_t *len, const struct postq_tlog_vkey *k,
                              const uint8_t *sig, size_t sig_len)
{
    uint8_t raw[4 + POSTQ_TLOG_COMPOSITE_SIG_BYTES];
    size_t nlen, b64_len, n, at;
    postq_err err;

    if (out == NULL || len == NULL || k == NULL || sig == NULL || !vkey_ok(k)) {
        return POSTQ_E_ARG;
    }
    if (*len >= cap) {
        return POSTQ_E_LENGTH;
    }
    if (sig_len != type_sig_bytes(k->type)) {
        return POSTQ_E_LENGTH;
    }
    nlen = strlen(k->name);
    raw[0] = (uint8_t)(k->id >> 24);
    raw[1] = (uint8_t)(k->id >> 16);
    raw[2] = (uint8_t)(k->id >> 8);
    raw[3] = (uint8_t)k->id;
    memcpy(raw + 4, sig, sig_len);
    b64_len = postq_base64_encoded_len(4 + sig_len, POSTQ_B64_STD);
    n = SIG_PREFIX_LEN + nlen + 1 + b64_len + 1;
    if (n + 1 > cap - *len) {
        return POSTQ_E_LENGTH;
    }
    at = *len;
    memcpy(out + at, SIG_PREFIX, SIG_PREFIX_LEN);
    memcpy(out + at + SIG_PREFIX_LEN, k->name, nlen);
    out[at + SIG_PREFIX_LEN + nlen] = ' ';
    err = postq_base64_encode_public(out + at + SIG_PREFIX_LEN + nlen + 1,
                                     cap - at - SIG_PREFIX_LEN - nlen - 1, NULL, raw, 4 + sig_len,
                                     POSTQ_B64_STD);
    if (err != POSTQ_OK) {
        out[at] = '\0';
        return err;
    }
    out[at + n - 1] = '\n';
    out[at + n] = '\0';
    *len = at + n;
    return POSTQ_OK;
}

/* note_sign and note_sign_skey: the composite key is comp_sk (a private key) or comp_skey (its
 * expanded form), exactly one of them. */
static postq_err note_sign(char *out, size_t cap, size_t *len, const char *body, size_t body_len,
                           const struct postq_tlog_vkey *ed_vk, const uint8_t ed_seed[32],
                           const struct postq_tlog_vkey *comp_vk, const uint8_t *comp_sk,
                           const struct postq_hybrid_skey *comp_skey)
{
    struct postq_tlog_checkpoint cp;
    uint8_t ed_pk[POSTQ_ED25519_PK_BYTES], ed_sig[POSTQ_ED25519_SIG_BYTES];
    uint8_t comp_pk[POSTQ_HYBRID_PK_MAX], comp_sig[POSTQ_TLOG_COMPOSITE_SIG_BYTES];
    size_t need, n;
    postq_err err;

    if (len != NULL) {
        *len = 0;
    }
    if (out == NULL || len == NULL || body == NULL || ed_vk == NULL || ed_seed == NULL ||
        comp_vk == NULL || (comp_sk == NULL) == (comp_skey == NULL)) {
        return POSTQ_E_ARG;
    }
    if (cap > 0) {
        out[0] = '\0';
    }
    if (!vkey_ok(ed_vk) || ed_vk->type != POSTQ_TLOG_TYPE_ED25519 || !vkey_ok(comp_vk) ||
        comp_vk->type != POSTQ_TLOG_TYPE_COMPOSITE) {
        return POSTQ_E_ARG;
    }
    if (body_len > POSTQ_TLOG_NOTE_MAX ||
        checkpoint_parse(&cp, body, body_len, NULL, 0) != POSTQ_OK) {
        return POSTQ_E_MALFORMED;
    }
    /* Everything the note will hold, so that nothing is signed in vain. */
    need = body_len + 1 + SIG_PREFIX_LEN + strlen(ed_vk->name) + 1 +
           postq_base64_encoded_len(4 + POSTQ_TLOG_ED25519_SIG_BYTES, POSTQ_B64_STD) + 1 +
           SIG_PREFIX_LEN + strlen(comp_vk->name) + 1 +
           postq_base64_encoded_len(4 + POSTQ_TLOG_COMPOSITE_SIG_BYTES, POSTQ_B64_STD) + 1;
    if (need + 1 > cap) {
        return POSTQ_E_LENGTH;
    }
    /* The private keys must be the pinned keys' (public values from here on). An expanded key
     * carries its public key, and its caller made ed_vk from ed_seed: no key generation per
     * note. */
    if (comp_skey == NULL) {
        err = postq_ed_keypair(POSTQ_ED25519, ed_seed, ed_pk);
        if (err != POSTQ_OK) {
            return err;
        }
        if (memcmp(ed_pk, ed_vk->pk, sizeof(ed_pk)) != 0) {
            return POSTQ_E_KEY_INVALID;
        }
    } else {
        memcpy(ed_pk, ed_vk->pk, sizeof(ed_pk));
    }
    if (comp_skey != NULL) {
        if (comp_skey->alg == NULL || strcmp(comp_skey->alg, POSTQ_TLOG_COMPOSITE_ALG) != 0 ||
            comp_skey->pk_len != POSTQ_TLOG_COMPOSITE_PK_BYTES ||
            memcmp(comp_skey->pk, comp_vk->pk, POSTQ_TLOG_COMPOSITE_PK_BYTES) != 0) {
            return POSTQ_E_KEY_INVALID;
        }
    } else {
        err = postq_hybrid_public_key(POSTQ_TLOG_COMPOSITE_ALG, comp_sk, comp_pk);
        if (err != POSTQ_OK) {
            return err;
        }
        if (memcmp(comp_pk, comp_vk->pk, POSTQ_TLOG_COMPOSITE_PK_BYTES) != 0) {
            return POSTQ_E_KEY_INVALID;
        }
    }

    memcpy(out, body, body_len);
    out[body_len] = '\n';
    out[body_len + 1] = '\0';
    n = body_len + 1;
    err = postq_ed_sign_pk(POSTQ_ED25519, ed_seed, ed_pk, (const uint8_t *)body, body_len, ed_sig);
    if (err == POSTQ_OK) {
        err = postq_tlog_sig_line(out, cap, &n, ed_vk, ed_sig, sizeof(ed_sig));
    }
    if (err == POSTQ_OK) {
        /* The empty context, as every PostQ composite signature (include/postq/hybrid.h). */
        err = comp_skey != NULL
                  ? postq_hybrid_sign_skey(comp_skey, (const uint8_t *)body, body_len, NULL, 0,
                                           comp_sig)
                  : postq_hybrid_sign(POSTQ_TLOG_COMPOSITE_ALG, comp_sk, (const uint8_t *)body,
                                      body_len, NULL, 0, comp_sig);
    }
    if (err == POSTQ_OK) {
        err = postq_tlog_sig_line(out, cap, &n, comp_vk, comp_sig, sizeof(comp_sig));
    }
    if (err != POSTQ_OK) {
        out[0] = '\0';
        return err;
    }
    *len = n;
    return POSTQ_OK;
}

postq_err postq_tlog_note_sign(char *out, size_t cap, size_t *len, const char *body,
                               size_t body_len, const struct postq_tlog_vkey *ed_vk,
                               const uint8_t ed_seed[32], const struct postq_tlog_vkey *comp_vk,
                               const uint8_t comp_sk[64])
{
    if (comp_sk == NULL) {
        if (len != NULL) {
            *len = 0;
        }
        return POSTQ_E_ARG;
    }
    return note_sign(out, cap, len, body, body_len, ed_vk, ed_seed, comp_vk, comp_sk, NULL);
}

postq_err postq_tlog_note_sign_skey(char *out, size_t cap, size_t *len, const char *body,
                                    size_t body_len, const struct postq_tlog_vkey *ed_vk,
                                    const uint8_t ed_seed[32],
                                    const struct postq_tlog_vkey *comp_vk,
                                    const struct postq_hybrid_skey *comp_skey)
{
    if (comp_skey == NULL) {
        if (len != NULL) {
            *len = 0;
        }
        return POSTQ_E_ARG;
    }
    return note_sign(out, cap, len, body, body_len, ed_vk, ed_seed, comp_vk, NULL, comp_skey);
}

/* ---- opening notes ------------------------------------------------------------------------- */

struct sig_line {
    const char *name;
    size_t name_len;
    uint32_t id;
    const uint8_t *sig;
    size_t sig_len;
};

/* Parse line[0..n) (no "\n") as "— name base64(id || sig)", decoding into raw[LINE_RAW_MAX]. */
static postq_err parse_sig_line(struct sig_line *s, const char *line, size_t n, uint8_t *raw,
                                size_t lineno, char *detail, size_t cap)
{
    const char *sp;
    size_t raw_len = 0;

    if (n < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0) {
        postq_attest_detail(detail, cap, "signature line %zu: does not begin with an em dash",
                            lineno);
        return POSTQ_E_MALFORMED;
    }
    line += SIG_PREFIX_LEN;
    n -= SIG_PREFIX_LEN;
    sp = memchr(line, ' ', n);
    if (sp == NULL || !name_ok(line, (size_t)(sp - line))) {
        postq_attest_detail(detail, cap, "signature line %zu: no valid key name", lineno);
        return POSTQ_E_MALFORMED;
    }
    s->name = line;
    s->name_len = (size_t)(sp - line);
    sp++;
    n -= s->name_len + 1;
    if (n == 0 ||
        postq_base64_decode_public(raw, LINE_RAW_MAX, &raw_len, sp, n, POSTQ_B64_STD) != POSTQ_OK) {
        postq_attest_detail(detail, cap, "signature line %zu: not canonical padded base64", lineno);
        return POSTQ_E_MALFORMED;
    }
    if (raw_len < 5) {
        postq_attest_detail(detail, cap, "signature line %zu: no signature after the key ID",
                            lineno);
        return POSTQ_E_MALFORMED;
    }
    s->id =
        (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | (uint32_t)raw[3];
    s->sig = raw + 4;
    s->sig_len = raw_len - 4;
    return POSTQ_OK;
}

static postq_err verify_under(const struct postq_tlog_vkey *k, const char *text, size_t len,
                              const uint8_t *sig, size_t sig_len)
{
    if (k->type == POSTQ_TLOG_TYPE_ED25519) {
        if (sig_len != POSTQ_TLOG_ED25519_SIG_BYTES) {
            return POSTQ_E_INVALID;
        }
        return postq_ed_verify(POSTQ_ED25519, k->pk, (const uint8_t *)text, len, sig, sig_len);
    }
    return postq_hybrid_verify(POSTQ_TLOG_COMPOSITE_ALG, k->pk, (const uint8_t *)text, len, NULL, 0,
                               sig, sig_len);
}

/* Walk the signature block sigs[0..n) (every line ends in "\n"); verify (pass 1) or only parse
 * (pass 0). seen[j] is set when keys[j] has a line that verifies. */
static postq_err walk_sigs(const char *sigs, size_t n, const char *text, size_t tlen,
                           const struct postq_tlog_vkey *keys, size_t nkeys, int verify,
                           unsigned char *seen, uint8_t *raw, char *detail, size_t cap)
{
    size_t pos = 0, lineno = 0;

    while (pos < n) {
        const char *l = sigs + pos;
        size_t ll = (size_t)((const char *)memchr(l, '\n', n - pos) - l);
        struct sig_line s;
        postq_err err;

        lineno++;
        err = parse_sig_line(&s, l, ll, raw, lineno, detail, cap);
        if (err != POSTQ_OK) {
            return err;
        }
        for (size_t j = 0; verify && j < nkeys; j++) {
            if (s.id != keys[j].id || s.name_len != strlen(keys[j].name) ||
                memcmp(s.name, keys[j].name, s.name_len) != 0) {
                continue;
            }
            /* signed-note: a line of a known key MUST be verified; one that fails rejects. */
            err = verify_under(&keys[j], text, tlen, s.sig, s.sig_len);
            if (err == POSTQ_E_INVALID) {
                postq_attest_detail(detail, cap, "signature by %s+%08" PRIx32 " does not verify",
                                    keys[j].name, keys[j].id);
                return POSTQ_E_INVALID;
            }
            if (err != POSTQ_OK) {
                postq_attest_detail(detail, cap, "verifying %s+%08" PRIx32 ": %s", keys[j].name,
                                    keys[j].id, postq_strerror(err));
                return err;
            }
            seen[j] = 1;
        }
        pos += ll + 1;
    }
    return POSTQ_OK;
}

postq_err postq_tlog_note_open(const char *note, size_t len, const struct postq_tlog_vkey *keys,
                               size_t nkeys, size_t *text_len, char *detail, size_t cap)
{
    uint8_t raw[LINE_RAW_MAX];
    unsigned char seen[POSTQ_TLOG_KEYS_MAX] = {0};
    size_t split, at;
    const char *why;
    postq_err err;

    postq_attest_detail(detail, cap, "%s", "");
    if (text_len != NULL) {
        *text_len = 0;
    }
    if (note == NULL || keys == NULL || text_len == NULL || nkeys == 0 ||
        nkeys > POSTQ_TLOG_KEYS_MAX) {
        postq_attest_detail(detail, cap, "note: bad arguments");
        return POSTQ_E_ARG;
    }
    for (size_t j = 0; j < nkeys; j++) {
        if (!vkey_ok(&keys[j])) {
            postq_attest_detail(detail, cap, "note: pinned key %zu is not a verifier key", j);
            return POSTQ_E_ARG;
        }
        for (size_t i = 0; i < j; i++) {
            if (keys[i].id == keys[j].id && strcmp(keys[i].name, keys[j].name) == 0) {
                postq_attest_detail(detail, cap, "note: two pinned keys are %s+%08" PRIx32,
                                    keys[j].name, keys[j].id);
                return POSTQ_E_ARG;
            }
        }
    }
    if (len > POSTQ_TLOG_NOTE_MAX) {
        postq_attest_detail(detail, cap, "note: over %d bytes", POSTQ_TLOG_NOTE_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    if (!note_text_ok(note, len, &at, &why)) {
        postq_attest_detail(detail, cap, "note: byte %zu %s", at, why);
        return POSTQ_E_MALFORMED;
    }
    /* The text ends at the last empty line (signed-note, Format): find the last "\n\n". */
    for (split = len; split >= 2; split--) {
        if (note[split - 2] == '\n' && note[split - 1] == '\n') {
            break;
        }
    }
    if (split < 2) {
        postq_attest_detail(detail, cap, "note: no empty line before the signatures");
        return POSTQ_E_MALFORMED;
    }
    /* note[0..split - 1) is the text (its final "\n" included), note[split..len) the lines. */
    if (split == len) {
        postq_attest_detail(detail, cap, "note: no signature line");
        return POSTQ_E_MALFORMED;
    }
    if (note[len - 1] != '\n') {
        postq_attest_detail(detail, cap, "note: does not end in a newline");
        return POSTQ_E_MALFORMED;
    }
    /* Parse every line before verifying any: a malformed note is malformed whatever it signs. */
    err = walk_sigs(note + split, len - split, note, split - 1, keys, nkeys, 0, seen, raw, detail,
                    cap);
    if (err == POSTQ_OK) {
        err = walk_sigs(note + split, len - split, note, split - 1, keys, nkeys, 1, seen, raw,
                        detail, cap);
    }
    if (err != POSTQ_OK) {
        return err;
    }
    for (size_t j = 0; j < nkeys; j++) {
        if (!seen[j]) {
            postq_attest_detail(detail, cap, "note: no signature by %s+%08" PRIx32, keys[j].name,
                                keys[j].id);
            return POSTQ_E_INVALID;
        }
    }
    *text_len = split - 1;
    return POSTQ_OK;
}

postq_err postq_tlog_note_verify(const char *note, size_t len, const struct postq_tlog_vkey *keys,
                                 size_t nkeys, struct postq_tlog_checkpoint *cp, char *detail,
                                 size_t cap)
{
    size_t tlen = 0;
    postq_err err;

    if (cp == NULL) {
        postq_attest_detail(detail, cap, "note: bad arguments");
        return POSTQ_E_ARG;
    }
    memset(cp, 0, sizeof(*cp));
    err = postq_tlog_note_open(note, len, keys, nkeys, &tlen, detail, cap);
    if (err == POSTQ_OK) {
        err = checkpoint_parse(cp, note, tlen, detail, cap);
    }
    if (err != POSTQ_OK) {
        memset(cp, 0, sizeof(*cp));
    }
    return err;
}

postq_err postq_tlog_origin_check(const char *origin, const char *key_name)
{
    size_t n;

    if (origin == NULL || key_name == NULL) {
        return POSTQ_E_ARG;
    }
    n = strlen(key_name);
    if (n == 0 || strncmp(origin, key_name, n) != 0 || origin[n] != '/') {
        return POSTQ_E_INVALID;
    }
    return postq_id_check(origin + n + 1, "org") == POSTQ_OK ? POSTQ_OK : POSTQ_E_INVALID;
}

/* ---- the log entry ------------------------------------------------------------------------- */

/* An entry's text field: 1..127 bytes of 0x21..0x7e, so that it is one field on one line. */
static int field_ok(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        if (n >= POSTQ_TLOG_FIELD_MAX - 1 || s[n] < 0x21 || s[n] > 0x7e) {
            return 0;
        }
    }
    return n > 0;
}

static postq_err sha256_hex(char hex[2 * POSTQ_SHA256_BYTES + 1], const uint8_t *p, size_t n)
{
    uint8_t d[POSTQ_SHA256_BYTES];
    postq_err err = postq_sha256(d, p, n);

    if (err != POSTQ_OK) {
        return err;
    }
    return postq_hex_encode(hex, 2 * POSTQ_SHA256_BYTES + 1, d, sizeof(d));
}

postq_err postq_tlog_entry(char *out, size_t cap, size_t *len, const struct postq_tlog_entry_in *in)
{
    char pk_hex[65], payload_hex[65], sig_hex[65], doc_hex[65], att[POSTQ_TLOG_ENTRY_MAX];
    const char *reason;
    int n;
    postq_err err;

    if (len != NULL) {
        *len = 0;
    }
    if (out == NULL || in == NULL) {
        return POSTQ_E_ARG;
    }
    if (cap > 0) {
        out[0] = '\0';
    }
    /* Byte strings may be empty (their SHA-256 is still defined: a verifier rebuilding the
     * entry from a damaged sign result gets a text that simply does not match the log). */
    if (in->sig_id == NULL || in->key_id == NULL || in->algorithm == NULL ||
        (in->public_key == NULL && in->public_key_len > 0) || in->payload_sha256 == NULL ||
        (in->signature == NULL && in->sig_len > 0) || in->created_at == NULL ||
        (in->vendor != NULL && (in->module_id == NULL || (in->doc == NULL && in->doc_len > 0)))) {
        return POSTQ_E_ARG;
    }
    reason = in->reason != NULL && in->reason[0] != '\0' ? in->reason : NULL;
    if (!field_ok(in->sig_id) || !field_ok(in->key_id) || !field_ok(in->algorithm) ||
        !field_ok(in->created_at) || in->key_version < 1 ||
        (reason != NULL && (!field_ok(reason) || strcmp(reason, "-") == 0 || !in->verdict_fail))) {
        return POSTQ_E_INVALID;
    }
    /* "attestation none" must mean exactly one thing; a key without attestation always passes. */
    if (in->vendor != NULL &&
        (!field_ok(in->vendor) || strcmp(in->vendor, "none") == 0 || !field_ok(in->module_id))) {
        return POSTQ_E_INVALID;
    }
    if (in->vendor == NULL && in->verdict_fail) {
        return POSTQ_E_INVALID;
    }

    err = in->public_key_sha256 != NULL
              ? postq_hex_encode(pk_hex, sizeof(pk_hex), in->public_key_sha256, 32)
              : sha256_hex(pk_hex, in->public_key, in->public_key_len);
    if (err == POSTQ_OK) {
        err = postq_hex_encode(payload_hex, sizeof(payload_hex), in->payload_sha256, 32);
    }
    if (err == POSTQ_OK) {
        err = in->sig_sha256 != NULL ? postq_hex_encode(sig_hex, sizeof(sig_hex), in->sig_sha256, 32)
                                     : sha256_hex(sig_hex, in->signature, in->sig_len);
    }
    if (err == POSTQ_OK && in->vendor != NULL) {
        err = in->doc_sha256 != NULL ? postq_hex_encode(doc_hex, sizeof(doc_hex), in->doc_sha256, 32)
                                     : sha256_hex(doc_hex, in->doc, in->doc_len);
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (in->vendor != NULL) {
        (void)snprintf(att, sizeof(att), "%s %s %" PRIu64 " %s", in->vendor, in->module_id,
                       in->counter, doc_hex);
    } else {
        (void)snprintf(att, sizeof(att), "none");
    }
    n = snprintf(out, cap,
                 "postq-log-entry/v1\n"
                 "signature %s\n"
                 "key %s %" PRId64 " %s %s\n"
                 "payload %s\n"
                 "sig %s\n"
                 "attestation %s\n"
                 "verdict %s %s\n"
                 "created %s\n",
                 in->sig_id, in->key_id, in->key_version, in->algorithm, pk_hex, payload_hex,
                 sig_hex, att, in->verdict_fail ? "fail" : "pass", reason != NULL ? reason : "-",
                 in->created_at);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0) {
            out[0] = '\0';
        }
        return POSTQ_E_LENGTH;
    }
    if (len != NULL) {
        *len = (size_t)n;
    }
    return POSTQ_OK;
}
