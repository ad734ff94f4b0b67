/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave protocol codec: frames and the fields of each op (table in enclave_proto.h and
 * docs/enclave-protocol.md). Decoding never copies byte fields: they are views into the body. */
#include "proto/enclave_proto.h"

#include <string.h>

#define STATUS_NAME_(name, value, text) case value: return text;
const char *postq_proto_status_name(int status)
{
    switch (status) {
        POSTQ_PROTO_STATUSES(STATUS_NAME_)
    default:
        return "unknown";
    }
}
#undef STATUS_NAME_

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

postq_err postq_proto_frame_len(const uint8_t prefix[4], size_t *body_len)
{
    size_t n;

    if (prefix == NULL || body_len == NULL) {
        return POSTQ_E_ARG;
    }
    n = get_u32(prefix);
    *body_len = 0;
    if (n > POSTQ_PROTO_FRAME_MAX) {
        return POSTQ_E_TOO_LARGE;
    }
    if (n < POSTQ_PROTO_HEADER_BYTES) {
        return POSTQ_E_MALFORMED;
    }
    *body_len = n;
    return POSTQ_OK;
}

/* ---- encoding ---- */

struct enc {
    struct postq_buf *out;
    size_t start; /* offset of the frame's length prefix */
    postq_err err;
};

static void enc_raw(struct enc *e, const void *p, size_t n)
{
    if (e->err == POSTQ_OK) {
        e->err = postq_buf_append(e->out, p, n);
    }
}

static void enc_len(struct enc *e, size_t n)
{
    uint8_t b[4];
    if (n > UINT32_MAX) {
        e->err = POSTQ_E_TOO_LARGE;
        return;
    }
    put_u32(b, (uint32_t)n);
    enc_raw(e, b, 4);
}

static void enc_bytes(struct enc *e, const uint8_t *p, size_t n)
{
    enc_len(e, n);
    enc_raw(e, p, n);
}

static void enc_str(struct enc *e, const char *s)
{
    enc_bytes(e, (const uint8_t *)s, strlen(s));
}

static void enc_begin(struct enc *e, struct postq_buf *out, int op_or_status)
{
    uint8_t hdr[8] = {0, 0, 0, 0, POSTQ_PROTO_VERSION, (uint8_t)op_or_status, 0, 0};
    e->out = out;
    e->start = out->len;
    e->err = POSTQ_OK;
    enc_raw(e, hdr, sizeof(hdr));
}

/* Patch the prefix with the body length; extra counts bytes the caller sends after the frame
 * head (the payload of encode_request_head). */
static postq_err enc_end(struct enc *e, size_t extra)
{
    size_t body;
    if (e->err != POSTQ_OK) {
        e->out->len = e->start; /* drop the partial frame */
        if (e->out->p != NULL) {
            e->out->p[e->start] = 0;
        }
        return e->err;
    }
    body = e->out->len - e->start - 4 + extra;
    if (body > POSTQ_PROTO_FRAME_MAX) {
        e->out->len = e->start;
        e->out->p[e->start] = 0;
        return POSTQ_E_TOO_LARGE;
    }
    put_u32(e->out->p + e->start, (uint32_t)body);
    return POSTQ_OK;
}

static int text_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap;
}

