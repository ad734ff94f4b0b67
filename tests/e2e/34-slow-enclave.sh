#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq-api with an enclave that answers too late: a sign whose reply misses the API's enclave
# deadline (--enclave-timeout 3 here; 30 s by default) is answered 503 after that one deadline and is never sent to the enclave a
# second time, so the enclave signs once (one counter value used, not two). The enclave is
# real; tests/tools/delay_proxy sits in front of it, counts the requests it relays and holds
# the replies back while the file HOLD says so. The sign goes over a pooled (reused)
# connection, the case where a timeout used to be taken for a dead connection and retried.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
PROXY=$B/tests/tools/delay_proxy
JSON=(-H 'Content-Type: application/json')
OCTET=(-H 'Content-Type: application/octet-stream')
DEADLINE_S=3   # postq-api --enclave-timeout
HOLD_MS=4500   # a little past the deadline
printf 'slow artifact\n' >"$D/payload.bin"

counter_of() { sed -n 's/.*"counter":\([0-9]*\).*/\1/p' "$1" | head -n 1; }
signs_relayed() { grep -c ' op 3$' "$D/proxy.out"; }

enclave_start enc || exit 1
"$PROXY" "$D/slow.sock" "$D/enc.sock" "$D/hold" >"$D/proxy.out" 2>>"$D/proxy.log" &
E2E_PIDS+=("$!")
for _ in $(seq 1 250); do [ -S "$D/slow.sock" ] && break; sleep 0.02; done
ADMIN=$(api_org acme)
API_EXTRA="--enclave-timeout $DEADLINE_S" api_start api slow || exit 1

call GET /v1/enclave "$ADMIN" >"$D/enclave.json"
H=$(jfield imageHash <"$D/enclave.json")
K=$(jfield rootPublicKeyB64 <"$D/enclave.json")
call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"p\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"$H\"],\"rootPublicKeyB64\":\"$K\"},\"enforce\":true}" \
    >"$D/pol.json"
POL=$(jfield id <"$D/pol.json")
call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"k\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" >"$D/key.json"
expect "an enclave key through the proxy" 0 "HTTP 201" cat "$D/key.json"
KEY=$(jfield id <"$D/key.json")
call POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" >"$D/sign1.out"
expect "a prompt sign: 200 (its connection goes back to the pool)" 0 '"verdict":"pass"' \
    cat "$D/sign1.out"
C1=$(counter_of "$D/sign1.out")
expect "the proxy relayed one sign" 0 "" test "$(signs_relayed)" -eq 1

# ---- the enclave signs, but its reply comes after the API's deadline ----
echo "$HOLD_MS" >"$D/hold"
t0=$(date +%s%N)
call POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" \
    --max-time 150 >"$D/slow.out"
t1=$(date +%s%N)
rm -f "$D/hold"
elapsed_ms=$(((t1 - t0) / 1000000))
expect "a late reply: 503 enclave_unavailable" 0 '"code":"enclave_unavailable"' cat "$D/slow.out"
expect "...after one ${DEADLINE_S} s deadline, not two (took ${elapsed_ms} ms)" 0 "" \
    test "$elapsed_ms" -ge $((DEADLINE_S * 1000 - 1000)) -a "$elapsed_ms" -lt $((DEADLINE_S * 1500))
expect "...and the sign was sent to the enclave once" 0 "" test "$(signs_relayed)" -eq 2
N=$(grep ' op 3$' "$D/proxy.out" | sed -n '2s/^request \([0-9]*\) .*/\1/p')
for _ in $(seq 1 250); do grep -q "^reply undelivered $N\$" "$D/proxy.out" && break; sleep 0.02; done
expect "the enclave's late reply found nobody waiting" 0 "reply undelivered $N" cat "$D/proxy.out"

# ---- the enclave prompt again: the timed-out sign used exactly one counter value ----
call POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" >"$D/sign3.out"
expect "prompt again: 200" 0 '"verdict":"pass"' cat "$D/sign3.out"
C3=$(counter_of "$D/sign3.out")
expect "counters $C1 then $C3: the enclave signed once in between" 0 "" \
    test "$C3" -eq $((C1 + 2))
expect "three signs relayed in all" 0 "" test "$(signs_relayed)" -eq 3
kill -TERM "$API_PID"
expect "postq-api stops on SIGTERM" 0 "" wait "$API_PID"

# ---- the option itself ----
expect "postq-api serve --help: exit 0, on stdout" 0 "--enclave-timeout SECONDS" "$API" serve --help
expect "postq-api org create --help: exit 0" 0 "usage: postq-api" "$API" org create --help
expect "--enclave-timeout 0: usage" 2 "--enclave-timeout: 1..600 seconds" \
    "$API" serve --enclave-timeout 0 --listen 127.0.0.1:0
expect "--enclave-timeout 3s: usage" 2 "--enclave-timeout: 1..600 seconds" \
    "$API" serve --enclave-timeout 3s --listen 127.0.0.1:0
t_done
