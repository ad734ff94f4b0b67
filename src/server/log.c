/* SPDX-License-Identifier: Apache-2.0 */
/* The transparency log's side of postq-api [docs/transparency.md, DESIGN §13]: the log entry of
 * each stored signature, appended in the signature's transaction (store.h,
 * postq_store_put_signature_logged); the checkpoint signer the store calls once per committed
 * batch, which asks the enclave (the log keys never leave it); the `transparency` member of
 * sign results; and the read routes: GET /v1/log, /v1/log/checkpoint, /v1/log/proof,
 * /v1/log/tile/… (C2SP tlog-tiles) and /v1/signatures/{id}/proof. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/tlog.h"
#include "common/base64.h"
#include "common/id.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "server/server.h"

struct postq_api_log {
    pthread_mutex_t mu;
    int have; /* the enclave told its log keys (guarded by mu; then read-only) */
    char name[POSTQ_TLOG_NAME_MAX];
    char vkey[POSTQ_TLOG_VKEY_MAX], composite_vkey[POSTQ_TLOG_VKEY_MAX];
};

/* The log keys, asked of the enclave once. */
static postq_err log_keys(struct postq_api *api, const struct postq_api_log **out)
{
    struct postq_api_log *l = api->log;
    struct postq_proto_client *c = NULL;
    struct postq_proto_req req;
    struct postq_proto_resp r;
    postq_err err = POSTQ_OK;

    pthread_mutex_lock(&l->mu);
    if (!l->have) {
        memset(&req, 0, sizeof(req));
        req.op = POSTQ_PROTO_OP_LOG_KEYS;
        err = postq_enclave_call(api->enclave, &req, &r, &c);
        if (err == POSTQ_OK && r.status != POSTQ_PROTO_OK) {
            err = POSTQ_E_INTERNAL;
        }
        if (err == POSTQ_OK &&
            (r.log_vkey.len >= sizeof(l->vkey) ||
             r.log_composite_vkey.len >= sizeof(l->composite_vkey))) {
            err = POSTQ_E_INTERNAL;
        }
        if (err == POSTQ_OK) {
            snprintf(l->name, sizeof(l->name), "%s", r.log_name);
            memcpy(l->vkey, r.log_vkey.p, r.log_vkey.len);
            l->vkey[r.log_vkey.len] = '\0';
            memcpy(l->composite_vkey, r.log_composite_vkey.p, r.log_composite_vkey.len);
            l->composite_vkey[r.log_composite_vkey.len] = '\0';
            l->have = 1;
        }
        postq_enclave_pool_put(api->enclave, c, err == POSTQ_OK);
    }
    pthread_mutex_unlock(&l->mu);
    *out = l;
    return err;
}

/* The store's checkpoint signer: the enclave signs (origin, size, root) and returns the note. */
static postq_err sign_checkpoint(void *ctx, const char *org_id, int64_t size,
                                 const uint8_t root[32], char *note, size_t cap, size_t *len)
{
    struct postq_api *api = ctx;
    struct postq_proto_client *c = NULL;
    struct postq_proto_req req;
    struct postq_proto_resp r;
    postq_err err;

    *len = 0;
    memset(&req, 0, sizeof(req));
    req.op = POSTQ_PROTO_OP_LOG_SIGN;
    snprintf(req.key_id, sizeof(req.key_id), "%s", org_id);
    req.tree_size = (uint64_t)size;
    req.root.p = root;
    req.root.len = 32;
    err = postq_enclave_call(api->enclave, &req, &r, &c);
    if (err != POSTQ_OK) {
        postq_metrics_enclave_error("unreachable");
        postq_store_set_errmsg("the enclave cannot be reached to sign the log's checkpoint");
        return POSTQ_E_INTERNAL;
    }
    if (r.status != POSTQ_PROTO_OK || r.note.len == 0 || r.note.len > cap) {
        postq_metrics_enclave_error(postq_proto_status_name(r.status));
        postq_store_set_errmsg("the enclave did not sign the log's checkpoint: %s",
                               r.status != POSTQ_PROTO_OK ? r.message : "bad reply");
        postq_enclave_pool_put(api->enclave, c, 1);
        return POSTQ_E_INTERNAL;
    }
    memcpy(note, r.note.p, r.note.len);
    *len = r.note.len;
    postq_enclave_pool_put(api->enclave, c, 1);
    postq_metrics_log_checkpoint();
    return POSTQ_OK;
}

