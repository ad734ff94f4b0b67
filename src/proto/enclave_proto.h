/* SPDX-License-Identifier: Apache-2.0 */
/* The postq-enclave protocol: framed requests and replies on a Unix stream socket, the codec
 * both ends share (the enclave, postq-api, tests, bench), and a small blocking client.
 * docs/enclave-protocol.md is the reference; the layout in brief:
 *
 * | frame part | bytes | meaning                                                        |
 * |------------|-------|----------------------------------------------------------------|
 * | length     | 4     | big-endian length L of the body (4 <= L <= POSTQ_PROTO_FRAME_MAX)|
 * | version    | 1     | POSTQ_PROTO_VERSION (1)                                        |
 * | op/status  | 1     | request: op (1 info … 6 log-sign, below); reply: status        |
 * | reserved   | 2     | zero                                                           |
 * | fields     | L - 4 | the op's fields in a fixed order, each u32 BE length + bytes   |
 *
 * | op / reply      | fields, in order                                                       |
 * |-----------------|------------------------------------------------------------------------|
 * | info, health,   | (none)                                                                 |
 * | log-keys        |                                                                        |
 * | keygen          | alg, keyId                                                             |
 * | sign            | alg, keyId, sealedKey, nonce (32 bytes), payload (<= 64 MiB)           |
 * | log-sign        | orgId, treeSize (8 bytes, big-endian), rootHash (32 bytes)             |
 * | info reply      | vendor, moduleId, imageHash (32), rootPublicKey (32)                   |
 * | keygen reply    | publicKey, sealedKey                                                   |
 * | sign reply      | signature, docB64, counter (8 bytes, big-endian)                       |
 * | health reply    | counterDurable (1 byte: 1 yes, 0 no), detail (text, may be empty)      |
 * | log-keys reply  | logName, verifierKey, compositeVerifierKey (texts, docs/transparency.md)|
 * | log-sign reply  | note: the signed checkpoint of "<logName>/<orgId>" (C2SP signed note)  |
 * | error reply     | message (text, at most 255 bytes); status is the error code            |
 *
 * Strings (alg, keyId, vendor, moduleId, docB64, message) are bytes without NUL; a field count
 * or length that does not match exactly, or trailing bytes, is malformed. Decoded requests and
 * replies are views into the body they were decoded from. Not thread-safe per object. */
#ifndef POSTQ_PROTO_ENCLAVE_PROTO_H
#define POSTQ_PROTO_ENCLAVE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>

#include "common/buf.h"

#define POSTQ_PROTO_VERSION 1
#define POSTQ_PROTO_HEADER_BYTES 4                    /* version, op/status, reserved */
#define POSTQ_PROTO_PAYLOAD_MAX ((size_t)64 << 20)    /* 64 MiB */
#define POSTQ_PROTO_FRAME_MAX (POSTQ_PROTO_PAYLOAD_MAX + ((size_t)64 << 10)) /* body bytes */
#define POSTQ_PROTO_ALG_MAX 32      /* text, NUL included */
#define POSTQ_PROTO_KEY_ID_MAX 128  /* text, NUL included */
#define POSTQ_PROTO_VENDOR_MAX 32
#define POSTQ_PROTO_MODULE_ID_MAX 128
#define POSTQ_PROTO_MESSAGE_MAX 256
#define POSTQ_PROTO_NONCE_BYTES 32
#define POSTQ_PROTO_SEALED_MAX 1024 /* a sealed key is far smaller; anything larger is refused */
#define POSTQ_PROTO_LOG_NAME_MAX 128
#define POSTQ_PROTO_VKEY_MAX 4096   /* a verifier key's text (the composite one is ~2,700 bytes) */
#define POSTQ_PROTO_NOTE_MAX 8192   /* a signed checkpoint */

enum postq_proto_op {
    POSTQ_PROTO_OP_INFO = 1,
    POSTQ_PROTO_OP_KEYGEN = 2,
    POSTQ_PROTO_OP_SIGN = 3,
    POSTQ_PROTO_OP_HEALTH = 4, /* added after version 1 shipped: older enclaves answer unknown_op */
    POSTQ_PROTO_OP_LOG_KEYS = 5, /* the transparency log's keys (added later, as health) */
    POSTQ_PROTO_OP_LOG_SIGN = 6  /* sign a checkpoint of an organisation's log */
};

/* Reply status: 0 is success, every other value an error code that never changes meaning.
 *  X(name, value, stable text) */
