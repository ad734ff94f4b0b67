/* SPDX-License-Identifier: Apache-2.0 */
/* The socket server. One dispatcher thread polls the listening socket, every connection and a
 * signalfd, and assembles frames with non-blocking reads; only a complete request goes on the
 * bounded queue to a worker thread (explicit stack size: ML-DSA-87 signing needs ~120 KiB),
 * which answers it and hands the connection back. So workers never wait for a client: a slow
 * or stalled sender costs no worker at all, and is dropped when its frame is not complete
 * within io_timeout_ms of its first byte. SIGTERM/SIGINT finish the requests in flight, then
 * remove the socket file. */
#include "enclave/enclave.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "proto/enclave_proto.h"

#define WORKER_STACK_BYTES ((size_t)1 << 20)
#define REPLY_MAX ((size_t)1 << 20)
#define RX_KEEP_BYTES ((size_t)1 << 20) /* a larger receive buffer is freed after its request */

/* One connection. The dispatcher owns it while busy is 0; once queued (busy 1) a worker owns
 * it, and may set dead, until it comes back through the back list. Only the dispatcher touches
 * busy, and while busy is 1 it reads no other field: both handovers (queue, back list) go
 * through s->mu, which orders each owner's writes before the next owner's reads. */
struct conn {
    int fd;
    int busy;
    int dead;               /* to be closed and freed by the dispatcher */
    uint8_t prefix[4];
    size_t prefix_got;
    size_t body_len;
    struct postq_buf rx;    /* the body being assembled */
    int64_t deadline;       /* the frame in progress must be complete by then; 0: none */
    int64_t last;           /* last activity, for the idle timeout */
};

