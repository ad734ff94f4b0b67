#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make ct-test: ML-DSA keygen and sign (and the composite) under valgrind memcheck with every
# secret marked undefined (ctgrind). Passes when valgrind reports nothing on the real code and
# does report the deliberate leak of the negative control.
set -u
bin=${POSTQ_BUILD:-build}/ct/ct_sign
[ -x "$bin" ] || { echo "ct-test: $bin not built (make ct-bins)"; exit 1; }
command -v valgrind >/dev/null || { echo "ct-test: valgrind not installed (scripts/install-deps.sh)"; exit 1; }

vg=(valgrind --tool=memcheck --error-exitcode=99 --track-origins=yes --num-callers=30 -q)
status=0

if "${vg[@]}" "$bin" --leak >/dev/null 2>&1; then
    echo "ct-test: FAIL: the negative control's secret-dependent branch was not reported"
    status=1
else
    echo "# ct-test: negative control reported as expected"
fi

for mode in "" --hybrid; do
    log=$(mktemp)
    if "${vg[@]}" "$bin" $mode >"$log" 2>&1; then
        echo "# ct-test: ${mode:-mldsa} keygen+sign (44/65/87): no secret-dependent branch or index"
    else
        echo "ct-test: FAIL: ${mode:-mldsa}: valgrind reports secret-dependent behaviour:"
        head -n 80 "$log"
        status=1
    fi
    rm -f "$log"
done
exit $status
