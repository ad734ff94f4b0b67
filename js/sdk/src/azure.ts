// SPDX-License-Identifier: Apache-2.0
// Vendor "azure-confidential-vm" (docs/vendors.md): the Microsoft Azure Attestation (MAA) token
// of a confidential VM (AMD SEV-SNP), a JWT signed RS256 by the MAA instance's key, looked up by
// kid in the JWKS the policy pins (the token's jku is never fetched). The same parsing, checks,
// order and words as the C library's src/attest/vendor/azure.c and src/attest/jwt.c; the RSA
// signature through WebCrypto.

import { fromBase64, fromBase64Url, fromUtf8, toHex, utf8Length } from './encoding.js';
import { InvalidInputError } from './errors.js';
import { parseJson, isObject, has, JsonInt, type JsonObject, type JsonValue } from './json.js';
import type { Claims } from './verify.js';

const JWT_MAX = 16384;
const JWT_PART_MAX = 12288;
const JWT_SIG_MAX = 1024;
const LIST_MAX = 128;
const SKEW_S = 60;
const TEE = 'x-ms-isolation-tee';

/** What a document says, as far as the generic checks need it: the claims without signedAt;
 * imageHash is the mock enclave's image hash or Azure's launch measurement. */
export type DocClaims = Omit<Claims, 'signedAt'>;

class Bad extends Error {}

// ---- the JWT ----

export interface Jwt {
    header: JsonObject;
    claims: JsonObject;
    alg: string;
    kid: string | null;
    typ: string | null;
    crit: boolean;
    sig: Uint8Array;
    signingInput: Uint8Array;
}

function jsonPart(s: string, name: string): JsonObject {
    const b = s.length > Math.floor((4 * JWT_PART_MAX + 2) / 3) + 2 ? 'big' : fromBase64Url(s);
    if (b === 'big' || (b !== null && b.length > JWT_PART_MAX)) throw new Bad(`JWT: ${name}: over 12 KiB`);
    if (b === null || b.length === 0) throw new Bad(`JWT: ${name}: not canonical unpadded base64url`);
    let o: JsonValue;
    try {
        o = parseJson(fromUtf8(b));
    } catch {
        throw new Bad(`JWT: ${name}: not a JSON object without duplicates`);
    }
    if (!isObject(o)) throw new Bad(`JWT: ${name}: not a JSON object without duplicates`);
    return o;
}

export function parseJwt(raw: Uint8Array): Jwt {
    if (raw.length > JWT_MAX) throw new Bad(`JWT: over ${JWT_MAX} bytes`);
    const text = new TextDecoder('latin1').decode(raw);
    const parts = text.split('.');
    if (parts.length !== 3) throw new Bad('JWT: not three dot-separated parts');
    const [p0, p1, p2] = parts as [string, string, string];
    const header = jsonPart(p0, 'header');
    const claims = jsonPart(p1, 'claims');
    const sig = fromBase64Url(p2);
    if (sig !== null && sig.length > JWT_SIG_MAX) throw new Bad('JWT: signature: over 1 KiB');
    if (sig === null || sig.length === 0) throw new Bad('JWT: signature: not canonical unpadded base64url');
    const str = (k: string): string | null | undefined => {
        const v = header[k];
        if (v === undefined) return null;
        return typeof v === 'string' ? v : undefined;
    };
    const alg = str('alg');
    const kid = str('kid');
    const typ = str('typ');
    if (alg === undefined || kid === undefined || typ === undefined || alg === null) {
        throw new Bad('JWT: header: alg missing, or alg / kid / typ not a string');
    }
    const x5c = header['x5c'];
    if (x5c !== undefined) {
        if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 7) throw new Bad('JWT: header: x5c is not an array of 1..7 certificates');
        for (const c of x5c) {
            const d = typeof c === 'string' ? fromBase64(c) : null;
            if (d === null || d.length === 0) throw new Bad('JWT: header: x5c entry is not padded base64 of a certificate');
        }
    }
    const signingInput = raw.subarray(0, p0.length + 1 + p1.length);
    return { header, claims, alg, kid, typ, crit: has(header, 'crit'), sig, signingInput };
}

