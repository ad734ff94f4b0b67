/* SPDX-License-Identifier: Apache-2.0 */
#include "attesttest.h"

#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "mockdoc.h"
#include "testlib.h"

const struct postq_attest_report *at_run(const uint8_t *doc, size_t len, const char *pol,
                                         int64_t now)
{
    static struct postq_attest_report r;
    char *b64 = md_b64(doc, len);
    int err = postq_attest_verify_ex(b64, pol, NULL, now, &r);

    free(b64);
    if (err != POSTQ_OK) {
        fail_msg("no verdict (%d): %s", err, r.verdict.detail);
    }
    return &r;
}

void at_expect(const struct postq_attest_report *r, const char *reason)
{
    if (reason == NULL) {
        if (!r->verdict.ok) {
            fail_msg("want pass, got %s: %s", r->verdict.reason, r->verdict.detail);
        }
        return;
    }
    if (r->verdict.ok || strcmp(r->verdict.reason, reason) != 0) {
        fail_msg("want %s, got %s: %s", reason, r->verdict.ok ? "pass" : r->verdict.reason,
                 r->verdict.detail);
    }
}

void at_expect_doc(const char *tok, const char *pol, int64_t now, const char *reason)
{
    at_expect(at_run((const uint8_t *)tok, strlen(tok), pol, now), reason);
}

char *at_jwt_edit(const char *token, int k, void (*f)(uint8_t *p, size_t *n))
{
    size_t cap = strlen(token) + 4096;
    char *parts[3], *copy = strdup(token), *out = malloc(cap);
    uint8_t buf[16384];
    size_t n = 0, enc = 0;

    assert_non_null(copy);
    assert_non_null(out);
    parts[0] = strtok(copy, ".");
    parts[1] = strtok(NULL, ".");
    parts[2] = strtok(NULL, ".");
    assert_int_equal(
        postq_base64_decode(buf, sizeof(buf), &n, parts[k], strlen(parts[k]), POSTQ_B64_URL),
        POSTQ_OK);
    f(buf, &n);
    out[0] = '\0';
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            strcat(out, ".");
        }
        if (i == k) {
            char *e = out + strlen(out);
            assert_int_equal(postq_base64_encode(e, cap - strlen(out), &enc, buf, n, POSTQ_B64_URL),
                             POSTQ_OK);
        } else {
            strcat(out, parts[i]);
        }
    }
    free(copy);
    return out;
}

void at_replace(uint8_t *p, size_t *n, const char *from, const char *to)
{
    char *at = memmem(p, *n, from, strlen(from));
    size_t fl = strlen(from), tl = strlen(to);

    assert_non_null(at);
    memmove(at + tl, at + fl, *n - (size_t)((uint8_t *)at - p) - fl);
    memcpy(at, to, tl);
    *n = *n - fl + tl;
}