struct server {
    struct postq_enclave *e;
    const struct postq_enclave_server_opts *o;
    pthread_mutex_t mu;  /* guards queue, back and stopping */
    pthread_cond_t cv;
    struct conn **queue; /* complete requests waiting for a worker: capacity max_conns */
    size_t q_head, q_len;
    struct conn **back;  /* connections the workers handed back */
    size_t back_len;
    int stopping;
    int wake[2];         /* workers -> dispatcher */
    /* The dispatcher's own. */
    int lfd, sfd;                /* listening socket, signalfd */
    pthread_t *threads;
    int n_threads;
    struct conn **conns;         /* every open connection, in accept order */
    size_t n_conns;
    struct conn **polled;        /* this round's polled connections: pfds[3 + i] is polled[i] */
    struct pollfd *pfds;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_free(struct conn *c)
{
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    postq_buf_free(&c->rx);
    postq_free(c);
}

/* Ready the connection for its next frame. */
static void conn_rearm(struct conn *c)
{
    c->prefix_got = 0;
    c->body_len = 0;
    c->deadline = 0;
    if (c->rx.cap > RX_KEEP_BYTES) {
        postq_buf_free(&c->rx);
    } else {
        postq_buf_reset(&c->rx);
    }
}

static void *worker(void *arg)
{
    struct server *s = arg;
    struct postq_buf tx;

    postq_buf_init(&tx, REPLY_MAX);
    for (;;) {
        struct conn *c;
        postq_err err;

        pthread_mutex_lock(&s->mu);
        while (s->q_len == 0 && !s->stopping) {
            pthread_cond_wait(&s->cv, &s->mu);
        }
        if (s->q_len == 0) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        c = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % (size_t)s->o->max_conns;
        s->q_len--;
        pthread_mutex_unlock(&s->mu);

        postq_buf_reset(&tx);
        err = postq_enclave_handle(s->e, c->rx.p, c->rx.len, &tx);
        if (err != POSTQ_OK ||
            postq_proto_write2(c->fd, tx.p, tx.len, NULL, 0, s->o->io_timeout_ms) != POSTQ_OK) {
            c->dead = 1; /* no reply could be made or delivered */
        }
        postq_buf_reset(&tx);
        conn_rearm(c);

        pthread_mutex_lock(&s->mu);
        s->back[s->back_len++] = c;
        pthread_mutex_unlock(&s->mu);
        if (write(s->wake[1], "w", 1) < 0) {
            /* the pipe is full: the dispatcher is already due to wake */
        }
    }
    postq_buf_free(&tx);
    return NULL;
}

/* Reading outcomes. */
enum { READ_MORE, READ_FRAME, READ_CLOSE, READ_TOO_LARGE, READ_SHORT };

/* Read what the peer has sent, without blocking, into c's frame. */
static int read_some(struct server *s, struct conn *c, int64_t now)
{
    for (;;) {
        ssize_t r;

        if (c->prefix_got < 4) {
            r = recv(c->fd, c->prefix + c->prefix_got, 4 - c->prefix_got, MSG_DONTWAIT);
        } else if (c->rx.len < c->body_len) {
            /* Into the buffer reserved for the whole body: no intermediate copy. */
            r = recv(c->fd, c->rx.p + c->rx.len, c->body_len - c->rx.len, MSG_DONTWAIT);
        } else {
            return READ_FRAME;
        }
        if (r == 0) {
            return READ_CLOSE; /* end of stream, between frames or inside one */
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN || errno == EWOULDBLOCK ? READ_MORE : READ_CLOSE;
        }
        c->last = now;
        if (c->prefix_got < 4) {
            if (c->prefix_got == 0) {
                c->deadline = now + s->o->io_timeout_ms; /* the frame's first byte */
            }
            c->prefix_got += (size_t)r;
            if (c->prefix_got == 4) {
                postq_err err = postq_proto_frame_len(c->prefix, &c->body_len);
                if (err != POSTQ_OK) {
                    return err == POSTQ_E_TOO_LARGE ? READ_TOO_LARGE : READ_SHORT;
                }
                postq_buf_reset(&c->rx);
                /* Untouched pages of a large reservation cost no memory until data arrives. */
                if (postq_buf_reserve(&c->rx, c->body_len) != POSTQ_OK) {
                    return READ_CLOSE;
                }
            }
        } else {
            c->rx.len += (size_t)r;
            c->rx.p[c->rx.len] = 0; /* keep the buffer's terminator invariant */
        }
    }
}

/* The framing itself is broken: say so (best effort, never blocking), then hang up, since the
 * rest of the stream cannot be resynchronised. */
static void refuse_frame(struct conn *c, int status, const char *message)
{
    struct postq_buf b;

    postq_buf_init(&b, 512);
    if (postq_enclave_error_reply(&b, status, message) == POSTQ_OK) {
        (void)send(c->fd, b.p, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    postq_buf_free(&b);
    c->dead = 1;
}

static postq_err listen_on(const char *path, int *out)
{
    struct sockaddr_un sa;
    struct stat st;
    size_t n = strlen(path);
    mode_t old;
    int fd, r;

    *out = -1;
    memset(&sa, 0, sizeof(sa));
    if (n == 0 || n >= sizeof(sa.sun_path)) {
        return POSTQ_E_ARG;
    }
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, n);
    /* A socket file left by a daemon that was killed: remove it unless someone answers. */
    if (lstat(path, &st) == 0) {
        int probe;
        if (!S_ISSOCK(st.st_mode)) {
            return POSTQ_E_CONFLICT;
        }
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (const struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(probe);
            return POSTQ_E_CONFLICT;
        }
        if (probe >= 0) {
            close(probe);
        }
        (void)unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return POSTQ_E_IO;
    }
    old = umask(0177); /* the socket file is created 0600, never wider even for an instant */
    r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r != 0 || chmod(path, 0600) != 0 || listen(fd, 128) != 0) {
        close(fd);
        return POSTQ_E_IO;
    }
    *out = fd;
    return POSTQ_OK;
}

static void accept_all(struct server *s, int64_t now)
{
    for (;;) {
        int cfd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        struct conn *c;

        if (cfd < 0) {
            return;
        }
        if (s->n_conns >= (size_t)s->o->max_conns) {
            struct conn tmp = {.fd = cfd};
            refuse_frame(&tmp, POSTQ_PROTO_E_BUSY, "too many connections");
            close(cfd);
            continue;
        }
        c = postq_calloc(1, sizeof(*c));
        if (c == NULL) {
            close(cfd);
            continue;
        }
        c->fd = cfd;
        c->last = now;
        postq_buf_init(&c->rx, POSTQ_PROTO_FRAME_MAX);
        s->conns[s->n_conns++] = c;
    }
}

/* The socket, the signalfd, the queues and the workers. On failure what was made is left for
 * server_shutdown. */
static postq_err server_setup(struct server *s, struct postq_enclave *e,
                              const struct postq_enclave_server_opts *o)
{
    size_t max = (size_t)o->max_conns;
    pthread_attr_t attr;
    sigset_t mask;
    postq_err err;

    memset(s, 0, sizeof(*s));
    s->e = e;
    s->o = o;
    s->wake[0] = s->wake[1] = -1;
    s->lfd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    /* Blocked before any thread starts, so only the signalfd sees them. */
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit reached (RLIMIT_FSIZE) is a failed write to report, not a reason to die
     * in the middle of a commit. */
    signal(SIGXFSZ, SIG_IGN);
    s->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    s->queue = postq_calloc(max, sizeof(*s->queue));
    s->back = postq_calloc(max, sizeof(*s->back));
    s->conns = postq_calloc(max, sizeof(*s->conns));
    s->polled = postq_calloc(max, sizeof(*s->polled));
    s->pfds = postq_calloc(max + 3, sizeof(*s->pfds));
    s->threads = postq_calloc((size_t)o->workers, sizeof(*s->threads));
    if (s->sfd < 0 || s->queue == NULL || s->back == NULL || s->conns == NULL ||
        s->polled == NULL || s->pfds == NULL || s->threads == NULL ||
        pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        return POSTQ_E_NOMEM;
    }
    err = listen_on(o->socket_path, &s->lfd);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-enclave: cannot listen on unix:%s: %s\n", o->socket_path,
                err == POSTQ_E_CONFLICT ? "another process is listening there (or it is not "
                                          "a socket)"
                : err == POSTQ_E_ARG    ? "path too long for a Unix socket"
                                        : strerror(errno));
        return err;
    }
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK_BYTES);
    for (; s->n_threads < o->workers; s->n_threads++) {
        if (pthread_create(&s->threads[s->n_threads], &attr, worker, s) != 0) {
            break;
        }
    }
    pthread_attr_destroy(&attr);
    return s->n_threads == 0 ? POSTQ_E_INTERNAL : POSTQ_OK;
}

