/* SPDX-License-Identifier: Apache-2.0 */
/* postq: the command-line client [docs/cli.md]. POSTQ_API_URL / POSTQ_API_KEY configure the
 * commands that talk to the API; verify and attest verify never touch the network. */
#include <stdio.h>
#include <string.h>

#include <postq/postq.h>

#include "cli/cli.h"

static const struct cli_command commands[] = {
    {"verify", "check a signature (and, with --policy, its attestation) offline", cli_cmd_verify},
    {"attest", "attest verify: check an attestation document under a pinned policy",
     cli_cmd_attest},
    {"enclave", "enclave info: what to pin in a policy", cli_cmd_enclave},
    {"policy", "policy create | list | get | delete: attestation policies", cli_cmd_policy},
    {"key", "key create | list | get: hybrid keys (--public-key-out key.pub)", cli_cmd_key},
    {"sign", "sign a payload with a key (-o sig.json)", cli_cmd_sign},
    {"signature", "signature list | get: stored sign results", cli_cmd_signature},
    {"log", "log info | monitor: the transparency log (--log-key, --state FILE)", cli_cmd_log},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: postq <command> [options]    (postq <command> --help for more)\n\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(f, "\nEnvironment: POSTQ_API_URL (default http://127.0.0.1:8080), POSTQ_API_KEY.\n"
               "verify and attest verify never touch the network.\n");
    fprintf(f, "\nExit: 0 verified / done, 1 verification failed, 2 usage or unreadable input,\n"
               "3 server or network error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("postq %s\n", POSTQ_VERSION);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    {
        const char *names[sizeof(commands) / sizeof(commands[0])];
        const char *near;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            names[i] = commands[i].name;
        }
        near = cli_suggest(argv[1], names, sizeof(names) / sizeof(names[0]));
        if (near != NULL) {
            fprintf(stderr, "postq: unknown command \"%s\"; did you mean \"postq %s\"?\n",
                    argv[1], near);
            return CLI_USAGE;
        }
    }
    usage(stderr);
    fprintf(stderr, "postq: unknown command \"%s\"\n", argv[1]);
    return CLI_USAGE;
}
