// SPDX-License-Identifier: Apache-2.0
// The client against a scripted fetch: requests as docs/http-api.md has them, status and error
// mapping, retries of 429 and 503 only (Retry-After first), timeouts, aborts and paging.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PostQ, PostQError, type SignResult } from '../src/index.js';
import { retryAfterMs } from '../src/client.js';

interface Seen {
    url: URL;
    method: string;
    headers: Headers;
    body: unknown;
}

type Answer = Response | Error | ((req: Seen, signal: AbortSignal) => Promise<Response>);

/** A fetch that answers from a script, one answer per call, and records each request. */
function scripted(...answers: Answer[]): { fetch: typeof fetch; seen: Seen[] } {
    const seen: Seen[] = [];
    const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        const req: Seen = { url: new URL(String(input)), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: init?.body };
        seen.push(req);
        const a = answers.shift();
        if (a === undefined) throw new Error(`unscripted request ${req.method} ${req.url}`);
        if (a instanceof Error) throw a;
        if (typeof a === 'function') return a(req, init?.signal as AbortSignal);
        return a;
    };
    return { fetch: f as typeof fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const err = (status: number, code: string, headers: Record<string, string> = {}): Response =>
    json(status, { error: { code, message: `the ${code} message` } }, { 'X-Request-Id': 'req_42', ...headers });
const client = (fetch: typeof globalThis.fetch, extra: Partial<ConstructorParameters<typeof PostQ>[0]> = {}): PostQ =>
    new PostQ({ apiKey: 'pqk_test_secret', baseUrl: 'http://127.0.0.1:9/', fetch, backoffMs: 1, ...extra });

const sr: SignResult = {
    id: 'sig_1', keyId: 'key_1', keyVersion: 1, algorithm: 'mldsa65+ed25519', payloadSha256: '0'.repeat(64),
    signatureB64: 'AA==', createdAt: '2026-12-01T00:00:00Z',
};

test('a GET carries the API key in the Authorization header, never in the URL', async () => {
    const s = scripted(json(200, { vendor: 'mock', moduleId: 'm', imageHash: 'a'.repeat(64), rootPublicKeyB64: 'AA==' }));
    const info = await client(s.fetch).enclave.info();
    assert.equal(info.moduleId, 'm');
    const r = s.seen[0] as Seen;
    assert.equal(r.url.href, 'http://127.0.0.1:9/v1/enclave');
    assert.equal(r.headers.get('authorization'), 'Bearer pqk_test_secret');
    assert.ok(!r.url.href.includes('pqk_'));
});

test('baseUrl: the option, else POSTQ_API_URL, else http://127.0.0.1:8080', () => {
    const saved = process.env['POSTQ_API_URL'];
    try {
        process.env['POSTQ_API_URL'] = 'http://api.internal:8443';
        assert.equal(new PostQ({ apiKey: 'k', fetch }).baseUrl, 'http://api.internal:8443');
        assert.equal(new PostQ({ apiKey: 'k', fetch, baseUrl: 'https://x.example/' }).baseUrl, 'https://x.example');
        delete process.env['POSTQ_API_URL'];
        assert.equal(new PostQ({ apiKey: 'k', fetch }).baseUrl, 'http://127.0.0.1:8080');
    } finally {
        if (saved === undefined) delete process.env['POSTQ_API_URL'];
        else process.env['POSTQ_API_URL'] = saved;
    }
});

test('the constructor refuses a missing key, a bad URL and bad numbers', () => {
    assert.throws(() => new PostQ({ apiKey: '' }), TypeError);
    assert.throws(() => new PostQ({ apiKey: 'a b' }), TypeError);
    assert.throws(() => new PostQ({ apiKey: 'k', baseUrl: 'ftp://x' }), /not http or https/);
    assert.throws(() => new PostQ({ apiKey: 'k', baseUrl: '::' }), /not a URL/);
    assert.throws(() => new PostQ({ apiKey: 'k', retries: -1 }), /retries/);
});

test('an error answer is a PostQError with status, code, message and requestId', async () => {
    const s = scripted(err(404, 'not_found'));
    await assert.rejects(client(s.fetch).hybridKeys.get('key_x'), (e: unknown) => {
        assert.ok(e instanceof PostQError);
        assert.equal(e.status, 404);
        assert.equal(e.code, 'not_found');
        assert.equal(e.message, 'the not_found message');
        assert.equal(e.requestId, 'req_42');
        return true;
    });
});

test('an answer that is not the error JSON keeps its status: code http_<status>', async () => {
    const s = scripted(new Response('<html>bad gateway</html>', { status: 502 }));
    await assert.rejects(client(s.fetch).signatures.get('sig_1'), { name: 'PostQError', status: 502, code: 'http_502' });
});

test('a 200 that is not JSON is invalid_response', async () => {
    const s = scripted(new Response('{nope', { status: 200 }));
    await assert.rejects(client(s.fetch).signatures.get('sig_1'), { status: 200, code: 'invalid_response' });
});

test('429 and 503 are retried, Retry-After first; then the answer', async () => {
    const s = scripted(err(429, 'rate_limited', { 'Retry-After': '0' }), err(503, 'busy'), json(200, sr));
    const got = await client(s.fetch).signatures.get('sig_1');
    assert.equal(got.id, 'sig_1');
    assert.equal(s.seen.length, 3);
});

test('the retries run out: the last 503 is thrown', async () => {
    const s = scripted(err(503, 'enclave_unavailable'), err(503, 'enclave_unavailable'), err(503, 'enclave_unavailable'));
    await assert.rejects(client(s.fetch, { retries: 2 }).sign({ keyId: 'key_1', payload: 'x' }), { status: 503, code: 'enclave_unavailable' });
    assert.equal(s.seen.length, 3);
});

test('retries: 0 makes one attempt', async () => {
    const s = scripted(err(429, 'rate_limited'));
    await assert.rejects(client(s.fetch, { retries: 0 }).enclave.info(), { status: 429, code: 'rate_limited' });
    assert.equal(s.seen.length, 1);
});

for (const [status, code] of [[500, 'internal'], [422, 'image_not_allowed'], [400, 'invalid_request'], [401, 'unauthorized'], [403, 'forbidden'], [409, 'policy_in_use'], [413, 'too_large']] as const) {
    test(`${status} ${code} is not retried (a sign that may have happened is never repeated)`, async () => {
        const s = scripted(err(status, code), json(200, sr));
        await assert.rejects(client(s.fetch).sign({ keyId: 'key_1', payload: 'x' }), { status, code });
        assert.equal(s.seen.length, 1);
    });
}

test('a network failure is status 0 network_error, not retried', async () => {
    const s = scripted(new TypeError('fetch failed'), json(200, sr));
    await assert.rejects(client(s.fetch).sign({ keyId: 'k', payload: 'x' }), { status: 0, code: 'network_error' });
    assert.equal(s.seen.length, 1);
});

const hang = (_req: Seen, signal: AbortSignal): Promise<Response> => new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
});

