#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard in a real browser: real postq-enclave and postq-api (ephemeral loopback port,
# temporary state), then Debian's chromium, headless, driven by playwright-core
# (tests/e2e/dashboard/drive.mjs) through sign-in, the navigation, a policy, a key (its PEM
# against the CLI's), a signed file, the in-browser verification (amber pass; tampered document,
# wrong payload, edited sign result fail with their reason; a year-old sign result), key versions
# (rotate, disable, enable, destroy, delete), policy versions (an edit reviewed as a diff, an
# old version) and API keys.
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

expect "the API key is in no log line" 1 "" grep -qF "$ADMIN" "$D/api.log" "$D/api.out"
t_done
