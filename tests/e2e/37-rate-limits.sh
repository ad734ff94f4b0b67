#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq-api's rate limits end to end: a key's burst passes and the next request is 429
# rate_limited with Retry-After, after which it passes again; a viewer and a signer each get
# their role's rate; an organisation's limit applies across two of its keys and not to another
# organisation; unauthenticated requests are not counted; /metrics counts the 429s by scope;
# `postq sign` (the C SDK) gets through after waiting Retry-After, and when its retries run
# out it says why and exits 3. Three servers on one database, one limit configuration each.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
JSON=(-H 'Content-Type: application/json')
printf 'release artifact v2\n' >"$D/payload.bin"

ADMIN=$("$API" org create acme --db "sqlite:$D/api.db" 2>"$D/org.err")
ORG=$(sed -n 's/^organisation \(org_[0-9A-Z]*\).*/\1/p' "$D/org.err")
OTHER=$(api_org globex)
newkey() {
    "$API" apikey create --org "$ORG" --role "$1" --db "sqlite:$D/api.db" 2>/dev/null
}
SIGNER=$(newkey signer)
SIGNER2=$(newkey signer)
VIEWER=$(newkey viewer)
SLOW=$(newkey signer)
ADMIN_ID=$(echo "$ADMIN" | sed -n 's/^pqk_\(ak_[0-9A-Z]*\)_.*/\1/p')
expect "four more API keys of acme" 0 "" \
    test -n "$SIGNER" -a -n "$SIGNER2" -a -n "$VIEWER" -a -n "$SLOW" -a -n "$ADMIN_ID"

enclave_start enc || exit 1

# The status codes of N quick GETs of PATH with TOKEN, on one line.
codes() {
    local n=$1 path=$2 token=$3 out=""
    for _ in $(seq 1 "$n"); do
        out="$out $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
            "$API_URL$path")"
    done
    echo "${out# }"
}
# One GET with the response's headers and body.
full() {
    curl -s -D - -H "Authorization: Bearer $2" "$API_URL$1"
}

# ---- slow server: the SDK's retries run out (Retry-After 34 s; the SDK waits at most 10 s,
# three times). Started first and run in the background, so the ~30 s pass during the rest. ----
API_EXTRA="--rate-limit signer=0.03/1 --org-rate-limit off" api_start slow enc || exit 1
SLOW_URL=$API_URL
# A software key of a server (sealed under that server's key-encryption key).
swkey() {
    call POST /v1/hybrid-keys "$ADMIN" "${JSON[@]}" \
        -d '{"name":"sw","algorithm":"mldsa44+ed25519","pqProvider":"software"}' | jfield id
}
SLOW_KEY=$(swkey)
expect "a software key to sign with" 0 "" test -n "$SLOW_KEY"
expect "slow server: the signer's one-request burst" 0 "200" codes 1 /v1/signatures "$SLOW"
(
    start=$(date +%s)
    POSTQ_API_URL=$SLOW_URL POSTQ_API_KEY=$SLOW "$CLI" sign --key "$SLOW_KEY" --payload "$D/payload.bin" \
        -o "$D/slow.json" >"$D/slow.out" 2>&1
    echo "exit $? after $(($(date +%s) - start)) s" >>"$D/slow.out"
) &
SLOW_JOB=$!

# ---- per-key limits ----
API_EXTRA="--rate-limit signer=0.5/3 --rate-limit viewer=0.25/2 --rate-limit admin=1/1 --org-rate-limit off" \
    api_start keys enc || exit 1
KEY=$(swkey) # the admin's one request of this second; its next is a second away
expect "a software key of this server" 0 "" test -n "$KEY"
expect "the limits are on the startup line" 0 \
    "rate limits per API key: admin 1/s burst 1, signer 0.5/s burst 3, viewer 0.25/s burst 2; per organisation off" \
    cat "$D/keys.log"
expect "signer: a burst of 3 passes, the 4th is refused" 0 "200 200 200 429" \
    codes 4 /v1/signatures "$SIGNER"
full /v1/signatures "$SIGNER" >"$D/429.txt"
expect "...429 with Retry-After: 2 (0.5/s)" 0 "" grep -qi '^Retry-After: 2.$' "$D/429.txt"
expect "...and the error rate_limited naming the key's limit" 0 \
    '{"error":{"code":"rate_limited","message":"rate limit of this API key exceeded (role signer: 0.5/s burst 3); retry after 2 s"}}' \
    cat "$D/429.txt"
SECRET=$(echo "$SIGNER" | sed 's/^pqk_ak_[0-9A-Z]*_//')
expect "...no secret in it" 1 "" grep -qF -- "$SECRET" "$D/429.txt"
sleep 2
expect "after Retry-After it passes again, once" 0 "200 429" codes 2 /v1/signatures "$SIGNER"
expect "a second signer of the organisation has its own bucket" 0 "200 200 200 429" \
    codes 4 /v1/signatures "$SIGNER2"
