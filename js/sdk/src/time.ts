// SPDX-License-Identifier: Apache-2.0
// Times as the CLI reads and prints them: RFC 3339 (any offset, 'T'/'t', 'Z'/'z', a fraction
// cut to milliseconds) or Unix seconds (up to 12 digits), from 1970 to the year 9999.

/** 10000-01-01T00:00:00Z in ms: where the C side's time functions stop. */
export const MAX_MS = 253402300800000;

/** Milliseconds since the epoch, or null when s is not such a time. */
export function parseTime(s: unknown): number | null {
    if (typeof s !== 'string') return null;
    if (/^[0-9]*$/.test(s)) {
        if (s.length === 0 || s.length > 12) return null;
        const ms = Number(s) * 1000;
        return ms < MAX_MS ? ms : null;
    }
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$/.exec(s);
    if (m === null) return null;
    const [y, mo, d, hh, mi, ss] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const frac = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    let off = 0;
    if (m[8] !== undefined) {
        const oh = Number(m[9]);
        const om = Number(m[10]);
        if (oh > 23 || om > 59) return null;
        off = (m[8] === '+' ? 1 : -1) * (oh * 60 + om) * 60000;
    }
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > (dim[mo - 1] as number) || hh > 23 || mi > 59 || ss > 59) return null;
    const t = Date.UTC(y, mo - 1, d, hh, mi, ss) + frac - off;
    return t >= 0 && t < MAX_MS ? t : null;
}

/** RFC 3339 UTC as the CLI prints it: milliseconds only when there are some. */
export function stamp(ms: number): string {
    if (!(Number.isSafeInteger(ms) && ms >= 0 && ms < MAX_MS)) return `${ms} ms`;
    const s = new Date(ms).toISOString();
    return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}
