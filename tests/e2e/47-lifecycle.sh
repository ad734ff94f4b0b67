#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Key and policy lifecycle end to end, real processes on 127.0.0.1 (docs/http-api.md, Key
# versions and Policy versions): rotate an enclave key and a software key, sign with each
# version, verify old and new sign results offline from the key's JSON (which holds every
# version's public key), disable / enable / destroy versions, update a policy (PUT) and read
# its old version, sign results that name keyVersion, policyId and policyVersion, delete a key
# (it stays readable, never signs) and then its policy; and the same through postq key ... and
# postq policy update. The enclave runs with its default root: documents are signed
# ML-DSA-65-Ed25519.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
JSON=(-H 'Content-Type: application/json')
OCTET=(-H 'Content-Type: application/octet-stream')
printf 'release artifact v1\n' >"$D/a1.bin"
printf 'release artifact v2\n' >"$D/a2.bin"

ADMIN=$(api_org acme)
OTHER=$(api_org globex)
enclave_start enc || exit 1
api_start api enc || exit 1
ORG=$(sqlite3 "$D/api.db" "SELECT id FROM orgs WHERE name = 'acme'")
"$API" apikey create --org "$ORG" --role viewer --db "sqlite:$D/api.db" >"$D/viewer.key" 2>/dev/null
VIEWER=$(cat "$D/viewer.key")
api_sign_keys enc || { echo "could not make keys"; exit 1; }
export POSTQ_API_URL=$API_URL POSTQ_API_KEY=$ADMIN

sign() { # sign KEY FILE OUT: the sign result in OUT, the status on stdout
    curl -s -o "$3" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
        --data-binary @"$2" "$API_URL/v1/sign?keyId=$1"
}
num() { # num NAME < JSON: the first integer member NAME
    sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" | head -n 1
}

# ---- the default root: composite ----
expect "GET /v1/enclave: the root is mldsa65+ed25519" 0 '"rootAlgorithm":"mldsa65+ed25519"' \
    call GET /v1/enclave "$ADMIN"
expect "the policy pins a 1984-byte root (2648 base64 characters)" 0 "" \
    test "$(sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p' "$D/policy.json" | tr -d '\n' | wc -c)" -eq 2648
sign "$EKEY" "$D/a1.bin" "$D/s1.json" >"$D/code"
expect "sign with version 1: 200" 0 "200" cat "$D/code"
expect "...keyVersion 1, policyId and policyVersion 1" 0 "" \
    sh -c "grep -q '\"keyVersion\":1' '$D/s1.json' && grep -q '\"policyId\":\"$POL\"' '$D/s1.json' && grep -q '\"policyVersion\":1' '$D/s1.json'"
expect "...its document is signed ML-DSA-65-Ed25519" 0 '"alg":"ML-DSA-65-Ed25519"' \
    sh -c "sed -n 's/.*\"docB64\":\"\\([^\"]*\\)\".*/\\1/p' '$D/s1.json' | base64 -d | cut -d. -f1 | tr '_-' '/+' | base64 -d 2>/dev/null"
expect "postq attest verify accepts it under the composite pin" 0 "verified" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/s1.json" --payload "$D/a1.bin"

# ---- rotation ----
expect "a viewer cannot rotate: 403" 0 "HTTP 403" call POST "/v1/hybrid-keys/$EKEY/rotate" "$VIEWER"
expect "another organisation's key: 404" 0 "HTTP 404" call POST "/v1/hybrid-keys/$EKEY/rotate" "$OTHER"
call POST "/v1/hybrid-keys/$EKEY/rotate" "$ADMIN" >"$D/rot.out"
expect "rotate: 201 with version 2" 0 "HTTP 201" cat "$D/rot.out"
expect "...the key lists both versions, enabled" 0 "" \
    sh -c "grep -q '\"version\":2' '$D/rot.out' && test \$(grep -o '\"state\":\"enabled\"' '$D/rot.out' | wc -l) -eq 2"
