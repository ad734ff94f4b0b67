// SPDX-License-Identifier: Apache-2.0
// The transparency log, offline (DESIGN §13): C2SP signed notes [c2sp.org/signed-note] and their
// verifier keys, tlog-checkpoint bodies [c2sp.org/tlog-checkpoint], RFC 9162 §2.1 Merkle
// inclusion and consistency proofs, and the log entry of a sign result, rebuilt from the sign
// result and the public key alone. The same rules as the C library (src/attest/tlog.c,
// src/crypto/merkle.c), written anew on noble.
//
// Verifier key  <name>+<8 hex key ID>+base64(type bytes || public key)
//               key ID = SHA-256(name || 0x0a || type bytes || public key)[:4], big-endian
//   type 0x01   Ed25519: 32-byte key, 64-byte signature over the note's text
//   type 0xff   0xff || "postq-mldsa65+ed25519" (22 bytes): the 1984-byte mldsa65+ed25519
//               composite key, its 3373-byte signature over the text with the empty context
// Signed note   text "\n" 1*("— " name " " base64(key ID || signature) "\n")
// Checkpoint    origin "\n" size "\n" base64(root) "\n" *(extension "\n")

import { ed25519 } from '@noble/curves/ed25519.js';

import { sha256, verifyCompositeMessage, verifyEd25519 } from './composite.js';
import { fromBase64, isHex64, toBase64, toHex, utf8, utf8Length } from './encoding.js';
import { InvalidInputError } from './errors.js';
import { ALGORITHMS, jsonText, type ParsedSignResult } from './formats.js';
import { JsonInt, has, isObject, parseJson, type JsonValue } from './json.js';

/** The largest note read (the C side's POSTQ_TLOG_NOTE_MAX). */
export const NOTE_MAX = 16384;
/** No inclusion proof of a tree of at most 2^64 - 1 leaves has more hashes. */
const PROOF_MAX = 64;
const U64_MAX = (1n << 64n) - 1n;
const I63_MAX = (1n << 63n) - 1n;
const NAME_MAX = 127; // bytes
const ORIGIN_MAX = 255; // bytes
const EM_DASH = '\u2014 ';
const COMPOSITE_TYPE = new Uint8Array([0xff, ...utf8('postq-mldsa65+ed25519')]);
const COMPOSITE_PK = ALGORITHMS['mldsa65+ed25519'].pk; // 1984
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// signed-note key names: no C0 control or space, no "+", no Unicode White_Space (DEL is
// allowed, as by the note verifiers of Go and of the C SDK).
const NOT_IN_NAME = /[\u0000-\u0020+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const ORG_ID = /^org_[0-7][0-9A-HJKMNP-TV-Z]{25}$/; // Crockford base32, as postq_id_check

/** A log's verifier key, read with readLogKey. */
export interface LogKey {
    name: string;
    /** the key ID, 0..2^32 - 1 */
    id: number;
    type: 'ed25519' | 'mldsa65+ed25519';
    /** 32 bytes (Ed25519) or 1984 (ML-DSA-65 public key || Ed25519 public key) */
    publicKey: Uint8Array;
    /** the verifier key text */
    text: string;
}

/** A checkpoint whose note verified: the log's origin, its size and root hash. */
export interface Checkpoint {
    origin: string;
    size: bigint;
    /** 32 bytes */
    root: Uint8Array;
    /** the signed text: origin, size, root and any extension lines */
    text: string;
}

/** verifyCheckpoint's answer: the checkpoint, or why the note is not one the key signed. */
export type CheckpointVerdict = { ok: true; checkpoint: Checkpoint } | { ok: false; detail: string };

/** A sign result's transparency member (its JSON types checked, its contents not yet). */
export interface ParsedTransparency {
    logIndex: bigint;
    checkpoint: string;
    inclusionProof: string[];
}

const nameOk = (s: string): boolean => s !== '' && !LONE_SURROGATE.test(s) && !NOT_IN_NAME.test(s);
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const be32 = (b: Uint8Array): number => (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0;
const concat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
        out.set(p, at);
        at += p.length;
    }
    return out;
};