static postq_err encode_req(struct postq_buf *out, const struct postq_proto_req *req,
                            int with_payload)
{
    struct enc e;

    if (out == NULL || req == NULL) {
        return POSTQ_E_ARG;
    }
    if (req->op == POSTQ_PROTO_OP_KEYGEN || req->op == POSTQ_PROTO_OP_SIGN) {
        if (!text_ok(req->alg, sizeof(req->alg)) || !text_ok(req->key_id, sizeof(req->key_id))) {
            return POSTQ_E_ARG;
        }
    } else if (req->op == POSTQ_PROTO_OP_LOG_SIGN) {
        if (!text_ok(req->key_id, sizeof(req->key_id)) || req->root.p == NULL ||
            req->root.len != 32) {
            return POSTQ_E_ARG;
        }
    } else if (req->op != POSTQ_PROTO_OP_INFO && req->op != POSTQ_PROTO_OP_HEALTH &&
               req->op != POSTQ_PROTO_OP_LOG_KEYS) {
        return POSTQ_E_ARG;
    }
    if (req->op == POSTQ_PROTO_OP_SIGN &&
        (req->nonce.len != POSTQ_PROTO_NONCE_BYTES || req->nonce.p == NULL ||
         req->payload.len > POSTQ_PROTO_PAYLOAD_MAX ||
         (req->payload.p == NULL && req->payload.len != 0) ||
         (req->sealed.p == NULL && req->sealed.len != 0))) {
        return POSTQ_E_ARG;
    }
    enc_begin(&e, out, req->op);
    if (req->op == POSTQ_PROTO_OP_KEYGEN || req->op == POSTQ_PROTO_OP_SIGN) {
        enc_str(&e, req->alg);
        enc_str(&e, req->key_id);
    }
    if (req->op == POSTQ_PROTO_OP_LOG_SIGN) {
        uint8_t sz[8];
        for (int i = 0; i < 8; i++) {
            sz[i] = (uint8_t)(req->tree_size >> (56 - 8 * i));
        }
        enc_str(&e, req->key_id);
        enc_bytes(&e, sz, 8);
        enc_bytes(&e, req->root.p, 32);
    }
    if (req->op == POSTQ_PROTO_OP_SIGN) {
        enc_bytes(&e, req->sealed.p, req->sealed.len);
        enc_bytes(&e, req->nonce.p, req->nonce.len);
        enc_len(&e, req->payload.len);
        if (with_payload) {
            enc_raw(&e, req->payload.p, req->payload.len);
        }
        return enc_end(&e, with_payload ? 0 : req->payload.len);
    }
    return enc_end(&e, 0);
}

postq_err postq_proto_encode_request(struct postq_buf *out, const struct postq_proto_req *req)
{
    return encode_req(out, req, 1);
}

postq_err postq_proto_encode_request_head(struct postq_buf *out,
                                          const struct postq_proto_req *req)
{
    return encode_req(out, req, 0);
}

postq_err postq_proto_encode_reply(struct postq_buf *out, const struct postq_proto_resp *resp)
{
    struct enc e;
    uint8_t ctr[8];

    if (out == NULL || resp == NULL || resp->status < 0 || resp->status > 255) {
        return POSTQ_E_ARG;
    }
    enc_begin(&e, out, resp->status);
    if (resp->status != POSTQ_PROTO_OK) {
        enc_bytes(&e, (const uint8_t *)resp->message,
                  strnlen(resp->message, sizeof(resp->message) - 1));
        return enc_end(&e, 0);
    }
    switch (resp->op) {
    case POSTQ_PROTO_OP_INFO:
        enc_str(&e, resp->vendor);
        enc_str(&e, resp->module_id);
        enc_bytes(&e, resp->image_hash.p, resp->image_hash.len);
        enc_bytes(&e, resp->root_public_key.p, resp->root_public_key.len);
        break;
    case POSTQ_PROTO_OP_KEYGEN:
        enc_bytes(&e, resp->public_key.p, resp->public_key.len);
        enc_bytes(&e, resp->sealed.p, resp->sealed.len);
        break;
    case POSTQ_PROTO_OP_SIGN:
        enc_bytes(&e, resp->signature.p, resp->signature.len);
        enc_bytes(&e, resp->doc_b64.p, resp->doc_b64.len);
        for (int i = 0; i < 8; i++) {
            ctr[i] = (uint8_t)(resp->counter >> (56 - 8 * i));
        }
        enc_bytes(&e, ctr, 8);
        break;
    case POSTQ_PROTO_OP_HEALTH:
        ctr[0] = resp->counter_durable ? 1 : 0;
        enc_bytes(&e, ctr, 1);
        enc_bytes(&e, (const uint8_t *)resp->message,
                  strnlen(resp->message, sizeof(resp->message) - 1));
        break;
    case POSTQ_PROTO_OP_LOG_KEYS:
        enc_str(&e, resp->log_name);
        enc_bytes(&e, resp->log_vkey.p, resp->log_vkey.len);
        enc_bytes(&e, resp->log_composite_vkey.p, resp->log_composite_vkey.len);
        break;
    case POSTQ_PROTO_OP_LOG_SIGN:
        enc_bytes(&e, resp->note.p, resp->note.len);
        break;
    default:
        e.err = POSTQ_E_ARG;
        break;
    }
    return enc_end(&e, 0);
}

