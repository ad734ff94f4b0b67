/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: postq-api's request handling (src/server/api.c, sign.c, web.c) without
 * libmicrohttpd. The input is an HTTP/1.1-like request,
 *
 *     METHOD SP TARGET LF  ("Name: value" LF)*  LF  body
 *
 * (CR before LF is dropped). TARGET is the path, percent-decoded, then "?" and a query string
 * of name=value pairs split and decoded as libmicrohttpd does ("+" is a space). The headers the
 * handlers read are Authorization and Content-Type; Content-Length marks the body too large as
 * http.c does. Placeholders anywhere in the input stand for what the fuzzer cannot guess:
 * $ADMIN $SIGNER $VIEWER $OTHER (API keys: admin, signer and viewer of one organisation, admin
 * of another), $POLICY (bound to $EKEY), $POLICY2 (unbound), $KEY (software key), $EKEY
 * (enclave key), $SIG (a signature), $APIKEY (a deletable viewer key's id).
 * The store is a real SQLite database in a temporary directory made once per process (removed
 * at exit); the enclave's address refuses connections, so its paths answer 503 at once.
 * Aborts when a reply is not one of the API's statuses, an error reply (>= 400; /healthz's
 * 503 is its health document) is not {"error":{"code","message"}} JSON, a JSON reply does not
 * parse, a reply contains an API key, or any 500 is answered (no request of a client may cause
 * one here).
 * Build: make fuzz (links postq-api's objects but main.o, libpostq-server, SQLite and
 * libmicrohttpd). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto/rand.h"
#include "server/server.h"

#include "../lib/logsigner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An API key the target made: its role, organisation and token. */
struct fuzz_api_key {
    enum postq_store_role role;
    int other_org;
    char id[POSTQ_ID_MAX];
    char token[POSTQ_TOKEN_MAX];
};

enum { FUZZ_API_ADMIN, FUZZ_API_SIGNER, FUZZ_API_VIEWER, FUZZ_API_OTHER, FUZZ_API_VICTIM,
       FUZZ_API_NKEYS };

struct fuzz_api_state {
    char dir[256];
    char web[300];
    struct postq_api api;
    uint8_t kek[POSTQ_KEK_BYTES]; /* api.kek points here */
    char org[POSTQ_ID_MAX], other_org[POSTQ_ID_MAX];
    struct fuzz_api_key keys[FUZZ_API_NKEYS];
    char policy[POSTQ_ID_MAX], policy2[POSTQ_ID_MAX];
    char key[POSTQ_ID_MAX], ekey[POSTQ_ID_MAX], sig[POSTQ_ID_MAX];
};

static struct fuzz_api_state *fuzz_api_st;
static int fuzz_api_last_status; /* of the last input, for the replay test */

#define FUZZ_API_QUERY_MAX 16

/* The query string's pairs; req->conn_ points here. */
struct fuzz_api_query {
    size_t n;
    const char *name[FUZZ_API_QUERY_MAX];
    const char *value[FUZZ_API_QUERY_MAX]; /* NULL for a name without "=" */
};

static const char fuzz_api_policy_body[] =
    "{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":["
    "\"1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f\"],"
    "\"rootPublicKeyB64\":\"A2Dt8aB8KSXfA/eN9I5UX20S9k52oJV7040ICS4aBP4=\"}}";

static void fuzz_api_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_api: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    abort();
}

/* ---- requests ---- */

static const char *fuzz_api_query_get(const struct postq_http_req *req, const char *name)
{
    const struct fuzz_api_query *q = req->conn_;
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->name[i], name) == 0) {
            return q->value[i];
        }
    }
    return NULL;
}

