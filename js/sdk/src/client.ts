// SPDX-License-Identifier: Apache-2.0
// The API client (docs/http-api.md): fetch, JSON, Authorization: Bearer. 429 and 503 answers
// are retried with backoff (the server's Retry-After wins), nothing else: a sign that may have
// happened is never sent twice. Every call takes an AbortSignal and has a timeout.

import { hashPayload, type Payload } from './composite.js';
import { toBase64 } from './encoding.js';
import { PostQError } from './errors.js';
import type {
    Activity, ApiKey, ApiKeyCreate, ApiKeyCreated, EnclaveInfo, Health, HybridKey, HybridKeyCreate, KeyVersion, LogInfo,
    LogProof, Page, Policy, PolicyCreate, SignatureProof, SignResult,
} from './types.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';
const BACKOFF_CAP_MS = 10000;
/** Payloads above this go as the raw octet-stream body, not base64 in JSON. */
const JSON_PAYLOAD_MAX = 64 * 1024;

export interface PostQOptions {
    /** an API key token, pqk_… */
    apiKey: string;
    /** default: POSTQ_API_URL where process.env exists, else http://127.0.0.1:8080 */
    baseUrl?: string;
    /** default: globalThis.fetch */
    fetch?: typeof globalThis.fetch;
    /** per attempt, default 30000 ms; 0 for none */
    timeoutMs?: number;
    /** more attempts after a 429 or 503 answer, default 3 */
    retries?: number;
    /** the first wait between attempts, doubling up to 10 s; default 200 ms */
    backoffMs?: number;
}

/** Options every call takes. */
export interface RequestOptions {
    signal?: AbortSignal;
    /** overrides the client's timeoutMs for this call */
    timeoutMs?: number;
}

export interface ListOptions extends RequestOptions {
    /** items per page, 1..100 (server default 50) */
    limit?: number;
    /** nextCursor of the previous page */
    cursor?: string;
}

export interface PolicyGetOptions extends RequestOptions {
    /** that version of the policy (1 is the one created); default the newest */
    version?: number;
}

export interface SignatureListOptions extends ListOptions {
    /** only this key's signatures */
    keyId?: string;
}

export interface SignRequest {
    keyId: string;
    payload: Payload;
}

export interface SignOptions extends RequestOptions {
    /** "json": {keyId, payloadB64} (bodies up to 1 MiB); "raw": the payload as
     * application/octet-stream (up to 64 MiB). Default: raw above 64 KiB and for a Blob. */
    transport?: 'json' | 'raw';
}

function envBaseUrl(): string | undefined {
    const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
    const v = p?.env?.['POSTQ_API_URL'];
    return v !== undefined && v !== '' ? v : undefined;
}

interface Call {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    path: string;
    query?: Record<string, string | number | undefined>;
    json?: unknown;
    body?: Uint8Array | Blob;
    contentType?: string;
    /** 204: no body expected */
    empty?: boolean;
}

/**
 * A list call: `await` it for one page, or iterate it with `for await` for every item of
 * every page from its cursor on.
 */
export class PageRequest<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
    #first: Promise<Page<T>> | undefined;
    constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>, private readonly cursor: string | undefined) {}

    then<A = Page<T>, B = never>(ok?: ((p: Page<T>) => A | PromiseLike<A>) | null, err?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
        this.#first ??= this.fetchPage(this.cursor);
        return this.#first.then(ok, err);
    }

    async *[Symbol.asyncIterator](): AsyncIterator<T> {
        let cursor = this.cursor;
        for (;;) {
            const page = await this.fetchPage(cursor);
            yield* page.items;
            if (page.nextCursor === null || page.nextCursor === '') return;
            cursor = page.nextCursor;
        }
    }
}

export class PostQ {
    readonly baseUrl: string;
    readonly #apiKey: string;
    readonly #fetch: typeof globalThis.fetch;
    readonly #timeoutMs: number;
    readonly #retries: number;
    readonly #backoffMs: number;

