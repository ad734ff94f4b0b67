#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq-enclave end to end: measure, the state directory, protocol round trips for every
# algorithm with documents verified (postq_attest_verify_ex and `postq attest verify`) under a
# policy built from `postq-enclave measure`, tampered sealed keys, hostile frames, a stalled
# client, 1,000 concurrent signs and 20 kill -9 / restart cycles without a repeated counter,
# every test fault mode, and a clean SIGTERM shutdown.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
D=$E2E_DIR
A=unix:$D/a.sock
ALG=mldsa65+ed25519
printf 'release artifact v1.2.3\n' >"$D/payload.bin"

# ---- measure and the state directory ----
expect "measure creates the state and prints the four fields" 0 '"vendor":"mock"' \
    "$ENCLAVE" measure --state "$D/a"
m1=$("$ENCLAVE" measure --state "$D/a")
m2=$("$ENCLAVE" measure --state "$D/a")
want_hash=$(sha256sum "$ENCLAVE" | cut -d' ' -f1)
expect "measure is stable per state dir; imageHash is SHA-256 of the executable" 0 "" \
    sh -c "[ '$m1' = '$m2' ] && echo '$m1' | grep -q '\"imageHash\":\"$want_hash\"' && echo '$m1' | grep -q '\"moduleId\":\"mock-'"
expect "another state dir is another module and root" 0 "" \
    sh -c "m=\$('$ENCLAVE' measure --state '$D/other') && [ \"\$m\" != '$m1' ]"
expect "state dir 0700, files 0600" 0 "" \
    sh -c "[ \$(stat -c %a '$D/a') = 700 ] && [ \$(stat -c %a '$D/a/root.key') = 600 ] && [ \$(stat -c %a '$D/a/seal.key') = 600 ] && [ \$(stat -c %a '$D/a/module-id') = 600 ]"
make_policy a "$D/policy.json"

enclave_start a || exit 1
PID=$ENCLAVE_PID
expect "socket file is 0600" 0 "" sh -c "[ \$(stat -c %a '$D/a.sock') = 600 ]"
expect "second daemon on the same state dir is refused" 2 "in use" \
    "$ENCLAVE" --state "$D/a" --listen "unix:$D/a2.sock"
expect "info round trip" 0 "vendor mock" "$CLIENT" info "$A"
expect "measure while the daemon runs: same identity" 0 "" \
    sh -c "[ \"\$('$ENCLAVE' measure --state '$D/a')\" = '$m1' ]"

# ---- keygen + sign for every algorithm, documents verified ----
for alg in mldsa44+ed25519 mldsa65+ed25519 mldsa87+ed448; do
    mkdir -p "$D/k-$alg"
    expect "keygen $alg" 0 "ok public key" "$CLIENT" keygen "$A" "$alg" "key_$alg" "$D/k-$alg"
    expect "sign $alg: documents verify (payload, signature, key, nonce, counter)" 0 \
        "verified 3 documents" \
        "$CLIENT" sign "$A" "$alg" "key_$alg" "$D/k-$alg" "$D/payload.bin" "$D/policy.json" 3
done
K=$D/k-$ALG
expect "postq attest verify --doc accepts the enclave's document" 0 "verified:" \
    "$B/bin/postq" attest verify --policy "$D/policy.json" --doc "$K/doc.b64"
head -c 1048576 /dev/urandom >"$D/big.bin"
expect "sign a 1 MiB payload" 0 "verified 1 documents" \
    "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/big.bin" "$D/policy.json" 1
head -c 67108864 /dev/zero >"$D/cap.bin"
expect "sign a 64 MiB payload (the cap)" 0 "verified 1 documents" \
    "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/cap.bin" "$D/policy.json" 1
rm -f "$D/cap.bin"
: >"$D/empty.bin"
expect "sign an empty payload" 0 "verified 1 documents" \
    "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/empty.bin" "$D/policy.json" 1

# ---- sealed keys bound to keyId, algorithm and this enclave ----
cp "$K/sealed.bin" "$D/tampered.bin"
# Flip bits of byte 20 (writing a fixed value left the blob unchanged once in 256 runs).
b=$(od -An -tu1 -j20 -N1 "$D/tampered.bin" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 0x55)))" | dd of="$D/tampered.bin" bs=1 seek=20 conv=notrunc 2>/dev/null
cmp -s "$K/sealed.bin" "$D/tampered.bin" && { echo "the tampered copy is unchanged"; exit 1; }
expect "tampered sealed key refused" 0 "status sealed_key_invalid" \
    "$CLIENT" sign-sealed "$A" "$ALG" "key_$ALG" "$D/tampered.bin"
