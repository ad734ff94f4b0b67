// SPDX-License-Identifier: Apache-2.0
// Drives Debian's chromium (headless, through playwright-core, no browser download) through
// the dashboard served by a live postq-api: sign-in, the navigation, a policy, a key (its
// policy's name, fingerprint and PEM, compared with the CLI's), a signed file, the in-browser
// verification with @postq/sdk (green with the composite ML-DSA + Ed25519 signature checked,
// the key from the API, its JSON or its PEM; amber without the file; signature_invalid for a
// document vouching for a tampered ML-DSA half; a 1 MiB payload timed; the reference time: the
// sign result's createdAt or "check at" in UTC; a year-old sign result; edited fields), then
// failing for a tampered document and a wrong payload; the Overview's recent signatures and
// activity chart; key versions (rotate, disable and enable, destroy and delete with
// confirmation; a deleted key not offered for signing; an old version's signature still
// verifying), policy versions (an edit reviewed as a diff before the PUT, an old version read
// back, the versions a signature names) and long composite root keys shortened; API keys
// (token shown once, copy, delete with confirmation; hidden from a viewer, as are key and
// policy changes). The browser runs in New York time, so a local time
// taken for UTC shows. Each step prints cmocka-style lines; screenshots go to ARTIFACTS.
// Environment: API_URL, API_KEY (an admin's), EMPTY_KEY (an organisation with nothing), PAYLOAD,
// OTHER_PAYLOAD, POLICY_FILE, ARTIFACTS, CLI (postq), FIXTURE (a year-old genuinely signed
// fixture: sig.json, policy.json, payload.bin, key.json), BAD_FIXTURE (one whose document vouches
// for a tampered ML-DSA half), BIG_SIG and BIG_PAYLOAD (a live sign result of 1 MiB).
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const { API_URL, API_KEY, EMPTY_KEY, PAYLOAD, OTHER_PAYLOAD, POLICY_FILE, ARTIFACTS, CLI, FIXTURE, BAD_FIXTURE, BIG_SIG, BIG_PAYLOAD, SHARED } = process.env;
const STEP_MS = 15000;
let run = 0;
let failed = 0;
let page;

async function step(name, fn) {
    run++;
    console.log(`[ RUN      ] ${name}`);
    try {
        await fn();
        console.log(`[       OK ] ${name}`);
    } catch (e) {
        failed++;
        console.log(`[  FAILED  ] ${name}: ${String(e.message).split('\n').slice(0, 6).join('\n    ')}`);
        if (page) await page.screenshot({ path: join(ARTIFACTS, `failed-${run}.png`), fullPage: true }).catch(() => {});
    }
}

