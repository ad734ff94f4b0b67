#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The transparency log through @postq/sdk (js/sdk/dist under Node) against a real postq-enclave
# and postq-api: sign results of attested keys (mldsa65+ed25519, mldsa87+ed448), software keys
# (mldsa65+ed25519, mldsa44+ed25519, a rotated one) and an audit failure (a policy with
# enforce false) verify with logKey, GET /v1/log's Ed25519 and composite verifier keys alike;
# the entry the SDK rebuilds is byte for byte the one the log serves (C2SP tlog-tiles entry
# bundle) and its leaf hash the level-0 tile's; GET /v1/signatures/{id}, its /proof, and the
# client's log calls; consistency from every checkpoint seen to the latest. Then tampered:
# createdAt, id, the API's verdict, a proof byte, logIndex, each signature line of the note, its
# size, another log's key, a stripped transparency member. (Parity with `postq verify
# --log-key`, the same verdicts and words: 45-sdk-parity.sh.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
export PATH=$ROOT/.tools/node/bin:$PATH
SDK=$ROOT/js/sdk/dist/index.js
[ -f "$SDK" ] || { echo "52-sdk-log: $SDK is missing: run make sdk-js"; exit 1; }

enclave_start enc || exit 1
api_start api enc || exit 1
ADMIN=$(api_org acme)
api_sign_keys enc || { echo "52-sdk-log: the keys could not be made"; exit 1; }
# A policy that allows another image, enforce false: its signs are stored as audit failures.
sed -e 's/"allowedImageHashes":\["[0-9a-f]*"\]/"allowedImageHashes":["'"$(printf '0%.0s' $(seq 64))"'"]/' \
    -e 's/"enforce":true/"enforce":false/' "$D/policy.json" >"$D/policy-audit.json"
POL_AUDIT=$(call POST /v1/attestation-policies "$ADMIN" -H 'Content-Type: application/json' -d @"$D/policy-audit.json" | jfield id)
expect "an enforce-false policy of another image" 0 "" test -n "$POL_AUDIT"

cat >"$D/log.mjs" <<'JS'
// (written by tests/e2e/52-sdk-log.sh)
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { SDK, API_URL, API_KEY, KEY, EKEY, POL, POL_AUDIT, POLICY, POLICY_AUDIT_FILE } = process.env;
const V = await import(pathToFileURL(SDK).href);
const pq = new V.PostQ({ apiKey: API_KEY, baseUrl: API_URL });
const policy = readFileSync(POLICY, 'utf8');
let run = 0;
let failed = 0;
async function check(name, fn) {
    run++;
    console.log(`[ RUN      ] ${name}`);
    try {
        await fn();
        console.log(`[       OK ] ${name}`);
    } catch (e) {
        failed++;
        console.log(`[  FAILED  ] ${name}: ${String(e.stack ?? e).split('\n').slice(0, 4).join('\n    ')}`);
    }
}
const assert = (c, m) => { if (!c) throw new Error(m); };
const raw = async (path) => {
    const r = await fetch(`${API_URL}${path}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
};
const sha256 = (b) => createHash('sha256').update(b).digest();

// The signs: each key, a payload each; the sign results as the API answered, in log order.
const keys = {
    attested: EKEY,
    software: KEY,
    attested87: (await pq.hybridKeys.create({ name: 'a87', algorithm: 'mldsa87+ed448', pqProvider: 'enclave-mock', attestationPolicyId: POL })).id,
    software44: (await pq.hybridKeys.create({ name: 's44', algorithm: 'mldsa44+ed25519', pqProvider: 'software' })).id,
    audit: (await pq.hybridKeys.create({ name: 'audit', pqProvider: 'enclave-mock', attestationPolicyId: POL_AUDIT })).id,
};
const signed = [];
const checkpoints = [];
async function sign(kind, text) {
    const payload = new TextEncoder().encode(text);
    const sr = await pq.sign({ keyId: keys[kind], payload });
    signed.push({ kind, sr, payload });
    checkpoints.push(sr.transparency.checkpoint);
    return signed[signed.length - 1];
}
for (const kind of ['attested', 'software', 'attested87', 'software44', 'audit', 'attested']) await sign(kind, `payload ${kind} ${signed.length}\n`);
await pq.hybridKeys.rotate(KEY);
await sign('software', 'after the rotation\n');
const keyJson = {};
for (const [kind, id] of Object.entries(keys)) keyJson[kind] = await pq.hybridKeys.get(id);
const info = await pq.log.get();
const LOG_KEYS = { ed25519: info.verifierKey, composite: info.compositeVerifierKey };
const verify = (s, o = {}) => V.verifySignResult({
    signResult: s.sr, payload: s.payload, publicKey: keyJson[s.kind], logKey: info.verifierKey,
    policy: s.kind.startsWith('attested') ? policy : undefined, ...o,
});
const fails = async (what, v, reason, detail) => {
    assert(!v.ok && v.reason === reason, `${what}: ${v.ok ? 'passed' : `${v.reason}: ${v.detail}`}, want ${reason}`);
    assert(detail === undefined || detail.test(v.detail), `${what}: detail "${v.detail}"`);
};

await check('log: GET /v1/log names the origin, both verifier keys and the latest checkpoint', async () => {
    assert(/^postq-log\/org_[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(info.origin), `origin ${info.origin}`);
    assert(info.size === signed.length, `size ${info.size}, signed ${signed.length}`);
    for (const k of Object.values(LOG_KEYS)) {
        const key = V.readLogKey(k);
        assert(info.origin.startsWith(`${key.name}/`), `${key.name} is not the origin's`);
        const c = V.verifyCheckpoint(info.checkpoint, k);
        assert(c.ok && c.checkpoint.size === BigInt(signed.length) && c.checkpoint.origin === info.origin, JSON.stringify(c.detail));
    }
    assert(V.readLogKey(LOG_KEYS.ed25519).type === 'ed25519' && V.readLogKey(LOG_KEYS.composite).type === 'mldsa65+ed25519', 'key types');
});

