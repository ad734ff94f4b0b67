// SPDX-License-Identifier: Apache-2.0
// Mock policies that pin several roots, Ed25519 and composite ML-DSA-65 + Ed25519: the pinned
// keys decide which header alg is acceptable, any root of that kind may have signed, a bad
// root throws. And a key JSON with versions: the sign result's keyVersion picks the key.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { InvalidInputError, readPolicy, readPublicKey, verifyAttestationDoc, verifySignResult, type Verdict } from '../src/index.js';
import { toBase64 } from '../src/encoding.js';
import { compositeRoot, edRoot, jws, jwsComposite, makeFixture, withDoc, type Fixture } from './fixture.js';

const f = makeFixture();
const ed = { secret: f.rootSecret, publicKeyB64: f.policy.matchRules['rootPublicKeyB64'] as string };
const edNew = edRoot(31);
const cRoot = compositeRoot(11);
const cRootNew = compositeRoot(13);
const CHEADER = { ...f.header, alg: 'ML-DSA-65-Ed25519' };
const ALL = ['doc_malformed', 'vendor_mismatch', 'vendor_unsupported', 'doc_alg_unsupported', 'doc_signature_invalid',
    'image_not_allowed', 'doc_stale', 'doc_from_future', 'result_mismatch', 'payload_hash_mismatch', 'sig_hash_mismatch',
    'key_mismatch', 'signature_invalid'];

/** f's policy with the root members given in place of its rootPublicKeyB64. */
function pinning(roots: { rootPublicKeyB64?: unknown; rootPublicKeysB64?: unknown }): Fixture['policy'] {
    const { rootPublicKeyB64: _r, ...rest } = f.policy.matchRules;
    return { ...f.policy, matchRules: { ...rest, ...roots } };
}

const edDoc = f.signResult;
const cDoc = withDoc(f, jwsComposite(CHEADER, f.claims, cRoot));
const cDocNew = withDoc(f, jwsComposite(CHEADER, f.claims, cRootNew));

const check = (signResult: unknown, policy: unknown): Promise<Verdict> =>
    verifySignResult({ signResult, payload: f.payload, publicKey: f.key, policy });

const passes = (v: Verdict): void => {
    assert.equal(v.ok, true, `${v.reason}: ${v.detail}`);
    assert.deepEqual(v.checks.map((c) => c.check), ALL);
};

const fails = (v: Verdict, reason: string, detail?: string | RegExp): void => {
    assert.equal(v.ok, false, `expected ${reason}, got a pass`);
    assert.equal(v.reason, reason, `detail: ${v.detail}`);
    if (typeof detail === 'string') assert.equal(v.detail, detail);
    else if (detail !== undefined) assert.match(v.detail ?? '', detail);
    assert.deepEqual(v.checks[v.checks.length - 1], { check: reason, result: 'fail' });
};

/** A JWS whose signature part has one byte flipped, at byte i of the decoded signature. */
function flipSig(jwsText: string, i: number): string {
    const [h, p, s] = jwsText.split('.') as [string, string, string];
    const b = Buffer.from(s, 'base64url');
    b[i] = (b[i] as number) ^ 0x01;
    return `${h}.${p}.${b.toString('base64url')}`;
}

test('roots: a ML-DSA-65-Ed25519 document passes all 13 checks under a composite root', async () => {
    passes(await check(cDoc, pinning({ rootPublicKeyB64: cRoot.publicKeyB64 })));
    passes(await check(cDoc, pinning({ rootPublicKeysB64: [cRoot.publicKeyB64] })));
    const policy = readPolicy(pinning({ rootPublicKeyB64: cRoot.publicKeyB64 }));
    assert.deepEqual(policy.roots.map((r) => [r.algorithm, r.key.length]), [['mldsa65+ed25519', 1984]]);
});

