// SPDX-License-Identifier: Apache-2.0
// The PostQ dashboard: a hash-routed single page over the API of docs/http-api.md (policies, keys,
// signing, signatures, API keys) and the in-browser re-verification with @postq/sdk (postq-sdk.js,
// bundled by make web from js/sdk; the rest is served as written).
import { h, clear, download, readFile, fmtTime, short } from './dom.js';
import { call, page, session, ApiError, advice } from './api.js';
import * as SDK from './postq-sdk.js';

const PAGE = 20;
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const state = {
    cursors: {},      // list path -> stack of cursors (paging back and forth)
    admin: null,      // may this key manage API keys? null: not known yet (GET /v1/api-keys answers 403 if not)
    flash: null,      // {path, title, body}: the confirmation the next page shows once
    verify: { policy: null, policyText: '', policySource: '', sr: null, srText: '', srSource: '', payload: null, payloadName: '', publicKey: null, publicKeyName: '', publicKeyText: '',
        logKey: '', logKeySource: '' }, // logKeySource: 'server' (GET /v1/log's) or 'pinned' (typed or pasted)
    log: null,        // {key, info}: GET /v1/log, fetched once per API key
};

// ---- building blocks ----

function alertBox(kind, title, ...body) {
    return h('div', { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('strong', {}, title), ...body.map((b) => h('p', {}, b)));
}

function errorBox(e, what) {
    if (e instanceof ApiError) {
        return alertBox('error', `${what}: ${e.message}`, `${e.status ? `HTTP ${e.status}, ` : ''}${e.code}. ${advice(e)}`);
    }
    return alertBox('error', `${what}: ${e.message}`, advice(e));
}

function card(title, ...kids) {
    return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...kids);
}

function fields(rows) {
    return h('dl', { class: 'fields' }, rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

function code(text) {
    return h('code', { class: 'mono' }, text);
}

function button(label, onclick, kind = 'primary', extra = {}) {
    return h('button', { type: 'button', class: `btn ${kind}`, onclick, ...extra }, label);
}

function link(label, href, kind = 'secondary', extra = {}) {
    return h('a', { class: `btn ${kind}`, href, ...extra }, label);
}

function pageHeader(title, sub, ...actions) {
    return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title), sub ? h('p', { class: 'sub' }, sub) : null), h('div', { class: 'actions' }, actions));
}

function badge(text, kind) {
    return h('span', { class: `badge ${kind}` }, text);
}

function loading() {
    return h('p', { class: 'muted loading' }, 'Loading…');
}

// A root public key as text short enough for any layout: a composite (ML-DSA-65 + Ed25519) root
// is 2648 base64 characters. An Ed25519 root (44) is shown whole.
function shortKey(b64) {
    if (typeof b64 !== 'string') return '—';
    if (b64.length <= 48) return b64;
    const n = SDK.fromBase64(b64)?.length;
    return `${b64.slice(0, 12)}…${b64.slice(-8)} (${n ? `${n} bytes` : 'not base64'}${n === 1984 ? ', ML-DSA-65 + Ed25519' : ''})`;
}

// The same as an element: shortened, the whole key one click away.
function keyView(b64) {
    if (typeof b64 !== 'string' || b64.length <= 48) return code(b64 ?? '—');
    return h('div', { class: 'longkey' }, code(shortKey(b64)),
        h('details', {}, h('summary', {}, 'Whole key'), h('pre', { class: 'mono wrap' }, b64)));
}

// A mock policy's pinned roots: rootPublicKeyB64's, then rootPublicKeysB64's (their union).
function policyRoots(mr) {
    const out = [];
    if (typeof mr?.rootPublicKeyB64 === 'string') out.push(mr.rootPublicKeyB64);
    if (Array.isArray(mr?.rootPublicKeysB64)) for (const k of mr.rootPublicKeysB64) if (!out.includes(k)) out.push(k);
    return out;
}

function rootList(roots) {
    if (roots.length === 0) return '—';
    return h('ul', { class: 'plain roots' }, roots.map((k) => h('li', {}, keyView(k))));
}

// Go to path (a hash route) and confirm there, once, what was just done.
function goWithFlash(path, title, ...body) {
    state.flash = { path, title, body };
    location.hash = `#${path}`;
}

function dropZone(id, label, hint, onfile, accept) {
    const input = h('input', { type: 'file', id, accept, class: 'file-input' });
    const name = h('span', { class: 'file-name' }, hint);
    const zone = h('label', { class: 'drop', for: id }, h('span', { class: 'drop-title' }, label), name, input);
    const take = async (f) => {
        if (!f) return;
        name.textContent = `${f.name} (${f.size.toLocaleString()} bytes)`;
        zone.classList.add('has-file');
        await onfile(f);
    };
    input.addEventListener('change', () => take(input.files[0]));
    zone.addEventListener('dragover', (e) => {
        e.preventDefault();
        zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
        e.preventDefault();
        zone.classList.remove('over');
        take(e.dataTransfer.files[0]);
    });
    return zone;
}

function needSignIn() {
    if (session.key()) return false;
    location.hash = `#/signin?next=${encodeURIComponent(location.hash || '#/')}`;
    return true;
}

// ---- sign-in ----

function viewSignIn(q) {
    const input = h('input', { id: 'apikey', type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: 'pqk_…', required: true });
    const msg = h('div', {});
    const form = h('form', { class: 'stack', id: 'signin-form' },
        h('label', { for: 'apikey' }, 'API key'), input,
        h('p', { class: 'hint' }, 'Kept in this tab’s session storage only, sent only as an Authorization header to this server, gone when the tab closes. An organisation’s first key comes from ', code('postq-api org create NAME'), ' on the server host (', code('make run'), ' prints a demo key).'),
        msg,
        h('button', { type: 'submit', class: 'btn primary', id: 'signin' }, 'Sign in'));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const k = input.value.trim();
        if (!/^pqk_[A-Za-z0-9_-]+$/.test(k)) {
            clear(msg).append(alertBox('error', 'That is not an API key.', 'API keys look like pqk_ak_…_…; paste the whole key.'));
            return;
        }
        session.set(k);
        try {
            await call('GET', '/v1/enclave');
        } catch (err) {
            if (err instanceof ApiError && err.status === 401) {
                session.clear();
                clear(msg).append(alertBox('error', 'The API refused this key.', 'Check that you pasted the whole key and that it has not been deleted.'));
                return;
            }
            // The key may be fine and the enclave down: keep it, the overview says more.
        }
        input.value = '';
        const next = q.get('next');
        location.hash = next && next.startsWith('#/') && !next.startsWith('#/signin') ? next : '#/';
    });
    return h('div', { class: 'narrow' }, pageHeader('Sign in', 'Use an API key of your organisation.'), card(null, form),
        card('Only verifying?', h('p', {}, 'Re-verification needs no key: paste a sign result and your policy on the ', h('a', { href: '#/verify' }, 'Verify'), ' page.')));
}

// ---- overview ----

function viewHome() {
    if (needSignIn()) return null;
    const box = h('div', {}, loading());
    (async () => {
        try {
            const e = (await call('GET', '/v1/enclave')).json;
            clear(box).append(fields([
                ['Vendor', e.vendor],
                ['Module', code(e.moduleId)],
                ['Image hash', code(e.imageHash)],
                ['Root public key', keyView(e.rootPublicKeyB64)],
                e.rootAlgorithm ? ['Root algorithm', e.rootAlgorithm] : null,
            ]), h('p', { class: 'hint' }, 'This is what the API reports. Pin it in a policy only after checking it against ', code('postq-enclave measure'), ' on the enclave host.'));
        } catch (err) {
            clear(box).append(errorBox(err, 'Cannot read the enclave'));
        }
    })();
    const activity = h('div', { id: 'home-activity' }, loading());
    const recent = h('div', { id: 'home-recent' }, loading());
    (async () => {
        try {
            const a = (await call('GET', '/v1/activity?hours=24')).json;
            clear(activity).append(activityChart(a), refusals(a.recentRejections));
        } catch (err) {
            clear(activity).append(errorBox(err, 'Cannot read the activity'));
        }
    })();
    (async () => {
        try {
            const pg = await page('/v1/signatures', 8, null);
            if (pg.items.length === 0) {
                clear(recent).append(h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, 'No signatures yet.'), h('p', {}, 'Sign a file and it appears here.')));
                return;
            }
            clear(recent).append(h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'home-recent-table' },
                h('thead', {}, h('tr', {}, sigCols.map((c) => h('th', { class: c.cls }, c.label)))),
                h('tbody', {}, pg.items.map((it) => h('tr', { class: 'row', 'data-id': it.id },
                    sigCols.map((c, i) => h('td', { class: c.cls, 'data-label': c.label }, i === 0 ? h('a', { href: `#/signatures/${encodeURIComponent(it.id)}` }, c.get(it)) : c.get(it)))))))),
            h('p', { class: 'hint' }, 'Verdicts as the API recorded them; open one and verify it in your browser to check for yourself. ', h('a', { href: '#/signatures' }, 'All signatures →')));
        } catch (err) {
            clear(recent).append(errorBox(err, 'Cannot list the signatures'));
        }
    })();
    const steps = h('ol', { class: 'steps' },
        h('li', {}, h('a', { href: '#/policies/new' }, 'Create an attestation policy'), ' pinned to the enclave’s image and root key.'),
        h('li', {}, h('a', { href: '#/keys/new' }, 'Create a key'), ' bound to that policy.'),
        h('li', {}, h('a', { href: '#/sign' }, 'Sign a file'), ' and download the sign result.'),
        h('li', {}, h('a', { href: '#/verify' }, 'Verify it'), ' here, against your own copy of the policy.'));
    return h('div', {}, pageHeader('Overview', 'Post-quantum signing keys held in an attested enclave.'),
        card('Signing in the last 24 hours', activity),
        card('Recent signatures', recent),
        h('div', { class: 'grid2' }, card('Get started', steps), card('The enclave', box)));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...kids) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return el;
}

// Stacked bars per hour (signed, stored with a failed attestation, refused), drawn as SVG
// elements (no markup from strings; colours from app.css classes, so the CSP holds), with the
// totals beside it and every bar's numbers in its tooltip.
function activityChart(a) {
    const W = 720, H = 150, PAD = 24, n = a.buckets.length;
    const max = Math.max(1, ...a.buckets.map((b) => b.signed + b.auditFailed + b.rejected));
    const bw = (W - PAD) / n;
    const y = (v) => ((H - PAD) * v) / max;
    const hour = (t) => new Date(t).toISOString().slice(11, 16);
    const bars = a.buckets.map((b, i) => {
        const g = svg('g', { class: 'bar', 'data-start': b.start },
            svg('title', {}, `${hour(b.start)} UTC: ${b.signed} signed, ${b.auditFailed} stored with a failed attestation, ${b.rejected} refused`));
        let top = H - PAD;
        for (const [cls, v] of [['c-signed', b.signed], ['c-audit', b.auditFailed], ['c-rejected', b.rejected]]) {
            if (v === 0) continue;
            const hgt = Math.max(1, y(v));
            top -= hgt;
            g.append(svg('rect', { class: cls, x: (PAD + i * bw + 1).toFixed(1), y: top.toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: hgt.toFixed(1) }));
        }
        return g;
    });
    const labels = a.buckets.map((b, i) => (i % 6 === 0 || i === n - 1
        ? svg('text', { class: 'axis', x: i === n - 1 ? W : (PAD + i * bw + bw / 2).toFixed(1), y: H - 6, 'text-anchor': i === n - 1 ? 'end' : 'middle' }, hour(b.start)) : null)).filter(Boolean);
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', id: 'activity-chart',
        'aria-label': `Signs per hour over the last ${n} hours: ${a.totals.signed} signed, ${a.totals.auditFailed} stored with a failed attestation, ${a.totals.rejected} refused` },
    svg('line', { class: 'axis-line', x1: PAD, y1: H - PAD, x2: W, y2: H - PAD }),
    svg('text', { class: 'axis', x: 2, y: 12 }, String(max)), ...bars, ...labels);
    const t = a.totals;
    return h('div', {},
        h('div', { class: 'totals', id: 'activity-totals' },
            h('span', { class: 'tot c-signed-t' }, h('strong', {}, String(t.signed)), ' signed'),
            h('span', { class: 'tot c-audit-t' }, h('strong', {}, String(t.auditFailed)), ' stored with a failed attestation (audit)'),
            h('span', { class: 'tot c-rejected-t' }, h('strong', {}, String(t.rejected)), ' refused by a policy')),
        chart,
        h('p', { class: 'hint' }, 'Per hour (UTC). Refused: the enclave’s document failed the key’s policy under enforce, so nothing was signed for the caller.'));
}

