// SPDX-License-Identifier: Apache-2.0
// Strict RFC 4648 base64 (standard, padded) and base64url (unpadded), hex and UTF-8: the
// encodings of the wire formats (docs/formats.md). A decoder accepts only the canonical
// encoding: no whitespace, no stray characters, padding exactly as required, zero unused bits.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function lookup(alphabet: string): Int8Array {
    const t = new Int8Array(128).fill(-1);
    for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
    return t;
}
const STD = lookup(B64);
const URL = lookup(B64URL);

function decode(s: string, table: Int8Array, padded: boolean): Uint8Array | null {
    let n = s.length;
    if (padded) {
        if (n % 4 !== 0) return null;
        if (s.endsWith('==')) n -= 2;
        else if (s.endsWith('=')) n -= 1;
    } else if (n % 4 === 1) {
        return null;
    }
    const out = new Uint8Array(Math.floor((n * 3) / 4));
    let acc = 0;
    let bits = 0;
    let o = 0;
    for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        const v = c < 128 ? (table[c] as number) : -1;
        if (v < 0) return null;
        acc = ((acc << 6) | v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (acc >> bits) & 0xff;
        }
    }
    if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null; // not canonical
    return out.subarray(0, o);
}

/** Canonical padded base64 (RFC 4648 §4) to bytes, or null. */
export const fromBase64 = (s: string): Uint8Array | null => decode(s, STD, true);
/** Canonical unpadded base64url (RFC 4648 §5) to bytes, or null. */
export const fromBase64Url = (s: string): Uint8Array | null => decode(s, URL, false);

/** Padded base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
    let out = '';
    let i = 0;
    for (; i + 2 < bytes.length; i += 3) {
        const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
        out += `${B64[v >> 18]}${B64[(v >> 12) & 63]}${B64[(v >> 6) & 63]}${B64[v & 63]}`;
    }
    const rest = bytes.length - i;
    if (rest === 1) {
        const v = (bytes[i] as number) << 16;
        out += `${B64[v >> 18]}${B64[(v >> 12) & 63]}==`;
    } else if (rest === 2) {
        const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
        out += `${B64[v >> 18]}${B64[(v >> 12) & 63]}${B64[(v >> 6) & 63]}=`;
    }
    return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
    let s = '';
    for (const b of bytes) s += HEX[b];
    return s;
}

/** 64 lowercase hex characters (a SHA-256). */
export const isHex64 = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

const encoder = new TextEncoder();
/** UTF-8 bytes of s. */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
/** Bytes of s's UTF-8. */
export const utf8Length = (s: string): number => encoder.encode(s).length;
/** UTF-8 to a string; throws on invalid UTF-8. */
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);

/**
 * The first n bytes of s's UTF-8, as C's "%.ns" prints them (a character cut in the middle
 * reads as U+FFFD, as it does where the CLI's output is read as UTF-8).
 */
export function cutUtf8(s: string, n: number): string {
    const b = encoder.encode(s);
    return b.length <= n ? s : new TextDecoder().decode(b.subarray(0, n));
}