/** A member at a dotted path of objects, or undefined. */
function path(o: JsonValue | undefined, p: string): JsonValue | undefined {
    let cur: JsonValue | undefined = o;
    for (const name of p.split('.')) {
        if (!isObject(cur)) return undefined;
        cur = has(cur, name) ? cur[name] : undefined;
    }
    return cur;
}

// ---- the PostQ binding (x-ms-runtime.client-payload.postq) ----

function binding(list: JsonValue | undefined, c: DocClaims): void {
    if (list === undefined) return;
    const entries = typeof list === 'string' ? [list] : Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    if (typeof list !== 'string' && !Array.isArray(list)) return;
    const seen = new Set<string>();
    const b64u32 = (v: string): string | null => {
        const b = v.length === 43 ? fromBase64Url(v) : null;
        return b !== null && b.length === 32 ? toHex(b) : null;
    };
    for (const s of entries) {
        if (utf8Length(s) < 6 || !s.startsWith('pq1.')) continue; // not ours
        const tag = s[4] as string;
        if (!'npskac'.includes(tag) || tag === '' || s[5] !== '.') throw new Bad(`PostQ binding: unknown entry "${s.slice(0, 12)}"`);
        if (seen.has(tag)) throw new Bad(`PostQ binding: pq1.${tag} given twice`);
        seen.add(tag);
        const v = s.slice(6);
        const badValue = (): never => {
            throw new Bad(`PostQ binding: pq1.${tag} has a malformed value`);
        };
        if (tag === 'n') {
            if (b64u32(v) === null) badValue();
        } else if (tag === 'p') {
            c.payloadSha256 = b64u32(v) ?? badValue();
        } else if (tag === 's') {
            c.sigSha256 = b64u32(v) ?? badValue();
        } else if (tag === 'k') {
            c.publicKeySha256 = b64u32(v) ?? badValue();
        } else if (tag === 'a') {
            if (v.length === 0 || utf8Length(v) >= 32) badValue();
            c.algorithm = v;
        } else {
            if (v.length === 0 || v.length > 19 || (v.length > 1 && v[0] === '0') || !/^[0-9]+$/.test(v)) badValue();
            c.counter = Number(v);
        }
    }
    if (seen.has('k') !== seen.has('a')) throw new Bad('PostQ binding: pq1.k and pq1.a go together');
    if (seen.has('k')) c.keyId = '';
}

// ---- the token ----

export interface AzureDoc {
    jwt: Jwt;
    claims: DocClaims;
    iat: number;
    nbf: number;
    exp: number;
    measurement: string | null;
    debug: boolean;
}

/** Parse an MAA token; throws Bad (doc_malformed's detail) when it is not one. */
export function parseAzure(raw: Uint8Array): AzureDoc {
    const jwt = parseJwt(raw);
    const cl = jwt.claims;
    if (typeof cl['iss'] !== 'string' || typeof cl['x-ms-attestation-type'] !== 'string') {
        throw new Bad('MAA token: iss or x-ms-attestation-type missing');
    }
    const num = (k: string): number | null => {
        const v = cl[k];
        return v instanceof JsonInt && Number.isSafeInteger(v.value) && v.value >= 0 && v.value < 9223372036854775 ? v.value : null;
    };
    const iat = num('iat');
    const exp = num('exp');
    if (iat === null || exp === null) throw new Bad('MAA token: iat or exp not an integer');
    let nbf = iat;
    if (cl['nbf'] !== undefined) {
        const n = num('nbf');
        if (n === null) throw new Bad('MAA token: nbf not an integer');
        nbf = n;
    }
    const tee = cl[TEE];
    if (tee !== undefined && !isObject(tee)) throw new Bad(`MAA token: ${TEE} not an object`);
    let measurement: string | null = null;
    const lm = path(cl, `${TEE}.x-ms-sevsnpvm-launchmeasurement`);
    if (lm !== undefined) {
        if (typeof lm !== 'string') throw new Bad('MAA token: launch measurement not a string');
        measurement = lm;
    }
    let dbg = path(cl, `${TEE}.x-ms-sevsnpvm-is-debuggable`);
    if (dbg === undefined) dbg = cl['x-ms-sgx-is-debuggable'];
    if (dbg !== undefined && typeof dbg !== 'boolean') throw new Bad('MAA token: is-debuggable not a boolean');
    const claims: DocClaims = { vendor: 'azure-confidential-vm', timestamp: iat * 1000 };
    const vmid = cl['x-ms-azurevm-vmid'];
    if (typeof vmid === 'string' && vmid.length > 0 && utf8Length(vmid) < 128) claims.moduleId = vmid;
    if (measurement !== null && /^[0-9a-f]{96}$/.test(measurement)) claims.imageHash = measurement;
    binding(path(cl, 'x-ms-runtime.client-payload.postq'), claims);
    return { jwt, claims, iat, nbf, exp, measurement, debug: dbg === true };
}

