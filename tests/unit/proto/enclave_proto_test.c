/* SPDX-License-Identifier: Apache-2.0 */
/* The enclave protocol codec: every request and reply round-trips; every truncation of a valid
 * frame, every trailing byte, oversized and undersized length prefixes, unknown ops and
 * versions, wrong field lengths are refused with the right status; frame I/O over a
 * socketpair (whole frames, an end of stream mid-frame, a too-large prefix, a stalled peer). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/enclave_proto.h"

static const uint8_t nonce[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t sealed[93] = {1, 0xaa, 0xbb};
static const uint8_t payload[] = "release artifact";

static void sign_req(struct postq_proto_req *r)
{
    memset(r, 0, sizeof(*r));
    r->op = POSTQ_PROTO_OP_SIGN;
    strcpy(r->alg, "mldsa65+ed25519");
    strcpy(r->key_id, "key_123");
    r->sealed.p = sealed;
    r->sealed.len = sizeof(sealed);
    r->nonce.p = nonce;
    r->nonce.len = 32;
    r->payload.p = payload;
    r->payload.len = sizeof(payload) - 1;
}

/* Encode req; return the body (after the prefix) in *body (owned by b). */
static void encode(struct postq_buf *b, const struct postq_proto_req *req)
{
    size_t len;
    postq_buf_init(b, POSTQ_PROTO_FRAME_MAX + 4);
    assert_int_equal(postq_proto_encode_request(b, req), POSTQ_OK);
    assert_int_equal(postq_proto_frame_len(b->p, &len), POSTQ_OK);
    assert_int_equal(len, b->len - 4);
}

static void test_request_round_trips(void **state)
{
    (void)state;
    struct postq_proto_req in, out;
    struct postq_buf b, head;
    int st = -1;

    sign_req(&in);
    encode(&b, &in);
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_OK);
    assert_int_equal(st, POSTQ_PROTO_OK);
    assert_int_equal(out.op, POSTQ_PROTO_OP_SIGN);
    assert_string_equal(out.alg, "mldsa65+ed25519");
    assert_string_equal(out.key_id, "key_123");
    assert_int_equal(out.sealed.len, sizeof(sealed));
    assert_memory_equal(out.sealed.p, sealed, sizeof(sealed));
    assert_memory_equal(out.nonce.p, nonce, 32);
    assert_int_equal(out.payload.len, sizeof(payload) - 1);
    assert_memory_equal(out.payload.p, payload, sizeof(payload) - 1);
    /* Views, not copies: the payload is inside the body. */
    assert_true(out.payload.p > b.p && out.payload.p < b.p + b.len);

    /* The head plus the payload is the same frame. */
    postq_buf_init(&head, 1 << 20);
    assert_int_equal(postq_proto_encode_request_head(&head, &in), POSTQ_OK);
    assert_int_equal(postq_buf_append(&head, payload, sizeof(payload) - 1), POSTQ_OK);
    assert_int_equal(head.len, b.len);
    assert_memory_equal(head.p, b.p, b.len);
    postq_buf_free(&head);
    postq_buf_free(&b);

    /* An empty payload is fine. */
    in.payload.p = NULL;
    in.payload.len = 0;
    encode(&b, &in);
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_OK);
    assert_int_equal(out.payload.len, 0);
    postq_buf_free(&b);

    memset(&in, 0, sizeof(in));
    in.op = POSTQ_PROTO_OP_KEYGEN;
    strcpy(in.alg, "mldsa87+ed448");
    strcpy(in.key_id, "k");
    encode(&b, &in);
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_OK);
    assert_int_equal(out.op, POSTQ_PROTO_OP_KEYGEN);
    assert_string_equal(out.alg, "mldsa87+ed448");
    assert_string_equal(out.key_id, "k");
    postq_buf_free(&b);

    memset(&in, 0, sizeof(in));
    in.op = POSTQ_PROTO_OP_INFO;
    encode(&b, &in);
    assert_int_equal(b.len, 8);
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_OK);
    assert_int_equal(out.op, POSTQ_PROTO_OP_INFO);
    postq_buf_free(&b);
}

