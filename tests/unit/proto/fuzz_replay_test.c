/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the committed corpus of the enclave protocol fuzz target
 * (tests/fuzz/corpus/enclave_proto/) without libFuzzer: every invariant the target asserts holds
 * on every seed and its prefixes. A missing or empty corpus fails. Seed names say what the seed
 * is, and the test holds each to it: "req-*" one request frame that decodes, "reply-<op>-*" one
 * ok reply to op (info, keygen, sign, health, log-keys, log-sign), "err-*" one error reply, "bad-*" one frame that is no
 * request; other seeds are streams of several frames. */
#include "testlib.h"

#include <string.h>

#include "../../fuzz/replay.h"

#define LLVMFuzzerTestOneInput fuzz_enclave_proto_one
#include "../../fuzz/fuzz_enclave_proto.c"
#undef LLVMFuzzerTestOneInput

static void seed_check(const char *name)
{
    static const struct {
        const char *prefix;
        int op;
    } replies[] = {{"reply-info-", POSTQ_PROTO_OP_INFO},
                   {"reply-keygen-", POSTQ_PROTO_OP_KEYGEN},
                   {"reply-sign-", POSTQ_PROTO_OP_SIGN},
                   {"reply-health-", POSTQ_PROTO_OP_HEALTH},
                   {"reply-log-keys-", POSTQ_PROTO_OP_LOG_KEYS},
                   {"reply-log-sign-", POSTQ_PROTO_OP_LOG_SIGN}};
    struct postq_proto_req req;
    struct postq_proto_resp resp;
    char path[512];
    size_t len = 0, body_len = 0;
    uint8_t *data;
    int status = -1;

    if (strncmp(name, "req-", 4) != 0 && strncmp(name, "reply-", 6) != 0 &&
        strncmp(name, "err-", 4) != 0 && strncmp(name, "bad-", 4) != 0) {
        return;
    }
    snprintf(path, sizeof(path), "tests/fuzz/corpus/enclave_proto/%s", name);
    data = fuzz_replay_slurp(path, &len);
    /* One whole frame. */
    assert_true(len >= 4);
    assert_int_equal(postq_proto_frame_len(data, &body_len), POSTQ_OK);
    if (body_len != len - 4) {
        fail_msg("seed %s: a frame of %zu bytes in %zu", name, body_len, len);
    }
    if (strncmp(name, "req-", 4) == 0 || strncmp(name, "bad-", 4) == 0) {
        postq_err err = postq_proto_decode_request(&req, &status, data + 4, body_len);
        if ((err == POSTQ_OK) != (name[0] == 'r')) {
            fail_msg("seed %s: decode_request gives %d (status %d)", name, err, status);
        }
    } else if (name[0] == 'e') {
        assert_int_equal(postq_proto_decode_reply(&resp, POSTQ_PROTO_OP_SIGN, data + 4, body_len),
                         POSTQ_OK);
        assert_int_not_equal(resp.status, POSTQ_PROTO_OK);
    } else {
        size_t i = 0;
        while (i < sizeof(replies) / sizeof(replies[0]) &&
               strncmp(name, replies[i].prefix, strlen(replies[i].prefix)) != 0) {
            i++;
        }
        if (i == sizeof(replies) / sizeof(replies[0])) {
            fail_msg("seed %s: reply to which op?", name);
        }
        if (postq_proto_decode_reply(&resp, replies[i].op, data + 4, body_len) != POSTQ_OK ||
            resp.status != POSTQ_PROTO_OK) {
            fail_msg("seed %s: not an ok reply", name);
        }
    }
    free(data);
}

static void test_replay_enclave_proto(void **state)
{
    (void)state;
    fuzz_replay_each("enclave_proto", fuzz_enclave_proto_one, seed_check);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_enclave_proto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
