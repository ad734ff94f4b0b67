/* SPDX-License-Identifier: Apache-2.0 */
/* The transparency log's texts (DESIGN §13): C2SP signed notes [c2sp.org/signed-note], their
 * verifier keys, tlog-checkpoint bodies [c2sp.org/tlog-checkpoint], and the log entry of a
 * stored signature. No JSON, no heap, no I/O; thread-safe (no shared state).
 *
 * Signed note
 * -----------
 *   note      = text "\n" 1*sigline
 *   text      = the signed bytes: valid UTF-8, ends in "\n"; a checkpoint has no empty line
 *   sigline   = U+2014 (E2 80 94) " " key-name " " base64(key-id[4, big-endian] || signature) "\n"
 * The whole note is valid UTF-8 with no control character below U+0020 but "\n" (so no CR, no
 * NUL), at most POSTQ_TLOG_NOTE_MAX bytes. The text ends at the last empty line. Key names are
 * 1..127 bytes of UTF-8 with no Unicode space (White_Space) and no "+". base64 is RFC 4648 §4,
 * padded and canonical (unused bits zero), as everywhere in PostQ.
 *
 *   key ID       = SHA-256(key name || 0x0A || type bytes || public key)[:4], big-endian uint32
 *   verifier key = <key name> "+" <key ID as 8 lowercase hex> "+" base64(type bytes || public key)
 *
 * Signature types
 * ---------------
 * | type | type bytes                                  | public key                | signature |
 * |------|---------------------------------------------|---------------------------|-----------|
 * | 0x01 | 01                                          | Ed25519, 32 bytes         | 64 bytes  |
 * | 0xff | ff 70 6f 73 74 71 2d 6d 6c 64 73 61 36 35   | mldsa65+ed25519 composite | 3373      |
 * |      |    2b 65 64 32 35 35 31 39                  | (ML-DSA-65 pk 1952 ||     | (3309 ||  |
 * |      |    = 0xff || "postq-mldsa65+ed25519"        | Ed25519 pk 32), 1984      | 64)       |
 *
 * 0x01 is signed-note's own Ed25519 (RFC 8032 over the text). c2sp.org/signed-note assigns no
 * byte to composite ML-DSA + EdDSA; for such types it says: "0xff — Reserved for signature
 * types without an identifier byte assigned by this specification. It is RECOMMENDED that this
 * byte be followed by a longer identifier that is unlikely to collide." So the composite type
 * is the byte 0xff followed by the 21 ASCII bytes "postq-mldsa65+ed25519" (no terminator: the
 * identifier and the public key both have fixed lengths), and those 22 bytes stand wherever the
 * spec puts "signature type": in the key ID input and at the front of the verifier key's
 * base64. Its signature is postq_hybrid_sign("mldsa65+ed25519") over the text with an EMPTY
 * context (include/postq/hybrid.h: ML-DSA-65 signature || Ed25519 signature over the composite
 * message M'); both halves must verify. Signature lines carry only key ID || signature: a
 * signed-note signature line never carries its type (the key ID stands for it).
 *
 *   composite key ID input = key name || 0x0a || 0xff || "postq-mldsa65+ed25519" || pk[1984]
 *   composite verifier key = name "+" hex8 "+" base64(0xff || "postq-mldsa65+ed25519" || pk)
 *                            (2006 bytes -> 2676 base64 characters)
 *   composite sig line     = "— " name " " base64(key ID[4] || mldsaSig[3309] || edSig[64])
 *                            (3377 bytes -> 4504 base64 characters)
 *
 * Checkpoint
 * ----------
 *   origin "\n" tree-size "\n" base64(root hash[32]) "\n" *(extension-line "\n")
 * Every line non-empty; the size is decimal ASCII with no sign and no leading zero ("0" for an
 * empty tree), at most 2^64 - 1; the root is exactly 32 bytes. Extension lines are accepted
 * and not returned. PostQ's origin is "<log name>/<organisation id>" (postq_tlog_origin_check);
 * the parser does not require it, so that other logs' checkpoints (sum.golang.org's origin is
 * "go.sum database tree") parse too.
 *
 * Log entry (DESIGN §13): see postq_tlog_entry. */
#ifndef POSTQ_ATTEST_TLOG_H
#define POSTQ_ATTEST_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include <postq/err.h>
#include <postq/hybrid.h>

