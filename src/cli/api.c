/* SPDX-License-Identifier: Apache-2.0 */
/* postq enclave | policy | key | sign | signature [DESIGN §6, §7]: the commands that talk to
 * postq-api through the SDK client. POSTQ_API_URL (default http://127.0.0.1:8080) and
 * POSTQ_API_KEY configure them. Exit codes: 0 done, 1 the server rejected the attestation,
 * 2 usage, unreadable input or an unknown id, 3 server or network error (err.h's table). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/client.h>
#include <postq/hybrid.h>

#include "cli/cli.h"
#include "common/base64.h"
#include "crypto/spki.h"

/* Options every API command shares. */
struct common_opts {
    int json;
    int help;
};

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static int open_client(struct postq_client **c)
{
    const char *url = getenv("POSTQ_API_URL");
    const char *key = getenv("POSTQ_API_KEY");
    postq_err err;

    if (url == NULL || url[0] == '\0') {
        url = POSTQ_DEFAULT_API_URL;
    }
    err = postq_client_new(url, key, c);
    if (err == POSTQ_E_ARG) {
        return cli_usage_error("POSTQ_API_URL \"%s\" is not an http:// or https:// URL (or "
                               "POSTQ_API_KEY holds a line break)",
                               url);
    }
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq: cannot start the API client: %s\n", postq_strerror(err));
        return CLI_SERVER;
    }
    return CLI_OK;
}

/* Print a failed call and return its exit code. */
static int failed(struct postq_client *c, postq_err err, const char *what)
{
    const char *msg = postq_client_errmsg(c);

    if (msg[0] == '\0') {
        msg = postq_strerror(err);
    }
    if (err == POSTQ_E_REJECTED) {
        fprintf(stderr, "rejected: %s\n", msg);
    } else {
        fprintf(stderr, "postq: %s: %s\n", what, msg);
        if (err == POSTQ_E_AUTH && getenv("POSTQ_API_KEY") == NULL) {
            fprintf(stderr, "postq: POSTQ_API_KEY is not set\n");
        }
    }
    return postq_errmap_exit_code(err);
}

static json_t *parse(const char *text)
{
    return json_loads(text, JSON_REJECT_DUPLICATES, NULL);
}

static const char *str(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL ? s : "";
}

/* --json: the server's JSON, indented. */
static void print_json(const char *text)
{
    json_t *o = parse(text);
    char *s = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    puts(s != NULL ? s : text);
    free(s);
    json_decref(o);
}

/* -o FILE: the server's JSON text on one line plus a newline, written atomically. */
static int write_json(const char *path, const char *text, const char *what)
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

/* The arguments of `NOUN VERB ID [--json] [-o FILE] [EXTRA FILE]` (what = "NOUN VERB"; -o only
 * when with_out, EXTRA only when extra is not NULL): CLI_OK, or the usage error printed with
 * usage. */
struct id_args {
    const char *id, *out, *extra;
    int json;
};

