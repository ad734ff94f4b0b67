/* SPDX-License-Identifier: Apache-2.0 */
/* postq: option parsing, files, payload hashing and key files shared by the commands. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <postq/hybrid.h>
#include <postq/verify.h>

#include "attest/tlog.h"
#include "common/hex.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "crypto/spki.h"

int cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0) {
        return 0;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0') {
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "postq: %s needs a value\n", name);
        exit(CLI_USAGE);
    }
    *i += 1;
    *value = argv[*i];
    return 1;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("postq: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_USAGE;
}

static int open_input(const char *path)
{
    if (strcmp(path, "-") == 0) {
        return STDIN_FILENO;
    }
    return open(path, O_RDONLY | O_CLOEXEC);
}

postq_err cli_read_file(struct postq_buf *b, const char *path, size_t max, const char *what)
{
    uint8_t chunk[65536];
    postq_err err = POSTQ_OK;
    int fd;

    postq_buf_init(b, max);
    fd = open_input(path);
    if (fd < 0) {
        fprintf(stderr, "postq: %s: %s: %s\n", what, path, strerror(errno));
        return POSTQ_E_IO;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "postq: %s: %s: %s\n", what, path, strerror(errno));
            err = POSTQ_E_IO;
            break;
        }
        if (n == 0) {
            break;
        }
        err = postq_buf_append(b, chunk, (size_t)n);
        if (err == POSTQ_E_TOO_LARGE) {
            fprintf(stderr, "postq: %s: %s: larger than %zu bytes\n", what, path, max);
            break;
        }
        if (err != POSTQ_OK) {
            fprintf(stderr, "postq: %s: %s: %s\n", what, path, postq_strerror(err));
            break;
        }
    }
    if (fd != STDIN_FILENO) {
        close(fd);
    }
    if (err == POSTQ_OK && b->p == NULL) {
        err = postq_buf_reserve(b, 1); /* an empty file still gets its NUL */
    }
    if (err != POSTQ_OK) {
        postq_buf_free(b);
    }
    return err;
}

postq_err cli_payload_open(struct cli_payload *p, const char *path)
{
    p->path = path;
    p->fd = open_input(path);
    if (p->fd < 0) {
        fprintf(stderr, "postq: payload: %s: %s\n", path, strerror(errno));
        return POSTQ_E_IO;
    }
    return POSTQ_OK;
}

int cli_payload_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct cli_payload *p = ctx;

    for (;;) {
        ssize_t n = read(p->fd, buf, cap);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "postq: payload: %s: %s\n", p->path, strerror(errno));
            return POSTQ_E_IO;
        }
        *got = (size_t)n;
        return POSTQ_OK;
    }
}

void cli_payload_close(struct cli_payload *p)
{
    if (p->fd >= 0 && p->fd != STDIN_FILENO) {
        (void)close(p->fd);
    }
    p->fd = -1;
}

/* {"algorithm": "...", "publicKeyB64": "..."}: the key as GET /v1/hybrid-keys/{id} shows it. */
static postq_err key_from_json(const struct postq_buf *b, const char *path, int64_t version,
                               const char **alg, uint8_t *pk, size_t *pk_len)
{
    postq_err err = postq_public_key_from_json_version((const char *)b->p, b->len, version, alg,
                                                       pk, POSTQ_HYBRID_PK_MAX, pk_len);

    if (err == POSTQ_E_NOT_FOUND) {
        fprintf(stderr, "postq: public key: %s has no version %lld (the sign result's "
                        "keyVersion): fetch the key again with postq key get\n",
                path, (long long)version);
    } else if (err != POSTQ_OK) {
        /* Which member is wrong, in the dashboard's words: the algorithm when it is not one of
         * the three names, else the key. */
        json_t *root = json_loadb((const char *)b->p, b->len, JSON_REJECT_DUPLICATES, NULL);
        const char *a = json_string_value(json_object_get(root, "algorithm"));
        size_t want = 0;
        if (a == NULL || postq_hybrid_sizes(a, &want, NULL, NULL) != POSTQ_OK) {
            fprintf(stderr, "postq: public key: %s: \"algorithm\" missing or unknown\n", path);
        } else {
            fprintf(stderr, "postq: public key: %s: \"publicKeyB64\" is not base64 of a %s key\n",
                    path, a);
        }
        json_decref(root);
    }
    return err;
}

