/* SPDX-License-Identifier: Apache-2.0 */
/* The socket server: one dispatcher thread polls the listening socket, the idle connections
 * and a signalfd; a connection with a request waiting goes on a bounded queue to a worker
 * thread (explicit stack size: ML-DSA-87 signing needs ~120 KiB), which reads one frame under
 * a deadline, answers it and hands the connection back. Idle connections cost no worker, a
 * stalled client holds one worker for at most io_timeout_ms, and SIGTERM/SIGINT finish the
 * requests in flight, then remove the socket file. */
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
#define RX_KEEP_BYTES ((size_t)1 << 20) /* a worker frees a larger receive buffer after use */

struct server {
    struct postq_enclave *e;
    const struct postq_enclave_server_opts *o;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int *queue; /* connections with a request waiting: capacity max_conns */
    size_t q_head, q_len;
    int *back; /* connections the workers handed back to the dispatcher */
    size_t back_len;
    int n_conns; /* every open connection: idle, queued or at a worker */
    int stopping;
    int wake[2]; /* workers -> dispatcher */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_conn(struct server *s, int fd)
{
    close(fd);
    pthread_mutex_lock(&s->mu);
    s->n_conns--;
    pthread_mutex_unlock(&s->mu);
}

/* Serve one request on fd. 1: keep the connection, 0: close it. */
static int serve_one(struct server *s, int fd, struct postq_buf *rx, struct postq_buf *tx)
{
    postq_err err;
    int keep = 1;

    postq_buf_reset(tx);
    err = postq_proto_read_frame(fd, rx, s->o->io_timeout_ms);
    if (err == POSTQ_E_NOT_FOUND || err == POSTQ_E_NETWORK) {
        return 0; /* the peer left, or stalled past the deadline */
    }
    if (err == POSTQ_OK) {
        err = postq_enclave_handle(s->e, rx->p, rx->len, tx);
    } else {
        /* The framing itself is broken (too large, too short): say so, then hang up, since
         * the rest of the stream cannot be resynchronised. */
        err = postq_enclave_error_reply(tx,
                                        err == POSTQ_E_TOO_LARGE ? POSTQ_PROTO_E_TOO_LARGE
                                                                 : POSTQ_PROTO_E_MALFORMED,
                                        err == POSTQ_E_TOO_LARGE ? "frame over 64 MiB + 64 KiB"
                                                                 : "frame shorter than a header");
        keep = 0;
    }
    if (err != POSTQ_OK ||
        postq_proto_write2(fd, tx->p, tx->len, NULL, 0, s->o->io_timeout_ms) != POSTQ_OK) {
        keep = 0;
    }
    if (rx->cap > RX_KEEP_BYTES) {
        postq_buf_free(rx);
    } else {
        postq_buf_reset(rx);
    }
    postq_buf_reset(tx);
    return keep;
}

static void *worker(void *arg)
{
    struct server *s = arg;
    struct postq_buf rx, tx;

    postq_buf_init(&rx, POSTQ_PROTO_FRAME_MAX);
    postq_buf_init(&tx, REPLY_MAX);
    for (;;) {
        int fd;

        pthread_mutex_lock(&s->mu);
        while (s->q_len == 0 && !s->stopping) {
            pthread_cond_wait(&s->cv, &s->mu);
        }
        if (s->q_len == 0) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        fd = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % (size_t)s->o->max_conns;
        s->q_len--;
        pthread_mutex_unlock(&s->mu);

        if (!serve_one(s, fd, &rx, &tx)) {
            close_conn(s, fd);
            continue;
        }
        pthread_mutex_lock(&s->mu);
        s->back[s->back_len++] = fd;
        pthread_mutex_unlock(&s->mu);
        if (write(s->wake[1], "w", 1) < 0) {
            /* the pipe is full: the dispatcher is already due to wake */
        }
    }
    postq_buf_free(&rx);
    postq_buf_free(&tx);
    return NULL;
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

struct idle {
    int fd;
    int64_t since;
};

postq_err postq_enclave_serve(struct postq_enclave *e, const struct postq_enclave_server_opts *o)
{
    struct server s;
    pthread_t *threads = NULL;
    pthread_attr_t attr;
    struct pollfd *pfds = NULL;
    struct idle *idle = NULL;
    size_t n_idle = 0, max = (size_t)o->max_conns;
    int n_threads = 0, lfd = -1, sfd = -1;
    sigset_t mask;
    postq_err err;

    memset(&s, 0, sizeof(s));
    s.e = e;
    s.o = o;
    s.wake[0] = s.wake[1] = -1;
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    /* Blocked before any thread starts, so only the signalfd sees them. */
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    s.queue = postq_calloc(max, sizeof(int));
    s.back = postq_calloc(max, sizeof(int));
    idle = postq_calloc(max, sizeof(*idle));
    pfds = postq_calloc(max + 3, sizeof(*pfds));
    threads = postq_calloc((size_t)o->workers, sizeof(*threads));
    if (sfd < 0 || s.queue == NULL || s.back == NULL || idle == NULL || pfds == NULL ||
        threads == NULL || pipe2(s.wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        err = POSTQ_E_NOMEM;
        goto out;
    }
    err = listen_on(o->socket_path, &lfd);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-enclave: cannot listen on unix:%s: %s\n", o->socket_path,
                err == POSTQ_E_CONFLICT ? "another process is listening there (or it is not "
                                          "a socket)"
                                        : strerror(errno));
        goto out;
    }
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK_BYTES);
    for (; n_threads < o->workers; n_threads++) {
        if (pthread_create(&threads[n_threads], &attr, worker, &s) != 0) {
            break;
        }
    }
    pthread_attr_destroy(&attr);
    if (n_threads == 0) {
        err = POSTQ_E_INTERNAL;
        goto out;
    }
    fprintf(stderr, "postq-enclave: listening on unix:%s (moduleId %s, %d workers)\n",
            o->socket_path, e->module_id, n_threads);

