#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make run's script end to end (scripts/run.sh, without the install and build steps): the first
# run creates the demo organisation and prints its key, the URL, where the logs are and the CLI
# commands to try, which work when run as printed from the repository in a fresh shell (postq
# not on PATH before), write only under var/demo and parse no JSON with sed; SIGINT ends it with
# exit 0 and both daemons gone; a second run reuses the state and prints the same key, and
# SIGTERM ends it the same way; on a terminal, Ctrl-C under make leaves make's exit status 0.
# Then make run DB=postgres: the same commands on a PostgreSQL server of the stack's own
# (var/pg), stopped with the daemons, its database kept for the next run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
BABS=$(cd "$B" && pwd)
RUN_ENV=(POSTQ_BUILD="$BABS" POSTQ_VAR="$D/var" POSTQ_LISTEN=127.0.0.1:0)

run_start() { # OUT
    # Job control on for this one command: a background job of a script would otherwise start
    # with SIGINT ignored, and no trap could see it.
    set -m
    env "${RUN_ENV[@]}" "$ROOT/scripts/run.sh" >"$1" 2>&1 &
    RUN_PID=$!
    set +m
    E2E_PIDS+=("$RUN_PID")
    for _ in $(seq 1 500); do
        grep -q "Ctrl-C stops both" "$1" && return 0
        kill -0 "$RUN_PID" 2>/dev/null || break
        sleep 0.02
    done
    cat "$1"
    return 1
}

