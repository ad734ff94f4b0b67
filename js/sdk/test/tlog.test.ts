// SPDX-License-Identifier: Apache-2.0
// The transparency log checks on a log made here (logfixture.ts): the RFC 6962 test tree's
// heads and proofs (known answers), every proof of small trees, checkpoints signed by the
// Ed25519 and the composite key, verifySignResult with a logKey for an attested and a software
// key, and each way it must fail: every field of the entry changed in the log, every byte of
// the proof, every other logIndex, a note by another key, a composite line that fails, a wrong
// origin, a missing or malformed transparency member, malformed notes and verifier keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sha256 } from '@noble/hashes/sha2.js';

import {
    InvalidInputError, LOG_CHECKS, CHECKS, leafHash, logEntry, readLogKey, verifyCheckpoint, verifyConsistency, verifyInclusion,
    verifySignResult, type Verdict,
} from '../src/index.js';
import { toBase64, toHex, utf8 } from '../src/encoding.js';
import { makeFixture } from './fixture.js';
import {
    ORG, TestLog, checkpointText, compositeNoteKey, consistency, edNoteKey, entryFields, entryText, makeLog, mth, path, signNote,
    type EntryFields, type NoteKey,
} from './logfixture.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
/** The hashes with byte `at` of hash `j` changed by xor `x`. */
const flipped = (p: Uint8Array[], j: number, at: number, x: number): Uint8Array[] =>
    p.map((h, k) => (k === j ? h.map((b, i) => (i === at ? b ^ x : b)) : h));

const fails = (v: Verdict, reason: string, detail?: string | RegExp): void => {
    assert.equal(v.ok, false, `expected ${reason}, got a pass`);
    assert.equal(v.reason, reason, `detail: ${v.detail}`);
    if (typeof detail === 'string') assert.equal(v.detail, detail);
    else if (detail !== undefined) assert.match(v.detail ?? '', detail);
    assert.deepEqual(v.checks[v.checks.length - 1], { check: reason, result: 'fail' });
    assert.ok(v.checks.slice(0, -1).every((c) => c.result === 'pass'));
    assert.equal(v.log, undefined);
};

// ---- known answers: RFC 6962's test tree (as certificate-transparency's and the C tests') ----

const RFC_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const RFC_ROOTS = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const rfcLeaves = RFC_LEAVES.map((l) => leafHash(l));
const cp = (size: number, root: Uint8Array, origin = 'o'): { origin: string; size: bigint; root: Uint8Array } => ({ origin, size: BigInt(size), root });

test('RFC 6962 test tree: the tree heads of its 8 leaves, by size', () => {
    for (let n = 0; n <= 8; n++) assert.equal(toHex(mth(rfcLeaves.slice(0, n))), RFC_ROOTS[n], `size ${n}`);
});

