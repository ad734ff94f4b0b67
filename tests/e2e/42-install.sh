#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make install into a temporary DESTDIR + PREFIX: headers, static and shared library (with
# its soname), postq.pc, the programs and the man pages land where they should; the installed
# programs run without LD_LIBRARY_PATH (they link libpostq statically); then
# examples/three_calls.c is built against the installed tree with
# `pkg-config --cflags --libs postq` (prefix redefined to the staging directory), whose rpath
# lets it find the installed libpostq.so.0 without LD_LIBRARY_PATH, run against a live server,
# and once more linked with the static library. PREFIX=/usr gets no rpath.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/api-lib.sh"
D=$E2E_DIR
ROOT=$(cd "$here/../.." && pwd)
PREFIX=/opt/postq
STAGE=$D/stage
P=$STAGE$PREFIX
CC=${CC:-cc}

# The make that runs this test may pass SAN=… in MAKEFLAGS: the child make inherits it and so
# installs this build's objects (nothing is rebuilt: they are up to date).
expect "make install PREFIX=$PREFIX DESTDIR=…" 0 "" \
    make -C "$ROOT" --no-print-directory install O="$B" PREFIX="$PREFIX" DESTDIR="$STAGE"
for f in include/postq/postq.h include/postq/client.h include/postq/attest.h lib/libpostq.a \
    lib/libpostq.so lib/libpostq.so.0 lib/pkgconfig/postq.pc bin/postq bin/postq-api \
    bin/postq-enclave share/man/man1/postq.1 share/man/man8/postq-api.8 \
    share/man/man8/postq-enclave.8; do
    expect "installed: $f" 0 "" test -e "$P/$f"
done
expect "the shared library's soname is libpostq.so.0" 0 "libpostq.so.0" \
    sh -c "readelf -d '$P/lib/libpostq.so' | grep SONAME"
expect "postq.pc names the prefix it was installed for" 0 "prefix=$PREFIX" cat "$P/lib/pkgconfig/postq.pc"
expect "postq.pc: libcurl among the private requirements" 0 "libcurl" cat "$P/lib/pkgconfig/postq.pc"
PC=(pkg-config --define-variable=prefix="$P")
export PKG_CONFIG_PATH=$P/lib/pkgconfig
expect "pkg-config --cflags --libs postq points into the staged prefix, with its rpath" 0 \
    "-L$P/lib -Wl,-rpath,$P/lib -lpostq" "${PC[@]}" --cflags --libs postq
expect "PREFIX=/usr: postq.pc has no rpath (the linker's own directory)" 0 "Libs: -L\${libdir} -lpostq" \
    sh -c "make -C '$ROOT' --no-print-directory install O='$B' PREFIX=/usr DESTDIR='$D/stage-usr' >/dev/null &&
        cat '$D/stage-usr/usr/lib/pkgconfig/postq.pc'"
for p in postq postq-api postq-enclave; do
    expect "installed $p needs no libpostq.so (static)" 1 "" sh -c "readelf -d '$P/bin/$p' | grep -q 'NEEDED.*libpostq'"
    expect "installed $p runs without LD_LIBRARY_PATH" 0 "$p 0.1.0" env -u LD_LIBRARY_PATH "$P/bin/$p" --version
done
# A sanitizer build's library needs the sanitizer runtime in the program too.
SANFLAGS=()
nm -D "$P/lib/libpostq.so" 2>/dev/null | grep -q __asan_ && SANFLAGS=(-fsanitize=address,undefined)
nm -D "$P/lib/libpostq.so" 2>/dev/null | grep -q __tsan_ && SANFLAGS=(-fsanitize=thread)
# shellcheck disable=SC2046
expect "three_calls.c builds against the installed tree (shared)" 0 "" \
    "$CC" -std=c11 -Wall -Wextra -Werror "${SANFLAGS[@]}" -o "$D/three_calls" "$ROOT/examples/three_calls.c" \
    $("${PC[@]}" --cflags --libs postq)
# shellcheck disable=SC2046
expect "three_calls.c builds against the installed static library" 0 "" \
    "$CC" -std=c11 -Wall -Wextra -Werror "${SANFLAGS[@]}" -o "$D/three_calls_static" "$ROOT/examples/three_calls.c" \
    $("${PC[@]}" --cflags postq) "$P/lib/libpostq.a" $(pkg-config --libs libcrypto libsodium jansson libcurl)
expect "the shared build's RUNPATH is the installed lib directory" 0 "[$P/lib]" \
    sh -c "readelf -d '$D/three_calls' | grep -E 'RUNPATH|RPATH'"
expect "the shared build loads the installed libpostq.so.0 without LD_LIBRARY_PATH" 0 \
    "libpostq.so.0 => $P/lib/libpostq.so.0" env -u LD_LIBRARY_PATH ldd "$D/three_calls"

ADMIN=$(api_org acme)
enclave_start enc || exit 1
EPID=$ENCLAVE_PID
api_start api enc || exit 1
printf 'installed artifact\n' >"$D/artifact.bin"
expect "the installed build of three_calls runs the flow and re-verifies (no LD_LIBRARY_PATH)" 0 \
    "verified:" env -u LD_LIBRARY_PATH POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" \
    "$D/three_calls" "$D/artifact.bin"
expect "...and so does the static build" 0 "verified:" \
    env POSTQ_API_URL="$API_URL" POSTQ_API_KEY="$ADMIN" "$D/three_calls_static" "$D/artifact.bin"
kill -TERM "$API_PID" 2>/dev/null
wait "$API_PID" 2>/dev/null
enclave_stop "$EPID"
t_done
