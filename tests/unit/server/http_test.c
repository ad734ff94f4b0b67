/* SPDX-License-Identifier: Apache-2.0 */
/* src/server/http.c over a real loopback socket, with a test application that reports the body
 * it was handed: the body buffer sized once from Content-Length (one allocation, not a doubling
 * to the cap), a Content-Length that lies (shorter or longer than the bytes sent) never
 * yielding more or other bytes than arrived, one beside a chunked body refused, the cap answered
 * before the body is read, chunked bodies grown up to the cap, and the body always
 * NUL-terminated. */
#include "testlib.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/mem.h"
#include "server/server.h"

#define CAP     4096
#define BIG_CAP ((size_t)2 << 20) /* for path "/big" */

static atomic_int calls;

static size_t cap_of(void *ctx, const char *method, const char *path, const char *ctype,
                     const char *authorization)
{
    (void)ctx;
    (void)method;
    (void)ctype;
    (void)authorization;
    return strcmp(path, "/big") == 0 ? BIG_CAP : CAP;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)('a' + i % 26);
}

/* Answers "len=N pattern=P nul=Z": the body's length, whether its bytes are the ones the test
 * sends, whether a 0 follows them; 413 when the HTTP layer said the body is over the cap. */
static void handle(void *ctx, const struct postq_http_req *req, struct postq_http_resp *resp)
{
    char t[96];
    int pat = 1, nul = req->body.len == 0 || req->body.p[req->body.len] == 0;
    (void)ctx;
    atomic_fetch_add(&calls, 1);
    for (size_t i = 0; i < req->body.len; i++) {
        pat &= req->body.p[i] == pattern(i);
    }
    snprintf(t, sizeof(t), "len=%zu pattern=%d nul=%d", req->body.len, pat, nul);
    resp->status = req->body_too_large ? 413 : 200;
    resp->content_type = "text/plain";
    if (postq_buf_append_str(&resp->body, t) != POSTQ_OK) {
        resp->status = 500;
    }
}

struct fixture {
    struct postq_http_server *s;
    struct sockaddr_in sa;
};

static int setup(void **state)
{
    static const struct postq_http_app app = {cap_of, handle, NULL};
    struct fixture *f = calloc(1, sizeof(*f));
    struct postq_http_limits lim;
    char bound[64], *colon;
    assert_non_null(f);
    postq_http_limits_default(&lim);
    lim.max_conns = 8;
    lim.workers = 2;
    assert_int_equal(postq_http_start(&f->s, "127.0.0.1:0", &lim, &app, bound, sizeof(bound)),
                     POSTQ_OK);
    colon = strrchr(bound, ':');
    assert_non_null(colon);
    f->sa.sin_family = AF_INET;
    f->sa.sin_port = htons((uint16_t)atoi(colon + 1));
    f->sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    postq_http_stop(f->s);
    free(f);
    return 0;
}

/* Send head then body_len bytes of the pattern (raw: the caller frames them), optionally
 * half-close, and read the whole answer (the server closes: "Connection: close"). */
static void exchange(struct fixture *f, const char *head, size_t body_len, int half_close,
                     char *out, size_t cap)
{
    struct timeval tv = {10, 0};
    size_t n = 0;
    ssize_t got;
    uint8_t *body = malloc(body_len + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_non_null(body);
    assert_true(fd >= 0);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&f->sa, sizeof(f->sa)), 0);
    for (size_t i = 0; i < body_len; i++) {
        body[i] = pattern(i);
    }
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    for (size_t off = 0; off < body_len;) {
        ssize_t w = send(fd, body + off, body_len - off, MSG_NOSIGNAL);
        if (w <= 0) {
            break; /* the server answered early and closed: what was read is the answer */
        }
        off += (size_t)w;
    }
    if (half_close) {
        assert_int_equal(shutdown(fd, SHUT_WR), 0);
    }
    while (n + 1 < cap && (got = recv(fd, out + n, cap - 1 - n, 0)) > 0) {
        n += (size_t)got;
    }
    out[n] = '\0';
    close(fd);
    free(body);
}

static void post(struct fixture *f, const char *path, const char *extra, size_t body_len,
                 int half_close, char *out, size_t cap)
{
    char head[512];
    snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n", path,
             extra);
    exchange(f, head, body_len, half_close, out, cap);
}

/* A chunked body of n pattern bytes, in chunks of at most 1000. */
static void post_chunked(struct fixture *f, const char *path, const char *extra, size_t n,
                         char *out, size_t cap)
{
    size_t len = 0, room = n + n / 1000 * 16 + 1024;
    char *msg = malloc(room);
    assert_non_null(msg);
    len += (size_t)snprintf(msg, room,
                            "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                            "Transfer-Encoding: chunked\r\n%s\r\n",
                            path, extra);
    for (size_t off = 0; off < n;) {
        size_t k = n - off < 1000 ? n - off : 1000;
        len += (size_t)snprintf(msg + len, room - len, "%zx\r\n", k);
        for (size_t i = 0; i < k; i++) {
            msg[len++] = (char)pattern(off + i);
        }
        memcpy(msg + len, "\r\n", 2);
        len += 2;
        off += k;
    }
    len += (size_t)snprintf(msg + len, room - len, "0\r\n\r\n");
    assert_true(len < room);
    exchange(f, msg, 0, 0, out, cap);
    free(msg);
}

static int status_of(const char *answer)
{
    int st = 0;
    if (sscanf(answer, "HTTP/1.1 %d", &st) != 1) {
        return 0;
    }
    return st;
}

