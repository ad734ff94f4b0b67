// SPDX-License-Identifier: Apache-2.0
// The verifiers on fixtures signed here: every reason code of docs/verification.md that a mock
// document can produce, in order, with its detail; the inputs they refuse (InvalidInputError);
// the three algorithms' composite signatures, each half tampered.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { InvalidInputError, publicKeyPem, readPublicKey, verifyAttestationDoc, verifySignResult, type Verdict } from '../src/index.js';
import { ALGORITHMS, type Algorithm } from '../src/formats.js';
import { toBase64 } from '../src/encoding.js';
import { makeFixture, resigned, jws, docB64Of } from './fixture.js';

const f = makeFixture();
const created = Date.parse(f.signResult.createdAt as string);
const pem = publicKeyPem;

const fails = (v: Verdict, reason: string, detail?: string | RegExp): void => {
    assert.equal(v.ok, false, `expected ${reason}, got a pass`);
    assert.equal(v.reason, reason, `detail: ${v.detail}`);
    if (typeof detail === 'string') assert.equal(v.detail, detail);
    else if (detail !== undefined) assert.match(v.detail ?? '', detail);
    const last = v.checks[v.checks.length - 1];
    assert.deepEqual(last, { check: reason, result: 'fail' });
    assert.ok(v.checks.slice(0, -1).every((c) => c.result === 'pass'));
};

const full = (o: Partial<Parameters<typeof verifySignResult>[0]> = {}): Promise<Verdict> =>
    verifySignResult({ signResult: f.signResult, payload: f.payload, publicKey: f.key, policy: f.policy, ...o });

test('a genuine sign result passes all 13 checks, judged at its createdAt', async () => {
    const v = await full();
    assert.equal(v.ok, true, v.detail);
    assert.deepEqual(v.checks.map((c) => c.check), ['doc_malformed', 'vendor_mismatch', 'vendor_unsupported', 'doc_alg_unsupported',
        'doc_signature_invalid', 'image_not_allowed', 'doc_stale', 'doc_from_future', 'result_mismatch', 'payload_hash_mismatch',
        'sig_hash_mismatch', 'key_mismatch', 'signature_invalid']);
    assert.equal(v.at, f.signResult.createdAt);
    assert.equal(v.claims?.counter, 42);
    assert.equal(v.claims?.signedAt, '2026-11-30T12:00:00Z');
});

for (const alg of Object.keys(ALGORITHMS) as Algorithm[]) {
    const g = makeFixture(alg);
    const mlBytes = ALGORITHMS[alg].sig - (alg === 'mldsa87+ed448' ? 114 : 64);
    const flip = (i: number): Record<string, unknown> => {
        const b = Buffer.from(g.signResult.signatureB64 as string, 'base64');
        b[i] = (b[i] as number) ^ 0x01;
        return { ...g.signResult, signatureB64: b.toString('base64') };
    };
    test(`${alg}: verifies; with the key as JSON, PEM and raw bytes`, async () => {
        for (const publicKey of [g.key, JSON.stringify(g.key), pem(alg, g.publicKey), g.publicKey]) {
            const v = await verifySignResult({ signResult: g.signResult, payload: g.payload, publicKey });
            assert.equal(v.ok, true, v.detail);
            assert.deepEqual(v.checks.map((c) => c.check), ['key_mismatch', 'payload_hash_mismatch', 'signature_invalid']);
        }
    });
    test(`${alg}: a tampered ML-DSA half is signature_invalid`, async () => {
        const v = await verifySignResult({ signResult: flip(100), payload: g.payload, publicKey: g.key });
        fails(v, 'signature_invalid', 'the composite signature does not verify under the public key');
    });
    test(`${alg}: a tampered EdDSA half is signature_invalid`, async () => {
        const v = await verifySignResult({ signResult: flip(mlBytes + 3), payload: g.payload, publicKey: g.key });
        fails(v, 'signature_invalid');
    });
    test(`${alg}: with the policy, a tampered ML-DSA half is sig_hash_mismatch (the document names the signature)`, async () => {
        const v = await verifySignResult({ signResult: flip(5), payload: g.payload, publicKey: g.key, policy: g.policy });
        fails(v, 'sig_hash_mismatch', 'sigSha256 does not match');
    });
}

test('a payload as string, ArrayBuffer and Blob hashes the same bytes', async () => {
    const text = new TextDecoder().decode(f.payload);
    for (const payload of [text, f.payload.slice().buffer, new Blob([f.payload.slice()])]) {
        const v = await full({ payload });
        assert.equal(v.ok, true, v.detail);
    }
});