await check('log: every sign result verifies with logKey (Ed25519 and composite), at the index the API gave', async () => {
    for (const s of signed) {
        for (const [name, logKey] of Object.entries(LOG_KEYS)) {
            const v = await verify(s, { logKey });
            assert(v.ok, `${s.kind} ${name}: ${v.reason}: ${v.detail}`);
            assert(v.log.logIndex === s.sr.transparency.logIndex && v.log.origin === info.origin, JSON.stringify(v.log));
            assert(v.checks.slice(-2).map((c) => c.check).join() === 'log_checkpoint_invalid,log_proof_invalid', JSON.stringify(v.checks));
        }
    }
    assert(new Set(signed.map((s) => s.sr.transparency.logIndex)).size === signed.length, 'two sign results at one index');
});

await check('log: an audit failure\'s entry carries its verdict and reason ("verdict fail image_not_allowed")', async () => {
    const s = signed.find((x) => x.kind === 'audit');
    assert(s.sr.attestation.verdict === 'fail' && s.sr.attestation.reason === 'image_not_allowed', JSON.stringify(s.sr.attestation));
    assert(/\nverdict fail image_not_allowed\n/.test(V.logEntry(s.sr, keyJson.audit)), 'entry verdict');
    // the document itself is good: under the enclave's real policy everything passes, under
    // the audit policy (another image) the browser's verifier agrees with the API's verdict
    const v = await verify(s, { policy });
    assert(v.ok && v.log.logIndex === s.sr.transparency.logIndex, `under the enclave's policy: ${v.reason}: ${v.detail}`);
    await fails('under the audit policy', await verify(s, { policy: readFileSync(POLICY_AUDIT_FILE, 'utf8') }), 'image_not_allowed');
});

