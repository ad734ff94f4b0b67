#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make run: start postq-enclave and postq-api with their state under ./var (SQLite at
# ./var/postq.db, logs in ./var/*.log), make a demo organisation on the first run (its admin
# API key is kept in ./var/demo-api-key, mode 0600, and shown again on later runs), print the
# URL, the key and commands to try (they write only under ./var/demo). Ctrl-C stops both daemons
# and exits 0. A second run reuses everything under ./var.
# Overrides (tests): POSTQ_BUILD (build dir), POSTQ_VAR (state dir), POSTQ_LISTEN (HOST:PORT).
# POSTQ_RUN_DB=postgres (make run DB=postgres): the store is a PostgreSQL server of this stack's
# own instead (scripts/pg-server.sh: data in ./var/pg, a Unix socket only, database `postq`),
# started before the daemons and stopped after them.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${POSTQ_BUILD:-build}
BIN=$(cd "$B/bin" && pwd)
VAR=${POSTQ_VAR:-var}
umask 077 # the logs, the demo files and the database are for this user alone
LISTEN=${POSTQ_LISTEN:-127.0.0.1:8080}
case ${POSTQ_RUN_DB:-sqlite} in
    sqlite | '') RUN_DB=sqlite ;;
    postgres | postgresql) RUN_DB=postgres ;;
    *) echo "postq: DB=${POSTQ_RUN_DB} is not a store (sqlite or postgres)" >&2; exit 2 ;;
esac
DB="sqlite:$VAR/postq.db"
SOCK="$VAR/enclave.sock"
KEYFILE="$VAR/demo-api-key"
DEMO="$VAR/demo"

mkdir -p "$VAR" "$DEMO"
chmod 700 "$VAR"
EPID=
APID=
PG=
stop() {
    trap - EXIT INT TERM
    if [ -n "$APID" ]; then kill -TERM "$APID" 2>/dev/null || true; fi
    if [ -n "$EPID" ]; then kill -TERM "$EPID" 2>/dev/null || true; fi
    if [ -n "$APID" ]; then wait "$APID" 2>/dev/null || true; fi
    if [ -n "$EPID" ]; then wait "$EPID" 2>/dev/null || true; fi
    if [ -n "$PG" ]; then scripts/pg-server.sh stop "$PG" || true; fi
    echo "postq: stopped (state kept in $VAR/, logs in $VAR/enclave.log and $VAR/api.log)"
}
trap stop EXIT
trap 'exit 0' INT TERM

if [ "$RUN_DB" = postgres ]; then
    # As root the server runs as the postgres user, who must pass through $VAR (its files
    # stay private: umask 077).
    if [ "$(id -u)" -eq 0 ]; then chmod 711 "$VAR"; fi
    scripts/pg-server.sh start "$VAR/pg" >/dev/null
    PG=$VAR/pg
    DB=$(scripts/pg-server.sh url "$PG" postq)
    # The database is made once and kept, as the SQLite file is.
    psql "$DB" -XAtq -c 'SELECT 1' >/dev/null 2>&1 || scripts/pg-server.sh createdb "$PG" postq >/dev/null
fi

# The enclave. A socket file left by a killed daemon is removed first; a daemon still running
# on this state directory makes the new one refuse to start ("in use"), which stops us here.
rm -f "$SOCK"
"$BIN/postq-enclave" --state "$VAR/enclave" --listen "unix:$SOCK" 2>>"$VAR/enclave.log" &
EPID=$!
for _ in $(seq 1 250); do
    [ -S "$SOCK" ] && break
    kill -0 "$EPID" 2>/dev/null || { EPID=; echo "postq: postq-enclave did not start:" >&2; tail -n 5 "$VAR/enclave.log" >&2; exit 1; }
    sleep 0.02
done

# The demo organisation, once. Its key is written 0600 before it is complete, then renamed.
if [ ! -s "$KEYFILE" ]; then
    (umask 077 && "$BIN/postq-api" org create demo --db "$DB" >"$KEYFILE.tmp" 2>/dev/null)
    mv "$KEYFILE.tmp" "$KEYFILE"
    first=1
else
    first=0