test('RFC 6962 test tree: the published inclusion and consistency proofs verify, altered ones do not', () => {
    const inclusion: [number, number, string[]][] = [
        [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
            '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
        [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
            'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
        [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
        [1, 2, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d']],
    ];
    for (const [i, n, p] of inclusion) {
        const proof = p.map(hex);
        const root = hex(RFC_ROOTS[n] as string);
        assert.ok(verifyInclusion(rfcLeaves[i] as Uint8Array, i, n, proof, root), `inclusion ${i} of ${n}`);
        assert.ok(verifyInclusion(rfcLeaves[i] as Uint8Array, BigInt(i), BigInt(n), proof.map(toBase64), root), 'as bigint and base64');
        assert.ok(!verifyInclusion(rfcLeaves[(i + 1) % n] as Uint8Array, i, n, proof, root), 'another leaf');
        assert.ok(!verifyInclusion(rfcLeaves[i] as Uint8Array, i, n + 1, proof, root), 'another size');
        assert.ok(!verifyInclusion(rfcLeaves[i] as Uint8Array, i, n, proof.slice(0, -1), root), 'a hash short');
        assert.ok(!verifyInclusion(rfcLeaves[i] as Uint8Array, i, n, [...proof, proof[0] as Uint8Array], root), 'a hash more');
    }
    const cons: [number, number, string[]][] = [
        [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
            '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
        [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
            'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
        [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
    ];
    for (const [m, n, p] of cons) {
        const a = cp(m, hex(RFC_ROOTS[m] as string));
        const b = cp(n, hex(RFC_ROOTS[n] as string));
        assert.ok(verifyConsistency(a, b, p.map(hex)), `consistency ${m} -> ${n}`);
        assert.ok(verifyConsistency(a, b, p.map((x) => toBase64(hex(x)))), 'as base64');
        assert.ok(!verifyConsistency(a, b, p), 'hex is not base64 of 32 bytes');
        assert.ok(!verifyConsistency(b, a, p.map(hex)), 'backwards');
        assert.ok(!verifyConsistency(a, cp(n, hex(RFC_ROOTS[n - 1] as string)), p.map(hex)), 'another new root');
        assert.ok(!verifyConsistency(a, { ...b, origin: 'other' }, p.map(hex)), 'another origin');
    }
});

test('every inclusion and consistency proof of trees of 1 to 20 leaves verifies; a changed byte never does', () => {
    const leaves = Array.from({ length: 20 }, (_, i) => leafHash(`entry ${i}`));
    for (let n = 1; n <= 20; n++) {
        const d = leaves.slice(0, n);
        const root = mth(d);
        for (let i = 0; i < n; i++) {
            const p = path(i, d);
            assert.ok(verifyInclusion(d[i] as Uint8Array, i, n, p, root), `${i} of ${n}`);
            if (n > 1) assert.ok(!verifyInclusion(d[i] as Uint8Array, (i + 1) % n, n, p, root), `${i} of ${n} at another index`);
            assert.ok(!verifyInclusion(d[i] as Uint8Array, n + i, n, p, root), 'an index past the tree');
            p.forEach((_, j) => {
                assert.ok(!verifyInclusion(d[i] as Uint8Array, i, n, flipped(p, j, (i + j) % 32, 0x80), root), `${i} of ${n}, hash ${j} changed`);
            });
        }
        for (let m = 0; m <= n; m++) {
            const p = consistency(m, d);
            const a = cp(m, mth(d.slice(0, m)));
            const b = cp(n, root);
            assert.ok(verifyConsistency(a, b, p), `${m} -> ${n}`);
            p.forEach((_, j) => {
                assert.ok(!verifyConsistency(a, b, flipped(p, j, j % 32, 1)), `${m} -> ${n}, hash ${j} changed`);
            });
            if (m > 0 && m < n) assert.ok(!verifyConsistency(cp(m, mth(leaves.slice(1, m + 1))), b, p), `${m} -> ${n}: another old tree`);
        }
    }
});

// ---- the log of the tests, with an attested and a software sign result in it ----

const log = makeLog();
const f = makeFixture(); // attested (mock), key_01TEST
const soft = (() => {
    const g = makeFixture('mldsa65+ed25519', { keySeed: 9 });
    const { attestation: _a, ...sr } = g.signResult;
    return { ...g, signResult: { ...sr, id: 'sig_01SOFT', keyId: 'key_01SOFT' } as Record<string, unknown> };
})();
for (let i = 0; i < 3; i++) log.add(`filler ${i}\n`);
const fFields = entryFields(f.signResult, f.publicKey);
const fIndex = log.add(entryText(fFields));
log.add('filler 4\n');
const softIndex = log.add(entryText(entryFields(soft.signResult, soft.publicKey)));
log.add('filler 6\n');
const fSr = { ...f.signResult, transparency: log.transparency(fIndex) };
const softSr = { ...soft.signResult, transparency: log.transparency(softIndex) };

const withLog = (o: Partial<Parameters<typeof verifySignResult>[0]> = {}): Promise<Verdict> =>
    verifySignResult({ signResult: fSr, payload: f.payload, publicKey: f.key, policy: f.policy, logKey: log.ed.vkey, ...o });
const softLog = (o: Partial<Parameters<typeof verifySignResult>[0]> = {}): Promise<Verdict> =>
    verifySignResult({ signResult: softSr, payload: soft.payload, publicKey: soft.key, logKey: log.ed.vkey, ...o });

test('an attested sign result in the log: all 15 checks pass under the Ed25519 and under the composite log key', async () => {
    for (const logKey of [log.ed.vkey, log.comp.vkey, readLogKey(log.comp.vkey), ` ${log.ed.vkey}\n`]) {
        const v = await withLog({ logKey });
        assert.equal(v.ok, true, v.detail);
        assert.deepEqual(v.checks.slice(-3).map((c) => c.check), ['signature_invalid', ...LOG_CHECKS]);
        assert.equal(v.checks.length, 15);
        assert.deepEqual(v.log, {
            logIndex: fIndex, origin: `postq-log/${ORG}`, treeSize: 7, rootHash: toBase64(mth(log.leaves)),
            key: (typeof logKey === 'string' ? logKey : logKey.text).trim().split('+').slice(0, 2).join('+'), entry: entryText(fFields),
        });
    }
    const noPolicy = await withLog({ policy: undefined });
    assert.equal(noPolicy.ok, true, noPolicy.detail);
    assert.deepEqual(noPolicy.checks.map((c) => c.check), ['key_mismatch', 'payload_hash_mismatch', 'signature_invalid', ...LOG_CHECKS]);
});

test('a software key\'s sign result in the log: "attestation none", "verdict pass -"', async () => {
    const v = await softLog();
    assert.equal(v.ok, true, v.detail);
    assert.match(v.log?.entry ?? '', /\nattestation none\nverdict pass -\ncreated /);
    assert.equal(v.log?.logIndex, softIndex);
    assert.equal((await softLog({ logKey: log.comp.vkey })).ok, true);
});

test('logEntry rebuilds the entry the log holds; its leaf hash is the tree\'s', () => {
    const e = logEntry(fSr, f.key);
    assert.equal(e, entryText(fFields));
    assert.match(e, /^postq-log-entry\/v1\nsignature sig_01TEST\nkey key_01TEST 1 mldsa65\+ed25519 [0-9a-f]{64}\n/);
    assert.match(e, /\nattestation mock mod_test 42 [0-9a-f]{64}\nverdict pass -\ncreated 2026-11-30T12:00:00.150Z\n$/);
    assert.deepEqual(leafHash(e), log.leaves[fIndex]);
    assert.equal(logEntry(JSON.stringify(softSr), soft.key), log.entries[softIndex]);
    // an audit failure (enforce false): its reason; a counter only the document names
    const failed = { ...f.signResult, attestation: { ...f.signResult.attestation, verdict: 'fail', reason: 'image_not_allowed', counter: undefined } };
    assert.match(logEntry(failed, f.key), /\nattestation mock mod_test 42 [0-9a-f]{64}\nverdict fail image_not_allowed\n/);
    assert.throws(() => logEntry({ ...f.signResult, attestation: { ...f.signResult.attestation, vendor: 'aws-nitro-enclave' } }, f.key),
        (e: unknown) => e instanceof InvalidInputError && /reads no aws-nitro-enclave document/.test(e.message));
    assert.throws(() => logEntry({ ...f.signResult, createdAt: '2026-11-30T12:00:00 Z' }, f.key), InvalidInputError);
});

test('the key of the sign result\'s keyVersion goes in the entry (a key JSON with versions)', async () => {
    const rotated = makeFixture('mldsa65+ed25519', { keySeed: 11 });
    const keyJson = {
        ...f.key, version: 2, publicKeyB64: rotated.key.publicKeyB64,
        versions: [{ version: 1, publicKeyB64: f.key.publicKeyB64, state: 'enabled' }, { version: 2, publicKeyB64: rotated.key.publicKeyB64, state: 'enabled' }],
    };
    assert.equal((await withLog({ publicKey: keyJson })).ok, true);
    assert.equal(logEntry(fSr, keyJson), entryText(fFields));
});

// Every field of the logged entry changed, one at a time: the sign result is then not the one
// in the log, whatever else about it checks out.
const CHANGED: [keyof EntryFields, string][] = [
    ['id', 'sig_01TESU'], ['keyId', 'key_01TESU'], ['keyVersion', '2'], ['algorithm', 'mldsa44+ed25519'], ['pkSha', '0'.repeat(64)],
    ['payload', `1${fFields.payload.slice(1)}`], ['sigSha', 'f'.repeat(64)], ['attestation', fFields.attestation.replace('mod_test', 'mod_tesu')],
    ['attestation', fFields.attestation.replace(' 42 ', ' 43 ')], ['attestation', fFields.attestation.replace('mock ', 'mocks ')],
    ['attestation', fFields.attestation.replace(/ [0-9a-f]{64}$/, ` ${'a'.repeat(64)}`)], ['attestation', 'none'],
    ['verdict', 'fail -'], ['verdict', 'pass image_not_allowed'], ['created', '2026-11-30T12:00:00.151Z'], ['created', '2026-11-30T12:00:00.15Z'],
];
test(`log_proof_invalid: each of ${CHANGED.length} changes to the logged entry`, async () => {
    for (const [k, v] of CHANGED) {
        const l = new TestLog(log.ed, log.comp);
        l.add('filler\n');
        const i = l.add(entryText({ ...fFields, [k]: v }));
        l.add('filler 2\n');
        const sr = { ...f.signResult, transparency: l.transparency(i, 3, [l.ed]) };
        fails(await withLog({ signResult: sr }), 'log_proof_invalid', 'the rebuilt log entry is not at logIndex 1 in the checkpoint\'s tree of 3 entries');
    }
    // the entry as logged, the same way: passes (the test above changes only the one field)
    const l = new TestLog(log.ed, log.comp);
    const i = l.add(entryText(fFields));
    assert.equal((await withLog({ signResult: { ...f.signResult, transparency: l.transparency(i, 1, [l.ed]) } })).ok, true);
});

test('log_proof_invalid: a sign result edited where no other check looks (createdAt, id, the API\'s verdict)', async () => {
    const edits: Record<string, unknown>[] = [
        { createdAt: '2026-11-30T12:00:01.150Z' }, { createdAt: '2026-11-30T12:00:00.15Z' }, { id: 'sig_01TESU' },
        { attestation: { ...fSr.attestation, verdict: 'fail', reason: 'image_not_allowed' } },
    ];
    for (const e of edits) {
        fails(await withLog({ signResult: { ...fSr, ...e } }), 'log_proof_invalid', /^the rebuilt log entry is not at logIndex 3 /);
    }
    // without a policy nothing else reads the counter
    fails(await withLog({ policy: undefined, signResult: { ...fSr, attestation: { ...fSr.attestation, counter: 43 } } }), 'log_proof_invalid');
    // a field the log cannot hold: never in it
    fails(await softLog({ signResult: { ...softSr, id: 'sig 01' } }), 'log_proof_invalid', /^the log entry cannot be rebuilt: id "sig 01": not 1\.\.127 printable ASCII/);
});

test('log_proof_invalid: every byte of the inclusion proof changed, a hash more or less, not base64 of 32 bytes', async () => {
    const proof = fSr.transparency.inclusionProof;
    assert.equal(proof.length, 3);
    for (let j = 0; j < proof.length; j++) {
        for (let b = 0; b < 32; b++) {
            const h = Buffer.from(proof[j] as string, 'base64');
            h[b] = (h[b] as number) ^ (1 << (b % 8));
            const p = proof.map((x, k) => (k === j ? h.toString('base64') : x));
            fails(await withLog({ policy: undefined, signResult: { ...fSr, transparency: { ...fSr.transparency, inclusionProof: p } } }),
                'log_proof_invalid', 'the rebuilt log entry is not at logIndex 3 in the checkpoint\'s tree of 7 entries');
        }
    }
    const t = (inclusionProof: string[]): Record<string, unknown> => ({ ...fSr, transparency: { ...fSr.transparency, inclusionProof } });
    fails(await withLog({ signResult: t(proof.slice(0, 2)) }), 'log_proof_invalid');
    fails(await withLog({ signResult: t([...proof, proof[0] as string]) }), 'log_proof_invalid');
    fails(await withLog({ signResult: t([]) }), 'log_proof_invalid');
    // A hash that is not base64 of 32 bytes, or more than 64 of them, is a malformed sign result
    // (the C SDK refuses it the same way).
    const malformed = async (p: string[], msg: string): Promise<void> => {
        await assert.rejects(withLog({ signResult: t(p) }), (e: unknown) => e instanceof InvalidInputError && e.message === msg, msg);
    };
    await malformed([proof[0] as string, 'AAAA', proof[2] as string], 'transparency.inclusionProof[1]: not base64 of 32 bytes');
    await malformed([`${(proof[0] as string).slice(0, -2)}B=`, proof[1] as string, proof[2] as string], 'transparency.inclusionProof[0]: not base64 of 32 bytes');
    await malformed(Array(65).fill(proof[0]) as string[], 'transparency.inclusionProof: more than 64 hashes');
});

test('log_proof_invalid: every other logIndex, and one past the checkpoint\'s tree', async () => {
    for (let i = 0; i < 7; i++) {
        if (i === fIndex) continue;
        fails(await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, logIndex: i } } }), 'log_proof_invalid',
            `the rebuilt log entry is not at logIndex ${i} in the checkpoint's tree of 7 entries`);
    }
    fails(await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, logIndex: 7 } } }), 'log_proof_invalid',
        'logIndex 7 is not in the checkpoint\'s tree of 7 entries');
    // against the checkpoint of a tree that does not hold it yet, or of another size
    fails(await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, checkpoint: log.note(3, [log.ed]) } } }), 'log_proof_invalid',
        'logIndex 3 is not in the checkpoint\'s tree of 3 entries');
    fails(await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, checkpoint: log.note(6, [log.ed]) } } }), 'log_proof_invalid',
        'the rebuilt log entry is not at logIndex 3 in the checkpoint\'s tree of 6 entries');
});

