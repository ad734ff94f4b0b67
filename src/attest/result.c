/* SPDX-License-Identifier: Apache-2.0 */
/* One-call verification of a sign result (include/postq/verify.h): parse it, stream the
 * payload through SHA-256 and the composite pre-hash, then either the attestation checks under
 * the pinned policy (with result_mismatch and the bindings) or, without a policy, the
 * signature alone. Also the public readers for PEM / DER composite public keys. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <postq/verify.h>

#include "attest/sign_result.h"
#include "attest/verifier.h"
#include "common/base64.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "crypto/composite.h"
#include "crypto/sha2.h"
#include "crypto/spki.h"

#define CHUNK (64u * 1024u)

int postq_public_key_from_pem(const char *pem, size_t pem_len, const char **alg, uint8_t *pk,
                              size_t pk_cap, size_t *pk_len)
{
    postq_err err;

    if (pem == NULL || alg == NULL || pk == NULL || pk_len == NULL) {
        return POSTQ_E_ARG;
    }
    *alg = NULL;
    *pk_len = 0;
    err = postq_spki_decode_pem(alg, pk, pk_cap, pk_len, pem, pem_len);
    /* A body too long for any composite key is, as this function promises, not such a key. */
    return err == POSTQ_E_TOO_LARGE ? POSTQ_E_MALFORMED : err;
}

int postq_public_key_from_der(const uint8_t *der, size_t der_len, const char **alg, uint8_t *pk,
                              size_t pk_cap, size_t *pk_len)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    postq_err err;

    if (der == NULL || alg == NULL || pk == NULL || pk_len == NULL) {
        return POSTQ_E_ARG;
    }
    *alg = NULL;
    *pk_len = 0;
    err = postq_spki_decode_der(alg, &p, &n, der, der_len);
    if (err != POSTQ_OK) {
        *alg = NULL;
        return err;
    }
    if (n > pk_cap) {
        *alg = NULL;
        return POSTQ_E_LENGTH;
    }
    memcpy(pk, p, n);
    *pk_len = n;
    return POSTQ_OK;
}

int postq_public_key_from_json(const char *json, size_t json_len, const char **alg, uint8_t *pk,
                               size_t pk_cap, size_t *pk_len)
{
    return postq_public_key_from_json_version(json, json_len, 0, alg, pk, pk_cap, pk_len);
}

int postq_public_key_from_json_version(const char *json, size_t json_len, int64_t version,
                                       const char **alg, uint8_t *pk, size_t pk_cap,
                                       size_t *pk_len)
{
    static const char *const names[] = {"mldsa44+ed25519", "mldsa65+ed25519", "mldsa87+ed448"};
    json_t *root;
    const json_t *a, *k;
    size_t want = 0;
    postq_err err = POSTQ_E_MALFORMED;

    if (json == NULL || alg == NULL || pk == NULL || pk_len == NULL) {
        return POSTQ_E_ARG;
    }
    *alg = NULL;
    *pk_len = 0;
    root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, NULL);
    a = json_object_get(root, "algorithm");
    k = json_object_get(root, "publicKeyB64");
    if (version > 0 && json_is_array(json_object_get(root, "versions"))) {
        const json_t *vs = json_object_get(root, "versions"), *v;
        size_t i;
        k = NULL;
        json_array_foreach(vs, i, v)
        {
            const json_t *n = json_object_get(v, "version");
            if (json_is_integer(n) && json_integer_value(n) == version) {
                k = json_object_get(v, "publicKeyB64");
            }
        }
        if (k == NULL) {
            json_decref(root);
            return POSTQ_E_NOT_FOUND;
        }
    }
    for (size_t i = 0; json_is_string(a) && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(json_string_value(a), names[i]) == 0 &&
            postq_hybrid_sizes(names[i], &want, NULL, NULL) == POSTQ_OK) {
            *alg = names[i];
        }
    }
    if (*alg != NULL && json_is_string(k)) {
        if (want > pk_cap) {
            err = POSTQ_E_LENGTH;
        } else if (postq_base64_decode(pk, pk_cap, pk_len, json_string_value(k),
                                       json_string_length(k), POSTQ_B64_STD) == POSTQ_OK &&
                   *pk_len == want) {
            err = POSTQ_OK;
        }
    } else if (json_is_string(a) && *alg == NULL) {
        err = POSTQ_E_UNSUPPORTED;
    }
    if (err != POSTQ_OK) {
        *alg = NULL;
        *pk_len = 0;
    }
    json_decref(root);
    return err;
}

