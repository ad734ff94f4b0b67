# SPDX-License-Identifier: Apache-2.0
# Shell test helpers. Each case prints cmocka-style "[ RUN ]" / "[ OK ]" lines, so that
# scripts/run-tests.sh counts every case of a shell test like a cmocka test.
#   expect NAME WANT_EXIT WANT_TEXT CMD...   run CMD; pass when it exits WANT_EXIT and its
#                                            stdout+stderr contains WANT_TEXT ("" = anything)
#   t_done                                   print the totals; exit non-zero on any failure
T_RUN=0
T_FAILED=0
T_OUT=$(mktemp)

expect() {
    local name=$1 want=$2 text=$3
    shift 3
    T_RUN=$((T_RUN + 1))
    echo "[ RUN      ] $name"
    "$@" >"$T_OUT" 2>&1
    local rc=$?
    if [ "$rc" -eq "$want" ] && { [ -z "$text" ] || grep -qF -- "$text" "$T_OUT"; }; then
        echo "[       OK ] $name"
    else
        T_FAILED=$((T_FAILED + 1))
        echo "[  FAILED  ] $name: exit $rc (want $want), output (want \"$text\"):"
        sed 's/^/    /' "$T_OUT" | head -n 20
    fi
}

t_done() {
    rm -f "$T_OUT"
    echo "[==========] $T_RUN test(s) run."
    echo "[  PASSED  ] $((T_RUN - T_FAILED)) test(s)."
    [ "$T_FAILED" -eq 0 ] || { echo "[  FAILED  ] $T_FAILED test(s)"; exit 1; }
}
