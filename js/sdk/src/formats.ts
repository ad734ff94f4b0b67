// SPDX-License-Identifier: Apache-2.0
// The inputs of verification (docs/formats.md), read member by member in the CLI's order and
// words: the pinned policy, the sign result and a composite public key. Each reader throws
// InvalidInputError for what `postq verify` / `postq attest verify` refuse with exit 2.

import { fromBase64, isHex64, toBase64, toHex, utf8Length, fromUtf8 } from './encoding.js';
import { InvalidInputError } from './errors.js';
import { JsonInt, parseJson, isObject, has, type JsonObject, type JsonValue } from './json.js';
import { parseTime } from './time.js';
import { checkAzureRules } from './azure.js';

/** The composite algorithms (API names) and their sizes in bytes: ML-DSA (FIPS 204) || EdDSA. */
export const ALGORITHMS = {
    'mldsa44+ed25519': { pk: 1312 + 32, sig: 2420 + 64, level: 44, label: 'COMPSIG-MLDSA44-Ed25519-SHA512', oidArc: 39 },
    'mldsa65+ed25519': { pk: 1952 + 32, sig: 3309 + 64, level: 65, label: 'COMPSIG-MLDSA65-Ed25519-SHA512', oidArc: 48 },
    'mldsa87+ed448': { pk: 2592 + 57, sig: 4627 + 114, level: 87, label: 'COMPSIG-MLDSA87-Ed448-SHAKE256', oidArc: 51 },
} as const;
export type Algorithm = keyof typeof ALGORITHMS;
export const isAlgorithm = (s: unknown): s is Algorithm => typeof s === 'string' && has(ALGORITHMS, s);

export const VENDORS = ['mock', 'aws-nitro-enclave', 'azure-confidential-vm', 'gcp-confidential-space'] as const;
export type Vendor = (typeof VENDORS)[number];
const isVendor = (s: unknown): s is Vendor => typeof s === 'string' && (VENDORS as readonly string[]).includes(s);

/** base64 of a 16 KiB document: the longest docB64 any verifier reads. */
export const DOC_B64_MAX = 21848;

/** Text of a JSON input given as an object, a string or bytes (a file's contents). */
export function jsonText(what: string, v: unknown): string {
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
        try {
            return fromUtf8(v instanceof Uint8Array ? v : new Uint8Array(v));
        } catch {
            throw new InvalidInputError(`${what}: not JSON (not UTF-8)`);
        }
    }
    if (v !== null && typeof v === 'object') {
        try {
            return JSON.stringify(v);
        } catch (e) {
            throw new InvalidInputError(`${what}: cannot be written as JSON (${(e as Error).message})`);
        }
    }
    throw new InvalidInputError(`${what}: an object, its JSON text or the file's bytes`);
}

function parseAs(what: string, v: unknown): JsonObject {
    let o: JsonValue;
    try {
        o = parseJson(jsonText(what, v));
    } catch (e) {
        if (e instanceof InvalidInputError) throw e;
        throw new InvalidInputError(`${what}: not JSON (${(e as Error).message})`);
    }
    if (!isObject(o)) throw new InvalidInputError(`${what}: not a JSON object`);
    return o;
}

// ---- the pinned policy ----

/**
 * A mock enclave root the policy pins: an Ed25519 key (32 bytes), or a composite
 * mldsa65+ed25519 key (1984 bytes: ML-DSA-65 pk || Ed25519 pk) that signs documents with JWS
 * alg "ML-DSA-65-Ed25519".
 */
export interface PinnedRoot {
    algorithm: 'ed25519' | 'mldsa65+ed25519';
    key: Uint8Array;
}

/** A policy as the verifier uses it. */
export interface PinnedPolicy {
    id: string;
    name: string;
    vendor: Vendor;
    images: string[];
    /** every pinned root of a mock policy: rootPublicKeyB64's first, then rootPublicKeysB64's */
    roots: PinnedRoot[];
    /** the first of roots (null for another vendor), for callers that show one key */
    rootKey: Uint8Array | null;
    maxAgeSeconds: number;
    /** matchRules as given (a hardware vendor's verifier reads them) */
    rules: JsonObject;
}

