#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make soak: a sustained load on real postq-enclave and postq-api processes (SOAK_CLIENTS
# clients, 4 by default, each signing a fresh payload with an attested key in a loop) for
# SECONDS, no faults. Reports the resident memory of both daemons over time (sampled every
# SOAK_SAMPLE seconds from /proc), the errors, and the sign latency (p50, p99, p99.9, as curl
# measured each request). Fails when any sign fails, or when a daemon's memory keeps growing: its
# mean RSS over the last quarter of the run more than 20% and 8 MiB above its mean over the
# second quarter (the first is warm-up); a run of fewer than 12 samples gives no verdict on it.
#
#   scripts/soak.sh [SECONDS]      (POSTQ_BUILD: the build directory, default build)
set -u
B=${POSTQ_BUILD:-build}
DURATION=${1:-${SOAK_SECONDS:-300}}
CLIENTS=${SOAK_CLIENTS:-4}
SAMPLE=${SOAK_SAMPLE:-5}
. "$(dirname "$0")/stack-lib.sh"
stack_workspace soak

stack_setup soak

client() { # N: "STATUS SECONDS" per sign to lat.N
    local i=$1 n=0
    while [ ! -e "$W/stop" ]; do
        n=$((n + 1))
        curl -s -o /dev/null --max-time 40 -w '%{http_code} %{time_total}\n' -X POST \
            -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
            -d "{\"keyId\":\"$EKEY\",\"payloadB64\":\"$(printf 'soak %s %s' "$i" "$n" | base64)\"}" \
            "$URL/v1/sign" >>"$W/lat.$i"
    done
}
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }

echo "soak: $CLIENTS clients for ${DURATION} s; RSS every ${SAMPLE} s (KiB)"
echo "   t  postq-api  postq-enclave  signs"
for i in $(seq "$CLIENTS"); do
    client "$i" &
    CPIDS="$CPIDS $!"
done
T0=$SECONDS
while [ $((SECONDS - T0)) -lt "$DURATION" ]; do
    sleep "$SAMPLE"
    a=$(rss_kib "$APID") e=$(rss_kib "$EPID")
    n=$(cat "$W"/lat.* 2>/dev/null | wc -l)
    printf '%4d  %9s  %13s  %5d\n' $((SECONDS - T0)) "${a:-dead}" "${e:-dead}" "$n"
    echo "$((SECONDS - T0)) ${a:-0} ${e:-0}" >>"$W/rss"
done
touch "$W/stop"
for p in $CPIDS; do wait "$p" 2>/dev/null; done
CPIDS=""

cat "$W"/lat.* >"$W/lat"
TOTAL=$(wc -l <"$W/lat")
ERRORS=$(awk '$1 != 200' "$W/lat" | wc -l)
awk '$1 == 200 {print $2}' "$W/lat" | sort -n >"$W/ok"
pct() { awk -v p="$1" '{v[NR] = $1} END {if (NR == 0) {print "-"; exit} i = int(NR * p + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.1f", v[i] * 1000}' "$W/ok"; }
echo "soak: $TOTAL signs in ${DURATION} s ($((TOTAL / DURATION))/s), $ERRORS errors" \
    "$(awk '$1 != 200 {print $1}' "$W/lat" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
echo "soak: sign latency p50 $(pct 0.5) ms, p99 $(pct 0.99) ms, p99.9 $(pct 0.999) ms"
rc=0
[ "$ERRORS" -eq 0 ] && [ "$TOTAL" -gt 0 ] || { echo "FAILED: signs failed"; rc=1; }
# growth: mean of the last quarter vs the second quarter of the samples, per daemon; a run
# of fewer than 12 samples (a smoke run) is too short to tell growth from warm-up
SAMPLES=$(wc -l <"$W/rss")
if [ "$SAMPLES" -lt 12 ]; then
    echo "soak: $SAMPLES RSS samples: too few for a verdict on memory growth (12 or more)"
fi
for col in 2 3; do
    [ "$SAMPLES" -lt 12 ] && break
    name=$([ "$col" = 2 ] && echo postq-api || echo postq-enclave)
    read -r q2 q4 < <(awk -v c="$col" '{v[NR] = $c} END {n = NR; if (n < 4) {print 0, 0; exit}
        a = int(n / 4); s2 = 0; s4 = 0; for (i = a + 1; i <= 2 * a; i++) s2 += v[i];
        for (i = n - a + 1; i <= n; i++) s4 += v[i]; printf "%d %d\n", s2 / a, s4 / a}' "$W/rss")
    if [ "$q2" -gt 0 ] && [ "$q4" -gt $((q2 + q2 / 5)) ] && [ "$q4" -gt $((q2 + 8192)) ]; then
        echo "FAILED: $name's RSS grew from $q2 KiB to $q4 KiB"
        rc=1
    else
        echo "ok: $name's RSS steady (second quarter $q2 KiB, last quarter $q4 KiB)"
    fi
done
kill -TERM "$APID" "$EPID" 2>/dev/null
wait "$APID" "$EPID" 2>/dev/null
APID="" EPID=""
[ "$rc" -eq 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit "$rc"