expect "...and a new public key" 0 "" \
    test "$(grep -o '"publicKeyB64":"[^"]*"' "$D/rot.out" | sort -u | wc -l)" -eq 2
expect "GET /versions: two items" 0 "" \
    sh -c "test \$(curl -s -H 'Authorization: Bearer $VIEWER' '$API_URL/v1/hybrid-keys/$EKEY/versions' | grep -o '\"version\":' | wc -l) -eq 2"
sign "$EKEY" "$D/a2.bin" "$D/s2.json" >"$D/code"
expect "sign after rotate: 200 with keyVersion 2" 0 "" \
    sh -c "grep -q 200 '$D/code' && grep -q '\"keyVersion\":2' '$D/s2.json'"
"$CLI" key get "$EKEY" -o "$D/key.json" >/dev/null 2>&1
"$CLI" key get "$EKEY" --public-key-out "$D/key-v2.pem" >/dev/null 2>&1
expect "postq verify: the version 1 result with the key's JSON" 0 "verified" \
    "$CLI" verify --public-key "$D/key.json" --sign-result "$D/s1.json" --payload "$D/a1.bin" --policy "$D/policy.json"
expect "postq verify: the version 2 result with the key's JSON" 0 "verified" \
    "$CLI" verify --public-key "$D/key.json" --sign-result "$D/s2.json" --payload "$D/a2.bin" --policy "$D/policy.json"
expect "the version 1 result under version 2's PEM key: rejected" 1 "rejected: key_mismatch" \
    "$CLI" verify --public-key "$D/key-v2.pem" --sign-result "$D/s1.json" --payload "$D/a1.bin" --policy "$D/policy.json"
sed 's/"keyVersion":1/"keyVersion":7/' "$D/s1.json" >"$D/s1-v7.json"
expect "a keyVersion the key's JSON lacks: usage (2)" 2 "has no version 7" \
    "$CLI" verify --public-key "$D/key.json" --sign-result "$D/s1-v7.json" --payload "$D/a1.bin"

# ---- disable, enable, destroy ----
expect "disable version 2: 200, state disabled" 0 '"state":"disabled"' \
    call POST "/v1/hybrid-keys/$EKEY/versions/2/disable" "$ADMIN"
sign "$EKEY" "$D/a1.bin" "$D/s3.json" >"$D/code"
expect "...signing falls back to version 1" 0 "" \
    sh -c "grep -q 200 '$D/code' && grep -q '\"keyVersion\":1' '$D/s3.json'"
expect "disable version 1 too" 0 "HTTP 200" call POST "/v1/hybrid-keys/$EKEY/versions/1/disable" "$ADMIN"
expect "...no version signs: 409 key_disabled" 0 '"code":"key_disabled"' \
    call POST "/v1/sign?keyId=$EKEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/a1.bin"
expect "enable version 2" 0 '"state":"enabled"' call POST "/v1/hybrid-keys/$EKEY/versions/2/enable" "$ADMIN"
expect "destroy version 1: 200, state destroyed" 0 '"state":"destroyed"' \
    call POST "/v1/hybrid-keys/$EKEY/versions/1/destroy" "$ADMIN"
expect "...again: still 200" 0 "HTTP 200" call POST "/v1/hybrid-keys/$EKEY/versions/1/destroy" "$ADMIN"
expect "...a destroyed version cannot be enabled: 409 version_destroyed" 0 '"code":"version_destroyed"' \
    call POST "/v1/hybrid-keys/$EKEY/versions/1/enable" "$ADMIN"
expect "...its sealed key is gone from the database" 0 "" \
    test "$(sqlite3 "$D/api.db" "SELECT count(*) FROM key_versions WHERE key_id = '$EKEY' AND version = 1 AND sealed_key IS NULL AND state = 'destroyed'")" = 1
expect "...and its signature still verifies from the key's JSON" 0 "verified" \
    "$CLI" verify --public-key "$D/key.json" --sign-result "$D/s1.json" --payload "$D/a1.bin"
expect "no version 9: 404" 0 "HTTP 404" call POST "/v1/hybrid-keys/$EKEY/versions/9/disable" "$ADMIN"
expect "version 0: 404" 0 "HTTP 404" call POST "/v1/hybrid-keys/$EKEY/versions/0/disable" "$ADMIN"
expect "an unknown action: 404" 0 "HTTP 404" call POST "/v1/hybrid-keys/$EKEY/versions/2/explode" "$ADMIN"
expect "GET on an action: 405" 0 "HTTP 405" call GET "/v1/hybrid-keys/$EKEY/versions/2/disable" "$ADMIN"

# ---- software keys rotate too ----
expect "rotate a software key: 201" 0 "HTTP 201" call POST "/v1/hybrid-keys/$KEY/rotate" "$ADMIN"
sign "$KEY" "$D/a1.bin" "$D/soft.json" >"$D/code"
"$CLI" key get "$KEY" -o "$D/soft-key.json" >/dev/null 2>&1
expect "...its sign result names version 2 and verifies" 0 "verified" \
    sh -c "grep -q '\"keyVersion\":2' '$D/soft.json' && '$CLI' verify --public-key '$D/soft-key.json' --sign-result '$D/soft.json' --payload '$D/a1.bin'"

# ---- policy versions ----
H=$(sed -n 's/.*"allowedImageHashes":\["\([0-9a-f]*\)"\].*/\1/p' "$D/policy.json")
ROOT=$(sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p' "$D/policy.json")
NEWH=$(printf '%064d' 7)
printf '{"name":"e2e-v2","vendor":"mock","matchRules":{"allowedImageHashes":["%s","%s"],"rootPublicKeyB64":"%s","maxDocAgeSeconds":600},"enforce":true}' \
    "$H" "$NEWH" "$ROOT" >"$D/pol-v2.json"
expect "a viewer cannot PUT a policy: 403" 0 "HTTP 403" \
    call PUT "/v1/attestation-policies/$POL" "$VIEWER" "${JSON[@]}" -d @"$D/pol-v2.json"
expect "PUT: 200, version 2" 0 '"version":2' \
    call PUT "/v1/attestation-policies/$POL" "$ADMIN" "${JSON[@]}" -d @"$D/pol-v2.json"
expect "GET: the newest is version 2" 0 '"name":"e2e-v2"' call GET "/v1/attestation-policies/$POL" "$VIEWER"
expect "GET ?version=1: the first" 0 '"version":1' call GET "/v1/attestation-policies/$POL?version=1" "$VIEWER"
expect "GET ?version=3: 404" 0 "HTTP 404" call GET "/v1/attestation-policies/$POL?version=3" "$VIEWER"
expect "GET ?version=x: 400" 0 "HTTP 400" call GET "/v1/attestation-policies/$POL?version=x" "$VIEWER"
expect "PUT with another vendor: 400 invalid_policy" 0 '"code":"invalid_policy"' \
    call PUT "/v1/attestation-policies/$POL" "$ADMIN" "${JSON[@]}" -d "{\"name\":\"x\",\"vendor\":\"aws-nitro-enclave\",\"matchRules\":{\"pcrs\":{\"0\":[\"$(printf '%096d' 0)\"]},\"rootCertSha256\":\"$(printf '%064d' 1)\"}}"
expect "PUT of a bad policy: 400, nothing changes" 0 '"version":2' \
    sh -c "curl -s -X PUT -H 'Authorization: Bearer $ADMIN' -H 'Content-Type: application/json' -d '{\"name\":\"x\",\"vendor\":\"mock\",\"matchRules\":{}}' '$API_URL/v1/attestation-policies/$POL' | grep -q invalid_policy && curl -s -H 'Authorization: Bearer $ADMIN' '$API_URL/v1/attestation-policies/$POL'"
expect "PUT of an unknown policy: 404" 0 "HTTP 404" \
    call PUT "/v1/attestation-policies/pol_00000000000000000000000000" "$ADMIN" "${JSON[@]}" -d @"$D/pol-v2.json"
sign "$EKEY" "$D/a1.bin" "$D/s4.json" >"$D/code"
expect "a sign now records policyVersion 2" 0 "" \
    sh -c "grep -q 200 '$D/code' && grep -q '\"policyVersion\":2' '$D/s4.json'"
"$CLI" policy get "$POL" --version 1 -o "$D/pol-v1.json" >/dev/null 2>&1
expect "the old result re-verifies under the exact version that admitted it" 0 "verified" \
    "$CLI" attest verify --policy "$D/pol-v1.json" --sign-result "$D/s1.json" --payload "$D/a1.bin"

# ---- the CLI ----
expect "postq policy update --dry-run prints the change and stores nothing" 0 "- image" \
    "$CLI" policy update "$POL" --remove-image-hash "$NEWH" --dry-run
expect "...the policy is still version 2" 0 '"version":2' call GET "/v1/attestation-policies/$POL" "$VIEWER"
expect "postq policy update --remove-image-hash: version 3" 0 "version    3" \
    "$CLI" policy update "$POL" --remove-image-hash "$NEWH"
expect "postq policy update with no change: usage (2)" 2 "nothing changes" "$CLI" policy update "$POL"
expect "postq policy update --remove-image-hash of one not there: usage (2)" 2 "not in the policy" \
    "$CLI" policy update "$POL" --remove-image-hash "$NEWH"
expect "postq key rotate" 0 "version 3" "$CLI" key rotate "$EKEY"
expect "postq key versions" 0 "destroyed" "$CLI" key versions "$EKEY"
expect "postq key disable --version 3" 0 "disabled" "$CLI" key disable "$EKEY" --version 3
expect "postq key enable --version 3" 0 "enabled" "$CLI" key enable "$EKEY" --version 3
expect "postq key destroy without --yes: usage (2), nothing done" 2 "add --yes" \
    "$CLI" key destroy "$EKEY" --version 2
expect "postq key destroy --yes" 0 "destroyed" "$CLI" key destroy "$EKEY" --version 2 --yes
expect "postq key disable of a destroyed version: exit 2 with its code" 2 "version_destroyed" \
    "$CLI" key disable "$EKEY" --version 2
expect "postq key delete without --yes: usage (2)" 2 "add --yes" "$CLI" key delete "$EKEY"

# ---- deleting a key, then its policy ----
expect "the policy cannot go while the key lives: 409" 0 '"code":"policy_in_use"' \
    call DELETE "/v1/attestation-policies/$POL" "$ADMIN"
expect "postq key delete --yes" 0 "deleted" "$CLI" key delete "$EKEY" --yes
expect "GET the deleted key: state deleted, every version destroyed" 0 "" \
    sh -c "curl -s -H 'Authorization: Bearer $VIEWER' '$API_URL/v1/hybrid-keys/$EKEY' >'$D/del.json' && grep -q '\"state\":\"deleted\"' '$D/del.json' && ! grep -q '\"state\":\"enabled\"' '$D/del.json' && grep -q deletedAt '$D/del.json'"
expect "...no sealed key is left in the database" 0 "" \
    test "$(sqlite3 "$D/api.db" "SELECT count(*) FROM key_versions WHERE key_id = '$EKEY' AND sealed_key IS NOT NULL")" = 0
expect "sign with a deleted key: 409 key_deleted" 0 '"code":"key_deleted"' \
    call POST "/v1/sign?keyId=$EKEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/a1.bin"
expect "rotate a deleted key: 409 key_deleted" 0 '"code":"key_deleted"' \
    call POST "/v1/hybrid-keys/$EKEY/rotate" "$ADMIN"
expect "delete again: 200" 0 "HTTP 200" call DELETE "/v1/hybrid-keys/$EKEY" "$ADMIN"
expect "its signatures stay readable" 0 '"keyVersion":1' \
    call GET "/v1/signatures/$(jfield id <"$D/s1.json")" "$VIEWER"
expect "...and verify from the deleted key's JSON" 0 "verified" \
    sh -c "'$CLI' key get '$EKEY' -o '$D/del-key.json' >/dev/null && '$CLI' verify --public-key '$D/del-key.json' --sign-result '$D/s2.json' --payload '$D/a2.bin'"
expect "now the policy can be deleted: 204" 0 "HTTP 204" call DELETE "/v1/attestation-policies/$POL" "$ADMIN"
expect "...and the key no longer names it" 1 "" \
    sh -c "curl -s -H 'Authorization: Bearer $VIEWER' '$API_URL/v1/hybrid-keys/$EKEY' | grep attestationPolicyId"
expect "a viewer cannot delete a key: 403" 0 "HTTP 403" call DELETE "/v1/hybrid-keys/$KEY" "$VIEWER"
t_done