postq_err cli_read_public_key(const char *path, int64_t version, const char **alg, uint8_t *pk,
                              size_t *pk_len)
{
    struct postq_buf b;
    postq_err err;
    size_t i = 0;

    *alg = NULL;
    *pk_len = 0;
    err = cli_read_file(&b, path, 65536, "public key");
    if (err != POSTQ_OK) {
        return err;
    }
    while (i < b.len && (b.p[i] == ' ' || b.p[i] == '\n' || b.p[i] == '\r' || b.p[i] == '\t')) {
        i++;
    }
    if (i < b.len && b.p[i] == '{') {
        err = key_from_json(&b, path, version, alg, pk, pk_len);
    } else {
        err = postq_spki_decode_pem(alg, pk, POSTQ_HYBRID_PK_MAX, pk_len, (const char *)b.p,
                                    b.len);
        if (err != POSTQ_OK) {
            fprintf(stderr, "postq: public key: %s: not a PEM composite public key (%s)\n", path,
                    postq_strerror(err));
        }
    }
    postq_buf_free(&b);
    return err;
}

int64_t cli_sign_result_key_version(const char *path)
{
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    const json_t *v = json_object_get(root, "keyVersion");
    int64_t n = root == NULL ? 0 : json_is_integer(v) ? (int64_t)json_integer_value(v) : 1;
    json_decref(root);
    return n > 0 ? n : 0;
}

postq_err cli_parse_time(const char *at, int64_t dflt, int64_t *now_ms)
{
    if (at == NULL) {
        *now_ms = dflt;
        return POSTQ_OK;
    }
    if (postq_time_parse(now_ms, at, strlen(at)) != POSTQ_OK) {
        fprintf(stderr, "postq: --at: \"%s\" is neither RFC 3339 (2026-01-31T12:00:00Z) nor "
                        "Unix seconds\n",
                at);
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

void cli_hex(char *out, const uint8_t *in, size_t n)
{
    if (postq_hex_encode(out, 2 * n + 1, in, n) != POSTQ_OK) {
        out[0] = '\0';
    }
}

/* Write everything or fail; EINTR and short writes retried. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

postq_err cli_check_writable(const char *path, const char *what)
{
    struct stat st;
    char *dir;
    const char *slash, *why = NULL;

    if (strcmp(path, "-") == 0) {
        return POSTQ_OK;
    }
    if (path[0] == '\0') {
        fprintf(stderr, "postq: %s: an empty file name\n", what);
        return POSTQ_E_IO;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "postq: %s: %s: not a regular file\n", what, path);
        return POSTQ_E_IO;
    }
    slash = strrchr(path, '/');
    dir = slash == NULL ? strdup(".") : strndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (dir == NULL) {
        fprintf(stderr, "postq: %s: out of memory\n", what);
        return POSTQ_E_NOMEM;
    }
    if (stat(dir, &st) != 0) {
        why = strerror(errno);
    } else if (!S_ISDIR(st.st_mode)) {
        why = "not a directory";
    } else if (access(dir, W_OK | X_OK) != 0) {
        why = strerror(errno);
    }
    if (why != NULL) {
        fprintf(stderr, "postq: %s: %s: cannot write there (%s: %s)\n", what, path, dir, why);
    }
    free(dir);
    return why == NULL ? POSTQ_OK : POSTQ_E_IO;
}

postq_err cli_write_atomic(const char *path, const void *data, size_t len, const char *what)
{
    char *tmp = NULL, *dir = NULL;
    size_t n;
    int fd = -1, dfd, made = 0;
    mode_t mask;

    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            fprintf(stderr, "postq: %s: standard output: %s\n", what, strerror(errno));
            return POSTQ_E_IO;
        }
        return POSTQ_OK;
    }
    n = strlen(path);
    tmp = malloc(n + sizeof(".tmp.XXXXXX"));
    dir = malloc(n + 2);
    if (tmp == NULL || dir == NULL) {
        free(tmp);
        free(dir);
        fprintf(stderr, "postq: %s: out of memory\n", what);
        return POSTQ_E_NOMEM;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    /* The temporary file lives beside the target, so rename(2) replaces it in one step and
     * a crash leaves either the old file or the new one, never a part. */
    fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "postq: %s: %s: %s\n", what, path, strerror(errno));
        goto fail;
    }
    made = 1;
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "postq: %s: %s: %s\n", what, path, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        fprintf(stderr, "postq: %s: %s: %s\n", what, path, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "postq: %s: %s: %s\n", what, path, strerror(errno));
        goto fail;
    }
    /* Make the rename itself durable. */
    memcpy(dir, path, n + 1);
    {
        char *slash = strrchr(dir, '/');
        if (slash == NULL) {
            strcpy(dir, ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(tmp);
    free(dir);
    return POSTQ_OK;
fail:
    if (fd >= 0) {
        close(fd);
    }
    if (made) {
        unlink(tmp);
    }
    free(tmp);
    free(dir);
    return POSTQ_E_IO;
}

/* Levenshtein distance of a and b, capped: anything over 3 is 4. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[33];

    if (la > 32 || lb > 32) {
        return 4;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 3 ? 4 : row[lb];
}

const char *cli_suggest(const char *typed, const char *const *choices, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3; /* at most two edits away */

    if (typed == NULL || typed[0] == '\0') {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(typed, choices[i]);
        if (strncmp(typed, choices[i], strlen(typed)) == 0 && strlen(typed) >= 2) {
            d = 1; /* a prefix of a command counts as a near miss */
        }
        if (d < best_d) {
            best_d = d;
            best = choices[i];
        }
    }
    return best;
}

int cli_unknown_subcommand(const char *cmd, const char *typed, const char *const *choices,
                           size_t n)
{
    const char *near = cli_suggest(typed, choices, n);

    if (typed == NULL || typed[0] == '\0') {
        fprintf(stderr, "postq: %s: give a subcommand:", cmd);
    } else if (near != NULL) {
        fprintf(stderr, "postq: %s: unknown subcommand \"%s\"; did you mean \"postq %s %s\"?\n",
                cmd, typed, cmd, near);
        return CLI_USAGE;
    } else {
        fprintf(stderr, "postq: %s: unknown subcommand \"%s\"; the subcommands are", cmd, typed);
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "%s %s", i == 0 ? "" : ",", choices[i]);
    }
    fprintf(stderr, "\n");
    return CLI_USAGE;
}

