#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq-api end to end, real processes on 127.0.0.1 ephemeral ports: the seed flow with curl
# (GET /v1/enclave, a policy pinned to it, a bound key, sign, re-verify the sign result with
# `postq attest verify`), software keys, every enclave fault mode rejected with its reason and
# nothing stored, audit mode, organisations kept apart, roles, hostile requests, the 409 of a
# bound policy, API keys, metrics, and recovery when the enclave restarts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
printf 'release artifact v1.2.3\n' >"$D/payload.bin"
JSON=(-H 'Content-Type: application/json')
OCTET=(-H 'Content-Type: application/octet-stream')

# ---- organisations and API keys made on the host ----
expect "org create prints the admin key alone on its line" 0 "" \
    sh -c "'$API' org create acme --db 'sqlite:$D/api.db' 2>/dev/null | grep -qE '^pqk_ak_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}\$'"
ADMIN=$("$API" org create acme --db "sqlite:$D/api.db" 2>"$D/org.err")
ORG=$(sed -n 's/^organisation \(org_[0-9A-Z]*\).*/\1/p' "$D/org.err")
OTHER=$(api_org globex)
expect "apikey create: signer" 0 "" \
    sh -c "'$API' apikey create --org '$ORG' --role signer --db 'sqlite:$D/api.db' >'$D/signer.key' 2>/dev/null"
expect "apikey create: viewer" 0 "" \
    sh -c "'$API' apikey create --org '$ORG' --role viewer --db 'sqlite:$D/api.db' >'$D/viewer.key' 2>/dev/null"
SIGNER=$(cat "$D/signer.key")
VIEWER=$(cat "$D/viewer.key")
expect "org create: a name with an escape sequence is usage" 2 "no control characters" \
    "$API" org create "$(printf 'acme\033[2J')" --db "sqlite:$D/api.db"
expect "org create: 128 characters is usage" 2 "1..127 characters" \
    "$API" org create "$(printf '%0128d' 0)" --db "sqlite:$D/api.db"
expect "apikey create: bad role is usage" 2 "--role" \
    "$API" apikey create --org "$ORG" --role root --db "sqlite:$D/api.db"
expect "apikey create: unknown organisation" 1 "no such organisation" \
    "$API" apikey create --org org_00000000000000000000000000 --role viewer --db "sqlite:$D/api.db"

# ---- the seed flow ----
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
api_start api enc || exit 1
expect "healthz: store and enclave ok" 0 '"status":"ok"' call GET /healthz ""
call GET /metrics "" >"$D/metrics0.txt"
expect "metrics from the start: every rejection series at zero" 0 \
    'postq_attestation_rejections_total{reason="nonce_mismatch"} 0' cat "$D/metrics0.txt"
expect "...all 18 reasons the API can give" 0 "" \
    test "$(grep -c '^postq_attestation_rejections_total{reason=' "$D/metrics0.txt")" -eq 18
expect "...and the enclave error kinds" 0 'postq_enclave_errors_total{kind="bad_reply"} 0' \
    cat "$D/metrics0.txt"
expect "metrics: postq_build_info" 0 'postq_build_info{version="' cat "$D/metrics0.txt"
expect "metrics: the enclave is up" 0 "postq_enclave_up 1" cat "$D/metrics0.txt"
expect "metrics: process metrics" 0 "process_resident_memory_bytes " cat "$D/metrics0.txt"
expect "metrics: CPU seconds and open descriptors" 0 "" \
    sh -c "grep -q '^process_cpu_seconds_total [0-9.]*\$' '$D/metrics0.txt' && grep -q '^process_open_fds [1-9][0-9]*\$' '$D/metrics0.txt' && grep -q '^process_start_time_seconds [1-9]' '$D/metrics0.txt'"
expect "every reply carries X-Request-Id" 0 "X-Request-Id: req_" \
    curl -s -D - -o /dev/null "$API_URL/healthz"
expect "no API key: 401" 0 "HTTP 401" call GET /v1/enclave ""
expect "bad API key: 401" 0 '"code":"unauthorized"' call GET /v1/enclave "${ADMIN%?}x"
expect "unknown API key id: 401" 0 "HTTP 401" \
    call GET /v1/enclave "pqk_ak_00000000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
