// SPDX-License-Identifier: Apache-2.0
// Offline verification (docs/verification.md): an attestation document under a pinned policy,
// and a sign result's composite signature, trusting nothing the API says. The checks, their
// order, reason codes and details are the CLI's (`postq attest verify`, `postq verify`); the
// parity test runs both on one corpus.

import { hashPayload, sha256, verifyComposite, verifyCompositeMessage, verifyEd25519, type Payload } from './composite.js';
import { cutUtf8, fromBase64, fromBase64Url, fromUtf8, isHex64, toHex, utf8, utf8Length } from './encoding.js';
import { InvalidInputError } from './errors.js';
import {
    ALGORITHMS, DOC_B64_MAX, isAlgorithm, readPolicy, readPublicKey, readSignResult,
    type Algorithm, type ParsedSignResult, type PinnedPolicy, type PinnedRoot, type PublicKey,
} from './formats.js';
import { JsonInt, parseJson, isObject, has, type JsonValue } from './json.js';
import { appraiseAzure, parseAzure, NotThisVendor, type DocClaims } from './azure.js';
import { parseTime, stamp } from './time.js';
import { buildEntry, logChecks, readLogKey, readTransparency, type DocFacts, type LogInclusion, type LogKey } from './tlog.js';

/** A reason code of docs/verification.md, in the order the checks run. */
export type ReasonCode =
    | 'doc_malformed' | 'vendor_mismatch' | 'vendor_unsupported' | 'doc_alg_unsupported'
    | 'doc_signature_invalid' | 'image_not_allowed' | 'doc_stale' | 'doc_from_future'
    | 'result_mismatch' | 'payload_hash_mismatch' | 'sig_hash_mismatch' | 'key_mismatch'
    | 'signature_invalid' | 'chain_invalid' | 'measurement_not_allowed' | 'debug_not_allowed'
    | 'claims_invalid' | LogReasonCode;

/** The reason codes of the transparency log checks (verifySignResult with a logKey). */
export type LogReasonCode = 'log_checkpoint_invalid' | 'log_proof_invalid';

/** One check that ran, named by the reason code of its failure. */
export interface Check {
    check: ReasonCode;
    result: 'pass' | 'fail';
}

/** What an attestation document says (as `postq attest verify --json` prints it). */
export interface Claims {
    vendor: string;
    /** the rest are present when the document carries them (a mock document carries all) */
    moduleId?: string;
    /** the enclave image's hash (mock), or the launch measurement (azure-confidential-vm) */
    imageHash?: string;
    keyId?: string;
    algorithm?: string;
    publicKeySha256?: string;
    payloadSha256?: string;
    sigSha256?: string;
    counter?: number;
    /** ms since the epoch, the enclave's clock */
    timestamp?: number;
    /** timestamp as RFC 3339 */
    signedAt?: string;
}

/** The outcome of a verification: ok, or the first failed check's reason and detail. */
export interface Verdict {
    ok: boolean;
    reason?: ReasonCode;
    detail?: string;
    /** the document's claims, once it parsed */
    claims?: Claims;
    /** every check that ran, in order; the last one failed when ok is false */
    checks: Check[];
    /** the reference time the document was judged at (RFC 3339) */
    at: string;
    /** with a logKey, once the log checks passed: where the sign result is in the log */
    log?: LogInclusion;
}

/** A time: a Date, milliseconds since the epoch, or RFC 3339 / Unix seconds text. */
export type TimeInput = Date | number | string;

export interface VerifyAttestationDocOptions {
    /** the document: base64 of its bytes (default: the sign result's attestation.docB64) */
    docB64?: string;
    /** the vendor the document is declared to be from (default: the sign result's) */
    vendor?: string;
    /** the pinned policy: the API's object, or the file's text or bytes */
    policy: unknown;
    /** the signed payload: its SHA-256 must be the one attested */
    payload?: Payload;
    /** the sign result the document came with: its fields must be the document's */
    signResult?: unknown;
    /** a composite public key: its SHA-256 must be the one attested, and with a sign result
     * and a payload the composite signature is checked too (a key JSON with "versions": the
     * sign result's keyVersion picks the key, as for verifySignResult) */
    publicKey?: unknown;
    /** judge the document at this time (default: the sign result's createdAt, else now) */
    at?: TimeInput;
    /** the real clock, for tests (default Date.now()) */
    clock?: TimeInput;
}

