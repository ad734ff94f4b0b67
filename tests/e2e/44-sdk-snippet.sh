#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's TypeScript example, as printed (only the artifact it reads is this test's file):
# `npm pack` of js/sdk installs into a fresh project beside typescript and @types/node, the
# example type-checks with `tsc --strict`, then runs against a real postq-enclave and postq-api
# and prints "verified". The same installed package then drives the client through the API:
# paging with for await, a PostQError with the server's code and request id, an abort, the raw
# octet-stream sign of a 3 MiB Blob and its verifySignResult.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
export PATH=$ROOT/.tools/node/bin:$PATH
SDK_DIR=$ROOT/js/sdk
[ -f "$SDK_DIR/dist/index.js" ] || { echo "44-sdk-snippet: js/sdk/dist is missing: run make sdk-js"; exit 1; }
echo "# node $(node --version)"

# The package as users get it: the tarball, installed with its declared dependencies.
expect "npm pack writes a tarball" 0 "" sh -c "cd '$SDK_DIR' && npm pack --pack-destination '$D' --loglevel=error >'$D/pack.log' 2>&1"
TGZ=$(ls "$D"/postq-sdk-*.tgz 2>/dev/null | head -n 1)
expect "the tarball holds dist/index.js, its types and package.json, and no test" 0 "" sh -c \
    "l=\$(tar tzf '$TGZ'); echo \"\$l\" | grep -qx package/dist/index.js && echo \"\$l\" | grep -qx package/dist/index.d.ts && echo \"\$l\" | grep -qx package/package.json && ! echo \"\$l\" | grep -q test"
mkdir -p "$D/app"
TS=$(sed -n 's/.*"typescript": "\([^"]*\)".*/\1/p' "$SDK_DIR/package.json")
TN=$(sed -n 's/.*"@types\/node": "\([^"]*\)".*/\1/p' "$SDK_DIR/package.json")
printf '{"name":"quickstart","private":true,"type":"module"}\n' >"$D/app/package.json"
expect "the tarball installs with its dependencies (npm install)" 0 "" sh -c \
    "cd '$D/app' && timeout 180 npm install --prefer-offline --no-audit --no-fund --loglevel=error '$TGZ' typescript@$TS @types/node@$TN >'$D/npm.log' 2>&1 || { cat '$D/npm.log'; exit 1; }"

# The example, cut from the README: the first ts block of its TypeScript section.
awk '/^## TypeScript/{s=1} s&&/^```ts$/{c=1;next} c&&/^```$/{exit} c' "$ROOT/README.md" >"$D/app/quickstart.ts"
expect "the README has the example" 0 "" grep -q 'verifyAttestationDoc' "$D/app/quickstart.ts"
head -c $((3 << 20)) /dev/urandom >"$D/app/artifact.tgz"
cat >"$D/app/tsconfig.json" <<'JSON'
{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
  "types": ["node"], "outDir": "out", "skipLibCheck": false }, "include": ["*.ts"] }
JSON
expect "the example type-checks with tsc --strict against the package" 0 "" sh -c "cd '$D/app' && node_modules/.bin/tsc -p tsconfig.json"

enclave_start enc || exit 1
api_start api enc || exit 1
ADMIN=$(api_org acme)
expect "the example runs against the stack and verifies" 0 "verified sig_" sh -c \
    "cd '$D/app' && POSTQ_API_URL='$API_URL' POSTQ_API_KEY='$ADMIN' timeout 60 node out/quickstart.js"
cd "$D/app" && POSTQ_API_URL=$API_URL POSTQ_API_KEY=$ADMIN timeout 60 node out/quickstart.js | sed 's/^/# example: /'

# The installed package against the API, beyond the example.
cat >"$D/app/client.mjs" <<'JS'
import { readFile } from 'node:fs/promises';
import { PostQ, PostQError, verifySignResult } from '@postq/sdk';
const pq = new PostQ({ apiKey: process.env.POSTQ_API_KEY });
const line = (ok, what) => { console.log(`[ RUN      ] ${what}`); console.log(ok ? `[       OK ] ${what}` : `[  FAILED  ] ${what}`); };
const first = await pq.hybridKeys.list();
const key = first.items[0];
const blob = new Blob([await readFile('artifact.tgz')]);
const sr = await pq.sign({ keyId: key.id, payload: blob });
line(sr.payloadSha256.length === 64 && sr.attestation?.verdict === 'pass', 'a 3 MiB Blob signs (raw octet-stream body)');
const policy = await pq.attestationPolicies.get(key.attestationPolicyId);
const v = await verifySignResult({ signResult: sr, payload: blob, publicKey: await pq.hybridKeys.get(key.id), policy });
line(v.ok && v.checks.length === 13, `verifySignResult of it: all 13 checks (${v.ok ? 'pass' : `${v.reason}: ${v.detail}`})`);
for (let i = 0; i < 4; i++) await pq.sign({ keyId: key.id, payload: `small ${i}` });
const ids = [];
for await (const s of pq.signatures.list({ keyId: key.id, limit: 2 })) ids.push(s.id);
line(ids.length === 6 && new Set(ids).size === 6, `for await walks 3 pages of 2: ${ids.length} signatures`);
try {
    await pq.signatures.get('sig_01NOTHERE0000000000000000');
    line(false, 'a missing signature is a 404 PostQError');
} catch (e) {
    line(e instanceof PostQError && e.status === 404 && e.code === 'not_found' && e.requestId.startsWith('req_'), `a missing signature is a 404 PostQError (${e.code}, ${e.requestId})`);
}
try {
    await new PostQ({ apiKey: 'pqk_wrong_key' }).enclave.info();
    line(false, 'a wrong API key is 401');
} catch (e) {
    line(e instanceof PostQError && e.status === 401 && e.code === 'unauthorized', `a wrong API key is 401 ${e.code}`);
}
try {
    await pq.sign({ keyId: key.id, payload: 'x' }, { signal: AbortSignal.abort() });
    line(false, 'an aborted call');
} catch (e) {
    line(e instanceof PostQError && e.code === 'aborted', 'an aborted sign is refused before it is sent');
}
const n = (await pq.signatures.list({ keyId: key.id, limit: 100 })).items.length;
line(n === 6, `the aborted sign was never sent: ${n} signatures`);
const act = await pq.activity({ hours: 2 });
line(act.buckets.length === 2 && act.totals.signed >= 7 && act.totals.rejected === 0, `activity: ${act.totals.signed} signed in the last 2 hours, none refused`);
const h = await pq.health();
line(h.status === 'ok' && h.store.ok && h.enclave.ok, 'health: store and enclave ok');
JS
(cd "$D/app" && POSTQ_API_URL=$API_URL POSTQ_API_KEY=$ADMIN timeout --kill-after=5 60 node client.mjs) || T_FAILED=$((T_FAILED + 1))
expect "the API key is in no log line" 1 "" grep -qF "$ADMIN" "$D/api.log" "$D/api.out"
t_done