    readonly attestationPolicies: {
        create(body: PolicyCreate, opts?: RequestOptions): Promise<Policy>;
        /** a new version of the policy (the same body as create; the vendor cannot change) */
        update(id: string, body: PolicyCreate, opts?: RequestOptions): Promise<Policy>;
        get(id: string, opts?: PolicyGetOptions): Promise<Policy>;
        list(opts?: ListOptions): PageRequest<Policy>;
        delete(id: string, opts?: RequestOptions): Promise<void>;
    };
    readonly hybridKeys: {
        create(body: HybridKeyCreate, opts?: RequestOptions): Promise<HybridKey>;
        get(id: string, opts?: RequestOptions): Promise<HybridKey>;
        list(opts?: ListOptions): PageRequest<HybridKey>;
        /** a new key version, which signs from now on; the key, its version the new one */
        rotate(id: string, opts?: RequestOptions): Promise<HybridKey>;
        versions(id: string, opts?: RequestOptions): Promise<{ items: KeyVersion[] }>;
        disableVersion(id: string, version: number, opts?: RequestOptions): Promise<KeyVersion>;
        enableVersion(id: string, version: number, opts?: RequestOptions): Promise<KeyVersion>;
        /** irreversible: the version's private key is gone (a destroyed version again: 200) */
        destroyVersion(id: string, version: number, opts?: RequestOptions): Promise<KeyVersion>;
        /** irreversible: every version destroyed; the key, its state "deleted" */
        delete(id: string, opts?: RequestOptions): Promise<HybridKey>;
    };
    readonly signatures: {
        get(id: string, opts?: RequestOptions): Promise<SignResult>;
        list(opts?: SignatureListOptions): PageRequest<SignResult>;
        /** the signature's inclusion proof against the log's latest checkpoint */
        proof(id: string, opts?: RequestOptions): Promise<SignatureProof>;
    };
    /** The organisation's transparency log (verify what it answers with verifyCheckpoint,
     * verifyConsistency and verifySignResult's logKey, under a verifier key you pinned). */
    readonly log: {
        /** its origin, verifier keys, size and latest checkpoint */
        get(opts?: RequestOptions): Promise<LogInfo>;
        /** the consistency proof from the tree of size `from` to the latest checkpoint, or to
         * the checkpoint of size `to` */
        proof(from: number, to?: number, opts?: RequestOptions): Promise<LogProof>;
    };
    readonly apiKeys: {
        create(body: ApiKeyCreate, opts?: RequestOptions): Promise<ApiKeyCreated>;
        list(opts?: ListOptions): PageRequest<ApiKey>;
        delete(id: string, opts?: RequestOptions): Promise<void>;
    };
    readonly enclave: {
        info(opts?: RequestOptions): Promise<EnclaveInfo>;
    };

    constructor(options: PostQOptions) {
        if (options === null || typeof options !== 'object') throw new TypeError('new PostQ({ apiKey }): an options object');
        const { apiKey, baseUrl, fetch, timeoutMs = 30000, retries = 3, backoffMs = 200 } = options;
        if (typeof apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(apiKey)) {
            throw new TypeError('new PostQ: apiKey must be an API key token (printable ASCII, no spaces)');
        }
        const base = baseUrl ?? envBaseUrl() ?? DEFAULT_BASE_URL;
        let url: URL;
        try {
            url = new URL(base);
        } catch {
            throw new TypeError(`new PostQ: baseUrl "${base}" is not a URL`);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`new PostQ: baseUrl "${base}" is not http or https`);
        for (const [k, v] of [['timeoutMs', timeoutMs], ['retries', retries], ['backoffMs', backoffMs]] as const) {
            if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`new PostQ: ${k} must be a whole number >= 0`);
        }
        const f = fetch ?? globalThis.fetch;
        if (typeof f !== 'function') throw new TypeError('new PostQ: no fetch in this environment; pass options.fetch');
        this.baseUrl = base.replace(/\/+$/, '');
        this.#apiKey = apiKey;
        // Called as a plain function, never as a method of this client: a browser's fetch
        // refuses any other `this` ("Illegal invocation").
        this.#fetch = (input, init) => f(input, init);
        this.#timeoutMs = timeoutMs;
        this.#retries = retries;
        this.#backoffMs = backoffMs;

