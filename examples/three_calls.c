/* SPDX-License-Identifier: Apache-2.0 */
/* The three calls, in C: pin a policy to the enclave behind the API, create a key bound to
 * it, sign an artifact, then re-verify everything with zero trust in the API's verdict, in one
 * call (postq_verify_sign_result_file): the attestation document under the policy pinned here,
 * its binding to the sign result, the artifact's own bytes and the signature, the key, and the
 * composite ML-DSA + Ed25519 signature itself.
 *
 *   cc three_calls.c $(pkg-config --cflags --libs postq) -o three_calls
 *   POSTQ_API_URL=http://127.0.0.1:8080 POSTQ_API_KEY=pqk_… ./three_calls artifact.tar.gz
 *
 * The public key is taken from the API once, right after the key is made (trust on first use);
 * a real verifier keeps that key, like the policy, in its own repository.
 *
 * Exit: 0 verified, 1 rejected, 2 usage or unreadable artifact, 3 server or network error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postq/postq.h>

#define ARTIFACT_MAX (64u << 20)

/* The exit code from the error's category: how a caller should react to it. */
static int exit_code(postq_err err)
{
    switch (postq_err_category(err)) {
    case POSTQ_CAT_OK:
        return 0;
    case POSTQ_CAT_REJECTED:
        return 1;
    case POSTQ_CAT_USAGE:
    case POSTQ_CAT_SYSTEM:
        return 2;
    case POSTQ_CAT_AUTH:
    case POSTQ_CAT_RETRY:
    case POSTQ_CAT_BUG:
    default:
        return 3;
    }
}

static int fail(struct postq_client *c, postq_err err, const char *what)
{
    fprintf(stderr, "three_calls: %s: %s\n", what,
            c != NULL && postq_client_errmsg(c)[0] ? postq_client_errmsg(c)
                                                   : postq_strerror(err));
    return exit_code(err);
}

/* What each check, named by the reason code its failure gives, established. */
static const char *check_text(const char *name)
{
    static const struct {
        const char *name, *text;
    } texts[] = {
        {"doc_malformed", "the attestation document is well formed"},
        {"vendor_mismatch", "it comes from the policy's vendor"},
        {"vendor_unsupported", "a verifier for that vendor is built in"},
        {"doc_alg_unsupported", "its signature algorithm is allowed"},
        {"doc_signature_invalid", "it is signed by the enclave root pinned in the policy"},
        {"image_not_allowed", "the enclave image is on the policy's allow-list"},
        {"doc_stale", "it is no older than the policy allows"},
        {"doc_from_future", "it is not from the future"},
        {"result_mismatch", "the sign result's fields are the document's"},
        {"payload_hash_mismatch", "it attests this artifact's SHA-256"},
        {"sig_hash_mismatch", "it attests this signature's SHA-256"},
        {"key_mismatch", "it names the public key kept here"},
        {"signature_invalid", "the composite signature verifies under that key"},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (strcmp(name, texts[i].name) == 0) {
            return texts[i].text;
        }
    }
    return name;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        (unsigned long)n > ARTIFACT_MAX || fseek(f, 0, SEEK_SET) != 0 ||
        (p = malloc((size_t)n + 1)) == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    } else {
        *len = (size_t)n;
    }
    if (f != NULL) {
        fclose(f);
    }
    return p;
}