// The members each vendor's matchRules may have: a rule a verifier does not know is refused, not
// ignored (it was written to mean something).
const RULES: Readonly<Record<Vendor, readonly string[]>> = {
    mock: ['allowedImageHashes', 'rootPublicKeyB64', 'rootPublicKeysB64', 'maxDocAgeSeconds'],
    'aws-nitro-enclave': ['pcrs', 'rootCertSha256', 'rootCertB64', 'allowDebug', 'maxDocAgeSeconds'],
    'azure-confidential-vm': ['jwks', 'issuers', 'launchMeasurements', 'requireCompliant', 'allowDebug', 'maxDocAgeSeconds'],
    'gcp-confidential-space': ['rootCertSha256', 'jwks', 'imageDigests', 'audiences', 'allowDebug', 'maxDocAgeSeconds'],
};
const POLICY_JSON_MAX = 65536;
const IMAGES_MAX = 128;
const MAX_AGE_MAX = 315360000; // ten years, in seconds
const ROOTS_MAX = 8;
const COMPOSITE_ROOT = ALGORITHMS['mldsa65+ed25519'].pk; // 1984
// base64 of at most 1986 bytes: a longer string is no root, whatever it decodes to.
const ROOT_B64_MAX = 2648;

// Ed25519's small-order points (y = 0, 1, -1 and the four of order 8, either sign of x): a
// root key under which documents can be forged.
const SMALL_ORDER = new Set([
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
]);
function weakEd25519(k: Uint8Array): boolean {
    const y = Uint8Array.from(k);
    y[31] = (y[31] as number) & 0x7f; // the sign of x
    if (SMALL_ORDER.has(toHex(y))) return true;
    // y >= p = 2^255 - 19, little-endian: ed ff .. ff 7f and above
    if (y[31] !== 0x7f || (y[0] as number) < 0xed) return false;
    for (let i = 1; i < 31; i++) if (y[i] !== 0xff) return false;
    return true;
}

/**
 * One pinned root, named field in the errors: padded base64 of a 32-byte Ed25519 key or a
 * 1984-byte composite key. A root whose Ed25519 key (the composite's second half) is weak is
 * refused, and so is one pinned twice.
 */
function readRoot(v: JsonValue, field: string, pinned: readonly PinnedRoot[], bad: (what: string) => never): PinnedRoot {
    const lengths = `${field}: not a 32-byte Ed25519 or 1984-byte mldsa65+ed25519 key`;
    if (typeof v !== 'string') return bad(`${field}: not a string`);
    if (utf8Length(v) > ROOT_B64_MAX) bad(lengths);
    const k = fromBase64(v);
    if (k === null) return bad(`${field}: not canonical padded base64`);
    if (k.length !== 32 && k.length !== COMPOSITE_ROOT) bad(lengths);
    if (weakEd25519(k.subarray(k.length - 32))) {
        bad(`${field}: not a usable Ed25519 ${k.length === 32 ? 'public key' : 'half'} (all zeros, small order or not a point)`);
    }
    const hex = toHex(k);
    if (pinned.some((r) => toHex(r.key) === hex)) bad(`${field}: pinned twice`);
    return { algorithm: k.length === 32 ? 'ed25519' : 'mldsa65+ed25519', key: k };
}

/**
 * The policy (the API's object, or the file users pin), checked in the CLI's order and words;
 * throws InvalidInputError ("policy: <what>"). A hardware vendor's rules are checked for
 * their names and maxDocAgeSeconds only: this SDK does not verify those vendors' documents.
 */