static void test_request_truncated_and_trailing(void **state)
{
    (void)state;
    struct postq_proto_req in, out;
    struct postq_buf b;
    uint8_t *longer;
    int st;

    sign_req(&in);
    encode(&b, &in);
    for (size_t n = 0; n < b.len - 4; n++) {
        st = -1;
        assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, n), POSTQ_E_MALFORMED);
        assert_int_equal(st, POSTQ_PROTO_E_MALFORMED);
        assert_int_equal(out.op, 0);
    }
    longer = malloc(b.len + 1);
    memcpy(longer, b.p + 4, b.len - 4);
    longer[b.len - 4] = 0;
    assert_int_equal(postq_proto_decode_request(&out, &st, longer, b.len - 3), POSTQ_E_MALFORMED);
    assert_int_equal(st, POSTQ_PROTO_E_MALFORMED);
    free(longer);
    postq_buf_free(&b);
}

static void test_request_bad_fields(void **state)
{
    (void)state;
    struct postq_proto_req in, out;
    struct postq_buf b;
    int st;
    uint8_t short_nonce[31] = {0}, big_sealed[POSTQ_PROTO_SEALED_MAX + 1] = {0};

    /* Unknown op and version, reserved bytes. */
    memset(&in, 0, sizeof(in));
    in.op = POSTQ_PROTO_OP_INFO;
    encode(&b, &in);
    b.p[5] = 99;
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_E_MALFORMED);
    assert_int_equal(st, POSTQ_PROTO_E_UNKNOWN_OP);
    b.p[5] = 0;
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_E_MALFORMED);
    assert_int_equal(st, POSTQ_PROTO_E_UNKNOWN_OP);
    b.p[5] = POSTQ_PROTO_OP_INFO;
    b.p[4] = 2;
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_E_MALFORMED);
    assert_int_equal(st, POSTQ_PROTO_E_VERSION);
    b.p[4] = 1;
    b.p[7] = 1;
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_E_MALFORMED);
    assert_int_equal(st, POSTQ_PROTO_E_MALFORMED);
    postq_buf_free(&b);

    /* The encoder refuses what the decoder would refuse... */
    sign_req(&in);
    in.nonce.p = short_nonce;
    in.nonce.len = sizeof(short_nonce);
    postq_buf_init(&b, 1 << 20);
    assert_int_equal(postq_proto_encode_request(&b, &in), POSTQ_E_ARG);
    sign_req(&in);
    in.alg[0] = 0;
    assert_int_equal(postq_proto_encode_request(&b, &in), POSTQ_E_ARG);
    sign_req(&in);
    memset(in.key_id, 'k', sizeof(in.key_id));
    assert_int_equal(postq_proto_encode_request(&b, &in), POSTQ_E_ARG);
    sign_req(&in);
    in.payload.len = POSTQ_PROTO_PAYLOAD_MAX + 1;
    assert_int_equal(postq_proto_encode_request(&b, &in), POSTQ_E_ARG);
    in.op = 7;
    assert_int_equal(postq_proto_encode_request(&b, &in), POSTQ_E_ARG);
    assert_int_equal(b.len, 0);
    postq_buf_free(&b);

    /* ...and the decoder refuses wrong lengths written by hand: patch a valid frame's nonce
     * length field (sign fields: alg, keyId, sealed, nonce, payload). */
    sign_req(&in);
    encode(&b, &in);
    {
        size_t off = 4 + 4 + 4 + strlen(in.alg) + 4 + strlen(in.key_id) + 4 + sizeof(sealed);
        assert_int_equal(b.p[off + 3], 32);
        b.p[off + 3] = 31; /* nonce of 31 bytes: the next field's framing then breaks */
        assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4),
                         POSTQ_E_MALFORMED);
        assert_int_equal(st, POSTQ_PROTO_E_MALFORMED);
    }
    postq_buf_free(&b);

    /* A well-framed request with a 31-byte nonce or an oversized sealed key: bad_length. */
    {
        struct postq_buf f;
        uint8_t hdr[8] = {0, 0, 0, 0, 1, POSTQ_PROTO_OP_SIGN, 0, 0};
        uint8_t l[4];
        const char *alg = "mldsa65+ed25519", *kid = "key";
        postq_buf_init(&f, 1 << 20);
        assert_int_equal(postq_buf_append(&f, hdr, 8), POSTQ_OK);
#define FIELD(p, n)                                                                            \
    l[0] = 0;                                                                                  \
    l[1] = (uint8_t)((n) >> 16);                                                               \
    l[2] = (uint8_t)((n) >> 8);                                                                \
    l[3] = (uint8_t)(n);                                                                       \
    assert_int_equal(postq_buf_append(&f, l, 4), POSTQ_OK);                                    \
    assert_int_equal(postq_buf_append(&f, p, n), POSTQ_OK)
        FIELD(alg, strlen(alg));
        FIELD(kid, strlen(kid));
        FIELD(sealed, sizeof(sealed));
        FIELD(short_nonce, sizeof(short_nonce));
        FIELD(payload, sizeof(payload));
        assert_int_equal(postq_proto_decode_request(&out, &st, f.p + 4, f.len - 4),
                         POSTQ_E_MALFORMED);
        assert_int_equal(st, POSTQ_PROTO_E_BAD_LENGTH);
        postq_buf_reset(&f);
        assert_int_equal(postq_buf_append(&f, hdr, 8), POSTQ_OK);
        FIELD(alg, strlen(alg));
        FIELD(kid, strlen(kid));
        FIELD(big_sealed, sizeof(big_sealed));
        FIELD(nonce, sizeof(nonce));
        FIELD(payload, sizeof(payload));
        assert_int_equal(postq_proto_decode_request(&out, &st, f.p + 4, f.len - 4),
                         POSTQ_E_MALFORMED);
        assert_int_equal(st, POSTQ_PROTO_E_BAD_LENGTH);
        /* A NUL inside a text field. */
        postq_buf_reset(&f);
        assert_int_equal(postq_buf_append(&f, hdr, 8), POSTQ_OK);
        FIELD("ab\0c", 4);
        FIELD(kid, strlen(kid));
        FIELD(sealed, sizeof(sealed));
        FIELD(nonce, sizeof(nonce));
        FIELD(payload, sizeof(payload));
        assert_int_equal(postq_proto_decode_request(&out, &st, f.p + 4, f.len - 4),
                         POSTQ_E_MALFORMED);
        assert_int_equal(st, POSTQ_PROTO_E_BAD_LENGTH);
#undef FIELD
        postq_buf_free(&f);
    }
}

