// SPDX-License-Identifier: Apache-2.0
// Composite ML-DSA + EdDSA verification (draft-ietf-lamps-pq-composite-sigs; docs/formats.md,
// Algorithms) with the noble libraries, an implementation independent of PostQ's C:
//
//   M' = "CompositeAlgorithmSignatures2025" || Label || len(ctx) || ctx || PH(M)
//   valid iff ML-DSA.Verify(mldsaPk, M', sig1, ctx = Label) and EdDSA.Verify(edPk, M', sig2)
//
// PH is SHA-512, or SHAKE256 with 64 output bytes for the Ed448 algorithm. The service signs
// with the empty ctx. The payload is hashed as it streams, so its size does not matter.

import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

import { ALGORITHMS, type Algorithm } from './formats.js';
import { toHex, utf8 } from './encoding.js';

const PREFIX = utf8('CompositeAlgorithmSignatures2025');
const MLDSA = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 } as const;
const ML_PK = { 44: 1312, 65: 1952, 87: 2592 } as const;
const ML_SIG = { 44: 2420, 65: 3309, 87: 4627 } as const;

/** Bytes to hash: what a payload is given as. */
export type Payload = Uint8Array | ArrayBuffer | Blob | string;

interface Hasher {
    update(b: Uint8Array): unknown;
    digest(): Uint8Array;
}

/** SHA-256 and the algorithm's PH of a payload, streaming a Blob in chunks. */
export async function hashPayload(payload: Payload, algorithm: Algorithm | null): Promise<{ sha256: Uint8Array; ph: Uint8Array | null }> {
    // Bytes in memory: the platform's native SHA-2 (WebCrypto) where it exists, several times
    // faster than hashing in JavaScript. (SHAKE256 has no WebCrypto name; a Blob streams.)
    const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
    if (subtle !== undefined && !(typeof Blob !== 'undefined' && payload instanceof Blob) && algorithm !== 'mldsa87+ed448') {
        const bytes = typeof payload === 'string' ? utf8(payload) : payload instanceof ArrayBuffer ? new Uint8Array(payload) : payload as Uint8Array;
        try {
            const [a, b] = await Promise.all([subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>),
                algorithm === null ? null : subtle.digest('SHA-512', bytes as Uint8Array<ArrayBuffer>)]);
            return { sha256: new Uint8Array(a), ph: b === null ? null : new Uint8Array(b) };
        } catch {
            /* no usable WebCrypto here (an insecure browser context): hash below */
        }
    }
    const s = sha256.create();
    const p: Hasher | null = algorithm === null ? null
        : algorithm === 'mldsa87+ed448' ? shake256.create({ dkLen: 64 }) : sha512.create();
    const feed = (b: Uint8Array): void => {
        s.update(b);
        p?.update(b);
    };
    if (typeof payload === 'string') feed(utf8(payload));
    else if (payload instanceof Uint8Array) feed(payload);
    else if (payload instanceof ArrayBuffer) feed(new Uint8Array(payload));
    else {
        const reader = payload.stream().getReader();
        for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            feed(value);
        }
    }
    return { sha256: s.digest(), ph: p === null ? null : p.digest() };
}

/** M' of the composite construction for a pre-hashed payload and the empty ctx. */
function messageRepresentative(algorithm: Algorithm, ph: Uint8Array): Uint8Array {
    const label = utf8(ALGORITHMS[algorithm].label);
    const m = new Uint8Array(PREFIX.length + label.length + 1 + ph.length);
    m.set(PREFIX, 0);
    m.set(label, PREFIX.length);
    m[PREFIX.length + label.length] = 0; // len(ctx)
    m.set(ph, PREFIX.length + label.length + 1);
    return m;
}

/**
 * Whether sig is a valid composite signature by pk over the payload whose PH is ph. Any
 * length error is invalid, and both halves must verify.
 */
export function verifyComposite(algorithm: Algorithm, pk: Uint8Array, ph: Uint8Array, sig: Uint8Array): boolean {
    const a = ALGORITHMS[algorithm];
    if (pk.length !== a.pk || sig.length !== a.sig) return false;
    const level = a.level;
    const mPrime = messageRepresentative(algorithm, ph);
    const label = utf8(a.label);
    const mlPk = pk.subarray(0, ML_PK[level]);
    const edPk = pk.subarray(ML_PK[level]);
    const mlSig = sig.subarray(0, ML_SIG[level]);
    const edSig = sig.subarray(ML_SIG[level]);
    try {
        // Both halves are always computed: the time taken says nothing about which failed.
        const ml = MLDSA[level].verify(mlSig, mPrime, mlPk, { context: label });
        const ed = level === 87 ? ed448.verify(edSig, mPrime, edPk, { zip215: false })
            : ed25519.verify(edSig, mPrime, edPk, { zip215: false });
        return ml && ed;
    } catch {
        return false; // a malformed point or encoding
    }
}

/**
 * Whether sig is a valid composite signature by pk over msg, a message in memory, with the
 * empty ctx: the construction above with PH(msg). A mock enclave's composite root signs its
 * attestation documents so (JWS alg "ML-DSA-65-Ed25519", msg the JWS signing input).
 */
export function verifyCompositeMessage(algorithm: Algorithm, pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    const ph = algorithm === 'mldsa87+ed448' ? shake256(msg, { dkLen: 64 }) : sha512(msg);
    return verifyComposite(algorithm, pk, ph, sig);
}

/** Ed25519 (RFC 8032, strict encodings) of msg under pk. */
export function verifyEd25519(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    try {
        return ed25519.verify(sig, msg, pk, { zip215: false });
    } catch {
        return false;
    }
}

/** SHA-256 of bytes, lowercase hex: a key's fingerprint is this of its composite public key. */
export const sha256Hex = (b: Uint8Array): string => toHex(sha256(b));

export { sha256 };
