// SPDX-License-Identifier: Apache-2.0
// @postq/sdk's verifiers (js/sdk/dist, under Node) against the CLI's on one corpus, every input
// genuinely signed (a live stack, or tests/tools/mkfixture) and then altered one piece at a
// time: `postq attest verify` vs verifyAttestationDoc (a real sign result and policy, each check
// of docs/verification.md made to fail, edited sign-result fields, createdAt and --at variants,
// fixtures a year old and from the future, bare documents with --doc), and `postq verify` vs
// verifySignResult (the composite signature of every algorithm, from the stack and from
// mkfixture, each half tampered, with and without a policy). Both must agree on the verdict, the
// reason code, the detail and the reference time (the CLI's --json "at"); where a detail names the
// clock's time, each side reads its own clock and the two must agree within 5 s. Inputs the CLI
// refuses (exit 2) the SDK refuses with InvalidInputError in the same words. cmocka-style lines.
// Environment: CLI, SDK (js/sdk/dist/index.js), SIG, POLICY, PAYLOAD, KEY_JSON (the key's JSON
// from the API), WORK, MKFIXTURE, STACK (a directory of sig-ALG.json, key-ALG.json and
// payload-ALG.bin signed by the live stack for each algorithm).
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { CLI, SDK, SIG, POLICY, PAYLOAD, KEY_JSON, WORK, MKFIXTURE, STACK, SHARED, OTHER_ROOT } = process.env;
const otherCompositeRoot = OTHER_ROOT;
const V = await import(pathToFileURL(SDK).href);
const ALGS = ['mldsa44+ed25519', 'mldsa65+ed25519', 'mldsa87+ed448'];

const sig = readFileSync(SIG, 'utf8');
const policy = readFileSync(POLICY, 'utf8');
const payload = new Uint8Array(readFileSync(PAYLOAD));
let run = 0;
let failed = 0;

const b64u = (s) => Buffer.from(s).toString('base64url');
const docOf = (sr) => Buffer.from(sr.attestation.docB64, 'base64').toString('latin1').split('.');
const withDoc = (sr, parts) => ({ ...sr, attestation: { ...sr.attestation, docB64: Buffer.from(parts.join('.'), 'latin1').toString('base64') } });
const header = (sr, h) => { const p = docOf(sr); p[0] = b64u(JSON.stringify(h)); return withDoc(sr, p); };
const claims = (sr, f) => { const p = docOf(sr); p[1] = b64u(f(Buffer.from(p[1], 'base64url').toString())); return withDoc(sr, p); };
const secs = (ms) => Math.floor(ms / 1000) * 1000;

