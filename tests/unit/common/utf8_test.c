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

static void test_name_check(void **state)
{
    char big[600];
    (void)state;
    assert_int_equal(postq_name_check("release key", 11, 127), POSTQ_NAME_OK);
    assert_int_equal(postq_name_check("", 0, 127), POSTQ_NAME_EMPTY);
    assert_int_equal(postq_name_check("a\x1b[2Jb", 7, 127), POSTQ_NAME_CONTROL);  /* ESC */
    assert_int_equal(postq_name_check("bell\x07", 5, 127), POSTQ_NAME_CONTROL);
    assert_int_equal(postq_name_check("del\x7f", 4, 127), POSTQ_NAME_CONTROL);
    assert_int_equal(postq_name_check("tab\there", 8, 127), POSTQ_NAME_CONTROL);
    assert_int_equal(postq_name_check("c1\xc2\x9b", 4, 127), POSTQ_NAME_CONTROL);  /* CSI */
    assert_int_equal(postq_name_check("\xe2\x80\xae" "cod.exe", 10, 127),        /* U+202E */
                     POSTQ_NAME_CONTROL);
    assert_int_equal(postq_name_check("\xe2\x81\xa6x", 4, 127), POSTQ_NAME_CONTROL); /* U+2066 */
    assert_int_equal(postq_name_check("\xe2\x80\xa8", 3, 127), POSTQ_NAME_CONTROL);  /* U+2028 */
    assert_int_equal(postq_name_check("\xe2\x80\xa9", 3, 127), POSTQ_NAME_CONTROL);
    assert_int_equal(postq_name_check("\xe2\x80\xa9", 3, 127), POSTQ_NAME_CONTROL);
    assert_int_equal(postq_name_check("\xe2\x80\xa7", 3, 127), POSTQ_NAME_OK);       /* U+2027 */
    assert_int_equal(postq_name_check("caf\xc3\xa9", 5, 127), POSTQ_NAME_OK);
    assert_int_equal(postq_name_check("a\0b", 3, 127), POSTQ_NAME_BAD_UTF8);
    assert_int_equal(postq_name_check("\xc0\xaf", 2, 127), POSTQ_NAME_BAD_UTF8);
    assert_int_equal(postq_name_check("\xc3", 1, 127), POSTQ_NAME_BAD_UTF8);
    /* lengths in characters: 127 four-byte characters pass, 128 do not */
    for (size_t i = 0; i < 128; i++) {
        memcpy(big + 4 * i, "\xf0\x9f\x94\x91", 4); /* U+1F511 */
    }
    assert_int_equal(postq_name_check(big, 4 * 127, 127), POSTQ_NAME_OK);
    assert_int_equal(postq_name_check(big, 4 * 128, 127), POSTQ_NAME_TOO_LONG);
    memset(big, 'a', 128);
    assert_int_equal(postq_name_check(big, 127, 127), POSTQ_NAME_OK);
    assert_int_equal(postq_name_check(big, 128, 127), POSTQ_NAME_TOO_LONG);
}

static void test_escape(void **state)
{
    char out[64];
    (void)state;
    assert_string_equal(postq_text_escape(out, sizeof(out), "plain caf\xc3\xa9"),
                        "plain caf\xc3\xa9");
    assert_string_equal(postq_text_escape(out, sizeof(out), "a\x1b[31mb\x07"),
                        "a\\u001b[31mb\\u0007");
    assert_string_equal(postq_text_escape(out, sizeof(out), "x\ny\x7f"), "x\\u000ay\\u007f");
    assert_string_equal(postq_text_escape(out, sizeof(out), "\xc2\x9b" "1m"), "\\u009b1m");
    assert_string_equal(postq_text_escape(out, sizeof(out), "\xe2\x80\xae" "exe"),
                        "\\u202eexe");
    assert_string_equal(postq_text_escape(out, sizeof(out), "bad\xff"), "bad\\xff");
    assert_string_equal(postq_text_escape(out, sizeof(out), "back\\slash"), "back\\\\slash");
    assert_string_equal(postq_text_escape(out, sizeof(out), NULL), "");
    /* cut at a whole piece, never in the middle of an escape or a character */
    assert_string_equal(postq_text_escape(out, 6, "ab\x1b"), "ab");
    assert_string_equal(postq_text_escape(out, 5, "ab\xc3\xa9"), "ab\xc3\xa9");
    assert_string_equal(postq_text_escape(out, 4, "ab\xc3\xa9"), "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_untouched),
        cmocka_unit_test(test_ill_formed_replaced),
        cmocka_unit_test(test_cut_by_precision),
        cmocka_unit_test(test_name_check),
        cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