test('log_proof_invalid: no transparency member (stripped, or signed before the log)', async () => {
    const { transparency: _t, ...bare } = fSr;
    const detail = 'the sign result carries no transparency member (no proof that it is in the log)';
    fails(await withLog({ signResult: bare }), 'log_proof_invalid', detail);
    fails(await withLog({ signResult: { ...bare, transparency: null } }), 'log_proof_invalid', detail);
    // without a logKey nothing changes: a sign result without one, or with a malformed one, verifies
    assert.equal((await withLog({ signResult: bare, logKey: undefined })).ok, true);
    assert.equal((await withLog({ signResult: { ...fSr, transparency: 'junk' }, logKey: undefined })).ok, true);
});

test('the log checks run last: a sign result failing an earlier check fails with that check', async () => {
    const b = Buffer.from(f.signResult.signatureB64 as string, 'base64');
    b[100] = (b[100] as number) ^ 1;
    const v = await withLog({ policy: undefined, signResult: { ...fSr, signatureB64: b.toString('base64') } });
    fails(v, 'signature_invalid');
    fails(await withLog({ payload: 'other' }), 'payload_hash_mismatch');
});

test('log_checkpoint_invalid: a note by another key (same name, other name), or not signed by the pinned key at all', async () => {
    const other = edNoteKey('postq-log', 99);
    const otherComp = compositeNoteKey('postq-log', 77);
    const t = (keys: NoteKey[], origin?: string): Record<string, unknown> => ({
        ...fSr, transparency: { ...fSr.transparency, checkpoint: log.note(7, keys, origin) },
    });
    const edId = log.ed.vkey.split('+')[1] as string;
    const compId = log.comp.vkey.split('+')[1] as string;
    fails(await withLog({ signResult: t([other]) }), 'log_checkpoint_invalid', `note: no signature by postq-log+${edId}`);
    fails(await withLog({ signResult: t([edNoteKey('other-log', 21)]) }), 'log_checkpoint_invalid', `note: no signature by postq-log+${edId}`);
    fails(await withLog({ signResult: t([log.ed, otherComp]), logKey: log.comp.vkey }), 'log_checkpoint_invalid', `note: no signature by postq-log+${compId}`);
    fails(await withLog({ signResult: t([log.comp]) }), 'log_checkpoint_invalid', `note: no signature by postq-log+${edId}`);
    // lines of other keys are ignored, in any order
    assert.equal((await withLog({ signResult: t([other, log.comp, otherComp, log.ed]) })).ok, true);
    assert.equal((await withLog({ signResult: t([log.ed]), logKey: log.ed.vkey })).ok, true);
    assert.equal((await withLog({ signResult: t([log.comp]), logKey: log.comp.vkey })).ok, true);
    // a line with the pinned key's name and ID that does not verify rejects, even beside a good one
    const forged: NoteKey = { ...log.ed, sign: (m) => other.sign(m) };
    fails(await withLog({ signResult: t([log.ed, forged]) }), 'log_checkpoint_invalid', `signature by postq-log+${edId} does not verify`);
    fails(await withLog({ signResult: t([forged, log.ed]) }), 'log_checkpoint_invalid', `signature by postq-log+${edId} does not verify`);
});

