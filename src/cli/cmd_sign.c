/* SPDX-License-Identifier: Apache-2.0 */
/* postq sign and postq signature list | get: sign results. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <postq/client.h>

#include "cli/cli.h"
#include "cli/remote.h"

/* ---- postq sign ---- */

#define SIGN_STDIN_MAX (64u << 20) /* POST /v1/sign's cap for a raw body */

static const char sign_usage[] =
    "usage: postq sign --key ID --payload FILE [-o sig.json] [--require-pass] [--json]\n"
    "\n"
    "Sign FILE (streamed to the API, at most 64 MiB; - reads standard input) with key ID.\n"
    "For an enclave key the enclave signs and attests, and the API verifies the document under\n"
    "the key's policy before it answers. -o writes the sign result (what\n"
    "`postq verify` and `postq attest verify --sign-result` read) atomically: the file is\n"
    "replaced whole or not at all, and is left alone when the call fails; its folder is\n"
    "checked before anything is signed. Under an audit policy a failed attestation is still\n"
    "signed and stored: postq says so on stderr, and --require-pass makes it exit 1 (and\n"
    "write no -o file) for CI.\n"
    "\n"
    "Environment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
    "Exit: 0 signed, 1 the attestation was rejected under the key's policy (stderr: rejected:\n"
    "<reason>: <message>) or, with --require-pass, failed under an audit policy, 2 usage,\n"
    "unreadable payload, unwritable -o or an unknown key, 3 server or network error (a bad\n"
    "API key included).\n";

static void print_sig(const json_t *s)
{
    const json_t *att = json_object_get(s, "attestation");

    printf("signature %s\n", cli_json_shown(s, "id"));
    printf("  key        %s (%s)\n", cli_json_shown(s, "keyId"), cli_json_shown(s, "algorithm"));
    printf("  payload    sha256 %s\n", cli_json_shown(s, "payloadSha256"));
    if (att != NULL) {
        const json_t *n = json_object_get(att, "counter");
        printf("  attested   %s, image %s, counter %lld: %s%s%s\n", cli_json_shown(att, "vendor"),
               cli_json_shown(att, "imageHash"), (long long)json_integer_value(n),
               cli_json_shown(att, "verdict"), cli_json_shown(att, "reason")[0] ? ": " : "",
               cli_json_shown(att, "reason"));
    } else {
        printf("  attested   no (a key of a non-enclave provider)\n");
    }
    printf("  created    %s\n", cli_json_shown(s, "createdAt"));
}

/* After the sign call: the audit verdict said out loud, --require-pass, and -o. The signature
 * exists from here on, so every failure names it and the command that fetches it. */
static int signed_result(const char *text, const char *payload, const char *out, int json,
                         int require_pass)
{
    json_t *o = cli_json_parse(text);
    const json_t *att = json_object_get(o, "attestation");
    const char *id = cli_json_str(o, "id");
    int failed = strcmp(cli_json_str(att, "verdict"), "fail") == 0;
    int rc;

    if (failed) {
        fprintf(stderr,
                "postq: sign: attestation failed under the key's audit policy: %s (the signature "
                "was made and stored as %s)\n",
                cli_json_str(att, "reason"), id);
    }
    if (failed && require_pass) {
        fprintf(stderr, "postq: sign: --require-pass: exit 1%s%s\n",
                out != NULL ? "; not written: " : "", out != NULL ? out : "");
        if (json) {
            cli_print_json(text);
        }
        json_decref(o);
        return CLI_REJECTED;
    }
    if (!json) {
        printf("signed %s: ", payload);
    }
    rc = cli_show(text, json, out, "sign result", print_sig);
    if (rc != CLI_OK) {
        fprintf(stderr,
                "postq: sign: the signature was made and stored as %s; fetch it with: postq "
                "signature get %s -o %s\n",
                id, id, out != NULL ? out : "sig.json");
    }
    json_decref(o);
    return rc;
}

int cli_cmd_sign(int argc, char **argv)
{
    struct postq_client *c = NULL;
    const char *key = NULL, *payload = NULL, *out = NULL;
    char *text = NULL;
    int json = 0, require_pass = 0, rc;
    postq_err err;

    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(sign_usage, stdout);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "--key", &key) ||
                   cli_opt_value(argc, argv, &i, "--payload", &payload) ||
                   cli_opt_value(argc, argv, &i, "-o", &out)) {
            continue;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--require-pass") == 0) {
            require_pass = 1;
        } else {
            fputs(sign_usage, stderr);
            return cli_usage_error("sign: unknown argument \"%s\"", argv[i]);
        }
    }
    if (key == NULL || payload == NULL) {
        fputs(sign_usage, stderr);
        return cli_usage_error("sign: --key and --payload are required");
    }
    if (strcmp(payload, "-") != 0) {
        /* An unreadable payload is the caller's mistake: said before any network call. */
        int fd = open(payload, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "postq: payload: %s: %s\n", payload, strerror(errno));
            return CLI_USAGE;
        }
        (void)close(fd);
    }
    if (out != NULL && cli_check_writable(out, "sign: -o") != POSTQ_OK) {
        return CLI_USAGE; /* before signing: a sign cannot be taken back */
    }
    rc = cli_open_client(&c);
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
        rc = cli_failed(c, err, "sign", json);
    } else {
        rc = signed_result(text, payload, out, json, require_pass);
    }
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}

static void print_sig_row(const json_t *s)
{
    const json_t *att = json_object_get(s, "attestation");
    const char *verdict = att != NULL ? cli_json_shown(att, "verdict") : "no attestation";

    printf("%-30s  %-30s  %-15s  %-24s  %s%s%s\n", cli_json_shown(s, "id"),
           cli_json_shown(s, "keyId"), cli_json_shown(s, "algorithm"),
           cli_json_shown(s, "createdAt"), verdict,
           cli_json_shown(att, "reason")[0] ? ": " : "", cli_json_shown(att, "reason"));
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

    if (cli_is_help(sub)) {
        fputs(signature_usage, stdout);
        return CLI_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(signature_usage, stdout);
            return CLI_OK;
        }
    }
    if (strcmp(sub, "list") == 0) {
        char header[200];
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        snprintf(header, sizeof(header), "%-30s  %-30s  %-15s  %-24s  %s", "ID", "KEY", "ALGORITHM",
                 "CREATED", "ATTESTATION");
        rc = cli_list(c, argc, argv, signature_usage, "signature list",
                      postq_client_signatures_list, header, print_sig_row, 1);
    } else if (strcmp(sub, "get") == 0) {
        struct cli_id_args a;
        char *text = NULL;
        postq_err err;
        rc = cli_id_args(argc, argv, signature_usage, "signature get", "signature", 1, NULL, &a);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = cli_open_client(&c);
        if (rc != CLI_OK) {
            return rc;
        }
        err = postq_client_signature_get(c, a.id, &text);
        rc = err != POSTQ_OK ? cli_failed(c, err, "signature get", a.json)
                             : cli_show(text, a.json, a.out, "sign result", print_sig);
        postq_text_free(text);
    } else {
        fputs(signature_usage, stderr);
        {
            static const char *const subs[] = {"list", "get"};
            return cli_unknown_subcommand("signature", sub, subs, 2);
        }
    }
    postq_client_free(c);
    return rc;
}
