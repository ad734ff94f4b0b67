// SPDX-License-Identifier: Apache-2.0
// Re-verification in the browser [docs/formats.md, docs/verification.md]: the mock attestation
// document of a
// sign result is checked against a policy the user pinned, trusting nothing the API says. The
// checks, their order, reason codes and wording follow src/attest (verify.c, vendor/mock.c,
// jws.c, doc.c, sign_result.c, result.c), src/common/timefmt.c and `postq attest verify`. The
// composite (ML-DSA + Ed25519) signature itself is not checked here: `postq verify` does that.

const JWS_MAX = 16384;
const JWS_HEADER_MAX = 1024;
const JWS_PAYLOAD_MAX = 8192;
const JWS_SIG_MAX = 512;
const DOC_B64_MAX = 21848; // POSTQ_ATTEST_DOC_B64_MAX: base64 of a 16 KiB document
const FUTURE_SKEW_MS = 60000;
const MAX_MS = 253402300800000; // 10000-01-01T00:00:00Z, where the C time functions stop
const TYP = 'postq-attestation+jws';
export const VENDORS = ['mock', 'aws-nitro-enclave', 'azure-confidential-vm', 'gcp-confidential-space'];

// docs/verification.md, in order: what each check is.
export const CHECKS = [
    ['doc_malformed', 'base64, JWS shape, JSON, duplicate members, claim types, sizes'],
    ['vendor_mismatch', 'doc vendor = policy vendor = declared vendor'],
    ['vendor_unsupported', 'a verifier for that vendor exists'],
    ['doc_alg_unsupported', 'header alg / typ / crit'],
    ['doc_signature_invalid', 'signature valid under the pinned root key (Ed25519)'],
    ['image_not_allowed', 'imageHash ∈ allowedImageHashes'],
    ['doc_stale', 'timestamp ≥ now − maxDocAgeSeconds'],
    ['doc_from_future', 'timestamp ≤ now + 60 s, and timestamp and createdAt ≤ the clock + 60 s'],
    ['result_mismatch', 'the sign result’s keyId, algorithm, payloadSha256, imageHash, counter = the document’s'],
    ['payload_hash_mismatch', 'payloadSha256 = SHA-256(payload)'],
    ['sig_hash_mismatch', 'sigSha256 = SHA-256(signature)'],
    ['key_mismatch', 'publicKeySha256 = SHA-256(public key)'],
    ['signature_invalid', 'composite signature valid under the public key'],
];

export class FormatError extends Error {}

// Composite public key and signature sizes: ML-DSA (FIPS 204) || EdDSA (RFC 8032).
const HYBRID_PK_BYTES = { 'mldsa44+ed25519': 1312 + 32, 'mldsa65+ed25519': 1952 + 32, 'mldsa87+ed448': 2592 + 57 };
const HYBRID_SIG_BYTES = { 'mldsa44+ed25519': 2420 + 64, 'mldsa65+ed25519': 3309 + 64, 'mldsa87+ed448': 4627 + 114 };
export const ALGORITHMS = Object.keys(HYBRID_PK_BYTES);

// ---- strict decoders ----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// RFC 4648 decoding that accepts only the canonical encoding: no whitespace, no stray
// characters, padding exactly as §4 requires (padded) or none at all (url), zero unused bits.
function b64decode(s, alphabet, padded) {
    let body = s;
    if (padded) {
        if (s.length % 4 !== 0) return null;
        const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
        body = s.slice(0, s.length - pad);
    } else if (s.length % 4 === 1) {
        return null;
    }
    const out = new Uint8Array(Math.floor((body.length * 3) / 4));
    let acc = 0, bits = 0, o = 0;
    for (let i = 0; i < body.length; i++) {
        const v = alphabet.indexOf(body[i]);
        if (v < 0) return null;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (acc >> bits) & 0xff;
        }
    }
    if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null; // not canonical
    return out.subarray(0, o);
}
export const b64std = (s) => b64decode(s, B64, true);
export const b64url = (s) => b64decode(s, B64URL, false);

