/* SPDX-License-Identifier: Apache-2.0 */
/* The API client [docs/http-api.md, include/postq/] on libcurl (the one file that includes curl/).
 * One easy
 * handle per client, reused across calls (keep-alive); every answer lands in a capped buffer;
 * 429/503 are retried with backoff, nothing else. */
#include <postq/client.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "attest/sign_result.h"
#include "common/buf.h"
#include "common/hex.h"
#include "common/mem.h"
#include "sdk/retry_after.h"

#define RESPONSE_MAX (32u << 20) /* a page of 100 sign results is well under 2 MiB */
#define ERRMSG_MAX 512
#define BACKOFF_CAP_MS 10000L

struct postq_client {
    CURL *curl;
    char *base;    /* without a trailing '/' */
    char *auth;    /* "Authorization: Bearer <key>", or NULL; wiped on free */
    long connect_ms, total_ms;
    int max_retries;
    long backoff_ms;
    int status;
    char code[64];
    char errmsg[ERRMSG_MAX];
};

/* One request: what to send and where the answer goes. */
struct request {
    const char *method;
    const char *url;
    const char *content_type; /* NULL: no body */
    const uint8_t *body;      /* in memory, or */
    size_t body_len;
    FILE *file;               /* streamed from here (body_len bytes) */
    int sign;                 /* 422 means a rejected attestation */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void curl_start(void)
{
    curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = postq_malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n + 1);
    }
    return p;
}

void postq_text_free(char *text)
{
    postq_free(text);
}

static void set_error(struct postq_client *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(struct postq_client *c, const char *code, const char *fmt, ...)
{
    va_list ap;

    snprintf(c->code, sizeof(c->code), "%s", code);
    va_start(ap, fmt);
    vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
    va_end(ap);
}

postq_err postq_client_new(const char *base_url, const char *api_key, struct postq_client **out)
{
    struct postq_client *c;
    size_t n;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    *out = NULL;
    if (base_url == NULL) {
        base_url = POSTQ_DEFAULT_API_URL;
    }
    if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0) {
        return POSTQ_E_ARG;
    }
    if (api_key != NULL && (strchr(api_key, '\n') != NULL || strchr(api_key, '\r') != NULL)) {
        return POSTQ_E_ARG;
    }
    pthread_once(&curl_once, curl_start);
    if (!curl_ok) {
        return POSTQ_E_INTERNAL;
    }
    c = postq_calloc(1, sizeof(*c));
    if (c == NULL) {
        return POSTQ_E_NOMEM;
    }
    c->connect_ms = 10000;
    c->total_ms = 60000;
    c->max_retries = 3;
    c->backoff_ms = 200;
    c->base = dup_str(base_url);
    if (c->base == NULL) {
        goto nomem;
    }
    n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/') {
        c->base[--n] = '\0';
    }
    if (api_key != NULL && api_key[0] != '\0') {
        size_t len = strlen("Authorization: Bearer ") + strlen(api_key) + 1;
        c->auth = postq_malloc(len);
        if (c->auth == NULL) {
            goto nomem;
        }
        snprintf(c->auth, len, "Authorization: Bearer %s", api_key);
    }
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        postq_client_free(c);
        return POSTQ_E_INTERNAL;
    }
    *out = c;
    return POSTQ_OK;
nomem:
    postq_client_free(c);
    return POSTQ_E_NOMEM;
}

void postq_client_free(struct postq_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
    }
    if (c->auth != NULL) {
        postq_wipe(c->auth, strlen(c->auth));
        postq_free(c->auth);
    }
    postq_free(c->base);
    postq_free(c);
}

const char *postq_client_errmsg(const struct postq_client *c)
{
    return c == NULL ? "no client" : c->errmsg;
}

const char *postq_client_error_code(const struct postq_client *c)
{
    return c == NULL ? "" : c->code;
}

int postq_client_http_status(const struct postq_client *c)
{
    return c == NULL ? 0 : c->status;
}

void postq_client_set_timeouts(struct postq_client *c, long connect_ms, long total_ms)
{
    if (c != NULL) {
        c->connect_ms = connect_ms > 0 ? connect_ms : 10000;
        c->total_ms = total_ms > 0 ? total_ms : 0;
    }
}

void postq_client_set_retries(struct postq_client *c, int max_retries, long base_ms)
{
    if (c != NULL) {
        c->max_retries = max_retries > 0 ? max_retries : 0;
        c->backoff_ms = base_ms > 0 ? base_ms : 0;
    }
}