export interface VerifySignResultOptions {
    signResult: unknown;
    payload: Payload;
    /** PEM SPKI text, the key's JSON from the API (object or text), or its bytes; of a key
     * JSON with "versions", the entry of the sign result's keyVersion (1 when absent) */
    publicKey: unknown;
    /** with a policy, the attestation document is checked too */
    policy?: unknown;
    /** a transparency log's verifier key (GET /v1/log's verifierKey or compositeVerifierKey,
     * best pinned, not fetched when verifying): the sign result must then carry a proof that it
     * is in that log, checked last (log_checkpoint_invalid, log_proof_invalid) */
    logKey?: string | LogKey;
    at?: TimeInput;
    clock?: TimeInput;
}

const JWS_MAX = 16384;
const JWS_HEADER_MAX = 1024;
const JWS_PAYLOAD_MAX = 8192;
const JWS_SIG_MAX = 3584; // the largest: ML-DSA-65-Ed25519's 3373 bytes
const FUTURE_SKEW_MS = 60000;
const TYP = 'postq-attestation+jws';
const isEd25519Alg = (alg: string): boolean => alg === 'Ed25519' || alg === 'EdDSA';
// The JWS alg of a composite mldsa65+ed25519 root (draft-ietf-jose-pq-composite-sigs).
const COMPOSITE_ALG = 'ML-DSA-65-Ed25519';
const COMPOSITE_SIG = ALGORITHMS['mldsa65+ed25519'].sig;

/** The kind of pinned root a header alg needs, or null for an alg no mock root signs with. */
function rootKindOf(alg: string): PinnedRoot['algorithm'] | null {
    if (isEd25519Alg(alg)) return 'ed25519';
    return alg === COMPOSITE_ALG ? 'mldsa65+ed25519' : null;
}

class Malformed extends Error {}

function time(what: string, t: TimeInput | undefined): number | null {
    if (t === undefined) return null;
    let ms: number | null = null;
    if (t instanceof Date) ms = t.getTime();
    else if (typeof t === 'number') ms = t;
    else if (typeof t === 'string') ms = parseTime(t);
    if (ms === null || !Number.isSafeInteger(ms) || ms < 0) {
        throw new InvalidInputError(`${what}: ${JSON.stringify(String(t))} is neither RFC 3339 (2026-01-31T12:00:00Z), Unix seconds, milliseconds nor a Date`);
    }
    // The CLI reads --at to the second.
    return ms;
}

// ---- the document ----

interface Jws {
    alg: string;
    typ: string | null;
    crit: boolean;
    payload: Uint8Array;
    sig: Uint8Array;
    signingInput: Uint8Array;
}

function parseJws(raw: Uint8Array): Jws {
    if (raw.length > JWS_MAX) throw new Malformed(`jws: over ${JWS_MAX} bytes`);
    let text: string;
    try {
        text = fromUtf8(raw);
    } catch {
        throw new Malformed('jws: not three dot-separated parts');
    }
    const parts = text.split('.');
    if (parts.length > 3) throw new Malformed('jws: more than three parts');
    if (parts.length < 3) throw new Malformed('jws: not three dot-separated parts');
    const [p0, p1, p2] = parts as [string, string, string];
    if (p0 === '' || p1 === '') throw new Malformed(`jws: empty ${p0 === '' ? 'header' : 'payload'}`);
    const dec = (s: string, name: string, max: number): Uint8Array => {
        if (s.length > Math.floor((4 * max + 2) / 3)) throw new Malformed(`jws ${name}: over ${max} bytes`);
        const b = fromBase64Url(s);
        if (b === null) throw new Malformed(`jws ${name}: not canonical unpadded base64url`);
        return b;
    };
    const header = dec(p0, 'header', JWS_HEADER_MAX);
    const payload = dec(p1, 'payload', JWS_PAYLOAD_MAX);
    const sig = dec(p2, 'signature', JWS_SIG_MAX);
    let h: JsonValue;
    try {
        h = parseJson(fromUtf8(header));
    } catch (e) {
        throw new Malformed(`jws header: ${(e as Error).message}`);
    }
    if (!isObject(h)) throw new Malformed('jws header: not a JSON object');
    const hstr = (k: string, max: number, required: boolean): string | null => {
        if (!has(h as object, k)) {
            if (required) throw new Malformed(`jws header.${k}: missing`);
            return null;
        }
        const v = (h as Record<string, JsonValue>)[k];
        if (typeof v !== 'string') throw new Malformed(`jws header.${k}: not a string`);
        if (utf8Length(v) >= max) throw new Malformed(`jws header.${k}: too long`);
        return v;
    };
    const alg = hstr('alg', 32, true) as string;
    const typ = hstr('typ', 64, false);
    hstr('kid', 128, false);
    const jws: Jws = { alg, typ, crit: has(h, 'crit'), payload, sig, signingInput: utf8(`${p0}.${p1}`) };
    if (isEd25519Alg(alg) && sig.length !== 64) throw new Malformed(`jws signature: ${sig.length} bytes, Ed25519 has 64`);
    if (alg === COMPOSITE_ALG && sig.length !== COMPOSITE_SIG) {
        throw new Malformed(`jws signature: ${sig.length} bytes, ${COMPOSITE_ALG} has ${COMPOSITE_SIG}`);
    }
    return jws;
}