export function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
const isHex64 = (s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

export async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// ---- strict JSON: duplicate members rejected, integers kept exact ----

// A JSON integer read by parseJson: its text, and its value when it is a safe integer.
export class JsonInt {
    constructor(text) {
        this.text = text;
        this.value = Number(text);
    }
}

// JSON.parse but strict as the C side (jansson with JSON_REJECT_DUPLICATES): a duplicate
// member, trailing bytes or a lone surrogate is an error. Integers become JsonInt, other
// numbers plain numbers.
export function parseJson(text) {
    let i = 0;
    const fail = (what) => {
        throw new FormatError(`${what} near byte ${i}`);
    };
    const ws = () => {
        while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
    };
    const str = () => {
        const start = i;
        i++;
        for (;;) {
            if (i >= text.length) fail('unterminated string');
            const c = text.charCodeAt(i);
            if (c === 0x22) break;
            if (c < 0x20) fail('control character in a string');
            if (c === 0x5c) {
                i++;
                if (!'"\\/bfnrtu'.includes(text[i] ?? '')) fail('bad escape');
                if (text[i] === 'u') {
                    if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
                    i += 4;
                }
            }
            i++;
        }
        i++;
        const s = JSON.parse(text.slice(start, i));
        if (!s.isWellFormed()) fail('lone surrogate in a string');
        if (s.includes('\0')) fail('NUL in a string');
        return s;
    };
    const value = (depth) => {
        if (depth > 32) fail('nested too deep');
        ws();
        const c = text[i];
        if (c === '{') {
            const obj = {};
            const seen = new Set();
            i++;
            ws();
            if (text[i] === '}') {
                i++;
                return obj;
            }
            for (;;) {
                ws();
                if (text[i] !== '"') fail('expected a member name');
                const k = str();
                if (seen.has(k)) fail(`duplicate member "${k}"`);
                seen.add(k);
                ws();
                if (text[i] !== ':') fail("expected ':'");
                i++;
                Object.defineProperty(obj, k, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
                ws();
                if (text[i] === ',') {
                    i++;
                    continue;
                }
                if (text[i] === '}') {
                    i++;
                    return obj;
                }
                fail("expected ',' or '}'");
            }
        }
        if (c === '[') {
            const arr = [];
            i++;
            ws();
            if (text[i] === ']') {
                i++;
                return arr;
            }
            for (;;) {
                arr.push(value(depth + 1));
                ws();
                if (text[i] === ',') {
                    i++;
                    continue;
                }
                if (text[i] === ']') {
                    i++;
                    return arr;
                }
                fail("expected ',' or ']'");
            }
        }
        if (c === '"') return str();
        const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
        if (m && m[0].length > 0 && m[0] !== '-') {
            i += m[0].length;
            return m[2] || m[3] ? Number(m[0]) : new JsonInt(m[0]);
        }
        for (const [w, v] of [['true', true], ['false', false], ['null', null]]) {
            if (text.startsWith(w, i)) {
                i += w.length;
                return v;
            }
        }
        fail('unexpected character');
    };
    const v = value(0);
    ws();
    if (i !== text.length) fail('trailing bytes');
    return v;
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonInt);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const utf8 = new TextDecoder('utf-8', { fatal: true });

// ---- the pinned policy [docs/formats.md] ----

// A policy file (or a stored policy's JSON) as the verifier uses it, or a FormatError saying
// what is wrong with it.
const MOCK_RULES = ['allowedImageHashes', 'rootPublicKeyB64', 'maxDocAgeSeconds'];

// The encodings of Ed25519's small-order points (y = 0, 1, -1 and the four points of order 8,
// either sign of x) and every y >= p: a root key no enclave has, under which documents can be
// forged. (The CLI also refuses points outside the prime-order subgroup; a key that is no point
// at all fails here when its first signature is checked.)
const SMALL_ORDER = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
];
function weakEd25519(k) {
    const y = Array.from(k);
    y[31] &= 0x7f; // the sign of x
    const hex = y.map((b) => b.toString(16).padStart(2, '0')).join('');
    if (SMALL_ORDER.includes(hex)) return true;
    // y >= p = 2^255 - 19: ed ff .. ff 7f and above, little-endian
    if (y[31] !== 0x7f || y[0] < 0xed) return false;
    for (let i = 1; i < 31; i++) if (y[i] !== 0xff) return false;
    return true;
}

export function parsePolicy(text) {
    let p;
    try {
        p = parseJson(text);
    } catch (e) {
        throw new FormatError(`policy: not JSON (${e.message})`);
    }
    if (!isObj(p)) throw new FormatError('policy: not a JSON object');
    if (typeof p.vendor !== 'string' || !VENDORS.includes(p.vendor)) {
        throw new FormatError(`policy.vendor: one of ${VENDORS.join(', ')}`);
    }
    const r = p.matchRules;
    if (!isObj(r)) throw new FormatError('policy.matchRules: missing or not an object');
    const out = { id: typeof p.id === 'string' ? p.id : '', name: typeof p.name === 'string' ? p.name : '', vendor: p.vendor, images: [], rootKey: null, rootKeyB64: '', maxAge: 0 };
    if (p.vendor !== 'mock') return out; // vendor_unsupported decides in the checks
    for (const m of Object.keys(r)) {
        if (!MOCK_RULES.includes(m)) throw new FormatError(`policy.matchRules.${m}: not a rule of this vendor`);
    }
    if (!Array.isArray(r.allowedImageHashes) || r.allowedImageHashes.length === 0) {
        throw new FormatError('policy.matchRules.allowedImageHashes: a non-empty list (policies fail closed)');
    }
    for (const h of r.allowedImageHashes) {
        if (!isHex64(h)) throw new FormatError('policy.matchRules.allowedImageHashes: each 64 lowercase hex characters');
        out.images.push(h);
    }
    const k = typeof r.rootPublicKeyB64 === 'string' ? b64std(r.rootPublicKeyB64) : null;
    if (k === null || k.length !== 32) {
        throw new FormatError('policy.matchRules.rootPublicKeyB64: padded base64 of a 32-byte Ed25519 key');
    }
    if (weakEd25519(k)) {
        throw new FormatError('policy.matchRules.rootPublicKeyB64: not a usable Ed25519 public key (all zeros, small order or not a point)');
    }
    out.rootKey = k;
    out.rootKeyB64 = r.rootPublicKeyB64;
    if (has(r, 'maxDocAgeSeconds') && r.maxDocAgeSeconds !== null) {
        const a = r.maxDocAgeSeconds;
        if (!(a instanceof JsonInt) || !Number.isSafeInteger(a.value) || a.value < 0 || a.value > 315360000) {
            throw new FormatError('policy.matchRules.maxDocAgeSeconds: an integer of seconds, 0..315360000');
        }
        out.maxAge = a.value;
    }
    return out;
}

// ---- times [src/common/timefmt.c] ----

// RFC 3339 (any offset, 'T'/'t', 'Z'/'z', a fraction cut to milliseconds) or Unix seconds (up to
// 12 digits), from 1970 to the year 9999: milliseconds since the epoch, or null. The same
// grammar as the C side's, so that a createdAt one accepts the other accepts too.
export function parseTime(s) {
    if (typeof s !== 'string') return null;
    if (/^[0-9]*$/.test(s)) {
        if (s.length === 0 || s.length > 12) return null;
        const ms = Number(s) * 1000;
        return ms < MAX_MS ? ms : null;
    }
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$/.exec(s);
    if (!m) return null;
    const [y, mo, d, hh, mi, ss] = m.slice(1, 7).map(Number);
    const frac = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    let off = 0;
    if (m[8] !== undefined) {
        const oh = Number(m[9]);
        const om = Number(m[10]);
        if (oh > 23 || om > 59) return null;
        off = (m[8] === '+' ? 1 : -1) * (oh * 60 + om) * 60000;
    }
    const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1] || hh > 23 || mi > 59 || ss > 59) return null;
    const t = Date.UTC(y, mo - 1, d, hh, mi, ss) + frac - off;
    return t >= 0 && t < MAX_MS ? t : null;
}