/* ---- transport ---- */

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct postq_buf *b = userdata;
    size_t len = size * n;

    if (postq_buf_append(b, p, len) != POSTQ_OK) {
        return 0; /* curl stops: CURLE_WRITE_ERROR */
    }
    return len;
}

static size_t on_read_file(char *p, size_t size, size_t n, void *userdata)
{
    FILE *f = userdata;
    size_t got = fread(p, 1, size * n, f);

    if (got == 0 && ferror(f)) {
        return CURL_READFUNC_ABORT;
    }
    return got;
}

struct mem_reader {
    const uint8_t *p;
    size_t left;
    const uint8_t *base; /* the whole body, for a rewind */
    size_t len;
};

/* curl rewinds the body when it must send it again within one attempt (a kept-alive connection
 * found closed after part of the body went out): without these it fails the call with "necessary
 * data rewind wasn't possible". */
static int on_seek_file(void *userdata, curl_off_t offset, int origin)
{
    FILE *f = userdata;
    if (origin != SEEK_SET || offset < 0 || fseeko(f, (off_t)offset, SEEK_SET) != 0) {
        return CURL_SEEKFUNC_CANTSEEK;
    }
    return CURL_SEEKFUNC_OK;
}

static int on_seek_mem(void *userdata, curl_off_t offset, int origin)
{
    struct mem_reader *r = userdata;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > (uint64_t)r->len) {
        return CURL_SEEKFUNC_CANTSEEK;
    }
    r->p = r->base + (size_t)offset;
    r->left = r->len - (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_read_mem(char *p, size_t size, size_t n, void *userdata)
{
    struct mem_reader *r = userdata;
    size_t want = size * n;

    if (want > r->left) {
        want = r->left;
    }
    if (want > 0) {
        memcpy(p, r->p, want);
    }
    r->p += want;
    r->left -= want;
    return want;
}

/* A Retry-After the server sent, as a wait in ms within the backoff cap; a malformed one
 * leaves *retry_after_ms as it was (-1: none). */
static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    long *retry_after_ms = userdata;
    size_t len = size * n;
    static const char name[] = "retry-after:";

    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        long ms;
        if (postq_sdk_retry_after(&ms, p + sizeof(name) - 1, len - (sizeof(name) - 1),
                                  (int64_t)time(NULL), BACKOFF_CAP_MS) == POSTQ_OK) {
            *retry_after_ms = ms;
        }
    }
    return len;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static postq_err status_err(int status, int sign)
{
    switch (status) {
    case 400:
    case 415:
        return POSTQ_E_ARG;
    case 401:
        return POSTQ_E_AUTH;
    case 403:
        return POSTQ_E_FORBIDDEN;
    case 404:
        return POSTQ_E_NOT_FOUND;
    case 409:
        return POSTQ_E_CONFLICT;
    case 413:
        return POSTQ_E_TOO_LARGE;
    case 422:
        return sign ? POSTQ_E_REJECTED : POSTQ_E_ARG;
    case 429:
        return POSTQ_E_RATE;
    case 503:
        return POSTQ_E_BUSY;
    default:
        return POSTQ_E_INTERNAL;
    }
}

/* The server's {"error":{"code","message"}} into c->code / c->errmsg. */
static void server_error(struct postq_client *c, const struct postq_buf *b)
{
    json_t *root = NULL;
    const json_t *e, *code, *msg;

    if (b->len > 0) {
        root = json_loadb((const char *)b->p, b->len, JSON_REJECT_DUPLICATES, NULL);
    }
    e = json_object_get(root, "error");
    code = json_object_get(e, "code");
    msg = json_object_get(e, "message");
    if (json_is_string(code) && json_is_string(msg)) {
        set_error(c, json_string_value(code), "%s: %s (HTTP %d)", json_string_value(code),
                  json_string_value(msg), c->status);
    } else {
        set_error(c, "", "HTTP %d from %s", c->status, c->base);
    }
    json_decref(root);
}

/* curl_slist_append keeps its own copy of each line, and the Authorization line holds the API
 * key: every line is wiped before the list goes back to libcurl's allocator. */
static void free_headers(struct curl_slist *headers)
{
    for (struct curl_slist *h = headers; h != NULL; h = h->next) {
        postq_wipe(h->data, strlen(h->data));
    }
    curl_slist_free_all(headers);
}

/* The request's header lines: the credentials, what we accept, no Expect (so no 100-continue
 * round trip) and the body's type. */
static postq_err build_headers(const struct postq_client *c, const struct request *r,
                               struct curl_slist **out)
{
    const char *lines[4];
    size_t n = 0;
    char ctype[96];
    struct curl_slist *headers = NULL;

