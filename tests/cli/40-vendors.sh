#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postq attest verify --doc on the real hardware vendors' documents of ../shared/vendors, at
# fixed times inside their validity windows (they are all past them now): each passes under a
# policy pinning its measurements, and each negative gets its reason code of docs/verification.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/sh-test.sh"
B=${POSTQ_BUILD:-build}
POSTQ=$B/bin/postq
V=${POSTQ_SHARED:-$here/../../../shared}/vendors
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# ---- aws-nitro-enclave ----
N=$V/aws-nitro/samples
ROOT=641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b
P0=d265a83faa7b4fa0d73b82b6d06253e894445922937d0ee5a74fe4891da9817611a71e71b98e5329232902de3cf419af
PB=4b8d4cf2a99e05ce1b5bddaf9d21cb446eb0e606c5bebd1ebf02b473a22165f7b68b0bb0d1ac5a90f0311e493522cfab
ZERO=$(printf '%096d' 0)
nitro_policy() { # $1 = pcrs object, $2 = extra members
    printf '{"vendor":"aws-nitro-enclave","matchRules":{"pcrs":%s,"rootCertSha256":"%s"%s}}' \
        "$1" "${3:-$ROOT}" "${2:-}"
}
nitro_policy "{\"0\":[\"$P0\"]}" > $W/n-prod.json
nitro_policy "{\"0\":[\"$ZERO\"]}" ',"allowDebug":true' > $W/n-debug-ok.json
nitro_policy "{\"0\":[\"$ZERO\"]}" > $W/n-debug.json
nitro_policy "{\"0\":[\"$ZERO\"]}" > $W/n-other-pcr.json
nitro_policy "{\"0\":[\"$PB\"],\"3\":[\"$ZERO\"]}" > $W/n-base.json
nitro_policy "{\"0\":[\"$P0\"]}" '' "148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f86c39" > $W/n-root.json
nitro_policy "{\"0\":[\"$P0\"]}" ',"maxDocAgeSeconds":60' > $W/n-age.json
nitro_policy "{\"0\":[\"00\"]}" > $W/n-bad.json
DOC=$N/evervault-cert-2023-01-18-prod-pcr8
AT=2023-01-18T13:07:20Z

expect "nitro: production document (raw CBOR) passes" 0 "verified:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $DOC.cbor --at $AT
expect "nitro: the same as base64" 0 "verified:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $DOC.b64 --at $AT
expect "nitro: --at as Unix seconds" 0 "verified:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $DOC.cbor --at 1674047240
expect "nitro: --json lists the hardware checks" 0 '"check": "chain_invalid"' \
    $POSTQ attest verify --policy $W/n-prod.json --doc $DOC.cbor --at $AT --json
expect "nitro: indefinite-length payload map, high-S signature" 0 "verified:" \
    $POSTQ attest verify --policy $W/n-base.json --doc $N/base-2026-01-03-indefinite-map.cbor \
    --at 2026-01-03T20:41:08Z
expect "nitro: debug document under allowDebug" 0 "verified:" \
    $POSTQ attest verify --policy $W/n-debug-ok.json --doc $N/evervault-ga-2023-09-18-debug.b64 \
    --at 2023-09-18T15:03:31Z
expect "nitro: debug_not_allowed" 1 "rejected: debug_not_allowed:" \
    $POSTQ attest verify --policy $W/n-debug.json --doc $N/evervault-beta-2022-10-12-debug.cbor \
    --at 2022-10-12T13:50:07Z
expect "nitro: measurement_not_allowed (PCR0)" 1 "rejected: measurement_not_allowed:" \
    $POSTQ attest verify --policy $W/n-other-pcr.json --doc $DOC.cbor --at $AT
expect "nitro: chain_invalid (another root pinned)" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/n-root.json --doc $DOC.cbor --at $AT
expect "nitro: chain_invalid (after the window)" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $DOC.cbor --at 2023-01-18T16:07:17Z
expect "nitro: chain_invalid (today)" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $DOC.cbor
expect "nitro: doc_stale (maxDocAgeSeconds 60)" 1 "rejected: doc_stale:" \
    $POSTQ attest verify --policy $W/n-age.json --doc $DOC.cbor --at 2023-01-18T13:09:00Z
# one byte flipped: the payload (module_id text), the signature (last bytes), a cabundle cert
flip() { # $1 = file, $2 = offset, $3 = out
    cp "$1" "$3" && printf "$(printf '\\%03o' $(( $(od -An -tu1 -j "$2" -N1 "$1") ^ 1 )))" |
        dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}