call GET /v1/enclave "$ADMIN" >"$D/enclave.json"
expect "GET /v1/enclave: what to pin" 0 '"vendor":"mock"' cat "$D/enclave.json"
H=$(jfield imageHash <"$D/enclave.json")
K=$(jfield rootPublicKeyB64 <"$D/enclave.json")
policy_body() { # NAME ENFORCE
    printf '{"name":"%s","vendor":"mock","matchRules":{"allowedImageHashes":["%s"],"rootPublicKeyB64":"%s","maxDocAgeSeconds":300},"enforce":%s}' \
        "$1" "$H" "$K" "$2"
}
call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d "$(policy_body prod true)" >"$D/pol.json"
expect "create a policy pinned to the enclave: 201" 0 "HTTP 201" cat "$D/pol.json"
POL=$(jfield id <"$D/pol.json")
head -n 1 "$D/pol.json" >"$D/policy.json"
call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"release\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" >"$D/key.json"
expect "create a bound enclave key: publicKeyB64" 0 '"publicKeyB64":"' cat "$D/key.json"
expect "key response: 201" 0 "HTTP 201" cat "$D/key.json"
KEY=$(jfield id <"$D/key.json")
call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" >"$D/sign.out"
expect "sign (octet-stream): 200, verdict pass" 0 '"verdict":"pass"' cat "$D/sign.out"
head -n 1 "$D/sign.out" >"$D/sig.json"
SIG=$(jfield id <"$D/sig.json")
expect "the sign result re-verifies offline with postq attest verify" 0 "verified:" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/sig.json" --payload "$D/payload.bin"
printf 'tampered\n' >"$D/tampered.bin"
expect "...and is rejected for another payload" 1 "payload_hash_mismatch" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/sig.json" --payload "$D/tampered.bin"
head -n 1 "$D/key.json" >"$D/key-only.json"
expect "postq verify with the key's JSON from the API" 0 "verified:" \
    "$CLI" verify --public-key "$D/key-only.json" --sign-result "$D/sig.json" --payload "$D/payload.bin" --policy "$D/policy.json"
B64=$(base64 -w0 "$D/payload.bin")
expect "sign (JSON payloadB64): 200" 0 '"verdict":"pass"' \
    call POST /v1/sign "$SIGNER" "${JSON[@]}" -d "{\"keyId\":\"$KEY\",\"payloadB64\":\"$B64\"}"
expect "GET /v1/signatures/{id}" 0 "\"id\":\"$SIG\"" call GET "/v1/signatures/$SIG" "$VIEWER"
expect "GET /v1/signatures?keyId=&limit=1 pages" 0 '"nextCursor":"sig_' \
    call GET "/v1/signatures?keyId=$KEY&limit=1" "$VIEWER"
expect "GET /v1/hybrid-keys/{id}" 0 "\"attestationPolicyId\":\"$POL\"" call GET "/v1/hybrid-keys/$KEY" "$VIEWER"
expect "GET /v1/attestation-policies lists it" 0 "\"id\":\"$POL\"" call GET /v1/attestation-policies "$VIEWER"
expect "enclave key without a policy: 422 policy_required" 0 '"code":"policy_required"' \
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"x","pqProvider":"enclave-mock"}'
expect "unknown provider: 400" 0 "HTTP 400" \
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"x","pqProvider":"hsm"}'
expect "unknown algorithm: 400" 0 "HTTP 400" \
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"x","algorithm":"rsa","pqProvider":"software"}'
expect "aws-nitro-enclave policy (its verifier is built): 201" 0 "HTTP 201" \
    call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" \
    -d '{"name":"n","vendor":"aws-nitro-enclave","matchRules":{"pcrs":{"0":["'"$(printf '%096d' 0)"'"]},"rootCertSha256":"'"$(printf '%064d' 0)"'"}}'
expect "aws-nitro-enclave policy with a short PCR: 400 names the field" 0 "matchRules.pcrs.0[0]" \
    call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" \
    -d '{"name":"n","vendor":"aws-nitro-enclave","matchRules":{"pcrs":{"0":["00"]},"rootCertSha256":"'"$(printf '%064d' 0)"'"}}'
expect "invalid policy names the field: 400" 0 "matchRules" \
    call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" \
    -d '{"name":"n","vendor":"mock","matchRules":{"allowedImageHashes":[],"rootPublicKeyB64":"'"$K"'"}}'

