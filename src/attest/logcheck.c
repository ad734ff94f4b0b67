/* SPDX-License-Identifier: Apache-2.0 */
/* The transparency log's two checks [docs/transparency.md], run after every other check of a
 * sign result: log_checkpoint_invalid (the checkpoint is a note signed by the pinned log key,
 * for an origin of that key's name) and log_proof_invalid (the log entry rebuilt from the sign
 * result is the leaf at logIndex of the checkpoint's tree, RFC 9162 §2.1.3.2). */
#include <stdio.h>
#include <string.h>

#include <postq/attest.h>

#include "attest/tlog.h"
#include "attest/verifier.h"
#include "common/base64.h"
#include "common/mem.h"
#include "crypto/merkle.h"

/* Everything large, off the caller's stack. */
struct log_work {
    struct postq_tlog_vkey key;
    struct postq_tlog_checkpoint cp;
    char entry[POSTQ_TLOG_ENTRY_MAX];
    uint8_t doc[POSTQ_ATTEST_DOC_B64_MAX / 4 * 3 + 3];
    char detail[160];
    char module_id[128];
};

static postq_err check(struct postq_attest_run *run, const struct postq_log_input *in,
                       const char *doc_module_id, struct log_work *w)
{
    struct postq_tlog_entry_in e;
    postq_merkle_hash leaf;
    size_t doc_len = 0, len = 0, note_len;
    postq_err err;

    err = postq_tlog_vkey_parse(&w->key, in->log_key, strlen(in->log_key));
    if (err != POSTQ_OK) {
        (void)snprintf(run->report->verdict.detail, sizeof(run->report->verdict.detail),
                       "log key: not a verifier key (<name>+<key id>+<base64 key>) of a known "
                       "type");
        return POSTQ_E_MALFORMED;
    }
    if (!in->has_transparency || in->checkpoint == NULL) {
        return postq_attest_fail(run, POSTQ_REASON_LOG_PROOF_INVALID,
                                 "the sign result carries no transparency member (no proof "
                                 "that it is in the log)");
    }
    note_len = strnlen(in->checkpoint, POSTQ_TLOG_NOTE_MAX + 1);
    w->detail[0] = '\0';
    err = postq_tlog_note_verify(in->checkpoint, note_len, &w->key, 1, &w->cp, w->detail,
                                 sizeof(w->detail));
    if (err == POSTQ_E_CRYPTO || err == POSTQ_E_NOMEM || err == POSTQ_E_ARG) {
        return err;
    }
    if (err != POSTQ_OK) {
        /* The note verifier says what is wrong, naming the key ("signature by <name>+<id> does
         * not verify", "note: no signature by ..."): the words of @postq/sdk too. */
        return postq_attest_fail(run, POSTQ_REASON_LOG_CHECKPOINT_INVALID, "%s", w->detail);
    }
    if (postq_tlog_origin_check(w->cp.origin, w->key.name) != POSTQ_OK) {
        return postq_attest_fail(run, POSTQ_REASON_LOG_CHECKPOINT_INVALID,
                                 "checkpoint origin \"%.80s\" is not %s/<organisation id>",
                                 w->cp.origin, w->key.name);
    }
    postq_attest_pass(run, POSTQ_REASON_LOG_CHECKPOINT_INVALID);
    if (in->log_index < 0 || (uint64_t)in->log_index >= w->cp.size) {
        return postq_attest_fail(run, POSTQ_REASON_LOG_PROOF_INVALID,
                                 "logIndex %lld is not in the checkpoint's tree of %llu entries",
                                 (long long)in->log_index, (unsigned long long)w->cp.size);
    }

    memset(&e, 0, sizeof(e));
    e.sig_id = in->sig_id;
    e.key_id = in->key_id;
    e.key_version = in->key_version > 0 ? in->key_version : 1;
    e.algorithm = in->algorithm;
    e.public_key = in->public_key;
    e.public_key_len = in->public_key_len;
    e.payload_sha256 = in->payload_sha256;
    e.signature = in->sig;
    e.sig_len = in->sig_len;
    e.created_at = in->created_at;
    if (in->vendor != NULL) {
        const char *b64 = in->doc_b64 != NULL ? in->doc_b64 : "";
        size_t b64_len = strnlen(b64, POSTQ_ATTEST_DOC_B64_MAX + 1);
        if (b64_len > POSTQ_ATTEST_DOC_B64_MAX ||
            postq_base64_decode_public(w->doc, sizeof(w->doc), &doc_len, b64, b64_len,
                                       POSTQ_B64_STD) != POSTQ_OK) {
            doc_len = 0;
        }
        e.vendor = in->vendor;
        e.module_id = in->module_id != NULL      ? in->module_id
                      : doc_module_id != NULL && doc_module_id[0] != '\0' ? doc_module_id
                                                                           : "-";
        e.counter = in->counter;
        e.doc = w->doc;
        e.doc_len = doc_len;
        e.verdict_fail = in->verdict != NULL && strcmp(in->verdict, "fail") == 0;
        e.reason = e.verdict_fail ? in->reason : NULL;
    }
    err = postq_tlog_entry(w->entry, sizeof(w->entry), &len, &e);
    if (err == POSTQ_OK) {
        err = postq_merkle_leaf_hash(leaf, (const uint8_t *)w->entry, len);
        if (err != POSTQ_OK) {
            return err;
        }
        err = postq_merkle_verify_inclusion(leaf, (uint64_t)in->log_index, w->cp.size,
                                            (const postq_merkle_hash *)in->proof, in->proof_len,
                                            w->cp.root);
        if (err != POSTQ_OK) {
            return postq_attest_fail(run, POSTQ_REASON_LOG_PROOF_INVALID,
                                     "the rebuilt log entry is not at logIndex %lld in the "
                                     "checkpoint's tree of %llu entries",
                                     (long long)in->log_index, (unsigned long long)w->cp.size);
        }
    } else {
        return postq_attest_fail(run, POSTQ_REASON_LOG_PROOF_INVALID,
                                 "the sign result's log entry cannot be rebuilt (a field is "
                                 "empty, too long or has a space)");
    }
    postq_attest_pass(run, POSTQ_REASON_LOG_PROOF_INVALID);
    return POSTQ_OK;
}