    *out = NULL;
    if (c->auth != NULL) {
        lines[n++] = c->auth;
    }
    lines[n++] = "Accept: application/json";
    lines[n++] = "Expect:";
    if (r->content_type != NULL) {
        snprintf(ctype, sizeof(ctype), "Content-Type: %s", r->content_type);
        lines[n++] = ctype;
    }
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *h = curl_slist_append(headers, lines[i]);
        if (h == NULL) {
            free_headers(headers);
            return POSTQ_E_NOMEM;
        }
        headers = h;
    }
    *out = headers;
    return POSTQ_OK;
}

/* One attempt's state: the curl handle's callbacks write here, so it outlives the transfer. */
struct attempt {
    struct postq_buf answer;
    struct mem_reader mem;
    long retry_after_ms; /* -1: the answer had no usable Retry-After */
    char curl_err[CURL_ERROR_SIZE];
};

/* Reset c's easy handle and a for one attempt at r. POSTQ_E_IO when a payload file cannot be
 * rewound (a retry sends it again from the start). */
static postq_err setup_handle(struct postq_client *c, const struct request *r,
                              struct curl_slist *headers, struct attempt *a)
{
    CURL *h = c->curl;

    postq_buf_reset(&a->answer);
    a->mem.p = r->body;
    a->mem.left = r->body_len;
    a->mem.base = r->body;
    a->mem.len = r->body_len;
    a->retry_after_ms = -1;
    a->curl_err[0] = '\0';
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* never hand the key to another host */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->total_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->curl_err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->answer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a->retry_after_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libpostq/" "0.1.0");
    if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        if (strcmp(r->method, "PUT") == 0) {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        }
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        if (r->file != NULL) {
            if (fseek(r->file, 0, SEEK_SET) != 0) {
                set_error(c, "", "cannot rewind the payload file: %s", strerror(errno));
                return POSTQ_E_IO;
            }
            curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read_file);
            curl_easy_setopt(h, CURLOPT_READDATA, r->file);
            curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek_file);
            curl_easy_setopt(h, CURLOPT_SEEKDATA, r->file);
        } else {
            curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read_mem);
            curl_easy_setopt(h, CURLOPT_READDATA, &a->mem);
            curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek_mem);
            curl_easy_setopt(h, CURLOPT_SEEKDATA, &a->mem);
        }
    } else if (strcmp(r->method, "DELETE") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    return POSTQ_OK;
}

/* The wait in ms before another attempt, or -1 for none: only after a 429 or 503 answer and
 * while retries remain. The server's Retry-After wins over the backoff, which doubles up to
 * the cap either way. */
static long retry_wait(const struct postq_client *c, CURLcode rc, int attempt,
                       long retry_after_ms, long *backoff)
{
    long wait = *backoff;

    if (rc != CURLE_OK || (c->status != 429 && c->status != 503) || attempt >= c->max_retries) {
        return -1;
    }
    if (retry_after_ms >= 0) {
        wait = retry_after_ms;
    }
    *backoff = *backoff * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : *backoff * 2;
    return wait;
}

/* What the last attempt came to: a transport failure, or the answer's HTTP status with the
 * server's error.code and message kept on c. */
static postq_err outcome(struct postq_client *c, const struct request *r, CURLcode rc,
                         const struct attempt *a)
{
    const char *why = a->curl_err[0] != '\0' ? a->curl_err : NULL;

    if (rc == CURLE_WRITE_ERROR && a->answer.len + CURL_MAX_WRITE_SIZE > a->answer.max) {
        set_error(c, "", "the answer from %s is larger than %u bytes", c->base, RESPONSE_MAX);
        return POSTQ_E_TOO_LARGE;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_READ_ERROR) {
        set_error(c, "", "cannot read the payload: %s", why != NULL ? why : "read error");
        return POSTQ_E_IO;
    }
    if (rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR) {
        set_error(c, "", "out of memory");
        return POSTQ_E_NOMEM;
    }
    if (rc != CURLE_OK) {
        set_error(c, "", "cannot reach %s: %s", c->base,
                  why != NULL ? why : curl_easy_strerror(rc));
        return POSTQ_E_NETWORK;
    }
    if (c->status < 200 || c->status > 299) {
        server_error(c, &a->answer);
        return status_err(c->status, r->sign);
    }
    return POSTQ_OK;
}

/* Send r, retrying as retry_wait says; on a 2xx answer *json (json may be NULL) receives the
 * body. */
static postq_err perform_len(struct postq_client *c, const struct request *r, char **json,
                             size_t *len);

