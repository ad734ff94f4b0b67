#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Enclaves of one deployment: `postq-enclave secret new FILE` (mode 0600, never over an existing
# file), two enclaves started with --secret on state directories of their own (the same root
# public key, one policy pins both; their own moduleIds and counters), a key made through
# enclave A signing through enclave B after A is gone (B unseals A's key), both results verified
# offline; an enclave without the secret cannot; damaged, world-readable or missing secrets and a
# state directory with keys of its own are refused with a clear message. Then the API nodes'
# shared key-encryption key: `postq-api kek new FILE` and `serve --kek FILE`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
S=$D/deploy.secret
JSON=(-H 'Content-Type: application/json')
OCTET=(-H 'Content-Type: application/octet-stream')

expect "secret new writes the file" 0 "deployment secret written to $S" "$ENCLAVE" secret new "$S"
expect "...mode 0600, 104 bytes" 0 "600 104" stat -c '%a %s' "$S"
cp "$S" "$D/secret.copy"
expect "secret new never replaces an existing secret (exit 2)" 2 "exists; a deployment secret is never replaced" \
    "$ENCLAVE" secret new "$S"
expect "...and the file is unchanged" 0 "" cmp "$S" "$D/secret.copy"
expect "secret new into a missing directory: a clear error" 3 "No such file or directory" \
    "$ENCLAVE" secret new "$D/nope/x.secret"
expect "secret without 'new FILE': usage (exit 2)" 2 "usage: postq-enclave secret new" "$ENCLAVE" secret