/* Connections the workers are done with are the dispatcher's again. */
static void take_back(struct server *s, int64_t now)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->back_len; i++) {
        s->back[i]->busy = 0;
        s->back[i]->last = now;
    }
    s->back_len = 0;
    pthread_mutex_unlock(&s->mu);
}

/* Bytes from clients: complete frames go to the workers. */
static void read_clients(struct server *s, size_t n_polled, int64_t now)
{
    size_t max = (size_t)s->o->max_conns;

    for (size_t i = 0; i < n_polled; i++) {
        struct conn *c = s->polled[i];
        if (s->pfds[3 + i].revents == 0) {
            continue;
        }
        switch (read_some(s, c, now)) {
        case READ_MORE:
            break;
        case READ_FRAME:
            c->busy = 1;
            pthread_mutex_lock(&s->mu);
            s->queue[(s->q_head + s->q_len) % max] = c;
            s->q_len++;
            pthread_cond_signal(&s->cv);
            pthread_mutex_unlock(&s->mu);
            break;
        case READ_TOO_LARGE:
            refuse_frame(c, POSTQ_PROTO_E_TOO_LARGE, "frame over 64 MiB + 64 KiB");
            break;
        case READ_SHORT:
            refuse_frame(c, POSTQ_PROTO_E_MALFORMED, "frame shorter than a header");
            break;
        default:
            c->dead = 1;
            break;
        }
    }
}