static void test_content_length_exact(void **state)
{
    struct fixture *f = *state;
    char out[4096], extra[64];
    long allocs, allocs_1m;

    snprintf(extra, sizeof(extra), "Content-Length: %d\r\n", 3000);
    post(f, "/", extra, 3000, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=3000 pattern=1 nul=1"));

    /* 1 MiB announced and sent: the body buffer is one allocation of that size (doubling from
     * 32 bytes would take 16), whatever pieces the bytes arrive in. The rest: the request's
     * state and the reply. */
    postq_alloc_fail_at(0);
    snprintf(extra, sizeof(extra), "Content-Length: %zu\r\n", (size_t)1 << 20);
    post(f, "/big", extra, (size_t)1 << 20, 0, out, sizeof(out));
    allocs = postq_alloc_fail_at(0);
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=1048576 pattern=1 nul=1"));
    if (allocs > 4) {
        fail_msg("%ld allocations for a 1 MiB body with its Content-Length", allocs);
    }
    allocs_1m = allocs;

    /* Past 1 MiB the announced size is not reserved up front (a client announcing the cap
     * and sending nothing must not hold it): the body grows from 1 MiB as it arrives, one
     * doubling here. */
    postq_alloc_fail_at(0);
    snprintf(extra, sizeof(extra), "Content-Length: %zu\r\n", BIG_CAP - 1);
    post(f, "/big", extra, BIG_CAP - 1, 0, out, sizeof(out));
    allocs = postq_alloc_fail_at(0);
    assert_int_equal(status_of(out), 200);
    snprintf(extra, sizeof(extra), "\r\n\r\nlen=%zu pattern=1 nul=1", BIG_CAP - 1);
    assert_non_null(strstr(out, extra));
    if (allocs != allocs_1m + 1) {
        fail_msg("%ld allocations for a 2 MiB body, %ld for 1 MiB: want the 1 MiB reservation "
                 "and one growth",
                 allocs, allocs_1m);
    }

    post(f, "/", "Content-Length: 0\r\n", 0, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=0 pattern=1 nul=1"));
}

/* Over the cap: 413 before a byte of the body is read (the handler sees no body). At the cap:
 * read whole. */
static void test_content_length_over_cap(void **state)
{
    struct fixture *f = *state;
    char out[4096], extra[64];

    snprintf(extra, sizeof(extra), "Content-Length: %d\r\n", CAP + 1);
    post(f, "/", extra, 0, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 413);
    assert_non_null(strstr(out, "\r\n\r\nlen=0 pattern=1 nul=1"));
    post(f, "/", "Content-Length: 18446744073709551615\r\n", 0, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 413);
    snprintf(extra, sizeof(extra), "Content-Length: %d\r\n", CAP);
    post(f, "/", extra, CAP, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=4096 pattern=1 nul=1"));
}

/* Content-Length smaller than what is sent: the request is the announced bytes only (the rest
 * is not this request's body). Larger than what is sent: the client gives up (half-close),
 * and the handler never sees a short body as if it were whole. */
static void test_content_length_lies(void **state)
{
    struct fixture *f = *state;
    char out[4096];
    int before;

    post(f, "/", "Content-Length: 10\r\n", 3000, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=10 pattern=1 nul=1"));

    before = atomic_load(&calls);
    post(f, "/", "Content-Length: 3000\r\n", 100, 1, out, sizeof(out));
    assert_null(strstr(out, "HTTP/1.1 200"));
    assert_int_equal(atomic_load(&calls), before);
    before = atomic_load(&calls);
    post(f, "/big", "Content-Length: 2000000\r\n", 100, 1, out, sizeof(out));
    assert_null(strstr(out, "HTTP/1.1 200"));
    assert_int_equal(atomic_load(&calls), before);

    /* The server is unharmed. */
    post(f, "/", "Content-Length: 5\r\n", 5, 0, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=5 pattern=1 nul=1"));
}

/* No Content-Length: the buffer grows as the chunks arrive, never past the cap. */
static void test_chunked(void **state)
{
    struct fixture *f = *state;
    char out[4096];

    post_chunked(f, "/", "", 3000, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=3000 pattern=1 nul=1"));
    post_chunked(f, "/", "", CAP, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=4096 pattern=1 nul=1"));
    post_chunked(f, "/", "", CAP + 1, out, sizeof(out));
    assert_int_equal(status_of(out), 413);
    assert_non_null(strstr(out, "\r\n\r\nlen=0 pattern=1 nul=1"));
}

/* A Content-Length beside a chunked body [RFC 9112 §6.3]: refused with 400 before a byte of
 * the body is read, whatever the two say, and the handler never sees it. */
static void test_content_length_with_chunked(void **state)
{
    struct fixture *f = *state;
    char out[4096];
    int before = atomic_load(&calls);

    post_chunked(f, "/", "Content-Length: 10\r\n", 3000, out, sizeof(out));
    assert_int_equal(status_of(out), 400);
    assert_non_null(strstr(out, "both Content-Length and Transfer-Encoding"));
    post_chunked(f, "/", "Content-Length: 10\r\n", CAP + 1, out, sizeof(out));
    assert_int_equal(status_of(out), 400);
    post_chunked(f, "/", "Content-Length: 4000\r\n", 20, out, sizeof(out));
    assert_int_equal(status_of(out), 400);
    assert_int_equal(atomic_load(&calls), before);
    /* The same body without the Content-Length is read whole. */
    post_chunked(f, "/", "", 3000, out, sizeof(out));
    assert_int_equal(status_of(out), 200);
    assert_non_null(strstr(out, "\r\n\r\nlen=3000 pattern=1 nul=1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_content_length_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_length_over_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_length_lies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_length_with_chunked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