test('roots: under [Ed25519 root, composite root], documents of either kind pass', async () => {
    const policy = pinning({ rootPublicKeysB64: [ed.publicKeyB64, cRoot.publicKeyB64] });
    passes(await check(cDoc, policy));
    passes(await check(edDoc, policy));
    passes(await check(withDoc(f, jws({ ...f.header, alg: 'EdDSA' }, f.claims, ed.secret)), policy));
    // rootPublicKeyB64 and rootPublicKeysB64 together: their union.
    const both = pinning({ rootPublicKeyB64: ed.publicKeyB64, rootPublicKeysB64: [cRoot.publicKeyB64] });
    passes(await check(cDoc, both));
    passes(await check(edDoc, both));
    assert.deepEqual(readPolicy(both).roots.map((r) => r.algorithm), ['ed25519', 'mldsa65+ed25519']);
});

test('roots: an Ed25519 header under a policy pinning only a composite root is doc_alg_unsupported', async () => {
    const policy = pinning({ rootPublicKeyB64: cRoot.publicKeyB64 });
    fails(await check(edDoc, policy), 'doc_alg_unsupported', 'header alg "Ed25519": the policy pins no root for it');
    const eddsa = withDoc(f, jws({ ...f.header, alg: 'EdDSA' }, f.claims, ed.secret));
    fails(await check(eddsa, policy), 'doc_alg_unsupported', 'header alg "EdDSA": the policy pins no root for it');
});

test('roots: a ML-DSA-65-Ed25519 header under only an Ed25519 root is doc_alg_unsupported', async () => {
    fails(await check(cDoc, f.policy), 'doc_alg_unsupported', 'header alg "ML-DSA-65-Ed25519": the policy pins no root for it');
    fails(await check(cDoc, pinning({ rootPublicKeysB64: [ed.publicKeyB64, edNew.publicKeyB64] })), 'doc_alg_unsupported',
        'header alg "ML-DSA-65-Ed25519": the policy pins no root for it');
});

test('roots: one flipped byte in either half of the composite JWS signature is doc_signature_invalid', async () => {
    const policy = pinning({ rootPublicKeysB64: [ed.publicKeyB64, cRoot.publicKeyB64] });
    const text = jwsComposite(CHEADER, f.claims, cRoot);
    for (const i of [0, 1000, 3308, 3309, 3340, 3372]) { // ML-DSA-65: bytes 0..3308, Ed25519: 3309..3372
        fails(await check(withDoc(f, flipSig(text, i)), policy), 'doc_signature_invalid',
            'ML-DSA-65-Ed25519 signature does not verify under the pinned root key');
    }
});

test('roots: another composite root\'s document is doc_signature_invalid; an Ed25519 one keeps its words', async () => {
    fails(await check(cDocNew, pinning({ rootPublicKeyB64: cRoot.publicKeyB64 })), 'doc_signature_invalid',
        'ML-DSA-65-Ed25519 signature does not verify under the pinned root key');
    fails(await check(edDoc, pinning({ rootPublicKeysB64: [edNew.publicKeyB64, cRoot.publicKeyB64] })), 'doc_signature_invalid',
        'Ed25519 signature does not verify under the pinned root key');
    // The composite root's own Ed25519 half signs no "Ed25519" document: it is no Ed25519 root.
    const byHalf = withDoc(f, jws(f.header, f.claims, cRoot.edSk));
    fails(await check(byHalf, pinning({ rootPublicKeyB64: cRoot.publicKeyB64 })), 'doc_alg_unsupported');
});

test('roots: an unknown alg is doc_alg_unsupported whatever is pinned; crit and typ are checked after the roots', async () => {
    const policy = pinning({ rootPublicKeysB64: [ed.publicKeyB64, cRoot.publicKeyB64] });
    for (const alg of ['ES256', 'none', 'ML-DSA-65', 'ML-DSA-87-Ed448', 'ml-dsa-65-ed25519']) {
        const doc = withDoc(f, jws({ ...f.header, alg }, f.claims, ed.secret));
        fails(await check(doc, policy), 'doc_alg_unsupported', `header alg "${alg}": only Ed25519, EdDSA or ML-DSA-65-Ed25519`);
    }
    const crit = withDoc(f, jwsComposite({ ...CHEADER, crit: ['x'] }, f.claims, cRoot));
    fails(await check(crit, policy), 'doc_alg_unsupported', 'header has crit: no extension is understood');
    fails(await check(crit, f.policy), 'doc_alg_unsupported', 'header alg "ML-DSA-65-Ed25519": the policy pins no root for it');
    const typ = withDoc(f, jwsComposite({ ...CHEADER, typ: 'JWT' }, f.claims, cRoot));
    fails(await check(typ, policy), 'doc_alg_unsupported', 'header typ "JWT": expected "postq-attestation+jws"');
});