static postq_err perform(struct postq_client *c, const struct request *r, char **json)
{
    return perform_len(c, r, json, NULL);
}

/* perform, with the body's length in *len (a body may hold NUL bytes: tiles). */
static postq_err perform_len(struct postq_client *c, const struct request *r, char **json,
                             size_t *len)
{
    struct attempt a;
    struct curl_slist *headers = NULL;
    long backoff = c->backoff_ms < BACKOFF_CAP_MS ? c->backoff_ms : BACKOFF_CAP_MS;
    CURLcode rc;
    postq_err err;

    if (json != NULL) {
        *json = NULL;
    }
    c->status = 0;
    c->code[0] = '\0';
    c->errmsg[0] = '\0';
    postq_buf_init(&a.answer, RESPONSE_MAX);
    err = build_headers(c, r, &headers);
    if (err != POSTQ_OK) {
        goto out;
    }
    for (int attempt = 0;; attempt++) {
        long wait;
        err = setup_handle(c, r, headers, &a);
        if (err != POSTQ_OK) {
            goto out;
        }
        rc = curl_easy_perform(c->curl);
        if (rc == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
            c->status = (int)status;
        }
        wait = retry_wait(c, rc, attempt, a.retry_after_ms, &backoff);
        if (wait < 0) {
            break;
        }
        sleep_ms(wait);
    }
    err = outcome(c, r, rc, &a);
    if (err == POSTQ_OK && json != NULL) {
        if (a.answer.p == NULL && postq_buf_reserve(&a.answer, 1) != POSTQ_OK) {
            err = POSTQ_E_NOMEM;
            goto out;
        }
        *json = (char *)postq_buf_detach(&a.answer, len);
    }
out:
    if (err == POSTQ_E_NOMEM && c->errmsg[0] == '\0') {
        set_error(c, "", "out of memory");
    }
    free_headers(headers);
    postq_buf_free(&a.answer);
    return err;
}

/* base + path + "/" + escaped id + query: built in one owned string. Query values are
 * escaped too. names/values: n pairs, a NULL value is left out. */
static postq_err make_url(struct postq_client *c, char **url, const char *path, const char *id,
                          size_t n, const char *const *names, const char *const *values)
{
    struct postq_buf b;
    postq_err err;
    char sep = '?';

    postq_buf_init(&b, 8192);
    err = postq_buf_append_str(&b, c->base);
    if (err == POSTQ_OK) {
        err = postq_buf_append_str(&b, path);
    }
    if (err == POSTQ_OK && id != NULL) {
        char *e = curl_easy_escape(c->curl, id, 0);
        if (e == NULL) {
            err = POSTQ_E_NOMEM;
        } else {
            err = postq_buf_append_str(&b, "/");
            if (err == POSTQ_OK) {
                err = postq_buf_append_str(&b, e);
            }
            curl_free(e);
        }
    }
    for (size_t i = 0; err == POSTQ_OK && i < n; i++) {
        char *e;
        if (values[i] == NULL) {
            continue;
        }
        e = curl_easy_escape(c->curl, values[i], 0);
        if (e == NULL) {
            err = POSTQ_E_NOMEM;
            break;
        }
        err = postq_buf_append(&b, &sep, 1);
        if (err == POSTQ_OK) {
            err = postq_buf_append_str(&b, names[i]);
        }
        if (err == POSTQ_OK) {
            err = postq_buf_append_str(&b, "=");
        }
        if (err == POSTQ_OK) {
            err = postq_buf_append_str(&b, e);
        }
        curl_free(e);
        sep = '&';
    }
    if (err != POSTQ_OK) {
        postq_buf_free(&b);
        set_error(c, "", "%s", err == POSTQ_E_NOMEM ? "out of memory" : "request URL too long");
        return err;
    }
    *url = (char *)postq_buf_detach(&b, NULL);
    return POSTQ_OK;
}

static int bad_id(struct postq_client *c, const char *what, const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > 127) {
        set_error(c, "", "%s: an id of 1 to 127 characters is required", what);
        c->status = 0;
        return 1;
    }
    return 0;
}

static postq_err get(struct postq_client *c, const char *path, const char *id, size_t n,
                     const char *const *names, const char *const *values, char **json)
{
    struct request r = {"GET", NULL, NULL, NULL, 0, NULL, 0};
    char *url = NULL;
    postq_err err = make_url(c, &url, path, id, n, names, values);

    if (err != POSTQ_OK) {
        return err;
    }
    r.url = url;
    err = perform(c, &r, json);
    postq_free(url);
    return err;
}

