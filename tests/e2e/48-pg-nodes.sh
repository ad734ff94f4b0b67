#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several API nodes on one PostgreSQL: a PostgreSQL server of this test's own (scripts/pg-server.sh,
# Unix socket only), two enclaves of one deployment secret, two postq-api nodes sharing the
# database and a key-encryption key. A policy and keys made on node A sign on node B and the
# other way round, and every result verifies offline; what one node deletes the other no longer
# finds. Then concurrent signs on both nodes with node A killed (-9) midway: every acknowledged
# sign is stored, no (moduleId, counter) twice, node B never fails. Then PostgreSQL stopped and
# started again under load: 503 store_unavailable (and /healthz saying so) while it is down, full
# service after, and nothing half-stored (each counter row has its signature and each passing
# attested signature its counter row). A missing PostgreSQL fails this test; it never skips.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
PGS=$here/../../scripts/pg-server.sh
JSON=(-H 'Content-Type: application/json')
OCTET=(-H 'Content-Type: application/octet-stream')

PGDIR=$D/pg
chmod 0711 "$D" # as root the server runs as another user, who must reach $PGDIR
pg_cleanup() {
    touch "$D/stop"
    "$PGS" stop "$PGDIR" >/dev/null 2>&1
    e2e_cleanup
}
trap pg_cleanup EXIT
ADMIN_URL=$("$PGS" start "$PGDIR") || { echo "PostgreSQL did not start"; exit 1; }
API_DB=$("$PGS" createdb "$PGDIR" postq) || { echo "cannot create the database"; exit 1; }
sql() { psql "$API_DB" -XAtq -c "$1"; }
expect "the test's PostgreSQL answers on its Unix socket" 0 "1" psql "$ADMIN_URL" -XAtq -c 'SELECT 1'

"$ENCLAVE" secret new "$D/deploy.secret" >/dev/null
"$API" kek new "$D/deploy.kek" >/dev/null
enclave_start encA -- --secret "$D/deploy.secret" || exit 1
EA=$ENCLAVE_PID
enclave_start encB -- --secret "$D/deploy.secret" || exit 1
API_EXTRA="--kek $D/deploy.kek"
api_start nodeA encA || exit 1
A_PID=$API_PID A=$API_URL
api_start nodeB encB || exit 1
B_PID=$API_PID B=$API_URL
ADMIN=$(api_org acme)
expect "postq-api org create on the PostgreSQL URI prints an admin key" 0 "" test -n "$ADMIN"
expect "the schema is migrated once, by whichever node came first" 0 "5" \
    sql "SELECT count(*) FROM schema_migrations"

on() { local u=$1; shift; API_URL=$u call "$@"; }
make_policy encA "$D/policy.json"
POL=$(on "$A" POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d @"$D/policy.json" | jfield id)
KEY=$(on "$B" POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"rel\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" | jfield id)
SOFT=$(on "$A" POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"soft","pqProvider":"software"}' | jfield id)
expect "a policy made on A binds a key made on B" 0 "" test -n "$POL" -a -n "$KEY" -a -n "$SOFT"
head -c 3000 /dev/urandom >"$D/payload.bin"
on "$A" GET "/v1/hybrid-keys/$KEY" "$ADMIN" | sed '$d' >"$D/key.json"
on "$B" GET "/v1/hybrid-keys/$SOFT" "$ADMIN" | sed '$d' >"$D/soft.json"
for n in A B; do
    u=${!n}
    on "$u" POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" | sed '$d' >"$D/sig$n.json"
    expect "node $n signs with the enclave key (a pass)" 0 '"verdict":"pass"' cat "$D/sig$n.json"
    expect "...and postq verify --policy accepts it" 0 "verified:" "$CLI" verify --public-key "$D/key.json" \
        --sign-result "$D/sig$n.json" --payload "$D/payload.bin" --policy "$D/policy.json"
    on "$u" POST "/v1/sign?keyId=$SOFT" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" | sed '$d' >"$D/soft$n.json"
    expect "node $n signs with the software key (one KEK for both nodes), verified" 0 "verified:" \
        "$CLI" verify --public-key "$D/soft.json" --sign-result "$D/soft$n.json" --payload "$D/payload.bin"
done
VKA=$(on "$A" GET /v1/log "$ADMIN" | sed '$d' | jfield verifierKey)
VKB=$(on "$B" GET /v1/log "$ADMIN" | sed '$d' | jfield verifierKey)
expect "both nodes serve one log: the same verifier key (the deployment secret's)" 0 "" \
    test -n "$VKA" -a "$VKA" = "$VKB"
for n in A B; do
    expect "node $n's sign result is in the log (postq verify --log-key)" 0 "log entry included" \
        "$CLI" verify --public-key "$D/key.json" --sign-result "$D/sig$n.json" \
        --payload "$D/payload.bin" --log-key "$VKA"
