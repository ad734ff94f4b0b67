#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq verify / postq attest verify against real fixtures (tests/tools/mkfixture: genuinely
# signed documents and composite signatures), one broken piece at a time: every exit code of
# docs/cli.md and the reason codes of docs/verification.md that offline verification can give.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sh-test.sh"
B=${POSTQ_BUILD:-build}
POSTQ=$B/bin/postq
MK=$B/tests/tools/mkfixture
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

T0=1764000000 # the fixtures' document timestamp, 2025-11-24T16:00:00Z
AT="--at $((T0 + 60))"
fx() { mkdir -p "$W/$1" && "$MK" "$W/$1" "${@:2}" || { echo "mkfixture $1 failed"; exit 1; }; }
fx ok
fx other
fx k44 --alg mldsa44+ed25519
fx k87 --alg mldsa87+ed448
fx badroot --policy-root-tag 2
fx badimage --policy-image-tag 2
fx nitro --policy-vendor aws-nitro-enclave
# a valid aws-nitro-enclave policy (tests/cli/40-vendors.sh verifies real Nitro documents)
cat > $W/nitro/policy.json <<EOF
{"vendor":"aws-nitro-enclave","matchRules":{"pcrs":{"0":["$(printf '%096d' 0)"]},
 "rootCertSha256":"641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"}}
EOF
fx noage --max-age 0
fx noatt --no-attestation 1
O=$W/ok

# ---- passes ----
expect "attest verify: sign result + payload" 0 "verified:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $O/sig.json --payload $O/payload.bin $AT
expect "attest verify: --doc raw JWS" 0 "verified:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws $AT
expect "attest verify: --doc base64" 0 "verified:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.b64 --at 2025-11-24T16:01:00Z
expect "attest verify: with --public-key checks the signature too" 0 \
    "composite signature valid under the public key: ok" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $O/sig.json --payload $O/payload.bin \
    --public-key $O/key.pub $AT
expect "verify: PEM key, no policy" 0 "no --policy" \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload $O/payload.bin
expect "verify: key JSON from the API" 0 "verified:" \
    $POSTQ verify --public-key $O/key.json --sign-result $O/sig.json --payload $O/payload.bin
expect "verify: with --policy" 0 "attested enclave" \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload $O/payload.bin \
    --policy $O/policy.json $AT
expect "verify: mldsa44+ed25519" 0 "verified:" \
    $POSTQ verify --public-key $W/k44/key.pub --sign-result $W/k44/sig.json --payload $W/k44/payload.bin \
    --policy $W/k44/policy.json $AT
expect "verify: mldsa87+ed448" 0 "verified:" \
    $POSTQ verify --public-key $W/k87/key.pub --sign-result $W/k87/sig.json --payload $W/k87/payload.bin \
    --policy $W/k87/policy.json $AT
expect "verify: payload from standard input" 0 "verified:" \
    sh -c "$POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload - < $O/payload.bin"
expect "attest verify: no maxDocAgeSeconds, a year later" 0 "verified:" \
    $POSTQ attest verify --policy $W/noage/policy.json --doc $W/noage/doc.jws --at $((T0 + 31536000))
expect "--json pass report lists every check" 0 '"check": "signature_invalid"' \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload $O/payload.bin \
    --policy $O/policy.json $AT --json

# ---- time: maxDocAgeSeconds 300, 60 s of allowed clock skew (boundaries included) ----
expect "doc_stale: 301 s old" 1 "rejected: doc_stale:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at $((T0 + 301))
expect "doc_stale boundary: 300 s old passes" 0 "verified:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at $((T0 + 300))
expect "doc_from_future: 61 s ahead" 1 "rejected: doc_from_future:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at $((T0 - 61))
expect "doc_from_future boundary: 60 s ahead passes" 0 "verified:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at $((T0 - 60))
expect "--at RFC 3339 with an offset" 1 "rejected: doc_stale:" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at 2025-11-24T18:00:00+01:00

# ---- a sign result is judged at its createdAt, so it verifies the same way later ----
expect "sign result: no --at, a year after signing, max age 300 s: still verified" 0 \
    "checked at 2025-11-24T16:00:00Z (the sign result's createdAt)" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $O/sig.json --payload $O/payload.bin