export function readPolicy(input: unknown): PinnedPolicy {
    const text = jsonText('policy', input);
    const bad = (what: string): never => {
        throw new InvalidInputError(`policy: ${what}`);
    };
    if (utf8Length(text) > POLICY_JSON_MAX) bad(`over ${POLICY_JSON_MAX} bytes`);
    const p = parseAs('policy', text);
    for (const k of ['id', 'name', 'createdAt']) {
        if (has(p, k) && typeof p[k] !== 'string') bad(`${k}: not a string`);
    }
    const vendor = p['vendor'];
    if (vendor === undefined) bad('vendor: missing');
    if (typeof vendor !== 'string') bad('vendor: not a string');
    if (!isVendor(vendor)) return bad('vendor: unknown vendor');
    const enforce = p['enforce'];
    if (enforce !== undefined && typeof enforce !== 'boolean') bad('enforce: not a boolean');
    const r = p['matchRules'];
    if (r === undefined) bad('matchRules: missing');
    if (!isObject(r)) return bad('matchRules: not an object');
    for (const k of Object.keys(r)) {
        if (!RULES[vendor].includes(k)) bad(`matchRules.${k.slice(0, 64)}: not a rule of this vendor`);
    }
    const out: PinnedPolicy = {
        id: typeof p['id'] === 'string' ? p['id'] : '',
        name: typeof p['name'] === 'string' ? p['name'] : '',
        vendor,
        images: [],
        roots: [],
        rootKey: null,
        maxAgeSeconds: 0,
        rules: r,
    };
    const a = r['maxDocAgeSeconds'];
    if (a !== undefined) {
        if (!(a instanceof JsonInt) || !Number.isSafeInteger(a.value) || a.value <= 0 || a.value > MAX_AGE_MAX) {
            bad(`matchRules.maxDocAgeSeconds: not an integer in 1..${MAX_AGE_MAX}`);
        }
        out.maxAgeSeconds = (a as JsonInt).value;
    }
    if (vendor === 'azure-confidential-vm') checkAzureRules(r);
    if (vendor !== 'mock') return out; // nitro, gcp: vendor_unsupported decides, in the checks
    const list = r['allowedImageHashes'];
    if (list === undefined) bad('matchRules.allowedImageHashes: missing');
    if (!Array.isArray(list)) return bad('matchRules.allowedImageHashes: not an array');
    if (list.length === 0) bad('matchRules.allowedImageHashes: empty (policies fail closed)');
    if (list.length > IMAGES_MAX) bad(`matchRules.allowedImageHashes: more than ${IMAGES_MAX} entries`);
    list.forEach((h, i) => {
        if (!isHex64(h)) bad(`matchRules.allowedImageHashes[${i}]: not 64 lowercase hex characters`);
        out.images.push(h as string);
    });
    // The roots: rootPublicKeyB64, rootPublicKeysB64 or both (their union, at most 8 in all, as
    // the C library holds them): several while a deployment moves to a new root.
    const one = r['rootPublicKeyB64'];
    const many = r['rootPublicKeysB64'];
    if (one === undefined && many === undefined) bad('matchRules.rootPublicKeyB64: missing (or rootPublicKeysB64)');
    if (one !== undefined) out.roots.push(readRoot(one, 'matchRules.rootPublicKeyB64', out.roots, bad));
    if (many !== undefined) {
        if (!Array.isArray(many) || many.length === 0) return bad('matchRules.rootPublicKeysB64: not a non-empty array');
        if (out.roots.length + many.length > ROOTS_MAX) bad(`matchRules.rootPublicKeysB64: more than ${ROOTS_MAX} roots`);
        many.forEach((k, i) => out.roots.push(readRoot(k, `matchRules.rootPublicKeysB64[${i}]`, out.roots, bad)));
    }
    out.rootKey = out.roots[0]?.key ?? null;
    return out;
}

// ---- the sign result ----

/** A sign result as the verifier uses it. */
export interface ParsedSignResult {
    id: string;
    keyId: string;
    keyVersion: bigint | null;
    createdAt: string;
    /** null when createdAt is absent or empty */
    createdAtMs: number | null;
    algorithm: Algorithm;
    payloadSha256: string;
    signature: Uint8Array;
    /** null for a key of a non-enclave provider */
    attestation: null | {
        vendor: string;
        docB64: string;
        /** '' when absent */
        imageHash: string;
        /** null when absent */
        counter: bigint | null;
        verdict: string;
        reason: string;
    };
}