test('log_checkpoint_invalid: a composite line that fails (ML-DSA half, Ed25519 half, length); the Ed25519 key ignores it', async () => {
    const note = log.note(7, [log.ed, log.comp]);
    const lines = note.split('\n');
    const compLine = lines[lines.length - 2] as string;
    const [dash, name, b64] = compLine.split(' ') as [string, string, string];
    const compId = log.comp.vkey.split('+')[1] as string;
    for (const [what, at] of [['ML-DSA-65 half', 4 + 1000], ['Ed25519 half', 4 + 3309 + 10], ['key ID-adjacent first byte', 4]] as const) {
        const raw = Buffer.from(b64, 'base64');
        raw[at] = (raw[at] as number) ^ 0x40;
        const bad = [...lines.slice(0, -2), `${dash} ${name} ${raw.toString('base64')}`, ''].join('\n');
        const sr = { ...fSr, transparency: { ...fSr.transparency, checkpoint: bad } };
        fails(await withLog({ signResult: sr, logKey: log.comp.vkey }), 'log_checkpoint_invalid', `signature by postq-log+${compId} does not verify`);
        const v = await withLog({ signResult: sr, logKey: log.ed.vkey });
        assert.equal(v.ok, true, `${what}: the Ed25519 key must ignore the composite line: ${v.detail}`);
    }
    const short = Buffer.from(b64, 'base64').subarray(0, 3000);
    const bad = [...lines.slice(0, -2), `${dash} ${name} ${short.toString('base64')}`, ''].join('\n');
    fails(await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, checkpoint: bad } }, logKey: log.comp.vkey }),
        'log_checkpoint_invalid', `signature by postq-log+${compId} does not verify`);
});

