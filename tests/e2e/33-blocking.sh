#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq-api: a request waiting on the enclave holds up no other connection. The "enclave" is
# tests/tools/silent_socket, which accepts and never answers: eight GET /v1/enclave requests
# hang in their handlers (the API would wait out its 30 s enclave timeout), and meanwhile
# requests that need no enclave are answered on other connections. With MHD's thread pool a
# connection accepted by a blocked worker waited too. When the silent enclave goes away, the
# hung requests end with 503 enclave_unavailable and the server stops cleanly.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
SILENT=$B/tests/tools/silent_socket
HUNG=8

"$SILENT" "$D/silent.sock" >"$D/silent.out" 2>>"$D/silent.log" &
SPID=$!
E2E_PIDS+=("$SPID")
for _ in $(seq 1 250); do [ -S "$D/silent.sock" ] && break; sleep 0.02; done
ADMIN=$(api_org acme)
api_start api silent || exit 1

pids=()
for i in $(seq 1 $HUNG); do
    call GET /v1/enclave "$ADMIN" >"$D/hung.$i" 2>&1 &
    pids+=("$!")
done
# Every one of them is inside its handler once the enclave has accepted its connection.
for _ in $(seq 1 500); do
    [ "$(grep -c '^accepted' "$D/silent.out")" -ge $HUNG ] && break
    sleep 0.02
done
expect "$HUNG requests are waiting on the enclave" 0 "accepted $HUNG" cat "$D/silent.out"
for i in 1 2 3 4; do
    expect "meanwhile GET /v1/attestation-policies is answered ($i)" 0 "HTTP 200" \
        call GET /v1/attestation-policies "$ADMIN" --max-time 5
done
expect "meanwhile GET /metrics is answered" 0 "postq_http_requests_total" \
    curl -sS --max-time 5 "$API_URL/metrics"
expect "meanwhile a bad token is refused at once" 0 "HTTP 401" \
    call GET /v1/hybrid-keys "${ADMIN%?}x" --max-time 5
expect "none of the waiting requests has been answered" 0 "" \
    sh -c "! grep -q HTTP '$D'/hung.*"

# The enclave goes away: every waiting request ends with 503.
kill -TERM "$SPID"
for p in "${pids[@]}"; do wait "$p"; done
for i in $(seq 1 $HUNG); do
    expect "waiting request $i: 503 enclave_unavailable" 0 "HTTP 503" cat "$D/hung.$i"
done
kill -TERM "$API_PID"
expect "postq-api stops on SIGTERM" 0 "" wait "$API_PID"
t_done