const INT64_MAX = 9223372036854775807n;
const SIGN_RESULT_JSON_MAX = 65536;

/** The sign result (the API's object, or its file); throws InvalidInputError in the CLI's words. */
export function readSignResult(input: unknown): ParsedSignResult {
    const text = jsonText('sign result', input);
    if (utf8Length(text) > SIGN_RESULT_JSON_MAX) throw new InvalidInputError(`sign result: larger than ${SIGN_RESULT_JSON_MAX} bytes`);
    const o = parseAs('sign result', text);
    // A string member of at most cap - 1 bytes (the C side's buffer).
    const str = (obj: JsonObject, prefix: string, k: string, required: boolean, cap: number): string => {
        if (!has(obj, k)) {
            if (required) throw new InvalidInputError(`${prefix}${k}: missing`);
            return '';
        }
        const v = obj[k];
        if (typeof v !== 'string') throw new InvalidInputError(`${prefix}${k}: not a string`);
        const n = utf8Length(v);
        if (n >= cap || (required && n === 0)) throw new InvalidInputError(`${prefix}${k}: ${n === 0 ? 'empty' : 'too long'}`);
        return v;
    };
    // An optional integer member >= min; null when absent.
    const int = (obj: JsonObject, prefix: string, k: string, min: number): bigint | null => {
        if (!has(obj, k)) return null;
        const v = obj[k];
        const b = v instanceof JsonInt ? BigInt(v.text) : null;
        if (b !== null && b > INT64_MAX) throw new InvalidInputError(`sign result: not JSON (integer ${prefix}${k} too big)`);
        if (b === null || b < BigInt(min)) throw new InvalidInputError(`${prefix}${k}: not an integer >= ${min}`);
        return b;
    };
    const id = str(o, '', 'id', false, 128);
    const keyId = str(o, '', 'keyId', true, 128);
    const keyVersion = int(o, '', 'keyVersion', 1);
    const createdAt = str(o, '', 'createdAt', false, 40);
    const algorithm = str(o, '', 'algorithm', true, 32);
    if (!isAlgorithm(algorithm)) throw new InvalidInputError(`algorithm: unknown algorithm "${algorithm}"`);
    const payloadSha256 = str(o, '', 'payloadSha256', true, 65);
    if (!isHex64(payloadSha256)) throw new InvalidInputError('payloadSha256: not 64 lowercase hex characters');
    const sb = o['signatureB64'];
    if (typeof sb !== 'string') throw new InvalidInputError(`signatureB64: ${has(o, 'signatureB64') ? 'not a string' : 'missing'}`);
    const want = ALGORITHMS[algorithm].sig;
    const signature = fromBase64(sb);
    if (signature === null || signature.length !== want) {
        throw new InvalidInputError(`signatureB64: not base64 of ${want} bytes (${algorithm})`);
    }
    const out: ParsedSignResult = { id, keyId, keyVersion, createdAt, createdAtMs: null, algorithm, payloadSha256, signature, attestation: null };
    const a = o['attestation'];
    if (a !== undefined && a !== null) {
        if (!isObject(a)) throw new InvalidInputError('attestation: not an object');
        const p = 'attestation.';
        const vendor = str(a, p, 'vendor', true, 32);
        const docB64 = str(a, p, 'docB64', true, DOC_B64_MAX + 1);
        const imageHash = str(a, p, 'imageHash', false, 129);
        if (!/^[0-9a-f]*$/.test(imageHash)) throw new InvalidInputError('attestation.imageHash: not lowercase hex');
        const counter = int(a, p, 'counter', 0);
        const verdict = str(a, p, 'verdict', false, 8);
        if (verdict !== '' && verdict !== 'pass' && verdict !== 'fail') {
            throw new InvalidInputError('attestation.verdict: not "pass" or "fail"');
        }
        const reason = str(a, p, 'reason', false, 48);
        out.attestation = { vendor, docB64, imageHash, counter, verdict, reason };
    }
    if (createdAt !== '') {
        out.createdAtMs = parseTime(createdAt);
        if (out.createdAtMs === null) throw new InvalidInputError(`createdAt: "${createdAt}" is not an RFC 3339 time`);
    }
    return out;
}