// postq attest verify --json (or postq verify --json with mode 'verify', or --doc with mode
// 'doc') [--at SECONDS]: {verdict, reason, detail, at} or, for refused input, {verdict: 'exit N',
// detail: stderr}.
function cli(sigText, polText, payloadBytes, atMs, keyText, mode = 'attest', logKey = null) {
    const s = join(WORK, 'p-sig.json'), p = join(WORK, 'p-policy.json'), f = join(WORK, 'p-payload');
    writeFileSync(s, sigText);
    if (polText !== null) writeFileSync(p, polText);
    writeFileSync(f, payloadBytes);
    let args;
    if (mode === 'doc') {
        const d = join(WORK, 'p-doc');
        writeFileSync(d, sigText); // the document's base64
        args = ['attest', 'verify', '--json', '--policy', p, '--doc', d];
    } else if (mode === 'verify') {
        args = ['verify', '--json', '--sign-result', s, '--payload', f];
        if (polText !== null) args.push('--policy', p);
    } else {
        args = ['attest', 'verify', '--json', '--policy', p, '--sign-result', s, '--payload', f];
    }
    if (atMs !== null) args.push('--at', String(Math.floor(atMs / 1000)));
    if (logKey !== null) args.push('--log-key', logKey);
    if (keyText !== null) {
        const k = join(WORK, 'p-key.json');
        writeFileSync(k, keyText);
        args.push('--public-key', k);
    }
    const report = (out) => {
        try {
            return JSON.parse(String(out));
        } catch {
            return {};
        }
    };
    try {
        const out = execFileSync(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const r = report(out);
        return { verdict: 'pass', at: r.at, checks: r.checks };
    } catch (e) {
        const m = /^rejected: ([a-z_]+): (.*)$/m.exec(String(e.stderr));
        if (e.status !== 1 || !m) return { verdict: `exit ${e.status}`, detail: String(e.stderr).trim() };
        const r = report(e.stdout);
        return { verdict: 'fail', reason: m[1], detail: m[2], at: r.at, checks: r.checks };
    }
}

// "..., N s after [the clock's time ]T; ...", T the clock (named so when the reference time is
// another): the same text apart from N and T, which each side took from its own clock, within
// 5 s of each other. Any other detail is compared exactly.
const CLOCK = /^(.*), (\d+) s after (the clock's time |)([0-9T:.Z-]+); (.*)$/;
// "signed T, N s before R; ...": R the clock when a bare document is judged now.
const STALE = /^signed ([0-9T:.Z-]+), (\d+) s before ([0-9T:.Z-]+); (.*)$/;
function sameDetail(b, c) {
    const mb = CLOCK.exec(b ?? ''), mc = CLOCK.exec(c ?? '');
    const sb = STALE.exec(b ?? ''), sc = STALE.exec(c ?? '');
    if (sb && sc) {
        return sb[1] === sc[1] && sb[4] === sc[4] && Math.abs(Number(sb[2]) - Number(sc[2])) <= 5 &&
            Math.abs(Date.parse(sb[3]) - Date.parse(sc[3])) <= 5000;
    }
    if (!mb || !mc) return b === c;
    return mb[1] === mc[1] && mb[3] === mc[3] && mb[5] === mc[5] && Math.abs(Number(mb[2]) - Number(mc[2])) <= 5 &&
        Math.abs(Date.parse(mb[4]) - Date.parse(mc[4])) <= 5000;
}

// One case through both verifiers. at: the --at time in ms, or null for the default (the sign
// result's createdAt, else the clock). mode: 'attest' (verifyAttestationDoc with the sign result),
// 'verify' (verifySignResult; pol null for none) or 'doc' (verifyAttestationDoc of a bare
// document: sr is its base64).
async function both(name, want, { sr = JSON.parse(sig), pol = policy, pay = payload, at = null, key = null, exactDetail = true, mode = 'attest', logKey = null } = {}) {
    run++;
    console.log(`[ RUN      ] ${name}`);
    const atMs = at === null ? null : secs(at); // the CLI's --at is in seconds
    const text = typeof sr === 'string' ? sr : JSON.stringify(sr);
    const c = cli(text, pol, pay, atMs, key, mode, logKey);
    let b;
    let source = 'clock';
    try {
        const args = { at: atMs ?? undefined };
        let r;
        if (mode === 'doc') {
            r = await V.verifyAttestationDoc({ ...args, docB64: text, policy: pol }); // --doc declares no vendor
        } else {
            const o = JSON.parse(text);
            if (atMs !== null) source = 'at';
            else if (typeof o.createdAt === 'string' && o.createdAt !== '') source = 'createdAt';
            r = mode === 'verify'
                ? await V.verifySignResult({ ...args, signResult: text, payload: pay, publicKey: key, policy: pol ?? undefined, logKey: logKey ?? undefined })
                : await V.verifyAttestationDoc({ ...args, signResult: text, policy: pol, payload: pay, publicKey: key ?? undefined });
        }
        b = { verdict: r.ok ? 'pass' : 'fail', reason: r.reason, detail: r.detail, at: r.at, checks: r.checks };
    } catch (e) {
        b = { verdict: e instanceof V.InvalidInputError ? 'exit 2' : `error: ${e.stack}`, detail: e.message };
    }
    const problems = [];
    if (c.verdict !== (want ? 'fail' : 'pass') || (want && c.reason !== want)) problems.push(`CLI: ${JSON.stringify(c)}`);
    if (b.verdict !== c.verdict || b.reason !== c.reason) problems.push(`SDK ${JSON.stringify(b)} vs CLI ${JSON.stringify(c)}`);
    else if (exactDetail && !sameDetail(b.detail, c.detail)) problems.push(`detail: SDK "${b.detail}" vs CLI "${c.detail}"`);
    else if (JSON.stringify(b.checks) !== JSON.stringify(c.checks)) problems.push(`checks: SDK ${JSON.stringify(b.checks)} vs CLI ${JSON.stringify(c.checks)}`);
    const timed = mode !== 'verify' || pol !== null;
    if (!problems.length && timed && (source === 'clock' ? Math.abs(Date.parse(b.at) - Date.parse(c.at)) > 5000 : b.at !== c.at)) {
        problems.push(`reference time: SDK ${b.at} (${source}) vs CLI ${c.at}`);
    }
    if (problems.length) {
        failed++;
        console.log(`[  FAILED  ] ${name}: ${problems.join('; ')}`);
    } else {
        console.log(`[       OK ] ${name}`);
        if (want) reasons.add(want);
    }
}
const reasons = new Set();

// Input both refuse before any check (the CLI exits 2; the SDK throws InvalidInputError): the
// same words, at the end of the CLI's message and of the SDK's. parse: 'sr', 'key' or 'pol'.
function refused(name, parse, text, want) {
    run++;
    console.log(`[ RUN      ] ${name}`);
    const c = parse === 'sr' ? cli(text, policy, payload, null, null)
        : parse === 'pol' ? cli(sig, text, payload, null, null) : cli(sig, policy, payload, null, text);
    let msg = '';
    try {
        if (parse === 'sr') V.readSignResult(text);
        else if (parse === 'pol') V.readPolicy(text);
        else V.readPublicKey(text);
    } catch (e) {
        msg = e instanceof V.InvalidInputError ? e.message : `not an InvalidInputError: ${e.message}`;
    }
    if (c.verdict === 'exit 2' && c.detail.endsWith(want) && msg.endsWith(want)) {
        console.log(`[       OK ] ${name}`);
    } else {
        failed++;
        console.log(`[  FAILED  ] ${name}: CLI ${JSON.stringify(c)}, SDK "${msg}"`);
    }
}

const sr0 = JSON.parse(sig);
const pol0 = JSON.parse(policy);
const h0 = JSON.parse(Buffer.from(docOf(sr0)[0], 'base64url').toString());
const flipSig = (() => { const p = docOf(sr0); const s = p[2]; p[2] = `${s.slice(0, 5)}${s[5] === 'A' ? 'B' : 'A'}${s.slice(6)}`; return withDoc(sr0, p); })();
const otherSig = (() => { const b = Buffer.from(sr0.signatureB64, 'base64'); b[0] ^= 1; return { ...sr0, signatureB64: b.toString('base64') }; })();
const c0 = JSON.parse(Buffer.from(docOf(sr0)[1], 'base64url').toString());
const ts = c0.timestamp;
const created = Date.parse(sr0.createdAt);
const srWith = (o) => ({ ...sr0, ...o });
const attWith = (o) => ({ ...sr0, attestation: { ...sr0.attestation, ...o } });
const without = (obj, k) => { const o = { ...obj }; delete o[k]; return o; };

refused('parity: a policy with a rule no verifier reads', 'pol',
    JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, allowAnyImage: true } }),
    'matchRules.allowAnyImage: not a rule of this vendor');
refused('parity: a policy pinning an all-zero root key', 'pol',
    JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: Buffer.alloc(32).toString('base64') } }),
    'matchRules.rootPublicKeyB64: not a usable Ed25519 public key (all zeros, small order or not a point)');
refused('parity: a policy pinning a small-order root key (order 8)', 'pol',
    JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: 'JuiVj8KyJ7BFw/SJ8u+Y8NXfrAXTxjM5sTgCiG1T/IU=' } }),
    'matchRules.rootPublicKeyB64: not a usable Ed25519 public key (all zeros, small order or not a point)');