/** A mock document's claims: all of them required. */
type MockClaims = Required<Claims>;

function parseClaims(bytes: Uint8Array): MockClaims {
    let c: JsonValue;
    try {
        c = parseJson(fromUtf8(bytes));
    } catch (e) {
        throw new Malformed(`claims: ${(e as Error).message}`);
    }
    if (!isObject(c)) throw new Malformed('claims: not a JSON object');
    const o = c;
    const member = (k: string): JsonValue => {
        if (!has(o, k)) throw new Malformed(`claims.${k}: missing`);
        return o[k] as JsonValue;
    };
    const uint = (k: string): number => {
        const v = member(k);
        if (!(v instanceof JsonInt) || v.text.startsWith('-') || !Number.isSafeInteger(v.value)) {
            throw new Malformed(`claims.${k}: not a non-negative integer`);
        }
        return v.value;
    };
    const string = (k: string, cap: number): string => {
        const v = member(k);
        if (typeof v !== 'string') throw new Malformed(`claims.${k}: not a string`);
        const n = utf8Length(v);
        if (n < 1 || n > cap - 1) throw new Malformed(`claims.${k}: length not in 1..${cap - 1}`);
        return v;
    };
    const hex = (k: string): string => {
        const v = member(k);
        if (!isHex64(v)) throw new Malformed(`claims.${k}: not 64 lowercase hex characters`);
        return v;
    };
    const v = uint('v');
    if (v !== 1) throw new Malformed(`claims.v: version ${v}, expected 1`);
    const out = {
        vendor: string('vendor', 32),
        moduleId: string('moduleId', 128),
        imageHash: hex('imageHash'),
        keyId: string('keyId', 128),
        algorithm: string('algorithm', 32),
        publicKeySha256: hex('publicKeySha256'),
        payloadSha256: hex('payloadSha256'),
        sigSha256: hex('sigSha256'),
        counter: uint('counter'),
        timestamp: uint('timestamp'),
        signedAt: '',
    };
    const n = member('nonce');
    const nb = typeof n === 'string' ? fromBase64Url(n) : null;
    if (nb === null || nb.length !== 32) throw new Malformed('claims.nonce: not unpadded base64url of 32 bytes');
    out.signedAt = stamp(out.timestamp);
    return out;
}

// ---- the checks ----

interface Inputs {
    docB64: string;
    declaredVendor: string | null;
    policy: PinnedPolicy;
    /** the sign result's fields to compare (result_mismatch), or null */
    result: ParsedSignResult | null;
    /** SHA-256 of the payload, or null */
    payloadSha256: Uint8Array | null;
    /** the composite signature, or null */
    sig: Uint8Array | null;
    key: PublicKey | null;
    /** PH of the payload, for the composite signature */
    ph: Uint8Array | null;
    nowMs: number;
    clockMs: number;
}

class Run {
    readonly checks: Check[] = [];
    claims: Claims | undefined;
    log: LogInclusion | undefined;
    reason: ReasonCode | undefined;
    detail: string | undefined;
    constructor(readonly nowMs: number) {}
    pass(check: ReasonCode): void {
        this.checks.push({ check, result: 'pass' });
    }
    fail(check: ReasonCode, detail: string): Verdict {
        this.checks.push({ check, result: 'fail' });
        this.reason = check;
        this.detail = detail;
        return this.verdict();
    }
    /** fail, for a check inside a step that answers whether to go on */
    no(check: ReasonCode, detail: string): false {
        this.fail(check, detail);
        return false;
    }
    verdict(): Verdict {
        const v: Verdict = { ok: this.reason === undefined, checks: this.checks, at: stamp(this.nowMs) };
        if (this.reason !== undefined) {
            v.reason = this.reason;
            v.detail = this.detail as string;
        }
        if (this.claims !== undefined) v.claims = this.claims;
        if (this.log !== undefined) v.log = this.log;
        return v;
    }
}

// The document parsed by one vendor's reader: its claims, and the vendor's own checks.
interface Parsed {
    vendor: 'mock' | 'azure-confidential-vm';
    claims: DocClaims;
    appraise(run: Run): Promise<boolean>;
}