// ---- a composite public key ----

/** A composite public key: its algorithm and its raw bytes (mldsaPk || edPk). */
export interface PublicKey {
    algorithm: Algorithm | null;
    bytes: Uint8Array;
}

const NO_ALG = 'public key: "algorithm" missing or unknown';

/**
 * The key's JSON from the API. With a version (a sign result's keyVersion) and a "versions"
 * array, the publicKeyB64 of the entry of that version: a rotated key's JSON names its newest
 * key at the top, not necessarily the one that signed. Otherwise the top-level publicKeyB64.
 */
function keyFromJson(text: string, version: bigint | null): PublicKey {
    let k: JsonValue;
    try {
        k = parseJson(text);
    } catch {
        throw new InvalidInputError(NO_ALG);
    }
    if (!isObject(k)) throw new InvalidInputError(NO_ALG);
    const versions = k['versions'];
    let b = k['publicKeyB64'];
    if (version !== null && Array.isArray(versions)) {
        b = undefined;
        // The last entry of the version, as the C library takes it (the API lists each once).
        for (const v of versions) {
            const n = isObject(v) ? v['version'] : undefined;
            if (n instanceof JsonInt && BigInt(n.text) === version) b = (v as JsonObject)['publicKeyB64'];
        }
        if (b === undefined) {
            throw new InvalidInputError(`public key: key JSON has no version ${version} (the sign result's keyVersion): ` +
                'fetch the key again with postq key get');
        }
    }
    if (!isAlgorithm(k['algorithm'])) throw new InvalidInputError(NO_ALG);
    const alg = k['algorithm'];
    const bytes = typeof b === 'string' ? fromBase64(b) : null;
    if (bytes === null || bytes.length !== ALGORITHMS[alg].pk) {
        throw new InvalidInputError(`public key: "publicKeyB64" is not base64 of a ${alg} key`);
    }
    return { algorithm: alg, bytes };
}

// The CLI's words for a key file that is not a composite public key, by cause (its error
// names: malformed encoding, unsupported algorithm or parameter, input too large).
const NOT_PEM = 'public key: not a PEM composite public key';
const MALFORMED = `${NOT_PEM} (malformed encoding)`;
const UNSUPPORTED = `${NOT_PEM} (unsupported algorithm or parameter)`;
const TOO_LARGE = `${NOT_PEM} (input too large)`;
const SPKI_PEM_MAX = 3800; // base64 characters of the body
const OID_PREFIX = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06]; // 1.3.6.1.5.5.7.6

/**
 * SubjectPublicKeyInfo DER with a composite OID (1.3.6.1.5.5.7.6.N), parameters absent, the
 * BIT STRING holding the key: every composite key is 256..65535 bytes, so both lengths are the
 * two-byte long form, the only DER form for them.
 */
export function keyFromDer(der: Uint8Array): PublicKey {
    const bad = (msg: string): never => {
        throw new InvalidInputError(msg);
    };
    const len2 = (i: number): number => ((der[i] as number) << 8) | (der[i + 1] as number);
    if (der.length < 4 + 12 + 4 + 1 || der[0] !== 0x30 || der[1] !== 0x82 || len2(2) < 256 || len2(2) !== der.length - 4) bad(MALFORMED);
    if (der[4] !== 0x30 || der[6] !== 0x06) bad(MALFORMED);
    if (der[5] !== 0x0a || der[7] !== 0x08 || OID_PREFIX.some((x, i) => der[8 + i] !== x)) bad(UNSUPPORTED);
    const alg = (Object.keys(ALGORITHMS) as Algorithm[]).find((x) => ALGORITHMS[x].oidArc === der[15]);
    if (alg === undefined) return bad(UNSUPPORTED);
    if (der[16] !== 0x03 || der[17] !== 0x82 || len2(18) < 256 || len2(18) !== der.length - 20 || der[20] !== 0x00) bad(MALFORMED);
    if (der.length - 21 !== ALGORITHMS[alg].pk) bad(MALFORMED);
    return { algorithm: alg, bytes: der.slice(21) };
}

