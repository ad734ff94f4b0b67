/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP API of docs/http-api.md: routing, the role each route needs (checked by auth.c, which
 * also authenticates), strict request JSON, and the handlers for policies, hybrid keys,
 * signatures, API keys, the enclave, health and metrics (the sign path is in sign.c).
 * Errors are {"error":{"code","message"}}; every query is scoped to the caller's organisation,
 * so another organisation's id answers 404 like a missing one. */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <postq/hybrid.h>

#include "attest/verifier.h"
#include "common/base64.h"
#include "common/errmap.h"
#include "common/hex.h"
#include "common/id.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "crypto/rand.h"
#include "crypto/sha2.h"
#include "attest/policy.h"
#include "server/server.h"

#define PAGE_DEFAULT 50

/* ---- replies ---- */

void postq_api_error(struct postq_http_resp *resp, int status, const char *code,
                     const char *message)
{
    char fixed[512];
    json_t *j;

    resp->error_code = code;
    /* A message quoting the client's bytes may not be UTF-8, which JSON strings must be: repair
     * it rather than turn the intended status into a 500. */
    (void)snprintf(fixed, sizeof(fixed), "%s", message != NULL ? message : "");
    (void)postq_utf8_repair(fixed);
    j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", fixed);
    postq_api_json_reply(resp, status, j);
    if (j == NULL) {
        resp->status = 500;
    }
}

void postq_api_touch(struct postq_http_resp *resp, const char *id)
{
    if (id == NULL || id[0] == '\0') {
        return;
    }
    for (size_t i = 0; i < sizeof(resp->log_ids) / sizeof(resp->log_ids[0]); i++) {
        if (resp->log_ids[i][0] == '\0') {
            (void)snprintf(resp->log_ids[i], sizeof(resp->log_ids[i]), "%s", id);
            return;
        }
    }
}

/* The reply could not be built: a fixed 500 body. */
static void reply_internal(struct postq_http_resp *resp, postq_err err)
{
    postq_buf_reset(&resp->body);
    resp->status = 500;
    resp->content_type = "application/json";
    if (postq_buf_append_str(&resp->body,
                             err == POSTQ_E_TOO_LARGE
                                 ? "{\"error\":{\"code\":\"internal\",\"message\":\"reply too "
                                   "large\"}}"
                                 : "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
                                   "memory\"}}") != POSTQ_OK) {
        resp->body.len = 0;
    }
}

static int dump_to_buf(const char *p, size_t n, void *ctx)
{
    struct postq_jsonw *w = ctx;
    if (w->err == POSTQ_OK) {
        w->err = postq_buf_append(w->b, p, n);
    }
    return w->err == POSTQ_OK ? 0 : -1;
}

void postq_api_json_reply(struct postq_http_resp *resp, int status, json_t *j)
{
    struct postq_jsonw w;
    postq_buf_reset(&resp->body);
    postq_jsonw_init(&w, &resp->body);
    /* One pass into the body (json_dumpb would need a second to learn the size). */
    if (j == NULL || json_dump_callback(j, dump_to_buf, &w, JSON_COMPACT) != 0) {
        json_decref(j);
        reply_internal(resp, j == NULL ? POSTQ_E_NOMEM : w.err);
        return;
    }
    json_decref(j);
    postq_api_jsonw_reply(resp, status, &w);
}

void postq_api_jsonw_begin(struct postq_http_resp *resp, struct postq_jsonw *w)
{
    postq_buf_reset(&resp->body);
    postq_jsonw_init(w, &resp->body);
}

void postq_api_jsonw_reply(struct postq_http_resp *resp, int status, struct postq_jsonw *w)
{
    postq_err err = postq_jsonw_finish(w);
    if (err == POSTQ_OK) {
        err = postq_buf_append(&resp->body, "\n", 1);
    }
    if (err != POSTQ_OK) {
        reply_internal(resp, err);
        return;
    }
    resp->content_type = "application/json";
    resp->status = status;
}

void postq_api_fail(struct postq_http_resp *resp, postq_err err, const char *what)
{
    char msg[256];
    const char *code;
    int status = postq_errmap_http_status(err);
    switch (err) {
    case POSTQ_E_NOT_FOUND:
        code = "not_found";
        break;
    case POSTQ_E_CONFLICT:
        code = "conflict";
        break;
    case POSTQ_E_BUSY:
        code = "busy";
        break;
    case POSTQ_E_NETWORK:
        /* Only the store answers this here (PostgreSQL cannot be reached; nothing was
         * written): the enclave's own failures are enclave_unavailable. */
        code = "store_unavailable";
        status = 503;
        resp->retry_after = 1;
        break;
    case POSTQ_E_ARG:
    case POSTQ_E_MALFORMED:
    case POSTQ_E_LENGTH:
        code = "invalid_request";
        status = 400;
        break;
    case POSTQ_E_TOO_LARGE:
        code = "too_large";
        break;
    default:
        code = "internal";
        status = 500;
        break;
    }
    snprintf(msg, sizeof(msg), "%s: %s", what, postq_strerror(err));
    postq_api_error(resp, status, code, msg);
}

static void text_reply(struct postq_http_resp *resp, int status, const char *ctype)
{
    resp->status = status;
    resp->content_type = ctype;
}

/* ---- request helpers ---- */

/* Parse the body as one JSON object, strictly: NULL after answering 415 or 400 (413 is
 * dispatch's, before any handler). */
