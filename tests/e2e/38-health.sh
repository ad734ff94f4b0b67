#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# /healthz tells the truth about each part, with real failures of the real daemons:
#  - the store cannot commit: postq-api's file-size limit is dropped to 0 (prlimit; RLIMIT_FSIZE
#    stands in for a full disk and works as root, where permissions do not): a sign fails,
#    /healthz is 503 with store_not_writable, and both recover when the limit is lifted;
#  - the enclave cannot make its counter durable (the same, on postq-enclave, which runs with
#    --counter-step 1 so every sign needs a durable write): the enclave logs it once, refuses
#    the sign, /healthz is 503 with counter_not_durable, and all recovers;
#  - a stalled enclave (tests/tools/silent_socket accepts and never answers): 503 within the
#    health deadline (1.5 s), not the sign timeout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
JSON=(-H 'Content-Type: application/json')
SILENT=$B/tests/tools/silent_socket

ADMIN=$(api_org acme)
# Started here rather than by enclave_start: its log goes through a pipe, which a file-size limit
# does not stop, so the line it writes about the failure can be read.
"$ENCLAVE" --state "$D/enc" --listen "unix:$D/enc.sock" --counter-step 1 > >(cat >>"$D/enc.log") 2>&1 &
EPID=$!
E2E_PIDS+=("$EPID")
for _ in $(seq 250); do "$CLIENT" info "unix:$D/enc.sock" >/dev/null 2>&1 && break; sleep 0.02; done
api_start api enc || exit 1
APID=$API_PID
api_sign_keys enc || exit 1
sign() { # KEY: the HTTP status of one sign
    curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
        "${JSON[@]}" -d "{\"keyId\":\"$1\",\"payloadB64\":\"aGVsbG8=\"}" "$API_URL/v1/sign"
}
health() { curl -s -w ' HTTP %{http_code}' "$API_URL/healthz"; }

expect "all well: each part ok" 0 '{"status":"ok","store":{"ok":true},"enclave":{"ok":true}}' health
expect "all well: 200" 0 'HTTP 200' health
expect "signs work (software, enclave)" 0 "200 200" echo "$(sign "$KEY") $(sign "$EKEY")"

# ---- the store cannot commit ----
prlimit --pid "$APID" --fsize=0:unlimited # the soft limit only: it can be lifted again
expect "store full: a sign fails with 500" 0 "500" sign "$KEY"
expect "store full: healthz 503 store_not_writable" 0 '"reason":"store_not_writable"' health
expect "store full: the enclave part is still ok" 0 '"enclave":{"ok":true}' health
expect "store full: status unavailable, HTTP 503" 0 'HTTP 503' health
expect "store full: the metric says so" 0 'postq_health_ok{part="store"} 0' curl -s "$API_URL/metrics"
prlimit --pid "$APID" --fsize=unlimited
sleep 1.1 # the write check runs at most once a second
expect "space back: healthz 200" 0 'HTTP 200' health
expect "space back: signs work" 0 "200" sign "$KEY"

# ---- the enclave cannot make its counter durable ----
prlimit --pid "$EPID" --fsize=0:unlimited
sleep 1.1 # the enclave checks its state directory at most once a second
expect "counter not durable: healthz 503 counter_not_durable" 0 '"reason":"counter_not_durable"' health
expect "counter not durable: the store part is still ok" 0 '"store":{"ok":true}' health
expect "counter not durable: the reason names the error" 0 'File too large' health
expect "counter not durable: an attested sign is refused" 0 "500" sign "$EKEY"
expect "counter not durable: the enclave logged it once" 0 "1" \
    sh -c "grep -c 'the counter cannot be made durable' '$D/enc.log'"
expect "counter not durable: a software key still signs" 0 "200" sign "$KEY"
prlimit --pid "$EPID" --fsize=unlimited
sleep 1.1
expect "counter durable again: healthz 200" 0 'HTTP 200' health
expect "counter durable again: the enclave logged that" 0 "the counter is durable again" cat "$D/enc.log"
expect "counter durable again: attested signs work" 0 "200" sign "$EKEY"

# ---- a stalled enclave ----
"$SILENT" "$D/stalled.sock" >/dev/null &
E2E_PIDS+=("$!")
for _ in $(seq 50); do [ -S "$D/stalled.sock" ] && break; sleep 0.05; done
api_start api2 stalled || exit 1
T=$(curl -s -o "$D/stalled.json" -w '%{http_code} %{time_total}' "$API_URL/healthz")
echo "stalled enclave: /healthz answered $T s"
expect "stalled enclave: 503" 0 "503" echo "$T"
expect "stalled enclave: enclave_unavailable" 0 '"reason":"enclave_unavailable"' cat "$D/stalled.json"
# The deadline is 1.5 s; 3 s leaves room for a loaded machine without letting 30 s pass.
expect "stalled enclave: answered within 3 s" 0 "" awk -v t="${T#* }" 'BEGIN { exit !(t < 3) }'

t_done