/** libsodium's crypto_core_ed25519_is_valid_point: canonical, on the curve, not of small
 * order, in the prime-order subgroup. A key that fails verifies forged signatures. */
function usableEd25519(pk: Uint8Array): boolean {
    try {
        const p = ed25519.Point.fromBytes(pk, false);
        return !p.is0() && !p.isSmallOrder() && p.isTorsionFree();
    } catch {
        return false;
    }
}

function keyId(name: string, typeBytes: Uint8Array, pk: Uint8Array): number {
    return be32(sha256(concat(utf8(name), new Uint8Array([0x0a]), typeBytes, pk)));
}

/**
 * A log verifier key: its text (GET /v1/log's verifierKey or compositeVerifierKey, or the
 * line a file holds: surrounding whitespace is ignored), or what readLogKey returned. Throws
 * InvalidInputError ("log key: …") for anything else: a name with a space or "+", a key ID that
 * is not the one its name, type and key give, a type other than Ed25519 and mldsa65+ed25519, a
 * key of the wrong length or an Ed25519 key (or half) no key pair has.
 */
export function readLogKey(input: unknown): LogKey {
    if (input !== null && typeof input === 'object' && typeof (input as LogKey).text === 'string') input = (input as LogKey).text;
    if (typeof input !== 'string') throw new InvalidInputError('log key: a verifier key, name+id+key (GET /v1/log\'s verifierKey)');
    const text = input.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const bad = (what: string): never => {
        throw new InvalidInputError(`log key: ${what}`);
    };
    const m = /^([^+]*)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text);
    if (m === null) return bad('not <name>+<8 lowercase hex>+<base64>');
    const [, name, idHex, b64] = m as unknown as [string, string, string, string];
    if (!nameOk(name) || utf8Length(name) > NAME_MAX) bad('the name is empty, over 127 bytes, or holds a space, "+" or a control character');
    if (b64.length > 4 * Math.ceil((COMPOSITE_TYPE.length + COMPOSITE_PK) / 3)) bad('the key is too long');
    const raw = fromBase64(b64);
    if (raw === null || raw.length === 0) return bad('the key is not canonical padded base64');
    let type: LogKey['type'];
    let typeBytes: Uint8Array;
    if (raw[0] === 0x01) {
        type = 'ed25519';
        typeBytes = raw.subarray(0, 1);
    } else if (raw[0] === 0xff && raw.length >= COMPOSITE_TYPE.length && COMPOSITE_TYPE.every((b, i) => raw[i] === b)) {
        type = 'mldsa65+ed25519';
        typeBytes = raw.subarray(0, COMPOSITE_TYPE.length);
    } else {
        return bad(`unsupported type 0x${(raw[0] as number).toString(16).padStart(2, '0')} (Ed25519 is 0x01, mldsa65+ed25519 0xff "postq-mldsa65+ed25519")`);
    }
    const publicKey = raw.slice(typeBytes.length);
    const want = type === 'ed25519' ? 32 : COMPOSITE_PK;
    if (publicKey.length !== want) bad(`${type} key of ${publicKey.length} bytes, not ${want}`);
    const id = keyId(name, typeBytes, publicKey);
    if (hex8(id) !== idHex) bad(`key ID ${idHex} is not the one of its name and key (${hex8(id)})`);
    if (!usableEd25519(publicKey.subarray(publicKey.length - 32))) bad(`not a usable Ed25519 ${type === 'ed25519' ? 'key' : 'half'} (small order or not a point)`);
    return { name, id, type, publicKey, text };
}

// ---- signed notes and checkpoints ----

class NoteError extends Error {}

/** Byte offset in UTF-8 of s[0..i). */
const byteAt = (s: string, i: number): number => utf8Length(s.slice(0, i));

/** The text the note signs, once the pinned key's line verified (signed-note, Format and
 * Signatures): every line parsed first; a line of the key that does not verify rejects. */