# ---- every algorithm; software keys ----
for alg in mldsa44+ed25519 mldsa87+ed448; do
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
        -d "{\"name\":\"a\",\"algorithm\":\"$alg\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" >"$D/k.json"
    k=$(jfield id <"$D/k.json")
    call POST "/v1/sign?keyId=$k" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" | head -n 1 >"$D/s.json"
    expect "$alg: sign and re-verify" 0 "verified:" \
        "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/s.json" --payload "$D/payload.bin"
done
for alg in mldsa44+ed25519 mldsa87+ed448; do
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
        -d "{\"name\":\"sw\",\"algorithm\":\"$alg\",\"pqProvider\":\"software\"}" | head -n 1 >"$D/swk.json"
    k=$(jfield id <"$D/swk.json")
    call POST "/v1/sign?keyId=$k" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" | head -n 1 >"$D/sws.json"
    expect "software $alg: sign and verify with postq verify" 0 "verified:" \
        "$CLI" verify --public-key "$D/swk.json" --sign-result "$D/sws.json" --payload "$D/payload.bin"
done
call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"sw","pqProvider":"software"}' >"$D/sw.json"
expect "software key: 201" 0 '"pqProvider":"software"' cat "$D/sw.json"
SW=$(jfield id <"$D/sw.json")
head -n 1 "$D/sw.json" >"$D/sw-key.json"
call POST "/v1/sign?keyId=$SW" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" >"$D/sw-sign.out"
expect "software key signs: 200" 0 "HTTP 200" cat "$D/sw-sign.out"
head -n 1 "$D/sw-sign.out" >"$D/sw-sig.json"
expect "software sign result has no attestation" 1 "" grep -q attestation "$D/sw-sig.json"
expect "software signature verifies with postq verify" 0 "verified:" \
    "$CLI" verify --public-key "$D/sw-key.json" --sign-result "$D/sw-sig.json" --payload "$D/payload.bin"
expect "kek.key is 0600" 0 "" sh -c "[ \$(stat -c %a '$D/api-state/kek.key') = 600 ]"
expect "software key with a policy: 422" 0 "HTTP 422" \
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d "{\"name\":\"x\",\"pqProvider\":\"software\",\"attestationPolicyId\":\"$POL\"}"

# ---- roles ----
expect "viewer cannot sign: 403" 0 '"code":"forbidden"' \
    call POST "/v1/sign?keyId=$KEY" "$VIEWER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "viewer reads keys: 200" 0 "HTTP 200" call GET /v1/hybrid-keys "$VIEWER"
expect "signer cannot create a policy: 403" 0 "HTTP 403" \
    call POST /v1/attestation-policies "$SIGNER" "${JSON[@]}" -d "$(policy_body p true)"
expect "signer cannot create a key: 403" 0 "HTTP 403" \
    call POST /v1/hybrid-keys "$SIGNER" "${JSON[@]}" -d '{"name":"sw","pqProvider":"software"}'
expect "signer cannot list API keys: 403" 0 "HTTP 403" call GET /v1/api-keys "$SIGNER"
expect "viewer cannot delete a policy: 403" 0 "HTTP 403" call DELETE "/v1/attestation-policies/$POL" "$VIEWER"

# ---- organisations apart: another organisation's ids answer 404 ----
expect "other org: key 404" 0 "HTTP 404" call GET "/v1/hybrid-keys/$KEY" "$OTHER"
expect "other org: policy 404" 0 "HTTP 404" call GET "/v1/attestation-policies/$POL" "$OTHER"
expect "other org: signature 404" 0 "HTTP 404" call GET "/v1/signatures/$SIG" "$OTHER"
expect "other org: sign with the key 404" 0 "HTTP 404" \
    call POST "/v1/sign?keyId=$KEY" "$OTHER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "other org: delete the policy 404" 0 "HTTP 404" call DELETE "/v1/attestation-policies/$POL" "$OTHER"
expect "other org: list signatures by the key 404" 0 "HTTP 404" call GET "/v1/signatures?keyId=$KEY" "$OTHER"
expect "other org: lists are empty" 0 '{"items":[],"nextCursor":null}' call GET /v1/hybrid-keys "$OTHER"
expect "other org: bind a key to the policy 404" 0 "HTTP 404" \
    call POST /v1/hybrid-keys "$OTHER" "${JSON[@]}" -d "{\"name\":\"x\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}"