// ---- matchRules ----

function checkJwks(jwks: JsonValue | undefined, field: string): void {
    const keys = isObject(jwks) ? jwks['keys'] : undefined;
    if (!Array.isArray(keys) || keys.length === 0) throw new InvalidInputError(`policy: ${field}: not a JWKS with a non-empty keys array`);
    keys.forEach((k, i) => {
        if (!isObject(k) || k['kty'] !== 'RSA' || typeof k['kid'] !== 'string' || k['kid'] === '') {
            throw new InvalidInputError(`policy: ${field}.keys[${i}]: not an RSA key with a kid`);
        }
        const n = k['n'];
        const e = k['e'];
        if (n !== undefined || e !== undefined) {
            if (typeof n !== 'string' || typeof e !== 'string' || n.length < 342 || n.length > 2731 || e.length === 0 || e.length > 11) {
                throw new InvalidInputError(`policy: ${field}.keys[${i}]: n and e are not base64url of an RSA key of 2048 to 16384 bits`);
            }
            return;
        }
        const x5c = k['x5c'];
        if (!Array.isArray(x5c) || x5c.length === 0 || typeof x5c[0] !== 'string') {
            throw new InvalidInputError(`policy: ${field}.keys[${i}]: neither n and e nor x5c`);
        }
    });
}

/** The Azure matchRules, checked as the CLI checks them (exit 2 in its words). */
export function checkAzureRules(r: JsonObject): void {
    if (r['jwks'] === undefined) throw new InvalidInputError('policy: matchRules.jwks: missing (the MAA signing keys)');
    checkJwks(r['jwks'], 'matchRules.jwks');
    for (const [name, hex] of [['issuers', false], ['launchMeasurements', true]] as const) {
        const l = r[name];
        if (!Array.isArray(l) || l.length === 0 || l.length > LIST_MAX) {
            throw new InvalidInputError(`policy: matchRules.${name}: missing, or not an array of 1..${LIST_MAX} strings (policies fail closed)`);
        }
        l.forEach((s, i) => {
            if (typeof s !== 'string' || s.length === 0 || (hex && !/^[0-9a-f]{96}$/.test(s))) {
                throw new InvalidInputError(`policy: matchRules.${name}[${i}]: ${hex ? 'not 96 lowercase hex characters' : 'not a non-empty string'}`);
            }
        });
    }
    for (const b of ['requireCompliant', 'allowDebug']) {
        if (r[b] !== undefined && typeof r[b] !== 'boolean') throw new InvalidInputError(`policy: matchRules.${b}: not a boolean`);
    }
}

// ---- appraisal ----

type Fail = (check: string, detail: string) => false;
type Pass = (check: string) => void;