test('log_checkpoint_invalid: the origin is not "<key name>/<organisation id>"', async () => {
    const origins = [`other-log/${ORG}`, `postq-log/${ORG.toLowerCase()}`, `postq-log/${ORG.slice(0, -1)}`, `postq-log/${ORG}X`, 'postq-log/org_81M942TR7NN8DZGD50N90C2VTA',
        'postq-log/org_01M942TR7NN8DZGD50N90C2VTU', `postq-log/${ORG}/x`, `postq-log-2/${ORG}`, 'postq-log', `postq-log/key_${ORG.slice(4)}`, `postq-log//${ORG}`];
    for (const o of origins) {
        const sr = { ...fSr, transparency: { ...fSr.transparency, checkpoint: log.note(7, [log.ed], o) } };
        fails(await withLog({ signResult: sr }), 'log_checkpoint_invalid', `checkpoint origin "${o}" is not postq-log/<organisation id>`);
    }
});

test('log_checkpoint_invalid: notes and checkpoints that are not well formed', async () => {
    const good = log.note(7, [log.ed]);
    const [origin, size, root] = good.split('\n') as [string, string, string];
    const line = good.slice(good.indexOf('\u2014'));
    const sig = (text: string): string => signNote(text, [log.ed]);
    const cases: [string, string | RegExp][] = [
        [good.replace('\n\n', '\n'), 'note: no empty line before the signatures'],
        [`${good.split('\n\n')[0]}\n\n`, 'note: no signature line'],
        [good.slice(0, -1), 'note: does not end in a newline'],
        [good.replace('\n', '\r\n'), 'note: byte 40 is a control character'],
        [`${good.slice(0, -1)}\u0001\n`, /is a control character$/],
        [good.replace('\u2014', '-'), 'signature line 1: does not begin with an em dash'],
        [good.replace('\u2014 postq-log ', '\u2014  '), 'signature line 1: no valid key name'],
        [good.replace('\u2014 postq-log ', '\u2014 postq+log '), 'signature line 1: no valid key name'],
        [`${good}\u2014 postq-log AAAA\n`, 'signature line 2: no signature after the key ID'],
        [`${good}\u2014 postq-log AAAAAAB=\n`, 'signature line 2: not canonical padded base64'],
        [`${good}${line.replace(/=?\n$/, ' \n')}`, 'signature line 2: not canonical padded base64'],
        [sig(`${origin}\n0${size}\n${root}\n`), 'checkpoint: tree size is not a canonical decimal number below 2^64'],
        [sig(`${origin}\n18446744073709551616\n${root}\n`), 'checkpoint: tree size is not a canonical decimal number below 2^64'],
        [sig(`${origin}\n${size}\n${root.slice(0, -1)}\n`), 'checkpoint: root hash is not canonical base64 of 32 bytes'],
        [sig(`${origin}\n${size}\n`), 'checkpoint: 2 lines, not origin, size and root'],
        [sig(`${origin}\n\n${size}\n${root}\n`), 'checkpoint: line 2 is empty'],
        [sig(`${'o'.repeat(256)}\n${size}\n${root}\n`), 'checkpoint: origin over 255 bytes'],
    ];
    for (const [note, detail] of cases) {
        const sr = { ...fSr, transparency: { ...fSr.transparency, checkpoint: note } };
        const v = await withLog({ signResult: sr });
        assert.equal(v.ok, false, `passed: ${JSON.stringify(note.slice(0, 120))}…`);
        fails(v, 'log_checkpoint_invalid', detail);
    }
    // a well-formed line of another key (ID 0, a 1-byte signature) is ignored
    assert.equal(verifyCheckpoint(`${good}\u2014 postq-log AAAAAAA=\n`, log.ed.vkey).ok, true);
    // (a sign result cannot carry a NUL or a lone surrogate: its JSON is refused before)
    assert.deepEqual(verifyCheckpoint(`${good}\ud800`, log.ed.vkey), { ok: false, detail: 'note: not UTF-8 (a lone surrogate)' });
    assert.deepEqual(verifyCheckpoint(`${good}\u0000`, log.ed.vkey), { ok: false, detail: `note: byte ${Buffer.byteLength(good)} is a control character` });
    // extension lines are part of the signed text and otherwise ignored
    const ext = signNote(`${checkpointText(`postq-log/${ORG}`, 7, mth(log.leaves))}extension line\n`, [log.ed]);
    assert.equal((await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, checkpoint: ext } } })).ok, true);
    // a checkpoint whose signed text was changed after signing
    const tampered = good.replace(`\n7\n`, '\n8\n');
    fails(await withLog({ signResult: { ...fSr, transparency: { ...fSr.transparency, checkpoint: tampered } } }), 'log_checkpoint_invalid', /does not verify$/);
});

