/* SPDX-License-Identifier: Apache-2.0 */
/* The SDK client against a scripted loopback HTTP server (a thread answering canned
 * responses in order): status mapping, the server's error kept, 429/503 retried and nothing
 * else, Retry-After bounded (and its parser directly), a refused connection, argument checks;
 * and the result readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <postq/client.h>

#include "sdk/retry_after.h"

/* ---- a scripted server: one canned answer per connection, then closes it ---- */

#define MAX_ANSWERS 8

struct script {
    int fd;
    int port;
    int n;
    const char *answers[MAX_ANSWERS];
    int served;
    char last_request[4096];
    pthread_t thread;
};

static void *serve(void *arg)
{
    struct script *s = arg;

    for (int i = 0; i < s->n; i++) {
        int c = accept(s->fd, NULL, NULL);
        ssize_t got;
        size_t len = 0;
        if (c < 0) {
            break;
        }
        /* Read the head (and small bodies) until a quiet moment or the end of the head. */
        while (len < sizeof(s->last_request) - 1) {
            got = recv(c, s->last_request + len, sizeof(s->last_request) - 1 - len, 0);
            if (got <= 0) {
                break;
            }
            len += (size_t)got;
            s->last_request[len] = '\0';
            char *end = strstr(s->last_request, "\r\n\r\n");
            if (end != NULL) {
                const char *cl = strstr(s->last_request, "Content-Length: ");
                size_t body = cl != NULL ? (size_t)atol(cl + 16) : 0;
                if (len >= (size_t)(end + 4 - s->last_request) + body) {
                    break;
                }
            }
        }
        s->last_request[len] = '\0';
        if (s->answers[i] == NULL) {
            char sink[256];
            while (recv(c, sink, sizeof(sink), 0) > 0) {
            }
            s->served++;
            close(c);
            continue;
        }
        if (send(c, s->answers[i], strlen(s->answers[i]), MSG_NOSIGNAL) < 0) {
            close(c);
            break;
        }
        s->served++;
        close(c);
    }
    return NULL;
}

static void script_start(struct script *s, int n, ...)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    va_list ap;

    memset(s, 0, sizeof(*s));
    s->n = n;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        s->answers[i] = va_arg(ap, const char *);
    }
    va_end(ap);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 8), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* Joins the server thread: only after it may a test read served and last_request. */
static void script_stop(struct script *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->thread, NULL);
}

static struct postq_client *client_for(const struct script *s)
{
    char url[64];
    struct postq_client *c = NULL;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s->port);
    assert_int_equal(postq_client_new(url, "pqk_test_secret", &c), POSTQ_OK);
    postq_client_set_retries(c, 3, 1);
    postq_client_set_timeouts(c, 2000, 5000);
    return c;
}

#define OK_JSON(body)                                                                            \
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" body
#define ERR(status, code, msg)                                                                   \
    "HTTP/1.1 " status "\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"       \
    "{\"error\":{\"code\":\"" code "\",\"message\":\"" msg "\"}}"

static const char enclave_body[] =
    "{\"vendor\":\"mock\",\"moduleId\":\"mod_1\",\"imageHash\":"
    "\"009ba4f79d20fda843cacdd2cfd981786f63f6c1b50cc5ad5cd8f2ab8c32fef6\","
    "\"rootPublicKeyB64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";

static void test_enclave_info_and_bearer(void **state)
{
    struct script s;
    struct postq_client *c;
    struct postq_enclave_info info;
    char *json = NULL;
    (void)state;

    script_start(&s, 1, OK_JSON("{\"vendor\":\"mock\",\"moduleId\":\"mod_1\",\"imageHash\":"
                                "\"009ba4f79d20fda843cacdd2cfd981786f63f6c1b50cc5ad5cd8f2ab8c32fef6\","
                                "\"rootPublicKeyB64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}"));
    c = client_for(&s);
    assert_int_equal(postq_client_enclave_info(c, &info, &json), POSTQ_OK);
    assert_string_equal(info.vendor, "mock");
    assert_string_equal(info.module_id, "mod_1");
    assert_int_equal(strlen(info.image_hash), 64);
    assert_non_null(json);
    assert_string_equal(json, enclave_body);
    script_stop(&s);
    assert_non_null(strstr(s.last_request, "GET /v1/enclave HTTP/1.1"));
    assert_non_null(strstr(s.last_request, "Authorization: Bearer pqk_test_secret"));
    assert_string_equal(postq_client_errmsg(c), "");
    assert_int_equal(postq_client_http_status(c), 200);
    postq_text_free(json);
    postq_client_free(c);
}