static json_t *json_body(const struct postq_http_req *req, struct postq_http_resp *resp)
{
    json_error_t e;
    json_t *j;
    char msg[300];

    if (!postq_api_media_is(req->content_type, "application/json")) {
        postq_api_error(resp, 415, "unsupported_media_type", "the body must be application/json");
        return NULL;
    }
    j = json_loadb((const char *)req->body.p, req->body.len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        snprintf(msg, sizeof(msg), "invalid JSON at byte %d: %s", e.position, e.text);
        postq_api_error(resp, 400,
                        strstr(e.text, "duplicate") != NULL ? "duplicate_member" : "malformed_json",
                        msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        postq_api_error(resp, 400, "invalid_request", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* A string member: 1 and *out set; 0 when absent or null (then *out NULL); -1 after
 * answering 400 (wrong type, empty or longer than max - 1 bytes). */
static int str_member(json_t *o, const char *name, size_t max, const char **out,
                      struct postq_http_resp *resp)
{
    char msg[160];
    json_t *v = json_object_get(o, name);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(msg, sizeof(msg), "%s: must be a non-empty string of at most %zu bytes", name,
                 max - 1);
        postq_api_error(resp, 400, "invalid_request", msg);
        return -1;
    }
    *out = json_string_value(v);
    return 1;
}

static int required_str(json_t *o, const char *name, size_t max, const char **out,
                        struct postq_http_resp *resp)
{
    char msg[160];
    int r = str_member(o, name, max, out, resp);
    if (r == 0) {
        snprintf(msg, sizeof(msg), "%s: required", name);
        postq_api_error(resp, 400, "invalid_request", msg);
        return -1;
    }
    return r;
}

/* The "name" member: required, at most POSTQ_STORE_NAME_CHARS characters, and nothing a
 * terminal would act on (another user's `postq key list` prints it). 1, or -1 after answering
 * 400. */
static int name_member(json_t *o, const char **out, struct postq_http_resp *resp)
{
    char msg[160];
    enum postq_name_verdict v;

    if (required_str(o, "name", POSTQ_STORE_NAME_MAX, out, resp) < 0) {
        return -1;
    }
    v = postq_name_check(*out, strlen(*out), POSTQ_STORE_NAME_CHARS);
    if (v != POSTQ_NAME_OK) {
        snprintf(msg, sizeof(msg), "name: %s (at most %d characters, no control characters)",
                 postq_name_verdict_text(v), POSTQ_STORE_NAME_CHARS);
        postq_api_error(resp, 400, "invalid_request", msg);
        return -1;
    }
    return 1;
}

/* limit and cursor of a list call; 0 after answering 400. */
static int page_args(const struct postq_http_req *req, struct postq_http_resp *resp, size_t *limit,
                     const char **cursor)
{
    const char *l = req->query(req, "limit");
    *cursor = req->query(req, "cursor");
    *limit = PAGE_DEFAULT;
    if (l != NULL) {
        char *end;
        long v = strtol(l, &end, 10);
        if (*l == '\0' || *end != '\0' || v < 1 || v > POSTQ_STORE_PAGE_MAX) {
            postq_api_error(resp, 400, "invalid_request", "limit: an integer from 1 to 100");
            return 0;
        }
        *limit = (size_t)v;
    }
    if (*cursor != NULL && **cursor == '\0') {
        *cursor = NULL;
    }
    return 1;
}

static json_t *time_json(int64_t ms)
{
    char t[POSTQ_TIME_RFC3339_MAX];
    if (postq_time_format(t, sizeof(t), ms) != POSTQ_OK) {
        return json_null();
    }
    return json_string(t);
}

static json_t *b64_json(const uint8_t *p, size_t len)
{
    size_t n = postq_base64_encoded_len(len, POSTQ_B64_STD) + 1;
    char *s = postq_malloc(n);
    json_t *j = NULL;
    if (s != NULL && postq_base64_encode_public(s, n, NULL, p, len, POSTQ_B64_STD) == POSTQ_OK) {
        j = json_string(s);
    }
    postq_free(s);
    return j;
}

static json_t *hex_json(const uint8_t *p, size_t len)
{
    char s[2 * 64 + 1];
    if (len > 64 || postq_hex_encode(s, sizeof(s), p, len) != POSTQ_OK) {
        return NULL;
    }
    return json_string(s);
}

static json_t *page_json(json_t *items, const char *next)
{
    return json_pack("{s:o,s:o}", "items", items, "nextCursor",
                     next[0] != '\0' ? json_string(next) : json_null());
}

/* One page as the reply: {"items": [to_json(each of the n items of size bytes)],
 * "nextCursor"}. */
static void page_reply(struct postq_http_resp *resp, const void *items, size_t n, size_t size,
                       json_t *(*to_json)(const void *rec), const char *next)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(arr, to_json((const char *)items + i * size)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    postq_api_json_reply(resp, 200, arr != NULL ? page_json(arr, next) : NULL);
}

/* ---- authentication ---- */

/* The caller behind an Authorization header, looked up in this API's store. */
static postq_err check_token(struct postq_api *api, const char *h, struct postq_api_caller *who)
{
    return postq_auth_token(api->store, h, who);
}

/* ---- policies ---- */

static json_t *policy_json(const void *rec)
{
    const struct postq_store_policy *p = rec;
    json_t *body = json_loads(p->body, JSON_REJECT_DUPLICATES, NULL), *mr, *o;
    if (body == NULL) {
        return NULL;
    }
    mr = json_object_get(body, "matchRules");
    o = json_pack("{s:s,s:s,s:s,s:O,s:b,s:I,s:o,s:o}", "id", p->id, "name", p->name, "vendor",
                  p->vendor, "matchRules", mr != NULL ? mr : json_null(), "enforce", p->enforce,
                  "version", (json_int_t)p->version, "createdAt", time_json(p->created_at),
                  "updatedAt", time_json(p->updated_at));
    json_decref(body);
    return o;
}

/* A policy body (POST or PUT) parsed and checked into in, whose body points at *text (free
 * it). 0 after answering 4xx. */
static int policy_in(const struct postq_http_req *req, struct postq_http_resp *resp,
                     struct postq_store_policy *in, char **text)
{
    struct postq_attest_policy parsed;
    char detail[256], msg[300];
    const char *name;
    json_t *j, *stored = NULL;
    postq_err err;
    int ok = 0;

    *text = NULL;
    memset(in, 0, sizeof(*in));
    memset(&parsed, 0, sizeof(parsed));
    j = json_body(req, resp);
    if (j == NULL) {
        return 0;
    }
    if (name_member(j, &name, resp) < 0) {
        goto out;
    }
    err = postq_policy_parse(&parsed, (const char *)req->body.p, req->body.len, detail,
                             sizeof(detail));
    if (err != POSTQ_OK) {
        snprintf(msg, sizeof(msg), "invalid policy: %s", detail);
        postq_api_error(resp, err == POSTQ_E_TOO_LARGE ? 413 : 400, "invalid_policy", msg);
        goto out;
    }
    if (postq_attest_vendor_get(parsed.vendor) == NULL ||
        postq_attest_vendor_get(parsed.vendor)->parse == NULL) {
        snprintf(msg, sizeof(msg), "no verifier for vendor %s is built yet",
                 postq_attest_vendor_name(parsed.vendor));
        postq_api_error(resp, 422, "vendor_unsupported", msg);
        goto out;
    }
    /* What is stored (and verified against at sign time): the policy without id/createdAt. */
    stored = json_pack("{s:s,s:s,s:O,s:b}", "name", name, "vendor",
                       postq_attest_vendor_name(parsed.vendor), "matchRules",
                       json_object_get(j, "matchRules"), "enforce", parsed.enforce);
    *text = stored != NULL ? json_dumps(stored, JSON_COMPACT) : NULL;
    if (*text == NULL) {
        postq_api_fail(resp, POSTQ_E_NOMEM, "policy");
        goto out;
    }
    snprintf(in->name, sizeof(in->name), "%s", name);
    snprintf(in->vendor, sizeof(in->vendor), "%s", postq_attest_vendor_name(parsed.vendor));
    in->body = *text;
    in->enforce = parsed.enforce;
    ok = 1;
out:
    postq_policy_free(&parsed);
    json_decref(stored);
    json_decref(j);
    return ok;
}

static void policy_create(struct postq_api *api, const struct postq_api_caller *who,
                          const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_policy in, out;
    char *text = NULL;
    postq_err err;

    memset(&out, 0, sizeof(out));
    if (!policy_in(req, resp, &in, &text)) {
        goto out;
    }
    err = postq_store_policy_create(api->store, who->org_id, &in, &out);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "policy");
        goto out;
    }
    postq_api_touch(resp, out.id);
    postq_api_json_reply(resp, 201, policy_json(&out));
out:
    postq_store_policy_clear(&out);
    free(text);
}

/* PUT /v1/attestation-policies/{id}: the next version. Keys bound to the policy follow it. */
static void policy_update(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                          const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_policy in, out;
    char *text = NULL, msg[200];
    postq_err err;

    memset(&out, 0, sizeof(out));
    if (postq_id_check(id, "pol") != POSTQ_OK) {
        postq_api_fail(resp, POSTQ_E_NOT_FOUND, "attestation policy");
        return;
    }
    if (!policy_in(req, resp, &in, &text)) {
        goto out;
    }
    err = postq_store_policy_update(api->store, who->org_id, id, &in, &out);
    if (err == POSTQ_E_CONFLICT) {
        snprintf(msg, sizeof(msg), "invalid policy: %s", postq_store_errmsg());
        postq_api_error(resp, 400, "invalid_policy", msg);
    } else if (err == POSTQ_E_TOO_LARGE) {
        snprintf(msg, sizeof(msg), "%s: delete it and make a new one", postq_store_errmsg());
        postq_api_error(resp, 409, "too_many_versions", msg);
    } else if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "attestation policy");
    } else {
        postq_api_json_reply(resp, 200, policy_json(&out));
    }
out:
    postq_store_policy_clear(&out);
    free(text);
}

/* A positive version number from the path or query: 1..POSTQ_STORE_VERSIONS_MAX. */
static int64_t version_arg(const char *s)
{
    int64_t v = 0;
    if (s == NULL || s[0] == '\0' || strlen(s) > 3) {
        return -1;
    }
    for (const char *c = s; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') {
            return -1;
        }
        v = v * 10 + (*c - '0');
    }
    return v >= 1 && v <= POSTQ_STORE_VERSIONS_MAX && s[0] != '0' ? v : -1;
}

static void policy_get(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                       const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_policy p;
    const char *vq = req->query(req, "version");
    int64_t v = vq != NULL ? version_arg(vq) : 0;
    postq_err err;
    memset(&p, 0, sizeof(p));
    if (v < 0) {
        /* A number past the cap names no version: 404 as for one not made yet. */
        if (vq[0] >= '1' && vq[0] <= '9' && strspn(vq, "0123456789") == strlen(vq)) {
            postq_api_fail(resp, POSTQ_E_NOT_FOUND, "attestation policy version");
        } else {
            postq_api_error(resp, 400, "invalid_request", "version: a positive integer");
        }
        return;
    }
    err = postq_id_check(id, "pol") != POSTQ_OK ? POSTQ_E_NOT_FOUND
          : v > 0 ? postq_store_policy_get_version(api->store, who->org_id, id, v, &p)
                  : postq_store_policy_get(api->store, who->org_id, id, &p);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "attestation policy");
        return;
    }
    postq_api_json_reply(resp, 200, policy_json(&p));
    postq_store_policy_clear(&p);
}

static void policy_list(struct postq_api *api, const struct postq_api_caller *who,
                        const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_policy_page pg;
    const char *cursor;
    size_t limit;
    postq_err err;

    memset(&pg, 0, sizeof(pg));
    if (!page_args(req, resp, &limit, &cursor)) {
        return;
    }
    err = postq_store_policy_list(api->store, who->org_id, limit, cursor, &pg);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "attestation policies");
        return;
    }
    page_reply(resp, pg.items, pg.n, sizeof(pg.items[0]), policy_json, pg.next_cursor);
    postq_store_policy_page_clear(&pg);
}

