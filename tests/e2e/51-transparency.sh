#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The transparency log end to end (docs/transparency.md), real processes on 127.0.0.1: every
# sign result carries its entry's inclusion proof and a checkpoint signed by the enclave's log
# keys; `postq verify` / `postq attest verify --log-key` accept them and reject each field
# tampered with; the read routes and the tlog-tiles paths serve what the spec's layout requires
# (checked against hashes computed here from the served entries); `postq log monitor` follows the
# log across restarts and reports a rollback and two forks (two checkpoints of one size with
# different roots, and a checkpoint that does not extend the last one seen); postq-api killed
# with SIGKILL in the middle of batches: after a restart the tree is exactly the stored
# signatures, every acknowledged sign is in it, and checkpoints only grew.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
TOOL=$B/tests/tools/tlog_tool
JSON=(-H 'Content-Type: application/json')
OCTET=(-H 'Content-Type: application/octet-stream')
printf 'release artifact v2.0.0\n' >"$D/p.bin"

ADMIN=$(api_org acme)
GLOBEX=$(api_org globex)
enclave_start enc || exit 1
api_start api enc || exit 1
API_PID1=$API_PID
api_sign_keys enc || { echo "cannot make the keys"; exit 1; }
export POSTQ_API_URL=$API_URL POSTQ_API_KEY=$ADMIN

# sign KEY OUT: POST /v1/sign, the sign result (body only) into OUT.
sign() {
    call POST "/v1/sign?keyId=$1" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/p.bin" | sed '$d' >"$2"
}
call GET "/v1/hybrid-keys/$EKEY" "$ADMIN" | sed '$d' >"$D/ekey.json"
call GET "/v1/hybrid-keys/$KEY" "$ADMIN" | sed '$d' >"$D/skey.json"

expect "GET /v1/log of an empty log: origin, both verifier keys, no checkpoint" 0 '"checkpoint":null' \
    call GET /v1/log "$ADMIN"
sign "$EKEY" "$D/e1.json"
sign "$KEY" "$D/s1.json"
sign "$EKEY" "$D/e2.json"
call GET /v1/log "$ADMIN" | sed '$d' >"$D/log.json"
VK=$(jfield verifierKey <"$D/log.json")
jfield compositeVerifierKey <"$D/log.json" >"$D/cvk.txt"
ORG_ORIGIN=$(jfield origin <"$D/log.json")
expect "the log's origin is <log name>/<organisation id>" 0 "" \
    sh -c "echo '$ORG_ORIGIN' | grep -qE '^postq-log/org_[0-9A-Z]{26}\$'"
expect "the Ed25519 verifier key is a signed-note key (type 0x01: base64 starts with 'A')" 0 "" \
    sh -c "echo '$VK' | grep -qE '^postq-log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}\$'"
expect "a sign result carries transparency: its log index, checkpoint and proof" 0 \
    '"transparency":{"logIndex":0,"checkpoint":"postq-log/org_' cat "$D/e1.json"
expect "/metrics counts the checkpoints the enclave signed: one per sequential sign" 0 \
    "postq_log_checkpoints_signed_total 3" curl -sS "$API_URL/metrics"
expect "postq log info names both keys" 0 "verifier key (ML-DSA-65+Ed25519)" "$CLI" log info

# ---- offline verification with the pinned log key ----
expect "attest verify --log-key: an attested sign result is in the log" 0 \
    "log entry included in the checkpoint's tree: ok" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/e1.json" --payload "$D/p.bin" \
    --public-key "$D/ekey.json" --log-key "$VK"
expect "verify --log-key FILE (the composite key): a software key's sign result" 0 \
    "log checkpoint signed by the pinned log key: ok" \
    "$CLI" verify --public-key "$D/skey.json" --sign-result "$D/s1.json" --payload "$D/p.bin" \
    --log-key "$D/cvk.txt"
