/* SPDX-License-Identifier: Apache-2.0 */
/* src/common/utf8.c: valid text untouched (every length of sequence, the boundaries of RFC 3629
 * §4's table); every ill-formed byte replaced, one '?' each; a sequence cut by "%.Ns". */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "common/utf8.h"

static void expect(const char *in, const char *want, size_t fixed)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%s", in);
    assert_int_equal(postq_utf8_repair(buf), fixed);
    assert_string_equal(buf, want);
}

static void test_valid_untouched(void **state)
{
    (void)state;
    expect("", "", 0);
    expect("plain ASCII ~\x7f", "plain ASCII ~\x7f", 0);
    expect("\xc2\x80 \xdf\xbf", "\xc2\x80 \xdf\xbf", 0);                   /* U+0080, U+07FF */
    expect("\xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf",           /* U+0800 .. FFFF */
           "\xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf", 0);
    expect("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", 0);
    expect("caf\xc3\xa9", "caf\xc3\xa9", 0);
}

static void test_ill_formed_replaced(void **state)
{
    (void)state;
    expect("\x80", "?", 1);                 /* a lone continuation byte */
    expect("\xc0\xaf", "??", 2);            /* overlong '/' */
    expect("\xc1\xbf", "??", 2);            /* overlong */
    expect("\xe0\x80\xaf", "???", 3);       /* overlong, three bytes */
    expect("\xed\xa0\x80", "???", 3);       /* a surrogate, U+D800 */
    expect("\xf0\x80\x80\xaf", "????", 4);  /* overlong, four bytes */
    expect("\xf4\x90\x80\x80", "????", 4);  /* past U+10FFFF */
    expect("\xf5\x80\x80\x80", "????", 4);
    expect("\xff\xfe", "??", 2);
    expect("a\xc3", "a?", 1);               /* cut at the end */
    expect("a\xe2\x82z", "a??z", 2);        /* cut in the middle */
    expect("\xc3\xa9\xc3", "\xc3\xa9?", 1);
}

/* What a detail message does: "%.8s" of a key whose 8th byte starts a character. */
static void test_cut_by_precision(void **state)
{
    char buf[32];

    (void)state;
    snprintf(buf, sizeof(buf), "pcrs key \"%.8s\"", "aaaaaaa\xc3\xa9");
    assert_int_equal(postq_utf8_repair(buf), 1);
    assert_string_equal(buf, "pcrs key \"aaaaaaa?\"");
    assert_int_equal(postq_utf8_repair(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_untouched),
        cmocka_unit_test(test_ill_formed_replaced),
        cmocka_unit_test(test_cut_by_precision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
