/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the enclave protocol codec (src/proto/enclave_proto.c), the enclave's only
 * input. The input is a byte stream as the enclave's socket delivers it: it is split into
 * frames by their 4-byte length prefixes, and each body (and the whole input, as one body) is
 * decoded as a request and as a reply to every op. The encoding is canonical, so what decodes
 * must encode back to the very same frame; a failed decode leaves a zeroed result with a status
 * from the table. Aborts when either breaks. Build as fuzz_jws.c says (make fuzz). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/enclave_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* v is empty (NULL) or lies inside body[0..len). */
static int fuzz_proto_view_ok(struct postq_bytes v, const uint8_t *body, size_t len)
{
    if (v.len == 0) {
        return v.p == NULL;
    }
    return v.p >= body && v.len <= len && v.p - body <= (ptrdiff_t)(len - v.len);
}

/* The bytes in b are exactly a frame of body[0..len): prefix, then the body. */
static int fuzz_proto_same_frame(const struct postq_buf *b, const uint8_t *body, size_t len)
{
    return b->len == len + 4 && b->p[0] == (uint8_t)(len >> 24) &&
           b->p[1] == (uint8_t)(len >> 16) && b->p[2] == (uint8_t)(len >> 8) &&
           b->p[3] == (uint8_t)len && memcmp(b->p + 4, body, len) == 0;
}

static void fuzz_proto_request(const uint8_t *body, size_t len)
{
    static const uint8_t zero[sizeof(struct postq_proto_req)];
    struct postq_proto_req req;
    struct postq_buf b;
    int status = -1;
    size_t alg_len, id_len;

    if (postq_proto_decode_request(&req, &status, body, len) != POSTQ_OK) {
        if ((status != POSTQ_PROTO_E_MALFORMED && status != POSTQ_PROTO_E_VERSION &&
             status != POSTQ_PROTO_E_UNKNOWN_OP && status != POSTQ_PROTO_E_BAD_LENGTH) ||
            memcmp(&req, zero, sizeof(req)) != 0) {
            abort();
        }
        return;
    }
    alg_len = strnlen(req.alg, sizeof(req.alg));
    id_len = strnlen(req.key_id, sizeof(req.key_id));
    if (status != POSTQ_PROTO_OK || alg_len == sizeof(req.alg) ||
        id_len == sizeof(req.key_id) || !fuzz_proto_view_ok(req.sealed, body, len) ||
        !fuzz_proto_view_ok(req.nonce, body, len) || !fuzz_proto_view_ok(req.payload, body, len) ||
        !fuzz_proto_view_ok(req.root, body, len)) {
        abort();
    }
    switch (req.op) {
    case POSTQ_PROTO_OP_INFO:
    case POSTQ_PROTO_OP_HEALTH:
    case POSTQ_PROTO_OP_LOG_KEYS:
        if (alg_len != 0 || id_len != 0 ||
            req.sealed.len + req.nonce.len + req.payload.len + req.root.len != 0 ||
            req.tree_size != 0) {
            abort();
        }
        break;
    case POSTQ_PROTO_OP_LOG_SIGN:
        /* The organisation id rides in key_id; size and root in their own fields. */
        if (alg_len != 0 || id_len == 0 || req.root.len != 32 ||
            req.sealed.len + req.nonce.len + req.payload.len != 0) {
            abort();
        }
        break;
    case POSTQ_PROTO_OP_KEYGEN:
    case POSTQ_PROTO_OP_SIGN:
        if (alg_len == 0 || id_len == 0) {
            abort();
        }
        if (req.op == POSTQ_PROTO_OP_SIGN
                ? req.nonce.len != POSTQ_PROTO_NONCE_BYTES ||
                      req.sealed.len > POSTQ_PROTO_SEALED_MAX ||
                      req.payload.len > POSTQ_PROTO_PAYLOAD_MAX
                : req.sealed.len + req.nonce.len + req.payload.len != 0) {
            abort();
        }
        if (req.root.len != 0 || req.tree_size != 0) {
            abort();
        }
        break;
    default:
        abort();
    }
    /* Encoded again, it is the same frame; the head alone is that frame less the payload. */
    postq_buf_init(&b, POSTQ_PROTO_FRAME_MAX + 4);
    if (postq_proto_encode_request(&b, &req) != POSTQ_OK || !fuzz_proto_same_frame(&b, body, len)) {
        abort();
    }
    postq_buf_reset(&b);
    if (postq_proto_encode_request_head(&b, &req) != POSTQ_OK ||
        b.len + req.payload.len != len + 4 || memcmp(b.p + 4, body, b.len - 4) != 0) {
        abort();
    }
    postq_buf_free(&b);
}

