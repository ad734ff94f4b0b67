/* SPDX-License-Identifier: Apache-2.0 */
/* The blocking client's outcome of a call (enum postq_proto_outcome), which decides whether a
 * caller may send a request again: each way a call can end, over a socketpair whose far end
 * the test plays — a reply, a peer gone before the request was written, a peer that closes
 * after reading it (or with it unread), deadlines while writing and while reading, a reply cut
 * short, over the cap or malformed. */
#include "testlib.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/enclave_proto.h"

static const uint8_t nonce[POSTQ_PROTO_NONCE_BYTES] = {7};
static const uint8_t sealed[93] = {1};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A client on one end of a socketpair; *peer is the other end. */
static void pair_client(struct postq_proto_client *c, int *peer, int timeout_ms)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    memset(c, 0, sizeof(*c));
    c->fd = sv[0];
    c->timeout_ms = timeout_ms;
    c->outcome = -1;
    postq_buf_init(&c->tx, POSTQ_PROTO_FRAME_MAX + 4);
    postq_buf_init(&c->rx, POSTQ_PROTO_FRAME_MAX);
    *peer = sv[1];
}

static void info_req(struct postq_proto_req *r)
{
    memset(r, 0, sizeof(*r));
    r->op = POSTQ_PROTO_OP_INFO;
}

/* A sign request whose payload is payload_len bytes of p. */
static void sign_req(struct postq_proto_req *r, const uint8_t *p, size_t payload_len)
{
    memset(r, 0, sizeof(*r));
    r->op = POSTQ_PROTO_OP_SIGN;
    strcpy(r->alg, "mldsa65+ed25519");
    strcpy(r->key_id, "key_1");
    r->sealed.p = sealed;
    r->sealed.len = sizeof(sealed);
    r->nonce.p = nonce;
    r->nonce.len = sizeof(nonce);
    r->payload.p = p;
    r->payload.len = payload_len;
}

/* The whole frame of a `busy` error reply into out. */
static void busy_reply(struct postq_buf *out)
{
    struct postq_proto_resp r;
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_INFO;
    r.status = POSTQ_PROTO_E_BUSY;
    strcpy(r.message, "busy");
    postq_buf_init(out, 4096);
    assert_int_equal(postq_proto_encode_reply(out, &r), POSTQ_OK);
}

static void put(int fd, const uint8_t *p, size_t n)
{
    assert_int_equal(postq_proto_write2(fd, p, n, NULL, 0, 1000), POSTQ_OK);
}

/* The peer received the whole request frame. */
static void assert_request_arrived(int peer, int op)
{
    struct postq_buf rx;
    struct postq_proto_req got;
    int st = -1;
    postq_buf_init(&rx, POSTQ_PROTO_FRAME_MAX);
    assert_int_equal(postq_proto_read_frame(peer, &rx, 1000), POSTQ_OK);
    assert_int_equal(postq_proto_decode_request(&got, &st, rx.p, rx.len), POSTQ_OK);
    assert_int_equal(got.op, op);
    postq_buf_free(&rx);
}

static void test_replied(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    struct postq_buf reply;
    int peer;
    (void)state;
    pair_client(&c, &peer, 1000);
    busy_reply(&reply);
    put(peer, reply.p, reply.len); /* waits in the socket until the client reads */
    info_req(&req);
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_OK);
    assert_int_equal(c.outcome, POSTQ_PROTO_REPLIED);
    assert_int_equal(resp.status, POSTQ_PROTO_E_BUSY);
    assert_true(c.fd >= 0);
    assert_request_arrived(peer, POSTQ_PROTO_OP_INFO);
    postq_buf_free(&reply);
    postq_proto_client_close(&c);
    close(peer);
}

/* The peer closed before the call (an enclave that exited, or closed an idle connection):
 * sending fails, nothing of the request was delivered. */
static void test_unsent_peer_gone(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    int peer;
    (void)state;
    pair_client(&c, &peer, 1000);
    close(peer);
    info_req(&req);
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(c.outcome, POSTQ_PROTO_UNSENT);
    assert_int_equal(c.fd, -1);
    /* And with no connection at all. */
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(c.outcome, POSTQ_PROTO_UNSENT);
    postq_proto_client_close(&c);
}

/* The whole request arrived, then end of stream before any reply byte. */
static void test_closed_unanswered_eof(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    int peer;
    int64_t t0;
    (void)state;
    pair_client(&c, &peer, 5000);
    shutdown(peer, SHUT_WR);
    info_req(&req);
    t0 = now_ms();
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(c.outcome, POSTQ_PROTO_CLOSED_UNANSWERED);
    assert_true(now_ms() - t0 < 2500); /* at once, not at the deadline */
    assert_request_arrived(peer, POSTQ_PROTO_OP_INFO);
    postq_proto_client_close(&c);
    close(peer);
}

