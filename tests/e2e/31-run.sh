#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make run's script end to end (scripts/run.sh, without the install and build steps): first run
# creates the demo organisation and prints its key, the URL and three commands, which work as
# printed; a stop ends both daemons; a second run reuses the state and prints the same key.
# (SIGTERM stands in for Ctrl-C: a background job of a script ignores SIGINT.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
BABS=$(cd "$B" && pwd)

run_start() { # OUT
    POSTQ_BUILD=$BABS POSTQ_VAR=$D/var POSTQ_LISTEN=127.0.0.1:0 "$ROOT/scripts/run.sh" >"$1" 2>&1 &
    RUN_PID=$!
    E2E_PIDS+=("$RUN_PID")
    for _ in $(seq 1 500); do
        grep -q "Ctrl-C stops both" "$1" && return 0
        kill -0 "$RUN_PID" 2>/dev/null || break
        sleep 0.02
    done
    cat "$1"
    return 1
}

expect "first run starts both daemons" 0 "" run_start "$D/run1.out"
expect "first run says it created the demo organisation" 0 "first run: demo organisation created" cat "$D/run1.out"
KEY=$(grep -E '^pqk_' "$D/run1.out")
URL=$(sed -n 's/^PostQ is running: postq-api on \([^,]*\),.*/\1/p' "$D/run1.out")
expect "the key is printed alone on its line" 0 "" test -n "$KEY"
expect "the key file is 0600 and holds the key" 0 "" \
    sh -c "[ \$(stat -c %a '$D/var/demo-api-key') = 600 ] && [ \"\$(cat '$D/var/demo-api-key')\" = '$KEY' ]"
expect "the database is var/postq.db" 0 "" test -s "$D/var/postq.db"
expect "healthz ok" 0 '"status":"ok"' curl -s "$URL/healthz"
# The three commands, as printed (sig.json redirected into the test's directory).
sed -n 's/^  \(export .*\|AUTH=.*\|POL=.*\|KEY=.*\|curl .*\|[^ ]*bin\/postq attest .*\)$/\1/p' "$D/run1.out" |
    sed "s#sig\.json#$D/sig.json#g" >"$D/try.sh"
expect "the printed commands sign and re-verify" 0 "verified:" \
    bash -c "cd '$ROOT' && set -e && . '$D/try.sh'"
kill -TERM "$RUN_PID"
expect "a stop ends both daemons" 0 "postq: stopped" sh -c "wait $RUN_PID 2>/dev/null; sleep 0.2; cat '$D/run1.out'"
expect "the API is gone" 7 "" curl -s "$URL/healthz"
expect "second run starts (the enclave's state lock was released)" 0 "" run_start "$D/run2.out"
expect "second run reuses the state" 0 "state reused from an earlier run" cat "$D/run2.out"
expect "second run prints the same key" 0 "$KEY" cat "$D/run2.out"
URL2=$(sed -n 's/^PostQ is running: postq-api on \([^,]*\),.*/\1/p' "$D/run2.out")
expect "the earlier signature is still there" 0 '"verdict":"pass"' \
    curl -s -H "Authorization: Bearer $KEY" "$URL2/v1/signatures"
kill -TERM "$RUN_PID"
wait "$RUN_PID" 2>/dev/null
t_done
