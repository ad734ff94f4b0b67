/* SPDX-License-Identifier: Apache-2.0 */
/* Blocking frame I/O with deadlines (both ends of the enclave socket) and the small client the
 * API, the tests and the bench use. Deadlines are absolute, so a peer that trickles one byte at
 * a time cannot stretch a read or write past timeout_ms. */
#include "proto/enclave_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How a blocking transfer ended. The client tells these apart because they differ in what
 * the peer can have done with a request (see enum postq_proto_outcome). */
enum io_end {
    IO_DONE,
    IO_EOF,     /* a clean end of stream before the first byte */
    IO_RESET,   /* ECONNRESET before the first byte: the peer closed with our bytes unread */
    IO_TIMEOUT, /* the deadline passed */
    IO_ERROR    /* any other error, or an end of stream after some bytes */
};

/* Wait until fd is ready for events: IO_DONE, IO_TIMEOUT or IO_ERROR (poll failed). */
static enum io_end wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {fd, events, 0};
        int64_t left = deadline - now_ms();
        int r;
        if (left <= 0) {
            return IO_TIMEOUT;
        }
        r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0) {
            return IO_DONE;
        }
        if (r < 0 && errno != EINTR) {
            return IO_ERROR;
        }
    }
}

/* Read exactly n bytes. */
static enum io_end read_full(int fd, uint8_t *p, size_t n, int64_t deadline)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, MSG_DONTWAIT);
        enum io_end w;
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r == 0) {
            return got == 0 ? IO_EOF : IO_ERROR;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return got == 0 && errno == ECONNRESET ? IO_RESET : IO_ERROR;
        }
        w = wait_fd(fd, POLLIN, deadline);
        if (w != IO_DONE) {
            return w;
        }
    }
    return IO_DONE;
}

/* Write exactly n bytes: IO_DONE, IO_TIMEOUT, or IO_ERROR for any failure to send (EPIPE,
 * ECONNRESET: the peer is gone). */
static enum io_end write_full(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = send(fd, p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        enum io_end w;
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            return IO_ERROR;
        }
        w = wait_fd(fd, POLLOUT, deadline);
        if (w != IO_DONE) {
            return w;
        }
    }
    return IO_DONE;
}

/* postq_proto_read_frame, with *end saying how the transfer ended when it failed on I/O. */
static postq_err read_frame(int fd, struct postq_buf *body, int timeout_ms, enum io_end *end)
{
    uint8_t prefix[4];
    size_t len = 0;
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    postq_err err;

    *end = IO_DONE;
    if (body == NULL || fd < 0) {
        return POSTQ_E_ARG;
    }
    postq_buf_reset(body);
    *end = read_full(fd, prefix, 4, deadline);
    if (*end != IO_DONE) {
        return *end == IO_EOF ? POSTQ_E_NOT_FOUND : POSTQ_E_NETWORK;
    }
    err = postq_proto_frame_len(prefix, &len);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_buf_reserve(body, len);
    if (err != POSTQ_OK) {
        return err;
    }
    *end = read_full(fd, body->p, len, deadline);
    if (*end != IO_DONE) {
        /* Past the prefix, even a clean end of stream is a frame cut short. */
        *end = *end == IO_TIMEOUT ? IO_TIMEOUT : IO_ERROR;
        postq_buf_reset(body);
        return POSTQ_E_NETWORK;
    }
    body->len = len;
    body->p[len] = 0;
    return POSTQ_OK;
}

postq_err postq_proto_read_frame(int fd, struct postq_buf *body, int timeout_ms)
{
    enum io_end end;
    return read_frame(fd, body, timeout_ms, &end);
}

/* Write a then b within timeout_ms. */
static enum io_end write2(int fd, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                          int timeout_ms)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    enum io_end end = write_full(fd, a, a_len, deadline);
    return end == IO_DONE ? write_full(fd, b, b_len, deadline) : end;
}