test('a signature made over another payload is signature_invalid without a policy', async () => {
    const other = makeFixture('mldsa65+ed25519', { payload: new TextEncoder().encode('other') });
    const sr = { ...f.signResult, signatureB64: other.signResult.signatureB64 };
    fails(await verifySignResult({ signResult: sr, payload: f.payload, publicKey: f.key }), 'signature_invalid');
});

test('doc_malformed: base64, JWS shape, claims', async () => {
    const att = f.signResult.attestation;
    const with_ = (docB64: string) => ({ ...f.signResult, attestation: { ...att, docB64 } });
    fails(await full({ signResult: with_('not base64!') }), 'doc_malformed', 'docB64: not canonical padded base64 of a document');
    fails(await full({ signResult: with_(docB64Of('a.b')) }), 'doc_malformed', 'jws: not three dot-separated parts');
    fails(await full({ signResult: with_(docB64Of('a.b.c.d')) }), 'doc_malformed', 'jws: more than three parts');
    const c = { ...f.claims, v: 2 };
    fails(await full({ signResult: resigned(f, c) }), 'doc_malformed', 'claims.v: version 2, expected 1');
    const { nonce: _n, ...noNonce } = f.claims;
    fails(await full({ signResult: resigned(f, noNonce) }), 'doc_malformed', 'claims.nonce: missing');
    fails(await full({ signResult: resigned(f, { ...f.claims, counter: -1 }) }), 'doc_malformed', 'claims.counter: not a non-negative integer');
});

test('doc_malformed: a sign result without a document, under a policy', async () => {
    const { attestation: _a, ...bare } = f.signResult;
    fails(await full({ signResult: bare }), 'doc_malformed', 'the sign result carries no attestation document (a key of a non-enclave provider?)');
    const v = await verifySignResult({ signResult: bare, payload: f.payload, publicKey: f.key });
    assert.equal(v.ok, true, 'without a policy the signature alone is checked');
});

test('vendor_mismatch: declared, and the document\'s', async () => {
    const sr = { ...f.signResult, attestation: { ...f.signResult.attestation, vendor: 'aws-nitro-enclave' } };
    fails(await full({ signResult: sr }), 'vendor_mismatch', 'declared vendor "aws-nitro-enclave", policy vendor "mock"');
    fails(await full({ signResult: resigned(f, { ...f.claims, vendor: 'gcp' }) }), 'vendor_mismatch', 'document vendor "gcp", policy vendor "mock"');
});

test('vendor_unsupported: a hardware vendor\'s policy', async () => {
    const policy = { ...f.policy, vendor: 'aws-nitro-enclave', matchRules: { pcrs: { 0: ['00'] } } };
    const v = await verifyAttestationDoc({ docB64: 'AAAA', vendor: 'aws-nitro-enclave', policy });
    fails(v, 'vendor_unsupported', /no verifier for vendor "aws-nitro-enclave" in @postq\/sdk/);
});

test('doc_alg_unsupported: alg, crit, typ', async () => {
    fails(await full({ signResult: resigned(f, f.claims, { ...f.header, alg: 'none' }) }), 'doc_alg_unsupported', 'header alg "none": only Ed25519, EdDSA or ML-DSA-65-Ed25519');
    fails(await full({ signResult: resigned(f, f.claims, { ...f.header, crit: ['x'] }) }), 'doc_alg_unsupported', 'header has crit: no extension is understood');
    fails(await full({ signResult: resigned(f, f.claims, { ...f.header, typ: 'JWT' }) }), 'doc_alg_unsupported', 'header typ "JWT": expected "postq-attestation+jws"');
});

test('doc_signature_invalid: another root signed it', async () => {
    const doc = jws(f.header, f.claims, new Uint8Array(32).fill(99));
    const sr = { ...f.signResult, attestation: { ...f.signResult.attestation, docB64: docB64Of(doc) } };
    fails(await full({ signResult: sr }), 'doc_signature_invalid', 'Ed25519 signature does not verify under the pinned root key');
});

test('image_not_allowed', async () => {
    const policy = { ...f.policy, matchRules: { ...f.policy.matchRules, allowedImageHashes: ['0'.repeat(64)] } };
    fails(await full({ policy }), 'image_not_allowed', 'imageHash is not in allowedImageHashes');
});

test('doc_stale at an --at an hour later; the detail names both times', async () => {
    fails(await full({ at: created + 3600e3 }), 'doc_stale', 'signed 2026-11-30T12:00:00Z, 3600 s before 2026-11-30T13:00:00.150Z; the policy allows 300 s');
});