static void test_errors_keep_server_code_and_message(void **state)
{
    static const struct {
        const char *answer;
        postq_err want;
        const char *code;
    } cases[] = {
        {ERR("401 Unauthorized", "unauthorized", "missing or invalid API key"), POSTQ_E_AUTH,
         "unauthorized"},
        {ERR("403 Forbidden", "forbidden", "role viewer"), POSTQ_E_FORBIDDEN, "forbidden"},
        {ERR("404 Not Found", "not_found", "no such key"), POSTQ_E_NOT_FOUND, "not_found"},
        {ERR("409 Conflict", "policy_in_use", "bound"), POSTQ_E_CONFLICT, "policy_in_use"},
        {ERR("400 Bad Request", "invalid_request", "bad"), POSTQ_E_ARG, "invalid_request"},
        {ERR("413 Payload Too Large", "too_large", "big"), POSTQ_E_TOO_LARGE, "too_large"},
        {ERR("422 Unprocessable Entity", "policy_required", "x"), POSTQ_E_ARG, "policy_required"},
        {ERR("500 Internal Server Error", "internal", "x"), POSTQ_E_INTERNAL, "internal"},
        {"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\nnot json", POSTQ_E_INTERNAL, ""},
        /* every other status is internal: an unlisted 4xx, a redirect (never followed) */
        {ERR("405 Method Not Allowed", "method_not_allowed", "x"), POSTQ_E_INTERNAL,
         "method_not_allowed"},
        {"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nConnection: close\r\n\r\n",
         POSTQ_E_INTERNAL, ""},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct script s;
        struct postq_client *c;
        char *json = (char *)1;

        script_start(&s, 1, cases[i].answer);
        c = client_for(&s);
        assert_int_equal(postq_client_key_get(c, "key_1", &json), cases[i].want);
        assert_null(json);
        assert_string_equal(postq_client_error_code(c), cases[i].code);
        if (cases[i].code[0] != '\0') {
            assert_non_null(strstr(postq_client_errmsg(c), cases[i].code));
        } else {
            char http[16];
            snprintf(http, sizeof(http), "HTTP %d", postq_client_http_status(c));
            assert_true(postq_client_http_status(c) >= 300);
            assert_non_null(strstr(postq_client_errmsg(c), http));
        }
        script_stop(&s);
        assert_int_equal(s.served, 1); /* never retried */
        postq_client_free(c);
    }
}

static void test_sign_422_is_rejected(void **state)
{
    struct script s;
    struct postq_client *c;
    static const uint8_t payload[] = "artifact";
    (void)state;

    script_start(&s, 1, ERR("422 Unprocessable Entity", "image_not_allowed", "image x"));
    c = client_for(&s);
    assert_int_equal(postq_client_sign(c, "key_1", payload, sizeof(payload) - 1, NULL),
                     POSTQ_E_REJECTED);
    assert_string_equal(postq_client_error_code(c), "image_not_allowed");
    script_stop(&s);
    assert_non_null(strstr(s.last_request, "POST /v1/sign?keyId=key_1 HTTP/1.1"));
    assert_non_null(strstr(s.last_request, "Content-Type: application/octet-stream"));
    assert_non_null(strstr(s.last_request, "\r\n\r\nartifact"));
    postq_client_free(c);
}

static void test_503_and_429_retried_then_succeed(void **state)
{
    struct script s;
    struct postq_client *c;
    char *json = NULL;
    (void)state;

    script_start(&s, 3, ERR("503 Service Unavailable", "busy", "busy"),
                 "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nConnection: close\r\n\r\n",
                 OK_JSON("{\"items\":[],\"nextCursor\":null}"));
    c = client_for(&s);
    assert_int_equal(postq_client_signatures_list(c, "key_1", 2, "sig_x", &json), POSTQ_OK);
    assert_string_equal(json, "{\"items\":[],\"nextCursor\":null}");
    script_stop(&s);
    assert_int_equal(s.served, 3);
    assert_non_null(strstr(s.last_request, "GET /v1/signatures?keyId=key_1&limit=2&cursor=sig_x"));
    postq_text_free(json);
    postq_client_free(c);
}