postq_err postq_attest_log_check(struct postq_attest_run *run, const struct postq_log_input *in,
                                 const char *doc_module_id)
{
    struct log_work *w;
    postq_err err;

    if (in->log_key == NULL || in->public_key == NULL || in->sig == NULL ||
        in->payload_sha256 == NULL) {
        return POSTQ_E_ARG;
    }
    w = postq_malloc(sizeof(*w));
    if (w == NULL) {
        return POSTQ_E_NOMEM;
    }
    if (doc_module_id == NULL && in->module_id == NULL && in->vendor != NULL &&
        in->doc_b64 != NULL) {
        /* Without a policy nothing parsed the document: read its claim (unverified; the
         * entry's document hash binds it). */
        postq_attest_doc_module_id(in->doc_b64, in->vendor, w->module_id, sizeof(w->module_id));
        doc_module_id = w->module_id;
    }
    err = check(run, in, doc_module_id, w);
    postq_free(w);
    return err;
}

int postq_log_verify(const struct postq_log_input *in, postq_verdict *out)
{
    struct postq_attest_report *report;
    struct postq_attest_run run;
    postq_err err;

    if (out == NULL) {
        return POSTQ_E_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (in == NULL) {
        return POSTQ_E_ARG;
    }
    report = postq_calloc(1, sizeof(*report));
    if (report == NULL) {
        return POSTQ_E_NOMEM;
    }
    run.report = report;
    run.vkey = NULL;
    run.digest = NULL;
    err = postq_attest_log_check(&run, in, NULL);
    if (err == POSTQ_OK) {
        report->verdict.ok = 1;
    } else if (err == POSTQ_E_REJECTED) {
        err = POSTQ_OK;
    } else {
        report->verdict.ok = 0;
        report->verdict.reason[0] = '\0';
    }
    *out = report->verdict;
    postq_free(report);
    return err;
}