    for (;;) {
        size_t np = 0;
        int64_t now;
        int r;

        pfds[np++] = (struct pollfd){lfd, POLLIN, 0};
        pfds[np++] = (struct pollfd){sfd, POLLIN, 0};
        pfds[np++] = (struct pollfd){s.wake[0], POLLIN, 0};
        for (size_t i = 0; i < n_idle; i++) {
            pfds[np++] = (struct pollfd){idle[i].fd, POLLIN, 0};
        }
        r = poll(pfds, np, 1000);
        if (r < 0 && errno != EINTR) {
            err = POSTQ_E_IO;
            break;
        }
        if (pfds[1].revents != 0) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                fprintf(stderr, "postq-enclave: signal %u, shutting down\n", si.ssi_signo);
                break;
            }
        }
        now = mono_ms();
        /* Connections with a request waiting (or hung up) go to the workers. Walk backwards
         * so removal by swapping with the last entry keeps indexes of unvisited ones. */
        for (size_t i = n_idle; i-- > 0;) {
            short ev = pfds[3 + i].revents;
            if (ev == 0 && now - idle[i].since < o->idle_timeout_ms) {
                continue;
            }
            if (ev == 0) {
                close_conn(&s, idle[i].fd); /* idle too long */
            } else {
                pthread_mutex_lock(&s.mu);
                s.queue[(s.q_head + s.q_len) % max] = idle[i].fd;
                s.q_len++;
                pthread_cond_signal(&s.cv);
                pthread_mutex_unlock(&s.mu);
            }
            idle[i] = idle[--n_idle];
        }
        if (pfds[2].revents != 0) {
            char drain[64];
            while (read(s.wake[0], drain, sizeof(drain)) > 0) {
            }
        }
        pthread_mutex_lock(&s.mu);
        for (size_t i = 0; i < s.back_len; i++) {
            idle[n_idle].fd = s.back[i];
            idle[n_idle].since = now;
            n_idle++;
        }
        s.back_len = 0;
        pthread_mutex_unlock(&s.mu);
        if (pfds[0].revents != 0) {
            for (;;) {
                int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                int full;
                if (cfd < 0) {
                    break;
                }
                pthread_mutex_lock(&s.mu);
                full = s.n_conns >= o->max_conns;
                if (!full) {
                    s.n_conns++;
                }
                pthread_mutex_unlock(&s.mu);
                if (full) {
                    struct postq_buf b;
                    postq_buf_init(&b, 512);
                    if (postq_enclave_error_reply(&b, POSTQ_PROTO_E_BUSY,
                                                  "too many connections") == POSTQ_OK) {
                        (void)send(cfd, b.p, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
                    }
                    postq_buf_free(&b);
                    close(cfd);
                    continue;
                }
                idle[n_idle].fd = cfd;
                idle[n_idle].since = now;
                n_idle++;
            }
        }
    }

out:
    /* Stop taking work, let the workers finish what they hold, then close everything. */
    pthread_mutex_lock(&s.mu);
    s.stopping = 1;
    pthread_cond_broadcast(&s.cv);
    pthread_mutex_unlock(&s.mu);
    for (int i = 0; i < n_threads; i++) {
        pthread_join(threads[i], NULL);
    }
    for (size_t i = 0; i < n_idle; i++) {
        close(idle[i].fd);
    }
    for (size_t i = 0; i < s.q_len; i++) {
        close(s.queue[(s.q_head + i) % max]);
    }
    for (size_t i = 0; i < s.back_len; i++) {
        close(s.back[i]);
    }
    if (lfd >= 0) {
        close(lfd);
        (void)unlink(o->socket_path);
    }
    if (sfd >= 0) {
        close(sfd);
    }
    if (s.wake[0] >= 0) {
        close(s.wake[0]);
        close(s.wake[1]);
    }
    postq_free(s.queue);
    postq_free(s.back);
    postq_free(idle);
    postq_free(pfds);
    postq_free(threads);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    return err;
}
