/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP layer on libmicrohttpd (the one file that includes microhttpd.h): a thread per
 * connection with an explicit stack, connection timeouts, a body cap decided per request
 * before a byte of the body is read, and one arena per request released when MHD says the
 * request is over. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "common/mem.h"
#include "server/server.h"

/* The most a request's announced Content-Length reserves before its bytes arrive: every JSON
 * body (capped at 1 MiB) fits in one allocation. */
#define PRESIZE_MAX ((unsigned long long)1 << 20)

struct postq_http_server {
    struct MHD_Daemon *d;
    struct postq_http_app app;
};

/* One request's state, from its first access callback to its completion callback. */
struct req_state {
    struct postq_buf body;
    size_t cap;
    int too_large;
    int answered;
    struct postq_arena arena;
};

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct postq_http_resp *r);

/* ---- strict framing [RFC 9112 §6.3] ---- */

struct framing {
    unsigned n_length;       /* Content-Length headers */
    const char *length;      /* the first one's value */
    int differ;              /* two Content-Length values that are not the same */
    int chunked;             /* a Transfer-Encoding header */
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_size, const char *value, size_t value_size)
{
    struct framing *f = cls;
    (void)kind;
    (void)key_size;
    (void)value_size;

    if (strcasecmp(key, "Content-Length") == 0) {
        if (f->n_length++ == 0) {
            f->length = value;
        } else if (value == NULL || f->length == NULL || strcmp(value, f->length) != 0) {
            f->differ = 1;
        }
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->chunked = 1;
    }
    return MHD_YES;
}

/* Why the request's framing is refused, or NULL. Behind a proxy a request whose length can be
 * read two ways is a smuggling vector: two different Content-Lengths, or a Content-Length
 * beside Transfer-Encoding, are refused rather than resolved. */
static const char *framing_refused(struct MHD_Connection *conn)
{
    struct framing f;

    memset(&f, 0, sizeof(f));
    (void)MHD_get_connection_values_n(conn, MHD_HEADER_KIND, framing_header, &f);
    if (f.differ) {
        return "conflicting Content-Length headers";
    }
    if (f.n_length > 0 && f.chunked) {
        return "both Content-Length and Transfer-Encoding";
    }
    return NULL;
}

/* %HH decoding of the path and the query, except %00, which stays as it is: a NUL in the
 * middle of a path or a value would cut it short in every C string that reads it
 * ("/v1/hybrid-keys/<id>%00junk" read as <id>); kept escaped, the id is simply not valid. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *w = s;
    (void)cls;
    (void)c;

    for (const char *r = s; *r != '\0'; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2]) &&
            !(r[1] == '0' && r[2] == '0')) {
            char hex[3] = {r[1], r[2], '\0'};
            *w++ = (char)strtoul(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static enum MHD_Result refuse(struct MHD_Connection *conn, struct req_state *st, const char *why)
{
    struct postq_http_resp resp;
    enum MHD_Result ret;

    memset(&resp, 0, sizeof(resp));
    postq_buf_init(&resp.body, POSTQ_API_JSON_MAX);
    resp.status = 400;
    resp.content_type = "application/json";
    if (postq_buf_append_str(&resp.body, "{\"error\":{\"code\":\"bad_request\",\"message\":\"") !=
            POSTQ_OK ||
        postq_buf_append_str(&resp.body, why) != POSTQ_OK ||
        postq_buf_append_str(&resp.body, "\"}}") != POSTQ_OK) {
        resp.status = 500;
    }
    ret = send_resp(conn, &resp);
    postq_buf_free(&resp.body);
    st->answered = 1;
    return ret;
}

static const char *query_get(const struct postq_http_req *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn_,
                                       MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct postq_http_resp *r)
{
    struct MHD_Response *m;
    enum MHD_Result ret;

    m = MHD_create_response_from_buffer(r->body.len, r->body.p, MHD_RESPMEM_MUST_COPY);
    if (m == NULL) {
        return MHD_NO;
    }
    if (r->content_type != NULL && r->body.len > 0) {
        (void)MHD_add_response_header(m, "Content-Type", r->content_type);
    }
    (void)MHD_add_response_header(m, "Cache-Control", "no-store");
    if (r->request_id[0] != '\0') {
        (void)MHD_add_response_header(m, "X-Request-Id", r->request_id);
    }
    if (r->allow != NULL) {
        (void)MHD_add_response_header(m, "Allow", r->allow);
    }
    if (r->retry_after != 0) {
        char ra[16];
        (void)snprintf(ra, sizeof(ra), "%u", r->retry_after);
        (void)MHD_add_response_header(m, "Retry-After", ra);
    }
    (void)MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
    /* Every response, the dashboard's and the API's: only this origin's files, no inline
     * script or style, never framed, no Referer sent anywhere. */
    (void)MHD_add_response_header(m, "Content-Security-Policy", POSTQ_API_CSP);
    (void)MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
    (void)MHD_add_response_header(m, "X-Frame-Options", "DENY");
    ret = MHD_queue_response(conn, (unsigned)(r->status > 0 ? r->status : 500), m);
    MHD_destroy_response(m);
    return ret;
}

