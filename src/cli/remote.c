/* SPDX-License-Identifier: Apache-2.0 */
/* What the commands that talk to postq-api share: the SDK client from POSTQ_API_URL and
 * POSTQ_API_KEY, failures as exit codes (common/errmap.h), --json and -o output, id arguments,
 * and paged lists. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/client.h>

#include "cli/cli.h"
#include "cli/remote.h"

int cli_is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* The mistakes people make with POSTQ_API_URL, each named: no scheme, another scheme, the
 * API's /v1 prefix included. CLI_OK when none applies. */
static int check_url(const char *url)
{
    const char *scheme_end = strstr(url, "://");
    size_t n = strlen(url);

    while (n > 0 && url[n - 1] == '/') {
        n--;
    }
    if (scheme_end == NULL) {
        return cli_usage_error("POSTQ_API_URL \"%s\" has no scheme: write http://%s (or "
                               "https://)",
                               url, url);
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        return cli_usage_error("POSTQ_API_URL \"%s\": the scheme must be http:// or https://",
                               url);
    }
    if (n >= 3 && strncmp(url + n - 3, "/v1", 3) == 0) {
        return cli_usage_error("POSTQ_API_URL \"%s\" ends in /v1: give the server's base URL, "
                               "%.*s (postq adds /v1/... itself)",
                               url, (int)(n - 3), url);
    }
    return CLI_OK;
}

int cli_open_client(struct postq_client **c)
{
    const char *url = getenv("POSTQ_API_URL");
    const char *key = getenv("POSTQ_API_KEY");
    postq_err err;
    int rc;

    *c = NULL;
    if (url == NULL || url[0] == '\0') {
        url = POSTQ_DEFAULT_API_URL;
    }
    rc = check_url(url);
    if (rc != CLI_OK) {
        return rc;
    }
    if (key == NULL || key[0] == '\0') {
        /* Exit 3 like a key the server refuses: credentials, wherever they fail. */
        fprintf(stderr, "postq: POSTQ_API_KEY is not set: export POSTQ_API_KEY=pqk_... (make run "
                        "prints the demo organisation's key; postq-api org create makes one)\n");
        return CLI_SERVER;
    }
    err = postq_client_new(url, key, c);
    if (err == POSTQ_E_ARG) {
        return cli_usage_error("POSTQ_API_URL \"%s\" is not a usable URL, or POSTQ_API_KEY holds "
                               "a line break",
                               url);
    }
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq: cannot start the API client: %s\n", postq_strerror(err));
        return CLI_SERVER;
    }
    return CLI_OK;
}

/* The error's code for --json: the server's error.code when it answered with one, else the
 * client's own ("network", "busy", ...: the postq_err name in lowercase). */
static void error_code(char *out, size_t cap, struct postq_client *c, postq_err err)
{
    const char *code = postq_client_error_code(c);
    const char *name = postq_err_name(err);
    size_t i = 0;

    if (code != NULL && code[0] != '\0') {
        snprintf(out, cap, "%s", code);
        return;
    }
    name += strncmp(name, "POSTQ_E_", 8) == 0 ? 8 : 0;
    for (; name[i] != '\0' && i + 1 < cap; i++) {
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    }
    out[i] = '\0';
}

int cli_failed(struct postq_client *c, postq_err err, const char *what, int json)
{
    const char *msg = c != NULL ? postq_client_errmsg(c) : "";
    char code[64];

    if (msg[0] == '\0') {
        msg = postq_strerror(err);
    }
    error_code(code, sizeof(code), c, err);
    if (json) {
        json_t *o = json_pack("{s:{s:s,s:s,s:i}}", "error", "code", code, "message", msg,
                              "status", c != NULL ? postq_client_http_status(c) : 0);
        char *t = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        if (t != NULL) {
            puts(t);
        }
        free(t);
        json_decref(o);
    }
    if (err == POSTQ_E_REJECTED) {
        fprintf(stderr, "rejected: %s: %s\n", cli_shown(code), cli_shown(msg));
    } else {
        fprintf(stderr, "postq: %s: %s\n", what, cli_shown(msg));
    }
    return postq_errmap_exit_code(err);
}

json_t *cli_json_parse(const char *text)
{
    return json_loads(text, JSON_REJECT_DUPLICATES, NULL);
}

const char *cli_json_str(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL ? s : "";
}

const char *cli_json_shown(const json_t *o, const char *name)
{
    return cli_shown(cli_json_str(o, name));
}

/* --json: the server's JSON, indented. */
void cli_print_json(const char *text)
{
    json_t *o = cli_json_parse(text);
    char *s = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    puts(s != NULL ? s : text);
    free(s);
    json_decref(o);
}

