#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# with-pg.sh DIR -- CMD...: run CMD beside a throwaway PostgreSQL server in DIR
# (scripts/pg-server.sh; fsync off, as the tests' databases die with the run), with
# POSTQ_TEST_PG_URL (its admin database's URI) and POSTQ_TEST_PG_DIR in the environment; stop
# the server afterwards, also when CMD fails or is interrupted; exit with CMD's status.
# When the server cannot start, CMD still runs without the two variables, so every PostgreSQL
# test fails visibly (none skips) and the other results are still seen.
set -uo pipefail
[ $# -ge 3 ] && [ "$2" = "--" ] || { echo "usage: with-pg.sh DIR -- CMD..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "$1" && cd "$1" && pwd) || exit 2
shift 2
tmp=
stop() {
    "$here/pg-server.sh" stop "$dir" >/dev/null 2>&1 || true
    if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
url=$(POSTQ_PG_FSYNC=off "$here/pg-server.sh" start "$dir" 2>"$dir.err")
ok=$?
if [ $ok -ne 0 ] && grep -q "is not open to user" "$dir.err"; then
    # Run as root from a private directory (PostgreSQL runs as another user): a directory of
    # its own under /tmp instead.
    tmp=$(mktemp -d /tmp/postq-pg.XXXXXX) && chmod 0711 "$tmp" && dir=$tmp/pg &&
        url=$(POSTQ_PG_FSYNC=off "$here/pg-server.sh" start "$dir" 2>"$tmp.err")
    ok=$?
    [ $ok -eq 0 ] || cat "$tmp.err" >&2
    rm -f "$tmp.err"
elif [ $ok -ne 0 ]; then
    cat "$dir.err" >&2
fi
rm -f "$dir.err"
if [ $ok -eq 0 ]; then
    trap stop EXIT
    trap 'exit 130' INT TERM
    export POSTQ_TEST_PG_URL=$url POSTQ_TEST_PG_DIR=$dir
else
    echo "with-pg: the PostgreSQL test server did not start: every PostgreSQL test will fail" >&2
    unset POSTQ_TEST_PG_URL POSTQ_TEST_PG_DIR
    stop
fi
"$@"