static void policy_delete(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                          struct postq_http_resp *resp)
{
    postq_err err = postq_id_check(id, "pol") == POSTQ_OK
                        ? postq_store_policy_delete(api->store, who->org_id, id)
                        : POSTQ_E_NOT_FOUND;
    if (err == POSTQ_E_CONFLICT) {
        postq_api_error(resp, 409, "policy_in_use",
                        "a hybrid key is bound to this attestation policy");
        return;
    }
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "attestation policy");
        return;
    }
    text_reply(resp, 204, NULL);
}

/* ---- hybrid keys ---- */

static json_t *version_json(const struct postq_store_key_version *v)
{
    return json_pack("{s:I,s:o,s:s,s:o}", "version", (json_int_t)v->version, "publicKeyB64",
                     b64_json(v->public_key.p, v->public_key.len), "state",
                     postq_store_state_names[v->state], "createdAt", time_json(v->created_at));
}

static json_t *versions_json(const struct postq_store_key *k)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < k->n_versions; i++) {
        if (json_array_append_new(a, version_json(&k->versions[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The key as GET shows it: publicKeyB64 and version are the newest version's (keyVersion, the
 * same number, for clients that predate versions); versions lists them all, so that the JSON
 * alone lets a verifier pick the public key a sign result's keyVersion names. */
static json_t *key_json(const void *rec)
{
    const struct postq_store_key *k = rec;
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:o,s:s,s:o}", "id", k->id, "name", k->name, "algorithm",
        k->algorithm, "pqProvider", k->provider, "publicKeyB64",
        b64_json(k->public_key.p, k->public_key.len), "keyVersion", (json_int_t)k->newest_version,
        "version", (json_int_t)k->newest_version, "versions", versions_json(k), "state",
        k->deleted_at != 0 ? "deleted" : "active", "createdAt", time_json(k->created_at));
    if (o != NULL && k->policy_id[0] != '\0') {
        json_object_set_new(o, "attestationPolicyId", json_string(k->policy_id));
    }
    if (o != NULL && k->deleted_at != 0) {
        json_object_set_new(o, "deletedAt", time_json(k->deleted_at));
    }
    return o;
}

/* A software key sealed under the KEK. */
#define SOFT_SEALED_MAX (POSTQ_HYBRID_SK_MAX + POSTQ_KEK_SEALED_OVERHEAD)

/* The checked body of POST /v1/hybrid-keys; the strings are views into its JSON. */
struct key_args {
    const char *name, *alg, *provider;
    size_t pk_len, sk_len;
    int enclave;
    char policy_id[POSTQ_ID_MAX]; /* enclave keys: a mock policy of the caller's organisation */
};

/* Parse and check the body into a. *j receives the parsed JSON a points into (json_decref it
 * after; NULL when the body did not parse). 0 after answering 4xx (5xx if the store fails). */
static int key_args(struct postq_api *api, const struct postq_api_caller *who,
                    const struct postq_http_req *req, struct postq_http_resp *resp, json_t **j,
                    struct key_args *a)
{
    struct postq_store_policy pol;
    const char *pol_id;
    size_t sig_len;
    char msg[200];
    postq_err err;
    int ok = 0;

    memset(a, 0, sizeof(*a));
    memset(&pol, 0, sizeof(pol));
    *j = json_body(req, resp);
    if (*j == NULL) {
        return 0;
    }
    if (name_member(*j, &a->name, resp) < 0 ||
        str_member(*j, "algorithm", POSTQ_STORE_ALG_MAX, &a->alg, resp) < 0 ||
        required_str(*j, "pqProvider", POSTQ_STORE_PROVIDER_MAX, &a->provider, resp) < 0 ||
        str_member(*j, "attestationPolicyId", POSTQ_ID_MAX, &pol_id, resp) < 0) {
        goto out;
    }
    if (a->alg == NULL) {
        a->alg = POSTQ_HYBRID_DEFAULT_ALG;
    }
    if (postq_hybrid_sizes(a->alg, &a->pk_len, &a->sk_len, &sig_len) != POSTQ_OK) {
        snprintf(msg, sizeof(msg),
                 "algorithm: %s is not one of mldsa44+ed25519, mldsa65+ed25519, mldsa87+ed448",
                 a->alg);
        postq_api_error(resp, 400, "invalid_request", msg);
        goto out;
    }
    a->enclave = strcmp(a->provider, "enclave-mock") == 0;
    if (!a->enclave && strcmp(a->provider, "software") != 0) {
        postq_api_error(resp, 400, "invalid_request", "pqProvider: one of enclave-mock, software");
        goto out;
    }
    if (a->enclave && pol_id == NULL) {
        postq_api_error(resp, 422, "policy_required",
                        "an enclave-mock key needs attestationPolicyId (a policy of vendor "
                        "mock)");
        goto out;
    }
    if (!a->enclave && pol_id != NULL) {
        postq_api_error(resp, 422, "policy_not_applicable",
                        "software keys carry no attestation: attestationPolicyId must be absent");
        goto out;
    }
    if (a->enclave) {
        err = postq_id_check(pol_id, "pol") == POSTQ_OK
                  ? postq_store_policy_get(api->store, who->org_id, pol_id, &pol)
                  : POSTQ_E_NOT_FOUND;
        if (err != POSTQ_OK) {
            postq_api_fail(resp, err, "attestationPolicyId");
            goto out;
        }
        if (strcmp(pol.vendor, "mock") != 0) {
            snprintf(msg, sizeof(msg), "an enclave-mock key needs a policy of vendor mock, not %s",
                     pol.vendor);
            postq_api_error(resp, 422, "vendor_mismatch", msg);
            goto out;
        }
        memcpy(a->policy_id, pol.id, sizeof(a->policy_id));
    }
    ok = 1;
out:
    postq_store_policy_clear(&pol);
    return ok;
}

/* The enclave makes the key, bound to in->id and in->algorithm: in's public and sealed key
 * then point into *c's buffer (hand *c back once in is stored). 0 after answering 500 / 503. */
static int key_enclave(struct postq_api *api, const struct key_args *a, struct postq_store_key *in,
                       struct postq_proto_client **c, struct postq_http_resp *resp)
{
    struct postq_proto_req ereq;
    struct postq_proto_resp er;
    char msg[200];

    memset(&ereq, 0, sizeof(ereq));
    ereq.op = POSTQ_PROTO_OP_KEYGEN;
    snprintf(ereq.alg, sizeof(ereq.alg), "%s", a->alg);
    snprintf(ereq.key_id, sizeof(ereq.key_id), "%s", in->id);
    if (postq_enclave_call(api->enclave, &ereq, &er, c) != POSTQ_OK) {
        postq_metrics_enclave_error("unreachable");
        postq_api_error(resp, 503, "enclave_unavailable", "the enclave cannot be reached");
        return 0;
    }
    if (er.status != POSTQ_PROTO_OK) {
        postq_metrics_enclave_error(postq_proto_status_name(er.status));
        snprintf(msg, sizeof(msg), "enclave keygen failed: %s", postq_proto_status_name(er.status));
        postq_api_error(resp, er.status == POSTQ_PROTO_E_BUSY ? 503 : 500, "enclave_error", msg);
        return 0;
    }
    /* The reply is stored as the key: a public key of the wrong size would make every later
     * signature unverifiable, and a sealed key the enclave's sign request refuses (empty, or
     * over POSTQ_PROTO_SEALED_MAX) would make the key unusable. */
    if (er.public_key.len != a->pk_len || er.sealed.len == 0 ||
        er.sealed.len > POSTQ_PROTO_SEALED_MAX) {
        postq_metrics_enclave_error("bad_reply");
        snprintf(msg, sizeof(msg),
                 "the enclave's keygen reply is unusable: a %zu-byte public key (%s needs %zu) "
                 "and a %zu-byte sealed key (1 to %d)",
                 er.public_key.len, a->alg, a->pk_len, er.sealed.len, POSTQ_PROTO_SEALED_MAX);
        postq_api_error(resp, 500, "enclave_error", msg);
        return 0;
    }
    in->public_key = er.public_key;
    in->sealed_key = er.sealed;
    return 1;
}

/* The server makes the key and seals it under its KEK, bound to in->id and in->algorithm: in's
 * public and sealed key then point into pk and sealed. 0 after answering 500. */
static int key_software(struct postq_api *api, const struct key_args *a, struct postq_store_key *in,
                        uint8_t pk[POSTQ_HYBRID_PK_MAX], uint8_t sealed[SOFT_SEALED_MAX],
                        struct postq_http_resp *resp)
{
    uint8_t sk[POSTQ_HYBRID_SK_MAX];
    size_t sealed_len = 0;
    postq_err err;

    if (!api->have_kek) {
        postq_api_error(resp, 500, "internal", "no key-encryption key (--state)");
        return 0;
    }
    err = postq_hybrid_keygen(a->alg, pk, sk);
    if (err == POSTQ_OK) {
        err = postq_kek_seal(sealed, SOFT_SEALED_MAX, &sealed_len, api->kek, in->id, a->alg, sk,
                             a->sk_len);
    }
    postq_wipe(sk, sizeof(sk));
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "software key");
        return 0;
    }
    in->public_key.p = pk;
    in->public_key.len = a->pk_len;
    in->sealed_key.p = sealed;
    in->sealed_key.len = sealed_len;
    return 1;
}