# ---- hostile requests ----
expect "malformed JSON: 400 malformed_json" 0 '"code":"malformed_json"' \
    call POST /v1/sign "$SIGNER" "${JSON[@]}" -d '{"keyId":'
expect "duplicate members: 400 duplicate_member" 0 '"code":"duplicate_member"' \
    call POST /v1/sign "$SIGNER" "${JSON[@]}" -d "{\"keyId\":\"$KEY\",\"keyId\":\"$KEY\",\"payloadB64\":\"\"}"
expect "duplicate members in a policy: 400" 0 '"code":"duplicate_member"' \
    call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d '{"name":"a","name":"b"}'
expect "wrong content type: 415" 0 '"code":"unsupported_media_type"' \
    call POST /v1/attestation-policies "$ADMIN" -H 'Content-Type: text/plain' -d "$(policy_body p true)"
expect "no content type on sign: 415" 0 "HTTP 415" \
    call POST /v1/sign "$SIGNER" -H 'Content-Type:' -d "{\"keyId\":\"$KEY\"}"
head -c 1100000 /dev/zero | tr '\0' 'A' >"$D/big.b64"
{ printf '{"keyId":"%s","payloadB64":"' "$KEY"; cat "$D/big.b64"; printf '"}'; } >"$D/big.json"
expect "JSON over 1 MiB: 413" 0 '"code":"too_large"' \
    call POST /v1/sign "$SIGNER" "${JSON[@]}" --data-binary @"$D/big.json"
head -c $((64 * 1024 * 1024)) /dev/zero >"$D/huge.bin"
expect "octet-stream of exactly 64 MiB signs: 200" 0 '"verdict":"pass"' \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/huge.bin"
printf 'x' >>"$D/huge.bin"
expect "octet-stream over 64 MiB: 413" 0 "HTTP 413" \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/huge.bin"
head -c $((2 * 1024 * 1024)) /dev/zero >"$D/2m.bin"
expect "octet-stream over 1 MiB without a valid key: 401, body never read" 0 "HTTP 401" \
    call POST "/v1/sign?keyId=$KEY" "${ADMIN%?}x" "${OCTET[@]}" --data-binary @"$D/2m.bin"
expect "octet-stream over 1 MiB from a viewer: 403" 0 "HTTP 403" \
    call POST "/v1/sign?keyId=$KEY" "$VIEWER" "${OCTET[@]}" --data-binary @"$D/2m.bin"
rm -f "$D/huge.bin"
expect "chunked JSON over 1 MiB: 413" 0 "HTTP 413" \
    call POST /v1/sign "$SIGNER" "${JSON[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$D/big.json"
expect "bad base64 payload: 400" 0 "HTTP 400" \
    call POST /v1/sign "$SIGNER" "${JSON[@]}" -d "{\"keyId\":\"$KEY\",\"payloadB64\":\"a b\"}"
expect "body not an object: 400" 0 "HTTP 400" call POST /v1/api-keys "$ADMIN" "${JSON[@]}" -d '[1]'
expect "unknown key id: 404" 0 "HTTP 404" \
    call POST "/v1/sign?keyId=key_nonsense" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "unknown route: 404" 0 '"code":"not_found"' call GET /v1/nothing "$ADMIN"
expect "wrong method: 405" 0 "HTTP 405" call PUT /v1/sign "$ADMIN"

# ---- strict framing: a request's length read one way only; no NUL cutting an id short ----
strict() { curl -s --max-time 5 -H "Authorization: Bearer $ADMIN" "$@"; }
expect "two different Content-Lengths: 400 bad_request" 0 '"conflicting Content-Length headers"' \
    strict -X POST -H 'Content-Type: application/json' -H 'Content-Length: 2' \
    -H 'Content-Length: 5' --data-binary '{}' "$API_URL/v1/attestation-policies"
expect "Content-Length beside Transfer-Encoding: 400 bad_request" 0 \
    '"both Content-Length and Transfer-Encoding"' \
    strict -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    -H 'Content-Length: 2' --data-binary '{}' "$API_URL/v1/attestation-policies"
expect "the same Content-Length twice is one length" 0 '"invalid_request"' \
    strict -X POST -H 'Content-Type: application/json' -H 'Content-Length: 2' \
    -H 'Content-Length: 2' --data-binary '{}' "$API_URL/v1/attestation-policies"