/* A reply to path as the API promises it; abort otherwise. */
static void fuzz_api_check(const char *path, const struct postq_http_resp *resp)
{
    static const int ok_status[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422,
                                    503};
    const char *body = resp->body.p != NULL ? (const char *)resp->body.p : "";
    int known = 0;
    json_error_t e;
    json_t *j;

    for (size_t i = 0; i < sizeof(ok_status) / sizeof(ok_status[0]); i++) {
        known |= resp->status == ok_status[i];
    }
    if (!known || strncmp(resp->request_id, "req_", 4) != 0) {
        fprintf(stderr, "fuzz_api: status %d, request id \"%s\", body %s\n", resp->status,
                resp->request_id, body);
        fuzz_api_die("not a status of the API", NULL);
    }
    for (size_t i = 0; i < FUZZ_API_NKEYS; i++) {
        if (fuzz_api_st->keys[i].token[0] != '\0' &&
            memmem(body, resp->body.len, fuzz_api_st->keys[i].token,
                   strlen(fuzz_api_st->keys[i].token)) != NULL) {
            fuzz_api_die("an API key in a reply", NULL);
        }
    }
    if (resp->status == 204) {
        if (resp->body.len != 0) {
            fuzz_api_die("a 204 with a body", body);
        }
        return;
    }
    if (resp->content_type == NULL) {
        fuzz_api_die("no content type", body);
    }
    if (resp->status < 400 && strcmp(resp->content_type, "application/json") != 0) {
        return; /* /metrics, the dashboard's files */
    }
    if (strcmp(resp->content_type, "application/json") != 0) {
        fuzz_api_die("an error reply that is not JSON", resp->content_type);
    }
    j = json_loadb(body, resp->body.len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL || !json_is_object(j)) {
        fuzz_api_die("a JSON reply that does not parse", body);
    }
    if (strcmp(path, "/healthz") == 0 && json_object_get(j, "error") == NULL) {
        /* The probe's GET answers its health document, 503 included (docs/openapi.yaml). */
        if (!json_is_string(json_object_get(j, "status"))) {
            fuzz_api_die("a health reply without status", body);
        }
    } else if (resp->status >= 400) {
        json_t *err = json_object_get(j, "error");
        json_t *code = json_object_get(err, "code");
        json_t *msg = json_object_get(err, "message");
        if (json_object_size(j) != 1 || !json_is_object(err) || json_object_size(err) != 2 ||
            !json_is_string(code) || json_string_length(code) == 0 || !json_is_string(msg) ||
            resp->error_code == NULL || strcmp(resp->error_code, json_string_value(code)) != 0) {
            fuzz_api_die("an error reply that is not {\"error\":{\"code\",\"message\"}}", body);
        }
    }
    json_decref(j);
}

/* One request through postq_api_handle; the checked status, and the body into out (when not
 * NULL; a C string of out_cap bytes at most). */
static int fuzz_api_call(const char *method, const char *path, const struct fuzz_api_query *q,
                         const char *auth, const char *ctype, const char *clen,
                         const uint8_t *body, size_t body_len, char *out, size_t out_cap)
{
    struct postq_http_req req;
    struct postq_http_resp resp;
    struct postq_arena arena;
    size_t cap;
    int status;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    postq_arena_init(&arena);
    req.method = method;
    req.path = path;
    req.authorization = auth;
    req.content_type = ctype;
    req.body.p = body_len > 0 ? body : NULL;
    req.body.len = body_len;
    req.query = fuzz_api_query_get;
    req.conn_ = (void *)(uintptr_t)q;
    req.arena = &arena;
    /* As http.c: the cap is decided from the headers; a Content-Length that is not a number or
     * is over it, or a body over it, is too large. */
    cap = postq_api_body_cap(&fuzz_api_st->api, method, path, ctype, auth);
    if (clen != NULL) {
        char *end;
        unsigned long long n = strtoull(clen, &end, 10);
        req.body_too_large = *end != '\0' || n > cap;
    }
    req.body_too_large |= body_len > cap;
    postq_buf_init(&resp.body, POSTQ_API_JSON_MAX);
    postq_api_handle(&fuzz_api_st->api, &req, &resp);
    fuzz_api_check(path, &resp);
    status = resp.status;
    if (out != NULL) {
        snprintf(out, out_cap, "%s", resp.body.p != NULL ? (const char *)resp.body.p : "");
    }
    postq_buf_free(&resp.body);
    postq_arena_release(&arena);
    return status;
}

/* ---- the fixtures ---- */

/* The value of the first "name":"…" in a JSON reply. */
static void fuzz_api_field(const char *json, const char *name, char *out, size_t cap)
{
    char pat[64];
    const char *p, *e;

    snprintf(pat, sizeof(pat), "\"%s\":\"", name);
    p = strstr(json, pat);
    if (p == NULL) {
        fuzz_api_die("no field in the set-up reply", json);
    }
    p += strlen(pat);
    e = strchr(p, '"');
    if (e == NULL || (size_t)(e - p) >= cap) {
        fuzz_api_die("bad field in the set-up reply", json);
    }
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
}

/* A set-up request as the admin; the id of what it made. */
static void fuzz_api_make(const char *path, const char *body, char *id)
{
    static const struct fuzz_api_query none = {0, {NULL}, {NULL}};
    char auth[POSTQ_TOKEN_MAX + 8], out[8192];
    int status;

    snprintf(auth, sizeof(auth), "Bearer %s", fuzz_api_st->keys[FUZZ_API_ADMIN].token);
    status = fuzz_api_call("POST", path, &none, auth, "application/json", NULL,
                           (const uint8_t *)body, strlen(body), out, sizeof(out));
    if (status != 200 && status != 201) {
        fuzz_api_die("set-up request failed", out);
    }
    fuzz_api_field(out, "id", id, POSTQ_ID_MAX);
}

