#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The postq CLI against real postq-enclave and postq-api processes: the whole flow (a policy
# pinned to what `postq enclave info` prints, a bound key, sign, then `postq attest verify` and
# `postq verify` on the files the CLI wrote), software keys, errors and their exit codes (bad
# API key, unknown ids, a rejected attestation, the server down), -o atomicity, paging.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
printf 'release artifact v2.0.0\n' >"$D/artifact.bin"

ADMIN=$(api_org acme)
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
api_start api enc || exit 1
export POSTQ_API_URL=$API_URL POSTQ_API_KEY=$ADMIN

# ---- --help everywhere ----
for cmd in "enclave" "enclave info" "policy" "policy create" "policy list" "policy get" \
    "key" "key create" "key list" "key get" "sign" "signature list" "signature get"; do
    # shellcheck disable=SC2086
    expect "postq $cmd --help" 0 "usage: postq" "$CLI" $cmd --help
done
expect "postq --help lists the API commands" 0 "POSTQ_API_URL" "$CLI" --help

# ---- the flow ----
expect "enclave info" 0 "pin them: postq policy create" "$CLI" enclave info
"$CLI" enclave info --json >"$D/enclave.json"
expect "enclave info --json" 0 '"rootPublicKeyB64"' cat "$D/enclave.json"
H=$(tr -d ' \n' <"$D/enclave.json" | jfield imageHash)
K=$(tr -d ' \n' <"$D/enclave.json" | jfield rootPublicKeyB64)
expect "policy create from enclave info, -o policy.json" 0 "created policy pol_" \
    "$CLI" policy create --name release-prod --vendor mock --image-hash "$H" --root-key "$K" \
    --max-age 300 -o "$D/policy.json"
POL=$(jfield id <"$D/policy.json")
expect "policy.json holds the created policy" 0 "\"allowedImageHashes\":[\"$H\"]" cat "$D/policy.json"
expect "policy get ID" 0 "release-prod" "$CLI" policy get "$POL"
expect "policy get ID --json" 0 "\"id\": \"$POL\"" "$CLI" policy get "$POL" --json
expect "policy list shows it" 0 "$POL" "$CLI" policy list
expect "key create bound to the policy" 0 "created key key_" \
    "$CLI" key create --name release --algorithm mldsa65+ed25519 --provider enclave-mock --policy "$POL"
"$CLI" key create --name release2 --provider enclave-mock --policy "$POL" --json >"$D/key.json"
KEY=$(tr -d ' \n' <"$D/key.json" | jfield id)
expect "key create --json has publicKeyB64" 0 '"publicKeyB64"' cat "$D/key.json"
expect "key get ID --public-key-out key.pub" 0 "public key $D/key.pub" \
    "$CLI" key get "$KEY" --public-key-out "$D/key.pub"
expect "key.pub is PEM" 0 "BEGIN PUBLIC KEY" cat "$D/key.pub"
expect "key list shows it" 0 "$KEY" "$CLI" key list
expect "sign --key --payload -o sig.json" 0 "attested   mock" \
    "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" -o "$D/sig.json"
expect "sig.json: verdict pass" 0 '"verdict":"pass"' cat "$D/sig.json"
expect "postq attest verify on the CLI's files" 0 "verified:" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/sig.json" --payload "$D/artifact.bin"
expect "postq verify with the PEM key and the policy" 0 "verified:" \
    "$CLI" verify --public-key "$D/key.pub" --sign-result "$D/sig.json" --payload "$D/artifact.bin" \
    --policy "$D/policy.json"
printf 'tampered\n' >"$D/tampered.bin"
expect "...and a tampered artifact is rejected (exit 1)" 1 "rejected: payload_hash_mismatch" \
    "$CLI" verify --public-key "$D/key.pub" --sign-result "$D/sig.json" --payload "$D/tampered.bin"
expect "sign --json prints the sign result" 0 '"signatureB64"' \
    "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" --json
SIG=$(jfield id <"$D/sig.json")
"$CLI" sign --key "$KEY" --payload - -o "$D/stdin-sig.json" <"$D/artifact.bin" >/dev/null
expect "sign --payload - (standard input) re-verifies" 0 "verified:" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/stdin-sig.json" --payload "$D/artifact.bin"
"$CLI" policy create --name scratch --vendor mock --image-hash "$H" --root-key "$K" -o "$D/scratch.json" >/dev/null
expect "policy delete of an unbound policy" 0 "deleted policy" "$CLI" policy delete "$(jfield id <"$D/scratch.json")"
expect "...then it is gone (exit 2)" 2 "not_found" "$CLI" policy get "$(jfield id <"$D/scratch.json")"
expect "signature get ID" 0 "signature $SIG" "$CLI" signature get "$SIG"

# ---- software keys ----
"$CLI" key create --name sw --provider software >"$D/sw.txt"
expect "key create --provider software" 0 "provider   software" cat "$D/sw.txt"
SW=$(sed -n 's/^created key \(key_[0-9A-Z]*\).*/\1/p' "$D/sw.txt")
expect "sign with a software key: no attestation" 0 "attested   no" \
    "$CLI" sign --key "$SW" --payload "$D/artifact.bin"

