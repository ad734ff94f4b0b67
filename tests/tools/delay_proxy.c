/* SPDX-License-Identifier: Apache-2.0 */
/* A proxy in front of postq-enclave for tests/e2e/34-slow-enclave.sh: listens on a Unix socket,
 * relays every connection's request frames to the enclave's socket and the replies back, and
 * prints "request N op OP" for the N-th request frame it relays (so a test can count what the
 * enclave was asked to do). While the file HOLD exists, holding a number of milliseconds, each
 * reply is held that long before it is passed on, as an overloaded enclave would answer late;
 * a held reply nobody waits for any more is reported as "reply N undelivered".
 *
 *   delay_proxy LISTEN_PATH ENCLAVE_PATH HOLD */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/enclave_proto.h"

#define IDLE_MS (3600 * 1000) /* a pooled connection may sit idle between requests */
#define ENCLAVE_MS 120000

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_requests;
static const char *g_upstream;
static const char *g_hold;

struct conn {
    int fd;
};

static void say(const char *what, unsigned long n, int op)
{
    pthread_mutex_lock(&g_mu);
    if (op >= 0) {
        printf("%s %lu op %d\n", what, n, op);
    } else {
        printf("%s %lu\n", what, n);
    }
    fflush(stdout);
    pthread_mutex_unlock(&g_mu);
}

/* The hold in milliseconds: the number in the HOLD file, 0 when there is none. */
static long hold_ms(void)
{
    FILE *f = fopen(g_hold, "r");
    long ms = 0;
    if (f == NULL) {
        return 0;
    }
    if (fscanf(f, "%ld", &ms) != 1 || ms < 0) {
        ms = 0;
    }
    fclose(f);
    return ms;
}

static void *relay(void *arg)
{
    struct conn *cn = arg;
    struct postq_proto_client up;
    struct postq_buf rx;
    int fd = cn->fd;
    char addr[128];

    free(cn);
    postq_buf_init(&rx, POSTQ_PROTO_FRAME_MAX);
    snprintf(addr, sizeof(addr), "unix:%s", g_upstream);
    if (postq_proto_client_connect(&up, addr, ENCLAVE_MS) != POSTQ_OK) {
        fprintf(stderr, "delay_proxy: cannot reach %s\n", g_upstream);
        goto out;
    }
    for (;;) {
        uint8_t prefix[4];
        unsigned long n;
        long ms;
        size_t len;

        if (postq_proto_read_frame(fd, &rx, IDLE_MS) != POSTQ_OK) {
            break; /* the client closed (or sent garbage): close both sides */
        }
        len = rx.len;
        for (int i = 0; i < 4; i++) {
            prefix[i] = (uint8_t)(len >> (24 - 8 * i));
        }
        pthread_mutex_lock(&g_mu);
        n = ++g_requests;
        pthread_mutex_unlock(&g_mu);
        say("request", n, rx.len > 1 ? rx.p[1] : -1);
        if (postq_proto_write2(up.fd, prefix, 4, rx.p, rx.len, ENCLAVE_MS) != POSTQ_OK ||
            postq_proto_read_frame(up.fd, &rx, ENCLAVE_MS) != POSTQ_OK) {
            break;
        }
        len = rx.len;
        for (int i = 0; i < 4; i++) {
            prefix[i] = (uint8_t)(len >> (24 - 8 * i));
        }
        ms = hold_ms();
        if (ms > 0) {
            struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
            say("holding reply", n, -1);
            nanosleep(&ts, NULL);
        }
        if (postq_proto_write2(fd, prefix, 4, rx.p, rx.len, ENCLAVE_MS) != POSTQ_OK) {
            say("reply undelivered", n, -1);
            break;
        }
    }
out:
    close(fd);
    postq_proto_client_close(&up);
    postq_buf_free(&rx);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    pthread_attr_t attr;
    int lfd;

    if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: delay_proxy LISTEN_PATH ENCLAVE_PATH HOLD\n");
        return 2;
    }
    g_upstream = argv[2];
    g_hold = argv[3];
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
    unlink(argv[1]);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 64) != 0) {
        perror("delay_proxy");
        return 1;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        pthread_t t;
        struct conn *cn;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        cn = malloc(sizeof(*cn));
        if (cn == NULL) {
            close(fd);
            continue;
        }
        cn->fd = fd;
        if (pthread_create(&t, &attr, relay, cn) != 0) {
            free(cn);
            close(fd);
        }
    }
}