static void fuzz_api_make_key(struct fuzz_api_key *k)
{
    struct postq_store_apikey rec;
    const char *org = k->other_org ? fuzz_api_st->other_org : fuzz_api_st->org;

    if (postq_api_apikey_create(fuzz_api_st->api.store, org, "fuzz", k->role, &rec, k->token,
                                sizeof(k->token)) != POSTQ_OK) {
        fuzz_api_die("cannot create an API key", NULL);
    }
    memcpy(k->id, rec.id, sizeof(k->id));
}

/* An enclave-mock key bound to $POLICY, written to the store directly (keygen needs the
 * enclave): the software key's public key and a sealed blob the enclave would refuse. */
static void fuzz_api_make_ekey(void)
{
    static const uint8_t sealed[64] = {1};
    struct postq_store_key sw, in, out;

    memset(&sw, 0, sizeof(sw));
    memset(&in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
    if (postq_store_key_get(fuzz_api_st->api.store, fuzz_api_st->org, fuzz_api_st->key, &sw) !=
        POSTQ_OK) {
        fuzz_api_die("cannot read the software key", NULL);
    }
    snprintf(in.name, sizeof(in.name), "enclave");
    memcpy(in.algorithm, sw.algorithm, sizeof(in.algorithm));
    snprintf(in.provider, sizeof(in.provider), "enclave-mock");
    memcpy(in.policy_id, fuzz_api_st->policy, sizeof(in.policy_id));
    in.public_key = sw.public_key;
    in.sealed_key.p = sealed;
    in.sealed_key.len = sizeof(sealed);
    if (postq_store_key_create(fuzz_api_st->api.store, fuzz_api_st->org, &in, &out) != POSTQ_OK) {
        fuzz_api_die("cannot create the enclave key", NULL);
    }
    memcpy(fuzz_api_st->ekey, out.id, sizeof(fuzz_api_st->ekey));
    postq_store_key_clear(&out);
    postq_store_key_clear(&sw);
}

static void fuzz_api_write(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fuzz_api_die("cannot write", path);
    }
}

static void fuzz_api_rmtree(const char *path)
{
    char sub[512];
    struct dirent *e;
    struct stat st;
    DIR *d = opendir(path);

    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
                fuzz_api_rmtree(sub);
            } else {
                (void)unlink(sub);
            }
        }
        closedir(d);
    }
    (void)rmdir(path);
}

static void fuzz_api_teardown(void)
{
    postq_api_log_close(&fuzz_api_st->api);
    postq_enclave_pool_free(fuzz_api_st->api.enclave);
    postq_store_close(fuzz_api_st->api.store);
    fuzz_api_rmtree(fuzz_api_st->dir);
    free(fuzz_api_st);
    fuzz_api_st = NULL;
}

