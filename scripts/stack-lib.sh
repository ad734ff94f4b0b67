# SPDX-License-Identifier: Apache-2.0
# What scripts/chaos.sh and scripts/soak.sh share: a real postq-enclave and postq-api on state
# under $W, and an organisation with an attested key to sign with. The caller sets B (the build
# directory) and calls stack_workspace NAME first. Sourced, not run.

# stack_workspace NAME: W, a fresh temporary directory, removed on exit with every process the
# script started (EPID, APID and the clients in CPIDS, killed; $W/stop tells clients to end).
stack_workspace() {
    W=$(mktemp -d "/tmp/postq-$1.XXXXXX")
    EPID="" APID="" CPIDS=""
    trap stack_cleanup EXIT
    trap 'exit 130' INT TERM
}

stack_cleanup() {
    touch "$W/stop"
    for p in $CPIDS $APID $EPID; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$W"
}

# stack_start_enclave: start postq-enclave on $W/enc; sets EPID; 1 when it does not answer.
# stack_start_api PORT: start postq-api on 127.0.0.1:PORT (0: a free one; a port still held by a
#   killed predecessor is tried again); sets APID and URL; 1 when it does not start.
stack_start_enclave() {
    "$B/bin/postq-enclave" --state "$W/enc" --listen "unix:$W/enc.sock" >>"$W/enc.log" 2>&1 &
    EPID=$!
    for _ in $(seq 500); do
        "$B/tests/tools/enclave_client" info "unix:$W/enc.sock" >/dev/null 2>&1 && return 0
        kill -0 "$EPID" 2>/dev/null || break
        sleep 0.01
    done
    echo "postq-enclave did not start:"; tail -5 "$W/enc.log"
    return 1
}

stack_start_api() { # PORT (0 the first time)
    for _ in $(seq 50); do
        : >"$W/api.out"
        "$B/bin/postq-api" serve --listen "127.0.0.1:$1" --db "sqlite:$W/api.db" \
            --enclave "unix:$W/enc.sock" --state "$W/api" --rate-limit admin=off \
            --org-rate-limit off >"$W/api.out" 2>>"$W/api.log" &
        APID=$!
        for _ in $(seq 500); do
            URL=$(sed -n 's/^postq-api listening on //p' "$W/api.out")
            [ -n "$URL" ] && return 0
            kill -0 "$APID" 2>/dev/null || break
            sleep 0.01
        done
        wait "$APID" 2>/dev/null # the port may still be held a moment: try again
        sleep 0.1
    done
    echo "postq-api did not start:"; tail -5 "$W/api.log"
    return 1
}

# stack_setup NAME: make $W/enc, start both daemons, an organisation NAME (ADMIN, its admin
# key), a mock policy pinning the enclave (POL) and an attested key bound to it (EKEY). Exits 2
# when any of it fails.
stack_setup() {
    local m h k
    mkdir -m 700 "$W/enc"
    stack_start_enclave || exit 2
    ADMIN=$("$B/bin/postq-api" org create "$1" --db "sqlite:$W/api.db" 2>/dev/null) || exit 2
    stack_start_api 0 || exit 2
    m=$("$B/bin/postq-enclave" measure --state "$W/enc") || exit 2
    h=$(echo "$m" | sed -n 's/.*"imageHash":"\([0-9a-f]*\)".*/\1/p')
    k=$(echo "$m" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')
    POL=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1\",\"vendor\":\"mock\",\"matchRules\":{\"allowedImageHashes\":[\"$h\"],\"rootPublicKeyB64\":\"$k\"}}" \
        "$URL/v1/attestation-policies" | sed -n 's/.*"id":"\(pol_[0-9A-Z]*\)".*/\1/p')
    EKEY=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" \
        "$URL/v1/hybrid-keys" | sed -n 's/.*"id":"\(key_[0-9A-Z]*\)".*/\1/p')
    if [ -z "$POL" ] || [ -z "$EKEY" ]; then
        echo "could not make the policy and the key"
        exit 2
    fi
}