/* -o FILE: the server's JSON text on one line plus a newline, written atomically. */
int cli_write_json(const char *path, const char *text, const char *what)
{
    size_t n = strlen(text);
    char *s = malloc(n + 2);
    postq_err err;

    if (s == NULL) {
        fprintf(stderr, "postq: out of memory\n");
        return CLI_SERVER;
    }
    memcpy(s, text, n);
    s[n] = '\n';
    s[n + 1] = '\0';
    err = cli_write_atomic(path, s, n + 1, what);
    free(s);
    return err == POSTQ_OK ? CLI_OK : CLI_USAGE;
}

static int parse_limit(const char *v, int *limit)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (*v == '\0' || *end != '\0' || n < 1 || n > 100) {
        return cli_usage_error("--limit: \"%s\" is not a number from 1 to 100", v);
    }
    *limit = (int)n;
    return CLI_OK;
}

int cli_id_args(int argc, char **argv, const char *usage, const char *what, const char *noun,
                int with_out, const char *extra, struct cli_id_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        if ((extra != NULL && cli_opt_value(argc, argv, &i, extra, &a->extra)) ||
            (with_out && cli_opt_value(argc, argv, &i, "-o", &a->out))) {
            continue;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
        } else if (strcmp(argv[i], "--yes") == 0) {
            a->yes = 1;
        } else if (argv[i][0] != '-' && a->id == NULL) {
            a->id = argv[i];
        } else {
            fputs(usage, stderr);
            return cli_usage_error("%s: unknown argument \"%s\"", what, argv[i]);
        }
    }
    if (a->id == NULL) {
        fputs(usage, stderr);
        return cli_usage_error("%s: the %s ID is required", what, noun);
    }
    return CLI_OK;
}

/* The human view of one resource (kind "policy" / "key"), or --json, and -o. */
int cli_show(const char *text, int json, const char *out, const char *what,
             void (*human)(const json_t *))
{
    int rc = CLI_OK;

    if (out != NULL) {
        rc = cli_write_json(out, text, what);
        if (rc != CLI_OK) {
            return rc;
        }
    }
    if (json) {
        cli_print_json(text);
    } else {
        json_t *o = cli_json_parse(text);
        if (o != NULL) {
            human(o);
        } else {
            puts(text);
        }
        json_decref(o);
        if (out != NULL && strcmp(out, "-") != 0) {
            printf("  written    %s\n", out);
        }
    }
    return rc;
}

/* One page in human form; returns nextCursor (inside page) or NULL. */
static const char *print_page(const json_t *page, const char *header, void (*row)(const json_t *))
{
    const json_t *items = json_object_get(page, "items");
    const json_t *it;
    size_t i;

    if (header != NULL) {
        puts(header);
    }
    json_array_foreach (items, i, it) {
        row(it);
    }
    return json_string_value(json_object_get(page, "nextCursor"));
}

/* list [--key ID] [--limit N] [--cursor C] [--all] [--json]. */
int cli_list(struct postq_client *c, int argc, char **argv, const char *usage, const char *what,
             cli_list_fn fn, const char *header, void (*row)(const json_t *), int has_key)
{
    const char *lim = NULL, *cursor = NULL, *key = NULL;
    int limit = 0, json = 0, all = 0, rc = CLI_OK, first = 1;
    char *text = NULL, *next = NULL;

    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "--limit", &lim) ||
                   cli_opt_value(argc, argv, &i, "--cursor", &cursor) ||
                   (has_key && cli_opt_value(argc, argv, &i, "--key", &key))) {
            continue;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = 1;
        } else {
            fputs(usage, stderr);
            return cli_usage_error("%s: unknown argument \"%s\"", what, argv[i]);
        }
    }
    if (lim != NULL && parse_limit(lim, &limit) != CLI_OK) {
        return CLI_USAGE;
    }
    for (;;) {
        postq_err err = fn(c, key, limit, next != NULL ? next : cursor, &text);
        json_t *page;
        const char *nc;

        free(next);
        next = NULL;
        if (err != POSTQ_OK) {
            rc = cli_failed(c, err, what, json);
            break;
        }
        if (json) {
            cli_print_json(text);
        }
        page = cli_json_parse(text);
        nc = json_string_value(json_object_get(page, "nextCursor"));
        if (!json) {
            nc = print_page(page, first ? header : NULL, row);
        }
        first = 0;
        if (nc != NULL) {
            next = strdup(nc);
        }
        json_decref(page);
        postq_text_free(text);
        text = NULL;
        if (next == NULL) {
            break;
        }
        if (!all) {
            if (!json) {
                printf("more: %s %s --cursor %s\n", "postq", what, cli_shown(next));
            }
            break;
        }
    }
    free(next);
    return rc;
}