await check('log: the rebuilt entries are byte for byte the log\'s (tile/entries) and their leaf hashes the level-0 tile\'s', async () => {
    const n = info.size;
    const bundle = await raw(`/v1/log/tile/entries/000.p/${n}`);
    const entries = [];
    for (let at = 0; at < bundle.length;) {
        const len = (bundle[at] << 8) | bundle[at + 1];
        entries.push(Buffer.from(bundle.subarray(at + 2, at + 2 + len)).toString('utf8'));
        at += 2 + len;
    }
    assert(entries.length === n, `${entries.length} entries in the bundle, log size ${n}`);
    const hashes = await raw(`/v1/log/tile/0/000.p/${n}`);
    assert(hashes.length === 32 * n, `level-0 tile of ${hashes.length} bytes`);
    for (const s of signed) {
        const i = s.sr.transparency.logIndex;
        const mine = V.logEntry(s.sr, keyJson[s.kind]);
        assert(mine === entries[i], `${s.kind} at ${i}:\nSDK: ${JSON.stringify(mine)}\nlog: ${JSON.stringify(entries[i])}`);
        assert(Buffer.from(V.leafHash(mine)).equals(Buffer.from(hashes.subarray(32 * i, 32 * i + 32))), `leaf hash of ${i}`);
    }
    const rotated = signed[signed.length - 1];
    assert(/\nkey [^ ]+ 2 /.test(V.logEntry(rotated.sr, keyJson.software)), 'the rotated key signs as version 2');
});

await check('log: GET /v1/signatures/{id} and /proof (the latest checkpoint), and the client\'s signatures.proof', async () => {
    for (const s of signed) {
        const got = await pq.signatures.get(s.sr.id);
        const v = await verify({ ...s, sr: got });
        assert(v.ok && v.log.treeSize === info.size, `${s.kind}: ${v.reason}: ${v.detail}`);
        const p = await pq.signatures.proof(s.sr.id);
        const w = await verify({ ...s, sr: { ...s.sr, transparency: p } }, { logKey: LOG_KEYS.composite });
        assert(w.ok && w.log.treeSize === info.size && p.logIndex === s.sr.transparency.logIndex, `${s.kind} proof: ${w.reason}: ${w.detail}`);
    }
});

await check('log: every checkpoint seen is consistent with the latest (client log.proof), and with each later one', async () => {
    const latest = V.verifyCheckpoint(info.checkpoint, LOG_KEYS.ed25519).checkpoint;
    const seen = checkpoints.map((c) => V.verifyCheckpoint(c, LOG_KEYS.composite));
    assert(seen.every((c) => c.ok), 'a checkpoint did not verify');
    for (const [i, c] of seen.entries()) {
        const size = Number(c.checkpoint.size);
        assert(size === i + 1, `the checkpoint of sign ${i} has size ${size}`);
        const p = await pq.log.proof(size);
        const to = V.verifyCheckpoint(p.checkpoint, LOG_KEYS.ed25519);
        assert(to.ok && to.checkpoint.size === latest.size, `proof from ${size}: checkpoint ${to.detail ?? to.checkpoint.size}`);
        assert(V.verifyConsistency(c.checkpoint, to.checkpoint, p.consistencyProof), `not consistent from ${size}`);
        if (p.consistencyProof.length > 0) {
            const bad = p.consistencyProof.map((h, k) => (k === 0 ? Buffer.from(h, 'base64').map((b, j) => (j === 7 ? b ^ 1 : b)).toString('base64') : h));
            assert(!V.verifyConsistency(c.checkpoint, to.checkpoint, bad), `a changed proof from ${size} verified`);
        }
        for (const later of seen.slice(i + 1)) {
            const q = await pq.log.proof(size, Number(later.checkpoint.size));
            assert(V.verifyConsistency(c.checkpoint, later.checkpoint, q.consistencyProof), `${size} -> ${later.checkpoint.size}`);
        }
    }
});

const first = signed[0];
const soft = signed[1];
await check('log: an edited createdAt, id or API verdict is log_proof_invalid (attested under its policy, and software)', async () => {
    for (const s of [first, soft]) {
        const d = new Date(Date.parse(s.sr.createdAt) + 1).toISOString();
        await fails('createdAt', await verify({ ...s, sr: { ...s.sr, createdAt: d } }), 'log_proof_invalid', /^the rebuilt log entry is not at logIndex /);
        await fails('createdAt written otherwise', await verify({ ...s, sr: { ...s.sr, createdAt: s.sr.createdAt.replace('Z', '+00:00') } }), 'log_proof_invalid');
        await fails('id', await verify({ ...s, sr: { ...s.sr, id: s.sr.id.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) } }), 'log_proof_invalid');
    }
    await fails('verdict', await verify({ ...first, sr: { ...first.sr, attestation: { ...first.sr.attestation, verdict: 'fail', reason: 'doc_stale' } } }), 'log_proof_invalid');
});

