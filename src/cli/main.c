/* SPDX-License-Identifier: Apache-2.0 */
/* postq: the command-line client. */
#include <stdio.h>
#include <string.h>

#include <postq/postq.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: postq <command> [options]\n"
               "       postq --version\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("postq %s\n", POSTQ_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