test('malformed transparency members throw InvalidInputError, as a malformed sign result does', async () => {
    const t = fSr.transparency;
    const cases: [unknown, string][] = [
        ['x', 'transparency: not an object'],
        [[], 'transparency: not an object'],
        [{ ...t, logIndex: -1 }, 'transparency.logIndex: not an integer in 0..2^63-1'],
        [{ ...t, logIndex: '3' }, 'transparency.logIndex: not an integer in 0..2^63-1'],
        [{ ...t, logIndex: 3.5 }, 'transparency.logIndex: not an integer in 0..2^63-1'],
        [{ checkpoint: t.checkpoint, inclusionProof: t.inclusionProof }, 'transparency.logIndex: missing'],
        [{ ...t, checkpoint: 7 }, 'transparency.checkpoint: not a string'],
        [{ logIndex: 3, inclusionProof: t.inclusionProof }, 'transparency.checkpoint: missing'],
        [{ ...t, inclusionProof: 'AAAA' }, 'transparency.inclusionProof: not an array of strings'],
        [{ ...t, inclusionProof: [1] }, 'transparency.inclusionProof: not an array of strings'],
        [{ logIndex: 3, checkpoint: t.checkpoint }, 'transparency.inclusionProof: missing'],
    ];
    for (const [transparency, msg] of cases) {
        await assert.rejects(withLog({ signResult: { ...fSr, transparency } }), (e: unknown) => e instanceof InvalidInputError && e.message === msg, msg);
    }
    for (const big of ['9223372036854775808', '18446744073709551616']) {
        const text = JSON.stringify(fSr).replace('"logIndex":3', `"logIndex":${big}`);
        await assert.rejects(withLog({ signResult: text }), /transparency\.logIndex: not an integer in 0\.\.2\^63-1/);
    }
    // the largest index is read exactly (and is then past the tree)
    fails(await withLog({ signResult: JSON.stringify(fSr).replace('"logIndex":3', '"logIndex":9223372036854775807') }), 'log_proof_invalid',
        'logIndex 9223372036854775807 is not in the checkpoint\'s tree of 7 entries');
    // a note over 16384 bytes
    const long = `${t.checkpoint}${'\u2014 x AAAAAAAA\n'.repeat(1200)}`;
    await assert.rejects(withLog({ signResult: { ...fSr, transparency: { ...t, checkpoint: long } } }),
        (e: unknown) => e instanceof InvalidInputError && e.message === 'transparency.checkpoint: longer than 16384 bytes');
});