function openNote(note: string, key: LogKey): string {
    const fail = (what: string): never => {
        throw new NoteError(what);
    };
    if (typeof note !== 'string') fail('note: not a string');
    if (LONE_SURROGATE.test(note)) fail('note: not UTF-8 (a lone surrogate)');
    const size = utf8Length(note);
    if (size > NOTE_MAX) fail(`note: over ${NOTE_MAX} bytes`);
    const ctl = /[\u0000-\u0009\u000b-\u001f]/.exec(note);
    if (ctl !== null) fail(`note: byte ${byteAt(note, ctl.index)} is a control character`);
    const split = note.lastIndexOf('\n\n');
    if (split < 0) fail('note: no empty line before the signatures');
    const text = note.slice(0, split + 1);
    const sigs = note.slice(split + 2);
    if (sigs === '') fail('note: no signature line');
    if (!note.endsWith('\n')) fail('note: does not end in a newline');
    const lines = sigs.slice(0, -1).split('\n').map((line, i) => {
        const n = i + 1;
        if (!line.startsWith(EM_DASH)) fail(`signature line ${n}: does not begin with an em dash`);
        const rest = line.slice(EM_DASH.length);
        const sp = rest.indexOf(' ');
        const name = sp < 0 ? '' : rest.slice(0, sp);
        if (!nameOk(name)) fail(`signature line ${n}: no valid key name`);
        const b64 = rest.slice(sp + 1);
        const raw = b64 === '' ? null : fromBase64(b64);
        if (raw === null) return fail(`signature line ${n}: not canonical padded base64`);
        if (raw.length < 5) fail(`signature line ${n}: no signature after the key ID`);
        return { name, id: be32(raw), sig: raw.subarray(4) };
    });
    const msg = utf8(text);
    let seen = false;
    for (const l of lines) {
        if (l.name !== key.name || l.id !== key.id) continue; // another key's: ignored
        const ok = key.type === 'ed25519'
            ? l.sig.length === 64 && verifyEd25519(key.publicKey, msg, l.sig)
            : verifyCompositeMessage('mldsa65+ed25519', key.publicKey, msg, l.sig);
        if (!ok) fail(`signature by ${key.name}+${hex8(key.id)} does not verify`);
        seen = true;
    }
    if (!seen) fail(`note: no signature by ${key.name}+${hex8(key.id)}`);
    return text;
}

/** A checkpoint body: origin, canonical decimal size below 2^64, canonical base64 of a 32-byte
 * root, then any non-empty extension lines. */
function parseCheckpoint(text: string): Checkpoint {
    const fail = (what: string): never => {
        throw new NoteError(`checkpoint: ${what}`);
    };
    if (!text.endsWith('\n')) fail('does not end in a newline');
    const lines = text.slice(0, -1).split('\n');
    const empty = lines.findIndex((l) => l === '');
    if (empty >= 0) fail(`line ${empty + 1} is empty`);
    if (lines.length < 3) fail(`${lines.length} lines, not origin, size and root`);
    const [origin, size, root] = lines as [string, string, string];
    if (utf8Length(origin) > ORIGIN_MAX) fail(`origin over ${ORIGIN_MAX} bytes`);
    if (!/^(0|[1-9][0-9]{0,19})$/.test(size) || BigInt(size) > U64_MAX) fail('tree size is not a canonical decimal number below 2^64');
    const r = root.length === 44 ? fromBase64(root) : null;
    if (r === null || r.length !== 32) return fail('root hash is not canonical base64 of 32 bytes');
    return { origin, size: BigInt(size), root: r, text };
}

/**
 * Whether note is a checkpoint signed by the log key (signed-note: the key's line must verify;
 * lines of other keys are ignored; a line of the key that does not verify rejects) of the
 * key's own log: origin "<key name>/org_<26 Crockford base32>". The key as readLogKey takes it
 * (a malformed key throws InvalidInputError); a note that is not such a checkpoint resolves
 * with ok false and why.
 */
