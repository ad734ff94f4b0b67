#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instruction counts of ML-DSA-65 under callgrind (repeatable on a noisy machine), on both code
# paths: AVX2 (where this CPU has it) and portable (POSTQ_DISABLE_AVX2=1).
# Targets: portable, the best portable C implementation we know; AVX2, 0.9x pq-crystals' AVX2
# build (449,738 / 468,440 / 1,302,338 instructions for keygen / verify / mean sign), both
# measured with callgrind on this kind of machine.
set -euo pipefail
bin=$1
count() { # env-prefix mode function -> instructions collected inside function
    local out
    out=$(mktemp)
    env $1 valgrind --tool=callgrind --toggle-collect="$3" --callgrind-out-file="$out" "$bin" "$2" >/dev/null 2>&1
    awk '/^summary:|^totals:/ {print $2; exit}' "$out"
    rm -f "$out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
table() { # path env-prefix kg-target vf-target sg-target
    local kg vf vv vi sg
    kg=$(count "$2" keygen postq_mldsa_keygen)
    vf=$(count "$2" verify postq_mldsa_verify)
    vv=$(count "$2" verify-vkey postq_mldsa_verify_vkey)
    vi=$(count "$2" verify-vkey postq_mldsa_vkey_init)
    sg=$(count "$2" sign postq_mldsa_sign)
    sg=$((sg / 400))
    printf '| keygen | %s | %s | %s | %s |\n' "$1" "$kg" "$3" "$(ratio "$kg" "$3")"
    printf '| verify | %s | %s | %s | %s |\n' "$1" "$vf" "$4" "$(ratio "$vf" "$4")"
    printf '| verify, expanded key (init excluded) | %s | %s | – | %s of verify |\n' "$1" "$vv" "$(ratio "$vv" "$vf")"
    printf '| expanded key init (once per key) | %s | %s | – | %s of verify |\n' "$1" "$vi" "$(ratio "$vi" "$vf")"
    printf '| sign (mean of 400 × 32 B) | %s | %s | %s | %s |\n' "$1" "$sg" "$5" "$(ratio "$sg" "$5")"
}
printf '| ML-DSA-65 (callgrind, instructions) | path | PostQ | target | ratio |\n'
printf '|---|---|---|---|---|\n'
if [ "$("$bin" path)" = avx2 ]; then
    table avx2 "POSTQ_BENCH_PATH=avx2" 404000 421000 1172000
else
    echo "| (this CPU has no AVX2: the AVX2 path is not measured) | | | | |"
fi
table portable "POSTQ_DISABLE_AVX2=1" 1890000 2000000 7710000