test('readLogKey: both types; refuses what is not a verifier key, in words', () => {
    const k = readLogKey(log.ed.vkey);
    assert.equal(k.name, 'postq-log');
    assert.equal(k.type, 'ed25519');
    assert.equal(k.publicKey.length, 32);
    // DEL is no space: a name may hold it, as for Go's and the C SDK's note verifiers
    const del = edNoteKey('wit\u007fness', 9);
    assert.equal(readLogKey(del.vkey).name, 'wit\u007fness');
    assert.equal(verifyCheckpoint(signNote(checkpointText(`postq-log/${ORG}`, 1, new Uint8Array(32)), [log.ed, del]), readLogKey(log.ed.vkey)).ok, true);
    const c = readLogKey(`${log.comp.vkey}\n`);
    assert.equal(c.type, 'mldsa65+ed25519');
    assert.equal(c.publicKey.length, 1984);
    assert.equal(c.text, log.comp.vkey);
    const parts = (v: string): [string, string, string] => [v.slice(0, v.indexOf('+')), v.slice(v.indexOf('+') + 1, v.indexOf('+') + 9), v.slice(v.indexOf('+') + 10)];
    assert.equal(parts(log.comp.vkey)[2].length, 2676);
    const [name, id, b64] = parts(log.ed.vkey);
    const raw = Buffer.from(b64, 'base64');
    const bad = (input: unknown, msg: RegExp): void => assert.throws(() => readLogKey(input), (e: unknown) => e instanceof InvalidInputError && msg.test(e.message), String(msg));
    bad(42, /^log key: a verifier key/);
    bad('postq-log', /^log key: not <name>\+<8 lowercase hex>\+<base64>$/);
    bad(`${name}+ABCDEF12+${b64}`, /not <name>/);
    bad(`${name}+${id.slice(0, 7)}0+${b64}`, /^log key: key ID [0-9a-f]{8} is not the one of its name and key/);
    bad(`other+${id}+${b64}`, /is not the one of its name and key/);
    bad(`post q+${id}+${b64}`, /the name is empty, over 127 bytes, or holds a space/);
    bad(`${'n'.repeat(128)}+${id}+${b64}`, /over 127 bytes/);
    bad(`+${id}+${b64}`, /the name is empty/);
    bad(`${name}+${id}+${b64.slice(0, -1)}`, /not canonical padded base64/);
    bad(`${name}+${id}+${Buffer.from([0x02, ...raw.subarray(1)]).toString('base64')}`, /unsupported type 0x02/);
    bad(`${name}+${id}+${Buffer.from([0xff, ...raw.subarray(1)]).toString('base64')}`, /unsupported type 0xff/);
    bad(`${name}+${id}+${raw.subarray(0, 32).toString('base64')}`, /ed25519 key of 31 bytes, not 32/);
    // a small-order Ed25519 key under its own correct ID
    const weak = new Uint8Array([1, ...new Uint8Array(32)]);
    weak[1] = 1; // the identity point
    const wid = toHex(sha256(new Uint8Array([...utf8('w'), 0x0a, ...weak])).slice(0, 4));
    bad(`w+${wid}+${toBase64(weak)}`, /not a usable Ed25519 key/);
    assert.throws(() => verifyCheckpoint('x', 'nope'), InvalidInputError);
});