function parseMock(raw: Uint8Array, policy: PinnedPolicy): Parsed {
    const jws = parseJws(raw);
    const c = parseClaims(jws.payload);
    return {
        vendor: 'mock',
        claims: {
            vendor: c.vendor, moduleId: c.moduleId, imageHash: c.imageHash, keyId: c.keyId, algorithm: c.algorithm,
            publicKeySha256: c.publicKeySha256, payloadSha256: c.payloadSha256, sigSha256: c.sigSha256, counter: c.counter,
            timestamp: c.timestamp,
        },
        async appraise(run) {
            const kind = rootKindOf(jws.alg);
            if (kind === null) return run.no('doc_alg_unsupported', `header alg "${jws.alg}": only Ed25519, EdDSA or ${COMPOSITE_ALG}`);
            // The pinned keys decide which algorithms are acceptable: a header naming one no
            // pinned root has is refused before any signature is checked, so a document cannot
            // downgrade itself to the classical Ed25519 alone under a composite root.
            const candidates = policy.roots.filter((r) => r.algorithm === kind);
            if (candidates.length === 0) return run.no('doc_alg_unsupported', `header alg "${jws.alg}": the policy pins no root for it`);
            if (jws.crit) return run.no('doc_alg_unsupported', 'header has crit: no extension is understood');
            if (jws.typ !== TYP) return run.no('doc_alg_unsupported', `header typ "${jws.typ ?? ''}": expected "${TYP}"`);
            run.pass('doc_alg_unsupported');
            // Under the pinned keys, never one the header names; any root of the kind may have
            // signed (a policy pins several while a deployment moves to a new root).
            const signedBy = (r: PinnedRoot): boolean => kind === 'ed25519'
                ? verifyEd25519(r.key, jws.signingInput, jws.sig)
                : verifyCompositeMessage('mldsa65+ed25519', r.key, jws.signingInput, jws.sig);
            if (!candidates.some(signedBy)) {
                return run.no('doc_signature_invalid', `${kind === 'ed25519' ? 'Ed25519' : COMPOSITE_ALG} signature does not verify under the pinned root key`);
            }
            run.pass('doc_signature_invalid');
            if (!policy.images.includes(c.imageHash)) return run.no('image_not_allowed', 'imageHash is not in allowedImageHashes');
            run.pass('image_not_allowed');
            return true;
        },
    };
}

function parseAzureDoc(raw: Uint8Array, policy: PinnedPolicy, nowMs: number): Parsed {
    const d = parseAzure(raw);
    return {
        vendor: 'azure-confidential-vm',
        claims: d.claims,
        appraise: (run) => appraiseAzure(d, policy.rules, nowMs, (c) => run.pass(c as ReasonCode), (c, t) => run.no(c as ReasonCode, t)),
    };
}

const READERS: Readonly<Record<string, (raw: Uint8Array, policy: PinnedPolicy, nowMs: number) => Parsed>> = {
    mock: parseMock,
    'azure-confidential-vm': parseAzureDoc,
};
// The C library's order of vendors, for reading a document of another vendor than the policy's.
const TABLE_ORDER = ['mock', 'aws-nitro-enclave', 'azure-confidential-vm', 'gcp-confidential-space'];

/** The policy vendor's reader; else another vendor's (the declared one first) that accepts the
 * document, which is then vendor_mismatch; else doc_malformed with the policy vendor's detail. */
function parseDoc(raw: Uint8Array, x: Inputs): Parsed | { malformed: string } | { unsupported: true } {
    const mine = READERS[x.policy.vendor];
    let detail = '';
    if (mine !== undefined) {
        try {
            return mine(raw, x.policy, x.nowMs);
        } catch (e) {
            if (!(e instanceof Malformed) && !(e instanceof NotThisVendor)) throw e;
            detail = e.message;
        }
    }
    const order = [x.declaredVendor, ...TABLE_ORDER].filter((v): v is string => v !== null && v !== x.policy.vendor);
    for (const v of new Set(order)) {
        const r = READERS[v];
        if (r === undefined) continue;
        try {
            return r(raw, x.policy, x.nowMs);
        } catch (e) {
            if (!(e instanceof Malformed) && !(e instanceof NotThisVendor)) throw e;
        }
    }
    return mine === undefined ? { unsupported: true } : { malformed: detail };
}

function claimsOut(c: DocClaims): Claims {
    return c.timestamp === undefined ? { ...c } : { ...c, signedAt: stamp(c.timestamp) };
}