postq_err postq_api_log_open(struct postq_api *api)
{
    struct postq_api_log *l = postq_calloc(1, sizeof(*l));
    if (l == NULL) {
        return POSTQ_E_NOMEM;
    }
    pthread_mutex_init(&l->mu, NULL);
    api->log = l;
    postq_store_set_log_signer(api->store, sign_checkpoint, api);
    return POSTQ_OK;
}

void postq_api_log_close(struct postq_api *api)
{
    if (api != NULL && api->log != NULL) {
        pthread_mutex_destroy(&api->log->mu);
        postq_free(api->log);
        api->log = NULL;
    }
}

/* The DESIGN §13 entry of sig (id and created_at already set), signed under public_key;
 * known digests (h, when not NULL) are not computed again. */
static postq_err build_entry(const struct postq_store_sig *sig, struct postq_bytes public_key,
                             const struct postq_api_log_digests *h, char *out, size_t cap,
                             size_t *len)
{
    struct postq_tlog_entry_in in;
    char created[POSTQ_TIME_RFC3339_MAX];
    uint8_t *doc = NULL;
    size_t doc_len = 0;
    postq_err err = postq_time_format(created, sizeof(created), sig->created_at);

    memset(&in, 0, sizeof(in));
    in.sig_id = sig->id;
    in.key_id = sig->key_id;
    in.key_version = sig->key_version;
    in.algorithm = sig->algorithm;
    in.public_key = public_key.p;
    in.public_key_len = public_key.len;
    in.payload_sha256 = sig->payload_sha256;
    in.signature = sig->signature.p;
    in.sig_len = sig->signature.len;
    in.created_at = created;
    if (h != NULL) {
        in.public_key_sha256 = h->public_key_sha256;
        in.sig_sha256 = h->sig_sha256;
        in.doc_sha256 = h->doc_sha256;
    }
    if (err == POSTQ_OK && sig->has_attestation && in.doc_sha256 == NULL) {
        const char *b64 = sig->att.doc_b64 != NULL ? sig->att.doc_b64 : "";
        size_t b64_len = strlen(b64), cap_doc = postq_base64_decoded_max(b64_len) + 1;
        doc = postq_malloc(cap_doc);
        if (doc == NULL) {
            return POSTQ_E_NOMEM;
        }
        err = postq_base64_decode_public(doc, cap_doc, &doc_len, b64, b64_len, POSTQ_B64_STD);
        in.doc = doc;
        in.doc_len = doc_len;
    }
    if (err == POSTQ_OK && sig->has_attestation) {
        in.vendor = sig->att.vendor;
        in.module_id = sig->att.module_id[0] != '\0' ? sig->att.module_id : "-";
        in.counter = sig->att.counter < 0 ? 0 : (uint64_t)sig->att.counter;
        in.verdict_fail = sig->att.verdict == POSTQ_STORE_VERDICT_FAIL;
        in.reason = in.verdict_fail ? sig->att.reason : NULL;
    }
    if (err == POSTQ_OK) {
        err = postq_tlog_entry(out, cap, len, &in);
    }
    postq_free(doc);
    return err;
}

postq_err postq_api_put_logged(struct postq_api *api, struct postq_store_sig *sig,
                               struct postq_bytes public_key,
                               const struct postq_api_log_digests *digests,
                               const char *module_id, int64_t counter, int record_counter,
                               struct postq_store_log_receipt *receipt)
{
    char entry[POSTQ_TLOG_ENTRY_MAX];
    size_t len = 0;
    postq_err err = postq_id_new(sig->id, sizeof(sig->id), "sig");

    (void)api;
    if (err == POSTQ_OK) {
        sig->created_at = postq_time_now_ms();
        err = build_entry(sig, public_key, digests, entry, sizeof(entry), &len);
        if (err != POSTQ_OK) {
            postq_store_set_errmsg("the log entry could not be built: %s", postq_strerror(err));
            err = POSTQ_E_INTERNAL;
        }
    }
    if (err == POSTQ_OK) {
        err = postq_store_put_signature_logged(api->store, sig, module_id, counter, record_counter,
                                               (const uint8_t *)entry, len, receipt);
    }
    return err;
}