function refusals(list) {
    if (list.length === 0) return h('p', { class: 'muted', id: 'home-refusals' }, 'No sign call has been refused.');
    return h('details', { id: 'home-refusals', open: true }, h('summary', {}, `Latest refusals (${list.length})`),
        h('table', { class: 'list' }, h('tbody', {}, list.slice(0, 5).map((r) => h('tr', {},
            h('td', {}, badge(r.reason, 'bad')), h('td', {}, h('a', { href: `#/keys/${encodeURIComponent(r.keyId)}` }, code(r.keyId))), h('td', { class: 'hide-sm' }, fmtTime(r.at)))))));
}

// ---- lists with paging ----

function listView({ title, sub, path, extra = {}, columns, href, empty, actions = [] }) {
    if (needSignIn()) return null;
    const key = `${path}?${new URLSearchParams(extra)}`;
    const stack = (state.cursors[key] ??= [null]);
    const body = h('div', {}, loading());
    const load = async () => {
        clear(body).append(loading());
        let pg;
        try {
            pg = await page(path, PAGE, stack[stack.length - 1], extra);
        } catch (err) {
            clear(body).append(errorBox(err, `Cannot list ${title.toLowerCase()}`));
            return;
        }
        clear(body);
        if (pg.items.length === 0 && stack.length === 1) {
            body.append(h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, empty[0]), h('p', {}, empty[1]), empty[2] ?? null));
            return;
        }
        const table = h('table', { class: 'list' },
            h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.cls }, c.label)))),
            h('tbody', {}, pg.items.map((it) => h('tr', { class: 'row', tabindex: 0, 'data-id': it.id, onclick: () => { location.hash = href(it); }, onkeydown: (e) => { if (e.key === 'Enter') location.hash = href(it); } },
                columns.map((c, i) => h('td', { class: c.cls, 'data-label': c.label }, i === 0 ? h('a', { href: href(it) }, c.get(it)) : c.get(it)))))));
        const prev = button('← Previous', () => { stack.pop(); load(); }, 'secondary', { disabled: stack.length === 1 });
        const next = button('Next →', () => { stack.push(pg.nextCursor); load(); }, 'secondary', { disabled: !pg.nextCursor });
        body.append(h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, prev, h('span', { class: 'muted' }, `Page ${stack.length}`), next));
    };
    load();
    return h('div', {}, pageHeader(title, sub, ...actions), card(null, body));
}

const policyCols = [
    { label: 'Name', get: (p) => p.name },
    { label: 'Vendor', get: (p) => p.vendor },
    { label: 'Mode', get: (p) => (p.enforce ? badge('enforce', 'ok') : badge('audit', 'warn')) },
    { label: 'Id', get: (p) => code(p.id), cls: 'hide-sm' },
    { label: 'Created', get: (p) => fmtTime(p.createdAt), cls: 'hide-sm' },
];
const keyCols = [
    { label: 'Name', get: (k) => k.name },
    { label: 'State', get: (k) => keyStateBadge(k) },
    { label: 'Version', get: (k) => String(k.version ?? k.keyVersion ?? 1), cls: 'hide-sm' },
    { label: 'Algorithm', get: (k) => k.algorithm },
    { label: 'Provider', get: (k) => k.pqProvider, cls: 'hide-sm' },
    { label: 'Id', get: (k) => code(k.id), cls: 'hide-sm' },
    { label: 'Created', get: (k) => fmtTime(k.createdAt), cls: 'hide-sm' },
];
const sigCols = [
    { label: 'Signature', get: (s) => code(s.id) },
    { label: 'Key', get: (s) => code(s.keyId), cls: 'hide-sm' },
    { label: 'Payload SHA-256', get: (s) => code(short(s.payloadSha256, 16)), cls: 'hide-sm' },
    { label: 'Attestation', get: (s) => (s.attestation ? badge(s.attestation.verdict, s.attestation.verdict === 'pass' ? 'ok' : 'bad') : badge('none', 'muted')) },
    { label: 'Created', get: (s) => fmtTime(s.createdAt) },
];

// ---- policies ----

function viewPolicies() {
    return listView({
        title: 'Policies', sub: 'What an enclave must prove before a key signs.', path: '/v1/attestation-policies', columns: policyCols,
        href: (p) => `#/policies/${encodeURIComponent(p.id)}`,
        empty: ['No policies yet.', 'A policy pins the enclave image and root key your keys may sign with.', link('Create a policy', '#/policies/new', 'primary')],
        actions: [link('New policy', '#/policies/new', 'primary', { id: 'new-policy' })],
    });
}

// The body of POST (and PUT) /v1/attestation-policies from the form's values. The roots, one
// per line, go as rootPublicKeyB64 when there is one and as rootPublicKeysB64 when several.
function policyBody(f) {
    const roots = f.roots.split(/\s+/).filter(Boolean);
    const matchRules = { allowedImageHashes: f.images.split(/[\s,]+/).filter(Boolean) };
    if (roots.length === 1) matchRules.rootPublicKeyB64 = roots[0];
    else matchRules.rootPublicKeysB64 = roots;
    const body = { name: f.name.trim(), vendor: f.vendor, matchRules, enforce: f.enforce };
    if (f.maxAge.trim() !== '') body.matchRules.maxDocAgeSeconds = Number(f.maxAge.trim());
    return body;
}

const ROOTS_MAX = 8;
const MAX_AGE_MAX = 315360000; // ten years, as the API allows

function policyProblems(b) {
    const p = [];
    if (!b.name) p.push('Give the policy a name.');
    if (b.matchRules.allowedImageHashes.length === 0) p.push('List at least one allowed image hash (policies fail closed).');
    for (const x of b.matchRules.allowedImageHashes) if (!/^[0-9a-f]{64}$/.test(x)) p.push(`"${short(x, 20)}" is not 64 lowercase hex characters.`);
    const roots = policyRoots(b.matchRules);
    const given = b.matchRules.rootPublicKeysB64 ?? [b.matchRules.rootPublicKeyB64];
    if (roots.length === 0) p.push('Give at least one root public key (base64), one per line.');
    if (roots.length > ROOTS_MAX) p.push(`At most ${ROOTS_MAX} root public keys.`);
    if (roots.length < given.length) p.push('A root public key is listed twice.');
    roots.forEach((r, i) => {
        const k = SDK.fromBase64(r);
        if (!k || (k.length !== 32 && k.length !== 1984)) {
            p.push(`Root key ${i + 1} (${short(r, 16)}) must be padded base64 of a 32-byte Ed25519 key or a 1984-byte ML-DSA-65 + Ed25519 key.`);
        }
    });
    const a = b.matchRules.maxDocAgeSeconds;
    if (a !== undefined && !(Number.isInteger(a) && a >= 1 && a <= MAX_AGE_MAX)) p.push(`Max document age is a whole number of seconds from 1 to ${MAX_AGE_MAX}.`);
    return p;
}

// The inputs of a mock policy, prefilled from init (a policy object) when given.
function policyInputs(init) {
    const mr = init?.matchRules ?? {};
    return {
        name: h('input', { id: 'pol-name', type: 'text', placeholder: 'e.g. release-signing-prod', autocomplete: 'off', required: true, value: init?.name ?? '' }),
        images: h('textarea', { id: 'pol-images', rows: Math.min(8, Math.max(3, (mr.allowedImageHashes ?? []).length + 1)), class: 'mono', spellcheck: 'false', value: (mr.allowedImageHashes ?? []).join('\n') }),
        roots: h('textarea', { id: 'pol-roots', rows: 3, class: 'mono nowrap', wrap: 'off', spellcheck: 'false', value: policyRoots(mr).join('\n') }),
        maxAge: h('input', { id: 'pol-maxage', type: 'number', min: 1, step: 1, value: init ? (mr.maxDocAgeSeconds !== undefined ? String(mr.maxDocAgeSeconds) : '') : '300' }),
        enforce: h('input', { id: 'pol-enforce', type: 'checkbox', checked: init ? init.enforce !== false : true }),
    };
}

function policyInputRows(f) {
    return [
        h('label', { for: 'pol-images' }, 'Allowed image hashes (SHA-256, one per line)'), f.images,
        h('label', { for: 'pol-roots' }, 'Root public keys (base64, one per line)'), f.roots,
        h('p', { class: 'hint' }, 'An Ed25519 root (32 bytes, 44 characters) or an ML-DSA-65 + Ed25519 root (1984 bytes, 2648 characters, the default of new enclaves). Several while a deployment moves to a new root: documents signed by any one of them pass.'),
        h('label', { for: 'pol-maxage' }, 'Max document age (seconds, empty for none)'), f.maxAge,
        h('label', { class: 'check' }, f.enforce, ' Enforce: refuse to sign when attestation fails (off = audit: record and return the failure)'),
    ];
}

function readPolicyInputs(f, vendor) {
    return policyBody({ name: f.name.value, vendor, images: f.images.value, roots: f.roots.value, maxAge: f.maxAge.value, enforce: f.enforce.checked });
}

function viewPolicyNew() {
    if (needSignIn()) return null;
    const f = policyInputs(null);
    const vendor = h('select', { id: 'pol-vendor' }, SDK.VENDORS.map((v) => h('option', { value: v }, v)));
    const note = h('div', {}, h('p', { class: 'muted' }, 'Reading the enclave’s measurement…'));
    (async () => {
        try {
            const e = (await call('GET', '/v1/enclave')).json;
            vendor.value = e.vendor;
            f.images.value = e.imageHash;
            f.roots.value = e.rootPublicKeyB64;
            clear(note).append(alertBox('info', 'Prefilled from GET /v1/enclave.', 'These values come from the API. Compare them with postq-enclave measure on the enclave host before you save.'));
        } catch (err) {
            clear(note).append(errorBox(err, 'Could not prefill from the enclave'), h('p', { class: 'hint' }, 'Fill in the image hash and root key from postq-enclave measure.'));
        }
    })();
    const out = h('div', {});
    const form = h('form', { class: 'stack', id: 'policy-form' },
        note,
        h('label', { for: 'pol-name' }, 'Name'), f.name,
        h('label', { for: 'pol-vendor' }, 'Vendor'), vendor,
        ...policyInputRows(f),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'policy-review' }, 'Review')));
    const editCard = card('New policy', form);
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        const b = readPolicyInputs(f, vendor.value);
        const probs = policyProblems(b);
        clear(out);
        if (probs.length) {
            out.append(alertBox('error', 'Fix these before saving:', ...probs));
            return;
        }
        editCard.hidden = true;
        const msg = h('div', {});
        const save = button('Save policy', async () => {
            save.disabled = true;
            try {
                const p = (await call('POST', '/v1/attestation-policies', { json: b })).json;
                goWithFlash(`/policies/${encodeURIComponent(p.id)}`, `Policy “${p.name}” created.`,
                    `Its id is ${p.id}. Keys bound to it sign only in an enclave that proves these values. Next: create a key bound to it.`);
            } catch (err) {
                save.disabled = false;
                clear(msg).append(errorBox(err, 'The policy was not saved'));
            }
        }, 'primary', { id: 'policy-save' });
        out.append(card('Review the policy',
            h('p', {}, 'This is exactly what will be stored. Keys bound to it sign only inside an enclave that proves these values.'),
            fields([
                ['Name', b.name], ['Vendor', b.vendor],
                ['Allowed images', h('ul', { class: 'plain' }, b.matchRules.allowedImageHashes.map((x) => h('li', {}, code(x))))],
                ['Root public keys', rootList(policyRoots(b.matchRules))],
                ['Max document age', b.matchRules.maxDocAgeSeconds !== undefined ? `${b.matchRules.maxDocAgeSeconds} s` : 'none'],
                ['Mode', b.enforce ? 'enforce' : 'audit'],
            ]),
            h('details', {}, h('summary', {}, 'JSON body'), h('pre', { class: 'mono wrap' }, JSON.stringify(b, null, 2))),
            msg,
            h('div', { class: 'actions' }, button('Back to edit', () => { clear(out); editCard.hidden = false; }, 'secondary'), save)));
    });
    return h('div', { class: 'narrow' }, pageHeader('New policy', 'Pin the enclave your keys may sign in.'), editCard, out);
}