#define POSTQ_TLOG_NAME_MAX       128 /* key name, NUL included */
#define POSTQ_TLOG_ORIGIN_MAX     256 /* checkpoint origin, NUL included */
#define POSTQ_TLOG_TYPE_ED25519   0x01
#define POSTQ_TLOG_TYPE_COMPOSITE 0xff /* followed by POSTQ_TLOG_COMPOSITE_IDENT */
/* The identifier after 0xff (signed-note, Signature types), 21 ASCII bytes, no terminator. */
#define POSTQ_TLOG_COMPOSITE_IDENT     "postq-mldsa65+ed25519"
#define POSTQ_TLOG_COMPOSITE_IDENT_LEN 21
#define POSTQ_TLOG_COMPOSITE_ALG       "mldsa65+ed25519" /* include/postq/hybrid.h's name */
#define POSTQ_TLOG_COMPOSITE_PK_BYTES  1984              /* 1952 + 32 */
#define POSTQ_TLOG_COMPOSITE_SIG_BYTES 3373              /* 3309 + 64 */
#define POSTQ_TLOG_ED25519_PK_BYTES    32
#define POSTQ_TLOG_ED25519_SIG_BYTES   64
#define POSTQ_TLOG_TYPE_BYTES_MAX      (1 + POSTQ_TLOG_COMPOSITE_IDENT_LEN)
/* Verifier key text, NUL included: name 127 + "+" + 8 + "+" + base64(22 + 1984 = 2006 bytes:
 * 2676 characters) + NUL = 2814, rounded up. */
#define POSTQ_TLOG_VKEY_MAX  2816
#define POSTQ_TLOG_NOTE_MAX  16384 /* a whole note we parse or produce */
#define POSTQ_TLOG_ENTRY_MAX 2048
#define POSTQ_TLOG_FIELD_MAX 128 /* an entry's text field, NUL included */
#define POSTQ_TLOG_KEYS_MAX  16  /* keys one note_open call may require */

/* A verifier key: a name, its key ID, its type (0x01 or 0xff; for 0xff the identifier
 * POSTQ_TLOG_COMPOSITE_IDENT is implied) and its public key. Fill it with vkey_make or
 * vkey_parse, never by hand: they check the name and the key and compute the ID. */
struct postq_tlog_vkey {
    char name[POSTQ_TLOG_NAME_MAX];
    uint32_t id;
    uint8_t type;
    uint8_t pk[POSTQ_HYBRID_PK_MAX];
    size_t pk_len;
};

/* Build k from a name, a type and a public key (32 bytes for 0x01, 1984 for 0xff), computing
 * the key ID. POSTQ_E_MALFORMED for a bad name; POSTQ_E_UNSUPPORTED for another type;
 * POSTQ_E_LENGTH for a public key of the wrong size; POSTQ_E_KEY_INVALID for an Ed25519 key (or
 * the composite key's Ed25519 half) that no key pair has (postq_ed25519_pk_check: small order,
 * non-canonical); POSTQ_E_ARG for NULL. k is zeroed on failure. */
POSTQ_MUST_CHECK postq_err postq_tlog_vkey_make(struct postq_tlog_vkey *k, const char *name,
                                                uint8_t type, const uint8_t *pk, size_t pk_len);

/* Parse a verifier key text[0..len) exactly (no surrounding whitespace, no NUL needed). The ID
 * must be 8 lowercase hex digits and equal the ID computed from the rest. POSTQ_E_MALFORMED for
 * any syntax fault or an ID that does not match; POSTQ_E_UNSUPPORTED for another type (or 0xff
 * with another identifier); POSTQ_E_LENGTH, POSTQ_E_KEY_INVALID as vkey_make. k is zeroed on
 * failure. */
POSTQ_MUST_CHECK postq_err postq_tlog_vkey_parse(struct postq_tlog_vkey *k, const char *text,
                                                 size_t len);

/* Write k's verifier key text, NUL-terminated, to out[0..cap) (POSTQ_TLOG_VKEY_MAX always
 * suffices); *len gets its length without the NUL (len may be NULL). POSTQ_E_LENGTH when cap is
 * too small (out is then "" when cap > 0); POSTQ_E_ARG for a k that vkey_make would refuse. */
POSTQ_MUST_CHECK postq_err postq_tlog_vkey_format(const struct postq_tlog_vkey *k, char *out,
                                                  size_t cap, size_t *len);