function keyFromPem(text: string): PublicKey {
    const BEGIN = '-----BEGIN PUBLIC KEY-----';
    const END = '-----END PUBLIC KEY-----';
    const t = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (t.length < BEGIN.length + END.length || !t.startsWith(BEGIN) || !t.endsWith(END)) {
        throw new InvalidInputError(MALFORMED);
    }
    const body = t.slice(BEGIN.length, t.length - END.length).replace(/[\r\n]/g, '');
    if (body.length > SPKI_PEM_MAX) throw new InvalidInputError(TOO_LARGE);
    const der = fromBase64(body);
    if (der === null) throw new InvalidInputError(MALFORMED);
    return keyFromDer(der);
}

/**
 * A public key given as PEM SPKI text, the key's JSON from the API (object or text), DER
 * SPKI bytes, the raw composite key bytes (whose algorithm is then the sign result's), or
 * what readPublicKey returned. version (a sign result's keyVersion) picks the entry of a key
 * JSON's "versions"; it has no effect on the other forms, which hold one key.
 */
export function readPublicKey(input: unknown, version?: number | bigint | null): PublicKey {
    const whole = typeof version === 'bigint' ? version >= 1n : Number.isSafeInteger(version) && (version as number) >= 1;
    if (version !== undefined && version !== null && !whole) {
        throw new InvalidInputError(`public key: version ${String(version)}: not an integer >= 1`);
    }
    const v = version === undefined || version === null ? null : BigInt(version);
    if (input instanceof ArrayBuffer) input = new Uint8Array(input);
    if (input instanceof Uint8Array) {
        if (input.length > 0 && input[0] === 0x30) {
            try {
                return keyFromDer(input);
            } catch {
                /* raw bytes that start with 0x30 */
            }
        }
        const text = (() => {
            try {
                return fromUtf8(input);
            } catch {
                return null;
            }
        })();
        if (text !== null && /^\s*(-----BEGIN|\{)/.test(text)) return readPublicKey(text, v);
        return { algorithm: null, bytes: Uint8Array.from(input) };
    }
    if (typeof input === 'string') {
        return /^\s*\{/.test(input) ? keyFromJson(input, v) : keyFromPem(input);
    }
    if (input !== null && typeof input === 'object' && (input as PublicKey).bytes instanceof Uint8Array) {
        // readPublicKey's own result, read again
        const k = input as PublicKey;
        if (k.algorithm !== null && !isAlgorithm(k.algorithm)) throw new InvalidInputError(NO_ALG);
        return { algorithm: k.algorithm, bytes: k.bytes };
    }
    if (input !== null && typeof input === 'object') return keyFromJson(jsonText('public key', input), v);
    throw new InvalidInputError('public key: PEM text, the key\'s JSON from the API, or bytes');
}

/**
 * The PEM "PUBLIC KEY" of a composite key (SubjectPublicKeyInfo with the composite OID,
 * parameters absent): the same bytes as `postq key get ID --public-key-out key.pub`.
 */
export function publicKeyPem(algorithm: Algorithm, bytes: Uint8Array): string {
    if (!isAlgorithm(algorithm)) throw new InvalidInputError(`unknown algorithm "${String(algorithm)}"`);
    const a = ALGORITHMS[algorithm];
    if (bytes.length !== a.pk) throw new InvalidInputError(`a ${algorithm} public key has ${a.pk} bytes, not ${bytes.length}`);
    const bits = 1 + bytes.length;
    const seq = 12 + 4 + bits; // AlgorithmIdentifier, BIT STRING header, its contents
    const der = new Uint8Array(4 + seq);
    der.set([0x30, 0x82, seq >> 8, seq & 0xff, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, a.oidArc,
        0x03, 0x82, bits >> 8, bits & 0xff, 0x00]);
    der.set(bytes, 21);
    const body = toBase64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}