postq_err postq_proto_write2(int fd, const uint8_t *a, size_t a_len, const uint8_t *b,
                             size_t b_len, int timeout_ms)
{
    if (fd < 0 || (a == NULL && a_len != 0) || (b == NULL && b_len != 0)) {
        return POSTQ_E_ARG;
    }
    return write2(fd, a, a_len, b, b_len, timeout_ms) == IO_DONE ? POSTQ_OK : POSTQ_E_NETWORK;
}

postq_err postq_proto_client_connect(struct postq_proto_client *c, const char *addr,
                                     int timeout_ms)
{
    struct sockaddr_un sa;
    const char *path;
    size_t n;

    if (c == NULL) {
        return POSTQ_E_ARG;
    }
    c->fd = -1;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    postq_buf_init(&c->tx, POSTQ_PROTO_FRAME_MAX + 4);
    postq_buf_init(&c->rx, POSTQ_PROTO_FRAME_MAX);
    if (addr == NULL || strncmp(addr, "unix:", 5) != 0) {
        return POSTQ_E_ARG;
    }
    path = addr + 5;
    n = strlen(path);
    memset(&sa, 0, sizeof(sa));
    if (n == 0 || n >= sizeof(sa.sun_path)) {
        return POSTQ_E_ARG;
    }
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, n);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        return POSTQ_E_NETWORK;
    }
    /* A Unix socket connect does not block for long: the daemon's backlog either takes it or
     * refuses it (EAGAIN), so no connect deadline is needed. */
    if (connect(c->fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return POSTQ_E_NETWORK;
    }
    return POSTQ_OK;
}

postq_err postq_proto_client_call(struct postq_proto_client *c, const struct postq_proto_req *req,
                                  struct postq_proto_resp *resp)
{
    enum io_end end;
    postq_err err;

    if (c == NULL || req == NULL || resp == NULL) {
        return POSTQ_E_ARG;
    }
    memset(resp, 0, sizeof(*resp));
    resp->op = req->op;
    c->outcome = POSTQ_PROTO_UNSENT;
    if (c->fd < 0) {
        return POSTQ_E_NETWORK;
    }
    postq_buf_reset(&c->tx);
    err = postq_proto_encode_request_head(&c->tx, req);
    if (err != POSTQ_OK) {
        return err;
    }
    end = write2(c->fd, c->tx.p, c->tx.len,
                 req->op == POSTQ_PROTO_OP_SIGN ? req->payload.p : NULL,
                 req->op == POSTQ_PROTO_OP_SIGN ? req->payload.len : 0, c->timeout_ms);
    if (end != IO_DONE) {
        /* Part of the frame at most reached the peer. */
        c->outcome = end == IO_TIMEOUT ? POSTQ_PROTO_TIMED_OUT : POSTQ_PROTO_UNSENT;
        err = POSTQ_E_NETWORK;
        goto out;
    }
    err = read_frame(c->fd, &c->rx, c->timeout_ms, &end);
    if (err == POSTQ_OK) {
        err = postq_proto_decode_reply(resp, req->op, c->rx.p, c->rx.len);
    }
    if (err == POSTQ_OK) {
        c->outcome = POSTQ_PROTO_REPLIED;
    } else if (end == IO_EOF || end == IO_RESET) {
        c->outcome = POSTQ_PROTO_CLOSED_UNANSWERED;
    } else if (end == IO_TIMEOUT) {
        c->outcome = POSTQ_PROTO_TIMED_OUT;
    } else {
        c->outcome = POSTQ_PROTO_BROKEN;
    }
    if (err == POSTQ_E_NOT_FOUND || err == POSTQ_E_TOO_LARGE) {
        err = POSTQ_E_NETWORK;
    }
out:
    if (err != POSTQ_OK) {
        close(c->fd);
        c->fd = -1;
    }
    return err;
}

void postq_proto_client_close(struct postq_proto_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    postq_buf_free(&c->tx);
    postq_buf_free(&c->rx);
}