static void test_frame_lengths(void **state)
{
    (void)state;
    uint8_t p[4];
    size_t n = 7;

    memset(p, 0xff, 4);
    assert_int_equal(postq_proto_frame_len(p, &n), POSTQ_E_TOO_LARGE);
    assert_int_equal(n, 0);
    p[0] = (uint8_t)((POSTQ_PROTO_FRAME_MAX + 1) >> 24);
    p[1] = (uint8_t)((POSTQ_PROTO_FRAME_MAX + 1) >> 16);
    p[2] = (uint8_t)((POSTQ_PROTO_FRAME_MAX + 1) >> 8);
    p[3] = (uint8_t)(POSTQ_PROTO_FRAME_MAX + 1);
    assert_int_equal(postq_proto_frame_len(p, &n), POSTQ_E_TOO_LARGE);
    p[3] = (uint8_t)POSTQ_PROTO_FRAME_MAX;
    assert_int_equal(postq_proto_frame_len(p, &n), POSTQ_OK);
    assert_int_equal(n, POSTQ_PROTO_FRAME_MAX);
    memset(p, 0, 4);
    for (uint8_t i = 0; i < 4; i++) {
        p[3] = i;
        assert_int_equal(postq_proto_frame_len(p, &n), POSTQ_E_MALFORMED);
    }
    p[3] = 4;
    assert_int_equal(postq_proto_frame_len(p, &n), POSTQ_OK);
}

static void check_reply_round_trip(const struct postq_proto_resp *in)
{
    struct postq_buf b;
    struct postq_proto_resp out;
    size_t len;

    postq_buf_init(&b, 1 << 20);
    assert_int_equal(postq_proto_encode_reply(&b, in), POSTQ_OK);
    assert_int_equal(postq_proto_frame_len(b.p, &len), POSTQ_OK);
    assert_int_equal(len, b.len - 4);
    assert_int_equal(postq_proto_decode_reply(&out, in->op, b.p + 4, b.len - 4), POSTQ_OK);
    assert_int_equal(out.status, in->status);
    if (in->status != POSTQ_PROTO_OK) {
        assert_string_equal(out.message, in->message);
    } else if (in->op == POSTQ_PROTO_OP_INFO) {
        assert_string_equal(out.vendor, in->vendor);
        assert_string_equal(out.module_id, in->module_id);
        assert_memory_equal(out.image_hash.p, in->image_hash.p, 32);
        assert_memory_equal(out.root_public_key.p, in->root_public_key.p, 32);
    } else if (in->op == POSTQ_PROTO_OP_KEYGEN) {
        assert_int_equal(out.public_key.len, in->public_key.len);
        assert_memory_equal(out.public_key.p, in->public_key.p, in->public_key.len);
        assert_int_equal(out.sealed.len, in->sealed.len);
    } else {
        assert_int_equal(out.signature.len, in->signature.len);
        assert_memory_equal(out.doc_b64.p, in->doc_b64.p, in->doc_b64.len);
        assert_true(out.counter == in->counter);
    }
    /* Every truncation and one trailing byte are malformed. */
    for (size_t n = 0; n < b.len - 4; n++) {
        assert_int_equal(postq_proto_decode_reply(&out, in->op, b.p + 4, n), POSTQ_E_MALFORMED);
    }
    assert_int_equal(postq_buf_append(&b, "x", 1), POSTQ_OK);
    assert_int_equal(postq_proto_decode_reply(&out, in->op, b.p + 4, b.len - 4),
                     POSTQ_E_MALFORMED);
    postq_buf_free(&b);
}

