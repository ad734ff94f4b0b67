/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP layer on libmicrohttpd (the one file that includes microhttpd.h). One event-loop
 * thread (epoll) reads and writes every connection, so a client that is slow to send costs a
 * socket and a little memory, never a thread. A request whose head and body are complete is
 * suspended and handed to a bounded pool of worker threads, which run the handler (it blocks:
 * the enclave, verification, the durable commit) and resume the connection; the event loop
 * then queues the answer. The request line and headers have a total deadline (a reaper thread
 * closes a connection still waiting for its head past it, however slowly it trickles bytes), and
 * connections are limited in number and per client address. Also: a body cap decided per
 * request before a byte of the body is read, strict framing, and one arena per request
 * released when MHD says the request is over. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "common/mem.h"
#include "common/timefmt.h"
#include "server/server.h"

/* The most a request's announced Content-Length reserves before its bytes arrive: every JSON
 * body (capped at 1 MiB) fits in one allocation. */
#define PRESIZE_MAX ((unsigned long long)1 << 20)

#define REAP_EVERY_MS 250 /* how often the header deadline is checked */

/* One connection, from MHD's STARTED notification to its CLOSED one, for the header deadline.
 * Fields under the server's mu. */
struct track {
    struct track *prev, *next;
    int fd;
    int waiting;     /* for a request head: since it opened, or since its last request ended */
    int64_t since_ms;
    int reaped;      /* shut down by the reaper already */
};

/* One request's state, from its first access callback to its completion callback. */
struct req_state {
    struct postq_buf body;
    size_t cap;
    int too_large;
    int answered;
    struct postq_arena arena;
    /* handed to a worker: the connection (suspended meanwhile), the answer it made */
    struct req_state *next;
    struct MHD_Connection *conn;
    const char *url, *method;
    int dispatched, ready;
    struct postq_http_resp resp;
};

struct postq_http_server {
    struct MHD_Daemon *d;
    struct postq_http_app app;
    struct postq_http_limits lim;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* a request queued, or quit */
    pthread_cond_t idle;  /* in_flight fell to 0 */
    pthread_cond_t tick;  /* the reaper's sleep; signalled on stop */
    struct req_state *head, *tail; /* requests waiting for a worker */
    unsigned in_flight;   /* dispatched and not yet resumed */
    int stopping;         /* new requests are answered 503 at once */
    int quit;             /* workers and reaper exit */
    pthread_t *workers;
    unsigned n_workers;
    pthread_t reaper;
    int have_reaper;
    struct track tracks;  /* sentinel of the list of open connections */
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

/* r as {"error":{"code":code,"message":message}} (both plain ASCII of this file). */
static void error_resp(struct postq_http_resp *r, int status, const char *code,
                       const char *message)
{
    memset(r, 0, sizeof(*r));
    postq_buf_init(&r->body, POSTQ_API_JSON_MAX);
    r->status = status;
    r->content_type = "application/json";
    if (postq_buf_append_str(&r->body, "{\"error\":{\"code\":\"") != POSTQ_OK ||
        postq_buf_append_str(&r->body, code) != POSTQ_OK ||
        postq_buf_append_str(&r->body, "\",\"message\":\"") != POSTQ_OK ||
        postq_buf_append_str(&r->body, message) != POSTQ_OK ||
        postq_buf_append_str(&r->body, "\"}}") != POSTQ_OK) {
        r->status = 500;
    }
}

static enum MHD_Result send_ready(struct MHD_Connection *conn, struct req_state *st);

static enum MHD_Result refuse(struct MHD_Connection *conn, struct req_state *st, const char *why)
{
    error_resp(&st->resp, 400, "bad_request", why);
    return send_ready(conn, st);
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

/* Run the application on the request into st->resp (any thread; the connection is suspended or
 * the caller is MHD's). */
static void run_handler(struct postq_http_server *s, struct MHD_Connection *conn,
                        struct req_state *st, const char *url, const char *method)
{
    struct postq_http_req req;

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
    memset(&st->resp, 0, sizeof(st->resp));
    postq_buf_init(&st->resp.body, POSTQ_API_JSON_MAX);
    s->app.handle(s->app.ctx, &req, &st->resp);
}

/* Queue st->resp (MHD's thread). */
static enum MHD_Result send_ready(struct MHD_Connection *conn, struct req_state *st)
{
    enum MHD_Result ret = send_resp(conn, &st->resp);
    postq_buf_free(&st->resp.body);
    st->answered = 1;
    return ret;
}

/* Answer on MHD's thread: only for what cannot wait (a body over its cap, refused before a byte
 * of it is read; the handler then decides 401, 403 or 413 without the body). */
static enum MHD_Result answer(struct postq_http_server *s, struct MHD_Connection *conn,
                              struct req_state *st, const char *url, const char *method)
{
    run_handler(s, conn, st, url, method);
    return send_ready(conn, st);
}

/* Hand a complete request to the workers: suspend its connection first (a worker may resume it
 * as soon as it is queued), then queue it. When the server is stopping, answer 503 here. */
static enum MHD_Result dispatch(struct postq_http_server *s, struct MHD_Connection *conn,
                                struct req_state *st, const char *url, const char *method)
{
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        error_resp(&st->resp, 503, "unavailable", "the server is stopping");
        return send_ready(conn, st);
    }
    s->in_flight++; /* counted before the lock is let go, so postq_http_stop waits for it */
    pthread_mutex_unlock(&s->mu);
    st->conn = conn;
    st->url = url;
    st->method = method;
    st->dispatched = 1;
    st->next = NULL;
    /* Outside mu: MHD takes its own lock here, and a worker resumes with only that one. */
    MHD_suspend_connection(conn);
    pthread_mutex_lock(&s->mu);
    if (s->tail != NULL) {
        s->tail->next = st;
    } else {
        s->head = st;
    }
    s->tail = st;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    return MHD_YES;
}

static void *worker_main(void *arg)
{
    struct postq_http_server *s = arg;

    for (;;) {
        struct req_state *st;
        struct MHD_Connection *conn;
        int stopping;

        pthread_mutex_lock(&s->mu);
        while (s->head == NULL && !s->quit) {
            pthread_cond_wait(&s->work, &s->mu);
        }
        if (s->head == NULL) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        st = s->head;
        s->head = st->next;
        if (s->head == NULL) {
            s->tail = NULL;
        }
        stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);

        conn = st->conn;
        if (stopping) {
            error_resp(&st->resp, 503, "unavailable", "the server is stopping");
        } else {
            run_handler(s, conn, st, st->url, st->method);
        }
        st->ready = 1;
        /* From here st belongs to MHD's thread again (it may be freed once the answer is out). */
        MHD_resume_connection(conn);
        pthread_mutex_lock(&s->mu);
        if (--s->in_flight == 0) {
            pthread_cond_broadcast(&s->idle);
        }
        pthread_mutex_unlock(&s->mu);
    }
}

