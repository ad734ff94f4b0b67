#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the postq CLI shows from a server or a file reaches the terminal escaped: a hostile or
# compromised server (tests/tools/canned_http answers every request with fixed bytes) cannot
# send a terminal escape sequence, a bell or a bidirectional override through a key's name,
# an error message or a policy file's detail. --json stays JSON (escaped as JSON escapes).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sh-test.sh"
B=${POSTQ_BUILD:-build}
POSTQ=$B/bin/postq
CANNED=$B/tests/tools/canned_http
W=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
export POSTQ_API_KEY=pqk_test

# serve FILE COUNT: start canned_http on FILE, set POSTQ_API_URL to it.
serve() {
    "$CANNED" "$1" "$2" >"$W/port" &
    PIDS="$PIDS $!"
    for _ in $(seq 50); do
        [ -s "$W/port" ] && break
        sleep 0.1
    done
    export POSTQ_API_URL="http://127.0.0.1:$(cat "$W/port")"
}

# response FILE STATUS BODY: an HTTP/1.1 response with BODY as JSON.
response() {
    printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
        "$2" "${#3}" "$3" >"$1"
}

# no_raw_controls FILE: exit 0 when FILE has no byte below 0x20 other than newline, no DEL, no
# C1 control and no U+202E.
no_raw_controls() {
    ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1" &&
        ! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1" &&
        ! LC_ALL=C grep -q "$(printf '\342\200\256')" "$1"
}

KEY='{"id":"key_01KBQ8ZQ1A8H2B9Y6V0VJ3Y3QK","name":"evil\u001b]0;owned\u0007\u001b[2J\u202etxt.exe","algorithm":"mldsa65+ed25519","pqProvider":"software","createdAt":"2026-12-04T17:23:01Z","publicKeyB64":"AA=="}'
response "$W/list" "200 OK" "{\"items\":[$KEY],\"nextCursor\":null}"
serve "$W/list" 1
"$POSTQ" key list >"$W/out" 2>&1
expect "key list exits 0" 0 "" true
expect "key list: the name's escapes are shown as text" 0 'evil\u001b]0;owned\u0007\u001b[2J\u202etxt.exe' cat "$W/out"
expect "key list: no raw control character reaches the terminal" 0 "" no_raw_controls "$W/out"

response "$W/get" "200 OK" "$KEY"
serve "$W/get" 1
"$POSTQ" key get key_01KBQ8ZQ1A8H2B9Y6V0VJ3Y3QK >"$W/out" 2>&1
expect "key get: escaped" 0 'evil\u001b]0;owned' cat "$W/out"
expect "key get: no raw control character" 0 "" no_raw_controls "$W/out"

serve "$W/get" 1
"$POSTQ" key get key_01KBQ8ZQ1A8H2B9Y6V0VJ3Y3QK --json >"$W/out" 2>&1
expect "key get --json stays JSON (its own escapes)" 0 '"name": "evil\u001B]0;owned\u0007' cat "$W/out"

response "$W/err" "400 Bad Request" '{"error":{"code":"invalid_request","message":"nope\u001b[31m red \u0007\u009b1m"}}'
serve "$W/err" 1
expect "a server error (400): exit 2" 2 "" "$POSTQ" key list
serve "$W/err" 1
"$POSTQ" key list >"$W/out" 2>&1
expect "a server error's message is escaped" 0 'nope\u001b[31m red \u0007\u009b1m' cat "$W/out"
expect "a server error's message: no raw control character" 0 "" no_raw_controls "$W/out"

# A policy file's problem is quoted from the file: a member name with ESC in it.
printf '{"vendor":"mock","matchRules":{"allowedImageHashes":["%064d"],"rootPublicKeyB64":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=","\\u001b[2Jx":1}}' 0 >"$W/policy.json"
printf 'x' >"$W/payload"
"$POSTQ" attest verify --policy "$W/policy.json" --doc "$W/payload" >"$W/out" 2>&1
expect "a policy with an unknown rule: refused with the rule's name escaped" 0 \
    'matchRules.\u001b[2Jx: not a rule of this vendor' cat "$W/out"
expect "the policy's detail: no raw control character" 0 "" no_raw_controls "$W/out"

t_done