async function runChecks(x: Inputs, run = new Run(x.nowMs)): Promise<Verdict> {
    const { policy, nowMs, clockMs } = x;

    // doc_malformed: base64, then the vendor's own format.
    if (x.docB64.length > DOC_B64_MAX) return run.fail('doc_malformed', `docB64: over ${DOC_B64_MAX} characters`);
    const raw = fromBase64(x.docB64);
    if (raw === null || raw.length === 0) return run.fail('doc_malformed', 'docB64: not canonical padded base64 of a document');
    const parsed = parseDoc(raw, x);
    if ('unsupported' in parsed) {
        return run.fail('vendor_unsupported', `no verifier for vendor "${policy.vendor}" in @postq/sdk (it checks mock and azure-confidential-vm documents; use postq attest verify)`);
    }
    if ('malformed' in parsed) return run.fail('doc_malformed', parsed.malformed);
    const claims = parsed.claims;
    run.claims = claimsOut(claims);
    run.pass('doc_malformed');

    // vendor_mismatch: document, policy and declaration agree.
    if (x.declaredVendor !== null && x.declaredVendor !== policy.vendor) {
        return run.fail('vendor_mismatch', `declared vendor "${x.declaredVendor.slice(0, 40)}", policy vendor "${policy.vendor}"`);
    }
    if (claims.vendor !== policy.vendor) {
        return run.fail('vendor_mismatch', `document vendor "${claims.vendor}", policy vendor "${policy.vendor}"`);
    }
    run.pass('vendor_mismatch');
    if (READERS[policy.vendor] === undefined) {
        return run.fail('vendor_unsupported', `no verifier for vendor "${policy.vendor}" in @postq/sdk (it checks mock and azure-confidential-vm documents; use postq attest verify)`);
    }
    run.pass('vendor_unsupported');

    if (!(await parsed.appraise(run))) return run.verdict();

    // doc_stale at the reference time; doc_from_future against the reference time and, when
    // that is not the clock, against the clock too, for the timestamp and then createdAt.
    const ts = claims.timestamp;
    if (policy.maxAgeSeconds > 0) {
        if (ts === undefined) return run.fail('doc_stale', 'document has no timestamp');
        if (ts < nowMs - policy.maxAgeSeconds * 1000) {
            return run.fail('doc_stale', `signed ${stamp(ts)}, ${Math.trunc((nowMs - ts) / 1000)} s before ${stamp(nowMs)}; the policy allows ${policy.maxAgeSeconds} s`);
        }
        run.pass('doc_stale');
    }
    const afterSkew = (t: number, r: number): boolean => t > r + FUTURE_SKEW_MS;
    const future = (what: string, t: number, r: number, rName: string): Verdict => run.fail('doc_from_future',
        `${what} ${stamp(t)}, ${Math.trunc((t - r) / 1000)} s after ${rName}${stamp(r)}; 60 s of clock skew allowed`);
    if (ts !== undefined && afterSkew(ts, nowMs)) return future('signed', ts, nowMs, clockMs !== nowMs ? 'the reference time ' : '');
    if (ts !== undefined && clockMs !== nowMs && afterSkew(ts, clockMs)) return future('signed', ts, clockMs, 'the clock\'s time ');
    const created = x.result?.createdAtMs ?? null;
    if (created !== null && afterSkew(created, clockMs)) {
        return future('sign result createdAt', created, clockMs, 'the clock\'s time ');
    }
    if (ts !== undefined || created !== null) run.pass('doc_from_future');

    // result_mismatch: every field of the sign result that the document also carries equals
    // the document's claim; a field the sign result lacks is not compared.
    const sr = x.result;
    if (sr !== null) {
        if (claims.keyId !== undefined && sr.keyId !== claims.keyId) {
            return run.fail('result_mismatch', `keyId "${cutUtf8(sr.keyId, 60)}", document keyId "${cutUtf8(claims.keyId, 60)}"`);
        }
        if (claims.keyId !== undefined && sr.algorithm !== claims.algorithm) {
            return run.fail('result_mismatch', `algorithm "${cutUtf8(sr.algorithm, 31)}", document algorithm "${claims.algorithm ?? ''}"`);
        }
        if (claims.payloadSha256 !== undefined && sr.payloadSha256 !== claims.payloadSha256) {
            return run.fail('result_mismatch', 'payloadSha256 differs from the document\'s');
        }
        const att = sr.attestation;
        if (claims.imageHash !== undefined && att !== null && att.imageHash !== '' && att.imageHash !== claims.imageHash) {
            return run.fail('result_mismatch', `attestation.imageHash ${cutUtf8(att.imageHash, 64)}, document imageHash ${claims.imageHash.slice(0, 64)}`);
        }
        if (claims.counter !== undefined && att !== null && att.counter !== null && att.counter !== BigInt(claims.counter)) {
            return run.fail('result_mismatch', `attestation.counter ${att.counter}, document counter ${claims.counter}`);
        }
        run.pass('result_mismatch');
    }

    // the bindings: payload, signature, key, then the composite signature itself
    const digest = (check: ReasonCode, claimed: string | undefined, actual: Uint8Array, name: string): boolean => {
        if (claimed === undefined) return run.no(check, `document carries no ${name}`);
        if (toHex(actual) !== claimed) return run.no(check, `${name} does not match`);
        run.pass(check);
        return true;
    };
    if (x.payloadSha256 !== null && !digest('payload_hash_mismatch', claims.payloadSha256, x.payloadSha256, 'payloadSha256')) return run.verdict();
    if (x.sig !== null && !digest('sig_hash_mismatch', claims.sigSha256, sha256(x.sig), 'sigSha256')) return run.verdict();
    if (x.key !== null) {
        const alg = x.key.algorithm ?? claims.algorithm ?? '';
        if (claims.keyId === undefined) return run.fail('key_mismatch', 'document names no key');
        if (alg !== claims.algorithm) return run.fail('key_mismatch', `key algorithm "${alg}", document algorithm "${claims.algorithm ?? ''}"`);
        if (!isAlgorithm(alg)) return run.fail('key_mismatch', `unknown algorithm "${alg}"`);
        const want = ALGORITHMS[alg].pk;
        if (x.key.bytes.length !== want) return run.fail('key_mismatch', `public key is ${x.key.bytes.length} bytes, ${alg} has ${want}`);
        if (!digest('key_mismatch', claims.publicKeySha256, sha256(x.key.bytes), 'publicKeySha256')) return run.verdict();
        if (x.sig !== null && x.ph !== null) {
            if (!verifyComposite(alg, x.key.bytes, x.ph, x.sig)) {
                return run.fail('signature_invalid', `${alg} signature does not verify under the public key`);
            }
            run.pass('signature_invalid');
        }
    }
    return run.verdict();
}