off=$(grep -boa 'i-0ec0e572c8263d8ff' $DOC.cbor | head -1 | cut -d: -f1)
flip $DOC.cbor $((off + 3)) $W/flip-payload.cbor
flip $DOC.cbor $(( $(stat -c %s $DOC.cbor) - 5 )) $W/flip-sig.cbor
off=$(grep -boa 'us-east-1.aws.nitro-enclaves' $DOC.cbor | head -1 | cut -d: -f1)
flip $DOC.cbor $((off + 2)) $W/flip-cert.cbor
flip $DOC.cbor 3 $W/flip-header.cbor
expect "nitro: payload byte flipped: doc_signature_invalid" 1 "rejected: doc_signature_invalid:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $W/flip-payload.cbor --at $AT
expect "nitro: signature byte flipped: doc_signature_invalid" 1 "rejected: doc_signature_invalid:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $W/flip-sig.cbor --at $AT
expect "nitro: certificate byte flipped: chain_invalid" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $W/flip-cert.cbor --at $AT
expect "nitro: protected header byte flipped: doc_alg_unsupported" 1 "rejected: doc_alg_unsupported:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $W/flip-header.cbor --at $AT
head -c 3000 $DOC.cbor > $W/trunc.cbor
expect "nitro: truncated: doc_malformed" 1 "rejected: doc_malformed:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $W/trunc.cbor --at $AT
expect "nitro: policy with a short PCR value: exit 2 naming the field" 2 "matchRules.pcrs.0[0]" \
    $POSTQ attest verify --policy $W/n-bad.json --doc $DOC.cbor --at $AT

# ---- gcp-confidential-space (PKI token of a debug image, 2025-06-23 14:22:31 .. 15:22:31) ----
G=$V/gcp-confidential-space
TOK=$G/pki-token-debug-2025-06-23.jwt
GROOT=148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f86c39
GDIG=sha256:313b8a83d3c8bfc9abcffee4f538424473e2705383a7e46f16d159faf0e5ef34
gcp_policy() { # $1 = root, $2 = digest, $3 = audience, $4 = extra members
    printf '{"vendor":"gcp-confidential-space","matchRules":{"rootCertSha256":"%s","imageDigests":["%s"],"audiences":["%s"]%s}}' \
        "$1" "$2" "$3" "${4:-}"
}
gcp_policy $GROOT $GDIG https://echo.oak.dev ',"allowDebug":true' > $W/g-ok.json
gcp_policy $GROOT $GDIG https://echo.oak.dev > $W/g-prod.json
gcp_policy $GROOT "sha256:$(printf '%064d' 0)" https://echo.oak.dev ',"allowDebug":true' > $W/g-digest.json
gcp_policy $GROOT $GDIG https://sts.googleapis.com ',"allowDebug":true' > $W/g-aud.json
gcp_policy $ROOT $GDIG https://echo.oak.dev ',"allowDebug":true' > $W/g-root.json
GAT=2025-06-23T14:30:00Z
expect "gcp: PKI token passes under allowDebug" 0 "verified:" \
    $POSTQ attest verify --policy $W/g-ok.json --doc $TOK --at $GAT
expect "gcp: debug_not_allowed (dbgstat enabled)" 1 "rejected: debug_not_allowed:" \
    $POSTQ attest verify --policy $W/g-prod.json --doc $TOK --at $GAT
expect "gcp: measurement_not_allowed (image digest)" 1 "rejected: measurement_not_allowed:" \
    $POSTQ attest verify --policy $W/g-digest.json --doc $TOK --at $GAT
expect "gcp: claims_invalid (audience)" 1 "rejected: claims_invalid:" \
    $POSTQ attest verify --policy $W/g-aud.json --doc $TOK --at $GAT
expect "gcp: chain_invalid (another root pinned)" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/g-root.json --doc $TOK --at $GAT
expect "gcp: claims_invalid (token expired)" 1 "rejected: claims_invalid:" \
    $POSTQ attest verify --policy $W/g-ok.json --doc $TOK --at 2025-06-23T15:22:31Z
expect "gcp: chain_invalid (today: leaf expired)" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/g-ok.json --doc $TOK
t=$(cat $TOK); printf '%s' "${t%????}AAAA" > $W/g-sig.jwt
expect "gcp: signature changed: doc_signature_invalid" 1 "rejected: doc_signature_invalid:" \
    $POSTQ attest verify --policy $W/g-ok.json --doc $W/g-sig.jwt --at $GAT
head -c 5000 $TOK > $W/g-trunc.jwt
expect "gcp: truncated: doc_malformed" 1 "rejected: doc_malformed:" \
    $POSTQ attest verify --policy $W/g-ok.json --doc $W/g-trunc.jwt --at $GAT