static int id_args(int argc, char **argv, const char *usage, const char *what, const char *noun,
                   int with_out, const char *extra, struct id_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        if ((extra != NULL && cli_opt_value(argc, argv, &i, extra, &a->extra)) ||
            (with_out && cli_opt_value(argc, argv, &i, "-o", &a->out))) {
            continue;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
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

/* ---- postq enclave info ---- */

static const char enclave_usage[] =
    "usage: postq enclave info [--json]\n"
    "\n"
    "What to pin in a policy for the enclave behind the API (GET /v1/enclave): its vendor,\n"
    "module id, image hash and root public key.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 done, 2 usage, 3 server or network error.\n";

int cli_cmd_enclave(int argc, char **argv)
{
    struct postq_client *c = NULL;
    struct postq_enclave_info info;
    char *text = NULL;
    int json = 0, rc;
    postq_err err;

    if (argc >= 2 && is_help(argv[1])) {
        fputs(enclave_usage, stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "info") != 0) {
        fputs(enclave_usage, stderr);
        return cli_usage_error("enclave: the subcommand is info");
    }
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(enclave_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fputs(enclave_usage, stderr);
            return cli_usage_error("enclave info: unknown argument \"%s\"", argv[i]);
        }
    }
    rc = open_client(&c);
    if (rc != CLI_OK) {
        return rc;
    }
    err = postq_client_enclave_info(c, &info, &text);
    if (err != POSTQ_OK) {
        rc = failed(c, err, "enclave info");
    } else if (json) {
        print_json(text);
    } else {
        printf("enclave: %s, module %s\n", info.vendor, info.module_id);
        printf("  image      %s\n", info.image_hash);
        printf("  root key   %s\n", info.root_public_key_b64);
        printf("pin them: postq policy create --name NAME --vendor %s --image-hash %s "
               "--root-key %s\n",
               info.vendor, info.image_hash, info.root_public_key_b64);
    }
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}

/* ---- postq policy ---- */

static const char policy_usage[] =
    "usage: postq policy create --name N --vendor mock --image-hash H [--image-hash H2 ...]\n"
    "                           --root-key B64 [--max-age SECONDS] [--audit] [-o policy.json]\n"
    "                           [--json]\n"
    "       postq policy list [--limit N] [--cursor C] [--json]\n"
    "       postq policy get ID [-o policy.json] [--json]\n"
    "       postq policy delete ID\n"
    "\n"
    "Attestation policies (DESIGN §5.2): which enclave images may sign, under which pinned root\n"
    "key, how old a document may be. create pins the values `postq enclave info` prints;\n"
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

    printf("policy %s  %s\n", str(p, "id"), str(p, "name"));
    printf("  vendor     %s (%s)\n", str(p, "vendor"),
           json_is_false(json_object_get(p, "enforce")) ? "audit: failures recorded, not rejected"
                                                        : "enforced");
    json_array_foreach(hashes, i, h)
    {
        printf("  image      %s\n", json_string_value(h) != NULL ? json_string_value(h) : "?");
    }
    if (json_object_get(rules, "rootPublicKeyB64") != NULL) {
        printf("  root key   %s\n", str(rules, "rootPublicKeyB64"));
    }
    if (json_is_integer(age)) {
        printf("  max age    %lld s\n", (long long)json_integer_value(age));
    }
    printf("  created    %s\n", str(p, "createdAt"));
}

/* The human view of one resource (kind "policy" / "key"), or --json, and -o. */
static int show(const char *text, int json, const char *out, const char *what,
                void (*human)(const json_t *))
{
    int rc = CLI_OK;

    if (out != NULL) {
        rc = write_json(out, text, what);
        if (rc != CLI_OK) {
            return rc;
        }
    }
    if (json) {
        print_json(text);
    } else {
        json_t *o = parse(text);
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

static int policy_create(struct postq_client *c, int argc, char **argv)
{
    const char *name = NULL, *vendor = NULL, *root = NULL, *age = NULL, *out = NULL, *v;
    int audit = 0, json = 0, rc;
    json_t *body = json_object(), *rules = json_object(), *hashes = json_array();
    char *text = NULL, *res = NULL;
    postq_err err;

    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i])) {
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
        rc = failed(c, err, "policy create");
        goto out;
    }
    if (!json) {
        printf("created ");
    }
    rc = show(res, json, out, "policy", print_policy);
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
    printf("%-30s  %-24s  %-6s  %-7s  %s\n", str(p, "id"), str(p, "name"), str(p, "vendor"),
           json_is_false(json_object_get(p, "enforce")) ? "audit" : "enforce",
           str(p, "createdAt"));
}

static void print_key_row(const json_t *k)
{
    printf("%-30s  %-20s  %-15s  %-12s  %-30s  %s\n", str(k, "id"), str(k, "name"),
           str(k, "algorithm"), str(k, "pqProvider"),
           str(k, "attestationPolicyId")[0] ? str(k, "attestationPolicyId") : "-",
           str(k, "createdAt"));
}

static void print_sig_row(const json_t *s)
{
    const json_t *att = json_object_get(s, "attestation");
    const char *verdict = att != NULL ? str(att, "verdict") : "no attestation";

    printf("%-30s  %-30s  %-15s  %-24s  %s%s%s\n", str(s, "id"), str(s, "keyId"),
           str(s, "algorithm"), str(s, "createdAt"), verdict,
           str(att, "reason")[0] ? ": " : "", str(att, "reason"));
}

/* One page in human form; returns nextCursor (inside page) or NULL. */
static const char *print_page(const json_t *page, const char *header,
                              void (*row)(const json_t *))
{
    const json_t *items = json_object_get(page, "items");
    const json_t *it;
    size_t i;

    if (header != NULL) {
        puts(header);
    }
    json_array_foreach(items, i, it)
    {
        row(it);
    }
    return json_string_value(json_object_get(page, "nextCursor"));
}

typedef postq_err (*list_fn)(struct postq_client *c, const char *key_id, int limit,
                             const char *cursor, char **json);

static postq_err list_policies(struct postq_client *c, const char *key_id, int limit,
                               const char *cursor, char **json)
{
    (void)key_id;
    return postq_client_policy_list(c, limit, cursor, json);
}

