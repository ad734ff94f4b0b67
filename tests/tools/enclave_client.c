/* SPDX-License-Identifier: Apache-2.0 */
/* Test tool: drives a running postq-enclave through the protocol client of src/proto and
 * checks what comes back with the real verifier (postq_attest_verify_ex: payload, signature,
 * public key, the nonce it sent, counters it has seen).
 *
 *   enclave_client info ADDR
 *   enclave_client keygen ADDR ALG KEYID DIR          writes DIR/pk.bin, DIR/sealed.bin
 *   enclave_client sign ADDR ALG KEYID DIR PAYLOAD POLICY N
 *        N signs on one connection, each with a fresh nonce; prints "counter C" per sign;
 *        verifies each document under POLICY ("-": no verification); writes DIR/doc.b64 and
 *        DIR/sig.bin of the last. Exit 0 all good; 1 "rejected: <reason>: <detail>";
 *        4 "error: <status>: <message>" (an error reply); 3 connection or I/O failure.
 *   enclave_client sign-sealed ADDR ALG KEYID SEALEDFILE    one sign with that sealed blob;
 *        prints "status <name>"
 *   enclave_client raw ADDR HEX [HEX2]   send the bytes (HEX2 after 200 ms); print the reply's
 *        "status <name>", or "closed" when the daemon hung up without one
 *   enclave_client stall ADDR MS         connect, send 3 bytes of a frame, sleep MS
 *   enclave_client hangup ADDR HEX       send the bytes and hang up at once, reading nothing
 * ADDR is unix:PATH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <postq/attest.h>
#include <postq/hybrid.h>

#include "common/buf.h"
#include "crypto/rand.h"
#include "proto/enclave_proto.h"

#define TIMEOUT_MS 60000

static void die(int code, const char *what)
{
    fprintf(stderr, "enclave_client: %s\n", what);
    exit(code);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        die(3, path);
    }
    p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        die(3, path);
    }
    fclose(f);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        die(3, path);
    }
}

static void connect_or_die(struct postq_proto_client *c, const char *addr)
{
    if (postq_proto_client_connect(c, addr, TIMEOUT_MS) != POSTQ_OK) {
        die(3, "cannot connect");
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Counters seen by this process: the API's counter_reused check, in miniature. */
static uint64_t *seen;
static size_t n_seen;

static int counter_seen(void *ctx, const char *module_id, uint64_t counter)
{
    (void)ctx;
    (void)module_id;
    for (size_t i = 0; i < n_seen; i++) {
        if (seen[i] == counter) {
            return 1;
        }
    }
    return 0;
}

static int cmd_info(const char *addr)
{
    struct postq_proto_client c;
    struct postq_proto_req q = {.op = POSTQ_PROTO_OP_INFO};
    struct postq_proto_resp r;

    connect_or_die(&c, addr);
    if (postq_proto_client_call(&c, &q, &r) != POSTQ_OK || r.status != POSTQ_PROTO_OK) {
        die(3, "info failed");
    }
    printf("vendor %s\nmoduleId %s\n", r.vendor, r.module_id);
    postq_proto_client_close(&c);
    return 0;
}

static int cmd_keygen(const char *addr, const char *alg, const char *key_id, const char *dir)
{
    struct postq_proto_client c;
    struct postq_proto_req q;
    struct postq_proto_resp r;

    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_KEYGEN;
    snprintf(q.alg, sizeof(q.alg), "%s", alg);
    snprintf(q.key_id, sizeof(q.key_id), "%s", key_id);
    connect_or_die(&c, addr);
    if (postq_proto_client_call(&c, &q, &r) != POSTQ_OK) {
        die(3, "keygen: no reply");
    }
    if (r.status != POSTQ_PROTO_OK) {
        printf("error: %s: %s\n", postq_proto_status_name(r.status), r.message);
        return 4;
    }
    write_file(dir, "pk.bin", r.public_key.p, r.public_key.len);
    write_file(dir, "sealed.bin", r.sealed.p, r.sealed.len);
    printf("ok public key %zu bytes, sealed key %zu bytes\n", r.public_key.len, r.sealed.len);
    postq_proto_client_close(&c);
    return 0;
}