expect "a key's id with %00junk after it does not find the key" 0 '"code":"not_found"' \
    strict --path-as-is "$API_URL/v1/hybrid-keys/$KEY%00junk"
expect "...while the id itself does" 0 "\"id\":\"$KEY\"" strict "$API_URL/v1/hybrid-keys/$KEY"
expect "keyId=<id>%00x in a query does not match the key" 0 '"error"' \
    strict "$API_URL/v1/signatures?keyId=$KEY%00x"
expect "other escapes still decode (limit=%31)" 0 '"items"' strict "$API_URL/v1/hybrid-keys?limit=%31"
expect "405 carries Allow" 0 "Allow: POST" curl -s -D - -o /dev/null -X GET "$API_URL/v1/sign"
expect "405 on a collection lists both methods" 0 "Allow: GET, POST" \
    curl -s -D - -o /dev/null -X DELETE "$API_URL/v1/hybrid-keys"
expect "405 on the dashboard's files" 0 "Allow: GET, HEAD" \
    curl -s -D - -o /dev/null -X POST "$API_URL/index.html"
expect "bad limit: 400" 0 "HTTP 400" call GET "/v1/signatures?limit=0" "$VIEWER"
expect "bad cursor: 400" 0 "HTTP 400" call GET "/v1/signatures?cursor=bogus" "$VIEWER"
expect "the server lives on" 0 '"status":"ok"' call GET /healthz ""

# ---- policy delete while bound: 409; unbound: 204 ----
expect "delete a bound policy: 409" 0 "HTTP 409" call DELETE "/v1/attestation-policies/$POL" "$ADMIN"
call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d "$(policy_body spare true)" >"$D/spare.json"
SPARE=$(jfield id <"$D/spare.json")
expect "delete an unbound policy: 204" 0 "HTTP 204" call DELETE "/v1/attestation-policies/$SPARE" "$ADMIN"
expect "then it is gone: 404" 0 "HTTP 404" call GET "/v1/attestation-policies/$SPARE" "$ADMIN"

# ---- API keys over HTTP ----
call POST /v1/api-keys "$ADMIN" "${JSON[@]}" -d '{"name":"ci","role":"signer"}' >"$D/ak.json"
expect "POST /v1/api-keys: 201 with the token once" 0 '"token":"pqk_' cat "$D/ak.json"
AK=$(jfield id <"$D/ak.json")
AKT=$(jfield token <"$D/ak.json")
expect "the new token works" 0 "HTTP 200" call GET /v1/hybrid-keys "$AKT"
expect "the list never shows a token" 1 "" sh -c "curl -s -H 'Authorization: Bearer $ADMIN' '$API_URL/v1/api-keys' | grep -q token"
expect "DELETE /v1/api-keys/{id}: 204" 0 "HTTP 204" call DELETE "/v1/api-keys/$AK" "$ADMIN"
expect "a deleted token is refused: 401" 0 "HTTP 401" call GET /v1/hybrid-keys "$AKT"
expect "bad role: 400" 0 "HTTP 400" call POST /v1/api-keys "$ADMIN" "${JSON[@]}" -d '{"name":"x","role":"root"}'
# The organisation's last admin key cannot be deleted (409 last_admin_key), another admin's can.
ADMIN_ID=$(printf '%s' "$ADMIN" | cut -c5-33)
call POST /v1/api-keys "$ADMIN" "${JSON[@]}" -d '{"name":"ops","role":"admin"}' >"$D/ak2.json"
AK2=$(jfield id <"$D/ak2.json")
AK2T=$(jfield token <"$D/ak2.json")
expect "an admin deletes another admin's key: 204" 0 "HTTP 204" call DELETE "/v1/api-keys/$AK2" "$ADMIN"
expect "the last admin key cannot delete itself: 409" 0 '"code":"last_admin_key"' call DELETE "/v1/api-keys/$ADMIN_ID" "$ADMIN"
expect "and it still works" 0 "HTTP 200" call GET /v1/api-keys "$ADMIN"
expect "a deleted admin token is refused: 401" 0 "HTTP 401" call GET /v1/api-keys "$AK2T"
expect "a name with an escape sequence: 400" 0 '"code":"invalid_request"' call POST /v1/api-keys "$ADMIN" "${JSON[@]}" -d '{"name":"x\u001b[2J","role":"viewer"}'

