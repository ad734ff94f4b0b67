#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard in a real browser: real postq-enclave and postq-api (ephemeral loopback port,
# temporary state), then Debian's chromium, headless, driven by playwright-core
# (tests/e2e/dashboard/drive.mjs) through sign-in, the navigation, a policy, a key (its PEM
# against the CLI's), a signed file, the in-browser verification (amber pass; tampered document,
# wrong payload, edited sign result fail with their reason; a year-old sign result), key versions
# (rotate, disable, enable, destroy, delete), policy versions (an edit reviewed as a diff, an
# old version) and API keys. Then the transparency log on the Verify page (a second browser
# session, $D/log-drive.mjs below): the log key prefilled from GET /v1/log, the "included" line
# with the entry's index and the checkpoint's size, a pinned composite key, and rejections (an
# edited createdAt, a proof byte, another log's key, a stripped proof under a pinned key).
# (The verifier the page uses, @postq/sdk's browser build, is held to the CLI's verdicts by
# 45-sdk-parity.sh.)
# Also over HTTP: the static files' types and headers, no directory traversal, the API key in
# no log. Screenshots: build/test-artifacts/dashboard/. Needs chromium, node and npm
# (scripts/install-deps.sh); installs playwright-core with `npm ci` on first use.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
case ${POSTQ_BUILD:-build} in /*) ART=$POSTQ_BUILD ;; *) ART=$ROOT/${POSTQ_BUILD:-build} ;; esac
ART=$ART/test-artifacts/dashboard
DRV=$here/dashboard
mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.json

for c in /usr/bin/chromium node npm; do
    command -v "$c" >/dev/null 2>&1 || { echo "50-dashboard: $c is missing: run scripts/install-deps.sh (make deps)"; exit 1; }
done
if [ ! -d "$DRV/node_modules/playwright-core" ] || [ "$DRV/package-lock.json" -nt "$DRV/node_modules/.package-lock.json" ]; then
    (cd "$DRV" && timeout 120 npm ci --no-audit --no-fund --loglevel=error >"$D/npm.log" 2>&1) ||
        { echo "50-dashboard: npm ci failed:"; tail -n 20 "$D/npm.log"; exit 1; }
fi

enclave_start enc || exit 1
api_start api enc || exit 1
ADMIN=$(api_org acme)
EMPTY=$(api_org empty)
make_policy enc "$D/policy.json"
head -c 5000 /dev/urandom >"$D/artifact.bin"
printf 'not the signed file\n' >"$D/other.bin"

# HTTP: types, headers, traversal.
hdr() { curl -sS --max-time 10 --path-as-is -o /dev/null -D - "$API_URL$1" | tr -d '\r'; }
expect "GET / is the dashboard (text/html)" 0 "content-type: text/html; charset=utf-8" sh -c "curl -sS -D - -o /dev/null '$API_URL/' | tr -d '\r' | tr A-Z a-z"
expect "GET / has a strict CSP" 0 "content-security-policy: default-src 'self'; script-src 'self'; style-src 'self'" sh -c "curl -sS -D - -o /dev/null '$API_URL/' | tr -d '\r' | tr A-Z a-z"
expect "GET / frame-ancestors 'none', nosniff, no-referrer" 0 "" sh -c "h=\$(curl -sS -D - -o /dev/null '$API_URL/' | tr -d '\r' | tr A-Z a-z); echo \"\$h\" | grep -q \"frame-ancestors 'none'\" && echo \"\$h\" | grep -q 'x-content-type-options: nosniff' && echo \"\$h\" | grep -q 'referrer-policy: no-referrer'"
expect "GET /app.js is text/javascript" 0 "Content-Type: text/javascript; charset=utf-8" hdr /app.js
expect "GET /app.css is text/css" 0 "Content-Type: text/css; charset=utf-8" hdr /app.css
for p in '/../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/..%2f..%2fetc%2fpasswd' '/.git/config' '/nope.html' '/index.html/' '//etc/passwd'; do
    expect "GET $p: 404" 0 "HTTP/1.1 404" hdr "$p"
done
expect "POST /: 405" 0 "405" sh -c "curl -sS -o /dev/null -w '%{http_code}' -X POST '$API_URL/'"
expect "the API still answers JSON under /v1" 0 "HTTP 401" call GET /v1/enclave ""

POL=$(call POST /v1/attestation-policies "$ADMIN" -H 'Content-Type: application/json' -d @"$D/policy.json" | jfield id)
KEY=$(call POST /v1/hybrid-keys "$ADMIN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" | jfield id)
expect "a key bound to the policy" 0 "" test -n "$KEY"
# A 1 MiB payload signed by the stack, for the browser's timing.
head -c $((1 << 20)) /dev/urandom >"$D/big.bin"
call POST "/v1/sign?keyId=$KEY" "$ADMIN" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$D/big.bin" | sed '$d' >"$D/big-sig.json"
expect "the stack signs 1 MiB" 0 "" grep -q '"verdict":"pass"' "$D/big-sig.json"
# A sign result for the transparency log's steps, and its key's JSON.
call POST "/v1/sign?keyId=$KEY" "$ADMIN" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$D/artifact.bin" | sed '$d' >"$D/log-sig.json"
expect "a sign result carries its transparency proof" 0 "" grep -q '"transparency":{"logIndex":' "$D/log-sig.json"
# A key under a policy that allows another image: its sign is refused (the Overview counts it).
sed 's/"allowedImageHashes":\["[0-9a-f]*"\]/"allowedImageHashes":["'"$(printf '0%.0s' $(seq 64))"'"]/' "$D/policy.json" >"$D/policy-other.json"
POL2=$(call POST /v1/attestation-policies "$ADMIN" -H 'Content-Type: application/json' -d @"$D/policy-other.json" | jfield id)
KEY2=$(call POST /v1/hybrid-keys "$ADMIN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"refused\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL2\"}" | jfield id)
expect "a sign under a policy of another image is refused" 0 '"code":"image_not_allowed"' \
    call POST "/v1/sign?keyId=$KEY2" "$ADMIN" -H 'Content-Type: application/octet-stream' --data-binary 'x'

# 25 more policies, so the list has a second page.
for i in $(seq 1 25); do
    call POST /v1/attestation-policies "$ADMIN" -H 'Content-Type: application/json' -d @"$D/policy.json" >/dev/null
done

# A genuinely signed sign result from a year ago (a root of its own), for "verifies a year later".
mkdir -p "$D/fx-year"
"$B/tests/tools/mkfixture" "$D/fx-year" --timestamp "$(( ($(date +%s) - 366 * 86400) * 1000 ))" ||
    { echo "50-dashboard: mkfixture failed"; exit 1; }
# One whose document vouches for a tampered ML-DSA half: only the composite check catches it.
mkdir -p "$D/fx-bad"
"$B/tests/tools/mkfixture" "$D/fx-bad" --flip-sig-byte 40 || { echo "50-dashboard: mkfixture failed"; exit 1; }

echo "# chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
API_URL=$API_URL API_KEY=$ADMIN EMPTY_KEY=$EMPTY PAYLOAD=$D/artifact.bin OTHER_PAYLOAD=$D/other.bin POLICY_FILE=$D/policy.json \
    ARTIFACTS=$ART CLI=$CLI FIXTURE=$D/fx-year BAD_FIXTURE=$D/fx-bad BIG_SIG=$D/big-sig.json BIG_PAYLOAD=$D/big.bin \
    SHARED=${POSTQ_SHARED:-$ROOT/../shared} \
    timeout --kill-after=5 240 node "$DRV/drive.mjs"
rc=$?
[ $rc -eq 0 ] || T_FAILED=$((T_FAILED + 1))

# The transparency log in the browser: a second session on the Verify page.
cat >"$D/log-drive.mjs" <<'JS'
// (written by tests/e2e/50-dashboard.sh) The Verify page's transparency log: steps as in drive.mjs.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { API_URL, API_KEY, DRV, ARTIFACTS, POLICY_FILE, PAYLOAD, LOG_SIG } = process.env;
const { chromium } = await import(pathToFileURL(join(DRV, 'node_modules/playwright-core/index.mjs')).href);
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
        if (page) await page.screenshot({ path: join(ARTIFACTS, `failed-log-${run}.png`), fullPage: true }).catch(() => {});
    }
}
const assert = (c, m) => { if (!c) throw new Error(m); };
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, timeout: 30000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
ctx.setDefaultTimeout(15000);
page = await ctx.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
const logRequests = [];
page.on('request', (r) => { if (new URL(r.url()).pathname === '/v1/log') logRequests.push(r.url()); });
const info = await (await fetch(`${API_URL}/v1/log`, { headers: { Authorization: `Bearer ${API_KEY}` } })).json();
const sr = JSON.parse(readFileSync(LOG_SIG, 'utf8'));
const cpSize = Number(sr.transparency.checkpoint.split('\n')[1]);
const file = (name, obj) => {
    const p = join(ARTIFACTS, name);
    writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
    return p;
};
const sigFile = file('log-sig.json', readFileSync(LOG_SIG, 'utf8'));
let visits = 0;
// Load a sign result and the payload on a fresh Verify page, set the log key (typed: pinned; or
// this server's, with the button), then Verify.
async function verifyWith(srFile, { logKey, serverKey = false } = {}) {
    await page.goto(`${API_URL}/#/verify?log=${++visits}`);
    await page.waitForSelector('#verify-go');
    await page.setInputFiles('#verify-sr-file', srFile);
    await page.getByText(`Loaded: file ${srFile.split('/').pop()}`).waitFor();
    await page.setInputFiles('#verify-payload', PAYLOAD);
    if (logKey !== undefined) await page.fill('#verify-log-key', logKey);
    if (serverKey) {
        await page.click('#verify-log-server');
        await page.getByText('This server’s key (GET /v1/log).').waitFor();
    }
    await page.click('#verify-go');
    await page.waitForSelector('#verdict');
}
const rowClass = (c) => page.getAttribute(`tr[data-code="${c}"]`, 'class');

await step('dashboard log: sign in, pin the policy; the log key field is prefilled from GET /v1/log, fetched once', async () => {
    await page.goto(`${API_URL}/`);
    await page.fill('#apikey', API_KEY);
    await page.click('#signin');
    await page.waitForSelector('#signout');
    await page.goto(`${API_URL}/#/verify`);
    await page.fill('#verify-policy', readFileSync(POLICY_FILE, 'utf8'));
    await page.click('#verify-pin');
    await page.getByText('Pinned: pasted policy.json').waitFor();
    const end = Date.now() + 10000;
    while ((await page.inputValue('#verify-log-key')) === '' && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert((await page.inputValue('#verify-log-key')) === info.verifierKey, `field: ${await page.inputValue('#verify-log-key')}`);
    assert((await page.locator('label[for="verify-log-key"]').count()) === 1, 'no label for the log key');
    const st = await page.textContent('#verify-log-key-status');
    assert(st.includes('This server’s key (GET /v1/log)') && st.includes('paste the key you keep'), `status: ${st}`);
});

await step('dashboard log: a sign result of the stack is "included", with its index and the checkpoint\'s size', async () => {
    await verifyWith(sigFile);
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    const line = await page.textContent('#verify-log');
    const key = info.verifierKey.split('+').slice(0, 2).join('+');
    const want = `Transparency log: included — entry ${sr.transparency.logIndex} of the checkpoint of ${cpSize} entries of ${info.origin}, signed by ${key} (this server’s key`;
    assert(line.startsWith(want), `log line: ${line}\nwant: ${want}`);
    for (const c of ['log_checkpoint_invalid', 'log_proof_invalid']) assert((await rowClass(c)) === 'st-pass', `${c} did not pass`);
    const entry = await page.textContent('#verify-log-entry');
    assert(entry.startsWith(`postq-log-entry/v1\nsignature ${sr.id}\n`) && entry.endsWith(`\ncreated ${sr.createdAt}\n`), `entry: ${entry}`);
    assert(logRequests.length === 1, `GET /v1/log ${logRequests.length} times`);
    await page.evaluate(() => document.getElementById('verdict').scrollIntoView());
    await page.screenshot({ path: join(ARTIFACTS, '24-verify-log.png') });
});

await step('dashboard log: the composite key pasted (pinned, though the server gives it too): included, "the key you pinned"', async () => {
    await verifyWith(sigFile, { logKey: info.compositeVerifierKey });
    const st = await page.textContent('#verify-log-key-status');
    assert(st.startsWith('Pinned: the key you gave (this server gives it too).'), st);
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    const line = await page.textContent('#verify-log');
    assert(line.includes(`included — entry ${sr.transparency.logIndex} `) && line.includes('(the key you pinned)'), `log line: ${line}`);
});

await step('dashboard log: an edited createdAt and a changed proof byte are rejected: log_proof_invalid', async () => {
    const edited = file('log-sig-created.json', { ...sr, createdAt: new Date(Date.parse(sr.createdAt) + 1).toISOString() });
    await verifyWith(edited, { serverKey: true });
    let t = await page.textContent('#verdict-reason');
    assert(t.startsWith(`rejected: log_proof_invalid: the rebuilt log entry is not at logIndex ${sr.transparency.logIndex} `), `got: ${t}`);
    assert((await rowClass('log_proof_invalid')) === 'st-fail' && (await rowClass('log_checkpoint_invalid')) === 'st-pass', 'rows');
    const line = await page.textContent('#verify-log');
    assert(line === `Transparency log: not included — log_proof_invalid, under ${info.verifierKey.split('+').slice(0, 2).join('+')} (this server’s key: pin the one you keep to prove more).`, line);
    await page.getByText('a field was edited after the fact').waitFor();
    await page.evaluate(() => document.getElementById('verdict').scrollIntoView());
    await page.screenshot({ path: join(ARTIFACTS, '25-verify-log-edited.png') });
    const p = sr.transparency.inclusionProof;
    if (p.length > 0) {
        const h = Buffer.from(p[0], 'base64');
        h[5] ^= 1;
        const bad = file('log-sig-proof.json', { ...sr, transparency: { ...sr.transparency, inclusionProof: [h.toString('base64'), ...p.slice(1)] } });
        await verifyWith(bad);
        t = await page.textContent('#verdict-reason');
        assert(t.startsWith('rejected: log_proof_invalid: '), `got: ${t}`);
    }
});

await step('dashboard log: another log\'s key: log_checkpoint_invalid; a malformed key is refused in words', async () => {
    const pk = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x, 'base64url');
    const typed = Buffer.concat([Buffer.from([1]), pk]);
    const id = createHash('sha256').update(Buffer.concat([Buffer.from('postq-log\n'), typed])).digest().subarray(0, 4).toString('hex');
    await verifyWith(sigFile, { logKey: `postq-log+${id}+${typed.toString('base64')}` });
    const t = await page.textContent('#verdict-reason');
    assert(t === `rejected: log_checkpoint_invalid: note: no signature by postq-log+${id}`, `got: ${t}`);
    await page.fill('#verify-log-key', 'postq-log+00000000+AQ==');
    await page.click('#verify-go');
    await page.getByText('Verification could not run.').waitFor();
    await page.getByText(/^log key: /).waitFor();
});

await step('dashboard log: a stripped proof is reported under this server\'s key, rejected under a pinned one', async () => {
    const { transparency: _t, ...bare } = sr;
    const stripped = file('log-sig-stripped.json', bare);
    await verifyWith(stripped, { serverKey: true });
    assert((await page.getAttribute('#verdict', 'class')) === 'verdict pass', await page.textContent('#verdict'));
    const line = await page.textContent('#verify-log');
    assert(line.startsWith('Transparency log: not checked — this sign result carries no proof that it is in the log'), `log line: ${line}`);
    assert((await page.locator('tr[data-code="log_proof_invalid"]').count()) === 0, 'a log row without a log check');
    const stripped2 = file('log-sig-stripped-2.json', bare);
    await verifyWith(stripped2, { logKey: ` ${info.compositeVerifierKey}` });
    const t = await page.textContent('#verdict-reason');
    assert(t === 'rejected: log_proof_invalid: the sign result carries no transparency member (no proof that it is in the log)', `got: ${t}`);
});

await step('dashboard log: the signature\'s page says where it is in the log; the Verify page fits a phone', async () => {
    await page.goto(`${API_URL}/#/signatures/${encodeURIComponent(sr.id)}`);
    const t = await page.textContent('#sig-log');
    assert(/^entry \d+, in a checkpoint of \d+ entries/.test(t) && t.startsWith(`entry ${sr.transparency.logIndex},`), `sig-log: ${t}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await verifyWith(sigFile, { logKey: info.compositeVerifierKey });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
});

await browser.close();
console.log(`[==========] ${run} test(s) run.`);
console.log(`[  PASSED  ] ${run - failed} test(s).`);
if (failed) console.log(`[  FAILED  ] ${failed} test(s)`);
process.exit(failed ? 1 : 0);
JS
API_URL=$API_URL API_KEY=$ADMIN DRV=$DRV ARTIFACTS=$ART POLICY_FILE=$D/policy.json PAYLOAD=$D/artifact.bin LOG_SIG=$D/log-sig.json \
    timeout --kill-after=5 120 node "$D/log-drive.mjs"
rc=$?
[ $rc -eq 0 ] || T_FAILED=$((T_FAILED + 1))

expect "the API key is in no log line" 1 "" grep -qF "$ADMIN" "$D/api.log" "$D/api.out"
t_done