test('roots: a ML-DSA-65-Ed25519 signature of the wrong length is doc_malformed', async () => {
    const policy = pinning({ rootPublicKeyB64: cRoot.publicKeyB64 });
    const edSigned = jws(CHEADER, f.claims, ed.secret); // 64 bytes under a composite alg
    fails(await check(withDoc(f, edSigned), policy), 'doc_malformed', 'jws signature: 64 bytes, ML-DSA-65-Ed25519 has 3373');
    const [h, p, s] = jwsComposite(CHEADER, f.claims, cRoot).split('.') as [string, string, string];
    const short = Buffer.from(s, 'base64url').subarray(0, 3372).toString('base64url');
    fails(await check(withDoc(f, `${h}.${p}.${short}`), policy), 'doc_malformed', 'jws signature: 3372 bytes, ML-DSA-65-Ed25519 has 3373');
});

test('roots: rotation: a policy pinning the old and the new root accepts documents of both', async () => {
    const byNew = withDoc(f, jws(f.header, f.claims, edNew.secret));
    const edRot = pinning({ rootPublicKeysB64: [ed.publicKeyB64, edNew.publicKeyB64] });
    passes(await check(edDoc, edRot));
    passes(await check(byNew, edRot));
    passes(await check(byNew, pinning({ rootPublicKeyB64: ed.publicKeyB64, rootPublicKeysB64: [edNew.publicKeyB64] })));
    fails(await check(byNew, f.policy), 'doc_signature_invalid');
    const cRot = pinning({ rootPublicKeysB64: [cRoot.publicKeyB64, cRootNew.publicKeyB64] });
    passes(await check(cDoc, cRot));
    passes(await check(cDocNew, cRot));
    // Ed25519 to composite: both pinned while the enclave moves.
    const moving = pinning({ rootPublicKeyB64: ed.publicKeyB64, rootPublicKeysB64: [cRootNew.publicKeyB64] });
    passes(await check(edDoc, moving));
    passes(await check(cDocNew, moving));
    fails(await check(cDoc, moving), 'doc_signature_invalid');
    // a bare document, as postq attest verify --doc
    const v = await verifyAttestationDoc({ docB64: cDocNew.attestation.docB64 as string, vendor: 'mock', policy: moving, at: f.claims['timestamp'] as number });
    assert.equal(v.ok, true, v.detail);
});