/* ---- decoding ---- */

struct dec {
    const uint8_t *p;
    size_t left;
    int bad;
};

static struct postq_bytes dec_bytes(struct dec *d)
{
    struct postq_bytes v = {NULL, 0};
    size_t n;

    if (d->bad || d->left < 4) {
        d->bad = 1;
        return v;
    }
    n = get_u32(d->p);
    d->p += 4;
    d->left -= 4;
    if (n > d->left) {
        d->bad = 1;
        return v;
    }
    v.p = n > 0 ? d->p : NULL;
    v.len = n;
    d->p += n;
    d->left -= n;
    return v;
}

/* A text field into dst[cap]: 1..cap-1 bytes, no NUL inside (allow_empty for messages). */
static void dec_str(struct dec *d, char *dst, size_t cap, int allow_empty, int *too_long)
{
    struct postq_bytes v = dec_bytes(d);
    if (d->bad) {
        return;
    }
    if (v.len >= cap || (v.len == 0 && !allow_empty) ||
        (v.len > 0 && memchr(v.p, 0, v.len) != NULL)) {
        *too_long = 1;
        return;
    }
    if (v.len > 0) {
        memcpy(dst, v.p, v.len);
    }
    dst[v.len] = 0;
}

static int dec_header(struct dec *d, const uint8_t *body, size_t len, int *code)
{
    if (body == NULL || len < POSTQ_PROTO_HEADER_BYTES) {
        return POSTQ_PROTO_E_MALFORMED;
    }
    if (body[0] != POSTQ_PROTO_VERSION) {
        return POSTQ_PROTO_E_VERSION;
    }
    if (body[2] != 0 || body[3] != 0) {
        return POSTQ_PROTO_E_MALFORMED;
    }
    *code = body[1];
    d->p = body + POSTQ_PROTO_HEADER_BYTES;
    d->left = len - POSTQ_PROTO_HEADER_BYTES;
    d->bad = 0;
    return POSTQ_PROTO_OK;
}

