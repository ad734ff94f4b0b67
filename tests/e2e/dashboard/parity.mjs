// SPDX-License-Identifier: Apache-2.0
// The dashboard's verifier (web/verify.js, run here under Node's WebCrypto) against the CLI's
// (`postq attest verify`) on the same inputs: a real sign result and policy, then each altered
// so one check of DESIGN §5.4 fails. Both must agree on the verdict and the reason code, and on
// the detail text wherever it is not a JSON parser's own message. cmocka-style lines.
// Environment: CLI, SIG, POLICY, PAYLOAD, KEY_JSON (the key's JSON from the API), WORK.
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Debian 12's Node.js (18) has no global WebCrypto and reads a .js file outside a
// "type": "module" package as CommonJS; the browser module is loaded as a copy named .mjs...
if (globalThis.crypto === undefined) {
    globalThis.crypto = webcrypto;
}
// ...nor String.prototype.isWellFormed (ES2024; every browser the dashboard supports has it):
// false when a surrogate stands alone.
if (String.prototype.isWellFormed === undefined) {
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    Object.defineProperty(String.prototype, 'isWellFormed', {
        value() { return !lone.test(this); },
        configurable: true,
        writable: true,
    });
}
const { CLI, SIG, POLICY, PAYLOAD, KEY_JSON, WORK } = process.env;
const here = dirname(fileURLToPath(import.meta.url));
copyFileSync(join(here, '../../../web/verify.js'), join(WORK, 'verify.mjs'));
const V = await import(pathToFileURL(join(WORK, 'verify.mjs')).href);

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