// The policy file users keep (and pin): the fields that decide, no server bookkeeping.
function policyFile(p) {
    return `${JSON.stringify({ id: p.id, name: p.name, vendor: p.vendor, matchRules: p.matchRules ?? {}, enforce: p.enforce, createdAt: p.createdAt }, null, 2)}\n`;
}

const policyPath = (id, version) => `/v1/attestation-policies/${encodeURIComponent(id)}${version ? `?version=${encodeURIComponent(version)}` : ''}`;

function viewPolicy(q, id) {
    if (needSignIn()) return null;
    const box = h('div', {}, loading());
    const want = q.get('version');
    (async () => {
        let p;
        let latest;
        try {
            latest = (await call('GET', policyPath(id))).json;
            p = want && String(latest.version) !== want ? (await call('GET', policyPath(id, want))).json : latest;
        } catch (err) {
            clear(box).append(errorBox(err, want ? `Cannot load version ${want} of the policy` : 'Cannot load the policy'),
                link(want ? 'The newest version' : 'Back to policies', want ? `#/policies/${encodeURIComponent(id)}` : '#/policies'));
            return;
        }
        const n = p.version ?? 1;
        const newest = latest.version ?? 1;
        const old = n !== newest;
        const mr = p.matchRules ?? {};
        const msg = h('div', {});
        const mayWrite = state.admin !== false; // unknown: offered, and the API says 403 if not
        const del = button('Delete', async () => {
            const ok = await confirmDialog(`Delete policy “${p.name}”?`, [
                `${p.id} and all its ${newest} version${newest === 1 ? '' : 's'} are deleted; this cannot be undone.`,
                'The API refuses while a key that is not deleted is bound to it (409 policy_in_use): delete or rebind those keys first.',
            ], 'Delete policy');
            if (!ok) return;
            try {
                await call('DELETE', policyPath(p.id));
                goWithFlash('/policies', `Policy “${p.name}” deleted.`, `${p.id} and its versions are gone.`);
            } catch (err) {
                clear(msg).append(errorBox(err, 'Not deleted'));
            }
        }, 'danger', { id: 'policy-delete' });
        const picker = h('select', { id: 'policy-version' },
            Array.from({ length: newest }, (_, i) => newest - i).map((v) => h('option', { value: String(v), selected: v === n }, `version ${v}${v === newest ? ' (newest)' : ''}`)));
        picker.addEventListener('change', () => {
            const v = Number(picker.value);
            location.hash = `#/policies/${encodeURIComponent(p.id)}${v === newest ? '' : `?version=${v}`}`;
        });
        const actions = old ? [
            link('Newest version', `#/policies/${encodeURIComponent(p.id)}`, 'primary', { id: 'policy-newest' }),
            button('Download policy.json', () => download(`policy-v${n}.json`, policyFile(p)), 'secondary'),
            link('Pin for verification', `#/pin/${encodeURIComponent(p.id)}?version=${n}`, 'secondary', { id: 'policy-pin' }),
        ] : [
            link('Create a key bound to it', `#/keys/new?policy=${encodeURIComponent(p.id)}`, 'primary', { id: 'policy-new-key' }),
            button('Download policy.json', () => download('policy.json', policyFile(p)), 'secondary'),
            link('Pin for verification', `#/pin/${encodeURIComponent(p.id)}`, 'secondary', { id: 'policy-pin' }),
            mayWrite ? link('Edit', `#/policies/${encodeURIComponent(p.id)}/edit`, 'secondary', { id: 'policy-edit' }) : null,
            mayWrite ? del : null,
        ];
        const oldNote = old ? alertBox('warn', `Version ${n} of ${newest}: an old version, read-only.`,
            `Keys bound to this policy follow its newest version (${newest}). Sign results name the version that admitted them (policyVersion), and every version stays readable so they can be re-verified under it.`) : null;
        if (oldNote) oldNote.id = 'policy-old';
        clear(box).append(...[pageHeader(p.name, `${p.id} · version ${n}${old ? ` of ${newest}` : ''}`, ...actions),
            oldNote,
            msg,
            card('Policy', fields([
                ['Version', h('div', { class: 'version-pick' }, h('span', { id: 'policy-version-shown' }, String(n)),
                    newest > 1 ? [h('label', { for: 'policy-version', class: 'muted small' }, 'Show'), picker] : null)],
                ['Vendor', p.vendor],
                ['Mode', p.enforce ? badge('enforce', 'ok') : badge('audit', 'warn')],
                p.vendor === 'mock' ? ['Allowed images', Array.isArray(mr.allowedImageHashes) ? h('ul', { class: 'plain', id: 'policy-images' }, mr.allowedImageHashes.map((x) => h('li', {}, code(x)))) : '—'] : null,
                p.vendor === 'mock' ? ['Root public keys', rootList(policyRoots(mr))] : null,
                p.vendor !== 'mock' ? ['Match rules', h('pre', { class: 'mono wrap' }, JSON.stringify(mr, null, 2))] : null,
                ['Max document age', mr.maxDocAgeSeconds !== undefined ? `${mr.maxDocAgeSeconds} s` : 'none'],
                ['This version made', h('span', { id: 'policy-updated' }, fmtTime(p.updatedAt ?? p.createdAt))],
                ['Policy created', fmtTime(p.createdAt)],
            ]))].filter(Boolean));
    })();
    return box;
}

// The fields of a policy version as the review compares them: [label, [{key, text}]], key
// the value compared, text what is shown (a root key shortened).
function policyLines(b) {
    const mr = b.matchRules ?? {};
    const one = (label, text) => [label, [{ key: text, text }]];
    const out = [one('Name', b.name), one('Mode', b.enforce ? 'enforce' : 'audit')];
    if (b.vendor === 'mock') {
        out.push(['Allowed image hashes', (mr.allowedImageHashes ?? []).map((x) => ({ key: x, text: x }))]);
        out.push(['Root public keys', policyRoots(mr).map((k) => ({ key: k, text: shortKey(k) }))]);
        out.push(one('Max document age', mr.maxDocAgeSeconds !== undefined ? `${mr.maxDocAgeSeconds} s` : 'none'));
    } else {
        out.push(['Match rules', Object.keys(mr).sort().map((k) => {
            const line = `${k}: ${JSON.stringify(mr[k])}`;
            return { key: line, text: short(line, 160) };
        })]);
    }
    return out;
}

// Per field: the old lines kept (' ') or removed ('-'), then the new ones added ('+').
function policyDiff(before, after) {
    const a = policyLines(before);
    const b = new Map(policyLines(after));
    return a.map(([label, olds]) => {
        const news = b.get(label) ?? [];
        const newKeys = new Set(news.map((x) => x.key));
        const oldKeys = new Set(olds.map((x) => x.key));
        const lines = [
            ...olds.map((x) => ({ op: newKeys.has(x.key) ? 'same' : 'del', text: x.text })),
            ...news.filter((x) => !oldKeys.has(x.key)).map((x) => ({ op: 'add', text: x.text })),
        ];
        return { label, lines, changed: lines.some((l) => l.op !== 'same') };
    });
}

function diffView(diff) {
    const sign = { same: ' ', del: '-', add: '+' };
    const changed = diff.filter((d) => d.changed);
    const same = diff.filter((d) => !d.changed).map((d) => d.label);
    return h('div', { class: 'diff', id: 'policy-diff' },
        changed.map((d) => h('div', { class: 'diff-field', 'data-field': d.label }, h('h3', {}, d.label),
            h('ul', { class: 'diff-lines mono' }, d.lines.map((l) => h('li', { class: `d-${l.op}` }, `${sign[l.op]} ${l.text}`))))),
        same.length ? h('p', { class: 'muted small' }, `Unchanged: ${same.join(', ')}.`) : null);
}

// Edit a policy: a form prefilled from its newest version, then the changes reviewed as a
// diff; only "Save as version N+1" sends (PUT) anything.
function viewPolicyEdit(q, id) {
    if (needSignIn()) return null;
    const box = h('div', { class: 'narrow' }, loading());
    (async () => {
        let p;
        try {
            p = (await call('GET', policyPath(id))).json;
        } catch (err) {
            clear(box).append(errorBox(err, 'Cannot load the policy'), link('Back to policies', '#/policies'));
            return;
        }
        const n = p.version ?? 1;
        const mock = p.vendor === 'mock';
        const f = policyInputs(p);
        const rules = h('textarea', { id: 'pol-rules', rows: 10, class: 'mono', spellcheck: 'false', value: JSON.stringify(p.matchRules ?? {}, null, 2) });
        const out = h('div', {});
        const form = h('form', { class: 'stack', id: 'policy-edit-form' },
            alertBox('info', `Prefilled from version ${n}, the newest.`, `Saving makes version ${n + 1}; keys bound to the policy follow it at once, and version ${n} stays readable. Nothing is sent before you review the changes.`),
            h('label', { for: 'pol-name' }, 'Name'), f.name,
            h('p', { class: 'hint' }, 'Vendor: ', code(p.vendor), ' (a policy’s vendor cannot change).'),
            ...(mock ? policyInputRows(f) : [
                h('label', { for: 'pol-rules' }, 'Match rules (JSON)'), rules,
                h('label', { class: 'check' }, f.enforce, ' Enforce: refuse to sign when attestation fails (off = audit: record and return the failure)'),
            ]),
            h('div', { class: 'actions' }, link('Cancel', `#/policies/${encodeURIComponent(p.id)}`), h('button', { type: 'submit', class: 'btn primary', id: 'policy-review' }, 'Review changes')));
        const editCard = card(null, form);
        form.addEventListener('submit', (e) => {
            e.preventDefault();
            clear(out);
            let b;
            let probs;
            if (mock) {
                b = readPolicyInputs(f, p.vendor);
                probs = policyProblems(b);
            } else {
                b = { name: f.name.value.trim(), vendor: p.vendor, matchRules: null, enforce: f.enforce.checked };
                probs = b.name ? [] : ['Give the policy a name.'];
                try {
                    b.matchRules = JSON.parse(rules.value);
                    if (b.matchRules === null || typeof b.matchRules !== 'object' || Array.isArray(b.matchRules)) probs.push('The match rules are a JSON object.');
                } catch (err) {
                    probs.push(`The match rules are not JSON: ${err.message}`);
                }
            }
            if (probs.length) {
                out.append(alertBox('error', 'Fix these before reviewing:', ...probs));
                return;
            }
            const diff = policyDiff(p, b);
            if (!diff.some((d) => d.changed)) {
                out.append(alertBox('info', 'Nothing changed.', `The form says what version ${n} says: there is nothing to save, and nothing was sent.`));
                out.firstChild.id = 'policy-nochange';
                return;
            }
            editCard.hidden = true;
            const msg = h('div', {});
            const save = button(`Save as version ${n + 1}`, async () => {
                save.disabled = true;
                try {
                    const np = (await call('PUT', policyPath(p.id), { json: b })).json;
                    goWithFlash(`/policies/${encodeURIComponent(np.id)}`, `Policy “${np.name}” saved as version ${np.version}.`,
                        `Keys bound to it follow version ${np.version} from now on; version ${n} stays readable.`);
                } catch (err) {
                    save.disabled = false;
                    clear(msg).append(errorBox(err, 'The policy was not saved'));
                }
            }, 'primary', { id: 'policy-save-version' });
            out.append(card('Review changes',
                h('p', {}, `Version ${n} → version ${n + 1}: lines removed are marked −, lines added +.`),
                diffView(diff),
                h('details', {}, h('summary', {}, 'JSON body (PUT)'), h('pre', { class: 'mono wrap' }, JSON.stringify(b, null, 2))),
                msg,
                h('div', { class: 'actions' }, button('Back to edit', () => { clear(out); editCard.hidden = false; }, 'secondary', { id: 'policy-back' }), save)));
        });
        clear(box).append(pageHeader(`Edit ${p.name}`, `${p.id} · version ${n}`), editCard, out);
    })();
    return box;
}