fi
chmod 600 "$KEYFILE"
KEY=$(cat "$KEYFILE")

# What a policy pins for this enclave, for the commands below (postq enclave info shows the
# same through the API).
m=$("$BIN/postq-enclave" measure --state "$VAR/enclave")
h=$(echo "$m" | sed -n 's/.*"imageHash":"\([0-9a-f]*\)".*/\1/p')
k=$(echo "$m" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')

: >"$VAR/api.out"
"$BIN/postq-api" serve --listen "$LISTEN" --db "$DB" --enclave "unix:$SOCK" --state "$VAR/api" \
    >"$VAR/api.out" 2>>"$VAR/api.log" &
APID=$!
URL=
for _ in $(seq 1 250); do
    URL=$(sed -n 's/^postq-api listening on //p' "$VAR/api.out")
    [ -n "$URL" ] && break
    kill -0 "$APID" 2>/dev/null || { APID=; echo "postq: postq-api did not start:" >&2; tail -n 5 "$VAR/api.log" >&2; exit 1; }
    sleep 0.02
done

cat <<MSG
PostQ is running: postq-api on $URL, postq-enclave on unix:$SOCK, state in $VAR/
Store: $([ "$RUN_DB" = postgres ] && echo "PostgreSQL, $DB (server in $VAR/pg, log $VAR/pg/log)" || echo "SQLite, $VAR/postq.db").
($([ $first = 1 ] && echo "first run: demo organisation created" || echo "state reused from an earlier run")).
Logs: $VAR/api.log (one line per request) and $VAR/enclave.log.

Demo organisation's admin API key (also in $KEYFILE, mode 0600):
$KEY

Dashboard: open $URL/ in a browser and sign in with that key.
TypeScript: @postq/sdk is built in js/sdk (make sdk-js-pack makes its tarball); the README's
TypeScript example runs against this stack with the two variables the export line below sets.

Or try the CLI, in another shell from this directory. postq is not installed: the first line
puts $BIN on that shell's PATH (or run make install: docs/deployment.md).
The files go to $DEMO/.

  export PATH="$BIN:\$PATH" POSTQ_API_URL=$URL POSTQ_API_KEY="\$(cat $KEYFILE)"

  # 1. an attestation policy pinned to this enclave (postq enclave info shows these values)
  POL=\$(postq policy create --name demo --vendor mock --image-hash $h --root-key $k --max-age 300 -o $DEMO/policy.json | awk 'NR == 1 {print \$3}')

  # 2. an enclave key bound to it, and its public key
  KEY=\$(postq key create --name demo --provider enclave-mock --policy "\$POL" | awk 'NR == 1 {print \$3}')
  postq key get "\$KEY" --public-key-out $DEMO/key.pub

  # 3. sign a file, then re-verify the signature and its attestation offline
  postq sign --key "\$KEY" --payload README.md -o $DEMO/sig.json
  postq verify --public-key $DEMO/key.pub --policy $DEMO/policy.json --sign-result $DEMO/sig.json --payload README.md

  # 4. the transparency log: pin its verifier key once; the sign result is in the log, and a monitor follows it
  postq log info --verifier-key-out $DEMO/log.vkey
  postq verify --public-key $DEMO/key.pub --sign-result $DEMO/sig.json --payload README.md --log-key $DEMO/log.vkey
  postq log monitor --log-key $DEMO/log.vkey --state $DEMO/monitor.json

Ctrl-C stops both.
MSG

# Wait for Ctrl-C. On a terminal the wait is a foreground job in a process group of its own,
# so Ctrl-C's SIGINT reaches it alone: make, which runs this script, would otherwise die of the
# same SIGINT and exit non-zero however cleanly the daemons stop. Elsewhere (kill -INT, kill
# -TERM) the traps above end the wait.
if [ -t 0 ] && [ -t 2 ]; then
    set -m
    tail --pid="$APID" -f /dev/null || true
    set +m
else
    wait "$APID" || true
fi
if ! kill -0 "$APID" 2>/dev/null; then
    APID=
    echo "postq: postq-api stopped by itself:" >&2
    tail -n 5 "$VAR/api.log" >&2
    exit 1
fi
exit 0