/* Everything one verification owns: large, so it lives on the heap, not the caller's stack. */
struct work {
    struct postq_sign_result sr;
    struct postq_attest_result_fields fields;
    struct postq_log_input log;
    uint8_t chunk[CHUNK];
    uint8_t sha[32];
    uint8_t ph[POSTQ_HYBRID_PH_BYTES];
};

static int64_t system_clock_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) {
        return 0;
    }
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* No verdict: err, with what was wrong in the detail. */
static postq_err unusable(struct postq_attest_report *out, postq_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static postq_err unusable(struct postq_attest_report *out, postq_err err, const char *fmt, ...)
{
    va_list ap;

    out->verdict.ok = 0;
    out->verdict.reason[0] = '\0';
    va_start(ap, fmt);
    (void)vsnprintf(out->verdict.detail, sizeof(out->verdict.detail), fmt, ap);
    va_end(ap);
    return err;
}

/* SHA-256 and PH(alg) of everything read_payload gives. */
static postq_err hash_payload(struct work *w, postq_read_fn read_payload, void *ctx)
{
    struct postq_sha2 sha;
    struct postq_hybrid_ph pre;
    postq_err err;

    err = postq_sha2_init(&sha, 256);
    if (err != POSTQ_OK) {
        return err;
    }
    err = postq_hybrid_ph_init(&pre, w->sr.algorithm);
    if (err != POSTQ_OK) {
        postq_sha2_abort(&sha);
        return err;
    }
    for (;;) {
        size_t got = 0;
        err = read_payload(ctx, w->chunk, sizeof(w->chunk), &got);
        if (err != POSTQ_OK || got == 0) {
            break;
        }
        if (got > sizeof(w->chunk)) {
            err = POSTQ_E_INTERNAL; /* the reader broke its contract */
            break;
        }
        err = postq_sha2_update(&sha, w->chunk, got);
        if (err == POSTQ_OK) {
            err = postq_hybrid_ph_update(&pre, w->chunk, got);
        }
        if (err != POSTQ_OK) {
            break;
        }
    }
    if (err != POSTQ_OK) {
        postq_sha2_abort(&sha);
        postq_hybrid_ph_abort(&pre);
        return err;
    }
    err = postq_sha2_final(&sha, w->sha);
    if (err != POSTQ_OK) {
        postq_hybrid_ph_abort(&pre);
        return err;
    }
    return postq_hybrid_ph_final(&pre, w->ph);
}

/* Without a policy: the signature is the whole check. */
static postq_err signature_only(struct work *w, const struct postq_verify_options *opt,
                                const char *key_alg, struct postq_attest_report *out)
{
    struct postq_attest_run run = {out, NULL, NULL};
    postq_err err;

    if (strcmp(key_alg, w->sr.algorithm) != 0) {
        return postq_attest_fail(&run, POSTQ_REASON_KEY_MISMATCH,
                                 "the public key is %s, the signature %s", key_alg,
                                 w->sr.algorithm);
    }
    postq_attest_pass(&run, POSTQ_REASON_KEY_MISMATCH);
    if (memcmp(w->sha, w->sr.payload_sha256, 32) != 0) {
        return postq_attest_fail(&run, POSTQ_REASON_PAYLOAD_HASH_MISMATCH,
                                 "the payload's SHA-256 differs from the sign result's "
                                 "payloadSha256");
    }
    postq_attest_pass(&run, POSTQ_REASON_PAYLOAD_HASH_MISMATCH);
    err = postq_hybrid_verify_ph(w->sr.algorithm, opt->public_key, w->ph, NULL, 0,
                                 w->sr.signature, w->sr.sig_len);
    if (postq_err_category(err) == POSTQ_CAT_BUG) {
        return err;
    }
    if (err != POSTQ_OK) {
        return postq_attest_fail(&run, POSTQ_REASON_SIGNATURE_INVALID,
                                 "the composite signature does not verify under the public key");
    }
    postq_attest_pass(&run, POSTQ_REASON_SIGNATURE_INVALID);
    return POSTQ_OK;
}

/* With a policy: the document, its binding to this sign result, payload, signature and key. */
static postq_err attested(struct work *w, const struct postq_verify_options *opt,
                          const char *key_alg, int64_t at_ms, int64_t clock_ms,
                          struct postq_attest_report *out)
{
    struct postq_attest_input in;
    struct postq_attest_run run = {out, NULL, NULL};

    if (!w->sr.has_attestation) {
        return postq_attest_fail(&run, POSTQ_REASON_DOC_MALFORMED,
                                 "the sign result carries no attestation document (a key of a "
                                 "non-enclave provider?)");
    }
    memset(&in, 0, sizeof(in));
    in.vendor = w->sr.vendor;
    in.payload_sha256 = w->sha;
    in.sig = w->sr.signature;
    in.sig_len = w->sr.sig_len;
    if (opt->public_key != NULL) {
        in.public_key = opt->public_key;
        in.public_key_len = opt->public_key_len;
        in.key_alg = key_alg;
        in.payload_ph = w->ph;
    }
    w->fields.key_id = w->sr.key_id;
    w->fields.algorithm = w->sr.algorithm;
    w->fields.payload_sha256 = w->sr.payload_sha256;
    w->fields.image_hash = w->sr.image_hash;
    w->fields.has_counter = w->sr.counter >= 0;
    w->fields.counter = w->sr.counter >= 0 ? (uint64_t)w->sr.counter : 0;
    in.result = &w->fields;
    in.clock_ms = clock_ms;
    in.log = opt->log_key != NULL ? &w->log : NULL;
    return postq_attest_verify_ex(w->sr.doc_b64, opt->policy_json, &in, at_ms, out);
}

/* The log input of the sign result w->sr (module_id: the document's, filled by the checks). */
static void log_input(struct work *w, const struct postq_verify_options *opt)
{
    struct postq_log_input *l = &w->log;
    memset(l, 0, sizeof(*l));
    l->log_key = opt->log_key;
    l->sig_id = w->sr.id;
    l->key_id = w->sr.key_id;
    l->key_version = w->sr.key_version;
    l->algorithm = w->sr.algorithm;
    l->public_key = opt->public_key;
    l->public_key_len = opt->public_key_len;
    l->payload_sha256 = w->sr.payload_sha256;
    l->sig = w->sr.signature;
    l->sig_len = w->sr.sig_len;
    if (w->sr.has_attestation) {
        l->vendor = w->sr.vendor;
        l->counter = w->sr.counter >= 0 ? (uint64_t)w->sr.counter : 0;
        l->doc_b64 = w->sr.doc_b64;
        l->verdict = w->sr.verdict[0] != '\0' ? w->sr.verdict : NULL;
        l->reason = w->sr.reason[0] != '\0' ? w->sr.reason : NULL;
    }
    l->created_at = w->sr.created_at;
    l->has_transparency = w->sr.has_transparency;
    l->log_index = w->sr.log_index;
    l->checkpoint = w->sr.checkpoint;
    l->proof = (const uint8_t(*)[32])w->sr.proof;
    l->proof_len = w->sr.proof_len;
}

int postq_verify_sign_result(const char *sign_result_json, size_t json_len,
                             postq_read_fn read_payload, void *read_ctx,
                             const struct postq_verify_options *opt,
                             struct postq_attest_report *out)
{
    struct work *w = NULL;
    char detail[200];
    const char *key_alg;
    int64_t clock_ms, at_ms;
    postq_err err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (sign_result_json == NULL || read_payload == NULL || opt == NULL ||
        (opt->policy_json == NULL && opt->public_key == NULL) ||
        (opt->public_key == NULL && opt->public_key_len != 0) || opt->at_ms < -1 ||
        opt->clock_ms < 0 || (opt->log_key != NULL && opt->public_key == NULL)) {
        return unusable(out, POSTQ_E_ARG,
                        "invalid arguments (NULL input, neither a policy nor a public key, "
                        "a log key without a public key, or a negative time)");
    }
    clock_ms = opt->clock_ms > 0 ? opt->clock_ms : system_clock_ms();
    w = postq_calloc(1, sizeof(*w));
    if (w == NULL) {
        return unusable(out, POSTQ_E_NOMEM, "%s", postq_strerror(POSTQ_E_NOMEM));
    }
    detail[0] = '\0';
    err = postq_sign_result_parse(&w->sr, sign_result_json, json_len, detail, sizeof(detail));
    if (err != POSTQ_OK) {
        err = unusable(out, err, "sign result: %s",
                       strncmp(detail, "sign result: ", 13) == 0 ? detail + 13 : detail);
        goto out;
    }
    at_ms = opt->at_ms;
    if (w->sr.created_at[0] != '\0') {
        w->fields.has_created_at = 1;
        if (postq_time_parse(&w->fields.created_at_ms, w->sr.created_at,
                             strlen(w->sr.created_at)) != POSTQ_OK) {
            err = unusable(out, POSTQ_E_MALFORMED,
                           "sign result: createdAt: \"%s\" is not an RFC 3339 time",
                           w->sr.created_at);
            goto out;
        }
    }
    if (at_ms == POSTQ_VERIFY_AT_CREATED) {
        at_ms = w->fields.has_created_at ? w->fields.created_at_ms : clock_ms;
    }
    if (at_ms < 0) {
        err = unusable(out, POSTQ_E_MALFORMED, "sign result: createdAt: before 1970");
        goto out;
    }
    key_alg = opt->key_alg != NULL ? opt->key_alg : w->sr.algorithm;
    err = hash_payload(w, read_payload, read_ctx);
    if (err != POSTQ_OK) {
        if (out->verdict.detail[0] == '\0') {
            (void)unusable(out, err, "payload: %s", postq_strerror(err));
        }
        goto out;
    }
    out->at_ms = at_ms;
    log_input(w, opt);
    if (opt->policy_json != NULL) {
        err = attested(w, opt, key_alg, at_ms, clock_ms, out);
    } else {
        err = signature_only(w, opt, key_alg, out);
        if (err == POSTQ_OK && opt->log_key != NULL) {
            struct postq_attest_run run = {out, NULL, NULL};
            err = postq_attest_log_check(&run, &w->log, NULL);
        }
        if (err == POSTQ_OK) {
            out->verdict.ok = 1;
        } else if (err == POSTQ_E_REJECTED) {
            err = POSTQ_OK; /* a verdict: fail, with its reason */
        } else {
            (void)unusable(out, err, "%s", postq_strerror(err));
        }
    }
    if (err == POSTQ_E_REJECTED) {
        err = POSTQ_OK; /* the sign result carried no document: a verdict */
    }
out:
    if (w != NULL) {
        postq_wipe(w, sizeof(*w));
        postq_free(w);
    }
    return err;
}

/* ---- the payload from a file ---- */

struct file_reader {
    int fd;
    const char *path;
    struct postq_attest_report *out;
};

static int read_fd(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct file_reader *f = ctx;

    for (;;) {
        ssize_t n = read(f->fd, buf, cap);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            (void)snprintf(f->out->verdict.detail, sizeof(f->out->verdict.detail),
                           "payload: %.200s: %s", f->path, strerror(errno));
            return POSTQ_E_IO;
        }
        *got = (size_t)n;
        return POSTQ_OK;
    }
}

int postq_verify_sign_result_file(const char *sign_result_json, size_t json_len,
                                  const char *payload_path, const struct postq_verify_options *opt,
                                  struct postq_attest_report *out)
{
    struct file_reader f;
    int err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    if (payload_path == NULL) {
        memset(out, 0, sizeof(*out));
        return unusable(out, POSTQ_E_ARG, "payload: no path");
    }
    f.fd = open(payload_path, O_RDONLY | O_CLOEXEC);
    f.path = payload_path;
    f.out = out;
    if (f.fd < 0) {
        int e = errno;
        memset(out, 0, sizeof(*out));
        return unusable(out, POSTQ_E_IO, "payload: %.200s: %s", payload_path, strerror(e));
    }
    err = postq_verify_sign_result(sign_result_json, json_len, read_fd, &f, opt, out);
    (void)close(f.fd);
    return err;
}
