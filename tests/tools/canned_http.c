/* SPDX-License-Identifier: Apache-2.0 */
/* A server that answers every request with the same bytes, for tests of what a client does
 * with a hostile or broken server (tests/cli/20-escapes.sh): listens on 127.0.0.1 on a free
 * port, prints the port on stdout, then for each of COUNT connections reads the request's
 * header block (and any Content-Length body), writes RESPONSE_FILE as it is (status line,
 * headers and body) and closes. Exits after COUNT connections, or after 20 s in any case.
 *
 *   canned_http RESPONSE_FILE COUNT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char resp[1 << 16];

/* Read until the end of the header block, then the body Content-Length announces. */
static void drain_request(int fd)
{
    char buf[8192];
    size_t len = 0;
    char *end = NULL;

    while (end == NULL && len + 1 < sizeof(buf)) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n <= 0) {
            return;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (end != NULL) {
        const char *cl = strcasestr(buf, "\r\nContent-Length:");
        size_t have = len - (size_t)(end + 4 - buf);
        long want = cl != NULL && cl < end ? strtol(cl + 17, NULL, 10) : 0;
        while (want > 0 && (long)have < want) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n <= 0) {
                return;
            }
            have += (size_t)n;
        }
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    size_t rlen;
    long count;
    FILE *f;
    int s, one = 1;

    if (argc != 3 || (count = strtol(argv[2], NULL, 10)) <= 0) {
        fprintf(stderr, "usage: canned_http RESPONSE_FILE COUNT\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    rlen = fread(resp, 1, sizeof(resp), f);
    fclose(f);
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 8) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &sl) != 0) {
        perror("canned_http: listen");
        return 1;
    }
    printf("%u\n", (unsigned)ntohs(sa.sin_port));
    fflush(stdout);
    alarm(20);
    for (long i = 0; i < count; i++) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            perror("canned_http: accept");
            return 1;
        }
        drain_request(c);
        if (write(c, resp, rlen) != (ssize_t)rlen) {
            perror("canned_http: write");
        }
        close(c);
    }
    close(s);
    return 0;
}
