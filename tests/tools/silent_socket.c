/* SPDX-License-Identifier: Apache-2.0 */
/* An "enclave" that never answers, for tests/e2e/33-blocking.sh: listens on a Unix socket,
 * accepts every connection (printing "accepted N" on stdout for the N-th), reads and drops what
 * arrives, writes nothing. SIGTERM (or SIGINT)
 * closes every connection, removes the socket and exits 0 — the peers then see end of file.
 *
 *   silent_socket PATH */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 128

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    struct pollfd p[MAX_FDS];
    struct sigaction act;
    nfds_t n = 1;
    unsigned long accepted = 0;
    char buf[4096];

    if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: silent_socket PATH\n");
        return 2;
    }
    memset(&act, 0, sizeof(act));
    act.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
    p[0].fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    p[0].events = POLLIN;
    unlink(argv[1]);
    if (p[0].fd < 0 || bind(p[0].fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(p[0].fd, 64) != 0) {
        perror("silent_socket");
        return 1;
    }
    while (!g_stop) {
        if (poll(p, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("poll");
            break;
        }
        for (nfds_t i = n; i-- > 1;) {
            if (p[i].revents != 0 && read(p[i].fd, buf, sizeof(buf)) <= 0) {
                close(p[i].fd);
                p[i] = p[--n];
            }
        }
        if (p[0].revents & POLLIN) {
            int fd = accept(p[0].fd, NULL, NULL);
            if (fd >= 0 && n < MAX_FDS) {
                printf("accepted %lu\n", ++accepted);
                fflush(stdout);
                p[n].fd = fd;
                p[n].events = POLLIN;
                p[n].revents = 0;
                n++;
            } else if (fd >= 0) {
                close(fd);
            }
        }
    }
    for (nfds_t i = 0; i < n; i++) {
        close(p[i].fd);
    }
    unlink(argv[1]);
    return 0;
}