/* Store in under the caller's organisation and answer 201 with the stored row. */
static void key_store(struct postq_api *api, const struct postq_api_caller *who,
                      const struct postq_store_key *in, struct postq_http_resp *resp)
{
    struct postq_store_key out;
    postq_err err;

    memset(&out, 0, sizeof(out));
    err = postq_store_key_create(api->store, who->org_id, in, &out);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
        return;
    }
    postq_api_json_reply(resp, 201, key_json(&out));
    postq_store_key_clear(&out);
}

/* POST /v1/hybrid-keys: the key id is made first, so that the enclave's sealed blob (or the
 * KEK's) is bound to it. */
static void key_create(struct postq_api *api, const struct postq_api_caller *who,
                       const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct key_args a;
    struct postq_store_key in;
    struct postq_proto_client *c = NULL;
    uint8_t pk[POSTQ_HYBRID_PK_MAX], sealed[SOFT_SEALED_MAX];
    json_t *j = NULL;
    postq_err err;
    int made;

    memset(&in, 0, sizeof(in));
    if (!key_args(api, who, req, resp, &j, &a)) {
        goto out;
    }
    err = postq_id_new(in.id, sizeof(in.id), "key");
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "key id");
        goto out;
    }
    snprintf(in.name, sizeof(in.name), "%s", a.name);
    snprintf(in.algorithm, sizeof(in.algorithm), "%s", a.alg);
    snprintf(in.provider, sizeof(in.provider), "%s", a.provider);
    memcpy(in.policy_id, a.policy_id, sizeof(in.policy_id));
    postq_api_touch(resp, in.id);
    postq_api_touch(resp, in.policy_id);
    made = a.enclave ? key_enclave(api, &a, &in, &c, resp)
                     : key_software(api, &a, &in, pk, sealed, resp);
    if (made) {
        key_store(api, who, &in, resp);
    }
out:
    postq_enclave_pool_put(api->enclave, c, 1);
    postq_wipe(sealed, sizeof(sealed));
    json_decref(j);
}

static void key_get(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                    struct postq_http_resp *resp)
{
    struct postq_store_key k;
    postq_err err;
    memset(&k, 0, sizeof(k));
    err = postq_id_check(id, "key") == POSTQ_OK
              ? postq_store_key_get(api->store, who->org_id, id, &k)
              : POSTQ_E_NOT_FOUND;
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
        return;
    }
    postq_api_json_reply(resp, 200, key_json(&k));
    postq_store_key_clear(&k);
}

static void key_list(struct postq_api *api, const struct postq_api_caller *who,
                     const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_key_page pg;
    const char *cursor;
    size_t limit;
    postq_err err;

    memset(&pg, 0, sizeof(pg));
    if (!page_args(req, resp, &limit, &cursor)) {
        return;
    }
    err = postq_store_key_list(api->store, who->org_id, limit, cursor, &pg);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid keys");
        return;
    }
    page_reply(resp, pg.items, pg.n, sizeof(pg.items[0]), key_json, pg.next_cursor);
    postq_store_key_page_clear(&pg);
}

/* Read key id of the caller's organisation into k: 0 after answering 404 (or 5xx). */
static int key_read(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                    struct postq_store_key *k, struct postq_http_resp *resp)
{
    postq_err err = postq_id_check(id, "key") == POSTQ_OK
                        ? postq_store_key_get(api->store, who->org_id, id, k)
                        : POSTQ_E_NOT_FOUND;
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
        return 0;
    }
    return 1;
}

/* POST /v1/hybrid-keys/{id}/rotate: a new key pair as the next version (made in the enclave
 * for enclave keys, bound to the same key id), which signs from now on. */
static void key_rotate(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                       struct postq_http_resp *resp)
{
    struct postq_store_key k, in, out;
    struct key_args a;
    struct postq_proto_client *c = NULL;
    uint8_t pk[POSTQ_HYBRID_PK_MAX], sealed[SOFT_SEALED_MAX];
    size_t sig_len;
    char msg[200];
    postq_err err;
    int made;

    memset(&k, 0, sizeof(k));
    memset(&in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
    memset(&a, 0, sizeof(a));
    if (!key_read(api, who, id, &k, resp)) {
        return;
    }
    if (k.deleted_at != 0) {
        postq_api_error(resp, 409, "key_deleted",
                        "this hybrid key is deleted: it has no new versions");
        goto out;
    }
    a.alg = k.algorithm;
    a.provider = k.provider;
    a.enclave = strcmp(k.provider, "software") != 0;
    if (postq_hybrid_sizes(a.alg, &a.pk_len, &a.sk_len, &sig_len) != POSTQ_OK) {
        postq_api_error(resp, 500, "internal", "stored key of an unknown algorithm");
        goto out;
    }
    memcpy(in.id, k.id, sizeof(in.id));
    made = a.enclave ? key_enclave(api, &a, &in, &c, resp)
                     : key_software(api, &a, &in, pk, sealed, resp);
    if (!made) {
        goto out;
    }
    err = postq_store_key_rotate(api->store, who->org_id, k.id, &in, &out);
    if (err == POSTQ_E_CONFLICT) {
        postq_api_error(resp, 409, "key_deleted",
                        "this hybrid key is deleted: it has no new versions");
    } else if (err == POSTQ_E_TOO_LARGE) {
        snprintf(msg, sizeof(msg), "%s: delete it and make a new key", postq_store_errmsg());
        postq_api_error(resp, 409, "too_many_versions", msg);
    } else if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
    } else {
        postq_api_json_reply(resp, 201, key_json(&out));
    }
out:
    postq_enclave_pool_put(api->enclave, c, 1);
    postq_wipe(sealed, sizeof(sealed));
    postq_store_key_clear(&k);
    postq_store_key_clear(&out);
}

static void key_versions(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                         struct postq_http_resp *resp)
{
    struct postq_store_key k;
    memset(&k, 0, sizeof(k));
    if (key_read(api, who, id, &k, resp)) {
        postq_api_json_reply(resp, 200, json_pack("{s:o}", "items", versions_json(&k)));
    }
    postq_store_key_clear(&k);
}

/* POST /v1/hybrid-keys/{id}/versions/{n}/disable|enable|destroy: the version as it now is. */
static void key_version_op(struct postq_api *api, const struct postq_api_caller *who,
                           const char *id, const char *n_text, const char *op,
                           struct postq_http_resp *resp)
{
    static const struct {
        const char *name;
        enum postq_store_version_state state;
    } ops[] = {{"disable", POSTQ_STORE_VERSION_DISABLED},
               {"enable", POSTQ_STORE_VERSION_ENABLED},
               {"destroy", POSTQ_STORE_VERSION_DESTROYED}};
    struct postq_store_key out;
    int64_t n = version_arg(n_text);
    int which = -1;
    postq_err err;

    for (int i = 0; i < 3; i++) {
        if (strcmp(op, ops[i].name) == 0) {
            which = i;
        }
    }
    memset(&out, 0, sizeof(out));
    if (which < 0 || n < 0 || postq_id_check(id, "key") != POSTQ_OK) {
        postq_api_error(resp, 404, "not_found",
                        which < 0 ? "no such route" : "key version: not found");
        return;
    }
    err = postq_store_key_version_set(api->store, who->org_id, id, n, ops[which].state, &out);
    if (err == POSTQ_E_CONFLICT) {
        postq_api_error(resp, 409, "version_destroyed",
                        "this key version is destroyed: it can never sign again");
    } else if (err == POSTQ_E_NOT_FOUND) {
        postq_api_error(resp, 404, "not_found", "key version: not found");
    } else if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
    } else {
        for (size_t i = 0; i < out.n_versions; i++) {
            if (out.versions[i].version == n) {
                postq_api_json_reply(resp, 200, version_json(&out.versions[i]));
            }
        }
        if (resp->status == 0) {
            postq_api_error(resp, 500, "internal", "the version vanished");
        }
    }
    postq_store_key_clear(&out);
}

/* DELETE /v1/hybrid-keys/{id}: every version destroyed; the key stays readable, never signs. */
static void key_delete(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                       struct postq_http_resp *resp)
{
    struct postq_store_key out;
    postq_err err;
    memset(&out, 0, sizeof(out));
    err = postq_id_check(id, "key") == POSTQ_OK
              ? postq_store_key_delete(api->store, who->org_id, id, &out)
              : POSTQ_E_NOT_FOUND;
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "hybrid key");
    } else {
        postq_api_json_reply(resp, 200, key_json(&out));
    }
    postq_store_key_clear(&out);
}