test('doc_from_future: before the document, and a createdAt past the clock', async () => {
    fails(await full({ at: '2026-11-30T11:00:00Z' }), 'doc_from_future', 'signed 2026-11-30T12:00:00Z, 3600 s after the reference time 2026-11-30T11:00:00Z; 60 s of clock skew allowed');
    fails(await full({ clock: created - 86400e3 }), 'doc_from_future', /after the clock's time/);
});

test('result_mismatch: each field the document carries', async () => {
    const sr = f.signResult;
    const att = sr.attestation;
    fails(await full({ signResult: { ...sr, keyId: 'key_other' } }), 'result_mismatch', 'keyId "key_other", document keyId "key_01TEST"');
    fails(await full({ signResult: { ...sr, payloadSha256: '1'.repeat(64) } }), 'result_mismatch', 'payloadSha256 differs from the document\'s');
    fails(await full({ signResult: { ...sr, attestation: { ...att, counter: 43 } } }), 'result_mismatch', 'attestation.counter 43, document counter 42');
    fails(await full({ signResult: { ...sr, attestation: { ...att, imageHash: 'ab' } } }), 'result_mismatch', /^attestation.imageHash ab, document imageHash /);
});

test('payload_hash_mismatch, with and without a policy', async () => {
    fails(await full({ payload: 'another file' }), 'payload_hash_mismatch', 'payloadSha256 does not match');
    fails(await verifySignResult({ signResult: f.signResult, payload: 'x', publicKey: f.key }), 'payload_hash_mismatch',
        'the payload\'s SHA-256 differs from the sign result\'s payloadSha256');
});

test('key_mismatch: another key, another algorithm', async () => {
    const other = makeFixture('mldsa44+ed25519');
    fails(await full({ publicKey: other.key }), 'key_mismatch', 'key algorithm "mldsa44+ed25519", document algorithm "mldsa65+ed25519"');
    const k = Buffer.from(f.publicKey);
    k[7] = (k[7] as number) ^ 1;
    fails(await full({ publicKey: { ...f.key, publicKeyB64: k.toString('base64') } }), 'key_mismatch', 'publicKeySha256 does not match');
    fails(await verifySignResult({ signResult: f.signResult, payload: f.payload, publicKey: other.key }), 'key_mismatch',
        'the public key is mldsa44+ed25519, the signature mldsa65+ed25519');
});

test('verifyAttestationDoc: a bare document is judged now (stale), or at a time given', async () => {
    const docB64 = f.signResult.attestation.docB64 as string;
    fails(await verifyAttestationDoc({ docB64, vendor: 'mock', policy: f.policy }), 'doc_stale');
    const v = await verifyAttestationDoc({ docB64, vendor: 'mock', policy: f.policy, at: new Date(created) });
    assert.equal(v.ok, true, v.detail);
    assert.ok(!v.checks.some((c) => c.check === 'result_mismatch'), 'no sign result: no result_mismatch check');
    const w = await verifyAttestationDoc({ docB64, vendor: 'mock', policy: JSON.stringify(f.policy), payload: f.payload, signResult: f.signResult });
    assert.equal(w.ok, true, w.detail);
    fails(await verifyAttestationDoc({ docB64, vendor: 'mock', policy: f.policy, payload: 'other', at: created }), 'payload_hash_mismatch');
});

test('malformed input throws InvalidInputError in the CLI\'s words; a rejected document never throws', async () => {
    const bad = async (p: Promise<unknown>, msg: string | RegExp): Promise<void> => {
        await assert.rejects(p, (e: unknown) => e instanceof InvalidInputError && (typeof msg === 'string' ? e.message === msg : msg.test(e.message)));
    };
    await bad(full({ policy: { ...f.policy, matchRules: { ...f.policy.matchRules, allowAnyImage: true } } }), 'policy: matchRules.allowAnyImage: not a rule of this vendor');
    await bad(full({ policy: { ...f.policy, matchRules: { ...f.policy.matchRules, allowedImageHashes: [] } } }), 'policy: matchRules.allowedImageHashes: empty (policies fail closed)');
    await bad(full({ policy: { ...f.policy, matchRules: { ...f.policy.matchRules, rootPublicKeyB64: toBase64(new Uint8Array(32)) } } }), /not a usable Ed25519 public key/);
    await bad(full({ policy: '{"vendor":"mock","vendor":"mock"}' }), /policy: not JSON \(duplicate member "vendor"/);
    await bad(full({ policy: { ...f.policy, vendor: 'tpm' } }), 'policy: vendor: unknown vendor');
    await bad(full({ policy: { ...f.policy, matchRules: { ...f.policy.matchRules, maxDocAgeSeconds: 0 } } }), 'policy: matchRules.maxDocAgeSeconds: not an integer in 1..315360000');
    await bad(full({ signResult: { ...f.signResult, algorithm: 'mldsa65+rsa' } }), 'algorithm: unknown algorithm "mldsa65+rsa"');
    await bad(full({ signResult: { ...f.signResult, createdAt: 'yesterday' } }), 'createdAt: "yesterday" is not an RFC 3339 time');
    await bad(full({ signResult: { ...f.signResult, signatureB64: 'AAAA' } }), 'signatureB64: not base64 of 3373 bytes (mldsa65+ed25519)');
    await bad(full({ publicKey: { algorithm: 'rsa', publicKeyB64: '' } }), 'public key: "algorithm" missing or unknown');
    await bad(full({ publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }), /^public key: not a PEM composite public key/);
    await bad(full({ at: 'soon' }), /^at: "soon" is neither RFC 3339/);
    await bad(full({ payload: 42 as unknown as string }), 'payload: a Uint8Array, ArrayBuffer, Blob or string');
    await bad(verifyAttestationDoc({ docB64: 'QQ==', policy: f.policy, signResult: f.signResult }), 'docB64: not the sign result\'s attestation.docB64');
});

test('readPublicKey: PEM, DER and JSON give the same key', () => {
    const a = readPublicKey(pem('mldsa65+ed25519', f.publicKey));
    assert.equal(a.algorithm, 'mldsa65+ed25519');
    assert.deepEqual(a.bytes, f.publicKey);
    const der = Buffer.from(pem('mldsa65+ed25519', f.publicKey).replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
    assert.deepEqual(readPublicKey(new Uint8Array(der)).bytes, f.publicKey);
    assert.deepEqual(readPublicKey(f.key).bytes, f.publicKey);
    assert.deepEqual(readPublicKey(readPublicKey(f.key)), a, 'its own result reads as itself');
});

test('hostile input: 2,000 random mutations of a sign result, policy and key either resolve or throw InvalidInputError', async () => {
    // A small deterministic generator, so a failure reproduces.
    let seed = 0x9e3779b9;
    const rnd = (n: number): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
    };
    const texts = {
        signResult: JSON.stringify(f.signResult),
        policy: JSON.stringify(f.policy),
        publicKey: JSON.stringify(f.key),
    };
    const alphabet = '{}[]":,0123456789-+.eE \\/ABCxyz=\u0000\u00ff\ud800';
    let resolved = 0;
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
        const which = (['signResult', 'policy', 'publicKey'] as const)[rnd(3)] ?? 'signResult';
        let t = texts[which];
        for (let k = 1 + rnd(3); k > 0; k--) {
            const at = rnd(t.length);
            const op = rnd(3);
            const ch = alphabet[rnd(alphabet.length)] as string;
            t = op === 0 ? t.slice(0, at) + ch + t.slice(at + 1) : op === 1 ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + ch + t.slice(at);
        }
        try {
            const v = await verifySignResult({ ...texts, [which]: t, payload: f.payload });
            assert.equal(typeof v.ok, 'boolean');
            if (!v.ok) assert.ok(v.reason !== undefined && typeof v.detail === 'string');
            resolved++;
        } catch (e) {
            assert.ok(e instanceof InvalidInputError, `${which} mutated to ${JSON.stringify(t.slice(0, 80))}…: ${(e as Error).stack}`);
            refused++;
        }
    }
    assert.ok(resolved > 100 && refused > 100, `resolved ${resolved}, refused ${refused}`);
});

test('hostile documents: 1,000 mutations of the JWS (re-encoded as valid base64) always resolve, never pass', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return (seed >>> 8) % n;
    };
    const jwsText = Buffer.from(f.signResult.attestation.docB64 as string, 'base64').toString('latin1');
    const alphabet = 'AZaz09-_.=+/{}"\u00e9\u0000';
    const reasons = new Set<string>();
    for (let i = 0; i < 1000; i++) {
        let t = jwsText;
        const at = rnd(t.length);
        const ch = alphabet[rnd(alphabet.length)] as string;
        t = rnd(2) === 0 ? t.slice(0, at) + ch + t.slice(at + 1) : t.slice(0, at) + t.slice(at + 1);
        if (t === jwsText) continue;
        const sr = { ...f.signResult, attestation: { ...f.signResult.attestation, docB64: docB64Of(t) } };
        const v = await verifySignResult({ signResult: sr, payload: f.payload, publicKey: f.key, policy: f.policy });
        assert.equal(v.ok, false, `a mutated document passed: ${t.slice(0, 60)}`);
        reasons.add(v.reason as string);
    }
    assert.ok(reasons.has('doc_malformed') && reasons.has('doc_signature_invalid'), [...reasons].join(','));
});