expect "verify --policy --log-key --json lists both log checks" 0 '"check": "log_proof_invalid"' \
    "$CLI" verify --public-key "$D/ekey.json" --sign-result "$D/e2.json" --payload "$D/p.bin" \
    --policy "$D/policy.json" --log-key "$VK" --json
expect "attest verify --log-key without --public-key is usage" 2 "--log-key needs" \
    "$CLI" attest verify --policy "$D/policy.json" --sign-result "$D/e1.json" --payload "$D/p.bin" \
    --log-key "$VK"
expect "a --log-key that is neither a key nor a file is usage" 2 "log key" \
    "$CLI" verify --public-key "$D/skey.json" --sign-result "$D/s1.json" --payload "$D/p.bin" \
    --log-key "postq-log+00000000+AAAA"

# tamper NAME SED: a copy of e2.json (logIndex 2 of 3: a non-empty proof) edited by SED.
tamper() { sed -E "$2" "$D/e2.json" >"$D/t-$1.json"; }
tamper created 's/"createdAt":"2026/"createdAt":"2025/'
tamper index 's/"logIndex":2/"logIndex":1/'
tamper proof 's/("inclusionProof":\[")A/\1B/; t; s/("inclusionProof":\[")./\1A/'
tamper note 's/("checkpoint":"[^\\]*\\n[0-9]+\\n)A/\1B/; t; s/("checkpoint":"[^\\]*\\n[0-9]+\\n)./\1A/'
tamper none 's/,"transparency":\{[^}]*\}//'
tamper verdict 's/"verdict":"pass"/"verdict":"fail","reason":"doc_stale"/'
for t in created index proof verdict; do
    expect "a sign result with its $t changed: log_proof_invalid" 1 "rejected: log_proof_invalid" \
        "$CLI" verify --public-key "$D/ekey.json" --sign-result "$D/t-$t.json" --payload "$D/p.bin" \
        --log-key "$VK"
done
expect "a checkpoint with a byte changed: log_checkpoint_invalid" 1 "rejected: log_checkpoint_invalid" \
    "$CLI" verify --public-key "$D/ekey.json" --sign-result "$D/t-note.json" --payload "$D/p.bin" \
    --log-key "$D/cvk.txt"
expect "no transparency at all: log_proof_invalid" 1 "rejected: log_proof_invalid" \
    "$CLI" verify --public-key "$D/ekey.json" --sign-result "$D/t-none.json" --payload "$D/p.bin" \
    --log-key "$VK"
expect "...and without --log-key the same file still verifies (the log is opt-in)" 0 "verified:" \
    "$CLI" verify --public-key "$D/ekey.json" --sign-result "$D/t-none.json" --payload "$D/p.bin"

# Another deployment's log (another enclave state, so other log keys) is not this one.
enclave_start enc2 || exit 1
API_DB=sqlite:$D/other.db api_start other enc2 || exit 1
OTHER_URL=$API_URL
API_URL=$POSTQ_API_URL
OADMIN=$("$API" org create other --db "sqlite:$D/other.db" 2>/dev/null)
OVK=$(curl -s -H "Authorization: Bearer $OADMIN" "$OTHER_URL/v1/log" | jfield verifierKey)
expect "another log's key: log_checkpoint_invalid" 1 "rejected: log_checkpoint_invalid" \
    "$CLI" verify --public-key "$D/ekey.json" --sign-result "$D/e2.json" --payload "$D/p.bin" \
    --log-key "$OVK"

# ---- the read routes ----
SID=$(jfield id <"$D/e1.json")
call GET "/v1/signatures/$SID" "$ADMIN" | sed '$d' >"$D/e1-now.json"
expect "GET /v1/signatures/{id} proves the entry in the latest checkpoint (3 entries)" 0 "verified:" \
    sh -c "grep -q '\"checkpoint\":\"postq-log/org_[0-9A-Z]*\\\\n3\\\\n' '$D/e1-now.json' &&
           '$CLI' verify --public-key '$D/ekey.json' --sign-result '$D/e1-now.json' \
               --payload '$D/p.bin' --log-key '$VK'"