/* ---- signatures ---- */

/* An RFC 3339 time, or null for one out of range. */
static void jsonw_time(struct postq_jsonw *w, int64_t ms)
{
    char t[POSTQ_TIME_RFC3339_MAX];
    if (postq_time_format(t, sizeof(t), ms) == POSTQ_OK) {
        postq_jsonw_str(w, t);
    } else {
        postq_jsonw_null(w);
    }
}

void postq_api_sig_write(struct postq_jsonw *w, const struct postq_store_sig *s)
{
    postq_api_sig_write_ex(w, s, NULL);
}

void postq_api_sig_write_ex(struct postq_jsonw *w, const struct postq_store_sig *s,
                            const struct postq_store_log_receipt *receipt)
{
    postq_jsonw_obj_begin(w);
    postq_jsonw_key(w, "id");
    postq_jsonw_str(w, s->id);
    postq_jsonw_key(w, "keyId");
    postq_jsonw_str(w, s->key_id);
    postq_jsonw_key(w, "keyVersion");
    postq_jsonw_int(w, s->key_version);
    if (s->policy_id[0] != '\0') {
        postq_jsonw_key(w, "policyId");
        postq_jsonw_str(w, s->policy_id);
        postq_jsonw_key(w, "policyVersion");
        postq_jsonw_int(w, s->policy_version);
    }
    postq_jsonw_key(w, "algorithm");
    postq_jsonw_str(w, s->algorithm);
    postq_jsonw_key(w, "payloadSha256");
    postq_jsonw_hex(w, s->payload_sha256, sizeof(s->payload_sha256));
    postq_jsonw_key(w, "signatureB64");
    postq_jsonw_b64(w, s->signature.p, s->signature.len);
    postq_jsonw_key(w, "createdAt");
    jsonw_time(w, s->created_at);
    if (s->has_attestation) {
        postq_jsonw_key(w, "attestation");
        postq_jsonw_obj_begin(w);
        postq_jsonw_key(w, "vendor");
        postq_jsonw_str(w, s->att.vendor);
        postq_jsonw_key(w, "imageHash");
        postq_jsonw_str(w, s->att.image_hash);
        postq_jsonw_key(w, "counter");
        postq_jsonw_int(w, s->att.counter);
        postq_jsonw_key(w, "docB64");
        postq_jsonw_str(w, s->att.doc_b64 != NULL ? s->att.doc_b64 : "");
        postq_jsonw_key(w, "verdict");
        postq_jsonw_str(w, s->att.verdict == POSTQ_STORE_VERDICT_PASS ? "pass" : "fail");
        if (s->att.verdict != POSTQ_STORE_VERDICT_PASS) {
            postq_jsonw_key(w, "reason");
            postq_jsonw_str(w, s->att.reason);
        }
        postq_jsonw_obj_end(w);
    }
    if (receipt != NULL) {
        postq_api_transparency_write(w, receipt);
    }
    postq_jsonw_obj_end(w);
}

static void sig_get(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                    struct postq_http_resp *resp)
{
    struct postq_store_sig s;
    struct postq_jsonw w;
    postq_err err;
    memset(&s, 0, sizeof(s));
    err = postq_id_check(id, "sig") == POSTQ_OK
              ? postq_store_sig_get(api->store, who->org_id, id, &s)
              : POSTQ_E_NOT_FOUND;
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "signature");
        return;
    }
    postq_api_jsonw_begin(resp, &w);
    postq_api_sig_write_logged(api, &w, &s);
    postq_api_jsonw_reply(resp, 200, &w);
    postq_store_sig_clear(&s);
}

static void sig_list(struct postq_api *api, const struct postq_api_caller *who,
                     const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_sig_page pg;
    const char *cursor, *key_id = req->query(req, "keyId");
    size_t limit;
    struct postq_jsonw w;
    postq_err err;

    memset(&pg, 0, sizeof(pg));
    if (!page_args(req, resp, &limit, &cursor)) {
        return;
    }
    if (key_id != NULL && key_id[0] != '\0' && postq_id_check(key_id, "key") != POSTQ_OK) {
        postq_api_fail(resp, POSTQ_E_NOT_FOUND, "keyId");
        return;
    }
    err = postq_store_sig_list(api->store, who->org_id, key_id, limit, cursor, &pg);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "signatures");
        return;
    }
    postq_api_jsonw_begin(resp, &w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "items");
    postq_jsonw_arr_begin(&w);
    for (size_t i = 0; i < pg.n; i++) {
        postq_api_sig_write(&w, &pg.items[i]);
    }
    postq_jsonw_arr_end(&w);
    postq_jsonw_key(&w, "nextCursor");
    if (pg.next_cursor[0] != '\0') {
        postq_jsonw_str(&w, pg.next_cursor);
    } else {
        postq_jsonw_null(&w);
    }
    postq_jsonw_obj_end(&w);
    postq_api_jsonw_reply(resp, 200, &w);
    postq_store_sig_page_clear(&pg);
}

/* ---- API keys ---- */

static json_t *apikey_json(const void *rec)
{
    const struct postq_store_apikey *k = rec;
    return json_pack("{s:s,s:s,s:s,s:o}", "id", k->id, "name", k->name, "role",
                     postq_auth_role_name(k->role), "createdAt", time_json(k->created_at));
}

postq_err postq_api_apikey_create(struct postq_store *store, const char *org_id, const char *name,
                                  enum postq_store_role role, struct postq_store_apikey *out,
                                  char *token, size_t cap)
{
    uint8_t secret[POSTQ_TOKEN_SECRET_BYTES], hash[32];
    postq_err err;

    err = postq_rand_bytes(secret, sizeof(secret));
    if (err == POSTQ_OK) {
        err = postq_sha256(hash, secret, sizeof(secret)); /* as postq_token_parse hashes it */
    }
    if (err == POSTQ_OK) {
        err = postq_store_apikey_create(store, org_id, name, role, hash, out);
    }
    if (err == POSTQ_OK) {
        err = postq_token_new(token, cap, out->id, secret);
    }
    postq_wipe(secret, sizeof(secret));
    postq_wipe(hash, sizeof(hash));
    if (err != POSTQ_OK && cap > 0) {
        postq_wipe(token, cap);
    }
    return err;
}

static void apikey_create(struct postq_api *api, const struct postq_api_caller *who,
                          const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_apikey k;
    enum postq_store_role role;
    char token[POSTQ_TOKEN_MAX];
    const char *name, *rs;
    postq_err err;
    json_t *j, *o;

    memset(&k, 0, sizeof(k));
    j = json_body(req, resp);
    if (j == NULL) {
        return;
    }
    if (name_member(j, &name, resp) < 0 || required_str(j, "role", 16, &rs, resp) < 0) {
        goto out;
    }
    if (!postq_auth_role_parse(rs, &role)) {
        postq_api_error(resp, 400, "invalid_request", "role: one of admin, signer, viewer");
        goto out;
    }
    err = postq_api_apikey_create(api->store, who->org_id, name, role, &k, token, sizeof(token));
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "API key");
        goto out;
    }
    postq_api_touch(resp, k.id);
    o = apikey_json(&k);
    if (o != NULL) {
        json_object_set_new(o, "token", json_string(token));
    }
    postq_api_json_reply(resp, 201, o);
    postq_wipe(token, sizeof(token));
out:
    json_decref(j);
}

static void apikey_list(struct postq_api *api, const struct postq_api_caller *who,
                        const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_apikey_page pg;
    const char *cursor;
    size_t limit;
    postq_err err;

    memset(&pg, 0, sizeof(pg));
    if (!page_args(req, resp, &limit, &cursor)) {
        return;
    }
    err = postq_store_apikey_list(api->store, who->org_id, limit, cursor, &pg);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "API keys");
        return;
    }
    page_reply(resp, pg.items, pg.n, sizeof(pg.items[0]), apikey_json, pg.next_cursor);
    postq_store_apikey_page_clear(&pg);
}

static void apikey_delete(struct postq_api *api, const struct postq_api_caller *who, const char *id,
                          struct postq_http_resp *resp)
{
    postq_err err = postq_id_check(id, "ak") == POSTQ_OK
                        ? postq_store_apikey_delete(api->store, who->org_id, id)
                        : POSTQ_E_NOT_FOUND;
    if (err == POSTQ_E_CONFLICT) {
        postq_api_error(resp, 409, "last_admin_key",
                        "this is the organisation's last admin API key: create another admin "
                        "key first");
        return;
    }
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "API key");
        return;
    }
    text_reply(resp, 204, NULL);
}

