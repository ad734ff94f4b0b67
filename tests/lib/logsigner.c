/* SPDX-License-Identifier: Apache-2.0 */
#include "logsigner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <postq/hybrid.h>

#include "attest/tlog.h"
#include "crypto/ed.h"

static const uint8_t ed_seed[32] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
static uint8_t comp_sk[64];
static struct postq_tlog_vkey ed_vk, comp_vk;
static char ed_text[POSTQ_TLOG_VKEY_MAX], comp_text[POSTQ_TLOG_VKEY_MAX];
static int ready;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_long n_signed;

static void setup(void)
{
    uint8_t pk[POSTQ_HYBRID_PK_MAX], ed_pk[32];
    memset(comp_sk, 0x22, sizeof(comp_sk));
    ready = postq_ed_keypair(POSTQ_ED25519, ed_seed, ed_pk) == POSTQ_OK &&
            postq_hybrid_public_key("mldsa65+ed25519", comp_sk, pk) == POSTQ_OK &&
            postq_tlog_vkey_make(&ed_vk, TL_LOG_NAME, POSTQ_TLOG_TYPE_ED25519, ed_pk, 32) ==
                POSTQ_OK &&
            postq_tlog_vkey_make(&comp_vk, TL_LOG_NAME, POSTQ_TLOG_TYPE_COMPOSITE, pk,
                                 POSTQ_TLOG_COMPOSITE_PK_BYTES) == POSTQ_OK &&
            postq_tlog_vkey_format(&ed_vk, ed_text, sizeof(ed_text), NULL) == POSTQ_OK &&
            postq_tlog_vkey_format(&comp_vk, comp_text, sizeof(comp_text), NULL) == POSTQ_OK;
}

postq_err tl_log_signer(void *ctx, const char *org_id, int64_t size, const uint8_t root[32],
                        char *note, size_t cap, size_t *len)
{
    char origin[POSTQ_TLOG_ORIGIN_MAX], body[POSTQ_TLOG_ORIGIN_MAX + 96];
    static _Thread_local char out[POSTQ_TLOG_NOTE_MAX];
    size_t body_len = 0, n = 0;
    postq_err err;

    (void)ctx;
    pthread_once(&once, setup);
    if (!ready) {
        return POSTQ_E_INTERNAL;
    }
    snprintf(origin, sizeof(origin), "%s/%s", TL_LOG_NAME, org_id);
    err = postq_tlog_checkpoint_body(body, sizeof(body), &body_len, origin, (uint64_t)size, root);
    if (err == POSTQ_OK) {
        err = postq_tlog_note_sign(out, sizeof(out), &n, body, body_len, &ed_vk, ed_seed,
                                   &comp_vk, comp_sk);
    }
    if (err == POSTQ_OK && n > cap) {
        err = POSTQ_E_LENGTH;
    }
    if (err == POSTQ_OK) {
        memcpy(note, out, n);
        *len = n;
        atomic_fetch_add(&n_signed, 1);
    }
    return err;
}

const char *tl_log_vkey(void)
{
    pthread_once(&once, setup);
    return ed_text;
}

const char *tl_log_composite_vkey(void)
{
    pthread_once(&once, setup);
    return comp_text;
}

long tl_log_signed(void)
{
    return atomic_load(&n_signed);
}
