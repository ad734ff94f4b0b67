#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make check-symbols: the shared library exports exactly the functions declared with POSTQ_API
# in include/postq/ — nothing internal leaks, and nothing public is missing; and libpostq.a holds
# no daemon internals (enclave protocol, store).
set -u
lib=${1:-${POSTQ_BUILD:-build}/libpostq.so}
[ -f "$lib" ] || { echo "check-symbols: $lib not built"; exit 1; }
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u)
# The identifier right before the "(" of every POSTQ_API declaration.
declared=$(tr '\n' ' ' < <(cat include/postq/*.h) | grep -oE 'POSTQ_API[^;{]*\(' |
           sed -E 's/\($//; s/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)$/\1/' | grep -E '^postq_' | sort -u)
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
status=0
[ -z "$extra" ] || { echo "check-symbols: exported but not declared in include/postq/:"; echo "$extra" | sed 's/^/  /'; status=1; }
[ -z "$missing" ] || { echo "check-symbols: declared but not exported:"; echo "$missing" | sed 's/^/  /'; status=1; }
# The SDK carries no daemon internals: the enclave protocol and the store live in their own
# archives (libpostq-proto.a, libpostq-server.a).
archive=${lib%.so}.a
if [ -f "$archive" ]; then
    internal=$(nm -g --defined-only "$archive" 2>/dev/null | awk '{print $3}' | grep -E '^postq_(proto|store)_' | sort -u)
    [ -z "$internal" ] || { echo "check-symbols: $archive defines daemon internals:"; echo "$internal" | sed 's/^/  /'; status=1; }
fi
[ $status -ne 0 ] || echo "# check-symbols: $(echo "$exported" | wc -l) exported symbols, all declared in include/postq/"
exit $status
