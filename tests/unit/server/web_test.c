/* SPDX-License-Identifier: Apache-2.0 */
/* src/server/web.c: which names are served (every traversal, hidden file, odd byte and unknown
 * type refused), the content types, a file read whole (NUL-terminated, as postq_buf promises),
 * a symlink, a directory and an oversized file refused, a symlink anywhere on the path refused
 * while a real nested file is served, no dashboard directory at all. */
#include "testlib.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "server/server.h"

static void test_path_ok(void **state)
{
    static const char *const good[] = {"/index.html", "/app.js", "/css/app.css", "/a-b_c.1.js",
                                       "/img/logo.svg", "/x.png"};
    static const char *const bad[] = {
        "", "/", "index.html", "/..", "/../etc/passwd", "/a/../b.js", "/.git/config", "/.env.js",
        "/a//b.js", "/a/", "/a.js/", "/a b.js", "/a%2e%2e/b.js", "/a\\b.js", "/a.exe", "/a",
        "/a.js?x", "/a.JS", "/a/.b.js", "/a.c", "/a/b.", "/a.html~"};
    char longp[300];
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(postq_web_path_ok(good[i]));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (postq_web_path_ok(bad[i])) {
            fail_msg("served: \"%s\"", bad[i]);
        }
    }
    longp[0] = '/';
    memset(longp + 1, 'a', sizeof(longp) - 5);
    memcpy(longp + sizeof(longp) - 4, ".js", 4);
    assert_false(postq_web_path_ok(longp));
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(postq_web_type("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(postq_web_type("/a/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(postq_web_type("/app.css"), "text/css; charset=utf-8");
    assert_string_equal(postq_web_type("/i.svg"), "image/svg+xml");
    assert_null(postq_web_type("/a.sh"));
    assert_null(postq_web_type("/a.d/b"));
}

static void put(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static int serve(const char *dir, const char *path, struct postq_http_resp *r)
{
    memset(r, 0, sizeof(*r));
    postq_buf_init(&r->body, POSTQ_API_JSON_MAX);
    postq_web_serve(dir, path, r);
    return r->status;
}

static void test_serve(void **state)
{
    char dir[] = "/tmp/postq-web-XXXXXX", p[256], q[256];
    struct postq_http_resp r;
    char *big;
    (void)state;
    /* Fresh allocations filled with a non-zero byte, so a body without its terminating 0
     * shows: glibc's M_PERTURB; under ASan, which refuses mallopt, its own malloc fill. */
    (void)mallopt(M_PERTURB, 0x5a);
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/index.html", dir);
    put(p, "<!doctype html>", 15);
    snprintf(p, sizeof(p), "%s/app.js", dir);
    put(p, "export {};\n", 11);
    snprintf(p, sizeof(p), "%s/sub.js", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(q, sizeof(q), "%s/link.js", dir);
    assert_int_equal(symlink(p, q), 0);
    snprintf(q, sizeof(q), "%s/secret.txt", dir);
    assert_int_equal(symlink("/etc/hostname", q), 0);

    assert_int_equal(serve(dir, "/", &r), 200);
    assert_string_equal(r.content_type, "text/html; charset=utf-8");
    assert_int_equal(r.body.len, 15);
    assert_string_equal((const char *)r.body.p, "<!doctype html>"); /* and its 0 */
    postq_buf_free(&r.body);

    assert_int_equal(serve(dir, "/app.js", &r), 200);
    assert_string_equal(r.content_type, "text/javascript; charset=utf-8");
    assert_int_equal(r.body.len, 11);
    postq_buf_free(&r.body);

    assert_int_equal(serve(dir, "/missing.js", &r), 404); /* absent */
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/sub.js", &r), 404); /* a directory */
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/secret.txt", &r), 404); /* a symlink */
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/../etc/hostname", &r), 404);
    postq_buf_free(&r.body);
    assert_int_equal(serve(NULL, "/", &r), 404); /* no dashboard */
    assert_non_null(strstr((const char *)r.body.p, "--web"));
    postq_buf_free(&r.body);

    /* One byte under the cap is served; the cap itself is not. */
    big = malloc(POSTQ_API_JSON_MAX);
    assert_non_null(big);
    memset(big, 'x', POSTQ_API_JSON_MAX);
    snprintf(p, sizeof(p), "%s/big.txt", dir);
    put(p, big, POSTQ_API_JSON_MAX - 1);
    assert_int_equal(serve(dir, "/big.txt", &r), 200);
    assert_int_equal(r.body.len, POSTQ_API_JSON_MAX - 1);
    assert_int_equal(r.body.p[r.body.len], 0);
    postq_buf_free(&r.body);
    put(p, big, POSTQ_API_JSON_MAX);
    assert_int_equal(serve(dir, "/big.txt", &r), 404);
    postq_buf_free(&r.body);
    free(big);
    (void)mallopt(M_PERTURB, 0);

    unlink(p);
    snprintf(p, sizeof(p), "%s/index.html", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/app.js", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/secret.txt", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/link.js", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/sub.js", dir);
    rmdir(p);
    rmdir(dir);
}

/* No symlink is followed anywhere below the web root: not a symlinked directory in the
 * middle of the path (O_NOFOLLOW alone covers only the last component), not a symlinked file
 * in a real subdirectory, not a symlink to a directory inside the root itself. */
static void test_no_symlink_on_the_path(void **state)
{
    char dir[] = "/tmp/postq-web-XXXXXX", out[] = "/tmp/postq-web-out-XXXXXX", p[256], q[256];
    struct postq_http_resp r;
    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_non_null(mkdtemp(out));
    snprintf(p, sizeof(p), "%s/secret.txt", out); /* outside the root */
    put(p, "top secret", 10);
    snprintf(p, sizeof(p), "%s/real", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof(p), "%s/real/deep", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof(p), "%s/real/deep/app.js", dir);
    put(p, "export {};\n", 11);
    snprintf(q, sizeof(q), "%s/out", dir); /* a directory symlink leading out of the root */
    assert_int_equal(symlink(out, q), 0);
    snprintf(q, sizeof(q), "%s/alias", dir); /* one to a directory inside the root */
    assert_int_equal(symlink("real", q), 0);
    snprintf(q, sizeof(q), "%s/real/leak.txt", dir); /* a file symlink in a real directory */
    snprintf(p, sizeof(p), "%s/secret.txt", out);
    assert_int_equal(symlink(p, q), 0);

    assert_int_equal(serve(dir, "/real/deep/app.js", &r), 200); /* a real nested file */
    assert_string_equal(r.content_type, "text/javascript; charset=utf-8");
    assert_int_equal(r.body.len, 11);
    assert_string_equal((const char *)r.body.p, "export {};\n");
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/out/secret.txt", &r), 404);
    assert_null(strstr((const char *)r.body.p, "top secret"));
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/alias/deep/app.js", &r), 404);
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/real/leak.txt", &r), 404);
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/real/nothing/app.js", &r), 404);
    postq_buf_free(&r.body);
    assert_int_equal(serve(dir, "/real/deep/app.js/x.js", &r), 404); /* a file as a directory */
    postq_buf_free(&r.body);

    snprintf(p, sizeof(p), "rm -rf '%s' '%s'", dir, out);
    assert_int_equal(system(p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_ok),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_no_symlink_on_the_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
