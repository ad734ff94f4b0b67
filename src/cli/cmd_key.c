/* SPDX-License-Identifier: Apache-2.0 */
/* postq key create | list | get: hybrid keys, and their PEM public keys. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/client.h>
#include <postq/hybrid.h>

#include "cli/cli.h"
#include "cli/remote.h"
#include "common/base64.h"
#include "crypto/spki.h"

/* ---- postq key ---- */

static const char key_usage[] =
    "usage: postq key create --name N [--algorithm mldsa65+ed25519] --provider enclave-mock\n"
    "                        --policy ID [--json]\n"
    "       postq key create --name N [--algorithm ALG] --provider software [--json]\n"
    "       postq key list [--limit N] [--cursor C] [--all] [--json]\n"
    "       postq key get ID [--public-key-out key.pub] [-o key.json] [--json]\n"
    "       postq key rotate ID [--json]\n"
    "       postq key versions ID [--json]\n"
    "       postq key disable|enable ID --version N [--json]\n"
    "       postq key destroy ID --version N --yes [--json]\n"
    "       postq key delete ID --yes [--json]\n"
    "\n"
    "Hybrid keys (ML-DSA + EdDSA composites): mldsa44+ed25519, mldsa65+ed25519 (default),\n"
    "mldsa87+ed448. enclave-mock keys live in the enclave and are bound to an attestation\n"
    "policy; software keys are sealed by the server and carry no attestation.\n"
    "--public-key-out writes the PEM public key of the newest version (what `postq verify\n"
    "--public-key` reads); -o writes the key's JSON, which holds every version's public key,\n"
    "so `postq verify --public-key key.json` picks the one a sign result's keyVersion names.\n"
    "Both replace their file whole or not at all.\n"
    "\n"
    "Versions: rotate makes a new key pair (in the enclave for enclave keys) that signs from\n"
    "then on; the newest enabled version signs. disable stops a version signing (enable undoes\n"
    "it); destroy erases its private key for good. delete destroys every version: the key\n"
    "never signs again, and its public keys and signatures stay readable. destroy and delete\n"
    "cannot be undone and need --yes.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 done, 2 usage, unreadable input or an unknown id, 3 server or network error\n"
    "(a bad API key included).\n";

static void print_key(const json_t *k);

static void print_version(const json_t *v)
{
    printf("  version %-3lld %-10s created %s\n",
           (long long)json_integer_value(json_object_get(v, "version")), cli_json_shown(v, "state"),
           cli_json_shown(v, "createdAt"));
}

static void print_versions(const json_t *o)
{
    const json_t *vs = json_object_get(o, "items"), *v;
    size_t i;
    json_array_foreach(vs, i, v)
    {
        print_version(v);
    }
}

/* `postq key disable|enable|destroy ID --version N` and `postq key delete ID`. */
static int key_change(struct postq_client **c, int argc, char **argv, const char *sub,
                      char **text)
{
    struct cli_id_args a;
    char what[32];
    const char *action = strcmp(sub, "delete") == 0 ? NULL : sub;
    long n = 0;
    char *end = NULL;
    postq_err err;
    int rc;

    snprintf(what, sizeof(what), "key %s", sub);
    rc = cli_id_args(argc, argv, key_usage, what, "key", 0, action != NULL ? "--version" : NULL,
                     &a);
    if (rc != CLI_OK) {
        return rc;
    }
    if (action != NULL) {
        if (a.extra != NULL) {
            n = strtol(a.extra, &end, 10);
        }
        if (a.extra == NULL || *end != '\0' || n < 1 || n > 100000) {
            fputs(key_usage, stderr);
            return cli_usage_error("%s: --version N (a version number, 1 or more) is required",
                                   what);
        }
    }
    if ((strcmp(sub, "destroy") == 0 || strcmp(sub, "delete") == 0) && !a.yes) {
        return cli_usage_error("%s: this cannot be undone (the private key%s erased for good); "
                               "add --yes to go ahead",
                               what, action != NULL ? " of this version is" : "s of every version are");
    }
    rc = cli_open_client(c);
    if (rc != CLI_OK) {
        return rc;
    }
    err = action != NULL ? postq_client_key_version_set(*c, a.id, (int)n, action, text)
                         : postq_client_key_delete(*c, a.id, text);
    if (err != POSTQ_OK) {
        return cli_failed(*c, err, what, a.json);
    }
    if (!a.json && action != NULL) {
        printf("key %s: ", a.id);
    } else if (!a.json) {
        printf("deleted ");
    }
    return cli_show(*text, a.json, NULL, action != NULL ? "version" : "key",
                    action != NULL ? print_version : print_key);
}