export function verifyCheckpoint(note: string, logKey: unknown): CheckpointVerdict {
    const key = readLogKey(logKey);
    try {
        const cp = parseCheckpoint(openNote(note, key));
        if (!cp.origin.startsWith(`${key.name}/`) || !ORG_ID.test(cp.origin.slice(key.name.length + 1))) {
            return { ok: false, detail: `checkpoint origin "${cp.origin.slice(0, 80)}" is not ${key.name}/<organisation id>` };
        }
        return { ok: true, checkpoint: cp };
    } catch (e) {
        if (e instanceof NoteError) return { ok: false, detail: e.message };
        throw e;
    }
}

// ---- Merkle trees (RFC 9162 §2.1) ----

/** SHA-256(0x00 || entry): the leaf hash of an entry (its UTF-8 bytes when text). */
export function leafHash(entry: string | Uint8Array): Uint8Array {
    return sha256(concat(new Uint8Array([0]), typeof entry === 'string' ? utf8(entry) : entry));
}

const node = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(concat(new Uint8Array([1]), l, r));

function equal(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
    return d === 0;
}

/** Proof hashes given as base64 text (as the API writes them) or bytes: null when one is not
 * 32 bytes, or when there are more than fit any tree. */
function hashes(proof: readonly (string | Uint8Array)[]): Uint8Array[] | null {
    if (!Array.isArray(proof) || proof.length > PROOF_MAX + 1) return null;
    const out: Uint8Array[] = [];
    for (const p of proof) {
        const h = typeof p === 'string' ? fromBase64(p) : p instanceof Uint8Array ? p : null;
        if (h === null || h.length !== 32) return null;
        out.push(h);
    }
    return out;
}

const big = (n: bigint | number): bigint | null => {
    if (typeof n === 'bigint') return n >= 0n && n <= U64_MAX ? n : null;
    return Number.isSafeInteger(n) && n >= 0 ? BigInt(n) : null;
};

/**
 * Whether proof shows the leaf hash `leaf` at `index` in the tree of `size` leaves whose root
 * is `root` (RFC 9162 §2.1.3.2). Proof hashes as base64 text or bytes.
 */
export function verifyInclusion(leaf: Uint8Array, index: bigint | number, size: bigint | number,
    proof: readonly (string | Uint8Array)[], root: Uint8Array): boolean {
    const i = big(index);
    const n = big(size);
    const p = hashes(proof);
    if (i === null || n === null || p === null || p.length > PROOF_MAX || i >= n || leaf.length !== 32) return false;
    let fn = i;
    let sn = n - 1n;
    let r = leaf;
    for (const h of p) {
        if (sn === 0n) return false;
        if ((fn & 1n) === 1n || fn === sn) {
            r = node(h, r);
            while ((fn & 1n) === 0n && fn !== 0n) {
                fn >>= 1n;
                sn >>= 1n;
            }
        } else {
            r = node(r, h);
        }
        fn >>= 1n;
        sn >>= 1n;
    }
    return sn === 0n && equal(r, root);
}

/**
 * Whether proof (GET /v1/log/proof's consistencyProof) shows that the log at `older` is a
 * prefix of the log at `newer` (RFC 9162 §2.1.4.2): both checkpoints of one origin, as
 * verifyCheckpoint gives them. Equal sizes need equal roots and an empty proof.
 */
export function verifyConsistency(older: Pick<Checkpoint, 'origin' | 'size' | 'root'>, newer: Pick<Checkpoint, 'origin' | 'size' | 'root'>,
    proof: readonly (string | Uint8Array)[]): boolean {
    const p = hashes(proof);
    const m = big(older.size);
    const n = big(newer.size);
    if (p === null || m === null || n === null || older.origin !== newer.origin || m > n) return false;
    if (m === 0n) return p.length === 0;
    if (m === n) return p.length === 0 && equal(older.root, newer.root);
    if (p.length === 0) return false;
    // When m is a power of two, the old root is the path's implicit first element.
    const path = (m & (m - 1n)) === 0n ? [older.root, ...p] : p;
    let fn = m - 1n;
    let sn = n - 1n;
    while ((fn & 1n) === 1n) {
        fn >>= 1n;
        sn >>= 1n;
    }
    let fr = path[0] as Uint8Array;
    let sr = fr;
    for (const c of path.slice(1)) {
        if (sn === 0n) return false;
        if ((fn & 1n) === 1n || fn === sn) {
            fr = node(c, fr);
            sr = node(c, sr);
            while ((fn & 1n) === 0n && fn !== 0n) {
                fn >>= 1n;
                sn >>= 1n;
            }
        } else {
            sr = node(sr, c);
        }
        fn >>= 1n;
        sn >>= 1n;
    }
    return sn === 0n && equal(fr, older.root) && equal(sr, newer.root);
}

