/* SPDX-License-Identifier: Apache-2.0 */
/* Software keys: the server's key-encryption key (DIR/kek.key, 32 bytes, 0600, created
 * atomically) and AES-256-GCM sealing of a composite private key bound to its key id and
 * algorithm. API tokens: "pqk_<apikey id>_<secret>", of which only SHA-256(secret) is stored.
 *
 * | sealed software key | bytes | meaning                                   |
 * |---------------------|-------|-------------------------------------------|
 * | version             | 1     | 1                                         |
 * | nonce               | 12    | random                                    |
 * | ciphertext          | n     | the composite private key                 |
 * | tag                 | 16    | GCM tag over "postq-sw-key\0" keyId \0 alg |
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/id.h"
#include "common/mem.h"
#include "crypto/aead.h"
#include "crypto/rand.h"
#include "crypto/sha2.h"
#include "server/server.h"

#define KEK_FILE "kek.key"
#define SEAL_VERSION 1
#define AAD_MAX 256

static postq_err read_kek(const char *path, uint8_t kek[POSTQ_KEK_BYTES])
{
    struct stat sb;
    ssize_t n;
    uint8_t extra;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return errno == ENOENT ? POSTQ_E_NOT_FOUND : POSTQ_E_IO;
    }
    if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return POSTQ_E_IO;
    }
    n = read(fd, kek, POSTQ_KEK_BYTES);
    if (n != POSTQ_KEK_BYTES || read(fd, &extra, 1) != 0) {
        close(fd);
        postq_wipe(kek, POSTQ_KEK_BYTES);
        return POSTQ_E_IO;
    }
    close(fd);
    return POSTQ_OK;
}

/* Write kek to the new file path through tmp (mode 0600, fsync, link(), fsync of dir):
 * POSTQ_E_CONFLICT when path exists (link() never replaces it), POSTQ_E_IO otherwise. */
static postq_err write_new(const char *path, const char *tmp, const char *dir,
                           const uint8_t kek[POSTQ_KEK_BYTES])
{
    int fd, ok, e;

    (void)unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return POSTQ_E_IO;
    }
    ok = write(fd, kek, POSTQ_KEK_BYTES) == (ssize_t)POSTQ_KEK_BYTES && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || link(tmp, path) != 0) {
        e = errno;
        (void)unlink(tmp);
        errno = e;
        return ok && e == EEXIST ? POSTQ_E_CONFLICT : POSTQ_E_IO;
    }
    (void)unlink(tmp);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok ? POSTQ_OK : POSTQ_E_IO;
}

postq_err postq_kek_load(const char *dir, uint8_t kek[POSTQ_KEK_BYTES])
{
    char path[4096], tmp[4096];
    postq_err err;
    size_t n;

    if (snprintf(path, sizeof(path), "%s/%s", dir, KEK_FILE) >= (int)sizeof(path) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, KEK_FILE, (long)getpid()) >=
            (int)sizeof(tmp)) {
        return POSTQ_E_ARG;
    }
    /* mkdir -p: every missing component, 0700. */
    n = strlen(dir);
    memcpy(tmp, dir, n + 1); /* fits: path above is longer */
    for (size_t i = 1; i < n; i++) {
        if (tmp[i] == '/') {
            tmp[i] = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
                return POSTQ_E_IO;
            }
            tmp[i] = '/';
        }
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return POSTQ_E_IO;
    }
    if (snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, KEK_FILE, (long)getpid()) >=
        (int)sizeof(tmp)) {
        return POSTQ_E_ARG;
    }
    err = read_kek(path, kek);
    if (err != POSTQ_E_NOT_FOUND) {
        return err;
    }
    err = postq_rand_bytes(kek, POSTQ_KEK_BYTES);
    if (err != POSTQ_OK) {
        return err;
    }
    /* CONFLICT: another process created the key first; then use theirs. */
    err = write_new(path, tmp, dir, kek);
    if (err == POSTQ_E_CONFLICT) {
        err = read_kek(path, kek);
    }
    if (err != POSTQ_OK) {
        goto out;
    }
    err = POSTQ_OK;
out:
    if (err != POSTQ_OK) {
        postq_wipe(kek, POSTQ_KEK_BYTES);
    }
    return err;
}

postq_err postq_kek_load_file(const char *path, uint8_t kek[POSTQ_KEK_BYTES])
{
    return read_kek(path, kek);
}

postq_err postq_kek_new_file(const char *path)
{
    uint8_t kek[POSTQ_KEK_BYTES];
    char tmp[4200], buf[4200];
    const char *dir;
    postq_err err;

    if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(buf) - 40) {
        return POSTQ_E_ARG;
    }
    snprintf(buf, sizeof(buf), "%s", path);
    dir = dirname(buf); /* "." for a bare file name */
    snprintf(tmp, sizeof(tmp), "%s/.postq-kek.tmp.%ld", dir, (long)getpid());
    err = postq_rand_bytes(kek, sizeof(kek));
    if (err == POSTQ_OK) {
        err = write_new(path, tmp, dir, kek);
    }
    postq_wipe(kek, sizeof(kek));
    return err;
}

