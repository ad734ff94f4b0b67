/* SPDX-License-Identifier: Apache-2.0 */
/* postq: what the commands that talk to postq-api share (remote.c). Each returns an exit code
 * (cli.h) unless it says otherwise. */
#ifndef POSTQ_CLI_REMOTE_H
#define POSTQ_CLI_REMOTE_H

#include <jansson.h>

#include <postq/client.h>

/* "--help" or "-h". */
int cli_is_help(const char *a);

/* A client for POSTQ_API_URL (default POSTQ_DEFAULT_API_URL) with POSTQ_API_KEY, both checked
 * before any call: a URL without a scheme, with another scheme or ending in /v1 is a usage
 * error (exit 2) naming the mistake; no key is exit 3, as a key the server refuses is. */
int cli_open_client(struct postq_client **c);

/* Print a failed call and return its exit code: "postq: <what>: <message>" on stderr (the
 * server's message when there is one; "rejected: <reason>: <message>" for a rejected
 * attestation), and with json also {"error": {"code", "message", "status"}} on stdout. */
int cli_failed(struct postq_client *c, postq_err err, const char *what, int json);

/* JSON text to a tree, duplicates rejected; NULL when it is not JSON. */
json_t *cli_json_parse(const char *text);
/* The string member name of o, or "" when absent or not a string (o may be NULL). */
const char *cli_json_str(const json_t *o, const char *name);
/* cli_json_str as it may be shown on a terminal (cli_shown). */
const char *cli_json_shown(const json_t *o, const char *name);

/* --json: the server's JSON, indented (as it came when it does not parse). */
void cli_print_json(const char *text);

/* -o FILE: the server's JSON text on one line plus a newline, written atomically. */
int cli_write_json(const char *path, const char *text, const char *what);

/* The arguments of `NOUN VERB ID [--json] [-o FILE] [EXTRA FILE]` (what = "NOUN VERB"; -o only
 * when with_out, EXTRA only when extra is not NULL): CLI_OK, or the usage error printed with
 * usage. */
struct cli_id_args {
    int yes; /* --yes given (the irreversible commands ask for it) */
    const char *id, *out, *extra;
    int json;
};
int cli_id_args(int argc, char **argv, const char *usage, const char *what, const char *noun,
                int with_out, const char *extra, struct cli_id_args *a);

/* The human view of one resource (human prints it), or --json, and -o. */
int cli_show(const char *text, int json, const char *out, const char *what,
             void (*human)(const json_t *));

/* One page of a list (key_id only for signatures). */
typedef postq_err (*cli_list_fn)(struct postq_client *c, const char *key_id, int limit,
                                 const char *cursor, char **json);

/* `NOUN list [--key ID] [--limit N] [--cursor C] [--all] [--json]` (--key only when has_key):
 * one page, or every page with --all, printed with header and one row per item. */
int cli_list(struct postq_client *c, int argc, char **argv, const char *usage, const char *what,
             cli_list_fn fn, const char *header, void (*row)(const json_t *), int has_key);

#endif