void postq_api_transparency_write(struct postq_jsonw *w, const struct postq_store_log_receipt *r)
{
    postq_jsonw_key(w, "transparency");
    postq_jsonw_obj_begin(w);
    postq_jsonw_key(w, "logIndex");
    postq_jsonw_int(w, r->index);
    postq_jsonw_key(w, "checkpoint");
    postq_jsonw_strn(w, r->note, r->note_len);
    postq_jsonw_key(w, "inclusionProof");
    postq_jsonw_arr_begin(w);
    for (size_t i = 0; i < r->proof_len; i++) {
        postq_jsonw_b64(w, r->proof[i], 32);
    }
    postq_jsonw_arr_end(w);
    postq_jsonw_obj_end(w);
}

/* The receipt of leaf index against the latest checkpoint. */
static postq_err latest_receipt(struct postq_api *api, const char *org_id, int64_t index,
                                struct postq_store_log_receipt *r)
{
    struct postq_store_checkpoint cp;
    size_t n;
    postq_err err = postq_store_checkpoint_latest(api->store, org_id, &cp);

    memset(r, 0, sizeof(*r));
    if (err == POSTQ_OK && cp.size <= index) {
        err = POSTQ_E_NOT_FOUND; /* cannot happen: the leaf's checkpoint is stored with it */
    }
    if (err == POSTQ_OK) {
        n = strlen(cp.note);
        if (n >= sizeof(r->note)) {
            err = POSTQ_E_IO;
        } else {
            memcpy(r->note, cp.note, n + 1);
            r->note_len = n;
            r->size = cp.size;
            r->index = index;
            memcpy(r->root, cp.root, 32);
            err = postq_store_log_inclusion(api->store, org_id, cp.size, index, r->proof,
                                            &r->proof_len);
        }
    }
    postq_store_checkpoint_clear(&cp);
    return err;
}

void postq_api_sig_write_logged(struct postq_api *api, struct postq_jsonw *w,
                                const struct postq_store_sig *sig)
{
    struct postq_store_log_receipt *r = NULL;
    if (sig->log_index >= 0 && (r = malloc(sizeof(*r))) != NULL &&
        latest_receipt(api, sig->org_id, sig->log_index, r) != POSTQ_OK) {
        free(r);
        r = NULL;
    }
    postq_api_sig_write_ex(w, sig, r);
    free(r);
}

/* ---- routes ------------------------------------------------------------------------------- */

/* A query parameter as a tree size or index: decimal digits, 0..2^62. */
static int query_num(const struct postq_http_req *req, const char *name, int64_t *v, int *present)
{
    const char *q = req->query(req, name);
    int64_t x = 0;
    *present = q != NULL;
    if (q == NULL) {
        return 1;
    }
    if (q[0] == '\0' || strlen(q) > 18 || (q[0] == '0' && q[1] != '\0')) {
        return 0;
    }
    for (const char *p = q; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
        x = x * 10 + (*p - '0');
    }
    *v = x;
    return 1;
}

void postq_api_log_get(struct postq_api *api, const struct postq_api_caller *who,
                       struct postq_http_resp *resp)
{
    const struct postq_api_log *l;
    struct postq_store_checkpoint cp;
    struct postq_jsonw w;
    char origin[POSTQ_TLOG_ORIGIN_MAX];
    postq_err err;

    if (log_keys(api, &l) != POSTQ_OK) {
        postq_api_error(resp, 503, "enclave_unavailable",
                        "the enclave cannot be reached for the log's keys");
        return;
    }
    err = postq_store_checkpoint_latest(api->store, who->org_id, &cp);
    if (err != POSTQ_OK && err != POSTQ_E_NOT_FOUND) {
        postq_api_fail(resp, err, "log");
        return;
    }
    snprintf(origin, sizeof(origin), "%s/%s", l->name, who->org_id);
    postq_api_jsonw_begin(resp, &w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "origin");
    postq_jsonw_str(&w, origin);
    postq_jsonw_key(&w, "verifierKey");
    postq_jsonw_str(&w, l->vkey);
    postq_jsonw_key(&w, "compositeVerifierKey");
    postq_jsonw_str(&w, l->composite_vkey);
    postq_jsonw_key(&w, "size");
    postq_jsonw_int(&w, err == POSTQ_OK ? cp.size : 0);
    postq_jsonw_key(&w, "checkpoint");
    if (err == POSTQ_OK) {
        postq_jsonw_str(&w, cp.note);
    } else {
        postq_jsonw_null(&w);
    }
    postq_jsonw_obj_end(&w);
    postq_api_jsonw_reply(resp, 200, &w);
    postq_store_checkpoint_clear(&cp);
}

