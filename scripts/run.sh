#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make run: start postq-enclave and postq-api with their state under ./var (SQLite at
# ./var/postq.db), make a demo organisation on the first run (its admin API key is kept in
# ./var/demo-api-key, mode 0600, and shown again on later runs), print the URL, the key and
# what to try next. Ctrl-C stops both. A second run reuses everything under ./var.
# Overrides (tests): POSTQ_BUILD (build dir), POSTQ_VAR (state dir), POSTQ_LISTEN (HOST:PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${POSTQ_BUILD:-build}
VAR=${POSTQ_VAR:-var}
LISTEN=${POSTQ_LISTEN:-127.0.0.1:8080}
DB="sqlite:$VAR/postq.db"
SOCK="$VAR/enclave.sock"
KEYFILE="$VAR/demo-api-key"
POLICY="$VAR/demo-policy.json"

mkdir -p "$VAR"
chmod 700 "$VAR"
EPID=
APID=
stop() {
    trap - EXIT INT TERM
    [ -n "$APID" ] && kill -TERM "$APID" 2>/dev/null
    [ -n "$EPID" ] && kill -TERM "$EPID" 2>/dev/null
    [ -n "$APID" ] && wait "$APID" 2>/dev/null
    [ -n "$EPID" ] && wait "$EPID" 2>/dev/null
    echo "postq: stopped (state kept in $VAR)"
}
trap stop EXIT
trap 'exit 0' INT TERM

# The enclave. A socket file left by a killed daemon is removed first; a daemon still running
# on this state directory makes the new one refuse to start ("in use"), which stops us here.
rm -f "$SOCK"
"$B/bin/postq-enclave" --state "$VAR/enclave" --listen "unix:$SOCK" 2>>"$VAR/enclave.log" &
EPID=$!
for _ in $(seq 1 250); do
    [ -S "$SOCK" ] && break
    kill -0 "$EPID" 2>/dev/null || { EPID=; echo "postq: postq-enclave did not start:" >&2; tail -n 5 "$VAR/enclave.log" >&2; exit 1; }
    sleep 0.02
done

# The demo organisation, once. Its key is written 0600 before it is complete, then renamed.
if [ ! -s "$KEYFILE" ]; then
    (umask 077 && "$B/bin/postq-api" org create demo --db "$DB" >"$KEYFILE.tmp" 2>/dev/null)
    mv "$KEYFILE.tmp" "$KEYFILE"
    first=1
else
    first=0
fi
chmod 600 "$KEYFILE"
KEY=$(cat "$KEYFILE")

# A policy pinned to this enclave, for the commands below.
m=$("$B/bin/postq-enclave" measure --state "$VAR/enclave")
h=$(echo "$m" | sed -n 's/.*"imageHash":"\([0-9a-f]*\)".*/\1/p')
k=$(echo "$m" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')
printf '{"name":"demo","vendor":"mock","matchRules":{"allowedImageHashes":["%s"],"rootPublicKeyB64":"%s","maxDocAgeSeconds":300},"enforce":true}\n' \
    "$h" "$k" >"$POLICY"

: >"$VAR/api.out"
"$B/bin/postq-api" serve --listen "$LISTEN" --db "$DB" --enclave "unix:$SOCK" --state "$VAR/api" \
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
($([ $first = 1 ] && echo "first run: demo organisation created" || echo "state reused from an earlier run")).

Demo organisation's admin API key (also in $KEYFILE, mode 0600):
$KEY

Dashboard: open $URL/ in a browser and sign in with that key.

Or try next, in another shell from this directory:

  export POSTQ_API_URL=$URL POSTQ_API_KEY=\$(cat $KEYFILE)
  AUTH="Authorization: Bearer \$POSTQ_API_KEY"; JSON='Content-Type: application/json'

  # 1. an attestation policy pinned to this enclave ($POLICY)
  POL=\$(curl -s -H "\$AUTH" -H "\$JSON" -d @$POLICY \$POSTQ_API_URL/v1/attestation-policies | sed -n 's/^{"id":"\\([^"]*\\)".*/\\1/p')

  # 2. an enclave key bound to it
  KEY=\$(curl -s -H "\$AUTH" -H "\$JSON" -d '{"name":"demo","pqProvider":"enclave-mock","attestationPolicyId":"'\$POL'"}' \$POSTQ_API_URL/v1/hybrid-keys | sed -n 's/^{"id":"\\([^"]*\\)".*/\\1/p')

  # 3. sign a file, then re-verify the sign result offline
  curl -s -H "\$AUTH" -H 'Content-Type: application/octet-stream' --data-binary @README.md "\$POSTQ_API_URL/v1/sign?keyId=\$KEY" >sig.json
  $B/bin/postq attest verify --policy $POLICY --sign-result sig.json --payload README.md

Ctrl-C stops both.
MSG

wait "$APID"
