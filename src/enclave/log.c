/* SPDX-License-Identifier: Apache-2.0 */
/* The transparency log's keys [docs/transparency.md]: an Ed25519 key (signed-note type 0x01,
 * what standard note verifiers check) and an mldsa65+ed25519 composite key (a second signature
 * line), both derived from the deployment's sealing key, so every enclave that shares a
 * deployment secret signs for the same log and the log keys need no file of their own:
 *
 *   SHAKE256("postq transparency log keys v1" || seal_key) -> 96 bytes:
 *   Ed25519 seed (32) || composite private key (64: ML-DSA-65 seed || Ed25519 seed)
 *
 * postq-api never holds them: it asks for a checkpoint of (organisation, tree size, root) and
 * the enclave builds the checkpoint body itself (origin "<log name>/<organisation id>"), so
 * the API can have it sign checkpoints, never other text. */
#include "enclave/enclave.h"

#include <stdio.h>
#include <string.h>

#include <postq/hybrid.h>

#include "attest/tlog.h"
#include "common/id.h"
#include "common/mem.h"
#include "crypto/ed.h"
#include "crypto/keccak.h"

struct postq_enclave_log {
    char name[POSTQ_TLOG_NAME_MAX];
    struct postq_tlog_vkey ed_vk, composite_vk;
    char ed_text[POSTQ_TLOG_VKEY_MAX], composite_text[POSTQ_TLOG_VKEY_MAX];
    size_t ed_len, composite_len;
};

static const char log_label[] = "postq transparency log keys v1";

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= 0x20 || s[i] > 0x7e || s[i] == '+') {
            return 0;
        }
    }
    return 1;
}

postq_err postq_enclave_log_init(struct postq_enclave *e, const char *name, char *detail,
                                 size_t cap)
{
    uint8_t in[sizeof(log_label) - 1 + 32], out[96], pk[POSTQ_HYBRID_PK_MAX], ed_pk[32];
    struct postq_enclave_log *l;
    postq_err err;

    if (name == NULL || !name_ok(name)) {
        snprintf(detail, cap, "--log-name: 1..100 printable ASCII characters, no space or '+'");
        return POSTQ_E_ARG;
    }
    l = postq_calloc(1, sizeof(*l));
    if (l == NULL) {
        snprintf(detail, cap, "out of memory");
        return POSTQ_E_NOMEM;
    }
    memcpy(in, log_label, sizeof(log_label) - 1);
    memcpy(in + sizeof(log_label) - 1, e->sec->seal_key, 32);
    postq_shake256(out, sizeof(out), in, sizeof(in));
    memcpy(e->sec->log_ed_seed, out, 32);
    memcpy(e->sec->log_composite_sk, out + 32, 64);
    postq_wipe(in, sizeof(in));
    postq_wipe(out, sizeof(out));
    snprintf(l->name, sizeof(l->name), "%s", name);
    err = postq_ed_keypair(POSTQ_ED25519, e->sec->log_ed_seed, ed_pk);
    if (err == POSTQ_OK) {
        err = postq_hybrid_public_key("mldsa65+ed25519", e->sec->log_composite_sk, pk);
    }
    if (err == POSTQ_OK) {
        err = postq_tlog_vkey_make(&l->ed_vk, name, POSTQ_TLOG_TYPE_ED25519, ed_pk, 32);
    }
    if (err == POSTQ_OK) {
        size_t pk_len = 0;
        err = postq_hybrid_sizes("mldsa65+ed25519", &pk_len, NULL, NULL);
        err = err == POSTQ_OK ? postq_tlog_vkey_make(&l->composite_vk, name,
                                                     POSTQ_TLOG_TYPE_COMPOSITE, pk, pk_len)
                              : err;
    }
    if (err == POSTQ_OK) {
        err = postq_tlog_vkey_format(&l->ed_vk, l->ed_text, sizeof(l->ed_text), &l->ed_len);
    }
    if (err == POSTQ_OK) {
        err = postq_tlog_vkey_format(&l->composite_vk, l->composite_text,
                                     sizeof(l->composite_text), &l->composite_len);
    }
    if (err != POSTQ_OK) {
        postq_wipe(e->sec->log_ed_seed, 32);
        postq_wipe(e->sec->log_composite_sk, 64);
        postq_free(l);
        snprintf(detail, cap, "the log keys could not be made: %s", postq_strerror(err));
        return err;
    }
    e->log = l;
    return POSTQ_OK;
}

postq_err postq_enclave_log_keys(struct postq_enclave *e, struct postq_buf *reply)
{
    struct postq_proto_resp r;
    if (e->log == NULL) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_INTERNAL, "no log keys");
    }
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_LOG_KEYS;
    snprintf(r.log_name, sizeof(r.log_name), "%s", e->log->name);
    r.log_vkey.p = (const uint8_t *)e->log->ed_text;
    r.log_vkey.len = e->log->ed_len;
    r.log_composite_vkey.p = (const uint8_t *)e->log->composite_text;
    r.log_composite_vkey.len = e->log->composite_len;
    return postq_proto_encode_reply(reply, &r);
}

postq_err postq_enclave_log_sign(struct postq_enclave *e, const struct postq_proto_req *q,
                                 struct postq_buf *reply)
{
    char origin[POSTQ_TLOG_ORIGIN_MAX], body[POSTQ_TLOG_ORIGIN_MAX + 96];
    char note[POSTQ_PROTO_NOTE_MAX];
    size_t body_len = 0, note_len = 0;
    struct postq_proto_resp r;
    postq_err err;

    if (e->log == NULL) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_INTERNAL, "no log keys");
    }
    if (postq_id_check(q->key_id, "org") != POSTQ_OK || q->tree_size == 0 ||
        q->tree_size > (uint64_t)INT64_MAX) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_BAD_LENGTH,
                                         "log-sign: an org_ id and a tree size of 1..2^63-1");
    }
    snprintf(origin, sizeof(origin), "%s/%s", e->log->name, q->key_id);
    err = postq_tlog_checkpoint_body(body, sizeof(body), &body_len, origin, q->tree_size,
                                     q->root.p);
    if (err == POSTQ_OK && e->log_skey != NULL) {
        /* The expanded key in locked memory: no key expansion per checkpoint. */
        err = postq_tlog_note_sign_skey(note, sizeof(note), &note_len, body, body_len,
                                        &e->log->ed_vk, e->sec->log_ed_seed,
                                        &e->log->composite_vk, e->log_skey);
    } else if (err == POSTQ_OK) {
        err = postq_tlog_note_sign(note, sizeof(note), &note_len, body, body_len, &e->log->ed_vk,
                                   e->sec->log_ed_seed, &e->log->composite_vk,
                                   e->sec->log_composite_sk);
    }
    if (err != POSTQ_OK) {
        return postq_enclave_error_reply(reply, POSTQ_PROTO_E_INTERNAL,
                                         "the checkpoint could not be signed");
    }
    memset(&r, 0, sizeof(r));
    r.op = POSTQ_PROTO_OP_LOG_SIGN;
    r.note.p = (const uint8_t *)note;
    r.note.len = note_len;
    return postq_proto_encode_reply(reply, &r);
}
