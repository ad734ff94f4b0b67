/* SPDX-License-Identifier: Apache-2.0 */
/* postq verify and postq attest verify [docs/verification.md, docs/cli.md]: offline re-verification
 * of a
 * signature and of the attestation document that came with it, through the SDK's one-call
 * postq_verify_sign_result (or postq_attest_verify_ex for a bare --doc). Neither touches the
 * network. Payloads are hashed as they stream, so their size does not matter. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <postq/attest.h>
#include <postq/hybrid.h>
#include <postq/verify.h>

#include "attest/sign_result.h"
#include "attest/tlog.h"
#include "cli/cli.h"
#include "common/base64.h"
#include "common/mem.h"
#include "common/timefmt.h"
#include "crypto/composite.h"
#include "crypto/sha2.h"

#define POLICY_FILE_MAX 65536
#define DOC_FILE_MAX 65536

/* Everything one run found out: the checks that ran, in order, and the verdict. */
struct run {
    const char *command;
    const char *at_what; /* what the reference time is, for the human summary */
    struct postq_attest_report r;
};

static void put_hex(json_t *o, const char *name, const uint8_t *p, size_t n)
{
    char hex[2 * 64 + 1];
    cli_hex(hex, p, n);
    json_object_set_new(o, name, json_string(hex));
}

static json_t *claims_json(const struct postq_attest_claims *c)
{
    json_t *o = json_object();
    char when[POSTQ_TIME_RFC3339_MAX];

    json_object_set_new(o, "vendor", json_string(c->vendor));
    if (c->have & POSTQ_CLAIM_MODULE_ID) {
        json_object_set_new(o, "moduleId", json_string(c->module_id));
    }
    if (c->have & POSTQ_CLAIM_MEASUREMENT) {
        put_hex(o, "imageHash", c->measurement, c->measurement_len);
    }
    if (c->have & POSTQ_CLAIM_KEY) {
        json_object_set_new(o, "keyId", json_string(c->key_id));
        json_object_set_new(o, "algorithm", json_string(c->algorithm));
        put_hex(o, "publicKeySha256", c->public_key_sha256, 32);
    }
    if (c->have & POSTQ_CLAIM_PAYLOAD_SHA256) {
        put_hex(o, "payloadSha256", c->payload_sha256, 32);
    }
    if (c->have & POSTQ_CLAIM_SIG_SHA256) {
        put_hex(o, "sigSha256", c->sig_sha256, 32);
    }
    if (c->have & POSTQ_CLAIM_COUNTER) {
        json_object_set_new(o, "counter", json_integer((json_int_t)c->counter));
    }
    if (c->have & POSTQ_CLAIM_TIMESTAMP) {
        json_object_set_new(o, "timestamp", json_integer((json_int_t)c->timestamp_ms));
        if (postq_time_format(when, sizeof(when), c->timestamp_ms) == POSTQ_OK) {
            json_object_set_new(o, "signedAt", json_string(when));
        }
    }
    return o;
}

/* --json: every check that ran and its outcome, the verdict, the claims. */
static void print_json(const struct run *run)
{
    const struct postq_attest_report *r = &run->r;
    json_t *o = json_object();
    json_t *checks = json_array();
    char at[POSTQ_TIME_RFC3339_MAX];
    char *text;

    json_object_set_new(o, "command", json_string(run->command));
    json_object_set_new(o, "verdict", json_string(r->verdict.ok ? "pass" : "fail"));
    if (!r->verdict.ok) {
        json_object_set_new(o, "reason", json_string(r->verdict.reason));
        json_object_set_new(o, "detail", json_string(r->verdict.detail));
    }
    if (postq_time_format(at, sizeof(at), r->at_ms) == POSTQ_OK) {
        json_object_set_new(o, "at", json_string(at));
    }
    for (size_t i = 0; i < r->n_checks; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "check", json_string(r->checks[i].name));
        json_object_set_new(c, "result", json_string(r->checks[i].passed ? "pass" : "fail"));
        json_array_append_new(checks, c);
    }
    json_object_set_new(o, "checks", checks);
    if (r->have_claims) {
        json_object_set_new(o, "claims", claims_json(&r->claims));
    }
    text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text != NULL) {
        puts(text);
        free(text);
    }
    json_decref(o);
}