static postq_err list_keys(struct postq_client *c, const char *key_id, int limit,
                           const char *cursor, char **json)
{
    (void)key_id;
    return postq_client_key_list(c, limit, cursor, json);
}

/* list [--key ID] [--limit N] [--cursor C] [--all] [--json]. */
static int do_list(struct postq_client *c, int argc, char **argv, const char *usage,
                   const char *what, list_fn fn, const char *header,
                   void (*row)(const json_t *), int has_key)
{
    const char *lim = NULL, *cursor = NULL, *key = NULL;
    int limit = 0, json = 0, all = 0, rc = CLI_OK, first = 1;
    char *text = NULL, *next = NULL;

    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i])) {
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
            rc = failed(c, err, what);
            break;
        }
        if (json) {
            print_json(text);
        }
        page = parse(text);
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
                printf("more: %s %s --cursor %s\n", "postq", what, next);
            }
            break;
        }
    }
    free(next);
    return rc;
}

int cli_cmd_policy(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *sub = argc >= 2 ? argv[1] : "";
    int rc;

    if (is_help(sub)) {
        fputs(policy_usage, stdout);
        return CLI_OK;
    }
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "get") != 0 &&
        strcmp(sub, "delete") != 0) {
        fputs(policy_usage, stderr);
        return cli_usage_error("policy: the subcommand is create, list, get or delete");
    }
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(policy_usage, stdout);
            return CLI_OK;
        }
    }
    if (strcmp(sub, "get") == 0 || strcmp(sub, "delete") == 0) {
        struct id_args a;
        rc = id_args(argc, argv, policy_usage,
                     strcmp(sub, "get") == 0 ? "policy get" : "policy delete", "policy",
                     strcmp(sub, "get") == 0, NULL, &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        if (strcmp(sub, "delete") == 0) {
            postq_err err = postq_client_policy_delete(c, a.id);
            rc = err != POSTQ_OK ? failed(c, err, "policy delete") : CLI_OK;
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
            rc = err != POSTQ_OK ? failed(c, err, "policy get")
                                 : show(text, a.json, a.out, "policy", print_policy);
            postq_text_free(text);
        }
        postq_client_free(c);
        return rc;
    }
    rc = open_client(&c);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub, "create") == 0) {
        rc = policy_create(c, argc, argv);
    } else {
        char header[160];
        snprintf(header, sizeof(header), "%-30s  %-24s  %-6s  %-7s  %s", "ID", "NAME", "VENDOR",
                 "MODE", "CREATED");
        rc = do_list(c, argc, argv, policy_usage, "policy list", list_policies, header,
                     print_policy_row, 0);
    }
    postq_client_free(c);
    return rc;
}

/* ---- postq key ---- */

static const char key_usage[] =
    "usage: postq key create --name N [--algorithm mldsa65+ed25519] --provider enclave-mock\n"
    "                        --policy ID [--json]\n"
    "       postq key create --name N [--algorithm ALG] --provider software [--json]\n"
    "       postq key list [--limit N] [--cursor C] [--all] [--json]\n"
    "       postq key get ID [--public-key-out key.pub] [-o key.json] [--json]\n"
    "\n"
    "Hybrid keys (ML-DSA + EdDSA composites): mldsa44+ed25519, mldsa65+ed25519 (default),\n"
    "mldsa87+ed448. enclave-mock keys live in the enclave and are bound to an attestation\n"
    "policy; software keys are sealed by the server and carry no attestation.\n"
    "--public-key-out writes the PEM public key (what `postq verify --public-key` reads);\n"
    "it and -o replace their file whole or not at all.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 done, 2 usage, unreadable input or an unknown id, 3 server or network error\n"
    "(a bad API key included).\n";

static void print_key(const json_t *k)
{
    printf("key %s  %s\n", str(k, "id"), str(k, "name"));
    printf("  algorithm  %s\n", str(k, "algorithm"));
    printf("  provider   %s\n", str(k, "pqProvider"));
    if (str(k, "attestationPolicyId")[0] != '\0') {
        printf("  policy     %s\n", str(k, "attestationPolicyId"));
    }
    printf("  created    %s\n", str(k, "createdAt"));
}