/* Write the checkpoint body "origin\nsize\nbase64(root)\n", NUL-terminated, to out[0..cap);
 * *len gets its length without the NUL. origin: 1..255 bytes of UTF-8 with no control character,
 * no Unicode space and no "+" (tlog-checkpoint's SHOULD, kept by the producer), else
 * POSTQ_E_MALFORMED. POSTQ_E_LENGTH when cap is too small (out "" when cap > 0). */
POSTQ_MUST_CHECK postq_err postq_tlog_checkpoint_body(char *out, size_t cap, size_t *len,
                                                      const char *origin, uint64_t size,
                                                      const uint8_t root[32]);

/* Append one signature line "— name base64(id || sig)\n" for k over sig[0..sig_len) to out,
 * which holds *len bytes of cap; *len grows by the line's length and out stays NUL-terminated.
 * sig_len must be the type's signature size (64 or 3373), else POSTQ_E_LENGTH; POSTQ_E_LENGTH
 * also when the line and a NUL do not fit (out and *len are then unchanged). */
POSTQ_MUST_CHECK postq_err postq_tlog_sig_line(char *out, size_t cap, size_t *len,
                                               const struct postq_tlog_vkey *k, const uint8_t *sig,
                                               size_t sig_len);

/* Sign body[0..body_len), which must be a checkpoint body (else POSTQ_E_MALFORMED), with the
 * Ed25519 seed of ed_vk (type 0x01) and the composite private key of comp_vk (type 0xff; 64 bytes:
 * ML-DSA-65 seed || Ed25519 seed), writing the whole note, NUL-terminated, to out[0..cap):
 * body, "\n", the Ed25519 line, the composite line. *len gets its length without the NUL.
 * Each key is checked against its verifier key first (the public key derived from the private
 * one must be the pinned one): POSTQ_E_KEY_INVALID otherwise, so that a note is never published
 * under a key its verifiers do not hold. POSTQ_E_LENGTH when out is too small (body_len + 4864
 * bytes, NUL included, always suffice); POSTQ_E_RNG / POSTQ_E_CRYPTO from the signers. out is ""
 * and *len 0 on failure. No private byte is copied: nothing is left to wipe here (the caller owns
 * and wipes the seeds). Stack: about 130 KiB (composite signing); run on a thread with 512 KiB. */
POSTQ_MUST_CHECK postq_err postq_tlog_note_sign(char *out, size_t cap, size_t *len,
                                                const char *body, size_t body_len,
                                                const struct postq_tlog_vkey *ed_vk,
                                                const uint8_t ed_seed[32],
                                                const struct postq_tlog_vkey *comp_vk,
                                                const uint8_t comp_sk[64]);

/* postq_tlog_note_sign with the composite key already expanded (crypto/composite.h): the same
 * note, without a key generation per call (the key's own public key is compared with comp_vk's,
 * and ed_vk must have been made from ed_seed: its public key is used as it is, as the Ed25519
 * signature hashes it). For postq-enclave, which keeps the log's expanded key in locked memory
 * and makes both verifier keys from the seeds at start. */
struct postq_hybrid_skey;
POSTQ_MUST_CHECK postq_err postq_tlog_note_sign_skey(char *out, size_t cap, size_t *len,
                                                     const char *body, size_t body_len,
                                                     const struct postq_tlog_vkey *ed_vk,
                                                     const uint8_t ed_seed[32],
                                                     const struct postq_tlog_vkey *comp_vk,
                                                     const struct postq_hybrid_skey *comp_skey);

/* Check the signatures of note[0..len) (signed-note, Signatures): each line is parsed; a line
 * whose name and ID both match a key of keys[0..nkeys) is verified under that key and one that
 * fails rejects the note; lines of other keys are ignored (well-formed all the same); every key
 * must have at least one line that verifies. On success *text_len is the length of the signed
 * text, note[0..*text_len).
 * Returns POSTQ_OK; POSTQ_E_MALFORMED (not a signed note; detail says why); POSTQ_E_TOO_LARGE
 * (len > POSTQ_TLOG_NOTE_MAX); POSTQ_E_INVALID (a key's line missing, or a matching line that
 * does not verify); POSTQ_E_CRYPTO when a verifier's backend fails (never reported as a bad
 * signature); POSTQ_E_ARG for NULL, nkeys 0 or over POSTQ_TLOG_KEYS_MAX, a key vkey_make would
 * refuse, or two keys with the same name and ID. detail: a short message to cap bytes, "" on
 * success, never secret. Stack: about 45 KiB (a 12 KiB decode buffer and ML-DSA-65
 * verification). */