/* ---- the request head's deadline ---- */

static struct track *track_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

static void track_wait(struct postq_http_server *s, struct MHD_Connection *conn, int waiting)
{
    struct track *t = track_of(conn);
    if (t != NULL) {
        pthread_mutex_lock(&s->mu);
        t->waiting = waiting;
        t->since_ms = postq_time_now_ms();
        pthread_mutex_unlock(&s->mu);
    }
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct postq_http_server *s = cls;
    struct track *t = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        t = postq_calloc(1, sizeof(*t));
        if (t == NULL || ci == NULL) {
            postq_free(t);
            return; /* untracked: the inactivity timeout still applies */
        }
        t->fd = ci->connect_fd;
        t->waiting = 1;
        t->since_ms = postq_time_now_ms();
        pthread_mutex_lock(&s->mu);
        t->next = s->tracks.next;
        t->prev = &s->tracks;
        s->tracks.next->prev = t;
        s->tracks.next = t;
        pthread_mutex_unlock(&s->mu);
        *socket_context = t;
    } else if (t != NULL) {
        /* MHD notifies CLOSED before it closes the socket: once t is unlinked under mu, the
         * reaper can no longer shut down an fd that another connection may reuse. */
        pthread_mutex_lock(&s->mu);
        t->prev->next = t->next;
        t->next->prev = t->prev;
        pthread_mutex_unlock(&s->mu);
        postq_free(t);
        *socket_context = NULL;
    }
}

