// SPDX-License-Identifier: Apache-2.0
// DOM helpers: elements are built with createElement and text nodes only (no innerHTML), so
// nothing the API or a file says can become markup.

// h('div', {class: 'x', onclick: f, 'data-k': 'v'}, child, 'text', [more]).
export function h(tag, attrs = {}, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'class') el.className = v;
        else if (k === 'value') el.value = v;
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
    }
    add(el, kids);
    return el;
}

function add(el, kids) {
    for (const k of kids) {
        if (k === undefined || k === null || k === false) continue;
        if (Array.isArray(k)) add(el, k);
        else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
}

export function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
}

// Offer bytes or text as a file download (a blob: URL, revoked after the click).
export function download(name, data, type = 'application/json') {
    const url = URL.createObjectURL(new Blob([data], { type }));
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function readFile(file, asText) {
    return asText ? file.text() : file.arrayBuffer().then((b) => new Uint8Array(b));
}

export function fmtTime(s) {
    if (!s) return '—';
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? s : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function short(s, n = 12) {
    return typeof s === 'string' && s.length > n + 1 ? `${s.slice(0, n)}…` : s;
}
