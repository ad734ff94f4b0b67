#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every test program given and total them. A cmocka binary counts one per test case
# ("[ RUN ]" vs "[ OK ]" lines); any other program (a shell test) counts one, by exit status.
# A program that crashes, times out or runs no test at all counts as failed.
# The last line is "N passed, N failed".
set -u

passed=0
failed=0
failures=()
TIMEOUT=${POSTQ_TEST_TIMEOUT:-900}
logdir=${POSTQ_BUILD:-build}/test-logs
mkdir -p "$logdir"

for t in "$@"; do
    name=${t#"${POSTQ_BUILD:-build}"/}
    log="$logdir/$(echo "$name" | tr '/' '_').log"
    start=$(date +%s%N)
    timeout --kill-after=10 "$TIMEOUT" "$t" >"$log" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
    # Informational lines a test prints for the record (vector counts etc.).
    grep -E '^# ' "$log" | sed "s|^# |  $name: |"
    if grep -q '^\[ RUN      \]' "$log" || grep -q '^\[==========\] Running' "$log"; then
        ran=$(grep -c '^\[ RUN      \]' "$log")
        ok=$(grep -c '^\[       OK \]' "$log")
        bad=$((ran - ok))
        if [ "$ran" -eq 0 ] || { [ $rc -ne 0 ] && [ $bad -eq 0 ]; }; then
            bad=$((bad + 1))
        fi
        passed=$((passed + ok))
        failed=$((failed + bad))
        status="$ok passed, $bad failed"
    elif [ $rc -eq 0 ]; then
        passed=$((passed + 1)); bad=0; status="passed"
    else
        failed=$((failed + 1)); bad=1; status="FAILED (exit $rc)"
    fi
    printf '%-40s %s (%ss)\n' "$name" "$status" "$secs"
    if [ "$bad" -ne 0 ]; then
        failures+=("$name")
        echo "---- $log (last 40 lines) ----"
        tail -n 40 "$log"
        echo "----"
    fi
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