        const id = (v: string): string => {
            if (typeof v !== 'string' || v === '') throw new TypeError('id: a non-empty string');
            return encodeURIComponent(v);
        };
        const size = (what: string, n: number | undefined, required: boolean): number | undefined => {
            if ((n !== undefined || required) && (!Number.isSafeInteger(n) || (n as number) < 0)) throw new TypeError(`${what}: a tree size, a whole number >= 0`);
            return n;
        };
        const version = (n: number): number => {
            if (!Number.isSafeInteger(n) || n < 1) throw new TypeError('version: a whole number >= 1');
            return n;
        };
        const setVersion = (v: string, n: number, action: string, o?: RequestOptions): Promise<KeyVersion> =>
            this.#call({ method: 'POST', path: `/v1/hybrid-keys/${id(v)}/versions/${version(n)}/${action}`, json: {} }, o);
        const list = <T>(path: string, o: SignatureListOptions = {}): PageRequest<T> =>
            new PageRequest<T>((cursor) => this.#call<Page<T>>({ method: 'GET', path, query: { keyId: o.keyId, limit: o.limit, cursor } }, o), o.cursor);

        this.attestationPolicies = {
            create: (body, o) => this.#call({ method: 'POST', path: '/v1/attestation-policies', json: body }, o),
            // Each PUT makes a version: like a POST, it is retried only after a 429 or 503.
            update: (v, body, o) => this.#call({ method: 'PUT', path: `/v1/attestation-policies/${id(v)}`, json: body }, o),
            get: (v, o) => this.#call({
                method: 'GET', path: `/v1/attestation-policies/${id(v)}`,
                query: { version: o?.version === undefined ? undefined : version(o.version) },
            }, o),
            list: (o) => list('/v1/attestation-policies', o),
            delete: (v, o) => this.#call({ method: 'DELETE', path: `/v1/attestation-policies/${id(v)}`, empty: true }, o),
        };
        this.hybridKeys = {
            create: (body, o) => this.#call({ method: 'POST', path: '/v1/hybrid-keys', json: body }, o),
            get: (v, o) => this.#call({ method: 'GET', path: `/v1/hybrid-keys/${id(v)}` }, o),
            list: (o) => list('/v1/hybrid-keys', o),
            rotate: (v, o) => this.#call({ method: 'POST', path: `/v1/hybrid-keys/${id(v)}/rotate`, json: {} }, o),
            versions: (v, o) => this.#call({ method: 'GET', path: `/v1/hybrid-keys/${id(v)}/versions` }, o),
            disableVersion: (v, n, o) => setVersion(v, n, 'disable', o),
            enableVersion: (v, n, o) => setVersion(v, n, 'enable', o),
            destroyVersion: (v, n, o) => setVersion(v, n, 'destroy', o),
            delete: (v, o) => this.#call({ method: 'DELETE', path: `/v1/hybrid-keys/${id(v)}` }, o),
        };
        this.signatures = {
            get: (v, o) => this.#call({ method: 'GET', path: `/v1/signatures/${id(v)}` }, o),
            list: (o) => list('/v1/signatures', o),
            proof: (v, o) => this.#call({ method: 'GET', path: `/v1/signatures/${id(v)}/proof` }, o),
        };
        this.log = {
            get: (o) => this.#call({ method: 'GET', path: '/v1/log' }, o),
            proof: (from, to, o) => this.#call({ method: 'GET', path: '/v1/log/proof', query: { from: size('from', from, true), to: size('to', to, false) } }, o),
        };
        this.apiKeys = {
            create: (body, o) => this.#call({ method: 'POST', path: '/v1/api-keys', json: body }, o),
            list: (o) => list('/v1/api-keys', o),
            delete: (v, o) => this.#call({ method: 'DELETE', path: `/v1/api-keys/${id(v)}`, empty: true }, o),
        };
        this.enclave = {
            info: (o) => this.#call({ method: 'GET', path: '/v1/enclave' }, o),
        };
    }

    /**
     * Sign a payload with a key: the enclave signs and attests, the API verifies the document
     * under the key's policy and stores the result before it answers.
     */
    async sign(req: SignRequest, opts: SignOptions = {}): Promise<SignResult> {
        if (req === null || typeof req !== 'object' || typeof req.keyId !== 'string' || req.keyId === '') {
            throw new TypeError('sign: { keyId, payload } with keyId a non-empty string');
        }
        const p = req.payload;
        const isBlob = typeof Blob !== 'undefined' && p instanceof Blob;
        let bytes: Uint8Array | null = null;
        if (typeof p === 'string') bytes = new TextEncoder().encode(p);
        else if (p instanceof Uint8Array) bytes = p;
        else if (p instanceof ArrayBuffer) bytes = new Uint8Array(p);
        else if (!isBlob) throw new TypeError('sign: payload must be a Uint8Array, ArrayBuffer, Blob or string');
        const size = bytes !== null ? bytes.length : (p as Blob).size;
        const transport = opts.transport ?? (isBlob || size > JSON_PAYLOAD_MAX ? 'raw' : 'json');
        if (transport === 'raw') {
            return this.#call({
                method: 'POST', path: '/v1/sign', query: { keyId: req.keyId },
                body: bytes ?? (p as Blob), contentType: 'application/octet-stream',
            }, opts);
        }
        if (transport !== 'json') throw new TypeError('sign: transport is "json" or "raw"');
        if (bytes === null) bytes = new Uint8Array(await (p as Blob).arrayBuffer());
        return this.#call({ method: 'POST', path: '/v1/sign', json: { keyId: req.keyId, payloadB64: toBase64(bytes) } }, opts);
    }

    /** The organisation's signs, audit failures and refused signs per hour over the last
     * `hours` (1..168, default 24), and its newest refusals. */
    activity(opts: RequestOptions & { hours?: number } = {}): Promise<Activity> {
        return this.#call({ method: 'GET', path: '/v1/activity', query: { hours: opts.hours } }, opts);
    }

    /** GET /healthz: whether the store and the enclave can serve (needs no API key). */
    health(opts?: RequestOptions): Promise<Health> {
        return this.#call({ method: 'GET', path: '/healthz' }, opts, [200, 503]);
    }

    async #call<T>(c: Call, opts: RequestOptions = {}, okStatus: number[] = []): Promise<T> {
        const { signal, timeoutMs = this.#timeoutMs } = opts ?? {};
        const url = new URL(this.baseUrl + c.path);
        for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
        const headers: Record<string, string> = { Authorization: `Bearer ${this.#apiKey}`, Accept: 'application/json' };
        let body: string | Uint8Array | Blob | undefined;
        if (c.json !== undefined) {
            headers['Content-Type'] = 'application/json';
            body = JSON.stringify(c.json);
        } else if (c.body !== undefined) {
            headers['Content-Type'] = c.contentType ?? 'application/octet-stream';
            body = c.body;
        }
        let backoff = Math.min(this.#backoffMs, BACKOFF_CAP_MS);
        for (let attempt = 0; ; attempt++) {
            if (signal?.aborted === true) throw new PostQError(0, 'aborted', `${c.method} ${c.path}: aborted`, '', { cause: signal.reason });
            const res = await this.#attempt(url, c.method, headers, body, signal, timeoutMs);
            if ((res.status === 429 || res.status === 503) && attempt < this.#retries && !okStatus.includes(res.status)) {
                const after = retryAfterMs(res.headers.get('retry-after'), BACKOFF_CAP_MS);
                const wait = after ?? backoff;
                backoff = Math.min(backoff * 2, BACKOFF_CAP_MS);
                await res.body?.cancel().catch(() => undefined);
                await sleep(wait, signal);
                continue;
            }
            const requestId = res.headers.get('x-request-id') ?? '';
            const text = await res.text().catch((e: unknown) => {
                throw new PostQError(0, 'network_error', `reading the answer from ${this.baseUrl} failed: ${(e as Error).message}`, requestId, { cause: e });
            });
            if ((res.status < 200 || res.status > 299) && !okStatus.includes(res.status)) throw httpError(res.status, text, requestId);
            if (c.empty === true || res.status === 204) return undefined as T;
            try {
                return JSON.parse(text) as T;
            } catch {
                throw new PostQError(res.status, 'invalid_response', `the answer from ${this.baseUrl}${c.path} is not JSON`, requestId);
            }
        }
    }

    async #attempt(url: URL, method: string, headers: Record<string, string>, body: string | Uint8Array | Blob | undefined,
        signal: AbortSignal | undefined, timeoutMs: number): Promise<Response> {
        const ctl = new AbortController();
        let timedOut = false;
        const onAbort = (): void => ctl.abort(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        const timer = timeoutMs > 0 ? setTimeout(() => {
            timedOut = true;
            ctl.abort();
        }, timeoutMs) : undefined;
        try {
            return await this.#fetch(url, { method, headers, body: body as BodyInit | undefined, signal: ctl.signal, redirect: 'error' });
        } catch (e) {
            if (signal?.aborted === true) throw new PostQError(0, 'aborted', `${method} ${url.pathname}: aborted`, '', { cause: signal.reason });
            if (timedOut) throw new PostQError(0, 'timeout', `${method} ${url.pathname}: no answer within ${timeoutMs} ms`, '', { cause: e });
            throw new PostQError(0, 'network_error', `cannot reach ${this.baseUrl}: ${(e as Error).message}`, '', { cause: e });
        } finally {
            if (timer !== undefined) clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        }
    }
}

