#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docs/openapi.yaml: first linted by Redocly CLI (tests/openapi/, installed with `npm ci` from
# the committed lockfile on first use, then run offline) with every rule of recommended-strict
# an error, and shown to fail on a broken copy; then against the running server: every
# documented operation exists and answers, with a well-formed request, one of its documented
# status codes; every /v1 operation answers 401 without a key and documents it; every route
# the server has (src/server/api.c) is documented. Needs node and npm (scripts/install-deps.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
SPEC=$ROOT/docs/openapi.yaml
JSON=(-H 'Content-Type: application/json')
LINTER=$ROOT/tests/openapi

# The linter: npm ci once (and again when the lockfile changes), never a network call after.
for c in node npm; do
    command -v "$c" >/dev/null 2>&1 || { echo "32-openapi: $c is missing: run scripts/install-deps.sh (make deps)"; exit 1; }
done
if [ ! -x "$LINTER/node_modules/.bin/redocly" ] ||
    [ "$LINTER/package-lock.json" -nt "$LINTER/node_modules/.package-lock.json" ]; then
    (cd "$LINTER" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$D/npm.log" 2>&1) ||
        { echo "32-openapi: npm ci in tests/openapi failed:"; tail -n 20 "$D/npm.log"; exit 1; }
fi
lint() { # FILE: every problem is an error (redocly.yaml), so any problem fails
    (cd "$LINTER" && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
        timeout 120 node_modules/.bin/redocly lint --config redocly.yaml --format=stylish "$1")
}
expect "docs/openapi.yaml passes redocly lint (recommended-strict)" 0 "Your API description is valid" lint "$SPEC"
# The linter must be able to say no: an unquoted comma in a flow mapping, a missing license,
# an operation without a 4XX response, each in a copy of the file.
sed "s/description: 'required for enclave-mock, absent for software'/description: required for enclave-mock, absent for software/" \
    "$SPEC" >"$D/comma.yaml"
expect "a copy with an unquoted comma in a flow mapping fails" 1 "Property \`absent for software\` is not expected here" lint "$D/comma.yaml"
sed '/^  license:$/,/^    url: /d' "$SPEC" >"$D/nolicense.yaml"
expect "a copy without info.license fails" 1 "info-license" lint "$D/nolicense.yaml"
awk '!(/"4XX": {\$ref: .#\/components\/responses\/HttpRefused.}/ && ++n == 1)' "$SPEC" >"$D/no4xx.yaml"
expect "a copy whose /healthz has no 4XX response fails" 1 "operation-4xx-response" lint "$D/no4xx.yaml"

# "METHOD PATH CODE CODE ..." for every operation of the spec.
awk '
    /^paths:/ { inp = 1; next }
    /^[a-z]/ { if (inp && op != "") print op codes; inp = 0; op = "" }
    inp && /^  \/[^ ]*:$/ { if (op != "") print op codes; op = ""; path = $1; sub(/:$/, "", path); next }
    inp && /^    (get|post|delete|put|patch):$/ {
        if (op != "") print op codes
        m = toupper($1); sub(/:$/, "", m); op = m " " path; codes = ""; next }
    inp && /^        "[0-9][0-9][0-9]":/ { c = $1; gsub(/[":]/, "", c); codes = codes " " c }
' "$SPEC" >"$D/ops.txt"
expect "the spec lists operations" 0 "" test "$(wc -l <"$D/ops.txt")" -eq 28

enclave_start enc || exit 1
api_start api enc || exit 1
ADMIN=$(api_org acme)
call GET /v1/enclave "$ADMIN" >"$D/enclave.json"
H=$(jfield imageHash <"$D/enclave.json")
K=$(jfield rootPublicKeyB64 <"$D/enclave.json")
POLICY="{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"$H\"],\"rootPublicKeyB64\":\"$K\"}}"
POL=$(call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d "$POLICY" | jfield id)
SPARE=$(call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d "$POLICY" | jfield id)
KEY=$(call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" | jfield id)
SIG=$(call POST "/v1/sign?keyId=$KEY" "$ADMIN" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$SPEC" | jfield id)
AK=$(call POST /v1/api-keys "$ADMIN" "${JSON[@]}" -d '{"name":"t","role":"viewer"}' | jfield id)
SPAREKEY=$(call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"spare","pqProvider":"software"}' | jfield id)

# A well-formed request for an operation: prints the status code.
status_of() { # METHOD PATH TOKEN
    local m=$1 p=$2 t=$3 args=()
    case "$m $p" in
    "POST /v1/attestation-policies" | "PUT /v1/attestation-policies/{id}") args=("${JSON[@]}" -d "$POLICY") ;;
    "POST /v1/hybrid-keys") args=("${JSON[@]}" -d '{"name":"s","pqProvider":"software"}') ;;
    "POST /v1/sign") args=("${JSON[@]}" -d "{\"keyId\":\"$KEY\",\"payloadB64\":\"aGk=\"}") ;;
    "POST /v1/api-keys") args=("${JSON[@]}" -d '{"name":"n","role":"signer"}') ;;
    esac
    case "$m $p" in
    "DELETE /v1/attestation-policies/{id}") p=/v1/attestation-policies/$SPARE ;;
    "DELETE /v1/api-keys/{id}") p=/v1/api-keys/$AK ;;
    "DELETE /v1/hybrid-keys/{id}") p=/v1/hybrid-keys/$SPAREKEY ;;
    *"/v1/hybrid-keys/{id}/rotate") p=/v1/hybrid-keys/$KEY/rotate ;;
    *"/v1/hybrid-keys/{id}/versions") p=/v1/hybrid-keys/$KEY/versions ;;
    *"/v1/hybrid-keys/{id}/versions/{n}/{action}") p=/v1/hybrid-keys/$KEY/versions/1/enable ;;
    *"/v1/attestation-policies/{id}") p=/v1/attestation-policies/$POL ;;
    *"/v1/hybrid-keys/{id}") p=/v1/hybrid-keys/$KEY ;;
    *"/v1/signatures/{id}/proof") p=/v1/signatures/$SIG/proof ;;
    *"/v1/signatures/{id}") p=/v1/signatures/$SIG ;;
    *"/v1/log/proof") p="/v1/log/proof?from=0" ;;
    *"/v1/log/tile/{tile}") p=/v1/log/tile/entries/000.p/1 ;;
    esac
    call "$m" "$p" "$t" "${args[@]}" | sed -n 's/^HTTP //p'
}