static void fuzz_proto_reply(const uint8_t *body, size_t len, int op)
{
    struct postq_proto_resp resp, zero;
    struct postq_buf b;

    memset(&zero, 0, sizeof(zero));
    zero.op = op;
    if (postq_proto_decode_reply(&resp, op, body, len) != POSTQ_OK) {
        if (memcmp(&resp, &zero, sizeof(resp)) != 0) {
            abort();
        }
        return;
    }
    if (resp.op != op || resp.status < 0 || resp.status > 255 ||
        strnlen(resp.message, sizeof(resp.message)) == sizeof(resp.message) ||
        strnlen(resp.vendor, sizeof(resp.vendor)) == sizeof(resp.vendor) ||
        strnlen(resp.module_id, sizeof(resp.module_id)) == sizeof(resp.module_id) ||
        !fuzz_proto_view_ok(resp.image_hash, body, len) ||
        !fuzz_proto_view_ok(resp.root_public_key, body, len) ||
        !fuzz_proto_view_ok(resp.public_key, body, len) ||
        !fuzz_proto_view_ok(resp.sealed, body, len) ||
        !fuzz_proto_view_ok(resp.signature, body, len) ||
        !fuzz_proto_view_ok(resp.doc_b64, body, len) ||
        !fuzz_proto_view_ok(resp.log_vkey, body, len) ||
        !fuzz_proto_view_ok(resp.log_composite_vkey, body, len) ||
        !fuzz_proto_view_ok(resp.note, body, len) ||
        strnlen(resp.log_name, sizeof(resp.log_name)) == sizeof(resp.log_name)) {
        abort();
    }
    /* An ok reply only to an op that exists; its fixed-size fields have their size. */
    if (resp.status == POSTQ_PROTO_OK &&
        (op < POSTQ_PROTO_OP_INFO || op > POSTQ_PROTO_OP_LOG_SIGN ||
         (op == POSTQ_PROTO_OP_INFO &&
          (resp.image_hash.len != 32 || resp.root_public_key.len != 32 ||
           resp.vendor[0] == '\0' || resp.module_id[0] == '\0')) ||
         (op == POSTQ_PROTO_OP_HEALTH && resp.counter_durable != 0 &&
          resp.counter_durable != 1) ||
         (op == POSTQ_PROTO_OP_LOG_KEYS &&
          (resp.log_name[0] == '\0' || resp.log_vkey.len == 0 ||
           resp.log_composite_vkey.len == 0)) ||
         (op == POSTQ_PROTO_OP_LOG_SIGN && resp.note.len == 0))) {
        abort();
    }
    postq_buf_init(&b, POSTQ_PROTO_FRAME_MAX + 4);
    if (postq_proto_encode_reply(&b, &resp) != POSTQ_OK || !fuzz_proto_same_frame(&b, body, len)) {
        abort();
    }
    postq_buf_free(&b);
}

static void fuzz_proto_body(const uint8_t *body, size_t len)
{
    fuzz_proto_request(body, len);
    for (int op = 0; op <= POSTQ_PROTO_OP_LOG_SIGN + 1; op++) {
        fuzz_proto_reply(body, len, op);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;

    fuzz_proto_body(data, size);
    /* Frames, as the enclave's dispatcher reads them; a bad prefix ends the stream there. */
    while (size - at >= 4) {
        size_t n = 7;
        uint32_t announced = (uint32_t)data[at] << 24 | (uint32_t)data[at + 1] << 16 |
                             (uint32_t)data[at + 2] << 8 | data[at + 3];
        postq_err err = postq_proto_frame_len(data + at, &n);
        if (err != POSTQ_OK) {
            if (n != 0 || (announced > POSTQ_PROTO_FRAME_MAX ? err != POSTQ_E_TOO_LARGE
                           : announced < POSTQ_PROTO_HEADER_BYTES ? err != POSTQ_E_MALFORMED
                                                                  : 1)) {
                abort();
            }
            break;
        }
        if (n != announced) {
            abort();
        }
        at += 4;
        if (n > size - at) {
            break; /* the stream ends inside the frame */
        }
        fuzz_proto_body(data + at, n);
        at += n;
    }
    return 0;
}