/* Deadlines: a frame not complete in time, a connection idle too long. Then drop the dead,
 * keeping the order of the rest. */
static void sweep(struct server *s, int64_t now)
{
    size_t kept = 0;

    for (size_t i = 0; i < s->n_conns; i++) {
        struct conn *c = s->conns[i];
        if (c->busy) {
            s->conns[kept++] = c; /* a worker's: not even dead is ours to read */
            continue;
        }
        if (!c->dead && ((c->deadline != 0 && now > c->deadline) ||
                         (c->deadline == 0 && now - c->last > s->o->idle_timeout_ms))) {
            c->dead = 1;
        }
        if (c->dead) {
            conn_free(c);
        } else {
            s->conns[kept++] = c;
        }
    }
    s->n_conns = kept;
}

/* One round of the dispatcher: wait (at most 250 ms) for the listening socket, a signal, a
 * worker handing a connection back or bytes on a connection no worker holds, and act on each.
 * *stop is set on SIGTERM or SIGINT. */
static postq_err dispatch_round(struct server *s, int *stop)
{
    size_t np = 0, n_polled = 0;
    int64_t now;
    int r;

    s->pfds[np++] = (struct pollfd){s->lfd, POLLIN, 0};
    s->pfds[np++] = (struct pollfd){s->sfd, POLLIN, 0};
    s->pfds[np++] = (struct pollfd){s->wake[0], POLLIN, 0};
    for (size_t i = 0; i < s->n_conns; i++) {
        if (!s->conns[i]->busy) {
            s->polled[n_polled++] = s->conns[i];
            s->pfds[np++] = (struct pollfd){s->conns[i]->fd, POLLIN, 0};
        }
    }
    r = poll(s->pfds, np, 250);
    if (r < 0 && errno != EINTR) {
        return POSTQ_E_IO;
    }
    if (s->pfds[1].revents != 0) {
        struct signalfd_siginfo si;
        if (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            fprintf(stderr, "postq-enclave: signal %u, shutting down\n", si.ssi_signo);
            *stop = 1;
            return POSTQ_OK;
        }
    }
    now = mono_ms();
    if (s->pfds[2].revents != 0) {
        char drain[64];
        while (read(s->wake[0], drain, sizeof(drain)) > 0) {
        }
    }
    take_back(s, now);
    read_clients(s, n_polled, now);
    sweep(s, now);
    if (s->pfds[0].revents != 0) {
        accept_all(s, now);
    }
    return POSTQ_OK;
}

/* Stop taking work, let the workers finish what they hold, then close everything. */
static void server_shutdown(struct server *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    s->q_len = 0; /* queued requests are dropped with their connections below */
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->n_threads; i++) {
        pthread_join(s->threads[i], NULL);
    }
    for (size_t i = 0; i < s->n_conns; i++) {
        conn_free(s->conns[i]);
    }
    if (s->lfd >= 0) {
        close(s->lfd);
        (void)unlink(s->o->socket_path);
    }
    if (s->sfd >= 0) {
        close(s->sfd);
    }
    if (s->wake[0] >= 0) {
        close(s->wake[0]);
        close(s->wake[1]);
    }
    postq_free(s->queue);
    postq_free(s->back);
    postq_free(s->conns);
    postq_free(s->polled);
    postq_free(s->pfds);
    postq_free(s->threads);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

postq_err postq_enclave_serve(struct postq_enclave *e, const struct postq_enclave_server_opts *o)
{
    struct server s;
    int stop = 0;
    postq_err err;

    err = server_setup(&s, e, o);
    if (err == POSTQ_OK) {
        fprintf(stderr, "postq-enclave: listening on unix:%s (moduleId %s, %d workers)\n",
                o->socket_path, e->module_id, s.n_threads);
    }
    while (err == POSTQ_OK && !stop) {
        err = dispatch_round(&s, &stop);
    }
    server_shutdown(&s);
    return err;
}
