#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SDK end to end: examples/three_calls (policy pinned to GET /v1/enclave, bound key, sign,
# re-verify with postq_attest_verify under the policy pinned locally) against real
# postq-enclave and postq-api processes; its output re-checked with the CLI; its errors.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
EX=$B/examples/three_calls
printf 'release artifact v3.1.4\n' >"$D/artifact.bin"

ADMIN=$(api_org acme)
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
api_start api enc || exit 1

expect "three_calls: policy, key, sign, re-verified locally" 0 "verified: the enclave attested" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$EX" "$D/artifact.bin"
env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$EX" "$D/artifact.bin" >"$D/run.txt" 2>&1
KEY=$(sed -n 's/^key       \(key_[0-9A-Z]*\).*/\1/p' "$D/run.txt")
SIG=$(sed -n 's/^signature \(sig_[0-9A-Z]*\),.*/\1/p' "$D/run.txt")
POL=$(sed -n 's/^policy    \(pol_[0-9A-Z]*\).*/\1/p' "$D/run.txt")
expect "three_calls checked all 13 checks, the composite signature last" 0 \
    "13 checks passed:" cat "$D/run.txt"
expect "three_calls: the last check is the composite signature itself" 0 \
    "the composite signature verifies under that key" tail -n 1 "$D/run.txt"
expect "its key is bound to its policy" 0 "policy     $POL" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$CLI" key get "$KEY"
env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$CLI" signature get "$SIG" -o "$D/sig.json" >/dev/null
env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$CLI" policy get "$POL" -o "$D/policy.json" >/dev/null
expect "its stored signature re-verifies with postq attest verify" 0 "verified:" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/sig.json" --payload "$D/artifact.bin"
expect "three_calls: bad API key is exit 3 with the server's code" 3 "unauthorized" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="${ADMIN%?}x" "$EX" "$D/artifact.bin"
expect "three_calls: unreadable artifact is exit 2" 2 "cannot read" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$EX" "$D/missing.bin"
kill -TERM "$API_PID" 2>/dev/null
wait "$API_PID" 2>/dev/null
expect "three_calls: server down is exit 3" 3 "cannot reach" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$EX" "$D/artifact.bin"
enclave_stop "$EPID"
t_done