expect "GET /v1/signatures/{id}/proof" 0 '"logIndex":0,"checkpoint":"postq-log/' \
    call GET "/v1/signatures/$SID/proof" "$ADMIN"
expect "GET /v1/signatures/{id}/proof of another organisation's signature is 404" 0 "HTTP 404" \
    call GET "/v1/signatures/$SID/proof" "$GLOBEX"
expect "GET /v1/log/proof?from=1 (to the latest): a consistency proof" 0 '"consistencyProof":["' \
    call GET "/v1/log/proof?from=1" "$ADMIN"
expect "GET /v1/log/proof?from=1&to=2" 0 '\n2\n' call GET "/v1/log/proof?from=1&to=2" "$ADMIN"
expect "GET /v1/log/proof?from=4 (past the tree) is 400" 0 "HTTP 400" \
    call GET "/v1/log/proof?from=4" "$ADMIN"
expect "GET /v1/log/proof?from=01 is 400" 0 "HTTP 400" call GET "/v1/log/proof?from=01" "$ADMIN"
CK_BEFORE=$(curl -sS "$API_URL/metrics" | sed -n 's/^postq_log_checkpoints_signed_total //p')
expect "GET /v1/log/proof?from=2&to=1 is 400" 0 "from: larger than to" \
    call GET "/v1/log/proof?from=2&to=1" "$ADMIN"
expect "...refused before anything is signed (no checkpoint of size 1 made for it)" 0 "" \
    test "$(curl -sS "$API_URL/metrics" | sed -n 's/^postq_log_checkpoints_signed_total //p')" = "$CK_BEFORE"
expect "GET /v1/log/proof without from is 400" 0 "HTTP 400" call GET "/v1/log/proof" "$ADMIN"
expect "GET /v1/log/checkpoint is the signed note as text" 0 "— postq-log " \
    call GET /v1/log/checkpoint "$ADMIN"
expect "the log routes need an API key" 0 "HTTP 401" call GET /v1/log ""
expect "POST /v1/log is 405" 0 "HTTP 405" call POST /v1/log "$ADMIN"

# ---- tlog-tiles: 258 entries make a full level-0 tile, a partial one and a level-1 tile ----
curl -sS -o /dev/null -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
    --data-binary @"$D/p.bin" "$API_URL/v1/sign?keyId=$KEY&n=[1-255]"
tile() { curl -sS -H "Authorization: Bearer $ADMIN" -o "$D/$2" -w '%{http_code}' "$API_URL/v1/log/tile/$1"; }
expect "the log has 258 entries" 0 '"size":258' call GET /v1/log "$ADMIN"
expect "tile/entries/000 (full): 256 entries" 0 "200" tile entries/000 b0
expect "tile/entries/001.p/2: the last two" 0 "200" tile entries/001.p/2 b1
expect "tile/0/000 (full): 256 leaf hashes" 0 "200" tile 0/000 t0
expect "tile/0/001.p/2" 0 "200" tile 0/001.p/2 t1
expect "tile/1/000.p/1: the hash of the first 256 leaves" 0 "200" tile 1/000.p/1 t10
expect "tile 0/000 is the leaf hashes of entry bundle 000" 0 "" \
    sh -c "'$TOOL' hashes '$D/t0' >'$D/h0' && '$TOOL' leaves '$D/b0' >'$D/l0' &&
           [ \$(wc -l <'$D/h0') = 256 ] && cmp '$D/h0' '$D/l0'"
expect "tile 0/001.p/2 is the leaf hashes of bundle 001.p/2" 0 "" \
    sh -c "'$TOOL' hashes '$D/t1' >'$D/h1' && '$TOOL' leaves '$D/b1' >'$D/l1' && cmp '$D/h1' '$D/l1'"