#define POSTQ_PROTO_STATUSES(X)                                                                \
    X(POSTQ_PROTO_OK, 0, "ok")                                                                 \
    X(POSTQ_PROTO_E_MALFORMED, 1, "malformed")        /* framing or field layout wrong */     \
    X(POSTQ_PROTO_E_VERSION, 2, "version")            /* protocol version not 1 */            \
    X(POSTQ_PROTO_E_UNKNOWN_OP, 3, "unknown_op")                                              \
    X(POSTQ_PROTO_E_UNSUPPORTED_ALG, 4, "unsupported_alg")                                    \
    X(POSTQ_PROTO_E_BAD_LENGTH, 5, "bad_length")      /* a field of the wrong size */         \
    X(POSTQ_PROTO_E_TOO_LARGE, 6, "too_large")        /* frame over the cap */                \
    X(POSTQ_PROTO_E_SEALED_KEY, 7, "sealed_key_invalid") /* tampered, other key id or alg */  \
    X(POSTQ_PROTO_E_BUSY, 8, "busy")                  /* too many connections; retry */       \
    X(POSTQ_PROTO_E_INTERNAL, 9, "internal")

#define POSTQ_PROTO_STATUS_ENUM_(name, value, text) name = (value),
enum postq_proto_status { POSTQ_PROTO_STATUSES(POSTQ_PROTO_STATUS_ENUM_) };
#undef POSTQ_PROTO_STATUS_ENUM_

/* The stable text of a status ("unknown" for a value not in the table). Static storage. */
const char *postq_proto_status_name(int status);

/* A request. Strings are NUL-terminated copies; byte fields are views (into the decoded body,
 * or into caller memory when encoding). Fields an op does not use are ignored. */
struct postq_proto_req {
    int op;
    char alg[POSTQ_PROTO_ALG_MAX];
    char key_id[POSTQ_PROTO_KEY_ID_MAX];
    struct postq_bytes sealed;
    struct postq_bytes nonce;
    struct postq_bytes payload;
    uint64_t tree_size;      /* log-sign (key_id holds the organisation id) */
    struct postq_bytes root; /* log-sign: 32 bytes */
};

/* A reply. status selects which fields are meaningful; byte fields are views. */
struct postq_proto_resp {
    int op; /* the request's op: decides the reply's fields (not on the wire) */
    int status;
    char message[POSTQ_PROTO_MESSAGE_MAX];           /* errors; health: the detail */
    char vendor[POSTQ_PROTO_VENDOR_MAX];             /* info */
    char module_id[POSTQ_PROTO_MODULE_ID_MAX];
    struct postq_bytes image_hash, root_public_key;
    struct postq_bytes public_key, sealed;           /* keygen */
    struct postq_bytes signature, doc_b64;           /* sign */
    uint64_t counter;
    int counter_durable;                             /* health */
    char log_name[POSTQ_PROTO_LOG_NAME_MAX];         /* log-keys */
    struct postq_bytes log_vkey, log_composite_vkey;
    struct postq_bytes note;                         /* log-sign */
};

/* Length of the body announced by a frame's 4-byte prefix. POSTQ_E_TOO_LARGE past
 * POSTQ_PROTO_FRAME_MAX, POSTQ_E_MALFORMED below POSTQ_PROTO_HEADER_BYTES. */
POSTQ_MUST_CHECK postq_err postq_proto_frame_len(const uint8_t prefix[4], size_t *body_len);

/* Append a whole request frame (prefix included) to out. POSTQ_E_ARG for an unknown op or a
 * field out of range (empty or over-long alg/keyId, nonce not 32 bytes, payload over 64 MiB);
 * POSTQ_E_NOMEM / POSTQ_E_TOO_LARGE from the buffer. */
POSTQ_MUST_CHECK postq_err postq_proto_encode_request(struct postq_buf *out,
                                                      const struct postq_proto_req *req);

/* As postq_proto_encode_request, but leave out the payload's bytes (its length prefix is the
 * last thing written): send the head, then req->payload, and the peer sees one frame. This is
 * how a client avoids copying a large payload. */
POSTQ_MUST_CHECK postq_err postq_proto_encode_request_head(struct postq_buf *out,
                                                           const struct postq_proto_req *req);

/* Decode a request body (the bytes after the prefix). On failure *status says which error
 * reply is due (MALFORMED, VERSION, UNKNOWN_OP, BAD_LENGTH) and the return is
 * POSTQ_E_MALFORMED; *req is then zeroed. The views point into body. */
