/* SPDX-License-Identifier: Apache-2.0 */
/* Lookups in the programs' private error policy (errmap.h). Linked into postq-api and postq
 * from libpostq.a; not exported from libpostq.so. */
#include "common/errmap.h"

struct row {
    postq_err code;
    int http;
    int exit_code;
};

#define ROW_(code, http, exit_code) {(code), (http), (exit_code)},
static const struct row rows[] = {POSTQ_ERRMAP(ROW_)};
#undef ROW_

static const struct row unknown = {0, 500, POSTQ_EXIT_SERVER};

static const struct row *find(postq_err err)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].code == err) {
            return &rows[i];
        }
    }
    return &unknown;
}

int postq_errmap_http_status(postq_err err) { return find(err)->http; }
int postq_errmap_exit_code(postq_err err) { return find(err)->exit_code; }