expect "tile 1/000.p/1 is the tree head of bundle 000's entries" 0 "" \
    sh -c "[ \"\$('$TOOL' hashes '$D/t10')\" = \"\$('$TOOL' root '$D/b0')\" ]"
expect "entry 0 of the bundle is the DESIGN entry of the first sign result" 0 "signature $SID" \
    "$TOOL" entry "$D/b0" 0
"$TOOL" entry "$D/b0" 0 >"$D/entry0"
CREATED1=$(jfield createdAt <"$D/e1.json")
expect "...every line of it" 0 "" sh -c "
    head -n1 '$D/entry0' | grep -qx 'postq-log-entry/v1' &&
    grep -qE '^key $EKEY 1 mldsa65\+ed25519 [0-9a-f]{64}\$' '$D/entry0' &&
    grep -qE '^attestation mock [^ ]+ [0-9]+ [0-9a-f]{64}\$' '$D/entry0' &&
    grep -qx 'verdict pass -' '$D/entry0' &&
    grep -qx 'created $CREATED1' '$D/entry0' && [ \$(wc -l <'$D/entry0') = 8 ]"
expect "a software key's entry has no attestation" 0 "attestation none" "$TOOL" entry "$D/b0" 1
expect "a full tile is not served before it is complete (tile/0/001)" 0 "404" tile 0/001 x
expect "tile/entries/002 does not exist yet" 0 "404" tile entries/002 x
for bad in 0/0 0/000.p/256 0/000.p/0 0/000.p/007 0/x000 0/000/ 9/000 entries/ 0/x001/x000 0/abc \
    0/x018/x446/x744/x073/x709/x551/616 entries/x009/x223/x372/x036/x854/x775/808 \
    0/x018/x446/x744/x073/x709/x551/617.p/5; do
    expect "tile/$bad is not a tile path: 404" 0 "404" tile "$bad" x
done
expect "a tile of two-level index (tile/0/x001/002) parses (and is not there yet)" 0 "404" \
    tile 0/x001/002 x

# ---- postq log monitor ----
expect "monitor, first run: reads the whole log and checks it is the checkpoint's tree" 0 \
    "consistent: checkpoint of 258 entries" "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
expect "monitor again: nothing new" 0 "no new entries" \
    "$CLI" log monitor --log-key "$VK" --log-key "$D/cvk.txt" --state "$D/mon.json"
sign "$EKEY" "$D/e3.json"
sign "$KEY" "$D/s3.json"
expect "monitor --key: lists the new entries of that key only" 0 "$(jfield id <"$D/e3.json")" \
    sh -c "'$CLI' log monitor --log-key '$VK' --state '$D/mon.json' --key '$EKEY' | tee '$D/mon.out' &&
           ! grep -q '$(jfield id <"$D/s3.json")' '$D/mon.out'"
expect "monitor with another log's key: log_checkpoint_invalid, state kept" 1 \
    "rejected: log_checkpoint_invalid" "$CLI" log monitor --log-key "$OVK" --state "$D/mon.json"
cp "$D/mon.json" "$D/mon.keep"
expect "monitor without --state is usage" 2 "--state" "$CLI" log monitor --log-key "$VK"
printf '{"origin":"x"}' >"$D/bad-state.json"
expect "a damaged state file is usage (never overwritten)" 2 "not a state file" \
    "$CLI" log monitor --log-key "$VK" --state "$D/bad-state.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["edge"].append([1,2,s["rootB64"]]); json.dump(s,open(sys.argv[2],"w"))' \
    "$D/mon.json" "$D/extra-edge.json"
expect "a state whose edge has a node the tree's size does not have is damaged: usage" 2 \
    "not a state file" "$CLI" log monitor --log-key "$VK" --state "$D/extra-edge.json"
expect "the same --log-key twice is usage, before any request" 2 "the same key twice" \
    env POSTQ_API_URL=http://127.0.0.1:9 "$CLI" log monitor --log-key "$VK" --log-key "$VK" \
    --state "$D/mon.json"