// page.waitForFunction polls with eval, which the dashboard's CSP refuses: poll from here.
async function until(fn, arg) {
    const end = Date.now() + STEP_MS;
    for (;;) {
        if (await page.evaluate(fn, arg)) return;
        if (Date.now() > end) throw new Error(`timed out waiting for ${fn}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

function assert(cond, msg) {
    if (!cond) throw new Error(msg);
}

const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    timeout: 30000,
});
const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(API_URL).origin });
ctx.setDefaultTimeout(STEP_MS);
page = await ctx.newPage();
const urls = [];
const cspErrors = [];
const origin = new URL(API_URL).origin;
page.on('request', (r) => urls.push(r.url()));
page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
});
page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
const shot = async (name, full = true) => {
    if (full) await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: full });
};
let policyId = '';
let keyId = '';
let sigPath = '';
let keyPath = '';
let pemPath = '';

// The API directly (not through the page), for what the test sets up or checks behind it.
async function api(method, path, token, body) {
    const r = await fetch(`${API_URL}${path}`, { method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
}

// The nav items marked active (aria-current="page").
const activeNav = () => page.locator('#nav [aria-current="page"]').allTextContents();
async function navAt(hash, want) {
    await page.goto(`${API_URL}/${hash}`);
    await page.waitForSelector('#main h1');
    const end = Date.now() + 3000; // the API keys item appears once the key's role is known
    let got;
    while (JSON.stringify(got = await activeNav()) !== JSON.stringify(want) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
    }
    assert(JSON.stringify(got) === JSON.stringify(want), `${hash}: active ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

await step('dashboard: the page loads with a strict CSP and no inline code', async () => {
    const resp = await page.goto(`${API_URL}/`);
    const hd = resp.headers();
    assert(resp.status() === 200, `status ${resp.status()}`);
    assert(/default-src 'self'/.test(hd['content-security-policy'] ?? ''), `CSP: ${hd['content-security-policy']}`);
    assert(/frame-ancestors 'none'/.test(hd['content-security-policy']), 'CSP without frame-ancestors');
    assert(!/unsafe-inline|unsafe-eval/.test(hd['content-security-policy']), 'CSP allows inline code');
    assert(hd['x-content-type-options'] === 'nosniff' && hd['referrer-policy'] === 'no-referrer', 'nosniff / no-referrer missing');
    await page.waitForSelector('#signin');
    assert((await page.locator('script:not([src])').count()) === 0, 'an inline script');
    assert((await page.locator('style, [style]').count()) === 0, 'inline style');
});

await step('dashboard: on the sign-in page only "Sign in" is highlighted (not "Sign")', async () => {
    const got = await activeNav();
    assert(JSON.stringify(got) === '["Sign in"]', `active: ${JSON.stringify(got)}`);
});

await step('dashboard: a wrong API key is refused with advice', async () => {
    await page.fill('#apikey', 'pqk_ak_nothing_AAAA');
    await page.click('#signin');
    await page.getByText('The API refused this key.').waitFor();
});

await step('dashboard: sign in (key in sessionStorage only, never in a URL)', async () => {
    await page.fill('#apikey', API_KEY);
    await page.click('#signin');
    await page.waitForSelector('#signout');
    await page.getByRole('heading', { name: 'The enclave' }).waitFor();
    const where = await page.evaluate(() => ({ s: sessionStorage.getItem('postq.apiKey'), l: localStorage.length, c: document.cookie }));
    assert(where.s === API_KEY, 'not in sessionStorage');
    assert(where.l === 0 && where.c === '', 'something in localStorage or a cookie');
    await shot('01-overview.png');
});

await step('dashboard: the nav highlights the page\'s own item only (Sign is not Signatures)', async () => {
    await navAt('#/signatures', ['Signatures']);
    await navAt('#/sign', ['Sign']);
    await navAt('#/policies/new', ['Policies']);
    await navAt('#/keys', ['Keys']);
    await navAt('#/verify', ['Verify']);
    await navAt('#/api-keys', ['API keys']);
    await navAt('#/', ['Overview']);
});

await step('dashboard: policies list pages (Next / Previous)', async () => {
    await page.goto(`${API_URL}/#/policies`);
    await page.waitForSelector('table.list tbody tr');
    assert((await page.locator('table.list tbody tr').count()) === 20, 'not 20 rows on page 1');
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('Page 2').waitFor();
    await page.waitForSelector('table.list tbody tr');
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('Page 1').waitFor();
});

await step('dashboard: create forms have placeholders, not prefilled names, and refuse an empty name', async () => {
    await page.goto(`${API_URL}/#/policies/new`);
    await until(() => document.querySelector('#pol-images')?.value.length === 64);
    assert((await page.inputValue('#pol-name')) === '', 'the policy name is prefilled');
    assert(((await page.getAttribute('#pol-name', 'placeholder')) ?? '').length > 0, 'no placeholder for the policy name');
    // Past the browser's own "required" check, the page's: a name of spaces only.
    await page.fill('#pol-name', '   ');
    await page.click('#policy-review');
    await page.getByText('Give the policy a name.').waitFor();
    await page.goto(`${API_URL}/#/keys/new`);
    await page.waitForSelector('#key-name');
    assert((await page.inputValue('#key-name')) === '', 'the key name is prefilled');
    assert(((await page.getAttribute('#key-name', 'placeholder')) ?? '').length > 0, 'no placeholder for the key name');
    await page.fill('#key-name', '   ');
    await page.click('#key-create');
    await page.getByText('Give the key a name.').waitFor();
});

await step('dashboard: create a policy (prefilled from the enclave, reviewed, saved, confirmed)', async () => {
    await page.goto(`${API_URL}/#/policies`);
    await page.click('#new-policy');
    await until(() => document.querySelector('#pol-images')?.value.length === 64);
    await page.fill('#pol-name', 'browser-policy');
    await page.click('#policy-review');
    await page.getByRole('heading', { name: 'Review the policy' }).waitFor();
    await shot('02-policy-review.png');
    await page.click('#policy-save');
    await page.waitForURL(/#\/policies\/pol_/);
    policyId = decodeURIComponent(page.url().split('#/policies/')[1]);
    await page.getByRole('heading', { name: 'browser-policy' }).waitFor();
    const flash = await page.textContent('#flash');
    assert(flash.includes('Policy “browser-policy” created.') && flash.includes(policyId), `confirmation: ${flash}`);
});

await step('dashboard: create a key bound to the policy (confirmed)', async () => {
    await page.click('#policy-new-key');
    await until((id) => document.querySelector('#key-policy')?.value === id, policyId);
    await page.fill('#key-name', 'browser-key');
    await page.click('#key-create');
    await page.waitForURL(/#\/keys\/key_/);
    keyId = decodeURIComponent(page.url().split('#/keys/')[1]);
    const flash = await page.textContent('#flash');
    assert(flash.includes('Key “browser-key” created.') && flash.includes(keyId), `confirmation: ${flash}`);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#key-download')]);
    keyPath = join(ARTIFACTS, 'key.json');
    await dl.saveAs(keyPath);
    assert(JSON.parse(readFileSync(keyPath, 'utf8')).id === keyId, 'not the key\'s JSON');
    // The confirmation is shown once: not again on the next visit.
    await page.goto(`${API_URL}/#/keys`);
    await page.goto(`${API_URL}/#/keys/${keyId}`);
    await page.waitForSelector('#key-sign');
    assert((await page.locator('#flash').count()) === 0, 'the confirmation came back');
});

await step('dashboard: key page: the policy by name (linked), the SHA-256 fingerprint, the PEM byte for byte as the CLI\'s', async () => {
    await page.goto(`${API_URL}/#/keys/${keyId}`);
    await page.locator('#key-policy-name a', { hasText: 'browser-policy' }).waitFor();
    const href = await page.getAttribute('#key-policy-name a', 'href');
    assert(href === `#/policies/${policyId}`, `policy link ${href}`);
    assert((await page.textContent('#key-policy-name')).includes(policyId), 'the policy id is not beside its name');
    const k = JSON.parse(readFileSync(keyPath, 'utf8'));
    const want = createHash('sha256').update(Buffer.from(k.publicKeyB64, 'base64')).digest('hex');
    await until((w) => document.querySelector('#key-fingerprint')?.textContent === w, want);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#key-download-pem')]);
    pemPath = join(ARTIFACTS, 'key-browser.pub');
    await dl.saveAs(pemPath);
    const cliPath = join(ARTIFACTS, 'key-cli.pub');
    execFileSync(CLI, ['key', 'get', keyId, '--public-key-out', cliPath], { env: { ...process.env, POSTQ_API_URL: API_URL, POSTQ_API_KEY: API_KEY }, stdio: ['ignore', 'ignore', 'inherit'] });
    const a = readFileSync(pemPath), b = readFileSync(cliPath);
    assert(a.length > 2000 && Buffer.compare(a, b) === 0, `the browser's PEM (${a.length} bytes) differs from the CLI's (${b.length} bytes)`);
    assert(dl.suggestedFilename() === `${keyId}.pub`, `file name ${dl.suggestedFilename()}`);
    await shot('03-key.png');
});

await step('dashboard: sign a file by upload and download the sign result', async () => {
    await page.click('#key-sign');
    await until((id) => document.querySelector('#sign-key')?.value === id, keyId);
    await page.setInputFiles('#sign-file', PAYLOAD);
    await page.click('#sign-go');
    await page.waitForSelector('#sign-download');
    const done = await page.textContent('#sign-confirm');
    assert(/^Signed: signature sig_\S+ stored\./.test(done), `confirmation: ${done}`);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#sign-download')]);
    sigPath = join(ARTIFACTS, 'sig.json');
    await dl.saveAs(sigPath);
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    assert(sr.keyId === keyId && sr.attestation?.verdict === 'pass' && sr.attestation.docB64, 'not a sign result of the key');
    await shot('04-signed.png');
});

await step('dashboard: the Overview shows recent signatures with their verdicts and a chart of signs and refusals', async () => {
    await page.goto(`${API_URL}/#/?visit=home`);
    await page.waitForSelector('#activity-chart');
    await page.waitForSelector('#home-recent-table');
    const id = JSON.parse(readFileSync(sigPath, 'utf8')).id;
    const row = page.locator(`#home-recent-table tr[data-id="${id}"]`);
    assert((await row.count()) === 1, 'the new signature is not among the recent ones');
    assert((await row.textContent()).includes('pass'), `verdict: ${await row.textContent()}`);
    // What the API says, drawn: the totals and one bar segment per kind that happened.
    const api = await (await fetch(`${API_URL}/v1/activity?hours=24`, { headers: { Authorization: `Bearer ${API_KEY}` } })).json();
    assert(api.totals.signed >= 2 && api.totals.rejected === 1, `activity: ${JSON.stringify(api.totals)}`);
    const totals = await page.textContent('#activity-totals');
    assert(totals.includes(`${api.totals.signed} signed`) && totals.includes('1 refused by a policy'), `totals: ${totals}`);
    assert((await page.locator('#activity-chart rect.c-signed').count()) >= 1, 'no signed bar');
    assert((await page.locator('#activity-chart rect.c-rejected').count()) === 1, 'no refused bar');
    const label = await page.getAttribute('#activity-chart', 'aria-label');
    assert(label.includes(`${api.totals.signed} signed`) && label.includes('1 refused'), `chart label: ${label}`);
    const ref = await page.textContent('#home-refusals');
    assert(ref.includes('image_not_allowed'), `refusals: ${ref}`);
    await shot('04b-overview-activity.png');
});

await step('dashboard: the signature is listed and its detail shown', async () => {
    await page.goto(`${API_URL}/#/signatures`);
    const id = JSON.parse(readFileSync(sigPath, 'utf8')).id;
    await page.click(`tr[data-id="${id}"] a`);
    await page.waitForSelector('#sig-verify');
    await page.getByRole('heading', { name: 'Attestation (as the API reports it)' }).waitFor();
});

// A freshly drawn Verify page (the pinned policy and key stay: they are the page's state).
let visits = 0;
async function openVerify() {
    await page.goto(`${API_URL}/#/verify?visit=${++visits}`);
    await page.waitForSelector('#verify-go');
}

// Load a sign result and a payload (on a fresh page unless open is false), then Verify.
async function verifyWith(srFile, payloadFile, { open = true, at = '' } = {}) {
    if (open) await openVerify();
    await page.setInputFiles('#verify-sr-file', srFile);
    await page.getByText(`Loaded: file ${basename(srFile)}`).waitFor();
    await page.setInputFiles('#verify-payload', payloadFile);
    await page.getByText(`Payload: ${basename(payloadFile)} (`).waitFor();
    if (at) await page.fill('#verify-at', at);
    await page.click('#verify-go');
    await page.waitForSelector('#verdict');
}

// A time as the datetime-local field takes it: UTC wall-clock digits, seconds included.
// Chromium keeps a datetime-local value without its seconds when they are :00 (and Playwright's
// fill then sees another value than it set): give it that form.
const fieldTime = (ms) => new Date(ms).toISOString().slice(0, 19).replace(/:00$/, '');

await step('dashboard: pin the stored policy field by field', async () => {
    await page.goto(`${API_URL}/#/pin/${encodeURIComponent(policyId)}`);
    await page.waitForSelector('#pin-confirm');
    assert(await page.locator('#pin-confirm').isDisabled(), 'pin allowed before the review');
    for (const c of await page.locator('.pin-check').all()) await c.check();
    await page.click('#pin-confirm');
    await page.waitForURL(/#\/verify$/);
    await page.getByText(`Pinned: stored policy browser-policy (${policyId})`).waitFor();
});

await step('dashboard: every field of the Verify page has a real label; "check at" says UTC and what empty means', async () => {
    await openVerify();
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('#main input, #main textarea, #main select')]
        .filter((el) => el.labels === null || el.labels.length === 0).map((el) => el.id || el.outerHTML.slice(0, 60)));
    assert(unlabelled.length === 0, `without a label: ${unlabelled.join(', ')}`);
    for (const id of ['verify-policy', 'verify-sr', 'verify-at']) {
        assert((await page.locator(`label[for="${id}"]`).count()) === 1, `no <label for="${id}">`);
    }
    assert((await page.textContent('label[for="verify-at"]')).includes('UTC'), 'the check-at label does not say UTC');
    assert((await page.textContent('#verify-at + .unit, .with-unit .unit')) === 'UTC', 'no UTC beside the field');
    const hint = await page.textContent('#verify-at-hint');
    assert(hint.includes('Empty: the sign result’s createdAt'), `hint: ${hint}`);
});

const ALL_CHECKS = ['doc_malformed', 'vendor_mismatch', 'vendor_unsupported', 'doc_alg_unsupported', 'doc_signature_invalid',
    'image_not_allowed', 'doc_stale', 'doc_from_future', 'result_mismatch', 'payload_hash_mismatch', 'sig_hash_mismatch', 'key_mismatch',
    'signature_invalid'];
const timings = [];

await step('dashboard: a stored signature opened with no file: amber, payload and signature not checked', async () => {
    const id = JSON.parse(readFileSync(sigPath, 'utf8')).id;
    await page.goto(`${API_URL}/#/signatures/${encodeURIComponent(id)}`);
    await page.click('#sig-verify');
    await page.waitForSelector('#verify-go');
    await page.click('#verify-go');
    await page.waitForSelector('#verdict');
    const text = await page.textContent('#verdict');
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict partial', `verdict: ${text}`);
    assert(text.includes('Attestation verified, signature not checked'), `banner: ${text}`);
    assert(text.includes('signature_invalid (no payload given'), `what is missing: ${text}`);
    assert((await page.getAttribute('tr[data-code="signature_invalid"]', 'class')) === 'st-not-checked', 'signature claimed checked');
    assert((await page.getAttribute('tr[data-code="key_mismatch"]', 'class')) === 'st-pass', 'the key from the API was not checked against the document');
    const cmd = await page.textContent('#verdict #verify-command');
    assert(cmd.includes(`postq key get ${keyId} --public-key-out key.pub`) && cmd.includes('postq verify --public-key key.pub --sign-result sig.json'), `command: ${cmd}`);
});

await step('dashboard: the sign result and the file, signed in: the key comes from the API and the composite signature is checked here', async () => {
    await verifyWith(sigPath, PAYLOAD);
    const cls = await page.getAttribute('#verdict', 'class');
    const text = await page.textContent('#verdict');
    assert(cls === 'verdict pass', `verdict ${cls}: ${text}`);
    assert(/Verified/.test(text) && text.includes('composite signature checked'), `banner: ${text}`);
    for (const c of ALL_CHECKS) assert((await page.getAttribute(`tr[data-code="${c}"]`, 'class')) === 'st-pass', `${c} did not pass`);
    const took = await page.textContent('#verify-time');
    assert(took.includes(`public key: ${keyId} from the API (vouched for by the document’s publicKeySha256)`), `key source: ${took}`);
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    const created = new Date(sr.createdAt).toISOString().replace('.000Z', 'Z');
    assert(text.includes(`checked at ${created} (the sign result’s createdAt)`), `reference time: ${text}`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('05-verify-pass.png');
});

await step('dashboard: the same with the key’s JSON, then with its PEM: all 13 checks pass', async () => {
    await openVerify();
    await page.setInputFiles('#verify-key', keyPath);
    await page.getByText('Public key: key.json').waitFor();
    await verifyWith(sigPath, PAYLOAD, { open: false });
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    assert((await page.textContent('#verify-time')).includes('public key: key.json'), 'the uploaded key was not used');
    await openVerify();
    await page.setInputFiles('#verify-key', pemPath);
    await page.getByText(`Public key: ${basename(pemPath)}`).waitFor();
    await verifyWith(sigPath, PAYLOAD, { open: false });
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    for (const c of ALL_CHECKS) assert((await page.getAttribute(`tr[data-code="${c}"]`, 'class')) === 'st-pass', `${c} did not pass`);
});

await step('dashboard: a tampered ML-DSA half answers signature_invalid in the browser (a document vouching for it)', async () => {
    // mkfixture --flip-sig-byte 40: the enclave's document binds the bad signature, so only the
    // composite check can catch it.
    const dir = BAD_FIXTURE;
    const srFile = join(ARTIFACTS, 'sig-bad-mldsa.json');
    const payFile = join(ARTIFACTS, 'payload-bad-mldsa.bin');
    const keyFile = join(ARTIFACTS, 'key-bad-mldsa.json');
    writeFileSync(srFile, readFileSync(join(dir, 'sig.json')));
    writeFileSync(payFile, readFileSync(join(dir, 'payload.bin')));
    writeFileSync(keyFile, readFileSync(join(dir, 'key.json')));
    await openVerify();
    await page.fill('#verify-policy', readFileSync(join(dir, 'policy.json'), 'utf8'));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    await page.setInputFiles('#verify-key', keyFile);
    await page.getByText('Public key: key-bad-mldsa.json').waitFor();
    await verifyWith(srFile, payFile, { open: false });
    const t = await page.textContent('#verdict-reason');
    assert(t === 'rejected: signature_invalid: mldsa65+ed25519 signature does not verify under the public key', `got: ${t}`);
    for (const c of ALL_CHECKS.slice(0, -1)) assert((await page.getAttribute(`tr[data-code="${c}"]`, 'class')) === 'st-pass', `${c} did not pass`);
    assert((await page.getAttribute('tr[data-code="signature_invalid"]', 'class')) === 'st-fail', 'signature_invalid not failed');
    // The CLI says the same.
    let cli = '';
    try {
        execFileSync(CLI, ['verify', '--public-key', keyFile, '--sign-result', srFile, '--payload', payFile, '--policy', join(dir, 'policy.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
        cli = String(e.stderr).trim();
    }
    assert(cli === t, `the CLI: ${cli}`);
    await shot('05b-verify-bad-mldsa.png');
});

await step('dashboard: an azure-confidential-vm document is checked in the browser (RS256 under the pinned JWKS)', async () => {
    // The real MAA token of the vendor samples inside a sign result: every hardware check passes
    // at a time it was valid, then the payload binding fails, as the CLI says.
    const A = join(SHARED, 'vendors/azure-maa');
    const tok = readFileSync(join(A, 'cvm-sevsnp-azurevm-2025-12-15.jwt'), 'utf8').trim();
    const pol = { vendor: 'azure-confidential-vm', matchRules: { jwks: JSON.parse(readFileSync(join(A, 'sharedeus2-jwks.reconstructed.json'), 'utf8')),
        issuers: ['https://sharedeus2.eus2.attest.azure.net'], launchMeasurements: ['6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc769959f4aeb2f9401e'] } };
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    sr.attestation = { vendor: 'azure-confidential-vm', docB64: Buffer.from(tok).toString('base64') };
    const srFile = join(ARTIFACTS, 'sig-azure.json');
    writeFileSync(srFile, JSON.stringify(sr));
    await page.click('#verify-key-clear');
    await openVerify();
    await page.fill('#verify-policy', JSON.stringify(pol));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    await verifyWith(srFile, PAYLOAD, { open: false, at: fieldTime(Date.parse('2025-12-15T20:00:00Z')) });
    const t = await page.textContent('#verdict-reason');
    assert(t === 'rejected: payload_hash_mismatch: document carries no payloadSha256', `got: ${t}`);
    for (const c of ['doc_alg_unsupported', 'chain_invalid', 'doc_signature_invalid', 'debug_not_allowed', 'measurement_not_allowed', 'claims_invalid', 'doc_from_future', 'result_mismatch']) {
        assert((await page.getAttribute(`tr[data-code="${c}"]`, 'class')) === 'st-pass', `${c} did not pass`);
    }
    assert((await page.locator('tr[data-code="image_not_allowed"]').count()) === 0, 'a mock-only check listed for azure');
    await shot('05c-verify-azure.png');
});

await step('dashboard: a 1 MiB payload verifies in the browser (timed)', async () => {
    await openVerify();
    assert((await page.textContent('#verify-key-status')).startsWith('No key file'), await page.textContent('#verify-key-status'));
    await page.fill('#verify-policy', readFileSync(POLICY_FILE, 'utf8'));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    for (let i = 0; i < 5; i++) {
        await verifyWith(BIG_SIG, BIG_PAYLOAD, { open: i > 0 });
        assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
        const took = await page.textContent('#verify-time');
        timings.push(Number(/in (\d+) ms/.exec(took)[1]));
    }
    timings.sort((x, y) => x - y);
    console.log(`# chromium: verifySignResult of a 1 MiB payload's sign result (mldsa65+ed25519, all 13 checks): median ${timings[2]} ms of 5 (${timings.join(', ')})`);
});

await step('dashboard: "check at" is read as UTC (the browser runs in New York): stale an hour later', async () => {
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    const at = Math.floor(Date.parse(sr.createdAt) / 1000) * 1000 + 3600e3;
    await verifyWith(sigPath, PAYLOAD, { at: fieldTime(at) });
    const t = await page.textContent('#verdict-reason');
    const atText = new Date(at).toISOString().replace('.000Z', 'Z');
    assert(t.startsWith('rejected: doc_stale: signed ') && t.includes(` before ${atText}; the policy allows 300 s`), `got: ${t}`);
    assert((await page.textContent('#verdict-at')) === `Checked at ${atText} (the “check at” time).`, await page.textContent('#verdict-at'));
    await page.getByText('Clear “Check at” to check it as of when the API accepted it').waitFor();
});

await step('dashboard: an edited sign result is refused (result_mismatch), before the payload is hashed', async () => {
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    const n = sr.attestation.counter;
    sr.attestation.counter = n + 1;
    const bad = join(ARTIFACTS, 'sig-counter.json');
    writeFileSync(bad, JSON.stringify(sr));
    await verifyWith(bad, OTHER_PAYLOAD);
    const t = await page.textContent('#verdict-reason');
    assert(t === `rejected: result_mismatch: attestation.counter ${n + 1}, document counter ${n}`, `got: ${t}`);
    assert((await page.getAttribute('tr[data-code="payload_hash_mismatch"]', 'class')) === 'st-not-run', 'a check ran after the failure');
    await page.getByText('it was edited after the fact').waitFor();
    const sr2 = JSON.parse(readFileSync(sigPath, 'utf8'));
    sr2.keyId = 'key_0000000000000000000000000';
    const bad2 = join(ARTIFACTS, 'sig-keyid.json');
    writeFileSync(bad2, JSON.stringify(sr2));
    await verifyWith(bad2, PAYLOAD);
    const t2 = await page.textContent('#verdict-reason');
    assert(t2 === `rejected: result_mismatch: keyId "key_0000000000000000000000000", document keyId "${keyId}"`, `got: ${t2}`);
    await shot('06-verify-edited.png');
});

await step('dashboard: a createdAt that is not RFC 3339 is refused when the sign result is loaded', async () => {
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    sr.createdAt = '2026-02-30T00:00:00Z';
    await openVerify();
    await page.fill('#verify-sr', JSON.stringify(sr));
    await page.click('#verify-sr-use');
    await page.getByText('createdAt: "2026-02-30T00:00:00Z" is not an RFC 3339 time').waitFor();
});

await step('dashboard: a tampered document fails (doc_signature_invalid)', async () => {
    // One character of the JWS signature changed; the document stays canonical base64url.
    const sr = JSON.parse(readFileSync(sigPath, 'utf8'));
    const jws = Buffer.from(sr.attestation.docB64, 'base64').toString('latin1');
    const parts = jws.split('.');
    // The enclave's root decides the kind: Ed25519, or ML-DSA-65 + Ed25519 (new enclaves' default).
    const alg = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')).alg;
    const kind = alg === 'ML-DSA-65-Ed25519' ? alg : 'Ed25519';
    const s = parts[2];
    parts[2] = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    sr.attestation.docB64 = Buffer.from(parts.join('.'), 'latin1').toString('base64');
    const bad = join(ARTIFACTS, 'sig-tampered.json');
    writeFileSync(bad, JSON.stringify(sr));
    await verifyWith(bad, PAYLOAD);
    const t = await page.textContent('#verdict-reason');
    assert(t === `rejected: doc_signature_invalid: ${kind} signature does not verify under the pinned root key`, `got: ${t}`);
    assert((await page.getAttribute('tr[data-code="doc_signature_invalid"]', 'class')) === 'st-fail', 'row not failed');
    assert((await page.getAttribute('tr[data-code="image_not_allowed"]', 'class')) === 'st-not-run', 'a check ran after the failure');
    await shot('07-verify-tampered.png');
});

await step('dashboard: a wrong payload fails (payload_hash_mismatch)', async () => {
    await verifyWith(sigPath, OTHER_PAYLOAD);
    const t = await page.textContent('#verdict-reason');
    assert(t === 'rejected: payload_hash_mismatch: payloadSha256 does not match', `got: ${t}`);
    await shot('08-verify-wrong-payload.png');
});

await step('dashboard: a pasted policy with another root key fails (doc_signature_invalid)', async () => {
    // A root of the same kind as the enclave's (of another kind, the alg would be unsupported).
    const pol = JSON.parse(readFileSync(POLICY_FILE, 'utf8'));
    const root = Buffer.from(pol.matchRules.rootPublicKeyB64, 'base64');
    if (root.length === 32) {
        pol.matchRules.rootPublicKeyB64 = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='; // RFC 8032 TEST 1's key
    } else {
        root[100] ^= 1; // another ML-DSA-65 half
        pol.matchRules.rootPublicKeyB64 = root.toString('base64');
    }
    await openVerify();
    await page.fill('#verify-policy', JSON.stringify(pol));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    await verifyWith(sigPath, PAYLOAD, { open: false });
    const t = await page.textContent('#verdict-reason');
    assert(t.startsWith('rejected: doc_signature_invalid'), `got: ${t}`);
});

await step('dashboard: a policy with a duplicate member is refused', async () => {
    const text = readFileSync(POLICY_FILE, 'utf8').replace('"vendor":"mock"', '"vendor":"mock","vendor":"mock"');
    await page.fill('#verify-policy', text);
    await page.click('#verify-pin');
    await page.getByText(/duplicate member "vendor"/).waitFor();
});

await step('dashboard: readable on a phone (verification page)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openVerify();
    await page.fill('#verify-policy', readFileSync(POLICY_FILE, 'utf8'));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    await verifyWith(sigPath, PAYLOAD, { open: false });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await page.evaluate(() => document.getElementById('verdict').scrollIntoView());
    await shot('09-verify-phone.png', false);
    await page.setViewportSize({ width: 1280, height: 900 });
});

await step('dashboard: a sign result a year old verifies at its createdAt, and is stale "checked at" now', async () => {
    // Distinct names: the page says which file it loaded, and sig.json was loaded before.
    const srFile = join(ARTIFACTS, 'sig-year-old.json');
    const payFile = join(ARTIFACTS, 'payload-year-old.bin');
    writeFileSync(srFile, readFileSync(join(FIXTURE, 'sig.json')));
    writeFileSync(payFile, readFileSync(join(FIXTURE, 'payload.bin')));
    await openVerify();
    await page.fill('#verify-policy', readFileSync(join(FIXTURE, 'policy.json'), 'utf8'));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    const keyFile = join(ARTIFACTS, 'key-year-old.json');
    writeFileSync(keyFile, readFileSync(join(FIXTURE, 'key.json')));
    await page.setInputFiles('#verify-key', keyFile);
    await page.getByText('Public key: key-year-old.json').waitFor();
    await verifyWith(srFile, payFile, { open: false });
    const text = await page.textContent('#verdict');
    const created = JSON.parse(readFileSync(srFile, 'utf8')).createdAt;
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', `verdict: ${text}`);
    assert(text.includes(`checked at ${created} (the sign result’s createdAt)`), `reference time: ${text}`);
    assert((await page.getAttribute('tr[data-code="signature_invalid"]', 'class')) === 'st-pass', 'signature_invalid did not pass');
    assert((await page.getAttribute('tr[data-code="key_mismatch"]', 'class')) === 'st-pass', 'key_mismatch did not pass');
    await shot('10-verify-year-old.png');
    await page.fill('#verify-at', fieldTime(Date.now()));
    await page.click('#verify-go');
    await page.waitForSelector('#verdict-reason');
    const t = await page.textContent('#verdict-reason');
    assert(t.startsWith(`rejected: doc_stale: signed ${created}, `), `got: ${t}`);
});

// ---- key versions, key deletion, policy versions ----

const b64sha = (b64) => createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
const NEW_IMAGE = 'ab'.repeat(32);
const v1 = '#key-versions tr[data-version="1"]';

await step('dashboard: key page: Rotate makes version 2, listed, enabled and the one that signs', async () => {
    await page.goto(`${API_URL}/#/keys/${keyId}`);
    await page.waitForSelector(v1);
    assert((await page.locator('#key-versions tbody tr').count()) === 1, 'not one version before the rotation');
    await page.click('#key-rotate');
    await page.locator('#key-done', { hasText: 'Key rotated: version 2 made.' }).waitFor();
    const row = page.locator('#key-versions tr[data-version="2"]');
    assert((await row.getAttribute('data-state')) === 'enabled', `version 2: ${await row.getAttribute('data-state')}`);
    assert((await row.locator('.v-state').textContent()) === 'enabled', 'no "enabled" badge');
    assert((await row.textContent()).includes('signs'), 'version 2 is not marked as the one that signs');
    assert((await page.textContent('#key-version')) === '2', `version: ${await page.textContent('#key-version')}`);
    const k = (await api('GET', `/v1/hybrid-keys/${keyId}`, API_KEY)).json;
    assert(k.version === 2 && k.versions.length === 2 && k.versions[1].state === 'enabled', `the API: ${JSON.stringify(k.versions?.map((v) => v.state))}`);
    assert((await row.textContent()).includes(b64sha(k.versions[1].publicKeyB64).slice(0, 16)), 'no short fingerprint of version 2');
    assert((await page.textContent('#key-fingerprint')) === b64sha(k.publicKeyB64), 'the fingerprint is not the newest version\'s');
    assert(!/\b(null|undefined)\b/.test(await page.evaluate(() => document.getElementById('main').innerText)), 'the page says null or undefined');
    await shot('16-key-versions.png');
});

await step('dashboard: key page: Disable and Enable a version', async () => {
    await page.click(`${v1} button[data-action="disable"]`);
    await page.locator('#key-done', { hasText: 'Version 1 disabled.' }).waitFor();
    assert((await page.getAttribute(v1, 'data-state')) === 'disabled' && (await page.textContent(`${v1} .v-state`)) === 'disabled', 'not shown disabled');
    assert((await api('GET', `/v1/hybrid-keys/${keyId}/versions`, API_KEY)).json.items[0].state === 'disabled', 'the API does not say disabled');
    assert((await page.locator(`${v1} button[data-action="disable"]`).count()) === 0, 'Disable offered for a disabled version');
    await page.click(`${v1} button[data-action="enable"]`);
    await page.locator('#key-done', { hasText: 'Version 1 enabled.' }).waitFor();
    assert((await page.getAttribute(v1, 'data-state')) === 'enabled', 'not shown enabled');
    assert((await api('GET', `/v1/hybrid-keys/${keyId}/versions`, API_KEY)).json.items[0].state === 'enabled', 'the API does not say enabled');
});

await step('dashboard: key page: Destroy asks first and says it cannot be undone; Cancel keeps version 1, Destroy erases it', async () => {
    await page.click(`${v1} button[data-action="destroy"]`);
    await page.waitForSelector('dialog#confirm-dialog[open]');
    const q = await page.textContent('#confirm-dialog');
    assert(q.includes('Destroy version 1 of “browser-key”?') && q.includes('cannot be undone') && q.includes('signatures still verify'), `dialog: ${q}`);
    await shot('17-key-destroy-confirm.png', false);
    await page.click('#confirm-cancel');
    await until(() => document.querySelector('#confirm-dialog') === null);
    assert((await api('GET', `/v1/hybrid-keys/${keyId}/versions`, API_KEY)).json.items[0].state === 'enabled', 'cancel destroyed the version');
    await page.click(`${v1} button[data-action="destroy"]`);
    await page.click('#confirm-yes');
    await page.locator('#key-done', { hasText: 'Version 1 destroyed.' }).waitFor();
    assert((await page.getAttribute(v1, 'data-state')) === 'destroyed', 'not shown destroyed');
    assert((await page.locator(`${v1} button`).count()) === 0, 'actions offered for a destroyed version');
    assert((await api('GET', `/v1/hybrid-keys/${keyId}/versions`, API_KEY)).json.items[0].state === 'destroyed', 'the API does not say destroyed');
});

await step('dashboard: the signature of a destroyed version 1 still verifies in the browser (version 1\'s key from the API)', async () => {
    await openVerify();
    if (!(await page.locator('#verify-key-clear').isDisabled())) await page.click('#verify-key-clear');
    await page.fill('#verify-policy', readFileSync(POLICY_FILE, 'utf8'));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    await verifyWith(sigPath, PAYLOAD, { open: false });
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    assert((await page.textContent('#verify-time')).includes(`public key: ${keyId} from the API`), await page.textContent('#verify-time'));
    // The key's JSON downloaded now holds both versions: the sign result's keyVersion picks 1.
    await page.goto(`${API_URL}/#/keys/${keyId}`);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#key-download')]);
    const both = join(ARTIFACTS, 'key-versions.json');
    await dl.saveAs(both);
    assert(JSON.parse(readFileSync(both, 'utf8')).versions.length === 2, 'the key JSON has not both versions');
    await openVerify();
    await page.setInputFiles('#verify-key', both);
    await page.getByText('Public key: key-versions.json').waitFor();
    await verifyWith(sigPath, PAYLOAD, { open: false });
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    await page.click('#verify-key-clear');
});

await step('dashboard: edit a policy: no change says so; an added image hash reviewed as "+ hash" (nothing sent before Save); saved as version 2', async () => {
    const puts = [];
    const onReq = (r) => { if (r.method() === 'PUT') puts.push(r.url()); };
    page.on('request', onReq);
    try {
        await page.goto(`${API_URL}/#/policies/${policyId}`);
        await page.click('#policy-edit');
        await page.waitForSelector('#policy-edit-form');
        const images = await page.inputValue('#pol-images');
        const root = JSON.parse(readFileSync(POLICY_FILE, 'utf8')).matchRules.rootPublicKeyB64;
        assert(/^[0-9a-f]{64}$/.test(images), `images: ${images}`);
        assert((await page.inputValue('#pol-roots')) === root, 'the root is not prefilled');
        await page.click('#policy-review');
        await page.waitForSelector('#policy-nochange');
        assert((await page.locator('#policy-save-version').count()) === 0, 'Save offered with nothing changed');
        await page.fill('#pol-images', `${images}\n${NEW_IMAGE}`);
        await page.fill('#pol-maxage', '600');
        await page.click('#policy-review');
        await page.waitForSelector('#policy-diff');
        let add = await page.locator('#policy-diff li.d-add').allTextContents();
        const del = await page.locator('#policy-diff li.d-del').allTextContents();
        assert(JSON.stringify(add) === JSON.stringify([`+ ${NEW_IMAGE}`, '+ 600 s']), `added: ${JSON.stringify(add)}`);
        assert(JSON.stringify(del) === JSON.stringify(['- 300 s']), `removed: ${JSON.stringify(del)}`);
        assert((await page.locator('#policy-diff li.d-same').allTextContents()).includes(`  ${images}`), 'the kept image is not shown');
        assert((await page.textContent('#policy-diff')).includes('Unchanged: Name, Mode, Root public keys.'), await page.textContent('#policy-diff'));
        await shot('18-policy-diff.png');
        await page.click('#policy-back');
        await page.fill('#pol-maxage', '300');
        await page.click('#policy-review');
        await page.waitForSelector('#policy-diff');
        add = await page.locator('#policy-diff li.d-add').allTextContents();
        assert(JSON.stringify(add) === JSON.stringify([`+ ${NEW_IMAGE}`]), `added: ${JSON.stringify(add)}`);
        assert((await page.locator('#policy-diff li.d-del').count()) === 0, 'a line removed');
        assert(puts.length === 0, `sent before Save: ${puts.join(' ')}`);
        assert((await page.textContent('#policy-save-version')) === 'Save as version 2', await page.textContent('#policy-save-version'));
        await page.click('#policy-save-version');
        await page.waitForURL(new RegExp(`#/policies/${policyId}$`));
        await until(() => document.querySelector('#policy-version-shown')?.textContent === '2');
        assert((await page.textContent('#flash')).includes('Policy “browser-policy” saved as version 2.'), await page.textContent('#flash'));
        assert((await page.textContent('#policy-images')).includes(NEW_IMAGE), 'the new image is not listed');
        assert(puts.length === 1, `PUTs: ${puts.length}`);
        const p = (await api('GET', `/v1/attestation-policies/${policyId}`, API_KEY)).json;
        assert(p.version === 2 && JSON.stringify(p.matchRules.allowedImageHashes) === JSON.stringify([images, NEW_IMAGE]) && p.matchRules.maxDocAgeSeconds === 300,
            `the API: ${JSON.stringify(p)}`);
    } finally {
        page.off('request', onReq);
    }
});

await step('dashboard: the old policy version is readable (read-only) from the version picker', async () => {
    await page.selectOption('#policy-version', '1');
    await page.waitForURL(/\?version=1$/);
    await page.waitForSelector('#policy-old');
    assert((await page.textContent('#policy-version-shown')) === '1', 'not version 1');
    assert((await page.textContent('#policy-old')).includes('Version 1 of 2'), await page.textContent('#policy-old'));
    assert(!(await page.textContent('#policy-images')).includes(NEW_IMAGE), 'version 1 lists the new image');
    assert((await page.locator('#policy-edit, #policy-delete').count()) === 0, 'an old version is editable');
    assert(!/\b(null|undefined)\b/.test(await page.evaluate(() => document.getElementById('main').innerText)), 'the page says null or undefined');
    await shot('19-policy-old-version.png');
    await page.click('#policy-newest');
    await until(() => document.querySelector('#policy-version-shown')?.textContent === '2');
    assert((await page.locator('#policy-old').count()) === 0, 'the newest is called old');
    assert(!/\b(null|undefined)\b/.test(await page.evaluate(() => document.getElementById('main').innerText)), 'the page says null or undefined');
});

await step('dashboard: a signature page shows its key version and the policy version that admitted it (linked)', async () => {
    const old = JSON.parse(readFileSync(sigPath, 'utf8')).id;
    await page.goto(`${API_URL}/#/signatures/${old}`);
    await page.waitForSelector('#sig-policy');
    assert((await page.textContent('#sig-key-version')) === '1', `key version ${await page.textContent('#sig-key-version')}`);
    assert((await page.textContent('#sig-policy')) === `${policyId} version 1`, `policy: ${await page.textContent('#sig-policy')}`);
    assert((await page.getAttribute('#sig-policy-link', 'href')) === `#/policies/${policyId}?version=1`, 'not linked to version 1');
    await page.goto(`${API_URL}/#/sign?key=${keyId}`);
    await until((id) => document.querySelector('#sign-key')?.value === id, keyId);
    await page.setInputFiles('#sign-file', PAYLOAD);
    await page.click('#sign-go');
    await page.waitForSelector('#sign-download');
    const id = /signature (\S+) stored\./.exec(await page.textContent('#sign-confirm'))[1];
    await page.goto(`${API_URL}/#/signatures/${id}`);
    await page.waitForSelector('#sig-policy');
    assert((await page.textContent('#sig-key-version')) === '2', `key version ${await page.textContent('#sig-key-version')}`);
    assert((await page.textContent('#sig-policy')) === `${policyId} version 2`, `policy: ${await page.textContent('#sig-policy')}`);
    await shot('20-signature-versions.png');
    await page.click('#sig-policy-link');
    await page.waitForURL(/\?version=2$/);
    await until(() => document.querySelector('#policy-version-shown')?.textContent === '2');
});

await step('dashboard: delete a key after confirming: marked deleted, every version destroyed, not offered for signing; then its policy can be deleted', async () => {
    const pr = await api('POST', '/v1/attestation-policies', API_KEY, { ...JSON.parse(readFileSync(POLICY_FILE, 'utf8')), name: 'doomed-policy' });
    assert(pr.status === 201, `policy: ${pr.status}`);
    const doomedPolicy = pr.json.id;
    const r = await api('POST', '/v1/hybrid-keys', API_KEY, { name: 'doomed-key', pqProvider: 'enclave-mock', attestationPolicyId: doomedPolicy });
    assert(r.status === 201, `create: ${r.status}`);
    const doomed = r.json.id;
    const offered = () => page.evaluate(() => [...document.querySelectorAll('#sign-key option')].map((o) => o.value));
    await page.goto(`${API_URL}/#/sign`);
    await until((k) => [...document.querySelectorAll('#sign-key option')].some((o) => o.value === k), doomed);
    await page.goto(`${API_URL}/#/keys/${doomed}`);
    await page.click('#key-delete');
    await page.waitForSelector('dialog#confirm-dialog[open]');
    const q = await page.textContent('#confirm-dialog');
    assert(q.includes('Delete key “doomed-key”?') && q.includes('cannot be undone') && q.includes('signatures stay readable') && q.includes('policy can then be deleted'), `dialog: ${q}`);
    await shot('21-key-delete-confirm.png', false);
    await page.click('#confirm-yes');
    await page.locator('#key-done', { hasText: 'Key “doomed-key” deleted.' }).waitFor();
    assert((await page.textContent('#key-state')).startsWith('deleted'), `state: ${await page.textContent('#key-state')}`);
    assert((await page.locator('#key-rotate, #key-delete, #key-sign, #key-versions button').count()) === 0, 'a deleted key offers actions');
    assert((await page.getAttribute(v1, 'data-state')) === 'destroyed', 'version 1 not destroyed');
    const k = (await api('GET', `/v1/hybrid-keys/${doomed}`, API_KEY)).json;
    assert(k.state === 'deleted' && k.deletedAt, `the API: ${k.state}`);
    await shot('22-key-deleted.png');
    await page.goto(`${API_URL}/#/keys`);
    await page.locator(`tr[data-id="${doomed}"]`, { hasText: 'deleted' }).waitFor();
    assert(!(await page.textContent(`tr[data-id="${keyId}"]`)).includes('deleted'), 'the live key is marked deleted');
    await page.goto(`${API_URL}/#/sign?visit=1`);
    await until((k) => [...document.querySelectorAll('#sign-key option')].some((o) => o.value === k), keyId);
    assert(!(await offered()).includes(doomed), 'the Sign page offers the deleted key');
    await page.goto(`${API_URL}/#/sign?key=${doomed}`);
    await page.getByText('It is deleted: choose another key.').waitFor();
    assert((await page.inputValue('#sign-key')) === '' && !(await offered()).includes(doomed), 'the deleted key is chosen');
    // Its policy, bound to no key that is not deleted, can now be deleted (asked first).
    await page.goto(`${API_URL}/#/policies/${doomedPolicy}`);
    await page.click('#policy-delete');
    await page.waitForSelector('dialog#confirm-dialog[open]');
    assert((await page.textContent('#confirm-dialog')).includes('Delete policy “doomed-policy”?'), await page.textContent('#confirm-dialog'));
    await page.click('#confirm-yes');
    await page.waitForURL(/#\/policies$/);
    await page.locator('#flash', { hasText: 'Policy “doomed-policy” deleted.' }).waitFor();
    assert((await api('GET', `/v1/attestation-policies/${doomedPolicy}`, API_KEY)).status === 404, 'the policy is still there');
    assert((await api('GET', `/v1/hybrid-keys/${doomed}`, API_KEY)).status === 200, 'the deleted key is no longer readable');
});

await step('dashboard: long (composite) root keys are shortened: the Overview, a policy, its pin page and its edit form fit a phone', async () => {
    const e = (await api('GET', '/v1/enclave', API_KEY)).json;
    assert(e.rootPublicKeyB64.length > 2000, `the enclave's root is ${e.rootPublicKeyB64.length} characters`);
    await page.setViewportSize({ width: 390, height: 844 });
    try {
        for (const [hash, sel] of [['#/?visit=phone', '#home-recent-table'], [`#/policies/${policyId}`, '#policy-version-shown'], [`#/pin/${policyId}`, '#pin-confirm'], [`#/policies/${policyId}/edit`, '#policy-edit-form']]) {
            await page.goto(`${API_URL}/${hash}`);
            await page.waitForSelector(sel);
            await until(() => !document.querySelector('#main .loading'));
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            assert(overflow <= 0, `${hash}: ${overflow}px wider than the phone`);
            if (!hash.endsWith('/edit')) {
                const text = await page.evaluate(() => document.getElementById('main').innerText);
                assert(!text.includes(e.rootPublicKeyB64), `${hash}: the whole root is shown unfolded`);
                assert(text.includes(`${e.rootPublicKeyB64.slice(0, 12)}…${e.rootPublicKeyB64.slice(-8)} (1984 bytes`), `${hash}: no shortened root`);
            }
        }
        await shot('23-policy-pin-phone.png', false);
    } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
    }
});

let akToken = '';
let akId = '';

await step('dashboard: API keys: create one — the token shown once, with a warning and a copy button, and it works', async () => {
    await page.goto(`${API_URL}/#/api-keys`);
    await page.waitForSelector('#ak-form');
    await page.locator('#ak-table tr', { hasText: 'this session' }).waitFor(); // the admin's own key is marked
    assert((await page.inputValue('#ak-name')) === '' && ((await page.getAttribute('#ak-name', 'placeholder')) ?? '') !== '', 'the name is prefilled or has no placeholder');
    await page.fill('#ak-name', 'ci-pipeline');
    await page.selectOption('#ak-role', 'signer');
    await page.click('#ak-create');
    await page.waitForSelector('#ak-token');
    akToken = await page.inputValue('#ak-token');
    assert(/^pqk_ak_[0-9A-Z]{26}_[A-Za-z0-9_-]+$/.test(akToken), `token: ${akToken}`);
    akId = akToken.split('_').slice(1, 3).join('_');
    const card = await page.textContent('#ak-created');
    assert(card.includes('API key “ci-pipeline” created (signer)') && card.includes('Copy the token now: this is the only time it is shown.'), `card: ${card}`);
    await page.click('#ak-copy');
    await page.getByText('Copied to the clipboard.').waitFor();
    assert((await page.evaluate(() => navigator.clipboard.readText())) === akToken, 'the clipboard does not hold the token');
    await page.locator(`#ak-table tr[data-id="${akId}"]`, { hasText: 'signer' }).waitFor();
    await shot('12-api-key-created.png');
    assert((await api('GET', '/v1/signatures?limit=1', akToken)).status === 200, 'the new token does not work');
    assert((await api('GET', '/v1/api-keys', akToken)).status === 403, 'a signer may list API keys');
    await page.click('#ak-dismiss');
    await until(() => document.querySelector('#ak-token') === null);
    assert(!(await page.evaluate(() => document.body.innerText)).includes(akToken), 'the token is still on the page');
});

await step('dashboard: API keys: delete asks first; Cancel keeps the key, Delete removes it (401 after)', async () => {
    await page.click(`button[data-delete="${akId}"]`);
    await page.waitForSelector('dialog#confirm-dialog[open]');
    const q = await page.textContent('#confirm-dialog');
    assert(q.includes('Delete API key “ci-pipeline”?') && q.includes('cannot be undone'), `dialog: ${q}`);
    await shot('13-api-key-delete-confirm.png', false);
    await page.click('#confirm-cancel');
    await until(() => document.querySelector('#confirm-dialog') === null);
    assert((await page.locator(`#ak-table tr[data-id="${akId}"]`).count()) === 1, 'cancel deleted the key');
    assert((await api('GET', '/v1/signatures?limit=1', akToken)).status === 200, 'cancel broke the key');
    await page.click(`button[data-delete="${akId}"]`);
    await page.click('#confirm-yes');
    await page.waitForSelector('#ak-deleted');
    assert((await page.textContent('#ak-deleted')).includes('API key “ci-pipeline” deleted.'), 'no confirmation of the delete');
    await until((id) => document.querySelector(`#ak-table tr[data-id="${id}"]`) === null, akId);
    assert((await api('GET', '/v1/signatures?limit=1', akToken)).status === 401, 'the deleted key still works');
});

await step('dashboard: a viewer has no API keys page: no nav item, and the page says admins only (the API answers 403)', async () => {
    const v = await api('POST', '/v1/api-keys', API_KEY, { name: 'read-only', role: 'viewer' });
    assert(v.status === 201, `viewer key: ${v.status}`);
    await page.goto(`${API_URL}/#/`);
    await page.click('#signout');
    await page.fill('#apikey', v.json.token);
    const probed = page.waitForResponse((r) => r.url().includes('/v1/api-keys'));
    await page.click('#signin');
    assert((await probed).status() === 403, 'the role probe did not get 403');
    await page.waitForSelector('#signout');
    await page.getByRole('heading', { name: 'The enclave' }).waitFor();
    assert((await page.locator('#nav a', { hasText: 'API keys' }).count()) === 0, 'a viewer sees the API keys item');
    await page.goto(`${API_URL}/#/api-keys`);
    await page.getByText('Only admins manage API keys.').waitFor();
    assert((await page.locator('#ak-form').count()) === 0, 'a viewer gets the create form');
    await shot('14-api-keys-viewer.png');
});

await step('dashboard: a viewer gets no Rotate, Disable, Enable, Destroy, Delete or Edit', async () => {
    await page.goto(`${API_URL}/#/keys/${keyId}`);
    await page.waitForSelector('#key-versions');
    assert((await page.locator('#key-rotate, #key-delete, #key-versions button').count()) === 0, 'a viewer gets key actions');
    await page.goto(`${API_URL}/#/policies/${policyId}`);
    await page.waitForSelector('#policy-version-shown');
    assert((await page.locator('#policy-edit, #policy-delete').count()) === 0, 'a viewer gets Edit or Delete');
});

await step('dashboard: no CSP violation, no page error, the key in no URL, no third-party request', async () => {
    assert(cspErrors.length === 0, cspErrors.join('; '));
    assert(!urls.some((u) => u.includes(API_KEY)), 'the API key was in a URL');
    const foreign = urls.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert(foreign.length === 0, `third-party requests: ${foreign.join(' ')}`);
});

await step('dashboard: sign out forgets the key', async () => {
    await page.goto(`${API_URL}/#/`);
    await page.click('#signout');
    await page.waitForSelector('#signin');
    assert((await page.evaluate(() => sessionStorage.getItem('postq.apiKey'))) === null, 'key kept');
});

await step('dashboard: empty lists and a missing item say what to do', async () => {
    await page.fill('#apikey', EMPTY_KEY);
    await page.click('#signin');
    await page.waitForSelector('#signout');
    await page.goto(`${API_URL}/#/policies`);
    await page.getByText('No policies yet.').waitFor();
    await shot('15-empty-policies.png');
    await page.goto(`${API_URL}/#/signatures`);
    await page.getByText('No signatures yet.').waitFor();
    await page.goto(`${API_URL}/#/policies/${encodeURIComponent(policyId)}`);
    await page.getByText('It does not exist in your organisation').waitFor(); // another organisation's id
    await page.goto(`${API_URL}/#/sign`);
    await page.getByText('Create a key (bound to a policy) before signing.').waitFor();
    await page.click('#signout');
});

await browser.close();
console.log(`[==========] ${run} test(s) run.`);
console.log(`[  PASSED  ] ${run - failed} test(s).`);
if (failed) console.log(`[  FAILED  ] ${failed} test(s)`);
process.exit(failed ? 1 : 0);