// Pin a stored policy (its newest version, or ?version=n): every field is shown and confirmed
// by the user against their own record, since the API is not trusted to say what the policy is.
function viewPin(q, id) {
    if (needSignIn()) return null;
    const box = h('div', {}, loading());
    const want = q.get('version');
    (async () => {
        let p;
        try {
            p = (await call('GET', policyPath(id, want))).json;
        } catch (err) {
            clear(box).append(errorBox(err, 'Cannot load the policy'));
            return;
        }
        const mr = p.matchRules ?? {};
        const roots = policyRoots(mr);
        const rows = [
            ['Vendor', code(p.vendor)],
            ...(mr.allowedImageHashes ?? []).map((x, i) => [`Allowed image ${i + 1}`, code(x)]),
            ...roots.map((k, i) => [roots.length > 1 ? `Root public key ${i + 1}` : 'Root public key', keyView(k)]),
            ['Max document age', code(mr.maxDocAgeSeconds !== undefined ? `${mr.maxDocAgeSeconds} s` : 'none')],
        ];
        const boxes = rows.map(() => h('input', { type: 'checkbox', class: 'pin-check' }));
        const msg = h('div', {});
        const pin = button('Pin this policy', () => {
            try {
                pinPolicy(JSON.stringify({ id: p.id, name: p.name, vendor: p.vendor, matchRules: mr }));
                state.verify.policySource = `stored policy ${p.name} (${p.id}) version ${p.version ?? 1}, reviewed field by field`;
                location.hash = '#/verify';
            } catch (err) {
                clear(msg).append(alertBox('error', 'This policy cannot be pinned.', err.message));
            }
        }, 'primary', { id: 'pin-confirm', disabled: true });
        boxes.forEach((b) => b.addEventListener('change', () => { pin.disabled = !boxes.every((x) => x.checked); }));
        clear(box).append(pageHeader(`Pin ${p.name}`, `Version ${p.version ?? 1}. Check each value against your own record (postq-enclave measure, your release notes), not against this page.`),
            card(null, h('div', { class: 'table-wrap' }, h('table', { class: 'list pin' }, h('tbody', {}, rows.map(([k, v], i) => h('tr', {}, h('th', {}, k), h('td', {}, v), h('td', {}, h('label', { class: 'check' }, boxes[i], ' matches'))))))),
            msg, h('div', { class: 'actions' }, link('Cancel', `#/policies/${encodeURIComponent(p.id)}${want ? `?version=${encodeURIComponent(want)}` : ''}`), pin)));
    })();
    return h('div', { class: 'narrow' }, box);
}

// ---- keys ----

function viewKeys() {
    return listView({
        title: 'Keys', sub: 'Hybrid ML-DSA + Ed25519 keys; enclave keys sign only under their policy.', path: '/v1/hybrid-keys', columns: keyCols,
        href: (k) => `#/keys/${encodeURIComponent(k.id)}`,
        empty: ['No keys yet.', 'Create a policy first, then a key bound to it.', link('Create a key', '#/keys/new', 'primary')],
        actions: [link('New key', '#/keys/new', 'primary', { id: 'new-key' })],
    });
}

function viewKeyNew(q) {
    if (needSignIn()) return null;
    const name = h('input', { id: 'key-name', type: 'text', placeholder: 'e.g. release-2026', autocomplete: 'off', required: true });
    const alg = h('select', { id: 'key-alg' }, ['mldsa65+ed25519', 'mldsa44+ed25519', 'mldsa87+ed448'].map((a) => h('option', { value: a }, a)));
    const prov = h('select', { id: 'key-provider' }, h('option', { value: 'enclave-mock' }, 'enclave-mock (in the enclave, attested)'), h('option', { value: 'software' }, 'software (sealed by the API server, no attestation)'));
    const pol = h('select', { id: 'key-policy' }, h('option', { value: '' }, 'Loading policies…'));
    const msg = h('div', {});
    (async () => {
        try {
            const pg = await page('/v1/attestation-policies', 100, null);
            clear(pol);
            if (pg.items.length === 0) {
                pol.append(h('option', { value: '' }, 'No policies: create one first'));
                msg.append(alertBox('info', 'An enclave key needs a policy.', 'Create a policy first, or choose the software provider.'));
            }
            for (const p of pg.items) pol.append(h('option', { value: p.id }, `${p.name} (${p.id})`));
            if (q.get('policy')) pol.value = q.get('policy');
        } catch (err) {
            clear(pol).append(h('option', { value: '' }, '—'));
            msg.append(errorBox(err, 'Cannot list policies'));
        }
    })();
    const polRow = h('div', { class: 'stack' }, h('label', { for: 'key-policy' }, 'Attestation policy'), pol);
    prov.addEventListener('change', () => { polRow.hidden = prov.value !== 'enclave-mock'; });
    const form = h('form', { class: 'stack', id: 'key-form' },
        h('label', { for: 'key-name' }, 'Name'), name,
        h('label', { for: 'key-alg' }, 'Algorithm'), alg,
        h('label', { for: 'key-provider' }, 'Provider'), prov,
        polRow, msg,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'key-create' }, 'Create key')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = { name: name.value.trim(), algorithm: alg.value, pqProvider: prov.value };
        if (!body.name) {
            clear(msg).append(alertBox('error', 'Give the key a name.', 'A name says what the key signs, e.g. release-2026.'));
            return;
        }
        if (prov.value === 'enclave-mock') {
            if (!pol.value) {
                clear(msg).append(alertBox('error', 'Choose a policy.', 'Enclave keys must be bound to an attestation policy.'));
                return;
            }
            body.attestationPolicyId = pol.value;
        }
        try {
            const k = (await call('POST', '/v1/hybrid-keys', { json: body })).json;
            goWithFlash(`/keys/${encodeURIComponent(k.id)}`, `Key “${k.name}” created.`,
                `Its id is ${k.id} (${k.algorithm}, ${k.pqProvider}). ${k.pqProvider === 'software' ? 'The API server holds its private half, sealed.' : 'Its private half never leaves the enclave.'} Next: sign a file with it.`);
        } catch (err) {
            clear(msg).append(errorBox(err, 'The key was not created'));
        }
    });
    return h('div', { class: 'narrow' }, pageHeader('New key', 'The enclave makes the key; its private half never leaves it.'), card(null, form));
}

// The version that signs: the newest enabled one (null: none, and sign calls are refused).
function signingVersion(k) {
    if (k.state === 'deleted' || !Array.isArray(k.versions)) return k.state === 'deleted' ? null : (k.version ?? k.keyVersion ?? 1);
    const on = k.versions.filter((v) => v.state === 'enabled').map((v) => v.version);
    return on.length ? Math.max(...on) : null;
}

function keyStateBadge(k) {
    if (k.state === 'deleted') return badge('deleted', 'bad');
    if (signingVersion(k) === null) return badge('no enabled version', 'warn');
    return badge('active', 'ok');
}

const VERSION_BADGE = { enabled: 'ok', disabled: 'warn', destroyed: 'muted' };

// The first 16 hex digits of the SHA-256 of a version's public key: enough to tell them apart.
function shortFingerprint(b64) {
    const raw = typeof b64 === 'string' ? SDK.fromBase64(b64) : null;
    return raw ? SDK.sha256Hex(raw).slice(0, 16) : '—';
}

function viewKey(q, id) {
    if (needSignIn()) return null;
    const head = h('div', {}, loading());
    const note = h('div', { id: 'key-note' });
    const body = h('div', {});
    const keyPath = `/v1/hybrid-keys/${encodeURIComponent(id)}`;

    // An admin action, then the page again with what it did (or the API's refusal).
    const act = async (what, method, path, done) => {
        clear(note);
        let r;
        try {
            r = (await call(method, path)).json;
        } catch (err) {
            note.append(errorBox(err, what));
            return;
        }
        await load();
        const ok = alertBox('ok', ...done(r));
        ok.id = 'key-done';
        clear(note).append(ok);
    };

    const load = async () => {
        let k;
        try {
            k = (await call('GET', keyPath)).json;
        } catch (err) {
            clear(head);
            clear(body).append(errorBox(err, 'Cannot load the key'), link('Back to keys', '#/keys'));
            return;
        }
        const deleted = k.state === 'deleted';
        const mayWrite = state.admin !== false && !deleted; // unknown: offered, and the API says 403 if not
        const raw = typeof k.publicKeyB64 === 'string' ? SDK.fromBase64(k.publicKeyB64) : null;
        let pem = null;
        try {
            pem = raw ? SDK.publicKeyPem(k.algorithm, raw) : null;
        } catch {
            pem = null; // an algorithm or size this page does not know: no PEM offered
        }
        const newest = k.version ?? k.keyVersion ?? 1;
        const signs = signingVersion(k);
        const fp = h('span', { id: 'key-fingerprint' }, raw ? SDK.sha256Hex(raw) : '—');
        const polCell = h('span', { id: 'key-policy-name' }, k.attestationPolicyId ? 'loading…' : 'none (no attestation)');
        const rotate = button('Rotate', () => act('Not rotated', 'POST', `${keyPath}/rotate`, (nk) => [
            `Key rotated: version ${nk.version} made.`,
            `Version ${nk.version} signs from now on (the newest enabled version); the older versions stay as they were, and their signatures still verify.`]),
        'secondary', { id: 'key-rotate' });
        const del = button('Delete key', async () => {
            const ok = await confirmDialog(`Delete key “${k.name}”?`, [
                `${k.id}: every version’s private key is destroyed and the key never signs again. This cannot be undone.`,
                'Its public keys and its signatures stay readable, so what it signed still verifies.',
                k.attestationPolicyId ? 'Its policy can then be deleted, once no other key that is not deleted is bound to it.' : null,
            ].filter(Boolean), 'Delete key');
            if (!ok) return;
            act('Not deleted', 'DELETE', keyPath, (dk) => [`Key “${dk.name}” deleted.`,
                `Every version is destroyed; its public keys and signatures stay readable.${dk.attestationPolicyId ? ' Its policy can now be deleted if no other key uses it.' : ''}`]);
        }, 'danger', { id: 'key-delete' });
        clear(head).append(pageHeader(k.name, k.id,
            deleted ? null : link('Sign a file', `#/sign?key=${encodeURIComponent(k.id)}`, 'primary', { id: 'key-sign' }),
            link('Signatures', `#/signatures?keyId=${encodeURIComponent(k.id)}`, 'secondary'),
            pem ? button('Download public key (PEM)', () => download(`${k.id}.pub`, pem, 'application/x-pem-file'), 'secondary', { id: 'key-download-pem' }) : null,
            button('Download public key (JSON)', () => download(`${k.id}.json`, `${JSON.stringify(k, null, 2)}\n`), 'secondary', { id: 'key-download' }),
            mayWrite ? rotate : null, mayWrite ? del : null));
        const versionRow = (v) => {
            const path = `${keyPath}/versions/${encodeURIComponent(v.version)}`;
            const acts = [];
            if (mayWrite && v.state === 'enabled') {
                acts.push(button('Disable', () => act(`Version ${v.version} not disabled`, 'POST', `${path}/disable`, () => [`Version ${v.version} disabled.`,
                    'It no longer signs (the newest enabled version does); its signatures still verify. Enable undoes it.']), 'secondary', { 'data-action': 'disable' }));
            }
            if (mayWrite && v.state === 'disabled') {
                acts.push(button('Enable', () => act(`Version ${v.version} not enabled`, 'POST', `${path}/enable`, () => [`Version ${v.version} enabled.`,
                    'It signs again when it is the newest enabled version.']), 'secondary', { 'data-action': 'enable' }));
            }
            if (mayWrite && v.state !== 'destroyed') {
                acts.push(button('Destroy', async () => {
                    const ok = await confirmDialog(`Destroy version ${v.version} of “${k.name}”?`, [
                        `Its private key is erased for good: version ${v.version} never signs again. This cannot be undone.`,
                        'Its public key stays, so its signatures still verify.',
                        v.version === signs ? (k.versions.some((x) => x.version !== v.version && x.state === 'enabled')
                            ? 'It is the version that signs now: the newest enabled version before it takes over.'
                            : 'It is the only enabled version: the key cannot sign until you rotate it.') : null,
                    ].filter(Boolean), `Destroy version ${v.version}`);
                    if (!ok) return;
                    act(`Version ${v.version} not destroyed`, 'POST', `${path}/destroy`, () => [`Version ${v.version} destroyed.`,
                        'Its private key is erased; its public key and signatures stay readable.']);
                }, 'danger', { 'data-action': 'destroy' }));
            }
            return h('tr', { 'data-version': String(v.version), 'data-state': v.state },
                h('td', { 'data-label': 'Version' }, String(v.version), v.version === signs ? [' ', badge('signs', 'ok')] : null),
                h('td', { 'data-label': 'State', class: 'v-state' }, badge(v.state, VERSION_BADGE[v.state] ?? 'muted')),
                h('td', { class: 'hide-sm' }, fmtTime(v.createdAt)),
                h('td', { 'data-label': 'Fingerprint' }, code(shortFingerprint(v.publicKeyB64))),
                h('td', { class: 'right' }, h('div', { class: 'actions end' }, acts)));
        };
        const versions = Array.isArray(k.versions) ? k.versions : [];
        clear(body).append(...[
            deleted ? alertBox('warn', `Deleted ${fmtTime(k.deletedAt)}.`, 'Every version is destroyed and the key never signs again. Its public keys and signatures stay readable, so what it signed still verifies.') : null,
            card('Key', fields([
                ['State', h('span', { id: 'key-state' }, keyStateBadge(k), deleted ? ` ${fmtTime(k.deletedAt)}` : null)],
                ['Algorithm', k.algorithm], ['Provider', k.pqProvider],
                ['Version', h('span', { id: 'key-version' }, String(newest), signs !== null && signs !== newest ? h('span', { class: 'muted' }, ` (version ${signs} signs)`) : null)],
                ['Policy', polCell],
                ['Created', fmtTime(k.createdAt)],
                ['Fingerprint (SHA-256)', h('div', {}, code(fp), h('p', { class: 'hint' }, `SHA-256 of the composite public key of version ${newest} (ML-DSA ‖ EdDSA): what an attestation document of this key claims as publicKeySha256.`))],
                ['Public key', h('details', {}, h('summary', {}, raw ? `${raw.length} bytes (version ${newest})` : 'not base64'), h('pre', { class: 'mono wrap' }, k.publicKeyB64))],
            ]), pem ? h('p', { class: 'hint' }, 'The PEM file is the newest version’s key as SubjectPublicKeyInfo with its composite OID — the same bytes as ', code(`postq key get ${k.id} --public-key-out key.pub`), ' — for ', code('postq verify --public-key'), '. The JSON file holds every version: a verifier takes the one a sign result names (keyVersion).') : null),
            versions.length ? card('Versions', h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'key-versions' },
                h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'State'), h('th', { class: 'hide-sm' }, 'Created'), h('th', {}, 'Fingerprint'), h('th', {}, ''))),
                h('tbody', {}, versions.map(versionRow)))),
            h('p', { class: 'hint' }, deleted ? 'A deleted key’s versions are all destroyed.'
                : 'The newest enabled version signs. Disable stops a version signing (Enable undoes it); Destroy erases its private key for good. Signatures of every version still verify. Fingerprint: the first 16 hex digits of the SHA-256 of the version’s public key.')) : null].filter(Boolean));
        if (k.attestationPolicyId) {
            const href = `#/policies/${encodeURIComponent(k.attestationPolicyId)}`;
            try {
                const p = (await call('GET', policyPath(k.attestationPolicyId))).json;
                clear(polCell).append(h('a', { href }, p.name), ' ', h('span', { class: 'muted' }, `(${p.id})`));
            } catch {
                clear(polCell).append(h('a', { href }, k.attestationPolicyId));
            }
        }
    };
    load();
    return h('div', {}, head, note, body);
}

