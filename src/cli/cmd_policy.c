/* SPDX-License-Identifier: Apache-2.0 */
/* postq policy create | list | get | delete: attestation policies. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/client.h>

#include "cli/cli.h"
#include "cli/remote.h"

/* ---- postq policy ---- */

static const char policy_usage[] =
    "usage: postq policy create --name N --vendor mock --image-hash H [--image-hash H2 ...]\n"
    "                           --root-key B64 [--max-age SECONDS] [--audit] [-o policy.json]\n"
    "                           [--json]\n"
    "       postq policy list [--limit N] [--cursor C] [--json]\n"
    "       postq policy get ID [-o policy.json] [--json]\n"
    "       postq policy delete ID\n"
    "\n"
    "Attestation policies: which enclave images may sign, under which pinned root key, how old\n"
    "a document may be. create pins the values `postq enclave info` prints;\n"
    "--audit records failures instead of rejecting the sign call. -o writes the policy's JSON\n"
    "(what `postq attest verify --policy` reads) atomically: the file is replaced whole or not\n"
    "at all.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 done, 2 usage, unreadable input or an unknown id, 3 server or network error\n"
    "(a bad API key included).\n";

static void print_policy(const json_t *p)
{
    const json_t *rules = json_object_get(p, "matchRules");
    const json_t *hashes = json_object_get(rules, "allowedImageHashes");
    const json_t *age = json_object_get(rules, "maxDocAgeSeconds");
    size_t i;
    const json_t *h;

    printf("policy %s  %s\n", cli_json_shown(p, "id"), cli_json_shown(p, "name"));
    printf("  vendor     %s (%s)\n", cli_json_shown(p, "vendor"),
           json_is_false(json_object_get(p, "enforce")) ? "audit: failures recorded, not rejected"
                                                        : "enforced");
    json_array_foreach (hashes, i, h) {
        printf("  image      %s\n",
               json_string_value(h) != NULL ? cli_shown(json_string_value(h)) : "?");
    }
    if (json_object_get(rules, "rootPublicKeyB64") != NULL) {
        printf("  root key   %s\n", cli_json_shown(rules, "rootPublicKeyB64"));
    }
    if (json_is_integer(age)) {
        printf("  max age    %lld s\n", (long long)json_integer_value(age));
    }
    printf("  created    %s\n", cli_json_shown(p, "createdAt"));
}

static int policy_create(struct postq_client *c, int argc, char **argv)
{
    const char *name = NULL, *vendor = NULL, *root = NULL, *age = NULL, *out = NULL, *v;
    int audit = 0, json = 0, rc;
    json_t *body = json_object(), *rules = json_object(), *hashes = json_array();
    char *text = NULL, *res = NULL;
    postq_err err;

    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(policy_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (cli_opt_value(argc, argv, &i, "--name", &name) ||
                   cli_opt_value(argc, argv, &i, "--vendor", &vendor) ||
                   cli_opt_value(argc, argv, &i, "--root-key", &root) ||
                   cli_opt_value(argc, argv, &i, "--max-age", &age) ||
                   cli_opt_value(argc, argv, &i, "-o", &out)) {
            continue;
        } else if (cli_opt_value(argc, argv, &i, "--image-hash", &v)) {
            json_array_append_new(hashes, json_string(v));
        } else if (strcmp(argv[i], "--audit") == 0) {
            audit = 1;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fputs(policy_usage, stderr);
            rc = cli_usage_error("policy create: unknown argument \"%s\"", argv[i]);
            goto out;
        }
    }
    if (name == NULL || vendor == NULL || root == NULL || json_array_size(hashes) == 0) {
        fputs(policy_usage, stderr);
        rc = cli_usage_error("policy create: --name, --vendor, --image-hash and --root-key are "
                             "required");
        goto out;
    }
    json_object_set_new(rules, "allowedImageHashes", hashes);
    hashes = NULL;
    json_object_set_new(rules, "rootPublicKeyB64", json_string(root));
    if (age != NULL) {
        char *end;
        long long n = strtoll(age, &end, 10);
        if (*age == '\0' || *end != '\0' || n < 1 || n > 100000000) {
            rc = cli_usage_error("policy create: --max-age: \"%s\" is not a positive number of "
                                 "seconds",
                                 age);
            goto out;
        }
        json_object_set_new(rules, "maxDocAgeSeconds", json_integer((json_int_t)n));
    }
    if (json_object_set_new(body, "name", json_string(name)) != 0 ||
        json_object_set_new(body, "vendor", json_string(vendor)) != 0) {
        rc = cli_usage_error("policy create: --name and --vendor must be UTF-8 text");
        goto out;
    }
    json_object_set(body, "matchRules", rules);
    json_object_set_new(body, "enforce", json_boolean(!audit));
    text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        rc = cli_usage_error("policy create: the values must be UTF-8 text");
        goto out;
    }
    err = postq_client_policy_create(c, text, &res);
    if (err != POSTQ_OK) {
        rc = cli_failed(c, err, "policy create", json);
        goto out;
    }
    if (!json) {
        printf("created ");
    }
    rc = cli_show(res, json, out, "policy", print_policy);