static double monotonic_s(void)
{
    struct timespec ts;

    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A 429 carrying `Retry-After: value`, then a 200: the call must succeed on the one retry.
 * Returns the seconds it took (the client's own backoff is 1 ms). */
static double seconds_to_retry_after(const char *value)
{
    char answer[256];
    struct script s;
    struct postq_client *c;
    double start, took;

    snprintf(answer, sizeof(answer),
             "HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\nConnection: close\r\n\r\n",
             value);
    script_start(&s, 2, answer, OK_JSON("{\"items\":[],\"nextCursor\":null}"));
    c = client_for(&s);
    start = monotonic_s();
    assert_int_equal(postq_client_policy_list(c, 0, NULL, NULL), POSTQ_OK);
    took = monotonic_s() - start;
    postq_client_free(c);
    script_stop(&s); /* joins the server thread: only then is s.served ours to read */
    assert_int_equal(s.served, 2);
    return took;
}

/* A huge delta-seconds is clamped to the 10 s cap: neither an overflow (undefined; with a
 * wrapped negative wait the retry came at once) nor an endless wait. */
static void test_retry_after_huge_waits_the_cap(void **state)
{
    double took = seconds_to_retry_after("9223372036854775807");
    (void)state;

    assert_true(took >= 9.5);
    assert_true(took < 20.0);
}

/* Values that are not delta-seconds or an IMF-fixdate are ignored: the client's own backoff
 * (1 ms here) applies. "5s" and "5 5" would wait 5 s if their leading number were taken. */
static void test_retry_after_malformed_is_ignored(void **state)
{
    static const char *const values[] = {
        "-1", "-9223372036854775808", "5s", "5 5", "+5", "1.5", "soon", "",
        "Friday, 31-Dec-99 23:59:59 GMT", /* the obsolete RFC 850 form */
    };
    (void)state;

    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        double took = seconds_to_retry_after(values[i]);
        if (took >= 2.0) {
            fail_msg("Retry-After: %s waited %.1f s", values[i], took);
        }
    }
}

/* The HTTP-date form: a date in the past means retry now, one 2 s ahead waits about that. */
static void test_retry_after_http_date(void **state)
{
    char date[64];
    time_t at = time(NULL) + 2;
    struct tm tm;
    double took;
    (void)state;

    assert_true(seconds_to_retry_after("Fri, 31 Dec 1999 23:59:59 GMT") < 2.0);
    assert_non_null(gmtime_r(&at, &tm));
    assert_true(strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
    took = seconds_to_retry_after(date);
    assert_true(took >= 0.5);
    assert_true(took < 6.0);
}

/* A huge base backoff is capped before it is doubled (the doubling overflowed). */
static void test_huge_backoff_does_not_overflow(void **state)
{
    struct script s;
    struct postq_client *c;
    (void)state;

    script_start(&s, 2,
                 "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nConnection: close\r\n\r\n",
                 OK_JSON("{}"));
    c = client_for(&s);
    postq_client_set_retries(c, 1, LONG_MAX);
    assert_int_equal(postq_client_enclave_info(c, NULL, NULL), POSTQ_OK);
    postq_client_free(c);
    script_stop(&s);
    assert_int_equal(s.served, 2);
}

#define CAP_MS 10000L
#define Y2K_EVE 946684799 /* Fri, 31 Dec 1999 23:59:59 GMT */

static long retry_after_ms(const char *v, int64_t now)
{
    long ms = -42;

    assert_int_equal(postq_sdk_retry_after(&ms, v, strlen(v), now, CAP_MS), POSTQ_OK);
    assert_true(ms >= 0 && ms <= CAP_MS);
    return ms;
}

static void test_retry_after_delta_seconds(void **state)
{
    long ms = 0;
    (void)state;

    assert_int_equal(retry_after_ms("0", 0), 0);
    assert_int_equal(retry_after_ms("1", 0), 1000);
    assert_int_equal(retry_after_ms("10", 0), 10000);
    assert_int_equal(retry_after_ms("0000000000000000000000000003", 0), 3000);
    assert_int_equal(retry_after_ms(" \t7 \r\n", 0), 7000); /* OWS and the line end */
    assert_int_equal(retry_after_ms("11", 0), CAP_MS);
    assert_int_equal(retry_after_ms("9223372036854775", 0), CAP_MS); /* * 1000 overflows */
    assert_int_equal(retry_after_ms("9223372036854775807", 0), CAP_MS);
    assert_int_equal(retry_after_ms("99999999999999999999999999999999999999", 0), CAP_MS);
    assert_int_equal(postq_sdk_retry_after(&ms, "5", 1, 0, 0), POSTQ_OK);
    assert_int_equal(ms, 0); /* a cap of 0 */
    assert_int_equal(postq_sdk_retry_after(&ms, "5", 1, 0, LONG_MAX), POSTQ_OK);
    assert_int_equal(ms, 5000);
    assert_int_equal(postq_sdk_retry_after(&ms, "9223372036854775807", 19, 0, LONG_MAX),
                     POSTQ_OK);
    assert_int_equal(ms, LONG_MAX);
    assert_int_equal(postq_sdk_retry_after(NULL, "1", 1, 0, CAP_MS), POSTQ_E_ARG);
    assert_int_equal(postq_sdk_retry_after(&ms, NULL, 0, 0, CAP_MS), POSTQ_E_ARG);
    assert_int_equal(postq_sdk_retry_after(&ms, "1", 1, 0, -1), POSTQ_E_ARG);
}

static void test_retry_after_http_date_parsed(void **state)
{
    static const char eve[] = "Fri, 31 Dec 1999 23:59:59 GMT";
    (void)state;

    assert_int_equal(retry_after_ms(eve, Y2K_EVE), 0);
    assert_int_equal(retry_after_ms(eve, Y2K_EVE + 1000), 0); /* in the past */
    assert_int_equal(retry_after_ms(eve, Y2K_EVE - 4), 4000);
    assert_int_equal(retry_after_ms(eve, Y2K_EVE - 10), CAP_MS);
    assert_int_equal(retry_after_ms(eve, Y2K_EVE - 11), CAP_MS);
    assert_int_equal(retry_after_ms(eve, INT64_MIN), CAP_MS); /* no overflow either way */
    assert_int_equal(retry_after_ms(eve, INT64_MAX), 0);
    assert_int_equal(retry_after_ms("Thu, 01 Jan 1970 00:00:00 GMT", 0), 0);
    assert_int_equal(retry_after_ms("Thu, 01 Jan 1970 00:00:09 GMT", 0), 9000);
    assert_int_equal(retry_after_ms("Tue, 29 Feb 2000 00:00:02 GMT", 951782400), 2000);
    assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT\r\n", 784111775), 2000);
    assert_int_equal(retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", Y2K_EVE), CAP_MS);
}

static void test_retry_after_malformed(void **state)
{
    static const char *const bad[] = {
        "", " \r\n", "-1", "-0", "+5", "1.5", "5s", "5 5", "0x10", "1e3", "soon",
        "-9223372036854775808",
        "Sat, 31 Dec 1999 23:59:59 GMT",   /* wrong day name */
        "fri, 31 Dec 1999 23:59:59 GMT",   /* names are case-sensitive */
        "Fri, 31 dec 1999 23:59:59 GMT",
        "Fri, 31 Dec 1999 23:59:59 gmt",
        "Fri, 31 Dec 1999 23:59:59 UTC",
        "Fri, 31 Dec 1999 23:59:59 GMTx",
        "Fri, 31 Dec 1999 23:59:59",
        "Fri,  1 Dec 1999 23:59:59 GMT",
        "Fri, 31 Dcm 1999 23:59:59 GMT",
        "Fri, 31 Dec 1999 24:00:00 GMT",
        "Fri, 31 Dec 1999 23:60:00 GMT",
        "Fri, 31 Dec 1999 23:59:60 GMT",   /* leap seconds are not taken */
        "Fri, 31 Dec 1999 23-59-59 GMT",
        "Tue, 31 Nov 1999 00:00:00 GMT",   /* no such day */
        "Mon, 29 Feb 2100 00:00:00 GMT",   /* 2100 is not a leap year */
        "Wed, 31 Dec 1969 23:59:59 GMT",   /* before 1970 */
        "Fri, +1 Dec 1999 23:59:59 GMT",
        "Friday, 31-Dec-99 23:59:59 GMT",  /* RFC 850 */
        "Fri Dec 31 23:59:59 1999",        /* asctime */
    };
    static const char eve[] = "Fri, 31 Dec 1999 23:59:59 GMT";
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long ms = -42;
        if (postq_sdk_retry_after(&ms, bad[i], strlen(bad[i]), Y2K_EVE - 5, CAP_MS) !=
            POSTQ_E_MALFORMED) {
            fail_msg("Retry-After: \"%s\" was taken", bad[i]);
        }
        assert_int_equal(ms, -42); /* left alone */
    }
    for (size_t n = 0; n < sizeof(eve) - 1; n++) { /* truncated at every length */
        long ms = -42;
        assert_int_equal(postq_sdk_retry_after(&ms, eve, n, 0, CAP_MS), POSTQ_E_MALFORMED);
        assert_int_equal(ms, -42);
    }
}

static void test_retries_give_up(void **state)
{
    struct script s;
    struct postq_client *c;
    (void)state;

    script_start(&s, 2, ERR("503 Service Unavailable", "enclave_unavailable", "down"),
                 ERR("503 Service Unavailable", "enclave_unavailable", "down"));
    c = client_for(&s);
    postq_client_set_retries(c, 1, 1);
    assert_int_equal(postq_client_policy_list(c, 0, NULL, NULL), POSTQ_E_BUSY);
    assert_string_equal(postq_client_error_code(c), "enclave_unavailable");
    script_stop(&s);
    assert_int_equal(s.served, 2);
    postq_client_free(c);
}

static void test_connection_refused_is_network(void **state)
{
    struct script s;
    struct postq_client *c;
    char url[64];
    (void)state;

    script_start(&s, 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
    script_stop(&s); /* the port is free again: nothing listens */
    assert_int_equal(postq_client_new(url, NULL, &c), POSTQ_OK);
    assert_int_equal(postq_client_policy_get(c, "pol_1", NULL), POSTQ_E_NETWORK);
    assert_non_null(strstr(postq_client_errmsg(c), "cannot reach"));
    assert_string_equal(postq_client_error_code(c), "");
    assert_int_equal(postq_client_http_status(c), 0);
    postq_client_free(c);
}

static void test_ids_are_escaped_and_delete(void **state)
{
    struct script s;
    struct postq_client *c;
    (void)state;

    script_start(&s, 1, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    c = client_for(&s);
    assert_int_equal(postq_client_policy_delete(c, "pol/../x y"), POSTQ_OK);
    script_stop(&s);
    assert_non_null(strstr(s.last_request, "DELETE /v1/attestation-policies/pol%2F..%2Fx%20y "));
    postq_client_free(c);
}

static void test_timeout_is_network(void **state)
{
    struct script s;
    struct postq_client *c;
    (void)state;

    script_start(&s, 1, (const char *)NULL);
    c = client_for(&s);
    postq_client_set_timeouts(c, 1000, 300);
    assert_int_equal(postq_client_enclave_info(c, NULL, NULL), POSTQ_E_NETWORK);
    assert_non_null(strstr(postq_client_errmsg(c), "cannot reach"));
    postq_client_free(c);
    script_stop(&s);
    assert_int_equal(s.served, 1); /* a timeout is not retried */
}

/* A streamed file is sent whole, and sent whole again after a 503 (the file is rewound). */
static void test_sign_file_streams_and_rewinds(void **state)
{
    struct script s;
    struct postq_client *c;
    char path[] = "/tmp/postq-client-test-XXXXXX";
    int fd = mkstemp(path);
    char *json = NULL;
    (void)state;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "streamed payload", 16), 16);
    close(fd);
    script_start(&s, 2, ERR("503 Service Unavailable", "busy", "busy"),
                 OK_JSON("{\"id\":\"sig_1\"}"));
    c = client_for(&s);
    assert_int_equal(postq_client_sign_file(c, "key_1", path, &json), POSTQ_OK);
    assert_string_equal(json, "{\"id\":\"sig_1\"}");
    script_stop(&s);
    assert_int_equal(s.served, 2);
    assert_non_null(strstr(s.last_request, "Content-Length: 16\r\n"));
    assert_non_null(strstr(s.last_request, "\r\n\r\nstreamed payload"));
    postq_text_free(json);
    postq_client_free(c);
    unlink(path);
}

static void test_arguments(void **state)
{
    struct postq_client *c = (struct postq_client *)1;
    (void)state;

    assert_int_equal(postq_client_new("ftp://x", NULL, &c), POSTQ_E_ARG);
    assert_null(c);
    assert_int_equal(postq_client_new(NULL, NULL, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_client_new(NULL, "a\nb", &c), POSTQ_E_ARG);
    assert_int_equal(postq_client_new(NULL, NULL, &c), POSTQ_OK);
    assert_int_equal(postq_client_key_get(c, "", NULL), POSTQ_E_ARG);
    assert_int_equal(postq_client_key_get(c, NULL, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_client_sign(c, "key_1", NULL, 3, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_client_sign_file(c, "key_1", "/nonexistent/file", NULL), POSTQ_E_IO);
    assert_non_null(strstr(postq_client_errmsg(c), "/nonexistent/file"));
    assert_int_equal(postq_client_policy_create(c, NULL, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_client_key_create(c, NULL, NULL, "software", NULL, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_client_enclave_info(NULL, NULL, NULL), POSTQ_E_ARG);
    postq_client_free(c);
    postq_client_free(NULL);
    postq_text_free(NULL);
}

static void test_json_string(void **state)
{
    char out[16];
    (void)state;

    assert_int_equal(postq_json_string("{\"id\":\"pol_1\"}", "id", out, sizeof(out)), POSTQ_OK);
    assert_string_equal(out, "pol_1");
    assert_int_equal(postq_json_string("{\"a\":{\"b\":\"x\"}}", "a.b", out, sizeof(out)),
                     POSTQ_OK);
    assert_string_equal(out, "x");
    assert_int_equal(postq_json_string("{\"a\":{\"b\":1}}", "a.b", out, sizeof(out)),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_json_string("{\"a\":\"x\"}", "a.b", out, sizeof(out)),
                     POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_json_string("{\"a\":\"x\"}", "", out, sizeof(out)), POSTQ_E_NOT_FOUND);
    assert_int_equal(postq_json_string("{\"a\":\"x\",\"a\":\"y\"}", "a", out, sizeof(out)),
                     POSTQ_E_MALFORMED);
    assert_int_equal(postq_json_string("{\"a\":", "a", out, sizeof(out)), POSTQ_E_MALFORMED);
    assert_int_equal(postq_json_string("{\"a\":\"0123456789abcdef\"}", "a", out, sizeof(out)),
                     POSTQ_E_TOO_LARGE);
    assert_string_equal(out, "");
    assert_int_equal(postq_json_string(NULL, "a", out, sizeof(out)), POSTQ_E_ARG);
}

static void test_signature_info_rejects_bad(void **state)
{
    struct postq_signature_info *info = malloc(sizeof(*info));
    (void)state;

    assert_non_null(info);
    assert_int_equal(postq_signature_info_parse(info, "{}"), POSTQ_E_MALFORMED);
    assert_int_equal(postq_signature_info_parse(info, "not json"), POSTQ_E_MALFORMED);
    assert_int_equal(postq_signature_info_parse(info, NULL), POSTQ_E_ARG);
    assert_int_equal(postq_signature_info_parse(NULL, "{}"), POSTQ_E_ARG);
    free(info);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enclave_info_and_bearer),
        cmocka_unit_test(test_errors_keep_server_code_and_message),
        cmocka_unit_test(test_sign_422_is_rejected),
        cmocka_unit_test(test_503_and_429_retried_then_succeed),
        cmocka_unit_test(test_retries_give_up),
        cmocka_unit_test(test_retry_after_huge_waits_the_cap),
        cmocka_unit_test(test_retry_after_malformed_is_ignored),
        cmocka_unit_test(test_retry_after_http_date),
        cmocka_unit_test(test_huge_backoff_does_not_overflow),
        cmocka_unit_test(test_retry_after_delta_seconds),
        cmocka_unit_test(test_retry_after_http_date_parsed),
        cmocka_unit_test(test_retry_after_malformed),
        cmocka_unit_test(test_connection_refused_is_network),
        cmocka_unit_test(test_ids_are_escaped_and_delete),
        cmocka_unit_test(test_timeout_is_network),
        cmocka_unit_test(test_sign_file_streams_and_rewinds),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_signature_info_rejects_bad),
    };
    return cmocka_run_group_tests_name("sdk/client", tests, NULL, NULL);
}