static postq_err post_json(struct postq_client *c, const char *path, const char *body,
                           char **json)
{
    struct request r = {"POST", NULL, "application/json", (const uint8_t *)body, strlen(body),
                        NULL, 0};
    char *url = NULL;
    postq_err err = make_url(c, &url, path, NULL, 0, NULL, NULL);

    if (err != POSTQ_OK) {
        return err;
    }
    r.url = url;
    err = perform(c, &r, json);
    postq_free(url);
    return err;
}

static int check_client(struct postq_client *c, char **json)
{
    if (json != NULL) {
        *json = NULL;
    }
    return c != NULL;
}

static void limit_text(char *out, size_t cap, int limit)
{
    if (limit > 0) {
        snprintf(out, cap, "%d", limit);
    } else {
        out[0] = '\0';
    }
}

/* ---- enclave ---- */

static int copy_member(char *out, size_t cap, const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v) || json_string_length(v) >= cap) {
        return 0;
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 1;
}

postq_err postq_client_enclave_info(struct postq_client *c, struct postq_enclave_info *info,
                                    char **json)
{
    char *text = NULL;
    json_t *root;
    postq_err err;

    if (!check_client(c, json)) {
        return POSTQ_E_ARG;
    }
    err = get(c, "/v1/enclave", NULL, 0, NULL, NULL, &text);
    if (err != POSTQ_OK) {
        return err;
    }
    if (info != NULL) {
        memset(info, 0, sizeof(*info));
        root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        if (!copy_member(info->vendor, sizeof(info->vendor), root, "vendor") ||
            !copy_member(info->module_id, sizeof(info->module_id), root, "moduleId") ||
            !copy_member(info->image_hash, sizeof(info->image_hash), root, "imageHash") ||
            !copy_member(info->root_public_key_b64, sizeof(info->root_public_key_b64), root,
                         "rootPublicKeyB64")) {
            set_error(c, "", "GET /v1/enclave: the answer lacks vendor, moduleId, imageHash "
                             "or rootPublicKeyB64");
            err = POSTQ_E_MALFORMED;
        } else if (json_object_get(root, "rootAlgorithm") != NULL &&
                   !copy_member(info->root_algorithm, sizeof(info->root_algorithm), root,
                                "rootAlgorithm")) {
            set_error(c, "", "GET /v1/enclave: rootAlgorithm is not a short string");
            err = POSTQ_E_MALFORMED;
        }
        json_decref(root);
    }
    if (err == POSTQ_OK && json != NULL) {
        *json = text;
        text = NULL;
    }
    postq_free(text);
    return err;
}

/* ---- policies ---- */

postq_err postq_client_policy_create(struct postq_client *c, const char *policy_json,
                                     char **json)
{
    if (!check_client(c, json) || policy_json == NULL) {
        return POSTQ_E_ARG;
    }
    return post_json(c, "/v1/attestation-policies", policy_json, json);
}

/* GET path/id of one resource (noun names it in the error for a bad id). */
static postq_err get_one(struct postq_client *c, const char *path, const char *noun,
                         const char *id, char **json)
{
    if (!check_client(c, json) || bad_id(c, noun, id)) {
        return POSTQ_E_ARG;
    }
    return get(c, path, id, 0, NULL, NULL, json);
}

static postq_err list(struct postq_client *c, const char *path, const char *key_id, int limit,
                      const char *cursor, char **json)
{
    static const char *const names[] = {"keyId", "limit", "cursor"};
    char lim[16];
    const char *values[3];

    limit_text(lim, sizeof(lim), limit);
    values[0] = key_id;
    values[1] = lim[0] != '\0' ? lim : NULL;
    values[2] = cursor;
    return get(c, path, NULL, 3, names, values, json);
}

postq_err postq_client_policy_list(struct postq_client *c, int limit, const char *cursor,
                                   char **json)
{
    if (!check_client(c, json)) {
        return POSTQ_E_ARG;
    }
    return list(c, "/v1/attestation-policies", NULL, limit, cursor, json);
}

postq_err postq_client_policy_get(struct postq_client *c, const char *id, char **json)
{
    return get_one(c, "/v1/attestation-policies", "policy", id, json);
}

