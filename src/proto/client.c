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

/* Wait until fd is ready for events or the deadline passes. 1 ready, 0 timeout/error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {fd, events, 0};
        int64_t left = deadline - now_ms();
        int r;
        if (left <= 0) {
            return 0;
        }
        r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0) {
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            return 0;
        }
    }
}

/* Read exactly n bytes. 1 done, 0 clean EOF before the first byte, -1 error/timeout/EOF. */
static int read_full(int fd, uint8_t *p, size_t n, int64_t deadline)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, MSG_DONTWAIT);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r == 0) {
            return got == 0 ? 0 : -1;
        }
        if (errno == EINTR) {
            continue;
        }
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_fd(fd, POLLIN, deadline)) {
            return -1;
        }
    }
    return 1;
}

static int write_full(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = send(fd, p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) ||
            !wait_fd(fd, POLLOUT, deadline)) {
            return 0;
        }
    }
    return 1;
}

postq_err postq_proto_read_frame(int fd, struct postq_buf *body, int timeout_ms)
{
    uint8_t prefix[4];
    size_t len = 0;
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    postq_err err;
    int r;

    if (body == NULL || fd < 0) {
        return POSTQ_E_ARG;
    }
    postq_buf_reset(body);
    r = read_full(fd, prefix, 4, deadline);
    if (r <= 0) {
        return r == 0 ? POSTQ_E_NOT_FOUND : POSTQ_E_NETWORK;
    }
    err = postq_proto_frame_len(prefix, &len);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_buf_reserve(body, len);
    if (err != POSTQ_OK) {
        return err;
    }
    if (read_full(fd, body->p, len, deadline) != 1) {
        postq_buf_reset(body);
        return POSTQ_E_NETWORK;
    }
    body->len = len;
    body->p[len] = 0;
    return POSTQ_OK;
}

postq_err postq_proto_write2(int fd, const uint8_t *a, size_t a_len, const uint8_t *b,
                             size_t b_len, int timeout_ms)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);

    if (fd < 0 || (a == NULL && a_len != 0) || (b == NULL && b_len != 0)) {
        return POSTQ_E_ARG;
    }
    if (!write_full(fd, a, a_len, deadline) || !write_full(fd, b, b_len, deadline)) {
        return POSTQ_E_NETWORK;
    }
    return POSTQ_OK;
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
    postq_err err;

    if (c == NULL || req == NULL || resp == NULL) {
        return POSTQ_E_ARG;
    }
    memset(resp, 0, sizeof(*resp));
    resp->op = req->op;
    if (c->fd < 0) {
        return POSTQ_E_NETWORK;
    }
    postq_buf_reset(&c->tx);
    err = postq_proto_encode_request_head(&c->tx, req);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_proto_write2(c->fd, c->tx.p, c->tx.len,
                             req->op == POSTQ_PROTO_OP_SIGN ? req->payload.p : NULL,
                             req->op == POSTQ_PROTO_OP_SIGN ? req->payload.len : 0,
                             c->timeout_ms);
    if (err == POSTQ_OK) {
        err = postq_proto_read_frame(c->fd, &c->rx, c->timeout_ms);
        if (err == POSTQ_E_NOT_FOUND || err == POSTQ_E_TOO_LARGE) {
            err = POSTQ_E_NETWORK;
        }
    }
    if (err == POSTQ_OK) {
        err = postq_proto_decode_reply(resp, req->op, c->rx.p, c->rx.len);
    }
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