# ---- errors and exit codes ----
expect "bad API key: exit 3 with the server's message" 3 "unauthorized" \
    env POSTQ_API_KEY="${ADMIN%?}x" "$CLI" key list
expect "no API key: exit 3, says POSTQ_API_KEY is not set" 3 "POSTQ_API_KEY is not set" \
    env -u POSTQ_API_KEY "$CLI" policy list
expect "unknown key id: exit 2 (not_found)" 2 "not_found" "$CLI" key get key_00000000000000000000000000
expect "unknown policy id: exit 2" 2 "not_found" "$CLI" policy get pol_00000000000000000000000000
expect "unknown signature id: exit 2" 2 "not_found" "$CLI" signature get sig_00000000000000000000000000
expect "sign with an unknown key: exit 2" 2 "not_found" \
    "$CLI" sign --key key_00000000000000000000000000 --payload "$D/artifact.bin"
expect "enclave key without --policy: usage" 2 "needs --policy" \
    "$CLI" key create --name x --provider enclave-mock
expect "policy create without --image-hash: usage" 2 "required" \
    "$CLI" policy create --name x --vendor mock --root-key "$K"
expect "policy create, bad --max-age: usage" 2 "--max-age" \
    "$CLI" policy create --name x --vendor mock --image-hash "$H" --root-key "$K" --max-age -1
expect "policy create, invalid hash: the server's invalid_policy, exit 2" 2 "invalid_policy" \
    "$CLI" policy create --name x --vendor mock --image-hash nothex --root-key "$K"
expect "delete a bound policy: 409 policy_in_use, exit 2" 2 "policy_in_use" "$CLI" policy delete "$POL"
expect "sign: unreadable payload: exit 2" 2 "payload" \
    "$CLI" sign --key "$KEY" --payload "$D/missing.bin"
expect "sign: unknown option: exit 2" 2 "unknown argument" "$CLI" sign --bogus
expect "POSTQ_API_URL not http: exit 2" 2 "the scheme must be http:// or https://" \
    env POSTQ_API_URL=ftp://x "$CLI" key list
expect "POSTQ_API_URL without a scheme: exit 2, says so" 2 "has no scheme: write http://127.0.0.1:1" \
    env POSTQ_API_URL=127.0.0.1:1 "$CLI" key list
expect "POSTQ_API_URL ending in /v1: exit 2, gives the base URL" 2 \
    "ends in /v1: give the server's base URL, $API_URL" env POSTQ_API_URL="$API_URL/v1/" "$CLI" key list
expect "--json: an API error is JSON on stdout" 2 '"code": "not_found"' \
    sh -c "'$CLI' key get key_00000000000000000000000000 --json 2>/dev/null"
expect "--json: ...with the HTTP status" 2 '"status": 404' \
    sh -c "'$CLI' signature get sig_00000000000000000000000000 --json 2>/dev/null"
expect "--json: a network error is JSON too" 3 '"code": "network"' \
    sh -c "POSTQ_API_URL=http://127.0.0.1:1 '$CLI' policy list --json 2>/dev/null"

# A policy that does not allow this enclave's image: the sign call is rejected (exit 1).
OTHER_HASH=0000000000000000000000000000000000000000000000000000000000000000
BADPOL=$("$CLI" policy create --name wrong-image --vendor mock --image-hash "$OTHER_HASH" \
    --root-key "$K" --json | tr -d ' \n' | jfield id)
BADKEY=$("$CLI" key create --name bad --provider enclave-mock --policy "$BADPOL" --json | tr -d ' \n' | jfield id)
expect "sign under a policy that refuses the image: exit 1, rejected: image_not_allowed" 1 \
    "rejected: image_not_allowed: " "$CLI" sign --key "$BADKEY" --payload "$D/artifact.bin" -o "$D/bad.json"
expect "...and -o wrote nothing" 0 "" test ! -e "$D/bad.json"

# The same policy in audit mode: signed and stored with verdict fail, said on stderr;
# --require-pass turns it into exit 1 for CI and writes no -o file.
AUDPOL=$("$CLI" policy create --name wrong-image-audit --vendor mock --image-hash "$OTHER_HASH" \
    --root-key "$K" --audit --json | tr -d ' \n' | jfield id)
AUDKEY=$("$CLI" key create --name audited --provider enclave-mock --policy "$AUDPOL" --json | tr -d ' \n' | jfield id)
expect "audit mode: exit 0, the failed verdict on stderr" 0 \
    "attestation failed under the key's audit policy: image_not_allowed" \
    sh -c "'$CLI' sign --key '$AUDKEY' --payload '$D/artifact.bin' -o '$D/audit.json' 2>&1 >/dev/null"
expect "audit mode: ...and the sign result is written" 0 '"verdict":"fail"' cat "$D/audit.json"
expect "audit mode --require-pass: exit 1" 1 "--require-pass: exit 1; not written: $D/audit2.json" \
    "$CLI" sign --key "$AUDKEY" --payload "$D/artifact.bin" -o "$D/audit2.json" --require-pass
