#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README's CI-gating recipe, as written: pin the policy and the public key once, sign in the
# "release job", and publish only when `postq attest verify … && postq verify …` both exit 0.
# A tampered artifact, a policy that does not allow the image and a release job whose API is
# down must each stop the pipeline before publish, with the exit code the README promises.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
mkdir -p "$D/ci" "$D/dist"
printf 'app v9\n' >"$D/dist/app.tar.gz"
cat >"$D/publish" <<SH
#!/bin/sh
echo published "\$1" >>"$D/published.log"
SH
chmod +x "$D/publish"

ADMIN=$(api_org acme)
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
api_start api enc || exit 1
export POSTQ_API_URL=$API_URL POSTQ_API_KEY=$ADMIN
"$CLI" enclave info --json | tr -d ' \n' >"$D/enc.json"
H=$(jfield imageHash <"$D/enc.json")
K=$(jfield rootPublicKeyB64 <"$D/enc.json")
POLICY_ID=$("$CLI" policy create --name release --vendor mock --image-hash "$H" --root-key "$K" \
    --max-age 300 --json | tr -d ' \n' | jfield id)
KEY_ID=$("$CLI" key create --name release --provider enclave-mock --policy "$POLICY_ID" --json |
    tr -d ' \n' | jfield id)

# once, by an admin: pin what the gate trusts
expect "pin the policy" 0 "" "$CLI" policy get "$POLICY_ID" -o "$D/ci/postq-policy.json"
expect "pin the public key" 0 "" "$CLI" key get "$KEY_ID" --public-key-out "$D/ci/release.pub"

gate() { # the publish job: no network
    env -u POSTQ_API_URL -u POSTQ_API_KEY sh -c '
        "$CLI" attest verify --policy "$D/ci/postq-policy.json" --sign-result "$D/dist/app.tar.gz.sig.json" \
            --payload "$D/dist/app.tar.gz" &&
        "$CLI" verify --public-key "$D/ci/release.pub" --sign-result "$D/dist/app.tar.gz.sig.json" \
            --payload "$D/dist/app.tar.gz" &&
        "$D/publish" "$D/dist/app.tar.gz"'
}
export CLI D

expect "release job: sign" 0 "signed" \
    "$CLI" sign --key "$KEY_ID" --payload "$D/dist/app.tar.gz" -o "$D/dist/app.tar.gz.sig.json"
expect "publish job: verified, then published" 0 "" gate
expect "...publish ran once" 0 "" test "$(wc -l <"$D/published.log")" -eq 1

cp "$D/dist/app.tar.gz" "$D/good.tar.gz"
printf 'app v9 with a backdoor\n' >"$D/dist/app.tar.gz"
expect "tampered artifact: the gate exits 1 before publish" 1 "rejected: payload_hash_mismatch" gate
expect "...publish did not run" 0 "" test "$(wc -l <"$D/published.log")" -eq 1
cp "$D/good.tar.gz" "$D/dist/app.tar.gz"

# A gate pinned to another image (say, last year's enclave build) refuses this signature.
sed "s/$H/$(printf '%064d' 0)/" "$D/ci/postq-policy.json" >"$D/other.json" && cp "$D/other.json" "$D/ci/postq-policy.json"
expect "a policy that does not allow the image: exit 1" 1 "rejected: image_not_allowed" gate
expect "...publish did not run" 0 "" test "$(wc -l <"$D/published.log")" -eq 1

kill -TERM "$API_PID" 2>/dev/null
wait "$API_PID" 2>/dev/null
rm -f "$D/dist/app.tar.gz.sig.json"
expect "release job with the API down: exit 3, no sign result" 3 "cannot reach" \
    "$CLI" sign --key "$KEY_ID" --payload "$D/dist/app.tar.gz" -o "$D/dist/app.tar.gz.sig.json"
expect "...so the gate has nothing to verify: exit 2, no publish" 2 "sign result" gate
expect "...publish did not run" 0 "" test "$(wc -l <"$D/published.log")" -eq 1
enclave_stop "$EPID"
t_done