expect "verify --policy: no --at, judged at createdAt" 0 "attested enclave" \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload $O/payload.bin \
    --policy $O/policy.json
expect "sign result: --at still overrides createdAt" 1 "rejected: doc_stale:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $O/sig.json --payload $O/payload.bin \
    --at $((T0 + 301))
edit() { sed "$1" $O/sig.json > "$W/$2.json"; }
edit 's/"createdAt": "2025-11-24T16:00:00Z"/"createdAt": "2025-11-24T16:04:00Z"/' created4m
expect "createdAt 4 min after the document: stale under max age 300 s? no, 240 s" 0 "verified:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/created4m.json --payload $O/payload.bin
edit 's/"createdAt": "2025-11-24T16:00:00Z"/"createdAt": "2025-11-24T16:06:00Z"/' created6m
expect "createdAt 6 min after the document: doc_stale" 1 "rejected: doc_stale:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/created6m.json --payload $O/payload.bin
edit 's/"createdAt": "2025-11-24T16:00:00Z"/"createdAt": "2025-11-24T15:58:59Z"/' created61s
expect "document timestamp 61 s after createdAt: doc_from_future" 1 "rejected: doc_from_future:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/created61s.json --payload $O/payload.bin
sed 's/"createdAt": "2025-11-24T16:00:00Z"/"createdAt": "2999-01-01T00:00:00Z"/' \
    $W/noage/sig.json > $W/future.json
expect "createdAt later than the real clock: doc_from_future" 1 \
    "rejected: doc_from_future: sign result createdAt 2999-01-01T00:00:00Z" \
    $POSTQ attest verify --policy $W/noage/policy.json --sign-result $W/future.json \
    --payload $W/noage/payload.bin
expect "createdAt later than the real clock, even with --at then" 1 "rejected: doc_from_future:" \
    $POSTQ attest verify --policy $W/noage/policy.json --sign-result $W/future.json \
    --payload $W/noage/payload.bin --at 2999-01-01T00:00:00Z
fx y3000 --timestamp 32503680000000 --max-age 0
expect "document and createdAt in the year 3000: doc_from_future against the clock" 1 \
    "after the clock's time" \
    $POSTQ attest verify --policy $W/y3000/policy.json --sign-result $W/y3000/sig.json \
    --payload $W/y3000/payload.bin
expect "bare document of the year 3000 with --at then: doc_from_future against the clock" 1 \
    "after the clock's time" \
    $POSTQ attest verify --policy $W/y3000/policy.json --doc $W/y3000/doc.jws \
    --at 3000-01-01T00:00:00Z
edit 's/"createdAt": "2025-11-24T16:00:00Z"/"createdAt": "yesterday"/' badcreated
expect "createdAt not RFC 3339: usage" 2 "createdAt" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/badcreated.json --payload $O/payload.bin
grep -v '"createdAt"' $O/sig.json > $W/nocreated.json
expect "no createdAt: judged now, so stale under max age 300 s" 1 "rejected: doc_stale:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/nocreated.json --payload $O/payload.bin

# ---- result_mismatch: the sign result's fields must be the document's ----
edit 's/"keyId": "key_test"/"keyId": "key_other"/' rm_key
expect "result_mismatch: keyId edited" 1 "rejected: result_mismatch: keyId \"key_other\"" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/rm_key.json --payload $O/payload.bin
expect "result_mismatch: keyId edited (postq verify --policy)" 1 "rejected: result_mismatch:" \
    $POSTQ verify --public-key $O/key.pub --sign-result $W/rm_key.json --payload $O/payload.bin \
    --policy $O/policy.json
edit 's/"imageHash": "009b/"imageHash": "109b/' rm_image
expect "result_mismatch: attestation.imageHash edited" 1 "rejected: result_mismatch: attestation.imageHash" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/rm_image.json --payload $O/payload.bin
edit 's/"counter": 42/"counter": 43/' rm_counter
expect "result_mismatch: attestation.counter edited" 1 "rejected: result_mismatch: attestation.counter 43" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/rm_counter.json --payload $O/payload.bin
edit 's/"payloadSha256": "d847/"payloadSha256": "e847/' rm_payload
expect "result_mismatch: payloadSha256 edited" 1 "rejected: result_mismatch: payloadSha256" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/rm_payload.json --payload $O/payload.bin
edit 's/"algorithm": "mldsa65+ed25519"/"algorithm": "mldsa44+ed25519"/' rm_alg
expect "algorithm edited: the signature no longer fits, never verified" 2 "signatureB64" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/rm_alg.json --payload $O/payload.bin
expect "without --policy an edited keyId is not bound (no document read)" 0 "no --policy" \
    $POSTQ verify --public-key $O/key.pub --sign-result $W/rm_key.json --payload $O/payload.bin

