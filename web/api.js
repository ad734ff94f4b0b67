// SPDX-License-Identifier: Apache-2.0
// The API client of the dashboard [docs/http-api.md]: same origin only, the API key in an
// Authorization header (never in a URL), kept in sessionStorage only (gone when the tab closes).

const STORE = 'postq.apiKey';

export const session = {
    key: () => sessionStorage.getItem(STORE),
    set: (k) => sessionStorage.setItem(STORE, k),
    clear: () => sessionStorage.removeItem(STORE),
};

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}

// What the user should do about an error, in words.
export function advice(e) {
    if (!(e instanceof ApiError)) return 'Check that postq-api is running and reachable, then try again.';
    switch (e.status) {
    case 0: return 'The API did not answer: check that postq-api is running, then try again.';
    case 401: return 'Your API key was refused: sign in again with a valid key.';
    case 403: return 'Your API key’s role does not allow this: use an admin key (or a signer key to sign).';
    case 404: return 'It does not exist in your organisation (or was deleted).';
    case 409:
        switch (e.code) {
        case 'key_deleted': return 'The key is deleted: it never signs, rotates or enables a version again. Use another key.';
        case 'key_disabled': return 'No version of the key is enabled: enable one on the key’s page (or rotate it), then sign again.';
        case 'version_destroyed': return 'That version is destroyed: its private key is gone for good. Rotate the key for a new version.';
        case 'too_many_versions': return 'It has 100 versions, the most there may be: create a new one instead.';
        default: return 'It is still in use: delete or rebind what depends on it first.';
        }
    case 413: return 'The file is too large: the API signs payloads of up to 64 MiB.';
    case 422: return `The enclave’s attestation was rejected (${e.code}): check the policy pins this enclave.`;
    case 429:
    case 503: return 'The service is busy or the enclave is unreachable: try again in a moment.';
    default: return 'Fix the request and try again; the message above says what the API refused.';
    }
}

// One API call. opts: {json} (sent as application/json), {bytes, query} (octet-stream).
// Resolves with the parsed JSON body; rejects with ApiError.
export async function call(method, path, opts = {}) {
    const key = session.key();
    const headers = { Accept: 'application/json' };
    if (key) headers.Authorization = `Bearer ${key}`;
    let body;
    if (opts.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(opts.json);
    } else if (opts.bytes !== undefined) {
        headers['Content-Type'] = 'application/octet-stream';
        body = opts.bytes;
    }
    let r;
    try {
        r = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
    } catch (e) {
        throw new ApiError(0, 'network', `cannot reach the API (${e.message})`);
    }
    const text = await r.text();
    let j = null;
    try {
        j = text ? JSON.parse(text) : null;
    } catch {
        j = null;
    }
    if (!r.ok) {
        const err = j && j.error ? j.error : { code: `http_${r.status}`, message: text.slice(0, 200) || r.statusText };
        if (r.status === 401) session.clear();
        throw new ApiError(r.status, err.code, err.message);
    }
    return { json: j, text };
}

// A list page: {items, nextCursor}.
export async function page(path, limit, cursor, extra = {}) {
    const q = new URLSearchParams({ limit: String(limit), ...extra });
    if (cursor) q.set('cursor', cursor);
    return (await call('GET', `${path}?${q}`)).json;
}