function cli(sigText, polText, payloadBytes, atMs, keyText) {
    const s = join(WORK, 'p-sig.json'), p = join(WORK, 'p-policy.json'), f = join(WORK, 'p-payload');
    writeFileSync(s, sigText);
    writeFileSync(p, polText);
    writeFileSync(f, payloadBytes);
    const args = ['attest', 'verify', '--policy', p, '--sign-result', s, '--payload', f, '--at', String(Math.floor(atMs / 1000))];
    if (keyText !== null) {
        const k = join(WORK, 'p-key.json');
        writeFileSync(k, keyText);
        args.push('--public-key', k);
    }
    try {
        execFileSync(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        return { verdict: 'pass' };
    } catch (e) {
        const m = /^rejected: ([a-z_]+): (.*)$/m.exec(String(e.stderr));
        if (e.status !== 1 || !m) return { verdict: `exit ${e.status}`, detail: String(e.stderr).trim() };
        return { verdict: 'fail', reason: m[1], detail: m[2] };
    }
}

async function both(name, want, { sr = JSON.parse(sig), pol = policy, pay = payload, at = JSON.parse(sig).createdAt, key = null, exactDetail = true } = {}) {
    run++;
    console.log(`[ RUN      ] ${name}`);
    const atMs = Math.floor(new Date(at).getTime() / 1000) * 1000 + 1000; // the CLI's --at is in seconds
    const text = typeof sr === 'string' ? sr : JSON.stringify(sr);
    const c = cli(text, pol, pay, atMs, key);
    let b;
    try {
        const r = await V.verify(V.parsePolicy(pol), V.parseSignResult(text), pay, atMs, key === null ? null : V.parsePublicKey(key));
        b = { verdict: r.verdict, reason: r.reason || undefined, detail: r.detail || undefined };
    } catch (e) {
        b = { verdict: `error: ${e.message}` };
    }
    const problems = [];
    if (c.verdict !== (want ? 'fail' : 'pass') || (want && c.reason !== want)) problems.push(`CLI: ${JSON.stringify(c)}`);
    if (b.verdict !== c.verdict || b.reason !== c.reason) problems.push(`browser ${JSON.stringify(b)} vs CLI ${JSON.stringify(c)}`);
    else if (exactDetail && b.detail !== c.detail) problems.push(`detail: browser "${b.detail}" vs CLI "${c.detail}"`);
    if (problems.length) {
        failed++;
        console.log(`[  FAILED  ] ${name}: ${problems.join('; ')}`);
    } else {
        console.log(`[       OK ] ${name}`);
    }
}

const sr0 = JSON.parse(sig);
const pol0 = JSON.parse(policy);
const h0 = JSON.parse(Buffer.from(docOf(sr0)[0], 'base64url').toString());
const flipSig = (() => { const p = docOf(sr0); const s = p[2]; p[2] = `${s.slice(0, 5)}${s[5] === 'A' ? 'B' : 'A'}${s.slice(6)}`; return withDoc(sr0, p); })();
const otherSig = (() => { const b = Buffer.from(sr0.signatureB64, 'base64'); b[0] ^= 1; return { ...sr0, signatureB64: b.toString('base64') }; })();
const ts = JSON.parse(Buffer.from(docOf(sr0)[1], 'base64url').toString()).timestamp;

await both('parity: the real sign result verifies', null);
await both('parity: JWS signature altered', 'doc_signature_invalid', { sr: flipSig });
await both('parity: another root key pinned', 'doc_signature_invalid', { pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, rootPublicKeyB64: Buffer.alloc(32, 9).toString('base64') } }) });
await both('parity: image not in the allow-list', 'image_not_allowed', { pol: JSON.stringify({ ...pol0, matchRules: { ...pol0.matchRules, allowedImageHashes: ['0'.repeat(64)] } }) });
await both('parity: another payload', 'payload_hash_mismatch', { pay: new TextEncoder().encode('other') });
await both('parity: another signature', 'sig_hash_mismatch', { sr: otherSig });
await both('parity: stale at --at + 1 h', 'doc_stale', { at: new Date(ts + 3600e3).toISOString() });
await both('parity: from the future at --at − 1 h', 'doc_from_future', { at: new Date(ts - 3600e3).toISOString() });
await both('parity: header alg none', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, alg: 'none' }) });
await both('parity: header alg HS256', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, alg: 'HS256' }) });
await both('parity: header crit', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, crit: ['exp'] }) });
await both('parity: header typ JWT', 'doc_alg_unsupported', { sr: header(sr0, { ...h0, typ: 'JWT' }) });
await both('parity: header without alg', 'doc_malformed', { sr: header(sr0, { typ: h0.typ }) });
await both('parity: EdDSA accepted as Ed25519 (then the signature fails)', 'doc_signature_invalid', { sr: header(sr0, { ...h0, alg: 'EdDSA' }) });
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
const keyWith = (o) => JSON.stringify({ ...k0, ...o });
await both('parity: with the key\'s JSON, verifies', null, { key: keyWith({}) });
await both('parity: key of another algorithm', 'key_mismatch', { key: keyWith({ algorithm: 'mldsa44+ed25519', publicKeyB64: kb.subarray(0, 1344).toString('base64') }) });
await both('parity: key with one byte changed', 'key_mismatch', { key: keyWith({ publicKeyB64: Buffer.from(kb.map((b, i) => (i === 100 ? b ^ 1 : b))).toString('base64') }) });
// A key's JSON that the CLI refuses as input (exit 2): the page refuses it too, in the same words.
function refused(name, text, want) {
    run++;
    console.log(`[ RUN      ] ${name}`);
    const c = cli(sig, policy, payload, Date.now(), text);
    let msg = '';
    try {
        V.parsePublicKey(text);
    } catch (e) {
        msg = e.message;
    }
    if (c.verdict === 'exit 2' && c.detail.endsWith(want) && msg.endsWith(want)) {
        console.log(`[       OK ] ${name}`);
    } else {
        failed++;
        console.log(`[  FAILED  ] ${name}: CLI ${JSON.stringify(c)}, browser "${msg}"`);
    }
}
refused('parity: a key three bytes short of its algorithm is refused', keyWith({ publicKeyB64: kb.subarray(0, kb.length - 3).toString('base64') }),
    `"publicKeyB64" is not base64 of a ${k0.algorithm} key`);
refused('parity: a key without its algorithm is refused', JSON.stringify({ publicKeyB64: k0.publicKeyB64 }), '"algorithm" missing or unknown');

console.log(`[==========] ${run} test(s) run.`);
console.log(`[  PASSED  ] ${run - failed} test(s).`);
if (failed) console.log(`[  FAILED  ] ${failed} test(s)`);
process.exit(failed ? 1 : 0);