/* Close the peer once the request is waiting in it, unread: the client sees a reset. */
static void *close_when_readable(void *arg)
{
    int *peer = arg;
    struct pollfd p = {*peer, POLLIN, 0};
    if (poll(&p, 1, 5000) == 1) {
        close(*peer);
        *peer = -1;
    }
    return NULL;
}

static void test_closed_unanswered_reset(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    pthread_t t;
    int peer;
    (void)state;
    pair_client(&c, &peer, 5000);
    assert_int_equal(pthread_create(&t, NULL, close_when_readable, &peer), 0);
    info_req(&req);
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(peer, -1);
    assert_int_equal(c.outcome, POSTQ_PROTO_CLOSED_UNANSWERED);
    postq_proto_client_close(&c);
}

/* The request arrived and the peer keeps quiet: the deadline, and no more. */
static void test_timed_out_reading(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    int peer;
    int64_t t0, dt;
    (void)state;
    pair_client(&c, &peer, 200);
    info_req(&req);
    t0 = now_ms();
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    dt = now_ms() - t0;
    assert_int_equal(c.outcome, POSTQ_PROTO_TIMED_OUT);
    assert_true(dt >= 200);
    assert_true(dt < 2000);
    assert_request_arrived(peer, POSTQ_PROTO_OP_INFO);
    postq_proto_client_close(&c);
    close(peer);
}

/* A peer that does not read: a large sign request cannot be written in time. That is a
 * deadline too, not a failure to send: the peer is alive, merely slow. */
static void test_timed_out_writing(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    size_t n = (size_t)8 << 20;
    uint8_t *big = calloc(1, n);
    int peer;
    (void)state;
    assert_non_null(big);
    pair_client(&c, &peer, 200);
    sign_req(&req, big, n);
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(c.outcome, POSTQ_PROTO_TIMED_OUT);
    postq_proto_client_close(&c);
    close(peer);
    free(big);
}

/* Once a reply byte arrived, whatever goes wrong is not "unanswered". */
static void test_reply_cut_short(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    struct postq_buf reply;
    int peer;
    (void)state;
    busy_reply(&reply);
    for (size_t cut = 1; cut < reply.len; cut++) {
        pair_client(&c, &peer, 1000);
        put(peer, reply.p, cut);
        shutdown(peer, SHUT_WR);
        info_req(&req);
        assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
        assert_int_equal(c.outcome, POSTQ_PROTO_BROKEN);
        postq_proto_client_close(&c);
        close(peer);
    }
    /* Cut short and then silent: the deadline. */
    pair_client(&c, &peer, 200);
    put(peer, reply.p, 3);
    info_req(&req);
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(c.outcome, POSTQ_PROTO_TIMED_OUT);
    postq_proto_client_close(&c);
    close(peer);
    postq_buf_free(&reply);
}

static void test_reply_too_large_or_malformed(void **state)
{
    static const uint8_t too_large[4] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t bad_version[8] = {0, 0, 0, 4, 9, 0, 0, 0};
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    int peer;
    (void)state;
    pair_client(&c, &peer, 1000);
    put(peer, too_large, sizeof(too_large));
    info_req(&req);
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_NETWORK);
    assert_int_equal(c.outcome, POSTQ_PROTO_BROKEN);
    postq_proto_client_close(&c);
    close(peer);

    pair_client(&c, &peer, 1000);
    put(peer, bad_version, sizeof(bad_version));
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_MALFORMED);
    assert_int_equal(c.outcome, POSTQ_PROTO_BROKEN);
    assert_int_equal(c.fd, -1);
    postq_proto_client_close(&c);
    close(peer);
}

/* A request that cannot be encoded never leaves: unsent, and the connection stays usable. */
static void test_unencodable_request(void **state)
{
    struct postq_proto_client c;
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    int peer;
    (void)state;
    pair_client(&c, &peer, 1000);
    sign_req(&req, (const uint8_t *)"x", 1);
    req.nonce.len = 31;
    assert_int_equal(postq_proto_client_call(&c, &req, &resp), POSTQ_E_ARG);
    assert_int_equal(c.outcome, POSTQ_PROTO_UNSENT);
    assert_true(c.fd >= 0);
    postq_proto_client_close(&c);
    close(peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replied),
        cmocka_unit_test(test_unsent_peer_gone),
        cmocka_unit_test(test_closed_unanswered_eof),
        cmocka_unit_test(test_closed_unanswered_reset),
        cmocka_unit_test(test_timed_out_reading),
        cmocka_unit_test(test_timed_out_writing),
        cmocka_unit_test(test_reply_cut_short),
        cmocka_unit_test(test_reply_too_large_or_malformed),
        cmocka_unit_test(test_unencodable_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
