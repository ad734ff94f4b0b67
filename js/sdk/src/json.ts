// SPDX-License-Identifier: Apache-2.0
// JSON decoding as strict as the C side's (jansson with JSON_REJECT_DUPLICATES): a duplicate
// member, trailing bytes, a lone surrogate or a NUL in a string is an error, nesting is capped,
// and integers keep their exact text (a counter may exceed 2^53).

/** A JSON integer as written: its text and, when it is a safe integer, its value. */
export class JsonInt {
    readonly text: string;
    readonly value: number;
    constructor(text: string) {
        this.text = text;
        this.value = Number(text);
    }
}

/** A value parseJson returns. */
export type JsonValue = null | boolean | number | string | JsonInt | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

/** Thrown for text that is not strict JSON; the message says what and where. */
export class JsonError extends Error {
    override name = 'JsonError';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

export function parseJson(text: string): JsonValue {
    let i = 0;
    const fail = (what: string): never => {
        throw new JsonError(`${what} near byte ${i}`);
    };
    const ws = (): void => {
        while (i < text.length) {
            const c = text.charCodeAt(i);
            if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
            i++;
        }
    };
    const str = (): string => {
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
        const s = JSON.parse(text.slice(start, i)) as string;
        if (LONE_SURROGATE.test(s)) fail('lone surrogate in a string');
        if (s.includes('\0')) fail('NUL in a string');
        return s;
    };
    const value = (depth: number): JsonValue => {
        if (depth > 32) fail('nested too deep');
        ws();
        const c = text[i];
        if (c === '{') {
            const obj: JsonObject = {};
            const seen = new Set<string>();
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
                // defineProperty: a member named "__proto__" is data, not the prototype.
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
            const arr: JsonValue[] = [];
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
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (m !== null && m[0].length > 0) {
            i += m[0].length;
            return m[1] !== undefined || m[2] !== undefined ? Number(m[0]) : new JsonInt(m[0]);
        }
        for (const [w, v] of [['true', true], ['false', false], ['null', null]] as const) {
            if (text.startsWith(w, i)) {
                i += w.length;
                return v;
            }
        }
        return fail('unexpected character');
    };
    const v = value(0);
    ws();
    if (i !== text.length) fail('trailing bytes');
    return v;
}

/** A JSON object (not an array, not null, not an integer). */
export const isObject = (v: unknown): v is JsonObject =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonInt);

export const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