static void test_reply_round_trips(void **state)
{
    (void)state;
    struct postq_proto_resp r;
    uint8_t h[32], pk[32], sig[100];

    memset(h, 0x11, 32);
    memset(pk, 0x22, 32);
    memset(sig, 0x33, sizeof(sig));

    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_INFO;
    strcpy(r.vendor, "mock");
    strcpy(r.module_id, "mock-0123");
    r.image_hash.p = h;
    r.image_hash.len = 32;
    r.root_public_key.p = pk;
    r.root_public_key.len = 32;
    check_reply_round_trip(&r);

    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_KEYGEN;
    r.public_key.p = sig;
    r.public_key.len = sizeof(sig);
    r.sealed.p = pk;
    r.sealed.len = 32;
    check_reply_round_trip(&r);

    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_SIGN;
    r.signature.p = sig;
    r.signature.len = sizeof(sig);
    r.doc_b64.p = (const uint8_t *)"ZG9j";
    r.doc_b64.len = 4;
    r.counter = 0x0102030405060708ULL;
    check_reply_round_trip(&r);

    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_SIGN;
    r.status = POSTQ_PROTO_E_SEALED_KEY;
    strcpy(r.message, "sealed key refused");
    check_reply_round_trip(&r);
    r.message[0] = 0;
    check_reply_round_trip(&r);

    assert_string_equal(postq_proto_status_name(POSTQ_PROTO_E_SEALED_KEY), "sealed_key_invalid");
    assert_string_equal(postq_proto_status_name(POSTQ_PROTO_OK), "ok");
    assert_string_equal(postq_proto_status_name(200), "unknown");
    /* An info reply with a 31-byte image hash is malformed. */
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_INFO;
    strcpy(r.vendor, "mock");
    strcpy(r.module_id, "m");
    r.image_hash.p = h;
    r.image_hash.len = 31;
    r.root_public_key.p = pk;
    r.root_public_key.len = 32;
    {
        struct postq_buf b;
        struct postq_proto_resp out;
        postq_buf_init(&b, 4096);
        assert_int_equal(postq_proto_encode_reply(&b, &r), POSTQ_OK);
        assert_int_equal(postq_proto_decode_reply(&out, POSTQ_PROTO_OP_INFO, b.p + 4, b.len - 4),
                         POSTQ_E_MALFORMED);
        postq_buf_free(&b);
    }
}

