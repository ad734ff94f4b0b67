/* SPDX-License-Identifier: Apache-2.0 */
/* postq-api: the HTTP API server and its host-side tools [docs/http-api.md, docs/cli.md]:
 *   postq-api serve [--listen 127.0.0.1:8080] [--db sqlite:PATH|postgresql://…]
 *                   [--enclave unix:PATH]
 *                   [--state DIR] [--max-connections N] [--web DIR] [--enclave-timeout S]
 *                   [--rate-limit ROLE=RATE[/BURST]|ROLE=off]...
 *                   [--org-rate-limit RATE[/BURST]|off]
 *   postq-api org create NAME [--db …]                  prints the admin API key once
 *   postq-api apikey create --org ID --role R [--name N] [--db …] */
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <postq/postq.h>

#include "common/id.h"
#include "common/mem.h"
#include "common/utf8.h"
#include "server/server.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_DB "sqlite:var/postq.db"
#define DEFAULT_ENCLAVE "unix:var/enclave/enclave.sock"
#define DEFAULT_STATE "var/api"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: postq-api serve [--listen HOST:PORT] [--db URL] [--enclave unix:PATH]\n"
            "                       [--state DIR] [--max-connections N] [--web DIR]\n"
            "                       [--enclave-timeout SECONDS] [--workers N]\n"
            "                       [--max-connections-per-ip N] [--header-timeout SECONDS]\n"
            "                       [--rate-limit ROLE=RATE[/BURST]|ROLE=off]...\n"
            "                       [--org-rate-limit RATE[/BURST]|off] [--kek FILE]\n"
            "       postq-api org create NAME [--db URL]\n"
            "       postq-api kek new FILE\n"
            "       postq-api apikey create --org ID --role admin|signer|viewer [--name N]\n"
            "                       [--db URL]\n"
            "       postq-api --version | --help\n"
            "\n"
            "serve      the HTTP API, /v1/... (defaults: --listen " DEFAULT_LISTEN
            ",\n"
            "           --db " DEFAULT_DB ", --enclave " DEFAULT_ENCLAVE ",\n"
            "           --db URL: sqlite:PATH, or a PostgreSQL connection URI\n"
            "           (postgresql://… or postgres://…, e.g.\n"
            "           postgresql:///postq?host=/run/postgresql&user=postq).\n"
            "           --state " DEFAULT_STATE
            ": the key-encryption key of software keys).\n"
            "           --kek FILE: the key-encryption key from FILE (made by kek new; mode\n"
            "           0600) instead of STATE/kek.key: API nodes of one deployment share it,\n"
            "           so any of them signs with any software key.\n"
            "           --web DIR: the dashboard's files, served under / (default: the\n"
            "           installed share/postq/web, else build/web in a build tree).\n"
            "           --enclave-timeout: how long a call to the enclave may take, 1..600 s\n"
            "           (default 30); a sign still unanswered then is a 503, never resent.\n"
            "           --rate-limit: requests per second per API key of ROLE (admin, signer,\n"
            "           viewer; repeatable), RATE up to 3 decimals, BURST whole requests\n"
            "           (default: RATE rounded up); defaults admin=200/400, signer=200/400,\n"
            "           viewer=50/100. --org-rate-limit: all keys of one organisation\n"
            "           together (default 1000/2000). A sign counts as one request; over a\n"
            "           limit is 429 with Retry-After. off: no such limit.\n"
            "           --max-connections: connections open at once (default 4096; up to the\n"
            "           open-file limit); --max-connections-per-ip: of them from one client\n"
            "           address (default 256; 0: no limit; behind a proxy every client has\n"
            "           the proxy's address); --header-timeout: the most a request line and\n"
            "           headers may take, in all (default 10 s); --workers: requests handled\n"
            "           at once (default 64), the others wait their turn.\n"
            "           Port 0 picks a free port; the bound address is printed on stdout.\n"
            "org create     make an organisation and print its admin API key, once.\n"
            "apikey create  make another API key of an organisation and print it, once.\n");
}

/* Options after the command words: --name VALUE pairs into vals (NULL when absent). */
static int opts(int argc, char **argv, int start, const char *const *names, const char **vals,
                size_t n, const char **positional)
{
    if (positional != NULL) {
        *positional = NULL;
    }
    for (int i = start; i < argc; i++) {
        size_t k;
        for (k = 0; k < n; k++) {
            if (strcmp(argv[i], names[k]) == 0) {
                break;
            }
        }
        if (k < n) {
            if (i + 1 >= argc) {
                fprintf(stderr, "postq-api: %s needs a value\n", argv[i]);
                return 0;
            }
            vals[k] = argv[++i];
        } else if (positional != NULL && *positional == NULL && argv[i][0] != '-') {
            *positional = argv[i];
        } else {
            fprintf(stderr, "postq-api: unexpected argument '%s'\n", argv[i]);
            return 0;
        }
    }
    return 1;
}

