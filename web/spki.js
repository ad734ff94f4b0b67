// SPDX-License-Identifier: Apache-2.0
// A composite public key as the CLI writes it (`postq key get ID --public-key-out`, the same
// bytes as src/crypto/spki.c): SubjectPublicKeyInfo DER [RFC 5280 §4.1.2.7] with the composite
// OID of draft-ietf-lamps-pq-composite-sigs §7 and absent parameters, in PEM [RFC 7468 §13]; and
// its fingerprint, SHA-256 of the raw composite key (mldsaPk || edPk), which is what an
// attestation document's publicKeySha256 claims.
//
//   30 82 LL LL                      SEQUENCE
//     30 0a 06 08 2b 06 01 05 05 07 06 NN     AlgorithmIdentifier { OID 1.3.6.1.5.5.7.6.NN }
//     03 82 LL LL 00 <key>           BIT STRING, no unused bits
//
// Every composite key is longer than 255 bytes and shorter than 65536, so both lengths are the
// two-byte long form, the only DER form for them.

const OID_LAST_ARC = { 'mldsa44+ed25519': 39, 'mldsa65+ed25519': 48, 'mldsa87+ed448': 51 };
const PK_BYTES = { 'mldsa44+ed25519': 1312 + 32, 'mldsa65+ed25519': 1952 + 32, 'mldsa87+ed448': 2592 + 57 };

// The DER of key (Uint8Array) for alg; throws when alg is unknown or key has the wrong size.
export function spkiDer(alg, key) {
    const arc = OID_LAST_ARC[alg];
    if (arc === undefined) throw new Error(`unknown algorithm "${alg}"`);
    if (key.length !== PK_BYTES[alg]) throw new Error(`a ${alg} public key has ${PK_BYTES[alg]} bytes, not ${key.length}`);
    const bits = 1 + key.length;
    const seq = 12 + 4 + bits;
    const head = [0x30, 0x82, seq >> 8, seq & 0xff, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, arc,
        0x03, 0x82, bits >> 8, bits & 0xff, 0x00];
    const der = new Uint8Array(head.length + key.length);
    der.set(head);
    der.set(key, head.length);
    return der;
}

function b64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
}

// PEM "PUBLIC KEY": 64-character lines, each ending in "\n", footer included.
export function spkiPem(alg, key) {
    const body = b64(spkiDer(alg, key));
    const lines = [];
    for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
    return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

// SHA-256 of the raw composite key, lowercase hex (WebCrypto).
export async function fingerprint(key) {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', key));
    return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}