enclave_start encA -- --secret "$S" || exit 1
PA=$ENCLAVE_PID
enclave_start encB -- --secret "$S" || exit 1
PB=$ENCLAVE_PID
mA=$("$ENCLAVE" measure --state "$D/encA")
mB=$("$ENCLAVE" measure --state "$D/encB")
rootA=$(echo "$mA" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')
rootB=$(echo "$mB" | sed -n 's/.*"rootPublicKeyB64":"\([^"]*\)".*/\1/p')
modA=$(echo "$mA" | sed -n 's/.*"moduleId":"\([^"]*\)".*/\1/p')
modB=$(echo "$mB" | sed -n 's/.*"moduleId":"\([^"]*\)".*/\1/p')
expect "both enclaves have the secret's root public key" 0 "" test -n "$rootA" -a "$rootA" = "$rootB"
expect "...and moduleIds of their own" 0 "" test -n "$modA" -a "$modA" != "$modB"
expect "measure with the secret says the same" 0 "$rootA" "$ENCLAVE" measure --state "$D/encA" --secret "$S"

# An API on enclave A: a policy pinning the deployment's root, a key made in A, a sign.
api_start api encA || exit 1
ADMIN=$(api_org acme)
make_policy encA "$D/policy.json"
POL=$(call POST /v1/attestation-policies "$ADMIN" "${JSON[@]}" -d @"$D/policy.json" | jfield id)
KEY=$(call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
    -d "{\"name\":\"deploy\",\"pqProvider\":\"enclave-mock\",\"attestationPolicyId\":\"$POL\"}" | jfield id)
head -c 4000 /dev/urandom >"$D/payload.bin"
call POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" | sed '$d' >"$D/sigA.json"
expect "a sign through enclave A" 0 "\"verdict\":\"pass\"" cat "$D/sigA.json"
call GET "/v1/hybrid-keys/$KEY" "$ADMIN" | sed '$d' >"$D/key.json"
kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null
enclave_stop "$PA"

# The same database, now on enclave B: A's key signs there, under the same policy.
api_start api2 encB || exit 1
call POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" | sed '$d' >"$D/sigB.json"
expect "the key made in A signs through B (B unseals it)" 0 "\"verdict\":\"pass\"" cat "$D/sigB.json"
docmod() { sed -n 's/.*"docB64":"\([^"]*\)".*/\1/p' "$1" | base64 -d | cut -d. -f2 | tr '_-' '/+' |
    { read -r p; while [ $((${#p} % 4)) -ne 0 ]; do p="$p="; done; echo "$p"; } | base64 -d |
    sed -n 's/.*"moduleId":"\([^"]*\)".*/\1/p'; }
expect "A's document names A's module, B's names B's" 0 "" \
    test "$(docmod "$D/sigA.json")" = "$modA" -a "$(docmod "$D/sigB.json")" = "$modB"
for w in A B; do
    expect "postq verify --policy of the sign result made through $w" 0 "verified:" \
        "$CLI" verify --public-key "$D/key.json" --sign-result "$D/sig$w.json" --payload "$D/payload.bin" \
        --policy "$D/policy.json"
done
kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null

# An enclave with keys of its own cannot unseal the deployment's key.
enclave_start encC || exit 1
api_start api3 encC || exit 1
expect "an enclave without the secret cannot sign with the deployment's key (sealed_key_invalid)" 0 "sealed_key_invalid" \
    call POST "/v1/sign?keyId=$KEY" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin"
kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null
enclave_stop "$ENCLAVE_PID"

# What is refused.
expect "a state directory with keys of its own is refused with --secret" 2 "has a root or sealing key of its own" \
    "$ENCLAVE" measure --state "$D/encC" --secret "$S"
cp "$S" "$D/damaged.secret"
printf '\001' | dd of="$D/damaged.secret" bs=1 seek=20 conv=notrunc 2>/dev/null
expect "a damaged secret is refused" 3 "damaged (its checksum does not match)" \
    "$ENCLAVE" measure --state "$D/encD" --secret "$D/damaged.secret"
cp "$S" "$D/open.secret"; chmod 0644 "$D/open.secret"
expect "a secret others can read is refused" 3 "must be a regular file of ours with mode 0600" \
    "$ENCLAVE" measure --state "$D/encE" --secret "$D/open.secret"
head -c 104 /dev/urandom >"$D/random.secret"; chmod 0600 "$D/random.secret"
expect "a file that is no secret is refused" 3 "not a PostQ deployment secret" \
    "$ENCLAVE" measure --state "$D/encF" --secret "$D/random.secret"
expect "a missing secret is refused" 3 "No such file or directory" \
    "$ENCLAVE" measure --state "$D/encG" --secret "$D/missing.secret"
expect "the enclave logs never hold the secret's bytes" 1 "" \
    grep -qF "$(od -An -tx1 -N8 -j8 "$S" | tr -d ' \n')" "$D/encA.log" "$D/encB.log"

# API nodes of one deployment share the key-encryption key of software keys: postq-api kek new.
K=$D/deploy.kek
expect "kek new writes the file" 0 "key-encryption key written to $K" "$API" kek new "$K"
expect "...mode 0600, 32 bytes" 0 "600 32" stat -c '%a %s' "$K"
expect "kek new never replaces an existing key (exit 2)" 2 "exists; a key-encryption key is never replaced" "$API" kek new "$K"
API_EXTRA="--kek $K" api_start node1 encB || exit 1
SOFT=$(call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" -d '{"name":"soft","pqProvider":"software"}' | jfield id)
expect "node 1 signs with a software key" 0 "HTTP 200" \
    call POST "/v1/sign?keyId=$SOFT" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin"
kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null
API_EXTRA="--kek $K" api_start node2 encB || exit 1
call POST "/v1/sign?keyId=$SOFT" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin" | sed '$d' >"$D/soft2.json"
expect "node 2, another state directory and the same --kek, signs with node 1's software key" 0 '"signatureB64"' cat "$D/soft2.json"
call GET "/v1/hybrid-keys/$SOFT" "$ADMIN" | sed '$d' >"$D/soft-key.json"
expect "...and the signature verifies" 0 "verified:" \
    "$CLI" verify --public-key "$D/soft-key.json" --sign-result "$D/soft2.json" --payload "$D/payload.bin"
kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null
api_start node3 encB || exit 1
expect "a node with a key-encryption key of its own cannot" 0 "the software key could not sign" \
    call POST "/v1/sign?keyId=$SOFT" "$ADMIN" "${OCTET[@]}" --data-binary @"$D/payload.bin"
kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null
expect "serve --kek with a missing file exits with the reason" 1 "no such file (postq-api kek new FILE makes one)" \
    "$API" serve --listen 127.0.0.1:0 --db "sqlite:$D/api.db" --enclave "unix:$D/encB.sock" --kek "$D/none.kek"
chmod 0644 "$K"
expect "serve --kek with a key others can read exits with the reason" 1 "mode 0600" \
    "$API" serve --listen 127.0.0.1:0 --db "sqlite:$D/api.db" --enclave "unix:$D/encB.sock" --kek "$K"
enclave_stop "$PB"
t_done