/* --help or -h anywhere after the command words. */
static int wants_help(int argc, char **argv, int start)
{
    for (int i = start; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return 1;
        }
    }
    return 0;
}

/* db as it may be shown: a URI's password (user:PASSWORD@ or password=…) becomes "***". */
static void redact_db(char *out, size_t cap, const char *db)
{
    const char *auth = strstr(db, "://");
    size_t o = 0;

    for (size_t i = 0; db[i] != '\0' && o + 4 < cap; i++) {
        const char *p = db + i;
        out[o++] = db[i];
        if (auth != NULL && p > auth + 2 && db[i] == ':' && strchr(p, '@') != NULL &&
            (strchr(auth + 3, '/') == NULL || strchr(p, '@') < strchr(auth + 3, '/')) &&
            memchr(auth + 3, '@', (size_t)(p - auth - 3)) == NULL) {
            memcpy(out + o, "***", 3); /* user:PASSWORD@host */
            o += 3;
            i = (size_t)(strchr(p, '@') - db) - 1;
        } else if (strncmp(p, "password=", 9) == 0 && (i == 0 || strchr("?& ", db[i - 1]))) {
            memcpy(out + o - 1, "password=***", 12);
            o += 11;
            i += 8;
            while (db[i + 1] != '\0' && db[i + 1] != '&' && db[i + 1] != ' ') {
                i++;
            }
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

static int open_store(const char *db, struct postq_store **s)
{
    postq_err err = postq_store_open(db, s);
    if (err != POSTQ_OK) {
        char shown[512];
        redact_db(shown, sizeof(shown), db);
        fprintf(stderr, "postq-api: cannot open the store %s: %s (%s)\n", shown,
                postq_strerror(err), postq_store_errmsg());
        return 0;
    }
    return 1;
}

/* The dashboard's directory beside this executable: BIN/../share/postq/web when installed,
 * build/web in a build tree (build/bin/postq-api, build/san/bin/postq-api; `make web` puts the
 * dashboard and the SDK's browser build there). NULL when none has index.html. */
static const char *default_web(char *out, size_t cap)
{
    static const char *const rel[] = {"/../share/postq/web", "/../web", "/../../web"};
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n <= 0) {
        return NULL;
    }
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL) {
        return NULL;
    }
    *slash = '\0';
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char index[2200];
        if (snprintf(out, cap, "%s%s", exe, rel[i]) >= (int)cap ||
            snprintf(index, sizeof(index), "%s/index.html", out) >= (int)sizeof(index)) {
            continue;
        }
        if (access(index, R_OK) == 0) {
            return out;
        }
    }
    return NULL;
}

/* Take the repeatable --rate-limit ROLE=RATE[/BURST] and --org-rate-limit RATE[/BURST] (either
 * may be "off") out of argv from start on, into conf; the remaining argc, or -1 after a
 * message. */
static int rate_opts(int argc, char **argv, int start, struct postq_ratelimit_conf *conf)
{
    int n = start;

    for (int i = start; i < argc; i++) {
        int role = strcmp(argv[i], "--rate-limit") == 0;
        postq_err err;

        if (!role && strcmp(argv[i], "--org-rate-limit") != 0) {
            argv[n++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "postq-api: %s needs a value\n", argv[i]);
            return -1;
        }
        err = role ? postq_ratelimit_parse_role(argv[i + 1], conf)
                   : postq_ratelimit_parse(argv[i + 1], &conf->org);
        if (err != POSTQ_OK) {
            fprintf(stderr,
                    "postq-api: %s %s: want %sRATE[/BURST] or %soff (RATE 0.001..1000000 "
                    "requests per second, up to 3 decimals; BURST 1..1000000)\n",
                    argv[i], argv[i + 1], role ? "ROLE=" : "", role ? "ROLE=" : "");
            return -1;
        }
        i++;
    }
    return n;
}

/* An optional unsigned option: absent leaves *out; out of lo..hi is a usage error. */
static int uint_opt(const char *v, const char *name, long lo, long hi, unsigned *out)
{
    char *end;
    long t;

    if (v == NULL) {
        return 1;
    }
    t = strtol(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || t < lo || t > hi) {
        fprintf(stderr, "postq-api: %s: %ld..%ld\n", name, lo, hi);
        return 0;
    }
    *out = (unsigned)t;
    return 1;
}