// ---- the public calls ----

function need(o: unknown, what: string): Record<string, unknown> {
    if (o === null || typeof o !== 'object') throw new InvalidInputError(`${what}: an options object`);
    return o as Record<string, unknown>;
}

function payloadArg(p: unknown, what: string): Payload {
    if (typeof p === 'string' || p instanceof Uint8Array || p instanceof ArrayBuffer ||
        (typeof Blob !== 'undefined' && p instanceof Blob)) {
        return p;
    }
    throw new InvalidInputError(`${what}: a Uint8Array, ArrayBuffer, Blob or string`);
}

/**
 * The key version a sign result names (keyVersion, 1 when absent), or null when it does not
 * read: then its own error is thrown after the key's, as the CLI reports them.
 */
function keyVersionOf(signResult: unknown): bigint | null {
    try {
        return readSignResult(signResult).keyVersion ?? 1n;
    } catch (e) {
        if (e instanceof InvalidInputError) return null;
        throw e;
    }
}

/** A sign result without a document, under a policy: a verdict, as the CLI gives it. */
function noDocument(nowMs: number): Verdict {
    return new Run(nowMs).fail('doc_malformed', 'the sign result carries no attestation document (a key of a non-enclave provider?)');
}

/** The reference time: --at, else the sign result's createdAt, else the clock. */
function referenceTime(at: number | null, sr: ParsedSignResult | null, clock: number): number {
    if (at !== null) return at;
    if (sr !== null && sr.createdAtMs !== null) return sr.createdAtMs;
    return clock;
}

/**
 * Verify an attestation document under a pinned policy, offline: as `postq attest verify
 * --doc`, or with a sign result and a payload as `postq attest verify --sign-result
 * --payload [--public-key]`. Resolves with the verdict; throws InvalidInputError for a
 * malformed policy, sign result, key or argument.
 */
