/* SPDX-License-Identifier: Apache-2.0 */
/* PostQ error codes: one table (POSTQ_ERRORS) gives every code its value, category and message.
 * POSTQ_OK is 0; failures are negative. How a code becomes an HTTP status or an exit code is the
 * programs' business, not the library's: that mapping is not part of this header. */
#ifndef POSTQ_ERR_H
#define POSTQ_ERR_H

#include <stddef.h>
#include <stdint.h>

#if defined(POSTQ_BUILDING_LIB) && defined(__GNUC__)
#define POSTQ_API __attribute__((visibility("default")))
#else
#define POSTQ_API
#endif
#if defined(__GNUC__)
#define POSTQ_MUST_CHECK __attribute__((warn_unused_result))
#else
#define POSTQ_MUST_CHECK
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Categories: how a caller should react. */
enum postq_category {
    POSTQ_CAT_OK = 0,
    POSTQ_CAT_USAGE,    /* the caller's input is wrong: fix it, do not retry */
    POSTQ_CAT_REJECTED, /* a verification said no */
    POSTQ_CAT_AUTH,     /* credentials missing, bad or not allowed */
    POSTQ_CAT_RETRY,    /* transient: retry later */
    POSTQ_CAT_BUG,      /* internal failure */
    POSTQ_CAT_SYSTEM    /* the system refused: a file, a directory or a disk; check the
                         * environment (paths, permissions, space) before retrying */
};

/*  X(name, value, category, message) */
/* clang-format off */
#define POSTQ_ERRORS(X)                                                                            \
    X(POSTQ_OK,              0, POSTQ_CAT_OK,       "success")                                     \
    X(POSTQ_E_ARG,          -1, POSTQ_CAT_USAGE,    "invalid argument")                            \
    X(POSTQ_E_UNSUPPORTED,  -2, POSTQ_CAT_USAGE,    "unsupported algorithm or parameter")          \
    X(POSTQ_E_LENGTH,       -3, POSTQ_CAT_USAGE,    "wrong length")                                \
    X(POSTQ_E_MALFORMED,    -4, POSTQ_CAT_USAGE,    "malformed encoding")                          \
    X(POSTQ_E_TOO_LARGE,    -5, POSTQ_CAT_USAGE,    "input too large")                             \
    X(POSTQ_E_INVALID,      -6, POSTQ_CAT_REJECTED, "signature invalid")                           \
    X(POSTQ_E_KEY_INVALID,  -7, POSTQ_CAT_REJECTED, "key invalid")                                 \
    X(POSTQ_E_REJECTED,     -8, POSTQ_CAT_REJECTED, "attestation rejected")                        \
    X(POSTQ_E_AUTH,         -9, POSTQ_CAT_AUTH,     "missing or bad credentials")                  \
    X(POSTQ_E_FORBIDDEN,   -10, POSTQ_CAT_AUTH,     "not allowed for this role")                   \
    X(POSTQ_E_NOT_FOUND,   -11, POSTQ_CAT_USAGE,    "not found")                                   \
    X(POSTQ_E_CONFLICT,    -12, POSTQ_CAT_USAGE,    "conflict")                                    \
    X(POSTQ_E_RATE,        -13, POSTQ_CAT_RETRY,    "rate limited; retry")                         \
    X(POSTQ_E_BUSY,        -14, POSTQ_CAT_RETRY,    "busy; retry")                                 \
    X(POSTQ_E_NETWORK,     -15, POSTQ_CAT_RETRY,    "network error")                               \
    X(POSTQ_E_IO,          -16, POSTQ_CAT_SYSTEM,   "input/output error")                          \
    X(POSTQ_E_NOMEM,       -17, POSTQ_CAT_BUG,      "out of memory")                               \
    X(POSTQ_E_RNG,         -18, POSTQ_CAT_BUG,      "random number generator failed")              \
    X(POSTQ_E_CRYPTO,      -19, POSTQ_CAT_BUG,      "cryptographic backend failed")                \
    X(POSTQ_E_INTERNAL,    -20, POSTQ_CAT_BUG,      "internal error")
/* clang-format on */

#define POSTQ_ERR_ENUM_(name, value, cat, msg) name = (value),
enum postq_err_code { POSTQ_ERRORS(POSTQ_ERR_ENUM_) };
#undef POSTQ_ERR_ENUM_

/* A postq_err holds one of the codes above. It is an int so that the functions of the public
 * contract, which return int, and the house style, which names the type, agree exactly. */
typedef int postq_err;

/* The message of a code ("unknown error" for a value not in the table). Static storage. */
POSTQ_API const char *postq_strerror(postq_err err);
/* The code's name as a string, e.g. "POSTQ_E_ARG"; "POSTQ_E_UNKNOWN" when not in the table. */
POSTQ_API const char *postq_err_name(postq_err err);
/* The category of a code: how a caller should react (POSTQ_CAT_BUG for an unknown value). */
POSTQ_API enum postq_category postq_err_category(postq_err err);

#ifdef __cplusplus
}
#endif
#endif
