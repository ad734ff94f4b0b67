# SPDX-License-Identifier: Apache-2.0
# End-to-end helpers for postq-api (source after lib.sh): a real server on an ephemeral
# 127.0.0.1 port with its own SQLite file and state directory under E2E_DIR, driven with curl.
#   api_start NAME ENCLAVE   serve with db $API_DB (default sqlite:E2E_DIR/api.db), state
#                            E2E_DIR/NAME-state, enclave socket E2E_DIR/ENCLAVE.sock; sets
#                            API_PID and API_URL
#   api_org NAME             `postq-api org create` on $API_DB; prints the admin key
#   api_sign_keys ENCLAVE    a software key (KEY), a policy pinning ENCLAVE (POL) and an
#                            attested key bound to it (EKEY), made as $ADMIN
#   call METHOD PATH TOKEN [CURL ARGS...]   the body, then a last line "HTTP <status>"
#   jfield NAME              the first string member NAME of the JSON on stdin
API=$B/bin/postq-api
CLI=$B/bin/postq

api_start() {
    local name=$1 enc=$2
    : >"$E2E_DIR/$name.out"
    # shellcheck disable=SC2086 # API_EXTRA: extra serve options of a test, word-split
    "$API" serve --listen 127.0.0.1:0 --db "${API_DB:-sqlite:$E2E_DIR/api.db}" \
        --enclave "unix:$E2E_DIR/$enc.sock" --state "$E2E_DIR/$name-state" ${API_EXTRA:-} \
        >"$E2E_DIR/$name.out" 2>>"$E2E_DIR/$name.log" &
    API_PID=$!
    E2E_PIDS+=("$API_PID")
    for _ in $(seq 1 250); do
        API_URL=$(sed -n 's/^postq-api listening on //p' "$E2E_DIR/$name.out")
        [ -n "$API_URL" ] && return 0
        kill -0 "$API_PID" 2>/dev/null || break
        sleep 0.02
    done
    echo "postq-api $name did not start:"; cat "$E2E_DIR/$name.log"
    return 1
}

# api_sign_keys ENC: as $ADMIN on $API_URL, a software key (KEY), a mock policy pinning enclave
# ENC (POL, written to $E2E_DIR/policy.json) and an attested key bound to it (EKEY).
api_sign_keys() {
    local j=(-H 'Content-Type: application/json')
    KEY=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" "${j[@]}" \
        -d '{"name":"soft","pqProvider":"software"}' "$API_URL/v1/hybrid-keys" | jfield id)
    make_policy "$1" "$E2E_DIR/policy.json" || return 1
    POL=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" "${j[@]}" \
        -d @"$E2E_DIR/policy.json" "$API_URL/v1/attestation-policies" | jfield id)
    EKEY=$(curl -s -X POST -H "Authorization: Bearer $ADMIN" "${j[@]}" \
        -d "{\"name\":\"$1\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" \
        "$API_URL/v1/hybrid-keys" | jfield id)
    [ -n "$KEY" ] && [ -n "$POL" ] && [ -n "$EKEY" ]
}

api_org() {
    "$API" org create "$1" --db "${API_DB:-sqlite:$E2E_DIR/api.db}" 2>/dev/null
}

call() {
    local method=$1 path=$2 token=$3
    shift 3
    local auth=()
    [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
    curl -sS --max-time 60 -X "$method" "${auth[@]}" "$@" -w '\nHTTP %{http_code}\n' \
        "$API_URL$path"
}

jfield() {
    sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}