export async function verifyAttestationDoc(options: VerifyAttestationDocOptions): Promise<Verdict> {
    const o = need(options, 'verifyAttestationDoc');
    if (o['logKey'] !== undefined) {
        throw new InvalidInputError('logKey: verifySignResult checks the transparency log (after the composite signature, which needs the payload and the key)');
    }
    const policy = readPolicy(o['policy']);
    const sr = o['signResult'] === undefined ? null : readSignResult(o['signResult']);
    if (o['docB64'] === undefined && sr !== null && sr.attestation === null) {
        return noDocument(time('at', o['at'] as TimeInput | undefined) ?? sr.createdAtMs ?? Date.now());
    }
    const docB64 = o['docB64'] ?? sr?.attestation?.docB64;
    if (typeof docB64 !== 'string') throw new InvalidInputError('docB64: base64 of the document, a string');
    if (sr !== null && sr.attestation !== null && sr.attestation.docB64 !== docB64) {
        throw new InvalidInputError('docB64: not the sign result\'s attestation.docB64');
    }
    const vendor = o['vendor'] ?? sr?.attestation?.vendor ?? null;
    if (vendor !== null && typeof vendor !== 'string') throw new InvalidInputError('vendor: a string');
    const key = o['publicKey'] === undefined ? null : readPublicKey(o['publicKey'], sr === null ? null : sr.keyVersion ?? 1n);
    const payload = o['payload'] === undefined ? null : payloadArg(o['payload'], 'payload');
    const clock = time('clock', o['clock'] as TimeInput | undefined) ?? Date.now();
    const at = time('at', o['at'] as TimeInput | undefined);
    const h = payload === null ? null : await hashPayload(payload, key !== null && sr !== null ? sr.algorithm : null);
    return await runChecks({
        docB64,
        declaredVendor: vendor,
        policy,
        result: sr,
        payloadSha256: h?.sha256 ?? null,
        sig: sr?.signature ?? null,
        key,
        ph: h?.ph ?? null,
        nowMs: referenceTime(at, sr, clock),
        clockMs: clock,
    });
}

/**
 * Verify a sign result offline, as `postq verify`: the composite signature of the payload
 * under the public key and the payload's hash; with a policy, also the attestation document
 * and its bindings; with a logKey, last, that the sign result is in that transparency log.
 * Resolves with the verdict; throws InvalidInputError for malformed input (a log key, or a
 * transparency member whose JSON types are wrong, included).
 */
export async function verifySignResult(options: VerifySignResultOptions): Promise<Verdict> {
    const o = need(options, 'verifySignResult');
    if (o['publicKey'] === undefined) throw new InvalidInputError('publicKey: required (PEM, the key\'s JSON or its bytes)');
    if (o['payload'] === undefined) throw new InvalidInputError('payload: required');
    // The key is read first, as the CLI reads it, and of the version that signed: a key JSON
    // lists every version, its top-level key is the newest.
    const key = readPublicKey(o['publicKey'], keyVersionOf(o['signResult']));
    const sr = readSignResult(o['signResult']);
    const policy = o['policy'] === undefined ? null : readPolicy(o['policy']);
    const logKey = o['logKey'] === undefined ? null : readLogKey(o['logKey']);
    const transparency = logKey === null ? null : readTransparency(o['signResult']);
    const payload = payloadArg(o['payload'], 'payload');
    const clock = time('clock', o['clock'] as TimeInput | undefined) ?? Date.now();
    const at = time('at', o['at'] as TimeInput | undefined);
    const nowMs = referenceTime(at, sr, clock);
    const h = await hashPayload(payload, sr.algorithm);
    const ph = h.ph as Uint8Array;
    const run = new Run(nowMs);

    if (policy !== null) {
        if (sr.attestation === null) return noDocument(nowMs);
        await runChecks({
            docB64: sr.attestation.docB64,
            declaredVendor: sr.attestation.vendor,
            policy,
            result: sr,
            payloadSha256: h.sha256,
            sig: sr.signature,
            key,
            ph,
            nowMs,
            clockMs: clock,
        }, run);
    } else {
        // Without a policy the signature is the whole check.
        const alg: Algorithm = key.algorithm ?? sr.algorithm;
        if (alg !== sr.algorithm) return run.fail('key_mismatch', `the public key is ${alg}, the signature ${sr.algorithm}`);
        if (key.bytes.length !== ALGORITHMS[alg].pk) {
            return run.fail('key_mismatch', `public key is ${key.bytes.length} bytes, ${alg} has ${ALGORITHMS[alg].pk}`);
        }
        run.pass('key_mismatch');
        if (toHex(h.sha256) !== sr.payloadSha256) {
            return run.fail('payload_hash_mismatch', 'the payload\'s SHA-256 differs from the sign result\'s payloadSha256');
        }
        run.pass('payload_hash_mismatch');
        if (!verifyComposite(alg, key.bytes, ph, sr.signature)) {
            return run.fail('signature_invalid', 'the composite signature does not verify under the public key');
        }
        run.pass('signature_invalid');
    }
    if (run.reason === undefined && logKey !== null) {
        run.log = logChecks(sr, transparency, logKey, key.bytes, () => docFacts(sr), (c) => run.pass(c), (c, d) => run.no(c, d)) ?? undefined;
    }
    return run.verdict();
}

