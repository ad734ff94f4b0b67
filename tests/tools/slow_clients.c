/* SPDX-License-Identifier: Apache-2.0 */
/* Hostile clients for tests/e2e/36-slow-clients.sh: opens SLOW connections that each send a
 * request line and then one header line every INTERVAL_MS (never finishing the head), and IDLE
 * connections that send nothing, all to 127.0.0.1:PORT (from source address SRC when given,
 * another 127.x.y.z), and holds them for SECONDS. Prints, one per line:
 *   open N            connections established (after all were attempted)
 *   closed K          the server closed K of them
 *   life_ms MIN MAX   the shortest and longest time from a closed connection's connect to
 *                     its close (-1 -1: none closed)
 * and "done" at the end. Exits 2 on bad arguments.
 *
 *   slow_clients PORT SLOW IDLE INTERVAL_MS SECONDS [SRC] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(unsigned port, const char *src)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    if (src != NULL) {
        struct sockaddr_in me;
        memset(&me, 0, sizeof(me));
        me.sin_family = AF_INET;
        if (inet_pton(AF_INET, src, &me.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
            close(fd);
            return -1;
        }
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    unsigned port, slow, idle, n;
    long interval, seconds;
    const char *src = argc > 6 ? argv[6] : NULL;
    struct pollfd *p;
    int *is_slow;
    long long *opened;
    struct rlimit r;
    long long t0, next_tick, min_life = -1, max_life = -1;
    unsigned open_n = 0, closed = 0;

    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: slow_clients PORT SLOW IDLE INTERVAL_MS SECONDS [SRC]\n");
        return 2;
    }
    port = (unsigned)strtoul(argv[1], NULL, 10);
    slow = (unsigned)strtoul(argv[2], NULL, 10);
    idle = (unsigned)strtoul(argv[3], NULL, 10);
    interval = strtol(argv[4], NULL, 10);
    seconds = strtol(argv[5], NULL, 10);
    n = slow + idle;
    if (port == 0 || port > 65535 || n == 0 || n > 60000 || interval <= 0 || seconds <= 0) {
        fprintf(stderr, "slow_clients: bad arguments\n");
        return 2;
    }
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &r);
    }
    p = calloc(n, sizeof(*p));
    is_slow = calloc(n, sizeof(*is_slow));
    opened = calloc(n, sizeof(*opened));
    if (p == NULL || is_slow == NULL || opened == NULL) {
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        p[i].fd = dial(port, src);
        opened[i] = now_ms();
        p[i].events = POLLIN;
        is_slow[i] = i < slow;
        if (p[i].fd >= 0) {
            open_n++;
            if (is_slow[i]) {
                static const char line[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
                if (write(p[i].fd, line, sizeof(line) - 1) < 0) {
                    /* counted as closed below */
                }
            }
        }
    }
    printf("open %u\n", open_n);
    fflush(stdout);
    t0 = now_ms();
    next_tick = t0 + interval;
    while (now_ms() - t0 < seconds * 1000) {
        long long now = now_ms();
        int wait = (int)(next_tick > now ? next_tick - now : 0);
        int k = poll(p, n, wait);

        if (k < 0 && errno != EINTR) {
            break;
        }
        for (unsigned i = 0; k > 0 && i < n; i++) {
            if (p[i].fd >= 0 && p[i].revents != 0) {
                char buf[512];
                ssize_t got = read(p[i].fd, buf, sizeof(buf));
                if (got <= 0) { /* the server closed it (or answered and closed: counted too) */
                    long long life = now_ms() - opened[i];
                    close(p[i].fd);
                    p[i].fd = -1;
                    closed++;
                    min_life = min_life < 0 || life < min_life ? life : min_life;
                    max_life = life > max_life ? life : max_life;
                }
            }
        }
        if (now_ms() >= next_tick) {
            for (unsigned i = 0; i < n; i++) {
                if (p[i].fd >= 0 && is_slow[i] && write(p[i].fd, "X-Slow: 1\r\n", 11) < 0) {
                    /* the next poll sees the close */
                }
            }
            next_tick += interval;
        }
    }
    printf("closed %u\nlife_ms %lld %lld\ndone\n", closed, min_life, max_life);
    for (unsigned i = 0; i < n; i++) {
        if (p[i].fd >= 0) {
            close(p[i].fd);
        }
    }
    free(p);
    free(is_slow);
    free(opened);
    return 0;
}