// Every way the CLI refuses a policy, in its words (src/attest/policy.c).
const polWith = (o) => JSON.stringify({ ...pol0, ...o });
const rulesWith = (o) => JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, ...o } });
const rulesWithout = (k) => JSON.stringify({ ...pol0, matchRules: without(pol0.matchRules, k) });
for (const [name, text, want] of [
    ['id not a string', polWith({ id: 7 }), 'id: not a string'],
    ['name not a string', polWith({ name: false }), 'name: not a string'],
    ['createdAt not a string', polWith({ createdAt: 1 }), 'createdAt: not a string'],
    ['vendor missing', JSON.stringify(without(pol0, 'vendor')), 'vendor: missing'],
    ['vendor not a string', polWith({ vendor: 1 }), 'vendor: not a string'],
    ['vendor unknown', polWith({ vendor: 'tpm' }), 'vendor: unknown vendor'],
    ['enforce not a boolean', polWith({ enforce: 'yes' }), 'enforce: not a boolean'],
    ['matchRules missing', JSON.stringify(without(pol0, 'matchRules')), 'matchRules: missing'],
    ['matchRules not an object', polWith({ matchRules: [] }), 'matchRules: not an object'],
    ['a misspelt rule', rulesWith({ alowedImageHashes: [] }), 'matchRules.alowedImageHashes: not a rule of this vendor'],
    ['a rule of another vendor', rulesWith({ pcrs: {} }), 'matchRules.pcrs: not a rule of this vendor'],
    ['maxDocAgeSeconds 0', rulesWith({ maxDocAgeSeconds: 0 }), 'matchRules.maxDocAgeSeconds: not an integer in 1..315360000'],
    ['maxDocAgeSeconds 1.5', rulesWith({ maxDocAgeSeconds: 1.5 }), 'matchRules.maxDocAgeSeconds: not an integer in 1..315360000'],
    ['maxDocAgeSeconds null', rulesWith({ maxDocAgeSeconds: null }), 'matchRules.maxDocAgeSeconds: not an integer in 1..315360000'],
    ['maxDocAgeSeconds over ten years', rulesWith({ maxDocAgeSeconds: 315360001 }), 'matchRules.maxDocAgeSeconds: not an integer in 1..315360000'],
    ['allowedImageHashes missing', rulesWithout('allowedImageHashes'), 'matchRules.allowedImageHashes: missing'],
    ['allowedImageHashes not an array', rulesWith({ allowedImageHashes: 'x' }), 'matchRules.allowedImageHashes: not an array'],
    ['allowedImageHashes empty', rulesWith({ allowedImageHashes: [] }), 'matchRules.allowedImageHashes: empty (policies fail closed)'],
    ['129 allowedImageHashes', rulesWith({ allowedImageHashes: Array(129).fill('a'.repeat(64)) }), 'matchRules.allowedImageHashes: more than 128 entries'],
    ['an upper-case image hash', rulesWith({ allowedImageHashes: ['A'.repeat(64)] }), 'matchRules.allowedImageHashes[0]: not 64 lowercase hex characters'],
    ['a short second image hash', rulesWith({ allowedImageHashes: ['a'.repeat(64), 'ab'] }), 'matchRules.allowedImageHashes[1]: not 64 lowercase hex characters'],
    ['rootPublicKeyB64 missing', rulesWithout('rootPublicKeyB64'), 'matchRules.rootPublicKeyB64: missing (or rootPublicKeysB64)'],
    ['rootPublicKeysB64 empty', rulesWith({ rootPublicKeysB64: [] }), 'matchRules.rootPublicKeysB64: not a non-empty array'],
    ['a root pinned twice', rulesWith({ rootPublicKeysB64: [pol0.matchRules.rootPublicKeyB64] }), 'matchRules.rootPublicKeysB64[0]: pinned twice'],
    ['nine roots', rulesWith({ rootPublicKeysB64: Array.from({ length: 8 }, (_, i) => Buffer.alloc(32, i + 1).toString('base64')) }), 'matchRules.rootPublicKeysB64: more than 8 roots'],
    ['a root of 1985 bytes', rulesWith({ rootPublicKeyB64: Buffer.alloc(1985, 1).toString('base64') }), 'matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key'],
    ['rootPublicKeyB64 not a string', rulesWith({ rootPublicKeyB64: 5 }), 'matchRules.rootPublicKeyB64: not a string'],
    ['rootPublicKeyB64 of 33 bytes', rulesWith({ rootPublicKeyB64: Buffer.alloc(33, 1).toString('base64') }), 'matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key'],
    ['rootPublicKeyB64 over 2648 characters', rulesWith({ rootPublicKeyB64: 'A'.repeat(2652) }), 'matchRules.rootPublicKeyB64: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key'],
    ['rootPublicKeyB64 unpadded', rulesWith({ rootPublicKeyB64: pol0.matchRules.rootPublicKeyB64.replace(/=+$/, '') }), 'matchRules.rootPublicKeyB64: not canonical padded base64'],
]) {
    refused(`parity: a policy with ${name} is refused`, 'pol', text, want);
}
await both('parity: the real sign result verifies (at its createdAt)', null);
await both('parity: the real sign result verifies at --at createdAt + 1 s', null, { at: created + 1000 });
await both('parity: JWS signature altered', 'doc_signature_invalid', { sr: flipSig });
await both('parity: only an Ed25519 root pinned (the document is ML-DSA-65-Ed25519)', 'doc_alg_unsupported', { pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' } }) });
await both('parity: another composite root pinned', 'doc_signature_invalid', { pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: otherCompositeRoot } }) });
await both('parity: the old Ed25519 root and the composite root pinned', null, { pol: JSON.stringify({ ...pol0, matchRules: { allowedImageHashes: pol0.matchRules.allowedImageHashes, rootPublicKeysB64: ['11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=', pol0.matchRules.rootPublicKeyB64] } }) });
await both('parity: image not in the allow-list', 'image_not_allowed', { pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, allowedImageHashes: ['0'.repeat(64)] } }) });
await both('parity: another payload', 'payload_hash_mismatch', { pay: new TextEncoder().encode('other') });
await both('parity: another signature', 'sig_hash_mismatch', { sr: otherSig });
await both('parity: stale at --at + 1 h', 'doc_stale', { at: ts + 3600e3 });
await both('parity: from the future at --at − 1 h', 'doc_from_future', { at: ts - 3600e3 });
await both('parity: header alg none', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, alg: 'none' }) });
await both('parity: header alg HS256', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, alg: 'HS256' }) });
await both('parity: header crit', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, crit: ['exp'] }) });
await both('parity: header typ JWT', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, typ: 'JWT' }) });
await both('parity: header without alg', 'doc_malformed', { sr: header(sr0, { typ: h0.typ }) });
// The stack's documents are ML-DSA-65-Ed25519: relabelled EdDSA, a 3373-byte signature is no
// Ed25519 signature (the EdDSA alias itself is covered by the fixtures below).
await both('parity: a composite document relabelled EdDSA', 'doc_malformed', { sr: header(sr0, { ...h0, alg: 'EdDSA' }) });
await both('parity: a composite document relabelled Ed25519', 'doc_malformed', { sr: header(sr0, { ...h0, alg: 'Ed25519' }) });
await both('parity: declared vendor differs', 'vendor_mismatch', { sr: { ...sr0, attestation: { ...sr0.attestation, vendor: 'aws-nitro-enclave' } } });
await both('parity: docB64 not base64', 'doc_malformed', { sr: { ...sr0, attestation: { ...sr0.attestation, docB64: `${sr0.attestation.docB64.slice(0, 8)}!${sr0.attestation.docB64.slice(9)}` } } });
const d64 = sr0.attestation.docB64;
await both('parity: docB64 with its padding wrong', 'doc_malformed', { sr: { ...sr0, attestation: { ...sr0.attestation, docB64: d64.endsWith('=') ? d64.replace(/=+$/, '') : `${d64}==` } } });
await both('parity: docB64 with a line break', 'doc_malformed', { sr: { ...sr0, attestation: { ...sr0.attestation, docB64: `${d64.slice(0, 76)}\n${d64.slice(76)}` } } });
await both('parity: two parts only', 'doc_malformed', { sr: withDoc(sr0, docOf(sr0).slice(0, 2)) });
await both('parity: four parts', 'doc_malformed', { sr: withDoc(sr0, [...docOf(sr0), 'AA']) });
await both('parity: padded base64url part', 'doc_malformed', { sr: (() => { const p = docOf(sr0); p[2] += '='; return withDoc(sr0, p); })() });
await both('parity: non-canonical base64url (unused bits set)', 'doc_malformed', { sr: (() => { const p = docOf(sr0); const s = p[2]; const last = s[s.length - 1]; p[2] = s.slice(0, -1) + (last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) + 1)); return withDoc(sr0, p); })() });
await both('parity: claims with a duplicate member', 'doc_malformed', { sr: claims(sr0, (t) => t.replace('{', '{"v":1,')), exactDetail: false });
await both('parity: claims.v 2', 'doc_malformed', { sr: claims(sr0, (t) => t.replace('"v":1', '"v":2')) });
await both('parity: claims.counter negative', 'doc_malformed', { sr: claims(sr0, (t) => t.replace(/"counter":\d+/, '"counter":-1')) });
await both('parity: claims.imageHash upper case', 'doc_malformed', { sr: claims(sr0, (t) => t.replace(/"imageHash":"([0-9a-f]+)"/, (m, h) => `"imageHash":"${h.toUpperCase()}"`)) });
await both('parity: claims.nonce padded', 'doc_malformed', { sr: claims(sr0, (t) => t.replace(/"nonce":"([^"]+)"/, '"nonce":"$1="')) });
await both('parity: claims without timestamp', 'doc_malformed', { sr: claims(sr0, (t) => t.replace(/,"timestamp":\d+/, '').replace(/"timestamp":\d+,/, '')) });

const k0 = JSON.parse(readFileSync(KEY_JSON, 'utf8'));
const kb = Buffer.from(k0.publicKeyB64, 'base64');
// A changed publicKeyB64 changes the key's versions too: a verifier takes the public key of the
// sign result's keyVersion from them.
const keyWith = (o) => JSON.stringify({ ...k0, ...o, versions: (k0.versions ?? []).map((v) => ({ ...v, ...(o.publicKeyB64 !== undefined ? { publicKeyB64: o.publicKeyB64 } : {}) })) });
await both('parity: with the key\'s JSON, verifies', null, { key: keyWith({}) });
await both('parity: key of another algorithm', 'key_mismatch', { key: keyWith({ algorithm: 'mldsa44+ed25519', publicKeyB64: kb.subarray(0, 1344).toString('base64') }) });
await both('parity: key with one byte changed', 'key_mismatch', { key: keyWith({ publicKeyB64: Buffer.from(kb.map((b, i) => (i === 100 ? b ^ 1 : b))).toString('base64') }) });
refused('parity: a key three bytes short of its algorithm is refused', 'key', keyWith({ publicKeyB64: kb.subarray(0, kb.length - 3).toString('base64') }),
    '"publicKeyB64" is not base64 of a mldsa65+ed25519 key');
refused('parity: a key without its algorithm is refused', 'key', JSON.stringify({ publicKeyB64: k0.publicKeyB64 }),
    '"algorithm" missing or unknown');
refused('parity: a key of an unknown algorithm is refused', 'key', keyWith({ algorithm: 'rsa2048' }), '"algorithm" missing or unknown');

// Every way the CLI refuses a PEM key, in its words (src/crypto/spki.c).
const pem0 = V.publicKeyPem(k0.algorithm, kb);
const derOf = (pem) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const pemOf = (der) => `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
const derWith = (i, v) => { const d = derOf(pem0); d[i] = v; return pemOf(d); };
for (const [name, text, want] of [
    ['no END line', pem0.replace('-----END PUBLIC KEY-----\n', ''), '(malformed encoding)'],
    ['a space inside the body', pem0.replace(/\n(.{10})/, '\n$1 '), '(malformed encoding)'],
    ['a PRIVATE KEY label', pem0.replace(/PUBLIC KEY/g, 'PRIVATE KEY'), '(malformed encoding)'],
    ['an unknown composite arc', derWith(15, 0x2a), '(unsupported algorithm or parameter)'],
    ['another OID', derWith(12, 0x09), '(unsupported algorithm or parameter)'],
    ['a key one byte short', pemOf(Buffer.concat([derOf(pem0).subarray(0, 2), Buffer.from([((derOf(pem0).length - 5) >> 8), (derOf(pem0).length - 5) & 0xff]), derOf(pem0).subarray(4, 18), Buffer.from([((derOf(pem0).length - 21) >> 8), (derOf(pem0).length - 21) & 0xff]), derOf(pem0).subarray(20, derOf(pem0).length - 1)])), '(malformed encoding)'],
    ['a body over 3800 characters', `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(3804)}\n-----END PUBLIC KEY-----\n`, '(input too large)'],
]) {
    refused(`parity: a PEM key with ${name} is refused`, 'key', text, `not a PEM composite public key ${want}`);
}
await both('parity: with the key as PEM, verifies', null, { key: pem0 });

// result_mismatch: a sign result edited after the fact, field by field (docs/formats.md,
// docs/verification.md).
const hex64 = (s) => s.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
const sig44 = Buffer.alloc(2420 + 64, 5).toString('base64');
await both('parity: keyId edited', 'result_mismatch', { sr: srWith({ keyId: 'key_01ZZZZZZZZZZZZZZZZZZZZZZZZ' }) });
await both('parity: keyId edited, long and not ASCII (cut at 60 bytes as C does)', 'result_mismatch', { sr: srWith({ keyId: 'ключ-'.repeat(12) }) });
await both('parity: algorithm edited (a signature of its size)', 'result_mismatch', { sr: srWith({ algorithm: 'mldsa44+ed25519', signatureB64: sig44 }) });
await both('parity: payloadSha256 edited (before the payload is hashed)', 'result_mismatch', { sr: srWith({ payloadSha256: hex64(sr0.payloadSha256) }) });
await both('parity: attestation.imageHash edited', 'result_mismatch', { sr: attWith({ imageHash: hex64(sr0.attestation.imageHash) }) });
await both('parity: attestation.imageHash edited to a short hex', 'result_mismatch', { sr: attWith({ imageHash: 'abc' }) });
await both('parity: attestation.counter edited', 'result_mismatch', { sr: attWith({ counter: sr0.attestation.counter + 1 }) });
await both('parity: attestation.counter edited to a huge one', 'result_mismatch', { sr: JSON.stringify(attWith({ counter: 0 })).replace('"counter":0', '"counter":9223372036854775807') });
await both('parity: without attestation.imageHash (not compared)', null, { sr: { ...sr0, attestation: without(sr0.attestation, 'imageHash') } });
await both('parity: attestation.imageHash empty (not compared)', null, { sr: attWith({ imageHash: '' }) });
await both('parity: without attestation.counter (not compared)', null, { sr: { ...sr0, attestation: without(sr0.attestation, 'counter') } });
await both('parity: result_mismatch before payload_hash_mismatch', 'result_mismatch', { sr: attWith({ counter: sr0.attestation.counter + 7 }), pay: new TextEncoder().encode('other') });
refused('parity: attestation.imageHash upper case is refused', 'sr', JSON.stringify(attWith({ imageHash: sr0.attestation.imageHash.toUpperCase() })), 'attestation.imageHash: not lowercase hex');
refused('parity: attestation.counter -1 is refused', 'sr', JSON.stringify(attWith({ counter: -1 })), 'attestation.counter: not an integer >= 0');
refused('parity: attestation.counter as a string is refused', 'sr', JSON.stringify(attWith({ counter: '3' })), 'attestation.counter: not an integer >= 0');
refused('parity: a signature of the wrong size is refused', 'sr', JSON.stringify(srWith({ algorithm: 'mldsa44+ed25519' })), 'signatureB64: not base64 of 2484 bytes (mldsa44+ed25519)');
refused('parity: an unknown algorithm is refused', 'sr', JSON.stringify(srWith({ algorithm: 'mldsa65+rsa' })), 'algorithm: unknown algorithm "mldsa65+rsa"');
refused('parity: a docB64 over 21848 characters is refused', 'sr', JSON.stringify(attWith({ docB64: 'A'.repeat(21852) })), 'attestation.docB64: too long');

// Every way the CLI refuses a sign result, in its words (src/attest/sign_result.c).
for (const [name, sr, want] of [
    ['id not a string', srWith({ id: 1 }), 'id: not a string'],
    ['keyId missing', without(sr0, 'keyId'), 'keyId: missing'],
    ['keyId empty', srWith({ keyId: '' }), 'keyId: empty'],
    ['keyId of 128 bytes', srWith({ keyId: 'k'.repeat(128) }), 'keyId: too long'],
    ['keyVersion 0', srWith({ keyVersion: 0 }), 'keyVersion: not an integer >= 1'],
    ['keyVersion "1"', srWith({ keyVersion: '1' }), 'keyVersion: not an integer >= 1'],
    ['createdAt of 40 bytes', srWith({ createdAt: '2'.repeat(40) }), 'createdAt: too long'],
    ['algorithm missing', without(sr0, 'algorithm'), 'algorithm: missing'],
    ['payloadSha256 upper case', srWith({ payloadSha256: sr0.payloadSha256.toUpperCase() }), 'payloadSha256: not 64 lowercase hex characters'],
    ['payloadSha256 missing', without(sr0, 'payloadSha256'), 'payloadSha256: missing'],
    ['signatureB64 missing', without(sr0, 'signatureB64'), 'signatureB64: missing'],
    ['signatureB64 a number', srWith({ signatureB64: 5 }), 'signatureB64: not a string'],
    ['signatureB64 unpadded', srWith({ signatureB64: sr0.signatureB64.replace(/=+$/, '') }), 'signatureB64: not base64 of 3373 bytes (mldsa65+ed25519)'],
    ['attestation an array', srWith({ attestation: [] }), 'attestation: not an object'],
    ['attestation.vendor missing', { ...sr0, attestation: without(sr0.attestation, 'vendor') }, 'attestation.vendor: missing'],
    ['attestation.docB64 missing', { ...sr0, attestation: without(sr0.attestation, 'docB64') }, 'attestation.docB64: missing'],
    ['attestation.docB64 empty', attWith({ docB64: '' }), 'attestation.docB64: empty'],
    ['attestation.verdict maybe', attWith({ verdict: 'maybe' }), 'attestation.verdict: not "pass" or "fail"'],
    ['attestation.reason of 48 bytes', attWith({ reason: 'r'.repeat(48) }), 'attestation.reason: too long'],
    ['a sign result over 64 KiB', srWith({ padding: 'x'.repeat(65536) }), 'larger than 65536 bytes'],
]) {
    refused(`parity: a sign result with ${name} is refused`, 'sr', JSON.stringify(sr), want);
}

// createdAt: the reference time when no --at is given; never later than the clock + 60 s.
const now = Date.now();
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
await both('parity: without createdAt: judged at the clock', null, { sr: without(sr0, 'createdAt') });
await both('parity: createdAt empty: judged at the clock', null, { sr: srWith({ createdAt: '' }) });
await both('parity: createdAt with a +02:00 offset (the same instant)', null, { sr: srWith({ createdAt: iso(secs(created) + 7200e3).replace('Z', '+02:00') }) });
await both('parity: createdAt lower case, with a fraction', null, { sr: srWith({ createdAt: `${iso(secs(created)).slice(0, -1).replace('T', 't')}.250999z` }) });
await both('parity: createdAt as Unix seconds', null, { sr: srWith({ createdAt: String(Math.floor(created / 1000)) }) });
await both('parity: createdAt 1 h after the document: stale at createdAt', 'doc_stale', { sr: srWith({ createdAt: iso(secs(ts) + 3600e3) }) });
await both('parity: createdAt 1 h before the document: from the future of createdAt', 'doc_from_future', { sr: srWith({ createdAt: iso(secs(ts) - 3600e3) }) });
await both('parity: createdAt 2 min after the clock', 'doc_from_future', { sr: srWith({ createdAt: iso(secs(now) + 120e3) }) });
await both('parity: createdAt a year after the clock, --at the real createdAt', 'doc_from_future', { sr: srWith({ createdAt: iso(secs(now) + 366 * 86400e3) }), at: created });
await both('parity: createdAt later than the clock + 60 s is refused even with --at later still', 'doc_from_future', { sr: srWith({ createdAt: iso(secs(now) + 600e3) }), at: now + 120e3 });
for (const [what, v] of [['a word', 'yesterday'], ['February 30th', '2026-02-30T00:00:00Z'], ['a space for the T', '2026-12-04 10:00:00Z'],
    ['without a zone', '2026-12-04T10:00:00'], ['before 1970', '1969-12-31T23:59:59Z'], ['hour 24', '2026-12-04T24:00:00Z'],
    ['offset +24:00', '2026-12-04T10:00:00+24:00'], ['13 digits', '1764000000000'], ['a bare fraction dot', '2026-12-04T10:00:00.Z']]) {
    refused(`parity: createdAt ${what} is refused`, 'sr', JSON.stringify(srWith({ createdAt: v })), `createdAt: "${v}" is not an RFC 3339 time`);
}
refused('parity: createdAt over 39 characters is refused', 'sr', JSON.stringify(srWith({ createdAt: `2026-12-04T10:00:00.${'0'.repeat(20)}Z` })), 'createdAt: too long');
refused('parity: createdAt a number is refused', 'sr', JSON.stringify(srWith({ createdAt: 1764000000 })), 'createdAt: not a string');

// Genuinely signed fixtures from a root of their own: one a year old, one from the future.
function fixture(dir, ...args) {
    mkdirSync(join(WORK, dir), { recursive: true });
    execFileSync(MKFIXTURE, [join(WORK, dir), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    const f = (n) => readFileSync(join(WORK, dir, n));
    return { sr: JSON.parse(f('sig.json')), pol: String(f('policy.json')), pay: new Uint8Array(f('payload.bin')), key: String(f('key.json')) };
}
const old = fixture('fx-old', '--timestamp', String(secs(now) - 366 * 86400e3));
await both('parity: a year later, without --at: verifies at its createdAt', null, { sr: old.sr, pol: old.pol, pay: old.pay, key: old.key });
await both('parity: a year later, --at now: stale', 'doc_stale', { sr: old.sr, pol: old.pol, pay: old.pay, at: now });
await both('parity: a year later, --at a day after createdAt: stale', 'doc_stale', { sr: old.sr, pol: old.pol, pay: old.pay, at: Date.parse(old.sr.createdAt) + 86400e3 });
const fut = fixture('fx-future', '--timestamp', String(secs(now) + 86400e3));
await both('parity: signed a day ahead of the clock (createdAt too): the clock refuses it', 'doc_from_future', { sr: fut.sr, pol: fut.pol, pay: fut.pay });
await both('parity: signed a day ahead, --at 30 s after it: the clock refuses it', 'doc_from_future', { sr: fut.sr, pol: fut.pol, pay: fut.pay, at: secs(now) + 86400e3 + 30e3 });
await both('parity: signed a day ahead, createdAt now: the reference time refuses it', 'doc_from_future', { sr: { ...fut.sr, createdAt: iso(secs(now)) }, pol: fut.pol, pay: fut.pay });
await both('parity: signed a day ahead, no createdAt: the clock (the reference) refuses it', 'doc_from_future', { sr: without(fut.sr, 'createdAt'), pol: fut.pol, pay: fut.pay });

// postq verify vs verifySignResult: the composite signature of every algorithm, signed by the
// live stack's enclave and by mkfixture, with the key's JSON and its PEM; each half tampered.
const flipAt = (sr, i) => { const b = Buffer.from(sr.signatureB64, 'base64'); b[i] ^= 1; return { ...sr, signatureB64: b.toString('base64') }; };
const ED_SIG = { 'mldsa44+ed25519': 64, 'mldsa65+ed25519': 64, 'mldsa87+ed448': 114 };
for (const alg of ALGS) {
    const st = { sr: JSON.parse(readFileSync(join(STACK, `sig-${alg}.json`), 'utf8')), key: readFileSync(join(STACK, `key-${alg}.json`), 'utf8'), pay: new Uint8Array(readFileSync(join(STACK, `payload-${alg}.bin`))) };
    const fx = fixture(`fx-${alg}`, '--alg', alg);
    const fxPem = String(readFileSync(join(WORK, `fx-${alg}`, 'key.pub')));
    run++;
    console.log(`[ RUN      ] parity: ${alg}: publicKeyPem writes the CLI's key.pub byte for byte`);
    const k = JSON.parse(fx.key);
    if (V.publicKeyPem(k.algorithm, V.fromBase64(k.publicKeyB64)) === fxPem) console.log(`[       OK ] parity: ${alg}: publicKeyPem`);
    else { failed++; console.log(`[  FAILED  ] parity: ${alg}: publicKeyPem differs from key.pub`); }
    const mlEnd = Buffer.from(st.sr.signatureB64, 'base64').length - ED_SIG[alg];
    for (const [src, x, keyText] of [['stack', st, st.key], ['mkfixture', fx, fx.key], ['mkfixture, PEM key', fx, fxPem]]) {
        const pol = src === 'stack' ? policy : fx.pol;
        await both(`parity: ${alg} (${src}): postq verify`, null, { mode: 'verify', sr: x.sr, pay: x.pay, key: keyText, pol: null });
        await both(`parity: ${alg} (${src}): postq verify --policy`, null, { mode: 'verify', sr: x.sr, pay: x.pay, key: keyText, pol });
        await both(`parity: ${alg} (${src}): ML-DSA half tampered`, 'signature_invalid', { mode: 'verify', sr: flipAt(x.sr, 17), pay: x.pay, key: keyText, pol: null });
        await both(`parity: ${alg} (${src}): EdDSA half tampered`, 'signature_invalid', { mode: 'verify', sr: flipAt(x.sr, mlEnd + 5), pay: x.pay, key: keyText, pol: null });
        await both(`parity: ${alg} (${src}): ML-DSA half tampered, --policy`, 'sig_hash_mismatch', { mode: 'verify', sr: flipAt(x.sr, 17), pay: x.pay, key: keyText, pol });
        await both(`parity: ${alg} (${src}): another payload`, 'payload_hash_mismatch', { mode: 'verify', sr: x.sr, pay: new TextEncoder().encode('other'), key: keyText, pol: null });
    }
    await both(`parity: ${alg}: attest verify --public-key checks the composite signature`, null, { sr: fx.sr, pol: fx.pol, pay: fx.pay, key: fx.key });
    // A document that vouches for a bad signature (its sigSha256 is the tampered one's): only
    // the composite check catches it, in either half.
    const edStart = Buffer.from(fx.sr.signatureB64, 'base64').length - ED_SIG[alg];
    for (const [half, i] of [['ML-DSA', 40], ['EdDSA', edStart + 9]]) {
        const bad = fixture(`fx-${alg}-bad-${half}`, '--alg', alg, '--flip-sig-byte', String(i));
        await both(`parity: ${alg}: a document vouching for a bad ${half} half, postq verify --policy`, 'signature_invalid', { mode: 'verify', sr: bad.sr, pay: bad.pay, key: bad.key, pol: bad.pol });
        await both(`parity: ${alg}: a document vouching for a bad ${half} half, attest verify --public-key`, 'signature_invalid', { sr: bad.sr, pay: bad.pay, key: bad.key, pol: bad.pol });
    }
}
const fx44 = fixture('fx-44b', '--alg', 'mldsa44+ed25519');
await both('parity: postq verify, a key of another algorithm', 'key_mismatch', { mode: 'verify', sr: JSON.parse(sig), key: fx44.key, pol: null });
await both('parity: postq verify --policy, a key of another algorithm', 'key_mismatch', { mode: 'verify', sr: JSON.parse(sig), key: fx44.key, pol: policy });
await both('parity: postq verify --policy, the payload of another signature', 'payload_hash_mismatch', { mode: 'verify', sr: JSON.parse(sig), key: readFileSync(KEY_JSON, 'utf8'), pol: policy, pay: fx44.pay });
const noAtt = without(JSON.parse(sig), 'attestation');
await both('parity: postq verify --policy, a sign result without a document', 'doc_malformed', { mode: 'verify', sr: noAtt, key: readFileSync(KEY_JSON, 'utf8'), pol: policy });
await both('parity: attest verify, a sign result without a document', 'doc_malformed', { sr: noAtt });
await both('parity: postq verify, a sign result without a document (no --policy)', null, { mode: 'verify', sr: noAtt, key: readFileSync(KEY_JSON, 'utf8'), pol: null });