static int cmd_sign(const char *addr, const char *alg, const char *key_id, const char *dir,
                    const char *payload_path, const char *policy_path, long n)
{
    struct postq_proto_client c;
    struct postq_proto_req q;
    struct postq_proto_resp r;
    char path[4096];
    uint8_t nonce[32], *pk, *sealed, *payload;
    char *policy = NULL;
    size_t pk_len, sealed_len, payload_len, policy_len;
    int rc = 0;

    snprintf(path, sizeof(path), "%s/pk.bin", dir);
    pk = read_all(path, &pk_len);
    snprintf(path, sizeof(path), "%s/sealed.bin", dir);
    sealed = read_all(path, &sealed_len);
    payload = read_all(payload_path, &payload_len);
    if (strcmp(policy_path, "-") != 0) {
        policy = (char *)read_all(policy_path, &policy_len);
    }
    seen = calloc((size_t)n + 1, sizeof(*seen));
    if (seen == NULL) {
        die(3, "memory");
    }
    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_SIGN;
    snprintf(q.alg, sizeof(q.alg), "%s", alg);
    snprintf(q.key_id, sizeof(q.key_id), "%s", key_id);
    q.sealed.p = sealed;
    q.sealed.len = sealed_len;
    q.nonce.p = nonce;
    q.nonce.len = 32;
    q.payload.p = payload;
    q.payload.len = payload_len;
    connect_or_die(&c, addr);
    for (long i = 0; i < n; i++) {
        if (postq_rand_bytes(nonce, sizeof(nonce)) != POSTQ_OK) {
            die(3, "rng");
        }
        if (postq_proto_client_call(&c, &q, &r) != POSTQ_OK) {
            fflush(stdout);
            die(3, "sign: no reply (connection lost)");
        }
        if (r.status != POSTQ_PROTO_OK) {
            printf("error: %s: %s\n", postq_proto_status_name(r.status), r.message);
            rc = 4;
            break;
        }
        /* Record the reply before judging it: a printed counter is one the enclave issued. */
        printf("counter %llu\n", (unsigned long long)r.counter);
        fflush(stdout);
        write_file(dir, "doc.b64", r.doc_b64.p, r.doc_b64.len);
        write_file(dir, "sig.bin", r.signature.p, r.signature.len);
        if (policy != NULL) {
            struct postq_attest_input in;
            struct postq_attest_report rep;
            char *doc = malloc(r.doc_b64.len + 1);
            int vrc;

            if (doc == NULL) {
                die(3, "memory");
            }
            memcpy(doc, r.doc_b64.p, r.doc_b64.len);
            doc[r.doc_b64.len] = 0;
            memset(&in, 0, sizeof(in));
            in.vendor = "mock";
            in.payload = payload;
            in.payload_len = payload_len;
            in.sig = r.signature.p;
            in.sig_len = r.signature.len;
            in.public_key = pk;
            in.public_key_len = pk_len;
            in.key_alg = alg;
            in.nonce = nonce;
            in.counter_seen = counter_seen;
            vrc = postq_attest_verify_ex(doc, policy, &in, now_ms(), &rep);
            free(doc);
            if (vrc != 0) {
                printf("verify error: %s: %s\n", postq_strerror(vrc), rep.verdict.detail);
                rc = 3;
                break;
            }
            if (!rep.verdict.ok) {
                printf("rejected: %s: %s\n", rep.verdict.reason, rep.verdict.detail);
                rc = 1;
                break;
            }
        }
        seen[n_seen++] = r.counter;
    }
    if (policy != NULL && rc == 0) {
        printf("verified %ld documents\n", n);
    }
    postq_proto_client_close(&c);
    free(seen);
    free(pk);
    free(sealed);
    free(payload);
    free(policy);
    return rc;
}

