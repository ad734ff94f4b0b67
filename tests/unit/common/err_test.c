/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/err.c against the one table in include/postq/err.h: distinct values, a message
 * and a name per code, lookups that match the table, and the fallback for unknown values; the
 * programs' private map (src/common/errmap.h): exactly one row per public code. */
#include "testlib.h"

#include <string.h>

#include <postq/err.h>

#include "common/errmap.h"

struct row {
    postq_err code;
    const char *name;
    enum postq_category cat;
    const char *msg;
};

#define ROW_(name, value, cat, msg) {(value), #name, (cat), (msg)},
static const struct row rows[] = {POSTQ_ERRORS(ROW_)};
#undef ROW_
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* The enumerators themselves, in table order, to check the enum matches the values column. */
#define ENUM_(name, value, cat, msg) name,
static const postq_err enumerators[] = {POSTQ_ERRORS(ENUM_)};
#undef ENUM_

static void test_ok_is_zero_failures_negative(void **state)
{
    (void)state;
    assert_int_equal(POSTQ_OK, 0);
    assert_int_equal(rows[0].code, POSTQ_OK);
    for (size_t i = 1; i < NROWS; i++) {
        assert_true(rows[i].code < 0);
    }
    for (size_t i = 0; i < NROWS; i++) {
        assert_int_equal(enumerators[i], rows[i].code);
    }
}

static void test_values_and_names_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS; i++) {
        for (size_t j = i + 1; j < NROWS; j++) {
            assert_int_not_equal(rows[i].code, rows[j].code);
            assert_string_not_equal(rows[i].name, rows[j].name);
        }
    }
}

static void test_lookups_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NROWS; i++) {
        const char *msg = postq_strerror(rows[i].code);
        const char *name = postq_err_name(rows[i].code);

        assert_non_null(msg);
        assert_true(strlen(msg) > 0);
        assert_string_equal(msg, rows[i].msg);
        assert_string_not_equal(msg, "unknown error");
        assert_non_null(name);
        assert_string_equal(name, rows[i].name);
        assert_int_equal(strncmp(name, "POSTQ_", 6), 0);
        assert_int_equal(postq_err_category(rows[i].code), rows[i].cat);
        assert_int_equal(rows[i].code == POSTQ_OK, rows[i].cat == POSTQ_CAT_OK);
    }
    print_message("# err: %zu codes in the table\n", NROWS);
}

static void test_unknown_values(void **state)
{
    static const postq_err unknown[] = {1, 12345, -9999, -1000000, 2147483647, -2147483647 - 1};

    (void)state;
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        int in_table = 0;
        for (size_t j = 0; j < NROWS; j++) {
            in_table |= rows[j].code == unknown[i];
        }
        assert_false(in_table);
        assert_string_equal(postq_strerror(unknown[i]), "unknown error");
        assert_string_equal(postq_err_name(unknown[i]), "POSTQ_E_UNKNOWN");
        assert_int_equal(postq_err_category(unknown[i]), POSTQ_CAT_BUG);
        assert_int_equal(postq_errmap_http_status(unknown[i]), 500);
        assert_int_equal(postq_errmap_exit_code(unknown[i]), POSTQ_EXIT_SERVER);
    }
    /* Just past either end of the table. */
    {
        postq_err lowest = 0;
        for (size_t j = 0; j < NROWS; j++) {
            if (rows[j].code < lowest) {
                lowest = rows[j].code;
            }
        }
        assert_string_equal(postq_strerror(lowest - 1), "unknown error");
        assert_int_equal(postq_errmap_http_status(lowest - 1), 500);
    }
}

/* The programs' map: one row per public code, no row for anything else, and columns that agree
 * with the categories (a rejection is 422 and exit 1; success is 200 and exit 0; a failure is
 * never 2xx; a bug is 5xx). */
struct map_row {
    postq_err code;
    int http;
    int exit_code;
};
#define MAP_(code, http, exit_code) {(code), (http), (exit_code)},
static const struct map_row map[] = {POSTQ_ERRMAP(MAP_)};
#undef MAP_
#define NMAP (sizeof(map) / sizeof(map[0]))

static void test_private_map(void **state)
{
    (void)state;
    assert_int_equal(NMAP, NROWS);
    for (size_t i = 0; i < NROWS; i++) {
        size_t hits = 0;
        for (size_t j = 0; j < NMAP; j++) {
            if (map[j].code == rows[i].code) {
                hits++;
                assert_int_equal(postq_errmap_http_status(rows[i].code), map[j].http);
                assert_int_equal(postq_errmap_exit_code(rows[i].code), map[j].exit_code);
            }
        }
        assert_int_equal(hits, 1);
        {
            int http = postq_errmap_http_status(rows[i].code);
            int ex = postq_errmap_exit_code(rows[i].code);
            assert_true(http >= 200 && http <= 599);
            assert_true(ex >= POSTQ_EXIT_OK && ex <= POSTQ_EXIT_SERVER);
            assert_int_equal(rows[i].cat == POSTQ_CAT_OK, http == 200);
            assert_int_equal(rows[i].cat == POSTQ_CAT_OK, ex == POSTQ_EXIT_OK);
            assert_int_equal(rows[i].cat == POSTQ_CAT_REJECTED, ex == POSTQ_EXIT_REJECTED);
            if (rows[i].cat == POSTQ_CAT_REJECTED) {
                assert_int_equal(http, 422);
            }
            if (rows[i].cat == POSTQ_CAT_BUG || rows[i].cat == POSTQ_CAT_SYSTEM) {
                assert_true(http >= 500);
            }
            if (rows[i].cat == POSTQ_CAT_USAGE) {
                assert_true(http >= 400 && http < 500);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_is_zero_failures_negative),
        cmocka_unit_test(test_values_and_names_distinct),
        cmocka_unit_test(test_lookups_match_table),
        cmocka_unit_test(test_unknown_values),
        cmocka_unit_test(test_private_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
