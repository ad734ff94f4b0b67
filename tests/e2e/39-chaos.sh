#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make chaos and make soak, short: 20 s of load with random SIGKILLs of either daemon, then every
# acknowledged sign listed and stored, no (moduleId, counter) twice, no orphan rows, an intact
# database (scripts/chaos.sh); then 4 s more on a database damaged on purpose, where the same
# checks must fail (the negative control); and 6 s of the soak (scripts/soak.sh), so that neither rots.
# Longer runs: make chaos CHAOS_SECONDS=300, make soak SOAK_SECONDS=300.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
ROOT=$(cd "$here/../.." && pwd)

POSTQ_BUILD=$B "$ROOT/scripts/chaos.sh" 20 >"$E2E_DIR/chaos.out" 2>&1
rc=$?
cat "$E2E_DIR/chaos.out"
expect "chaos: exit 0" 0 "" test "$rc" -eq 0
expect "chaos: daemons were killed and restarted" 0 "" \
    grep -qE 'signs acknowledged; [0-9]+ kills of postq-api, [0-9]+ of postq-enclave' "$E2E_DIR/chaos.out"
expect "chaos: some signs acknowledged" 0 "" grep -qE ': [1-9][0-9]* signs acknowledged' "$E2E_DIR/chaos.out"
expect "chaos: every acknowledged sign listed" 0 "every acknowledged sign is listed" cat "$E2E_DIR/chaos.out"
expect "chaos: every acknowledged sign stored" 0 "ok: every acknowledged sign stored" cat "$E2E_DIR/chaos.out"
expect "chaos: no (moduleId, counter) twice" 0 "ok: no (moduleId, counter) stored twice" cat "$E2E_DIR/chaos.out"
expect "chaos: no orphans" 0 "ok: no signature without its key" cat "$E2E_DIR/chaos.out"
expect "chaos: integrity_check" 0 "ok: PRAGMA integrity_check" cat "$E2E_DIR/chaos.out"
expect "chaos: every signature has its log leaf" 0 "ok: no signature without its log leaf" cat "$E2E_DIR/chaos.out"
expect "chaos: every leaf hash has its signature" 0 "ok: no leaf hash without its signature" cat "$E2E_DIR/chaos.out"
expect "chaos: the leaves are numbered without a gap" 0 \
    "ok: each log's leaves numbered from 0 without a gap" cat "$E2E_DIR/chaos.out"
expect "chaos: no checkpoint past its log" 0 "ok: no checkpoint of more leaves than its log has" cat "$E2E_DIR/chaos.out"

# The negative control: the same checks on a database damaged on purpose must fail, each one.
POSTQ_BUILD=$B CHAOS_DAMAGE=1 "$ROOT/scripts/chaos.sh" 4 >"$E2E_DIR/damaged.out" 2>&1
rc=$?
cat "$E2E_DIR/damaged.out"
expect "damaged: exit 1" 0 "" test "$rc" -eq 1
expect "damaged: the deleted acknowledged sign is found missing" 0 \
    "FAILED: every acknowledged sign stored" cat "$E2E_DIR/damaged.out"
expect "damaged: the counter stored twice is found" 0 "FAILED: no (moduleId, counter) stored twice" \
    cat "$E2E_DIR/damaged.out"
expect "damaged: the claim without signature is found" 0 \
    "FAILED: no claimed (moduleId, counter) without its signature" cat "$E2E_DIR/damaged.out"
expect "damaged: the copied signature without a leaf is found" 0 \
    "FAILED: no signature without its log leaf" cat "$E2E_DIR/damaged.out"
expect "damaged: the deleted signature leaves its leaf hash alone" 0 \
    "FAILED: no leaf hash without its signature" cat "$E2E_DIR/damaged.out"
expect "damaged: the deleted signature leaves a gap in its log" 0 \
    "FAILED: each log's leaves numbered from 0 without a gap" cat "$E2E_DIR/damaged.out"

POSTQ_BUILD=$B SOAK_SAMPLE=1 "$ROOT/scripts/soak.sh" 6 >"$E2E_DIR/soak.out" 2>&1
rc=$?
cat "$E2E_DIR/soak.out"
expect "soak (6 s): exit 0" 0 "" test "$rc" -eq 0
expect "soak: latency percentiles reported" 0 "" grep -qE 'p50 [0-9.]+ ms, p99 [0-9.]+ ms, p99.9 [0-9.]+ ms' "$E2E_DIR/soak.out"
expect "soak: 0 errors" 0 ", 0 errors" cat "$E2E_DIR/soak.out"
expect "soak: RSS sampled for both daemons" 0 "" grep -qE '^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' "$E2E_DIR/soak.out"

t_done
