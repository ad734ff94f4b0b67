/* SPDX-License-Identifier: Apache-2.0 */
/* The deployment secret [docs/enclave-protocol.md]: one file that gives every enclave of a
 * deployment the same root key seed and sealing key, so that one policy pins them all and any
 * of them unseals any key of the deployment. 104 bytes:
 *
 *   "PQDS" | version 1 | root kind (1) | 2 zero bytes | root seed (32) | sealing key (32) |
 *   SHA-256 of the 72 bytes before it (32)
 *
 * root kind: 2 the composite mldsa65+ed25519 root, 1 Ed25519; 0 (a secret written before
 * composite roots) Ed25519 too.
 *
 * Written once, mode 0600, never over an existing file (postq_enclave_write_new: a temporary
 * file, fsync, link() to the name, fsync of the directory). */
#include "enclave/enclave.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ct.h"
#include "common/mem.h"
#include "crypto/rand.h"
#include "crypto/sha2.h"

#define SECRET_BYTES 104
static const uint8_t secret_magic[5] = {'P', 'Q', 'D', 'S', 1};

static postq_err secret_encode(uint8_t out[SECRET_BYTES], int root_alg, const uint8_t root[32],
                               const uint8_t seal[32])
{
    memcpy(out, secret_magic, 5);
    out[5] = (uint8_t)root_alg;
    out[6] = 0;
    out[7] = 0;
    memcpy(out + 8, root, 32);
    memcpy(out + 40, seal, 32);
    return postq_sha256(out + 72, out, 72);
}

/* Write buf (the encoded secret) at path, with the messages of secret new. */
static postq_err write_secret(const char *path, const uint8_t *buf, char *detail, size_t cap)
{
    postq_err err = postq_enclave_write_new(path, buf, SECRET_BYTES);
    if (err == POSTQ_E_CONFLICT) {
        snprintf(detail, cap, "secret: %s: exists; a deployment secret is never replaced", path);
    } else if (err == POSTQ_E_ARG) {
        snprintf(detail, cap, "secret: no file name");
    } else if (err == POSTQ_E_IO) {
        snprintf(detail, cap, "secret: %s: %s", path, strerror(errno));
    } else if (err != POSTQ_OK) {
        snprintf(detail, cap, "secret: %s", postq_strerror(err));
    }
    return err;
}

postq_err postq_enclave_secret_new(const char *path, int root_alg, char *detail, size_t cap)
{
    uint8_t *buf, root[32], seal[32];
    postq_err err;

    buf = postq_malloc(SECRET_BYTES);
    if (buf == NULL) {
        return POSTQ_E_NOMEM;
    }
    err = postq_rand_bytes(root, sizeof(root));
    err = err == POSTQ_OK ? postq_rand_bytes(seal, sizeof(seal)) : err;
    err = err == POSTQ_OK ? secret_encode(buf, root_alg != 0 ? root_alg : POSTQ_ROOT_COMPOSITE,
                                          root, seal)
                          : err;
    postq_wipe(root, sizeof(root));
    postq_wipe(seal, sizeof(seal));
    if (err == POSTQ_OK) {
        err = write_secret(path, buf, detail, cap);
    } else {
        snprintf(detail, cap, "secret: %s", postq_strerror(err));
    }
    postq_wipe(buf, SECRET_BYTES);
    postq_free(buf);
    return err;
}

postq_err postq_enclave_secret_derive(const char *path, int root_alg, const char *from,
                                      const char *from_state, char *detail, size_t cap)
{
    uint8_t *buf, root[32], seal[32];
    size_t len = 0;
    int old_alg = 0;
    postq_err err;

    buf = postq_malloc(SECRET_BYTES);
    if (buf == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (from != NULL) {
        err = postq_enclave_secret_load(from, root, seal, &old_alg, detail, cap);
    } else {
        err = postq_enclave_read_file(from_state, "root.key", root, sizeof(root), &len);
        if (err == POSTQ_OK && len == 32) {
            err = postq_enclave_read_file(from_state, "seal.key", seal, sizeof(seal), &len);
        }
        if (err != POSTQ_OK || len != 32) {
            snprintf(detail, cap, "state directory %s: no readable root.key and seal.key",
                     from_state);
            err = err != POSTQ_OK ? err : POSTQ_E_MALFORMED;
        }
    }
    if (err == POSTQ_OK) {
        err = secret_encode(buf, root_alg, root, seal);
    }
    postq_wipe(root, sizeof(root));
    postq_wipe(seal, sizeof(seal));
    if (err == POSTQ_OK) {
        err = write_secret(path, buf, detail, cap);
    }
    postq_wipe(buf, SECRET_BYTES);
    postq_free(buf);
    return err;
}

postq_err postq_enclave_secret_load(const char *path, uint8_t root[32], uint8_t seal[32],
                                    int *root_alg, char *detail, size_t cap)
{
    uint8_t buf[SECRET_BYTES + 1], sum[32];
    struct stat st;
    size_t got = 0;
    postq_err err = POSTQ_E_MALFORMED;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        snprintf(detail, cap, "secret %s: %s", path, strerror(errno));
        return errno == ENOENT ? POSTQ_E_NOT_FOUND : POSTQ_E_IO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        close(fd);
        snprintf(detail, cap, "secret %s: must be a regular file of ours with mode 0600", path);
        return POSTQ_E_IO;
    }
    for (;;) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
        if (got == sizeof(buf)) {
            break;
        }
    }
    close(fd);
    if (got != SECRET_BYTES || memcmp(buf, secret_magic, sizeof(secret_magic)) != 0 ||
        buf[5] > POSTQ_ROOT_COMPOSITE || buf[6] != 0 || buf[7] != 0) {
        snprintf(detail, cap, "secret %s: not a PostQ deployment secret (postq-enclave secret new)",
                 path);
    } else if (postq_sha256(sum, buf, 72) != POSTQ_OK || !postq_ct_memeq(sum, buf + 72, 32)) {
        snprintf(detail, cap, "secret %s: damaged (its checksum does not match)", path);
    } else {
        memcpy(root, buf + 8, 32);
        memcpy(seal, buf + 40, 32);
        *root_alg = buf[5] == POSTQ_ROOT_COMPOSITE ? POSTQ_ROOT_COMPOSITE : POSTQ_ROOT_ED25519;
        err = POSTQ_OK;
    }
    postq_wipe(buf, sizeof(buf));
    return err;
}