out:
    postq_text_free(res);
    free(text);
    json_decref(hashes);
    json_decref(rules);
    json_decref(body);
    return rc;
}

static void print_policy_row(const json_t *p)
{
    printf("%-30s  %-24s  %-6s  %-7s  %s\n", cli_json_shown(p, "id"), cli_json_shown(p, "name"),
           cli_json_shown(p, "vendor"),
           json_is_false(json_object_get(p, "enforce")) ? "audit" : "enforce",
           cli_json_shown(p, "createdAt"));
}

static postq_err list_policies(struct postq_client *c, const char *key_id, int limit,
                               const char *cursor, char **json)
{
    (void)key_id;
    return postq_client_policy_list(c, limit, cursor, json);
}

int cli_cmd_policy(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *sub = argc >= 2 ? argv[1] : "";
    int rc;

    if (cli_is_help(sub)) {
        fputs(policy_usage, stdout);
        return CLI_OK;
    }
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "get") != 0 &&
        strcmp(sub, "delete") != 0) {
        fputs(policy_usage, stderr);
        {
            static const char *const subs[] = {"create", "list", "get", "delete"};
            return cli_unknown_subcommand("policy", sub, subs, 4);
        }
    }
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(policy_usage, stdout);
            return CLI_OK;
        }
    }
    if (strcmp(sub, "get") == 0 || strcmp(sub, "delete") == 0) {
        struct cli_id_args a;
        rc = cli_id_args(argc, argv, policy_usage,
                         strcmp(sub, "get") == 0 ? "policy get" : "policy delete", "policy",
                         strcmp(sub, "get") == 0, NULL, &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        if (strcmp(sub, "delete") == 0) {
            postq_err err = postq_client_policy_delete(c, a.id);
            rc = err != POSTQ_OK ? cli_failed(c, err, "policy delete", a.json) : CLI_OK;
            if (rc == CLI_OK && a.json) {
                json_t *o = json_pack("{s:s,s:b}", "id", a.id, "deleted", 1);
                char *t = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
                if (t != NULL) {
                    puts(t);
                }
                free(t);
                json_decref(o);
            } else if (rc == CLI_OK) {
                printf("deleted policy %s\n", a.id);
            }
        } else {
            char *text = NULL;
            postq_err err = postq_client_policy_get(c, a.id, &text);
            rc = err != POSTQ_OK ? cli_failed(c, err, "policy get", a.json)
                                 : cli_show(text, a.json, a.out, "policy", print_policy);
            postq_text_free(text);
        }
        postq_client_free(c);
        return rc;
    }
    rc = cli_open_client(&c);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub, "create") == 0) {
        rc = policy_create(c, argc, argv);
    } else {
        char header[160];
        snprintf(header, sizeof(header), "%-30s  %-24s  %-6s  %-7s  %s", "ID", "NAME", "VENDOR",
                 "MODE", "CREATED");
        rc = cli_list(c, argc, argv, policy_usage, "policy list", list_policies, header,
                      print_policy_row, 0);
    }
    postq_client_free(c);
    return rc;
}
