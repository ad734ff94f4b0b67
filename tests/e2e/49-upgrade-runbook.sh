#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docs/upgrades.md, performed: the runbooks as an operator runs them, with real processes.
#
# 1. An enclave upgrade. Enclave A (one image) serves API node A; a key is bound to a policy
#    that allows A's image. A new image B (another build: another imageHash) is measured, its
#    hash added to the policy (postq policy update), enclave B started with the deployment
#    secret behind API node B on the same database; both sign. A's hash is removed: A's signs
#    are now refused (422 image_not_allowed, nothing stored) while B's go on; a signature made on
#    A re-verifies under the policy version that admitted it.
# 2. A root rotation, from an Ed25519 root to the composite one, with no window in which valid
#    documents are refused: a secret with the old seed and sealing key and the composite root
#    (secret new --from), its root added to the policy (postq policy update --add-root-key),
#    new enclaves started with it; documents of both roots verify; the old root is removed, and
#    then only composite documents do.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
OCTET=(-H 'Content-Type: application/octet-stream')
printf 'artifact for the upgrade\n' >"$D/art.bin"

measure() { # measure BINARY STATE SECRET FIELD
    "$1" measure --state "$2" --secret "$3" | sed -n "s/.*\"$4\":\"\\([^\"]*\\)\".*/\\1/p"
}
start_enclave() { # start_enclave BINARY NAME SECRET: ENCLAVE_PID
    "$1" --state "$D/$2" --secret "$3" --listen "unix:$D/$2.sock" >>"$D/$2.log" 2>&1 &
    ENCLAVE_PID=$!
    E2E_PIDS+=("$ENCLAVE_PID")
    for _ in $(seq 1 250); do
        "$CLIENT" info "unix:$D/$2.sock" >/dev/null 2>&1 && return 0
        sleep 0.02
    done
    echo "enclave $2 did not start:"; cat "$D/$2.log"
    return 1
}
jid() { # the "id" of the (indented) JSON on stdin
    sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -n 1
}
sign_on() { # sign_on API_URL KEY OUT: HTTP status
    curl -s -o "$3" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
        --data-binary @"$D/art.bin" "$1/v1/sign?keyId=$2"
}

# ---- two images of the enclave: the build, and the build with one more byte ----
mkdir -p "$D/imgA" "$D/imgB"
cp "$ENCLAVE" "$D/imgA/postq-enclave"
cp "$ENCLAVE" "$D/imgB/postq-enclave"
printf '\n# image B\n' >>"$D/imgB/postq-enclave"
A_BIN=$D/imgA/postq-enclave
B_BIN=$D/imgB/postq-enclave
"$ENCLAVE" secret new "$D/deploy.secret" >/dev/null

# ---- runbook 1: an enclave upgrade ----
start_enclave "$A_BIN" encA "$D/deploy.secret" || exit 1
api_start nodeA encA || exit 1
NODE_A=$API_URL
ADMIN=$(api_org acme)
export POSTQ_API_URL=$NODE_A POSTQ_API_KEY=$ADMIN
HA=$(measure "$A_BIN" "$D/encA" "$D/deploy.secret" imageHash)
ROOT=$(measure "$A_BIN" "$D/encA" "$D/deploy.secret" rootPublicKeyB64)
POL=$("$CLI" policy create --name release --vendor mock --image-hash "$HA" --root-key "$ROOT" \
    --max-age 300 --json | jid)
KEY=$("$CLI" key create --name release --provider enclave-mock --policy "$POL" --json | jid)
expect "step 0: enclave A signs under the policy (version 1)" 0 "200" sign_on "$NODE_A" "$KEY" "$D/a1.json"
HB=$(measure "$B_BIN" "$D/encB" "$D/deploy.secret" imageHash)
expect "step 1: image B has another imageHash and the same root" 0 "" \
    sh -c "test -n '$HB' && test '$HB' != '$HA' && test \"\$('$B_BIN' measure --state '$D/encB' --secret '$D/deploy.secret' | sed -n 's/.*\"rootPublicKeyB64\":\"\\([^\"]*\\)\".*/\\1/p')\" = '$ROOT'"
expect "step 2: postq policy update --add-image-hash B shows the change" 0 "+ image      $HB" \
    "$CLI" policy update "$POL" --add-image-hash "$HB"
expect "...the policy is now version 2" 0 '"version": 2' "$CLI" policy get "$POL" --json
start_enclave "$B_BIN" encB "$D/deploy.secret" || exit 1
api_start nodeB encB || exit 1
NODE_B=$API_URL
expect "step 3: enclave B signs with the same key (it unseals A's key)" 0 "200" \
    sign_on "$NODE_B" "$KEY" "$D/b1.json"
expect "...under policy version 2, B's image in its document" 0 "" \
    sh -c "grep -q '\"policyVersion\":2' '$D/b1.json' && grep -q '\"imageHash\":\"$HB\"' '$D/b1.json'"
expect "...and enclave A still signs" 0 "200" sign_on "$NODE_A" "$KEY" "$D/a2.json"
expect "step 4: postq policy update --remove-image-hash A" 0 "- image      $HA" \
    "$CLI" policy update "$POL" --remove-image-hash "$HA"
expect "...A's signs are refused now: 422 image_not_allowed" 0 "422" \
    sign_on "$NODE_A" "$KEY" "$D/a3.json"
expect "...with the reason code" 0 '"code":"image_not_allowed"' cat "$D/a3.json"
expect "...and nothing of them is stored" 0 "" \
    test "$(sqlite3 "$D/api.db" "SELECT count(*) FROM signatures WHERE att_image_hash = '$HA'")" = 2