# ---- one wording per failure: "postq: <what>: <file>: <problem>", no doubled prefix ----
printf '{bad' >$W/bad.json
expect "a sign result that is not JSON" 2 "postq: sign result: $W/bad.json: invalid JSON" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/bad.json --payload $O/payload.bin
expect "...said once" 0 "" sh -c "! $POSTQ attest verify --policy $O/policy.json \
    --sign-result $W/bad.json --payload $O/payload.bin 2>&1 | grep -q 'sign result: sign result'"
expect "a policy that is not JSON" 2 "postq: policy: $W/bad.json: invalid JSON" \
    $POSTQ attest verify --policy $W/bad.json --sign-result $O/sig.json --payload $O/payload.bin
expect "...said once (bare --doc too)" 0 "" sh -c "! $POSTQ attest verify --policy $W/bad.json \
    --doc $O/doc.jws 2>&1 | grep -q 'policy: policy'"
expect "a missing file reads the same way" 2 "postq: sign result: $W/none.json: No such file" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/none.json --payload $O/payload.bin

# ---- did you mean ----
expect "postq verfy: did you mean verify" 2 'did you mean "postq verify"?' $POSTQ verfy
expect "postq attest verif: did you mean" 2 'did you mean "postq attest verify"?' $POSTQ attest verif
expect "postq policy lst: did you mean" 2 'did you mean "postq policy list"?' $POSTQ policy lst
expect "postq signature: the subcommands" 2 "give a subcommand: list, get" $POSTQ signature
expect "postq zzzz: no guess, the usage" 2 "usage: postq <command>" $POSTQ zzzz

# ---- rejections ----
cp $O/payload.bin $W/tampered.bin && printf x >> $W/tampered.bin
expect "payload_hash_mismatch (attest verify)" 1 "rejected: payload_hash_mismatch:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $O/sig.json --payload $W/tampered.bin $AT
expect "payload_hash_mismatch (verify)" 1 "rejected: payload_hash_mismatch:" \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload $W/tampered.bin
expect "doc_signature_invalid: doc signed by another root" 1 "rejected: doc_signature_invalid:" \
    $POSTQ attest verify --policy $W/badroot/policy.json --doc $W/badroot/doc.jws $AT
expect "image_not_allowed" 1 "rejected: image_not_allowed:" \
    $POSTQ attest verify --policy $W/badimage/policy.json --sign-result $W/badimage/sig.json \
    --payload $W/badimage/payload.bin $AT
expect "vendor_mismatch: policy for another vendor" 1 "rejected: vendor_mismatch:" \
    $POSTQ attest verify --policy $W/nitro/policy.json --sign-result $W/nitro/sig.json \
    --payload $W/nitro/payload.bin $AT
expect "vendor_mismatch: a bare mock doc under an aws-nitro-enclave policy" 1 \
    "rejected: vendor_mismatch:" \
    $POSTQ attest verify --policy $W/nitro/policy.json --doc $W/nitro/doc.jws $AT
expect "doc_malformed: a sign result without attestation" 1 "rejected: doc_malformed:" \
    $POSTQ attest verify --policy $W/noatt/policy.json --sign-result $W/noatt/sig.json \
    --payload $W/noatt/payload.bin $AT
# The other fixture's signature in this sign result: same sizes, wrong bytes.
other_sig=$(grep '"signatureB64"' $W/other/sig.json)
sed "s|^.*\"signatureB64\".*\$|$other_sig|" $O/sig.json > $W/swapped.json
expect "sig_hash_mismatch: another signature in the sign result" 1 "rejected: sig_hash_mismatch:" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/swapped.json --payload $O/payload.bin $AT
expect "signature_invalid: another signature (verify)" 1 "rejected: signature_invalid:" \
    $POSTQ verify --public-key $O/key.pub --sign-result $W/swapped.json --payload $O/payload.bin