/* Every connection is a file descriptor: raise the soft open-file limit to the hard one, and
 * keep max_conns within it (with room for the store, the enclave pool and the logs). */
static int fit_open_files(struct postq_http_limits *lim)
{
    struct rlimit r;
    rlim_t need = (rlim_t)lim->max_conns + 128;

    if (getrlimit(RLIMIT_NOFILE, &r) != 0) {
        return 1;
    }
    if (r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &r);
        (void)getrlimit(RLIMIT_NOFILE, &r);
    }
    if (r.rlim_cur != RLIM_INFINITY && need > r.rlim_cur) {
        if (r.rlim_cur <= 256) {
            fprintf(stderr, "postq-api: the open-file limit (%llu) is too low to serve\n",
                    (unsigned long long)r.rlim_cur);
            return 0;
        }
        fprintf(stderr,
                "postq-api: WARNING: --max-connections %u does not fit the open-file limit "
                "(%llu); serving at most %llu connections (raise the limit: ulimit -n, "
                "LimitNOFILE=)\n",
                lim->max_conns, (unsigned long long)r.rlim_cur,
                (unsigned long long)(r.rlim_cur - 128));
        lim->max_conns = (unsigned)(r.rlim_cur - 128);
    }
    return 1;
}

static int cmd_serve(int argc, char **argv)
{
    static const char *const names[] = {
        "--listen",  "--db",      "--enclave",                "--state",         "--max-connections",
        "--web",     "--enclave-timeout", "--max-connections-per-ip", "--header-timeout",
        "--workers", "--kek"};
    const char *v[11] = {DEFAULT_LISTEN, DEFAULT_DB, DEFAULT_ENCLAVE, DEFAULT_STATE, NULL,
                         NULL,           NULL,       NULL,            NULL,          NULL, NULL};
    struct postq_http_limits lim;
    int enclave_timeout_ms = POSTQ_API_ENCLAVE_TIMEOUT_MS;
    char web[2100];
    struct postq_http_server *http = NULL;
    struct postq_http_app app;
    struct postq_api api;
    char bound[64];
    struct postq_ratelimit_conf rate;
    sigset_t set;
    postq_err err;
    int sig, rc = 1;

    if (wants_help(argc, argv, 2)) {
        usage(stdout);
        return 0;
    }
    postq_ratelimit_defaults(&rate);
    argc = rate_opts(argc, argv, 2, &rate);
    if (argc < 0 || !opts(argc, argv, 2, names, v, 11, NULL)) {
        return 2;
    }
    postq_http_limits_default(&lim);
    if (!uint_opt(v[7], "--max-connections-per-ip", 0, POSTQ_API_MAX_CONNS_MAX, &lim.per_ip) ||
        !uint_opt(v[8], "--header-timeout", 1, 600, &lim.header_timeout_s) ||
        !uint_opt(v[9], "--workers", 1, POSTQ_API_WORKERS_MAX, &lim.workers)) {
        return 2;
    }
    if (v[6] != NULL) {
        char *end;
        long t = strtol(v[6], &end, 10);
        if (v[6][0] == '\0' || *end != '\0' || t < 1 || t > 600) {
            fprintf(stderr, "postq-api: --enclave-timeout: 1..600 seconds\n");
            return 2;
        }
        enclave_timeout_ms = (int)t * 1000;
    }
    if (v[5] != NULL) {
        char index[2200];
        if (v[5][0] == '\0' ||
            snprintf(index, sizeof(index), "%s/index.html", v[5]) >= (int)sizeof(index) ||
            access(index, R_OK) != 0) {
            fprintf(stderr, "postq-api: --web %s: no index.html there\n", v[5]);
            return 2;
        }
    } else {
        v[5] = default_web(web, sizeof(web));
    }
    if (!uint_opt(v[4], "--max-connections", 1, POSTQ_API_MAX_CONNS_MAX, &lim.max_conns)) {
        return 2;
    }
    memset(&api, 0, sizeof(api));
    /* Secrets at rest and in memory: nothing this daemon writes (the database, its WAL and
     * SHM, the KEK) is readable by others, no core dump of it exists, and the KEK is locked
     * out of swap and out of any dump. */
    umask(077);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        fprintf(stderr, "postq-api: cannot make the process non-dumpable\n");
        return 1;
    }
    {
        void *p = NULL;
        int locked = 0;
        if (postq_secure_alloc(POSTQ_KEK_BYTES, &p, &locked) != POSTQ_OK) {
            fprintf(stderr, "postq-api: no memory for the key-encryption key\n");
            return 1;
        }
        api.kek = p;
        if (!locked) {
            fprintf(stderr, "postq-api: WARNING: mlock failed (RLIMIT_MEMLOCK?): the "
                            "key-encryption key may be swapped out\n");
        }
    }
    /* Signals are taken by sigwait below; every thread MHD starts inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit reached (RLIMIT_FSIZE) is a failed write to report, not a reason to die
     * in the middle of a commit. */
    signal(SIGXFSZ, SIG_IGN);
    if (!fit_open_files(&lim)) {
        return 1;
    }
    postq_metrics_init();
    json_object_seed(0); /* jansson's hash seed, once, before any thread makes an object */
    if (!open_store(v[1], &api.store)) {
        return 1;
    }
    if (v[10] != NULL) {
        err = postq_kek_load_file(v[10], api.kek);
        if (err != POSTQ_OK) {
            fprintf(stderr, "postq-api: --kek %s: %s\n", v[10],
                    err == POSTQ_E_NOT_FOUND ? "no such file (postq-api kek new FILE makes one)"
                                             : "not a key-encryption key: a regular file of 32 "
                                               "bytes, mode 0600");
            goto out;
        }
    } else {
        err = postq_kek_load(v[3], api.kek);
        if (err != POSTQ_OK) {
            fprintf(stderr, "postq-api: cannot load or create %s/kek.key: %s\n", v[3],
                    postq_strerror(err));
            goto out;
        }
    }
    api.have_kek = 1;
    api.log_requests = 1;
    api.web_dir = v[5];
    err = postq_enclave_pool_new(v[2], enclave_timeout_ms, &api.enclave);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: --enclave %s: %s\n", v[2], postq_strerror(err));
        goto out;
    }
    err = postq_api_log_open(&api);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: transparency log: %s\n", postq_strerror(err));
        goto out;
    }
    err = postq_ratelimit_new(&rate, &api.ratelimit);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: rate limits: %s\n", postq_strerror(err));
        goto out;
    }
    err = postq_vcache_new(POSTQ_API_VCACHE_ENTRIES, &api.vcache);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: verification cache: %s\n", postq_strerror(err));
        goto out;
    }
    app.body_cap = postq_api_body_cap;
    app.handle = postq_api_handle;
    app.ctx = &api;
    err = postq_http_start(&http, v[0], &lim, &app, bound, sizeof(bound));
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: cannot listen on %s: %s\n", v[0], postq_strerror(err));
        goto out;
    }
    printf("postq-api listening on http://%s\n", bound);
    fflush(stdout);
    fprintf(stderr, "postq-api: store %s, enclave %s, dashboard %s\n", v[1], v[2],
            v[5] != NULL ? v[5] : "none (--web DIR)");
    fprintf(stderr,
            "postq-api: up to %u connections (%u per client address%s), request head within "
            "%u s, %u workers\n",
            lim.max_conns, lim.per_ip, lim.per_ip == 0 ? ": no limit" : "",
            lim.header_timeout_s, lim.workers);
    {
        char rl[4][48];
        for (size_t i = 0; i < 3; i++) {
            postq_ratelimit_format(rl[i], sizeof(rl[i]), &rate.role[i]);
        }
        postq_ratelimit_format(rl[3], sizeof(rl[3]), &rate.org);
        fprintf(stderr, "postq-api: rate limits per API key: admin %s, signer %s, viewer %s; "
                        "per organisation %s\n", rl[0], rl[1], rl[2], rl[3]);
    }
    if (sigwait(&set, &sig) == 0) {
        fprintf(stderr, "postq-api: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    rc = 0;
out:
    postq_http_stop(http);
    postq_api_log_close(&api);
    postq_enclave_pool_free(api.enclave);
    postq_vcache_free(api.vcache);
    postq_ratelimit_free(api.ratelimit);
    postq_store_close(api.store);
    postq_secure_free(api.kek, POSTQ_KEK_BYTES);
    return rc;
}

static int cmd_org_create(int argc, char **argv)
{
    static const char *const names[] = {"--db"};
    const char *v[1] = {DEFAULT_DB}, *name;
    struct postq_store *s = NULL;
    struct postq_store_org org;
    struct postq_store_apikey k;
    char token[POSTQ_TOKEN_MAX];
    postq_err err;

    if (wants_help(argc, argv, 3)) {
        usage(stdout);
        return 0;
    }
    if (!opts(argc, argv, 3, names, v, 1, &name) || name == NULL) {
        fprintf(stderr, "usage: postq-api org create NAME [--db URL]\n");
        return 2;
    }
    {
        enum postq_name_verdict nv = postq_name_check(name, strlen(name), POSTQ_STORE_NAME_CHARS);
        if (nv != POSTQ_NAME_OK) {
            fprintf(stderr, "postq-api: NAME %s (1..%d characters, no control characters)\n",
                    postq_name_verdict_text(nv), POSTQ_STORE_NAME_CHARS);
            return 2;
        }
    }
    if (!open_store(v[0], &s)) {
        return 1;
    }
    memset(&org, 0, sizeof(org));
    memset(&k, 0, sizeof(k));
    err = postq_store_org_create(s, name, &org);
    if (err == POSTQ_OK) {
        err = postq_api_apikey_create(s, org.id, "admin", POSTQ_STORE_ROLE_ADMIN, &k, token,
                                      sizeof(token));
    }
    postq_store_close(s);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: org create: %s\n", postq_strerror(err));
        return 1;
    }
    fprintf(stderr, "organisation %s (%s); its admin API key, shown once:\n", org.id, name);
    printf("%s\n", token);
    postq_wipe(token, sizeof(token));
    return 0;
}