done
SIGA=$(jfield id <"$D/sigA.json")
expect "node B reads the signature node A stored" 0 "HTTP 200" on "$B" GET "/v1/signatures/$SIGA" "$ADMIN"
expect "node B lists all four signatures" 0 "4" sh -c "curl -s -H 'Authorization: Bearer $ADMIN' '$B/v1/signatures?limit=100' | grep -o '\"id\":\"sig_' | wc -l"

# What one node deletes, the other no longer finds (nothing is cached across requests).
P2=$(on "$A" POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d @"$D/policy.json" | jfield id)
expect "node B reads a policy node A just made" 0 "HTTP 200" on "$B" GET "/v1/attestation-policies/$P2" "$ADMIN"
expect "node B deletes it" 0 "HTTP 204" on "$B" DELETE "/v1/attestation-policies/$P2" "$ADMIN"
expect "node A then answers 404 for it" 0 "HTTP 404" on "$A" GET "/v1/attestation-policies/$P2" "$ADMIN"
expect "...and refuses to bind a key to it" 0 "HTTP 404" on "$A" POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"x\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$P2\"}"
expect "a policy bound on node B cannot be deleted on node A (409)" 0 "HTTP 409" \
    on "$A" DELETE "/v1/attestation-policies/$POL" "$ADMIN"
for n in A B; do
    expect "node $n: /healthz has the store and the enclave, both ok" 0 '"store":{"ok":true},"enclave":{"ok":true}' \
        on "${!n}" GET /healthz ""
done