test('roots: a policy with a bad root throws InvalidInputError in the CLI\'s words', () => {
    const refused = (roots: { rootPublicKeyB64?: unknown; rootPublicKeysB64?: unknown }, msg: string): void => {
        assert.throws(() => readPolicy(pinning(roots)), (e: unknown) => e instanceof InvalidInputError && e.message === `policy: ${msg}`);
    };
    const b64 = (n: number, fill = 1): string => toBase64(new Uint8Array(n).fill(fill));
    const LEN = 'not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key';
    for (const n of [0, 31, 33, 64, 1952, 1983, 1985, 1986]) {
        refused({ rootPublicKeyB64: b64(n) }, `matchRules.rootPublicKeyB64: ${LEN}`);
        refused({ rootPublicKeysB64: [ed.publicKeyB64, b64(n)] }, `matchRules.rootPublicKeysB64[1]: ${LEN}`);
    }
    refused({ rootPublicKeyB64: 'A'.repeat(2652) }, `matchRules.rootPublicKeyB64: ${LEN}`);
    refused({ rootPublicKeyB64: cRoot.publicKeyB64.replace(/=+$/, '') }, 'matchRules.rootPublicKeyB64: not canonical padded base64');
    refused({}, 'matchRules.rootPublicKeyB64: missing (or rootPublicKeysB64)');
    refused({ rootPublicKeyB64: 5 }, 'matchRules.rootPublicKeyB64: not a string');
    refused({ rootPublicKeysB64: [ed.publicKeyB64, 7] }, 'matchRules.rootPublicKeysB64[1]: not a string');
    refused({ rootPublicKeysB64: [] }, 'matchRules.rootPublicKeysB64: not a non-empty array');
    refused({ rootPublicKeysB64: ed.publicKeyB64 }, 'matchRules.rootPublicKeysB64: not a non-empty array');
    const nine = Array.from({ length: 9 }, (_, i) => edRoot(40 + i).publicKeyB64);
    refused({ rootPublicKeysB64: nine }, 'matchRules.rootPublicKeysB64: more than 8 roots');
    refused({ rootPublicKeyB64: ed.publicKeyB64, rootPublicKeysB64: nine.slice(0, 8) }, 'matchRules.rootPublicKeysB64: more than 8 roots');
    assert.equal(readPolicy(pinning({ rootPublicKeysB64: nine.slice(0, 8) })).roots.length, 8);
    refused({ rootPublicKeysB64: [ed.publicKeyB64, cRoot.publicKeyB64, ed.publicKeyB64] }, 'matchRules.rootPublicKeysB64[2]: pinned twice');
    refused({ rootPublicKeyB64: cRoot.publicKeyB64, rootPublicKeysB64: [cRoot.publicKeyB64] }, 'matchRules.rootPublicKeysB64[0]: pinned twice');
    refused({ rootPublicKeysB64: [b64(32, 0)] }, 'matchRules.rootPublicKeysB64[0]: not a usable Ed25519 public key (all zeros, small order or not a point)');
    const weakHalf = new Uint8Array(cRoot.publicKey);
    weakHalf.fill(0, 1952);
    refused({ rootPublicKeyB64: toBase64(weakHalf) }, 'matchRules.rootPublicKeyB64: not a usable Ed25519 half (all zeros, small order or not a point)');
    // The rule belongs to mock policies only.
    assert.throws(() => readPolicy({ vendor: 'azure-confidential-vm', matchRules: { rootPublicKeysB64: [ed.publicKeyB64] } }),
        /matchRules.rootPublicKeysB64: not a rule of this vendor/);
});

// ---- a key JSON with versions ----

// Version 1 of the key signed old; version 2 (the newest, f's key) signed f. The key JSON names
// version 2 at its top, as the API's does after a rotation.
const old = makeFixture('mldsa65+ed25519', { keySeed: 21 });
const oldSr = { ...old.signResult, keyVersion: 1 };
const newSr = { ...f.signResult, keyVersion: 2 };
const keyJson = {
    id: 'key_01TEST', name: 'release', algorithm: 'mldsa65+ed25519', pqProvider: 'enclave-mock', attestationPolicyId: 'pol_01TEST',
    publicKeyB64: f.key.publicKeyB64, keyVersion: 2, version: 2, state: 'active', createdAt: '2026-11-01T00:00:00Z',
    versions: [
        { version: 1, publicKeyB64: old.key.publicKeyB64, state: 'disabled', createdAt: '2026-11-01T00:00:00Z' },
        { version: 2, publicKeyB64: f.key.publicKeyB64, state: 'enabled', createdAt: '2026-11-20T00:00:00Z' },
    ],
};

test('key versions: the sign result\'s keyVersion picks the key of a key JSON with versions', async () => {
    for (const publicKey of [keyJson, JSON.stringify(keyJson), Buffer.from(JSON.stringify(keyJson))]) {
        for (const [sr, x] of [[oldSr, old], [newSr, f]] as const) {
            const bare = await verifySignResult({ signResult: sr, payload: x.payload, publicKey });
            assert.equal(bare.ok, true, bare.detail);
            passes(await verifySignResult({ signResult: sr, payload: x.payload, publicKey, policy: x.policy }));
        }
    }
    // keyVersion absent: version 1
    const { keyVersion: _k, ...noVersion } = old.signResult;
    passes(await verifySignResult({ signResult: noVersion, payload: old.payload, publicKey: keyJson, policy: old.policy }));
    // postq attest verify --sign-result --public-key: the same choice
    const v = await verifyAttestationDoc({ signResult: oldSr, payload: old.payload, publicKey: keyJson, policy: old.policy });
    assert.equal(v.ok, true, v.detail);
    assert.deepEqual(readPublicKey(keyJson, 1).bytes, old.publicKey);
    assert.deepEqual(readPublicKey(keyJson, 2n).bytes, f.publicKey);
    assert.deepEqual(readPublicKey(keyJson).bytes, f.publicKey, 'no version: the top-level key');
});

