/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's static files (web/) under `/` [docs/http-api.md]: a fixed set of content types,
 * names of [A-Za-z0-9._-] segments only (no dot-first segment, so no "..", no hidden file),
 * regular files only, at most POSTQ_API_JSON_MAX bytes, and no symlink anywhere below the
 * web root: the path is walked one segment at a time, each opened with O_NOFOLLOW relative
 * to the directory before it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/server.h"

#define WEB_PATH_MAX 256

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
};

const char *postq_web_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot == NULL || strchr(dot, '/') != NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return NULL;
}

int postq_web_path_ok(const char *path)
{
    size_t n = strlen(path);
    if (n < 2 || n >= WEB_PATH_MAX || path[0] != '/' || path[1] == '.') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = path[i];
        if (c == '/') {
            if (i + 1 == n || path[i + 1] == '/' || path[i + 1] == '.') {
                return 0; /* empty segment, trailing slash, "..", ".hidden" */
            }
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return postq_web_type(path) != NULL;
}

/* Open path ("/a/b.js", already checked by postq_web_path_ok) beneath dir, following no
 * symlink on the way: the walk opens each directory with O_NOFOLLOW | O_DIRECTORY relative to
 * the one before it, and the file with O_NOFOLLOW. One code path on every kernel, unlike
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), which needs Linux 5.6 and a fallback that
 * would run only where it is missing; and with no ".." segment to resolve, the walk confines
 * the lookup to dir as openat2 would. -1 when any step fails. */
static int open_beneath(const char *dir, const char *path)
{
    char seg[WEB_PATH_MAX];
    const char *p = path + 1, *slash;
    int at, next;

    at = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC); /* the root itself is the operator's */
    while (at >= 0 && (slash = strchr(p, '/')) != NULL) {
        memcpy(seg, p, (size_t)(slash - p));
        seg[slash - p] = '\0';
        next = openat(at, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(at);
        at = next;
        p = slash + 1;
    }
    if (at < 0) {
        return -1;
    }
    /* O_NONBLOCK: a FIFO planted under the root must not hang the open. */
    next = openat(at, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    close(at);
    return next;
}

void postq_web_serve(const char *dir, const char *path, struct postq_http_resp *resp)
{
    uint8_t chunk[16384];
    struct stat st;
    ssize_t got;
    size_t done = 0, want;
    int fd;

    if (strcmp(path, "/") == 0) {
        path = "/index.html";
    }
    if (dir == NULL) {
        postq_api_error(resp, 404, "not_found",
                        "no dashboard: start postq-api with --web DIR (the repository's web/)");
        return;
    }
    if (!postq_web_path_ok(path)) {
        postq_api_error(resp, 404, "not_found", "no such file");
        return;
    }
    fd = open_beneath(dir, path);
    if (fd < 0) {
        postq_api_error(resp, 404, "not_found", "no such file");
        return;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (size_t)st.st_size >= POSTQ_API_JSON_MAX) {
        close(fd);
        postq_api_error(resp, 404, "not_found", "no such file");
        return;
    }
    want = (size_t)st.st_size;
    postq_buf_reset(&resp->body);
    if (postq_buf_reserve(&resp->body, want) != POSTQ_OK) {
        close(fd);
        postq_api_error(resp, 500, "internal", "out of memory");
        return;
    }
    /* Through the buffer API, which keeps the terminating 0 it promises; the reserve above
     * makes these appends allocation-free. */
    while (done < want) {
        got = read(fd, chunk, want - done < sizeof(chunk) ? want - done : sizeof(chunk));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0 || postq_buf_append(&resp->body, chunk, (size_t)got) != POSTQ_OK) {
            break;
        }
        done += (size_t)got;
    }
    close(fd);
    if (done != want) {
        postq_api_error(resp, 500, "internal", "cannot read the file");
        return;
    }
    resp->status = 200;
    resp->content_type = postq_web_type(path);
}