expect "...B's go on (policy version 3)" 0 "200" sign_on "$NODE_B" "$KEY" "$D/b2.json"
expect "...its result names policyVersion 3" 0 '"policyVersion":3' cat "$D/b2.json"
"$CLI" policy get "$POL" --version 1 -o "$D/pol-v1.json" >/dev/null
"$CLI" policy get "$POL" -o "$D/pol-now.json" >/dev/null
"$CLI" key get "$KEY" -o "$D/key.json" >/dev/null
expect "step 5: A's old signature re-verifies under the version that admitted it" 0 "verified" \
    "$CLI" verify --public-key "$D/key.json" --sign-result "$D/a1.json" --payload "$D/art.bin" --policy "$D/pol-v1.json"
expect "...while the current version no longer allows its image" 1 "rejected: image_not_allowed" \
    "$CLI" attest verify --policy "$D/pol-now.json" --sign-result "$D/a1.json" --payload "$D/art.bin"
expect "...and B's signature verifies under the current one" 0 "verified" \
    "$CLI" verify --public-key "$D/key.json" --sign-result "$D/b2.json" --payload "$D/art.bin" --policy "$D/pol-now.json"
kill -TERM "$(pgrep -f "unix:$D/encA.sock" | head -1)" 2>/dev/null

# ---- runbook 2: a root rotation, Ed25519 to composite ----
"$ENCLAVE" secret new --root ed25519 "$D/old.secret" >/dev/null
start_enclave "$ENCLAVE" encOld "$D/old.secret" || exit 1
api_start nodeOld encOld || exit 1
NODE_OLD=$API_URL
export POSTQ_API_URL=$NODE_OLD
H=$(measure "$ENCLAVE" "$D/encOld" "$D/old.secret" imageHash)
R0=$(measure "$ENCLAVE" "$D/encOld" "$D/old.secret" rootPublicKeyB64)
expect "the old deployment's root is Ed25519 (44 base64 characters)" 0 "" test "${#R0}" -eq 44
POL2=$("$CLI" policy create --name rooted --vendor mock --image-hash "$H" --root-key "$R0" --json | jid)
KEY2=$("$CLI" key create --name rooted --provider enclave-mock --policy "$POL2" --json | jid)
expect "the old root signs (Ed25519 documents)" 0 "200" sign_on "$NODE_OLD" "$KEY2" "$D/o1.json"
expect "step 1: secret new --root mldsa65+ed25519 --from the old secret" 0 "root mldsa65+ed25519" \
    "$ENCLAVE" secret new --root mldsa65+ed25519 --from "$D/old.secret" "$D/new.secret"
R1=$(measure "$ENCLAVE" "$D/encNew" "$D/new.secret" rootPublicKeyB64)
expect "...its root is composite (2648 base64 characters)" 0 "" test "${#R1}" -eq 2648
expect "step 2: postq policy update --add-root-key: both roots pinned" 0 "+ root key" \
    "$CLI" policy update "$POL2" --add-root-key "$R1"
expect "...as rootPublicKeysB64" 0 '"rootPublicKeysB64"' "$CLI" policy get "$POL2" --json
start_enclave "$ENCLAVE" encNew "$D/new.secret" || exit 1
api_start nodeNew encNew || exit 1
NODE_NEW=$API_URL
expect "step 3: the new enclave signs with the existing key (the sealing key is kept)" 0 "200" \
    sign_on "$NODE_NEW" "$KEY2" "$D/n1.json"
expect "...an ML-DSA-65-Ed25519 document" 0 '"alg":"ML-DSA-65-Ed25519"' \
    sh -c "sed -n 's/.*\"docB64\":\"\\([^\"]*\\)\".*/\\1/p' '$D/n1.json' | base64 -d | cut -d. -f1 | tr '_-' '/+' | base64 -d 2>/dev/null"
expect "...and the old enclave still signs: no window of refusals" 0 "200" \
    sign_on "$NODE_OLD" "$KEY2" "$D/o2.json"
"$CLI" policy get "$POL2" -o "$D/pol2-both.json" >/dev/null
expect "offline, both documents verify under the policy pinning both roots" 0 "" \
    sh -c "'$CLI' attest verify --policy '$D/pol2-both.json' --sign-result '$D/o2.json' --payload '$D/art.bin' && '$CLI' attest verify --policy '$D/pol2-both.json' --sign-result '$D/n1.json' --payload '$D/art.bin'"
expect "step 4: postq policy update --remove-root-key the old root" 0 "- root key" \
    "$CLI" policy update "$POL2" --remove-root-key "$R0"
expect "...the old enclave's documents are refused: doc_alg_unsupported" 0 '"code":"doc_alg_unsupported"' \
    sh -c "sign_code=\$(curl -s -o '$D/o3.json' -w '%{http_code}' -X POST -H 'Authorization: Bearer $ADMIN' -H 'Content-Type: application/octet-stream' --data-binary @'$D/art.bin' '$NODE_OLD/v1/sign?keyId=$KEY2'); test \"\$sign_code\" = 422 && cat '$D/o3.json'"
expect "...the new enclave's are accepted" 0 "200" sign_on "$NODE_NEW" "$KEY2" "$D/n2.json"
"$CLI" policy get "$POL2" --version 1 -o "$D/pol2-v1.json" >/dev/null
expect "...and an old Ed25519 signature still verifies under version 1" 0 "verified" \
    "$CLI" attest verify --policy "$D/pol2-v1.json" --sign-result "$D/o1.json" --payload "$D/art.bin"
t_done