static void fuzz_api_setup(void)
{
    static const struct {
        enum postq_store_role role;
        int other_org;
    } keys[FUZZ_API_NKEYS] = {
        [FUZZ_API_ADMIN] = {POSTQ_STORE_ROLE_ADMIN, 0},
        [FUZZ_API_SIGNER] = {POSTQ_STORE_ROLE_SIGNER, 0},
        [FUZZ_API_VIEWER] = {POSTQ_STORE_ROLE_VIEWER, 0},
        [FUZZ_API_OTHER] = {POSTQ_STORE_ROLE_ADMIN, 1},
        [FUZZ_API_VICTIM] = {POSTQ_STORE_ROLE_VIEWER, 0},
    };
    struct fuzz_api_state *st = calloc(1, sizeof(*st));
    struct postq_store_org org;
    const char *tmp = getenv("TMPDIR");
    char url[320], addr[320], sig_body[256];

    if (st == NULL) {
        fuzz_api_die("out of memory", NULL);
    }
    fuzz_api_st = st;
    snprintf(st->dir, sizeof(st->dir), "%s/postq-fuzz-api-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(st->dir) == NULL) {
        fuzz_api_die("cannot make a temporary directory", st->dir);
    }
    if (atexit(fuzz_api_teardown) != 0) {
        fuzz_api_die("atexit", NULL);
    }
    /* The dashboard's directory: one page and one script, so web.c serves real files. */
    snprintf(st->web, sizeof(st->web), "%s/web", st->dir);
    if (mkdir(st->web, 0700) != 0) {
        fuzz_api_die("cannot make", st->web);
    }
    fuzz_api_write(st->web, "index.html", "<!doctype html><title>PostQ</title>\n");
    fuzz_api_write(st->web, "app.js", "export {};\n");
    st->api.web_dir = st->web;
    snprintf(url, sizeof(url), "sqlite:%s/api.db", st->dir);
    snprintf(addr, sizeof(addr), "unix:%s/no-enclave.sock", st->dir);
    if (postq_store_open(url, &st->api.store) != POSTQ_OK ||
        postq_enclave_pool_new(addr, 1000, &st->api.enclave) != POSTQ_OK ||
        postq_rand_bytes(st->api.kek = st->kek, sizeof(st->kek)) != POSTQ_OK) {
        fuzz_api_die("cannot open the store or the enclave pool", url);
    }
    st->api.have_kek = 1;
    /* The transparency log: checkpoints signed in-process by the test keys (no enclave). */
    if (postq_api_log_open(&st->api) != POSTQ_OK) {
        fuzz_api_die("cannot set up the transparency log", NULL);
    }
    postq_store_set_log_signer(st->api.store, tl_log_signer, NULL);
    postq_metrics_init();
    memset(&org, 0, sizeof(org));
    if (postq_store_org_create(st->api.store, "acme", &org) != POSTQ_OK) {
        fuzz_api_die("cannot create an organisation", NULL);
    }
    memcpy(st->org, org.id, sizeof(st->org));
    if (postq_store_org_create(st->api.store, "globex", &org) != POSTQ_OK) {
        fuzz_api_die("cannot create an organisation", NULL);
    }
    memcpy(st->other_org, org.id, sizeof(st->other_org));
    for (size_t i = 0; i < FUZZ_API_NKEYS; i++) {
        st->keys[i].role = keys[i].role;
        st->keys[i].other_org = keys[i].other_org;
        fuzz_api_make_key(&st->keys[i]);
    }
    fuzz_api_make("/v1/attestation-policies", fuzz_api_policy_body, st->policy);
    fuzz_api_make("/v1/attestation-policies", fuzz_api_policy_body, st->policy2);
    fuzz_api_make("/v1/hybrid-keys", "{\"name\":\"sw\",\"pqProvider\":\"software\"}", st->key);
    fuzz_api_make_ekey();
    snprintf(sig_body, sizeof(sig_body), "{\"keyId\":\"%s\",\"payloadB64\":\"aGVsbG8=\"}",
             st->key);
    fuzz_api_make("/v1/sign", sig_body, st->sig);
}

/* Put back what a DELETE may have removed: $POLICY2 and the API keys. */
static void fuzz_api_restore(void)
{
    struct fuzz_api_state *st = fuzz_api_st;
    struct postq_store_policy pol;
    struct postq_store_apikey k;
    postq_err err;

    memset(&pol, 0, sizeof(pol));
    err = postq_store_policy_get(st->api.store, st->org, st->policy2, &pol);
    postq_store_policy_clear(&pol);
    if (err == POSTQ_E_NOT_FOUND) {
        fuzz_api_make("/v1/attestation-policies", fuzz_api_policy_body, st->policy2);
    }
    for (size_t i = 0; i < FUZZ_API_NKEYS; i++) {
        if (postq_store_apikey_get_by_id(st->api.store, st->keys[i].id, &k) == POSTQ_E_NOT_FOUND) {
            fuzz_api_make_key(&st->keys[i]);
        }
    }
}

/* ---- the input ---- */

