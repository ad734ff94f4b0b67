/* SPDX-License-Identifier: Apache-2.0 */
/* The programs' policy for error codes (private, never in libpostq's ABI): the HTTP status
 * postq-api answers with and the exit code postq ends with, for each code of
 * include/postq/err.h. The public table says what a code is; this one says what the two
 * programs do about it. */
#ifndef POSTQ_COMMON_ERRMAP_H
#define POSTQ_COMMON_ERRMAP_H

#include <postq/err.h>

/* The CLI's exit codes (its contract: docs/cli.md). */
enum postq_exit {
    POSTQ_EXIT_OK = 0,       /* verified / done */
    POSTQ_EXIT_REJECTED = 1, /* a verification failed */
    POSTQ_EXIT_USAGE = 2,    /* usage or unreadable input */
    POSTQ_EXIT_SERVER = 3    /* server, network or internal error */
};

/* X(code, HTTP status, CLI exit code). Every code of POSTQ_ERRORS has exactly one row
 * (tests/unit/common/err_test.c checks it). */
/* clang-format off */
#define POSTQ_ERRMAP(X)                                                                            \
    X(POSTQ_OK,            200, POSTQ_EXIT_OK)                                                     \
    X(POSTQ_E_ARG,         400, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_UNSUPPORTED, 400, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_LENGTH,      400, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_MALFORMED,   400, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_TOO_LARGE,   413, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_INVALID,     422, POSTQ_EXIT_REJECTED)                                               \
    X(POSTQ_E_KEY_INVALID, 422, POSTQ_EXIT_REJECTED)                                               \
    X(POSTQ_E_REJECTED,    422, POSTQ_EXIT_REJECTED)                                               \
    X(POSTQ_E_AUTH,        401, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_FORBIDDEN,   403, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_NOT_FOUND,   404, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_CONFLICT,    409, POSTQ_EXIT_USAGE)                                                  \
    X(POSTQ_E_RATE,        429, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_BUSY,        503, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_NETWORK,     503, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_IO,          500, POSTQ_EXIT_USAGE)  /* the server's disk; the CLI's input file */  \
    X(POSTQ_E_NOMEM,       500, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_RNG,         500, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_CRYPTO,      500, POSTQ_EXIT_SERVER)                                                 \
    X(POSTQ_E_INTERNAL,    500, POSTQ_EXIT_SERVER)
/* clang-format on */

/* The HTTP status for err (500 for a value not in the table). */
int postq_errmap_http_status(postq_err err);
/* The CLI exit code for err (POSTQ_EXIT_SERVER for a value not in the table). */
int postq_errmap_exit_code(postq_err err);

#endif
