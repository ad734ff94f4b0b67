/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 / Unix-seconds parsing and formatting, checked against the C library's timegm and
 * gmtime_r over a sweep of days, and every kind of malformed input. */
#include "testlib.h"

#include <string.h>
#include <time.h>

#include "common/timefmt.h"

static int64_t parse(const char *s)
{
    int64_t ms = -1;
    assert_int_equal(postq_time_parse(&ms, s, strlen(s)), POSTQ_OK);
    return ms;
}

static void bad(const char *s)
{
    int64_t ms = 123;
    assert_int_equal(postq_time_parse(&ms, s, strlen(s)), POSTQ_E_MALFORMED);
    assert_int_equal(ms, 0);
}

static void test_known(void **state)
{
    (void)state;
    assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse("0"), 0);
    assert_int_equal(parse("1700000000"), 1700000000000LL);
    assert_int_equal(parse("2023-11-14T22:13:20Z"), 1700000000000LL);
    assert_int_equal(parse("2023-11-14t22:13:20z"), 1700000000000LL);
    assert_int_equal(parse("2023-11-14T22:13:20.5Z"), 1700000000500LL);
    assert_int_equal(parse("2023-11-14T22:13:20.123456789Z"), 1700000000123LL);
    assert_int_equal(parse("2023-11-15T00:13:20+02:00"), 1700000000000LL);
    assert_int_equal(parse("2023-11-14T17:13:20-05:00"), 1700000000000LL);
    assert_int_equal(parse("2024-02-29T12:00:00Z"), 1709208000000LL);
    assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400000LL);
    assert_int_equal(parse("9999-12-31T23:59:59.999Z"), 253402300799999LL);
}

static void test_malformed(void **state)
{
    static const char *cases[] = {
        "", " 0", "0 ", "-1", "1e9", "1234567890123", "2023-11-14", "2023-11-14T22:13:20",
        "2023-11-14 22:13:20Z", "2023-11-14T22:13Z", "2023-1-14T22:13:20Z", "2023-11-14T22:13:20.Z",
        "2023-13-14T22:13:20Z", "2023-00-14T22:13:20Z", "2023-11-31T22:13:20Z",
        "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2023-11-14T24:00:00Z",
        "2023-11-14T22:60:00Z", "2023-11-14T22:13:60Z", "2023-11-14T22:13:20+2:00",
        "2023-11-14T22:13:20+24:00", "2023-11-14T22:13:20+02:60", "2023-11-14T22:13:20Zjunk",
        "1969-12-31T23:59:59Z", "1970-01-01T00:00:00+00:01", "+2023-11-14T22:13:20Z",
        "2023-11-14T22:13:20\xc3\xa9", "２０２３-11-14T22:13:20Z",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bad(cases[i]);
    }
}

/* Every 7th day over 1970..2400 and a time of day that moves: parse(format(t)) == t and both
 * agree with the C library. */
static void test_sweep_against_libc(void **state)
{
    char buf[POSTQ_TIME_RFC3339_MAX];
    (void)state;
    for (int64_t day = 0; day < 157000; day += 7) {
        int64_t ms = day * 86400000LL + (day * 7919) % 86400000LL;
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        char want[64];

        assert_int_equal(postq_time_format(buf, sizeof(buf), ms), POSTQ_OK);
        assert_int_equal(parse(buf), ms);
        gmtime_r(&secs, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
        assert_memory_equal(buf, want, strlen(want));
        assert_int_equal((int64_t)timegm(&tm) * 1000 + ms % 1000, ms);
    }
}

static void test_format_edges(void **state)
{
    char buf[POSTQ_TIME_RFC3339_MAX];
    (void)state;
    assert_int_equal(postq_time_format(buf, sizeof(buf), 0), POSTQ_OK);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    assert_int_equal(postq_time_format(buf, sizeof(buf), 1700000000123LL), POSTQ_OK);
    assert_string_equal(buf, "2023-11-14T22:13:20.123Z");
    assert_int_equal(postq_time_format(buf, sizeof(buf), -1), POSTQ_E_ARG);
    assert_int_equal(postq_time_format(buf, sizeof(buf), 253402300800000LL), POSTQ_E_ARG);
    assert_int_equal(postq_time_format(buf, 20, 0), POSTQ_E_LENGTH);
    assert_string_equal(buf, "");
    assert_int_equal(postq_time_format(buf, 21, 0), POSTQ_OK);
    assert_true(postq_time_now_ms() > 1700000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_sweep_against_libc),
        cmocka_unit_test(test_format_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
