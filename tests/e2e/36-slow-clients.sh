#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Connection exhaustion: 2,000 hostile connections to a real postq-api (tests/tools/slow_clients:
# 1,000 that send a request line and then one header line every 2 s, never finishing the head,
# and 1,000 that send nothing) do not shut a well-behaved client out: while they are open,
# /healthz and signs (software and attested) are answered at once. Every one of them is closed
# at the request head's total deadline (--header-timeout 6 here), however steadily it trickles
# bytes. With --max-connections-per-ip 50, one address gets 50 connections and no more, while a
# client from another address is served.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
SLOW=$B/tests/tools/slow_clients
JSON=(-H 'Content-Type: application/json')

ADMIN=$(api_org acme)
enclave_start enc || exit 1
API_EXTRA="--max-connections-per-ip 0 --header-timeout 6" api_start api enc || exit 1
PORT=${API_URL##*:}
api_sign_keys enc || exit 1
timed() { # URL [curl args]: "STATUS SECONDS"
    local u=$1
    shift
    curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}' "$@" "$u"
}
sign() { timed "$API_URL/v1/sign" -X POST -H "Authorization: Bearer $ADMIN" "${JSON[@]}" \
    -d "{\"keyId\":\"$1\",\"payloadB64\":\"aGVsbG8=\"}"; }
fast() { awk -v t="${1#* }" -v max="$2" 'BEGIN { exit !(t < max) }'; }

# ---- 2,000 slow and idle connections ----
"$SLOW" "$PORT" 1000 1000 2000 12 >"$D/slow.out" 2>&1 &
SPID=$!
E2E_PIDS+=("$SPID")
for _ in $(seq 100); do grep -q '^open' "$D/slow.out" && break; sleep 0.1; done
expect "2,000 hostile connections are open" 0 "open 2000" cat "$D/slow.out"
H=$(timed "$API_URL/healthz")
S1=$(sign "$KEY")
S2=$(sign "$EKEY")
H2=$(timed "$API_URL/healthz")
echo "with 2,000 slow and idle connections open: healthz $H s, software sign $S1 s," \
    "attested sign $S2 s, healthz again $H2 s"
expect "meanwhile /healthz: 200" 0 "200" echo "$H"
expect "meanwhile a software sign: 200" 0 "200" echo "$S1"
expect "meanwhile an attested sign: 200" 0 "200" echo "$S2"
# Answered at once: well under the 2 s bound (a loaded CI machine included).
expect "meanwhile /healthz within 2 s" 0 "" fast "$H" 2
expect "meanwhile the attested sign within 2 s" 0 "" fast "$S2" 2
wait "$SPID"
cat "$D/slow.out"
expect "every hostile connection was closed by the server" 0 "closed 2000" cat "$D/slow.out"
read -r first last < <(sed -n 's/^life_ms //p' "$D/slow.out")
# The deadline is 6 s from when the server took each connection, checked every 250 ms.
expect "none before the head's deadline (6 s)" 0 "" test "${first:-0}" -ge 5500
expect "all within 3 s after it, trickling or not" 0 "" test "${last:-99999}" -le 9000
expect "the server is still well" 0 "200" timed "$API_URL/healthz"

# ---- per client address ----
API_EXTRA="--max-connections-per-ip 50" api_start api2 enc || exit 1
PORT2=${API_URL##*:}
"$SLOW" "$PORT2" 0 100 1000 3 >"$D/ip.out" 2>&1 &
IPID=$!
E2E_PIDS+=("$IPID")
for _ in $(seq 100); do grep -q '^open' "$D/ip.out" && break; sleep 0.1; done
sleep 0.5
refused() { ! curl -s -o /dev/null --max-time 5 "$1"; }
expect "from 127.0.0.1 over the limit: refused" 0 "" refused "$API_URL/healthz"
expect "from another address (127.0.0.2): served" 0 "200" timed "$API_URL/healthz" --interface 127.0.0.2
wait "$IPID"
expect "50 of the 100 idle connections were refused at once" 0 "closed 50" cat "$D/ip.out"
expect "after they went, 127.0.0.1 is served again" 0 "200" timed "$API_URL/healthz"

t_done
