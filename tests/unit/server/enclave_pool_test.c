/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave connection pool's resend rule (src/server/enclave.c) against a scripted fake
 * enclave on a Unix socket that counts the requests it receives and answers each sign with
 * that count as its counter: a slow reply is waited for once and never sent again (one
 * deadline, one sign); a request on a pooled connection the enclave had closed, or that the
 * enclave hung up on before replying, goes once more on a fresh connection; a reply cut short
 * and a failure on a fresh connection are not resent; at most one resend. */
#include "testlib.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"

#define TIMEOUT_MS 400
#define SLOW_MS 1500
#define MAX_CONNS 16

/* What the fake does with the N-th request it receives (0-based); past the script: ANSWER. */
enum act { ANSWER, SLOW, ANSWER_THEN_CLOSE, HANG_UP, CUT };

struct fake {
    char dir[64];
    char addr[128];
    int lfd;
    int stop;
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum act script[8];
    size_t n_script;
    int requests; /* complete request frames received */
    int closed;   /* connections the fake closed */
    pthread_t conns[MAX_CONNS];
    size_t n_conns;
};

struct conn_arg {
    struct fake *f;
    int fd;
};

static const uint8_t nonce[POSTQ_PROTO_NONCE_BYTES] = {9};
static const uint8_t sealed[93] = {1};
static const uint8_t payload[] = "payload";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A sign reply carrying counter n. */
static void write_reply(int fd, uint64_t n, size_t cut)
{
    struct postq_proto_resp r;
    struct postq_buf out;
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_SIGN;
    r.signature.p = (const uint8_t *)"sig";
    r.signature.len = 3;
    r.doc_b64.p = (const uint8_t *)"doc";
    r.doc_b64.len = 3;
    r.counter = n;
    postq_buf_init(&out, 4096);
    assert_int_equal(postq_proto_encode_reply(&out, &r), POSTQ_OK);
    if (postq_proto_write2(fd, out.p, cut != 0 && cut < out.len ? cut : out.len, NULL, 0, 1000) !=
        POSTQ_OK) {
        /* The client is gone (it gave up on a slow reply): what the test provokes. */
    }
    postq_buf_free(&out);
}