static enum MHD_Result answer(struct postq_http_server *s, struct MHD_Connection *conn,
                              struct req_state *st, const char *url, const char *method)
{
    struct postq_http_req req;
    struct postq_http_resp resp;
    enum MHD_Result ret;

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = url;
    req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    req.body = postq_buf_bytes(&st->body);
    req.body_too_large = st->too_large;
    req.query = query_get;
    req.conn_ = conn;
    req.arena = &st->arena;
    memset(&resp, 0, sizeof(resp));
    postq_buf_init(&resp.body, POSTQ_API_JSON_MAX);
    s->app.handle(s->app.ctx, &req, &resp);
    ret = send_resp(conn, &resp);
    postq_buf_free(&resp.body);
    st->answered = 1;
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    struct postq_http_server *s = cls;
    struct req_state *st = *con_cls;
    (void)version;

    if (st == NULL) {
        const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        st = postq_calloc(1, sizeof(*st));
        if (st == NULL) {
            return MHD_NO;
        }
        postq_arena_init(&st->arena);
        st->cap = s->app.body_cap(
            s->app.ctx, method, url, ctype,
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"));
        postq_buf_init(&st->body, st->cap);
        *con_cls = st;
        {
            const char *why = framing_refused(conn);
            if (why != NULL) {
                return refuse(conn, st, why);
            }
        }
        if (clen != NULL) {
            char *end;
            unsigned long long n = strtoull(clen, &end, 10);
            /* Within the cap, the body gets one allocation of the announced size (up to
             * PRESIZE_MAX) rather than doublings up to it. The header is only a size hint: the
             * body is what MHD hands over (never more than Content-Length bytes; a chunked
             * body, which overrides the header, arrives whole), appended with the cap still
             * enforced, so a shorter body leaves room unused and a longer one grows as without
             * the header. Past PRESIZE_MAX a raw payload grows by doubling as it arrives, so a
             * client that announces 64 MiB and sends nothing holds 1 MiB, not 64. Over the
             * cap, or with no memory for it: refused before the body is read (MHD closes the
             * connection after), as a failed append below is. */
            if (*end != '\0' || n > st->cap ||
                postq_buf_reserve(&st->body, (size_t)(n < PRESIZE_MAX ? n : PRESIZE_MAX)) !=
                    POSTQ_OK) {
                st->too_large = 1;
                return answer(s, conn, st, url, method);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!st->too_large && !st->answered &&
            postq_buf_append(&st->body, upload_data, *upload_data_size) != POSTQ_OK) {
            st->too_large = 1;
            postq_buf_free(&st->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->answered) {
        return MHD_YES;
    }
    return answer(s, conn, st, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req_state *st = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (st != NULL) {
        postq_buf_free(&st->body);
        postq_arena_release(&st->arena);
        postq_free(st);
        *con_cls = NULL;
    }
}

static postq_err parse_listen(const char *listen, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    char *end;
    unsigned long port;
    size_t n;

    if (colon == NULL) {
        return POSTQ_E_ARG;
    }
    n = (size_t)(colon - listen);
    if (n == 0 || n >= sizeof(host)) {
        return POSTQ_E_ARG;
    }
    memcpy(host, listen, n);
    host[n] = '\0';
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port > 65535) {
        return POSTQ_E_ARG;
    }
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0) {
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        return POSTQ_E_ARG;
    }
    return POSTQ_OK;
}

postq_err postq_http_start(struct postq_http_server **out, const char *listen, unsigned max_conns,
                           const struct postq_http_app *app, char *bound, size_t bound_cap)
{
    struct sockaddr_in sa, got;
    socklen_t len = sizeof(got);
    const union MHD_DaemonInfo *info;
    struct postq_http_server *s;
    char ip[INET_ADDRSTRLEN];
    postq_err err;

    *out = NULL;
    err = parse_listen(listen, &sa);
    if (err != POSTQ_OK) {
        return err;
    }
    s = postq_calloc(1, sizeof(*s));
    if (s == NULL) {
        return POSTQ_E_NOMEM;
    }
    s->app = *app;
    /* A thread per connection: the handlers block (enclave call, verification, durable
     * commit), and in MHD's thread pool every connection stays on the worker that accepted
     * it, so two clients that land on one worker take turns even with cores to spare (seen as
     * a bimodal POST /v1/sign rate, 550 or 880 per second at 2 clients, from run to run). */
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_access, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)POSTQ_API_THREAD_STACK,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)POSTQ_API_CONN_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(max_conns > 0 ? max_conns : 1),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)256, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
    if (s->d == NULL) {
        postq_free(s);
        return POSTQ_E_NETWORK;
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_LISTEN_FD);
    if (info == NULL || getsockname(info->listen_fd, (struct sockaddr *)&got, &len) != 0 ||
        inet_ntop(AF_INET, &got.sin_addr, ip, sizeof(ip)) == NULL) {
        postq_http_stop(s);
        return POSTQ_E_NETWORK;
    }
    if (snprintf(bound, bound_cap, "%s:%u", ip, (unsigned)ntohs(got.sin_port)) < 0) {
        postq_http_stop(s);
        return POSTQ_E_INTERNAL;
    }
    *out = s;
    return POSTQ_OK;
}

void postq_http_stop(struct postq_http_server *s)
{
    if (s == NULL) {
        return;
    }
    MHD_stop_daemon(s->d);
    postq_free(s);
}
