// SPDX-License-Identifier: Apache-2.0
// azure-confidential-vm documents (MAA tokens): signed here RS256 with a key pinned in the
// policy's JWKS, then each check made to fail. (The parity test runs the real token too.)

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';

import { InvalidInputError, verifyAttestationDoc, verifySignResult, type Verdict } from '../src/index.js';
import { makeFixture } from './fixture.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' };
const LM = 'ab'.repeat(48);
const ISS = 'https://attest.example';
const IAT = 1765826648;
const at = (IAT + 60) * 1000;
const policy = (rules: Record<string, unknown> = {}): object => ({
    vendor: 'azure-confidential-vm',
    matchRules: { jwks: { keys: [jwk] }, issuers: [ISS], launchMeasurements: [LM], ...rules },
});
const TEE = { 'x-ms-attestation-type': 'sevsnpvm', 'x-ms-compliance-status': 'azure-compliant-cvm', 'x-ms-sevsnpvm-is-debuggable': false, 'x-ms-sevsnpvm-launchmeasurement': LM };
const CLAIMS = { iss: ISS, iat: IAT, nbf: IAT, exp: IAT + 28800, 'x-ms-attestation-type': 'azurevm', 'x-ms-azurevm-vmid': 'vm-1', 'x-ms-isolation-tee': TEE };
const b64u = (s: string): string => Buffer.from(s).toString('base64url');
function token(claims: object = CLAIMS, header: object = { alg: 'RS256', kid: 'k1', typ: 'JWT' }): string {
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}
const doc = (t: string): string => Buffer.from(t).toString('base64');
const check = async (t: string, rules: Record<string, unknown> = {}, when = at): Promise<Verdict> =>
    verifyAttestationDoc({ docB64: doc(t), policy: policy(rules), at: when });
const fails = (v: Verdict, reason: string, detail?: string): void => {
    assert.equal(v.ok, false);
    assert.equal(v.reason, reason, v.detail);
    if (detail !== undefined) assert.equal(v.detail, detail);
};

test('azure: a token under the pinned JWKS passes every hardware check, in the C order', async () => {
    const v = await check(token());
    assert.equal(v.ok, true, v.detail);
    assert.deepEqual(v.checks.map((c) => c.check), ['doc_malformed', 'vendor_mismatch', 'vendor_unsupported', 'doc_alg_unsupported',
        'chain_invalid', 'doc_signature_invalid', 'debug_not_allowed', 'measurement_not_allowed', 'claims_invalid', 'doc_from_future']);
    assert.equal(v.claims?.vendor, 'azure-confidential-vm');
    assert.equal(v.claims?.moduleId, 'vm-1');
    assert.equal(v.claims?.imageHash, LM);
    assert.equal(v.claims?.timestamp, IAT * 1000);
});

test('azure: each check fails with the CLI\'s words', async () => {
    fails(await check(token(CLAIMS, { alg: 'RS512', kid: 'k1' })), 'doc_alg_unsupported', 'header alg "RS512": only RS256');
    fails(await check(token(CLAIMS, { alg: 'RS256', typ: 'JWT' })), 'chain_invalid', 'token header has no kid to find its key in the pinned jwks');
    fails(await check(token(CLAIMS, { alg: 'RS256', kid: 'k2' })), 'chain_invalid', 'kid "k2" is not in the pinned jwks (jku is never fetched)');
    const t = token();
    fails(await check(`${t.slice(0, -6)}AAAAAA`), 'doc_signature_invalid', 'RS256 under the pinned key: signature does not verify');
    fails(await check(token({ ...CLAIMS, 'x-ms-isolation-tee': { ...TEE, 'x-ms-sevsnpvm-is-debuggable': true } })), 'debug_not_allowed');
    assert.equal((await check(token({ ...CLAIMS, 'x-ms-isolation-tee': { ...TEE, 'x-ms-sevsnpvm-is-debuggable': true } }), { allowDebug: true })).ok, true);
    fails(await check(token(), { launchMeasurements: ['cd'.repeat(48)] }), 'measurement_not_allowed', `x-ms-sevsnpvm-launchmeasurement ${LM.slice(0, 16)}... is not in matchRules.launchMeasurements`);
    fails(await check(token(), { issuers: ['https://other'] }), 'claims_invalid', `iss "${ISS}" is not in matchRules.issuers`);
    fails(await check(token(), {}, (IAT + 28800) * 1000), 'claims_invalid', `token expired (exp ${IAT + 28800}, now ${IAT + 28800})`);
    fails(await check(token(), { maxDocAgeSeconds: 30 }), 'doc_stale');
    fails(await check('a.b'), 'doc_malformed', 'JWT: not three dot-separated parts');
});

test('azure: a PostQ binding ties the token to a sign result and payload', async () => {
    const f = makeFixture();
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('base64url');
    const sig = Buffer.from(f.signResult.signatureB64 as string, 'base64');
    const created = Math.floor(Date.parse(f.signResult.createdAt as string) / 1000);
    const t = token({ ...CLAIMS, iat: created, nbf: created, exp: created + 600, 'x-ms-runtime': { 'client-payload': { postq: [`pq1.p.${sha(f.payload)}`, `pq1.s.${sha(sig)}`] } } });
    const sr = { ...f.signResult, attestation: { vendor: 'azure-confidential-vm', docB64: doc(t) } };
    const v = await verifyAttestationDoc({ signResult: sr, policy: policy(), payload: f.payload });
    assert.equal(v.ok, true, v.detail);
    fails(await verifyAttestationDoc({ signResult: sr, policy: policy(), payload: 'other' }), 'payload_hash_mismatch', 'payloadSha256 does not match');
    // With the key: the token names no key, as the CLI says.
    fails(await verifySignResult({ signResult: sr, policy: policy(), payload: f.payload, publicKey: f.key }), 'key_mismatch', 'document names no key');
});

test('azure: a malformed policy throws in the CLI\'s words', async () => {
    await assert.rejects(check(token(), { launchMeasurements: ['AB'.repeat(48)] }),
        (e: unknown) => e instanceof InvalidInputError && e.message === 'policy: matchRules.launchMeasurements[0]: not 96 lowercase hex characters');
    await assert.rejects(verifyAttestationDoc({ docB64: doc(token()), policy: { vendor: 'azure-confidential-vm', matchRules: { jwks: { keys: [] } } } }),
        (e: unknown) => e instanceof InvalidInputError && e.message === 'policy: matchRules.jwks: not a JWKS with a non-empty keys array');
});