static int cmd_sign_sealed(const char *addr, const char *alg, const char *key_id,
                           const char *sealed_path)
{
    struct postq_proto_client c;
    struct postq_proto_req q;
    struct postq_proto_resp r;
    uint8_t nonce[32] = {0};
    size_t sealed_len;
    uint8_t *sealed = read_all(sealed_path, &sealed_len);

    memset(&q, 0, sizeof(q));
    q.op = POSTQ_PROTO_OP_SIGN;
    snprintf(q.alg, sizeof(q.alg), "%s", alg);
    snprintf(q.key_id, sizeof(q.key_id), "%s", key_id);
    q.sealed.p = sealed;
    q.sealed.len = sealed_len;
    q.nonce.p = nonce;
    q.nonce.len = 32;
    q.payload.p = (const uint8_t *)"x";
    q.payload.len = 1;
    connect_or_die(&c, addr);
    if (postq_proto_client_call(&c, &q, &r) != POSTQ_OK) {
        die(3, "no reply");
    }
    printf("status %s: %s\n", postq_proto_status_name(r.status), r.message);
    postq_proto_client_close(&c);
    free(sealed);
    return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s) / 2;
    if (n > cap) {
        die(2, "hex too long");
    }
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) {
            die(2, "bad hex");
        }
        out[i] = (uint8_t)v;
    }
    return n;
}

static int cmd_raw(const char *addr, const char *hex, const char *hex2)
{
    struct postq_proto_client c;
    struct postq_buf rx;
    struct postq_proto_resp r;
    uint8_t buf[4096];
    size_t n = unhex(hex, buf, sizeof(buf));
    postq_err err;

    connect_or_die(&c, addr);
    if (postq_proto_write2(c.fd, buf, n, NULL, 0, TIMEOUT_MS) != POSTQ_OK) {
        die(3, "send");
    }
    if (hex2 != NULL) {
        usleep(200000);
        n = unhex(hex2, buf, sizeof(buf));
        if (postq_proto_write2(c.fd, buf, n, NULL, 0, TIMEOUT_MS) != POSTQ_OK) {
            printf("closed\n"); /* the daemon hung up after the first part */
            return 0;
        }
    }
    postq_buf_init(&rx, POSTQ_PROTO_FRAME_MAX);
    err = postq_proto_read_frame(c.fd, &rx, 10000);
    if (err != POSTQ_OK) {
        printf("closed\n");
    } else if (postq_proto_decode_reply(&r, POSTQ_PROTO_OP_INFO, rx.p, rx.len) != POSTQ_OK) {
        printf("undecodable reply\n");
    } else {
        printf("status %s: %s\n", postq_proto_status_name(r.status), r.message);
    }
    postq_buf_free(&rx);
    postq_proto_client_close(&c);
    return 0;
}

static int cmd_stall(const char *addr, long ms)
{
    struct postq_proto_client c;
    uint8_t part[3] = {0, 0, 0};

    connect_or_die(&c, addr);
    if (postq_proto_write2(c.fd, part, sizeof(part), NULL, 0, TIMEOUT_MS) != POSTQ_OK) {
        die(3, "send");
    }
    usleep((useconds_t)ms * 1000);
    postq_proto_client_close(&c);
    return 0;
}

static int cmd_hangup(const char *addr, const char *hex)
{
    struct postq_proto_client c;
    uint8_t buf[4096];
    size_t n = unhex(hex, buf, sizeof(buf));

    connect_or_die(&c, addr);
    if (postq_proto_write2(c.fd, buf, n, NULL, 0, TIMEOUT_MS) != POSTQ_OK) {
        die(3, "send");
    }
    postq_proto_client_close(&c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "info") == 0) {
        return cmd_info(argv[2]);
    }
    if (argc == 6 && strcmp(argv[1], "keygen") == 0) {
        return cmd_keygen(argv[2], argv[3], argv[4], argv[5]);
    }
    if (argc == 9 && strcmp(argv[1], "sign") == 0) {
        return cmd_sign(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], atol(argv[8]));
    }
    if (argc == 6 && strcmp(argv[1], "sign-sealed") == 0) {
        return cmd_sign_sealed(argv[2], argv[3], argv[4], argv[5]);
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "raw") == 0) {
        return cmd_raw(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    }
    if (argc == 4 && strcmp(argv[1], "hangup") == 0) {
        return cmd_hangup(argv[2], argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "stall") == 0) {
        return cmd_stall(argv[2], atol(argv[3]));
    }
    die(2, "usage: see the comment at the top of tests/tools/enclave_client.c");
    return 2;
}
