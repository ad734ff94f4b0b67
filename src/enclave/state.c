/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave's state directory and secure memory. Files (docs/enclave-protocol.md):
 *   root.key   32 bytes, the root seed                 seal.key  32 bytes, the AES-256 key
 *   root.alg   the root's kind, "mldsa65+ed25519" or "ed25519", and a newline (absent: a
 *              directory made before composite roots, Ed25519)
 *   module-id  "mock-" and 32 lowercase hex, newline   counter   the counter's mark
 *   lock       flock()ed by the running daemon
 * Each is written once, atomically (temp + fsync + rename + fsync of the directory). */
#include "enclave/enclave.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ct.h"
#include "common/hex.h"
#include "common/mem.h"
#include "crypto/ed.h"
#include "crypto/rand.h"
#include "crypto/sha2.h"

/* Write p[0..n) to a new file tmp (mode 0600) and fsync it; on failure tmp is gone and errno
 * says why. */
static int write_temp(const char *tmp, const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t done = 0;
    int fd, ok;

    (void)unlink(tmp); /* a leftover of a crashed run with the same pid */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return 0;
    }
    while (done < n) {
        ssize_t w = write(fd, b + done, n - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        done += (size_t)w;
    }
    ok = done == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        int saved = errno;
        (void)unlink(tmp);
        errno = saved;
    }
    return ok;
}

/* A new or renamed entry is durable only once its directory is. */
static postq_err sync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ok;

    if (dfd < 0) {
        return POSTQ_E_IO;
    }
    ok = fsync(dfd) == 0;
    close(dfd);
    return ok ? POSTQ_OK : POSTQ_E_IO;
}

postq_err postq_enclave_write_atomic(const char *dir, const char *name, const void *p, size_t n)
{
    char tmp[4200], dst[4200];

    if (snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid()) >=
            (int)sizeof(tmp)) {
        return POSTQ_E_ARG;
    }
    if (!write_temp(tmp, p, n) || rename(tmp, dst) != 0) {
        int saved = errno; /* the caller reports why: ENOSPC, EFBIG, EROFS, ... */
        (void)unlink(tmp);
        errno = saved;
        return POSTQ_E_IO;
    }
    return sync_dir(dir);
}

postq_err postq_enclave_write_new(const char *path, const void *p, size_t n)
{
    char tmp[4200], dir[4200];

    if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(dir) - 40) {
        return POSTQ_E_ARG;
    }
    snprintf(dir, sizeof(dir), "%s", path);
    snprintf(tmp, sizeof(tmp), "%s/.postq-new.tmp.%ld", dirname(dir), (long)getpid());
    if (!write_temp(tmp, p, n)) {
        return POSTQ_E_IO;
    }
    /* link() never replaces an existing file. */
    if (link(tmp, path) != 0) {
        int saved = errno;
        (void)unlink(tmp);
        errno = saved;
        return saved == EEXIST ? POSTQ_E_CONFLICT : POSTQ_E_IO;
    }
    (void)unlink(tmp);
    snprintf(dir, sizeof(dir), "%s", path);
    return sync_dir(dirname(dir));
}

postq_err postq_enclave_read_file(const char *dir, const char *name, uint8_t *buf, size_t cap,
                                  size_t *len)
{
    char path[4200];
    size_t got = 0;
    int fd;

    *len = 0;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        return POSTQ_E_ARG;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return errno == ENOENT ? POSTQ_E_NOT_FOUND : POSTQ_E_IO;
    }
    for (;;) {
        uint8_t extra;
        ssize_t r = got < cap ? read(fd, buf + got, cap - got) : read(fd, &extra, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            close(fd);
            postq_wipe(buf, cap);
            return POSTQ_E_IO;
        }
        if (r == 0) {
            break;
        }
        if (got == cap) {
            close(fd);
            postq_wipe(buf, cap);
            return POSTQ_E_TOO_LARGE;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return POSTQ_OK;
}

postq_err postq_enclave_measure_self(uint8_t out[32])
{
    uint8_t chunk[65536];
    struct postq_sha2 h;
    postq_err err;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return POSTQ_E_IO;
    }
    err = postq_sha2_init(&h, 256);
    if (err != POSTQ_OK) {
        close(fd);
        return err;
    }
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            err = POSTQ_E_IO;
            break;
        }
        if (r == 0) {
            break;
        }
        err = postq_sha2_update(&h, chunk, (size_t)r);
        if (err != POSTQ_OK) {
            break;
        }
    }
    close(fd);
    if (err != POSTQ_OK) {
        postq_sha2_abort(&h);
        return err;
    }
    return postq_sha2_final(&h, out);
}