postq_err postq_proto_decode_request(struct postq_proto_req *req, int *status,
                                     const uint8_t *body, size_t len)
{
    struct dec d;
    int op = 0, bad_len = 0, st;

    if (req == NULL || status == NULL) {
        return POSTQ_E_ARG;
    }
    memset(req, 0, sizeof(*req));
    st = dec_header(&d, body, len, &op);
    if (st == POSTQ_PROTO_OK) {
        req->op = op;
        switch (op) {
        case POSTQ_PROTO_OP_INFO:
        case POSTQ_PROTO_OP_HEALTH:
        case POSTQ_PROTO_OP_LOG_KEYS:
            break;
        case POSTQ_PROTO_OP_LOG_SIGN: {
            struct postq_bytes sz;
            dec_str(&d, req->key_id, sizeof(req->key_id), 0, &bad_len);
            sz = dec_bytes(&d);
            req->root = dec_bytes(&d);
            if (!d.bad && (sz.len != 8 || req->root.len != 32)) {
                bad_len = 1;
            }
            for (size_t i = 0; !d.bad && sz.len == 8 && i < 8; i++) {
                req->tree_size = (req->tree_size << 8) | sz.p[i];
            }
            break;
        }
        case POSTQ_PROTO_OP_KEYGEN:
        case POSTQ_PROTO_OP_SIGN:
            dec_str(&d, req->alg, sizeof(req->alg), 0, &bad_len);
            dec_str(&d, req->key_id, sizeof(req->key_id), 0, &bad_len);
            if (op == POSTQ_PROTO_OP_SIGN) {
                req->sealed = dec_bytes(&d);
                req->nonce = dec_bytes(&d);
                req->payload = dec_bytes(&d);
                if (!d.bad && (req->nonce.len != POSTQ_PROTO_NONCE_BYTES ||
                               req->sealed.len > POSTQ_PROTO_SEALED_MAX ||
                               req->payload.len > POSTQ_PROTO_PAYLOAD_MAX)) {
                    bad_len = 1;
                }
            }
            break;
        default:
            st = POSTQ_PROTO_E_UNKNOWN_OP;
            break;
        }
    }
    if (st == POSTQ_PROTO_OK) {
        if (d.bad || d.left != 0) {
            st = POSTQ_PROTO_E_MALFORMED;
        } else if (bad_len) {
            st = POSTQ_PROTO_E_BAD_LENGTH;
        }
    }
    *status = st;
    if (st != POSTQ_PROTO_OK) {
        memset(req, 0, sizeof(*req));
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}

postq_err postq_proto_decode_reply(struct postq_proto_resp *resp, int op, const uint8_t *body,
                                   size_t len)
{
    struct dec d;
    int status = 0, bad = 0;
    struct postq_bytes ctr;

    if (resp == NULL) {
        return POSTQ_E_ARG;
    }
    memset(resp, 0, sizeof(*resp));
    resp->op = op;
    if (dec_header(&d, body, len, &status) != POSTQ_PROTO_OK) {
        return POSTQ_E_MALFORMED;
    }
    resp->status = status;
    if (status != POSTQ_PROTO_OK) {
        dec_str(&d, resp->message, sizeof(resp->message), 1, &bad);
    } else {
        switch (op) {
        case POSTQ_PROTO_OP_INFO:
            dec_str(&d, resp->vendor, sizeof(resp->vendor), 0, &bad);
            dec_str(&d, resp->module_id, sizeof(resp->module_id), 0, &bad);
            resp->image_hash = dec_bytes(&d);
            resp->root_public_key = dec_bytes(&d);
            bad |= resp->image_hash.len != 32 ||
                   (resp->root_public_key.len != 32 && resp->root_public_key.len != 1984);
            break;
        case POSTQ_PROTO_OP_KEYGEN:
            resp->public_key = dec_bytes(&d);
            resp->sealed = dec_bytes(&d);
            break;
        case POSTQ_PROTO_OP_SIGN:
            resp->signature = dec_bytes(&d);
            resp->doc_b64 = dec_bytes(&d);
            ctr = dec_bytes(&d);
            bad |= ctr.len != 8;
            for (size_t i = 0; !d.bad && i < ctr.len && ctr.len == 8; i++) {
                resp->counter = (resp->counter << 8) | ctr.p[i];
            }
            break;
        case POSTQ_PROTO_OP_HEALTH:
            ctr = dec_bytes(&d);
            bad |= ctr.len != 1 || (!d.bad && ctr.p[0] > 1);
            resp->counter_durable = !d.bad && ctr.len == 1 && ctr.p[0] == 1;
            dec_str(&d, resp->message, sizeof(resp->message), 1, &bad);
            break;
        case POSTQ_PROTO_OP_LOG_KEYS:
            dec_str(&d, resp->log_name, sizeof(resp->log_name), 0, &bad);
            resp->log_vkey = dec_bytes(&d);
            resp->log_composite_vkey = dec_bytes(&d);
            bad |= resp->log_vkey.len == 0 || resp->log_vkey.len >= POSTQ_PROTO_VKEY_MAX ||
                   resp->log_composite_vkey.len == 0 ||
                   resp->log_composite_vkey.len >= POSTQ_PROTO_VKEY_MAX;
            break;
        case POSTQ_PROTO_OP_LOG_SIGN:
            resp->note = dec_bytes(&d);
            bad |= resp->note.len == 0 || resp->note.len >= POSTQ_PROTO_NOTE_MAX;
            break;
        default:
            bad = 1;
            break;
        }
    }
    if (bad || d.bad || d.left != 0) {
        memset(resp, 0, sizeof(*resp));
        resp->op = op;
        return POSTQ_E_MALFORMED;
    }
    return POSTQ_OK;
}