POSTQ_MUST_CHECK postq_err postq_tlog_note_open(const char *note, size_t len,
                                                const struct postq_tlog_vkey *keys, size_t nkeys,
                                                size_t *text_len, char *detail, size_t cap);

struct postq_tlog_checkpoint {
    char origin[POSTQ_TLOG_ORIGIN_MAX];
    uint64_t size;
    uint8_t root[32];
};

/* Parse text[0..len) as a checkpoint body (grammar above) into *cp. POSTQ_E_MALFORMED, detail
 * saying which line, for anything else (an origin over 255 bytes included); cp is zeroed on
 * failure. Does not check signatures: use postq_tlog_note_verify on notes. */
POSTQ_MUST_CHECK postq_err postq_tlog_checkpoint_parse(struct postq_tlog_checkpoint *cp,
                                                       const char *text, size_t len, char *detail,
                                                       size_t cap);

/* postq_tlog_note_open, then postq_tlog_checkpoint_parse of the signed text: EVERY key of
 * keys[0..nkeys) must have signed the note. Same returns (POSTQ_E_MALFORMED also for a text that
 * is not a checkpoint). cp is zeroed on failure. The origin is not checked against the keys'
 * name here: postq_tlog_origin_check. */
POSTQ_MUST_CHECK postq_err postq_tlog_note_verify(const char *note, size_t len,
                                                  const struct postq_tlog_vkey *keys, size_t nkeys,
                                                  struct postq_tlog_checkpoint *cp, char *detail,
                                                  size_t cap);

/* Whether origin is exactly "<key_name>/<org id>" with an id postq_id_check accepts for the
 * prefix "org": POSTQ_OK or POSTQ_E_INVALID (POSTQ_E_ARG for NULL). */
POSTQ_MUST_CHECK postq_err postq_tlog_origin_check(const char *origin, const char *key_name);

/* The DESIGN §13 entry of a stored signature. Text fields are 1..127 bytes of printable ASCII
 * without space (0x21..0x7e), so that no field can add a field or a line. */
struct postq_tlog_entry_in {
    const char *sig_id, *key_id;
    int64_t key_version; /* >= 1 */
    const char *algorithm;
    const uint8_t *public_key; /* the composite public key: its SHA-256 goes in */
    size_t public_key_len;
    const uint8_t *payload_sha256; /* 32 bytes */
    const uint8_t *signature;      /* its SHA-256 goes in */
    size_t sig_len;
    const char *vendor; /* NULL: "attestation none"; "none" itself is refused */
    const char *module_id;
    uint64_t counter;
    const uint8_t *doc; /* raw document bytes (not base64): its SHA-256 goes in */
    size_t doc_len;
    int verdict_fail;       /* 0: pass, else fail */
    const char *reason;     /* NULL or "": "-"; "-" itself is refused */
    const char *created_at; /* exactly as in the sign result */
    /* Optional: the SHA-256 (32 bytes) of public_key, of signature, of doc, when the caller
     * already has them (a verified document carries the first two): used instead of hashing.
     * NULL: hashed here. */
    const uint8_t *public_key_sha256, *sig_sha256, *doc_sha256;
};

/* Write the entry text, NUL-terminated, to out[0..cap) (POSTQ_TLOG_ENTRY_MAX always suffices);
 * *len gets its length without the NUL:
 *
 *   postq-log-entry/v1
 *   signature <sig_id>
 *   key <key_id> <key_version> <algorithm> <SHA-256 hex of public_key>
 *   payload <payload_sha256 hex>
 *   sig <SHA-256 hex of signature>
 *   attestation <vendor> <module_id> <counter> <SHA-256 hex of doc>    ("attestation none")
 *   verdict <pass|fail> <reason or ->
 *   created <created_at>
 *
 * LF after every line, the last included; lowercase hex; decimal numbers without leading zeros.
 * POSTQ_E_INVALID for a text field that is not 1..127 bytes of 0x21..0x7e, key_version < 1, a
 * vendor "none" or a reason "-", a reason with verdict pass, and, without attestation (vendor
 * NULL), a failed verdict (keys without attestation always pass). POSTQ_E_ARG for a NULL pointer
 * that is needed (module_id only with a vendor; public_key, signature and doc may be NULL only
 * with length 0: an empty byte string is hashed like any other). POSTQ_E_LENGTH when cap is too
 * small. out is "" on failure when cap > 0. */
POSTQ_MUST_CHECK postq_err postq_tlog_entry(char *out, size_t cap, size_t *len,
                                            const struct postq_tlog_entry_in *in);

#endif