/* Load a 32-byte secret file, creating it from the CSPRNG when absent. */
static postq_err load_or_create_key(const char *dir, const char *name, uint8_t key[32],
                                    int may_create)
{
    size_t len = 0;
    postq_err err = postq_enclave_read_file(dir, name, key, 32, &len);

    if (err == POSTQ_OK) {
        return len == 32 ? POSTQ_OK : POSTQ_E_MALFORMED;
    }
    if (err != POSTQ_E_NOT_FOUND || !may_create) {
        return err;
    }
    err = postq_rand_bytes(key, 32);
    if (err == POSTQ_OK) {
        err = postq_enclave_write_atomic(dir, name, key, 32);
    }
    if (err != POSTQ_OK) {
        postq_wipe(key, 32);
    }
    return err;
}

static int module_id_ok(const uint8_t *p, size_t len)
{
    /* "mock-" + 32 lowercase hex + "\n" */
    if (len != 38 || memcmp(p, "mock-", 5) != 0 || p[37] != '\n') {
        return 0;
    }
    for (size_t i = 5; i < 37; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static postq_err load_or_create_module_id(const char *dir, char *out, size_t cap,
                                          int may_create)
{
    uint8_t buf[64], rnd[16];
    size_t len = 0;
    postq_err err = postq_enclave_read_file(dir, "module-id", buf, sizeof(buf), &len);

    if (err == POSTQ_E_NOT_FOUND && may_create) {
        memcpy(buf, "mock-", 5);
        err = postq_rand_bytes(rnd, sizeof(rnd));
        if (err == POSTQ_OK) {
            err = postq_hex_encode((char *)buf + 5, sizeof(buf) - 5, rnd, sizeof(rnd));
        }
        if (err == POSTQ_OK) {
            buf[37] = '\n';
            len = 38;
            err = postq_enclave_write_atomic(dir, "module-id", buf, len);
        }
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (!module_id_ok(buf, len) || cap < 38) {
        return POSTQ_E_MALFORMED;
    }
    memcpy(out, buf, 37);
    out[37] = 0;
    return POSTQ_OK;
}

__attribute__((format(printf, 4, 5))) static void say(char *detail, size_t cap, postq_err err,
                                                       const char *fmt, ...)
{
    va_list ap;
    size_t n;

    if (detail == NULL || cap == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(detail, cap, fmt, ap);
    va_end(ap);
    n = strlen(detail);
    snprintf(detail + n, cap - n, ": %s", postq_strerror(err));
}

/* With a deployment secret: the key of the secret, which the state directory holds a copy of
 * (written on first start, so that measure and a restart see the same root); a state directory
 * whose own key differs is refused, never silently switched. */
static postq_err secret_key(const char *dir, const char *name, const uint8_t want[32],
                            int may_create)
{
    uint8_t have[32];
    size_t len = 0;
    postq_err err = postq_enclave_read_file(dir, name, have, sizeof(have), &len);

    if (err == POSTQ_E_NOT_FOUND && may_create) {
        return postq_enclave_write_atomic(dir, name, want, 32);
    }
    if (err == POSTQ_OK) {
        err = len == 32 && postq_ct_memeq(have, want, 32) ? POSTQ_OK : POSTQ_E_CONFLICT;
    }
    postq_wipe(have, sizeof(have));
    return err;
}

/* The root's kind in dir/root.alg: *alg 0 when the file is absent. */
static postq_err read_root_alg(const char *dir, int *alg)
{
    uint8_t buf[40];
    size_t len = 0;
    postq_err err = postq_enclave_read_file(dir, "root.alg", buf, sizeof(buf) - 1, &len);

    *alg = 0;
    if (err == POSTQ_E_NOT_FOUND) {
        return POSTQ_OK;
    }
    if (err != POSTQ_OK) {
        return err;
    }
    if (len < 2 || buf[len - 1] != '\n') {
        return POSTQ_E_MALFORMED;
    }
    buf[len - 1] = '\0';
    *alg = postq_root_alg_parse((const char *)buf);
    return *alg != 0 ? POSTQ_OK : POSTQ_E_MALFORMED;
}

static postq_err write_root_alg(const char *dir, int alg)
{
    char line[40];
    int n = snprintf(line, sizeof(line), "%s\n", postq_root_alg_name(alg));
    return postq_enclave_write_atomic(dir, "root.alg", line, (size_t)n);
}

/* Settle the root's kind of dir: want (the secret's, or what was asked for a new directory; 0
 * for no wish) against what dir records. fresh: root.key did not exist before this start. */
static postq_err settle_root_alg(const char *dir, int want, int fresh, int may_create,
                                 int from_secret, int *out, char *detail, size_t cap)
{
    int have = 0;
    postq_err err = read_root_alg(dir, &have);

    if (err != POSTQ_OK) {
        say(detail, cap, err, "root.alg in %s", dir);
        return err;
    }
    if (have == 0 && !fresh && !from_secret) {
        have = POSTQ_ROOT_ED25519; /* made before composite roots: keeps its Ed25519 root */
    }
    if (have == 0) {
        have = want != 0 ? want : POSTQ_ROOT_COMPOSITE;
        if (may_create) {
            err = write_root_alg(dir, have);
            if (err != POSTQ_OK) {
                say(detail, cap, err, "writing root.alg in %s", dir);
                return err;
            }
        }
    } else if (want != 0 && want != have) {
        snprintf(detail, cap,
                 "state directory %s has a%s %s root, not %s: %s", dir,
                 have == POSTQ_ROOT_ED25519 ? "n" : "", postq_root_alg_name(have),
                 postq_root_alg_name(want),
                 from_secret ? "a secret applies to a new state directory"
                             : "--root applies to a new state directory");
        return POSTQ_E_CONFLICT;
    }
    *out = have;
    return POSTQ_OK;
}

postq_err postq_enclave_open(struct postq_enclave *e, const char *dir, int for_daemon,
                             uint64_t counter_step, char *detail, size_t cap)
{
    return postq_enclave_open_ex(e, dir, NULL, 0, for_daemon, counter_step, detail, cap);
}

postq_err postq_enclave_open_secret(struct postq_enclave *e, const char *dir,
                                    const char *secret_path, int for_daemon,
                                    uint64_t counter_step, char *detail, size_t cap)
{
    return postq_enclave_open_ex(e, dir, secret_path, 0, for_daemon, counter_step, detail, cap);
}

postq_err postq_enclave_open_ex(struct postq_enclave *e, const char *dir, const char *secret_path,
                                int root_alg, int for_daemon, uint64_t counter_step,
                                char *detail, size_t cap)
{
    uint8_t probe[40];
    size_t probe_len = 0;
    int fresh, want = root_alg;
    struct stat st;
    uint8_t pkh[32];
    char path[4200];
    postq_err err;
    int lock_fd = -1, may_create = 1;

    memset(e, 0, sizeof(*e));
    e->lock_fd = -1;
    if (pthread_mutex_init(&e->fault_mu, NULL) != 0) {
        return POSTQ_E_INTERNAL;
    }
    if (dir == NULL || strlen(dir) == 0 || strlen(dir) >= sizeof(e->state_dir) - 64) {
        say(detail, cap, POSTQ_E_ARG, "state directory %s", dir ? dir : "(null)");
        return POSTQ_E_ARG;
    }
    snprintf(e->state_dir, sizeof(e->state_dir), "%s", dir);

    err = postq_enclave_measure_self(e->image_hash);
    if (err != POSTQ_OK) {
        say(detail, cap, err, "measuring /proc/self/exe");
        return err;
    }

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        say(detail, cap, POSTQ_E_IO, "creating %s", dir);
        return POSTQ_E_IO;
    }
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        say(detail, cap, POSTQ_E_IO, "state directory %s must be a directory of ours with mode 0700",
            dir);
        return POSTQ_E_IO;
    }

    /* The lock: a daemon holds it while it runs (one counter per state directory), and only
     * its holder creates files. measure of a running daemon's directory cannot take it and
     * only reads: the files exist, since the daemon made them before it took requests. */
    snprintf(path, sizeof(path), "%s/lock", dir);
    lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_fd < 0) {
        say(detail, cap, POSTQ_E_IO, "opening %s", path);
        return POSTQ_E_IO;
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        close(lock_fd);
        lock_fd = -1;
        if (for_daemon) {
            say(detail, cap, POSTQ_E_CONFLICT,
                "state directory %s is in use by another postq-enclave", dir);
            return POSTQ_E_CONFLICT;
        }
        may_create = 0;
    }

    err = postq_secure_alloc(sizeof(*e->sec), (void **)&e->sec, &e->sec_locked);
    if (err != POSTQ_OK) {
        say(detail, cap, err, "secure memory");
        goto out;
    }
    fresh = postq_enclave_read_file(dir, "root.key", probe, sizeof(probe), &probe_len) ==
            POSTQ_E_NOT_FOUND;
    postq_wipe(probe, sizeof(probe));
    if (secret_path != NULL) {
        err = postq_enclave_secret_load(secret_path, e->sec->root_seed, e->sec->seal_key, &want,
                                        detail, cap);
        if (err != POSTQ_OK) {
            goto out;
        }
        err = secret_key(dir, "root.key", e->sec->root_seed, may_create);
        if (err == POSTQ_OK) {
            err = secret_key(dir, "seal.key", e->sec->seal_key, may_create);
        }
        if (err == POSTQ_E_CONFLICT) {
            snprintf(detail, cap,
                     "state directory %s has a root or sealing key of its own, not the "
                     "deployment secret's: a secret applies to a new state directory",
                     dir);
        } else if (err != POSTQ_OK) {
            say(detail, cap, err, "keys of the deployment secret in %s", dir);
        }
        if (err != POSTQ_OK) {
            goto out;
        }
    } else {
        err = load_or_create_key(dir, "root.key", e->sec->root_seed, may_create);
        if (err != POSTQ_OK) {
            say(detail, cap, err, "root.key in %s", dir);
            goto out;
        }
        err = load_or_create_key(dir, "seal.key", e->sec->seal_key, may_create);
        if (err != POSTQ_OK) {
            say(detail, cap, err, "seal.key in %s", dir);
            goto out;
        }
    }
    err = load_or_create_module_id(dir, e->module_id, sizeof(e->module_id), may_create);
    if (err != POSTQ_OK) {
        say(detail, cap, err, "module-id in %s", dir);
        goto out;
    }
    err = settle_root_alg(dir, want, fresh, may_create, secret_path != NULL, &e->root_alg,
                          detail, cap);
    if (err != POSTQ_OK) {
        goto out;
    }
    err = postq_root_public_key(e->root_alg, e->sec->root_seed, e->root_pk, sizeof(e->root_pk),
                                &e->root_pk_len);
    if (err == POSTQ_OK) {
        err = postq_sha256(pkh, e->root_pk, e->root_pk_len);
    }
    if (err == POSTQ_OK) {
        /* kid: "root-" and the first 8 bytes of SHA-256(root public key), in hex. */
        memcpy(e->kid, "root-", 5);
        err = postq_hex_encode(e->kid + 5, sizeof(e->kid) - 5, pkh, 8);
    }
    if (err != POSTQ_OK) {
        say(detail, cap, err, "root key");
        goto out;
    }
    if (for_daemon) {
        err = postq_enclave_counter_open(&e->counter, dir, counter_step);
        if (err != POSTQ_OK) {
            say(detail, cap, err, "counter mark in %s", dir);
            goto out;
        }
        e->counter_open = 1;
        e->lock_fd = lock_fd;
        lock_fd = -1;
    }
out:
    if (lock_fd >= 0) {
        close(lock_fd); /* releases the flock */
    }
    if (err != POSTQ_OK) {
        postq_enclave_close(e);
    }
    return err;
}

void postq_enclave_close(struct postq_enclave *e)
{
    if (e == NULL) {
        return;
    }
    postq_free(e->log); /* public keys only: the log's secrets are in e->sec */
    e->log = NULL;
    if (e->counter_open) {
        postq_enclave_counter_close(&e->counter);
        e->counter_open = 0;
    }
    postq_secure_free(e->sec, sizeof(*e->sec));
    e->sec = NULL;
    if (e->lock_fd >= 0) {
        close(e->lock_fd);
        e->lock_fd = -1;
    }
    pthread_mutex_destroy(&e->fault_mu);
}