static void reply_text(struct postq_http_resp *resp, const char *ctype, const void *p, size_t n)
{
    postq_buf_reset(&resp->body);
    if (postq_buf_append(&resp->body, p, n) != POSTQ_OK) {
        postq_api_error(resp, 500, "internal", "reply too large");
        return;
    }
    resp->status = 200;
    resp->content_type = ctype;
}

void postq_api_log_checkpoint(struct postq_api *api, const struct postq_api_caller *who,
                              struct postq_http_resp *resp)
{
    struct postq_store_checkpoint cp;
    postq_err err = postq_store_checkpoint_latest(api->store, who->org_id, &cp);
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "checkpoint");
        return;
    }
    reply_text(resp, "text/plain; charset=utf-8", cp.note, strlen(cp.note));
    postq_store_checkpoint_clear(&cp);
}

static void write_proof(struct postq_jsonw *w, const char *name, const uint8_t (*p)[32], size_t n)
{
    postq_jsonw_key(w, name);
    postq_jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        postq_jsonw_b64(w, p[i], 32);
    }
    postq_jsonw_arr_end(w);
}

void postq_api_log_proof(struct postq_api *api, const struct postq_api_caller *who,
                         const struct postq_http_req *req, struct postq_http_resp *resp)
{
    struct postq_store_checkpoint cp;
    uint8_t proof[64][32];
    size_t n = 0;
    int64_t from = 0, to = 0;
    int has_from, has_to;
    struct postq_jsonw w;
    postq_err err;

    if (!query_num(req, "from", &from, &has_from) || !query_num(req, "to", &to, &has_to) ||
        !has_from) {
        postq_api_error(resp, 400, "invalid_request",
                        "from: required, and from and to: decimal tree sizes");
        return;
    }
    if (has_to && from > to) {
        /* Before the store: a checkpoint of size to may have to be signed. */
        postq_api_error(resp, 400, "invalid_request", "from: larger than to");
        return;
    }
    err = has_to ? postq_store_checkpoint_get(api->store, who->org_id, to, &cp)
                 : postq_store_checkpoint_latest(api->store, who->org_id, &cp);
    if (err == POSTQ_E_NOT_FOUND) {
        postq_api_error(resp, 404, "not_found",
                        has_to ? "no checkpoint of that tree size" : "the log is empty");
        return;
    }
    if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "log");
        return;
    }
    if (from > cp.size) {
        postq_store_checkpoint_clear(&cp);
        postq_api_error(resp, 400, "invalid_request", "from: larger than the tree size");
        return;
    }
    err = postq_store_log_consistency(api->store, who->org_id, cp.size, from, proof, &n);
    if (err != POSTQ_OK) {
        postq_store_checkpoint_clear(&cp);
        postq_api_fail(resp, err, "log proof");
        return;
    }
    postq_api_jsonw_begin(resp, &w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "checkpoint");
    postq_jsonw_str(&w, cp.note);
    write_proof(&w, "consistencyProof", (const uint8_t(*)[32])proof, n);
    postq_jsonw_obj_end(&w);
    postq_api_jsonw_reply(resp, 200, &w);
    postq_store_checkpoint_clear(&cp);
}

void postq_api_sig_proof(struct postq_api *api, const struct postq_api_caller *who,
                         const char *id, struct postq_http_resp *resp)
{
    struct postq_store_sig s;
    struct postq_store_log_receipt *r;
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
    if (s.log_index < 0) {
        postq_store_sig_clear(&s);
        postq_api_error(resp, 404, "not_found",
                        "this signature was stored before the transparency log and has no leaf");
        return;
    }
    r = malloc(sizeof(*r));
    err = r == NULL ? POSTQ_E_NOMEM : latest_receipt(api, who->org_id, s.log_index, r);
    postq_store_sig_clear(&s);
    if (err != POSTQ_OK) {
        free(r);
        postq_api_fail(resp, err, "log proof");
        return;
    }
    postq_api_jsonw_begin(resp, &w);
    postq_jsonw_obj_begin(&w);
    postq_jsonw_key(&w, "logIndex");
    postq_jsonw_int(&w, r->index);
    postq_jsonw_key(&w, "checkpoint");
    postq_jsonw_strn(&w, r->note, r->note_len);
    write_proof(&w, "inclusionProof", (const uint8_t(*)[32])r->proof, r->proof_len);
    postq_jsonw_obj_end(&w);
    postq_api_jsonw_reply(resp, 200, &w);
    free(r);
}