static int cmd_apikey_create(int argc, char **argv)
{
    static const char *const names[] = {"--db", "--org", "--role", "--name"};
    const char *v[4] = {DEFAULT_DB, NULL, NULL, NULL};
    struct postq_store *s = NULL;
    struct postq_store_apikey k;
    enum postq_store_role role;
    char token[POSTQ_TOKEN_MAX];
    postq_err err;

    if (wants_help(argc, argv, 3)) {
        usage(stdout);
        return 0;
    }
    if (!opts(argc, argv, 3, names, v, 4, NULL) || v[1] == NULL || v[2] == NULL) {
        fprintf(stderr, "usage: postq-api apikey create --org ID --role admin|signer|viewer "
                        "[--name N] [--db URL]\n");
        return 2;
    }
    if (strcmp(v[2], "admin") == 0) {
        role = POSTQ_STORE_ROLE_ADMIN;
    } else if (strcmp(v[2], "signer") == 0) {
        role = POSTQ_STORE_ROLE_SIGNER;
    } else if (strcmp(v[2], "viewer") == 0) {
        role = POSTQ_STORE_ROLE_VIEWER;
    } else {
        fprintf(stderr, "postq-api: --role: admin, signer or viewer\n");
        return 2;
    }
    if (postq_id_check(v[1], "org") != POSTQ_OK) {
        fprintf(stderr, "postq-api: --org: not an organisation id (org_…)\n");
        return 2;
    }
    if (!open_store(v[0], &s)) {
        return 1;
    }
    memset(&k, 0, sizeof(k));
    err = postq_api_apikey_create(s, v[1], v[3] != NULL ? v[3] : v[2], role, &k, token,
                                  sizeof(token));
    postq_store_close(s);
    if (err != POSTQ_OK) {
        fprintf(stderr, "postq-api: apikey create: %s\n",
                err == POSTQ_E_NOT_FOUND ? "no such organisation" : postq_strerror(err));
        return 1;
    }
    fprintf(stderr, "API key %s (%s) of %s, shown once:\n", k.id, v[2], v[1]);
    printf("%s\n", token);
    postq_wipe(token, sizeof(token));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("postq-api %s\n", POSTQ_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
        return cmd_serve(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "kek") == 0) {
        postq_err err;
        if (argc != 4 || strcmp(argv[2], "new") != 0) {
            fprintf(stderr, "postq-api: usage: postq-api kek new FILE\n");
            return 2;
        }
        umask(077);
        err = postq_kek_new_file(argv[3]);
        if (err != POSTQ_OK) {
            fprintf(stderr, "postq-api: kek new %s: %s\n", argv[3],
                    err == POSTQ_E_CONFLICT ? "exists; a key-encryption key is never replaced"
                                            : strerror(errno));
            return err == POSTQ_E_CONFLICT || err == POSTQ_E_ARG ? 2 : 1;
        }
        printf("key-encryption key written to %s (mode 0600): start each API node with "
               "--kek %s\n",
               argv[3], argv[3]);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "org") == 0 && strcmp(argv[2], "create") == 0) {
        return cmd_org_create(argc, argv);
    }
    if (argc >= 3 && strcmp(argv[1], "apikey") == 0 && strcmp(argv[2], "create") == 0) {
        return cmd_apikey_create(argc, argv);
    }
    usage(stderr);
    return 2;
}