postq_err postq_client_policy_delete(struct postq_client *c, const char *id)
{
    struct request r = {"DELETE", NULL, NULL, NULL, 0, NULL, 0};
    char *url = NULL;
    postq_err err;

    if (c == NULL) {
        return POSTQ_E_ARG;
    }
    if (bad_id(c, "policy", id)) {
        return POSTQ_E_ARG;
    }
    err = make_url(c, &url, "/v1/attestation-policies", id, 0, NULL, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    r.url = url;
    err = perform(c, &r, NULL);
    postq_free(url);
    return err;
}

/* A request to path/id[/tail][?name=value] with method and an optional JSON body. */
static postq_err call_on(struct postq_client *c, const char *method, const char *path,
                         const char *noun, const char *id, const char *tail, const char *qname,
                         const char *qvalue, const char *body, char **json)
{
    struct request r = {method, NULL, body != NULL ? "application/json" : NULL,
                        (const uint8_t *)body, body != NULL ? strlen(body) : 0, NULL, 0};
    char *url = NULL, *full = NULL;
    const char *names[1] = {qname}, *values[1] = {qvalue};
    postq_err err;

    if (!check_client(c, json) || bad_id(c, noun, id)) {
        return POSTQ_E_ARG;
    }
    err = make_url(c, &url, path, id, 0, NULL, NULL);
    if (err == POSTQ_OK && (tail != NULL || qname != NULL)) {
        /* The id is escaped by make_url; tail and the query are ours (ASCII). */
        struct postq_buf b;
        postq_buf_init(&b, 8192);
        err = postq_buf_append_str(&b, url);
        err = err == POSTQ_OK && tail != NULL ? postq_buf_append_str(&b, tail) : err;
        err = err == POSTQ_OK && qname != NULL ? postq_buf_append_str(&b, "?") : err;
        err = err == POSTQ_OK && qname != NULL ? postq_buf_append_str(&b, names[0]) : err;
        err = err == POSTQ_OK && qname != NULL ? postq_buf_append_str(&b, "=") : err;
        err = err == POSTQ_OK && qname != NULL ? postq_buf_append_str(&b, values[0]) : err;
        err = err == POSTQ_OK ? postq_buf_append(&b, "", 1) : err;
        if (err == POSTQ_OK) {
            size_t n;
            full = (char *)postq_buf_detach(&b, &n);
        }
        postq_buf_free(&b);
    }
    if (err == POSTQ_OK) {
        r.url = full != NULL ? full : url;
        err = perform(c, &r, json);
    }
    postq_free(url);
    postq_free(full);
    return err;
}

postq_err postq_client_policy_update(struct postq_client *c, const char *id,
                                     const char *policy_json, char **json)
{
    if (policy_json == NULL) {
        return check_client(c, json), POSTQ_E_ARG;
    }
    return call_on(c, "PUT", "/v1/attestation-policies", "policy", id, NULL, NULL, NULL,
                   policy_json, json);
}

postq_err postq_client_policy_get_version(struct postq_client *c, const char *id, int version,
                                          char **json)
{
    char v[16];
    if (version < 1) {
        return check_client(c, json), POSTQ_E_ARG;
    }
    snprintf(v, sizeof(v), "%d", version);
    return call_on(c, "GET", "/v1/attestation-policies", "policy", id, NULL, "version", v, NULL,
                   json);
}

/* ---- keys ---- */

postq_err postq_client_key_rotate(struct postq_client *c, const char *id, char **json)
{
    return call_on(c, "POST", "/v1/hybrid-keys", "key", id, "/rotate", NULL, NULL, "{}", json);
}

postq_err postq_client_key_versions(struct postq_client *c, const char *id, char **json)
{
    return call_on(c, "GET", "/v1/hybrid-keys", "key", id, "/versions", NULL, NULL, NULL, json);
}

postq_err postq_client_key_version_set(struct postq_client *c, const char *id, int version,
                                       const char *action, char **json)
{
    char tail[64];
    if (version < 1 || action == NULL ||
        (strcmp(action, "disable") != 0 && strcmp(action, "enable") != 0 &&
         strcmp(action, "destroy") != 0)) {
        return check_client(c, json), POSTQ_E_ARG;
    }
    snprintf(tail, sizeof(tail), "/versions/%d/%s", version, action);
    return call_on(c, "POST", "/v1/hybrid-keys", "key", id, tail, NULL, NULL, "{}", json);
}

postq_err postq_client_key_delete(struct postq_client *c, const char *id, char **json)
{
    return call_on(c, "DELETE", "/v1/hybrid-keys", "key", id, NULL, NULL, NULL, NULL, json);
}

postq_err postq_client_key_create(struct postq_client *c, const char *name,
                                  const char *algorithm, const char *provider,
                                  const char *policy_id, char **json)
{
    json_t *o;
    char *body;
    postq_err err;

    if (!check_client(c, json) || name == NULL || provider == NULL) {
        return POSTQ_E_ARG;
    }
    o = json_object();
    if (o == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (json_object_set_new(o, "name", json_string(name)) != 0 ||
        json_object_set_new(o, "pqProvider", json_string(provider)) != 0 ||
        (algorithm != NULL && json_object_set_new(o, "algorithm", json_string(algorithm)) != 0) ||
        (policy_id != NULL &&
         json_object_set_new(o, "attestationPolicyId", json_string(policy_id)) != 0)) {
        json_decref(o);
        set_error(c, "", "key: name, algorithm, provider and policy must be UTF-8 text");
        return POSTQ_E_ARG;
    }
    body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (body == NULL) {
        return POSTQ_E_NOMEM;
    }
    err = post_json(c, "/v1/hybrid-keys", body, json);
    free(body);
    return err;
}

postq_err postq_client_key_list(struct postq_client *c, int limit, const char *cursor,
                                char **json)
{
    if (!check_client(c, json)) {
        return POSTQ_E_ARG;
    }
    return list(c, "/v1/hybrid-keys", NULL, limit, cursor, json);
}

postq_err postq_client_key_get(struct postq_client *c, const char *id, char **json)
{
    return get_one(c, "/v1/hybrid-keys", "key", id, json);
}

/* ---- sign ---- */

static postq_err sign_request(struct postq_client *c, const char *key_id, struct request *r,
                              char **json)
{
    static const char *const names[] = {"keyId"};
    const char *values[1] = {key_id};
    char *url = NULL;
    postq_err err;

    if (bad_id(c, "sign: key", key_id)) {
        return POSTQ_E_ARG;
    }
    err = make_url(c, &url, "/v1/sign", NULL, 1, names, values);
    if (err != POSTQ_OK) {
        return err;
    }
    r->url = url;
    err = perform(c, r, json);
    postq_free(url);
    return err;
}

postq_err postq_client_sign(struct postq_client *c, const char *key_id, const uint8_t *payload,
                            size_t payload_len, char **json)
{
    struct request r = {"POST", NULL, "application/octet-stream", payload, payload_len, NULL, 1};

    if (!check_client(c, json) || (payload == NULL && payload_len != 0)) {
        return POSTQ_E_ARG;
    }
    return sign_request(c, key_id, &r, json);
}

postq_err postq_client_sign_file(struct postq_client *c, const char *key_id, const char *path,
                                 char **json)
{
    struct request r = {"POST", NULL, "application/octet-stream", NULL, 0, NULL, 1};
    struct stat st;
    postq_err err;

    if (!check_client(c, json) || path == NULL) {
        return POSTQ_E_ARG;
    }
    r.file = fopen(path, "rb");
    if (r.file == NULL) {
        set_error(c, "", "payload: %s: %s", path, strerror(errno));
        return POSTQ_E_IO;
    }
    if (fstat(fileno(r.file), &st) != 0 || !S_ISREG(st.st_mode)) {
        set_error(c, "", "payload: %s: not a regular file", path);
        fclose(r.file);
        return POSTQ_E_IO;
    }
    r.body_len = (size_t)st.st_size;
    err = sign_request(c, key_id, &r, json);
    fclose(r.file);
    return err;
}

/* ---- signatures ---- */

postq_err postq_client_signatures_list(struct postq_client *c, const char *key_id, int limit,
                                       const char *cursor, char **json)
{
    if (!check_client(c, json)) {
        return POSTQ_E_ARG;
    }
    return list(c, "/v1/signatures", key_id, limit, cursor, json);
}

postq_err postq_client_signature_get(struct postq_client *c, const char *id, char **json)
{
    return get_one(c, "/v1/signatures", "signature", id, json);
}

/* ---- the transparency log ---- */

postq_err postq_client_log_info(struct postq_client *c, char **json)
{
    if (!check_client(c, json)) {
        return POSTQ_E_ARG;
    }
    return get(c, "/v1/log", NULL, 0, NULL, NULL, json);
}

postq_err postq_client_log_proof(struct postq_client *c, int64_t from, int64_t to, char **json)
{
    static const char *const names[] = {"from", "to"};
    char f[24], t[24];
    const char *values[2] = {f, to >= 0 ? t : NULL};

    if (!check_client(c, json) || from < 0) {
        return POSTQ_E_ARG;
    }
    snprintf(f, sizeof(f), "%lld", (long long)from);
    snprintf(t, sizeof(t), "%lld", (long long)to);
    return get(c, "/v1/log/proof", NULL, 2, names, values, json);
}

postq_err postq_client_signature_proof(struct postq_client *c, const char *id, char **json)
{
    char path[160];
    if (!check_client(c, json) || bad_id(c, "signature", id)) {
        return POSTQ_E_ARG;
    }
    if (strchr(id, '/') != NULL || strchr(id, '?') != NULL || strchr(id, '%') != NULL) {
        set_error(c, "", "signature: not an id");
        return POSTQ_E_ARG;
    }
    snprintf(path, sizeof(path), "/v1/signatures/%s/proof", id);
    return get(c, path, NULL, 0, NULL, NULL, json);
}

postq_err postq_client_log_entries(struct postq_client *c, int64_t tile, int width,
                                   uint8_t **data, size_t *len)
{
    struct request r = {"GET", NULL, NULL, NULL, 0, NULL, 0};
    char path[96], digits[24], *url = NULL;
    size_t n, at = 0;
    postq_err err;

    if (data != NULL) {
        *data = NULL;
    }
    if (len != NULL) {
        *len = 0;
    }
    if (c == NULL || data == NULL || len == NULL || tile < 0 || width < 1 || width > 256) {
        return POSTQ_E_ARG;
    }
    /* tlog-tiles: the index in groups of three digits, "x" before all but the last. */
    n = (size_t)snprintf(digits, sizeof(digits), "%lld", (long long)tile);
    at = (size_t)snprintf(path, sizeof(path), "/v1/log/tile/entries/");
    {
        size_t groups = (n + 2) / 3, pad = groups * 3 - n;
        char full[32];
        memset(full, '0', pad);
        memcpy(full + pad, digits, n + 1);
        for (size_t g = 0; g < groups; g++) {
            at += (size_t)snprintf(path + at, sizeof(path) - at, "%s%.3s",
                                   g + 1 < groups ? "x" : "", full + 3 * g);
            if (g + 1 < groups) {
                at += (size_t)snprintf(path + at, sizeof(path) - at, "/");
            }
        }
    }
    if (width < 256) {
        snprintf(path + at, sizeof(path) - at, ".p/%d", width);
    }
    err = make_url(c, &url, path, NULL, 0, NULL, NULL);
    if (err != POSTQ_OK) {
        return err;
    }
    r.url = url;
    err = perform_len(c, &r, (char **)data, len);
    postq_free(url);
    return err;
}

/* ---- reading results ---- */

postq_err postq_json_string(const char *json, const char *path, char *out, size_t cap)
{
    json_t *root;
    const json_t *v;
    char name[128];
    const char *p;
    postq_err err = POSTQ_OK;

    if (json == NULL || path == NULL || out == NULL || cap == 0) {
        return POSTQ_E_ARG;
    }
    out[0] = '\0';
    root = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
    if (root == NULL) {
        return POSTQ_E_MALFORMED;
    }
    v = root;
    p = path;
    while (v != NULL) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof(name)) {
            v = NULL;
            break;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        v = json_object_get(v, name);
        if (p[n] == '\0') {
            break;
        }
        p += n + 1;
    }
    if (!json_is_string(v)) {
        err = POSTQ_E_NOT_FOUND;
    } else if (json_string_length(v) >= cap) {
        err = POSTQ_E_TOO_LARGE;
    } else {
        memcpy(out, json_string_value(v), json_string_length(v) + 1);
    }
    json_decref(root);
    return err;
}

postq_err postq_signature_info_parse(struct postq_signature_info *out, const char *json)
{
    struct postq_sign_result *r;
    char detail[256];
    postq_err err;

    if (out == NULL || json == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    r = postq_malloc(sizeof(*r));
    if (r == NULL) {
        return POSTQ_E_NOMEM;
    }
    err = postq_sign_result_parse(r, json, strlen(json), detail, sizeof(detail));
    if (err == POSTQ_OK) {
        snprintf(out->id, sizeof(out->id), "%s", r->id);
        snprintf(out->key_id, sizeof(out->key_id), "%s", r->key_id);
        snprintf(out->algorithm, sizeof(out->algorithm), "%s", r->algorithm);
        if (postq_hex_encode(out->payload_sha256, sizeof(out->payload_sha256), r->payload_sha256,
                             32) != POSTQ_OK) {
            err = POSTQ_E_INTERNAL;
        }
        memcpy(out->signature, r->signature, r->sig_len);
        out->signature_len = r->sig_len;
        out->has_attestation = r->has_attestation;
        snprintf(out->vendor, sizeof(out->vendor), "%s", r->vendor);
        snprintf(out->verdict, sizeof(out->verdict), "%s", r->verdict);
        snprintf(out->reason, sizeof(out->reason), "%s", r->reason);
        out->counter = r->counter;
        snprintf(out->doc_b64, sizeof(out->doc_b64), "%s", r->doc_b64);
    }
    postq_free(r);
    return err;
}
