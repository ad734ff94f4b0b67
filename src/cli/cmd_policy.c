/* SPDX-License-Identifier: Apache-2.0 */
/* postq policy create | list | get | delete: attestation policies. */
#include <stdint.h>
#include <stdio.h>
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
    "       postq policy update ID [--name N] [--add-image-hash H ...] [--remove-image-hash H ...]\n"
    "                           [--add-root-key B64 ...] [--remove-root-key B64 ...]\n"
    "                           [--max-age SECONDS | --no-max-age] [--audit | --enforce]\n"
    "                           [--dry-run] [-o policy.json] [--json]\n"
    "       postq policy get ID [--version N] [-o policy.json] [--json]\n"
    "       postq policy delete ID\n"
    "\n"
    "Attestation policies: which enclave images may sign, under which pinned root key, how old\n"
    "a document may be. create pins the values `postq enclave info` prints;\n"
    "--audit records failures instead of rejecting the sign call. -o writes the policy's JSON\n"
    "(what `postq attest verify --policy` reads) atomically: the file is replaced whole or not\n"
    "at all. --root-key may be given more than once (rootPublicKeysB64: every root pinned).\n"
    "\n"
    "update makes the policy's next version from the newest one and the changes given, prints\n"
    "what changes (- removed, + added), and stores it unless --dry-run; keys bound to the\n"
    "policy follow the new version at once. Upgrading the enclave: add the new image's hash,\n"
    "start the new enclave, then remove the old hash. get --version N reads an old version\n"
    "(a sign result's policyVersion names the one that admitted it).\n"
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
        printf("  root key   %s\n", cli_short_key(cli_json_str(rules, "rootPublicKeyB64")));
    }
    json_array_foreach (json_object_get(rules, "rootPublicKeysB64"), i, h) {
        printf("  root key   %s\n",
               json_string_value(h) != NULL ? cli_short_key(json_string_value(h)) : "?");
    }
    if (json_is_integer(age)) {
        printf("  max age    %lld s\n", (long long)json_integer_value(age));
    }
    if (json_is_integer(json_object_get(p, "version"))) {
        printf("  version    %lld (made %s)\n",
               (long long)json_integer_value(json_object_get(p, "version")),
               cli_json_shown(p, "updatedAt"));
    }
    printf("  created    %s\n", cli_json_shown(p, "createdAt"));
}

/* --max-age SECONDS into rules' maxDocAgeSeconds: CLI_OK, or the usage error printed. */
static int set_max_age(json_t *rules, const char *age, const char *what)
{
    char *end;
    long long n = strtoll(age, &end, 10);
    if (*age == '\0' || *end != '\0' || n < 1 || n > 100000000) {
        return cli_usage_error("%s: --max-age: \"%s\" is not a positive number of seconds", what,
                               age);
    }
    json_object_set_new(rules, "maxDocAgeSeconds", json_integer((json_int_t)n));
    return CLI_OK;
}