/* ---- activity ---- */

#define HOUR_MS INT64_C(3600000)

static void jsonw_counts(struct postq_jsonw *w, const struct postq_store_activity_bucket *b)
{
    postq_jsonw_key(w, "signed");
    postq_jsonw_int(w, b->signed_ok);
    postq_jsonw_key(w, "auditFailed");
    postq_jsonw_int(w, b->audit_failed);
    postq_jsonw_key(w, "rejected");
    postq_jsonw_int(w, b->rejected);
}

/* GET /v1/activity?hours=N: the caller's organisation, per hour over the last N whole hours
 * (1..168, default 24; the last bucket is the current hour): signatures stored, stored with a
 * failed attestation (audit), sign calls refused; and its newest refusals. */
static void activity_get(struct postq_api *api, const struct postq_api_caller *who,
                         const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_activity_bucket b[POSTQ_STORE_ACTIVITY_BUCKETS_MAX], total;
    struct postq_store_rejection recent[POSTQ_STORE_REJECTIONS_MAX];
    const char *h = req->query(req, "hours");
    size_t hours = 24, n_recent = 0;
    int64_t to, from;
    struct postq_jsonw w;
    postq_err err;

    if (h != NULL) {
        char *end;
        long v = strtol(h, &end, 10);
        if (*h == '\0' || *end != '\0' || v < 1 || v > POSTQ_STORE_ACTIVITY_BUCKETS_MAX) {
            postq_api_error(resp, 400, "invalid_request", "hours: an integer from 1 to 168");
            return;
        }
        hours = (size_t)v;
    }
    to = (postq_time_now_ms() / HOUR_MS + 1) * HOUR_MS;
    from = to - (int64_t)hours * HOUR_MS;
    err = postq_store_activity(api->store, who->org_id, from, HOUR_MS, hours, b, recent,
                               POSTQ_STORE_REJECTIONS_MAX, &n_recent);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "activity");
        return;
    }
    memset(&total, 0, sizeof(total));
    postq_api_jsonw_begin(resp, &w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "from");
    jsonw_time(&w, from);
    postq_jsonw_key(&w, "to");
    jsonw_time(&w, to);
    postq_jsonw_key(&w, "bucketSeconds");
    postq_jsonw_int(&w, HOUR_MS / 1000);
    postq_jsonw_key(&w, "buckets");
    postq_jsonw_arr_begin(&w);
    for (size_t i = 0; i < hours; i++) {
        postq_jsonw_obj_begin(&w);
        postq_jsonw_key(&w, "start");
        jsonw_time(&w, from + (int64_t)i * HOUR_MS);
        jsonw_counts(&w, &b[i]);
        postq_jsonw_obj_end(&w);
        total.signed_ok += b[i].signed_ok;
        total.audit_failed += b[i].audit_failed;
        total.rejected += b[i].rejected;
    }
    postq_jsonw_arr_end(&w);
    postq_jsonw_key(&w, "totals");
    postq_jsonw_obj_begin(&w);
    jsonw_counts(&w, &total);
    postq_jsonw_obj_end(&w);
    postq_jsonw_key(&w, "recentRejections");
    postq_jsonw_arr_begin(&w);
    for (size_t i = 0; i < n_recent; i++) {
        postq_jsonw_obj_begin(&w);
        postq_jsonw_key(&w, "keyId");
        postq_jsonw_str(&w, recent[i].key_id);
        postq_jsonw_key(&w, "reason");
        postq_jsonw_str(&w, recent[i].reason);
        postq_jsonw_key(&w, "at");
        jsonw_time(&w, recent[i].created_at);
        postq_jsonw_obj_end(&w);
    }
    postq_jsonw_arr_end(&w);
    postq_jsonw_obj_end(&w);
    postq_api_jsonw_reply(resp, 200, &w);
}

/* ---- enclave, health, metrics ---- */

/* The enclave's info reply as {vendor, moduleId, imageHash, rootPublicKeyB64}; NULL with *err
 * set when the enclave cannot be reached or answers an error (then *status is its status). */
static json_t *enclave_info(struct postq_api *api, postq_err *err, int *status)
{
    struct postq_proto_client *c = NULL;
    struct postq_proto_req req;
    struct postq_proto_resp r;
    json_t *o = NULL;

    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_INFO;
    *status = POSTQ_PROTO_OK;
    *err = postq_enclave_call(api->enclave, &req, &r, &c);
    if (*err != POSTQ_OK) {
        postq_metrics_enclave_error("unreachable");
        return NULL;
    }
    *status = r.status;
    if (r.status == POSTQ_PROTO_OK) {
        o = json_pack("{s:s,s:s,s:o,s:o,s:s}", "vendor", r.vendor, "moduleId", r.module_id,
                      "imageHash", hex_json(r.image_hash.p, r.image_hash.len), "rootPublicKeyB64",
                      b64_json(r.root_public_key.p, r.root_public_key.len), "rootAlgorithm",
                      r.root_public_key.len == 32 ? "ed25519" : "mldsa65+ed25519");
        *err = o != NULL ? POSTQ_OK : POSTQ_E_NOMEM;
    } else {
        postq_metrics_enclave_error(postq_proto_status_name(r.status));
        *err = POSTQ_E_INTERNAL;
    }
    postq_enclave_pool_put(api->enclave, c, 1);
    return o;
}

static void enclave_get(struct postq_api *api, struct postq_http_resp *resp)
{
    postq_err err;
    int status;
    json_t *o = enclave_info(api, &err, &status);
    if (o == NULL) {
        postq_api_error(resp, 503, "enclave_unavailable",
                        status != POSTQ_PROTO_OK ? postq_proto_status_name(status)
                                                 : "the enclave cannot be reached");
        return;
    }
    postq_api_json_reply(resp, 200, o);
}

#define STORE_CHECK_MS 1000 /* /healthz writes to the store at most this often */

void postq_api_store_failed(struct postq_api *api, postq_err err)
{
    if (err == POSTQ_E_IO || err == POSTQ_E_NOMEM || err == POSTQ_E_BUSY ||
        err == POSTQ_E_NETWORK) {
        atomic_store(&api->store_ok, err == POSTQ_E_NETWORK ? -1 : 0);
        atomic_store(&api->store_checked_ms, postq_time_now_ms());
    }
}

/* Whether the store can commit: a write check when the latest outcome is over a second old,
 * else that outcome (a failed sign's commit counts), so a scrape every few milliseconds costs
 * one small commit a second. 1, or 0 (cannot commit) or -1 (the database cannot be reached)
 * with msg saying why. */
static int store_writable(struct postq_api *api, char *msg, size_t cap)
{
    int64_t now = postq_time_now_ms();
    int ok;

    msg[0] = '\0';
    if (now - atomic_load(&api->store_checked_ms) >= STORE_CHECK_MS) {
        postq_err err = postq_store_write_check(api->store);
        ok = err == POSTQ_OK ? 1 : err == POSTQ_E_NETWORK ? -1 : 0;
        if (ok != 1) {
            snprintf(msg, cap, "the store %s: %s%s%s",
                     ok < 0 ? "cannot be reached" : "cannot commit", postq_strerror(err),
                     postq_store_errmsg()[0] != '\0' ? ": " : "", postq_store_errmsg());
        }
        atomic_store(&api->store_ok, ok);
        atomic_store(&api->store_checked_ms, now);
        return ok;
    }
    ok = atomic_load(&api->store_ok);
    if (ok != 1) {
        snprintf(msg, cap,
                 ok < 0 ? "the database could not be reached a moment ago"
                        : "the store's latest commit failed");
    }
    return ok;
}

/* 200 when the store can commit and the enclave answers and can make its counter durable,
 * else 503; each part says which, with a stable reason (docs/http-api.md). At most about
 * POSTQ_ENCLAVE_HEALTH_MS, whatever the enclave does. */
static void healthz(struct postq_api *api, struct postq_http_resp *resp)
{
    struct postq_enclave_health eh;
    char smsg[512];
    int swr = store_writable(api, smsg, sizeof(smsg));
    int sok = swr == 1;
    int eok;
    json_t *store, *enclave;

    postq_enclave_pool_health(api->enclave, &eh);
    eok = eh.up && eh.counter_durable;
    postq_metrics_health(sok, eok);
    store = sok ? json_pack("{s:b}", "ok", 1)
                : json_pack("{s:b,s:s,s:s}", "ok", 0, "reason",
                            swr < 0 ? "store_unavailable" : "store_not_writable", "message", smsg);
    enclave = eok ? json_pack("{s:b}", "ok", 1)
                  : json_pack("{s:b,s:s,s:s}", "ok", 0, "reason", eh.reason, "message", eh.message);
    postq_api_json_reply(resp, sok && eok ? 200 : 503,
                         json_pack("{s:s,s:o,s:o}", "status", sok && eok ? "ok" : "unavailable",
                                   "store", store, "enclave", enclave));
}