static void *reaper_main(void *arg)
{
    struct postq_http_server *s = arg;
    int64_t deadline = (int64_t)s->lim.header_timeout_s * 1000;

    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        struct timespec ts;
        int64_t now = postq_time_now_ms();

        for (struct track *t = s->tracks.next; t != &s->tracks; t = t->next) {
            if (t->waiting && !t->reaped && now - t->since_ms >= deadline) {
                /* MHD sees the end of the stream on its next read and closes the connection. */
                (void)shutdown(t->fd, SHUT_RDWR);
                t->reaped = 1;
            }
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)REAP_EVERY_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&s->tick, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
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
        track_wait(s, conn, 0); /* the head is in: the deadline is met */
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
    if (st->ready && !st->answered) {
        return send_ready(conn, st); /* a worker is done with it */
    }
    if (st->answered || st->dispatched) {
        return MHD_YES;
    }
    return dispatch(s, conn, st, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct postq_http_server *s = cls;
    struct req_state *st = *con_cls;
    (void)toe;
    track_wait(s, conn, 1); /* a kept-alive connection now waits for its next head */
    if (st != NULL) {
        if (st->ready && !st->answered) {
            postq_buf_free(&st->resp.body);
        }
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

void postq_http_limits_default(struct postq_http_limits *l)
{
    l->max_conns = POSTQ_API_MAX_CONNS_DEFAULT;
    l->per_ip = POSTQ_API_PER_IP_DEFAULT;
    l->header_timeout_s = POSTQ_API_HEADER_TIMEOUT_S;
    l->workers = POSTQ_API_WORKERS_DEFAULT;
}

static void stop_threads(struct postq_http_server *s)
{
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_broadcast(&s->work);
    pthread_cond_broadcast(&s->tick);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->n_workers; i++) {
        (void)pthread_join(s->workers[i], NULL);
    }
    s->n_workers = 0;
    if (s->have_reaper) {
        (void)pthread_join(s->reaper, NULL);
        s->have_reaper = 0;
    }
}

static void server_free(struct postq_http_server *s)
{
    postq_free(s->workers);
    pthread_cond_destroy(&s->tick);
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->mu);
    postq_free(s);
}

static postq_err start_threads(struct postq_http_server *s)
{
    pthread_attr_t attr;
    postq_err err = POSTQ_OK;

    s->workers = postq_calloc(s->lim.workers, sizeof(*s->workers));
    if (s->workers == NULL || pthread_attr_init(&attr) != 0) {
        return POSTQ_E_NOMEM;
    }
    /* The handlers verify ML-DSA-87 signatures on these stacks. */
    if (pthread_attr_setstacksize(&attr, POSTQ_API_THREAD_STACK) != 0) {
        err = POSTQ_E_INTERNAL;
    }
    while (err == POSTQ_OK && s->n_workers < s->lim.workers) {
        if (pthread_create(&s->workers[s->n_workers], &attr, worker_main, s) != 0) {
            err = POSTQ_E_NOMEM;
        } else {
            s->n_workers++;
        }
    }
    if (err == POSTQ_OK) {
        if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
            err = POSTQ_E_NOMEM;
        } else {
            s->have_reaper = 1;
        }
    }
    pthread_attr_destroy(&attr);
    return err;
}

postq_err postq_http_start(struct postq_http_server **out, const char *listen,
                           const struct postq_http_limits *limits,
                           const struct postq_http_app *app, char *bound, size_t bound_cap)
{
    struct sockaddr_in sa, got;
    socklen_t len = sizeof(got);
    const union MHD_DaemonInfo *info;
    struct postq_http_server *s;
    char ip[INET_ADDRSTRLEN];
    postq_err err;

    *out = NULL;
    if (limits == NULL || limits->max_conns == 0 || limits->workers == 0 ||
        limits->header_timeout_s == 0) {
        return POSTQ_E_ARG;
    }
    err = parse_listen(listen, &sa);
    if (err != POSTQ_OK) {
        return err;
    }
    s = postq_calloc(1, sizeof(*s));
    if (s == NULL) {
        return POSTQ_E_NOMEM;
    }
    s->app = *app;
    s->lim = *limits;
    s->tracks.next = s->tracks.prev = &s->tracks;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_cond_init(&s->tick, NULL);
    err = start_threads(s);
    if (err != POSTQ_OK) {
        stop_threads(s);
        server_free(s);
        return err;
    }
    /* One event-loop thread on epoll for every connection: reading a request (however slowly
     * it arrives) and writing an answer hold no thread; the handlers, which block, run on the
     * workers. A thread per connection let 1,024 clients that each trickle a header line every
     * few seconds take every slot. */
    s->d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_access, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)POSTQ_API_CONN_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, limits->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        limits->per_ip, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
    if (s->d == NULL) {
        stop_threads(s);
        server_free(s);
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
    /* Every suspended connection must be resumed before MHD_stop_daemon: from now on requests
     * are answered 503 at once (queued ones by the workers), and the running ones finish. */
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    while (s->in_flight > 0) {
        pthread_cond_wait(&s->idle, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    MHD_stop_daemon(s->d);
    stop_threads(s);
    server_free(s);
}