static postq_err make_aad(uint8_t *aad, size_t *len, const char *key_id, const char *alg)
{
    static const char label[] = "postq-sw-key";
    size_t a = sizeof(label), b = strlen(key_id) + 1, c = strlen(alg);
    if (a + b + c > AAD_MAX) {
        return POSTQ_E_ARG;
    }
    memcpy(aad, label, a);
    memcpy(aad + a, key_id, b);
    memcpy(aad + a + b, alg, c);
    *len = a + b + c;
    return POSTQ_OK;
}

postq_err postq_kek_seal(uint8_t *out, size_t out_cap, size_t *out_len,
                         const uint8_t kek[POSTQ_KEK_BYTES], const char *key_id, const char *alg,
                         const uint8_t *sk, size_t sk_len)
{
    uint8_t aad[AAD_MAX];
    size_t aad_len;
    postq_err err;

    *out_len = 0;
    if (out_cap < sk_len + POSTQ_KEK_SEALED_OVERHEAD) {
        return POSTQ_E_LENGTH;
    }
    err = make_aad(aad, &aad_len, key_id, alg);
    if (err != POSTQ_OK) {
        return err;
    }
    out[0] = SEAL_VERSION;
    err = postq_rand_bytes(out + 1, POSTQ_AEAD_NONCE_BYTES);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_aead_seal(out + 1 + POSTQ_AEAD_NONCE_BYTES,
                          out + 1 + POSTQ_AEAD_NONCE_BYTES + sk_len, kek, out + 1, aad, aad_len,
                          sk, sk_len);
    if (err == POSTQ_OK) {
        *out_len = sk_len + POSTQ_KEK_SEALED_OVERHEAD;
    }
    return err;
}

postq_err postq_kek_open(uint8_t *sk, size_t sk_cap, size_t *sk_len,
                         const uint8_t kek[POSTQ_KEK_BYTES], const char *key_id, const char *alg,
                         const uint8_t *in, size_t in_len)
{
    uint8_t aad[AAD_MAX];
    size_t aad_len, n;
    postq_err err;

    *sk_len = 0;
    if (in_len < POSTQ_KEK_SEALED_OVERHEAD || in[0] != SEAL_VERSION) {
        return POSTQ_E_INVALID;
    }
    n = in_len - POSTQ_KEK_SEALED_OVERHEAD;
    if (n > sk_cap) {
        return POSTQ_E_INVALID;
    }
    err = make_aad(aad, &aad_len, key_id, alg);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_aead_open(sk, kek, in + 1, aad, aad_len, in + 1 + POSTQ_AEAD_NONCE_BYTES, n,
                          in + 1 + POSTQ_AEAD_NONCE_BYTES + n);
    if (err == POSTQ_OK) {
        *sk_len = n;
    }
    return err;
}

/* ---- tokens ---- */

#define SECRET_B64_CHARS 43 /* base64url of 32 bytes, unpadded */

postq_err postq_token_new(char *token, size_t cap, const char *apikey_id,
                          const uint8_t secret[POSTQ_TOKEN_SECRET_BYTES])
{
    char b64[SECRET_B64_CHARS + 1];
    postq_err err;
    int n;

    err = postq_base64_encode(b64, sizeof(b64), NULL, secret, POSTQ_TOKEN_SECRET_BYTES,
                              POSTQ_B64_URL);
    if (err != POSTQ_OK) {
        return err;
    }
    n = snprintf(token, cap, "%s%s_%s", POSTQ_TOKEN_PREFIX, apikey_id, b64);
    postq_wipe(b64, sizeof(b64));
    if (n < 0 || (size_t)n >= cap) {
        postq_wipe(token, cap);
        return POSTQ_E_LENGTH;
    }
    return POSTQ_OK;
}

postq_err postq_token_parse(const char *token, size_t len, char *id, size_t id_cap,
                            uint8_t hash[32])
{
    const size_t pre = sizeof(POSTQ_TOKEN_PREFIX) - 1;
    const size_t id_len = 3 + POSTQ_ID_BODY_CHARS; /* "ak_" + body */
    uint8_t secret[POSTQ_TOKEN_SECRET_BYTES];
    size_t n = 0;
    postq_err err;

    if (len != pre + id_len + 1 + SECRET_B64_CHARS || id_cap <= id_len ||
        memcmp(token, POSTQ_TOKEN_PREFIX, pre) != 0 || token[pre + id_len] != '_') {
        return POSTQ_E_AUTH;
    }
    memcpy(id, token + pre, id_len);
    id[id_len] = '\0';
    if (postq_id_check(id, "ak") != POSTQ_OK) {
        return POSTQ_E_AUTH;
    }
    err = postq_base64_decode(secret, sizeof(secret), &n, token + pre + id_len + 1,
                              SECRET_B64_CHARS, POSTQ_B64_URL);
    if (err != POSTQ_OK || n != sizeof(secret)) {
        postq_wipe(secret, sizeof(secret));
        return POSTQ_E_AUTH;
    }
    err = postq_sha256(hash, secret, sizeof(secret));
    postq_wipe(secret, sizeof(secret));
    return err;
}