test('key versions: the wrong version is signature_invalid without a policy, key_mismatch with one', async () => {
    const wrong = { ...old.signResult, keyVersion: 2 };
    fails(await verifySignResult({ signResult: wrong, payload: old.payload, publicKey: keyJson }), 'signature_invalid',
        'the composite signature does not verify under the public key');
    fails(await verifySignResult({ signResult: wrong, payload: old.payload, publicKey: keyJson, policy: old.policy }), 'key_mismatch',
        'publicKeySha256 does not match');
    // A key JSON without versions is its top-level key, whatever the keyVersion.
    const { versions: _v, ...flat } = keyJson;
    fails(await verifySignResult({ signResult: oldSr, payload: old.payload, publicKey: flat }), 'signature_invalid');
    assert.equal((await verifySignResult({ signResult: { ...f.signResult, keyVersion: 7 }, payload: f.payload, publicKey: flat })).ok, true);
});

test('key versions: a version the key JSON lacks throws', async () => {
    const msg = (n: number): string => `public key: key JSON has no version ${n} (the sign result's keyVersion): fetch the key again with postq key get`;
    const lacks = async (p: Promise<unknown>, n: number): Promise<void> => {
        await assert.rejects(p, (e: unknown) => e instanceof InvalidInputError && e.message === msg(n));
    };
    await lacks(verifySignResult({ signResult: { ...f.signResult, keyVersion: 3 }, payload: f.payload, publicKey: keyJson }), 3);
    await lacks(verifySignResult({ signResult: { ...f.signResult, keyVersion: 3 }, payload: f.payload, publicKey: keyJson, policy: f.policy }), 3);
    await lacks(verifyAttestationDoc({ signResult: { ...f.signResult, keyVersion: 3 }, payload: f.payload, publicKey: keyJson, policy: f.policy }), 3);
    const { keyVersion: _k, ...noVersion } = f.signResult;
    await lacks(verifySignResult({ signResult: noVersion, payload: f.payload, publicKey: { ...keyJson, versions: [keyJson.versions[1]] } }), 1);
    assert.throws(() => readPublicKey(keyJson, 0), InvalidInputError);
    // A sign result that does not read is refused for itself, not for the key's version.
    await assert.rejects(verifySignResult({ signResult: { ...f.signResult, keyVersion: 'two' }, payload: f.payload, publicKey: keyJson }),
        { message: 'keyVersion: not an integer >= 1' });
});

test('roots: 300 mutations of a ML-DSA-65-Ed25519 document always resolve, never pass', async () => {
    let seed = 4242;
    const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return (seed >>> 8) % n;
    };
    const policy = pinning({ rootPublicKeysB64: [ed.publicKeyB64, cRoot.publicKeyB64] });
    const text = Buffer.from(cDoc.attestation.docB64 as string, 'base64').toString('latin1');
    const alphabet = 'AZaz09-_.=+/{}"\u00e9';
    const reasons = new Set<string>();
    for (let i = 0; i < 300; i++) {
        const at = rnd(text.length);
        const ch = alphabet[rnd(alphabet.length)] as string;
        const t = rnd(2) === 0 ? text.slice(0, at) + ch + text.slice(at + 1) : text.slice(0, at) + text.slice(at + 1);
        if (t === text) continue;
        const v = await check(withDoc(f, t), policy);
        assert.equal(v.ok, false, `a mutated document passed: ${t.slice(0, 60)}`);
        reasons.add(v.reason as string);
    }
    assert.ok(reasons.has('doc_malformed') && reasons.has('doc_signature_invalid'), [...reasons].join(','));
});