# ---- enclave fault modes: 422 with the reason, nothing stored ----
count_sigs() { # KEY
    curl -s -H "Authorization: Bearer $VIEWER" "$API_URL/v1/signatures?keyId=$1&limit=100" |
        grep -o '"id":"sig_' | wc -l
}
fault_enclave() { # MODE
    enclave_stop "$EPID"
    rm -f "$D/enc.sock" # so that enclave_start waits for the new daemon's socket
    enclave_start enc POSTQ_ENCLAVE_TEST_FAULT="$1" POSTQ_ENCLAVE_ALLOW_TEST_FAULTS=1 || exit 1
    EPID=$ENCLAVE_PID
}
for pair in image-hash:image_not_allowed sig-sha256:sig_hash_mismatch \
    payload-sha256:payload_hash_mismatch nonce:nonce_mismatch stale-clock:doc_stale \
    future-clock:doc_from_future other-root:doc_signature_invalid; do
    mode=${pair%%:*}
    reason=${pair#*:}
    fault_enclave "$mode"
    before=$(count_sigs "$KEY")
    expect "fault $mode: 422 $reason" 0 "\"code\":\"$reason\"" \
        call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
    expect "fault $mode: nothing stored" 0 "" test "$(count_sigs "$KEY")" -eq "$before"
done
fault_enclave reused-counter
expect "fault reused-counter: the first document passes" 0 "HTTP 200" \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
before=$(count_sigs "$KEY")
expect "fault reused-counter: the repeat is 422 counter_reused" 0 '"code":"counter_reused"' \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "fault reused-counter: nothing stored" 0 "" test "$(count_sigs "$KEY")" -eq "$before"
expect "metrics count rejections by reason" 0 'postq_attestation_rejections_total{reason="counter_reused"} 1' \
    call GET /metrics ""
call GET /metrics "" >"$D/metrics.txt"
hits=$(sed -n 's/^postq_verify_cache_lookups_total{result="hit"} //p' "$D/metrics.txt")
misses=$(sed -n 's/^postq_verify_cache_lookups_total{result="miss"} //p' "$D/metrics.txt")
expect "metrics: the sign path reuses expanded keys (hits $hits > misses $misses > 0)" 0 "" \
    test "${hits:-0}" -gt "${misses:-0}" -a "${misses:-0}" -gt 0

# ---- audit mode (enforce: false): stored with verdict fail and the reason ----
call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d "$(policy_body audit false)" >"$D/audit.json"
AUDIT=$(jfield id <"$D/audit.json")
call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"audited\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$AUDIT\"}" >"$D/akey.json"
AKEY=$(jfield id <"$D/akey.json")
fault_enclave image-hash
call POST "/v1/sign?keyId=$AKEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" >"$D/audit-sign.out"
expect "audit mode: 200 with verdict fail" 0 '"verdict":"fail","reason":"image_not_allowed"' cat "$D/audit-sign.out"
ASIG=$(head -n 1 "$D/audit-sign.out" | jfield id)
expect "audit mode: the row is stored" 0 '"reason":"image_not_allowed"' call GET "/v1/signatures/$ASIG" "$VIEWER"
fault_enclave reused-counter
call POST "/v1/sign?keyId=$AKEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" >/dev/null
expect "audit mode: a reused counter is stored with verdict fail" 0 '"reason":"counter_reused"' \
    call POST "/v1/sign?keyId=$AKEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"

# ---- activity: the refusals above (8, under enforce) and the audit failures (2) ----
call GET "/v1/activity?hours=2" "$VIEWER" >"$D/activity.json"
expect "activity: a viewer reads it, 2 hourly buckets" 0 '"bucketSeconds":3600' cat "$D/activity.json"
expect "activity: 8 refused signs, 2 stored with a failed attestation" 0 '"auditFailed":2,"rejected":8}' \
    sh -c "sed -n 's/.*\"totals\":\({[^}]*}\).*/\1/p' '$D/activity.json'"
expect "activity: the newest refusal first, with its key and reason" 0 \
    "\"recentRejections\":[{\"keyId\":\"$KEY\",\"reason\":\"counter_reused\"" cat "$D/activity.json"
expect "activity: each organisation sees its own" 0 '"totals":{"signed":0,"auditFailed":0,"rejected":0},"recentRejections":[]' \
    call GET /v1/activity "$OTHER"
expect "activity: hours 169 is 400" 0 '"code":"invalid_request"' call GET "/v1/activity?hours=169" "$VIEWER"
expect "activity: POST is 405" 0 "HTTP 405" call POST /v1/activity "$ADMIN"

# ---- the enclave goes away and comes back ----
enclave_stop "$EPID"
rm -f "$D/enc.sock"
expect "enclave down: sign 503 enclave_unavailable" 0 '"code":"enclave_unavailable"' \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "enclave down: healthz 503" 0 '"enclave":{"ok":false,"reason":"enclave_unavailable"' call GET /healthz ""
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
expect "enclave back: sign 200 again" 0 '"verdict":"pass"' \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
enclave_stop "$EPID" KILL
rm -f "$D/enc.sock" # a killed daemon leaves its socket file: wait for the new one
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
expect "enclave killed and restarted: sign 200" 0 '"verdict":"pass"' \
    call POST "/v1/sign?keyId=$KEY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "metrics: requests by route and status" 0 'postq_http_requests_total{route="/v1/sign",method="POST",status="422"}' \
    call GET /metrics ""
expect "metrics: enclave errors" 0 'postq_enclave_errors_total{kind="unreachable"}' call GET /metrics ""
enclave_stop "$EPID" TERM
expect "healthz with the enclave stopped: 503" 0 '"enclave":{"ok":false,"reason":"enclave_unavailable"' call GET /healthz ""
expect "metrics: the enclave is down (the latest call's outcome)" 0 "postq_enclave_up 0" \
    call GET /metrics ""
enclave_start enc || exit 1
EPID=$ENCLAVE_PID

# ---- concurrency: 8 clients x 10 signs on a fresh key: all stored, no counter twice ----
call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"busy\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" >"$D/busy.json"
BUSY=$(jfield id <"$D/busy.json")
client() { # N
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        call POST "/v1/sign?keyId=$BUSY" "$SIGNER" "${OCTET[@]}" --data-binary @"$D/payload.bin" |
            tail -n 1
    done >"$D/par.$1"
}
pids=()
for i in 1 2 3 4 5 6 7 8; do
    client "$i" &
    pids+=($!)
done
wait "${pids[@]}"
expect "80 concurrent signs: all 200" 0 "" sh -c "[ \$(cat '$D'/par.* | grep -c '^HTTP 200') -eq 80 ]"
expect "80 concurrent signs: 80 rows" 0 "" test "$(count_sigs "$BUSY")" -eq 80
curl -s -H "Authorization: Bearer $VIEWER" "$API_URL/v1/signatures?keyId=$BUSY&limit=100" |
    grep -o '"counter":[0-9]*' | sort >"$D/counters.txt"
expect "80 concurrent signs: 80 distinct counters" 0 "" \
    sh -c "[ \$(sort -u '$D/counters.txt' | wc -l) -eq 80 ]"

# ---- a clean stop ----
kill -TERM "$API_PID"
expect "SIGTERM stops the server cleanly" 0 "" wait "$API_PID"
expect "the server logs one line per request with its id" 0 "POST /v1/sign 422" \
    grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z postq-api: req_[0-9A-Z]{26} " "$D/api.log"
expect "...with the organisation, the API key's id and the ids touched" 0 \
    "org=$ORG apikey=ak_" grep -E " POST /v1/sign 200 [0-9.]+ ms org=org_[0-9A-Z]{26} apikey=ak_[0-9A-Z]{26} ids=key_[0-9A-Z]{26},sig_[0-9A-Z]{26}$" "$D/api.log"
expect "...and the error code of a failure" 0 "error=" \
    grep -E " POST /v1/sign 422 .* error=[a-z_]+$" "$D/api.log"
expect "...a policy create names the new policy" 0 "ids=pol_" \
    grep -E " POST /v1/attestation-policies 201 .* ids=pol_[0-9A-Z]{26}$" "$D/api.log"
expect "...an unauthenticated request has no caller" 0 "org=- apikey=- ids=-" \
    grep -E " GET /healthz 200 " "$D/api.log"
expect "the server never logged a token" 1 "" grep -q "pqk_" "$D/api.log"
t_done