documents() { # STATUS CODES...: STATUS is one of CODES
    local s=$1
    shift
    case " $* " in *" $s "*) return 0 ;; esac
    echo "status $s is not documented (documented: $*)"
    return 1
}

while read -r m p codes; do
    # shellcheck disable=SC2086
    expect "$m $p answers a documented status" 0 "" documents "$(status_of "$m" "$p" "$ADMIN")" $codes
    case "$p" in
    /v1/*)
        # shellcheck disable=SC2086
        expect "$m $p without a key: 401" 0 "" documents "$(status_of "$m" "$p" "")" 401
        expect "$m $p documents 401" 0 "" sh -c "echo ' $codes ' | grep -q ' 401 '"
        ;;
    esac
done <"$D/ops.txt"

# The 4XX of /healthz and /metrics is real: header fields too large are refused before routing.
BIG="X-Padding: $(head -c 70000 /dev/zero | tr '\0' a)"
for p in /healthz /metrics; do
    expect "GET $p with 70 KB of header fields: 431 (documented as 4XX)" 0 "431" \
        curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "$BIG" "$API_URL$p"
done

# Every route the server has is in the spec.
sed -n 's/^    \[R_[A-Z]*\] = "\(\/[^"]*\)",$/\1/p' "$ROOT/src/server/api.c" >"$D/routes.txt"
expect "the server's route table was read" 0 "" test "$(wc -l <"$D/routes.txt")" -ge 12
while read -r r; do
    expect "route $r is documented" 0 "" grep -q "^  $r:\$" "$SPEC"
done <"$D/routes.txt"
t_done