POSTQ_MUST_CHECK postq_err postq_proto_decode_request(struct postq_proto_req *req, int *status,
                                                      const uint8_t *body, size_t len);

/* Append a reply frame for resp (resp->op decides the fields when status is 0; any other
 * status writes an error reply with resp->message). */
POSTQ_MUST_CHECK postq_err postq_proto_encode_reply(struct postq_buf *out,
                                                    const struct postq_proto_resp *resp);

/* Decode a reply body to a request of op. POSTQ_E_MALFORMED when it is not well formed
 * (*resp zeroed but for op). An error reply is well formed: check resp->status. */
POSTQ_MUST_CHECK postq_err postq_proto_decode_reply(struct postq_proto_resp *resp, int op,
                                                    const uint8_t *body, size_t len);

/* ---- blocking I/O with deadlines (both ends) ---- */

/* Read one frame from fd into body (reset first; body's max must be at least
 * POSTQ_PROTO_FRAME_MAX), all of it within timeout_ms of the call: one absolute deadline for
 * the prefix and the body, so a peer that trickles bytes cannot stretch it (nor can one that
 * waits before its first byte). POSTQ_OK; POSTQ_E_NOT_FOUND on a
 * clean end of stream before any byte; POSTQ_E_TOO_LARGE for an announced length over the cap
 * (nothing more is read); POSTQ_E_MALFORMED for a too-short length; POSTQ_E_NETWORK on a
 * read error, an end of stream inside a frame or the deadline passing; POSTQ_E_NOMEM. */
POSTQ_MUST_CHECK postq_err postq_proto_read_frame(int fd, struct postq_buf *body, int timeout_ms);

/* Write a then b (either may be empty) within timeout_ms. POSTQ_E_NETWORK on error/timeout. */
POSTQ_MUST_CHECK postq_err postq_proto_write2(int fd, const uint8_t *a, size_t a_len,
                                              const uint8_t *b, size_t b_len, int timeout_ms);

/* ---- client ---- */

/* How the last postq_proto_client_call ended, told apart by what the peer can have done with
 * the request: the facts a caller needs to decide whether sending it again is safe (the
 * server's pool decides, src/server/enclave.c). The enclave acts only on a complete frame. */
enum postq_proto_outcome {
    POSTQ_PROTO_REPLIED,           /* a well-formed reply arrived (see resp->status) */
    POSTQ_PROTO_UNSENT,            /* not connected, not encodable, or sending failed (EPIPE,
                                    * ECONNRESET...) before the whole frame was written, no
                                    * deadline passed: the peer cannot have acted on it */
    POSTQ_PROTO_CLOSED_UNANSWERED, /* the whole frame was written, then the peer closed or
                                    * reset the connection before the first reply byte: it
                                    * went away, having acted on the request only if it
                                    * crashed after acting */
    POSTQ_PROTO_TIMED_OUT,         /* a deadline passed, writing the request or awaiting the
                                    * whole reply: the peer may act on it, or be acting now */
    POSTQ_PROTO_BROKEN             /* a reply was started but cut short, over the cap or
                                    * malformed, or reading failed otherwise: the peer may have
                                    * acted on it */
};

struct postq_proto_client {
    int fd;
    int timeout_ms;
    int outcome; /* enum postq_proto_outcome of the last postq_proto_client_call */
    struct postq_buf tx;
    struct postq_buf rx;
};

/* Connect to addr "unix:PATH" with timeout_ms for every later send and receive.
 * POSTQ_E_ARG for another scheme or a path too long for sockaddr_un; POSTQ_E_NETWORK when
 * the connection fails. On failure c is closed (postq_proto_client_close is still fine). */
POSTQ_MUST_CHECK postq_err postq_proto_client_connect(struct postq_proto_client *c,
                                                      const char *addr, int timeout_ms);

/* Send req and receive its reply into *resp (views into c's receive buffer, valid until the
 * next call). Returns POSTQ_OK when a well-formed reply arrived, error or not: see
 * resp->status. POSTQ_E_NETWORK, POSTQ_E_MALFORMED otherwise; the connection is then closed.
 * The write and the read each have c->timeout_ms. Either way c->outcome says how it ended. */
POSTQ_MUST_CHECK postq_err postq_proto_client_call(struct postq_proto_client *c,
                                                   const struct postq_proto_req *req,
                                                   struct postq_proto_resp *resp);

/* Close and free; wipes the buffers. Safe on a closed or failed client. */
void postq_proto_client_close(struct postq_proto_client *c);

#endif