/** The server's {"error":{"code","message"}}, or the status alone when the body is not that. */
function httpError(status: number, text: string, requestId: string): PostQError {
    try {
        const o = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        const code = o.error?.code;
        const message = o.error?.message;
        if (typeof code === 'string' && code !== '') {
            return new PostQError(status, code, typeof message === 'string' ? message : code, requestId);
        }
    } catch {
        /* not JSON: an HTML page from the HTTP layer or a proxy */
    }
    return new PostQError(status, `http_${status}`, `HTTP ${status}`, requestId);
}

/**
 * Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, as ms within cap; null when
 * absent or malformed.
 */
export function retryAfterMs(v: string | null, capMs: number, now = Date.now()): number | null {
    if (v === null) return null;
    const s = v.trim();
    if (/^[0-9]+$/.test(s)) return Math.min(Number(s) * 1000, capMs);
    if (!/^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/.test(s)) return null;
    const t = Date.parse(s);
    if (Number.isNaN(t)) return null;
    return Math.min(Math.max(t - now, 0), capMs);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted === true) {
            reject(new PostQError(0, 'aborted', 'aborted', '', { cause: signal.reason }));
            return;
        }
        const onAbort = (): void => {
            clearTimeout(t);
            reject(new PostQError(0, 'aborted', 'aborted while waiting to retry', '', { cause: signal?.reason }));
        };
        const t = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}

export { hashPayload };