for bad in 0 -1 +5 05 1048577 x ''; do
    expect "--max-entries '$bad' is usage" 2 "--max-entries" \
        "$CLI" log monitor --log-key "$VK" --state "$D/mon-x.json" --max-entries "$bad"
done
expect "--state - is usage (the state is read and replaced)" 2 "needs a file" \
    "$CLI" log monitor --log-key "$VK" --state -
expect "a run while another holds FILE.lock: exit 2, the state untouched" 2 "in use by another" \
    flock "$D/mon.json.lock" "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
expect "...and the state file is unchanged" 0 "" cmp "$D/mon.json" "$D/mon.keep"
# --max-entries: a long log over several runs, each ending at a checkpoint signed for it.
expect "--max-entries 100, first run: entries 0 to 99, the rest left for later runs" 0 \
    "read up to 100 (--max-entries 100): 160 more entries; run again" \
    sh -c "'$CLI' log monitor --log-key '$VK' --state '$D/mon-chunk.json' --max-entries 100 | tee '$D/chunk1.out'"
expect "...its state holds the checkpoint of 100 entries" 0 '"size": 100,' cat "$D/mon-chunk.json"
expect "--max-entries 100, second run: entries 100 to 199" 0 \
    "read up to 200 (--max-entries 100): 60 more entries" \
    sh -c "'$CLI' log monitor --log-key '$VK' --state '$D/mon-chunk.json' --max-entries 100 | tee '$D/chunk2.out' &&
           grep -q '100 new entries (100 to 199)' '$D/chunk2.out'"
expect "--max-entries 100, --json: the third run reads 200 to 259 and nothing remains" 0 \
    '"remaining": 0,' sh -c "'$CLI' log monitor --log-key '$VK' --state '$D/mon-chunk.json' --max-entries 100 --json | tee '$D/chunk3.json'"
grep -oE '^[0-9]+  sig_' "$D/chunk1.out" "$D/chunk2.out" | grep -oE '[0-9]+  ' >"$D/chunk.idx"
grep -oE '"logIndex": [0-9]+' "$D/chunk3.json" | grep -oE '[0-9]+' >>"$D/chunk.idx"
expect "the three runs listed every entry once, 0 to 259 in order" 0 "" \
    bash -c "seq 0 259 | cmp - <(tr -d ' ' <'$D/chunk.idx')"
expect "...and end where a single run ends" 0 "no new entries (260" \
    "$CLI" log monitor --log-key "$VK" --state "$D/mon-chunk.json"
# Older checkpoints asked for at once, each of another size none has signed yet: each caller
# gets its own (the sizes take turns; one used to replace another and leave it a 404).
curl -sS -Z --parallel-max 8 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ADMIN" \
    "$API_URL/v1/log/proof?from=1&to=[110-149]" >"$D/parallel.codes" 2>&1
expect "40 proofs to 40 unsigned older sizes, 8 at a time: 40 answers 200" 0 "40 200" \
    sh -c "sort '$D/parallel.codes' | uniq -c | sed 's/^ *//'"
# An empty log (the other organisation's): nothing signed names it, so no state is written.
expect "monitor of an empty log: says so, writes no state" 0 "empty" \
    sh -c "POSTQ_API_KEY='$GLOBEX' '$CLI' log monitor --log-key '$VK' --state '$D/mon-empty.json' &&
           ! [ -e '$D/mon-empty.json' ]"
expect "...and --json says so too" 0 '"size": 0,' \
    env POSTQ_API_KEY="$GLOBEX" "$CLI" log monitor --log-key "$VK" --state "$D/mon-empty.json" --json

