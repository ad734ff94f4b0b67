#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every test program given and total them. A cmocka binary counts one per test case
# ("[ RUN ]" vs "[ OK ]" lines); any other program (a shell test) counts one, by exit status.
# A program that crashes, times out or runs no test at all counts as failed; so does a sanitizer
# report from any process it started (one more failure).
# The last line is "N passed, N failed".
set -u

passed=0
failed=0
failures=()
TIMEOUT=${POSTQ_TEST_TIMEOUT:-900}
logdir=${POSTQ_BUILD:-build}/test-logs
mkdir -p "$logdir"
logdir=$(cd "$logdir" && pwd)

# Sanitizer builds: every process a test starts (the daemons of the e2e tests too, whose stderr
# goes to logs that die with the test) writes its reports into a directory of the test's own,
# and a report there fails the test whatever the test concluded. ThreadSanitizer stops a
# process at its first report (exit 66). No report is suppressed.

for t in "$@"; do
    name=${t#"${POSTQ_BUILD:-build}"/}
    log="$logdir/$(echo "$name" | tr '/' '_').log"
    rep="$logdir/san/$(echo "$name" | tr '/' '_')"
    rm -rf "$rep"
    mkdir -p "$rep"
    start=$(date +%s%N)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$rep/asan" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$rep/ubsan" \
    TSAN_OPTIONS="halt_on_error=1:exitcode=66:${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$rep/tsan" \
        timeout --kill-after=10 "$TIMEOUT" "$t" >"$log" 2>&1
    rc=$?
    reports=()
    for f in "$rep"/*; do
        [ -e "$f" ] && reports+=("$f")
    done
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
    if [ ${#reports[@]} -gt 0 ]; then
        failed=$((failed + 1)); bad=$((bad + 1))
        status="$status, and ${#reports[@]} sanitizer report(s)"
    fi
    printf '%-40s %s (%ss)\n' "$name" "$status" "$secs"
    if [ "$bad" -ne 0 ]; then
        failures+=("$name")
        echo "---- $log (last 40 lines) ----"
        tail -n 40 "$log"
        for f in "${reports[@]}"; do
            echo "---- $f (first 60 lines) ----"
            head -n 60 "$f"
        done
        echo "----"
    fi
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