/* The health call: an empty request; a reply of counterDurable (0 or 1) and a detail. */
static void test_health(void **state)
{
    (void)state;
    struct postq_proto_req in, out;
    struct postq_proto_resp r, got;
    struct postq_buf b;
    int st = -1;

    memset(&in, 0, sizeof(in));
    in.op = POSTQ_PROTO_OP_HEALTH;
    encode(&b, &in);
    assert_int_equal(b.len, 8); /* prefix and header, no field */
    assert_int_equal(postq_proto_decode_request(&out, &st, b.p + 4, b.len - 4), POSTQ_OK);
    assert_int_equal(out.op, POSTQ_PROTO_OP_HEALTH);
    postq_buf_free(&b);

    for (int durable = 0; durable <= 1; durable++) {
        memset(&r, 0, sizeof(r));
        r.op = POSTQ_PROTO_OP_HEALTH;
        r.counter_durable = durable;
        strcpy(r.message, durable ? "" : "No space left on device");
        postq_buf_init(&b, 1024);
        assert_int_equal(postq_proto_encode_reply(&b, &r), POSTQ_OK);
        assert_int_equal(postq_proto_decode_reply(&got, POSTQ_PROTO_OP_HEALTH, b.p + 4,
                                                  b.len - 4), POSTQ_OK);
        assert_int_equal(got.status, POSTQ_PROTO_OK);
        assert_int_equal(got.counter_durable, durable);
        assert_string_equal(got.message, r.message);
        /* a flag byte other than 0 or 1, and a cut reply, are malformed */
        b.p[4 + 4 + 4] = 2;
        assert_int_equal(postq_proto_decode_reply(&got, POSTQ_PROTO_OP_HEALTH, b.p + 4,
                                                  b.len - 4), POSTQ_E_MALFORMED);
        b.p[4 + 4 + 4] = (uint8_t)durable;
        assert_int_equal(postq_proto_decode_reply(&got, POSTQ_PROTO_OP_HEALTH, b.p + 4,
                                                  b.len - 5 - (durable ? 0 : 1)),
                         POSTQ_E_MALFORMED);
        postq_buf_free(&b);
    }
}

static void test_frame_io(void **state)
{
    (void)state;
    int sv[2];
    struct postq_proto_req in, out;
    struct postq_buf tx, rx;
    int st;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    sign_req(&in);
    encode(&tx, &in);
    postq_buf_init(&rx, POSTQ_PROTO_FRAME_MAX);

    /* Two frames back to back, sent as head + payload. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(postq_proto_write2(sv[0], tx.p, tx.len - in.payload.len, in.payload.p,
                                            in.payload.len, 1000),
                         POSTQ_OK);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(postq_proto_read_frame(sv[1], &rx, 1000), POSTQ_OK);
        assert_int_equal(postq_proto_decode_request(&out, &st, rx.p, rx.len), POSTQ_OK);
        assert_memory_equal(out.payload.p, payload, sizeof(payload) - 1);
    }
    /* A stalled peer: half a frame, then nothing. */
    assert_int_equal(postq_proto_write2(sv[0], tx.p, 10, NULL, 0, 1000), POSTQ_OK);
    assert_int_equal(postq_proto_read_frame(sv[1], &rx, 50), POSTQ_E_NETWORK);
    /* A too-large prefix. */
    {
        uint8_t big[4] = {0xff, 0xff, 0xff, 0xff};
        assert_int_equal(postq_proto_write2(sv[0], big, 4, NULL, 0, 1000), POSTQ_OK);
        assert_int_equal(postq_proto_read_frame(sv[1], &rx, 1000), POSTQ_E_TOO_LARGE);
    }
    /* End of stream inside a frame, then a clean end of stream. */
    close(sv[0]);
    close(sv[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(postq_proto_write2(sv[0], tx.p, tx.len - 1, NULL, 0, 1000), POSTQ_OK);
    shutdown(sv[0], SHUT_WR);
    assert_int_equal(postq_proto_read_frame(sv[1], &rx, 1000), POSTQ_E_NETWORK);
    close(sv[0]);
    close(sv[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[0]);
    assert_int_equal(postq_proto_read_frame(sv[1], &rx, 1000), POSTQ_E_NOT_FOUND);
    close(sv[1]);
    postq_buf_free(&tx);
    postq_buf_free(&rx);
}

static void test_client_arguments(void **state)
{
    (void)state;
    struct postq_proto_client c;
    char longpath[200];

    assert_int_equal(postq_proto_client_connect(&c, "tcp:127.0.0.1:1", 100), POSTQ_E_ARG);
    postq_proto_client_close(&c);
    memset(longpath, 'a', sizeof(longpath));
    memcpy(longpath, "unix:", 5);
    longpath[sizeof(longpath) - 1] = 0;
    assert_int_equal(postq_proto_client_connect(&c, longpath, 100), POSTQ_E_ARG);
    postq_proto_client_close(&c);
    assert_int_equal(postq_proto_client_connect(&c, "unix:/nonexistent/postq.sock", 100),
                     POSTQ_E_NETWORK);
    postq_proto_client_close(&c);
    postq_proto_client_close(&c);
    postq_proto_client_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trips),
        cmocka_unit_test(test_request_truncated_and_trailing),
        cmocka_unit_test(test_request_bad_fields),
        cmocka_unit_test(test_frame_lengths),
        cmocka_unit_test(test_reply_round_trips),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_frame_io),
        cmocka_unit_test(test_client_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