test('no answer within timeoutMs: code timeout', async () => {
    const s = scripted(hang);
    const t0 = Date.now();
    await assert.rejects(client(s.fetch, { timeoutMs: 50 }).enclave.info(), { status: 0, code: 'timeout' });
    assert.ok(Date.now() - t0 < 5000);
});

test('an AbortSignal stops a call in flight: code aborted', async () => {
    const s = scripted(hang);
    const ctl = new AbortController();
    const p = client(s.fetch).signatures.get('sig_1', { signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('user left')), 10);
    await assert.rejects(p, (e: unknown) => e instanceof PostQError && e.code === 'aborted' && (e.cause as Error).message === 'user left');
});

test('an AbortSignal stops the wait between retries at once', async () => {
    const s = scripted(err(503, 'busy', { 'Retry-After': '10' }), json(200, sr));
    const ctl = new AbortController();
    const t0 = Date.now();
    const p = client(s.fetch).signatures.get('sig_1', { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 30);
    await assert.rejects(p, { code: 'aborted' });
    assert.ok(Date.now() - t0 < 3000, 'did not wait out Retry-After');
    assert.equal(s.seen.length, 1);
});

test('an already aborted signal sends nothing', async () => {
    const s = scripted(json(200, sr));
    await assert.rejects(client(s.fetch).signatures.get('sig_1', { signal: AbortSignal.abort() }), { code: 'aborted' });
    assert.equal(s.seen.length, 0);
});

test('list: await gives one page; its query carries limit, keyId and cursor', async () => {
    const s = scripted(json(200, { items: [sr], nextCursor: 'c2' }));
    const page = await client(s.fetch).signatures.list({ keyId: 'key 1/2', limit: 10, cursor: 'c1' });
    assert.equal(page.items.length, 1);
    assert.equal(page.nextCursor, 'c2');
    const q = (s.seen[0] as Seen).url.searchParams;
    assert.equal(q.get('keyId'), 'key 1/2');
    assert.equal(q.get('limit'), '10');
    assert.equal(q.get('cursor'), 'c1');
});

test('list: for await walks every page from the first, following nextCursor', async () => {
    const s = scripted(
        json(200, { items: [{ ...sr, id: 'a' }, { ...sr, id: 'b' }], nextCursor: 'c2' }),
        json(200, { items: [{ ...sr, id: 'c' }], nextCursor: 'c3' }),
        json(200, { items: [{ ...sr, id: 'd' }], nextCursor: null }),
    );
    const ids: string[] = [];
    for await (const x of client(s.fetch).signatures.list({ limit: 2 })) ids.push(x.id);
    assert.deepEqual(ids, ['a', 'b', 'c', 'd']);
    assert.deepEqual(s.seen.map((r) => r.url.searchParams.get('cursor')), [null, 'c2', 'c3']);
});

test('list: a failed page stops the iteration with its error', async () => {
    const s = scripted(json(200, { items: [sr], nextCursor: 'c2' }), err(500, 'internal'));
    const seen: string[] = [];
    await assert.rejects((async () => {
        for await (const x of client(s.fetch).apiKeys.list()) seen.push(x.id);
    })(), { status: 500 });
    assert.equal(seen.length, 1);
});

test('sign: a small payload goes as JSON {keyId, payloadB64}', async () => {
    const s = scripted(json(200, sr), json(200, sr), json(200, sr));
    const pq = client(s.fetch);
    await pq.sign({ keyId: 'key_1', payload: 'hello' });
    await pq.sign({ keyId: 'key_1', payload: new Uint8Array([0, 255, 7]) });
    await pq.sign({ keyId: 'key_1', payload: new Uint8Array([1, 2]).buffer });
    const bodies = s.seen.map((r) => JSON.parse(r.body as string) as { keyId: string; payloadB64: string });
    assert.deepEqual(bodies.map((b) => b.payloadB64), ['aGVsbG8=', 'AP8H', 'AQI=']);
    assert.ok(s.seen.every((r) => r.headers.get('content-type') === 'application/json' && r.url.pathname === '/v1/sign'));
});

test('sign: a large payload and a Blob go raw as application/octet-stream with ?keyId=', async () => {
    const s = scripted(json(200, sr), json(200, sr), json(200, sr));
    const pq = client(s.fetch);
    const big = new Uint8Array(200 * 1024).fill(1);
    await pq.sign({ keyId: 'key_1', payload: big });
    await pq.sign({ keyId: 'key_1', payload: new Blob(['blob bytes']) });
    await pq.sign({ keyId: 'key_1', payload: 'tiny' }, { transport: 'raw' });
    for (const r of s.seen) {
        assert.equal(r.headers.get('content-type'), 'application/octet-stream');
        assert.equal(r.url.searchParams.get('keyId'), 'key_1');
    }
    assert.equal((s.seen[0] as Seen).body, big);
    assert.ok((s.seen[1] as Seen).body instanceof Blob);
});

test('sign: a payload of another type is refused before any request', async () => {
    const s = scripted();
    await assert.rejects(client(s.fetch).sign({ keyId: 'k', payload: 42 as unknown as string }), TypeError);
    await assert.rejects(client(s.fetch).sign({ keyId: '', payload: 'x' }), TypeError);
    assert.equal(s.seen.length, 0);
});

test('ids are escaped into the path; delete resolves with nothing on 204', async () => {
    const s = scripted(new Response(null, { status: 204 }), new Response(null, { status: 204 }));
    const pq = client(s.fetch);
    assert.equal(await pq.attestationPolicies.delete('pol/../x'), undefined);
    await pq.apiKeys.delete('ak_1');
    assert.equal((s.seen[0] as Seen).url.pathname, '/v1/attestation-policies/pol%2F..%2Fx');
    assert.equal((s.seen[0] as Seen).method, 'DELETE');
    assert.equal((s.seen[1] as Seen).url.pathname, '/v1/api-keys/ak_1');
});

test('create calls POST their body as JSON', async () => {
    const s = scripted(json(201, { id: 'pol_1' }), json(201, { id: 'key_1' }), json(201, { id: 'ak_1', token: 't' }));
    const pq = client(s.fetch);
    await pq.attestationPolicies.create({ name: 'p', vendor: 'mock', matchRules: { allowedImageHashes: ['a'.repeat(64)], rootPublicKeyB64: 'AA==' } });
    await pq.hybridKeys.create({ name: 'k', pqProvider: 'enclave-mock', attestationPolicyId: 'pol_1' });
    const created = await pq.apiKeys.create({ name: 'ci', role: 'signer' });
    assert.equal(created.token, 't');
    assert.deepEqual(s.seen.map((r) => [r.method, r.url.pathname]), [
        ['POST', '/v1/attestation-policies'], ['POST', '/v1/hybrid-keys'], ['POST', '/v1/api-keys']]);
    assert.equal(JSON.parse((s.seen[1] as Seen).body as string).attestationPolicyId, 'pol_1');
});

test('health: a 503 is an answer, not an error, and not retried', async () => {
    const body = { status: 'unavailable', store: { ok: true }, enclave: { ok: false, reason: 'enclave_unavailable' } };
    const s = scripted(json(503, body));
    const h = await client(s.fetch).health();
    assert.equal(h.enclave.reason, 'enclave_unavailable');
    assert.equal(s.seen.length, 1);
});

test('Retry-After: delta-seconds, an HTTP-date, capped; garbage ignored', () => {
    assert.equal(retryAfterMs('3', 10000), 3000);
    assert.equal(retryAfterMs(' 120 ', 10000), 10000);
    const now = Date.parse('2026-12-04T10:00:00Z');
    assert.equal(retryAfterMs('Fri, 04 Dec 2026 10:00:05 GMT', 10000, now), 5000);
    assert.equal(retryAfterMs('Fri, 04 Dec 2026 09:00:00 GMT', 10000, now), 0);
    assert.equal(retryAfterMs('soon', 10000), null);
    assert.equal(retryAfterMs('-1', 10000), null);
    assert.equal(retryAfterMs(null, 10000), null);
});

test('activity: GET /v1/activity?hours=', async () => {
    const body = { from: 'a', to: 'b', bucketSeconds: 3600, buckets: [], totals: { signed: 1, auditFailed: 0, rejected: 2 }, recentRejections: [] };
    const s = scripted(json(200, body), json(200, body));
    const pq = client(s.fetch);
    assert.equal((await pq.activity({ hours: 48 })).totals.rejected, 2);
    await pq.activity();
    assert.equal((s.seen[0] as Seen).url.search, '?hours=48');
    assert.equal((s.seen[1] as Seen).url.search, '');
});

test('a fetch given in the options is called as a plain function (as a browser\'s fetch must be)', async () => {
    let calls = 0;
    const strict = function (this: unknown, _input: RequestInfo | URL, _init?: RequestInit): Promise<Response> {
        if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
        calls++;
        return Promise.resolve(json(200, { vendor: 'mock', moduleId: 'm', imageHash: '', rootPublicKeyB64: '' }));
    };
    await new PostQ({ apiKey: 'k', fetch: strict as typeof fetch }).enclave.info();
    assert.equal(calls, 1);
});

const version = { version: 2, publicKeyB64: 'AA==', state: 'enabled', createdAt: '2026-12-01T00:00:00Z' };
const key = { id: 'key_1', name: 'k', algorithm: 'mldsa65+ed25519', pqProvider: 'software', publicKeyB64: 'AA==', keyVersion: 2, version: 2, versions: [version], state: 'active', createdAt: 'x' };
const policyBody = { name: 'p', vendor: 'mock' as const, matchRules: { allowedImageHashes: ['a'.repeat(64)], rootPublicKeysB64: ['AA==', 'AQ=='] } };

test('key versions: rotate, versions, disable, enable, destroy, delete send the right method, path and body', async () => {
    const s = scripted(json(201, key), json(200, { items: [version] }), json(200, { ...version, state: 'disabled' }),
        json(200, version), json(200, { ...version, state: 'destroyed' }), json(200, { ...key, state: 'deleted', deletedAt: 'y' }));
    const pq = client(s.fetch);
    assert.equal((await pq.hybridKeys.rotate('key/1')).version, 2);
    assert.equal((await pq.hybridKeys.versions('key_1')).items[0]?.state, 'enabled');
    assert.equal((await pq.hybridKeys.disableVersion('key_1', 2)).state, 'disabled');
    assert.equal((await pq.hybridKeys.enableVersion('key_1', 2)).state, 'enabled');
    assert.equal((await pq.hybridKeys.destroyVersion('key_1', 1)).state, 'destroyed');
    const deleted = await pq.hybridKeys.delete('key_1');
    assert.equal(deleted.state, 'deleted');
    assert.equal(deleted.deletedAt, 'y');
    assert.deepEqual(s.seen.map((r) => [r.method, r.url.pathname, r.body === undefined ? null : JSON.parse(r.body as string)]), [
        ['POST', '/v1/hybrid-keys/key%2F1/rotate', {}],
        ['GET', '/v1/hybrid-keys/key_1/versions', null],
        ['POST', '/v1/hybrid-keys/key_1/versions/2/disable', {}],
        ['POST', '/v1/hybrid-keys/key_1/versions/2/enable', {}],
        ['POST', '/v1/hybrid-keys/key_1/versions/1/destroy', {}],
        ['DELETE', '/v1/hybrid-keys/key_1', null],
    ]);
    assert.ok(s.seen.every((r) => r.headers.get('authorization') === 'Bearer pqk_test_secret'));
});

test('key versions: a version that is not a whole number >= 1 is refused before any request', async () => {
    const s = scripted();
    const pq = client(s.fetch);
    for (const n of [0, -1, 1.5, Number.NaN, '2' as unknown as number]) {
        assert.throws(() => pq.hybridKeys.disableVersion('key_1', n), /version: a whole number >= 1/);
    }
    assert.throws(() => pq.hybridKeys.destroyVersion('', 1), /id: a non-empty string/);
    assert.throws(() => pq.attestationPolicies.get('pol_1', { version: 0 }), /version: a whole number >= 1/);
    assert.equal(s.seen.length, 0);
});

test('key versions: a 409 is a PostQError with the server\'s code, not retried', async () => {
    const s = scripted(err(409, 'version_destroyed'), json(200, version));
    await assert.rejects(client(s.fetch).hybridKeys.enableVersion('key_1', 1), { status: 409, code: 'version_destroyed' });
    assert.equal(s.seen.length, 1);
});

test('policies: update PUTs the body; get takes ?version=', async () => {
    const pol = { id: 'pol_1', ...policyBody, enforce: true, version: 3, createdAt: 'a', updatedAt: 'b' };
    const s = scripted(json(200, pol), json(200, { ...pol, version: 1 }), json(200, pol));
    const pq = client(s.fetch);
    const updated = await pq.attestationPolicies.update('pol_1', policyBody);
    assert.equal(updated.version, 3);
    assert.equal(updated.updatedAt, 'b');
    assert.equal((await pq.attestationPolicies.get('pol_1', { version: 1 })).version, 1);
    await pq.attestationPolicies.get('pol_1');
    const [put, v1, newest] = s.seen as [Seen, Seen, Seen];
    assert.equal(put.method, 'PUT');
    assert.equal(put.url.pathname, '/v1/attestation-policies/pol_1');
    assert.equal(put.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(put.body as string), policyBody);
    assert.equal(v1.method, 'GET');
    assert.equal(v1.url.pathname + v1.url.search, '/v1/attestation-policies/pol_1?version=1');
    assert.equal(newest.url.search, '');
});

test('policies: a PUT is retried after 429 and 503 only, never after a network error or a 500 (each PUT makes a version)', async () => {
    const pol = { id: 'pol_1', ...policyBody, enforce: true, version: 2, createdAt: 'a', updatedAt: 'b' };
    const s = scripted(err(503, 'busy', { 'Retry-After': '0' }), json(200, pol));
    assert.equal((await client(s.fetch).attestationPolicies.update('pol_1', policyBody)).version, 2);
    assert.equal(s.seen.length, 2);
    const n = scripted(new TypeError('fetch failed'), json(200, pol));
    await assert.rejects(client(n.fetch).attestationPolicies.update('pol_1', policyBody), { status: 0, code: 'network_error' });
    assert.equal(n.seen.length, 1);
    const e = scripted(err(500, 'internal'), json(200, pol));
    await assert.rejects(client(e.fetch).attestationPolicies.update('pol_1', policyBody), { status: 500 });
    assert.equal(e.seen.length, 1);
    const v = scripted(err(400, 'invalid_policy'));
    await assert.rejects(client(v.fetch).attestationPolicies.update('pol_1', { ...policyBody, vendor: 'aws-nitro-enclave' }), { status: 400, code: 'invalid_policy' });
});

test('a sign result carries policyId and policyVersion', async () => {
    const s = scripted(json(200, { ...sr, policyId: 'pol_1', policyVersion: 4 }));
    const got: SignResult = await client(s.fetch).signatures.get('sig_1');
    assert.equal(got.policyId, 'pol_1');
    assert.equal(got.policyVersion, 4);
});

test('the transparency log: GET /v1/log, /v1/log/proof?from=&to=, /v1/signatures/{id}/proof', async () => {
    const info = { origin: 'postq-log/org_1', verifierKey: 'postq-log+01234567+AQ==', compositeVerifierKey: 'postq-log+89abcdef+/w==', size: 3, checkpoint: 'n' };
    const proof = { checkpoint: 'n', consistencyProof: ['AA=='] };
    const sp = { logIndex: 2, checkpoint: 'n', inclusionProof: ['AA=='] };
    const s = scripted(json(200, info), json(200, proof), json(200, proof), json(200, sp));
    const c = client(s.fetch);
    assert.deepEqual(await c.log.get(), info);
    assert.deepEqual(await c.log.proof(2), proof);
    assert.deepEqual(await c.log.proof(0, 3), proof);
    assert.deepEqual(await c.signatures.proof('sig_1/x'), sp);
    assert.deepEqual(s.seen.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`), [
        'GET /v1/log', 'GET /v1/log/proof?from=2', 'GET /v1/log/proof?from=0&to=3', 'GET /v1/signatures/sig_1%2Fx/proof',
    ]);
    assert.throws(() => c.log.proof(-1), TypeError);
    assert.throws(() => c.log.proof(1.5), TypeError);
    assert.throws(() => c.log.proof(undefined as unknown as number), TypeError);
    assert.throws(() => c.log.proof(1, -2), TypeError);
    assert.equal(s.seen.length, 4, 'a bad size sends nothing');
});

test('a sign result carries its transparency member (typed)', () => {
    const t: SignResult = { ...sr, transparency: { logIndex: 0, checkpoint: 'n', inclusionProof: [] } };
    assert.equal(t.transparency?.logIndex, 0);
});