/* Each check as what it established when it passed (a reason code names its failure). */
static const char *passed_text(const char *name)
{
    static const struct {
        const char *name, *text;
    } texts[] = {
        {POSTQ_REASON_DOC_MALFORMED, "document well formed"},
        {POSTQ_REASON_VENDOR_MISMATCH, "vendor is the policy's"},
        {POSTQ_REASON_VENDOR_UNSUPPORTED, "verifier for the vendor built in"},
        {POSTQ_REASON_DOC_ALG_UNSUPPORTED, "document signature algorithm allowed"},
        {POSTQ_REASON_CHAIN_INVALID, "certificate chain or key set pinned by the policy"},
        {POSTQ_REASON_DOC_SIGNATURE_INVALID, "document signature under the pinned root"},
        {POSTQ_REASON_IMAGE_NOT_ALLOWED, "enclave image on the policy's allow-list"},
        {POSTQ_REASON_MEASUREMENT_NOT_ALLOWED, "measurements allowed by the policy"},
        {POSTQ_REASON_DEBUG_NOT_ALLOWED, "not a debug-mode enclave"},
        {POSTQ_REASON_CLAIMS_INVALID, "issuer, audience and other claims valid"},
        {POSTQ_REASON_DOC_STALE, "document within the policy's maximum age"},
        {POSTQ_REASON_DOC_FROM_FUTURE, "document and sign result not from the future"},
        {POSTQ_REASON_RESULT_MISMATCH, "sign result's fields are the document's"},
        {POSTQ_REASON_PAYLOAD_HASH_MISMATCH, "payload's SHA-256 is the one attested"},
        {POSTQ_REASON_SIG_HASH_MISMATCH, "signature's SHA-256 is the one attested"},
        {POSTQ_REASON_KEY_MISMATCH, "public key is the one the signature names"},
        {POSTQ_REASON_SIGNATURE_INVALID, "composite signature valid under the public key"},
        {POSTQ_REASON_LOG_CHECKPOINT_INVALID, "log checkpoint signed by the pinned log key"},
        {POSTQ_REASON_LOG_PROOF_INVALID, "log entry included in the checkpoint's tree"},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (strcmp(name, texts[i].name) == 0) {
            return texts[i].text;
        }
    }
    return name;
}

/* The human summary of a pass, and the one line of a failure. Returns the exit code. */
static int finish(const struct run *run, int json, const char *headline)
{
    const struct postq_attest_report *r = &run->r;
    const struct postq_attest_claims *c = &r->claims;
    char hex[2 * 64 + 1];
    char when[POSTQ_TIME_RFC3339_MAX];

    if (json) {
        print_json(run);
    }
    if (!r->verdict.ok) {
        fprintf(stderr, "rejected: %s: %s\n", cli_shown(r->verdict.reason),
                cli_shown(r->verdict.detail));
        return CLI_REJECTED;
    }
    if (json) {
        return CLI_OK;
    }
    printf("verified: %s\n", cli_shown(headline));
    if (r->have_claims) {
        printf("  vendor     %s, module %s\n", cli_shown(c->vendor), cli_shown(c->module_id));
        if (c->have & POSTQ_CLAIM_MEASUREMENT) {
            cli_hex(hex, c->measurement, c->measurement_len);
            printf("  image      %s (allowed by the policy)\n", hex);
        }
        if (c->have & POSTQ_CLAIM_KEY) {
            printf("  key        %s (%s)\n", cli_shown(c->key_id), cli_shown(c->algorithm));
        }
        if (c->have & POSTQ_CLAIM_PAYLOAD_SHA256) {
            cli_hex(hex, c->payload_sha256, 32);
            printf("  payload    sha256 %s\n", hex);
        }
        if ((c->have & POSTQ_CLAIM_TIMESTAMP) &&
            postq_time_format(when, sizeof(when), c->timestamp_ms) == POSTQ_OK) {
            printf("  signed     %s, counter %llu\n", when, (unsigned long long)c->counter);
        }
    }
    if (postq_time_format(when, sizeof(when), r->at_ms) == POSTQ_OK) {
        printf("  checked at %s (%s)\n", when, run->at_what);
    }
    printf("  checks     %zu passed (--json names each by its reason code)\n", r->n_checks);
    for (size_t i = 0; i < r->n_checks; i++) {
        printf("             %s: ok\n", passed_text(r->checks[i].name));
    }
    return CLI_OK;
}

/* A verification that gave no verdict (a bad policy or sign result, an unreadable payload):
 * print why and return the exit code. An input's problem reads as every unreadable input
 * does, "postq: <what>: <file>: <problem>"; policy_path / sr_path may be NULL. */
