// SPDX-License-Identifier: Apache-2.0
// A transparency log made here, with noble and nothing of the SDK's own log code: verifier keys
// (Ed25519, type 0x01; mldsa65+ed25519, type 0xff "postq-mldsa65+ed25519"), C2SP signed notes of
// checkpoints, RFC 9162 trees and proofs by the RFC's recursive definitions, and DESIGN §13
// entries of sign results. (tests/e2e/52-sdk-log.sh uses a log kept by PostQ's own C instead.)

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { toBase64, toHex, utf8 } from '../src/encoding.js';
import { compositeRoot, compositeSign, type CompositeRoot } from './fixture.js';

export const ORG = 'org_01M942TR7NN8DZGD50N90C2VTA';
const COMPOSITE_TYPE = new Uint8Array([0xff, ...utf8('postq-mldsa65+ed25519')]);

const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
        out.set(p, at);
        at += p.length;
    }
    return out;
};

/** A signer of notes: its name, key ID, verifier key text and signing function. */
export interface NoteKey {
    name: string;
    id: Uint8Array;
    vkey: string;
    sign(text: Uint8Array): Uint8Array;
}

function noteKey(name: string, typeBytes: Uint8Array, pk: Uint8Array, sign: (m: Uint8Array) => Uint8Array): NoteKey {
    const id = sha256(cat(utf8(name), new Uint8Array([0x0a]), typeBytes, pk)).slice(0, 4);
    return { name, id, vkey: `${name}+${toHex(id)}+${toBase64(cat(typeBytes, pk))}`, sign };
}

export function edNoteKey(name: string, seedByte: number): NoteKey {
    const seed = new Uint8Array(32).fill(seedByte);
    return noteKey(name, new Uint8Array([0x01]), ed25519.getPublicKey(seed), (m) => ed25519.sign(m, seed));
}

export function compositeNoteKey(name: string, seedByte: number): NoteKey & { root: CompositeRoot } {
    const root = compositeRoot(seedByte);
    const k = noteKey(name, COMPOSITE_TYPE, root.publicKey, (m) => compositeSign('mldsa65+ed25519', root.mlSk, root.edSk, m));
    return { ...k, root };
}

/** The signed note: text, an empty line, one "— name base64(id || sig)" line per key. */
export function signNote(text: string, keys: NoteKey[]): string {
    const t = utf8(text);
    return `${text}\n${keys.map((k) => `\u2014 ${k.name} ${toBase64(cat(k.id, k.sign(t)))}\n`).join('')}`;
}

export const checkpointText = (origin: string, size: number, root: Uint8Array): string => `${origin}\n${size}\n${toBase64(root)}\n`;

// ---- RFC 9162 §2.1, recursively ----

export const leafHash = (entry: string | Uint8Array): Uint8Array => sha256(cat(new Uint8Array([0]), typeof entry === 'string' ? utf8(entry) : entry));
const node = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(cat(new Uint8Array([1]), l, r));
const split = (n: number): number => {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
};

export function mth(d: Uint8Array[]): Uint8Array {
    if (d.length === 0) return sha256(new Uint8Array(0));
    if (d.length === 1) return d[0] as Uint8Array;
    const k = split(d.length);
    return node(mth(d.slice(0, k)), mth(d.slice(k)));
}

export function path(m: number, d: Uint8Array[]): Uint8Array[] {
    if (d.length === 1) return [];
    const k = split(d.length);
    return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
    if (m === d.length) return b ? [] : [mth(d)];
    const k = split(d.length);
    return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

export const consistency = (m: number, d: Uint8Array[]): Uint8Array[] => (m === 0 || m === d.length ? [] : subproof(m, d, true));

// ---- entries ----

export interface EntryFields {
    id: string;
    keyId: string;
    keyVersion: string;
    algorithm: string;
    pkSha: string;
    payload: string;
    sigSha: string;
    /** "none", or "vendor moduleId counter docSha" */
    attestation: string;
    verdict: string;
    created: string;
}

export function entryText(e: EntryFields): string {
    return `postq-log-entry/v1\nsignature ${e.id}\nkey ${e.keyId} ${e.keyVersion} ${e.algorithm} ${e.pkSha}\npayload ${e.payload}\n` +
        `sig ${e.sigSha}\nattestation ${e.attestation}\nverdict ${e.verdict}\ncreated ${e.created}\n`;
}

/** The fields of a sign result's entry (its document a mock JWS whose moduleId is given). */
export function entryFields(sr: Record<string, unknown>, publicKey: Uint8Array, moduleId = 'mod_test'): EntryFields {
    const hex = (b64: string): string => toHex(sha256(Buffer.from(b64, 'base64')));
    const a = sr['attestation'] as Record<string, unknown> | undefined;
    return {
        id: sr['id'] as string,
        keyId: sr['keyId'] as string,
        keyVersion: String(sr['keyVersion'] ?? 1),
        algorithm: sr['algorithm'] as string,
        pkSha: toHex(sha256(publicKey)),
        payload: sr['payloadSha256'] as string,
        sigSha: hex(sr['signatureB64'] as string),
        attestation: a === undefined ? 'none' : `${a['vendor'] as string} ${moduleId} ${a['counter'] as number} ${hex(a['docB64'] as string)}`,
        verdict: a !== undefined && a['verdict'] === 'fail' ? `fail ${(a['reason'] as string | undefined) ?? '-'}` : 'pass -',
        created: sr['createdAt'] as string,
    };
}

/** A log: its keys, origin and entries, and the transparency member of any entry. */
export class TestLog {
    readonly entries: string[] = [];
    constructor(readonly ed: NoteKey, readonly comp: NoteKey, readonly origin = `${ed.name}/${ORG}`) {}

    add(entry: string): number {
        this.entries.push(entry);
        return this.entries.length - 1;
    }

    get leaves(): Uint8Array[] {
        return this.entries.map(leafHash);
    }

    /** The checkpoint note of the first `size` entries, signed by the given keys. */
    note(size = this.entries.length, keys: NoteKey[] = [this.ed, this.comp], origin = this.origin): string {
        return signNote(checkpointText(origin, size, mth(this.leaves.slice(0, size))), keys);
    }

    /** {logIndex, checkpoint, inclusionProof} of entry `index` in the tree of `size`. */
    transparency(index: number, size = this.entries.length, keys?: NoteKey[]): { logIndex: number; checkpoint: string; inclusionProof: string[] } {
        return { logIndex: index, checkpoint: this.note(size, keys), inclusionProof: path(index, this.leaves.slice(0, size)).map(toBase64) };
    }
}

/** The log of the tests: name postq-log, an Ed25519 and a composite key. */
export const makeLog = (name = 'postq-log', seed = 21): TestLog => new TestLog(edNoteKey(name, seed), compositeNoteKey(name, seed + 1));