static void metrics(struct postq_api *api, struct postq_http_resp *resp)
{
    uint64_t hits = 0, misses = 0;
    postq_err err;

    postq_buf_reset(&resp->body);
    err = postq_metrics_render(&resp->body);
    if (err == POSTQ_OK) {
        err = postq_metrics_render_process(&resp->body, postq_enclave_pool_up(api->enclave));
    }
    if (err == POSTQ_OK && api->vcache != NULL) {
        char t[400];
        postq_vcache_stats(api->vcache, &hits, &misses);
        (void)snprintf(t, sizeof(t),
                       "# HELP postq_verify_cache_lookups_total POST /v1/sign lookups of a key's "
                       "parsed policy and expanded verification key, by result.\n"
                       "# TYPE postq_verify_cache_lookups_total counter\n"
                       "postq_verify_cache_lookups_total{result=\"hit\"} %llu\n"
                       "postq_verify_cache_lookups_total{result=\"miss\"} %llu\n",
                       (unsigned long long)hits, (unsigned long long)misses);
        err = postq_buf_append_str(&resp->body, t);
    }
    if (err != POSTQ_OK) {
        postq_api_error(resp, 500, "internal", "metrics");
        return;
    }
    text_reply(resp, 200, "text/plain; version=0.0.4; charset=utf-8");
}

/* ---- routing ---- */

size_t postq_api_body_cap(void *ctx, const char *method, const char *path, const char *ctype,
                          const char *authorization)
{
    struct postq_api_caller who;
    /* The 64 MiB cap only for a caller allowed to sign: an unauthenticated client can make the
     * server hold at most POSTQ_API_JSON_MAX per connection. */
    if (strcmp(method, "POST") == 0 && strcmp(path, "/v1/sign") == 0 &&
        postq_api_sign_is_raw(ctype) && check_token(ctx, authorization, &who) == POSTQ_OK &&
        (int)who.role <= (int)POSTQ_STORE_ROLE_SIGNER) {
        return POSTQ_API_OCTET_MAX;
    }
    return POSTQ_API_JSON_MAX;
}

enum {
    R_NONE,
    R_POLICIES,
    R_POLICY,
    R_KEYS,
    R_KEY,
    R_KEY_ROTATE,
    R_KEY_VERSIONS,
    R_KEY_VERSION_OP,
    R_SIGN,
    R_SIGS,
    R_SIG,
    R_APIKEYS,
    R_APIKEY,
    R_ENCLAVE,
    R_ACTIVITY,
    R_LOG,
    R_LOG_CHECKPOINT,
    R_LOG_PROOF,
    R_LOG_TILE,
    R_SIG_PROOF,
    R_HEALTH,
    R_METRICS,
    R_WEB
};

static const char *const route_names[] = {
    [R_NONE] = "other",
    [R_POLICIES] = "/v1/attestation-policies",
    [R_POLICY] = "/v1/attestation-policies/{id}",
    [R_KEYS] = "/v1/hybrid-keys",
    [R_KEY] = "/v1/hybrid-keys/{id}",
    [R_KEY_ROTATE] = "/v1/hybrid-keys/{id}/rotate",
    [R_KEY_VERSIONS] = "/v1/hybrid-keys/{id}/versions",
    [R_KEY_VERSION_OP] = "/v1/hybrid-keys/{id}/versions/{n}/{action}",
    [R_SIGN] = "/v1/sign",
    [R_SIGS] = "/v1/signatures",
    [R_SIG] = "/v1/signatures/{id}",
    [R_APIKEYS] = "/v1/api-keys",
    [R_APIKEY] = "/v1/api-keys/{id}",
    [R_ENCLAVE] = "/v1/enclave",
    [R_ACTIVITY] = "/v1/activity",
    [R_LOG] = "/v1/log",
    [R_LOG_CHECKPOINT] = "/v1/log/checkpoint",
    [R_LOG_PROOF] = "/v1/log/proof",
    [R_LOG_TILE] = "/v1/log/tile/{tile}",
    [R_SIG_PROOF] = "/v1/signatures/{id}/proof",
    [R_HEALTH] = "/healthz",
    [R_METRICS] = "/metrics",
    [R_WEB] = "/",
};

/* What a route's path holds beyond the route: the {id} segment (a NUL-terminated copy), and
 * for R_KEY_VERSION_OP the {n} and {op} segments. */
struct route_args {
    char id[POSTQ_ID_MAX];
    char n[8];
    char op[16];
};

/* Copy the segment at p (up to '/' or the end) into dst; its end in *end. 0 if it is empty
 * or does not fit. */
static int segment(const char *p, char *dst, size_t cap, const char **end)
{
    size_t n = strcspn(p, "/");
    *end = p + n;
    if (n == 0 || n >= cap) {
        return 0;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return 1;
}

/* The routes under one key: …/rotate, …/versions, …/versions/{n}/{action}. */
static int key_subroute(const char *p, struct route_args *ra)
{
    const char *e;
    if (!segment(p, ra->id, sizeof(ra->id), &e) || *e != '/') {
        return R_NONE;
    }
    if (strcmp(e, "/rotate") == 0) {
        return R_KEY_ROTATE;
    }
    if (strcmp(e, "/versions") == 0) {
        return R_KEY_VERSIONS;
    }
    if (strncmp(e, "/versions/", 10) != 0 || !segment(e + 10, ra->n, sizeof(ra->n), &e) ||
        *e != '/' || !segment(e + 1, ra->op, sizeof(ra->op), &e) || *e != '\0') {
        return R_NONE;
    }
    return R_KEY_VERSION_OP;
}

/* The route of path; *id points at the {id} segment of an item route (ra->id for the routes
 * under a key). */
static int route_of(const char *path, const char **id, struct route_args *ra)
{
    static const struct {
        const char *prefix;
        int coll, item;
    } t[] = {
        {"/v1/attestation-policies", R_POLICIES, R_POLICY},
        {"/v1/hybrid-keys", R_KEYS, R_KEY},
        {"/v1/signatures", R_SIGS, R_SIG},
        {"/v1/api-keys", R_APIKEYS, R_APIKEY},
        {"/v1/sign", R_SIGN, R_NONE},
        {"/v1/enclave", R_ENCLAVE, R_NONE},
        {"/v1/activity", R_ACTIVITY, R_NONE},
        {"/healthz", R_HEALTH, R_NONE},
        {"/metrics", R_METRICS, R_NONE},
    };
    *id = NULL;
    memset(ra, 0, sizeof(*ra));
    if (strcmp(path, "/v1/log") == 0) {
        return R_LOG;
    }
    if (strcmp(path, "/v1/log/checkpoint") == 0) {
        return R_LOG_CHECKPOINT;
    }
    if (strcmp(path, "/v1/log/proof") == 0) {
        return R_LOG_PROOF;
    }
    if (strncmp(path, "/v1/log/tile/", 13) == 0) {
        *id = path + 13; /* the tile's path, parsed by log.c */
        return R_LOG_TILE;
    }
    if (strncmp(path, "/v1/signatures/", 15) == 0) {
        const char *e;
        if (segment(path + 15, ra->id, sizeof(ra->id), &e) && strcmp(e, "/proof") == 0) {
            *id = ra->id;
            return R_SIG_PROOF;
        }
    }
    if (strncmp(path, "/v1/hybrid-keys/", 16) == 0 && strchr(path + 16, '/') != NULL) {
        int r = key_subroute(path + 16, ra);
        *id = r != R_NONE ? ra->id : NULL;
        return r;
    }
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t n = strlen(t[i].prefix);
        if (strncmp(path, t[i].prefix, n) != 0) {
            continue;
        }
        if (path[n] == '\0') {
            return t[i].coll;
        }
        if (path[n] == '/' && t[i].item != R_NONE && path[n + 1] != '\0' &&
            strchr(path + n + 1, '/') == NULL) {
            *id = path + n + 1;
            return t[i].item;
        }
    }
    /* Anything outside /v1 is one of the dashboard's files (or a 404 from web.c). */
    if (path[0] == '/' && strncmp(path, "/v1/", 4) != 0 && strcmp(path, "/v1") != 0) {
        return R_WEB;
    }
    return R_NONE;
}

/* Which methods a route answers ("GET POST"), for 405. */
/* The methods a route answers, as the Allow header of a 405 lists them. */
static const char *route_methods(int r)
{
    switch (r) {
    case R_POLICIES:
    case R_KEYS:
    case R_APIKEYS:
        return "GET, POST";
    case R_POLICY:
        return "GET, PUT, DELETE";
    case R_KEY:
        return "GET, DELETE";
    case R_KEY_ROTATE:
    case R_KEY_VERSION_OP:
        return "POST";
    case R_WEB:
        return "GET, HEAD";
    case R_APIKEY:
        return "DELETE";
    case R_SIGN:
        return "POST";
    default:
        return "GET";
    }
}