async function rs256(jwk: JsonObject, msg: Uint8Array, sig: Uint8Array): Promise<string | null> {
    const n = fromBase64Url(jwk['n'] as string);
    const e = fromBase64Url(jwk['e'] as string);
    if (n === null || e === null) return 'n/e';
    // As OpenSSL reads them: big-endian, leading zero bytes ignored.
    let i = 0;
    while (i < n.length - 1 && n[i] === 0) i++;
    const nb = n.subarray(i);
    const bits = (nb.length - 1) * 8 + (32 - Math.clz32(nb[0] as number));
    const eOdd = e.length > 0 && ((e[e.length - 1] as number) & 1) === 1;
    if (bits < 2048 || !eOdd || !(((nb[nb.length - 1] as number) & 1) === 1) || e.every((x, j) => j < e.length - 1 ? x === 0 : x < 2)) {
        return 'JWK is not an RSA key of 2048 bits or more';
    }
    if (sig.length !== nb.length) return `RS256 signature is ${sig.length} bytes, the key's modulus ${nb.length}`;
    const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
    if (subtle === undefined) throw new Error('RS256 needs WebCrypto, which this environment lacks (in a browser: a secure context)');
    const key = await subtle.importKey('jwk', { kty: 'RSA', n: jwk['n'] as string, e: jwk['e'] as string, alg: 'RS256', ext: true },
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    const ok = await subtle.verify('RSASSA-PKCS1-v1_5', key, sig as Uint8Array<ArrayBuffer>, msg as Uint8Array<ArrayBuffer>);
    return ok ? null : 'signature does not verify';
}

/** The vendor's checks of src/attest/vendor/azure.c, in its order; false after a failure. */
export async function appraiseAzure(d: AzureDoc, r: JsonObject, nowMs: number, pass: Pass, fail: Fail): Promise<boolean> {
    const j = d.jwt;
    if (j.alg !== 'RS256') return fail('doc_alg_unsupported', `header alg "${j.alg.slice(0, 20)}": only RS256`);
    if (j.crit) return fail('doc_alg_unsupported', 'header has crit: no extension is understood');
    if (j.typ !== null && j.typ !== 'JWT') return fail('doc_alg_unsupported', `header typ "${j.typ.slice(0, 20)}": expected JWT`);
    pass('doc_alg_unsupported');

    if (j.kid === null) return fail('chain_invalid', 'token header has no kid to find its key in the pinned jwks');
    const keys = (r['jwks'] as JsonObject)['keys'] as JsonObject[];
    const key = keys.find((k) => k['kid'] === j.kid);
    if (key === undefined) return fail('chain_invalid', `kid "${j.kid.slice(0, 60)}" is not in the pinned jwks (jku is never fetched)`);
    if (key['n'] === undefined) {
        return fail('chain_invalid', `pinned key kid "${j.kid.slice(0, 40)}": a certificate (x5c) key, which @postq/sdk does not read; use postq attest verify`);
    }
    if (fromBase64Url(key['n'] as string) === null || fromBase64Url(key['e'] as string) === null) {
        return fail('chain_invalid', 'the pinned key\'s n or e is not base64url');
    }
    pass('chain_invalid');
    const why = await rs256(key, j.signingInput, j.sig);
    if (why !== null) return fail('doc_signature_invalid', `RS256 under the pinned key: ${why}`);
    pass('doc_signature_invalid');

    if (d.debug && r['allowDebug'] !== true) {
        return fail('debug_not_allowed', 'a debuggable TEE (is-debuggable true); the policy does not set allowDebug');
    }
    pass('debug_not_allowed');
    const lms = r['launchMeasurements'] as string[];
    if (d.measurement === null || !lms.includes(d.measurement)) {
        return fail('measurement_not_allowed', `x-ms-sevsnpvm-launchmeasurement ${d.measurement !== null ? d.measurement.slice(0, 16) : '(absent)'}${d.measurement !== null ? '...' : ''} is not in matchRules.launchMeasurements`);
    }
    pass('measurement_not_allowed');

    const cl = j.claims;
    const iss = cl['iss'] as string;
    const now = Math.trunc(nowMs / 1000);
    if (!(r['issuers'] as string[]).includes(iss)) return fail('claims_invalid', `iss "${iss.slice(0, 80)}" is not in matchRules.issuers`);
    const teeType = path(cl, `${TEE}.x-ms-attestation-type`);
    if (teeType !== 'sevsnpvm') return fail('claims_invalid', `${TEE}.x-ms-attestation-type is not sevsnpvm`);
    const compliance = path(cl, `${TEE}.x-ms-compliance-status`);
    if (r['requireCompliant'] !== false && compliance !== 'azure-compliant-cvm') {
        return fail('claims_invalid', `x-ms-compliance-status "${typeof compliance === 'string' ? compliance.slice(0, 40) : '(absent)'}": expected azure-compliant-cvm (requireCompliant)`);
    }
    if (now >= d.exp) return fail('claims_invalid', `token expired (exp ${d.exp}, now ${now})`);
    if (now < d.nbf - SKEW_S) return fail('claims_invalid', `token not valid yet (nbf ${d.nbf}, now ${now})`);
    pass('claims_invalid');
    return true;
}

export { Bad as NotThisVendor };