expect "sealed key under another keyId refused" 0 "status sealed_key_invalid" \
    "$CLIENT" sign-sealed "$A" "$ALG" "key_other" "$K/sealed.bin"
expect "sealed key under another algorithm refused" 0 "status sealed_key_invalid" \
    "$CLIENT" sign-sealed "$A" mldsa44+ed25519 "key_$ALG" "$K/sealed.bin"
head -c 50 "$K/sealed.bin" >"$D/short.bin"
expect "truncated sealed key refused" 0 "status sealed_key_invalid" \
    "$CLIENT" sign-sealed "$A" "$ALG" "key_$ALG" "$D/short.bin"
expect "unknown algorithm refused" 0 "status unsupported_alg" \
    "$CLIENT" sign-sealed "$A" rsa2048 "key_$ALG" "$K/sealed.bin"
mkdir -p "$D/o"
"$CLIENT" keygen "unix:$D/a.sock" "$ALG" key_x "$D/o" >/dev/null
enclave_start other || exit 1
OPID=$ENCLAVE_PID
expect "sealed key of another enclave refused" 0 "status sealed_key_invalid" \
    "$CLIENT" sign-sealed "unix:$D/other.sock" "$ALG" key_x "$D/o/sealed.bin"
enclave_stop "$OPID"

# ---- hostile frames: an error reply, the daemon lives on ----
expect "length over the cap: too_large" 0 "status too_large" "$CLIENT" raw "$A" ffffffff
expect "length below a header: malformed" 0 "status malformed" "$CLIENT" raw "$A" 00000002aabb
expect "unknown op" 0 "status unknown_op" "$CLIENT" raw "$A" 0000000401090000
expect "unknown version" 0 "status version" "$CLIENT" raw "$A" 0000000402010000
expect "sign with truncated fields" 0 "status malformed" "$CLIENT" raw "$A" 0000000a0103000000000005616263
expect "keygen with an empty keyId" 0 "status bad_length" \
    "$CLIENT" raw "$A" 000000100102000000000004616263640000000000
expect "keygen with an unknown algorithm" 0 "status unsupported_alg" \
    "$CLIENT" raw "$A" 0000001301020000000000036162630000000461626364
expect "a frame in two pieces is one frame" 0 "status ok" "$CLIENT" raw "$A" 000000 0401010000
expect "a peer that hangs up mid-frame" 0 "" "$CLIENT" stall "$A" 10
# keygen mldsa87+ed448 "k": the worker's reply meets a closed socket, so the worker marks the
# connection dead while the dispatcher runs on (under ThreadSanitizer: no race on it).
KEYGEN87=0000001a010200000000000d6d6c64736138372b6564343438000000016b
for _ in 1 2 3 4 5; do
    expect "a peer that hangs up before its reply" 0 "" "$CLIENT" hangup "$A" "$KEYGEN87"
done
expect "the daemon survived all of it" 0 "vendor mock" "$CLIENT" info "$A"

# ---- 1,000 concurrent signs: no counter repeats ----
for i in 1 2 3 4; do
    "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/payload.bin" "$D/policy.json" 250 \
        >"$D/conc.$i" 2>&1 &
done
wait_ok=0
for j in $(jobs -p); do
    [ "$j" = "$PID" ] && continue
    wait "$j" || wait_ok=1
done
cat "$D"/conc.* | grep '^counter ' | awk '{print $2}' >"$D/conc.counters"
expect "4 clients x 250 signs all verified" 0 "" \
    sh -c "[ $wait_ok -eq 0 ] && [ \$(grep -c 'verified 250 documents' $D/conc.1 $D/conc.2 $D/conc.3 $D/conc.4 | grep -c ':1') -eq 4 ]"
expect "1,000 counters, none repeated" 0 "" \
    sh -c "[ \$(wc -l <'$D/conc.counters') -eq 1000 ] && [ -z \"\$(sort -n '$D/conc.counters' | uniq -d)\" ]"