static int no_verdict(const struct run *run, int err, const char *policy_path,
                      const char *sr_path)
{
    const char *d = run->r.verdict.detail;

    if (err == POSTQ_OK) {
        return CLI_OK;
    }
    if (policy_path != NULL && strncmp(d, "policy: ", 8) == 0) {
        fprintf(stderr, "postq: policy: %s: %s\n", cli_shown(policy_path), cli_shown(d + 8));
    } else if (sr_path != NULL && strncmp(d, "sign result: ", 13) == 0) {
        fprintf(stderr, "postq: sign result: %s: %s\n", cli_shown(sr_path), cli_shown(d + 13));
    } else {
        fprintf(stderr, "postq: %s%s%s\n", postq_strerror(err), d[0] != '\0' ? ": " : "",
                cli_shown(d));
    }
    return postq_err_category(err) == POSTQ_CAT_BUG ? CLI_SERVER : CLI_USAGE;
}

/* The sign-result commands: read the sign result and the policy, stream the payload through
 * postq_verify_sign_result, and report. opt holds the key (or none) on entry. */
static int verify_result(struct run *run, const char *sr_path, const char *policy_path,
                         const char *payload, const char *at, struct postq_verify_options *opt)
{
    struct postq_buf sr = {0}, policy = {0};
    struct cli_payload in = {-1, NULL};
    int rc = CLI_USAGE, err;

    if (cli_parse_time(at, POSTQ_VERIFY_AT_CREATED, &opt->at_ms) != POSTQ_OK ||
        cli_read_file(&sr, sr_path, POSTQ_SIGN_RESULT_JSON_MAX, "sign result") != POSTQ_OK ||
        (policy_path != NULL &&
         cli_read_file(&policy, policy_path, POLICY_FILE_MAX, "policy") != POSTQ_OK) ||
        cli_payload_open(&in, payload) != POSTQ_OK) {
        goto out;
    }
    opt->policy_json = policy_path != NULL ? (const char *)policy.p : NULL;
    run->at_what = at != NULL ? "--at" : "the sign result's createdAt";
    err = postq_verify_sign_result((const char *)sr.p, sr.len, cli_payload_read, &in, opt,
                                   &run->r);
    if (err == POSTQ_E_IO) {
        rc = CLI_USAGE; /* cli_payload_read said why */
    } else {
        rc = no_verdict(run, err, policy_path, sr_path);
    }
out:
    cli_payload_close(&in);
    postq_buf_free(&policy);
    postq_buf_free(&sr);
    return rc;
}

/* Only base64url characters and dots: a compact JWS or JWT (RFC 7515 §7.1, RFC 7519). */
static int is_compact_token(const uint8_t *p, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '.') {
            dots++;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_')) {
            return 0;
        }
    }
    return n > 0 && dots == 2;
}

/* --doc: the document's bytes, or their base64. Returns the base64 in *out (free()). */
static int read_doc(const char *path, char **out)
{
    struct postq_buf b;
    size_t n, dec = 0, enc;
    postq_err err = cli_read_file(&b, path, DOC_FILE_MAX, "document");

    *out = NULL;
    if (err != POSTQ_OK) {
        return CLI_USAGE;
    }
    n = b.len;
    while (n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r' || b.p[n - 1] == ' ')) {
        n--;
    }
    {
        uint8_t *scratch = postq_malloc(postq_base64_decoded_max(n) + 1);
        int is_b64 = scratch != NULL && n > 0 &&
                     postq_base64_decode(scratch, postq_base64_decoded_max(n) + 1, &dec,
                                         (const char *)b.p, n, POSTQ_B64_STD) == POSTQ_OK;
        postq_free(scratch);
        if (is_b64) {
            *out = strndup((const char *)b.p, n);
        } else {
            /* A compact JWS / JWT is text: a line end after it is not part of the document.
             * Anything else (CBOR) is taken byte for byte. */
            size_t raw = is_compact_token(b.p, n) ? n : b.len;
            enc = postq_base64_encoded_len(raw, POSTQ_B64_STD);
            *out = malloc(enc + 1);
            if (*out != NULL && postq_base64_encode(*out, enc + 1, NULL, b.p, raw,
                                                    POSTQ_B64_STD) != POSTQ_OK) {
                free(*out);
                *out = NULL;
            }
        }
    }
    postq_buf_free(&b);
    if (*out == NULL) {
        fprintf(stderr, "postq: document: %s: out of memory\n", path);
        return CLI_SERVER;
    }
    return CLI_OK;
}