static void *conn_main(void *arg)
{
    struct conn_arg *ca = arg;
    struct fake *f = ca->f;
    struct postq_buf rx;
    int fd = ca->fd, open = 1;

    free(ca);
    postq_buf_init(&rx, POSTQ_PROTO_FRAME_MAX);
    while (open && postq_proto_read_frame(fd, &rx, 10000) == POSTQ_OK) {
        enum act a;
        int n;
        pthread_mutex_lock(&f->mu);
        n = ++f->requests;
        a = (size_t)(n - 1) < f->n_script ? f->script[n - 1] : ANSWER;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        switch (a) {
        case SLOW:
            sleep_ms(SLOW_MS);
            write_reply(fd, (uint64_t)n, 0);
            break;
        case ANSWER_THEN_CLOSE:
            write_reply(fd, (uint64_t)n, 0);
            open = 0;
            break;
        case HANG_UP:
            open = 0;
            break;
        case CUT:
            write_reply(fd, (uint64_t)n, 3);
            open = 0;
            break;
        default:
            write_reply(fd, (uint64_t)n, 0);
            break;
        }
    }
    close(fd);
    postq_buf_free(&rx);
    pthread_mutex_lock(&f->mu);
    f->closed++;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static void *acceptor_main(void *arg)
{
    struct fake *f = arg;
    for (;;) {
        struct pollfd p = {f->lfd, POLLIN, 0};
        struct conn_arg *ca;
        int fd, stop;
        pthread_mutex_lock(&f->mu);
        stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop) {
            break;
        }
        if (poll(&p, 1, 20) != 1) {
            continue;
        }
        fd = accept(f->lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        ca = calloc(1, sizeof(*ca));
        pthread_mutex_lock(&f->mu);
        if (ca == NULL || f->n_conns == MAX_CONNS) {
            pthread_mutex_unlock(&f->mu);
            free(ca);
            close(fd);
            continue;
        }
        ca->f = f;
        ca->fd = fd;
        if (pthread_create(&f->conns[f->n_conns], NULL, conn_main, ca) == 0) {
            f->n_conns++;
        } else {
            free(ca);
            close(fd);
        }
        pthread_mutex_unlock(&f->mu);
    }
    return NULL;
}

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof(*f));
    struct sockaddr_un sa;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/postq-pool-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/e.sock", f->dir);
    snprintf(f->addr, sizeof(f->addr), "unix:%s", sa.sun_path);
    f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(f->lfd >= 0);
    assert_int_equal(bind(f->lfd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(f->lfd, 16), 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    assert_int_equal(pthread_create(&f->acceptor, NULL, acceptor_main, f), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;
    char path[128];
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    assert_int_equal(pthread_join(f->acceptor, NULL), 0);
    for (size_t i = 0; i < f->n_conns; i++) {
        assert_int_equal(pthread_join(f->conns[i], NULL), 0);
    }
    close(f->lfd);
    snprintf(path, sizeof(path), "%s/e.sock", f->dir);
    unlink(path);
    rmdir(f->dir);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
    return 0;
}

static void script(struct fake *f, const enum act *acts, size_t n)
{
    pthread_mutex_lock(&f->mu);
    memcpy(f->script, acts, n * sizeof(acts[0]));
    f->n_script = n;
    pthread_mutex_unlock(&f->mu);
}

static int requests(struct fake *f)
{
    int n;
    pthread_mutex_lock(&f->mu);
    n = f->requests;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static void wait_closed(struct fake *f, int n)
{
    pthread_mutex_lock(&f->mu);
    while (f->closed < n) {
        pthread_cond_wait(&f->cv, &f->mu);
    }
    pthread_mutex_unlock(&f->mu);
}

/* One sign through the pool: its error, and on success the counter of the reply. */
static postq_err sign(struct postq_enclave_pool *p, uint64_t *counter)
{
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    struct postq_proto_client *c = NULL;
    postq_err err;
    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_SIGN;
    strcpy(req.alg, "mldsa65+ed25519");
    strcpy(req.key_id, "key_1");
    req.sealed.p = sealed;
    req.sealed.len = sizeof(sealed);
    req.nonce.p = nonce;
    req.nonce.len = sizeof(nonce);
    req.payload.p = payload;
    req.payload.len = sizeof(payload) - 1;
    err = postq_enclave_call(p, &req, &resp, &c);
    if (err == POSTQ_OK) {
        assert_int_equal(resp.status, POSTQ_PROTO_OK);
        *counter = resp.counter;
    }
    postq_enclave_pool_put(p, c, err == POSTQ_OK);
    return err;
}

/* The defect this guards against: a reused connection's deadline was taken for a dead
 * connection, so a slow sign was sent again — performed twice, and the 503 came after two
 * deadlines. */
static void test_slow_reply_is_not_resent(void **state)
{
    static const enum act acts[] = {ANSWER, SLOW};
    struct fake *f = *state;
    struct postq_enclave_pool *p = NULL;
    uint64_t ctr = 0;
    int64_t t0, dt;
    script(f, acts, 2);
    assert_int_equal(postq_enclave_pool_new(f->addr, TIMEOUT_MS, &p), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_OK); /* leaves an idle connection to reuse */
    assert_int_equal(ctr, 1);
    t0 = now_ms();
    assert_int_equal(sign(p, &ctr), POSTQ_E_NETWORK);
    dt = now_ms() - t0;
    assert_int_equal(requests(f), 2); /* the enclave was asked once */
    assert_true(dt >= TIMEOUT_MS);
    assert_true(dt < 2 * TIMEOUT_MS); /* one deadline, not two */
    /* The next sign sees the one counter value the timed-out sign used. */
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    assert_int_equal(ctr, 3);
    postq_enclave_pool_free(p);
}

/* A slow reply on a fresh connection: not resent either. */
static void test_slow_reply_fresh_connection(void **state)
{
    static const enum act acts[] = {SLOW};
    struct fake *f = *state;
    struct postq_enclave_pool *p = NULL;
    uint64_t ctr = 0;
    script(f, acts, 1);
    assert_int_equal(postq_enclave_pool_new(f->addr, TIMEOUT_MS, &p), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_E_NETWORK);
    assert_int_equal(requests(f), 1);
    postq_enclave_pool_free(p);
}

/* The enclave closed the pooled connection while it was idle (restart, idle timeout): the
 * request could not be sent, so it goes on a fresh connection and succeeds. */
static void test_closed_idle_connection_is_replaced(void **state)
{
    static const enum act acts[] = {ANSWER_THEN_CLOSE, ANSWER};
    struct fake *f = *state;
    struct postq_enclave_pool *p = NULL;
    uint64_t ctr = 0;
    script(f, acts, 2);
    assert_int_equal(postq_enclave_pool_new(f->addr, TIMEOUT_MS, &p), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    wait_closed(f, 1);
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    assert_int_equal(ctr, 2);
    assert_int_equal(requests(f), 2); /* the dead connection delivered nothing */
    postq_enclave_pool_free(p);
}

/* The enclave took the whole request and hung up without a byte of reply (it exited): sent
 * once more, on a fresh connection. */
static void test_hang_up_before_reply_is_resent_once(void **state)
{
    static const enum act acts[] = {ANSWER, HANG_UP, ANSWER, ANSWER, HANG_UP, HANG_UP};
    struct fake *f = *state;
    struct postq_enclave_pool *p = NULL;
    uint64_t ctr = 0;
    script(f, acts, 6);
    assert_int_equal(postq_enclave_pool_new(f->addr, TIMEOUT_MS, &p), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    assert_int_equal(ctr, 3);
    assert_int_equal(requests(f), 3);
    /* Twice in a row: one resend only, then the failure. */
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_E_NETWORK);
    assert_int_equal(requests(f), 6);
    postq_enclave_pool_free(p);
}

/* A reply byte arrived: the enclave acted, so never resent. */
static void test_cut_reply_is_not_resent(void **state)
{
    static const enum act acts[] = {ANSWER, CUT};
    struct fake *f = *state;
    struct postq_enclave_pool *p = NULL;
    uint64_t ctr = 0;
    script(f, acts, 2);
    assert_int_equal(postq_enclave_pool_new(f->addr, TIMEOUT_MS, &p), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_E_NETWORK);
    assert_int_equal(requests(f), 2);
    postq_enclave_pool_free(p);
}

/* A fresh connection's failure is the enclave's: not resent. */
static void test_fresh_hang_up_is_not_resent(void **state)
{
    static const enum act acts[] = {HANG_UP};
    struct fake *f = *state;
    struct postq_enclave_pool *p = NULL;
    uint64_t ctr = 0;
    script(f, acts, 1);
    assert_int_equal(postq_enclave_pool_new(f->addr, TIMEOUT_MS, &p), POSTQ_OK);
    assert_int_equal(sign(p, &ctr), POSTQ_E_NETWORK);
    assert_int_equal(requests(f), 1);
    postq_enclave_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_slow_reply_is_not_resent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_reply_fresh_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_idle_connection_is_replaced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hang_up_before_reply_is_resent_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cut_reply_is_not_resent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_hang_up_is_not_resent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