/* The least role a route and method need: viewer reads, signer signs, admin manages policies,
 * keys and API keys (docs/http-api.md). */
static enum postq_store_role need_role(int r, int post, int del)
{
    switch (r) {
    case R_SIGN:
        return POSTQ_STORE_ROLE_SIGNER;
    case R_APIKEYS:
    case R_APIKEY:
        return POSTQ_STORE_ROLE_ADMIN;
    case R_KEY_ROTATE:
    case R_KEY_VERSION_OP:
        return POSTQ_STORE_ROLE_ADMIN;
    case R_POLICIES:
    case R_POLICY:
    case R_KEYS:
    case R_KEY:
        return post || del ? POSTQ_STORE_ROLE_ADMIN : POSTQ_STORE_ROLE_VIEWER;
    default:
        return POSTQ_STORE_ROLE_VIEWER;
    }
}

/* The caller's rate limits: 1 to go on, or 0 after answering 429 with Retry-After. The message
 * names the limit that refused (ids and numbers only, never the token). */
static int rate_ok(struct postq_api *api, const struct postq_api_caller *who,
                   struct postq_http_resp *resp)
{
    struct postq_ratelimit_verdict v;
    char lim[48], msg[200];
    postq_err err;

    if (api->ratelimit == NULL) {
        return 1;
    }
    err = postq_ratelimit_take(api->ratelimit, who->apikey_id, who->org_id, who->role, &v);
    if (err == POSTQ_OK) {
        return 1;
    }
    if (err != POSTQ_E_RATE) {
        postq_api_error(resp, 500, "internal", "rate limit");
        return 0;
    }
    postq_ratelimit_format(lim, sizeof(lim), &v.limit);
    if (v.scope == POSTQ_RATELIMIT_ORG) {
        (void)snprintf(msg, sizeof(msg),
                       "rate limit of this organisation exceeded (%s, all its API keys "
                       "together); retry after %u s",
                       lim, (unsigned)v.retry_after_s);
        postq_metrics_rate_limited("org");
    } else {
        (void)snprintf(msg, sizeof(msg),
                       "rate limit of this API key exceeded (role %s: %s); retry after %u s",
                       postq_auth_role_name(who->role), lim, (unsigned)v.retry_after_s);
        postq_metrics_rate_limited("key");
    }
    postq_api_error(resp, 429, "rate_limited", msg);
    resp->retry_after = v.retry_after_s;
    return 0;
}

static void dispatch(struct postq_api *api, int r, const char *id, const struct route_args *ra,
                     const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_api_caller who;
    const char *m = req->method;
    /* A PUT writes as a POST does (roles, body): post covers both. */
    int put = strcmp(m, "PUT") == 0, post = strcmp(m, "POST") == 0 || put,
        get = strcmp(m, "GET") == 0 || (r == R_WEB && strcmp(m, "HEAD") == 0),
        del = strcmp(m, "DELETE") == 0;
    char msg[96];

    if (r == R_NONE) {
        postq_api_error(resp, 404, "not_found", "no such route");
        return;
    }
    if (!((get && strstr(route_methods(r), "GET") != NULL) ||
          (post && !put && strstr(route_methods(r), "POST") != NULL) ||
          (put && strstr(route_methods(r), "PUT") != NULL) ||
          (del && strstr(route_methods(r), "DELETE") != NULL))) {
        snprintf(msg, sizeof(msg), "%s answers %s", route_names[r], route_methods(r));
        postq_api_error(resp, 405, "method_not_allowed", msg);
        resp->allow = route_methods(r);
        return;
    }
    if (r == R_HEALTH) {
        healthz(api, resp);
        return;
    }
    if (r == R_METRICS) {
        metrics(api, resp);
        return;
    }
    if (r == R_WEB) {
        /* No authentication: the files are public; the page asks for the API key. */
        postq_web_serve(api->web_dir, req->path, resp);
        return;
    }
    memset(&who, 0, sizeof(who));
    if (!postq_auth_caller(api->store, req, resp, &who)) {
        return;
    }
    (void)snprintf(resp->log_org, sizeof(resp->log_org), "%s", who.org_id);
    (void)snprintf(resp->log_apikey, sizeof(resp->log_apikey), "%s", who.apikey_id);
    postq_api_touch(resp, r == R_LOG_TILE ? NULL : id); /* the path's id, if it has one */
    /* Rate limits right after authentication (they need the key and its organisation): a
     * refused request costs no role check, body parse, store or enclave call. */
    if (!rate_ok(api, &who, resp)) {
        return;
    }
    /* Roles before the body's size: a caller who may not do this learns 403, not 413. */
    if (!postq_auth_allow(&who, need_role(r, post, del), resp)) {
        return;
    }
    if (req->body_too_large) {
        postq_api_error(resp, 413, "too_large",
                        "the body is over the cap: 1 MiB for JSON, 64 MiB for an "
                        "application/octet-stream payload");
        return;
    }
    switch (r) {
    case R_ENCLAVE:
        enclave_get(api, resp);
        break;
    case R_LOG:
        postq_api_log_get(api, &who, resp);
        break;
    case R_LOG_CHECKPOINT:
        postq_api_log_checkpoint(api, &who, resp);
        break;
    case R_LOG_PROOF:
        postq_api_log_proof(api, &who, req, resp);
        break;
    case R_LOG_TILE:
        postq_api_log_tile(api, &who, id, resp);
        break;
    case R_SIG_PROOF:
        postq_api_sig_proof(api, &who, id, resp);
        break;
    case R_ACTIVITY:
        activity_get(api, &who, req, resp);
        break;
    case R_POLICIES:
        post ? policy_create(api, &who, req, resp) : policy_list(api, &who, req, resp);
        break;
    case R_POLICY:
        if (del) {
            policy_delete(api, &who, id, resp);
        } else if (put) {
            policy_update(api, &who, id, req, resp);
        } else {
            policy_get(api, &who, id, req, resp);
        }
        break;
    case R_KEYS:
        post ? key_create(api, &who, req, resp) : key_list(api, &who, req, resp);
        break;
    case R_KEY:
        del ? key_delete(api, &who, id, resp) : key_get(api, &who, id, resp);
        break;
    case R_KEY_ROTATE:
        key_rotate(api, &who, id, resp);
        break;
    case R_KEY_VERSIONS:
        key_versions(api, &who, id, resp);
        break;
    case R_KEY_VERSION_OP:
        key_version_op(api, &who, id, ra->n, ra->op, resp);
        break;
    case R_SIGN:
        postq_api_sign(api, &who, req, resp);
        break;
    case R_SIGS:
        sig_list(api, &who, req, resp);
        break;
    case R_SIG:
        sig_get(api, &who, id, resp);
        break;
    case R_APIKEYS:
        post ? apikey_create(api, &who, req, resp) : apikey_list(api, &who, req, resp);
        break;
    case R_APIKEY:
        apikey_delete(api, &who, id, resp);
        break;
    default:
        postq_api_error(resp, 404, "not_found", "no such route");
        break;
    }
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void postq_api_handle(void *ctx, const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_api *api = ctx;
    double t0 = mono_ms();
    const char *id;
    struct route_args ra;
    int r = route_of(req->path, &id, &ra);

    if (postq_id_new(resp->request_id, sizeof(resp->request_id), "req") != POSTQ_OK) {
        resp->request_id[0] = '\0';
    }
    dispatch(api, r, id, &ra, req, resp);
    if (resp->status == 0) {
        postq_api_error(resp, 500, "internal", "no reply");
    }
    postq_metrics_request(route_names[r], req->method, resp->status);
    if (api->log_requests) {
        /* One line a request: when (RFC 3339, UTC), its id, method, the route template (never
         * the raw path or query), status and latency; then who called and what it touched, by
         * id only. No header, token or body is ever logged. */
        char when[POSTQ_TIME_RFC3339_MAX];
        if (postq_time_format(when, sizeof(when), postq_time_now_ms()) != POSTQ_OK) {
            snprintf(when, sizeof(when), "-");
        }
        fprintf(stderr, "%s postq-api: %s %s %s %d %.1f ms org=%s apikey=%s ids=%s%s%s%s%s\n", when,
                resp->request_id, r == R_NONE ? "-" : req->method, route_names[r], resp->status,
                mono_ms() - t0, resp->log_org[0] ? resp->log_org : "-",
                resp->log_apikey[0] ? resp->log_apikey : "-",
                resp->log_ids[0][0] ? resp->log_ids[0] : "-", resp->log_ids[1][0] ? "," : "",
                resp->log_ids[1], resp->error_code != NULL ? " error=" : "",
                resp->error_code != NULL ? resp->error_code : "");
    }
}