expect "signature_invalid: another key (verify)" 1 "rejected: signature_invalid:" \
    $POSTQ verify --public-key $W/other/key.pub --sign-result $O/sig.json --payload $O/payload.bin
expect "key_mismatch: another key under the policy" 1 "rejected: key_mismatch:" \
    $POSTQ verify --public-key $W/other/key.pub --sign-result $O/sig.json --payload $O/payload.bin \
    --policy $O/policy.json $AT
expect "key_mismatch: a key of another algorithm" 1 "rejected: key_mismatch:" \
    $POSTQ verify --public-key $W/k44/key.pub --sign-result $O/sig.json --payload $O/payload.bin
# One character of the JWS signature segment changed (not the last: it stays canonical).
sigpart=$(cut -d. -f3 < $O/doc.jws)
c=${sigpart:10:1}; [ "$c" = A ] && r=B || r=A
printf '%s.%s.%s' "$(cut -d. -f1 < $O/doc.jws)" "$(cut -d. -f2 < $O/doc.jws)" \
    "${sigpart:0:10}$r${sigpart:11}" > $W/flipped.jws
expect "doc_signature_invalid: a flipped signature byte" 1 "rejected: doc_signature_invalid:" \
    $POSTQ attest verify --policy $O/policy.json --doc $W/flipped.jws $AT
head -c 100 $O/doc.jws > $W/truncated.jws
expect "doc_malformed: a truncated document" 1 "rejected: doc_malformed:" \
    $POSTQ attest verify --policy $O/policy.json --doc $W/truncated.jws $AT
expect "--json fail report" 1 '"verdict": "fail"' \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at $((T0 + 999)) --json

# ---- usage and unreadable input: exit 2 ----
expect "no arguments" 2 "usage:" $POSTQ
expect "unknown command" 2 "unknown command" $POSTQ frobnicate
expect "verify --help" 0 "usage: postq verify" $POSTQ verify --help
expect "attest verify --help" 0 "usage: postq attest verify" $POSTQ attest verify --help
expect "verify: missing --payload" 2 "required" \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json
expect "attest verify: --doc with --sign-result" 2 "either" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --sign-result $O/sig.json
expect "unknown option" 2 "unknown argument" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --frob
expect "option without its value" 2 "needs a value" $POSTQ attest verify --policy
expect "missing payload file" 2 "No such file" \
    $POSTQ verify --public-key $O/key.pub --sign-result $O/sig.json --payload $W/nope
echo '{"vendor":"mock","matchRules":{"allowedImageHashes":[]}}' > $W/emptylist.json
expect "policy with an empty allow-list" 2 "allowedImageHashes" \
    $POSTQ attest verify --policy $W/emptylist.json --doc $O/doc.jws $AT
echo '{"vendor":"mock",' > $W/broken.json
expect "policy that is not JSON" 2 "policy" \
    $POSTQ attest verify --policy $W/broken.json --doc $O/doc.jws $AT
expect "sign result that is not JSON" 2 "sign result" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/broken.json --payload $O/payload.bin $AT
sed 's/"keyId"/"keyId": "dup", "keyId"/' $O/sig.json > $W/dup.json
expect "sign result with a duplicate member" 2 "sign result" \
    $POSTQ attest verify --policy $O/policy.json --sign-result $W/dup.json --payload $O/payload.bin $AT
echo "not a key" > $W/garbage.pub
expect "public key that is neither PEM nor JSON" 2 "public key" \
    $POSTQ verify --public-key $W/garbage.pub --sign-result $O/sig.json --payload $O/payload.bin
expect "bad --at" 2 "--at" \
    $POSTQ attest verify --policy $O/policy.json --doc $O/doc.jws --at yesterday
expect "sign: an unreadable payload is exit 2 before any network call" 2 "payload: x" \
    env POSTQ_API_URL=http://127.0.0.1:1 $POSTQ sign --key k --payload x

# ---- a large payload is hashed as it streams ----
head -c $((48 * 1024 * 1024)) /dev/zero > $W/big.bin
fx big --payload $W/big.bin
expect "48 MiB payload" 0 "verified:" \
    $POSTQ verify --public-key $W/big/key.pub --sign-result $W/big/sig.json --payload $W/big.bin \
    --policy $W/big/policy.json $AT
t_done