# The daemons run.sh started (its children), to check that they are gone after a stop.
daemons_of() { ps -o pid= --ppid "$1" | tr -d ' ' | tr '\n' ' '; }
all_gone() { # PID...
    local p
    for _ in $(seq 1 100); do
        for p in "$@"; do kill -0 "$p" 2>/dev/null && break; p=; done
        [ -z "$p" ] && return 0
        sleep 0.05
    done
    echo "still running: $p"
    return 1
}
stop_with() { # SIGNAL: send it, print run.sh's exit status
    kill -"$1" "$RUN_PID"
    wait "$RUN_PID"
    echo "exit $?"
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
expect "it says where the logs are" 0 "Logs: $D/var/api.log (one line per request) and $D/var/enclave.log" cat "$D/run1.out"
expect "it says postq is not on PATH and how to put it there" 0 "postq is not installed" cat "$D/run1.out"

# The commands, exactly as printed: every indented line between the two markers.
sed -n '/^Or try the CLI/,/^Ctrl-C stops both/p' "$D/run1.out" | sed -n 's/^  //p' >"$D/try.sh"
expect "the printed commands were found" 0 "" test "$(grep -c '^postq \|^[A-Z]*=\$(postq ' "$D/try.sh")" -eq 8
expect "the printed commands parse no JSON with sed" 1 "" grep -q sed "$D/try.sh"
expect "the printed commands write under var/demo only" 0 "" \
    sh -c "grep -o -- '-o [^ ]*\|--public-key-out [^ ]*\|--verifier-key-out [^ ]*\|--state [^ ]*' '$D/try.sh' | grep -v ' $D/var/demo/' | grep -q . && exit 1 || exit 0"
CLEAN_PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BABS/bin" | paste -sd:)
expect "postq is not on the test shell's PATH (as after make run)" 1 "" \
    env PATH="$CLEAN_PATH" bash -c 'command -v postq'
expect "without their export line the commands fail: command not found" 127 "postq: command not found" \
    env PATH="$CLEAN_PATH" bash -c "cd '$ROOT' && postq --version"
git -C "$ROOT" status --porcelain --untracked-files=all >"$D/git-before.txt" 2>&1
expect "the printed commands, run as printed in a fresh shell, sign and re-verify" 0 "verified:" \
    env PATH="$CLEAN_PATH" bash -c "cd '$ROOT' && set -e && . '$D/try.sh'"
expect "...with the policy, the public key and the sign result in var/demo" 0 "" \
    test -s "$D/var/demo/policy.json" -a -s "$D/var/demo/key.pub" -a -s "$D/var/demo/sig.json"
expect "...and the sign result verifies with the log's key, and the monitor's state is kept" 0 "" \
    test -s "$D/var/demo/log.vkey" -a -s "$D/var/demo/monitor.json"
expect "...and nothing written into the repository" 0 "" \
    sh -c "git -C '$ROOT' status --porcelain --untracked-files=all | diff '$D/git-before.txt' -"
expect "the request log has their lines" 0 "POST /v1/sign 200" cat "$D/var/api.log"
expect "a new deployment's root is the composite mldsa65+ed25519" 0 '"rootAlgorithm":"mldsa65+ed25519"' \
    "$ENCLAVE" measure --state "$D/var/enclave"
expect "...and its attestation documents are signed ML-DSA-65-Ed25519" 0 '"alg":"ML-DSA-65-Ed25519"' \
    sh -c "sed -n 's/.*\"docB64\": *\"\\([^\"]*\\)\".*/\\1/p' '$D/var/demo/sig.json' | base64 -d | cut -d. -f1 | tr '_-' '/+' | base64 -d 2>/dev/null"

DAEMONS=$(daemons_of "$RUN_PID")
expect "run.sh started two daemons" 0 "" test "$(echo "$DAEMONS" | wc -w)" -eq 2
expect "SIGINT (Ctrl-C) ends it with exit 0" 0 "exit 0" stop_with INT
# shellcheck disable=SC2086
expect "...and both daemons are gone" 0 "" all_gone $DAEMONS
expect "...and it says so" 0 "postq: stopped" cat "$D/run1.out"
expect "the API is gone" 7 "" curl -s "$URL/healthz"
expect "the enclave's socket is gone" 1 "" test -e "$D/var/enclave.sock"

expect "second run starts (the enclave's state lock was released)" 0 "" run_start "$D/run2.out"
expect "second run reuses the state" 0 "state reused from an earlier run" cat "$D/run2.out"
expect "second run prints the same key" 0 "$KEY" cat "$D/run2.out"
URL2=$(sed -n 's/^PostQ is running: postq-api on \([^,]*\),.*/\1/p' "$D/run2.out")
expect "the earlier signature is still there" 0 '"verdict":"pass"' \
    curl -s -H "Authorization: Bearer $KEY" "$URL2/v1/signatures"
expect "postq log monitor follows the log across the restart" 0 "no new entries" \
    env POSTQ_API_URL="$URL2" POSTQ_API_KEY="$KEY" "$BABS/bin/postq" log monitor \
    --log-key "$D/var/demo/log.vkey" --state "$D/var/demo/monitor.json"
expect "...and sees a signature made after it" 0 "1 new entry" sh -c "
    export POSTQ_API_URL='$URL2' POSTQ_API_KEY='$KEY'
    KID=\$('$BABS/bin/postq' signature list --limit 1 --json | grep -o 'key_[0-9A-Z]*' | head -n 1)
    '$BABS/bin/postq' sign --key \"\$KID\" --payload '$ROOT/README.md' -o '$D/sig2.json' >/dev/null &&
    '$BABS/bin/postq' log monitor --log-key '$D/var/demo/log.vkey' --state '$D/var/demo/monitor.json'"
expect "...whose sign result verifies offline with the pinned log key" 0 "log entry included" \
    "$BABS/bin/postq" verify --public-key "$D/var/demo/key.pub" --sign-result "$D/sig2.json" \
    --payload "$ROOT/README.md" --log-key "$D/var/demo/log.vkey"
DAEMONS=$(daemons_of "$RUN_PID")
expect "SIGTERM ends it with exit 0" 0 "exit 0" stop_with TERM
# shellcheck disable=SC2086
expect "...and both daemons are gone" 0 "" all_gone $DAEMONS

# Ctrl-C typed on a terminal reaches make too (its whole process group): make must still exit
# 0. script(1) gives make a pseudo-terminal; the pipe types Ctrl-C into it once the commands
# are printed.
printf 'run:\n\t@%s/scripts/run.sh\n' "$ROOT" >"$D/Makefile"
ctrl_c_under_make() {
    {
        for _ in $(seq 1 500); do
            grep -q "Ctrl-C stops both" "$D/tty.out" 2>/dev/null && break
            sleep 0.02
        done
        sleep 0.2
        printf '\003'
        sleep 3
    } | env "${RUN_ENV[@]}" timeout --kill-after=5 60 \
        script -qfec "make --no-print-directory -f '$D/Makefile' run" "$D/tty.out" >/dev/null
    echo "make exit $?"
    cat "$D/tty.out"
}
expect "Ctrl-C on a terminal: make exits 0 and both daemons stop" 0 "make exit 0" ctrl_c_under_make
expect "...and run.sh stopped them itself" 0 "postq: stopped" cat "$D/tty.out"
expect "...and make printed no error" 1 "" grep -qF "make: ***" "$D/tty.out"
URL3=$(sed -n 's/^PostQ is running: postq-api on \([^,]*\),.*/\1/p' "$D/tty.out")
expect "the API is gone after Ctrl-C" 7 "" curl -s "$URL3/healthz"
expect "the enclave's socket is gone after Ctrl-C" 1 "" test -e "$D/var/enclave.sock"

# make run DB=postgres (run.sh with POSTQ_RUN_DB=postgres).
chmod 0711 "$D" # as root the server runs as the postgres user, who must pass through
RUN_ENV=(POSTQ_BUILD="$BABS" POSTQ_VAR="$D/varpg" POSTQ_LISTEN=127.0.0.1:0 POSTQ_RUN_DB=postgres)
expect "DB=postgres: the stack starts on a PostgreSQL server of its own" 0 "" run_start "$D/pg1.out"
expect "...it says so" 0 "Store: PostgreSQL, postgresql:///postq?host=$D/varpg/pg/sock" cat "$D/pg1.out"
expect "...and made no SQLite file" 1 "" test -e "$D/varpg/postq.db"
PKEY=$(grep -E '^pqk_' "$D/pg1.out")
sed -n '/^Or try the CLI/,/^Ctrl-C stops both/p' "$D/pg1.out" | sed -n 's/^  //p' >"$D/trypg.sh"
expect "DB=postgres: the printed commands sign and re-verify" 0 "verified:" \
    env PATH="$CLEAN_PATH" bash -c "cd '$ROOT' && set -e && . '$D/trypg.sh'"
expect "...the sign result is in PostgreSQL" 0 "1" \
    psql "postgresql:///postq?host=$D/varpg/pg/sock&user=postq" -XAtc "SELECT count(*) FROM signatures"
expect "DB=postgres: SIGINT ends it with exit 0" 0 "exit 0" stop_with INT
expect "...and the PostgreSQL server is stopped too" 1 "" test -e "$D/varpg/pg/data/postmaster.pid"
expect "DB=postgres: a second run reuses the database" 0 "" run_start "$D/pg2.out"
expect "...the same key" 0 "$PKEY" cat "$D/pg2.out"
URL4=$(sed -n 's/^PostQ is running: postq-api on \([^,]*\),.*/\1/p' "$D/pg2.out")
expect "...and the earlier signature" 0 '"verdict":"pass"' \
    curl -s -H "Authorization: Bearer $PKEY" "$URL4/v1/signatures"
expect "DB=postgres: SIGTERM ends it with exit 0" 0 "exit 0" stop_with TERM
expect "...and the PostgreSQL server is stopped" 1 "" test -e "$D/varpg/pg/data/postmaster.pid"
expect "DB=mysql is refused with the stores it knows" 2 "is not a store (sqlite or postgres)" \
    env POSTQ_BUILD="$BABS" POSTQ_VAR="$D/varx" POSTQ_RUN_DB=mysql "$ROOT/scripts/run.sh"
t_done