static const char verify_usage[] =
    "usage: postq verify --public-key KEY --sign-result SIG.json --payload FILE\n"
    "                    [--policy POLICY.json] [--log-key VKEY] [--at TIME] [--json]\n"
    "\n"
    "Check a signature offline: the composite signature of FILE under KEY (a PEM public key,\n"
    "or the key's JSON from the API), and the payload hash the sign result records. With\n"
    "--policy, also the attestation document under that policy (as postq attest verify).\n"
    "With --log-key (the transparency log's verifier key, or a file holding it), also that\n"
    "the sign result's log entry is in a checkpoint signed by that key (docs/transparency.md).\n"
    "Never touches the network. FILE may be - for standard input.\n"
    "\n"
    "Exit: 0 verified, 1 rejected (stderr: rejected: <reason>: <detail>), 2 usage or unreadable\n"
    "input.\n";

int cli_cmd_verify(int argc, char **argv)
{
    const char *key_path = NULL, *sr_path = NULL, *payload = NULL, *policy_path = NULL;
    const char *at = NULL, *key_alg = NULL, *log_arg = NULL;
    static char log_key[POSTQ_TLOG_VKEY_MAX];
    static struct run run;
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    struct postq_verify_options opt;
    size_t pk_len = 0;
    int json = 0, rc;
    char headline[256];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(verify_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (!cli_opt_value(argc, argv, &i, "--public-key", &key_path) &&
                   !cli_opt_value(argc, argv, &i, "--sign-result", &sr_path) &&
                   !cli_opt_value(argc, argv, &i, "--payload", &payload) &&
                   !cli_opt_value(argc, argv, &i, "--policy", &policy_path) &&
                   !cli_opt_value(argc, argv, &i, "--log-key", &log_arg) &&
                   !cli_opt_value(argc, argv, &i, "--at", &at)) {
            fputs(verify_usage, stderr);
            return cli_usage_error("verify: unknown argument \"%s\"", argv[i]);
        }
    }
    if (key_path == NULL || sr_path == NULL || payload == NULL) {
        fputs(verify_usage, stderr);
        return cli_usage_error("verify: --public-key, --sign-result and --payload are required");
    }
    memset(&run, 0, sizeof(run));
    memset(&opt, 0, sizeof(opt));
    run.command = "verify";
    if (cli_read_public_key(key_path, cli_sign_result_key_version(sr_path), &key_alg, pk,
                            &pk_len) != POSTQ_OK) {
        return CLI_USAGE;
    }
    opt.public_key = pk;
    opt.public_key_len = pk_len;
    opt.key_alg = key_alg;
    if (log_arg != NULL) {
        if (cli_read_log_key(log_arg, log_key, sizeof(log_key)) != POSTQ_OK) {
            return CLI_USAGE;
        }
        opt.log_key = log_key;
    }
    rc = verify_result(&run, sr_path, policy_path, payload, at, &opt);
    if (rc != CLI_OK) {
        return rc;
    }
    snprintf(headline, sizeof(headline), "%s signature of %s%s", key_alg, payload,
             policy_path != NULL ? ", made in an attested enclave allowed by the policy"
                                 : " (no --policy: where it was made is not checked)");
    if (policy_path == NULL) {
        run.at_what = "not used without --policy";
    }
    return finish(&run, json, headline);
}

static const char attest_usage[] =
    "usage: postq attest verify --policy POLICY.json --sign-result SIG.json --payload FILE\n"
    "                           [--public-key KEY [--log-key VKEY]] [--at TIME] [--json]\n"
    "       postq attest verify --policy POLICY.json --doc DOC [--at TIME] [--json]\n"
    "\n"
    "Verify an attestation document offline under a pinned policy: the document's signature\n"
    "under the policy's root key, the image allow-list, its age, that the sign result's fields\n"
    "are the document's, and its bindings to the payload and the signature (man postq lists\n"
    "every check and reason code). --doc checks a bare document (its bytes or their base64)\n"
    "without those bindings. Its age is judged at the sign result's createdAt (a bare --doc:\n"
    "now), or at --at TIME (RFC 3339 or Unix seconds). With --public-key, the composite\n"
    "signature is checked as well, and with --log-key that the sign result's log entry is in a\n"
    "checkpoint signed by that transparency log key. Never touches the network.\n"
    "\n"
    "Exit: 0 verified, 1 rejected (stderr: rejected: <reason>: <detail>), 2 usage or unreadable\n"
    "input.\n";