// RFC 3339 UTC as the C side prints it (milliseconds only when there are some; the raw
// milliseconds outside 1970..9999).
export function stamp(ms) {
    if (!(Number.isSafeInteger(ms) && ms >= 0 && ms < MAX_MS)) return `${ms} ms`;
    const s = new Date(ms).toISOString();
    return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

// ---- the sign result [docs/formats.md; src/attest/sign_result.c] ----

const INT64_MAX = 9223372036854775807n;
const utf8len = (s) => new TextEncoder().encode(s).length;

// A sign result, checked member by member in the C parser's order and words (postq exits 2 on
// each of these; the page refuses to load it). createdAtMs is null when createdAt is absent or
// empty; counter (a BigInt) null when absent; imageHash '' when absent.
export function parseSignResult(text) {
    let o;
    try {
        o = parseJson(text);
    } catch (e) {
        throw new FormatError(`sign result: not JSON (${e.message})`);
    }
    if (!isObj(o)) throw new FormatError('sign result: not a JSON object');
    // A string member of at most cap - 1 bytes (the C side's buffer).
    const str = (obj, prefix, k, required, cap) => {
        if (!has(obj, k)) {
            if (required) throw new FormatError(`${prefix}${k}: missing`);
            return '';
        }
        const v = obj[k];
        if (typeof v !== 'string') throw new FormatError(`${prefix}${k}: not a string`);
        const n = utf8len(v);
        if (n >= cap || (required && n === 0)) throw new FormatError(`${prefix}${k}: ${n === 0 ? 'empty' : 'too long'}`);
        return v;
    };
    // An optional integer member >= min, as a BigInt; null when absent.
    const int = (obj, prefix, k, min) => {
        if (!has(obj, k)) return null;
        const v = obj[k];
        const b = v instanceof JsonInt ? BigInt(v.text) : null;
        if (b !== null && b > INT64_MAX) throw new FormatError(`sign result: not JSON (integer ${prefix}${k} too big)`);
        if (b === null || b < BigInt(min)) throw new FormatError(`${prefix}${k}: not an integer >= ${min}`);
        return b;
    };
    const out = { id: str(o, '', 'id', false, 128), keyId: str(o, '', 'keyId', true, 128) };
    out.keyVersion = int(o, '', 'keyVersion', 1);
    out.createdAt = str(o, '', 'createdAt', false, 40);
    out.algorithm = str(o, '', 'algorithm', true, 32);
    if (HYBRID_SIG_BYTES[out.algorithm] === undefined) throw new FormatError(`algorithm: unknown algorithm "${out.algorithm}"`);
    out.payloadSha256 = str(o, '', 'payloadSha256', true, 65);
    if (!isHex64(out.payloadSha256)) throw new FormatError('payloadSha256: not 64 lowercase hex characters');
    if (!has(o, 'signatureB64') || typeof o.signatureB64 !== 'string') {
        throw new FormatError(`signatureB64: ${has(o, 'signatureB64') ? 'not a string' : 'missing'}`);
    }
    const want = HYBRID_SIG_BYTES[out.algorithm];
    out.signature = b64std(o.signatureB64);
    if (out.signature === null || out.signature.length !== want) {
        throw new FormatError(`signatureB64: not base64 of ${want} bytes (${out.algorithm})`);
    }
    // postq attest verify turns a sign result without a document into a doc_malformed
    // verdict; the page has nothing to check and says so at once.
    if (!has(o, 'attestation') || o.attestation === null) {
        throw new FormatError('attestation: missing (a key of a non-enclave provider has no attestation to verify)');
    }
    const a = o.attestation;
    if (!isObj(a)) throw new FormatError('attestation: not an object');
    const p = 'attestation.';
    out.vendor = str(a, p, 'vendor', true, 32);
    out.docB64 = str(a, p, 'docB64', true, DOC_B64_MAX + 1);
    out.imageHash = str(a, p, 'imageHash', false, 129);
    if (!/^[0-9a-f]*$/.test(out.imageHash)) throw new FormatError('attestation.imageHash: not lowercase hex');
    out.counter = int(a, p, 'counter', 0);
    out.apiVerdict = str(a, p, 'verdict', false, 8);
    if (out.apiVerdict !== '' && out.apiVerdict !== 'pass' && out.apiVerdict !== 'fail') {
        throw new FormatError('attestation.verdict: not "pass" or "fail"');
    }
    out.apiReason = str(a, p, 'reason', false, 48);
    out.createdAtMs = null;
    if (out.createdAt !== '') {
        out.createdAtMs = parseTime(out.createdAt);
        if (out.createdAtMs === null) throw new FormatError(`createdAt: "${out.createdAt}" is not an RFC 3339 time`);
    }
    return out;
}

// ---- a public key: the key's JSON from the API (GET /v1/hybrid-keys/{id}) ----

// As postq_public_key_from_json reads it: a known "algorithm" and "publicKeyB64", canonical
// base64 of exactly a key of that algorithm; the CLI's words when it is not.
export function parsePublicKey(text) {
    const noAlg = 'public key: "algorithm" missing or unknown';
    let k;
    try {
        k = parseJson(text);
    } catch {
        throw new FormatError(noAlg);
    }
    if (!isObj(k) || typeof k.algorithm !== 'string' || HYBRID_PK_BYTES[k.algorithm] === undefined) {
        throw new FormatError(noAlg);
    }
    const bytes = typeof k.publicKeyB64 === 'string' ? b64std(k.publicKeyB64) : null;
    if (bytes === null || bytes.length !== HYBRID_PK_BYTES[k.algorithm]) {
        throw new FormatError(`public key: "publicKeyB64" is not base64 of a ${k.algorithm} key`);
    }
    return { id: typeof k.id === 'string' ? k.id : '', algorithm: k.algorithm, bytes };
}

// ---- the document [docs/formats.md] ----

function parseJws(raw) {
    if (raw.length > JWS_MAX) throw new FormatError(`jws: over ${JWS_MAX} bytes`);
    let text;
    try {
        text = utf8.decode(raw);
    } catch {
        throw new FormatError('jws: not three dot-separated parts');
    }
    const parts = text.split('.');
    if (parts.length > 3) throw new FormatError('jws: more than three parts');
    if (parts.length < 3) throw new FormatError('jws: not three dot-separated parts');
    if (parts[0] === '' || parts[1] === '') throw new FormatError(`jws: empty ${parts[0] === '' ? 'header' : 'payload'}`);
    const dec = (s, name, max) => {
        if (s.length > Math.floor((4 * max + 2) / 3)) throw new FormatError(`jws ${name}: over ${max} bytes`);
        const b = b64url(s);
        if (b === null) throw new FormatError(`jws ${name}: not canonical unpadded base64url`);
        return b;
    };
    const header = dec(parts[0], 'header', JWS_HEADER_MAX);
    const payload = dec(parts[1], 'payload', JWS_PAYLOAD_MAX);
    const sig = dec(parts[2], 'signature', JWS_SIG_MAX);
    let h;
    try {
        h = parseJson(utf8.decode(header));
    } catch (e) {
        throw new FormatError(`jws header: ${e.message}`);
    }
    if (!isObj(h)) throw new FormatError('jws header: not a JSON object');
    const hstr = (k, max, required) => {
        if (!has(h, k)) {
            if (required) throw new FormatError(`jws header.${k}: missing`);
            return null;
        }
        if (typeof h[k] !== 'string') throw new FormatError(`jws header.${k}: not a string`);
        if (new TextEncoder().encode(h[k]).length >= max) throw new FormatError(`jws header.${k}: too long`);
        return h[k];
    };
    const jws = {
        alg: hstr('alg', 32, true),
        typ: hstr('typ', 64, false),
        kid: hstr('kid', 128, false),
        crit: has(h, 'crit'),
        payload,
        sig,
        signingInput: new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    };
    if (isEd25519(jws.alg) && sig.length !== 64) throw new FormatError(`jws signature: ${sig.length} bytes, Ed25519 has 64`);
    return jws;
}

// The first n bytes of s's UTF-8, as C's "%.ns" prints them (a cut character becomes U+FFFD,
// as it does where the CLI's output is read as UTF-8).
function cut(s, n) {
    const b = new TextEncoder().encode(s);
    return b.length <= n ? s : new TextDecoder().decode(b.subarray(0, n));
}

const isEd25519 = (alg) => alg === 'Ed25519' || alg === 'EdDSA';

function parseClaims(bytes) {
    let c;
    try {
        c = parseJson(utf8.decode(bytes));
    } catch (e) {
        throw new FormatError(`claims: ${e.message}`);
    }
    if (!isObj(c)) throw new FormatError('claims: not a JSON object');
    const member = (k) => {
        if (!has(c, k)) throw new FormatError(`claims.${k}: missing`);
        return c[k];
    };
    const uint = (k) => {
        const v = member(k);
        if (!(v instanceof JsonInt) || v.text.startsWith('-') || !Number.isSafeInteger(v.value)) {
            throw new FormatError(`claims.${k}: not a non-negative integer`);
        }
        return v.value;
    };
    const string = (k, cap) => {
        const v = member(k);
        if (typeof v !== 'string') throw new FormatError(`claims.${k}: not a string`);
        const n = new TextEncoder().encode(v).length;
        if (n < 1 || n > cap - 1) throw new FormatError(`claims.${k}: length not in 1..${cap - 1}`);
        return v;
    };
    const hex = (k) => {
        const v = member(k);
        if (!isHex64(v)) throw new FormatError(`claims.${k}: not 64 lowercase hex characters`);
        return v;
    };
    const out = {};
    out.v = uint('v');
    if (out.v !== 1) throw new FormatError(`claims.v: version ${out.v}, expected 1`);
    out.vendor = string('vendor', 32);
    out.moduleId = string('moduleId', 128);
    out.imageHash = hex('imageHash');
    out.keyId = string('keyId', 128);
    out.algorithm = string('algorithm', 32);
    out.publicKeySha256 = hex('publicKeySha256');
    out.payloadSha256 = hex('payloadSha256');
    out.sigSha256 = hex('sigSha256');
    out.counter = uint('counter');
    out.timestamp = uint('timestamp');
    const n = member('nonce');
    const nb = typeof n === 'string' ? b64url(n) : null;
    if (nb === null || nb.length !== 32) throw new FormatError('claims.nonce: not unpadded base64url of 32 bytes');
    out.nonce = n;
    return out;
}

// ---- the checks ----

// The reference time ("now") of a verification [docs/verification.md]: the user's "check at" (CLI
// --at) when given, else the sign result's createdAt — when the API accepted it, so that a
// signature verifies the same way a year later — else the clock. {ms, source}.
export function referenceTime(sr, atMs, clockMs) {
    if (atMs !== null && atMs !== undefined) return { ms: atMs, source: 'check-at' };
    if (sr.createdAtMs !== null) return { ms: sr.createdAtMs, source: 'createdAt' };
    return { ms: clockMs, source: 'clock' };
}

// Run the checks of docs/verification.md in order, stopping at the first failure.
//   policy: parsePolicy's result (the pinned policy); sr: parseSignResult's result;
//   payload: the payload's bytes (Uint8Array) or null;
//   opts.at: the "check at" time in ms (CLI --at), or null for referenceTime's default;
//   opts.clock: the real clock in ms (default Date.now()): a timestamp or createdAt later than
//   it + 60 s is doc_from_future whatever the reference time;
//   opts.publicKey: parsePublicKey's result or null.
// Returns {verdict: 'pass'|'fail', reason, detail, checks: [{code, what, status, detail}],
// claims, at: {ms, source}}. status is 'pass', 'fail', 'not-run' (after a failure) or
// 'not-checked' (with why).
export async function verify(policy, sr, payload, { at = null, clock = Date.now(), publicKey = null } = {}) {
    const checks = CHECKS.map(([code, what]) => ({ code, what, status: 'not-run', detail: '' }));
    const by = Object.fromEntries(checks.map((c) => [c.code, c]));
    const ref = referenceTime(sr, at, clock);
    const nowMs = ref.ms;
    const result = { verdict: 'pass', reason: '', detail: '', checks, claims: null, at: ref };
    const pass = (code) => {
        by[code].status = 'pass';
    };
    const skip = (code, why) => {
        by[code].status = 'not-checked';
        by[code].detail = why;
    };
    const fail = (code, detail) => {
        by[code].status = 'fail';
        by[code].detail = detail;
        result.verdict = 'fail';
        result.reason = code;
        result.detail = detail;
        return result;
    };

    // doc_malformed
    let jws, claims;
    if (sr.docB64.length > DOC_B64_MAX) return fail('doc_malformed', `docB64: over ${DOC_B64_MAX} characters`);
    const raw = b64std(sr.docB64);
    if (raw === null || raw.length === 0) return fail('doc_malformed', 'docB64: not canonical padded base64 of a document');
    try {
        jws = parseJws(raw);
        claims = parseClaims(jws.payload);
    } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        return fail('doc_malformed', e.message);
    }
    result.claims = claims;
    pass('doc_malformed');

    // vendor_mismatch
    if (sr.vendor !== policy.vendor) return fail('vendor_mismatch', `declared vendor "${sr.vendor.slice(0, 40)}", policy vendor "${policy.vendor}"`);
    if (claims.vendor !== policy.vendor) return fail('vendor_mismatch', `document vendor "${claims.vendor}", policy vendor "${policy.vendor}"`);
    pass('vendor_mismatch');

    // vendor_unsupported: the dashboard has the mock verifier only.
    if (policy.vendor !== 'mock') {
        return fail('vendor_unsupported', `no verifier for vendor "${policy.vendor}" in this build (the dashboard checks mock documents; use postq attest verify)`);
    }
    pass('vendor_unsupported');

    // doc_alg_unsupported
    if (!isEd25519(jws.alg)) return fail('doc_alg_unsupported', `header alg "${jws.alg}": only Ed25519 or EdDSA`);
    if (jws.crit) return fail('doc_alg_unsupported', 'header has crit: no extension is understood');
    if (jws.typ !== TYP) return fail('doc_alg_unsupported', `header typ "${jws.typ ?? ''}": expected "${TYP}"`);
    pass('doc_alg_unsupported');

    // doc_signature_invalid: under the pinned key, never one the header names.
    let ok;
    try {
        const key = await crypto.subtle.importKey('raw', policy.rootKey, { name: 'Ed25519' }, false, ['verify']);
        ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, jws.sig, jws.signingInput);
    } catch (e) {
        throw new Error(`this browser cannot verify Ed25519 with WebCrypto (${e.message}); use postq attest verify`);
    }
    if (!ok) return fail('doc_signature_invalid', 'Ed25519 signature does not verify under the pinned root key');
    pass('doc_signature_invalid');

    // image_not_allowed
    if (!policy.images.includes(claims.imageHash)) return fail('image_not_allowed', 'imageHash is not in allowedImageHashes');
    pass('image_not_allowed');

    // doc_stale at the reference time; doc_from_future against the reference time and, when
    // that is not the clock, against the clock too, for the timestamp and then createdAt
    // (check_times in src/attest/verify.c).
    const ts = claims.timestamp;
    if (policy.maxAge > 0) {
        const oldest = nowMs - policy.maxAge * 1000;
        if (ts < oldest) {
            return fail('doc_stale', `signed ${stamp(ts)}, ${Math.trunc((nowMs - ts) / 1000)} s before ${stamp(nowMs)}; the policy allows ${policy.maxAge} s`);
        }
        pass('doc_stale');
    } else {
        skip('doc_stale', 'the policy sets no maxDocAgeSeconds');
    }
    const afterSkew = (t, r) => t > r + FUTURE_SKEW_MS;
    const future = (what, t, r, rName) => fail('doc_from_future',
        `${what} ${stamp(t)}, ${Math.trunc((t - r) / 1000)} s after ${rName}${stamp(r)}; 60 s of clock skew allowed`);
    if (afterSkew(ts, nowMs)) return future('signed', ts, nowMs, clock !== nowMs ? 'the reference time ' : '');
    if (clock !== nowMs && afterSkew(ts, clock)) return future('signed', ts, clock, 'the clock\'s time ');
    if (sr.createdAtMs !== null && afterSkew(sr.createdAtMs, clock)) {
        return future('sign result createdAt', sr.createdAtMs, clock, 'the clock\'s time ');
    }
    pass('doc_from_future');

    // result_mismatch: what the sign result says equals what the enclave signed, field by
    // field; a field the sign result lacks is not compared (check_result in verify.c).
    if (sr.keyId !== claims.keyId) {
        return fail('result_mismatch', `keyId "${cut(sr.keyId, 60)}", document keyId "${cut(claims.keyId, 60)}"`);
    }
    if (sr.algorithm !== claims.algorithm) {
        return fail('result_mismatch', `algorithm "${cut(sr.algorithm, 31)}", document algorithm "${claims.algorithm}"`);
    }
    if (sr.payloadSha256 !== claims.payloadSha256) return fail('result_mismatch', 'payloadSha256 differs from the document\'s');
    if (sr.imageHash !== '' && sr.imageHash !== claims.imageHash) {
        return fail('result_mismatch', `attestation.imageHash ${cut(sr.imageHash, 64)}, document imageHash ${claims.imageHash}`);
    }
    if (sr.counter !== null && sr.counter !== BigInt(claims.counter)) {
        return fail('result_mismatch', `attestation.counter ${sr.counter}, document counter ${claims.counter}`);
    }
    pass('result_mismatch');

    // payload_hash_mismatch, sig_hash_mismatch
    if (payload !== null) {
        if (toHex(await sha256(payload)) !== claims.payloadSha256) return fail('payload_hash_mismatch', 'payloadSha256 does not match');
        pass('payload_hash_mismatch');
    } else {
        skip('payload_hash_mismatch', 'no payload given: drop the signed file in to check it');
    }
    if (toHex(await sha256(sr.signature)) !== claims.sigSha256) return fail('sig_hash_mismatch', 'sigSha256 does not match');
    pass('sig_hash_mismatch');

    // key_mismatch: the public key the user gave (the key's JSON from the API, which the
    // document's publicKeySha256 then vouches for, or not).
    if (publicKey) {
        const alg = publicKey.algorithm || claims.algorithm;
        if (alg !== claims.algorithm) return fail('key_mismatch', `key algorithm "${alg}", document algorithm "${claims.algorithm}"`);
        const want = HYBRID_PK_BYTES[alg];
        if (want === undefined) return fail('key_mismatch', `unknown algorithm "${alg}"`);
        if (publicKey.bytes.length !== want) return fail('key_mismatch', `public key is ${publicKey.bytes.length} bytes, ${alg} has ${want}`);
        if (toHex(await sha256(publicKey.bytes)) !== claims.publicKeySha256) return fail('key_mismatch', 'publicKeySha256 does not match');
        pass('key_mismatch');
    } else {
        skip('key_mismatch', 'no public key given: add the key’s JSON to check it');
    }
    skip('signature_invalid', 'the composite (ML-DSA + Ed25519) signature is not checked in the browser: run postq verify --public-key key.pub --sign-result sig.json --payload FILE');
    return result;
}