static int policy_create(struct postq_client *c, int argc, char **argv)
{
    const char *name = NULL, *vendor = NULL, *root = NULL, *age = NULL, *out = NULL, *v;
    int audit = 0, json = 0, rc;
    json_t *body = json_object(), *rules = json_object(), *hashes = json_array();
    json_t *roots = json_array();
    char *text = NULL, *res = NULL;
    postq_err err;

    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(policy_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (cli_opt_value(argc, argv, &i, "--name", &name) ||
                   cli_opt_value(argc, argv, &i, "--vendor", &vendor) ||
                   cli_opt_value(argc, argv, &i, "--max-age", &age) ||
                   cli_opt_value(argc, argv, &i, "-o", &out)) {
            continue;
        } else if (cli_opt_value(argc, argv, &i, "--image-hash", &v)) {
            json_array_append_new(hashes, json_string(v));
        } else if (cli_opt_value(argc, argv, &i, "--root-key", &root)) {
            json_array_append_new(roots, json_string(root));
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
    if (json_array_size(roots) == 1) {
        json_object_set_new(rules, "rootPublicKeyB64", json_string(root));
    } else {
        json_object_set(rules, "rootPublicKeysB64", roots);
    }
    if (age != NULL && (rc = set_max_age(rules, age, "policy create")) != CLI_OK) {
        goto out;
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
    json_decref(roots);
    json_decref(rules);
    json_decref(body);
    return rc;
}

/* ---- policy update ---- */

/* The roots of rules as one list (rootPublicKeyB64 and rootPublicKeysB64 together). */
static json_t *roots_of(const json_t *rules)
{
    json_t *a = json_array();
    const json_t *one = json_object_get(rules, "rootPublicKeyB64"), *v;
    size_t i;
    if (json_is_string(one)) {
        json_array_append(a, (json_t *)(uintptr_t)one);
    }
    json_array_foreach (json_object_get(rules, "rootPublicKeysB64"), i, v) {
        json_array_append(a, (json_t *)(uintptr_t)v);
    }
    return a;
}

static int has_str(const json_t *a, const char *s)
{
    const json_t *v;
    size_t i;
    json_array_foreach (a, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Remove s from the string array a: 1 if it was there. */
static int remove_str(json_t *a, const char *s)
{
    for (size_t i = 0; i < json_array_size(a); i++) {
        if (json_is_string(json_array_get(a, i)) &&
            strcmp(json_string_value(json_array_get(a, i)), s) == 0) {
            json_array_remove(a, i);
            return 1;
        }
    }
    return 0;
}

/* One line per change between old and new (two string lists named label). */
static void diff_list(FILE *f, const char *label, const json_t *old, const json_t *new_)
{
    const json_t *v;
    size_t i;
    json_array_foreach (old, i, v) {
        if (json_is_string(v) && !has_str(new_, json_string_value(v))) {
            fprintf(f, "- %-10s %s\n", label, cli_short_key(json_string_value(v)));
        }
    }
    json_array_foreach (new_, i, v) {
        if (json_is_string(v) && !has_str(old, json_string_value(v))) {
            fprintf(f, "+ %-10s %s\n", label, cli_short_key(json_string_value(v)));
        }
    }
}

static void diff_value(FILE *f, const char *label, const json_t *old, const json_t *new_)
{
    char *a, *b;
    if (json_equal((json_t *)(uintptr_t)old, (json_t *)(uintptr_t)new_)) {
        return;
    }
    a = old != NULL ? json_dumps(old, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    b = new_ != NULL ? json_dumps(new_, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (a != NULL) {
        fprintf(f, "- %-10s %s\n", label, a);
    }
    if (b != NULL) {
        fprintf(f, "+ %-10s %s\n", label, b);
    }
    free(a);
    free(b);
}

/* What changes from the policy cur to the body next, one line each; how many lines. */
static int policy_diff(FILE *f, const json_t *cur, const json_t *next)
{
    const json_t *r0 = json_object_get(cur, "matchRules"), *r1 = json_object_get(next, "matchRules");
    json_t *k0 = roots_of(r0), *k1 = roots_of(r1);
    const char *key;
    const json_t *v;
    char *text;
    int n = 0;

    /* Print into a memory stream first to count the lines. */
    size_t len = 0;
    char *buf = NULL;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        json_decref(k0);
        json_decref(k1);
        return -1;
    }
    diff_value(m, "name", json_object_get(cur, "name"), json_object_get(next, "name"));
    diff_value(m, "enforce", json_object_get(cur, "enforce"), json_object_get(next, "enforce"));
    diff_list(m, "image", json_object_get(r0, "allowedImageHashes"),
              json_object_get(r1, "allowedImageHashes"));
    diff_list(m, "root key", k0, k1);
    json_object_foreach ((json_t *)(uintptr_t)r1, key, v) {
        if (strcmp(key, "allowedImageHashes") != 0 && strcmp(key, "rootPublicKeyB64") != 0 &&
            strcmp(key, "rootPublicKeysB64") != 0) {
            diff_value(m, key, json_object_get(r0, key), v);
        }
    }
    json_object_foreach ((json_t *)(uintptr_t)r0, key, v) {
        if (json_object_get(r1, key) == NULL && strcmp(key, "rootPublicKeyB64") != 0 &&
            strcmp(key, "rootPublicKeysB64") != 0) {
            diff_value(m, key, v, NULL);
        }
    }
    fclose(m);
    for (text = buf; text != NULL && *text != '\0'; text++) {
        n += *text == '\n';
    }
    if (buf != NULL) {
        fputs(buf, f);
    }
    free(buf);
    json_decref(k0);
    json_decref(k1);
    return n;
}

static int policy_update(struct postq_client *c, int argc, char **argv)
{
    const char *id = NULL, *name = NULL, *age = NULL, *out = NULL, *v;
    int json = 0, dry = 0, no_age = 0, audit = 0, enforce = 0, rc = CLI_OK, changes;
    json_t *add_img = json_array(), *rm_img = json_array(), *add_root = json_array(),
           *rm_root = json_array(), *cur = NULL, *next = NULL, *rules = NULL, *roots = NULL;
    char *text = NULL, *body = NULL, *res = NULL;
    postq_err err;
    size_t i;
    json_t *x;

    for (int k = 2; k < argc; k++) {
        if (cli_opt_value(argc, argv, &k, "--name", &name) ||
            cli_opt_value(argc, argv, &k, "--max-age", &age) ||
            cli_opt_value(argc, argv, &k, "-o", &out)) {
            continue;
        } else if (cli_opt_value(argc, argv, &k, "--add-image-hash", &v)) {
            json_array_append_new(add_img, json_string(v));
        } else if (cli_opt_value(argc, argv, &k, "--remove-image-hash", &v)) {
            json_array_append_new(rm_img, json_string(v));
        } else if (cli_opt_value(argc, argv, &k, "--add-root-key", &v)) {
            json_array_append_new(add_root, json_string(v));
        } else if (cli_opt_value(argc, argv, &k, "--remove-root-key", &v)) {
            json_array_append_new(rm_root, json_string(v));
        } else if (strcmp(argv[k], "--no-max-age") == 0) {
            no_age = 1;
        } else if (strcmp(argv[k], "--audit") == 0) {
            audit = 1;
        } else if (strcmp(argv[k], "--enforce") == 0) {
            enforce = 1;
        } else if (strcmp(argv[k], "--dry-run") == 0) {
            dry = 1;
        } else if (strcmp(argv[k], "--json") == 0) {
            json = 1;
        } else if (argv[k][0] != '-' && id == NULL) {
            id = argv[k];
        } else {
            fputs(policy_usage, stderr);
            rc = cli_usage_error("policy update: unknown argument \"%s\"", argv[k]);
            goto out;
        }
    }
    if (id == NULL || (audit && enforce) || (age != NULL && no_age)) {
        fputs(policy_usage, stderr);
        rc = cli_usage_error(id == NULL ? "policy update: the policy ID is required"
                                        : "policy update: contradictory options (--audit with "
                                          "--enforce, or --max-age with --no-max-age)");
        goto out;
    }
    err = postq_client_policy_get(c, id, &text);
    if (err != POSTQ_OK) {
        rc = cli_failed(c, err, "policy update", json);
        goto out;
    }
    cur = cli_json_parse(text);
    rules = cur != NULL ? json_deep_copy(json_object_get(cur, "matchRules")) : NULL;
    if (rules == NULL || !json_is_object(rules)) {
        rc = cli_usage_error("policy update: the server's policy has no matchRules");
        goto out;
    }
    /* Images. */
    if (json_array_size(add_img) > 0 || json_array_size(rm_img) > 0) {
        json_t *imgs = json_object_get(rules, "allowedImageHashes");
        if (!json_is_array(imgs)) {
            rc = cli_usage_error("policy update: this policy (vendor %s) has no allowedImageHashes",
                                 cli_json_shown(cur, "vendor"));
            goto out;
        }
        json_array_foreach (rm_img, i, x) {
            if (!remove_str(imgs, json_string_value(x))) {
                rc = cli_usage_error("policy update: --remove-image-hash %s: not in the policy",
                                     json_string_value(x));
                goto out;
            }
        }
        json_array_foreach (add_img, i, x) {
            if (!has_str(imgs, json_string_value(x))) {
                json_array_append(imgs, x);
            }
        }
    }
    /* Roots: one list from then on (rootPublicKeysB64), or the single member when one is left. */
    if (json_array_size(add_root) > 0 || json_array_size(rm_root) > 0) {
        roots = roots_of(rules);
        json_array_foreach (rm_root, i, x) {
            if (!remove_str(roots, json_string_value(x))) {
                rc = cli_usage_error("policy update: --remove-root-key: that key is not pinned");
                goto out;
            }
        }
        json_array_foreach (add_root, i, x) {
            if (!has_str(roots, json_string_value(x))) {
                json_array_append(roots, x);
            }
        }
        json_object_del(rules, "rootPublicKeyB64");
        json_object_del(rules, "rootPublicKeysB64");
        if (json_array_size(roots) == 1) {
            json_object_set(rules, "rootPublicKeyB64", json_array_get(roots, 0));
        } else {
            json_object_set(rules, "rootPublicKeysB64", roots);
        }
    }
    if (age != NULL && (rc = set_max_age(rules, age, "policy update")) != CLI_OK) {
        goto out;
    }
    if (no_age) {
        json_object_del(rules, "maxDocAgeSeconds");
    }
    next = json_pack("{s:O,s:O,s:O,s:O}", "name", json_object_get(cur, "name"), "vendor",
                     json_object_get(cur, "vendor"), "matchRules", rules, "enforce",
                     json_object_get(cur, "enforce"));
    if (next == NULL) {
        rc = cli_usage_error("policy update: the server's policy lacks name, vendor or enforce");
        goto out;
    }
    if (name != NULL && json_object_set_new(next, "name", json_string(name)) != 0) {
        rc = cli_usage_error("policy update: --name must be UTF-8 text");
        goto out;
    }
    if (audit || enforce) {
        json_object_set_new(next, "enforce", json_boolean(enforce));
    }
    fprintf(json ? stderr : stdout, "policy %s: version %lld -> %lld\n", id,
            (long long)json_integer_value(json_object_get(cur, "version")),
            (long long)json_integer_value(json_object_get(cur, "version")) + 1);
    changes = policy_diff(json ? stderr : stdout, cur, next);
    if (changes == 0) {
        rc = cli_usage_error("policy update: nothing changes (give --add-image-hash, "
                             "--remove-image-hash, --add-root-key, ...)");
        goto out;
    }
    if (dry) {
        fprintf(json ? stderr : stdout, "dry run: nothing stored\n");
        goto out;
    }
    body = json_dumps(next, JSON_COMPACT | JSON_PRESERVE_ORDER);
    err = body != NULL ? postq_client_policy_update(c, id, body, &res) : POSTQ_E_NOMEM;
    if (err != POSTQ_OK) {
        rc = cli_failed(c, err, "policy update", json);
        goto out;
    }
    if (!json) {
        printf("updated ");
    }
    rc = cli_show(res, json, out, "policy", print_policy);
out:
    postq_text_free(text);
    postq_text_free(res);
    free(body);
    json_decref(add_img);
    json_decref(rm_img);
    json_decref(add_root);
    json_decref(rm_root);
    json_decref(roots);
    json_decref(rules);
    json_decref(next);
    json_decref(cur);
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
        strcmp(sub, "delete") != 0 && strcmp(sub, "update") != 0) {
        fputs(policy_usage, stderr);
        {
            static const char *const subs[] = {"create", "list", "get", "update", "delete"};
            return cli_unknown_subcommand("policy", sub, subs, 5);
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
                         strcmp(sub, "get") == 0, strcmp(sub, "get") == 0 ? "--version" : NULL,
                         &a);
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
            char *text = NULL, *end = NULL;
            long n = a.extra != NULL ? strtol(a.extra, &end, 10) : 0;
            postq_err err;
            if (a.extra != NULL && (*end != '\0' || n < 1 || n > 100000)) {
                postq_client_free(c);
                return cli_usage_error("policy get: --version: a version number, 1 or more");
            }
            err = a.extra != NULL ? postq_client_policy_get_version(c, a.id, (int)n, &text)
                                  : postq_client_policy_get(c, a.id, &text);
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
    } else if (strcmp(sub, "update") == 0) {
        rc = policy_update(c, argc, argv);
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