// postq verify --log-key vs verifySignResult({logKey}): the stack's sign result (leaf 1 of 3,
// so its proof has a hash) under each of the log's verifier keys (GET /v1/log), then tampered
// one piece at a time.
{
    const { LOG_KEY, LOG_CKEY } = process.env;
    const key = readFileSync(KEY_JSON, 'utf8');
    const t0 = sr0.transparency;
    const trWith = (o) => ({ ...sr0, transparency: { ...t0, ...o } });
    const flip = (str, i) => `${str.slice(0, i)}${str[i] === 'A' ? 'B' : 'A'}${str.slice(i + 1)}`;
    const lines = t0.checkpoint.split('\n'); // origin, size, root, '', one line per signature, ''
    const noteWith = (i, f) => lines.map((l, j) => (j === i ? f(l) : l)).join('\n');
    const edLine = lines.findIndex((l) => l.startsWith('\u2014 ')); // the Ed25519 line is first
    const cLine = lines.findIndex((l, j) => j > edLine && l.startsWith('\u2014 '));
    for (const [name, lk] of [['Ed25519', LOG_KEY], ['composite', LOG_CKEY]]) {
        const log = (what, want, o) => both(`parity: log (${name} key): ${what}`, want, { mode: 'verify', key, pol: null, logKey: lk, ...o });
        await log('postq verify --log-key', null, {});
        await log('postq verify --policy --log-key', null, { pol: policy });
        await log('a proof hash changed', 'log_proof_invalid', { sr: trWith({ inclusionProof: [flip(t0.inclusionProof[0], 3), ...t0.inclusionProof.slice(1)] }) });
        await log('logIndex + 1', 'log_proof_invalid', { sr: trWith({ logIndex: t0.logIndex + 1 }) });
        await log('createdAt a second later (the entry changes)', 'log_proof_invalid', { sr: { ...sr0, createdAt: iso(Date.parse(sr0.createdAt) + 1000) } });
        await log('no transparency', 'log_proof_invalid', { sr: without(sr0, 'transparency') });
        await log('the checkpoint\'s root changed', 'log_checkpoint_invalid', { sr: trWith({ checkpoint: noteWith(2, (l) => flip(l, 3)) }) });
        await log('the checkpoint\'s size changed', 'log_checkpoint_invalid', { sr: trWith({ checkpoint: noteWith(1, (l) => String(Number(l) + 1)) }) });
        await log('the Ed25519 line changed', name === 'Ed25519' ? 'log_checkpoint_invalid' : null, { sr: trWith({ checkpoint: noteWith(edLine, (l) => flip(l, l.length - 6)) }) });
        await log('the composite line changed', name === 'composite' ? 'log_checkpoint_invalid' : null, { sr: trWith({ checkpoint: noteWith(cLine, (l) => flip(l, l.length - 6)) }) });
    }
}