// ---- the log entry ----

/** An entry's text field: 1..127 bytes of 0x21..0x7e, so that no field can add a field or a
 * line (as the log writes them: a sign result with another one cannot be in the log). */
const field = (s: string): boolean => /^[\x21-\x7e]{1,127}$/.test(s);

/** What the entry takes from the attestation document: its moduleId ('-' when it has none) and
 * its counter (used when the sign result has none). */
export interface DocFacts {
    moduleId: string;
    counter?: number;
}

/** The entry of DESIGN §13 for a sign result, the key version's public key bytes and what its
 * document says (null without attestation), or why it cannot be built. */
export function buildEntry(sr: ParsedSignResult, publicKey: Uint8Array, doc: DocFacts | null): { entry: string } | { error: string } {
    const text: [string, string][] = [['id', sr.id], ['keyId', sr.keyId], ['algorithm', sr.algorithm], ['createdAt', sr.createdAt]];
    const a = sr.attestation;
    let attestation = 'none';
    let verdict = 'pass -';
    if (a !== null) {
        const raw = fromBase64(a.docB64);
        if (raw === null || raw.length === 0 || doc === null) return { error: 'attestation.docB64: not base64 of a document' };
        const counter = a.counter ?? (doc.counter === undefined ? null : BigInt(doc.counter));
        if (counter === null) return { error: 'attestation.counter: missing, and the document names none' };
        text.push(['attestation.vendor', a.vendor], ['the document\'s moduleId', doc.moduleId]);
        attestation = `${a.vendor} ${doc.moduleId} ${counter} ${toHex(sha256(raw))}`;
        if (a.verdict === 'fail') {
            const reason = a.reason === '' ? '-' : a.reason;
            if (reason !== '-') text.push(['attestation.reason', reason]);
            verdict = `fail ${reason}`;
        }
    }
    for (const [what, v] of text) {
        if (!field(v)) return { error: `${what} "${v.slice(0, 40)}": not 1..127 printable ASCII characters without spaces, as the log writes it` };
    }
    if (!isHex64(sr.payloadSha256)) return { error: 'payloadSha256: not 64 lowercase hex characters' };
    const entry = [
        'postq-log-entry/v1',
        `signature ${sr.id}`,
        `key ${sr.keyId} ${sr.keyVersion ?? 1n} ${sr.algorithm} ${toHex(sha256(publicKey))}`,
        `payload ${sr.payloadSha256}`,
        `sig ${toHex(sha256(sr.signature))}`,
        `attestation ${attestation}`,
        `verdict ${verdict}`,
        `created ${sr.createdAt}`,
    ].join('\n');
    return { entry: `${entry}\n` };
}

/**
 * The sign result's transparency member, null when it has none (or null). Its JSON types are
 * checked, as readSignResult checks the rest (InvalidInputError, "transparency.…"); what they
 * hold (the note, the proof's base64) is for the verifier to judge.
 */