// ---- signing ----

function viewSign(q) {
    if (needSignIn()) return null;
    const sel = h('select', { id: 'sign-key' }, h('option', { value: '' }, 'Loading keys…'));
    const msg = h('div', {});
    const out = h('div', {});
    let file = null;
    (async () => {
        try {
            const pg = await page('/v1/hybrid-keys', 100, null);
            const keys = pg.items.filter((k) => k.state !== 'deleted'); // a deleted key never signs
            clear(sel);
            if (keys.length === 0) {
                sel.append(h('option', { value: '' }, 'No keys: create one first'));
                msg.append(pg.items.length === 0 ? alertBox('info', 'No keys yet.', 'Create a key (bound to a policy) before signing.')
                    : alertBox('info', 'Every key is deleted.', 'A deleted key never signs again: create a key (bound to a policy) before signing.'));
            }
            for (const k of keys) {
                const off = signingVersion(k) === null;
                sel.append(h('option', { value: k.id, disabled: off }, `${k.name} — ${k.algorithm}, ${k.pqProvider} (${k.id})${off ? ' — no enabled version' : ''}`));
            }
            const want = q.get('key');
            if (want && keys.some((k) => k.id === want && signingVersion(k) !== null)) {
                sel.value = want;
            } else if (want) {
                sel.prepend(h('option', { value: '' }, 'Choose a key'));
                sel.value = '';
                const gone = pg.items.find((k) => k.id === want);
                msg.append(alertBox('info', `${gone ? `Key “${gone.name}”` : want} cannot sign.`,
                    gone?.state === 'deleted' ? 'It is deleted: choose another key.' : gone ? 'None of its versions is enabled: enable one on its page, or choose another key.' : 'It is not among your organisation’s keys: choose another.'));
            } else if (keys.length && !keys.some((k) => k.id === sel.value)) {
                sel.prepend(h('option', { value: '' }, 'Choose a key'));
                sel.value = '';
            }
        } catch (err) {
            msg.append(errorBox(err, 'Cannot list keys'));
        }
    })();
    const go = button('Sign', async () => {
        clear(msg);
        if (!sel.value) return msg.append(alertBox('error', 'Choose a key.', 'Create one under Keys if the list is empty.'));
        if (!file) return msg.append(alertBox('error', 'Choose a file to sign.', 'Drop it on the box or click the box to pick it.'));
        go.disabled = true;
        go.textContent = 'Signing…';
        try {
            const bytes = await readFile(file, false);
            const r = await call('POST', `/v1/sign?keyId=${encodeURIComponent(sel.value)}`, { bytes });
            showSigned(out, r.json, r.text, bytes, file.name);
        } catch (err) {
            msg.append(errorBox(err, 'Not signed'));
        } finally {
            go.disabled = false;
            go.textContent = 'Sign';
        }
    }, 'primary', { id: 'sign-go' });
    return h('div', { class: 'narrow' }, pageHeader('Sign a file', 'The file is sent to this server (up to 64 MiB) and signed in the enclave.'),
        card(null, h('div', { class: 'stack' }, h('label', { for: 'sign-key' }, 'Key'), sel,
            dropZone('sign-file', 'File to sign', 'Drop a file here or click to choose', (f) => { file = f; }),
            msg, h('div', { class: 'actions' }, go))), out);
}

function showSigned(out, s, text, payload, payloadName) {
    const a = s.attestation;
    const done = alertBox('ok', `Signed: signature ${s.id} stored.`, a ? `The API says the enclave’s attestation ${a.verdict === 'pass' ? 'passed' : `failed (${a.reason})`} its policy. Don’t take its word: verify it yourself in the browser.` : 'Software key: there is no attestation to verify.');
    done.id = 'sign-confirm';
    clear(out).append(card('Signed', done,
        fields([['Signature', code(s.id)], ['Key', code(s.keyId)], ['Key version', String(s.keyVersion ?? 1)], ['Algorithm', s.algorithm],
            s.policyId ? ['Policy', policyRef(s)] : null, ['Payload SHA-256', code(s.payloadSha256)], a ? ['Enclave counter', String(a.counter)] : null,
            logRow(s)]),
        h('div', { class: 'actions' },
            button('Download sign result (JSON)', () => download(`${s.id}.json`, text), 'secondary', { id: 'sign-download' }),
            a ? button('Verify in the browser', () => {
                loadSignResult(text, `sign result ${s.id} (just signed)`);
                state.verify.payload = payload;
                state.verify.payloadName = payloadName;
                location.hash = '#/verify';
            }, 'primary', { id: 'sign-verify' }) : null)));
}

// Where the API says a sign result is in the transparency log (the Verify page checks it).
function logRow(s) {
    const t = s.transparency;
    if (!t || typeof t.checkpoint !== 'string') return null;
    const size = t.checkpoint.split('\n')[1];
    return ['Transparency log', h('span', { id: 'sig-log' }, `entry ${t.logIndex}, in a checkpoint of ${size} entries (verify it on the Verify page)`)];
}

// ---- signatures ----

// The policy version that admitted a sign result, linked to that version.
function policyRef(s) {
    const v = s.policyVersion ?? 1;
    return [h('a', { href: `#/policies/${encodeURIComponent(s.policyId)}?version=${encodeURIComponent(v)}`, id: 'sig-policy-link' }, s.policyId), ` version ${v}`];
}

function viewSignatures(q) {
    const keyId = q.get('keyId');
    return listView({
        title: 'Signatures', sub: keyId ? `Made with ${keyId}.` : 'Every stored sign result of your organisation.', path: '/v1/signatures', extra: keyId ? { keyId } : {},
        columns: sigCols, href: (s) => `#/signatures/${encodeURIComponent(s.id)}`,
        empty: ['No signatures yet.', 'Sign a file and its sign result appears here.', link('Sign a file', '#/sign', 'primary')],
        actions: [link('Sign a file', '#/sign', 'primary')],
    });
}

function viewSignature(q, id) {
    if (needSignIn()) return null;
    const box = h('div', {}, loading());
    (async () => {
        let r;
        try {
            r = await call('GET', `/v1/signatures/${encodeURIComponent(id)}`);
        } catch (err) {
            clear(box).append(errorBox(err, 'Cannot load the signature'), link('Back to signatures', '#/signatures'));
            return;
        }
        const s = r.json;
        const a = s.attestation;
        clear(box).append(pageHeader('Signature', s.id,
            button('Download sign result (JSON)', () => download(`${s.id}.json`, r.text), 'secondary', { id: 'sig-download' }),
            a ? button('Verify in the browser', () => { loadSignResult(r.text, `stored signature ${s.id}`); state.verify.payload = null; state.verify.payloadName = ''; location.hash = '#/verify'; }, 'primary', { id: 'sig-verify' }) : null),
        card('Sign result', fields([
            ['Key', h('a', { href: `#/keys/${encodeURIComponent(s.keyId)}` }, s.keyId)], ['Key version', h('span', { id: 'sig-key-version' }, String(s.keyVersion ?? 1))], ['Algorithm', s.algorithm],
            s.policyId ? ['Policy', h('span', { id: 'sig-policy' }, policyRef(s))] : null,
            ['Payload SHA-256', code(s.payloadSha256)], ['Created', fmtTime(s.createdAt)], logRow(s),
            ['Signature', h('details', {}, h('summary', {}, `${Math.floor((s.signatureB64.length * 3) / 4)} bytes`), h('pre', { class: 'mono wrap' }, s.signatureB64))],
        ])),
        a ? card('Attestation (as the API reports it)', fields([
            ['Vendor', a.vendor], ['Image hash', code(a.imageHash)], ['Counter', String(a.counter)],
            ['API verdict', badge(a.verdict, a.verdict === 'pass' ? 'ok' : 'bad')], a.reason ? ['Reason', a.reason] : null,
        ]), h('p', { class: 'hint' }, 'Don’t take the API’s word for it: verify the document in your browser against your own policy.')) : card('Attestation', h('p', {}, 'None: this key is not held in an enclave.')));
    })();
    return box;
}