expect "gcp: the token under a Nitro policy: vendor_mismatch" 1 "rejected: vendor_mismatch:" \
    $POSTQ attest verify --policy $W/n-prod.json --doc $TOK --at $GAT
gcp_policy $GROOT "sha256:00" a > $W/g-bad.json
expect "gcp: policy with a bad digest: exit 2 naming the field" 2 "matchRules.imageDigests[0]" \
    $POSTQ attest verify --policy $W/g-bad.json --doc $TOK --at $GAT

# ---- azure-confidential-vm (MAA SEV-SNP CVM token, 2025-12-15 19:24:08 .. 2025-12-16 03:24:08) ----
A=$V/azure-maa
t=$(cat $A/cvm-sevsnp-azurevm-2025-12-15.jwt); printf '%s' "$t" > $W/a.jwt
LM=6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc769959f4aeb2f9401e
ISS=https://sharedeus2.eus2.attest.azure.net
az_policy() { # $1 = jwks file, $2 = issuer, $3 = launch measurement, $4 = extra members
    printf '{"vendor":"azure-confidential-vm","matchRules":{"jwks":%s,"issuers":["%s"],"launchMeasurements":["%s"]%s}}' \
        "$(cat "$1")" "$2" "$3" "${4:-}"
}
az_policy $A/sharedeus2-jwks.reconstructed.json $ISS $LM > $W/a-ok.json
az_policy $A/sharedeus2-jwks.reconstructed.json $ISS $LM ',"requireCompliant":false' > $W/a-nocomp.json
az_policy $A/sharedeus2-jwks.reconstructed.json $ISS "$(printf '%096d' 0)" > $W/a-lm.json
az_policy $A/sharedeus2-jwks.reconstructed.json https://sharedeus.eus.attest.azure.net $LM > $W/a-iss.json
az_policy $A/sharedeus-jwks.json $ISS $LM > $W/a-jwks.json
az_policy $A/sharedeus2-jwks.reconstructed.json $ISS 6A06 > $W/a-bad.json
AAT=2025-12-15T20:00:00Z
expect "azure: CVM token passes under the pinned JWKS" 0 "verified:" \
    $POSTQ attest verify --policy $W/a-ok.json --doc $W/a.jwt --at $AAT
expect "azure: the sample file as shipped (a line end after the token) passes too" 0 "verified:" \
    $POSTQ attest verify --policy $W/a-ok.json --doc $A/cvm-sevsnp-azurevm-2025-12-15.jwt --at $AAT
expect "azure: requireCompliant false also passes" 0 "verified:" \
    $POSTQ attest verify --policy $W/a-nocomp.json --doc $W/a.jwt --at $AAT
expect "azure: measurement_not_allowed (launch measurement)" 1 "rejected: measurement_not_allowed:" \
    $POSTQ attest verify --policy $W/a-lm.json --doc $W/a.jwt --at $AAT
expect "azure: claims_invalid (issuer)" 1 "rejected: claims_invalid:" \
    $POSTQ attest verify --policy $W/a-iss.json --doc $W/a.jwt --at $AAT
expect "azure: chain_invalid (kid not in the pinned JWKS)" 1 "rejected: chain_invalid:" \
    $POSTQ attest verify --policy $W/a-jwks.json --doc $W/a.jwt --at $AAT
expect "azure: claims_invalid (token expired)" 1 "rejected: claims_invalid:" \
    $POSTQ attest verify --policy $W/a-ok.json --doc $W/a.jwt --at 2025-12-16T03:24:08Z
printf '%s' "${t%????}AAAA" > $W/a-sig.jwt
expect "azure: signature changed: doc_signature_invalid" 1 "rejected: doc_signature_invalid:" \
    $POSTQ attest verify --policy $W/a-ok.json --doc $W/a-sig.jwt --at $AAT
head -c 3000 $W/a.jwt > $W/a-trunc.jwt
expect "azure: truncated: doc_malformed" 1 "rejected: doc_malformed:" \
    $POSTQ attest verify --policy $W/a-ok.json --doc $W/a-trunc.jwt --at $AAT
expect "azure: the token under a GCP policy: vendor_mismatch" 1 "rejected: vendor_mismatch:" \
    $POSTQ attest verify --policy $W/g-ok.json --doc $W/a.jwt --at $AAT
expect "azure: policy with a bad launch measurement: exit 2 naming the field" 2 \
    "matchRules.launchMeasurements[0]" \
    $POSTQ attest verify --policy $W/a-bad.json --doc $W/a.jwt --at $AAT

t_done