export function readTransparency(signResult: unknown): ParsedTransparency | null {
    let o: JsonValue;
    try {
        o = parseJson(jsonText('sign result', signResult));
    } catch (e) {
        if (e instanceof InvalidInputError) throw e;
        throw new InvalidInputError(`sign result: not JSON (${(e as Error).message})`);
    }
    if (!isObject(o)) throw new InvalidInputError('sign result: not a JSON object');
    const t = o['transparency'];
    if (t === undefined || t === null) return null;
    if (!isObject(t)) throw new InvalidInputError('transparency: not an object');
    const i = t['logIndex'];
    if (!has(t, 'logIndex')) throw new InvalidInputError('transparency.logIndex: missing');
    // The C SDK's limits, so that both refuse the same sign results as malformed.
    if (!(i instanceof JsonInt) || i.text.startsWith('-') || BigInt(i.text) > I63_MAX) {
        throw new InvalidInputError('transparency.logIndex: not an integer in 0..2^63-1');
    }
    const cp = t['checkpoint'];
    if (typeof cp !== 'string') throw new InvalidInputError(`transparency.checkpoint: ${has(t, 'checkpoint') ? 'not a string' : 'missing'}`);
    if (utf8Length(cp) > NOTE_MAX) throw new InvalidInputError(`transparency.checkpoint: longer than ${NOTE_MAX} bytes`);
    const p = t['inclusionProof'];
    if (!Array.isArray(p) || !p.every((x) => typeof x === 'string')) {
        throw new InvalidInputError(`transparency.inclusionProof: ${has(t, 'inclusionProof') ? 'not an array of strings' : 'missing'}`);
    }
    if (p.length > PROOF_MAX) throw new InvalidInputError(`transparency.inclusionProof: more than ${PROOF_MAX} hashes`);
    const bad = p.findIndex((x) => x.length !== 44 || hashes([x]) === null);
    if (bad >= 0) throw new InvalidInputError(`transparency.inclusionProof[${bad}]: not base64 of 32 bytes`);
    return { logIndex: BigInt(i.text), checkpoint: cp, inclusionProof: p as string[] };
}

/** What the log checks found: the rebuilt entry, where it is, and the checkpoint it is in. */
export interface LogInclusion {
    logIndex: number;
    /** the checkpoint's origin, tree size and root hash (base64) */
    origin: string;
    treeSize: number;
    rootHash: string;
    /** the key that signed the checkpoint (name+id) */
    key: string;
    entry: string;
}

/**
 * The log checks of verifySignResult, after every other check passed: log_checkpoint_invalid
 * (the checkpoint is not signed by the key, or not of its log), then log_proof_invalid (no
 * transparency member, or the rebuilt entry not included at logIndex; readTransparency has
 * refused malformed proof hashes). fail(check, detail) records a failure, pass(check) a pass.
 */
export function logChecks(sr: ParsedSignResult, t: ParsedTransparency | null, key: LogKey, publicKey: Uint8Array,
    doc: () => DocFacts | { error: string } | null,
    pass: (c: 'log_checkpoint_invalid' | 'log_proof_invalid') => void,
    fail: (c: 'log_checkpoint_invalid' | 'log_proof_invalid', detail: string) => void): LogInclusion | null {
    if (t === null) {
        fail('log_proof_invalid', 'the sign result carries no transparency member (no proof that it is in the log)');
        return null;
    }
    const v = verifyCheckpoint(t.checkpoint, key);
    if (!v.ok) {
        fail('log_checkpoint_invalid', v.detail);
        return null;
    }
    pass('log_checkpoint_invalid');
    const cp = v.checkpoint;
    const proof = hashes(t.inclusionProof); // readTransparency refused any other hash, or too many
    if (proof === null) {
        fail('log_proof_invalid', 'transparency.inclusionProof: not base64 of 32-byte hashes');
        return null;
    }
    if (t.logIndex >= cp.size) {
        fail('log_proof_invalid', `logIndex ${t.logIndex} is not in the checkpoint's tree of ${cp.size} entries`);
        return null;
    }
    const facts = doc();
    const e = facts !== null && 'error' in facts ? facts : buildEntry(sr, publicKey, facts);
    if ('error' in e) {
        fail('log_proof_invalid', `the log entry cannot be rebuilt: ${e.error}`);
        return null;
    }
    if (!verifyInclusion(leafHash(e.entry), t.logIndex, cp.size, proof, cp.root)) {
        fail('log_proof_invalid', `the rebuilt log entry is not at logIndex ${t.logIndex} in the checkpoint's tree of ${cp.size} entries`);
        return null;
    }
    pass('log_proof_invalid');
    return {
        logIndex: Number(t.logIndex), origin: cp.origin, treeSize: Number(cp.size), rootHash: toBase64(cp.root),
        key: `${key.name}+${hex8(key.id)}`, entry: e.entry,
    };
}