// ---- verification ----
// Everything here runs in the browser with @postq/sdk (postq-sdk.js, served by the API): the
// checks, reason codes and details of `postq verify` / `postq attest verify`, the composite
// ML-DSA + EdDSA signature included. Nothing the API says is trusted: the policy is the one
// the user pins, and a public key the page fetches is only used once the document signed by
// the pinned root vouches for it (key_mismatch).

// Pin a policy (its JSON text): refused in the CLI's words when it cannot be used.
function pinPolicy(text) {
    const pol = SDK.readPolicy(text);
    state.verify.policy = pol;
    state.verify.policyText = text;
}

function loadSignResult(text, source) {
    const sr = SDK.readSignResult(text);
    if (sr.attestation === null) {
        throw new SDK.InvalidInputError('attestation: missing (a key of a non-enclave provider has no attestation to verify)');
    }
    state.verify.sr = sr;
    state.verify.srText = text;
    state.verify.srSource = source;
}

function viewVerify() {
    const v = state.verify;
    const results = h('div', { id: 'verify-results' });

    // 1. the pinned policy
    const polStatus = h('div', {});
    const polText = h('textarea', { id: 'verify-policy', rows: 6, class: 'mono', spellcheck: 'false', placeholder: '{"vendor":"mock","matchRules":{…}}' });
    const showPolicy = () => {
        clear(polStatus);
        if (!v.policy) return;
        const r = v.policy.rules;
        polStatus.append(alertBox('ok', `Pinned: ${v.policySource}`), fields(v.policy.vendor === 'mock' ? [
            ['Vendor', v.policy.vendor],
            ['Allowed images', h('ul', { class: 'plain' }, v.policy.images.map((x) => h('li', {}, code(x))))],
            [v.policy.roots.length > 1 ? 'Root public keys' : 'Root public key', rootList(v.policy.roots.map((r) => SDK.toBase64(r.key)))],
            ['Max document age', v.policy.maxAgeSeconds > 0 ? `${v.policy.maxAgeSeconds} s` : 'none'],
        ] : [
            ['Vendor', v.policy.vendor],
            ...Object.keys(r).filter((k) => k !== 'jwks').map((k) => [k, code(JSON.stringify(r[k]))]),
            r.jwks ? ['Signing keys (jwks)', (r.jwks.keys ?? []).map((k) => k.kid).join(', ')] : null,
        ].filter(Boolean)));
    };
    const pinText = (text, source) => {
        try {
            pinPolicy(text);
            v.policySource = source;
            showPolicy();
        } catch (err) {
            v.policy = null;
            clear(polStatus).append(alertBox('error', 'This policy cannot be pinned.', err.message, 'Use the policy.json you keep (postq policy get ID -o policy.json, checked against postq-enclave measure).'));
        }
    };
    const polCard = card('1. Your pinned policy',
        h('p', { class: 'hint' }, 'The policy you trust, from your own records: it decides which root key and images are accepted. Paste or upload policy.json, or ', h('a', { href: '#/policies' }, 'review a stored one field by field'), '.'),
        h('label', { for: 'verify-policy', class: 'field-label' }, 'policy.json (paste here, then Pin)'), polText,
        h('div', { class: 'actions' }, button('Pin pasted policy', () => pinText(polText.value, 'pasted policy.json'), 'secondary', { id: 'verify-pin' }),
            dropZone('verify-policy-file', 'Upload policy.json', 'or drop it here', async (f) => pinText(await readFile(f, true), `file ${f.name}`), '.json,application/json')),
        polStatus);

    // 2. the sign result
    const srStatus = h('div', {});
    const srText = h('textarea', { id: 'verify-sr', rows: 6, class: 'mono', spellcheck: 'false', placeholder: '{"id":"sig_…","attestation":{"docB64":"…"}, …}' });
    const showSr = () => {
        clear(srStatus);
        if (!v.sr) return;
        srStatus.append(alertBox('ok', `Loaded: ${v.srSource}`), fields([['Key', code(v.sr.keyId)], ['Key version', String(v.sr.keyVersion ?? 1n)], ['Algorithm', v.sr.algorithm], ['Payload SHA-256', code(v.sr.payloadSha256)], ['Vendor (declared)', v.sr.attestation.vendor],
            ['Created', v.sr.createdAtMs !== null ? `${SDK.stamp(v.sr.createdAtMs)} (the default “check at”)` : 'not given (the default “check at” is now)']]));
    };
    const takeSr = (text, source) => {
        try {
            loadSignResult(text, source);
            showSr();
        } catch (err) {
            v.sr = null;
            clear(srStatus).append(alertBox('error', 'This is not a sign result the dashboard can check.', err.message, 'Use the JSON that POST /v1/sign or postq sign -o wrote.'));
        }
    };
    const srCard = card('2. The sign result',
        h('p', { class: 'hint' }, 'The JSON returned when the file was signed (it carries the enclave’s attestation document).'),
        h('label', { for: 'verify-sr', class: 'field-label' }, 'Sign result JSON (paste here, then Use)'), srText,
        h('div', { class: 'actions' }, button('Use pasted sign result', () => takeSr(srText.value, 'pasted sign result'), 'secondary', { id: 'verify-sr-use' }),
            dropZone('verify-sr-file', 'Upload sig.json', 'or drop it here', async (f) => takeSr(await readFile(f, true), `file ${f.name}`), '.json,application/json')),
        srStatus);

    // 3. the payload, the key, and "now"
    const keyHint = () => (v.publicKey ? `Public key: ${v.publicKeyName}`
        : session.key() ? 'No key file: the key’s public key is fetched from the API when you verify, and used only if the attested document vouches for it (key_mismatch).'
            : 'No public key: add the key’s JSON or PEM to check the composite signature (or sign in, and it is fetched).');
    const keyStatus = h('p', { class: 'muted', id: 'verify-key-status' }, keyHint());
    const keyZone = dropZone('verify-key', 'The public key (optional)', 'The key’s JSON (Download public key) or its PEM (key.pub)', async (f) => {
        try {
            const text = await readFile(f, true);
            v.publicKey = SDK.readPublicKey(text);
            v.publicKeyText = text; // a key JSON with versions: the sign result's keyVersion picks one
            let id = '';
            try { id = JSON.parse(text).id ?? ''; } catch { /* PEM */ }
            v.publicKeyName = `${f.name}${id ? ` (${id})` : ''}`;
            keyStatus.textContent = keyHint();
            keyClear.disabled = false;
        } catch (err) {
            v.publicKey = null;
            v.publicKeyText = '';
            keyStatus.textContent = `${err.message}. Use the JSON or PEM a key’s page downloads.`;
        }
    }, '.json,.pub,.pem,application/json');
    const keyClear = button('Forget this key', () => {
        v.publicKey = null;
        v.publicKeyText = '';
        v.publicKeyName = '';
        keyStatus.textContent = keyHint();
        keyClear.disabled = true;
    }, 'secondary', { id: 'verify-key-clear', disabled: !v.publicKey });
    const payStatus = h('p', { class: 'muted' }, v.payload ? `Payload: ${v.payloadName} (${v.payload.length.toLocaleString()} bytes)` : 'No payload: payloadSha256 and the signature will not be checked.');
    const at = h('input', { id: 'verify-at', type: 'datetime-local', step: 1, 'aria-describedby': 'verify-at-hint' });
    const payCard = card('3. The signed file (and the key)',
        dropZone('verify-payload', 'The file that was signed', v.payload ? `${v.payloadName} (prefilled)` : 'Drop it here or click to choose', async (f) => {
            v.payload = await readFile(f, false);
            v.payloadName = f.name;
            payStatus.textContent = `Payload: ${f.name} (${v.payload.length.toLocaleString()} bytes)`;
        }),
        payStatus, keyZone, h('div', { class: 'actions' }, keyStatus, keyClear),
        h('label', { for: 'verify-at', class: 'field-label' }, 'Check at (UTC, optional)'),
        h('div', { class: 'with-unit' }, at, h('span', { class: 'unit' }, 'UTC')),
        h('p', { class: 'hint', id: 'verify-at-hint' }, 'Empty: the sign result’s createdAt — when the API accepted it — so a signature verifies the same way a year later (as postq attest verify without --at; now when the sign result has no createdAt). A time here is like --at. Either way, a document or createdAt later than this computer’s clock + 60 s is refused.'));

    // 4. the transparency log's key
    const logKey = h('input', { type: 'text', id: 'verify-log-key', class: 'mono', spellcheck: 'false', autocomplete: 'off', value: v.logKey,
        placeholder: 'postq-log+1a2b3c4d+AQ…', 'aria-describedby': 'verify-log-key-status' });
    const logStatus = h('p', { class: 'muted', id: 'verify-log-key-status' });
    const logHint = () => {
        logStatus.textContent = v.logKeySource === 'server'
            ? 'This server’s key (GET /v1/log). Fetched from the server you are checking, it shows only that its log agrees with itself: paste the key you keep to pin it.'
            : v.logKeySource === 'pinned' ? `Pinned: the key you gave${serverHas(v.logKey) ? ' (this server gives it too)' : ''}. A sign result without a log proof is then rejected (log_proof_invalid).`
                : session.key() ? 'No log key: the log is not checked.' : 'No log key: the log is not checked. Paste the log’s key, or sign in to use this server’s.';
    };
    const fromServer = button('Use this server’s key', async () => {
        const l = await serverLog();
        if (!l) {
            logStatus.textContent = 'This server did not give its log key (sign in, or paste the key you keep).';
            return;
        }
        v.logKey = l.verifierKey;
        v.logKeySource = 'server';
        logKey.value = v.logKey;
        logHint();
    }, 'secondary', { id: 'verify-log-server' });
    // Whatever the user types or pastes is pinned by them, whoever else gives the same key.
    logKey.addEventListener('input', () => {
        v.logKey = logKey.value.trim();
        v.logKeySource = v.logKey === '' ? '' : 'pinned';
        logHint();
    });
    logHint();
    // Prefilled with this server's key (once per API key), unless the user set one.
    if (!v.logKey && session.key()) {
        serverLog().then((l) => {
            if (!l || v.logKey) return;
            v.logKey = l.verifierKey;
            v.logKeySource = 'server';
            logKey.value = v.logKey;
            logHint();
        });
    }
    const logCard = card('4. The transparency log (optional)',
        h('p', { class: 'hint' }, 'Every stored signature is an entry of your organisation’s append-only log. The sign result carries the log’s signed checkpoint and a proof that its entry — rebuilt here from the sign result and the key — is in it; checked last, under the log’s verifier key (Ed25519 or ML-DSA-65 + Ed25519).'),
        h('label', { for: 'verify-log-key', class: 'field-label' }, 'Log verifier key (name+key ID+key)'), logKey,
        h('div', { class: 'actions' }, logStatus, session.key() ? fromServer : null));

    const go = button('Verify', async () => {
        clear(results);
        if (!v.policy) return results.append(alertBox('error', 'Pin a policy first (step 1).', 'Verification is only as good as the policy you pin.'));
        if (!v.sr) return results.append(alertBox('error', 'Load a sign result first (step 2).', 'Paste or upload the sign result JSON.'));
        let atMs = null;
        if (at.value) {
            atMs = utcInput(at.value);
            if (atMs === null) return results.append(alertBox('error', '“Check at” is not a time.', 'Pick a date and time (UTC), or clear the field to check at the sign result’s createdAt.'));
        }
        try {
            const version = v.sr.keyVersion ?? 1n;
            const key = v.publicKey ? { key: SDK.readPublicKey(v.publicKeyText || v.publicKey, version), source: v.publicKeyName } : await apiKeyOf(v.sr.keyId, version);
            const common = { signResult: v.srText, policy: v.policyText, at: atMs ?? undefined };
            const log = logPlan(v, key);
            const t0 = performance.now();
            const r = key && v.payload
                ? await SDK.verifySignResult({ ...common, payload: v.payload, publicKey: key.key, logKey: log.key ?? undefined })
                : await SDK.verifyAttestationDoc({ ...common, payload: v.payload ?? undefined, publicKey: key?.key });
            const ms = performance.now() - t0;
            const source = atMs !== null ? 'check-at' : v.sr.createdAtMs !== null ? 'createdAt' : 'clock';
            showReport(results, report(r, v, key, source, log), v, key, ms);
        } catch (err) {
            results.append(alertBox('error', 'Verification could not run.', err.message));
        }
    }, 'primary big', { id: 'verify-go' });

    showPolicy();
    showSr();
    return h('div', {}, pageHeader('Verify a signature', 'Checked here, in your browser, against the policy you pin — nothing the API says is trusted.'),
        h('div', { class: 'grid2' }, polCard, srCard), payCard, logCard,
        h('div', { class: 'actions center' }, go), results, compositeNote());
}