static void print_key(const json_t *k)
{
    printf("key %s  %s\n", cli_json_shown(k, "id"), cli_json_shown(k, "name"));
    printf("  algorithm  %s\n", cli_json_shown(k, "algorithm"));
    printf("  provider   %s\n", cli_json_shown(k, "pqProvider"));
    const json_t *vs = json_object_get(k, "versions"), *v;
    size_t i;

    if (cli_json_str(k, "attestationPolicyId")[0] != '\0') {
        printf("  policy     %s\n", cli_json_shown(k, "attestationPolicyId"));
    }
    printf("  created    %s\n", cli_json_shown(k, "createdAt"));
    if (strcmp(cli_json_str(k, "state"), "deleted") == 0) {
        printf("  deleted    %s\n", cli_json_shown(k, "deletedAt"));
    }
    json_array_foreach(vs, i, v)
    {
        print_version(v);
    }
}

/* The key's PEM SubjectPublicKeyInfo, written atomically. */
static int write_public_key(const char *text, const char *path)
{
    static const char *names[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    json_t *k = cli_json_parse(text);
    const char *alg = NULL, *b64 = cli_json_str(k, "publicKeyB64");
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len = 0, want = 0, pem_len = 0;
    char pem[8192];
    int rc = CLI_SERVER;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(cli_json_str(k, "algorithm"), names[i]) == 0) {
            alg = names[i];
        }
    }
    if (alg == NULL || postq_hybrid_sizes(alg, &want, NULL, NULL) != POSTQ_OK ||
        postq_base64_decode(pk, sizeof(pk), &pk_len, b64, strlen(b64), POSTQ_B64_STD) != POSTQ_OK ||
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

static void print_key_row(const json_t *k)
{
    const char *policy = cli_json_shown(k, "attestationPolicyId");

    printf("%-30s  %-20s  %-15s  %-12s  %-30s  %s\n", cli_json_shown(k, "id"),
           cli_json_shown(k, "name"), cli_json_shown(k, "algorithm"),
           cli_json_shown(k, "pqProvider"), policy[0] != '\0' ? policy : "-",
           cli_json_shown(k, "createdAt"));
}

static postq_err list_keys(struct postq_client *c, const char *key_id, int limit,
                           const char *cursor, char **json)
{
    (void)key_id;
    return postq_client_key_list(c, limit, cursor, json);
}

int cli_cmd_key(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *sub = argc >= 2 ? argv[1] : "";
    char *text = NULL;
    postq_err err;
    int rc;

    if (cli_is_help(sub)) {
        fputs(key_usage, stdout);
        return CLI_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
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
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = postq_client_key_create(c, name, alg, provider, policy, &text);
        if (err != POSTQ_OK) {
            rc = cli_failed(c, err, "key create", json);
        } else {
            if (!json) {
                printf("created ");
            }
            rc = cli_show(text, json, out, "key", print_key);
        }
    } else if (strcmp(sub, "list") == 0) {
        char header[200];
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        snprintf(header, sizeof(header), "%-30s  %-20s  %-15s  %-12s  %-30s  %s", "ID", "NAME",
                 "ALGORITHM", "PROVIDER", "POLICY", "CREATED");
        rc = cli_list(c, argc, argv, key_usage, "key list", list_keys, header, print_key_row, 0);
    } else if (strcmp(sub, "get") == 0) {
        struct cli_id_args a;
        rc = cli_id_args(argc, argv, key_usage, "key get", "key", 1, "--public-key-out", &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = postq_client_key_get(c, a.id, &text);
        if (err != POSTQ_OK) {
            rc = cli_failed(c, err, "key get", a.json);
        } else {
            rc = a.extra != NULL ? write_public_key(text, a.extra) : CLI_OK;
            if (rc == CLI_OK) {
                rc = cli_show(text, a.json, a.out, "key", print_key);
            }
            if (rc == CLI_OK && a.extra != NULL && !a.json && strcmp(a.extra, "-") != 0) {
                printf("  public key %s (PEM)\n", a.extra);
            }
        }
    } else if (strcmp(sub, "rotate") == 0 || strcmp(sub, "versions") == 0) {
        struct cli_id_args a;
        int rotate = strcmp(sub, "rotate") == 0;
        rc = cli_id_args(argc, argv, key_usage, rotate ? "key rotate" : "key versions", "key", 0,
                         NULL, &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = rotate ? postq_client_key_rotate(c, a.id, &text)
                     : postq_client_key_versions(c, a.id, &text);
        if (err != POSTQ_OK) {
            rc = cli_failed(c, err, rotate ? "key rotate" : "key versions", a.json);
        } else {
            if (rotate && !a.json) {
                printf("rotated ");
            }
            rc = cli_show(text, a.json, NULL, rotate ? "key" : "versions",
                          rotate ? print_key : print_versions);
        }
    } else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0 ||
               strcmp(sub, "destroy") == 0 || strcmp(sub, "delete") == 0) {
        rc = key_change(&c, argc, argv, sub, &text);
    } else {
        fputs(key_usage, stderr);
        {
            static const char *const subs[] = {"create",  "list",    "get",    "rotate", "versions",
                                               "disable", "enable",  "destroy", "delete"};
            return cli_unknown_subcommand("key", sub, subs, 9);
        }
    }
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}
