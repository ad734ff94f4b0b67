/* SPDX-License-Identifier: Apache-2.0 */
/* postq enclave info: what to pin in a policy for the enclave behind the API. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/client.h>

#include "cli/cli.h"
#include "cli/remote.h"

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

    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs(enclave_usage, stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "info") != 0) {
        fputs(enclave_usage, stderr);
        {
            static const char *const subs[] = {"info"};
            return cli_unknown_subcommand("enclave", argc >= 2 ? argv[1] : NULL, subs, 1);
        }
    }
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(enclave_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fputs(enclave_usage, stderr);
            return cli_usage_error("enclave info: unknown argument \"%s\"", argv[i]);
        }
    }
    rc = cli_open_client(&c);
    if (rc != CLI_OK) {
        return rc;
    }
    err = postq_client_enclave_info(c, &info, &text);
    if (err != POSTQ_OK) {
        rc = cli_failed(c, err, "enclave info", json);
    } else if (json) {
        cli_print_json(text);
    } else {
        printf("enclave: %s, module %s\n", cli_shown(info.vendor), cli_shown(info.module_id));
        printf("  image      %s\n", cli_shown(info.image_hash));
        printf("  root key   %s (%s)\n", cli_short_key(info.root_public_key_b64),
               info.root_algorithm[0] != '\0' ? cli_shown(info.root_algorithm) : "ed25519");
        printf("pin them: postq policy create --name NAME --vendor %s --image-hash %s "
               "--root-key %s\n",
               cli_shown(info.vendor), cli_shown(info.image_hash),
               cli_shown(info.root_public_key_b64));
    }
    postq_text_free(text);
    postq_client_free(c);
    return rc;
}