# Across a restart of postq-api (and a snapshot of its database for the rollback and the forks).
kill -TERM "$API_PID1"
wait "$API_PID1" 2>/dev/null
cp "$D/api.db" "$D/snap.db"
[ -e "$D/api.db-wal" ] && cp "$D/api.db-wal" "$D/snap.db-wal"
api_start api enc || exit 1
API_PID1=$API_PID
export POSTQ_API_URL=$API_URL
sign "$EKEY" "$D/e4.json"
expect "monitor follows the log across a restart of postq-api" 0 "1 new entry" \
    "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
cp "$D/mon.json" "$D/mon.261"

# A rollback: postq-api on the older copy of its database.
API_DB=sqlite:$D/snap.db api_start old enc || exit 1
OLD_PID=$API_PID
expect "a log that went back (rollback): log_inconsistent, exit 1" 1 "rejected: log_inconsistent" \
    env POSTQ_API_URL="$API_URL" "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
expect "...and the state file is unchanged" 0 "" cmp "$D/mon.json" "$D/mon.261"
# A fork at one size: the old copy gets one other entry, so both logs have 261 entries.
API_URL=$(sed -n 's/^postq-api listening on //p' "$D/old.out")
printf 'another artifact\n' >"$D/q.bin"
curl -sS -o /dev/null -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
    --data-binary @"$D/q.bin" "$API_URL/v1/sign?keyId=$EKEY"
expect "the copy signed its own 261st entry" 0 '"size":261' call GET /v1/log "$ADMIN"
expect "two checkpoints of 261 entries with different roots: log_inconsistent (forked)" 1 \
    "the log forked" env POSTQ_API_URL="$API_URL" "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
# A fork that grows: the copy's checkpoint of 262 does not extend the 261 the state holds.
curl -sS -o /dev/null -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
    --data-binary @"$D/q.bin" "$API_URL/v1/sign?keyId=$EKEY"
expect "a larger checkpoint that does not extend the last one seen: log_inconsistent" 1 \
    "does not extend" env POSTQ_API_URL="$API_URL" "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
expect "a fresh monitor of the copy alone finds it consistent (a fork shows against what was seen)" 0 "consistent" \
    env POSTQ_API_URL="$API_URL" "$CLI" log monitor --log-key "$VK" --state "$D/mon-fork.json"
enclave_stop "$OLD_PID"
API_URL=$POSTQ_API_URL
expect "the real log still extends the state" 0 "no new entries" \
    "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"