/* tlog-tiles' tile index: path elements "x001/x234/067" (3 digits each, "x" on all but the
 * last). *end is the first character after it. 0 when malformed. At most 6 elements: a log of
 * 2^64 entries has fewer than 2^56 tiles (17 digits), and 18 digits cannot overflow v. */
static int tile_index(const char *p, int64_t *n, const char **end)
{
    int64_t v = 0;
    for (int k = 0;; k++) {
        int last = p[0] != 'x';
        const char *d = last ? p : p + 1;
        if (k > 5 || d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' ||
            d[2] > '9') {
            return 0;
        }
        v = v * 1000 + (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
        if (k == 0 && !last && v == 0) {
            return 0; /* "x000/…": not the canonical encoding */
        }
        p = d + 3;
        if (last) {
            break;
        }
        if (*p != '/') {
            return 0;
        }
        p++;
    }
    *n = v;
    *end = p;
    return 1;
}

/* GET /v1/log/tile/<L>/<N>[.p/<W>] and /v1/log/tile/entries/<N>[.p/<W>] (rest is what follows
 * "/v1/log/tile/"). */
void postq_api_log_tile(struct postq_api *api, const struct postq_api_caller *who,
                        const char *rest, struct postq_http_resp *resp)
{
    int entries = strncmp(rest, "entries/", 8) == 0;
    int level = 0;
    int64_t n = 0, width = 256;
    const char *p = rest, *e;
    postq_err err;

    if (entries) {
        p += 8;
    } else {
        if (p[0] < '0' || p[0] > '9' || p[1] != '/') {
            goto bad;
        }
        level = p[0] - '0';
        p += 2;
    }
    if (!tile_index(p, &n, &e)) {
        goto bad;
    }
    if (strncmp(e, ".p/", 3) == 0) {
        const char *w = e + 3;
        width = 0;
        if (w[0] < '1' || w[0] > '9' || strlen(w) > 3) {
            goto bad;
        }
        for (; *w != '\0'; w++) {
            if (*w < '0' || *w > '9') {
                goto bad;
            }
            width = width * 10 + (*w - '0');
        }
        if (width >= 256) {
            goto bad;
        }
    } else if (*e != '\0') {
        goto bad;
    }
    if (level * 8 > 63 || n > (INT64_MAX >> 8) - 1) {
        goto bad;
    }
    if (entries) {
        struct postq_buf b;
        postq_buf_init(&b, 256 * (2 + POSTQ_STORE_ENTRY_MAX));
        err = postq_store_log_entries(api->store, who->org_id, n * 256, (size_t)width, &b);
        if (err == POSTQ_OK) {
            reply_text(resp, "application/octet-stream", b.p, b.len);
        }
        postq_buf_free(&b);
    } else {
        uint8_t *h = malloc(256 * 32);
        err = h == NULL ? POSTQ_E_NOMEM
                        : postq_store_log_nodes(api->store, who->org_id, (unsigned)(8 * level),
                                                n * 256, (size_t)width, h);
        if (err == POSTQ_OK) {
            reply_text(resp, "application/octet-stream", h, (size_t)width * 32);
        }
        free(h);
    }
    if (err == POSTQ_E_NOT_FOUND) {
        postq_api_error(resp, 404, "not_found", "no such tile (yet)");
    } else if (err != POSTQ_OK) {
        postq_api_fail(resp, err, "log tile");
    }
    return;
bad:
    postq_api_error(resp, 404, "not_found",
                    "no such tile: /v1/log/tile/<L>/<N>[.p/<W>] or /v1/log/tile/entries/<N>[.p/<W>] "
                    "(c2sp.org/tlog-tiles)");
}
