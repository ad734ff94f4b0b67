# SPDX-License-Identifier: Apache-2.0
# End-to-end helpers: real postq-enclave processes on a temporary state directory and socket,
# cleaned up from a trap (each test sources this, owns E2E_DIR and its daemons).
#   enclave_start NAME [VAR=VALUE ...] [-- ARGS...]   start a daemon with state E2E_DIR/NAME
#                              and socket E2E_DIR/NAME.sock; sets ENCLAVE_PID; waits until it
#                              answers (a stale socket file left by a kill -9 is not enough)
#   enclave_stop PID [SIGNAL]  signal it (TERM by default) and wait for it to exit
#   make_policy NAME OUT       an attestation policy (docs/formats.md) pinning what
#                              `postq-enclave measure` prints for E2E_DIR/NAME
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sh-test.sh"
B=${POSTQ_BUILD:-build}
ENCLAVE=$B/bin/postq-enclave
CLIENT=$B/tests/tools/enclave_client
E2E_DIR=$(mktemp -d /tmp/postq-e2e.XXXXXX)
E2E_PIDS=()

e2e_cleanup() {
    local p
    for p in "${E2E_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$E2E_DIR" "$T_OUT"
}
trap e2e_cleanup EXIT

enclave_start() {
    local name=$1 envs=() args=()
    shift
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    args=("$@")
    env "${envs[@]}" "$ENCLAVE" --state "$E2E_DIR/$name" --listen "unix:$E2E_DIR/$name.sock" \
        "${args[@]}" >>"$E2E_DIR/$name.log" 2>&1 &
    ENCLAVE_PID=$!
    E2E_PIDS+=("$ENCLAVE_PID")
    # Ready when this daemon answers info: a socket file alone may be a killed daemon's.
    for _ in $(seq 1 250); do
        kill -0 "$ENCLAVE_PID" 2>/dev/null || break
        "$CLIENT" info "unix:$E2E_DIR/$name.sock" >/dev/null 2>&1 && return 0
        sleep 0.02
    done
    echo "enclave $name did not start:"; cat "$E2E_DIR/$name.log"
    return 1
}

enclave_stop() {
    kill -"${2:-TERM}" "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

make_policy() {
    local m h k
    m=$("$ENCLAVE" measure --state "$E2E_DIR/$1") || return 1
    h=$(echo "$m" | sed -n 's/.*"imageHash":"\([0-9a-f]*\)".*/\1/p')
    k=$(echo "$m" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')
    cat >"$2" <<JSON
{"id":"pol_e2e","name":"e2e","vendor":"mock",
 "matchRules":{"allowedImageHashes":["$h"],"rootPublicKeyB64":"$k","maxDocAgeSeconds":300},
 "enforce":true}
JSON
}
