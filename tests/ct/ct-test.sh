#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make ct-test: ML-DSA keygen and sign (and the composite) under valgrind memcheck with every
# secret marked undefined (ctgrind). Passes when valgrind reports nothing on the real code and
# reports the deliberate leak of the negative control exactly as a found leak looks: exit code
# VG_LEAK (never a crash or another failure), one "Conditional jump or move depends on
# uninitialised value(s)" in main, created by our client request, and the program run to its end.
set -u
bin=${POSTQ_BUILD:-build}/ct/ct_sign
[ -x "$bin" ] || { echo "ct-test: $bin not built (make ct-bins)"; exit 1; }
command -v valgrind >/dev/null || { echo "ct-test: valgrind not installed (scripts/install-deps.sh)"; exit 1; }

# An exit code neither ct_sign (0 or 1) nor a signal (128+N) gives: it means valgrind found errors.
VG_LEAK=99
vg=(valgrind --tool=memcheck --error-exitcode=$VG_LEAK --track-origins=yes --num-callers=30 -q)
status=0
out=$(mktemp)
log=$(mktemp)
trap 'rm -f "$out" "$log"' EXIT

# The negative control, and what a found leak must look like: with -q valgrind prints only the
# error reports, so the log holds exactly the one report of the branch in main on a value that
# POSTQ_CT_SECRET made undefined.
"${vg[@]}" "$bin" --leak >"$out" 2>"$log"
rc=$?
why=""
if [ $rc -ne $VG_LEAK ]; then
    why="exit $rc, want $VG_LEAK (valgrind's error exit code)"
elif [ "$(grep -c 'Conditional jump or move depends on uninitialised value(s)' "$log")" -ne 1 ]; then
    why="want one \"Conditional jump or move depends on uninitialised value(s)\" report"
elif ! grep -A1 'Conditional jump or move depends on uninitialised value(s)' "$log" |
        grep -qE '^==[0-9]+== +at 0x[0-9A-Fa-f]+: main \('; then
    why="the report is not in ct_sign's main"
elif ! grep -q 'Uninitialised value was created by a client request' "$log"; then
    why="the undefined value was not the one POSTQ_CT_SECRET marked"
elif [ "$(grep -cE '^==[0-9]+== [A-Z]' "$log")" -ne 1 ]; then
    why="valgrind reported more than the one leak"
elif [ "$(cat "$out")" != "branched on a secret" ]; then
    why="the program did not run to its end"
fi
if [ -n "$why" ]; then
    echo "ct-test: FAIL: the negative control's secret-dependent branch was not reported as a leak: $why"
    echo "---- valgrind ----"
    head -n 40 "$log"
    echo "---- stdout ----"
    head -n 5 "$out"
    status=1
else
    echo "# ct-test: negative control reported as expected (exit $VG_LEAK, one conditional jump on a secret in main)"
fi

# Both code paths: the AVX2 one (where the CPU has AVX2; valgrind runs AVX2 code) and the
# portable one, forced with POSTQ_DISABLE_AVX2=1.
if [ "$("$bin" --avx2 2>/dev/null)" = "avx2" ]; then
    paths="avx2 portable"
else
    paths="portable"
    echo "# ct-test: this CPU has no AVX2: only the portable path is checked"
fi
for path in $paths; do
    for mode in "" --hybrid; do
        if [ "$path" = portable ]; then
            POSTQ_DISABLE_AVX2=1 "${vg[@]}" "$bin" $mode >"$log" 2>&1
        else
            "${vg[@]}" "$bin" $mode >"$log" 2>&1
        fi
        rc=$?
        case $rc in
            0) echo "# ct-test: ${mode:-mldsa} keygen+sign (44/65/87), $path path: no secret-dependent branch or index" ;;
            "$VG_LEAK")
                echo "ct-test: FAIL: ${mode:-mldsa}, $path path: valgrind reports secret-dependent behaviour:"
                head -n 80 "$log"
                status=1 ;;
            *)
                echo "ct-test: FAIL: ${mode:-mldsa}, $path path: ct_sign failed or crashed (exit $rc):"
                head -n 80 "$log"
                status=1 ;;
        esac
    done
done
exit $status