// --doc: a bare document, judged at the clock (or --at).
const doc0 = JSON.parse(sig).attestation.docB64;
await both('parity: --doc, the real document (now)', null, { mode: 'doc', sr: doc0 });
await both('parity: --doc at createdAt + 1 h: stale', 'doc_stale', { mode: 'doc', sr: doc0, at: created + 3600e3 });
await both('parity: --doc, another root pinned', 'doc_signature_invalid', { mode: 'doc', sr: doc0, pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: otherCompositeRoot } }) });
await both('parity: --doc, only an Ed25519 root pinned', 'doc_alg_unsupported', { mode: 'doc', sr: doc0, pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' } }) });
await both('parity: --doc, a JWS of two parts', 'doc_malformed', { mode: 'doc', sr: Buffer.from(Buffer.from(doc0, 'base64').toString('latin1').split('.').slice(0, 2).join('.'), 'latin1').toString('base64') });
await both('parity: --doc, a year-old document now', 'doc_stale', { mode: 'doc', sr: old.sr.attestation.docB64, pol: old.pol });
await both('parity: --doc, a year-old document at its time', null, { mode: 'doc', sr: old.sr.attestation.docB64, pol: old.pol, at: Date.parse(old.sr.createdAt) });
await both('parity: --doc under a policy of another vendor', 'vendor_mismatch', { mode: 'doc', sr: doc0, pol: JSON.stringify({ ...pol0, vendor: 'gcp-confidential-space', matchRules: { imageDigests: ['sha256:' + '0'.repeat(64)], audiences: ['x'], rootCertSha256: '0'.repeat(64) } }) });

// azure-confidential-vm: the real MAA token (--doc, at a time it was valid), each rule made to
// fail, and tokens signed here with an RSA key of our own (node:crypto) for what a real token
// cannot show (debug, alg, typ, crit, kid, the PostQ binding).
{
    const A = join(SHARED, 'vendors/azure-maa');
    const tok = readFileSync(join(A, 'cvm-sevsnp-azurevm-2025-12-15.jwt'), 'utf8').trim();
    const jwks = JSON.parse(readFileSync(join(A, 'sharedeus2-jwks.reconstructed.json'), 'utf8'));
    const LM = '6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc769959f4aeb2f9401e';
    const ISS = 'https://sharedeus2.eus2.attest.azure.net';
    const AAT = Date.parse('2025-12-15T20:00:00Z');
    const azPol = (rules = {}, j = jwks) => JSON.stringify({ vendor: 'azure-confidential-vm', matchRules: { jwks: j, issuers: [ISS], launchMeasurements: [LM], ...rules } });
    const b64 = (t) => Buffer.from(t, 'latin1').toString('base64');
    const az = (name, want, t, pol = azPol(), at = AAT) => both(`parity: azure: ${name}`, want, { mode: 'doc', sr: b64(t), pol, at });
    await az('the real CVM token verifies', null, tok);
    await az('requireCompliant false', null, tok, azPol({ requireCompliant: false }));
    await az('another launch measurement', 'measurement_not_allowed', tok, azPol({ launchMeasurements: ['0'.repeat(96)] }));
    await az('another issuer', 'claims_invalid', tok, azPol({ issuers: ['https://sharedeus.eus.attest.azure.net'] }));
    await az('a JWKS without its kid', 'chain_invalid', tok, azPol({}, JSON.parse(readFileSync(join(A, 'sharedeus-jwks.json'), 'utf8'))));
    await az('expired (at exp)', 'claims_invalid', tok, azPol(), Date.parse('2025-12-16T03:24:08Z'));
    await az('not valid yet (2 min before nbf)', 'claims_invalid', tok, azPol(), Date.parse('2025-12-15T19:22:08Z'));
    await az('stale under maxDocAgeSeconds 300 an hour later', 'doc_stale', tok, azPol({ maxDocAgeSeconds: 300 }), Date.parse('2025-12-15T20:24:08Z'));
    await az('its signature changed', 'doc_signature_invalid', `${tok.slice(0, -4)}AAAA`);
    await az('its signature cut by 8 characters (not canonical)', 'doc_malformed', `${tok.slice(0, -8)}`);
    const [th, tc, ts0] = tok.split('.');
    await az('its signature 3 bytes short', 'doc_signature_invalid', `${th}.${tc}.${Buffer.from(ts0, 'base64url').subarray(3).toString('base64url')}`);
    await az('truncated', 'doc_malformed', tok.slice(0, 3000));
    await az('four parts', 'doc_malformed', `${tok}.x`);
    await az('under a mock policy', 'vendor_mismatch', tok, policy);
    await both('parity: azure: a mock document under an azure policy', 'vendor_mismatch', { mode: 'doc', sr: JSON.parse(sig).attestation.docB64, pol: azPol(), at: null });
    refused('parity: azure: a policy with a bad launch measurement is refused', 'pol', azPol({ launchMeasurements: ['6A06'] }), 'matchRules.launchMeasurements[0]: not 96 lowercase hex characters');
    refused('parity: azure: a policy without jwks is refused', 'pol', JSON.stringify({ vendor: 'azure-confidential-vm', matchRules: { issuers: [ISS], launchMeasurements: [LM] } }), 'matchRules.jwks: missing (the MAA signing keys)');
    refused('parity: azure: a policy with an EC key in its jwks is refused', 'pol', azPol({}, { keys: [{ kty: 'EC', kid: 'x' }] }), 'matchRules.jwks.keys[0]: not an RSA key with a kid');
    refused('parity: azure: a policy with a short n is refused', 'pol', azPol({}, { keys: [{ kty: 'RSA', kid: 'x', n: 'AQAB', e: 'AQAB' }] }), 'matchRules.jwks.keys[0]: n and e are not base64url of an RSA key of 2048 to 16384 bits');
    refused('parity: azure: a policy with no issuers is refused', 'pol', azPol({ issuers: [] }), 'matchRules.issuers: missing, or not an array of 1..128 strings (policies fail closed)');
    refused('parity: azure: a policy with allowDebug "yes" is refused', 'pol', azPol({ allowDebug: 'yes' }), 'matchRules.allowDebug: not a boolean');

    // Tokens of our own, signed RS256 with a fresh key pinned in the policy's JWKS.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'postq-test', alg: 'RS256', use: 'sig' };
    const myPol = (rules = {}) => azPol(rules, { keys: [jwk] });
    const claims0 = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString());
    const mint = (h, c) => {
        const input = `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(c)).toString('base64url')}`;
        return `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    };
    const H = { alg: 'RS256', kid: 'postq-test', typ: 'JWT' };
    const tee = (o) => ({ ...claims0, 'x-ms-isolation-tee': { ...claims0['x-ms-isolation-tee'], ...o } });
    await az('a token signed by the pinned key', null, mint(H, claims0), myPol());
    await az('a debuggable TEE', 'debug_not_allowed', mint(H, tee({ 'x-ms-sevsnpvm-is-debuggable': true })), myPol());
    await az('a debuggable TEE under allowDebug', null, mint(H, tee({ 'x-ms-sevsnpvm-is-debuggable': true })), myPol({ allowDebug: true }));
    await az('not azure-compliant-cvm', 'claims_invalid', mint(H, tee({ 'x-ms-compliance-status': 'nope' })), myPol());
    await az('a TEE that is not sevsnpvm', 'claims_invalid', mint(H, tee({ 'x-ms-attestation-type': 'sgx' })), myPol());
    await az('no launch measurement', 'measurement_not_allowed', mint(H, tee({ 'x-ms-sevsnpvm-launchmeasurement': undefined })), myPol());
    await az('alg HS256', 'doc_alg_unsupported', mint({ ...H, alg: 'HS256' }, claims0), myPol());
    await az('typ JOSE', 'doc_alg_unsupported', mint({ ...H, typ: 'JOSE' }, claims0), myPol());
    await az('a crit header', 'doc_alg_unsupported', mint({ ...H, crit: ['b64'] }, claims0), myPol());
    await az('no kid', 'chain_invalid', mint({ alg: 'RS256', typ: 'JWT' }, claims0), myPol());
    await az('iat not an integer', 'doc_malformed', mint(H, { ...claims0, iat: 'now' }), myPol());
    await az('no x-ms-attestation-type', 'doc_malformed', mint(H, { ...claims0, 'x-ms-attestation-type': undefined }), myPol());
    await az('is-debuggable a string', 'doc_malformed', mint(H, tee({ 'x-ms-sevsnpvm-is-debuggable': 'no' })), myPol());
    await az('a PostQ binding entry of an unknown kind', 'doc_malformed', mint(H, { ...claims0, 'x-ms-runtime': { ...claims0['x-ms-runtime'], 'client-payload': { postq: ['pq1.z.x'] } } }), myPol());
    await az('a PostQ binding with pq1.k but not pq1.a', 'doc_malformed', mint(H, { ...claims0, 'x-ms-runtime': { ...claims0['x-ms-runtime'], 'client-payload': { postq: [`pq1.k.${Buffer.alloc(32).toString('base64url')}`] } } }), myPol());
    // The binding against a sign result: the payload and signature it names are checked.
    const bound = fixture('fx-azure', '--alg', 'mldsa65+ed25519');
    const sha = (b) => createHash('sha256').update(b).digest('base64url');
    const sigBytes = Buffer.from(bound.sr.signatureB64, 'base64');
    const btok = mint(H, { ...claims0, iat: Math.floor(Date.parse(bound.sr.createdAt) / 1000) - 5, nbf: undefined, exp: Math.floor(Date.parse(bound.sr.createdAt) / 1000) + 3600,
        'x-ms-runtime': { ...claims0['x-ms-runtime'], 'client-payload': { postq: [`pq1.p.${sha(bound.pay)}`, `pq1.s.${sha(sigBytes)}`, 'pq1.c.42'] } } });
    const bsr = { ...bound.sr, attestation: { vendor: 'azure-confidential-vm', docB64: b64(btok), counter: 42 } };
    await both('parity: azure: a bound token with its sign result and payload', null, { sr: bsr, pol: myPol(), pay: bound.pay });
    await both('parity: azure: a bound token, another payload', 'payload_hash_mismatch', { sr: bsr, pol: myPol(), pay: new TextEncoder().encode('x') });
    await both('parity: azure: a bound token, another counter in the sign result', 'result_mismatch', { sr: { ...bsr, attestation: { ...bsr.attestation, counter: 43 } }, pol: myPol(), pay: bound.pay });
    await both('parity: azure: the real token (no binding) with a sign result and payload', 'payload_hash_mismatch', { sr: { ...bound.sr, attestation: { vendor: 'azure-confidential-vm', docB64: b64(tok) } }, pol: azPol(), pay: bound.pay, at: AAT });
}

// The corpus reaches every reason code a mock document can produce through the CLI
// (vendor_unsupported cannot be: the CLI has a verifier for every vendor).
run++;
console.log('[ RUN      ] parity: the corpus covers every reason code');
const missing = Object.keys(V.CHECKS).filter((r) => r !== 'vendor_unsupported' && !reasons.has(r));
// (a hardware vendor's codes come from the azure cases above)
if (missing.length) {
    failed++;
    console.log(`[  FAILED  ] parity: no agreeing case for ${missing.join(', ')}`);
} else {
    console.log('[       OK ] parity: the corpus covers every reason code');
}
console.log(`# parity corpus: ${run - 4} inputs through both verifiers, ${reasons.size} reason codes`);

console.log(`[==========] ${run} test(s) run.`);
console.log(`[  PASSED  ] ${run - failed} test(s).`);
if (failed) console.log(`[  FAILED  ] ${failed} test(s)`);
process.exit(failed ? 1 : 0);