/** What the log entry takes from the sign result's document (null without one), read with the
 * vendor's own parser (its signature is the policy's business, checked before). */
function docFacts(sr: ParsedSignResult): DocFacts | { error: string } | null {
    const a = sr.attestation;
    if (a === null) return null;
    const raw = fromBase64(a.docB64);
    if (raw === null || raw.length === 0) return { error: 'attestation.docB64: not canonical padded base64 of a document' };
    try {
        if (a.vendor === 'mock') {
            const c = parseClaims(parseJws(raw).payload);
            return { moduleId: c.moduleId, counter: c.counter };
        }
        if (a.vendor === 'azure-confidential-vm') {
            const c = parseAzure(raw).claims;
            return c.counter === undefined ? { moduleId: c.moduleId ?? '-' } : { moduleId: c.moduleId ?? '-', counter: c.counter };
        }
    } catch (e) {
        if (!(e instanceof Malformed) && !(e instanceof NotThisVendor)) throw e;
        return { error: `the ${a.vendor} document: ${e.message}` };
    }
    return { error: `@postq/sdk reads no ${cutUtf8(a.vendor, 31)} document, so it cannot tell its moduleId (use postq verify --log-key)` };
}

/**
 * The transparency log entry (DESIGN §13) of a sign result, as the log holds it, rebuilt from
 * the sign result and its key's public key (as verifySignResult takes them: of a key JSON with
 * versions, the sign result's keyVersion). Its leaf hash (leafHash) is what the log's tree
 * holds. Throws InvalidInputError for malformed input, or when the entry cannot be rebuilt
 * (a document that does not parse, or of a vendor this SDK does not read).
 */
export function logEntry(signResult: unknown, publicKey: unknown): string {
    const key = readPublicKey(publicKey, keyVersionOf(signResult));
    const sr = readSignResult(signResult);
    const facts = docFacts(sr);
    const e = facts !== null && 'error' in facts ? facts : buildEntry(sr, key.bytes, facts);
    if ('error' in e) throw new InvalidInputError(`log entry: ${e.error}`);
    return e.entry;
}

/** What each check establishes when it passes, by its reason code (for people). */
export const CHECKS: Readonly<Record<ReasonCode, string>> = {
    doc_malformed: 'document well formed',
    vendor_mismatch: 'vendor is the policy\'s',
    vendor_unsupported: 'verifier for the vendor built in',
    doc_alg_unsupported: 'document signature algorithm allowed',
    chain_invalid: 'certificate chain or key set pinned by the policy',
    doc_signature_invalid: 'document signature under the pinned root',
    image_not_allowed: 'enclave image on the policy\'s allow-list',
    measurement_not_allowed: 'measurements allowed by the policy',
    debug_not_allowed: 'not a debug-mode enclave',
    claims_invalid: 'issuer, audience and other claims valid',
    doc_stale: 'document within the policy\'s maximum age',
    doc_from_future: 'document and sign result not from the future',
    result_mismatch: 'sign result\'s fields are the document\'s',
    payload_hash_mismatch: 'payload\'s SHA-256 is the one attested',
    sig_hash_mismatch: 'signature\'s SHA-256 is the one attested',
    key_mismatch: 'public key is the one the signature names',
    signature_invalid: 'composite signature valid under the public key',
    log_checkpoint_invalid: 'log checkpoint signed by the log key given, of that key\'s log',
    log_proof_invalid: 'sign result included in the transparency log',
};

/** The checks a logKey adds after all the others, in order (a subset of CHECKS). */
export const LOG_CHECKS: readonly LogReasonCode[] = ['log_checkpoint_invalid', 'log_proof_invalid'];

/** The checks a document of each vendor goes through, in order (a subset of CHECKS). */
export const VENDOR_CHECKS: Readonly<Record<'mock' | 'hardware', readonly ReasonCode[]>> = {
    mock: ['doc_malformed', 'vendor_mismatch', 'vendor_unsupported', 'doc_alg_unsupported', 'doc_signature_invalid',
        'image_not_allowed', 'doc_stale', 'doc_from_future', 'result_mismatch', 'payload_hash_mismatch', 'sig_hash_mismatch',
        'key_mismatch', 'signature_invalid'],
    hardware: ['doc_malformed', 'vendor_mismatch', 'vendor_unsupported', 'doc_alg_unsupported', 'chain_invalid',
        'doc_signature_invalid', 'debug_not_allowed', 'measurement_not_allowed', 'claims_invalid', 'doc_stale', 'doc_from_future',
        'result_mismatch', 'payload_hash_mismatch', 'sig_hash_mismatch', 'key_mismatch', 'signature_invalid'],
};