# load NAME URL...: signs with KEY, round robin over the URLs, until $D/stop exists; appends
# "<http status> <sig id>" per call to $D/load.NAME (000 when no answer came).
load() {
    local name=$1 u out code
    shift
    while [ ! -e "$D/stop" ]; do
        for u in "$@"; do
            out=$(curl -sS --max-time 20 -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
                --data-binary @"$D/payload.bin" -w '\n%{http_code}' "$u/v1/sign?keyId=$KEY" 2>/dev/null)
            code=${out##*$'\n'}
            echo "$code $(echo "$out" | jfield id) $(echo "$out" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p')" >>"$D/load.$name"
        done
    done
}
# The checks of a stored history (the SQL twin of make chaos's db_check).
consistent() {
    local acked dup orphan missing lost
    acked=$(cat "$D"/load.* | awk '$1 == 200 { print $2 }' | sort -u)
    dup=$(sql "SELECT count(*) FROM (SELECT att_module_id, att_counter FROM signatures WHERE att_verdict = 'pass' GROUP BY 1, 2 HAVING count(*) > 1) d")
    orphan=$(sql "SELECT count(*) FROM enclave_counters c LEFT JOIN signatures s ON s.id = c.signature_id WHERE s.id IS NULL")
    missing=$(sql "SELECT count(*) FROM signatures s LEFT JOIN enclave_counters c ON c.signature_id = s.id WHERE s.att_verdict = 'pass' AND c.signature_id IS NULL")
    lost=0
    for id in $acked; do
        [ "$(sql "SELECT count(*) FROM signatures WHERE id = '$id'")" = 1 ] || lost=$((lost + 1))
    done
    # The transparency log: one leaf per signature, each signature's index its leaf's, the size
    # the leaves', and no checkpoint past the tree (a node killed between a commit and its
    # checkpoint leaves leaves that the next checkpoint covers).
    local unlogged leafless badidx size leaves cp
    unlogged=$(sql "SELECT count(*) FROM signatures WHERE log_index IS NULL")
    leafless=$(sql "SELECT count(*) FROM log_entries e LEFT JOIN signatures s ON s.id = e.signature_id AND s.log_index = e.idx WHERE s.id IS NULL")
    badidx=$(sql "SELECT count(*) FROM signatures s LEFT JOIN log_entries e ON e.signature_id = s.id AND e.idx = s.log_index WHERE e.idx IS NULL")
    size=$(sql "SELECT coalesce(sum(size), 0) FROM logs")
    leaves=$(sql "SELECT count(*) FROM log_entries")
    cp=$(sql "SELECT coalesce(max(size), 0) FROM log_checkpoints")
    echo "acknowledged $(echo "$acked" | wc -w), lost $lost, (moduleId, counter) twice $dup, counters without signature $orphan, signatures without counter $missing, signatures without leaf $unlogged, leaves without their signature $leafless, mismatched indexes $badidx, log size $size, leaves $leaves, newest checkpoint $cp"
    [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$orphan" = 0 ] && [ "$missing" = 0 ] && [ -n "$acked" ] &&
        [ "$unlogged" = 0 ] && [ "$leafless" = 0 ] && [ "$badidx" = 0 ] && [ "$size" = "$leaves" ] &&
        [ "$cp" -le "$size" ]
}

# Node A killed with SIGKILL in the middle of concurrent signs on both nodes.
load a "$A" & LA=$!
load b "$B" & LB=$!
load ab "$A" "$B" & LAB=$!
sleep 3
kill -KILL "$A_PID"
sleep 2
touch "$D/stop"
wait "$LA" "$LB" "$LAB"
expect "signs were acknowledged on both nodes before the kill" 0 "" \
    sh -c "grep -q '^200 ' '$D/load.a' && grep -q '^200 ' '$D/load.b'"
expect "node B never failed a sign while node A died" 0 "" sh -c "! grep -v '^200 ' '$D/load.b'"
expect "node B served after the kill" 0 "HTTP 200" \
    on "$B" POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin"
expect "every acknowledged sign is stored, no (moduleId, counter) twice, nothing half-stored" 0 "lost 0" consistent
cat "$T_OUT" | sed 's/^/# kill -9: /'
expect "the log after the kill: a fresh monitor finds the tree is its entries" 0 "consistent" \
    env POSTQ_API_URL="$B" POSTQ_API_KEY="$ADMIN" "$CLI" log monitor --log-key "$VKA" --state "$D/mon.json"

# PostgreSQL stopped and started again under load.
api_start nodeA2 encA || exit 1
A=$API_URL
rm -f "$D/stop" "$D"/load.*
load a "$A" & LA=$!
load b "$B" & LB=$!
sleep 2
"$PGS" stop "$PGDIR" >/dev/null
sleep 1
on "$B" POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" -i >"$D/down.out"
expect "PostgreSQL down: a sign is 503 store_unavailable" 0 '"code":"store_unavailable"' cat "$D/down.out"
expect "...with Retry-After: 1" 0 "Retry-After: 1" cat "$D/down.out"
sleep 1.1 # past /healthz's one-second memo of the store's state
on "$A" GET /healthz "" >"$D/down.out"
expect "PostgreSQL down: /healthz is 503, the store unavailable" 0 \
    '"store":{"ok":false,"reason":"store_unavailable"' cat "$D/down.out"
expect "...and the enclave part stays ok" 0 '"enclave":{"ok":true}' cat "$D/down.out"
expect "...HTTP 503" 0 'HTTP 503' cat "$D/down.out"
sleep 1
"$PGS" start "$PGDIR" >/dev/null
back=
for _ in $(seq 1 100); do
    if on "$A" GET /healthz "" | grep -q '"status":"ok"' && on "$B" GET /healthz "" | grep -q '"status":"ok"'; then
        back=1; break
    fi
    sleep 0.1
done
expect "PostgreSQL back: both nodes healthy again by themselves" 0 "" test -n "$back"
sleep 2
touch "$D/stop"
wait "$LA" "$LB"
for n in a b; do
    expect "node $n: signs went through before and after the restart" 0 "" \
        sh -c "head -n 3 '$D/load.$n' | grep -q '^200 ' && tail -n 3 '$D/load.$n' | grep -q '^200 '"
done
expect "while PostgreSQL was down the nodes answered 503 store_unavailable" 0 "" \
    sh -c "cat '$D'/load.* | grep -q '^503  store_unavailable'"
# Only a sign in flight at the very moment PostgreSQL stopped may end with 500 (whether it
# committed is unknown, so it is not offered for a retry); nothing else but 200 and 503.
expect "no other answers than 200, 503 store_unavailable, or 500 for a sign in flight" 0 "" \
    sh -c "! cat '$D'/load.* | grep -Ev '^(200 sig_|503  store_unavailable|500  internal)'"
cat "$D"/load.* | awk '{ n[$1]++ } END { for (c in n) printf "# PostgreSQL restart: %d answers %s\n", n[c], c }'
expect "every acknowledged sign is stored, nothing half-stored, after the restart" 0 "lost 0" consistent
cat "$T_OUT" | sed 's/^/# restart: /'
expect "the log after the PostgreSQL restart extends the one seen after the kill" 0 "consistent" \
    env POSTQ_API_URL="$A" POSTQ_API_KEY="$ADMIN" "$CLI" log monitor --log-key "$VKA" --state "$D/mon.json"
expect "postq verify accepts a sign made after the restart" 0 "verified:" sh -c "
    curl -s -X POST -H 'Authorization: Bearer $ADMIN' -H 'Content-Type: application/octet-stream' \
        --data-binary @'$D/payload.bin' '$A/v1/sign?keyId=$KEY' >'$D/after.json' &&
    '$CLI' verify --public-key '$D/key.json' --sign-result '$D/after.json' --payload '$D/payload.bin' --policy '$D/policy.json'"
t_done
