#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Parity: @postq/sdk's verifiers (js/sdk/dist under Node) against the CLI's on one corpus
# (tests/e2e/sdk/parity.mjs): a real postq-enclave and postq-api sign a payload with a key of
# each algorithm, tests/tools/mkfixture signs more, and each input is then altered one piece at
# a time. Same verdict, reason, detail, checks and reference time on every input, the
# transparency log's checks included (postq verify --log-key; 52-sdk-log.sh has the SDK's own
# log cases).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
export PATH=$ROOT/.tools/node/bin:$PATH
SDK=$ROOT/js/sdk/dist/index.js
[ -f "$SDK" ] || { echo "45-sdk-parity: $SDK is missing: run make sdk-js"; exit 1; }

enclave_start enc || exit 1
api_start api enc || exit 1
ADMIN=$(api_org acme)
make_policy enc "$D/policy.json"
POL=$(call POST /v1/attestation-policies "$ADMIN" -H 'Content-Type: application/json' -d @"$D/policy.json" | jfield id)
mkdir -p "$D/stack"
for alg in mldsa44+ed25519 mldsa65+ed25519 mldsa87+ed448; do
    head -c $((3000 + RANDOM)) /dev/urandom >"$D/stack/payload-$alg.bin"
    K=$(call POST /v1/hybrid-keys "$ADMIN" -H 'Content-Type: application/json' \
        -d "{\"name\":\"$alg\",\"algorithm\":\"$alg\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" | jfield id)
    [ -n "$K" ] || { echo "45-sdk-parity: no $alg key"; exit 1; }
    call POST "/v1/sign?keyId=$K" "$ADMIN" -H 'Content-Type: application/octet-stream' \
        --data-binary @"$D/stack/payload-$alg.bin" | sed '$d' >"$D/stack/sig-$alg.json"
    call GET "/v1/hybrid-keys/$K" "$ADMIN" | sed '$d' >"$D/stack/key-$alg.json"
    [ "$alg" = mldsa65+ed25519 ] && { KEY=$K; cp "$D/stack/payload-$alg.bin" "$D/artifact.bin"; }
done
cp "$D/stack/sig-mldsa65+ed25519.json" "$D/sig.json"
cp "$D/stack/key-mldsa65+ed25519.json" "$D/key.json"
expect "the stack signed with the mldsa65+ed25519 key" 0 "" test -s "$D/sig.json"

# Another deployment's composite root (a fresh state directory): pinned, it must not verify.
OTHER_ROOT=$("$ENCLAVE" measure --state "$D/other" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')
# The log's verifier keys, for postq verify --log-key against verifySignResult's logKey.
call GET /v1/log "$ADMIN" | sed '$d' >"$D/log.json"
LOG_KEY=$(jfield verifierKey <"$D/log.json")
LOG_CKEY=$(jfield compositeVerifierKey <"$D/log.json")
expect "GET /v1/log gives both verifier keys" 0 "" test -n "$LOG_KEY" -a -n "$LOG_CKEY"
LOG_KEY=$LOG_KEY LOG_CKEY=$LOG_CKEY OTHER_ROOT=$OTHER_ROOT CLI=$CLI SDK=$SDK SIG=$D/sig.json POLICY=$D/policy.json PAYLOAD=$D/artifact.bin KEY_JSON=$D/key.json \
    WORK=$D MKFIXTURE=$B/tests/tools/mkfixture STACK=$D/stack SHARED=${POSTQ_SHARED:-$ROOT/../shared} \
    timeout --kill-after=5 120 node "$here/sdk/parity.mjs"
rc=$?
[ $rc -eq 0 ] || T_FAILED=$((T_FAILED + 1))
t_done