expect "audit mode --require-pass: ...no -o file" 0 "" test ! -e "$D/audit2.json"
expect "--require-pass under a passing policy: exit 0" 0 "attested   mock" \
    "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" --require-pass

# ---- -o atomicity ----
cp "$D/sig.json" "$D/keep.json"
expect "failed sign leaves an existing -o file untouched" 1 "rejected:" \
    "$CLI" sign --key "$BADKEY" --payload "$D/artifact.bin" -o "$D/keep.json"
expect "...byte for byte" 0 "" cmp "$D/sig.json" "$D/keep.json"
N0=$("$CLI" signature list --key "$KEY" --all | grep -c '^sig_')
expect "-o into a missing directory: exit 2, checked before signing" 2 \
    "$D/nodir/sig.json: cannot write there" \
    "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" -o "$D/nodir/sig.json"
expect "...so nothing was signed or stored" 0 "" \
    sh -c "test \$('$CLI' signature list --key '$KEY' --all | grep -c '^sig_') -eq $N0"
expect "-o naming a directory: exit 2 before signing" 2 "not a regular file" \
    "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" -o "$D"
mkdir "$D/ro" && chmod 0555 "$D/ro"
if [ "$(id -u)" -ne 0 ]; then
    expect "-o into a read-only directory: exit 2, nothing left" 2 "Permission denied" \
        "$CLI" policy get "$POL" -o "$D/ro/p.json"
fi
expect "no temporary files left beside the outputs" 0 "" \
    sh -c "! ls -a '$D' '$D/ro' | grep -q '\.tmp\.'"
# A write that fails half-way (a 4 KiB file size limit, SIGXFSZ ignored so write(2) fails
# with EFBIG): the sign result (~10 KiB) is not written, the old file stays, no temporary file.
cp "$D/sig.json" "$D/keep3.json"
expect "-o whose write fails half-way: exit 2, names the stored signature and how to fetch it" 2 \
    "fetch it with: postq signature get sig_" \
    bash -c "trap '' XFSZ; ulimit -f 4; exec '$CLI' sign --key '$KEY' --payload '$D/artifact.bin' -o '$D/keep3.json'"
expect "...the old file is intact" 0 "" cmp "$D/sig.json" "$D/keep3.json"
expect "...and no partial temporary file is left" 0 "" sh -c "! ls -a '$D' | grep -q '\.tmp\.'"
expect "-o whose write fails, new file: nothing created" 2 "sign result" \
    bash -c "trap '' XFSZ; ulimit -f 4; exec '$CLI' sign --key '$KEY' --payload '$D/artifact.bin' -o '$D/new.json'"
expect "...no file at all" 0 "" test ! -e "$D/new.json"

# ---- paging ----
for i in 1 2 3 4; do "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" >/dev/null; done
"$CLI" signature list --key "$KEY" --limit 2 >"$D/page1.txt"
expect "signature list --limit 2: two rows and the next cursor" 0 "more: postq signature list --cursor sig_" \
    cat "$D/page1.txt"
expect "...exactly two rows" 0 "" test "$(grep -c '^sig_' "$D/page1.txt")" -eq 2
CUR=$(sed -n 's/^more: postq signature list --cursor //p' "$D/page1.txt")
"$CLI" signature list --key "$KEY" --limit 2 --cursor "$CUR" >"$D/page2.txt"
expect "page 2 has other rows" 0 "" sh -c "! grep -F -x -f '$D/page1.txt' '$D/page2.txt' | grep -q '^sig_'"
ALL=$("$CLI" signature list --key "$KEY" --limit 100 | grep -c '^sig_')
expect "signature list --all with pages of 2 finds all $ALL signatures of the key" 0 "" \
    test "$("$CLI" signature list --key "$KEY" --limit 2 --all | grep -c '^sig_')" -eq "$ALL"
expect "...at least the 6 made here" 0 "" test "$ALL" -ge 6
expect "signature list --json: nextCursor" 0 '"nextCursor": "sig_' \
    "$CLI" signature list --key "$KEY" --limit 1 --json
expect "bad --limit: usage" 2 "--limit" "$CLI" signature list --limit 0

# ---- the server down ----
kill -TERM "$API_PID" 2>/dev/null
wait "$API_PID" 2>/dev/null
cp "$D/sig.json" "$D/keep2.json"
expect "server down: enclave info exits 3" 3 "cannot reach" "$CLI" enclave info
expect "server down: sign exits 3" 3 "cannot reach" \
    "$CLI" sign --key "$KEY" --payload "$D/artifact.bin" -o "$D/keep2.json"
expect "...and the -o file is untouched" 0 "" cmp "$D/sig.json" "$D/keep2.json"
expect "server down: key list exits 3" 3 "cannot reach" "$CLI" key list
expect "verification stays offline with the server down" 0 "verified:" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/sig.json" --payload "$D/artifact.bin"
enclave_stop "$EPID"
t_done
