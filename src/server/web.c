/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's static files (web/) under `/` [DESIGN §6]: a fixed set of content types,
 * names of [A-Za-z0-9._-] segments only (no dot-first segment, so no "..", no hidden file),
 * regular files only, opened without following a symlink, at most POSTQ_API_JSON_MAX bytes. */
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

void postq_web_serve(const char *dir, const char *path, struct postq_http_resp *resp)
{
    char file[4096];
    struct stat st;
    ssize_t got;
    size_t done = 0;
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
    if (snprintf(file, sizeof(file), "%s%s", dir, path) >= (int)sizeof(file)) {
        postq_api_error(resp, 404, "not_found", "no such file");
        return;
    }
    fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
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
    postq_buf_reset(&resp->body);
    if (postq_buf_reserve(&resp->body, (size_t)st.st_size + 1) != POSTQ_OK) {
        close(fd);
        postq_api_error(resp, 500, "internal", "out of memory");
        return;
    }
    while (done < (size_t)st.st_size) {
        got = read(fd, resp->body.p + done, (size_t)st.st_size - done);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        done += (size_t)got;
    }
    close(fd);
    if (done != (size_t)st.st_size) {
        postq_api_error(resp, 500, "internal", "cannot read the file");
        return;
    }
    resp->body.len = done;
    resp->status = 200;
    resp->content_type = postq_web_type(path);
}