expect "a refused request is refused before its route: even a 404 path is 429" 0 "429" \
    codes 1 /v1/signatures/sig_00000000000000000000000000 "$SIGNER2"
expect "viewer: its own rate, a burst of 2" 0 "200 200 429" codes 3 /v1/signatures "$VIEWER"
full /v1/signatures "$VIEWER" >"$D/429v.txt"
expect "...Retry-After: 4 (0.25/s)" 0 "" grep -qi '^Retry-After: 4.$' "$D/429v.txt"
expect "...message names the viewer's limit" 0 "(role viewer: 0.25/s burst 2)" cat "$D/429v.txt"
expect "unauthenticated requests are not counted per key (401, never 429)" 0 \
    "401 401 401 401 401 401 401 401" codes 8 /v1/signatures "${SIGNER%?}x"
expect "/healthz is not limited" 0 "200 200 200 200 200" codes 5 /healthz ""
call GET /metrics "" >"$D/metrics.txt"
# 429s so far, all per key: signer 3, signer2 2 (one on /v1/signatures/{id}), viewer 2.
expect "metrics: postq_rate_limited_total counts them by scope" 0 \
    'postq_rate_limited_total{scope="key"} 7' cat "$D/metrics.txt"
expect "...the org series exists at zero" 0 'postq_rate_limited_total{scope="org"} 0' \
    cat "$D/metrics.txt"
expect "...and the requests series has the 429s" 0 \
    'postq_http_requests_total{route="/v1/signatures",method="GET",status="429"} 6' \
    cat "$D/metrics.txt"

# The SDK: the admin key (1/s, burst 1) has just been used, so `postq sign` right after is
# refused (the next request fits a full second after the last one), waits Retry-After, passes.
expect "admin: its own rate, a burst of 1" 0 "200" codes 1 /v1/signatures "$ADMIN"
t0=$(date +%s%N)
expect "postq sign: retried after Retry-After, then signed" 0 "" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$CLI" sign --key "$KEY" \
    --payload "$D/payload.bin" -o "$D/sig.json"
t1=$(date +%s%N)
expect "...it waited about a second" 0 "" test $(((t1 - t0) / 1000000)) -ge 900
expect "...the server saw a 429 then a 200 of that key on POST /v1/sign" 0 "" \
    sh -c "grep 'POST /v1/sign ' '$D/keys.log' | grep 'apikey=$ADMIN_ID' | awk '{print \$6}' | tr '\n' ' ' | grep -q '^429 200 \$'"
expect "...and the sign result is there" 0 '"signatureB64"' cat "$D/sig.json"

# ---- the organisation's limit, shared by its keys ----
API_EXTRA="--rate-limit signer=off --rate-limit viewer=off --rate-limit admin=off --org-rate-limit 0.5/4" \
    api_start orgs enc || exit 1
expect "two keys share the organisation's burst of 4" 0 "200 200" codes 2 /v1/signatures "$SIGNER"
expect "...the other key gets the rest, then 429" 0 "200 200 429" codes 3 /v1/signatures "$SIGNER2"
full /v1/signatures "$SIGNER" >"$D/429o.txt"
expect "...the first key is refused too, Retry-After 2" 0 "" grep -qi '^Retry-After: 2.$' "$D/429o.txt"
expect "...the message names the organisation's limit" 0 \
    "rate limit of this organisation exceeded (0.5/s burst 4, all its API keys together)" \
    cat "$D/429o.txt"
expect "another organisation is not affected" 0 "200 200 200 200" codes 4 /v1/signatures "$OTHER"
sleep 2
expect "two seconds later the organisation has one more" 0 "200 429" codes 2 /v1/signatures "$VIEWER"
expect "metrics: the org scope counted" 0 'postq_rate_limited_total{scope="org"} 3' \
    call GET /metrics ""
expect "off: a role with no limit is never refused by its key" 0 'scope="key"} 0' \
    call GET /metrics ""

# ---- the slow server's CLI call, started at the beginning ----
wait "$SLOW_JOB"
expect "postq sign: retries run out: exit 3" 0 "exit 3 after" cat "$D/slow.out"
expect "...after about 30 s of waiting (3 retries, 10 s each at most)" 0 "" \
    sh -c "s=\$(sed -n 's/^exit 3 after \([0-9]*\) s/\1/p' '$D/slow.out'); test \"\$s\" -ge 29 -a \"\$s\" -le 45"
expect "...with the server's message" 0 \
    "postq: sign: rate_limited: rate limit of this API key exceeded (role signer: 0.03/s burst 1); retry after" \
    cat "$D/slow.out"
expect "...and no output file" 1 "" test -e "$D/slow.json"
t_done
