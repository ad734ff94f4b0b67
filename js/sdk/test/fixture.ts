// SPDX-License-Identifier: Apache-2.0
// Test fixtures made here, with noble: a mock enclave root, a composite key, a genuinely
// signed payload, its attestation document (a JWS, docs/formats.md) and sign result, and the
// policy that pins them; composite enclave roots (ML-DSA-65 + Ed25519) and documents they
// sign with JWS alg "ML-DSA-65-Ed25519". Each test breaks one piece. (The parity test, tests/e2e/45-sdk-parity.sh,
// uses fixtures made by PostQ's own C instead.)

import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

import { ALGORITHMS, type Algorithm } from '../src/formats.js';
import { toBase64, toHex, utf8 } from '../src/encoding.js';

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const seed = (n: number, len = 32): Uint8Array => new Uint8Array(len).fill(n);

export interface Fixture {
    payload: Uint8Array;
    signResult: Record<string, unknown> & { attestation: Record<string, unknown> };
    policy: { id: string; name: string; vendor: string; matchRules: Record<string, unknown>; enforce: boolean; createdAt: string };
    key: { id: string; algorithm: Algorithm; publicKeyB64: string };
    publicKey: Uint8Array;
    rootSecret: Uint8Array;
    claims: Record<string, unknown>;
    header: Record<string, unknown>;
}

export function compositeSign(alg: Algorithm, mlSk: Uint8Array, edSk: Uint8Array, payload: Uint8Array): Uint8Array {
    const a = ALGORITHMS[alg];
    const ph = alg === 'mldsa87+ed448' ? shake256(payload, { dkLen: 64 }) : sha512(payload);
    const label = utf8(a.label);
    const m = new Uint8Array([...utf8('CompositeAlgorithmSignatures2025'), ...label, 0, ...ph]);
    const ml = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 }[a.level];
    const s1 = ml.sign(m, mlSk, { context: label });
    const s2 = a.level === 87 ? ed448.sign(m, edSk) : ed25519.sign(m, edSk);
    return new Uint8Array([...s1, ...s2]);
}

/** Sign a JWS of claims with the root, the header given. */
export function jws(header: unknown, claims: unknown, rootSecret: Uint8Array): string {
    const input = `${b64u(utf8(JSON.stringify(header)))}.${b64u(utf8(JSON.stringify(claims)))}`;
    return `${input}.${b64u(ed25519.sign(utf8(input), rootSecret))}`;
}

export const docB64Of = (jwsText: string): string => toBase64(utf8(jwsText));

/** An Ed25519 enclave root from a seed byte: its secret and its rootPublicKeyB64. */
export function edRoot(n: number): { secret: Uint8Array; publicKeyB64: string } {
    return { secret: seed(n), publicKeyB64: toBase64(ed25519.getPublicKey(seed(n))) };
}

/** A composite mldsa65+ed25519 enclave root from a seed byte: ML-DSA-65 keypair || Ed25519. */
export interface CompositeRoot {
    mlSk: Uint8Array;
    edSk: Uint8Array;
    /** 1984 bytes: ML-DSA-65 pk (1952) || Ed25519 pk (32) */
    publicKey: Uint8Array;
    publicKeyB64: string;
}

export function compositeRoot(n: number): CompositeRoot {
    const mk = ml_dsa65.keygen(seed(n));
    const edSk = seed(n + 1);
    const publicKey = new Uint8Array([...mk.publicKey, ...ed25519.getPublicKey(edSk)]);
    return { mlSk: mk.secretKey, edSk, publicKey, publicKeyB64: toBase64(publicKey) };
}

/** A JWS of claims signed by a composite root: the composite signature (empty ctx) over the
 * ASCII signing input, as the header's alg (normally "ML-DSA-65-Ed25519") says. */
export function jwsComposite(header: unknown, claims: unknown, root: CompositeRoot): string {
    const input = `${b64u(utf8(JSON.stringify(header)))}.${b64u(utf8(JSON.stringify(claims)))}`;
    return `${input}.${b64u(compositeSign('mldsa65+ed25519', root.mlSk, root.edSk, utf8(input)))}`;
}

export function makeFixture(alg: Algorithm = 'mldsa65+ed25519', opts: { timestamp?: number; payload?: Uint8Array; keySeed?: number } = {}): Fixture {
    const level = ALGORITHMS[alg].level;
    const ml = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 }[level];
    const k = opts.keySeed ?? 7;
    const mk = ml.keygen(seed(k));
    const edSk = level === 87 ? seed(k + 2, 57) : seed(k + 2);
    const edPk = level === 87 ? ed448.getPublicKey(edSk) : ed25519.getPublicKey(edSk);
    const publicKey = new Uint8Array([...mk.publicKey, ...edPk]);
    const payload = opts.payload ?? utf8('release artifact 1.0\n');
    const sig = compositeSign(alg, mk.secretKey, edSk, payload);
    const rootSecret = seed(3);
    const rootPk = ed25519.getPublicKey(rootSecret);
    const image = toHex(sha256(utf8('postq-enclave image')));
    const timestamp = opts.timestamp ?? Date.UTC(2026, 10, 30, 12, 0, 0);
    const header = { alg: 'Ed25519', typ: 'postq-attestation+jws', kid: 'root-1' };
    const claims = {
        v: 1, vendor: 'mock', moduleId: 'mod_test', imageHash: image, keyId: 'key_01TEST', algorithm: alg,
        publicKeySha256: toHex(sha256(publicKey)), payloadSha256: toHex(sha256(payload)), sigSha256: toHex(sha256(sig)),
        counter: 42, nonce: b64u(seed(5)), timestamp,
    };
    const doc = jws(header, claims, rootSecret);
    const createdAt = new Date(timestamp + 150).toISOString();
    return {
        payload,
        publicKey,
        rootSecret,
        claims,
        header,
        key: { id: 'key_01TEST', algorithm: alg, publicKeyB64: toBase64(publicKey) },
        policy: {
            id: 'pol_01TEST', name: 'test', vendor: 'mock', enforce: true, createdAt: '2026-11-01T00:00:00Z',
            matchRules: { allowedImageHashes: [image], rootPublicKeyB64: toBase64(rootPk), maxDocAgeSeconds: 300 },
        },
        signResult: {
            id: 'sig_01TEST', keyId: 'key_01TEST', keyVersion: 1, algorithm: alg, payloadSha256: toHex(sha256(payload)),
            signatureB64: toBase64(sig), createdAt,
            attestation: { vendor: 'mock', imageHash: image, counter: 42, docB64: docB64Of(doc), verdict: 'pass' },
        },
    };
}

/** The sign result with its document replaced by one of other claims/header, re-signed. */
export function resigned(f: Fixture, claims: Record<string, unknown>, header: Record<string, unknown> = f.header): Fixture['signResult'] {
    return withDoc(f, jws(header, claims, f.rootSecret));
}

/** The sign result with its document replaced by the JWS given. */
export function withDoc(f: Fixture, jwsText: string): Fixture['signResult'] {
    return { ...f.signResult, attestation: { ...f.signResult.attestation, docB64: docB64Of(jwsText) } };
}