/* The input with every placeholder replaced; a C string (malloc'd; NULs inside are kept). */
static char *fuzz_api_expand(const uint8_t *data, size_t size, size_t *len)
{
    struct fuzz_api_state *st = fuzz_api_st;
    const struct {
        const char *name;
        const char *value;
    } ph[] = {
        /* $POLICY2 before $POLICY, which is its prefix. */
        {"$ADMIN", st->keys[FUZZ_API_ADMIN].token},
        {"$SIGNER", st->keys[FUZZ_API_SIGNER].token},
        {"$VIEWER", st->keys[FUZZ_API_VIEWER].token},
        {"$OTHER", st->keys[FUZZ_API_OTHER].token},
        {"$POLICY2", st->policy2},
        {"$POLICY", st->policy},
        {"$EKEY", st->ekey},
        {"$KEY", st->key},
        {"$SIG", st->sig},
        {"$APIKEY", st->keys[FUZZ_API_VICTIM].id},
    };
    /* A placeholder of 4 characters or more becomes at most POSTQ_TOKEN_MAX. */
    char *out = malloc(size * (POSTQ_TOKEN_MAX / 4 + 1) + 1);
    size_t o = 0;

    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < size;) {
        size_t k = 0, n = 0;
        if (data[i] == '$') {
            for (k = 0; k < sizeof(ph) / sizeof(ph[0]); k++) {
                n = strlen(ph[k].name);
                if (size - i >= n && memcmp(data + i, ph[k].name, n) == 0) {
                    break;
                }
            }
        }
        if (data[i] == '$' && k < sizeof(ph) / sizeof(ph[0])) {
            memcpy(out + o, ph[k].value, strlen(ph[k].value));
            o += strlen(ph[k].value);
            i += n;
        } else {
            out[o++] = (char)data[i++];
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static int fuzz_api_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Percent-decode s in place ("+" too, as a space, when plus); stops at a decoded NUL as
 * libmicrohttpd's C strings do. */
static void fuzz_api_unescape(char *s, int plus)
{
    char *w = s;
    for (const char *r = s; *r != '\0'; w++) {
        int hi, lo;
        if (r[0] == '%' && (hi = fuzz_api_hex(r[1])) >= 0 && (lo = fuzz_api_hex(r[2])) >= 0) {
            *w = (char)(hi << 4 | lo);
            r += 3;
        } else {
            *w = plus && *r == '+' ? ' ' : *r;
            r++;
        }
    }
    *w = '\0';
}

/* Split the query string s (modified in place) into q. */
static void fuzz_api_parse_query(char *s, struct fuzz_api_query *q)
{
    q->n = 0;
    while (s != NULL && *s != '\0' && q->n < FUZZ_API_QUERY_MAX) {
        char *amp = strchr(s, '&');
        char *eq;
        if (amp != NULL) {
            *amp = '\0';
        }
        eq = strchr(s, '=');
        if (eq != NULL) {
            *eq = '\0';
            fuzz_api_unescape(eq + 1, 1);
        }
        fuzz_api_unescape(s, 1);
        q->name[q->n] = s;
        q->value[q->n] = eq != NULL ? eq + 1 : NULL;
        q->n++;
        s = amp != NULL ? amp + 1 : NULL;
    }
}

/* The next line of buf[*at..len), NUL-terminated in place without its CR LF; NULL at the end. */
static char *fuzz_api_line(char *buf, size_t len, size_t *at)
{
    char *line = buf + *at;
    char *nl;

    if (*at >= len) {
        return NULL;
    }
    nl = memchr(line, '\n', len - *at);
    if (nl == NULL) {
        *at = len;
        return line; /* buf[len] is the NUL */
    }
    *nl = '\0';
    *at = (size_t)(nl - buf) + 1;
    if (nl > line && nl[-1] == '\r') {
        nl[-1] = '\0';
    }
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_api_query q;
    const char *auth = NULL, *ctype = NULL, *clen = NULL;
    char *buf, *line, *method, *path, *sp, *qs;
    size_t len = 0, at = 0;
    int status;

    if (fuzz_api_st == NULL) {
        fuzz_api_setup();
    }
    buf = fuzz_api_expand(data, size, &len);
    if (buf == NULL) {
        return 0;
    }
    method = fuzz_api_line(buf, len, &at);
    if (method == NULL) {
        method = buf; /* "" */
    }
    sp = strchr(method, ' ');
    path = sp != NULL ? sp + 1 : method + strlen(method);
    if (sp != NULL) {
        *sp = '\0';
    }
    qs = strchr(path, '?');
    if (qs != NULL) {
        *qs++ = '\0';
    }
    fuzz_api_unescape(path, 0);
    fuzz_api_parse_query(qs, &q);
    /* Headers up to an empty line; the first of each name counts, as in libmicrohttpd. */
    while ((line = fuzz_api_line(buf, len, &at)) != NULL && line[0] != '\0') {
        char *colon = strchr(line, ':');
        const char **slot = NULL;
        char *v, *end;
        if (colon == NULL) {
            continue;
        }
        *colon = '\0';
        if (strcasecmp(line, "Authorization") == 0) {
            slot = &auth;
        } else if (strcasecmp(line, "Content-Type") == 0) {
            slot = &ctype;
        } else if (strcasecmp(line, "Content-Length") == 0) {
            slot = &clen;
        }
        if (slot == NULL || *slot != NULL) {
            continue;
        }
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {
        }
        for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--) {
        }
        *end = '\0';
        *slot = v;
    }
    status = fuzz_api_call(method, path, &q, auth, ctype, clen, (const uint8_t *)buf + at,
                           len - at, NULL, 0);
    fuzz_api_last_status = status;
    if (status == 204 && strcmp(method, "DELETE") == 0) {
        fuzz_api_restore();
    }
    free(buf);
    return 0;
}