/* The escaped copies cli_shown handed out, freed at exit (a command shows a few hundred). */
struct shown {
    struct shown *next;
    char text[];
};
static struct shown *shown_list;

static void shown_free(void)
{
    while (shown_list != NULL) {
        struct shown *n = shown_list->next;
        free(shown_list);
        shown_list = n;
    }
}

const char *cli_short_key(const char *s)
{
    static char buf[96];
    size_t n = strlen(s);
    if (n <= 64) {
        return cli_shown(s);
    }
    snprintf(buf, sizeof(buf), "%.24s...%s (%zu characters)", cli_shown(s),
             cli_shown(s + n - 12), n);
    return buf;
}

const char *cli_shown(const char *s)
{
    size_t cap;
    struct shown *n;

    if (s == NULL || s[0] == '\0') {
        return "";
    }
    cap = strlen(s) * 6 + 1; /* the longest escape, \u202e, is 6 bytes for at least 1 */
    n = malloc(sizeof(*n) + cap);
    if (n == NULL) {
        return "?";
    }
    if (shown_list == NULL) {
        (void)atexit(shown_free);
    }
    postq_text_escape(n->text, cap, s);
    n->next = shown_list;
    shown_list = n;
    return n->text;
}

postq_err cli_read_log_key(const char *arg, char *out, size_t cap)
{
    struct postq_tlog_vkey *k = postq_malloc(sizeof(*k));
    struct postq_buf b = {0};
    const char *p = arg;
    size_t n = strlen(arg);
    postq_err err = POSTQ_OK;

    if (k == NULL) {
        fprintf(stderr, "postq: --log-key: out of memory\n");
        return POSTQ_E_NOMEM;
    }
    /* A verifier key has two '+'; a path to a file holding one rarely does. */
    if (postq_tlog_vkey_parse(k, arg, n) != POSTQ_OK) {
        err = cli_read_file(&b, arg, 16384, "log key");
        if (err == POSTQ_OK) {
            p = (const char *)b.p;
            n = b.len;
            while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
                p++;
                n--;
            }
            while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' ||
                             p[n - 1] == '\r')) {
                n--;
            }
            if (postq_tlog_vkey_parse(k, p, n) != POSTQ_OK) {
                fprintf(stderr,
                        "postq: log key: %s: not a verifier key (<name>+<key id>+<base64 "
                        "key>, as GET /v1/log's verifierKey)\n",
                        cli_shown(arg));
                err = POSTQ_E_MALFORMED;
            }
        } else if (strchr(arg, '+') != NULL) {
            fprintf(stderr, "postq: log key: \"%.60s\" is neither a verifier key nor a file\n",
                    cli_shown(arg));
        }
    }
    if (err == POSTQ_OK && n >= cap) {
        fprintf(stderr, "postq: log key: too long\n");
        err = POSTQ_E_MALFORMED;
    }
    if (err == POSTQ_OK) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
    postq_buf_free(&b);
    postq_free(k);
    return err;
}