// Whether key is one of the log keys this server gave (GET /v1/log, if fetched).
function serverHas(key) {
    const i = state.log?.key === session.key() ? state.log.info : null;
    return i !== null && [i.verifierKey, i.compositeVerifierKey].includes(key.trim());
}

// GET /v1/log (origin, verifier keys, latest checkpoint), fetched once per API key; null when
// not signed in or it cannot be had.
async function serverLog() {
    const k = session.key();
    if (!k) return null;
    if (state.log?.key === k) return state.log.info;
    try {
        const info = (await call('GET', '/v1/log')).json;
        if (!info || typeof info.verifierKey !== 'string') return null;
        state.log = { key: k, info };
        return info;
    } catch {
        return null;
    }
}

// Whether the log is checked, and with which key: {key, source} or {key: null, why}. The log is
// checked after the composite signature, so only with the key and the file. With this server's
// key a sign result without a log proof (one made before the log, say) is reported, not
// rejected; with a key the user pinned it is rejected (log_proof_invalid). A malformed key or
// transparency member throws in the SDK's words.
function logPlan(v, key) {
    if (!v.logKey) return { key: null, why: 'no log key (step 4)' };
    SDK.readLogKey(v.logKey);
    if (!key || !v.payload) return { key: null, why: 'it is checked after the composite signature: add the signed file (and the key)' };
    if (SDK.readTransparency(v.srText) === null && v.logKeySource !== 'pinned') {
        return { key: null, why: 'this sign result carries no proof that it is in the log (made before the log existed, or edited); pin the log’s key in step 4 to require one' };
    }
    return { key: v.logKey, source: v.logKeySource };
}

// The key's public key from the API, when signed in: {key, source}, or null. It proves nothing
// by itself; the document's publicKeySha256 (signed by the pinned root) decides.
// A key with versions gives the public key of the sign result's keyVersion.
async function apiKeyOf(keyId, version) {
    if (!session.key()) return null;
    try {
        const r = await call('GET', `/v1/hybrid-keys/${encodeURIComponent(keyId)}`);
        return { key: SDK.readPublicKey(r.text, version), source: `${keyId} from the API (vouched for by the document’s publicKeySha256)` };
    } catch {
        return null;
    }
}

// A datetime-local value ("2026-12-04T10:00" or with seconds) read as UTC, as the label says;
// ms since the epoch or null.
function utcInput(value) {
    return SDK.parseTime(/T[0-9]{2}:[0-9]{2}$/.test(value) ? `${value}:00Z` : `${value}Z`);
}

// The commands that check the same offline, with the CLI.
function verifyCommands(keyId, payloadName) {
    return h('pre', { class: 'mono', id: 'verify-command' },
        `postq key get ${keyId || 'KEY_ID'} --public-key-out key.pub\npostq verify --public-key key.pub --sign-result sig.json --payload ${payloadName || 'FILE'} --policy policy.json`);
}

function compositeNote() {
    return alertBox('info', 'What the browser checks',
        'Every check of postq verify, in its order and words: the enclave’s attestation document under your pinned root, its bindings to your file, the signature and the public key, and the composite ML-DSA + EdDSA signature itself (with @postq/sdk, served by this API; nothing is sent anywhere). The same, offline, with the CLI:',
        verifyCommands('', ''));
}

const AT_SOURCE = { 'check-at': 'the “check at” time', createdAt: 'the sign result’s createdAt', clock: 'this computer’s clock: the sign result has no createdAt' };

// The SDK's verdict as the page's table: every check of docs/verification.md with its status
// ('pass', 'fail', 'not-run' after a failure, 'not-checked' with why); the log's checks when
// they were asked for.
function report(r, v, key, source, log) {
    const ran = new Map(r.checks.map((c) => [c.check, c.result]));
    const why = {
        doc_stale: 'the policy sets no maxDocAgeSeconds',
        payload_hash_mismatch: 'no payload given: drop the signed file in to check it',
        key_mismatch: 'no public key: add the key’s JSON or PEM, or sign in',
        signature_invalid: !key ? 'no public key: add the key’s JSON or PEM, or sign in' : 'no payload given: drop the signed file in to check it',
    };
    const list = [...(v.policy.vendor === 'mock' ? SDK.VENDOR_CHECKS.mock : SDK.VENDOR_CHECKS.hardware), ...(log.key ? SDK.LOG_CHECKS : [])];
    const failedAt = r.ok ? list.length : list.indexOf(r.reason);
    const checks = list.map((code) => [code, SDK.CHECKS[code]]).map(([code, what], i) => {
        const st = ran.get(code);
        if (st === 'pass' || st === 'fail') return { code, what, status: st, detail: st === 'fail' ? r.detail : '' };
        if (i > failedAt) return { code, what, status: 'not-run', detail: '' };
        return { code, what, status: 'not-checked', detail: why[code] ?? '' };
    });
    return { verdict: r.ok ? 'pass' : 'fail', reason: r.reason, detail: r.detail, checks, claims: r.claims, at: r.at, source, log, included: r.log };
}

// The verdict's line about the transparency log.
function logLine(r) {
    const l = r.log;
    const whose = l.source === 'pinned' ? 'the key you pinned' : 'this server’s key: pin the one you keep to prove more';
    let text;
    if (!l.key) {
        text = `Transparency log: not checked — ${l.why}.`;
    } else if (r.included) {
        const i = r.included;
        text = `Transparency log: included — entry ${i.logIndex} of the checkpoint of ${i.treeSize} entries of ${i.origin}, signed by ${i.key} (${whose}).`;
    } else if (SDK.LOG_CHECKS.includes(r.reason)) {
        text = `Transparency log: not included — ${r.reason}, under ${l.key.split('+').slice(0, 2).join('+')} (${whose}).`;
    } else {
        text = 'Transparency log: not checked — an earlier check failed.';
    }
    return h('p', { id: 'verify-log', class: r.included ? '' : 'muted' }, text);
}