# ---- postq-api killed with SIGKILL in the middle of batches ----
# load NAME: sign until $D/stop exists, each answer "<status> <sig id>", each 200 body kept.
load() {
    local name=$1 i=0 out code id
    while [ ! -e "$D/stop" ]; do
        i=$((i + 1))
        out=$(curl -sS --max-time 20 -X POST -H "Authorization: Bearer $ADMIN" "${OCTET[@]}" \
            --data-binary @"$D/p.bin" -w '\n%{http_code}' "$API_URL/v1/sign?keyId=$KEY" 2>/dev/null)
        code=${out##*$'\n'}
        id=$(echo "$out" | jfield id)
        echo "$code $id" >>"$D/load.$name"
        [ "$code" = 200 ] && echo "${out%$'\n'*}" >"$D/acked.$name.$i.json"
    done
}
LOADS=()
for n in 1 2 3 4; do
    load "$n" &
    LOADS+=($!)
done
# Kill once a few dozen signs went through (at most 15 s), so that batches are in flight.
for _ in $(seq 1 150); do
    [ "$(cat "$D"/load.* 2>/dev/null | wc -l)" -ge 40 ] && break
    sleep 0.1
done
kill -KILL "$API_PID1"
wait "$API_PID1" 2>/dev/null
touch "$D/stop"
wait "${LOADS[@]}"
rm -f "$D/stop"
api_start api enc || exit 1
API_PID1=$API_PID
export POSTQ_API_URL=$API_URL
expect "signs were acknowledged before the kill" 0 "" sh -c "cat '$D'/load.* | grep -q '^200 sig_'"
# Leaves committed just before the kill may wait for a checkpoint: the first sign after the
# restart checkpoints the whole tree.
sign "$KEY" "$D/after-kill.json"
expect "the first sign after the restart is covered by a checkpoint" 0 '"transparency":{' cat "$D/after-kill.json"
expect "after the kill -9 the checkpoint extends the one seen before (checkpoints only grow)" 0 \
    "consistent" "$CLI" log monitor --log-key "$VK" --state "$D/mon.json"
expect "a fresh monitor: the tree is exactly the entries served (recomputed from all of them)" 0 \
    "consistent" sh -c "'$CLI' log monitor --log-key '$VK' --state '$D/mon-all.json' --json >'$D/all.json' &&
                        echo consistent"
grep -oE '"signature": "sig_[0-9A-Z]{26}"' "$D/all.json" | grep -oE 'sig_[0-9A-Z]{26}' | sort >"$D/logged"
"$CLI" signature list --all | grep -oE 'sig_[0-9A-Z]{26}' | sort >"$D/stored"
expect "the log's entries are exactly the stored signatures (a leaf never without its signature)" 0 \
    "" sh -c "[ -s '$D/stored' ] && cmp '$D/logged' '$D/stored' && [ \$(sort -u '$D/logged' | wc -l) = \$(wc -l <'$D/logged') ]"
cat "$D"/load.* | awk '$1 == 200 { print $2 }' | sort -u >"$D/acked"
expect "every acknowledged sign is in the log" 0 "" sh -c "[ -s '$D/acked' ] && [ -z \"\$(comm -23 '$D/acked' '$D/logged')\" ]"
acked_ok=0 acked_n=0
for f in "$D"/acked.*.json; do
    acked_n=$((acked_n + 1))
    "$CLI" verify --public-key "$D/skey.json" --sign-result "$f" --payload "$D/p.bin" --log-key "$VK" \
        >/dev/null 2>&1 && acked_ok=$((acked_ok + 1))
done
expect "every acknowledged sign result verifies with --log-key ($acked_ok of $acked_n)" 0 "" \
    test "$acked_ok" = "$acked_n" -a "$acked_n" -gt 0
cat "$D"/load.* | awk '{ n[$1]++ } END { for (c in n) printf "# kill -9: %d answers %s\n", n[c], c }'
# A database whose stored entry was altered (the tree's nodes kept): the entries served are not
# the signed tree, and the monitor lists none of them, the altered one included.
kill -TERM "$API_PID1"
wait "$API_PID1" 2>/dev/null
cp "$D/api.db" "$D/tamper.db"
[ -e "$D/api.db-wal" ] && cp "$D/api.db-wal" "$D/tamper.db-wal"
sqlite3 "$D/tamper.db" "UPDATE signatures SET log_entry = CAST(replace(CAST(log_entry AS TEXT), 'key key_', 'key key_EVIL') AS BLOB) WHERE log_index = 5"
expect "the copy's entry 5 was altered" 0 "1" \
    sqlite3 "$D/tamper.db" "SELECT count(*) FROM signatures WHERE log_index = 5 AND CAST(log_entry AS TEXT) LIKE '%key key_EVIL%'"
API_DB=sqlite:$D/tamper.db api_start tamper enc || exit 1
API_URL=$(sed -n 's/^postq-api listening on //p' "$D/tamper.out")
expect "a fresh monitor of the altered log: log_inconsistent, exit 1" 1 "rejected: log_inconsistent" \
    sh -c "POSTQ_API_URL='$API_URL' '$CLI' log monitor --log-key '$VK' --state '$D/mon-tamper.json' >'$D/tamper.stdout'"
expect "...nothing listed, the altered entry included, and no state written" 0 "" \
    sh -c "! grep -q 'EVIL' '$D/tamper.stdout' && ! grep -q '^[0-9]' '$D/tamper.stdout' && ! [ -e '$D/mon-tamper.json' ]"
enclave_stop "$API_PID"
t_done
