#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instruction counts of ML-DSA-65 under callgrind: repeatable on a noisy machine.
# Targets: the best portable C implementation we know, measured here (gcc -O2/-O3).
set -euo pipefail
bin=$1
count() { # mode function -> instructions collected inside function
    local out
    out=$(mktemp)
    valgrind --tool=callgrind --toggle-collect="$2" --callgrind-out-file="$out" "$bin" "$1" >/dev/null 2>&1
    awk '/^summary:|^totals:/ {print $2; exit}' "$out"
    rm -f "$out"
}
kg=$(count keygen postq_mldsa_keygen)
vf=$(count verify postq_mldsa_verify)
vv=$(count verify-vkey postq_mldsa_verify_vkey)
vi=$(count verify-vkey postq_mldsa_vkey_init)
sg=$(count sign postq_mldsa_sign)
sg=$((sg / 400))
printf '| ML-DSA-65 (callgrind, instructions) | PostQ | target | ratio |\n'
printf '|---|---|---|---|\n'
printf '| keygen | %s | 1890000 | %s |\n' "$kg" "$(awk -v a="$kg" 'BEGIN{printf "%.2f", a/1890000}')"
printf '| verify | %s | 2000000 | %s |\n' "$vf" "$(awk -v a="$vf" 'BEGIN{printf "%.2f", a/2000000}')"
printf '| verify, expanded key (init excluded) | %s | – | %s of verify |\n' "$vv" "$(awk -v a="$vv" -v b="$vf" 'BEGIN{printf "%.2f", a/b}')"
printf '| expanded key init (once per key) | %s | – | %s of verify |\n' "$vi" "$(awk -v a="$vi" -v b="$vf" 'BEGIN{printf "%.2f", a/b}')"
printf '| sign (mean of 400 × 32 B) | %s | 7710000 | %s |\n' "$sg" "$(awk -v a="$sg" 'BEGIN{printf "%.2f", a/7710000}')"
