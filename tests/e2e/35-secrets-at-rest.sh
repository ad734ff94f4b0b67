#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Secrets at rest: everything postq-api and postq-enclave write (the SQLite database with its
# WAL and SHM, the key-encryption key, the enclave's state) is 0600 / 0700 whatever the umask
# they were started with, and both daemons are non-dumpable: no core dump, and /proc/PID's
# files are the kernel's (root's), so another process of the same user cannot read them. The
# daemons run as an unprivileged user (nobody when the test runs as root), the reader too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
chmod 0755 "$D"
if [ "$(id -u)" -eq 0 ]; then
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
    AS=()
fi
S=$D/state
mkdir -p "$S" && chmod 0777 "$S"
# The programs run from a copy here: the checkout may sit where that user cannot reach.
mkdir -p "$D/bin" && cp "$API" "$ENCLAVE" "$D/bin/" && chmod 0755 "$D/bin" "$D/bin"/*
API=$D/bin/$(basename "$API")
ENCLAVE=$D/bin/$(basename "$ENCLAVE")

# Started with a permissive umask, as a careless service file would.
( umask 000; exec "${AS[@]}" "$ENCLAVE" --state "$S/enc" --listen "unix:$S/enc.sock" ) 2>>"$D/enc.log" &
EPID=$!
E2E_PIDS+=("$EPID")
for _ in $(seq 1 250); do [ -S "$S/enc.sock" ] && break; sleep 0.02; done
( umask 000; exec "${AS[@]}" "$API" serve --listen 127.0.0.1:0 --db "sqlite:$S/api.db" \
    --enclave "unix:$S/enc.sock" --state "$S/api" ) >"$D/api.out" 2>>"$D/api.log" &
APID=$!
E2E_PIDS+=("$APID")
for _ in $(seq 1 250); do
    API_URL=$(sed -n 's/^postq-api listening on //p' "$D/api.out")
    [ -n "$API_URL" ] && break
    sleep 0.02
done
expect "postq-api is up" 0 '"status":"ok"' curl -s "$API_URL/healthz"
curl -s -o /dev/null "$API_URL/v1/hybrid-keys" # a write-ahead log exists once the store is used

mode() { stat -c '%a' "$1"; }
for f in "$S/api.db" "$S/api.db-wal" "$S/api.db-shm" "$S/api/kek.key"; do
    expect "postq-api wrote $(basename "$f") 0600" 0 "" test "$(mode "$f")" = 600
done
expect "postq-api's state directory is 0700" 0 "" test "$(mode "$S/api")" = 700
for f in "$S"/enc/*; do
    [ -f "$f" ] && expect "postq-enclave wrote $(basename "$f") 0600" 0 "" test "$(mode "$f")" = 600
done
expect "postq-enclave's state directory is 0700" 0 "" test "$(mode "$S/enc")" = 700

# Non-dumpable: /proc/PID/environ of a dumpable process is its owner's to read.
expect "postq-api is non-dumpable (its /proc files are root's)" 0 "" \
    sh -c "kill -0 $APID && ! ${AS[*]} cat /proc/$APID/environ >/dev/null 2>&1"
expect "postq-enclave is non-dumpable" 0 "" \
    sh -c "kill -0 $EPID && ! ${AS[*]} cat /proc/$EPID/environ >/dev/null 2>&1"
expect "control: a dumpable process of that user can be read" 0 "" \
    sh -c "${AS[*]} sh -c 'sleep 30 & cat /proc/\$!/environ >/dev/null; kill \$!'"
kill -TERM "$APID" "$EPID"
t_done