/* The key's PEM SubjectPublicKeyInfo, written atomically. */
static int write_public_key(const char *text, const char *path)
{
    static const char *names[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    json_t *k = parse(text);
    const char *alg = NULL, *b64 = str(k, "publicKeyB64");
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len = 0, want = 0, pem_len = 0;
    char pem[8192];
    int rc = CLI_SERVER;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(str(k, "algorithm"), names[i]) == 0) {
            alg = names[i];
        }
    }
    if (alg == NULL || postq_hybrid_sizes(alg, &want, NULL, NULL) != POSTQ_OK ||
        postq_base64_decode(pk, sizeof(pk), &pk_len, b64, strlen(b64), POSTQ_B64_STD) !=
            POSTQ_OK ||
        pk_len != want) {
        fprintf(stderr, "postq: key get: the server's answer has no usable algorithm and "
                        "publicKeyB64\n");
    } else if (postq_spki_encode_pem(pem, sizeof(pem), &pem_len, alg, pk, pk_len) != POSTQ_OK) {
        fprintf(stderr, "postq: key get: cannot encode the public key as PEM\n");
    } else {
        rc = cli_write_atomic(path, pem, pem_len, "public key") == POSTQ_OK ? CLI_OK : CLI_USAGE;
    }
    json_decref(k);
    return rc;
}

int cli_cmd_key(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *sub = argc >= 2 ? argv[1] : "";
    char *text = NULL;
    postq_err err;
    int rc;

    if (is_help(sub)) {
        fputs(key_usage, stdout);
        return CLI_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(key_usage, stdout);
            return CLI_OK;
        }
    }
    if (strcmp(sub, "create") == 0) {
        const char *name = NULL, *alg = NULL, *provider = NULL, *policy = NULL, *out = NULL;
        int json = 0;
        for (int i = 2; i < argc; i++) {
            if (cli_opt_value(argc, argv, &i, "--name", &name) ||
                cli_opt_value(argc, argv, &i, "--algorithm", &alg) ||
                cli_opt_value(argc, argv, &i, "--provider", &provider) ||
                cli_opt_value(argc, argv, &i, "--policy", &policy) ||
                cli_opt_value(argc, argv, &i, "-o", &out)) {
                continue;
            } else if (strcmp(argv[i], "--json") == 0) {
                json = 1;
            } else {
                fputs(key_usage, stderr);
                return cli_usage_error("key create: unknown argument \"%s\"", argv[i]);
            }
        }
        if (provider == NULL) {
            provider = policy != NULL ? "enclave-mock" : NULL;
        }
        if (name == NULL || provider == NULL) {
            fputs(key_usage, stderr);
            return cli_usage_error("key create: --name and --provider (enclave-mock with "
                                   "--policy, or software) are required");
        }
        if (strcmp(provider, "enclave-mock") == 0 && policy == NULL) {
            return cli_usage_error("key create: --provider enclave-mock needs --policy ID");
        }
        rc = open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = postq_client_key_create(c, name, alg, provider, policy, &text);
        if (err != POSTQ_OK) {
            rc = failed(c, err, "key create");
        } else {
            if (!json) {
                printf("created ");
            }
            rc = show(text, json, out, "key", print_key);
        }
    } else if (strcmp(sub, "list") == 0) {
        char header[200];
        rc = open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        snprintf(header, sizeof(header), "%-30s  %-20s  %-15s  %-12s  %-30s  %s", "ID", "NAME",
                 "ALGORITHM", "PROVIDER", "POLICY", "CREATED");
        rc = do_list(c, argc, argv, key_usage, "key list", list_keys, header, print_key_row, 0);
    } else if (strcmp(sub, "get") == 0) {
        struct id_args a;
        rc = id_args(argc, argv, key_usage, "key get", "key", 1, "--public-key-out", &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = postq_client_key_get(c, a.id, &text);
        if (err != POSTQ_OK) {
            rc = failed(c, err, "key get");
        } else {
            rc = a.extra != NULL ? write_public_key(text, a.extra) : CLI_OK;
            if (rc == CLI_OK) {
                rc = show(text, a.json, a.out, "key", print_key);
            }
            if (rc == CLI_OK && a.extra != NULL && !a.json && strcmp(a.extra, "-") != 0) {
                printf("  public key %s (PEM)\n", a.extra);
            }
        }
    } else {
        fputs(key_usage, stderr);
        return cli_usage_error("key: the subcommand is create, list or get");
    }
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}

/* ---- postq sign ---- */

#define SIGN_STDIN_MAX (64u << 20) /* POST /v1/sign's cap for a raw body */

