#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make chaos: real postq-enclave and postq-api processes under load (CHAOS_CLIENTS clients, 4 by
# default, each signing a fresh payload with an attested key in a loop, never resending a sign),
# while either daemon is killed with SIGKILL at random moments and started again on the same
# state, socket, database and port. Afterwards, with both daemons up again: every sign a client
# was answered 200 for is listed by the API, and then, with the daemons stopped, the database
# is checked by tests/tools/db_check (every acknowledged sign stored with its moduleId and
# counter, no (moduleId, counter) twice, no orphan rows, PRAGMA integrity_check). Prints a
# summary; exit 0 when every check passed, 1 when one failed, 2 when the stack could not start.
#
#   scripts/chaos.sh [SECONDS]      (POSTQ_BUILD: the build directory, default build)
# CHAOS_DAMAGE=1 breaks the database on purpose before the checks (db_check --damage): they
# must then fail, which is how tests/e2e/39-chaos.sh shows that they can.
# Only 127.0.0.1 and a Unix socket in a temporary directory; everything is stopped on exit.
set -u
B=${POSTQ_BUILD:-build}
DURATION=${1:-${CHAOS_SECONDS:-60}}
CLIENTS=${CHAOS_CLIENTS:-4}
. "$(dirname "$0")/stack-lib.sh"
stack_workspace chaos
KILLS_API=0 KILLS_ENC=0

client() { # N: sign in a loop; one line per answer to codes.N, acknowledged signs to acked.N
    local i=$1 n=0 out code body id ctr
    while [ ! -e "$W/stop" ]; do
        n=$((n + 1))
        out=$(curl -s --max-time 40 -w '\n%{http_code}' -X POST \
            -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
            -d "{\"keyId\":\"$EKEY\",\"payloadB64\":\"$(printf 'chaos %s %s' "$i" "$n" | base64)\"}" \
            "$URL/v1/sign")
        code=${out##*$'\n'}
        body=${out%$'\n'*}
        echo "$code" >>"$W/codes.$i"
        if [ "$code" = 200 ]; then
            id=$(printf '%s' "$body" | sed -n 's/.*"id":"\(sig_[0-9A-Z]*\)".*/\1/p')
            ctr=$(printf '%s' "$body" | sed -n 's/.*"counter":\([0-9]*\).*/\1/p')
            echo "$id $ctr" >>"$W/acked.$i"
        else
            sleep 0.05 # a daemon is down: do not spin
        fi
    done
}

stack_setup chaos
PORT=${URL##*:}

echo "chaos: $CLIENTS clients for ${DURATION} s, SIGKILL of either daemon every 0.5-2.5 s"
for i in $(seq "$CLIENTS"); do
    : >"$W/acked.$i"
    client "$i" &
    CPIDS="$CPIDS $!"
done
END=$((SECONDS + DURATION))
while [ "$SECONDS" -lt "$END" ]; do
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
    sleep 0.5
    if [ $((RANDOM % 2)) -eq 0 ]; then
        kill -KILL "$APID" 2>/dev/null; wait "$APID" 2>/dev/null
        KILLS_API=$((KILLS_API + 1))
        sleep "0.$((RANDOM % 5))"
        stack_start_api "$PORT" || exit 2
    else
        kill -KILL "$EPID" 2>/dev/null; wait "$EPID" 2>/dev/null
        KILLS_ENC=$((KILLS_ENC + 1))
        sleep "0.$((RANDOM % 5))"
        stack_start_enclave || exit 2
    fi
done
touch "$W/stop"
for p in $CPIDS; do wait "$p" 2>/dev/null; done
CPIDS=""

cat "$W"/acked.* | sort >"$W/acked"
cut -d' ' -f1 "$W/acked" | sort -u >"$W/acked.ids"
cat "$W"/codes.* | sort | uniq -c | sort -rn | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "} END {print ""}' >"$W/codes"
POSTQ_API_URL=$URL POSTQ_API_KEY=$ADMIN "$B/bin/postq" signature list --all --json \
    >"$W/listed.json" 2>"$W/listed.err"
grep -o '"id": "sig_[0-9A-Z]*"' "$W/listed.json" | sed 's/.*"\(sig_[0-9A-Z]*\)"/\1/' | sort -u \
    >"$W/listed.ids"
MISSING=$(comm -23 "$W/acked.ids" "$W/listed.ids" | wc -l)
kill -TERM "$APID" "$EPID" 2>/dev/null
wait "$APID" "$EPID" 2>/dev/null
APID="" EPID=""

echo "chaos: ${DURATION} s, $CLIENTS clients: $(wc -l <"$W/acked") signs acknowledged;" \
    "$KILLS_API kills of postq-api, $KILLS_ENC of postq-enclave, each restarted"
echo "chaos: answers by HTTP status (000: no connection): $(cat "$W/codes")"
echo "chaos: $(wc -l <"$W/listed.ids") signatures listed by the API"
rc=0
if [ "$MISSING" -ne 0 ] || [ ! -s "$W/acked.ids" ]; then
    echo "FAILED: $MISSING acknowledged signs are not listed by the API"
    rc=1
else
    echo "ok: every acknowledged sign is listed by the API (0 missing)"
fi
"$B/tests/tools/db_check" ${CHAOS_DAMAGE:+--damage} "$W/api.db" "$W/acked" || rc=1
[ "$rc" -eq 0 ] && echo "chaos: all checks passed" || echo "chaos: CHECKS FAILED"
exit "$rc"