await check('log: a changed byte of the inclusion proof, another logIndex: log_proof_invalid', async () => {
    const s = signed[2];
    const t = s.sr.transparency;
    assert(t.inclusionProof.length >= 1, 'no proof hashes');
    for (let j = 0; j < t.inclusionProof.length; j++) {
        for (const at of [0, 13, 31]) {
            const h = Buffer.from(t.inclusionProof[j], 'base64');
            h[at] ^= 0x10;
            const p = t.inclusionProof.map((x, k) => (k === j ? h.toString('base64') : x));
            await fails(`hash ${j} byte ${at}`, await verify({ ...s, sr: { ...s.sr, transparency: { ...t, inclusionProof: p } } }), 'log_proof_invalid');
        }
    }
    const latest = { ...s.sr, transparency: await pq.signatures.proof(s.sr.id) };
    for (let i = 0; i < info.size; i++) {
        if (i === t.logIndex) continue;
        await fails(`logIndex ${i}`, await verify({ ...s, sr: { ...latest, transparency: { ...latest.transparency, logIndex: i } } }), 'log_proof_invalid');
    }
    await fails('stripped', await verify({ ...s, sr: { ...s.sr, transparency: undefined } }), 'log_proof_invalid', /no transparency member/);
});

await check('log: each signature line of the note changed, its size changed, another log\'s key: log_checkpoint_invalid', async () => {
    const s = signed[3];
    const t = s.sr.transparency;
    const lines = t.checkpoint.split('\n');
    const sigLines = lines.map((l, i) => [l, i]).filter(([l]) => l.startsWith('\u2014 '));
    assert(sigLines.length === 2, `${sigLines.length} signature lines`);
    const verdicts = [];
    for (const [l, i] of sigLines) {
        const [dash, name, b64] = l.split(' ');
        const b = Buffer.from(b64, 'base64');
        b[40] ^= 1;
        const note = lines.map((x, k) => (k === i ? `${dash} ${name} ${b.toString('base64')}` : x)).join('\n');
        const sr = { ...s.sr, transparency: { ...t, checkpoint: note } };
        verdicts.push(await verify({ ...s, sr }, { logKey: LOG_KEYS.ed25519 }), await verify({ ...s, sr }, { logKey: LOG_KEYS.composite }));
    }
    // line 1 is the Ed25519 key's, line 2 the composite key's: each rejects under its own key only
    const got = verdicts.map((v) => (v.ok ? 'ok' : v.reason)).join();
    assert(got === 'log_checkpoint_invalid,ok,ok,log_checkpoint_invalid', got);
    const bigger = t.checkpoint.replace(`\n${lines[1]}\n`, `\n${Number(lines[1]) + 1}\n`);
    await fails('size', await verify({ ...s, sr: { ...s.sr, transparency: { ...t, checkpoint: bigger } } }), 'log_checkpoint_invalid', /does not verify$/);
    // another log's key (a fresh Ed25519 key of the same name)
    const pk = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x, 'base64url');
    const typed = Buffer.concat([Buffer.from([1]), pk]);
    const id = sha256(Buffer.concat([Buffer.from('postq-log\n'), typed])).subarray(0, 4).toString('hex');
    await fails('another key', await verify(s, { logKey: `postq-log+${id}+${typed.toString('base64')}` }), 'log_checkpoint_invalid', /^note: no signature by postq-log\+/);
});

console.log(`[==========] ${run} test(s) run.`);
console.log(`[  PASSED  ] ${run - failed} test(s).`);
if (failed) console.log(`[  FAILED  ] ${failed} test(s)`);
process.exit(failed ? 1 : 0);
JS

SDK=$SDK API_URL=$API_URL API_KEY=$ADMIN KEY=$KEY EKEY=$EKEY POL=$POL POL_AUDIT=$POL_AUDIT POLICY=$D/policy.json \
    POLICY_AUDIT_FILE=$D/policy-audit.json \
    timeout --kill-after=5 120 node "$D/log.mjs"
rc=$?
[ $rc -eq 0 ] || T_FAILED=$((T_FAILED + 1))
t_done