static const char sign_usage[] =
    "usage: postq sign --key ID --payload FILE [-o sig.json] [--json]\n"
    "\n"
    "Sign FILE (streamed to the API, at most 64 MiB; - reads standard input) with key ID. For an enclave key the\n"
    "enclave signs and attests, and the API verifies the document under the key's policy\n"
    "before it answers. -o writes the sign result (DESIGN §5.3; what `postq verify` and\n"
    "`postq attest verify --sign-result` read) atomically: the file is replaced whole or not\n"
    "at all, and is left alone when the call fails.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 signed, 1 the attestation was rejected under the key's policy (stderr: rejected:\n"
    "<reason>: <message>), 2 usage, unreadable payload or an unknown key, 3 server or network\n"
    "error (a bad API key included).\n";

static void print_sig(const json_t *s)
{
    const json_t *att = json_object_get(s, "attestation");

    printf("signature %s\n", str(s, "id"));
    printf("  key        %s (%s)\n", str(s, "keyId"), str(s, "algorithm"));
    printf("  payload    sha256 %s\n", str(s, "payloadSha256"));
    if (att != NULL) {
        const json_t *n = json_object_get(att, "counter");
        printf("  attested   %s, image %s, counter %lld: %s%s%s\n", str(att, "vendor"),
               str(att, "imageHash"), (long long)json_integer_value(n), str(att, "verdict"),
               str(att, "reason")[0] ? ": " : "", str(att, "reason"));
    } else {
        printf("  attested   no (a key of a non-enclave provider)\n");
    }
    printf("  created    %s\n", str(s, "createdAt"));
}

int cli_cmd_sign(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *key = NULL, *payload = NULL, *out = NULL;
    char *text = NULL;
    int json = 0, rc;
    postq_err err;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(sign_usage, stdout);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "--key", &key) ||
                   cli_opt_value(argc, argv, &i, "--payload", &payload) ||
                   cli_opt_value(argc, argv, &i, "-o", &out)) {
            continue;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fputs(sign_usage, stderr);
            return cli_usage_error("sign: unknown argument \"%s\"", argv[i]);
        }
    }
    if (key == NULL || payload == NULL) {
        fputs(sign_usage, stderr);
        return cli_usage_error("sign: --key and --payload are required");
    }
    rc = open_client(&c);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(payload, "-") == 0) {
        /* Standard input cannot be rewound for a retry: read it whole (the API's cap). */
        struct postq_buf b;
        if (cli_read_file(&b, "-", SIGN_STDIN_MAX, "payload") != POSTQ_OK) {
            postq_client_free(c);
            return CLI_USAGE;
        }
        err = postq_client_sign(c, key, b.p, b.len, &text);
        postq_buf_free(&b);
    } else {
        err = postq_client_sign_file(c, key, payload, &text);
    }
    if (err == POSTQ_E_IO) {
        fprintf(stderr, "postq: sign: %s\n", postq_client_errmsg(c));
        rc = CLI_USAGE;
    } else if (err != POSTQ_OK) {
        rc = failed(c, err, "sign");
    } else {
        if (!json) {
            printf("signed %s: ", payload);
        }
        rc = show(text, json, out, "sign result", print_sig);
    }
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}

/* ---- postq signature ---- */

static const char signature_usage[] =
    "usage: postq signature list [--key ID] [--limit N] [--cursor C] [--all] [--json]\n"
    "       postq signature get ID [-o sig.json] [--json]\n"
    "\n"
    "Stored sign results, newest first. list shows one page (--limit, at most 100) and the\n"
    "cursor of the next; --all follows every page. get fetches one; -o writes it atomically.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 done, 2 usage or an unknown id, 3 server or network error.\n";

int cli_cmd_signature(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *sub = argc >= 2 ? argv[1] : "";
    int rc;

    if (is_help(sub)) {
        fputs(signature_usage, stdout);
        return CLI_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(signature_usage, stdout);
            return CLI_OK;
        }
    }
    if (strcmp(sub, "list") == 0) {
        char header[200];
        rc = open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        snprintf(header, sizeof(header), "%-30s  %-30s  %-15s  %-24s  %s", "ID", "KEY",
                 "ALGORITHM", "CREATED", "ATTESTATION");
        rc = do_list(c, argc, argv, signature_usage, "signature list",
                     postq_client_signatures_list, header, print_sig_row, 1);
    } else if (strcmp(sub, "get") == 0) {
        struct id_args a;
        char *text = NULL;
        postq_err err;
        rc = id_args(argc, argv, signature_usage, "signature get", "signature", 1, NULL, &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = postq_client_signature_get(c, a.id, &text);
        rc = err != POSTQ_OK ? failed(c, err, "signature get")
                             : show(text, a.json, a.out, "sign result", print_sig);
        postq_text_free(text);
    } else {
        fputs(signature_usage, stderr);
        return cli_usage_error("signature: the subcommand is list or get");
    }
    postq_client_free(c);
    return rc;
}