test('verifyCheckpoint and verifyConsistency: a monitor following the log', () => {
    const l = new TestLog(log.ed, log.comp);
    for (let i = 0; i < 5; i++) l.add(`e${i}\n`);
    const old = verifyCheckpoint(l.note(), log.comp.vkey);
    assert.ok(old.ok);
    for (let i = 5; i < 13; i++) l.add(`e${i}\n`);
    const now = verifyCheckpoint(l.note(), log.ed.vkey);
    assert.ok(now.ok);
    assert.equal(now.checkpoint.size, 13n);
    assert.equal(now.checkpoint.origin, `postq-log/${ORG}`);
    const proof = consistency(5, l.leaves).map(toBase64);
    assert.ok(verifyConsistency(old.checkpoint, now.checkpoint, proof));
    assert.ok(!verifyConsistency(now.checkpoint, old.checkpoint, proof));
    // a log that rewrote entry 2 is not consistent with what the monitor saw
    const forked = new TestLog(log.ed, log.comp);
    l.entries.forEach((e, i) => forked.add(i === 2 ? 'rewritten\n' : e));
    const f2 = verifyCheckpoint(forked.note(), log.ed.vkey);
    assert.ok(f2.ok);
    assert.ok(!verifyConsistency(old.checkpoint, f2.checkpoint, consistency(5, forked.leaves)));
    assert.ok(!verifyConsistency(old.checkpoint, f2.checkpoint, proof));
    assert.deepEqual(verifyCheckpoint(l.note(13, [log.ed], 'x/y'), log.ed.vkey), { ok: false, detail: 'checkpoint origin "x/y" is not postq-log/<organisation id>' });
});

test('CHECKS names the log checks; LOG_CHECKS lists them in order', () => {
    assert.deepEqual(LOG_CHECKS, ['log_checkpoint_invalid', 'log_proof_invalid']);
    for (const c of LOG_CHECKS) assert.equal(typeof CHECKS[c], 'string');
});

test('hostile input: 400 one-character changes of the transparency member either throw InvalidInputError or fail, never pass', async () => {
    let seed = 0x2545f491;
    const rnd = (n: number): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
    };
    // (with the pinned key's line only: a change to another key's line is ignored, as it should be)
    const text = JSON.stringify({ ...f.signResult, transparency: log.transparency(fIndex, 7, [log.ed]) });
    const from = text.indexOf('"transparency":');
    const alphabet = '{}[]":,0123456789-+/=ABCxyz\\n\u2014 ';
    const reasons = new Set<string>();
    let refused = 0;
    for (let i = 0; i < 400; i++) {
        const at = from + rnd(text.length - from);
        const ch = alphabet[rnd(alphabet.length)] as string;
        const t = text.slice(0, at) + ch + text.slice(at + 1);
        if (t === text || ch === ' ') continue;
        try {
            const v = await verifySignResult({ signResult: t, payload: f.payload, publicKey: f.key, logKey: log.ed.vkey });
            assert.equal(v.ok, false, `a changed transparency member passed: …${t.slice(at - 20, at + 20)}…`);
            reasons.add(v.reason as string);
        } catch (e) {
            assert.ok(e instanceof InvalidInputError, (e as Error).stack);
            refused++;
        }
    }
    assert.ok(reasons.has('log_checkpoint_invalid') && reasons.has('log_proof_invalid') && refused > 10, `${[...reasons].join()} refused ${refused}`);
});

test('verifyAttestationDoc refuses a logKey (the log is verifySignResult\'s last check)', async () => {
    await assert.rejects(import('../src/index.js').then((m) => m.verifyAttestationDoc({ signResult: fSr, policy: f.policy, logKey: log.ed.vkey } as never)),
        (e: unknown) => e instanceof InvalidInputError && /^logKey: verifySignResult checks the transparency log/.test(e.message));
});
