/* SPDX-License-Identifier: Apache-2.0 */
/* Lookups in the one error table of include/postq/err.h. */
#include <postq/err.h>

struct entry {
    postq_err code;
    enum postq_category cat;
    const char *name;
    const char *msg;
};

#define ROW_(name, value, cat, msg) {(value), (cat), #name, (msg)},
static const struct entry table[] = {POSTQ_ERRORS(ROW_)};
#undef ROW_

static const struct entry unknown = {0, POSTQ_CAT_BUG, "POSTQ_E_UNKNOWN", "unknown error"};

static const struct entry *find(postq_err err)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].code == err) {
            return &table[i];
        }
    }
    return &unknown;
}

const char *postq_strerror(postq_err err) { return find(err)->msg; }
const char *postq_err_name(postq_err err) { return find(err)->name; }
enum postq_category postq_err_category(postq_err err) { return find(err)->cat; }