# ---- a stalled client does not hold up the others ----
"$CLIENT" stall "$A" 4000 &
STALL=$!
sleep 0.2
expect "a sign completes while another client stalls" 0 "verified 1 documents" \
    timeout 3 "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/payload.bin" "$D/policy.json" 1
kill "$STALL" 2>/dev/null
wait "$STALL" 2>/dev/null

# ---- SIGTERM: clean shutdown, socket removed ----
kill -TERM "$PID"
wait "$PID"
rc=$?
expect "SIGTERM: exit 0, socket file removed, no sanitizer report" 0 "" \
    sh -c "[ $rc -eq 0 ] && [ ! -e '$D/a.sock' ] && grep -q stopped '$D/a.log' && ! grep -q Sanitizer '$D/a.log'"

# ---- stalled senders hold no worker, and are dropped after the I/O deadline ----
enclave_start a -- --io-timeout-ms 1500 --workers 1 || exit 1
PID=$ENCLAVE_PID
STALLS=()
for i in 1 2 3; do
    "$CLIENT" stall "$A" 3000 &
    STALLS+=($!)
done
sleep 0.1
expect "one worker, three stalled senders: a sign is served at once" 0 "verified 1 documents" \
    timeout 2 "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/payload.bin" "$D/policy.json" 1
expect "a frame left incomplete is dropped after the 1500 ms deadline" 0 "closed" \
    timeout 3 "$CLIENT" raw "$A" 00000010010200
kill "${STALLS[@]}" 2>/dev/null
wait "${STALLS[@]}" 2>/dev/null
enclave_stop "$PID"

# ---- kill -9 while signing, 20 times: counters strictly increase across restarts ----
# A counter step of 3 puts a durable reservation between every few signs, so the kills land
# in the middle of reservations too.
: >"$D/kill.counters"
for cycle in $(seq 1 20); do
    enclave_start a -- --counter-step 3 || exit 1
    PID=$ENCLAVE_PID
    "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/payload.bin" - 100000 >"$D/kill.out" 2>&1 &
    CL=$!
    sleep "0.$((RANDOM % 3 + 1))"
    kill -KILL "$PID"
    wait "$PID" 2>/dev/null
    wait "$CL" 2>/dev/null
    grep '^counter ' "$D/kill.out" | awk '{print $2}' >>"$D/kill.counters"
done
echo "# enclave e2e: $(wc -l <"$D/kill.counters") signs over 20 kill -9 cycles, last counter $(tail -n 1 "$D/kill.counters")"
expect "20 kill -9 cycles: every counter above all earlier ones" 0 "" \
    sh -c "[ \$(wc -l <'$D/kill.counters') -ge 20 ] && sort -n -c -u '$D/kill.counters' && [ -z \"\$(cat '$D/kill.counters' '$D/conc.counters' | sort -n | uniq -d)\" ]"

# ---- test fault modes: each gives the document the API must reject ----
expect "fault mode refused without the allow variable" 2 "refused" \
    env POSTQ_ENCLAVE_TEST_FAULT=nonce "$ENCLAVE" --state "$D/a" --listen "unix:$D/f.sock"
expect "unknown fault mode refused" 2 "unknown" \
    env POSTQ_ENCLAVE_TEST_FAULT=bogus POSTQ_ENCLAVE_ALLOW_TEST_FAULTS=1 "$ENCLAVE" --state "$D/a" \
    --listen "unix:$D/f.sock"
for pair in image-hash:image_not_allowed sig-sha256:sig_hash_mismatch \
    payload-sha256:payload_hash_mismatch nonce:nonce_mismatch stale-clock:doc_stale \
    future-clock:doc_from_future reused-counter:counter_reused other-root:doc_signature_invalid; do
    mode=${pair%%:*}
    reason=${pair#*:}
    enclave_start a POSTQ_ENCLAVE_TEST_FAULT="$mode" POSTQ_ENCLAVE_ALLOW_TEST_FAULTS=1 || exit 1
    PID=$ENCLAVE_PID
    expect "fault $mode: rejected with $reason" 1 "rejected: $reason:" \
        "$CLIENT" sign "$A" "$ALG" "key_$ALG" "$K" "$D/payload.bin" "$D/policy.json" 2
    expect "fault $mode: a loud warning in the log" 0 "TEST FAULT MODE '$mode' IS ON" \
        cat "$D/a.log"
    enclave_stop "$PID"
    : >"$D/a.log"
done
t_done