int main(int argc, char **argv)
{
    struct postq_client *c = NULL;
    struct postq_enclave_info enc;
    struct postq_signature_info *sig = NULL;
    struct postq_attest_report *report = NULL;
    struct postq_verify_options opt;
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len = 0;
    const char *key_alg = NULL;
    char policy[4096], policy_id[128], key_id[128];
    char *json = NULL;
    uint8_t *artifact = NULL;
    size_t artifact_len = 0;
    int rc = 3;
    postq_err err;

    if (argc != 2) {
        fprintf(stderr, "usage: three_calls ARTIFACT   (POSTQ_API_URL, POSTQ_API_KEY)\n");
        return 2;
    }
    artifact = read_file(argv[1], &artifact_len);
    if (artifact == NULL) {
        fprintf(stderr, "three_calls: cannot read %s\n", argv[1]);
        return 2;
    }
    err = postq_client_new(getenv("POSTQ_API_URL"), getenv("POSTQ_API_KEY"), &c);
    if (err != POSTQ_OK) {
        rc = fail(NULL, err, "client");
        goto out;
    }

    /* What to pin: the enclave's image hash and root key. */
    err = postq_client_enclave_info(c, &enc, NULL);
    if (err != POSTQ_OK) {
        rc = fail(c, err, "enclave info");
        goto out;
    }
    snprintf(policy, sizeof(policy),
             "{\"name\":\"three-calls\",\"vendor\":\"%s\",\"matchRules\":{"
             "\"allowedImageHashes\":[\"%s\"],\"rootPublicKeyB64\":\"%s\","
             "\"maxDocAgeSeconds\":300},\"enforce\":true}",
             enc.vendor, enc.image_hash, enc.root_public_key_b64);

    /* 1. the policy */
    err = postq_client_policy_create(c, policy, &json);
    if (err == POSTQ_OK) {
        err = postq_json_string(json, "id", policy_id, sizeof(policy_id));
    }
    postq_text_free(json);
    json = NULL;
    if (err != POSTQ_OK) {
        rc = fail(c, err, "policy create");
        goto out;
    }
    printf("policy    %s pins image %s\n", policy_id, enc.image_hash);

    /* 2. a key bound to it */
    err = postq_client_key_create(c, "three-calls", "mldsa65+ed25519", "enclave-mock", policy_id,
                                  &json);
    if (err == POSTQ_OK) {
        err = postq_json_string(json, "id", key_id, sizeof(key_id));
    }
    postq_text_free(json);
    json = NULL;
    if (err != POSTQ_OK) {
        rc = fail(c, err, "key create");
        goto out;
    }
    printf("key       %s (mldsa65+ed25519, enclave-mock)\n", key_id);

    /* The key's public half, kept for the verification. */
    err = postq_client_key_get(c, key_id, &json);
    if (err == POSTQ_OK) {
        err = postq_public_key_from_json(json, strlen(json), &key_alg, pk, sizeof(pk), &pk_len);
    }
    postq_text_free(json);
    json = NULL;
    if (err != POSTQ_OK) {
        rc = fail(c, err, "key get");
        goto out;
    }

    /* 3. sign */
    err = postq_client_sign(c, key_id, artifact, artifact_len, &json);
    if (err != POSTQ_OK) {
        rc = fail(c, err, "sign");
        goto out;
    }
    sig = malloc(sizeof(*sig));
    if (sig == NULL) {
        rc = fail(c, POSTQ_E_NOMEM, "sign result");
        goto out;
    }
    err = postq_signature_info_parse(sig, json);
    if (err != POSTQ_OK || !sig->has_attestation) {
        rc = fail(NULL, err != POSTQ_OK ? err : POSTQ_E_MALFORMED, "sign result");
        goto out;
    }
    printf("signature %s, counter %lld\n", sig->id, (long long)sig->counter);

    /* Re-verify the sign result as a user would later: under the policy pinned here (not the
     * server's copy) and the key kept above, over the artifact's bytes as they stream, as of
     * the sign result's createdAt. */
    report = malloc(sizeof(*report));
    if (report == NULL) {
        rc = fail(NULL, POSTQ_E_NOMEM, "verify");
        goto out;
    }
    memset(&opt, 0, sizeof(opt));
    opt.policy_json = policy;
    opt.public_key = pk;
    opt.public_key_len = pk_len;
    opt.key_alg = key_alg;
    opt.at_ms = POSTQ_VERIFY_AT_CREATED;
    err = postq_verify_sign_result_file(json, strlen(json), argv[1], &opt, report);
    if (err != POSTQ_OK) {
        fprintf(stderr, "three_calls: verify: %s\n", report->verdict.detail);
        rc = exit_code(err);
        goto out;
    }
    if (!report->verdict.ok) {
        fprintf(stderr, "rejected: %s: %s\n", report->verdict.reason, report->verdict.detail);
        rc = 1;
        goto out;
    }
    printf("verified: the enclave attested this signature over %s; %zu checks passed:\n",
           argv[1], report->n_checks);
    for (size_t i = 0; i < report->n_checks; i++) {
        printf("  %s\n", check_text(report->checks[i].name));
    }
    rc = 0;
out:
    free(report);
    free(sig);
    postq_text_free(json);
    postq_client_free(c);
    free(artifact);
    return rc;
}