static int attest_verify(int argc, char **argv)
{
    const char *policy_path = NULL, *sr_path = NULL, *payload = NULL, *doc_path = NULL;
    const char *at = NULL, *key_path = NULL, *key_alg = NULL, *log_arg = NULL;
    static char log_key[POSTQ_TLOG_VKEY_MAX];
    static struct run run;
    struct postq_verify_options opt;
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len = 0;
    int json = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(attest_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (!cli_opt_value(argc, argv, &i, "--policy", &policy_path) &&
                   !cli_opt_value(argc, argv, &i, "--sign-result", &sr_path) &&
                   !cli_opt_value(argc, argv, &i, "--payload", &payload) &&
                   !cli_opt_value(argc, argv, &i, "--doc", &doc_path) &&
                   !cli_opt_value(argc, argv, &i, "--public-key", &key_path) &&
                   !cli_opt_value(argc, argv, &i, "--log-key", &log_arg) &&
                   !cli_opt_value(argc, argv, &i, "--at", &at)) {
            fputs(attest_usage, stderr);
            return cli_usage_error("attest verify: unknown argument \"%s\"", argv[i]);
        }
    }
    if (policy_path == NULL || (doc_path == NULL) == (sr_path == NULL) ||
        (sr_path != NULL && payload == NULL) || (doc_path != NULL && (payload != NULL ||
                                                                     key_path != NULL))) {
        fputs(attest_usage, stderr);
        return cli_usage_error("attest verify: give --policy with either --sign-result and "
                               "--payload, or --doc");
    }
    if (log_arg != NULL && (doc_path != NULL || key_path == NULL)) {
        fputs(attest_usage, stderr);
        return cli_usage_error("attest verify: --log-key needs --sign-result and --public-key "
                               "(the log entry names the key's public key)");
    }
    memset(&run, 0, sizeof(run));
    memset(&opt, 0, sizeof(opt));
    run.command = "attest verify";
    if (key_path != NULL &&
        cli_read_public_key(key_path, sr_path != NULL ? cli_sign_result_key_version(sr_path) : 0,
                            &key_alg, pk, &pk_len) != POSTQ_OK) {
        return CLI_USAGE;
    }
    if (doc_path != NULL) {
        /* A bare document: judged at the current time (or --at). */
        struct postq_buf policy;
        char *doc_b64 = NULL;
        int64_t at_ms;
        if (cli_parse_time(at, postq_time_now_ms(), &at_ms) != POSTQ_OK) {
            return CLI_USAGE;
        }
        rc = read_doc(doc_path, &doc_b64);
        if (rc != CLI_OK) {
            return rc;
        }
        if (cli_read_file(&policy, policy_path, POLICY_FILE_MAX, "policy") != POSTQ_OK) {
            free(doc_b64);
            return CLI_USAGE;
        }
        struct postq_attest_input in;
        memset(&in, 0, sizeof(in));
        in.clock_ms = postq_time_now_ms(); /* a document from the clock's future is refused
                                              whatever --at says */
        run.at_what = at != NULL ? "--at" : "now";
        rc = no_verdict(&run,
                        postq_attest_verify_ex(doc_b64, (const char *)policy.p, &in, at_ms,
                                               &run.r),
                        policy_path, NULL);
        postq_buf_free(&policy);
        free(doc_b64);
    } else {
        if (key_path != NULL) {
            opt.public_key = pk;
            opt.public_key_len = pk_len;
            opt.key_alg = key_alg;
        }
        if (log_arg != NULL) {
            if (cli_read_log_key(log_arg, log_key, sizeof(log_key)) != POSTQ_OK) {
                return CLI_USAGE;
            }
            opt.log_key = log_key;
        }
        rc = verify_result(&run, sr_path, policy_path, payload, at, &opt);
    }
    if (rc != CLI_OK) {
        return rc;
    }
    return finish(&run, json,
                  doc_path != NULL ? "attestation document (bare: not bound to a payload)"
                                   : "attestation of the signature over the payload");
}

int cli_cmd_attest(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
        return attest_verify(argc - 1, argv + 1);
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(attest_usage, stdout);
        return CLI_OK;
    }
    fputs(attest_usage, stderr);
    {
        static const char *const subs[] = {"verify"};
        return cli_unknown_subcommand("attest", argc >= 2 ? argv[1] : NULL, subs, 1);
    }
}
