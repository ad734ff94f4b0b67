/* SPDX-License-Identifier: Apache-2.0 */
/* Transparency-log fixtures for the shell tests (tests/e2e/51-transparency.sh), computed here from
 * the bytes the API serves, with src/crypto/merkle.c:
 *   tlog_tool leaves BUNDLE    the leaf hash (hex) of each entry of a tlog-tiles entry bundle
 *                              (2-byte big-endian length, entry), one per line
 *   tlog_tool hashes TILE      the 32-byte hashes of a hash tile, in hex, one per line
 *   tlog_tool root BUNDLE      the tree head (hex) of the bundle's entries as a tree
 *   tlog_tool entry BUNDLE N   entry N of the bundle, as it is
 * Exit 0; 2 for usage; 1 for a file that is not what it should be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/merkle.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (*len == cap) {
            unsigned char *nb = realloc(buf, cap = cap * 2 + 65536);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        if (n == 0) {
            break;
        }
        *len += n;
    }
    fclose(f);
    return buf;
}

static void hex(const unsigned char *h)
{
    for (int i = 0; i < 32; i++) {
        printf("%02x", h[i]);
    }
    putchar('\n');
}

int main(int argc, char **argv)
{
    postq_merkle_hash leaves[256];
    unsigned char *b;
    size_t len, at = 0, n = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: tlog_tool leaves|hashes|root|entry FILE [N]\n");
        return 2;
    }
    b = slurp(argv[2], &len);
    if (b == NULL) {
        fprintf(stderr, "tlog_tool: cannot read %s\n", argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "hashes") == 0) {
        if (len % 32 != 0) {
            return 1;
        }
        for (size_t i = 0; i < len; i += 32) {
            hex(b + i);
        }
        free(b);
        return 0;
    }
    while (at < len) {
        size_t e;
        if (at + 2 > len || n == 256) {
            return 1;
        }
        e = (size_t)b[at] << 8 | b[at + 1];
        if (at + 2 + e > len) {
            return 1;
        }
        if (strcmp(argv[1], "entry") == 0 && argc > 3 && (size_t)atoi(argv[3]) == n) {
            fwrite(b + at + 2, 1, e, stdout);
            free(b);
            return 0;
        }
        if (postq_merkle_leaf_hash(leaves[n], b + at + 2, e) != POSTQ_OK) {
            return 1;
        }
        n++;
        at += 2 + e;
    }
    if (strcmp(argv[1], "leaves") == 0) {
        for (size_t i = 0; i < n; i++) {
            hex(leaves[i]);
        }
    } else if (strcmp(argv[1], "root") == 0) {
        postq_merkle_hash root;
        if (postq_merkle_root(root, leaves, n) != POSTQ_OK) {
            return 1;
        }
        hex(root);
    } else {
        free(b);
        return strcmp(argv[1], "entry") == 0 ? 1 : 2;
    }
    free(b);
    return 0;
}