function showReport(el, r, v, key, ms) {
    const icon = { pass: '✓', fail: '✗', 'not-run': '·', 'not-checked': '–' };
    const label = { pass: 'passed', fail: 'failed', 'not-run': 'not run', 'not-checked': 'not checked' };
    const passed = r.checks.filter((c) => c.status === 'pass');
    const unchecked = r.checks.filter((c) => c.status === 'not-checked' && c.code !== 'doc_stale');
    const c = r.claims;
    const when = `${r.at} (${AT_SOURCE[r.source]})`;
    const sigChecked = r.checks.some((x) => x.code === 'signature_invalid' && x.status === 'pass');
    const took = h('p', { class: 'muted small', id: 'verify-time' }, `Checked in this browser in ${ms.toFixed(0)} ms${key ? `; public key: ${key.source}` : ''}.`);
    let banner;
    if (r.verdict === 'pass' && sigChecked) {
        banner = h('div', { class: 'verdict pass', id: 'verdict', role: 'status' }, h('div', { class: 'verdict-icon' }, '✓'), h('div', {},
            h('strong', {}, 'Verified'),
            h('p', {}, `${c.algorithm} signature by ${c.keyId} over ${v.payloadName || 'the file'}, composite signature checked, made in an attested enclave allowed by your policy, checked at ${when}.`),
            h('p', { class: 'mono small' }, `checks ${passed.length} passed: ${passed.map((x) => x.code).join(' ')}`), logLine(r), took));
    } else if (r.verdict === 'pass') {
        // The attestation holds, but without the key or the file the signature is not checked: not green.
        banner = h('div', { class: 'verdict partial', id: 'verdict', role: 'status' }, h('div', { class: 'verdict-icon' }, '!'), h('div', {},
            h('strong', {}, 'Attestation verified, signature not checked'),
            h('p', {}, c.keyId !== undefined
                ? `The enclave’s attestation document is signed by your pinned root, from an allowed image, fresh at ${when}, and vouches for this sign result: ${c.keyId} (${c.algorithm}), counter ${c.counter}.`
                : `The ${c.vendor} attestation document is signed by the key your policy pins, its measurements and claims are allowed, fresh at ${when}.`),
            h('p', {}, `Not checked: ${unchecked.map((x) => `${x.code} (${x.detail})`).join(', ')}. Add what is missing above, or check with the CLI:`),
            verifyCommands(c.keyId ?? v.sr.keyId, v.payloadName),
            h('p', { class: 'mono small' }, `checks ${passed.length} passed: ${passed.map((x) => x.code).join(' ')}`), logLine(r), took));
    } else {
        banner = h('div', { class: 'verdict fail', id: 'verdict', role: 'alert' }, h('div', { class: 'verdict-icon' }, '✗'), h('div', {},
            h('strong', {}, 'Rejected'),
            h('p', { class: 'mono', id: 'verdict-reason' }, `rejected: ${r.reason}: ${r.detail}`),
            h('p', { id: 'verdict-at' }, `Checked at ${when}.`),
            r.reason === 'doc_stale' && r.source === 'check-at' ? h('p', {}, 'Clear “Check at” to check it as of when the API accepted it (its createdAt), like postq attest verify without --at.') : null,
            r.reason === 'doc_stale' && r.source !== 'check-at' ? h('p', {}, 'The document is older than the policy allows at the time the API accepted it: the sign result was not made with this document, or the policy’s maxDocAgeSeconds is too tight.') : null,
            r.reason === 'doc_from_future' ? h('p', {}, 'A document or createdAt from the future: this computer’s clock is behind, or the sign result was altered.') : null,
            r.reason === 'result_mismatch' ? h('p', {}, 'The sign result says something the enclave did not sign: it was edited after the fact. Use the sign result exactly as the API returned it.') : null,
            r.reason === 'payload_hash_mismatch' ? h('p', {}, 'The file you dropped in is not the one that was signed.') : null,
            r.reason === 'signature_invalid' ? h('p', {}, 'The composite signature does not verify under the key: the signature or the key was altered.') : null,
            r.reason === 'doc_signature_invalid' ? h('p', {}, 'The document was not signed by the root key you pinned: it was altered, or your policy pins another enclave.') : null,
            r.reason === 'log_checkpoint_invalid' ? h('p', {}, 'The log checkpoint it carries is not signed by the log key you gave, or is of another log: the key is another organisation’s or server’s, or the checkpoint was altered.') : null,
            r.reason === 'log_proof_invalid' ? h('p', {}, 'This sign result is not the one the log holds at its index: a field was edited after the fact (createdAt, id, …), or the proof was altered or is missing.') : null,
            logLine(r), took));
    }
    const table = h('table', { class: 'checks', id: 'checks' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Reason code'), h('th', { class: 'hide-sm' }, 'Check'), h('th', {}, 'Result'))),
        h('tbody', {}, r.checks.map((x) => h('tr', { class: `st-${x.status}`, 'data-code': x.code },
            h('td', { class: 'st' }, icon[x.status]), h('td', {}, code(x.code)), h('td', { class: 'hide-sm' }, x.what),
            h('td', {}, h('span', { class: 'st-label' }, label[x.status]), x.detail ? h('div', { class: 'detail' }, x.detail) : null)))));
    el.append(card(null, banner, h('div', { class: 'table-wrap' }, table),
        c ? h('details', {}, h('summary', {}, 'Document claims'), fields([
            ['Vendor', c.vendor], ['Module', code(c.moduleId ?? '—')], [c.vendor === 'mock' ? 'Image hash' : 'Measurement', code(c.imageHash ?? '—')],
            ['Key', c.keyId !== undefined ? `${c.keyId} (${c.algorithm})` : '—'],
            ['Public key SHA-256', code(c.publicKeySha256 ?? '—')], ['Payload SHA-256', code(c.payloadSha256 ?? '—')], ['Signature SHA-256', code(c.sigSha256 ?? '—')],
            ['Counter', c.counter !== undefined ? String(c.counter) : '—'], ['Signed at', c.signedAt ?? '—'],
        ])) : null,
        r.included ? h('details', {}, h('summary', {}, 'Log entry (rebuilt here from the sign result and the key)'), h('pre', { class: 'mono wrap small', id: 'verify-log-entry' }, r.included.entry)) : null));
    el.scrollIntoView({ behavior: 'instant', block: 'start' });
}

// ---- API keys (admins) ----

const ROLES = [
    ['signer', 'signer — signs files, reads everything (a CI pipeline)'],
    ['viewer', 'viewer — reads policies, keys and signatures'],
    ['admin', 'admin — everything, including policies, keys and API keys'],
];

// The id of the API key this tab is signed in with (tokens are pqk_<id>_<secret>).
function ownKeyId() {
    const m = /^pqk_(ak_[0-9A-Za-z]+)_/.exec(session.key() ?? '');
    return m ? m[1] : '';
}

// Find out once per API key whether it is an admin's: only admins may list API keys.
async function probeAdmin() {
    const key = session.key();
    if (!key || state.adminFor === key) return;
    state.adminFor = key;
    try {
        await call('GET', '/v1/api-keys?limit=1');
        state.admin = true;
    } catch (err) {
        state.admin = err instanceof ApiError && err.status === 403 ? false : null;
        if (state.admin === null) state.adminFor = null; // ask again on the next page
    }
    if (session.key() === key) renderNav(currentPath());
}

// A modal question; resolves true when the user confirms.
function confirmDialog(title, lines, yes) {
    return new Promise((resolve) => {
        const dlg = h('dialog', { class: 'confirm', id: 'confirm-dialog', 'aria-labelledby': 'confirm-title' });
        const done = (ok) => {
            dlg.close();
            dlg.remove();
            resolve(ok);
        };
        dlg.append(h('h2', { id: 'confirm-title' }, title), ...lines.map((l) => h('p', {}, l)),
            h('div', { class: 'actions end' }, button('Cancel', () => done(false), 'secondary', { id: 'confirm-cancel' }),
                button(yes, () => done(true), 'danger solid', { id: 'confirm-yes' })));
        dlg.addEventListener('cancel', (e) => {
            e.preventDefault();
            done(false);
        });
        document.body.append(dlg);
        dlg.showModal();
    });
}

function viewApiKeys() {
    if (needSignIn()) return null;
    const me = ownKeyId();
    const created = h('div', { id: 'ak-created' });
    const listMsg = h('div', {});
    const listBox = h('div', {}, loading());
    const formCard = h('div', {});
    const root = h('div', {}, pageHeader('API keys', 'Who may call the API for your organisation. Tokens are stored hashed and shown only once.'), created, formCard, card('Keys of your organisation', listMsg, listBox));
    const stack = [null];

    const load = async () => {
        clear(listBox).append(loading());
        let pg;
        try {
            pg = await page('/v1/api-keys', PAGE, stack[stack.length - 1]);
        } catch (err) {
            clear(listBox);
            if (err instanceof ApiError && err.status === 403) {
                state.admin = false;
                renderNav(currentPath());
                clear(formCard);
                listBox.append(alertBox('info', 'Only admins manage API keys.', 'Your API key’s role does not allow it (the API answered 403). Ask an admin of your organisation for a key, or to create one for you.'));
                listBox.id = 'ak-forbidden';
                return;
            }
            listBox.append(errorBox(err, 'Cannot list API keys'));
            return;
        }
        clear(listBox);
        const rows = pg.items.map((k) => {
            const del = button('Delete', async () => {
                const mine = k.id === me;
                const ok = await confirmDialog(`Delete API key “${k.name}”?`, [
                    `${k.id} (${k.role}). Anything that uses it is refused from now on; this cannot be undone.`,
                    mine ? 'This is the key you are signed in with: you will be signed out.' : null,
                ].filter(Boolean), 'Delete API key');
                if (!ok) return;
                try {
                    await call('DELETE', `/v1/api-keys/${encodeURIComponent(k.id)}`);
                } catch (err) {
                    clear(listMsg).append(errorBox(err, 'Not deleted'));
                    return;
                }
                if (mine) {
                    session.clear();
                    state.cursors = {};
                    location.hash = '#/signin';
                    return;
                }
                clear(listMsg).append(alertBox('ok', `API key “${k.name}” deleted.`, `${k.id} no longer works.`));
                listMsg.firstChild.id = 'ak-deleted';
                load();
            }, 'danger', { 'data-delete': k.id, 'aria-label': `Delete API key ${k.name}` });
            return h('tr', { 'data-id': k.id },
                h('td', { 'data-label': 'Name' }, k.name, k.id === me ? [' ', badge('this session', 'muted')] : null),
                h('td', { 'data-label': 'Role' }, badge(k.role, k.role === 'admin' ? 'warn' : 'muted')),
                h('td', { class: 'hide-sm' }, code(k.id)),
                h('td', { class: 'hide-sm' }, fmtTime(k.createdAt)),
                h('td', { class: 'right' }, del));
        });
        if (rows.length === 0 && stack.length === 1) {
            listBox.append(h('p', { class: 'muted' }, 'No API keys.'));
            return;
        }
        listBox.append(h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'ak-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Role'), h('th', { class: 'hide-sm' }, 'Id'), h('th', { class: 'hide-sm' }, 'Created'), h('th', {}, ''))),
            h('tbody', {}, rows))),
        h('div', { class: 'pager' },
            button('← Previous', () => { stack.pop(); load(); }, 'secondary', { disabled: stack.length === 1 }),
            h('span', { class: 'muted' }, `Page ${stack.length}`),
            button('Next →', () => { stack.push(pg.nextCursor); load(); }, 'secondary', { disabled: !pg.nextCursor })));
    };

    const name = h('input', { id: 'ak-name', type: 'text', placeholder: 'e.g. ci-release-pipeline', autocomplete: 'off', required: true });
    const role = h('select', { id: 'ak-role' }, ROLES.map(([v, l]) => h('option', { value: v }, l)));
    const msg = h('div', {});
    const form = h('form', { class: 'stack', id: 'ak-form' },
        h('label', { for: 'ak-name' }, 'Name'), name,
        h('label', { for: 'ak-role' }, 'Role'), role,
        h('p', { class: 'hint' }, 'Give each program its own key with the least role it needs, so that one can be deleted without touching the others.'),
        msg,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', id: 'ak-create' }, 'Create API key')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clear(msg);
        const body = { name: name.value.trim(), role: role.value };
        if (!body.name) {
            msg.append(alertBox('error', 'Give the API key a name.', 'A name says who uses it, e.g. ci-release-pipeline.'));
            return;
        }
        let k;
        try {
            k = (await call('POST', '/v1/api-keys', { json: body })).json;
        } catch (err) {
            msg.append(errorBox(err, 'The API key was not created'));
            return;
        }
        name.value = '';
        showToken(created, k);
        load();
    });
    formCard.append(card('New API key', form));
    load();
    return root;
}

// The new key's token, once: with a copy button, and gone from the page when dismissed.
function showToken(el, k) {
    const tok = h('input', { id: 'ak-token', type: 'text', class: 'mono', readonly: true, value: k.token, spellcheck: 'false', 'aria-label': 'The new API key’s token' });
    const status = h('span', { class: 'muted', id: 'ak-copy-status', role: 'status' });
    const copy = button('Copy', async () => {
        try {
            await navigator.clipboard.writeText(tok.value);
            status.textContent = 'Copied to the clipboard.';
        } catch {
            tok.select();
            status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
        }
    }, 'primary', { id: 'ak-copy' });
    const dismiss = button('I have stored it — hide the token', () => { tok.value = ''; clear(el); }, 'secondary', { id: 'ak-dismiss' });
    clear(el).append(h('section', { class: 'card token-card' },
        h('h2', {}, `API key “${k.name}” created (${k.role})`),
        h('div', { class: 'alert warn', role: 'alert' }, h('strong', {}, 'Copy the token now: this is the only time it is shown.'),
            h('p', {}, 'PostQ keeps only its hash and cannot show it again. Store it in your secret manager; if it is lost, delete this key and create another. Anyone holding it acts as this key.')),
        h('label', { for: 'ak-token', class: 'field-label' }, 'Token'),
        h('div', { class: 'token-row' }, tok, copy), status,
        h('p', { class: 'hint' }, 'Use it as POSTQ_API_KEY for postq, or as Authorization: Bearer <token>.'),
        h('div', { class: 'actions' }, dismiss)));
    el.scrollIntoView({ behavior: 'instant', block: 'start' });
}

// ---- routing ----

const routes = [
    [/^\/$/, viewHome],
    [/^\/signin$/, viewSignIn],
    [/^\/policies$/, viewPolicies],
    [/^\/policies\/new$/, viewPolicyNew],
    [/^\/policies\/([^/]+)$/, viewPolicy],
    [/^\/policies\/([^/]+)\/edit$/, viewPolicyEdit],
    [/^\/pin\/([^/]+)$/, viewPin],
    [/^\/keys$/, viewKeys],
    [/^\/keys\/new$/, viewKeyNew],
    [/^\/keys\/([^/]+)$/, viewKey],
    [/^\/sign$/, viewSign],
    [/^\/signatures$/, viewSignatures],
    [/^\/signatures\/([^/]+)$/, viewSignature],
    [/^\/verify$/, viewVerify],
    [/^\/api-keys$/, viewApiKeys],
];

function currentPath() {
    return (location.hash.replace(/^#/, '') || '/').split('?')[0];
}

// A nav item is active on its own page and the pages under it (not on a page whose name only
// starts the same way: /sign is not /signin or /signatures).
function navActive(path, p) {
    if (p === '/') return path === '/';
    return path === p || path.startsWith(`${p}/`) || (p === '/policies' && path.startsWith('/pin/'));
}

function renderNav(path) {
    const signedIn = !!session.key();
    clear(nav);
    const items = [['#/', 'Overview', '/'], ['#/policies', 'Policies', '/policies'], ['#/keys', 'Keys', '/keys'], ['#/sign', 'Sign', '/sign'], ['#/signatures', 'Signatures', '/signatures'], ['#/verify', 'Verify', '/verify']];
    if (signedIn && state.admin === true) items.push(['#/api-keys', 'API keys', '/api-keys']);
    for (const [href, label, p] of items) {
        const active = navActive(path, p);
        nav.append(h('a', { href, class: active ? 'active' : '', 'aria-current': active ? 'page' : null }, label));
    }
    nav.append(signedIn
        ? button('Sign out', () => { session.clear(); state.cursors = {}; state.admin = null; state.adminFor = null; location.hash = '#/signin'; }, 'link', { id: 'signout' })
        : h('a', { href: '#/signin', class: path === '/signin' ? 'active' : '', 'aria-current': path === '/signin' ? 'page' : null }, 'Sign in'));
}

function route() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = raw.split('?');
    const q = new URLSearchParams(qs ?? '');
    if (!session.key()) {
        state.admin = null;
        state.adminFor = null;
    }
    renderNav(path);
    probeAdmin();
    const flash = state.flash && state.flash.path === path ? state.flash : null;
    state.flash = null;
    for (const [re, view] of routes) {
        const m = re.exec(path);
        if (m) {
            const el = view(q, ...m.slice(1).map(decodeURIComponent));
            if (el) {
                const note = flash ? alertBox('ok', flash.title, ...flash.body) : null;
                if (note) note.id = 'flash';
                clear(main).append(...[note, el].filter(Boolean));
                window.scrollTo(0, 0);
            }
            return;
        }
    }
    clear(main).append(pageHeader('Not found', null), card(null, h('p', {}, 'There is no such page. '), link('Go to the overview', '#/')));
}

window.addEventListener('hashchange', route);
route();
