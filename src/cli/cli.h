/* SPDX-License-Identifier: Apache-2.0 */
/* postq: shared pieces of the commands. The exit codes are common/errmap.h's. */
#ifndef POSTQ_CLI_CLI_H
#define POSTQ_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <postq/err.h>

#include "common/buf.h"
#include "common/errmap.h"

#define CLI_OK POSTQ_EXIT_OK             /* verified / done */
#define CLI_REJECTED POSTQ_EXIT_REJECTED /* "rejected: <reason>: <detail>" on stderr */
#define CLI_USAGE POSTQ_EXIT_USAGE       /* usage, or input that cannot be read */
#define CLI_SERVER POSTQ_EXIT_SERVER     /* server or network error */

/* One command: name (as typed after "postq"), summary, and its entry point. */
struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

/* Options: "--name VALUE" or "--name=VALUE". Returns 1 when argv[*i] is option name and puts
 * its value in *value (advancing *i past it); exits the process with a usage error when the
 * value is missing. */
int cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value);

/* Print "postq: <message>" to stderr and return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file (path "-" is standard input) of at most max bytes into b (initialised
 * here; the caller frees it with postq_buf_free). On failure prints "postq: <what>: <path>:
 * <why>" and returns a postq_err. The buffer is NUL-terminated (not counted in len). */
postq_err cli_read_file(struct postq_buf *b, const char *path, size_t max, const char *what);

/* A payload streamed to postq_verify_sign_result (path "-" is standard input): open it, read
 * it as a postq_read_fn, close it. Open and read print the error on failure. */
struct cli_payload {
    int fd;
    const char *path;
};
postq_err cli_payload_open(struct cli_payload *p, const char *path);
int cli_payload_read(void *ctx, uint8_t *buf, size_t cap, size_t *got);
void cli_payload_close(struct cli_payload *p);

/* The public key file of `--public-key`: PEM SubjectPublicKeyInfo, or the key's JSON from the
 * API ({"algorithm": ..., "publicKeyB64": ...}; with "versions", the public key of version
 * `version`, 0 meaning publicKeyB64). pk holds POSTQ_HYBRID_PK_MAX bytes; *alg is static
 * storage. Prints the error on failure. */
postq_err cli_read_public_key(const char *path, int64_t version, const char **alg, uint8_t *pk,
                              size_t *pk_len);
/* `--log-key`: the transparency log's verifier key line itself, or a file holding it (one
 * line; surrounding whitespace ignored). Into out[0..cap) (cap >= POSTQ_TLOG_VKEY_MAX), NUL-
 * terminated, checked to parse. Prints the error on failure (POSTQ_E_MALFORMED, POSTQ_E_IO). */
postq_err cli_read_log_key(const char *arg, char *out, size_t cap);

/* The keyVersion of the sign result in file path (1 when it has none, 0 when it cannot be
 * read: the reader of the sign result then says why). */
int64_t cli_sign_result_key_version(const char *path);

/* "--at TIME" (RFC 3339 or Unix seconds), or dflt when at is NULL. Prints the error on
 * failure. */
postq_err cli_parse_time(const char *at, int64_t dflt, int64_t *now_ms);

/* s as it may be shown on a terminal: every control character, bidirectional override and
 * byte that is not UTF-8 escaped (\u001b, \xff; a backslash doubled), so text from a server
 * or a file can neither move the cursor, recolour, retitle nor reorder what the user reads.
 * The copy lives until the process exits; NULL reads as "". For human-readable output only:
 * --json and -o write JSON, which escapes on its own. */
const char *cli_shown(const char *s);
/* A long key (a composite root is 2,648 base64 characters) shortened for a terminal: its first
 * and last characters and its length; a short one as cli_shown. Static storage. */
const char *cli_short_key(const char *s);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void cli_hex(char *out, const uint8_t *in, size_t n);

/* Write data[0..len) to path atomically: a temporary file beside it, written, fsync'd, then
 * renamed over path (and the directory fsync'd); on any failure the temporary file is removed
 * and path is left as it was. path "-" is standard output. Prints the error on failure. */
postq_err cli_write_atomic(const char *path, const void *data, size_t len, const char *what);

/* Whether cli_write_atomic(path) can work: path is "-", or its directory exists and is
 * writable and path is not something other than a regular file. Checked before an operation
 * that cannot be undone (a sign). Prints the error on failure. */
postq_err cli_check_writable(const char *path, const char *what);

/* The choice at most two edits from typed (or that typed begins), for "did you mean"; NULL
 * when none is that close. */
const char *cli_suggest(const char *typed, const char *const *choices, size_t n);

/* "postq CMD: unknown subcommand "x"; did you mean "postq CMD y"?" (or the list of them) on
 * stderr; returns CLI_USAGE. typed may be NULL or "" (none given). */
int cli_unknown_subcommand(const char *cmd, const char *typed, const char *const *choices,
                           size_t n);

int cli_cmd_verify(int argc, char **argv);
int cli_cmd_attest(int argc, char **argv);
/* The commands that talk to the API (api.c): POSTQ_API_URL, POSTQ_API_KEY. */
int cli_cmd_enclave(int argc, char **argv);
int cli_cmd_policy(int argc, char **argv);
int cli_cmd_key(int argc, char **argv);
int cli_cmd_sign(int argc, char **argv);
int cli_cmd_signature(int argc, char **argv);
int cli_cmd_log(int argc, char **argv);

#endif
